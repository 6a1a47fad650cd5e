// SPDX-License-Identifier: GPL-2.0
/*
 * The crypto ceiling of the benches (selftests/bench/guest.sh): how fast this
 * CPU, in this boot, seals and opens one 1400-byte packet with each cipher
 * when no network is involved. A tunnel on one CPU both seals (sender) and
 * opens (receiver) every packet, so the rate of one seal plus one open is
 * the most any single-CPU tunnel flow with that cipher can carry.
 *
 * Measured at load time, in process context, one after the other:
 *   chacha20-poly1305     "rfc7539(chacha20,poly1305)", as burrow allocates it
 *   aes-128-gcm           "__gcm(aes)" (the SIMD-internal algorithm burrow
 *   aes-256-gcm           prefers) where it exists, else "gcm(aes)"
 *   chacha20poly1305-lib  the library WireGuard calls
 *                         (chacha20poly1305_{en,de}crypt_sg_inplace)
 * Each AEAD gets 16 bytes of AAD (burrow's header is about that size) and
 * works in place on one linear buffer, as on an skb that is not fragmented.
 * Results go to the kernel log as
 *   burrow_ceiling: NAME DRIVER OPS ops NS ns MBITS Mbit/s
 * and the module stays loaded doing nothing until it is removed.
 *
 * Not part of burrow.ko: only the benches build and load it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <crypto/aead.h>
#include <crypto/chacha20poly1305.h>

#define CEILING_PAYLOAD	1400
#define CEILING_AAD	16
#define CEILING_TAG	16

static unsigned int msecs = 1000;
module_param(msecs, uint, 0444);
MODULE_PARM_DESC(msecs, "time per cipher in milliseconds (default 1000)");

/* Mbit/s of payload for OPS seal+open pairs in NS nanoseconds. */
static u64 ceiling_mbits(u64 ops, u64 ns)
{
	return ns ? div64_u64(ops * CEILING_PAYLOAD * 8 * 1000, ns) : 0;
}

static void ceiling_report(const char *name, const char *driver, u64 ops, u64 ns)
{
	pr_info("%s %s %llu ops %llu ns %llu Mbit/s\n", name, driver, ops, ns,
		ceiling_mbits(ops, ns));
}

/*
 * Seal and open the same buffer until MSECS have passed; the buffer holds
 * AAD || payload || tag throughout, as burrow's scatterlist does.
 */
static int ceiling_aead(const char *name, const char *alg, u32 type, u32 mask,
			unsigned int key_len, u8 *buf)
{
	u8 key[32], iv[12];
	struct crypto_aead *tfm;
	struct aead_request *req;
	struct scatterlist sg;
	u64 ops = 0, start, deadline, now;
	int err;

	tfm = crypto_alloc_aead(alg, type, mask);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	get_random_bytes(key, sizeof(key));
	get_random_bytes(iv, sizeof(iv));
	err = crypto_aead_setkey(tfm, key, key_len);
	if (!err)
		err = crypto_aead_setauthsize(tfm, CEILING_TAG);
	if (err)
		goto free_tfm;
	req = aead_request_alloc(tfm, GFP_KERNEL);
	if (!req) {
		err = -ENOMEM;
		goto free_tfm;
	}
	sg_init_one(&sg, buf, CEILING_AAD + CEILING_PAYLOAD + CEILING_TAG);
	aead_request_set_callback(req, 0, NULL, NULL);
	aead_request_set_ad(req, CEILING_AAD);

	start = ktime_get_ns();
	deadline = start + (u64)msecs * NSEC_PER_MSEC;
	do {
		aead_request_set_crypt(req, &sg, &sg, CEILING_PAYLOAD, iv);
		err = crypto_aead_encrypt(req);
		if (err)
			break;
		aead_request_set_crypt(req, &sg, &sg,
				       CEILING_PAYLOAD + CEILING_TAG, iv);
		err = crypto_aead_decrypt(req);
		if (err)
			break;
		ops++;
		iv[0]++;
		cond_resched();
		now = ktime_get_ns();
	} while (now < deadline);
	if (!err)
		ceiling_report(name, crypto_aead_driver_name(tfm), ops,
			       now - start);
	aead_request_free(req);
free_tfm:
	crypto_free_aead(tfm);
	return err;
}

static int ceiling_lib(u8 *buf)
{
	u8 key[CHACHA20POLY1305_KEY_SIZE], aad[CEILING_AAD];
	struct scatterlist sg;
	u64 ops = 0, nonce = 0, start, deadline, now;

	get_random_bytes(key, sizeof(key));
	get_random_bytes(aad, sizeof(aad));
	sg_init_one(&sg, buf, CEILING_PAYLOAD + CEILING_TAG);
	start = ktime_get_ns();
	deadline = start + (u64)msecs * NSEC_PER_MSEC;
	do {
		if (!chacha20poly1305_encrypt_sg_inplace(&sg, CEILING_PAYLOAD,
							 aad, CEILING_AAD,
							 nonce, key))
			return -EIO;
		if (!chacha20poly1305_decrypt_sg_inplace(&sg, CEILING_PAYLOAD + CEILING_TAG,
							 aad, CEILING_AAD,
							 nonce, key))
			return -EBADMSG;
		ops++;
		nonce++;
		cond_resched();
		now = ktime_get_ns();
	} while (now < deadline);
	ceiling_report("chacha20poly1305-lib", "lib", ops, now - start);
	return 0;
}

static int __init ceiling_init(void)
{
	u8 *buf;
	int err;

	buf = kzalloc(CEILING_AAD + CEILING_PAYLOAD + CEILING_TAG, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	err = ceiling_aead("chacha20-poly1305", "rfc7539(chacha20,poly1305)",
			   0, CRYPTO_ALG_ASYNC, 32, buf);
	if (err)
		goto free_buf;
	/* burrow's choice for GCM: the SIMD-internal algorithm if present */
	err = ceiling_aead("aes-128-gcm", "__gcm(aes)", CRYPTO_ALG_INTERNAL,
			   CRYPTO_ALG_INTERNAL | CRYPTO_ALG_ASYNC, 16, buf);
	if (err == -ENOENT)
		err = ceiling_aead("aes-128-gcm", "gcm(aes)", 0,
				   CRYPTO_ALG_ASYNC, 16, buf);
	if (err)
		goto free_buf;
	err = ceiling_aead("aes-256-gcm", "__gcm(aes)", CRYPTO_ALG_INTERNAL,
			   CRYPTO_ALG_INTERNAL | CRYPTO_ALG_ASYNC, 32, buf);
	if (err == -ENOENT)
		err = ceiling_aead("aes-256-gcm", "gcm(aes)", 0,
				   CRYPTO_ALG_ASYNC, 32, buf);
	if (err)
		goto free_buf;
	/* the library takes the AAD apart: the payload starts at buf */
	err = ceiling_lib(buf);
free_buf:
	kfree(buf);
	if (err)
		pr_err("measurement failed: %d\n", err);
	return err;
}

static void __exit ceiling_exit(void)
{
}

module_init(ceiling_init);
module_exit(ceiling_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("burrow bench: AEAD throughput on 1400-byte packets");
