// SPDX-License-Identifier: GPL-2.0
/*
 * libburrow-nl peers: peer-new/set/del/get requests (long allowed-ips
 * lists split over several), peer-get replies (a peer split over several
 * messages merged back), and malformed replies refused with a precise
 * code and message.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "nl_builders.h"

static const struct genlmsghdr *genl_of(const struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload(nlh);
}

static struct burrow_nl_prefix prefix4(const char *addr, uint8_t len)
{
	struct burrow_nl_prefix prefix = { .family = AF_INET, .len = len };

	assert_int_equal(inet_pton(AF_INET, addr, &prefix.addr.v4), 1);
	return prefix;
}

static struct burrow_nl_prefix prefix6(const char *addr, uint8_t len)
{
	struct burrow_nl_prefix prefix = { .family = AF_INET6, .len = len };

	assert_int_equal(inet_pton(AF_INET6, addr, &prefix.addr.v6), 1);
	return prefix;
}

/* Check an allowed-ip nest of a request against prefix. */
static void assert_allowed_ip(const struct nlattr *nest, const struct burrow_nl_prefix *prefix)
{
	const struct nlattr *family = test_find_nested(nest, BURROW_A_ALLOWED_IP_FAMILY);
	const struct nlattr *address = test_find_nested(nest, BURROW_A_ALLOWED_IP_ADDRESS);
	const struct nlattr *len = test_find_nested(nest, BURROW_A_ALLOWED_IP_PREFIX_LEN);
	size_t addr_len = prefix->family == AF_INET ? 4 : 16;

	assert_true(nest->nla_type & NLA_F_NESTED);
	assert_non_null(family);
	assert_int_equal(mnl_attr_get_payload_len(family), 2);
	assert_int_equal(mnl_attr_get_u16(family), prefix->family);
	assert_non_null(address);
	assert_int_equal(mnl_attr_get_payload_len(address), addr_len);
	assert_memory_equal(mnl_attr_get_payload(address), prefix->addr.bytes, addr_len);
	assert_non_null(len);
	assert_int_equal(mnl_attr_get_payload_len(len), 1);
	assert_int_equal(mnl_attr_get_u8(len), prefix->len);
}

/* ---- requests --------------------------------------------------------------- */

static void test_peer_new_request_all_fields(void **state)
{
	TEST_BUFFER(buf, BURROW_NL_REQUEST_SIZE);
	const struct burrow_nl_prefix ips[] = { prefix4("10.1.0.0", 16), prefix6("fd00::", 64) };
	struct burrow_nl_peer_config config = {
		.dev = { .ifname = "burrow0" },
		.id = 5,
		.tx_id_set = true, .tx_id = 0x01020304,
		.endpoint = { .family = AF_INET, .port = 51820 },
		.endpoint_pinned_set = true, .endpoint_pinned = true,
		.encap_set = true, .encap = BURROW_ENCAP_QUIC,
		.keepalive_set = true, .keepalive = 25,
		.inactivity_timeout_set = true, .inactivity_timeout = 86400,
		.allowed_ips = ips, .allowed_ips_count = 2,
	};
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	const struct nlattr *peer, *attr;
	struct burrow_nl_error err;
	size_t next_ip = 0;
	unsigned int index = 0;

	(void)state;
	inet_pton(AF_INET, "192.0.2.1", &config.endpoint.addr.v4);
	assert_int_equal(burrow_nl_peer_request(buf, sizeof(buf), TEST_FAMILY_ID,
						BURROW_CMD_PEER_NEW, &config, &next_ip, &err), 0);
	assert_int_equal(next_ip, 2);
	assert_int_equal(nlh->nlmsg_type, TEST_FAMILY_ID);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(genl_of(nlh)->cmd, BURROW_CMD_PEER_NEW);
	assert_int_equal(test_count_attrs(nlh), 2);
	assert_string_equal(mnl_attr_get_str(test_find_attr(nlh, BURROW_A_DEV_IFNAME)), "burrow0");

	peer = test_find_attr(nlh, BURROW_A_DEV_PEER);
	assert_non_null(peer);
	assert_true(peer->nla_type & NLA_F_NESTED);
	assert_int_equal(mnl_attr_get_u32(test_find_nested(peer, BURROW_A_PEER_ID)), 5);
	assert_int_equal(mnl_attr_get_u32(test_find_nested(peer, BURROW_A_PEER_TX_ID)),
			 0x01020304);
	attr = test_find_nested(peer, BURROW_A_PEER_REMOTE_IPV4);
	assert_non_null(attr);
	assert_int_equal(mnl_attr_get_payload_len(attr), 4);
	assert_memory_equal(mnl_attr_get_payload(attr), "\xc0\x00\x02\x01", 4);
	/* Host byte order, as every integer of the family. */
	attr = test_find_nested(peer, BURROW_A_PEER_REMOTE_PORT);
	assert_int_equal(mnl_attr_get_payload_len(attr), 2);
	assert_int_equal(mnl_attr_get_u16(attr), 51820);
	attr = test_find_nested(peer, BURROW_A_PEER_ENDPOINT_PINNED);
	assert_int_equal(mnl_attr_get_payload_len(attr), 1);
	assert_int_equal(mnl_attr_get_u8(attr), 1);
	assert_int_equal(mnl_attr_get_u8(test_find_nested(peer, BURROW_A_PEER_ENCAP)),
			 BURROW_ENCAP_QUIC);
	assert_int_equal(mnl_attr_get_u16(test_find_nested(peer, BURROW_A_PEER_KEEPALIVE)), 25);
	assert_int_equal(mnl_attr_get_u32(test_find_nested(peer,
							   BURROW_A_PEER_INACTIVITY_TIMEOUT)),
			 86400);
	assert_null(test_find_nested(peer, BURROW_A_PEER_REMOTE_IPV6));
	assert_null(test_find_nested(peer, BURROW_A_PEER_REMOTE_CLEAR));
	assert_null(test_find_nested(peer, BURROW_A_PEER_ALLOWED_IPS_OP));

	assert_int_equal(test_count_nested(peer, BURROW_A_PEER_ALLOWED_IP), 2);
	mnl_attr_for_each_nested(attr, peer) {
		if (mnl_attr_get_type(attr) == BURROW_A_PEER_ALLOWED_IP)
			assert_allowed_ip(attr, &ips[index++]);
	}
}

static void test_peer_set_request_v6_endpoint_clear_and_op(void **state)
{
	TEST_BUFFER(buf, BURROW_NL_REQUEST_SIZE);
	struct burrow_nl_peer_config config = {
		.dev = { .ifindex = 4 }, .id = 9,
		.endpoint = { .family = AF_INET6, .port = 1 },
		.allowed_ips_op_set = true, .allowed_ips_op = BURROW_ALLOWED_IPS_OP_REPLACE,
	};
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	const struct nlattr *peer, *attr;
	struct burrow_nl_error err;
	size_t next_ip = 0;

	(void)state;
	inet_pton(AF_INET6, "2001:db8::1", &config.endpoint.addr.v6);
	assert_int_equal(burrow_nl_peer_request(buf, sizeof(buf), TEST_FAMILY_ID,
						BURROW_CMD_PEER_SET, &config, &next_ip, &err), 0);
	assert_int_equal(next_ip, 0);
	assert_int_equal(genl_of(nlh)->cmd, BURROW_CMD_PEER_SET);
	assert_int_equal(mnl_attr_get_u32(test_find_attr(nlh, BURROW_A_DEV_IFINDEX)), 4);
	peer = test_find_attr(nlh, BURROW_A_DEV_PEER);
	attr = test_find_nested(peer, BURROW_A_PEER_REMOTE_IPV6);
	assert_int_equal(mnl_attr_get_payload_len(attr), 16);
	assert_memory_equal(mnl_attr_get_payload(attr), config.endpoint.addr.bytes, 16);
	assert_null(test_find_nested(peer, BURROW_A_PEER_REMOTE_IPV4));
	/* replace with no list: clears the peer's allowed-ips. */
	assert_int_equal(mnl_attr_get_u8(test_find_nested(peer, BURROW_A_PEER_ALLOWED_IPS_OP)),
			 BURROW_ALLOWED_IPS_OP_REPLACE);
	assert_int_equal(test_count_nested(peer, BURROW_A_PEER_ALLOWED_IP), 0);

	/* Only what is set is sent: id and the clear flag. */
	config = (struct burrow_nl_peer_config){
		.dev = { .ifindex = 4 }, .id = 9, .endpoint_clear = true,
	};
	next_ip = 0;
	assert_int_equal(burrow_nl_peer_request(buf, sizeof(buf), TEST_FAMILY_ID,
						BURROW_CMD_PEER_SET, &config, &next_ip, &err), 0);
	peer = test_find_attr(nlh, BURROW_A_DEV_PEER);
	mnl_attr_for_each_nested(attr, peer)
		assert_true(mnl_attr_get_type(attr) == BURROW_A_PEER_ID ||
			    mnl_attr_get_type(attr) == BURROW_A_PEER_REMOTE_CLEAR);
	attr = test_find_nested(peer, BURROW_A_PEER_REMOTE_CLEAR);
	assert_non_null(attr);
	assert_int_equal(mnl_attr_get_payload_len(attr), 0);
}

static void assert_peer_config_refused(const struct burrow_nl_peer_config *config, uint8_t cmd,
				       int code, const char *message)
{
	TEST_BUFFER(buf, BURROW_NL_REQUEST_SIZE);
	struct burrow_nl_error err;
	size_t next_ip = 0;

	assert_int_equal(burrow_nl_peer_request(buf, sizeof(buf), TEST_FAMILY_ID, cmd, config,
						&next_ip, &err), code);
	assert_string_equal(err.message, message);
	assert_int_equal(next_ip, 0);
}

static void test_peer_request_refused(void **state)
{
	const struct burrow_nl_prefix bad_family = { .family = 7, .len = 8 };
	const struct burrow_nl_prefix long_v4 = { .family = AF_INET, .len = 33 };
	const struct burrow_nl_prefix ips[] = { prefix4("10.0.0.0", 8), long_v4 };
	struct burrow_nl_peer_config config = { .dev = { .ifname = "b0" }, .id = 1 };

	(void)state;
	assert_peer_config_refused(&config, BURROW_CMD_PEER_DEL, -EINVAL,
				   "command 7 is not peer-new or peer-set");
	config.id = 0;
	assert_peer_config_refused(&config, BURROW_CMD_PEER_NEW, -EINVAL,
				   "peer id 0 is reserved (ids start at 1)");
	config.id = 1;
	config.endpoint.family = AF_INET;
	assert_peer_config_refused(&config, BURROW_CMD_PEER_NEW, -EINVAL,
				   "endpoint port 0 is not allowed");
	config.endpoint.port = 5;
	config.endpoint_clear = true;
	assert_peer_config_refused(&config, BURROW_CMD_PEER_SET, -EINVAL,
				   "give an endpoint or endpoint-clear, not both");
	config.endpoint_clear = false;
	config.endpoint.family = AF_UNIX;
	assert_peer_config_refused(&config, BURROW_CMD_PEER_SET, -EINVAL,
				   "endpoint has address family 1, not AF_INET or AF_INET6");
	config.endpoint.family = AF_UNSPEC;
	config.encap_set = true;
	config.encap = 2;
	assert_peer_config_refused(&config, BURROW_CMD_PEER_NEW, -EINVAL, "unknown encap 2");
	config.encap_set = false;
	config.allowed_ips_op_set = true;
	config.allowed_ips_op = 3;
	assert_peer_config_refused(&config, BURROW_CMD_PEER_SET, -EINVAL,
				   "unknown allowed-ips-op 3");
	config.allowed_ips_op_set = false;
	config.allowed_ips_count = 1;
	assert_peer_config_refused(&config, BURROW_CMD_PEER_SET, -EINVAL,
				   "allowed-ips count 1 without a list");
	config.allowed_ips = &bad_family;
	assert_peer_config_refused(&config, BURROW_CMD_PEER_SET, -EINVAL,
				   "allowed-ip 0 has address family 7, not AF_INET or AF_INET6");
	config.allowed_ips = ips;
	config.allowed_ips_count = 2;
	assert_peer_config_refused(&config, BURROW_CMD_PEER_SET, -EINVAL,
				   "allowed-ip 1 has prefix length 33, more than 32");
	config.allowed_ips_count = 1;
	config.dev.ifindex = 3;
	assert_peer_config_refused(&config, BURROW_CMD_PEER_SET, -EINVAL,
				   "give ifindex or ifname, not both");
}

/*
 * Send a config as burrow_nl_peer_new()/set() do: parts until every prefix
 * went. Returns the number of parts; checks each and collects the prefixes
 * in the order sent.
 */
static unsigned int split_and_check(const struct burrow_nl_peer_config *config, uint8_t cmd,
				    size_t buf_size, uint8_t continuation_op,
				    struct burrow_nl_prefix *sent)
{
	static alignas(struct nlmsghdr) char buf[BURROW_NL_REQUEST_SIZE];
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	struct burrow_nl_error err;
	unsigned int parts = 0;
	size_t next_ip = 0, collected = 0;

	assert_true(buf_size <= sizeof(buf));
	do {
		const struct nlattr *peer, *attr, *op;

		assert_int_equal(burrow_nl_peer_request(buf, buf_size, TEST_FAMILY_ID, cmd, config,
							&next_ip, &err), 0);
		assert_true(nlh->nlmsg_len <= buf_size);
		peer = test_find_attr(nlh, BURROW_A_DEV_PEER);
		assert_int_equal(mnl_attr_get_u32(test_find_nested(peer, BURROW_A_PEER_ID)),
				 config->id);
		assert_string_equal(mnl_attr_get_str(test_find_attr(nlh, BURROW_A_DEV_IFNAME)),
				    config->dev.ifname);
		op = test_find_nested(peer, BURROW_A_PEER_ALLOWED_IPS_OP);
		if (parts == 0) {
			assert_int_equal(genl_of(nlh)->cmd, cmd);
			/* The other settings travel in the first part only. */
			assert_non_null(test_find_nested(peer, BURROW_A_PEER_KEEPALIVE));
			if (config->allowed_ips_op_set)
				assert_int_equal(mnl_attr_get_u8(op), config->allowed_ips_op);
			else
				assert_null(op);
		} else {
			assert_int_equal(genl_of(nlh)->cmd, BURROW_CMD_PEER_SET);
			assert_null(test_find_nested(peer, BURROW_A_PEER_KEEPALIVE));
			assert_non_null(op);
			assert_int_equal(mnl_attr_get_u8(op), continuation_op);
		}
		mnl_attr_for_each_nested(attr, peer) {
			const struct nlattr *family, *address, *len;

			if (mnl_attr_get_type(attr) != BURROW_A_PEER_ALLOWED_IP)
				continue;
			family = test_find_nested(attr, BURROW_A_ALLOWED_IP_FAMILY);
			address = test_find_nested(attr, BURROW_A_ALLOWED_IP_ADDRESS);
			len = test_find_nested(attr, BURROW_A_ALLOWED_IP_PREFIX_LEN);
			sent[collected].family = mnl_attr_get_u16(family);
			memset(&sent[collected].addr, 0, sizeof(sent[collected].addr));
			memcpy(sent[collected].addr.bytes, mnl_attr_get_payload(address),
			       mnl_attr_get_payload_len(address));
			sent[collected].len = mnl_attr_get_u8(len);
			collected++;
		}
		assert_int_equal(collected, next_ip);
		parts++;
	} while (next_ip < config->allowed_ips_count);
	assert_int_equal(collected, config->allowed_ips_count);
	return parts;
}

static void test_peer_request_long_list_split(void **state)
{
	enum { COUNT = 1000 };
	struct burrow_nl_prefix *ips = calloc(COUNT, sizeof(*ips));
	struct burrow_nl_prefix *sent = calloc(COUNT, sizeof(*sent));
	struct burrow_nl_peer_config config = {
		.dev = { .ifname = "burrow0" }, .id = 77,
		.keepalive_set = true, .keepalive = 10,
		.allowed_ips_op_set = true, .allowed_ips_op = BURROW_ALLOWED_IPS_OP_REPLACE,
	};
	unsigned int parts;

	(void)state;
	assert_non_null(ips);
	assert_non_null(sent);
	for (unsigned int i = 0; i < COUNT; i++) {
		ips[i].family = i % 2 ? AF_INET6 : AF_INET;
		ips[i].len = i % 2 ? 128 : 32;
		ips[i].addr.bytes[0] = 10;
		ips[i].addr.bytes[2] = (uint8_t)(i >> 8);
		ips[i].addr.bytes[3] = (uint8_t)i;
	}
	config.allowed_ips = ips;
	config.allowed_ips_count = COUNT;

	/* replace: the first part replaces, the others add. */
	parts = split_and_check(&config, BURROW_CMD_PEER_SET, BURROW_NL_REQUEST_SIZE,
				BURROW_ALLOWED_IPS_OP_ADD, sent);
	assert_true(parts > 1);
	assert_memory_equal(sent, ips, COUNT * sizeof(*ips));

	/* A smaller buffer (MNL_SOCKET_BUFFER_SIZE on a 4 KiB page): more parts. */
	assert_true(split_and_check(&config, BURROW_CMD_PEER_SET, 4096,
				    BURROW_ALLOWED_IPS_OP_ADD, sent) > parts);
	assert_memory_equal(sent, ips, COUNT * sizeof(*ips));

	/* remove: every part removes. */
	config.allowed_ips_op = BURROW_ALLOWED_IPS_OP_REMOVE;
	split_and_check(&config, BURROW_CMD_PEER_SET, BURROW_NL_REQUEST_SIZE,
			BURROW_ALLOWED_IPS_OP_REMOVE, sent);

	/* peer-new: created with the first part, the rest added with peer-set. */
	config.allowed_ips_op_set = false;
	assert_true(split_and_check(&config, BURROW_CMD_PEER_NEW, BURROW_NL_REQUEST_SIZE,
				    BURROW_ALLOWED_IPS_OP_ADD, sent) > 1);
	assert_memory_equal(sent, ips, COUNT * sizeof(*ips));
	free(ips);
	free(sent);
}

static void test_peer_request_no_room_for_a_prefix(void **state)
{
	TEST_BUFFER(buf, 256);
	const struct burrow_nl_prefix ip = prefix6("fd00::", 8);
	const struct burrow_nl_peer_config config = {
		.dev = { .ifname = "burrow0" }, .id = 1,
		.allowed_ips = &ip, .allowed_ips_count = 1,
	};
	struct burrow_nl_error err;
	size_t next_ip = 0;

	(void)state;
	/* header 20, ifname 12, nest 4, id 8: 44 bytes; an IPv6 allowed-ip needs 40. */
	assert_int_equal(burrow_nl_peer_request(buf, 60, TEST_FAMILY_ID, BURROW_CMD_PEER_NEW,
						&config, &next_ip, &err), -EMSGSIZE);
	assert_string_equal(err.message, "request buffer too small for attribute peer.allowed-ip");
	assert_int_equal(next_ip, 0);
	assert_int_equal(burrow_nl_peer_request(buf, 84, TEST_FAMILY_ID, BURROW_CMD_PEER_NEW,
						&config, &next_ip, &err), 0);
	assert_int_equal(next_ip, 1);
	/* A continuation past the end is a caller's bug. */
	assert_int_equal(burrow_nl_peer_request(buf, 84, TEST_FAMILY_ID, BURROW_CMD_PEER_NEW,
						&config, &next_ip, &err), -EINVAL);
	assert_string_equal(err.message, "allowed-ip 1 is past the end of the list (1)");
}

static void test_peer_id_requests(void **state)
{
	TEST_BUFFER(buf, BURROW_NL_REQUEST_SIZE);
	const struct burrow_nl_dev_ref dev = { .ifname = "burrow0" };
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	const struct nlattr *peer;
	struct burrow_nl_error err;

	(void)state;
	assert_int_equal(burrow_nl_peer_del_request(buf, sizeof(buf), TEST_FAMILY_ID, &dev, 42,
						    &err), 0);
	assert_int_equal(genl_of(nlh)->cmd, BURROW_CMD_PEER_DEL);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	peer = test_find_attr(nlh, BURROW_A_DEV_PEER);
	assert_non_null(peer);
	assert_int_equal(test_count_nested(peer, BURROW_A_PEER_ID), 1);
	assert_int_equal(mnl_attr_get_u32(test_find_nested(peer, BURROW_A_PEER_ID)), 42);
	assert_int_equal(mnl_attr_get_payload_len(peer), 8);	/* the id, nothing else */

	assert_int_equal(burrow_nl_peer_get_request(buf, sizeof(buf), TEST_FAMILY_ID, &dev, 43,
						    &err), 0);
	assert_int_equal(genl_of(nlh)->cmd, BURROW_CMD_PEER_GET);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(mnl_attr_get_u32(test_find_nested(test_find_attr(nlh, BURROW_A_DEV_PEER),
							   BURROW_A_PEER_ID)), 43);

	assert_int_equal(burrow_nl_peer_dump_request(buf, sizeof(buf), TEST_FAMILY_ID, &dev, &err),
			 0);
	assert_int_equal(genl_of(nlh)->cmd, BURROW_CMD_PEER_GET);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(test_count_attrs(nlh), 1);
	assert_string_equal(mnl_attr_get_str(test_find_attr(nlh, BURROW_A_DEV_IFNAME)), "burrow0");

	assert_int_equal(burrow_nl_peer_del_request(buf, sizeof(buf), TEST_FAMILY_ID, &dev, 0,
						    &err), -EINVAL);
	assert_string_equal(err.message, "peer id 0 is reserved (ids start at 1)");
	assert_int_equal(burrow_nl_peer_dump_request(buf, sizeof(buf), TEST_FAMILY_ID,
						     &(struct burrow_nl_dev_ref){ 0 }, &err),
			 -EINVAL);
	assert_string_equal(err.message, "give ifindex or ifname");
}

/* ---- replies ---------------------------------------------------------------- */

static void test_peer_parse_everything(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct burrow_nl_peer_list list = { 0 };
	const uint8_t v6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct burrow_nl_error err;
	const struct burrow_nl_peer *peer;
	struct nlattr *nest;
	struct nlmsghdr *nlh = test_put_peer_start(buf, 0, 12, &nest);

	(void)state;
	test_put_peer_header(nlh, 99, 1, BURROW_ENCAP_QUIC, 1000);
	mnl_attr_put(nlh, BURROW_A_PEER_REMOTE_IPV4, 4, "\xc0\x00\x02\x07");
	mnl_attr_put_u16(nlh, BURROW_A_PEER_REMOTE_PORT, 51820);
	mnl_attr_put_u16(nlh, BURROW_A_PEER_KEEPALIVE, 0);
	mnl_attr_put_u32(nlh, BURROW_A_PEER_INACTIVITY_TIMEOUT, 300);
	mnl_attr_put_u64(nlh, BURROW_A_PEER_LAST_RX_MS_AGO, 1500);
	mnl_attr_put(nlh, BURROW_A_PEER_EXPIRED, 0, NULL);
	mnl_attr_put_u64(nlh, BURROW_A_PEER_TX_QUEUE_DROPS, 21);
	mnl_attr_put_u64(nlh, BURROW_A_PEER_RX_QUEUE_DROPS, 22);
	test_put_allowed_ipv4(nlh, 10, 9, 0, 0, 16);
	test_put_allowed_ip(nlh, AF_INET6, v6, 16, 8);
	mnl_attr_put_u32(nlh, BURROW_A_PEER_MAX + 5, 1);	/* newer kernel */
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u32(nlh, BURROW_A_DEV_MAX + 3, 1);

	assert_int_equal(burrow_nl_peer_list_add(&list, nlh, &err), 0);
	assert_int_equal(burrow_nl_peer_list_finish(&list, &err), 0);
	assert_int_equal(list.count, 1);
	peer = &list.peers[0];
	assert_int_equal(peer->id, 12);
	assert_int_equal(peer->tx_id, 99);
	assert_int_equal(peer->endpoint.family, AF_INET);
	assert_memory_equal(peer->endpoint.addr.bytes, "\xc0\x00\x02\x07", 4);
	assert_int_equal(peer->endpoint.port, 51820);
	assert_true(peer->endpoint_pinned);
	assert_int_equal(peer->encap, BURROW_ENCAP_QUIC);
	assert_true(peer->keepalive_set);
	assert_int_equal(peer->keepalive, 0);
	assert_true(peer->inactivity_timeout_set);
	assert_int_equal(peer->inactivity_timeout, 300);
	assert_int_equal(peer->rx_bytes, 1001);
	assert_int_equal(peer->rx_packets, 1002);
	assert_int_equal(peer->tx_bytes, 1003);
	assert_int_equal(peer->tx_packets, 1004);
	assert_int_equal(peer->tx_queue_drops, 21);
	assert_int_equal(peer->rx_queue_drops, 22);
	assert_true(peer->last_rx_set);
	assert_int_equal(peer->last_rx_ms_ago, 1500);
	assert_true(peer->expired);
	assert_int_equal(peer->allowed_ips_count, 2);
	assert_int_equal(peer->allowed_ips[0].family, AF_INET);
	assert_memory_equal(peer->allowed_ips[0].addr.bytes, "\x0a\x09\x00\x00", 4);
	assert_int_equal(peer->allowed_ips[0].len, 16);
	assert_int_equal(peer->allowed_ips[1].family, AF_INET6);
	assert_memory_equal(peer->allowed_ips[1].addr.bytes, v6, 16);
	assert_int_equal(peer->allowed_ips[1].len, 8);
	burrow_nl_peer_list_release(&list);
	assert_null(list.peers);
	assert_int_equal(list.count, 0);
}

static void test_peer_parse_minimal(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct burrow_nl_peer_list list = { 0 };
	struct burrow_nl_error err;
	const struct burrow_nl_peer *peer;

	(void)state;
	assert_int_equal(burrow_nl_peer_list_add(&list, test_put_peer_reply(buf, 0, 3, true, 0, 0),
						 &err), 0);
	peer = &list.peers[0];
	assert_int_equal(peer->endpoint.family, AF_UNSPEC);
	assert_false(peer->keepalive_set);
	assert_false(peer->inactivity_timeout_set);
	assert_false(peer->last_rx_set);
	/* From a module without the pipeline's per-peer counters. */
	assert_int_equal(peer->tx_queue_drops, 0);
	assert_int_equal(peer->rx_queue_drops, 0);
	assert_false(peer->expired);
	assert_false(peer->endpoint_pinned);
	assert_int_equal(peer->allowed_ips_count, 0);
	assert_null(peer->allowed_ips);
	burrow_nl_peer_list_release(&list);
}

static void test_peer_split_messages_merge(void **state)
{
	TEST_BUFFER(buf, 4096);
	struct burrow_nl_peer_list list = { 0 };
	struct burrow_nl_error err;
	struct nlmsghdr *nlh;
	char *at = buf;

	(void)state;
	/* peer 3: 2 prefixes, then 3 more in a continuation with only the id */
	nlh = test_put_peer_reply(at, NLM_F_MULTI, 3, true, 0, 2);
	assert_int_equal(burrow_nl_peer_list_add(&list, nlh, &err), 0);
	at = test_after(nlh);
	nlh = test_put_peer_reply(at, NLM_F_MULTI, 3, false, 2, 3);
	assert_int_equal(burrow_nl_peer_list_add(&list, nlh, &err), 0);
	/* a continuation that repeats the header: its values are not taken */
	at = test_after(nlh);
	{
		struct nlattr *nest;

		nlh = test_put_peer_start(at, NLM_F_MULTI, 3, &nest);
		test_put_peer_header(nlh, 555, 1, BURROW_ENCAP_QUIC, 9000);
		test_put_allowed_ipv4(nlh, 10, 3, 5, 0, 24);
		mnl_attr_nest_end(nlh, nest);
	}
	assert_int_equal(burrow_nl_peer_list_add(&list, nlh, &err), 0);
	/* peer 1 with nothing, peer 2 split in two */
	at = test_after(nlh);
	nlh = test_put_peer_reply(at, NLM_F_MULTI, 1, true, 0, 0);
	assert_int_equal(burrow_nl_peer_list_add(&list, nlh, &err), 0);
	at = test_after(nlh);
	nlh = test_put_peer_reply(at, NLM_F_MULTI, 2, true, 0, 1);
	assert_int_equal(burrow_nl_peer_list_add(&list, nlh, &err), 0);
	at = test_after(nlh);
	nlh = test_put_peer_reply(at, NLM_F_MULTI, 2, false, 1, 1);
	assert_int_equal(burrow_nl_peer_list_add(&list, nlh, &err), 0);

	assert_int_equal(list.count, 3);
	assert_int_equal(burrow_nl_peer_list_finish(&list, &err), 0);
	assert_int_equal(list.peers[0].id, 1);
	assert_int_equal(list.peers[0].allowed_ips_count, 0);
	assert_int_equal(list.peers[1].id, 2);
	assert_int_equal(list.peers[1].allowed_ips_count, 2);
	assert_int_equal(list.peers[2].id, 3);
	assert_int_equal(list.peers[2].tx_id, 103);
	assert_int_equal(list.peers[2].encap, BURROW_ENCAP_UDP);
	assert_int_equal(list.peers[2].rx_bytes, 1);
	assert_int_equal(list.peers[2].allowed_ips_count, 6);
	for (unsigned int i = 0; i < 6; i++) {
		const uint8_t expected[4] = { 10, 3, (uint8_t)i, 0 };

		assert_memory_equal(list.peers[2].allowed_ips[i].addr.bytes, expected, 4);
		assert_int_equal(list.peers[2].allowed_ips[i].len, 24);
	}
	burrow_nl_peer_list_release(&list);
}

/* The library's path: replies in several buffers through burrow_nl_reply_process(). */
static int collect_peer(const struct nlmsghdr *nlh, void *list, struct burrow_nl_error *err)
{
	return burrow_nl_peer_list_add(list, nlh, err);
}

static void test_peer_split_across_receive_buffers(void **state)
{
	TEST_BUFFER(first, 2048);
	TEST_BUFFER(second, 2048);
	struct burrow_nl_peer_list list = { 0 };
	struct burrow_nl_error err;
	struct nlmsghdr *nlh;

	(void)state;
	nlh = test_put_peer_reply(first, NLM_F_MULTI, 8, true, 0, 10);
	assert_int_equal(burrow_nl_reply_process(first, test_length(first, nlh), TEST_SEQ,
						 TEST_PORTID, TEST_FAMILY_ID, collect_peer, &list,
						 &err), 1);
	nlh = test_put_peer_reply(second, NLM_F_MULTI, 8, false, 10, 10);
	nlh = test_put_done(test_after(nlh), 0, TEST_SEQ, NULL);
	assert_int_equal(burrow_nl_reply_process(second, test_length(second, nlh), TEST_SEQ,
						 TEST_PORTID, TEST_FAMILY_ID, collect_peer, &list,
						 &err), 0);
	assert_int_equal(burrow_nl_peer_list_finish(&list, &err), 0);
	assert_int_equal(list.count, 1);
	assert_int_equal(list.peers[0].allowed_ips_count, 20);
	assert_int_equal(list.peers[0].allowed_ips[19].addr.bytes[2], 19);
	burrow_nl_peer_list_release(&list);
}

static void test_peer_twice_apart_refused(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct burrow_nl_peer_list list = { 0 };
	struct burrow_nl_error err;

	(void)state;
	assert_int_equal(burrow_nl_peer_list_add(&list, test_put_peer_reply(buf, 0, 3, true, 0, 1),
						 &err), 0);
	assert_int_equal(burrow_nl_peer_list_add(&list, test_put_peer_reply(buf, 0, 4, true, 0, 1),
						 &err), 0);
	assert_int_equal(burrow_nl_peer_list_add(&list, test_put_peer_reply(buf, 0, 3, true, 1, 1),
						 &err), 0);
	assert_int_equal(burrow_nl_peer_list_finish(&list, &err), -EPROTO);
	assert_string_equal(err.message, "peer 3 appears twice in the reply, apart");
	burrow_nl_peer_list_release(&list);

	/* Without its header a peer cannot start, even after another one. */
	assert_int_equal(burrow_nl_peer_list_add(&list, test_put_peer_reply(buf, 0, 3, true, 0, 1),
						 &err), 0);
	assert_int_equal(burrow_nl_peer_list_add(&list, test_put_peer_reply(buf, 0, 4, false, 0, 1),
						 &err), -ENODATA);
	assert_string_equal(err.message, "missing attribute peer.tx-id");
	assert_int_equal(list.count, 1);
	burrow_nl_peer_list_release(&list);
}

/* Parse nlh as the first message of a list and expect it refused. */
static void assert_peer_refused(const struct nlmsghdr *nlh, int code, const char *message)
{
	struct burrow_nl_peer_list list = { 0 };
	struct burrow_nl_error err;

	assert_int_equal(burrow_nl_peer_list_add(&list, nlh, &err), code);
	assert_string_equal(err.message, message);
	assert_false(err.from_kernel);
	assert_int_equal(list.count, 0);
	burrow_nl_peer_list_release(&list);
}

static void test_peer_parse_missing_header_attributes(void **state)
{
	static const struct {
		uint16_t type;
		const char *message;
	} cases[] = {
		{ BURROW_A_PEER_TX_ID, "missing attribute peer.tx-id" },
		{ BURROW_A_PEER_ENDPOINT_PINNED, "missing attribute peer.endpoint-pinned" },
		{ BURROW_A_PEER_ENCAP, "missing attribute peer.encap" },
		{ BURROW_A_PEER_RX_BYTES, "missing attribute peer.rx-bytes" },
		{ BURROW_A_PEER_RX_PACKETS, "missing attribute peer.rx-packets" },
		{ BURROW_A_PEER_TX_BYTES, "missing attribute peer.tx-bytes" },
		{ BURROW_A_PEER_TX_PACKETS, "missing attribute peer.tx-packets" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TEST_BUFFER(buf, 1024);
		struct nlattr *nest;
		struct nlmsghdr *nlh = test_put_peer_start(buf, 0, 3, &nest);

		for (uint16_t type = BURROW_A_PEER_TX_ID; type <= BURROW_A_PEER_TX_PACKETS; type++) {
			if (type == cases[i].type)
				continue;
			if (type == BURROW_A_PEER_TX_ID)
				mnl_attr_put_u32(nlh, type, 1);
			else if (type == BURROW_A_PEER_ENDPOINT_PINNED || type == BURROW_A_PEER_ENCAP)
				mnl_attr_put_u8(nlh, type, 0);
			else if (type >= BURROW_A_PEER_RX_BYTES)
				mnl_attr_put_u64(nlh, type, 0);
		}
		mnl_attr_nest_end(nlh, nest);
		assert_peer_refused(nlh, -ENODATA, cases[i].message);
	}
}

static void test_peer_parse_refused(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlattr *nest;
	struct nlmsghdr *nlh;

	(void)state;
	nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_PEER_GET, 0);
	mnl_attr_put_u32(nlh, BURROW_A_DEV_IFINDEX, 7);
	assert_peer_refused(nlh, -ENODATA, "missing attribute dev.peer");

	nlh = test_put_peer_reply(buf, 0, 3, true, 0, 0);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd = BURROW_CMD_PEER_SET;
	assert_peer_refused(nlh, -EPROTO, "peer-get reply has command 5, expected 6");

	nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_PEER_GET, 0);
	nest = mnl_attr_nest_start(nlh, BURROW_A_DEV_PEER);
	mnl_attr_put_u32(nlh, BURROW_A_PEER_ID, 3);
	test_put_peer_header(nlh, 1, 0, 0, 0);
	mnl_attr_nest_end(nlh, nest);
	assert_peer_refused(nlh, -ENODATA, "missing attribute dev.ifindex");

	nlh = test_put_peer_start(buf, 0, 0, &nest);
	test_put_peer_header(nlh, 1, 0, 0, 0);
	mnl_attr_nest_end(nlh, nest);
	assert_peer_refused(nlh, -EBADMSG, "attribute peer.id is 0");

	nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_PEER_GET, 0);
	mnl_attr_put_u32(nlh, BURROW_A_DEV_IFINDEX, 7);
	nest = mnl_attr_nest_start(nlh, BURROW_A_DEV_PEER);
	test_put_peer_header(nlh, 1, 0, 0, 0);
	mnl_attr_nest_end(nlh, nest);
	assert_peer_refused(nlh, -ENODATA, "missing attribute peer.id");

	nlh = test_put_peer_start(buf, 0, 3, &nest);
	test_put_peer_header(nlh, 1, 0, 2, 0);
	mnl_attr_nest_end(nlh, nest);
	assert_peer_refused(nlh, -EBADMSG, "attribute peer.encap has unknown value 2 (0-1)");

	nlh = test_put_peer_start(buf, 0, 3, &nest);
	test_put_peer_header(nlh, 1, 2, 0, 0);
	mnl_attr_nest_end(nlh, nest);
	assert_peer_refused(nlh, -EBADMSG,
			    "attribute peer.endpoint-pinned has unknown value 2 (0-1)");

	nlh = test_put_peer_start(buf, 0, 3, &nest);
	test_put_peer_header(nlh, 1, 0, 0, 0);
	mnl_attr_put_u32(nlh, BURROW_A_PEER_ENCAP, 0);	/* repeated, and the wrong size */
	mnl_attr_nest_end(nlh, nest);
	assert_peer_refused(nlh, -EBADMSG, "attribute peer.encap appears twice");

	nlh = test_put_peer_start(buf, 0, 3, &nest);
	mnl_attr_put_u16(nlh, BURROW_A_PEER_TX_ID, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_peer_refused(nlh, -EBADMSG, "attribute peer.tx-id: 2-byte payload is not a valid u32");

	nlh = test_put_peer_start(buf, 0, 3, &nest);
	mnl_attr_put_u32(nlh, BURROW_A_PEER_EXPIRED, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_peer_refused(nlh, -EBADMSG, "attribute peer.expired: 4-byte payload is not a valid flag");
}

static void test_peer_parse_endpoint_refused(void **state)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	TEST_BUFFER(buf, 1024);
	struct nlattr *nest;
	struct nlmsghdr *nlh;

	(void)state;
	nlh = test_put_peer_start(buf, 0, 3, &nest);
	test_put_peer_header(nlh, 1, 0, 0, 0);
	mnl_attr_put(nlh, BURROW_A_PEER_REMOTE_IPV4, 5, "\x01\x02\x03\x04\x05");
	mnl_attr_put_u16(nlh, BURROW_A_PEER_REMOTE_PORT, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_peer_refused(nlh, -EBADMSG,
			    "attribute peer.remote-ipv4: 5-byte payload, expected 4 bytes");

	nlh = test_put_peer_start(buf, 0, 3, &nest);
	test_put_peer_header(nlh, 1, 0, 0, 0);
	mnl_attr_put(nlh, BURROW_A_PEER_REMOTE_IPV6, 4, v6);
	mnl_attr_put_u16(nlh, BURROW_A_PEER_REMOTE_PORT, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_peer_refused(nlh, -EBADMSG,
			    "attribute peer.remote-ipv6: 4-byte payload, expected 16 bytes");

	nlh = test_put_peer_start(buf, 0, 3, &nest);
	test_put_peer_header(nlh, 1, 0, 0, 0);
	mnl_attr_put(nlh, BURROW_A_PEER_REMOTE_IPV4, 4, "\x01\x02\x03\x04");
	mnl_attr_put(nlh, BURROW_A_PEER_REMOTE_IPV6, 16, v6);
	mnl_attr_put_u16(nlh, BURROW_A_PEER_REMOTE_PORT, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_peer_refused(nlh, -EBADMSG, "peer has both remote-ipv4 and remote-ipv6");

	nlh = test_put_peer_start(buf, 0, 3, &nest);
	test_put_peer_header(nlh, 1, 0, 0, 0);
	mnl_attr_put(nlh, BURROW_A_PEER_REMOTE_IPV6, 16, v6);
	mnl_attr_nest_end(nlh, nest);
	assert_peer_refused(nlh, -ENODATA, "missing attribute peer.remote-port");

	nlh = test_put_peer_start(buf, 0, 3, &nest);
	test_put_peer_header(nlh, 1, 0, 0, 0);
	mnl_attr_put_u16(nlh, BURROW_A_PEER_REMOTE_PORT, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_peer_refused(nlh, -EBADMSG, "attribute peer.remote-port without a remote address");

	nlh = test_put_peer_start(buf, 0, 3, &nest);
	test_put_peer_header(nlh, 1, 0, 0, 0);
	mnl_attr_put(nlh, BURROW_A_PEER_REMOTE_IPV4, 4, "\x01\x02\x03\x04");
	mnl_attr_put_u16(nlh, BURROW_A_PEER_REMOTE_PORT, 0);
	mnl_attr_nest_end(nlh, nest);
	assert_peer_refused(nlh, -EBADMSG, "attribute peer.remote-port is 0");
}

/* A peer message carrying one allowed-ip nest built by put(). */
static struct nlmsghdr *put_peer_with_allowed_ip(void *buf,
						 void (*put)(struct nlmsghdr *nlh))
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = test_put_peer_start(buf, 0, 3, &nest);

	test_put_peer_header(nlh, 1, 0, 0, 0);
	test_put_allowed_ipv4(nlh, 10, 0, 0, 0, 8);	/* a good one first */
	put(nlh);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static void put_unknown_family(struct nlmsghdr *nlh)
{
	test_put_allowed_ip(nlh, 7, "\x01\x02\x03\x04", 4, 8);
}

static void put_v4_with_16_bytes(struct nlmsghdr *nlh)
{
	test_put_allowed_ip(nlh, AF_INET, "0123456789abcdef", 16, 8);
}

static void put_v6_with_4_bytes(struct nlmsghdr *nlh)
{
	test_put_allowed_ip(nlh, AF_INET6, "\x20\x01\x0d\xb8", 4, 32);
}

static void put_v4_len_33(struct nlmsghdr *nlh)
{
	test_put_allowed_ipv4(nlh, 10, 0, 0, 0, 33);
}

static void put_v6_len_129(struct nlmsghdr *nlh)
{
	test_put_allowed_ip(nlh, AF_INET6, "0123456789abcdef", 16, 129);
}

static void put_without_prefix_len(struct nlmsghdr *nlh)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, BURROW_A_PEER_ALLOWED_IP);

	mnl_attr_put_u16(nlh, BURROW_A_ALLOWED_IP_FAMILY, AF_INET);
	mnl_attr_put(nlh, BURROW_A_ALLOWED_IP_ADDRESS, 4, "\x0a\x00\x00\x00");
	mnl_attr_nest_end(nlh, nest);
}

static void put_without_address(struct nlmsghdr *nlh)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, BURROW_A_PEER_ALLOWED_IP);

	mnl_attr_put_u16(nlh, BURROW_A_ALLOWED_IP_FAMILY, AF_INET);
	mnl_attr_put_u8(nlh, BURROW_A_ALLOWED_IP_PREFIX_LEN, 8);
	mnl_attr_nest_end(nlh, nest);
}

static void put_family_as_u32(struct nlmsghdr *nlh)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, BURROW_A_PEER_ALLOWED_IP);

	mnl_attr_put_u32(nlh, BURROW_A_ALLOWED_IP_FAMILY, AF_INET);
	mnl_attr_put(nlh, BURROW_A_ALLOWED_IP_ADDRESS, 4, "\x0a\x00\x00\x00");
	mnl_attr_put_u8(nlh, BURROW_A_ALLOWED_IP_PREFIX_LEN, 8);
	mnl_attr_nest_end(nlh, nest);
}

static void put_not_a_nest(struct nlmsghdr *nlh)
{
	mnl_attr_put_u16(nlh, BURROW_A_PEER_ALLOWED_IP, 1);
}

static void put_cut_nest(struct nlmsghdr *nlh)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, BURROW_A_PEER_ALLOWED_IP);

	mnl_attr_put_u16(nlh, BURROW_A_ALLOWED_IP_FAMILY, AF_INET);
	mnl_attr_put(nlh, BURROW_A_ALLOWED_IP_ADDRESS, 4, "\x0a\x00\x00\x00");
	mnl_attr_put_u8(nlh, BURROW_A_ALLOWED_IP_PREFIX_LEN, 8);
	mnl_attr_nest_end(nlh, nest);
	/* The nest ends inside prefix-len; so does the message (then the peer nest). */
	nest->nla_len -= 4;
	nlh->nlmsg_len -= 4;
}

static void test_peer_parse_allowed_ip_refused(void **state)
{
	static const struct {
		void (*put)(struct nlmsghdr *nlh);
		int code;
		const char *message;
	} cases[] = {
		{ put_unknown_family, -EBADMSG, "attribute allowed-ip.family has unknown family 7" },
		{ put_v4_with_16_bytes, -EBADMSG,
		  "attribute allowed-ip.address is 16 bytes, family AF_INET needs 4" },
		{ put_v6_with_4_bytes, -EBADMSG,
		  "attribute allowed-ip.address is 4 bytes, family AF_INET6 needs 16" },
		{ put_v4_len_33, -EBADMSG,
		  "attribute allowed-ip.prefix-len is 33, more than 32 for AF_INET" },
		{ put_v6_len_129, -EBADMSG,
		  "attribute allowed-ip.prefix-len is 129, more than 128 for AF_INET6" },
		{ put_without_prefix_len, -ENODATA, "missing attribute allowed-ip.prefix-len" },
		{ put_without_address, -ENODATA, "missing attribute allowed-ip.address" },
		{ put_family_as_u32, -EBADMSG,
		  "attribute allowed-ip.family: 4-byte payload is not a valid u16" },
		{ put_not_a_nest, -EBADMSG,
		  "attribute peer.allowed-ip: 2-byte payload is not a valid nest" },
		{ put_cut_nest, -EBADMSG,
		  "truncated attribute in allowed-ip (4 bytes after the last whole one)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TEST_BUFFER(buf, 1024);

		assert_peer_refused(put_peer_with_allowed_ip(buf, cases[i].put), cases[i].code,
				    cases[i].message);
	}
}

/*
 * Allowed-ip nests in the kernel's layout (family, address, prefix-len)
 * take the parser's short path; the same prefixes in another order, with
 * an extra attribute or with the flag bits of a type set take the general
 * one. Both must give the same prefixes, for either family.
 */
static void put_allowed_ip_reordered(struct nlmsghdr *nlh, uint16_t family, const void *addr,
				     size_t addr_len, uint8_t prefix_len, int variant)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, BURROW_A_PEER_ALLOWED_IP);

	if (variant == 0) {
		mnl_attr_put_u8(nlh, BURROW_A_ALLOWED_IP_PREFIX_LEN, prefix_len);
		mnl_attr_put(nlh, BURROW_A_ALLOWED_IP_ADDRESS, addr_len, addr);
		mnl_attr_put_u16(nlh, BURROW_A_ALLOWED_IP_FAMILY, family);
	} else {
		uint16_t flags = variant == 2 ? NLA_F_NET_BYTEORDER : 0;

		mnl_attr_put_u16(nlh, BURROW_A_ALLOWED_IP_FAMILY | flags, family);
		mnl_attr_put(nlh, BURROW_A_ALLOWED_IP_ADDRESS, addr_len, addr);
		mnl_attr_put_u8(nlh, BURROW_A_ALLOWED_IP_PREFIX_LEN, prefix_len);
		if (variant == 1)
			mnl_attr_put_u32(nlh, BURROW_A_ALLOWED_IP_MAX + 1, 7);
	}
	mnl_attr_nest_end(nlh, nest);
}

static void test_peer_parse_allowed_ip_layouts(void **state)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t v4[4] = { 192, 0, 2, 0 };
	TEST_BUFFER(buf, 2048);
	struct burrow_nl_peer_list list = { 0 };
	struct burrow_nl_error err;
	struct nlattr *nest;
	struct nlmsghdr *nlh = test_put_peer_start(buf, 0, 3, &nest);

	(void)state;
	test_put_peer_header(nlh, 1, 0, 0, 0);
	for (int variant = -1; variant <= 2; variant++) {
		if (variant < 0) {
			test_put_allowed_ip(nlh, AF_INET, v4, 4, 24);
			test_put_allowed_ip(nlh, AF_INET6, v6, 16, 128);
		} else {
			put_allowed_ip_reordered(nlh, AF_INET, v4, 4, 24, variant);
			put_allowed_ip_reordered(nlh, AF_INET6, v6, 16, 128, variant);
		}
	}
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(burrow_nl_peer_list_add(&list, nlh, &err), 0);
	assert_int_equal(list.peers[0].allowed_ips_count, 8);
	for (size_t i = 0; i < 8; i += 2) {
		const struct burrow_nl_prefix *a = &list.peers[0].allowed_ips[i];

		assert_int_equal(a[0].family, AF_INET);
		assert_memory_equal(a[0].addr.bytes, v4, 4);
		assert_int_equal(a[0].len, 24);
		assert_int_equal(a[1].family, AF_INET6);
		assert_memory_equal(a[1].addr.bytes, v6, 16);
		assert_int_equal(a[1].len, 128);
		/* The bytes past an IPv4 address are zero either way. */
		assert_memory_equal(&a[0].addr.bytes[4], "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	}
	burrow_nl_peer_list_release(&list);
}

static void test_peer_continuation_refused(void **state)
{
	TEST_BUFFER(buf, 1024);
	TEST_BUFFER(bad, 1024);
	struct burrow_nl_peer_list list = { 0 };
	struct burrow_nl_error err;
	struct nlattr *nest;
	struct nlmsghdr *nlh;

	(void)state;
	assert_int_equal(burrow_nl_peer_list_add(&list, test_put_peer_reply(buf, 0, 3, true, 0, 1),
						 &err), 0);
	nlh = test_put_peer_start(bad, 0, 3, &nest);
	put_v4_len_33(nlh);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(burrow_nl_peer_list_add(&list, nlh, &err), -EBADMSG);
	assert_string_equal(err.message,
			    "attribute allowed-ip.prefix-len is 33, more than 32 for AF_INET");
	burrow_nl_peer_list_release(&list);
}

static void test_peer_parse_skips_unknown_nested_attributes(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct burrow_nl_peer_list list = { 0 };
	struct burrow_nl_error err;
	struct nlattr *nest, *ip;
	struct nlmsghdr *nlh = test_put_peer_start(buf, 0, 3, &nest);

	(void)state;
	test_put_peer_header(nlh, 1, 0, 0, 0);
	mnl_attr_put(nlh, BURROW_A_PEER_REMOTE_CLEAR, 0, NULL);	/* request-only */
	ip = mnl_attr_nest_start(nlh, BURROW_A_PEER_ALLOWED_IP);
	mnl_attr_put_u64(nlh, BURROW_A_ALLOWED_IP_MAX + 1, 7);
	mnl_attr_put_u16(nlh, BURROW_A_ALLOWED_IP_FAMILY, AF_INET);
	mnl_attr_put(nlh, BURROW_A_ALLOWED_IP_ADDRESS, 4, "\x0a\x00\x00\x00");
	mnl_attr_put_u8(nlh, BURROW_A_ALLOWED_IP_PREFIX_LEN, 8);
	mnl_attr_nest_end(nlh, ip);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(burrow_nl_peer_list_add(&list, nlh, &err), 0);
	assert_int_equal(list.peers[0].allowed_ips_count, 1);
	assert_int_equal(list.peers[0].allowed_ips[0].len, 8);
	burrow_nl_peer_list_release(&list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peer_new_request_all_fields),
		cmocka_unit_test(test_peer_set_request_v6_endpoint_clear_and_op),
		cmocka_unit_test(test_peer_request_refused),
		cmocka_unit_test(test_peer_request_long_list_split),
		cmocka_unit_test(test_peer_request_no_room_for_a_prefix),
		cmocka_unit_test(test_peer_id_requests),
		cmocka_unit_test(test_peer_parse_everything),
		cmocka_unit_test(test_peer_parse_minimal),
		cmocka_unit_test(test_peer_split_messages_merge),
		cmocka_unit_test(test_peer_split_across_receive_buffers),
		cmocka_unit_test(test_peer_twice_apart_refused),
		cmocka_unit_test(test_peer_parse_missing_header_attributes),
		cmocka_unit_test(test_peer_parse_refused),
		cmocka_unit_test(test_peer_parse_endpoint_refused),
		cmocka_unit_test(test_peer_parse_allowed_ip_refused),
		cmocka_unit_test(test_peer_parse_allowed_ip_layouts),
		cmocka_unit_test(test_peer_continuation_refused),
		cmocka_unit_test(test_peer_parse_skips_unknown_nested_attributes),
	};

	return cmocka_run_group_tests_name("libburrow-nl peers", tests, NULL, NULL);
}
