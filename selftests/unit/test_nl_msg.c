// SPDX-License-Identifier: GPL-2.0
/*
 * libburrow-nl message layer: requests are built with the right header and
 * attributes, replies parse into the right structs, and malformed replies
 * are refused with a specific code and message.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "nl_builders.h"

/* ---- requests --------------------------------------------------------------- */

static const struct genlmsghdr *genl_of(const struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload(nlh);
}

static void test_dev_set_request_all_fields(void **state)
{
	TEST_BUFFER(buf, BURROW_NL_REQUEST_SIZE);
	const struct burrow_nl_dev_settings settings = {
		.dev = { .ifname = "burrow0" },
		.default_keepalive_set = true,
		.default_keepalive = 25,
		.default_inactivity_timeout_set = true,
		.default_inactivity_timeout = 86400,
	};
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	struct burrow_nl_error err;
	const struct nlattr *attr;

	(void)state;
	assert_int_equal(burrow_nl_dev_set_request(buf, sizeof(buf), TEST_FAMILY_ID, &settings,
						   &err), 0);
	assert_int_equal(nlh->nlmsg_type, TEST_FAMILY_ID);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(genl_of(nlh)->cmd, BURROW_CMD_DEV_SET);
	assert_int_equal(genl_of(nlh)->version, BURROW_FAMILY_VERSION);
	/* header 16 + genl 4 + ifname 4+8 + keepalive 4+2(+2) + timeout 4+4 */
	assert_int_equal(nlh->nlmsg_len, 16 + 4 + 12 + 8 + 8);
	assert_int_equal(test_count_attrs(nlh), 3);

	attr = test_find_attr(nlh, BURROW_A_DEV_IFNAME);
	assert_non_null(attr);
	assert_int_equal(mnl_attr_get_payload_len(attr), sizeof("burrow0"));
	assert_string_equal(mnl_attr_get_str(attr), "burrow0");
	attr = test_find_attr(nlh, BURROW_A_DEV_DEFAULT_KEEPALIVE);
	assert_non_null(attr);
	assert_int_equal(mnl_attr_get_payload_len(attr), 2);
	assert_int_equal(mnl_attr_get_u16(attr), 25);
	attr = test_find_attr(nlh, BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT);
	assert_non_null(attr);
	assert_int_equal(mnl_attr_get_payload_len(attr), 4);
	assert_int_equal(mnl_attr_get_u32(attr), 86400);
	assert_null(test_find_attr(nlh, BURROW_A_DEV_IFINDEX));
}

static void test_dev_set_request_only_set_fields(void **state)
{
	TEST_BUFFER(buf, BURROW_NL_REQUEST_SIZE);
	const struct burrow_nl_dev_settings settings = {
		.dev = { .ifindex = 7 },
		.default_keepalive_set = true,
		.default_keepalive = 0,
		.default_inactivity_timeout = 99,	/* not set: not sent */
	};
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	struct burrow_nl_error err;
	const struct nlattr *attr;

	(void)state;
	assert_int_equal(burrow_nl_dev_set_request(buf, sizeof(buf), TEST_FAMILY_ID, &settings,
						   &err), 0);
	assert_int_equal(test_count_attrs(nlh), 2);
	attr = test_find_attr(nlh, BURROW_A_DEV_IFINDEX);
	assert_non_null(attr);
	assert_int_equal(mnl_attr_get_u32(attr), 7);
	attr = test_find_attr(nlh, BURROW_A_DEV_DEFAULT_KEEPALIVE);
	assert_non_null(attr);
	assert_int_equal(mnl_attr_get_u16(attr), 0);
	assert_null(test_find_attr(nlh, BURROW_A_DEV_IFNAME));
	assert_null(test_find_attr(nlh, BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT));
}

static void assert_dev_ref_refused(struct burrow_nl_dev_ref ref, int code, const char *message)
{
	TEST_BUFFER(buf, BURROW_NL_REQUEST_SIZE);
	const struct burrow_nl_dev_settings settings = { .dev = ref };
	struct burrow_nl_error err;

	assert_int_equal(burrow_nl_dev_get_request(buf, sizeof(buf), TEST_FAMILY_ID, &ref, &err),
			 code);
	assert_string_equal(err.message, message);
	assert_false(err.from_kernel);
	assert_int_equal(burrow_nl_dev_set_request(buf, sizeof(buf), TEST_FAMILY_ID, &settings,
						   &err), code);
	assert_string_equal(err.message, message);
}

static void test_dev_ref_refused(void **state)
{
	(void)state;
	assert_dev_ref_refused((struct burrow_nl_dev_ref){ .ifindex = 3, .ifname = "burrow0" },
			       -EINVAL, "give ifindex or ifname, not both");
	assert_dev_ref_refused((struct burrow_nl_dev_ref){ 0 }, -EINVAL, "give ifindex or ifname");
	assert_dev_ref_refused((struct burrow_nl_dev_ref){ .ifname = "" }, -EINVAL, "empty ifname");
	assert_dev_ref_refused((struct burrow_nl_dev_ref){ .ifname = "0123456789abcdef" },
			       -ENAMETOOLONG, "ifname '0123456789abcdef' is longer than 15 bytes");
}

static void test_dev_get_request(void **state)
{
	TEST_BUFFER(buf, BURROW_NL_REQUEST_SIZE);
	const struct burrow_nl_dev_ref by_name = { .ifname = "0123456789abcde" };
	const struct burrow_nl_dev_ref by_index = { .ifindex = 42 };
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	struct burrow_nl_error err;

	(void)state;
	assert_int_equal(burrow_nl_dev_get_request(buf, sizeof(buf), TEST_FAMILY_ID, &by_name,
						   &err), 0);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(genl_of(nlh)->cmd, BURROW_CMD_DEV_GET);
	assert_int_equal(test_count_attrs(nlh), 1);
	assert_string_equal(mnl_attr_get_str(test_find_attr(nlh, BURROW_A_DEV_IFNAME)),
			    "0123456789abcde");

	assert_int_equal(burrow_nl_dev_get_request(buf, sizeof(buf), TEST_FAMILY_ID, &by_index,
						   &err), 0);
	assert_int_equal(test_count_attrs(nlh), 1);
	assert_int_equal(mnl_attr_get_u32(test_find_attr(nlh, BURROW_A_DEV_IFINDEX)), 42);
}

static void test_dump_and_version_requests(void **state)
{
	TEST_BUFFER(buf, BURROW_NL_REQUEST_SIZE);
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	struct burrow_nl_error err;

	(void)state;
	assert_int_equal(burrow_nl_dev_dump_request(buf, sizeof(buf), TEST_FAMILY_ID, &err), 0);
	assert_int_equal(nlh->nlmsg_type, TEST_FAMILY_ID);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(nlh->nlmsg_len, MNL_NLMSG_HDRLEN + GENL_HDRLEN);
	assert_int_equal(genl_of(nlh)->cmd, BURROW_CMD_DEV_GET);

	assert_int_equal(burrow_nl_version_get_request(buf, sizeof(buf), TEST_FAMILY_ID, &err), 0);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(nlh->nlmsg_len, MNL_NLMSG_HDRLEN + GENL_HDRLEN);
	assert_int_equal(genl_of(nlh)->cmd, BURROW_CMD_VERSION_GET);
}

static void test_family_request(void **state)
{
	TEST_BUFFER(buf, BURROW_NL_REQUEST_SIZE);
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	struct burrow_nl_error err;

	(void)state;
	assert_int_equal(burrow_nl_family_request(buf, sizeof(buf), "burrow", &err), 0);
	assert_int_equal(nlh->nlmsg_type, GENL_ID_CTRL);
	assert_int_equal(genl_of(nlh)->cmd, CTRL_CMD_GETFAMILY);
	assert_int_equal(test_count_attrs(nlh), 1);
	assert_string_equal(mnl_attr_get_str(test_find_attr(nlh, CTRL_ATTR_FAMILY_NAME)),
			    "burrow");

	assert_int_equal(burrow_nl_family_request(buf, sizeof(buf), "0123456789abcdef", &err),
			 -ENAMETOOLONG);
	assert_string_equal(err.message, "family name '0123456789abcdef' is longer than 15 bytes");
}

static void test_request_buffer_too_small(void **state)
{
	TEST_BUFFER(buf, 64);
	const struct burrow_nl_dev_ref ref = { .ifname = "burrow0" };
	struct burrow_nl_error err;

	(void)state;
	assert_int_equal(burrow_nl_dev_get_request(buf, 19, TEST_FAMILY_ID, &ref, &err),
			 -EMSGSIZE);
	assert_string_equal(err.message, "request buffer of 19 bytes is too small");
	assert_int_equal(burrow_nl_dev_get_request(buf, 24, TEST_FAMILY_ID, &ref, &err),
			 -EMSGSIZE);
	assert_string_equal(err.message, "request buffer too small for attribute dev.ifname");
}

/* ---- dev-get replies --------------------------------------------------------- */

static void test_dev_parse(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh = test_put_dev_reply(buf, 0, 9, "burrow0", 25, 180);
	struct burrow_nl_error err;
	struct burrow_nl_dev dev;

	(void)state;
	assert_int_equal(burrow_nl_dev_parse(nlh, &dev, &err), 0);
	assert_int_equal(dev.ifindex, 9);
	assert_string_equal(dev.ifname, "burrow0");
	assert_int_equal(dev.default_keepalive, 25);
	assert_int_equal(dev.default_inactivity_timeout, 180);
}

static void test_dev_parse_longest_name_and_largest_values(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh = test_put_dev_reply(buf, 0, UINT32_MAX, "0123456789abcde",
						  UINT16_MAX, UINT32_MAX);
	struct burrow_nl_error err;
	struct burrow_nl_dev dev;

	(void)state;
	assert_int_equal(burrow_nl_dev_parse(nlh, &dev, &err), 0);
	assert_int_equal(dev.ifindex, UINT32_MAX);
	assert_string_equal(dev.ifname, "0123456789abcde");
	assert_int_equal(dev.default_keepalive, UINT16_MAX);
	assert_int_equal(dev.default_inactivity_timeout, UINT32_MAX);
}

static void test_dev_parse_skips_unknown_attributes(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_DEV_GET, 0);
	struct burrow_nl_error err;
	struct burrow_nl_dev dev;

	(void)state;
	mnl_attr_put_u64(nlh, BURROW_A_DEV_MAX + 1, 1);	/* from a newer kernel */
	mnl_attr_put_u32(nlh, BURROW_A_DEV_IFINDEX, 4);
	mnl_attr_put_strz(nlh, BURROW_A_DEV_IFNAME, "b");
	mnl_attr_put(nlh, 0, 3, "abc");			/* type 0 is unused */
	mnl_attr_put_u16(nlh, BURROW_A_DEV_DEFAULT_KEEPALIVE, 1);
	mnl_attr_put_u32(nlh, BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT, 2);
	mnl_attr_put_u32(nlh, BURROW_A_DEV_PEER_COUNT, 0);
	mnl_attr_put_u32(nlh, BURROW_A_DEV_GENERATION, 0);
	test_put_dev_stats(nlh, 0);
	mnl_attr_put_strz(nlh, 999, "future");
	assert_int_equal(burrow_nl_dev_parse(nlh, &dev, &err), 0);
	assert_int_equal(dev.ifindex, 4);
	assert_string_equal(dev.ifname, "b");
}

/* Parse nlh as a dev-get reply and expect it refused with code and message. */
static void assert_dev_refused(const struct nlmsghdr *nlh, int code, const char *message)
{
	struct burrow_nl_dev dev = { .ifindex = 12345 };
	struct burrow_nl_error err;

	assert_int_equal(burrow_nl_dev_parse(nlh, &dev, &err), code);
	assert_string_equal(err.message, message);
	assert_false(err.from_kernel);
	assert_int_equal(dev.ifindex, 12345);	/* untouched on failure */
}

static void test_dev_parse_truncated_genl_header(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh = test_put_header(buf, TEST_FAMILY_ID, 0, TEST_SEQ);

	(void)state;
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 3;
	assert_dev_refused(nlh, -EBADMSG,
			   "truncated dev-get reply: 19 bytes, no room for the genetlink header");
	nlh->nlmsg_len = 8;
	assert_dev_refused(nlh, -EBADMSG,
			   "truncated dev-get reply: 8 bytes, no room for the genetlink header");
}

static void test_dev_parse_wrong_command(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh = test_put_dev_reply(buf, 0, 9, "burrow0", 25, 180);
	struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	(void)state;
	genl->cmd = BURROW_CMD_DEV_SET;
	assert_dev_refused(nlh, -EPROTO, "dev-get reply has command 3, expected 2");
}

static void test_dev_parse_truncated_attribute(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh = test_put_dev_reply(buf, 0, 9, "burrow0", 25, 180);

	(void)state;
	/* Cut the last attribute (8 bytes) in half. */
	nlh->nlmsg_len -= 4;
	assert_dev_refused(nlh, -EBADMSG,
			   "truncated attribute in dev (4 bytes after the last whole one)");
	/* Leave 3 bytes: not even an attribute header. */
	nlh->nlmsg_len -= 1;
	assert_dev_refused(nlh, -EBADMSG,
			   "truncated attribute in dev (4 bytes after the last whole one)");
}

static void test_dev_parse_attribute_longer_than_message(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh = test_put_dev_reply(buf, 0, 9, "burrow0", 25, 180);
	struct nlattr *first = mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN);

	(void)state;
	/* ifindex 8, ifname 12, peer-count 8, generation 8, stats 436, 8, 8 */
	first->nla_len = 568;
	assert_dev_refused(nlh, -EBADMSG,
			   "truncated attribute in dev (536 bytes after the last whole one)");
	first->nla_len = 2;	/* shorter than an attribute header */
	assert_dev_refused(nlh, -EBADMSG,
			   "truncated attribute in dev (536 bytes after the last whole one)");
}

static void test_dev_parse_wrong_lengths(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh;

	(void)state;
	nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_DEV_GET, 0);
	mnl_attr_put_u16(nlh, BURROW_A_DEV_IFINDEX, 9);
	assert_dev_refused(nlh, -EBADMSG, "attribute dev.ifindex: 2-byte payload is not a valid u32");

	nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_DEV_GET, 0);
	mnl_attr_put_u64(nlh, BURROW_A_DEV_IFINDEX, 9);
	assert_dev_refused(nlh, -EBADMSG, "attribute dev.ifindex: 8-byte payload is not a valid u32");

	nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_DEV_GET, 0);
	mnl_attr_put_u32(nlh, BURROW_A_DEV_DEFAULT_KEEPALIVE, 25);
	assert_dev_refused(nlh, -EBADMSG,
			   "attribute dev.default-keepalive: 4-byte payload is not a valid u16");

	nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_DEV_GET, 0);
	mnl_attr_put_strz(nlh, BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT, "1800");
	assert_dev_refused(nlh, -EBADMSG,
			   "attribute dev.default-inactivity-timeout: 5-byte payload is not a valid u32");
}

static void test_dev_parse_bad_strings(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh;

	(void)state;
	nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_DEV_GET, 0);
	mnl_attr_put_str(nlh, BURROW_A_DEV_IFNAME, "burrow0");	/* no NUL */
	assert_dev_refused(nlh, -EBADMSG, "attribute dev.ifname is not NUL-terminated");

	nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_DEV_GET, 0);
	mnl_attr_put(nlh, BURROW_A_DEV_IFNAME, 0, "");
	assert_dev_refused(nlh, -EBADMSG, "attribute dev.ifname: 0-byte payload is not a valid string");

	nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_DEV_GET, 0);
	mnl_attr_put(nlh, BURROW_A_DEV_IFNAME, 8, "bur\0ow0");
	assert_dev_refused(nlh, -EBADMSG, "attribute dev.ifname has bytes after its NUL");

	nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_DEV_GET, 0);
	mnl_attr_put_strz(nlh, BURROW_A_DEV_IFNAME, "0123456789abcdef");
	assert_dev_refused(nlh, -ENAMETOOLONG, "attribute dev.ifname is 16 bytes long, more than 15");

	nlh = test_put_dev_reply(buf, 0, 9, "", 25, 180);
	assert_dev_refused(nlh, -EBADMSG, "attribute dev.ifname is empty");
}

static void test_dev_parse_missing_attributes(void **state)
{
	static const struct {
		uint16_t type;
		const char *message;
	} cases[] = {
		{ BURROW_A_DEV_IFINDEX, "missing attribute dev.ifindex" },
		{ BURROW_A_DEV_IFNAME, "missing attribute dev.ifname" },
		{ BURROW_A_DEV_DEFAULT_KEEPALIVE, "missing attribute dev.default-keepalive" },
		{ BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT,
		  "missing attribute dev.default-inactivity-timeout" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TEST_BUFFER(buf, 1024);
		struct nlmsghdr *nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_DEV_GET, 0);

		if (cases[i].type != BURROW_A_DEV_IFINDEX)
			mnl_attr_put_u32(nlh, BURROW_A_DEV_IFINDEX, 9);
		if (cases[i].type != BURROW_A_DEV_IFNAME)
			mnl_attr_put_strz(nlh, BURROW_A_DEV_IFNAME, "burrow0");
		if (cases[i].type != BURROW_A_DEV_DEFAULT_KEEPALIVE)
			mnl_attr_put_u16(nlh, BURROW_A_DEV_DEFAULT_KEEPALIVE, 25);
		if (cases[i].type != BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT)
			mnl_attr_put_u32(nlh, BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT, 180);
		assert_dev_refused(nlh, -ENODATA, cases[i].message);
	}

	TEST_BUFFER(empty, 64);
	assert_dev_refused(test_put_genl(empty, TEST_FAMILY_ID, BURROW_CMD_DEV_GET, 0), -ENODATA,
			   "missing attribute dev.ifindex");
}

static void test_dev_parse_duplicate_attribute(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh = test_put_dev_reply(buf, 0, 9, "burrow0", 25, 180);

	(void)state;
	mnl_attr_put_u32(nlh, BURROW_A_DEV_IFINDEX, 10);
	assert_dev_refused(nlh, -EBADMSG, "attribute dev.ifindex appears twice");
}

static void test_dev_parse_zero_ifindex(void **state)
{
	TEST_BUFFER(buf, 1024);

	(void)state;
	assert_dev_refused(test_put_dev_reply(buf, 0, 0, "burrow0", 25, 180), -EBADMSG,
			   "attribute dev.ifindex is 0");
}

/* ---- dev-set sockets and dev-get's socket, counts and stats ----------------- */

static void test_dev_set_request_socket(void **state)
{
	TEST_BUFFER(buf, BURROW_NL_REQUEST_SIZE);
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	struct burrow_nl_dev_settings settings = {
		.dev = { .ifname = "burrow0" }, .socket_fd_set = true, .socket_fd = 0,
	};
	struct burrow_nl_error err;
	const struct nlattr *attr;

	(void)state;
	/* fd 0 is a descriptor like any other. */
	assert_int_equal(burrow_nl_dev_set_request(buf, sizeof(buf), TEST_FAMILY_ID, &settings,
						   &err), 0);
	assert_int_equal(test_count_attrs(nlh), 2);
	attr = test_find_attr(nlh, BURROW_A_DEV_SOCKET_FD);
	assert_non_null(attr);
	assert_int_equal(mnl_attr_get_payload_len(attr), 4);
	assert_int_equal(mnl_attr_get_u32(attr), 0);
	assert_null(test_find_attr(nlh, BURROW_A_DEV_SOCKET_DETACH));

	settings.socket_fd = 17;
	assert_int_equal(burrow_nl_dev_set_request(buf, sizeof(buf), TEST_FAMILY_ID, &settings,
						   &err), 0);
	assert_int_equal(mnl_attr_get_u32(test_find_attr(nlh, BURROW_A_DEV_SOCKET_FD)), 17);

	settings = (struct burrow_nl_dev_settings){
		.dev = { .ifindex = 3 }, .socket_detach = true,
	};
	assert_int_equal(burrow_nl_dev_set_request(buf, sizeof(buf), TEST_FAMILY_ID, &settings,
						   &err), 0);
	attr = test_find_attr(nlh, BURROW_A_DEV_SOCKET_DETACH);
	assert_non_null(attr);
	assert_int_equal(mnl_attr_get_payload_len(attr), 0);	/* a flag */
	assert_null(test_find_attr(nlh, BURROW_A_DEV_SOCKET_FD));
}

static void test_dev_set_request_socket_refused(void **state)
{
	TEST_BUFFER(buf, BURROW_NL_REQUEST_SIZE);
	struct burrow_nl_dev_settings settings = {
		.dev = { .ifname = "burrow0" }, .socket_fd_set = true, .socket_fd = 4,
		.socket_detach = true,
	};
	struct burrow_nl_error err;

	(void)state;
	assert_int_equal(burrow_nl_dev_set_request(buf, sizeof(buf), TEST_FAMILY_ID, &settings,
						   &err), -EINVAL);
	assert_string_equal(err.message, "give one of socket-fd, listen and socket-detach");
	settings.socket_detach = false;
	settings.socket_fd = -1;
	assert_int_equal(burrow_nl_dev_set_request(buf, sizeof(buf), TEST_FAMILY_ID, &settings,
						   &err), -EINVAL);
	assert_string_equal(err.message, "socket fd -1 is not a file descriptor");
}

static void test_dev_parse_socket_counts_and_stats(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_DEV_GET, 0);
	struct burrow_nl_error err;
	struct burrow_nl_dev dev;

	(void)state;
	mnl_attr_put_u32(nlh, BURROW_A_DEV_IFINDEX, 5);
	mnl_attr_put_strz(nlh, BURROW_A_DEV_IFNAME, "burrow0");
	mnl_attr_put_u16(nlh, BURROW_A_DEV_DEFAULT_KEEPALIVE, 25);
	mnl_attr_put_u32(nlh, BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT, 180);
	mnl_attr_put_u16(nlh, BURROW_A_DEV_SOCKET_FAMILY, AF_INET6);
	mnl_attr_put_u16(nlh, BURROW_A_DEV_LISTEN_PORT, 51820);
	mnl_attr_put_u32(nlh, BURROW_A_DEV_PEER_COUNT, 3);
	mnl_attr_put_u32(nlh, BURROW_A_DEV_GENERATION, 0xdeadbeef);
	test_put_dev_stats(nlh, 1000);
	assert_int_equal(burrow_nl_dev_parse(nlh, &dev, &err), 0);
	assert_int_equal(dev.socket_family, AF_INET6);
	assert_int_equal(dev.listen_port, 51820);
	assert_int_equal(dev.peer_count, 3);
	assert_int_equal(dev.generation, 0xdeadbeef);
	/* Each counter in its own field: base 1000 + its attribute type. */
	assert_int_equal(dev.stats.drop_no_peer, 1001);
	assert_int_equal(dev.stats.drop_no_endpoint, 1002);
	assert_int_equal(dev.stats.drop_no_socket, 1003);
	assert_int_equal(dev.stats.drop_no_key, 1004);
	assert_int_equal(dev.stats.drop_key_exhausted, 1005);
	assert_int_equal(dev.stats.drop_bad_inner, 1006);
	assert_int_equal(dev.stats.drop_route, 1007);
	assert_int_equal(dev.stats.drop_bad_header, 1008);
	assert_int_equal(dev.stats.drop_unknown_id, 1009);
	assert_int_equal(dev.stats.drop_decrypt, 1010);
	assert_int_equal(dev.stats.drop_replay, 1011);
	assert_int_equal(dev.stats.drop_source_not_allowed, 1012);
	assert_int_equal(dev.stats.drop_nomem, 1013);
	assert_int_equal(dev.stats.drop_queue_full, 1014);
	assert_int_equal(dev.stats.rx_keepalives, 1015);
	assert_int_equal(dev.stats.rx_to_userspace, 1016);

	/* Without a socket: neither attribute, both fields 0. */
	nlh = test_put_dev_reply(buf, 0, 9, "burrow1", 0, 0);
	dev.socket_family = 99;
	dev.listen_port = 99;
	assert_int_equal(burrow_nl_dev_parse(nlh, &dev, &err), 0);
	assert_int_equal(dev.socket_family, 0);
	assert_int_equal(dev.listen_port, 0);
	assert_int_equal(dev.generation, 1);
}

static void test_dev_parse_socket_refused(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh;

	(void)state;
	nlh = test_put_dev_reply(buf, 0, 9, "burrow0", 25, 180);
	mnl_attr_put_u16(nlh, BURROW_A_DEV_SOCKET_FAMILY, AF_INET);
	assert_dev_refused(nlh, -ENODATA,
			   "missing attribute dev.listen-port (socket-family is present)");

	nlh = test_put_dev_reply(buf, 0, 9, "burrow0", 25, 180);
	mnl_attr_put_u16(nlh, BURROW_A_DEV_LISTEN_PORT, 1);
	assert_dev_refused(nlh, -ENODATA,
			   "missing attribute dev.socket-family (listen-port is present)");

	nlh = test_put_dev_reply(buf, 0, 9, "burrow0", 25, 180);
	mnl_attr_put_u16(nlh, BURROW_A_DEV_SOCKET_FAMILY, 7);
	mnl_attr_put_u16(nlh, BURROW_A_DEV_LISTEN_PORT, 1);
	assert_dev_refused(nlh, -EBADMSG, "attribute dev.socket-family has unknown family 7");

	nlh = test_put_dev_reply(buf, 0, 9, "burrow0", 25, 180);
	mnl_attr_put_u32(nlh, BURROW_A_DEV_LISTEN_PORT, 1);
	assert_dev_refused(nlh, -EBADMSG,
			   "attribute dev.listen-port: 4-byte payload is not a valid u16");
}

/* A dev-get reply with every required attribute but the one of type missing. */
static struct nlmsghdr *put_dev_reply_without(void *buf, uint16_t missing)
{
	struct nlmsghdr *nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_DEV_GET, 0);

	mnl_attr_put_u32(nlh, BURROW_A_DEV_IFINDEX, 9);
	mnl_attr_put_strz(nlh, BURROW_A_DEV_IFNAME, "burrow0");
	mnl_attr_put_u16(nlh, BURROW_A_DEV_DEFAULT_KEEPALIVE, 25);
	mnl_attr_put_u32(nlh, BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT, 180);
	if (missing != BURROW_A_DEV_PEER_COUNT)
		mnl_attr_put_u32(nlh, BURROW_A_DEV_PEER_COUNT, 1);
	if (missing != BURROW_A_DEV_GENERATION)
		mnl_attr_put_u32(nlh, BURROW_A_DEV_GENERATION, 1);
	if (missing != BURROW_A_DEV_STATS)
		test_put_dev_stats(nlh, 0);
	return nlh;
}

static void test_dev_parse_counts_and_stats_refused(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	(void)state;
	assert_dev_refused(put_dev_reply_without(buf, BURROW_A_DEV_PEER_COUNT), -ENODATA,
			   "missing attribute dev.peer-count");
	assert_dev_refused(put_dev_reply_without(buf, BURROW_A_DEV_GENERATION), -ENODATA,
			   "missing attribute dev.generation");
	assert_dev_refused(put_dev_reply_without(buf, BURROW_A_DEV_STATS), -ENODATA,
			   "missing attribute dev.stats");

	/* A stats nest lacking one counter. */
	nlh = put_dev_reply_without(buf, BURROW_A_DEV_STATS);
	nest = mnl_attr_nest_start(nlh, BURROW_A_DEV_STATS);
	for (uint16_t type = 1; type <= BURROW_A_DEV_STATS_MAX; type++) {
		if (type != BURROW_A_DEV_STATS_DROP_REPLAY)
			mnl_attr_put_u64(nlh, type, 0);
	}
	mnl_attr_nest_end(nlh, nest);
	assert_dev_refused(nlh, -ENODATA, "missing attribute dev-stats.drop-replay");

	/* A counter that is not a u64. */
	nlh = put_dev_reply_without(buf, BURROW_A_DEV_STATS);
	nest = mnl_attr_nest_start(nlh, BURROW_A_DEV_STATS);
	for (uint16_t type = 1; type <= BURROW_A_DEV_STATS_MAX; type++) {
		if (type == BURROW_A_DEV_STATS_DROP_DECRYPT)
			mnl_attr_put_u32(nlh, type, 0);
		else
			mnl_attr_put_u64(nlh, type, 0);
	}
	mnl_attr_nest_end(nlh, nest);
	assert_dev_refused(nlh, -EBADMSG,
			   "attribute dev-stats.drop-decrypt: 4-byte payload is not a valid u64");

	/* stats that is not a nest. */
	nlh = put_dev_reply_without(buf, BURROW_A_DEV_STATS);
	mnl_attr_put_u16(nlh, BURROW_A_DEV_STATS, 0);
	assert_dev_refused(nlh, -EBADMSG, "attribute dev.stats: 2-byte payload is not a valid nest");

	/* A stats nest cut short: its last counter claims 8 bytes more. */
	nlh = put_dev_reply_without(buf, BURROW_A_DEV_STATS);
	nest = mnl_attr_nest_start(nlh, BURROW_A_DEV_STATS);
	for (uint16_t type = 1; type <= BURROW_A_DEV_STATS_MAX; type++)
		mnl_attr_put_u64(nlh, type, 0);
	mnl_attr_nest_end(nlh, nest);
	nest->nla_len -= 8;
	nlh->nlmsg_len -= 8;	/* the nest is the last attribute */
	assert_dev_refused(nlh, -EBADMSG,
			   "truncated attribute in dev-stats (4 bytes after the last whole one)");
}

/* ---- version-get replies ------------------------------------------------------ */

static struct nlmsghdr *put_version_reply(void *buf, const char *module, uint32_t api)
{
	struct nlmsghdr *nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_VERSION_GET, 0);

	if (module)
		mnl_attr_put_strz(nlh, BURROW_A_VERSION_MODULE, module);
	mnl_attr_put_u32(nlh, BURROW_A_VERSION_API, api);
	return nlh;
}

static void test_version_parse(void **state)
{
	TEST_BUFFER(buf, 1024);
	char longest[BURROW_NL_MODULE_VERSION_SIZE];
	struct burrow_nl_version version;
	struct burrow_nl_error err;

	(void)state;
	assert_int_equal(burrow_nl_version_parse(put_version_reply(buf, "0.1.0", 1), &version,
						 &err), 0);
	assert_string_equal(version.module, "0.1.0");
	assert_int_equal(version.api, 1);

	memset(longest, 'v', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	assert_int_equal(burrow_nl_version_parse(put_version_reply(buf, longest, 2), &version,
						 &err), 0);
	assert_string_equal(version.module, longest);
}

static void test_version_parse_refused(void **state)
{
	TEST_BUFFER(buf, 1024);
	char too_long[BURROW_NL_MODULE_VERSION_SIZE + 1];
	struct burrow_nl_version version;
	struct burrow_nl_error err;
	struct nlmsghdr *nlh;

	(void)state;
	memset(too_long, 'v', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	assert_int_equal(burrow_nl_version_parse(put_version_reply(buf, too_long, 1), &version,
						 &err), -ENAMETOOLONG);
	assert_string_equal(err.message, "attribute version.module is 64 bytes long, more than 63");

	assert_int_equal(burrow_nl_version_parse(put_version_reply(buf, NULL, 1), &version, &err),
			 -ENODATA);
	assert_string_equal(err.message, "missing attribute version.module");

	nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_VERSION_GET, 0);
	mnl_attr_put_strz(nlh, BURROW_A_VERSION_MODULE, "0.1.0");
	assert_int_equal(burrow_nl_version_parse(nlh, &version, &err), -ENODATA);
	assert_string_equal(err.message, "missing attribute version.api");

	nlh = put_version_reply(buf, "0.1.0", 1);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd = BURROW_CMD_DEV_GET;
	assert_int_equal(burrow_nl_version_parse(nlh, &version, &err), -EPROTO);
	assert_string_equal(err.message, "version-get reply has command 2, expected 1");
}

/* ---- controller replies ------------------------------------------------------- */

static void put_mcast_group(struct nlmsghdr *nlh, uint16_t index, const char *name, bool with_id,
			    uint32_t id)
{
	struct nlattr *group = mnl_attr_nest_start(nlh, index);

	if (name)
		mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, name);
	if (with_id)
		mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, id);
	mnl_attr_nest_end(nlh, group);
}

static struct nlmsghdr *put_family_reply(void *buf, const char *name, uint16_t id)
{
	struct nlmsghdr *nlh = test_put_genl(buf, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, 0);

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, id);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, 1);
	mnl_attr_put_u32(nlh, CTRL_ATTR_HDRSIZE, 0);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MAXATTR, BURROW_A_DEV_MAX);
	return nlh;
}

static void test_family_parse(void **state)
{
	TEST_BUFFER(buf, 2048);
	struct nlmsghdr *nlh = put_family_reply(buf, "burrow", 0x22);
	struct burrow_nl_family family;
	struct burrow_nl_error err;
	struct nlattr *groups;

	(void)state;
	groups = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	put_mcast_group(nlh, 1, "other", true, 7);
	put_mcast_group(nlh, 2, BURROW_MCGRP_EVENTS, true, 9);
	mnl_attr_nest_end(nlh, groups);

	assert_int_equal(burrow_nl_family_parse(nlh, "burrow", &family, &err), 0);
	assert_int_equal(family.id, 0x22);
	assert_int_equal(family.version, 1);
	assert_int_equal(family.events_group, 9);

	/* Without multicast groups there is no events group. */
	nlh = put_family_reply(buf, "burrow", 0x22);
	assert_int_equal(burrow_nl_family_parse(nlh, "burrow", &family, &err), 0);
	assert_int_equal(family.events_group, 0);
}

static void test_family_parse_refused(void **state)
{
	TEST_BUFFER(buf, 2048);
	struct burrow_nl_family family;
	struct burrow_nl_error err;
	struct nlmsghdr *nlh;
	struct nlattr *groups;

	(void)state;
	nlh = put_family_reply(buf, "nlctrl", 0x22);
	assert_int_equal(burrow_nl_family_parse(nlh, "burrow", &family, &err), -EPROTO);
	assert_string_equal(err.message, "controller answered for family 'nlctrl', not 'burrow'");

	nlh = put_family_reply(buf, "burrow", 3);
	assert_int_equal(burrow_nl_family_parse(nlh, "burrow", &family, &err), -EPROTO);
	assert_string_equal(err.message, "controller gave the reserved family id 3");

	nlh = put_family_reply(buf, "burrow", 0x22);
	groups = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	put_mcast_group(nlh, 1, BURROW_MCGRP_EVENTS, false, 0);
	mnl_attr_nest_end(nlh, groups);
	assert_int_equal(burrow_nl_family_parse(nlh, "burrow", &family, &err), -ENODATA);
	assert_string_equal(err.message, "missing attribute ctrl.mcast-group.id");

	nlh = put_family_reply(buf, "burrow", 0x22);
	groups = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	mnl_attr_put_u16(nlh, 1, 5);	/* an entry that is not a nest */
	mnl_attr_nest_end(nlh, groups);
	assert_int_equal(burrow_nl_family_parse(nlh, "burrow", &family, &err), -EBADMSG);
	assert_string_equal(err.message,
			    "attribute ctrl.mcast-groups: 2-byte entry is not a valid nest");

	/* A group entry cut short inside the nest. */
	nlh = put_family_reply(buf, "burrow", 0x22);
	groups = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	put_mcast_group(nlh, 1, BURROW_MCGRP_EVENTS, true, 9);
	mnl_attr_put_u32(nlh, 2, 0);
	mnl_attr_nest_end(nlh, groups);
	groups->nla_len -= 4;
	nlh->nlmsg_len -= 4;	/* the nest is the last attribute */
	assert_int_equal(burrow_nl_family_parse(nlh, "burrow", &family, &err), -EBADMSG);
	assert_string_equal(err.message,
			    "truncated attribute in ctrl.mcast-groups (4 bytes after the last whole one)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dev_set_request_all_fields),
		cmocka_unit_test(test_dev_set_request_only_set_fields),
		cmocka_unit_test(test_dev_ref_refused),
		cmocka_unit_test(test_dev_get_request),
		cmocka_unit_test(test_dump_and_version_requests),
		cmocka_unit_test(test_family_request),
		cmocka_unit_test(test_request_buffer_too_small),
		cmocka_unit_test(test_dev_parse),
		cmocka_unit_test(test_dev_parse_longest_name_and_largest_values),
		cmocka_unit_test(test_dev_parse_skips_unknown_attributes),
		cmocka_unit_test(test_dev_parse_truncated_genl_header),
		cmocka_unit_test(test_dev_parse_wrong_command),
		cmocka_unit_test(test_dev_parse_truncated_attribute),
		cmocka_unit_test(test_dev_parse_attribute_longer_than_message),
		cmocka_unit_test(test_dev_parse_wrong_lengths),
		cmocka_unit_test(test_dev_parse_bad_strings),
		cmocka_unit_test(test_dev_parse_missing_attributes),
		cmocka_unit_test(test_dev_parse_duplicate_attribute),
		cmocka_unit_test(test_dev_parse_zero_ifindex),
		cmocka_unit_test(test_dev_set_request_socket),
		cmocka_unit_test(test_dev_set_request_socket_refused),
		cmocka_unit_test(test_dev_parse_socket_counts_and_stats),
		cmocka_unit_test(test_dev_parse_socket_refused),
		cmocka_unit_test(test_dev_parse_counts_and_stats_refused),
		cmocka_unit_test(test_version_parse),
		cmocka_unit_test(test_version_parse_refused),
		cmocka_unit_test(test_family_parse),
		cmocka_unit_test(test_family_parse_refused),
	};

	return cmocka_run_group_tests_name("libburrow-nl messages", tests, NULL, NULL);
}
