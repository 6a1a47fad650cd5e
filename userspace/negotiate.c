// SPDX-License-Identifier: GPL-2.0
/* Address and route negotiation: see negotiate.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ifaddrs.h>
#include <sys/socket.h>

#include "negotiate.h"
#include "policy.h"
#include "pool.h"
#include "session.h"
#include "store.h"

/* Request IDs a peer may use on one control stream (each is kept to refuse reuse). */
#define REQUEST_IDS_MAX 1024

/* ---- helpers ---------------------------------------------------------------- */

static const char *prefix_text(const struct burrow_nl_prefix *p, char *buf, size_t size)
{
	burrow_prefix_format(p, buf, size);
	return buf;
}

/* A range as a prefix when it is one, else as start-end. */
static const char *range_text(const struct burrow_ip_range *r, char *buf, size_t size)
{
	struct burrow_nl_prefix p;

	if (r->protocol == 0 && burrow_range_to_prefix(r, &p) == 0)
		burrow_prefix_format(&p, buf, size);
	else
		burrow_ip_range_format(r, buf, size);
	return buf;
}

static const struct burrow_prefix_list no_prefixes;

static const struct burrow_prefix_list *may_announce_of(const struct burrowd_peer *peer)
{
	return peer->policy ? &peer->policy->may_announce : &no_prefixes;
}

unsigned int burrowd_negotiate_mtu(unsigned int mtu_wanted, int outer_family, uint8_t encap,
				   size_t remote_cid_len)
{
	unsigned int overhead = (outer_family == AF_INET6 ? 40 : 20) + 8;

	overhead += encap == BURROW_ENCAP_QUIC ? (unsigned int)(1 + remote_cid_len + 4 + 3 + 16) : 32;
	return mtu_wanted < 1500 - overhead ? mtu_wanted : 1500 - overhead;
}

/* ---- kernel and device ------------------------------------------------------ */

/*
 * What peer holds on this node: its allowed_ips, accepted routes and leases.
 * *out is heap, NULL when out of memory. One list serves both the kernel
 * peer's allowed prefixes and what send_advertisement may not relay back
 * to the peer (relay.h), so the two cannot drift apart.
 */
static size_t held_by(const struct burrowd_peer *peer, struct burrow_nl_prefix **out)
{
	const struct burrowd_negotiation *n = &peer->nego;
	size_t count = peer->n_prefixes + n->n_accepted + n->n_granted, used = 0;
	struct burrow_nl_prefix *all = calloc(count ? count : 1, sizeof(*all));

	*out = all;
	if (!all)
		return 0;
	for (size_t i = 0; i < peer->n_prefixes; i++)
		all[used++] = peer->prefixes[i];
	for (size_t i = 0; i < n->n_accepted; i++)
		all[used++] = n->accepted[i];
	for (size_t i = 0; i < n->n_granted; i++)
		all[used++] = n->granted[i].prefix;
	return used;
}

/* The kernel peer's allowed prefixes: see held_by. */
static int kernel_prefixes_update(struct burrowd_peer *peer)
{
	struct burrowd *d = peer->d;
	struct burrow_nl_prefix *all;
	size_t used;
	int ret;

	if (!peer->kernel_peer)
		return 0;
	used = held_by(peer, &all);
	if (!all)
		return -ENOMEM;
	ret = burrow_kernel_peer_set_prefixes(&d->kernel, peer->kernel_id, all, used);
	free(all);
	if (ret)
		burrowd_event(d, peer, "error", "cannot set allowed prefixes of %s: %s", peer->name,
			      d->kernel.why);
	return ret;
}

static void route_add(struct burrowd_peer *peer, const struct burrow_nl_prefix *p)
{
	struct burrowd *d = peer->d;
	char text[64];

	if (d->netconf.rtnl.sock && burrow_netconf_route_add_for(&d->netconf, p, peer->public_key))
		burrowd_event(d, peer, "error", "cannot add route %s via %s: %s",
			      prefix_text(p, text, sizeof(text)), peer->name, d->netconf.why);
}

static void route_del(struct burrowd_peer *peer, const struct burrow_nl_prefix *p)
{
	struct burrowd *d = peer->d;
	char text[64];

	if (d->netconf.rtnl.sock && burrow_netconf_route_del(&d->netconf, p))
		burrowd_event(d, peer, "error", "cannot remove route %s via %s: %s",
			      prefix_text(p, text, sizeof(text)), peer->name, d->netconf.why);
}

static bool prefix_in(const struct burrow_nl_prefix *p, const struct burrow_nl_prefix *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (burrow_text_prefix_equal(&list[i], p))
			return true;
	return false;
}

/*
 * The device MTU: the smallest any up session needs. Not in mode l2: the
 * device's MTU is the Ethernet payload its bridge ports share (1500 by
 * default), and the kernel fragments a frame the path cannot carry whole.
 */
static void device_mtu_update(struct burrowd *d)
{
	unsigned int mtu = 0;

	if (d->settings.mode == BURROW_HELLO_MODE_L2)
		return;
	for (size_t i = 0; i < d->n_peers; i++) {
		unsigned int m = d->peers[i].nego.mtu;

		if (m && (!mtu || m < mtu))
			mtu = m;
	}
	if (mtu && d->netconf.rtnl.sock && burrow_netconf_set_mtu(&d->netconf, mtu))
		burrowd_event(d, NULL, "error", "cannot set the MTU of %s: %s", d->kernel.ifname,
			      d->netconf.why);
}

/* ---- sending ---------------------------------------------------------------- */

/*
 * The routes this node accepted from every peer but receiver: what
 * relay_routes passes on. Accepted lists are empty while a peer has no
 * session (forget), so only live routes are relayed. *out is heap.
 */
static size_t relay_candidates(const struct burrowd_peer *receiver,
			       struct burrow_relay_route **out)
{
	const struct burrowd *d = receiver->d;
	size_t count = 0, used = 0;
	struct burrow_relay_route *all;

	*out = NULL;
	if (!d->config->node.relay_routes)
		return 0;
	for (size_t i = 0; i < d->n_peers; i++)
		if (&d->peers[i] != receiver)
			count += d->peers[i].nego.n_accepted;
	if (!count)
		return 0;
	all = calloc(count, sizeof(*all));
	if (!all)
		return 0;
	for (size_t i = 0; i < d->n_peers; i++) {
		const struct burrowd_peer *o = &d->peers[i];

		if (o == receiver)
			continue;	/* never back to where it came from */
		for (size_t j = 0; j < o->nego.n_accepted; j++) {
			all[used].prefix = o->nego.accepted[j];
			all[used++].from = i;
		}
	}
	*out = all;
	return used;
}

static bool range_equal(const struct burrow_ip_range *a, const struct burrow_ip_range *b)
{
	return a->family == b->family && a->protocol == b->protocol &&
	       !memcmp(a->start, b->start, sizeof(a->start)) &&
	       !memcmp(a->end, b->end, sizeof(a->end));
}

static bool relay_route_in(const struct burrow_relay_route *r, const struct burrow_relay_route *list,
			   size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].from == r->from && burrow_text_prefix_equal(&list[i].prefix, &r->prefix))
			return true;
	return false;
}

static bool skipped_in(const struct burrow_relay_skipped *s, const struct burrow_relay_skipped *list,
		       size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].reason == s->reason && list[i].route.from == s->route.from &&
		    burrow_text_prefix_equal(&list[i].route.prefix, &s->route.prefix))
			return true;
	return false;
}

static const char *peer_name_at(const struct burrowd *d, size_t i)
{
	return i < d->n_peers ? d->peers[i].name : "?";
}

/*
 * Send the peer its ROUTE_ADVERTISEMENT: this node's advertise_routes
 * within its may_reach and, with relay_routes, the routes accepted from
 * the other peers (relay.h). Each one is the complete list (RFC 9484), so
 * a relayed route that went away is withdrawn by leaving it out. always:
 * send even when the list did not change (a new session's first one).
 * Changes in what is relayed are logged, each once.
 */
static void send_advertisement(struct burrowd_session *s, bool always)
{
	struct burrowd *d = s->d;
	struct burrowd_peer *peer = s->peer;
	struct burrowd_negotiation *n = &peer->nego;
	const struct burrow_config_node *node = &d->config->node;
	struct burrow_ip_range ranges[BURROW_CONNECTIP_LIST_MAX];
	struct burrow_relay_route *routes, *relayed = NULL;
	struct burrow_relay_skipped *skipped = NULL;
	struct burrow_relay_input relay_in;
	struct burrow_relay_output relay_out;
	struct burrow_nl_prefix *held;
	size_t n_routes, n_held, n_ranges, n_relayed = 0, n_skipped = 0;
	uint8_t value[BURROW_CAPSULE_VALUE_MAX];
	char why[200], text[64], with[72];
	bool changed;
	int len;

	n_routes = relay_candidates(peer, &routes);
	n_held = held_by(peer, &held);
	if (n_routes) {
		relayed = calloc(n_routes, sizeof(*relayed));
		skipped = calloc(n_routes, sizeof(*skipped));
		if (!relayed || !skipped || !held) {
			burrowd_event(d, peer, "error", "cannot relay routes to %s: out of memory",
				      peer->name);
			n_routes = 0;
		}
	}
	relay_in = (struct burrow_relay_input){
		.advertise = &node->advertise_routes,
		.may_reach = peer->policy ? &peer->policy->may_reach : &no_prefixes,
		.has_may_reach = peer->policy ? peer->policy->has_may_reach : false,
		.receiver = held, .n_receiver = n_held,
		.routes = routes, .n_routes = n_routes,
	};
	relay_out = (struct burrow_relay_output){
		.out = ranges, .relayed = relayed, .skipped = skipped,
	};
	n_ranges = burrow_relay_advertisement(&relay_in, &relay_out);
	n_relayed = relay_out.n_relayed;
	n_skipped = relay_out.n_skipped;
	free(routes);
	free(held);
	changed = n_ranges != n->n_advertised;
	for (size_t i = 0; i < n_ranges && !changed; i++)
		changed = !range_equal(&ranges[i], &n->advertised[i]);
	for (size_t i = 0; i < n->n_relayed; i++)
		if (!relay_route_in(&n->relayed[i], relayed, n_relayed))
			burrowd_event(d, peer, "route", "route %s from %s no longer relayed to %s",
				      prefix_text(&n->relayed[i].prefix, text, sizeof(text)),
				      peer_name_at(d, n->relayed[i].from), peer->name);
	for (size_t i = 0; i < n_relayed; i++)
		if (!relay_route_in(&relayed[i], n->relayed, n->n_relayed))
			burrowd_event(d, peer, "route", "route %s from %s relayed to %s",
				      prefix_text(&relayed[i].prefix, text, sizeof(text)),
				      peer_name_at(d, relayed[i].from), peer->name);
	for (size_t i = 0; i < n_skipped; i++) {
		if (skipped_in(&skipped[i], n->not_relayed, n->n_not_relayed))
			continue;
		if (skipped[i].reason == BURROW_RELAY_SKIP_FULL)
			with[0] = '\0';
		else
			snprintf(with, sizeof(with), " %s",
				 prefix_text(&skipped[i].with, text, sizeof(text)));
		burrowd_event(d, peer, "route-refused", "route %s from %s not relayed to %s: %s%s",
			      prefix_text(&skipped[i].route.prefix, text, sizeof(text)),
			      peer_name_at(d, skipped[i].route.from), peer->name,
			      burrow_relay_skip_name(skipped[i].reason), with);
	}
	memcpy(n->advertised, ranges, n_ranges * sizeof(ranges[0]));
	n->n_advertised = n_ranges;
	if (n_relayed)	/* relayed and skipped are NULL when there was nothing to relay */
		memcpy(n->relayed, relayed, n_relayed * sizeof(relayed[0]));
	n->n_relayed = n_relayed;
	if (n_skipped > BURROW_CONNECTIP_LIST_MAX)
		n_skipped = BURROW_CONNECTIP_LIST_MAX;
	if (n_skipped)
		memcpy(n->not_relayed, skipped, n_skipped * sizeof(skipped[0]));
	n->n_not_relayed = n_skipped;
	free(relayed);
	free(skipped);
	if (!always && !changed)
		return;
	len = burrow_route_advertisement_encode(n->advertised, n->n_advertised, value,
						sizeof(value), why, sizeof(why));
	if (len < 0) {
		burrowd_event(d, peer, "error", "cannot build ROUTE_ADVERTISEMENT for %s: %s",
			      peer->name, why);
		return;
	}
	burrowd_session_send(s, BURROW_CAPSULE_ROUTE_ADVERTISEMENT, value, (size_t)len);
}

/*
 * Something a relayed advertisement depends on changed (a peer's accepted
 * routes or leases, a session ended): send every other up peer its list
 * again where it differs. No-op without relay_routes and while stopping
 * (every session is going). Sending only queues on the QUIC stream (it
 * never ends a session from here), so d->peers and the sessions stay as
 * they are during the loop. Cost: peers x candidates per change, fine for
 * a hub with tens or hundreds of members.
 */
static void relay_update(struct burrowd *d)
{
	if (d->stopping || !d->config->node.relay_routes)
		return;
	for (size_t i = 0; i < d->n_peers; i++) {
		struct burrowd_session *s = d->peers[i].session;

		if (s && s->state == BURROWD_UP && !s->closing)
			send_advertisement(s, false);
	}
}

static void send_address_request(struct burrowd_session *s)
{
	struct burrowd_peer *peer = s->peer;
	struct burrowd_negotiation *n = &peer->nego;
	uint8_t value[BURROW_CAPSULE_VALUE_MAX];
	char why[200];
	int len;

	if (!peer->policy || !peer->policy->request_address.n)
		return;
	n->n_requested = 0;
	for (size_t i = 0; i < peer->policy->request_address.n &&
			   n->n_requested < BURROW_CONNECTIP_LIST_MAX; i++) {
		/* IDs count up per control stream and are never reused on it. */
		n->requested[n->n_requested].request_id = ++s->next_request_id;
		n->requested[n->n_requested++].prefix = peer->policy->request_address.items[i];
	}
	len = burrow_address_list_encode(BURROW_CAPSULE_ADDRESS_REQUEST, n->requested,
					 n->n_requested, value, sizeof(value), why, sizeof(why));
	if (len < 0) {
		burrowd_event(s->d, peer, "error", "cannot build ADDRESS_REQUEST for %s: %s",
			      peer->name, why);
		return;
	}
	burrowd_session_send(s, BURROW_CAPSULE_ADDRESS_REQUEST, value, (size_t)len);
}

/* ---- session start and end --------------------------------------------------- */

static void forget(struct burrowd_peer *peer)
{
	struct burrowd *d = peer->d;
	struct burrowd_negotiation *n = &peer->nego;

	for (size_t i = 0; i < n->n_accepted; i++)
		route_del(peer, &n->accepted[i]);
	for (size_t i = 0; i < n->n_granted; i++)
		route_del(peer, &n->granted[i].prefix);
	for (size_t i = 0; i < n->n_assigned; i++) {
		char text[64];

		if (d->netconf.rtnl.sock && burrow_netconf_address_del(&d->netconf, &n->assigned[i]))
			burrowd_event(d, peer, "error", "cannot remove address %s: %s",
				      prefix_text(&n->assigned[i], text, sizeof(text)), d->netconf.why);
	}
	memset(n, 0, sizeof(*n));
}

void burrowd_negotiate_start(struct burrowd_session *s)
{
	struct burrowd_peer *peer = s->peer;
	socklen_t len;
	const struct sockaddr *remote = burrow_quic_remote_addr(s->conn, &len);
	int family = remote->sa_family;

	/* A session that replaced another starts over: its kernel peer did too. */
	forget(peer);
	if (family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)remote)->sin6_addr))
		family = AF_INET;
	peer->nego.mtu = burrowd_negotiate_mtu(s->params.mtu, family, s->params.encap,
					       s->remote_hello.cids[0].len);
	device_mtu_update(s->d);
	send_advertisement(s, true);
	send_address_request(s);
	/* What the replaced session had accepted is no longer relayed. */
	relay_update(s->d);
}

void burrowd_negotiate_end(struct burrowd_peer *peer)
{
	forget(peer);
	device_mtu_update(peer->d);
	/* Its routes are withdrawn from the peers they were relayed to. */
	relay_update(peer->d);
}

/* Whether an address the peer assigned us still passes its accept_addresses. */
static bool assigned_still_allowed(const struct burrowd_peer *peer, const struct burrow_nl_prefix *p)
{
	const struct burrowd_negotiation *n = &peer->nego;

	/* As handle_address_assign decided, minus the conflicts it checked then. */
	for (size_t i = 0; i < n->n_requested; i++) {
		struct burrow_address_entry got = { .request_id = n->requested[i].request_id,
						    .prefix = *p };
		struct burrow_address_entry accepted;
		struct burrow_refused_address refused;
		size_t n_accepted = 0, n_refused = 0;

		burrow_policy_addresses(n->requested, n->n_requested,
					peer->policy ? &peer->policy->accept_addresses : &no_prefixes,
					NULL, 0, &got, 1, &accepted, &n_accepted, &refused, &n_refused);
		if (n_accepted)
			return true;
	}
	return false;
}

void burrowd_negotiate_policy_update(struct burrowd_peer *peer, bool readvertise)
{
	struct burrowd *d = peer->d;
	struct burrowd_negotiation *n = &peer->nego;
	size_t kept = 0;
	char text[64];

	/* Routes taken earlier that may_announce no longer covers: device first, then kernel. */
	for (size_t i = 0; i < n->n_accepted; i++) {
		if (burrow_policy_covered(may_announce_of(peer), &n->accepted[i])) {
			n->accepted[kept++] = n->accepted[i];
			continue;
		}
		burrowd_event(d, peer, "route", "route %s from %s withdrawn: no longer allowed by policy",
			      prefix_text(&n->accepted[i], text, sizeof(text)), peer->name);
		route_del(peer, &n->accepted[i]);
	}
	n->n_accepted = kept;
	kept = 0;
	for (size_t i = 0; i < n->n_assigned; i++) {
		if (assigned_still_allowed(peer, &n->assigned[i])) {
			n->assigned[kept++] = n->assigned[i];
			continue;
		}
		burrowd_event(d, peer, "address",
			      "address %s from %s withdrawn: no longer allowed by accept_addresses",
			      prefix_text(&n->assigned[i], text, sizeof(text)), peer->name);
		if (d->netconf.rtnl.sock && burrow_netconf_address_del(&d->netconf, &n->assigned[i]))
			burrowd_event(d, peer, "error", "cannot remove address %s: %s", text,
				      d->netconf.why);
	}
	n->n_assigned = kept;
	/* allowed_ips may have changed too (the caller rebuilt peer->prefixes). */
	kernel_prefixes_update(peer);
	/* A full-list advertisement replaces the last one: the peer drops what may_reach dropped. */
	if (readvertise && peer->session && peer->session->state == BURROWD_UP &&
	    !peer->session->closing)
		send_advertisement(peer->session, true);
	/* Routes withdrawn above may have been relayed to the other peers. */
	relay_update(d);
}

bool burrowd_negotiate_handles(uint64_t type)
{
	return type == BURROW_CAPSULE_ADDRESS_REQUEST || type == BURROW_CAPSULE_ADDRESS_ASSIGN ||
	       type == BURROW_CAPSULE_ROUTE_ADVERTISEMENT || type == BURROW_CAPSULE_ROUTE_REFUSED;
}

/* ---- receiving: addresses ---------------------------------------------------- */

/* Put entry into the granted list, replacing the one of the same family. */
static void granted_set(struct burrowd_negotiation *n, uint64_t request_id,
			const struct burrow_nl_prefix *address, struct burrow_nl_prefix *replaced,
			bool *did_replace)
{
	*did_replace = false;
	for (size_t i = 0; i < n->n_granted; i++) {
		if (n->granted[i].prefix.family != address->family)
			continue;
		if (!burrow_text_prefix_equal(&n->granted[i].prefix, address)) {
			*replaced = n->granted[i].prefix;
			*did_replace = true;
		}
		n->granted[i].request_id = request_id;
		n->granted[i].prefix = *address;
		return;
	}
	if (n->n_granted < BURROW_CONNECTIP_LIST_MAX) {
		n->granted[n->n_granted].request_id = request_id;
		n->granted[n->n_granted++].prefix = *address;
	}
}

/* The answer an earlier entry of this capsule got for the same family (not a rejection). */
static const struct burrow_address_entry *answered_family(const struct burrow_address_entry *answers,
							   size_t n, int family)
{
	for (size_t i = 0; i < n; i++)
		if (answers[i].prefix.family == family &&
		    !burrow_address_is_unspecified(&answers[i].prefix))
			return &answers[i];
	return NULL;
}

/*
 * Send ADDRESS_ASSIGN answering every entry of one ADDRESS_REQUEST
 * (RFC 9484 §4.7.2: each Requested Address gets an Assigned Address with
 * its ID). Each capsule is a full list (the receiver treats a missing
 * address as withdrawn), so every capsule repeats the granted list and
 * carries as many answers as fit beside it; more answers than fit in one
 * capsule (64 entries) go into further capsules instead of being dropped.
 */
static void send_address_answers(struct burrowd_session *s,
				 const struct burrow_address_entry *answers, size_t n_answers)
{
	struct burrowd_peer *peer = s->peer;
	struct burrowd_negotiation *n = &peer->nego;
	struct burrow_address_entry reply[BURROW_CONNECTIP_LIST_MAX];
	uint8_t value[BURROW_CAPSULE_VALUE_MAX];
	size_t next = 0;
	char why[240];

	do {
		size_t n_reply = n->n_granted;
		int len;

		memcpy(reply, n->granted, n->n_granted * sizeof(reply[0]));
		for (; next < n_answers && n_reply < BURROW_CONNECTIP_LIST_MAX; next++) {
			bool listed = false;

			for (size_t j = 0; j < n->n_granted && !listed; j++)
				listed = n->granted[j].request_id == answers[next].request_id &&
					 burrow_text_prefix_equal(&n->granted[j].prefix,
							     &answers[next].prefix);
			if (!listed)
				reply[n_reply++] = answers[next];
		}
		len = burrow_address_list_encode(BURROW_CAPSULE_ADDRESS_ASSIGN, reply, n_reply,
						 value, sizeof(value), why, sizeof(why));
		if (len < 0) {
			burrowd_event(s->d, peer, "error", "cannot build ADDRESS_ASSIGN for %s: %s",
				      peer->name, why);
			return;
		}
		burrowd_session_send(s, BURROW_CAPSULE_ADDRESS_ASSIGN, value, (size_t)len);
	} while (next < n_answers);
}

static void handle_address_request(struct burrowd_session *s, const struct burrow_capsule *c)
{
	struct burrowd *d = s->d;
	struct burrowd_peer *peer = s->peer;
	struct burrowd_negotiation *n = &peer->nego;
	struct burrow_address_entry req[BURROW_CONNECTIP_LIST_MAX];
	struct burrow_address_entry answers[BURROW_CONNECTIP_LIST_MAX];
	struct burrow_nl_prefix fresh[BURROW_CONNECTIP_LIST_MAX];
	size_t n_req, n_fresh = 0;
	char why[240], reason[300], text[64];

	if (burrow_address_request_decode(c->value, c->length, req, &n_req, why, sizeof(why))) {
		burrowd_session_abort(s, why);
		return;
	}
	/* Each ID is remembered for the stream's life: bound what a peer can make us keep. */
	if (s->seen_request_ids.n + n_req > REQUEST_IDS_MAX) {
		snprintf(reason, sizeof(reason), "more than %d address requests on one control stream",
			 REQUEST_IDS_MAX);
		burrowd_session_abort(s, reason);
		return;
	}
	for (size_t i = 0; i < n_req; i++) {
		if (burrow_request_ids_note(&s->seen_request_ids, req[i].request_id)) {
			snprintf(reason, sizeof(reason),
				 "ADDRESS_REQUEST reuses request ID %" PRIu64, req[i].request_id);
			burrowd_session_abort(s, reason);
			return;
		}
	}
	/* answers[i] answers req[i]: a lease or a rejection, never nothing. */
	for (size_t i = 0; i < n_req; i++) {
		const struct burrow_address_entry *same =
			answered_family(answers, i, req[i].prefix.family);
		struct burrow_nl_prefix out, old;
		bool changed = false, replaced, is_new;
		int ret = -EAFNOSUPPORT;

		answers[i].request_id = req[i].request_id;
		snprintf(why, sizeof(why), "this node has no address pool");
		if (same) {
			/*
			 * One lease per peer and IP version, and never re-leased
			 * within one capsule: a later "any" request of that
			 * version gets the same lease under its own ID, a
			 * different specific one a rejection.
			 */
			if (burrow_address_is_unspecified(&req[i].prefix) ||
			    burrow_text_prefix_equal(&req[i].prefix, &same->prefix)) {
				out = same->prefix;
				ret = 0;
			} else {
				snprintf(why, sizeof(why),
					 "%s was assigned to request %" PRIu64
					 " of the same capsule (one address per IP version)",
					 prefix_text(&same->prefix, text, sizeof(text)),
					 same->request_id);
				ret = -EADDRINUSE;
			}
		} else if (d->config->node.address_pool.n) {
			ret = burrow_pool_assign(&d->pool, peer->public_key, &req[i].prefix, &out,
						 &changed, why, sizeof(why));
		}
		if (ret) {
			burrowd_event(d, peer, "address-refused",
				      "address request %" PRIu64 " from %s for %s refused: %s",
				      req[i].request_id, peer->name,
				      prefix_text(&req[i].prefix, text, sizeof(text)), why);
			burrow_address_rejection(req[i].prefix.family, &answers[i].prefix);
			continue;
		}
		answers[i].prefix = out;
		burrowd_event(d, peer, "address", "assigned %s to %s (request %" PRIu64 ")",
			      prefix_text(&out, text, sizeof(text)), peer->name, req[i].request_id);
		if (same)
			continue;
		if (changed && d->store) {
			prefix_text(&out, text, sizeof(text));
			if (burrow_store_lease_set(d->store, peer->public_key,
						   out.family == AF_INET ? 4 : 6, text))
				burrowd_event(d, peer, "error", "cannot store the lease of %s: %s",
					      text, burrow_store_error(d->store));
		}
		is_new = true;
		for (size_t j = 0; j < n->n_granted; j++)
			is_new &= !burrow_text_prefix_equal(&n->granted[j].prefix, &out);
		granted_set(n, req[i].request_id, &out, &old, &replaced);
		if (replaced)
			route_del(peer, &old);
		if (is_new)
			fresh[n_fresh++] = out;
	}
	kernel_prefixes_update(peer);
	for (size_t i = 0; i < n_fresh; i++)
		route_add(peer, &fresh[i]);
	send_address_answers(s, answers, n_req);
	/* A new lease may overlap a route relayed to this peer. */
	relay_update(d);
}

/*
 * Prefixes other peers hold: their allowed_ips, accepted routes and leases,
 * and the addresses they assigned to this node.
 */
static size_t taken_by_others(const struct burrowd_peer *peer, struct burrow_nl_prefix **out)
{
	const struct burrowd *d = peer->d;
	size_t n = 0, cap = 0;
	struct burrow_nl_prefix *all = NULL;

	for (size_t i = 0; i < d->n_peers; i++) {
		const struct burrowd_peer *o = &d->peers[i];
		size_t need;

		if (o == peer)
			continue;
		need = n + o->n_prefixes + o->nego.n_accepted + o->nego.n_granted +
		       o->nego.n_assigned;
		if (need > cap) {
			struct burrow_nl_prefix *grown = realloc(all, (need + 16) * sizeof(*grown));

			if (!grown)
				break;
			all = grown;
			cap = need + 16;
		}
		for (size_t j = 0; j < o->n_prefixes; j++)
			all[n++] = o->prefixes[j];
		for (size_t j = 0; j < o->nego.n_accepted; j++)
			all[n++] = o->nego.accepted[j];
		for (size_t j = 0; j < o->nego.n_granted; j++)
			all[n++] = o->nego.granted[j].prefix;
		for (size_t j = 0; j < o->nego.n_assigned; j++)
			all[n++] = o->nego.assigned[j];
	}
	*out = all;
	return n;
}

/* Room for prefixes in a growing array; false when out of memory. */
static bool taken_grow(struct burrow_nl_prefix **all, size_t *cap, size_t need)
{
	struct burrow_nl_prefix *grown;

	if (need <= *cap)
		return true;
	grown = realloc(*all, (need + 16) * sizeof(*grown));
	if (!grown)
		return false;
	*all = grown;
	*cap = need + 16;
	return true;
}

/* A socket address as a host prefix (/32 or /128; v4-mapped as IPv4). */
static bool host_prefix(const struct sockaddr *sa, struct burrow_nl_prefix *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		out->family = AF_INET;
		memcpy(out->addr.bytes, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		out->len = 32;
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a)) {
			out->family = AF_INET;
			memcpy(out->addr.bytes, &a->s6_addr[12], 4);
			out->len = 32;
		} else {
			out->family = AF_INET6;
			memcpy(out->addr.bytes, a, 16);
			out->len = 128;
		}
		return true;
	}
	return false;
}

/*
 * What an address a peer assigns us must not overlap: other peers'
 * prefixes (as for routes), our own pool, configured addresses, every
 * underlay address (each peer's endpoint and current remote address) and
 * every address on this host's interfaces, except the ones this peer
 * assigned earlier (they are on our device because of it). *out is heap.
 * Returns false (and frees) when the list could not be built: the caller
 * then refuses everything rather than accept what it could not check.
 */
static bool taken_for_addresses(const struct burrowd_peer *peer, struct burrow_nl_prefix **out,
				size_t *n_out)
{
	const struct burrowd *d = peer->d;
	const struct burrow_config_node *node = &d->config->node;
	struct burrow_nl_prefix *all = NULL, host;
	size_t n = taken_by_others(peer, &all), cap = n;
	struct ifaddrs *ifa = NULL;

	if (!taken_grow(&all, &cap, n + node->address_pool.n + node->addresses.n))
		goto fail;
	for (size_t i = 0; i < node->address_pool.n; i++)
		all[n++] = node->address_pool.items[i];
	for (size_t i = 0; i < node->addresses.n; i++) {
		all[n] = node->addresses.items[i];
		all[n++].len = node->addresses.items[i].family == AF_INET ? 32 : 128;
	}
	for (size_t i = 0; i < d->n_peers; i++) {
		const struct burrowd_peer *o = &d->peers[i];
		socklen_t len;

		if (!taken_grow(&all, &cap, n + 2))
			goto fail;
		if (o->has_endpoint && host_prefix((const struct sockaddr *)&o->endpoint, &host))
			all[n++] = host;
		if (o->session && o->session->conn &&
		    host_prefix(burrow_quic_remote_addr(o->session->conn, &len), &host))
			all[n++] = host;
	}
	if (getifaddrs(&ifa))
		goto fail;
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		/* Our own earlier grant from this peer (before a kill -9) is no conflict. */
		if (!i->ifa_addr || !host_prefix(i->ifa_addr, &host) ||
		    prefix_in(&host, peer->nego.assigned, peer->nego.n_assigned) ||
		    burrow_netconf_leftover_for(&peer->d->netconf, &host, peer->public_key))
			continue;
		if (!taken_grow(&all, &cap, n + 1)) {
			freeifaddrs(ifa);
			goto fail;
		}
		all[n++] = host;
	}
	freeifaddrs(ifa);
	*out = all;
	*n_out = n;
	return true;
fail:
	free(all);
	*out = NULL;
	*n_out = 0;
	return false;
}

/* Sweep filter: keep every leftover but the addresses installed for peer. */
static bool keep_unless_address_of(void *ctx, const struct burrow_netconf_item *item)
{
	const struct burrowd_peer *peer = ctx;

	return item->kind != BURROW_NETCONF_ADDRESS || !item->has_owner ||
	       memcmp(item->owner, peer->public_key, 32);
}

static void handle_address_assign(struct burrowd_session *s, const struct burrow_capsule *c)
{
	struct burrowd *d = s->d;
	struct burrowd_peer *peer = s->peer;
	struct burrowd_negotiation *n = &peer->nego;
	struct burrow_address_entry got[BURROW_CONNECTIP_LIST_MAX];
	struct burrow_address_entry offered[BURROW_CONNECTIP_LIST_MAX];
	struct burrow_address_entry taken_now[BURROW_CONNECTIP_LIST_MAX];
	struct burrow_refused_address refused[BURROW_CONNECTIP_LIST_MAX];
	struct burrow_nl_prefix now[BURROW_CONNECTIP_LIST_MAX], *taken;
	size_t n_got, n_offered = 0, n_now = 0, n_taken_now, n_refused, n_taken;
	char why[240], reason[300], text[64];

	if (burrow_address_assign_decode(c->value, c->length, got, &n_got, why, sizeof(why))) {
		burrowd_session_abort(s, why);
		return;
	}
	for (size_t i = 0; i < n_got; i++) {
		bool ours = got[i].request_id == 0;

		for (size_t j = 0; j < n->n_requested && !ours; j++)
			ours = n->requested[j].request_id == got[i].request_id;
		if (!ours) {
			snprintf(reason, sizeof(reason),
				 "ADDRESS_ASSIGN answers request ID %" PRIu64 ", which was never sent",
				 got[i].request_id);
			burrowd_session_abort(s, reason);
			return;
		}
		if (burrow_address_is_unspecified(&got[i].prefix)) {
			burrowd_event(d, peer, "address-refused",
				      "%s refused address request %" PRIu64, peer->name,
				      got[i].request_id);
			n->n_rejected++;
			continue;
		}
		offered[n_offered++] = got[i];
	}
	/* Only answers to our requests, inside the operator's policy, clashing with nothing. */
	if (taken_for_addresses(peer, &taken, &n_taken)) {
		burrow_policy_addresses(n->requested, n->n_requested,
					peer->policy ? &peer->policy->accept_addresses : &no_prefixes,
					taken, n_taken, offered, n_offered, taken_now, &n_taken_now,
					refused, &n_refused);
		free(taken);
	} else {
		burrowd_event(d, peer, "error", "cannot list local addresses: %s", strerror(errno));
		n_taken_now = 0;
		for (n_refused = 0; n_refused < n_offered; n_refused++) {
			refused[n_refused].entry = offered[n_refused];
			refused[n_refused].reason = BURROW_ADDRESS_REFUSED_CONFLICT;
		}
	}
	for (size_t i = 0; i < n_refused; i++)
		burrowd_event(d, peer, "address-refused",
			      "address %s from %s (request %" PRIu64 ") refused: %s",
			      prefix_text(&refused[i].entry.prefix, text, sizeof(text)), peer->name,
			      refused[i].entry.request_id,
			      burrow_address_refusal_name(refused[i].reason));
	memcpy(n->refused_addresses, refused, n_refused * sizeof(refused[0]));
	n->n_refused_addresses = n_refused;
	for (size_t i = 0; i < n_taken_now; i++)
		now[n_now++] = taken_now[i].prefix;
	/* Full-list replacement: what is missing now was withdrawn (or is refused now). */
	for (size_t i = 0; i < n->n_assigned; i++) {
		if (prefix_in(&n->assigned[i], now, n_now))
			continue;
		burrowd_event(d, peer, "address", "%s withdrew address %s", peer->name,
			      prefix_text(&n->assigned[i], text, sizeof(text)));
		if (d->netconf.rtnl.sock && burrow_netconf_address_del(&d->netconf, &n->assigned[i]))
			burrowd_event(d, peer, "error", "cannot remove address %s: %s", text,
				      d->netconf.why);
	}
	for (size_t i = 0; i < n_now; i++) {
		if (prefix_in(&now[i], n->assigned, n->n_assigned))
			continue;
		burrowd_event(d, peer, "address", "%s assigned address %s", peer->name,
			      prefix_text(&now[i], text, sizeof(text)));
		if (d->netconf.rtnl.sock &&
		    burrow_netconf_address_add_for(&d->netconf, &now[i], peer->public_key))
			burrowd_event(d, peer, "error", "cannot add address %s: %s", text,
				      d->netconf.why);
	}
	memcpy(n->assigned, now, n_now * sizeof(now[0]));
	n->n_assigned = n_now;
	/* This peer has answered: its leftover addresses it did not grant again go. */
	if (d->netconf.rtnl.sock)
		burrow_netconf_sweep(&d->netconf, keep_unless_address_of, peer);
}

/* ---- receiving: routes -------------------------------------------------------- */

static void handle_route_advertisement(struct burrowd_session *s, const struct burrow_capsule *c)
{
	struct burrowd *d = s->d;
	struct burrowd_peer *peer = s->peer;
	struct burrowd_negotiation *n = &peer->nego;
	struct burrow_ip_range ranges[BURROW_CONNECTIP_LIST_MAX];
	struct burrow_nl_prefix accepted[BURROW_CONNECTIP_LIST_MAX], *taken;
	struct burrow_nl_prefix fresh[BURROW_CONNECTIP_LIST_MAX];
	struct burrow_refused_range refused[BURROW_CONNECTIP_LIST_MAX];
	uint8_t value[BURROW_CAPSULE_VALUE_MAX];
	size_t n_ranges, n_accepted, n_refused, n_taken, n_fresh = 0;
	char why[240], text[100], name[32];
	int len;

	if (burrow_route_advertisement_decode(c->value, c->length, ranges, &n_ranges, why,
					      sizeof(why))) {
		burrowd_session_abort(s, why);
		return;
	}
	n_taken = taken_by_others(peer, &taken);
	burrow_policy_routes(may_announce_of(peer), taken, n_taken, ranges, n_ranges, accepted,
			     &n_accepted, refused, &n_refused);
	free(taken);
	/* Withdrawn (or no longer allowed) routes go first, from device and kernel. */
	for (size_t i = 0; i < n->n_accepted; i++) {
		if (prefix_in(&n->accepted[i], accepted, n_accepted))
			continue;
		burrowd_event(d, peer, "route", "route %s from %s withdrawn",
			      prefix_text(&n->accepted[i], text, sizeof(text)), peer->name);
		route_del(peer, &n->accepted[i]);
	}
	for (size_t i = 0; i < n_accepted; i++) {
		if (prefix_in(&accepted[i], n->accepted, n->n_accepted))
			continue;
		burrowd_event(d, peer, "route", "route %s from %s accepted",
			      prefix_text(&accepted[i], text, sizeof(text)), peer->name);
		fresh[n_fresh++] = accepted[i];
	}
	for (size_t i = 0; i < n_refused; i++)
		burrowd_event(d, peer, "route-refused", "route %s from %s refused: %s",
			      range_text(&refused[i].range, text, sizeof(text)), peer->name,
			      burrow_route_refusal_name(refused[i].reason, name, sizeof(name)));
	memcpy(n->accepted, accepted, n_accepted * sizeof(accepted[0]));
	n->n_accepted = n_accepted;
	memcpy(n->refused, refused, n_refused * sizeof(refused[0]));
	n->n_refused = n_refused;
	/* The kernel takes the prefixes before the device routes point there. */
	kernel_prefixes_update(peer);
	for (size_t i = 0; i < n_fresh; i++)
		route_add(peer, &fresh[i]);
	/* Every advertisement is answered, an empty ROUTE_REFUSED meaning "all taken". */
	len = burrow_route_refused_encode(refused, n_refused, value, sizeof(value));
	if (len >= 0)
		burrowd_session_send(s, BURROW_CAPSULE_ROUTE_REFUSED, value, (size_t)len);
	/* After the answer: pass the change on to the other peers (relay_routes). */
	relay_update(d);
}

static void handle_route_refused(struct burrowd_session *s, const struct burrow_capsule *c)
{
	struct burrowd_peer *peer = s->peer;
	struct burrowd_negotiation *n = &peer->nego;
	struct burrow_refused_range refused[BURROW_CONNECTIP_LIST_MAX];
	size_t n_refused;
	char why[240], text[100], name[32];

	if (burrow_route_refused_decode(c->value, c->length, refused, &n_refused, why, sizeof(why))) {
		burrowd_session_abort(s, why);
		return;
	}
	for (size_t i = 0; i < n_refused; i++)
		burrowd_event(s->d, peer, "route-refused", "%s refused our route %s: %s", peer->name,
			      range_text(&refused[i].range, text, sizeof(text)),
			      burrow_route_refusal_name(refused[i].reason, name, sizeof(name)));
	memcpy(n->refused_by_peer, refused, n_refused * sizeof(refused[0]));
	n->n_refused_by_peer = n_refused;
	n->refusals_received = true;
}

void burrowd_negotiate_capsule(struct burrowd_session *s, const struct burrow_capsule *c)
{
	switch (c->type) {
	case BURROW_CAPSULE_ADDRESS_REQUEST: handle_address_request(s, c); break;
	case BURROW_CAPSULE_ADDRESS_ASSIGN: handle_address_assign(s, c); break;
	case BURROW_CAPSULE_ROUTE_ADVERTISEMENT: handle_route_advertisement(s, c); break;
	case BURROW_CAPSULE_ROUTE_REFUSED: handle_route_refused(s, c); break;
	}
}

/* ---- node-wide ---------------------------------------------------------------- */

/* Sweep filter at start: a leftover whose peer is still configured waits
 * for that peer's session (or the grace sweep); the others go now. */
static bool keep_for_configured_peer(void *ctx, const struct burrow_netconf_item *item)
{
	const struct burrowd *d = ctx;

	if (!item->has_owner)
		return false;
	for (size_t i = 0; i < d->n_peers; i++)
		if (!memcmp(d->peers[i].public_key, item->owner, 32))
			return true;
	return false;
}

void burrowd_negotiate_sweep_leftovers(struct burrowd *d)
{
	if (d->netconf.rtnl.sock)
		burrow_netconf_sweep(&d->netconf, NULL, NULL);
}

int burrowd_negotiate_init(struct burrowd *d)
{
	const struct burrow_config_node *node = &d->config->node;
	struct burrow_lease *leases = NULL;
	size_t n_leases = 0;
	char text[64], why[200];
	int ret;

	burrow_pool_init(&d->pool, &node->address_pool, &node->addresses);
	ret = burrow_netconf_open(&d->netconf, (int)d->kernel.ifindex);
	if (ret) {
		burrow_log(BURROW_LOG_ERROR, "%s", d->netconf.why);
		return ret;
	}
	/* What an earlier run (killed with SIGKILL) left on the device. */
	if (burrow_netconf_recover(&d->netconf, d->store, node->device) < 0)
		burrow_log(BURROW_LOG_WARNING, "leftovers not recovered: %s", d->netconf.why);
	for (size_t i = 0; i < node->addresses.n; i++) {
		ret = burrow_netconf_address_add(&d->netconf, &node->addresses.items[i]);
		if (ret) {
			burrow_log(BURROW_LOG_ERROR, "%s", d->netconf.why);
			return ret;
		}
	}
	/* The node's own addresses are adopted by now; the rest wait for their peer. */
	burrow_netconf_sweep(&d->netconf, keep_for_configured_peer, d);
	if (!node->address_pool.n || !d->store)
		return 0;
	if (burrow_store_lease_list(d->store, &leases, &n_leases)) {
		burrow_log(BURROW_LOG_WARNING, "leases: %s", burrow_store_error(d->store));
		return 0;
	}
	for (size_t i = 0; i < n_leases; i++) {
		struct burrow_nl_prefix address;

		if (burrow_prefix_parse(leases[i].address, &address, why, sizeof(why)) ||
		    burrow_pool_restore(&d->pool, leases[i].public_key, &address, why, sizeof(why)))
			burrow_log(BURROW_LOG_WARNING, "lease of %s not restored: %s",
				   leases[i].node_name, why);
		else
			burrow_log(BURROW_LOG_DEBUG, "lease %s of %s restored",
				   prefix_text(&address, text, sizeof(text)), leases[i].node_name);
	}
	burrow_store_leases_free(leases);
	return 0;
}

void burrowd_negotiate_fini(struct burrowd *d)
{
	for (size_t i = 0; i < d->n_peers; i++)
		forget(&d->peers[i]);
	burrow_netconf_close(&d->netconf);
	burrow_pool_free(&d->pool);
}

/* ---- operator output ------------------------------------------------------------ */

static void json_prefixes(FILE *out, const char *key, const struct burrow_nl_prefix *p, size_t n)
{
	char text[64];

	fprintf(out, ",\"%s\":[", key);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s\"%s\"", i ? "," : "", prefix_text(&p[i], text, sizeof(text)));
	fputc(']', out);
}

static void json_refused(FILE *out, const char *key, const struct burrow_refused_range *r,
			 size_t n)
{
	char text[100], name[32];

	fprintf(out, ",\"%s\":[", key);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s{\"route\":\"%s\",\"reason\":\"%s\"}", i ? "," : "",
			range_text(&r[i].range, text, sizeof(text)),
			burrow_route_refusal_name(r[i].reason, name, sizeof(name)));
	fputc(']', out);
}

void burrowd_negotiate_write_routes(struct burrowd *d, FILE *out, bool json)
{
	char text[100], name[32];

	if (json)
		fputs("{\"peers\":[", out);
	for (size_t i = 0; i < d->n_peers; i++) {
		const struct burrowd_peer *peer = &d->peers[i];
		const struct burrowd_negotiation *n = &peer->nego;

		if (json) {
			fprintf(out, "%s{\"name\":\"%s\"", i ? "," : "", peer->name);
			json_prefixes(out, "accepted", n->accepted, n->n_accepted);
			json_refused(out, "refused", n->refused, n->n_refused);
			fputs(",\"advertised\":[", out);
			for (size_t j = 0; j < n->n_advertised; j++)
				fprintf(out, "%s\"%s\"", j ? "," : "",
					range_text(&n->advertised[j], text, sizeof(text)));
			fputc(']', out);
			json_refused(out, "refused_by_peer", n->refused_by_peer, n->n_refused_by_peer);
			fputs(",\"relayed\":[", out);
			for (size_t j = 0; j < n->n_relayed; j++)
				fprintf(out, "%s{\"route\":\"%s\",\"from\":\"%s\"}", j ? "," : "",
					prefix_text(&n->relayed[j].prefix, text, sizeof(text)),
					peer_name_at(d, n->relayed[j].from));
			fputs("],\"not_relayed\":[", out);
			for (size_t j = 0; j < n->n_not_relayed; j++)
				fprintf(out, "%s{\"route\":\"%s\",\"from\":\"%s\",\"reason\":\"%s\"}",
					j ? "," : "",
					prefix_text(&n->not_relayed[j].route.prefix, text, sizeof(text)),
					peer_name_at(d, n->not_relayed[j].route.from),
					burrow_relay_skip_name(n->not_relayed[j].reason));
			fputs("]}", out);
			continue;
		}
		fprintf(out, "peer %s\n", peer->name);
		for (size_t j = 0; j < n->n_accepted; j++)
			fprintf(out, "  accepted %s\n", prefix_text(&n->accepted[j], text, sizeof(text)));
		for (size_t j = 0; j < n->n_refused; j++)
			fprintf(out, "  refused %s (%s)\n",
				range_text(&n->refused[j].range, text, sizeof(text)),
				burrow_route_refusal_name(n->refused[j].reason, name, sizeof(name)));
		for (size_t j = 0; j < n->n_advertised; j++)
			fprintf(out, "  advertised %s\n",
				range_text(&n->advertised[j], text, sizeof(text)));
		for (size_t j = 0; j < n->n_refused_by_peer; j++)
			fprintf(out, "  refused by peer %s (%s)\n",
				range_text(&n->refused_by_peer[j].range, text, sizeof(text)),
				burrow_route_refusal_name(n->refused_by_peer[j].reason, name,
							  sizeof(name)));
		for (size_t j = 0; j < n->n_relayed; j++)
			fprintf(out, "  relayed %s from %s\n",
				prefix_text(&n->relayed[j].prefix, text, sizeof(text)),
				peer_name_at(d, n->relayed[j].from));
		for (size_t j = 0; j < n->n_not_relayed; j++)
			fprintf(out, "  not relayed %s from %s (%s)\n",
				prefix_text(&n->not_relayed[j].route.prefix, text, sizeof(text)),
				peer_name_at(d, n->not_relayed[j].route.from),
				burrow_relay_skip_name(n->not_relayed[j].reason));
	}
	if (json)
		fputs("]}\n", out);
}

void burrowd_negotiate_write_addresses(struct burrowd *d, FILE *out, bool json)
{
	const struct burrow_config_node *node = &d->config->node;
	char text[64];

	if (json) {
		fprintf(out, "{\"device\":\"%s\"", d->kernel.ifname);
		json_prefixes(out, "configured", node->addresses.items, node->addresses.n);
		json_prefixes(out, "pool", node->address_pool.items, node->address_pool.n);
		fputs(",\"leases\":[", out);
		for (size_t i = 0; i < d->pool.n_leases; i++) {
			const struct burrowd_peer *holder = burrowd_peer_by_key(d,
							d->pool.leases[i].public_key);

			fprintf(out, "%s{\"peer\":\"%s\",\"address\":\"%s\"}", i ? "," : "",
				holder ? holder->name : "",
				prefix_text(&d->pool.leases[i].address, text, sizeof(text)));
		}
		fputs("],\"peers\":[", out);
	} else {
		fprintf(out, "device %s\n", d->kernel.ifname);
		for (size_t i = 0; i < node->addresses.n; i++)
			fprintf(out, "  address %s (configured)\n",
				prefix_text(&node->addresses.items[i], text, sizeof(text)));
		for (size_t i = 0; i < node->address_pool.n; i++)
			fprintf(out, "  pool %s\n",
				prefix_text(&node->address_pool.items[i], text, sizeof(text)));
		for (size_t i = 0; i < d->pool.n_leases; i++) {
			const struct burrowd_peer *holder = burrowd_peer_by_key(d,
							d->pool.leases[i].public_key);

			fprintf(out, "  lease %s to %s\n",
				prefix_text(&d->pool.leases[i].address, text, sizeof(text)),
				holder ? holder->name : "(unknown node)");
		}
	}
	for (size_t i = 0; i < d->n_peers; i++) {
		const struct burrowd_peer *peer = &d->peers[i];
		const struct burrowd_negotiation *n = &peer->nego;
		struct burrow_nl_prefix granted[BURROW_CONNECTIP_LIST_MAX];

		for (size_t j = 0; j < n->n_granted; j++)
			granted[j] = n->granted[j].prefix;
		if (json) {
			fprintf(out, "%s{\"name\":\"%s\"", i ? "," : "", peer->name);
			json_prefixes(out, "assigned_by_peer", n->assigned, n->n_assigned);
			json_prefixes(out, "assigned_to_peer", granted, n->n_granted);
			fputs(",\"refused_from_peer\":[", out);
			for (size_t j = 0; j < n->n_refused_addresses; j++)
				fprintf(out, "%s{\"address\":\"%s\",\"request_id\":%" PRIu64
					",\"reason\":\"%s\"}", j ? "," : "",
					prefix_text(&n->refused_addresses[j].entry.prefix, text,
						    sizeof(text)),
					n->refused_addresses[j].entry.request_id,
					burrow_address_refusal_name(n->refused_addresses[j].reason));
			fprintf(out, "],\"requests_refused\":%zu}", n->n_rejected);
			continue;
		}
		fprintf(out, "peer %s\n", peer->name);
		for (size_t j = 0; j < n->n_assigned; j++)
			fprintf(out, "  assigned by peer %s\n",
				prefix_text(&n->assigned[j], text, sizeof(text)));
		for (size_t j = 0; j < n->n_granted; j++)
			fprintf(out, "  assigned to peer %s\n",
				prefix_text(&granted[j], text, sizeof(text)));
		for (size_t j = 0; j < n->n_refused_addresses; j++)
			fprintf(out, "  refused from peer %s (request %" PRIu64 ", %s)\n",
				prefix_text(&n->refused_addresses[j].entry.prefix, text, sizeof(text)),
				n->refused_addresses[j].entry.request_id,
				burrow_address_refusal_name(n->refused_addresses[j].reason));
		if (n->n_rejected)
			fprintf(out, "  %zu address requests refused by peer\n", n->n_rejected);
	}
	if (json)
		fputs("]}\n", out);
}
