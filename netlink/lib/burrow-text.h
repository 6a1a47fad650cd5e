/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * libburrow-nl: the text forms of addresses, prefixes, endpoints and JSON
 * strings, shared by burrow-nl and burrowd so that both accept the same
 * input, refuse it in the same words and print the same output.
 *
 * The parsers are strict: an address is what inet_pton() accepts and
 * nothing else (no host names, no IPv4 shorthands, no IPv6 zone ids), a
 * number is one or more ASCII digits and nothing else. A refusal is
 * written to why (at most why_size bytes, NUL included) and always quotes
 * the whole text it was given, e.g. "invalid prefix '10.0.0.300/24'"; the
 * caller adds its own context ("t.conf:5: allowed_ips: ..."). why may be
 * NULL. The parsers return 0 or -EINVAL and leave *out untouched on error.
 *
 * The formatters write into a caller's buffer of the size named below and
 * return it, so they nest in a printf() argument list.
 */

#ifndef BURROW_TEXT_H
#define BURROW_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "burrow-nl.h"

/* Buffer sizes, NUL included: "fd00::1", "10.0.0.0/24", "[2001:db8::1]:51820". */
#define BURROW_TEXT_ADDR_SIZE 46	/* INET6_ADDRSTRLEN */
#define BURROW_TEXT_PREFIX_SIZE (BURROW_TEXT_ADDR_SIZE + 4)
#define BURROW_TEXT_ENDPOINT_SIZE (BURROW_TEXT_ADDR_SIZE + 8)

/*
 * A decimal number of at most max. Returns 0, -EINVAL when text is not
 * digits only, -ERANGE when it is bigger than max.
 */
int burrow_text_decimal(const char *text, uint64_t max, uint64_t *value);

/* A UDP port, 1-65535 (0-65535 with allow_zero). Refusal: invalid port '70000' (1-65535) */
int burrow_text_parse_port(const char *text, bool allow_zero, uint16_t *port, char *why,
			   size_t why_size);

/* burrow_text_parse_prefix() flags. */
#define BURROW_TEXT_PREFIX_LEN_REQUIRED 0x1	/* refuse a bare address */
#define BURROW_TEXT_PREFIX_HOST_BITS 0x2	/* an interface address: 10.99.0.1/24 */

/*
 * ADDRESS[/LEN]; without /LEN a host prefix (/32 or /128), unless flags has
 * BURROW_TEXT_PREFIX_LEN_REQUIRED. The bits past LEN must be zero, unless
 * flags has BURROW_TEXT_PREFIX_HOST_BITS (then they are kept). Refusals:
 *   invalid prefix '10.0.0.300/24'
 *   invalid prefix '10.0.0.0/33' (prefix length 0-32)
 *   invalid prefix '10.0.0.0' (expected ADDRESS/LENGTH)
 *   prefix '10.0.0.1/24' has host bits set (did you mean 10.0.0.0/24?)
 */
int burrow_text_parse_prefix(const char *text, unsigned int flags,
			     struct burrow_nl_prefix *prefix, char *why, size_t why_size);

/*
 * IPV4:PORT or [IPV6]:PORT, port 1-65535 (0-65535 with allow_zero).
 * Refusals:
 *   invalid endpoint 'host' (IPV4:PORT or [IPV6]:PORT)
 *   invalid port '70000' (1-65535)
 */
int burrow_text_parse_endpoint(const char *text, bool allow_zero,
			       struct burrow_nl_endpoint *endpoint, char *why, size_t why_size);

/* Same family, length and address bytes (the bytes past the family's are ignored). */
bool burrow_text_prefix_equal(const struct burrow_nl_prefix *a, const struct burrow_nl_prefix *b);

/* "192.0.2.1", "2001:db8::1"; "?" for a family other than AF_INET/AF_INET6. */
const char *burrow_text_addr(uint16_t family, const union burrow_nl_addr *addr,
			     char buf[BURROW_TEXT_ADDR_SIZE]);
/* "10.0.0.0/24". */
const char *burrow_text_prefix(const struct burrow_nl_prefix *prefix,
			       char buf[BURROW_TEXT_PREFIX_SIZE]);
/* "192.0.2.1:51820", "[2001:db8::1]:51820", "none" for AF_UNSPEC. */
const char *burrow_text_endpoint(const struct burrow_nl_endpoint *endpoint,
				 char buf[BURROW_TEXT_ENDPOINT_SIZE]);
/*
 * The same texts written at p, without a NUL, for output built in a large
 * buffer: each returns the end of what it wrote. p needs room for the
 * _SIZE above (BURROW_TEXT_ADDR_SIZE for an address; 20 bytes for a u64).
 */
char *burrow_text_put_u64(char *p, uint64_t value);
char *burrow_text_put_addr(char *p, uint16_t family, const union burrow_nl_addr *addr);
char *burrow_text_put_prefix(char *p, const struct burrow_nl_prefix *prefix);
char *burrow_text_put_endpoint(char *p, const struct burrow_nl_endpoint *endpoint);
/* "inet", "inet6", or "none" for anything else. */
const char *burrow_text_family(uint16_t family);

/* A device's link mode (enum burrow_mode): "l3", "l2"; NULL when unknown. */
const char *burrow_text_mode(uint64_t mode);
/* "l3" or "l2" into *mode (enum burrow_mode); -EINVAL for anything else. */
int burrow_text_parse_mode(const char *text, uint8_t *mode);

/*
 * Print text as a JSON string, quotes included: '"' and '\' escaped,
 * control characters and DEL as \u00XX, other bytes as they are (the
 * caller hands in UTF-8).
 */
void burrow_json_string(FILE *out, const char *text);

/*
 * An endpoint as {"family":"inet","address":"192.0.2.1","port":51820}, or
 * null when there is none (family AF_UNSPEC).
 */
void burrow_json_endpoint(FILE *out, const struct burrow_nl_endpoint *endpoint);

#endif /* BURROW_TEXT_H */
