/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BURROW_DEVICE_H
#define _BURROW_DEVICE_H

#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/mutex.h>
#include <linux/rhashtable-types.h>

#include "allowedips.h"
#include "encap.h"
#include "l2_fdb.h"
#include "l2_frag.h"
#include "queue.h"
#include "stats.h"

/*
 * The default MTU leaves room for the worst-case direct overhead (encap.h)
 * at the default CID length inside a 1500-byte path: 1420. A peer reached
 * through a relay adds the 8-byte relay header: over an IPv4 path that
 * still fits (the worst case is the IPv6 outer header, 20 bytes more), over
 * an IPv6 path a relayed device wants mtu 1412. The default stays 1420, the
 * MTU every direct peer and burrowd's negotiation assume; max_mtu counts
 * the relay header (BURROW_OVERHEAD).
 */
#define BURROW_DEFAULT_MTU	(ETH_DATA_LEN - \
				 BURROW_DIRECT_OVERHEAD(BURROW_QUIC_CID_LEN_DEFAULT))

/*
 * An l2 device carries Ethernet frames, its MTU counting the Ethernet
 * payload: a frame is the MTU plus the Ethernet header and one 802.1Q tag.
 * The default is Ethernet's 1500: a frame longer than one packet to its
 * peer may carry is fragmented (l2_frag.h), so a 1500-byte segment works
 * over a path that leaves the l3 default's 1420 for a packet.
 */
#define BURROW_L2_FRAME_OVERHEAD	(ETH_HLEN + VLAN_HLEN)
#define BURROW_L2_DEFAULT_MTU		ETH_DATA_LEN

/* VLAN ids 0..4095: the size of a peer's segments bitmap (4095 is never set). */
#define BURROW_VLAN_COUNT		4096

struct burrow_socket;
struct dentry;

/*
 * One burrow network device, in netdev_priv(). Created by rtnl newlink and
 * freed with the netdev (needs_free_netdev), so its lifetime is the netdev's.
 *
 * Locking:
 *  - config_lock serialises every configuration change (generic netlink,
 *    device teardown). It protects the peer list, peer_count, generation,
 *    the write side of the peer table, the prefix trie, the relay table
 *    (relay.h) and the socket pointer. It is a mutex: changes allocate and may sleep.
 *  - The packet path takes no lock of the device: it finds peers in the
 *    rhashtable and the prefix trie and the socket under RCU (BH). The
 *    crypt rings' own producer and consumer locks are the only shared
 *    locks a packet takes (queue.h).
 *  - dead is set under config_lock in ndo_uninit; every netlink change
 *    checks it after taking the lock, so nothing is attached to a device
 *    that is going away.
 *
 * Down and up (ndo_stop, ndo_open; RTNL held, then config_lock): a device
 * that is down keeps its configuration (socket, peers, keys, endpoints)
 * but its data plane stands still. Every place where a packet enters the
 * pipeline (ndo_start_xmit, a keepalive, the socket's receive hook) and
 * every timer re-arm tests netif_running() inside an RCU-BH section. The
 * core clears netif_running() before it calls ndo_stop, which then waits a
 * grace period: after it nothing new enters and no timer re-arms itself.
 * ndo_stop then stops the peers' timers and waits until their pipeline
 * queues are empty; the serial steps drop, as drop_dev_down, what was in
 * flight instead of sending or delivering it. ndo_open re-arms the timers.
 * The per-peer NAPI contexts stay enabled while down (they are added and
 * deleted with the peer, and a scheduled poll only drops): nothing
 * schedules them once the queues are empty.
 */
struct burrow_device {
	struct net_device *dev;
	struct mutex config_lock;
	bool dead;
	u8 mode;		/* enum burrow_mode, fixed before register_netdevice */
	u16 default_keepalive;
	u32 default_inactivity_timeout;
	u64 generation;		/* 64-bit: never wraps back to a saved value */
	u32 peer_count;
	/* jiffies of the last ndo_open: inactivity counts from here at most. */
	unsigned long up_since;

	struct burrow_socket __rcu *sock;
	struct rhashtable peers;	/* by id */
	struct rhashtable cids;		/* quic peers by local CID */
	u32 cid_count;			/* peers in cids */
	u8 quic_cid_len;		/* changes only while cid_count is 0 */
	struct list_head peer_list;	/* in order of creation, RCU */
	struct burrow_allowedips allowedips;
	struct rhashtable relays;	/* relay entries by ticket (relay.h) */
	struct list_head relay_list;	/* the same, sorted by ticket */

	struct burrow_fdb fdb;		/* l2: the MAC table (l2_fdb.h) */
	/*
	 * l2: what the peers' reassembly shares (l2_frag.h): the byte budget,
	 * the largest frame (follows the MTU), the counters (in stats).
	 */
	struct burrow_l2_frag_dev frag;

	struct burrow_dev_stats __percpu *stats;
	struct burrow_crypt_queue encrypt_queue;
	struct burrow_crypt_queue decrypt_queue;
	struct dentry *debugfs_dir;
};

static inline struct burrow_device *burrow_device_from_netdev(struct net_device *dev)
{
	return netdev_priv(dev);
}

/* Count a configuration change; dumps compare generations. */
static inline void burrow_device_changed(struct burrow_device *bdev)
{
	lockdep_assert_held(&bdev->config_lock);
	bdev->generation++;
}

static inline bool burrow_device_is_l2(const struct burrow_device *bdev)
{
	return bdev->mode == BURROW_MODE_L2;
}

bool burrow_netdev_is_burrow(const struct net_device *dev);
int burrow_device_init(void);
void burrow_device_uninit(void);

/*
 * dev-set's quic-cid-len (@attr), in two steps so that dev-set applies all
 * or nothing: the check refuses with -EBUSY while peers hold local CIDs
 * (they have the old length) and with -EINVAL when the device's current MTU
 * would not fit under the new overhead; the set makes the device's max_mtu
 * follow the new length. The caller holds RTNL, which keeps dev->mtu still
 * between the check and the set (dev_set_mtu() runs under it), and
 * config_lock, which keeps cid_count still (lock order: RTNL, config_lock).
 */
int burrow_device_check_quic_cid_len(struct burrow_device *bdev, const struct nlattr *attr,
				     struct netlink_ext_ack *extack);
void burrow_device_set_quic_cid_len(struct burrow_device *bdev, const struct nlattr *attr);

#endif /* _BURROW_DEVICE_H */
