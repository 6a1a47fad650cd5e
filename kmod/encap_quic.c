// SPDX-License-Identifier: GPL-2.0
/*
 * The quic encapsulation (layout in encap_quic.h) behind the seam of
 * encap.h. First its building blocks: short header, packet-number coding,
 * header protection, varints, and the check of the decrypted frames; pure
 * functions on caller memory, except the frame check, which trims the
 * caller's skb to the inner packet. Then the ops, which put them together
 * with the AEAD of crypto.c and run in their pipeline stage's RCU-BH
 * section.
 *
 * Header protection uses the AES and ChaCha20 libraries (lib/crypto,
 * built into every kernel burrow supports): one block per packet, any
 * context, no allocation, no transform to keep per key.
 */

#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <linux/skbuff.h>
#include <asm/unaligned.h>
#include <crypto/algapi.h>
#include <crypto/chacha.h>

#include "crypto.h"
#include "encap.h"
#include "encap_quic.h"
#include "peer.h"
#include "queue.h"
#include "selftest.h"

/* Indexed by enum burrow_frame_kind (not NONE: a keepalive has no DATAGRAM). */
static const u8 burrow_quic_context_of_kind[] = {
	[BURROW_FRAME_IP]	= BURROW_QUIC_CONTEXT_IP,
	[BURROW_FRAME_ETH]	= BURROW_QUIC_CONTEXT_ETH,
	[BURROW_FRAME_ETH_FRAG]	= BURROW_QUIC_CONTEXT_ETH_FRAG,
};

int burrow_quic_hp_init(struct burrow_quic_hp *hp, enum burrow_cipher cipher,
			const u8 *key, unsigned int key_len)
{
	unsigned int i;

	if (!burrow_cipher_key_len(cipher) || key_len != burrow_cipher_key_len(cipher))
		return -EINVAL;
	memset(hp, 0, sizeof(*hp));
	hp->cipher = cipher;
	hp->key_len = key_len;
	memcpy(hp->key, key, key_len);
	if (cipher == BURROW_CIPHER_CHACHA20_POLY1305) {
		for (i = 0; i < ARRAY_SIZE(hp->chacha_key); i++)
			hp->chacha_key[i] = get_unaligned_le32(key + 4 * i);
		return 0;
	}
	return aes_expandkey(&hp->aes, key, key_len);
}

void burrow_quic_hp_mask(const struct burrow_quic_hp *hp,
			 const u8 sample[BURROW_QUIC_SAMPLE_LEN],
			 u8 mask[BURROW_QUIC_HP_MASK_LEN])
{
	u32 state[16];
	u8 block[CHACHA_BLOCK_SIZE];

	if (hp->cipher == BURROW_CIPHER_CHACHA20_POLY1305) {
		/* counter = sample[0..3] LE, nonce = sample[4..15] (§5.4.4) */
		chacha_init_generic(state, hp->chacha_key, sample);
		chacha_block_generic(state, block, 20);
		memcpy(mask, block, BURROW_QUIC_HP_MASK_LEN);
		memzero_explicit(state, sizeof(state));
	} else {
		aes_encrypt(&hp->aes, block, sample);
		memcpy(mask, block, BURROW_QUIC_HP_MASK_LEN);
	}
	memzero_explicit(block, sizeof(block));
}

bool burrow_quic_hp_equal(const struct burrow_quic_hp *a, const struct burrow_quic_hp *b)
{
	return a->cipher == b->cipher && a->key_len == b->key_len &&
	       !crypto_memneq(a->key, b->key, a->key_len);
}

unsigned int burrow_quic_pn_len(u64 pn)
{
	/* 2 * (pn + 1) must fit the 2^(8 * len) window. */
	if (pn < (1ULL << 7) - 1)
		return 1;
	if (pn < (1ULL << 15) - 1)
		return 2;
	if (pn < (1ULL << 23) - 1)
		return 3;
	return 4;
}

unsigned int burrow_quic_padding(unsigned int pn_len, unsigned int frames_len)
{
	unsigned int pad = pn_len + frames_len < 4 ? 4 - pn_len - frames_len : 0;

	return frames_len || pad ? pad : 1;
}

u64 burrow_quic_pn_decode(u64 largest, bool have_largest, u32 truncated,
			  unsigned int pn_len)
{
	u64 expected = have_largest ? largest + 1 : 0;
	u64 win = 1ULL << (8 * pn_len);
	u64 hwin = win / 2;
	u64 mask = win - 1;
	u64 candidate = (expected & ~mask) | truncated;

	/* RFC 9000 A.3, with the signed comparisons written out for u64. */
	if (candidate + hwin <= expected && candidate < (1ULL << 62) - win)
		return candidate + win;
	if (candidate > expected + hwin && candidate >= win)
		return candidate - win;
	return candidate;
}

unsigned int burrow_quic_header_build(u8 *out, const u8 *dcid, unsigned int dcid_len,
				      bool key_phase, u64 pn, unsigned int pn_len)
{
	unsigned int i;

	out[0] = BURROW_QUIC_FIXED_BIT | (key_phase ? BURROW_QUIC_KEY_PHASE_BIT : 0) |
		 (pn_len - 1);
	memcpy(out + 1, dcid, dcid_len);
	for (i = 0; i < pn_len; i++)
		out[1 + dcid_len + i] = pn >> (8 * (pn_len - 1 - i));
	return 1 + dcid_len + pn_len;
}

static void burrow_quic_hp_xor(const u8 mask[BURROW_QUIC_HP_MASK_LEN], u8 *hdr,
			       unsigned int pn_offset, unsigned int pn_len)
{
	unsigned int i;

	for (i = 0; i < pn_len; i++)
		hdr[pn_offset + i] ^= mask[1 + i];
}

void burrow_quic_hp_apply(const struct burrow_quic_hp *hp, u8 *hdr, unsigned int pn_offset,
			  const u8 sample[BURROW_QUIC_SAMPLE_LEN])
{
	unsigned int pn_len = (hdr[0] & BURROW_QUIC_PN_LEN_MASK) + 1;
	u8 mask[BURROW_QUIC_HP_MASK_LEN];

	burrow_quic_hp_mask(hp, sample, mask);
	hdr[0] ^= mask[0] & 0x1f;
	burrow_quic_hp_xor(mask, hdr, pn_offset, pn_len);
}

void burrow_quic_hp_remove(const struct burrow_quic_hp *hp, u8 *hdr, unsigned int pn_offset,
			   const u8 sample[BURROW_QUIC_SAMPLE_LEN])
{
	u8 mask[BURROW_QUIC_HP_MASK_LEN];

	burrow_quic_hp_mask(hp, sample, mask);
	hdr[0] ^= mask[0] & 0x1f;
	burrow_quic_hp_xor(mask, hdr, pn_offset, (hdr[0] & BURROW_QUIC_PN_LEN_MASK) + 1);
}

unsigned int burrow_quic_varint(const u8 *p, unsigned int len, u64 *value)
{
	unsigned int n, i;
	u64 v;

	if (!len)
		return 0;
	n = 1U << (p[0] >> 6);
	if (len < n)
		return 0;
	v = p[0] & 0x3f;
	for (i = 1; i < n; i++)
		v = (v << 8) | p[i];
	*value = v;
	return n;
}

enum burrow_drop_reason burrow_quic_frames(struct sk_buff *skb, u8 *context_out)
{
	u8 buf[1 + 3 * 8], type = BURROW_QUIC_FRAME_PADDING;
	unsigned int pos, end, used, n, avail;
	u64 length, stream, context;

	/* A packet must carry at least one frame (RFC 9000 §12.4). */
	if (!skb->len)
		return BURROW_DROP_QUIC_FRAME;
	for (pos = 0; pos < skb->len; pos++) {
		if (skb_copy_bits(skb, pos, &type, 1))
			return BURROW_DROP_QUIC_FRAME;
		if (type != BURROW_QUIC_FRAME_PADDING)
			break;
	}
	if (pos == skb->len) {
		*context_out = BURROW_QUIC_CONTEXT_NONE;
		return pskb_trim(skb, 0) ? BURROW_DROP_NOMEM : BURROW_DROP_MAX;
	}
	if (type != BURROW_QUIC_FRAME_DATAGRAM && type != BURROW_QUIC_FRAME_DATAGRAM_LEN)
		return BURROW_DROP_QUIC_FRAME;
	avail = min_t(unsigned int, sizeof(buf), skb->len - pos);
	if (skb_copy_bits(skb, pos, buf, avail))
		return BURROW_DROP_QUIC_FRAME;
	used = 1;
	end = skb->len;
	if (type == BURROW_QUIC_FRAME_DATAGRAM_LEN) {
		n = burrow_quic_varint(buf + used, avail - used, &length);
		if (!n || length > skb->len - pos - used - n)
			return BURROW_DROP_QUIC_FRAME;
		used += n;
		end = pos + used + length;
	}
	n = burrow_quic_varint(buf + used, avail - used, &stream);
	if (!n || pos + used + n > end)
		return BURROW_DROP_QUIC_FRAME;
	used += n;
	n = burrow_quic_varint(buf + used, avail - used, &context);
	if (!n || pos + used + n > end)
		return BURROW_DROP_QUIC_FRAME;
	used += n;
	if (stream || (context != BURROW_QUIC_CONTEXT_IP && context != BURROW_QUIC_CONTEXT_ETH &&
		       context != BURROW_QUIC_CONTEXT_ETH_FRAG))
		return BURROW_DROP_QUIC_DATAGRAM_ID;
	/* After a DATAGRAM with a length only PADDING may follow. */
	for (n = end; n < skb->len; n++) {
		if (skb_copy_bits(skb, n, &type, 1) || type != BURROW_QUIC_FRAME_PADDING)
			return BURROW_DROP_QUIC_FRAME;
	}
	if (pskb_trim(skb, end) || !pskb_pull(skb, pos + used))
		return BURROW_DROP_NOMEM;
	*context_out = context;
	return BURROW_DROP_MAX;
}

/*
 * Encrypt skb (the inner packet, or nothing for a keepalive) in place as a
 * QUIC 1-RTT packet: short header with the peer's remote CID, packet
 * number = the key's counter, PADDING only for a keepalive or else one
 * DATAGRAM frame (type, quarter stream ID 0, the context ID of the
 * packet's frame kind, packet); AEAD,
 * then header protection over the finished ciphertext.
 */
static int burrow_encap_quic_seal(struct burrow_peer *peer, struct burrow_key *key,
				  struct sk_buff *skb, u64 pn)
{
	u8 hdr[BURROW_QUIC_HEADER_MAX], dcid[BURROW_QUIC_CID_LEN_MAX];
	u8 sample[BURROW_QUIC_SAMPLE_LEN];
	unsigned int dcid_len, pn_len, hdr_len, frames_len, pad;
	unsigned int inner_len = skb->len;
	struct sk_buff *trailer;
	u8 *prefix;
	int err;

	if (unlikely(!key->hp))
		return -ENOKEY;
	dcid_len = burrow_peer_get_remote_cid(peer, dcid);
	if (unlikely(!dcid_len))
		return -EDESTADDRREQ;
	pn_len = burrow_quic_pn_len(pn);
	frames_len = inner_len ? BURROW_QUIC_DATAGRAM_PREFIX_LEN + inner_len : 0;
	pad = burrow_quic_padding(pn_len, frames_len);
	hdr_len = burrow_quic_header_build(hdr, dcid, dcid_len, burrow_key_phase(key), pn,
					   pn_len);

	if (skb_cow_data(skb, BURROW_AEAD_TAG_LEN, &trailer) < 0)
		return -ENOMEM;
	pskb_put(skb, trailer, BURROW_AEAD_TAG_LEN);
	if (skb_cow_head(skb, hdr_len + pad + BURROW_QUIC_DATAGRAM_PREFIX_LEN))
		return -ENOMEM;
	if (inner_len) {
		prefix = skb_push(skb, BURROW_QUIC_DATAGRAM_PREFIX_LEN);
		prefix[0] = BURROW_QUIC_FRAME_DATAGRAM;
		prefix[1] = 0;	/* quarter stream ID */
		/* context ID: what the plaintext is (encap.h) */
		prefix[2] = burrow_quic_context_of_kind[BURROW_PKT_CB(skb)->encap_flags];
	}
	memset(skb_push(skb, pad), BURROW_QUIC_FRAME_PADDING, pad);
	memcpy(skb_push(skb, hdr_len), hdr, hdr_len);
	err = burrow_aead_seal(key->tx, skb, hdr_len, pad + frames_len, hdr, hdr_len, pn);
	if (err)
		return err;
	if (skb_copy_bits(skb, 1 + dcid_len + 4, sample, sizeof(sample)))
		return -EINVAL;
	burrow_quic_hp_apply(&key->hp->tx, skb->data, 1 + dcid_len, sample);
	return 0;
}

/* The key of @peer for a quic key phase, with header-protection keys. */
static struct burrow_key *burrow_encap_quic_key(struct burrow_peer *peer, bool phase)
{
	struct burrow_key *key;
	int slot;

	for (slot = 0; slot < BURROW_KEY_SLOTS; slot++) {
		key = rcu_dereference_bh(peer->keys[slot]);
		if (key && key->hp && burrow_key_phase(key) == phase)
			return key;
	}
	return NULL;
}

/* Any key of @peer with header-protection keys (netlink keeps them equal). */
static struct burrow_key *burrow_encap_quic_hp_key(struct burrow_peer *peer)
{
	struct burrow_key *key;
	int slot;

	for (slot = 0; slot < BURROW_KEY_SLOTS; slot++) {
		key = rcu_dereference_bh(peer->keys[slot]);
		if (key && key->hp)
			return key;
	}
	return NULL;
}

/* The receive side's own flag, carried from rx_classify to rx_finish. */
#define BURROW_ENCAP_QUIC_RX_RESERVED	0x01	/* reserved header bits were set */
static_assert(!(BURROW_ENCAP_QUIC_RX_RESERVED & ~BURROW_ENCAP_RX_FLAGS_MASK));

/*
 * A short header whose DCID is a local CID of @bdev. Leaves byte 0 and the
 * DCID in rx->hdr and their length in rx->hdr_len for rx_classify, so both
 * use the one CID length read here.
 */
static bool burrow_encap_quic_rx_claim(struct burrow_device *bdev, const struct sk_buff *skb,
				       unsigned int offset, u8 first, struct burrow_encap_rx *rx)
{
	unsigned int pn_offset = 1 + READ_ONCE(bdev->quic_cid_len);

	static_assert(1 + BURROW_QUIC_CID_LEN_MAX <= sizeof(rx->hdr));
	if (!(first & BURROW_QUIC_FIXED_BIT) || (first & BURROW_QUIC_LONG_BIT))
		return false;
	if (skb->len - offset < pn_offset || skb_copy_bits(skb, offset, rx->hdr, pn_offset))
		return false;
	rx->peer = burrow_peer_lookup_cid(bdev, rx->hdr + 1);
	rx->hdr_len = pn_offset;
	return rx->peer;
}

/*
 * Room for the header-protection sample, a key with header-protection
 * keys, then the key for the unmasked key phase; the packet number is
 * decoded against that key's replay window.
 */
static enum burrow_drop_reason
burrow_encap_quic_rx_classify(struct burrow_device *bdev, const struct sk_buff *skb,
			      unsigned int offset, struct burrow_encap_rx *rx)
{
	unsigned int len = skb->len - offset, pn_offset = rx->hdr_len, pn_len, i;
	u8 sample[BURROW_QUIC_SAMPLE_LEN];
	struct burrow_key *key;
	u32 truncated = 0;

	static_assert(BURROW_QUIC_HEADER_MAX <= sizeof(rx->hdr));
	if (len < pn_offset + BURROW_QUIC_PN_LEN_MAX + BURROW_QUIC_SAMPLE_LEN)
		return BURROW_DROP_QUIC_SHORT;
	key = burrow_encap_quic_hp_key(rx->peer);
	if (!key)
		return BURROW_DROP_NO_KEY;
	if (skb_copy_bits(skb, offset + pn_offset, rx->hdr + pn_offset, BURROW_QUIC_PN_LEN_MAX) ||
	    skb_copy_bits(skb, offset + pn_offset + BURROW_QUIC_PN_LEN_MAX, sample,
			  sizeof(sample)))
		return BURROW_DROP_QUIC_SHORT;
	burrow_quic_hp_remove(&key->hp->rx, rx->hdr, pn_offset, sample);
	pn_len = (rx->hdr[0] & BURROW_QUIC_PN_LEN_MASK) + 1;
	for (i = 0; i < pn_len; i++)
		truncated = truncated << 8 | rx->hdr[pn_offset + i];

	key = burrow_encap_quic_key(rx->peer, rx->hdr[0] & BURROW_QUIC_KEY_PHASE_BIT);
	if (!key)
		return BURROW_DROP_NO_KEY;
	rx->key = key;
	rx->counter = burrow_quic_pn_decode(burrow_replay_max(&key->replay),
					    READ_ONCE(key->replay.any_seen), truncated, pn_len);
	rx->hdr_len = pn_offset + pn_len;
	rx->flags = rx->hdr[0] & BURROW_QUIC_RESERVED_BITS ? BURROW_ENCAP_QUIC_RX_RESERVED : 0;
	return BURROW_DROP_MAX;
}

/*
 * Reserved bits count only on an authenticated packet, so that a forgery
 * cannot charge drop_quic_reserved; then the frames.
 */
static enum burrow_drop_reason burrow_encap_quic_rx_finish(struct sk_buff *skb, u8 flags,
							   u8 *kind)
{
	enum burrow_drop_reason reason;
	u8 context;

	if (flags & BURROW_ENCAP_QUIC_RX_RESERVED)
		return BURROW_DROP_QUIC_RESERVED;
	reason = burrow_quic_frames(skb, &context);
	if (reason != BURROW_DROP_MAX)
		return reason;
	switch (context) {
	case BURROW_QUIC_CONTEXT_ETH:
		*kind = BURROW_FRAME_ETH;
		break;
	case BURROW_QUIC_CONTEXT_ETH_FRAG:
		*kind = BURROW_FRAME_ETH_FRAG;
		break;
	case BURROW_QUIC_CONTEXT_NONE:
		*kind = BURROW_FRAME_NONE;
		break;
	default:
		*kind = BURROW_FRAME_IP;
	}
	return BURROW_DROP_MAX;
}

const struct burrow_encap_ops burrow_encap_quic_ops = {
	.seal			= burrow_encap_quic_seal,
	.rx_claim		= burrow_encap_quic_rx_claim,
	.rx_classify		= burrow_encap_quic_rx_classify,
	.rx_finish		= burrow_encap_quic_rx_finish,
	.rx_short_reason	= BURROW_DROP_QUIC_SHORT,
};

#ifdef BURROW_SELFTEST
#include "selftest/encap_quic.c"
#endif
