/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * libburrow-nl: the one rtnetlink client of burrow-nl and burrowd, on
 * libmnl: burrow links, the MTU of a device, its addresses and the routes
 * through it.
 *
 * Every request waits for the kernel's answer. Functions return 0 or a
 * negative errno; on failure rt->why says why, and rt->refused tells a
 * kernel refusal (why is its extended-ack message, or strerror() of its
 * error) from a local failure to talk to it (why reads "cannot send to
 * rtnetlink: ..." or "cannot read from rtnetlink: ...").
 *
 * One struct burrow_rtnl is one socket, used by one thread at a time.
 */

#ifndef BURROW_RTNL_H
#define BURROW_RTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "burrow-nl.h"

struct mnl_socket;
struct nlmsghdr;

struct burrow_rtnl {
	struct mnl_socket *sock;	/* NULL: closed */
	uint32_t seq;			/* of the last request sent */
	bool refused;			/* the last failure was the kernel's answer */
	char why[256];
};

/* Open and bind the socket, with extended acks. A closed rt may be opened again. */
int burrow_rtnl_open(struct burrow_rtnl *rt);
/* Close the socket; closing a closed (or zeroed) rt does nothing. */
void burrow_rtnl_close(struct burrow_rtnl *rt);

/*
 * Create a link of kind ("burrow") called ifname; mtu 0: the kind's
 * default. mode >= 0: a burrow link's IFLA_BURROW_MODE (enum burrow_mode).
 */
int burrow_rtnl_link_add(struct burrow_rtnl *rt, const char *ifname, const char *kind,
			 uint32_t mtu, int mode);
int burrow_rtnl_link_del(struct burrow_rtnl *rt, const char *ifname);
int burrow_rtnl_mtu_get(struct burrow_rtnl *rt, int ifindex, uint32_t *mtu);
int burrow_rtnl_mtu_set(struct burrow_rtnl *rt, int ifindex, uint32_t mtu);

/*
 * Add (NLM_F_EXCL: -EEXIST when it is there already) or delete the
 * address on ifindex; the prefix keeps its host bits (10.99.0.1/24).
 */
int burrow_rtnl_addr(struct burrow_rtnl *rt, bool add, int ifindex,
		     const struct burrow_nl_prefix *address);
/*
 * Add (NLM_F_EXCL) or delete the main-table route to prefix through
 * ifindex: unicast, scope link, protocol static.
 */
int burrow_rtnl_route(struct burrow_rtnl *rt, bool add, int ifindex,
		      const struct burrow_nl_prefix *prefix);

/*
 * Into a malloc()ed array (free() it; NULL when none): the addresses on
 * ifindex, with their host bits, and the main-table routes with a
 * destination whose one next hop is ifindex.
 */
int burrow_rtnl_addr_list(struct burrow_rtnl *rt, int ifindex, struct burrow_nl_prefix **list,
			  size_t *count);
int burrow_rtnl_route_list(struct burrow_rtnl *rt, int ifindex, struct burrow_nl_prefix **list,
			   size_t *count);

#endif /* BURROW_RTNL_H */
