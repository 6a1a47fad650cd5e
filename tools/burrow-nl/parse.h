/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrow-nl: strict parsers for command-line values. They accept exactly
 * the documented form and describe a rejection in error->message, without
 * the "burrow-nl: " prefix, quoting the token that was refused.
 */

#ifndef BURROW_NL_TOOL_PARSE_H
#define BURROW_NL_TOOL_PARSE_H

#include <stdint.h>

struct parse_error {
	char message[256];
};

/* Set error->message; returns -1 so callers can 'return parse_fail(...)'. */
int parse_fail(struct parse_error *error, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A decimal number of at most max: one or more ASCII digits and nothing
 * else (no sign, space, base prefix or suffix). Returns 0, -EINVAL when
 * text is not such a number, -ERANGE when it is bigger than max.
 */
int parse_decimal(const char *text, uint64_t max, uint64_t *value);

/*
 * The SECONDS value of keyword, 0 to max. Errors read
 *   invalid seconds 'abc' for default-keepalive
 *   70000 is out of range for default-keepalive (0-65535)
 */
int parse_seconds(const char *keyword, const char *text, uint32_t max, uint32_t *value,
		  struct parse_error *error);

/* A network device name: 1 to IFNAMSIZ - 1 bytes. */
int parse_ifname(const char *text, struct parse_error *error);

#endif /* BURROW_NL_TOOL_PARSE_H */
