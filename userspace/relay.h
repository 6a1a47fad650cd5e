/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Route relaying (config key relay_routes, docs/operations.md "Relaying
 * routes through a hub"): a node that relays tells each peer (the
 * receiver) about the routes it accepted from its other peers, beside its
 * own advertise_routes, in the one ROUTE_ADVERTISEMENT RFC 9484 allows per
 * peer (every capsule is the complete list). Pure function; negotiate.c
 * collects the inputs and sends the result.
 */
#ifndef BURROW_RELAY_H
#define BURROW_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "connectip.h"

/* A route accepted from one peer: a candidate for relaying to the others. */
struct burrow_relay_route {
	struct burrow_nl_prefix prefix;
	size_t from;			/* the caller's index of the peer it came from */
};

/* Why a candidate inside the receiver's may_reach is not relayed to it. */
enum burrow_relay_skip {
	BURROW_RELAY_SKIP_RECEIVER = 1,	/* overlaps a prefix the receiver holds here */
	BURROW_RELAY_SKIP_OWN,		/* overlaps a route this node advertises itself */
	BURROW_RELAY_SKIP_OTHER,	/* overlaps a route accepted from another peer */
	BURROW_RELAY_SKIP_FULL,		/* the advertisement has 64 entries already */
};

struct burrow_relay_skipped {
	struct burrow_relay_route route;
	uint8_t reason;			/* enum burrow_relay_skip */
	struct burrow_nl_prefix with;	/* what it overlaps; zero for FULL */
};

/* "overlaps the receiver's prefix", ... for logs and 'burrowd routes'. */
const char *burrow_relay_skip_name(uint8_t reason);

/* burrow_relay_advertisement()'s inputs and outputs, named as its comment uses them. */
struct burrow_relay_input {
	const struct burrow_prefix_list *advertise;
	const struct burrow_prefix_list *may_reach;
	bool has_may_reach;
	const struct burrow_nl_prefix *receiver;
	size_t n_receiver;
	const struct burrow_relay_route *routes;
	size_t n_routes;
};

struct burrow_relay_output {
	struct burrow_ip_range *out;
	struct burrow_relay_route *relayed;
	size_t n_relayed;
	struct burrow_relay_skipped *skipped;
	size_t n_skipped;
};

/*
 * The advertisement for one receiver: every prefix of advertise (this
 * node's advertise_routes) and every one of routes (accepted from the
 * other peers; the caller leaves out the receiver's own) that lies inside
 * may_reach (all of them when has_may_reach is false), sorted as RFC 9484
 * wants. A route is relayed only when it overlaps none of:
 *   - receiver: what the receiver holds on this node (its allowed_ips,
 *     the routes accepted from it, its leases): relaying it back would
 *     loop or contradict the receiver's own addresses;
 *   - this node's own advertised prefixes for the receiver (an RFC 9484
 *     advertisement may not contain overlapping ranges);
 *   - a route of routes from a different peer, inside may_reach or not
 *     (then neither is relayed: which peer is right is not ours to guess);
 * and the advertisement has room left (BURROW_CONNECTIP_LIST_MAX, own
 * routes first). Everything else inside may_reach lands in skipped, with
 * the reason. out has room for BURROW_CONNECTIP_LIST_MAX ranges, relayed
 * and skipped for n_routes entries each. Returns the count in out.
 */
size_t burrow_relay_advertisement(const struct burrow_relay_input *in,
				  struct burrow_relay_output *result);

#endif /* BURROW_RELAY_H */
