// SPDX-License-Identifier: GPL-2.0
/*
 * The burrow rtnl link kind: a layer-3 point-to-point device with no link
 * layer header and no ARP. Packets it cannot deliver are dropped and counted
 * in the device's per-CPU core stats.
 */

#include <linux/if_arp.h>
#include <linux/module.h>
#include <net/ip.h>
#include <net/rtnetlink.h>

#include "device.h"

static int burrow_ndo_init(struct net_device *dev)
{
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;
	return 0;
}

static void burrow_ndo_uninit(struct net_device *dev)
{
	free_percpu(dev->tstats);
}

static int burrow_ndo_open(struct net_device *dev)
{
	netif_tx_start_all_queues(dev);
	return 0;
}

static int burrow_ndo_stop(struct net_device *dev)
{
	netif_tx_stop_all_queues(dev);
	return 0;
}

/* No peer can be selected yet, so every packet is dropped and counted. */
static netdev_tx_t burrow_ndo_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	dev_core_stats_tx_dropped_inc(dev);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops burrow_netdev_ops = {
	.ndo_init		= burrow_ndo_init,
	.ndo_uninit		= burrow_ndo_uninit,
	.ndo_open		= burrow_ndo_open,
	.ndo_stop		= burrow_ndo_stop,
	.ndo_start_xmit		= burrow_ndo_start_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
};

static void burrow_setup(struct net_device *dev)
{
	struct burrow_device *burrow = burrow_device_from_netdev(dev);

	dev->netdev_ops = &burrow_netdev_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->features |= NETIF_F_LLTX;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->mtu = BURROW_DEFAULT_MTU;
	dev->min_mtu = IPV4_MIN_MTU;
	dev->max_mtu = IP_MAX_MTU - BURROW_OVERHEAD_MAX;
	dev->needs_free_netdev = true;

	memset(burrow, 0, sizeof(*burrow));
	burrow->dev = dev;
	mutex_init(&burrow->config_lock);
}

static int burrow_newlink(struct net *src_net, struct net_device *dev,
			  struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	return register_netdevice(dev);
}

static struct rtnl_link_ops burrow_link_ops __read_mostly = {
	.kind		= KBUILD_MODNAME,
	.priv_size	= sizeof(struct burrow_device),
	.setup		= burrow_setup,
	.newlink	= burrow_newlink,
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
