/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrow-coord's DNS config (`burrow-coord run ... dns FILE`,
 * docs/coordination.md "DNS"): the mesh domain nodes answer for and the
 * split-DNS domains, sent to every node in DNS_CONFIG (coord_msg.h).
 *
 *   [dns]
 *   domain = mesh.burrow                      (default mesh.burrow)
 *   split = corp.example 10.0.0.53, fd00::53  (repeatable: DOMAIN SERVER[, SERVER...])
 *
 * '#' and ';' start comments. Errors are "FILE:LINE: ..." and quote the
 * bad token: an unknown section or key, a domain that is not a DNS name,
 * a server that is not a numeric IPv4/IPv6 address, a split domain given
 * twice or under the mesh domain, too many splits or servers.
 */
#ifndef BURROW_COORD_DNS_H
#define BURROW_COORD_DNS_H

#include <stddef.h>

#include "coord_msg.h"

#define COORD_DNS_DEFAULT_DOMAIN "mesh.burrow"

/* The default: domain mesh.burrow, no split domains. */
void coord_dns_config_default(struct coord_dns_config *out);
/* Parse text as the file named path. 0 or -EINVAL with why. */
int coord_dns_config_parse(const char *text, const char *path, struct coord_dns_config *out,
			   char *why, size_t why_size);
/* Read and parse path. 0, -errno (cannot read) or -EINVAL, with why. */
int coord_dns_config_load(const char *path, struct coord_dns_config *out, char *why,
			  size_t why_size);

#endif /* BURROW_COORD_DNS_H */
