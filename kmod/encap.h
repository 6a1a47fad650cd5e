/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The encapsulation seam. The pipeline (queue.h, the three stages of
 * send.c and receive.c) moves packets, keys and counters and knows nothing
 * of how a packet looks on the wire; each encapsulation (encap_udp.c,
 * encap_quic.c) provides that behind one struct burrow_encap_ops:
 *
 *  transmit, stage 2:  seal
 *  receive, stage 1:   rx_claim, then rx_classify
 *  receive, stage 3:   rx_finish
 *
 * A peer's encapsulation (peer->encap, enum burrow_encap) picks the ops on
 * transmit. On receive the datagram picks them: every encapsulation's
 * rx_claim is asked in turn, and the claims are disjoint (the udp
 * encapsulation has bit 0x40 of the first byte clear, QUIC has it set), so
 * at most one says yes. A datagram no encapsulation claims goes to the
 * socket's userspace owner untouched.
 *
 * Every callback runs in the context of its pipeline stage (softirq or a
 * crypt worker, inside rcu_read_lock_bh()) and must neither sleep nor take
 * config_lock.
 */
#ifndef _BURROW_ENCAP_H
#define _BURROW_ENCAP_H

#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/udp.h>
#include <linux/burrow.h>

#include "crypto.h"
#include "encap_quic.h"
#include "encap_udp.h"
#include "stats.h"

struct burrow_device;
struct burrow_key;
struct burrow_peer;
struct sk_buff;

#define BURROW_CONST_MAX(a, b)	((a) > (b) ? (a) : (b))

/* Outer headers of every datagram, in the worst case: IPv6 and UDP. */
#define BURROW_OUTER_LEN	(sizeof(struct ipv6hdr) + sizeof(struct udphdr))

/* Bytes the udp encapsulation adds to an inner packet: header and tag. */
#define BURROW_ENCAP_UDP_OVERHEAD \
	(sizeof(struct burrow_wire_header) + BURROW_AEAD_TAG_LEN)
/*
 * Bytes the quic encapsulation adds to an inner packet with a DCID of
 * @cid_len bytes: byte 0, DCID, the longest packet number, the DATAGRAM
 * prefix and the tag. A packet with an inner packet needs no PADDING
 * (burrow_quic_padding()), so none is counted.
 */
#define BURROW_ENCAP_QUIC_OVERHEAD(cid_len) \
	(1 + (cid_len) + BURROW_QUIC_PN_LEN_MAX + BURROW_QUIC_DATAGRAM_PREFIX_LEN + \
	 BURROW_AEAD_TAG_LEN)
/*
 * The relay header (relay.h) a peer with a relay-ticket sends in front of
 * every packet, outside the encapsulation.
 */
#define BURROW_RELAY_HEADER_LEN	8

/*
 * Worst-case bytes around an inner packet sent directly on a device whose
 * quic CID length is @cid_len, whichever encapsulation its peers use.
 */
#define BURROW_DIRECT_OVERHEAD(cid_len) \
	(BURROW_OUTER_LEN + BURROW_CONST_MAX(BURROW_ENCAP_UDP_OVERHEAD, \
					     BURROW_ENCAP_QUIC_OVERHEAD(cid_len)))
/*
 * Worst-case bytes around an inner packet, through a relay too: what the
 * device's max_mtu leaves room for. (The default MTU is the direct case's:
 * device.h says why.)
 */
#define BURROW_OVERHEAD(cid_len) \
	(BURROW_DIRECT_OVERHEAD(cid_len) + BURROW_RELAY_HEADER_LEN)

/*
 * Room seal needs in front of the inner packet: the longer of the udp
 * header and the longest QUIC short header with the most PADDING (a
 * keepalive) and the DATAGRAM prefix. Behind it seal needs only the tag.
 */
#define BURROW_ENCAP_HEADROOM \
	BURROW_CONST_MAX(sizeof(struct burrow_wire_header), \
			 BURROW_QUIC_HEADER_MAX + BURROW_QUIC_PADDING_MAX + \
			 BURROW_QUIC_DATAGRAM_PREFIX_LEN)
#define BURROW_ENCAP_TAILROOM	BURROW_AEAD_TAG_LEN

/* The longest header rx_classify hands back: the AAD of the packet. */
#define BURROW_ENCAP_RX_HDR_MAX \
	BURROW_CONST_MAX(BURROW_WIRE_HEADER_LEN, BURROW_QUIC_HEADER_MAX)

/*
 * What a packet's plaintext is (docs/wire-format.md): udp says it in the
 * header's type byte, quic in the DATAGRAM frame's context ID. Both are
 * authenticated. An l3 device carries IP packets only, an l2 device
 * Ethernet frames and fragments of them only; anything else is
 * drop_bad_header. On transmit the kind rides in the packet's
 * cb->encap_flags from stage 1 to seal; on receive rx_finish reports it.
 * A keepalive (empty plaintext) is of its device's kind on udp and of none
 * on quic (PADDING only).
 */
enum burrow_frame_kind {
	BURROW_FRAME_IP,		/* udp type 0x01, quic context 0 */
	BURROW_FRAME_ETH,		/* udp type 0x03, quic context 2 */
	BURROW_FRAME_ETH_FRAG,		/* udp type 0x05, quic context 4 */
	BURROW_FRAME_NONE,		/* quic, PADDING only: a keepalive */
};

/* The kind of whole packet a device of mode @mode sends. */
static inline u8 burrow_frame_kind_of_mode(u8 mode)
{
	return mode == BURROW_MODE_L2 ? BURROW_FRAME_ETH : BURROW_FRAME_IP;
}

/* What receive stage 1 learns about a datagram an encapsulation claimed. */
struct burrow_encap_rx {
	struct burrow_peer *peer;	/* RCU-BH, as the lookup found it */
	struct burrow_key *key;		/* RCU-BH, no reference taken */
	u64 counter;			/* AEAD nonce counter / packet number */
	unsigned int hdr_len;		/* bytes of hdr */
	/*
	 * The header as the AEAD authenticates it (unprotected); stage 1
	 * writes it back over the datagram's first hdr_len bytes.
	 */
	u8 hdr[BURROW_ENCAP_RX_HDR_MAX];
	u8 flags;			/* the encapsulation's own, for rx_finish */
};

/*
 * A packet's pipeline state (struct burrow_pkt_cb) keeps the claiming
 * encapsulation in 3 bits and rx->flags in 4.
 */
#define BURROW_ENCAP_CB_BITS		3
#define BURROW_ENCAP_RX_FLAGS_MASK	0x0f

struct burrow_encap_ops {
	/*
	 * Transmit stage 2: turn skb (the inner packet, empty for a
	 * keepalive, of the frame kind in its cb->encap_flags) into the UDP
	 * payload in place, encrypted with @key under nonce @counter. Returns 0 or a negative errno: -ENOKEY (the key
	 * cannot serve this encapsulation), -EDESTADDRREQ (the peer lacks an
	 * address it needs), anything else for lack of memory.
	 */
	int (*seal)(struct burrow_peer *peer, struct burrow_key *key, struct sk_buff *skb,
		    u64 counter);
	/*
	 * Receive stage 1: true if the datagram whose UDP payload starts at
	 * @offset with byte @first belongs to this encapsulation on @bdev.
	 * May start filling @rx for rx_classify; changes nothing else, and
	 * false leaves the datagram to userspace.
	 */
	bool (*rx_claim)(struct burrow_device *bdev, const struct sk_buff *skb,
			 unsigned int offset, u8 first, struct burrow_encap_rx *rx);
	/*
	 * Receive stage 1, on a claimed datagram of a running device: parse
	 * the header, find peer and key, fill the rest of @rx. Does not
	 * change skb. Returns BURROW_DROP_MAX, or why to drop it.
	 */
	enum burrow_drop_reason (*rx_classify)(struct burrow_device *bdev,
					       const struct sk_buff *skb, unsigned int offset,
					       struct burrow_encap_rx *rx);
	/*
	 * Receive stage 3, on an authenticated packet whose header and tag are
	 * gone: leave the inner packet alone in skb (nothing for a keepalive),
	 * set *@kind (enum burrow_frame_kind) and return BURROW_DROP_MAX, or
	 * return why to drop it. @flags are rx->flags from stage 1.
	 */
	enum burrow_drop_reason (*rx_finish)(struct sk_buff *skb, u8 flags, u8 *kind);
	/* Why a claimed datagram is dropped when its header cannot be made linear. */
	enum burrow_drop_reason rx_short_reason;
};

extern const struct burrow_encap_ops burrow_encap_udp_ops;
extern const struct burrow_encap_ops burrow_encap_quic_ops;

/* Indexed by enum burrow_encap; every value the netlink policy admits is set. */
#define BURROW_ENCAP_COUNT	(BURROW_ENCAP_QUIC + 1)
extern const struct burrow_encap_ops *const burrow_encaps[BURROW_ENCAP_COUNT];

static inline const struct burrow_encap_ops *burrow_encap_ops(u8 encap)
{
	return burrow_encaps[encap];
}

#endif /* _BURROW_ENCAP_H */
