// SPDX-License-Identifier: GPL-2.0
/*
 * Layer-2 forwarding of an l2 device: l2.h has the rules, l2_fdb.h the MAC
 * table's locking. Everything here runs inside an RCU-BH section of the
 * packet path (ndo_start_xmit, or the peer's NAPI poll) and takes no lock
 * of the device; a peer's flood bucket has its own spinlock.
 */

#include <linux/etherdevice.h>
#include <linux/icmpv6.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/ipv6.h>
#include <net/ndisc.h>

#include "device.h"
#include "encap.h"
#include "l2.h"
#include "l2_fdb.h"
#include "peer.h"
#include "send.h"

/* The Ethernet header at skb->data (linear: burrow_l2_parse() pulled it). */
static const struct ethhdr *burrow_l2_eth(const struct sk_buff *skb)
{
	return (const struct ethhdr *)skb->data;
}

/* Where a frame's network header starts, and what it is. */
struct burrow_l2_frame {
	u16 vid;		/* 0: untagged (or a priority tag) */
	__be16 proto;		/* ethertype behind the tag, if any */
	unsigned int l3_off;	/* offset of the network header */
};

/* Parse the Ethernet header (and one 802.1Q tag) at skb->data. */
static bool burrow_l2_parse(struct sk_buff *skb, struct burrow_l2_frame *frame)
{
	const struct vlan_ethhdr *veth;

	if (!pskb_may_pull(skb, ETH_HLEN))
		return false;
	frame->proto = burrow_l2_eth(skb)->h_proto;
	frame->vid = 0;
	frame->l3_off = ETH_HLEN;
	if (frame->proto == htons(ETH_P_8021Q)) {
		if (!pskb_may_pull(skb, VLAN_ETH_HLEN))
			return false;
		veth = (const struct vlan_ethhdr *)skb->data;
		frame->vid = ntohs(veth->h_vlan_TCI) & VLAN_VID_MASK;
		frame->proto = veth->h_vlan_encapsulated_proto;
		frame->l3_off = VLAN_ETH_HLEN;
	}
	return true;
}

/* The IPv4 ARP payload burrow reads: Ethernet and IPv4 addresses. */
struct burrow_l2_arp {
	struct arphdr hdr;
	u8 sha[ETH_ALEN];
	__be32 sip;
	u8 tha[ETH_ALEN];
	__be32 tip;
} __packed;

/* An Ethernet/IPv4 ARP message of the frame, copied, or false. */
static bool burrow_l2_arp(const struct sk_buff *skb, const struct burrow_l2_frame *frame,
			  struct burrow_l2_arp *arp)
{
	if (frame->proto != htons(ETH_P_ARP) ||
	    skb_copy_bits(skb, frame->l3_off, arp, sizeof(*arp)))
		return false;
	return arp->hdr.ar_hrd == htons(ARPHRD_ETHER) && arp->hdr.ar_pro == htons(ETH_P_IP) &&
	       arp->hdr.ar_hln == ETH_ALEN && arp->hdr.ar_pln == 4;
}

/* An IPv6 header directly followed by a neighbour solicitation or advertisement. */
struct burrow_l2_nd {
	struct ipv6hdr ip6;
	struct icmp6hdr icmp;
	struct in6_addr target;
} __packed;

static bool burrow_l2_nd(const struct sk_buff *skb, const struct burrow_l2_frame *frame,
			 struct burrow_l2_nd *nd)
{
	if (frame->proto != htons(ETH_P_IPV6) ||
	    skb_copy_bits(skb, frame->l3_off, nd, sizeof(*nd)))
		return false;
	return nd->ip6.version == 6 && nd->ip6.nexthdr == IPPROTO_ICMPV6 &&
	       (nd->icmp.icmp6_type == NDISC_NEIGHBOUR_SOLICITATION ||
		nd->icmp.icmp6_type == NDISC_NEIGHBOUR_ADVERTISEMENT) &&
	       !nd->icmp.icmp6_code;
}

/*
 * The owner of the address an ARP request or neighbour solicitation asks
 * for, if the table knows it in the frame's segment.
 */
static struct burrow_peer *burrow_l2_neigh_owner(struct burrow_device *bdev,
						 const struct sk_buff *skb,
						 const struct burrow_l2_frame *frame)
{
	struct burrow_l2_arp arp;
	struct burrow_l2_nd nd;

	if (burrow_l2_arp(skb, frame, &arp)) {
		if (arp.hdr.ar_op != htons(ARPOP_REQUEST))
			return NULL;
		return burrow_fdb_lookup_neigh(bdev, AF_INET, &arp.tip, frame->vid);
	}
	if (burrow_l2_nd(skb, frame, &nd) &&
	    nd.icmp.icmp6_type == NDISC_NEIGHBOUR_SOLICITATION)
		return burrow_fdb_lookup_neigh(bdev, AF_INET6, &nd.target, frame->vid);
	return NULL;
}

/*
 * Learn neighbour addresses from an authenticated frame whose source MAC
 * is @src: an ARP sender (its hardware address must be the frame's
 * source, and it must have an address: not a probe), the target of a
 * neighbour advertisement, the source of a neighbour solicitation.
 */
static void burrow_l2_learn_neigh(struct burrow_device *bdev, struct burrow_peer *peer,
				  const struct sk_buff *skb, const struct burrow_l2_frame *frame,
				  const u8 *src)
{
	struct burrow_l2_arp arp;
	struct burrow_l2_nd nd;

	if (burrow_l2_arp(skb, frame, &arp)) {
		if (arp.sip && ether_addr_equal(arp.sha, src))
			burrow_fdb_learn_neigh(bdev, peer, AF_INET, &arp.sip, frame->vid, src);
		return;
	}
	if (!burrow_l2_nd(skb, frame, &nd))
		return;
	if (nd.icmp.icmp6_type == NDISC_NEIGHBOUR_ADVERTISEMENT)
		burrow_fdb_learn_neigh(bdev, peer, AF_INET6, &nd.target, frame->vid, src);
	else if (!ipv6_addr_any(&nd.ip6.saddr))
		burrow_fdb_learn_neigh(bdev, peer, AF_INET6, &nd.ip6.saddr, frame->vid, src);
}

/*
 * The peer's flood token bucket: flood_rate tokens per second, at most
 * flood_rate of them saved up. 0 is no limit.
 */
static bool burrow_l2_flood_admit(struct burrow_peer *peer)
{
	u32 rate = READ_ONCE(peer->flood_rate);
	unsigned long now = jiffies, elapsed;
	u64 add;
	bool admit;

	if (!rate)
		return true;
	spin_lock(&peer->flood_lock);
	elapsed = now - peer->flood_refill;
	if (elapsed >= HZ) {
		peer->flood_tokens = rate;
		peer->flood_refill = now;
	} else {
		/* Whole tokens only: the remainder waits for a later refill. */
		add = div_u64((u64)elapsed * rate, HZ);
		if (add) {
			peer->flood_tokens = min_t(u64, (u64)peer->flood_tokens + add, rate);
			peer->flood_refill = now;
		}
	}
	/* A lowered rate also lowers what was saved up. */
	peer->flood_tokens = min(peer->flood_tokens, rate);
	admit = peer->flood_tokens > 0;
	if (admit)
		peer->flood_tokens--;
	spin_unlock(&peer->flood_lock);
	return admit;
}

/*
 * The largest plaintext one packet to @peer may carry so that it fits a
 * 1500-byte path: what the l3 default MTU assumes (device.h), at the
 * device's quic CID length, less the relay header for a relayed peer.
 */
static unsigned int burrow_l2_max_plaintext(struct burrow_device *bdev,
					    struct burrow_peer *peer)
{
	return ETH_DATA_LEN - BURROW_DIRECT_OVERHEAD(READ_ONCE(bdev->quic_cid_len)) -
	       (READ_ONCE(peer->relay_ticket) ? BURROW_RELAY_HEADER_LEN : 0);
}

/*
 * Queue @segs (a list of frames for @peer) for encryption, in order: whole
 * frames as such, and a frame too long for one packet as its fragments
 * (l2_frag.h), split here, before encryption. Consumes the list.
 */
static void burrow_l2_queue_frames(struct burrow_device *bdev, struct burrow_peer *peer,
				   struct burrow_key *key, struct sk_buff *segs)
{
	unsigned int max_plain = burrow_l2_max_plaintext(bdev, peer);
	struct sk_buff *skb, *next, *whole = NULL, **whole_tail = &whole;
	struct sk_buff *frags, **frags_tail, *piece;
	struct sk_buff_head pieces;
	int ret;

	__skb_queue_head_init(&pieces);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		if (skb->len <= max_plain) {
			*whole_tail = skb;
			whole_tail = &skb->next;
			continue;
		}
		ret = burrow_l2_frag_split(&peer->frag, skb, max_plain, BURROW_HEADROOM,
					   BURROW_ENCAP_TAILROOM, &pieces);
		if (ret < 0) {
			burrow_stats_drop(bdev, ret == -ENOMEM ? BURROW_DROP_NOMEM :
					  BURROW_DROP_BAD_INNER, false);
			kfree_skb(skb);
			continue;
		}
		/* The whole frames before it go first, then its fragments. */
		if (whole) {
			burrow_send_queue(bdev, peer, key, whole, BURROW_FRAME_ETH);
			whole = NULL;
			whole_tail = &whole;
		}
		frags = NULL;
		frags_tail = &frags;
		while ((piece = __skb_dequeue(&pieces))) {
			*frags_tail = piece;
			frags_tail = &piece->next;
		}
		burrow_send_queue(bdev, peer, key, frags, BURROW_FRAME_ETH_FRAG);
	}
	if (whole)
		burrow_send_queue(bdev, peer, key, whole, BURROW_FRAME_ETH);
}

void burrow_l2_send_peer(struct burrow_device *bdev, struct burrow_peer *peer,
			 struct sk_buff *skb)
{
	enum burrow_drop_reason reason;
	struct burrow_endpoint endpoint;
	struct burrow_key *key;
	struct sk_buff *segs;

	burrow_peer_get_endpoint(peer, &endpoint);
	if (unlikely(endpoint.addr.sa_family == AF_UNSPEC)) {
		reason = BURROW_DROP_NO_ENDPOINT;
		goto drop;
	}
	key = rcu_dereference_bh(peer->keys[BURROW_KEY_PRIMARY]);
	if (unlikely(!key)) {
		reason = BURROW_DROP_NO_KEY;
		goto drop;
	}
	if (skb_is_gso(skb)) {
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR_OR_NULL(segs)) {
			reason = BURROW_DROP_NOMEM;
			goto drop;
		}
		consume_skb(skb);
	} else {
		segs = skb;
		skb_mark_not_on_list(segs);
	}
	burrow_l2_queue_frames(bdev, peer, key, segs);
	return;

drop:
	burrow_stats_drop(bdev, reason, false);
	kfree_skb(skb);
}

/* One copy to every member of the segment its bucket admits. Consumes skb. */
static void burrow_l2_flood(struct burrow_device *bdev, struct sk_buff *skb, u16 vid)
{
	struct burrow_peer *peer;
	struct sk_buff *copy;
	bool member = false;

	list_for_each_entry_rcu(peer, &bdev->peer_list, list) {
		if (!test_bit(vid, peer->segments))
			continue;
		member = true;
		if (!burrow_l2_flood_admit(peer)) {
			burrow_stats_drop(bdev, BURROW_DROP_L2_FLOOD_RATE, false);
			continue;
		}
		/* Each copy is encrypted in place: seal unshares the clone's data. */
		copy = skb_clone(skb, GFP_ATOMIC);
		if (!copy) {
			burrow_stats_drop(bdev, BURROW_DROP_NOMEM, false);
			continue;
		}
		burrow_l2_send_peer(bdev, peer, copy);
	}
	if (!member) {
		burrow_stats_drop(bdev, BURROW_DROP_NO_PEER, false);
		kfree_skb(skb);
		return;
	}
	burrow_stats_count(bdev, BURROW_COUNT_L2_FLOODED);
	consume_skb(skb);
}

void burrow_l2_xmit(struct burrow_device *bdev, struct sk_buff *skb)
{
	struct burrow_l2_frame frame;
	struct burrow_peer *peer;
	const u8 *dest;

	/* A tag the stack left out of band goes into the frame. */
	if (skb_vlan_tag_present(skb)) {
		skb = __vlan_hwaccel_push_inside(skb);
		if (!skb) {
			burrow_stats_drop(bdev, BURROW_DROP_NOMEM, false);
			return;
		}
	}
	if (!burrow_l2_parse(skb, &frame)) {
		burrow_stats_drop(bdev, BURROW_DROP_BAD_INNER, false);
		kfree_skb(skb);
		return;
	}
	skb_dst_drop(skb);
	dest = burrow_l2_eth(skb)->h_dest;
	if (is_unicast_ether_addr(dest))
		peer = burrow_fdb_lookup(bdev, dest, frame.vid);
	else
		peer = burrow_l2_neigh_owner(bdev, skb, &frame);
	if (!peer) {
		burrow_l2_flood(bdev, skb, frame.vid);
		return;
	}
	if (!test_bit(frame.vid, peer->segments)) {
		burrow_stats_drop(bdev, BURROW_DROP_L2_SEGMENT, false);
		kfree_skb(skb);
		return;
	}
	burrow_l2_send_peer(bdev, peer, skb);
}

enum burrow_drop_reason burrow_l2_receive(struct burrow_device *bdev, struct burrow_peer *peer,
					  struct sk_buff *skb)
{
	struct burrow_l2_frame frame;
	enum burrow_drop_reason reason;
	u8 src[ETH_ALEN];

	if (!burrow_l2_parse(skb, &frame))
		return BURROW_DROP_L2_BAD_SOURCE;
	ether_addr_copy(src, burrow_l2_eth(skb)->h_source);
	if (!is_valid_ether_addr(src))
		return BURROW_DROP_L2_BAD_SOURCE;
	if (!test_bit(frame.vid, peer->segments))
		return BURROW_DROP_L2_SEGMENT;
	reason = burrow_fdb_learn(bdev, peer, src, frame.vid);
	if (reason != BURROW_DROP_MAX)
		return reason;
	burrow_l2_learn_neigh(bdev, peer, skb, &frame, src);
	return BURROW_DROP_MAX;
}
