// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl peer, key and monitor without a kernel: the argument grammars
 * with their exact errors, and the text and JSON output.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "cli.h"
#include "parse.h"

static int count_words(const char *const *words)
{
	int argc = 0;

	while (words[argc])
		argc++;
	return argc;
}

/* ---- peer add / peer set ---------------------------------------------------- */

static int parse_peer(const char *const *words, bool set, struct peer_args *args,
		      struct parse_error *error)
{
	return peer_parse_args(count_words(words), (char **)words, set, args, error);
}

static void test_peer_add_args(void **state)
{
	const char *const words[] = {
		"burrow0", "id", "5", "tx-id", "0", "endpoint", "[2001:db8::1]:51820",
		"allowed-ips", "10.0.0.0/24,fd00::/64", "keepalive", "25",
		"inactivity-timeout", "86400", "pinned", "on", "encap", "quic", NULL,
	};
	struct peer_args args;
	struct parse_error error;
	const struct burrow_nl_peer_config *config = &args.config;

	(void)state;
	assert_int_equal(parse_peer(words, false, &args, &error), 0);
	assert_string_equal(config->dev.ifname, "burrow0");
	assert_int_equal(config->id, 5);
	assert_true(config->tx_id_set);
	assert_int_equal(config->tx_id, 0);
	assert_int_equal(config->endpoint.family, AF_INET6);
	assert_int_equal(config->endpoint.port, 51820);
	assert_int_equal(config->allowed_ips_count, 2);
	assert_ptr_equal(config->allowed_ips, args.allowed_ips);
	assert_int_equal(config->allowed_ips[1].len, 64);
	assert_true(config->keepalive_set);
	assert_int_equal(config->keepalive, 25);
	assert_true(config->inactivity_timeout_set);
	assert_int_equal(config->inactivity_timeout, 86400);
	assert_true(config->endpoint_pinned_set);
	assert_true(config->endpoint_pinned);
	assert_true(config->encap_set);
	assert_int_equal(config->encap, BURROW_ENCAP_QUIC);
	/* peer-new takes the list as it is: no op. */
	assert_false(config->allowed_ips_op_set);
	assert_false(config->endpoint_clear);
	peer_args_release(&args);
	assert_null(args.allowed_ips);

	/* Only the id: everything else unset. */
	assert_int_equal(parse_peer((const char *const[]){ "b0", "id", "1", NULL }, false, &args,
				    &error), 0);
	assert_false(config->tx_id_set);
	assert_int_equal(config->endpoint.family, AF_UNSPEC);
	assert_false(config->keepalive_set);
	assert_false(config->encap_set);
	assert_int_equal(config->allowed_ips_count, 0);
	peer_args_release(&args);
}

static void test_peer_set_args(void **state)
{
	struct peer_args args;
	struct parse_error error;
	const struct burrow_nl_peer_config *config = &args.config;

	(void)state;
	/* allowed-ips without an op: add. */
	assert_int_equal(parse_peer((const char *const[]){ "b0", "id", "2", "allowed-ips",
							   "10.1.0.0/16", NULL }, true, &args,
				    &error), 0);
	assert_true(config->allowed_ips_op_set);
	assert_int_equal(config->allowed_ips_op, BURROW_ALLOWED_IPS_OP_ADD);
	peer_args_release(&args);

	assert_int_equal(parse_peer((const char *const[]){ "b0", "id", "2", "allowed-ips-op",
							   "remove", "allowed-ips", "10.1.0.0/16",
							   NULL }, true, &args, &error), 0);
	assert_int_equal(config->allowed_ips_op, BURROW_ALLOWED_IPS_OP_REMOVE);
	peer_args_release(&args);

	/* replace without a list clears it. */
	assert_int_equal(parse_peer((const char *const[]){ "b0", "id", "2", "allowed-ips-op",
							   "replace", NULL }, true, &args, &error),
			 0);
	assert_true(config->allowed_ips_op_set);
	assert_int_equal(config->allowed_ips_op, BURROW_ALLOWED_IPS_OP_REPLACE);
	assert_int_equal(config->allowed_ips_count, 0);
	peer_args_release(&args);

	assert_int_equal(parse_peer((const char *const[]){ "b0", "id", "2", "endpoint", "none",
							   "pinned", "off", NULL }, true, &args,
				    &error), 0);
	assert_true(config->endpoint_clear);
	assert_int_equal(config->endpoint.family, AF_UNSPEC);
	assert_true(config->endpoint_pinned_set);
	assert_false(config->endpoint_pinned);
	peer_args_release(&args);
}

static void assert_peer_refused(const char *const *words, bool set, const char *message)
{
	struct peer_args args;
	struct parse_error error;

	assert_int_equal(parse_peer(words, set, &args, &error), -1);
	assert_string_equal(error.message, message);
	peer_args_release(&args);
}

static void test_peer_args_refused(void **state)
{
	(void)state;
	assert_peer_refused((const char *const[]){ NULL }, false, "missing device name for peer add");
	assert_peer_refused((const char *const[]){ "id", "5", NULL }, true,
			    "missing device name before 'id' for peer set");
	assert_peer_refused((const char *const[]){ "b0", NULL }, false, "missing id for peer add");
	assert_peer_refused((const char *const[]){ "b0", "keepalive", "5", NULL }, true,
			    "missing id for peer set");
	assert_peer_refused((const char *const[]){ "b0", "id", "5", NULL }, true,
			    "nothing to set for peer set");
	assert_peer_refused((const char *const[]){ "b0", "id", "0", NULL }, false,
			    "0 is out of range for id (1-4294967295)");
	assert_peer_refused((const char *const[]){ "b0", "id", "five", NULL }, false,
			    "invalid id 'five'");
	assert_peer_refused((const char *const[]){ "b0", "id", "5", "id", "6", NULL }, false,
			    "duplicate option 'id'");
	assert_peer_refused((const char *const[]){ "b0", "id", "5", "tx-id", NULL }, false,
			    "missing value for tx-id");
	assert_peer_refused((const char *const[]){ "b0", "id", "5", "endpoint", "none", NULL },
			    false, "invalid endpoint 'none' (IPV4:PORT or [IPV6]:PORT)");
	assert_peer_refused((const char *const[]){ "b0", "id", "5", "endpoint", "10.0.0.1:70000",
						   NULL }, false,
			    "invalid port '70000' (1-65535)");
	assert_peer_refused((const char *const[]){ "b0", "id", "5", "allowed-ips",
						   "10.0.0.300/24", NULL }, false,
			    "invalid prefix '10.0.0.300/24'");
	assert_peer_refused((const char *const[]){ "b0", "id", "5", "allowed-ips", "10.0.0.1/24",
						   NULL }, false,
			    "prefix '10.0.0.1/24' has host bits set (did you mean 10.0.0.0/24?)");
	assert_peer_refused((const char *const[]){ "b0", "id", "5", "allowed-ips-op", "add", NULL },
			    false, "unknown keyword 'allowed-ips-op' for peer add");
	assert_peer_refused((const char *const[]){ "b0", "id", "5", "allowed-ips-op", "add", NULL },
			    true, "allowed-ips-op add needs allowed-ips");
	assert_peer_refused((const char *const[]){ "b0", "id", "5", "allowed-ips-op", "merge",
						   NULL }, true,
			    "invalid value 'merge' for allowed-ips-op (add, remove or replace)");
	assert_peer_refused((const char *const[]){ "b0", "id", "5", "pinned", "yes", NULL }, false,
			    "invalid value 'yes' for pinned (off or on)");
	assert_peer_refused((const char *const[]){ "b0", "id", "5", "encap", "tcp", NULL }, false,
			    "invalid value 'tcp' for encap (udp or quic)");
	assert_peer_refused((const char *const[]){ "b0", "id", "5", "keepalive", "65536", NULL },
			    false, "65536 is out of range for keepalive (0-65535)");
	assert_peer_refused((const char *const[]){ "b0", "id", "5", "inactivity-timeout", "86401",
						   NULL }, true,
			    "86401 is out of range for inactivity-timeout (0-86400)");
	assert_peer_refused((const char *const[]){ "b0", "id", "5", "allowed-ips", "10.0.0.0/8",
						   "allowed-ips", "10.0.0.0/8", NULL }, false,
			    "duplicate option 'allowed-ips'");
	assert_peer_refused((const char *const[]){ "b0", "id", "5", "mtu", "1400", NULL }, true,
			    "unknown keyword 'mtu' for peer set");
}

static void test_peer_ref_args(void **state)
{
	struct parse_error error;
	const char *ifname = NULL;
	uint32_t id = 99;

	(void)state;
	assert_int_equal(peer_parse_ref(3, (char *[]){ "b0", "id", "7" }, "peer del", false,
					&ifname, &id, &error), 0);
	assert_string_equal(ifname, "b0");
	assert_int_equal(id, 7);
	assert_int_equal(peer_parse_ref(1, (char *[]){ "b0" }, "peer show", true, &ifname, &id,
					&error), 0);
	assert_int_equal(id, 0);
	assert_int_equal(peer_parse_ref(1, (char *[]){ "b0" }, "peer del", false, &ifname, &id,
					&error), -1);
	assert_string_equal(error.message, "missing id for peer del");
	assert_int_equal(peer_parse_ref(3, (char *[]){ "b0", "tx-id", "7" }, "peer del", false,
					&ifname, &id, &error), -1);
	assert_string_equal(error.message, "unknown keyword 'tx-id' for peer del");
	assert_int_equal(peer_parse_ref(0, NULL, "peer show", true, &ifname, &id, &error), -1);
	assert_string_equal(error.message, "missing device name for peer show");
}

/* ---- peer show output ------------------------------------------------------- */

typedef void (*peer_print_fn)(FILE *, const struct burrow_nl_peer *, size_t);

static char *capture_peers(peer_print_fn print, const struct burrow_nl_peer *peers,
			   size_t count)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	assert_non_null(out);
	print(out, peers, count);
	assert_int_equal(fclose(out), 0);
	return text;
}

static void sample_peers(struct burrow_nl_peer peers[2], struct burrow_nl_prefix ips[2])
{
	memset(peers, 0, 2 * sizeof(*peers));
	memset(ips, 0, 2 * sizeof(*ips));
	ips[0].family = AF_INET;
	inet_pton(AF_INET, "10.0.0.0", &ips[0].addr.v4);
	ips[0].len = 24;
	ips[1].family = AF_INET6;
	inet_pton(AF_INET6, "fd00::", &ips[1].addr.v6);
	ips[1].len = 64;

	peers[0].id = 5;
	peers[0].tx_id = 7;
	peers[0].endpoint.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &peers[0].endpoint.addr.v6);
	peers[0].endpoint.port = 51820;
	peers[0].endpoint_pinned = true;
	peers[0].encap = BURROW_ENCAP_QUIC;
	peers[0].keepalive_set = true;
	peers[0].keepalive = 25;
	peers[0].allowed_ips = ips;
	peers[0].allowed_ips_count = 2;
	peers[0].rx_bytes = 1234;
	peers[0].rx_packets = 10;
	peers[0].tx_bytes = 5678;
	peers[0].tx_packets = 12;
	peers[0].tx_queue_drops = 3;
	peers[0].rx_queue_drops = 4;
	peers[0].last_rx_set = true;
	peers[0].last_rx_ms_ago = 3999;
	peers[0].expired = true;

	peers[1].id = 6;
	peers[1].inactivity_timeout_set = true;
	peers[1].inactivity_timeout = 0;
}

static void test_peer_print_text(void **state)
{
	struct burrow_nl_peer peers[2];
	struct burrow_nl_prefix ips[2];
	char *text;

	(void)state;
	sample_peers(peers, ips);
	text = capture_peers(peer_print_text, peers, 2);
	assert_string_equal(text,
		"peer 5\n"
		"  tx-id 7\n"
		"  endpoint [2001:db8::1]:51820\n"
		"  pinned on\n"
		"  encap quic\n"
		"  keepalive 25\n"
		"  inactivity-timeout default\n"
		"  allowed-ips 10.0.0.0/24,fd00::/64\n"
		"  rx 1234 bytes 10 packets\n"
		"  tx 5678 bytes 12 packets\n"
		"  queue-drops tx 3 rx 4\n"
		"  last-receive 3s ago\n"
		"  expired yes\n"
		"\n"
		"peer 6\n"
		"  tx-id 0\n"
		"  endpoint none\n"
		"  pinned off\n"
		"  encap udp\n"
		"  keepalive default\n"
		"  inactivity-timeout 0\n"
		"  allowed-ips none\n"
		"  rx 0 bytes 0 packets\n"
		"  tx 0 bytes 0 packets\n"
		"  queue-drops tx 0 rx 0\n"
		"  last-receive never\n"
		"  expired no\n");
	free(text);
	text = capture_peers(peer_print_text, NULL, 0);
	assert_string_equal(text, "");
	free(text);
}

static void test_peer_print_json(void **state)
{
	struct burrow_nl_peer peers[2];
	struct burrow_nl_prefix ips[2];
	char *text;

	(void)state;
	sample_peers(peers, ips);
	text = capture_peers(peer_print_json, peers, 2);
	assert_string_equal(text,
		"[{\"id\":5,\"tx_id\":7,\"endpoint\":{\"family\":\"inet6\","
		"\"address\":\"2001:db8::1\",\"port\":51820},\"pinned\":true,\"encap\":\"quic\","
		"\"keepalive\":25,\"inactivity_timeout\":null,"
		"\"allowed_ips\":[\"10.0.0.0/24\",\"fd00::/64\"],\"rx_bytes\":1234,"
		"\"rx_packets\":10,\"tx_bytes\":5678,\"tx_packets\":12,\"tx_queue_drops\":3,"
		"\"rx_queue_drops\":4,\"last_rx_ms_ago\":3999,"
		"\"expired\":true},"
		"{\"id\":6,\"tx_id\":0,\"endpoint\":null,\"pinned\":false,\"encap\":\"udp\","
		"\"keepalive\":null,\"inactivity_timeout\":0,\"allowed_ips\":[],\"rx_bytes\":0,"
		"\"rx_packets\":0,\"tx_bytes\":0,\"tx_packets\":0,\"tx_queue_drops\":0,"
		"\"rx_queue_drops\":0,\"last_rx_ms_ago\":null,"
		"\"expired\":false}]\n");
	free(text);
	text = capture_peers(peer_print_json, NULL, 0);
	assert_string_equal(text, "[]\n");
	free(text);
}

/* ---- key add / key refs ----------------------------------------------------- */

static int parse_key_add(const char *const *words, struct key_add_args *args,
			 struct parse_error *error)
{
	return key_add_parse_args(count_words(words), (char **)words, args, error);
}

static void test_key_add_args(void **state)
{
	const char *const words[] = {
		"burrow0", "peer", "3", "slot", "secondary", "key-id", "255", "cipher", "aes-128-gcm",
		"tx", "/etc/burrow/tx.key", "rx", "-", "soft-packets", "1000",
		"hard-packets", "18446744073709551615", "soft-seconds", "60", "hard-seconds", "0",
		NULL,
	};
	struct key_add_args args;
	struct parse_error error;
	const struct burrow_nl_key_config *config = &args.config;

	(void)state;
	assert_int_equal(parse_key_add(words, &args, &error), 0);
	assert_string_equal(config->dev.ifname, "burrow0");
	assert_int_equal(config->peer_id, 3);
	assert_int_equal(config->slot, BURROW_KEY_SLOT_SECONDARY);
	assert_int_equal(config->key_id, 255);
	assert_int_equal(config->cipher, BURROW_CIPHER_AES_128_GCM);
	assert_string_equal(args.tx_path, "/etc/burrow/tx.key");
	assert_string_equal(args.rx_path, "-");
	assert_true(config->soft_limit_packets_set);
	assert_int_equal(config->soft_limit_packets, 1000);
	assert_true(config->hard_limit_packets == UINT64_MAX);
	assert_true(config->soft_limit_seconds_set);
	assert_int_equal(config->soft_limit_seconds, 60);
	assert_true(config->hard_limit_seconds_set);
	assert_int_equal(config->hard_limit_seconds, 0);

	assert_int_equal(parse_key_add((const char *const[]){ "b0", "cipher", "chacha20-poly1305",
							      "rx", "r", "tx", "t", "key-id", "0",
							      "slot", "primary", "peer", "1", NULL },
				       &args, &error), 0);
	assert_int_equal(config->cipher, BURROW_CIPHER_CHACHA20_POLY1305);
	assert_int_equal(config->slot, BURROW_KEY_SLOT_PRIMARY);
	assert_false(config->soft_limit_packets_set);
	assert_false(config->hard_limit_seconds_set);
}

static void assert_key_add_refused(const char *const *words, const char *message)
{
	struct key_add_args args;
	struct parse_error error;

	assert_int_equal(parse_key_add(words, &args, &error), -1);
	assert_string_equal(error.message, message);
}

#define KEY_BASE "b0", "peer", "1", "slot", "primary", "key-id", "1", "cipher", "aes-256-gcm"

static void test_key_add_args_refused(void **state)
{
	(void)state;
	assert_key_add_refused((const char *const[]){ KEY_BASE, "tx", "-", "rx", "-", NULL },
			       "at most one of tx and rx may be '-' (standard input)");
	assert_key_add_refused((const char *const[]){ KEY_BASE, "tx", "t", NULL },
			       "missing rx for key add");
	assert_key_add_refused((const char *const[]){ "b0", "peer", "1", "tx", "t", "rx", "r",
						      NULL },
			       "missing slot for key add");
	assert_key_add_refused((const char *const[]){ KEY_BASE, "tx", "t", "rx", "r", "key",
						      "00112233", NULL },
			       "unknown keyword 'key' for key add");
	assert_key_add_refused((const char *const[]){ "b0", "peer", "1", "slot", "third", NULL },
			       "invalid value 'third' for slot (primary or secondary)");
	assert_key_add_refused((const char *const[]){ "b0", "cipher", "aes-192-gcm", NULL },
			       "invalid value 'aes-192-gcm' for cipher "
			       "(chacha20-poly1305, aes-128-gcm or aes-256-gcm)");
	assert_key_add_refused((const char *const[]){ "b0", "key-id", "256", NULL },
			       "256 is out of range for key-id (0-255)");
	assert_key_add_refused((const char *const[]){ "b0", "peer", "0", NULL },
			       "0 is out of range for peer (1-4294967295)");
	assert_key_add_refused((const char *const[]){ "b0", "soft-seconds", "4294967296", NULL },
			       "4294967296 is out of range for soft-seconds (0-4294967295)");
	assert_key_add_refused((const char *const[]){ "peer", "1", NULL },
			       "missing device name before 'peer' for key add");
}

static void test_key_ref_args(void **state)
{
	struct parse_error error;
	const char *ifname;
	uint32_t peer_id = 0;
	int slot = 5;

	(void)state;
	assert_int_equal(key_parse_ref(3, (char *[]){ "b0", "peer", "4" }, "key swap", -1,
				       &ifname, &peer_id, &slot, &error), 0);
	assert_int_equal(peer_id, 4);
	assert_int_equal(slot, -1);
	assert_int_equal(key_parse_ref(5, (char *[]){ "b0", "peer", "4", "slot", "primary" },
				       "key swap", -1, &ifname, &peer_id, &slot, &error), -1);
	assert_string_equal(error.message, "unknown keyword 'slot' for key swap");
	assert_int_equal(key_parse_ref(5, (char *[]){ "b0", "slot", "secondary", "peer", "9" },
				       "key del", 1, &ifname, &peer_id, &slot, &error), 0);
	assert_int_equal(slot, BURROW_KEY_SLOT_SECONDARY);
	assert_int_equal(peer_id, 9);
	assert_int_equal(key_parse_ref(3, (char *[]){ "b0", "peer", "4" }, "key del", 1, &ifname,
				       &peer_id, &slot, &error), -1);
	assert_string_equal(error.message, "missing slot for key del");
	assert_int_equal(key_parse_ref(3, (char *[]){ "b0", "peer", "4" }, "key show", 0, &ifname,
				       &peer_id, &slot, &error), 0);
	assert_int_equal(slot, -1);
	assert_int_equal(key_parse_ref(3, (char *[]){ "b0", "slot", "primary" }, "key show", 0,
				       &ifname, &peer_id, &slot, &error), -1);
	assert_string_equal(error.message, "missing peer for key show");
}

static void test_key_print(void **state)
{
	const struct burrow_nl_key keys[] = {
		{ .peer_id = 3, .slot = 0, .key_id = 1, .cipher = BURROW_CIPHER_AES_256_GCM,
		  .age_seconds = 120, .tx_packets = 10, .rx_packets = 8, .rx_max_counter = 9,
		  .soft_limit_packets = 1000, .hard_limit_packets = 8388608,
		  .soft_limit_seconds = 3000, .hard_limit_seconds = 3600, .limit_reached = 1,
		  .integrity_limit = 68719476736, .rx_auth_failures = 5 },
		{ .peer_id = 3, .slot = 1, .key_id = 2, .cipher = BURROW_CIPHER_CHACHA20_POLY1305,
		  .limit_reached = 2 },
	};
	char *text = NULL;
	size_t size = 0;
	FILE *out;

	(void)state;
	out = open_memstream(&text, &size);
	key_print_text(out, keys, 2);
	fclose(out);
	assert_string_equal(text,
		"peer 3 key primary\n"
		"  key-id 1\n"
		"  cipher aes-256-gcm\n"
		"  age 2m\n"
		"  tx-packets 10\n"
		"  rx-packets 8\n"
		"  rx-max-counter 9\n"
		"  soft-limit 1000 packets 3000s\n"
		"  hard-limit 8388608 packets 3600s\n"
		"  rx-auth-failures 5 of 68719476736\n"
		"  limit-reached soft\n"
		"\n"
		"peer 3 key secondary\n"
		"  key-id 2\n"
		"  cipher chacha20-poly1305\n"
		"  age 0s\n"
		"  tx-packets 0\n"
		"  rx-packets 0\n"
		"  rx-max-counter 0\n"
		"  soft-limit 0 packets 0s\n"
		"  hard-limit 0 packets 0s\n"
		"  rx-auth-failures 0 of 0\n"
		"  limit-reached hard\n");
	free(text);

	out = open_memstream(&text, &size);
	key_print_json(out, keys, 1);
	fclose(out);
	assert_string_equal(text,
		"[{\"peer_id\":3,\"slot\":\"primary\",\"key_id\":1,\"cipher\":\"aes-256-gcm\","
		"\"age_seconds\":120,\"tx_packets\":10,\"rx_packets\":8,\"rx_max_counter\":9,"
		"\"soft_limit_packets\":1000,\"hard_limit_packets\":8388608,"
		"\"soft_limit_seconds\":3000,\"hard_limit_seconds\":3600,"
		"\"integrity_limit\":68719476736,\"rx_auth_failures\":5,"
		"\"limit_reached\":\"soft\"}]\n");
	free(text);
	assert_string_equal(cli_limit_name(3), "?");
	assert_string_equal(cli_cipher_name(9), "?");
}

/* ---- monitor ---------------------------------------------------------------- */

static char *capture_event(const struct burrow_nl_event *event, const char *ifname, bool json)
{
	/* 2024-02-29T23:59:58.007Z */
	const struct timespec when = { .tv_sec = 1709251198, .tv_nsec = 7999999 };
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	monitor_print_event(out, event, ifname, &when, json);
	fclose(out);
	return text;
}

static void test_monitor_lines(void **state)
{
	struct burrow_nl_event event = {
		.type = BURROW_CMD_PEER_EXPIRED_NTF, .ifindex = 4, .peer_id = 5,
	};
	char *text;

	(void)state;
	text = capture_event(&event, "burrow0", false);
	assert_string_equal(text, "2024-02-29T23:59:58.007Z peer-expired dev burrow0 peer 5\n");
	free(text);
	text = capture_event(&event, NULL, false);
	assert_string_equal(text, "2024-02-29T23:59:58.007Z peer-expired ifindex 4 peer 5\n");
	free(text);
	text = capture_event(&event, "burrow0", true);
	assert_string_equal(text,
		"{\"time\":\"2024-02-29T23:59:58.007Z\",\"event\":\"peer-expired\",\"ifindex\":4,"
		"\"ifname\":\"burrow0\",\"peer_id\":5}\n");
	free(text);

	event.type = BURROW_CMD_ENDPOINT_CHANGED_NTF;
	event.endpoint.family = AF_INET;
	inet_pton(AF_INET, "198.51.100.2", &event.endpoint.addr.v4);
	event.endpoint.port = 4000;
	text = capture_event(&event, "burrow0", false);
	assert_string_equal(text, "2024-02-29T23:59:58.007Z endpoint-changed dev burrow0 peer 5 "
			    "endpoint 198.51.100.2:4000\n");
	free(text);
	text = capture_event(&event, NULL, true);
	assert_string_equal(text,
		"{\"time\":\"2024-02-29T23:59:58.007Z\",\"event\":\"endpoint-changed\","
		"\"ifindex\":4,\"ifname\":null,\"peer_id\":5,\"endpoint\":{\"family\":\"inet\","
		"\"address\":\"198.51.100.2\",\"port\":4000}}\n");
	free(text);

	event = (struct burrow_nl_event){
		.type = BURROW_CMD_KEY_HARD_LIMIT_NTF, .ifindex = 4, .peer_id = 5,
		.slot = BURROW_KEY_SLOT_SECONDARY, .key_id = 9, .limit_reached = 2,
	};
	text = capture_event(&event, "b\"0", false);
	assert_string_equal(text, "2024-02-29T23:59:58.007Z key-hard-limit dev b\"0 peer 5 "
			    "slot secondary key-id 9 limit-reached hard\n");
	free(text);
	text = capture_event(&event, "b\"0", true);
	assert_string_equal(text,
		"{\"time\":\"2024-02-29T23:59:58.007Z\",\"event\":\"key-hard-limit\",\"ifindex\":4,"
		"\"ifname\":\"b\\\"0\",\"peer_id\":5,\"slot\":\"secondary\",\"key_id\":9,"
		"\"limit_reached\":\"hard\"}\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peer_add_args),
		cmocka_unit_test(test_peer_set_args),
		cmocka_unit_test(test_peer_args_refused),
		cmocka_unit_test(test_peer_ref_args),
		cmocka_unit_test(test_peer_print_text),
		cmocka_unit_test(test_peer_print_json),
		cmocka_unit_test(test_key_add_args),
		cmocka_unit_test(test_key_add_args_refused),
		cmocka_unit_test(test_key_ref_args),
		cmocka_unit_test(test_key_print),
		cmocka_unit_test(test_monitor_lines),
	};

	return cmocka_run_group_tests_name("burrow-nl peer, key and monitor", tests, NULL, NULL);
}
