// SPDX-License-Identifier: GPL-2.0
/*
 * In-module selftest of crypto.c, #included at its end when built with
 * BURROW_SELFTEST so that it can reach the file's static functions; never
 * compiled on its own (Kbuild lists only the implementation files).
 */

#include <linux/random.h>

/*
 * Published vectors, hex. ct is ciphertext || tag. iv and counter are
 * chosen so that iv xor (0^32 || be64(counter)) is the vector's nonce:
 * RFC 8439 §2.8.2 nonce 070000004041424344454647; McGrew-Viega test cases
 * 4 (AES-128) and 16 (AES-256) IV cafebabefacedbaddecaf888.
 */
struct burrow_st_vector {
	const char *name;
	enum burrow_cipher cipher;
	const char *key, *iv, *aad, *pt, *ct;
	u64 counter;
};

#define BURROW_ST_GCM_PT \
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define BURROW_ST_GCM_KEY "feffe9928665731c6d6a8f9467308308"

static const struct burrow_st_vector burrow_st_vectors[] = { {
	.name = "chacha20-poly1305 rfc8439 2.8.2",
	.cipher = BURROW_CIPHER_CHACHA20_POLY1305,
	.key = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	.iv = "070000000000000000000000",
	.counter = 0x4041424344454647ULL,
	.aad = "50515253c0c1c2c3c4c5c6c7",
	.pt = "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
	      "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
	      "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
	      "637265656e20776f756c642062652069742e",
	.ct = "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	      "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	      "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	      "3ff4def08e4b7a9de576d26586cec64b6116"
	      "1ae10b594f09e26a7e902ecbd0600691",
}, {
	.name = "aes-128-gcm mcgrew-viega tc4",
	.cipher = BURROW_CIPHER_AES_128_GCM,
	.key = BURROW_ST_GCM_KEY,
	.iv = "cafebabefbed9eca57613567",
	.counter = 0x0123456789abcdefULL,
	.aad = "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	.pt = BURROW_ST_GCM_PT,
	.ct = "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	      "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
	      "5bc94fbc3221a5db94fae95ae7121a47",
}, {
	.name = "aes-256-gcm mcgrew-viega tc16",
	.cipher = BURROW_CIPHER_AES_256_GCM,
	.key = BURROW_ST_GCM_KEY BURROW_ST_GCM_KEY,
	.iv = "cafebabe0531245221350777",
	.counter = 0xffffffffffffffffULL,
	.aad = "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	.pt = BURROW_ST_GCM_PT,
	.ct = "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	      "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
	      "76fc6ece0f4e1768cddf8853bb2d551b",
} };

/* Bytes before the sealed range in test skbs, standing in for headers. */
#define BURROW_ST_OFF	24
#define BURROW_ST_MAX	3000

struct burrow_st {
	u8 key[32], iv[BURROW_AEAD_IV_LEN], aad[BURROW_AEAD_MAX_AAD_LEN];
	u8 pt[BURROW_ST_MAX], ct[BURROW_ST_MAX + BURROW_AEAD_TAG_LEN];
	u8 buf[BURROW_ST_MAX + BURROW_AEAD_TAG_LEN];
	u8 ref[BURROW_ST_MAX + BURROW_AEAD_TAG_LEN];
	unsigned int aad_len, pt_len;
};

/*
 * A writable skb holding BURROW_ST_OFF filler bytes, then @data. Nonlinear:
 * only 7 bytes of @data in the head, the rest in two page frags at odd
 * page offsets, so cipher blocks straddle every boundary.
 */
static struct sk_buff *burrow_st_skb(const u8 *data, unsigned int len,
				     bool nonlinear)
{
	unsigned int head = nonlinear ? min(len, 7U) : len;
	unsigned int off = head, chunk, i;
	struct sk_buff *skb;
	struct page *page;

	skb = alloc_skb(BURROW_ST_OFF + head, GFP_KERNEL);
	if (!skb)
		return NULL;
	memset(skb_put(skb, BURROW_ST_OFF), 0xa5, BURROW_ST_OFF);
	skb_put_data(skb, data, head);
	for (i = 0; off < len; i++) {
		chunk = i ? len - off : (len - off + 1) / 2;
		page = alloc_page(GFP_KERNEL);
		if (!page) {
			kfree_skb(skb);
			return NULL;
		}
		memcpy(page_address(page) + 1 + i, data + off, chunk);
		skb_add_rx_frag(skb, i, page, 1 + i, chunk, PAGE_SIZE);
		off += chunk;
	}
	return skb;
}

/*
 * Builds an skb from @data, runs seal (@len plaintext) or open (@len with
 * tag) and, on success, copies the result range out to st->buf.
 */
static int burrow_st_run(struct burrow_st *st, struct burrow_aead *aead,
			 const u8 *data, unsigned int len, bool seal,
			 bool nonlinear, bool fallback, u64 counter)
{
	unsigned int span = seal ? len + BURROW_AEAD_TAG_LEN : len;
	struct sk_buff *skb;
	int err;

	skb = burrow_st_skb(data, span, nonlinear);
	if (!skb)
		return -ENOMEM;
	err = burrow_aead_crypt(aead, skb, BURROW_ST_OFF, len, st->aad,
				st->aad_len, counter, seal, fallback);
	if (!err)
		err = skb_copy_bits(skb, BURROW_ST_OFF, st->buf, span);
	kfree_skb(skb);
	return err;
}

static bool burrow_st_vector(struct burrow_st *st,
			     const struct burrow_st_vector *v,
			     bool nonlinear, bool fallback)
{
	unsigned int key_len = strlen(v->key) / 2, ct_len;
	const char *how = nonlinear ? "nonlinear" : "linear";
	struct burrow_aead *aead;
	const char *drv;
	bool ok = true;
	int err, i;

	st->aad_len = strlen(v->aad) / 2;
	st->pt_len = strlen(v->pt) / 2;
	ct_len = st->pt_len + BURROW_AEAD_TAG_LEN;
	if (hex2bin(st->key, v->key, key_len) || hex2bin(st->iv, v->iv, 12) ||
	    hex2bin(st->aad, v->aad, st->aad_len) ||
	    hex2bin(st->pt, v->pt, st->pt_len) ||
	    hex2bin(st->ct, v->ct, ct_len)) {
		pr_err("selftest crypto: %s: bad vector\n", v->name);
		return false;
	}
	aead = burrow_aead_create(v->cipher, st->key, key_len, st->iv);
	if (IS_ERR(aead)) {
		pr_err("selftest crypto: %s: create: %ld\n", v->name,
		       PTR_ERR(aead));
		return false;
	}
	if (fallback && !aead->simd_tfm)
		goto out;	/* only one transform: already covered */
	drv = fallback ? burrow_aead_fallback_driver_name(aead) :
			 burrow_aead_driver_name(aead);

	memcpy(st->ref, st->pt, st->pt_len);
	memset(st->ref + st->pt_len, 0, BURROW_AEAD_TAG_LEN);
	err = burrow_st_run(st, aead, st->ref, st->pt_len, true, nonlinear,
			    fallback, v->counter);
	if (err || memcmp(st->buf, st->ct, ct_len)) {
		pr_err("selftest crypto: %s (%s, %s): seal: %d or wrong output\n",
		       v->name, how, drv, err);
		ok = false;
	}
	err = burrow_st_run(st, aead, st->ct, ct_len, false, nonlinear,
			    fallback, v->counter);
	if (err || memcmp(st->buf, st->pt, st->pt_len)) {
		pr_err("selftest crypto: %s (%s, %s): open: %d or wrong output\n",
		       v->name, how, drv, err);
		ok = false;
	}

	/* Each tampering must fail authentication: ct bit, tag bit, AAD bit,
	 * neighbouring counter.
	 */
	for (i = 0; i < 4; i++) {
		u64 counter = v->counter + (i == 3 ? 1 : 0);

		memcpy(st->ref, st->ct, ct_len);
		if (i == 0)
			st->ref[st->pt_len / 2] ^= 0x10;
		else if (i == 1)
			st->ref[ct_len - 1] ^= 0x80;
		else if (i == 2)
			st->aad[st->aad_len - 1] ^= 0x01;
		err = burrow_st_run(st, aead, st->ref, ct_len, false, nonlinear,
				    fallback, counter);
		if (i == 2)
			st->aad[st->aad_len - 1] ^= 0x01;
		if (err != -EBADMSG) {
			pr_err("selftest crypto: %s (%s, %s): tamper case %d: got %d, want -EBADMSG\n",
			       v->name, how, drv, i, err);
			ok = false;
		}
	}
out:
	burrow_aead_destroy(aead);
	return ok;
}

/*
 * Random key, IV and data per cipher: an empty plaintext (keepalive) and a
 * long one round-trip, and linear, nonlinear and both transforms agree.
 */
static bool burrow_st_roundtrip(struct burrow_st *st, enum burrow_cipher cipher)
{
	static const unsigned int lens[] = { 0, 1, 63, BURROW_ST_MAX };
	unsigned int i, n, ct_len;
	struct burrow_aead *aead;
	bool ok = true;
	int err;

	get_random_bytes(st->key, sizeof(st->key));
	get_random_bytes(st->iv, sizeof(st->iv));
	st->aad_len = 16;
	get_random_bytes(st->aad, st->aad_len);
	get_random_bytes(st->pt, sizeof(st->pt));
	aead = burrow_aead_create(cipher, st->key, burrow_cipher_key_len(cipher),
				  st->iv);
	if (IS_ERR(aead)) {
		pr_err("selftest crypto: cipher %d: create: %ld\n",
		       cipher, PTR_ERR(aead));
		return false;
	}
	for (i = 0; i < ARRAY_SIZE(lens) && ok; i++) {
		ct_len = lens[i] + BURROW_AEAD_TAG_LEN;
		memcpy(st->ref, st->pt, lens[i]);
		memset(st->ref + lens[i], 0, BURROW_AEAD_TAG_LEN);
		err = burrow_st_run(st, aead, st->ref, lens[i], true, false,
				    false, 7);
		memcpy(st->ct, st->buf, ct_len);
		/* n: 0 linear, 1 nonlinear, 2 nonlinear through fallback */
		for (n = 1; n < 3 && !err && ok; n++) {
			err = burrow_st_run(st, aead, st->ref, lens[i], true,
					    true, n == 2, 7);
			ok = !err && !memcmp(st->buf, st->ct, ct_len);
		}
		for (n = 0; n < 3 && !err && ok; n++) {
			err = burrow_st_run(st, aead, st->ct, ct_len, false,
					    n > 0, n == 2, 7);
			ok = !err && !memcmp(st->buf, st->pt, lens[i]);
		}
		if (err || !ok) {
			pr_err("selftest crypto: cipher %d len %u: round trip: %d\n",
			       cipher, lens[i], err);
			ok = false;
		}
	}
	burrow_aead_destroy(aead);
	return ok;
}

/* Argument checking: lengths, AAD size, cipher and key length. */
static bool burrow_st_args(struct burrow_st *st)
{
	struct burrow_aead *aead;
	struct sk_buff *skb;
	bool ok = true;

	memset(st->key, 0x42, sizeof(st->key));
	memset(st->iv, 0x24, sizeof(st->iv));
	if (burrow_cipher_key_len(3) ||
	    !IS_ERR(burrow_aead_create(3, st->key, 32, st->iv)) ||
	    !IS_ERR(burrow_aead_create(BURROW_CIPHER_AES_128_GCM, st->key, 32,
				       st->iv))) {
		pr_err("selftest crypto: bad cipher or key length accepted\n");
		ok = false;
	}
	aead = burrow_aead_create(BURROW_CIPHER_CHACHA20_POLY1305, st->key, 32,
				  st->iv);
	if (IS_ERR(aead)) {
		pr_err("selftest crypto: args: create failed\n");
		return false;
	}
	memset(st->buf, 0, 64);
	skb = burrow_st_skb(st->buf, 40, false);
	if (!skb) {
		ok = false;
		goto out;
	}
	/* skb holds BURROW_ST_OFF + 40 bytes. */
	if (burrow_aead_seal(aead, skb, BURROW_ST_OFF, 25, NULL, 0, 0) != -EINVAL ||
	    burrow_aead_seal(aead, skb, BURROW_ST_OFF + 41, 0, NULL, 0, 0) != -EINVAL ||
	    burrow_aead_open(aead, skb, BURROW_ST_OFF, 15, NULL, 0, 0) != -EINVAL ||
	    burrow_aead_open(aead, skb, BURROW_ST_OFF, 41, NULL, 0, 0) != -EINVAL ||
	    burrow_aead_seal(aead, skb, BURROW_ST_OFF, 8, st->buf,
			     BURROW_AEAD_MAX_AAD_LEN + 1, 0) != -EINVAL) {
		pr_err("selftest crypto: bad length accepted\n");
		ok = false;
	}
	/* No AAD at all is allowed; and the whole skb may be sealed. */
	if (burrow_aead_seal(aead, skb, 0, BURROW_ST_OFF + 24, NULL, 0, 1) ||
	    burrow_aead_open(aead, skb, 0, BURROW_ST_OFF + 40, NULL, 0, 1)) {
		pr_err("selftest crypto: round trip without AAD failed\n");
		ok = false;
	}
	kfree_skb(skb);
out:
	burrow_aead_destroy(aead);
	return ok;
}

bool burrow_crypto_selftest(void)
{
	bool own_pool = !rcu_access_pointer(burrow_crypto_pool);
	struct burrow_st *st;
	bool ok = true;
	unsigned int i;

	/* Normally run after burrow_crypto_init(); works before it too. */
	if (own_pool && burrow_crypto_init())
		return false;
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st) {
		ok = false;
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(burrow_st_vectors) * 4; i++)
		ok &= burrow_st_vector(st, &burrow_st_vectors[i / 4], i & 1,
				       i & 2);
	for (i = 0; i < ARRAY_SIZE(burrow_ciphers); i++)
		ok &= burrow_st_roundtrip(st, i);
	ok &= burrow_st_args(st);
	kfree_sensitive(st);
out:
	if (own_pool)
		burrow_crypto_uninit();
	if (ok)
		pr_info("selftest crypto: passed\n");
	return ok;
}
