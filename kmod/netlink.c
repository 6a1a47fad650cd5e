// SPDX-License-Identifier: GPL-2.0
/*
 * The 'burrow' generic netlink family: registration, device lookup and the
 * version and dev operations. Peer, key and event handling live in
 * netlink_peer.c, netlink_key.c and netlink_event.c. Attribute policies come
 * from netlink_gen.c, generated from netlink/burrow.yaml. Every rejection
 * carries an extack message naming the problem.
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

static int burrow_nl_version_get_doit(struct sk_buff *skb, struct genl_info *info)
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
	/* dev-stats attributes follow enum burrow_drop_reason, then the counts. */
	static const int drop_attr[BURROW_DROP_MAX] = {
		[BURROW_DROP_NO_PEER] = BURROW_A_DEV_STATS_DROP_NO_PEER,
		[BURROW_DROP_NO_ENDPOINT] = BURROW_A_DEV_STATS_DROP_NO_ENDPOINT,
		[BURROW_DROP_NO_SOCKET] = BURROW_A_DEV_STATS_DROP_NO_SOCKET,
		[BURROW_DROP_NO_KEY] = BURROW_A_DEV_STATS_DROP_NO_KEY,
		[BURROW_DROP_KEY_EXHAUSTED] = BURROW_A_DEV_STATS_DROP_KEY_EXHAUSTED,
		[BURROW_DROP_BAD_INNER] = BURROW_A_DEV_STATS_DROP_BAD_INNER,
		[BURROW_DROP_ROUTE] = BURROW_A_DEV_STATS_DROP_ROUTE,
		[BURROW_DROP_BAD_HEADER] = BURROW_A_DEV_STATS_DROP_BAD_HEADER,
		[BURROW_DROP_UNKNOWN_ID] = BURROW_A_DEV_STATS_DROP_UNKNOWN_ID,
		[BURROW_DROP_DECRYPT] = BURROW_A_DEV_STATS_DROP_DECRYPT,
		[BURROW_DROP_REPLAY] = BURROW_A_DEV_STATS_DROP_REPLAY,
		[BURROW_DROP_SOURCE_NOT_ALLOWED] = BURROW_A_DEV_STATS_DROP_SOURCE_NOT_ALLOWED,
		[BURROW_DROP_NOMEM] = BURROW_A_DEV_STATS_DROP_NOMEM,
		[BURROW_DROP_QUEUE_FULL] = BURROW_A_DEV_STATS_DROP_QUEUE_FULL,
		[BURROW_DROP_QUIC_SHORT] = BURROW_A_DEV_STATS_DROP_QUIC_SHORT,
		[BURROW_DROP_QUIC_RESERVED] = BURROW_A_DEV_STATS_DROP_QUIC_RESERVED,
		[BURROW_DROP_QUIC_FRAME] = BURROW_A_DEV_STATS_DROP_QUIC_FRAME,
		[BURROW_DROP_QUIC_DATAGRAM_ID] = BURROW_A_DEV_STATS_DROP_QUIC_DATAGRAM_ID,
		[BURROW_DROP_QUEUE_DELAY] = BURROW_A_DEV_STATS_DROP_QUEUE_DELAY,
		[BURROW_DROP_DEV_DOWN] = BURROW_A_DEV_STATS_DROP_DEV_DOWN,
	};
	struct nlattr *nest;
	int reason;

	nest = nla_nest_start(msg, BURROW_A_DEV_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (reason = 0; reason < BURROW_DROP_MAX; reason++)
		if (nla_put_u64_64bit(msg, drop_attr[reason],
				      burrow_stats_drop_sum(bdev, reason), 0))
			goto err_cancel;
	if (nla_put_u64_64bit(msg, BURROW_A_DEV_STATS_RX_KEEPALIVES,
			      burrow_stats_count_sum(bdev, BURROW_COUNT_RX_KEEPALIVES), 0) ||
	    nla_put_u64_64bit(msg, BURROW_A_DEV_STATS_RX_TO_USERSPACE,
			      burrow_stats_count_sum(bdev, BURROW_COUNT_RX_TO_USERSPACE), 0))
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
	    nla_put_u8(msg, BURROW_A_DEV_QUIC_CID_LEN, bdev->quic_cid_len))
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

static int burrow_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct burrow_device *bdev;
	struct sk_buff *msg;
	int ret;

	bdev = burrow_nl_device_get(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out_put_dev;
	}
	/* RTNL keeps dev->name stable while it is copied (lock order: RTNL, config_lock). */
	rtnl_lock();
	ret = burrow_nl_lock(bdev, info->extack);
	if (!ret) {
		ret = burrow_nl_fill_dev(msg, bdev, info->snd_portid, info->snd_seq, 0);
		mutex_unlock(&bdev->config_lock);
	}
	rtnl_unlock();
	if (ret) {
		nlmsg_free(msg);
		goto out_put_dev;
	}
	ret = genlmsg_reply(msg, info);
out_put_dev:
	dev_put(bdev->dev);
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

static int burrow_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *fd_attr = info->attrs[BURROW_A_DEV_SOCKET_FD];
	struct nlattr *detach_attr = info->attrs[BURROW_A_DEV_SOCKET_DETACH];
	struct nlattr *port_attr = info->attrs[BURROW_A_DEV_LISTEN_PORT];
	struct nlattr *addr_attr = info->attrs[BURROW_A_DEV_LISTEN_ADDRESS];
	struct nlattr *cid_len_attr;
	struct burrow_device *bdev;
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
	bdev = burrow_nl_device_get(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	cid_len_attr = info->attrs[BURROW_A_DEV_QUIC_CID_LEN];
	if (cid_len_attr) {
		ret = burrow_device_set_quic_cid_len(bdev, cid_len_attr, info->extack);
		if (ret)
			goto out_put_dev;
	}
	ret = burrow_nl_lock(bdev, info->extack);
	if (ret)
		goto out_put_dev;

	if (fd_attr) {
		ret = burrow_socket_attach(bdev, nla_get_u32(fd_attr), info->extack);
		if (ret)
			goto out_unlock;
	}
	if (port_attr) {
		ret = burrow_socket_listen(bdev, nla_get_u16(port_attr), addr_attr, info->extack);
		if (ret)
			goto out_unlock;
	}
	if (detach_attr)
		burrow_socket_detach(bdev);
	if (info->attrs[BURROW_A_DEV_DEFAULT_KEEPALIVE])
		WRITE_ONCE(bdev->default_keepalive,
			   nla_get_u16(info->attrs[BURROW_A_DEV_DEFAULT_KEEPALIVE]));
	if (info->attrs[BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT])
		WRITE_ONCE(bdev->default_inactivity_timeout,
			   nla_get_u32(info->attrs[BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT]));
	burrow_device_changed(bdev);

out_unlock:
	mutex_unlock(&bdev->config_lock);
out_put_dev:
	dev_put(bdev->dev);
	return ret;
}

/*
 * key-new's outer policy, written by hand rather than generated: it takes
 * every attribute of the family without looking inside, so that the
 * genetlink core refuses no well-formed key-new before the handler runs,
 * and the op has no GENL_UNS_ADMIN_PERM, so the core does not refuse it
 * for lack of privilege either. A request the core refuses never reaches
 * burrow_nl_key_new_doit() and keeps its key material in the request skb,
 * which the error ACK echoes back to the sender (unless it set
 * NETLINK_CAP_ACK) and which is freed unwiped. The handler does both
 * checks itself instead: CAP_NET_ADMIN over the device's netns as
 * GENL_UNS_ADMIN_PERM would (-EPERM), then a strict parse with the
 * generated burrow_key_new_do_nl_policy, and it wipes every keyconf nest
 * on every exit.
 *
 * With resv_start_op 0 the core still parses this policy strictly, so it
 * refuses, unwiped, only requests that are not well-formed netlink: an
 * attribute type the family does not have, bytes left after the last
 * attribute, a nested attribute without NLA_F_NESTED (or another with
 * it), a nest shorter than an attribute header, and a genl header with
 * reserved bits or flags set.
 */
static const struct nla_policy burrow_key_new_outer_nl_policy[BURROW_A_DEV_MAX + 1] = {
	[BURROW_A_DEV_IFINDEX] = { .type = NLA_BINARY },
	[BURROW_A_DEV_IFNAME] = { .type = NLA_BINARY },
	[BURROW_A_DEV_DEFAULT_KEEPALIVE] = { .type = NLA_BINARY },
	[BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT] = { .type = NLA_BINARY },
	[BURROW_A_DEV_SOCKET_FD] = { .type = NLA_BINARY },
	[BURROW_A_DEV_SOCKET_DETACH] = { .type = NLA_BINARY },
	[BURROW_A_DEV_SOCKET_FAMILY] = { .type = NLA_BINARY },
	[BURROW_A_DEV_LISTEN_PORT] = { .type = NLA_BINARY },
	[BURROW_A_DEV_PEER_COUNT] = { .type = NLA_BINARY },
	[BURROW_A_DEV_GENERATION] = { .type = NLA_BINARY },
	[BURROW_A_DEV_PEER] = { .type = NLA_NESTED },
	[BURROW_A_DEV_KEYCONF] = { .type = NLA_NESTED },
	[BURROW_A_DEV_STATS] = { .type = NLA_NESTED },
	[BURROW_A_DEV_QUIC_CID_LEN] = { .type = NLA_BINARY },
	[BURROW_A_DEV_LISTEN_ADDRESS] = { .type = NLA_BINARY },
};
static_assert(BURROW_A_DEV_MAX == BURROW_A_DEV_LISTEN_ADDRESS,
	      "burrow_key_new_outer_nl_policy must cover every dev attribute");

#define BURROW_OP(_cmd, _doit, _dumpit, _policy, _flags)	\
	{							\
		.cmd		= _cmd,				\
		.doit		= _doit,			\
		.dumpit		= _dumpit,			\
		.policy		= _policy,			\
		.maxattr	= BURROW_A_DEV_MAX,		\
		.flags		= _flags,			\
	}

static const struct genl_ops burrow_genl_ops[] = {
	{
		.cmd		= BURROW_CMD_VERSION_GET,
		.doit		= burrow_nl_version_get_doit,
	},
	BURROW_OP(BURROW_CMD_DEV_GET, burrow_nl_dev_get_doit, burrow_nl_dev_get_dumpit,
		  burrow_dev_get_do_nl_policy, 0),
	BURROW_OP(BURROW_CMD_DEV_SET, burrow_nl_dev_set_doit, NULL,
		  burrow_dev_set_do_nl_policy, GENL_UNS_ADMIN_PERM),
	BURROW_OP(BURROW_CMD_PEER_NEW, burrow_nl_peer_new_doit, NULL,
		  burrow_peer_new_do_nl_policy, GENL_UNS_ADMIN_PERM),
	BURROW_OP(BURROW_CMD_PEER_SET, burrow_nl_peer_set_doit, NULL,
		  burrow_peer_set_do_nl_policy, GENL_UNS_ADMIN_PERM),
	/* Peers and keys reveal endpoints, CIDs and counters: admins only. */
	{
		.cmd		= BURROW_CMD_PEER_GET,
		.start		= burrow_nl_peer_get_dump_start,
		.doit		= burrow_nl_peer_get_doit,
		.dumpit		= burrow_nl_peer_get_dumpit,
		.done		= burrow_nl_peer_get_dump_done,
		.policy		= burrow_peer_get_do_nl_policy,
		.maxattr	= BURROW_A_DEV_MAX,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	BURROW_OP(BURROW_CMD_PEER_DEL, burrow_nl_peer_del_doit, NULL,
		  burrow_peer_del_do_nl_policy, GENL_UNS_ADMIN_PERM),
	/* The handler checks privilege and policy: see burrow_key_new_outer_nl_policy. */
	BURROW_OP(BURROW_CMD_KEY_NEW, burrow_nl_key_new_doit, NULL,
		  burrow_key_new_outer_nl_policy, 0),
	BURROW_OP(BURROW_CMD_KEY_SWAP, burrow_nl_key_swap_doit, NULL,
		  burrow_key_swap_do_nl_policy, GENL_UNS_ADMIN_PERM),
	BURROW_OP(BURROW_CMD_KEY_DEL, burrow_nl_key_del_doit, NULL,
		  burrow_key_del_do_nl_policy, GENL_UNS_ADMIN_PERM),
	BURROW_OP(BURROW_CMD_KEY_GET, burrow_nl_key_get_doit, NULL,
		  burrow_key_get_do_nl_policy, GENL_UNS_ADMIN_PERM),
};

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

struct genl_family burrow_genl_family __ro_after_init = {
	.name		= BURROW_FAMILY_NAME,
	.version	= BURROW_FAMILY_VERSION,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= burrow_genl_ops,
	.n_ops		= ARRAY_SIZE(burrow_genl_ops),
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
