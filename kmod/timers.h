/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BURROW_TIMERS_H
#define _BURROW_TIMERS_H

struct burrow_peer;

void burrow_timers_init(struct burrow_peer *peer);
/* Re-evaluate both timers now (configuration changed). */
void burrow_timers_update(struct burrow_peer *peer);
/*
 * The peer is dead or its device down (a grace period after either was
 * set): wait for running callbacks; they do not re-arm.
 */
void burrow_timers_stop(struct burrow_peer *peer);
/* Packet path hooks: cheap, no timer operation unless one is needed. */
void burrow_timers_rx(struct burrow_peer *peer);
void burrow_timers_tx(struct burrow_peer *peer);

#endif /* _BURROW_TIMERS_H */
