// SPDX-License-Identifier: GPL-2.0
/*
 * The MAC table of an l2 device: learning, lookup, ageing, flushing and
 * the fdb-get dump. l2_fdb.h has the locking and lifetime rules.
 *
 * Lookups use rhashtable_lookup_fast(), which takes rcu_read_lock() itself:
 * the packet path's callers hold rcu_read_lock_bh(), which protects the
 * entries as well, but rhashtable's lockdep check asks for the plain one.
 */

#include <linux/etherdevice.h>
#include <linux/jiffies.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "device.h"
#include "l2_fdb.h"
#include "main.h"
#include "netlink.h"
#include "netlink_gen.h"
#include "peer.h"

static const struct rhashtable_params burrow_fdb_params = {
	.key_len		= sizeof(struct burrow_fdb_key),
	.key_offset		= offsetof(struct burrow_fdb_entry, key),
	.head_offset		= offsetof(struct burrow_fdb_entry, node),
	.automatic_shrinking	= true,
};

static unsigned long burrow_fdb_ageing_jiffies(struct burrow_device *bdev)
{
	return (unsigned long)READ_ONCE(bdev->fdb.ageing) * HZ;
}

static bool burrow_fdb_expired(struct burrow_device *bdev, const struct burrow_fdb_entry *e)
{
	return time_after(jiffies, READ_ONCE(e->updated) + burrow_fdb_ageing_jiffies(bdev));
}

/* The gc runs a few times per ageing period, at most every 30 s. */
static unsigned long burrow_fdb_gc_interval(struct burrow_device *bdev)
{
	return clamp(burrow_fdb_ageing_jiffies(bdev) / 4, (unsigned long)HZ,
		     (unsigned long)(30 * HZ));
}

static void burrow_fdb_count(struct burrow_fdb_entry *e, int delta)
{
	if (e->key.kind == BURROW_FDB_MAC)
		e->peer->mac_count += delta;
	else
		e->peer->neigh_count += delta;
}

/* Under fdb_lock. */
static void burrow_fdb_remove(struct burrow_device *bdev, struct burrow_fdb_entry *e)
{
	lockdep_assert_held(&bdev->fdb.lock);
	rhashtable_remove_fast(&bdev->fdb.table, &e->node, burrow_fdb_params);
	list_del(&e->list);
	burrow_fdb_count(e, -1);
	bdev->fdb.count--;
	kfree_rcu(e, rcu);
}

static void burrow_fdb_gc_work(struct work_struct *work)
{
	struct burrow_fdb *fdb = container_of(to_delayed_work(work), struct burrow_fdb, gc_work);
	struct burrow_device *bdev = container_of(fdb, struct burrow_device, fdb);
	struct burrow_fdb_entry *e, *next;
	bool more;

	spin_lock_bh(&fdb->lock);
	list_for_each_entry_safe(e, next, &fdb->list, list)
		if (burrow_fdb_expired(bdev, e))
			burrow_fdb_remove(bdev, e);
	more = !list_empty(&fdb->list);
	spin_unlock_bh(&fdb->lock);
	if (more)
		queue_delayed_work(system_power_efficient_wq, &fdb->gc_work,
				   burrow_fdb_gc_interval(bdev));
}

int burrow_fdb_init(struct burrow_device *bdev)
{
	struct burrow_fdb *fdb = &bdev->fdb;

	spin_lock_init(&fdb->lock);
	INIT_LIST_HEAD(&fdb->list);
	fdb->ageing = BURROW_FDB_AGEING_DEFAULT;
	INIT_DELAYED_WORK(&fdb->gc_work, burrow_fdb_gc_work);
	return rhashtable_init(&fdb->table, &burrow_fdb_params);
}

void burrow_fdb_uninit(struct burrow_device *bdev)
{
	/* No peer is left, so nothing learns and nothing re-arms the work. */
	cancel_delayed_work_sync(&bdev->fdb.gc_work);
	WARN_ON(bdev->fdb.count);
}

void burrow_fdb_destroy(struct burrow_device *bdev)
{
	rhashtable_destroy(&bdev->fdb.table);
}

void burrow_fdb_flush_peer(struct burrow_peer *peer)
{
	struct burrow_device *bdev = peer->bdev;
	struct burrow_fdb_entry *e, *next;

	spin_lock_bh(&bdev->fdb.lock);
	list_for_each_entry_safe(e, next, &bdev->fdb.list, list)
		if (e->peer == peer)
			burrow_fdb_remove(bdev, e);
	spin_unlock_bh(&bdev->fdb.lock);
}

static void burrow_fdb_key_init(struct burrow_fdb_key *key, u8 kind, const void *addr,
				unsigned int len, u16 vid)
{
	memset(key, 0, sizeof(*key));
	key->kind = kind;
	key->vid = vid;
	memcpy(key->addr, addr, len);
}

static bool burrow_fdb_at_limit(struct burrow_device *bdev, struct burrow_peer *peer, u8 kind)
{
	u32 limit = READ_ONCE(peer->mac_limit);
	u32 count = kind == BURROW_FDB_MAC ? peer->mac_count : peer->neigh_count;

	return (limit && count >= limit) || bdev->fdb.count >= BURROW_FDB_MAX;
}

/*
 * Learn @key for @peer (and @mac for a neighbour entry). Returns
 * BURROW_DROP_L2_MAC_LIMIT if it is new to the peer and the peer is full.
 */
static enum burrow_drop_reason burrow_fdb_update(struct burrow_device *bdev,
						 struct burrow_peer *peer,
						 const struct burrow_fdb_key *key, const u8 *mac)
{
	enum burrow_drop_reason reason = BURROW_DROP_MAX;
	struct burrow_fdb_entry *e, *old;
	bool moved = false;

	e = rhashtable_lookup_fast(&bdev->fdb.table, key, burrow_fdb_params);
	/* The common case, lockless: a known address heard from its owner. */
	if (e && READ_ONCE(e->peer) == peer &&
	    (!mac || ether_addr_equal(e->mac, mac))) {
		/* (A neighbour entry whose MAC changed takes the lock below.) */
		if (READ_ONCE(e->updated) != jiffies)
			WRITE_ONCE(e->updated, jiffies);
		return BURROW_DROP_MAX;
	}

	spin_lock(&bdev->fdb.lock);
	if (READ_ONCE(peer->dead))
		goto out_unlock;
	/* Looked up again under the lock: the entry may have gone or moved. */
	e = rhashtable_lookup_fast(&bdev->fdb.table, key, burrow_fdb_params);
	if (e) {
		if (e->peer != peer) {
			if (burrow_fdb_at_limit(bdev, peer, key->kind)) {
				reason = BURROW_DROP_L2_MAC_LIMIT;
				goto out_unlock;
			}
			burrow_fdb_count(e, -1);
			WRITE_ONCE(e->peer, peer);
			burrow_fdb_count(e, 1);
			moved = key->kind == BURROW_FDB_MAC;
		}
		if (mac)
			memcpy(e->mac, mac, ETH_ALEN);
		WRITE_ONCE(e->updated, jiffies);
		list_move_tail(&e->list, &bdev->fdb.list);
		goto out_unlock;
	}
	if (burrow_fdb_at_limit(bdev, peer, key->kind)) {
		reason = BURROW_DROP_L2_MAC_LIMIT;
		goto out_unlock;
	}
	e = kzalloc(sizeof(*e), GFP_ATOMIC);
	if (!e) {
		/* Not learnt; the frame is still good. The next one tries again. */
		goto out_unlock;
	}
	e->key = *key;
	e->peer = peer;
	if (mac)
		memcpy(e->mac, mac, ETH_ALEN);
	e->updated = jiffies;
	old = rhashtable_lookup_get_insert_fast(&bdev->fdb.table, &e->node, burrow_fdb_params);
	if (old) {
		/* IS_ERR: no room in the table now; not learnt, as above. */
		kfree(e);
		goto out_unlock;
	}
	list_add_tail(&e->list, &bdev->fdb.list);
	burrow_fdb_count(e, 1);
	if (!bdev->fdb.count++)
		queue_delayed_work(system_power_efficient_wq, &bdev->fdb.gc_work,
				   burrow_fdb_gc_interval(bdev));
out_unlock:
	spin_unlock(&bdev->fdb.lock);
	if (moved)
		burrow_stats_count(bdev, BURROW_COUNT_L2_MAC_MOVES);
	return reason;
}

enum burrow_drop_reason burrow_fdb_learn(struct burrow_device *bdev, struct burrow_peer *peer,
					 const u8 *mac, u16 vid)
{
	struct burrow_fdb_key key;

	burrow_fdb_key_init(&key, BURROW_FDB_MAC, mac, ETH_ALEN, vid);
	return burrow_fdb_update(bdev, peer, &key, NULL);
}

void burrow_fdb_learn_neigh(struct burrow_device *bdev, struct burrow_peer *peer,
			    int family, const void *addr, u16 vid, const u8 *mac)
{
	struct burrow_fdb_key key;

	if (family == AF_INET)
		burrow_fdb_key_init(&key, BURROW_FDB_IPV4, addr, 4, vid);
	else
		burrow_fdb_key_init(&key, BURROW_FDB_IPV6, addr, 16, vid);
	burrow_fdb_update(bdev, peer, &key, mac);
}

static struct burrow_fdb_entry *burrow_fdb_find(struct burrow_device *bdev,
						const struct burrow_fdb_key *key)
{
	struct burrow_fdb_entry *e;

	e = rhashtable_lookup_fast(&bdev->fdb.table, key, burrow_fdb_params);
	if (!e || burrow_fdb_expired(bdev, e))
		return NULL;
	return e;
}

struct burrow_peer *burrow_fdb_lookup(struct burrow_device *bdev, const u8 *mac, u16 vid)
{
	struct burrow_fdb_entry *e;
	struct burrow_fdb_key key;

	burrow_fdb_key_init(&key, BURROW_FDB_MAC, mac, ETH_ALEN, vid);
	e = burrow_fdb_find(bdev, &key);
	return e ? READ_ONCE(e->peer) : NULL;
}

struct burrow_peer *burrow_fdb_lookup_neigh(struct burrow_device *bdev, int family,
					    const void *addr, u16 vid)
{
	struct burrow_fdb_entry *e;
	struct burrow_fdb_key key;
	u8 mac[ETH_ALEN];

	if (family == AF_INET)
		burrow_fdb_key_init(&key, BURROW_FDB_IPV4, addr, 4, vid);
	else
		burrow_fdb_key_init(&key, BURROW_FDB_IPV6, addr, 16, vid);
	e = burrow_fdb_find(bdev, &key);
	if (!e)
		return NULL;
	/* A writer may be rewriting mac under fdb_lock: copy it once. */
	memcpy(mac, e->mac, ETH_ALEN);
	/* The MAC table decides, not the neighbour entry: it may have moved. */
	return burrow_fdb_lookup(bdev, mac, vid);
}

static int burrow_fdb_fill(struct sk_buff *skb, struct netlink_callback *cb,
			   struct burrow_device *bdev, const struct burrow_fdb_entry *e)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &burrow_genl_family, NLM_F_MULTI, BURROW_CMD_FDB_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, BURROW_A_DEV_IFINDEX, bdev->dev->ifindex))
		goto err_cancel;
	nest = nla_nest_start(skb, BURROW_A_DEV_FDB);
	if (!nest)
		goto err_cancel;
	if (nla_put(skb, BURROW_A_FDB_MAC, ETH_ALEN, e->key.addr) ||
	    nla_put_u16(skb, BURROW_A_FDB_VLAN, e->key.vid) ||
	    nla_put_u32(skb, BURROW_A_FDB_PEER_ID, e->peer->id) ||
	    nla_put_u64_64bit(skb, BURROW_A_FDB_AGE_MS,
			      jiffies_to_msecs(jiffies - READ_ONCE(e->updated)), 0))
		goto err_cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * cb->args[2] counts the live MAC entries already sent; the list is walked
 * from its start each round, so entries that come or go between rounds
 * shift what is sent next (the op's doc says so).
 */
int burrow_fdb_dump(struct sk_buff *skb, struct netlink_callback *cb,
		    struct burrow_device *bdev)
{
	struct burrow_fdb_entry *e;
	long index = 0, done = cb->args[2];
	int ret = 0;

	spin_lock_bh(&bdev->fdb.lock);
	list_for_each_entry(e, &bdev->fdb.list, list) {
		if (e->key.kind != BURROW_FDB_MAC || burrow_fdb_expired(bdev, e))
			continue;
		if (index++ < done)
			continue;
		ret = burrow_fdb_fill(skb, cb, bdev, e);
		if (ret)
			break;
		cb->args[2] = index;
	}
	spin_unlock_bh(&bdev->fdb.lock);
	return ret;
}
