// SPDX-License-Identifier: GPL-2.0
/*
 * libburrow-nl's hex and base64 codec (burrow-encoding.h): the RFC 4648
 * vectors, every way to be refused (bad length, bad character, misplaced
 * or excess padding, non-zero leftover bits, a short output buffer), and
 * agreement with GnuTLS's decoders, which burrow-nl and burrowd used
 * before, on every short input over an alphabet of digits, their
 * neighbours and '='. GnuTLS is linked into this test only.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <gnutls/gnutls.h>

#include "burrow-encoding.h"

static int hex(const char *text, uint8_t *out, size_t out_size, size_t *out_len)
{
	return burrow_hex_decode(text, strlen(text), out, out_size, out_len);
}

static int b64(const char *text, uint8_t *out, size_t out_size, size_t *out_len)
{
	return burrow_base64_decode(text, strlen(text), out, out_size, out_len);
}

static void test_hex_accepted(void **state)
{
	static const uint8_t want[] = { 0x00, 0xff, 0x7f, 0xa0, 0x9b, 0xcd };
	uint8_t out[8];
	size_t len = 99;

	(void)state;
	assert_int_equal(hex("00fF7fA09bCd", out, sizeof(out), &len), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(hex("", out, sizeof(out), &len), 0);
	assert_int_equal(len, 0);
	/* Exactly as long as the buffer. */
	assert_int_equal(hex("0102030405060708", out, sizeof(out), &len), 0);
	assert_int_equal(len, 8);
}

static void test_hex_refused(void **state)
{
	/* Odd lengths, then one bad character in each position and class. */
	static const char *const bad[] = {
		"0", "000", "00f", "0g", "g0", "0G", "/0", "0:", "@0", "0`", "0 ", " 0",
		"00:11", "0x00", "\x80" "0", "0\xff", "00-1",
	};
	uint8_t out[8];
	size_t len = 99;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hex(bad[i], out, sizeof(out), &len), -EINVAL);
		assert_int_equal(len, 99);
	}
	/* A NUL inside the text is a bad character, not its end. */
	assert_int_equal(burrow_hex_decode("0\0", 2, out, sizeof(out), &len), -EINVAL);
	assert_int_equal(hex("010203040506070809", out, sizeof(out), &len), -ENOSPC);
	assert_int_equal(len, 99);
}

static void test_base64_accepted(void **state)
{
	/* RFC 4648 section 10. */
	static const char *const vectors[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	uint8_t out[8];
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		len = 99;
		assert_int_equal(b64(vectors[i][1], out, sizeof(out), &len), 0);
		assert_int_equal(len, strlen(vectors[i][0]));
		assert_memory_equal(out, vectors[i][0], len);
	}
	/* Every digit of the alphabet, and a result exactly as long as the buffer. */
	assert_int_equal(b64("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
			     (uint8_t[48]){ 0 }, 48, &len), 0);
	assert_int_equal(len, 48);
	assert_int_equal(b64("AAECAwQFBgc=", out, sizeof(out), &len), 0);
	assert_int_equal(len, 8);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(out[i], i);
}

static void test_base64_refused(void **state)
{
	static const char *const bad[] = {
		/* length not a multiple of 4 */
		"Z", "Zg", "Zg=", "Zm9vY", "Zm9vYg=", "Zm9vYmFy=",
		/* a character outside the alphabet */
		"Zm-v", "Zm_v", "Zm9 ", " Zm9", "Zm9\x80", "Zm9\xff", "Zm.v", "Zm:v", "Zm@v",
		"Zm[v", "Zm`v", "Zm{v", "Zm,v", "Zm9\nYmFy",
		/* '=' anywhere but the end, or more than two */
		"=Zm9", "Z=m9", "Zm=v", "Z===", "====", "Zg==Zg==", "Zm9vYg=A", "Zm9v====",
		/* leftover bits not zero */
		"Zh==", "Zm9=", "Zm9vYh==", "Zm9vYmF=",
	};
	uint8_t out[8];
	size_t len = 99;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(b64(bad[i], out, sizeof(out), &len), -EINVAL);
		assert_int_equal(len, 99);
	}
	assert_int_equal(burrow_base64_decode("Zm\0v", 4, out, sizeof(out), &len), -EINVAL);
	/* Eight bytes fit in eight, nine do not; the padding counts. */
	assert_int_equal(b64("Zm9vYmFyYmE=", out, sizeof(out), &len), 0);
	assert_int_equal(len, 8);
	len = 99;
	assert_int_equal(b64("Zm9vYmFyYmF6", out, sizeof(out), &len), -ENOSPC);
	assert_int_equal(b64("Zm9vYmFyYmF6", (uint8_t[9]){ 0 }, 9, &len), 0);
	assert_int_equal(len, 9);
}

static void test_base64_encode(void **state)
{
	static const char *const vectors[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	uint8_t bytes[64], back[64];
	char text[BURROW_BASE64_LEN(64) + 1];
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		size_t n = strlen(vectors[i][0]);

		assert_int_equal(burrow_base64_encode((const uint8_t *)vectors[i][0], n, text,
						      sizeof(text)), strlen(vectors[i][1]));
		assert_string_equal(text, vectors[i][1]);
	}
	/* Every byte value at every position of a group survives the round trip. */
	for (size_t n = 0; n <= sizeof(bytes); n++) {
		for (unsigned int seed = 0; seed < 8; seed++) {
			for (size_t i = 0; i < n; i++)
				bytes[i] = (uint8_t)(i * 37 + seed * 101 + (i >> 2) * seed);
			assert_int_equal(burrow_base64_encode(bytes, n, text, sizeof(text)),
					 BURROW_BASE64_LEN(n));
			assert_int_equal(b64(text, back, sizeof(back), &len), 0);
			assert_int_equal(len, n);
			assert_memory_equal(back, bytes, n);
		}
	}
	/* The NUL needs room too. */
	assert_int_equal(burrow_base64_encode((const uint8_t *)"foo", 3, text, 4), -ENOSPC);
	assert_int_equal(burrow_base64_encode((const uint8_t *)"foo", 3, text, 5), 4);
}

/* Does GnuTLS accept text, and with what result? */
static int gnutls_decode(bool is_hex, const char *text, size_t len, uint8_t *out,
			 size_t *out_len)
{
	gnutls_datum_t in = { (unsigned char *)text, (unsigned int)len }, res = { NULL, 0 };
	int ret = is_hex ? gnutls_hex_decode2(&in, &res) : gnutls_base64_decode2(&in, &res);

	if (ret >= 0) {
		memcpy(out, res.data, res.size);
		*out_len = res.size;
	}
	gnutls_free(res.data);
	return ret >= 0 ? 0 : -EINVAL;
}

static void compare_with_gnutls(bool is_hex, const char *text, size_t len)
{
	uint8_t ours[8], theirs[8];
	size_t ours_len = 0, theirs_len = 0;
	int a, b;

	a = is_hex ? burrow_hex_decode(text, len, ours, sizeof(ours), &ours_len) :
		     burrow_base64_decode(text, len, ours, sizeof(ours), &ours_len);
	b = gnutls_decode(is_hex, text, len, theirs, &theirs_len);
	/* GnuTLS decodes the empty string to nothing but calls it an error in hex. */
	if (len == 0)
		return;
	if (a != b)
		fail_msg("%s '%.*s': ours %d, GnuTLS %d", is_hex ? "hex" : "base64", (int)len,
			 text, a, b);
	if (a == 0) {
		assert_int_equal(ours_len, theirs_len);
		assert_memory_equal(ours, theirs, ours_len);
	}
}

/*
 * Every string of up to 4 (base64) or 5 (hex) characters over an alphabet
 * of each digit range's ends, the characters just outside them and '='.
 * Whitespace is left out: GnuTLS skips it, while burrow's callers refuse it
 * before decoding (and so does this codec). Non-hex characters are left out
 * for hex: GnuTLS skips those too, and burrow-nl only decodes all-hex text.
 */
static void test_same_as_gnutls(void **state)
{
	static const char b64_alphabet[] = "AZaz09+/=@[`{/:,-.Qg";
	static const char hex_alphabet[] = "09afAF7c";
	char text[5];

	(void)state;
	for (size_t len = 1; len <= 4; len++) {
		size_t n = strlen(b64_alphabet), total = 1;

		for (size_t i = 0; i < len; i++)
			total *= n;
		for (size_t k = 0; k < total; k++) {
			for (size_t i = 0, v = k; i < len; i++, v /= n)
				text[i] = b64_alphabet[v % n];
			compare_with_gnutls(false, text, len);
		}
	}
	for (size_t len = 1; len <= 5; len++) {
		size_t n = strlen(hex_alphabet), total = 1;

		for (size_t i = 0; i < len; i++)
			total *= n;
		for (size_t k = 0; k < total; k++) {
			for (size_t i = 0, v = k; i < len; i++, v /= n)
				text[i] = hex_alphabet[v % n];
			compare_with_gnutls(true, text, len);
		}
	}
	/* Eight characters: padding and leftover bits in a second group. */
	compare_with_gnutls(false, "Zm9vYh==", 8);
	compare_with_gnutls(false, "Zm9vYmF=", 8);
	compare_with_gnutls(false, "Zm9v=A==", 8);
	compare_with_gnutls(false, "Zm9vYg==", 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_accepted),
		cmocka_unit_test(test_hex_refused),
		cmocka_unit_test(test_base64_accepted),
		cmocka_unit_test(test_base64_refused),
		cmocka_unit_test(test_base64_encode),
		cmocka_unit_test(test_same_as_gnutls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
