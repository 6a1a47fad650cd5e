// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd's event loop timers (userspace/loop.c): a deadline already past,
 * down to 0 ("now", what burrow-coord's next expiry says while work is
 * waiting), fires on the next turn; the loop never mistakes 0 for "no
 * timer". A second timer a few seconds out stops the loop if it does not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "loop.h"

struct fired {
	struct burrow_loop *loop;
	int count;
	const char *last;
};

static struct fired fired;

static void on_due(void *arg)
{
	fired.count++;
	fired.last = arg;
	burrow_loop_stop(fired.loop);
}

static void run_with(uint64_t deadline)
{
	struct burrow_timer due, guard;
	uint64_t start;

	fired = (struct fired){ .loop = burrow_loop_new(NULL, NULL) };
	assert_non_null(fired.loop);
	burrow_timer_init(&due, on_due, "due");
	burrow_timer_init(&guard, on_due, "guard");
	burrow_timer_arm_in(fired.loop, &guard, 3ull * 1000000000ull);
	burrow_timer_arm(fired.loop, &due, deadline);
	start = burrow_now_ns();
	assert_int_equal(burrow_loop_run(fired.loop), 0);
	assert_int_equal(fired.count, 1);
	assert_string_equal(fired.last, "due");
	/* Not merely run along with the guard when it woke the loop. */
	if (burrow_now_ns() - start >= 2ull * 1000000000ull)
		fail_msg("a timer due at %llu ran only when the 3 s guard woke the loop",
			 (unsigned long long)deadline);
	burrow_loop_free(fired.loop);
}

static void test_deadline_zero_fires(void **state)
{
	(void)state;
	run_with(0);
}

static void test_deadline_past_fires(void **state)
{
	(void)state;
	run_with(1);
	run_with(burrow_now_ns() - 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deadline_zero_fires),
		cmocka_unit_test(test_deadline_past_fires),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
