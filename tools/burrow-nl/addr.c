// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl: addresses, prefixes, ports and endpoints on the command line.
 * The grammar and the refusals are libburrow-nl's (burrow-text.h), shared
 * with burrowd; this file adapts them to struct parse_error and adds the
 * forms only the tool has (prefix lists, listen addresses).
 */

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "burrow-text.h"
#include "parse.h"

int parse_port(const char *text, bool allow_zero, uint16_t *port, struct parse_error *error)
{
	return burrow_text_parse_port(text, allow_zero, port, error->message,
				      sizeof(error->message)) ? -1 : 0;
}

int parse_prefix(const char *text, struct burrow_nl_prefix *prefix, struct parse_error *error)
{
	return burrow_text_parse_prefix(text, 0, prefix, error->message,
					sizeof(error->message)) ? -1 : 0;
}

int parse_prefix_list(const char *text, struct burrow_nl_prefix **prefixes, size_t *count,
		      struct parse_error *error)
{
	struct burrow_nl_prefix *list;
	size_t items = 1, parsed = 0;
	const char *item = text;

	for (const char *c = text; *c; c++)
		items += *c == ',';
	list = calloc(items, sizeof(*list));
	if (!list)
		return parse_fail(error, "out of memory for %zu prefixes", items);

	for (;;) {
		const char *comma = strchr(item, ',');
		size_t len = comma ? (size_t)(comma - item) : strlen(item);
		char *one;
		int ret;

		if (len == 0) {
			free(list);
			return parse_fail(error, "empty prefix in '%s'", text);
		}
		one = strndup(item, len);
		if (!one) {
			free(list);
			return parse_fail(error, "out of memory");
		}
		ret = parse_prefix(one, &list[parsed++], error);
		free(one);
		if (ret) {
			free(list);
			return ret;
		}
		if (!comma)
			break;
		item = comma + 1;
	}
	*prefixes = list;
	*count = parsed;
	return 0;
}

int parse_endpoint(const char *text, struct burrow_nl_endpoint *endpoint,
		   struct parse_error *error)
{
	return burrow_text_parse_endpoint(text, false, endpoint, error->message,
					  sizeof(error->message)) ? -1 : 0;
}

int parse_listen(const char *text, struct burrow_nl_endpoint *listen, struct parse_error *error)
{
	if (!strchr(text, ':')) {
		struct burrow_nl_endpoint any = { .family = AF_UNSPEC };

		if (parse_port(text, true, &any.port, error))
			return -1;
		*listen = any;
		return 0;
	}
	return burrow_text_parse_endpoint(text, true, listen, error->message,
					  sizeof(error->message)) ? -1 : 0;
}
