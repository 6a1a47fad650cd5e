/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Address pool: hands peers host addresses (/32, /128) out of the node's
 * address_pool prefixes. Sequential: a peer without a lease gets the lowest
 * free address; a lease is sticky (the caller persists it in the store and
 * loads it back at start). Pure: no I/O.
 *
 * Never handed out: an address outside the pool, the all-zero host of a
 * pool prefix (network / subnet-router anycast), the all-ones host of an
 * IPv4 pool prefix (broadcast), the node's own interface addresses, or an
 * address leased to another peer. One lease per peer and IP version.
 */
#ifndef BURROW_POOL_H
#define BURROW_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct burrow_pool_lease {
	uint8_t public_key[32];
	struct burrow_nl_prefix address;		/* host prefix */
};

struct burrow_pool {
	const struct burrow_prefix_list *ranges;	/* address_pool */
	const struct burrow_prefix_list *reserved;	/* node addresses (host bits set) */
	struct burrow_pool_lease *leases;
	size_t n_leases, cap;
};

void burrow_pool_init(struct burrow_pool *pool, const struct burrow_prefix_list *ranges,
		      const struct burrow_prefix_list *reserved);
void burrow_pool_free(struct burrow_pool *pool);
/* Whether the pool has a prefix of that family. */
bool burrow_pool_serves(const struct burrow_pool *pool, int family);

/*
 * Record a lease (from the store at start). -EINVAL when address is not a
 * usable address of the pool (a pool that shrank: the lease is dropped),
 * -EADDRINUSE when another peer holds it, -ENOMEM.
 */
int burrow_pool_restore(struct burrow_pool *pool, const uint8_t public_key[32],
			const struct burrow_nl_prefix *address, char *why, size_t why_size);

/*
 * An address for public_key. wanted: the requested address; all-zero means
 * "any" (the peer's lease, else the lowest free address). A specific address
 * is granted when it is usable and not another peer's, and then replaces
 * the peer's lease of that family. On success *out is the lease and
 * *changed says whether it is new (to be stored). Errors, with why:
 * -EAFNOSUPPORT (no pool of that family), -EADDRNOTAVAIL (not in the
 * pool / not usable), -EADDRINUSE (another peer's), -ENOSPC (pool full).
 */
int burrow_pool_assign(struct burrow_pool *pool, const uint8_t public_key[32],
		       const struct burrow_nl_prefix *wanted, struct burrow_nl_prefix *out, bool *changed,
		       char *why, size_t why_size);

/* The peer's lease of a family, or NULL. */
const struct burrow_pool_lease *burrow_pool_lease_of(const struct burrow_pool *pool,
						     const uint8_t public_key[32], int family);

#endif /* BURROW_POOL_H */
