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
	[BURROW_DROP_NO_PEER]			= "drop_no_peer",
	[BURROW_DROP_NO_ENDPOINT]		= "drop_no_endpoint",
	[BURROW_DROP_NO_SOCKET]			= "drop_no_socket",
	[BURROW_DROP_NO_KEY]			= "drop_no_key",
	[BURROW_DROP_KEY_EXHAUSTED]		= "drop_key_exhausted",
	[BURROW_DROP_BAD_INNER]			= "drop_bad_inner",
	[BURROW_DROP_ROUTE]			= "drop_route",
	[BURROW_DROP_BAD_HEADER]		= "drop_bad_header",
	[BURROW_DROP_UNKNOWN_ID]		= "drop_unknown_id",
	[BURROW_DROP_DECRYPT]			= "drop_decrypt",
	[BURROW_DROP_REPLAY]			= "drop_replay",
	[BURROW_DROP_SOURCE_NOT_ALLOWED]	= "drop_source_not_allowed",
	[BURROW_DROP_NOMEM]			= "drop_nomem",
	[BURROW_DROP_QUEUE_FULL]		= "drop_queue_full",
	[BURROW_DROP_QUIC_SHORT]		= "drop_quic_short",
	[BURROW_DROP_QUIC_RESERVED]		= "drop_quic_reserved",
	[BURROW_DROP_QUIC_FRAME]		= "drop_quic_frame",
	[BURROW_DROP_QUIC_DATAGRAM_ID]		= "drop_quic_datagram_id",
	[BURROW_DROP_QUEUE_DELAY]		= "drop_queue_delay",
	[BURROW_DROP_DEV_DOWN]			= "drop_dev_down",
};

const char *burrow_drop_reason_name(enum burrow_drop_reason reason)
{
	return reason < BURROW_DROP_MAX ? burrow_drop_names[reason] : "?";
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
u64 burrow_stats_drop_sum(const struct burrow_device *bdev, enum burrow_drop_reason reason)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(bdev->stats, cpu)->drops[reason]);
	return sum;
}

u64 burrow_stats_count_sum(const struct burrow_device *bdev, enum burrow_count what)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(bdev->stats, cpu)->counts[what]);
	return sum;
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

	return sysfs_emit(buf, "%llu\n", stat->is_drop ?
			  burrow_stats_drop_sum(bdev, stat->index) :
			  burrow_stats_count_sum(bdev, stat->index));
}

#define BURROW_DROP_ATTR(_name, _reason)					\
	static struct burrow_stats_attribute burrow_attr_##_name = {		\
		.attr = __ATTR(_name, 0444, burrow_stats_show, NULL),		\
		.is_drop = true, .index = _reason }
#define BURROW_COUNT_ATTR(_name, _what)						\
	static struct burrow_stats_attribute burrow_attr_##_name = {		\
		.attr = __ATTR(_name, 0444, burrow_stats_show, NULL),		\
		.is_drop = false, .index = _what }

BURROW_DROP_ATTR(drop_no_peer, BURROW_DROP_NO_PEER);
BURROW_DROP_ATTR(drop_no_endpoint, BURROW_DROP_NO_ENDPOINT);
BURROW_DROP_ATTR(drop_no_socket, BURROW_DROP_NO_SOCKET);
BURROW_DROP_ATTR(drop_no_key, BURROW_DROP_NO_KEY);
BURROW_DROP_ATTR(drop_key_exhausted, BURROW_DROP_KEY_EXHAUSTED);
BURROW_DROP_ATTR(drop_bad_inner, BURROW_DROP_BAD_INNER);
BURROW_DROP_ATTR(drop_route, BURROW_DROP_ROUTE);
BURROW_DROP_ATTR(drop_bad_header, BURROW_DROP_BAD_HEADER);
BURROW_DROP_ATTR(drop_unknown_id, BURROW_DROP_UNKNOWN_ID);
BURROW_DROP_ATTR(drop_decrypt, BURROW_DROP_DECRYPT);
BURROW_DROP_ATTR(drop_replay, BURROW_DROP_REPLAY);
BURROW_DROP_ATTR(drop_source_not_allowed, BURROW_DROP_SOURCE_NOT_ALLOWED);
BURROW_DROP_ATTR(drop_nomem, BURROW_DROP_NOMEM);
BURROW_DROP_ATTR(drop_queue_full, BURROW_DROP_QUEUE_FULL);
BURROW_DROP_ATTR(drop_quic_short, BURROW_DROP_QUIC_SHORT);
BURROW_DROP_ATTR(drop_quic_reserved, BURROW_DROP_QUIC_RESERVED);
BURROW_DROP_ATTR(drop_quic_frame, BURROW_DROP_QUIC_FRAME);
BURROW_DROP_ATTR(drop_quic_datagram_id, BURROW_DROP_QUIC_DATAGRAM_ID);
BURROW_DROP_ATTR(drop_queue_delay, BURROW_DROP_QUEUE_DELAY);
BURROW_DROP_ATTR(drop_dev_down, BURROW_DROP_DEV_DOWN);
BURROW_COUNT_ATTR(rx_keepalives, BURROW_COUNT_RX_KEEPALIVES);
BURROW_COUNT_ATTR(rx_to_userspace, BURROW_COUNT_RX_TO_USERSPACE);

static struct attribute *burrow_stats_attrs[] = {
	&burrow_attr_drop_no_peer.attr.attr,
	&burrow_attr_drop_no_endpoint.attr.attr,
	&burrow_attr_drop_no_socket.attr.attr,
	&burrow_attr_drop_no_key.attr.attr,
	&burrow_attr_drop_key_exhausted.attr.attr,
	&burrow_attr_drop_bad_inner.attr.attr,
	&burrow_attr_drop_route.attr.attr,
	&burrow_attr_drop_bad_header.attr.attr,
	&burrow_attr_drop_unknown_id.attr.attr,
	&burrow_attr_drop_decrypt.attr.attr,
	&burrow_attr_drop_replay.attr.attr,
	&burrow_attr_drop_source_not_allowed.attr.attr,
	&burrow_attr_drop_nomem.attr.attr,
	&burrow_attr_drop_queue_full.attr.attr,
	&burrow_attr_drop_quic_short.attr.attr,
	&burrow_attr_drop_quic_reserved.attr.attr,
	&burrow_attr_drop_quic_frame.attr.attr,
	&burrow_attr_drop_quic_datagram_id.attr.attr,
	&burrow_attr_drop_queue_delay.attr.attr,
	&burrow_attr_drop_dev_down.attr.attr,
	&burrow_attr_rx_keepalives.attr.attr,
	&burrow_attr_rx_to_userspace.attr.attr,
	NULL
};

/* Every drop reason must have its sysfs file. */
static_assert(ARRAY_SIZE(burrow_stats_attrs) == BURROW_DROP_MAX + BURROW_COUNT_MAX + 1);

const struct attribute_group burrow_stats_sysfs_group = {
	.name = "burrow",
	.attrs = burrow_stats_attrs,
};
