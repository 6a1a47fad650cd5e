// SPDX-License-Identifier: GPL-2.0
/*
 * Fragmentation and reassembly of Ethernet frames for L2 mode; l2_frag.h
 * has the design, the limits and the locking.
 *
 * A frame in progress is assembled in place: its first piece allocates an
 * skb of the frame's total length, every piece is copied to its offset, and
 * a short sorted list of received byte ranges rejects overlaps and tells
 * when the frame is whole. Any rejected piece frees the frame it was for:
 * its bytes would be ambiguous (overlap) or its sender is broken, and a
 * frame that cannot complete would only hold memory until its timeout.
 */

#include <linux/etherdevice.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "l2_frag.h"

static void burrow_l2_frag_count(struct burrow_l2_frag_dev *fdev,
				 enum burrow_l2_frag_counter what, unsigned int n)
{
	this_cpu_add(fdev->counters[what], n);
}

void burrow_l2_frag_dev_init(struct burrow_l2_frag_dev *fdev, unsigned int max_frame,
			     u64 __percpu *counters)
{
	atomic_set(&fdev->reasm_bytes, 0);
	fdev->reasm_budget = BURROW_L2_REASM_BUDGET;
	fdev->max_frame = max_frame;
	fdev->counters = counters;
}

u64 burrow_l2_frag_counter_sum(const struct burrow_l2_frag_dev *fdev,
			       enum burrow_l2_frag_counter what)
{
	u64 sum = 0;
	int cpu;

	/* As burrow_stats_sum(): one writer per CPU, single 64-bit stores. */
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(&fdev->counters[what], cpu));
	return sum;
}

/* --- transmit */

int burrow_l2_frag_split(struct burrow_l2_frag_peer *fpeer, struct sk_buff *skb,
			 unsigned int max_plain, unsigned int headroom, unsigned int tailroom,
			 struct sk_buff_head *pieces)
{
	struct burrow_l2_frag_header *hdr;
	unsigned int len = skb->len, piece, offset, this, n = 0;
	struct sk_buff_head list;
	struct sk_buff *p;
	u32 id;
	int err;

	if (len <= max_plain)
		return 0;
	if (len > U16_MAX || max_plain <= BURROW_L2_FRAG_HEADER_LEN ||
	    DIV_ROUND_UP(len, max_plain - BURROW_L2_FRAG_HEADER_LEN) > BURROW_L2_FRAG_PIECES_MAX)
		return -EMSGSIZE;
	/* The pieces are copies: the frame's checksum must be final first. */
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		err = skb_checksum_help(skb);
		if (err)
			return err;
	}
	/*
	 * Pieces of equal length (the last may be shorter), no longer than
	 * max_plain allows: ceil(len / n) <= max_plain - header, as n is
	 * ceil(len / (max_plain - header)).
	 */
	piece = DIV_ROUND_UP(len, DIV_ROUND_UP(len, max_plain - BURROW_L2_FRAG_HEADER_LEN));
	__skb_queue_head_init(&list);
	id = (u32)atomic_inc_return(&fpeer->tx_id);
	for (offset = 0; offset < len; offset += this) {
		this = min(piece, len - offset);
		p = alloc_skb(headroom + BURROW_L2_FRAG_HEADER_LEN + this + tailroom, GFP_ATOMIC);
		if (!p) {
			err = -ENOMEM;
			goto err_purge;
		}
		skb_reserve(p, headroom);
		hdr = skb_put(p, BURROW_L2_FRAG_HEADER_LEN);
		hdr->id = cpu_to_be32(id);
		hdr->offset = cpu_to_be16(offset);
		hdr->total = cpu_to_be16(len);
		err = skb_copy_bits(skb, offset, skb_put(p, this), this);
		if (WARN_ON_ONCE(err)) {
			kfree_skb(p);
			goto err_purge;
		}
		p->priority = skb->priority;
		p->mark = skb->mark;
		__skb_queue_tail(&list, p);
		n++;
	}
	skb_queue_splice_tail(&list, pieces);
	burrow_l2_frag_count(fpeer->fdev, BURROW_L2_FRAG_FRAMES_TX, 1);
	burrow_l2_frag_count(fpeer->fdev, BURROW_L2_FRAG_TX, n);
	consume_skb(skb);
	return n;

err_purge:
	__skb_queue_purge(&list);
	return err;
}

/* --- receive; everything below runs under fpeer->lock */

static void burrow_l2_reasm_free(struct burrow_l2_frag_peer *fpeer,
				 struct burrow_l2_reasm_frame *frame)
{
	list_del(&frame->node);
	fpeer->nr_frames--;
	atomic_sub(frame->charge, &fpeer->fdev->reasm_bytes);
	kfree_skb(frame->skb);
	kfree(frame);
}

/* Free the oldest frame in progress; false if there is none. */
static bool burrow_l2_reasm_evict(struct burrow_l2_frag_peer *fpeer)
{
	struct burrow_l2_reasm_frame *oldest;

	oldest = list_first_entry_or_null(&fpeer->frames, struct burrow_l2_reasm_frame, node);
	if (!oldest)
		return false;
	burrow_l2_reasm_free(fpeer, oldest);
	burrow_l2_frag_count(fpeer->fdev, BURROW_L2_REASM_DROP_EVICTED, 1);
	return true;
}

/* Free the frames whose time is up at @now; they are in deadline order. */
static void burrow_l2_reasm_expire(struct burrow_l2_frag_peer *fpeer, unsigned long now)
{
	struct burrow_l2_reasm_frame *frame, *next;

	list_for_each_entry_safe(frame, next, &fpeer->frames, node) {
		if (time_before(now, frame->deadline))
			break;
		burrow_l2_reasm_free(fpeer, frame);
		burrow_l2_frag_count(fpeer->fdev, BURROW_L2_REASM_DROP_TIMEOUT, 1);
	}
}

/* Take @charge bytes of the device budget, all or nothing. */
static bool burrow_l2_reasm_reserve(struct burrow_l2_frag_dev *fdev, unsigned int charge)
{
	int old = atomic_read(&fdev->reasm_bytes);

	do {
		if ((unsigned int)old + charge > READ_ONCE(fdev->reasm_budget))
			return false;
	} while (!atomic_try_cmpxchg(&fdev->reasm_bytes, &old, old + charge));
	return true;
}

static struct burrow_l2_reasm_frame *burrow_l2_reasm_find(struct burrow_l2_frag_peer *fpeer,
							  u32 id)
{
	struct burrow_l2_reasm_frame *frame;

	list_for_each_entry(frame, &fpeer->frames, node)
		if (frame->id == id)
			return frame;
	return NULL;
}

/*
 * A new frame in progress, after making room for it under both bounds.
 * NULL (counted as evicted) when memory cannot be had or the device budget
 * is held by other peers' frames.
 */
static struct burrow_l2_reasm_frame *burrow_l2_reasm_new(struct burrow_l2_frag_peer *fpeer,
							 u32 id, unsigned int total,
							 unsigned long now)
{
	struct burrow_l2_frag_dev *fdev = fpeer->fdev;
	struct burrow_l2_reasm_frame *frame;
	struct sk_buff *skb;
	unsigned int charge;

	frame = kmalloc(sizeof(*frame), GFP_ATOMIC);
	if (!frame)
		goto err_count;
	skb = alloc_skb(NET_SKB_PAD + NET_IP_ALIGN + total, GFP_ATOMIC);
	if (!skb)
		goto err_free_frame;
	skb_reserve(skb, NET_SKB_PAD + NET_IP_ALIGN);
	skb_put(skb, total);
	charge = skb->truesize + sizeof(*frame);

	if (fpeer->nr_frames >= BURROW_L2_REASM_FRAMES)
		burrow_l2_reasm_evict(fpeer);
	while (!burrow_l2_reasm_reserve(fdev, charge))
		if (!burrow_l2_reasm_evict(fpeer))
			goto err_free_skb;

	frame->skb = skb;
	frame->deadline = now + BURROW_L2_REASM_TIMEOUT;
	frame->charge = charge;
	frame->id = id;
	frame->total = total;
	frame->nr_ranges = 0;
	list_add_tail(&frame->node, &fpeer->frames);
	fpeer->nr_frames++;
	/*
	 * The timer, when pending, is due at the oldest frame's deadline or
	 * earlier, and this frame's is the latest.
	 */
	if (!fpeer->dead && !timer_pending(&fpeer->timer))
		mod_timer(&fpeer->timer, list_first_entry(&fpeer->frames,
							  struct burrow_l2_reasm_frame,
							  node)->deadline);
	return frame;

err_free_skb:
	kfree_skb(skb);
err_free_frame:
	kfree(frame);
err_count:
	burrow_l2_frag_count(fdev, BURROW_L2_REASM_DROP_EVICTED, 1);
	return NULL;
}

/*
 * Record [start, end) as received. Returns BURROW_L2_FRAG_COUNTER_MAX, or
 * why the piece is rejected: it overlaps received bytes (a piece wholly
 * inside them counts as a duplicate, as bad), or the frame has too many
 * holes.
 */
static enum burrow_l2_frag_counter
burrow_l2_reasm_range(struct burrow_l2_reasm_frame *frame, unsigned int start, unsigned int end)
{
	unsigned int i = 0, n = frame->nr_ranges;
	bool left, right;

	while (i < n && frame->ranges[i].end <= start)
		i++;
	/* ranges[i - 1] ends at or before start; ranges[i] ends after it. */
	if (i < n && frame->ranges[i].start < end) {
		if (frame->ranges[i].start <= start && end <= frame->ranges[i].end)
			return BURROW_L2_REASM_DROP_BAD;
		return BURROW_L2_REASM_DROP_OVERLAP;
	}
	left = i > 0 && frame->ranges[i - 1].end == start;
	right = i < n && frame->ranges[i].start == end;
	if (left && right) {
		frame->ranges[i - 1].end = frame->ranges[i].end;
		memmove(&frame->ranges[i], &frame->ranges[i + 1],
			(n - i - 1) * sizeof(frame->ranges[0]));
		frame->nr_ranges--;
	} else if (left) {
		frame->ranges[i - 1].end = end;
	} else if (right) {
		frame->ranges[i].start = start;
	} else {
		if (n == BURROW_L2_REASM_RANGES)
			return BURROW_L2_REASM_DROP_BAD;
		memmove(&frame->ranges[i + 1], &frame->ranges[i],
			(n - i) * sizeof(frame->ranges[0]));
		frame->ranges[i].start = start;
		frame->ranges[i].end = end;
		frame->nr_ranges++;
	}
	return BURROW_L2_FRAG_COUNTER_MAX;
}

/* burrow_l2_reasm_add() at time @now (the selftest's own clock). */
static struct sk_buff *__burrow_l2_reasm_add(struct burrow_l2_frag_peer *fpeer,
					     struct sk_buff *skb, unsigned long now)
{
	struct burrow_l2_frag_dev *fdev = fpeer->fdev;
	struct burrow_l2_reasm_frame *frame;
	struct burrow_l2_frag_header hdr;
	enum burrow_l2_frag_counter reason;
	unsigned int offset, total, len;
	struct sk_buff *whole = NULL;
	u32 id;

	if (skb_copy_bits(skb, 0, &hdr, sizeof(hdr))) {
		burrow_l2_frag_count(fdev, BURROW_L2_REASM_DROP_BAD, 1);
		kfree_skb(skb);
		return NULL;
	}
	id = be32_to_cpu(hdr.id);
	offset = be16_to_cpu(hdr.offset);
	total = be16_to_cpu(hdr.total);
	len = skb->len - sizeof(hdr);

	spin_lock(&fpeer->lock);
	burrow_l2_reasm_expire(fpeer, now);
	frame = burrow_l2_reasm_find(fpeer, id);
	if (total > READ_ONCE(fdev->max_frame)) {
		reason = BURROW_L2_REASM_DROP_OVERSIZE;
		goto reject;
	}
	if (!len || offset + len > total || total < ETH_HLEN ||
	    (frame && frame->total != total)) {
		reason = BURROW_L2_REASM_DROP_BAD;
		goto reject;
	}
	if (!frame) {
		frame = burrow_l2_reasm_new(fpeer, id, total, now);
		if (!frame) {
			/* Counted. */
			spin_unlock(&fpeer->lock);
			kfree_skb(skb);
			return NULL;
		}
	}
	reason = burrow_l2_reasm_range(frame, offset, offset + len);
	if (reason != BURROW_L2_FRAG_COUNTER_MAX)
		goto reject;
	/* Cannot fail: len is what skb holds behind the header. */
	skb_copy_bits(skb, sizeof(hdr), frame->skb->data + offset, len);
	if (frame->nr_ranges == 1 && frame->ranges[0].start == 0 &&
	    frame->ranges[0].end == total) {
		whole = frame->skb;
		frame->skb = NULL;
		burrow_l2_reasm_free(fpeer, frame);
		burrow_l2_frag_count(fdev, BURROW_L2_REASM_FRAMES_DONE, 1);
	}
	spin_unlock(&fpeer->lock);
	consume_skb(skb);
	return whole;

reject:
	if (frame)
		burrow_l2_reasm_free(fpeer, frame);
	spin_unlock(&fpeer->lock);
	burrow_l2_frag_count(fdev, reason, 1);
	kfree_skb(skb);
	return NULL;
}

struct sk_buff *burrow_l2_reasm_add(struct burrow_l2_frag_peer *fpeer, struct sk_buff *skb)
{
	return __burrow_l2_reasm_add(fpeer, skb, jiffies);
}

/* Softirq: frees what has expired, then re-arms for the next deadline. */
static void burrow_l2_reasm_timer(struct timer_list *timer)
{
	struct burrow_l2_frag_peer *fpeer = from_timer(fpeer, timer, timer);
	struct burrow_l2_reasm_frame *oldest;

	spin_lock(&fpeer->lock);
	burrow_l2_reasm_expire(fpeer, jiffies);
	oldest = list_first_entry_or_null(&fpeer->frames, struct burrow_l2_reasm_frame, node);
	if (oldest && !fpeer->dead)
		mod_timer(&fpeer->timer, oldest->deadline);
	spin_unlock(&fpeer->lock);
}

void burrow_l2_frag_peer_init(struct burrow_l2_frag_peer *fpeer, struct burrow_l2_frag_dev *fdev)
{
	/* A random start, so a restarted sender's ids are not a stale frame's. */
	atomic_set(&fpeer->tx_id, get_random_u32());
	fpeer->fdev = fdev;
	spin_lock_init(&fpeer->lock);
	INIT_LIST_HEAD(&fpeer->frames);
	fpeer->nr_frames = 0;
	fpeer->dead = false;
	timer_setup(&fpeer->timer, burrow_l2_reasm_timer, 0);
}

void burrow_l2_frag_peer_destroy(struct burrow_l2_frag_peer *fpeer)
{
	struct burrow_l2_reasm_frame *frame, *next;

	/* Once dead is seen under the lock, neither the timer nor a new frame re-arms it. */
	spin_lock_bh(&fpeer->lock);
	fpeer->dead = true;
	spin_unlock_bh(&fpeer->lock);
	del_timer_sync(&fpeer->timer);
	spin_lock_bh(&fpeer->lock);
	list_for_each_entry_safe(frame, next, &fpeer->frames, node)
		burrow_l2_reasm_free(fpeer, frame);
	spin_unlock_bh(&fpeer->lock);
}

#ifdef BURROW_SELFTEST
#include "selftest/l2_frag.c"
#endif
