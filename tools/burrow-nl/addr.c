// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl: strict parsers and printers for addresses, prefixes, ports and
 * endpoints. Addresses are what inet_pton() accepts and nothing else (no
 * host names, no IPv4 shorthands, no IPv6 zone ids).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "parse.h"

/* Longest address text inet_pton() may accept, NUL included. */
#define ADDR_TEXT_MAX 64

int parse_port(const char *text, bool allow_zero, uint16_t *port, struct parse_error *error)
{
	uint64_t value;

	if (parse_decimal(text, UINT16_MAX, &value) || (value == 0 && !allow_zero))
		return parse_fail(error, "invalid port '%s' (%d-65535)", text, allow_zero ? 0 : 1);
	*port = (uint16_t)value;
	return 0;
}

/* Parse the first len bytes of text as an address of either family. */
static bool parse_addr(const char *text, size_t len, uint16_t *family,
		       union burrow_nl_addr *addr)
{
	char copy[ADDR_TEXT_MAX];

	if (len == 0 || len >= sizeof(copy))
		return false;
	memcpy(copy, text, len);
	copy[len] = '\0';
	memset(addr, 0, sizeof(*addr));
	if (memchr(copy, ':', len)) {
		*family = AF_INET6;
		return inet_pton(AF_INET6, copy, &addr->v6) == 1;
	}
	*family = AF_INET;
	return inet_pton(AF_INET, copy, &addr->v4) == 1;
}

/* Clear the bits of addr past the first len. */
static void addr_mask(union burrow_nl_addr *addr, size_t addr_len, unsigned int len)
{
	for (size_t byte = 0; byte < addr_len; byte++) {
		unsigned int first_bit = 8 * byte;

		if (first_bit >= len)
			addr->bytes[byte] = 0;
		else if (len - first_bit < 8)
			addr->bytes[byte] &= (uint8_t)(0xff00 >> (len - first_bit));
	}
}

int parse_prefix(const char *text, struct burrow_nl_prefix *prefix, struct parse_error *error)
{
	const char *slash = strchr(text, '/');
	size_t addr_text_len = slash ? (size_t)(slash - text) : strlen(text);
	struct burrow_nl_prefix parsed = { 0 };
	union burrow_nl_addr masked;
	unsigned int max_len;
	uint64_t len;

	if (!parse_addr(text, addr_text_len, &parsed.family, &parsed.addr))
		return parse_fail(error, "invalid prefix '%s'", text);
	max_len = parsed.family == AF_INET ? 32 : 128;
	len = max_len;
	if (slash) {
		switch (parse_decimal(slash + 1, max_len, &len)) {
		case 0:
			break;
		case -ERANGE:
			return parse_fail(error, "invalid prefix '%s' (prefix length 0-%u)", text,
					  max_len);
		default:
			return parse_fail(error, "invalid prefix '%s'", text);
		}
	}
	parsed.len = (uint8_t)len;

	masked = parsed.addr;
	addr_mask(&masked, max_len / 8, parsed.len);
	if (memcmp(&masked, &parsed.addr, sizeof(masked)) != 0) {
		struct burrow_nl_prefix suggestion = parsed;
		char buf[FORMAT_PREFIX_SIZE];

		suggestion.addr = masked;
		return parse_fail(error, "prefix '%s' has host bits set (did you mean %s?)", text,
				  format_prefix(&suggestion, buf));
	}
	*prefix = parsed;
	return 0;
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

/* IPV4:PORT or [IPV6]:PORT; false when text is neither form. */
static bool split_endpoint(const char *text, const char **addr, size_t *addr_len,
			   const char **port)
{
	const char *colon;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':' || !memchr(text + 1, ':', (size_t)(close - text - 1)))
			return false;
		*addr = text + 1;
		*addr_len = (size_t)(close - text - 1);
		*port = close + 2;
		return true;
	}
	colon = strchr(text, ':');
	if (!colon || strchr(colon + 1, ':'))
		return false;	/* no port, or an IPv6 address without brackets */
	*addr = text;
	*addr_len = (size_t)(colon - text);
	*port = colon + 1;
	return true;
}

static int parse_endpoint_port(const char *text, bool allow_zero,
			       struct burrow_nl_endpoint *endpoint, struct parse_error *error)
{
	struct burrow_nl_endpoint parsed = { 0 };
	const char *addr, *port;
	size_t addr_len;

	if (!split_endpoint(text, &addr, &addr_len, &port) ||
	    !parse_addr(addr, addr_len, &parsed.family, &parsed.addr) ||
	    (text[0] == '[') != (parsed.family == AF_INET6))
		return parse_fail(error, "invalid endpoint '%s' (IPV4:PORT or [IPV6]:PORT)", text);
	if (parse_port(port, allow_zero, &parsed.port, error))
		return -1;
	*endpoint = parsed;
	return 0;
}

int parse_endpoint(const char *text, struct burrow_nl_endpoint *endpoint,
		   struct parse_error *error)
{
	return parse_endpoint_port(text, false, endpoint, error);
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
	return parse_endpoint_port(text, true, listen, error);
}

const char *format_addr(uint16_t family, const union burrow_nl_addr *addr,
			char buf[FORMAT_ADDR_SIZE])
{
	if ((family != AF_INET && family != AF_INET6) ||
	    !inet_ntop(family, addr->bytes, buf, FORMAT_ADDR_SIZE))
		snprintf(buf, FORMAT_ADDR_SIZE, "?");
	return buf;
}

const char *format_prefix(const struct burrow_nl_prefix *prefix, char buf[FORMAT_PREFIX_SIZE])
{
	char addr[FORMAT_ADDR_SIZE];

	snprintf(buf, FORMAT_PREFIX_SIZE, "%s/%u", format_addr(prefix->family, &prefix->addr, addr),
		 prefix->len);
	return buf;
}

const char *format_endpoint(const struct burrow_nl_endpoint *endpoint,
			    char buf[FORMAT_ENDPOINT_SIZE])
{
	char addr[FORMAT_ADDR_SIZE];

	if (endpoint->family == AF_INET6)
		snprintf(buf, FORMAT_ENDPOINT_SIZE, "[%s]:%u",
			 format_addr(endpoint->family, &endpoint->addr, addr), endpoint->port);
	else if (endpoint->family == AF_INET)
		snprintf(buf, FORMAT_ENDPOINT_SIZE, "%s:%u",
			 format_addr(endpoint->family, &endpoint->addr, addr), endpoint->port);
	else
		snprintf(buf, FORMAT_ENDPOINT_SIZE, "none");
	return buf;
}

const char *format_family(uint16_t family)
{
	switch (family) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	default:
		return "none";
	}
}
