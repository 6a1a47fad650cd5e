// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl: configure burrow devices over the 'burrow' generic netlink
 * family. Global options, then OBJECT COMMAND [ARGUMENTS], like ip(8); or
 * -batch FILE with one such command a line.
 */

#include <string.h>

#include "cli.h"

/* "-j" and "-json" (and "--json"): option's short and long spellings. */
static bool is_option(const char *arg, const char *short_name, const char *long_name)
{
	if (strcmp(arg, short_name) == 0)
		return true;
	if (arg[1] == '-')
		arg++;
	return strcmp(arg + 1, long_name) == 0;
}

int main(int argc, char **argv)
{
	struct cli cli = { .json = false };
	const char *batch = NULL, *netns = NULL;
	int arg = 1;
	int ret;

	for (; arg < argc && argv[arg][0] == '-'; arg++) {
		const char *option = argv[arg];

		if (strcmp(option, "--") == 0) {
			arg++;
			break;
		}
		if (is_option(option, "-j", "json")) {
			cli.json = true;
		} else if (is_option(option, "-p", "pretty")) {
			cli.pretty = true;
		} else if (is_option(option, "-s", "stats") ||
			   is_option(option, "-s", "statistics")) {
			cli.stats++;
		} else if (is_option(option, "-h", "human")) {
			cli.human = true;
		} else if (is_option(option, "-f", "force")) {
			cli.force = true;
		} else if (is_option(option, "-?", "help")) {
			cli_print_help(stdout);
			return CLI_EXIT_OK;
		} else if (is_option(option, "-n", "netns") || is_option(option, "-b", "batch")) {
			bool is_netns = is_option(option, "-n", "netns");

			if (arg + 1 == argc)
				return cli_usage_error("missing value for %s", option);
			if ((is_netns && netns) || (!is_netns && batch))
				return cli_usage_error("duplicate option '%s'", option);
			if (is_netns)
				netns = argv[++arg];
			else
				batch = argv[++arg];
		} else {
			return cli_usage_error("unknown option '%s' (try 'burrow-nl help')", option);
		}
	}
	if (cli.pretty)
		cli.json = true;
	if (batch && arg < argc)
		return cli_usage_error("unexpected argument '%s' after -batch FILE", argv[arg]);
	if (!batch && arg == argc) {
		cli_print_help(stderr);
		return CLI_EXIT_USAGE;
	}
	if (netns) {
		ret = cli_enter_netns(netns);
		if (ret)
			return ret;
	}

	if (batch)
		ret = cli_batch(&cli, batch);
	else
		ret = cli_run(&cli, argc - arg, argv + arg);
	burrow_nl_close(cli.nl);
	link_close(&cli);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("burrow-nl: cannot write the output");
		if (ret == CLI_EXIT_OK)
			ret = CLI_EXIT_REFUSED;
	}
	return ret;
}
