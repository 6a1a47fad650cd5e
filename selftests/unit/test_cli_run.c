// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl commands run whole against the fake kernel (fake_kernel.h):
 * what they send, what they print, and their exit codes. Key files go in
 * as files and must come out as exactly the key attributes of key-new.
 */

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fake_kernel.h"

/* What a command printed. */
struct output {
	char out[8192];
	char err[1024];
};

static void read_all(int fd, char *buf, size_t size)
{
	ssize_t len;

	lseek(fd, 0, SEEK_SET);
	len = read(fd, buf, size - 1);
	assert_true(len >= 0);
	buf[len] = '\0';
}

/* Run object's command line (NULL-terminated), capturing stdout and stderr. */
static int run(int (*object)(struct cli *, int, char **), bool json, struct output *output,
	       const char *const *words)
{
	struct cli cli = { .json = json };
	FILE *out_file = tmpfile(), *err_file = tmpfile();
	int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
	int argc = 0, ret;

	while (words[argc])
		argc++;
	assert_non_null(out_file);
	assert_non_null(err_file);
	fflush(stdout);
	fflush(stderr);
	dup2(fileno(out_file), STDOUT_FILENO);
	dup2(fileno(err_file), STDERR_FILENO);
	ret = object(&cli, argc, (char **)words);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	burrow_nl_close(cli.nl);
	read_all(fileno(out_file), output->out, sizeof(output->out));
	read_all(fileno(err_file), output->err, sizeof(output->err));
	fclose(out_file);
	fclose(err_file);
	return ret;
}

static int setup(void **state)
{
	(void)state;
	fake_reset();
	return 0;
}

/* ---- key add ---------------------------------------------------------------- */

static const char *write_key_file(char *path, const char *text)
{
	int fd;

	strcpy(path, "/tmp/burrow-cli-key-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_key_add_sends_file_material(void **state)
{
	char tx[32], rx[32];
	struct output output;
	const struct nlattr *keyconf, *attr;
	const uint8_t *bytes;

	(void)state;
	/* tx: 16 bytes 0x00.. + IV 0xa0..; rx: the same as base64 but key bytes 0x10.. */
	write_key_file(tx, "000102030405060708090a0b0c0d0e0fa0a1a2a3a4a5a6a7a8a9aaab\n");
	write_key_file(rx, "EBESExQVFhcYGRobHB0eH6ChoqOkpaanqKmqqw==\n");
	assert_int_equal(run(cli_key, false, &output,
			     (const char *const[]){ "add", "burrow0", "peer", "2", "slot",
						    "secondary", "key-id", "9", "cipher",
						    "aes-128-gcm", "tx", tx, "rx", rx,
						    "hard-seconds", "3600", NULL }),
			 CLI_EXIT_OK);
	assert_string_equal(output.err, "");
	assert_int_equal(fake.request_count, 2);
	assert_int_equal(genl_of(request_at(1))->cmd, BURROW_CMD_KEY_NEW);
	keyconf = test_find_attr(request_at(1), BURROW_A_DEV_KEYCONF);
	attr = test_find_nested(keyconf, BURROW_A_KEYCONF_ENCRYPT_KEY);
	assert_int_equal(mnl_attr_get_payload_len(attr), 16);
	bytes = mnl_attr_get_payload(attr);
	for (unsigned int i = 0; i < 16; i++)
		assert_int_equal(bytes[i], i);
	attr = test_find_nested(keyconf, BURROW_A_KEYCONF_DECRYPT_KEY);
	bytes = mnl_attr_get_payload(attr);
	for (unsigned int i = 0; i < 16; i++)
		assert_int_equal(bytes[i], 0x10 + i);
	attr = test_find_nested(keyconf, BURROW_A_KEYCONF_DECRYPT_IV);
	assert_int_equal(mnl_attr_get_payload_len(attr), 12);
	assert_int_equal(((const uint8_t *)mnl_attr_get_payload(attr))[11], 0xab);
	assert_int_equal(mnl_attr_get_u32(test_find_nested(keyconf,
							   BURROW_A_KEYCONF_HARD_LIMIT_SECONDS)),
			 3600);
	assert_int_equal(mnl_attr_get_u8(test_find_nested(keyconf, BURROW_A_KEYCONF_SLOT)),
			 BURROW_KEY_SLOT_SECONDARY);

	/* A file for another cipher: refused before anything is sent. */
	fake.request_count = 0;
	assert_int_equal(run(cli_key, false, &output,
			     (const char *const[]){ "add", "burrow0", "peer", "2", "slot",
						    "primary", "key-id", "9", "cipher",
						    "aes-256-gcm", "tx", tx, "rx", rx, NULL }),
			 CLI_EXIT_USAGE);
	assert_int_equal(fake.request_count, 0);
	assert_non_null(strstr(output.err, "holds 28 bytes; aes-256-gcm needs 44"));
	unlink(tx);
	unlink(rx);
}

/* ---- peer ------------------------------------------------------------------- */

static void respond_peers(const struct nlmsghdr *request)
{
	TEST_BUFFER(buf, 4096);
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = test_put_peer_start(buf, NLM_F_MULTI, 9, &nest);
	nlh->nlmsg_seq = request->nlmsg_seq;
	test_put_peer_header(nlh, 3, 1, BURROW_ENCAP_UDP, 0);
	mnl_attr_put(nlh, BURROW_A_PEER_REMOTE_IPV4, 4, "\xc0\x00\x02\x01");
	mnl_attr_put_u16(nlh, BURROW_A_PEER_REMOTE_PORT, 51820);
	test_put_allowed_ipv4(nlh, 10, 9, 0, 0, 16);
	mnl_attr_nest_end(nlh, nest);
	nlh = test_put_peer_reply(test_after(nlh), NLM_F_MULTI, 9, false, 5, 1);
	nlh->nlmsg_seq = request->nlmsg_seq;
	nlh = test_put_peer_reply(test_after(nlh), NLM_F_MULTI, 2, true, 0, 0);
	nlh->nlmsg_seq = request->nlmsg_seq;
	nlh = test_put_done(test_after(nlh), 0, request->nlmsg_seq, NULL);
	queue_messages(buf, nlh, 0);
}

static void test_peer_show(void **state)
{
	struct output output;

	(void)state;
	fake.respond = respond_peers;
	assert_int_equal(run(cli_peer, true, &output,
			     (const char *const[]){ "show", "burrow0", NULL }), CLI_EXIT_OK);
	assert_string_equal(output.err, "");
	assert_string_equal(output.out,
		"[{\"id\":2,\"tx_id\":102,\"endpoint\":null,\"pinned\":false,\"encap\":\"udp\","
		"\"keepalive\":null,\"inactivity_timeout\":null,\"allowed_ips\":[],\"rx_bytes\":1,"
		"\"rx_packets\":2,\"tx_bytes\":3,\"tx_packets\":4,\"tx_queue_drops\":0,"
		"\"rx_queue_drops\":0,\"last_rx_ms_ago\":null,"
		"\"expired\":false},"
		"{\"id\":9,\"tx_id\":3,\"endpoint\":{\"family\":\"inet\",\"address\":\"192.0.2.1\","
		"\"port\":51820},\"pinned\":true,\"encap\":\"udp\",\"keepalive\":null,"
		"\"inactivity_timeout\":null,\"allowed_ips\":[\"10.9.0.0/16\",\"10.9.5.0/24\"],"
		"\"rx_bytes\":1,\"rx_packets\":2,\"tx_bytes\":3,\"tx_packets\":4,"
		"\"tx_queue_drops\":0,\"rx_queue_drops\":0,\"last_rx_ms_ago\":null,\"expired\":false}]\n");
	assert_int_equal(request_at(1)->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
}

static void respond_no_peer(const struct nlmsghdr *request)
{
	queue_ack(request, -ENOENT, "no peer with this id");
}

static void test_peer_not_found_exits_3(void **state)
{
	struct output output;

	(void)state;
	fake.respond = respond_no_peer;
	assert_int_equal(run(cli_peer, false, &output,
			     (const char *const[]){ "del", "burrow0", "id", "9", NULL }),
			 CLI_EXIT_NOT_FOUND);
	assert_string_equal(output.err, "burrow-nl: kernel refused: no peer with this id\n");
	assert_int_equal(run(cli_peer, false, &output,
			     (const char *const[]){ "show", "burrow0", "id", "9", NULL }),
			 CLI_EXIT_NOT_FOUND);
	assert_int_equal(run(cli_key, false, &output,
			     (const char *const[]){ "show", "burrow0", "peer", "9", NULL }),
			 CLI_EXIT_NOT_FOUND);
	/* key show tried both slots, then asked whether the peer exists. */
	assert_int_equal(genl_of(request_at(fake.request_count - 1))->cmd, BURROW_CMD_PEER_GET);
	assert_string_equal(output.out, "");
}

static void respond_no_key(const struct nlmsghdr *request)
{
	if (genl_of(request)->cmd == BURROW_CMD_KEY_GET) {
		queue_ack(request, -ENOENT, "no key in this slot");
		return;
	}
	{
		TEST_BUFFER(buf, 1024);
		struct nlmsghdr *nlh = test_put_peer_reply(buf, 0, 9, true, 0, 0);

		nlh->nlmsg_seq = request->nlmsg_seq;
		nlh = test_put_error(test_after(nlh), 0, request->nlmsg_seq, true, 0, NULL);
		queue_messages(buf, nlh, 0);
	}
}

static void test_key_show_without_keys(void **state)
{
	struct output output;

	(void)state;
	fake.respond = respond_no_key;
	assert_int_equal(run(cli_key, true, &output,
			     (const char *const[]){ "show", "burrow0", "peer", "9", NULL }),
			 CLI_EXIT_OK);
	assert_string_equal(output.out, "[]\n");
	/* One slot asked for, and empty: not found. */
	assert_int_equal(run(cli_key, true, &output,
			     (const char *const[]){ "show", "burrow0", "peer", "9", "slot",
						    "primary", NULL }),
			 CLI_EXIT_NOT_FOUND);
	assert_string_equal(output.err, "burrow-nl: kernel refused: no key in this slot\n");
}

static void test_peer_add_long_list(void **state)
{
	static char list[700 * 20];
	struct output output;
	size_t used = 0;
	unsigned int sent = 0;

	(void)state;
	for (unsigned int i = 0; i < 700; i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s10.%u.%u.0/24",
					 i ? "," : "", i / 256, i % 256);
	assert_int_equal(run(cli_peer, false, &output,
			     (const char *const[]){ "add", "burrow0", "id", "3", "allowed-ips", list,
						    "keepalive", "25", NULL }),
			 CLI_EXIT_OK);
	assert_true(fake.request_count > 2);
	assert_int_equal(genl_of(request_at(1))->cmd, BURROW_CMD_PEER_NEW);
	for (unsigned int i = 1; i < fake.request_count; i++) {
		if (i > 1)
			assert_int_equal(genl_of(request_at(i))->cmd, BURROW_CMD_PEER_SET);
		sent += test_count_nested(test_find_attr(request_at(i), BURROW_A_DEV_PEER),
					  BURROW_A_PEER_ALLOWED_IP);
	}
	assert_int_equal(sent, 700);
}

/* ---- dev set listen --------------------------------------------------------- */

static bool listen_checked;

static void respond_check_listen(const struct nlmsghdr *request)
{
	const struct nlattr *port = test_find_attr(request, BURROW_A_DEV_LISTEN_PORT);
	const struct nlattr *addr = test_find_attr(request, BURROW_A_DEV_LISTEN_ADDRESS);
	const uint8_t loopback[4] = { 127, 0, 0, 1 };

	/*
	 * burrow-nl exits right away, so it asks for a socket of the kernel's
	 * own (listen-port, listen-address) instead of passing one of its own.
	 */
	assert_null(test_find_attr(request, BURROW_A_DEV_SOCKET_FD));
	assert_non_null(port);
	assert_int_equal(mnl_attr_get_u16(port), 0);
	assert_non_null(addr);
	assert_int_equal(mnl_attr_get_payload_len(addr), 4);
	assert_memory_equal(mnl_attr_get_payload(addr), loopback, 4);
	listen_checked = true;
	queue_ack(request, 0, NULL);
}

static void test_dev_set_listen(void **state)
{
	struct output output;

	(void)state;
	fake.respond = respond_check_listen;
	assert_int_equal(run(cli_dev, false, &output,
			     (const char *const[]){ "set", "burrow0", "listen", "127.0.0.1:0",
						    NULL }), CLI_EXIT_OK);
	assert_int_equal(fake.request_count, 2);
	assert_true(listen_checked);
}

/* ---- monitor ---------------------------------------------------------------- */

static void queue_monitor_events(void)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh = test_put_header(buf, TEST_FAMILY_ID, 0, 0);
	struct genlmsghdr *genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	struct nlattr *nest;

	genl->cmd = BURROW_CMD_KEY_SOFT_LIMIT_NTF;
	mnl_attr_put_u32(nlh, BURROW_A_DEV_IFINDEX, 1);	/* lo: a name to resolve */
	nest = mnl_attr_nest_start(nlh, BURROW_A_DEV_KEYCONF);
	mnl_attr_put_u32(nlh, BURROW_A_KEYCONF_PEER_ID, 4);
	mnl_attr_put_u8(nlh, BURROW_A_KEYCONF_SLOT, 0);
	mnl_attr_put_u8(nlh, BURROW_A_KEYCONF_KEY_ID, 2);
	mnl_attr_put_u8(nlh, BURROW_A_KEYCONF_LIMIT_REACHED, 1);
	mnl_attr_nest_end(nlh, nest);
	queue_messages(buf, nlh, 0);
	queue_error(ENOBUFS);
	queue_messages(buf, nlh, 0);
	queue_error(EIO);
}

static void test_monitor_prints_until_the_socket_fails(void **state)
{
	struct output output;

	(void)state;
	fake.on_join = queue_monitor_events;
	assert_int_equal(run(cli_monitor, false, &output, (const char *const[]){ NULL }),
			 CLI_EXIT_REFUSED);
	assert_int_equal(fake.joined_group, EVENTS_GROUP);
	/* Two lines, each "TIME key-soft-limit dev NAME peer 4 ...". */
	{
		char *second = strchr(output.out, '\n');

		assert_non_null(second);
		assert_non_null(strstr(output.out, " key-soft-limit dev "));
		assert_non_null(strstr(output.out, " peer 4 slot primary key-id 2 "
					"limit-reached soft\n"));
		assert_non_null(strstr(second + 1, " key-soft-limit dev "));
		assert_int_equal(output.out[4], '-');
		assert_int_equal(output.out[10], 'T');
		assert_int_equal(output.out[23], 'Z');
	}
	assert_string_equal(output.err,
		"burrow-nl: monitor: events were lost: the socket's receive buffer overflowed\n"
		"burrow-nl: monitor: cannot receive events: Input/output error\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_key_add_sends_file_material, setup),
		cmocka_unit_test_setup(test_peer_show, setup),
		cmocka_unit_test_setup(test_peer_not_found_exits_3, setup),
		cmocka_unit_test_setup(test_key_show_without_keys, setup),
		cmocka_unit_test_setup(test_peer_add_long_list, setup),
		cmocka_unit_test_setup(test_dev_set_listen, setup),
		cmocka_unit_test_setup(test_monitor_prints_until_the_socket_fails, setup),
	};

	return cmocka_run_group_tests_name("burrow-nl against a fake kernel", tests, NULL, NULL);
}
