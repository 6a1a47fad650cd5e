// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl relay: add, change, remove and show the entries of a device's
 * relay table (the device forwards relay datagrams carrying an entry's
 * ticket between its two endpoints; docs/netlink.md, relay-*).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "burrow-text.h"

enum relay_keyword {
	RELAY_TICKET,
	RELAY_A,
	RELAY_B,
	RELAY_LIFETIME,
};

static const char *const relay_keywords[] = {
	[RELAY_TICKET] = "ticket",
	[RELAY_A] = "a",
	[RELAY_B] = "b",
	[RELAY_LIFETIME] = "lifetime",
};

static bool relay_is_keyword(const char *word)
{
	for (size_t i = 0; i < ARRAY_SIZE(relay_keywords); i++) {
		if (strcmp(word, relay_keywords[i]) == 0)
			return true;
	}
	return false;
}

/*
 * Parse "DEV ticket N [a ADDR:PORT] [b ADDR:PORT] [lifetime S]", keywords
 * limited to the first @keywords of relay_keywords (1: the ticket alone).
 * relay add needs them all; relay set at least one besides the ticket;
 * relay show makes the ticket optional (*ticket 0: every entry).
 */
static int relay_parse_args(int argc, char **argv, const char *command, unsigned int keywords,
			    bool ticket_optional, const char **ifname,
			    struct burrow_nl_relay *relay, struct parse_error *error)
{
	bool given[ARRAY_SIZE(relay_keywords)] = { false };
	uint64_t number;
	uint32_t seconds;

	memset(relay, 0, sizeof(*relay));
	if (cli_parse_dev(argc, argv, relay_is_keyword, command, ifname, error))
		return -1;
	for (int i = 1; i < argc; i += 2) {
		int keyword = cli_keyword(argc, argv, i, relay_keywords, given, keywords, command,
					  error);
		const char *text = argv[i + 1];

		if (keyword < 0)
			return -1;
		switch ((enum relay_keyword)keyword) {
		case RELAY_TICKET:
			if (parse_number("ticket", text, 1, UINT32_MAX, &number, error))
				return -1;
			relay->ticket = (uint32_t)number;
			break;
		case RELAY_A:
			if (parse_endpoint(text, &relay->a, error))
				return -1;
			break;
		case RELAY_B:
			if (parse_endpoint(text, &relay->b, error))
				return -1;
			break;
		case RELAY_LIFETIME:
			if (parse_seconds("lifetime", text, BURROW_MAX_TIMEOUT, &seconds, error))
				return -1;
			if (seconds == 0)
				return parse_fail(error, "invalid lifetime '%s' (1-%u seconds)", text,
						  BURROW_MAX_TIMEOUT);
			relay->lifetime = seconds;
			break;
		}
	}
	if (!given[RELAY_TICKET] && !ticket_optional)
		return parse_fail(error, "missing ticket for %s", command);
	if (keywords == ARRAY_SIZE(relay_keywords) && strcmp(command, "relay add") == 0) {
		for (size_t k = RELAY_A; k < ARRAY_SIZE(relay_keywords); k++) {
			if (!given[k])
				return parse_fail(error, "missing %s for %s", relay_keywords[k],
						  command);
		}
	} else if (keywords == ARRAY_SIZE(relay_keywords) &&
		   !given[RELAY_A] && !given[RELAY_B] && !given[RELAY_LIFETIME]) {
		return parse_fail(error, "nothing to set for %s", command);
	}
	return 0;
}

/* relay add / relay set */
static int relay_change(struct cli *cli, int argc, char **argv, bool set)
{
	const char *command = set ? "relay set" : "relay add";
	struct burrow_nl_dev_ref dev = { 0 };
	struct burrow_nl_relay relay;
	struct parse_error error;
	int ret;

	if (relay_parse_args(argc, argv, command, ARRAY_SIZE(relay_keywords), false, &dev.ifname,
			     &relay, &error))
		return cli_usage_error("%s", error.message);
	ret = cli_open(cli);
	if (ret)
		return ret;
	ret = set ? burrow_nl_relay_set(cli->nl, &dev, &relay)
		  : burrow_nl_relay_new(cli->nl, &dev, &relay);
	return ret ? cli_report_error(cli, ret, command) : CLI_EXIT_OK;
}

static int relay_add(struct cli *cli, int argc, char **argv)
{
	return relay_change(cli, argc, argv, false);
}

static int relay_set(struct cli *cli, int argc, char **argv)
{
	return relay_change(cli, argc, argv, true);
}

/* relay del DEV ticket N */
static int relay_del(struct cli *cli, int argc, char **argv)
{
	struct burrow_nl_dev_ref dev = { 0 };
	struct burrow_nl_relay relay;
	struct parse_error error;
	int ret;

	if (relay_parse_args(argc, argv, "relay del", 1, false, &dev.ifname, &relay, &error))
		return cli_usage_error("%s", error.message);
	ret = cli_open(cli);
	if (ret)
		return ret;
	ret = burrow_nl_relay_del(cli->nl, &dev, relay.ticket);
	return ret ? cli_report_error(cli, ret, "relay del") : CLI_EXIT_OK;
}

static void relay_print_text(FILE *out, const struct burrow_nl_relay *relays, size_t count,
			     bool human)
{
	char a[BURROW_TEXT_ENDPOINT_SIZE], b[BURROW_TEXT_ENDPOINT_SIZE];
	char bytes[32], duration[48];

	for (size_t i = 0; i < count; i++) {
		const struct burrow_nl_relay *relay = &relays[i];

		if (i)
			fputc('\n', out);
		fprintf(out, "relay %u\n", relay->ticket);
		fprintf(out, "  a %s\n", burrow_text_endpoint(&relay->a, a));
		fprintf(out, "  b %s\n", burrow_text_endpoint(&relay->b, b));
		if (relay->lifetime)
			fprintf(out, "  lifetime %s left\n",
				cli_format_duration(relay->lifetime, duration));
		else
			fputs("  lifetime expired\n", out);
		fprintf(out, "  a-to-b %s %" PRIu64 " packets\n",
			human ? cli_format_bytes(relay->a_to_b_bytes, true, bytes) :
			(snprintf(bytes, sizeof(bytes), "%" PRIu64 " bytes", relay->a_to_b_bytes),
			 bytes), relay->a_to_b_packets);
		fprintf(out, "  b-to-a %s %" PRIu64 " packets\n",
			human ? cli_format_bytes(relay->b_to_a_bytes, true, bytes) :
			(snprintf(bytes, sizeof(bytes), "%" PRIu64 " bytes", relay->b_to_a_bytes),
			 bytes), relay->b_to_a_packets);
	}
}

static void relay_print_json(FILE *out, const struct burrow_nl_relay *relays, size_t count)
{
	fputc('[', out);
	for (size_t i = 0; i < count; i++) {
		const struct burrow_nl_relay *relay = &relays[i];

		fprintf(out, "%s{\"ticket\":%u,\"a\":", i ? "," : "", relay->ticket);
		burrow_json_endpoint(out, &relay->a);
		fputs(",\"b\":", out);
		burrow_json_endpoint(out, &relay->b);
		fprintf(out, ",\"lifetime\":%u,\"a_to_b_packets\":%" PRIu64
			",\"a_to_b_bytes\":%" PRIu64 ",\"b_to_a_packets\":%" PRIu64
			",\"b_to_a_bytes\":%" PRIu64 "}", relay->lifetime, relay->a_to_b_packets,
			relay->a_to_b_bytes, relay->b_to_a_packets, relay->b_to_a_bytes);
	}
	fputs("]\n", out);
}

/* relay show DEV [ticket N] */
static int relay_show(struct cli *cli, int argc, char **argv)
{
	struct burrow_nl_dev_ref dev = { 0 };
	struct burrow_nl_relay *relays = NULL, one;
	struct parse_error error;
	size_t count;
	FILE *out;
	int ret;

	if (relay_parse_args(argc, argv, "relay show", 1, true, &dev.ifname, &one, &error))
		return cli_usage_error("%s", error.message);
	ret = cli_open(cli);
	if (ret)
		return ret;
	if (one.ticket) {
		ret = burrow_nl_relay_get(cli->nl, &dev, one.ticket, &one);
		count = 1;
	} else {
		ret = burrow_nl_relay_dump(cli->nl, &dev, &relays, &count);
	}
	if (ret)
		return cli_report_error(cli, ret, "relay show");
	if (!cli->json) {
		relay_print_text(stdout, relays ? relays : &one, count, cli->human);
		ret = CLI_EXIT_OK;
	} else {
		out = cli_json_begin(cli);
		relay_print_json(out, relays ? relays : &one, count);
		ret = cli_json_end(cli, out);
	}
	free(relays);
	return ret;
}

const struct cli_command cli_relay_commands[] = {
	{ "show", relay_show, "show DEV [ticket N]" },
	{ "add", relay_add, "add DEV ticket N a ADDR:PORT b ADDR:PORT lifetime SECONDS" },
	{ "set", relay_set, "set DEV ticket N [a ADDR:PORT] [b ADDR:PORT] [lifetime SECONDS]" },
	{ "del", relay_del, "del DEV ticket N" },
	{ NULL, NULL, NULL },
};

/* relay add|set|del|show ... */
int cli_relay(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, "relay", cli_relay_commands, argc, argv);
}
