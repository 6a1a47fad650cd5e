/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A token bucket in GCRA form (one timestamp, integer nanoseconds): up to
 * `burst` events at once, then one per `interval_ns`. Pure; the caller
 * passes the time, so tests need no clock.
 */
#ifndef BURROW_RATELIMIT_H
#define BURROW_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct burrow_rate {
	uint64_t interval_ns;	/* one token per interval */
	uint64_t burst;		/* bucket size, >= 1 */
	uint64_t tat;		/* "theoretical arrival time": bucket full at tat - burst * interval */
};

/* A full bucket. */
void burrow_rate_init(struct burrow_rate *r, uint64_t interval_ns, uint64_t burst);
/* 0 if a token is there at now; else how long until one is (ns). */
uint64_t burrow_rate_wait(const struct burrow_rate *r, uint64_t now);
/* Take a token if there is one at now. */
bool burrow_rate_take(struct burrow_rate *r, uint64_t now);

#endif /* BURROW_RATELIMIT_H */
