// SPDX-License-Identifier: GPL-2.0
/* burrowd as a node of a burrow-coord mesh: see mesh.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "burrow-text.h"
#include "addr_watch.h"
#include "alpn.h"
#include "burrowd_dns.h"
#include "candidates.h"
#include "coord_map.h"
#include "coord_msg.h"
#include "identity.h"
#include "log.h"
#include "mesh.h"
#include "netconf.h"
#include "relay_ticket.h"
#include "relay_use.h"
#include "reload.h"
#include "session.h"
#include "store.h"

#define MESH_BACKOFF_MIN_MS 1000
#define MESH_BACKOFF_MAX_MS 30000

/* A route burrowd put on the device for a map peer's approved subnet. */
struct mesh_route {
	struct burrow_nl_prefix prefix;
	uint8_t owner[32];
};

struct burrowd_mesh {
	struct burrowd *d;
	struct burrow_config **current;		/* the running config (burrowd.c) */
	struct burrow_quic_endpoint *quic;	/* burrowd's: the node's one UDP port (D11) */
	struct burrow_quic_conn *conn;		/* NULL between connections */
	int64_t stream_id;			/* -1 until opened */
	bool accepted;				/* REGISTER_RESULT accepted on this connection */
	bool refused;				/* REGISTER_RESULT refused on this connection */
	bool registered;			/* the coordinator knows this node's key */
	/*
	 * The coordinator forgot this registered node (removed, expired, or
	 * refused as unknown): the pre-auth key is not used again until
	 * burrowd restarts, so removal sticks even with a reusable key in
	 * auth_key_file.
	 */
	bool cut_off;
	bool stopping;
	struct burrow_capsule_reader reader;
	struct coord_map_full_reader full;
	struct coord_map map;
	/* The overlay addresses on the device now (count 0: none). */
	struct burrow_nl_prefix self_addresses[2];
	size_t n_self_addresses;
	struct mesh_route *routes;
	size_t n_routes;
	struct burrow_timer reconnect_timer;
	uint64_t backoff_ms;
	uint64_t maps_applied;
	char last_error[240];
	struct burrowd_dns *dns;		/* MagicDNS (burrowd_dns.h); NULL when off */
	/* Endpoint discovery (issue 19): what the coordinator saw, what we reported. */
	bool has_observed;
	struct burrow_nl_endpoint observed;	/* OBSERVED_ADDRESS, latest */
	struct burrow_nl_endpoint reported[BURROW_CANDIDATES_MAX];
	size_t n_reported;			/* REGISTER / ENDPOINTS on this connection */
	/* Relay fallback (fallback_*): one entry per map peer it looked at. */
	struct mesh_fallback *fallback;
	size_t n_fallback;
	struct burrow_timer fallback_timer;
	/*
	 * [coordinator] relay (brief D12): where is "198.51.100.7:51820" or
	 * "via relay 198.51.100.7:51820" for the log; relay_error the last
	 * admission failure (or the expired ticket), "" after an OK.
	 */
	char where[96];
	bool relay_expired;
	char relay_error[400];
	/*
	 * Control-ticket renewal (handle_control_ticket): the ticket the
	 * coordinator renewed, used instead of the config's relay_ticket while
	 * it expires later (ticket_of), persisted in the store. switching: this
	 * node closed the connection to redial with it (no backoff, no error).
	 */
	bool have_renewed;
	struct burrow_relay_ticket renewed;
	bool switching;
	uint8_t own_key[32];
	bool have_own_key;
	/* Interface address changes (addr_watch.h); NULL when it could not open. */
	struct burrow_addr_watch *addr_watch;
};

/*
 * A map peer's relay fallback: how long its session has been down, when
 * the node last asked for a relay for it, and what the coordinator said.
 */
struct mesh_fallback {
	uint8_t key[32];
	uint64_t down_since_ns;			/* 0: up (or not looked at yet) */
	uint64_t requested_ns;			/* last RELAY_REQUEST; 0: none */
	uint64_t requests, offers, refusals;
	uint32_t ticket;			/* of the last offer taken */
	uint64_t probed_ns;			/* last direct probe while relayed */
	uint64_t probes, upgrades;
	bool was_relayed;			/* up through a relay at the last tick */
	char relay[BURROW_TEXT_ENDPOINT_SIZE];	/* its relay */
	char refused[COORD_REASON_MAX + 1];	/* the last refusal's reason */
};

static const struct burrow_config_coordinator *coordinator_of(const struct burrowd_mesh *m)
{
	return &(*m->current)->coordinator;
}

/* The control ticket in use: the renewed one while it expires later than the config's. */
static const struct burrow_relay_ticket *ticket_of(const struct burrowd_mesh *m)
{
	const struct burrow_config_coordinator *c = coordinator_of(m);

	if (m->have_renewed && m->renewed.expiry > c->relay_ticket.expiry)
		return &m->renewed;
	return &c->relay_ticket;
}

static const char *ticket_source(const struct burrowd_mesh *m)
{
	return ticket_of(m) == &m->renewed ? "renewed" : "config";
}

static void candidates_refresh(struct burrowd_mesh *m, const struct burrow_config *cfg);

int burrowd_mesh_extend(struct burrowd *d, struct burrow_config *cfg)
{
	if (!d->mesh)
		return 0;
	/* A reload (or a map applied) is when changed local addresses are reported. */
	candidates_refresh(d->mesh, cfg);
	return burrowd_mesh_map_extend(&d->mesh->map, d->public_key_text, d->udp_family, cfg);
}

/* ---- applying a map ------------------------------------------------------------------ */

static bool route_wanted(const struct burrowd_mesh *m, const struct mesh_route *r)
{
	const struct coord_peer *mp = coord_map_peer_by_key(&m->map, r->owner);

	if (!mp || !burrowd_peer_by_key(m->d, r->owner))
		return false;
	for (size_t i = 0; i < mp->n_routes; i++)
		if (!memcmp(&mp->routes[i], &r->prefix, sizeof(r->prefix)))
			return true;
	return false;
}

static bool route_installed(const struct burrowd_mesh *m, const struct burrow_nl_prefix *p,
			    const uint8_t owner[32])
{
	for (size_t i = 0; i < m->n_routes; i++)
		if (!memcmp(&m->routes[i].prefix, p, sizeof(*p)) && !memcmp(m->routes[i].owner, owner, 32))
			return true;
	return false;
}

/*
 * Routes through the device for the approved subnets of the map peers
 * that are daemon peers now: the ones no longer wanted go, new ones are
 * added (recorded with the peer as owner, so a restart after kill -9
 * adopts them, netconf.h).
 */
static void routes_sync(struct burrowd_mesh *m)
{
	struct burrow_netconf *nc = &m->d->netconf;
	char text[BURROW_TEXT_PREFIX_SIZE];
	size_t kept = 0;

	if (!nc->rtnl.sock)
		return;
	for (size_t i = 0; i < m->n_routes; i++) {
		if (route_wanted(m, &m->routes[i])) {
			m->routes[kept++] = m->routes[i];
			continue;
		}
		if (burrow_netconf_route_del(nc, &m->routes[i].prefix))
			burrow_log(BURROW_LOG_WARNING, "%s", nc->why);
	}
	m->n_routes = kept;
	for (size_t i = 0; i < coord_map_size(&m->map); i++) {
		const struct coord_peer *mp = coord_map_peer_at(&m->map, i);

		if (!burrowd_peer_by_key(m->d, mp->public_key))
			continue;
		for (size_t j = 0; j < mp->n_routes; j++) {
			const struct burrow_nl_prefix *p = &mp->routes[j];
			struct mesh_route *grown;

			if (burrowd_mesh_is_exit_route(p) || route_installed(m, p, mp->public_key))
				continue;
			grown = realloc(m->routes, (m->n_routes + 1) * sizeof(*grown));
			if (!grown)
				return;
			m->routes = grown;
			if (burrow_netconf_route_add_for(nc, p, mp->public_key)) {
				burrow_log(BURROW_LOG_WARNING, "route %s via %s: %s",
					   burrow_text_prefix(p, text), mp->name, nc->why);
				continue;
			}
			m->routes[m->n_routes].prefix = *p;
			memcpy(m->routes[m->n_routes].owner, mp->public_key, 32);
			m->n_routes++;
		}
	}
}

/* The overlay addresses on the device follow the map's self (none without a map). */
static void self_sync(struct burrowd_mesh *m)
{
	struct burrow_netconf *nc = &m->d->netconf;
	struct burrow_nl_prefix want[2];
	size_t n_want = 0;

	if (m->map.have_full) {
		burrowd_mesh_self_addresses(&m->map.self, want);
		n_want = 2;
	}
	if (n_want == m->n_self_addresses &&
	    (!n_want || !memcmp(want, m->self_addresses, sizeof(want))))
		return;
	for (size_t i = 0; nc->rtnl.sock && i < m->n_self_addresses; i++)
		if (burrow_netconf_address_del(nc, &m->self_addresses[i]))
			burrow_log(BURROW_LOG_WARNING, "%s", nc->why);
	m->n_self_addresses = 0;
	for (size_t i = 0; i < n_want; i++) {
		if (nc->rtnl.sock && burrow_netconf_address_add(nc, &want[i])) {
			burrow_log(BURROW_LOG_WARNING, "%s", nc->why);
			continue;
		}
		m->self_addresses[m->n_self_addresses++] = want[i];
	}
}

/* Make the daemon's peers, addresses and routes what the map says. */
static void map_apply(struct burrowd_mesh *m)
{
	struct burrowd *d = m->d;
	char err[BURROW_CONFIG_ERR_MAX], msg[BURROW_CONFIG_ERR_MAX + 128], what[64];
	struct burrow_config *cfg = calloc(1, sizeof(*cfg));
	int ret;

	if (!cfg || burrow_config_copy(*m->current, cfg, err, sizeof(err))) {
		burrow_log(BURROW_LOG_ERROR, "node map not applied: %s", cfg ? err : "out of memory");
		free(cfg);
		return;
	}
	if (burrowd_mesh_extend(d, cfg)) {
		burrow_log(BURROW_LOG_ERROR, "node map not applied: out of memory");
		burrow_config_free(cfg);
		free(cfg);
		return;
	}
	if (m->map.have_full)
		snprintf(what, sizeof(what), "node map version %" PRIu64, m->map.version);
	else
		snprintf(what, sizeof(what), "node map forgotten");
	ret = burrowd_peers_apply(d, m->current, cfg, "map", what, msg, sizeof(msg));
	if (ret) {
		burrow_log(BURROW_LOG_ERROR, "node map not applied: %s", msg);
		return;
	}
	burrow_log(BURROW_LOG_INFO, "%s", msg);
	m->maps_applied++;
	self_sync(m);
	burrowd_dns_set_map(m->dns, &m->map);
	routes_sync(m);
	burrowd_quic_rearm(d);
}

static void map_store(struct burrowd_mesh *m)
{
	struct coord_buf b;
	char why[256];

	if (!m->d->store)
		return;
	coord_buf_init(&b);
	if (coord_msg_map_full_encode(&b, m->map.version, &m->map.self, m->map.peers,
				      m->map.n_peers, NULL, why, sizeof(why)))
		burrow_log(BURROW_LOG_WARNING, "node map not stored: %s", why);
	else if (burrow_store_mesh_save(m->d->store, coordinator_of(m)->public_key, b.data, b.len))
		burrow_log(BURROW_LOG_WARNING, "node map not stored: %s",
			   burrow_store_error(m->d->store));
	coord_buf_free(&b);
}

/* Replace the map with a complete MAP_FULL from r; 0 or -errno with why. */
static int map_take_full(struct burrowd_mesh *m, struct coord_map_full_reader *r, char *why,
			 size_t why_size)
{
	struct coord_map_self self = r->self;
	uint64_t version = r->version;
	struct coord_peer *peers;
	size_t n;

	peers = coord_map_full_reader_take(r, &n);
	return coord_map_apply_full(&m->map, version, &self, peers, n, why, why_size);
}

/* The map stored by an earlier run, if it came from the configured coordinator. */
static void map_load(struct burrowd_mesh *m)
{
	struct burrow_capsule_reader reader;
	struct coord_map_full_reader full;
	struct burrow_capsule cap;
	uint8_t key[32], *blob;
	size_t len;
	char why[256] = "truncated";
	int ret = 0;

	if (!m->d->store || burrow_store_mesh_load(m->d->store, key, &blob, &len))
		return;
	if (memcmp(key, coordinator_of(m)->public_key, 32)) {
		burrow_log(BURROW_LOG_WARNING,
			   "the stored node map is another coordinator's: not used");
		free(blob);
		return;
	}
	coord_msg_reader_init(&reader);
	coord_map_full_reader_init(&full);
	if (burrow_capsule_reader_push(&reader, blob, len))
		ret = -ENOMEM;
	while (!ret && (ret = burrow_capsule_reader_next(&reader, &cap)) == 1) {
		ret = cap.type == COORD_MSG_MAP_FULL ?
		      coord_map_full_reader_feed(&full, cap.value, cap.length, why, sizeof(why)) :
		      -EBADMSG;
		if (ret == 1)
			ret = map_take_full(m, &full, why, sizeof(why)) ?: 2;
	}
	if (ret == 2) {
		m->registered = true;
		burrow_log(BURROW_LOG_INFO, "stored node map version %" PRIu64 ": %zu peers",
			   m->map.version, coord_map_size(&m->map));
	} else {
		burrow_log(BURROW_LOG_WARNING, "the stored node map is not used: %s", why);
	}
	coord_map_full_reader_free(&full);
	burrow_capsule_reader_free(&reader);
	free(blob);
}

/* The coordinator removed or expired this node: its mesh peers and addresses go. */
static void map_forget(struct burrowd_mesh *m, const char *why)
{
	burrow_log(BURROW_LOG_WARNING, "coordinator: %s; forgetting the node map", why);
	coord_map_free(&m->map);
	coord_map_init(&m->map);
	m->registered = false;
	m->cut_off = true;
	if (m->d->store && burrow_store_mesh_clear(m->d->store))
		burrow_log(BURROW_LOG_WARNING, "%s", burrow_store_error(m->d->store));
	map_apply(m);
}

/* ---- the coordinator connection ---------------------------------------------------------- */

/* The endpoint is burrowd's: its timer, read from the daemon's loop. */
static void mesh_rearm(struct burrowd_mesh *m)
{
	burrowd_quic_rearm(m->d);
}

static void schedule_reconnect(struct burrowd_mesh *m)
{
	uint64_t delay = m->cut_off ? MESH_BACKOFF_MAX_MS : m->backoff_ms;

	if (m->stopping)
		return;
	m->backoff_ms = m->backoff_ms * 2 > MESH_BACKOFF_MAX_MS ? MESH_BACKOFF_MAX_MS :
								  m->backoff_ms * 2;
	burrow_timer_arm_in(m->d->loop, &m->reconnect_timer, delay * 1000000ull);
}

/*
 * The relay answered the control ticket (relay_use.c, from the loop): on
 * OK dial the coordinator through it (also when the relay is still
 * "waiting for the other party": the coordinator binds its side when it
 * is told to, RELAY_BIND, and the handshake's retransmissions get through
 * once it has); else the error is kept and the backoff applies.
 */
static void mesh_relay_answered(void *arg, bool ok, const char *text)
{
	struct burrowd_mesh *m = arg;
	const struct burrow_config_coordinator *c = coordinator_of(m);
	int ret;

	if (m->conn || m->stopping)
		return;
	if (!ok) {
		snprintf(m->relay_error, sizeof(m->relay_error), "%s", text);
		snprintf(m->last_error, sizeof(m->last_error), "%.239s", text);
		burrow_log(BURROW_LOG_WARNING, "coordinator %s: control ticket %u: %s", m->where,
			   (unsigned)ticket_of(m)->id, text);
		schedule_reconnect(m);
		return;
	}
	m->relay_error[0] = '\0';
	ret = burrow_quic_connect_relayed_alpn(m->quic, COORD_MSG_ALPN,
					       (const struct sockaddr *)&c->relay, c->relay_len,
					       ticket_of(m)->id, c->public_key, m, &m->conn);
	if (ret) {
		m->conn = NULL;
		snprintf(m->last_error, sizeof(m->last_error), "cannot dial through relay %s: %s",
			 c->relay_text, strerror(-ret));
		burrow_log(BURROW_LOG_WARNING, "coordinator: %s", m->last_error);
		schedule_reconnect(m);
	}
	mesh_rearm(m);
}

/*
 * Through a relay: present the control ticket first, every time (the
 * relay may have restarted); the dial follows its answer. An expired
 * ticket is not presented and nothing is dialled again: a new ticket
 * needs a config change, so a restart.
 */
static void mesh_dial_relayed(struct burrowd_mesh *m)
{
	const struct burrow_config_coordinator *c = coordinator_of(m);
	const struct burrow_relay_ticket *ticket = ticket_of(m);
	struct burrowd_relay_use_request req = { 0 };
	time_t expiry = (time_t)ticket->expiry;
	char when[32] = "?";
	struct tm tm;
	int ret;

	if (ticket->expiry <= (uint64_t)time(NULL)) {
		if (gmtime_r(&expiry, &tm))
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		m->relay_expired = true;
		snprintf(m->relay_error, sizeof(m->relay_error), "control ticket %u expired at %s",
			 (unsigned)ticket->id, when);
		snprintf(m->last_error, sizeof(m->last_error), "%.239s", m->relay_error);
		burrow_log(BURROW_LOG_ERROR, "coordinator %s: %s: not dialling (issue a new one: "
			   "burrow-coord control-ticket issue)", m->where, m->relay_error);
		return;
	}
	snprintf(req.peer, sizeof(req.peer), "coordinator");
	req.relay = c->relay;
	req.relay_len = c->relay_len;
	snprintf(req.relay_text, sizeof(req.relay_text), "%s", c->relay_text);
	req.ticket = *ticket;
	ret = burrowd_relay_use_coordinator(m->d, c->public_key, &req, mesh_relay_answered, m);
	if (ret) {
		snprintf(m->last_error, sizeof(m->last_error), "cannot present the control ticket: %s",
			 strerror(-ret));
		burrow_log(BURROW_LOG_WARNING, "coordinator: %s", m->last_error);
		schedule_reconnect(m);
	}
}

static void mesh_dial(void *arg)
{
	struct burrowd_mesh *m = arg;
	const struct burrow_config_coordinator *c = coordinator_of(m);
	int ret;

	if (m->conn || m->stopping)
		return;
	if (c->relay_len) {
		mesh_dial_relayed(m);
		return;
	}
	ret = burrow_quic_connect_alpn(m->quic, COORD_MSG_ALPN,
				       (const struct sockaddr *)&c->address, c->address_len,
				       c->public_key, m, &m->conn);
	if (ret) {
		m->conn = NULL;
		snprintf(m->last_error, sizeof(m->last_error), "cannot dial %s: %s",
			 c->address_text, strerror(-ret));
		burrow_log(BURROW_LOG_WARNING, "coordinator: %s", m->last_error);
		schedule_reconnect(m);
	}
	mesh_rearm(m);
}

static void mesh_close(struct burrowd_mesh *m, uint64_t code, const char *reason)
{
	if (m->conn)
		burrow_quic_close(m->conn, code, reason);
}

static int mesh_send(struct burrowd_mesh *m, const struct coord_buf *b)
{
	int ret;

	if (b->error)
		return b->error;
	ret = burrow_quic_send(m->conn, m->stream_id, b->data, b->len, false);
	mesh_rearm(m);
	return ret;
}

/* The pre-auth key from auth_key_file, trimmed; "" when none is configured or readable. */
static void read_auth_key(const struct burrow_config_coordinator *c, char *out, size_t size)
{
	FILE *f;
	size_t len;

	out[0] = '\0';
	if (!c->auth_key_file) {
		burrow_log(BURROW_LOG_WARNING,
			   "coordinator: not registered yet and no auth_key_file to register with");
		return;
	}
	f = fopen(c->auth_key_file, "re");
	if (!f) {
		burrow_log(BURROW_LOG_ERROR, "coordinator: cannot read auth_key_file '%s': %s",
			   c->auth_key_file, strerror(errno));
		return;
	}
	if (!fgets(out, (int)size, f))
		out[0] = '\0';
	fclose(f);
	len = strcspn(out, " \t\r\n");
	out[len] = '\0';
}

/* The node's name as a DNS label: lowercase, '_' and '.' as '-', at most 63. */
static void hostname_of(const char *name, char *out, size_t size)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < size && i < COORD_NAME_MAX; i++) {
		char ch = name[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		else if (ch == '_' || ch == '.')
			ch = '-';
		out[i] = ch;
	}
	out[i] = '\0';
}

/*
 * A node with neither configured endpoints nor a specific listen address
 * reports its local candidates: its interfaces' addresses with the tunnel
 * port, the burrow device's own (overlay) addresses left out. The
 * coordinator puts the address it observes in front of them.
 */
static size_t local_candidates(const struct burrowd_mesh *m, const struct burrow_config *cfg,
			       struct burrow_nl_endpoint *out, size_t max)
{
	int n = burrow_candidates_local(cfg->node.listen_port, m->d->udp_family,
					m->d->kernel.ifname, out, NULL, max);

	if (n < 0) {
		burrow_log(BURROW_LOG_WARNING, "coordinator: local addresses: %s", strerror(-n));
		return 0;
	}
	return (size_t)n;
}

/*
 * Where peers dial this node: the configured endpoints (the operator's
 * statement), else a specific listen address, else the local candidates.
 */
static size_t advertised_endpoints(const struct burrowd_mesh *m, const struct burrow_config *cfg,
				   struct burrow_nl_endpoint *out)
{
	const struct sockaddr_storage *listen = &cfg->node.listen;

	if (cfg->coordinator.n_endpoints) {
		memcpy(out, cfg->coordinator.endpoints,
		       cfg->coordinator.n_endpoints * sizeof(*out));
		return cfg->coordinator.n_endpoints;
	}
	memset(out, 0, sizeof(*out));
	out->port = cfg->node.listen_port;
	if (listen->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)listen;

		if (sin->sin_addr.s_addr == htonl(INADDR_ANY))
			return local_candidates(m, cfg, out, BURROW_CONFIG_ENDPOINTS_MAX);
		out->family = AF_INET;
		memcpy(&out->addr, &sin->sin_addr, 4);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)listen;

		if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
			return local_candidates(m, cfg, out, BURROW_CONFIG_ENDPOINTS_MAX);
		out->family = AF_INET6;
		memcpy(&out->addr, &sin6->sin6_addr, 16);
	}
	return 1;
}

static void reported_set(struct burrowd_mesh *m, const struct burrow_nl_endpoint *e, size_t n)
{
	if (n > BURROW_CANDIDATES_MAX)
		n = BURROW_CANDIDATES_MAX;
	memcpy(m->reported, e, n * sizeof(*e));
	m->n_reported = n;
}

/*
 * Send ENDPOINTS when the candidates this node would report now differ
 * from those it reported on this connection: an interface address came or
 * went (addr_watch.h), or a reload changed [coordinator] endpoint.
 */
static void candidates_refresh(struct burrowd_mesh *m, const struct burrow_config *cfg)
{
	struct burrow_nl_endpoint now[BURROW_CONFIG_ENDPOINTS_MAX];
	size_t n, i;
	struct coord_buf b;
	char why[200];

	if (!m->accepted || !m->conn)
		return;
	n = advertised_endpoints(m, cfg, now);
	if (n > BURROW_CANDIDATES_MAX)
		n = BURROW_CANDIDATES_MAX;
	for (i = 0; i < n && n == m->n_reported; i++)
		if (!burrow_candidate_equal(&now[i], &m->reported[i]))
			break;
	if (n == m->n_reported && i == n)
		return;
	coord_buf_init(&b);
	if (coord_msg_endpoints_encode(&b, now, n, why, sizeof(why)) == 0 && mesh_send(m, &b) == 0) {
		reported_set(m, now, n);
		burrow_log(BURROW_LOG_INFO, "coordinator: reported %zu endpoint candidates", n);
	} else {
		burrow_log(BURROW_LOG_WARNING, "coordinator: ENDPOINTS not sent: %s",
			   why[0] ? why : "send failed");
	}
	coord_buf_free(&b);
}

static void send_register(struct burrowd_mesh *m)
{
	const struct burrow_config *cfg = *m->current;
	struct burrow_nl_endpoint endpoints[BURROW_CONFIG_ENDPOINTS_MAX];
	char secret[COORD_KEY_SECRET_MAX + 2];
	struct coord_register r = { 0 };
	struct coord_buf b;
	char why[256];
	int ret;

	if (!m->registered && !m->cut_off)
		read_auth_key(&cfg->coordinator, secret, sizeof(secret));
	else
		secret[0] = '\0';
	r.key_secret = secret;
	hostname_of(cfg->node.name, r.hostname, sizeof(r.hostname));
	r.routes = cfg->node.advertise_routes.items;
	r.n_routes = cfg->node.advertise_routes.n;
	r.endpoints = endpoints;
	r.n_endpoints = advertised_endpoints(m, cfg, endpoints);
	/* A relay says so: the coordinator offers it to pairs that need one. */
	r.flags = cfg->relay.enabled ? COORD_REGISTER_RELAY : 0;
	if (!r.n_endpoints)
		burrow_log(BURROW_LOG_WARNING,
			   "coordinator: no endpoint to advertise (no usable local address): "
			   "peers reach this node only at the address the coordinator observes");
	reported_set(m, endpoints, r.n_endpoints);
	coord_buf_init(&b);
	ret = coord_msg_register_encode(&b, &r, why, sizeof(why));
	explicit_bzero(secret, sizeof(secret));
	if (!ret)
		ret = mesh_send(m, &b);
	else
		burrow_log(BURROW_LOG_ERROR, "coordinator: REGISTER: %s", why);
	if (b.data)
		explicit_bzero(b.data, b.len);
	coord_buf_free(&b);
	if (ret)
		mesh_close(m, COORD_CLOSE_INTERNAL, "cannot send REGISTER");
}

static void handle_register_result(struct burrowd_mesh *m, const struct burrow_capsule *cap)
{
	struct coord_register_result r;
	char why[256], v4[BURROW_TEXT_PREFIX_SIZE], v6[BURROW_TEXT_PREFIX_SIZE];

	if (coord_msg_register_result_decode(cap->value, cap->length, &r, why, sizeof(why))) {
		mesh_close(m, COORD_CLOSE_PROTOCOL, why);
		return;
	}
	if (r.accepted) {
		m->accepted = true;
		m->registered = true;
		m->cut_off = false;
		m->backoff_ms = MESH_BACKOFF_MIN_MS;
		m->last_error[0] = '\0';
		burrow_log(BURROW_LOG_INFO, "coordinator %s: registered as %s (%s, %s)",
			   m->where, r.name,
			   burrow_text_prefix(&r.addresses.ipv4, v4),
			   burrow_text_prefix(&r.addresses.ipv6, v6));
		return;
	}
	m->refused = true;
	snprintf(m->last_error, sizeof(m->last_error), "registration refused (code %" PRIu64 "): %.180s",
		 r.reason_code, r.reason);
	burrow_log(BURROW_LOG_ERROR, "coordinator %s: %s", m->where, m->last_error);
	/* Registered before, unknown or cut off now: the operator removed or expired it. */
	if (r.reason_code == COORD_REFUSED_NODE ||
	    (r.reason_code == COORD_REFUSED_KEY_UNKNOWN && m->registered))
		map_forget(m, "this node is no longer in the mesh");
}

/* A map message was applied (ret 0: store and act on it) or broke the protocol (why). */
static void map_received(struct burrowd_mesh *m, int ret, const char *why)
{
	if (ret) {
		mesh_close(m, COORD_CLOSE_PROTOCOL, why);
		return;
	}
	map_store(m);
	map_apply(m);
}

static void handle_map_full(struct burrowd_mesh *m, const struct burrow_capsule *cap)
{
	char why[256];
	int ret;

	ret = coord_map_full_reader_feed(&m->full, cap->value, cap->length, why, sizeof(why));
	if (ret == 1)
		ret = map_take_full(m, &m->full, why, sizeof(why));
	else if (ret == 0)
		return;
	map_received(m, ret, why);
}

static void handle_map_delta(struct burrowd_mesh *m, const struct burrow_capsule *cap)
{
	struct coord_map_delta delta = { 0 };
	struct coord_buf b;
	char why[256];
	int ret;

	ret = coord_msg_map_delta_decode(cap->value, cap->length, &delta, why, sizeof(why));
	if (!ret)
		ret = coord_map_apply_delta(&m->map, &delta, why, sizeof(why));
	coord_map_delta_free(&delta);
	if (ret == -ESTALE) {
		burrow_log(BURROW_LOG_INFO, "coordinator: %s; asking for the full map", why);
		coord_buf_init(&b);
		coord_msg_map_request_full_encode(&b, m->map.version);
		if (mesh_send(m, &b))
			mesh_close(m, COORD_CLOSE_INTERNAL, "cannot send MAP_REQUEST_FULL");
		coord_buf_free(&b);
		return;
	}
	map_received(m, ret, why);
}

/* A relay ticket revoked: the relay role drops its entry (a node that is
 * not a relay has nothing to drop). */
static void handle_relay_revoke(struct burrowd_mesh *m, const struct burrow_capsule *cap)
{
	uint32_t id;
	char why[256];

	if (coord_msg_relay_revoke_decode(cap->value, cap->length, &id, why, sizeof(why)) < 0) {
		mesh_close(m, COORD_CLOSE_PROTOCOL, why);
		return;
	}
	if (m->d->on_relay_revoke)
		m->d->on_relay_revoke(m->d, id);
	else
		burrow_log(BURROW_LOG_DEBUG, "coordinator: relay ticket %u revoked (not a relay)",
			   (unsigned)id);
}

/*
 * RELAY_BIND (brief D12): the coordinator binds its side of a control
 * ticket at this relay, from the address of this very connection (where
 * its datagrams come from), with its pinned key as the party; the node on
 * the other side presents the ticket itself. A node that is not a relay
 * has nothing to bind.
 */
static void handle_relay_bind(struct burrowd_mesh *m, const struct burrow_capsule *cap)
{
	uint8_t ticket[COORD_RELAY_TICKET_LEN];
	const struct sockaddr *from;
	const char *result = NULL;
	struct burrow_relay_ticket t;
	char why[256], text[BURROW_TEXT_ENDPOINT_SIZE];
	socklen_t len = 0;
	unsigned code;

	if (coord_msg_relay_bind_decode(cap->value, cap->length, ticket, why, sizeof(why)) < 0) {
		mesh_close(m, COORD_CLOSE_PROTOCOL, why);
		return;
	}
	/* For the log only: admission decodes and checks it. */
	if (burrow_relay_ticket_decode(ticket, sizeof(ticket), &t, &result) != BURROW_RELAY_TICKET_OK)
		t.id = 0;
	if (!m->d->on_relay_bind) {
		burrow_log(BURROW_LOG_DEBUG, "coordinator: RELAY_BIND for ticket %u ignored "
			   "(not a relay)", (unsigned)t.id);
		return;
	}
	from = burrow_quic_remote_addr(m->conn, &len);
	burrow_kernel_format_addr(from, text, sizeof(text));
	code = from ? m->d->on_relay_bind(m->d, coordinator_of(m)->public_key, from, ticket,
					  sizeof(ticket), &result) :
		      BURROW_RELAY_TICKET_MALFORMED;
	if (!from)
		result = "no address for the coordination connection";
	if (code == BURROW_RELAY_TICKET_OK)
		burrow_log(BURROW_LOG_INFO, "relay: the coordinator bound control ticket %u at %s: %s",
			   (unsigned)t.id, text, result);
	else
		burrow_log(BURROW_LOG_WARNING, "relay: the coordinator's RELAY_BIND for ticket %u "
			   "refused: %s", (unsigned)t.id, result ? result : "?");
}

/*
 * CONTROL_TICKET (docs/burrowd.md "Control-ticket renewal"): the
 * coordinator renewed this node's control ticket. Accepted only through a
 * relay, decoded and verified: signed by the pinned coordinator key, for
 * the relay of the ticket in use, its pair this node and the coordinator,
 * not expired, expiring later than the ticket in use. Anything else is
 * logged with why and ignored (the connection stays; a malformed capsule
 * closes it, as for RELAY_BIND). An accepted ticket is stored, then the
 * connection is closed and redialled at once with it: the relay is
 * presented the new ticket and the coordinator sees a connection on the
 * new id (one reconnect; the map resumes with MAP_FULL).
 */
int burrowd_mesh_control_ticket(struct burrowd *d, const uint8_t *value, size_t len)
{
	struct burrowd_mesh *m = d->mesh;
	const struct burrow_config_coordinator *c = coordinator_of(m);
	const struct burrow_relay_ticket *current = ticket_of(m);
	uint8_t bytes[COORD_RELAY_TICKET_LEN];
	struct burrow_relay_ticket t;
	const char *why = NULL;
	char reason[256];
	unsigned result;

	if (coord_msg_control_ticket_decode(value, len, bytes, reason, sizeof(reason)) < 0) {
		mesh_close(m, COORD_CLOSE_PROTOCOL, reason);
		return -EBADMSG;
	}
	if (burrow_relay_ticket_decode(bytes, sizeof(bytes), &t, &why) != BURROW_RELAY_TICKET_OK) {
		burrow_log(BURROW_LOG_WARNING, "coordinator %s: CONTROL_TICKET refused: "
			   "malformed ticket: %s", m->where, why ? why : "?");
		return -EINVAL;
	}
	if (!c->relay_len) {
		burrow_log(BURROW_LOG_WARNING, "coordinator %s: CONTROL_TICKET %u refused: this "
			   "node does not reach the coordinator through a relay", m->where,
			   (unsigned)t.id);
		return -EINVAL;
	}
	if (!m->have_own_key) {
		burrow_log(BURROW_LOG_WARNING, "coordinator %s: CONTROL_TICKET %u refused: this "
			   "node's public key is unknown", m->where, (unsigned)t.id);
		return -EINVAL;
	}
	result = (unsigned)burrow_relay_ticket_verify(&t, c->public_key, current->relay,
						      m->own_key, (uint64_t)time(NULL));
	if (result == BURROW_RELAY_TICKET_OK && !burrow_relay_ticket_other(&t, m->own_key))
		result = BURROW_RELAY_TICKET_NOT_A_PARTY;
	if (result == BURROW_RELAY_TICKET_OK &&
	    memcmp(burrow_relay_ticket_other(&t, m->own_key), c->public_key, 32))
		result = BURROW_RELAY_TICKET_NOT_A_PARTY;
	if (result != BURROW_RELAY_TICKET_OK) {
		burrow_log(BURROW_LOG_WARNING, "coordinator %s: CONTROL_TICKET %u refused: %s",
			   m->where, (unsigned)t.id, burrow_relay_ticket_result_name(result));
		return -EACCES;
	}
	if (t.expiry <= current->expiry) {
		burrow_log(BURROW_LOG_WARNING, "coordinator %s: CONTROL_TICKET %u refused: it "
			   "expires at %" PRIu64 ", not later than ticket %u in use (%" PRIu64 ")",
			   m->where, (unsigned)t.id, t.expiry, (unsigned)current->id,
			   current->expiry);
		return -EACCES;
	}
	if (m->d->store &&
	    burrow_store_control_ticket_save(m->d->store, c->relay_text, m->own_key,
					     c->public_key, bytes, t.expiry))
		burrow_log(BURROW_LOG_WARNING, "coordinator %s: control ticket %u not stored "
			   "(a restart uses the configured one): %s", m->where, (unsigned)t.id,
			   burrow_store_error(m->d->store));
	burrow_log(BURROW_LOG_INFO, "coordinator %s: control ticket %u renewed as %u "
		   "(expires %" PRIu64 "): reconnecting with it", m->where, (unsigned)current->id,
		   (unsigned)t.id, t.expiry);
	m->renewed = t;
	m->have_renewed = true;
	m->relay_expired = false;
	if (m->conn) {
		m->switching = true;
		mesh_close(m, COORD_CLOSE_DONE, "switching to a renewed control ticket");
	} else if (!m->stopping) {
		burrow_timer_arm_in(m->d->loop, &m->reconnect_timer, 0);
	}
	return 0;
}

static void handle_control_ticket(struct burrowd_mesh *m, const struct burrow_capsule *cap)
{
	burrowd_mesh_control_ticket(m->d, cap->value, cap->length);
}

/* OBSERVED_ADDRESS: where the coordinator sees this node's connection come from. */
static void handle_observed_address(struct burrowd_mesh *m, const struct burrow_capsule *cap)
{
	char why[200], text[BURROW_TEXT_ENDPOINT_SIZE];
	struct burrow_nl_endpoint e;

	if (coord_msg_observed_address_decode(cap->value, cap->length, &e, why, sizeof(why))) {
		mesh_close(m, COORD_CLOSE_PROTOCOL, why);
		return;
	}
	if (m->has_observed && burrow_candidate_equal(&e, &m->observed))
		return;
	burrow_log(BURROW_LOG_INFO, "coordinator: observed %s%s", burrow_text_endpoint(&e, text),
		   m->has_observed ? " (changed)" : "");
	m->observed = e;
	m->has_observed = true;
}

/* ---- relay fallback ------------------------------------------------------------------ */

/*
 * A map peer whose session is not up relay_after seconds after it was
 * last seen down asks the coordinator for a relay (RELAY_REQUEST); the
 * coordinator answers both nodes of the pair with RELAY_OFFER (a ticket
 * and the relay's endpoint), and each does what `burrowd relay use` does
 * (relay_use.h). A refusal is logged and kept for status. A peer still
 * down is asked for again every MESH_FALLBACK_RETRY_NS; a relayed peer
 * whose ticket has less than MESH_FALLBACK_RENEW_S left is renewed by the
 * node with the lower key (the ticket's a: one renewal per pair, not two),
 * and both take the new offer. An offer for a peer that has a relay with
 * more than that left is a duplicate (both asked at once) and is ignored,
 * so both nodes keep the first ticket the coordinator sent them.
 */
#define MESH_FALLBACK_TICK_NS (BURROW_NSEC_PER_SEC)
#define MESH_FALLBACK_RETRY_NS (30 * BURROW_NSEC_PER_SEC)
#define MESH_FALLBACK_RENEW_S 60
/*
 * Upgrade: while a peer's session runs through a relay, the node with the
 * lower key (one prober per pair, so the two never race) dials the peer's
 * endpoint directly this often (burrowd_peer_probe_direct). When that
 * handshake completes, the session moves to the direct path and the relay
 * is dropped; the other node sees its relayed session replaced by a direct
 * one and drops its relay too (below), so a renewal cannot pull it back.
 */
#define MESH_UPGRADE_INTERVAL_NS (15 * BURROW_NSEC_PER_SEC)

static struct mesh_fallback *fallback_of(struct burrowd_mesh *m, const uint8_t key[32], bool add)
{
	struct mesh_fallback *grown;

	for (size_t i = 0; i < m->n_fallback; i++)
		if (!memcmp(m->fallback[i].key, key, 32))
			return &m->fallback[i];
	if (!add)
		return NULL;
	grown = realloc(m->fallback, (m->n_fallback + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	m->fallback = grown;
	grown = &m->fallback[m->n_fallback++];
	memset(grown, 0, sizeof(*grown));
	memcpy(grown->key, key, 32);
	return grown;
}

static void fallback_request(struct burrowd_mesh *m, struct mesh_fallback *f,
			     const struct burrowd_peer *peer, const char *why, uint64_t now)
{
	struct coord_buf b;

	coord_buf_init(&b);
	coord_msg_relay_request_encode(&b, f->key);
	if (mesh_send(m, &b) == 0) {
		f->requested_ns = now;
		f->requests++;
		burrow_log(BURROW_LOG_INFO, "peer %s: %s: asking the coordinator for a relay",
			   peer->name, why);
	}
	coord_buf_free(&b);
}

static void fallback_tick(void *arg)
{
	struct burrowd_mesh *m = arg;
	const struct burrow_config_coordinator *c = coordinator_of(m);
	const uint8_t *own = burrow_quic_endpoint_public_key(m->d->quic);
	uint64_t now = burrow_now_ns(), after = c->relay_after * BURROW_NSEC_PER_SEC;

	if (m->stopping)
		return;
	burrow_timer_arm_in(m->d->loop, &m->fallback_timer, MESH_FALLBACK_TICK_NS);
	for (size_t i = 0; i < coord_map_size(&m->map); i++) {
		const struct coord_peer *mp = coord_map_peer_at(&m->map, i);
		struct burrowd_peer *peer = burrowd_peer_by_key(m->d, mp->public_key);
		bool up = peer && peer->session && peer->session->state == BURROWD_UP;
		struct mesh_fallback *f;
		uint64_t expiry;
		uint32_t ticket;
		bool relayed;

		if (!peer)
			continue;
		f = fallback_of(m, mp->public_key, !up);
		if (!f)
			continue;
		relayed = burrowd_relay_use_current(m->d, mp->public_key, &ticket, &expiry);
		if (up) {
			bool via_relay = burrow_quic_conn_relay_ticket(peer->session->conn) != 0;

			f->down_since_ns = 0;
			if (!via_relay && f->was_relayed) {
				/* Upgraded (by this node's probe or the peer's). */
				f->was_relayed = false;
				f->upgrades++;
			}
			f->was_relayed = via_relay;
			if (!via_relay && relayed && ticket == f->ticket) {
				/* The fallback's relay is not needed: a renewal must not pull it back. */
				burrowd_relay_use_stop(m->d, mp->public_key);
				burrowd_event(m->d, peer, "direct", "%s runs direct: relay ticket %u dropped",
					      peer->name, (unsigned)ticket);
				continue;
			}
			if (via_relay && memcmp(own, mp->public_key, 32) < 0 &&
			    now - f->probed_ns >= MESH_UPGRADE_INTERVAL_NS) {
				f->probed_ns = now;
				if (burrowd_peer_probe_direct(peer) == 0)
					f->probes++;
			}
			if (relayed && m->accepted && memcmp(own, mp->public_key, 32) < 0 &&
			    expiry < (uint64_t)time(NULL) + MESH_FALLBACK_RENEW_S &&
			    (!f->requested_ns || now - f->requested_ns >= MESH_FALLBACK_RETRY_NS))
				fallback_request(m, f, peer, "relay ticket expires soon", now);
			continue;
		}
		if (!f->down_since_ns) {
			f->down_since_ns = now;
			continue;
		}
		if (!m->accepted || now - f->down_since_ns < after)
			continue;
		if (f->requested_ns && now - f->requested_ns < MESH_FALLBACK_RETRY_NS)
			continue;
		fallback_request(m, f, peer, relayed ? "no session through the relay" :
					     "no session", now);
	}
}

static void fallback_offer(struct burrowd_mesh *m, const struct burrow_capsule *cap)
{
	const uint8_t *own = burrow_quic_endpoint_public_key(m->d->quic);
	struct burrowd_relay_use_request req = { 0 };
	struct burrow_relay_ticket ticket;
	struct coord_relay_offer offer;
	struct burrowd_peer *peer;
	struct mesh_fallback *f;
	const char *twhy = NULL;
	char why[400], text[BURROW_TEXT_ENDPOINT_SIZE];
	uint64_t expiry;
	uint32_t id;
	unsigned res;

	if (coord_msg_relay_offer_decode(cap->value, cap->length, &offer, why, sizeof(why))) {
		mesh_close(m, COORD_CLOSE_PROTOCOL, why);
		return;
	}
	peer = burrowd_peer_by_key(m->d, offer.peer_key);
	f = fallback_of(m, offer.peer_key, true);
	if (!peer || !f) {
		burrow_log(BURROW_LOG_INFO, "coordinator: RELAY_OFFER for a peer this node does not have");
		return;
	}
	if (offer.refused) {
		f->refusals++;
		snprintf(f->refused, sizeof(f->refused), "%s", offer.reason);
		burrowd_event(m->d, peer, "relay-refused", "%s: the coordinator has no relay: %s",
			      peer->name, offer.reason);
		return;
	}
	res = (unsigned)burrow_relay_ticket_decode(offer.ticket, sizeof(offer.ticket), &ticket,
						   &twhy);
	if (res == BURROW_RELAY_TICKET_OK)
		res = (unsigned)burrow_relay_ticket_verify(&ticket, coordinator_of(m)->public_key,
							   ticket.relay, own, (uint64_t)time(NULL));
	if (res != BURROW_RELAY_TICKET_OK) {
		mesh_close(m, COORD_CLOSE_PROTOCOL, "RELAY_OFFER: the ticket does not verify");
		burrow_log(BURROW_LOG_ERROR, "coordinator: RELAY_OFFER for %s: ticket %s%s%s",
			   peer->name, burrow_relay_ticket_result_name(res), twhy ? ": " : "",
			   twhy ? twhy : "");
		return;
	}
	if (burrowd_relay_use_current(m->d, offer.peer_key, &id, &expiry) &&
	    expiry >= (uint64_t)time(NULL) + MESH_FALLBACK_RENEW_S && id != ticket.id) {
		burrow_log(BURROW_LOG_DEBUG, "peer %s: relay ticket %u offered; keeping ticket %u",
			   peer->name, (unsigned)ticket.id, (unsigned)id);
		return;
	}
	burrow_text_endpoint(&offer.relay, text);
	snprintf(req.peer, sizeof(req.peer), "%s", peer->name);
	snprintf(req.relay_text, sizeof(req.relay_text), "%s", text);
	req.ticket = ticket;
	if (burrow_endpoint_parse(text, &req.relay, &req.relay_len, why, sizeof(why)) < 0 ||
	    burrowd_relay_use_start(m->d, &req, why, sizeof(why)) < 0) {
		snprintf(f->refused, sizeof(f->refused), "offer not usable: %s", why);
		burrow_log(BURROW_LOG_WARNING, "peer %s: relay offer: %s", peer->name, why);
		return;
	}
	f->offers++;
	f->ticket = ticket.id;
	f->refused[0] = '\0';
	snprintf(f->relay, sizeof(f->relay), "%s", text);
}

/* `burrowd status`: the fallback state of each map peer looked at. */
static void fallback_write_status(const struct burrowd_mesh *m, FILE *out, bool json)
{
	size_t shown = 0;

	if (json)
		fprintf(out, ",\"relay_after\":%u,\"relay_fallback\":[",
			coordinator_of(m)->relay_after);
	for (size_t i = 0; i < m->n_fallback; i++) {
		const struct mesh_fallback *f = &m->fallback[i];
		const struct burrowd_peer *peer = burrowd_peer_by_key(m->d, f->key);
		const char *name = peer ? peer->name : "?";

		if (!f->requests && !f->offers && !f->refusals)
			continue;
		if (json) {
			fprintf(out, "%s{\"peer\":", shown++ ? "," : "");
			burrow_json_string(out, name);
			fprintf(out, ",\"requests\":%" PRIu64 ",\"offers\":%" PRIu64
				",\"refusals\":%" PRIu64 ",\"probes\":%" PRIu64 ",\"upgrades\":%" PRIu64
				",\"ticket\":%u,\"relay\":",
				f->requests, f->offers, f->refusals, f->probes, f->upgrades,
				(unsigned)f->ticket);
			burrow_json_string(out, f->relay);
			fprintf(out, ",\"refused\":");
			burrow_json_string(out, f->refused);
			fputc('}', out);
			continue;
		}
		fprintf(out, "  relay fallback for %s: %" PRIu64 " requests, %" PRIu64 " offers",
			name, f->requests, f->offers);
		if (f->offers)
			fprintf(out, ", last ticket %u via %s", (unsigned)f->ticket, f->relay);
		if (f->probes || f->upgrades)
			fprintf(out, ", %" PRIu64 " direct probes, %" PRIu64 " upgrades", f->probes,
				f->upgrades);
		if (f->refused[0])
			fprintf(out, "; refused: %s", f->refused);
		fputc('\n', out);
	}
	if (json)
		fputc(']', out);
}

static void handle_capsule(struct burrowd_mesh *m, const struct burrow_capsule *cap)
{
	char why[128];

	if (!m->accepted && cap->type != COORD_MSG_REGISTER_RESULT) {
		snprintf(why, sizeof(why), "%s before REGISTER_RESULT", coord_msg_type_name(cap->type));
		mesh_close(m, COORD_CLOSE_PROTOCOL, why);
		return;
	}
	switch (cap->type) {
	case COORD_MSG_REGISTER_RESULT:
		handle_register_result(m, cap);
		break;
	case COORD_MSG_MAP_FULL:
		handle_map_full(m, cap);
		break;
	case COORD_MSG_MAP_DELTA:
		handle_map_delta(m, cap);
		break;
	case COORD_MSG_DNS_CONFIG:
		burrowd_dns_config_capsule(m->dns, cap->value, cap->length);
		break;
	case COORD_MSG_RELAY_REVOKE:
		handle_relay_revoke(m, cap);
		break;
	case COORD_MSG_RELAY_BIND:
		handle_relay_bind(m, cap);
		break;
	case COORD_MSG_CONTROL_TICKET:
		handle_control_ticket(m, cap);
		break;
	case COORD_MSG_OBSERVED_ADDRESS:
		handle_observed_address(m, cap);
		break;
	case COORD_MSG_RELAY_OFFER:
		fallback_offer(m, cap);
		break;
	default:
		snprintf(why, sizeof(why), "unexpected %s from the coordinator",
			 coord_msg_type_name(cap->type));
		mesh_close(m, COORD_CLOSE_PROTOCOL, why);
	}
}

static int mesh_authorize(const uint8_t public_key[32], const struct sockaddr *remote,
			  void **conn_user, void *endpoint_user)
{
	/* Client connections only: the pinned key was checked before this. */
	(void)public_key;
	(void)remote;
	(void)conn_user;
	(void)endpoint_user;
	return 0;
}

static void mesh_established(struct burrow_quic_conn *conn, void *conn_user)
{
	struct burrowd_mesh *m = conn_user;

	if (conn != m->conn)
		return;
	if (burrow_quic_open_stream(conn, &m->stream_id)) {
		mesh_close(m, COORD_CLOSE_INTERNAL, "cannot open the coordination stream");
		return;
	}
	send_register(m);
}

static void mesh_stream_data(struct burrow_quic_conn *conn, int64_t stream_id, const uint8_t *data,
			     size_t len, bool fin, void *conn_user)
{
	struct burrowd_mesh *m = conn_user;
	struct burrow_capsule cap;
	int ret;

	if (conn != m->conn || stream_id != m->stream_id)
		return;
	ret = burrow_capsule_reader_push(&m->reader, data, len);
	while (!ret && m->conn && (ret = burrow_capsule_reader_next(&m->reader, &cap)) == 1) {
		handle_capsule(m, &cap);
		ret = 0;
	}
	if (ret < 0)
		mesh_close(m, COORD_CLOSE_PROTOCOL, "malformed capsule from the coordinator");
	else if (fin && m->conn)
		mesh_close(m, COORD_CLOSE_DONE, "the coordinator ended the stream");
}

static void mesh_closed(struct burrow_quic_conn *conn, const char *reason, void *conn_user)
{
	struct burrowd_mesh *m = conn_user;
	uint64_t code;
	bool cut = burrow_quic_peer_app_error(conn, &code) &&
		   (code == COORD_CLOSE_REMOVED || code == COORD_CLOSE_EXPIRED);

	if (conn != m->conn)
		return;
	m->conn = NULL;
	m->stream_id = -1;
	m->accepted = false;
	burrow_capsule_reader_free(&m->reader);
	coord_msg_reader_init(&m->reader);
	coord_map_full_reader_free(&m->full);
	coord_map_full_reader_init(&m->full);
	if (m->stopping)
		return;
	if (m->switching) {
		/* Closed by this node for a renewed control ticket: redial now. */
		m->switching = false;
		m->refused = false;
		burrow_log(BURROW_LOG_INFO, "coordinator %s: reconnecting with control ticket %u",
			   m->where, (unsigned)ticket_of(m)->id);
		burrow_timer_arm_in(m->d->loop, &m->reconnect_timer, 0);
		return;
	}
	/* A refusal says more than the close that follows it. */
	if (!m->refused)
		snprintf(m->last_error, sizeof(m->last_error), "%s", reason);
	m->refused = false;
	burrow_log(BURROW_LOG_WARNING, "coordinator %s: connection closed: %s; keeping %zu map peers",
		   m->where, reason, coord_map_size(&m->map));
	if (cut)
		map_forget(m, code == COORD_CLOSE_REMOVED ? "this node was removed" :
							     "this node has expired");
	schedule_reconnect(m);
}

static const struct burrow_quic_callbacks mesh_callbacks = {
	.authorize = mesh_authorize,
	.established = mesh_established,
	.stream_data = mesh_stream_data,
	.closed = mesh_closed,
};

/* ---- lifetime -------------------------------------------------------------------------- */

int burrowd_mesh_init(struct burrowd *d, struct burrow_config **current)
{
	struct burrowd_mesh *m;

	if (!(*current)->coordinator.enabled)
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->d = d;
	m->current = current;
	m->stream_id = -1;
	m->backoff_ms = MESH_BACKOFF_MIN_MS;
	coord_msg_reader_init(&m->reader);
	coord_map_full_reader_init(&m->full);
	coord_map_init(&m->map);
	burrow_timer_init(&m->reconnect_timer, mesh_dial, m);
	burrow_timer_init(&m->fallback_timer, fallback_tick, m);
	if ((*current)->coordinator.relay_len)
		snprintf(m->where, sizeof(m->where), "via relay %s",
			 (*current)->coordinator.relay_text);
	else
		snprintf(m->where, sizeof(m->where), "%s", (*current)->coordinator.address_text);
	d->mesh = m;
	map_load(m);
	if (m->map.have_full) {
		/* burrowd_mesh_extend put them in the config: negotiate_init adds them. */
		burrowd_mesh_self_addresses(&m->map.self, m->self_addresses);
		m->n_self_addresses = 2;
	}
	return burrowd_mesh_extend(d, *current);
}

int burrowd_mesh_register_alpn(struct burrowd *d, struct burrow_alpn_registry *registry)
{
	if (!d->mesh)
		return 0;
	return burrow_alpn_register_dial(registry, COORD_MSG_ALPN, &mesh_callbacks, d->mesh);
}

/* An interface address came or went (addr_watch.h): report the candidates if they changed. */
static void addresses_changed(void *arg)
{
	struct burrowd_mesh *m = arg;

	if (!m->stopping)
		candidates_refresh(m, *m->current);
}

/*
 * At start: this node's key, and a control ticket the coordinator renewed
 * in an earlier run (the store's, for the same relay endpoint, node key
 * and coordinator key), used when it expires later than the config's.
 */
static void ticket_load(struct burrowd_mesh *m)
{
	const struct burrow_config_coordinator *c = coordinator_of(m);
	uint8_t bytes[BURROW_STORE_TICKET_LEN];
	struct burrow_relay_ticket t;
	const char *why = NULL;
	char err[256];
	uint64_t expiry;
	int ret;

	m->have_own_key = burrow_public_key_from_text(m->d->public_key_text, m->own_key, err,
						      sizeof(err)) == 0;
	if (!c->relay_len || !m->have_own_key || !m->d->store)
		return;
	ret = burrow_store_control_ticket_load(m->d->store, c->relay_text, m->own_key,
					       c->public_key, bytes, &expiry);
	if (ret == -ENOENT)
		return;
	if (ret < 0) {
		burrow_log(BURROW_LOG_WARNING, "coordinator %s: stored control ticket not read: %s",
			   m->where, burrow_store_error(m->d->store));
		return;
	}
	if (burrow_relay_ticket_decode(bytes, sizeof(bytes), &t, &why) != BURROW_RELAY_TICKET_OK) {
		burrow_log(BURROW_LOG_WARNING, "coordinator %s: stored control ticket not used: %s",
			   m->where, why ? why : "malformed");
		return;
	}
	if (t.expiry <= c->relay_ticket.expiry) {
		burrow_log(BURROW_LOG_INFO, "coordinator %s: stored control ticket %u not used: "
			   "relay_ticket %u expires later", m->where, (unsigned)t.id,
			   (unsigned)c->relay_ticket.id);
		return;
	}
	m->renewed = t;
	m->have_renewed = true;
	burrow_log(BURROW_LOG_INFO, "coordinator %s: using the renewed control ticket %u "
		   "(expires %" PRIu64 ") instead of relay_ticket %u", m->where, (unsigned)t.id,
		   t.expiry, (unsigned)c->relay_ticket.id);
}

int burrowd_mesh_connect(struct burrowd *d)
{
	struct burrowd_mesh *m = d->mesh;
	const struct burrow_config *cfg;

	if (!m)
		return 0;
	cfg = *m->current;
	m->quic = d->quic;
	/* Routes of a stored map (the peers are in by now; kill -9 leftovers are adopted). */
	routes_sync(m);
	m->dns = burrowd_dns_new(d->loop, &cfg->dns, d->kernel.ifname);
	burrowd_dns_set_map(m->dns, &m->map);
	m->addr_watch = burrow_addr_watch_new(d->loop, addresses_changed, m);
	if (!m->addr_watch)
		burrow_log(BURROW_LOG_WARNING, "coordinator: cannot watch interface addresses (%s): "
			   "changes are reported at the next reconnect or reload", strerror(errno));
	ticket_load(m);
	burrow_log(BURROW_LOG_INFO, "coordinator %s: connecting", m->where);
	mesh_dial(m);
	if (cfg->coordinator.relay_after)
		burrow_timer_arm_in(d->loop, &m->fallback_timer, MESH_FALLBACK_TICK_NS);
	return 0;
}

void burrowd_mesh_stop(struct burrowd *d)
{
	struct burrowd_mesh *m = d->mesh;

	if (!m || m->stopping)
		return;
	m->stopping = true;
	burrowd_dns_free(m->dns);
	m->dns = NULL;
	burrow_timer_cancel(d->loop, &m->reconnect_timer);
	burrow_timer_cancel(d->loop, &m->fallback_timer);
	burrow_addr_watch_free(m->addr_watch);
	m->addr_watch = NULL;
	/* burrowd flushes the endpoint (the CONNECTION_CLOSE goes out) after this. */
	if (m->conn)
		burrow_quic_close(m->conn, COORD_CLOSE_DONE, "node stopping");
}

void burrowd_mesh_free(struct burrowd *d)
{
	struct burrowd_mesh *m = d->mesh;

	if (!m)
		return;
	burrowd_mesh_stop(d);
	burrow_capsule_reader_free(&m->reader);
	coord_map_full_reader_free(&m->full);
	coord_map_free(&m->map);
	free(m->routes);
	free(m->fallback);
	free(m);
	d->mesh = NULL;
}

/*
 * The relay the coordinator is reached through: its admission state
 * ("admitting" until the relay answered, "admitted", "refused"; an expired
 * ticket is "refused" too) and the last error ("" when none).
 */
static const char *relay_status(struct burrowd *d, const struct burrowd_mesh *m,
				const char **answer, const char **error)
{
	const char *state = NULL;

	*answer = "";
	*error = "";
	if (!m->relay_expired)
		state = burrowd_relay_use_coordinator_state(d, coordinator_of(m)->public_key, answer,
							    error);
	if (m->relay_error[0])
		*error = m->relay_error;
	if (m->relay_expired)
		return "refused";
	return state ? state : "admitting";
}

static void relay_write_status(struct burrowd *d, const struct burrowd_mesh *m, FILE *out,
			       bool json)
{
	const struct burrow_config_coordinator *c = coordinator_of(m);
	const char *answer, *error, *state = relay_status(d, m, &answer, &error);

	if (json) {
		fprintf(out, "\"relay\":{\"endpoint\":");
		burrow_json_string(out, c->relay_text);
		fprintf(out, ",\"ticket\":%u,\"expiry\":%" PRIu64 ",\"source\":\"%s\","
			"\"state\":\"%s\"", (unsigned)ticket_of(m)->id, ticket_of(m)->expiry,
			ticket_source(m), state);
		if (answer[0]) {
			fprintf(out, ",\"answer\":");
			burrow_json_string(out, answer);
		}
		fprintf(out, ",\"last_error\":");
		burrow_json_string(out, error);
		fputc('}', out);
		return;
	}
	{
		time_t expiry = (time_t)ticket_of(m)->expiry;
		char when[32] = "?";
		struct tm tm;

		if (gmtime_r(&expiry, &tm))
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(out, "  control ticket %u expires %s (%s)\n", (unsigned)ticket_of(m)->id,
			when, ticket_source(m));
	}
	fprintf(out, "  relay admission %s", state);
	if (answer[0] && strcmp(state, "refused"))
		fprintf(out, " (%s)", answer);
	fputc('\n', out);
	if (error[0])
		fprintf(out, "  relay error: %s\n", error);
}

void burrowd_mesh_write_status(struct burrowd *d, FILE *out, bool json)
{
	const struct burrowd_mesh *m = d->mesh;
	const char *state;
	char v4[BURROW_TEXT_PREFIX_SIZE] = "", v6[BURROW_TEXT_PREFIX_SIZE] = "";

	if (!m)
		return;
	state = m->accepted ? "connected" : m->conn ? "connecting" : "disconnected";
	if (m->map.have_full) {
		burrow_text_prefix(&m->map.self.addresses.ipv4, v4);
		burrow_text_prefix(&m->map.self.addresses.ipv6, v6);
	}
	if (json) {
		/* Through a relay the node has no coordinator address: none is shown. */
		if (coordinator_of(m)->relay_len) {
			fprintf(out, ",\"coordinator\":{");
			relay_write_status(d, m, out, true);
			fputc(',', out);
		} else {
			fprintf(out, ",\"coordinator\":{\"address\":");
			burrow_json_string(out, coordinator_of(m)->address_text);
			fputc(',', out);
		}
		fprintf(out, "\"state\":\"%s\",\"registered\":%s,\"cut_off\":%s", state,
			m->registered ? "true" : "false", m->cut_off ? "true" : "false");
		if (m->map.have_full) {
			fprintf(out, ",\"name\":");
			burrow_json_string(out, m->map.self.name);
			fprintf(out, ",\"ipv4\":\"%s\",\"ipv6\":\"%s\",\"map_version\":%" PRIu64
				",\"map_peers\":%zu", v4, v6, m->map.version, coord_map_size(&m->map));
		}
		if (m->has_observed) {
			char text[BURROW_TEXT_ENDPOINT_SIZE];

			fprintf(out, ",\"observed\":\"%s\"", burrow_text_endpoint(&m->observed, text));
		}
		fprintf(out, ",\"last_error\":");
		burrow_json_string(out, m->last_error);
		fallback_write_status(m, out, true);
		fputc('}', out);
		return;
	}
	if (coordinator_of(m)->relay_len)
		fprintf(out, "coordinator via relay %s ticket %u %s", coordinator_of(m)->relay_text,
			(unsigned)ticket_of(m)->id, state);
	else
		fprintf(out, "coordinator %s %s", coordinator_of(m)->address_text, state);
	if (m->map.have_full)
		fprintf(out, " as %s (%s, %s), map version %" PRIu64 ", %zu peers",
			m->map.self.name, v4, v6, m->map.version, coord_map_size(&m->map));
	else if (m->cut_off)
		fprintf(out, ", cut off (removed or expired; restart burrowd to join again)");
	else
		fprintf(out, ", no node map");
	fputc('\n', out);
	if (m->has_observed) {
		char text[BURROW_TEXT_ENDPOINT_SIZE];

		fprintf(out, "  observed %s\n", burrow_text_endpoint(&m->observed, text));
	}
	if (coordinator_of(m)->relay_len)
		relay_write_status(d, m, out, false);
	if (m->last_error[0])
		fprintf(out, "  last error: %s\n", m->last_error);
	fallback_write_status(m, out, false);
}
