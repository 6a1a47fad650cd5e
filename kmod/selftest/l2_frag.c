// SPDX-License-Identifier: GPL-2.0
/*
 * In-module selftest of l2_frag.c, #included at its end when built with
 * BURROW_SELFTEST so that it can reach the file's static functions; never
 * compiled on its own (Kbuild lists only the implementation files).
 *
 * Time is the test's own: every piece is added with an explicit 'now' far
 * ahead of jiffies, so the peers' real timers (armed for those far
 * deadlines) never fire during the test and expiry happens only where a
 * case moves the clock.
 */

#include <linux/moduleparam.h>
#include <linux/prandom.h>
#include <linux/random.h>

#include "selftest.h"

#define ST_MAX_FRAME	9018	/* a 9000-byte MTU, Ethernet and 802.1Q headers */
/*
 * The debug kernel runs every selftest at each module load, under KASAN and
 * often under TCG: by default the fuzz is sized to take a few seconds there.
 * selftests/kmod/l2-frag-fuzz.sh loads the module once with many more
 * rounds; a failure logs its seed, which the parameter replays.
 */
static unsigned int l2_frag_fuzz_rounds = 300;
module_param(l2_frag_fuzz_rounds, uint, 0444);
MODULE_PARM_DESC(l2_frag_fuzz_rounds, "selftest: rounds of the l2_frag reassembly fuzz");
static unsigned long long l2_frag_fuzz_seed;
module_param(l2_frag_fuzz_seed, ullong, 0444);
MODULE_PARM_DESC(l2_frag_fuzz_seed, "selftest: seed of the l2_frag fuzz (0: random)");
#define ST_FUZZ_PEERS	2
#define ST_FUZZ_BUDGET	(32 * 1024)

struct l2st {
	struct burrow_l2_frag_dev fdev;
	struct burrow_l2_frag_peer peer[ST_FUZZ_PEERS];
	u64 base[BURROW_L2_FRAG_COUNTER_MAX];	/* counter values at the last check */
	unsigned long now;
	bool ok;
};

static const char *const l2st_counter_names[BURROW_L2_FRAG_COUNTER_MAX] = {
	"frag_tx", "frag_frames_tx", "reasm_frames", "reasm_drop_overlap",
	"reasm_drop_oversize", "reasm_drop_timeout", "reasm_drop_evicted", "reasm_drop_bad",
};

#define l2st_fail(t, fmt, ...) do {					\
	pr_err("selftest l2_frag: " fmt "\n", ##__VA_ARGS__);		\
	(t)->ok = false;						\
} while (0)

static bool l2st_setup(struct l2st *t)
{
	u64 __percpu *counters;
	int i;

	counters = __alloc_percpu(sizeof(u64) * BURROW_L2_FRAG_COUNTER_MAX, __alignof__(u64));
	if (!counters)
		return false;
	memset(t, 0, sizeof(*t));
	burrow_l2_frag_dev_init(&t->fdev, ST_MAX_FRAME, counters);
	for (i = 0; i < ST_FUZZ_PEERS; i++)
		burrow_l2_frag_peer_init(&t->peer[i], &t->fdev);
	t->now = jiffies + 1000 * HZ;
	t->ok = true;
	return true;
}

static void l2st_teardown(struct l2st *t)
{
	int i;

	for (i = 0; i < ST_FUZZ_PEERS; i++)
		burrow_l2_frag_peer_destroy(&t->peer[i]);
	if (atomic_read(&t->fdev.reasm_bytes))
		l2st_fail(t, "%d bytes still charged after every peer was destroyed",
			  atomic_read(&t->fdev.reasm_bytes));
	free_percpu(t->fdev.counters);
}

/*
 * Every counter moved by exactly @want since the last check (the list is
 * counter, delta pairs, ending with -1; counters not named must not move).
 */
static void l2st_counters(struct l2st *t, const char *what, ...)
{
	s64 want[BURROW_L2_FRAG_COUNTER_MAX] = {};
	va_list ap;
	int c;
	u64 now;

	va_start(ap, what);
	while ((c = va_arg(ap, int)) >= 0)
		want[c] = va_arg(ap, int);
	va_end(ap);
	for (c = 0; c < BURROW_L2_FRAG_COUNTER_MAX; c++) {
		now = burrow_l2_frag_counter_sum(&t->fdev, c);
		if (now - t->base[c] != want[c])
			l2st_fail(t, "%s: %s moved by %lld, want %lld", what,
				  l2st_counter_names[c], (s64)(now - t->base[c]), want[c]);
		t->base[c] = now;
	}
}

/* The bound and the accounting: the charges of all frames are the total. */
static void l2st_check_memory(struct l2st *t, const char *what)
{
	struct burrow_l2_reasm_frame *frame;
	unsigned int sum = 0, n;
	int i;

	for (i = 0; i < ST_FUZZ_PEERS; i++) {
		n = 0;
		spin_lock_bh(&t->peer[i].lock);
		list_for_each_entry(frame, &t->peer[i].frames, node) {
			sum += frame->charge;
			n++;
		}
		spin_unlock_bh(&t->peer[i].lock);
		if (n != t->peer[i].nr_frames || n > BURROW_L2_REASM_FRAMES)
			l2st_fail(t, "%s: peer %d has %u frames, counts %u (max %d)", what, i,
				  n, t->peer[i].nr_frames, BURROW_L2_REASM_FRAMES);
	}
	if (sum != (unsigned int)atomic_read(&t->fdev.reasm_bytes) || sum > t->fdev.reasm_budget)
		l2st_fail(t, "%s: frames hold %u bytes, charged %d, budget %u", what, sum,
			  atomic_read(&t->fdev.reasm_bytes), t->fdev.reasm_budget);
}

/* Bytes that differ with the seed and the position (4-byte words). */
static void l2st_fill(u8 *buf, unsigned int len, u32 seed)
{
	unsigned int i;
	u32 w;

	for (i = 0; i < len; i += sizeof(w)) {
		w = seed * 0x9e3779b9 ^ i;
		memcpy(buf + i, &w, min_t(unsigned int, sizeof(w), len - i));
	}
}

/* A fragment plaintext: header, then @len bytes of @frame from @offset. */
static struct sk_buff *l2st_piece(u32 id, unsigned int offset, unsigned int total,
				  const u8 *frame, unsigned int len)
{
	struct burrow_l2_frag_header *hdr;
	struct sk_buff *skb;

	skb = alloc_skb(sizeof(*hdr) + len, GFP_KERNEL);
	if (!skb)
		return NULL;
	hdr = skb_put(skb, sizeof(*hdr));
	hdr->id = cpu_to_be32(id);
	hdr->offset = cpu_to_be16(offset);
	hdr->total = cpu_to_be16(total);
	skb_put_data(skb, frame + offset, len);
	return skb;
}

/*
 * Add a piece; returns the whole frame if it completed one. NULL @skb (no
 * memory for the test's own piece) fails the test.
 */
static struct sk_buff *l2st_add(struct l2st *t, int peer, struct sk_buff *skb)
{
	struct sk_buff *whole;

	if (!skb) {
		l2st_fail(t, "no memory for a test piece");
		return NULL;
	}
	local_bh_disable();
	whole = __burrow_l2_reasm_add(&t->peer[peer], skb, t->now);
	local_bh_enable();
	return whole;
}

/* Add a piece that must not complete a frame. */
static void l2st_add_none(struct l2st *t, int peer, struct sk_buff *skb, const char *what)
{
	struct sk_buff *whole = l2st_add(t, peer, skb);

	if (whole) {
		l2st_fail(t, "%s: completed a frame of %u bytes", what, whole->len);
		kfree_skb(whole);
	}
}

/* Add a piece that must complete @frame (@len bytes). */
static void l2st_add_whole(struct l2st *t, int peer, struct sk_buff *skb, const u8 *frame,
			   unsigned int len, const char *what)
{
	struct sk_buff *whole = l2st_add(t, peer, skb);

	if (!whole) {
		l2st_fail(t, "%s: did not complete the frame", what);
		return;
	}
	if (whole->len != len || skb_is_nonlinear(whole) || memcmp(whole->data, frame, len))
		l2st_fail(t, "%s: completed frame differs (%u bytes, want %u)", what,
			  whole->len, len);
	kfree_skb(whole);
}

static struct sk_buff *l2st_frame_skb(const u8 *frame, unsigned int len)
{
	struct sk_buff *skb = alloc_skb(len, GFP_KERNEL);

	if (skb)
		skb_put_data(skb, frame, len);
	return skb;
}

/* Split and reassemble, in order or reversed. */
static void l2st_split_cases(struct l2st *t, u8 *frame)
{
	struct sk_buff_head pieces;
	struct sk_buff *skb, *p;
	struct burrow_l2_frag_header hdr;
	unsigned int n, i;
	int ret;

	__skb_queue_head_init(&pieces);
	l2st_fill(frame, 3000, 1);

	/* Fits: left alone. */
	skb = l2st_frame_skb(frame, 1400);
	if (!skb)
		goto nomem;
	ret = burrow_l2_frag_split(&t->peer[0], skb, 1400, 16, 16, &pieces);
	if (ret != 0 || !skb_queue_empty(&pieces) || skb->len != 1400)
		l2st_fail(t, "a 1400-byte frame with room for 1400: split returned %d", ret);
	kfree_skb(skb);
	l2st_counters(t, "a frame that fits", -1);

	/* Too long for a u16 total, or too many pieces: refused, untouched. */
	skb = alloc_skb(65536, GFP_KERNEL);
	if (!skb)
		goto nomem;
	skb_put_zero(skb, 65536);
	ret = burrow_l2_frag_split(&t->peer[0], skb, 1400, 16, 16, &pieces);
	if (ret != -EMSGSIZE || !skb_queue_empty(&pieces))
		l2st_fail(t, "a 65536-byte frame: split returned %d, want -EMSGSIZE", ret);
	skb_trim(skb, 3000);
	ret = burrow_l2_frag_split(&t->peer[0], skb, 8 + 46, 16, 16, &pieces);
	if (ret != -EMSGSIZE || !skb_queue_empty(&pieces))
		l2st_fail(t, "3000 bytes in 46-byte pieces (66): split returned %d", ret);
	ret = burrow_l2_frag_split(&t->peer[0], skb, 8, 16, 16, &pieces);
	if (ret != -EMSGSIZE)
		l2st_fail(t, "no room for a piece: split returned %d", ret);
	kfree_skb(skb);
	l2st_counters(t, "refused splits", -1);

	/* 3000 bytes with room for 1000 (992 of frame): four of 750, in order. */
	skb = l2st_frame_skb(frame, 3000);
	if (!skb)
		goto nomem;
	ret = burrow_l2_frag_split(&t->peer[0], skb, 1000, 32, 16, &pieces);
	if (ret != 4 || skb_queue_len(&pieces) != 4) {
		l2st_fail(t, "3000 bytes, 1000 per packet: %d pieces, want 4", ret);
		if (ret < 0)
			kfree_skb(skb);
		goto out;
	}
	i = 0;
	skb_queue_walk(&pieces, p) {
		memcpy(&hdr, p->data, sizeof(hdr));
		if (p->len > 1000 || skb_headroom(p) < 32 || skb_tailroom(p) < 16 ||
		    be16_to_cpu(hdr.offset) != i * 750 || be16_to_cpu(hdr.total) != 3000 ||
		    p->len != sizeof(hdr) + 750)
			l2st_fail(t, "piece %u: len %u offset %u total %u", i, p->len,
				  be16_to_cpu(hdr.offset), be16_to_cpu(hdr.total));
		i++;
	}
	l2st_counters(t, "split", BURROW_L2_FRAG_TX, 4, BURROW_L2_FRAG_FRAMES_TX, 1, -1);
	n = skb_queue_len(&pieces);
	for (i = 0; i < n - 1; i++)
		l2st_add_none(t, 1, __skb_dequeue(&pieces), "in order");
	l2st_add_whole(t, 1, __skb_dequeue(&pieces), frame, 3000, "in order, last piece");
	l2st_counters(t, "in order", BURROW_L2_REASM_FRAMES_DONE, 1, -1);
	l2st_check_memory(t, "in order");

	/* 1501 bytes with room for 1000: two pieces, reversed; odd length. */
	skb = l2st_frame_skb(frame, 1501);
	if (!skb)
		goto nomem;
	ret = burrow_l2_frag_split(&t->peer[0], skb, 1000, 32, 16, &pieces);
	if (ret != 2) {
		l2st_fail(t, "1501 bytes, 1000 per packet: %d pieces, want 2", ret);
		if (ret < 0)
			kfree_skb(skb);
		goto out;
	}
	l2st_add_none(t, 1, __skb_dequeue_tail(&pieces), "reversed");
	l2st_add_whole(t, 1, __skb_dequeue_tail(&pieces), frame, 1501, "reversed, first piece");
	l2st_counters(t, "reversed", BURROW_L2_FRAG_TX, 2, BURROW_L2_FRAG_FRAMES_TX, 1,
		      BURROW_L2_REASM_FRAMES_DONE, 1, -1);
	l2st_check_memory(t, "reversed");
	goto out;

nomem:
	l2st_fail(t, "no memory for a test frame");
out:
	__skb_queue_purge(&pieces);
}

/* Hand-made pieces: every rejection and both memory bounds. */
static void l2st_reasm_cases(struct l2st *t, u8 *frame)
{
	struct sk_buff *skb;
	unsigned int budget;
	u32 id;

	l2st_fill(frame, 3000, 2);

	/* Middle, first, last: completes across a hole filled late. */
	l2st_add_none(t, 0, l2st_piece(10, 100, 300, frame, 100), "middle");
	l2st_add_none(t, 0, l2st_piece(10, 0, 300, frame, 100), "first");
	l2st_add_whole(t, 0, l2st_piece(10, 200, 300, frame, 100), frame, 300, "last");
	l2st_counters(t, "out of order", BURROW_L2_REASM_FRAMES_DONE, 1, -1);

	/* An exact duplicate frees its frame; the rest then cannot complete it. */
	l2st_add_none(t, 0, l2st_piece(11, 0, 300, frame, 150), "first");
	l2st_add_none(t, 0, l2st_piece(11, 0, 300, frame, 150), "duplicate");
	l2st_counters(t, "duplicate", BURROW_L2_REASM_DROP_BAD, 1, -1);
	if (t->peer[0].nr_frames != 0)
		l2st_fail(t, "duplicate: %u frames left, want 0", t->peer[0].nr_frames);
	/* Starts frame 11 afresh, which waits for its timeout below. */
	l2st_add_none(t, 0, l2st_piece(11, 150, 300, frame, 150), "after the duplicate");

	/* Overlap: one byte into the first piece, from either side. */
	l2st_add_none(t, 0, l2st_piece(12, 100, 300, frame, 100), "middle");
	l2st_add_none(t, 0, l2st_piece(12, 199, 300, frame, 101), "overlap at the end");
	l2st_add_none(t, 0, l2st_piece(13, 100, 300, frame, 100), "middle");
	l2st_add_none(t, 0, l2st_piece(13, 0, 300, frame, 101), "overlap at the start");
	/* A piece spanning two received ones and the hole between. */
	l2st_add_none(t, 0, l2st_piece(14, 0, 300, frame, 50), "first");
	l2st_add_none(t, 0, l2st_piece(14, 100, 300, frame, 50), "third");
	l2st_add_none(t, 0, l2st_piece(14, 40, 300, frame, 80), "overlap across a hole");
	l2st_counters(t, "overlaps", BURROW_L2_REASM_DROP_OVERLAP, 3, -1);

	/* Malformed: past the total, empty, short, total below a header, mixed totals. */
	l2st_add_none(t, 0, l2st_piece(15, 250, 300, frame, 51), "past the total");
	l2st_add_none(t, 0, l2st_piece(15, 0, 300, frame, 0), "empty");
	skb = alloc_skb(8, GFP_KERNEL);
	if (skb)
		skb_put_zero(skb, 7);
	l2st_add_none(t, 0, skb, "7-byte plaintext");
	l2st_add_none(t, 0, l2st_piece(15, 0, 13, frame, 13), "a 13-byte frame");
	l2st_add_none(t, 0, l2st_piece(16, 0, 300, frame, 100), "first");
	l2st_add_none(t, 0, l2st_piece(16, 100, 301, frame, 100), "another total");
	l2st_counters(t, "malformed", BURROW_L2_REASM_DROP_BAD, 5, -1);
	l2st_check_memory(t, "malformed");
	if (t->peer[0].nr_frames != 1)
		l2st_fail(t, "malformed: %u frames left, want 1 (11)", t->peer[0].nr_frames);

	/* Oversize: one byte above the device's largest frame; the largest fits. */
	l2st_add_none(t, 0, l2st_piece(17, 0, ST_MAX_FRAME + 1, frame, 100), "oversize");
	l2st_add_none(t, 0, l2st_piece(18, 0, ST_MAX_FRAME, frame, 100), "largest");
	l2st_counters(t, "oversize", BURROW_L2_REASM_DROP_OVERSIZE, 1, -1);

	/* Gap, then timeout: frames 11 and 18 (above) expire with time, not before. */
	t->now += BURROW_L2_REASM_TIMEOUT - 1;
	l2st_add_none(t, 0, l2st_piece(19, 0, 300, frame, 100), "one tick early");
	l2st_counters(t, "one tick early", -1);
	t->now += 1;
	l2st_add_none(t, 0, l2st_piece(18, 100, ST_MAX_FRAME, frame, 100), "after timeout");
	l2st_counters(t, "timeout", BURROW_L2_REASM_DROP_TIMEOUT, 2, -1);
	/* 18 started afresh, with 19; both expire by the timer's own step. */
	t->now += BURROW_L2_REASM_TIMEOUT;
	spin_lock_bh(&t->peer[0].lock);
	burrow_l2_reasm_expire(&t->peer[0], t->now);
	spin_unlock_bh(&t->peer[0].lock);
	l2st_counters(t, "expiry", BURROW_L2_REASM_DROP_TIMEOUT, 2, -1);
	l2st_check_memory(t, "expiry");
	if (atomic_read(&t->fdev.reasm_bytes))
		l2st_fail(t, "expiry: %d bytes still charged", atomic_read(&t->fdev.reasm_bytes));

	/* Frames per peer: the ninth evicts the first. */
	for (id = 100; id < 100 + BURROW_L2_REASM_FRAMES + 1; id++)
		l2st_add_none(t, 0, l2st_piece(id, 0, 300, frame, 100), "frames per peer");
	l2st_counters(t, "frames per peer", BURROW_L2_REASM_DROP_EVICTED, 1, -1);
	l2st_add_whole(t, 0, l2st_piece(101, 100, 300, frame, 200), frame, 300,
		       "second frame's last piece");
	/* 100 is gone: its last piece starts a new frame, in 101's place. */
	l2st_add_none(t, 0, l2st_piece(100, 100, 300, frame, 200), "evicted frame's last piece");
	l2st_counters(t, "frames per peer, room", BURROW_L2_REASM_FRAMES_DONE, 1, -1);
	/* Full again: the next new frame pushes out the oldest, 102. */
	l2st_add_none(t, 0, l2st_piece(109, 0, 300, frame, 100), "frames per peer, full");
	l2st_add_none(t, 0, l2st_piece(102, 100, 300, frame, 200), "102's last piece");
	/* ...whose last piece then pushes out 103. */
	l2st_counters(t, "frames per peer, full", BURROW_L2_REASM_DROP_EVICTED, 2, -1);
	l2st_check_memory(t, "frames per peer");
	burrow_l2_frag_peer_destroy(&t->peer[0]);
	burrow_l2_frag_peer_init(&t->peer[0], &t->fdev);
	l2st_check_memory(t, "destroy");
	l2st_counters(t, "destroy", -1);

	/*
	 * The device budget: room for two 3000-byte frames. Peer 0's third
	 * evicts its first; peer 1 finds the budget held by peer 0 and is
	 * refused, leaving peer 0's frames alone.
	 */
	l2st_add_none(t, 0, l2st_piece(200, 0, 3000, frame, 100), "budget, first");
	budget = t->fdev.reasm_budget;
	t->fdev.reasm_budget = 2 * atomic_read(&t->fdev.reasm_bytes);
	l2st_add_none(t, 0, l2st_piece(201, 0, 3000, frame, 100), "budget, second");
	l2st_counters(t, "budget, two frames", -1);
	l2st_add_none(t, 0, l2st_piece(202, 0, 3000, frame, 100), "budget, third");
	l2st_counters(t, "budget, third frame", BURROW_L2_REASM_DROP_EVICTED, 1, -1);
	l2st_add_none(t, 1, l2st_piece(300, 0, 3000, frame, 100), "budget, other peer");
	l2st_counters(t, "budget, other peer", BURROW_L2_REASM_DROP_EVICTED, 1, -1);
	l2st_check_memory(t, "budget");
	if (t->peer[0].nr_frames != 2 || t->peer[1].nr_frames != 0)
		l2st_fail(t, "budget: peers hold %u and %u frames, want 2 and 0",
			  t->peer[0].nr_frames, t->peer[1].nr_frames);
	l2st_add_whole(t, 0, l2st_piece(201, 100, 3000, frame, 2900), frame, 3000,
		       "budget, second frame completes");
	l2st_add_none(t, 1, l2st_piece(300, 0, 3000, frame, 100), "budget, room again");
	l2st_counters(t, "budget, room again", BURROW_L2_REASM_FRAMES_DONE, 1, -1);
	l2st_check_memory(t, "budget, room again");
	t->fdev.reasm_budget = budget;
}

/*
 * The fuzz: frames of random lengths (some above the device's largest
 * frame), split at random piece sizes, their pieces shuffled across up to
 * 4 frames in flight on two peers, with pieces lost, repeated, overlapping
 * (their bytes always the frame's own), mislabelled with another total, and
 * garbage pieces under ids of their own; the clock jumps now and then past
 * the timeout, and the budget is small enough to be hit. Asserted after
 * every piece: the bounds and the accounting; and every frame that
 * completes is byte for byte the frame it was split from.
 */
struct l2st_fuzz_piece {
	u32 id;			/* index into frames, or garbage if >= 0x80000000 */
	u16 offset, total, len;
	u8 peer;
};

static void l2st_fuzz(struct l2st *t, u64 seed)
{
	enum { FRAMES_IN_FLIGHT = 4, PIECES_MAX = 4 * (BURROW_L2_FRAG_PIECES_MAX + 8) };
	struct l2st_fuzz_piece *pieces;
	struct rnd_state rs;
	unsigned int len[FRAMES_IN_FLIGHT];
	u8 *frames[FRAMES_IN_FLIGHT] = {};
	u32 ids[FRAMES_IN_FLIGHT];
	u8 fpeer[FRAMES_IN_FLIGHT];
	unsigned int round, f, n, i, j, off, piece, completed = 0, clean_done = 0;
	struct sk_buff *whole;
	struct l2st_fuzz_piece tmp;
	u32 next_id = 1, r;
	u8 garbage[64];
	bool nomem = false;

	pieces = kmalloc_array(PIECES_MAX, sizeof(*pieces), GFP_KERNEL);
	for (f = 0; f < FRAMES_IN_FLIGHT; f++)
		frames[f] = kmalloc(U16_MAX, GFP_KERNEL);
	for (f = 0; f < FRAMES_IN_FLIGHT; f++)
		nomem |= !frames[f];
	if (nomem || !pieces) {
		l2st_fail(t, "fuzz: no memory");
		goto out;
	}
	prandom_seed_state(&rs, seed);
	t->fdev.reasm_budget = ST_FUZZ_BUDGET;

	for (round = 0; round < l2_frag_fuzz_rounds; round++) {
		bool chaos = round % 4 != 0;
		unsigned int in_flight = 1 + prandom_u32_state(&rs) % FRAMES_IN_FLIGHT;
		u8 peer = prandom_u32_state(&rs) % ST_FUZZ_PEERS;

		/*
		 * A clean round: one peer, no loss, within time: must complete.
		 * Its budget holds two of the largest frames at once (a 9018-byte
		 * frame is charged a 16 KiB buffer and more); under the chaos
		 * rounds' 32 KiB, two such frames in progress together evict each
		 * other, as the bound means them to. Every round starts with
		 * nothing held: the last one's leftovers expired.
		 */
		t->fdev.reasm_budget = chaos ? ST_FUZZ_BUDGET : 4 * ST_FUZZ_BUDGET;
		if (!chaos)
			in_flight = 1 + prandom_u32_state(&rs) % 2;
		n = 0;
		for (f = 0; f < in_flight; f++) {
			/* Mostly up to 1600 bytes (a 1500-byte MTU), some jumbo, some oversize. */
			r = prandom_u32_state(&rs);
			if (chaos && r % 16 == 0)
				len[f] = ST_MAX_FRAME + 1 + prandom_u32_state(&rs) %
					 (U16_MAX - ST_MAX_FRAME);
			else if (r % 4 == 1)
				len[f] = ETH_HLEN + prandom_u32_state(&rs) % (ST_MAX_FRAME - ETH_HLEN + 1);
			else
				len[f] = ETH_HLEN + prandom_u32_state(&rs) % (1600 - ETH_HLEN + 1);
			ids[f] = next_id++;
			l2st_fill(frames[f], len[f], ids[f]);
			fpeer[f] = prandom_u32_state(&rs) % ST_FUZZ_PEERS;
			/* Piece length: whatever keeps the count under the cap. */
			piece = max_t(unsigned int, DIV_ROUND_UP(len[f], BURROW_L2_FRAG_PIECES_MAX),
				      1 + prandom_u32_state(&rs) % 2000);
			/* An oversize frame's first few pieces are enough: each is refused. */
			for (off = 0; off < len[f] && n < PIECES_MAX - 8 &&
			     (len[f] <= ST_MAX_FRAME || off < 3 * piece); off += piece) {
				r = prandom_u32_state(&rs);
				if (chaos && r % 20 == 0)
					continue;	/* lost */
				pieces[n].id = f;
				pieces[n].offset = off;
				pieces[n].len = min(piece, len[f] - off);
				pieces[n].total = len[f];
				pieces[n].peer = chaos ? fpeer[f] : peer;
				/*
				 * Mislabelled, unless the piece is [0, len - 1):
				 * with total len - 1 that is a whole frame, and a
				 * receiver rightly completes it.
				 */
				if (chaos && r % 50 == 1 && (off || pieces[n].len < len[f] - 1))
					pieces[n].total = len[f] - 1;
				n++;
				if (chaos && r % 30 == 2 && n < PIECES_MAX - 8) {
					pieces[n] = pieces[n - 1];	/* repeated */
					n++;
				}
				if (chaos && r % 30 == 3 && n < PIECES_MAX - 8) {
					/* Overlapping, the frame's own bytes. */
					pieces[n] = pieces[n - 1];
					pieces[n].offset = prandom_u32_state(&rs) % len[f];
					pieces[n].len = 1 + prandom_u32_state(&rs) %
							(len[f] - pieces[n].offset);
					n++;
				}
			}
		}
		/* Garbage under ids no real frame has. */
		for (i = chaos ? prandom_u32_state(&rs) % 4 : 0; i > 0; i--) {
			pieces[n].id = 0x80000000 | prandom_u32_state(&rs);
			/* Never whole in one piece, so garbage never completes. */
			pieces[n].total = sizeof(garbage) +
					  prandom_u32_state(&rs) % (U16_MAX - sizeof(garbage) + 1);
			pieces[n].offset = prandom_u32_state(&rs) % (pieces[n].total + 1);
			pieces[n].len = prandom_u32_state(&rs) % sizeof(garbage);
			pieces[n].peer = prandom_u32_state(&rs) % ST_FUZZ_PEERS;
			n++;
		}
		/* Shuffle; a clean round only a little, by swapping neighbours. */
		for (i = n; i > 1; i--) {
			j = chaos ? prandom_u32_state(&rs) % i : i - 1 - prandom_u32_state(&rs) % 2;
			tmp = pieces[i - 1];
			pieces[i - 1] = pieces[j];
			pieces[j] = tmp;
		}

		for (i = 0; i < n; i++) {
			struct l2st_fuzz_piece *p = &pieces[i];
			struct sk_buff *skb;

			if (p->id & 0x80000000) {
				prandom_bytes_state(&rs, garbage, sizeof(garbage));
				skb = l2st_piece(p->id, 0, p->total, garbage, p->len);
				if (skb)
					((struct burrow_l2_frag_header *)skb->data)->offset =
						cpu_to_be16(p->offset);
			} else {
				skb = l2st_piece(ids[p->id], p->offset, p->total, frames[p->id],
						 p->len);
			}
			if (chaos && prandom_u32_state(&rs) % 64 == 0)
				t->now += BURROW_L2_REASM_TIMEOUT;
			whole = l2st_add(t, p->peer, skb);
			if (whole) {
				f = p->id;
				if (f >= FRAMES_IN_FLIGHT || whole->len != len[f] ||
				    memcmp(whole->data, frames[f], len[f]))
					l2st_fail(t, "fuzz round %u: a completed frame of %u bytes is not its original",
						  round, whole->len);
				kfree_skb(whole);
				completed++;
				if (!chaos)
					clean_done++;
			}
			l2st_check_memory(t, "fuzz");
			if (!t->ok)
				goto out;
		}
		/*
		 * Whatever is left of this round expires before the next, as
		 * the peers' timers would free it.
		 */
		t->now += BURROW_L2_REASM_TIMEOUT;
		for (j = 0; j < ST_FUZZ_PEERS; j++) {
			spin_lock_bh(&t->peer[j].lock);
			burrow_l2_reasm_expire(&t->peer[j], t->now);
			spin_unlock_bh(&t->peer[j].lock);
		}
		if (!chaos && clean_done != in_flight)
			l2st_fail(t, "fuzz round %u (clean): %u of %u frames completed", round,
				  clean_done, in_flight);
		clean_done = 0;
		if (!t->ok)
			goto out;
	}
	pr_info("selftest l2_frag: fuzz seed %llu: %u rounds, %u frames completed, counters: reasm_frames %llu overlap %llu oversize %llu timeout %llu evicted %llu bad %llu\n",
		seed, l2_frag_fuzz_rounds, completed,
		burrow_l2_frag_counter_sum(&t->fdev, BURROW_L2_REASM_FRAMES_DONE),
		burrow_l2_frag_counter_sum(&t->fdev, BURROW_L2_REASM_DROP_OVERLAP),
		burrow_l2_frag_counter_sum(&t->fdev, BURROW_L2_REASM_DROP_OVERSIZE),
		burrow_l2_frag_counter_sum(&t->fdev, BURROW_L2_REASM_DROP_TIMEOUT),
		burrow_l2_frag_counter_sum(&t->fdev, BURROW_L2_REASM_DROP_EVICTED),
		burrow_l2_frag_counter_sum(&t->fdev, BURROW_L2_REASM_DROP_BAD));
out:
	for (f = 0; f < FRAMES_IN_FLIGHT; f++)
		kfree(frames[f]);
	kfree(pieces);
}

bool burrow_l2_frag_selftest(void)
{
	struct l2st *t;
	u8 *frame;
	bool ok;
	u64 seed;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	frame = kmalloc(ST_MAX_FRAME, GFP_KERNEL);
	if (!t || !frame || !l2st_setup(t)) {
		pr_err("selftest l2_frag: no memory\n");
		kfree(frame);
		kfree(t);
		return false;
	}
	l2st_split_cases(t, frame);
	l2st_reasm_cases(t, frame);
	l2st_teardown(t);
	ok = t->ok;

	seed = l2_frag_fuzz_seed ?: get_random_u64();
	if (l2st_setup(t)) {
		l2st_fuzz(t, seed);
		l2st_teardown(t);
		if (!t->ok)
			pr_err("selftest l2_frag: fuzz failed with seed %llu\n", seed);
		ok &= t->ok;
	} else {
		pr_err("selftest l2_frag: no memory for the fuzz\n");
		ok = false;
	}
	kfree(frame);
	kfree(t);
	if (ok)
		pr_info("selftest l2_frag: ok\n");
	return ok;
}
