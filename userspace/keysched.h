/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrowd's data-key schedule (docs/security.md "Key schedule"): the keys
 * the kernel uses for one generation, per direction, from the TLS exporter
 * of the control connection and, from generation 2 on, a fresh X25519
 * exchange carried in the rotation capsules. Pure functions apart from
 * burrow_x25519_generate() (randomness).
 *
 *   E_g   = TLS-Exporter("EXPERIMENTAL-burrow/1 data keys", context = g as
 *           8 bytes big-endian, 32 bytes)                  (RFC 8446 §7.5)
 *   IKM_g = ""                                   for g = 1
 *         = X25519(a_g, B_g) || A_g || B_g       for g >= 2 (A_g client's
 *           share, B_g server's share, each 32 bytes)
 *   PRK_g = HKDF-Extract(salt = E_g, IKM_g)                  (SHA-256)
 *   for dir in "c2s", "s2c":
 *     key = HKDF-Expand(PRK_g, "burrow/1 " dir " key" || cipher, key_len)
 *     iv  = HKDF-Expand(PRK_g, "burrow/1 " dir " iv"  || cipher, 12)
 *   key_id(g) = (g - 1) mod 254 + 1     (1..254; consecutive ids differ,
 *                                         and so does their low bit, which
 *                                         quic encapsulation sends as the
 *                                         key phase)
 *
 * Header-protection keys (quic encapsulation only) are the same for every
 * generation of a session, as QUIC keeps its header-protection key across
 * key updates (RFC 9001 §6); the kernel requires both slots to share them:
 *
 *   E_hp   = TLS-Exporter("EXPERIMENTAL-burrow/1 header protection",
 *            context = "", 32 bytes)
 *   PRK_hp = HKDF-Extract(salt = E_hp, "")
 *   hp_dir = HKDF-Expand(PRK_hp, "burrow/1 " dir " hp" || cipher, key_len)
 */
#ifndef BURROW_KEYSCHED_H
#define BURROW_KEYSCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BURROW_KEYSCHED_EXPORTER_LABEL "EXPERIMENTAL-burrow/1 data keys"
#define BURROW_KEYSCHED_HP_EXPORTER_LABEL "EXPERIMENTAL-burrow/1 header protection"
#define BURROW_KEYSCHED_SECRET_LEN 32
#define BURROW_KEYSCHED_CONTEXT_LEN 8
#define BURROW_KEYSCHED_KEY_MAX 32
#define BURROW_KEYSCHED_IV_LEN 12
#define BURROW_X25519_LEN 32

struct burrow_direction_keys {
	uint8_t key[BURROW_KEYSCHED_KEY_MAX];
	size_t key_len;
	uint8_t iv[BURROW_KEYSCHED_IV_LEN];
	uint8_t hp_key[BURROW_KEYSCHED_KEY_MAX];	/* key_len bytes when has_hp */
};

struct burrow_generation_keys {
	uint64_t generation;
	uint8_t key_id;
	uint8_t cipher;
	bool has_hp;			/* burrow_keysched_derive_hp() ran */
	struct burrow_direction_keys client_to_server;
	struct burrow_direction_keys server_to_client;
};

/* The exporter context of generation g: g as 8 bytes big-endian. */
void burrow_keysched_context(uint64_t generation, uint8_t context[BURROW_KEYSCHED_CONTEXT_LEN]);

/* The key id generation g uses in the kernel and on the wire. */
uint8_t burrow_keysched_key_id(uint64_t generation);

/* Key length of a cipher (enum burrow_cipher); 0 when unknown. */
size_t burrow_keysched_key_len(uint8_t cipher);

/*
 * Derive generation g's keys. exporter: E_g. For g == 1 dh_shared,
 * client_share and server_share must be NULL; for g >= 2 all three are
 * required. Returns 0, -EINVAL (g == 0, unknown cipher, missing or
 * superfluous DH input).
 */
int burrow_keysched_derive(const uint8_t exporter[BURROW_KEYSCHED_SECRET_LEN],
			   uint64_t generation, uint8_t cipher,
			   const uint8_t *dh_shared, const uint8_t *client_share,
			   const uint8_t *server_share, struct burrow_generation_keys *out);

/*
 * Add the session's header-protection keys to keys (from
 * burrow_keysched_derive; its cipher is used). exporter: E_hp. Returns 0
 * or -EINVAL (unknown cipher).
 */
int burrow_keysched_derive_hp(const uint8_t exporter[BURROW_KEYSCHED_SECRET_LEN],
			      struct burrow_generation_keys *keys);

/* Wipe key material (explicit_bzero). */
void burrow_keysched_wipe(struct burrow_generation_keys *keys);

/* ---- X25519 (nettle, RFC 7748) ---------------------------------------------- */

struct burrow_x25519 {
	uint8_t secret[BURROW_X25519_LEN];
	uint8_t share[BURROW_X25519_LEN];	/* public value */
};

/* A fresh ephemeral key pair (GnuTLS key-grade randomness). 0 or -EIO. */
int burrow_x25519_generate(struct burrow_x25519 *pair);
/* Public value of a secret (for known-answer tests). */
void burrow_x25519_share(const uint8_t secret[BURROW_X25519_LEN], uint8_t share[BURROW_X25519_LEN]);
/*
 * shared = X25519(secret, peer_share). -EINVAL when the result is all
 * zeros (a small-order peer share, RFC 7748 §6.1).
 */
int burrow_x25519_shared(const uint8_t secret[BURROW_X25519_LEN],
			 const uint8_t peer_share[BURROW_X25519_LEN],
			 uint8_t shared[BURROW_X25519_LEN]);
void burrow_x25519_wipe(struct burrow_x25519 *pair);

/* ---- rotation capsule values ------------------------------------------------ */
/*
 * ROTATE_OFFER, ROTATE_ACCEPT: generation (varint, >= 2), share (32 bytes).
 * ROTATE_CONFIRM, ROTATE_DONE: generation (varint, >= 2).
 * ROTATE_REQUEST: empty.
 */
struct burrow_rotate_msg {
	uint64_t generation;
	uint8_t share[BURROW_X25519_LEN];
};

/* Encode; with_share selects OFFER/ACCEPT layout. Bytes written or -EMSGSIZE/-EINVAL. */
int burrow_rotate_encode(const struct burrow_rotate_msg *msg, int with_share, uint8_t *out,
			 size_t out_size);
/* Decode; 0 or -EBADMSG (truncated, trailing bytes, generation < 2). */
int burrow_rotate_decode(const uint8_t *value, size_t len, int with_share,
			 struct burrow_rotate_msg *msg);

#endif /* BURROW_KEYSCHED_H */
