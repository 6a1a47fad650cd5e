// SPDX-License-Identifier: GPL-2.0
/*
 * The interface address watch (userspace/addr_watch.c), in a network
 * namespace of its own (unshare; every test skips without one): a burst
 * of address changes gives one call once it settles, nothing changing
 * gives none, a removal gives another, and a link going down is a change.
 * The loop runs until the call or a guard timer, never on a sleep.
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "addr_watch.h"
#include "burrow-rtnl.h"
#include "burrow-text.h"
#include "loop.h"

static bool have_netns;
static int lo;

static struct {
	struct burrow_loop *loop;
	int calls;
	bool guard_fired;
} t;

static int set_lo_up(bool up)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ret = -1;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		if (up)
			ifr.ifr_flags |= IFF_UP;
		else
			ifr.ifr_flags &= ~IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

static int group_setup(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNET) < 0)
		return 0;	/* have_netns stays false: every test skips */
	if (set_lo_up(true) < 0)
		return -1;
	lo = (int)if_nametoindex("lo");
	have_netns = lo > 0;
	return 0;
}

static void changed(void *arg)
{
	(void)arg;
	t.calls++;
	burrow_loop_stop(t.loop);
}

static void guard(void *arg)
{
	(void)arg;
	t.guard_fired = true;
	burrow_loop_stop(t.loop);
}

/* Run the loop until the watch calls or guard_ms pass. */
static void run_until_call(uint64_t guard_ms)
{
	struct burrow_timer g;

	t.guard_fired = false;
	burrow_timer_init(&g, guard, NULL);
	burrow_timer_arm_in(t.loop, &g, guard_ms * BURROW_NSEC_PER_MSEC);
	assert_int_equal(burrow_loop_run(t.loop), 0);
	burrow_timer_cancel(t.loop, &g);
}

static void address(struct burrow_rtnl *rt, bool add, const char *text)
{
	struct burrow_nl_prefix p;

	assert_int_equal(burrow_text_parse_prefix(text, BURROW_TEXT_PREFIX_HOST_BITS, &p, NULL, 0),
			 0);
	assert_int_equal(burrow_rtnl_addr(rt, add, lo, &p), 0);
}

static void test_bursts(void **state)
{
	struct burrow_rtnl rt = { 0 };
	struct burrow_addr_watch *w;

	(void)state;
	if (!have_netns)
		skip();
	t.loop = burrow_loop_new(NULL, NULL);
	assert_non_null(t.loop);
	t.calls = 0;
	w = burrow_addr_watch_new(t.loop, changed, NULL);
	assert_non_null(w);
	assert_int_equal(burrow_rtnl_open(&rt), 0);

	/* Nothing changes: no call (the guard ends the run). */
	run_until_call(2 * BURROW_ADDR_WATCH_SETTLE_MS);
	assert_true(t.guard_fired);
	assert_int_equal(t.calls, 0);

	/* Three addresses at once: one call, after the burst settled. */
	address(&rt, true, "10.9.0.1/24");
	address(&rt, true, "10.9.0.2/24");
	address(&rt, true, "fd00:9::1/64");
	run_until_call(5000);
	assert_false(t.guard_fired);
	assert_int_equal(t.calls, 1);
	assert_int_equal(burrow_addr_watch_bursts(w), 1);
	/* ...and only one: nothing more comes for that burst. */
	run_until_call(2 * BURROW_ADDR_WATCH_SETTLE_MS);
	assert_true(t.guard_fired);
	assert_int_equal(t.calls, 1);

	/* A removal is a change too. */
	address(&rt, false, "10.9.0.2/24");
	run_until_call(5000);
	assert_int_equal(t.calls, 2);

	/* So is the link going down (its addresses stop being candidates). */
	assert_int_equal(set_lo_up(false), 0);
	run_until_call(5000);
	assert_int_equal(t.calls, 3);
	assert_int_equal(set_lo_up(true), 0);
	run_until_call(5000);
	assert_int_equal(t.calls, 4);

	/* Freed with a burst pending: no call after it. */
	address(&rt, true, "10.9.0.3/24");
	burrow_addr_watch_free(w);
	run_until_call(2 * BURROW_ADDR_WATCH_SETTLE_MS);
	assert_true(t.guard_fired);
	assert_int_equal(t.calls, 4);

	burrow_rtnl_close(&rt);
	burrow_loop_free(t.loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bursts),
	};

	return cmocka_run_group_tests_name("burrowd address watch", tests, group_setup, NULL);
}
