/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BURROW_STATS_H
#define _BURROW_STATS_H

#include <linux/percpu.h>
#include <linux/types.h>

struct burrow_device;
struct net_device;
struct attribute_group;

/*
 * Why a packet was dropped. Every drop in the packet path is counted under
 * exactly one reason; the names are the sysfs file names under
 * /sys/class/net/<dev>/burrow/ and match the netlink dev-stats attributes
 * (drop-<name with dashes>).
 */
enum burrow_drop_reason {
	BURROW_DROP_NO_PEER,
	BURROW_DROP_NO_ENDPOINT,
	BURROW_DROP_NO_SOCKET,
	BURROW_DROP_NO_KEY,
	BURROW_DROP_KEY_EXHAUSTED,
	BURROW_DROP_BAD_INNER,
	BURROW_DROP_ROUTE,
	BURROW_DROP_BAD_HEADER,
	BURROW_DROP_UNKNOWN_ID,
	BURROW_DROP_DECRYPT,
	BURROW_DROP_REPLAY,
	BURROW_DROP_SOURCE_NOT_ALLOWED,
	BURROW_DROP_NOMEM,
	BURROW_DROP_QUEUE_FULL,
	BURROW_DROP_QUIC_SHORT,		/* no room for the HP sample */
	BURROW_DROP_QUIC_RESERVED,	/* reserved bits set after unprotect */
	BURROW_DROP_QUIC_FRAME,		/* not PADDING* + one DATAGRAM */
	BURROW_DROP_QUIC_DATAGRAM_ID,	/* quarter stream or context ID not 0 */
	BURROW_DROP_QUEUE_DELAY,	/* CoDel dropped it at the queue head */
	BURROW_DROP_DEV_DOWN,		/* the device is down (not running) */
	BURROW_DROP_MAX
};

/* Events that are counted but are not drops. */
enum burrow_count {
	BURROW_COUNT_RX_KEEPALIVES,
	BURROW_COUNT_RX_TO_USERSPACE,
	BURROW_COUNT_MAX
};

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

extern const struct attribute_group burrow_stats_sysfs_group;

#endif /* _BURROW_STATS_H */
