/* SPDX-License-Identifier: GPL-2.0 */
/* burrow-nl: the little JSON output needs. */

#ifndef BURROW_NL_TOOL_JSON_H
#define BURROW_NL_TOOL_JSON_H

#include <stdio.h>

#include "burrow-nl.h"

/*
 * Print text as a JSON string, quotes included: '"' and '\' escaped,
 * control characters as \u00XX, other bytes as they are.
 */
void json_print_string(FILE *out, const char *text);

/*
 * An endpoint as {"family":"inet","address":"192.0.2.1","port":51820}, or
 * null when there is none (family AF_UNSPEC).
 */
void json_print_endpoint(FILE *out, const struct burrow_nl_endpoint *endpoint);

#endif /* BURROW_NL_TOOL_JSON_H */
