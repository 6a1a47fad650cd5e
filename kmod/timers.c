// SPDX-License-Identifier: GPL-2.0
/*
 * Per-peer timers: persistent keepalive and inactivity expiry.
 *
 * The packet path only stores jiffies in last_tx/last_rx; it never touches
 * a timer per packet. Each timer fires at the earliest moment its condition
 * could hold, checks the timestamps, acts if due, and re-arms itself for
 * the next candidate moment.
 *
 * Re-arming happens only inside an RCU-BH read section (timer callbacks run
 * in softirq; burrow_timers_update takes rcu_read_lock_bh) after checking
 * that the peer is not dead and its device is running. Peer removal sets
 * dead, and the core clears netif_running() before ndo_stop; either then
 * waits a grace period and deletes the timers synchronously, so they stay
 * stopped: a down device sends no keepalive and expires no peer. ndo_open
 * arms them again (burrow_peer_start_all).
 *
 * Inactivity counts from the last receive or from the moment the device
 * last came up, whichever is later: while it was down nothing could be
 * heard, so coming up is no proof that the peer fell silent.
 */

#include <linux/jiffies.h>
#include <linux/timer.h>

#include "device.h"
#include "netlink.h"
#include "peer.h"
#include "send.h"
#include "timers.h"

/* Inside an RCU-BH section (see the top). */
static bool burrow_timers_may_arm(const struct burrow_peer *peer)
{
	return !READ_ONCE(peer->dead) && netif_running(peer->bdev->dev);
}

/* When the inactivity timeout starts counting (see the top). */
static unsigned long burrow_timers_silent_since(const struct burrow_peer *peer)
{
	unsigned long last_rx = READ_ONCE(peer->last_rx);
	unsigned long up = READ_ONCE(peer->bdev->up_since);

	return time_after(up, last_rx) ? up : last_rx;
}

static void burrow_keepalive_expired(struct timer_list *timer)
{
	struct burrow_peer *peer = from_timer(peer, timer, keepalive_timer);
	unsigned long interval = burrow_peer_keepalive(peer) * HZ;
	unsigned long due;

	if (!burrow_timers_may_arm(peer) || !interval)
		return;
	due = READ_ONCE(peer->last_tx) + interval;
	if (time_after_eq(jiffies, due)) {
		burrow_send_keepalive(peer);
		due = jiffies + interval;
	}
	if (burrow_timers_may_arm(peer))
		mod_timer(&peer->keepalive_timer, due);
}

static void burrow_inactivity_expired(struct timer_list *timer)
{
	struct burrow_peer *peer = from_timer(peer, timer, inactivity_timer);
	unsigned long timeout = burrow_peer_inactivity_timeout(peer) * HZ;
	unsigned long due;

	if (!burrow_timers_may_arm(peer) || !timeout || READ_ONCE(peer->expired))
		return;
	due = burrow_timers_silent_since(peer) + timeout;
	if (time_after_eq(jiffies, due)) {
		/* Re-armed by the next received packet (burrow_timers_rx). */
		WRITE_ONCE(peer->expired, true);
		burrow_event_peer_expired(peer);
		return;
	}
	if (burrow_timers_may_arm(peer))
		mod_timer(&peer->inactivity_timer, due);
}

void burrow_timers_init(struct burrow_peer *peer)
{
	peer->last_rx = jiffies;
	peer->last_tx = jiffies;
	timer_setup(&peer->keepalive_timer, burrow_keepalive_expired, 0);
	timer_setup(&peer->inactivity_timer, burrow_inactivity_expired, 0);
}

void burrow_timers_update(struct burrow_peer *peer)
{
	unsigned long keepalive = burrow_peer_keepalive(peer) * HZ;
	unsigned long inactivity = burrow_peer_inactivity_timeout(peer) * HZ;

	rcu_read_lock_bh();
	if (!burrow_timers_may_arm(peer))
		goto out_unlock;
	if (keepalive)
		mod_timer(&peer->keepalive_timer, READ_ONCE(peer->last_tx) + keepalive);
	else
		del_timer(&peer->keepalive_timer);
	if (inactivity && !READ_ONCE(peer->expired))
		mod_timer(&peer->inactivity_timer,
			  burrow_timers_silent_since(peer) + inactivity);
	else
		del_timer(&peer->inactivity_timer);
out_unlock:
	rcu_read_unlock_bh();
}

void burrow_timers_stop(struct burrow_peer *peer)
{
	del_timer_sync(&peer->keepalive_timer);
	del_timer_sync(&peer->inactivity_timer);
}

void burrow_timers_rx(struct burrow_peer *peer)
{
	WRITE_ONCE(peer->last_rx, jiffies);
	if (unlikely(!READ_ONCE(peer->received)))
		WRITE_ONCE(peer->received, true);
	if (unlikely(READ_ONCE(peer->expired))) {
		WRITE_ONCE(peer->expired, false);
		burrow_timers_update(peer);
	}
}

void burrow_timers_tx(struct burrow_peer *peer)
{
	WRITE_ONCE(peer->last_tx, jiffies);
}
