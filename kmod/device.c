// SPDX-License-Identifier: GPL-2.0
/*
 * The burrow rtnl link kind: a layer-3 point-to-point device with no link
 * layer header and no ARP, or, created with IFLA_BURROW_MODE l2, an
 * Ethernet device (a random MAC address, broadcast and multicast, can be a
 * bridge port) whose frames go to peers by the MAC table (l2.c). The mode
 * is fixed at creation: newlink sets it before the device is registered,
 * and changelink refuses it. Device teardown (ndo_uninit) detaches the
 * socket and removes every peer (which drains the peer's packets out of
 * the pipeline) before it stops the crypt workers and the netdev goes away.
 */

#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/module.h>
#include <linux/rhashtable.h>
#include <net/ip.h>
#include <net/rtnetlink.h>
#include <net/sock.h>
#include <linux/burrow_link.h>

#include "debugfs.h"
#include "device.h"
#include "peer.h"
#include "receive.h"
#include "relay.h"
#include "send.h"
#include "socket.h"

#define BURROW_FEATURES (NETIF_F_HW_CSUM | NETIF_F_RXCSUM | NETIF_F_SG | \
			 NETIF_F_GSO_SOFTWARE | NETIF_F_HIGHDMA)

static int burrow_ndo_init(struct net_device *dev)
{
	struct burrow_device *bdev = burrow_device_from_netdev(dev);
	int ret;

	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;
	bdev->stats = alloc_percpu(struct burrow_dev_stats);
	if (!bdev->stats) {
		ret = -ENOMEM;
		goto err_free_tstats;
	}
	ret = burrow_crypt_queue_init(&bdev->encrypt_queue, bdev, BURROW_CRYPT_ENCRYPT,
				      burrow_send_encrypt);
	if (ret)
		goto err_free_stats;
	ret = burrow_crypt_queue_init(&bdev->decrypt_queue, bdev, BURROW_CRYPT_DECRYPT,
				      burrow_receive_decrypt);
	if (ret)
		goto err_destroy_encrypt_queue;
	ret = rhashtable_init(&bdev->peers, &burrow_peer_table_params);
	if (ret)
		goto err_destroy_decrypt_queue;
	ret = rhashtable_init(&bdev->cids, &burrow_cid_table_params);
	if (ret)
		goto err_destroy_peers;
	ret = burrow_relay_table_init(bdev);
	if (ret)
		goto err_destroy_cids;
	ret = burrow_fdb_init(bdev);
	if (ret)
		goto err_destroy_relays;
	/* The frag counters are the last dev-stats counts, in the same order. */
	burrow_l2_frag_dev_init(&bdev->frag, dev->mtu + BURROW_L2_FRAME_OVERHEAD,
				&bdev->stats->counts[BURROW_COUNT_FRAG_TX]);
	bdev->quic_cid_len = BURROW_QUIC_CID_LEN_DEFAULT;
	INIT_LIST_HEAD(&bdev->peer_list);
	burrow_allowedips_init(&bdev->allowedips);
	return 0;

err_destroy_relays:
	burrow_relay_table_destroy(bdev);
err_destroy_cids:
	rhashtable_destroy(&bdev->cids);
err_destroy_peers:
	rhashtable_destroy(&bdev->peers);
err_destroy_decrypt_queue:
	burrow_crypt_queue_destroy(&bdev->decrypt_queue);
err_destroy_encrypt_queue:
	burrow_crypt_queue_destroy(&bdev->encrypt_queue);
err_free_stats:
	free_percpu(bdev->stats);
err_free_tstats:
	free_percpu(dev->tstats);
	return ret;
}

/*
 * Runs under RTNL when the device is unregistered (deleted, its netns
 * deleted, or the module unloaded). After dead is set no netlink change
 * can attach anything new.
 */
static void burrow_ndo_uninit(struct net_device *dev)
{
	struct burrow_device *bdev = burrow_device_from_netdev(dev);

	burrow_debugfs_device_remove(bdev);
	mutex_lock(&bdev->config_lock);
	bdev->dead = true;
	burrow_socket_detach(bdev);
	burrow_peer_remove_all(bdev);
	burrow_relay_remove_all(bdev);
	burrow_allowedips_free(&bdev->allowedips, &bdev->config_lock);
	mutex_unlock(&bdev->config_lock);
	/* The peers' removal flushed the MAC table. */
	burrow_fdb_uninit(bdev);
	/* Every peer drained its queues on removal: the rings are empty. */
	burrow_crypt_queue_destroy(&bdev->decrypt_queue);
	burrow_crypt_queue_destroy(&bdev->encrypt_queue);
}

/*
 * Counters are freed with the netdev, not in ndo_uninit: sysfs and the
 * final netlink notification may still read them while unregistering.
 * The (empty) peer, CID and relay tables go here too, once the last netdev
 * reference is gone: a netlink request that resolved the device before it
 * was unlisted may still take config_lock after ndo_uninit, and must find
 * dead set and valid tables, never freed bucket arrays.
 */
static void burrow_destruct(struct net_device *dev)
{
	struct burrow_device *bdev = burrow_device_from_netdev(dev);

	burrow_fdb_destroy(bdev);
	burrow_relay_table_destroy(bdev);
	rhashtable_destroy(&bdev->cids);
	rhashtable_destroy(&bdev->peers);

	free_percpu(bdev->stats);
	free_percpu(dev->tstats);
}

/*
 * Under RTNL, with netif_running() already true. The peers' timers come
 * back: a keepalive that fell due while the device was down goes out at
 * once, and inactivity counts from now, as the peer could not be heard
 * while we were down (device.h has the down/up rules).
 */
static int burrow_ndo_open(struct net_device *dev)
{
	struct burrow_device *bdev = burrow_device_from_netdev(dev);

	mutex_lock(&bdev->config_lock);
	WRITE_ONCE(bdev->up_since, jiffies);
	burrow_peer_start_all(bdev);
	mutex_unlock(&bdev->config_lock);
	netif_tx_start_all_queues(dev);
	return 0;
}

/*
 * Under RTNL, with netif_running() already false (also on the way to
 * ndo_uninit when a device that is up is deleted). The socket stays
 * attached: it may be burrowd's, which keeps using it for its control
 * connections, and the tunnel resumes on it after up.
 */
static int burrow_ndo_stop(struct net_device *dev)
{
	struct burrow_device *bdev = burrow_device_from_netdev(dev);

	netif_tx_stop_all_queues(dev);
	mutex_lock(&bdev->config_lock);
	burrow_peer_stop_all(bdev);
	mutex_unlock(&bdev->config_lock);
	return 0;
}

static const struct net_device_ops burrow_netdev_ops = {
	.ndo_init		= burrow_ndo_init,
	.ndo_uninit		= burrow_ndo_uninit,
	.ndo_open		= burrow_ndo_open,
	.ndo_stop		= burrow_ndo_stop,
	.ndo_start_xmit		= burrow_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
};

static_assert(BURROW_COUNT_FRAG_FRAMES_TX - BURROW_COUNT_FRAG_TX == BURROW_L2_FRAG_FRAMES_TX);
static_assert(BURROW_COUNT_REASM_FRAMES - BURROW_COUNT_FRAG_TX == BURROW_L2_REASM_FRAMES_DONE);
static_assert(BURROW_COUNT_REASM_DROP_OVERLAP - BURROW_COUNT_FRAG_TX ==
	      BURROW_L2_REASM_DROP_OVERLAP);
static_assert(BURROW_COUNT_REASM_DROP_OVERSIZE - BURROW_COUNT_FRAG_TX ==
	      BURROW_L2_REASM_DROP_OVERSIZE);
static_assert(BURROW_COUNT_REASM_DROP_TIMEOUT - BURROW_COUNT_FRAG_TX ==
	      BURROW_L2_REASM_DROP_TIMEOUT);
static_assert(BURROW_COUNT_REASM_DROP_EVICTED - BURROW_COUNT_FRAG_TX ==
	      BURROW_L2_REASM_DROP_EVICTED);
static_assert(BURROW_COUNT_REASM_DROP_BAD - BURROW_COUNT_FRAG_TX == BURROW_L2_REASM_DROP_BAD);
/* The block is contiguous and whole; counters added later follow it. */
static_assert(BURROW_COUNT_REASM_DROP_BAD + 1 - BURROW_COUNT_FRAG_TX ==
	      BURROW_L2_FRAG_COUNTER_MAX);

/* RTNL. Reassembly refuses frames longer than the new MTU allows. */
static int burrow_l2_change_mtu(struct net_device *dev, int new_mtu)
{
	struct burrow_device *bdev = burrow_device_from_netdev(dev);

	WRITE_ONCE(dev->mtu, new_mtu);
	WRITE_ONCE(bdev->frag.max_frame, new_mtu + BURROW_L2_FRAME_OVERHEAD);
	return 0;
}

static const struct net_device_ops burrow_l2_netdev_ops = {
	.ndo_init		= burrow_ndo_init,
	.ndo_uninit		= burrow_ndo_uninit,
	.ndo_open		= burrow_ndo_open,
	.ndo_stop		= burrow_ndo_stop,
	.ndo_start_xmit		= burrow_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
	.ndo_change_mtu		= burrow_l2_change_mtu,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

/*
 * The largest inner MTU whose packets (l2: frames, with their Ethernet
 * header and a VLAN tag) still fit an IP packet with the worst-case
 * overhead at a quic CID length of @cid_len.
 */
static unsigned int burrow_device_max_mtu(const struct burrow_device *bdev,
					  unsigned int cid_len)
{
	return IP_MAX_MTU - BURROW_OVERHEAD(cid_len) -
	       (burrow_device_is_l2(bdev) ? BURROW_L2_FRAME_OVERHEAD : 0);
}

static_assert(BURROW_DEFAULT_MTU == 1420);

int burrow_device_check_quic_cid_len(struct burrow_device *bdev, const struct nlattr *attr,
				     struct netlink_ext_ack *extack)
{
	unsigned int cid_len = nla_get_u8(attr);

	ASSERT_RTNL();
	lockdep_assert_held(&bdev->config_lock);
	if (cid_len == bdev->quic_cid_len)
		return 0;
	if (bdev->cid_count) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "quic-cid-len cannot change while peers have a local-cid");
		return -EBUSY;
	}
	if (bdev->dev->mtu > burrow_device_max_mtu(bdev, cid_len)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "quic-cid-len leaves too little room for the device's mtu");
		return -EINVAL;
	}
	return 0;
}

void burrow_device_set_quic_cid_len(struct burrow_device *bdev, const struct nlattr *attr)
{
	unsigned int cid_len = nla_get_u8(attr);

	ASSERT_RTNL();
	lockdep_assert_held(&bdev->config_lock);
	WRITE_ONCE(bdev->quic_cid_len, cid_len);
	WRITE_ONCE(bdev->dev->max_mtu, burrow_device_max_mtu(bdev, cid_len));
}

static void burrow_setup(struct net_device *dev)
{
	struct burrow_device *bdev = burrow_device_from_netdev(dev);

	memset(bdev, 0, sizeof(*bdev));	/* mode l3 until newlink says otherwise */

	dev->netdev_ops = &burrow_netdev_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	/* netpoll would call burrow_xmit with IRQs off, which it cannot take. */
	dev->priv_flags |= IFF_NO_QUEUE | IFF_DISABLE_NETPOLL;
	/* burrow_xmit() needs the inner route for IPv4 ICMP errors; it drops it. */
	netif_keep_dst(dev);
	dev->features |= NETIF_F_LLTX | BURROW_FEATURES;
	dev->hw_features |= BURROW_FEATURES;
	dev->hw_enc_features |= BURROW_FEATURES;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->needed_headroom = BURROW_HEADROOM;
	dev->needed_tailroom = BURROW_ENCAP_TAILROOM;
	dev->mtu = BURROW_DEFAULT_MTU;
	dev->min_mtu = IPV4_MIN_MTU;
	dev->max_mtu = burrow_device_max_mtu(bdev, BURROW_QUIC_CID_LEN_DEFAULT);
	dev->needs_free_netdev = true;
	dev->priv_destructor = burrow_destruct;
	dev->sysfs_groups[0] = &burrow_stats_sysfs_group;

	bdev->dev = dev;
	mutex_init(&bdev->config_lock);
}

/*
 * Turn the l3 device burrow_setup() made into an Ethernet one, before it is
 * registered: ether_setup()'s link layer (header ops, ARPHRD_ETHER,
 * broadcast address, IFF_BROADCAST | IFF_MULTICAST), a random MAC address,
 * and burrow's own queueing, features and room for the encapsulation.
 * rtnl_create_link() has applied an MTU given at creation (IFLA_MTU)
 * before ->newlink calls this, so burrow_newlink() applies it again.
 */
static void burrow_setup_l2(struct net_device *dev)
{
	struct burrow_device *bdev = burrow_device_from_netdev(dev);

	bdev->mode = BURROW_MODE_L2;
	ether_setup(dev);
	dev->netdev_ops = &burrow_l2_netdev_ops;
	/* burrow_xmit() changes frames in place after skb_share_check(). */
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_NO_QUEUE | IFF_DISABLE_NETPOLL | IFF_LIVE_ADDR_CHANGE;
	dev->needed_headroom = BURROW_HEADROOM;
	dev->needed_tailroom = BURROW_ENCAP_TAILROOM;
	dev->mtu = BURROW_L2_DEFAULT_MTU;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = burrow_device_max_mtu(bdev, BURROW_QUIC_CID_LEN_DEFAULT);
	eth_hw_addr_random(dev);
}

static const struct nla_policy burrow_link_policy[IFLA_BURROW_MAX + 1] = {
	[IFLA_BURROW_MODE] = NLA_POLICY_MAX(NLA_U8, BURROW_MODE_L2),
};

/* Every other IFLA_BURROW_* attribute is read-only: refused on input. */
static int burrow_validate(struct nlattr *tb[], struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	int type;

	if (!data)
		return 0;
	for (type = 1; type <= IFLA_BURROW_MAX; type++) {
		if (data[type] && type != IFLA_BURROW_MODE) {
			NL_SET_ERR_MSG_ATTR(extack, data[type],
					    "read-only burrow link attribute; use burrow-nl");
			return -EINVAL;
		}
	}
	return 0;
}

static int burrow_newlink(struct net *src_net, struct net_device *dev,
			  struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	if (data && data[IFLA_BURROW_MODE] &&
	    nla_get_u8(data[IFLA_BURROW_MODE]) == BURROW_MODE_L2) {
		burrow_setup_l2(dev);
		if (tb[IFLA_MTU]) {
			u32 mtu = nla_get_u32(tb[IFLA_MTU]);

			if (mtu < dev->min_mtu || mtu > dev->max_mtu) {
				NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_MTU],
						    "mtu out of range for an l2 device");
				return -EINVAL;
			}
			dev->mtu = mtu;
		}
	}
	/* The debugfs directory appears from the NETDEV_REGISTER notifier. */
	return register_netdevice(dev);
}

static int burrow_changelink(struct net_device *dev, struct nlattr *tb[],
			     struct nlattr *data[], struct netlink_ext_ack *extack)
{
	if (data && data[IFLA_BURROW_MODE]) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_BURROW_MODE],
				    "mode is fixed when the device is created");
		return -EOPNOTSUPP;
	}
	return 0;
}

static size_t burrow_get_size(const struct net_device *dev)
{
	return nla_total_size(sizeof(u16)) +	/* IFLA_BURROW_LISTEN_PORT */
	       nla_total_size(sizeof(u32)) +	/* IFLA_BURROW_PEERS */
	       nla_total_size(sizeof(u16)) +	/* IFLA_BURROW_DEFAULT_KEEPALIVE */
	       nla_total_size(sizeof(u32)) +	/* IFLA_BURROW_DEFAULT_INACTIVITY_TIMEOUT */
	       nla_total_size(sizeof(u32)) +	/* IFLA_BURROW_GENERATION */
	       nla_total_size(sizeof(u8));	/* IFLA_BURROW_MODE */
}

/*
 * Called under RTNL, not config_lock: the scalar fields are read once each
 * and may be a change apart from one another, which is fine for a report.
 * The socket is pinned by RCU for as long as we look at it.
 */
static int burrow_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	struct burrow_device *bdev = netdev_priv(dev);
	struct burrow_socket *bsock;
	int ret = 0;

	rcu_read_lock();
	bsock = rcu_dereference(bdev->sock);
	if (bsock)
		ret = nla_put_u16(skb, IFLA_BURROW_LISTEN_PORT,
				  ntohs(inet_sk(bsock->sk)->inet_sport));
	rcu_read_unlock();
	if (ret ||
	    nla_put_u32(skb, IFLA_BURROW_PEERS, READ_ONCE(bdev->peer_count)) ||
	    nla_put_u16(skb, IFLA_BURROW_DEFAULT_KEEPALIVE,
			READ_ONCE(bdev->default_keepalive)) ||
	    nla_put_u32(skb, IFLA_BURROW_DEFAULT_INACTIVITY_TIMEOUT,
			READ_ONCE(bdev->default_inactivity_timeout)) ||
	    nla_put_u32(skb, IFLA_BURROW_GENERATION, (u32)READ_ONCE(bdev->generation)) ||
	    nla_put_u8(skb, IFLA_BURROW_MODE, bdev->mode))
		return -EMSGSIZE;
	return 0;
}

/* One transmit queue per CPU: LLTX, so they only spread qdisc-less load. */
static unsigned int burrow_get_num_tx_queues(void)
{
	return num_possible_cpus();
}

static struct rtnl_link_ops burrow_link_ops __read_mostly = {
	.kind			= KBUILD_MODNAME,
	.priv_size		= sizeof(struct burrow_device),
	.maxtype		= IFLA_BURROW_MAX,
	.policy			= burrow_link_policy,
	.setup			= burrow_setup,
	.validate		= burrow_validate,
	.newlink		= burrow_newlink,
	.changelink		= burrow_changelink,
	.get_num_tx_queues	= burrow_get_num_tx_queues,
	.get_size		= burrow_get_size,
	.fill_info		= burrow_fill_info,
};

bool burrow_netdev_is_burrow(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &burrow_link_ops;
}

int __init burrow_device_init(void)
{
	return rtnl_link_register(&burrow_link_ops);
}

void burrow_device_uninit(void)
{
	rtnl_link_unregister(&burrow_link_ops);
}
