// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-coord's QUIC service (server.h). One struct coord_conn per QUIC
 * connection, from authorize to closed; the coordination stream is the
 * first bidirectional stream the node opens. A registered connection keeps
 * the peer set it last sent (ids increasing) and the version of its last
 * map message. A change of one node costs each other affected node one
 * entry built and compared (notify_peer_change), not a rebuild of its map;
 * registered connections are found by node id through a hash index.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../candidates.h"
#include "../identity.h"
#include "../kernel.h"
#include "../log.h"
#include "../quic.h"
#include "burrow-text.h"
#include "coord_map.h"
#include "coord_msg.h"
#include "coord_policy.h"
#include "coord_dns.h"
#include "coord_relay.h"
#include "../ratelimit.h"
#include "server.h"

/* How long a refused connection waits for REGISTER_RESULT to be acknowledged. */
#define REFUSAL_LINGER_NS UINT64_C(1000000000)
/* Buckets of the connection index at start; it doubles when it holds as many connections. */
#define CONN_INDEX_MIN_BITS 6

struct coord_conn {
	struct coord_server *server;
	struct burrow_quic_conn *quic;		/* set by the first callback that has it */
	struct coord_conn *prev, *next;		/* server->conns */
	struct coord_conn *index_next;		/* bucket chain of server->by_node */
	bool indexed;				/* in server->by_node */
	struct coord_conn *linger_prev, *linger_next;	/* server->lingering */
	uint8_t public_key[32];			/* proven in the TLS handshake */
	struct burrow_capsule_reader reader;
	bool have_stream;
	int64_t stream_id;
	bool registered;
	int64_t node_id;
	uint64_t version;			/* of the last map message sent */
	struct coord_peer *sent;		/* peer set of that message, ids increasing */
	size_t n_sent;
	size_t sent_cap;			/* entries allocated at sent */
	bool closing;				/* burrow_quic_close called */
	/* server->catch_up: waiting for the visibility delta of a policy reload */
	struct coord_conn *catch_prev, *catch_next;
	bool catch_queued;
	uint64_t linger_deadline;		/* refused: close when acked or then */
	char linger_reason[COORD_REASON_MAX + 32];
	/*
	 * Endpoint discovery (issue 19): the address:port this connection
	 * comes from (told to the node, OBSERVED_ADDRESS) and the candidates
	 * the node reported; the store holds both, observed first.
	 */
	bool has_observed;
	struct burrow_nl_endpoint observed;
	struct burrow_nl_endpoint reported[COORD_ENDPOINTS_MAX];
	size_t n_reported;
	/* Relay fallback (relay_fallback_*): */
	bool relay;				/* REGISTER said COORD_REGISTER_RELAY */
	uint64_t relay_load;			/* tickets issued through it on this connection */
	struct burrow_rate relay_rate;		/* its RELAY_REQUESTs */
	/*
	 * Control-ticket renewal (control_ticket_check): the wall ms at which
	 * the newest ticket of the chain this connection came through is past
	 * half its life (0: nothing to renew), and the id last sent to the
	 * node in CONTROL_TICKET on this connection (0: none).
	 */
	uint64_t renew_at_ms;
	uint32_t ticket_sent;
};

struct coord_server {
	struct coord_store *store;
	struct coord_policy_engine *policy;
	struct burrow_quic_endpoint *ep;
	int fd;
	uint8_t ipv4_len, ipv6_len;		/* prefix lengths of the overlay ranges */
	struct coord_conn *conns;
	size_t n_conns;
	/*
	 * Registered connections that are not closing, by node id: at most
	 * one per node (a new registration closes the old one first). A
	 * connection leaves it when conn_close() marks it closing or when
	 * closed() frees it, whichever comes first.
	 */
	struct coord_conn **by_node;
	unsigned int by_node_bits;		/* 1 << bits buckets */
	size_t n_indexed;
	/* Refused connections waiting for their REGISTER_RESULT to be acked, not closing. */
	struct coord_conn *lingering;
	/* COORD_ROUTES_MAX entries, for coord_policy_peer_routes */
	struct burrow_nl_prefix *route_scratch;
	char *policy_path;			/* NULL: deny all, nothing to reload */
	struct coord_dns_config *dns;		/* sent before every MAP_FULL */
	uint64_t poll_interval_ns;
	uint64_t next_poll;			/* CLOCK_MONOTONIC ns of the next change log read */
	/*
	 * The endpoint's next timer as coord_server_next_expiry() last read it
	 * (0: unknown). Every call into the endpoint is followed by that read,
	 * so a timer that fires for the change log alone can leave the
	 * endpoint, whose expiry handling visits every connection, alone.
	 */
	uint64_t ep_expiry;
	int64_t generation;			/* store generation whose changes are applied */
	int64_t expiry_checked_ms;		/* expiries up to this wall time are applied */
	/*
	 * Connections a policy reload may have changed, in the order queued,
	 * each once: visibility_catch_up() sends their visibility deltas in a
	 * time-boxed batch per loop turn, taking from the head, so a reload
	 * that affects many nodes never stops the loop from answering
	 * keep-alives and no turn walks connections already done. A
	 * connection leaves the queue when it is sent its delta, when
	 * conn_close() marks it closing and when closed() frees it.
	 */
	struct coord_conn *catch_head, *catch_tail;
	size_t n_catch;
	uint64_t catch_batch_ns;		/* work per loop turn */
	char *coord_pem;			/* signs relay tickets */
	char *egress_relay;			/* run --egress-relay: nodes only through it */
	uint64_t relay_lifetime_s;		/* of a ticket RELAY_OFFER carries */
	uint64_t relay_rate_interval_ns, relay_rate_burst;
	int64_t (*clock_ms)(void);		/* wall clock of control-ticket renewal */
	uint64_t next_renew_ms;			/* earliest renew_at_ms of a connection; 0: none */
};

/* What the policy engine needs of one node, read from the store. */
struct node_facts {
	struct coord_node node;
	char *tag_text;				/* node.tags split in place */
	const char **tags;
	size_t n_tags;
	struct burrow_nl_prefix *approved;
	size_t n_approved;
};

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool node_expired(const struct coord_node *node)
{
	return node->expiry_ms && node->expiry_ms <= wall_ms();
}


/* Forget what node_facts_fill derived from f->node, keeping f->node. */
static void node_facts_forget(struct node_facts *f)
{
	free(f->tag_text);
	free(f->tags);
	free(f->approved);
	f->tag_text = NULL;
	f->tags = NULL;
	f->approved = NULL;
	f->n_tags = 0;
	f->n_approved = 0;
}

static void node_facts_clear(struct node_facts *f)
{
	node_facts_forget(f);
	coord_store_node_clear(&f->node);
}

/*
 * Split f->node's "tag:a,tag:b" and collect its approved routes from the
 * route rows given (rows of other nodes are skipped).
 */
static int node_facts_fill_from(struct node_facts *f, const struct coord_route *routes,
				size_t n_routes, char *why, size_t why_size)
{
	char *tok, *save = NULL;
	int ret = 0;

	f->tag_text = strdup(f->node.tags ? f->node.tags : "");
	if (!f->tag_text)
		return -ENOMEM;
	for (tok = strtok_r(f->tag_text, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const char **grown = realloc(f->tags, (f->n_tags + 1) * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		f->tags = grown;
		f->tags[f->n_tags++] = tok;
	}
	for (size_t i = 0; i < n_routes; i++) {
		struct burrow_nl_prefix *grown;

		if (routes[i].node_id != f->node.id || !routes[i].approved)
			continue;
		grown = realloc(f->approved, (f->n_approved + 1) * sizeof(*grown));
		if (!grown) {
			ret = -ENOMEM;
			break;
		}
		f->approved = grown;
		ret = burrow_text_parse_prefix(routes[i].prefix, BURROW_TEXT_PREFIX_LEN_REQUIRED,
					       &f->approved[f->n_approved], why, why_size);
		if (ret < 0)
			break;
		f->n_approved++;
	}
	return ret;
}

/* node_facts_fill_from with f->node's routes read from the store. */
static int node_facts_fill(struct coord_server *s, struct node_facts *f, char *why,
			   size_t why_size)
{
	struct coord_route *routes = NULL;
	size_t n_routes = 0;
	int ret;

	ret = coord_store_node_route_list(s->store, f->node.id, &routes, &n_routes);
	if (ret < 0) {
		burrow_errorf(why, why_size, "%s", coord_store_error(s->store));
		return ret;
	}
	ret = node_facts_fill_from(f, routes, n_routes, why, why_size);
	free(routes);
	return ret;
}

static void policy_node_of(const struct node_facts *f, struct coord_policy_node *pn)
{
	*pn = (struct coord_policy_node){
		.id = f->node.id,
		.name = f->node.name,
		.tags = f->tags,
		.n_tags = f->n_tags,
		.approved_routes = f->approved,
		.n_routes = f->n_approved,
	};
}

/* Add the node to the policy engine, or update it when the engine has it. */
static int policy_put(struct coord_server *s, const struct node_facts *f,
		      struct coord_policy_ids *affected)
{
	struct coord_policy_node pn;
	int ret;

	policy_node_of(f, &pn);
	ret = coord_policy_node_update(s->policy, &pn, affected);
	if (ret == -ENOENT)
		ret = coord_policy_node_add(s->policy, &pn, affected);
	return ret;
}

static int addresses_of(const struct coord_server *s, const struct coord_node *node,
			struct coord_addresses *a)
{
	memset(a, 0, sizeof(*a));
	a->ipv4.family = AF_INET;
	a->ipv4.len = s->ipv4_len;
	a->ipv6.family = AF_INET6;
	a->ipv6.len = s->ipv6_len;
	if (inet_pton(AF_INET, node->ipv4, &a->ipv4.addr.v4) != 1 ||
	    inet_pton(AF_INET6, node->ipv6, &a->ipv6.addr.v6) != 1)
		return -EINVAL;
	return 0;
}

/*
 * Peer peer_id as the store has it (name, key, addresses, endpoints), no
 * routes: the part of a peer entry every viewer shares. -ENOENT when the
 * node is gone or expired (expired nodes are nobody's peer).
 */
static int build_peer_base(struct coord_server *s, int64_t peer_id, struct coord_peer *out,
			   char *why, size_t why_size)
{
	struct coord_endpoint *endpoints = NULL;
	struct coord_node node;
	size_t n_endpoints = 0, i;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = coord_store_node_get_by_id(s->store, peer_id, &node);
	if (ret < 0) {
		burrow_errorf(why, why_size, "%s", coord_store_error(s->store));
		return ret;
	}
	if (node_expired(&node)) {
		ret = -ENOENT;
		goto out;
	}
	out->id = (uint64_t)node.id;
	snprintf(out->name, sizeof(out->name), "%s", node.name);
	memcpy(out->public_key, node.public_key, 32);
	if (inet_pton(AF_INET, node.ipv4, out->ipv4) != 1 ||
	    inet_pton(AF_INET6, node.ipv6, out->ipv6) != 1) {
		burrow_errorf(why, why_size, "node '%s' has invalid addresses '%s', '%s'",
			      node.name, node.ipv4, node.ipv6);
		ret = -EINVAL;
		goto out;
	}
	ret = coord_store_node_endpoints(s->store, node.id, &endpoints, &n_endpoints);
	if (ret < 0) {
		burrow_errorf(why, why_size, "%s", coord_store_error(s->store));
		goto out;
	}
	if (n_endpoints) {
		out->endpoints = calloc(n_endpoints, sizeof(*out->endpoints));
		if (!out->endpoints) {
			ret = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < n_endpoints; i++) {
		ret = burrow_text_parse_endpoint(endpoints[i].text, false,
						 &out->endpoints[out->n_endpoints], why, why_size);
		if (ret < 0)
			goto out;
		out->n_endpoints++;
	}
out:
	free(endpoints);
	coord_store_node_clear(&node);
	if (ret < 0)
		coord_peer_free(out);
	return ret;
}

/* Set peer->routes (none before) to those of its approved routes viewer_id may use. */
static int fill_peer_routes(struct coord_server *s, int64_t viewer_id, struct coord_peer *peer,
			    char *why, size_t why_size)
{
	int n = coord_policy_peer_routes(s->policy, viewer_id, (int64_t)peer->id,
					 s->route_scratch, COORD_ROUTES_MAX);

	if (n < 0) {
		burrow_errorf(why, why_size, "policy has no node %llu",
			      (unsigned long long)peer->id);
		return n;
	}
	if (n > COORD_ROUTES_MAX)
		n = COORD_ROUTES_MAX;
	if (!n)
		return 0;
	peer->routes = malloc((size_t)n * sizeof(*peer->routes));
	if (!peer->routes)
		return -ENOMEM;
	memcpy(peer->routes, s->route_scratch, (size_t)n * sizeof(*peer->routes));
	peer->n_routes = (size_t)n;
	return 0;
}

/* Peer peer_id as viewer_id sees it: the store's data and the routes policy lets it use. */
static int build_peer(struct coord_server *s, int64_t viewer_id, int64_t peer_id,
		      struct coord_peer *out, char *why, size_t why_size)
{
	int ret = build_peer_base(s, peer_id, out, why, why_size);

	if (ret == 0)
		ret = fill_peer_routes(s, viewer_id, out, why, why_size);
	if (ret < 0)
		coord_peer_free(out);
	return ret;
}

static int compare_ids(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The peers node_id sees now, ids increasing (free with coord_peers_free). */
static int build_peer_set(struct coord_server *s, int64_t node_id, struct coord_peer **out,
			  size_t *n_out, char *why, size_t why_size)
{
	struct coord_policy_ids ids = { 0 };
	struct coord_peer *peers = NULL;
	size_t n = 0, i;
	int ret;

	*out = NULL;
	*n_out = 0;
	ret = coord_policy_visible(s->policy, node_id, &ids);
	if (ret < 0) {
		burrow_errorf(why, why_size, "policy has no node %lld", (long long)node_id);
		goto out;
	}
	if (ids.n) {
		qsort(ids.ids, ids.n, sizeof(*ids.ids), compare_ids);
		peers = calloc(ids.n, sizeof(*peers));
		if (!peers) {
			ret = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < ids.n; i++) {
		ret = build_peer(s, node_id, ids.ids[i], &peers[n], why, why_size);
		if (ret == -ENOENT)
			continue;	/* expired, or removed from the store */
		if (ret < 0)
			goto out;
		n++;
	}
	ret = 0;
	*out = peers;
	*n_out = n;
	peers = NULL;
	n = 0;
out:
	coord_peers_free(peers, n);
	coord_policy_ids_free(&ids);
	return ret;
}

/* ---- connection index and lingering list -------------------------------- */

static size_t node_bucket(int64_t node_id, unsigned int bits)
{
	/* Fibonacci hashing: row ids are dense, the multiply spreads them. */
	return (size_t)(((uint64_t)node_id * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - bits));
}

/* Double the buckets; on ENOMEM the chains just grow longer. */
static void conn_index_grow(struct coord_server *s)
{
	unsigned int bits = s->by_node_bits + 1;
	struct coord_conn **table = calloc((size_t)1 << bits, sizeof(*table));
	size_t i;

	if (!table)
		return;
	for (i = 0; i < (size_t)1 << s->by_node_bits; i++) {
		struct coord_conn *c, *next;

		for (c = s->by_node[i]; c; c = next) {
			size_t b = node_bucket(c->node_id, bits);

			next = c->index_next;
			c->index_next = table[b];
			table[b] = c;
		}
	}
	free(s->by_node);
	s->by_node = table;
	s->by_node_bits = bits;
}

static void conn_index_add(struct coord_server *s, struct coord_conn *c)
{
	size_t b;

	if (s->n_indexed >= (size_t)1 << s->by_node_bits)
		conn_index_grow(s);
	b = node_bucket(c->node_id, s->by_node_bits);
	c->index_next = s->by_node[b];
	s->by_node[b] = c;
	c->indexed = true;
	s->n_indexed++;
}

static void conn_index_remove(struct coord_server *s, struct coord_conn *c)
{
	struct coord_conn **p;

	if (!c->indexed)
		return;
	for (p = &s->by_node[node_bucket(c->node_id, s->by_node_bits)]; *p; p = &(*p)->index_next) {
		if (*p == c) {
			*p = c->index_next;
			break;
		}
	}
	c->index_next = NULL;
	c->indexed = false;
	s->n_indexed--;
}

/* The registered, open connection of node_id, or NULL. */
static struct coord_conn *conn_of_node(struct coord_server *s, int64_t node_id)
{
	struct coord_conn *c;

	for (c = s->by_node[node_bucket(node_id, s->by_node_bits)]; c; c = c->index_next)
		if (c->node_id == node_id)
			return c;
	return NULL;
}

static void linger_add(struct coord_server *s, struct coord_conn *c)
{
	c->linger_prev = NULL;
	c->linger_next = s->lingering;
	if (s->lingering)
		s->lingering->linger_prev = c;
	s->lingering = c;
}

/* Take c off the lingering list if it is on it (linger_deadline set, not yet taken off). */
static void linger_remove(struct coord_server *s, struct coord_conn *c)
{
	if (!c->linger_prev && s->lingering != c)
		return;
	if (c->linger_prev)
		c->linger_prev->linger_next = c->linger_next;
	else
		s->lingering = c->linger_next;
	if (c->linger_next)
		c->linger_next->linger_prev = c->linger_prev;
	c->linger_prev = c->linger_next = NULL;
}

static void catch_up_queue(struct coord_server *s, struct coord_conn *c)
{
	if (c->catch_queued || !c->registered || c->closing)
		return;
	c->catch_queued = true;
	c->catch_next = NULL;
	c->catch_prev = s->catch_tail;
	if (s->catch_tail)
		s->catch_tail->catch_next = c;
	else
		s->catch_head = c;
	s->catch_tail = c;
	s->n_catch++;
}

static void catch_up_unlink(struct coord_server *s, struct coord_conn *c)
{
	if (!c->catch_queued)
		return;
	if (c->catch_prev)
		c->catch_prev->catch_next = c->catch_next;
	else
		s->catch_head = c->catch_next;
	if (c->catch_next)
		c->catch_next->catch_prev = c->catch_prev;
	else
		s->catch_tail = c->catch_prev;
	c->catch_prev = c->catch_next = NULL;
	c->catch_queued = false;
	s->n_catch--;
}

static void conn_close(struct coord_conn *c, uint64_t code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void conn_close(struct coord_conn *c, uint64_t code, const char *fmt, ...)
{
	char reason[COORD_REASON_MAX + 64];
	char key[BURROW_PUBLIC_KEY_TEXT_SIZE];
	va_list ap;

	if (c->closing)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	burrow_public_key_to_text(c->public_key, key);
	burrow_log(code == COORD_CLOSE_DONE ? BURROW_LOG_INFO : BURROW_LOG_WARNING,
		   "node %s: closing: %s", key, reason);
	c->closing = true;
	c->server->ep_expiry = 0;	/* the close goes out from the endpoint's next call */
	conn_index_remove(c->server, c);
	linger_remove(c->server, c);
	catch_up_unlink(c->server, c);
	burrow_quic_close(c->quic, code, reason);
}

static int conn_send(struct coord_conn *c, const struct coord_buf *b)
{
	int ret;

	if (b->error)
		return b->error;
	c->server->ep_expiry = 0;	/* queued: flushed by the endpoint's next call */
	ret = burrow_quic_send(c->quic, c->stream_id, b->data, b->len, false);
	if (ret < 0)
		conn_close(c, COORD_CLOSE_INTERNAL, "cannot queue %zu bytes: %s", b->len,
			   strerror(-ret));
	return ret;
}

static void conn_set_sent(struct coord_conn *c, struct coord_peer *peers, size_t n)
{
	coord_peers_free(c->sent, c->n_sent);
	c->sent = peers;
	c->n_sent = n;
	c->sent_cap = n;
}

/*
 * Sends a map message its encoder wrote into b (encode_ret is the
 * encoder's result, why its reason) and, once it is queued, records peers
 * as the set the node now holds, under the next version. Takes peers and
 * frees b in every case.
 */
static int conn_send_map(struct coord_conn *c, struct coord_buf *b, int encode_ret,
			 const char *message, const char *why, struct coord_peer *peers, size_t n)
{
	int ret = encode_ret;

	if (ret == 0)
		ret = conn_send(c, b);
	else
		conn_close(c, COORD_CLOSE_INTERNAL, "%s: %s", message, why);
	coord_buf_free(b);
	if (ret < 0) {
		coord_peers_free(peers, n);
		return ret;
	}
	c->version++;
	conn_set_sent(c, peers, n);
	return 0;
}

/* MAP_FULL with the next version; the connection remembers the set sent. */
static int send_map_full(struct coord_conn *c)
{
	struct coord_server *s = c->server;
	char why[COORD_SERVER_ERR_MAX];
	struct coord_map_self self = { .id = (uint64_t)c->node_id };
	struct coord_buf b;
	struct coord_peer *peers;
	struct coord_node node;
	size_t n;
	int ret;

	ret = coord_store_node_get_by_id(s->store, c->node_id, &node);
	if (ret < 0) {
		conn_close(c, COORD_CLOSE_INTERNAL, "map: %s", coord_store_error(s->store));
		return ret;
	}
	snprintf(self.name, sizeof(self.name), "%s", node.name);
	ret = addresses_of(s, &node, &self.addresses);
	coord_store_node_clear(&node);
	if (ret < 0) {
		conn_close(c, COORD_CLOSE_INTERNAL, "map: invalid addresses of node %lld",
			   (long long)c->node_id);
		return ret;
	}
	ret = build_peer_set(s, c->node_id, &peers, &n, why, sizeof(why));
	if (ret < 0) {
		conn_close(c, COORD_CLOSE_INTERNAL, "map: %s", why);
		return ret;
	}
	coord_buf_init(&b);
	/* The DNS config rides ahead of every full map (nodes before it skip it). */
	ret = coord_msg_dns_config_encode(&b, s->dns, why, sizeof(why));
	if (!ret)
		ret = coord_msg_map_full_encode(&b, c->version + 1, &self, peers, n, NULL, why,
						sizeof(why));
	return conn_send_map(c, &b, ret, "MAP_FULL", why, peers, n);
}

/*
 * RELAY_REVOKE for every revoked, unexpired ticket through c's node: after
 * registration (a relay that was away learns what it missed) and whenever
 * one is revoked (COORD_CHANGE_RELAY_REVOKE). Sending one twice is
 * harmless: the relay refuses the id either way. A node with none gets
 * nothing, so nodes that predate the message never see it unless an
 * operator names them as a relay.
 */
static int send_relay_revocations(struct coord_conn *c)
{
	struct coord_buf b;
	uint32_t *ids = NULL;
	size_t n = 0;
	int ret;

	ret = coord_store_relay_revoked(c->server->store, c->node_id,
					(uint64_t)(wall_ms() / 1000), &ids, &n);
	if (ret < 0) {
		burrow_log(BURROW_LOG_ERROR, "relay revocations of node %lld: %s",
			   (long long)c->node_id, coord_store_error(c->server->store));
		return ret;
	}
	coord_buf_init(&b);
	for (size_t i = 0; i < n; i++)
		coord_msg_relay_revoke_encode(&b, ids[i]);
	ret = n ? conn_send(c, &b) : 0;
	coord_buf_free(&b);
	free(ids);
	return ret;
}

/*
 * RELAY_BIND for every unrevoked, unexpired control ticket through c's
 * node (docs/coordination.md, "The coordinator behind a relay"): after a
 * relay registers and whenever one is issued (COORD_CHANGE_RELAY_BIND).
 * The relay binds the coordinator's side at the address of this very
 * connection; sending one twice is harmless (the relay keeps one binding
 * per ticket). Only to a node that said it relays.
 */
static int send_relay_binds(struct coord_conn *c)
{
	struct coord_control_ticket *tickets = NULL;
	struct coord_buf b;
	size_t n = 0;
	int ret;

	if (!c->relay)
		return 0;
	ret = coord_store_control_tickets_live(c->server->store, c->node_id,
					       (uint64_t)(wall_ms() / 1000), &tickets, &n);
	if (ret < 0) {
		burrow_log(BURROW_LOG_ERROR, "control tickets through node %lld: %s",
			   (long long)c->node_id, coord_store_error(c->server->store));
		return ret;
	}
	coord_buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		coord_msg_relay_bind_encode(&b, tickets[i].ticket);
		burrow_log(BURROW_LOG_DEBUG, "node %lld: RELAY_BIND control ticket %u",
			   (long long)c->node_id, (unsigned)tickets[i].id);
	}
	ret = n ? conn_send(c, &b) : 0;
	coord_buf_free(&b);
	free(tickets);
	return ret;
}

/* ---- control-ticket renewal ---------------------------------------------------- */

static void renew_schedule(struct coord_server *s, uint64_t at_ms)
{
	if (at_ms && (!s->next_renew_ms || at_ms < s->next_renew_ms))
		s->next_renew_ms = at_ms;
}

/* Retry after a failed renewal (the relay gone, the store busy) this much later. */
#define RENEW_RETRY_MS 60000

/*
 * A node connected through a relay with a control ticket (docs/coordination.md
 * "Lifetime"): follow the ticket's renewals to the newest; if that one has
 * less than half its lifetime left, renew it (same node key, relay and
 * lifetime; coord_control_ticket_renew), send the relay RELAY_BIND for it at
 * once (the change log sends it again, harmlessly) and the node
 * CONTROL_TICKET. A newer ticket than the connection's that the node was not
 * sent on this connection (it reconnected with the old one) is sent too.
 * A revoked ticket is never renewed nor sent; a connection through a relay
 * ticket that is no control ticket of this node's key has nothing to renew.
 * Called after registration and when renew_at_ms passes.
 */
static void control_ticket_check(struct coord_conn *c)
{
	struct coord_server *s = c->server;
	struct coord_control_ticket t, next;
	struct burrow_relay_ticket fresh;
	char why[COORD_SERVER_ERR_MAX];
	uint32_t id = burrow_quic_conn_relay_ticket(c->quic), old;
	struct coord_conn *relay;
	struct coord_buf b;
	uint64_t now_ms;
	time_t expiry;
	char when[32] = "?";
	struct tm tm;
	int ret, hops = 0;

	c->renew_at_ms = 0;
	if (!id || !c->registered || c->closing || !s->coord_pem)
		return;
	ret = coord_store_control_ticket_get(s->store, id, &t);
	if (ret < 0) {
		if (ret != -ENOENT)
			burrow_log(BURROW_LOG_ERROR, "node %lld: control ticket %u: %s",
				   (long long)c->node_id, (unsigned)id,
				   coord_store_error(s->store));
		return;
	}
	if (memcmp(t.node_key, c->public_key, 32))
		return;
	while (t.renewed_by && hops++ < 64) {
		ret = coord_store_control_ticket_get(s->store, t.renewed_by, &next);
		if (ret < 0)
			break;
		t = next;
	}
	if (t.revoked)
		return;
	now_ms = (uint64_t)s->clock_ms();
	if (coord_control_ticket_due(&t, now_ms)) {
		old = t.id;
		ret = coord_control_ticket_renew(s->store, s->coord_pem, coord_server_public_key(s),
						 &t, now_ms / 1000, &fresh, why, sizeof(why));
		if (ret == 0)
			ret = coord_store_control_ticket_get(s->store, fresh.id, &t);
		if (ret < 0) {
			burrow_log(BURROW_LOG_WARNING, "node '%s': control ticket %u: cannot renew: %s",
				   t.node, (unsigned)old, ret == -ENOENT ?
				   coord_store_error(s->store) : why);
			c->renew_at_ms = now_ms + RENEW_RETRY_MS;
			renew_schedule(s, c->renew_at_ms);
			return;
		}
		expiry = (time_t)t.expiry;
		if (gmtime_r(&expiry, &tm))
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		burrow_log(BURROW_LOG_INFO, "node '%s': control ticket %u renewed as %u through "
			   "relay '%s', expires %s", t.node, (unsigned)old, (unsigned)t.id, t.relay,
			   when);
		relay = conn_of_node(s, t.relay_id);
		if (relay && !relay->closing)
			send_relay_binds(relay);
	}
	if (t.id != id && t.id != c->ticket_sent) {
		coord_buf_init(&b);
		coord_msg_control_ticket_encode(&b, t.ticket);
		if (conn_send(c, &b) == 0)
			c->ticket_sent = t.id;
		coord_buf_free(&b);
		if (c->closing)
			return;
	}
	c->renew_at_ms = coord_control_ticket_due_ms(&t);
	renew_schedule(s, c->renew_at_ms);
}

/* The connections whose control ticket is due (from the change-log timer). */
static void control_tickets_renew(struct coord_server *s)
{
	uint64_t now_ms = (uint64_t)s->clock_ms();
	struct coord_conn *c;

	if (!s->next_renew_ms || now_ms < s->next_renew_ms)
		return;
	s->next_renew_ms = 0;
	for (c = s->conns; c; c = c->next) {
		if (c->renew_at_ms && now_ms >= c->renew_at_ms)
			control_ticket_check(c);
		else
			renew_schedule(s, c->renew_at_ms);
	}
}

/* MAP_DELTA from the set last sent to the current one, if they differ. */
static int send_map_delta(struct coord_conn *c)
{
	char why[COORD_SERVER_ERR_MAX];
	struct coord_map_delta delta = { 0 };
	struct coord_peer *peers;
	struct coord_buf b;
	size_t n;
	int ret;

	ret = build_peer_set(c->server, c->node_id, &peers, &n, why, sizeof(why));
	if (ret < 0) {
		conn_close(c, COORD_CLOSE_INTERNAL, "map: %s", why);
		return ret;
	}
	ret = coord_map_diff(c->sent, c->n_sent, peers, n, c->version + 1, &delta, why,
			     sizeof(why));
	if (ret < 0) {
		coord_peers_free(peers, n);
		conn_close(c, COORD_CLOSE_INTERNAL, "map diff: %s", why);
		return ret;
	}
	if (!delta.n_changed && !delta.n_removed) {
		coord_peers_free(peers, n);
		coord_map_delta_free(&delta);
		return 0;
	}
	coord_buf_init(&b);
	ret = coord_msg_map_delta_encode(&b, &delta, why, sizeof(why));
	coord_map_delta_free(&delta);
	if (ret == -EMSGSIZE) {
		/* Larger than one capsule: a full map says the same. */
		coord_buf_free(&b);
		coord_peers_free(peers, n);
		return send_map_full(c);
	}
	return conn_send_map(c, &b, ret, "MAP_DELTA", why, peers, n);
}

/* Whether a peer entry's routes are the n in routes. */
static bool routes_equal(const struct coord_peer *p, const struct burrow_nl_prefix *routes,
			 size_t n)
{
	if (p->n_routes != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!burrow_text_prefix_equal(&p->routes[i], &routes[i]))
			return false;
	return true;
}

/*
 * The delta of c's map when only what c's node sees may have changed, not
 * its peers' data: after a policy reload, or after a change of c's own
 * node (its tags, routes or name; a peer's own change reaches c through
 * notify_peer_change). An entry c holds is kept (moved, not read again)
 * unless its routes differ; only peers new to c are read from the store.
 * One merge of the new visible set with the set last sent.
 */
static int send_visibility_delta(struct coord_conn *c)
{
	struct coord_server *s = c->server;
	struct coord_policy_ids ids = { 0 };
	struct coord_map_delta delta = { .version = c->version + 1 };
	char why[COORD_SERVER_ERR_MAX];
	struct coord_peer *next = NULL;
	size_t n_next = 0, i = 0, j = 0;
	struct coord_buf b;
	int ret;

	ret = coord_policy_visible(s->policy, c->node_id, &ids);
	if (ret < 0) {
		conn_close(c, COORD_CLOSE_INTERNAL, "map: policy has no node %lld",
			   (long long)c->node_id);
		return ret;
	}
	if (ids.n)
		qsort(ids.ids, ids.n, sizeof(*ids.ids), compare_ids);
	next = calloc(ids.n ? ids.n : 1, sizeof(*next));
	delta.changed = calloc(ids.n ? ids.n : 1, sizeof(*delta.changed));
	delta.removed = calloc(c->n_sent ? c->n_sent : 1, sizeof(*delta.removed));
	if (!next || !delta.changed || !delta.removed) {
		ret = -ENOMEM;
		snprintf(why, sizeof(why), "%s", strerror(ENOMEM));
		goto out;
	}
	while (i < ids.n || j < c->n_sent) {
		uint64_t id = i < ids.n ? (uint64_t)ids.ids[i] : UINT64_MAX;
		struct coord_peer *held = j < c->n_sent ? &c->sent[j] : NULL;
		int n;

		if (held && held->id < id) {
			delta.removed[delta.n_removed++] = held->id;
			j++;
			continue;
		}
		if (!held || id < held->id) {
			ret = build_peer(s, c->node_id, (int64_t)id, &next[n_next], why,
					 sizeof(why));
			i++;
			if (ret == -ENOENT)
				continue;	/* expired, or removed from the store */
			if (ret == 0)
				ret = coord_peer_copy(&delta.changed[delta.n_changed],
						      &next[n_next]);
			if (ret < 0) {
				coord_peer_free(&next[n_next]);
				goto out;
			}
			n_next++;
			delta.n_changed++;
			continue;
		}
		/* held by c already: the same node data, maybe other routes */
		n = coord_policy_peer_routes(s->policy, c->node_id, (int64_t)id, s->route_scratch,
					     COORD_ROUTES_MAX);
		if (n > COORD_ROUTES_MAX)
			n = COORD_ROUTES_MAX;
		next[n_next] = *held;
		memset(held, 0, sizeof(*held));	/* moved: the lists belong to next now */
		held->id = next[n_next].id;
		i++;
		j++;
		if (n >= 0 && !routes_equal(&next[n_next], s->route_scratch, (size_t)n)) {
			struct coord_peer *p = &next[n_next];

			free(p->routes);
			p->routes = NULL;
			p->n_routes = 0;
			ret = fill_peer_routes(s, c->node_id, p, why, sizeof(why));
			if (ret == 0)
				ret = coord_peer_copy(&delta.changed[delta.n_changed], p);
			if (ret < 0) {
				n_next++;
				goto out;
			}
			delta.n_changed++;
		}
		n_next++;
	}
	ret = 0;
	if (!delta.n_changed && !delta.n_removed) {
		conn_set_sent(c, next, n_next);
		next = NULL;
		goto out;
	}
	coord_buf_init(&b);
	ret = coord_msg_map_delta_encode(&b, &delta, why, sizeof(why));
	if (ret == -EMSGSIZE) {
		/* Larger than one capsule: a full map says the same. */
		coord_buf_free(&b);
		conn_set_sent(c, next, n_next);
		next = NULL;
		ret = send_map_full(c);
		goto out_quiet;
	}
	ret = conn_send_map(c, &b, ret, "MAP_DELTA", why, next, n_next);
	next = NULL;
	goto out_quiet;
out:
	if (ret < 0) {
		/* c->sent lost the entries moved out: the connection cannot go on */
		conn_set_sent(c, next, n_next);
		next = NULL;
		conn_close(c, COORD_CLOSE_INTERNAL, "map: %s", why);
	}
out_quiet:
	if (next)
		coord_peers_free(next, n_next);
	coord_peers_free(delta.changed, delta.n_changed);
	free(delta.removed);
	coord_policy_ids_free(&ids);
	return ret;
}

/* Index of the entry with this id in c->sent, or where it would go (*found false). */
static size_t sent_find(const struct coord_conn *c, uint64_t id, bool *found)
{
	size_t lo = 0, hi = c->n_sent;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->sent[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < c->n_sent && c->sent[lo].id == id;
	return lo;
}

/*
 * MAP_DELTA for one peer: entry is how c's node sees peer_id now (taken),
 * NULL when it sees it no more. Nothing is sent when the set last sent
 * already says so; otherwise c->sent is updated in place, so it stays the
 * set the node holds.
 */
static int send_peer_delta(struct coord_conn *c, uint64_t peer_id, struct coord_peer *entry)
{
	char why[COORD_SERVER_ERR_MAX];
	struct coord_map_delta delta = { .version = c->version + 1 };
	struct coord_buf b;
	size_t at;
	bool found;
	int ret;

	at = sent_find(c, peer_id, &found);
	if (entry ? found && coord_peer_equal(&c->sent[at], entry) : !found) {
		if (entry)
			coord_peer_free(entry);
		return 0;
	}
	if (entry && !found && c->n_sent == c->sent_cap) {
		size_t cap = c->sent_cap ? 2 * c->sent_cap : 16;
		struct coord_peer *grown = realloc(c->sent, cap * sizeof(*grown));

		if (!grown) {
			coord_peer_free(entry);
			conn_close(c, COORD_CLOSE_INTERNAL, "map: %s", strerror(ENOMEM));
			return -ENOMEM;
		}
		c->sent = grown;
		c->sent_cap = cap;
	}
	if (entry) {
		delta.changed = entry;
		delta.n_changed = 1;
	} else {
		delta.removed = &peer_id;
		delta.n_removed = 1;
	}
	coord_buf_init(&b);
	ret = coord_msg_map_delta_encode(&b, &delta, why, sizeof(why));
	if (ret == 0)
		ret = conn_send(c, &b);
	else
		conn_close(c, COORD_CLOSE_INTERNAL, "MAP_DELTA: %s", why);
	coord_buf_free(&b);
	if (ret < 0) {
		if (entry)
			coord_peer_free(entry);
		return ret;
	}
	c->version++;
	if (entry && found) {
		coord_peer_free(&c->sent[at]);
		c->sent[at] = *entry;
	} else if (entry) {
		memmove(&c->sent[at + 1], &c->sent[at], (c->n_sent - at) * sizeof(*c->sent));
		c->sent[at] = *entry;
		c->n_sent++;
	} else {
		coord_peer_free(&c->sent[at]);
		memmove(&c->sent[at], &c->sent[at + 1], (c->n_sent - at - 1) * sizeof(*c->sent));
		c->n_sent--;
	}
	return 0;
}

static bool ids_contain(const struct coord_policy_ids *sorted, int64_t id)
{
	return sorted->n &&
	       bsearch(&id, sorted->ids, sorted->n, sizeof(*sorted->ids), compare_ids) != NULL;
}

/*
 * Node changed_id changed (joined, left, or its data, tags or routes did);
 * affected is what the policy engine says may see a difference. Whether B
 * is in A's map, and with which routes, depends on A and B alone, so for
 * every connected node of affected other than changed_id only its entry
 * for changed_id can differ: it gets a one-peer delta (its cost does not
 * grow with its map). changed_id's own connection, whose visible set may
 * differ, gets the delta of that set. skip (may be NULL) is left out.
 */
static void notify_peer_change(struct coord_server *s, int64_t changed_id,
			       const struct coord_policy_ids *affected,
			       const struct coord_conn *skip)
{
	struct coord_policy_ids visible = { 0 };
	char why[COORD_SERVER_ERR_MAX];
	struct coord_peer base;
	bool present;
	size_t i;
	int ret;

	ret = build_peer_base(s, changed_id, &base, why, sizeof(why));
	present = ret == 0;
	if (present)
		ret = coord_policy_visible(s->policy, changed_id, &visible);
	if (ret == -ENOENT) {
		/* gone from the store or the engine: nobody's peer */
		ret = 0;
		if (present)
			coord_peer_free(&base);
		present = false;
	}
	if (ret == 0 && visible.n)
		qsort(visible.ids, visible.n, sizeof(*visible.ids), compare_ids);
	for (i = 0; i < affected->n; i++) {
		struct coord_conn *c = conn_of_node(s, affected->ids[i]);
		struct coord_peer entry;

		if (!c || c == skip)
			continue;
		if (ret < 0) {
			/* a failure here closes c naming it */
			send_map_delta(c);
			continue;
		}
		if (c->node_id == changed_id) {
			send_visibility_delta(c);
			continue;
		}
		if (!present || !ids_contain(&visible, c->node_id)) {
			send_peer_delta(c, (uint64_t)changed_id, NULL);
			continue;
		}
		if (coord_peer_copy(&entry, &base) < 0) {
			conn_close(c, COORD_CLOSE_INTERNAL, "map: %s", strerror(ENOMEM));
			continue;
		}
		if (fill_peer_routes(s, c->node_id, &entry, why, sizeof(why)) < 0) {
			coord_peer_free(&entry);
			conn_close(c, COORD_CLOSE_INTERNAL, "map: %s", why);
			continue;
		}
		send_peer_delta(c, (uint64_t)changed_id, &entry);
	}
	if (present)
		coord_peer_free(&base);
	coord_policy_ids_free(&visible);
}

/* REGISTER_RESULT refused; the connection closes once the node has it. */
static void refuse(struct coord_conn *c, enum coord_refusal code, const char *reason)
{
	struct coord_register_result result = { .accepted = false, .reason_code = code };
	char why[COORD_SERVER_ERR_MAX];
	char key[BURROW_PUBLIC_KEY_TEXT_SIZE];
	struct coord_buf b;
	int ret;

	snprintf(result.reason, sizeof(result.reason), "%s", reason);
	burrow_public_key_to_text(c->public_key, key);
	burrow_log(BURROW_LOG_INFO, "node %s: registration refused: %s", key, reason);
	coord_buf_init(&b);
	ret = coord_msg_register_result_encode(&b, &result, why, sizeof(why));
	if (ret == 0)
		ret = conn_send(c, &b);
	coord_buf_free(&b);
	if (ret < 0) {
		conn_close(c, COORD_CLOSE_REFUSED, "registration refused: %s", reason);
		return;
	}
	snprintf(c->linger_reason, sizeof(c->linger_reason), "registration refused: %s", reason);
	c->linger_deadline = burrow_quic_now() + REFUSAL_LINGER_NS;
	linger_add(c->server, c);
}

/* Which refusal a failed coord_store_register() was; reads the key by its public id. */
static enum coord_refusal refusal_of(struct coord_server *s, int ret, const char *secret)
{
	enum coord_refusal code = COORD_REFUSED_KEY_USED;
	struct coord_key *keys = NULL;
	size_t n = 0, i;

	switch (ret) {
	case -ENOENT:
		return COORD_REFUSED_KEY_UNKNOWN;
	case -ENOSPC:
		return COORD_REFUSED_ADDRESSES;
	case -EEXIST:
	case -EINVAL:
		return COORD_REFUSED_NAME;
	case -EACCES:
		break;
	default:
		return COORD_REFUSED_INTERNAL;
	}
	/* secret is "bck_" + id + ...; the store said which check failed in words only. */
	if (strncmp(secret, "bck_", 4) || coord_store_key_list(s->store, &keys, &n) < 0)
		return code;
	for (i = 0; i < n; i++) {
		if (strncmp(keys[i].id, secret + 4, COORD_KEY_ID_SIZE - 1))
			continue;
		if (keys[i].revoked)
			code = COORD_REFUSED_KEY_REVOKED;
		else if (keys[i].expiry_ms && keys[i].expiry_ms <= wall_ms())
			code = COORD_REFUSED_KEY_EXPIRED;
		break;
	}
	coord_store_key_list_free(keys, n);
	return code;
}

/* Record the endpoints the node sent, as burrow-text writes them. */
static int store_endpoints(struct coord_server *s, int64_t node_id,
			   const struct burrow_nl_endpoint *endpoints, size_t n)
{
	char text[COORD_ENDPOINTS_MAX][BURROW_TEXT_ENDPOINT_SIZE];
	const char *ptrs[COORD_ENDPOINTS_MAX];
	size_t i;

	if (n > COORD_ENDPOINTS_MAX)
		n = COORD_ENDPOINTS_MAX;
	for (i = 0; i < n; i++)
		ptrs[i] = burrow_text_endpoint(&endpoints[i], text[i]);
	return coord_store_node_set_endpoints(s->store, node_id, ptrs, n);
}

/* ---- endpoint discovery ------------------------------------------------------ */

/* Whether the address c comes from now differs from c->observed (then it is set);
 * never for a relayed connection. */
static bool observed_read(struct coord_conn *c)
{
	struct burrow_nl_endpoint now;
	const struct sockaddr *sa;
	socklen_t len;

	/*
	 * A connection through a relay comes from the relay's address, not
	 * the node's: there is nothing to observe (no OBSERVED_ADDRESS, no
	 * observed candidate, no "moved"). Keeping the node's address from
	 * the coordinator is the point of reaching it through a relay.
	 */
	if (burrow_quic_conn_relay_ticket(c->quic))
		return false;
	sa = burrow_quic_remote_addr(c->quic, &len);
	if (burrow_candidate_from_sockaddr(sa, len, &now) || !now.port)
		return false;
	if (c->has_observed && burrow_candidate_equal(&now, &c->observed))
		return false;
	c->observed = now;
	c->has_observed = true;
	return true;
}

static void reported_keep(struct coord_conn *c, const struct burrow_nl_endpoint *e, size_t n)
{
	if (n > COORD_ENDPOINTS_MAX)
		n = COORD_ENDPOINTS_MAX;
	memcpy(c->reported, e, n * sizeof(*e));
	c->n_reported = n;
}

/* The node's candidates in the store: the observed address, then what it reported. */
static int store_candidates(struct coord_server *s, struct coord_conn *c, int64_t node_id)
{
	struct burrow_nl_endpoint all[COORD_ENDPOINTS_MAX];
	size_t n = burrow_candidates_merge(c->has_observed ? &c->observed : NULL, c->reported,
					   c->n_reported, all, COORD_ENDPOINTS_MAX);

	return store_endpoints(s, node_id, all, n);
}

/* OBSERVED_ADDRESS to the node; a failure closes c (conn_send). */
static void observed_send(struct coord_conn *c)
{
	char why[COORD_SERVER_ERR_MAX], text[BURROW_TEXT_ENDPOINT_SIZE];
	struct coord_buf b;

	if (!c->has_observed)
		return;
	coord_buf_init(&b);
	if (coord_msg_observed_address_encode(&b, &c->observed, why, sizeof(why)) == 0)
		conn_send(c, &b);
	coord_buf_free(&b);
	burrow_log(BURROW_LOG_DEBUG, "node %lld: observed at %s", (long long)c->node_id,
		   burrow_text_endpoint(&c->observed, text));
}

/*
 * The registered node's connection now comes from elsewhere (its NAT
 * rebound, it roamed): tell it, store its candidates with the new address
 * first, and send its peers the change as for ENDPOINTS.
 */
static void observed_check(struct coord_conn *c)
{
	struct coord_server *s = c->server;
	struct coord_policy_ids affected = { 0 };
	char text[BURROW_TEXT_ENDPOINT_SIZE];

	if (!c->registered || c->closing || !observed_read(c))
		return;
	burrow_log(BURROW_LOG_INFO, "node %lld: its connection moved to %s", (long long)c->node_id,
		   burrow_text_endpoint(&c->observed, text));
	observed_send(c);
	if (c->closing)
		return;
	if (store_candidates(s, c, c->node_id) < 0) {
		conn_close(c, COORD_CLOSE_INTERNAL, "candidates: %s", coord_store_error(s->store));
		return;
	}
	if (coord_policy_affected(s->policy, c->node_id, &affected) == 0)
		notify_peer_change(s, c->node_id, &affected, c);
	coord_policy_ids_free(&affected);
}

/* Approve the advertised routes autoApprovers cover. */
static int auto_approve(struct coord_server *s, struct node_facts *f,
			const struct coord_register *m)
{
	struct burrow_nl_prefix *approve;
	struct coord_policy_node pn;
	size_t i, n = 0;
	int ret = 0;

	if (!m->n_routes)
		return 0;
	approve = calloc(m->n_routes, sizeof(*approve));
	if (!approve)
		return -ENOMEM;
	policy_node_of(f, &pn);
	for (i = 0; i < m->n_routes; i++)
		if (coord_policy_auto_approve(s->policy, &pn, &m->routes[i]))
			approve[n++] = m->routes[i];
	if (n)
		ret = coord_store_route_approve(s->store, f->node.name, approve, n);
	free(approve);
	return ret;
}

/* The address and port the node's connection comes from, as the coordinator sees it. */
static void conn_remote_text(const struct coord_conn *c, char *out, size_t size)
{
	uint32_t ticket = burrow_quic_conn_relay_ticket(c->quic);
	socklen_t len;
	size_t used;

	burrow_kernel_format_addr(burrow_quic_remote_addr(c->quic, &len), out, size);
	used = strlen(out);
	if (ticket && used < size)
		snprintf(out + used, size - used, " (a relay, control ticket %u)", (unsigned)ticket);
}

/* ---- relay fallback ------------------------------------------------------ */

/*
 * Automatic relay fallback (docs/coordination.md, "Relay fallback"). A
 * node says in REGISTER that it relays; the coordinator keeps that on the
 * connection (live: a relay that is not connected is not offered) and in
 * the store's meta table for `burrow-coord node list`. A node that has no
 * session with a map peer sends RELAY_REQUEST; the coordinator checks the
 * peer is in the requester's visible set and connected, picks the
 * connected relay that is neither of the pair with the fewest tickets
 * issued through it on its connection (the first such on a tie), issues a
 * ticket (coord_relay_ticket_issue) and sends RELAY_OFFER to both nodes.
 * Any failure goes back to the requester as a refusal with a reason.
 * Requests are rate-limited per connection (relay_rate): past it, a
 * refusal and no ticket.
 */

/* Where nodes reach a relay: the address its coordinator connection comes from (its tunnel port). */
static int relay_endpoint_of(const struct coord_conn *c, struct burrow_nl_endpoint *e)
{
	socklen_t len;
	const struct sockaddr *sa = burrow_quic_remote_addr(c->quic, &len);

	memset(e, 0, sizeof(*e));
	if (!sa)
		return -ENOENT;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		e->family = AF_INET;
		e->addr.v4 = in->sin_addr;
		e->port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			e->family = AF_INET;
			memcpy(&e->addr.v4, &in6->sin6_addr.s6_addr[12], 4);
		} else {
			e->family = AF_INET6;
			e->addr.v6 = in6->sin6_addr;
		}
		e->port = ntohs(in6->sin6_port);
	} else {
		return -EAFNOSUPPORT;
	}
	return e->port ? 0 : -EINVAL;
}

/* After REGISTER is accepted: a relay or not, remembered for node list. */
static void relay_fallback_registered(struct coord_conn *c, const struct coord_register *m)
{
	struct coord_server *s = c->server;
	struct burrow_nl_endpoint e;
	char text[BURROW_TEXT_ENDPOINT_SIZE];
	int ret = 0;

	c->relay = m->flags & COORD_REGISTER_RELAY;
	/*
	 * A relay connected through another relay has no address of its own
	 * to give (it would offer the other relay's): not used as a relay.
	 */
	if (c->relay && burrow_quic_conn_relay_ticket(c->quic)) {
		burrow_log(BURROW_LOG_WARNING, "node %lld: says it relays but is connected through "
			   "a relay: not used as one", (long long)c->node_id);
		c->relay = false;
	}
	burrow_rate_init(&c->relay_rate, s->relay_rate_interval_ns, s->relay_rate_burst);
	if (c->relay && relay_endpoint_of(c, &e) == 0) {
		burrow_text_endpoint(&e, text);
		burrow_log(BURROW_LOG_INFO, "node %lld: a relay, reached at %s",
			   (long long)c->node_id, text);
		ret = coord_store_node_set_relay(s->store, c->node_id, text);
	} else {
		ret = coord_store_node_set_relay(s->store, c->node_id, NULL);
	}
	if (ret < 0)
		burrow_log(BURROW_LOG_WARNING, "node %lld: relay flag: %s", (long long)c->node_id,
			   coord_store_error(s->store));
}

static int send_relay_offer(struct coord_conn *c, const struct coord_relay_offer *offer)
{
	char why[COORD_SERVER_ERR_MAX];
	struct coord_buf b;
	int ret;

	coord_buf_init(&b);
	ret = coord_msg_relay_offer_encode(&b, offer, why, sizeof(why));
	if (ret == 0)
		ret = conn_send(c, &b);
	else
		burrow_log(BURROW_LOG_ERROR, "RELAY_OFFER: %s", why);
	coord_buf_free(&b);
	return ret;
}

static void relay_refuse(struct coord_conn *c, const uint8_t peer_key[32], const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void relay_refuse(struct coord_conn *c, const uint8_t peer_key[32], const char *fmt, ...)
{
	struct coord_relay_offer offer = { .refused = true };
	va_list ap;

	memcpy(offer.peer_key, peer_key, 32);
	va_start(ap, fmt);
	vsnprintf(offer.reason, sizeof(offer.reason), fmt, ap);
	va_end(ap);
	burrow_log(BURROW_LOG_INFO, "node %lld: RELAY_REQUEST refused: %s", (long long)c->node_id,
		   offer.reason);
	send_relay_offer(c, &offer);
}

/* The connected relay for a pair: not one of them, fewest tickets so far. */
static struct coord_conn *relay_pick(struct coord_server *s, int64_t n1, int64_t n2)
{
	struct coord_conn *best = NULL;

	for (struct coord_conn *r = s->conns; r; r = r->next) {
		if (!r->registered || r->closing || !r->relay || r->node_id == n1 ||
		    r->node_id == n2)
			continue;
		if (!best || r->relay_load < best->relay_load)
			best = r;
	}
	return best;
}

static bool relay_visible(struct coord_server *s, int64_t viewer, int64_t peer)
{
	struct coord_policy_ids ids = { 0 };
	bool found;

	if (coord_policy_visible(s->policy, viewer, &ids) < 0)
		return false;
	if (ids.n)
		qsort(ids.ids, ids.n, sizeof(*ids.ids), compare_ids);
	found = ids_contain(&ids, peer);
	coord_policy_ids_free(&ids);
	return found;
}

static void relay_fallback_request(struct coord_conn *c, const uint8_t *value, size_t len)
{
	struct coord_server *s = c->server;
	struct coord_node peer = { 0 }, self = { 0 }, relay = { 0 };
	struct coord_relay_offer offer = { 0 };
	struct burrow_relay_ticket ticket;
	char why[COORD_SERVER_ERR_MAX], key[BURROW_PUBLIC_KEY_TEXT_SIZE];
	uint8_t peer_key[32];
	struct coord_conn *pc, *rc;
	int ret;

	if (coord_msg_relay_request_decode(value, len, peer_key, why, sizeof(why)) < 0) {
		conn_close(c, COORD_CLOSE_PROTOCOL, "%s", why);
		return;
	}
	burrow_public_key_to_text(peer_key, key);
	if (!burrow_rate_take(&c->relay_rate, burrow_quic_now())) {
		relay_refuse(c, peer_key, "too many relay requests: at most %llu at once, then one "
			     "per %llus", (unsigned long long)s->relay_rate_burst,
			     (unsigned long long)(s->relay_rate_interval_ns / 1000000000ull));
		return;
	}
	if (!s->coord_pem) {
		relay_refuse(c, peer_key, "this coordinator issues no relay tickets");
		return;
	}
	if (coord_store_node_get_by_key(s->store, peer_key, &peer) < 0 ||
	    !relay_visible(s, c->node_id, peer.id)) {
		/* The same answer either way: a node learns nothing of nodes it may not see. */
		relay_refuse(c, peer_key, "no peer %s in this node's map", key);
		goto out;
	}
	pc = conn_of_node(s, peer.id);
	if (!pc) {
		relay_refuse(c, peer_key, "peer '%s' is not connected to the coordinator",
			     peer.name);
		goto out;
	}
	rc = relay_pick(s, c->node_id, peer.id);
	if (!rc) {
		relay_refuse(c, peer_key, "no relay is connected to the coordinator "
			     "(a node with [relay] enabled = yes)");
		goto out;
	}
	ret = coord_store_node_get_by_id(s->store, c->node_id, &self);
	if (ret == 0)
		ret = coord_store_node_get_by_id(s->store, rc->node_id, &relay);
	if (ret == 0)
		ret = relay_endpoint_of(rc, &offer.relay);
	if (ret == 0)
		ret = coord_relay_ticket_issue(s->store, s->coord_pem, relay.name, self.name,
					       peer.name, s->relay_lifetime_s,
					       (uint64_t)wall_ms() / 1000, &ticket, why,
					       sizeof(why));
	else
		snprintf(why, sizeof(why), "%s", coord_store_error(s->store));
	if (ret == 0 && burrow_relay_ticket_encode(&ticket, offer.ticket) < 0) {
		snprintf(why, sizeof(why), "cannot encode ticket %u", (unsigned)ticket.id);
		ret = -EINVAL;
	}
	if (ret < 0) {
		relay_refuse(c, peer_key, "cannot issue a ticket: %s", why);
		goto out;
	}
	rc->relay_load++;
	burrow_log(BURROW_LOG_INFO, "relay ticket %u: '%s' and '%s' through relay '%s' (asked by '%s')",
		   (unsigned)ticket.id, self.name, peer.name, relay.name, self.name);
	memcpy(offer.peer_key, peer_key, 32);
	if (send_relay_offer(c, &offer) == 0) {
		memcpy(offer.peer_key, c->public_key, 32);
		send_relay_offer(pc, &offer);
	}
out:
	coord_store_node_clear(&peer);
	coord_store_node_clear(&self);
	coord_store_node_clear(&relay);
}

static void handle_register(struct coord_conn *c, const uint8_t *value, size_t len)
{
	struct coord_server *s = c->server;
	struct coord_register_result result = { .accepted = true };
	struct coord_policy_ids affected = { 0 };
	struct node_facts facts = { 0 };
	char why[COORD_SERVER_ERR_MAX];
	char key[BURROW_PUBLIC_KEY_TEXT_SIZE];
	char from[112];
	struct coord_register m = { 0 };
	struct coord_conn *old;
	struct coord_buf b;
	int ret;

	ret = coord_msg_register_decode(value, len, &m, why, sizeof(why));
	if (ret < 0) {
		conn_close(c, COORD_CLOSE_PROTOCOL, "%s", why);
		return;
	}
	if (c->registered) {
		conn_close(c, COORD_CLOSE_PROTOCOL, "REGISTER: already registered as node %lld",
			   (long long)c->node_id);
		goto out;
	}
	burrow_public_key_to_text(c->public_key, key);
	/*
	 * run --egress-relay: nodes reach this coordinator only through the
	 * relay, so their address stays unknown to it; a direct REGISTER is a
	 * misconfigured node. Relays still register directly (the relay's
	 * own coordination connection carries RELAY_BIND).
	 */
	if (s->egress_relay && !burrow_quic_conn_relay_ticket(c->quic) &&
	    !(m.flags & COORD_REGISTER_RELAY)) {
		snprintf(why, sizeof(why), "this coordinator is reached only through relay %s "
			 "(set relay and relay_ticket in [coordinator]: burrow-coord control-ticket "
			 "issue)", s->egress_relay);
		refuse(c, COORD_REFUSED_RELAY_ONLY, why);
		goto out;
	}
	if (!m.key_secret[0]) {
		/* No key: the TLS-proven public key must be a registered, live node. */
		ret = coord_store_node_get_by_key(s->store, c->public_key, &facts.node);
		if (ret == -ENOENT) {
			snprintf(why, sizeof(why),
				 "no pre-auth key given and no node has public key %s", key);
			refuse(c, COORD_REFUSED_KEY_UNKNOWN, why);
			goto out;
		}
		if (ret == 0 && node_expired(&facts.node)) {
			snprintf(why, sizeof(why), "node '%s' has expired", facts.node.name);
			refuse(c, COORD_REFUSED_NODE, why);
			goto out;
		}
		if (ret == 0)
			ret = coord_store_node_set_routes(s->store, facts.node.id, m.routes,
							  m.n_routes);
	} else {
		ret = coord_store_register(s->store, m.key_secret, c->public_key, m.hostname,
					   m.routes, m.n_routes, &facts.node);
		if (ret < 0) {
			snprintf(why, sizeof(why), "%s", coord_store_error(s->store));
			refuse(c, refusal_of(s, ret, m.key_secret), why);
			goto out;
		}
	}
	if (ret == 0) {
		reported_keep(c, m.endpoints, m.n_endpoints);
		observed_read(c);
		ret = store_candidates(s, c, facts.node.id);
	}
	if (ret < 0) {
		snprintf(why, sizeof(why), "%s", coord_store_error(s->store));
		refuse(c, COORD_REFUSED_INTERNAL, why);
		goto out;
	}
	ret = node_facts_fill(s, &facts, why, sizeof(why));
	if (ret == 0) {
		ret = auto_approve(s, &facts, &m);
		if (ret < 0)
			snprintf(why, sizeof(why), "%s", coord_store_error(s->store));
	}
	if (ret == 0) {
		/* Approvals changed the approved routes: read them again. */
		node_facts_forget(&facts);
		ret = node_facts_fill(s, &facts, why, sizeof(why));
	}
	if (ret == 0) {
		ret = policy_put(s, &facts, &affected);
		if (ret < 0)
			snprintf(why, sizeof(why), "policy: node '%s': %s", facts.node.name,
				 strerror(-ret));
	}
	if (ret == 0)
		ret = addresses_of(s, &facts.node, &result.addresses);
	if (ret < 0) {
		refuse(c, COORD_REFUSED_INTERNAL, why);
		goto out;
	}
	old = conn_of_node(s, facts.node.id);
	if (old)
		conn_close(old, COORD_CLOSE_REPLACED, "node '%s' connected again",
			   facts.node.name);
	c->registered = true;
	c->node_id = facts.node.id;
	conn_index_add(s, c);
	relay_fallback_registered(c, &m);
	snprintf(result.name, sizeof(result.name), "%s", facts.node.name);
	conn_remote_text(c, from, sizeof(from));
	burrow_log(BURROW_LOG_INFO, "node %s: registered as '%s' (%s, %s) from %s", key,
		   facts.node.name, facts.node.ipv4, facts.node.ipv6, from);
	coord_buf_init(&b);
	ret = coord_msg_register_result_encode(&b, &result, why, sizeof(why));
	if (ret == 0)
		ret = conn_send(c, &b);
	else
		conn_close(c, COORD_CLOSE_INTERNAL, "REGISTER_RESULT: %s", why);
	coord_buf_free(&b);
	if (ret == 0) {
		observed_send(c);
		ret = c->closing ? -EPIPE : 0;
	}
	if (ret == 0)
		ret = send_map_full(c);
	if (ret == 0)
		ret = send_relay_revocations(c);
	if (ret == 0)
		ret = send_relay_binds(c);
	if (ret == 0 && !c->closing)
		control_ticket_check(c);
	/* The others learn of the node even if its own connection failed just now. */
	notify_peer_change(s, facts.node.id, &affected, c);
out:
	coord_policy_ids_free(&affected);
	node_facts_clear(&facts);
	coord_register_free(&m);
}

static void handle_endpoints(struct coord_conn *c, const uint8_t *value, size_t len)
{
	struct coord_server *s = c->server;
	struct coord_policy_ids affected = { 0 };
	struct burrow_nl_endpoint *endpoints = NULL;
	char why[COORD_SERVER_ERR_MAX];
	size_t n = 0;
	int ret;

	ret = coord_msg_endpoints_decode(value, len, &endpoints, &n, why, sizeof(why));
	if (ret < 0) {
		conn_close(c, COORD_CLOSE_PROTOCOL, "%s", why);
		return;
	}
	reported_keep(c, endpoints, n);
	free(endpoints);
	ret = store_candidates(s, c, c->node_id);
	if (ret < 0) {
		conn_close(c, COORD_CLOSE_INTERNAL, "ENDPOINTS: %s", coord_store_error(s->store));
		return;
	}
	if (coord_policy_affected(s->policy, c->node_id, &affected) == 0)
		notify_peer_change(s, c->node_id, &affected, c);
	coord_policy_ids_free(&affected);
}

static void handle_capsule(struct coord_conn *c, const struct burrow_capsule *cap)
{
	char why[COORD_SERVER_ERR_MAX];
	uint64_t last_version;

	if (cap->type == COORD_MSG_REGISTER) {
		handle_register(c, cap->value, cap->length);
		return;
	}
	if (cap->type != COORD_MSG_MAP_REQUEST_FULL && cap->type != COORD_MSG_ENDPOINTS &&
	    cap->type != COORD_MSG_RELAY_REQUEST) {
		conn_close(c, COORD_CLOSE_PROTOCOL, "%s is not sent by nodes",
			   coord_msg_type_name(cap->type));
		return;
	}
	if (!c->registered) {
		conn_close(c, COORD_CLOSE_PROTOCOL, "%s before REGISTER",
			   coord_msg_type_name(cap->type));
		return;
	}
	observed_check(c);
	if (c->closing)
		return;
	if (cap->type == COORD_MSG_ENDPOINTS) {
		handle_endpoints(c, cap->value, cap->length);
		return;
	}
	if (cap->type == COORD_MSG_RELAY_REQUEST) {
		relay_fallback_request(c, cap->value, cap->length);
		return;
	}
	if (coord_msg_map_request_full_decode(cap->value, cap->length, &last_version, why,
					      sizeof(why)) < 0) {
		conn_close(c, COORD_CLOSE_PROTOCOL, "%s", why);
		return;
	}
	send_map_full(c);
}

/* ---- QUIC callbacks ------------------------------------------------------ */

static int on_authorize(const uint8_t public_key[32], const struct sockaddr *remote,
			void **conn_user, void *endpoint_user)
{
	struct coord_server *s = endpoint_user;
	struct coord_conn *c = calloc(1, sizeof(*c));

	(void)remote;
	if (!c)
		return -1;
	c->server = s;
	memcpy(c->public_key, public_key, 32);
	coord_msg_reader_init(&c->reader);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->n_conns++;
	*conn_user = c;
	return 0;
}

static void on_established(struct burrow_quic_conn *conn, void *conn_user)
{
	struct coord_conn *c = conn_user;

	c->quic = conn;
}

static void on_stream_data(struct burrow_quic_conn *conn, int64_t stream_id, const uint8_t *data,
			   size_t len, bool fin, void *conn_user)
{
	struct coord_conn *c = conn_user;
	struct burrow_capsule cap;
	int ret;

	c->quic = conn;
	if (c->closing || c->linger_deadline)
		return;
	if (!c->have_stream) {
		if (stream_id & 3) {
			conn_close(c, COORD_CLOSE_PROTOCOL,
				   "stream %lld is not a client bidirectional stream",
				   (long long)stream_id);
			return;
		}
		c->have_stream = true;
		c->stream_id = stream_id;
	} else if (stream_id != c->stream_id) {
		conn_close(c, COORD_CLOSE_PROTOCOL,
			   "stream %lld: the coordination stream is %lld", (long long)stream_id,
			   (long long)c->stream_id);
		return;
	}
	ret = burrow_capsule_reader_push(&c->reader, data, len);
	while (ret >= 0 && !c->closing && c->linger_deadline == 0) {
		ret = burrow_capsule_reader_next(&c->reader, &cap);
		if (ret <= 0)
			break;
		handle_capsule(c, &cap);
	}
	if (ret < 0 && !c->closing)
		conn_close(c, COORD_CLOSE_PROTOCOL, "coordination stream: malformed capsule: %s",
			   ret == -EMSGSIZE ? "value longer than 65536 bytes" : strerror(-ret));
	if (!fin || c->closing || c->linger_deadline)
		return;
	if (burrow_capsule_reader_partial(&c->reader))
		conn_close(c, COORD_CLOSE_PROTOCOL, "coordination stream ended inside a capsule");
	else
		conn_close(c, COORD_CLOSE_DONE, "the node ended the coordination stream");
}

static void on_closed(struct burrow_quic_conn *conn, const char *reason, void *conn_user)
{
	struct coord_conn *c = conn_user;
	struct coord_server *s = c->server;
	char key[BURROW_PUBLIC_KEY_TEXT_SIZE];

	(void)conn;
	burrow_public_key_to_text(c->public_key, key);
	burrow_log(BURROW_LOG_INFO, "node %s: connection closed: %s", key, reason);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_conns--;
	conn_index_remove(s, c);
	linger_remove(s, c);
	catch_up_unlink(s, c);
	coord_peers_free(c->sent, c->n_sent);
	burrow_capsule_reader_free(&c->reader);
	free(c);
}

/* A validated new path (NAT rebinding, migration): see observed_check. */
static void on_path_changed(struct burrow_quic_conn *conn, void *conn_user)
{
	struct coord_conn *c = conn_user;

	c->quic = conn;
	observed_check(c);
}

static const struct burrow_quic_callbacks server_callbacks = {
	.path_changed = on_path_changed,
	.authorize = on_authorize,
	.established = on_established,
	.stream_data = on_stream_data,
	.closed = on_closed,
};

/* Refused connections close once REGISTER_RESULT is acknowledged, or at their deadline. */
static void close_lingering(struct coord_server *s)
{
	uint64_t now = burrow_quic_now();
	struct coord_conn *c, *next;

	for (c = s->lingering; c; c = next) {
		next = c->linger_next;
		if (burrow_quic_stream_unacked(c->quic, c->stream_id) == 0 ||
		    now >= c->linger_deadline)
			conn_close(c, COORD_CLOSE_REFUSED, "%s", c->linger_reason);
	}
}

/* ---- changes made by other processes ------------------------------------ */

static int load_nodes(struct coord_server *s, struct coord_policy_engine *engine, char *why,
		      size_t why_size);

static int ids_merge(struct coord_policy_ids *set, const struct coord_policy_ids *more)
{
	int ret = 0;

	for (size_t i = 0; i < more->n && ret == 0; i++)
		ret = coord_policy_ids_add(set, more->ids[i]);
	return ret;
}

/* Sort and drop duplicates. */
static void ids_unique(struct coord_policy_ids *set)
{
	size_t out = 0;

	if (!set->n)
		return;
	qsort(set->ids, set->n, sizeof(*set->ids), compare_ids);
	for (size_t i = 1; i < set->n; i++)
		if (set->ids[i] != set->ids[out])
			set->ids[++out] = set->ids[i];
	set->n = out + 1;
}

/*
 * Node id changed in the store: read it again; put it in the engine, or
 * take it out and close its connection when it is gone or expired. The
 * nodes whose maps may change are added to affected.
 */
static int apply_node_change(struct coord_server *s, int64_t id,
			     struct coord_policy_ids *affected)
{
	struct coord_policy_ids ids = { 0 };
	struct node_facts facts = { 0 };
	char why[COORD_SERVER_ERR_MAX];
	struct coord_conn *c;
	bool gone;
	int ret;

	ret = coord_store_node_get_by_id(s->store, id, &facts.node);
	if (ret < 0 && ret != -ENOENT) {
		burrow_log(BURROW_LOG_ERROR, "node %lld changed: %s", (long long)id,
			   coord_store_error(s->store));
		return ret;
	}
	gone = ret == -ENOENT || node_expired(&facts.node);
	if (gone) {
		ret = coord_policy_node_remove(s->policy, id, &ids);
		if (ret == -ENOENT)
			ret = 0;
		c = conn_of_node(s, id);
		if (c && ret == 0) {
			if (facts.node.name[0])
				conn_close(c, COORD_CLOSE_EXPIRED, "node '%s' has expired",
					   facts.node.name);
			else
				conn_close(c, COORD_CLOSE_REMOVED, "node %lld was removed",
					   (long long)id);
		}
	} else {
		ret = node_facts_fill(s, &facts, why, sizeof(why));
		if (ret == 0)
			ret = policy_put(s, &facts, &ids);
		if (ret < 0)
			burrow_log(BURROW_LOG_ERROR, "node '%s' changed: %s", facts.node.name,
				   ret == -ENOMEM || ret == -EEXIST ? strerror(-ret) : why);
		/* A name the policy names held by another node stays so: retrying cannot help. */
		if (ret == -EEXIST)
			ret = 0;
	}
	if (ret == 0)
		ret = ids_merge(affected, &ids);
	coord_policy_ids_free(&ids);
	node_facts_clear(&facts);
	return ret;
}

/* Every node the store knows and every connected one: what to re-read after a gap in the log. */
static int all_node_ids(struct coord_server *s, struct coord_policy_ids *changed)
{
	struct coord_node *nodes;
	struct coord_conn *c;
	size_t n;
	int ret = coord_store_node_list(s->store, &nodes, &n);

	if (ret < 0)
		return ret;
	for (size_t i = 0; ret == 0 && i < n; i++)
		ret = coord_policy_ids_add(changed, nodes[i].id);
	coord_store_node_list_free(nodes, n);
	for (c = s->conns; ret == 0 && c; c = c->next)
		if (c->registered)
			ret = coord_policy_ids_add(changed, c->node_id);
	return ret;
}

int coord_server_poll_changes(struct coord_server *s)
{
	struct coord_policy_ids changed = { 0 }, renamed = { 0 }, relays = { 0 }, binds = { 0 };
	/* Changed in more than their endpoints: their own peer set may differ too. */
	struct coord_policy_ids own_set = { 0 };
	struct coord_policy_ids *affected = NULL;	/* affected[i]: of changed.ids[i] */
	struct coord_change *changes = NULL;
	int64_t generation, now = wall_ms(), *expiring = NULL;
	size_t n_changes = 0, n_expiring = 0, i;
	int ret;

	ret = coord_store_changes_since(s->store, s->generation, &changes, &n_changes,
					&generation);
	if (ret == -ESTALE) {
		burrow_log(BURROW_LOG_WARNING, "%s: reading every node again",
			   coord_store_error(s->store));
		generation = coord_store_generation(s->store);
		ret = all_node_ids(s, &changed);
		if (ret == 0)
			ret = ids_merge(&own_set, &changed);
	}
	if (ret == 0)
		ret = coord_store_nodes_expiring(s->store, s->expiry_checked_ms, now, &expiring,
						 &n_expiring);
	if (ret < 0) {
		burrow_log(BURROW_LOG_ERROR, "reading changes: %s", coord_store_error(s->store));
		goto out;
	}
	for (i = 0; ret == 0 && i < n_changes; i++) {
		/* A revoked relay ticket changes no map: its relay is told (below). */
		if (changes[i].kind == COORD_CHANGE_RELAY_REVOKE) {
			ret = coord_policy_ids_add(&relays, changes[i].node_id);
			continue;
		}
		/* Nor does an issued control ticket: its relay is sent RELAY_BIND. */
		if (changes[i].kind == COORD_CHANGE_RELAY_BIND) {
			ret = coord_policy_ids_add(&binds, changes[i].node_id);
			continue;
		}
		ret = coord_policy_ids_add(&changed, changes[i].node_id);
		if (ret == 0 && changes[i].kind != COORD_CHANGE_ENDPOINTS)
			ret = coord_policy_ids_add(&own_set, changes[i].node_id);
		if (ret == 0 && changes[i].kind == COORD_CHANGE_RENAME)
			ret = coord_policy_ids_add(&renamed, changes[i].node_id);
	}
	for (i = 0; ret == 0 && i < n_expiring; i++) {
		ret = coord_policy_ids_add(&changed, expiring[i]);
		if (ret == 0)
			ret = coord_policy_ids_add(&own_set, expiring[i]);
	}
	ids_unique(&changed);
	ids_unique(&own_set);
	if (ret == 0 && changed.n) {
		affected = calloc(changed.n, sizeof(*affected));
		if (!affected)
			ret = -ENOMEM;
	}
	for (i = 0; ret == 0 && i < changed.n; i++) {
		ret = apply_node_change(s, changed.ids[i], &affected[i]);
		if (ret == 0)
			ids_unique(&affected[i]);
	}
	if (ret < 0)
		goto out;	/* database or memory failure: read the same changes next time */
	s->generation = generation;
	s->expiry_checked_ms = now;
	/* Every change is applied to the engine first, so each delta says the present. */
	for (i = 0; i < changed.n; i++) {
		int64_t id = changed.ids[i];

		notify_peer_change(s, id, &affected[i], ids_contain(&own_set, id) ? NULL :
				   conn_of_node(s, id));
	}
	/* A delta carries peers only: a renamed node learns its own name from a full map. */
	ids_unique(&renamed);
	for (i = 0; i < renamed.n; i++) {
		struct coord_conn *c = conn_of_node(s, renamed.ids[i]);

		if (c)
			send_map_full(c);
	}
	ids_unique(&relays);
	for (i = 0; i < relays.n; i++) {
		struct coord_conn *c = conn_of_node(s, relays.ids[i]);

		if (c)
			send_relay_revocations(c);
	}
	ids_unique(&binds);
	for (i = 0; i < binds.n; i++) {
		struct coord_conn *c = conn_of_node(s, binds.ids[i]);

		if (c && !c->closing)
			send_relay_binds(c);
	}
	control_tickets_renew(s);
out:
	for (i = 0; affected && i < changed.n; i++)
		coord_policy_ids_free(&affected[i]);
	free(affected);
	free(changes);
	free(expiring);
	coord_policy_ids_free(&changed);
	coord_policy_ids_free(&own_set);
	coord_policy_ids_free(&renamed);
	coord_policy_ids_free(&relays);
	coord_policy_ids_free(&binds);
	return ret;
}

#define VISIBILITY_BATCH_NS (20ull * 1000000ull)	/* default work per loop turn after a reload */

static void visibility_catch_up(struct coord_server *s);

/*
 * A new engine gets the old one's nodes (the same nodes, read from the
 * store as changes came in; no store read) and the new policy; the nodes
 * whose maps may differ are the members of the rules one policy has and
 * the other has not (coord_policy_reload_affected() says why no other
 * node's map can change). Only their connections are queued for a
 * visibility delta. An edit of one group's rule queues that group and
 * whoever the rule names; a policy whose every rule changed, or a changed
 * rule naming "*", queues everyone, which is the full recompute.
 */
int coord_server_reload_policy(struct coord_server *s, char *why, size_t why_size)
{
	struct coord_policy_ids affected = { 0 };
	struct coord_policy_engine *engine;
	uint64_t start = burrow_quic_now(), loaded;
	size_t queued = 0;
	struct coord_conn *c;
	int ret;

	if (!s->policy_path) {
		burrow_log(BURROW_LOG_INFO, "policy reload: no policy file, still denying all");
		return 0;
	}
	ret = coord_policy_load_file(s->policy_path, &engine, why, why_size);
	if (ret == 0) {
		ret = coord_policy_copy_nodes(engine, s->policy);
		if (ret < 0) {
			burrow_errorf(why, why_size, "%s: %s", s->policy_path,
				      ret == -EEXIST ? "a node name the policy names is held "
						       "by two nodes" : strerror(-ret));
			coord_policy_engine_free(engine);
		}
	}
	if (ret < 0) {
		burrow_log(BURROW_LOG_ERROR, "policy reload failed, keeping the old policy: %s",
			   why);
		return ret;
	}
	loaded = burrow_quic_now();
	ret = coord_policy_reload_affected(s->policy, engine, &affected);
	coord_policy_engine_free(s->policy);
	s->policy = engine;
	if (ret < 0) {
		/* out of memory comparing: every map may have changed */
		for (c = s->conns; c; c = c->next)
			catch_up_queue(s, c);
		queued = s->n_catch;
	} else {
		for (size_t i = 0; i < affected.n; i++) {
			c = conn_of_node(s, affected.ids[i]);
			if (c && !c->catch_queued) {
				catch_up_queue(s, c);
				queued += c->catch_queued;
			}
		}
	}
	burrow_log(BURROW_LOG_INFO,
		   "policy '%s' reloaded: %zu nodes affected, %zu connections queued "
		   "(load %.1f ms, compare %.1f ms)", s->policy_path,
		   ret < 0 ? s->n_catch : affected.n, queued, (double)(loaded - start) / 1e6,
		   (double)(burrow_quic_now() - loaded) / 1e6);
	coord_policy_ids_free(&affected);
	visibility_catch_up(s);
	return 0;
}

/*
 * Send the queued connections their visibility deltas, for at most
 * VISIBILITY_BATCH_NS, then return to the loop (coord_server_next_expiry
 * asks for an immediate turn while some are left). Each turn starts at the
 * queue's head, which holds only connections not yet done, so a reload's
 * work is one delta per queued connection however many turns it takes.
 * Each delta merges with the set the connection last got, so per-change
 * deltas sent in between (under the new policy already) and this one
 * agree whichever comes first.
 */
static void visibility_catch_up(struct coord_server *s)
{
	uint64_t deadline = burrow_quic_now() + s->catch_batch_ns;
	struct coord_conn *c;

	while ((c = s->catch_head)) {
		catch_up_unlink(s, c);
		send_visibility_delta(c);
		if (s->catch_head && burrow_quic_now() >= deadline)
			return;		/* at least one per turn: always progress */
	}
}

/* ---- public -------------------------------------------------------------- */

/*
 * Add every registered, unexpired node of the store to engine: two reads
 * (every node with its tags, every route), not two per node. Both lists
 * are ordered by node name, so each node's routes are the run of rows at
 * the cursor.
 */
static int load_nodes(struct coord_server *s, struct coord_policy_engine *engine, char *why,
		      size_t why_size)
{
	struct coord_route *routes = NULL;
	struct coord_node *nodes = NULL;
	size_t n = 0, n_routes = 0, r = 0, i;
	int ret;

	ret = coord_store_node_list(s->store, &nodes, &n);
	if (ret == 0)
		ret = coord_store_route_list(s->store, &routes, &n_routes);
	if (ret < 0) {
		burrow_errorf(why, why_size, "%s", coord_store_error(s->store));
		coord_store_node_list_free(nodes, n);
		return ret;
	}
	for (i = 0; i < n && ret == 0; i++) {
		struct node_facts facts = { 0 };
		struct coord_policy_node pn;
		size_t first;

		while (r < n_routes && strcmp(routes[r].node, nodes[i].name) < 0)
			r++;
		first = r;
		while (r < n_routes && routes[r].node_id == nodes[i].id)
			r++;
		if (node_expired(&nodes[i]))
			continue;
		facts.node = nodes[i];	/* moved: cleared with facts */
		memset(&nodes[i], 0, sizeof(nodes[i]));
		ret = node_facts_fill_from(&facts, routes + first, r - first, why, why_size);
		if (ret == 0) {
			policy_node_of(&facts, &pn);
			ret = coord_policy_node_add(engine, &pn, NULL);
			if (ret < 0)
				burrow_errorf(why, why_size, "policy: node '%s': %s",
					      facts.node.name, strerror(-ret));
		}
		node_facts_clear(&facts);
	}
	free(routes);
	coord_store_node_list_free(nodes, n);
	return ret;
}

static int range_len(const char *text, uint8_t *len, char *why, size_t why_size)
{
	struct burrow_nl_prefix p;
	int ret = burrow_text_parse_prefix(text, BURROW_TEXT_PREFIX_LEN_REQUIRED, &p, why,
					   why_size);

	*len = p.len;
	return ret;
}

int coord_server_new(const struct coord_server_config *config, struct coord_server **out,
		     char *why, size_t why_size)
{
	struct burrow_quic_settings settings = {
		.private_key_pem = config->private_key_pem,
		.idle_timeout_ms = config->idle_timeout_ms,
		.alpn = COORD_MSG_ALPN,
	};
	char ula[COORD_ADDR_SIZE + 4], ipv4[COORD_ADDR_SIZE + 4];
	struct coord_server *s;
	int ret;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->store = config->store;
	s->fd = config->udp_fd;
	s->poll_interval_ns = (config->change_poll_ms ? config->change_poll_ms :
			       COORD_SERVER_CHANGE_POLL_MS) * UINT64_C(1000000);
	s->next_poll = burrow_quic_now() + s->poll_interval_ns;
	s->catch_batch_ns = config->reload_batch_ns ? config->reload_batch_ns : VISIBILITY_BATCH_NS;
	s->relay_lifetime_s = config->relay_lifetime_s ? config->relay_lifetime_s :
						       COORD_RELAY_LIFETIME_DEFAULT;
	s->clock_ms = config->clock_ms ? config->clock_ms : wall_ms;
	s->relay_rate_burst = config->relay_rate_burst ? config->relay_rate_burst :
						       COORD_SERVER_RELAY_BURST;
	s->relay_rate_interval_ns = (config->relay_rate_interval_ms ?
				     config->relay_rate_interval_ms :
				     COORD_SERVER_RELAY_INTERVAL_MS) * UINT64_C(1000000);
	if (config->private_key_pem) {
		s->coord_pem = strdup(config->private_key_pem);
		if (!s->coord_pem) {
			ret = -ENOMEM;
			goto fail;
		}
	}
	if (config->egress_relay) {
		s->egress_relay = strdup(config->egress_relay);
		if (!s->egress_relay) {
			ret = -ENOMEM;
			goto fail;
		}
	}
	s->by_node_bits = CONN_INDEX_MIN_BITS;
	s->by_node = calloc((size_t)1 << s->by_node_bits, sizeof(*s->by_node));
	s->route_scratch = calloc(COORD_ROUTES_MAX, sizeof(*s->route_scratch));
	s->dns = malloc(sizeof(*s->dns));
	if (!s->by_node || !s->route_scratch || !s->dns) {
		ret = -ENOMEM;
		goto fail;
	}
	if (config->dns)
		*s->dns = *config->dns;
	else
		coord_dns_config_default(s->dns);
	if (config->policy_path) {
		s->policy_path = strdup(config->policy_path);
		if (!s->policy_path) {
			ret = -ENOMEM;
			goto fail;
		}
		ret = coord_policy_load_file(config->policy_path, &s->policy, why, why_size);
		if (ret < 0)
			goto fail;
	} else {
		s->policy = coord_policy_engine_new_empty();
		if (!s->policy) {
			ret = -ENOMEM;
			goto fail;
		}
	}
	ret = coord_store_ranges(s->store, ula, ipv4);
	if (ret < 0) {
		burrow_errorf(why, why_size, "%s", coord_store_error(s->store));
		goto fail;
	}
	ret = range_len(ipv4, &s->ipv4_len, why, why_size);
	if (ret == 0)
		ret = range_len(ula, &s->ipv6_len, why, why_size);
	/* Changes after this generation are replayed: read it before the nodes. */
	s->generation = coord_store_generation(s->store);
	s->expiry_checked_ms = wall_ms();
	if (ret == 0)
		ret = load_nodes(s, s->policy, why, why_size);
	if (ret < 0)
		goto fail;
	s->ep = burrow_quic_endpoint_new(s->fd, &settings, &server_callbacks, s);
	if (!s->ep) {
		ret = errno ? -errno : -EINVAL;
		burrow_errorf(why, why_size, "%s", burrow_quic_setup_error());
		goto fail;
	}
	*out = s;
	return 0;
fail:
	coord_server_free(s);
	return ret;
}

void coord_server_free(struct coord_server *s)
{
	struct coord_conn *c, *next;

	if (!s)
		return;
	/* The endpoint closes connections silently: no closed() to free ours. */
	burrow_quic_endpoint_free(s->ep);
	for (c = s->conns; c; c = next) {
		next = c->next;
		coord_peers_free(c->sent, c->n_sent);
		burrow_capsule_reader_free(&c->reader);
		free(c);
	}
	coord_policy_engine_free(s->policy);
	if (s->coord_pem)
		explicit_bzero(s->coord_pem, strlen(s->coord_pem));
	free(s->coord_pem);
	free(s->egress_relay);
	free(s->policy_path);
	free(s->dns);
	free(s->by_node);
	free(s->route_scratch);
	free(s);
}

int coord_server_fd(const struct coord_server *s)
{
	return s->fd;
}

int coord_server_read(struct coord_server *s)
{
	int ret = burrow_quic_endpoint_read(s->ep);

	s->ep_expiry = 0;
	close_lingering(s);
	return ret;
}

uint64_t coord_server_next_expiry(struct coord_server *s)
{
	uint64_t next = burrow_quic_endpoint_next_expiry(s->ep);
	const struct coord_conn *c;

	s->ep_expiry = next;
	if (s->catch_head)
		return 0;
	for (c = s->lingering; c; c = c->linger_next)
		if (c->linger_deadline < next)
			next = c->linger_deadline;
	if (s->next_poll < next)
		next = s->next_poll;
	return next;
}

void coord_server_handle_expiry(struct coord_server *s)
{
	if (burrow_quic_now() >= s->ep_expiry) {
		burrow_quic_endpoint_handle_expiry(s->ep);
		s->ep_expiry = 0;
	}
	close_lingering(s);
	if (s->catch_head)
		visibility_catch_up(s);
	if (burrow_quic_now() >= s->next_poll) {
		coord_server_poll_changes(s);
		s->next_poll = burrow_quic_now() + s->poll_interval_ns;
	}
}

size_t coord_server_reload_pending(const struct coord_server *s)
{
	return s->n_catch;
}

size_t coord_server_connections(const struct coord_server *s)
{
	return s->n_conns;
}

const uint8_t *coord_server_public_key(const struct coord_server *s)
{
	return burrow_quic_endpoint_public_key(s->ep);
}
