// SPDX-License-Identifier: GPL-2.0
/*
 * Notifications to the "events" multicast group. They are sent from the
 * packet path and timers (softirq), so messages are built with GFP_ATOMIC;
 * an event that cannot be allocated is lost, which listeners tolerate by
 * reading state with a get when they resynchronise.
 */

#include <net/genetlink.h>

#include "device.h"
#include "key.h"
#include "netlink.h"
#include "peer.h"

static struct sk_buff *burrow_event_begin(struct burrow_device *bdev, u8 cmd, void **hdr)
{
	struct sk_buff *msg;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		return NULL;
	*hdr = genlmsg_put(msg, 0, 0, &burrow_genl_family, 0, cmd);
	if (!*hdr || nla_put_u32(msg, BURROW_A_DEV_IFINDEX, bdev->dev->ifindex)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static void burrow_event_send(struct burrow_device *bdev, struct sk_buff *msg, void *hdr)
{
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&burrow_genl_family, dev_net(bdev->dev), msg, 0, 0,
				GFP_ATOMIC);
}

void burrow_event_peer_expired(struct burrow_peer *peer)
{
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;

	msg = burrow_event_begin(peer->bdev, BURROW_CMD_PEER_EXPIRED_NTF, &hdr);
	if (!msg)
		return;
	nest = nla_nest_start(msg, BURROW_A_DEV_PEER);
	if (!nest || nla_put_u32(msg, BURROW_A_PEER_ID, peer->id)) {
		nlmsg_free(msg);
		return;
	}
	nla_nest_end(msg, nest);
	burrow_event_send(peer->bdev, msg, hdr);
}

void burrow_event_endpoint_changed(struct burrow_peer *peer,
				   const struct burrow_endpoint *endpoint)
{
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;

	msg = burrow_event_begin(peer->bdev, BURROW_CMD_ENDPOINT_CHANGED_NTF, &hdr);
	if (!msg)
		return;
	nest = nla_nest_start(msg, BURROW_A_DEV_PEER);
	if (!nest || nla_put_u32(msg, BURROW_A_PEER_ID, peer->id) ||
	    burrow_nl_put_endpoint(msg, endpoint)) {
		nlmsg_free(msg);
		return;
	}
	nla_nest_end(msg, nest);
	burrow_event_send(peer->bdev, msg, hdr);
}

static void burrow_event_key_limit_send(struct burrow_peer *peer, struct burrow_key *key,
					int limit)
{
	struct sk_buff *msg;
	struct nlattr *nest;
	int slot;
	void *hdr;

	slot = rcu_access_pointer(peer->keys[BURROW_KEY_PRIMARY]) == key ?
		BURROW_KEY_PRIMARY : BURROW_KEY_SECONDARY;
	msg = burrow_event_begin(peer->bdev, limit == BURROW_KEY_LIMIT_HARD ?
				 BURROW_CMD_KEY_HARD_LIMIT_NTF : BURROW_CMD_KEY_SOFT_LIMIT_NTF,
				 &hdr);
	if (!msg)
		return;
	nest = nla_nest_start(msg, BURROW_A_DEV_KEYCONF);
	if (!nest || burrow_nl_put_key_metadata(msg, peer, slot, key, false)) {
		nlmsg_free(msg);
		return;
	}
	nla_nest_end(msg, nest);
	burrow_event_send(peer->bdev, msg, hdr);
}

/*
 * Each limit is reported once per key; test_and_set_bit makes that hold
 * when several CPUs cross the limit at once. A key that jumps straight to
 * its hard limit (say, its time ran out unnoticed) reports soft first, so
 * a listener always sees the two in order.
 */
void burrow_event_key_limit(struct burrow_peer *peer, struct burrow_key *key, int limit)
{
	if (!test_and_set_bit(BURROW_KEY_SOFT_NOTIFIED, &key->flags))
		burrow_event_key_limit_send(peer, key, BURROW_KEY_LIMIT_SOFT);
	if (limit == BURROW_KEY_LIMIT_HARD &&
	    !test_and_set_bit(BURROW_KEY_HARD_NOTIFIED, &key->flags))
		burrow_event_key_limit_send(peer, key, BURROW_KEY_LIMIT_HARD);
}
