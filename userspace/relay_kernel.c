// SPDX-License-Identifier: GPL-2.0
/*
 * The relay role's kernel side (relay_admit.h's ops) on the device burrowd
 * runs: netlink relay-new/set/del through libburrow-nl. The library's
 * relay calls are built by another change (branch krelay); until
 * netlink/lib defines them (the Makefile looks, BURROW_HAVE_NL_RELAY),
 * every call fails with -EOPNOTSUPP, so the relay admits a first party
 * but refuses to complete a pair ("unavailable"): fail-closed.
 */
#include <errno.h>

#include "kernel.h"
#include "relay_admit.h"

#ifdef BURROW_HAVE_NL_RELAY
static int k_new(void *arg, const struct burrow_nl_relay *e)
{
	struct burrow_kernel *k = arg;

	return burrow_nl_relay_new(k->nl, &(struct burrow_nl_dev_ref){ .ifindex = k->ifindex }, e);
}

static int k_set(void *arg, const struct burrow_nl_relay *e)
{
	struct burrow_kernel *k = arg;

	return burrow_nl_relay_set(k->nl, &(struct burrow_nl_dev_ref){ .ifindex = k->ifindex }, e);
}

static int k_del(void *arg, uint32_t ticket)
{
	struct burrow_kernel *k = arg;

	return burrow_nl_relay_del(k->nl, &(struct burrow_nl_dev_ref){ .ifindex = k->ifindex },
				   ticket);
}
#else
static int k_new(void *arg, const struct burrow_nl_relay *e)
{
	(void)arg;
	(void)e;
	return -EOPNOTSUPP;
}

static int k_set(void *arg, const struct burrow_nl_relay *e)
{
	(void)arg;
	(void)e;
	return -EOPNOTSUPP;
}

static int k_del(void *arg, uint32_t ticket)
{
	(void)arg;
	(void)ticket;
	return -EOPNOTSUPP;
}
#endif

struct burrow_relay_ops burrow_relay_kernel_ops(struct burrow_kernel *k)
{
	return (struct burrow_relay_ops){
		.entry_new = k_new, .entry_set = k_set, .entry_del = k_del, .arg = k,
	};
}
