/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrow-coord's command line, callable from tests: argv as main() gets
 * it (argv[0] the program name), output to out, errors to err.
 */
#ifndef BURROW_COORD_CLI_H
#define BURROW_COORD_CLI_H

#include <stdio.h>

/* Exit codes, stable for scripts. */
#define COORD_EXIT_OK 0
#define COORD_EXIT_USAGE 1	/* bad command line: unknown word, malformed value */
#define COORD_EXIT_REFUSED 2	/* no such key or node, name taken, route not advertised */
#define COORD_EXIT_DATABASE 3	/* the database cannot be opened, read or written */

#define COORD_DEFAULT_DB "/var/lib/burrow/coord.db"

int coord_cli_run(int argc, char **argv, FILE *out, FILE *err);

#endif /* BURROW_COORD_CLI_H */
