/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layer-2 forwarding of an l2 device (mode l2): which peers a frame goes
 * to on transmit, and what a received frame must pass before it is
 * delivered. The MAC table is l2_fdb.h's.
 *
 * Transmit (burrow_l2_xmit, from ndo_start_xmit inside its RCU-BH section):
 *  - the frame's segment is its 802.1Q VLAN id, 0 if untagged;
 *  - a unicast frame to a MAC the table knows in that segment goes to its
 *    owner only, if the owner is a member of the segment
 *    (drop_l2_segment otherwise);
 *  - an ARP request or IPv6 neighbour solicitation whose target address's
 *    owner is known goes to that owner only;
 *  - anything else (unknown unicast, broadcast, multicast) is flooded: one
 *    copy to every peer that is a member of the segment and whose flood
 *    token bucket (flood-rate per second, as large a burst) admits it
 *    (drop_l2_flood_rate for each copy refused).
 * Each copy for a peer goes through burrow_l2_send_peer(), the one place a
 * frame is handed to the pipeline for encryption.
 *
 * Receive (burrow_l2_receive, from the peer's NAPI poll, stage 3, on an
 * authenticated Ethernet frame): Ethernet header present and source MAC a
 * unicast, non-zero address (drop_l2_bad_source), the frame's VLAN id in
 * the sending peer's segments (drop_l2_segment), the source MAC learnt for
 * the peer within its mac-limit (drop_l2_mac_limit); neighbour addresses
 * are learnt from ARP and neighbour discovery on the way. The sending peer
 * is the one whose key authenticated the frame, so a forged tag cannot
 * cross segments.
 */
#ifndef _BURROW_L2_H
#define _BURROW_L2_H

#include <linux/netdevice.h>

#include "stats.h"

struct burrow_device;
struct burrow_peer;
struct sk_buff;

/* Consumes skb. RCU-BH, device running. */
void burrow_l2_xmit(struct burrow_device *bdev, struct sk_buff *skb);

/*
 * Hand one frame (@skb, at its Ethernet header) for @peer to the pipeline:
 * checks the peer can be sent to, segments GSO frames, queues them for
 * encryption as Ethernet frames. Consumes skb. RCU-BH.
 */
void burrow_l2_send_peer(struct burrow_device *bdev, struct burrow_peer *peer,
			 struct sk_buff *skb);

/*
 * The checks and learning above on a decrypted frame at skb->data. Returns
 * BURROW_DROP_MAX if the frame may be delivered, else why to drop it; does
 * not consume skb either way.
 */
enum burrow_drop_reason burrow_l2_receive(struct burrow_device *bdev, struct burrow_peer *peer,
					  struct sk_buff *skb);

#endif /* _BURROW_L2_H */
