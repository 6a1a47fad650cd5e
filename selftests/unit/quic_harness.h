/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness for the QUIC endpoint unit tests (test_quic_*.c): a client and a
 * server endpoint on two loopback UDP sockets, Ed25519 keys made with
 * GnuTLS, callbacks that record what happened, an optional lossy relay, and
 * run_until(), a poll loop with a generous deadline (no sleeps; every wait
 * is for an event).
 *
 * Environment: BURROW_QUIC_TEST_KEYLOG=<file> writes the TLS key log of every
 * endpoint (to decode a capture with tshark); BURROW_QUIC_TEST_FILTER=<glob>
 * runs only the matching tests; BURROW_QUIC_TEST_VERBOSE=1 prints close
 * reasons.
 *
 * Decoding the handshake with tshark (loopback only):
 *   tcpdump -i lo -U -w /tmp/q.pcap 'udp and host 127.0.0.1' &
 *   BURROW_QUIC_TEST_FILTER=test_stream_echo_large \
 *   BURROW_QUIC_TEST_KEYLOG=/tmp/q.keys build/unit/test_quic_endpoint
 *   tshark -r /tmp/q.pcap -o tls.keylog_file:/tmp/q.keys -Y quic
 * (test_simultaneous_open runs two connections over one 4-tuple, and
 * test_lossy_path shows each connection on two flows; tshark's QUIC
 * dissector cannot decrypt all of those, without reporting them malformed.)
 */
#ifndef BURROW_QUIC_HARNESS_H
#define BURROW_QUIC_HARNESS_H

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
	bool dual_stack;            /* with ipv6: bind :: with IPV6_V6ONLY off */
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
	long long closed_app_error;		/* the peer's application error, -1: none */
	uint64_t closed_app_error_code;
	bool echo;                  /* server: send every byte back, fin too */
	uint64_t keepalive_ms;
	uint64_t handshake_timeout_ms;
	bool no_alpn;               /* client: send no ALPN extension (test_no_alpn) */
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
	/* what passed: datagrams with a relay header (type 0x02) and without */
	unsigned with_header, without_header;
	uint32_t last_ticket;
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

static inline int udp_socket6(struct sockaddr_in6 *addr)
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

/* [::]:0, dual-stack: IPv4 peers appear as ::ffff:a.b.c.d. */
static inline int udp_socket6_any(struct sockaddr_in6 *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int off = 0;

	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)), 0);
	memset(addr, 0, sizeof(*addr));
	addr->sin6_family = AF_INET6;
	addr->sin6_addr = in6addr_any;
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
	s->closed_app_error = -1;
	if (burrow_quic_peer_app_error(conn, &s->closed_app_error_code))
		s->closed_app_error = (long long)s->closed_app_error_code;
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
		.handshake_timeout_ms = s->handshake_timeout_ms,
		.keylog_path = getenv("BURROW_QUIC_TEST_KEYLOG"),
		.alpn = alpn,
		.test_no_alpn = s->no_alpn,
	};

	s->name = name;
	s->fd = s->dual_stack ? udp_socket6_any(&s->addr6) :
		s->ipv6 ? udp_socket6(&s->addr6) : udp_socket(&s->addr);
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
		if (n >= 8 && buf[0] == 0x02) {
			relay.with_header++;
			relay.last_ticket = (uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 |
					    (uint32_t)buf[6] << 8 | buf[7];
		} else {
			relay.without_header++;
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

static inline bool both_established(void)
{
	return client_side.established && server_side.established;
}

static inline bool client_closed(void)
{
	return client_side.closed > 0;
}

static inline bool both_closed(void)
{
	return client_side.closed && server_side.closed;
}

static inline bool server_closed(void)
{
	return server_side.closed > 0;
}

static int64_t last_stream;

static inline bool client_stream_done(void)
{
	return burrow_quic_stream_unacked(client_side.conn, last_stream) == 0;
}

static inline bool echo_complete(void)
{
	return client_side.rx_fin;
}

static inline struct burrow_quic_conn *connect_client(const uint8_t *expected)
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

static inline void handshake(void)
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

static inline void send_raw(int fd, const struct sockaddr_in *to, const uint8_t *buf, size_t len)
{
	assert_int_equal(sendto(fd, buf, len, 0, (const struct sockaddr *)to, sizeof(*to)),
			 (ssize_t)len);
}

static inline bool server_drained(void)
{
	uint8_t b;

	/* Garbage is handled once the server socket is empty. */
	return recv(server_side.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) < 0;
}

/* cmocka main() with the environment filter. */
static inline int quic_run_tests(const char *group, const struct CMUnitTest *tests, size_t n)
{
	if (getenv("BURROW_QUIC_TEST_FILTER"))
		cmocka_set_test_filter(getenv("BURROW_QUIC_TEST_FILTER"));
	return _cmocka_run_group_tests(group, tests, n, NULL, NULL);
}

#endif /* BURROW_QUIC_HARNESS_H */
