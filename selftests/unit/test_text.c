// SPDX-License-Identifier: GPL-2.0
/*
 * libburrow-nl's text forms (burrow-text.h), which burrow-nl and burrowd
 * share: prefixes and endpoints in both directions, the refusals with the
 * text they quote, and the JSON string writer.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "burrow-text.h"

/* Parse text as a prefix and print it back; assert it round-trips to want. */
static void prefix_round_trip(const char *text, unsigned int flags, const char *want)
{
	struct burrow_nl_prefix prefix;
	char why[256] = "", buf[BURROW_TEXT_PREFIX_SIZE];

	assert_int_equal(burrow_text_parse_prefix(text, flags, &prefix, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	assert_string_equal(burrow_text_prefix(&prefix, buf), want);
}

/* Assert text is refused as a prefix, in exactly the words of want. */
static void prefix_refused(const char *text, unsigned int flags, const char *want)
{
	struct burrow_nl_prefix prefix = { .family = 99 };
	char why[256] = "";

	assert_int_equal(burrow_text_parse_prefix(text, flags, &prefix, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, want);
	assert_int_equal(prefix.family, 99);	/* untouched on refusal */
}

static void test_prefix_accepted(void **state)
{
	(void)state;
	prefix_round_trip("10.0.0.0/24", 0, "10.0.0.0/24");
	prefix_round_trip("0.0.0.0/0", 0, "0.0.0.0/0");
	prefix_round_trip("192.0.2.1", 0, "192.0.2.1/32");
	prefix_round_trip("192.0.2.1/32", BURROW_TEXT_PREFIX_LEN_REQUIRED, "192.0.2.1/32");
	prefix_round_trip("fd00::/64", 0, "fd00::/64");
	prefix_round_trip("2001:DB8::1", 0, "2001:db8::1/128");
	prefix_round_trip("::/0", BURROW_TEXT_PREFIX_LEN_REQUIRED, "::/0");
	prefix_round_trip("10.128.0.0/9", 0, "10.128.0.0/9");
	prefix_round_trip("10.0.0.0/024", 0, "10.0.0.0/24");
	/* interface addresses keep their host bits */
	prefix_round_trip("10.99.0.1/24", BURROW_TEXT_PREFIX_HOST_BITS, "10.99.0.1/24");
	prefix_round_trip("fd00::1/64", BURROW_TEXT_PREFIX_LEN_REQUIRED | BURROW_TEXT_PREFIX_HOST_BITS,
			  "fd00::1/64");
}

static void test_prefix_refused(void **state)
{
	(void)state;
	/* octets and addresses */
	prefix_refused("10.0.0.300/24", 0, "invalid prefix '10.0.0.300/24'");
	prefix_refused("256.0.0.0/8", 0, "invalid prefix '256.0.0.0/8'");
	prefix_refused("10.0.0/24", 0, "invalid prefix '10.0.0/24'");
	prefix_refused("example.org/24", 0, "invalid prefix 'example.org/24'");
	prefix_refused("fd00::zz/64", 0, "invalid prefix 'fd00::zz/64'");
	prefix_refused("fe80::1%eth0/64", 0, "invalid prefix 'fe80::1%eth0/64'");
	prefix_refused("", 0, "invalid prefix ''");
	prefix_refused("/24", 0, "invalid prefix '/24'");
	/* lengths */
	prefix_refused("10.0.0.0/33", 0, "invalid prefix '10.0.0.0/33' (prefix length 0-32)");
	prefix_refused("fd00::/129", 0, "invalid prefix 'fd00::/129' (prefix length 0-128)");
	prefix_refused("10.0.0.0/99999999999999999999", 0,
		       "invalid prefix '10.0.0.0/99999999999999999999' (prefix length 0-32)");
	prefix_refused("10.0.0.0/", 0, "invalid prefix '10.0.0.0/'");
	prefix_refused("10.0.0.0/-1", 0, "invalid prefix '10.0.0.0/-1'");
	prefix_refused("10.0.0.0/+8", 0, "invalid prefix '10.0.0.0/+8'");
	prefix_refused("10.0.0.0", BURROW_TEXT_PREFIX_LEN_REQUIRED,
		       "invalid prefix '10.0.0.0' (expected ADDRESS/LENGTH)");
	prefix_refused("any", BURROW_TEXT_PREFIX_LEN_REQUIRED,
		       "invalid prefix 'any' (expected ADDRESS/LENGTH)");
	/* trailing junk */
	prefix_refused("10.0.0.0/24x", 0, "invalid prefix '10.0.0.0/24x'");
	prefix_refused("10.0.0.0/24 ", 0, "invalid prefix '10.0.0.0/24 '");
	prefix_refused("10.0.0.0/24/8", 0, "invalid prefix '10.0.0.0/24/8'");
	prefix_refused("10.0.0.0 /24", 0, "invalid prefix '10.0.0.0 /24'");
	/* host bits */
	prefix_refused("10.0.0.1/24", 0,
		       "prefix '10.0.0.1/24' has host bits set (did you mean 10.0.0.0/24?)");
	prefix_refused("fd00::1/64", BURROW_TEXT_PREFIX_LEN_REQUIRED,
		       "prefix 'fd00::1/64' has host bits set (did you mean fd00::/64?)");
	prefix_refused("10.99.0.1/33", BURROW_TEXT_PREFIX_HOST_BITS,
		       "invalid prefix '10.99.0.1/33' (prefix length 0-32)");
	prefix_refused("1.2.3.4/0", 0, "prefix '1.2.3.4/0' has host bits set (did you mean 0.0.0.0/0?)");
}

static void test_prefix_why_optional(void **state)
{
	struct burrow_nl_prefix prefix;
	char small[8];

	(void)state;
	assert_int_equal(burrow_text_parse_prefix("10.0.0.300/24", 0, &prefix, NULL, 0), -EINVAL);
	/* a short buffer gets a truncated, still terminated message */
	assert_int_equal(burrow_text_parse_prefix("bad", 0, &prefix, small, sizeof(small)), -EINVAL);
	assert_string_equal(small, "invalid");
}

static void test_prefix_equal(void **state)
{
	struct burrow_nl_prefix a, b;

	(void)state;
	assert_int_equal(burrow_text_parse_prefix("10.0.0.0/24", 0, &a, NULL, 0), 0);
	assert_int_equal(burrow_text_parse_prefix("10.0.0.0/24", 0, &b, NULL, 0), 0);
	assert_true(burrow_text_prefix_equal(&a, &b));
	b.addr.bytes[12] = 1;	/* past an IPv4 address: ignored */
	assert_true(burrow_text_prefix_equal(&a, &b));
	assert_int_equal(burrow_text_parse_prefix("10.0.0.0/25", 0, &b, NULL, 0), 0);
	assert_false(burrow_text_prefix_equal(&a, &b));
	assert_int_equal(burrow_text_parse_prefix("a00::/24", 0, &b, NULL, 0), 0);
	assert_false(burrow_text_prefix_equal(&a, &b));
}

/* Parse text as an endpoint and print it back; assert it round-trips to want. */
static void endpoint_round_trip(const char *text, bool allow_zero, const char *want)
{
	struct burrow_nl_endpoint endpoint;
	char why[256] = "", buf[BURROW_TEXT_ENDPOINT_SIZE];

	assert_int_equal(burrow_text_parse_endpoint(text, allow_zero, &endpoint, why, sizeof(why)),
			 0);
	assert_string_equal(burrow_text_endpoint(&endpoint, buf), want);
}

static void endpoint_refused(const char *text, bool allow_zero, const char *want)
{
	struct burrow_nl_endpoint endpoint = { .port = 7 };
	char why[256] = "";

	assert_int_equal(burrow_text_parse_endpoint(text, allow_zero, &endpoint, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, want);
	assert_int_equal(endpoint.port, 7);
}

static void test_endpoint(void **state)
{
	(void)state;
	endpoint_round_trip("192.0.2.1:51820", false, "192.0.2.1:51820");
	endpoint_round_trip("[2001:db8::1]:1", false, "[2001:db8::1]:1");
	endpoint_round_trip("[::ffff:192.0.2.1]:65535", false, "[::ffff:192.0.2.1]:65535");
	endpoint_round_trip("0.0.0.0:0", true, "0.0.0.0:0");

	/* missing port */
	endpoint_refused("192.0.2.1", false, "invalid endpoint '192.0.2.1' (IPV4:PORT or [IPV6]:PORT)");
	endpoint_refused("[2001:db8::1]", false,
			 "invalid endpoint '[2001:db8::1]' (IPV4:PORT or [IPV6]:PORT)");
	endpoint_refused("192.0.2.1:", false, "invalid port '' (1-65535)");
	/* ports out of range */
	endpoint_refused("192.0.2.1:0", false, "invalid port '0' (1-65535)");
	endpoint_refused("192.0.2.1:65536", false, "invalid port '65536' (1-65535)");
	endpoint_refused("192.0.2.1:65536", true, "invalid port '65536' (0-65535)");
	endpoint_refused("192.0.2.1:http", false, "invalid port 'http' (1-65535)");
	/* IPv6 without brackets, IPv4 inside them, host names, bad octets */
	endpoint_refused("2001:db8::1:51820", false,
			 "invalid endpoint '2001:db8::1:51820' (IPV4:PORT or [IPV6]:PORT)");
	endpoint_refused("[192.0.2.1]:1", false,
			 "invalid endpoint '[192.0.2.1]:1' (IPV4:PORT or [IPV6]:PORT)");
	endpoint_refused("example.org:51820", false,
			 "invalid endpoint 'example.org:51820' (IPV4:PORT or [IPV6]:PORT)");
	endpoint_refused("192.0.2.256:1", false,
			 "invalid endpoint '192.0.2.256:1' (IPV4:PORT or [IPV6]:PORT)");
	/* trailing junk */
	endpoint_refused("192.0.2.1:51820x", false, "invalid port '51820x' (1-65535)");
	endpoint_refused("[2001:db8::1]x:1", false,
			 "invalid endpoint '[2001:db8::1]x:1' (IPV4:PORT or [IPV6]:PORT)");
}

static void test_format_none(void **state)
{
	struct burrow_nl_endpoint none = { .family = AF_UNSPEC };
	struct burrow_nl_prefix odd = { .family = 99, .len = 3 };
	char ep[BURROW_TEXT_ENDPOINT_SIZE], pf[BURROW_TEXT_PREFIX_SIZE];

	(void)state;
	assert_string_equal(burrow_text_endpoint(&none, ep), "none");
	assert_string_equal(burrow_text_prefix(&odd, pf), "?/3");
	assert_string_equal(burrow_text_family(AF_INET), "inet");
	assert_string_equal(burrow_text_family(AF_INET6), "inet6");
	assert_string_equal(burrow_text_family(AF_UNSPEC), "none");
}

/*
 * The hand-made writers against printf() and inet_ntop(), which the text
 * forms were made with before: every octet, every prefix length, numbers
 * at each digit count's edges, and the endpoint forms. The writers must
 * neither write a NUL nor go past the end they return.
 */
static void test_put_matches_printf(void **state)
{
	static const uint64_t numbers[] = {
		0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 65535, 4294967295ULL,
		4294967296ULL, 999999999999ULL, 1000000000000ULL, 18446744073709551615ULL,
	};
	char got[64], want[64], *end;

	(void)state;
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		memset(got, 'x', sizeof(got));
		end = burrow_text_put_u64(got, numbers[i]);
		assert_int_equal(*end, 'x');
		*end = '\0';
		snprintf(want, sizeof(want), "%llu", (unsigned long long)numbers[i]);
		assert_string_equal(got, want);
	}
	for (unsigned int octet = 0; octet < 256; octet++) {
		struct burrow_nl_prefix prefix = {
			.family = AF_INET, .len = (uint8_t)(octet % 33),
			.addr.bytes = { (uint8_t)octet, (uint8_t)(255 - octet), 0, (uint8_t)(octet / 3) },
		};
		char address[BURROW_TEXT_ADDR_SIZE];

		memset(got, 'x', sizeof(got));
		end = burrow_text_put_prefix(got, &prefix);
		assert_int_equal(*end, 'x');
		*end = '\0';
		inet_ntop(AF_INET, prefix.addr.bytes, address, sizeof(address));
		snprintf(want, sizeof(want), "%s/%u", address, prefix.len);
		assert_string_equal(got, want);
	}
	for (unsigned int len = 0; len <= 128; len += 8) {
		struct burrow_nl_prefix prefix = {
			.family = AF_INET6, .len = (uint8_t)len,
			.addr.bytes = { 0x20, 0x01, 0x0d, 0xb8, [15] = (uint8_t)len },
		};
		char address[BURROW_TEXT_ADDR_SIZE];

		*burrow_text_put_prefix(got, &prefix) = '\0';
		inet_ntop(AF_INET6, prefix.addr.bytes, address, sizeof(address));
		snprintf(want, sizeof(want), "%s/%u", address, len);
		assert_string_equal(got, want);
	}
	{
		struct burrow_nl_endpoint v4 = {
			.family = AF_INET, .port = 51820, .addr.bytes = { 192, 0, 2, 1 },
		};
		struct burrow_nl_endpoint v6 = {
			.family = AF_INET6, .port = 1, .addr.bytes = { [10] = 0xff, [11] = 0xff, 198, 51,
								       100, 255 },
		};
		struct burrow_nl_endpoint none = { .family = AF_UNSPEC, .port = 9 };

		*burrow_text_put_endpoint(got, &v4) = '\0';
		assert_string_equal(got, "192.0.2.1:51820");
		*burrow_text_put_endpoint(got, &v6) = '\0';
		assert_string_equal(got, "[::ffff:198.51.100.255]:1");
		*burrow_text_put_endpoint(got, &none) = '\0';
		assert_string_equal(got, "none");
		*burrow_text_put_addr(got, 99, &v4.addr) = '\0';
		assert_string_equal(got, "?");
	}
}

/* What the JSON writer prints for text (or for endpoint, when given), as a heap string. */
static char *json_of(const char *text, const struct burrow_nl_endpoint *endpoint)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);

	assert_non_null(out);
	if (endpoint)
		burrow_json_endpoint(out, endpoint);
	else
		burrow_json_string(out, text);
	fclose(out);
	return buf;
}

static void test_json(void **state)
{
	struct burrow_nl_endpoint endpoint;
	char *got;

	(void)state;
	got = json_of("plain", NULL);
	assert_string_equal(got, "\"plain\"");
	free(got);
	got = json_of("q\"b\\n\n\x01\x1f\x7f\xc3\xa9", NULL);
	assert_string_equal(got, "\"q\\\"b\\\\n\\u000a\\u0001\\u001f\\u007f\xc3\xa9\"");
	free(got);
	got = json_of("", NULL);
	assert_string_equal(got, "\"\"");
	free(got);

	assert_int_equal(burrow_text_parse_endpoint("[2001:db8::1]:51820", false, &endpoint, NULL, 0),
			 0);
	got = json_of(NULL, &endpoint);
	assert_string_equal(got, "{\"family\":\"inet6\",\"address\":\"2001:db8::1\",\"port\":51820}");
	free(got);
	endpoint.family = AF_UNSPEC;
	got = json_of(NULL, &endpoint);
	assert_string_equal(got, "null");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_accepted),
		cmocka_unit_test(test_prefix_refused),
		cmocka_unit_test(test_prefix_why_optional),
		cmocka_unit_test(test_prefix_equal),
		cmocka_unit_test(test_endpoint),
		cmocka_unit_test(test_format_none),
		cmocka_unit_test(test_put_matches_printf),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests_name("libburrow-nl text forms", tests, NULL, NULL);
}
