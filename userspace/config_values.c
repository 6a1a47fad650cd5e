// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd config values: names, unsigned numbers, prefixes and endpoints.
 * Pure functions; config.c and the `burrowd peer add` arguments use them.
 * Every refusal quotes the text it was given.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "burrow-text.h"
#include "config.h"
#include "config_internal.h"

bool burrow_config_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len < 1 || len > BURROW_CONFIG_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

int burrow_config_parse_uint(const char *text, unsigned long long min, unsigned long long max,
			     unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!*text || *text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int burrow_prefix_parse(const char *text, struct burrow_nl_prefix *prefix, char *err,
			size_t err_size)
{
	return burrow_text_parse_prefix(text, BURROW_TEXT_PREFIX_LEN_REQUIRED, prefix, err,
					err_size);
}

void burrow_prefix_format(const struct burrow_nl_prefix *prefix, char *buf, size_t size)
{
	char text[BURROW_TEXT_PREFIX_SIZE];

	snprintf(buf, size, "%s", burrow_text_prefix(prefix, text));
}

int burrow_endpoint_parse(const char *text, struct sockaddr_storage *addr, socklen_t *len,
			  char *err, size_t err_size)
{
	struct burrow_nl_endpoint endpoint;
	int ret;

	ret = burrow_text_parse_endpoint(text, false, &endpoint, err, err_size);
	if (ret)
		return ret;
	memset(addr, 0, sizeof(*addr));
	if (endpoint.family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)addr;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = endpoint.addr.v6;
		sin6->sin6_port = htons(endpoint.port);
		*len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)addr;

		sin->sin_family = AF_INET;
		sin->sin_addr = endpoint.addr.v4;
		sin->sin_port = htons(endpoint.port);
		*len = sizeof(*sin);
	}
	return 0;
}
