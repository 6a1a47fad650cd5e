// SPDX-License-Identifier: GPL-2.0
/*
 * ALPN dispatch (alpn.h) and the stream proxy (proxy.h), end to end in one
 * process over loopback: a server endpoint dispatching "burrow/1" to a
 * recording handler (quic_harness.h's) and "burrow-proxy/1" to a proxy
 * whose [service] targets are TCP servers in this file; a client endpoint
 * with the proxy's client side bridging socketpairs. No sleeps: pump()
 * drives every descriptor until a condition or the deadline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#pragma GCC diagnostic ignored "-Wunused-function"
#include "alpn.h"
#include "config.h"
#include "proxy.h"
#include "quic.h"
#include "quic_harness.h"

/* ---- TCP targets --------------------------------------------------------------- */

enum tmode {
	T_ECHO,		/* send back what comes; shut write after the client's EOF */
	T_SINK,		/* count and hash; shut write at EOF */
	T_LATE_ECHO,	/* read to EOF first, then send it all back and shut */
	T_GREET_SHUT,	/* send "hi!" and shut write at once; then sink */
};

struct tconn {
	int fd;
	uint8_t *buf;		/* echo: pending; late echo: everything */
	size_t off, len, cap;
	uint64_t rx, hash;
	bool eof, shut;
};

struct target {
	int lfd;
	uint16_t port;
	enum tmode mode;
	bool paused;		/* do not read (slow reader) */
	struct tconn conns[128];
	int n;
};

static struct target t_echo, t_sink, t_late, t_greet;
static struct target *targets[] = { &t_echo, &t_sink, &t_late, &t_greet };
static uint16_t closed_port;

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

#define FNV0 14695981039346656037ull

static void target_start(struct target *t, enum tmode mode)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	memset(t, 0, sizeof(*t));
	t->mode = mode;
	t->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(t->lfd >= 0);
	assert_int_equal(bind(t->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(t->lfd, 256), 0);
	assert_int_equal(getsockname(t->lfd, (struct sockaddr *)&a, &len), 0);
	t->port = ntohs(a.sin_port);
}

static void target_stop(struct target *t)
{
	for (int i = 0; i < t->n; i++) {
		if (t->conns[i].fd >= 0)
			close(t->conns[i].fd);
		free(t->conns[i].buf);
	}
	if (t->lfd > 0)
		close(t->lfd);
	memset(t, 0, sizeof(*t));
}

static void tbuf_add(struct tconn *c, const uint8_t *p, size_t n)
{
	if (c->off + c->len + n > c->cap) {
		c->cap = 2 * (c->off + c->len + n);
		c->buf = realloc(c->buf, c->cap);
		assert_non_null(c->buf);
	}
	memcpy(c->buf + c->off + c->len, p, n);
	c->len += n;
}

/* Returns bytes moved. */
static size_t target_step(struct target *t)
{
	static uint8_t buf[65536];
	size_t moved = 0;
	int fd;

	while (t->n < 128 && (fd = accept4(t->lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		struct tconn *c = &t->conns[t->n++];

		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->hash = FNV0;
		if (t->mode == T_GREET_SHUT) {
			assert_int_equal(write(fd, "hi!", 3), 3);
			shutdown(fd, SHUT_WR);
			c->shut = true;
		}
	}
	for (int i = 0; i < t->n; i++) {
		struct tconn *c = &t->conns[i];
		ssize_t n;

		if (c->fd < 0)
			continue;
		while (!t->paused && !c->eof && (n = read(c->fd, buf, sizeof(buf))) >= 0) {
			if (n == 0) {
				c->eof = true;
				break;
			}
			c->rx += (size_t)n;
			c->hash = fnv(c->hash, buf, (size_t)n);
			moved += (size_t)n;
			if (t->mode == T_ECHO || t->mode == T_LATE_ECHO)
				tbuf_add(c, buf, (size_t)n);
		}
		if (t->mode == T_ECHO || (t->mode == T_LATE_ECHO && c->eof)) {
			while (c->len && (n = send(c->fd, c->buf + c->off, c->len, MSG_NOSIGNAL)) > 0) {
				c->off += (size_t)n;
				c->len -= (size_t)n;
				moved += (size_t)n;
			}
			if (!c->len)
				c->off = 0;
		}
		if (c->eof && !c->len && !c->shut) {
			shutdown(c->fd, SHUT_WR);
			c->shut = true;
		}
	}
	return moved;
}

/* ---- client drivers: the test's end of each socketpair ------------------------------ */

struct driver {
	int fd;
	const uint8_t *tx;
	size_t tx_len, tx_off;
	bool shut_after_tx, shut;
	uint64_t rx, hash;
	uint8_t head[64];	/* first bytes received */
	bool eof;
	struct burrow_proxy_status st;
};

static struct driver drivers[128];
static int n_drivers;

static size_t driver_step(struct driver *d)
{
	uint8_t buf[65536];
	size_t moved = 0;
	ssize_t n;

	if (d->fd < 0)
		return 0;
	while (d->tx_off < d->tx_len &&
	       (n = send(d->fd, d->tx + d->tx_off, d->tx_len - d->tx_off, MSG_DONTWAIT | MSG_NOSIGNAL)) > 0) {
		d->tx_off += (size_t)n;
		moved += (size_t)n;
	}
	if (d->tx_off == d->tx_len && d->shut_after_tx && !d->shut) {
		shutdown(d->fd, SHUT_WR);
		d->shut = true;
	}
	while (!d->eof && (n = recv(d->fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0) {
		if (n == 0) {
			d->eof = true;
			break;
		}
		if (d->rx < sizeof(d->head))
			memcpy(d->head + d->rx, buf,
			       (size_t)n < sizeof(d->head) - d->rx ? (size_t)n : sizeof(d->head) - d->rx);
		d->rx += (size_t)n;
		d->hash = fnv(d->hash, buf, (size_t)n);
		moved += (size_t)n;
	}
	return moved;
}

/* ---- endpoints ------------------------------------------------------------------ */

static struct burrow_alpn_registry reg;
#define DIAL_ALPN "burrow-dial/1"
static struct side dial_side;		/* the dial-only handler's observations */
static struct burrow_proxy *px_server, *px_client;
static struct burrow_config cfg;
static struct burrow_quic_endpoint *ep_server, *ep_client;
static int fd_server, fd_client;
static struct sockaddr_in addr_server, addr_client;
static struct burrow_proxy_conn *pconn;
static struct burrow_quic_conn *qconn;
static bool client_known = true;

static const char *peer_name(void *arg, const uint8_t key[32])
{
	(void)arg;
	if (client_known && !memcmp(key, client_side.pub, 32))
		return "laptop";
	return NULL;
}

static const struct burrow_config *get_config(void *arg)
{
	(void)arg;
	return &cfg;
}

static size_t pump_step(int timeout_cap_ms)
{
	struct pollfd pfd[512];
	struct burrow_quic_endpoint *eps[3] = { ep_server, ep_client, client_side.ep };
	int fds[3] = { fd_server, fd_client, client_side.fd };
	uint64_t now = burrow_quic_now(), next = UINT64_MAX;
	size_t moved = 0;
	int n = 0, timeout, ready;

	for (int i = 0; i < 3; i++) {
		if (!eps[i])
			continue;
		pfd[n++] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (burrow_quic_endpoint_next_expiry(eps[i]) < next)
			next = burrow_quic_endpoint_next_expiry(eps[i]);
	}
	pfd[n++] = (struct pollfd){ .fd = burrow_proxy_fd(px_server), .events = POLLIN };
	pfd[n++] = (struct pollfd){ .fd = burrow_proxy_fd(px_client), .events = POLLIN };
	for (size_t t = 0; t < 4; t++) {
		pfd[n++] = (struct pollfd){ .fd = targets[t]->lfd, .events = POLLIN };
		for (int i = 0; i < targets[t]->n; i++)
			if (targets[t]->conns[i].fd >= 0 && n < 500)
				pfd[n++] = (struct pollfd){ .fd = targets[t]->conns[i].fd,
							    .events = (targets[t]->paused ? 0 : POLLIN) |
								      (targets[t]->conns[i].len ? POLLOUT : 0) };
	}
	for (int i = 0; i < n_drivers && n < 510; i++)
		if (drivers[i].fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = drivers[i].fd,
						    .events = POLLIN | (drivers[i].tx_off < drivers[i].tx_len ?
									POLLOUT : 0) };
	timeout = next <= now ? 0 : next == UINT64_MAX ? timeout_cap_ms :
		  (int)((next - now) / 1000000 + 1);
	if (timeout > timeout_cap_ms)
		timeout = timeout_cap_ms;
	ready = poll(pfd, (nfds_t)n, timeout);
	assert_true(ready >= 0);
	for (int i = 0; i < 3; i++) {
		if (!eps[i])
			continue;
		burrow_quic_endpoint_read(eps[i]);
		if (burrow_quic_endpoint_next_expiry(eps[i]) <= burrow_quic_now())
			burrow_quic_endpoint_handle_expiry(eps[i]);
	}
	for (size_t t = 0; t < 4; t++)
		moved += target_step(targets[t]);
	for (int i = 0; i < n_drivers; i++)
		moved += driver_step(&drivers[i]);
	burrow_proxy_run(px_server);
	burrow_proxy_run(px_client);
	burrow_proxy_kick(px_server);
	burrow_proxy_kick(px_client);
	return moved + (size_t)ready;	/* 0: a poll that timed out and nothing moved */
}

static bool pump(done_fn done)
{
	uint64_t deadline = burrow_quic_now() + DEADLINE_NS;

	while (!done()) {
		if (burrow_quic_now() >= deadline)
			return false;
		pump_step(50);
	}
	return true;
}

/* Until nothing moves any more: three polls in a row time out with no
 * descriptor ready and no byte moved. */
static void pump_idle(void)
{
	uint64_t deadline = burrow_quic_now() + DEADLINE_NS;
	int quiet = 0;

	while (quiet < 3 && burrow_quic_now() < deadline)
		quiet = pump_step(50) ? 0 : quiet + 1;
}

static void start_server(void)
{
	char text[2048];
	char err[256];

	target_start(&t_echo, T_ECHO);
	target_start(&t_sink, T_SINK);
	target_start(&t_late, T_LATE_ECHO);
	target_start(&t_greet, T_GREET_SHUT);
	{
		/* A port nobody listens on: bind, note, close. */
		struct target tmp;

		target_start(&tmp, T_SINK);
		closed_port = tmp.port;
		target_stop(&tmp);
	}
	snprintf(text, sizeof(text),
		 "[node]\nname = srv\n"
		 "[service echo]\ntarget = 127.0.0.1:%u\n"
		 "[service sink]\ntarget = 127.0.0.1:%u\n"
		 "[service late]\ntarget = 127.0.0.1:%u\n"
		 "[service greet]\ntarget = 127.0.0.1:%u\n"
		 "[service limited]\ntarget = 127.0.0.1:%u\nmax_streams = 2\n"
		 "[service private]\ntarget = 127.0.0.1:%u\nallow = build-*, admin\n"
		 "[service mine]\ntarget = 127.0.0.1:%u\nallow = lap*\n"
		 "[service closed]\ntarget = 127.0.0.1:%u\n"
		 "[service many]\ntarget = 127.0.0.1:%u\nmax_streams = 128\n",
		 t_echo.port, t_sink.port, t_late.port, t_greet.port, t_echo.port, t_echo.port,
		 t_echo.port, closed_port, t_echo.port);
	if (burrow_config_parse_string(text, "test.conf", &cfg, err, sizeof(err)))
		fail_msg("config: %s", err);

	px_server = burrow_proxy_new(&(struct burrow_proxy_ops){ .peer_name = peer_name,
								 .config = get_config });
	px_client = burrow_proxy_new(NULL);
	assert_non_null(px_server);
	assert_non_null(px_client);
	memset(&reg, 0, sizeof(reg));
	/* burrow/1 goes to the harness's recording callbacks (server_side). */
	assert_int_equal(burrow_alpn_register(&reg, BURROW_QUIC_ALPN, &callbacks, &server_side), 0);
	assert_int_equal(burrow_alpn_register(&reg, BURROW_PROXY_ALPN, &burrow_proxy_callbacks,
					      px_server), 0);
	assert_int_equal(burrow_alpn_register(&reg, BURROW_PROXY_ALPN, &burrow_proxy_callbacks,
					      px_server), -EEXIST);
	/* A protocol the server's endpoint only dials (as burrowd dials burrow-coord/1). */
	memset(&dial_side, 0, sizeof(dial_side));
	dial_side.name = "dial";
	assert_int_equal(burrow_alpn_register_dial(&reg, DIAL_ALPN, &callbacks, &dial_side), 0);
	fd_server = udp_socket(&addr_server);
	ep_server = burrow_quic_endpoint_new(fd_server, &(struct burrow_quic_settings){
			.private_key_pem = server_side.key_pem,
			.alpn = BURROW_QUIC_ALPN,
			.accept_alpns = burrow_alpn_accept_list(&reg) },
		&burrow_alpn_callbacks, &reg);
	if (!ep_server)
		fail_msg("server endpoint: %s", burrow_quic_setup_error());
	server_side.addr = addr_server;
	fd_client = udp_socket(&addr_client);
	ep_client = burrow_quic_endpoint_new(fd_client, &(struct burrow_quic_settings){
			.private_key_pem = client_side.key_pem, .alpn = BURROW_PROXY_ALPN },
		&burrow_proxy_callbacks, px_client);
	assert_non_null(ep_client);
}

static bool proxy_ready(void)
{
	return burrow_proxy_conn_ready(pconn);
}

static void connect_proxy(void)
{
	pconn = burrow_proxy_client_conn(px_client);
	assert_non_null(pconn);
	assert_int_equal(burrow_quic_connect(ep_client, (struct sockaddr *)&addr_server,
					     sizeof(addr_server), server_side.pub, pconn, &qconn), 0);
	if (!pump(proxy_ready))
		fail_msg("proxy connection not up");
	assert_string_equal(burrow_quic_conn_alpn(qconn), BURROW_PROXY_ALPN);
}

static int proxy_setup(void **state)
{
	setup(state);
	n_drivers = 0;
	memset(drivers, 0, sizeof(drivers));
	client_known = true;
	ep_server = ep_client = NULL;
	start_server();
	return 0;
}

static int proxy_teardown(void **state)
{
	if (ep_client)
		burrow_quic_endpoint_free(ep_client);
	if (ep_server)
		burrow_quic_endpoint_free(ep_server);
	ep_client = ep_server = NULL;
	burrow_proxy_free(px_client);
	burrow_proxy_free(px_server);
	close(fd_client);
	close(fd_server);
	for (size_t t = 0; t < 4; t++)
		target_stop(targets[t]);
	for (int i = 0; i < n_drivers; i++)
		if (drivers[i].fd >= 0)
			close(drivers[i].fd);
	burrow_config_free(&cfg);
	server_side.fd = -1;	/* not the harness's own socket */
	server_side.ep = NULL;
	teardown(state);
	return 0;
}

/* A stream asking for service; the driver feeds tx and records what comes back. */
static struct driver *open_stream(const char *service, const uint8_t *tx, size_t len, bool shut)
{
	struct driver *d = &drivers[n_drivers++];
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	memset(d, 0, sizeof(*d));
	d->fd = sv[0];
	d->tx = tx;
	d->tx_len = len;
	d->shut_after_tx = shut;
	d->hash = FNV0;
	assert_int_equal(burrow_proxy_open(pconn, service, sv[1], sv[1], &d->st), 0);
	return d;
}

static bool all_answered(void)
{
	for (int i = 0; i < n_drivers; i++)
		if (!drivers[i].st.answered && !drivers[i].st.failed)
			return false;
	return true;
}

static bool all_finished(void)
{
	for (int i = 0; i < n_drivers; i++)
		if (!(drivers[i].st.finished && drivers[i].eof) && !drivers[i].st.failed &&
		    !(drivers[i].st.answered && drivers[i].st.code))
			return false;
	return true;
}

static uint8_t *pattern(size_t len, unsigned seed)
{
	uint8_t *p = malloc(len);

	assert_non_null(p);
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)((i * 2654435761u + seed) >> 13);
	return p;
}

/* ---- tests ------------------------------------------------------------------- */

static bool side_client_established(void)
{
	return client_side.established && server_side.established;
}

static bool proxy_dispatched(void)
{
	return reg.handlers[1].connections > 0;
}

static void test_alpn_dispatch(void **state)
{
	struct driver *d;

	(void)state;
	/* burrow/1 reaches its handler (the harness's callbacks)... */
	side_start(&client_side, "client", 0, NULL);
	connect_client(server_side.pub);
	if (!pump(side_client_established))
		fail_msg("burrow/1 not dispatched: %s", client_side.closed_reason);
	assert_string_equal(burrow_quic_conn_alpn(server_side.conn), BURROW_QUIC_ALPN);
	assert_int_equal(reg.handlers[0].connections, 1);
	assert_int_equal(reg.handlers[1].connections, 0);
	/* ...burrow-proxy/1 reaches the proxy... */
	connect_proxy();
	assert_true(pump(proxy_dispatched));	/* the server checks the client's key last */
	assert_int_equal(reg.handlers[1].connections, 1);
	d = open_stream("echo", (const uint8_t *)"ping", 4, true);
	assert_true(pump(all_finished));
	assert_int_equal(d->st.code, BURROW_PROXY_OK);
	assert_int_equal(d->rx, 4);
	assert_memory_equal(d->head, "ping", 4);
	assert_int_equal(burrow_quic_endpoint_alpn_refused(ep_server), 0);
}

static bool dial_established(void)
{
	return dial_side.established && client_side.established;
}

/*
 * A dial-only ALPN (burrowd's coordination protocol): the endpoint that
 * serves burrow/1 and burrow-proxy/1 dials it from its one socket, and the
 * connection's callbacks go to its handler, not the endpoint's first one.
 * Offered to that endpoint by a client, it is refused like an unknown ALPN.
 */
static void test_alpn_dial_only(void **state)
{
	struct burrow_quic_conn *conn;

	(void)state;
	assert_null(burrow_alpn_accept_list(&reg)[1]);	/* only burrow-proxy/1 */
	side_start(&client_side, "client", 0, DIAL_ALPN);	/* serves DIAL_ALPN */
	assert_int_equal(burrow_quic_connect_alpn(ep_server, DIAL_ALPN,
						  (struct sockaddr *)&client_side.addr,
						  sizeof(client_side.addr), client_side.pub,
						  &dial_side, &conn), 0);
	if (!pump(dial_established))
		fail_msg("dial-only connection not established: %s", dial_side.closed_reason);
	assert_ptr_equal(dial_side.conn, conn);
	assert_string_equal(burrow_quic_conn_alpn(conn), DIAL_ALPN);
	assert_int_equal(reg.handlers[2].connections, 1);
	assert_int_equal(reg.handlers[0].connections + reg.handlers[1].connections, 0);
	assert_int_equal(server_side.established, 0);

	/* The other way: a client offering it to the server is refused. */
	connect_client(server_side.pub);
	if (!pump(client_closed))
		fail_msg("dial-only ALPN accepted from a client");
	if (!strstr(client_side.closed_reason, "TLS alert 120"))
		fail_msg("reason: %s", client_side.closed_reason);
	assert_int_equal(burrow_quic_endpoint_alpn_refused(ep_server), 1);
	assert_int_equal(reg.handlers[2].connections, 1);

	assert_int_equal(burrow_quic_connect_alpn(ep_server, "", (struct sockaddr *)&client_side.addr,
						  sizeof(client_side.addr), client_side.pub,
						  &dial_side, &conn), -EINVAL);
	assert_int_equal(burrow_alpn_register_dial(&(struct burrow_alpn_registry){ 0 }, DIAL_ALPN,
						   &callbacks, &dial_side), -EINVAL);
}

static void test_alpn_unknown_refused(void **state)
{
	(void)state;
	side_start(&client_side, "client", 0, "burrow-nope/1");
	connect_client(server_side.pub);
	if (!pump(client_closed))
		fail_msg("unknown ALPN not refused");
	if (!strstr(client_side.closed_reason, "TLS alert 120"))
		fail_msg("reason: %s", client_side.closed_reason);
	assert_int_equal(burrow_quic_endpoint_alpn_refused(ep_server), 1);
	assert_int_equal(server_side.established, 0);
	assert_int_equal(reg.handlers[0].connections + reg.handlers[1].connections, 0);
}

static void test_proxy_echo(void **state)
{
	static const char msg[] = "SSH-2.0-OpenSSH_9.6\r\n";
	struct driver *d;

	(void)state;
	connect_proxy();
	d = open_stream("echo", (const uint8_t *)msg, strlen(msg), true);
	assert_true(pump(all_finished));
	assert_true(d->st.answered);
	assert_int_equal(d->st.code, 0);
	assert_int_equal(d->rx, strlen(msg));
	assert_memory_equal(d->head, msg, strlen(msg));
	assert_false(d->st.failed);
	assert_int_equal(burrow_proxy_counters(px_server)->accepted, 1);
	assert_int_equal(burrow_proxy_counters(px_server)->active, 0);
	assert_int_equal(burrow_proxy_service_active(px_server, "echo"), 0);
}

static void expect_refusal(const char *service, unsigned code, const char *text_part)
{
	struct driver *d = open_stream(service, (const uint8_t *)"x", 1, false);

	assert_true(pump(all_answered));
	assert_true(d->st.answered);
	assert_int_equal(d->st.code, code);
	if (!strstr(d->st.text, text_part))
		fail_msg("refusal text '%s' lacks '%s'", d->st.text, text_part);
	assert_int_equal(burrow_proxy_counters(px_server)->refused[code], 1);
}

static void test_proxy_unknown_service(void **state)
{
	(void)state;
	connect_proxy();
	expect_refusal("nosuch", BURROW_PROXY_UNKNOWN_SERVICE, "no service 'nosuch'");
}

static void test_proxy_refused_peer(void **state)
{
	(void)state;
	connect_proxy();
	expect_refusal("private", BURROW_PROXY_NOT_ALLOWED, "peer laptop may not use");
	/* allow = lap* lets it in */
	open_stream("mine", (const uint8_t *)"ok", 2, true);
	assert_true(pump(all_finished));
	assert_int_equal(drivers[1].st.code, 0);
}

static void test_proxy_unknown_key(void **state)
{
	(void)state;
	client_known = false;
	pconn = burrow_proxy_client_conn(px_client);
	assert_int_equal(burrow_quic_connect(ep_client, (struct sockaddr *)&addr_server,
					     sizeof(addr_server), server_side.pub, pconn, &qconn), 0);
	pump_idle();
	assert_int_equal(burrow_proxy_counters(px_server)->refused_peers, 1);
	assert_int_equal(reg.handlers[1].connections, 0);
}

static void test_proxy_target_refused(void **state)
{
	(void)state;
	connect_proxy();
	expect_refusal("closed", BURROW_PROXY_TARGET_REFUSED, "refused");
	assert_int_equal(burrow_proxy_service_active(px_server, "closed"), 0);
}

static bool first_finished(void)
{
	return drivers[0].st.finished && drivers[0].eof;
}

static void test_proxy_limit(void **state)
{
	(void)state;
	connect_proxy();
	/* Two streams held open (no FIN), the third is refused. */
	open_stream("limited", (const uint8_t *)"a", 1, false);
	open_stream("limited", (const uint8_t *)"b", 1, false);
	assert_true(pump(all_answered));
	assert_int_equal(drivers[0].st.code, 0);
	assert_int_equal(drivers[1].st.code, 0);
	assert_int_equal(burrow_proxy_service_active(px_server, "limited"), 2);
	open_stream("limited", (const uint8_t *)"c", 1, false);
	assert_true(pump(all_answered));
	assert_int_equal(drivers[2].st.code, BURROW_PROXY_LIMIT_REACHED);
	assert_non_null(strstr(drivers[2].st.text, "2 streams"));
	/* One ends: a slot is free again. */
	shutdown(drivers[0].fd, SHUT_WR);
	drivers[0].shut = true;
	assert_true(pump(first_finished));
	assert_int_equal(burrow_proxy_service_active(px_server, "limited"), 1);
	open_stream("limited", (const uint8_t *)"d", 1, true);
	assert_true(pump(all_answered));
	assert_int_equal(drivers[3].st.code, 0);
}

/* The client ends its side first; the target answers only after that. */
static void test_proxy_half_close_client_first(void **state)
{
	size_t len = 300 * 1000;
	uint8_t *data = pattern(len, 1);
	struct driver *d;

	(void)state;
	connect_proxy();
	d = open_stream("late", data, len, true);
	assert_true(pump(all_finished));
	assert_int_equal(d->st.code, 0);
	assert_int_equal(t_late.conns[0].rx, len);
	assert_int_equal(d->rx, len);
	assert_true(d->hash == fnv(FNV0, data, len));
	free(data);
}

static bool greet_target_done(void)
{
	return t_greet.n && t_greet.conns[0].eof;
}

/* The target ends its side first (greets, shuts); the client keeps sending. */
static void test_proxy_half_close_target_first(void **state)
{
	size_t len = 1024 * 1024 + 7;
	uint8_t *data = pattern(len, 2);
	struct driver *d;

	(void)state;
	connect_proxy();
	d = open_stream("greet", data, len, true);
	assert_true(pump(all_finished));
	assert_true(pump(greet_target_done));
	assert_int_equal(d->st.code, 0);
	assert_int_equal(d->rx, 3);
	assert_memory_equal(d->head, "hi!", 3);
	assert_int_equal(t_greet.conns[0].rx, len);
	assert_true(t_greet.conns[0].hash == fnv(FNV0, data, len));
	free(data);
}

static void test_proxy_100_streams(void **state)
{
	size_t len = 64 * 1024 + 11;
	uint8_t *data[100];

	(void)state;
	connect_proxy();
	for (int i = 0; i < 100; i++)
		data[i] = pattern(len, (unsigned)i);
	/* 16 streams at first; the server's MAX_STREAMS (1024) comes right after. */
	for (int i = 0; i < 100; i++) {
		struct driver *d = &drivers[n_drivers];
		int sv[2], ret;

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
		*d = (struct driver){ .fd = sv[0], .tx = data[i], .tx_len = len,
				      .shut_after_tx = true, .hash = FNV0 };
		while ((ret = burrow_proxy_open(pconn, "many", sv[1], sv[1], &d->st)) == -EAGAIN)
			pump_step(50);
		assert_int_equal(ret, 0);
		n_drivers++;
	}
	if (!pump(all_finished))
		fail_msg("100 streams did not finish");
	for (int i = 0; i < 100; i++) {
		assert_int_equal(drivers[i].st.code, 0);
		assert_false(drivers[i].st.failed);
		assert_int_equal(drivers[i].rx, len);
		assert_true(drivers[i].hash == fnv(FNV0, data[i], len));
		free(data[i]);
	}
	assert_int_equal(burrow_proxy_counters(px_server)->accepted, 100);
	assert_int_equal(burrow_proxy_counters(px_server)->active, 0);
}

/* A target that does not read: what the proxy holds stays bounded. */
static void test_proxy_slow_reader(void **state)
{
	size_t len = 8 * 1024 * 1024;
	uint8_t *data = pattern(len, 3);
	const struct burrow_proxy_counters *sc = burrow_proxy_counters(px_server);
	struct driver *d;

	(void)state;
	connect_proxy();
	/* Small TCP buffers at the sink, so the proxy's own bound is what holds. */
	assert_int_equal(setsockopt(t_sink.lfd, SOL_SOCKET, SO_RCVBUF, &(int){ 4096 }, sizeof(int)), 0);
	t_sink.paused = true;
	d = open_stream("sink", data, len, true);
	pump_idle();
	/* Stuck: not everything was taken, and buffers are bounded. */
	assert_true(d->tx_off < len);
	assert_true(sc->max_buffered <= 2 * 1024 * 1024 + 64 * 1024);
	assert_true(burrow_quic_stream_unacked(qconn, d->st.stream_id) <=
		    BURROW_PROXY_SEND_BOUND + 64 * 1024);
	print_message("# slow reader: stalled after %zu of %zu bytes; the server proxy held at "
		      "most %zu, the client's stream %zu unacknowledged\n", d->tx_off, len,
		      sc->max_buffered, burrow_quic_stream_unacked(qconn, d->st.stream_id));
	/* The reader wakes up: everything arrives intact. */
	t_sink.paused = false;
	assert_true(pump(all_finished));
	assert_int_equal(t_sink.conns[0].rx, len);
	assert_true(t_sink.conns[0].hash == fnv(FNV0, data, len));
	assert_true(sc->max_buffered <= 2 * 1024 * 1024 + 64 * 1024);
	free(data);
}

static bool first_echoed(void)
{
	return drivers[0].rx == 3;
}

static bool first_failed(void)
{
	return drivers[0].st.failed && drivers[0].eof;
}

/* The target resets its TCP connection: the stream is reset, the client's
 * local side closed, the service slot freed. */
static void test_proxy_reset(void **state)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct driver *d;

	(void)state;
	connect_proxy();
	d = open_stream("echo", (const uint8_t *)"abc", 3, false);
	assert_true(pump(first_echoed));
	assert_int_equal(d->st.code, 0);
	assert_int_equal(setsockopt(t_echo.conns[0].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(t_echo.conns[0].fd);
	t_echo.conns[0].fd = -1;
	if (!pump(first_failed))
		fail_msg("no reset: %s", d->st.why);
	if (!strstr(d->st.why, "reset"))
		fail_msg("why: %s", d->st.why);
	pump_idle();
	assert_int_equal(burrow_proxy_counters(px_server)->active, 0);
	assert_int_equal(burrow_proxy_counters(px_client)->active, 0);
	assert_true(burrow_proxy_counters(px_server)->resets >= 1);
	assert_int_equal(burrow_proxy_service_active(px_server, "echo"), 0);
}

static bool client_only_established(void)
{
	return client_side.established > 0;
}

static void test_proxy_malformed_request(void **state)
{
	static const uint8_t bad[] = { 1, 3, 'a', '/', 'b' };
	int64_t sid;

	(void)state;
	/* A raw client (harness callbacks) speaking the proxy ALPN badly. */
	side_start(&client_side, "client", 0, BURROW_PROXY_ALPN);
	connect_client(server_side.pub);
	assert_true(pump(client_only_established));
	assert_int_equal(burrow_quic_open_stream(client_side.conn, &sid), 0);
	assert_int_equal(burrow_quic_send(client_side.conn, sid, bad, sizeof(bad), false), 0);
	assert_true(pump(echo_complete));
	assert_true(client_side.rx_len >= 3);
	assert_int_equal(client_side.rx[0], BURROW_PROXY_VERSION);
	assert_int_equal(client_side.rx[1], BURROW_PROXY_MALFORMED);
	assert_int_equal(burrow_proxy_counters(px_server)->refused[BURROW_PROXY_MALFORMED], 1);
}

/* `burrowd connect`'s loop (burrow_proxy_connect_run) in a child process,
 * with pipes as its stdin and stdout, against this process's server. */
static pid_t child;
static int child_status = -1;

static bool child_exited(void)
{
	int st;

	if (waitpid(child, &st, WNOHANG) != child)
		return false;
	child_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	return true;
}

static int run_connect(const char *service, const char *input, char *output, size_t size)
{
	int in[2], out[2];
	ssize_t n;

	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(write(in[1], input, strlen(input)), (ssize_t)strlen(input));
	close(in[1]);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		char err[256];
		int ret;

		close(out[0]);
		ret = burrow_proxy_connect_run(client_side.key_pem, (struct sockaddr *)&addr_server,
					       sizeof(addr_server), server_side.pub, service,
					       in[0], out[1], err, sizeof(err));
		if (ret)
			fprintf(stderr, "# connect: %s\n", err);
		_exit(ret);
	}
	close(in[0]);
	close(out[1]);
	child_status = -1;
	if (!pump(child_exited))
		fail_msg("burrowd connect did not finish");
	n = read(out[0], output, size - 1);
	output[n > 0 ? n : 0] = '\0';
	close(out[0]);
	return child_status;
}

static void test_connect_run(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(run_connect("echo", "through pipes\n", out, sizeof(out)), 0);
	assert_string_equal(out, "through pipes\n");
	assert_int_equal(run_connect("nosuch", "x", out, sizeof(out)),
			 10 + BURROW_PROXY_UNKNOWN_SERVICE);
	assert_int_equal(run_connect("private", "x", out, sizeof(out)),
			 10 + BURROW_PROXY_NOT_ALLOWED);
	assert_int_equal(run_connect("closed", "x", out, sizeof(out)),
			 10 + BURROW_PROXY_TARGET_REFUSED);
	client_known = false;
	assert_int_equal(run_connect("echo", "x", out, sizeof(out)), 1);
}

static bool two_answers(void)
{
	return client_side.rx_len >= 2 * (3 + strlen("no service 'nosuch' on this node"));
}

/* A later stream's request arrives first: the earlier one is still a new
 * request, not taken for a stream already handled. */
static void test_proxy_streams_out_of_order(void **state)
{
	uint8_t req[BURROW_PROXY_REQUEST_MAX];
	int n = burrow_proxy_request_encode("nosuch", req, sizeof(req));
	int64_t first, second;

	(void)state;
	side_start(&client_side, "client", 0, BURROW_PROXY_ALPN);
	connect_client(server_side.pub);
	assert_true(pump(client_only_established));
	assert_int_equal(burrow_quic_open_stream(client_side.conn, &first), 0);
	assert_int_equal(burrow_quic_open_stream(client_side.conn, &second), 0);
	assert_true(second > first);
	assert_int_equal(burrow_quic_send(client_side.conn, second, req, (size_t)n, false), 0);
	assert_true(pump(echo_complete));
	client_side.rx_fin = false;
	assert_int_equal(burrow_quic_send(client_side.conn, first, req, (size_t)n, false), 0);
	if (!pump(two_answers))
		fail_msg("the earlier stream got no answer (%zu bytes in all)", client_side.rx_len);
	assert_int_equal(burrow_proxy_counters(px_server)->refused[BURROW_PROXY_UNKNOWN_SERVICE], 2);
}

static void test_parsers(void **state)
{
	static const struct { const uint8_t b[8]; size_t len; int want; } req[] = {
		{ { 2, 1, 'a' }, 3, -EPROTO },		/* version */
		{ { 1, 0 }, 2, -EPROTO },		/* empty name */
		{ { 1, 64 }, 2, -EPROTO },		/* too long */
		{ { 1, 3, 'a', ' ', 'b' }, 5, -EPROTO },	/* bad character */
		{ { 1, 1, 0 }, 3, -EPROTO },		/* NUL */
		{ { 1 }, 1, 0 },			/* partial */
		{ { 1, 3, 's', 's' }, 4, 0 },		/* partial */
		{ { 1, 3, 's', 's', 'h', 9 }, 6, 5 },	/* complete, data follows */
	};
	uint8_t buf[300];
	char name[64], text[256];
	const char *why;
	unsigned code;

	(void)state;
	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
		int got = burrow_proxy_request_parse(req[i].b, req[i].len, name, &why);

		if (got != req[i].want)
			fail_msg("request %zu: %d, want %d", i, got, req[i].want);
		if (got < 0)
			assert_non_null(why);
	}
	assert_string_equal(name, "ssh");
	assert_int_equal(burrow_proxy_request_encode("a b", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(burrow_proxy_request_encode("ssh", buf, 4), -EINVAL);
	assert_int_equal(burrow_proxy_request_encode("ssh", buf, sizeof(buf)), 5);

	assert_int_equal(burrow_proxy_response_encode(4, "target refused", buf, sizeof(buf)), 17);
	for (size_t cut = 0; cut < 17; cut++)
		assert_int_equal(burrow_proxy_response_parse(buf, cut, &code, text, &why), 0);
	assert_int_equal(burrow_proxy_response_parse(buf, 17, &code, text, &why), 17);
	assert_int_equal(code, 4);
	assert_string_equal(text, "target refused");
	buf[5] = '\n';
	assert_int_equal(burrow_proxy_response_parse(buf, 17, &code, text, &why), -EPROTO);
	buf[0] = 9;
	assert_int_equal(burrow_proxy_response_parse(buf, 1, &code, text, &why), -EPROTO);
	memset(text, 'x', 255);
	text[255] = '\0';
	/* Over-long text is cut at 255 bytes. */
	assert_int_equal(burrow_proxy_response_encode(1, text, buf, sizeof(buf)), 258);
}

static void test_config_service(void **state)
{
	static const struct { const char *text; const char *err; } bad[] = {
		{ "[service a b]\ntarget = 127.0.0.1:1\n", "invalid service name" },
		{ "[service s]\n", "has no target" },
		{ "[service s]\ntarget = localhost:22\n", "target" },
		{ "[service s]\ntarget = 127.0.0.1:22\nmax_streams = 0\n", "max_streams" },
		{ "[service s]\ntarget = 127.0.0.1:22\nallow = a b\n", "allow" },
		{ "[service s]\ntarget = 127.0.0.1:22\nport = 1\n", "unknown key" },
		{ "[service s]\ntarget = 127.0.0.1:22\n[service s]\ntarget = 127.0.0.1:23\n",
		  "duplicate service" },
	};
	struct burrow_config c;
	char text[512], err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[node]\nname = n\n%s", bad[i].text);
		assert_int_equal(burrow_config_parse_string(text, "t.conf", &c, err, sizeof(err)),
				 -EINVAL);
		if (!strstr(err, bad[i].err))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].err);
	}
	assert_int_equal(burrow_config_parse_string(
		"[node]\nname = n\n[service ssh]\ntarget = [::1]:22\nallow = laptop, build-*\n",
		"t.conf", &c, err, sizeof(err)), 0);
	assert_int_equal(c.n_services, 1);
	assert_int_equal(c.services[0].max_streams, BURROW_CONFIG_SERVICE_DEFAULT_STREAMS);
	assert_true(burrow_config_service_allows(&c.services[0], "laptop"));
	assert_true(burrow_config_service_allows(&c.services[0], "build-7"));
	assert_false(burrow_config_service_allows(&c.services[0], "laptop2"));
	burrow_config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_config_service),
		cmocka_unit_test_setup_teardown(test_alpn_dispatch, proxy_setup, proxy_teardown),
		cmocka_unit_test_setup_teardown(test_alpn_dial_only, proxy_setup, proxy_teardown),
		cmocka_unit_test_setup_teardown(test_alpn_unknown_refused, proxy_setup, proxy_teardown),
		cmocka_unit_test_setup_teardown(test_proxy_echo, proxy_setup, proxy_teardown),
		cmocka_unit_test_setup_teardown(test_proxy_unknown_service, proxy_setup, proxy_teardown),
		cmocka_unit_test_setup_teardown(test_proxy_refused_peer, proxy_setup, proxy_teardown),
		cmocka_unit_test_setup_teardown(test_proxy_unknown_key, proxy_setup, proxy_teardown),
		cmocka_unit_test_setup_teardown(test_proxy_target_refused, proxy_setup, proxy_teardown),
		cmocka_unit_test_setup_teardown(test_proxy_limit, proxy_setup, proxy_teardown),
		cmocka_unit_test_setup_teardown(test_proxy_half_close_client_first, proxy_setup,
						proxy_teardown),
		cmocka_unit_test_setup_teardown(test_proxy_half_close_target_first, proxy_setup,
						proxy_teardown),
		cmocka_unit_test_setup_teardown(test_proxy_100_streams, proxy_setup, proxy_teardown),
		cmocka_unit_test_setup_teardown(test_proxy_slow_reader, proxy_setup, proxy_teardown),
		cmocka_unit_test_setup_teardown(test_proxy_reset, proxy_setup, proxy_teardown),
		cmocka_unit_test_setup_teardown(test_proxy_malformed_request, proxy_setup,
						proxy_teardown),
		cmocka_unit_test_setup_teardown(test_connect_run, proxy_setup, proxy_teardown),
		cmocka_unit_test_setup_teardown(test_proxy_streams_out_of_order, proxy_setup,
						proxy_teardown),
	};

	return quic_run_tests("burrowd_proxy", tests, sizeof(tests) / sizeof(tests[0]));
}
