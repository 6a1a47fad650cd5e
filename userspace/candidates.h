/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Endpoint candidates of a node (issue 19, brief D11): where peers may
 * reach it. A node reports its local candidates (its interfaces' addresses
 * with the tunnel port); the coordinator adds the address:port it observes
 * the node's connection coming from, first; a peer orders what the map
 * gives it for dialling and tries one after the other (session.c).
 * Pure functions except burrow_candidates_local (getifaddrs).
 */
#ifndef BURROW_CANDIDATES_H
#define BURROW_CANDIDATES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "burrow-nl.h"

/* Most candidates a node keeps or reports (COORD_ENDPOINTS_MAX). */
#define BURROW_CANDIDATES_MAX 32

/* sa as an endpoint; an IPv4-mapped IPv6 address becomes IPv4. -EAFNOSUPPORT otherwise. */
int burrow_candidate_from_sockaddr(const struct sockaddr *sa, socklen_t len,
				   struct burrow_nl_endpoint *out);
bool burrow_candidate_equal(const struct burrow_nl_endpoint *a, const struct burrow_nl_endpoint *b);
/*
 * Whether addr may be a local candidate: not unspecified, loopback,
 * link-local or multicast (IPv4 and IPv6); IPv4-mapped and
 * IPv4-compatible IPv6 forms are not either.
 */
bool burrow_candidate_usable(int family, const void *addr);
/*
 * The coordinator's list for a node: observed (NULL: none) first, then
 * reported in its order, each once, at most max. Returns the count.
 */
size_t burrow_candidates_merge(const struct burrow_nl_endpoint *observed,
			       const struct burrow_nl_endpoint *reported, size_t n,
			       struct burrow_nl_endpoint *out, size_t max);
/*
 * A peer's candidates in the order to dial them: those the socket family
 * cannot reach left out (an AF_INET socket skips IPv6), duplicates
 * dropped, and the ones inside a subnet of our own (same LAN: no NAT in
 * between) first, then the rest in the map's order (the observed address
 * first). Returns the count written to out (at most max).
 */
size_t burrow_candidates_order(const struct burrow_nl_endpoint *in, size_t n, int udp_family,
			       const struct burrow_nl_prefix *own, size_t n_own,
			       struct burrow_nl_endpoint *out, size_t max);
/*
 * This host's local candidates: every usable address of an interface that
 * is up, other than skip_ifname's (the burrow device: overlay addresses
 * are no way to reach the underlay), with port; only IPv4 when udp_family
 * is AF_INET. Sorted (IPv4 first, then by address) so the same set gives
 * the same list. subnets (may be NULL) receives each address's subnet for
 * burrow_candidates_order. Returns the count, or -errno.
 */
int burrow_candidates_local(uint16_t port, int udp_family, const char *skip_ifname,
			    struct burrow_nl_endpoint *out, struct burrow_nl_prefix *subnets,
			    size_t max);

#endif /* BURROW_CANDIDATES_H */
