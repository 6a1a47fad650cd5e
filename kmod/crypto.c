// SPDX-License-Identifier: GPL-2.0
/*
 * AEAD over socket buffers for the burrow data path; crypto.h has the API,
 * the nonce construction and the context rules.
 *
 * Implementations chosen (Debian 12's 6.1 on x86-64):
 *
 * ChaCha20-Poly1305 uses the crypto API template
 * "rfc7539(chacha20,poly1305)", which instantiates as
 * "rfc7539(chacha20-simd,poly1305-simd)" when chacha-x86_64 and
 * poly1305-x86_64 are available. Both children are synchronous and fall
 * back to generic code on their own when SIMD is unusable. The library in
 * <crypto/chacha20poly1305.h> does not fit: it takes a u64 nonce and always
 * puts zero into the first 32 bits of the RFC 8439 nonce, where burrow's
 * nonce carries IV[0..3].
 *
 * AES-GCM: aesni-intel offers "gcm(aes)" only as an asynchronous SIMD wrapper
 * ("generic-gcm-aesni", which defers to cryptd when it cannot use the FPU),
 * so a synchronous "gcm(aes)" comes out as the template
 * "gcm_base(ctr(aes-aesni),ghash-generic)": AES-NI one block at a time and
 * table-driven GHASH. Every GCM key has that as its fallback. Where the
 * internal algorithm behind the wrapper exists ("__gcm(aes)", driver
 * "__generic-gcm-aesni": AES-NI with PCLMULQDQ GHASH, AVX/AVX2 code paths
 * when the CPU has them), the key also gets it and uses it whenever
 * crypto_simd_usable(), the same test the wrapper makes before calling it
 * inline. Elsewhere (e.g. arm64, whose "gcm-aes-ce" is synchronous) there is
 * no "__gcm(aes)" and the synchronous "gcm(aes)" is used alone.
 *
 * Nothing here allocates per packet: each CPU has a preallocated request,
 * scatterlist, AAD and nonce buffer (struct burrow_crypto_scratch), used
 * with BH disabled. The implementations above walk blocksize-1 requests and
 * get the AAD in one scatterlist entry, so they do not allocate either.
 */

#include <linux/bottom_half.h>
#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/internal/simd.h>
#include <asm/simd.h>

#include "crypto.h"
#include "selftest.h"

/*
 * Scatterlist entries per CPU: the AAD, then the skb's head and page frags
 * plus one level of frag_list members with theirs.
 */
#define BURROW_CRYPTO_MAX_SG	(1 + 2 * (1 + MAX_SKB_FRAGS))
/* Request context bytes the first pool has room for; it grows on demand. */
#define BURROW_CRYPTO_INITIAL_REQ_SIZE	512

struct burrow_cipher_info {
	const char *name;	/* synchronous; callable in any context */
	const char *simd_name;	/* internal SIMD-only implementation or NULL */
	unsigned int key_len;
};

static const struct burrow_cipher_info burrow_ciphers[] = {
	[BURROW_CIPHER_CHACHA20_POLY1305] = {
		.name = "rfc7539(chacha20,poly1305)",
		.key_len = 32,
	},
	[BURROW_CIPHER_AES_128_GCM] = {
		.name = "gcm(aes)",
		.simd_name = "__gcm(aes)",
		.key_len = 16,
	},
	[BURROW_CIPHER_AES_256_GCM] = {
		.name = "gcm(aes)",
		.simd_name = "__gcm(aes)",
		.key_len = 32,
	},
};

/*
 * One direction's key. Immutable after burrow_aead_create() returns, so any
 * number of CPUs may seal/open with it concurrently (each with its own
 * request). The key itself lives only in the transforms' contexts, which the
 * crypto API frees with kfree_sensitive().
 */
struct burrow_aead {
	struct crypto_aead *tfm;	/* synchronous, any context */
	struct crypto_aead *simd_tfm;	/* NULL, or only if crypto_simd_usable() */
	enum burrow_cipher cipher;
	u8 iv[BURROW_AEAD_IV_LEN];
};

/*
 * Working memory for one seal/open on one CPU. kmalloc'd rather than
 * alloc_percpu'd: the AAD copy and parts of the request context (tags,
 * padding) are put into scatterlists, which need linearly mapped memory.
 * A CPU uses its scratch only with BH disabled, so there is one user at a
 * time and no lock. It is not wiped between packets; it can hold the last
 * packet's one-time Poly1305 key, which is useless once that packet is sent,
 * and is wiped when freed.
 */
struct burrow_crypto_scratch {
	struct scatterlist sg[BURROW_CRYPTO_MAX_SG];
	u8 aad[BURROW_AEAD_MAX_AAD_LEN];
	u8 nonce[BURROW_AEAD_IV_LEN];
	struct aead_request req;	/* followed by req_size bytes; keep last */
};

/*
 * A scratch per possible CPU, each with req_size bytes of request context.
 * Never resized in place: burrow_crypto_reserve() publishes a bigger pool
 * with rcu_assign_pointer() and frees the old one after synchronize_rcu().
 * Seal/open read the pointer with rcu_dereference_bh() in their BH-disabled
 * section, which is an RCU read-side critical section. Because create
 * returns only after that grace period, any CPU that sees a new key also
 * sees a pool big enough for it.
 */
struct burrow_crypto_pool {
	unsigned int req_size;
	struct burrow_crypto_scratch *scratch[];	/* nr_cpu_ids entries */
};

static struct burrow_crypto_pool __rcu *burrow_crypto_pool;
/* Serialises pool replacement (and so init/uninit against create). */
static DEFINE_MUTEX(burrow_crypto_mutex);
/* Set once a lookup of the internal GCM algorithm found none. */
static bool burrow_crypto_no_simd_gcm;

unsigned int burrow_cipher_key_len(enum burrow_cipher cipher)
{
	if ((unsigned int)cipher >= ARRAY_SIZE(burrow_ciphers))
		return 0;
	return burrow_ciphers[cipher].key_len;
}

static void burrow_crypto_pool_free(struct burrow_crypto_pool *pool)
{
	unsigned int cpu;

	if (!pool)
		return;
	for_each_possible_cpu(cpu)
		kfree_sensitive(pool->scratch[cpu]);
	kfree(pool);
}

static struct burrow_crypto_pool *burrow_crypto_pool_alloc(unsigned int req_size)
{
	struct burrow_crypto_pool *pool;
	unsigned int cpu;

	pool = kzalloc(struct_size(pool, scratch, nr_cpu_ids), GFP_KERNEL);
	if (!pool)
		return NULL;
	pool->req_size = req_size;
	for_each_possible_cpu(cpu) {
		pool->scratch[cpu] =
			kzalloc_node(sizeof(struct burrow_crypto_scratch) + req_size,
				     GFP_KERNEL, cpu_to_node(cpu));
		if (!pool->scratch[cpu]) {
			burrow_crypto_pool_free(pool);
			return NULL;
		}
	}
	return pool;
}

/* Makes the per-CPU requests hold at least @req_size bytes of context. */
static int burrow_crypto_reserve(unsigned int req_size)
{
	struct burrow_crypto_pool *old, *new;
	int err = 0;

	mutex_lock(&burrow_crypto_mutex);
	old = rcu_dereference_protected(burrow_crypto_pool,
					lockdep_is_held(&burrow_crypto_mutex));
	if (WARN_ON_ONCE(!old)) {
		err = -ENODEV;	/* burrow_crypto_init() not called */
		goto out;
	}
	if (req_size <= old->req_size)
		goto out;
	new = burrow_crypto_pool_alloc(max(req_size, 2 * old->req_size));
	if (!new) {
		err = -ENOMEM;
		goto out;
	}
	rcu_assign_pointer(burrow_crypto_pool, new);
	/* Held across the wait so concurrent creates return only after it. */
	synchronize_rcu();
	burrow_crypto_pool_free(old);
out:
	mutex_unlock(&burrow_crypto_mutex);
	return err;
}

int burrow_crypto_init(void)
{
	struct burrow_crypto_pool *pool;

	pool = burrow_crypto_pool_alloc(BURROW_CRYPTO_INITIAL_REQ_SIZE);
	if (!pool)
		return -ENOMEM;
	mutex_lock(&burrow_crypto_mutex);
	WARN_ON(rcu_access_pointer(burrow_crypto_pool));
	rcu_assign_pointer(burrow_crypto_pool, pool);
	mutex_unlock(&burrow_crypto_mutex);
	return 0;
}

/* Every key is destroyed and no seal/open can run any more. */
void burrow_crypto_uninit(void)
{
	struct burrow_crypto_pool *pool;

	mutex_lock(&burrow_crypto_mutex);
	pool = rcu_replace_pointer(burrow_crypto_pool, NULL,
				   lockdep_is_held(&burrow_crypto_mutex));
	mutex_unlock(&burrow_crypto_mutex);
	burrow_crypto_pool_free(pool);
}

static struct crypto_aead *burrow_aead_alloc_tfm(const char *name, u32 type,
						 u32 mask, const u8 *key,
						 unsigned int key_len)
{
	struct crypto_aead *tfm;
	int err;

	tfm = crypto_alloc_aead(name, type, mask);
	if (IS_ERR(tfm))
		return tfm;
	err = crypto_aead_setkey(tfm, key, key_len);
	if (!err)
		err = crypto_aead_setauthsize(tfm, BURROW_AEAD_TAG_LEN);
	if (!err && crypto_aead_ivsize(tfm) != BURROW_AEAD_IV_LEN)
		err = -EINVAL;
	if (err) {
		crypto_free_aead(tfm);
		return ERR_PTR(err);
	}
	return tfm;
}

struct burrow_aead *burrow_aead_create(enum burrow_cipher cipher,
				       const u8 *key, unsigned int key_len,
				       const u8 iv[BURROW_AEAD_IV_LEN])
{
	const struct burrow_cipher_info *info;
	struct burrow_aead *aead;
	struct crypto_aead *tfm;
	unsigned int req_size;
	int err;

	might_sleep();
	if (!burrow_cipher_key_len(cipher) ||
	    key_len != burrow_cipher_key_len(cipher))
		return ERR_PTR(-EINVAL);
	info = &burrow_ciphers[cipher];

	aead = kzalloc(sizeof(*aead), GFP_KERNEL);
	if (!aead)
		return ERR_PTR(-ENOMEM);
	aead->cipher = cipher;
	memcpy(aead->iv, iv, BURROW_AEAD_IV_LEN);

	/* Synchronous only: seal/open complete inline or not at all. */
	tfm = burrow_aead_alloc_tfm(info->name, 0, CRYPTO_ALG_ASYNC,
				    key, key_len);
	if (IS_ERR(tfm)) {
		err = PTR_ERR(tfm);
		goto err;
	}
	aead->tfm = tfm;
	req_size = crypto_aead_reqsize(tfm);

	if (info->simd_name && !READ_ONCE(burrow_crypto_no_simd_gcm)) {
		tfm = burrow_aead_alloc_tfm(info->simd_name, CRYPTO_ALG_INTERNAL,
					    CRYPTO_ALG_INTERNAL | CRYPTO_ALG_ASYNC,
					    key, key_len);
		if (!IS_ERR(tfm)) {
			aead->simd_tfm = tfm;
			req_size = max(req_size, crypto_aead_reqsize(tfm));
		} else if (PTR_ERR(tfm) == -ENOENT) {
			/* Not on this machine; spare later keys the lookup. */
			WRITE_ONCE(burrow_crypto_no_simd_gcm, true);
		}
		/* Any other failure: this key runs on the fallback alone. */
	}

	err = burrow_crypto_reserve(req_size);
	if (err)
		goto err;
	return aead;

err:
	burrow_aead_destroy(aead);
	return ERR_PTR(err);
}

void burrow_aead_destroy(struct burrow_aead *aead)
{
	if (!aead)
		return;
	/*
	 * Neither free sleeps: the crypto API frees the context with
	 * kfree_sensitive() (wiping the key schedule) and defers template
	 * instance teardown to a work item. macsec frees its AEAD transforms
	 * from RCU callbacks the same way.
	 */
	if (aead->simd_tfm)
		crypto_free_aead(aead->simd_tfm);
	if (aead->tfm)
		crypto_free_aead(aead->tfm);
	memzero_explicit(aead->iv, sizeof(aead->iv));
	kfree(aead);
}

bool burrow_aead_iv_equal(const struct burrow_aead *aead, const u8 iv[BURROW_AEAD_IV_LEN])
{
	return !crypto_memneq(aead->iv, iv, BURROW_AEAD_IV_LEN);
}

enum burrow_cipher burrow_aead_cipher(const struct burrow_aead *aead)
{
	return aead->cipher;
}

const char *burrow_aead_driver_name(const struct burrow_aead *aead)
{
	return crypto_aead_driver_name(aead->simd_tfm ?: aead->tfm);
}

const char *burrow_aead_fallback_driver_name(const struct burrow_aead *aead)
{
	return crypto_aead_driver_name(aead->tfm);
}

/* nonce = IV xor (0^32 || be64(counter)) */
static void burrow_aead_nonce(u8 nonce[BURROW_AEAD_IV_LEN],
			      const u8 iv[BURROW_AEAD_IV_LEN], u64 counter)
{
	unsigned int i;

	memcpy(nonce, iv, 4);
	for (i = 4; i < BURROW_AEAD_IV_LEN; i++)
		nonce[i] = iv[i] ^ (u8)(counter >> (8 * (BURROW_AEAD_IV_LEN - 1 - i)));
}

/*
 * Upper bound of the entries skb_to_sgvec() fills for any range of @skb:
 * one for the head, one per page frag, the same for each frag_list member.
 * Deeper frag_list nesting is refused.
 */
static int burrow_skb_sg_count(struct sk_buff *skb)
{
	struct sk_buff *iter;
	int n = 1 + skb_shinfo(skb)->nr_frags;

	skb_walk_frags(skb, iter) {
		if (skb_has_frag_list(iter))
			return -EMSGSIZE;
		n += 1 + skb_shinfo(iter)->nr_frags;
	}
	return n;
}

/*
 * Seal or open in place. @len is the plaintext length when sealing and the
 * ciphertext + tag length when opening. @fallback forces the synchronous
 * fallback transform (the selftest uses it to cover both).
 */
static int burrow_aead_crypt(struct burrow_aead *aead, struct sk_buff *skb,
			     unsigned int offset, unsigned int len,
			     const u8 *aad, unsigned int aad_len, u64 counter,
			     bool seal, bool fallback)
{
	struct burrow_crypto_scratch *scratch;
	struct burrow_crypto_pool *pool;
	struct crypto_aead *tfm;
	unsigned int span, nr_aad;
	int nsg, err;

	if (unlikely(aad_len > BURROW_AEAD_MAX_AAD_LEN || offset > skb->len ||
		     len > skb->len - offset))
		return -EINVAL;
	if (seal) {
		if (unlikely(skb->len - offset - len < BURROW_AEAD_TAG_LEN))
			return -EINVAL;
		span = len + BURROW_AEAD_TAG_LEN;
	} else {
		if (unlikely(len < BURROW_AEAD_TAG_LEN))
			return -EINVAL;
		span = len;
	}
	/* In place: writing into a clone's or a splice's pages corrupts them. */
	if (unlikely(skb_cloned(skb) || skb_has_shared_frag(skb)))
		return -EINVAL;
	nr_aad = aad_len ? 1 : 0;
	nsg = burrow_skb_sg_count(skb);
	if (unlikely(nsg < 0 || nsg > BURROW_CRYPTO_MAX_SG - nr_aad))
		return -EMSGSIZE;

	local_bh_disable();
	pool = rcu_dereference_bh(burrow_crypto_pool);
	tfm = aead->tfm;
	if (aead->simd_tfm && !fallback && crypto_simd_usable())
		tfm = aead->simd_tfm;
	if (WARN_ON_ONCE(!pool || crypto_aead_reqsize(tfm) > pool->req_size)) {
		err = -ENOBUFS;
		goto out;
	}
	scratch = pool->scratch[smp_processor_id()];

	/*
	 * Re-initialise every time: skb_to_sgvec() marks its last entry as
	 * the end, and a stale end mark from a shorter packet would cut the
	 * list short.
	 */
	sg_init_table(scratch->sg, nr_aad + nsg);
	if (aad_len) {
		memcpy(scratch->aad, aad, aad_len);
		sg_set_buf(&scratch->sg[0], scratch->aad, aad_len);
	}
	err = skb_to_sgvec(skb, scratch->sg + nr_aad, offset, span);
	if (unlikely(err < 0))
		goto out;
	burrow_aead_nonce(scratch->nonce, aead->iv, counter);

	aead_request_set_tfm(&scratch->req, tfm);
	aead_request_set_callback(&scratch->req, 0, NULL, NULL);
	aead_request_set_crypt(&scratch->req, scratch->sg, scratch->sg, len,
			       scratch->nonce);
	aead_request_set_ad(&scratch->req, aad_len);
	err = seal ? crypto_aead_encrypt(&scratch->req) :
		     crypto_aead_decrypt(&scratch->req);
	/* Synchronous transforms never queue the request. */
	if (WARN_ON_ONCE(err == -EINPROGRESS || err == -EBUSY))
		err = -EIO;
out:
	local_bh_enable();
	return err;
}

int burrow_aead_seal(struct burrow_aead *aead, struct sk_buff *skb,
		     unsigned int offset, unsigned int len,
		     const u8 *aad, unsigned int aad_len, u64 counter)
{
	return burrow_aead_crypt(aead, skb, offset, len, aad, aad_len, counter,
				 true, false);
}

int burrow_aead_open(struct burrow_aead *aead, struct sk_buff *skb,
		     unsigned int offset, unsigned int len,
		     const u8 *aad, unsigned int aad_len, u64 counter)
{
	return burrow_aead_crypt(aead, skb, offset, len, aad, aad_len, counter,
				 false, false);
}

#ifdef BURROW_SELFTEST
#include "selftest/crypto.c"
#endif
