// SPDX-License-Identifier: GPL-2.0
/*
 * What changed between two configs, for a reload: see config.h. Pure
 * functions; reload.c acts on the answers.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "candidates.h"
#include "config.h"

/* Lists compare in order: a reordered list is a change, and harmless to apply. */
static bool prefixes_equal(const struct burrow_nl_prefix *a, size_t n_a, const struct burrow_nl_prefix *b,
			   size_t n_b)
{
	if (n_a != n_b)
		return false;
	for (size_t i = 0; i < n_a; i++)
		if (!burrow_text_prefix_equal(&a[i], &b[i]))
			return false;
	return true;
}

bool burrow_prefix_list_equal(const struct burrow_prefix_list *a, const struct burrow_prefix_list *b)
{
	return prefixes_equal(a->items, a->n, b->items, b->n);
}

/* The address part of listen (the port is compared on its own). */
static bool listen_address_equal(const struct burrow_config_node *a, const struct burrow_config_node *b)
{
	if (a->listen.ss_family != b->listen.ss_family)
		return false;
	if (a->listen.ss_family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)&a->listen)->sin_addr,
			       &((const struct sockaddr_in *)&b->listen)->sin_addr, 4);
	if (a->listen.ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)&a->listen;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)&b->listen;

		return !memcmp(&x->sin6_addr, &y->sin6_addr, 16) && x->sin6_scope_id == y->sin6_scope_id;
	}
	return true;
}

static bool str_equal(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

int burrow_config_node_diff(const struct burrow_config_node *old, const struct burrow_config_node *new,
			    char *why, size_t why_size)
{
	const char *key = NULL;

	/* In file order (docs/burrowd.md, [node]): the first difference is named. */
	if (strcmp(old->name, new->name))
		key = "name";
	else if (!str_equal(old->private_key, new->private_key))
		key = "private_key";
	else if (!listen_address_equal(old, new))
		key = "listen_address";
	else if (old->listen_port != new->listen_port)
		key = "listen_port";
	else if (strcmp(old->device, new->device))
		key = "device";
	else if (old->mode != new->mode)
		key = "mode";
	else if (!str_equal(old->state, new->state))
		key = "state";
	else if (!str_equal(old->control_socket, new->control_socket))
		key = "control_socket";
	else if (old->idle_timeout_s != new->idle_timeout_s)
		key = "idle_timeout";
	else if (old->n_ciphers != new->n_ciphers ||
		 memcmp(old->ciphers, new->ciphers, old->n_ciphers))
		key = "ciphers";
	else if (old->n_encaps != new->n_encaps || memcmp(old->encaps, new->encaps, old->n_encaps))
		key = "encapsulations";
	else if (old->mtu != new->mtu)
		key = "mtu";
	else if (!burrow_prefix_list_equal(&old->addresses, &new->addresses))
		key = "address";
	else if (!burrow_prefix_list_equal(&old->address_pool, &new->address_pool))
		key = "address_pool";
	else if (!burrow_prefix_list_equal(&old->advertise_routes, &new->advertise_routes))
		key = "advertise_routes";
	else if (old->relay_routes != new->relay_routes)
		key = "relay_routes";
	/* log_level and rotation_interval: applied live by the caller. */
	if (!key)
		return 0;
	if (why)
		snprintf(why, why_size, "%s changed: restart burrowd to apply", key);
	return -EBUSY;
}

static void note(char *what, size_t what_size, const char *key)
{
	size_t used;

	if (!what || !what_size)
		return;
	used = strlen(what);
	snprintf(what + used, what_size - used, "%s%s", used ? ", " : "", key);
}

static bool candidates_equal(const struct burrow_config_peer *a, const struct burrow_config_peer *b)
{
	if (a->n_candidates != b->n_candidates)
		return false;
	for (size_t i = 0; i < a->n_candidates; i++)
		if (!burrow_candidate_equal(&a->candidates[i], &b->candidates[i]))
			return false;
	return true;
}

enum burrow_config_peer_change burrow_config_peer_compare(const struct burrow_config_peer *old,
							  const struct burrow_config_peer *new,
							  char *what, size_t what_size)
{
	enum burrow_config_peer_change change = BURROW_CONFIG_PEER_SAME;

	if (what && what_size)
		what[0] = '\0';
	if (memcmp(old->public_key, new->public_key, sizeof(old->public_key))) {
		note(what, what_size, "public_key");
		change = BURROW_CONFIG_PEER_REPLACE;
	}
	if (old->from_map && new->from_map) {
		/*
		 * A map peer's candidates change when it roams or its NAT
		 * rebinds: the running session stays (the kernel follows the
		 * peer's data packets); the next dial uses the new list.
		 */
		if (!candidates_equal(old, new)) {
			note(what, what_size, "endpoint candidates");
			if (change == BURROW_CONFIG_PEER_SAME)
				change = BURROW_CONFIG_PEER_POLICY;
		}
	} else if (old->has_endpoint != new->has_endpoint ||
	    (old->has_endpoint && (old->endpoint_len != new->endpoint_len ||
				   memcmp(&old->endpoint, &new->endpoint, old->endpoint_len)))) {
		note(what, what_size, "endpoint");
		change = BURROW_CONFIG_PEER_REPLACE;
	}
	if (!prefixes_equal(old->allowed_ips, old->n_allowed_ips, new->allowed_ips,
			    new->n_allowed_ips)) {
		note(what, what_size, "allowed_ips");
		if (change == BURROW_CONFIG_PEER_SAME)
			change = BURROW_CONFIG_PEER_POLICY;
	}
	/* Requests already answered cannot be taken back on the stream: start over. */
	if (!burrow_prefix_list_equal(&old->request_address, &new->request_address)) {
		note(what, what_size, "request_address");
		change = BURROW_CONFIG_PEER_REPLACE;
	}
	if (!burrow_prefix_list_equal(&old->may_announce, &new->may_announce)) {
		note(what, what_size, "may_announce");
		if (change == BURROW_CONFIG_PEER_SAME)
			change = BURROW_CONFIG_PEER_POLICY;
	}
	if (old->has_may_reach != new->has_may_reach ||
	    !burrow_prefix_list_equal(&old->may_reach, &new->may_reach)) {
		note(what, what_size, "may_reach");
		if (change == BURROW_CONFIG_PEER_SAME)
			change = BURROW_CONFIG_PEER_POLICY;
	}
	if (!burrow_prefix_list_equal(&old->accept_addresses, &new->accept_addresses)) {
		note(what, what_size, "accept_addresses");
		if (change == BURROW_CONFIG_PEER_SAME)
			change = BURROW_CONFIG_PEER_POLICY;
	}
	/* What HELLO offered and the kernel peer got: negotiate again. */
	if (old->has_segments != new->has_segments || old->n_segments != new->n_segments ||
	    memcmp(old->segments, new->segments, old->n_segments * sizeof(old->segments[0]))) {
		note(what, what_size, "segments");
		change = BURROW_CONFIG_PEER_REPLACE;
	}
	if (old->mac_limit_set != new->mac_limit_set || old->mac_limit != new->mac_limit ||
	    old->flood_rate_set != new->flood_rate_set || old->flood_rate != new->flood_rate) {
		note(what, what_size, "mac_limit/flood_rate");
		change = BURROW_CONFIG_PEER_REPLACE;
	}
	return change;
}
