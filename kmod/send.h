/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BURROW_SEND_H
#define _BURROW_SEND_H

#include <linux/netdevice.h>
#include <linux/workqueue.h>

struct burrow_peer;

#include "encap.h"

/* Room in front of an inner packet: link layer, outer headers, encapsulation. */
#define BURROW_HEADROOM		(LL_MAX_HEADER + BURROW_OUTER_LEN + BURROW_ENCAP_HEADROOM)

netdev_tx_t burrow_xmit(struct sk_buff *skb, struct net_device *dev);
/* Crypt worker: encrypt one queued packet (queue.h). */
void burrow_send_encrypt(struct sk_buff *skb);
/* The peer's transmit serial step (peer->tx_work). */
void burrow_send_tx_work(struct work_struct *work);
/* From the keepalive timer (softirq). Silent if the peer cannot send. */
void burrow_send_keepalive(struct burrow_peer *peer);

#endif /* _BURROW_SEND_H */
