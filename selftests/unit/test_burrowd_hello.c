// SPDX-License-Identifier: GPL-2.0
/*
 * HELLO capsule: exact encoding, round trip, every malformed field, the
 * skipping of unknown capabilities, and the deterministic choice of session
 * parameters (same answer on both sides, refusal reasons).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "capsule.h"
#include "burrow-text.h"
#include "hello.h"

static struct burrow_hello sample(void)
{
	struct burrow_hello h;

	memset(&h, 0, sizeof(h));
	h.version = 1;
	strcpy(h.name, "n1");
	h.peer_id = 7;
	h.ciphers[0] = 0;
	h.ciphers[1] = 2;
	h.n_ciphers = 2;
	h.encaps[0] = 0;
	h.encaps[1] = 1;
	h.n_encaps = 2;
	h.mtu = 1420;
	h.cids[0].len = 2;
	h.cids[0].id[0] = 0xaa;
	h.cids[0].id[1] = 0xbb;
	h.n_cids = 1;
	return h;
}

/* The bytes of sample(), field by field. */
static const uint8_t sample_bytes[] = {
	0x01,			/* version 1 */
	0x02, 'n', '1',		/* name */
	0x07,			/* peer id */
	0x02, 0x00, 0x02,	/* ciphers chacha20-poly1305, aes-256-gcm */
	0x02, 0x00, 0x01,	/* encaps udp, quic */
	0x45, 0x8c,		/* mtu 1420 */
	0x01, 0x02, 0xaa, 0xbb,	/* one cid */
};

static void test_encode_exact_and_round_trip(void **state)
{
	struct burrow_hello h = sample(), back;
	uint8_t buf[256];
	char why[128];
	int n;

	(void)state;
	n = burrow_hello_encode(&h, buf, sizeof(buf), why, sizeof(why));
	assert_int_equal(n, sizeof(sample_bytes));
	assert_memory_equal(buf, sample_bytes, sizeof(sample_bytes));
	assert_int_equal(burrow_hello_decode(buf, (size_t)n, &back, why, sizeof(why)), 0);
	assert_memory_equal(&back, &h, sizeof(h));
	/* Too small an output buffer. */
	assert_int_equal(burrow_hello_encode(&h, buf, 5, why, sizeof(why)), -EMSGSIZE);
}

static void test_encode_refuses_bad_hello(void **state)
{
	struct burrow_hello h;
	uint8_t buf[256];
	char why[128];

	(void)state;
	h = sample();
	strcpy(h.name, "bad name");
	assert_int_equal(burrow_hello_encode(&h, buf, sizeof(buf), why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "invalid node name 'bad name'");
	h = sample();
	h.name[0] = '\0';
	assert_int_equal(burrow_hello_encode(&h, buf, sizeof(buf), why, sizeof(why)), -EINVAL);
	h = sample();
	h.mtu = 100;
	assert_int_equal(burrow_hello_encode(&h, buf, sizeof(buf), why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "mtu 100 outside 1280-65535");
	h = sample();
	h.peer_id = 0;
	assert_int_equal(burrow_hello_encode(&h, buf, sizeof(buf), why, sizeof(why)), -EINVAL);
	h = sample();
	h.cids[0].len = 21;
	assert_int_equal(burrow_hello_encode(&h, buf, sizeof(buf), why, sizeof(why)), -EINVAL);
}

/* Decode sample_bytes with one byte replaced; expect failure naming field. */
static void expect_malformed(const uint8_t *bytes, size_t len, const char *field)
{
	struct burrow_hello h;
	char why[128] = "";

	assert_int_equal(burrow_hello_decode(bytes, len, &h, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, field));
}

static void test_decode_malformed(void **state)
{
	uint8_t b[sizeof(sample_bytes) + 1];

	(void)state;
	/* Every truncation of a valid HELLO is malformed. */
	for (size_t cut = 0; cut < sizeof(sample_bytes); cut++) {
		struct burrow_hello h;
		char why[128];

		assert_int_equal(burrow_hello_decode(sample_bytes, cut, &h, why, sizeof(why)),
				 -EBADMSG);
	}
	/*
	 * A byte after the connection ids starts the optional link mode
	 * field: 0 there is malformed (l3 is said by leaving it out), and so
	 * is a mode without its segment count. Trailing bytes after a
	 * complete mode field: test_l2_decode_malformed.
	 */
	memcpy(b, sample_bytes, sizeof(sample_bytes));
	b[sizeof(sample_bytes)] = 0;
	expect_malformed(b, sizeof(b), "link mode 0");
	b[sizeof(sample_bytes)] = 1;
	expect_malformed(b, sizeof(b), "truncated segment count");

#define MUTATE(offset, value, field) do { \
		memcpy(b, sample_bytes, sizeof(sample_bytes)); \
		b[offset] = value; \
		expect_malformed(b, sizeof(sample_bytes), field); \
	} while (0)
	MUTATE(0, 0x00, "version 0");
	MUTATE(1, 0x00, "name length");
	MUTATE(1, 0x3f, "truncated node name");	/* 63 bytes claimed, 15 there */
	MUTATE(2, ' ', "characters");
	MUTATE(3, 0x00, "characters");	/* an embedded NUL */
	MUTATE(4, 0x00, "peer id");
	MUTATE(5, 0x11, "cipher list");	/* 17 > list maximum */
	MUTATE(5, 0x03, "mtu");	/* eats the encap count; the mtu becomes 1 */
	MUTATE(8, 0x11, "encapsulation list");
	MUTATE(11, 0x40, "mtu");		/* mtu 0x008c < 1280: also non-minimal */
	MUTATE(11, 0x80, "mtu");		/* 4-byte varint 0x8c0102 */
	MUTATE(13, 0x05, "connection id count");
	MUTATE(14, 0x00, "connection id length");
	MUTATE(14, 0x15, "connection id length");
	MUTATE(14, 0x03, "truncated connection id");
#undef MUTATE
}

static void test_decode_skips_unknown_and_duplicates(void **state)
{
	static const uint8_t bytes[] = {
		0x02,			/* version 2: decodable, refused by select */
		0x01, 'x',
		0x01,
		0x04, 0x09, 0x01, 0x01, 0x25,	/* unknown 9, aes-128 twice, unknown 37 */
		0x01, 0x00,
		0x45, 0x00,		/* mtu 1280 */
		0x00,
	};
	struct burrow_hello h;
	char why[128];

	(void)state;
	assert_int_equal(burrow_hello_decode(bytes, sizeof(bytes), &h, why, sizeof(why)), 0);
	assert_true(h.version == 2);
	assert_int_equal(h.n_ciphers, 1);
	assert_int_equal(h.ciphers[0], 1);
	assert_int_equal(h.mtu, 1280);
	assert_int_equal(h.n_cids, 0);
}

/*
 * A peer's HELLO may not ask for a tunnel MTU below 1280 (RFC 9484 §7.2):
 * it would set the shared device MTU below what IPv6 needs, for every
 * other session too.
 */
static void test_decode_mtu_below_1280_refused(void **state)
{
	static const uint8_t base[] = {
		0x01, 0x01, 'x', 0x01, 0x01, 0x01, 0x01, 0x00,
		0x44, 0xff,		/* mtu 1279 */
		0x00,
	};
	uint8_t b[sizeof(base)];
	struct burrow_hello h;
	char why[128] = "";

	(void)state;
	memcpy(b, base, sizeof(b));
	assert_int_equal(burrow_hello_decode(b, sizeof(b), &h, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "mtu 1279 outside 1280-65535");
	b[8] = 0x42;
	b[9] = 0x40;		/* 576 */
	assert_int_equal(burrow_hello_decode(b, sizeof(b), &h, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "mtu 576 outside 1280-65535");
	b[8] = 0x45;
	b[9] = 0x00;		/* 1280 */
	assert_int_equal(burrow_hello_decode(b, sizeof(b), &h, why, sizeof(why)), 0);
	assert_int_equal(h.mtu, 1280);
}

static void test_select_deterministic(void **state)
{
	struct burrow_hello client = sample(), server = sample();
	struct burrow_session_params p1, p2;
	char why[160];

	(void)state;
	/* The client's preference wins: aes-256-gcm first at the client. */
	client.ciphers[0] = 2;
	client.ciphers[1] = 0;
	server.mtu = 1300;
	assert_int_equal(burrow_hello_select(&client, &server, &p1, why, sizeof(why)), 0);
	assert_int_equal(p1.cipher, 2);
	assert_int_equal(p1.encap, 0);
	assert_int_equal(p1.mtu, 1300);
	assert_true(p1.version == 1);
	/* The other node computes with the same argument order: same result. */
	assert_int_equal(burrow_hello_select(&client, &server, &p2, why, sizeof(why)), 0);
	assert_memory_equal(&p1, &p2, sizeof(p1));

	/* quic first at the client but no CIDs at the server: udp. */
	client.encaps[0] = 1;
	client.encaps[1] = 0;
	server.n_cids = 0;
	assert_int_equal(burrow_hello_select(&client, &server, &p1, why, sizeof(why)), 0);
	assert_int_equal(p1.encap, 0);
	server.n_cids = 1;
	assert_int_equal(burrow_hello_select(&client, &server, &p1, why, sizeof(why)), 0);
	assert_int_equal(p1.encap, 1);
}

static void test_select_refusals(void **state)
{
	struct burrow_hello client = sample(), server = sample();
	struct burrow_session_params p;
	char why[160];

	(void)state;
	client.ciphers[0] = 1;
	client.n_ciphers = 1;
	assert_int_equal(burrow_hello_select(&client, &server, &p, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "no common cipher: client offers [aes-128-gcm], "
			    "server offers [chacha20-poly1305,aes-256-gcm]");

	client = sample();
	client.encaps[0] = 1;
	client.n_encaps = 1;
	server.encaps[0] = 0;
	server.n_encaps = 1;
	assert_int_equal(burrow_hello_select(&client, &server, &p, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "no common encapsulation: client offers [quic], server offers [udp]");

	client = sample();
	server = sample();
	client.n_ciphers = 0;
	assert_int_equal(burrow_hello_select(&client, &server, &p, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "no common cipher: client offers [], "
			    "server offers [chacha20-poly1305,aes-256-gcm]");

	client = sample();
	client.version = 2;
	server.version = 2;
	assert_int_equal(burrow_hello_select(&client, &server, &p, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "no common protocol version: client speaks up to 2, server up to 2");
	/* A newer peer talking to a version-1 node settles on 1. */
	server.version = 1;
	assert_int_equal(burrow_hello_select(&client, &server, &p, why, sizeof(why)), 0);
	assert_true(p.version == 1);
}

/* sample() in mode l2 with segments 0, 10, 300. */
static struct burrow_hello sample_l2(void)
{
	struct burrow_hello h = sample();

	h.mode = BURROW_HELLO_MODE_L2;
	h.segments[0] = 0;
	h.segments[1] = 10;
	h.segments[2] = 300;
	h.n_segments = 3;
	return h;
}

static const uint8_t l2_tail[] = {
	0x01,			/* mode l2 */
	0x03,			/* three segments */
	0x00, 0x0a, 0x41, 0x2c,	/* 0, 10, 300 */
};

static size_t l2_bytes(uint8_t *out)
{
	memcpy(out, sample_bytes, sizeof(sample_bytes));
	memcpy(out + sizeof(sample_bytes), l2_tail, sizeof(l2_tail));
	return sizeof(sample_bytes) + sizeof(l2_tail);
}

static void test_l2_encode_exact_and_round_trip(void **state)
{
	struct burrow_hello h = sample_l2(), back;
	uint8_t buf[256], want[64];
	size_t want_len = l2_bytes(want);
	char why[128];
	int n;

	(void)state;
	n = burrow_hello_encode(&h, buf, sizeof(buf), why, sizeof(why));
	assert_int_equal(n, want_len);
	assert_memory_equal(buf, want, want_len);
	assert_int_equal(burrow_hello_decode(buf, (size_t)n, &back, why, sizeof(why)), 0);
	assert_memory_equal(&back, &h, sizeof(h));
	/* l2 with no segment at all: the count is 0, still well formed. */
	h.n_segments = 0;
	n = burrow_hello_encode(&h, buf, sizeof(buf), why, sizeof(why));
	assert_int_equal(n, sizeof(sample_bytes) + 2);
	assert_int_equal(burrow_hello_decode(buf, (size_t)n, &back, why, sizeof(why)), 0);
	assert_int_equal(back.mode, BURROW_HELLO_MODE_L2);
	assert_int_equal(back.n_segments, 0);
	/* An l3 HELLO decodes as mode l3 (the field absent: older nodes). */
	assert_int_equal(burrow_hello_decode(sample_bytes, sizeof(sample_bytes), &back, why,
					     sizeof(why)), 0);
	assert_int_equal(back.mode, BURROW_HELLO_MODE_L3);
	assert_int_equal(back.n_segments, 0);
}

static void test_l2_encode_refusals(void **state)
{
	struct burrow_hello h;
	uint8_t buf[256];
	char why[128];

	(void)state;
	h = sample();
	h.segments[0] = 10;
	h.n_segments = 1;
	assert_int_equal(burrow_hello_encode(&h, buf, sizeof(buf), why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "1 segments in mode l3");
	h = sample_l2();
	h.segments[2] = 4095;
	assert_int_equal(burrow_hello_encode(&h, buf, sizeof(buf), why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "segment 4095 out of range or out of order");
	h = sample_l2();
	h.segments[2] = 10;
	assert_int_equal(burrow_hello_encode(&h, buf, sizeof(buf), why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "segment 10 out of range or out of order");
	h = sample_l2();
	h.n_segments = BURROW_HELLO_SEGMENTS_MAX + 1;
	assert_int_equal(burrow_hello_encode(&h, buf, sizeof(buf), why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "129 segments in mode l2");
	/* The most segments (2-byte varints) fit the buffer burrowd uses (1024 bytes). */
	h = sample_l2();
	for (size_t i = 0; i < BURROW_HELLO_SEGMENTS_MAX; i++)
		h.segments[i] = (uint16_t)(4094 - BURROW_HELLO_SEGMENTS_MAX + 1 + i);
	h.n_segments = BURROW_HELLO_SEGMENTS_MAX;
	{
		uint8_t big[1024];
		int n = burrow_hello_encode(&h, big, sizeof(big), why, sizeof(why));

		assert_int_equal(n, sizeof(sample_bytes) + 1 + 2 + 2 * BURROW_HELLO_SEGMENTS_MAX);
	}
}

static void test_l2_decode_malformed(void **state)
{
	uint8_t b[64];
	size_t len = l2_bytes(b);
	struct burrow_hello h;
	char why[128];

	(void)state;
	/* Every truncation inside the mode field is malformed. */
	for (size_t cut = sizeof(sample_bytes) + 1; cut < len; cut++)
		assert_int_equal(burrow_hello_decode(b, cut, &h, why, sizeof(why)), -EBADMSG);
	expect_malformed(b, sizeof(sample_bytes) + 1, "truncated segment count");
	expect_malformed(b, sizeof(sample_bytes) + 3, "truncated segment");
	expect_malformed(b, len - 1, "truncated segment");	/* half a 2-byte varint */
	/* A mode varint cut short. */
	b[sizeof(sample_bytes)] = 0x40;
	expect_malformed(b, sizeof(sample_bytes) + 1, "truncated link mode");
	/* Trailing bytes after a complete field. */
	len = l2_bytes(b);
	b[len] = 0;
	expect_malformed(b, len + 1, "1 trailing bytes");

#define L2_MUTATE(at, value, field) do { \
		len = l2_bytes(b); \
		b[sizeof(sample_bytes) + (at)] = value; \
		expect_malformed(b, len, field); \
	} while (0)
	L2_MUTATE(0, 0x00, "link mode 0");
	L2_MUTATE(1, 0x04, "truncated segment");
	L2_MUTATE(2, 0x0a, "segment 10 after 10");	/* duplicate */
	L2_MUTATE(3, 0x00, "segment 0 after 0");	/* not ascending */
#undef L2_MUTATE
	/* 4095 (reserved) and a count past the maximum. */
	len = l2_bytes(b);
	b[sizeof(sample_bytes) + 4] = 0x4f;
	b[sizeof(sample_bytes) + 5] = 0xff;
	expect_malformed(b, len, "segment 4095 outside 0-4094");
	len = l2_bytes(b);
	b[sizeof(sample_bytes) + 1] = 0x40;
	b[sizeof(sample_bytes) + 2] = 0x81;	/* 129 */
	expect_malformed(b, len, "129 segments (at most 128)");
}

static void test_l2_select(void **state)
{
	struct burrow_hello client = sample_l2(), server = sample_l2();
	struct burrow_session_params p, q;
	char why[160];

	(void)state;
	/* The intersection, ascending, the same on both sides. */
	client.segments[0] = 0;
	client.segments[1] = 10;
	client.segments[2] = 20;
	server.segments[0] = 0;
	server.segments[1] = 10;
	server.segments[2] = 30;
	assert_int_equal(burrow_hello_select(&client, &server, &p, why, sizeof(why)), 0);
	assert_int_equal(p.mode, BURROW_HELLO_MODE_L2);
	assert_int_equal(p.n_segments, 2);
	assert_int_equal(p.segments[0], 0);
	assert_int_equal(p.segments[1], 10);
	assert_int_equal(burrow_hello_select(&server, &client, &q, why, sizeof(why)), 0);
	assert_int_equal(q.n_segments, 2);
	assert_memory_equal(q.segments, p.segments, sizeof(p.segments));

	/* Nothing in common. */
	client.segments[0] = 20;
	client.n_segments = 1;
	server.segments[0] = 30;
	server.n_segments = 1;
	assert_int_equal(burrow_hello_select(&client, &server, &p, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "no common segment: client wants [20], server wants [30]");
	server.n_segments = 0;
	assert_int_equal(burrow_hello_select(&client, &server, &p, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "no common segment: client wants [20], server wants []");

	/* Mode mismatch, either way round, before any other refusal. */
	client = sample_l2();
	server = sample();
	server.n_ciphers = 0;
	assert_int_equal(burrow_hello_select(&client, &server, &p, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "link mode mismatch: client is l2, server is l3");
	assert_int_equal(burrow_hello_select(&server, &client, &p, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "link mode mismatch: client is l3, server is l2");
	/* A mode from a later version: decoded, then refused by name. */
	server = sample_l2();
	server.mode = 2;
	assert_int_equal(burrow_hello_select(&client, &server, &p, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "link mode mismatch: client is l2, server is mode 2");
	client.mode = 2;
	assert_int_equal(burrow_hello_select(&client, &server, &p, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "unknown link mode 2");

	/* Two l3 HELLOs: mode l3, no segments. */
	client = sample();
	server = sample();
	assert_int_equal(burrow_hello_select(&client, &server, &p, why, sizeof(why)), 0);
	assert_int_equal(p.mode, BURROW_HELLO_MODE_L3);
	assert_int_equal(p.n_segments, 0);
}

static void test_l2_decode_later_mode(void **state)
{
	uint8_t b[64];
	size_t len = l2_bytes(b);
	struct burrow_hello h;
	char why[128];

	(void)state;
	b[sizeof(sample_bytes)] = 0x02;
	assert_int_equal(burrow_hello_decode(b, len, &h, why, sizeof(why)), 0);
	assert_int_equal(h.mode, 2);
	assert_int_equal(h.n_segments, 3);
}

static void test_names(void **state)
{
	uint8_t v;

	(void)state;
	assert_int_equal(burrow_cipher_from_name("aes-256-gcm", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(burrow_cipher_from_name("rot13", &v), -EINVAL);
	assert_int_equal(burrow_encap_from_name("quic", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(burrow_encap_from_name("tcp", &v), -EINVAL);
	assert_null(burrow_cipher_name(3));
	assert_string_equal(burrow_encap_name(0), "udp");
	assert_true(burrow_hello_name_valid("node-1.example_x"));
	assert_false(burrow_hello_name_valid(""));
	assert_false(burrow_hello_name_valid("a/b"));
	assert_int_equal(burrow_text_parse_mode("l2", &v), 0);
	assert_int_equal(v, BURROW_HELLO_MODE_L2);
	assert_int_equal(burrow_text_parse_mode("l3", &v), 0);
	assert_int_equal(v, BURROW_HELLO_MODE_L3);
	assert_int_equal(burrow_text_parse_mode("ethernet", &v), -EINVAL);
	assert_string_equal(burrow_text_mode(1), "l2");
	assert_null(burrow_text_mode(2));
	assert_false(burrow_hello_name_valid(
		"0123456789012345678901234567890123456789012345678901234567890123"));
}

/* The segment list as status, events and refusals print it. */
static void test_segments_text(void **state)
{
	uint16_t all[BURROW_HELLO_SEGMENTS_MAX], few[] = { 0, 10, 4094 };
	char text[BURROW_HELLO_SEGMENTS_TEXT_SIZE], small[16];

	(void)state;
	assert_string_equal(burrow_hello_segments_text(few, 3, text, sizeof(text)), "0,10,4094");
	assert_string_equal(burrow_hello_segments_text(few, 0, text, sizeof(text)), "");
	/* The largest list, every id four digits, fits the named size whole. */
	for (size_t i = 0; i < BURROW_HELLO_SEGMENTS_MAX; i++)
		all[i] = (uint16_t)(3000 + i);
	burrow_hello_segments_text(all, BURROW_HELLO_SEGMENTS_MAX, text, sizeof(text));
	assert_int_equal(strlen(text), 5 * BURROW_HELLO_SEGMENTS_MAX - 1);
	assert_string_equal(text + strlen(text) - 5, ",3127");
	/* A short buffer is cut with "..." and stays terminated. */
	assert_string_equal(burrow_hello_segments_text(all, 4, small, sizeof(small)), "3000,3001...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_exact_and_round_trip),
		cmocka_unit_test(test_encode_refuses_bad_hello),
		cmocka_unit_test(test_decode_malformed),
		cmocka_unit_test(test_decode_skips_unknown_and_duplicates),
		cmocka_unit_test(test_decode_mtu_below_1280_refused),
		cmocka_unit_test(test_select_deterministic),
		cmocka_unit_test(test_select_refusals),
		cmocka_unit_test(test_l2_encode_exact_and_round_trip),
		cmocka_unit_test(test_l2_encode_refusals),
		cmocka_unit_test(test_l2_decode_malformed),
		cmocka_unit_test(test_l2_decode_later_mode),
		cmocka_unit_test(test_l2_select),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_segments_text),
	};

	return cmocka_run_group_tests_name("burrowd HELLO", tests, NULL, NULL);
}
