// SPDX-License-Identifier: GPL-2.0
/* A node map as config peers and addresses: see mesh.h. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "burrow-text.h"
#include "candidates.h"
#include "identity.h"
#include "log.h"
#include "mesh.h"

bool burrowd_mesh_is_exit_route(const struct burrow_nl_prefix *p)
{
	return p->len == 0;
}

/*
 * A map peer as a [peer] section would give it: every candidate the
 * daemon's socket can reach, in the order to dial them
 * (burrow_candidates_order: those on our own subnets first, then the
 * map's order, the observed address first), dialled at the first and
 * moving on when a dial gets no handshake (session.c), allowed its overlay addresses
 * and approved subnet routes, and no negotiation: addresses and routes
 * come from the coordinator, so nothing is requested, announced or
 * accepted over the session (may_reach empty).
 */
static int peer_from_map(const struct coord_peer *mp, int udp_family,
			 const struct burrow_nl_prefix *own, size_t n_own, struct burrow_config_peer *cp)
{
	struct burrow_nl_endpoint ordered[BURROW_CANDIDATES_MAX];
	size_t n_ordered;
	struct burrow_nl_prefix v4 = { .family = AF_INET, .len = 32 };
	struct burrow_nl_prefix v6 = { .family = AF_INET6, .len = 128 };
	char text[BURROW_TEXT_ENDPOINT_SIZE], why[200];

	memset(cp, 0, sizeof(*cp));
	snprintf(cp->name, sizeof(cp->name), "%s", mp->name);
	memcpy(cp->public_key, mp->public_key, 32);
	cp->has_may_reach = true;
	cp->from_map = true;
	n_ordered = burrow_candidates_order(mp->endpoints, mp->n_endpoints, udp_family, own, n_own,
					    ordered, BURROW_CANDIDATES_MAX);
	for (size_t i = 0; i < n_ordered; i++) {
		const struct burrow_nl_endpoint *e = &ordered[i];
		struct sockaddr_storage ss;
		socklen_t ss_len;

		burrow_text_endpoint(e, text);
		if (burrow_endpoint_parse(text, &ss, &ss_len, why, sizeof(why)))
			continue;
		if (!cp->has_endpoint) {
			cp->endpoint = ss;
			cp->endpoint_len = ss_len;
			cp->has_endpoint = true;
			snprintf(cp->endpoint_text, sizeof(cp->endpoint_text), "%s", text);
		}
		if (!cp->candidates) {
			cp->candidates = calloc(n_ordered, sizeof(*cp->candidates));
			if (!cp->candidates)
				goto nomem;
		}
		cp->candidates[cp->n_candidates++] = *e;
	}
	memcpy(&v4.addr, mp->ipv4, 4);
	memcpy(&v6.addr, mp->ipv6, 16);
	if (burrow_config_peer_allow(cp, &v4) || burrow_config_peer_allow(cp, &v6))
		goto nomem;
	for (size_t i = 0; i < mp->n_routes; i++)
		if (!burrowd_mesh_is_exit_route(&mp->routes[i]) && burrow_config_peer_allow(cp, &mp->routes[i]))
			goto nomem;
	return 0;
nomem:
	burrow_config_peer_free(cp);
	return -ENOMEM;
}

/* Whether a map peer is left out of cfg: the file names its key or name, or it is us. */
static bool peer_left_out(const char *own_key_text, const struct burrow_config *cfg,
			  const struct coord_peer *mp)
{
	char key_text[BURROW_PUBLIC_KEY_TEXT_SIZE];
	const struct burrow_config_peer *clash;

	burrow_public_key_to_text(mp->public_key, key_text);
	if (!strcmp(key_text, own_key_text))
		return true;
	clash = burrow_config_peer_by_name(cfg, mp->name);
	if (!clash)
		clash = burrow_config_peer_by_key(cfg, mp->public_key);
	if (clash)
		burrow_log(BURROW_LOG_WARNING,
			   "node map peer %s (%s) left out: [peer %s] of %s has its name or key",
			   mp->name, key_text, clash->name, cfg->path);
	return clash != NULL;
}

/* Add address to list unless it holds it already (a reload keeps the map's addresses). */
static int address_append(struct burrow_prefix_list *list, const struct burrow_nl_prefix *address)
{
	for (size_t i = 0; i < list->n; i++)
		if (!memcmp(&list->items[i], address, sizeof(*address)))
			return 0;
	return burrow_prefix_list_append(list, address);
}

void burrowd_mesh_self_addresses(const struct coord_map_self *self, struct burrow_nl_prefix out[2])
{
	out[0] = self->addresses.ipv4;
	out[1] = self->addresses.ipv6;
}

int burrowd_mesh_map_extend(const struct coord_map *map, const char *own_key_text, int udp_family,
			    struct burrow_config *cfg)
{
	struct burrow_nl_endpoint local[BURROW_CANDIDATES_MAX];
	struct burrow_nl_prefix self[2], own[BURROW_CANDIDATES_MAX];
	int n_own;

	if (!map->have_full)
		return 0;
	/* Our own subnets: a peer's candidate inside one is on our LAN. */
	n_own = burrow_candidates_local(1, udp_family, NULL, local, own, BURROW_CANDIDATES_MAX);
	if (n_own < 0)
		n_own = 0;
	for (size_t i = 0; i < coord_map_size(map); i++) {
		const struct coord_peer *mp = coord_map_peer_at(map, i);
		struct burrow_config_peer cp;

		if (peer_left_out(own_key_text, cfg, mp))
			continue;
		if (peer_from_map(mp, udp_family, own, (size_t)n_own, &cp))
			return -ENOMEM;
		if (burrow_config_peer_append(cfg, &cp)) {
			burrow_config_peer_free(&cp);
			return -ENOMEM;
		}
	}
	burrowd_mesh_self_addresses(&map->self, self);
	if (address_append(&cfg->node.addresses, &self[0]) ||
	    address_append(&cfg->node.addresses, &self[1]))
		return -ENOMEM;
	return 0;
}
