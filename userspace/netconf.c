// SPDX-License-Identifier: GPL-2.0
/* Addresses, routes and MTU of the burrow device: see netconf.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "netconf.h"

static int nl_to_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_EXIST: return -EEXIST;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_NOADDR: return -EADDRNOTAVAIL;
	case NLE_PERM: return -EPERM;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_INVAL: return -EINVAL;
	case NLE_NODEV: return -ENODEV;
	default: return -EIO;
	}
}

static int fail(struct burrow_netconf *nc, int nlerr, const char *what,
		const struct burrow_prefix *p)
{
	char text[64] = "";

	if (p)
		burrow_prefix_format(p, text, sizeof(text));
	snprintf(nc->why, sizeof(nc->why), "%s%s%s: %s", what, p ? " " : "", text,
		 nl_geterror(nlerr));
	return nl_to_errno(nlerr);
}

int burrow_netconf_open(struct burrow_netconf *nc, int ifindex)
{
	int err;

	memset(nc, 0, sizeof(*nc));
	nc->ifindex = ifindex;
	nc->sock = nl_socket_alloc();
	if (!nc->sock) {
		snprintf(nc->why, sizeof(nc->why), "rtnetlink socket: out of memory");
		return -ENOMEM;
	}
	err = nl_connect(nc->sock, NETLINK_ROUTE);
	if (err < 0) {
		fail(nc, err, "rtnetlink socket", NULL);
		nl_socket_free(nc->sock);
		nc->sock = NULL;
		return nl_to_errno(err);
	}
	return 0;
}

static struct burrow_netconf_item *find(const struct burrow_netconf *nc,
					enum burrow_netconf_kind kind,
					const struct burrow_prefix *p)
{
	for (size_t i = 0; i < nc->n_items; i++) {
		const struct burrow_prefix *q = &nc->items[i].prefix;

		if (nc->items[i].kind == kind && q->family == p->family && q->len == p->len &&
		    !memcmp(q->addr, p->addr, sizeof(q->addr)))
			return &nc->items[i];
	}
	return NULL;
}

bool burrow_netconf_has(const struct burrow_netconf *nc, enum burrow_netconf_kind kind,
			const struct burrow_prefix *prefix)
{
	return find(nc, kind, prefix) != NULL;
}

static struct nl_addr *to_nl_addr(const struct burrow_prefix *p)
{
	struct nl_addr *a = nl_addr_build(p->family, p->addr, p->family == AF_INET ? 4 : 16);

	if (a)
		nl_addr_set_prefixlen(a, p->len);
	return a;
}

/* Build the libnl object for an item; NULL when out of memory. */
static struct rtnl_addr *make_addr(struct burrow_netconf *nc, const struct burrow_prefix *p)
{
	struct rtnl_addr *addr = rtnl_addr_alloc();
	struct nl_addr *local = to_nl_addr(p);

	if (!addr || !local) {
		rtnl_addr_put(addr);
		nl_addr_put(local);
		return NULL;
	}
	rtnl_addr_set_ifindex(addr, nc->ifindex);
	rtnl_addr_set_family(addr, p->family);
	rtnl_addr_set_local(addr, local);	/* takes its own reference */
	rtnl_addr_set_prefixlen(addr, p->len);
	nl_addr_put(local);
	return addr;
}

static struct rtnl_route *make_route(struct burrow_netconf *nc, const struct burrow_prefix *p)
{
	struct rtnl_route *route = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = to_nl_addr(p);

	if (!route || !nh || !dst) {
		rtnl_route_put(route);
		if (nh)
			rtnl_route_nh_free(nh);
		nl_addr_put(dst);
		return NULL;
	}
	rtnl_route_set_family(route, (uint8_t)p->family);
	rtnl_route_set_dst(route, dst);
	nl_addr_put(dst);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_protocol(route, RTPROT_STATIC);
	rtnl_route_set_scope(route, RT_SCOPE_LINK);
	rtnl_route_set_type(route, RTN_UNICAST);
	rtnl_route_nh_set_ifindex(nh, nc->ifindex);
	rtnl_route_add_nexthop(route, nh);	/* the route owns nh now */
	return route;
}

/* Ask the kernel; 0, or the libnl error. */
static int kernel_apply(struct burrow_netconf *nc, enum burrow_netconf_kind kind,
			const struct burrow_prefix *p, bool add)
{
	int err;

	if (kind == BURROW_NETCONF_ADDRESS) {
		struct rtnl_addr *addr = make_addr(nc, p);

		if (!addr)
			return -NLE_NOMEM;
		err = add ? rtnl_addr_add(nc->sock, addr, NLM_F_CREATE | NLM_F_EXCL)
			  : rtnl_addr_delete(nc->sock, addr, 0);
		rtnl_addr_put(addr);
	} else {
		struct rtnl_route *route = make_route(nc, p);

		if (!route)
			return -NLE_NOMEM;
		err = add ? rtnl_route_add(nc->sock, route, NLM_F_CREATE | NLM_F_EXCL)
			  : rtnl_route_delete(nc->sock, route, 0);
		rtnl_route_put(route);
	}
	return err;
}

static int item_add(struct burrow_netconf *nc, enum burrow_netconf_kind kind,
		    const struct burrow_prefix *p)
{
	const char *what = kind == BURROW_NETCONF_ADDRESS ? "address add" : "route add";
	struct burrow_netconf_item *item = find(nc, kind, p);
	int err;

	if (item) {
		item->refs++;
		return 0;
	}
	err = kernel_apply(nc, kind, p, true);
	if (err == -NLE_EXIST)
		return 0;	/* someone else's: use it, never remove it */
	if (err < 0)
		return fail(nc, err, what, p);
	if (nc->n_items == nc->cap) {
		size_t cap = nc->cap ? nc->cap * 2 : 8;
		struct burrow_netconf_item *grown = realloc(nc->items, cap * sizeof(*grown));

		if (!grown) {
			kernel_apply(nc, kind, p, false);
			snprintf(nc->why, sizeof(nc->why), "%s: out of memory", what);
			return -ENOMEM;
		}
		nc->items = grown;
		nc->cap = cap;
	}
	item = &nc->items[nc->n_items++];
	memset(item, 0, sizeof(*item));
	item->kind = kind;
	item->prefix = *p;
	item->refs = 1;
	return 0;
}

static int item_del(struct burrow_netconf *nc, enum burrow_netconf_kind kind,
		    const struct burrow_prefix *p)
{
	const char *what = kind == BURROW_NETCONF_ADDRESS ? "address del" : "route del";
	struct burrow_netconf_item *item = find(nc, kind, p);
	int err;

	if (!item || --item->refs)
		return 0;	/* not ours, or still needed */
	err = kernel_apply(nc, kind, p, false);
	*item = nc->items[--nc->n_items];
	/* Gone already (the device went down, an operator removed it): fine. */
	if (err < 0 && err != -NLE_OBJ_NOTFOUND && err != -NLE_NOADDR && err != -NLE_NODEV)
		return fail(nc, err, what, p);
	return 0;
}

int burrow_netconf_address_add(struct burrow_netconf *nc, const struct burrow_prefix *address)
{
	return item_add(nc, BURROW_NETCONF_ADDRESS, address);
}

int burrow_netconf_address_del(struct burrow_netconf *nc, const struct burrow_prefix *address)
{
	return item_del(nc, BURROW_NETCONF_ADDRESS, address);
}

int burrow_netconf_route_add(struct burrow_netconf *nc, const struct burrow_prefix *prefix)
{
	return item_add(nc, BURROW_NETCONF_ROUTE, prefix);
}

int burrow_netconf_route_del(struct burrow_netconf *nc, const struct burrow_prefix *prefix)
{
	return item_del(nc, BURROW_NETCONF_ROUTE, prefix);
}

int burrow_netconf_get_mtu(struct burrow_netconf *nc, unsigned int *mtu)
{
	struct rtnl_link *link = NULL;
	int err = rtnl_link_get_kernel(nc->sock, nc->ifindex, NULL, &link);

	if (err < 0)
		return fail(nc, err, "link get", NULL);
	*mtu = rtnl_link_get_mtu(link);
	rtnl_link_put(link);
	return 0;
}

int burrow_netconf_set_mtu(struct burrow_netconf *nc, unsigned int mtu)
{
	struct rtnl_link *link = NULL, *change;
	unsigned int current;
	int err;

	err = rtnl_link_get_kernel(nc->sock, nc->ifindex, NULL, &link);
	if (err < 0)
		return fail(nc, err, "link get", NULL);
	current = rtnl_link_get_mtu(link);
	if (current == mtu) {
		rtnl_link_put(link);
		return 0;
	}
	change = rtnl_link_alloc();
	if (!change) {
		rtnl_link_put(link);
		snprintf(nc->why, sizeof(nc->why), "link set mtu %u: out of memory", mtu);
		return -ENOMEM;
	}
	rtnl_link_set_mtu(change, mtu);
	err = rtnl_link_change(nc->sock, link, change, 0);
	rtnl_link_put(change);
	rtnl_link_put(link);
	if (err < 0) {
		char what[40];

		snprintf(what, sizeof(what), "link set mtu %u", mtu);
		return fail(nc, err, what, NULL);
	}
	if (!nc->mtu_changed) {
		nc->mtu_changed = true;
		nc->original_mtu = current;
	}
	return 0;
}

void burrow_netconf_close(struct burrow_netconf *nc)
{
	if (!nc->sock)
		return;
	/* Routes first: removing an address can take routes through it along. */
	for (size_t pass = 0; pass < 2; pass++) {
		enum burrow_netconf_kind kind = pass ? BURROW_NETCONF_ADDRESS : BURROW_NETCONF_ROUTE;

		for (size_t i = nc->n_items; i-- > 0;) {
			if (nc->items[i].kind != kind)
				continue;
			nc->items[i].refs = 1;
			item_del(nc, kind, &nc->items[i].prefix);
		}
	}
	if (nc->mtu_changed)
		burrow_netconf_set_mtu(nc, nc->original_mtu);
	free(nc->items);
	nl_socket_free(nc->sock);
	memset(nc, 0, sizeof(*nc));
}
