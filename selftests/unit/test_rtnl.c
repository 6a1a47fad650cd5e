// SPDX-License-Identifier: GPL-2.0
/*
 * libburrow-nl's rtnetlink client (burrow-rtnl.h) against the host kernel,
 * in a network namespace of its own (unshare), on its loopback device:
 * MTU, addresses and routes in both families, the kernel's refusals, and a
 * closed socket. Without the right to make a namespace (not root) every
 * test is skipped.
 */

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "burrow-rtnl.h"
#include "burrow-text.h"

static bool have_netns;
static int lo;

/* A namespace of our own with lo up, so nothing the tests do leaks out. */
static int group_setup(void **state)
{
	struct ifreq ifr = { 0 };
	int fd;

	(void)state;
	if (unshare(CLONE_NEWNET) < 0)
		return 0;	/* have_netns stays false: every test skips */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return -1;
	close(fd);
	lo = (int)if_nametoindex("lo");
	have_netns = lo > 0;
	return 0;
}

static int rt_setup(void **state)
{
	struct burrow_rtnl *rt = calloc(1, sizeof(*rt));

	if (!rt)
		return -1;
	*state = rt;
	if (have_netns && burrow_rtnl_open(rt))
		return -1;
	return 0;
}

static int rt_teardown(void **state)
{
	burrow_rtnl_close(*state);
	free(*state);
	return 0;
}

static struct burrow_nl_prefix prefix_of(const char *text)
{
	struct burrow_nl_prefix p;

	assert_int_equal(burrow_text_parse_prefix(text, BURROW_TEXT_PREFIX_HOST_BITS, &p, NULL, 0),
			 0);
	return p;
}

/* Whether list[0..n-1] holds text. */
static bool listed(const struct burrow_nl_prefix *list, size_t n, const char *text)
{
	struct burrow_nl_prefix want = prefix_of(text);

	for (size_t i = 0; i < n; i++) {
		if (burrow_text_prefix_equal(&list[i], &want))
			return true;
	}
	return false;
}

/* Whether @text is among what @list_on (addresses or routes) finds on lo. */
static bool listed_by(int (*list_on)(struct burrow_rtnl *rt, int ifindex,
				     struct burrow_nl_prefix **list, size_t *count),
		      struct burrow_rtnl *rt, const char *text)
{
	struct burrow_nl_prefix *list = NULL;
	size_t n = 0;
	bool found;

	assert_int_equal(list_on(rt, lo, &list, &n), 0);
	found = listed(list, n, text);
	free(list);
	return found;
}

static bool addr_listed(struct burrow_rtnl *rt, const char *text)
{
	return listed_by(burrow_rtnl_addr_list, rt, text);
}

static bool route_listed(struct burrow_rtnl *rt, const char *text)
{
	return listed_by(burrow_rtnl_route_list, rt, text);
}

static void test_mtu(void **state)
{
	struct burrow_rtnl *rt = *state;
	uint32_t mtu = 0;

	if (!have_netns)
		skip();
	assert_int_equal(burrow_rtnl_mtu_get(rt, lo, &mtu), 0);
	assert_true(mtu >= 1280);
	assert_int_equal(burrow_rtnl_mtu_set(rt, lo, 1400), 0);
	assert_int_equal(burrow_rtnl_mtu_get(rt, lo, &mtu), 0);
	assert_int_equal(mtu, 1400);
	assert_int_equal(burrow_rtnl_mtu_get(rt, 99999, &mtu), -ENODEV);
	assert_true(rt->refused);
}

/* Add, see, refuse twice, remove, refuse the second removal. */
static void addr_cycle(struct burrow_rtnl *rt, const char *text)
{
	struct burrow_nl_prefix p = prefix_of(text);

	assert_false(addr_listed(rt, text));
	assert_int_equal(burrow_rtnl_addr(rt, true, lo, &p), 0);
	assert_true(addr_listed(rt, text));
	assert_int_equal(burrow_rtnl_addr(rt, true, lo, &p), -EEXIST);
	assert_true(rt->refused);
	assert_int_equal(burrow_rtnl_addr(rt, false, lo, &p), 0);
	assert_false(addr_listed(rt, text));
	assert_int_equal(burrow_rtnl_addr(rt, false, lo, &p), -EADDRNOTAVAIL);
}

static void test_addresses(void **state)
{
	if (!have_netns)
		skip();
	addr_cycle(*state, "10.9.0.1/24");	/* host bits kept */
	addr_cycle(*state, "fd00:9::1/64");
}

static void route_cycle(struct burrow_rtnl *rt, const char *text)
{
	struct burrow_nl_prefix p = prefix_of(text);

	assert_false(route_listed(rt, text));
	assert_int_equal(burrow_rtnl_route(rt, true, lo, &p), 0);
	assert_true(route_listed(rt, text));
	assert_int_equal(burrow_rtnl_route(rt, true, lo, &p), -EEXIST);
	assert_int_equal(burrow_rtnl_route(rt, false, lo, &p), 0);
	assert_false(route_listed(rt, text));
	assert_int_equal(burrow_rtnl_route(rt, false, lo, &p), -ESRCH);
	assert_true(rt->refused);
}

static void test_routes(void **state)
{
	if (!have_netns)
		skip();
	route_cycle(*state, "10.8.0.0/24");
	route_cycle(*state, "fd00:8::/64");
}

static void test_links(void **state)
{
	struct burrow_rtnl *rt = *state;

	if (!have_netns)
		skip();
	assert_int_equal(burrow_rtnl_link_del(rt, "nosuch0"), -ENODEV);
	assert_true(rt->refused);
	assert_string_not_equal(rt->why, "");
	/* This host has no such link kind: the kernel says so. */
	assert_true(burrow_rtnl_link_add(rt, "test0", "no-such-kind", 0, -1) < 0);
	assert_true(rt->refused);
}

static void test_closed(void **state)
{
	struct burrow_rtnl rt = { 0 };
	struct burrow_nl_prefix *list = NULL;
	size_t n = 0;

	(void)state;
	burrow_rtnl_close(&rt);	/* closing a closed one is fine */
	assert_int_equal(burrow_rtnl_addr_list(&rt, 1, &list, &n), -EBADF);
	assert_false(rt.refused);
	assert_string_equal(rt.why, "cannot send to rtnetlink: Bad file descriptor");
	assert_null(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mtu, rt_setup, rt_teardown),
		cmocka_unit_test_setup_teardown(test_addresses, rt_setup, rt_teardown),
		cmocka_unit_test_setup_teardown(test_routes, rt_setup, rt_teardown),
		cmocka_unit_test_setup_teardown(test_links, rt_setup, rt_teardown),
		cmocka_unit_test(test_closed),
	};

	return cmocka_run_group_tests_name("libburrow-nl rtnetlink", tests, group_setup, NULL);
}
