// SPDX-License-Identifier: GPL-2.0
/*
 * libburrow-nl events: each *-ntf command parses into its tagged struct,
 * and malformed or unknown notifications are refused with a precise code.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "nl_builders.h"

static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 };

/* An event of cmd for ifindex, with its nest open (peer or keyconf). */
static struct nlmsghdr *put_event(void *buf, uint8_t cmd, uint32_t ifindex, uint16_t nest_type,
				  struct nlattr **nest)
{
	struct nlmsghdr *nlh = test_put_header(buf, TEST_FAMILY_ID, 0, 0);
	struct genlmsghdr *genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));

	genl->cmd = cmd;
	genl->version = BURROW_FAMILY_VERSION;
	mnl_attr_put_u32(nlh, BURROW_A_DEV_IFINDEX, ifindex);
	*nest = mnl_attr_nest_start(nlh, nest_type);
	return nlh;
}

static struct nlmsghdr *put_key_event(void *buf, uint8_t cmd, uint8_t slot, uint8_t limit)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = put_event(buf, cmd, 4, BURROW_A_DEV_KEYCONF, &nest);

	mnl_attr_put_u32(nlh, BURROW_A_KEYCONF_PEER_ID, 12);
	mnl_attr_put_u8(nlh, BURROW_A_KEYCONF_SLOT, slot);
	mnl_attr_put_u8(nlh, BURROW_A_KEYCONF_KEY_ID, 3);
	mnl_attr_put_u8(nlh, BURROW_A_KEYCONF_LIMIT_REACHED, limit);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static void test_event_peer_expired(void **state)
{
	TEST_BUFFER(buf, 512);
	struct burrow_nl_event event;
	struct burrow_nl_error err;
	struct nlattr *nest;
	struct nlmsghdr *nlh = put_event(buf, BURROW_CMD_PEER_EXPIRED_NTF, 4, BURROW_A_DEV_PEER,
					 &nest);

	(void)state;
	mnl_attr_put_u32(nlh, BURROW_A_PEER_ID, 77);
	mnl_attr_nest_end(nlh, nest);
	memset(&event, 0xff, sizeof(event));
	assert_int_equal(burrow_nl_event_parse(nlh, &event, &err), 0);
	assert_int_equal(event.type, BURROW_CMD_PEER_EXPIRED_NTF);
	assert_string_equal(burrow_nl_event_name(event.type), "peer-expired");
	assert_int_equal(event.ifindex, 4);
	assert_int_equal(event.peer_id, 77);
	/* Fields the event does not carry are 0. */
	assert_int_equal(event.endpoint.family, AF_UNSPEC);
	assert_int_equal(event.slot, 0);
	assert_int_equal(event.limit_reached, 0);
}

static void test_event_endpoint_changed(void **state)
{
	TEST_BUFFER(buf, 512);
	struct burrow_nl_event event;
	struct burrow_nl_error err;
	struct nlattr *nest;
	struct nlmsghdr *nlh;

	(void)state;
	nlh = put_event(buf, BURROW_CMD_ENDPOINT_CHANGED_NTF, 4, BURROW_A_DEV_PEER, &nest);
	mnl_attr_put_u32(nlh, BURROW_A_PEER_ID, 5);
	mnl_attr_put(nlh, BURROW_A_PEER_REMOTE_IPV4, 4, "\xc6\x33\x64\x01");
	mnl_attr_put_u16(nlh, BURROW_A_PEER_REMOTE_PORT, 40000);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(burrow_nl_event_parse(nlh, &event, &err), 0);
	assert_int_equal(event.type, BURROW_CMD_ENDPOINT_CHANGED_NTF);
	assert_string_equal(burrow_nl_event_name(event.type), "endpoint-changed");
	assert_int_equal(event.peer_id, 5);
	assert_int_equal(event.endpoint.family, AF_INET);
	assert_memory_equal(event.endpoint.addr.bytes, "\xc6\x33\x64\x01", 4);
	assert_int_equal(event.endpoint.port, 40000);

	nlh = put_event(buf, BURROW_CMD_ENDPOINT_CHANGED_NTF, 4, BURROW_A_DEV_PEER, &nest);
	mnl_attr_put_u32(nlh, BURROW_A_PEER_ID, 5);
	mnl_attr_put(nlh, BURROW_A_PEER_REMOTE_IPV6, 16, v6);
	mnl_attr_put_u16(nlh, BURROW_A_PEER_REMOTE_PORT, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(burrow_nl_event_parse(nlh, &event, &err), 0);
	assert_int_equal(event.endpoint.family, AF_INET6);
	assert_memory_equal(event.endpoint.addr.bytes, v6, 16);
	assert_int_equal(event.endpoint.port, 1);
}

static void test_event_key_limits(void **state)
{
	TEST_BUFFER(buf, 512);
	struct burrow_nl_event event;
	struct burrow_nl_error err;

	(void)state;
	assert_int_equal(burrow_nl_event_parse(put_key_event(buf, BURROW_CMD_KEY_SOFT_LIMIT_NTF,
							     BURROW_KEY_SLOT_SECONDARY,
							     BURROW_NL_LIMIT_SOFT),
					       &event, &err), 0);
	assert_int_equal(event.type, BURROW_CMD_KEY_SOFT_LIMIT_NTF);
	assert_string_equal(burrow_nl_event_name(event.type), "key-soft-limit");
	assert_int_equal(event.ifindex, 4);
	assert_int_equal(event.peer_id, 12);
	assert_int_equal(event.slot, BURROW_KEY_SLOT_SECONDARY);
	assert_int_equal(event.key_id, 3);
	assert_int_equal(event.limit_reached, BURROW_NL_LIMIT_SOFT);

	assert_int_equal(burrow_nl_event_parse(put_key_event(buf, BURROW_CMD_KEY_HARD_LIMIT_NTF,
							     BURROW_KEY_SLOT_PRIMARY,
							     BURROW_NL_LIMIT_HARD),
					       &event, &err), 0);
	assert_int_equal(event.type, BURROW_CMD_KEY_HARD_LIMIT_NTF);
	assert_string_equal(burrow_nl_event_name(event.type), "key-hard-limit");
	assert_int_equal(event.slot, BURROW_KEY_SLOT_PRIMARY);
	assert_int_equal(event.limit_reached, BURROW_NL_LIMIT_HARD);
	assert_null(burrow_nl_event_name(BURROW_CMD_DEV_GET));
	assert_null(burrow_nl_event_name(BURROW_CMD_MAX + 1));
}

static void assert_event_refused(const struct nlmsghdr *nlh, int code, const char *message)
{
	struct burrow_nl_event event = { .peer_id = 4242 };
	struct burrow_nl_error err;

	assert_int_equal(burrow_nl_event_parse(nlh, &event, &err), code);
	assert_string_equal(err.message, message);
	assert_int_equal(event.peer_id, 4242);
}

static void test_event_refused(void **state)
{
	TEST_BUFFER(buf, 512);
	struct nlattr *nest;
	struct nlmsghdr *nlh;

	(void)state;
	/* A command that is no event, or one this library does not know. */
	nlh = put_event(buf, BURROW_CMD_PEER_GET, 4, BURROW_A_DEV_PEER, &nest);
	mnl_attr_nest_end(nlh, nest);
	assert_event_refused(nlh, -EOPNOTSUPP, "command 6 is not a known event");
	nlh = put_event(buf, 42, 4, BURROW_A_DEV_PEER, &nest);
	mnl_attr_nest_end(nlh, nest);
	assert_event_refused(nlh, -EOPNOTSUPP, "command 42 is not a known event");

	nlh = test_put_header(buf, TEST_FAMILY_ID, 0, 0);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	assert_event_refused(nlh, -EBADMSG,
			     "truncated event: 18 bytes, no room for the genetlink header");

	nlh = put_event(buf, BURROW_CMD_PEER_EXPIRED_NTF, 0, BURROW_A_DEV_PEER, &nest);
	mnl_attr_put_u32(nlh, BURROW_A_PEER_ID, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_event_refused(nlh, -EBADMSG, "attribute dev.ifindex is 0");

	nlh = put_event(buf, BURROW_CMD_PEER_EXPIRED_NTF, 4, BURROW_A_DEV_KEYCONF, &nest);
	mnl_attr_put_u32(nlh, BURROW_A_KEYCONF_PEER_ID, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_event_refused(nlh, -ENODATA, "missing attribute dev.peer");

	nlh = put_event(buf, BURROW_CMD_PEER_EXPIRED_NTF, 4, BURROW_A_DEV_PEER, &nest);
	mnl_attr_nest_end(nlh, nest);
	assert_event_refused(nlh, -ENODATA, "missing attribute peer.id");

	nlh = put_event(buf, BURROW_CMD_PEER_EXPIRED_NTF, 4, BURROW_A_DEV_PEER, &nest);
	mnl_attr_put_u32(nlh, BURROW_A_PEER_ID, 0);
	mnl_attr_nest_end(nlh, nest);
	assert_event_refused(nlh, -EBADMSG, "attribute peer.id is 0");

	nlh = put_event(buf, BURROW_CMD_ENDPOINT_CHANGED_NTF, 4, BURROW_A_DEV_PEER, &nest);
	mnl_attr_put_u32(nlh, BURROW_A_PEER_ID, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_event_refused(nlh, -ENODATA,
			     "missing attribute peer.remote-ipv4 or peer.remote-ipv6");

	nlh = put_event(buf, BURROW_CMD_ENDPOINT_CHANGED_NTF, 4, BURROW_A_DEV_PEER, &nest);
	mnl_attr_put_u32(nlh, BURROW_A_PEER_ID, 1);
	mnl_attr_put(nlh, BURROW_A_PEER_REMOTE_IPV6, 4, "\x01\x02\x03\x04");
	mnl_attr_put_u16(nlh, BURROW_A_PEER_REMOTE_PORT, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_event_refused(nlh, -EBADMSG,
			     "attribute peer.remote-ipv6: 4-byte payload, expected 16 bytes");

	nlh = put_event(buf, BURROW_CMD_KEY_SOFT_LIMIT_NTF, 4, BURROW_A_DEV_PEER, &nest);
	mnl_attr_put_u32(nlh, BURROW_A_PEER_ID, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_event_refused(nlh, -ENODATA, "missing attribute dev.keyconf");

	nlh = put_event(buf, BURROW_CMD_KEY_SOFT_LIMIT_NTF, 4, BURROW_A_DEV_KEYCONF, &nest);
	mnl_attr_put_u32(nlh, BURROW_A_KEYCONF_PEER_ID, 1);
	mnl_attr_put_u8(nlh, BURROW_A_KEYCONF_SLOT, 0);
	mnl_attr_put_u8(nlh, BURROW_A_KEYCONF_LIMIT_REACHED, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_event_refused(nlh, -ENODATA, "missing attribute keyconf.key-id");

	assert_event_refused(put_key_event(buf, BURROW_CMD_KEY_HARD_LIMIT_NTF, 2, 2), -EBADMSG,
			     "attribute keyconf.slot has unknown value 2 (0-1)");
	assert_event_refused(put_key_event(buf, BURROW_CMD_KEY_HARD_LIMIT_NTF, 0, 3), -EBADMSG,
			     "attribute keyconf.limit-reached has unknown value 3 (0-2)");

	nlh = test_put_header(buf, TEST_FAMILY_ID, 0, 0);
	((struct genlmsghdr *)mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN))->cmd =
		BURROW_CMD_PEER_EXPIRED_NTF;
	assert_event_refused(nlh, -ENODATA, "missing attribute dev.ifindex");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_peer_expired),
		cmocka_unit_test(test_event_endpoint_changed),
		cmocka_unit_test(test_event_key_limits),
		cmocka_unit_test(test_event_refused),
	};

	return cmocka_run_group_tests_name("libburrow-nl events", tests, NULL, NULL);
}
