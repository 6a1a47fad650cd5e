// SPDX-License-Identifier: GPL-2.0
/*
 * The receive path of the udp encapsulation: from the UDP tunnel hook to
 * gro_cells, in the softirq that received the datagram.
 *
 * Order of checks, each with its own drop counter: header shape, receiver
 * id, key id, replay (early, lockless), authentication, replay (final,
 * atomic), inner packet shape, inner source within the peer's prefixes.
 * Only then does an authenticated packet move the endpoint (roaming) and
 * reach the stack; a forged packet changes nothing.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/udp.h>

#include "device.h"
#include "netlink.h"
#include "peer.h"
#include "receive.h"
#include "socket.h"
#include "timers.h"
#include "wire.h"

static struct burrow_key *burrow_receive_key(struct burrow_peer *peer, u8 key_id)
{
	struct burrow_key *key;
	int slot;

	for (slot = 0; slot < BURROW_KEY_SLOTS; slot++) {
		key = rcu_dereference_bh(peer->keys[slot]);
		if (key && key->key_id == key_id)
			return key;
	}
	return NULL;
}

/* The outer source of the datagram, from its IP and UDP headers. */
static void burrow_receive_source(struct sk_buff *skb, struct burrow_endpoint *source)
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

static void burrow_receive_roam(struct burrow_peer *peer, const struct burrow_endpoint *source)
{
	struct burrow_endpoint current_endpoint;

	if (READ_ONCE(peer->endpoint_pinned))
		return;
	burrow_peer_get_endpoint(peer, &current_endpoint);
	if (burrow_endpoint_equal(&current_endpoint, source))
		return;
	burrow_peer_set_endpoint(peer, source);
	burrow_event_endpoint_changed(peer, source);
}

static void burrow_receive_data(struct burrow_device *bdev, struct sk_buff *skb, bool xnet)
{
	struct burrow_wire_header header;
	struct burrow_endpoint source;
	struct burrow_wire_fields fields;
	struct burrow_peer_stats *stats;
	struct burrow_peer *peer;
	struct burrow_key *key;
	struct sk_buff *trailer;
	enum burrow_drop_reason reason;
	unsigned int offset, inner_len;
	const void *inner_saddr;
	int family, err;

	offset = skb_transport_offset(skb) + sizeof(struct udphdr);
	if (skb_copy_bits(skb, offset, &header, sizeof(header))) {
		reason = BURROW_DROP_BAD_HEADER;
		goto drop;
	}
	if (burrow_wire_header_parse(&header, skb->len - offset, &fields)) {
		reason = BURROW_DROP_BAD_HEADER;
		goto drop;
	}
	peer = burrow_peer_lookup(bdev, fields.receiver_id);
	if (!peer) {
		reason = BURROW_DROP_UNKNOWN_ID;
		goto drop;
	}
	key = burrow_receive_key(peer, fields.key_id);
	if (!key) {
		reason = BURROW_DROP_NO_KEY;
		goto drop;
	}
	if (!burrow_replay_check(&key->replay, fields.counter)) {
		reason = BURROW_DROP_REPLAY;
		goto drop;
	}
	burrow_receive_source(skb, &source);

	/* Strip outer IP, UDP and burrow headers; the header is the AAD. */
	if (!pskb_pull(skb, offset + sizeof(header))) {
		reason = BURROW_DROP_BAD_HEADER;
		goto drop;
	}
	if (skb_cow_data(skb, 0, &trailer) < 0) {
		reason = BURROW_DROP_NOMEM;
		goto drop;
	}
	err = burrow_aead_open(key->rx, skb, 0, skb->len, (const u8 *)&header,
			       sizeof(header), fields.counter);
	if (err) {
		reason = err == -EBADMSG ? BURROW_DROP_DECRYPT : BURROW_DROP_NOMEM;
		goto drop;
	}
	if (!burrow_replay_update(&key->replay, fields.counter)) {
		reason = BURROW_DROP_REPLAY;
		goto drop;
	}
	if (pskb_trim(skb, skb->len - BURROW_WIRE_TAG_LEN)) {
		reason = BURROW_DROP_NOMEM;
		goto drop;
	}

	/* Authenticated: the peer is alive and may have moved. */
	atomic64_inc(&key->rx_packets);
	burrow_timers_rx(peer);
	burrow_receive_roam(peer, &source);

	if (!skb->len) {
		burrow_stats_count(bdev, BURROW_COUNT_RX_KEEPALIVES);
		consume_skb(skb);
		return;
	}
	skb_reset_network_header(skb);
	if (!burrow_receive_inner(skb, &family, &inner_saddr)) {
		reason = BURROW_DROP_BAD_INNER;
		goto drop;
	}
	if (burrow_peer_from_allowedips(burrow_allowedips_lookup(&bdev->allowedips, family,
								 inner_saddr)) != peer) {
		reason = BURROW_DROP_SOURCE_NOT_ALLOWED;
		goto drop;
	}

	inner_len = skb->len;
	skb_scrub_packet(skb, xnet);
	skb->dev = bdev->dev;
	skb->pkt_type = PACKET_HOST;
	skb_reset_mac_header(skb);
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

	gro_cells_receive(&bdev->gro_cells, skb);
	return;

drop:
	burrow_stats_drop(bdev, reason, true);
	kfree_skb(skb);
}

int burrow_udp_encap_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct burrow_socket *bsock;
	struct burrow_device *bdev;
	unsigned int offset = skb_transport_offset(skb) + sizeof(struct udphdr);
	u8 first;

	bsock = rcu_dereference_sk_user_data(sk);
	if (unlikely(!bsock))
		return 1;
	bdev = bsock->bdev;

	/* Empty datagrams and QUIC packets belong to userspace, untouched. */
	if (skb->len <= offset || skb_copy_bits(skb, offset, &first, 1) ||
	    burrow_wire_is_quic(first)) {
		burrow_stats_count(bdev, BURROW_COUNT_RX_TO_USERSPACE);
		return 1;
	}
	burrow_receive_data(bdev, skb, !net_eq(sock_net(sk), dev_net(bdev->dev)));
	return 0;
}
