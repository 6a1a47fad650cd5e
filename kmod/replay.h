/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per receive key anti-replay window over 64-bit packet counters.
 *
 * The window is a ring of BURROW_REPLAY_WORDS bitmap words in the manner of
 * RFC 6479: the word a counter lands in is (counter / BITS_PER_LONG) modulo
 * the ring size, so sliding the window forward clears whole words and never
 * shifts the bitmap. One word is always the partly filled head word, which is
 * why the window is the bitmap size minus one word.
 */
#ifndef _BURROW_REPLAY_H
#define _BURROW_REPLAY_H

#include <linux/spinlock.h>
#include <linux/types.h>

#define BURROW_REPLAY_BITS	(8192 + BITS_PER_LONG)
#define BURROW_REPLAY_WORDS	(BURROW_REPLAY_BITS / BITS_PER_LONG)
/*
 * Counters up to this far below the highest accepted counter are still
 * accepted once: with max seen, max - BURROW_REPLAY_WINDOW is the oldest
 * counter that can pass.
 */
#define BURROW_REPLAY_WINDOW	(BURROW_REPLAY_BITS - BITS_PER_LONG)

/*
 * lock serialises burrow_replay_update(). max_seen and bitmap are also read
 * without it by burrow_replay_check() and the debugfs helpers; the writer
 * clears the words a forward slide reuses before it publishes the new
 * max_seen (release), so a reader that sees the new max_seen (acquire) never
 * sees stale bits from the previous pass around the ring. any_seen only tells
 * "counter 0 was accepted" apart from "nothing accepted yet" for reporting;
 * the window logic works without it because the bitmap starts empty.
 */
struct burrow_replay {
	spinlock_t lock;	/* serialises burrow_replay_update() */
	bool any_seen;
	u64 max_seen;
	unsigned long bitmap[BURROW_REPLAY_WORDS];
};

void burrow_replay_init(struct burrow_replay *replay);

/*
 * Lockless early check before spending a decryption on a packet: false if the
 * counter is certainly a replay or older than the window. It can return true
 * for a replay racing with burrow_replay_update(); the authoritative answer is
 * burrow_replay_update() after authentication. On 32-bit kernels max_seen
 * cannot be read untorn without the lock, so this always returns true there.
 */
bool burrow_replay_check(const struct burrow_replay *replay, u64 counter);

/*
 * After the packet authenticated: marks counter seen and returns true, or
 * returns false if it was seen before or is older than the window. Takes the
 * lock with spin_lock_bh(), so it may be called from process context and
 * softirq alike. Any u64 counter is valid; limits on how far a key may count
 * are the caller's business. If @largest is not NULL, it is set to whether
 * the counter was accepted as the highest so far (the new top of the
 * window): roaming follows only such packets (RFC 9000 §9.3).
 */
bool burrow_replay_update(struct burrow_replay *replay, u64 counter, bool *largest);

/*
 * For debugfs. Lockless snapshots: they may be a packet behind a concurrent
 * update (and max may tear on 32-bit kernels).
 * burrow_replay_max(): highest accepted counter (0 if none; see any_seen).
 * burrow_replay_seen(): how many of the last @last counters, ending at and
 * including the highest accepted one, were accepted; @last is capped at
 * BURROW_REPLAY_WINDOW + 1.
 */
u64 burrow_replay_max(const struct burrow_replay *replay);
unsigned int burrow_replay_seen(const struct burrow_replay *replay, unsigned int last);

#endif /* _BURROW_REPLAY_H */
