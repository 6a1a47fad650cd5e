// SPDX-License-Identifier: GPL-2.0
/*
 * In-module selftest of replay.c, #included at its end when built with
 * BURROW_SELFTEST so that it can reach the file's static functions; never
 * compiled on its own (Kbuild lists only the implementation files).
 */

#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/slab.h>

#define W ((u64)BURROW_REPLAY_WINDOW)
#define B ((u64)BURROW_REPLAY_BITS)

/* A step of the scripted test; reset starts over with a fresh window first. */
struct replay_step {
	u64 counter;
	bool accept;
	bool reset;
};

static const struct replay_step replay_script[] = {
	{ 0, true, true },		/* counter 0 is a real first packet */
	{ 0, false },
	{ 1, true },
	{ 1, false },
	{ 9, true },
	{ 8, true },			/* out of order inside the window */
	{ 7, true },
	{ 7, false },
	{ 0, false },
	{ W + 10, true },		/* max = W + 10 */
	{ 10, true },			/* exactly W below max, unseen */
	{ 6, false },			/* W + 4 below: too old, though unseen */
	{ 9, false },			/* W + 1 below, and seen */
	{ 11, true },
	{ W + 10, false },
	{ W + 9, true },
	{ 3 * W, true },		/* jump smaller than the bitmap */
	{ 3 * W - 1, true },
	{ 2 * W, true },
	{ 2 * W - 1, false },
	{ 2 * W, false },
	{ 4 * W + 1, true },		/* slide by exactly W + 1 */
	{ 3 * W, false },
	{ 3 * W + 1, true },
	{ 10 * W, true },		/* jump past the whole ring */
	{ 10 * W - 1, true },
	{ 9 * W, true },
	{ 9 * W - 1, false },
	{ 20 * W, true },		/* same ring bit one lap (B) apart */
	{ 20 * W + B, true },
	{ 20 * W, false },
	{ 20 * W + B - 1, true },
	{ 20 * W + B - 64, true },
	{ 20 * W + B - 64, false },
	{ 64000, true, true },		/* a slide that reuses an old lap's word */
	{ 64064, true },
	{ 64000 + B, true },
	{ 64000 + B, false },
	{ 64000 + B - 1, true },
	{ 5000, true, true },		/* first packet is not counter 0 */
	{ 0, true },
	{ 0, false },
	{ 4999, true },
	{ 5001, true },
	{ 5001 + W, true },
	{ 0, false },
	{ 5001, false },		/* exactly W below, but seen */
	{ 5000, false },
	{ 5002, true },
	{ U64_MAX - 1, true },		/* the top of the counter space */
	{ U64_MAX, true },
	{ U64_MAX, false },
	{ U64_MAX - 1, false },
	{ U64_MAX - W, true },
	{ U64_MAX - W - 1, false },
	{ 0, false },
	{ U64_MAX, true, true },
	{ U64_MAX - W, true },
	{ U64_MAX - W - 1, false },
	{ U64_MAX - 2, true },
	{ U64_MAX - 2, false },
};

/* One step against the window, with the lockless check held to the same answer. */
static bool replay_step(struct burrow_replay *r, u64 counter, bool expect, const char *what,
			unsigned int i)
{
	bool checked = burrow_replay_check(r, counter);
	bool updated = burrow_replay_update(r, counter, NULL);

	if (updated == expect &&
	    (checked || !expect) && (!IS_ENABLED(CONFIG_64BIT) || checked == expect))
		return true;
	pr_err("selftest replay: %s %u: counter %llu: check %d update %d, want %d\n",
	       what, i, counter, checked, updated, expect);
	return false;
}

static bool replay_scripted(struct burrow_replay *r)
{
	bool l0 = false, l1 = false, l2 = true, l3 = true, l4 = false;
	bool ok = true;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(replay_script); i++) {
		if (replay_script[i].reset)
			burrow_replay_init(r);
		ok &= replay_step(r, replay_script[i].counter, replay_script[i].accept, "step", i);
	}
	if (burrow_replay_max(r) != U64_MAX || burrow_replay_seen(r, 1) != 1 ||
	    burrow_replay_seen(r, 3) != 2 || burrow_replay_seen(r, UINT_MAX) != 3) {
		pr_err("selftest replay: debugfs view: max %llu seen %u/%u/%u\n",
		       burrow_replay_max(r), burrow_replay_seen(r, 1),
		       burrow_replay_seen(r, 3), burrow_replay_seen(r, UINT_MAX));
		ok = false;
	}
	burrow_replay_init(r);
	if (burrow_replay_seen(r, 10) || !burrow_replay_update(r, 0, NULL) ||
	    burrow_replay_seen(r, 10) != 1) {
		pr_err("selftest replay: seen count around counter 0\n");
		ok = false;
	}
	/* "New largest", which roaming follows: the first counter, then only a new top. */
	burrow_replay_init(r);
	if (!burrow_replay_update(r, 0, &l0) || !l0 || !burrow_replay_update(r, 5, &l1) || !l1 ||
	    !burrow_replay_update(r, 3, &l2) || l2 || burrow_replay_update(r, 5, &l3) || l3 ||
	    !burrow_replay_update(r, 6, &l4) || !l4) {
		pr_err("selftest replay: largest %d %d %d %d %d\n", l0, l1, l2, l3, l4);
		ok = false;
	}
	return ok;
}

/*
 * The naive model the window must agree with: every accepted counter still
 * inside the window, kept in a plain array and searched linearly.
 */
struct replay_model {
	bool any;
	u64 max;
	u64 *seen;
	unsigned int n;
};

static bool replay_model_update(struct replay_model *m, u64 counter)
{
	unsigned int i, kept;

	if (m->any && counter <= m->max) {
		if (m->max - counter > W)
			return false;
		for (i = 0; i < m->n; i++)
			if (m->seen[i] == counter)
				return false;
	}
	if (!m->any || counter > m->max) {
		m->max = counter;
		for (i = 0, kept = 0; i < m->n; i++)
			if (m->max - m->seen[i] <= W)
				m->seen[kept++] = m->seen[i];
		m->n = kept;
	}
	m->any = true;
	m->seen[m->n++] = counter;
	return true;
}

static u64 sat_add(u64 a, u64 b)
{
	return a > U64_MAX - b ? U64_MAX : a + b;
}

static u64 sat_sub(u64 a, u64 b)
{
	return a < b ? 0 : a - b;
}

#define REPLAY_RANDOM_OPS 3000

/* Everything the selftest uses, in one allocation. */
struct replay_test {
	struct burrow_replay r;
	u64 seen[REPLAY_RANDOM_OPS];
};

static bool replay_random(struct replay_test *t, u64 seed)
{
	static const u64 bases[] = { 0, 1ULL << 40, U64_MAX - 6 * B };
	struct replay_model m = { .seen = t->seen };
	struct burrow_replay *r = &t->r;
	struct rnd_state rs;
	unsigned int phase, i;
	bool ok = true;
	u64 counter;
	u32 x;

	prandom_seed_state(&rs, seed);
	for (phase = 0; phase < ARRAY_SIZE(bases) && ok; phase++) {
		burrow_replay_init(r);
		m.any = false;
		m.max = bases[phase];
		m.n = 0;
		for (i = 0; i < REPLAY_RANDOM_OPS && ok; i++) {
			x = prandom_u32_state(&rs);
			switch (x % 20) {
			case 0 ... 7:	/* in order, a few lost */
				counter = sat_add(m.max, (x >> 8) % 4);
				break;
			case 8 ... 13:	/* reordered, around the window's tail */
				counter = sat_sub(m.max, (x >> 8) % (W + 128));
				break;
			case 14 ... 15:	/* exactly at, or just past, the window edge */
				counter = sat_sub(m.max, W + ((x >> 8) & 1));
				break;
			case 16 ... 17:	/* a duplicate, if still remembered */
				counter = m.n ? m.seen[(x >> 8) % m.n] : m.max;
				break;
			case 18:	/* a jump inside the ring */
				counter = sat_add(m.max, (x >> 8) % (2 * B));
				break;
			default:	/* a jump well past it */
				counter = sat_add(m.max, (u64)(x >> 8) << 12);
				break;
			}
			ok = replay_step(r, counter, replay_model_update(&m, counter),
					 "random op", i);
		}
		if (ok && burrow_replay_max(r) != m.max) {
			pr_err("selftest replay: random max %llu, model %llu\n",
			       burrow_replay_max(r), m.max);
			ok = false;
		}
	}
	if (!ok)
		pr_err("selftest replay: random phase %u failed, seed %llu\n",
		       phase - 1, seed);
	return ok;
}

bool burrow_replay_selftest(void)
{
	struct replay_test *t = kvmalloc(sizeof(*t), GFP_KERNEL);
	bool ok = false;

	if (t) {
		ok = replay_scripted(&t->r);
		ok &= replay_random(t, get_random_u64());
	}
	kvfree(t);
	if (ok)
		pr_info("selftest replay: pass\n");
	else if (!t)
		pr_err("selftest replay: cannot allocate test state\n");
	return ok;
}

#undef W
#undef B
