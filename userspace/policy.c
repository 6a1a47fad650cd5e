// SPDX-License-Identifier: GPL-2.0
/* Route policy: see policy.h. */
#include <string.h>

#include "policy.h"

bool burrow_policy_covered(const struct burrow_prefix_list *list, const struct burrow_prefix *prefix)
{
	for (size_t i = 0; i < list->n; i++)
		if (burrow_prefix_contains(&list->items[i], prefix))
			return true;
	return false;
}

static bool overlaps(const struct burrow_prefix *a, const struct burrow_prefix *b)
{
	return burrow_prefix_contains(a, b) || burrow_prefix_contains(b, a);
}

void burrow_policy_routes(const struct burrow_prefix_list *may_announce,
			  const struct burrow_prefix *taken, size_t n_taken,
			  const struct burrow_ip_range *ranges, size_t n,
			  struct burrow_prefix *accepted, size_t *n_accepted,
			  struct burrow_refused_range *refused, size_t *n_refused)
{
	*n_accepted = 0;
	*n_refused = 0;
	for (size_t i = 0; i < n; i++) {
		struct burrow_prefix prefix;
		uint8_t reason = 0;

		if (ranges[i].protocol != 0 || burrow_range_to_prefix(&ranges[i], &prefix))
			reason = BURROW_ROUTE_REFUSED_PROTOCOL;
		else if (!burrow_policy_covered(may_announce, &prefix))
			reason = BURROW_ROUTE_REFUSED_POLICY;
		for (size_t t = 0; !reason && t < n_taken; t++)
			if (overlaps(&taken[t], &prefix))
				reason = BURROW_ROUTE_REFUSED_CONFLICT;
		if (reason) {
			memset(&refused[*n_refused], 0, sizeof(refused[0]));
			refused[*n_refused].range = ranges[i];
			refused[(*n_refused)++].reason = reason;
		} else {
			accepted[(*n_accepted)++] = prefix;
		}
	}
}

size_t burrow_policy_advertisement(const struct burrow_prefix_list *advertise,
				   const struct burrow_prefix_list *may_reach, bool has_may_reach,
				   struct burrow_ip_range *out)
{
	size_t n = 0;

	for (size_t i = 0; i < advertise->n; i++) {
		if (has_may_reach && !burrow_policy_covered(may_reach, &advertise->items[i]))
			continue;
		burrow_prefix_to_range(&advertise->items[i], &out[n++]);
	}
	burrow_ip_ranges_sort(out, n);
	return n;
}
