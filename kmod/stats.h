/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BURROW_STATS_H
#define _BURROW_STATS_H

#include <linux/percpu.h>
#include <linux/types.h>

struct burrow_device;
struct net_device;
struct attribute_group;

/*
 * enum burrow_drop_reason and enum burrow_count are generated from the
 * dev-stats attributes of netlink/burrow.yaml, with the tables that name
 * them (sysfs file names under /sys/class/net/<dev>/burrow/, netlink
 * dev-stats attributes): a new reason is added there and counted here.
 */
#include "stats_gen.h"

/* Per-CPU; each CPU writes only its own, readers sum. */
struct burrow_dev_stats {
	u64 drops[BURROW_DROP_MAX];
	u64 counts[BURROW_COUNT_MAX];
	/*
	 * Packets this CPU's crypt workers encrypted [0] and decrypted [1]
	 * (enum burrow_crypt_direction); debugfs shows them per CPU.
	 */
	u64 crypt[2];
};

/*
 * Count a drop. Also feeds the netdev's rx_dropped/tx_dropped so that
 * 'ip -s link' agrees with the per-reason counters.
 */
void burrow_stats_drop(struct burrow_device *bdev, enum burrow_drop_reason reason, bool rx);
void burrow_stats_count(struct burrow_device *bdev, enum burrow_count what);
u64 burrow_stats_drop_sum(const struct burrow_device *bdev, enum burrow_drop_reason reason);
u64 burrow_stats_count_sum(const struct burrow_device *bdev, enum burrow_count what);
const char *burrow_drop_reason_name(enum burrow_drop_reason reason);
const char *burrow_count_name(enum burrow_count what);

extern const struct attribute_group burrow_stats_sysfs_group;

#endif /* _BURROW_STATS_H */
