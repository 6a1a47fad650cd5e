// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/*
 * libburrow-nl: events, the *-ntf commands the kernel multicasts to the
 * "events" group. A subscribed context reads datagrams into its reply
 * buffer and hands out one event per call.
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "burrow-nl-internal.h"
#include "linux/burrow.h"

const char *burrow_nl_event_name(uint8_t type)
{
	switch (type) {
	case BURROW_CMD_PEER_EXPIRED_NTF:
		return "peer-expired";
	case BURROW_CMD_ENDPOINT_CHANGED_NTF:
		return "endpoint-changed";
	case BURROW_CMD_KEY_SOFT_LIMIT_NTF:
		return "key-soft-limit";
	case BURROW_CMD_KEY_HARD_LIMIT_NTF:
		return "key-hard-limit";
	default:
		return NULL;
	}
}

/* ---- parsing ---------------------------------------------------------------- */

static const struct burrow_nl_attr_policy event_policy[BURROW_A_DEV_MAX + 1] = {
	[BURROW_A_DEV_IFINDEX] = { .name = "ifindex", .type = MNL_TYPE_U32, .required = true },
	[BURROW_A_DEV_PEER] = { .name = "peer", .type = MNL_TYPE_NESTED },
	[BURROW_A_DEV_KEYCONF] = { .name = "keyconf", .type = MNL_TYPE_NESTED },
};

static const struct burrow_nl_attr_set event_set = {
	.name = "dev",
	.max_type = BURROW_A_DEV_MAX,
	.policy = event_policy,
};

static const struct burrow_nl_attr_policy event_keyconf_policy[BURROW_A_KEYCONF_MAX + 1] = {
	[BURROW_A_KEYCONF_PEER_ID] = { .name = "peer-id", .type = MNL_TYPE_U32, .required = true },
	[BURROW_A_KEYCONF_SLOT] = { .name = "slot", .type = MNL_TYPE_U8, .required = true },
	[BURROW_A_KEYCONF_KEY_ID] = { .name = "key-id", .type = MNL_TYPE_U8, .required = true },
	[BURROW_A_KEYCONF_LIMIT_REACHED] = {
		.name = "limit-reached", .type = MNL_TYPE_U8, .required = true,
	},
};

static const struct burrow_nl_attr_set event_keyconf_set = {
	.name = "keyconf",
	.max_type = BURROW_A_KEYCONF_MAX,
	.policy = event_keyconf_policy,
};

static int event_parse_peer(const struct nlattr *nest, uint8_t type,
			    struct burrow_nl_event *event, struct burrow_nl_error *err)
{
	const struct nlattr *attrs[BURROW_A_PEER_MAX + 1];
	int ret;

	if (!nest)
		return burrow_nl_fail(err, -ENODATA, "missing attribute dev.peer");
	ret = burrow_nl_attrs_parse_nested(nest, &burrow_nl_peer_attrs, attrs, err);
	if (ret)
		return ret;
	event->peer_id = mnl_attr_get_u32(attrs[BURROW_A_PEER_ID]);
	if (event->peer_id == 0)
		return burrow_nl_fail(err, -EBADMSG, "attribute peer.id is 0");
	if (type == BURROW_CMD_ENDPOINT_CHANGED_NTF)
		return burrow_nl_endpoint_parse(attrs, &event->endpoint, true, err);
	return 0;
}

static int event_parse_key(const struct nlattr *nest, struct burrow_nl_event *event,
			   struct burrow_nl_error *err)
{
	const struct nlattr *attrs[BURROW_A_KEYCONF_MAX + 1];
	int ret;

	if (!nest)
		return burrow_nl_fail(err, -ENODATA, "missing attribute dev.keyconf");
	ret = burrow_nl_attrs_parse_nested(nest, &event_keyconf_set, attrs, err);
	if (ret)
		return ret;
	event->peer_id = mnl_attr_get_u32(attrs[BURROW_A_KEYCONF_PEER_ID]);
	if (event->peer_id == 0)
		return burrow_nl_fail(err, -EBADMSG, "attribute keyconf.peer-id is 0");
	ret = burrow_nl_attr_get_enum(attrs[BURROW_A_KEYCONF_SLOT], "keyconf", "slot",
				      BURROW_KEY_SLOT_MAX + 1, &event->slot, err);
	if (ret == 0)
		ret = burrow_nl_attr_get_enum(attrs[BURROW_A_KEYCONF_LIMIT_REACHED], "keyconf",
					      "limit-reached", BURROW_KEY_LIMIT_HARD + 1,
					      &event->limit_reached, err);
	event->key_id = mnl_attr_get_u8(attrs[BURROW_A_KEYCONF_KEY_ID]);
	return ret;
}

int burrow_nl_event_parse(const struct nlmsghdr *nlh, struct burrow_nl_event *event,
			  struct burrow_nl_error *err)
{
	const struct nlattr *attrs[BURROW_A_DEV_MAX + 1];
	struct burrow_nl_event parsed = { 0 };
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	int ret;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN || mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl))
		return burrow_nl_fail(err, -EBADMSG,
				      "truncated event: %u bytes, no room for the genetlink header",
				      nlh->nlmsg_len);
	if (!burrow_nl_event_name(genl->cmd))
		return burrow_nl_fail(err, -EOPNOTSUPP, "command %u is not a known event",
				      genl->cmd);
	ret = burrow_nl_attrs_parse(nlh, GENL_HDRLEN, &event_set, attrs, err);
	if (ret)
		return ret;
	parsed.type = genl->cmd;
	parsed.ifindex = mnl_attr_get_u32(attrs[BURROW_A_DEV_IFINDEX]);
	if (parsed.ifindex == 0)
		return burrow_nl_fail(err, -EBADMSG, "attribute dev.ifindex is 0");
	switch (parsed.type) {
	case BURROW_CMD_PEER_EXPIRED_NTF:
	case BURROW_CMD_ENDPOINT_CHANGED_NTF:
		ret = event_parse_peer(attrs[BURROW_A_DEV_PEER], parsed.type, &parsed, err);
		break;
	default:
		ret = event_parse_key(attrs[BURROW_A_DEV_KEYCONF], &parsed, err);
		break;
	}
	if (ret)
		return ret;
	*event = parsed;
	return 0;
}

/* ---- the socket ------------------------------------------------------------- */

int burrow_nl_events_subscribe(struct burrow_nl *nl)
{
	unsigned int group = nl->family.events_group;

	burrow_nl_error_clear(&nl->last_error);
	if (!group)
		return burrow_nl_fail(&nl->last_error, -ENOENT,
				      "family '%s' has no '%s' multicast group", BURROW_FAMILY_NAME,
				      BURROW_MCGRP_EVENTS);
	if (mnl_socket_setsockopt(nl->socket, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
		int code = -errno;

		return burrow_nl_fail(&nl->last_error, code, "cannot join the '%s' group: %s",
				      BURROW_MCGRP_EVENTS, strerror(-code));
	}
	nl->events = true;
	nl->event_offset = 0;
	nl->event_len = 0;
	return 0;
}

int burrow_nl_events_fd(const struct burrow_nl *nl)
{
	return mnl_socket_get_fd(nl->socket);
}

bool burrow_nl_event_pending(const struct burrow_nl *nl)
{
	return nl->events && nl->event_offset < nl->event_len;
}

/*
 * Receive one datagram into nl->reply. Datagrams that do not come from the
 * kernel (any local process can send to our port) are dropped. Returns 1
 * when one was stored, 0 when one was dropped, or a negative errno.
 */
static int event_receive_datagram(struct burrow_nl *nl)
{
	struct sockaddr_nl from;
	struct iovec iov = { .iov_base = nl->reply, .iov_len = sizeof(nl->reply) };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t len;
	int code;

	len = recvmsg(mnl_socket_get_fd(nl->socket), &msg, 0);
	if (len < 0) {
		code = -errno;
		if (code == -EAGAIN || code == -EWOULDBLOCK)
			return -EAGAIN;
		if (code == -EINTR)
			return -EINTR;
		if (code == -ENOBUFS)
			return burrow_nl_fail(&nl->last_error, -ENOBUFS,
					      "events were lost: the socket's receive buffer overflowed");
		return burrow_nl_fail(&nl->last_error, code, "cannot receive events: %s",
				      strerror(-code));
	}
	if (msg.msg_flags & MSG_TRUNC)
		return burrow_nl_fail(&nl->last_error, -EMSGSIZE,
				      "event datagram larger than %zu bytes", sizeof(nl->reply));
	if (msg.msg_namelen != sizeof(from) || from.nl_family != AF_NETLINK || from.nl_pid != 0)
		return 0;
	code = burrow_nl_reply_check_framing(nl->reply, (size_t)len, &nl->last_error);
	if (code)
		return code;
	nl->event_offset = 0;
	nl->event_len = (size_t)len;
	return 1;
}

int burrow_nl_event_receive(struct burrow_nl *nl, struct burrow_nl_event *event)
{
	burrow_nl_error_clear(&nl->last_error);
	if (!nl->events)
		return burrow_nl_fail(&nl->last_error, -EINVAL,
				      "not subscribed to events (burrow_nl_events_subscribe)");
	for (;;) {
		const struct nlmsghdr *nlh;
		int ret;

		if (nl->event_offset >= nl->event_len) {
			nl->event_offset = nl->event_len = 0;
			ret = event_receive_datagram(nl);
			if (ret < 0)
				return ret;
			continue;
		}
		/* Framing was checked: every message is whole, padding included. */
		nlh = (const struct nlmsghdr *)(nl->reply + nl->event_offset);
		nl->event_offset += MNL_ALIGN(nlh->nlmsg_len);
		if (nlh->nlmsg_type != nl->family.id)
			continue;
		ret = burrow_nl_event_parse(nlh, event, &nl->last_error);
		if (ret == -EOPNOTSUPP) {
			burrow_nl_error_clear(&nl->last_error);
			continue;
		}
		return ret;
	}
}
