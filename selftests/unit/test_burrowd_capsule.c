// SPDX-License-Identifier: GPL-2.0
/*
 * QUIC varints and RFC 9297 capsules: RFC 9000 §A.1 sample encodings, the
 * boundaries of every length class, round trips, and every malformed case
 * (truncated varint, non-minimal encoding, length beyond the buffer,
 * oversize value), plus the stream reassembler fed byte by byte.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "capsule.h"

static void test_varint_rfc9000_samples(void **state)
{
	/* RFC 9000 Appendix A.1 */
	static const uint8_t v8[] = { 0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c };
	static const uint8_t v4[] = { 0x9d, 0x7f, 0x3e, 0x7d };
	static const uint8_t v2[] = { 0x7b, 0xbd };
	static const uint8_t v1[] = { 0x25 };
	uint8_t buf[8];
	uint64_t v;

	(void)state;
	assert_int_equal(burrow_varint_decode(v8, sizeof(v8), &v), 8);
	assert_true(v == UINT64_C(151288809941952652));
	assert_int_equal(burrow_varint_decode(v4, sizeof(v4), &v), 4);
	assert_true(v == 494878333);
	assert_int_equal(burrow_varint_decode(v2, sizeof(v2), &v), 2);
	assert_true(v == 15293);
	assert_int_equal(burrow_varint_decode(v1, sizeof(v1), &v), 1);
	assert_true(v == 37);

	assert_int_equal(burrow_varint_encode(UINT64_C(151288809941952652), buf, sizeof(buf)), 8);
	assert_memory_equal(buf, v8, 8);
	assert_int_equal(burrow_varint_encode(494878333, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, v4, 4);
	assert_int_equal(burrow_varint_encode(15293, buf, sizeof(buf)), 2);
	assert_memory_equal(buf, v2, 2);
	assert_int_equal(burrow_varint_encode(37, buf, sizeof(buf)), 1);
	assert_memory_equal(buf, v1, 1);
}

static void test_varint_boundaries_round_trip(void **state)
{
	static const struct { uint64_t v; size_t len; } cases[] = {
		{ 0, 1 }, { 63, 1 }, { 64, 2 }, { 16383, 2 }, { 16384, 4 },
		{ (UINT64_C(1) << 30) - 1, 4 }, { UINT64_C(1) << 30, 8 },
		{ BURROW_VARINT_MAX, 8 },
	};
	uint8_t buf[8];
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(burrow_varint_len(cases[i].v), cases[i].len);
		assert_int_equal(burrow_varint_encode(cases[i].v, buf, sizeof(buf)), cases[i].len);
		assert_int_equal(burrow_varint_decode(buf, cases[i].len, &v), (int)cases[i].len);
		assert_true(v == cases[i].v);
		/* Every shorter prefix is truncated. */
		for (size_t cut = 0; cut < cases[i].len; cut++)
			assert_int_equal(burrow_varint_decode(buf, cut, &v), -EAGAIN);
		/* No room: nothing written. */
		assert_int_equal(burrow_varint_encode(cases[i].v, buf, cases[i].len - 1), 0);
	}
	/* 2^62 and above cannot be encoded. */
	assert_int_equal(burrow_varint_len(BURROW_VARINT_MAX + 1), 0);
	assert_int_equal(burrow_varint_encode(BURROW_VARINT_MAX + 1, buf, sizeof(buf)), 0);
	assert_int_equal(burrow_varint_encode(UINT64_MAX, buf, sizeof(buf)), 0);
}

static void test_varint_non_minimal_refused(void **state)
{
	/* 37 in 2, 4 and 8 bytes; 64 in 4 bytes; 16384 in 8 bytes. */
	static const uint8_t two[] = { 0x40, 0x25 };
	static const uint8_t four[] = { 0x80, 0x00, 0x00, 0x25 };
	static const uint8_t eight[] = { 0xc0, 0, 0, 0, 0, 0, 0, 0x25 };
	static const uint8_t four64[] = { 0x80, 0x00, 0x00, 0x40 };
	static const uint8_t eight16384[] = { 0xc0, 0, 0, 0, 0, 0, 0x40, 0x00 };
	uint64_t v = 12345;

	(void)state;
	assert_int_equal(burrow_varint_decode(two, sizeof(two), &v), -EBADMSG);
	assert_int_equal(burrow_varint_decode(four, sizeof(four), &v), -EBADMSG);
	assert_int_equal(burrow_varint_decode(eight, sizeof(eight), &v), -EBADMSG);
	assert_int_equal(burrow_varint_decode(four64, sizeof(four64), &v), -EBADMSG);
	assert_int_equal(burrow_varint_decode(eight16384, sizeof(eight16384), &v), -EBADMSG);
	assert_true(v == 12345);	/* untouched on failure */
}

static void test_capsule_round_trip(void **state)
{
	uint8_t value[300], buf[400];
	struct burrow_capsule c;
	int n;

	(void)state;
	for (size_t i = 0; i < sizeof(value); i++)
		value[i] = (uint8_t)i;
	n = burrow_capsule_encode(BURROW_CAPSULE_HELLO, value, sizeof(value), buf, sizeof(buf));
	/* 0x2b0b01 needs 4 bytes; 300 needs 2. */
	assert_int_equal(n, 4 + 2 + 300);
	assert_int_equal(burrow_capsule_parse(buf, (size_t)n, &c), n);
	assert_true(c.type == BURROW_CAPSULE_HELLO);
	assert_int_equal(c.length, 300);
	assert_memory_equal(c.value, value, 300);
	assert_ptr_equal(c.value, buf + 6);

	/* Empty value. */
	n = burrow_capsule_encode(BURROW_CAPSULE_ROTATE_REQUEST, NULL, 0, buf, sizeof(buf));
	assert_int_equal(n, 5);
	assert_int_equal(burrow_capsule_parse(buf, 5, &c), 5);
	assert_int_equal(c.length, 0);

	/* Two capsules back to back: parse returns only the first's size. */
	n = burrow_capsule_encode(0x21, value, 3, buf, sizeof(buf));
	assert_int_equal(n, 5);
	assert_int_equal(burrow_capsule_encode(0x00, value, 1, buf + 5, sizeof(buf) - 5), 3);
	assert_int_equal(burrow_capsule_parse(buf, 8, &c), 5);
	assert_true(c.type == 0x21);
}

static void test_capsule_malformed(void **state)
{
	static uint8_t big[BURROW_CAPSULE_VALUE_MAX + 1];
	uint8_t buf[BURROW_CAPSULE_VALUE_MAX + 16] = { 0 };
	struct burrow_capsule c;
	int n;

	(void)state;
	/* Nothing at all, a truncated type, a truncated length. */
	assert_int_equal(burrow_capsule_parse(buf, 0, &c), -EAGAIN);
	buf[0] = 0x80;	/* 4-byte type */
	assert_int_equal(burrow_capsule_parse(buf, 3, &c), -EAGAIN);
	buf[0] = 0x01;	/* type 1, then a 2-byte length with one byte present */
	buf[1] = 0x41;
	assert_int_equal(burrow_capsule_parse(buf, 2, &c), -EAGAIN);
	/* Length beyond the buffer: needs more. */
	buf[1] = 0x05;
	assert_int_equal(burrow_capsule_parse(buf, 2 + 4, &c), -EAGAIN);
	assert_int_equal(burrow_capsule_parse(buf, 2 + 5, &c), 7);
	/* Non-minimal type, non-minimal length. */
	buf[0] = 0x40; buf[1] = 0x01; buf[2] = 0x00;
	assert_int_equal(burrow_capsule_parse(buf, 3, &c), -EBADMSG);
	buf[0] = 0x01; buf[1] = 0x40; buf[2] = 0x00;
	assert_int_equal(burrow_capsule_parse(buf, 3, &c), -EBADMSG);
	/* Oversize: refused from the header alone, before the value arrives. */
	buf[0] = 0x01; buf[1] = 0x50; buf[2] = 0x01;	/* 4097 */
	assert_int_equal(burrow_capsule_parse(buf, 3, &c), -EMSGSIZE);
	buf[0] = 0x01; buf[1] = 0xbf; buf[2] = 0xff; buf[3] = 0xff; buf[4] = 0xff;
	assert_int_equal(burrow_capsule_parse(buf, 5, &c), -EMSGSIZE);
	/* Exactly the maximum is fine. */
	n = burrow_capsule_encode(0x01, big, BURROW_CAPSULE_VALUE_MAX, buf, sizeof(buf));
	assert_int_equal(n, 1 + 2 + BURROW_CAPSULE_VALUE_MAX);
	assert_int_equal(burrow_capsule_parse(buf, (size_t)n, &c), n);

	/* Encoder refusals. */
	assert_int_equal(burrow_capsule_encode(1, big, BURROW_CAPSULE_VALUE_MAX + 1, buf, sizeof(buf)),
			 -EMSGSIZE);
	assert_int_equal(burrow_capsule_encode(BURROW_VARINT_MAX + 1, NULL, 0, buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(burrow_capsule_encode(1, big, 10, buf, 11), -EMSGSIZE);
	assert_int_equal(burrow_capsule_encode(BURROW_CAPSULE_HELLO, NULL, 0, buf, 3), -EMSGSIZE);
}

static void test_types_avoid_grease_and_standards_range(void **state)
{
	static const uint64_t types[] = {
		BURROW_CAPSULE_HELLO, BURROW_CAPSULE_REFUSE, BURROW_CAPSULE_ROTATE_REQUEST,
		BURROW_CAPSULE_ROTATE_OFFER, BURROW_CAPSULE_ROTATE_ACCEPT,
		BURROW_CAPSULE_ROTATE_CONFIRM, BURROW_CAPSULE_ROTATE_DONE,
		BURROW_CAPSULE_ROUTE_REFUSED,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		assert_true(types[i] > 0x3f);
		/* RFC 9297 §5.4 reserves 0x29 * N + 0x17 (not HTTP/3's 0x1f * N + 0x21). */
		assert_true(types[i] < 0x17 || (types[i] - 0x17) % 0x29 != 0);
		assert_string_not_equal(burrow_capsule_type_name(types[i]), "unknown");
	}
	for (uint64_t n = 0; n < 1000; n++)
		assert_false(burrow_capsule_type_known(0x29 * n + 0x17));
	assert_string_equal(burrow_capsule_type_name(0x17), "unknown");
}

static void test_cursor_and_writer(void **state)
{
	uint8_t buf[16];
	struct burrow_writer w;
	struct burrow_cursor c;

	(void)state;
	burrow_writer_init(&w, buf, sizeof(buf));
	burrow_writer_varint(&w, 5);
	burrow_writer_bytes(&w, (const uint8_t *)"abc", 3);
	burrow_writer_varint(&w, 70000);
	assert_int_equal(w.error, 0);
	assert_int_equal(w.len, 1 + 3 + 4);

	burrow_cursor_init(&c, buf, w.len);
	assert_true(burrow_cursor_varint(&c) == 5);
	assert_memory_equal(burrow_cursor_bytes(&c, 3), "abc", 3);
	assert_true(burrow_cursor_varint(&c) == 70000);
	assert_int_equal(burrow_cursor_finish(&c), 0);

	/* Trailing bytes. */
	burrow_cursor_init(&c, buf, w.len);
	burrow_cursor_varint(&c);
	assert_int_equal(burrow_cursor_finish(&c), -EBADMSG);
	/* A truncated varint inside a value is malformed, and it sticks. */
	burrow_cursor_init(&c, buf, 6);
	burrow_cursor_varint(&c);
	burrow_cursor_bytes(&c, 3);
	burrow_cursor_varint(&c);
	assert_int_equal(c.error, -EBADMSG);
	assert_null(burrow_cursor_bytes(&c, 0));
	assert_int_equal(burrow_cursor_finish(&c), -EBADMSG);
	/* Bytes beyond the value. */
	burrow_cursor_init(&c, buf, 2);
	assert_null(burrow_cursor_bytes(&c, 3));
	assert_int_equal(burrow_cursor_finish(&c), -EBADMSG);

	/* Writer overflow sticks. */
	burrow_writer_init(&w, buf, 4);
	burrow_writer_bytes(&w, (const uint8_t *)"abc", 3);
	burrow_writer_varint(&w, 70000);
	assert_int_equal(w.error, -EMSGSIZE);
	burrow_writer_varint(&w, 1);
	assert_int_equal(w.len, 3);
}

static void test_reader_byte_by_byte(void **state)
{
	uint8_t stream[64];
	struct burrow_capsule_reader r;
	struct burrow_capsule c;
	size_t len = 0, seen = 0, ends[3];
	uint64_t types[3];
	int n;

	(void)state;
	n = burrow_capsule_encode(BURROW_CAPSULE_HELLO, (const uint8_t *)"hello", 5, stream, 64);
	ends[0] = len += (size_t)n;
	/* a greasing type (0x29 * 1 + 0x17): skipped inside the reader */
	n = burrow_capsule_encode(0x40, (const uint8_t *)"grease", 6, stream + len, 64 - len);
	ends[1] = len += (size_t)n;
	n = burrow_capsule_encode(BURROW_CAPSULE_ROTATE_REQUEST, NULL, 0, stream + len, 64 - len);
	ends[2] = len += (size_t)n;

	burrow_capsule_reader_init(&r);
	for (size_t i = 0; i < len; i++) {
		assert_int_equal(burrow_capsule_reader_push(&r, stream + i, 1), 0);
		while ((n = burrow_capsule_reader_next(&r, &c)) == 1) {
			assert_true(seen < 2);
			types[seen++] = c.type;
			if (c.type == BURROW_CAPSULE_HELLO)
				assert_memory_equal(c.value, "hello", 5);
		}
		assert_int_equal(n, 0);
		/* Nothing partial exactly at the end of a capsule. */
		assert_true(burrow_capsule_reader_partial(&r) ==
			    (i + 1 != ends[0] && i + 1 != ends[1] && i + 1 != ends[2]));
		assert_int_equal(seen, (i + 1 >= ends[0]) + (i + 1 >= ends[2]));
		assert_true(r.skipped == (i + 1 >= ends[0] + 3));	/* once its 3-byte header is in */
	}
	assert_int_equal(seen, 2);
	assert_true(types[0] == BURROW_CAPSULE_HELLO);
	assert_true(types[1] == BURROW_CAPSULE_ROTATE_REQUEST);
	burrow_capsule_reader_free(&r);
}

static void test_reader_malformed_sticks(void **state)
{
	static const uint8_t oversize[] = { 0x01, 0x7f, 0xff };
	static const uint8_t non_minimal[] = { 0x40, 0x01, 0x00 };
	struct burrow_capsule_reader r;
	struct burrow_capsule c;

	(void)state;
	burrow_capsule_reader_init(&r);
	assert_int_equal(burrow_capsule_reader_push(&r, oversize, sizeof(oversize)), 0);
	assert_int_equal(burrow_capsule_reader_next(&r, &c), -EMSGSIZE);
	assert_int_equal(burrow_capsule_reader_next(&r, &c), -EMSGSIZE);
	assert_int_equal(burrow_capsule_reader_push(&r, oversize, 1), -EMSGSIZE);
	burrow_capsule_reader_free(&r);

	burrow_capsule_reader_init(&r);
	assert_int_equal(burrow_capsule_reader_push(&r, non_minimal, sizeof(non_minimal)), 0);
	assert_int_equal(burrow_capsule_reader_next(&r, &c), -EBADMSG);
	burrow_capsule_reader_free(&r);
}

/*
 * RFC 9297 §3.2: a capsule of an unknown type MUST be skipped, whatever
 * its length: a 70000-byte one does not close the stream (-EMSGSIZE is for
 * a known type over 4096). Fed in 1 KiB chunks it never makes the reader
 * buffer more than a chunk, and the capsule after it is returned.
 */
static void test_reader_skips_large_unknown(void **state)
{
	static uint8_t stream[80000];
	struct burrow_capsule_reader r;
	struct burrow_capsule c;
	size_t len = 0, returned = 0, max_cap = 0;
	int n;

	(void)state;
	len += burrow_varint_encode(0x2b0bff, stream, sizeof(stream));
	len += burrow_varint_encode(70000, stream + len, sizeof(stream) - len);
	memset(stream + len, 0xa5, 70000);
	len += 70000;
	n = burrow_capsule_encode(BURROW_CAPSULE_HELLO, (const uint8_t *)"hi", 2, stream + len,
				  sizeof(stream) - len);
	len += (size_t)n;

	burrow_capsule_reader_init(&r);
	for (size_t off = 0; off < len; off += 1024) {
		size_t chunk = len - off < 1024 ? len - off : 1024;

		assert_int_equal(burrow_capsule_reader_push(&r, stream + off, chunk), 0);
		while ((n = burrow_capsule_reader_next(&r, &c)) == 1) {
			assert_true(c.type == BURROW_CAPSULE_HELLO);
			assert_memory_equal(c.value, "hi", 2);
			returned++;
		}
		assert_int_equal(n, 0);
		if (r.cap > max_cap)
			max_cap = r.cap;
	}
	assert_int_equal(returned, 1);
	assert_true(r.skipped == 1);
	assert_true(max_cap <= 2048);
	assert_false(burrow_capsule_reader_partial(&r));
	burrow_capsule_reader_free(&r);

	/* The same stream in one push: still skipped, the HELLO still returned. */
	burrow_capsule_reader_init(&r);
	assert_int_equal(burrow_capsule_reader_push(&r, stream, len), 0);
	assert_int_equal(burrow_capsule_reader_next(&r, &c), 1);
	assert_true(c.type == BURROW_CAPSULE_HELLO);
	assert_int_equal(burrow_capsule_reader_next(&r, &c), 0);
	burrow_capsule_reader_free(&r);
}

/*
 * An unknown capsule's type and length may use non-minimal varints
 * (RFC 9000 §16 allows them); it is skipped, not malformed. Known types
 * stay strict (test_reader_malformed_sticks).
 */
static void test_reader_skips_unknown_non_minimal(void **state)
{
	static const uint8_t stream[] = {
		0xc0, 0, 0, 0, 0, 0, 0, 0x17,	/* type 0x17 (grease) in 8 bytes */
		0x40, 0x05,			/* length 5 in 2 bytes */
		1, 2, 3, 4, 5,
		0x80, 0x2b, 0x0b, 0x03, 0x00,	/* ROTATE_REQUEST, empty */
	};
	struct burrow_capsule_reader r;
	struct burrow_capsule c;

	(void)state;
	burrow_capsule_reader_init(&r);
	assert_int_equal(burrow_capsule_reader_push(&r, stream, sizeof(stream)), 0);
	assert_int_equal(burrow_capsule_reader_next(&r, &c), 1);
	assert_true(c.type == BURROW_CAPSULE_ROTATE_REQUEST);
	assert_true(r.skipped == 1);
	assert_int_equal(burrow_capsule_reader_next(&r, &c), 0);
	burrow_capsule_reader_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varint_rfc9000_samples),
		cmocka_unit_test(test_varint_boundaries_round_trip),
		cmocka_unit_test(test_varint_non_minimal_refused),
		cmocka_unit_test(test_capsule_round_trip),
		cmocka_unit_test(test_capsule_malformed),
		cmocka_unit_test(test_types_avoid_grease_and_standards_range),
		cmocka_unit_test(test_reader_skips_large_unknown),
		cmocka_unit_test(test_reader_skips_unknown_non_minimal),
		cmocka_unit_test(test_cursor_and_writer),
		cmocka_unit_test(test_reader_byte_by_byte),
		cmocka_unit_test(test_reader_malformed_sticks),
	};

	return cmocka_run_group_tests_name("burrowd capsules", tests, NULL, NULL);
}
