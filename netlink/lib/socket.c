// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/* libburrow-nl: the context, its socket, and request/reply exchanges. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "burrow-nl-internal.h"
#include "linux/burrow.h"

const char *burrow_nl_last_error(const struct burrow_nl *nl)
{
	return nl->last_error.message;
}

bool burrow_nl_last_error_from_kernel(const struct burrow_nl *nl)
{
	return nl->last_error.from_kernel;
}

uint16_t burrow_nl_family_id(const struct burrow_nl *nl)
{
	return nl->family.id;
}

uint32_t burrow_nl_events_group(const struct burrow_nl *nl)
{
	return nl->family.events_group;
}

static int socket_fail(struct burrow_nl *nl, const char *what)
{
	int code = -errno;

	return burrow_nl_fail(&nl->last_error, code, "%s: %s", what, strerror(-code));
}

int burrow_nl_transact(struct burrow_nl *nl, burrow_nl_parse_fn parse, void *arg)
{
	return burrow_nl_transact_msg(nl, (struct nlmsghdr *)nl->request, parse, arg);
}

int burrow_nl_transact_msg(struct burrow_nl *nl, struct nlmsghdr *request,
			   burrow_nl_parse_fn parse, void *arg)
{
	int result = 0;

	/* Its replies would be mixed with events, which have no sequence number. */
	if (nl->events)
		return burrow_nl_fail(&nl->last_error, -EINVAL,
				      "this context receives events; open another for requests");
	/* Sequence number 0 would switch off libmnl's sequence check. */
	if (++nl->seq == 0)
		++nl->seq;
	request->nlmsg_seq = nl->seq;
	if (mnl_socket_sendto(nl->socket, request, request->nlmsg_len) < 0)
		return socket_fail(nl, "cannot send the request");

	/*
	 * After a failure, keep reading to the reply's last message: a dump
	 * left half-read would make the kernel refuse the next one (EBUSY).
	 */
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(nl->socket, nl->reply, sizeof(nl->reply));

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return socket_fail(nl, "cannot receive the reply");
		}
		if (result == 0) {
			int ret = burrow_nl_reply_process(nl->reply, len, nl->seq, nl->portid,
							  request->nlmsg_type, parse, arg,
							  &nl->last_error);
			if (ret == 0)
				return 0;
			if (ret > 0)
				continue;
			result = ret;
		}
		if (burrow_nl_reply_is_final(nl->reply, len, nl->seq))
			return result;
	}
}

struct single_reply {
	const char *op_name;
	burrow_nl_parse_fn parse;
	void *arg;
	unsigned int count;
};

static int single_reply_parse(const struct nlmsghdr *nlh, void *arg,
			      struct burrow_nl_error *err)
{
	struct single_reply *reply = arg;

	if (reply->count++)
		return burrow_nl_fail(err, -EPROTO, "more than one %s reply", reply->op_name);
	return reply->parse(nlh, reply->arg, err);
}

int burrow_nl_transact_single(struct burrow_nl *nl, const char *op_name,
			      burrow_nl_parse_fn parse, void *arg)
{
	struct single_reply reply = { .op_name = op_name, .parse = parse, .arg = arg };
	int ret;

	ret = burrow_nl_transact(nl, single_reply_parse, &reply);
	if (ret)
		return ret;
	if (!reply.count)
		return burrow_nl_fail(&nl->last_error, -EPROTO,
				      "kernel acknowledged %s without a reply", op_name);
	return 0;
}

static int family_reply_parse(const struct nlmsghdr *nlh, void *family,
			      struct burrow_nl_error *err)
{
	return burrow_nl_family_parse(nlh, BURROW_FAMILY_NAME, family, err);
}

static int resolve_family(struct burrow_nl *nl)
{
	int ret;

	ret = burrow_nl_family_request(nl->request, sizeof(nl->request), BURROW_FAMILY_NAME,
				       &nl->last_error);
	if (ret)
		return ret;
	ret = burrow_nl_transact_single(nl, "ctrl getfamily", family_reply_parse, &nl->family);
	if (ret == -ENOENT && nl->last_error.from_kernel)
		return burrow_nl_fail(&nl->last_error, -ENOENT,
				      "generic netlink family '%s' not found (is burrow.ko loaded?)",
				      BURROW_FAMILY_NAME);
	return ret;
}

/* Ask for extack messages, and for acks without a copy of the request. */
static int enable_extended_acks(struct burrow_nl *nl)
{
	int one = 1;

	if (mnl_socket_setsockopt(nl->socket, NETLINK_EXT_ACK, &one, sizeof(one)) < 0)
		return socket_fail(nl, "cannot enable NETLINK_EXT_ACK");
	if (mnl_socket_setsockopt(nl->socket, NETLINK_CAP_ACK, &one, sizeof(one)) < 0)
		return socket_fail(nl, "cannot enable NETLINK_CAP_ACK");
	return 0;
}

int burrow_nl_open(struct burrow_nl **out)
{
	struct burrow_nl *nl;
	int ret;

	*out = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->socket = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->socket) {
		ret = -errno;
		goto err_free;
	}
	if (mnl_socket_bind(nl->socket, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto err_close;
	}
	nl->portid = mnl_socket_get_portid(nl->socket);
	ret = enable_extended_acks(nl);
	if (ret)
		goto err_close;
	ret = resolve_family(nl);
	if (ret)
		goto err_close;
	*out = nl;
	return 0;

err_close:
	mnl_socket_close(nl->socket);
err_free:
	free(nl);
	return ret;
}

void burrow_nl_close(struct burrow_nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->socket);
	free(nl);
}
