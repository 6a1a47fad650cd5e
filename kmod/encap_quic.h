/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "quic" encapsulation: every data packet is a QUIC v1 1-RTT packet
 * (RFC 9000 §17.3.1 short header, RFC 9001 §5 packet protection) whose
 * payload is one RFC 9221 DATAGRAM frame holding an RFC 9297 quarter stream
 * ID 0, an RFC 9484 context ID and the inner packet: context 0 an IP
 * packet (l3 devices), 2 an Ethernet frame, 4 a fragment of one (l2):
 *
 *   byte 0      0 1 S R R K P P   form 0, fixed bit 1, spin 0, reserved 00,
 *                                 key phase, packet-number length - 1
 *   DCID        the receiver's data CID (its device's quic-cid-len bytes)
 *   PN          1..4 bytes, big endian, truncated packet number
 *   payload     AEAD(frames) || 16-byte tag, frames =
 *               PADDING (0x00)*  0x30  0x00 (quarter stream ID)
 *               context ID (0x00, 0x02, 0x04)  packet
 *
 * AAD is the unprotected header (byte 0 .. PN); nonce = IV xor the full
 * 62-bit packet number (crypto.h). Header protection then masks the low 5
 * bits of byte 0 and the PN bytes with AES-ECB(hp, sample) or
 * ChaCha20(hp, counter = sample[0..3], nonce = sample[4..15]) of the 16
 * bytes at PN offset + 4. A keepalive carries PADDING only.
 *
 * Pure functions on caller memory: any context, no locks, no allocation
 * (burrow_quic_frames() only trims and pulls the skb it is given).
 */
#ifndef _BURROW_ENCAP_QUIC_H
#define _BURROW_ENCAP_QUIC_H

#include <linux/types.h>
#include <crypto/aes.h>

#include "crypto.h"
#include "stats.h"

struct sk_buff;

#define BURROW_QUIC_FIXED_BIT		0x40
#define BURROW_QUIC_LONG_BIT		0x80
#define BURROW_QUIC_KEY_PHASE_BIT	0x04
#define BURROW_QUIC_RESERVED_BITS	0x18
#define BURROW_QUIC_PN_LEN_MASK		0x03
#define BURROW_QUIC_CID_LEN_MAX		20
#define BURROW_QUIC_CID_LEN_DEFAULT	8
#define BURROW_QUIC_PN_LEN_MAX		4
#define BURROW_QUIC_SAMPLE_LEN		16
#define BURROW_QUIC_HP_MASK_LEN		5
/* Longest short header: byte 0, DCID, packet number. */
#define BURROW_QUIC_HEADER_MAX		(1 + BURROW_QUIC_CID_LEN_MAX + BURROW_QUIC_PN_LEN_MAX)
#define BURROW_QUIC_FRAME_PADDING	0x00
#define BURROW_QUIC_FRAME_DATAGRAM	0x30	/* no length: to the end */
#define BURROW_QUIC_FRAME_DATAGRAM_LEN	0x31	/* with a length */
/* DATAGRAM type, quarter stream ID 0, context ID 0: one byte each. */
#define BURROW_QUIC_DATAGRAM_PREFIX_LEN	3
/* Most PADDING burrow_quic_padding() asks for: a keepalive, 1-byte PN. */
#define BURROW_QUIC_PADDING_MAX		3

static_assert(BURROW_QUIC_HEADER_MAX <= BURROW_AEAD_MAX_AAD_LEN);

/* A header-protection key: AES-128, AES-256 or ChaCha20 by AEAD cipher. */
struct burrow_quic_hp {
	u8 cipher;		/* enum burrow_cipher */
	u8 key_len;
	u8 key[32];		/* raw key, to compare slots; wiped with the key */
	union {
		struct crypto_aes_ctx aes;
		u32 chacha_key[8];
	};
};

/* Expands @key for @cipher; -EINVAL if @key_len is not the cipher's. */
int burrow_quic_hp_init(struct burrow_quic_hp *hp, enum burrow_cipher cipher,
			const u8 *key, unsigned int key_len);
/* The 5-byte mask of RFC 9001 §5.4 for a 16-byte @sample. */
void burrow_quic_hp_mask(const struct burrow_quic_hp *hp,
			 const u8 sample[BURROW_QUIC_SAMPLE_LEN],
			 u8 mask[BURROW_QUIC_HP_MASK_LEN]);
bool burrow_quic_hp_equal(const struct burrow_quic_hp *a, const struct burrow_quic_hp *b);

/*
 * Bytes to encode packet number @pn with. burrow has no acknowledgements,
 * so the sender treats nothing as acknowledged (RFC 9000 §17.1 with
 * largest_acked absent): the encoding covers more than twice pn + 1, which
 * decodes correctly against any largest-received value the receiver can
 * hold. Past 2^31 - 1 it stays at 4 bytes; the receiver's replay window
 * (8192) refuses anything that far behind anyway.
 */
unsigned int burrow_quic_pn_len(u64 pn);
/*
 * PADDING bytes in front of @frames_len bytes of frames (0 for a
 * keepalive) after a @pn_len byte packet number: enough that the
 * header-protection sample, 4 bytes after the start of the packet number,
 * has 16 bytes of ciphertext (the tag makes up the rest, RFC 9001 §5.4.2),
 * and at least one frame in every packet (RFC 9000 §12.4).
 */
unsigned int burrow_quic_padding(unsigned int pn_len, unsigned int frames_len);
/*
 * RFC 9000 Appendix A.3: the full packet number for @truncated (@pn_len
 * bytes) given the largest received so far; @have_largest false means
 * none yet (largest_pn = -1).
 */
u64 burrow_quic_pn_decode(u64 largest, bool have_largest, u32 truncated,
			  unsigned int pn_len);

/*
 * Writes an unprotected short header into @out (at least
 * BURROW_QUIC_HEADER_MAX bytes) and returns its length.
 */
unsigned int burrow_quic_header_build(u8 *out, const u8 *dcid, unsigned int dcid_len,
				      bool key_phase, u64 pn, unsigned int pn_len);

/*
 * Header protection on a header in memory at @hdr whose 16-byte sample is
 * at @sample. Apply: the header is unprotected, pn_len from its byte 0.
 * Remove: returns the unmasked pn_len via byte 0. The same XOR either way;
 * the two differ in when pn_len is read.
 */
void burrow_quic_hp_apply(const struct burrow_quic_hp *hp, u8 *hdr, unsigned int pn_offset,
			  const u8 sample[BURROW_QUIC_SAMPLE_LEN]);
void burrow_quic_hp_remove(const struct burrow_quic_hp *hp, u8 *hdr, unsigned int pn_offset,
			   const u8 sample[BURROW_QUIC_SAMPLE_LEN]);

/*
 * Reads a QUIC varint (RFC 9000 §16) from @p (@len bytes available).
 * Returns its length in bytes, 0 if truncated.
 */
unsigned int burrow_quic_varint(const u8 *p, unsigned int len, u64 *value);

/*
 * The decrypted frames of a quic packet are at skb->data (header and tag
 * already pulled and trimmed). Accepts PADDING
 * frames, then at most one DATAGRAM frame (0x30 to the end, or 0x31 with a
 * length and only PADDING after it) with quarter stream ID 0 and context
 * ID 0, 2 or 4; an empty payload (no frame at all) is refused. Leaves the
 * inner packet alone in skb (nothing for PADDING only), sets *@context to
 * the context ID (BURROW_QUIC_CONTEXT_NONE for PADDING only) and returns
 * BURROW_DROP_MAX, or the drop reason.
 */
#define BURROW_QUIC_CONTEXT_IP		0
#define BURROW_QUIC_CONTEXT_ETH		2
#define BURROW_QUIC_CONTEXT_ETH_FRAG	4
#define BURROW_QUIC_CONTEXT_NONE	0xff
enum burrow_drop_reason burrow_quic_frames(struct sk_buff *skb, u8 *context);

#endif /* _BURROW_ENCAP_QUIC_H */
