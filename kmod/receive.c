// SPDX-License-Identifier: GPL-2.0
/*
 * The receive path, in three stages (queue.h has the pipeline's rules).
 * What a packet looks like on the wire is its encapsulation's business
 * (encap.h); this file runs the same steps for every encapsulation:
 *
 * 1. The UDP tunnel hook, in the softirq that received the datagram: the
 *    encapsulations claim it or leave it to userspace; the one that claims
 *    it classifies it (header, peer, key, counter; for QUIC this removes
 *    header protection); then the early replay check, and under the
 *    peer's rx_queue lock the packet (holding a key reference) joins the
 *    peer's ordered queue and the device's decrypt ring, and a crypt
 *    worker wakes.
 * 2. A crypt worker (any CPU): authenticate and decrypt in place, mark the
 *    packet done, schedule the peer's NAPI context.
 * 3. The peer's NAPI poll (one at a time): pop finished packets in arrival
 *    order, then final replay check, the encapsulation's finish (QUIC:
 *    reserved bits and frames), roaming, timers, source check against the
 *    peer's prefixes, counters, and hand the inner packet to GRO
 *    (napi_gro_receive).
 *
 * QUIC long headers, and short headers whose DCID is no peer's local CID,
 * are claimed by no encapsulation and stay on the socket for userspace
 * untouched.
 *
 * While the device is down (device.h) the socket stays attached: what is
 * userspace's still goes to userspace, and what is the device's (every udp
 * encapsulation datagram, a short header for one of its CIDs) is dropped
 * in stage 1 as drop_dev_down, before any crypto. A packet that was in the
 * pipeline when the device went down is dropped as drop_dev_down in stage
 * 3 once it has authenticated (so that a copy of it is still a replay),
 * before it could touch the peer (roaming, timers) or reach the stack.
 *
 * Order of checks, each with its own drop counter. udp: header shape,
 * receiver id, key id, key not past its integrity limit, replay (early,
 * lockless), authentication, replay (final, atomic). quic: room for the
 * header-protection sample, key for the key phase, key not past its
 * integrity limit, replay (early) on the decoded packet number,
 * authentication, replay (final), reserved bits, at least one frame,
 * frames, quarter stream and context ID. Both then: inner packet shape,
 * inner source within the peer's prefixes. Only an authenticated packet
 * reaches the stack, and only one that is its key's highest counter so far
 * moves the endpoint (roaming); a forged packet changes nothing but its
 * key's count of authentication failures (RFC 9001 §6.6).
 *
 * A datagram that starts with a relay header (relay.h) goes to the relay
 * first: if its ticket is in the device's relay table, the relay forwards
 * or drops it. Otherwise this node is an endpoint and the datagram behind
 * the header runs the steps above, with one more check right after
 * classification: the peer it names must have the header's ticket as its
 * relay-ticket (drop_relay_no_ticket otherwise, also when it names no
 * peer at all). What is userspace's behind a relay header (a QUIC long
 * header, an unknown CID, nothing) goes to userspace with the relay header
 * still in front. Roaming: a relayed packet never moves the endpoint (it
 * comes from the relay, which is the endpoint userspace set), and neither
 * does a direct one for a peer with a relay-ticket: a relayed peer turns
 * direct only when userspace clears its relay-ticket and sets its endpoint.
 */

#include <linux/etherdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/udp.h>

#include "device.h"
#include "encap.h"
#include "l2.h"
#include "netlink.h"
#include "peer.h"
#include "queue.h"
#include "receive.h"
#include "relay.h"
#include "socket.h"
#include "timers.h"

void burrow_receive_source(struct sk_buff *skb, struct burrow_endpoint *source)
{
	const struct udphdr *udp = udp_hdr(skb);

	memset(source, 0, sizeof(*source));
	if (ip_hdr(skb)->version == 4) {
		source->addr4.sin_family = AF_INET;
		source->addr4.sin_addr.s_addr = ip_hdr(skb)->saddr;
		source->addr4.sin_port = udp->source;
	} else {
		source->addr6.sin6_family = AF_INET6;
		source->addr6.sin6_addr = ipv6_hdr(skb)->saddr;
		source->addr6.sin6_port = udp->source;
	}
}

/*
 * Validate the decrypted inner packet and set skb->protocol. Returns the
 * inner source address in *family and *saddr, or false if it is not a
 * well-formed IPv4 or IPv6 packet.
 */
static bool burrow_receive_inner(struct sk_buff *skb, int *family, const void **saddr)
{
	unsigned int len;

	if (!pskb_may_pull(skb, 1))
		return false;
	switch (skb->data[0] >> 4) {
	case 4:
		if (!pskb_may_pull(skb, sizeof(struct iphdr)))
			return false;
		len = ntohs(ip_hdr(skb)->tot_len);
		if (ip_hdr(skb)->ihl < 5 || len < ip_hdr(skb)->ihl * 4 || len > skb->len)
			return false;
		skb->protocol = htons(ETH_P_IP);
		*family = AF_INET;
		break;
	case 6:
		if (!pskb_may_pull(skb, sizeof(struct ipv6hdr)))
			return false;
		len = sizeof(struct ipv6hdr) + ntohs(ipv6_hdr(skb)->payload_len);
		if (len > skb->len)
			return false;
		skb->protocol = htons(ETH_P_IPV6);
		*family = AF_INET6;
		break;
	default:
		return false;
	}
	if (pskb_trim(skb, len))
		return false;
	if (*family == AF_INET)
		*saddr = &ip_hdr(skb)->saddr;
	else
		*saddr = &ipv6_hdr(skb)->saddr;
	return true;
}

/*
 * A peer's endpoint moves at most once per BURROW_ROAM_INTERVAL: each move
 * costs a dst_cache reset and a GFP_ATOMIC multicast event, and a source
 * that flaps (NAT rebinding, multipath) must not buy one per packet. A
 * packet from yet another address inside the interval is still delivered;
 * the next highest-numbered packet after it moves the endpoint.
 */
#define BURROW_ROAM_INTERVAL	(HZ / 10)

/* From the peer's NAPI poll, the only writer of roamed_at. */
static void burrow_receive_roam(struct burrow_peer *peer, const struct burrow_endpoint *source)
{
	struct burrow_endpoint current_endpoint;
	unsigned long last = READ_ONCE(peer->roamed_at);

	if (READ_ONCE(peer->endpoint_pinned))
		return;
	burrow_peer_get_endpoint(peer, &current_endpoint);
	if (burrow_endpoint_equal(&current_endpoint, source))
		return;
	if (last && time_before(jiffies, last + BURROW_ROAM_INTERVAL))
		return;
	WRITE_ONCE(peer->roamed_at, jiffies | 1);
	burrow_peer_set_endpoint(peer, source);
	burrow_event_endpoint_changed(peer, source);
}

/*
 * Stage 1's end, in the softirq's RCU-BH section that found rx->peer and
 * rx->key: skb->data is the packet's header (rx->hdr_len bytes, linear,
 * unprotected), followed by the ciphertext and tag. Consumes skb.
 */
static void burrow_receive_queue(struct burrow_device *bdev, struct sk_buff *skb, u8 encap,
				 const struct burrow_encap_rx *rx, bool xnet, bool relayed,
				 const struct burrow_endpoint *source)
{
	struct burrow_peer *peer = rx->peer;
	struct burrow_key *key = rx->key;
	struct ptr_ring *ring = &bdev->decrypt_queue.ring;
	struct burrow_pkt_cb *cb;
	bool produced;

	spin_lock(&peer->rx_queue.lock);
	if (unlikely(skb_queue_len(&peer->rx_queue) >= READ_ONCE(burrow_peer_queue_len))) {
		spin_unlock(&peer->rx_queue.lock);
		burrow_peer_stats_drop(peer, BURROW_DROP_QUEUE_FULL, true);
		kfree_skb(skb);
		return;
	}
	burrow_key_get(key);
	burrow_pkt_init(skb, key, rx->counter);
	cb = BURROW_PKT_CB(skb);
	cb->hdr_len = rx->hdr_len;
	cb->xnet = xnet;
	cb->encap = encap;
	cb->encap_flags = rx->flags;
	cb->family = source->addr.sa_family;
	cb->relayed = relayed;
	if (cb->family == AF_INET) {
		cb->source.port = source->addr4.sin_port;
		cb->source.addr4 = source->addr4.sin_addr.s_addr;
	} else {
		cb->source.port = source->addr6.sin6_port;
		cb->source.addr6 = source->addr6.sin6_addr;
	}
	__skb_queue_tail(&peer->rx_queue, skb);
	produced = !ptr_ring_produce(ring, skb);
	if (unlikely(!produced))
		burrow_pkt_finish(skb, BURROW_PKT_DROPPED, BURROW_DROP_QUEUE_FULL);
	spin_unlock(&peer->rx_queue.lock);
	if (likely(produced))
		burrow_crypt_queue_kick(&bdev->decrypt_queue, 1);
	else
		napi_schedule(&peer->napi);
}

/*
 * Stage 1 for a datagram the encapsulation @encap claimed, its UDP payload
 * at @offset: what the encapsulation finds (peer, key, counter, header),
 * then the checks every encapsulation shares. @ticket: the relay header's
 * in front of it, 0 if none. Consumes skb.
 */
static void burrow_receive_data(struct burrow_device *bdev, struct sk_buff *skb,
				unsigned int offset, u8 encap, struct burrow_encap_rx *rx,
				bool xnet, u32 ticket)
{
	const struct burrow_encap_ops *ops = burrow_encap_ops(encap);
	struct burrow_endpoint source;
	enum burrow_drop_reason reason;

	/* In the socket's RCU-BH section, which ndo_stop waits for. */
	if (unlikely(!netif_running(bdev->dev))) {
		reason = BURROW_DROP_DEV_DOWN;
		goto drop;
	}
	reason = ops->rx_classify(bdev, skb, offset, rx);
	if (ticket && (!rx->peer || READ_ONCE(rx->peer->relay_ticket) != ticket))
		reason = BURROW_DROP_RELAY_NO_TICKET;
	if (reason != BURROW_DROP_MAX)
		goto drop;
	if (unlikely(burrow_key_rx_refused(rx->key))) {
		reason = BURROW_DROP_KEY_EXHAUSTED;
		goto drop;
	}
	if (!burrow_replay_check(&rx->key->replay, rx->counter)) {
		reason = BURROW_DROP_REPLAY;
		goto drop;
	}
	burrow_receive_source(skb, &source);

	/*
	 * Strip outer IP and UDP, and write the header back as the AEAD
	 * authenticates it (a QUIC header without its protection): the header
	 * in the skb is then the AAD, linear.
	 */
	if (!pskb_pull(skb, offset) || skb_ensure_writable(skb, rx->hdr_len)) {
		reason = ops->rx_short_reason;
		goto drop;
	}
	memcpy(skb->data, rx->hdr, rx->hdr_len);
	burrow_receive_queue(bdev, skb, encap, rx, xnet, ticket != 0, &source);
	return;

drop:
	burrow_stats_drop(bdev, reason, true);
	kfree_skb(skb);
}

/*
 * Hand a checked inner packet of @peer (l3: an IP packet with protocol
 * set; l2: an Ethernet frame at its header) to the stack. Consumes skb.
 */
static void burrow_receive_deliver(struct burrow_device *bdev, struct burrow_peer *peer,
				   struct sk_buff *skb, bool xnet)
{
	struct burrow_peer_stats *stats;
	unsigned int inner_len = skb->len;

	/*
	 * Nothing of the outer datagram follows the inner packet: conntrack,
	 * dst and extensions go (and mark and timestamp across namespaces),
	 * and so does the flow hash, which is the outer 5-tuple's.
	 */
	skb_scrub_packet(skb, xnet);
	skb_clear_hash(skb);
	if (burrow_device_is_l2(bdev)) {
		/* Sets dev, pkt_type by the destination MAC, and the mac header. */
		skb->protocol = eth_type_trans(skb, bdev->dev);
		skb_reset_network_header(skb);
	} else {
		skb->dev = bdev->dev;
		skb->pkt_type = PACKET_HOST;
		skb_reset_mac_header(skb);
	}
	skb_reset_transport_header(skb);
	/* The inner checksums were covered by authentication. */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->csum_level = ~0;

	stats = this_cpu_ptr(peer->stats);
	u64_stats_update_begin(&stats->syncp);
	stats->rx_bytes += inner_len;
	stats->rx_packets++;
	u64_stats_update_end(&stats->syncp);
	dev_sw_netstats_rx_add(bdev->dev, inner_len);

	napi_gro_receive(&peer->napi, skb);
}

/*
 * An authenticated packet of @peer: skb holds the inner packet (empty for a
 * keepalive), of frame kind @kind (encap.h). Consumes skb.
 */
static void burrow_receive_authenticated(struct burrow_device *bdev, struct burrow_peer *peer,
					 struct burrow_key *key, struct sk_buff *skb,
					 const struct burrow_endpoint *source, bool xnet,
					 bool largest, bool relayed, u8 kind)
{
	enum burrow_drop_reason reason;
	const void *inner_saddr;
	int family;

	/*
	 * Authenticated: the peer is alive. It may have moved, but only the
	 * highest-numbered packet of its key says where it is now (RFC 9000
	 * §9.3): an older one, reordered or a copy raced in from elsewhere by
	 * someone who saw it on the wire, does not move the endpoint. Nor
	 * does a relayed packet, or any packet of a relayed peer (above).
	 */
	atomic64_inc(&key->rx_packets);
	burrow_timers_rx(peer);
	if (largest && !relayed && !READ_ONCE(peer->relay_ticket))
		burrow_receive_roam(peer, source);

	if (!skb->len) {
		burrow_stats_count(bdev, BURROW_COUNT_RX_KEEPALIVES);
		consume_skb(skb);
		return;
	}
	skb_reset_network_header(skb);
	if (burrow_device_is_l2(bdev)) {
		/*
		 * A fragment joins the peer's reassembly (l2_frag.h; this is
		 * the peer's serial receive step); the frame it completes, a
		 * new skb, goes on as a whole frame from the same peer: the
		 * segment and source checks below apply to it. A fragment
		 * kept or refused is counted there.
		 */
		if (kind == BURROW_FRAME_ETH_FRAG) {
			skb = burrow_l2_reasm_add(&peer->frag, skb);
			if (!skb)
				return;
		} else if (kind != BURROW_FRAME_ETH) {
			reason = BURROW_DROP_BAD_HEADER;
			goto drop;
		}
		reason = burrow_l2_receive(bdev, peer, skb);
		if (reason != BURROW_DROP_MAX)
			goto drop;
		burrow_receive_deliver(bdev, peer, skb, xnet);
		return;
	}
	if (kind != BURROW_FRAME_IP) {
		reason = BURROW_DROP_BAD_HEADER;
		goto drop;
	}
	if (!burrow_receive_inner(skb, &family, &inner_saddr)) {
		reason = BURROW_DROP_BAD_INNER;
		goto drop;
	}
	if (burrow_peer_from_allowedips(burrow_allowedips_lookup(&bdev->allowedips, family,
								 inner_saddr)) != peer) {
		reason = BURROW_DROP_SOURCE_NOT_ALLOWED;
		goto drop;
	}
	burrow_receive_deliver(bdev, peer, skb, xnet);
	return;

drop:
	burrow_stats_drop(bdev, reason, true);
	kfree_skb(skb);
}

/*
 * Stage 2, from a crypt worker inside rcu_read_lock_bh(). The packet holds
 * its key; its peer outlives the RCU-BH section (queue.h).
 */
void burrow_receive_decrypt(struct sk_buff *skb)
{
	struct burrow_pkt_cb *cb = BURROW_PKT_CB(skb);
	struct burrow_key *key = cb->key;
	struct burrow_peer *peer = key->peer;
	enum burrow_drop_reason reason = BURROW_DROP_MAX;
	struct sk_buff *trailer;
	int err;

	if (unlikely(burrow_key_rx_refused(key))) {
		/* Queued before the key passed its integrity limit. */
		reason = BURROW_DROP_KEY_EXHAUSTED;
	} else if (skb_cow_data(skb, 0, &trailer) < 0) {
		reason = BURROW_DROP_NOMEM;
	} else {
		/* skb_cow_data() keeps the header linear at skb->data. */
		err = burrow_aead_open(key->rx, skb, cb->hdr_len, skb->len - cb->hdr_len,
				       skb->data, cb->hdr_len, cb->counter);
		if (err == -EBADMSG) {
			reason = BURROW_DROP_DECRYPT;
			if (burrow_key_auth_failed(key))
				burrow_event_key_limit(peer, key, BURROW_KEY_LIMIT_HARD);
		} else if (err) {
			reason = BURROW_DROP_NOMEM;
		}
	}
	burrow_pkt_finish(skb, reason == BURROW_DROP_MAX ? BURROW_PKT_DONE :
			  BURROW_PKT_DROPPED, reason);
	napi_schedule(&peer->napi);
}

/* Stage 3 for one popped packet. Consumes skb and its key reference. */
static void burrow_receive_finish(struct burrow_device *bdev, struct burrow_peer *peer,
				  struct sk_buff *skb)
{
	struct burrow_pkt_cb *cb = BURROW_PKT_CB(skb);
	struct burrow_key *key = cb->key;
	const struct burrow_encap_ops *ops = burrow_encap_ops(cb->encap);
	struct burrow_endpoint source = {};
	enum burrow_drop_reason reason;
	u8 encap_flags = cb->encap_flags;
	u8 kind = BURROW_FRAME_NONE;
	bool relayed = cb->relayed;
	bool xnet = cb->xnet;
	bool largest;

	if (burrow_pkt_state(skb) == BURROW_PKT_DROPPED) {
		reason = cb->reason;
		goto drop;
	}
	if (!burrow_replay_update(&key->replay, cb->counter, &largest)) {
		reason = BURROW_DROP_REPLAY;
		goto drop;
	}
	/* Queued before the device went down; ndo_stop waits for us. */
	if (unlikely(!netif_running(bdev->dev))) {
		reason = BURROW_DROP_DEV_DOWN;
		goto drop;
	}
	if (!pskb_pull(skb, cb->hdr_len) ||
	    pskb_trim(skb, skb->len - BURROW_AEAD_TAG_LEN)) {
		reason = BURROW_DROP_NOMEM;
		goto drop;
	}
	reason = ops->rx_finish(skb, encap_flags, &kind);
	if (reason != BURROW_DROP_MAX)
		goto drop;
	if (cb->family == AF_INET) {
		source.addr4.sin_family = AF_INET;
		source.addr4.sin_port = cb->source.port;
		source.addr4.sin_addr.s_addr = cb->source.addr4;
	} else {
		source.addr6.sin6_family = AF_INET6;
		source.addr6.sin6_port = cb->source.port;
		source.addr6.sin6_addr = cb->source.addr6;
	}
	/* The stack owns skb->cb from here: nothing below reads cb. */
	burrow_receive_authenticated(bdev, peer, key, skb, &source, xnet, largest, relayed,
				     kind);
	burrow_key_put(key);
	return;

drop:
	burrow_peer_stats_drop(peer, reason, true);
	kfree_skb(skb);
	burrow_key_put(key);
}

/*
 * Stage 3, for a packet CoDel drops at the head of the peer's queue (aqm.h).
 * Consumes skb and its key reference.
 */
static void burrow_receive_drop_delayed(struct sk_buff *skb, void *ctx)
{
	struct burrow_pkt_cb *cb = BURROW_PKT_CB(skb);
	struct burrow_peer *peer = ctx;
	struct burrow_key *key = cb->key;
	enum burrow_drop_reason reason = BURROW_DROP_QUEUE_DELAY;

	if (burrow_pkt_state(skb) == BURROW_PKT_DROPPED)
		reason = cb->reason;
	else
		/* Authentic but never delivered: a later copy is still a replay. */
		burrow_replay_update(&key->replay, cb->counter, NULL);
	burrow_peer_stats_drop(peer, reason, true);
	kfree_skb(skb);
	burrow_key_put(key);
}

/* Stage 3: the peer's NAPI poll. */
int burrow_receive_poll(struct napi_struct *napi, int budget)
{
	struct burrow_peer *peer = container_of(napi, struct burrow_peer, napi);
	struct burrow_device *bdev = peer->bdev;
	struct sk_buff *skb;
	int done = 0;

	rcu_read_lock_bh();
	while (done < budget &&
	       (skb = burrow_aqm_dequeue(&peer->rx_aqm, &peer->rx_queue,
					 burrow_receive_drop_delayed, peer))) {
		burrow_receive_finish(bdev, peer, skb);
		done++;
	}
	burrow_peer_dequeued(peer);
	rcu_read_unlock_bh();
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

int burrow_udp_encap_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct burrow_socket *bsock;
	struct burrow_device *bdev;
	unsigned int offset = skb_transport_offset(skb) + sizeof(struct udphdr);
	struct burrow_encap_rx rx;
	u32 ticket = 0;
	bool xnet;
	u8 encap;
	u8 first;

	bsock = rcu_dereference_sk_user_data(sk);
	if (unlikely(!bsock))
		return 1;
	bdev = bsock->bdev;

	xnet = !net_eq(sock_net(sk), dev_net(bdev->dev));

	/*
	 * Empty datagrams, and what no encapsulation claims (QUIC long
	 * headers, short headers for CIDs that are not ours), belong to
	 * userspace, untouched.
	 */
	if (skb->len <= offset || skb_copy_bits(skb, offset, &first, 1))
		goto to_userspace;
	/*
	 * A relay header: the relay's (forwarded or dropped), or, with a
	 * ticket in no entry, an endpoint's, whose datagram follows it.
	 */
	if (first == BURROW_RELAY_TYPE) {
		if (burrow_relay_rcv(bdev, sk, skb, offset, &ticket))
			return 0;
		if (skb->len <= offset + BURROW_RELAY_HEADER_LEN ||
		    skb_copy_bits(skb, offset + BURROW_RELAY_HEADER_LEN, &first, 1))
			goto to_userspace;
		offset += BURROW_RELAY_HEADER_LEN;
	}
	rx.peer = NULL;
	for (encap = 0; encap < ARRAY_SIZE(burrow_encaps); encap++) {
		if (burrow_encaps[encap]->rx_claim(bdev, skb, offset, first, &rx)) {
			burrow_receive_data(bdev, skb, offset, encap, &rx, xnet, ticket);
			return 0;
		}
	}

to_userspace:
	burrow_stats_count(bdev, BURROW_COUNT_RX_TO_USERSPACE);
	return 1;
}
