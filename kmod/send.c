// SPDX-License-Identifier: GPL-2.0
/*
 * The transmit path, in three stages (queue.h has the pipeline's rules):
 *
 * 1. ndo_start_xmit (any CPU, BH off): pick the peer by longest-prefix
 *    match on the inner destination, segment GSO packets, and under the
 *    peer's tx_queue lock give each segment the next counter of the
 *    primary key and a reference to it, append it to the peer's ordered
 *    queue and to the device's encrypt ring; then wake crypt workers.
 * 2. A crypt worker (any CPU): finish the inner checksum, have the peer's
 *    encapsulation seal the packet in place (encap.h), mark the packet
 *    done and kick the peer's transmit work.
 * 3. The peer's transmit work (one at a time, on the peer's tx_cpu): pop
 *    finished packets in counter order and send each as a UDP datagram from
 *    the attached socket to the peer's current endpoint.
 *
 * Stage 1 runs inside the RCU-BH section that found the peer and key; the
 * later stages rely on the queue's guarantees instead (key reference, peer
 * drained before it is freed) and look the socket and endpoint up afresh.
 * Nothing enters while the device is down, and what was in flight when it
 * went down is dropped in stage 3 (drop_dev_down), never sent (device.h).
 * Keepalives take the same path, so they keep their place in counter order.
 * UDP GSO on transmit is not used: each datagram is sent on its own.
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/dst_cache.h>
#include <net/icmp.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

#include "compat.h"
#include "device.h"
#include "encap.h"
#include "l2.h"
#include "netlink.h"
#include "peer.h"
#include "queue.h"
#include "relay.h"
#include "send.h"
#include "socket.h"
#include "timers.h"

/*
 * Send skb (the UDP payload) from sk to endpoint over IPv4. cache is the
 * peer's route cache, or NULL for a route looked up per datagram (relay
 * forwarding). Consumes skb on success only.
 */
static int burrow_send4(struct burrow_device *bdev, struct dst_cache *cache,
			struct sock *sk, struct sk_buff *skb,
			const struct burrow_endpoint *endpoint, bool xnet)
{
	struct flowi4 fl4 = {
		.daddr = endpoint->addr4.sin_addr.s_addr,
		.saddr = inet_sk(sk)->inet_saddr,
		.fl4_dport = endpoint->addr4.sin_port,
		.fl4_sport = inet_sk(sk)->inet_sport,
		.flowi4_mark = READ_ONCE(sk->sk_mark),
		.flowi4_proto = IPPROTO_UDP,
		.flowi4_oif = READ_ONCE(sk->sk_bound_dev_if),
	};
	struct rtable *rt;

	if (sk->sk_family == AF_INET6 && sk->sk_ipv6only)
		return -EAFNOSUPPORT;
	rt = cache ? dst_cache_get_ip4(cache, &fl4.saddr) : NULL;
	if (!rt) {
		rt = ip_route_output_flow(sock_net(sk), &fl4, sk);
		if (IS_ERR(rt))
			return PTR_ERR(rt);
		/* A route to the endpoint through ourselves is a loop. */
		if (rt->dst.dev == bdev->dev) {
			ip_rt_put(rt);
			return -ELOOP;
		}
		if (cache)
			dst_cache_set_ip4(cache, &rt->dst, fl4.saddr);
	}
	if (skb_cow_head(skb, LL_RESERVED_SPACE(rt->dst.dev) + rt->dst.header_len +
			 sizeof(struct iphdr) + sizeof(struct udphdr))) {
		ip_rt_put(rt);
		return -ENOMEM;
	}
	burrow_udp_tunnel_xmit_skb(rt, sk, skb, fl4.saddr, fl4.daddr, 0,
				   ip4_dst_hoplimit(&rt->dst), 0, fl4.fl4_sport,
				   fl4.fl4_dport, xnet, false);
	return 0;
}

/* As burrow_send4(), over IPv6. */
static int burrow_send6(struct burrow_device *bdev, struct dst_cache *cache,
			struct sock *sk, struct sk_buff *skb,
			const struct burrow_endpoint *endpoint)
{
#if IS_ENABLED(CONFIG_IPV6)
	struct flowi6 fl6 = {
		.daddr = endpoint->addr6.sin6_addr,
		.fl6_dport = endpoint->addr6.sin6_port,
		.fl6_sport = inet_sk(sk)->inet_sport,
		.flowi6_mark = READ_ONCE(sk->sk_mark),
		.flowi6_proto = IPPROTO_UDP,
		.flowi6_oif = endpoint->addr6.sin6_scope_id ?: READ_ONCE(sk->sk_bound_dev_if),
	};
	struct dst_entry *dst;

	if (sk->sk_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!ipv6_addr_any(&sk->sk_v6_rcv_saddr))
		fl6.saddr = sk->sk_v6_rcv_saddr;
	dst = cache ? dst_cache_get_ip6(cache, &fl6.saddr) : NULL;
	if (!dst) {
		dst = ipv6_stub->ipv6_dst_lookup_flow(sock_net(sk), sk, &fl6, NULL);
		if (IS_ERR(dst))
			return PTR_ERR(dst);
		if (dst->dev == bdev->dev) {
			dst_release(dst);
			return -ELOOP;
		}
		if (cache)
			dst_cache_set_ip6(cache, dst, &fl6.saddr);
	}
	if (skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) + dst->header_len +
			 sizeof(struct ipv6hdr) + sizeof(struct udphdr))) {
		dst_release(dst);
		return -ENOMEM;
	}
	burrow_udp_tunnel6_xmit_skb(dst, sk, skb, bdev->dev, &fl6.saddr, &fl6.daddr, 0,
				    ip6_dst_hoplimit(dst), 0, fl6.fl6_sport,
				    fl6.fl6_dport, false);
	return 0;
#else
	return -EAFNOSUPPORT;
#endif
}

static enum burrow_drop_reason burrow_send_error_reason(int err)
{
	switch (err) {
	case -ENOKEY:
		return BURROW_DROP_NO_KEY;
	case -EDESTADDRREQ:
		return BURROW_DROP_NO_ENDPOINT;
	default:
		return BURROW_DROP_NOMEM;
	}
}

/*
 * Stage 2, from a crypt worker inside rcu_read_lock_bh(). The packet holds
 * its key; its peer outlives the RCU-BH section (queue.h).
 */
void burrow_send_encrypt(struct sk_buff *skb)
{
	struct burrow_pkt_cb *cb = BURROW_PKT_CB(skb);
	struct burrow_key *key = cb->key;
	struct burrow_peer *peer = key->peer;
	enum burrow_drop_reason reason = BURROW_DROP_MAX;
	int err;

	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) {
		reason = BURROW_DROP_BAD_INNER;
	} else {
		err = burrow_encap_ops(READ_ONCE(peer->encap))->seal(peer, key, skb, cb->counter);
		if (err)
			reason = burrow_send_error_reason(err);
	}
	burrow_pkt_finish(skb, reason == BURROW_DROP_MAX ? BURROW_PKT_DONE :
			  BURROW_PKT_DROPPED, reason);
	queue_work_on(peer->tx_cpu, burrow_crypt_wq, &peer->tx_work);
}

/*
 * The encrypted datagram leaves the device: nothing of the inner packet's
 * state may follow it into the outer stack (as wg_reset_packet()). Drops
 * conntrack, the dst (if any is left), extensions and, across namespaces,
 * mark and timestamp; the inner application's socket stays for TSQ
 * accounting only when the socket is in the device's own netns. The inner
 * headers are reset to the burrow or QUIC header, so that the tunnel
 * layer's tx_bytes (skb->len - skb_inner_network_offset()) counts the UDP
 * payload instead of the headroom.
 */
static void burrow_send_reset(struct sk_buff *skb, bool xnet)
{
	skb_scrub_packet(skb, xnet);
	if (xnet)
		skb_orphan(skb);
	/* The inner headers are copied from these: all at skb->data. */
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	skb_reset_transport_header(skb);
	skb_reset_inner_headers(skb);
	skb->encapsulation = 0;
}

/* Stage 3 for one popped packet: send or drop it. Consumes skb and its key. */
static void burrow_send_transmit(struct burrow_device *bdev, struct burrow_peer *peer,
				 struct burrow_socket *bsock, struct sk_buff *skb)
{
	struct burrow_pkt_cb *cb = BURROW_PKT_CB(skb);
	struct burrow_key *key = cb->key;
	unsigned int inner_len = cb->inner_len;
	const struct burrow_endpoint *endpoint = &peer->endpoint;
	struct burrow_peer_stats *stats;
	enum burrow_drop_reason reason;
	struct burrow_relay_header *relay;
	struct sock *sk;
	u32 ticket;
	int err;

	if (burrow_pkt_state(skb) == BURROW_PKT_DROPPED) {
		reason = cb->reason;
		goto drop;
	}
	/* Queued before the device went down; ndo_stop waits for us. */
	if (unlikely(!netif_running(bdev->dev))) {
		reason = BURROW_DROP_DEV_DOWN;
		goto drop;
	}
	if (unlikely(!bsock)) {
		reason = BURROW_DROP_NO_SOCKET;
		goto drop;
	}
	/*
	 * A relayed peer: the relay header goes in front of the sealed packet
	 * (outside the AEAD: the relay reads it, and the receiver checks the
	 * ticket against its own peer's), and the endpoint is the relay's.
	 */
	ticket = READ_ONCE(peer->relay_ticket);
	if (ticket) {
		if (skb_cow_head(skb, sizeof(*relay))) {
			reason = BURROW_DROP_NOMEM;
			goto drop;
		}
		relay = skb_push(skb, sizeof(*relay));
		relay->type = BURROW_RELAY_TYPE;
		relay->reserved1 = 0;
		relay->reserved2 = 0;
		relay->ticket = cpu_to_be32(ticket);
	}
	sk = bsock->sk;
	burrow_send_reset(skb, !net_eq(sock_net(sk), dev_net(bdev->dev)));
	skb->dev = bdev->dev;
	skb->ip_summed = CHECKSUM_NONE;
	/*
	 * The endpoint and the route cached for it are read, and the datagram
	 * sent, under one read section of endpoint_lock: an endpoint change
	 * (write lock, dst_cache reset) falls wholly before or after, so the
	 * cache never holds a route for an endpoint other than the current
	 * one, nor a route of the other family (as WireGuard does).
	 */
	read_lock_bh(&peer->endpoint_lock);
	if (unlikely(endpoint->addr.sa_family == AF_UNSPEC))
		err = -EDESTADDRREQ;
	else if (endpoint->addr.sa_family == AF_INET)
		err = burrow_send4(bdev, &peer->dst_cache, sk, skb, endpoint,
				   !net_eq(sock_net(sk), dev_net(bdev->dev)));
	else
		err = burrow_send6(bdev, &peer->dst_cache, sk, skb, endpoint);
	read_unlock_bh(&peer->endpoint_lock);
	if (err) {
		reason = err == -EDESTADDRREQ ? BURROW_DROP_NO_ENDPOINT : BURROW_DROP_ROUTE;
		goto drop;
	}
	/* The tunnel layer counts the device's tx; the peer counts inner bytes. */
	stats = this_cpu_ptr(peer->stats);
	u64_stats_update_begin(&stats->syncp);
	stats->tx_bytes += inner_len;
	stats->tx_packets++;
	u64_stats_update_end(&stats->syncp);
	burrow_timers_tx(peer);
	burrow_key_put(key);
	return;

drop:
	burrow_peer_stats_drop(peer, reason, false);
	kfree_skb(skb);
	burrow_key_put(key);
}

/*
 * Stage 3, for a packet CoDel drops at the head of the peer's queue (aqm.h).
 * Consumes skb and its key reference.
 */
static void burrow_send_drop_delayed(struct sk_buff *skb, void *ctx)
{
	struct burrow_pkt_cb *cb = BURROW_PKT_CB(skb);
	struct burrow_peer *peer = ctx;
	struct burrow_key *key = cb->key;

	burrow_peer_stats_drop(peer, burrow_pkt_state(skb) == BURROW_PKT_DROPPED ?
			       cb->reason : BURROW_DROP_QUEUE_DELAY, false);
	kfree_skb(skb);
	burrow_key_put(key);
}

/* Packets one run of the transmit work sends before it yields. */
#define BURROW_SEND_BUDGET	128

/* Stage 3: the peer's transmit work, never running twice at once. */
void burrow_send_tx_work(struct work_struct *work)
{
	struct burrow_peer *peer = container_of(work, struct burrow_peer, tx_work);
	struct burrow_device *bdev = peer->bdev;
	struct burrow_socket *bsock;
	struct sk_buff *skb;
	unsigned int sent = 0;

	rcu_read_lock_bh();
	bsock = rcu_dereference_bh(bdev->sock);
	while ((skb = burrow_aqm_dequeue(&peer->tx_aqm, &peer->tx_queue,
					 burrow_send_drop_delayed, peer))) {
		burrow_send_transmit(bdev, peer, bsock, skb);
		if (++sent == BURROW_SEND_BUDGET) {
			/* Let softirqs and other work run; carry on later. */
			queue_work_on(peer->tx_cpu, burrow_crypt_wq, &peer->tx_work);
			break;
		}
	}
	burrow_peer_dequeued(peer);
	rcu_read_unlock_bh();
}

/*
 * Stage 1 for a list of packets (not GSO) of @peer, in the RCU-BH section
 * that found @peer and @key, all of frame kind @kind (encap.h). Consumes
 * the list.
 *
 * Under the peer's queue lock, so that queue order is counter order: each
 * packet gets its counter and a key reference and joins the ordered queue,
 * then the ring (its producer lock nests inside). A packet over the peer's
 * bound is dropped before it takes a counter; one the full ring refuses
 * stays queued, finished as dropped, and is freed in turn by stage 3.
 */
void burrow_send_queue(struct burrow_device *bdev, struct burrow_peer *peer,
		       struct burrow_key *key, struct sk_buff *segs, u8 kind)
{
	unsigned int limit = READ_ONCE(burrow_peer_queue_len);
	struct ptr_ring *ring = &bdev->encrypt_queue.ring;
	unsigned int queued = 0, refused = 0, full = 0, exhausted = 0;
	struct sk_buff *skb, *next;
	int limit_state = BURROW_KEY_LIMIT_NONE;
	u64 counter;
	int state;

	spin_lock(&peer->tx_queue.lock);
	spin_lock(&ring->producer_lock);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		if (unlikely(skb_queue_len(&peer->tx_queue) >= limit)) {
			full++;
			kfree_skb(skb);
			continue;
		}
		state = burrow_key_next_counter(key, &counter);
		if (unlikely(state != BURROW_KEY_LIMIT_NONE)) {
			limit_state = max(limit_state, state);
			if (state == BURROW_KEY_LIMIT_HARD) {
				exhausted++;
				kfree_skb(skb);
				continue;
			}
		}
		burrow_key_get(key);
		burrow_pkt_init(skb, key, counter);
		BURROW_PKT_CB(skb)->inner_len = skb->len;
		BURROW_PKT_CB(skb)->encap_flags = kind;
		__skb_queue_tail(&peer->tx_queue, skb);
		if (likely(!__ptr_ring_produce(ring, skb))) {
			queued++;
		} else {
			burrow_pkt_finish(skb, BURROW_PKT_DROPPED, BURROW_DROP_QUEUE_FULL);
			refused++;
		}
	}
	spin_unlock(&ring->producer_lock);
	spin_unlock(&peer->tx_queue.lock);

	if (queued)
		burrow_crypt_queue_kick(&bdev->encrypt_queue, queued);
	if (refused)
		queue_work_on(peer->tx_cpu, burrow_crypt_wq, &peer->tx_work);
	while (full--)
		burrow_peer_stats_drop(peer, BURROW_DROP_QUEUE_FULL, false);
	while (exhausted--)
		burrow_stats_drop(bdev, BURROW_DROP_KEY_EXHAUSTED, false);
	if (limit_state != BURROW_KEY_LIMIT_NONE)
		burrow_event_key_limit(peer, key, limit_state);
}

static void burrow_xmit_unreachable(struct sk_buff *skb, int family)
{
	if (family == AF_INET)
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
	else
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0);
}

netdev_tx_t burrow_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct burrow_device *bdev = burrow_device_from_netdev(dev);
	enum burrow_drop_reason reason;
	struct burrow_endpoint endpoint;
	struct burrow_peer *peer;
	struct burrow_key *key;
	struct sk_buff *segs;
	const void *daddr;
	int family;

	/* The packet is changed in place from here on (as ovpn does). */
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb)) {
		burrow_stats_drop(bdev, BURROW_DROP_NOMEM, false);
		return NETDEV_TX_OK;
	}
	if (burrow_device_is_l2(bdev)) {
		rcu_read_lock_bh();
		/* As below: what ndo_stop's grace period waits for. */
		if (unlikely(!netif_running(dev))) {
			reason = BURROW_DROP_DEV_DOWN;
			goto drop;
		}
		if (unlikely(!rcu_access_pointer(bdev->sock))) {
			reason = BURROW_DROP_NO_SOCKET;
			goto drop;
		}
		burrow_l2_xmit(bdev, skb);
		rcu_read_unlock_bh();
		return NETDEV_TX_OK;
	}
	if (skb->protocol == htons(ETH_P_IP) &&
	    pskb_network_may_pull(skb, sizeof(struct iphdr))) {
		family = AF_INET;
		daddr = &ip_hdr(skb)->daddr;
	} else if (skb->protocol == htons(ETH_P_IPV6) &&
		   pskb_network_may_pull(skb, sizeof(struct ipv6hdr))) {
		family = AF_INET6;
		daddr = &ipv6_hdr(skb)->daddr;
	} else {
		burrow_stats_drop(bdev, BURROW_DROP_BAD_INNER, false);
		kfree_skb(skb);
		return NETDEV_TX_OK;
	}

	rcu_read_lock_bh();
	/*
	 * The core stops calling us once the device is down, but only after
	 * ndo_stop's grace period: this test is what that grace period waits
	 * for (device.h).
	 */
	if (unlikely(!netif_running(dev))) {
		reason = BURROW_DROP_DEV_DOWN;
		goto drop;
	}
	peer = burrow_peer_from_allowedips(burrow_allowedips_lookup(&bdev->allowedips,
								    family, daddr));
	if (unlikely(!peer)) {
		reason = BURROW_DROP_NO_PEER;
		burrow_xmit_unreachable(skb, family);
		goto drop;
	}
	/* Checked again at send time; early here so a dead end costs no crypto. */
	if (unlikely(!rcu_access_pointer(bdev->sock))) {
		reason = BURROW_DROP_NO_SOCKET;
		goto drop;
	}
	burrow_peer_get_endpoint(peer, &endpoint);
	if (unlikely(endpoint.addr.sa_family == AF_UNSPEC)) {
		reason = BURROW_DROP_NO_ENDPOINT;
		burrow_xmit_unreachable(skb, family);
		goto drop;
	}
	key = rcu_dereference_bh(peer->keys[BURROW_KEY_PRIMARY]);
	if (unlikely(!key)) {
		reason = BURROW_DROP_NO_KEY;
		goto drop;
	}
	/*
	 * The device keeps skb->dst (netif_keep_dst()) only so that an IPv4
	 * ICMP error above can find its route; the inner route has no use in
	 * the pipeline, and udp_tunnel6_xmit_skb() would overwrite it without
	 * releasing it.
	 */
	skb_dst_drop(skb);

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
	burrow_send_queue(bdev, peer, key, segs, BURROW_FRAME_IP);
	rcu_read_unlock_bh();
	return NETDEV_TX_OK;

drop:
	rcu_read_unlock_bh();
	burrow_stats_drop(bdev, reason, false);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

void burrow_send_keepalive(struct burrow_peer *peer)
{
	struct burrow_device *bdev = peer->bdev;
	struct burrow_endpoint endpoint;
	struct burrow_key *key;
	struct sk_buff *skb;

	skb = alloc_skb(BURROW_HEADROOM + BURROW_AEAD_TAG_LEN, GFP_ATOMIC);
	if (!skb)
		return;
	skb_reserve(skb, BURROW_HEADROOM);

	rcu_read_lock_bh();
	key = rcu_dereference_bh(peer->keys[BURROW_KEY_PRIMARY]);
	burrow_peer_get_endpoint(peer, &endpoint);
	/* Not while down: nothing enters the pipeline then (device.h). */
	if (!rcu_access_pointer(bdev->sock) || !key ||
	    endpoint.addr.sa_family == AF_UNSPEC || READ_ONCE(peer->dead) ||
	    !netif_running(bdev->dev)) {
		rcu_read_unlock_bh();
		kfree_skb(skb);
		return;
	}
	/* Of the device's kind: an l2 device drops udp type 0x01 (encap.h). */
	burrow_send_queue(bdev, peer, key, skb, burrow_frame_kind_of_mode(bdev->mode));
	rcu_read_unlock_bh();
}

/*
 * The datagram arrived on sk and leaves it again, in the socket's netns:
 * nothing of its way in may follow it out (conntrack, dst, the receive
 * timestamp, which fq would take for a departure time, as ip_forward()
 * clears it), and the inner headers are reset so the tunnel layer counts
 * the UDP payload. The device's tx counters include relayed datagrams.
 */
enum burrow_drop_reason burrow_send_relayed(struct burrow_device *bdev, struct sock *sk,
					    struct sk_buff *skb, const struct burrow_endpoint *to)
{
	int err;

	burrow_send_reset(skb, true);
	skb->dev = bdev->dev;
	skb->ip_summed = CHECKSUM_NONE;
	if (to->addr.sa_family == AF_INET)
		err = burrow_send4(bdev, NULL, sk, skb, to, false);
	else
		err = burrow_send6(bdev, NULL, sk, skb, to);
	return err ? BURROW_DROP_ROUTE : BURROW_DROP_MAX;
}
