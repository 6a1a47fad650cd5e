// SPDX-License-Identifier: GPL-2.0
/*
 * The relay table and relay forwarding (relay.h has the header and the
 * locking). A relay is blind: it never looks past the relay header, holds
 * no key, and forwards only between the two endpoints of an entry
 * userspace admitted, until the entry expires or is deleted. Everything
 * else that carries a relay header and names an entry is dropped and
 * counted (drop_bad_header, drop_relay_wrong_source, drop_relay_expired);
 * a ticket in no entry is the endpoint's business (receive.c).
 *
 * Order of checks on receive: header shape (length, type, reserved bytes,
 * non-zero ticket), device up, entry, source (a or b), expiry. Then the
 * whole UDP payload, relay header included, leaves the device's socket
 * for the other endpoint through send.c's route lookup.
 */

#include <linux/rhashtable.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "device.h"
#include "receive.h"
#include "relay.h"
#include "send.h"

static const struct rhashtable_params burrow_relay_table_params = {
	.key_len		= sizeof(u32),
	.key_offset		= offsetof(struct burrow_relay, ticket),
	.head_offset		= offsetof(struct burrow_relay, node),
	.automatic_shrinking	= true,
};

int burrow_relay_table_init(struct burrow_device *bdev)
{
	INIT_LIST_HEAD(&bdev->relay_list);
	return rhashtable_init(&bdev->relays, &burrow_relay_table_params);
}

void burrow_relay_table_destroy(struct burrow_device *bdev)
{
	rhashtable_destroy(&bdev->relays);
}

struct burrow_relay *burrow_relay_lookup(struct burrow_device *bdev, u32 ticket)
{
	return rhashtable_lookup_fast(&bdev->relays, &ticket, burrow_relay_table_params);
}

int burrow_relay_insert(struct burrow_device *bdev, struct burrow_relay *relay)
{
	struct burrow_relay *pos;
	int ret;

	lockdep_assert_held(&bdev->config_lock);
	ret = rhashtable_lookup_insert_fast(&bdev->relays, &relay->node,
					    burrow_relay_table_params);
	if (ret)
		return ret;
	/* Sorted by ticket, so that a dump can resume after the last one. */
	list_for_each_entry(pos, &bdev->relay_list, list) {
		if (pos->ticket > relay->ticket) {
			list_add_tail(&relay->list, &pos->list);
			return 0;
		}
	}
	list_add_tail(&relay->list, &bdev->relay_list);
	return 0;
}

void burrow_relay_remove(struct burrow_device *bdev, struct burrow_relay *relay)
{
	lockdep_assert_held(&bdev->config_lock);
	rhashtable_remove_fast(&bdev->relays, &relay->node, burrow_relay_table_params);
	list_del(&relay->list);
	kfree_rcu(relay, rcu);
}

void burrow_relay_remove_all(struct burrow_device *bdev)
{
	struct burrow_relay *relay, *next;

	lockdep_assert_held(&bdev->config_lock);
	list_for_each_entry_safe(relay, next, &bdev->relay_list, list)
		burrow_relay_remove(bdev, relay);
}

u32 burrow_relay_seconds_left(struct burrow_relay *relay)
{
	unsigned long expires, now = jiffies;

	read_lock_bh(&relay->lock);
	expires = relay->expires;
	read_unlock_bh(&relay->lock);
	if (!time_before(now, expires))
		return 0;
	return DIV_ROUND_UP(expires - now, HZ);
}

bool burrow_relay_rcv(struct burrow_device *bdev, struct sock *sk, struct sk_buff *skb,
		      unsigned int offset, u32 *ticket)
{
	struct burrow_relay_header hdr;
	struct burrow_endpoint source, to;
	enum burrow_drop_reason reason;
	struct burrow_relay *relay;
	bool a_to_b, expired;
	unsigned int len;

	if (skb->len < offset + sizeof(hdr) || skb_copy_bits(skb, offset, &hdr, sizeof(hdr)) ||
	    hdr.type != BURROW_RELAY_TYPE || hdr.reserved1 || hdr.reserved2 || !hdr.ticket) {
		reason = BURROW_DROP_BAD_HEADER;
		goto drop;
	}
	*ticket = be32_to_cpu(hdr.ticket);
	/* The socket's RCU section, which ndo_stop waits for (device.h). */
	relay = burrow_relay_lookup(bdev, *ticket);
	if (!relay)
		return false;
	if (unlikely(!netif_running(bdev->dev))) {
		reason = BURROW_DROP_DEV_DOWN;
		goto drop;
	}
	burrow_receive_source(skb, &source);
	read_lock(&relay->lock);
	if (burrow_endpoint_equal(&source, &relay->a)) {
		a_to_b = true;
		to = relay->b;
	} else if (burrow_endpoint_equal(&source, &relay->b)) {
		a_to_b = false;
		to = relay->a;
	} else {
		read_unlock(&relay->lock);
		reason = BURROW_DROP_RELAY_WRONG_SOURCE;
		goto drop;
	}
	expired = !time_before(jiffies, relay->expires);
	read_unlock(&relay->lock);
	if (expired) {
		reason = BURROW_DROP_RELAY_EXPIRED;
		goto drop;
	}

	/* The whole UDP payload goes on unchanged: only the outer headers go. */
	if (!pskb_pull(skb, offset)) {
		reason = BURROW_DROP_NOMEM;
		goto drop;
	}
	len = skb->len;
	reason = burrow_send_relayed(bdev, sk, skb, &to);
	if (reason != BURROW_DROP_MAX)
		goto drop;
	if (a_to_b) {
		atomic64_inc(&relay->a_to_b_packets);
		atomic64_add(len, &relay->a_to_b_bytes);
	} else {
		atomic64_inc(&relay->b_to_a_packets);
		atomic64_add(len, &relay->b_to_a_bytes);
	}
	burrow_stats_count(bdev, BURROW_COUNT_RELAY_FORWARDED);
	return true;

drop:
	burrow_stats_drop(bdev, reason, true);
	kfree_skb(skb);
	return true;
}
