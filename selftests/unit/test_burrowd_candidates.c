// SPDX-License-Identifier: GPL-2.0
/*
 * Endpoint candidates (candidates.c, issue 19): the coordinator's list for
 * a node (observed first, then the reported ones, each once, bounded), the
 * order a peer dials them in (same subnet first, then map order; family
 * filter; duplicates and port 0 dropped), which addresses may be local
 * candidates, sockaddr conversion (IPv4-mapped unmapped) and what
 * burrow_candidates_local finds on this host.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "burrow-text.h"
#include "candidates.h"
#include "config.h"

static struct burrow_nl_endpoint ep(const char *text)
{
	struct burrow_nl_endpoint e;
	char why[128];

	if (burrow_text_parse_endpoint(text, false, &e, why, sizeof(why)))
		fail_msg("%s: %s", text, why);
	return e;
}

static struct burrow_nl_prefix pfx(const char *text)
{
	struct burrow_nl_prefix p;
	char why[128];

	if (burrow_prefix_parse(text, &p, why, sizeof(why)))
		fail_msg("%s: %s", text, why);
	return p;
}

/* The list as "a b c". */
static const char *list_text(const struct burrow_nl_endpoint *e, size_t n, char *buf, size_t size)
{
	char one[BURROW_TEXT_ENDPOINT_SIZE];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? " " : "",
					 burrow_text_endpoint(&e[i], one));
	return buf;
}

static void test_merge_observed_first(void **state)
{
	struct burrow_nl_endpoint reported[3] = {
		ep("10.1.0.2:51821"), ep("198.18.0.11:51821"), ep("[fd00::2]:51821"),
	};
	struct burrow_nl_endpoint observed = ep("198.18.0.11:51821"), out[8];
	char buf[256];
	size_t n;

	(void)state;
	n = burrow_candidates_merge(&observed, reported, 3, out, 8);
	assert_string_equal(list_text(out, n, buf, sizeof(buf)),
			    "198.18.0.11:51821 10.1.0.2:51821 [fd00::2]:51821");
	/* Same address, another port: another candidate. */
	observed = ep("198.18.0.11:40001");
	n = burrow_candidates_merge(&observed, reported, 3, out, 8);
	assert_int_equal(n, 4);
	assert_string_equal(list_text(out, 1, buf, sizeof(buf)), "198.18.0.11:40001");
	/* No observed address: the reported list as it is. */
	n = burrow_candidates_merge(NULL, reported, 3, out, 8);
	assert_string_equal(list_text(out, n, buf, sizeof(buf)),
			    "10.1.0.2:51821 198.18.0.11:51821 [fd00::2]:51821");
	/* Bounded: the observed address is never the one cut. */
	n = burrow_candidates_merge(&observed, reported, 3, out, 2);
	assert_string_equal(list_text(out, n, buf, sizeof(buf)),
			    "198.18.0.11:40001 10.1.0.2:51821");
	assert_int_equal(burrow_candidates_merge(&observed, reported, 3, out, 0), 0);
}

static void test_order(void **state)
{
	struct burrow_nl_endpoint in[6] = {
		ep("198.18.0.12:51822"),	/* observed */
		ep("10.2.0.2:51822"),		/* its LAN */
		ep("[2001:db8::2]:51822"),
		ep("192.168.7.9:51822"),	/* on our subnet */
		ep("10.2.0.2:51822"),		/* twice */
		ep("203.0.113.1:51822"),
	};
	struct burrow_nl_prefix own[2] = { pfx("192.168.7.0/24"), pfx("2001:db8::/64") };
	struct burrow_nl_endpoint out[8];
	char buf[256];
	size_t n;

	(void)state;
	n = burrow_candidates_order(in, 6, AF_INET6, own, 2, out, 8);
	assert_string_equal(list_text(out, n, buf, sizeof(buf)),
			    "[2001:db8::2]:51822 192.168.7.9:51822 198.18.0.12:51822 "
			    "10.2.0.2:51822 203.0.113.1:51822");
	/* An IPv4 socket cannot dial IPv6 candidates. */
	n = burrow_candidates_order(in, 6, AF_INET, own, 2, out, 8);
	assert_string_equal(list_text(out, n, buf, sizeof(buf)),
			    "192.168.7.9:51822 198.18.0.12:51822 10.2.0.2:51822 203.0.113.1:51822");
	/* No subnets of our own: the map's order (observed first), duplicates dropped. */
	n = burrow_candidates_order(in, 6, AF_INET, NULL, 0, out, 8);
	assert_string_equal(list_text(out, n, buf, sizeof(buf)),
			    "198.18.0.12:51822 10.2.0.2:51822 192.168.7.9:51822 203.0.113.1:51822");
	/* Prefix bits beyond a byte boundary: 10.2.0.0/23 holds 10.2.0.2, /31 at .4 does not. */
	own[0] = pfx("10.2.0.0/23");
	n = burrow_candidates_order(in, 6, AF_INET, own, 1, out, 1);
	assert_string_equal(list_text(out, n, buf, sizeof(buf)), "10.2.0.2:51822");
	own[0] = pfx("10.2.0.4/31");
	n = burrow_candidates_order(in, 6, AF_INET, own, 1, out, 1);
	assert_string_equal(list_text(out, n, buf, sizeof(buf)), "198.18.0.12:51822");
	/* A port 0 or familyless entry is never dialled. */
	in[0].port = 0;
	in[1].family = 0;
	n = burrow_candidates_order(in, 2, AF_INET6, NULL, 0, out, 8);
	assert_int_equal(n, 0);
}

static void test_usable(void **state)
{
	static const char *const good[] = { "10.1.0.2", "192.168.1.1", "198.18.0.11", "100.64.1.1",
					    "2001:db8::1", "fd00::1" };
	static const char *const bad[] = { "127.0.0.1", "0.0.0.0", "169.254.3.4", "224.0.0.1",
					   "255.255.255.255", "::1", "::", "fe80::1", "ff02::1",
					   "::ffff:10.0.0.1" };
	uint8_t addr[16];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int family = strchr(good[i], ':') ? AF_INET6 : AF_INET;

		assert_int_equal(inet_pton(family, good[i], addr), 1);
		if (!burrow_candidate_usable(family, addr))
			fail_msg("%s refused", good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int family = strchr(bad[i], ':') ? AF_INET6 : AF_INET;

		assert_int_equal(inet_pton(family, bad[i], addr), 1);
		if (burrow_candidate_usable(family, addr))
			fail_msg("%s taken", bad[i]);
	}
	assert_false(burrow_candidate_usable(AF_UNIX, addr));
}

static void test_from_sockaddr(void **state)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(51821) };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(7443) };
	struct sockaddr un = { .sa_family = AF_UNIX };
	struct burrow_nl_endpoint e;
	char text[BURROW_TEXT_ENDPOINT_SIZE];

	(void)state;
	inet_pton(AF_INET6, "::ffff:198.18.0.11", &sin6.sin6_addr);
	assert_int_equal(burrow_candidate_from_sockaddr((struct sockaddr *)&sin6, sizeof(sin6), &e), 0);
	assert_string_equal(burrow_text_endpoint(&e, text), "198.18.0.11:51821");
	inet_pton(AF_INET6, "2001:db8::7", &sin6.sin6_addr);
	assert_int_equal(burrow_candidate_from_sockaddr((struct sockaddr *)&sin6, sizeof(sin6), &e), 0);
	assert_string_equal(burrow_text_endpoint(&e, text), "[2001:db8::7]:51821");
	inet_pton(AF_INET, "203.0.113.7", &sin.sin_addr);
	assert_int_equal(burrow_candidate_from_sockaddr((struct sockaddr *)&sin, sizeof(sin), &e), 0);
	assert_string_equal(burrow_text_endpoint(&e, text), "203.0.113.7:7443");
	assert_int_equal(burrow_candidate_from_sockaddr(&un, sizeof(un), &e), -EAFNOSUPPORT);
	/* Too short for its family. */
	assert_int_equal(burrow_candidate_from_sockaddr((struct sockaddr *)&sin, 4, &e),
			 -EAFNOSUPPORT);
}

/* Whatever this host has: only usable addresses, with the port, sorted, subnets holding them. */
static void test_local(void **state)
{
	struct burrow_nl_endpoint out[BURROW_CANDIDATES_MAX], again[BURROW_CANDIDATES_MAX];
	struct burrow_nl_prefix subnets[BURROW_CANDIDATES_MAX];
	int n = burrow_candidates_local(4242, AF_INET6, NULL, out, subnets, BURROW_CANDIDATES_MAX);

	(void)state;
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		struct burrow_nl_endpoint one;

		assert_int_equal(out[i].port, 4242);
		assert_true(burrow_candidate_usable(out[i].family, out[i].addr.bytes));
		assert_int_equal(burrow_candidates_order(&out[i], 1, AF_INET6, &subnets[i], 1,
							 &one, 1), 1);
		if (i && out[i - 1].family == AF_INET6)
			assert_int_equal(out[i].family, AF_INET6);
	}
	assert_int_equal(burrow_candidates_local(4242, AF_INET6, NULL, again, NULL,
						 BURROW_CANDIDATES_MAX), n);
	assert_memory_equal(out, again, (size_t)n * sizeof(out[0]));
	n = burrow_candidates_local(4242, AF_INET, NULL, out, NULL, BURROW_CANDIDATES_MAX);
	for (int i = 0; i < n; i++)
		assert_int_equal(out[i].family, AF_INET);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_observed_first),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_usable),
		cmocka_unit_test(test_from_sockaddr),
		cmocka_unit_test(test_local),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
