// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/*
 * libburrow-nl: the peer-new, peer-set, peer-del and peer-get (do and dump)
 * operations. Long allowed-ips lists are split over several requests on
 * the way in (burrow_nl_peer_request()) and merged from several messages
 * on the way out (struct burrow_nl_peer_list).
 */

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "burrow-nl-internal.h"
#include "linux/burrow.h"

/* ---- requests --------------------------------------------------------------- */

static int peer_config_check(const struct burrow_nl_peer_config *config,
			     struct burrow_nl_error *err)
{
	const struct burrow_nl_endpoint *endpoint = &config->endpoint;

	if (config->id == 0)
		return burrow_nl_fail(err, -EINVAL, "peer id 0 is reserved (ids start at 1)");
	if (endpoint->family != AF_UNSPEC) {
		if (!burrow_nl_addr_len(endpoint->family))
			return burrow_nl_fail(err, -EINVAL,
					      "endpoint has address family %u, not AF_INET or AF_INET6",
					      endpoint->family);
		if (endpoint->port == 0)
			return burrow_nl_fail(err, -EINVAL, "endpoint port 0 is not allowed");
		if (config->endpoint_clear)
			return burrow_nl_fail(err, -EINVAL,
					      "give an endpoint or endpoint-clear, not both");
	}
	if (config->local_cid_len > BURROW_CID_LEN_MAX || config->remote_cid_len > BURROW_CID_LEN_MAX)
		return burrow_nl_fail(err, -EINVAL, "connection ID longer than %d bytes",
				      BURROW_CID_LEN_MAX);
	if (config->encap_set && config->encap > BURROW_ENCAP_QUIC)
		return burrow_nl_fail(err, -EINVAL, "unknown encap %u", config->encap);
	if (config->allowed_ips_op_set && config->allowed_ips_op > BURROW_ALLOWED_IPS_OP_REPLACE)
		return burrow_nl_fail(err, -EINVAL, "unknown allowed-ips-op %u",
				      config->allowed_ips_op);
	if (config->allowed_ips_count && !config->allowed_ips)
		return burrow_nl_fail(err, -EINVAL, "allowed-ips count %zu without a list",
				      config->allowed_ips_count);
	return 0;
}

/* The attributes of the first request, all but the allowed-ips. */
static int peer_put_settings(struct nlmsghdr *nlh, size_t size,
			     const struct burrow_nl_peer_config *config,
			     struct burrow_nl_error *err)
{
	const struct burrow_nl_endpoint *endpoint = &config->endpoint;

	if (config->tx_id_set &&
	    !mnl_attr_put_u32_check(nlh, size, BURROW_A_PEER_TX_ID, config->tx_id))
		return burrow_nl_request_too_big(err, "peer.tx-id");
	if (endpoint->family == AF_INET &&
	    !mnl_attr_put_check(nlh, size, BURROW_A_PEER_REMOTE_IPV4, 4, endpoint->addr.bytes))
		return burrow_nl_request_too_big(err, "peer.remote-ipv4");
	if (endpoint->family == AF_INET6 &&
	    !mnl_attr_put_check(nlh, size, BURROW_A_PEER_REMOTE_IPV6, 16, endpoint->addr.bytes))
		return burrow_nl_request_too_big(err, "peer.remote-ipv6");
	if (endpoint->family != AF_UNSPEC &&
	    !mnl_attr_put_u16_check(nlh, size, BURROW_A_PEER_REMOTE_PORT, endpoint->port))
		return burrow_nl_request_too_big(err, "peer.remote-port");
	if (config->endpoint_clear &&
	    !mnl_attr_put_check(nlh, size, BURROW_A_PEER_REMOTE_CLEAR, 0, NULL))
		return burrow_nl_request_too_big(err, "peer.remote-clear");
	if (config->endpoint_pinned_set &&
	    !mnl_attr_put_u8_check(nlh, size, BURROW_A_PEER_ENDPOINT_PINNED,
				   config->endpoint_pinned ? 1 : 0))
		return burrow_nl_request_too_big(err, "peer.endpoint-pinned");
	if (config->encap_set &&
	    !mnl_attr_put_u8_check(nlh, size, BURROW_A_PEER_ENCAP, config->encap))
		return burrow_nl_request_too_big(err, "peer.encap");
	if (config->local_cid_len &&
	    !mnl_attr_put_check(nlh, size, BURROW_A_PEER_LOCAL_CID, config->local_cid_len,
				config->local_cid))
		return burrow_nl_request_too_big(err, "peer.local-cid");
	if (config->remote_cid_len &&
	    !mnl_attr_put_check(nlh, size, BURROW_A_PEER_REMOTE_CID, config->remote_cid_len,
				config->remote_cid))
		return burrow_nl_request_too_big(err, "peer.remote-cid");
	if (config->keepalive_set &&
	    !mnl_attr_put_u16_check(nlh, size, BURROW_A_PEER_KEEPALIVE, config->keepalive))
		return burrow_nl_request_too_big(err, "peer.keepalive");
	if (config->inactivity_timeout_set &&
	    !mnl_attr_put_u32_check(nlh, size, BURROW_A_PEER_INACTIVITY_TIMEOUT,
				    config->inactivity_timeout))
		return burrow_nl_request_too_big(err, "peer.inactivity-timeout");
	if (config->allowed_ips_op_set &&
	    !mnl_attr_put_u8_check(nlh, size, BURROW_A_PEER_ALLOWED_IPS_OP,
				   config->allowed_ips_op))
		return burrow_nl_request_too_big(err, "peer.allowed-ips-op");
	if (config->relay_ticket_set &&
	    !mnl_attr_put_u32_check(nlh, size, BURROW_A_PEER_RELAY_TICKET, config->relay_ticket))
		return burrow_nl_request_too_big(err, "peer.relay-ticket");
	if (config->segments_set &&
	    !mnl_attr_put_check(nlh, size, BURROW_A_PEER_SEGMENTS, sizeof(config->segments),
				config->segments))
		return burrow_nl_request_too_big(err, "peer.segments");
	if (config->mac_limit_set &&
	    !mnl_attr_put_u32_check(nlh, size, BURROW_A_PEER_MAC_LIMIT, config->mac_limit))
		return burrow_nl_request_too_big(err, "peer.mac-limit");
	if (config->flood_rate_set &&
	    !mnl_attr_put_u32_check(nlh, size, BURROW_A_PEER_FLOOD_RATE, config->flood_rate))
		return burrow_nl_request_too_big(err, "peer.flood-rate");
	return 0;
}

/* The op of every request after the first: see burrow_nl_peer_request(). */
static uint8_t peer_continuation_op(const struct burrow_nl_peer_config *config)
{
	if (config->allowed_ips_op_set && config->allowed_ips_op == BURROW_ALLOWED_IPS_OP_REMOVE)
		return BURROW_ALLOWED_IPS_OP_REMOVE;
	return BURROW_ALLOWED_IPS_OP_ADD;
}

int burrow_nl_peer_request(void *buf, size_t size, uint16_t family_id, uint8_t cmd,
			   const struct burrow_nl_peer_config *config, size_t *next_ip,
			   struct burrow_nl_error *err)
{
	bool first = *next_ip == 0;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	size_t ip = *next_ip;
	int ret;

	if (cmd != BURROW_CMD_PEER_NEW && cmd != BURROW_CMD_PEER_SET)
		return burrow_nl_fail(err, -EINVAL, "command %u is not peer-new or peer-set", cmd);
	ret = peer_config_check(config, err);
	if (ret)
		return ret;
	if (!first && ip >= config->allowed_ips_count)
		return burrow_nl_fail(err, -EINVAL, "allowed-ip %zu is past the end of the list (%zu)",
				      ip, config->allowed_ips_count);

	nlh = burrow_nl_genl_request_start(buf, size, family_id,
					   first ? cmd : BURROW_CMD_PEER_SET,
					   BURROW_FAMILY_VERSION, NLM_F_REQUEST | NLM_F_ACK, err);
	if (!nlh)
		return -EMSGSIZE;
	ret = burrow_nl_dev_put_ref(nlh, size, &config->dev, err);
	if (ret)
		return ret;
	nest = mnl_attr_nest_start_check(nlh, size, BURROW_A_DEV_PEER);
	if (!nest)
		return burrow_nl_request_too_big(err, "dev.peer");
	if (!mnl_attr_put_u32_check(nlh, size, BURROW_A_PEER_ID, config->id))
		return burrow_nl_request_too_big(err, "peer.id");
	if (first) {
		ret = peer_put_settings(nlh, size, config, err);
		if (ret)
			return ret;
	} else if (!mnl_attr_put_u8_check(nlh, size, BURROW_A_PEER_ALLOWED_IPS_OP,
					  peer_continuation_op(config))) {
		return burrow_nl_request_too_big(err, "peer.allowed-ips-op");
	}

	for (; ip < config->allowed_ips_count; ip++) {
		char what[48];

		snprintf(what, sizeof(what), "allowed-ip %zu", ip);
		ret = burrow_nl_prefix_check(&config->allowed_ips[ip], what, err);
		if (ret)
			return ret;
		if (!burrow_nl_prefix_put(nlh, size, BURROW_A_PEER_ALLOWED_IP,
					  &config->allowed_ips[ip]))
			break;
	}
	if (ip == *next_ip && ip < config->allowed_ips_count)
		return burrow_nl_request_too_big(err, "peer.allowed-ip");
	mnl_attr_nest_end(nlh, nest);
	*next_ip = ip;
	return 0;
}

/* peer-del and peer-get (do): the device and a peer nest holding the id. */
static int peer_id_request(void *buf, size_t size, uint16_t family_id, uint8_t cmd,
			   const struct burrow_nl_dev_ref *dev, uint32_t id,
			   struct burrow_nl_error *err)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int ret;

	if (id == 0)
		return burrow_nl_fail(err, -EINVAL, "peer id 0 is reserved (ids start at 1)");
	nlh = burrow_nl_genl_request_start(buf, size, family_id, cmd, BURROW_FAMILY_VERSION,
					   NLM_F_REQUEST | NLM_F_ACK, err);
	if (!nlh)
		return -EMSGSIZE;
	ret = burrow_nl_dev_put_ref(nlh, size, dev, err);
	if (ret)
		return ret;
	nest = mnl_attr_nest_start_check(nlh, size, BURROW_A_DEV_PEER);
	if (!nest || !mnl_attr_put_u32_check(nlh, size, BURROW_A_PEER_ID, id))
		return burrow_nl_request_too_big(err, "peer.id");
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

int burrow_nl_peer_del_request(void *buf, size_t size, uint16_t family_id,
			       const struct burrow_nl_dev_ref *dev, uint32_t id,
			       struct burrow_nl_error *err)
{
	return peer_id_request(buf, size, family_id, BURROW_CMD_PEER_DEL, dev, id, err);
}

int burrow_nl_peer_get_request(void *buf, size_t size, uint16_t family_id,
			       const struct burrow_nl_dev_ref *dev, uint32_t id,
			       struct burrow_nl_error *err)
{
	return peer_id_request(buf, size, family_id, BURROW_CMD_PEER_GET, dev, id, err);
}

int burrow_nl_peer_dump_request(void *buf, size_t size, uint16_t family_id,
				const struct burrow_nl_dev_ref *dev,
				struct burrow_nl_error *err)
{
	struct nlmsghdr *nlh;

	nlh = burrow_nl_genl_request_start(buf, size, family_id, BURROW_CMD_PEER_GET,
					   BURROW_FAMILY_VERSION, NLM_F_REQUEST | NLM_F_DUMP, err);
	if (!nlh)
		return -EMSGSIZE;
	return burrow_nl_dev_put_ref(nlh, size, dev, err);
}

/* ---- replies ---------------------------------------------------------------- */

/* The top level of a peer-get reply. */
static const struct burrow_nl_attr_policy peer_reply_policy[BURROW_A_DEV_MAX + 1] = {
	[BURROW_A_DEV_IFINDEX] = { .name = "ifindex", .type = MNL_TYPE_U32 },
	[BURROW_A_DEV_PEER] = { .name = "peer", .type = MNL_TYPE_NESTED, .required = true },
};

static const struct burrow_nl_attr_set peer_reply_set = {
	.name = "dev",
	.max_type = BURROW_A_DEV_MAX,
	.policy = peer_reply_policy,
};

/*
 * Only the id is required of every message: a continuation may carry just
 * the id and allowed-ips. What else the first message of a peer needs is
 * in peer_first_required[].
 */
static const struct burrow_nl_attr_policy peer_policy[BURROW_A_PEER_MAX + 1] = {
	[BURROW_A_PEER_ID] = { .name = "id", .type = MNL_TYPE_U32, .required = true },
	[BURROW_A_PEER_TX_ID] = { .name = "tx-id", .type = MNL_TYPE_U32 },
	[BURROW_A_PEER_REMOTE_IPV4] = { .name = "remote-ipv4", .type = MNL_TYPE_BINARY, .len = 4 },
	[BURROW_A_PEER_REMOTE_IPV6] = {
		.name = "remote-ipv6", .type = MNL_TYPE_BINARY, .len = 16,
	},
	[BURROW_A_PEER_REMOTE_PORT] = { .name = "remote-port", .type = MNL_TYPE_U16 },
	[BURROW_A_PEER_ENDPOINT_PINNED] = { .name = "endpoint-pinned", .type = MNL_TYPE_U8 },
	[BURROW_A_PEER_ENCAP] = { .name = "encap", .type = MNL_TYPE_U8 },
	[BURROW_A_PEER_KEEPALIVE] = { .name = "keepalive", .type = MNL_TYPE_U16 },
	[BURROW_A_PEER_INACTIVITY_TIMEOUT] = { .name = "inactivity-timeout", .type = MNL_TYPE_U32 },
	[BURROW_A_PEER_ALLOWED_IP] = {
		.name = "allowed-ip", .type = MNL_TYPE_NESTED, .multi = true,
	},
	[BURROW_A_PEER_RX_BYTES] = { .name = "rx-bytes", .type = MNL_TYPE_U64 },
	[BURROW_A_PEER_RX_PACKETS] = { .name = "rx-packets", .type = MNL_TYPE_U64 },
	[BURROW_A_PEER_TX_BYTES] = { .name = "tx-bytes", .type = MNL_TYPE_U64 },
	[BURROW_A_PEER_TX_PACKETS] = { .name = "tx-packets", .type = MNL_TYPE_U64 },
	[BURROW_A_PEER_LAST_RX_MS_AGO] = { .name = "last-rx-ms-ago", .type = MNL_TYPE_U64 },
	[BURROW_A_PEER_EXPIRED] = { .name = "expired", .type = MNL_TYPE_FLAG },
	[BURROW_A_PEER_LOCAL_CID] = { .name = "local-cid", .type = MNL_TYPE_BINARY },
	[BURROW_A_PEER_REMOTE_CID] = { .name = "remote-cid", .type = MNL_TYPE_BINARY },
	[BURROW_A_PEER_TX_QUEUE_DROPS] = { .name = "tx-queue-drops", .type = MNL_TYPE_U64 },
	[BURROW_A_PEER_RX_QUEUE_DROPS] = { .name = "rx-queue-drops", .type = MNL_TYPE_U64 },
	[BURROW_A_PEER_RELAY_TICKET] = { .name = "relay-ticket", .type = MNL_TYPE_U32 },
	[BURROW_A_PEER_SEGMENTS] = {
		.name = "segments", .type = MNL_TYPE_BINARY, .len = BURROW_SEGMENTS_LEN,
	},
	[BURROW_A_PEER_MAC_LIMIT] = { .name = "mac-limit", .type = MNL_TYPE_U32 },
	[BURROW_A_PEER_FLOOD_RATE] = { .name = "flood-rate", .type = MNL_TYPE_U32 },
	[BURROW_A_PEER_MAC_COUNT] = { .name = "mac-count", .type = MNL_TYPE_U32 },
};

const struct burrow_nl_attr_set burrow_nl_peer_attrs = {
	.name = "peer",
	.max_type = BURROW_A_PEER_MAX,
	.policy = peer_policy,
};

static const uint16_t peer_first_required[] = {
	BURROW_A_PEER_TX_ID, BURROW_A_PEER_ENDPOINT_PINNED, BURROW_A_PEER_ENCAP,
	BURROW_A_PEER_RX_BYTES, BURROW_A_PEER_RX_PACKETS, BURROW_A_PEER_TX_BYTES,
	BURROW_A_PEER_TX_PACKETS,
};

void burrow_nl_peer_release(struct burrow_nl_peer *peer)
{
	if (!peer)
		return;
	free(peer->allowed_ips);
	peer->allowed_ips = NULL;
	peer->allowed_ips_count = 0;
}

void burrow_nl_peers_free(struct burrow_nl_peer *peers, size_t count)
{
	for (size_t i = 0; i < count; i++)
		burrow_nl_peer_release(&peers[i]);
	free(peers);
}

/*
 * attr if it is an allowed-ip, else the first allowed-ip after it and
 * before end; NULL when there is none. The nest was walked whole by
 * burrow_nl_attrs_parse_nested() already, so this is the same walk
 * without its checks' messages.
 */
static const struct nlattr *peer_allowed_ip_from(const struct nlattr *attr, const char *end)
{
	while (end - (const char *)attr >= (ptrdiff_t)sizeof(*attr) &&
	       attr->nla_len >= sizeof(*attr) && attr->nla_len <= end - (const char *)attr) {
		if ((attr->nla_type & NLA_TYPE_MASK) == BURROW_A_PEER_ALLOWED_IP)
			return attr;
		attr = (const struct nlattr *)((const char *)attr + MNL_ALIGN(attr->nla_len));
	}
	return NULL;
}

static const struct nlattr *peer_next_allowed_ip(const struct nlattr *attr, const char *end)
{
	return peer_allowed_ip_from((const struct nlattr *)((const char *)attr +
							    MNL_ALIGN(attr->nla_len)), end);
}

/*
 * Add the allowed-ip nests of a peer nest to peer->allowed_ips, starting
 * at first (the table's first allowed-ip; NULL when there is none): one
 * loop counts them, one parses them into an array of the right size.
 */
static int peer_append_allowed_ips(const struct nlattr *nest, const struct nlattr *first,
				   struct burrow_nl_peer *peer, struct burrow_nl_error *err)
{
	const char *end = (const char *)mnl_attr_get_payload(nest) + mnl_attr_get_payload_len(nest);
	struct burrow_nl_prefix *grown;
	const struct nlattr *attr;
	size_t found = 0;

	if (!first)
		return 0;
	for (attr = first; attr; attr = peer_next_allowed_ip(attr, end))
		found++;
	grown = reallocarray(peer->allowed_ips, peer->allowed_ips_count + found, sizeof(*grown));
	if (!grown)
		return burrow_nl_fail(err, -ENOMEM, "out of memory for %zu allowed-ips",
				      peer->allowed_ips_count + found);
	peer->allowed_ips = grown;
	for (attr = first; attr; attr = peer_next_allowed_ip(attr, end)) {
		int ret = burrow_nl_prefix_parse(attr, &peer->allowed_ips[peer->allowed_ips_count],
						 err);

		if (ret)
			return ret;
		peer->allowed_ips_count++;
	}
	return 0;
}

static int peer_parse_cid(const struct nlattr *attr, const char *name, uint8_t *cid,
			  uint8_t *len, struct burrow_nl_error *err)
{
	uint16_t got;

	*len = 0;
	if (!attr)
		return 0;
	got = mnl_attr_get_payload_len(attr);
	if (got < 1 || got > BURROW_CID_LEN_MAX)
		return burrow_nl_fail(err, -EBADMSG, "attribute peer.%s has length %u (1-%d)",
				      name, got, BURROW_CID_LEN_MAX);
	memcpy(cid, mnl_attr_get_payload(attr), got);
	*len = (uint8_t)got;
	return 0;
}

/* Everything but the allowed-ips of the first message of a peer. */
static int peer_parse_first(const struct nlattr *const *attrs, struct burrow_nl_peer *peer,
			    struct burrow_nl_error *err)
{
	int ret;

	for (size_t i = 0; i < sizeof(peer_first_required) / sizeof(peer_first_required[0]); i++) {
		if (!attrs[peer_first_required[i]])
			return burrow_nl_fail(err, -ENODATA, "missing attribute peer.%s",
					      peer_policy[peer_first_required[i]].name);
	}
	peer->tx_id = mnl_attr_get_u32(attrs[BURROW_A_PEER_TX_ID]);
	ret = burrow_nl_endpoint_parse(attrs, &peer->endpoint, false, err);
	if (ret)
		return ret;
	if (mnl_attr_get_u8(attrs[BURROW_A_PEER_ENDPOINT_PINNED]) > 1)
		return burrow_nl_fail(err, -EBADMSG,
				      "attribute peer.endpoint-pinned has unknown value %u (0-1)",
				      mnl_attr_get_u8(attrs[BURROW_A_PEER_ENDPOINT_PINNED]));
	peer->endpoint_pinned = mnl_attr_get_u8(attrs[BURROW_A_PEER_ENDPOINT_PINNED]);
	ret = burrow_nl_attr_get_enum(attrs[BURROW_A_PEER_ENCAP], "peer", "encap",
				      BURROW_ENCAP_QUIC + 1, &peer->encap, err);
	if (ret)
		return ret;
	if (attrs[BURROW_A_PEER_KEEPALIVE]) {
		peer->keepalive_set = true;
		peer->keepalive = mnl_attr_get_u16(attrs[BURROW_A_PEER_KEEPALIVE]);
	}
	if (attrs[BURROW_A_PEER_INACTIVITY_TIMEOUT]) {
		peer->inactivity_timeout_set = true;
		peer->inactivity_timeout = mnl_attr_get_u32(attrs[BURROW_A_PEER_INACTIVITY_TIMEOUT]);
	}
	peer->rx_bytes = mnl_attr_get_u64(attrs[BURROW_A_PEER_RX_BYTES]);
	peer->rx_packets = mnl_attr_get_u64(attrs[BURROW_A_PEER_RX_PACKETS]);
	peer->tx_bytes = mnl_attr_get_u64(attrs[BURROW_A_PEER_TX_BYTES]);
	peer->tx_packets = mnl_attr_get_u64(attrs[BURROW_A_PEER_TX_PACKETS]);
	/* Optional: a module from before the pipeline's queues has none. */
	if (attrs[BURROW_A_PEER_TX_QUEUE_DROPS])
		peer->tx_queue_drops = mnl_attr_get_u64(attrs[BURROW_A_PEER_TX_QUEUE_DROPS]);
	if (attrs[BURROW_A_PEER_RX_QUEUE_DROPS])
		peer->rx_queue_drops = mnl_attr_get_u64(attrs[BURROW_A_PEER_RX_QUEUE_DROPS]);
	if (attrs[BURROW_A_PEER_LAST_RX_MS_AGO]) {
		peer->last_rx_set = true;
		peer->last_rx_ms_ago = mnl_attr_get_u64(attrs[BURROW_A_PEER_LAST_RX_MS_AGO]);
	}
	peer->expired = attrs[BURROW_A_PEER_EXPIRED] != NULL;
	if (attrs[BURROW_A_PEER_RELAY_TICKET])
		peer->relay_ticket = mnl_attr_get_u32(attrs[BURROW_A_PEER_RELAY_TICKET]);
	/* An l2 device's peers carry all four. */
	if (attrs[BURROW_A_PEER_SEGMENTS]) {
		peer->l2 = true;
		memcpy(peer->segments, mnl_attr_get_payload(attrs[BURROW_A_PEER_SEGMENTS]),
		       sizeof(peer->segments));
	}
	if (attrs[BURROW_A_PEER_MAC_LIMIT])
		peer->mac_limit = mnl_attr_get_u32(attrs[BURROW_A_PEER_MAC_LIMIT]);
	if (attrs[BURROW_A_PEER_FLOOD_RATE])
		peer->flood_rate = mnl_attr_get_u32(attrs[BURROW_A_PEER_FLOOD_RATE]);
	if (attrs[BURROW_A_PEER_MAC_COUNT])
		peer->mac_count = mnl_attr_get_u32(attrs[BURROW_A_PEER_MAC_COUNT]);
	ret = peer_parse_cid(attrs[BURROW_A_PEER_LOCAL_CID], "local-cid", peer->local_cid,
			     &peer->local_cid_len, err);
	if (ret)
		return ret;
	return peer_parse_cid(attrs[BURROW_A_PEER_REMOTE_CID], "remote-cid", peer->remote_cid,
			      &peer->remote_cid_len, err);
}

static int peer_list_grow(struct burrow_nl_peer_list *list, struct burrow_nl_error *err)
{
	size_t capacity;
	struct burrow_nl_peer *peers;

	if (list->count < list->capacity)
		return 0;
	capacity = list->capacity ? 2 * list->capacity : 8;
	peers = reallocarray(list->peers, capacity, sizeof(*peers));
	if (!peers)
		return burrow_nl_fail(err, -ENOMEM, "out of memory for %zu peers", capacity);
	list->peers = peers;
	list->capacity = capacity;
	return 0;
}

int burrow_nl_peer_list_add(struct burrow_nl_peer_list *list, const struct nlmsghdr *nlh,
			    struct burrow_nl_error *err)
{
	const struct nlattr *top[BURROW_A_DEV_MAX + 1];
	const struct nlattr *attrs[BURROW_A_PEER_MAX + 1];
	struct burrow_nl_peer *peer;
	uint32_t id;
	int ret;

	ret = burrow_nl_genl_reply_check(nlh, BURROW_CMD_PEER_GET, "peer-get", err);
	if (ret)
		return ret;
	ret = burrow_nl_attrs_parse(nlh, GENL_HDRLEN, &peer_reply_set, top, err);
	if (ret)
		return ret;
	ret = burrow_nl_attrs_parse_nested(top[BURROW_A_DEV_PEER], &burrow_nl_peer_attrs, attrs,
					   err);
	if (ret)
		return ret;
	id = mnl_attr_get_u32(attrs[BURROW_A_PEER_ID]);
	if (id == 0)
		return burrow_nl_fail(err, -EBADMSG, "attribute peer.id is 0");

	/* The same id as the message before: more allowed-ips of that peer. */
	if (list->count && list->peers[list->count - 1].id == id)
		return peer_append_allowed_ips(top[BURROW_A_DEV_PEER],
					       attrs[BURROW_A_PEER_ALLOWED_IP],
					       &list->peers[list->count - 1], err);

	if (!top[BURROW_A_DEV_IFINDEX])
		return burrow_nl_fail(err, -ENODATA, "missing attribute dev.ifindex");
	/* Parsed in place, past the end of the list until it is whole. */
	ret = peer_list_grow(list, err);
	if (ret)
		return ret;
	peer = &list->peers[list->count];
	memset(peer, 0, sizeof(*peer));
	peer->id = id;
	ret = peer_parse_first(attrs, peer, err);
	if (ret == 0)
		ret = peer_append_allowed_ips(top[BURROW_A_DEV_PEER], attrs[BURROW_A_PEER_ALLOWED_IP],
					      peer, err);
	if (ret) {
		burrow_nl_peer_release(peer);
		return ret;
	}
	list->count++;
	return 0;
}

static int peer_compare_ids(const void *a, const void *b)
{
	const struct burrow_nl_peer *peer_a = a, *peer_b = b;

	return (peer_a->id > peer_b->id) - (peer_a->id < peer_b->id);
}

int burrow_nl_peer_list_finish(struct burrow_nl_peer_list *list, struct burrow_nl_error *err)
{
	size_t sorted = 1;

	/*
	 * The kernel dumps peers in the order they were added, which is id
	 * order when a controller adds them so: qsort() of 100,000 peers of
	 * 700 bytes each is not free even when there is nothing to move.
	 */
	while (sorted < list->count && list->peers[sorted - 1].id < list->peers[sorted].id)
		sorted++;
	if (sorted < list->count)
		qsort(list->peers, list->count, sizeof(*list->peers), peer_compare_ids);
	for (size_t i = 1; i < list->count; i++) {
		if (list->peers[i].id == list->peers[i - 1].id)
			return burrow_nl_fail(err, -EPROTO,
					      "peer %u appears twice in the reply, apart",
					      list->peers[i].id);
	}
	return 0;
}

void burrow_nl_peer_list_release(struct burrow_nl_peer_list *list)
{
	burrow_nl_peers_free(list->peers, list->count);
	*list = (struct burrow_nl_peer_list){ 0 };
}

/* ---- operations ------------------------------------------------------------- */

/* Prefix the failure of a part of a split request with which part it was. */
static void peer_name_part(struct burrow_nl *nl, unsigned int part, size_t first_ip,
			   size_t count)
{
	char message[2 * BURROW_NL_ERROR_MESSAGE_SIZE];

	snprintf(message, sizeof(message), "part %u (allowed-ips from %zu of %zu): %s", part,
		 first_ip, count, nl->last_error.message[0] ? nl->last_error.message : "failed");
	memcpy(nl->last_error.message, message, BURROW_NL_ERROR_MESSAGE_SIZE - 1);
	nl->last_error.message[BURROW_NL_ERROR_MESSAGE_SIZE - 1] = '\0';
}

static int peer_change(struct burrow_nl *nl, uint8_t cmd,
		       const struct burrow_nl_peer_config *config)
{
	unsigned int part = 0;
	size_t next_ip = 0;
	bool split = false;
	int ret;

	do {
		size_t first_ip = next_ip;

		burrow_nl_error_clear(&nl->last_error);
		ret = burrow_nl_peer_request(nl->request, sizeof(nl->request), nl->family.id, cmd,
					     config, &next_ip, &nl->last_error);
		part++;
		if (ret == 0) {
			split = split || next_ip < config->allowed_ips_count;
			ret = burrow_nl_transact(nl, NULL, NULL);
		}
		if (ret) {
			if (split)
				peer_name_part(nl, part, first_ip, config->allowed_ips_count);
			return ret;
		}
	} while (next_ip < config->allowed_ips_count);
	return 0;
}

int burrow_nl_peer_new(struct burrow_nl *nl, const struct burrow_nl_peer_config *config)
{
	return peer_change(nl, BURROW_CMD_PEER_NEW, config);
}

int burrow_nl_peer_set(struct burrow_nl *nl, const struct burrow_nl_peer_config *config)
{
	return peer_change(nl, BURROW_CMD_PEER_SET, config);
}

int burrow_nl_peer_del(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev, uint32_t id)
{
	int ret;

	burrow_nl_error_clear(&nl->last_error);
	ret = burrow_nl_peer_del_request(nl->request, sizeof(nl->request), nl->family.id, dev,
					 id, &nl->last_error);
	if (ret)
		return ret;
	return burrow_nl_transact(nl, NULL, NULL);
}

static int peer_list_collect(const struct nlmsghdr *nlh, void *list, struct burrow_nl_error *err)
{
	return burrow_nl_peer_list_add(list, nlh, err);
}

int burrow_nl_peer_get(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev, uint32_t id,
		       struct burrow_nl_peer *peer)
{
	struct burrow_nl_peer_list list = { 0 };
	int ret;

	burrow_nl_error_clear(&nl->last_error);
	ret = burrow_nl_peer_get_request(nl->request, sizeof(nl->request), nl->family.id, dev,
					 id, &nl->last_error);
	if (ret)
		return ret;
	ret = burrow_nl_transact(nl, peer_list_collect, &list);
	if (ret == 0 && list.count == 0)
		ret = burrow_nl_fail(&nl->last_error, -EPROTO,
				     "kernel acknowledged peer-get without a reply");
	else if (ret == 0 && list.count > 1)
		ret = burrow_nl_fail(&nl->last_error, -EPROTO, "more than one peer-get reply");
	else if (ret == 0 && list.peers[0].id != id)
		ret = burrow_nl_fail(&nl->last_error, -EPROTO,
				     "peer-get for peer %u answered with peer %u", id,
				     list.peers[0].id);
	if (ret) {
		burrow_nl_peer_list_release(&list);
		return ret;
	}
	*peer = list.peers[0];
	free(list.peers);
	return 0;
}

int burrow_nl_peer_dump(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
			struct burrow_nl_peer **peers, size_t *count)
{
	int ret;

	*peers = NULL;
	*count = 0;
	for (int attempt = 1;; attempt++) {
		struct burrow_nl_peer_list list = { 0 };

		burrow_nl_error_clear(&nl->last_error);
		ret = burrow_nl_peer_dump_request(nl->request, sizeof(nl->request), nl->family.id,
						  dev, &nl->last_error);
		if (ret)
			return ret;
		ret = burrow_nl_transact(nl, peer_list_collect, &list);
		if (ret == 0)
			ret = burrow_nl_peer_list_finish(&list, &nl->last_error);
		if (ret == 0) {
			*peers = list.peers;
			*count = list.count;
			return 0;
		}
		burrow_nl_peer_list_release(&list);
		if (ret != -EINTR || nl->last_error.from_kernel)
			return ret;
		if (attempt == BURROW_NL_DUMP_ATTEMPTS)
			return burrow_nl_fail(&nl->last_error, -EINTR,
					      "peers kept changing during the dump (%d attempts)",
					      attempt);
	}
}
