// SPDX-License-Identifier: GPL-2.0
/*
 * In-module selftest of aqm.c, #included at its end when built with
 * BURROW_SELFTEST so that it can reach the file's static functions; never
 * compiled on its own (Kbuild lists only the implementation files).
 *
 * Time: every packet is stamped a second in the past, so each head's
 * sojourn is far above any target from the start. Where CoDel would wait
 * for an interval to pass (first_above_time, drop_next), the test moves
 * that deadline back instead of sleeping: the debug kernel runs every
 * selftest at each module load.
 */

#include "selftest.h"

#define AQMST_PACKETS	6

struct aqmst {
	struct burrow_aqm aqm;
	struct sk_buff_head queue;
	struct sk_buff *skb[AQMST_PACKETS];
	unsigned int dropped;		/* how many the drop callback freed */
	unsigned int drop_order_bad;	/* a drop that was not the oldest left */
	unsigned int next_drop;		/* index the next drop must have */
	bool ok;
};

#define aqmst_fail(t, fmt, ...) do {					\
	pr_err("selftest aqm: " fmt "\n", ##__VA_ARGS__);		\
	(t)->ok = false;						\
} while (0)

static void aqmst_drop(struct sk_buff *skb, void *ctx)
{
	struct aqmst *t = ctx;

	/* CoDel drops at the head only, so drops come in queue order. */
	while (t->next_drop < AQMST_PACKETS && t->skb[t->next_drop] != skb)
		t->next_drop++;
	if (t->next_drop == AQMST_PACKETS)
		t->drop_order_bad++;
	else
		t->skb[t->next_drop++] = NULL;
	t->dropped++;
	kfree_skb(skb);
}

/* @count packets, finished (@state) and a second old; false if out of memory. */
static bool aqmst_fill(struct aqmst *t, unsigned int count, enum burrow_pkt_state state)
{
	codel_time_t old = codel_get_time() - (NSEC_PER_SEC >> CODEL_SHIFT);
	unsigned int i;

	burrow_aqm_init(&t->aqm);
	skb_queue_head_init(&t->queue);
	t->dropped = 0;
	t->drop_order_bad = 0;
	t->next_drop = 0;
	for (i = 0; i < AQMST_PACKETS; i++)
		t->skb[i] = NULL;
	for (i = 0; i < count; i++) {
		struct sk_buff *skb = alloc_skb(64, GFP_KERNEL);

		if (!skb)
			return false;
		burrow_pkt_init(skb, NULL, i);
		BURROW_PKT_CB(skb)->enqueue_time = old;
		atomic_set(&BURROW_PKT_CB(skb)->state, state);
		t->skb[i] = skb;
		__skb_queue_tail(&t->queue, skb);
	}
	return true;
}

/* One serial-step pop, with BH off as the serial steps have it. */
static struct sk_buff *aqmst_pop(struct aqmst *t)
{
	struct sk_buff *skb;

	local_bh_disable();
	skb = burrow_aqm_dequeue(&t->aqm, &t->queue, aqmst_drop, t);
	local_bh_enable();
	return skb;
}

/* Pop and check that the packet returned is packet @want (-1: none). */
static void aqmst_expect(struct aqmst *t, int want, const char *step)
{
	struct sk_buff *skb = aqmst_pop(t);
	int got = -1;
	int i;

	for (i = 0; skb && i < AQMST_PACKETS; i++)
		if (t->skb[i] == skb)
			got = i;
	if (skb && got < 0)
		aqmst_fail(t, "%s: popped a packet the test did not queue", step);
	else if (got != want)
		aqmst_fail(t, "%s: popped packet %d, expected %d (%u dropped, %u left)",
			   step, got, want, t->dropped, skb_queue_len(&t->queue));
	if (got >= 0)
		t->skb[got] = NULL;
	kfree_skb(skb);
}

static void aqmst_expect_drops(struct aqmst *t, unsigned int want, const char *step)
{
	if (t->dropped != want)
		aqmst_fail(t, "%s: %u dropped, expected %u", step, t->dropped, want);
	if (t->drop_order_bad)
		aqmst_fail(t, "%s: a drop was not at the head", step);
}

static void aqmst_empty(struct aqmst *t)
{
	__skb_queue_purge(&t->queue);
}

/* Off (target 0): packets leave in order, however long they waited. */
static void aqmst_off(struct aqmst *t)
{
	int i;

	WRITE_ONCE(burrow_queue_delay_target_us, 0);
	if (!aqmst_fill(t, 3, BURROW_PKT_DONE)) {
		aqmst_fail(t, "off: cannot allocate packets");
		goto out_empty;
	}
	for (i = 0; i < 3; i++)
		aqmst_expect(t, i, "off");
	aqmst_expect(t, -1, "off, drained");
	aqmst_expect_drops(t, 0, "off");
out_empty:
	aqmst_empty(t);
}

/*
 * A head a crypt worker still holds: nothing pops, nothing drops, and
 * CoDel's dropping state survives, since the queue is not empty.
 */
static void aqmst_head_busy(struct aqmst *t)
{
	WRITE_ONCE(burrow_queue_delay_target_us, 1);
	if (!aqmst_fill(t, 3, BURROW_PKT_QUEUED)) {
		aqmst_fail(t, "busy head: cannot allocate packets");
		goto out_empty;
	}
	t->aqm.vars.dropping = true;
	aqmst_expect(t, -1, "busy head");
	aqmst_expect_drops(t, 0, "busy head");
	if (skb_queue_len(&t->queue) != 3)
		aqmst_fail(t, "busy head: %u left of 3", skb_queue_len(&t->queue));
	if (!t->aqm.vars.dropping)
		aqmst_fail(t, "busy head: CoDel left its dropping state");
out_empty:
	aqmst_empty(t);
}

/*
 * A standing queue: no drop until the head has been above the target for
 * an interval, then one at the head; once the next drop is due, drops at
 * the head until one packet is left waiting, which CoDel never drops (the
 * "one MTU" rule, in packets here). An empty queue ends the dropping state.
 */
static void aqmst_standing(struct aqmst *t)
{
	codel_time_t interval = MS2TIME(100);

	WRITE_ONCE(burrow_queue_delay_target_us, 1);
	if (!aqmst_fill(t, AQMST_PACKETS, BURROW_PKT_DONE)) {
		aqmst_fail(t, "standing: cannot allocate packets");
		goto out_empty;
	}
	aqmst_expect(t, 0, "standing, first pop");
	aqmst_expect_drops(t, 0, "standing, first pop");
	if (!t->aqm.vars.first_above_time)
		aqmst_fail(t, "standing: the first pop did not start the interval");

	t->aqm.vars.first_above_time -= interval + MS2TIME(1);
	aqmst_expect(t, 2, "standing, after an interval above target");
	aqmst_expect_drops(t, 1, "standing, after an interval above target");
	if (!t->aqm.vars.dropping)
		aqmst_fail(t, "standing: a drop did not enter the dropping state");

	/* Long overdue: CoDel's loop drops until the rule above stops it. */
	t->aqm.vars.drop_next -= 10 * interval;
	aqmst_expect(t, 4, "standing, next drops overdue");
	aqmst_expect_drops(t, 2, "standing, next drops overdue");
	if (skb_queue_len(&t->queue) != 1)
		aqmst_fail(t, "standing: %u left waiting, expected the last one",
			   skb_queue_len(&t->queue));

	aqmst_expect(t, 5, "standing, last");
	t->aqm.vars.dropping = true;
	aqmst_expect(t, -1, "standing, drained");
	if (t->aqm.vars.dropping)
		aqmst_fail(t, "standing: an empty queue did not end the dropping state");
	aqmst_expect_drops(t, 2, "standing, drained");
out_empty:
	aqmst_empty(t);
}

bool burrow_aqm_selftest(void)
{
	unsigned int saved_target = READ_ONCE(burrow_queue_delay_target_us);
	struct aqmst *t;
	bool ok;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t) {
		pr_err("selftest aqm: cannot allocate test state\n");
		return false;
	}
	t->ok = true;
	aqmst_off(t);
	aqmst_head_busy(t);
	aqmst_standing(t);
	WRITE_ONCE(burrow_queue_delay_target_us, saved_target);
	ok = t->ok;
	kfree(t);
	return ok;
}
