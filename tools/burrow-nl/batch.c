// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl: the objects, top-level help, and -batch. A batch runs every
 * line on the same struct cli, so the generic netlink socket, the resolved
 * family and the rtnetlink socket are opened once for the whole file: a
 * line costs its parse and its own requests, nothing else.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Most words on one batch line (allowed-ips lists are one word). */
#define BATCH_MAX_WORDS 128

static int cli_help(struct cli *cli, int argc, char **argv);

static const struct cli_command objects[] = {
	{ "show", cli_show, "show [DEV]" },
	{ "dev", cli_dev, NULL },
	{ "peer", cli_peer, NULL },
	{ "key", cli_key, NULL },
	{ "relay", cli_relay, NULL },
	{ "fdb", cli_fdb, NULL },
	{ "monitor", cli_monitor, "monitor" },
	{ "version", cli_version, "version" },
	{ "help", cli_help, "help" },
	{ NULL, NULL, NULL },
};

void cli_print_help(FILE *out)
{
	fputs("Usage: burrow-nl [OPTIONS] OBJECT [COMMAND [ARGUMENTS]]\n"
	      "       burrow-nl [OPTIONS] -batch FILE\n"
	      "\n"
	      "OBJECT and COMMAND may be shortened to a unique prefix (burrow-nl p s).\n"
	      "'burrow-nl OBJECT help' and 'burrow-nl OBJECT COMMAND help' print usage.\n"
	      "\n"
	      "  burrow-nl show [DEV]      overview of devices, peers and keys (like wg show)\n"
	      "  burrow-nl version         versions of burrow-nl, burrow.ko and its API\n"
	      "  burrow-nl monitor         print events until killed\n",
	      out);
	cli_print_usage(out, "dev", cli_dev_commands);
	cli_print_usage(out, "peer", cli_peer_commands);
	cli_print_usage(out, "key", cli_key_commands);
	cli_print_usage(out, "relay", cli_relay_commands);
	cli_print_usage(out, "fdb", cli_fdb_commands);
	fputs("\n"
	      "  Seconds: keepalives 0-65535, inactivity timeouts 0-86400; 0 turns either\n"
	      "  off. Peer ids 1-4294967295. Prefixes are ADDR/LEN with no host bits set.\n"
	      "  Key files hold the key and its 12-byte IV as one line of hex or base64\n"
	      "  (quic peers: then the header-protection key, as long as the key);\n"
	      "  '-' is standard input. Relay tickets 1-4294967295 (relay-ticket 0: direct);\n"
	      "  relay lifetimes 1-86400 seconds. l2 devices: segments are 802.1Q VLAN ids\n"
	      "  (0 untagged, 1-4094), mac-limit and flood-rate 0 mean no limit.\n"
	      "\n"
	      "Options (before OBJECT):\n"
	      "  -j, -json                 JSON output (monitor: JSON lines)\n"
	      "  -p, -pretty               indented JSON\n"
	      "  -s, -stats                counters; twice for more\n"
	      "  -h, -human                bytes as KiB, MiB, GiB\n"
	      "  -n, -netns NAME           run in network namespace NAME (ip netns)\n"
	      "  -b, -batch FILE           one command a line from FILE ('-': stdin)\n"
	      "  -f, -force                batch: go on after errors; key add: accept\n"
	      "                            key material on the command line\n"
	      "  --help                    this help\n"
	      "\n"
	      "Exit codes:\n"
	      "  0  success\n"
	      "  1  usage or parse error (also: an unreadable or malformed key file)\n"
	      "  2  the kernel refused, or the request failed otherwise\n"
	      "     (burrow.ko not loaded, malformed reply, output not written)\n"
	      "  3  not found: no such device, peer, key or relay entry\n",
	      out);
}

static int cli_help(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	if (argc > 0)
		return cli_usage_error("unexpected argument '%s' for help", argv[0]);
	cli_print_help(stdout);
	return CLI_EXIT_OK;
}

int cli_run(struct cli *cli, int argc, char **argv)
{
	const struct cli_command *object;

	if (argc == 0)
		return cli_usage_error("missing object (try 'burrow-nl help')");
	object = cli_find_command(objects, argv[0]);
	if (!object)
		return cli_usage_error("unknown object '%s' (try 'burrow-nl help')", argv[0]);
	if (argc == 2 && strcmp(argv[1], "help") == 0 && object->usage) {
		printf("Usage: burrow-nl %s\n", object->usage);
		return CLI_EXIT_OK;
	}
	return object->run(cli, argc - 1, argv + 1);
}

int cli_split_line(char *line, char **words, int max, struct parse_error *error)
{
	char *read = line, *write = line;
	int count = 0;

	for (;;) {
		char quote = 0;

		while (*read == ' ' || *read == '\t' || *read == '\r' || *read == '\n')
			read++;
		if (*read == '\0' || *read == '#')
			return count;
		if (count == max)
			return parse_fail(error, "too many words (at most %d)", max);
		words[count++] = write;
		for (; *read; read++) {
			if (quote) {
				if (*read == quote)
					quote = 0;
				else if (*read == '\\' && quote == '"' && read[1])
					*write++ = *++read;
				else
					*write++ = *read;
				continue;
			}
			if (*read == ' ' || *read == '\t' || *read == '\r' || *read == '\n')
				break;
			if (*read == '"' || *read == '\'')
				quote = *read;
			else if (*read == '\\' && read[1])
				*write++ = *++read;
			else
				*write++ = *read;
		}
		if (quote)
			return parse_fail(error, "unterminated %c quote", quote);
		if (*read)
			read++;
		*write++ = '\0';
	}
}

int cli_batch(struct cli *cli, const char *path)
{
	FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	char *words[BATCH_MAX_WORDS];
	int first_failure = CLI_EXIT_OK;
	unsigned long number = 0;
	size_t size = 0;
	char *line = NULL;

	if (!in) {
		cli_error("cannot open batch file '%s': %s", path, strerror(errno));
		return errno == ENOENT ? CLI_EXIT_NOT_FOUND : CLI_EXIT_USAGE;
	}
	while (getline(&line, &size, in) >= 0) {
		struct parse_error error;
		int count, ret;

		cli_batch_line = ++number;
		count = cli_split_line(line, words, BATCH_MAX_WORDS, &error);
		if (count == 0)
			continue;
		if (count < 0)
			ret = cli_usage_error("%s", error.message);
		else
			ret = cli_run(cli, count, words);
		/* Output of the lines stays in their order with the errors. */
		fflush(stdout);
		if (ret == CLI_EXIT_OK)
			continue;
		if (first_failure == CLI_EXIT_OK)
			first_failure = ret;
		if (!cli->force)
			break;
	}
	cli_batch_line = 0;
	if (ferror(in)) {
		cli_error("cannot read batch file '%s': %s", path, strerror(errno));
		if (first_failure == CLI_EXIT_OK)
			first_failure = CLI_EXIT_USAGE;
	}
	free(line);
	if (in != stdin)
		fclose(in);
	return first_failure;
}
