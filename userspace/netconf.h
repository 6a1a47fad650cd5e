/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interface setup through libburrow-nl's rtnetlink client: addresses on the burrow device,
 * routes through it, its MTU. burrowd remembers what it added, and only
 * that is ever removed: an address or route that was already there when
 * burrowd wanted it (EEXIST) is left alone and not recorded; the MTU is put
 * back to what it was only if burrowd changed it.
 *
 * Each record is reference-counted: two reasons for one route (a pool lease
 * and an accepted route, say) add it once and remove it with the last.
 *
 * With a store (burrow_netconf_recover), every record is also a row of the
 * state database (store.h "installed"), written once the kernel accepted
 * it and deleted once burrowd removed it. After kill -9 those rows name
 * the leftovers: recover turns each one still on the device into a
 * leftover record (refs 0). A later add of the same prefix adopts it
 * (no EEXIST, burrowd owns it again); burrow_netconf_sweep removes the
 * leftovers nobody re-granted, logging each. Addresses and routes without
 * a row (an operator's own) are never touched.
 * Every function returns 0 or a negative errno with nc->why naming the
 * operation and the prefix.
 */
#ifndef BURROW_NETCONF_H
#define BURROW_NETCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "burrow-rtnl.h"
#include "config.h"

struct burrow_store;

enum burrow_netconf_kind { BURROW_NETCONF_ADDRESS, BURROW_NETCONF_ROUTE };

struct burrow_netconf_item {
	enum burrow_netconf_kind kind;
	struct burrow_nl_prefix prefix;	/* an address keeps its host bits */
	unsigned int refs;		/* 0 only while leftover */
	bool leftover;			/* an earlier run's, not yet adopted */
	bool has_owner;
	uint8_t owner[32];		/* the peer it was installed for */
};

struct burrow_netconf {
	struct burrow_rtnl rtnl;	/* rtnl.sock NULL: not open */
	int ifindex;
	struct burrow_netconf_item *items;
	size_t n_items, cap;
	struct burrow_store *store;	/* NULL: nothing recorded */
	char device[16];
	bool mtu_changed;
	unsigned int original_mtu;
	char why[300];
};

int burrow_netconf_open(struct burrow_netconf *nc, int ifindex);
/* Remove everything recorded, restore the MTU, close. */
void burrow_netconf_close(struct burrow_netconf *nc);

int burrow_netconf_address_add(struct burrow_netconf *nc, const struct burrow_nl_prefix *address);
int burrow_netconf_address_del(struct burrow_netconf *nc, const struct burrow_nl_prefix *address);
int burrow_netconf_route_add(struct burrow_netconf *nc, const struct burrow_nl_prefix *prefix);
int burrow_netconf_route_del(struct burrow_netconf *nc, const struct burrow_nl_prefix *prefix);
/* The same, recording owner (a peer's public key; NULL: the node's own). */
int burrow_netconf_address_add_for(struct burrow_netconf *nc, const struct burrow_nl_prefix *address,
				   const uint8_t *owner);
int burrow_netconf_route_add_for(struct burrow_netconf *nc, const struct burrow_nl_prefix *prefix,
				 const uint8_t *owner);

/*
 * Start recording in store under device, and load an earlier run's rows:
 * each one whose address or route is still on the device becomes a
 * leftover record, the others are forgotten. Returns the number of
 * leftovers, or a negative errno (why set).
 */
int burrow_netconf_recover(struct burrow_netconf *nc, struct burrow_store *store,
			   const char *device);
/* Whether prefix is a leftover address installed for owner. */
bool burrow_netconf_leftover_for(const struct burrow_netconf *nc, const struct burrow_nl_prefix *prefix,
				 const uint8_t owner[32]);
/*
 * Remove the leftovers keep() refuses (keep NULL: all of them), each logged
 * as "removing leftover address 10.55.0.2/32 ...". Returns how many went.
 */
size_t burrow_netconf_sweep(struct burrow_netconf *nc,
			    bool (*keep)(void *ctx, const struct burrow_netconf_item *item),
			    void *ctx);

/* Whether burrowd added (and still holds) this address / route. */
bool burrow_netconf_has(const struct burrow_netconf *nc, enum burrow_netconf_kind kind,
			const struct burrow_nl_prefix *prefix);

/* Set the device MTU (the first change remembers the original). */
int burrow_netconf_set_mtu(struct burrow_netconf *nc, unsigned int mtu);
int burrow_netconf_get_mtu(struct burrow_netconf *nc, unsigned int *mtu);

#endif /* BURROW_NETCONF_H */
