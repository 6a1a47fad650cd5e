// SPDX-License-Identifier: GPL-2.0
/* Addresses, routes and MTU of the burrow device: see netconf.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "burrow-rtnl.h"
#include "log.h"
#include "netconf.h"
#include "store.h"

/* nc->why: the operation, its prefix (if any) and the kernel's reason; returns err. */
static int fail(struct burrow_netconf *nc, int err, const char *what,
		const struct burrow_nl_prefix *p)
{
	char text[64] = "";

	if (p)
		burrow_prefix_format(p, text, sizeof(text));
	snprintf(nc->why, sizeof(nc->why), "%s%s%s: %s", what, p ? " " : "", text, nc->rtnl.why);
	return err;
}

int burrow_netconf_open(struct burrow_netconf *nc, int ifindex)
{
	int err;

	memset(nc, 0, sizeof(*nc));
	nc->ifindex = ifindex;
	err = burrow_rtnl_open(&nc->rtnl);
	if (err < 0)
		return fail(nc, err, "rtnetlink socket", NULL);
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

/* Ask the kernel; 0 or a negative errno (nc->rtnl.why says why). */
static int kernel_apply(struct burrow_netconf *nc, enum burrow_netconf_kind kind,
			const struct burrow_nl_prefix *p, bool add)
{
	if (kind == BURROW_NETCONF_ADDRESS)
		return burrow_rtnl_addr(&nc->rtnl, add, nc->ifindex, p);
	return burrow_rtnl_route(&nc->rtnl, add, nc->ifindex, p);
}

/* Make item burrowd's, held once, for owner (NULL: the node's own), and record it. */
static void item_claim(struct burrow_netconf *nc, struct burrow_netconf_item *item,
		       const uint8_t *owner)
{
	item->leftover = false;
	item->refs = 1;
	item->has_owner = owner != NULL;
	if (owner)
		memcpy(item->owner, owner, 32);
	record(nc, item, true);
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
		item_claim(nc, item, owner);
		return 0;
	}
	if (item) {
		item->refs++;
		return 0;
	}
	err = kernel_apply(nc, kind, p, true);
	if (err == -EEXIST)
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
	item_claim(nc, item, owner);
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
	if (err < 0 && err != -ESRCH && err != -ENOENT && err != -EADDRNOTAVAIL && err != -ENODEV)
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
	uint32_t current;
	int err = burrow_rtnl_mtu_get(&nc->rtnl, nc->ifindex, &current);

	if (err < 0)
		return fail(nc, err, "link get", NULL);
	*mtu = current;
	return 0;
}

int burrow_netconf_set_mtu(struct burrow_netconf *nc, unsigned int mtu)
{
	uint32_t current;
	int err;

	err = burrow_rtnl_mtu_get(&nc->rtnl, nc->ifindex, &current);
	if (err < 0)
		return fail(nc, err, "link get", NULL);
	if (current == mtu)
		return 0;
	err = burrow_rtnl_mtu_set(&nc->rtnl, nc->ifindex, mtu);
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

/* A device's addresses (host bits kept) and the routes through it, as dumped. */
struct on_device {
	struct burrow_nl_prefix *addrs, *routes;
	size_t n_addrs, n_routes;
};

/* Whether the device carries p now: an address with exactly that local
 * address and length, or a main-table route to p through the device. */
static bool on_device(const struct on_device *dev, enum burrow_netconf_kind kind,
		      const struct burrow_nl_prefix *p)
{
	const struct burrow_nl_prefix *list = kind == BURROW_NETCONF_ADDRESS ? dev->addrs : dev->routes;
	size_t n = kind == BURROW_NETCONF_ADDRESS ? dev->n_addrs : dev->n_routes;

	for (size_t i = 0; i < n; i++) {
		if (burrow_text_prefix_equal(&list[i], p))
			return true;
	}
	return false;
}

int burrow_netconf_recover(struct burrow_netconf *nc, struct burrow_store *store,
			   const char *device)
{
	struct on_device dev = { 0 };
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
	err = burrow_rtnl_addr_list(&nc->rtnl, nc->ifindex, &dev.addrs, &dev.n_addrs);
	if (err >= 0)
		err = burrow_rtnl_route_list(&nc->rtnl, nc->ifindex, &dev.routes, &dev.n_routes);
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

		if (!item_parse(rows[i].prefix, &p) || !on_device(&dev, kind, &p)) {
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
	free(dev.addrs);
	free(dev.routes);
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
	if (!nc->rtnl.sock)
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
	burrow_rtnl_close(&nc->rtnl);
	memset(nc, 0, sizeof(*nc));
}
