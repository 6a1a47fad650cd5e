/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MagicDNS's systemd-resolved registration over D-Bus (sd-bus, the system
 * bus; DBUS_SYSTEM_BUS_ADDRESS points it elsewhere, as the tests do).
 * For the burrow link's ifindex:
 *
 *   SetLinkDNS(ifindex, [the responder's overlay addresses])
 *   SetLinkDomains(ifindex, [("<mesh domain>", true), ("<split domain>", true)...])
 *   RevertLink(ifindex)                         at shutdown
 *
 * Every domain is routing-only (resolved's "~domain"): only names under
 * them go to the burrow link, and none becomes a search domain. Split
 * domains point at the responder too, which forwards them to their
 * upstreams (burrowd_dns.h): resolved's per-link servers serve all of a
 * link's domains, so the link cannot carry one server set per domain.
 * /etc/resolv.conf is never touched.
 */
#ifndef BURROW_DNS_RESOLVED_H
#define BURROW_DNS_RESOLVED_H

#include <stddef.h>

#include "coord_msg.h"

/* The servers and routing domains registered, and the link. */
struct burrow_resolved_link {
	int ifindex;
	struct coord_dns_server servers[2];
	size_t n_servers;
	const char *domains[1 + COORD_DNS_SPLITS_MAX];
	size_t n_domains;
};

/* Method call timeout: the daemon's loop waits this long at most per call. */
#define BURROW_RESOLVED_TIMEOUT_MS 2000

/*
 * SetLinkDNS then SetLinkDomains. 0; -ENOENT/-ECONNREFUSED/... when the
 * bus or resolved is not there; another -errno when resolved refused
 * (why has the D-Bus error name and message).
 */
int burrow_resolved_register(const struct burrow_resolved_link *link, char *why, size_t why_size);
/* RevertLink. 0 or -errno with why. */
int burrow_resolved_revert(int ifindex, char *why, size_t why_size);

#endif /* BURROW_DNS_RESOLVED_H */
