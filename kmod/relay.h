/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The relay: a device's table of relay entries (ticket -> two endpoints)
 * and what the receive path does with a datagram that starts with a relay
 * header (docs/wire-format.md, "Relay header"):
 *
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------+---------------+-------------------------------+
 * |  type (0x02)  | reserved (0)  |        reserved (0)           |  0
 * +---------------+---------------+-------------------------------+
 * |                    ticket (u32, big endian, non-zero)         |  4
 * +---------------------------------------------------------------+
 * |        the relayed datagram, unchanged                      ...  8
 * +---------------------------------------------------------------+
 *
 * Type 0x02 has bit 0x40 clear, like the udp encapsulation's 0x01, so a
 * QUIC packet can never be mistaken for one.
 *
 * Locking: entries are published in the device's relay table (an
 * rhashtable, read under RCU by the receive path) and on its relay_list
 * (sorted by ticket, for dumps), both written under config_lock. An
 * entry's endpoints and expiry change under its own rwlock (relay-set);
 * the receive path copies them under the read lock. Removed entries are
 * freed with kfree_rcu. Counters are atomic64: one entry carries one
 * 5-tuple per direction, which RSS keeps on one CPU anyway.
 */
#ifndef _BURROW_RELAY_H
#define _BURROW_RELAY_H

#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/list.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "encap.h"
#include "peer.h"

#define BURROW_RELAY_TYPE		0x02

struct burrow_relay_header {
	u8 type;
	u8 reserved1;
	__be16 reserved2;
	__be32 ticket;
} __packed;

static_assert(sizeof(struct burrow_relay_header) == BURROW_RELAY_HEADER_LEN);
static_assert(!(BURROW_RELAY_TYPE & BURROW_WIRE_QUIC_BIT));

struct burrow_relay {
	struct rhash_head node;
	u32 ticket;
	struct list_head list;		/* bdev->relay_list, by ticket */
	rwlock_t lock;			/* a, b, expires */
	struct burrow_endpoint a;
	struct burrow_endpoint b;
	unsigned long expires;		/* jiffies */
	atomic64_t a_to_b_packets;
	atomic64_t a_to_b_bytes;
	atomic64_t b_to_a_packets;
	atomic64_t b_to_a_bytes;
	struct rcu_head rcu;
};

struct burrow_device;
struct sk_buff;
struct sock;

int burrow_relay_table_init(struct burrow_device *bdev);
/* Caller holds config_lock: removes every entry (device teardown). */
void burrow_relay_remove_all(struct burrow_device *bdev);
void burrow_relay_table_destroy(struct burrow_device *bdev);

/* Caller holds config_lock (or RCU for a lookup only). */
struct burrow_relay *burrow_relay_lookup(struct burrow_device *bdev, u32 ticket);
/* Caller holds config_lock. -EEXIST if the ticket is taken. */
int burrow_relay_insert(struct burrow_device *bdev, struct burrow_relay *relay);
void burrow_relay_remove(struct burrow_device *bdev, struct burrow_relay *relay);

/* Seconds left before @relay expires, 0 once it has. */
u32 burrow_relay_seconds_left(struct burrow_relay *relay);

/*
 * Receive stage 1 for a datagram whose UDP payload (at @offset) starts
 * with BURROW_RELAY_TYPE, on the socket @sk of @bdev. Returns true if the
 * datagram was consumed: forwarded to the other endpoint of its entry, or
 * dropped and counted (bad header, wrong source, expired, device down).
 * Returns false with *ticket set if the ticket is in no entry: this node
 * is an endpoint, and the inner datagram starts BURROW_RELAY_HEADER_LEN
 * bytes further on.
 */
bool burrow_relay_rcv(struct burrow_device *bdev, struct sock *sk, struct sk_buff *skb,
		      unsigned int offset, u32 *ticket);

#endif /* _BURROW_RELAY_H */
