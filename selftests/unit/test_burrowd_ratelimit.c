// SPDX-License-Identifier: GPL-2.0
/* The token bucket that paces a peer's capsules (userspace/ratelimit.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ratelimit.h"

#define MS UINT64_C(1000000)
#define T0 (UINT64_C(1000) * 1000 * MS)	/* any monotonic time */

/* A full bucket gives burst tokens at once, then none until an interval. */
static void test_burst_then_interval(void **state)
{
	struct burrow_rate r;
	int i;

	(void)state;
	burrow_rate_init(&r, 125 * MS, 32);
	for (i = 0; i < 32; i++)
		assert_true(burrow_rate_take(&r, T0));
	assert_false(burrow_rate_take(&r, T0));
	assert_int_equal(burrow_rate_wait(&r, T0), 125 * MS);
	assert_int_equal(burrow_rate_wait(&r, T0 + 100 * MS), 25 * MS);
	assert_false(burrow_rate_take(&r, T0 + 124 * MS));
	assert_true(burrow_rate_take(&r, T0 + 125 * MS));
	assert_false(burrow_rate_take(&r, T0 + 125 * MS));
}

/* A steady sender at the rate is never refused; the bucket refills to
 * burst, not beyond, after a pause. */
static void test_steady_and_refill(void **state)
{
	struct burrow_rate r;
	uint64_t t = T0;
	int i;

	(void)state;
	burrow_rate_init(&r, 125 * MS, 4);
	for (i = 0; i < 1000; i++, t += 125 * MS)
		assert_true(burrow_rate_take(&r, t));
	t += 3600 * 1000 * MS;	/* an hour idle */
	for (i = 0; i < 4; i++)
		assert_true(burrow_rate_take(&r, t));
	assert_false(burrow_rate_take(&r, t));
}

/* Early in the clock (now < burst * interval) the bucket is still full. */
static void test_small_now(void **state)
{
	struct burrow_rate r;

	(void)state;
	burrow_rate_init(&r, 125 * MS, 32);
	assert_true(burrow_rate_take(&r, 0));
	assert_true(burrow_rate_take(&r, 1));
	burrow_rate_init(&r, 125 * MS, 0);	/* burst 0 means 1 */
	assert_true(burrow_rate_take(&r, 5));
	assert_false(burrow_rate_take(&r, 6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_interval),
		cmocka_unit_test(test_steady_and_refill),
		cmocka_unit_test(test_small_now),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
