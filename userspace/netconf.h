/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interface setup through libnl-route-3: addresses on the burrow device,
 * routes through it, its MTU. burrowd remembers what it added, and only
 * that is ever removed: an address or route that was already there when
 * burrowd wanted it (EEXIST) is left alone and not recorded; the MTU is put
 * back to what it was only if burrowd changed it.
 *
 * Each record is reference-counted: two reasons for one route (a pool lease
 * and an accepted route, say) add it once and remove it with the last.
 * Every function returns 0 or a negative errno with nc->why naming the
 * operation and the prefix.
 */
#ifndef BURROW_NETCONF_H
#define BURROW_NETCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct nl_sock;

enum burrow_netconf_kind { BURROW_NETCONF_ADDRESS, BURROW_NETCONF_ROUTE };

struct burrow_netconf_item {
	enum burrow_netconf_kind kind;
	struct burrow_prefix prefix;	/* an address keeps its host bits */
	unsigned int refs;
};

struct burrow_netconf {
	struct nl_sock *sock;
	int ifindex;
	struct burrow_netconf_item *items;
	size_t n_items, cap;
	bool mtu_changed;
	unsigned int original_mtu;
	char why[300];
};

int burrow_netconf_open(struct burrow_netconf *nc, int ifindex);
/* Remove everything recorded, restore the MTU, close. */
void burrow_netconf_close(struct burrow_netconf *nc);

int burrow_netconf_address_add(struct burrow_netconf *nc, const struct burrow_prefix *address);
int burrow_netconf_address_del(struct burrow_netconf *nc, const struct burrow_prefix *address);
int burrow_netconf_route_add(struct burrow_netconf *nc, const struct burrow_prefix *prefix);
int burrow_netconf_route_del(struct burrow_netconf *nc, const struct burrow_prefix *prefix);
/* Whether burrowd added (and still holds) this address / route. */
bool burrow_netconf_has(const struct burrow_netconf *nc, enum burrow_netconf_kind kind,
			const struct burrow_prefix *prefix);

/* Set the device MTU (the first change remembers the original). */
int burrow_netconf_set_mtu(struct burrow_netconf *nc, unsigned int mtu);
int burrow_netconf_get_mtu(struct burrow_netconf *nc, unsigned int *mtu);

#endif /* BURROW_NETCONF_H */
