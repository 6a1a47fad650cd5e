// SPDX-License-Identifier: GPL-2.0
/*
 * Drop and event counters: per-CPU arrays summed on read, exposed in sysfs
 * as /sys/class/net/<dev>/burrow/<reason> and over netlink as dev-stats.
 */

#include <linux/netdevice.h>
#include <linux/sysfs.h>

#include "device.h"
#include "stats.h"

static const char *const burrow_drop_names[BURROW_DROP_MAX] = {
#define BURROW_DROP_NAME(name, reason, attr) [reason] = #name,
	BURROW_DROP_REASONS(BURROW_DROP_NAME)
#undef BURROW_DROP_NAME
};

static const char *const burrow_count_names[BURROW_COUNT_MAX] = {
#define BURROW_COUNT_NAME(name, what, attr) [what] = #name,
	BURROW_COUNTS(BURROW_COUNT_NAME)
#undef BURROW_COUNT_NAME
};

const char *burrow_drop_reason_name(enum burrow_drop_reason reason)
{
	return reason < BURROW_DROP_MAX ? burrow_drop_names[reason] : "?";
}

const char *burrow_count_name(enum burrow_count what)
{
	return what < BURROW_COUNT_MAX ? burrow_count_names[what] : "?";
}

void burrow_stats_drop(struct burrow_device *bdev, enum burrow_drop_reason reason, bool rx)
{
	this_cpu_inc(bdev->stats->drops[reason]);
	if (rx)
		dev_core_stats_rx_dropped_inc(bdev->dev);
	else
		dev_core_stats_tx_dropped_inc(bdev->dev);
}

void burrow_stats_count(struct burrow_device *bdev, enum burrow_count what)
{
	this_cpu_inc(bdev->stats->counts[what]);
}

/*
 * Sums are read without synchronisation: each per-CPU u64 is written by
 * one CPU with a single store on 64-bit, so a reader sees a value that was
 * true at some recent moment, which is all a counter promises.
 */
static u64 burrow_stats_sum(const struct burrow_device *bdev, bool is_drop, unsigned int index)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct burrow_dev_stats *stats = per_cpu_ptr(bdev->stats, cpu);

		sum += READ_ONCE(*(is_drop ? &stats->drops[index] : &stats->counts[index]));
	}
	return sum;
}

u64 burrow_stats_drop_sum(const struct burrow_device *bdev, enum burrow_drop_reason reason)
{
	return burrow_stats_sum(bdev, true, reason);
}

u64 burrow_stats_count_sum(const struct burrow_device *bdev, enum burrow_count what)
{
	return burrow_stats_sum(bdev, false, what);
}

/* sysfs: one read-only file per counter, under the group directory "burrow". */
struct burrow_stats_attribute {
	struct device_attribute attr;
	bool is_drop;
	unsigned int index;
};

static ssize_t burrow_stats_show(struct device *d, struct device_attribute *attr, char *buf)
{
	struct burrow_stats_attribute *stat =
		container_of(attr, struct burrow_stats_attribute, attr);
	struct burrow_device *bdev = burrow_device_from_netdev(to_net_dev(d));

	return sysfs_emit(buf, "%llu\n", burrow_stats_sum(bdev, stat->is_drop, stat->index));
}

#define BURROW_DROP_SYSFS(_name, _reason, _attr)				\
	static struct burrow_stats_attribute burrow_attr_##_name = {		\
		.attr = __ATTR(_name, 0444, burrow_stats_show, NULL),		\
		.is_drop = true, .index = _reason };
#define BURROW_COUNT_SYSFS(_name, _what, _attr)					\
	static struct burrow_stats_attribute burrow_attr_##_name = {		\
		.attr = __ATTR(_name, 0444, burrow_stats_show, NULL),		\
		.is_drop = false, .index = _what };
BURROW_DROP_REASONS(BURROW_DROP_SYSFS)
BURROW_COUNTS(BURROW_COUNT_SYSFS)
#undef BURROW_DROP_SYSFS
#undef BURROW_COUNT_SYSFS

#define BURROW_STATS_SYSFS_ATTR(_name, _index, _attr) &burrow_attr_##_name.attr.attr,
static struct attribute *burrow_stats_attrs[] = {
	BURROW_DROP_REASONS(BURROW_STATS_SYSFS_ATTR)
	BURROW_COUNTS(BURROW_STATS_SYSFS_ATTR)
	NULL
};
#undef BURROW_STATS_SYSFS_ATTR

/* Every drop reason must have its sysfs file. */
static_assert(ARRAY_SIZE(burrow_stats_attrs) == BURROW_DROP_MAX + BURROW_COUNT_MAX + 1);

const struct attribute_group burrow_stats_sysfs_group = {
	.name = "burrow",
	.attrs = burrow_stats_attrs,
};
