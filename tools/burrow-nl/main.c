// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl: configure burrow devices over the 'burrow' generic netlink
 * family. Global options, then OBJECT COMMAND [ARGUMENTS], like ip(8).
 */

#include <string.h>

#include "cli.h"

static void print_help(FILE *out)
{
	fputs("Usage: burrow-nl [OPTIONS] OBJECT [COMMAND [ARGUMENTS]]\n"
	      "\n"
	      "Commands:\n"
	      "  version                   versions of burrow-nl, burrow.ko and its API\n"
	      "  dev [show]                every burrow device, sorted by name\n"
	      "  dev show DEV              one burrow device\n"
	      "  dev set DEV [default-keepalive SECONDS] [default-inactivity-timeout SECONDS]\n"
	      "              [listen PORT | listen ADDR:PORT | listen [ADDR6]:PORT] [detach]\n"
	      "                            change DEV's defaults; listen opens and binds a UDP\n"
	      "                            socket (IPv6 and IPv4 unless ADDR is IPv4) and hands\n"
	      "                            it to DEV; PORT 0 lets the kernel pick; detach lets\n"
	      "                            go of DEV's socket\n"
	      "  peer add DEV id N [tx-id N] [endpoint ADDR:PORT | endpoint [ADDR6]:PORT]\n"
	      "              [allowed-ips PREFIX[,PREFIX...]] [keepalive SECONDS]\n"
	      "              [inactivity-timeout SECONDS] [pinned on|off] [encap udp|quic]\n"
	      "              [local-cid HEX] [remote-cid HEX]\n"
	      "  peer set DEV id N [the same options] [endpoint none]\n"
	      "              [allowed-ips-op add|remove|replace]\n"
	      "                            allowed-ips-op says what allowed-ips does to the\n"
	      "                            peer's list (default add); replace without\n"
	      "                            allowed-ips clears the list\n"
	      "  peer del DEV id N\n"
	      "  peer show DEV [id N]      peers, sorted by id\n"
	      "  key add DEV peer N slot primary|secondary key-id N\n"
	      "              cipher chacha20-poly1305|aes-128-gcm|aes-256-gcm tx FILE rx FILE\n"
	      "              [soft-packets N] [hard-packets N] [soft-seconds N] [hard-seconds N]\n"
	      "                            FILE holds the key and its 12-byte IV as one line\n"
	      "                            of hex or base64; '-' is standard input\n"
	      "  key swap DEV peer N       exchange the primary and secondary keys\n"
	      "  key del DEV peer N slot primary|secondary\n"
	      "  key show DEV peer N [slot primary|secondary]\n"
	      "                            key metadata, never key material\n"
	      "  monitor                   print events until killed\n"
	      "  help                      this help\n"
	      "\n"
	      "  Seconds: keepalives 0-65535, inactivity timeouts 0-86400; 0 turns either\n"
	      "  off. Peer ids 1-4294967295. Prefixes are ADDR/LEN with no host bits set.\n"
	      "\n"
	      "Options (before OBJECT):\n"
	      "  -j, --json                JSON output (show commands, version; monitor\n"
	      "                            prints JSON lines)\n"
	      "  -s, --stats               dev show: every counter in the text output too\n"
	      "                            (JSON always has them)\n"
	      "  -h, --help                this help\n"
	      "\n"
	      "Exit codes:\n"
	      "  0  success\n"
	      "  1  usage or parse error (also: an unreadable or malformed key file)\n"
	      "  2  the kernel refused, or the request failed otherwise\n"
	      "     (burrow.ko not loaded, malformed reply, output not written)\n"
	      "  3  not found: no such device, peer or key\n",
	      out);
}

static int cli_help(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	if (argc > 0)
		return cli_usage_error("unexpected argument '%s' for help", argv[0]);
	print_help(stdout);
	return CLI_EXIT_OK;
}

static const struct cli_command objects[] = {
	{ "version", cli_version },
	{ "dev", cli_dev },
	{ "peer", cli_peer },
	{ "key", cli_key },
	{ "monitor", cli_monitor },
	{ "help", cli_help },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	struct cli cli = { .json = false, .stats = false };
	const struct cli_command *object;
	int arg = 1;
	int ret;

	for (; arg < argc && argv[arg][0] == '-'; arg++) {
		if (strcmp(argv[arg], "-j") == 0 || strcmp(argv[arg], "--json") == 0) {
			cli.json = true;
		} else if (strcmp(argv[arg], "-s") == 0 || strcmp(argv[arg], "--stats") == 0) {
			cli.stats = true;
		} else if (strcmp(argv[arg], "-h") == 0 || strcmp(argv[arg], "--help") == 0) {
			print_help(stdout);
			return CLI_EXIT_OK;
		} else if (strcmp(argv[arg], "--") == 0) {
			arg++;
			break;
		} else {
			return cli_usage_error("unknown option '%s' (try 'burrow-nl help')",
					       argv[arg]);
		}
	}
	if (arg == argc) {
		print_help(stderr);
		return CLI_EXIT_USAGE;
	}

	object = cli_find_command(objects, argv[arg]);
	if (!object)
		return cli_usage_error("unknown object '%s' (try 'burrow-nl help')", argv[arg]);
	ret = object->run(&cli, argc - arg - 1, argv + arg + 1);
	burrow_nl_close(cli.nl);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("burrow-nl: cannot write the output");
		if (ret == CLI_EXIT_OK)
			ret = CLI_EXIT_REFUSED;
	}
	return ret;
}
