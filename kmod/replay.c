// SPDX-License-Identifier: GPL-2.0
/*
 * Anti-replay window: an RFC 6479 style ring of bitmap words per receive key.
 * See replay.h for the layout and the lockless reader's ordering rules.
 */

#include <linux/bitops.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "replay.h"
#include "selftest.h"

/* Ring position of the bitmap word that holds word number @word. */
static unsigned int replay_slot(u64 word)
{
	u32 slot;

	div_u64_rem(word, BURROW_REPLAY_WORDS, &slot);
	return slot;
}

void burrow_replay_init(struct burrow_replay *replay)
{
	spin_lock_init(&replay->lock);
	replay->any_seen = false;
	replay->max_seen = 0;
	memset(replay->bitmap, 0, sizeof(replay->bitmap));
}

static u64 replay_load_max(const struct burrow_replay *replay)
{
#ifdef CONFIG_64BIT
	/* Pairs with the release in update: cleared words before the new max. */
	return smp_load_acquire(&replay->max_seen);
#else
	return READ_ONCE(replay->max_seen);
#endif
}

bool burrow_replay_check(const struct burrow_replay *replay, u64 counter)
{
	unsigned long word;
	u64 max;

	if (!IS_ENABLED(CONFIG_64BIT))
		return true;

	max = replay_load_max(replay);
	/*
	 * Above max, the counter's ring word may still hold bits of a word one
	 * lap older: the writer clears it only when max moves past it.
	 */
	if (counter > max)
		return true;
	if (max - counter > BURROW_REPLAY_WINDOW)
		return false;
	/*
	 * max only grows. If it moved on since we loaded it and the ring word
	 * now belongs to a newer lap, that lap's counters are all more than the
	 * window above ours, so a set bit still means "too old" and false is
	 * the right answer.
	 */
	word = READ_ONCE(replay->bitmap[replay_slot(counter / BITS_PER_LONG)]);
	return !(word & BIT(counter % BITS_PER_LONG));
}

bool burrow_replay_update(struct burrow_replay *replay, u64 counter, bool *largest)
{
	unsigned long *word, bit = BIT(counter % BITS_PER_LONG);
	u64 max, top, next;
	unsigned int slot;
	bool fresh = false, above;

	spin_lock_bh(&replay->lock);
	max = replay->max_seen;
	/* Counter 0 is the largest so far only as the very first one. */
	above = counter > max || !replay->any_seen;
	if (counter > max) {
		top = max / BITS_PER_LONG;
		next = counter / BITS_PER_LONG;
		if (next - top >= BURROW_REPLAY_WORDS) {
			for (slot = 0; slot < BURROW_REPLAY_WORDS; slot++)
				WRITE_ONCE(replay->bitmap[slot], 0);
		} else {
			/* Words top+1 .. next enter the window empty. */
			slot = replay_slot(top);
			for (; top < next; top++) {
				if (++slot == BURROW_REPLAY_WORDS)
					slot = 0;
				WRITE_ONCE(replay->bitmap[slot], 0);
			}
		}
#ifdef CONFIG_64BIT
		/* Publish the cleared words before the max that makes them live. */
		smp_store_release(&replay->max_seen, counter);
#else
		replay->max_seen = counter;
#endif
	} else if (max - counter > BURROW_REPLAY_WINDOW) {
		goto out;
	}

	word = &replay->bitmap[replay_slot(counter / BITS_PER_LONG)];
	if (*word & bit)
		goto out;
	WRITE_ONCE(*word, *word | bit);
	WRITE_ONCE(replay->any_seen, true);
	fresh = true;
out:
	spin_unlock_bh(&replay->lock);
	if (largest)
		*largest = fresh && above;
	return fresh;
}

u64 burrow_replay_max(const struct burrow_replay *replay)
{
	return replay_load_max(replay);
}

unsigned int burrow_replay_seen(const struct burrow_replay *replay, unsigned int last)
{
	u64 max, lo, word, lo_word, max_word;
	unsigned int seen = 0;
	unsigned long bits;

	if (!READ_ONCE(replay->any_seen) || !last)
		return 0;
	max = replay_load_max(replay);
	last = min_t(unsigned int, last, BURROW_REPLAY_WINDOW + 1);
	lo = max >= last - 1 ? max - (last - 1) : 0;
	lo_word = lo / BITS_PER_LONG;
	max_word = max / BITS_PER_LONG;
	/* lo..max spans at most BURROW_REPLAY_WORDS words, so no slot twice. */
	for (word = lo_word; word <= max_word; word++) {
		bits = READ_ONCE(replay->bitmap[replay_slot(word)]);
		if (word == lo_word)
			bits &= ~0UL << (lo % BITS_PER_LONG);
		if (word == max_word)
			bits &= ~0UL >> (BITS_PER_LONG - 1 - max % BITS_PER_LONG);
		seen += hweight_long(bits);
	}
	return seen;
}

#ifdef BURROW_SELFTEST
#include "selftest/replay.c"
#endif
