// SPDX-License-Identifier: GPL-2.0
/*
 * libburrow-nl's operations end to end against a fake kernel: this file
 * defines libmnl's socket functions (and recvmsg()), which take precedence
 * over the shared libraries' for the statically linked library. Each
 * request goes to a responder that queues the datagrams the kernel would
 * send back. Covered: family resolution, split peer-set requests and the
 * failure of a later part, dump retries on NLM_F_DUMP_INTR, peer-get and
 * key-get answers for the wrong object, key material wiped after key-new,
 * raw requests, and events (several per datagram, unknown ones, forged
 * ones, lost ones).
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "fake_kernel.h"

/* ---- tests ------------------------------------------------------------------ */

static void test_open_resolves_family(void **state)
{
	struct burrow_nl *nl = *state;

	assert_int_equal(burrow_nl_family_id(nl), TEST_FAMILY_ID);
	assert_int_equal(burrow_nl_events_group(nl), EVENTS_GROUP);
	assert_int_equal(genl_of(request_at(0))->cmd, CTRL_CMD_GETFAMILY);
}

static struct burrow_nl_prefix *many_prefixes(size_t count)
{
	struct burrow_nl_prefix *ips = calloc(count, sizeof(*ips));

	assert_non_null(ips);
	for (size_t i = 0; i < count; i++) {
		ips[i].family = AF_INET6;
		ips[i].addr.bytes[0] = 0xfd;
		ips[i].addr.bytes[14] = (uint8_t)(i >> 8);
		ips[i].addr.bytes[15] = (uint8_t)i;
		ips[i].len = 128;
	}
	return ips;
}

static uint8_t peer_op_of(const struct nlmsghdr *request)
{
	const struct nlattr *peer = test_find_attr(request, BURROW_A_DEV_PEER);
	const struct nlattr *op = test_find_nested(peer, BURROW_A_PEER_ALLOWED_IPS_OP);

	assert_non_null(op);
	return mnl_attr_get_u8(op);
}

static void test_peer_set_sends_every_part(void **state)
{
	struct burrow_nl *nl = *state;
	struct burrow_nl_prefix *ips = many_prefixes(1000);
	const struct burrow_nl_peer_config config = {
		.dev = { .ifname = "burrow0" }, .id = 4,
		.allowed_ips_op_set = true, .allowed_ips_op = BURROW_ALLOWED_IPS_OP_REPLACE,
		.allowed_ips = ips, .allowed_ips_count = 1000,
	};
	unsigned int sent = 0;

	assert_int_equal(burrow_nl_peer_set(nl, &config), 0);
	assert_true(fake.request_count > 2);
	assert_int_equal(peer_op_of(request_at(1)), BURROW_ALLOWED_IPS_OP_REPLACE);
	for (unsigned int i = 1; i < fake.request_count; i++) {
		const struct nlmsghdr *request = request_at(i);

		assert_int_equal(genl_of(request)->cmd, BURROW_CMD_PEER_SET);
		if (i > 1)
			assert_int_equal(peer_op_of(request), BURROW_ALLOWED_IPS_OP_ADD);
		sent += test_count_nested(test_find_attr(request, BURROW_A_DEV_PEER),
					  BURROW_A_PEER_ALLOWED_IP);
		/* Each part waits for its ack: sequence numbers go up one by one. */
		assert_int_equal(request->nlmsg_seq, request_at(i - 1)->nlmsg_seq + 1);
	}
	assert_int_equal(sent, 1000);
	free(ips);
}

static unsigned int refuse_part;

static void respond_refuse_part(const struct nlmsghdr *request)
{
	/* request 0 was the family lookup */
	if (fake.request_count - 1 == refuse_part)
		queue_ack(request, -E2BIG, "too many allowed ips for this peer");
	else
		queue_ack(request, 0, NULL);
}

static void test_peer_set_later_part_refused(void **state)
{
	struct burrow_nl *nl = *state;
	struct burrow_nl_prefix *ips = many_prefixes(1000);
	const struct burrow_nl_peer_config config = {
		.dev = { .ifname = "burrow0" }, .id = 4,
		.allowed_ips_op_set = true, .allowed_ips_op = BURROW_ALLOWED_IPS_OP_ADD,
		.allowed_ips = ips, .allowed_ips_count = 1000,
	};
	const struct nlattr *peer;
	char expected[128];
	unsigned int first_part_ips;

	refuse_part = 2;
	fake.respond = respond_refuse_part;
	assert_int_equal(burrow_nl_peer_set(nl, &config), -E2BIG);
	assert_true(burrow_nl_last_error_from_kernel(nl));
	/* Nothing after the refused part was sent. */
	assert_int_equal(fake.request_count, 3);
	peer = test_find_attr(request_at(1), BURROW_A_DEV_PEER);
	first_part_ips = test_count_nested(peer, BURROW_A_PEER_ALLOWED_IP);
	snprintf(expected, sizeof(expected),
		 "part 2 (allowed-ips from %u of 1000): too many allowed ips for this peer",
		 first_part_ips);
	assert_string_equal(burrow_nl_last_error(nl), expected);

	/* A list that fits one request is not named by part. */
	fake.request_count = 0;		/* no family lookup before this one */
	refuse_part = 0;
	((struct burrow_nl_peer_config *)&config)->allowed_ips_count = 3;
	assert_int_equal(burrow_nl_peer_new(nl, &config), -E2BIG);
	assert_string_equal(burrow_nl_last_error(nl), "too many allowed ips for this peer");
	free(ips);
}

static unsigned int interrupted_attempts;

/* A dev dump: two devices; the first attempts marked NLM_F_DUMP_INTR. */
static void respond_dev_dump(const struct nlmsghdr *request)
{
	TEST_BUFFER(buf, 2048);
	uint16_t flags = NLM_F_MULTI;
	struct nlmsghdr *first, *nlh;

	assert_int_equal(request->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	if (interrupted_attempts) {
		interrupted_attempts--;
		flags |= NLM_F_DUMP_INTR;
	}
	first = test_put_dev_reply(buf, NLM_F_MULTI, 3, "burrow0", 1, 2);
	first->nlmsg_seq = request->nlmsg_seq;
	queue_messages(buf, first, 0);
	nlh = test_put_dev_reply(buf, flags, 4, "burrow1", 1, 2);
	nlh->nlmsg_seq = request->nlmsg_seq;
	nlh = test_put_done(test_after(nlh), 0, request->nlmsg_seq, NULL);
	queue_messages(buf, nlh, 0);
}

static void test_dev_dump_retries_interrupted(void **state)
{
	struct burrow_nl *nl = *state;
	struct burrow_nl_dev *devs;
	size_t count;

	fake.respond = respond_dev_dump;
	interrupted_attempts = 2;
	assert_int_equal(burrow_nl_dev_dump(nl, &devs, &count), 0);
	assert_int_equal(fake.request_count, 1 + 3);
	assert_int_equal(count, 2);
	assert_string_equal(devs[1].ifname, "burrow1");
	free(devs);

	interrupted_attempts = BURROW_NL_DUMP_ATTEMPTS;
	assert_int_equal(burrow_nl_dev_dump(nl, &devs, &count), -EINTR);
	assert_null(devs);
	assert_int_equal(count, 0);
	assert_string_equal(burrow_nl_last_error(nl),
			    "devices kept changing during the dump (3 attempts)");
	assert_int_equal(fake.head, fake.tail);	/* every reply was read */
}

/* A peer dump of peer 2 split over two datagrams and peer 1 after it. */
static void respond_peer_dump(const struct nlmsghdr *request)
{
	TEST_BUFFER(buf, 4096);
	uint16_t flags = NLM_F_MULTI;
	struct nlmsghdr *nlh;

	if (interrupted_attempts) {
		interrupted_attempts--;
		flags |= NLM_F_DUMP_INTR;
	}
	nlh = test_put_peer_reply(buf, NLM_F_MULTI, 2, true, 0, 30);
	nlh->nlmsg_seq = request->nlmsg_seq;
	queue_messages(buf, nlh, 0);
	nlh = test_put_peer_reply(buf, NLM_F_MULTI, 2, false, 30, 30);
	nlh->nlmsg_seq = request->nlmsg_seq;
	nlh = test_put_peer_reply(test_after(nlh), flags, 1, true, 0, 1);
	nlh->nlmsg_seq = request->nlmsg_seq;
	nlh = test_put_done(test_after(nlh), 0, request->nlmsg_seq, NULL);
	queue_messages(buf, nlh, 0);
}

static void test_peer_dump_merges_and_retries(void **state)
{
	struct burrow_nl *nl = *state;
	const struct burrow_nl_dev_ref dev = { .ifname = "burrow0" };
	struct burrow_nl_peer *peers;
	size_t count;

	fake.respond = respond_peer_dump;
	interrupted_attempts = 1;
	assert_int_equal(burrow_nl_peer_dump(nl, &dev, &peers, &count), 0);
	assert_int_equal(fake.request_count, 1 + 2);
	assert_int_equal(count, 2);
	assert_int_equal(peers[0].id, 1);
	assert_int_equal(peers[0].allowed_ips_count, 1);
	assert_int_equal(peers[1].id, 2);
	assert_int_equal(peers[1].allowed_ips_count, 60);
	assert_int_equal(peers[1].allowed_ips[59].addr.bytes[2], 59);
	burrow_nl_peers_free(peers, count);
	assert_string_equal(mnl_attr_get_str(test_find_attr(request_at(1), BURROW_A_DEV_IFNAME)),
			    "burrow0");
}

static uint32_t answered_peer;

static void respond_peer_get(const struct nlmsghdr *request)
{
	TEST_BUFFER(buf, 2048);
	struct nlmsghdr *nlh = test_put_peer_reply(buf, 0, answered_peer, true, 0, 2);

	nlh->nlmsg_seq = request->nlmsg_seq;
	nlh = test_put_error(test_after(nlh), 0, request->nlmsg_seq, true, 0, NULL);
	queue_messages(buf, nlh, 0);
}

static void test_peer_get(void **state)
{
	struct burrow_nl *nl = *state;
	const struct burrow_nl_dev_ref dev = { .ifindex = 7 };
	struct burrow_nl_peer peer;

	fake.respond = respond_peer_get;
	answered_peer = 6;
	assert_int_equal(burrow_nl_peer_get(nl, &dev, 6, &peer), 0);
	assert_int_equal(peer.id, 6);
	assert_int_equal(peer.tx_id, 106);
	assert_int_equal(peer.allowed_ips_count, 2);
	burrow_nl_peer_release(&peer);
	assert_null(peer.allowed_ips);

	answered_peer = 8;
	assert_int_equal(burrow_nl_peer_get(nl, &dev, 6, &peer), -EPROTO);
	assert_string_equal(burrow_nl_last_error(nl), "peer-get for peer 6 answered with peer 8");

	fake.respond = respond_ack;
	assert_int_equal(burrow_nl_peer_get(nl, &dev, 6, &peer), -EPROTO);
	assert_string_equal(burrow_nl_last_error(nl),
			    "kernel acknowledged peer-get without a reply");
}

static void respond_peer_unknown(const struct nlmsghdr *request)
{
	queue_ack(request, -ENOENT, "no peer with this id");
}

static void test_peer_del_not_found(void **state)
{
	struct burrow_nl *nl = *state;
	const struct burrow_nl_dev_ref dev = { .ifname = "burrow0" };

	fake.respond = respond_peer_unknown;
	assert_int_equal(burrow_nl_peer_del(nl, &dev, 12), -ENOENT);
	assert_true(burrow_nl_last_error_from_kernel(nl));
	assert_string_equal(burrow_nl_last_error(nl), "no peer with this id");
	assert_int_equal(genl_of(request_at(1))->cmd, BURROW_CMD_PEER_DEL);
}

static bool all_zero(const void *buf, size_t len)
{
	const uint8_t *bytes = buf;

	for (size_t i = 0; i < len; i++) {
		if (bytes[i])
			return false;
	}
	return true;
}

static void respond_key_refused(const struct nlmsghdr *request)
{
	queue_ack(request, -EINVAL, "key-id already used by the other slot");
}

static void test_key_new_wipes_buffers(void **state)
{
	struct burrow_nl *nl = *state;
	struct burrow_nl_key_config config = {
		.dev = { .ifname = "burrow0" }, .peer_id = 2, .slot = 0, .key_id = 1,
		.cipher = BURROW_CIPHER_CHACHA20_POLY1305,
	};
	const struct nlattr *keyconf;

	memset(config.encrypt_key, 0x11, sizeof(config.encrypt_key));
	memset(config.decrypt_key, 0x22, sizeof(config.decrypt_key));
	assert_int_equal(burrow_nl_key_new(nl, &config), 0);
	/* It was sent ... */
	keyconf = test_find_attr(request_at(1), BURROW_A_DEV_KEYCONF);
	assert_int_equal(mnl_attr_get_payload_len(test_find_nested(keyconf,
								   BURROW_A_KEYCONF_ENCRYPT_KEY)),
			 32);
	/* ... and is gone from the library's buffers. */
	assert_true(all_zero(nl->request, sizeof(nl->request)));
	assert_true(all_zero(nl->reply, sizeof(nl->reply)));

	fake.respond = respond_key_refused;
	assert_int_equal(burrow_nl_key_new(nl, &config), -EINVAL);
	assert_string_equal(burrow_nl_last_error(nl), "key-id already used by the other slot");
	assert_true(all_zero(nl->request, sizeof(nl->request)));
}

static uint8_t answered_slot;

static void respond_key_get(const struct nlmsghdr *request)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_KEY_GET, 0);
	struct nlattr *nest;

	nlh->nlmsg_seq = request->nlmsg_seq;
	mnl_attr_put_u32(nlh, BURROW_A_DEV_IFINDEX, 7);
	nest = mnl_attr_nest_start(nlh, BURROW_A_DEV_KEYCONF);
	mnl_attr_put_u32(nlh, BURROW_A_KEYCONF_PEER_ID, 2);
	mnl_attr_put_u8(nlh, BURROW_A_KEYCONF_SLOT, answered_slot);
	mnl_attr_put_u8(nlh, BURROW_A_KEYCONF_KEY_ID, 4);
	mnl_attr_put_u8(nlh, BURROW_A_KEYCONF_CIPHER, 0);
	for (uint16_t type = BURROW_A_KEYCONF_SOFT_LIMIT_PACKETS;
	     type <= BURROW_A_KEYCONF_RX_MAX_COUNTER; type++) {
		if (type == BURROW_A_KEYCONF_SOFT_LIMIT_SECONDS ||
		    type == BURROW_A_KEYCONF_HARD_LIMIT_SECONDS ||
		    type == BURROW_A_KEYCONF_AGE_SECONDS)
			mnl_attr_put_u32(nlh, type, type);
		else
			mnl_attr_put_u64(nlh, type, type);
	}
	mnl_attr_put_u8(nlh, BURROW_A_KEYCONF_LIMIT_REACHED, 0);
	mnl_attr_nest_end(nlh, nest);
	nlh = test_put_error(test_after(nlh), 0, request->nlmsg_seq, true, 0, NULL);
	queue_messages(buf, nlh, 0);
}

static void test_key_get(void **state)
{
	struct burrow_nl *nl = *state;
	const struct burrow_nl_dev_ref dev = { .ifname = "burrow0" };
	struct burrow_nl_key key;

	fake.respond = respond_key_get;
	answered_slot = BURROW_KEY_SLOT_SECONDARY;
	assert_int_equal(burrow_nl_key_get(nl, &dev, 2, BURROW_KEY_SLOT_SECONDARY, &key), 0);
	assert_int_equal(key.key_id, 4);
	assert_int_equal(key.age_seconds, BURROW_A_KEYCONF_AGE_SECONDS);
	assert_int_equal(key.rx_max_counter, BURROW_A_KEYCONF_RX_MAX_COUNTER);
	assert_int_equal(burrow_nl_key_get(nl, &dev, 2, BURROW_KEY_SLOT_PRIMARY, &key), -EPROTO);
	assert_string_equal(burrow_nl_last_error(nl),
			    "key-get for peer 2 slot 0 answered for peer 2 slot 1");
}

static void respond_raw(const struct nlmsghdr *request)
{
	TEST_BUFFER(buf, 2048);
	struct nlmsghdr *nlh;

	if (genl_of(request)->cmd == BURROW_CMD_DEV_SET) {
		queue_ack(request, -EINVAL, "Unsupported attribute");
		return;
	}
	nlh = test_put_dev_reply(buf, NLM_F_MULTI, 3, "burrow0", 1, 2);
	nlh->nlmsg_seq = request->nlmsg_seq;
	nlh = test_put_dev_reply(test_after(nlh), NLM_F_MULTI, 4, "burrow1", 1, 2);
	nlh->nlmsg_seq = request->nlmsg_seq;
	nlh = test_put_done(test_after(nlh), 0, request->nlmsg_seq, NULL);
	queue_messages(buf, nlh, 0);
}

static void test_request_raw(void **state)
{
	struct burrow_nl *nl = *state;
	TEST_BUFFER(msg, 256);
	struct nlmsghdr *nlh;
	unsigned int replies = 99;

	fake.respond = respond_raw;
	nlh = test_put_genl(msg, 0, BURROW_CMD_DEV_SET, 0);
	mnl_attr_put_u32(nlh, 42, 1);
	assert_int_equal(burrow_nl_request_raw(nl, msg, nlh->nlmsg_len, &replies), -EINVAL);
	assert_string_equal(burrow_nl_last_error(nl), "Unsupported attribute");
	assert_int_equal(replies, 0);
	assert_int_equal(request_at(1)->nlmsg_type, TEST_FAMILY_ID);
	assert_int_equal(request_at(1)->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);

	nlh = test_put_genl(msg, 0, BURROW_CMD_DEV_GET, NLM_F_DUMP);
	assert_int_equal(burrow_nl_request_raw(nl, msg, nlh->nlmsg_len, &replies), 0);
	assert_int_equal(replies, 2);
	assert_int_equal(request_at(2)->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);

	assert_int_equal(burrow_nl_request_raw(nl, msg, nlh->nlmsg_len - 1, &replies), -EINVAL);
	assert_string_equal(burrow_nl_last_error(nl),
			    "raw request of 19 bytes is not one genetlink message");
	assert_int_equal(fake.request_count, 3);
}

/* ---- events ----------------------------------------------------------------- */

static struct nlmsghdr *put_expired(void *buf, uint32_t peer_id)
{
	struct nlmsghdr *nlh = test_put_header(buf, TEST_FAMILY_ID, 0, 0);
	struct genlmsghdr *genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	struct nlattr *nest;

	genl->cmd = BURROW_CMD_PEER_EXPIRED_NTF;
	nlh->nlmsg_pid = 0;
	mnl_attr_put_u32(nlh, BURROW_A_DEV_IFINDEX, 7);
	nest = mnl_attr_nest_start(nlh, BURROW_A_DEV_PEER);
	mnl_attr_put_u32(nlh, BURROW_A_PEER_ID, peer_id);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static void test_events(void **state)
{
	struct burrow_nl *nl = *state;
	TEST_BUFFER(buf, 2048);
	struct burrow_nl_event event;
	struct nlmsghdr *nlh;

	assert_int_equal(burrow_nl_event_receive(nl, &event), -EINVAL);
	assert_string_equal(burrow_nl_last_error(nl),
			    "not subscribed to events (burrow_nl_events_subscribe)");
	assert_int_equal(burrow_nl_events_subscribe(nl), 0);
	assert_int_equal(fake.joined_group, EVENTS_GROUP);
	assert_int_equal(burrow_nl_events_fd(nl), 1000);

	/* One datagram: an event, a message of another type, an unknown command, an event. */
	nlh = put_expired(buf, 1);
	nlh = test_put_header(test_after(nlh), NLMSG_NOOP, 0, 0);
	nlh = put_expired(test_after(nlh), 2);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd = 99;
	nlh = put_expired(test_after(nlh), 3);
	queue_messages(buf, nlh, 0);
	/* Forged by a local process: dropped. */
	nlh = put_expired(buf, 4);
	queue_messages(buf, nlh, 4321);
	queue_error(ENOBUFS);
	nlh = put_expired(buf, 0);	/* malformed: peer id 0 */
	nlh = put_expired(test_after(nlh), 5);
	queue_messages(buf, nlh, 0);

	assert_int_equal(burrow_nl_event_receive(nl, &event), 0);
	assert_int_equal(event.peer_id, 1);
	assert_true(burrow_nl_event_pending(nl));
	assert_int_equal(burrow_nl_event_receive(nl, &event), 0);
	assert_int_equal(event.type, BURROW_CMD_PEER_EXPIRED_NTF);
	assert_int_equal(event.peer_id, 3);
	assert_false(burrow_nl_event_pending(nl));
	assert_int_equal(burrow_nl_event_receive(nl, &event), -ENOBUFS);
	assert_string_equal(burrow_nl_last_error(nl),
			    "events were lost: the socket's receive buffer overflowed");
	assert_int_equal(burrow_nl_event_receive(nl, &event), -EBADMSG);
	assert_string_equal(burrow_nl_last_error(nl), "attribute peer.id is 0");
	assert_int_equal(burrow_nl_event_receive(nl, &event), 0);
	assert_int_equal(event.peer_id, 5);
	assert_int_equal(burrow_nl_event_receive(nl, &event), -EAGAIN);

	/* A context that receives events sends no requests. */
	assert_int_equal(burrow_nl_version_get(nl, &(struct burrow_nl_version){ 0 }), -EINVAL);
	assert_string_equal(burrow_nl_last_error(nl),
			    "this context receives events; open another for requests");
}

static void test_open_without_module(void **state)
{
	struct burrow_nl *nl = (struct burrow_nl *)1;

	(void)state;
	fake_reset();
	fake.family_missing = true;
	assert_int_equal(burrow_nl_open(&nl), -ENOENT);
	assert_null(nl);
	assert_int_equal(fake.head, fake.tail);
	fake.family_missing = false;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_resolves_family, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_peer_set_sends_every_part, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_peer_set_later_part_refused, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_dev_dump_retries_interrupted, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_peer_dump_merges_and_retries, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_peer_get, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_peer_del_not_found, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_key_new_wipes_buffers, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_key_get, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_request_raw, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_events, fake_setup, fake_teardown),
		cmocka_unit_test(test_open_without_module),
	};

	return cmocka_run_group_tests_name("libburrow-nl against a fake kernel", tests, NULL, NULL);
}
