// SPDX-License-Identifier: GPL-2.0
/* burrow-coord: the coordination server's operator command line (cli.c). */

#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
	return coord_cli_run(argc, argv, stdout, stderr);
}
