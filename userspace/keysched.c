// SPDX-License-Identifier: GPL-2.0
/* Data-key schedule and X25519 rotation shares: see keysched.h. */
#include <errno.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <nettle/curve25519.h>
#include <nettle/hkdf.h>
#include <nettle/hmac.h>

#include "capsule.h"
#include "keysched.h"

void burrow_keysched_context(uint64_t generation, uint8_t context[BURROW_KEYSCHED_CONTEXT_LEN])
{
	for (int i = 0; i < BURROW_KEYSCHED_CONTEXT_LEN; i++)
		context[i] = (uint8_t)(generation >> (8 * (BURROW_KEYSCHED_CONTEXT_LEN - 1 - i)));
}

uint8_t burrow_keysched_key_id(uint64_t generation)
{
	return (uint8_t)((generation - 1) % 254 + 1);
}

size_t burrow_keysched_key_len(uint8_t cipher)
{
	switch (cipher) {
	case 0: return 32;	/* chacha20-poly1305 */
	case 1: return 16;	/* aes-128-gcm */
	case 2: return 32;	/* aes-256-gcm */
	default: return 0;
	}
}

/* HKDF-Expand(prk, "burrow/1 <what>" || cipher, len) */
static void expand(const uint8_t prk[SHA256_DIGEST_SIZE], const char *what, uint8_t cipher,
		   uint8_t *out, size_t len)
{
	struct hmac_sha256_ctx ctx;
	uint8_t info[64];
	size_t n = strlen(what);

	memcpy(info, what, n);
	info[n++] = cipher;
	hmac_sha256_set_key(&ctx, SHA256_DIGEST_SIZE, prk);
	hkdf_expand(&ctx, (nettle_hash_update_func *)hmac_sha256_update,
		    (nettle_hash_digest_func *)hmac_sha256_digest, SHA256_DIGEST_SIZE,
		    n, info, len, out);
	explicit_bzero(&ctx, sizeof(ctx));
}

/* PRK = HKDF-Extract(salt, ikm) */
static void extract(const uint8_t salt[BURROW_KEYSCHED_SECRET_LEN], const uint8_t *ikm,
		    size_t ikm_len, uint8_t prk[SHA256_DIGEST_SIZE])
{
	struct hmac_sha256_ctx ctx;

	hmac_sha256_set_key(&ctx, BURROW_KEYSCHED_SECRET_LEN, salt);
	hkdf_extract(&ctx, (nettle_hash_update_func *)hmac_sha256_update,
		     (nettle_hash_digest_func *)hmac_sha256_digest, SHA256_DIGEST_SIZE,
		     ikm_len, ikm, prk);
	explicit_bzero(&ctx, sizeof(ctx));
}

int burrow_keysched_derive(const uint8_t exporter[BURROW_KEYSCHED_SECRET_LEN],
			   uint64_t generation, uint8_t cipher,
			   const uint8_t *dh_shared, const uint8_t *client_share,
			   const uint8_t *server_share, struct burrow_generation_keys *out)
{
	uint8_t ikm[3 * BURROW_X25519_LEN], prk[SHA256_DIGEST_SIZE];
	size_t key_len = burrow_keysched_key_len(cipher), ikm_len = 0;
	bool with_dh = dh_shared || client_share || server_share;

	if (generation == 0 || key_len == 0)
		return -EINVAL;
	if (generation == 1 && with_dh)
		return -EINVAL;
	if (generation > 1 && !(dh_shared && client_share && server_share))
		return -EINVAL;
	if (generation > 1) {
		memcpy(ikm, dh_shared, BURROW_X25519_LEN);
		memcpy(ikm + BURROW_X25519_LEN, client_share, BURROW_X25519_LEN);
		memcpy(ikm + 2 * BURROW_X25519_LEN, server_share, BURROW_X25519_LEN);
		ikm_len = sizeof(ikm);
	}
	extract(exporter, ikm, ikm_len, prk);

	memset(out, 0, sizeof(*out));
	out->generation = generation;
	out->key_id = burrow_keysched_key_id(generation);
	out->cipher = cipher;
	out->client_to_server.key_len = key_len;
	out->server_to_client.key_len = key_len;
	expand(prk, "burrow/1 c2s key", cipher, out->client_to_server.key, key_len);
	expand(prk, "burrow/1 c2s iv", cipher, out->client_to_server.iv, BURROW_KEYSCHED_IV_LEN);
	expand(prk, "burrow/1 s2c key", cipher, out->server_to_client.key, key_len);
	expand(prk, "burrow/1 s2c iv", cipher, out->server_to_client.iv, BURROW_KEYSCHED_IV_LEN);

	explicit_bzero(ikm, sizeof(ikm));
	explicit_bzero(prk, sizeof(prk));
	return 0;
}

int burrow_keysched_derive_hp(const uint8_t exporter[BURROW_KEYSCHED_SECRET_LEN],
			      struct burrow_generation_keys *keys)
{
	size_t key_len = burrow_keysched_key_len(keys->cipher);
	uint8_t prk[SHA256_DIGEST_SIZE], empty = 0;

	if (key_len == 0)
		return -EINVAL;
	extract(exporter, &empty, 0, prk);
	expand(prk, "burrow/1 c2s hp", keys->cipher, keys->client_to_server.hp_key, key_len);
	expand(prk, "burrow/1 s2c hp", keys->cipher, keys->server_to_client.hp_key, key_len);
	keys->has_hp = true;
	explicit_bzero(prk, sizeof(prk));
	return 0;
}

void burrow_keysched_wipe(struct burrow_generation_keys *keys)
{
	explicit_bzero(keys, sizeof(*keys));
}

int burrow_x25519_generate(struct burrow_x25519 *pair)
{
	if (gnutls_rnd(GNUTLS_RND_KEY, pair->secret, sizeof(pair->secret)) < 0)
		return -EIO;
	curve25519_mul_g(pair->share, pair->secret);
	return 0;
}

void burrow_x25519_share(const uint8_t secret[BURROW_X25519_LEN], uint8_t share[BURROW_X25519_LEN])
{
	curve25519_mul_g(share, secret);
}

int burrow_x25519_shared(const uint8_t secret[BURROW_X25519_LEN],
			 const uint8_t peer_share[BURROW_X25519_LEN],
			 uint8_t shared[BURROW_X25519_LEN])
{
	uint8_t acc = 0;

	curve25519_mul(shared, secret, peer_share);
	for (int i = 0; i < BURROW_X25519_LEN; i++)
		acc |= shared[i];
	if (acc == 0) {
		explicit_bzero(shared, BURROW_X25519_LEN);
		return -EINVAL;
	}
	return 0;
}

void burrow_x25519_wipe(struct burrow_x25519 *pair)
{
	explicit_bzero(pair, sizeof(*pair));
}

int burrow_rotate_encode(const struct burrow_rotate_msg *msg, int with_share, uint8_t *out,
			 size_t out_size)
{
	struct burrow_writer w;

	if (msg->generation < 2)
		return -EINVAL;
	burrow_writer_init(&w, out, out_size);
	burrow_writer_varint(&w, msg->generation);
	if (with_share)
		burrow_writer_bytes(&w, msg->share, BURROW_X25519_LEN);
	return w.error ? w.error : (int)w.len;
}

int burrow_rotate_decode(const uint8_t *value, size_t len, int with_share,
			 struct burrow_rotate_msg *msg)
{
	struct burrow_cursor c;
	const uint8_t *share;

	memset(msg, 0, sizeof(*msg));
	burrow_cursor_init(&c, value, len);
	msg->generation = burrow_cursor_varint(&c);
	if (with_share) {
		share = burrow_cursor_bytes(&c, BURROW_X25519_LEN);
		if (share)
			memcpy(msg->share, share, BURROW_X25519_LEN);
	}
	if (burrow_cursor_finish(&c) || msg->generation < 2)
		return -EBADMSG;
	return 0;
}
