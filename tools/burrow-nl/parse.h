/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrow-nl: strict parsers for command-line values. They accept exactly
 * the documented form and describe a rejection in error->message, without
 * the "burrow-nl: " prefix, quoting the token that was refused.
 */

#ifndef BURROW_NL_TOOL_PARSE_H
#define BURROW_NL_TOOL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "burrow-nl.h"
#include "burrow-text.h"

struct parse_error {
	char message[256];
};

/* Set error->message; returns -1 so callers can 'return parse_fail(...)'. */
int parse_fail(struct parse_error *error, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The SECONDS value of keyword, 0 to max. Errors read
 *   invalid seconds 'abc' for default-keepalive
 *   70000 is out of range for default-keepalive (0-65535)
 */
int parse_seconds(const char *keyword, const char *text, uint32_t max, uint32_t *value,
		  struct parse_error *error);

/* A network device name: 1 to IFNAMSIZ - 1 bytes. */
int parse_ifname(const char *text, struct parse_error *error);

/*
 * The decimal value of keyword, min to max. Errors read
 *   invalid id 'abc'
 *   0 is out of range for id (1-4294967295)
 */
int parse_number(const char *keyword, const char *text, uint64_t min, uint64_t max,
		 uint64_t *value, struct parse_error *error);

/*
 * One of names[0..count-1], its index in *value. Error:
 *   invalid value 'tcp' for encap (udp or quic)
 */
int parse_choice(const char *keyword, const char *text, const char *const *names,
		 unsigned int count, unsigned int *value, struct parse_error *error);

/* A UDP port, 1-65535 (0-65535 with allow_zero). Error: invalid port '70000' (1-65535) */
int parse_port(const char *text, bool allow_zero, uint16_t *port, struct parse_error *error);

/*
 * A prefix: an IPv4 or IPv6 address, optionally /LEN (without it, a host
 * prefix: /32 or /128). Strict: inet_pton() forms only, a decimal length
 * within the family's, no host bits. Errors:
 *   invalid prefix '10.0.0.300/24'
 *   invalid prefix '10.0.0.0/33' (prefix length 0-32)
 *   prefix '10.0.0.1/24' has host bits set (did you mean 10.0.0.0/24?)
 */
int parse_prefix(const char *text, struct burrow_nl_prefix *prefix, struct parse_error *error);

/*
 * PREFIX[,PREFIX...] into a malloc()ed array (free() it); at least one.
 * Error, besides parse_prefix()'s: empty prefix in '10.0.0.0/8,'
 */
int parse_prefix_list(const char *text, struct burrow_nl_prefix **prefixes, size_t *count,
		      struct parse_error *error);

/*
 * An endpoint: IPV4:PORT or [IPV6]:PORT, port 1-65535. Errors:
 *   invalid endpoint 'host' (IPV4:PORT or [IPV6]:PORT)
 *   invalid port '70000' (1-65535)
 */
int parse_endpoint(const char *text, struct burrow_nl_endpoint *endpoint,
		   struct parse_error *error);

/*
 * Where to listen: PORT (family AF_UNSPEC: every address), IPV4:PORT or
 * [IPV6]:PORT; port 0-65535, 0 = the kernel picks one.
 */
int parse_listen(const char *text, struct burrow_nl_endpoint *listen, struct parse_error *error);

#endif /* BURROW_NL_TOOL_PARSE_H */
