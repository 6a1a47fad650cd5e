/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BURROW_DEVICE_H
#define _BURROW_DEVICE_H

#include <linux/netdevice.h>
#include <linux/mutex.h>

/*
 * Worst-case bytes burrow adds around an inner packet: outer IPv6 header,
 * UDP header, the larger of the two encapsulation headers and the AEAD tag.
 * The default MTU leaves room for it inside a 1500-byte path.
 */
#define BURROW_OVERHEAD_MAX	(40 + 8 + 16 + 16)
#define BURROW_DEFAULT_MTU	(ETH_DATA_LEN - BURROW_OVERHEAD_MAX)

/*
 * One burrow network device. Lives in netdev_priv(); created by rtnl newlink
 * and freed with the netdev (needs_free_netdev), so its lifetime is the
 * netdev's.
 *
 * config_lock serialises every configuration change made over generic
 * netlink; readers of single scalar settings use READ_ONCE() and do not take
 * it.
 */
struct burrow_device {
	struct net_device *dev;
	struct mutex config_lock;
	u16 default_keepalive;
	u32 default_inactivity_timeout;
};

static inline struct burrow_device *burrow_device_from_netdev(struct net_device *dev)
{
	return netdev_priv(dev);
}

bool burrow_netdev_is_burrow(const struct net_device *dev);
int burrow_device_init(void);
void burrow_device_uninit(void);

#endif /* _BURROW_DEVICE_H */
