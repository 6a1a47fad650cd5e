/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrowd's MagicDNS responder ([dns] in the config, docs/burrowd.md): a
 * UDP socket per family bound to the node's overlay address(es) on the
 * configured port (53), in the daemon's loop. It answers for the mesh
 * domain from the node map (dns.h) and forwards queries for split-DNS
 * domains to their upstream servers (first server first; after 2 s without
 * an answer the next; SERVFAIL when all are silent); every other name is
 * REFUSED: it is not a recursive resolver. With resolved = yes it
 * registers itself with systemd-resolved for the burrow link
 * (dns_resolved.h) and reverts the link at shutdown; a bus that is not
 * there is logged once and DNS keeps being answered.
 *
 * The mesh domain and split domains come from the coordinator's
 * DNS_CONFIG; until one arrives the domain is mesh.burrow. Names follow
 * every map applied (join, rename, removal).
 */
#ifndef BURROWD_DNS_H
#define BURROWD_DNS_H

#include "config.h"
#include "coord_map.h"
#include "coord_msg.h"
#include "loop.h"

struct burrowd_dns;

/* NULL when cfg->enabled is false or memory ran out (logged). */
struct burrowd_dns *burrowd_dns_new(struct burrow_loop *loop, const struct burrow_config_dns *cfg,
				    const char *ifname);
/* Reverts the resolved link (if registered) and closes everything. NULL: no-op. */
void burrowd_dns_free(struct burrowd_dns *dns);
/* The map changed (applied, forgotten): names and the addresses to listen on. NULL dns: no-op. */
void burrowd_dns_set_map(struct burrowd_dns *dns, const struct coord_map *map);
/* A DNS_CONFIG capsule's value from the coordinator; a bad one is logged and ignored. */
void burrowd_dns_config_capsule(struct burrowd_dns *dns, const uint8_t *value, size_t len);

#endif /* BURROWD_DNS_H */
