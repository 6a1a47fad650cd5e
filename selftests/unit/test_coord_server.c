// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-coord's QUIC service (userspace/coord/server.c) against node
 * endpoints on loopback: each node is a burrow_quic client endpoint with
 * ALPN "burrow-coord/1" that registers and applies the maps it gets. Every
 * wait drives all endpoints until a condition holds or a deadline passes.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "burrow-text.h"
#include "cli.h"
#include "coord_map.h"
#include "coord_msg.h"
#include "coord_relay.h"
#include "coord_store.h"
#include "identity.h"
#include "log.h"
#include "quic.h"
#include "relay_ticket.h"
#include "server.h"

#define DEADLINE_NS (20ull * 1000000000ull)
#define MAX_NODES 72

struct node {
	char name[16];
	int fd;
	struct sockaddr_in addr;
	struct burrow_identity id;
	struct burrow_quic_endpoint *ep;
	struct burrow_quic_conn *conn;
	bool established;
	int64_t stream;
	int closed;
	char closed_reason[1400];
	int replaced;				/* earlier connections closed since */
	char replaced_reason[1400];
	struct burrow_capsule_reader reader;
	struct coord_map_full_reader full;
	struct coord_map map;
	bool have_result;
	struct coord_register_result result;
	int fulls, deltas;
	int dns_configs;			/* DNS_CONFIG capsules received */
	int relay_revokes;			/* RELAY_REVOKE capsules received */
	uint32_t last_revoked;
	uint64_t register_flags;		/* REGISTER's Flags the next register sends */
	int relay_offers;			/* RELAY_OFFER capsules received (refusals too) */
	struct coord_relay_offer last_offer;
	struct coord_map_delta last_delta_ids;	/* counts only, of the last delta */
	int observed_count;			/* OBSERVED_ADDRESS capsules received */
	int relay_binds;			/* RELAY_BIND capsules received */
	uint8_t last_bind[COORD_RELAY_TICKET_LEN];
	uint32_t bind_ids[32];			/* ids of the first RELAY_BINDs, in order */
	uint32_t relay_ticket;			/* node_connect dials "through a relay": this id */
	int control_tickets;			/* CONTROL_TICKET capsules received */
	uint8_t last_control[COORD_RELAY_TICKET_LEN];
	struct burrow_nl_endpoint observed;	/* the latest */
};

static char dir[] = "/tmp/test_coord_server.XXXXXX";
static unsigned int counter;
static struct coord_store *store;
static struct coord_server *server;
static int server_fd = -1;
static struct sockaddr_in server_addr;
static struct burrow_identity server_id;
static struct node nodes[MAX_NODES];
static size_t n_nodes;
static char store_path[512], policy_file[512];
static uint64_t change_poll_ms;			/* for the next start_server; 0: default */
static uint64_t reload_batch_ns;		/* for the next start_server; 0: default */
static uint64_t relay_rate_burst;		/* for the next start_server; 0: default */
static const char *egress_relay;		/* for the next start_server; NULL: none */
static int64_t clock_offset_ms;			/* the server's renewal clock: wall + this */

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The clock the server renews control tickets by: moved forward by tests. */
static int64_t fake_clock_ms(void)
{
	return wall_ms() + clock_offset_ms;
}

/* "127.0.0.1:PORT" of the node's socket: what the coordinator observes. */
static const char *observed_text(const struct node *n)
{
	static char text[32];

	snprintf(text, sizeof(text), "127.0.0.1:%u", ntohs(n->addr.sin_port));
	return text;
}

static int udp_socket(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)addr, sizeof(*addr)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)addr, &len), 0);
	return fd;
}

/* ---- node callbacks ------------------------------------------------------ */

static int node_authorize(const uint8_t public_key[32], const struct sockaddr *remote,
			  void **conn_user, void *endpoint_user)
{
	(void)public_key;
	(void)remote;
	(void)conn_user;
	(void)endpoint_user;
	return 0;
}

static void node_established(struct burrow_quic_conn *conn, void *conn_user)
{
	struct node *n = conn_user;

	n->conn = conn;
	n->established = true;
}

static void node_capsule(struct node *n, const struct burrow_capsule *cap)
{
	char why[512];
	struct coord_map_delta delta = { 0 };
	struct coord_peer *peers;
	size_t n_peers;
	int ret;

	switch (cap->type) {
	case COORD_MSG_REGISTER_RESULT:
		assert_int_equal(coord_msg_register_result_decode(cap->value, cap->length,
								  &n->result, why,
								  sizeof(why)), 0);
		n->have_result = true;
		break;
	case COORD_MSG_MAP_FULL:
		ret = coord_map_full_reader_feed(&n->full, cap->value, cap->length, why,
						 sizeof(why));
		if (ret < 0)
			fail_msg("%s: MAP_FULL: %s", n->name, why);
		if (ret == 1) {
			struct coord_map_self self = n->full.self;
			uint64_t version = n->full.version;

			peers = coord_map_full_reader_take(&n->full, &n_peers);
			if (coord_map_apply_full(&n->map, version, &self, peers, n_peers, why,
						 sizeof(why)) < 0)
				fail_msg("%s: MAP_FULL: %s", n->name, why);
			n->fulls++;
		}
		break;
	case COORD_MSG_MAP_DELTA:
		if (coord_msg_map_delta_decode(cap->value, cap->length, &delta, why,
					       sizeof(why)) < 0)
			fail_msg("%s: MAP_DELTA: %s", n->name, why);
		n->last_delta_ids.n_changed = delta.n_changed;
		n->last_delta_ids.n_removed = delta.n_removed;
		if (coord_map_apply_delta(&n->map, &delta, why, sizeof(why)) < 0)
			fail_msg("%s: MAP_DELTA: %s", n->name, why);
		coord_map_delta_free(&delta);
		n->deltas++;
		break;
	case COORD_MSG_DNS_CONFIG: {
		/* Ahead of every MAP_FULL: the default config (no dns FILE in these tests). */
		static struct coord_dns_config dns;

		if (coord_msg_dns_config_decode(cap->value, cap->length, &dns, why, sizeof(why)) < 0)
			fail_msg("%s: DNS_CONFIG: %s", n->name, why);
		assert_string_equal(dns.domain, "mesh.burrow");
		n->dns_configs++;
		break;
	}
	case COORD_MSG_OBSERVED_ADDRESS:
		if (coord_msg_observed_address_decode(cap->value, cap->length, &n->observed, why,
						      sizeof(why)) < 0)
			fail_msg("%s: OBSERVED_ADDRESS: %s", n->name, why);
		/* Only after REGISTER_RESULT, and before the map. */
		assert_true(n->have_result);
		n->observed_count++;
		break;
	case COORD_MSG_RELAY_REVOKE:
		if (coord_msg_relay_revoke_decode(cap->value, cap->length, &n->last_revoked, why,
						  sizeof(why)) < 0)
			fail_msg("%s: RELAY_REVOKE: %s", n->name, why);
		n->relay_revokes++;
		break;
	case COORD_MSG_RELAY_BIND:
		if (coord_msg_relay_bind_decode(cap->value, cap->length, n->last_bind, why,
						sizeof(why)) < 0)
			fail_msg("%s: RELAY_BIND: %s", n->name, why);
		{
			struct burrow_relay_ticket t;
			const char *bad = NULL;

			if (burrow_relay_ticket_decode(n->last_bind, sizeof(n->last_bind), &t,
						       &bad) != BURROW_RELAY_TICKET_OK)
				fail_msg("%s: RELAY_BIND: %s", n->name, bad);
			if (n->relay_binds < 32)
				n->bind_ids[n->relay_binds] = t.id;
		}
		n->relay_binds++;
		break;
	case COORD_MSG_CONTROL_TICKET:
		if (coord_msg_control_ticket_decode(cap->value, cap->length, n->last_control, why,
						    sizeof(why)) < 0)
			fail_msg("%s: CONTROL_TICKET: %s", n->name, why);
		n->control_tickets++;
		break;
	case COORD_MSG_RELAY_OFFER:
		if (coord_msg_relay_offer_decode(cap->value, cap->length, &n->last_offer, why,
						 sizeof(why)) < 0)
			fail_msg("%s: RELAY_OFFER: %s", n->name, why);
		n->relay_offers++;
		break;
	default:
		fail_msg("%s: unexpected %s", n->name, coord_msg_type_name(cap->type));
	}
}

static void node_stream_data(struct burrow_quic_conn *conn, int64_t stream_id,
			     const uint8_t *data, size_t len, bool fin, void *conn_user)
{
	struct node *n = conn_user;
	struct burrow_capsule cap;
	int ret;

	(void)conn;
	(void)stream_id;
	(void)fin;
	assert_int_equal(burrow_capsule_reader_push(&n->reader, data, len), 0);
	while ((ret = burrow_capsule_reader_next(&n->reader, &cap)) == 1)
		node_capsule(n, &cap);
	assert_int_equal(ret, 0);
}

static void node_closed(struct burrow_quic_conn *conn, const char *reason, void *conn_user)
{
	struct node *n = conn_user;

	if (n->conn != conn) {
		n->replaced++;
		snprintf(n->replaced_reason, sizeof(n->replaced_reason), "%s", reason);
		return;
	}
	n->conn = NULL;
	n->established = false;
	n->closed++;
	snprintf(n->closed_reason, sizeof(n->closed_reason), "%s", reason);
}

static const struct burrow_quic_callbacks node_callbacks = {
	.authorize = node_authorize,
	.established = node_established,
	.stream_data = node_stream_data,
	.closed = node_closed,
};

/* ---- driving ------------------------------------------------------------- */

typedef bool (*done_fn)(const void *arg);

/* Drive the server and every node until done(arg) or the deadline; true if done. */
static bool run_until(done_fn done, const void *arg)
{
	uint64_t deadline = burrow_quic_now() + DEADLINE_NS;

	while (!done(arg)) {
		struct pollfd pfd[MAX_NODES + 1];
		uint64_t now = burrow_quic_now(), next = deadline, t;
		size_t i;
		int timeout_ms;

		if (now >= deadline)
			return false;
		/* Without a server here, it runs in another process (fd -1: not polled). */
		pfd[0] = (struct pollfd){ .fd = server ? server_fd : -1, .events = POLLIN };
		t = server ? coord_server_next_expiry(server) : UINT64_MAX;
		if (t < next)
			next = t;
		for (i = 0; i < n_nodes; i++) {
			pfd[i + 1] = (struct pollfd){ .fd = nodes[i].fd, .events = POLLIN };
			t = burrow_quic_endpoint_next_expiry(nodes[i].ep);
			if (t < next)
				next = t;
		}
		timeout_ms = next <= now ? 0 : (int)((next - now + 999999) / 1000000);
		assert_true(poll(pfd, n_nodes + 1, timeout_ms) >= 0);
		if (server && (pfd[0].revents & POLLIN))
			assert_int_equal(coord_server_read(server), 0);
		if (server && coord_server_next_expiry(server) <= burrow_quic_now())
			coord_server_handle_expiry(server);
		for (i = 0; i < n_nodes; i++) {
			if (pfd[i + 1].revents & POLLIN)
				assert_int_equal(burrow_quic_endpoint_read(nodes[i].ep), 0);
			if (burrow_quic_endpoint_next_expiry(nodes[i].ep) <= burrow_quic_now())
				burrow_quic_endpoint_handle_expiry(nodes[i].ep);
		}
	}
	return true;
}

static bool is_established(const void *arg)
{
	return ((const struct node *)arg)->established;
}

static bool has_result(const void *arg)
{
	const struct node *n = arg;

	return n->have_result || n->closed;
}

static bool is_closed(const void *arg)
{
	return ((const struct node *)arg)->closed > 0;
}

static bool has_full_map(const void *arg)
{
	const struct node *n = arg;

	return n->fulls > 0 || n->closed;
}

static int wanted_count;

static bool has_second_full(const void *arg)
{
	const struct node *n = arg;

	return n->fulls >= wanted_count || n->closed;
}

static bool has_delta(const void *arg)
{
	const struct node *n = arg;

	return n->deltas >= wanted_count || n->closed;
}

static bool has_replaced(const void *arg)
{
	return ((const struct node *)arg)->replaced > 0;
}

static bool server_idle(const void *arg)
{
	(void)arg;
	return coord_server_connections(server) == 0;
}

/* ---- fixture ------------------------------------------------------------- */

static struct node *node_new(const char *name)
{
	struct burrow_quic_settings settings = { .alpn = COORD_MSG_ALPN };
	struct node *n = &nodes[n_nodes++];
	char path[512], why[BURROW_IDENTITY_ERR_MAX];

	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	snprintf(path, sizeof(path), "%s/%s-%u.key", dir, name, counter);
	if (burrow_identity_generate(path, &n->id, why, sizeof(why)) < 0)
		fail_msg("%s", why);
	n->fd = udp_socket(&n->addr);
	settings.private_key_pem = n->id.private_key_pem;
	n->ep = burrow_quic_endpoint_new(n->fd, &settings, &node_callbacks, n);
	if (!n->ep)
		fail_msg("%s endpoint: %s", name, burrow_quic_setup_error());
	coord_msg_reader_init(&n->reader);
	coord_map_full_reader_init(&n->full);
	coord_map_init(&n->map);
	return n;
}

/* Forget the previous connection's state and dial the coordinator. */
static void node_connect(struct node *n)
{
	struct burrow_quic_conn *conn = NULL;

	burrow_capsule_reader_free(&n->reader);
	coord_msg_reader_init(&n->reader);
	n->have_result = false;
	n->closed = 0;
	n->closed_reason[0] = '\0';
	n->established = false;
	/*
	 * "Through a relay" without one: the datagrams carry a relay header
	 * with the ticket id straight to the coordinator, which strips it and
	 * answers with the same (quic.c), as it does behind a real relay.
	 */
	if (n->relay_ticket)
		assert_int_equal(burrow_quic_connect_relayed_alpn(n->ep, COORD_MSG_ALPN,
								  (struct sockaddr *)&server_addr,
								  sizeof(server_addr),
								  n->relay_ticket,
								  server_id.public_key, n, &conn), 0);
	else
		assert_int_equal(burrow_quic_connect(n->ep, (struct sockaddr *)&server_addr,
						     sizeof(server_addr), server_id.public_key, n,
						     &conn), 0);
	n->conn = conn;
	if (!run_until(is_established, n))
		fail_msg("%s: no handshake: %s", n->name, n->closed_reason);
	assert_ptr_equal(n->conn, conn);
	assert_int_equal(burrow_quic_open_stream(n->conn, &n->stream), 0);
}

static void node_send(struct node *n, const struct coord_buf *b)
{
	assert_int_equal(b->error, 0);
	assert_int_equal(burrow_quic_send(n->conn, n->stream, b->data, b->len, false), 0);
}

static void node_register_routes(struct node *n, const char *secret, const char *hostname,
				 const struct burrow_nl_prefix *routes, size_t n_routes);

/* Connect, send REGISTER with secret (or "") and one endpoint, wait for the result. */
static void node_register(struct node *n, const char *secret, const char *hostname)
{
	node_register_routes(n, secret, hostname, NULL, 0);
}

static void node_register_routes(struct node *n, const char *secret, const char *hostname,
				 const struct burrow_nl_prefix *routes, size_t n_routes)
{
	struct burrow_nl_endpoint endpoint = { .family = AF_INET, .port = 51820 };
	struct coord_register m = {
		.key_secret = (char *)secret,
		.endpoints = &endpoint,
		.n_endpoints = 1,
		.routes = (struct burrow_nl_prefix *)routes,
		.n_routes = n_routes,
		.flags = n->register_flags,
	};
	struct coord_buf b;
	char why[256];

	endpoint.addr.v4.s_addr = htonl(0xc0000201);	/* 192.0.2.1 */
	snprintf(m.hostname, sizeof(m.hostname), "%s", hostname);
	node_connect(n);
	coord_buf_init(&b);
	assert_int_equal(coord_msg_register_encode(&b, &m, why, sizeof(why)), 0);
	node_send(n, &b);
	coord_buf_free(&b);
	if (!run_until(has_result, n))
		fail_msg("%s: no REGISTER_RESULT", n->name);
}

static void expect_accepted(struct node *n, const char *name)
{
	if (!n->have_result)
		fail_msg("%s: closed without a result: %s", n->name, n->closed_reason);
	if (!n->result.accepted)
		fail_msg("%s: refused: %s", n->name, n->result.reason);
	assert_string_equal(n->result.name, name);
	if (!run_until(has_full_map, n) || !n->fulls)
		fail_msg("%s: no MAP_FULL: %s", n->name, n->closed_reason);
	assert_string_equal(n->map.self.name, name);
	assert_memory_equal(&n->map.self.addresses, &n->result.addresses,
			    sizeof(n->result.addresses));
}

static void expect_refused(struct node *n, uint64_t code, const char *reason)
{
	assert_true(n->have_result);
	assert_false(n->result.accepted);
	assert_int_equal(n->result.reason_code, code);
	if (!strstr(n->result.reason, reason))
		fail_msg("%s: reason '%s' lacks '%s'", n->name, n->result.reason, reason);
	if (!run_until(is_closed, n))
		fail_msg("%s: a refused connection stays open", n->name);
	if (!strstr(n->closed_reason, "registration refused"))
		fail_msg("%s: closed: %s", n->name, n->closed_reason);
	assert_int_equal(n->fulls, 0);
}

static void write_policy(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void start_server(const char *policy)
{
	char path[512], policy_path[512], why[COORD_SERVER_ERR_MAX];
	struct coord_server_config config = { 0 };

	counter++;
	snprintf(path, sizeof(path), "%s/coord-%u.db", dir, counter);
	snprintf(store_path, sizeof(store_path), "%s", path);
	assert_int_equal(coord_store_open(path, &store, why, sizeof(why)), 0);
	snprintf(path, sizeof(path), "%s/coord-%u.key", dir, counter);
	if (burrow_identity_generate(path, &server_id, why, sizeof(why)) < 0)
		fail_msg("%s", why);
	if (policy) {
		snprintf(policy_path, sizeof(policy_path), "%s/policy-%u.json", dir, counter);
		write_policy(policy_path, policy);
		config.policy_path = policy_path;
		snprintf(policy_file, sizeof(policy_file), "%s", policy_path);
	}
	config.change_poll_ms = change_poll_ms;
	config.reload_batch_ns = reload_batch_ns;
	config.relay_rate_burst = relay_rate_burst;
	config.relay_rate_interval_ms = relay_rate_burst ? 3600 * 1000 : 0;
	config.egress_relay = egress_relay;
	config.clock_ms = fake_clock_ms;
	server_fd = udp_socket(&server_addr);
	config.udp_fd = server_fd;
	config.private_key_pem = server_id.private_key_pem;
	config.store = store;
	if (coord_server_new(&config, &server, why, sizeof(why)) < 0)
		fail_msg("coord_server_new: %s", why);
	assert_memory_equal(coord_server_public_key(server), server_id.public_key, 32);
}

static int setup_dir(void **state)
{
	(void)state;
	burrow_log_set_level(BURROW_LOG_ERROR);
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < n_nodes; i++) {
		struct node *n = &nodes[i];

		burrow_quic_endpoint_free(n->ep);
		close(n->fd);
		burrow_identity_clear(&n->id);
		burrow_capsule_reader_free(&n->reader);
		coord_map_full_reader_free(&n->full);
		coord_map_free(&n->map);
	}
	n_nodes = 0;
	change_poll_ms = 0;
	reload_batch_ns = 0;
	relay_rate_burst = 0;
	egress_relay = NULL;
	clock_offset_ms = 0;
	coord_server_free(server);
	server = NULL;
	if (server_fd >= 0)
		close(server_fd);
	server_fd = -1;
	coord_store_close(store);
	store = NULL;
	burrow_identity_clear(&server_id);
	return 0;
}

static void key_create(bool reusable, int64_t expiry_ms, const char *tag,
		       char secret[COORD_KEY_SECRET_SIZE], char id[COORD_KEY_ID_SIZE])
{
	const char *tags[1] = { tag };

	assert_int_equal(coord_store_key_create(store, reusable, expiry_ms, tags, tag ? 1 : 0,
						secret, id), 0);
}

/* ---- tests --------------------------------------------------------------- */

static void test_register_accepted(void **state)
{
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct coord_endpoint *endpoints;
	struct coord_node node;
	struct coord_buf b;
	struct node *a;
	size_t n;

	(void)state;
	start_server(NULL);
	a = node_new("alpha");
	key_create(false, 0, NULL, secret, id);
	node_register(a, secret, "alpha");
	expect_accepted(a, "alpha");
	/* No policy: deny all, so an empty map. */
	assert_int_equal(coord_map_size(&a->map), 0);
	assert_int_equal(a->map.version, 1);
	assert_int_equal(coord_store_node_get_by_key(store, a->id.public_key, &node), 0);
	assert_int_equal(a->map.self.id, node.id);
	/* The address it connects from, as the coordinator sees it: told, and first. */
	assert_int_equal(a->observed_count, 1);
	assert_int_equal(a->observed.family, AF_INET);
	assert_int_equal(a->observed.port, ntohs(a->addr.sin_port));
	assert_memory_equal(a->observed.addr.bytes, &a->addr.sin_addr, 4);
	assert_int_equal(coord_store_node_endpoints(store, node.id, &endpoints, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(endpoints[0].text, observed_text(a));
	assert_string_equal(endpoints[1].text, "192.0.2.1:51820");
	free(endpoints);
	coord_store_node_clear(&node);

	/* MAP_REQUEST_FULL: the same map again, next version. */
	coord_buf_init(&b);
	assert_int_equal(coord_msg_map_request_full_encode(&b, 1), 0);
	node_send(a, &b);
	coord_buf_free(&b);
	wanted_count = 2;
	assert_true(run_until(has_second_full, a));
	assert_int_equal(a->fulls, 2);
	assert_int_equal(a->map.version, 2);
	assert_int_equal(a->closed, 0);
}

static void test_register_refusals(void **state)
{
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE], reason[128];
	struct node *a, *b;

	(void)state;
	start_server(NULL);
	a = node_new("alpha");
	b = node_new("beta");

	key_create(true, wall_ms() - 1000, NULL, secret, id);
	node_register(a, secret, "alpha");
	snprintf(reason, sizeof(reason), "pre-auth key '%s' has expired", id);
	expect_refused(a, COORD_REFUSED_KEY_EXPIRED, reason);

	key_create(true, 0, NULL, secret, id);
	assert_int_equal(coord_store_key_revoke(store, id), 0);
	node_register(a, secret, "alpha");
	snprintf(reason, sizeof(reason), "pre-auth key '%s' is revoked", id);
	expect_refused(a, COORD_REFUSED_KEY_REVOKED, reason);

	key_create(false, 0, NULL, secret, id);
	node_register(a, secret, "alpha");
	expect_accepted(a, "alpha");
	node_register(b, secret, "beta");
	snprintf(reason, sizeof(reason), "pre-auth key '%s' is single-use and already used", id);
	expect_refused(b, COORD_REFUSED_KEY_USED, reason);

	node_register(b, "bck_notakeyatallnotakeyatallnotakeyatallnotakey", "beta");
	expect_refused(b, COORD_REFUSED_KEY_UNKNOWN, "unknown pre-auth key");

	/* No key: only a registered key may come back that way. */
	node_register(b, "", "beta");
	expect_refused(b, COORD_REFUSED_KEY_UNKNOWN, "no node has public key");
	assert_int_equal(coord_server_connections(server), 1);	/* alpha's */
}

static void test_reregister_without_key(void **state)
{
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct node *a;

	(void)state;
	start_server(NULL);
	a = node_new("alpha");
	key_create(false, 0, NULL, secret, id);
	node_register(a, secret, "alpha");
	expect_accepted(a, "alpha");

	/* A second connection with no key takes over the node; the first is closed. */
	a->fulls = 0;
	node_register(a, "", "ignored");
	expect_accepted(a, "alpha");
	assert_true(run_until(has_replaced, a));
	if (!strstr(a->replaced_reason, "node 'alpha' connected again"))
		fail_msg("first connection: %s", a->replaced_reason);

	/* Once expired, no key is not enough. */
	assert_int_equal(coord_store_node_expire(store, "alpha"), 0);
	a->fulls = 0;
	node_register(a, "", "alpha");
	expect_refused(a, COORD_REFUSED_NODE, "node 'alpha' has expired");

	/* Removed: unknown again. */
	assert_int_equal(coord_store_node_remove(store, "alpha"), 0);
	node_register(a, "", "alpha");
	expect_refused(a, COORD_REFUSED_KEY_UNKNOWN, "no node has public key");
}

static const char web_policy[] =
	"{ \"rules\": [ { \"src\": [\"tag:web\"], \"dst\": [\"tag:web\"] } ] }\n";

static void test_policy_maps_and_delta(void **state)
{
	char web[COORD_KEY_SECRET_SIZE], other[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	const struct coord_peer *peer;
	struct node *a, *b, *c;
	struct coord_buf buf;

	(void)state;
	start_server(web_policy);
	a = node_new("alpha");
	b = node_new("beta");
	c = node_new("gamma");
	key_create(true, 0, "tag:web", web, id);
	key_create(true, 0, NULL, other, id);

	node_register(a, web, "alpha");
	expect_accepted(a, "alpha");
	assert_int_equal(coord_map_size(&a->map), 0);

	node_register(b, web, "beta");
	expect_accepted(b, "beta");
	assert_int_equal(coord_map_size(&b->map), 1);
	peer = coord_map_peer_by_key(&b->map, a->id.public_key);
	assert_non_null(peer);
	assert_string_equal(peer->name, "alpha");
	/* Observed address first, then the reported one. */
	assert_int_equal(peer->n_endpoints, 2);
	assert_int_equal(peer->endpoints[0].port, ntohs(a->addr.sin_port));
	assert_int_equal(peer->endpoints[1].port, 51820);

	/* alpha learns of beta through a delta on top of its full map. */
	wanted_count = 1;
	assert_true(run_until(has_delta, a));
	assert_int_equal(a->deltas, 1);
	assert_int_equal(a->last_delta_ids.n_changed, 1);
	assert_int_equal(a->last_delta_ids.n_removed, 0);
	assert_int_equal(a->map.version, 2);
	assert_int_equal(coord_map_size(&a->map), 1);
	peer = coord_map_peer_by_key(&a->map, b->id.public_key);
	assert_non_null(peer);
	assert_string_equal(peer->name, "beta");

	/* gamma (no tag) sees nobody and nobody sees it. */
	node_register(c, other, "gamma");
	expect_accepted(c, "gamma");
	assert_int_equal(coord_map_size(&c->map), 0);
	/* Whatever was sent to alpha and beta before these full maps has arrived. */
	coord_buf_init(&buf);
	assert_int_equal(coord_msg_map_request_full_encode(&buf, a->map.version), 0);
	node_send(a, &buf);
	node_send(b, &buf);
	coord_buf_free(&buf);
	wanted_count = 2;
	assert_true(run_until(has_second_full, a));
	assert_true(run_until(has_second_full, b));
	assert_int_equal(a->deltas, 1);
	assert_int_equal(b->deltas, 0);
	assert_int_equal(coord_map_size(&a->map), 1);
	assert_int_equal(coord_map_size(&b->map), 1);
	assert_null(coord_map_peer_by_key(&a->map, c->id.public_key));
	assert_null(coord_map_peer_by_key(&b->map, c->id.public_key));
	assert_int_equal(a->closed + b->closed + c->closed, 0);

	/* An expired peer leaves the maps sent from then on. */
	assert_int_equal(coord_store_node_expire(store, "beta"), 0);
	coord_buf_init(&buf);
	assert_int_equal(coord_msg_map_request_full_encode(&buf, a->map.version), 0);
	node_send(a, &buf);
	coord_buf_free(&buf);
	wanted_count = 3;
	assert_true(run_until(has_second_full, a));
	assert_int_equal(a->fulls, 3);
	assert_int_equal(coord_map_size(&a->map), 0);
}

static const char router_policy[] =
	"{ \"rules\": [ { \"src\": [\"tag:web\"], \"dst\": [\"tag:router\"] } ],\n"
	"  \"autoApprovers\": { \"routes\": { \"10.20.0.0/16\": [\"tag:router\"] } } }\n";

/* autoApprovers approve a router's route, its viewer gets it; ENDPOINTS reach the viewer. */
static void test_routes_and_endpoints(void **state)
{
	char web[COORD_KEY_SECRET_SIZE], router[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct burrow_nl_prefix route = { .family = AF_INET, .len = 16 };
	struct burrow_nl_endpoint moved = { .family = AF_INET, .port = 4000 };
	struct coord_route *routes;
	const struct coord_peer *peer;
	struct node *w, *r;
	struct coord_buf b;
	size_t n;

	(void)state;
	route.addr.v4.s_addr = htonl(0x0a140000);	/* 10.20.0.0 */
	moved.addr.v4.s_addr = htonl(0xc6336401);	/* 198.51.100.1 */
	start_server(router_policy);
	w = node_new("web");
	r = node_new("router");
	key_create(true, 0, "tag:web", web, id);
	key_create(true, 0, "tag:router", router, id);

	node_register(w, web, "web");
	expect_accepted(w, "web");
	node_register_routes(r, router, "router", &route, 1);
	expect_accepted(r, "router");
	assert_int_equal(coord_store_route_list(store, &routes, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(routes[0].prefix, "10.20.0.0/16");
	assert_true(routes[0].approved);
	free(routes);

	/* The router sees web (symmetric visibility) but no route of it. */
	peer = coord_map_peer_by_key(&r->map, w->id.public_key);
	assert_non_null(peer);
	assert_int_equal(peer->n_routes, 0);

	wanted_count = 1;
	assert_true(run_until(has_delta, w));
	peer = coord_map_peer_by_key(&w->map, r->id.public_key);
	assert_non_null(peer);
	assert_int_equal(peer->n_routes, 1);
	assert_true(burrow_text_prefix_equal(&peer->routes[0], &route));

	coord_buf_init(&b);
	assert_int_equal(coord_msg_endpoints_encode(&b, &moved, 1, NULL, 0), 0);
	node_send(r, &b);
	coord_buf_free(&b);
	wanted_count = 2;
	assert_true(run_until(has_delta, w));
	assert_int_equal(w->last_delta_ids.n_changed, 1);
	peer = coord_map_peer_by_key(&w->map, r->id.public_key);
	assert_non_null(peer);
	assert_int_equal(peer->n_endpoints, 2);
	assert_int_equal(peer->endpoints[0].port, ntohs(r->addr.sin_port));
	assert_int_equal(peer->endpoints[1].port, 4000);
	assert_int_equal(peer->n_routes, 1);
	assert_int_equal(w->map.version, 3);
	assert_int_equal(r->deltas, 0);
}

static void test_malformed_capsule_closes(void **state)
{
	/* REGISTER whose Key Length runs past the value. */
	static const uint8_t bad[] = { 0x80, 0x2b, 0x0c, 0x01, 0x02, 0x05, 'b' };
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct node *a, *b, *c;
	struct coord_buf buf;

	(void)state;
	start_server(NULL);
	a = node_new("alpha");
	node_connect(a);
	assert_int_equal(burrow_quic_send(a->conn, a->stream, bad, sizeof(bad), false), 0);
	assert_true(run_until(is_closed, a));
	if (!strstr(a->closed_reason, "application error 1") ||
	    !strstr(a->closed_reason, "REGISTER: Pre-auth Key is truncated"))
		fail_msg("closed: %s", a->closed_reason);
	assert_false(a->have_result);

	/* A message the coordinator sends, from a node. */
	b = node_new("beta");
	key_create(true, 0, NULL, secret, id);
	node_connect(b);
	coord_buf_init(&buf);
	assert_int_equal(coord_msg_map_request_full_encode(&buf, 0), 0);
	node_send(b, &buf);
	coord_buf_free(&buf);
	assert_true(run_until(is_closed, b));
	if (!strstr(b->closed_reason, "MAP_REQUEST_FULL before REGISTER"))
		fail_msg("closed: %s", b->closed_reason);

	/* The stream ends half way through a capsule. */
	c = node_new("gamma");
	node_connect(c);
	assert_int_equal(burrow_quic_send(c->conn, c->stream, bad, 3, true), 0);
	assert_true(run_until(is_closed, c));
	if (!strstr(c->closed_reason, "application error 1") ||
	    !strstr(c->closed_reason, "coordination stream ended inside a capsule"))
		fail_msg("closed: %s", c->closed_reason);
	assert_true(run_until(server_idle, NULL));
}

/* `burrow-coord run` refuses what it cannot serve before it opens anything. */
static void test_cli_run_arguments(void **state)
{
	static const struct {
		const char *args[8];
		const char *message;
	} cases[] = {
		{ { "run", "key", "/nonexistent.key" }, "run needs listen ADDR:PORT and key FILE" },
		{ { "run", "listen", "127.0.0.1" }, "invalid endpoint '127.0.0.1'" },
		{ { "run", "listen", "127.0.0.1:0", "key", "k" }, "invalid port '0'" },
		{ { "run", "listen", "127.0.0.1:1", "colour", "blue" },
		  "unknown run argument 'colour'" },
		{ { "run", "listen" }, "'listen' needs a value" },
		{ { "run", "listen", "127.0.0.1:1", "key", "/nonexistent.key" },
		  "/nonexistent.key" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[10] = { "burrow-coord", "-d", "/nonexistent/coord.db" };
		char *text = NULL;
		size_t len = 0, argc = 3;
		FILE *err = open_memstream(&text, &len);

		assert_non_null(err);
		while (cases[i].args[argc - 3]) {
			argv[argc] = (char *)cases[i].args[argc - 3];
			argc++;
		}
		assert_int_equal(coord_cli_run((int)argc, argv, stdout, err), COORD_EXIT_USAGE);
		fclose(err);
		if (!strstr(text, cases[i].message))
			fail_msg("case %zu: '%s' lacks '%s'", i, text, cases[i].message);
		free(text);
	}
}

/* The program itself: a node registers with `burrow-coord run`, which SIGTERM stops. */
/* The run process follows another process's store writes and survives SIGHUP. */
static void test_cli_run_serves_until_sigterm(void **state)
{
	char db[512], key[512], why[BURROW_IDENTITY_ERR_MAX], listen_text[32];
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct node *a;
	int status, fd;
	pid_t pid;

	(void)state;
	counter++;
	snprintf(db, sizeof(db), "%s/run-%u.db", dir, counter);
	snprintf(key, sizeof(key), "%s/run-%u.key", dir, counter);
	if (burrow_identity_generate(key, &server_id, why, sizeof(why)) < 0)
		fail_msg("%s", why);
	assert_int_equal(coord_store_open(db, &store, why, sizeof(why)), 0);
	key_create(false, 0, NULL, secret, id);
	/* A free port: the child binds it again (SO_REUSEADDR is not needed for UDP). */
	fd = udp_socket(&server_addr);
	close(fd);
	snprintf(listen_text, sizeof(listen_text), "127.0.0.1:%u", ntohs(server_addr.sin_port));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { "burrow-coord", "-d", db, "run", "listen", listen_text, "key", key,
				 NULL };

		_exit(coord_cli_run(8, argv, stdout, stderr));
	}
	/* Until the child has bound the port, the node's Initial is retransmitted. */
	a = node_new("alpha");
	node_register(a, secret, "alpha");
	expect_accepted(a, "alpha");
	/* SIGHUP reloads (no policy file: still deny all) and the service goes on. */
	assert_int_equal(kill(pid, SIGHUP), 0);
	/* This process is the operator: removing the node cuts it off from the service. */
	assert_int_equal(coord_store_node_remove(store, "alpha"), 0);
	if (!run_until(is_closed, a))
		fail_msg("alpha stays connected to the burrow-coord run process");
	if (!strstr(a->closed_reason, "was removed"))
		fail_msg("alpha closed: %s", a->closed_reason);
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), COORD_EXIT_OK);
}

/* ---- changes made by another process -------------------------------------- */

/* alpha and beta, both tag:web under web_policy, connected and seeing each other. */
static void two_web_nodes(struct node **a, struct node **b)
{
	char web[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];

	change_poll_ms = 20;
	start_server(web_policy);
	*a = node_new("alpha");
	*b = node_new("beta");
	key_create(true, 0, "tag:web", web, id);
	node_register(*a, web, "alpha");
	expect_accepted(*a, "alpha");
	node_register(*b, web, "beta");
	expect_accepted(*b, "beta");
	wanted_count = 1;
	assert_true(run_until(has_delta, *a));
	assert_non_null(coord_map_peer_by_key(&(*a)->map, (*b)->id.public_key));
}

static bool observed_port_is(const void *arg)
{
	const struct node *n = arg;

	return n->observed.port == ntohs(n->addr.sin_port) || n->closed;
}

static bool peer_first_endpoint_moved(const void *arg)
{
	const struct node *b = arg, *a = &nodes[0];
	const struct coord_peer *peer = coord_map_peer_by_key(&b->map, a->id.public_key);

	return (peer && peer->n_endpoints && peer->endpoints[0].port == ntohs(a->addr.sin_port)) ||
	       b->closed;
}

/*
 * NAT rebinding: alpha's packets suddenly come from another port (a new
 * socket in place of its old one: the QUIC connection itself is the same).
 * The coordinator validates the new path, tells alpha the new address,
 * and beta's map gets it as alpha's first candidate; nothing is closed.
 */
static void test_observed_follows_rebinding(void **state)
{
	struct sockaddr_in old, moved;
	struct coord_buf b;
	struct node *a, *bn;
	int fd, observed;

	(void)state;
	two_web_nodes(&a, &bn);
	assert_ptr_equal(a, &nodes[0]);
	assert_int_equal(a->observed_count, 1);
	assert_int_equal(a->observed.port, ntohs(a->addr.sin_port));
	observed = a->observed_count;
	old = a->addr;
	fd = udp_socket(&moved);
	assert_int_equal(dup2(fd, a->fd), a->fd);
	close(fd);
	a->addr = moved;
	assert_int_not_equal(old.sin_port, moved.sin_port);
	/* Anything alpha sends now comes from the new port. */
	coord_buf_init(&b);
	assert_int_equal(coord_msg_map_request_full_encode(&b, a->map.version), 0);
	node_send(a, &b);
	coord_buf_free(&b);
	assert_true(run_until(observed_port_is, a));
	assert_int_equal(a->closed, 0);
	assert_int_equal(a->observed_count, observed + 1);
	assert_true(run_until(peer_first_endpoint_moved, bn));
	assert_int_equal(bn->closed, 0);
	assert_int_equal(coord_map_peer_by_key(&bn->map, a->id.public_key)->n_endpoints, 2);
}

/* The store as `burrow-coord node ...` opens it: another connection to the database. */
static struct coord_store *operator_store(void)
{
	char why[COORD_STORE_ERR_MAX];
	struct coord_store *cs;

	if (coord_store_open(store_path, &cs, why, sizeof(why)) < 0)
		fail_msg("%s", why);
	return cs;
}

/* a gets a delta removing b, and b's connection closes with reason. */
static void expect_cut_off(struct node *a, struct node *b, const char *reason)
{
	wanted_count = a->deltas + 1;
	if (!run_until(has_delta, a) || a->closed)
		fail_msg("alpha: no delta: %s", a->closed_reason);
	assert_int_equal(a->last_delta_ids.n_removed, 1);
	assert_int_equal(a->last_delta_ids.n_changed, 0);
	assert_null(coord_map_peer_by_key(&a->map, b->id.public_key));
	if (!run_until(is_closed, b))
		fail_msg("beta stays connected");
	if (!strstr(b->closed_reason, reason))
		fail_msg("beta closed: '%s' lacks '%s'", b->closed_reason, reason);
	assert_int_equal(a->closed, 0);
}

static void test_operator_remove_cuts_off(void **state)
{
	struct coord_store *op;
	struct node *a, *b;

	(void)state;
	two_web_nodes(&a, &b);
	op = operator_store();
	assert_int_equal(coord_store_node_remove(op, "beta"), 0);
	coord_store_close(op);
	expect_cut_off(a, b, "was removed");
}

static void test_operator_expire_cuts_off(void **state)
{
	struct coord_store *op;
	struct node *a, *b;

	(void)state;
	two_web_nodes(&a, &b);
	op = operator_store();
	assert_int_equal(coord_store_node_expire(op, "beta"), 0);
	coord_store_close(op);
	expect_cut_off(a, b, "node 'beta' has expired");
}

/* An expiry time set ahead (no change logged) passes while beta is connected. */
static void test_expiry_time_cuts_off(void **state)
{
	char sql[160];
	struct node *a, *b;
	sqlite3 *db;

	(void)state;
	two_web_nodes(&a, &b);
	snprintf(sql, sizeof(sql), "UPDATE nodes SET expiry_ms = %lld WHERE name = 'beta'",
		 (long long)(wall_ms() + 200));
	assert_int_equal(sqlite3_open(store_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	expect_cut_off(a, b, "node 'beta' has expired");
}

static bool has_revoke(const void *arg)
{
	const struct node *n = arg;

	return n->relay_revokes >= wanted_count || n->closed;
}

/*
 * A relay ticket revoked by the operator (another process) reaches its
 * relay as RELAY_REVOKE with the ticket's id; nobody's map changes and no
 * other node hears of it.
 */
static void test_relay_revoke_reaches_relay(void **state)
{
	char web[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct coord_node alpha, beta, gamma;
	struct coord_store *op;
	struct node *a, *b, *g;
	int a_deltas, b_deltas;

	(void)state;
	two_web_nodes(&a, &b);
	g = node_new("gamma");
	key_create(true, 0, "tag:web", web, id);
	node_register(g, web, "gamma");
	expect_accepted(g, "gamma");
	wanted_count = 2;
	assert_true(run_until(has_delta, a));	/* beta, then gamma */
	op = operator_store();
	assert_int_equal(coord_store_node_get_by_name(op, "alpha", &alpha), 0);
	assert_int_equal(coord_store_node_get_by_name(op, "beta", &beta), 0);
	assert_int_equal(coord_store_node_get_by_name(op, "gamma", &gamma), 0);
	assert_int_equal(coord_store_relay_ticket_add(op, 77, alpha.id, beta.id, gamma.id,
						      (uint64_t)wall_ms() / 1000 + 300), 0);
	assert_int_equal(coord_store_relay_ticket_add(op, 78, alpha.id, beta.id, gamma.id,
						      (uint64_t)wall_ms() / 1000 + 300), 0);
	a_deltas = a->deltas;
	b_deltas = b->deltas;
	assert_int_equal(coord_store_relay_ticket_revoke(op, 77), 0);
	coord_store_close(op);
	wanted_count = 1;
	if (!run_until(has_revoke, a) || a->closed)
		fail_msg("alpha: no RELAY_REVOKE: %s", a->closed_reason);
	assert_int_equal(a->relay_revokes, 1);
	assert_int_equal(a->last_revoked, 77);
	assert_int_equal(b->relay_revokes + g->relay_revokes, 0);
	assert_int_equal(a->deltas, a_deltas);
	assert_int_equal(b->deltas, b_deltas);
	coord_store_node_clear(&alpha);
	coord_store_node_clear(&beta);
	coord_store_node_clear(&gamma);
}

/* ---- relay fallback -------------------------------------------------------- */

static bool has_offer(const void *arg)
{
	const struct node *n = arg;

	return n->relay_offers >= wanted_count || n->closed;
}

/* n asks for a relay to peer and waits for its answer (the wanted_count-th offer). */
static void relay_request(struct node *n, const struct node *peer)
{
	struct coord_buf b;

	coord_buf_init(&b);
	assert_int_equal(coord_msg_relay_request_encode(&b, peer->id.public_key), 0);
	node_send(n, &b);
	coord_buf_free(&b);
	wanted_count = n->relay_offers + 1;
	if (!run_until(has_offer, n) || n->closed)
		fail_msg("%s: no RELAY_OFFER: %s", n->name, n->closed_reason);
}

static void expect_relay_refused(struct node *n, const char *reason)
{
	assert_true(n->last_offer.refused);
	if (!strstr(n->last_offer.reason, reason))
		fail_msg("%s: refusal '%s' lacks '%s'", n->name, n->last_offer.reason, reason);
}

/* alpha, beta (tag:web, see each other) and, when with_relay, gamma: a relay nobody sees. */
static struct node *relay_setup(struct node **a, struct node **b, bool with_relay)
{
	char key[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct node *g;

	two_web_nodes(a, b);
	if (!with_relay)
		return NULL;
	g = node_new("gamma");
	g->register_flags = COORD_REGISTER_RELAY;
	key_create(false, 0, "tag:relay", key, id);
	node_register(g, key, "gamma");
	expect_accepted(g, "gamma");
	return g;
}

static void test_relay_fallback_offers_both(void **state)
{
	struct burrow_relay_ticket t;
	struct coord_relay_ticket rec;
	struct node *a, *b, *g;
	struct coord_store *op;
	char text[COORD_ADDR_SIZE + 8], want[64];
	const char *why = NULL;

	(void)state;
	g = relay_setup(&a, &b, true);
	/* The relay flag is kept for `node list`, with where the coordinator saw it. */
	op = operator_store();
	snprintf(want, sizeof(want), "127.0.0.1:%u", ntohs(g->addr.sin_port));
	assert_int_equal(coord_store_node_relay(op, 3, text), 0);
	assert_string_equal(text, want);
	assert_int_equal(coord_store_node_relay(op, 1, text), -ENOENT);

	relay_request(a, b);
	wanted_count = 1;
	if (!run_until(has_offer, b) || b->closed)
		fail_msg("beta: no RELAY_OFFER: %s", b->closed_reason);
	assert_false(a->last_offer.refused);
	assert_false(b->last_offer.refused);
	/* Each is told its own peer; both get the same ticket and relay. */
	assert_memory_equal(a->last_offer.peer_key, b->id.public_key, 32);
	assert_memory_equal(b->last_offer.peer_key, a->id.public_key, 32);
	assert_memory_equal(a->last_offer.ticket, b->last_offer.ticket, COORD_RELAY_TICKET_LEN);
	assert_int_equal(a->last_offer.relay.family, AF_INET);
	assert_int_equal(a->last_offer.relay.port, ntohs(g->addr.sin_port));
	assert_memory_equal(&a->last_offer.relay, &b->last_offer.relay, sizeof(a->last_offer.relay));
	/* The ticket is the coordinator's, for this pair through gamma, recorded. */
	assert_int_equal(burrow_relay_ticket_decode(a->last_offer.ticket, COORD_RELAY_TICKET_LEN, &t,
						    &why), BURROW_RELAY_TICKET_OK);
	assert_int_equal(burrow_relay_ticket_verify(&t, server_id.public_key, g->id.public_key,
						    a->id.public_key, (uint64_t)wall_ms() / 1000),
			 BURROW_RELAY_TICKET_OK);
	assert_memory_equal(burrow_relay_ticket_other(&t, a->id.public_key), b->id.public_key, 32);
	assert_int_equal(coord_store_relay_ticket_get(op, t.id, &rec), 0);
	assert_string_equal(rec.relay, "gamma");
	assert_false(rec.revoked);
	coord_store_close(op);
	assert_int_equal(g->relay_offers, 0);
}

static void test_relay_fallback_refusals(void **state)
{
	char db[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct node *a, *b, *d;
	struct coord_relay_ticket *tickets;
	struct coord_store *op;
	size_t n;

	(void)state;
	/* No relay connected: refused with the reason. */
	relay_setup(&a, &b, false);
	relay_request(a, b);
	expect_relay_refused(a, "no relay is connected");
	assert_int_equal(b->relay_offers, 0);
	/* A relay that is one of the pair is never its relay. */
	d = node_new("delta");
	key_create(false, 0, "tag:db", db, id);
	node_register(d, db, "delta");
	expect_accepted(d, "delta");
	/* A node the requester may not see (delta, tag:db): refused, nothing issued. */
	relay_request(a, d);
	expect_relay_refused(a, "no peer");
	assert_int_equal(d->relay_offers, 0);
	/* Nor may a node ask about itself or an unknown key. */
	relay_request(a, a);
	expect_relay_refused(a, "no peer");
	op = operator_store();
	assert_int_equal(coord_store_relay_ticket_list(op, &tickets, &n), 0);
	assert_int_equal(n, 0);
	free(tickets);
	coord_store_close(op);
}

/* beta registers as a relay: a pair's own member is not its relay. */
static void test_relay_fallback_not_one_of_pair(void **state)
{
	char web[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct node *a, *b;

	(void)state;
	change_poll_ms = 20;
	start_server(web_policy);
	a = node_new("alpha");
	b = node_new("beta");
	b->register_flags = COORD_REGISTER_RELAY;
	key_create(true, 0, "tag:web", web, id);
	node_register(a, web, "alpha");
	expect_accepted(a, "alpha");
	node_register(b, web, "beta");
	expect_accepted(b, "beta");
	relay_request(a, b);
	expect_relay_refused(a, "no relay is connected");
}

/* A node cannot make the coordinator mint tickets without bound. */
static void test_relay_fallback_rate_limit(void **state)
{
	struct coord_relay_ticket *tickets;
	struct coord_store *op;
	struct node *a, *b;
	size_t n;

	(void)state;
	relay_rate_burst = 3;		/* then one an hour */
	relay_setup(&a, &b, true);
	for (int i = 0; i < 3; i++) {
		relay_request(a, b);
		assert_false(a->last_offer.refused);
	}
	relay_request(a, b);
	expect_relay_refused(a, "too many relay requests");
	relay_request(a, b);
	expect_relay_refused(a, "too many relay requests");
	/* beta's requests are its own bucket */
	relay_request(b, a);
	assert_false(b->last_offer.refused);
	op = operator_store();
	assert_int_equal(coord_store_relay_ticket_list(op, &tickets, &n), 0);
	assert_int_equal(n, 4);
	free(tickets);
	coord_store_close(op);
}

static const char manual_router_policy[] =
	"{ \"rules\": [ { \"src\": [\"tag:web\"], \"dst\": [\"tag:router\"] } ] }\n";

/* A route approved and a node renamed by the operator reach the viewer as deltas. */
static void test_operator_approve_and_rename(void **state)
{
	char web[COORD_KEY_SECRET_SIZE], router[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct burrow_nl_prefix route = { .family = AF_INET, .len = 16 };
	const struct coord_peer *peer;
	struct coord_store *op;
	struct node *w, *r;

	(void)state;
	route.addr.v4.s_addr = htonl(0x0a1e0000);	/* 10.30.0.0 */
	change_poll_ms = 20;
	start_server(manual_router_policy);
	w = node_new("web");
	r = node_new("router");
	key_create(true, 0, "tag:web", web, id);
	key_create(true, 0, "tag:router", router, id);
	node_register(w, web, "web");
	expect_accepted(w, "web");
	node_register_routes(r, router, "router", &route, 1);
	expect_accepted(r, "router");
	wanted_count = 1;
	assert_true(run_until(has_delta, w));
	peer = coord_map_peer_by_key(&w->map, r->id.public_key);
	assert_non_null(peer);
	assert_int_equal(peer->n_routes, 0);	/* advertised, not approved */

	op = operator_store();
	assert_int_equal(coord_store_route_approve(op, "router", &route, 1), 0);
	wanted_count = 2;
	if (!run_until(has_delta, w) || w->closed)
		fail_msg("web: no delta after approval: %s", w->closed_reason);
	peer = coord_map_peer_by_key(&w->map, r->id.public_key);
	assert_non_null(peer);
	assert_int_equal(peer->n_routes, 1);
	assert_true(burrow_text_prefix_equal(&peer->routes[0], &route));

	assert_int_equal(coord_store_node_rename(op, "router", "gateway"), 0);
	coord_store_close(op);
	wanted_count = 3;
	if (!run_until(has_delta, w) || w->closed)
		fail_msg("web: no delta after rename: %s", w->closed_reason);
	assert_int_equal(w->last_delta_ids.n_changed, 1);
	peer = coord_map_peer_by_key(&w->map, r->id.public_key);
	assert_non_null(peer);
	assert_string_equal(peer->name, "gateway");
	/* the renamed node itself gets a full map with its new name */
	wanted_count = 2;
	assert_true(run_until(has_second_full, r));
	assert_string_equal(r->map.self.name, "gateway");
	assert_int_equal(w->closed + r->closed, 0);
}

/* A broken policy file is refused and the old policy stays; a valid one denying
 * alpha and beta takes both out of each other's map. */
static void test_policy_reload(void **state)
{
	char why[COORD_SERVER_ERR_MAX], where[600];
	struct node *a, *b;
	int deltas_a, deltas_b;

	(void)state;
	two_web_nodes(&a, &b);
	deltas_a = a->deltas;
	deltas_b = b->deltas;

	write_policy(policy_file, "{\n  \"rules\": [ oops ]\n}\n");
	assert_int_equal(coord_server_reload_policy(server, why, sizeof(why)), -EINVAL);
	snprintf(where, sizeof(where), "%s:2", policy_file);
	if (!strstr(why, where))
		fail_msg("reload error '%s' lacks '%s'", why, where);
	/* Still the old policy: an operator change is judged by it. */
	assert_int_equal(coord_store_node_set_endpoints(store, b->map.self.id,
							(const char *const[]){ "192.0.2.9:1" }, 1),
			 0);
	wanted_count = deltas_a + 1;
	assert_true(run_until(has_delta, a));
	assert_non_null(coord_map_peer_by_key(&a->map, b->id.public_key));
	assert_int_equal(a->last_delta_ids.n_changed, 1);

	write_policy(policy_file, "{ \"rules\": [] }\n");
	assert_int_equal(coord_server_reload_policy(server, why, sizeof(why)), 0);
	wanted_count = deltas_a + 2;
	assert_true(run_until(has_delta, a));
	wanted_count = deltas_b + 1;
	assert_true(run_until(has_delta, b));
	assert_int_equal(a->last_delta_ids.n_removed, 1);
	assert_int_equal(b->last_delta_ids.n_removed, 1);
	assert_int_equal(coord_map_size(&a->map), 0);
	assert_int_equal(coord_map_size(&b->map), 0);
	assert_int_equal(a->closed + b->closed, 0);
}

/*
 * A reload that keeps who sees whom but not which routes qualify changes
 * only the routes of the entry a node holds; the routes are the ones the
 * engine holds for the node, which the reload copies into the new engine.
 */
static void test_policy_reload_routes(void **state)
{
	char web[COORD_KEY_SECRET_SIZE], router[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct burrow_nl_prefix route = { .family = AF_INET, .len = 16 };
	char why[COORD_SERVER_ERR_MAX];
	const struct coord_peer *peer;
	struct node *w, *r;

	(void)state;
	route.addr.v4.s_addr = htonl(0x0a140000);	/* 10.20.0.0 */
	start_server(router_policy);
	w = node_new("web");
	r = node_new("router");
	key_create(true, 0, "tag:web", web, id);
	key_create(true, 0, "tag:router", router, id);
	node_register(w, web, "web");
	expect_accepted(w, "web");
	node_register_routes(r, router, "router", &route, 1);
	expect_accepted(r, "router");
	wanted_count = 1;
	assert_true(run_until(has_delta, w));
	peer = coord_map_peer_by_key(&w->map, r->id.public_key);
	assert_non_null(peer);
	assert_int_equal(peer->n_routes, 1);

	/* The router reaches web now, not the other way: web still sees it, without its route. */
	write_policy(policy_file,
		     "{ \"rules\": [ { \"src\": [\"tag:router\"], \"dst\": [\"tag:web\"] } ] }\n");
	assert_int_equal(coord_server_reload_policy(server, why, sizeof(why)), 0);
	wanted_count = 2;
	assert_true(run_until(has_delta, w));
	assert_int_equal(w->last_delta_ids.n_changed, 1);
	peer = coord_map_peer_by_key(&w->map, r->id.public_key);
	assert_non_null(peer);
	assert_int_equal(peer->n_routes, 0);
	assert_int_equal(peer->n_endpoints, 2);	/* observed, reported */

	write_policy(policy_file, router_policy);
	assert_int_equal(coord_server_reload_policy(server, why, sizeof(why)), 0);
	wanted_count = 3;
	assert_true(run_until(has_delta, w));
	peer = coord_map_peer_by_key(&w->map, r->id.public_key);
	assert_non_null(peer);
	assert_int_equal(peer->n_routes, 1);
	assert_true(burrow_text_prefix_equal(&peer->routes[0], &route));
	assert_int_equal(w->map.version, 4);
	assert_int_equal(r->deltas, 0);
	assert_int_equal(w->closed + r->closed, 0);
}

/* ---- reload: only affected nodes, the catch-up queue ---------------------- */

static bool time_passed(const void *arg)
{
	return burrow_quic_now() >= *(const uint64_t *)arg;
}

/* Drive everything for ms milliseconds. */
static void run_for(uint64_t ms)
{
	uint64_t until = burrow_quic_now() + ms * 1000000ull;

	assert_true(run_until(time_passed, &until));
}

struct map_sizes {
	struct node **nodes;
	const size_t *sizes;
	size_t n;
};

static bool maps_have_sizes(const void *arg)
{
	const struct map_sizes *m = arg;

	for (size_t i = 0; i < m->n; i++)
		if (coord_map_size(&m->nodes[i]->map) != m->sizes[i])
			return false;
	return true;
}

#define GROUPS_POLICY(a, b) \
	"{ \"groups\": { \"group:a\": [" a "], \"group:b\": [" b "] }, \"rules\": [ " \
	"{ \"src\": [\"group:a\"], \"dst\": [\"group:a\"] }, " \
	"{ \"src\": [\"group:b\"], \"dst\": [\"group:b\"] } ] }\n"

/*
 * A reload that edits one group's membership sends deltas to that
 * group's old and new members and to nobody else: the other group's maps
 * keep their version, and no connection is left queued.
 */
static void test_policy_reload_affected_only(void **state)
{
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE], why[COORD_SERVER_ERR_MAX];
	const char *names[] = { "a1", "a2", "b1", "b2", "c1" };
	struct node *n[5];
	int deltas[5];
	uint64_t versions[5];
	size_t before[] = { 1, 1, 1, 1, 0 }, after[] = { 2, 2, 1, 1, 2 };
	struct map_sizes want = { .nodes = n, .sizes = before, .n = 5 };

	(void)state;
	start_server(GROUPS_POLICY("\"node:a1\", \"node:a2\"", "\"node:b1\", \"node:b2\""));
	key_create(true, 0, NULL, secret, id);
	for (int i = 0; i < 5; i++) {
		n[i] = node_new(names[i]);
		node_register(n[i], secret, names[i]);
		expect_accepted(n[i], names[i]);
	}
	assert_true(run_until(maps_have_sizes, &want));
	run_for(100);
	for (int i = 0; i < 5; i++) {
		deltas[i] = n[i]->deltas;
		versions[i] = n[i]->map.version;
	}

	/* c1 joins group a */
	write_policy(policy_file,
		     GROUPS_POLICY("\"node:a1\", \"node:a2\", \"node:c1\"",
				   "\"node:b1\", \"node:b2\""));
	assert_int_equal(coord_server_reload_policy(server, why, sizeof(why)), 0);
	want.sizes = after;
	assert_true(run_until(maps_have_sizes, &want));
	run_for(200);
	assert_int_equal(coord_server_reload_pending(server), 0);
	assert_int_equal(n[0]->deltas, deltas[0] + 1);
	assert_int_equal(n[1]->deltas, deltas[1] + 1);
	assert_int_equal(n[4]->deltas, deltas[4] + 1);
	assert_non_null(coord_map_peer_by_key(&n[0]->map, n[4]->id.public_key));
	assert_non_null(coord_map_peer_by_key(&n[4]->map, n[1]->id.public_key));
	/* group b's rule did not change: no delta, the same map version */
	for (int i = 2; i < 4; i++) {
		assert_int_equal(n[i]->deltas, deltas[i]);
		assert_int_equal(n[i]->map.version, versions[i]);
	}
	for (int i = 0; i < 5; i++)
		assert_int_equal(n[i]->closed, 0);

	/* The same policy again: nobody. */
	assert_int_equal(coord_server_reload_policy(server, why, sizeof(why)), 0);
	assert_int_equal(coord_server_reload_pending(server), 0);
	run_for(100);
	assert_int_equal(n[0]->deltas, deltas[0] + 1);
	assert_int_equal(n[2]->deltas, deltas[2]);
}

static size_t n_reload_nodes;

static bool reload_nodes_see_nobody(const void *arg)
{
	(void)arg;
	for (size_t i = 0; i < n_reload_nodes; i++)
		if (nodes[i].conn && coord_map_size(&nodes[i].map) != 0)
			return false;
	return coord_server_reload_pending(server) == 0;
}

/*
 * A connection freed while the catch-up queue holds it: one delta per
 * loop turn (a 1 ns batch), the last queued node's CONNECTION_CLOSE read
 * after the reload queued it. The free takes it off the queue (without
 * that, the next turn would use freed memory, which AddressSanitizer
 * reports), the others still get their deltas.
 */
static void test_policy_reload_queue_free(void **state)
{
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE], why[COORD_SERVER_ERR_MAX];
	struct pollfd pfd;
	struct node *n[5];
	size_t sizes[5] = { 4, 4, 4, 4, 4 };
	struct map_sizes want = { .nodes = n, .sizes = sizes, .n = 5 };
	uint64_t until;

	(void)state;
	reload_batch_ns = 1;
	start_server("{ \"rules\": [ { \"src\": [\"*\"], \"dst\": [\"*\"] } ] }\n");
	key_create(true, 0, NULL, secret, id);
	for (int i = 0; i < 5; i++) {
		char name[8];

		snprintf(name, sizeof(name), "q%d", i);
		n[i] = node_new(name);
		node_register(n[i], secret, name);
		expect_accepted(n[i], name);
	}
	assert_true(run_until(maps_have_sizes, &want));
	run_for(100);

	/* q4 (the last id, the queue's tail) closes; its datagram waits in the server's socket */
	burrow_quic_close(n[4]->conn, 0, "bye");
	burrow_quic_endpoint_handle_expiry(n[4]->ep);
	pfd = (struct pollfd){ .fd = server_fd, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 1000), 1);

	write_policy(policy_file, "{ \"rules\": [] }\n");
	assert_int_equal(coord_server_reload_policy(server, why, sizeof(why)), 0);
	assert_int_equal(coord_server_reload_pending(server), 4);	/* one done in the call */
	until = burrow_quic_now() + 1000000000ull;
	while (coord_server_connections(server) == 5 && burrow_quic_now() < until) {
		assert_int_equal(poll(&pfd, 1, 100) >= 0, 1);
		assert_int_equal(coord_server_read(server), 0);
	}
	assert_int_equal(coord_server_connections(server), 4);
	assert_int_equal(coord_server_reload_pending(server), 3);

	n_reload_nodes = 4;
	assert_true(run_until(reload_nodes_see_nobody, NULL));
	for (int i = 0; i < 4; i++)
		assert_int_equal(n[i]->closed, 0);
}

/* ---- many connections ----------------------------------------------------- */

/* More than the connection index's first 64 buckets, so it grows while nodes join. */
#define MANY_NODES 70

/* Every node still connected holds *arg peers. */
static bool live_maps_have(const void *arg)
{
	size_t want = *(const size_t *)arg;

	for (size_t i = 0; i < n_nodes; i++)
		if (nodes[i].conn && coord_map_size(&nodes[i].map) != want)
			return false;
	return true;
}

static size_t wanted_connections;

static bool server_has_wanted_connections(const void *arg)
{
	(void)arg;
	return coord_server_connections(server) == wanted_connections;
}

/* Every node still connected other than *arg sees *arg at port 4000. */
static bool live_maps_see_moved(const void *arg)
{
	const struct node *moved = arg;

	for (size_t i = 0; i < n_nodes; i++) {
		const struct coord_peer *peer;

		if (!nodes[i].conn || &nodes[i] == moved)
			continue;
		peer = coord_map_peer_by_key(&nodes[i].map, moved->id.public_key);
		if (!peer || peer->n_endpoints != 2 || peer->endpoints[1].port != 4000)
			return false;
	}
	return true;
}

/*
 * Seventy connected nodes that all see each other: one leaves on its own,
 * one in the middle is removed by the operator, one moves. The others'
 * deltas keep arriving in version order, and the node that left comes
 * back to a full map that says all of it.
 */
static void test_many_connections(void **state)
{
	char web[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE], name[16];
	struct burrow_nl_endpoint moved = { .family = AF_INET, .port = 4000 };
	struct node *left, *removed, *mover;
	const struct coord_peer *peer;
	struct coord_store *op;
	struct coord_buf b;
	size_t want, i;
	int fulls;

	(void)state;
	moved.addr.v4.s_addr = htonl(0xc6336401);	/* 198.51.100.1 */
	change_poll_ms = 20;
	start_server(web_policy);
	key_create(true, 0, "tag:web", web, id);
	for (i = 0; i < MANY_NODES; i++) {
		struct node *n;

		snprintf(name, sizeof(name), "n%zu", i);
		n = node_new(name);
		node_register(n, web, name);
		expect_accepted(n, name);
	}
	want = MANY_NODES - 1;
	if (!run_until(live_maps_have, &want))
		fail_msg("not every node sees the %zu others", want);
	assert_int_equal(coord_server_connections(server), MANY_NODES);

	/* n35 closes its connection: it stays registered, so it stays in the maps. */
	left = &nodes[35];
	burrow_quic_close(left->conn, 0, "leaving");
	wanted_connections = MANY_NODES - 1;
	assert_true(run_until(server_has_wanted_connections, NULL));

	/* The operator removes n20: it is cut off and leaves every map. */
	removed = &nodes[20];
	op = operator_store();
	assert_int_equal(coord_store_node_remove(op, "n20"), 0);
	coord_store_close(op);
	if (!run_until(is_closed, removed))
		fail_msg("n20 stays connected");
	if (!strstr(removed->closed_reason, "was removed"))
		fail_msg("n20 closed: %s", removed->closed_reason);
	want = MANY_NODES - 2;
	if (!run_until(live_maps_have, &want))
		fail_msg("n20 stays in some map");

	/* n50 moves: every connected node gets its new endpoint. */
	mover = &nodes[50];
	coord_buf_init(&b);
	assert_int_equal(coord_msg_endpoints_encode(&b, &moved, 1, NULL, 0), 0);
	node_send(mover, &b);
	coord_buf_free(&b);
	if (!run_until(live_maps_see_moved, mover))
		fail_msg("n50's new endpoint does not reach every node");

	/* n35 comes back without a key and gets all of that in one full map. */
	fulls = left->fulls;
	node_register(left, "", "n35");
	assert_true(left->have_result && left->result.accepted);
	wanted_count = fulls + 1;
	assert_true(run_until(has_second_full, left));
	assert_int_equal(coord_map_size(&left->map), MANY_NODES - 2);
	assert_null(coord_map_peer_by_key(&left->map, removed->id.public_key));
	peer = coord_map_peer_by_key(&left->map, mover->id.public_key);
	assert_non_null(peer);
	assert_int_equal(peer->endpoints[1].port, 4000);
	for (i = 0; i < n_nodes; i++)
		if (&nodes[i] != removed && nodes[i].closed)
			fail_msg("%s closed: %s", nodes[i].name, nodes[i].closed_reason);
}

/* ---- the coordinator behind a relay ------------------------------------- */

static bool has_bind(const void *arg)
{
	const struct node *n = arg;

	return n->relay_binds >= wanted_count || n->closed;
}

/*
 * A control ticket the operator issues reaches its relay, connected, as
 * RELAY_BIND with the ticket's bytes (the change log); a relay that
 * registers again is sent every live one (a revoked one is not: its id
 * goes as RELAY_REVOKE); no other node hears of them.
 */
static void test_control_ticket_binds_relay(void **state)
{
	char why[512], endpoint[COORD_ADDR_SIZE + 8];
	uint8_t bytes[2][COORD_RELAY_TICKET_LEN], node_key[32];
	struct burrow_relay_ticket t[2], scratch;
	struct coord_store *op;
	struct node *a, *b, *g;
	uint64_t now = (uint64_t)wall_ms() / 1000;

	(void)state;
	g = relay_setup(&a, &b, true);
	assert_int_equal(g->relay_binds, 0);
	memset(node_key, 0x5a, 32);	/* a node not registered yet */
	op = operator_store();
	for (int i = 0; i < 2; i++) {
		if (coord_control_ticket_issue(op, server_id.private_key_pem, server_id.public_key,
					       "gamma", node_key, 3600, now, &t[i], endpoint, why,
					       sizeof(why)) < 0)
			fail_msg("control ticket: %s", why);
		assert_int_equal(burrow_relay_ticket_encode(&t[i], bytes[i]), 0);
		/* the relay's endpoint, where the coordinator sees it */
		assert_string_equal(endpoint, observed_text(g));
		/* every live one is sent again with the new one: 1, then 1 + 2 */
		wanted_count = i ? 3 : 1;
		if (!run_until(has_bind, g) || g->closed)
			fail_msg("gamma: no RELAY_BIND: %s", g->closed_reason);
	}
	run_for(150);
	assert_int_equal(g->relay_binds, 3);
	assert_int_equal(g->bind_ids[0], t[0].id);
	assert_true((g->bind_ids[1] == t[0].id && g->bind_ids[2] == t[1].id) ||
		    (g->bind_ids[1] == t[1].id && g->bind_ids[2] == t[0].id));
	/* not a relay: refused */
	assert_int_equal(coord_control_ticket_issue(op, server_id.private_key_pem,
						    server_id.public_key, "alpha", node_key, 3600,
						    now, &scratch, endpoint, why, sizeof(why)), -EACCES);
	assert_non_null(strstr(why, "'alpha' is not a relay"));
	assert_int_equal(coord_store_relay_ticket_revoke(op, t[1].id), 0);
	coord_store_close(op);
	wanted_count = 1;
	if (!run_until(has_revoke, g) || g->closed)
		fail_msg("gamma: no RELAY_REVOKE: %s", g->closed_reason);
	assert_int_equal(g->last_revoked, t[1].id);
	assert_int_equal(g->relay_binds, 3);

	/* registering again: RELAY_BIND for the live one only, then nothing more */
	node_register(g, "", "gamma");
	expect_accepted(g, "gamma");
	wanted_count = 4;
	if (!run_until(has_bind, g) || g->closed)
		fail_msg("gamma: no RELAY_BIND after registering: %s", g->closed_reason);
	run_for(150);
	assert_int_equal(g->relay_binds, 4);
	assert_int_equal(g->bind_ids[3], t[0].id);
	assert_memory_equal(g->last_bind, bytes[0], COORD_RELAY_TICKET_LEN);
	assert_int_equal(a->relay_binds + b->relay_binds, 0);
}

static bool has_control_ticket(const void *arg)
{
	const struct node *n = arg;

	return n->control_tickets >= wanted_count || n->closed;
}

static bool bound_id(const struct node *relay, uint32_t id)
{
	for (int i = 0; i < relay->relay_binds && i < 32; i++)
		if (relay->bind_ids[i] == id)
			return true;
	return false;
}

static uint32_t renew_wanted;

static bool relay_bound_renewal(const void *arg)
{
	const struct node *n = arg;

	return bound_id(n, renew_wanted) || n->closed;
}

/* The ticket a node was sent in CONTROL_TICKET, checked as the node checks it. */
static void expect_renewal(const struct node *n, const struct node *relay,
			   const struct burrow_relay_ticket *old, struct burrow_relay_ticket *t)
{
	const char *why = NULL;

	if (burrow_relay_ticket_decode(n->last_control, sizeof(n->last_control), t, &why))
		fail_msg("%s: CONTROL_TICKET: %s", n->name, why);
	assert_int_equal(burrow_relay_ticket_verify(t, server_id.public_key,
						    relay->id.public_key, n->id.public_key,
						    (uint64_t)fake_clock_ms() / 1000),
			 BURROW_RELAY_TICKET_OK);
	assert_non_null(burrow_relay_ticket_other(t, n->id.public_key));
	assert_memory_equal(burrow_relay_ticket_other(t, n->id.public_key), server_id.public_key,
			    32);
	assert_int_not_equal(t->id, old->id);
	assert_true(t->expiry > old->expiry);
}

/*
 * Control-ticket renewal: a node connected through a relay with a control
 * ticket is sent CONTROL_TICKET, and the relay RELAY_BIND, for a new
 * ticket with the same lifetime once less than half of it is left (the
 * server's clock moved forward here), not before and only once; a node
 * that registers with a ticket already past half its life gets one at
 * once, and again (the same) when it comes back with the old one; a
 * revoked ticket is never renewed; nodes not through a relay get nothing.
 */
static void test_control_ticket_renewal(void **state)
{
	char key[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	char why[512], endpoint[COORD_ADDR_SIZE + 8];
	struct burrow_relay_ticket t0, t1, t2, t3, again;
	struct coord_control_ticket rec;
	struct node *a, *b, *g, *dl, *ep;
	struct coord_store *op;
	const char *bad = NULL;
	uint64_t now = (uint64_t)wall_ms() / 1000;

	(void)state;
	g = relay_setup(&a, &b, true);
	key_create(true, 0, "tag:web", key, id);
	op = operator_store();

	/* epsilon's ticket was issued 60 s ago for 100 s: past half-life at registration */
	ep = node_new("epsilon");
	if (coord_control_ticket_issue(op, server_id.private_key_pem, server_id.public_key,
				       "gamma", ep->id.public_key, 100, now - 60, &t2, endpoint,
				       why, sizeof(why)) < 0)
		fail_msg("control ticket: %s", why);
	ep->relay_ticket = t2.id;
	node_register(ep, key, "epsilon");
	expect_accepted(ep, "epsilon");
	wanted_count = 1;
	if (!run_until(has_control_ticket, ep) || ep->closed)
		fail_msg("epsilon: no CONTROL_TICKET: %s", ep->closed_reason);
	expect_renewal(ep, g, &t2, &t3);
	assert_true(t3.expiry >= now + 100 && t3.expiry <= now + 102);	/* same lifetime */
	assert_int_equal(coord_store_control_ticket_get(op, t2.id, &rec), 0);
	assert_int_equal(rec.renewed_by, t3.id);
	renew_wanted = t3.id;
	if (!run_until(relay_bound_renewal, g) || g->closed)
		fail_msg("gamma: no RELAY_BIND for the renewal: %s", g->closed_reason);
	/* back with the old ticket: sent the same renewal, not a third ticket */
	node_register(ep, "", "epsilon");
	expect_accepted(ep, "epsilon");
	wanted_count = 2;
	if (!run_until(has_control_ticket, ep) || ep->closed)
		fail_msg("epsilon: no CONTROL_TICKET again: %s", ep->closed_reason);
	assert_int_equal(burrow_relay_ticket_decode(ep->last_control, sizeof(ep->last_control),
						    &again, &bad), BURROW_RELAY_TICKET_OK);
	assert_int_equal(again.id, t3.id);
	assert_int_equal(coord_store_control_ticket_get(op, t3.id, &rec), 0);
	assert_int_equal(rec.renewed_by, 0);
	/* revoked: never renewed, even past half-life */
	assert_int_equal(coord_store_relay_ticket_revoke(op, t3.id), 0);

	/* delta's ticket: 100 s from now */
	dl = node_new("delta");
	if (coord_control_ticket_issue(op, server_id.private_key_pem, server_id.public_key,
				       "gamma", dl->id.public_key, 100, now, &t0, endpoint, why,
				       sizeof(why)) < 0)
		fail_msg("control ticket: %s", why);
	dl->relay_ticket = t0.id;
	node_register(dl, key, "delta");
	expect_accepted(dl, "delta");
	run_for(150);
	assert_int_equal(dl->control_tickets, 0);
	/* 40 s on: 60 s left of 100, more than half */
	clock_offset_ms = 40 * 1000;
	run_for(300);
	assert_int_equal(dl->control_tickets, 0);
	/* 51 s on: less than half left: renewed, the relay told first */
	clock_offset_ms = 51 * 1000;
	wanted_count = 1;
	if (!run_until(has_control_ticket, dl) || dl->closed)
		fail_msg("delta: no CONTROL_TICKET: %s", dl->closed_reason);
	expect_renewal(dl, g, &t0, &t1);
	assert_true(t1.expiry >= t0.expiry + 50 && t1.expiry <= t0.expiry + 53);
	renew_wanted = t1.id;
	if (!run_until(relay_bound_renewal, g) || g->closed)
		fail_msg("gamma: no RELAY_BIND for the renewal: %s", g->closed_reason);
	assert_int_equal(coord_store_control_ticket_get(op, t0.id, &rec), 0);
	assert_int_equal(rec.renewed_by, t1.id);
	assert_int_equal(coord_store_control_ticket_get(op, t1.id, &rec), 0);
	assert_true(rec.issued >= now + 51 && rec.issued <= now + 53);	/* issued at its clock */
	/* once: the next checks find the renewal, not yet due */
	run_for(300);
	assert_int_equal(dl->control_tickets, 1);
	/* epsilon's t3 is past half-life by now too, but revoked */
	assert_int_equal(ep->control_tickets, 2);
	assert_int_equal(coord_store_control_ticket_get(op, t3.id, &rec), 0);
	assert_int_equal(rec.renewed_by, 0);
	/* direct nodes and the relay get none */
	assert_int_equal(a->control_tickets + b->control_tickets + g->control_tickets, 0);
	assert_int_equal(dl->closed + ep->closed, 0);
	coord_store_close(op);
}

/*
 * run --egress-relay: a node's direct REGISTER is refused naming the relay;
 * the relay registers directly (and is observed); a node through a relay
 * is accepted, gets no OBSERVED_ADDRESS and its candidates in the store
 * are only what it reported, never the relay's address.
 */
static void test_egress_relay(void **state)
{
	char key[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct coord_endpoint *endpoints;
	struct coord_node node;
	struct node *direct, *relayed, *relay;
	size_t n;

	(void)state;
	egress_relay = "gamma";
	start_server(web_policy);
	key_create(true, 0, "tag:web", key, id);

	direct = node_new("direct");
	node_register(direct, key, "direct");
	expect_refused(direct, COORD_REFUSED_RELAY_ONLY,
		       "this coordinator is reached only through relay gamma");
	assert_int_equal(coord_store_node_get_by_key(store, direct->id.public_key, &node),
			 -ENOENT);

	relay = node_new("gamma");
	relay->register_flags = COORD_REGISTER_RELAY;
	node_register(relay, key, "gamma");
	expect_accepted(relay, "gamma");
	assert_int_equal(relay->observed_count, 1);

	relayed = node_new("alpha");
	relayed->relay_ticket = 4242;
	node_register(relayed, key, "alpha");
	expect_accepted(relayed, "alpha");
	assert_int_equal(burrow_quic_conn_relay_ticket(relayed->conn), 4242);
	/* MAP_DELTA about gamma-free alpha: let every message arrive */
	run_for(150);
	assert_int_equal(relayed->observed_count, 0);
	assert_int_equal(coord_store_node_get_by_name(store, "alpha", &node), 0);
	assert_int_equal(coord_store_node_endpoints(store, node.id, &endpoints, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(endpoints[0].text, "192.0.2.1:51820");
	free(endpoints);
	coord_store_node_clear(&node);
	/* and its later messages do not make it "move" to the relay's address */
	{
		struct coord_buf b;

		coord_buf_init(&b);
		assert_int_equal(coord_msg_map_request_full_encode(&b, 0), 0);
		node_send(relayed, &b);
		coord_buf_free(&b);
		wanted_count = 2;
		assert_true(run_until(has_second_full, relayed));
		assert_int_equal(relayed->fulls, 2);
	}
	assert_int_equal(relayed->observed_count, 0);
	assert_int_equal(relayed->closed, 0);

	/* a relay connected through a relay: accepted, but not used as a relay */
	{
		char endpoint[COORD_ADDR_SIZE + 8];
		struct node *r2 = node_new("relay2");

		r2->register_flags = COORD_REGISTER_RELAY;
		r2->relay_ticket = 4343;
		node_register(r2, key, "relay2");
		expect_accepted(r2, "relay2");
		assert_int_equal(coord_store_node_get_by_name(store, "relay2", &node), 0);
		assert_int_equal(coord_store_node_relay(store, node.id, endpoint), -ENOENT);
		coord_store_node_clear(&node);
		assert_int_equal(coord_store_node_get_by_name(store, "gamma", &node), 0);
		assert_int_equal(coord_store_node_relay(store, node.id, endpoint), 0);
		assert_string_equal(endpoint, observed_text(relay));
		coord_store_node_clear(&node);
	}
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T(test_register_accepted),
		T(test_register_refusals),
		T(test_reregister_without_key),
		T(test_policy_maps_and_delta),
		T(test_routes_and_endpoints),
		T(test_observed_follows_rebinding),
		T(test_malformed_capsule_closes),
		T(test_operator_remove_cuts_off),
		T(test_operator_expire_cuts_off),
		T(test_expiry_time_cuts_off),
		T(test_operator_approve_and_rename),
		T(test_relay_revoke_reaches_relay),
		T(test_control_ticket_binds_relay),
		T(test_control_ticket_renewal),
		T(test_egress_relay),
		T(test_relay_fallback_offers_both),
		T(test_relay_fallback_refusals),
		T(test_relay_fallback_not_one_of_pair),
		T(test_relay_fallback_rate_limit),
		T(test_policy_reload),
		T(test_policy_reload_routes),
		T(test_policy_reload_affected_only),
		T(test_policy_reload_queue_free),
		T(test_many_connections),
		cmocka_unit_test(test_cli_run_arguments),
		T(test_cli_run_serves_until_sigterm),
	};

	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
