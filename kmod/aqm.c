// SPDX-License-Identifier: GPL-2.0
/*
 * CoDel on the ordered queues; aqm.h has the why. net/codel_impl.h is
 * included here only: it defines static functions.
 *
 * Two translations from a qdisc's CoDel:
 *  - Backlog is counted in packets, not bytes, so the "at most one MTU
 *    queued, never drop" rule becomes "at most one packet waiting". As in
 *    a qdisc, the backlog CoDel judges is what is left behind the packet
 *    just popped, so each pop, including those inside CoDel's drop loop,
 *    re-reads it: a stale count would let the loop drop the queue empty.
 *  - A queue whose head a crypt worker still holds is not empty, but there
 *    is nothing to pop yet. Such a pop returns before CoDel sees it, so that
 *    CoDel does not take it for an empty queue and leave its dropping state
 *    in the middle of a standing queue.
 */

#include <linux/module.h>
#include <net/codel.h>
#include <net/codel_impl.h>

#include "aqm.h"
#include "queue.h"

unsigned int burrow_queue_delay_target_us = 5000;
module_param_named(queue_delay_target_us, burrow_queue_delay_target_us, uint, 0644);
MODULE_PARM_DESC(queue_delay_target_us,
		 "CoDel target sojourn of a peer's queued packets in microseconds, 0 = off (default 5000)");

struct burrow_aqm_ctx {
	struct sk_buff_head *queue;
	u32 backlog;			/* packets left behind the last pop */
	void (*drop)(struct sk_buff *skb, void *ctx);
	void *ctx;
};

static u32 burrow_aqm_skb_len(const struct sk_buff *skb)
{
	return skb->len;
}

static codel_time_t burrow_aqm_skb_time(const struct sk_buff *skb)
{
	return BURROW_PKT_CB(skb)->enqueue_time;
}

static void burrow_aqm_drop(struct sk_buff *skb, void *ctx)
{
	struct burrow_aqm_ctx *aqm_ctx = ctx;

	aqm_ctx->drop(skb, aqm_ctx->ctx);
}

static struct sk_buff *burrow_aqm_pop(struct codel_vars *vars, void *ctx)
{
	struct burrow_aqm_ctx *aqm_ctx = ctx;
	struct sk_buff *skb = burrow_pkt_dequeue(aqm_ctx->queue);

	/* Producers only append: a lockless read can only undercount by late joiners. */
	aqm_ctx->backlog = skb_queue_len_lockless(aqm_ctx->queue);
	return skb;
}

void burrow_aqm_init(struct burrow_aqm *aqm)
{
	codel_vars_init(&aqm->vars);
}

struct sk_buff *burrow_aqm_dequeue(struct burrow_aqm *aqm, struct sk_buff_head *queue,
				   void (*drop)(struct sk_buff *skb, void *ctx), void *ctx)
{
	unsigned int target_us = READ_ONCE(burrow_queue_delay_target_us);
	struct burrow_aqm_ctx aqm_ctx = { .queue = queue, .drop = drop, .ctx = ctx };
	struct codel_params params;
	struct codel_stats stats = {};
	struct sk_buff *head;

	if (!target_us)
		return burrow_pkt_dequeue(queue);

	spin_lock(&queue->lock);
	head = skb_peek(queue);
	spin_unlock(&queue->lock);
	/*
	 * Only the serial step pops, so a finished head stays the head. An
	 * empty queue does go to CoDel: that is how it learns the queue drained.
	 */
	if (head && burrow_pkt_state(head) == BURROW_PKT_QUEUED)
		return NULL;

	codel_params_init(&params);
	params.target = ((u64)target_us * NSEC_PER_USEC) >> CODEL_SHIFT;
	params.mtu = 1;
	/*
	 * CoDel's own statistics live for this call only: the drop callback
	 * counts drops as drop_queue_delay.
	 */
	codel_stats_init(&stats);
	return codel_dequeue(&aqm_ctx, &aqm_ctx.backlog, &params, &aqm->vars, &stats,
			     burrow_aqm_skb_len, burrow_aqm_skb_time, burrow_aqm_drop,
			     burrow_aqm_pop);
}

#ifdef BURROW_SELFTEST
#include "selftest/aqm.c"
#endif
