// SPDX-License-Identifier: GPL-2.0
/*
 * Key schedule: known answers (computed independently with Python's hmac
 * and the cryptography package from the formula in docs/security.md, X25519
 * inputs from RFC 7748 §6.1), both sides of a rotation deriving identical
 * keys from their own ephemeral secrets, generations and ciphers giving
 * different keys, refusal of bad inputs, and the rotation capsule codecs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "keysched.h"

static void unhex(const char *hex, uint8_t *out, size_t len)
{
	assert_int_equal(strlen(hex), 2 * len);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(sscanf(hex + 2 * i, "%2hhx", &out[i]), 1);
}

static void assert_hex(const uint8_t *bytes, size_t len, const char *hex)
{
	uint8_t want[64];

	unhex(hex, want, len);
	assert_memory_equal(bytes, want, len);
}

/* RFC 7748 §6.1 */
#define ALICE_SECRET "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
#define ALICE_SHARE  "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
#define BOB_SECRET   "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
#define BOB_SHARE    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
#define SHARED       "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"

static void exporter_sample(uint8_t exporter[32])
{
	for (int i = 0; i < 32; i++)
		exporter[i] = (uint8_t)i;
}

static void test_x25519_rfc7748(void **state)
{
	uint8_t a[32], b[32], share[32], shared[32];

	(void)state;
	unhex(ALICE_SECRET, a, 32);
	unhex(BOB_SECRET, b, 32);
	burrow_x25519_share(a, share);
	assert_hex(share, 32, ALICE_SHARE);
	burrow_x25519_share(b, share);
	assert_hex(share, 32, BOB_SHARE);
	assert_int_equal(burrow_x25519_shared(a, share, shared), 0);
	assert_hex(shared, 32, SHARED);
}

static void test_x25519_small_order_refused(void **state)
{
	uint8_t a[32], zero[32] = { 0 }, one[32] = { 1 }, shared[32];

	(void)state;
	unhex(ALICE_SECRET, a, 32);
	assert_int_equal(burrow_x25519_shared(a, zero, shared), -EINVAL);
	assert_int_equal(burrow_x25519_shared(a, one, shared), -EINVAL);
}

static void test_known_answer_generation1(void **state)
{
	struct burrow_generation_keys k;
	uint8_t exporter[32], ctx[8];

	(void)state;
	exporter_sample(exporter);
	assert_int_equal(burrow_keysched_derive(exporter, 1, 0, NULL, NULL, NULL, &k), 0);
	assert_true(k.generation == 1);
	assert_int_equal(k.key_id, 1);
	assert_int_equal(k.client_to_server.key_len, 32);
	assert_hex(k.client_to_server.key, 32,
		   "6094de3a330d5b0f0e920fed9182354949cce1717759a97549b1e59325e255a9");
	assert_hex(k.client_to_server.iv, 12, "97a86255f0778aa3b9ac3bb8");
	assert_hex(k.server_to_client.key, 32,
		   "a2bfce4a7cbe9ad25edf0c119a4db30861dd24d1df1db9ae0c1e642b4c423a9c");
	assert_hex(k.server_to_client.iv, 12, "05f34dedc6094c0bfce7753c");

	burrow_keysched_context(1, ctx);
	assert_hex(ctx, 8, "0000000000000001");
	burrow_keysched_context(UINT64_C(0x0102030405060708), ctx);
	assert_hex(ctx, 8, "0102030405060708");
}

static void test_known_answer_generation2_aes128(void **state)
{
	struct burrow_generation_keys k;
	uint8_t exporter[32], shared[32], a[32], b[32];

	(void)state;
	exporter_sample(exporter);
	unhex(SHARED, shared, 32);
	unhex(ALICE_SHARE, a, 32);
	unhex(BOB_SHARE, b, 32);
	assert_int_equal(burrow_keysched_derive(exporter, 2, 1, shared, a, b, &k), 0);
	assert_int_equal(k.key_id, 2);
	assert_int_equal(k.client_to_server.key_len, 16);
	assert_hex(k.client_to_server.key, 16, "30c730e5c8dc97ff9e2325e2acd004a3");
	assert_hex(k.client_to_server.iv, 12, "a83e98170530cbf165d106eb");
	assert_hex(k.server_to_client.key, 16, "a71658c93ab75573483c72a06865cfc9");
	assert_hex(k.server_to_client.iv, 12, "749b852027dd1206b453d1af");
	burrow_keysched_wipe(&k);
	assert_int_equal(k.client_to_server.key[0] | k.server_to_client.iv[11], 0);
}

static void test_known_answer_header_protection(void **state)
{
	struct burrow_generation_keys k, later;
	uint8_t exporter[32], hp_exporter[32];

	(void)state;
	exporter_sample(exporter);
	exporter_sample(hp_exporter);
	assert_int_equal(burrow_keysched_derive(exporter, 1, 0, NULL, NULL, NULL, &k), 0);
	assert_false(k.has_hp);
	assert_int_equal(burrow_keysched_derive_hp(hp_exporter, &k), 0);
	assert_true(k.has_hp);
	assert_hex(k.client_to_server.hp_key, 32,
		   "e8a08a511fa2c185da4829129e2032c051d7b67e8b8634f94c79f530f6b676fd");
	assert_hex(k.server_to_client.hp_key, 32,
		   "b602b5e157035edbe916fcb4147a9fc22010b819a8462fc13e49db996b1eb30b");

	/* Another generation, another cipher length: hp follows the cipher only. */
	exporter[0] ^= 1;
	assert_int_equal(burrow_keysched_derive(exporter, 3, 1, (uint8_t[32]){ 9 },
						(uint8_t[32]){ 1 }, (uint8_t[32]){ 2 }, &later), 0);
	assert_int_equal(burrow_keysched_derive_hp(hp_exporter, &later), 0);
	assert_hex(later.client_to_server.hp_key, 16, "55a5cdcc63e598da4de27741880f5476");
	assert_hex(later.server_to_client.hp_key, 16, "af51b3315c92f37fe5a4724cc9e387f4");

	later.cipher = 3;
	assert_int_equal(burrow_keysched_derive_hp(hp_exporter, &later), -EINVAL);
}

/* A rotation as the two daemons run it, each with only its own secret. */
static void test_both_sides_derive_identical_keys(void **state)
{
	struct burrow_x25519 client, server;
	struct burrow_generation_keys kc, ks, k_other;
	uint8_t exporter[32], shared_c[32], shared_s[32];

	(void)state;
	exporter_sample(exporter);
	assert_int_equal(burrow_x25519_generate(&client), 0);
	assert_int_equal(burrow_x25519_generate(&server), 0);
	assert_memory_not_equal(client.share, server.share, 32);
	assert_int_equal(burrow_x25519_shared(client.secret, server.share, shared_c), 0);
	assert_int_equal(burrow_x25519_shared(server.secret, client.share, shared_s), 0);
	assert_memory_equal(shared_c, shared_s, 32);
	assert_int_equal(burrow_keysched_derive(exporter, 5, 2, shared_c, client.share,
						server.share, &kc), 0);
	assert_int_equal(burrow_keysched_derive(exporter, 5, 2, shared_s, client.share,
						server.share, &ks), 0);
	assert_memory_equal(&kc, &ks, sizeof(kc));
	/* Directions differ. */
	assert_memory_not_equal(kc.client_to_server.key, kc.server_to_client.key, 32);
	assert_memory_not_equal(kc.client_to_server.iv, kc.server_to_client.iv, 12);
	/* Another exchange for the same generation: other keys (forward secrecy
	 * rests on the ephemeral part, not only on the exporter). */
	burrow_x25519_wipe(&server);
	assert_int_equal(burrow_x25519_generate(&server), 0);
	assert_int_equal(burrow_x25519_shared(client.secret, server.share, shared_c), 0);
	assert_int_equal(burrow_keysched_derive(exporter, 5, 2, shared_c, client.share,
						server.share, &k_other), 0);
	assert_memory_not_equal(k_other.client_to_server.key, kc.client_to_server.key, 32);
	/* Swapped shares (a confused role) give other keys too. */
	assert_int_equal(burrow_keysched_derive(exporter, 5, 2, shared_c, server.share,
						client.share, &k_other), 0);
	assert_memory_not_equal(k_other.client_to_server.key, kc.client_to_server.key, 32);
}

static void test_cipher_and_exporter_separate_keys(void **state)
{
	struct burrow_generation_keys k0, k2;
	uint8_t exporter[32];

	(void)state;
	exporter_sample(exporter);
	assert_int_equal(burrow_keysched_derive(exporter, 1, 0, NULL, NULL, NULL, &k0), 0);
	assert_int_equal(burrow_keysched_derive(exporter, 1, 2, NULL, NULL, NULL, &k2), 0);
	assert_memory_not_equal(k0.client_to_server.key, k2.client_to_server.key, 32);
	exporter[31] ^= 1;
	assert_int_equal(burrow_keysched_derive(exporter, 1, 0, NULL, NULL, NULL, &k2), 0);
	assert_memory_not_equal(k0.client_to_server.key, k2.client_to_server.key, 32);
}

static void test_refusals_and_key_ids(void **state)
{
	struct burrow_generation_keys k;
	uint8_t exporter[32] = { 0 }, x[32] = { 9 };

	(void)state;
	assert_int_equal(burrow_keysched_derive(exporter, 0, 0, NULL, NULL, NULL, &k), -EINVAL);
	assert_int_equal(burrow_keysched_derive(exporter, 1, 3, NULL, NULL, NULL, &k), -EINVAL);
	assert_int_equal(burrow_keysched_derive(exporter, 1, 0, x, x, x, &k), -EINVAL);
	assert_int_equal(burrow_keysched_derive(exporter, 2, 0, NULL, NULL, NULL, &k), -EINVAL);
	assert_int_equal(burrow_keysched_derive(exporter, 2, 0, x, x, NULL, &k), -EINVAL);

	assert_int_equal(burrow_keysched_key_id(1), 1);
	assert_int_equal(burrow_keysched_key_id(254), 254);
	assert_int_equal(burrow_keysched_key_id(255), 1);
	/* Consecutive ids differ in the low bit too: it is quic's key phase. */
	for (uint64_t g = 1; g < 1000; g++) {
		assert_int_not_equal(burrow_keysched_key_id(g), 0);
		assert_int_not_equal(burrow_keysched_key_id(g) & 1, burrow_keysched_key_id(g + 1) & 1);
	}
	assert_int_equal(burrow_keysched_key_len(1), 16);
	assert_int_equal(burrow_keysched_key_len(7), 0);
}

static void test_rotate_capsules(void **state)
{
	struct burrow_rotate_msg m = { .generation = 300 }, back;
	uint8_t buf[64];
	int n;

	(void)state;
	memset(m.share, 0xab, 32);
	n = burrow_rotate_encode(&m, 1, buf, sizeof(buf));
	assert_int_equal(n, 2 + 32);
	assert_int_equal(burrow_rotate_decode(buf, (size_t)n, 1, &back), 0);
	assert_memory_equal(&back, &m, sizeof(m));
	/* Truncated share, trailing byte, confirm layout. */
	assert_int_equal(burrow_rotate_decode(buf, (size_t)n - 1, 1, &back), -EBADMSG);
	assert_int_equal(burrow_rotate_decode(buf, (size_t)n, 0, &back), -EBADMSG);
	n = burrow_rotate_encode(&m, 0, buf, sizeof(buf));
	assert_int_equal(n, 2);
	assert_int_equal(burrow_rotate_decode(buf, 2, 0, &back), 0);
	assert_true(back.generation == 300);
	assert_int_equal(burrow_rotate_decode(buf, 1, 0, &back), -EBADMSG);
	assert_int_equal(burrow_rotate_decode(buf, 0, 0, &back), -EBADMSG);
	/* Generation 1 never rotates in. */
	buf[0] = 0x01;
	assert_int_equal(burrow_rotate_decode(buf, 1, 0, &back), -EBADMSG);
	m.generation = 1;
	assert_int_equal(burrow_rotate_encode(&m, 0, buf, sizeof(buf)), -EINVAL);
	m.generation = 2;
	assert_int_equal(burrow_rotate_encode(&m, 1, buf, 10), -EMSGSIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x25519_rfc7748),
		cmocka_unit_test(test_x25519_small_order_refused),
		cmocka_unit_test(test_known_answer_generation1),
		cmocka_unit_test(test_known_answer_generation2_aes128),
		cmocka_unit_test(test_known_answer_header_protection),
		cmocka_unit_test(test_both_sides_derive_identical_keys),
		cmocka_unit_test(test_cipher_and_exporter_separate_keys),
		cmocka_unit_test(test_refusals_and_key_ids),
		cmocka_unit_test(test_rotate_capsules),
	};

	return cmocka_run_group_tests_name("burrowd key schedule", tests, NULL, NULL);
}
