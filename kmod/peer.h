/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BURROW_PEER_H
#define _BURROW_PEER_H

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/netdevice.h>
#include <linux/rhashtable-types.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/u64_stats_sync.h>
#include <net/dst_cache.h>

#include "allowedips.h"
#include "aqm.h"
#include "device.h"
#include "key.h"
#include "l2_frag.h"
#include "encap_quic.h"
#include "stats.h"

struct burrow_device;

/* A remote UDP endpoint; family AF_UNSPEC when there is none. */
struct burrow_endpoint {
	union {
		struct sockaddr addr;
		struct sockaddr_in addr4;
		struct sockaddr_in6 addr6;
	};
};

struct burrow_peer_stats {
	u64 rx_bytes;
	u64 rx_packets;
	u64 tx_bytes;
	u64 tx_packets;
	u64 tx_queue_drops;	/* drop_queue_full or drop_queue_delay, per direction */
	u64 rx_queue_drops;
	struct u64_stats_sync syncp;
};

/*
 * A peer of one device.
 *
 * Lifetime: created and published (peer table, peer list, prefix trie) by
 * netlink under the device's config_lock; the packet path and timers find
 * it under RCU and never hold it beyond their RCU-BH section. Removal
 * unpublishes it under config_lock, marks it dead (so timers stop re-arming
 * themselves), stops its timers, and frees it after a grace period from
 * process context together with its keys.
 *
 * endpoint is read by every transmit and written by roaming in softirq and
 * by netlink: endpoint_lock (a rwlock, BH-safe) keeps the copy consistent.
 * dst_cache is reset whenever the endpoint changes. endpoint_lock also
 * covers remote_cid, which every quic transmit copies.
 *
 * local_cid (quic) is the key of the device's CID table, zero-padded to
 * BURROW_QUIC_CID_LEN_MAX so every key has one length; local_cid_len 0
 * means none. It changes only under config_lock, with the peer out of the
 * table for a grace period around the change (burrow_peer_set_local_cid),
 * so lockless lookups never compare against bytes being rewritten.
 *
 * The packet pipeline (queue.h): tx_queue and rx_queue are the ordered
 * queues, each under its own spinlock (taken with BH disabled). tx_work is
 * the transmit serial step, always queued on tx_cpu so that one peer's
 * datagrams leave from one CPU (and so one NIC queue) in order; napi is
 * the receive serial step. Both are non-reentrant by construction (a work
 * item, a NAPI context), which is what makes them serial. Removal waits
 * for both queues to drain before it stops them (peer.c). tx_aqm and
 * rx_aqm are each queue's CoDel state (aqm.h), touched by its serial step
 * alone.
 */
struct burrow_peer {
	struct burrow_device *bdev;
	u32 id;
	u32 tx_id;
	struct rhash_head table_node;
	struct rhash_head cid_node;		/* bdev->cids, if local_cid_len */
	u8 local_cid[BURROW_QUIC_CID_LEN_MAX];
	u8 local_cid_len;
	u8 remote_cid_len;			/* 0 = none; endpoint_lock */
	u8 remote_cid[BURROW_QUIC_CID_LEN_MAX];
	struct list_head list;			/* bdev->peer_list */
	struct list_head remove_link;		/* private, during removal */
	struct burrow_allowedips_owner allowedips;

	rwlock_t endpoint_lock;
	struct burrow_endpoint endpoint;
	struct dst_cache dst_cache;
	bool endpoint_pinned;
	/* jiffies | 1 of the last roam, 0 = never; written by the NAPI poll only. */
	unsigned long roamed_at;
	u8 encap;
	/*
	 * 0: direct. Else every packet goes out behind a relay header with
	 * this ticket, and a relayed packet for the peer must carry it.
	 */
	u32 relay_ticket;

	/* 0 = use the device default (read at expiry time). */
	u16 keepalive;
	u32 inactivity_timeout;
	bool keepalive_set;
	bool inactivity_timeout_set;

	struct burrow_key __rcu *keys[BURROW_KEY_SLOTS];

	struct burrow_peer_stats __percpu *stats;
	unsigned long last_rx;		/* jiffies */
	bool received;			/* last_rx is a real receive */
	unsigned long last_tx;		/* jiffies */
	bool expired;
	bool dead;

	struct timer_list keepalive_timer;
	struct timer_list inactivity_timer;
	struct rcu_work free_work;

	/*
	 * l2 (l2.h, l2_fdb.h). segments: bit n set = VLAN id n (0 untagged),
	 * NULL on an l3 device, whose paths never read it; written bit by bit
	 * under config_lock, read lockless by the packet
	 * path, so a frame racing a segments change sees the old or the new
	 * membership of its VLAN. mac_count and neigh_count: entries of the
	 * device's MAC table the peer owns, under its fdb_lock. mac_limit and
	 * flood_rate: set under config_lock, READ_ONCE in the packet path; 0
	 * is no limit. flood_tokens and flood_refill: the flood token bucket,
	 * under flood_lock.
	 */
	unsigned long *segments;
	/* l2: fragment ids sent and frames in reassembly (l2_frag.h). */
	struct burrow_l2_frag_peer frag;
	u32 mac_count;
	u32 neigh_count;
	u32 mac_limit;
	u32 flood_rate;
	spinlock_t flood_lock;
	u32 flood_tokens;
	unsigned long flood_refill;

	struct sk_buff_head tx_queue;
	struct sk_buff_head rx_queue;
	struct burrow_aqm tx_aqm;
	struct burrow_aqm rx_aqm;
	struct work_struct tx_work;
	int tx_cpu;
	struct napi_struct napi;
};

extern const struct rhashtable_params burrow_peer_table_params;
extern const struct rhashtable_params burrow_cid_table_params;

/* The peer cache: once at module load, and at unload after burrow_wq is gone. */
int burrow_peer_slab_init(void);
void burrow_peer_slab_uninit(void);
struct burrow_peer *burrow_peer_create(struct burrow_device *bdev, u32 id);
/* Unpublish and free after a grace period. Caller holds config_lock. */
void burrow_peer_remove(struct burrow_peer *peer);
void burrow_peer_remove_all(struct burrow_device *bdev);
/* The device went down: stop every peer's timers, wait for its pipeline. */
void burrow_peer_stop_all(struct burrow_device *bdev);
/* The device came up: re-arm every peer's timers. */
void burrow_peer_start_all(struct burrow_device *bdev);
struct burrow_peer *burrow_peer_lookup(struct burrow_device *bdev, u32 id);
/* The peer whose local CID is @cid (bdev->quic_cid_len bytes). RCU. */
struct burrow_peer *burrow_peer_lookup_cid(struct burrow_device *bdev, const u8 *cid);
/* Caller holds config_lock; @len 0 removes. -EEXIST if another peer has it. */
int burrow_peer_set_local_cid(struct burrow_peer *peer, const u8 *cid, unsigned int len);
/* Copies the remote CID into @cid; returns its length, 0 if none. */
unsigned int burrow_peer_get_remote_cid(struct burrow_peer *peer, u8 *cid);
void burrow_peer_set_remote_cid(struct burrow_peer *peer, const u8 *cid, unsigned int len);
struct burrow_peer *burrow_peer_from_allowedips(struct burrow_allowedips_owner *owner);

void burrow_peer_get_endpoint(struct burrow_peer *peer, struct burrow_endpoint *endpoint);
void burrow_peer_set_endpoint(struct burrow_peer *peer, const struct burrow_endpoint *endpoint);
bool burrow_endpoint_equal(const struct burrow_endpoint *a, const struct burrow_endpoint *b);

u16 burrow_peer_keepalive(const struct burrow_peer *peer);
u32 burrow_peer_inactivity_timeout(const struct burrow_peer *peer);
void burrow_peer_stats_read(struct burrow_peer *peer, struct burrow_peer_stats *sum);
/*
 * Count a drop of one of @peer's packets on the device, and, for a queue
 * drop, on the peer. BH disabled (the per-CPU counters have no other guard).
 */
void burrow_peer_stats_drop(struct burrow_peer *peer, enum burrow_drop_reason reason, bool rx);

/*
 * After a serial step popped packets from one of the peer's ordered queues,
 * inside the same RCU-BH section as the pops: wakes a removal, or an
 * ndo_stop, waiting for the queues to drain. No barrier is needed: removal
 * sets dead (the core clears netif_running() before ndo_stop) and then
 * waits a grace period, so a section that could miss it ended before the
 * waiter started waiting, and its pops are visible to it.
 */
static inline void burrow_peer_dequeued(struct burrow_peer *peer)
{
	if (unlikely(READ_ONCE(peer->dead) || !netif_running(peer->bdev->dev)))
		wake_up_var(&peer->tx_queue);
}

#endif /* _BURROW_PEER_H */
