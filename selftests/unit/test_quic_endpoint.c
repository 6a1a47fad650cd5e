// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd QUIC endpoint, end to end in one process: a client and a server
 * endpoint on two loopback UDP sockets, driven by a poll loop with a
 * generous deadline (no sleeps; every wait is for an event).
 *
 * BURROW_QUIC_TEST_KEYLOG=<file> writes the TLS key log of every endpoint
 * (for decoding a capture with tshark); BURROW_QUIC_TEST_FILTER=<glob> runs
 * only the matching tests; BURROW_QUIC_TEST_VERBOSE=1 prints close reasons.
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
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "quic.h"

#define DEADLINE_NS (20ull * 1000000000ull)
#define BIG_LEN (1024 * 1024 + 123)   /* well past every flow-control window */

struct side {
	const char *name;
	int fd;
	bool ipv6;                  /* bind ::1 instead of 127.0.0.1 */
	struct sockaddr_in addr;
	struct sockaddr_in6 addr6;
	struct burrow_quic_endpoint *ep;
	char *key_pem;
	uint8_t pub[32];
	/* authorize: accept only this key (NULL: any), or refuse everything */
	const uint8_t *allowed_key;
	bool refuse_all;
	int authorize_calls;
	/* observations */
	struct burrow_quic_conn *conn;
	int established;
	int closed;
	char closed_reason[256];
	bool echo;                  /* server: send every byte back, fin too */
	uint64_t keepalive_ms;
	bool reconnect_once;        /* client: dial again from closed() */
	bool abort_on_data;         /* abort the stream (code 77) on its first bytes */
	int resets;
	uint64_t reset_code;
	int64_t reset_stream;
	uint8_t *rx;
	size_t rx_len, rx_cap;
	bool rx_fin;
	int64_t rx_stream;
};

static struct side client_side, server_side;

/*
 * Optional lossy relay between the two: the client talks to the relay's
 * address, the relay forwards to the server and back, and drops every
 * drop_every-th datagram (deterministic, no clocks involved).
 */
static struct relay {
	int fd;
	struct sockaddr_in addr, client;
	unsigned drop_every, count, dropped;
} relay = { .fd = -1 };

/* ---- keys ---------------------------------------------------------------- */

static void make_key(struct side *s)
{
	gnutls_privkey_t priv;
	gnutls_x509_privkey_t x509;
	gnutls_pubkey_t pub;
	gnutls_datum_t pem = { NULL, 0 }, x = { NULL, 0 };
	gnutls_ecc_curve_t curve;

	assert_int_equal(gnutls_privkey_init(&priv), 0);
	assert_int_equal(gnutls_privkey_generate2(priv, GNUTLS_PK_EDDSA_ED25519, 256, 0,
						  NULL, 0), 0);
	assert_int_equal(gnutls_privkey_export_x509(priv, &x509), 0);
	assert_int_equal(gnutls_x509_privkey_export2_pkcs8(x509, GNUTLS_X509_FMT_PEM, NULL,
							   GNUTLS_PKCS_PLAIN, &pem), 0);
	s->key_pem = strndup((const char *)pem.data, pem.size);
	assert_int_equal(gnutls_pubkey_init(&pub), 0);
	assert_int_equal(gnutls_pubkey_import_privkey(pub, priv, 0, 0), 0);
	assert_int_equal(gnutls_pubkey_export_ecc_raw2(pub, &curve, &x, NULL, 0), 0);
	assert_int_equal(x.size, 32);
	memcpy(s->pub, x.data, 32);
	gnutls_free(x.data);
	gnutls_free(pem.data);
	gnutls_pubkey_deinit(pub);
	gnutls_x509_privkey_deinit(x509);
	gnutls_privkey_deinit(priv);
}

static int udp_socket6(struct sockaddr_in6 *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(addr, 0, sizeof(*addr));
	addr->sin6_family = AF_INET6;
	addr->sin6_addr = in6addr_loopback;
	assert_int_equal(bind(fd, (struct sockaddr *)addr, sizeof(*addr)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)addr, &len), 0);
	return fd;
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

/* ---- callbacks ----------------------------------------------------------- */

static int cb_authorize(const uint8_t public_key[32], const struct sockaddr *remote,
			void **conn_user, void *endpoint_user)
{
	struct side *s = endpoint_user;

	assert_non_null(remote);
	s->authorize_calls++;
	if (s->refuse_all)
		return -1;
	if (s->allowed_key && memcmp(public_key, s->allowed_key, 32) != 0)
		return -1;
	*conn_user = s;
	return 0;
}

static void cb_established(struct burrow_quic_conn *conn, void *conn_user)
{
	struct side *s = conn_user;

	assert_non_null(s);
	s->conn = conn;
	s->established++;
}

static void cb_stream_data(struct burrow_quic_conn *conn, int64_t stream_id,
			   const uint8_t *data, size_t len, bool fin, void *conn_user)
{
	struct side *s = conn_user;

	if (s->rx_len + len > s->rx_cap) {
		s->rx_cap = 2 * (s->rx_len + len);
		s->rx = realloc(s->rx, s->rx_cap);
		assert_non_null(s->rx);
	}
	if (len)
		memcpy(s->rx + s->rx_len, data, len);
	s->rx_len += len;
	s->rx_stream = stream_id;
	if (fin)
		s->rx_fin = true;
	if (s->echo)
		assert_int_equal(burrow_quic_send(conn, stream_id, data, len, fin), 0);
	if (s->abort_on_data) {
		s->abort_on_data = false;
		assert_int_equal(burrow_quic_stream_abort(conn, stream_id, 77), 0);
		assert_int_equal(burrow_quic_send(conn, stream_id, data, 1, false), -EPIPE);
	}
}

static void cb_closed(struct burrow_quic_conn *conn, const char *reason, void *conn_user)
{
	struct side *s = conn_user;

	assert_non_null(reason);
	if (s->conn == conn)
		s->conn = NULL;
	s->closed++;
	snprintf(s->closed_reason, sizeof(s->closed_reason), "%s", reason);
	if (s->reconnect_once) {
		struct burrow_quic_conn *again = NULL;

		s->reconnect_once = false;
		/* Called from inside the endpoint: must still go out at once. */
		assert_int_equal(burrow_quic_connect(s->ep, (struct sockaddr *)&server_side.addr,
						     sizeof(server_side.addr), server_side.pub,
						     s, &again), 0);
	}
	if (getenv("BURROW_QUIC_TEST_VERBOSE"))
		print_message("# %s closed: %s\n", s->name, reason);
}

static void cb_stream_reset(struct burrow_quic_conn *conn, int64_t stream_id,
			    uint64_t app_error, void *conn_user)
{
	struct side *s = conn_user;

	assert_non_null(conn);
	s->resets++;
	s->reset_code = app_error;
	s->reset_stream = stream_id;
}

static const struct burrow_quic_callbacks callbacks = {
	.stream_reset = cb_stream_reset,
	.authorize = cb_authorize,
	.established = cb_established,
	.stream_data = cb_stream_data,
	.closed = cb_closed,
};

/* ---- harness ------------------------------------------------------------- */

static void side_start(struct side *s, const char *name, uint64_t idle_ms, const char *alpn)
{
	struct burrow_quic_settings settings = {
		.private_key_pem = s->key_pem,
		.idle_timeout_ms = idle_ms,
		.keepalive_ms = s->keepalive_ms,
		.keylog_path = getenv("BURROW_QUIC_TEST_KEYLOG"),
		.alpn_override = alpn,
	};

	s->name = name;
	s->fd = s->ipv6 ? udp_socket6(&s->addr6) : udp_socket(&s->addr);
	s->ep = burrow_quic_endpoint_new(s->fd, &settings, &callbacks, s);
	if (!s->ep)
		fail_msg("%s endpoint: %s", name, burrow_quic_setup_error());
	assert_memory_equal(burrow_quic_endpoint_public_key(s->ep), s->pub, 32);
}

static void side_stop(struct side *s)
{
	burrow_quic_endpoint_free(s->ep);
	s->ep = NULL;
	if (s->fd >= 0)
		close(s->fd);
	free(s->rx);
	free(s->key_pem);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

static int setup(void **state)
{
	(void)state;
	memset(&client_side, 0, sizeof(client_side));
	memset(&server_side, 0, sizeof(server_side));
	client_side.fd = server_side.fd = -1;
	relay.fd = -1;
	make_key(&client_side);
	make_key(&server_side);
	server_side.allowed_key = client_side.pub;
	client_side.allowed_key = server_side.pub;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (relay.fd >= 0)
		close(relay.fd);
	memset(&relay, 0, sizeof(relay));
	relay.fd = -1;
	side_stop(&client_side);
	side_stop(&server_side);
	return 0;
}

typedef bool (*done_fn)(void);

/* Drive both endpoints until done() or the deadline; true if done(). */
static void relay_pump(void)
{
	uint8_t buf[65536];
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	const struct sockaddr_in *to;
	ssize_t n;

	while ((n = recvfrom(relay.fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &len)) >= 0) {
		len = sizeof(from);
		if (from.sin_port == server_side.addr.sin_port) {
			to = &relay.client;
		} else {
			relay.client = from;
			to = &server_side.addr;
		}
		if (++relay.count % relay.drop_every == 0) {
			relay.dropped++;
			continue;
		}
		(void)!sendto(relay.fd, buf, (size_t)n, 0, (const struct sockaddr *)to,
			      sizeof(*to));
	}
}

static bool run_until(done_fn done)
{
	uint64_t deadline = burrow_quic_now() + DEADLINE_NS;
	struct side *sides[2] = { &client_side, &server_side };

	while (!done()) {
		struct pollfd pfd[3] = { [2] = { .fd = relay.fd, .events = POLLIN } };
		uint64_t now = burrow_quic_now(), next = deadline;
		int i, timeout_ms;

		if (now >= deadline)
			return false;
		for (i = 0; i < 2; i++) {
			uint64_t t = burrow_quic_endpoint_next_expiry(sides[i]->ep);

			if (t < next)
				next = t;
			pfd[i].fd = sides[i]->fd;
			pfd[i].events = POLLIN;
		}
		timeout_ms = next <= now ? 0 : (int)((next - now + 999999) / 1000000);
		assert_true(poll(pfd, 3, timeout_ms) >= 0);
		if (pfd[2].revents & POLLIN)
			relay_pump();
		for (i = 0; i < 2; i++) {
			if (pfd[i].revents & POLLIN)
				assert_int_equal(burrow_quic_endpoint_read(sides[i]->ep), 0);
			if (burrow_quic_endpoint_next_expiry(sides[i]->ep) <= burrow_quic_now())
				burrow_quic_endpoint_handle_expiry(sides[i]->ep);
		}
	}
	return true;
}

static bool both_established(void)
{
	return client_side.established && server_side.established;
}

static bool client_closed(void)
{
	return client_side.closed > 0;
}

static bool both_closed(void)
{
	return client_side.closed && server_side.closed;
}

static bool server_closed(void)
{
	return server_side.closed > 0;
}

static int64_t last_stream;

static bool client_stream_done(void)
{
	return burrow_quic_stream_unacked(client_side.conn, last_stream) == 0;
}

static bool echo_complete(void)
{
	return client_side.rx_fin;
}

static struct burrow_quic_conn *connect_client(const uint8_t *expected)
{
	struct burrow_quic_conn *conn = NULL;

	if (server_side.ipv6)
		assert_int_equal(burrow_quic_connect(client_side.ep,
						     (struct sockaddr *)&server_side.addr6,
						     sizeof(server_side.addr6), expected,
						     &client_side, &conn), 0);
	else
		assert_int_equal(burrow_quic_connect(client_side.ep,
						     (struct sockaddr *)&server_side.addr,
						     sizeof(server_side.addr), expected,
						     &client_side, &conn), 0);
	assert_non_null(conn);
	assert_true(burrow_quic_is_client(conn));
	return conn;
}

static void handshake(void)
{
	struct burrow_quic_conn *conn;
	uint8_t out[32];
	int64_t sid;

	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, NULL);
	conn = connect_client(server_side.pub);
	/* Not usable before the handshake. */
	assert_int_equal(burrow_quic_export(conn, "x", NULL, 0, out, sizeof(out)), -ENOTCONN);
	assert_int_equal(burrow_quic_open_stream(conn, &sid), -EAGAIN);
	if (!run_until(both_established))
		fail_msg("no handshake: client '%s', server '%s'", client_side.closed_reason,
			 server_side.closed_reason);
	assert_ptr_equal(client_side.conn, conn);
	assert_int_equal(server_side.authorize_calls, 1);
	assert_int_equal(client_side.authorize_calls, 1);
	assert_false(burrow_quic_is_client(server_side.conn));
	assert_memory_equal(burrow_quic_peer_public_key(client_side.conn), server_side.pub, 32);
	assert_memory_equal(burrow_quic_peer_public_key(server_side.conn), client_side.pub, 32);
}

/* ---- tests --------------------------------------------------------------- */

static void test_handshake_and_exporter(void **state)
{
	static const char label[] = "EXPORTER-burrow-test";
	uint8_t c1[32], s1[32], c2[32], s2[32], c0[32], s0[32];
	socklen_t len;
	const struct sockaddr_in *remote;

	(void)state;
	handshake();
	assert_int_equal(burrow_quic_export(client_side.conn, label, (const uint8_t *)"gen1", 4,
					    c1, sizeof(c1)), 0);
	assert_int_equal(burrow_quic_export(server_side.conn, label, (const uint8_t *)"gen1", 4,
					    s1, sizeof(s1)), 0);
	assert_memory_equal(c1, s1, sizeof(c1));
	assert_int_equal(burrow_quic_export(client_side.conn, label, (const uint8_t *)"gen2", 4,
					    c2, sizeof(c2)), 0);
	assert_int_equal(burrow_quic_export(server_side.conn, label, (const uint8_t *)"gen2", 4,
					    s2, sizeof(s2)), 0);
	assert_memory_equal(c2, s2, sizeof(c2));
	assert_memory_not_equal(c1, c2, sizeof(c1));
	/* NULL context == empty context, on both sides. */
	assert_int_equal(burrow_quic_export(client_side.conn, label, NULL, 0, c0, 32), 0);
	assert_int_equal(burrow_quic_export(server_side.conn, label, (const uint8_t *)"", 0,
					    s0, 32), 0);
	assert_memory_equal(c0, s0, 32);
	assert_int_equal(burrow_quic_export(client_side.conn, label, NULL, 3, c0, 32), -EINVAL);

	remote = (const struct sockaddr_in *)burrow_quic_remote_addr(client_side.conn, &len);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_int_equal(remote->sin_port, server_side.addr.sin_port);
	assert_int_equal(client_side.closed + server_side.closed, 0);
}

static void test_stream_echo_large(void **state)
{
	uint8_t *big = malloc(BIG_LEN);
	int64_t sid;
	size_t i;

	(void)state;
	assert_non_null(big);
	for (i = 0; i < BIG_LEN; i++)
		big[i] = (uint8_t)(i * 7 + (i >> 13));
	handshake();
	server_side.echo = true;
	assert_int_equal(burrow_quic_open_stream(client_side.conn, &sid), 0);
	last_stream = sid;
	/* Several sends, the last one with fin. */
	assert_int_equal(burrow_quic_send(client_side.conn, sid, big, 1000, false), 0);
	assert_int_equal(burrow_quic_send(client_side.conn, sid, big + 1000, BIG_LEN - 1000 - 7,
					  false), 0);
	assert_int_equal(burrow_quic_send(client_side.conn, sid, big + BIG_LEN - 7, 7, true), 0);
	assert_int_equal(burrow_quic_send(client_side.conn, sid, big, 1, false), -EPIPE);
	assert_int_equal(burrow_quic_send(client_side.conn, sid + 4, big, 1, false), -ENOENT);
	assert_true(burrow_quic_stream_unacked(client_side.conn, sid) > 0);
	if (!run_until(echo_complete))
		fail_msg("echo incomplete: server got %zu, client got %zu of %d",
			 server_side.rx_len, client_side.rx_len, BIG_LEN);
	assert_true(server_side.rx_fin);
	assert_int_equal(server_side.rx_len, BIG_LEN);
	assert_int_equal(client_side.rx_len, BIG_LEN);
	assert_int_equal(client_side.rx_stream, sid);
	assert_memory_equal(server_side.rx, big, BIG_LEN);
	assert_memory_equal(client_side.rx, big, BIG_LEN);
	/* Everything acknowledged, both directions finished: stream gone. */
	assert_true(run_until(client_stream_done));
	assert_int_equal(burrow_quic_send(client_side.conn, sid, big, 1, false), -ENOENT);
	assert_int_equal(client_side.closed + server_side.closed, 0);
	free(big);
}

static void test_server_stream_to_client(void **state)
{
	static const uint8_t msg[] = "hello from the server side";
	int64_t sid;

	(void)state;
	handshake();
	assert_int_equal(burrow_quic_open_stream(server_side.conn, &sid), 0);
	assert_int_equal(burrow_quic_send(server_side.conn, sid, msg, sizeof(msg), true), 0);
	assert_true(run_until(echo_complete));
	assert_int_equal(client_side.rx_stream, sid);
	assert_int_equal(client_side.rx_len, sizeof(msg));
	assert_memory_equal(client_side.rx, msg, sizeof(msg));
}

static void test_ipv6_echo(void **state)
{
	static const uint8_t msg[] = "over ::1";
	const struct sockaddr_in6 *remote;
	socklen_t len;
	int64_t sid;

	(void)state;
	server_side.ipv6 = client_side.ipv6 = true;
	server_side.echo = true;
	handshake();
	remote = (const struct sockaddr_in6 *)burrow_quic_remote_addr(server_side.conn, &len);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(remote->sin6_family, AF_INET6);
	assert_int_equal(remote->sin6_port, client_side.addr6.sin6_port);
	assert_int_equal(burrow_quic_open_stream(client_side.conn, &sid), 0);
	assert_int_equal(burrow_quic_send(client_side.conn, sid, msg, sizeof(msg), true), 0);
	assert_true(run_until(echo_complete));
	assert_int_equal(client_side.rx_len, sizeof(msg));
	assert_memory_equal(client_side.rx, msg, sizeof(msg));
}

static bool both_twice_established(void)
{
	return client_side.established == 2 && server_side.established == 2;
}

/* Both endpoints dial each other at once: each is client and server on one
 * socket, with two connections demultiplexed by connection ID. */
static void test_simultaneous_open(void **state)
{
	struct burrow_quic_conn *a = NULL, *b = NULL;
	uint8_t ka[32], kb[32];

	(void)state;
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, NULL);
	assert_int_equal(burrow_quic_connect(client_side.ep, (struct sockaddr *)&server_side.addr,
					     sizeof(server_side.addr), server_side.pub,
					     &client_side, &a), 0);
	assert_int_equal(burrow_quic_connect(server_side.ep, (struct sockaddr *)&client_side.addr,
					     sizeof(client_side.addr), client_side.pub,
					     &server_side, &b), 0);
	assert_true(run_until(both_twice_established));
	assert_int_equal(client_side.authorize_calls, 2);
	assert_int_equal(server_side.authorize_calls, 2);
	/* Two distinct sessions: their exporters differ. */
	assert_int_equal(burrow_quic_export(a, "EXPORTER-burrow-test", NULL, 0, ka, 32), 0);
	assert_int_equal(burrow_quic_export(b, "EXPORTER-burrow-test", NULL, 0, kb, 32), 0);
	assert_memory_not_equal(ka, kb, 32);
	/* Closing one leaves the other. */
	burrow_quic_close(a, 0, "simultaneous open: keep the other one");
	assert_true(run_until(both_closed));
	assert_int_equal(client_side.closed, 1);
	assert_int_equal(server_side.closed, 1);
	assert_non_null(strstr(server_side.closed_reason, "keep the other one"));
	assert_int_equal(burrow_quic_export(b, "EXPORTER-burrow-test", NULL, 0, kb, 32), 0);
}

/* Every 6th datagram lost in each direction: handshake and a stream
 * still complete through retransmission timers. */
static void test_lossy_path(void **state)
{
	enum { LEN = 200 * 1024 };
	uint8_t *data = malloc(LEN);
	struct burrow_quic_conn *conn = NULL;
	int64_t sid;
	size_t i;

	(void)state;
	assert_non_null(data);
	for (i = 0; i < LEN; i++)
		data[i] = (uint8_t)(i * 13);
	relay.fd = udp_socket(&relay.addr);
	relay.drop_every = 6;
	server_side.echo = true;
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, NULL);
	assert_int_equal(burrow_quic_connect(client_side.ep, (struct sockaddr *)&relay.addr,
					     sizeof(relay.addr), server_side.pub, &client_side,
					     &conn), 0);
	assert_true(run_until(both_established));
	assert_int_equal(burrow_quic_open_stream(conn, &sid), 0);
	assert_int_equal(burrow_quic_send(conn, sid, data, LEN, true), 0);
	if (!run_until(echo_complete))
		fail_msg("lossy echo incomplete: %zu of %d back, %u dropped", client_side.rx_len,
			 LEN, relay.dropped);
	assert_int_equal(client_side.rx_len, LEN);
	assert_memory_equal(client_side.rx, data, LEN);
	assert_true(relay.dropped > 10);
	free(data);
}

static bool client_saw_reset(void)
{
	return client_side.resets > 0;
}

/* The server aborts the client's stream on its first bytes (as burrowd does
 * with a malformed control stream): the client hears RESET_STREAM, its own
 * queued data is dropped, and the connection stays up. */
static void test_stream_abort(void **state)
{
	static uint8_t chunk[64 * 1024];
	int64_t sid, sid2;
	int i, ret;

	(void)state;
	handshake();
	server_side.abort_on_data = true;
	assert_int_equal(burrow_quic_open_stream(client_side.conn, &sid), 0);
	/* More than the stream window: some is still queued at the reset. */
	for (i = 0; i < 8; i++)
		assert_int_equal(burrow_quic_send(client_side.conn, sid, chunk, sizeof(chunk),
						  false), 0);
	assert_true(run_until(client_saw_reset));
	assert_int_equal(client_side.reset_stream, sid);
	assert_int_equal(client_side.reset_code, 77);
	assert_true(server_side.rx_len < 8 * sizeof(chunk));
	assert_int_equal(burrow_quic_stream_abort(client_side.conn, sid + 4, 1), -ENOENT);
	/* The client gives up on its side too (ngtcp2 may already have closed
	 * the stream after the peer's STOP_SENDING); a new stream works. */
	ret = burrow_quic_stream_abort(client_side.conn, sid, 78);
	assert_true(ret == 0 || ret == -ENOENT);
	server_side.echo = true;
	server_side.rx_len = 0;
	assert_int_equal(burrow_quic_open_stream(client_side.conn, &sid2), 0);
	assert_int_equal(burrow_quic_send(client_side.conn, sid2, (const uint8_t *)"ok", 2, true), 0);
	assert_true(run_until(echo_complete));
	assert_int_equal(client_side.rx_len, 2);
	assert_int_equal(client_side.closed + server_side.closed, 0);
}

static void test_wrong_pinned_key(void **state)
{
	uint8_t other[32];

	(void)state;
	memcpy(other, server_side.pub, 32);
	other[0] ^= 1;
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, NULL);
	connect_client(other);
	assert_true(run_until(client_closed));
	assert_non_null(strstr(client_side.closed_reason, "server public key mismatch"));
	assert_int_equal(client_side.established, 0);
	assert_int_equal(client_side.authorize_calls, 0);
	assert_int_equal(server_side.established, 0);
	assert_int_equal(server_side.authorize_calls, 0);
	assert_int_equal(server_side.closed, 0);   /* never authorized: silent */
}

static void test_server_refuses_client_key(void **state)
{
	(void)state;
	server_side.refuse_all = true;
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, NULL);
	connect_client(server_side.pub);
	assert_true(run_until(client_closed));
	assert_int_equal(server_side.authorize_calls, 1);
	assert_int_equal(server_side.established, 0);
	assert_int_equal(server_side.closed, 0);
	/* The server's reason travels in its CONNECTION_CLOSE. */
	assert_non_null(strstr(client_side.closed_reason, "peer closed"));
	assert_non_null(strstr(client_side.closed_reason, "refused"));
}

static void test_client_authorize_refuses(void **state)
{
	(void)state;
	client_side.refuse_all = true;
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, NULL);
	connect_client(server_side.pub);
	assert_true(run_until(client_closed));
	assert_int_equal(client_side.authorize_calls, 1);
	assert_int_equal(client_side.established, 0);
	assert_non_null(strstr(client_side.closed_reason, "refused"));
	assert_int_equal(server_side.authorize_calls, 0);
}

static void test_alpn_mismatch(void **state)
{
	(void)state;
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, "burrow/0");
	connect_client(server_side.pub);
	if (!run_until(client_closed))
		fail_msg("client not closed; established %d/%d, server last error '%s'",
			 client_side.established, server_side.established,
			 burrow_quic_endpoint_last_error(server_side.ep));
	/* no_application_protocol, with GnuTLS's description as the phrase */
	if (!strstr(client_side.closed_reason, "TLS alert 120") ||
	    !strstr(client_side.closed_reason, "application protocol"))
		fail_msg("client reason: %s", client_side.closed_reason);
	assert_int_equal(client_side.established + server_side.established, 0);
	assert_int_equal(server_side.authorize_calls, 0);
}

static void test_idle_timeout(void **state)
{
	(void)state;
	/* Short, but long enough for a handshake step under valgrind (the idle
	 * timer runs during the handshake too). */
	side_start(&server_side, "server", 1000, NULL);
	side_start(&client_side, "client", 1000, NULL);
	connect_client(server_side.pub);
	assert_true(run_until(both_established));
	assert_true(run_until(both_closed));
	assert_string_equal(client_side.closed_reason, "idle timeout");
	assert_string_equal(server_side.closed_reason, "idle timeout");
}

static uint64_t wait_until_ns;

static bool time_passed_or_closed(void)
{
	return burrow_quic_now() >= wait_until_ns || client_side.closed || server_side.closed;
}

static void test_keepalive(void **state)
{
	(void)state;
	/* The client pings; it outlives three idle timeouts with no data. */
	client_side.keepalive_ms = 200;
	side_start(&server_side, "server", 1000, NULL);
	side_start(&client_side, "client", 1000, NULL);
	connect_client(server_side.pub);
	assert_true(run_until(both_established));
	wait_until_ns = burrow_quic_now() + 3000ull * 1000000ull;
	assert_true(run_until(time_passed_or_closed));
	assert_int_equal(client_side.closed + server_side.closed, 0);
}

static void test_close_with_reason(void **state)
{
	(void)state;
	handshake();
	burrow_quic_close(client_side.conn, 42, "going away for maintenance");
	/* Calling it twice is harmless; closed comes from the next endpoint call. */
	burrow_quic_close(client_side.conn, 43, "again");
	assert_int_equal(client_side.closed, 0);
	assert_int_equal(burrow_quic_endpoint_next_expiry(client_side.ep), 0);
	assert_true(run_until(server_closed));
	assert_true(run_until(client_closed));
	assert_string_equal(client_side.closed_reason, "local close: going away for maintenance");
	assert_string_equal(server_side.closed_reason,
			    "peer closed (application error 42): going away for maintenance");
	assert_int_equal(client_side.closed, 1);
	assert_int_equal(server_side.closed, 1);
}

static bool client_reestablished(void)
{
	return client_side.established == 2 && server_side.established == 2;
}

/* The server closes; the client redials from its closed() callback. */
static void test_reconnect_from_closed(void **state)
{
	(void)state;
	handshake();
	client_side.reconnect_once = true;
	burrow_quic_close(server_side.conn, 1, "restarting");
	assert_true(run_until(client_reestablished));
	assert_int_equal(client_side.closed, 1);
	assert_int_equal(server_side.closed, 1);
	assert_non_null(strstr(client_side.closed_reason, "restarting"));
	assert_int_equal(server_side.authorize_calls, 2);
}

static void send_raw(int fd, const struct sockaddr_in *to, const uint8_t *buf, size_t len)
{
	assert_int_equal(sendto(fd, buf, len, 0, (const struct sockaddr *)to, sizeof(*to)),
			 (ssize_t)len);
}

static bool server_drained(void)
{
	uint8_t b;

	/* Garbage is handled once the server socket is empty. */
	return recv(server_side.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) < 0;
}

static void test_garbage_ignored(void **state)
{
	struct sockaddr_in sink_addr;
	int sink = udp_socket(&sink_addr);
	int raw = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct burrow_quic_conn *conn = NULL;
	uint8_t initial[2048], junk[1500];
	struct pollfd pfd = { .fd = sink, .events = POLLIN };
	ssize_t ilen;
	size_t i;
	int round;

	(void)state;
	assert_true(raw >= 0);
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, NULL);

	/* A real client Initial, caught by a sink socket. */
	assert_int_equal(burrow_quic_connect(client_side.ep, (struct sockaddr *)&sink_addr,
					     sizeof(sink_addr), server_side.pub, &client_side,
					     &conn), 0);
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	ilen = recv(sink, initial, sizeof(initial), 0);
	assert_true(ilen >= 1200);

	for (round = 0; round < 50; round++) {
		size_t len = 1 + (size_t)round * 29 % sizeof(junk);

		assert_int_equal(gnutls_rnd(GNUTLS_RND_NONCE, junk, len), 0);
		if (round % 5 == 0)
			junk[0] = 0xc0 | (junk[0] & 0x0f);   /* long header bit set */
		if (round % 5 == 1 && len > 5)
			memcpy(junk + 1, "\0\0\0\1", 4);      /* QUIC v1 long header */
		send_raw(raw, &server_side.addr, junk, len);
		send_raw(raw, &client_side.addr, junk, len);
	}
	/* Truncated Initials and one with a corrupted payload. */
	send_raw(raw, &server_side.addr, initial, 1);
	send_raw(raw, &server_side.addr, initial, 7);
	send_raw(raw, &server_side.addr, initial, 60);
	send_raw(raw, &server_side.addr, initial, 1199);
	send_raw(raw, &server_side.addr, initial, (size_t)ilen - 1);
	for (i = 200; i < 260; i++)
		initial[i] ^= 0x5a;
	send_raw(raw, &server_side.addr, initial, (size_t)ilen);
	send_raw(raw, &server_side.addr, initial, 0);
	assert_true(run_until(server_drained));
	assert_int_equal(server_side.authorize_calls + server_side.established, 0);
	assert_int_equal(server_side.closed + client_side.closed, 0);

	/* Both endpoints still work. */
	burrow_quic_close(conn, 0, "test done");
	connect_client(server_side.pub);
	assert_true(run_until(both_established));
	assert_int_equal(server_side.authorize_calls, 1);
	close(raw);
	close(sink);
}

/*
 * A flood of valid-looking client Initials (replayed from 80 real ones the
 * server never hears the rest of) fills the table of pending handshakes;
 * a real client must still get through.
 */
static void test_initial_flood(void **state)
{
	enum { FLOOD = 80 };
	struct sockaddr_in sink_addr;
	int sink = udp_socket(&sink_addr);
	int raw = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct pollfd pfd = { .fd = sink, .events = POLLIN };
	uint8_t initial[2048];
	struct burrow_quic_conn *conn;
	int i, sent = 0;

	(void)state;
	assert_true(raw >= 0);
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, NULL);
	for (i = 0; i < FLOOD; i++)
		assert_int_equal(burrow_quic_connect(client_side.ep,
						     (struct sockaddr *)&sink_addr,
						     sizeof(sink_addr), server_side.pub,
						     &client_side, &conn), 0);
	/* Each connection's first datagram is its Initial (new DCID each). */
	while (sent < FLOOD && poll(&pfd, 1, 5000) == 1) {
		ssize_t n = recv(sink, initial, sizeof(initial), 0);

		assert_true(n >= 1200);
		send_raw(raw, &server_side.addr, initial, (size_t)n);
		sent++;
	}
	assert_int_equal(sent, FLOOD);
	assert_true(run_until(server_drained));
	assert_non_null(strstr(burrow_quic_endpoint_last_error(server_side.ep),
			       "too many handshakes"));
	assert_int_equal(server_side.authorize_calls, 0);

	connect_client(server_side.pub);
	assert_true(run_until(both_established));
	assert_int_equal(server_side.authorize_calls, 1);
	close(raw);
	close(sink);
}

/* An unknown version in a full-size long header gets Version Negotiation
 * listing v1 with the CIDs mirrored; a short one gets nothing. */
static void test_version_negotiation(void **state)
{
	struct sockaddr_in me;
	int fd = udp_socket(&me);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t pkt[1200] = { 0xc0, 0x1a, 0x2a, 0x3a, 0x4a,
			      8, 1, 2, 3, 4, 5, 6, 7, 8,        /* DCID */
			      4, 0xa, 0xb, 0xc, 0xd };          /* SCID */
	uint8_t reply[256];
	ssize_t n;

	(void)state;
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, NULL);    /* run_until drives both */
	send_raw(fd, &server_side.addr, pkt, 1199);     /* too small: no reply */
	send_raw(fd, &server_side.addr, pkt, sizeof(pkt));
	assert_true(run_until(server_drained));
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	n = recv(fd, reply, sizeof(reply), 0);
	/* header(1) version(4) dcidlen dcid(4) scidlen scid(8) versions(4) */
	assert_int_equal(n, 1 + 4 + 1 + 4 + 1 + 8 + 4);
	assert_true(reply[0] & 0x80);
	assert_memory_equal(reply + 1, "\0\0\0\0", 4);
	assert_int_equal(reply[5], 4);
	assert_memory_equal(reply + 6, pkt + 15, 4);    /* their SCID is our DCID */
	assert_int_equal(reply[10], 8);
	assert_memory_equal(reply + 11, pkt + 6, 8);
	assert_memory_equal(reply + 19, "\0\0\0\1", 4);
	/* Exactly one reply: the 1199-byte packet got none. */
	assert_int_equal(recv(fd, reply, sizeof(reply), MSG_DONTWAIT), -1);
	assert_int_equal(server_side.authorize_calls, 0);
	close(fd);
}

static void test_bad_settings(void **state)
{
	struct burrow_quic_settings settings = { .private_key_pem = "not a key" };
	struct sockaddr_in addr;
	int fd = udp_socket(&addr);
	gnutls_x509_privkey_t rsa;
	gnutls_datum_t pem;

	(void)state;
	assert_null(burrow_quic_endpoint_new(fd, &settings, &callbacks, NULL));
	assert_non_null(strstr(burrow_quic_setup_error(), "private key"));
	settings.private_key_pem = NULL;
	assert_null(burrow_quic_endpoint_new(fd, &settings, &callbacks, NULL));
	assert_non_null(strstr(burrow_quic_setup_error(), "no private key"));

	/* A valid PKCS#8 key of the wrong type. */
	assert_int_equal(gnutls_x509_privkey_init(&rsa), 0);
	assert_int_equal(gnutls_x509_privkey_generate2(rsa, GNUTLS_PK_ECDSA,
						       GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
						       0, NULL, 0), 0);
	assert_int_equal(gnutls_x509_privkey_export2_pkcs8(rsa, GNUTLS_X509_FMT_PEM, NULL,
							   GNUTLS_PKCS_PLAIN, &pem), 0);
	settings.private_key_pem = (const char *)pem.data;
	assert_null(burrow_quic_endpoint_new(fd, &settings, &callbacks, NULL));
	assert_non_null(strstr(burrow_quic_setup_error(), "not Ed25519"));
	gnutls_free(pem.data);
	gnutls_x509_privkey_deinit(rsa);

	settings.private_key_pem = client_side.key_pem;
	settings.alpn_override = "";
	assert_null(burrow_quic_endpoint_new(fd, &settings, &callbacks, NULL));
	assert_non_null(strstr(burrow_quic_setup_error(), "ALPN"));
	assert_null(burrow_quic_endpoint_new(-1, &(struct burrow_quic_settings){
		.private_key_pem = client_side.key_pem }, &callbacks, NULL));
	assert_non_null(strstr(burrow_quic_setup_error(), "UDP socket -1"));
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake_and_exporter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_echo_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_stream_to_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_simultaneous_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lossy_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_pinned_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_refuses_client_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_authorize_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alpn_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keepalive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_with_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect_from_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initial_flood, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_negotiation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_settings, setup, teardown),
	};

	/* BURROW_QUIC_TEST_FILTER=<glob>: run only matching tests (for captures). */
	if (getenv("BURROW_QUIC_TEST_FILTER"))
		cmocka_set_test_filter(getenv("BURROW_QUIC_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
