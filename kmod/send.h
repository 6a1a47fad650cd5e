/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BURROW_SEND_H
#define _BURROW_SEND_H

#include <linux/netdevice.h>
#include <linux/workqueue.h>

struct burrow_device;
struct burrow_endpoint;
struct burrow_key;
struct burrow_peer;
struct sock;

#include "encap.h"

/*
 * Room in front of an inner packet: link layer, outer headers, relay
 * header (a peer with a relay-ticket), encapsulation.
 */
#define BURROW_HEADROOM		(LL_MAX_HEADER + BURROW_OUTER_LEN + BURROW_RELAY_HEADER_LEN + \
				 BURROW_ENCAP_HEADROOM)

netdev_tx_t burrow_xmit(struct sk_buff *skb, struct net_device *dev);
/* Crypt worker: encrypt one queued packet (queue.h). */
void burrow_send_encrypt(struct sk_buff *skb);
/* The peer's transmit serial step (peer->tx_work). */
void burrow_send_tx_work(struct work_struct *work);
/*
 * Transmit stage 1 for a list of packets (not GSO) of @peer, encrypted
 * with @key as packets of frame kind @kind (enum burrow_frame_kind): the
 * one entry into the transmit pipeline, for IP packets (burrow_xmit),
 * Ethernet frames (burrow_l2_send_peer) and keepalives. In the RCU-BH
 * section that found @peer and @key. Consumes the list.
 */
void burrow_send_queue(struct burrow_device *bdev, struct burrow_peer *peer,
		       struct burrow_key *key, struct sk_buff *segs, u8 kind);
/* From the keepalive timer (softirq). Silent if the peer cannot send. */
void burrow_send_keepalive(struct burrow_peer *peer);
/*
 * Relay forwarding (relay.c), in the socket's receive hook: send skb, a
 * whole UDP payload, from the device's socket @sk to @to. Returns
 * BURROW_DROP_MAX once skb is sent (consumed), or why it was not (skb
 * still the caller's).
 */
enum burrow_drop_reason burrow_send_relayed(struct burrow_device *bdev, struct sock *sk,
					    struct sk_buff *skb, const struct burrow_endpoint *to);

#endif /* _BURROW_SEND_H */
