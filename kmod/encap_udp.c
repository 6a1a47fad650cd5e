// SPDX-License-Identifier: GPL-2.0
/*
 * The "udp" encapsulation (layout at the top of encap_udp.h) behind the
 * seam of encap.h: the header codec, sealing a packet behind the header,
 * and classifying a received one by its receiver id and key id.
 *
 * The codec is pure functions on caller memory: any context, no locks.
 * struct burrow_wire_header is __packed, so the compiler emits
 * unaligned-safe accesses for its multi-byte fields. The ops run in their
 * pipeline stage's RCU-BH section (encap.h).
 */

#include <linux/kernel.h>
#include <linux/skbuff.h>
#include <linux/string.h>

#include "crypto.h"
#include "device.h"
#include "encap.h"
#include "encap_udp.h"
#include "peer.h"
#include "queue.h"
#include "selftest.h"

static_assert(BURROW_WIRE_TAG_LEN == BURROW_AEAD_TAG_LEN);
static_assert(!(BURROW_WIRE_TYPE_DATA & BURROW_WIRE_QUIC_BIT));
static_assert(!(BURROW_WIRE_TYPE_ETH & BURROW_WIRE_QUIC_BIT));
static_assert(!(BURROW_WIRE_TYPE_ETH_FRAG & BURROW_WIRE_QUIC_BIT));

/* Indexed by enum burrow_frame_kind (not NONE: udp keepalives have a type). */
static const u8 burrow_wire_type_of_kind[] = {
	[BURROW_FRAME_IP]	= BURROW_WIRE_TYPE_DATA,
	[BURROW_FRAME_ETH]	= BURROW_WIRE_TYPE_ETH,
	[BURROW_FRAME_ETH_FRAG]	= BURROW_WIRE_TYPE_ETH_FRAG,
};

void burrow_wire_header_build(struct burrow_wire_header *hdr, u8 key_id,
			      u32 receiver_id, u64 counter)
{
	hdr->type = BURROW_WIRE_TYPE_DATA;
	hdr->key_id = key_id;
	hdr->reserved = 0;
	hdr->receiver_id = cpu_to_be32(receiver_id);
	hdr->counter = cpu_to_be64(counter);
}

bool burrow_wire_header_parse(const void *data, unsigned int len,
			      struct burrow_wire_fields *out)
{
	const struct burrow_wire_header *hdr = data;

	if (len < BURROW_WIRE_HEADER_LEN ||
	    (hdr->type != BURROW_WIRE_TYPE_DATA && hdr->type != BURROW_WIRE_TYPE_ETH &&
	     hdr->type != BURROW_WIRE_TYPE_ETH_FRAG) ||
	    hdr->reserved || len < BURROW_WIRE_MIN_LEN)
		return false;
	out->type = hdr->type;
	out->key_id = hdr->key_id;
	out->receiver_id = be32_to_cpu(hdr->receiver_id);
	out->counter = be64_to_cpu(hdr->counter);
	out->payload_len = len - BURROW_WIRE_HEADER_LEN;
	return true;
}

/* Encrypt skb in place behind a burrow header. */
static int burrow_encap_udp_seal(struct burrow_peer *peer, struct burrow_key *key,
				 struct sk_buff *skb, u64 counter)
{
	struct burrow_wire_header *header;
	unsigned int len = skb->len;
	struct sk_buff *trailer;

	if (skb_cow_data(skb, BURROW_AEAD_TAG_LEN, &trailer) < 0)
		return -ENOMEM;
	pskb_put(skb, trailer, BURROW_AEAD_TAG_LEN);
	if (skb_cow_head(skb, sizeof(*header)))
		return -ENOMEM;
	header = skb_push(skb, sizeof(*header));
	burrow_wire_header_build(header, key->key_id, READ_ONCE(peer->tx_id), counter);
	header->type = burrow_wire_type_of_kind[BURROW_PKT_CB(skb)->encap_flags];
	return burrow_aead_seal(key->tx, skb, sizeof(*header), len, (const u8 *)header,
				sizeof(*header), counter);
}

/* Every datagram with the QUIC fixed bit clear is the device's. */
static bool burrow_encap_udp_rx_claim(struct burrow_device *bdev, const struct sk_buff *skb,
				      unsigned int offset, u8 first, struct burrow_encap_rx *rx)
{
	return !burrow_wire_is_quic(first);
}

static struct burrow_key *burrow_encap_udp_key(struct burrow_peer *peer, u8 key_id)
{
	struct burrow_key *key;
	int slot;

	for (slot = 0; slot < BURROW_KEY_SLOTS; slot++) {
		key = rcu_dereference_bh(peer->keys[slot]);
		if (key && key->key_id == key_id)
			return key;
	}
	return NULL;
}

/* Header shape, then the receiver id, then the key id. */
static enum burrow_drop_reason
burrow_encap_udp_rx_classify(struct burrow_device *bdev, const struct sk_buff *skb,
			     unsigned int offset, struct burrow_encap_rx *rx)
{
	struct burrow_wire_fields fields;

	static_assert(BURROW_WIRE_HEADER_LEN <= sizeof(rx->hdr));
	if (skb_copy_bits(skb, offset, rx->hdr, BURROW_WIRE_HEADER_LEN) ||
	    !burrow_wire_header_parse(rx->hdr, skb->len - offset, &fields))
		return BURROW_DROP_BAD_HEADER;
	/* The type must be of the device's mode (encap.h), before any crypto. */
	if (burrow_device_is_l2(bdev) ? fields.type == BURROW_WIRE_TYPE_DATA :
					fields.type != BURROW_WIRE_TYPE_DATA)
		return BURROW_DROP_BAD_HEADER;
	rx->peer = burrow_peer_lookup(bdev, fields.receiver_id);
	if (!rx->peer)
		return BURROW_DROP_UNKNOWN_ID;
	rx->key = burrow_encap_udp_key(rx->peer, fields.key_id);
	if (!rx->key)
		return BURROW_DROP_NO_KEY;
	rx->counter = fields.counter;
	rx->hdr_len = BURROW_WIRE_HEADER_LEN;
	switch (fields.type) {
	case BURROW_WIRE_TYPE_ETH:
		rx->flags = BURROW_FRAME_ETH;
		break;
	case BURROW_WIRE_TYPE_ETH_FRAG:
		rx->flags = BURROW_FRAME_ETH_FRAG;
		break;
	default:
		rx->flags = BURROW_FRAME_IP;
	}
	return BURROW_DROP_MAX;
}

/* The plaintext is the packet; stage 1 left its kind in @flags. */
static enum burrow_drop_reason burrow_encap_udp_rx_finish(struct sk_buff *skb, u8 flags,
							  u8 *kind)
{
	*kind = flags;
	return BURROW_DROP_MAX;
}

const struct burrow_encap_ops burrow_encap_udp_ops = {
	.seal			= burrow_encap_udp_seal,
	.rx_claim		= burrow_encap_udp_rx_claim,
	.rx_classify		= burrow_encap_udp_rx_classify,
	.rx_finish		= burrow_encap_udp_rx_finish,
	.rx_short_reason	= BURROW_DROP_BAD_HEADER,
};

#ifdef BURROW_SELFTEST
#include "selftest/encap_udp.c"
#endif
