// SPDX-License-Identifier: GPL-2.0
/* Sequential, sticky address pool: see pool.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "connectip.h"
#include "log.h"
#include "pool.h"

void burrow_pool_init(struct burrow_pool *pool, const struct burrow_prefix_list *ranges,
		      const struct burrow_prefix_list *reserved)
{
	memset(pool, 0, sizeof(*pool));
	pool->ranges = ranges;
	pool->reserved = reserved;
}

void burrow_pool_free(struct burrow_pool *pool)
{
	free(pool->leases);
	pool->leases = NULL;
	pool->n_leases = pool->cap = 0;
}

bool burrow_pool_serves(const struct burrow_pool *pool, int family)
{
	for (size_t i = 0; pool->ranges && i < pool->ranges->n; i++)
		if (pool->ranges->items[i].family == family)
			return true;
	return false;
}

static void host_prefix(int family, const uint8_t *addr, struct burrow_nl_prefix *out)
{
	memset(out, 0, sizeof(*out));
	out->family = family;
	out->len = (uint8_t)burrow_family_bits(family);
	memcpy(out->addr.bytes, addr, out->len / 8);
}

/* The pool prefix holding host, or NULL. */
static const struct burrow_nl_prefix *range_of(const struct burrow_pool *pool,
					    const struct burrow_nl_prefix *host)
{
	for (size_t i = 0; pool->ranges && i < pool->ranges->n; i++)
		if (burrow_prefix_contains(&pool->ranges->items[i], host))
			return &pool->ranges->items[i];
	return NULL;
}

/* Network, broadcast (IPv4) and the node's own addresses are never leased. */
static bool usable(const struct burrow_pool *pool, const struct burrow_nl_prefix *host)
{
	const struct burrow_nl_prefix *range = range_of(pool, host);
	struct burrow_ip_range span;
	size_t bytes = burrow_family_bits(host->family) / 8;

	if (!range)
		return false;
	burrow_prefix_to_range(range, &span);
	if (!memcmp(span.start, host->addr.bytes, bytes))
		return false;
	if (host->family == AF_INET && !memcmp(span.end, host->addr.bytes, bytes))
		return false;
	for (size_t i = 0; pool->reserved && i < pool->reserved->n; i++) {
		const struct burrow_nl_prefix *own = &pool->reserved->items[i];

		if (own->family == host->family && !memcmp(own->addr.bytes, host->addr.bytes, bytes))
			return false;
	}
	return true;
}

static struct burrow_pool_lease *holder(const struct burrow_pool *pool,
					const struct burrow_nl_prefix *host)
{
	for (size_t i = 0; i < pool->n_leases; i++)
		if (burrow_text_prefix_equal(&pool->leases[i].address, host))
			return &pool->leases[i];
	return NULL;
}

const struct burrow_pool_lease *burrow_pool_lease_of(const struct burrow_pool *pool,
						     const uint8_t public_key[32], int family)
{
	for (size_t i = 0; i < pool->n_leases; i++)
		if (!memcmp(pool->leases[i].public_key, public_key, 32) &&
		    pool->leases[i].address.family == family)
			return &pool->leases[i];
	return NULL;
}

/* Set the peer's lease of host's family to host. */
static int lease_set(struct burrow_pool *pool, const uint8_t public_key[32],
		     const struct burrow_nl_prefix *host)
{
	struct burrow_pool_lease *l = (struct burrow_pool_lease *)burrow_pool_lease_of(pool,
						public_key, host->family);

	if (!l) {
		if (pool->n_leases == pool->cap) {
			size_t cap = pool->cap ? pool->cap * 2 : 16;
			struct burrow_pool_lease *grown = realloc(pool->leases, cap * sizeof(*grown));

			if (!grown)
				return -ENOMEM;
			pool->leases = grown;
			pool->cap = cap;
		}
		l = &pool->leases[pool->n_leases++];
		memcpy(l->public_key, public_key, 32);
	}
	l->address = *host;
	return 0;
}

int burrow_pool_restore(struct burrow_pool *pool, const uint8_t public_key[32],
			const struct burrow_nl_prefix *address, char *why, size_t why_size)
{
	struct burrow_nl_prefix host;
	char text[64];

	host_prefix(address->family, address->addr.bytes, &host);
	burrow_prefix_format(&host, text, sizeof(text));
	if (address->len != host.len || !usable(pool, &host)) {
		burrow_errorf(why, why_size, "lease '%s' is not an address of the pool", text);
		return -EINVAL;
	}
	if (holder(pool, &host)) {
		burrow_errorf(why, why_size, "lease '%s' is held twice", text);
		return -EADDRINUSE;
	}
	return lease_set(pool, public_key, &host);
}

/* Add one to a big-endian address of bytes bytes; false on wrap-around. */
static bool increment(uint8_t *addr, size_t bytes)
{
	for (size_t i = bytes; i-- > 0;)
		if (++addr[i])
			return true;
	return false;
}

int burrow_pool_assign(struct burrow_pool *pool, const uint8_t public_key[32],
		       const struct burrow_nl_prefix *wanted, struct burrow_nl_prefix *out, bool *changed,
		       char *why, size_t why_size)
{
	const struct burrow_pool_lease *mine = burrow_pool_lease_of(pool, public_key, wanted->family);
	size_t bytes = burrow_family_bits(wanted->family) / 8;
	struct burrow_pool_lease *other;
	struct burrow_nl_prefix host;
	char text[64];
	int ret;

	*changed = false;
	if (!burrow_pool_serves(pool, wanted->family)) {
		burrow_errorf(why, why_size, "no IPv%d address pool", wanted->family == AF_INET ? 4 : 6);
		return -EAFNOSUPPORT;
	}
	if (burrow_address_is_unspecified(wanted)) {
		if (mine) {
			*out = mine->address;
			return 0;
		}
		for (size_t r = 0; r < pool->ranges->n; r++) {
			const struct burrow_nl_prefix *range = &pool->ranges->items[r];
			struct burrow_ip_range span;

			if (range->family != wanted->family)
				continue;
			burrow_prefix_to_range(range, &span);
			host_prefix(range->family, span.start, &host);
			/* Bounded by the leases and reserved addresses passed over. */
			while (increment(host.addr.bytes, bytes) && burrow_prefix_contains(range, &host)) {
				if (!usable(pool, &host) || holder(pool, &host))
					continue;
				ret = lease_set(pool, public_key, &host);
				if (ret)
					return ret;
				*out = host;
				*changed = true;
				return 0;
			}
		}
		burrow_errorf(why, why_size, "the IPv%d address pool is exhausted",
			wanted->family == AF_INET ? 4 : 6);
		return -ENOSPC;
	}
	host_prefix(wanted->family, wanted->addr.bytes, &host);
	burrow_prefix_format(wanted, text, sizeof(text));
	if (!usable(pool, &host)) {
		burrow_errorf(why, why_size, "'%s' is not an address of the pool", text);
		return -EADDRNOTAVAIL;
	}
	other = holder(pool, &host);
	if (other && memcmp(other->public_key, public_key, 32)) {
		burrow_errorf(why, why_size, "'%s' is leased to another peer", text);
		return -EADDRINUSE;
	}
	*changed = !mine || !burrow_text_prefix_equal(&mine->address, &host);
	ret = lease_set(pool, public_key, &host);
	if (ret)
		return ret;
	*out = host;
	return 0;
}
