// SPDX-License-Identifier: GPL-2.0
/* burrow-nl: dispatch and error reporting shared by every command. */

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "cli.h"

const struct cli_command *cli_find_command(const struct cli_command *commands,
					   const char *name)
{
	for (const struct cli_command *command = commands; command->name; command++) {
		if (strcmp(command->name, name) == 0)
			return command;
	}
	return NULL;
}

int cli_usage_error(const char *format, ...)
{
	va_list args;

	fputs("burrow-nl: ", stderr);
	va_start(args, format);
	vfprintf(stderr, format, args);
	va_end(args);
	fputc('\n', stderr);
	return CLI_EXIT_USAGE;
}

int cli_open(struct cli *cli)
{
	int ret;

	if (cli->nl)
		return CLI_EXIT_OK;
	ret = burrow_nl_open(&cli->nl);
	if (ret == -ENOENT) {
		fprintf(stderr, "burrow-nl: the burrow module is not loaded "
			"(no generic netlink family 'burrow')\n");
		return CLI_EXIT_REFUSED;
	}
	if (ret) {
		fprintf(stderr, "burrow-nl: cannot open the burrow netlink family: %s\n",
			strerror(-ret));
		return CLI_EXIT_REFUSED;
	}
	return CLI_EXIT_OK;
}

int cli_report_error(const struct cli *cli, int code, const char *what)
{
	const char *reason = burrow_nl_last_error(cli->nl);

	if (reason[0] == '\0')
		reason = strerror(-code);
	if (burrow_nl_last_error_from_kernel(cli->nl)) {
		fprintf(stderr, "burrow-nl: kernel refused: %s\n", reason);
		return code == -ENODEV ? CLI_EXIT_NOT_FOUND : CLI_EXIT_REFUSED;
	}
	fprintf(stderr, "burrow-nl: %s: %s\n", what, reason);
	return CLI_EXIT_REFUSED;
}
