// SPDX-License-Identifier: GPL-2.0
/*
 * Relay tickets (userspace/relay_ticket.c): issue, encode, decode and
 * verify; every field tampered, truncation, trailing bytes, zero id,
 * version, reserved bytes, pair order; each refusal reason of verify; and
 * a deterministic fuzz of mutated tickets. Built with AddressSanitizer
 * and UBSan (Makefile), so a bad read fails the run.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "identity.h"
#include "relay_ticket.h"

static struct burrow_identity coord, other_coord, relay, n1, n2, n3;
static char dir[] = "/tmp/burrow-ticket-XXXXXX";
static const uint64_t NOW = 1800000000;

static void make(struct burrow_identity *id, const char *name)
{
	char path[128], err[BURROW_IDENTITY_ERR_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(burrow_identity_generate(path, id, err, sizeof(err)), 0);
	unlink(path);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	make(&coord, "coord");
	make(&other_coord, "other");
	make(&relay, "relay");
	make(&n1, "n1");
	make(&n2, "n2");
	make(&n3, "n3");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	burrow_identity_clear(&coord);
	burrow_identity_clear(&other_coord);
	burrow_identity_clear(&relay);
	burrow_identity_clear(&n1);
	burrow_identity_clear(&n2);
	burrow_identity_clear(&n3);
	rmdir(dir);
	return 0;
}

static void issue(struct burrow_relay_ticket *t)
{
	char err[256];

	assert_int_equal(burrow_relay_ticket_issue(coord.private_key_pem, relay.public_key,
						   n1.public_key, n2.public_key, NOW + 300, t,
						   err, sizeof(err)), 0);
}

static int verify(const struct burrow_relay_ticket *t, const uint8_t *peer)
{
	return burrow_relay_ticket_verify(t, coord.public_key, relay.public_key, peer, NOW);
}

static void test_issue_roundtrip(void **state)
{
	struct burrow_relay_ticket t, back, t2;
	uint8_t raw[BURROW_RELAY_TICKET_LEN];
	char text[BURROW_RELAY_TICKET_TEXT_SIZE];
	const char *why;

	(void)state;
	issue(&t);
	assert_int_equal(t.version, 1);
	assert_int_not_equal(t.id, 0);
	assert_true(memcmp(t.a, t.b, 32) < 0);
	assert_int_equal(t.expiry, NOW + 300);
	assert_memory_equal(t.relay, relay.public_key, 32);
	/* Both parties verify; the other party is the other key. */
	assert_int_equal(verify(&t, n1.public_key), BURROW_RELAY_TICKET_OK);
	assert_int_equal(verify(&t, n2.public_key), BURROW_RELAY_TICKET_OK);
	assert_memory_equal(burrow_relay_ticket_other(&t, n1.public_key), n2.public_key, 32);
	assert_memory_equal(burrow_relay_ticket_other(&t, n2.public_key), n1.public_key, 32);
	assert_null(burrow_relay_ticket_other(&t, n3.public_key));

	assert_int_equal(burrow_relay_ticket_encode(&t, raw), 0);
	assert_int_equal(raw[0], 1);
	assert_int_equal(raw[1] | raw[2] | raw[3], 0);
	assert_int_equal(burrow_relay_ticket_decode(raw, sizeof(raw), &back, &why), 0);
	assert_memory_equal(&back, &t, sizeof(t));

	burrow_relay_ticket_to_text(&t, text);
	assert_int_equal(strlen(text), BURROW_RELAY_TICKET_TEXT_LEN);
	assert_int_equal(burrow_relay_ticket_from_text(text, &back, &why), 0);
	assert_memory_equal(&back, &t, sizeof(t));
	assert_int_equal(verify(&back, n1.public_key), BURROW_RELAY_TICKET_OK);

	/* The pair in the other order gives the same a/b; ids are random. */
	assert_int_equal(burrow_relay_ticket_issue(coord.private_key_pem, relay.public_key,
						   n2.public_key, n1.public_key, NOW + 300, &t2,
						   text, sizeof(text)), 0);
	assert_memory_equal(t2.a, t.a, 32);
	assert_memory_equal(t2.b, t.b, 32);
	assert_int_not_equal(t2.id, t.id);
}

static void test_issue_refused(void **state)
{
	struct burrow_relay_ticket t;
	char err[256];

	(void)state;
	assert_int_equal(burrow_relay_ticket_issue(coord.private_key_pem, relay.public_key,
						   n1.public_key, n1.public_key, NOW, &t, err,
						   sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "two different nodes"));
	assert_int_equal(burrow_relay_ticket_issue(coord.private_key_pem, relay.public_key,
						   relay.public_key, n1.public_key, NOW, &t, err,
						   sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "relay cannot be one of the pair"));
	assert_int_equal(burrow_relay_ticket_issue("not a key", relay.public_key, n1.public_key,
						   n2.public_key, NOW, &t, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "cannot sign"));
}

static void test_verify_reasons(void **state)
{
	struct burrow_relay_ticket t, x;
	char err[256];

	(void)state;
	issue(&t);
	/* Signed by another key: bad signature, whatever else is right. */
	assert_int_equal(burrow_relay_ticket_verify(&t, other_coord.public_key, relay.public_key,
						    n1.public_key, NOW), BURROW_RELAY_TICKET_BAD_SIGNATURE);
	/* Expired: at and after the expiry second. */
	assert_int_equal(burrow_relay_ticket_verify(&t, coord.public_key, relay.public_key,
						    n1.public_key, NOW + 300), BURROW_RELAY_TICKET_EXPIRED);
	assert_int_equal(burrow_relay_ticket_verify(&t, coord.public_key, relay.public_key,
						    n1.public_key, NOW + 299), BURROW_RELAY_TICKET_OK);
	/* Presented to another relay. */
	assert_int_equal(burrow_relay_ticket_verify(&t, coord.public_key, n3.public_key,
						    n1.public_key, NOW), BURROW_RELAY_TICKET_WRONG_RELAY);
	/* Presented by a node not in the pair. */
	assert_int_equal(verify(&t, n3.public_key), BURROW_RELAY_TICKET_NOT_A_PARTY);
	/* A properly signed ticket can still be expired for another relay:
	 * signature first, then expiry. A forged ticket reports only the
	 * signature, whatever else it claims. */
	x = t;
	x.expiry = NOW - 1;
	assert_int_equal(burrow_relay_ticket_sign(&x, coord.private_key_pem, err, sizeof(err)), 0);
	assert_int_equal(burrow_relay_ticket_verify(&x, coord.public_key, n3.public_key,
						    n3.public_key, NOW), BURROW_RELAY_TICKET_EXPIRED);
	assert_int_equal(burrow_relay_ticket_verify(&x, other_coord.public_key, n3.public_key,
						    n3.public_key, NOW), BURROW_RELAY_TICKET_BAD_SIGNATURE);
	/* Zero id and bad version are malformed before any signature check. */
	x = t;
	x.id = 0;
	assert_int_equal(verify(&x, n1.public_key), BURROW_RELAY_TICKET_MALFORMED);
	x = t;
	x.version = 2;
	assert_int_equal(verify(&x, n1.public_key), BURROW_RELAY_TICKET_MALFORMED);
	for (unsigned i = 0; i <= BURROW_RELAY_TICKET_RESULT_COUNT; i++)
		assert_non_null(burrow_relay_ticket_result_name(i));
	assert_string_equal(burrow_relay_ticket_result_name(BURROW_RELAY_TICKET_NOT_A_PARTY),
			    "not a party");
}

/* Flipping any bit of any byte of the encoded ticket: either decode
 * refuses it (malformed) or verify does, for both parties. */
static void test_every_byte_tampered(void **state)
{
	struct burrow_relay_ticket t, x;
	uint8_t raw[BURROW_RELAY_TICKET_LEN], bad[BURROW_RELAY_TICKET_LEN];
	const char *why;

	(void)state;
	issue(&t);
	assert_int_equal(burrow_relay_ticket_encode(&t, raw), 0);
	for (size_t i = 0; i < sizeof(raw); i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			memcpy(bad, raw, sizeof(raw));
			bad[i] ^= (uint8_t)(1u << bit);
			if (burrow_relay_ticket_decode(bad, sizeof(bad), &x, &why)) {
				/* Only the header and the pair's order are checked by decode. */
				assert_true(i < 8 || (i >= 48 && i < 112));
				continue;
			}
			assert_int_not_equal(verify(&x, n1.public_key), BURROW_RELAY_TICKET_OK);
			assert_int_not_equal(verify(&x, n2.public_key), BURROW_RELAY_TICKET_OK);
		}
	}
}

static void test_decode_malformed(void **state)
{
	struct burrow_relay_ticket t, x;
	uint8_t raw[BURROW_RELAY_TICKET_LEN + 1], bad[BURROW_RELAY_TICKET_LEN];
	char text[BURROW_RELAY_TICKET_TEXT_SIZE + 8];
	const char *why;

	(void)state;
	issue(&t);
	assert_int_equal(burrow_relay_ticket_encode(&t, raw), 0);
	raw[BURROW_RELAY_TICKET_LEN] = 0;
	for (size_t len = 0; len < BURROW_RELAY_TICKET_LEN; len++) {
		assert_int_equal(burrow_relay_ticket_decode(raw, len, &x, &why),
				 BURROW_RELAY_TICKET_MALFORMED);
		assert_string_equal(why, "truncated");
	}
	assert_int_equal(burrow_relay_ticket_decode(raw, sizeof(raw), &x, &why),
			 BURROW_RELAY_TICKET_MALFORMED);
	assert_string_equal(why, "trailing bytes");

	memcpy(bad, raw, sizeof(bad));
	bad[0] = 2;
	assert_int_equal(burrow_relay_ticket_decode(bad, sizeof(bad), &x, &why), 1);
	assert_string_equal(why, "unsupported version");
	memcpy(bad, raw, sizeof(bad));
	bad[0] = 0;
	assert_int_equal(burrow_relay_ticket_decode(bad, sizeof(bad), &x, &why), 1);
	for (int i = 1; i < 4; i++) {
		memcpy(bad, raw, sizeof(bad));
		bad[i] = 0x80;
		assert_int_equal(burrow_relay_ticket_decode(bad, sizeof(bad), &x, &why), 1);
		assert_string_equal(why, "reserved bytes are not zero");
	}
	memcpy(bad, raw, sizeof(bad));
	memset(bad + 4, 0, 4);
	assert_int_equal(burrow_relay_ticket_decode(bad, sizeof(bad), &x, &why), 1);
	assert_string_equal(why, "ticket id is 0");
	/* a and b swapped, and a == b. */
	memcpy(bad, raw, sizeof(bad));
	memcpy(bad + 48, raw + 80, 32);
	memcpy(bad + 80, raw + 48, 32);
	assert_int_equal(burrow_relay_ticket_decode(bad, sizeof(bad), &x, &why), 1);
	assert_string_equal(why, "the pair is not ordered (a < b)");
	memcpy(bad + 80, bad + 48, 32);
	assert_int_equal(burrow_relay_ticket_decode(bad, sizeof(bad), &x, &why), 1);
	/* encode refuses what decode refuses. */
	x = t;
	x.id = 0;
	assert_int_equal(burrow_relay_ticket_encode(&x, bad), -EINVAL);

	/* Text: truncated, trailing, not base64. */
	burrow_relay_ticket_to_text(&t, text);
	text[BURROW_RELAY_TICKET_TEXT_LEN - 4] = '\0';
	assert_int_equal(burrow_relay_ticket_from_text(text, &x, &why), 1);
	assert_string_equal(why, "truncated");
	burrow_relay_ticket_to_text(&t, text);
	strcat(text, "AAAA");
	assert_int_equal(burrow_relay_ticket_from_text(text, &x, &why), 1);
	assert_string_equal(why, "trailing bytes");
	burrow_relay_ticket_to_text(&t, text);
	text[10] = '*';
	assert_int_equal(burrow_relay_ticket_from_text(text, &x, &why), 1);
	assert_string_equal(why, "not base64");
	assert_int_equal(burrow_relay_ticket_from_text("", &x, &why), 1);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/*
 * 20,000 mutated tickets (bit flips, byte sets, truncation, extension) and
 * random byte strings: decode never reads out of bounds (ASan), and a
 * ticket that verifies has exactly the original's signed body.
 */
static void test_fuzz(void **state)
{
	struct burrow_relay_ticket t, x;
	uint8_t raw[BURROW_RELAY_TICKET_LEN], buf[BURROW_RELAY_TICKET_LEN + 16];
	const char *why;
	size_t decoded = 0;

	(void)state;
	issue(&t);
	assert_int_equal(burrow_relay_ticket_encode(&t, raw), 0);
	for (int i = 0; i < 20000; i++) {
		size_t len = sizeof(raw);

		memcpy(buf, raw, sizeof(raw));
		if (i % 8 == 7) {
			len = next() % sizeof(buf);
			for (size_t j = 0; j < len; j++)
				buf[j] = (uint8_t)next();
		} else {
			for (uint32_t m = next() % 3 + 1; m; m--) {
				uint32_t pos = next() % sizeof(raw);

				switch (next() % 4) {
				case 0:
					buf[pos] ^= (uint8_t)(1u << (next() % 8));
					break;
				case 1:
					buf[pos] = (uint8_t)next();
					break;
				case 2:
					len = pos;
					break;
				case 3:
					len = sizeof(raw) + next() % 16;
					break;
				}
			}
		}
		/* An exact-size heap copy, so ASan sees any read past the end. */
		uint8_t *copy = malloc(len ? len : 1);

		assert_non_null(copy);
		memcpy(copy, buf, len);
		if (burrow_relay_ticket_decode(copy, len, &x, &why) == 0) {
			decoded++;
			if (verify(&x, n1.public_key) == 0 || verify(&x, n2.public_key) == 0) {
				uint8_t back[BURROW_RELAY_TICKET_LEN];

				assert_int_equal(burrow_relay_ticket_encode(&x, back), 0);
				assert_memory_equal(back, raw, BURROW_RELAY_TICKET_BODY_LEN);
			}
		} else {
			assert_non_null(why);
		}
		free(copy);
	}
	assert_true(decoded > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_roundtrip),
		cmocka_unit_test(test_issue_refused),
		cmocka_unit_test(test_verify_reasons),
		cmocka_unit_test(test_every_byte_tampered),
		cmocka_unit_test(test_decode_malformed),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
