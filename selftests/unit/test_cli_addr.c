// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl's strict value parsers: numbers with ranges, choices, ports,
 * prefixes (host bits, lengths, families), prefix lists, endpoints and
 * listen addresses, their printers, and the UDP socket 'dev set listen'
 * opens.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli.h"
#include "parse.h"

static void test_parse_number(void **state)
{
	struct parse_error error;
	uint64_t value = 99;

	(void)state;
	assert_int_equal(parse_number("id", "1", 1, UINT32_MAX, &value, &error), 0);
	assert_int_equal(value, 1);
	assert_int_equal(parse_number("id", "4294967295", 1, UINT32_MAX, &value, &error), 0);
	assert_int_equal(value, UINT32_MAX);
	value = 99;
	assert_int_equal(parse_number("id", "0", 1, UINT32_MAX, &value, &error), -1);
	assert_string_equal(error.message, "0 is out of range for id (1-4294967295)");
	assert_int_equal(parse_number("id", "4294967296", 1, UINT32_MAX, &value, &error), -1);
	assert_string_equal(error.message, "4294967296 is out of range for id (1-4294967295)");
	assert_int_equal(parse_number("key-id", "0x10", 0, 255, &value, &error), -1);
	assert_string_equal(error.message, "invalid key-id '0x10'");
	assert_int_equal(parse_number("key-id", "", 0, 255, &value, &error), -1);
	assert_string_equal(error.message, "invalid key-id ''");
	assert_int_equal(value, 99);
}

static void test_parse_choice(void **state)
{
	static const char *const names[] = { "add", "remove", "replace" };
	struct parse_error error;
	unsigned int value = 9;

	(void)state;
	assert_int_equal(parse_choice("op", "replace", names, 3, &value, &error), 0);
	assert_int_equal(value, 2);
	assert_int_equal(parse_choice("op", "Replace", names, 3, &value, &error), -1);
	assert_string_equal(error.message, "invalid value 'Replace' for op (add, remove or replace)");
	assert_int_equal(parse_choice("pinned", "yes", names, 2, &value, &error), -1);
	assert_string_equal(error.message, "invalid value 'yes' for pinned (add or remove)");
	assert_int_equal(value, 2);
}

static void test_parse_port(void **state)
{
	struct parse_error error;
	uint16_t port = 7;

	(void)state;
	assert_int_equal(parse_port("65535", false, &port, &error), 0);
	assert_int_equal(port, 65535);
	assert_int_equal(parse_port("0", true, &port, &error), 0);
	assert_int_equal(port, 0);
	assert_int_equal(parse_port("0", false, &port, &error), -1);
	assert_string_equal(error.message, "invalid port '0' (1-65535)");
	assert_int_equal(parse_port("70000", false, &port, &error), -1);
	assert_string_equal(error.message, "invalid port '70000' (1-65535)");
	assert_int_equal(parse_port("70000", true, &port, &error), -1);
	assert_string_equal(error.message, "invalid port '70000' (0-65535)");
	assert_int_equal(parse_port("-1", false, &port, &error), -1);
	assert_string_equal(error.message, "invalid port '-1' (1-65535)");
	assert_int_equal(parse_port("http", false, &port, &error), -1);
	assert_string_equal(error.message, "invalid port 'http' (1-65535)");
}

static void assert_prefix(const char *text, uint16_t family, const char *addr, uint8_t len)
{
	struct burrow_nl_prefix prefix, expected = { .family = family, .len = len };
	struct parse_error error;

	assert_int_equal(inet_pton(family, addr, expected.addr.bytes), 1);
	memset(&prefix, 0x55, sizeof(prefix));
	assert_int_equal(parse_prefix(text, &prefix, &error), 0);
	assert_int_equal(prefix.family, family);
	assert_int_equal(prefix.len, len);
	assert_memory_equal(prefix.addr.bytes, expected.addr.bytes, family == AF_INET ? 4 : 16);
	/* The rest of the union is zero: prefixes compare with memcmp. */
	if (family == AF_INET)
		for (size_t i = 4; i < 16; i++)
			assert_int_equal(prefix.addr.bytes[i], 0);
}

static void test_parse_prefix_accepted(void **state)
{
	(void)state;
	assert_prefix("10.0.0.0/24", AF_INET, "10.0.0.0", 24);
	assert_prefix("0.0.0.0/0", AF_INET, "0.0.0.0", 0);
	assert_prefix("192.0.2.1", AF_INET, "192.0.2.1", 32);
	assert_prefix("192.0.2.1/32", AF_INET, "192.0.2.1", 32);
	assert_prefix("10.128.0.0/9", AF_INET, "10.128.0.0", 9);
	assert_prefix("fd00::/8", AF_INET6, "fd00::", 8);
	assert_prefix("::/0", AF_INET6, "::", 0);
	assert_prefix("2001:db8::1", AF_INET6, "2001:db8::1", 128);
	assert_prefix("2001:db8:8000::/33", AF_INET6, "2001:db8:8000::", 33);
	assert_prefix("::ffff:10.0.0.0/104", AF_INET6, "::ffff:10.0.0.0", 104);
}

static void assert_prefix_refused(const char *text, const char *message)
{
	struct burrow_nl_prefix prefix = { .len = 99 };
	struct parse_error error;

	assert_int_equal(parse_prefix(text, &prefix, &error), -1);
	assert_string_equal(error.message, message);
	assert_int_equal(prefix.len, 99);
}

static void test_parse_prefix_refused(void **state)
{
	(void)state;
	assert_prefix_refused("10.0.0.300/24", "invalid prefix '10.0.0.300/24'");
	assert_prefix_refused("10.0.0.1/24",
			      "prefix '10.0.0.1/24' has host bits set (did you mean 10.0.0.0/24?)");
	assert_prefix_refused("10.255.0.0/9",
			      "prefix '10.255.0.0/9' has host bits set (did you mean 10.128.0.0/9?)");
	assert_prefix_refused("fd00::1/64",
			      "prefix 'fd00::1/64' has host bits set (did you mean fd00::/64?)");
	assert_prefix_refused("1.2.3.4/0",
			      "prefix '1.2.3.4/0' has host bits set (did you mean 0.0.0.0/0?)");
	assert_prefix_refused("10.0.0.0/33", "invalid prefix '10.0.0.0/33' (prefix length 0-32)");
	assert_prefix_refused("fd00::/129", "invalid prefix 'fd00::/129' (prefix length 0-128)");
	assert_prefix_refused("10.0.0.0/", "invalid prefix '10.0.0.0/'");
	assert_prefix_refused("10.0.0.0/-1", "invalid prefix '10.0.0.0/-1'");
	assert_prefix_refused("10.0.0.0/8/8", "invalid prefix '10.0.0.0/8/8'");
	assert_prefix_refused("10.0.0.0/ 8", "invalid prefix '10.0.0.0/ 8'");
	assert_prefix_refused("10.0.0/24", "invalid prefix '10.0.0/24'");
	assert_prefix_refused("010.0.0.0/8", "invalid prefix '010.0.0.0/8'");
	assert_prefix_refused("0x0a.0.0.0/8", "invalid prefix '0x0a.0.0.0/8'");
	assert_prefix_refused("fe80::1%eth0/128", "invalid prefix 'fe80::1%eth0/128'");
	assert_prefix_refused("host.example/32", "invalid prefix 'host.example/32'");
	assert_prefix_refused("", "invalid prefix ''");
	assert_prefix_refused("/8", "invalid prefix '/8'");
}

static void test_parse_prefix_list(void **state)
{
	struct burrow_nl_prefix *prefixes = NULL;
	struct parse_error error;
	size_t count = 0;

	(void)state;
	assert_int_equal(parse_prefix_list("10.0.0.0/8,fd00::/8,192.0.2.1", &prefixes, &count,
					   &error), 0);
	assert_int_equal(count, 3);
	assert_int_equal(prefixes[0].family, AF_INET);
	assert_int_equal(prefixes[0].len, 8);
	assert_int_equal(prefixes[1].family, AF_INET6);
	assert_int_equal(prefixes[2].len, 32);
	free(prefixes);

	prefixes = NULL;
	assert_int_equal(parse_prefix_list("10.0.0.0/8,", &prefixes, &count, &error), -1);
	assert_string_equal(error.message, "empty prefix in '10.0.0.0/8,'");
	assert_int_equal(parse_prefix_list(",10.0.0.0/8", &prefixes, &count, &error), -1);
	assert_string_equal(error.message, "empty prefix in ',10.0.0.0/8'");
	assert_int_equal(parse_prefix_list("", &prefixes, &count, &error), -1);
	assert_string_equal(error.message, "empty prefix in ''");
	assert_int_equal(parse_prefix_list("10.0.0.0/8,10.0.0.1/24", &prefixes, &count, &error),
			 -1);
	assert_string_equal(error.message,
			    "prefix '10.0.0.1/24' has host bits set (did you mean 10.0.0.0/24?)");
	assert_int_equal(parse_prefix_list("10.0.0.0/8, 10.1.0.0/16", &prefixes, &count, &error),
			 -1);
	assert_string_equal(error.message, "invalid prefix ' 10.1.0.0/16'");
	assert_null(prefixes);
}

static void test_parse_endpoint(void **state)
{
	struct burrow_nl_endpoint endpoint;
	struct parse_error error;

	(void)state;
	assert_int_equal(parse_endpoint("192.0.2.1:51820", &endpoint, &error), 0);
	assert_int_equal(endpoint.family, AF_INET);
	assert_memory_equal(endpoint.addr.bytes, "\xc0\x00\x02\x01", 4);
	assert_int_equal(endpoint.port, 51820);
	assert_int_equal(parse_endpoint("[2001:db8::1]:1", &endpoint, &error), 0);
	assert_int_equal(endpoint.family, AF_INET6);
	assert_int_equal(endpoint.addr.bytes[15], 1);
	assert_int_equal(endpoint.port, 1);

	static const char *const invalid[] = {
		"192.0.2.1", "2001:db8::1:51820", "[192.0.2.1]:5", "[2001:db8::1]", "[2001:db8::1]5",
		"host:5", "192.0.2.1::5", ":5", "[]:5", "[2001:db8::1:5",
	};
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		char expected[128];

		assert_int_equal(parse_endpoint(invalid[i], &endpoint, &error), -1);
		snprintf(expected, sizeof(expected),
			 "invalid endpoint '%s' (IPV4:PORT or [IPV6]:PORT)", invalid[i]);
		assert_string_equal(error.message, expected);
	}
	assert_int_equal(parse_endpoint("192.0.2.1:70000", &endpoint, &error), -1);
	assert_string_equal(error.message, "invalid port '70000' (1-65535)");
	assert_int_equal(parse_endpoint("192.0.2.1:0", &endpoint, &error), -1);
	assert_string_equal(error.message, "invalid port '0' (1-65535)");
	assert_int_equal(parse_endpoint("[::1]:", &endpoint, &error), -1);
	assert_string_equal(error.message, "invalid port '' (1-65535)");
}

static void test_parse_listen(void **state)
{
	struct burrow_nl_endpoint listen_on;
	struct parse_error error;

	(void)state;
	assert_int_equal(parse_listen("51820", &listen_on, &error), 0);
	assert_int_equal(listen_on.family, AF_UNSPEC);
	assert_int_equal(listen_on.port, 51820);
	assert_int_equal(parse_listen("0.0.0.0:0", &listen_on, &error), 0);
	assert_int_equal(listen_on.family, AF_INET);
	assert_int_equal(listen_on.port, 0);
	assert_int_equal(parse_listen("[::]:9", &listen_on, &error), 0);
	assert_int_equal(listen_on.family, AF_INET6);
	assert_int_equal(parse_listen("10.0.0.1", &listen_on, &error), -1);
	assert_string_equal(error.message, "invalid port '10.0.0.1' (0-65535)");
	assert_int_equal(parse_listen("65536", &listen_on, &error), -1);
	assert_string_equal(error.message, "invalid port '65536' (0-65535)");
}

static void test_format(void **state)
{
	struct burrow_nl_prefix prefix = { .family = AF_INET6, .len = 64 };
	struct burrow_nl_endpoint endpoint = { .family = AF_INET, .port = 5 };
	char prefix_text[BURROW_TEXT_PREFIX_SIZE];
	char endpoint_text[BURROW_TEXT_ENDPOINT_SIZE];
	char addr_text[BURROW_TEXT_ADDR_SIZE];

	(void)state;
	inet_pton(AF_INET6, "fd00:1::", &prefix.addr.v6);
	assert_string_equal(burrow_text_prefix(&prefix, prefix_text), "fd00:1::/64");
	inet_pton(AF_INET, "198.51.100.7", &endpoint.addr.v4);
	assert_string_equal(burrow_text_endpoint(&endpoint, endpoint_text), "198.51.100.7:5");
	endpoint.family = AF_INET6;
	memset(endpoint.addr.bytes, 0xff, 16);
	endpoint.port = 65535;
	assert_string_equal(burrow_text_endpoint(&endpoint, endpoint_text),
			    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	endpoint.family = AF_UNSPEC;
	assert_string_equal(burrow_text_endpoint(&endpoint, endpoint_text), "none");
	assert_string_equal(burrow_text_addr(77, &endpoint.addr, addr_text), "?");
	assert_string_equal(burrow_text_family(AF_INET), "inet");
	assert_string_equal(burrow_text_family(AF_INET6), "inet6");
	assert_string_equal(burrow_text_family(0), "none");
}

/* The socket 'dev set listen' hands the kernel: family, address, dual stack. */
static void test_dev_open_socket(void **state)
{
	struct burrow_nl_endpoint listen_on = { .family = AF_INET, .port = 0 };
	struct sockaddr_storage bound;
	socklen_t len = sizeof(bound);
	char why[256], expected[128];
	int fd, v6only = -1, type = 0;
	socklen_t optlen = sizeof(v6only);

	(void)state;
	inet_pton(AF_INET, "127.0.0.1", &listen_on.addr.v4);
	fd = dev_open_socket(&listen_on, why, sizeof(why));
	assert_true(fd >= 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&bound, &len), 0);
	assert_int_equal(bound.ss_family, AF_INET);
	assert_int_equal(((struct sockaddr_in *)&bound)->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	assert_int_not_equal(((struct sockaddr_in *)&bound)->sin_port, 0);	/* picked */
	optlen = sizeof(type);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &optlen), 0);
	assert_int_equal(type, SOCK_DGRAM);
	close(fd);

	/* Any address: IPv6 with IPV6_V6ONLY off, unless the kernel has no IPv6. */
	listen_on = (struct burrow_nl_endpoint){ .family = AF_UNSPEC, .port = 0 };
	fd = dev_open_socket(&listen_on, why, sizeof(why));
	assert_true(fd >= 0);
	len = sizeof(bound);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&bound, &len), 0);
	if (bound.ss_family == AF_INET6) {
		optlen = sizeof(v6only);
		assert_int_equal(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &optlen), 0);
		assert_int_equal(v6only, 0);
		assert_memory_equal(&((struct sockaddr_in6 *)&bound)->sin6_addr, &in6addr_any, 16);
	}
	close(fd);

	/* A port in use: the error names the endpoint and the reason. */
	listen_on = (struct burrow_nl_endpoint){ .family = AF_INET, .port = 0 };
	inet_pton(AF_INET, "127.0.0.1", &listen_on.addr.v4);
	fd = dev_open_socket(&listen_on, why, sizeof(why));
	assert_true(fd >= 0);
	len = sizeof(bound);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&bound, &len), 0);
	listen_on.port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
	assert_int_equal(dev_open_socket(&listen_on, why, sizeof(why)), -1);
	snprintf(expected, sizeof(expected), "cannot listen on 127.0.0.1:%u: Address already in use",
		 listen_on.port);
	assert_string_equal(why, expected);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_number),
		cmocka_unit_test(test_parse_choice),
		cmocka_unit_test(test_parse_port),
		cmocka_unit_test(test_parse_prefix_accepted),
		cmocka_unit_test(test_parse_prefix_refused),
		cmocka_unit_test(test_parse_prefix_list),
		cmocka_unit_test(test_parse_endpoint),
		cmocka_unit_test(test_parse_listen),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_dev_open_socket),
	};

	return cmocka_run_group_tests_name("burrow-nl value parsers", tests, NULL, NULL);
}
