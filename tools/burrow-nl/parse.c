// SPDX-License-Identifier: GPL-2.0
/* burrow-nl: strict parsers for command-line values. */

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int parse_fail(struct parse_error *error, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vsnprintf(error->message, sizeof(error->message), format, args);
	va_end(args);
	return -1;
}

int parse_seconds(const char *keyword, const char *text, uint32_t max, uint32_t *value,
		  struct parse_error *error)
{
	uint64_t parsed;

	switch (burrow_text_decimal(text, max, &parsed)) {
	case 0:
		*value = (uint32_t)parsed;
		return 0;
	case -ERANGE:
		return parse_fail(error, "%s is out of range for %s (0-%u)", text, keyword, max);
	default:
		return parse_fail(error, "invalid seconds '%s' for %s", text, keyword);
	}
}

int parse_ifname(const char *text, struct parse_error *error)
{
	if (text[0] == '\0' || strlen(text) >= IFNAMSIZ)
		return parse_fail(error, "invalid device name '%s' (1 to %d bytes)", text,
				  IFNAMSIZ - 1);
	return 0;
}

int parse_number(const char *keyword, const char *text, uint64_t min, uint64_t max,
		 uint64_t *value, struct parse_error *error)
{
	uint64_t parsed;

	switch (burrow_text_decimal(text, max, &parsed)) {
	case 0:
		if (parsed >= min) {
			*value = parsed;
			return 0;
		}
		/* fall through */
	case -ERANGE:
		return parse_fail(error, "%s is out of range for %s (%" PRIu64 "-%" PRIu64 ")",
				  text, keyword, min, max);
	default:
		return parse_fail(error, "invalid %s '%s'", keyword, text);
	}
}

int parse_choice(const char *keyword, const char *text, const char *const *names,
		 unsigned int count, unsigned int *value, struct parse_error *error)
{
	char choices[128] = "";
	size_t used = 0;

	for (unsigned int i = 0; i < count; i++) {
		if (strcmp(text, names[i]) == 0) {
			*value = i;
			return 0;
		}
	}
	for (unsigned int i = 0; i < count && used < sizeof(choices); i++)
		used += snprintf(choices + used, sizeof(choices) - used, "%s%s",
				 i == 0 ? "" : i + 1 == count ? " or " : ", ", names[i]);
	return parse_fail(error, "invalid value '%s' for %s (%s)", text, keyword, choices);
}
