/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RFC 9484 (CONNECT-IP) capsules on burrowd's control stream, and burrow's
 * own ROUTE_REFUSED answer. Pure functions over buffers: layouts, every
 * MUST of RFC 9484 §4.7, and the conversions between ranges and prefixes.
 * Layouts and the rules are written down in docs/wire-format.md.
 *
 *   ADDRESS_ASSIGN (0x01)      { Assigned Address ... }
 *   ADDRESS_REQUEST (0x02)     { Requested Address ... }
 *     Address { Request ID (i), IP Version (8), IP Address (32/128),
 *               IP Prefix Length (8) }
 *   ROUTE_ADVERTISEMENT (0x03) { IP Address Range ... }
 *     Range   { IP Version (8), Start IP (32/128), End IP (32/128),
 *               IP Protocol (8) }
 *   ROUTE_REFUSED (0x2b0b08)   { Refused Range ... }
 *     Refused Range { Range, Reason (8) }   (burrow's, not RFC 9484)
 *
 * Every decoder returns 0 or -EBADMSG with why naming the rule and the
 * entry that broke it; -EBADMSG means "abort the control stream".
 */
#ifndef BURROW_CONNECTIP_H
#define BURROW_CONNECTIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsule.h"
#include "burrow-text.h"

/* Most entries burrowd takes in one capsule (more: malformed). */
#define BURROW_CONNECTIP_LIST_MAX 64

/* One Assigned Address or Requested Address. */
struct burrow_address_entry {
	uint64_t request_id;
	struct burrow_nl_prefix prefix;
};

/* One IP Address Range. */
struct burrow_ip_range {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t start[16];		/* network byte order; 4 bytes used for IPv4 */
	uint8_t end[16];
	uint8_t protocol;		/* 0: every protocol */
};

/* Why a route was refused (the Reason byte of ROUTE_REFUSED). */
enum burrow_route_refusal {
	BURROW_ROUTE_REFUSED_POLICY = 1,	/* local policy does not let the peer announce it */
	BURROW_ROUTE_REFUSED_PROTOCOL = 2,	/* a non-zero IP Protocol: the kernel routes by prefix only */
	BURROW_ROUTE_REFUSED_CONFLICT = 3,	/* another peer holds it already */
};

struct burrow_refused_range {
	struct burrow_ip_range range;
	uint8_t reason;			/* enum burrow_route_refusal; others kept as received */
};

/* Address bits of a family: 32, 128, or 0 when unknown. */
unsigned int burrow_family_bits(int family);

/* The rejection entry: all-zero address, maximum prefix length (RFC 9484 §4.7.1). */
void burrow_address_rejection(int family, struct burrow_nl_prefix *out);
bool burrow_address_is_rejection(const struct burrow_nl_prefix *prefix);
/* All-zero address ("no preference") of any length. */
bool burrow_address_is_unspecified(const struct burrow_nl_prefix *prefix);

/*
 * ADDRESS_REQUEST / ADDRESS_ASSIGN values. Decoding checks: IP version 4
 * or 6, prefix length within the address size, host bits zero, at most
 * BURROW_CONNECTIP_LIST_MAX entries; a request additionally needs at least
 * one entry, non-zero request IDs and no ID twice. n entries go to out.
 */
int burrow_address_request_decode(const uint8_t *value, size_t len,
				  struct burrow_address_entry *out, size_t *n,
				  char *why, size_t why_size);
int burrow_address_assign_decode(const uint8_t *value, size_t len,
				 struct burrow_address_entry *out, size_t *n,
				 char *why, size_t why_size);
/* Encode entries (the same rules are checked: -EINVAL with why). -EMSGSIZE when out is small. */
int burrow_address_list_encode(uint64_t capsule_type, const struct burrow_address_entry *entries,
			       size_t n, uint8_t *out, size_t out_size, char *why,
			       size_t why_size);

/*
 * ROUTE_ADVERTISEMENT values: IP version 4 or 6, start <= end, sorted by
 * version, then protocol, then strictly increasing and non-overlapping
 * (end of one < start of the next), and no protocol-0 range overlapping a
 * range of another protocol (RFC 9484 §4.7.3: detection optional, burrow
 * detects). An empty advertisement withdraws every route.
 */
int burrow_route_advertisement_decode(const uint8_t *value, size_t len,
				      struct burrow_ip_range *out, size_t *n,
				      char *why, size_t why_size);
/* Checks the same rules: callers sort first (burrow_ip_ranges_sort). */
int burrow_route_advertisement_encode(const struct burrow_ip_range *ranges, size_t n,
				      uint8_t *out, size_t out_size, char *why, size_t why_size);
/* Sort into RFC 9484 order (version, protocol, start). */
void burrow_ip_ranges_sort(struct burrow_ip_range *ranges, size_t n);

/* ROUTE_REFUSED: ranges as in an advertisement (each valid), then a reason byte. */
int burrow_route_refused_decode(const uint8_t *value, size_t len,
				struct burrow_refused_range *out, size_t *n,
				char *why, size_t why_size);
int burrow_route_refused_encode(const struct burrow_refused_range *refused, size_t n,
				uint8_t *out, size_t out_size);
/* "not allowed by policy", ...; "reason N" for unknown ones (buf used then). */
const char *burrow_route_refusal_name(uint8_t reason, char *buf, size_t size);

/* The range a prefix covers (protocol 0). */
void burrow_prefix_to_range(const struct burrow_nl_prefix *prefix, struct burrow_ip_range *out);
/*
 * The prefix that covers exactly this range: 0, or -ERANGE when the range
 * is not a CIDR block (say 10.0.0.1-10.0.0.2).
 */
int burrow_range_to_prefix(const struct burrow_ip_range *range, struct burrow_nl_prefix *out);
/* "10.0.0.0-10.0.0.255" (with " proto N" when non-zero); buf >= 100 bytes. */
void burrow_ip_range_format(const struct burrow_ip_range *range, char *buf, size_t size);
/* Whether inner lies inside outer (same family). */
bool burrow_prefix_contains(const struct burrow_nl_prefix *outer, const struct burrow_nl_prefix *inner);

/*
 * Request IDs seen from one peer on one control stream: RFC 9484 says an
 * ID is never reused. note() is -EEXIST for an ID seen before, -ENOMEM.
 */
struct burrow_request_ids {
	uint64_t *ids;
	size_t n, cap;
};
int burrow_request_ids_note(struct burrow_request_ids *set, uint64_t id);
bool burrow_request_ids_has(const struct burrow_request_ids *set, uint64_t id);
void burrow_request_ids_free(struct burrow_request_ids *set);

#endif /* BURROW_CONNECTIP_H */
