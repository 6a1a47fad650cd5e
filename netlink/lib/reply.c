// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/*
 * libburrow-nl: one received buffer of replies. mnl_cb_run2() checks port
 * id, sequence number and NLM_F_DUMP_INTR and dispatches. This file adds a
 * framing check before it (a buffer must be whole messages, and libmnl
 * trusts nlmsg_len too far, see reply_message_size()), and reads the
 * kernel's error code and extack message out of NLMSG_ERROR and NLMSG_DONE,
 * which libmnl's default handlers drop.
 */

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "burrow-nl-internal.h"

struct reply_context {
	uint16_t msg_type;
	burrow_nl_parse_fn parse;
	void *arg;
	struct burrow_nl_error *err;
	int code;	/* our callbacks' error; 0 when libmnl itself failed */
};

static int reply_fail(struct reply_context *ctx, int code)
{
	ctx->code = code;
	return MNL_CB_ERROR;
}

static int reply_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply_context *ctx = data;

	if (nlh->nlmsg_type != ctx->msg_type)
		return reply_fail(ctx, burrow_nl_fail(ctx->err, -EPROTO,
						      "reply of message type %u, expected %u",
						      nlh->nlmsg_type, ctx->msg_type));
	if (!ctx->parse)
		return reply_fail(ctx, burrow_nl_fail(ctx->err, -EPROTO,
						      "unexpected data reply to a request that has none"));
	ctx->code = ctx->parse(nlh, ctx->arg, ctx->err);
	return ctx->code ? MNL_CB_ERROR : MNL_CB_OK;
}

static const struct burrow_nl_attr_policy extack_policy[NLMSGERR_ATTR_MAX + 1] = {
	[NLMSGERR_ATTR_MSG] = { .name = "msg", .type = MNL_TYPE_NUL_STRING },
};

static const struct burrow_nl_attr_set extack_set = {
	.name = "extack",
	.max_type = NLMSGERR_ATTR_MAX,
	.policy = extack_policy,
};

/*
 * Report the kernel's error code with the extack message that follows
 * tlv_offset bytes into nlh's payload, if the kernel sent one. A damaged
 * extack area costs the message, never the kernel's code.
 */
static int reply_kernel_error(struct reply_context *ctx, const struct nlmsghdr *nlh,
			      int error, size_t tlv_offset)
{
	const struct nlattr *extack[NLMSGERR_ATTR_MAX + 1];
	struct burrow_nl_error scratch;

	if (error > 0)
		return reply_fail(ctx, burrow_nl_fail(ctx->err, -EBADMSG,
						      "kernel error reply with positive code %d",
						      error));
	burrow_nl_error_clear(ctx->err);
	ctx->err->from_kernel = true;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && tlv_offset <= mnl_nlmsg_get_payload_len(nlh) &&
	    burrow_nl_attrs_parse(nlh, tlv_offset, &extack_set, extack, &scratch) == 0 &&
	    extack[NLMSGERR_ATTR_MSG])
		burrow_nl_attr_copy_string(ctx->err->message, sizeof(ctx->err->message),
					   extack[NLMSGERR_ATTR_MSG]);
	return reply_fail(ctx, error);
}

/* NLMSG_ERROR: an ack (error 0) ends a do; anything else is the kernel's refusal. */
static int reply_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply_context *ctx = data;
	const struct nlmsgerr *nlerr = mnl_nlmsg_get_payload(nlh);
	size_t tlv_offset = sizeof(*nlerr);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nlerr))
		return reply_fail(ctx, burrow_nl_fail(ctx->err, -EBADMSG,
						      "truncated error reply (%u bytes)",
						      nlh->nlmsg_len));
	if (nlerr->error == 0)
		return MNL_CB_STOP;
	/* Without NETLINK_CAP_ACK the request's payload sits before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (nlerr->msg.nlmsg_len < MNL_NLMSG_HDRLEN)
			tlv_offset = SIZE_MAX;
		else
			tlv_offset += nlerr->msg.nlmsg_len - MNL_NLMSG_HDRLEN;
	}
	return reply_kernel_error(ctx, nlh, nlerr->error, tlv_offset);
}

/* NLMSG_DONE ends a dump; its int is 0, or the error that cut the dump short. */
static int reply_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply_context *ctx = data;
	int error;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(error))
		return reply_fail(ctx, burrow_nl_fail(ctx->err, -EBADMSG,
						      "truncated NLMSG_DONE (%u bytes)",
						      nlh->nlmsg_len));
	memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(error));
	if (error == 0)
		return MNL_CB_STOP;
	return reply_kernel_error(ctx, nlh, error, sizeof(error));
}

/* Not const: mnl_cb_run2() takes a non-const array. */
static mnl_cb_t reply_control_callbacks[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = reply_error_cb,
	[NLMSG_DONE] = reply_done_cb,
};

/*
 * Size of the message at offset, padding included, or 0 when the bytes
 * there are not one whole message. Checked here, not with mnl_nlmsg_ok():
 * that casts nlmsg_len to int, so it accepts lengths of 2 GiB and more and
 * mnl_nlmsg_next() then leaves the buffer.
 */
static size_t reply_message_size(const void *buf, size_t len, size_t offset)
{
	const struct nlmsghdr *nlh = (const void *)((const char *)buf + offset);
	size_t remaining = len - offset;
	size_t size;

	if (remaining < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) ||
	    nlh->nlmsg_len > remaining)
		return 0;
	size = MNL_ALIGN((size_t)nlh->nlmsg_len);
	return size <= remaining ? size : 0;
}

int burrow_nl_reply_check_framing(const void *buf, size_t len, struct burrow_nl_error *err)
{
	size_t offset = 0;

	if (len == 0)
		return burrow_nl_fail(err, -EBADMSG, "empty reply");
	if (len > INT_MAX)
		return burrow_nl_fail(err, -EMSGSIZE, "reply of %zu bytes is too big", len);
	while (offset < len) {
		size_t size = reply_message_size(buf, len, offset);

		if (size == 0)
			return burrow_nl_fail(err, -EBADMSG,
					      "truncated netlink message at offset %zu of a %zu-byte reply",
					      offset, len);
		offset += size;
	}
	return 0;
}

int burrow_nl_reply_process(const void *buf, size_t len, uint32_t seq, uint32_t portid,
			    uint16_t msg_type, burrow_nl_parse_fn parse, void *arg,
			    struct burrow_nl_error *err)
{
	struct burrow_nl_error scratch;
	struct reply_context ctx = {
		.msg_type = msg_type, .parse = parse, .arg = arg, .err = err ? err : &scratch,
	};
	int ret;

	err = ctx.err;
	ret = burrow_nl_reply_check_framing(buf, len, err);
	if (ret)
		return ret;
	ret = mnl_cb_run2(buf, len, seq, portid, reply_data_cb, &ctx,
			  reply_control_callbacks, NLMSG_MIN_TYPE);
	if (ret >= 0)
		return ret == MNL_CB_STOP ? 0 : 1;
	if (ctx.code)
		return ctx.code;
	switch (errno) {
	case EINTR:
		return burrow_nl_fail(err, -EINTR,
				      "dump interrupted: the objects changed while it ran (NLM_F_DUMP_INTR)");
	case EPROTO:
		return burrow_nl_fail(err, -EPROTO, "reply with a sequence number other than %u",
				      seq);
	case ESRCH:
		return burrow_nl_fail(err, -EPROTO, "reply addressed to a port other than %u",
				      portid);
	default:
		return burrow_nl_fail(err, -errno, "cannot process the reply: %s",
				      strerror(errno));
	}
}

bool burrow_nl_reply_is_final(const void *buf, size_t len, uint32_t seq)
{
	size_t offset = 0, size;

	while (offset < len && (size = reply_message_size(buf, len, offset)) != 0) {
		const struct nlmsghdr *nlh = (const void *)((const char *)buf + offset);

		if (nlh->nlmsg_seq == seq &&
		    (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR))
			return true;
		offset += size;
	}
	return false;
}
