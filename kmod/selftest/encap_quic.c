// SPDX-License-Identifier: GPL-2.0
/*
 * In-module selftest of encap_quic.c, #included at its end when built with
 * BURROW_SELFTEST so that it can reach the file's static functions; never
 * compiled on its own (Kbuild lists only the implementation files).
 */

#include <linux/skbuff.h>

/* RFC 9001 Appendix A.5: ChaCha20-Poly1305 short header, empty DCID. */
static const char burrow_st_a5_key[] =
	"c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8";
static const char burrow_st_a5_iv[] = "e0459b3474bdd0e44a41c144";
static const char burrow_st_a5_hp[] =
	"25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4";
static const char burrow_st_a5_packet[] = "4cfe4189655e5cd55c41f69080575d7999c25a5bfb";
#define BURROW_ST_A5_PN		654360564ULL
#define BURROW_ST_A5_LEN	21

/* Protect the A.5 packet from its parts and compare; then take it apart. */
static bool burrow_st_quic_a5(void)
{
	u8 key[32], iv[12], hp_key[32], want[BURROW_ST_A5_LEN], hdr[BURROW_QUIC_HEADER_MAX];
	u8 pkt[BURROW_ST_A5_LEN], sample[BURROW_QUIC_SAMPLE_LEN];
	struct burrow_quic_hp *hp;
	struct burrow_aead *aead;
	struct sk_buff *skb;
	unsigned int hdr_len, pn_len, i;
	bool ok = false;
	u32 truncated;
	u64 pn;
	int err;

	if (hex2bin(key, burrow_st_a5_key, 32) || hex2bin(iv, burrow_st_a5_iv, 12) ||
	    hex2bin(hp_key, burrow_st_a5_hp, 32) ||
	    hex2bin(want, burrow_st_a5_packet, BURROW_ST_A5_LEN))
		return false;
	hp = kzalloc(sizeof(*hp), GFP_KERNEL);
	if (!hp)
		return false;
	aead = burrow_aead_create(BURROW_CIPHER_CHACHA20_POLY1305, key, 32, iv);
	if (IS_ERR(aead)) {
		pr_err("selftest quic: a.5: aead create %ld\n", PTR_ERR(aead));
		goto out_free_hp;
	}
	if (burrow_quic_hp_init(hp, BURROW_CIPHER_CHACHA20_POLY1305, hp_key, 32))
		goto out_destroy;

	/* Send side: header, AEAD over the skb, then header protection. */
	hdr_len = burrow_quic_header_build(hdr, NULL, 0, false, BURROW_ST_A5_PN, 3);
	skb = alloc_skb(64, GFP_KERNEL);
	if (!skb)
		goto out_destroy;
	skb_put_data(skb, hdr, hdr_len);
	skb_put_u8(skb, 0x01);		/* PING */
	skb_put_zero(skb, BURROW_AEAD_TAG_LEN);
	err = burrow_aead_seal(aead, skb, hdr_len, 1, hdr, hdr_len, BURROW_ST_A5_PN);
	if (err || skb->len != BURROW_ST_A5_LEN) {
		pr_err("selftest quic: a.5: seal %d len %u\n", err, skb->len);
		goto out_free_skb;
	}
	memcpy(sample, skb->data + 1 + 4, sizeof(sample));
	burrow_quic_hp_apply(hp, skb->data, 1, sample);
	if (memcmp(skb->data, want, BURROW_ST_A5_LEN)) {
		pr_err("selftest quic: a.5: protected packet %*phN, want %*phN\n",
		       BURROW_ST_A5_LEN, skb->data, BURROW_ST_A5_LEN, want);
		goto out_free_skb;
	}

	/* Receive side from the RFC's bytes: unmask, decode, open. */
	memcpy(pkt, want, sizeof(pkt));
	memcpy(sample, pkt + 5, sizeof(sample));
	burrow_quic_hp_remove(hp, pkt, 1, sample);
	pn_len = (pkt[0] & BURROW_QUIC_PN_LEN_MASK) + 1;
	for (i = 0, truncated = 0; i < pn_len; i++)
		truncated = truncated << 8 | pkt[1 + i];
	pn = burrow_quic_pn_decode(BURROW_ST_A5_PN - 1, true, truncated, pn_len);
	if (pkt[0] != 0x42 || pn_len != 3 || pn != BURROW_ST_A5_PN) {
		pr_err("selftest quic: a.5: unprotected %02x pn_len %u pn %llu\n",
		       pkt[0], pn_len, pn);
		goto out_free_skb;
	}
	memcpy(skb->data, pkt, sizeof(pkt));
	err = burrow_aead_open(aead, skb, 4, skb->len - 4, pkt, 4, pn);
	if (err || skb->data[4] != 0x01) {
		pr_err("selftest quic: a.5: open %d\n", err);
		goto out_free_skb;
	}
	ok = true;
out_free_skb:
	kfree_skb(skb);
out_destroy:
	burrow_aead_destroy(aead);
out_free_hp:
	kfree_sensitive(hp);
	return ok;
}

/* RFC 9000 §17.1 and A.3 examples, and the encode-decode invariant. */
static bool burrow_st_quic_pn(void)
{
	static const struct {
		u64 largest, want;
		u32 truncated;
		unsigned int len;
	} dec[] = {
		{ 0xa82f30ea, 0xa82f9b32, 0x9b32, 2 },	/* Appendix A.3 */
		{ 0xabe8b3, 0xac5c02, 0x5c02, 2 },	/* §17.1 (largest acked) */
		{ 0xabe8b3, 0xace8fe, 0xace8fe, 3 },	/* §17.1 */
		{ 0xff, 0x100, 0x00, 1 },		/* wraps up */
		{ 0x100, 0xff, 0xff, 1 },		/* one behind, across */
		{ 0x17f, 0x101, 0x01, 1 },		/* reordered, 126 back */
	};
	static const u64 pad_pns[] = { 0, 126, 127, 0x7ffffe, 0x7fffff, 0x800000, 1ULL << 40 };
	unsigned int i, len, frames, pad;
	bool ok = true;
	u64 pn, largest, got;

	for (i = 0; i < ARRAY_SIZE(dec); i++) {
		got = burrow_quic_pn_decode(dec[i].largest, true, dec[i].truncated, dec[i].len);
		if (got != dec[i].want) {
			pr_err("selftest quic: decode %u: got %#llx want %#llx\n",
			       i, got, dec[i].want);
			ok = false;
		}
	}
	if (burrow_quic_pn_decode(0, false, 0, 1) != 0 ||
	    burrow_quic_pn_decode(0, false, 5, 1) != 5) {
		pr_err("selftest quic: decode without a largest\n");
		ok = false;
	}
	/* §17.1: 0xac5c02 with 0xabe8b3 acked needs 16 bits; burrow has no
	 * acks, so the length grows with the number itself.
	 */
	if (burrow_quic_pn_len(0) != 1 || burrow_quic_pn_len(126) != 1 ||
	    burrow_quic_pn_len(127) != 2 || burrow_quic_pn_len(32766) != 2 ||
	    burrow_quic_pn_len(32767) != 3 || burrow_quic_pn_len(0x7ffffe) != 3 ||
	    burrow_quic_pn_len(0x7fffff) != 4 || burrow_quic_pn_len(U64_MAX >> 2) != 4) {
		pr_err("selftest quic: pn_len boundaries\n");
		ok = false;
	}
	/* Every packet has a frame and room for the sample, up to 4-byte pns (>= 2^23 - 1). */
	for (i = 0; i < ARRAY_SIZE(pad_pns); i++) {
		len = burrow_quic_pn_len(pad_pns[i]);
		for (frames = 0; frames < 6; frames++) {
			pad = burrow_quic_padding(len, frames);
			if (pad + frames < 1 || len + pad + frames < 4) {
				pr_err("selftest quic: pn %llu frames %u: padding %u\n",
				       pad_pns[i], frames, pad);
				ok = false;
			}
		}
	}
	/* Encoded with pn_len(pn), any largest received in [-1, pn) decodes. */
	for (pn = 0; pn < 70000 && ok; pn += (pn < 300 ? 1 : 97)) {
		len = burrow_quic_pn_len(pn);
		for (largest = 0; largest < pn; largest += 1 + pn / 7) {
			got = burrow_quic_pn_decode(largest, true,
						    pn & ((1ULL << (8 * len)) - 1), len);
			if (got != pn) {
				pr_err("selftest quic: pn %llu largest %llu: %llu\n",
				       pn, largest, got);
				ok = false;
				break;
			}
		}
		if (burrow_quic_pn_decode(0, false, pn & ((1ULL << (8 * len)) - 1), len) != pn) {
			pr_err("selftest quic: pn %llu without largest\n", pn);
			ok = false;
		}
	}
	return ok;
}

static bool burrow_st_quic_varint(void)
{
	/* RFC 9000 §A.1 examples */
	static const u8 v8[] = { 0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c };
	static const u8 v4[] = { 0x9d, 0x7f, 0x3e, 0x7d };
	static const u8 v2[] = { 0x7b, 0xbd };
	static const u8 v1[] = { 0x25 };
	u64 v;

	return burrow_quic_varint(v8, 8, &v) == 8 && v == 151288809941952652ULL &&
	       burrow_quic_varint(v4, 4, &v) == 4 && v == 494878333 &&
	       burrow_quic_varint(v2, 2, &v) == 2 && v == 15293 &&
	       burrow_quic_varint(v1, 1, &v) == 1 && v == 37 &&
	       !burrow_quic_varint(v8, 7, &v) && !burrow_quic_varint(v2, 1, &v) &&
	       !burrow_quic_varint(v1, 0, &v);
}

/* FIPS-197 C.1/C.3 through the header-protection path. */
static bool burrow_st_quic_hp_aes(void)
{
	static const char *const keys[] = {
		"000102030405060708090a0b0c0d0e0f",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	};
	static const char *const outs[] = { "69c4e0d86a", "8ea2b7ca51" };
	u8 key[32], sample[16], mask[BURROW_QUIC_HP_MASK_LEN], want[5];
	struct burrow_quic_hp *hp;
	bool ok = true;
	unsigned int i;

	hp = kzalloc(sizeof(*hp), GFP_KERNEL);
	if (!hp)
		return false;
	for (i = 0; i < 16; i++)
		sample[i] = i * 0x11;
	for (i = 0; i < 2; i++) {
		if (hex2bin(key, keys[i], 16 * (i + 1)) || hex2bin(want, outs[i], 5) ||
		    burrow_quic_hp_init(hp, i ? BURROW_CIPHER_AES_256_GCM :
					BURROW_CIPHER_AES_128_GCM, key, 16 * (i + 1))) {
			ok = false;
			continue;
		}
		burrow_quic_hp_mask(hp, sample, mask);
		if (memcmp(mask, want, 5)) {
			pr_err("selftest quic: aes-%u hp mask %5phN\n", 128 * (i + 1), mask);
			ok = false;
		}
	}
	if (!burrow_quic_hp_init(hp, BURROW_CIPHER_AES_128_GCM, key, 32))
		ok = false;
	kfree_sensitive(hp);
	return ok;
}

/*
 * The frame checks of burrow_quic_frames() on decrypted payloads: what is
 * accepted leaves exactly in[ip_off .. ip_off + ip_len) in the skb.
 */
static bool burrow_st_quic_frames(void)
{
	static const struct {
		const char *what;
		u8 in[12];
		u8 len, ip_off, ip_len;
		enum burrow_drop_reason want;
		u8 context;	/* when accepted */
	} t[] = {
		{ "empty", {}, 0, 0, 0, BURROW_DROP_QUIC_FRAME },
		{ "padding only", { 0, 0, 0 }, 3, 0, 0, BURROW_DROP_MAX,
		  BURROW_QUIC_CONTEXT_NONE },
		{ "datagram to end", { 0, 0x30, 0, 0, 0x45, 1, 2 }, 7, 4, 3, BURROW_DROP_MAX },
		{ "datagram, 2-byte ids", { 0x30, 0x40, 0, 0x40, 0, 0x60 }, 6, 5, 1,
		  BURROW_DROP_MAX },
		{ "datagram with length", { 0x31, 4, 0, 0, 0xaa, 0xbb, 0, 0 }, 8, 4, 2,
		  BURROW_DROP_MAX },
		{ "frame after datagram", { 0x31, 4, 0, 0, 0xaa, 0xbb, 0x01 }, 7, 0, 0,
		  BURROW_DROP_QUIC_FRAME },
		{ "length past the end", { 0x31, 5, 0, 0, 0xaa, 0xbb }, 6, 0, 0,
		  BURROW_DROP_QUIC_FRAME },
		{ "length short of the ids", { 0x31, 1, 0, 0, 0xaa }, 5, 0, 0,
		  BURROW_DROP_QUIC_FRAME },
		{ "ping", { 0, 0x01 }, 2, 0, 0, BURROW_DROP_QUIC_FRAME },
		{ "no stream id", { 0x30 }, 1, 0, 0, BURROW_DROP_QUIC_FRAME },
		{ "truncated varint", { 0x30, 0x40 }, 2, 0, 0, BURROW_DROP_QUIC_FRAME },
		{ "stream id 1", { 0x30, 1, 0, 0x45 }, 4, 0, 0, BURROW_DROP_QUIC_DATAGRAM_ID },
		{ "context id 1", { 0x30, 0, 1, 0x45 }, 4, 0, 0, BURROW_DROP_QUIC_DATAGRAM_ID },
		{ "context id 2 (frame)", { 0x30, 0, 2, 0xee }, 4, 3, 1, BURROW_DROP_MAX,
		  BURROW_QUIC_CONTEXT_ETH },
		{ "context id 3", { 0x30, 0, 3, 0x45 }, 4, 0, 0, BURROW_DROP_QUIC_DATAGRAM_ID },
		{ "context id 4 (fragment)", { 0x31, 2, 0, 4, 0, 0 }, 6, 4, 0, BURROW_DROP_MAX,
		  BURROW_QUIC_CONTEXT_ETH_FRAG },
		{ "context id 5", { 0x30, 0, 5, 0x45 }, 4, 0, 0, BURROW_DROP_QUIC_DATAGRAM_ID },
		{ "context id 2, 2-byte varint", { 0x30, 0, 0x40, 2, 0xee }, 5, 4, 1,
		  BURROW_DROP_MAX, BURROW_QUIC_CONTEXT_ETH },
	};
	u8 context;
	enum burrow_drop_reason got;
	struct sk_buff *skb;
	bool ok = true;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		skb = alloc_skb(sizeof(t[i].in), GFP_KERNEL);
		if (!skb) {
			pr_err("selftest quic: frames: out of memory\n");
			return false;
		}
		skb_put_data(skb, t[i].in, t[i].len);
		context = 0xee;
		got = burrow_quic_frames(skb, &context);
		if (got != t[i].want ||
		    (got == BURROW_DROP_MAX &&
		     (skb->len != t[i].ip_len || context != t[i].context ||
		      memcmp(skb->data, t[i].in + t[i].ip_off, t[i].ip_len)))) {
			pr_err("selftest quic: frames %s: reason %d (want %d), %u bytes left\n",
			       t[i].what, got, t[i].want, skb->len);
			ok = false;
		}
		kfree_skb(skb);
	}
	return ok;
}

bool burrow_quic_selftest(void)
{
	bool ok = true;

	ok &= burrow_st_quic_a5();
	ok &= burrow_st_quic_pn();
	if (!burrow_st_quic_varint()) {
		pr_err("selftest quic: varint\n");
		ok = false;
	}
	ok &= burrow_st_quic_hp_aes();
	ok &= burrow_st_quic_frames();
	if (ok)
		pr_info("selftest quic: passed\n");
	return ok;
}
