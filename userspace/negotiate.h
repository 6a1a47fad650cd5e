/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Address and route negotiation on an authenticated control stream, after
 * HELLO (docs/wire-format.md "Negotiation capsules", docs/operations.md
 * "Addresses and routes"):
 *
 *   - when a session comes up each side sends ROUTE_ADVERTISEMENT (its
 *     advertise_routes filtered by the peer's may_reach) and, when the
 *     peer's config has request_address, an ADDRESS_REQUEST;
 *   - a node with relay_routes adds to each peer's advertisement the
 *     routes it accepted from the other peers (relay.h) and sends it again
 *     whenever that set changes (accepted, withdrawn, session ended);
 *   - a node with an address_pool answers a request with ADDRESS_ASSIGN
 *     (the full list it gave that peer, plus a rejection for each ID it
 *     could not serve); the lease is stored and becomes one of the peer's
 *     allowed prefixes in the kernel and a route on the device;
 *   - the receiver of an ADDRESS_ASSIGN puts on its device the addresses
 *     that answer its own requests within the peer's accept_addresses and
 *     overlap nothing local, no underlay address and no other peer's
 *     prefix; the others are refused (logged, 'burrowd addresses'); it
 *     removes the ones missing from the list (withdrawn);
 *   - the receiver of a ROUTE_ADVERTISEMENT accepts what policy allows
 *     (the kernel peer's allowed prefixes and device routes follow) and
 *     answers with ROUTE_REFUSED listing every range it did not take.
 * A capsule that breaks RFC 9484 aborts the control stream (the session
 * closes as malformed); the daemon and other sessions carry on.
 */
#ifndef BURROW_NEGOTIATE_H
#define BURROW_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capsule.h"
#include "config.h"
#include "connectip.h"
#include "policy.h"
#include "relay.h"

struct burrowd;
struct burrowd_peer;
struct burrowd_session;

/* Per peer; cleared when its session ends. */
struct burrowd_negotiation {
	/* Routes: what the peer advertised and we took or refused. */
	struct burrow_nl_prefix accepted[BURROW_CONNECTIP_LIST_MAX];
	size_t n_accepted;
	struct burrow_refused_range refused[BURROW_CONNECTIP_LIST_MAX];
	size_t n_refused;
	/* Routes: what we advertised, and what the peer refused of it. */
	struct burrow_ip_range advertised[BURROW_CONNECTIP_LIST_MAX];
	size_t n_advertised;
	struct burrow_refused_range refused_by_peer[BURROW_CONNECTIP_LIST_MAX];
	size_t n_refused_by_peer;
	bool refusals_received;		/* the peer answered our advertisement */
	/*
	 * With relay_routes: which of advertised came from other peers, and
	 * the candidates inside the peer's may_reach that were not relayed.
	 * .from indexes d->peers; both lists are recomputed whenever any
	 * peer's accepted routes or leases change (relay_update).
	 */
	struct burrow_relay_route relayed[BURROW_CONNECTIP_LIST_MAX];
	size_t n_relayed;
	struct burrow_relay_skipped not_relayed[BURROW_CONNECTIP_LIST_MAX];
	size_t n_not_relayed;
	/* Addresses the peer assigned to this node (on our device). */
	struct burrow_nl_prefix assigned[BURROW_CONNECTIP_LIST_MAX];
	size_t n_assigned;
	/* Entries of its latest ADDRESS_ASSIGN that policy kept off the device. */
	struct burrow_refused_address refused_addresses[BURROW_CONNECTIP_LIST_MAX];
	size_t n_refused_addresses;
	/* Our ADDRESS_REQUEST entries and how many were rejected. */
	struct burrow_address_entry requested[BURROW_CONNECTIP_LIST_MAX];
	size_t n_requested;
	size_t n_rejected;
	/* Addresses our pool gave the peer on this session (the full list). */
	struct burrow_address_entry granted[BURROW_CONNECTIP_LIST_MAX];
	size_t n_granted;
	unsigned int mtu;		/* device MTU this session needs; 0: none */
};

/* The session is UP (keys in): start negotiating. */
void burrowd_negotiate_start(struct burrowd_session *s);
/* A negotiation capsule arrived on s (type is one of the four). */
void burrowd_negotiate_capsule(struct burrowd_session *s, const struct burrow_capsule *c);
/* The peer's session ended: its routes and addresses leave the device. */
void burrowd_negotiate_end(struct burrowd_peer *peer);
/*
 * Reload: peer->policy (and peer->prefixes) now hold the new config.
 * Accepted routes outside may_announce and addresses outside
 * accept_addresses are withdrawn from the device (logged); the kernel
 * peer's allowed prefixes are set again; with readvertise, our routes are
 * advertised anew under the new may_reach. Ranges refused earlier are
 * taken only when the peer advertises again.
 */
void burrowd_negotiate_policy_update(struct burrowd_peer *peer, bool readvertise);
/* Whether a capsule type is handled here. */
bool burrowd_negotiate_handles(uint64_t type);

/*
 * Node-wide: open the interface handle, recover what an earlier run left
 * on the device (netconf.h: leftovers of a peer no longer configured and
 * node addresses no longer configured are removed now), add the configured
 * addresses, load the pool's leases from the store. 0 or -errno (logged).
 */
int burrowd_negotiate_init(struct burrowd *d);
/* End of the grace (first counters tick, 60 s after start): remove every
 * leftover no session has claimed. */
void burrowd_negotiate_sweep_leftovers(struct burrowd *d);
/* Undo everything burrowd put on the device; forget the pool. */
void burrowd_negotiate_fini(struct burrowd *d);

/* Control socket answers: 'routes' and 'addresses', text or JSON. */
void burrowd_negotiate_write_routes(struct burrowd *d, FILE *out, bool json);
void burrowd_negotiate_write_addresses(struct burrowd *d, FILE *out, bool json);

/*
 * Device MTU a session needs: mtu_wanted (HELLO's choice), and no more
 * than a 1500-byte path leaves after the outer IP header (20 or 40), UDP
 * (8) and the encapsulation (udp: 32; quic: 1 + the peer's CID length +
 * 4 + 3 + 16).
 */
unsigned int burrowd_negotiate_mtu(unsigned int mtu_wanted, int outer_family, uint8_t encap,
				   size_t remote_cid_len);

#endif /* BURROW_NEGOTIATE_H */
