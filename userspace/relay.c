// SPDX-License-Identifier: GPL-2.0
/* Route relaying: see relay.h. */
#include <string.h>

#include "policy.h"
#include "relay.h"

const char *burrow_relay_skip_name(uint8_t reason)
{
	switch (reason) {
	case BURROW_RELAY_SKIP_RECEIVER: return "overlaps the receiver's prefix";
	case BURROW_RELAY_SKIP_OWN: return "overlaps a route this node advertises";
	case BURROW_RELAY_SKIP_OTHER: return "overlaps a route from another peer";
	case BURROW_RELAY_SKIP_FULL: return "advertisement full";
	}
	return "unknown";
}

static bool overlaps(const struct burrow_nl_prefix *a, const struct burrow_nl_prefix *b)
{
	return burrow_prefix_contains(a, b) || burrow_prefix_contains(b, a);
}

static void skip(struct burrow_relay_skipped *skipped, size_t *n_skipped,
		 const struct burrow_relay_route *route, uint8_t reason,
		 const struct burrow_nl_prefix *with)
{
	struct burrow_relay_skipped *s = &skipped[(*n_skipped)++];

	memset(s, 0, sizeof(*s));
	s->route = *route;
	s->reason = reason;
	if (with)
		s->with = *with;
}

size_t burrow_relay_advertisement(const struct burrow_relay_input *in,
				  struct burrow_relay_output *result)
{
	const struct burrow_prefix_list *advertise = in->advertise, *may_reach = in->may_reach;
	const struct burrow_relay_route *routes = in->routes;
	const struct burrow_nl_prefix *receiver = in->receiver;
	size_t n_routes = in->n_routes, n_receiver = in->n_receiver;
	bool has_may_reach = in->has_may_reach;
	struct burrow_ip_range *out = result->out;
	struct burrow_nl_prefix own[BURROW_CONNECTIP_LIST_MAX];
	size_t n_own = 0, n = 0;

	result->n_relayed = 0;
	result->n_skipped = 0;
	for (size_t i = 0; i < advertise->n && n_own < BURROW_CONNECTIP_LIST_MAX; i++)
		if (!has_may_reach || burrow_policy_covered(may_reach, &advertise->items[i]))
			own[n_own++] = advertise->items[i];
	for (size_t i = 0; i < n_own; i++)
		burrow_prefix_to_range(&own[i], &out[n++]);
	for (size_t i = 0; i < n_routes; i++) {
		const struct burrow_relay_route *r = &routes[i];
		const struct burrow_nl_prefix *with = NULL;
		uint8_t reason = 0;

		if (has_may_reach && !burrow_policy_covered(may_reach, &r->prefix))
			continue;	/* the receiver's ACL: silently not for it */
		for (size_t j = 0; !reason && j < n_receiver; j++)
			if (overlaps(&receiver[j], &r->prefix)) {
				reason = BURROW_RELAY_SKIP_RECEIVER;
				with = &receiver[j];
			}
		for (size_t j = 0; !reason && j < n_own; j++)
			if (overlaps(&own[j], &r->prefix)) {
				reason = BURROW_RELAY_SKIP_OWN;
				with = &own[j];
			}
		for (size_t j = 0; !reason && j < n_routes; j++)
			if (routes[j].from != r->from && overlaps(&routes[j].prefix, &r->prefix)) {
				reason = BURROW_RELAY_SKIP_OTHER;
				with = &routes[j].prefix;
			}
		if (!reason && n >= BURROW_CONNECTIP_LIST_MAX)
			reason = BURROW_RELAY_SKIP_FULL;
		if (reason) {
			skip(result->skipped, &result->n_skipped, r, reason, with);
			continue;
		}
		burrow_prefix_to_range(&r->prefix, &out[n++]);
		result->relayed[result->n_relayed++] = *r;
	}
	burrow_ip_ranges_sort(out, n);
	return n;
}
