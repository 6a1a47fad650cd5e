// SPDX-License-Identifier: GPL-2.0
/*
 * The relay role's kernel side (relay_admit.h's ops) on the device burrowd
 * runs: netlink relay-new/set/del through libburrow-nl. A call the
 * kernel refuses fails the admission that needed it ("unavailable"):
 * fail-closed.
 */
#include "kernel.h"
#include "relay_admit.h"

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

struct burrow_relay_ops burrow_relay_kernel_ops(struct burrow_kernel *k)
{
	return (struct burrow_relay_ops){
		.entry_new = k_new, .entry_set = k_set, .entry_del = k_del, .arg = k,
	};
}
