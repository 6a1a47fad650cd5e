// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd's coordinator connection (userspace/mesh.c) over real QUIC on
 * loopback, for control-plane egress through a relay (brief D12):
 *  - a relay node (direct to its coordinator) told RELAY_BIND binds the
 *    coordinator's side with the pinned key as the party, at the address
 *    of its coordination connection; a node that is no relay ignores it;
 *    a malformed one closes the connection with COORD_CLOSE_PROTOCOL;
 *  - a node configured with [coordinator] relay: an expired control ticket
 *    is never presented; a refused one is kept as last_error and presented
 *    again on the reconnect backoff; an admitted one ("waiting for the
 *    other party") is followed by a dial through the relay. Status names
 *    the relay and ticket and never a coordinator address.
 * The coordinator here is a bare QUIC server that speaks just enough of
 * burrow-coord/1 (REGISTER -> REGISTER_RESULT, then what a test queues);
 * the relay is relay_admit.c's server with the kernel faked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "alpn.h"
#include "capsule.h"
#include "config.h"
#include "coord_msg.h"
#include "identity.h"
#include "mesh.h"
#include "relay_admit.h"
#include "relay_use.h"
#include "session.h"
#include "store.h"

static struct burrow_identity coord, node, relay_id;
static struct burrow_loop *loop;
static struct burrow_timer poll_timer;
static bool (*until)(void);
static uint64_t deadline;

/* ---- loopback endpoints ------------------------------------------------------------- */

static int udp_socket(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)addr, sizeof(*addr)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)addr, &len), 0);
	return fd;
}

/* A server endpoint on the test's loop (the coordinator, the relay). */
struct server {
	int fd;
	struct sockaddr_in addr;
	struct burrow_quic_endpoint *ep;
	struct burrow_timer timer;
	struct burrow_alpn_registry reg;
};

static void server_rearm(struct server *s)
{
	burrowd_quic_timer_rearm(loop, s->ep, &s->timer);
}

static void server_on_udp(void *arg)
{
	struct server *s = arg;

	burrow_quic_endpoint_read(s->ep);
	server_rearm(s);
}

static void server_on_timer(void *arg)
{
	struct server *s = arg;

	burrow_quic_endpoint_handle_expiry(s->ep);
	server_rearm(s);
}

static void server_start(struct server *s, const struct burrow_identity *id)
{
	struct burrow_quic_settings qs = { .alpn = BURROW_QUIC_ALPN };

	s->fd = udp_socket(&s->addr);
	qs.private_key_pem = id->private_key_pem;
	qs.accept_alpns = burrow_alpn_accept_list(&s->reg);
	s->ep = burrow_quic_endpoint_new(s->fd, &qs, &burrow_alpn_callbacks, &s->reg);
	assert_non_null(s->ep);
	burrow_timer_init(&s->timer, server_on_timer, s);
	assert_int_equal(burrow_loop_add_fd(loop, s->fd, server_on_udp, s), 0);
}

static void server_stop(struct server *s)
{
	burrow_loop_del_fd(loop, s->fd);
	burrow_timer_cancel(loop, &s->timer);
	burrow_quic_endpoint_free(s->ep);
	close(s->fd);
	memset(s, 0, sizeof(*s));
}

/* ---- the coordinator: REGISTER -> REGISTER_RESULT, then the queued capsules ---------- */

static struct server coord_srv;
static struct burrow_quic_conn *coord_conn;
static int64_t coord_sid = -1;
static struct burrow_capsule_reader coord_reader;
static int registers;
static bool coord_closed;
static uint64_t coord_close_code;	/* the node's application error */
static struct coord_buf after_register;	/* sent after REGISTER_RESULT */

static int coord_authorize(const uint8_t public_key[32], const struct sockaddr *remote,
			   void **conn_user, void *endpoint_user)
{
	(void)remote;
	(void)conn_user;
	(void)endpoint_user;
	return memcmp(public_key, node.public_key, 32) ? -1 : 0;
}

static void coord_established(struct burrow_quic_conn *conn, void *conn_user)
{
	(void)conn_user;
	coord_conn = conn;
	coord_closed = false;
}

static void coord_send(const struct coord_buf *b)
{
	assert_int_equal(b->error, 0);
	assert_int_equal(burrow_quic_send(coord_conn, coord_sid, b->data, b->len, false), 0);
	server_rearm(&coord_srv);
}

static void coord_stream_data(struct burrow_quic_conn *conn, int64_t sid, const uint8_t *data,
			      size_t len, bool fin, void *conn_user)
{
	struct coord_register_result ok = { .accepted = true };
	struct burrow_capsule cap;
	struct coord_buf b;
	char why[128];

	(void)fin;
	(void)conn_user;
	coord_conn = conn;
	coord_sid = sid;
	assert_int_equal(burrow_capsule_reader_push(&coord_reader, data, len), 0);
	while (burrow_capsule_reader_next(&coord_reader, &cap) == 1) {
		if (cap.type != COORD_MSG_REGISTER)
			continue;
		registers++;
		snprintf(ok.name, sizeof(ok.name), "node-a");
		ok.addresses.ipv4.family = AF_INET;
		ok.addresses.ipv4.len = 10;
		inet_pton(AF_INET, "100.64.0.1", ok.addresses.ipv4.addr.bytes);
		ok.addresses.ipv6.family = AF_INET6;
		ok.addresses.ipv6.len = 48;
		inet_pton(AF_INET6, "fd7a:1:2::1", ok.addresses.ipv6.addr.bytes);
		coord_buf_init(&b);
		assert_int_equal(coord_msg_register_result_encode(&b, &ok, why, sizeof(why)), 0);
		coord_send(&b);
		coord_buf_free(&b);
		if (after_register.len)
			coord_send(&after_register);
	}
}

static void coord_on_closed(struct burrow_quic_conn *conn, const char *reason, void *conn_user)
{
	(void)reason;
	(void)conn_user;
	if (conn != coord_conn)
		return;
	coord_closed = true;
	if (!burrow_quic_peer_app_error(conn, &coord_close_code))
		coord_close_code = UINT64_MAX;
	coord_conn = NULL;
}

static const struct burrow_quic_callbacks coord_callbacks = {
	.authorize = coord_authorize,
	.established = coord_established,
	.stream_data = coord_stream_data,
	.closed = coord_on_closed,
};

/* ---- the relay: relay_admit.c's server, the kernel faked ------------------------------ */

static struct server relay_srv;
static struct burrow_relay *relay;
static char relay_text[32];

static int fake_ok(void *arg, const struct burrow_nl_relay *e)
{
	(void)arg;
	(void)e;
	return 0;
}

static int fake_del(void *arg, uint32_t id)
{
	(void)arg;
	(void)id;
	return 0;
}

static int refuse_all(const uint8_t public_key[32], const struct sockaddr *remote,
		      void **conn_user, void *endpoint_user)
{
	(void)public_key;
	(void)remote;
	(void)conn_user;
	(void)endpoint_user;
	return -1;
}

static const struct burrow_quic_callbacks refuse_callbacks = { .authorize = refuse_all };

/* ---- the node: burrowd's endpoint, a mesh --------------------------------------------- */

static struct burrowd d;
static struct burrow_config *current;
static struct burrow_store *node_store;		/* the node's state, for node_start; NULL: none */
static struct burrow_alpn_registry node_reg;
static int binds;
static uint8_t bind_party[32];
static struct sockaddr_in bind_from;

static unsigned on_bind(struct burrowd *dd, const uint8_t party[32], const struct sockaddr *from,
			const uint8_t *ticket, size_t len, const char **why)
{
	(void)dd;
	(void)ticket;
	assert_int_equal(len, BURROW_RELAY_TICKET_LEN);
	binds++;
	memcpy(bind_party, party, 32);
	assert_int_equal(from->sa_family, AF_INET);
	memcpy(&bind_from, from, sizeof(bind_from));
	*why = "waiting for the other party";
	return 0;
}

static void node_start(const char *coordinator_section)
{
	struct burrow_quic_settings qs = { .alpn = BURROW_QUIC_ALPN };
	char text[2048], err[BURROW_CONFIG_ERR_MAX] = "";
	struct sockaddr_in addr;

	snprintf(text, sizeof(text), "[node]\nname = a\n[dns]\nenabled = no\n%s",
		 coordinator_section);
	current = calloc(1, sizeof(*current));
	assert_non_null(current);
	if (burrow_config_parse_string(text, "t.conf", current, err, sizeof(err)))
		fail_msg("%s", err);
	memset(&d, 0, sizeof(d));
	memset(&node_reg, 0, sizeof(node_reg));
	coord_closed = false;
	d.loop = loop;
	d.config = current;
	d.store = node_store;
	d.udp_family = AF_INET;
	d.settings.backoff_min_ms = 1000;
	d.settings.backoff_max_ms = 60000;
	burrow_public_key_to_text(node.public_key, d.public_key_text);
	assert_int_equal(burrowd_mesh_init(&d, &current), 0);
	assert_non_null(d.mesh);
	assert_int_equal(burrow_alpn_register(&node_reg, BURROW_QUIC_ALPN, &burrowd_quic_callbacks,
					      &d), 0);
	assert_int_equal(burrowd_mesh_register_alpn(&d, &node_reg), 0);
	assert_int_equal(burrowd_relay_use_register_alpn(&d, &node_reg, NULL, NULL), 0);
	d.udp_fd = udp_socket(&addr);
	qs.private_key_pem = node.private_key_pem;
	qs.accept_alpns = burrow_alpn_accept_list(&node_reg);
	d.quic = burrow_quic_endpoint_new(d.udp_fd, &qs, &burrow_alpn_callbacks, &node_reg);
	assert_non_null(d.quic);
	burrow_timer_init(&d.quic_timer, burrowd_on_quic_timer, &d);
	assert_int_equal(burrow_loop_add_fd(loop, d.udp_fd, burrowd_on_udp, &d), 0);
	assert_int_equal(burrowd_mesh_connect(&d), 0);
}

static void node_stop(void)
{
	d.stopping = true;
	burrowd_mesh_stop(&d);
	burrow_loop_del_fd(loop, d.udp_fd);
	burrow_timer_cancel(loop, &d.quic_timer);
	burrow_quic_endpoint_free(d.quic);
	burrowd_mesh_free(&d);
	burrowd_relay_use_free(&d);
	close(d.udp_fd);
	burrow_config_free(current);
	free(current);
	current = NULL;
}

static char *status(bool json)
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	burrowd_mesh_write_status(&d, f, json);
	fclose(f);
	return buf;
}

/* ---- waiting ---------------------------------------------------------------------------- */

static void poll_fired(void *arg)
{
	(void)arg;
	if (until() || burrow_now_ns() > deadline) {
		burrow_loop_stop(loop);
		return;
	}
	burrow_timer_arm_in(loop, &poll_timer, 2 * BURROW_NSEC_PER_MSEC);
}

static bool run_until_ms(bool (*pred)(void), uint64_t ms)
{
	until = pred;
	deadline = burrow_now_ns() + ms * BURROW_NSEC_PER_MSEC;
	burrow_timer_arm_in(loop, &poll_timer, 0);
	burrow_loop_run(loop);
	return pred();
}

static bool run_until(bool (*pred)(void))
{
	return run_until_ms(pred, 20000);
}

static void make_id(struct burrow_identity *id, const char *dir, const char *name)
{
	char path[128], err[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(burrow_identity_generate(path, id, err, sizeof(err)), 0);
	unlink(path);
}

static int setup(void **state)
{
	char dir[] = "/tmp/burrow-mesh-relay-XXXXXX";
	struct burrow_relay_ops ops = { .entry_new = fake_ok, .entry_set = fake_ok,
					.entry_del = fake_del };

	(void)state;
	assert_non_null(mkdtemp(dir));
	make_id(&coord, dir, "coord");
	make_id(&node, dir, "node");
	make_id(&relay_id, dir, "relay");
	rmdir(dir);
	loop = burrow_loop_new(NULL, NULL);
	assert_non_null(loop);
	burrow_timer_init(&poll_timer, poll_fired, NULL);
	coord_msg_reader_init(&coord_reader);
	/* burrow/1 first (the endpoint's own, refused here), then the one served */
	assert_int_equal(burrow_alpn_register(&coord_srv.reg, BURROW_QUIC_ALPN, &refuse_callbacks,
					      NULL), 0);
	assert_int_equal(burrow_alpn_register(&relay_srv.reg, BURROW_QUIC_ALPN, &refuse_callbacks,
					      NULL), 0);
	assert_int_equal(burrow_alpn_register(&coord_srv.reg, COORD_MSG_ALPN, &coord_callbacks,
					      NULL), 0);
	server_start(&coord_srv, &coord);
	relay = burrow_relay_new(coord.public_key, relay_id.public_key, &ops);
	assert_non_null(relay);
	assert_int_equal(burrow_alpn_register(&relay_srv.reg, BURROW_RELAY_ALPN,
					      &burrow_relay_callbacks, relay), 0);
	server_start(&relay_srv, &relay_id);
	snprintf(relay_text, sizeof(relay_text), "127.0.0.1:%u", ntohs(relay_srv.addr.sin_port));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	server_stop(&coord_srv);
	server_stop(&relay_srv);
	burrow_relay_free(relay);
	burrow_capsule_reader_free(&coord_reader);
	burrow_loop_free(loop);
	coord_buf_free(&after_register);
	burrow_identity_clear(&coord);
	burrow_identity_clear(&node);
	burrow_identity_clear(&relay_id);
	return 0;
}

/* ---- RELAY_BIND at a relay node ------------------------------------------------------- */

static bool bound(void)
{
	return binds > 0;
}

static bool closed_by_node(void)
{
	return coord_closed;
}

static bool never(void)
{
	return false;
}

static void direct_section(char *out, size_t size)
{
	char key[BURROW_PUBLIC_KEY_TEXT_SIZE];

	burrow_public_key_to_text(coord.public_key, key);
	snprintf(out, size, "[coordinator]\naddress = 127.0.0.1:%u\npublic_key = %s\n"
		 "endpoint = 192.0.2.1:51820\nrelay_after = 0\n", ntohs(coord_srv.addr.sin_port),
		 key);
}

static void issue(const uint8_t *n1, const uint8_t *n2, uint64_t expiry,
		  struct burrow_relay_ticket *t, uint8_t raw[BURROW_RELAY_TICKET_LEN])
{
	char err[256];

	assert_int_equal(burrow_relay_ticket_issue(coord.private_key_pem, relay_id.public_key, n1,
						   n2, expiry, t, err, sizeof(err)), 0);
	if (raw)
		assert_int_equal(burrow_relay_ticket_encode(t, raw), 0);
}

static void test_relay_bind(void **state)
{
	struct burrow_relay_ticket t;
	uint8_t raw[BURROW_RELAY_TICKET_LEN], other[32];
	static const uint8_t junk[5] = { 1, 2, 3, 4, 5 };
	char section[512], expected[128];
	struct coord_buf bad = { 0 };
	uint8_t bad_bytes[64];
	int n;

	(void)state;
	memset(other, 0x42, 32);
	issue(other, coord.public_key, (uint64_t)time(NULL) + 300, &t, raw);
	/* The coordinator sends RELAY_BIND twice, then a malformed one. */
	coord_buf_free(&after_register);
	coord_buf_init(&after_register);
	assert_int_equal(coord_msg_relay_bind_encode(&after_register, raw), 0);
	direct_section(section, sizeof(section));
	binds = 0;
	registers = 0;
	node_start(section);
	d.on_relay_bind = on_bind;		/* a relay */
	assert_true(run_until(bound));
	assert_int_equal(binds, 1);
	assert_memory_equal(bind_party, coord.public_key, 32);
	/* the address of the coordination connection: the coordinator's own */
	assert_int_equal(bind_from.sin_port, coord_srv.addr.sin_port);
	assert_int_equal(bind_from.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	snprintf(expected, sizeof(expected), "coordinator 127.0.0.1:%u connected",
		 ntohs(coord_srv.addr.sin_port));
	if (strncmp(status(false), expected, strlen(expected)))
		fail_msg("status: %s", status(false));
	assert_null(strstr(status(true), "\"relay\":{"));

	/* No longer a relay: ignored, the connection stays. */
	d.on_relay_bind = NULL;
	coord_send(&after_register);
	/* Malformed (5 bytes, not 176): the node closes with COORD_CLOSE_PROTOCOL. */
	n = burrow_capsule_encode(COORD_MSG_RELAY_BIND, junk, sizeof(junk), bad_bytes,
				  sizeof(bad_bytes));
	assert_true(n > 0);
	bad.data = bad_bytes;
	bad.len = (size_t)n;
	coord_send(&bad);
	assert_true(run_until(closed_by_node));
	assert_int_equal(coord_close_code, COORD_CLOSE_PROTOCOL);
	assert_int_equal(binds, 1);		/* the ignored one bound nothing */
	assert_int_equal(registers, 1);
	node_stop();
	coord_buf_free(&after_register);
	coord_buf_init(&after_register);
}

/* ---- the node behind a relay ---------------------------------------------------------- */

static void relay_section(const struct burrow_relay_ticket *t, char *out, size_t size)
{
	char key[BURROW_PUBLIC_KEY_TEXT_SIZE], ticket[BURROW_RELAY_TICKET_TEXT_SIZE];

	burrow_public_key_to_text(coord.public_key, key);
	burrow_relay_ticket_to_text(t, ticket);
	snprintf(out, size, "[coordinator]\nrelay = %s\nrelay_ticket = %s\npublic_key = %s\n"
		 "endpoint = 192.0.2.1:51820\nrelay_after = 0\n", relay_text, ticket, key);
}

static void assert_no_address(void)
{
	char port[16];

	snprintf(port, sizeof(port), ":%u", ntohs(coord_srv.addr.sin_port));
	if (strstr(status(false), port) || strstr(status(true), port) ||
	    strstr(status(true), "\"address\""))
		fail_msg("status names the coordinator's address:\n%s\n%s", status(false),
			 status(true));
}

static void test_expired_ticket(void **state)
{
	struct burrow_relay_ticket t;
	const struct burrow_relay_counters *c = burrow_relay_counters(relay);
	uint64_t admitted = c->admitted, refused = c->refused[BURROW_RELAY_TICKET_EXPIRED];
	char section[1024], expected[256];

	(void)state;
	issue(node.public_key, coord.public_key, (uint64_t)time(NULL) + 300, &t, NULL);
	t.expiry = (uint64_t)time(NULL) - 10;
	relay_section(&t, section, sizeof(section));
	node_start(section);
	snprintf(expected, sizeof(expected), "coordinator via relay %s ticket %u disconnected",
		 relay_text, (unsigned)t.id);
	if (strncmp(status(false), expected, strlen(expected)))
		fail_msg("status: %s", status(false));
	snprintf(expected, sizeof(expected), "\"relay\":{\"endpoint\":\"%s\",\"ticket\":%u,"
		 "\"expiry\":%llu,\"source\":\"config\",\"state\":\"refused\","
		 "\"last_error\":\"control ticket %u expired at ",
		 relay_text, (unsigned)t.id, (unsigned long long)t.expiry, (unsigned)t.id);
	if (!strstr(status(true), expected))
		fail_msg("status -j: %s\nexpected: %s", status(true), expected);
	assert_no_address();
	/* never presented, never dialled: nothing reaches the relay */
	assert_false(run_until_ms(never, 300));
	assert_int_equal(c->admitted, admitted);
	assert_int_equal(c->refused[BURROW_RELAY_TICKET_EXPIRED], refused);
	node_stop();
}

static uint64_t refusals_wanted;

static bool refused_enough(void)
{
	return burrow_relay_counters(relay)->refused[BURROW_RELAY_TICKET_BAD_SIGNATURE] >=
	       refusals_wanted;
}

static void test_refused_ticket_retried(void **state)
{
	struct burrow_relay_ticket t;
	const struct burrow_relay_counters *c = burrow_relay_counters(relay);
	char section[1024], expected[256];

	(void)state;
	issue(node.public_key, coord.public_key, (uint64_t)time(NULL) + 300, &t, NULL);
	t.sig[7] ^= 1;
	relay_section(&t, section, sizeof(section));
	refusals_wanted = c->refused[BURROW_RELAY_TICKET_BAD_SIGNATURE] + 1;
	node_start(section);
	assert_true(run_until(refused_enough));
	/* the answer reaches the mesh from the loop: let it run a little */
	run_until_ms(never, 50);
	snprintf(expected, sizeof(expected), "\"state\":\"refused\",\"answer\":\"bad signature\","
		 "\"last_error\":\"refused by relay %s: bad signature\"", relay_text);
	if (!strstr(status(true), expected))
		fail_msg("status -j: %s\nexpected: %s", status(true), expected);
	snprintf(expected, sizeof(expected), "  last error: refused by relay %s: bad signature",
		 relay_text);
	if (!strstr(status(false), expected))
		fail_msg("status: %s", status(false));
	assert_no_address();
	/* the reconnect backoff (1 s) presents it again */
	refusals_wanted++;
	assert_true(run_until_ms(refused_enough, 5000));
	assert_int_equal(registers, 1);		/* the coordinator never heard of it */
	node_stop();
}

static uint64_t admissions_wanted;

static bool admitted_enough(void)
{
	return burrow_relay_counters(relay)->admitted >= admissions_wanted;
}

/*
 * The relay's endpoint here is a plain QUIC server without the kernel's
 * forwarding: the node's dial through it (burrow-coord/1, the relay header
 * in front) reaches that endpoint, which strips the header and refuses the
 * ALPN. So the dial went to the relay and not to the coordinator, and
 * each redial presents the ticket again first.
 */
static void test_admitted_then_dialled(void **state)
{
	struct burrow_relay_ticket t;
	char section[1024], expected[256];

	(void)state;
	issue(node.public_key, coord.public_key, (uint64_t)time(NULL) + 300, &t, NULL);
	relay_section(&t, section, sizeof(section));
	admissions_wanted = burrow_relay_counters(relay)->admitted + 2;
	node_start(section);
	assert_true(run_until(admitted_enough));
	run_until_ms(never, 50);
	snprintf(expected, sizeof(expected), "\"relay\":{\"endpoint\":\"%s\",\"ticket\":%u,"
		 "\"expiry\":%llu,\"source\":\"config\",\"state\":\"admitted\","
		 "\"answer\":\"waiting for the other party\",\"last_error\":\"\"}", relay_text,
		 (unsigned)t.id, (unsigned long long)t.expiry);
	if (!strstr(status(true), expected))
		fail_msg("status -j: %s\nexpected: %s", status(true), expected);
	/* dialled with burrow-coord/1 to the relay's address */
	if (!strstr(status(true), "client offered no ALPN we accept"))
		fail_msg("status -j: %s", status(true));
	snprintf(expected, sizeof(expected), "coordinator via relay %s ticket %u ", relay_text,
		 (unsigned)t.id);
	if (strncmp(status(false), expected, strlen(expected)))
		fail_msg("status: %s", status(false));
	assert_non_null(strstr(status(false), "  relay admission admitted (waiting for the other "
					      "party)\n"));
	assert_no_address();
	/* the node's side is bound at the relay; the coordinator's is not: no entry */
	assert_int_equal(burrow_relay_bound(relay), 1);
	assert_int_equal(burrow_relay_counters(relay)->entries, 0);
	/* nothing went to the coordinator's address */
	assert_int_equal(registers, 1);
	node_stop();
}

/* ---- control-ticket renewal ------------------------------------------------------------- */

static size_t bound_wanted;

static bool bound_enough(void)
{
	return burrow_relay_bound(relay) >= bound_wanted;
}

static void expect_in_use(const struct burrow_relay_ticket *t, const char *source)
{
	char expected[256];

	snprintf(expected, sizeof(expected), "coordinator via relay %s ticket %u ", relay_text,
		 (unsigned)t->id);
	if (strncmp(status(false), expected, strlen(expected)))
		fail_msg("status: %s\nexpected: %s", status(false), expected);
	snprintf(expected, sizeof(expected), "  control ticket %u expires ", (unsigned)t->id);
	if (!strstr(status(false), expected) || !strstr(status(false), source))
		fail_msg("status: %s\nexpected: %s... (%s)", status(false), expected, source);
	snprintf(expected, sizeof(expected), "\"ticket\":%u,\"expiry\":%llu,\"source\":\"%s\"",
		 (unsigned)t->id, (unsigned long long)t->expiry, source);
	if (!strstr(status(true), expected))
		fail_msg("status -j: %s\nexpected: %s", status(true), expected);
}

static int offer(const struct burrow_relay_ticket *t)
{
	uint8_t raw[BURROW_RELAY_TICKET_LEN];

	assert_int_equal(burrow_relay_ticket_encode(t, raw), 0);
	return burrowd_mesh_control_ticket(&d, raw, sizeof(raw));
}

/*
 * CONTROL_TICKET at a node behind a relay: a good one is stored, shown in
 * status (source renewed) and presented at the relay on the redial that
 * follows at once; one for another node key, with a bad signature, expired,
 * or expiring no later than the one in use is refused and changes nothing;
 * a malformed one is -EBADMSG. After a restart the stored ticket is used,
 * unless the config's expires later.
 */
static void test_control_ticket_renewed(void **state)
{
	struct burrow_relay_ticket cfg_t, good, bad, later_cfg;
	uint8_t raw[BURROW_RELAY_TICKET_LEN], stored[BURROW_STORE_TICKET_LEN], other[32];
	char section[1024], err[256], db[] = "/tmp/burrow-mesh-relay-db-XXXXXX";
	uint64_t now = (uint64_t)time(NULL), expiry = 0;
	static const uint8_t junk[5] = { 1, 2, 3, 4, 5 };
	int fd;

	(void)state;
	fd = mkstemp(db);
	assert_true(fd >= 0);
	close(fd);
	unlink(db);
	assert_int_equal(burrow_store_open(db, 0, &node_store, err, sizeof(err)), 0);
	memset(other, 0x42, 32);
	issue(node.public_key, coord.public_key, now + 300, &cfg_t, NULL);
	relay_section(&cfg_t, section, sizeof(section));
	admissions_wanted = burrow_relay_counters(relay)->admitted + 1;
	bound_wanted = burrow_relay_bound(relay) + 1;
	node_start(section);
	assert_true(run_until(admitted_enough));
	run_until_ms(never, 50);
	expect_in_use(&cfg_t, "config");

	/* good: stored, in use, presented at the relay at once (a second binding there) */
	issue(node.public_key, coord.public_key, now + 600, &good, raw);
	bound_wanted++;
	assert_int_equal(burrowd_mesh_control_ticket(&d, raw, sizeof(raw)), 0);
	expect_in_use(&good, "renewed");
	assert_int_equal(burrow_store_control_ticket_load(node_store, relay_text, node.public_key,
							  coord.public_key, stored, &expiry), 0);
	assert_memory_equal(stored, raw, sizeof(raw));
	assert_int_equal(expiry, good.expiry);
	assert_true(run_until_ms(bound_enough, 5000));

	/* refused: another node's, a bad signature, expired, not later than the one in use */
	issue(other, coord.public_key, now + 900, &bad, NULL);
	assert_int_equal(offer(&bad), -EACCES);
	issue(node.public_key, coord.public_key, now + 900, &bad, NULL);
	bad.sig[3] ^= 1;
	assert_int_equal(offer(&bad), -EACCES);
	issue(node.public_key, other, now + 900, &bad, NULL);	/* not the coordinator's pair */
	assert_int_equal(burrow_relay_ticket_sign(&bad, coord.private_key_pem, err, sizeof(err)),
			 0);
	assert_int_equal(offer(&bad), -EACCES);
	issue(node.public_key, coord.public_key, now - 5, &bad, NULL);
	assert_int_equal(offer(&bad), -EACCES);
	issue(node.public_key, coord.public_key, now + 600, &bad, NULL);	/* same expiry */
	assert_int_equal(offer(&bad), -EACCES);
	issue(node.public_key, coord.public_key, now + 400, &bad, NULL);	/* older */
	assert_int_equal(offer(&bad), -EACCES);
	assert_int_equal(burrowd_mesh_control_ticket(&d, junk, sizeof(junk)), -EBADMSG);
	expect_in_use(&good, "renewed");
	assert_int_equal(burrow_store_control_ticket_load(node_store, relay_text, node.public_key,
							  coord.public_key, stored, &expiry), 0);
	assert_memory_equal(stored, raw, sizeof(raw));
	node_stop();

	/* restart with the same config: the stored ticket wins, and is presented */
	admissions_wanted = burrow_relay_counters(relay)->admitted + 1;
	node_start(section);
	expect_in_use(&good, "renewed");
	assert_true(run_until(admitted_enough));
	node_stop();

	/* a config ticket that expires later than the stored one wins */
	issue(node.public_key, coord.public_key, now + 1200, &later_cfg, NULL);
	relay_section(&later_cfg, section, sizeof(section));
	node_start(section);
	expect_in_use(&later_cfg, "config");
	node_stop();
	burrow_store_close(node_store);
	node_store = NULL;
	unlink(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relay_bind),
		cmocka_unit_test(test_expired_ticket),
		cmocka_unit_test(test_refused_ticket_retried),
		cmocka_unit_test(test_admitted_then_dialled),
		cmocka_unit_test(test_control_ticket_renewed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
