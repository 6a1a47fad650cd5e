// SPDX-License-Identifier: GPL-2.0
/*
 * libburrow-nl reply streams: acks, the kernel's errors with and without
 * extack messages, multi-part dumps, NLM_F_DUMP_INTR, and buffers that are
 * cut short or belong to another request.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "nl_builders.h"

/* A parser that collects dev-get replies, like burrow_nl_dev_dump() does. */
struct collected_devs {
	struct burrow_nl_dev devs[4];
	unsigned int count;
};

static int collect_dev(const struct nlmsghdr *nlh, void *arg, struct burrow_nl_error *err)
{
	struct collected_devs *collected = arg;

	if (collected->count == 4)
		return -ENOSPC;
	return burrow_nl_dev_parse(nlh, &collected->devs[collected->count++], err);
}

static int process(const void *buf, size_t len, struct collected_devs *collected,
		   struct burrow_nl_error *err)
{
	return burrow_nl_reply_process(buf, len, TEST_SEQ, TEST_PORTID, TEST_FAMILY_ID,
				       collect_dev, collected, err);
}

static void test_ack_completes(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh = test_put_error(buf, 0, TEST_SEQ, true, 0, NULL);
	struct collected_devs collected = { 0 };
	struct burrow_nl_error err;

	(void)state;
	assert_int_equal(process(buf, test_length(buf, nlh), &collected, &err), 0);
	assert_int_equal(collected.count, 0);
}

static void test_reply_then_ack(void **state)
{
	TEST_BUFFER(buf, 2048);
	struct nlmsghdr *reply = test_put_dev_reply(buf, 0, 3, "burrow0", 25, 180);
	struct nlmsghdr *ack = test_put_error(test_after(reply), 0, TEST_SEQ, true, 0, NULL);
	struct collected_devs collected = { 0 };
	struct burrow_nl_error err;

	(void)state;
	/* Separately, as the kernel sends them ... */
	assert_int_equal(process(buf, test_length(buf, reply), &collected, &err), 1);
	assert_int_equal(process(ack, test_length(ack, ack), &collected, &err), 0);
	/* ... or in one buffer. */
	assert_int_equal(process(buf, test_length(buf, ack), &collected, &err), 0);
	assert_int_equal(collected.count, 2);
	assert_string_equal(collected.devs[0].ifname, "burrow0");
	assert_string_equal(collected.devs[1].ifname, "burrow0");
}

static void test_multi_part_dump(void **state)
{
	TEST_BUFFER(first, 2048);
	TEST_BUFFER(second, 2048);
	struct nlmsghdr *nlh;
	struct collected_devs collected = { 0 };
	struct burrow_nl_error err;

	(void)state;
	nlh = test_put_dev_reply(first, NLM_F_MULTI, 3, "burrow1", 1, 2);
	nlh = test_put_dev_reply(test_after(nlh), NLM_F_MULTI, 4, "burrow0", 3, 4);
	assert_int_equal(process(first, test_length(first, nlh), &collected, &err), 1);
	assert_int_equal(collected.count, 2);

	nlh = test_put_dev_reply(second, NLM_F_MULTI, 7, "burrow9", 5, 6);
	nlh = test_put_done(test_after(nlh), 0, TEST_SEQ, NULL);
	assert_int_equal(process(second, test_length(second, nlh), &collected, &err), 0);
	assert_int_equal(collected.count, 3);
	assert_int_equal(collected.devs[0].ifindex, 3);
	assert_int_equal(collected.devs[1].ifindex, 4);
	assert_int_equal(collected.devs[2].ifindex, 7);
	assert_int_equal(collected.devs[2].default_inactivity_timeout, 6);
}

static void test_empty_dump(void **state)
{
	TEST_BUFFER(buf, 64);
	struct nlmsghdr *nlh = test_put_done(buf, 0, TEST_SEQ, NULL);
	struct collected_devs collected = { 0 };
	struct burrow_nl_error err;

	(void)state;
	assert_int_equal(process(buf, test_length(buf, nlh), &collected, &err), 0);
	assert_int_equal(collected.count, 0);
}

static void assert_kernel_error(const void *buf, size_t len, int code, const char *message)
{
	struct collected_devs collected = { 0 };
	struct burrow_nl_error err;

	assert_int_equal(process(buf, len, &collected, &err), code);
	assert_true(err.from_kernel);
	assert_string_equal(err.message, message);
}

static void test_kernel_error_with_extack(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh;

	(void)state;
	/* NETLINK_CAP_ACK: the TLVs follow the request's header. */
	nlh = test_put_error(buf, -ENODEV, TEST_SEQ, true, 0, "no device with this name");
	assert_kernel_error(buf, test_length(buf, nlh), -ENODEV, "no device with this name");

	/* Without it: they follow the whole request, 28 bytes of payload here. */
	nlh = test_put_error(buf, -EINVAL, TEST_SEQ, false, 28,
			     "give ifindex or ifname, not both");
	assert_kernel_error(buf, test_length(buf, nlh), -EINVAL,
			    "give ifindex or ifname, not both");

	/* An unaligned request payload: TLVs start at the next 4-byte boundary. */
	nlh = test_put_error(buf, -EOPNOTSUPP, TEST_SEQ, false, 13,
			     "device is not a burrow device");
	assert_kernel_error(buf, test_length(buf, nlh), -EOPNOTSUPP,
			    "device is not a burrow device");
}

static void test_kernel_error_without_extack(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh = test_put_error(buf, -EPERM, TEST_SEQ, true, 0, NULL);

	(void)state;
	assert_kernel_error(buf, test_length(buf, nlh), -EPERM, "");
}

static void test_kernel_error_with_damaged_extack(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh;
	struct nlattr *msg;

	(void)state;
	/* The message attribute claims more bytes than there are: keep the code. */
	nlh = test_put_error(buf, -ENODEV, TEST_SEQ, true, 0, "no device with this name");
	msg = (struct nlattr *)((char *)mnl_nlmsg_get_payload(nlh) + sizeof(struct nlmsgerr));
	msg->nla_len = 200;
	assert_kernel_error(buf, test_length(buf, nlh), -ENODEV, "");

	/* Not NUL-terminated. */
	nlh = test_put_error(buf, -ENODEV, TEST_SEQ, true, 0, "abc");
	msg = (struct nlattr *)((char *)mnl_nlmsg_get_payload(nlh) + sizeof(struct nlmsgerr));
	((char *)mnl_attr_get_payload(msg))[3] = 'd';
	assert_kernel_error(buf, test_length(buf, nlh), -ENODEV, "");

	/* An uncapped error whose embedded request length points past the end. */
	nlh = test_put_error(buf, -ENODEV, TEST_SEQ, false, 0, "no device with this name");
	((struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->msg.nlmsg_len = 4000;
	assert_kernel_error(buf, test_length(buf, nlh), -ENODEV, "");
}

static void test_dump_ended_by_kernel_error(void **state)
{
	TEST_BUFFER(buf, 2048);
	struct nlmsghdr *nlh;

	(void)state;
	nlh = test_put_dev_reply(buf, NLM_F_MULTI, 3, "burrow0", 1, 2);
	nlh = test_put_done(test_after(nlh), -EMSGSIZE, TEST_SEQ, "dump failed");
	assert_kernel_error(buf, test_length(buf, nlh), -EMSGSIZE, "dump failed");

	nlh = test_put_done(buf, -ENOMEM, TEST_SEQ, NULL);
	assert_kernel_error(buf, test_length(buf, nlh), -ENOMEM, "");
}

static void assert_refused(const void *buf, size_t len, int code, const char *message)
{
	struct collected_devs collected = { 0 };
	struct burrow_nl_error err;

	assert_int_equal(process(buf, len, &collected, &err), code);
	assert_false(err.from_kernel);
	assert_string_equal(err.message, message);
}

static void test_dump_interrupted(void **state)
{
	TEST_BUFFER(buf, 2048);
	struct nlmsghdr *nlh;

	(void)state;
	nlh = test_put_dev_reply(buf, NLM_F_MULTI, 3, "burrow0", 1, 2);
	nlh = test_put_dev_reply(test_after(nlh), NLM_F_MULTI | NLM_F_DUMP_INTR, 4, "burrow1", 1, 2);
	assert_refused(buf, test_length(buf, nlh), -EINTR,
		       "dump interrupted: the objects changed while it ran (NLM_F_DUMP_INTR)");

	nlh = test_put_done(buf, 0, TEST_SEQ, NULL);
	nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
	assert_refused(buf, test_length(buf, nlh), -EINTR,
		       "dump interrupted: the objects changed while it ran (NLM_F_DUMP_INTR)");
}

static void test_reply_to_another_request(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh;

	(void)state;
	nlh = test_put_error(buf, 0, TEST_SEQ + 1, true, 0, NULL);
	assert_refused(buf, test_length(buf, nlh), -EPROTO,
		       "reply with a sequence number other than 5");

	nlh = test_put_error(buf, 0, TEST_SEQ, true, 0, NULL);
	nlh->nlmsg_pid = TEST_PORTID + 1;
	assert_refused(buf, test_length(buf, nlh), -EPROTO,
		       "reply addressed to a port other than 1234");

	nlh = test_put_dev_reply(buf, 0, 3, "burrow0", 1, 2);
	nlh->nlmsg_type = TEST_FAMILY_ID + 1;
	assert_refused(buf, test_length(buf, nlh), -EPROTO, "reply of message type 33, expected 32");
}

static void test_data_reply_to_request_without_one(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh = test_put_dev_reply(buf, 0, 3, "burrow0", 1, 2);
	struct burrow_nl_error err;

	(void)state;
	assert_int_equal(burrow_nl_reply_process(buf, test_length(buf, nlh), TEST_SEQ, TEST_PORTID,
						 TEST_FAMILY_ID, NULL, NULL, &err), -EPROTO);
	assert_string_equal(err.message, "unexpected data reply to a request that has none");
}

static void test_parser_error_is_passed_on(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh = test_put_dev_reply(buf, NLM_F_MULTI, 3, "burrow0", 1, 2);

	(void)state;
	mnl_attr_put_u32(nlh, BURROW_A_DEV_IFNAME, 1);
	assert_refused(buf, test_length(buf, nlh), -EBADMSG, "attribute dev.ifname appears twice");
}

static void test_truncated_buffers(void **state)
{
	TEST_BUFFER(buf, 2048);
	struct nlmsghdr *first, *second;
	size_t len;

	(void)state;
	assert_refused(buf, 0, -EBADMSG, "empty reply");

	first = test_put_dev_reply(buf, NLM_F_MULTI, 3, "burrow0", 1, 2);
	second = test_put_done(test_after(first), 0, TEST_SEQ, NULL);
	len = test_length(buf, second);
	assert_refused(buf, len - 1, -EBADMSG,
		       "truncated netlink message at offset 556 of a 575-byte reply");
	assert_refused(buf, 10, -EBADMSG,
		       "truncated netlink message at offset 0 of a 10-byte reply");
	/* Trailing bytes that are not a message. */
	assert_refused(buf, len + 4, -EBADMSG,
		       "truncated netlink message at offset 576 of a 580-byte reply");
	/* A message claiming more than the buffer holds. */
	first->nlmsg_len = 600;
	assert_refused(buf, len, -EBADMSG,
		       "truncated netlink message at offset 0 of a 576-byte reply");
	/* ... by 2 GiB or more, which mnl_nlmsg_ok() would let through. */
	first->nlmsg_len = 0x80000010;
	assert_refused(buf, len, -EBADMSG,
		       "truncated netlink message at offset 0 of a 576-byte reply");
	assert_false(burrow_nl_reply_is_final(buf, len, TEST_SEQ));
	first->nlmsg_len = UINT32_MAX;
	assert_refused(buf, len, -EBADMSG,
		       "truncated netlink message at offset 0 of a 576-byte reply");
	/* The last message without its padding. */
	first->nlmsg_len = 55;
	assert_refused(buf, 55, -EBADMSG,
		       "truncated netlink message at offset 0 of a 55-byte reply");
}

static void test_truncated_control_messages(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh;

	(void)state;
	nlh = test_put_header(buf, NLMSG_ERROR, 0, TEST_SEQ);
	mnl_nlmsg_put_extra_header(nlh, 4);
	assert_refused(buf, test_length(buf, nlh), -EBADMSG, "truncated error reply (20 bytes)");

	nlh = test_put_header(buf, NLMSG_DONE, NLM_F_MULTI, TEST_SEQ);
	assert_refused(buf, test_length(buf, nlh), -EBADMSG, "truncated NLMSG_DONE (16 bytes)");

	nlh = test_put_error(buf, 5, TEST_SEQ, true, 0, NULL);
	assert_refused(buf, test_length(buf, nlh), -EBADMSG,
		       "kernel error reply with positive code 5");
}

static void test_reply_is_final(void **state)
{
	TEST_BUFFER(buf, 2048);
	struct nlmsghdr *nlh;

	(void)state;
	nlh = test_put_dev_reply(buf, NLM_F_MULTI, 3, "burrow0", 1, 2);
	assert_false(burrow_nl_reply_is_final(buf, test_length(buf, nlh), TEST_SEQ));

	nlh = test_put_done(test_after(nlh), 0, TEST_SEQ, NULL);
	assert_true(burrow_nl_reply_is_final(buf, test_length(buf, nlh), TEST_SEQ));
	assert_false(burrow_nl_reply_is_final(buf, test_length(buf, nlh), TEST_SEQ + 1));

	nlh = test_put_error(buf, -ENODEV, TEST_SEQ, true, 0, "no device with this name");
	assert_true(burrow_nl_reply_is_final(buf, test_length(buf, nlh), TEST_SEQ));
	assert_false(burrow_nl_reply_is_final(buf, 0, TEST_SEQ));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ack_completes),
		cmocka_unit_test(test_reply_then_ack),
		cmocka_unit_test(test_multi_part_dump),
		cmocka_unit_test(test_empty_dump),
		cmocka_unit_test(test_kernel_error_with_extack),
		cmocka_unit_test(test_kernel_error_without_extack),
		cmocka_unit_test(test_kernel_error_with_damaged_extack),
		cmocka_unit_test(test_dump_ended_by_kernel_error),
		cmocka_unit_test(test_dump_interrupted),
		cmocka_unit_test(test_reply_to_another_request),
		cmocka_unit_test(test_data_reply_to_request_without_one),
		cmocka_unit_test(test_parser_error_is_passed_on),
		cmocka_unit_test(test_truncated_buffers),
		cmocka_unit_test(test_truncated_control_messages),
		cmocka_unit_test(test_reply_is_final),
	};

	return cmocka_run_group_tests_name("libburrow-nl replies", tests, NULL, NULL);
}
