// SPDX-License-Identifier: GPL-2.0
/*
 * Building blocks of the quic encapsulation (layout in quic.h): short
 * header, packet-number coding, header protection, varints, and the check
 * of the decrypted frames. Pure functions on caller memory, except the
 * frame check, which trims the caller's skb to the inner packet; send.c and
 * receive.c put them together with the AEAD of crypto.c.
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
#include "quic.h"
#include "selftest.h"

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

enum burrow_drop_reason burrow_quic_frames(struct sk_buff *skb)
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
	if (pos == skb->len)
		return pskb_trim(skb, 0) ? BURROW_DROP_NOMEM : BURROW_DROP_MAX;
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
	if (stream || context)
		return BURROW_DROP_QUIC_DATAGRAM_ID;
	/* After a DATAGRAM with a length only PADDING may follow. */
	for (n = end; n < skb->len; n++) {
		if (skb_copy_bits(skb, n, &type, 1) || type != BURROW_QUIC_FRAME_PADDING)
			return BURROW_DROP_QUIC_FRAME;
	}
	if (pskb_trim(skb, end) || !pskb_pull(skb, pos + used))
		return BURROW_DROP_NOMEM;
	return BURROW_DROP_MAX;
}

#ifdef BURROW_SELFTEST
#include "selftest/quic.c"
#endif
