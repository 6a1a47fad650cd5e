// SPDX-License-Identifier: GPL-2.0
/* Endpoint candidates: see candidates.h. */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "candidates.h"

static size_t addr_bytes(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

int burrow_candidate_from_sockaddr(const struct sockaddr *sa, socklen_t len,
				   struct burrow_nl_endpoint *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		out->family = AF_INET;
		memcpy(out->addr.bytes, &sin->sin_addr, 4);
		out->port = ntohs(sin->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			out->family = AF_INET;
			memcpy(out->addr.bytes, sin6->sin6_addr.s6_addr + 12, 4);
		} else {
			out->family = AF_INET6;
			memcpy(out->addr.bytes, &sin6->sin6_addr, 16);
		}
		out->port = ntohs(sin6->sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}

bool burrow_candidate_equal(const struct burrow_nl_endpoint *a, const struct burrow_nl_endpoint *b)
{
	return a->family == b->family && a->port == b->port && addr_bytes(a->family) &&
	       !memcmp(a->addr.bytes, b->addr.bytes, addr_bytes(a->family));
}

bool burrow_candidate_usable(int family, const void *addr)
{
	if (family == AF_INET) {
		const uint8_t *a = addr;

		/* 0/8 "this network", 127/8 loopback, 169.254/16 link-local, 224/3 multicast and reserved */
		return a[0] != 0 && a[0] != 127 && !(a[0] == 169 && a[1] == 254) && a[0] < 224;
	}
	if (family == AF_INET6) {
		const struct in6_addr *a = addr;

		return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) &&
		       !IN6_IS_ADDR_LINKLOCAL(a) && !IN6_IS_ADDR_MULTICAST(a) &&
		       !IN6_IS_ADDR_V4MAPPED(a) && !IN6_IS_ADDR_V4COMPAT(a);
	}
	return false;
}

static bool listed(const struct burrow_nl_endpoint *list, size_t n,
		   const struct burrow_nl_endpoint *e)
{
	for (size_t i = 0; i < n; i++)
		if (burrow_candidate_equal(&list[i], e))
			return true;
	return false;
}

size_t burrow_candidates_merge(const struct burrow_nl_endpoint *observed,
			       const struct burrow_nl_endpoint *reported, size_t n,
			       struct burrow_nl_endpoint *out, size_t max)
{
	size_t count = 0;

	if (observed && max)
		out[count++] = *observed;
	for (size_t i = 0; i < n && count < max; i++)
		if (!listed(out, count, &reported[i]))
			out[count++] = reported[i];
	return count;
}

static bool in_prefix(const struct burrow_nl_prefix *p, const struct burrow_nl_endpoint *e)
{
	size_t full = p->len / 8, rest = p->len % 8;

	if (p->family != e->family || p->len > addr_bytes(p->family) * 8)
		return false;
	if (memcmp(p->addr.bytes, e->addr.bytes, full))
		return false;
	return !rest || !((p->addr.bytes[full] ^ e->addr.bytes[full]) & (0xff << (8 - rest)));
}

static bool on_own_subnet(const struct burrow_nl_prefix *own, size_t n_own,
			  const struct burrow_nl_endpoint *e)
{
	for (size_t i = 0; i < n_own; i++)
		if (in_prefix(&own[i], e))
			return true;
	return false;
}

size_t burrow_candidates_order(const struct burrow_nl_endpoint *in, size_t n, int udp_family,
			       const struct burrow_nl_prefix *own, size_t n_own,
			       struct burrow_nl_endpoint *out, size_t max)
{
	size_t count = 0;

	/* Two passes: the peer's candidates on our own subnets, then the others. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n && count < max; i++) {
			const struct burrow_nl_endpoint *e = &in[i];

			if (!addr_bytes(e->family) || !e->port ||
			    (udp_family == AF_INET && e->family != AF_INET))
				continue;
			if (on_own_subnet(own, n_own, e) != (pass == 0))
				continue;
			if (!listed(out, count, e))
				out[count++] = *e;
		}
	}
	return count;
}

static int compare_endpoints(const void *a, const void *b)
{
	const struct burrow_nl_endpoint *x = a, *y = b;

	if (x->family != y->family)
		return x->family == AF_INET ? -1 : 1;
	return memcmp(x->addr.bytes, y->addr.bytes, addr_bytes(x->family));
}

/* The prefix length of a netmask (its leading ones). */
static uint8_t mask_len(const uint8_t *mask, size_t bytes)
{
	uint8_t len = 0;

	for (size_t i = 0; i < bytes; i++)
		for (int bit = 7; bit >= 0; bit--) {
			if (!(mask[i] & (1 << bit)))
				return len;
			len++;
		}
	return len;
}

int burrow_candidates_local(uint16_t port, int udp_family, const char *skip_ifname,
			    struct burrow_nl_endpoint *out, struct burrow_nl_prefix *subnets,
			    size_t max)
{
	struct ifaddrs *all, *ifa;
	struct { struct burrow_nl_endpoint e; struct burrow_nl_prefix p; } found[BURROW_CANDIDATES_MAX];
	size_t count = 0;

	if (getifaddrs(&all))
		return -errno;
	for (ifa = all; ifa && count < max && count < BURROW_CANDIDATES_MAX; ifa = ifa->ifa_next) {
		const struct sockaddr *sa = ifa->ifa_addr;
		struct burrow_nl_endpoint e;
		struct burrow_nl_prefix p = { 0 };
		const uint8_t *mask;

		if (!sa || !(ifa->ifa_flags & IFF_UP) || (ifa->ifa_flags & IFF_LOOPBACK))
			continue;
		if (skip_ifname && !strcmp(ifa->ifa_name, skip_ifname))
			continue;
		if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
			continue;
		if (udp_family == AF_INET && sa->sa_family != AF_INET)
			continue;
		if (burrow_candidate_from_sockaddr(sa, sa->sa_family == AF_INET ?
						   sizeof(struct sockaddr_in) :
						   sizeof(struct sockaddr_in6), &e))
			continue;
		if (!burrow_candidate_usable(e.family, e.addr.bytes))
			continue;
		e.port = port;
		p.family = e.family;
		memcpy(p.addr.bytes, e.addr.bytes, addr_bytes(e.family));
		p.len = (uint8_t)(addr_bytes(e.family) * 8);
		if (ifa->ifa_netmask) {
			mask = e.family == AF_INET ?
			       (const uint8_t *)&((const struct sockaddr_in *)ifa->ifa_netmask)->sin_addr :
			       ((const struct sockaddr_in6 *)ifa->ifa_netmask)->sin6_addr.s6_addr;
			p.len = mask_len(mask, addr_bytes(e.family));
		}
		found[count].e = e;
		found[count].p = p;
		count++;
	}
	freeifaddrs(all);
	qsort(found, count, sizeof(found[0]), compare_endpoints);
	for (size_t i = 0; i < count; i++) {
		out[i] = found[i].e;
		if (subnets)
			subnets[i] = found[i].p;
	}
	return (int)count;
}
