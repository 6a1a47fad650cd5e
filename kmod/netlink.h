/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BURROW_NETLINK_H
#define _BURROW_NETLINK_H

#include <net/genetlink.h>

struct burrow_device;
struct burrow_endpoint;
struct burrow_key;
struct burrow_peer;

int burrow_genl_init(void);
void burrow_genl_uninit(void);

/* Shared by the netlink_*.c files. */
extern struct genl_family burrow_genl_family;

/*
 * Resolve the burrow device named by ifindex or ifname in attrs, in the
 * caller's netns. Returns it with a held netdev reference (dev_put() when
 * done) or an ERR_PTR with extack set.
 */
struct burrow_device *burrow_nl_device_get(struct net *net, struct nlattr **attrs,
					   struct netlink_ext_ack *extack);
/*
 * Take the device's config_lock for a change; fails with -ENODEV if the
 * device is being deleted.
 */
int burrow_nl_lock(struct burrow_device *bdev, struct netlink_ext_ack *extack);

/* The first of types[] present in attrs, or NULL: for refusing attributes. */
struct nlattr *burrow_nl_first_present(struct nlattr **attrs, const int *types,
				       unsigned int count);

/* The handlers of the op table are declared in netlink_gen.h. */

/* Events to the "events" multicast group; callable from softirq. */
void burrow_event_peer_expired(struct burrow_peer *peer);
void burrow_event_endpoint_changed(struct burrow_peer *peer,
				   const struct burrow_endpoint *endpoint);
/* limit is BURROW_KEY_LIMIT_SOFT or _HARD; sent once per key and limit. */
void burrow_event_key_limit(struct burrow_peer *peer, struct burrow_key *key, int limit);

/* Helpers for building replies. */
int burrow_nl_put_endpoint(struct sk_buff *msg, const struct burrow_endpoint *endpoint);
int burrow_nl_put_key_metadata(struct sk_buff *msg, struct burrow_peer *peer, int slot,
			       struct burrow_key *key, bool with_usage);

#endif /* _BURROW_NETLINK_H */
