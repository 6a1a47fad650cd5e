// SPDX-License-Identifier: GPL-2.0
/* Route policy: see policy.h. */
#include <string.h>
#include <sys/socket.h>

#include "policy.h"

bool burrow_policy_covered(const struct burrow_prefix_list *list, const struct burrow_nl_prefix *prefix)
{
	for (size_t i = 0; i < list->n; i++)
		if (burrow_prefix_contains(&list->items[i], prefix))
			return true;
	return false;
}

static bool overlaps(const struct burrow_nl_prefix *a, const struct burrow_nl_prefix *b)
{
	return burrow_prefix_contains(a, b) || burrow_prefix_contains(b, a);
}

void burrow_policy_routes(const struct burrow_prefix_list *may_announce,
			  const struct burrow_nl_prefix *taken, size_t n_taken,
			  const struct burrow_ip_range *ranges, size_t n,
			  struct burrow_nl_prefix *accepted, size_t *n_accepted,
			  struct burrow_refused_range *refused, size_t *n_refused)
{
	*n_accepted = 0;
	*n_refused = 0;
	for (size_t i = 0; i < n; i++) {
		struct burrow_nl_prefix prefix;
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

const char *burrow_address_refusal_name(uint8_t reason)
{
	switch (reason) {
	case BURROW_ADDRESS_REFUSED_UNSOLICITED: return "unsolicited";
	case BURROW_ADDRESS_REFUSED_NOT_REQUESTED: return "not-requested";
	case BURROW_ADDRESS_REFUSED_POLICY: return "policy";
	case BURROW_ADDRESS_REFUSED_CONFLICT: return "conflict";
	case BURROW_ADDRESS_REFUSED_DUPLICATE: return "duplicate";
	}
	return "unknown";
}

static bool address_is_zero(const struct burrow_nl_prefix *p)
{
	static const uint8_t zero[16];

	return !memcmp(p->addr.bytes, zero, p->family == AF_INET ? 4 : 16);
}

static uint8_t address_refusal(const struct burrow_address_entry *requested, size_t n_requested,
			       const struct burrow_prefix_list *accept,
			       const struct burrow_nl_prefix *taken, size_t n_taken,
			       const struct burrow_address_entry *accepted, size_t n_accepted,
			       const struct burrow_address_entry *e)
{
	const struct burrow_address_entry *req = NULL;

	if (e->request_id == 0)
		return BURROW_ADDRESS_REFUSED_UNSOLICITED;
	for (size_t i = 0; i < n_requested && !req; i++)
		if (requested[i].request_id == e->request_id)
			req = &requested[i];
	if (!req || req->prefix.family != e->prefix.family)
		return BURROW_ADDRESS_REFUSED_NOT_REQUESTED;
	if (!address_is_zero(&req->prefix)) {
		if (!burrow_text_prefix_equal(&req->prefix, &e->prefix))
			return BURROW_ADDRESS_REFUSED_NOT_REQUESTED;
	} else if (!accept->n && e->prefix.len != req->prefix.len) {
		return BURROW_ADDRESS_REFUSED_NOT_REQUESTED;
	}
	if (accept->n && !burrow_policy_covered(accept, &e->prefix))
		return BURROW_ADDRESS_REFUSED_POLICY;
	for (size_t t = 0; t < n_taken; t++)
		if (overlaps(&taken[t], &e->prefix))
			return BURROW_ADDRESS_REFUSED_CONFLICT;
	for (size_t i = 0; i < n_accepted; i++)
		if (accepted[i].request_id == e->request_id &&
		    !burrow_text_prefix_equal(&accepted[i].prefix, &e->prefix))
			return BURROW_ADDRESS_REFUSED_DUPLICATE;
	return 0;
}

void burrow_policy_addresses(const struct burrow_address_entry *requested, size_t n_requested,
			     const struct burrow_prefix_list *accept,
			     const struct burrow_nl_prefix *taken, size_t n_taken,
			     const struct burrow_address_entry *got, size_t n_got,
			     struct burrow_address_entry *accepted, size_t *n_accepted,
			     struct burrow_refused_address *refused, size_t *n_refused)
{
	*n_accepted = 0;
	*n_refused = 0;
	for (size_t i = 0; i < n_got; i++) {
		uint8_t reason = address_refusal(requested, n_requested, accept, taken, n_taken,
						 accepted, *n_accepted, &got[i]);
		bool seen = false;

		if (reason) {
			refused[*n_refused].entry = got[i];
			refused[(*n_refused)++].reason = reason;
			continue;
		}
		for (size_t j = 0; j < *n_accepted && !seen; j++)
			seen = burrow_text_prefix_equal(&accepted[j].prefix, &got[i].prefix);
		if (!seen)
			accepted[(*n_accepted)++] = got[i];
	}
}
