// SPDX-License-Identifier: GPL-2.0
/*
 * The 'burrow' generic netlink family. Attribute policies come from
 * netlink_gen.c, generated from netlink/burrow.yaml; this file holds the
 * handlers. Every rejection carries an extack message naming the problem.
 */

#include <linux/module.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "compat.h"
#include "device.h"
#include "netlink.h"
#include "netlink_gen.h"

static struct genl_family burrow_genl_family;

/*
 * Resolve the device named by ifindex or ifname in the caller's netns.
 * Returns a held reference the caller must dev_put(), or an ERR_PTR with
 * extack set.
 */
static struct net_device *burrow_nl_lookup_device(struct genl_info *info)
{
	struct nlattr *ifindex_attr = info->attrs[BURROW_A_DEV_IFINDEX];
	struct nlattr *ifname_attr = info->attrs[BURROW_A_DEV_IFNAME];
	struct net *net = genl_info_net(info);
	struct net_device *dev;

	if (ifindex_attr && ifname_attr) {
		NL_SET_ERR_MSG_ATTR(info->extack, ifname_attr,
				    "give ifindex or ifname, not both");
		return ERR_PTR(-EINVAL);
	}
	if (ifindex_attr) {
		dev = dev_get_by_index(net, nla_get_u32(ifindex_attr));
		if (!dev) {
			NL_SET_ERR_MSG_ATTR(info->extack, ifindex_attr,
					    "no device with this ifindex");
			return ERR_PTR(-ENODEV);
		}
	} else if (ifname_attr) {
		dev = dev_get_by_name(net, nla_data(ifname_attr));
		if (!dev) {
			NL_SET_ERR_MSG_ATTR(info->extack, ifname_attr,
					    "no device with this name");
			return ERR_PTR(-ENODEV);
		}
	} else {
		NL_SET_ERR_MSG(info->extack, "missing ifindex or ifname");
		return ERR_PTR(-EINVAL);
	}
	if (!burrow_netdev_is_burrow(dev)) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    ifindex_attr ? ifindex_attr : ifname_attr,
				    "device is not a burrow device");
		dev_put(dev);
		return ERR_PTR(-EOPNOTSUPP);
	}
	return dev;
}

static int burrow_nl_version_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &burrow_genl_family, 0,
				BURROW_CMD_VERSION_GET);
	if (!hdr)
		goto err_free_msg;
	if (nla_put_string(msg, BURROW_A_VERSION_MODULE, BURROW_VERSION) ||
	    nla_put_u32(msg, BURROW_A_VERSION_API, BURROW_API_VERSION))
		goto err_cancel_msg;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_cancel_msg:
	genlmsg_cancel(msg, hdr);
err_free_msg:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int burrow_nl_fill_dev(struct sk_buff *msg, struct net_device *dev,
			      u32 portid, u32 seq, int flags)
{
	struct burrow_device *burrow = burrow_device_from_netdev(dev);
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &burrow_genl_family, flags,
			  BURROW_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, BURROW_A_DEV_IFINDEX, dev->ifindex) ||
	    nla_put_string(msg, BURROW_A_DEV_IFNAME, dev->name) ||
	    nla_put_u16(msg, BURROW_A_DEV_DEFAULT_KEEPALIVE,
			READ_ONCE(burrow->default_keepalive)) ||
	    nla_put_u32(msg, BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT,
			READ_ONCE(burrow->default_inactivity_timeout))) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

static int burrow_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net_device *dev;
	struct sk_buff *msg;
	int ret;

	dev = burrow_nl_lookup_device(info);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out_put_dev;
	}
	ret = burrow_nl_fill_dev(msg, dev, info->snd_portid, info->snd_seq, 0);
	if (ret) {
		nlmsg_free(msg);
		goto out_put_dev;
	}
	ret = genlmsg_reply(msg, info);
out_put_dev:
	dev_put(dev);
	return ret;
}

/*
 * Dump every burrow device of the netns, walking the ifindex hash the way
 * rtnetlink does: cb->args[0] is the bucket and cb->args[1] the position in
 * it to resume from, so a dump split over several messages neither repeats
 * nor skips devices that stay put while it runs.
 */
static int burrow_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	long start_bucket = cb->args[0], start_index = cb->args[1];
	struct net_device *dev;
	long bucket, index = 0;
	int ret = 0;

	rcu_read_lock();
	for (bucket = start_bucket; bucket < NETDEV_HASHENTRIES;
	     bucket++, start_index = 0) {
		index = 0;
		hlist_for_each_entry_rcu(dev, &net->dev_index_head[bucket],
					 index_hlist) {
			if (index++ < start_index || !burrow_netdev_is_burrow(dev))
				continue;
			ret = burrow_nl_fill_dev(skb, dev,
						 NETLINK_CB(cb->skb).portid,
						 cb->nlh->nlmsg_seq, NLM_F_MULTI);
			if (ret) {
				index--;
				goto out_unlock;
			}
		}
	}
out_unlock:
	rcu_read_unlock();
	cb->args[0] = bucket;
	cb->args[1] = index;
	/* A full message ends this round; the next call resumes here. */
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}

static int burrow_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct burrow_device *burrow;
	struct net_device *dev;

	dev = burrow_nl_lookup_device(info);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	burrow = burrow_device_from_netdev(dev);

	mutex_lock(&burrow->config_lock);
	if (info->attrs[BURROW_A_DEV_DEFAULT_KEEPALIVE])
		WRITE_ONCE(burrow->default_keepalive,
			   nla_get_u16(info->attrs[BURROW_A_DEV_DEFAULT_KEEPALIVE]));
	if (info->attrs[BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT])
		WRITE_ONCE(burrow->default_inactivity_timeout,
			   nla_get_u32(info->attrs[BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT]));
	mutex_unlock(&burrow->config_lock);

	dev_put(dev);
	return 0;
}

static const struct genl_ops burrow_genl_ops[] = {
	{
		.cmd		= BURROW_CMD_VERSION_GET,
		.doit		= burrow_nl_version_get_doit,
	},
	{
		.cmd		= BURROW_CMD_DEV_GET,
		.doit		= burrow_nl_dev_get_doit,
		.dumpit		= burrow_nl_dev_get_dumpit,
		.policy		= burrow_dev_get_do_nl_policy,
		.maxattr	= BURROW_A_DEV_MAX,
	},
	{
		.cmd		= BURROW_CMD_DEV_SET,
		.doit		= burrow_nl_dev_set_doit,
		.policy		= burrow_dev_set_do_nl_policy,
		.maxattr	= BURROW_A_DEV_MAX,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group burrow_genl_mcgrps[] = {
	{ .name = BURROW_MCGRP_EVENTS },
};

static struct genl_family burrow_genl_family __ro_after_init = {
	.name		= BURROW_FAMILY_NAME,
	.version	= BURROW_FAMILY_VERSION,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= burrow_genl_ops,
	.n_ops		= ARRAY_SIZE(burrow_genl_ops),
	.mcgrps		= burrow_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(burrow_genl_mcgrps),
	BURROW_COMPAT_GENL_RESV_START_OP(BURROW_CMD_MAX + 1)
};

int __init burrow_genl_init(void)
{
	return genl_register_family(&burrow_genl_family);
}

void burrow_genl_uninit(void)
{
	genl_unregister_family(&burrow_genl_family);
}
