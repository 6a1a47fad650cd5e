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

#include "config.h"
#include "config_internal.h"

void burrow_config_set_err(char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;

	if (!err || !err_size)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
}

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

int burrow_prefix_parse(const char *text, struct burrow_prefix *prefix, char *err,
			size_t err_size)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	unsigned long long len;
	size_t addr_len, bytes;

	memset(prefix, 0, sizeof(*prefix));
	if (!slash) {
		burrow_config_set_err(err, err_size, "invalid prefix '%s': expected ADDRESS/LENGTH", text);
		return -EINVAL;
	}
	addr_len = (size_t)(slash - text);
	if (addr_len == 0 || addr_len >= sizeof(addr)) {
		burrow_config_set_err(err, err_size, "invalid prefix '%s': bad address", text);
		return -EINVAL;
	}
	memcpy(addr, text, addr_len);
	addr[addr_len] = '\0';
	if (inet_pton(AF_INET, addr, prefix->addr) == 1) {
		prefix->family = AF_INET;
		bytes = 4;
	} else if (inet_pton(AF_INET6, addr, prefix->addr) == 1) {
		prefix->family = AF_INET6;
		bytes = 16;
	} else {
		burrow_config_set_err(err, err_size, "invalid prefix '%s': '%s' is not an IPv4 or IPv6 address",
				      text, addr);
		return -EINVAL;
	}
	if (burrow_config_parse_uint(slash + 1, 0, bytes * 8, &len) < 0) {
		burrow_config_set_err(err, err_size, "invalid prefix '%s': length must be 0-%zu", text,
				      bytes * 8);
		return -EINVAL;
	}
	prefix->len = (uint8_t)len;
	for (size_t bit = len; bit < bytes * 8; bit++) {
		if (prefix->addr[bit / 8] & (0x80 >> (bit % 8))) {
			struct burrow_prefix masked = *prefix;
			char suggestion[64];

			for (size_t b = len; b < bytes * 8; b++)
				masked.addr[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
			burrow_prefix_format(&masked, suggestion, sizeof(suggestion));
			burrow_config_set_err(err, err_size, "invalid prefix '%s': host bits set (did you mean '%s'?)",
					      text, suggestion);
			return -EINVAL;
		}
	}
	return 0;
}

void burrow_prefix_format(const struct burrow_prefix *prefix, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];

	if (!inet_ntop(prefix->family, prefix->addr, addr, sizeof(addr)))
		snprintf(addr, sizeof(addr), "?");
	snprintf(buf, size, "%s/%u", addr, prefix->len);
}

int burrow_endpoint_parse(const char *text, struct sockaddr_storage *addr, socklen_t *len,
			  char *err, size_t err_size)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port_text, *host_start = text;
	unsigned long long port;
	size_t host_len;
	bool v6 = false;

	memset(addr, 0, sizeof(*addr));
	if (*text == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':') {
			burrow_config_set_err(err, err_size, "invalid endpoint '%s': expected [IPV6]:PORT", text);
			return -EINVAL;
		}
		host_start = text + 1;
		host_len = (size_t)(close - host_start);
		port_text = close + 2;
		v6 = true;
	} else {
		const char *colon = strrchr(text, ':');

		if (!colon || strchr(text, ':') != colon) {
			burrow_config_set_err(err, err_size,
					      "invalid endpoint '%s': expected IPV4:PORT or [IPV6]:PORT", text);
			return -EINVAL;
		}
		host_len = (size_t)(colon - text);
		port_text = colon + 1;
	}
	if (host_len == 0 || host_len >= sizeof(host)) {
		burrow_config_set_err(err, err_size, "invalid endpoint '%s': bad address", text);
		return -EINVAL;
	}
	memcpy(host, host_start, host_len);
	host[host_len] = '\0';
	if (burrow_config_parse_uint(port_text, 1, 65535, &port) < 0) {
		burrow_config_set_err(err, err_size, "invalid endpoint '%s': port '%s' is not 1-65535", text,
				      port_text);
		return -EINVAL;
	}
	if (v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)addr;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
			burrow_config_set_err(err, err_size, "invalid endpoint '%s': '%s' is not an IPv6 address",
					      text, host);
			return -EINVAL;
		}
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)addr;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
			burrow_config_set_err(err, err_size, "invalid endpoint '%s': '%s' is not an IPv4 address",
					      text, host);
			return -EINVAL;
		}
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
	}
	return 0;
}
