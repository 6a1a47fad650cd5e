/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AEAD over socket buffers: ChaCha20-Poly1305 (RFC 8439), AES-128-GCM and
 * AES-256-GCM, sealed and opened in place, synchronously.
 *
 * Nonce: every key (one direction of one peer) has a 12-byte IV; the nonce
 * of the packet with counter c is
 *
 *	nonce = IV xor (0x00000000 || be64(c))
 *
 * i.e. bytes 0-3 are IV[0..3] and bytes 4-11 are IV[4..11] xor the counter
 * in network byte order (the RFC 9001 §5.3 construction). For ChaCha20-
 * Poly1305 this 96-bit value is the RFC 8439 nonce as is; for GCM it is the
 * 96-bit IV of SP 800-38D.
 *
 * Context rules:
 *  - burrow_crypto_init(), burrow_crypto_uninit(): module init/exit.
 *  - burrow_aead_create(): process context; sleeps (allocates with
 *    GFP_KERNEL, may load crypto modules, may wait for an RCU grace period).
 *  - burrow_aead_seal(), burrow_aead_open(): process or softirq context,
 *    BH may already be disabled, hard IRQs must be enabled; never sleep and
 *    never allocate. They disable BH themselves while they use this CPU's
 *    preallocated request and scatterlist.
 *  - burrow_aead_destroy(): does not sleep; may run from an RCU callback.
 *    The caller guarantees that no seal/open on that key is running or can
 *    start (typically: unpublish, then call_rcu()/synchronize_rcu()).
 *  - Module exit calls burrow_crypto_uninit() only after every key has been
 *    destroyed (rcu_barrier() first if keys are freed from RCU callbacks).
 */
#ifndef _BURROW_CRYPTO_H
#define _BURROW_CRYPTO_H

#include <linux/types.h>

struct sk_buff;

/* Values match the cipher enum of the netlink UAPI. */
/* enum burrow_cipher comes from the UAPI header: its numbering is ABI. */
#include <linux/burrow.h>

#define BURROW_AEAD_TAG_LEN		16
#define BURROW_AEAD_IV_LEN		12
/* Longest AAD seal/open accept (udp header 16, QUIC short header <= 25). */
#define BURROW_AEAD_MAX_AAD_LEN		32

struct burrow_aead;

/* Key length of @cipher in bytes (32, 16, 32), or 0 for an unknown cipher. */
unsigned int burrow_cipher_key_len(enum burrow_cipher cipher);

/*
 * Creates one direction's key. Copies @key into the transform and @iv into
 * the returned object; the caller wipes its own copies. Returns an ERR_PTR:
 * -EINVAL for an unknown cipher or a wrong key length, -ENOENT if the kernel
 * has no synchronous implementation, -ENOMEM.
 */
struct burrow_aead *burrow_aead_create(enum burrow_cipher cipher,
				       const u8 *key, unsigned int key_len,
				       const u8 iv[BURROW_AEAD_IV_LEN]);

/* Wipes the IV and key schedule and frees. NULL is a no-op. */
void burrow_aead_destroy(struct burrow_aead *aead);

/*
 * Encrypts skb bytes [offset, offset + len) in place and writes the tag to
 * [offset + len, offset + len + BURROW_AEAD_TAG_LEN). @aad (at most
 * BURROW_AEAD_MAX_AAD_LEN bytes, any memory, may point into @skb outside the
 * encrypted range) is authenticated, not encrypted.
 *
 * The caller has made the skb writable and reserved the tag bytes: after
 * skb_cow_data(skb, BURROW_AEAD_TAG_LEN, &trailer) it appends them with
 * pskb_put(skb, trailer, BURROW_AEAD_TAG_LEN), so offset + len +
 * BURROW_AEAD_TAG_LEN <= skb->len. The skb may be nonlinear (head, page
 * frags, frag_list).
 *
 * Returns 0; -EINVAL for bad lengths or a cloned/shared skb; -EMSGSIZE if
 * the skb has more fragments than the preallocated scatterlist holds
 * (linearize and retry); -ENOBUFS if no request buffer fits this key (should
 * not happen); another negative errno from the cipher.
 */
int burrow_aead_seal(struct burrow_aead *aead, struct sk_buff *skb,
		     unsigned int offset, unsigned int len,
		     const u8 *aad, unsigned int aad_len, u64 counter);

/*
 * Decrypts [offset, offset + len), where len includes the trailing tag. On
 * success the plaintext (len - BURROW_AEAD_TAG_LEN bytes) is in place at
 * @offset; the caller trims the tag. On failure the range holds garbage.
 * The skb must be writable (skb_cow_data(skb, 0, &trailer) done).
 *
 * Returns 0; -EBADMSG if authentication fails (wrong key, counter, AAD or
 * tampered data); the other errors of burrow_aead_seal().
 */
int burrow_aead_open(struct burrow_aead *aead, struct sk_buff *skb,
		     unsigned int offset, unsigned int len,
		     const u8 *aad, unsigned int aad_len, u64 counter);

enum burrow_cipher burrow_aead_cipher(const struct burrow_aead *aead);

/*
 * Whether @aead was created with @iv, compared in constant time. The IV is
 * the only part of a direction's key material burrow keeps outside the
 * crypto API's transform contexts; key-new compares it to refuse a key
 * generation installed twice (netlink_key.c).
 */
bool burrow_aead_iv_equal(const struct burrow_aead *aead, const u8 iv[BURROW_AEAD_IV_LEN]);

/*
 * Crypto API driver names, for debugfs. burrow_aead_driver_name() is the
 * implementation used when SIMD registers are usable;
 * burrow_aead_fallback_driver_name() is the one used otherwise (the same
 * string when the key has a single implementation).
 */
const char *burrow_aead_driver_name(const struct burrow_aead *aead);
const char *burrow_aead_fallback_driver_name(const struct burrow_aead *aead);

int burrow_crypto_init(void);
void burrow_crypto_uninit(void);

#endif /* _BURROW_CRYPTO_H */
