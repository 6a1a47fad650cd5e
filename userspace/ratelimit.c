// SPDX-License-Identifier: GPL-2.0
/* Token bucket (GCRA): see ratelimit.h. */
#include "ratelimit.h"

void burrow_rate_init(struct burrow_rate *r, uint64_t interval_ns, uint64_t burst)
{
	r->interval_ns = interval_ns;
	r->burst = burst ? burst : 1;
	r->tat = 0;	/* in the past of any now: full */
}

/*
 * tat advances by one interval per event taken (from now, if it lies in the
 * past: an idle bucket refills to burst, no more). An event is allowed when
 * at most burst - 1 intervals are still owed: tat - (burst - 1) * interval
 * <= now.
 */
uint64_t burrow_rate_wait(const struct burrow_rate *r, uint64_t now)
{
	uint64_t allow_at = r->tat - (r->burst - 1) * r->interval_ns;

	if (r->tat < (r->burst - 1) * r->interval_ns || allow_at <= now)
		return 0;
	return allow_at - now;
}

bool burrow_rate_take(struct burrow_rate *r, uint64_t now)
{
	if (burrow_rate_wait(r, now))
		return false;
	r->tat = (r->tat > now ? r->tat : now) + r->interval_ns;
	return true;
}
