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
	      "                            change the defaults DEV gives its peers\n"
	      "  help                      this help\n"
	      "\n"
	      "  default-keepalive is 0-65535 seconds, default-inactivity-timeout\n"
	      "  0-86400 seconds; 0 turns either off.\n"
	      "\n"
	      "Options (before OBJECT):\n"
	      "  -j, --json                JSON output (dev show, version)\n"
	      "  -h, --help                this help\n"
	      "\n"
	      "Exit codes:\n"
	      "  0  success\n"
	      "  1  usage or parse error\n"
	      "  2  the kernel refused, or the request failed otherwise\n"
	      "     (burrow.ko not loaded, malformed reply, output not written)\n"
	      "  3  not found: no such device\n",
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
	{ "help", cli_help },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	struct cli cli = { .json = false };
	const struct cli_command *object;
	int arg = 1;
	int ret;

	for (; arg < argc && argv[arg][0] == '-'; arg++) {
		if (strcmp(argv[arg], "-j") == 0 || strcmp(argv[arg], "--json") == 0) {
			cli.json = true;
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
