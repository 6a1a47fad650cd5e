/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BURROW_KEY_H
#define _BURROW_KEY_H

#include <linux/atomic.h>
#include <linux/burrow.h>
#include <linux/bitops.h>
#include <linux/refcount.h>
#include <linux/workqueue.h>

#include "crypto.h"
#include "encap_quic.h"
#include "replay.h"

struct burrow_peer;

/*
 * Slot numbers are those of the UAPI's enum burrow_key_slot; the
 * limit_reached values (BURROW_KEY_LIMIT_*) are its enum burrow_key_limit.
 */
enum burrow_key_slot_index {
	BURROW_KEY_PRIMARY = BURROW_KEY_SLOT_PRIMARY,
	BURROW_KEY_SECONDARY = BURROW_KEY_SLOT_SECONDARY,
	BURROW_KEY_SLOTS = BURROW_KEY_SLOT_MAX + 1,
};

/* Longest lifetime a key may be given, whatever the cipher. */
#define BURROW_KEY_MAX_SECONDS		(7 * 24 * 3600)
#define BURROW_KEY_DEFAULT_SOFT_SECONDS	3600
#define BURROW_KEY_DEFAULT_HARD_SECONDS	7200

struct burrow_key_limits {
	u64 soft_packets;
	u64 hard_packets;
	u32 soft_seconds;
	u32 hard_seconds;
	u64 integrity;		/* rx authentication failures allowed */
};

/*
 * One key slot's contents: both directions of one key generation.
 *
 * Lifetime: published in peer->keys[] with rcu_assign_pointer() under the
 * device's config_lock; the packet path finds it only inside an RCU-BH read
 * section. refcount counts the slot (one reference while published and
 * for a grace period after) plus one per packet queued for encryption or
 * decryption (queue.h): a packet takes its reference inside the RCU-BH
 * section that found the key, where the slot's reference is certain to be
 * held, and drops it when it leaves the peer's ordered queue. Replacing or
 * deleting a key unpublishes it and drops the slot's reference after a
 * grace period (rcu_work); whoever drops the last reference wipes and
 * frees it, in any context (burrow_aead_destroy() does not sleep).
 *
 * peer is the peer whose slot the key was installed in. It is set before
 * the key is published and never changes; packets holding the key rely on
 * the peer outliving them (peer removal drains its queues, see peer.c).
 *
 * tx_counter is the next counter to encrypt with; a fetch-and-increment
 * gives every packet a unique nonce without a lock. The limit flags are
 * set once (test_and_set_bit) so each event is sent once per key.
 *
 * rx_auth_failures counts packets for the key that failed authentication
 * (RFC 9001 §6.6). Once it passes limits.integrity, BURROW_KEY_RX_REFUSED
 * is set, once, and never cleared: the receive path refuses every packet
 * for the key from then on, and a key-hard-limit event asks for a new one.
 */
/* Header-protection keys of both directions (quic); see encap_quic.h. */
struct burrow_key_hp {
	struct burrow_quic_hp tx;
	struct burrow_quic_hp rx;
};

struct burrow_key {
	struct burrow_aead *tx;
	struct burrow_aead *rx;
	struct burrow_key_hp *hp;	/* NULL: no hp keys given (udp only) */
	u8 key_id;
	u8 cipher;
	struct burrow_key_limits limits;
	u64 created;			/* ktime_get_boottime_seconds() */
	atomic64_t tx_counter;
	atomic64_t rx_packets;
	atomic64_t rx_auth_failures;
	unsigned long flags;
#define BURROW_KEY_SOFT_NOTIFIED	0
#define BURROW_KEY_HARD_NOTIFIED	1
#define BURROW_KEY_RX_REFUSED		2
	struct burrow_replay replay;
	refcount_t refcount;
	struct burrow_peer *peer;
	struct rcu_work free_work;
};

struct burrow_key_params {
	u8 key_id;
	u8 cipher;
	const u8 *encrypt_key;
	const u8 *encrypt_iv;
	const u8 *decrypt_key;
	const u8 *decrypt_iv;
	const u8 *encrypt_hp_key;	/* both or neither; key_len bytes */
	const u8 *decrypt_hp_key;
	unsigned int key_len;
	struct burrow_key_limits limits;	/* 0 fields take the default */
};

/* Fill in per-cipher defaults and check caps; -EINVAL with *why set. */
int burrow_key_limits_resolve(u8 cipher, struct burrow_key_limits *limits, const char **why);
struct burrow_key *burrow_key_create(const struct burrow_key_params *params);
/* Unpublished key: drop the slot's reference after a grace period. */
void burrow_key_free_rcu(struct burrow_key *key);
/*
 * Drop a reference now; the last one frees the key. For the slot's
 * reference of a key that was never published or whose grace period has
 * passed, and for packets leaving the pipeline. NULL is a no-op.
 */
void burrow_key_put(struct burrow_key *key);

/* A packet's reference; the caller is in the RCU-BH section that found @key. */
static inline void burrow_key_get(struct burrow_key *key)
{
	refcount_inc(&key->refcount);
}
u32 burrow_key_age(const struct burrow_key *key);

/*
 * The quic key-phase bit a key sends and is selected by. Key ids count the
 * generations from 1, and the first generation is sent in key phase 0
 * (RFC 9001 §6), so odd ids are phase 0 and even ids phase 1.
 */
static inline bool burrow_key_phase(const struct burrow_key *key)
{
	return !(key->key_id & 1);
}

/*
 * Take the next transmit counter. Returns the limit state the key is in
 * after this packet: NONE, SOFT (encrypt, and the caller notifies once) or
 * HARD (refuse to encrypt).
 */
int burrow_key_next_counter(struct burrow_key *key, u64 *counter);

/*
 * Count a packet that failed authentication with @key. Returns true exactly
 * once: for the failure that passed the key's integrity limit, after which
 * burrow_key_rx_refused() is true (the caller raises the event).
 */
bool burrow_key_auth_failed(struct burrow_key *key);

/* The key passed its integrity limit: no packet for it is accepted. */
static inline bool burrow_key_rx_refused(const struct burrow_key *key)
{
	return test_bit(BURROW_KEY_RX_REFUSED, &key->flags);
}

#endif /* _BURROW_KEY_H */
