/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrow-nl: what the command files share. main.c parses the global options
 * and dispatches on the object (one file per object: version.c, dev.c);
 * each object dispatches on its command and returns an exit code.
 */

#ifndef BURROW_NL_TOOL_CLI_H
#define BURROW_NL_TOOL_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "burrow-nl.h"
#include "parse.h"

/* Exit codes: stable, scripts rely on them; 'burrow-nl help' lists them. */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_USAGE = 1,	/* usage or parse error */
	CLI_EXIT_REFUSED = 2,	/* the kernel refused, or cannot be reached */
	CLI_EXIT_NOT_FOUND = 3,	/* no such device */
};

/* One run of the command: global options, and the netlink context. */
struct cli {
	bool json;
	struct burrow_nl *nl;	/* opened by cli_open() on first use */
};

/* An object's or a command's entry: argv starts after its own name. */
struct cli_command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
};

/* The command called name in a table ending with { NULL }, or NULL. */
const struct cli_command *cli_find_command(const struct cli_command *commands,
					   const char *name);

/* Print "burrow-nl: <message>" to stderr and return CLI_EXIT_USAGE. */
int cli_usage_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

/*
 * Open cli->nl if it is not open yet. Returns CLI_EXIT_OK, or prints why
 * it failed and returns CLI_EXIT_REFUSED.
 */
int cli_open(struct cli *cli);

/*
 * Report the failure code (negative errno) of a libburrow-nl call made for
 * 'what' and return its exit code: a refusal from the kernel prints
 * "burrow-nl: kernel refused: <extack message or strerror>" and exits 3 for
 * ENODEV, 2 otherwise; a local failure prints "burrow-nl: <what>: <reason>"
 * and exits 2.
 */
int cli_report_error(const struct cli *cli, int code, const char *what);

/* Objects. */
int cli_version(struct cli *cli, int argc, char **argv);
int cli_dev(struct cli *cli, int argc, char **argv);

/* The pieces of 'dev' that need no kernel, for unit tests. */

/* Parse "DEV [default-keepalive SECONDS] [default-inactivity-timeout SECONDS]". */
int dev_set_parse_args(int argc, char **argv, struct burrow_nl_dev_settings *settings,
		       struct parse_error *error);
void dev_sort_by_name(struct burrow_nl_dev *devs, size_t count);
void dev_print_text(FILE *out, const struct burrow_nl_dev *devs, size_t count);
void dev_print_json(FILE *out, const struct burrow_nl_dev *devs, size_t count);

/* Longest accepted default-inactivity-timeout: 'checks: max' in burrow.yaml. */
#define DEV_DEFAULT_INACTIVITY_TIMEOUT_MAX 86400

#endif /* BURROW_NL_TOOL_CLI_H */
