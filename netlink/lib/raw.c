// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/*
 * libburrow-nl: sending a request built outside the library, for tests of
 * the kernel's validation (tools/burrow-nl-raw). Replies are counted, not
 * parsed: the point is the kernel's answer, an errno and an extack message.
 */

#include <errno.h>

#include "burrow-nl-internal.h"

static int raw_count_reply(const struct nlmsghdr *nlh, void *replies,
			   struct burrow_nl_error *err)
{
	(void)nlh;
	(void)err;
	++*(unsigned int *)replies;
	return 0;
}

int burrow_nl_request_raw(struct burrow_nl *nl, void *msg, size_t len, unsigned int *replies)
{
	struct nlmsghdr *nlh = msg;

	*replies = 0;
	burrow_nl_error_clear(&nl->last_error);
	if (len < MNL_NLMSG_HDRLEN + GENL_HDRLEN || len > UINT32_MAX || nlh->nlmsg_len != len)
		return burrow_nl_fail(&nl->last_error, -EINVAL,
				      "raw request of %zu bytes is not one genetlink message", len);
	nlh->nlmsg_type = nl->family.id;
	nlh->nlmsg_flags |= NLM_F_REQUEST;
	if ((nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	return burrow_nl_transact_msg(nl, nlh, raw_count_reply, replies);
}
