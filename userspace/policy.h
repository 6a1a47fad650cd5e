/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Route policy per peer (config keys may_announce, may_reach): which of a
 * peer's advertised ranges this node accepts, and which of its own routes
 * it tells the peer about. Pure functions. docs/operations.md explains the
 * policy with examples.
 */
#ifndef BURROW_POLICY_H
#define BURROW_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "connectip.h"

/* Whether prefix lies inside one of list. */
bool burrow_policy_covered(const struct burrow_prefix_list *list, const struct burrow_nl_prefix *prefix);

/*
 * Split an advertisement into accepted prefixes and refused ranges. A range
 * is accepted when it is protocol 0, is a CIDR block, lies inside one of
 * may_announce and overlaps none of taken (prefixes other peers hold);
 * otherwise it is refused with the reason. accepted and refused have room
 * for n entries each.
 */
void burrow_policy_routes(const struct burrow_prefix_list *may_announce,
			  const struct burrow_nl_prefix *taken, size_t n_taken,
			  const struct burrow_ip_range *ranges, size_t n,
			  struct burrow_nl_prefix *accepted, size_t *n_accepted,
			  struct burrow_refused_range *refused, size_t *n_refused);

/*
 * The advertisement for a peer: every route of advertise inside may_reach
 * (all of them when has_may_reach is false), sorted as RFC 9484 wants.
 * out has room for advertise->n. Returns the count.
 */
size_t burrow_policy_advertisement(const struct burrow_prefix_list *advertise,
				   const struct burrow_prefix_list *may_reach, bool has_may_reach,
				   struct burrow_ip_range *out);

/*
 * Address acceptance (config key accept_addresses, docs/operations.md
 * "Addresses and routes"): why an entry of a peer's ADDRESS_ASSIGN is not
 * put on our device. RFC 9484 leaves acceptance to local policy; burrow
 * takes an address only as the answer to its own request.
 */
enum burrow_address_refusal {
	BURROW_ADDRESS_REFUSED_UNSOLICITED = 1,	/* request ID 0: we did not ask */
	BURROW_ADDRESS_REFUSED_NOT_REQUESTED,	/* family, address or length not what we asked */
	BURROW_ADDRESS_REFUSED_POLICY,		/* outside the peer's accept_addresses */
	BURROW_ADDRESS_REFUSED_CONFLICT,	/* overlaps a local, underlay or other peer's prefix */
	BURROW_ADDRESS_REFUSED_DUPLICATE,	/* a second, different address for one request */
};

struct burrow_refused_address {
	struct burrow_address_entry entry;
	uint8_t reason;				/* enum burrow_address_refusal */
};

/* "unsolicited", "not-requested", "policy", "conflict", "duplicate". */
const char *burrow_address_refusal_name(uint8_t reason);

/*
 * Split the non-rejection entries of an ADDRESS_ASSIGN (got; every
 * non-zero request ID in it is one of requested, the caller checked) into
 * the addresses this node takes and the refused ones. An entry is taken
 * only when:
 *   - its request ID is one of ours (ID 0, an unprompted assignment, is
 *     refused);
 *   - it has the requested family; a specific request (non-zero address)
 *     is answered by exactly that prefix; an "auto" request by a prefix of
 *     the requested length, unless accept is non-empty;
 *   - accept is empty or one of its prefixes covers it;
 *   - it overlaps none of taken (local and underlay addresses, our pool,
 *     other peers' prefixes);
 *   - no other address was taken for the same request ID.
 * Equal prefixes are taken once. accepted and refused have room for n_got
 * entries each.
 */
void burrow_policy_addresses(const struct burrow_address_entry *requested, size_t n_requested,
			     const struct burrow_prefix_list *accept,
			     const struct burrow_nl_prefix *taken, size_t n_taken,
			     const struct burrow_address_entry *got, size_t n_got,
			     struct burrow_address_entry *accepted, size_t *n_accepted,
			     struct burrow_refused_address *refused, size_t *n_refused);

#endif /* BURROW_POLICY_H */
