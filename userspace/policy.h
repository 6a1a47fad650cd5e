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
bool burrow_policy_covered(const struct burrow_prefix_list *list, const struct burrow_prefix *prefix);

/*
 * Split an advertisement into accepted prefixes and refused ranges. A range
 * is accepted when it is protocol 0, is a CIDR block, lies inside one of
 * may_announce and overlaps none of taken (prefixes other peers hold);
 * otherwise it is refused with the reason. accepted and refused have room
 * for n entries each.
 */
void burrow_policy_routes(const struct burrow_prefix_list *may_announce,
			  const struct burrow_prefix *taken, size_t n_taken,
			  const struct burrow_ip_range *ranges, size_t n,
			  struct burrow_prefix *accepted, size_t *n_accepted,
			  struct burrow_refused_range *refused, size_t *n_refused);

/*
 * The advertisement for a peer: every route of advertise inside may_reach
 * (all of them when has_may_reach is false), sorted as RFC 9484 wants.
 * out has room for advertise->n. Returns the count.
 */
size_t burrow_policy_advertisement(const struct burrow_prefix_list *advertise,
				   const struct burrow_prefix_list *may_reach, bool has_may_reach,
				   struct burrow_ip_range *out);

#endif /* BURROW_POLICY_H */
