// SPDX-License-Identifier: GPL-2.0
/* A node reaching a peer through a relay: see relay_use.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "burrow-text.h"
#include "config.h"
#include "log.h"
#include "relay_admit.h"
#include "relay_use.h"
#include "session.h"

/* An admission that got no answer (relay down, unreachable) is tried again. */
#define RELAY_USE_RETRY_MS 5000
#define RELAY_USE_CLOSE_DONE 0

enum relay_use_state {
	RU_ADMITTING,	/* the ticket is on its way to the relay */
	RU_ADMITTED,	/* the relay answered OK: the peer is relayed */
	RU_REFUSED,	/* the relay refused the ticket: not relayed */
};

struct burrowd_relay_use {
	struct burrowd *d;
	struct burrowd_relay_use *next;
	uint8_t peer_key[32];
	struct burrowd_relay_use_request req;
	enum relay_use_state state;
	/*
	 * The coordinator's side (brief D12): peer_key is the coordinator's,
	 * req.peer a label; every answer (or none) goes to done, from the
	 * loop, and nothing is retried here: the mesh's backoff decides.
	 */
	bool coordinator;
	void (*done)(void *arg, bool ok, const char *text);
	void *done_arg;
	bool again;			/* present again once the answered connection closes */
	bool admitted;			/* the relay said OK to this ticket */
	bool dead;			/* stopped: freed when its connection closes */
	struct burrow_quic_conn *conn;	/* the admission connection, NULL between */
	int64_t sid;
	uint8_t buf[BURROW_RELAY_RESPONSE_MAX];
	size_t len;
	bool answered;
	char answer[256];		/* the relay's last text */
	char last_error[400];
	uint64_t admissions, refusals;
	struct burrow_timer retry_timer;
	struct burrow_timer redial_timer;	/* the peer's redial, out of QUIC callbacks */
};

/* ---- parsing ------------------------------------------------------------------- */

static void quote_ticket(const char *text, char *out, size_t size)
{
	size_t len = strlen(text);

	snprintf(out, size, "%.16s%s", text, len > 16 ? "..." : "");
}

static int parse_parts(const char *peer, const char *relay, const char *ticket,
		       struct burrowd_relay_use_request *req, char *err, size_t err_size)
{
	char why[256], q[24];
	const char *twhy;

	memset(req, 0, sizeof(*req));
	if (!burrow_config_name_valid(peer)) {
		snprintf(err, err_size, "invalid peer name '%.64s'", peer);
		return -EINVAL;
	}
	snprintf(req->peer, sizeof(req->peer), "%s", peer);
	if (burrow_endpoint_parse(relay, &req->relay, &req->relay_len, why, sizeof(why))) {
		snprintf(err, err_size, "relay: %s", why);
		return -EINVAL;
	}
	snprintf(req->relay_text, sizeof(req->relay_text), "%s", relay);
	if (burrow_relay_ticket_from_text(ticket, &req->ticket, &twhy) != BURROW_RELAY_TICKET_OK) {
		quote_ticket(ticket, q, sizeof(q));
		snprintf(err, err_size, "invalid ticket '%s': %s", q, twhy ? twhy : "malformed");
		return -EINVAL;
	}
	return 0;
}

int burrowd_relay_use_parse(char *const *words, int n, struct burrowd_relay_use_request *req,
			    char *err, size_t err_size)
{
	if (n < 1) {
		snprintf(err, err_size, "relay use PEER via HOST:PORT ticket BASE64");
		return -EINVAL;
	}
	if (n < 2 || strcmp(words[1], "via")) {
		snprintf(err, err_size, "expected 'via' after the peer, not '%.64s'",
			 n < 2 ? "" : words[1]);
		return -EINVAL;
	}
	if (n < 3) {
		snprintf(err, err_size, "missing the relay's HOST:PORT after 'via'");
		return -EINVAL;
	}
	if (n < 4 || strcmp(words[3], "ticket")) {
		snprintf(err, err_size, "expected 'ticket' after the relay, not '%.64s'",
			 n < 4 ? "" : words[3]);
		return -EINVAL;
	}
	if (n < 5) {
		snprintf(err, err_size, "missing the ticket after 'ticket'");
		return -EINVAL;
	}
	if (n > 5) {
		snprintf(err, err_size, "unexpected '%.64s' after the ticket", words[5]);
		return -EINVAL;
	}
	return parse_parts(words[0], words[2], words[4], req, err, err_size);
}

int burrowd_relay_use_line(const struct burrowd_relay_use_request *req, char *line, size_t size)
{
	char text[BURROW_RELAY_TICKET_TEXT_SIZE];
	int n;

	burrow_relay_ticket_to_text(&req->ticket, text);
	n = snprintf(line, size, "relay-use %s %s %s", req->peer, req->relay_text, text);
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

int burrowd_relay_use_parse_line(const char *line, struct burrowd_relay_use_request *req,
				 char *err, size_t err_size)
{
	char copy[512], *words[4], *save = NULL;
	int n = 0;

	if (strlen(line) >= sizeof(copy)) {
		snprintf(err, err_size, "relay-use: line too long");
		return -EINVAL;
	}
	snprintf(copy, sizeof(copy), "%s", line);
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (n == 4) {
			snprintf(err, err_size, "relay-use: unexpected '%.64s'", w);
			return -EINVAL;
		}
		words[n++] = w;
	}
	if (n != 4 || strcmp(words[0], "relay-use")) {
		snprintf(err, err_size, "relay-use PEER HOST:PORT TICKET");
		return -EINVAL;
	}
	return parse_parts(words[1], words[2], words[3], req, err, err_size);
}

/* ---- the table ----------------------------------------------------------------- */

/* A peer's entry, or with coordinator the coordinator's (a key is in one role only). */
static struct burrowd_relay_use *find_role(struct burrowd *d, const uint8_t key[32],
					   bool coordinator)
{
	for (struct burrowd_relay_use *u = d->relay_uses; u; u = u->next)
		if (!u->dead && u->coordinator == coordinator && !memcmp(u->peer_key, key, 32))
			return u;
	return NULL;
}

static struct burrowd_relay_use *find(struct burrowd *d, const uint8_t key[32])
{
	return find_role(d, key, false);
}

/* The coordinator's entry: its answer to done, from the loop (redial_fired). */
static void notify(struct burrowd_relay_use *u)
{
	burrow_timer_arm_in(u->d->loop, &u->redial_timer, 0);
}

static void unlink_use(struct burrowd_relay_use *u)
{
	struct burrowd_relay_use **p = &u->d->relay_uses;

	while (*p && *p != u)
		p = &(*p)->next;
	if (*p)
		*p = u->next;
}

/* Stop u: out of the table now, freed now or when its connection closes. */
static void retire(struct burrowd_relay_use *u)
{
	burrow_timer_cancel(u->d->loop, &u->retry_timer);
	burrow_timer_cancel(u->d->loop, &u->redial_timer);
	u->dead = true;
	unlink_use(u);
	if (u->conn) {
		burrow_quic_close(u->conn, RELAY_USE_CLOSE_DONE, "relay no longer used");
		burrowd_quic_rearm(u->d);
		return;		/* freed in closed() */
	}
	free(u);
}

void burrowd_relay_use_free(struct burrowd *d)
{
	free(d->relay_alpn);
	d->relay_alpn = NULL;
	while (d->relay_uses) {
		struct burrowd_relay_use *u = d->relay_uses;

		d->relay_uses = u->next;
		if (d->loop) {
			burrow_timer_cancel(d->loop, &u->retry_timer);
			burrow_timer_cancel(d->loop, &u->redial_timer);
		}
		free(u);
	}
}

static bool expired(const struct burrowd_relay_use *u)
{
	return u->req.ticket.expiry <= (uint64_t)time(NULL);
}

bool burrowd_relay_path(struct burrowd *d, const uint8_t peer_key[32],
			const struct sockaddr **relay, socklen_t *relay_len, uint32_t *ticket)
{
	struct burrowd_relay_use *u = find(d, peer_key);

	if (!u || !u->admitted)
		return false;
	if (expired(u)) {
		burrowd_event(d, burrowd_peer_by_key(d, peer_key), "relay",
			      "relay ticket %" PRIu32 " for %s expired: no longer relayed",
			      u->req.ticket.id, u->req.peer);
		u->admitted = false;
		snprintf(u->last_error, sizeof(u->last_error), "ticket expired");
		return false;
	}
	*relay = (const struct sockaddr *)&u->req.relay;
	*relay_len = u->req.relay_len;
	*ticket = u->req.ticket.id;
	return true;
}

bool burrowd_relay_use_current(struct burrowd *d, const uint8_t peer_key[32], uint32_t *ticket,
			       uint64_t *expiry)
{
	struct burrowd_relay_use *u = find(d, peer_key);

	if (!u || u->state == RU_REFUSED || expired(u))
		return false;
	*ticket = u->req.ticket.id;
	*expiry = u->req.ticket.expiry;
	return true;
}

static const char *state_name(const struct burrowd_relay_use *u)
{
	switch (u->state) {
	case RU_ADMITTING:
		return u->admitted ? "admitted" : "admitting";
	case RU_ADMITTED:
		return "admitted";
	case RU_REFUSED:
		return "refused";
	}
	return "?";
}

/* ---- admission (the client of relay_admit.h) ------------------------------------ */

static void admit(struct burrowd_relay_use *u)
{
	struct burrowd *d = u->d;
	int ret;

	if (u->conn || u->dead)
		return;
	u->len = 0;
	u->sid = -1;
	u->answered = false;
	u->state = RU_ADMITTING;
	ret = burrow_quic_connect_alpn(d->quic, BURROW_RELAY_ALPN,
				       (const struct sockaddr *)&u->req.relay, u->req.relay_len,
				       u->req.ticket.relay, u, &u->conn);
	if (ret) {
		u->conn = NULL;
		snprintf(u->last_error, sizeof(u->last_error), "cannot dial relay %s: %s",
			 u->req.relay_text, strerror(-ret));
		burrow_log(BURROW_LOG_WARNING, "%s%s: %s", u->coordinator ? "" : "peer ",
			   u->req.peer, u->last_error);
		if (u->coordinator) {
			u->state = RU_REFUSED;
			notify(u);
		} else {
			burrow_timer_arm_in(d->loop, &u->retry_timer,
					    RELAY_USE_RETRY_MS * BURROW_NSEC_PER_MSEC);
		}
	}
	burrowd_quic_rearm(d);
}

static void retry_fired(void *arg)
{
	struct burrowd_relay_use *u = arg;

	if (expired(u)) {
		snprintf(u->last_error, sizeof(u->last_error), "ticket expired");
		return;
	}
	admit(u);
}

void burrowd_relay_use_refresh(struct burrowd *d, const uint8_t peer_key[32])
{
	struct burrowd_relay_use *u = find(d, peer_key);

	if (u && u->admitted && !expired(u))
		admit(u);
}

/* After the relay's OK, from the loop (not inside the admission's QUIC callback). */
static void redial_fired(void *arg)
{
	struct burrowd_relay_use *u = arg;
	struct burrowd_peer *peer;

	if (u->coordinator) {
		bool ok = u->state == RU_ADMITTED;

		if (u->done)
			u->done(u->done_arg, ok, ok ? u->answer : u->last_error);
		return;
	}
	peer = burrowd_peer_by_key(u->d, u->peer_key);
	if (!peer || !u->admitted)
		return;
	if (peer->session && peer->session->conn &&
	    burrow_quic_conn_relay_ticket(peer->session->conn) == u->req.ticket.id)
		return;		/* already through this relay */
	burrowd_peer_redial(peer, "moving to a relay");
}

/* The relay's OK: relay the peer's control session (and so its data path). */
static void admitted(struct burrowd_relay_use *u, const char *text)
{
	struct burrowd *d = u->d;
	bool first = !u->admitted;

	u->state = RU_ADMITTED;
	u->admitted = true;
	u->admissions++;
	u->last_error[0] = '\0';
	if (u->coordinator) {
		burrow_log(BURROW_LOG_INFO, "coordinator: relay %s admitted control ticket %" PRIu32
			   ": %s", u->req.relay_text, u->req.ticket.id, text);
		notify(u);
		return;
	}
	if (!first)
		return;
	burrowd_event(d, burrowd_peer_by_key(d, u->peer_key), "relay",
		      "relay %s admitted %s's ticket %" PRIu32 ": %s", u->req.relay_text,
		      u->req.peer, u->req.ticket.id, text);
	/*
	 * The first of the pair to be admitted has nothing to dial through yet
	 * (the relay forwards only once both are bound): the second one dials,
	 * and this node answers. A redial later (reconnect_timer_fired) goes
	 * through the relay either way.
	 */
	if (strncmp(text, "waiting", 7))
		burrow_timer_arm_in(d->loop, &u->redial_timer, 0);
}

static void refused(struct burrowd_relay_use *u, unsigned code, const char *text)
{
	const char *name = burrow_relay_code_name(code);

	u->state = RU_REFUSED;
	u->admitted = false;
	u->refusals++;
	if (strcmp(name, text))
		snprintf(u->last_error, sizeof(u->last_error), "refused by relay %s: %s (%.255s)",
			 u->req.relay_text, name, text);
	else
		snprintf(u->last_error, sizeof(u->last_error), "refused by relay %s: %s",
			 u->req.relay_text, name);
	if (u->coordinator) {
		notify(u);	/* mesh.c logs it, as every failed admission */
		return;
	}
	burrowd_event(u->d, burrowd_peer_by_key(u->d, u->peer_key), "relay-refused",
		      "%s: ticket %" PRIu32 " %s", u->req.peer, u->req.ticket.id, u->last_error);
}

static int cb_authorize(const uint8_t public_key[32], const struct sockaddr *remote,
			void **conn_user, void *endpoint_user)
{
	/* Client connections only: the relay's key (the ticket's) was pinned. */
	(void)public_key;
	(void)remote;
	(void)endpoint_user;
	return *conn_user ? 0 : -1;
}

static void cb_established(struct burrow_quic_conn *conn, void *conn_user)
{
	struct burrowd_relay_use *u = conn_user;
	uint8_t request[BURROW_RELAY_REQUEST_LEN];

	if (conn != u->conn)
		return;
	if (burrow_quic_open_stream(conn, &u->sid) ||
	    burrow_relay_request_encode(&u->req.ticket, request) < 0 ||
	    burrow_quic_send(conn, u->sid, request, sizeof(request), true)) {
		snprintf(u->last_error, sizeof(u->last_error), "cannot send the ticket to relay %s",
			 u->req.relay_text);
		burrow_quic_close(conn, RELAY_USE_CLOSE_DONE, "cannot send the ticket");
	}
	burrowd_quic_rearm(u->d);
}

static void cb_stream_data(struct burrow_quic_conn *conn, int64_t sid, const uint8_t *data,
			   size_t len, bool fin, void *conn_user)
{
	struct burrowd_relay_use *u = conn_user;
	unsigned code = 0;
	int ret;

	if (conn != u->conn || sid != u->sid || u->answered)
		return;
	if (len > sizeof(u->buf) - u->len)
		len = sizeof(u->buf) - u->len;	/* longer than any answer: malformed below */
	memcpy(u->buf + u->len, data, len);
	u->len += len;
	ret = burrow_relay_response_parse(u->buf, u->len, &code, u->answer);
	if (ret == 0 && !fin && u->len < sizeof(u->buf))
		return;
	u->answered = true;
	if (ret <= 0) {
		snprintf(u->last_error, sizeof(u->last_error), "malformed answer from relay %s",
			 u->req.relay_text);
		u->state = RU_REFUSED;
		u->admitted = false;
		if (u->coordinator)
			notify(u);
		else
			burrowd_event(u->d, burrowd_peer_by_key(u->d, u->peer_key), "relay-refused",
				      "%s: %s", u->req.peer, u->last_error);
	} else if (code == 0) {
		admitted(u, u->answer);
	} else {
		refused(u, code, u->answer);
	}
	if (u->conn)
		burrow_quic_close(u->conn, RELAY_USE_CLOSE_DONE, "answered");
	burrowd_quic_rearm(u->d);
}

static void cb_closed(struct burrow_quic_conn *conn, const char *reason, void *conn_user)
{
	struct burrowd_relay_use *u = conn_user;

	if (conn != u->conn)
		return;
	u->conn = NULL;
	if (u->dead) {
		free(u);
		return;
	}
	if (u->again && !u->d->stopping) {
		u->again = false;
		admit(u);
		return;
	}
	if (u->answered || u->d->stopping)
		return;
	snprintf(u->last_error, sizeof(u->last_error), "relay %s: no answer: %.200s",
		 u->req.relay_text, reason);
	if (u->coordinator) {
		u->state = RU_REFUSED;
		notify(u);
		return;
	}
	burrow_log(BURROW_LOG_WARNING, "peer %s: %s; trying again in %d s", u->req.peer,
		   u->last_error, RELAY_USE_RETRY_MS / 1000);
	burrow_timer_arm_in(u->d->loop, &u->retry_timer, RELAY_USE_RETRY_MS * BURROW_NSEC_PER_MSEC);
}

static const struct burrow_quic_callbacks relay_use_callbacks = {
	.authorize = cb_authorize,
	.established = cb_established,
	.stream_data = cb_stream_data,
	.closed = cb_closed,
};

/*
 * A relay ([relay] enabled) accepts burrow-relay/1 and may use another
 * relay too: one handler for both, choosing by the connection's side. A
 * client connection is always one of ours (relay_use's conn_user is set at
 * connect); every other is the relay's (relay_admit.c).
 */
struct burrowd_relay_alpn {
	const struct burrow_quic_callbacks *server;
	void *server_user;
};

static int both_authorize(const uint8_t public_key[32], const struct sockaddr *remote,
			  void **conn_user, void *endpoint_user)
{
	struct burrowd_relay_alpn *b = endpoint_user;

	if (*conn_user)
		return cb_authorize(public_key, remote, conn_user, NULL);
	return b->server->authorize ? b->server->authorize(public_key, remote, conn_user,
							   b->server_user) : 0;
}

static const struct burrow_quic_callbacks *side_of(struct burrow_quic_conn *conn)
{
	struct burrow_alpn_handler *h;

	if (burrow_quic_is_client(conn))
		return &relay_use_callbacks;
	h = burrow_alpn_find(burrow_quic_conn_endpoint_user(conn), BURROW_RELAY_ALPN);
	return ((struct burrowd_relay_alpn *)h->user)->server;
}

static void both_established(struct burrow_quic_conn *conn, void *conn_user)
{
	const struct burrow_quic_callbacks *cb = side_of(conn);

	if (cb->established)
		cb->established(conn, conn_user);
}

static void both_stream_data(struct burrow_quic_conn *conn, int64_t sid, const uint8_t *data,
			     size_t len, bool fin, void *conn_user)
{
	const struct burrow_quic_callbacks *cb = side_of(conn);

	if (cb->stream_data)
		cb->stream_data(conn, sid, data, len, fin, conn_user);
}

static void both_closed(struct burrow_quic_conn *conn, const char *reason, void *conn_user)
{
	const struct burrow_quic_callbacks *cb = side_of(conn);

	if (cb->closed)
		cb->closed(conn, reason, conn_user);
}

static void both_stream_reset(struct burrow_quic_conn *conn, int64_t sid, uint64_t app_error,
			      void *conn_user)
{
	const struct burrow_quic_callbacks *cb = side_of(conn);

	if (cb->stream_reset)
		cb->stream_reset(conn, sid, app_error, conn_user);
}

static const struct burrow_quic_callbacks relay_both_callbacks = {
	.authorize = both_authorize,
	.established = both_established,
	.stream_data = both_stream_data,
	.closed = both_closed,
	.stream_reset = both_stream_reset,
};

int burrowd_relay_use_register_alpn(struct burrowd *d, struct burrow_alpn_registry *registry,
				    const struct burrow_quic_callbacks *relay_cb, void *relay_user)
{
	struct burrowd_relay_alpn *b;
	int ret;

	if (!relay_cb)
		return burrow_alpn_register_dial(registry, BURROW_RELAY_ALPN, &relay_use_callbacks,
						 d);
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->server = relay_cb;
	b->server_user = relay_user;
	ret = burrow_alpn_register(registry, BURROW_RELAY_ALPN, &relay_both_callbacks, b);
	if (ret) {
		free(b);
		return ret;
	}
	free(d->relay_alpn);
	d->relay_alpn = b;
	return 0;
}

/* ---- the control command -------------------------------------------------------- */

int burrowd_relay_use_start(struct burrowd *d, const struct burrowd_relay_use_request *req,
			    char *err, size_t err_size)
{
	const uint8_t *own = burrow_quic_endpoint_public_key(d->quic);
	struct burrowd_peer *peer = burrowd_peer_by_name(d, req->peer);
	struct burrowd_relay_use *u, *old;

	if (!peer) {
		snprintf(err, err_size, "no peer named '%s'", req->peer);
		return -ENOENT;
	}
	if (burrow_relay_ticket_other(&req->ticket, own) == NULL ||
	    memcmp(burrow_relay_ticket_other(&req->ticket, own), peer->public_key, 32)) {
		snprintf(err, err_size, "ticket %" PRIu32 " is not for this node and %s "
			 "(issue one with --pair naming both)", req->ticket.id, peer->name);
		return -EINVAL;
	}
	if (!memcmp(req->ticket.relay, peer->public_key, 32)) {
		snprintf(err, err_size, "ticket %" PRIu32 " names %s itself as the relay",
			 req->ticket.id, peer->name);
		return -EINVAL;
	}
	if (req->ticket.expiry <= (uint64_t)time(NULL)) {
		snprintf(err, err_size, "ticket %" PRIu32 " has expired", req->ticket.id);
		return -EINVAL;
	}
	u = calloc(1, sizeof(*u));
	if (!u) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	old = find(d, peer->public_key);
	if (old)
		retire(old);
	u->d = d;
	memcpy(u->peer_key, peer->public_key, 32);
	u->req = *req;
	snprintf(u->req.peer, sizeof(u->req.peer), "%s", peer->name);
	u->sid = -1;
	burrow_timer_init(&u->retry_timer, retry_fired, u);
	burrow_timer_init(&u->redial_timer, redial_fired, u);
	u->next = d->relay_uses;
	d->relay_uses = u;
	burrowd_event(d, peer, "relay", "using relay %s for %s (ticket %" PRIu32 ")",
		      u->req.relay_text, peer->name, u->req.ticket.id);
	admit(u);
	return 0;
}

int burrowd_relay_use_coordinator(struct burrowd *d, const uint8_t coord_key[32],
				  const struct burrowd_relay_use_request *req,
				  void (*done)(void *arg, bool ok, const char *text), void *arg)
{
	struct burrowd_relay_use *u = find_role(d, coord_key, true);

	if (u && memcmp(&u->req.ticket, &req->ticket, sizeof(req->ticket))) {
		retire(u);
		u = NULL;
	}
	if (!u) {
		u = calloc(1, sizeof(*u));
		if (!u)
			return -ENOMEM;
		u->d = d;
		u->coordinator = true;
		memcpy(u->peer_key, coord_key, 32);
		u->req = *req;
		u->sid = -1;
		burrow_timer_init(&u->retry_timer, retry_fired, u);
		burrow_timer_init(&u->redial_timer, redial_fired, u);
		u->next = d->relay_uses;
		d->relay_uses = u;
	}
	u->done = done;
	u->done_arg = arg;
	if (u->conn) {
		/* On its way: its answer goes to done. Answered and closing: once closed. */
		u->again = u->answered;
		return 0;
	}
	burrow_timer_cancel(d->loop, &u->redial_timer);
	admit(u);
	return 0;
}

const char *burrowd_relay_use_coordinator_state(struct burrowd *d, const uint8_t coord_key[32],
						const char **answer, const char **last_error)
{
	const struct burrowd_relay_use *u = find_role(d, coord_key, true);

	if (!u)
		return NULL;
	*answer = u->answer;
	*last_error = u->last_error;
	return state_name(u);
}

int burrowd_relay_use_stop(struct burrowd *d, const uint8_t peer_key[32])
{
	struct burrowd_relay_use *u = find(d, peer_key);

	if (!u)
		return -ENOENT;
	retire(u);
	return 0;
}

/* ---- status ---------------------------------------------------------------------- */


void burrowd_relay_use_write_status(struct burrowd *d, const uint8_t peer_key[32], FILE *out,
				    bool json)
{
	const struct burrowd_relay_use *u = find(d, peer_key);

	if (!u)
		return;
	if (json) {
		fprintf(out, ",\"relay\":{\"via\":");
		burrow_json_string(out, u->req.relay_text);
		fprintf(out, ",\"ticket\":%" PRIu32 ",\"expiry\":%" PRIu64 ",\"state\":\"%s\","
			"\"admissions\":%" PRIu64 ",\"refusals\":%" PRIu64,
			u->req.ticket.id, u->req.ticket.expiry, state_name(u), u->admissions,
			u->refusals);
		if (u->answer[0]) {
			fprintf(out, ",\"answer\":");
			burrow_json_string(out, u->answer);
		}
		if (u->last_error[0]) {
			fprintf(out, ",\"last_error\":");
			burrow_json_string(out, u->last_error);
		}
		fputc('}', out);
		return;
	}
	fprintf(out, "  relay %s ticket %" PRIu32 " %s", u->req.relay_text, u->req.ticket.id,
		state_name(u));
	if (u->answer[0])
		fprintf(out, " (%s)", u->answer);
	fputc('\n', out);
	if (u->last_error[0])
		fprintf(out, "  relay error: %s\n", u->last_error);
}
