// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/* libburrow-nl: generic netlink headers of requests and replies. */

#include <errno.h>

#include "burrow-nl-internal.h"

struct nlmsghdr *burrow_nl_genl_request_start(void *buf, size_t size, uint16_t family_id,
					      uint8_t cmd, uint8_t version, uint16_t flags,
					      struct burrow_nl_error *err)
{
	struct genlmsghdr *genl;
	struct nlmsghdr *nlh;

	if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*genl))) {
		burrow_nl_fail(err, -EMSGSIZE, "request buffer of %zu bytes is too small", size);
		return NULL;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = family_id;
	nlh->nlmsg_flags = flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

int burrow_nl_request_too_big(struct burrow_nl_error *err, const char *attr_name)
{
	return burrow_nl_fail(err, -EMSGSIZE, "request buffer too small for attribute %s",
			      attr_name);
}

int burrow_nl_genl_reply_check(const struct nlmsghdr *nlh, uint8_t cmd, const char *op_name,
			       struct burrow_nl_error *err)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl))
		return burrow_nl_fail(err, -EBADMSG,
				      "truncated %s reply: %u bytes, no room for the genetlink header",
				      op_name, nlh->nlmsg_len);
	if (genl->cmd != cmd)
		return burrow_nl_fail(err, -EPROTO, "%s reply has command %u, expected %u",
				      op_name, genl->cmd, cmd);
	return 0;
}
