/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Queue delay control for a peer's ordered queues: CoDel (RFC 8289), the
 * kernel's own implementation (net/codel_impl.h), applied where a serial
 * step pops packets. A packet's sojourn time runs from the moment it joined
 * the ordered queue (burrow_pkt_init() stamps it) to the moment its serial
 * step takes it, so it covers both the wait for a crypt worker and the wait
 * for the serial step. Once the head's sojourn has stayed above the target
 * for an interval (100 ms), CoDel drops at the head, at a rate that grows
 * until the delay is back under the target: TCP senders behind the tunnel
 * slow down before the 1024-packet bound is reached, so the queue stops
 * adding latency to everything else the peer carries. Drops count
 * drop_queue_delay.
 *
 * The state (struct codel_vars) is per peer and direction and is touched
 * only by that direction's serial step, which never runs twice at once, so
 * it needs no lock.
 */
#ifndef _BURROW_AQM_H
#define _BURROW_AQM_H

#include <linux/skbuff.h>
#include <net/codel.h>

/* Target sojourn in microseconds; 0 turns delay control off (module parameter). */
extern unsigned int burrow_queue_delay_target_us;

struct burrow_aqm {
	struct codel_vars vars;
};

void burrow_aqm_init(struct burrow_aqm *aqm);

/*
 * Pop the next packet for a serial step: the head of @queue if its work is
 * finished, after dropping at the head as CoDel decides (@drop frees each
 * dropped packet, given @ctx); NULL when the queue is empty or its head is
 * still being worked on. BH disabled.
 */
struct sk_buff *burrow_aqm_dequeue(struct burrow_aqm *aqm, struct sk_buff_head *queue,
				   void (*drop)(struct sk_buff *skb, void *ctx), void *ctx);

#endif /* _BURROW_AQM_H */
