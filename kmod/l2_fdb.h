/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MAC table of an l2 device (mode l2, docs/operations.md "L2 mode").
 *
 * One rhashtable per device holds two kinds of entries, told apart by the
 * key's kind byte:
 *  - a MAC entry (kind BURROW_FDB_MAC): MAC address and VLAN id -> the peer
 *    that owns it. Learnt only in the receive path's stage 3 from the
 *    source MAC of an authenticated, decrypted frame of that peer, never
 *    from a multicast, broadcast or zero source.
 *  - a neighbour entry (kind BURROW_FDB_IPV4, BURROW_FDB_IPV6): IP address
 *    and VLAN id -> MAC address, learnt from authenticated ARP senders and
 *    IPv6 neighbour solicitations and advertisements, so that an ARP
 *    request or neighbour solicitation for an address whose owner is known
 *    goes to that owner only instead of being flooded.
 * Every entry belongs to the peer whose frame taught it; a peer owns at
 * most mac-limit MAC entries (0: no limit) and as many neighbour entries,
 * and the device at most BURROW_FDB_MAX entries in all.
 *
 * Locking and lifetimes:
 *  - Lookups (transmit, receive) run under RCU-BH without a lock and never
 *    change an entry but for its refresh time (WRITE_ONCE/READ_ONCE).
 *  - Inserting, moving (a MAC heard from another peer: l2_mac_moves) and
 *    removing entries take the device's fdb_lock, a BH spinlock, which also
 *    guards the entry list, the device's entry count and every peer's
 *    mac_count and neigh_count. Entries are freed after a grace period
 *    (kfree_rcu), so a lookup may return an entry that is being removed.
 *  - An entry's peer pointer is valid for as long as the entry is in the
 *    table: a peer's removal (burrow_fdb_flush_peer, from
 *    burrow_peer_unpublish, after the peer is marked dead) removes every
 *    entry that points to it before the peer's own grace period starts, and
 *    learning re-checks peer->dead under fdb_lock, so no entry is created
 *    for a peer after its flush. A reader inside RCU-BH that got a peer
 *    from an entry may use it until its section ends.
 *  - Ageing: an entry not refreshed for the device's fdb-ageing is ignored
 *    by lookups at once and removed by the device's garbage-collection
 *    work, which runs while the table is not empty. The device's teardown
 *    removes the peers (and so every entry) and then stops that work.
 */
#ifndef _BURROW_L2_FDB_H
#define _BURROW_L2_FDB_H

#include <linux/if_ether.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "stats.h"

struct burrow_device;
struct burrow_peer;
struct sk_buff;
struct netlink_callback;

#define BURROW_FDB_AGEING_DEFAULT	300	/* seconds */
#define BURROW_FDB_MAX			65536	/* entries per device, both kinds */
#define BURROW_MAC_LIMIT_DEFAULT	1024
#define BURROW_FLOOD_RATE_DEFAULT	1000	/* packets per second */

enum burrow_fdb_kind {
	BURROW_FDB_MAC = 1,
	BURROW_FDB_IPV4 = 4,
	BURROW_FDB_IPV6 = 6,
};

struct burrow_fdb_key {
	u8 kind;		/* enum burrow_fdb_kind */
	u8 pad;			/* zero: the key is compared as bytes */
	u16 vid;		/* VLAN id, 0 untagged */
	u8 addr[16];		/* MAC (6 bytes), IPv4 (4) or IPv6 (16); zero-padded */
};

struct burrow_fdb_entry {
	struct rhash_head node;
	struct burrow_fdb_key key;
	struct burrow_peer *peer;	/* owner; changes under fdb_lock (a move) */
	u8 mac[ETH_ALEN];		/* neighbour entries: the address's MAC */
	unsigned long updated;		/* jiffies of the last refresh */
	struct list_head list;		/* device's fdb_list, under fdb_lock */
	struct rcu_head rcu;
};

/* The device's table, in struct burrow_device. */
struct burrow_fdb {
	struct rhashtable table;
	spinlock_t lock;		/* fdb_lock above */
	struct list_head list;		/* every entry, oldest first */
	u32 count;
	u32 ageing;			/* seconds; READ_ONCE in the packet path */
	struct delayed_work gc_work;
};

int burrow_fdb_init(struct burrow_device *bdev);
/* After every peer was removed (so the table is empty): stop the gc work. */
void burrow_fdb_uninit(struct burrow_device *bdev);
void burrow_fdb_destroy(struct burrow_device *bdev);
/* From burrow_peer_unpublish(), with peer->dead set. Sleeps not; BH-safe. */
void burrow_fdb_flush_peer(struct burrow_peer *peer);

/*
 * Receive stage 3, RCU-BH: learn that @mac in VLAN @vid is @peer's.
 * Returns BURROW_DROP_MAX, or BURROW_DROP_L2_MAC_LIMIT when the MAC is new
 * to @peer and the peer (or the device) is at its limit.
 */
enum burrow_drop_reason burrow_fdb_learn(struct burrow_device *bdev, struct burrow_peer *peer,
					 const u8 *mac, u16 vid);
/* The same for an IP address (@family AF_INET or AF_INET6) at @mac. Best effort. */
void burrow_fdb_learn_neigh(struct burrow_device *bdev, struct burrow_peer *peer,
			    int family, const void *addr, u16 vid, const u8 *mac);
/* RCU-BH: the peer that owns @mac in VLAN @vid, or NULL. */
struct burrow_peer *burrow_fdb_lookup(struct burrow_device *bdev, const u8 *mac, u16 vid);
/* RCU-BH: the peer that owns the MAC of IP address @addr in VLAN @vid, or NULL. */
struct burrow_peer *burrow_fdb_lookup_neigh(struct burrow_device *bdev, int family,
					    const void *addr, u16 vid);

/* fdb-get dump. */
int burrow_fdb_dump(struct sk_buff *skb, struct netlink_callback *cb,
		    struct burrow_device *bdev);

#endif /* _BURROW_L2_FDB_H */
