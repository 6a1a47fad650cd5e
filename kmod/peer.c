// SPDX-License-Identifier: GPL-2.0
/*
 * The peer table of a device: creation, lookup by id, removal, endpoints.
 * See peer.h for the lifetime and locking rules.
 */

#include <linux/jiffies.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "aqm.h"
#include "device.h"
#include "l2_fdb.h"
#include "main.h"
#include "peer.h"
#include "queue.h"
#include "receive.h"
#include "send.h"
#include "timers.h"

const struct rhashtable_params burrow_peer_table_params = {
	.key_len		= sizeof(u32),
	.key_offset		= offsetof(struct burrow_peer, id),
	.head_offset		= offsetof(struct burrow_peer, table_node),
	.automatic_shrinking	= true,
};

const struct rhashtable_params burrow_cid_table_params = {
	.key_len		= BURROW_QUIC_CID_LEN_MAX,
	.key_offset		= offsetof(struct burrow_peer, local_cid),
	.head_offset		= offsetof(struct burrow_peer, cid_node),
	.automatic_shrinking	= true,
};

/*
 * Peers come from their own cache: struct burrow_peer is just over 1 KiB,
 * and kmalloc would round each one up to 2 KiB, which at 100,000 peers is
 * 94 MiB of nothing. Created before any device, destroyed after the last
 * peer's rcu_work has run (burrow_mod_exit destroys burrow_wq first).
 */
static struct kmem_cache *peer_cache;

int burrow_peer_slab_init(void)
{
	peer_cache = KMEM_CACHE(burrow_peer, 0);
	return peer_cache ? 0 : -ENOMEM;
}

void burrow_peer_slab_uninit(void)
{
	kmem_cache_destroy(peer_cache);
	peer_cache = NULL;
}

struct burrow_peer *burrow_peer_create(struct burrow_device *bdev, u32 id)
{
	struct burrow_peer *peer;
	int ret;

	lockdep_assert_held(&bdev->config_lock);

	peer = kmem_cache_zalloc(peer_cache, GFP_KERNEL);
	if (!peer)
		return ERR_PTR(-ENOMEM);
	peer->stats = netdev_alloc_pcpu_stats(struct burrow_peer_stats);
	if (!peer->stats) {
		ret = -ENOMEM;
		goto err_free_peer;
	}
	/*
	 * Only an l2 device's peers have segments (512 bytes each): the mode
	 * is fixed before the device is registered, so before any peer.
	 */
	if (burrow_device_is_l2(bdev)) {
		peer->segments = bitmap_zalloc(BURROW_VLAN_COUNT, GFP_KERNEL);
		if (!peer->segments) {
			ret = -ENOMEM;
			goto err_free_stats;
		}
		/* l2 default (contract: a new peer is in the untagged segment only). */
		set_bit(0, peer->segments);
	}
	ret = dst_cache_init(&peer->dst_cache, GFP_KERNEL);
	if (ret)
		goto err_free_segments;

	peer->bdev = bdev;
	peer->id = id;
	peer->endpoint.addr.sa_family = AF_UNSPEC;
	peer->mac_limit = BURROW_MAC_LIMIT_DEFAULT;
	peer->flood_rate = BURROW_FLOOD_RATE_DEFAULT;
	peer->flood_tokens = BURROW_FLOOD_RATE_DEFAULT;
	peer->flood_refill = jiffies;
	spin_lock_init(&peer->flood_lock);
	burrow_l2_frag_peer_init(&peer->frag, &bdev->frag);
	rwlock_init(&peer->endpoint_lock);
	burrow_allowedips_owner_init(&peer->allowedips);
	burrow_timers_init(peer);
	skb_queue_head_init(&peer->tx_queue);
	skb_queue_head_init(&peer->rx_queue);
	burrow_aqm_init(&peer->tx_aqm);
	burrow_aqm_init(&peer->rx_aqm);
	INIT_WORK(&peer->tx_work, burrow_send_tx_work);
	/* Peers spread their transmit steps over the CPUs by id. */
	peer->tx_cpu = cpumask_local_spread(id, NUMA_NO_NODE);
	/*
	 * Ready before the peer is published: a packet may arrive at once.
	 * dev->napi_list is RTNL's: the netlink caller holds it.
	 */
	ASSERT_RTNL();
	netif_napi_add(bdev->dev, &peer->napi, burrow_receive_poll);
	napi_enable(&peer->napi);

	ret = rhashtable_lookup_insert_fast(&bdev->peers, &peer->table_node,
					    burrow_peer_table_params);
	if (ret)
		goto err_del_napi;
	list_add_tail_rcu(&peer->list, &bdev->peer_list);
	bdev->peer_count++;
	return peer;

err_del_napi:
	napi_disable(&peer->napi);
	netif_napi_del(&peer->napi);
	dst_cache_destroy(&peer->dst_cache);
err_free_segments:
	bitmap_free(peer->segments);
err_free_stats:
	free_percpu(peer->stats);
err_free_peer:
	kmem_cache_free(peer_cache, peer);
	return ERR_PTR(ret);
}

struct burrow_peer *burrow_peer_lookup(struct burrow_device *bdev, u32 id)
{
	return rhashtable_lookup_fast(&bdev->peers, &id, burrow_peer_table_params);
}

struct burrow_peer *burrow_peer_lookup_cid(struct burrow_device *bdev, const u8 *cid)
{
	u8 key[BURROW_QUIC_CID_LEN_MAX] = {};

	memcpy(key, cid, min_t(unsigned int, READ_ONCE(bdev->quic_cid_len), sizeof(key)));
	return rhashtable_lookup_fast(&bdev->cids, key, burrow_cid_table_params);
}

int burrow_peer_set_local_cid(struct burrow_peer *peer, const u8 *cid, unsigned int len)
{
	struct burrow_device *bdev = peer->bdev;
	u8 old[BURROW_QUIC_CID_LEN_MAX];
	unsigned int old_len = peer->local_cid_len;
	int ret = 0;

	lockdep_assert_held(&bdev->config_lock);
	if (old_len == len && !memcmp(peer->local_cid, cid, len))
		return 0;
	memcpy(old, peer->local_cid, sizeof(old));
	if (old_len) {
		rhashtable_remove_fast(&bdev->cids, &peer->cid_node, burrow_cid_table_params);
		bdev->cid_count--;
		/* Lookups in flight may still compare the old bytes. */
		synchronize_net();
	}
	memset(peer->local_cid, 0, sizeof(peer->local_cid));
	peer->local_cid_len = 0;
	if (!len)
		return 0;
	memcpy(peer->local_cid, cid, len);
	ret = rhashtable_lookup_insert_fast(&bdev->cids, &peer->cid_node,
					    burrow_cid_table_params);
	if (!ret) {
		peer->local_cid_len = len;
		bdev->cid_count++;
		return 0;
	}
	/* Put the old one back; it was ours a moment ago, so it fits. */
	memcpy(peer->local_cid, old, sizeof(old));
	if (old_len && !rhashtable_lookup_insert_fast(&bdev->cids, &peer->cid_node,
						      burrow_cid_table_params)) {
		peer->local_cid_len = old_len;
		bdev->cid_count++;
	} else {
		memset(peer->local_cid, 0, sizeof(peer->local_cid));
	}
	return ret;
}

unsigned int burrow_peer_get_remote_cid(struct burrow_peer *peer, u8 *cid)
{
	unsigned int len;

	read_lock_bh(&peer->endpoint_lock);
	len = peer->remote_cid_len;
	memcpy(cid, peer->remote_cid, len);
	read_unlock_bh(&peer->endpoint_lock);
	return len;
}

void burrow_peer_set_remote_cid(struct burrow_peer *peer, const u8 *cid, unsigned int len)
{
	write_lock_bh(&peer->endpoint_lock);
	memcpy(peer->remote_cid, cid, len);
	peer->remote_cid_len = len;
	write_unlock_bh(&peer->endpoint_lock);
}

struct burrow_peer *burrow_peer_from_allowedips(struct burrow_allowedips_owner *owner)
{
	return owner ? container_of(owner, struct burrow_peer, allowedips) : NULL;
}

/*
 * Runs after a grace period: nothing in the packet path can see the peer,
 * and no packet holds its keys (its queues drained first).
 */
static void burrow_peer_free_work(struct work_struct *work)
{
	struct burrow_peer *peer = container_of(to_rcu_work(work), struct burrow_peer,
						free_work);
	int slot;

	for (slot = 0; slot < BURROW_KEY_SLOTS; slot++)
		burrow_key_put(rcu_dereference_protected(peer->keys[slot], true));
	dst_cache_destroy(&peer->dst_cache);
	bitmap_free(peer->segments);
	free_percpu(peer->stats);
	/* What kfree_sensitive() would do: nothing of the peer outlives it. */
	memzero_explicit(peer, sizeof(*peer));
	kmem_cache_free(peer_cache, peer);
}

/*
 * Removal, in steps separated by grace periods:
 *
 * 1. Unpublish: take the peer out of every table and mark it dead.
 *    Anything that re-arms a timer does so inside an RCU-BH section after
 *    checking dead, and every packet joins the peer's queues inside the
 *    RCU-BH section that found the peer, so after a grace period nothing
 *    can re-arm a timer or queue a packet for the peer.
 * 2. Drain: stop the timers, then wait until both ordered queues are empty.
 *    Workers finish every queued packet and the serial steps (still
 *    running) pop them in turn, sending or delivering or dropping them;
 *    burrow_peer_dequeued() wakes us.
 * 3. After another grace period no worker is still kicking the peer (a
 *    worker holds rcu_read_lock_bh from taking a packet until after its
 *    kick), so stopping the serial steps is final: cancel the transmit work,
 *    disable and delete the NAPI context, and free the peer after a last
 *    grace period (rcu_work), which also covers netif_napi_del().
 */
static void burrow_peer_unpublish(struct burrow_peer *peer)
{
	struct burrow_device *bdev = peer->bdev;

	lockdep_assert_held(&bdev->config_lock);
	rhashtable_remove_fast(&bdev->peers, &peer->table_node, burrow_peer_table_params);
	if (peer->local_cid_len) {
		rhashtable_remove_fast(&bdev->cids, &peer->cid_node, burrow_cid_table_params);
		bdev->cid_count--;
	}
	list_del_rcu(&peer->list);
	burrow_allowedips_remove_by_owner(&bdev->allowedips, &peer->allowedips,
					  &bdev->config_lock);
	bdev->peer_count--;
	WRITE_ONCE(peer->dead, true);
	/* After dead: no entry is learnt for the peer from here on (l2_fdb.h). */
	burrow_fdb_flush_peer(peer);
}

static bool burrow_peer_drained(struct burrow_peer *peer)
{
	return !skb_queue_len_lockless(&peer->tx_queue) &&
	       !skb_queue_len_lockless(&peer->rx_queue);
}

static void burrow_peer_drain(struct burrow_peer *peer)
{
	burrow_timers_stop(peer);
	wait_var_event(&peer->tx_queue, burrow_peer_drained(peer));
}

static void burrow_peer_finish(struct burrow_peer *peer)
{
	cancel_work_sync(&peer->tx_work);
	ASSERT_RTNL();	/* dev->napi_list, as in burrow_peer_create() */
	napi_disable(&peer->napi);
	/* No poll adds a fragment any more: free the frames in reassembly. */
	burrow_l2_frag_peer_destroy(&peer->frag);
	/* The grace period before the free stands in for netif_napi_del()'s. */
	__netif_napi_del(&peer->napi);
	INIT_RCU_WORK(&peer->free_work, burrow_peer_free_work);
	queue_rcu_work(burrow_wq, &peer->free_work);
}

void burrow_peer_remove(struct burrow_peer *peer)
{
	burrow_peer_unpublish(peer);
	synchronize_net();
	burrow_peer_drain(peer);
	synchronize_net();
	burrow_peer_finish(peer);
}

/* The same steps, with each grace period shared by all peers. */
void burrow_peer_remove_all(struct burrow_device *bdev)
{
	struct burrow_peer *peer, *next;
	LIST_HEAD(removed);

	lockdep_assert_held(&bdev->config_lock);
	list_for_each_entry_safe(peer, next, &bdev->peer_list, list) {
		burrow_peer_unpublish(peer);
		/*
		 * Not peer->list: RCU readers may still be walking through
		 * it, and must find their way back to the device's list head.
		 */
		list_add_tail(&peer->remove_link, &removed);
	}
	if (list_empty(&removed))
		return;
	synchronize_net();
	list_for_each_entry(peer, &removed, remove_link)
		burrow_peer_drain(peer);
	synchronize_net();
	list_for_each_entry_safe(peer, next, &removed, remove_link)
		burrow_peer_finish(peer);
}

/*
 * ndo_stop, under RTNL and config_lock (so no peer comes or goes), after
 * the core cleared netif_running(). Every entry into the pipeline and every
 * timer re-arm tests netif_running() inside an RCU-BH section, so after a
 * grace period nothing enters a peer's queues and no timer arms itself:
 * stopping the timers is final until ndo_open, and the queues only shrink.
 * Then wait until they are empty, as removal does; the serial steps drop
 * what is left as drop_dev_down. The NAPI contexts and the transmit work
 * stay usable: peer removal while down needs them as it does while up.
 */
void burrow_peer_stop_all(struct burrow_device *bdev)
{
	struct burrow_peer *peer;

	lockdep_assert_held(&bdev->config_lock);
	ASSERT_RTNL();
	WARN_ON_ONCE(netif_running(bdev->dev));
	if (list_empty(&bdev->peer_list))
		return;
	synchronize_net();
	list_for_each_entry(peer, &bdev->peer_list, list)
		burrow_peer_drain(peer);
}

/* ndo_open, under RTNL and config_lock, with netif_running() true. */
void burrow_peer_start_all(struct burrow_device *bdev)
{
	struct burrow_peer *peer;

	lockdep_assert_held(&bdev->config_lock);
	list_for_each_entry(peer, &bdev->peer_list, list)
		burrow_timers_update(peer);
}

void burrow_peer_get_endpoint(struct burrow_peer *peer, struct burrow_endpoint *endpoint)
{
	read_lock_bh(&peer->endpoint_lock);
	*endpoint = peer->endpoint;
	read_unlock_bh(&peer->endpoint_lock);
}

void burrow_peer_set_endpoint(struct burrow_peer *peer, const struct burrow_endpoint *endpoint)
{
	write_lock_bh(&peer->endpoint_lock);
	peer->endpoint = *endpoint;
	dst_cache_reset(&peer->dst_cache);
	write_unlock_bh(&peer->endpoint_lock);
}

bool burrow_endpoint_equal(const struct burrow_endpoint *a, const struct burrow_endpoint *b)
{
	if (a->addr.sa_family != b->addr.sa_family)
		return false;
	switch (a->addr.sa_family) {
	case AF_INET:
		return a->addr4.sin_addr.s_addr == b->addr4.sin_addr.s_addr &&
		       a->addr4.sin_port == b->addr4.sin_port;
	case AF_INET6:
		return ipv6_addr_equal(&a->addr6.sin6_addr, &b->addr6.sin6_addr) &&
		       a->addr6.sin6_port == b->addr6.sin6_port;
	default:
		return true;
	}
}

u16 burrow_peer_keepalive(const struct burrow_peer *peer)
{
	return READ_ONCE(peer->keepalive_set) ? READ_ONCE(peer->keepalive) :
		READ_ONCE(peer->bdev->default_keepalive);
}

u32 burrow_peer_inactivity_timeout(const struct burrow_peer *peer)
{
	return READ_ONCE(peer->inactivity_timeout_set) ? READ_ONCE(peer->inactivity_timeout) :
		READ_ONCE(peer->bdev->default_inactivity_timeout);
}

void burrow_peer_stats_read(struct burrow_peer *peer, struct burrow_peer_stats *sum)
{
	unsigned int start;
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct burrow_peer_stats *stats = per_cpu_ptr(peer->stats, cpu);
		u64 rx_bytes, rx_packets, tx_bytes, tx_packets, tx_queue_drops, rx_queue_drops;

		do {
			start = u64_stats_fetch_begin(&stats->syncp);
			rx_bytes = stats->rx_bytes;
			rx_packets = stats->rx_packets;
			tx_bytes = stats->tx_bytes;
			tx_packets = stats->tx_packets;
			tx_queue_drops = stats->tx_queue_drops;
			rx_queue_drops = stats->rx_queue_drops;
		} while (u64_stats_fetch_retry(&stats->syncp, start));
		sum->rx_bytes += rx_bytes;
		sum->rx_packets += rx_packets;
		sum->tx_bytes += tx_bytes;
		sum->tx_packets += tx_packets;
		sum->tx_queue_drops += tx_queue_drops;
		sum->rx_queue_drops += rx_queue_drops;
	}
}

void burrow_peer_stats_drop(struct burrow_peer *peer, enum burrow_drop_reason reason, bool rx)
{
	struct burrow_peer_stats *stats;

	burrow_stats_drop(peer->bdev, reason, rx);
	if (reason != BURROW_DROP_QUEUE_FULL && reason != BURROW_DROP_QUEUE_DELAY)
		return;
	stats = this_cpu_ptr(peer->stats);
	u64_stats_update_begin(&stats->syncp);
	if (rx)
		stats->rx_queue_drops++;
	else
		stats->tx_queue_drops++;
	u64_stats_update_end(&stats->syncp);
}
