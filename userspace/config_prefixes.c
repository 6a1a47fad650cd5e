// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd config: the prefix-list keys of address and route negotiation
 * (address, address_pool, advertise_routes, request_address, may_announce,
 * may_reach). Split from config.c, which dispatches the keys here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "config_internal.h"
#include "connectip.h"

/* A list key of prefixes; "auto"/"auto6" too where allow_auto. */
struct prefix_list_key {
	const char *key;
	struct burrow_prefix_list *list;
	bool allow_auto;
	unsigned int min_host_bits;	/* pools need room for hosts */
	bool disjoint;			/* no prefix may lie inside another */
};

static int prefix_list_item(struct parse_state *ps, const char *text, void *ctx)
{
	struct prefix_list_key *k = ctx;
	char why[BURROW_CONFIG_ERR_MAX];
	struct burrow_nl_prefix prefix;
	unsigned int bits;

	if (k->allow_auto && (!strcmp(text, "auto") || !strcmp(text, "auto6"))) {
		memset(&prefix, 0, sizeof(prefix));
		prefix.family = text[4] ? AF_INET6 : AF_INET;
		prefix.len = text[4] ? 128 : 32;
	} else if (burrow_prefix_parse(text, &prefix, why, sizeof(why)) < 0) {
		burrow_config_fail(ps, ps->line, "%s: %s", k->key, why);
		return -EINVAL;
	}
	bits = prefix.family == AF_INET ? 32 : 128;
	if (bits - prefix.len < k->min_host_bits) {
		burrow_config_fail(ps, ps->line, "%s: prefix '%s' is too small (at most /%u)", k->key, text,
		     bits - k->min_host_bits);
		return -EINVAL;
	}
	for (size_t i = 0; i < k->list->n; i++) {
		const struct burrow_nl_prefix *other = &k->list->items[i];
		char other_text[64];

		if (burrow_text_prefix_equal(other, &prefix)) {
			burrow_config_fail(ps, ps->line, "%s: '%s' listed twice", k->key, text);
			return -EINVAL;
		}
		if (k->disjoint && (burrow_prefix_contains(other, &prefix) ||
				    burrow_prefix_contains(&prefix, other))) {
			burrow_prefix_format(other, other_text, sizeof(other_text));
			burrow_config_fail(ps, ps->line, "%s: '%s' overlaps '%s'", k->key, text, other_text);
			return -EINVAL;
		}
	}
	if (burrow_prefix_list_append(k->list, &prefix)) {
		burrow_config_fail(ps, ps->line, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int burrow_prefix_list_append(struct burrow_prefix_list *list, const struct burrow_nl_prefix *prefix)
{
	struct burrow_nl_prefix *grown = realloc(list->items, (list->n + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	list->items = grown;
	list->items[list->n++] = *prefix;
	return 0;
}

int burrow_config_peer_allow(struct burrow_config_peer *peer, const struct burrow_nl_prefix *prefix)
{
	struct burrow_nl_prefix *grown;

	grown = realloc(peer->allowed_ips, (peer->n_allowed_ips + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	peer->allowed_ips = grown;
	peer->allowed_ips[peer->n_allowed_ips++] = *prefix;
	return 0;
}

/* An interface address, "10.99.0.1/24" as for 'ip addr add': host bits are the point here. */
int burrow_config_address_item(struct parse_state *ps, const char *text, void *ctx)
{
	struct burrow_prefix_list *list = ctx;
	const char *slash = strchr(text, '/');
	struct burrow_nl_prefix prefix;

	if (!slash || (size_t)(slash - text) >= INET6_ADDRSTRLEN) {
		burrow_config_fail(ps, ps->line, "address: invalid address '%s': expected ADDRESS/LENGTH", text);
		return -EINVAL;
	}
	if (burrow_text_parse_prefix(text, BURROW_TEXT_PREFIX_HOST_BITS, &prefix, NULL, 0) < 0) {
		burrow_config_fail(ps, ps->line, "address: invalid address '%s'", text);
		return -EINVAL;
	}
	if (burrow_prefix_list_append(list, &prefix)) {
		burrow_config_fail(ps, ps->line, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

void burrow_config_prefix_list_key(struct parse_state *ps, const char *key, const char *value,
			    struct burrow_prefix_list *list, bool allow_auto,
			    unsigned int min_host_bits)
{
	/* Pools and advertised routes must not overlap (RFC 9484 ranges may not). */
	struct prefix_list_key k = { key, list, allow_auto, min_host_bits,
				     !strcmp(key, "address_pool") || !strcmp(key, "advertise_routes") };

	burrow_config_for_each_item(ps, key, value, prefix_list_item, &k);
}
