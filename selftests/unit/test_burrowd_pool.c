// SPDX-License-Identifier: GPL-2.0
/*
 * Address pool (pool.c) and route policy (policy.c): sequential and sticky
 * assignment, network/broadcast/own addresses skipped, specific requests
 * granted or refused, exhaustion, leases restored from the store; routes
 * accepted only inside may_announce, protocol-specific and non-CIDR ranges
 * and other peers' prefixes refused, advertisements filtered by may_reach.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "policy.h"
#include "pool.h"

static struct burrow_nl_prefix pfx(const char *text)
{
	struct burrow_nl_prefix p;
	char err[128];

	if (burrow_prefix_parse(text, &p, err, sizeof(err)))
		fail_msg("%s", err);
	return p;
}

static const char *fmt(const struct burrow_nl_prefix *p)
{
	static char buf[4][64];
	static int i;

	i = (i + 1) % 4;
	burrow_prefix_format(p, buf[i], sizeof(buf[i]));
	return buf[i];
}

static const uint8_t key_a[32] = { 1 }, key_b[32] = { 2 }, key_c[32] = { 3 };

static void test_pool_sequential_sticky(void **state)
{
	struct burrow_nl_prefix ranges_items[] = { pfx("10.99.0.0/29") };
	struct burrow_nl_prefix own_items[] = { pfx("10.99.0.1/32") };
	struct burrow_prefix_list ranges = { ranges_items, 1 }, own = { own_items, 1 };
	struct burrow_nl_prefix any = pfx("0.0.0.0/32"), out;
	struct burrow_pool pool;
	char why[128];
	bool changed;

	(void)state;
	own_items[0].len = 24;	/* an interface address: 10.99.0.1/24 */
	burrow_pool_init(&pool, &ranges, &own);
	/* .0 is the network, .1 the node's own: .2 first. */
	assert_int_equal(burrow_pool_assign(&pool, key_a, &any, &out, &changed, why, sizeof(why)), 0);
	assert_string_equal(fmt(&out), "10.99.0.2/32");
	assert_true(changed);
	assert_int_equal(burrow_pool_assign(&pool, key_b, &any, &out, &changed, why, sizeof(why)), 0);
	assert_string_equal(fmt(&out), "10.99.0.3/32");
	/* Asking again gives the same address, not a new one. */
	assert_int_equal(burrow_pool_assign(&pool, key_a, &any, &out, &changed, why, sizeof(why)), 0);
	assert_string_equal(fmt(&out), "10.99.0.2/32");
	assert_false(changed);
	/* A preferred length other than /32 still gets a host address. */
	any.len = 24;
	assert_int_equal(burrow_pool_assign(&pool, key_c, &any, &out, &changed, why, sizeof(why)), 0);
	assert_string_equal(fmt(&out), "10.99.0.4/32");
	burrow_pool_free(&pool);
}

static void test_pool_exhausted_and_no_family(void **state)
{
	struct burrow_nl_prefix ranges_items[] = { pfx("10.99.0.0/30") };
	struct burrow_prefix_list ranges = { ranges_items, 1 };
	struct burrow_nl_prefix any = pfx("0.0.0.0/32"), any6 = pfx("::/128"), out;
	struct burrow_pool pool;
	char why[128];
	bool changed;

	(void)state;
	burrow_pool_init(&pool, &ranges, NULL);
	/* A /30 has two hosts: .1 and .2 (.0 network, .3 broadcast). */
	assert_int_equal(burrow_pool_assign(&pool, key_a, &any, &out, &changed, why, sizeof(why)), 0);
	assert_string_equal(fmt(&out), "10.99.0.1/32");
	assert_int_equal(burrow_pool_assign(&pool, key_b, &any, &out, &changed, why, sizeof(why)), 0);
	assert_string_equal(fmt(&out), "10.99.0.2/32");
	assert_int_equal(burrow_pool_assign(&pool, key_c, &any, &out, &changed, why, sizeof(why)),
			 -ENOSPC);
	assert_string_equal(why, "the IPv4 address pool is exhausted");
	assert_int_equal(burrow_pool_assign(&pool, key_c, &any6, &out, &changed, why, sizeof(why)),
			 -EAFNOSUPPORT);
	assert_string_equal(why, "no IPv6 address pool");
	burrow_pool_free(&pool);
}

static void test_pool_specific_requests(void **state)
{
	struct burrow_nl_prefix ranges_items[] = { pfx("10.99.0.0/24"), pfx("fd99::/64") };
	struct burrow_prefix_list ranges = { ranges_items, 2 };
	struct burrow_nl_prefix want = pfx("10.99.0.7/32"), out;
	struct burrow_nl_prefix outside = pfx("10.98.0.7/32"), network = pfx("10.99.0.0/32");
	struct burrow_nl_prefix broadcast = pfx("10.99.0.255/32"), v6 = pfx("fd99::42/128");
	struct burrow_pool pool;
	char why[128];
	bool changed;

	(void)state;
	burrow_pool_init(&pool, &ranges, NULL);
	assert_int_equal(burrow_pool_assign(&pool, key_a, &want, &out, &changed, why, sizeof(why)), 0);
	assert_string_equal(fmt(&out), "10.99.0.7/32");
	assert_int_equal(burrow_pool_assign(&pool, key_b, &want, &out, &changed, why, sizeof(why)),
			 -EADDRINUSE);
	assert_string_equal(why, "'10.99.0.7/32' is leased to another peer");
	assert_int_equal(burrow_pool_assign(&pool, key_b, &outside, &out, &changed, why, sizeof(why)),
			 -EADDRNOTAVAIL);
	assert_string_equal(why, "'10.98.0.7/32' is not an address of the pool");
	assert_int_equal(burrow_pool_assign(&pool, key_b, &network, &out, &changed, why, sizeof(why)),
			 -EADDRNOTAVAIL);
	assert_int_equal(burrow_pool_assign(&pool, key_b, &broadcast, &out, &changed, why, sizeof(why)),
			 -EADDRNOTAVAIL);
	assert_int_equal(burrow_pool_assign(&pool, key_b, &v6, &out, &changed, why, sizeof(why)), 0);
	assert_string_equal(fmt(&out), "fd99::42/128");
	/* A new specific address moves the peer's lease of that family. */
	want = pfx("10.99.0.9/32");
	assert_int_equal(burrow_pool_assign(&pool, key_a, &want, &out, &changed, why, sizeof(why)), 0);
	assert_true(changed);
	assert_string_equal(fmt(&burrow_pool_lease_of(&pool, key_a, AF_INET)->address), "10.99.0.9/32");
	burrow_pool_free(&pool);
}

static void test_pool_restore(void **state)
{
	struct burrow_nl_prefix ranges_items[] = { pfx("10.99.0.0/24") };
	struct burrow_prefix_list ranges = { ranges_items, 1 };
	struct burrow_nl_prefix any = pfx("0.0.0.0/32"), lease = pfx("10.99.0.2/32"), out;
	struct burrow_nl_prefix gone = pfx("10.50.0.2/32");
	struct burrow_pool pool;
	char why[128];
	bool changed;

	(void)state;
	burrow_pool_init(&pool, &ranges, NULL);
	assert_int_equal(burrow_pool_restore(&pool, key_b, &lease, why, sizeof(why)), 0);
	assert_int_equal(burrow_pool_restore(&pool, key_c, &lease, why, sizeof(why)), -EADDRINUSE);
	assert_int_equal(burrow_pool_restore(&pool, key_c, &gone, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "lease '10.50.0.2/32' is not an address of the pool");
	/* After a restart: a new peer gets .1, the old one keeps .2. */
	assert_int_equal(burrow_pool_assign(&pool, key_a, &any, &out, &changed, why, sizeof(why)), 0);
	assert_string_equal(fmt(&out), "10.99.0.1/32");
	assert_int_equal(burrow_pool_assign(&pool, key_b, &any, &out, &changed, why, sizeof(why)), 0);
	assert_string_equal(fmt(&out), "10.99.0.2/32");
	assert_false(changed);
	burrow_pool_free(&pool);
}

static struct burrow_ip_range rng(const char *prefix)
{
	struct burrow_nl_prefix p = pfx(prefix);
	struct burrow_ip_range r;

	burrow_prefix_to_range(&p, &r);
	return r;
}

static void test_policy_routes(void **state)
{
	struct burrow_nl_prefix allowed_items[] = { pfx("10.20.0.0/16") };
	struct burrow_prefix_list may_announce = { allowed_items, 1 };
	struct burrow_nl_prefix taken[] = { pfx("10.20.9.0/24") };
	struct burrow_ip_range ranges[5] = {
		rng("10.20.1.0/24"),		/* accepted */
		rng("10.20.9.128/25"),		/* inside another peer's prefix */
		rng("10.30.0.0/16"),		/* outside may_announce */
		rng("10.20.2.0/24"),		/* protocol-specific */
		rng("10.20.3.1/32"),		/* becomes a non-CIDR range below */
	};
	struct burrow_nl_prefix accepted[5];
	struct burrow_refused_range refused[5];
	size_t n_accepted, n_refused;

	(void)state;
	ranges[3].protocol = 6;
	ranges[4].end[3] = 2;	/* 10.20.3.1-10.20.3.2 */
	burrow_policy_routes(&may_announce, taken, 1, ranges, 5, accepted, &n_accepted, refused,
			     &n_refused);
	assert_int_equal(n_accepted, 1);
	assert_string_equal(fmt(&accepted[0]), "10.20.1.0/24");
	assert_int_equal(n_refused, 4);
	assert_int_equal(refused[0].reason, BURROW_ROUTE_REFUSED_CONFLICT);
	assert_int_equal(refused[1].reason, BURROW_ROUTE_REFUSED_POLICY);
	assert_int_equal(refused[2].reason, BURROW_ROUTE_REFUSED_PROTOCOL);
	assert_int_equal(refused[3].reason, BURROW_ROUTE_REFUSED_PROTOCOL);
	/* Nothing allowed: everything refused. */
	may_announce.n = 0;
	burrow_policy_routes(&may_announce, NULL, 0, ranges, 1, accepted, &n_accepted, refused,
			     &n_refused);
	assert_int_equal(n_accepted, 0);
	assert_int_equal(n_refused, 1);
	assert_int_equal(refused[0].reason, BURROW_ROUTE_REFUSED_POLICY);
}

static void test_policy_advertisement(void **state)
{
	struct burrow_nl_prefix adv_items[] = { pfx("fd50::/48"), pfx("10.99.0.0/24"), pfx("10.50.0.0/16") };
	struct burrow_nl_prefix reach_items[] = { pfx("10.0.0.0/8") };
	struct burrow_prefix_list adv = { adv_items, 3 }, reach = { reach_items, 1 };
	struct burrow_ip_range out[3];
	char text[100];

	(void)state;
	/* Without may_reach: everything, sorted IPv4 first. */
	assert_int_equal(burrow_policy_advertisement(&adv, &reach, false, out), 3);
	burrow_ip_range_format(&out[0], text, sizeof(text));
	assert_string_equal(text, "10.50.0.0-10.50.255.255");
	assert_int_equal(out[2].family, AF_INET6);
	/* may_reach 10.0.0.0/8: the IPv6 route is not told. */
	assert_int_equal(burrow_policy_advertisement(&adv, &reach, true, out), 2);
	reach.n = 0;
	assert_int_equal(burrow_policy_advertisement(&adv, &reach, true, out), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_sequential_sticky),
		cmocka_unit_test(test_pool_exhausted_and_no_family),
		cmocka_unit_test(test_pool_specific_requests),
		cmocka_unit_test(test_pool_restore),
		cmocka_unit_test(test_policy_routes),
		cmocka_unit_test(test_policy_advertisement),
	};

	return cmocka_run_group_tests_name("burrowd pool and policy", tests, NULL, NULL);
}
