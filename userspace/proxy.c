// SPDX-License-Identifier: GPL-2.0
/*
 * The stream proxy (proxy.h): per-stream bridges between a QUIC stream
 * and local descriptors, the server's service checks, and the client side
 * `burrowd connect` (proxy_connect.c) drives. The request and response
 * codec is in proxy_codec.c.
 *
 * Lifetimes: a struct pconn per QUIC connection (its conn_user) owns its
 * streams. A stream that ends has its fds closed at once and is moved to
 * the proxy's graveyard, freed at the end of burrow_proxy_run/kick (an
 * epoll batch may still name it). A connection's closed() kills its
 * streams and frees the pconn.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy.h"

#define READ_CHUNK (64 * 1024)
/* Client stream numbers remembered as seen, past the oldest unseen one: a
 * request stream's data can arrive after a later stream's (reordering), and
 * data for a stream we ended must not start a new request. */
#define SEEN_WINDOW 4096

/* ---- state ------------------------------------------------------------------ */

enum pstate {
	PS_REQUEST,	/* server: reading the request */
	PS_CONNECTING,	/* server: TCP connect in progress */
	PS_RESPONSE,	/* client: waiting for the response */
	PS_OPEN,	/* bridging */
	PS_DEAD,	/* in the graveyard */
};

struct pstream;

struct watch {
	struct pstream *ps;
	int fd;
	uint32_t ev;		/* registered mask */
	bool added;
	bool always;		/* epoll refused it (regular file): always ready */
};

struct pstream {
	struct pstream *next;		/* pconn's list, or the graveyard */
	struct pconn *pc;
	int64_t sid;
	enum pstate state;
	int rfd, wfd;
	struct watch w[2];		/* w[0]: rfd (and wfd when equal), w[1]: wfd */
	uint8_t hdr[BURROW_PROXY_RESPONSE_MAX];
	size_t hdr_len;
	uint8_t *out;			/* QUIC -> local, not yet written */
	size_t out_off, out_len, out_cap;
	bool peer_fin;			/* QUIC FIN received */
	bool local_eof;			/* FIN queued to QUIC */
	bool wr_shut;			/* local write side shut */
	bool rd_paused;			/* waiting for acknowledgements */
	bool wfd_pipe;			/* wfd is no socket: write(), not send() */
	char service[BURROW_CONFIG_NAME_MAX + 1];
	bool counted;			/* holds a slot of its service */
	struct burrow_proxy_status *status;	/* client */
};

struct pconn {
	struct burrow_proxy *px;
	struct burrow_quic_conn *conn;
	struct pconn *next;
	struct pstream *streams;
	uint64_t seen_base;		/* stream numbers below it: all seen */
	uint8_t seen[SEEN_WINDOW / 8];	/* ring: seen_base + i at bit (that % SEEN_WINDOW) */
	char peer[BURROW_CONFIG_NAME_MAX + 1];
	bool ready;
	bool client;
};

struct svc_count {
	char name[BURROW_CONFIG_NAME_MAX + 1];
	unsigned active;
};

struct burrow_proxy {
	struct burrow_proxy_ops ops;
	int epfd;
	struct pconn *conns;
	struct pstream *graveyard;
	struct svc_count *counts;
	size_t n_counts;
	unsigned n_always;		/* watches that epoll refused */
	char last_closed[256];		/* the latest connection's closed() reason */
	struct burrow_proxy_counters c;
};

struct burrow_proxy *burrow_proxy_new(const struct burrow_proxy_ops *ops)
{
	struct burrow_proxy *px = calloc(1, sizeof(*px));

	if (!px)
		return NULL;
	if (ops)
		px->ops = *ops;
	px->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (px->epfd < 0) {
		free(px);
		return NULL;
	}
	return px;
}

static bool want_read(const struct pstream *ps);

int burrow_proxy_fd(const struct burrow_proxy *px)
{
	return px->epfd;
}

bool burrow_proxy_busy(const struct burrow_proxy *px)
{
	if (!px->n_always)
		return false;
	for (const struct pconn *pc = px->conns; pc; pc = pc->next)
		for (const struct pstream *ps = pc->streams; ps; ps = ps->next)
			if ((ps->w[0].always && want_read(ps)) ||
			    (ps->w[1].always && ps->state == PS_OPEN && ps->out_len))
				return true;
	return false;
}

bool burrow_proxy_has_conn(const struct burrow_proxy *px)
{
	return px->conns != NULL;
}

const char *burrow_proxy_last_closed(const struct burrow_proxy *px)
{
	return px->last_closed;
}

const struct burrow_proxy_counters *burrow_proxy_counters(const struct burrow_proxy *px)
{
	return &px->c;
}

static struct svc_count *svc_count(struct burrow_proxy *px, const char *name, bool add)
{
	struct svc_count *grown;

	for (size_t i = 0; i < px->n_counts; i++)
		if (!strcmp(px->counts[i].name, name))
			return &px->counts[i];
	if (!add)
		return NULL;
	grown = realloc(px->counts, (px->n_counts + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	px->counts = grown;
	memset(&grown[px->n_counts], 0, sizeof(*grown));
	snprintf(grown[px->n_counts].name, sizeof(grown->name), "%s", name);
	return &px->counts[px->n_counts++];
}

unsigned burrow_proxy_service_active(const struct burrow_proxy *px, const char *service)
{
	struct svc_count *sc = svc_count((struct burrow_proxy *)px, service, false);

	return sc ? sc->active : 0;
}

/* ---- watches ------------------------------------------------------------------ */

static void watch_set(struct burrow_proxy *px, struct watch *w, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = w };

	if (w->fd < 0 || w->always || (w->added && w->ev == ev))
		return;
	if (w->added && !ev) {
		/* Not MOD to 0: EPOLLHUP would still be reported, level-triggered. */
		epoll_ctl(px->epfd, EPOLL_CTL_DEL, w->fd, NULL);
		w->added = false;
		w->ev = 0;
		return;
	}
	if (!w->added) {
		if (!ev)
			return;
		if (epoll_ctl(px->epfd, EPOLL_CTL_ADD, w->fd, &e) < 0) {
			if (errno == EPERM) {	/* a regular file: always ready */
				w->always = true;
				px->n_always++;
			}
			return;
		}
		w->added = true;
	} else if (epoll_ctl(px->epfd, EPOLL_CTL_MOD, w->fd, &e) < 0) {
		return;
	}
	w->ev = ev;
}

static void watch_drop(struct burrow_proxy *px, struct watch *w)
{
	if (w->added)
		epoll_ctl(px->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	if (w->always)
		px->n_always--;
	w->added = w->always = false;
	w->ev = 0;
	w->fd = -1;
}

static bool want_read(const struct pstream *ps)
{
	return ps->state == PS_OPEN && !ps->local_eof && !ps->rd_paused;
}

static bool want_write(const struct pstream *ps)
{
	return (ps->state == PS_OPEN && ps->out_len > 0) || ps->state == PS_CONNECTING;
}

static void ps_update(struct pstream *ps)
{
	struct burrow_proxy *px = ps->pc->px;
	uint32_t r = want_read(ps) ? EPOLLIN : 0, w = want_write(ps) ? EPOLLOUT : 0;

	if (ps->rfd >= 0 && ps->rfd == ps->wfd) {
		watch_set(px, &ps->w[0], r | w);
	} else {
		watch_set(px, &ps->w[0], r);
		watch_set(px, &ps->w[1], w);
	}
}

/* ---- stream lifetime ---------------------------------------------------------- */

static void ps_close_fds(struct pstream *ps, bool hard)
{
	struct burrow_proxy *px = ps->pc->px;

	watch_drop(px, &ps->w[0]);
	watch_drop(px, &ps->w[1]);
	if (hard && ps->rfd >= 0 && ps->rfd == ps->wfd) {
		/* An abortive close: the TCP peer sees a reset, not a clean end. */
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(ps->rfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	if (ps->rfd >= 0)
		close(ps->rfd);
	if (ps->wfd >= 0 && ps->wfd != ps->rfd)
		close(ps->wfd);
	if (ps->rfd >= 0 || ps->wfd >= 0)
		px->c.active--;
	ps->rfd = ps->wfd = -1;
}

/* Move to the graveyard. */
static void ps_kill(struct pstream *ps, bool hard)
{
	struct burrow_proxy *px = ps->pc->px;
	struct pstream **pp;

	if (ps->state == PS_DEAD)
		return;
	ps_close_fds(ps, hard);
	if (ps->counted) {
		struct svc_count *sc = svc_count(px, ps->service, false);

		if (sc && sc->active)
			sc->active--;
		ps->counted = false;
	}
	px->c.buffered -= ps->out_len;
	ps->out_len = 0;
	for (pp = &ps->pc->streams; *pp; pp = &(*pp)->next) {
		if (*pp == ps) {
			*pp = ps->next;
			break;
		}
	}
	ps->state = PS_DEAD;
	ps->next = px->graveyard;
	px->graveyard = ps;
}

static void ps_fail(struct pstream *ps, uint64_t app_error, const char *why)
{
	if (ps->status && !ps->status->failed && !ps->status->finished) {
		ps->status->failed = true;
		snprintf(ps->status->why, sizeof(ps->status->why), "%s", why);
	}
	ps->pc->px->c.resets++;
	if (app_error)
		burrow_quic_stream_abort(ps->pc->conn, ps->sid, app_error);
	ps_kill(ps, true);
}

/* Both directions ended cleanly? */
static void ps_maybe_done(struct pstream *ps)
{
	if (ps->state != PS_OPEN || !ps->local_eof || !ps->wr_shut)
		return;
	if (ps->status)
		ps->status->finished = true;
	ps_kill(ps, false);
}

static void graveyard_flush(struct burrow_proxy *px)
{
	struct pstream *ps;

	while ((ps = px->graveyard)) {
		px->graveyard = ps->next;
		free(ps->out);
		free(ps);
	}
}

static struct pstream *ps_new(struct pconn *pc, int64_t sid)
{
	struct pstream *ps = calloc(1, sizeof(*ps));

	if (!ps)
		return NULL;
	ps->pc = pc;
	ps->sid = sid;
	ps->rfd = ps->wfd = -1;
	ps->w[0].fd = ps->w[1].fd = -1;
	ps->w[0].ps = ps->w[1].ps = ps;
	ps->next = pc->streams;
	pc->streams = ps;
	return ps;
}

static void ps_set_fds(struct pstream *ps, int rfd, int wfd)
{
	ps->rfd = rfd;
	ps->wfd = wfd;
	ps->w[0].fd = rfd;
	ps->w[1].fd = rfd == wfd ? -1 : wfd;
	ps->pc->px->c.active++;
}

/* Whether the client stream sid was seen before; marks it seen. */
static bool seen_before(struct pconn *pc, int64_t sid)
{
	uint64_t n = (uint64_t)sid >> 2, i;

	if (n < pc->seen_base)
		return true;
	if (n - pc->seen_base >= 2 * SEEN_WINDOW) {
		/* Far ahead (streams opened without data): forget the window. */
		memset(pc->seen, 0, sizeof(pc->seen));
		pc->seen_base = n - SEEN_WINDOW + 1;
	}
	while (n >= pc->seen_base + SEEN_WINDOW) {
		i = pc->seen_base % SEEN_WINDOW;
		pc->seen[i / 8] &= (uint8_t)~(1u << (i % 8));
		pc->seen_base++;
	}
	i = n % SEEN_WINDOW;
	if (pc->seen[i / 8] & (1u << (i % 8)))
		return true;
	pc->seen[i / 8] |= (uint8_t)(1u << (i % 8));
	for (;;) {
		i = pc->seen_base % SEEN_WINDOW;
		if (!(pc->seen[i / 8] & (1u << (i % 8))))
			break;
		pc->seen[i / 8] &= (uint8_t)~(1u << (i % 8));
		pc->seen_base++;
	}
	return false;
}

static struct pstream *ps_find(struct pconn *pc, int64_t sid)
{
	for (struct pstream *ps = pc->streams; ps; ps = ps->next)
		if (ps->sid == sid)
			return ps;
	return NULL;
}

/* ---- the bridge ------------------------------------------------------------ */

static void ps_shut_write(struct pstream *ps)
{
	if (ps->wr_shut)
		return;
	ps->wr_shut = true;
	if (ps->wfd == ps->rfd) {
		shutdown(ps->wfd, SHUT_WR);
	} else {
		watch_drop(ps->pc->px, &ps->w[1]);
		close(ps->wfd);
		ps->wfd = -1;
	}
}

/* Write what is buffered; FIN after it. false if the stream died. */
static bool ps_flush_out(struct pstream *ps)
{
	struct burrow_proxy *px = ps->pc->px;
	size_t written = 0;

	while (ps->out_len) {
		ssize_t n = ps->wfd_pipe ? -1 : send(ps->wfd, ps->out + ps->out_off, ps->out_len,
						     MSG_NOSIGNAL);

		if (n < 0 && (ps->wfd_pipe || errno == ENOTSOCK)) {
			ps->wfd_pipe = true;	/* stdout: SIGPIPE is ignored by connect */
			n = write(ps->wfd, ps->out + ps->out_off, ps->out_len);
		}

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			char why[128];

			snprintf(why, sizeof(why), "writing to the local side: %s", strerror(errno));
			ps_fail(ps, BURROW_PROXY_ERR_LOCAL, why);
			return false;
		}
		ps->out_off += (size_t)n;
		ps->out_len -= (size_t)n;
		px->c.buffered -= (size_t)n;
		written += (size_t)n;
	}
	if (!ps->out_len)
		ps->out_off = 0;
	if (written)
		burrow_quic_stream_consumed(ps->pc->conn, ps->sid, written);
	if (!ps->out_len && ps->peer_fin)
		ps_shut_write(ps);
	return true;
}

static bool ps_buffer(struct pstream *ps, const uint8_t *data, size_t len)
{
	struct burrow_proxy *px = ps->pc->px;

	if (!len)
		return true;
	if (ps->out_off && ps->out_off + ps->out_len + len > ps->out_cap) {
		memmove(ps->out, ps->out + ps->out_off, ps->out_len);
		ps->out_off = 0;
	}
	if (ps->out_off + ps->out_len + len > ps->out_cap) {
		size_t cap = 2 * (ps->out_len + len);
		uint8_t *grown = realloc(ps->out, cap);

		if (!grown)
			return false;
		ps->out = grown;
		ps->out_cap = cap;
	}
	memcpy(ps->out + ps->out_off + ps->out_len, data, len);
	ps->out_len += len;
	px->c.buffered += len;
	if (px->c.buffered > px->c.max_buffered)
		px->c.max_buffered = px->c.buffered;
	return true;
}

/* Bridged bytes from QUIC. */
static void ps_quic_data(struct pstream *ps, const uint8_t *data, size_t len, bool fin)
{
	if (!ps_buffer(ps, data, len)) {
		ps_fail(ps, BURROW_PROXY_ERR_LOCAL, "out of memory");
		return;
	}
	ps->peer_fin |= fin;
	if (ps->state != PS_OPEN)
		return;
	if (!ps_flush_out(ps))
		return;
	ps_maybe_done(ps);
	if (ps->state == PS_OPEN)
		ps_update(ps);
}

static void ps_readable(struct pstream *ps)
{
	static uint8_t buf[READ_CHUNK];
	struct burrow_quic_conn *conn = ps->pc->conn;
	int rounds = 4;

	while (want_read(ps) && rounds--) {
		ssize_t n = read(ps->rfd, buf, sizeof(buf));
		char why[128];

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			snprintf(why, sizeof(why), "reading the local side: %s", strerror(errno));
			ps_fail(ps, BURROW_PROXY_ERR_LOCAL, why);
			return;
		}
		if (burrow_quic_send(conn, ps->sid, buf, (size_t)n, n == 0) < 0) {
			ps_fail(ps, BURROW_PROXY_ERR_LOCAL, "the QUIC stream refused data");
			return;
		}
		if (n == 0) {
			ps->local_eof = true;
			if (ps->rfd != ps->wfd)
				watch_drop(ps->pc->px, &ps->w[0]);
			break;
		}
		if (burrow_quic_stream_unacked(conn, ps->sid) >= BURROW_PROXY_SEND_BOUND)
			ps->rd_paused = true;
	}
	ps_maybe_done(ps);
	if (ps->state == PS_OPEN)
		ps_update(ps);
}

/* ---- server ------------------------------------------------------------------- */

static void server_answer(struct pstream *ps, unsigned code, const char *text)
{
	struct burrow_proxy *px = ps->pc->px;
	uint8_t buf[BURROW_PROXY_RESPONSE_MAX];
	int n = burrow_proxy_response_encode(code, text, buf, sizeof(buf));

	if (code != BURROW_PROXY_OK) {
		px->c.refused[code < BURROW_PROXY_CODE_COUNT ? code : BURROW_PROXY_MALFORMED]++;
		burrow_quic_send(ps->pc->conn, ps->sid, buf, (size_t)n, true);
		ps_kill(ps, false);
		return;
	}
	px->c.accepted++;
	burrow_quic_send(ps->pc->conn, ps->sid, buf, (size_t)n, false);
	ps->state = PS_OPEN;
	/* Bytes the client sent after its request. */
	if (ps_flush_out(ps)) {
		ps_maybe_done(ps);
		if (ps->state == PS_OPEN)
			ps_update(ps);
	}
}

static void server_connected(struct pstream *ps)
{
	int err = 0;
	socklen_t len = sizeof(err);
	char text[160];

	if (getsockopt(ps->rfd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		snprintf(text, sizeof(text), "%s: %s", ps->service, strerror(err));
		server_answer(ps, BURROW_PROXY_TARGET_REFUSED, text);
		return;
	}
	server_answer(ps, BURROW_PROXY_OK, "");
}

static void server_request(struct pstream *ps, const char *service)
{
	struct pconn *pc = ps->pc;
	struct burrow_proxy *px = pc->px;
	const struct burrow_config *cfg = px->ops.config ? px->ops.config(px->ops.arg) : NULL;
	const struct burrow_config_service *svc = cfg ? burrow_config_service_find(cfg, service) : NULL;
	struct svc_count *sc;
	char text[200];
	int fd, one = 1;

	snprintf(ps->service, sizeof(ps->service), "%s", service);
	if (!svc) {
		snprintf(text, sizeof(text), "no service '%s' on this node", service);
		server_answer(ps, BURROW_PROXY_UNKNOWN_SERVICE, text);
		return;
	}
	if (!burrow_config_service_allows(svc, pc->peer)) {
		snprintf(text, sizeof(text), "peer %s may not use service '%s'", pc->peer, service);
		server_answer(ps, BURROW_PROXY_NOT_ALLOWED, text);
		return;
	}
	sc = svc_count(px, service, true);
	if (!sc) {
		server_answer(ps, BURROW_PROXY_LIMIT_REACHED, "out of memory");
		return;
	}
	if (sc->active >= svc->max_streams) {
		snprintf(text, sizeof(text), "service '%s' has its %u streams in use", service,
			 svc->max_streams);
		server_answer(ps, BURROW_PROXY_LIMIT_REACHED, text);
		return;
	}
	fd = socket(svc->target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(text, sizeof(text), "%s: %s", service, strerror(errno));
		server_answer(ps, BURROW_PROXY_TARGET_REFUSED, text);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sc->active++;
	ps->counted = true;
	ps_set_fds(ps, fd, fd);
	if (connect(fd, (const struct sockaddr *)&svc->target, svc->target_len) == 0) {
		server_answer(ps, BURROW_PROXY_OK, "");
		return;
	}
	if (errno != EINPROGRESS) {
		snprintf(text, sizeof(text), "%s: %s", service, strerror(errno));
		server_answer(ps, BURROW_PROXY_TARGET_REFUSED, text);
		return;
	}
	ps->state = PS_CONNECTING;
	ps_update(ps);
}

/* Request bytes (and whatever follows them). */
static void server_stream_data(struct pstream *ps, const uint8_t *data, size_t len, bool fin)
{
	size_t take = sizeof(ps->hdr) - ps->hdr_len;
	char service[64];
	const char *why;
	int n;

	if (take > len)
		take = len;
	memcpy(ps->hdr + ps->hdr_len, data, take);
	ps->hdr_len += take;
	n = burrow_proxy_request_parse(ps->hdr, ps->hdr_len, service, &why);
	if (n == 0 && (fin || ps->hdr_len >= BURROW_PROXY_REQUEST_MAX)) {
		n = -EPROTO;
		why = fin ? "stream ended inside the request" : "request too long";
	}
	if (n < 0) {
		char text[120];

		snprintf(text, sizeof(text), "malformed request: %s", why);
		server_answer(ps, BURROW_PROXY_MALFORMED, text);
		return;
	}
	if (n == 0)
		return;
	/* The request's own bytes are consumed; what followed waits for the target. */
	burrow_quic_stream_consumed(ps->pc->conn, ps->sid, (size_t)n);
	if (!ps_buffer(ps, ps->hdr + n, ps->hdr_len - (size_t)n) ||
	    !ps_buffer(ps, data + take, len - take)) {
		ps_fail(ps, BURROW_PROXY_ERR_LOCAL, "out of memory");
		return;
	}
	ps->hdr_len = 0;
	ps->peer_fin = fin;
	server_request(ps, service);
}

/* ---- client ------------------------------------------------------------------- */

static void client_stream_data(struct pstream *ps, const uint8_t *data, size_t len, bool fin)
{
	size_t take = sizeof(ps->hdr) - ps->hdr_len;
	const char *why;
	unsigned code = 0;
	char text[256];
	int n;

	if (take > len)
		take = len;
	memcpy(ps->hdr + ps->hdr_len, data, take);
	ps->hdr_len += take;
	n = burrow_proxy_response_parse(ps->hdr, ps->hdr_len, &code, text, &why);
	if (n == 0 && fin) {
		n = -EPROTO;
		why = "stream ended inside the response";
	}
	if (n < 0) {
		char w[160];

		snprintf(w, sizeof(w), "malformed response: %s", why);
		ps_fail(ps, BURROW_PROXY_ERR_PROTOCOL, w);
		return;
	}
	if (n == 0)
		return;
	burrow_quic_stream_consumed(ps->pc->conn, ps->sid, (size_t)n);
	ps->status->answered = true;
	ps->status->code = code;
	snprintf(ps->status->text, sizeof(ps->status->text), "%s", text);
	if (code != BURROW_PROXY_OK) {
		ps->pc->px->c.refused[code < BURROW_PROXY_CODE_COUNT ? code :
				      BURROW_PROXY_MALFORMED]++;
		/* Refused: nothing more either way. */
		burrow_quic_stream_abort(ps->pc->conn, ps->sid, 0);
		ps_kill(ps, false);
		return;
	}
	ps->pc->px->c.accepted++;
	ps->state = PS_OPEN;
	if (!ps_buffer(ps, ps->hdr + n, ps->hdr_len - (size_t)n)) {
		ps_fail(ps, BURROW_PROXY_ERR_LOCAL, "out of memory");
		return;
	}
	ps->hdr_len = 0;
	ps_quic_data(ps, data + take, len - take, fin);
}

struct burrow_proxy_conn *burrow_proxy_client_conn(struct burrow_proxy *px)
{
	struct pconn *pc = calloc(1, sizeof(*pc));

	if (!pc)
		return NULL;
	pc->px = px;
	pc->client = true;
	pc->next = px->conns;
	px->conns = pc;
	return (struct burrow_proxy_conn *)pc;
}

bool burrow_proxy_conn_ready(const struct burrow_proxy_conn *bpc)
{
	return ((const struct pconn *)bpc)->ready;
}

int burrow_proxy_open(struct burrow_proxy_conn *bpc, const char *service, int rfd, int wfd,
		      struct burrow_proxy_status *status)
{
	struct pconn *pc = (struct pconn *)bpc;
	uint8_t req[BURROW_PROXY_REQUEST_MAX];
	struct pstream *ps;
	int64_t sid;
	int n, ret;

	memset(status, 0, sizeof(*status));
	n = burrow_proxy_request_encode(service, req, sizeof(req));
	if (n < 0)
		return n;
	if (!pc->ready)
		return -ENOTCONN;
	ret = burrow_quic_open_stream(pc->conn, &sid);
	if (ret < 0)
		return ret;
	/* The request first: on failure the fds are still the caller's. */
	ret = burrow_quic_send(pc->conn, sid, req, (size_t)n, false);
	if (ret < 0 || !(ps = ps_new(pc, sid))) {
		burrow_quic_stream_abort(pc->conn, sid, BURROW_PROXY_ERR_LOCAL);
		return ret < 0 ? ret : -ENOMEM;
	}
	fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) | O_NONBLOCK);
	if (wfd != rfd)
		fcntl(wfd, F_SETFL, fcntl(wfd, F_GETFL) | O_NONBLOCK);
	ps_set_fds(ps, rfd, wfd);
	ps->status = status;
	status->stream_id = sid;
	ps->state = PS_RESPONSE;
	snprintf(ps->service, sizeof(ps->service), "%s", service);
	return 0;
}

/* ---- QUIC callbacks ----------------------------------------------------------- */

static int cb_authorize(const uint8_t public_key[32], const struct sockaddr *remote,
			void **conn_user, void *endpoint_user)
{
	struct burrow_proxy *px = endpoint_user;
	const char *name;
	struct pconn *pc;

	(void)remote;
	if (*conn_user)
		return 0;	/* our client connection: the key was pinned */
	name = px->ops.peer_name ? px->ops.peer_name(px->ops.arg, public_key) : NULL;
	if (!name) {
		px->c.refused_peers++;
		return -1;
	}
	pc = calloc(1, sizeof(*pc));
	if (!pc)
		return -1;
	pc->px = px;
	snprintf(pc->peer, sizeof(pc->peer), "%s", name);
	pc->next = px->conns;
	px->conns = pc;
	*conn_user = pc;
	return 0;
}

static void cb_established(struct burrow_quic_conn *conn, void *conn_user)
{
	struct pconn *pc = conn_user;

	pc->conn = conn;
	pc->ready = true;
	burrow_quic_manual_credit(conn, true);
	if (!pc->client)
		burrow_quic_extend_max_streams(conn, BURROW_PROXY_MAX_STREAMS - 16);
}

static void cb_stream_data(struct burrow_quic_conn *conn, int64_t sid, const uint8_t *data,
			   size_t len, bool fin, void *conn_user)
{
	struct pconn *pc = conn_user;
	struct pstream *ps;

	pc->conn = conn;
	burrow_quic_manual_credit(conn, true);	/* data can precede established */
	ps = ps_find(pc, sid);
	if (!ps) {
		/* A new request: client-initiated bidi streams only, never one we ended. */
		if (pc->client || (sid & 3) != 0 || seen_before(pc, sid))
			return;
		ps = ps_new(pc, sid);
		if (!ps) {
			burrow_quic_stream_abort(conn, sid, BURROW_PROXY_ERR_LOCAL);
			return;
		}
		ps->state = PS_REQUEST;
	}
	switch (ps->state) {
	case PS_REQUEST:
		server_stream_data(ps, data, len, fin);
		break;
	case PS_RESPONSE:
		client_stream_data(ps, data, len, fin);
		break;
	case PS_CONNECTING:
		if (!ps_buffer(ps, data, len))
			ps_fail(ps, BURROW_PROXY_ERR_LOCAL, "out of memory");
		else
			ps->peer_fin |= fin;
		break;
	case PS_OPEN:
		ps_quic_data(ps, data, len, fin);
		break;
	case PS_DEAD:
		break;
	}
}

static void cb_stream_reset(struct burrow_quic_conn *conn, int64_t sid, uint64_t app_error,
			    void *conn_user)
{
	struct pconn *pc = conn_user;
	struct pstream *ps = ps_find(pc, sid);
	char why[80];

	(void)conn;
	if (!ps)
		return;
	snprintf(why, sizeof(why), "the peer reset the stream (error %llu)",
		 (unsigned long long)app_error);
	ps_fail(ps, BURROW_PROXY_ERR_LOCAL, why);
}

static void cb_closed(struct burrow_quic_conn *conn, const char *reason, void *conn_user)
{
	struct pconn *pc = conn_user, **pp;
	struct burrow_proxy *px = pc->px;
	char why[256];

	(void)conn;
	snprintf(why, sizeof(why), "connection closed: %s", reason);
	snprintf(px->last_closed, sizeof(px->last_closed), "%s", reason);
	while (pc->streams) {
		struct pstream *ps = pc->streams;

		if (ps->status && !ps->status->failed && !ps->status->finished) {
			ps->status->failed = true;
			snprintf(ps->status->why, sizeof(ps->status->why), "%s", why);
		}
		ps_kill(ps, true);
	}
	for (pp = &px->conns; *pp; pp = &(*pp)->next) {
		if (*pp == pc) {
			*pp = pc->next;
			break;
		}
	}
	/* The graveyard's streams still name pc: none of them reads it again. */
	for (struct pstream *ps = px->graveyard; ps; ps = ps->next)
		if (ps->pc == pc)
			ps->pc = NULL;
	free(pc);
}

const struct burrow_quic_callbacks burrow_proxy_callbacks = {
	.authorize = cb_authorize,
	.established = cb_established,
	.stream_data = cb_stream_data,
	.closed = cb_closed,
	.stream_reset = cb_stream_reset,
};

/* ---- driving ------------------------------------------------------------------ */

static void ps_event(struct pstream *ps, uint32_t ev)
{
	if (ps->state == PS_CONNECTING) {
		if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			server_connected(ps);
		return;
	}
	if (ps->state != PS_OPEN)
		return;
	if ((ev & (EPOLLOUT | EPOLLERR)) && ps->out_len) {
		if (!ps_flush_out(ps))
			return;
		ps_maybe_done(ps);
		if (ps->state != PS_OPEN)
			return;
		ps_update(ps);
	}
	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
		ps_readable(ps);
}

void burrow_proxy_run(struct burrow_proxy *px)
{
	struct epoll_event evs[64];
	int n = epoll_wait(px->epfd, evs, 64, 0);

	for (int i = 0; i < n; i++) {
		struct watch *w = evs[i].data.ptr;

		if (w->ps->state != PS_DEAD && w->fd >= 0)
			ps_event(w->ps, evs[i].events);
	}
	if (px->n_always) {
		for (struct pconn *pc = px->conns; pc; pc = pc->next) {
			for (struct pstream *ps = pc->streams, *next; ps; ps = next) {
				next = ps->next;
				if (ps->w[0].always && want_read(ps))
					ps_event(ps, EPOLLIN);
				else if (ps->state == PS_OPEN && ps->w[1].always && ps->out_len)
					ps_event(ps, EPOLLOUT);
			}
		}
	}
	graveyard_flush(px);
}

void burrow_proxy_kick(struct burrow_proxy *px)
{
	for (struct pconn *pc = px->conns; pc; pc = pc->next) {
		for (struct pstream *ps = pc->streams; ps; ps = ps->next) {
			if (ps->rd_paused && burrow_quic_stream_unacked(pc->conn, ps->sid) <
			    BURROW_PROXY_SEND_BOUND / 2) {
				ps->rd_paused = false;
				ps_update(ps);
			}
		}
	}
	graveyard_flush(px);
}

void burrow_proxy_free(struct burrow_proxy *px)
{
	if (!px)
		return;
	while (px->conns) {
		struct pconn *pc = px->conns;

		while (pc->streams)
			ps_kill(pc->streams, true);
		px->conns = pc->next;
		free(pc);
	}
	graveyard_flush(px);
	close(px->epfd);
	free(px->counts);
	free(px);
}

