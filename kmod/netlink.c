// SPDX-License-Identifier: GPL-2.0
/*
 * The 'burrow' generic netlink family: registration, the pre_doit and
 * post_doit that give handlers their device, and the version and dev
 * operations. Peer, key and event handling live in netlink_peer.c,
 * netlink_key.c and netlink_event.c. The op table and attribute policies
 * come from netlink_gen.c, generated from netlink/burrow.yaml. Every
 * rejection carries an extack message naming the problem.
 */

#include <linux/module.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "compat.h"
#include "device.h"
#include "netlink.h"
#include "netlink_gen.h"
#include "socket.h"

struct burrow_device *burrow_nl_device_get(struct net *net, struct nlattr **attrs,
					   struct netlink_ext_ack *extack)
{
	struct nlattr *ifindex_attr = attrs[BURROW_A_DEV_IFINDEX];
	struct nlattr *ifname_attr = attrs[BURROW_A_DEV_IFNAME];
	struct net_device *dev;

	if (ifindex_attr && ifname_attr) {
		NL_SET_ERR_MSG_ATTR(extack, ifname_attr, "give ifindex or ifname, not both");
		return ERR_PTR(-EINVAL);
	}
	if (ifindex_attr) {
		dev = dev_get_by_index(net, nla_get_u32(ifindex_attr));
		if (!dev) {
			NL_SET_ERR_MSG_ATTR(extack, ifindex_attr, "no device with this ifindex");
			return ERR_PTR(-ENODEV);
		}
	} else if (ifname_attr) {
		dev = dev_get_by_name(net, nla_data(ifname_attr));
		if (!dev) {
			NL_SET_ERR_MSG_ATTR(extack, ifname_attr, "no device with this name");
			return ERR_PTR(-ENODEV);
		}
	} else {
		NL_SET_ERR_MSG(extack, "missing ifindex or ifname");
		return ERR_PTR(-EINVAL);
	}
	if (!burrow_netdev_is_burrow(dev)) {
		NL_SET_ERR_MSG_ATTR(extack, ifindex_attr ?: ifname_attr,
				    "device is not a burrow device");
		dev_put(dev);
		return ERR_PTR(-EOPNOTSUPP);
	}
	return burrow_device_from_netdev(dev);
}

struct nlattr *burrow_nl_first_present(struct nlattr **attrs, const int *types,
				       unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		if (attrs[types[i]])
			return attrs[types[i]];
	return NULL;
}

int burrow_nl_lock(struct burrow_device *bdev, struct netlink_ext_ack *extack)
{
	mutex_lock(&bdev->config_lock);
	if (bdev->dead) {
		mutex_unlock(&bdev->config_lock);
		NL_SET_ERR_MSG(extack, "device is being deleted");
		return -ENODEV;
	}
	return 0;
}

int burrow_nl_version_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &burrow_genl_family, 0, BURROW_CMD_VERSION_GET);
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

static int burrow_nl_put_dev_stats(struct sk_buff *msg, struct burrow_device *bdev)
{
	static const int drop_attr[BURROW_DROP_MAX] = {
#define BURROW_DROP_NL_ATTR(name, reason, attr) [reason] = attr,
		BURROW_DROP_REASONS(BURROW_DROP_NL_ATTR)
#undef BURROW_DROP_NL_ATTR
	};
	static const int count_attr[BURROW_COUNT_MAX] = {
#define BURROW_COUNT_NL_ATTR(name, what, attr) [what] = attr,
		BURROW_COUNTS(BURROW_COUNT_NL_ATTR)
#undef BURROW_COUNT_NL_ATTR
	};
	struct nlattr *nest;
	int reason, what;

	nest = nla_nest_start(msg, BURROW_A_DEV_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (reason = 0; reason < BURROW_DROP_MAX; reason++)
		if (nla_put_u64_64bit(msg, drop_attr[reason],
				      burrow_stats_drop_sum(bdev, reason), 0))
			goto err_cancel;
	for (what = 0; what < BURROW_COUNT_MAX; what++)
		if (nla_put_u64_64bit(msg, count_attr[what],
				      burrow_stats_count_sum(bdev, what), 0))
			goto err_cancel;
	nla_nest_end(msg, nest);
	return 0;

err_cancel:
	nla_nest_cancel(msg, nest);
	return -EMSGSIZE;
}

/* Caller holds config_lock. */
static int burrow_nl_fill_dev(struct sk_buff *msg, struct burrow_device *bdev,
			      u32 portid, u32 seq, int flags)
{
	struct net_device *dev = bdev->dev;
	struct burrow_socket *bsock;
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &burrow_genl_family, flags, BURROW_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;
	bsock = rcu_dereference_protected(bdev->sock, lockdep_is_held(&bdev->config_lock));
	if (nla_put_u32(msg, BURROW_A_DEV_IFINDEX, dev->ifindex) ||
	    nla_put_string(msg, BURROW_A_DEV_IFNAME, dev->name) ||
	    nla_put_u16(msg, BURROW_A_DEV_DEFAULT_KEEPALIVE, bdev->default_keepalive) ||
	    nla_put_u32(msg, BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT,
			bdev->default_inactivity_timeout) ||
	    nla_put_u32(msg, BURROW_A_DEV_PEER_COUNT, bdev->peer_count) ||
	    nla_put_u32(msg, BURROW_A_DEV_GENERATION, (u32)bdev->generation) ||
	    nla_put_u8(msg, BURROW_A_DEV_QUIC_CID_LEN, bdev->quic_cid_len) ||
	    nla_put_u8(msg, BURROW_A_DEV_MODE, bdev->mode))
		goto err_cancel;
	if (burrow_device_is_l2(bdev) &&
	    nla_put_u32(msg, BURROW_A_DEV_FDB_AGEING, bdev->fdb.ageing))
		goto err_cancel;
	if (bsock &&
	    (nla_put_u16(msg, BURROW_A_DEV_SOCKET_FAMILY, bsock->sk->sk_family) ||
	     nla_put_u16(msg, BURROW_A_DEV_LISTEN_PORT,
			 ntohs(inet_sk(bsock->sk)->inet_sport))))
		goto err_cancel;
	if (burrow_nl_put_dev_stats(msg, bdev))
		goto err_cancel;
	genlmsg_end(msg, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

/* pre_doit holds RTNL, which keeps dev->name stable while it is copied. */
int burrow_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct burrow_device *bdev = info->user_ptr[0];
	struct sk_buff *msg;
	int ret;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ret = burrow_nl_fill_dev(msg, bdev, info->snd_portid, info->snd_seq, 0);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/*
 * Dump every burrow device of the netns, walking the ifindex hash the way
 * rtnetlink does: cb->args[0] is the bucket and cb->args[1] the position in
 * it to resume from, so a dump split over several messages neither repeats
 * nor skips devices that stay put while it runs.
 */
int burrow_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	long start_bucket = cb->args[0], start_index = cb->args[1];
	struct burrow_device *bdev;
	struct net_device *dev;
	long bucket, index = 0;
	int ret = 0;

	rtnl_lock();
	for (bucket = start_bucket; bucket < NETDEV_HASHENTRIES; bucket++, start_index = 0) {
		index = 0;
		hlist_for_each_entry(dev, &net->dev_index_head[bucket], index_hlist) {
			if (index++ < start_index || !burrow_netdev_is_burrow(dev))
				continue;
			bdev = burrow_device_from_netdev(dev);
			mutex_lock(&bdev->config_lock);
			ret = burrow_nl_fill_dev(skb, bdev, NETLINK_CB(cb->skb).portid,
						 cb->nlh->nlmsg_seq, NLM_F_MULTI);
			mutex_unlock(&bdev->config_lock);
			if (ret) {
				index--;
				goto out_unlock;
			}
		}
	}
out_unlock:
	rtnl_unlock();
	cb->args[0] = bucket;
	cb->args[1] = index;
	/* A full message ends this round; the next call resumes here. */
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}

int burrow_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct burrow_device *bdev = info->user_ptr[0];
	struct nlattr *fd_attr = info->attrs[BURROW_A_DEV_SOCKET_FD];
	struct nlattr *detach_attr = info->attrs[BURROW_A_DEV_SOCKET_DETACH];
	struct nlattr *port_attr = info->attrs[BURROW_A_DEV_LISTEN_PORT];
	struct nlattr *addr_attr = info->attrs[BURROW_A_DEV_LISTEN_ADDRESS];
	struct nlattr *cid_len_attr;
	int ret;

	if (!!fd_attr + !!detach_attr + !!port_attr > 1) {
		NL_SET_ERR_MSG_ATTR(info->extack, detach_attr ?: port_attr,
				    "give one of socket-fd, listen-port and socket-detach");
		return -EINVAL;
	}
	if (addr_attr && !port_attr) {
		NL_SET_ERR_MSG_ATTR(info->extack, addr_attr, "listen-address needs listen-port");
		return -EINVAL;
	}
	if (info->attrs[BURROW_A_DEV_FDB_AGEING] && !burrow_device_is_l2(bdev)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[BURROW_A_DEV_FDB_AGEING],
				    "fdb-ageing needs a device in mode l2");
		return -EOPNOTSUPP;
	}
	cid_len_attr = info->attrs[BURROW_A_DEV_QUIC_CID_LEN];
	if (cid_len_attr) {
		ret = burrow_device_check_quic_cid_len(bdev, cid_len_attr, info->extack);
		if (ret)
			return ret;
	}
	if (fd_attr) {
		ret = burrow_socket_attach(bdev, nla_get_u32(fd_attr), info->extack);
		if (ret)
			return ret;
	}
	if (port_attr) {
		ret = burrow_socket_listen(bdev, nla_get_u16(port_attr), addr_attr, info->extack);
		if (ret)
			return ret;
	}
	if (detach_attr)
		burrow_socket_detach(bdev);
	if (info->attrs[BURROW_A_DEV_DEFAULT_KEEPALIVE])
		WRITE_ONCE(bdev->default_keepalive,
			   nla_get_u16(info->attrs[BURROW_A_DEV_DEFAULT_KEEPALIVE]));
	if (info->attrs[BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT])
		WRITE_ONCE(bdev->default_inactivity_timeout,
			   nla_get_u32(info->attrs[BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT]));
	if (cid_len_attr)
		burrow_device_set_quic_cid_len(bdev, cid_len_attr);
	if (info->attrs[BURROW_A_DEV_FDB_AGEING])
		WRITE_ONCE(bdev->fdb.ageing, nla_get_u32(info->attrs[BURROW_A_DEV_FDB_AGEING]));
	burrow_device_changed(bdev);
	return 0;
}

/*
 * fdb-get: the MAC table of an l2 device, in as many rounds as it takes
 * (l2_fdb.c keeps the position in cb->args[2]). cb->args[3] marks the end.
 */
int burrow_nl_fdb_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct burrow_device *bdev;
	int ret;

	if (cb->args[3])
		return 0;
	bdev = burrow_nl_device_get(sock_net(cb->skb->sk), genl_dumpit_info(cb)->attrs,
				    cb->extack);
	if (IS_ERR(bdev)) {
		cb->args[3] = 1;
		return PTR_ERR(bdev);
	}
	if (!burrow_device_is_l2(bdev)) {
		NL_SET_ERR_MSG(cb->extack, "the device is not in mode l2: it has no MAC table");
		cb->args[3] = 1;
		dev_put(bdev->dev);
		return -EOPNOTSUPP;
	}
	ret = burrow_fdb_dump(skb, cb, bdev);
	dev_put(bdev->dev);
	if (!ret)
		cb->args[3] = 1;
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}

/*
 * Events name peers' endpoints: joining the group needs CAP_NET_ADMIN in
 * the netns's user namespace, as the reads do. Kernels with
 * GENL_MCAST_CAP_NET_ADMIN (6.7+) check it themselves; older ones call
 * mcast_bind in the context of the task that joins.
 */
#ifdef GENL_MCAST_CAP_NET_ADMIN
static const struct genl_multicast_group burrow_genl_mcgrps[] = {
	{ .name = BURROW_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};
#define BURROW_MCAST_BIND
#else
static const struct genl_multicast_group burrow_genl_mcgrps[] = {
	{ .name = BURROW_MCGRP_EVENTS },
};

static int burrow_nl_mcast_bind(struct net *net, int group)
{
	if (!ns_capable(net->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	return 0;
}
#define BURROW_MCAST_BIND	.mcast_bind = burrow_nl_mcast_bind,
#endif

/*
 * Wipe the attributes of a request that hold key material, whole, headers
 * included: so it holds whether or not they parsed, and for each of several
 * copies (a parse keeps only the last). Nothing reads the request after the
 * op but the error ACK, which copies it. The core parsed the top level
 * before pre_doit ran, so the walk stays inside the message.
 */
static void burrow_nl_wipe_request(const struct genl_info *info,
				   const struct burrow_nl_secret_op *secret)
{
	struct nlattr *nla;
	int rem;

	nlmsg_for_each_attr(nla, info->nlhdr, GENL_HDRLEN, rem)
		if (secret->wipe & BIT(nla_type(nla)))
			memzero_explicit(nla_data(nla), nla_len(nla));
}

/*
 * A request with key material reaches pre_doit unchecked (the op has an
 * accept-all policy and no permission flag: see x-request-secret in
 * netlink/burrow.yaml), so that no refusal happens before it can be
 * wiped. Check here what the core would have: CAP_NET_ADMIN over the
 * netns's user namespace, as GENL_UNS_ADMIN_PERM does, then the strict
 * policy, parsed into info->attrs for the handler.
 */
static int burrow_nl_secret_check(const burrow_genl_hook_ops *ops, struct sk_buff *skb,
				  struct genl_info *info,
				  const struct burrow_nl_secret_op *secret)
{
	if (secret->uns_admin_perm &&
	    !netlink_ns_capable(skb, genl_info_net(info)->user_ns, CAP_NET_ADMIN)) {
		/* NL_SET_ERR_MSG() takes only a literal; the op's is in the table. */
		if (info->extack)
			info->extack->_msg = secret->perm_msg;
		return -EPERM;
	}
	return nlmsg_parse(info->nlhdr, GENL_HDRLEN, info->attrs, ops->maxattr,
			   secret->policy, info->extack);
}

/*
 * What the op table's internal_flags ask for, before the handler: the
 * device named by ifindex or ifname, referenced, in info->user_ptr[0],
 * with its config_lock held (and RTNL before it, for BURROW_NL_RTNL),
 * refused if it is being deleted. post_doit undoes it all; the core calls
 * post_doit only when pre_doit succeeded, so every failure here unwinds
 * what it took.
 */
static int burrow_nl_pre_doit(const burrow_genl_hook_ops *ops, struct sk_buff *skb,
			      struct genl_info *info)
{
	const struct burrow_nl_secret_op *secret = &burrow_nl_secret_ops[ops->cmd];
	u8 flags = ops->internal_flags;
	struct burrow_device *bdev;
	int ret;

	if (flags & BURROW_NL_SECRET) {
		ret = burrow_nl_secret_check(ops, skb, info, secret);
		if (ret)
			goto err_wipe;
	}
	if (!(flags & BURROW_NL_DEVICE))
		return 0;
	bdev = burrow_nl_device_get(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(bdev)) {
		ret = PTR_ERR(bdev);
		goto err_wipe;
	}
	if (flags & BURROW_NL_RTNL)
		rtnl_lock();
	ret = burrow_nl_lock(bdev, info->extack);
	if (ret)
		goto err_unlock_rtnl;
	info->user_ptr[0] = bdev;
	return 0;

err_unlock_rtnl:
	if (flags & BURROW_NL_RTNL)
		rtnl_unlock();
	dev_put(bdev->dev);
err_wipe:
	if (flags & BURROW_NL_SECRET)
		burrow_nl_wipe_request(info, secret);
	return ret;
}

static void burrow_nl_post_doit(const burrow_genl_hook_ops *ops, struct sk_buff *skb,
				struct genl_info *info)
{
	struct burrow_device *bdev = info->user_ptr[0];
	u8 flags = ops->internal_flags;

	if (flags & BURROW_NL_DEVICE) {
		mutex_unlock(&bdev->config_lock);
		if (flags & BURROW_NL_RTNL)
			rtnl_unlock();
		dev_put(bdev->dev);
	}
	if (flags & BURROW_NL_SECRET)
		burrow_nl_wipe_request(info, &burrow_nl_secret_ops[ops->cmd]);
}

struct genl_family burrow_genl_family __ro_after_init = {
	.name		= BURROW_FAMILY_NAME,
	.version	= BURROW_FAMILY_VERSION,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= burrow_nl_ops,
	.n_ops		= ARRAY_SIZE(burrow_nl_ops),
	.pre_doit	= burrow_nl_pre_doit,
	.post_doit	= burrow_nl_post_doit,
	.mcgrps		= burrow_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(burrow_genl_mcgrps),
	BURROW_MCAST_BIND
};

int __init burrow_genl_init(void)
{
	return genl_register_family(&burrow_genl_family);
}

void burrow_genl_uninit(void)
{
	genl_unregister_family(&burrow_genl_family);
}
