// SPDX-License-Identifier: GPL-2.0
/*
 * peer-new, peer-set, peer-get (do and dump) and peer-del.
 *
 * Requests are validated completely before anything changes: a request
 * with one bad allowed-ip changes nothing. Then the change is applied
 * under the device's config_lock and the device generation is bumped, so
 * dumps in progress see NLM_F_DUMP_INTR.
 */

#include <linux/inet.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/ipv6.h>

#include "device.h"
#include "netlink.h"
#include "netlink_gen.h"
#include "peer.h"
#include "timers.h"

/* Attributes that only appear in replies. */
static const int burrow_peer_read_only[] = {
	BURROW_A_PEER_RX_BYTES, BURROW_A_PEER_RX_PACKETS, BURROW_A_PEER_TX_BYTES,
	BURROW_A_PEER_TX_PACKETS, BURROW_A_PEER_LAST_RX_MS_AGO, BURROW_A_PEER_EXPIRED,
	BURROW_A_PEER_TX_QUEUE_DROPS, BURROW_A_PEER_RX_QUEUE_DROPS, BURROW_A_PEER_MAC_COUNT,
};

/* Attributes only an l2 device's peers have. */
static const int burrow_peer_l2_only[] = {
	BURROW_A_PEER_SEGMENTS, BURROW_A_PEER_MAC_LIMIT, BURROW_A_PEER_FLOOD_RATE,
};

/* VLAN id @vid is in a segments attribute's bitmap (burrow.yaml, peer segments). */
static bool burrow_nl_segments_test(const u8 *bitmap, unsigned int vid)
{
	return bitmap[vid / 8] & (1U << (vid % 8));
}

static int burrow_nl_check_l2(struct burrow_device *bdev, struct nlattr **attrs,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *l2_attr = burrow_nl_first_present(attrs, burrow_peer_l2_only,
							 ARRAY_SIZE(burrow_peer_l2_only));
	struct nlattr *segments = attrs[BURROW_A_PEER_SEGMENTS];

	if (l2_attr && !burrow_device_is_l2(bdev)) {
		NL_SET_ERR_MSG_ATTR(extack, l2_attr,
				    "segments, mac-limit and flood-rate need a device in mode l2");
		return -EOPNOTSUPP;
	}
	if (segments && burrow_nl_segments_test(nla_data(segments), BURROW_VLAN_COUNT - 1)) {
		NL_SET_ERR_MSG_ATTR(extack, segments, "segments: VLAN id 4095 is reserved");
		return -EINVAL;
	}
	return 0;
}

/* Caller holds config_lock; readers see each VLAN's bit old or new (peer.h). */
static void burrow_nl_apply_l2(struct burrow_peer *peer, struct nlattr **attrs)
{
	struct nlattr *segments = attrs[BURROW_A_PEER_SEGMENTS];
	unsigned int vid;

	if (segments)
		for (vid = 0; vid < BURROW_VLAN_COUNT; vid++)
			assign_bit(vid, peer->segments,
				   burrow_nl_segments_test(nla_data(segments), vid));
	if (attrs[BURROW_A_PEER_MAC_LIMIT])
		WRITE_ONCE(peer->mac_limit, nla_get_u32(attrs[BURROW_A_PEER_MAC_LIMIT]));
	if (attrs[BURROW_A_PEER_FLOOD_RATE])
		WRITE_ONCE(peer->flood_rate, nla_get_u32(attrs[BURROW_A_PEER_FLOOD_RATE]));
}

static int burrow_nl_put_l2(struct sk_buff *msg, struct burrow_peer *peer)
{
	struct nlattr *attr;
	unsigned int vid;
	u8 *bitmap;

	if (!burrow_device_is_l2(peer->bdev))
		return 0;
	attr = nla_reserve(msg, BURROW_A_PEER_SEGMENTS, BURROW_SEGMENTS_LEN);
	if (!attr)
		return -EMSGSIZE;
	bitmap = nla_data(attr);
	memset(bitmap, 0, BURROW_SEGMENTS_LEN);
	for_each_set_bit(vid, peer->segments, BURROW_VLAN_COUNT)
		bitmap[vid / 8] |= 1U << (vid % 8);
	if (nla_put_u32(msg, BURROW_A_PEER_MAC_LIMIT, READ_ONCE(peer->mac_limit)) ||
	    nla_put_u32(msg, BURROW_A_PEER_FLOOD_RATE, READ_ONCE(peer->flood_rate)) ||
	    nla_put_u32(msg, BURROW_A_PEER_MAC_COUNT, READ_ONCE(peer->mac_count)))
		return -EMSGSIZE;
	return 0;
}

struct burrow_nl_prefix {
	int family;
	u8 addr[16];
	u8 cidr;
};

static int burrow_nl_parse_peer(struct genl_info *info, struct nlattr **peer_attrs)
{
	struct nlattr *nest = info->attrs[BURROW_A_DEV_PEER];
	struct nlattr *read_only;
	int ret;

	if (!nest) {
		NL_SET_ERR_MSG(info->extack, "missing peer");
		return -EINVAL;
	}
	ret = nla_parse_nested(peer_attrs, BURROW_A_PEER_MAX, nest, burrow_peer_nl_policy,
			       info->extack);
	if (ret)
		return ret;
	if (!peer_attrs[BURROW_A_PEER_ID]) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest, "missing peer id");
		return -EINVAL;
	}
	read_only = burrow_nl_first_present(peer_attrs, burrow_peer_read_only,
					    ARRAY_SIZE(burrow_peer_read_only));
	if (read_only) {
		NL_SET_ERR_MSG_ATTR(info->extack, read_only, "attribute is read-only");
		return -EINVAL;
	}
	return 0;
}

/*
 * The existing peer that a peer-get or peer-del request names, found under
 * the config_lock pre_doit holds, so it stays listed until post_doit.
 */
static struct burrow_peer *burrow_nl_request_peer(struct genl_info *info)
{
	struct burrow_device *bdev = info->user_ptr[0];
	struct nlattr *attrs[BURROW_A_PEER_MAX + 1];
	struct burrow_peer *peer;
	int ret;

	ret = burrow_nl_parse_peer(info, attrs);
	if (ret)
		return ERR_PTR(ret);
	peer = burrow_peer_lookup(bdev, nla_get_u32(attrs[BURROW_A_PEER_ID]));
	if (!peer) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[BURROW_A_PEER_ID], "no peer with this id");
		return ERR_PTR(-ENOENT);
	}
	return peer;
}

/* Validate one allowed-ip nest into *prefix. */
static int burrow_nl_parse_prefix(struct nlattr *nest, struct burrow_nl_prefix *prefix,
				  struct netlink_ext_ack *extack)
{
	struct nlattr *attrs[BURROW_A_ALLOWED_IP_MAX + 1];
	unsigned int addr_len, max_cidr, i;
	u8 mask;
	int ret;

	ret = nla_parse_nested(attrs, BURROW_A_ALLOWED_IP_MAX, nest,
			       burrow_allowed_ip_nl_policy, extack);
	if (ret)
		return ret;
	if (!attrs[BURROW_A_ALLOWED_IP_FAMILY] || !attrs[BURROW_A_ALLOWED_IP_ADDRESS] ||
	    !attrs[BURROW_A_ALLOWED_IP_PREFIX_LEN]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "allowed-ip needs family, address and prefix-len");
		return -EINVAL;
	}
	prefix->family = nla_get_u16(attrs[BURROW_A_ALLOWED_IP_FAMILY]);
	switch (prefix->family) {
	case AF_INET:
		addr_len = 4;
		max_cidr = 32;
		break;
	case AF_INET6:
		addr_len = 16;
		max_cidr = 128;
		break;
	default:
		NL_SET_ERR_MSG_ATTR(extack, attrs[BURROW_A_ALLOWED_IP_FAMILY],
				    "family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	if (nla_len(attrs[BURROW_A_ALLOWED_IP_ADDRESS]) != addr_len) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[BURROW_A_ALLOWED_IP_ADDRESS],
				    "address length does not match family");
		return -EINVAL;
	}
	prefix->cidr = nla_get_u8(attrs[BURROW_A_ALLOWED_IP_PREFIX_LEN]);
	if (prefix->cidr > max_cidr) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[BURROW_A_ALLOWED_IP_PREFIX_LEN],
				    "prefix-len longer than the address");
		return -EINVAL;
	}
	memset(prefix->addr, 0, sizeof(prefix->addr));
	nla_memcpy(prefix->addr, attrs[BURROW_A_ALLOWED_IP_ADDRESS], addr_len);
	/* Host bits must be zero: a prefix means exactly what it says. */
	for (i = 0; i < addr_len; i++) {
		if (prefix->cidr >= (i + 1) * 8)
			continue;
		mask = prefix->cidr > i * 8 ? 0xff >> (prefix->cidr - i * 8) : 0xff;
		if (prefix->addr[i] & mask) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[BURROW_A_ALLOWED_IP_ADDRESS],
					    "address has bits set beyond prefix-len");
			return -EINVAL;
		}
	}
	return 0;
}

/* First pass: every allowed-ip of the request is valid. */
static int burrow_nl_validate_prefixes(struct nlattr *peer_nest, struct netlink_ext_ack *extack)
{
	struct burrow_nl_prefix prefix;
	struct nlattr *attr;
	int rem, ret;

	nla_for_each_nested(attr, peer_nest, rem) {
		if (nla_type(attr) != BURROW_A_PEER_ALLOWED_IP)
			continue;
		ret = burrow_nl_parse_prefix(attr, &prefix, extack);
		if (ret)
			return ret;
	}
	return 0;
}

static int burrow_nl_parse_endpoint(struct nlattr **attrs, struct burrow_endpoint *endpoint,
				    bool *given, struct netlink_ext_ack *extack)
{
	struct nlattr *v4 = attrs[BURROW_A_PEER_REMOTE_IPV4];
	struct nlattr *v6 = attrs[BURROW_A_PEER_REMOTE_IPV6];
	struct nlattr *port = attrs[BURROW_A_PEER_REMOTE_PORT];

	*given = false;
	memset(endpoint, 0, sizeof(*endpoint));
	if (attrs[BURROW_A_PEER_REMOTE_CLEAR]) {
		if (v4 || v6 || port) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[BURROW_A_PEER_REMOTE_CLEAR],
					    "remote-clear with a remote address");
			return -EINVAL;
		}
		endpoint->addr.sa_family = AF_UNSPEC;
		*given = true;
		return 0;
	}
	if (!v4 && !v6 && !port)
		return 0;
	if (v4 && v6) {
		NL_SET_ERR_MSG_ATTR(extack, v6, "give remote-ipv4 or remote-ipv6, not both");
		return -EINVAL;
	}
	if (!port || (!v4 && !v6)) {
		NL_SET_ERR_MSG_ATTR(extack, port ?: (v4 ?: v6),
				    "a remote endpoint needs an address and a port");
		return -EINVAL;
	}
	if (v4) {
		endpoint->addr4.sin_family = AF_INET;
		nla_memcpy(&endpoint->addr4.sin_addr, v4, sizeof(endpoint->addr4.sin_addr));
		endpoint->addr4.sin_port = htons(nla_get_u16(port));
	} else {
		endpoint->addr6.sin6_family = AF_INET6;
		nla_memcpy(&endpoint->addr6.sin6_addr, v6, sizeof(endpoint->addr6.sin6_addr));
		endpoint->addr6.sin6_port = htons(nla_get_u16(port));
	}
	*given = true;
	return 0;
}

/* Second pass: apply the allowed-ips with op. Caller holds config_lock. */
static int burrow_nl_apply_prefixes(struct burrow_peer *peer, struct nlattr *peer_nest,
				    u8 op, struct netlink_ext_ack *extack)
{
	struct burrow_device *bdev = peer->bdev;
	struct burrow_nl_prefix prefix;
	struct nlattr *attr;
	int rem, ret, first_error = 0;

	if (op == BURROW_ALLOWED_IPS_OP_REPLACE)
		burrow_allowedips_remove_by_owner(&bdev->allowedips, &peer->allowedips,
						  &bdev->config_lock);
	nla_for_each_nested(attr, peer_nest, rem) {
		if (nla_type(attr) != BURROW_A_PEER_ALLOWED_IP)
			continue;
		/* Validated in the first pass. */
		if (burrow_nl_parse_prefix(attr, &prefix, NULL))
			continue;
		if (op == BURROW_ALLOWED_IPS_OP_REMOVE) {
			ret = burrow_allowedips_remove(&bdev->allowedips, prefix.family,
						       prefix.addr, prefix.cidr,
						       &peer->allowedips, &bdev->config_lock);
			if (ret && !first_error) {
				NL_SET_ERR_MSG_ATTR(extack, attr,
						    "prefix is not an allowed-ip of this peer");
				first_error = ret;
			}
			continue;
		}
		ret = burrow_allowedips_insert(&bdev->allowedips, prefix.family, prefix.addr,
					       prefix.cidr, &peer->allowedips,
					       &bdev->config_lock);
		if (ret)
			return ret;
	}
	return first_error;
}

/* Apply every settable attribute but the allowed-ips. */
static void burrow_nl_apply_settings(struct burrow_peer *peer, struct nlattr **attrs,
				     const struct burrow_endpoint *endpoint, bool endpoint_given)
{
	if (attrs[BURROW_A_PEER_TX_ID])
		WRITE_ONCE(peer->tx_id, nla_get_u32(attrs[BURROW_A_PEER_TX_ID]));
	if (endpoint_given)
		burrow_peer_set_endpoint(peer, endpoint);
	if (attrs[BURROW_A_PEER_RELAY_TICKET])
		WRITE_ONCE(peer->relay_ticket, nla_get_u32(attrs[BURROW_A_PEER_RELAY_TICKET]));
	if (attrs[BURROW_A_PEER_ENDPOINT_PINNED])
		WRITE_ONCE(peer->endpoint_pinned,
			   nla_get_u8(attrs[BURROW_A_PEER_ENDPOINT_PINNED]));
	if (attrs[BURROW_A_PEER_KEEPALIVE]) {
		WRITE_ONCE(peer->keepalive, nla_get_u16(attrs[BURROW_A_PEER_KEEPALIVE]));
		WRITE_ONCE(peer->keepalive_set, true);
	}
	if (attrs[BURROW_A_PEER_INACTIVITY_TIMEOUT]) {
		WRITE_ONCE(peer->inactivity_timeout,
			   nla_get_u32(attrs[BURROW_A_PEER_INACTIVITY_TIMEOUT]));
		WRITE_ONCE(peer->inactivity_timeout_set, true);
	}
	burrow_timers_update(peer);
}

/*
 * The quic settings of a request against the peer's state (a new peer is
 * udp with no CIDs): a local-cid has the device's CID length and is no
 * other peer's; a quic peer ends up with both CIDs, and keys it already
 * has carry header-protection keys, equal in both slots, in slots of
 * different key phase. Caller holds config_lock.
 */
static int burrow_nl_check_quic(struct burrow_device *bdev, struct burrow_peer *peer,
				struct nlattr **attrs, struct netlink_ext_ack *extack)
{
	struct nlattr *local = attrs[BURROW_A_PEER_LOCAL_CID];
	struct nlattr *remote = attrs[BURROW_A_PEER_REMOTE_CID];
	struct nlattr *encap_attr = attrs[BURROW_A_PEER_ENCAP];
	struct burrow_key *keys[BURROW_KEY_SLOTS];
	struct burrow_peer *owner;
	u8 encap;
	int slot;

	if (local && nla_len(local) != bdev->quic_cid_len) {
		NL_SET_ERR_MSG_ATTR(extack, local,
				    "local-cid length differs from the device's quic-cid-len");
		return -EINVAL;
	}
	if (local) {
		owner = burrow_peer_lookup_cid(bdev, nla_data(local));
		if (owner && owner != peer) {
			NL_SET_ERR_MSG_ATTR(extack, local, "local-cid is in use by another peer");
			return -EEXIST;
		}
	}
	encap = encap_attr ? nla_get_u8(encap_attr) : (peer ? peer->encap : BURROW_ENCAP_UDP);
	if (encap != BURROW_ENCAP_QUIC)
		return 0;
	if ((!local && !(peer && peer->local_cid_len)) ||
	    (!remote && !(peer && peer->remote_cid_len))) {
		NL_SET_ERR_MSG_ATTR(extack, encap_attr ?: (local ?: remote),
				    "quic encapsulation needs a local-cid and a remote-cid");
		return -EINVAL;
	}
	if (!peer)
		return 0;
	for (slot = 0; slot < BURROW_KEY_SLOTS; slot++) {
		keys[slot] = rcu_dereference_protected(peer->keys[slot],
						       lockdep_is_held(&bdev->config_lock));
		if (keys[slot] && !keys[slot]->hp) {
			NL_SET_ERR_MSG_ATTR(extack, encap_attr ?: local ?: remote,
					    "quic encapsulation needs keys with header-protection keys");
			return -EINVAL;
		}
	}
	if (keys[0] && keys[1]) {
		if (burrow_key_phase(keys[0]) == burrow_key_phase(keys[1])) {
			NL_SET_ERR_MSG_ATTR(extack, encap_attr ?: local ?: remote,
					    "quic encapsulation needs the two keys in different key phases");
			return -EINVAL;
		}
		if (!burrow_quic_hp_equal(&keys[0]->hp->tx, &keys[1]->hp->tx) ||
		    !burrow_quic_hp_equal(&keys[0]->hp->rx, &keys[1]->hp->rx)) {
			NL_SET_ERR_MSG_ATTR(extack, encap_attr ?: local ?: remote,
					    "quic encapsulation needs the same header-protection keys in both slots");
			return -EINVAL;
		}
	}
	return 0;
}

/* CIDs, then the encapsulation that uses them. Checked by burrow_nl_check_quic(). */
static int burrow_nl_apply_quic(struct burrow_peer *peer, struct nlattr **attrs,
				struct netlink_ext_ack *extack)
{
	struct nlattr *local = attrs[BURROW_A_PEER_LOCAL_CID];
	struct nlattr *remote = attrs[BURROW_A_PEER_REMOTE_CID];
	int ret;

	if (local) {
		ret = burrow_peer_set_local_cid(peer, nla_data(local), nla_len(local));
		if (ret) {
			NL_SET_ERR_MSG_ATTR(extack, local, "local-cid is in use by another peer");
			return ret;
		}
	}
	if (remote)
		burrow_peer_set_remote_cid(peer, nla_data(remote), nla_len(remote));
	if (attrs[BURROW_A_PEER_ENCAP])
		WRITE_ONCE(peer->encap, nla_get_u8(attrs[BURROW_A_PEER_ENCAP]));
	return 0;
}

/* pre_doit holds config_lock, and RTNL for peer-new (see burrow.yaml, x-rtnl). */
static int burrow_nl_peer_change(struct genl_info *info, bool create)
{
	struct burrow_device *bdev = info->user_ptr[0];
	struct nlattr *attrs[BURROW_A_PEER_MAX + 1];
	struct burrow_endpoint endpoint;
	struct burrow_peer *peer;
	bool endpoint_given;
	u8 op;
	u32 id;
	int ret;

	ret = burrow_nl_parse_peer(info, attrs);
	if (ret)
		return ret;
	id = nla_get_u32(attrs[BURROW_A_PEER_ID]);
	ret = burrow_nl_parse_endpoint(attrs, &endpoint, &endpoint_given, info->extack);
	if (ret)
		return ret;
	ret = burrow_nl_validate_prefixes(info->attrs[BURROW_A_DEV_PEER], info->extack);
	if (ret)
		return ret;
	op = attrs[BURROW_A_PEER_ALLOWED_IPS_OP] ?
		nla_get_u8(attrs[BURROW_A_PEER_ALLOWED_IPS_OP]) : BURROW_ALLOWED_IPS_OP_ADD;
	if (create && op != BURROW_ALLOWED_IPS_OP_ADD) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[BURROW_A_PEER_ALLOWED_IPS_OP],
				    "a new peer's allowed-ips can only be added");
		return -EINVAL;
	}
	ret = burrow_nl_check_quic(bdev, create ? NULL : burrow_peer_lookup(bdev, id), attrs,
				   info->extack);
	if (ret)
		return ret;
	ret = burrow_nl_check_l2(bdev, attrs, info->extack);
	if (ret)
		return ret;
	/*
	 * Creating a peer adds its NAPI to dev->napi_list (and a failed
	 * create deletes it), which RTNL protects: dev_set_threaded() walks
	 * the list under RTNL and sleeps while it does.
	 */
	if (create) {
		peer = burrow_peer_create(bdev, id);
		if (IS_ERR(peer)) {
			ret = PTR_ERR(peer);
			if (ret == -EEXIST)
				NL_SET_ERR_MSG_ATTR(info->extack, attrs[BURROW_A_PEER_ID],
						    "a peer with this id exists");
			return ret;
		}
		/* Unless told otherwise, both ends use the same id. */
		peer->tx_id = id;
		peer->encap = BURROW_ENCAP_UDP;
	} else {
		peer = burrow_peer_lookup(bdev, id);
		if (!peer) {
			NL_SET_ERR_MSG_ATTR(info->extack, attrs[BURROW_A_PEER_ID],
					    "no peer with this id");
			return -ENOENT;
		}
	}
	ret = burrow_nl_apply_prefixes(peer, info->attrs[BURROW_A_DEV_PEER], op, info->extack);
	if (!ret)
		ret = burrow_nl_apply_quic(peer, attrs, info->extack);
	if (ret) {
		if (create)
			burrow_peer_remove(peer);
	} else {
		burrow_nl_apply_settings(peer, attrs, &endpoint, endpoint_given);
		burrow_nl_apply_l2(peer, attrs);
	}
	burrow_device_changed(bdev);
	return ret;
}

int burrow_nl_peer_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	return burrow_nl_peer_change(info, true);
}

int burrow_nl_peer_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	return burrow_nl_peer_change(info, false);
}

/* Removing the peer deletes its NAPI: pre_doit holds RTNL, as for peer-new. */
int burrow_nl_peer_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct burrow_device *bdev = info->user_ptr[0];
	struct burrow_peer *peer;

	peer = burrow_nl_request_peer(info);
	if (IS_ERR(peer))
		return PTR_ERR(peer);
	burrow_peer_remove(peer);
	burrow_device_changed(bdev);
	return 0;
}

int burrow_nl_put_endpoint(struct sk_buff *msg, const struct burrow_endpoint *endpoint)
{
	switch (endpoint->addr.sa_family) {
	case AF_INET:
		if (nla_put_in_addr(msg, BURROW_A_PEER_REMOTE_IPV4,
				    endpoint->addr4.sin_addr.s_addr) ||
		    nla_put_u16(msg, BURROW_A_PEER_REMOTE_PORT, ntohs(endpoint->addr4.sin_port)))
			return -EMSGSIZE;
		break;
	case AF_INET6:
		if (nla_put_in6_addr(msg, BURROW_A_PEER_REMOTE_IPV6, &endpoint->addr6.sin6_addr) ||
		    nla_put_u16(msg, BURROW_A_PEER_REMOTE_PORT, ntohs(endpoint->addr6.sin6_port)))
			return -EMSGSIZE;
		break;
	}
	return 0;
}

static int burrow_nl_put_peer_fields(struct sk_buff *msg, struct burrow_peer *peer)
{
	u8 remote_cid[BURROW_QUIC_CID_LEN_MAX];
	unsigned int remote_cid_len;
	struct burrow_endpoint endpoint;
	struct burrow_peer_stats stats;

	burrow_peer_get_endpoint(peer, &endpoint);
	remote_cid_len = burrow_peer_get_remote_cid(peer, remote_cid);
	burrow_peer_stats_read(peer, &stats);
	if (nla_put_u32(msg, BURROW_A_PEER_ID, peer->id) ||
	    nla_put_u32(msg, BURROW_A_PEER_TX_ID, READ_ONCE(peer->tx_id)) ||
	    burrow_nl_put_endpoint(msg, &endpoint) ||
	    nla_put_u8(msg, BURROW_A_PEER_ENDPOINT_PINNED, READ_ONCE(peer->endpoint_pinned)) ||
	    nla_put_u8(msg, BURROW_A_PEER_ENCAP, peer->encap) ||
	    (peer->local_cid_len &&
	     nla_put(msg, BURROW_A_PEER_LOCAL_CID, peer->local_cid_len, peer->local_cid)) ||
	    (remote_cid_len && nla_put(msg, BURROW_A_PEER_REMOTE_CID, remote_cid_len, remote_cid)) ||
	    (peer->keepalive_set &&
	     nla_put_u16(msg, BURROW_A_PEER_KEEPALIVE, peer->keepalive)) ||
	    (peer->inactivity_timeout_set &&
	     nla_put_u32(msg, BURROW_A_PEER_INACTIVITY_TIMEOUT, peer->inactivity_timeout)) ||
	    (READ_ONCE(peer->relay_ticket) &&
	     nla_put_u32(msg, BURROW_A_PEER_RELAY_TICKET, READ_ONCE(peer->relay_ticket))) ||
	    nla_put_u64_64bit(msg, BURROW_A_PEER_RX_BYTES, stats.rx_bytes, 0) ||
	    nla_put_u64_64bit(msg, BURROW_A_PEER_RX_PACKETS, stats.rx_packets, 0) ||
	    nla_put_u64_64bit(msg, BURROW_A_PEER_TX_BYTES, stats.tx_bytes, 0) ||
	    nla_put_u64_64bit(msg, BURROW_A_PEER_TX_PACKETS, stats.tx_packets, 0) ||
	    nla_put_u64_64bit(msg, BURROW_A_PEER_TX_QUEUE_DROPS, stats.tx_queue_drops, 0) ||
	    nla_put_u64_64bit(msg, BURROW_A_PEER_RX_QUEUE_DROPS, stats.rx_queue_drops, 0) ||
	    (READ_ONCE(peer->received) &&
	     nla_put_u64_64bit(msg, BURROW_A_PEER_LAST_RX_MS_AGO,
			       jiffies_to_msecs(jiffies - READ_ONCE(peer->last_rx)), 0)) ||
	    (READ_ONCE(peer->expired) && nla_put_flag(msg, BURROW_A_PEER_EXPIRED)) ||
	    burrow_nl_put_l2(msg, peer))
		return -EMSGSIZE;
	return 0;
}

static int burrow_nl_put_prefix(struct sk_buff *msg, struct burrow_allowedips_node *node)
{
	struct nlattr *nest;
	u8 addr[16];
	int family;
	u8 cidr;

	burrow_allowedips_read_node(node, &family, addr, &cidr);
	nest = nla_nest_start(msg, BURROW_A_PEER_ALLOWED_IP);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u16(msg, BURROW_A_ALLOWED_IP_FAMILY, family) ||
	    nla_put(msg, BURROW_A_ALLOWED_IP_ADDRESS, family == AF_INET ? 4 : 16, addr) ||
	    nla_put_u8(msg, BURROW_A_ALLOWED_IP_PREFIX_LEN, cidr)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * Fill one message for peer, with its prefixes from *cursor on (NULL: from
 * the first). Returns 0 when every remaining prefix fitted, 1 when the
 * message is full and *cursor is where the next message continues, or
 * -EMSGSIZE when not even the peer's fields fitted. Caller holds
 * config_lock.
 */
static int burrow_nl_fill_peer(struct sk_buff *msg, struct burrow_peer *peer, u32 portid,
			       u32 seq, int flags, struct netlink_callback *cb,
			       struct burrow_allowedips_node **cursor)
{
	struct burrow_device *bdev = peer->bdev;
	struct burrow_allowedips_node *node;
	struct nlattr *nest;
	void *hdr;
	int ret = 0;

	hdr = genlmsg_put(msg, portid, seq, &burrow_genl_family, flags, BURROW_CMD_PEER_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(msg, BURROW_A_DEV_IFINDEX, bdev->dev->ifindex))
		goto err_cancel;
	nest = nla_nest_start(msg, BURROW_A_DEV_PEER);
	if (!nest)
		goto err_cancel;
	if (burrow_nl_put_peer_fields(msg, peer))
		goto err_cancel;

	node = *cursor ?: list_first_entry_or_null(&peer->allowedips.nodes,
						   struct burrow_allowedips_node, owner_link);
	if (node) {
		burrow_allowedips_for_each_from(node, &peer->allowedips) {
			if (burrow_nl_put_prefix(msg, node)) {
				*cursor = node;
				ret = 1;
				break;
			}
		}
	}
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return ret;

err_cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

int burrow_nl_peer_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct burrow_allowedips_node *cursor = NULL;
	struct burrow_peer *peer;
	struct sk_buff *msg;
	int ret;

	peer = burrow_nl_request_peer(info);
	if (IS_ERR(peer))
		return PTR_ERR(peer);
	/*
	 * A reply to a do request is one message, sized so that any client's
	 * receive buffer holds it; a peer that does not fit must be read with
	 * a dump, which continues it over several messages.
	 */
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ret = burrow_nl_fill_peer(msg, peer, info->snd_portid, info->snd_seq, 0, NULL, &cursor);
	if (ret) {
		nlmsg_free(msg);
		NL_SET_ERR_MSG(info->extack, "peer too large for one reply; use a dump");
		return -EMSGSIZE;
	}
	return genlmsg_reply(msg, info);
}

/*
 * Dump state, allocated in .start and freed in .done, pointed to by
 * cb->args[0]. No kernel pointer into the device's peers or prefixes is
 * kept between rounds: the next round finds the peer again by id and the
 * prefix by value (family, address, length), so a prefix freed in between
 * is simply not found.
 *
 * The device is resolved once, in the first round (not in .start: 6.1's
 * netlink core gives .start no extack, so its refusals would reach the
 * caller without a message), and held (dev_hold) until .done:
 * every round works on the same device even if another one takes its name
 * or ifindex meanwhile, and a device deleted mid-dump is seen as dead
 * (burrow_nl_lock() refuses it) instead of being looked up in freed tables.
 * The generation is 64-bit and compared whole, so it cannot wrap back to a
 * saved value; a change ends the dump flagged NLM_F_DUMP_INTR and the
 * client retries.
 */
struct burrow_nl_peer_dump {
	struct burrow_device *bdev;	/* holds a reference on bdev->dev */
	u64 generation;			/* when the first round ran */
	u32 peer_id;			/* peer to continue with, 0: the first */
	bool started;
	bool done;
	bool have_prefix;		/* continue the peer at this prefix: */
	u8 cidr;
	int family;
	u8 addr[16];
};

int burrow_nl_peer_get_dump_start(struct netlink_callback *cb)
{
	struct burrow_nl_peer_dump *state;

	state = kzalloc(sizeof(*state), GFP_KERNEL);
	if (!state)
		return -ENOMEM;
	cb->args[0] = (long)state;
	return 0;
}

int burrow_nl_peer_get_dump_done(struct netlink_callback *cb)
{
	struct burrow_nl_peer_dump *state = (struct burrow_nl_peer_dump *)cb->args[0];

	if (state) {
		if (state->bdev)
			dev_put(state->bdev->dev);
		kfree(state);
		cb->args[0] = 0;
	}
	return 0;
}

int burrow_nl_peer_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct burrow_nl_peer_dump *state = (struct burrow_nl_peer_dump *)cb->args[0];
	struct burrow_allowedips_node *cursor = NULL;
	struct burrow_device *bdev;
	struct burrow_peer *peer;
	int ret = 0, filled = 0;

	if (state->done)
		return 0;
	if (!state->bdev) {
		bdev = burrow_nl_device_get(sock_net(cb->skb->sk), genl_dumpit_info(cb)->attrs,
					    cb->extack);
		if (IS_ERR(bdev)) {
			state->done = true;
			return PTR_ERR(bdev);
		}
		state->bdev = bdev;
	}
	bdev = state->bdev;
	ret = burrow_nl_lock(bdev, cb->extack);
	if (ret) {
		state->done = true;
		return ret;
	}
	/*
	 * cb->seq only feeds NLM_F_DUMP_INTR: 1 while the generation is the
	 * one the dump started with, 2 once it changed (a change of cb->seq
	 * between messages sets the flag).
	 */
	if (!state->started) {
		state->started = true;
		state->generation = bdev->generation;
		cb->seq = 1;
	} else if (state->generation != bdev->generation) {
		cb->seq = 2;
		state->done = true;
		goto out_unlock;
	}
	if (state->peer_id) {
		peer = burrow_peer_lookup(bdev, state->peer_id);
		if (peer && state->have_prefix) {
			cursor = burrow_allowedips_find(&bdev->allowedips, state->family,
							state->addr, state->cidr,
							&peer->allowedips, &bdev->config_lock);
			if (!cursor)
				peer = NULL;
		}
		if (!peer) {
			/* Unchanged generation, so this cannot happen; end cleanly. */
			cb->seq = 2;
			state->done = true;
			goto out_unlock;
		}
	} else {
		peer = list_first_entry_or_null(&bdev->peer_list, struct burrow_peer, list);
	}
	for (; peer && !list_entry_is_head(peer, &bdev->peer_list, list);
	     peer = list_next_entry(peer, list), cursor = NULL) {
		ret = burrow_nl_fill_peer(skb, peer, NETLINK_CB(cb->skb).portid,
					  cb->nlh->nlmsg_seq, NLM_F_MULTI, cb, &cursor);
		if (ret) {
			state->peer_id = peer->id;
			state->have_prefix = ret == 1;
			if (ret == 1) {
				burrow_allowedips_read_node(cursor, &state->family, state->addr,
							    &state->cidr);
				filled++;
			}
			break;
		}
		filled++;
	}
	if (!ret)
		state->done = true;
out_unlock:
	mutex_unlock(&bdev->config_lock);
	if (ret < 0 && !filled && !skb->len)
		return ret;
	return skb->len;
}
