// SPDX-License-Identifier: GPL-2.0
/*
 * relay-new, relay-set, relay-get (do and dump) and relay-del: the
 * device's relay table (relay.h). pre_doit holds config_lock, the writers'
 * lock; a request is checked whole before anything changes, and every
 * change bumps the device generation so a dump in progress ends flagged
 * NLM_F_DUMP_INTR.
 */

#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ipv6.h>

#include "device.h"
#include "netlink.h"
#include "netlink_gen.h"
#include "relay.h"

/* Attributes that only appear in replies. */
static const int burrow_relay_read_only[] = {
	BURROW_A_RELAY_A_TO_B_PACKETS, BURROW_A_RELAY_A_TO_B_BYTES,
	BURROW_A_RELAY_B_TO_A_PACKETS, BURROW_A_RELAY_B_TO_A_BYTES,
};

static int burrow_nl_parse_relay(struct genl_info *info, struct nlattr **attrs)
{
	struct nlattr *nest = info->attrs[BURROW_A_DEV_RELAY];
	struct nlattr *read_only;
	int ret;

	if (!nest) {
		NL_SET_ERR_MSG(info->extack, "missing relay");
		return -EINVAL;
	}
	ret = nla_parse_nested(attrs, BURROW_A_RELAY_MAX, nest, burrow_relay_nl_policy,
			       info->extack);
	if (ret)
		return ret;
	if (!attrs[BURROW_A_RELAY_TICKET]) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest, "missing relay ticket");
		return -EINVAL;
	}
	read_only = burrow_nl_first_present(attrs, burrow_relay_read_only,
					    ARRAY_SIZE(burrow_relay_read_only));
	if (read_only) {
		NL_SET_ERR_MSG_ATTR(info->extack, read_only, "attribute is read-only");
		return -EINVAL;
	}
	return 0;
}

/*
 * One endpoint (a, or b if @is_b) from its address and port attributes:
 * both or neither. *given says which.
 */
static int burrow_nl_parse_relay_endpoint(struct nlattr *addr, struct nlattr *port,
					  bool is_b, struct burrow_endpoint *endpoint,
					  bool *given, struct netlink_ext_ack *extack)
{
	memset(endpoint, 0, sizeof(*endpoint));
	*given = false;
	if (!addr && !port)
		return 0;
	if (!addr || !port) {
		if (is_b)
			NL_SET_ERR_MSG_ATTR(extack, addr ?: port,
					    "relay endpoint b needs an address and a port");
		else
			NL_SET_ERR_MSG_ATTR(extack, addr ?: port,
					    "relay endpoint a needs an address and a port");
		return -EINVAL;
	}
	if (nla_len(addr) == sizeof(struct in_addr)) {
		endpoint->addr4.sin_family = AF_INET;
		endpoint->addr4.sin_addr.s_addr = nla_get_in_addr(addr);
		endpoint->addr4.sin_port = htons(nla_get_u16(port));
	} else if (nla_len(addr) == sizeof(struct in6_addr)) {
		endpoint->addr6.sin6_family = AF_INET6;
		endpoint->addr6.sin6_addr = nla_get_in6_addr(addr);
		endpoint->addr6.sin6_port = htons(nla_get_u16(port));
	} else {
		NL_SET_ERR_MSG_ATTR(extack, addr, "relay address is neither 4 nor 16 bytes");
		return -EINVAL;
	}
	*given = true;
	return 0;
}

/* Both endpoints of a request's relay nest; each may be absent (*given false). */
static int burrow_nl_parse_relay_endpoints(struct nlattr **attrs, struct burrow_endpoint *a,
					   bool *a_given, struct burrow_endpoint *b,
					   bool *b_given, struct netlink_ext_ack *extack)
{
	int ret;

	ret = burrow_nl_parse_relay_endpoint(attrs[BURROW_A_RELAY_A_ADDRESS],
					     attrs[BURROW_A_RELAY_A_PORT], false, a, a_given,
					     extack);
	if (ret)
		return ret;
	return burrow_nl_parse_relay_endpoint(attrs[BURROW_A_RELAY_B_ADDRESS],
					      attrs[BURROW_A_RELAY_B_PORT], true, b, b_given,
					      extack);
}

/* The two endpoints an entry would have: same family, not the same one. */
static int burrow_nl_check_relay_pair(const struct burrow_endpoint *a,
				      const struct burrow_endpoint *b, struct nlattr *nest,
				      struct netlink_ext_ack *extack)
{
	if (a->addr.sa_family != b->addr.sa_family) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "relay endpoints a and b are of different address families");
		return -EINVAL;
	}
	if (burrow_endpoint_equal(a, b)) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "relay endpoints a and b are the same");
		return -EINVAL;
	}
	return 0;
}

static unsigned long burrow_relay_expires(struct nlattr *lifetime)
{
	return jiffies + (unsigned long)nla_get_u32(lifetime) * HZ;
}

int burrow_nl_relay_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct burrow_device *bdev = info->user_ptr[0];
	struct nlattr *attrs[BURROW_A_RELAY_MAX + 1];
	struct nlattr *nest = info->attrs[BURROW_A_DEV_RELAY];
	struct burrow_endpoint a, b;
	struct burrow_relay *relay;
	bool a_given, b_given;
	int ret;

	ret = burrow_nl_parse_relay(info, attrs);
	if (ret)
		return ret;
	ret = burrow_nl_parse_relay_endpoints(attrs, &a, &a_given, &b, &b_given, info->extack);
	if (ret)
		return ret;
	if (!a_given) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest, "missing relay endpoint a");
		return -EINVAL;
	}
	if (!b_given) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest, "missing relay endpoint b");
		return -EINVAL;
	}
	if (!attrs[BURROW_A_RELAY_LIFETIME]) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest, "missing relay lifetime");
		return -EINVAL;
	}
	ret = burrow_nl_check_relay_pair(&a, &b, nest, info->extack);
	if (ret)
		return ret;

	relay = kzalloc(sizeof(*relay), GFP_KERNEL);
	if (!relay)
		return -ENOMEM;
	relay->ticket = nla_get_u32(attrs[BURROW_A_RELAY_TICKET]);
	rwlock_init(&relay->lock);
	relay->a = a;
	relay->b = b;
	relay->expires = burrow_relay_expires(attrs[BURROW_A_RELAY_LIFETIME]);
	ret = burrow_relay_insert(bdev, relay);
	if (ret) {
		kfree(relay);
		if (ret == -EEXIST)
			NL_SET_ERR_MSG_ATTR(info->extack, attrs[BURROW_A_RELAY_TICKET],
					    "a relay entry with this ticket exists");
		return ret;
	}
	burrow_device_changed(bdev);
	return 0;
}

/* The entry a request's ticket names; attrs parsed. */
static struct burrow_relay *burrow_nl_request_relay(struct genl_info *info,
						    struct nlattr **attrs)
{
	struct burrow_device *bdev = info->user_ptr[0];
	struct burrow_relay *relay;
	int ret;

	ret = burrow_nl_parse_relay(info, attrs);
	if (ret)
		return ERR_PTR(ret);
	relay = burrow_relay_lookup(bdev, nla_get_u32(attrs[BURROW_A_RELAY_TICKET]));
	if (!relay) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[BURROW_A_RELAY_TICKET],
				    "no relay entry with this ticket");
		return ERR_PTR(-ENOENT);
	}
	return relay;
}

int burrow_nl_relay_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct burrow_device *bdev = info->user_ptr[0];
	struct nlattr *attrs[BURROW_A_RELAY_MAX + 1];
	struct burrow_endpoint a, b;
	struct burrow_relay *relay;
	bool a_given, b_given;
	int ret;

	relay = burrow_nl_request_relay(info, attrs);
	if (IS_ERR(relay))
		return PTR_ERR(relay);
	ret = burrow_nl_parse_relay_endpoints(attrs, &a, &a_given, &b, &b_given, info->extack);
	if (ret)
		return ret;
	/* Only writers change a and b, and we are the writer: read them bare. */
	if (!a_given)
		a = relay->a;
	if (!b_given)
		b = relay->b;
	ret = burrow_nl_check_relay_pair(&a, &b, info->attrs[BURROW_A_DEV_RELAY], info->extack);
	if (ret)
		return ret;
	write_lock_bh(&relay->lock);
	relay->a = a;
	relay->b = b;
	if (attrs[BURROW_A_RELAY_LIFETIME])
		relay->expires = burrow_relay_expires(attrs[BURROW_A_RELAY_LIFETIME]);
	write_unlock_bh(&relay->lock);
	burrow_device_changed(bdev);
	return 0;
}

int burrow_nl_relay_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct burrow_device *bdev = info->user_ptr[0];
	struct nlattr *attrs[BURROW_A_RELAY_MAX + 1];
	struct burrow_relay *relay;

	relay = burrow_nl_request_relay(info, attrs);
	if (IS_ERR(relay))
		return PTR_ERR(relay);
	burrow_relay_remove(bdev, relay);
	burrow_device_changed(bdev);
	return 0;
}

static int burrow_nl_put_relay_endpoint(struct sk_buff *msg, const struct burrow_endpoint *e,
					int addr_type, int port_type)
{
	if (e->addr.sa_family == AF_INET)
		return nla_put_in_addr(msg, addr_type, e->addr4.sin_addr.s_addr) ||
		       nla_put_u16(msg, port_type, ntohs(e->addr4.sin_port));
	return nla_put_in6_addr(msg, addr_type, &e->addr6.sin6_addr) ||
	       nla_put_u16(msg, port_type, ntohs(e->addr6.sin6_port));
}

/* One relay-get message for @relay. Caller holds config_lock. */
static int burrow_nl_fill_relay(struct sk_buff *msg, struct burrow_device *bdev,
				struct burrow_relay *relay, u32 portid, u32 seq, int flags,
				struct netlink_callback *cb)
{
	struct burrow_endpoint a, b;
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &burrow_genl_family, flags, BURROW_CMD_RELAY_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	/* config_lock: no writer can change them under us. */
	a = relay->a;
	b = relay->b;
	if (nla_put_u32(msg, BURROW_A_DEV_IFINDEX, bdev->dev->ifindex))
		goto err_cancel;
	nest = nla_nest_start(msg, BURROW_A_DEV_RELAY);
	if (!nest)
		goto err_cancel;
	if (nla_put_u32(msg, BURROW_A_RELAY_TICKET, relay->ticket) ||
	    burrow_nl_put_relay_endpoint(msg, &a, BURROW_A_RELAY_A_ADDRESS,
					 BURROW_A_RELAY_A_PORT) ||
	    burrow_nl_put_relay_endpoint(msg, &b, BURROW_A_RELAY_B_ADDRESS,
					 BURROW_A_RELAY_B_PORT) ||
	    nla_put_u32(msg, BURROW_A_RELAY_LIFETIME, burrow_relay_seconds_left(relay)) ||
	    nla_put_u64_64bit(msg, BURROW_A_RELAY_A_TO_B_PACKETS,
			      atomic64_read(&relay->a_to_b_packets), 0) ||
	    nla_put_u64_64bit(msg, BURROW_A_RELAY_A_TO_B_BYTES,
			      atomic64_read(&relay->a_to_b_bytes), 0) ||
	    nla_put_u64_64bit(msg, BURROW_A_RELAY_B_TO_A_PACKETS,
			      atomic64_read(&relay->b_to_a_packets), 0) ||
	    nla_put_u64_64bit(msg, BURROW_A_RELAY_B_TO_A_BYTES,
			      atomic64_read(&relay->b_to_a_bytes), 0))
		goto err_cancel;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

int burrow_nl_relay_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct burrow_device *bdev = info->user_ptr[0];
	struct nlattr *attrs[BURROW_A_RELAY_MAX + 1];
	struct burrow_relay *relay;
	struct sk_buff *msg;
	int ret;

	relay = burrow_nl_request_relay(info, attrs);
	if (IS_ERR(relay))
		return PTR_ERR(relay);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ret = burrow_nl_fill_relay(msg, bdev, relay, info->snd_portid, info->snd_seq, 0, NULL);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/*
 * Dump state in cb->args: [0] 1 once started, [1] the generation then,
 * [2] the last ticket sent, [3] 1 when done, [4] the device's ifindex.
 * The device is resolved again each round (the op has no .start/.done to
 * hold it); a different device under that name, or any change to the
 * table, ends the dump flagged NLM_F_DUMP_INTR. The table is sorted by
 * ticket, so the next round resumes after the last one sent.
 */
int burrow_nl_relay_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct burrow_device *bdev;
	struct burrow_relay *relay;
	int ret = 0, filled = 0;

	if (cb->args[3])
		return 0;
	bdev = burrow_nl_device_get(sock_net(cb->skb->sk), genl_dumpit_info(cb)->attrs,
				    cb->extack);
	if (IS_ERR(bdev)) {
		cb->args[3] = 1;
		return PTR_ERR(bdev);
	}
	ret = burrow_nl_lock(bdev, cb->extack);
	if (ret) {
		cb->args[3] = 1;
		dev_put(bdev->dev);
		return ret;
	}
	if (!cb->args[0]) {
		cb->args[0] = 1;
		cb->args[1] = (long)bdev->generation;
		cb->args[4] = bdev->dev->ifindex;
		cb->seq = 1;
	} else if (cb->args[1] != (long)bdev->generation ||
		   cb->args[4] != bdev->dev->ifindex) {
		cb->seq = 2;
		cb->args[3] = 1;
		goto out_unlock;
	}
	list_for_each_entry(relay, &bdev->relay_list, list) {
		if (cb->args[0] == 2 && relay->ticket <= (u32)cb->args[2])
			continue;
		ret = burrow_nl_fill_relay(skb, bdev, relay, NETLINK_CB(cb->skb).portid,
					   cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
		if (ret)
			break;
		cb->args[0] = 2;	/* args[2] holds a ticket from here on */
		cb->args[2] = relay->ticket;
		filled++;
	}
	if (!ret)
		cb->args[3] = 1;
out_unlock:
	mutex_unlock(&bdev->config_lock);
	dev_put(bdev->dev);
	if (ret < 0 && !filled && !skb->len)
		return ret;
	return skb->len;
}
