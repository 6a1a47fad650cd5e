// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl without a kernel: the strict number and name parsers, the
 * argument grammar of 'dev set' with its exact error messages, and the
 * text and JSON output of 'dev show'.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "cli.h"
#include "parse.h"

static void test_parse_decimal_accepts(void **state)
{
	uint64_t value;

	(void)state;
	assert_int_equal(burrow_text_decimal("0", 0, &value), 0);
	assert_int_equal(value, 0);
	assert_int_equal(burrow_text_decimal("65535", UINT16_MAX, &value), 0);
	assert_int_equal(value, 65535);
	assert_int_equal(burrow_text_decimal("007", 10, &value), 0);
	assert_int_equal(value, 7);
	assert_int_equal(burrow_text_decimal("18446744073709551615", UINT64_MAX, &value), 0);
	assert_true(value == UINT64_MAX);
}

static void test_parse_decimal_refuses(void **state)
{
	static const char *const not_numbers[] = {
		"", "-1", "+1", " 1", "1 ", "0x10", "1e3", "12a", "1.5", "\xef\xbc\x91", "-0",
	};
	uint64_t value = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(not_numbers) / sizeof(not_numbers[0]); i++)
		assert_int_equal(burrow_text_decimal(not_numbers[i], UINT64_MAX, &value), -EINVAL);
	assert_int_equal(burrow_text_decimal("65536", UINT16_MAX, &value), -ERANGE);
	assert_int_equal(burrow_text_decimal("18446744073709551616", UINT64_MAX, &value), -ERANGE);
	assert_int_equal(burrow_text_decimal("99999999999999999999999999", UINT64_MAX, &value), -ERANGE);
	assert_int_equal(value, 42);	/* untouched on failure */
}

static void test_parse_seconds(void **state)
{
	struct parse_error error;
	uint32_t value;

	(void)state;
	assert_int_equal(parse_seconds("default-keepalive", "25", UINT16_MAX, &value, &error), 0);
	assert_int_equal(value, 25);
	assert_int_equal(parse_seconds("default-inactivity-timeout", "86400", 86400, &value,
				       &error), 0);
	assert_int_equal(value, 86400);

	assert_int_equal(parse_seconds("default-keepalive", "abc", UINT16_MAX, &value, &error), -1);
	assert_string_equal(error.message, "invalid seconds 'abc' for default-keepalive");
	assert_int_equal(parse_seconds("default-keepalive", "", UINT16_MAX, &value, &error), -1);
	assert_string_equal(error.message, "invalid seconds '' for default-keepalive");
	assert_int_equal(parse_seconds("default-keepalive", "70000", UINT16_MAX, &value, &error),
			 -1);
	assert_string_equal(error.message, "70000 is out of range for default-keepalive (0-65535)");
	assert_int_equal(parse_seconds("default-inactivity-timeout", "99999999999999999999", 86400,
				       &value, &error), -1);
	assert_string_equal(error.message, "99999999999999999999 is out of range for "
			    "default-inactivity-timeout (0-86400)");
}

static void test_parse_ifname(void **state)
{
	struct parse_error error;

	(void)state;
	assert_int_equal(parse_ifname("burrow0", &error), 0);
	assert_int_equal(parse_ifname("0123456789abcde", &error), 0);
	assert_int_equal(parse_ifname("0123456789abcdef", &error), -1);
	assert_string_equal(error.message, "invalid device name '0123456789abcdef' (1 to 15 bytes)");
	assert_int_equal(parse_ifname("", &error), -1);
	assert_string_equal(error.message, "invalid device name '' (1 to 15 bytes)");
}

static int count_words(const char *const *words)
{
	int argc = 0;

	while (words[argc])
		argc++;
	return argc;
}

/* Run dev_set_parse_args on a NULL-terminated word list. */
static int parse_dev_set(const char *const *words, struct dev_set_args *args,
			 struct parse_error *error)
{
	return dev_set_parse_args(count_words(words), (char **)words, args, error);
}

static void test_dev_set_args_accepted(void **state)
{
	const char *const both[] = { "burrow0", "default-inactivity-timeout", "0",
				     "default-keepalive", "65535", NULL };
	const char *const one[] = { "wg", "default-keepalive", "0", NULL };
	struct burrow_nl_dev_settings *settings;
	struct dev_set_args args;
	struct parse_error error;

	(void)state;
	settings = &args.settings;
	assert_int_equal(parse_dev_set(both, &args, &error), 0);
	assert_string_equal(settings->dev.ifname, "burrow0");
	assert_int_equal(settings->dev.ifindex, 0);
	assert_true(settings->default_keepalive_set);
	assert_int_equal(settings->default_keepalive, 65535);
	assert_true(settings->default_inactivity_timeout_set);
	assert_int_equal(settings->default_inactivity_timeout, 0);
	assert_false(args.listen);
	assert_false(settings->socket_detach);
	assert_false(settings->socket_fd_set);

	assert_int_equal(parse_dev_set(one, &args, &error), 0);
	assert_string_equal(settings->dev.ifname, "wg");
	assert_true(settings->default_keepalive_set);
	assert_int_equal(settings->default_keepalive, 0);
	assert_false(settings->default_inactivity_timeout_set);
}

static void test_dev_set_args_listen_and_detach(void **state)
{
	struct dev_set_args args;
	struct parse_error error;

	(void)state;
	assert_int_equal(parse_dev_set((const char *const[]){ "b0", "listen", "51820", NULL },
				       &args, &error), 0);
	assert_true(args.listen);
	assert_int_equal(args.listen_on.family, AF_UNSPEC);
	assert_int_equal(args.listen_on.port, 51820);
	/* burrow-nl opens the socket later: no fd yet. */
	assert_false(args.settings.socket_fd_set);

	assert_int_equal(parse_dev_set((const char *const[]){ "b0", "listen", "0", NULL },
				       &args, &error), 0);
	assert_int_equal(args.listen_on.port, 0);

	assert_int_equal(parse_dev_set((const char *const[]){ "b0", "default-keepalive", "5",
							      "listen", "192.0.2.1:7", NULL },
				       &args, &error), 0);
	assert_int_equal(args.listen_on.family, AF_INET);
	assert_memory_equal(args.listen_on.addr.bytes, "\xc0\x00\x02\x01", 4);
	assert_int_equal(args.listen_on.port, 7);
	assert_true(args.settings.default_keepalive_set);

	assert_int_equal(parse_dev_set((const char *const[]){ "b0", "listen", "[::1]:0", NULL },
				       &args, &error), 0);
	assert_int_equal(args.listen_on.family, AF_INET6);
	assert_int_equal(args.listen_on.addr.bytes[15], 1);

	assert_int_equal(parse_dev_set((const char *const[]){ "b0", "detach", "default-keepalive",
							      "3", NULL }, &args, &error), 0);
	assert_true(args.settings.socket_detach);
	assert_false(args.listen);
	assert_int_equal(args.settings.default_keepalive, 3);
}

static void assert_dev_set_refused(const char *const *words, const char *message)
{
	struct dev_set_args args;
	struct parse_error error;

	assert_int_equal(parse_dev_set(words, &args, &error), -1);
	assert_string_equal(error.message, message);
}

static void test_dev_set_args_refused(void **state)
{
	(void)state;
	assert_dev_set_refused((const char *const[]){ NULL }, "missing device name for dev set");
	assert_dev_set_refused((const char *const[]){ "default-keepalive", "5", NULL },
			       "missing device name before 'default-keepalive' for dev set");
	assert_dev_set_refused((const char *const[]){ "0123456789abcdef", "default-keepalive", "5",
						      NULL },
			       "invalid device name '0123456789abcdef' (1 to 15 bytes)");
	assert_dev_set_refused((const char *const[]){ "burrow0", NULL },
			       "nothing to set for dev set (give default-keepalive, "
			       "default-inactivity-timeout, quic-cid-len, listen or detach)");
	assert_dev_set_refused((const char *const[]){ "burrow0", "quic-cid-len", "0", NULL },
			       "0 is out of range for quic-cid-len (1-20)");
	assert_dev_set_refused((const char *const[]){ "burrow0", "quic-cid-len", "21", NULL },
			       "21 is out of range for quic-cid-len (1-20)");
	assert_dev_set_refused((const char *const[]){ "burrow0", "quic-cid-len", NULL },
			       "missing value for quic-cid-len");
	assert_dev_set_refused((const char *const[]){ "burrow0", "quic-cid-len", "8",
						      "quic-cid-len", "9", NULL },
			       "duplicate option 'quic-cid-len'");
	assert_dev_set_refused((const char *const[]){ "listen", "5", NULL },
			       "missing device name before 'listen' for dev set");
	assert_dev_set_refused((const char *const[]){ "burrow0", "listen", "5", "detach", NULL },
			       "give listen or detach, not both");
	assert_dev_set_refused((const char *const[]){ "burrow0", "listen", NULL },
			       "missing value for listen");
	assert_dev_set_refused((const char *const[]){ "burrow0", "listen", "70000", NULL },
			       "invalid port '70000' (0-65535)");
	assert_dev_set_refused((const char *const[]){ "burrow0", "listen", "::1:5", NULL },
			       "invalid endpoint '::1:5' (IPV4:PORT or [IPV6]:PORT)");
	assert_dev_set_refused((const char *const[]){ "burrow0", "listen", "1", "listen", "2",
						      NULL },
			       "duplicate option 'listen'");
	assert_dev_set_refused((const char *const[]){ "burrow0", "detach", "detach", NULL },
			       "duplicate option 'detach'");
	assert_dev_set_refused((const char *const[]){ "burrow0", "keepalive", "5", NULL },
			       "unknown keyword 'keepalive' for dev set");
	assert_dev_set_refused((const char *const[]){ "burrow0", "default-keepalive", NULL },
			       "missing value for default-keepalive");
	assert_dev_set_refused((const char *const[]){ "burrow0", "default-keepalive", "5",
						      "default-keepalive", "6", NULL },
			       "duplicate option 'default-keepalive'");
	assert_dev_set_refused((const char *const[]){ "burrow0", "default-keepalive", "abc", NULL },
			       "invalid seconds 'abc' for default-keepalive");
	assert_dev_set_refused((const char *const[]){ "burrow0", "default-keepalive", "70000", NULL },
			       "70000 is out of range for default-keepalive (0-65535)");
	assert_dev_set_refused((const char *const[]){ "burrow0", "default-inactivity-timeout",
						      "86401", NULL },
			       "86401 is out of range for default-inactivity-timeout (0-86400)");
	assert_dev_set_refused((const char *const[]){ "burrow0", "default-inactivity-timeout", "-1",
						      NULL },
			       "invalid seconds '-1' for default-inactivity-timeout");
}

static void print_text_without_stats(FILE *out, const struct burrow_nl_dev *devs, size_t count)
{
	dev_print_text(out, devs, count, false);
}

/* Everything print printed, as a string to free(). */
static char *capture(void (*print)(FILE *, const struct burrow_nl_dev *, size_t),
		     const struct burrow_nl_dev *devs, size_t count)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	assert_non_null(out);
	print(out, devs, count);
	assert_int_equal(fclose(out), 0);
	return text;
}

/* The JSON stats object of a device whose counters are all 0. */
#define ZERO_STATS \
	"\"stats\":{\"drop_no_peer\":0,\"drop_no_endpoint\":0,\"drop_no_socket\":0," \
	"\"drop_no_key\":0,\"drop_key_exhausted\":0,\"drop_bad_inner\":0,\"drop_route\":0," \
	"\"drop_bad_header\":0,\"drop_unknown_id\":0,\"drop_decrypt\":0,\"drop_replay\":0," \
	"\"drop_source_not_allowed\":0,\"drop_nomem\":0,\"drop_queue_full\":0," \
	"\"drop_queue_delay\":0,\"drop_dev_down\":0,\"drop_relay_no_ticket\":0,\"drop_relay_wrong_source\":0,\"drop_relay_expired\":0,\"drop_l2_bad_source\":0,\"drop_l2_mac_limit\":0,\"drop_l2_segment\":0,\"drop_l2_flood_rate\":0,\"drop_quic_short\":0,\"drop_quic_reserved\":0,\"drop_quic_frame\":0," \
	"\"drop_quic_datagram_id\":0,\"rx_keepalives\":0,\"rx_to_userspace\":0,\"relay_forwarded\":0,\"l2_mac_moves\":0," \
	"\"frag_tx\":0,\"frag_frames_tx\":0,\"reasm_frames\":0,\"reasm_drop_overlap\":0,\"reasm_drop_oversize\":0,\"reasm_drop_timeout\":0,\"reasm_drop_evicted\":0,\"reasm_drop_bad\":0,\"l2_flooded\":0}"

static void test_dev_sort_and_print(void **state)
{
	struct burrow_nl_dev devs[] = {
		{ .ifindex = 9, .ifname = "burrow1", .default_keepalive = 25,
		  .default_inactivity_timeout = 180, .socket_family = AF_INET, .listen_port = 1 },
		{ .ifindex = 4, .ifname = "a", .default_keepalive = 0,
		  .default_inactivity_timeout = 86400 },
		{ .ifindex = 5, .ifname = "burrow0", .default_keepalive = 65535,
		  .default_inactivity_timeout = 0, .socket_family = AF_INET6,
		  .listen_port = 51820, .peer_count = 2, .generation = 7, .quic_cid_len = 8 },
	};
	char *text;

	(void)state;
	dev_sort_by_name(devs, 3);
	text = capture(print_text_without_stats, devs, 3);
	assert_string_equal(text,
		"a: ifindex 4 default-keepalive 0 default-inactivity-timeout 86400 socket none "
		"peers 0 generation 0\n"
		"burrow0: ifindex 5 default-keepalive 65535 default-inactivity-timeout 0 "
		"quic-cid-len 8 socket inet6 listen-port 51820 peers 2 generation 7\n"
		"burrow1: ifindex 9 default-keepalive 25 default-inactivity-timeout 180 "
		"socket inet listen-port 1 peers 0 generation 0\n");
	free(text);

	text = capture(dev_print_json, devs, 2);
	assert_string_equal(text,
		"[{\"ifname\":\"a\",\"ifindex\":4,\"default_keepalive\":0,"
		"\"default_inactivity_timeout\":86400,\"quic_cid_len\":null,"
		"\"socket_family\":null,\"listen_port\":null,"
		"\"peer_count\":0,\"generation\":0," ZERO_STATS "},"
		"{\"ifname\":\"burrow0\",\"ifindex\":5,\"default_keepalive\":65535,"
		"\"default_inactivity_timeout\":0,\"quic_cid_len\":8,\"socket_family\":\"inet6\","
		"\"listen_port\":51820,\"peer_count\":2,\"generation\":7," ZERO_STATS "}]\n");
	free(text);
}

static void test_dev_print_empty(void **state)
{
	char *text;

	(void)state;
	text = capture(print_text_without_stats, NULL, 0);
	assert_string_equal(text, "");
	free(text);
	text = capture(dev_print_json, NULL, 0);
	assert_string_equal(text, "[]\n");
	free(text);
}

static void test_dev_print_json_escapes_names(void **state)
{
	const struct burrow_nl_dev dev = { .ifindex = 1, .ifname = "a\"b\\c\x01\x7f\xc3\xa9" };
	char *text;

	(void)state;
	text = capture(dev_print_json, &dev, 1);
	assert_string_equal(text,
		"[{\"ifname\":\"a\\\"b\\\\c\\u0001\\u007f\xc3\xa9\",\"ifindex\":1,"
		"\"default_keepalive\":0,\"default_inactivity_timeout\":0,\"quic_cid_len\":null,"
		"\"socket_family\":null,"
		"\"listen_port\":null,\"peer_count\":0,\"generation\":0," ZERO_STATS "}]\n");
	free(text);
}

static void test_dev_print_stats(void **state)
{
	struct burrow_nl_dev dev = { .ifindex = 3, .ifname = "b0", .peer_count = 1 };
	char *text = NULL;
	size_t size = 0;
	FILE *out;

	(void)state;
	dev.stats.drop_no_peer = 1;
	dev.stats.drop_replay = 11;
	dev.stats.rx_to_userspace = UINT64_MAX;
	out = open_memstream(&text, &size);
	dev_print_text(out, &dev, 1, true);
	fclose(out);
	assert_string_equal(text,
		"b0: ifindex 3 default-keepalive 0 default-inactivity-timeout 0 socket none "
		"peers 1 generation 0\n"
		"    drop-no-peer 1\n"
		"    drop-no-endpoint 0\n"
		"    drop-no-socket 0\n"
		"    drop-no-key 0\n"
		"    drop-key-exhausted 0\n"
		"    drop-bad-inner 0\n"
		"    drop-route 0\n"
		"    drop-bad-header 0\n"
		"    drop-unknown-id 0\n"
		"    drop-decrypt 0\n"
		"    drop-replay 11\n"
		"    drop-source-not-allowed 0\n"
		"    drop-nomem 0\n"
		"    drop-queue-full 0\n"
		"    drop-queue-delay 0\n"
		"    drop-dev-down 0\n"
		"    drop-relay-no-ticket 0\n"
		"    drop-relay-wrong-source 0\n"
		"    drop-relay-expired 0\n"
		"    drop-l2-bad-source 0\n"
		"    drop-l2-mac-limit 0\n"
		"    drop-l2-segment 0\n"
		"    drop-l2-flood-rate 0\n"
		"    drop-quic-short 0\n"
		"    drop-quic-reserved 0\n"
		"    drop-quic-frame 0\n"
		"    drop-quic-datagram-id 0\n"
		"    rx-keepalives 0\n"
		"    rx-to-userspace 18446744073709551615\n"
		"    relay-forwarded 0\n"
		"    l2-mac-moves 0\n"
		"    frag-tx 0\n"
		"    frag-frames-tx 0\n"
		"    reasm-frames 0\n"
		"    reasm-drop-overlap 0\n"
		"    reasm-drop-oversize 0\n"
		"    reasm-drop-timeout 0\n"
		"    reasm-drop-evicted 0\n"
		"    reasm-drop-bad 0\n"
		"    l2-flooded 0\n");
	free(text);

	out = open_memstream(&text, &size);
	dev_print_json(out, &dev, 1);
	fclose(out);
	assert_string_equal(text,
		"[{\"ifname\":\"b0\",\"ifindex\":3,\"default_keepalive\":0,"
		"\"default_inactivity_timeout\":0,\"quic_cid_len\":null,\"socket_family\":null,"
		"\"listen_port\":null,"
		"\"peer_count\":1,\"generation\":0,\"stats\":{\"drop_no_peer\":1,"
		"\"drop_no_endpoint\":0,\"drop_no_socket\":0,\"drop_no_key\":0,"
		"\"drop_key_exhausted\":0,\"drop_bad_inner\":0,\"drop_route\":0,"
		"\"drop_bad_header\":0,\"drop_unknown_id\":0,\"drop_decrypt\":0,"
		"\"drop_replay\":11,\"drop_source_not_allowed\":0,\"drop_nomem\":0,"
		"\"drop_queue_full\":0,\"drop_queue_delay\":0,\"drop_dev_down\":0,\"drop_relay_no_ticket\":0,\"drop_relay_wrong_source\":0,\"drop_relay_expired\":0,\"drop_l2_bad_source\":0,\"drop_l2_mac_limit\":0,\"drop_l2_segment\":0,\"drop_l2_flood_rate\":0,\"drop_quic_short\":0,\"drop_quic_reserved\":0,"
		"\"drop_quic_frame\":0,\"drop_quic_datagram_id\":0,\"rx_keepalives\":0,"
		"\"rx_to_userspace\":18446744073709551615,\"relay_forwarded\":0,\"l2_mac_moves\":0,"
		"\"frag_tx\":0,\"frag_frames_tx\":0,\"reasm_frames\":0,\"reasm_drop_overlap\":0,\"reasm_drop_oversize\":0,\"reasm_drop_timeout\":0,\"reasm_drop_evicted\":0,\"reasm_drop_bad\":0,\"l2_flooded\":0}}]\n");
	free(text);
}

static int run_nothing(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	return 0;
}

static void test_find_command(void **state)
{
	static const struct cli_command commands[] = {
		{ "show", run_nothing, NULL },
		{ "set", run_nothing, NULL },
		{ "del", run_nothing, NULL },
		{ NULL, NULL, NULL },
	};

	(void)state;
	assert_ptr_equal(cli_find_command(commands, "set"), &commands[1]);
	/* Prefixes: the first command in table order, like ip(8). */
	assert_ptr_equal(cli_find_command(commands, "sho"), &commands[0]);
	assert_ptr_equal(cli_find_command(commands, "s"), &commands[0]);
	assert_ptr_equal(cli_find_command(commands, "se"), &commands[1]);
	assert_ptr_equal(cli_find_command(commands, "d"), &commands[2]);
	assert_null(cli_find_command(commands, "shows"));
	assert_null(cli_find_command(commands, "x"));
	assert_null(cli_find_command(commands, ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_decimal_accepts),
		cmocka_unit_test(test_parse_decimal_refuses),
		cmocka_unit_test(test_parse_seconds),
		cmocka_unit_test(test_parse_ifname),
		cmocka_unit_test(test_dev_set_args_accepted),
		cmocka_unit_test(test_dev_set_args_listen_and_detach),
		cmocka_unit_test(test_dev_set_args_refused),
		cmocka_unit_test(test_dev_sort_and_print),
		cmocka_unit_test(test_dev_print_empty),
		cmocka_unit_test(test_dev_print_stats),
		cmocka_unit_test(test_dev_print_json_escapes_names),
		cmocka_unit_test(test_find_command),
	};

	return cmocka_run_group_tests_name("burrow-nl command line", tests, NULL, NULL);
}
