// SPDX-License-Identifier: GPL-2.0
/* Fuzz harness node: see neg_harness.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neg_harness.h"
#include "policy.h"
#include "session.h"
#include "store.h"

static struct burrow_config cfg;
static struct burrowd daemon_;
static struct burrowd_session sess;
static int aborted;
static size_t device_addresses;	/* addresses on the "device" right now */
static size_t configured_addresses;	/* of them, the node's own (stay) */

/* ---- stubs: what negotiate.c calls outside the state machine ------------- */

void burrowd_event(struct burrowd *d, const struct burrowd_peer *peer, const char *kind,
		   const char *fmt, ...)
{
	(void)d;
	(void)peer;
	(void)kind;
	(void)fmt;
}

void burrowd_session_abort(struct burrowd_session *s, const char *reason)
{
	(void)s;
	if (!reason || !reason[0])
		abort();	/* every abort names the rule */
	aborted = 1;
}

int burrowd_session_send(struct burrowd_session *s, uint64_t type, const uint8_t *value,
			 size_t len)
{
	struct burrow_address_entry e[BURROW_CONNECTIP_LIST_MAX];
	struct burrow_refused_range r[BURROW_CONNECTIP_LIST_MAX];
	struct burrow_ip_range ranges[BURROW_CONNECTIP_LIST_MAX];
	char why[200];
	size_t n;

	(void)s;
	/* Whatever we send must be valid RFC 9484 for the peer. */
	if (len > BURROW_CAPSULE_VALUE_MAX)
		abort();
	if (type == BURROW_CAPSULE_ADDRESS_ASSIGN &&
	    burrow_address_assign_decode(value, len, e, &n, why, sizeof(why)))
		abort();
	if (type == BURROW_CAPSULE_ADDRESS_REQUEST &&
	    burrow_address_request_decode(value, len, e, &n, why, sizeof(why)))
		abort();
	if (type == BURROW_CAPSULE_ROUTE_REFUSED &&
	    burrow_route_refused_decode(value, len, r, &n, why, sizeof(why)))
		abort();
	if (type == BURROW_CAPSULE_ROUTE_ADVERTISEMENT &&
	    burrow_route_advertisement_decode(value, len, ranges, &n, why, sizeof(why)))
		abort();
	return 0;
}

struct burrowd_peer *burrowd_peer_by_key(struct burrowd *d, const uint8_t key[32])
{
	for (size_t i = 0; i < d->n_peers; i++)
		if (!memcmp(d->peers[i].public_key, key, 32))
			return &d->peers[i];
	return NULL;
}

static struct sockaddr_in remote = { .sin_family = AF_INET, .sin_port = 0x1234 };

const struct sockaddr *burrow_quic_remote_addr(const struct burrow_quic_conn *c, socklen_t *len)
{
	(void)c;
	*len = sizeof(remote);
	return (const struct sockaddr *)&remote;
}

int burrow_kernel_peer_set_prefixes(struct burrow_kernel *k, uint32_t id,
				    const struct burrow_nl_prefix *prefixes, size_t n)
{
	(void)k;
	(void)id;
	(void)prefixes;
	(void)n;
	return 0;
}

int burrow_netconf_open(struct burrow_netconf *nc, int ifindex)
{
	(void)nc;
	(void)ifindex;
	return 0;
}

void burrow_netconf_close(struct burrow_netconf *nc)
{
	(void)nc;
}

int burrow_netconf_address_add(struct burrow_netconf *nc, const struct burrow_nl_prefix *a)
{
	(void)nc;
	(void)a;
	device_addresses++;
	return 0;
}

int burrow_netconf_address_del(struct burrow_netconf *nc, const struct burrow_nl_prefix *a)
{
	(void)nc;
	(void)a;
	if (!device_addresses)
		abort();	/* removes only what it added */
	device_addresses--;
	return 0;
}

int burrow_netconf_route_add(struct burrow_netconf *nc, const struct burrow_nl_prefix *p)
{
	(void)nc;
	(void)p;
	return 0;
}

int burrow_netconf_route_del(struct burrow_netconf *nc, const struct burrow_nl_prefix *p)
{
	(void)nc;
	(void)p;
	return 0;
}

int burrow_netconf_address_add_for(struct burrow_netconf *nc, const struct burrow_nl_prefix *a,
				   const uint8_t *owner)
{
	(void)owner;
	return burrow_netconf_address_add(nc, a);
}

int burrow_netconf_route_add_for(struct burrow_netconf *nc, const struct burrow_nl_prefix *p,
				 const uint8_t *owner)
{
	(void)owner;
	return burrow_netconf_route_add(nc, p);
}

/* No earlier run: nothing left over. */
int burrow_netconf_recover(struct burrow_netconf *nc, struct burrow_store *store,
			   const char *device)
{
	(void)nc;
	(void)store;
	(void)device;
	return 0;
}

bool burrow_netconf_leftover_for(const struct burrow_netconf *nc, const struct burrow_nl_prefix *p,
				 const uint8_t owner[32])
{
	(void)nc;
	(void)p;
	(void)owner;
	return false;
}

size_t burrow_netconf_sweep(struct burrow_netconf *nc,
			    bool (*keep)(void *ctx, const struct burrow_netconf_item *item),
			    void *ctx)
{
	(void)nc;
	(void)keep;
	(void)ctx;
	return 0;
}

int burrow_netconf_set_mtu(struct burrow_netconf *nc, unsigned int mtu)
{
	(void)nc;
	if (mtu < 1280)
		abort();	/* RFC 9484 §7.2 */
	return 0;
}

int burrow_store_lease_set(struct burrow_store *st, const uint8_t key[32], int version,
			   const char *address)
{
	(void)st;
	(void)key;
	(void)version;
	(void)address;
	return 0;
}

const char *burrow_store_error(const struct burrow_store *st)
{
	(void)st;
	return "";
}

int burrow_store_lease_list(struct burrow_store *st, struct burrow_lease **out, size_t *n)
{
	(void)st;
	*out = NULL;
	*n = 0;
	return 0;
}

void burrow_store_leases_free(struct burrow_lease *leases)
{
	(void)leases;
}

/* ---- the node ---------------------------------------------------------------- */

static const char config_text[] =
	"[node]\n"
	"name = hub\n"
	"private_key = /nonexistent\n"
	"address = 10.99.0.1/24\n"
	"address_pool = 10.99.0.0/24, fd99::/64\n"
	"advertise_routes = 10.99.0.0/24\n"
	"[peer m3]\n"
	"public_key = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
	"endpoint = 198.51.100.3:51821\n"
	"request_address = auto, auto6, 10.99.0.7/32\n"
	"accept_addresses = 10.98.0.0/16, fd98::/64\n"
	"may_announce = 10.20.0.0/16\n"
	"[peer m2]\n"
	"public_key = AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
	"allowed_ips = 10.20.2.0/24\n"
	"may_announce = 10.20.0.0/16\n";

void neg_harness_init(void)
{
	char err[256];

	if (burrow_config_parse_string(config_text, "fuzz.conf", &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz config: %s\n", err);
		abort();
	}
	daemon_.config = &cfg;
	daemon_.n_peers = 2;
	daemon_.peers = calloc(2, sizeof(*daemon_.peers));
	if (!daemon_.peers)
		abort();
	for (size_t i = 0; i < 2; i++) {
		struct burrowd_peer *p = &daemon_.peers[i];

		p->d = &daemon_;
		snprintf(p->name, sizeof(p->name), "%s", cfg.peers[i].name);
		memcpy(p->public_key, cfg.peers[i].public_key, 32);
		p->policy = &cfg.peers[i];
		p->kernel_id = (uint32_t)i + 7;
		p->kernel_peer = true;
		/* allowed_ips as burrowd.c loads them */
		p->n_prefixes = cfg.peers[i].n_allowed_ips;
		p->prefixes = calloc(p->n_prefixes + 1, sizeof(*p->prefixes));
		if (!p->prefixes)
			abort();
		for (size_t j = 0; j < p->n_prefixes; j++)
			p->prefixes[j] = cfg.peers[i].allowed_ips[j];
	}
	remote.sin_addr.s_addr = htonl(0xc6336403);	/* 198.51.100.3 */
	daemon_.netconf.rtnl.sock = (struct mnl_socket *)&daemon_;	/* "open": stubs count */
	if (burrowd_negotiate_init(&daemon_))
		abort();
	configured_addresses = device_addresses;
}

/* State invariants after every capsule. */
static void check(const struct burrowd_peer *peer)
{
	const struct burrowd_negotiation *n = &peer->nego;
	const struct burrow_config_peer *pol = peer->policy;

	if (n->n_assigned > BURROW_CONNECTIP_LIST_MAX || n->n_accepted > BURROW_CONNECTIP_LIST_MAX ||
	    n->n_granted > 2 || n->n_refused_addresses > BURROW_CONNECTIP_LIST_MAX)
		abort();
	/* Every address on the device answers one of our requests, inside accept_addresses. */
	for (size_t i = 0; i < n->n_assigned; i++) {
		if (!burrow_policy_covered(&pol->accept_addresses, &n->assigned[i]))
			abort();
		for (size_t j = 0; j < cfg.node.address_pool.n; j++)
			if (burrow_prefix_contains(&cfg.node.address_pool.items[j], &n->assigned[i]))
				abort();
	}
	/* Accepted routes lie inside may_announce and outside m2's allowed_ips. */
	for (size_t i = 0; i < n->n_accepted; i++) {
		if (!burrow_policy_covered(&pol->may_announce, &n->accepted[i]))
			abort();
		for (size_t j = 0; j < cfg.peers[1].n_allowed_ips; j++)
			if (burrow_prefix_contains(&cfg.peers[1].allowed_ips[j], &n->accepted[i]) ||
			    burrow_prefix_contains(&n->accepted[i], &cfg.peers[1].allowed_ips[j]))
				abort();
	}
	/* One lease per IP version, and only from the pool. */
	for (size_t i = 0; i < n->n_granted; i++)
		if (!burrow_policy_covered(&cfg.node.address_pool, &n->granted[i].prefix))
			abort();
}

size_t neg_harness_session(const uint8_t *data, size_t size, unsigned int mtu)
{
	struct burrowd_peer *peer = &daemon_.peers[0];
	struct burrow_capsule_reader r;
	struct burrow_capsule c;
	size_t handled = 0;
	int ret;

	memset(&sess, 0, sizeof(sess));
	sess.d = &daemon_;
	sess.peer = peer;
	sess.state = BURROWD_UP;
	sess.is_client = true;
	sess.params.mtu = mtu;
	sess.params.encap = BURROW_ENCAP_UDP;
	peer->session = &sess;
	aborted = 0;
	burrowd_negotiate_start(&sess);	/* sends our requests: IDs 1-3 */
	check(peer);
	burrow_capsule_reader_init(&r);
	ret = burrow_capsule_reader_push(&r, data, size);
	while (!aborted && ret == 0 && (ret = burrow_capsule_reader_next(&r, &c)) == 1) {
		ret = 0;
		if (!burrow_capsule_type_known(c.type))
			abort();	/* the reader skips unknown types itself */
		if (burrowd_negotiate_handles(c.type)) {
			burrowd_negotiate_capsule(&sess, &c);
			check(peer);
		}
		handled++;
	}
	burrow_capsule_reader_free(&r);
	burrow_request_ids_free(&sess.seen_request_ids);
	burrowd_negotiate_end(peer);
	if (device_addresses != configured_addresses)
		abort();	/* the session's end removed every address it added */
	peer->session = NULL;
	return handled;
}
