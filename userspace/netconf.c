// SPDX-License-Identifier: GPL-2.0
/* Addresses, routes and MTU of the burrow device: see netconf.h. */
#include <arpa/inet.h>
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

#include "log.h"
#include "netconf.h"
#include "store.h"

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
		const struct burrow_nl_prefix *p)
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
					const struct burrow_nl_prefix *p)
{
	for (size_t i = 0; i < nc->n_items; i++) {
		const struct burrow_nl_prefix *q = &nc->items[i].prefix;

		if (nc->items[i].kind == kind && q->family == p->family && q->len == p->len &&
		    !memcmp(q->addr.bytes, p->addr.bytes, sizeof(q->addr.bytes)))
			return &nc->items[i];
	}
	return NULL;
}

bool burrow_netconf_has(const struct burrow_netconf *nc, enum burrow_netconf_kind kind,
			const struct burrow_nl_prefix *prefix)
{
	const struct burrow_netconf_item *item = find(nc, kind, prefix);

	return item && !item->leftover;
}

/* "10.99.0.2/32" with the host bits kept (addresses), as the store keeps it. */
static void item_text(const struct burrow_nl_prefix *p, char *buf, size_t size)
{
	burrow_prefix_format(p, buf, size);
}

static bool item_parse(const char *text, struct burrow_nl_prefix *p)
{
	return burrow_text_parse_prefix(text, BURROW_TEXT_PREFIX_LEN_REQUIRED |
					BURROW_TEXT_PREFIX_HOST_BITS, p, NULL, 0) == 0;
}

static enum burrow_installed_kind store_kind(enum burrow_netconf_kind kind)
{
	return kind == BURROW_NETCONF_ADDRESS ? BURROW_INSTALLED_ADDRESS : BURROW_INSTALLED_ROUTE;
}

/* Keep the store's record in step; a failure is logged by the store and
 * costs only the kill -9 recovery of this one item. */
static void record(struct burrow_netconf *nc, const struct burrow_netconf_item *item, bool present)
{
	char text[64];

	if (!nc->store)
		return;
	item_text(&item->prefix, text, sizeof(text));
	if (present)
		burrow_store_installed_add(nc->store, nc->device, store_kind(item->kind), text,
					   item->has_owner ? item->owner : NULL);
	else
		burrow_store_installed_del(nc->store, nc->device, store_kind(item->kind), text);
}

bool burrow_netconf_leftover_for(const struct burrow_netconf *nc, const struct burrow_nl_prefix *prefix,
				 const uint8_t owner[32])
{
	const struct burrow_netconf_item *item = find(nc, BURROW_NETCONF_ADDRESS, prefix);

	return item && item->leftover && item->has_owner && !memcmp(item->owner, owner, 32);
}

static struct nl_addr *to_nl_addr(const struct burrow_nl_prefix *p)
{
	struct nl_addr *a = nl_addr_build(p->family, p->addr.bytes, p->family == AF_INET ? 4 : 16);

	if (a)
		nl_addr_set_prefixlen(a, p->len);
	return a;
}

/* Build the libnl object for an item; NULL when out of memory. */
static struct rtnl_addr *make_addr(struct burrow_netconf *nc, const struct burrow_nl_prefix *p)
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

static struct rtnl_route *make_route(struct burrow_netconf *nc, const struct burrow_nl_prefix *p)
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
			const struct burrow_nl_prefix *p, bool add)
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
		    const struct burrow_nl_prefix *p, const uint8_t *owner)
{
	const char *what = kind == BURROW_NETCONF_ADDRESS ? "address add" : "route add";
	struct burrow_netconf_item *item = find(nc, kind, p);
	int err;

	if (item && item->leftover) {
		/* Ours from before a kill -9, granted again: adopt it, no EEXIST. */
		char text[64];

		item_text(p, text, sizeof(text));
		burrow_log(BURROW_LOG_INFO, "adopting leftover %s %s on %s",
			   kind == BURROW_NETCONF_ADDRESS ? "address" : "route", text, nc->device);
		item->leftover = false;
		item->refs = 1;
		item->has_owner = owner != NULL;
		if (owner)
			memcpy(item->owner, owner, 32);
		record(nc, item, true);
		return 0;
	}
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
	item->has_owner = owner != NULL;
	if (owner)
		memcpy(item->owner, owner, 32);
	record(nc, item, true);
	return 0;
}

static int item_del(struct burrow_netconf *nc, enum burrow_netconf_kind kind,
		    const struct burrow_nl_prefix *p)
{
	const char *what = kind == BURROW_NETCONF_ADDRESS ? "address del" : "route del";
	struct burrow_netconf_item *item = find(nc, kind, p);
	int err;

	if (!item || item->leftover || --item->refs)
		return 0;	/* not ours, not claimed, or still needed */
	err = kernel_apply(nc, kind, p, false);
	record(nc, item, false);
	*item = nc->items[--nc->n_items];
	/* Gone already (the device went down, an operator removed it): fine. */
	if (err < 0 && err != -NLE_OBJ_NOTFOUND && err != -NLE_NOADDR && err != -NLE_NODEV)
		return fail(nc, err, what, p);
	return 0;
}

int burrow_netconf_address_add(struct burrow_netconf *nc, const struct burrow_nl_prefix *address)
{
	return item_add(nc, BURROW_NETCONF_ADDRESS, address, NULL);
}

int burrow_netconf_address_add_for(struct burrow_netconf *nc, const struct burrow_nl_prefix *address,
				   const uint8_t *owner)
{
	return item_add(nc, BURROW_NETCONF_ADDRESS, address, owner);
}

int burrow_netconf_route_add_for(struct burrow_netconf *nc, const struct burrow_nl_prefix *prefix,
				 const uint8_t *owner)
{
	return item_add(nc, BURROW_NETCONF_ROUTE, prefix, owner);
}

int burrow_netconf_address_del(struct burrow_netconf *nc, const struct burrow_nl_prefix *address)
{
	return item_del(nc, BURROW_NETCONF_ADDRESS, address);
}

int burrow_netconf_route_add(struct burrow_netconf *nc, const struct burrow_nl_prefix *prefix)
{
	return item_add(nc, BURROW_NETCONF_ROUTE, prefix, NULL);
}

int burrow_netconf_route_del(struct burrow_netconf *nc, const struct burrow_nl_prefix *prefix)
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

/* ---- after kill -9: the device against the store's record ---------------------- */

static bool same_prefix(const struct burrow_nl_prefix *a, struct nl_addr *b)
{
	size_t bytes = a->family == AF_INET ? 4 : 16;

	return b && nl_addr_get_family(b) == a->family && nl_addr_get_len(b) == bytes &&
	       nl_addr_get_prefixlen(b) == a->len && !memcmp(nl_addr_get_binary_addr(b), a->addr.bytes, bytes);
}

/* Whether the device carries p now: an address with exactly that local
 * address and length, or a main-table route to p through the device. */
static bool on_device(struct burrow_netconf *nc, struct nl_cache *addrs, struct nl_cache *routes,
		      enum burrow_netconf_kind kind, const struct burrow_nl_prefix *p)
{
	if (kind == BURROW_NETCONF_ADDRESS) {
		for (struct nl_object *o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
			struct rtnl_addr *a = (struct rtnl_addr *)o;

			if (rtnl_addr_get_ifindex(a) == nc->ifindex &&
			    same_prefix(p, rtnl_addr_get_local(a)))
				return true;
		}
		return false;
	}
	for (struct nl_object *o = nl_cache_get_first(routes); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o;
		struct rtnl_nexthop *nh;

		if (rtnl_route_get_table(r) != RT_TABLE_MAIN || rtnl_route_get_nnexthops(r) != 1 ||
		    !same_prefix(p, rtnl_route_get_dst(r)))
			continue;
		nh = rtnl_route_nexthop_n(r, 0);
		if (nh && rtnl_route_nh_get_ifindex(nh) == nc->ifindex)
			return true;
	}
	return false;
}

int burrow_netconf_recover(struct burrow_netconf *nc, struct burrow_store *store,
			   const char *device)
{
	struct nl_cache *addrs = NULL, *routes = NULL;
	struct burrow_installed *rows = NULL;
	size_t n_rows = 0;
	int err, found = 0;

	nc->store = store;
	snprintf(nc->device, sizeof(nc->device), "%s", device);
	if (!store)
		return 0;
	if (burrow_store_installed_list(store, device, &rows, &n_rows) < 0) {
		snprintf(nc->why, sizeof(nc->why), "installed on %s: %s", device,
			 burrow_store_error(store));
		return -EIO;
	}
	if (!n_rows)
		goto out;
	err = rtnl_addr_alloc_cache(nc->sock, &addrs);
	if (err >= 0)
		err = rtnl_route_alloc_cache(nc->sock, AF_UNSPEC, 0, &routes);
	if (err < 0) {
		found = fail(nc, err, "address and route dump", NULL);
		goto out;
	}
	for (size_t i = 0; i < n_rows; i++) {
		enum burrow_netconf_kind kind = rows[i].kind == BURROW_INSTALLED_ADDRESS ?
						BURROW_NETCONF_ADDRESS : BURROW_NETCONF_ROUTE;
		const char *what = kind == BURROW_NETCONF_ADDRESS ? "address" : "route";
		struct burrow_netconf_item *item;
		struct burrow_nl_prefix p;

		if (!item_parse(rows[i].prefix, &p) || !on_device(nc, addrs, routes, kind, &p)) {
			/* Gone with the device, or removed by hand: nothing to do. */
			burrow_store_installed_del(store, device, rows[i].kind, rows[i].prefix);
			continue;
		}
		if (nc->n_items == nc->cap) {
			size_t cap = nc->cap ? nc->cap * 2 : 8;
			struct burrow_netconf_item *grown = realloc(nc->items, cap * sizeof(*grown));

			if (!grown) {
				snprintf(nc->why, sizeof(nc->why), "leftovers: out of memory");
				found = -ENOMEM;
				goto out;
			}
			nc->items = grown;
			nc->cap = cap;
		}
		item = &nc->items[nc->n_items++];
		memset(item, 0, sizeof(*item));
		item->kind = kind;
		item->prefix = p;
		item->leftover = true;
		item->has_owner = rows[i].has_owner;
		memcpy(item->owner, rows[i].owner, 32);
		burrow_log(BURROW_LOG_INFO, "leftover %s %s on %s from an earlier run", what,
			   rows[i].prefix, device);
		found++;
	}
out:
	nl_cache_free(addrs);	/* NULL is fine */
	nl_cache_free(routes);
	free(rows);
	return found;
}

size_t burrow_netconf_sweep(struct burrow_netconf *nc,
			    bool (*keep)(void *ctx, const struct burrow_netconf_item *item),
			    void *ctx)
{
	size_t removed = 0;

	/* Routes first, as in close. */
	for (size_t pass = 0; pass < 2; pass++) {
		enum burrow_netconf_kind kind = pass ? BURROW_NETCONF_ADDRESS : BURROW_NETCONF_ROUTE;

		for (size_t i = nc->n_items; i-- > 0;) {
			struct burrow_netconf_item *item = &nc->items[i];
			char text[64];

			if (item->kind != kind || !item->leftover || (keep && keep(ctx, item)))
				continue;
			struct burrow_nl_prefix p = item->prefix;	/* item_del moves the array */

			item_text(&p, text, sizeof(text));
			burrow_log(BURROW_LOG_INFO,
				   "removing leftover %s %s on %s: installed by an earlier run, not granted again",
				   kind == BURROW_NETCONF_ADDRESS ? "address" : "route", text, nc->device);
			item->leftover = false;
			item->refs = 1;
			if (item_del(nc, kind, &p))
				burrow_log(BURROW_LOG_WARNING, "%s", nc->why);
			removed++;
		}
	}
	return removed;
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
			nc->items[i].leftover = false;
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
