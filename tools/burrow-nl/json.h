/* SPDX-License-Identifier: GPL-2.0 */
/* burrow-nl: the little JSON output needs. */

#ifndef BURROW_NL_TOOL_JSON_H
#define BURROW_NL_TOOL_JSON_H

#include <stdio.h>

/*
 * Print text as a JSON string, quotes included: '"' and '\' escaped,
 * control characters as \u00XX, other bytes as they are.
 */
void json_print_string(FILE *out, const char *text);

#endif /* BURROW_NL_TOOL_JSON_H */
