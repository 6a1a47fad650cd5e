// SPDX-License-Identifier: GPL-2.0
/*
 * Per-peer sessions: see session.h, and docs/security.md for the protocol.
 *
 * Connection choice (one control connection per peer pair):
 *   - a peer whose session has been UP for a while (SIMULTANEOUS_WINDOW_NS)
 *     and opens another connection has lost its state (restart): the new
 *     connection replaces the old one;
 *   - a connection that arrives while ours is still being set up or just
 *     came up (a simultaneous open) is a candidate that peer->session does not point
 *     at. Both run their handshake; when the candidate completes, the one
 *     whose QUIC client has the lower public key (memcmp) is kept and the
 *     other closed, on both nodes alike (resolve_simultaneous), even if
 *     ours went UP meanwhile.
 * A replaced session leaves the kernel peer to its successor
 * (session_replaced), so the peer's counters survive a reconnect.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <gnutls/crypto.h>

#include "burrow-encoding.h"
#include "burrow-text.h"
#include "candidates.h"
#include "config.h"
#include "reload.h"
#include "ids.h"
#include "relay_use.h"
#include "session.h"

#define APP_ERROR_REFUSED 1
#define APP_ERROR_MALFORMED 2
#define APP_ERROR_REPLACED 3
#define APP_ERROR_SHUTDOWN 4
#define ROTATION_RETRIES_MAX 5
/*
 * authorize runs late in a handshake (when the client's key is checked),
 * so a connection the peer dialled before it knew of ours can be
 * authorized here after ours came up. Within the QUIC handshake timeout
 * of our session coming up, a new connection is therefore a simultaneous
 * open, decided by key like any other, and not a restarted peer.
 */
#define SIMULTANEOUS_WINDOW_NS (10 * BURROW_NSEC_PER_SEC)
/*
 * Capsule bytes a peer may have waiting while they are held back (before
 * the handshake completes, or on a simultaneous-open candidate): a HELLO and
 * then some; 4 capsules of the largest size.
 */
#define HELD_BEFORE_UP_MAX (4 * (BURROW_CAPSULE_VALUE_MAX + 16))
/*
 * Once a session is up, each capsule it handles can cost netlink work (a
 * route advertisement replaces allowed-ips and routes; an address request
 * leases and writes the store; a rotation step installs keys). A peer gets
 * a burst of CAPSULE_BURST capsules, then one per CAPSULE_INTERVAL_NS (8 per
 * second). Capsules beyond that are not dropped (each one matters, and in
 * order) but wait in the reader; as the reader holds at most
 * HELD_BEFORE_UP_MAX bytes of waiting capsules, a sustained flood closes the
 * session, and a slower one gets its capsules handled at the rate.
 */
#define CAPSULE_BURST 32
#define CAPSULE_INTERVAL_NS (125 * BURROW_NSEC_PER_MSEC)
#define PACE_LOG_INTERVAL_NS (60 * BURROW_NSEC_PER_SEC)

static void session_close(struct burrowd_session *s, uint64_t app_error, const char *reason);
static void rotation_start(struct burrowd_session *s);
static void process_capsules(struct burrowd_session *s);

/* ---- helpers ---------------------------------------------------------------- */

void burrowd_event(struct burrowd *d, const struct burrowd_peer *peer, const char *kind,
		   const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (d->on_event)
		d->on_event(d, peer, kind, text);
}

static void note_generation(struct burrowd_session *s)
{
	if (s->d->on_generation)
		s->d->on_generation(s->d, s->peer, s);
}

struct burrowd_peer *burrowd_peer_by_key(struct burrowd *d, const uint8_t key[32])
{
	for (size_t i = 0; i < d->n_peers; i++)
		if (!memcmp(d->peers[i].public_key, key, 32))
			return &d->peers[i];
	return NULL;
}

struct burrowd_peer *burrowd_peer_by_name(struct burrowd *d, const char *name)
{
	for (size_t i = 0; i < d->n_peers; i++)
		if (!strcmp(d->peers[i].name, name))
			return &d->peers[i];
	return NULL;
}

static struct burrowd_peer *peer_by_kernel_id(struct burrowd *d, uint32_t id)
{
	for (size_t i = 0; i < d->n_peers; i++)
		if (d->peers[i].kernel_id == id)
			return &d->peers[i];
	return NULL;
}

static void format_addr(const struct sockaddr *sa, char *out, size_t size)
{
	burrow_kernel_format_addr(sa, out, size);
}

void burrowd_quic_timer_rearm(struct burrow_loop *loop, struct burrow_quic_endpoint *ep,
			      struct burrow_timer *timer)
{
	uint64_t next = burrow_quic_endpoint_next_expiry(ep);

	if (next == UINT64_MAX)
		burrow_timer_cancel(loop, timer);
	else
		burrow_timer_arm(loop, timer, next ? next : 1);
}

void burrowd_quic_rearm(struct burrowd *d)
{
	burrowd_quic_timer_rearm(d->loop, d->quic, &d->quic_timer);
}

void burrowd_on_udp(void *arg)
{
	struct burrowd *d = arg;

	burrow_quic_endpoint_read(d->quic);
	burrowd_quic_rearm(d);
}

void burrowd_on_quic_timer(void *arg)
{
	struct burrowd *d = arg;

	burrow_quic_endpoint_handle_expiry(d->quic);
	burrowd_quic_rearm(d);
}

/* ---- capsule output --------------------------------------------------------- */

static int send_capsule(struct burrowd_session *s, uint64_t type, const uint8_t *value,
			size_t len)
{
	uint8_t buf[BURROW_CAPSULE_VALUE_MAX + 16];
	int n, ret;

	if (s->stream_id < 0 || s->closing || !s->conn)
		return -ENOTCONN;
	n = burrow_capsule_encode(type, value, len, buf, sizeof(buf));
	if (n < 0)
		return n;
	ret = burrow_quic_send(s->conn, s->stream_id, buf, (size_t)n, false);
	/* Outside endpoint callbacks the send went out now: timers moved. */
	burrowd_quic_rearm(s->d);
	if (ret)
		burrowd_event(s->d, s->peer, "error", "cannot send %s to %s: %s",
			      burrow_capsule_type_name(type), s->peer->name, strerror(-ret));
	return ret;
}

int burrowd_session_send(struct burrowd_session *s, uint64_t type, const uint8_t *value,
			 size_t len)
{
	return send_capsule(s, type, value, len);
}

static void send_rotate(struct burrowd_session *s, uint64_t type, uint64_t generation,
			const uint8_t *share)
{
	struct burrow_rotate_msg msg = { .generation = generation };
	uint8_t buf[64];
	int n;

	if (share)
		memcpy(msg.share, share, BURROW_X25519_LEN);
	n = burrow_rotate_encode(&msg, share != NULL, buf, sizeof(buf));
	if (n > 0)
		send_capsule(s, type, buf, (size_t)n);
}

/* ---- session lifetime ------------------------------------------------------- */

static void session_timer_rotate(void *arg);
static void session_timer_retry(void *arg);
static void session_timer_old_key(void *arg);
static void session_timer_pace(void *arg);
static void session_timer_candidate(void *arg);

static struct burrowd_session *session_new(struct burrowd_peer *peer, bool is_client)
{
	struct burrowd_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->d = peer->d;
	s->peer = peer;
	s->next_all = peer->d->sessions;
	peer->d->sessions = s;
	s->is_client = is_client;
	s->stream_id = -1;
	s->state = BURROWD_HANDSHAKE;
	burrow_capsule_reader_init(&s->reader);
	burrow_timer_init(&s->rotate_timer, session_timer_rotate, s);
	burrow_timer_init(&s->retry_timer, session_timer_retry, s);
	burrow_timer_init(&s->old_key_timer, session_timer_old_key, s);
	burrow_timer_init(&s->pace_timer, session_timer_pace, s);
	burrow_timer_init(&s->cand_timer, session_timer_candidate, s);
	burrow_rate_init(&s->capsule_rate, CAPSULE_INTERVAL_NS, CAPSULE_BURST);
	return s;
}

/* Unlink s from d->sessions before it is freed. */
static void session_unlink(struct burrowd_session *s)
{
	for (struct burrowd_session **p = &s->d->sessions; *p; p = &(*p)->next_all) {
		if (*p == s) {
			*p = s->next_all;
			return;
		}
	}
}

/* Remove the kernel peer this session put there. */
static void kernel_peer_remove(struct burrowd_peer *peer)
{
	struct burrowd *d = peer->d;

	if (!peer->kernel_peer)
		return;
	if (burrow_kernel_peer_delete(&d->kernel, peer->kernel_id))
		burrowd_event(d, peer, "error", "cannot remove kernel peer %u (%s): %s",
			      peer->kernel_id, peer->name, d->kernel.why);
	peer->kernel_peer = false;
}

/* The session stops being the peer's current one (kernel state goes too). */
static void session_detach(struct burrowd_session *s)
{
	struct burrowd *d = s->d;

	burrow_timer_cancel(d->loop, &s->rotate_timer);
	burrow_timer_cancel(d->loop, &s->retry_timer);
	burrow_timer_cancel(d->loop, &s->old_key_timer);
	burrow_timer_cancel(d->loop, &s->pace_timer);
	burrow_timer_cancel(d->loop, &s->cand_timer);
	burrow_x25519_wipe(&s->ephemeral);
	if (s->peer->session == s) {
		s->peer->session = NULL;
		burrowd_negotiate_end(s->peer);
		kernel_peer_remove(s->peer);
	}
}

void burrowd_session_abort(struct burrowd_session *s, const char *reason)
{
	burrowd_event(s->d, s->peer, "malformed", "%s from %s", reason, s->peer->name);
	session_close(s, APP_ERROR_MALFORMED, reason);
}

static void session_close(struct burrowd_session *s, uint64_t app_error, const char *reason)
{
	if (s->closing)
		return;
	s->closing = true;
	snprintf(s->peer->last_error, sizeof(s->peer->last_error), "%s", reason);
	session_detach(s);
	/*
	 * A server session learns its conn only at established (authorize has
	 * none); until then the close waits for cb_established.
	 */
	if (s->conn)
		burrow_quic_close(s->conn, app_error, reason);
	burrowd_quic_rearm(s->d);
}

/*
 * old gives way to the peer's new session (already peer->session): it is
 * closed, but the kernel peer stays, with its counters, until the new
 * session's session_up reprograms it, or its failure removes it.
 */
static void session_replaced(struct burrowd_session *old, const char *reason)
{
	session_close(old, APP_ERROR_REPLACED, reason);
}

static void reconnect_timer_fired(void *arg)
{
	struct burrowd_peer *peer = arg;

	/* Through a relay: present the ticket again first (the relay may have
	 * restarted and forgotten this node; the same address is a no-op). */
	burrowd_relay_use_refresh(peer->d, peer->public_key);
	burrowd_peer_connect(peer);
}

static void schedule_reconnect(struct burrowd_peer *peer)
{
	struct burrowd *d = peer->d;
	uint64_t delay = peer->backoff_ms, jitter = 0;
	const struct sockaddr *relay;
	socklen_t relay_len;
	uint32_t ticket;

	if (!peer->has_endpoint && !burrowd_relay_path(d, peer->public_key, &relay, &relay_len,
						       &ticket))
		return;
	if (!delay)
		delay = d->settings.backoff_min_ms;
	/* Up to 25% jitter keeps two nodes from redialling in lockstep. */
	gnutls_rnd(GNUTLS_RND_NONCE, &jitter, sizeof(jitter));
	jitter %= delay / 4 + 1;
	burrow_timer_arm_in(d->loop, &peer->reconnect_timer, (delay + jitter) * BURROW_NSEC_PER_MSEC);
	peer->backoff_ms = delay * 2 > d->settings.backoff_max_ms ? d->settings.backoff_max_ms
								  : delay * 2;
}

/* ---- endpoint candidates (issue 19) -------------------------------------------- */

static size_t candidate_count(const struct burrowd_peer *peer)
{
	return peer->policy ? peer->policy->n_candidates : 0;
}

/* Point peer->endpoint at the candidate the next dial uses (when it has several). */
static void candidate_pick(struct burrowd_peer *peer)
{
	size_t n = candidate_count(peer);
	char text[BURROW_TEXT_ENDPOINT_SIZE], why[160];
	struct sockaddr_storage ss;
	socklen_t len;

	if (!n)
		return;
	peer->cand_next %= n;
	burrow_text_endpoint(&peer->policy->candidates[peer->cand_next], text);
	if (burrow_endpoint_parse(text, &ss, &len, why, sizeof(why)) == 0)
		burrowd_peer_set_endpoint(peer->d, peer, &ss, len, text);
}

/* The session came up: the candidate its connection uses is the one to keep. */
static void candidate_keep(struct burrowd_session *s)
{
	struct burrowd_peer *peer = s->peer;
	struct burrow_nl_endpoint now;
	const struct sockaddr *sa;
	socklen_t len;

	if (!s->conn || !candidate_count(peer))
		return;
	sa = burrow_quic_remote_addr(s->conn, &len);
	if (burrow_candidate_from_sockaddr(sa, len, &now))
		return;
	for (size_t i = 0; i < peer->policy->n_candidates; i++)
		if (burrow_candidate_equal(&peer->policy->candidates[i], &now))
			peer->cand_next = i;
}

/* No handshake at this candidate in time: close the dial, try the next one now. */
static void session_timer_candidate(void *arg)
{
	struct burrowd_session *s = arg;
	struct burrowd_peer *peer = s->peer;
	char reason[200];

	if (s->closing || s->state != BURROWD_HANDSHAKE || peer->session != s)
		return;
	snprintf(reason, sizeof(reason), "no handshake at %s within %d ms: trying the next candidate",
		 peer->endpoint_text, BURROWD_CANDIDATE_DEADLINE_MS);
	burrowd_event(s->d, peer, "candidate", "%s: %s", peer->name, reason);
	peer->cand_next++;
	session_close(s, APP_ERROR_REPLACED, reason);
	burrow_timer_cancel(s->d->loop, &peer->reconnect_timer);
	burrowd_peer_connect(peer);
}

void burrowd_peer_candidates_changed(struct burrowd_peer *peer)
{
	/* Dialled already, or about to be: the new list is used from the next dial on. */
	if (peer->session || peer->reconnect_timer.armed || peer->d->stopping)
		return;
	peer->cand_next = 0;
	burrowd_peer_connect(peer);
}

void burrowd_peer_connect(struct burrowd_peer *peer)
{
	struct burrowd *d = peer->d;
	struct burrowd_session *s;
	struct burrow_quic_conn *conn;
	const struct sockaddr *relay;
	socklen_t relay_len;
	uint32_t ticket;
	bool relayed = burrowd_relay_path(d, peer->public_key, &relay, &relay_len, &ticket);
	char where[80];
	int ret;

	if (!relayed && !peer->session)
		candidate_pick(peer);
	if ((!peer->has_endpoint && !relayed) || peer->session)
		return;
	s = session_new(peer, true);
	if (!s)
		return;
	if (relayed) {
		format_addr(relay, where, sizeof(where));
		ret = burrow_quic_connect_relayed(d->quic, relay, relay_len, ticket,
						  peer->public_key, s, &conn);
	} else {
		snprintf(where, sizeof(where), "%s", peer->endpoint_text);
		ret = burrow_quic_connect(d->quic, (struct sockaddr *)&peer->endpoint,
					  peer->endpoint_len, peer->public_key, s, &conn);
	}
	if (ret) {
		burrowd_event(d, peer, "error", "cannot connect to %s at %s: %s", peer->name,
			      where, burrow_quic_endpoint_last_error(d->quic));
		burrow_capsule_reader_free(&s->reader);
		session_unlink(s);
		free(s);
		schedule_reconnect(peer);
		return;
	}
	s->conn = conn;
	peer->session = s;
	if (!relayed && candidate_count(peer) > 1)
		burrow_timer_arm_in(d->loop, &s->cand_timer,
				    BURROWD_CANDIDATE_DEADLINE_MS * BURROW_NSEC_PER_MSEC);
	if (relayed)
		burrowd_event(d, peer, "connect", "connecting to %s through relay %s (ticket %" PRIu32 ")",
			      peer->name, where, ticket);
	else
		burrowd_event(d, peer, "connect", "connecting to %s at %s", peer->name, where);
	burrowd_quic_rearm(d);
}

/* ---- upgrade from a relay ------------------------------------------------------ */

int burrowd_peer_probe_direct(struct burrowd_peer *peer)
{
	struct burrowd *d = peer->d;
	struct burrowd_session *s, *cur = peer->session;
	struct burrow_quic_conn *conn;

	if (peer->probe)
		return -EALREADY;
	if (d->stopping || !peer->has_endpoint || !cur || cur->state != BURROWD_UP || !cur->conn ||
	    !burrow_quic_conn_relay_ticket(cur->conn) ||
	    burrow_now_ns() - cur->established_ns < 2 * SIMULTANEOUS_WINDOW_NS)
		return -EAGAIN;
	s = session_new(peer, true);
	if (!s)
		return -ENOMEM;
	s->probe = true;
	/*
	 * One candidate per probe, in turn (probe_lost moves on): any of a map
	 * peer's candidates may be the one a NAT lets through now, and the one
	 * the last direct dial ended at is no likelier than the others.
	 */
	candidate_pick(peer);
	if (burrow_quic_connect(d->quic, (struct sockaddr *)&peer->endpoint, peer->endpoint_len,
				peer->public_key, s, &conn)) {
		burrow_capsule_reader_free(&s->reader);
		session_unlink(s);
		free(s);
		return -EIO;
	}
	s->conn = conn;
	peer->probe = s;
	burrow_log(BURROW_LOG_DEBUG, "peer %s: relayed; trying %s directly", peer->name,
		   peer->endpoint_text);
	burrowd_quic_rearm(d);
	return 0;
}

/*
 * The probe's handshake completed: the direct path works. It becomes the
 * peer's session (the peer, whose relayed session is older than the
 * simultaneous-open window, takes it as a replacement too), the relayed
 * one gives way keeping the kernel peer for session_up to reprogram with
 * the direct endpoint, and the relay is dropped.
 */
static void probe_won(struct burrowd_session *s)
{
	struct burrowd_peer *peer = s->peer;
	struct burrowd_session *old = peer->session;

	s->probe = false;
	peer->probe = NULL;
	peer->session = s;
	burrowd_event(s->d, peer, "direct", "direct path to %s at %s works: leaving the relay",
		      peer->name, peer->endpoint_text);
	burrowd_relay_use_stop(s->d, peer->public_key);
	if (old && old != s)
		session_replaced(old, "a direct path works: leaving the relay");
}

/* The probe failed (no answer, refused): the relayed session goes on, and
 * the next probe tries the next candidate. */
static void probe_lost(struct burrowd_session *s, const char *reason)
{
	if (s->peer->probe == s) {
		s->peer->probe = NULL;
		s->peer->cand_next++;
	}
	burrow_log(BURROW_LOG_DEBUG, "peer %s: no direct path at %s: %s", s->peer->name,
		   s->peer->endpoint_text, reason);
}

void burrowd_peer_redial(struct burrowd_peer *peer, const char *reason)
{
	struct burrowd *d = peer->d;

	if (d->stopping)
		return;
	if (peer->session)
		session_close(peer->session, APP_ERROR_REPLACED, reason);
	burrow_timer_cancel(d->loop, &peer->reconnect_timer);
	peer->backoff_ms = 0;
	burrowd_peer_connect(peer);
}

/*
 * When both nodes know each other's endpoint they would dial at once after
 * a common start; the node with the higher key dials a little later, so
 * that usually one connection is made and no simultaneous open has to be
 * resolved (it still can be, see resolve_simultaneous).
 */
#define HIGHER_KEY_DIAL_DELAY_MS 3000

void burrowd_sessions_start(struct burrowd *d)
{
	const uint8_t *own = burrow_quic_endpoint_public_key(d->quic);

	for (size_t i = 0; i < d->n_peers; i++) {
		struct burrowd_peer *peer = &d->peers[i];

		burrow_timer_init(&peer->reconnect_timer, reconnect_timer_fired, peer);
		if (memcmp(own, peer->public_key, 32) > 0 && peer->has_endpoint)
			burrow_timer_arm_in(d->loop, &peer->reconnect_timer,
					    HIGHER_KEY_DIAL_DELAY_MS * BURROW_NSEC_PER_MSEC);
		else
			burrowd_peer_connect(peer);
	}
}

void burrowd_peer_start(struct burrowd_peer *peer)
{
	burrow_timer_init(&peer->reconnect_timer, reconnect_timer_fired, peer);
	burrowd_peer_connect(peer);
}

void burrowd_peer_move(struct burrowd_peer *to, struct burrowd_peer *from)
{
	struct burrowd *d = from->d;
	bool armed = from->reconnect_timer.armed;
	uint64_t deadline = from->reconnect_timer.deadline;

	/* The loop links armed timers through their structs: unlink first. */
	burrow_timer_cancel(d->loop, &from->reconnect_timer);
	memcpy(to, from, sizeof(*to));
	burrow_timer_init(&to->reconnect_timer, reconnect_timer_fired, to);
	if (armed)
		burrow_timer_arm(d->loop, &to->reconnect_timer, deadline);
	for (struct burrowd_session *s = d->sessions; s; s = s->next_all)
		if (s->peer == from)
			s->peer = to;
}

void burrowd_peer_retire(struct burrowd_peer *peer, const char *reason)
{
	struct burrowd *d = peer->d;
	struct burrowd_session *s;
	bool again = true;

	/* Never dialled again: schedule_reconnect wants an endpoint or a relay. */
	peer->has_endpoint = false;
	burrowd_relay_use_stop(d, peer->public_key);
	burrow_timer_cancel(d->loop, &peer->reconnect_timer);
	/*
	 * The current session and any simultaneous-open candidate: a
	 * candidate left running would become the session and program a
	 * kernel peer for a peer that is gone. A close may free sessions
	 * (closed callback), so the walk restarts after each one.
	 */
	while (again) {
		again = false;
		for (s = d->sessions; s; s = s->next_all) {
			if (s->peer != peer || s->closing)
				continue;
			if (s == peer->session)
				burrowd_event(d, peer, "removed", "session with %s closed: %s",
					      peer->name, reason);
			session_close(s, APP_ERROR_REFUSED, reason);
			again = true;
			break;
		}
	}
	/* No session (or a closing one): what it left goes all the same. */
	burrowd_negotiate_end(peer);
	kernel_peer_remove(peer);
}

bool burrowd_peer_in_use(const struct burrowd *d, const struct burrowd_peer *peer)
{
	for (const struct burrowd_session *s = d->sessions; s; s = s->next_all)
		if (s->peer == peer)
			return true;
	return false;
}

void burrowd_sessions_stop(struct burrowd *d)
{
	d->stopping = true;
	for (size_t i = 0; i < d->n_peers; i++) {
		struct burrowd_peer *peer = &d->peers[i];

		burrow_timer_cancel(d->loop, &peer->reconnect_timer);
		if (peer->session)
			session_close(peer->session, APP_ERROR_SHUTDOWN, "shutting down");
		kernel_peer_remove(peer);
	}
}

/* ---- QUIC callbacks --------------------------------------------------------- */

static int cb_authorize(const uint8_t public_key[32], const struct sockaddr *remote,
			void **conn_user, void *endpoint_user)
{
	struct burrowd *d = endpoint_user;
	struct burrowd_peer *peer;
	struct burrowd_session *existing, *s;
	char where[80];

	if (*conn_user)
		return 0;	/* our own client connection: the key was pinned at connect */
	format_addr(remote, where, sizeof(where));
	peer = burrowd_peer_by_key(d, public_key);
	if (!peer) {
		char text[BURROW_BASE64_LEN(32) + 1];

		burrow_base64_encode(public_key, 32, text, sizeof(text));
		burrowd_event(d, NULL, "refused",
			      "refusing connection from %s: public key %s is not a configured peer",
			      where, text);
		return -1;
	}
	existing = peer->session;
	s = session_new(peer, false);
	if (!s)
		return -1;
	*conn_user = s;
	if (existing && (existing->state != BURROWD_UP ||
			 burrow_now_ns() - existing->established_ns < SIMULTANEOUS_WINDOW_NS)) {
		/*
		 * Simultaneous open: both connections run their handshake;
		 * cb_established keeps the one whose client has the lower key.
		 * Until then this one is a candidate, not the peer's session.
		 */
		burrowd_event(d, peer, "duplicate", "second connection from %s at %s while ours is pending",
			      peer->name, where);
		return 0;
	}
	burrow_timer_cancel(d->loop, &peer->reconnect_timer);
	peer->session = s;
	if (existing) {
		burrowd_event(d, peer, "duplicate", "new connection from %s at %s replaces the established one",
			      peer->name, where);
		session_replaced(existing, "replaced by a newer connection");
	}
	return 0;
}

/* The public key of a session's QUIC client. */
static const uint8_t *client_key(const struct burrowd_session *s)
{
	return s->is_client ? burrow_quic_endpoint_public_key(s->d->quic) : s->peer->public_key;
}

/*
 * s finished its handshake. If another connection to the same peer is
 * still pending, keep the one whose client key is lower (both nodes decide
 * alike) and close the other. Returns whether s goes on.
 */
static bool resolve_simultaneous(struct burrowd_session *s)
{
	struct burrowd_peer *peer = s->peer;
	struct burrowd_session *other = peer->session;

	if (!other || other == s) {
		peer->session = s;
		return true;
	}
	/*
	 * s arrived while other was pending, but other may be UP by now (a
	 * slow handshake). The key decides all the same: the peer saw the two
	 * connections overlap too, and decides by the same rule, where
	 * "keep the established one" would let each node keep its own.
	 */
	if (memcmp(client_key(s), client_key(other), 32) < 0) {
		burrowd_event(s->d, peer, "duplicate",
			      "simultaneous open with %s: keeping the connection where this node is %s",
			      peer->name, s->is_client ? "client" : "server");
		peer->session = s;
		session_replaced(other, "simultaneous open: keeping the other one");
		return true;
	}
	burrowd_event(s->d, peer, "duplicate",
		      "simultaneous open with %s: keeping the connection where this node is %s",
		      peer->name, other->is_client ? "client" : "server");
	/* session_close would detach the peer's session: this one is not it. */
	s->closing = true;
	burrow_quic_close(s->conn, APP_ERROR_REPLACED, "simultaneous open: keeping the other one");
	return false;
}

/*
 * Local (kernel) data CIDs other sessions of this node use: a new one must
 * differ (the kernel refuses a duplicate with EEXIST). Only the first one
 * of each HELLO is programmed, but the spare ones are kept free too.
 * Returns a heap array with room for BURROW_HELLO_CID_MAX more, or NULL.
 */
static struct burrow_hello_cid *local_cids_in_use(const struct burrowd *d,
						  const struct burrowd_session *self, size_t *n)
{
	struct burrow_hello_cid *taken = calloc((d->n_peers + 1) * BURROW_HELLO_CID_MAX,
						sizeof(*taken));

	*n = 0;
	if (!taken)
		return NULL;
	for (size_t i = 0; i < d->n_peers; i++) {
		const struct burrowd_session *o = d->peers[i].session;

		if (!o || o == self)
			continue;
		for (size_t c = 0; c < o->local_hello.n_cids; c++)
			taken[(*n)++] = o->local_hello.cids[c];
	}
	return taken;
}

static void fill_local_hello(struct burrowd_session *s)
{
	struct burrowd *d = s->d;
	struct burrow_hello *h = &s->local_hello;

	memset(h, 0, sizeof(*h));
	h->version = BURROW_PROTOCOL_VERSION;
	snprintf(h->name, sizeof(h->name), "%s", d->settings.name);
	h->peer_id = s->peer->kernel_id;
	memcpy(h->ciphers, d->settings.ciphers, d->settings.n_ciphers);
	h->n_ciphers = d->settings.n_ciphers;
	memcpy(h->encaps, d->settings.encaps, d->settings.n_encaps);
	h->n_encaps = d->settings.n_encaps;
	h->mtu = d->settings.mtu;
	h->mode = d->settings.mode;
	if (h->mode == BURROW_HELLO_MODE_L2) {
		/* The peer's segments in the file; {0} (untagged) by default. */
		const struct burrow_config_peer *policy = s->peer->policy;

		if (policy && policy->has_segments) {
			memcpy(h->segments, policy->segments,
			       policy->n_segments * sizeof(h->segments[0]));
			h->n_segments = policy->n_segments;
		} else {
			h->segments[0] = 0;
			h->n_segments = 1;
		}
	}
	/* Data connection ids for quic encapsulation, when offered. */
	for (size_t i = 0; i < h->n_encaps; i++) {
		struct burrow_hello_cid *taken;
		size_t n_taken;

		if (h->encaps[i] != 1)
			continue;
		taken = local_cids_in_use(d, s, &n_taken);
		h->n_cids = 0;
		for (size_t c = 0; taken && c < 2; c++) {
			/* The kernel reads a local-cid of the device's length. */
			h->cids[c].len = d->kernel.quic_cid_len;
			if (burrow_ids_data_cid(h->cids[c].id, h->cids[c].len, taken, n_taken))
				break;	/* crowded or no randomness: HELLO goes with fewer */
			taken[n_taken++] = h->cids[h->n_cids++];	/* the two differ too */
		}
		free(taken);
		break;
	}
}

static void send_hello(struct burrowd_session *s)
{
	uint8_t value[1024];
	char why[160];
	int n;

	fill_local_hello(s);
	n = burrow_hello_encode(&s->local_hello, value, sizeof(value), why, sizeof(why));
	if (n < 0) {
		burrowd_event(s->d, s->peer, "error", "cannot build HELLO: %s", why);
		session_close(s, APP_ERROR_REFUSED, why);
		return;
	}
	if (send_capsule(s, BURROW_CAPSULE_HELLO, value, (size_t)n) == 0)
		s->hello_sent = true;
}

static void cb_established(struct burrow_quic_conn *conn, void *conn_user)
{
	struct burrowd_session *s = conn_user;
	int ret;

	s->conn = conn;
	burrow_timer_cancel(s->d->loop, &s->cand_timer);	/* the handshake is done */
	if (s->closing) {
		/* Closed before the transport told us its conn (see session_close). */
		burrow_quic_close(conn, APP_ERROR_REPLACED, s->peer->last_error);
		return;
	}
	if (s->probe)
		probe_won(s);
	if (!resolve_simultaneous(s))
		return;
	s->state = BURROWD_HELLO;
	if (!s->is_client) {
		process_capsules(s);	/* a HELLO may have come first */
		return;		/* the client opens the control stream */
	}
	ret = burrow_quic_open_stream(conn, &s->stream_id);
	if (ret) {
		burrowd_event(s->d, s->peer, "error", "cannot open control stream to %s: %s",
			      s->peer->name, strerror(-ret));
		session_close(s, APP_ERROR_REFUSED, "cannot open control stream");
		return;
	}
	send_hello(s);
}

/* Generation 1: exporter only (the TLS handshake was the ephemeral exchange). */
static int install_generation(struct burrowd_session *s, uint64_t generation, uint8_t slot,
			      const uint8_t *dh, const uint8_t *client_share,
			      const uint8_t *server_share)
{
	struct burrowd *d = s->d;
	uint8_t exporter[BURROW_KEYSCHED_SECRET_LEN], context[BURROW_KEYSCHED_CONTEXT_LEN];
	struct burrow_generation_keys keys;
	int ret;

	burrow_keysched_context(generation, context);
	ret = burrow_quic_export(s->conn, BURROW_KEYSCHED_EXPORTER_LABEL, context, sizeof(context),
				 exporter, sizeof(exporter));
	if (ret) {
		burrowd_event(d, s->peer, "error", "TLS exporter failed for %s: %s", s->peer->name,
			      strerror(-ret));
		return ret;
	}
	ret = burrow_keysched_derive(exporter, generation, s->params.cipher, dh, client_share,
				     server_share, &keys);
	explicit_bzero(exporter, sizeof(exporter));
	if (ret)
		return ret;
	if (s->params.encap == BURROW_ENCAP_QUIC) {
		/* Header protection: one key pair for the session's life. */
		ret = burrow_quic_export(s->conn, BURROW_KEYSCHED_HP_EXPORTER_LABEL, context, 0,
					 exporter, sizeof(exporter));
		if (!ret)
			ret = burrow_keysched_derive_hp(exporter, &keys);
		explicit_bzero(exporter, sizeof(exporter));
		if (ret) {
			burrowd_event(d, s->peer, "error", "header-protection keys for %s: %s",
				      s->peer->name, strerror(-ret));
			burrow_keysched_wipe(&keys);
			return ret;
		}
	}
	ret = burrow_kernel_key_install(&d->kernel, s->peer->kernel_id, slot, &keys, s->is_client);
	burrow_keysched_wipe(&keys);
	if (ret)
		burrowd_event(d, s->peer, "error", "generation %llu for %s: %s",
			      (unsigned long long)generation, s->peer->name, d->kernel.why);
	return ret;
}

static void session_up(struct burrowd_session *s)
{
	struct burrowd *d = s->d;
	struct burrowd_peer *peer = s->peer;
	const struct burrow_kernel_quic quic = {
		.local_cid = s->local_hello.cids[0].id,
		.remote_cid = s->remote_hello.cids[0].id,
		.remote_cid_len = s->remote_hello.cids[0].len,
	};
	const struct sockaddr *endpoint;
	socklen_t len;
	char where[80];
	/*
	 * A control connection through a relay takes the data path along: the
	 * kernel peer's endpoint is the relay (the connection's remote
	 * address) and its relay-ticket the connection's (relay_use.h).
	 */
	uint32_t relay_ticket = burrow_quic_conn_relay_ticket(s->conn);
	const struct burrow_config_peer *policy = peer->policy;
	struct burrow_kernel_l2 l2 = {
		.segments = s->params.segments,
		.n_segments = s->params.n_segments,
		.mac_limit_set = policy && policy->mac_limit_set,
		.mac_limit = policy ? policy->mac_limit : 0,
		.flood_rate_set = policy && policy->flood_rate_set,
		.flood_rate = policy ? policy->flood_rate : 0,
	};
	char segments[BURROW_HELLO_SEGMENTS_TEXT_SIZE];
	char mode_text[32 + BURROW_HELLO_SEGMENTS_TEXT_SIZE] = "";

	if (relay_ticket)
		endpoint = burrow_quic_remote_addr(s->conn, &len);
	else
		endpoint = peer->has_endpoint ? (struct sockaddr *)&peer->endpoint
					      : burrow_quic_remote_addr(s->conn, &len);
	/*
	 * burrow_hello_select chose quic only where both sent connection ids.
	 * A session that replaced another finds its kernel peer still there.
	 */
	if (burrow_kernel_peer_program(&d->kernel, peer->kernel_id, s->remote_hello.peer_id, endpoint,
				       peer->prefixes, peer->n_prefixes,
				       s->params.encap == BURROW_ENCAP_QUIC ? &quic : NULL,
				       relay_ticket,
				       s->params.mode == BURROW_HELLO_MODE_L2 ? &l2 : NULL,
				       peer->kernel_peer)) {
		burrowd_event(d, peer, "error", "cannot create kernel peer for %s: %s", peer->name,
			      d->kernel.why);
		session_close(s, APP_ERROR_REFUSED, "kernel refused the peer");
		return;
	}
	peer->kernel_peer = true;
	if (install_generation(s, 1, BURROW_KEY_SLOT_PRIMARY, NULL, NULL, NULL)) {
		session_close(s, APP_ERROR_REFUSED, "cannot install keys");
		return;
	}
	s->generation = 1;
	s->state = BURROWD_UP;
	s->established_ns = burrow_now_ns();
	s->last_rotation_ns = s->established_ns;
	peer->backoff_ms = 0;
	peer->last_error[0] = '\0';
	peer->sessions_established++;
	candidate_keep(s);
	format_addr(burrow_quic_remote_addr(s->conn, &len), where, sizeof(where));
	if (s->params.mode == BURROW_HELLO_MODE_L2)
		snprintf(mode_text, sizeof(mode_text), ", mode l2, segments %s",
			 burrow_hello_segments_text(s->params.segments, s->params.n_segments,
						    segments, sizeof(segments)));
	burrowd_event(d, peer, "up",
		      "session with %s (%s) up as %s: cipher %s, encapsulation %s, mtu %u, peer id %u, tx id %u%s",
		      peer->name, where, s->is_client ? "client" : "server",
		      burrow_cipher_name(s->params.cipher), burrow_encap_name(s->params.encap),
		      s->params.mtu, peer->kernel_id, s->remote_hello.peer_id, mode_text);
	note_generation(s);
	if (s->is_client && d->settings.rotation_interval_s)
		burrow_timer_arm_in(d->loop, &s->rotate_timer,
				    d->settings.rotation_interval_s * BURROW_NSEC_PER_SEC);
	burrowd_negotiate_start(s);
	/*
	 * Forward secrecy from the first second (docs/security.md, "Key
	 * schedule"): generation 1 is derived from the TLS exporter secret
	 * alone, which stays in memory for the whole connection. The client
	 * moves to generation 2, which mixes a fresh X25519 exchange, right
	 * away: one round trip, then the usual CONFIRM/DONE.
	 */
	if (s->is_client)
		rotation_start(s);
}

static void handle_hello(struct burrowd_session *s, const struct burrow_capsule *c)
{
	struct burrowd_peer *peer = s->peer;
	char why[200];
	int ret;

	if (s->hello_received) {
		session_close(s, APP_ERROR_MALFORMED, "second HELLO");
		return;
	}
	s->hello_received = true;
	if (burrow_hello_decode(c->value, c->length, &s->remote_hello, why, sizeof(why))) {
		char reason[240];

		snprintf(reason, sizeof(reason), "malformed HELLO: %s", why);
		burrowd_event(s->d, peer, "malformed", "%s from %s", reason, peer->name);
		session_close(s, APP_ERROR_MALFORMED, reason);
		return;
	}
	if (!s->is_client)
		send_hello(s);	/* the server answers; both then choose alike */
	ret = s->is_client ? burrow_hello_select(&s->local_hello, &s->remote_hello, &s->params,
						  why, sizeof(why))
			   : burrow_hello_select(&s->remote_hello, &s->local_hello, &s->params,
						  why, sizeof(why));
	if (ret) {
		burrowd_event(s->d, peer, "refused", "session with %s refused: %s", peer->name, why);
		send_capsule(s, BURROW_CAPSULE_REFUSE, (const uint8_t *)why, strlen(why));
		session_close(s, APP_ERROR_REFUSED, why);
		return;
	}
	if (strcmp(s->remote_hello.name, peer->name))
		burrowd_event(s->d, peer, "name", "peer %s calls itself '%s'", peer->name,
			      s->remote_hello.name);
	session_up(s);
}

/* ---- rotation ------------------------------------------------------------------ */

static void old_key_drop(struct burrowd_session *s)
{
	struct burrowd *d = s->d;

	burrow_timer_cancel(d->loop, &s->old_key_timer);
	if (!s->old_key_pending)
		return;
	if (burrow_kernel_key_delete(&d->kernel, s->peer->kernel_id, BURROW_KEY_SLOT_SECONDARY))
		burrowd_event(d, s->peer, "error", "cannot delete old key of %s: %s", s->peer->name,
			      d->kernel.why);
	s->old_key_pending = false;
}

static void session_timer_old_key(void *arg)
{
	struct burrowd_session *s = arg;

	old_key_drop(s);
	if (s->rotation_wanted && s->is_client) {
		s->rotation_wanted = false;
		rotation_start(s);
	}
}

static void arm_retry(struct burrowd_session *s)
{
	s->rot_retries = 0;
	burrow_timer_arm_in(s->d->loop, &s->retry_timer, s->d->settings.retry_ms * BURROW_NSEC_PER_MSEC);
}

/* Client: generation g+1 begins with an OFFER carrying a fresh X25519 share. */
static void rotation_start(struct burrowd_session *s)
{
	if (s->state != BURROWD_UP || s->closing)
		return;
	/*
	 * One at a time. A request during a rotation (a ROTATE_REQUEST, a
	 * 'burrowd rotate') asks for a generation newer than the request, so
	 * it is remembered and runs once the secondary slot is free again.
	 */
	if (s->rot != BURROWD_ROT_IDLE || s->old_key_pending) {
		s->rotation_wanted = true;
		return;
	}
	if (burrow_x25519_generate(&s->ephemeral)) {
		burrowd_event(s->d, s->peer, "error", "no randomness for a rotation");
		return;
	}
	s->rot_generation = s->generation + 1;
	s->rot = BURROWD_ROT_OFFERED;
	send_rotate(s, BURROW_CAPSULE_ROTATE_OFFER, s->rot_generation, s->ephemeral.share);
	arm_retry(s);
}

int burrowd_session_rotate(struct burrowd_session *s)
{
	if (s->state != BURROWD_UP || s->closing)
		return -EAGAIN;
	if (s->is_client)
		rotation_start(s);
	else
		send_capsule(s, BURROW_CAPSULE_ROTATE_REQUEST, NULL, 0);
	return 0;
}

static void session_timer_rotate(void *arg)
{
	struct burrowd_session *s = arg;

	rotation_start(s);
	burrow_timer_arm_in(s->d->loop, &s->rotate_timer,
			    s->d->settings.rotation_interval_s * BURROW_NSEC_PER_SEC);
}

/* An unanswered step is sent again; the other side answers duplicates alike. */
static void session_timer_retry(void *arg)
{
	struct burrowd_session *s = arg;

	if (s->rot == BURROWD_ROT_IDLE || s->rot == BURROWD_ROT_INSTALLED)
		return;
	if (++s->rot_retries > ROTATION_RETRIES_MAX) {
		burrowd_event(s->d, s->peer, "error", "rotation to generation %llu with %s unanswered",
			      (unsigned long long)s->rot_generation, s->peer->name);
		session_close(s, APP_ERROR_REFUSED, "rotation unanswered");
		return;
	}
	burrowd_event(s->d, s->peer, "retry", "resending %s for generation %llu to %s",
		      s->rot == BURROWD_ROT_OFFERED ? "ROTATE_OFFER" : "ROTATE_CONFIRM",
		      (unsigned long long)s->rot_generation, s->peer->name);
	if (s->rot == BURROWD_ROT_OFFERED)
		send_rotate(s, BURROW_CAPSULE_ROTATE_OFFER, s->rot_generation, s->ephemeral.share);
	else
		send_rotate(s, BURROW_CAPSULE_ROTATE_CONFIRM, s->rot_generation, NULL);
	burrow_timer_arm_in(s->d->loop, &s->retry_timer,
			    s->d->settings.retry_ms * BURROW_NSEC_PER_MSEC);
}

/*
 * How long the previous key stays for packets still in flight: the
 * configured grace, or three probe timeouts of the control connection if
 * that is longer (RFC 9001 §6.5). Data packets share the path, and the
 * sender's queues, with the control connection, so a slow or loaded path
 * that stretches the PTO stretches their delay too; a fixed 1 s turned
 * late old-key packets into drop_no_key on a loaded host.
 */
static uint64_t old_key_grace_ns(const struct burrowd_session *s)
{
	uint64_t grace = s->d->settings.old_key_grace_ms * BURROW_NSEC_PER_MSEC;
	uint64_t pto3 = s->conn ? 3 * burrow_quic_pto_ns(s->conn) : 0;

	return pto3 > grace ? pto3 : grace;
}

static void rotation_done(struct burrowd_session *s, uint64_t generation)
{
	s->generation = generation;
	s->last_rotation_ns = burrow_now_ns();
	s->rotations++;
	s->old_key_pending = true;
	burrow_timer_arm_in(s->d->loop, &s->old_key_timer, old_key_grace_ns(s));
	note_generation(s);
}

/* Server: install generation g in the secondary slot and answer. */
static void handle_offer(struct burrowd_session *s, const struct burrow_rotate_msg *m)
{
	struct burrow_x25519 mine;
	uint8_t shared[BURROW_X25519_LEN];

	if (s->rot == BURROWD_ROT_INSTALLED && m->generation == s->rot_generation) {
		send_rotate(s, BURROW_CAPSULE_ROTATE_ACCEPT, s->rot_generation, s->server_share);
		return;		/* a retried OFFER */
	}
	if (s->rot != BURROWD_ROT_IDLE || m->generation != s->generation + 1) {
		char reason[120];

		snprintf(reason, sizeof(reason), "ROTATE_OFFER for generation %llu at generation %llu",
			 (unsigned long long)m->generation, (unsigned long long)s->generation);
		burrowd_event(s->d, s->peer, "malformed", "%s from %s", reason, s->peer->name);
		session_close(s, APP_ERROR_MALFORMED, reason);
		return;
	}
	/* The client waited out its grace period: our old key is no longer needed. */
	old_key_drop(s);
	if (burrow_x25519_generate(&mine) ||
	    burrow_x25519_shared(mine.secret, m->share, shared)) {
		burrow_x25519_wipe(&mine);
		session_close(s, APP_ERROR_MALFORMED, "bad X25519 share in ROTATE_OFFER");
		return;
	}
	if (install_generation(s, m->generation, BURROW_KEY_SLOT_SECONDARY, shared, m->share,
			       mine.share)) {
		explicit_bzero(shared, sizeof(shared));
		burrow_x25519_wipe(&mine);
		session_close(s, APP_ERROR_REFUSED, "cannot install rotated key");
		return;
	}
	explicit_bzero(shared, sizeof(shared));
	memcpy(s->server_share, mine.share, BURROW_X25519_LEN);
	burrow_x25519_wipe(&mine);	/* forward secrecy: the secret is gone */
	s->rot = BURROWD_ROT_INSTALLED;
	s->rot_generation = m->generation;
	send_rotate(s, BURROW_CAPSULE_ROTATE_ACCEPT, s->rot_generation, s->server_share);
}

/* Client: the server holds g in its secondary slot; install, swap, confirm. */
static void handle_accept(struct burrowd_session *s, const struct burrow_rotate_msg *m)
{
	struct burrowd *d = s->d;
	uint8_t shared[BURROW_X25519_LEN];

	if (s->rot == BURROWD_ROT_CONFIRMING && m->generation == s->generation) {
		send_rotate(s, BURROW_CAPSULE_ROTATE_CONFIRM, s->generation, NULL);
		return;		/* a duplicate ACCEPT */
	}
	if (s->rot != BURROWD_ROT_OFFERED || m->generation != s->rot_generation) {
		session_close(s, APP_ERROR_MALFORMED, "unexpected ROTATE_ACCEPT");
		return;
	}
	if (burrow_x25519_shared(s->ephemeral.secret, m->share, shared)) {
		session_close(s, APP_ERROR_MALFORMED, "bad X25519 share in ROTATE_ACCEPT");
		return;
	}
	if (install_generation(s, m->generation, BURROW_KEY_SLOT_SECONDARY, shared,
			       s->ephemeral.share, m->share)) {
		explicit_bzero(shared, sizeof(shared));
		session_close(s, APP_ERROR_REFUSED, "cannot install rotated key");
		return;
	}
	explicit_bzero(shared, sizeof(shared));
	burrow_x25519_wipe(&s->ephemeral);
	if (burrow_kernel_key_swap(&d->kernel, s->peer->kernel_id)) {
		burrowd_event(d, s->peer, "error", "key swap for %s: %s", s->peer->name,
			      d->kernel.why);
		session_close(s, APP_ERROR_REFUSED, "key swap failed");
		return;
	}
	s->rot = BURROWD_ROT_CONFIRMING;
	send_rotate(s, BURROW_CAPSULE_ROTATE_CONFIRM, m->generation, NULL);
	arm_retry(s);
	s->generation = m->generation;
}

/* Server: the client encrypts with g; swap, tell it, drop the old key later. */
static void handle_confirm(struct burrowd_session *s, const struct burrow_rotate_msg *m)
{
	struct burrowd *d = s->d;

	if (s->rot == BURROWD_ROT_IDLE && m->generation == s->generation) {
		send_rotate(s, BURROW_CAPSULE_ROTATE_DONE, s->generation, NULL);
		return;		/* a retried CONFIRM */
	}
	if (s->rot != BURROWD_ROT_INSTALLED || m->generation != s->rot_generation) {
		session_close(s, APP_ERROR_MALFORMED, "unexpected ROTATE_CONFIRM");
		return;
	}
	if (burrow_kernel_key_swap(&d->kernel, s->peer->kernel_id)) {
		burrowd_event(d, s->peer, "error", "key swap for %s: %s", s->peer->name,
			      d->kernel.why);
		session_close(s, APP_ERROR_REFUSED, "key swap failed");
		return;
	}
	s->rot = BURROWD_ROT_IDLE;
	send_rotate(s, BURROW_CAPSULE_ROTATE_DONE, m->generation, NULL);
	rotation_done(s, m->generation);
}

/* Client: both sides encrypt with g now. */
static void handle_done(struct burrowd_session *s, const struct burrow_rotate_msg *m)
{
	if (s->rot != BURROWD_ROT_CONFIRMING || m->generation != s->generation)
		return;		/* a duplicate DONE after a retried CONFIRM */
	burrow_timer_cancel(s->d->loop, &s->retry_timer);
	s->rot = BURROWD_ROT_IDLE;
	rotation_done(s, m->generation);
}

static void handle_rotation(struct burrowd_session *s, const struct burrow_capsule *c)
{
	bool with_share = c->type == BURROW_CAPSULE_ROTATE_OFFER ||
			  c->type == BURROW_CAPSULE_ROTATE_ACCEPT;
	bool for_server = c->type == BURROW_CAPSULE_ROTATE_OFFER ||
			  c->type == BURROW_CAPSULE_ROTATE_CONFIRM;
	struct burrow_rotate_msg m;
	char reason[120];

	if (s->state != BURROWD_UP || for_server == s->is_client) {
		snprintf(reason, sizeof(reason), "%s out of place", burrow_capsule_type_name(c->type));
		goto malformed;
	}
	if (burrow_rotate_decode(c->value, c->length, with_share, &m)) {
		snprintf(reason, sizeof(reason), "malformed %s", burrow_capsule_type_name(c->type));
		goto malformed;
	}
	switch (c->type) {
	case BURROW_CAPSULE_ROTATE_OFFER: handle_offer(s, &m); break;
	case BURROW_CAPSULE_ROTATE_ACCEPT: handle_accept(s, &m); break;
	case BURROW_CAPSULE_ROTATE_CONFIRM: handle_confirm(s, &m); break;
	case BURROW_CAPSULE_ROTATE_DONE: handle_done(s, &m); break;
	}
	return;
malformed:
	burrowd_event(s->d, s->peer, "malformed", "%s from %s", reason, s->peer->name);
	session_close(s, APP_ERROR_MALFORMED, reason);
}

static void handle_capsule(struct burrowd_session *s, const struct burrow_capsule *c)
{
	char reason[BURROW_CAPSULE_VALUE_MAX / 16];

	switch (c->type) {
	case BURROW_CAPSULE_HELLO:
		handle_hello(s, c);
		break;
	case BURROW_CAPSULE_REFUSE:
		snprintf(reason, sizeof(reason), "%.*s", (int)c->length, (const char *)c->value);
		burrowd_event(s->d, s->peer, "refused", "%s refused the session: %s", s->peer->name,
			      reason);
		session_close(s, APP_ERROR_REFUSED, reason);
		break;
	case BURROW_CAPSULE_ROTATE_REQUEST:
		if (s->state == BURROWD_UP && s->is_client)
			rotation_start(s);
		break;
	case BURROW_CAPSULE_ROTATE_OFFER:
	case BURROW_CAPSULE_ROTATE_ACCEPT:
	case BURROW_CAPSULE_ROTATE_CONFIRM:
	case BURROW_CAPSULE_ROTATE_DONE:
		handle_rotation(s, c);
		break;
	default:
		if (!burrowd_negotiate_handles(c->type))
			break;	/* RFC 9297 §3.2: unknown capsule types are skipped */
		if (s->state != BURROWD_UP) {
			snprintf(reason, sizeof(reason), "%s before the session is up",
				 burrow_capsule_type_name(c->type));
			burrowd_session_abort(s, reason);
			break;
		}
		burrowd_negotiate_capsule(s, c);
		break;
	}
}

/*
 * Up, with capsule bytes waiting and no token: stop and come back when a
 * token is there. One log line per PACE_LOG_INTERVAL_NS, not per capsule.
 */
static bool capsules_paced(struct burrowd_session *s)
{
	uint64_t now = burrow_now_ns(), wait;

	if (s->state != BURROWD_UP || !burrow_capsule_reader_held(&s->reader))
		return false;
	wait = burrow_rate_wait(&s->capsule_rate, now);
	if (!wait) {
		s->paced = false;
		return false;
	}
	if (!s->paced && (!s->peer->pace_logged_ns ||
			  now - s->peer->pace_logged_ns >= PACE_LOG_INTERVAL_NS)) {
		s->peer->pace_logged_ns = now;
		burrowd_event(s->d, s->peer, "paced",
			      "%s sends capsules faster than %llu per second (burst %d): "
			      "handling them at that rate",
			      s->peer->name,
			      (unsigned long long)(BURROW_NSEC_PER_SEC / CAPSULE_INTERVAL_NS),
			      CAPSULE_BURST);
	}
	s->paced = true;
	s->peer->capsules_delayed++;
	burrow_timer_arm_in(s->d->loop, &s->pace_timer, wait);
	return true;
}

static void session_timer_pace(void *arg)
{
	struct burrowd_session *s = arg;

	process_capsules(s);
	burrowd_quic_rearm(s->d);
}

/*
 * Handle every complete capsule buffered for s. Capsules wait while the
 * handshake is still running (a server can see the client's first stream
 * bytes before the transport reports the connection established, and the
 * exporter works only after that), and once up, while the session's
 * capsule rate has no token (capsules_paced).
 */
static void process_capsules(struct burrowd_session *s)
{
	struct burrow_capsule c;
	char reason[160];
	int ret;

	if (s->state == BURROWD_HANDSHAKE || s->peer->session != s)
		return;
	for (;;) {
		bool up = s->state == BURROWD_UP;

		if (s->closing)
			return;
		if (capsules_paced(s))
			return;	/* the rest (FIN, errors) when the timer resumes */
		ret = burrow_capsule_reader_next(&s->reader, &c);
		if (ret != 1)
			break;
		if (up)
			burrow_rate_take(&s->capsule_rate, burrow_now_ns());
		handle_capsule(s, &c);
	}
	if (s->closing)
		return;
	if (ret < 0) {
		snprintf(reason, sizeof(reason), "malformed capsule stream: %s",
			 ret == -EMSGSIZE ? "capsule longer than 4096 bytes" :
			 ret == -EBADMSG ? "non-minimal varint" : strerror(-ret));
		burrowd_event(s->d, s->peer, "malformed", "%s from %s", reason, s->peer->name);
		session_close(s, APP_ERROR_MALFORMED, reason);
		return;
	}
	if (s->fin_received) {
		snprintf(reason, sizeof(reason), "control stream ended%s",
			 burrow_capsule_reader_partial(&s->reader) ? " inside a capsule" : "");
		burrowd_event(s->d, s->peer, "malformed", "%s by %s", reason, s->peer->name);
		session_close(s, APP_ERROR_MALFORMED, reason);
	}
}

static void cb_stream_data(struct burrow_quic_conn *conn, int64_t stream_id,
			   const uint8_t *data, size_t len, bool fin, void *conn_user)
{
	struct burrowd_session *s = conn_user;
	int ret;

	s->conn = conn;
	if (s->closing)
		return;
	/*
	 * A candidate (simultaneous open) buffers too: the client's HELLO can
	 * come in the same datagram as its Finished, before cb_established
	 * decides which connection stays.
	 */
	if (s->stream_id < 0 && !s->is_client && (stream_id & 3) == 0)
		s->stream_id = stream_id;	/* the client's first bidi stream */
	if (stream_id != s->stream_id)
		return;	/* not ours to read */
	ret = burrow_capsule_reader_push(&s->reader, data, len);
	if (ret == -ENOMEM) {
		session_close(s, APP_ERROR_MALFORMED, "out of memory");
		return;
	}
	s->fin_received |= fin;
	process_capsules(s);
	/*
	 * RFC 9297 §3.2: avoid accumulating capsules. While capsules are held
	 * back (handshake, simultaneous-open candidate, or paced once up:
	 * capsules_paced) nothing is taken from
	 * the reader and QUIC credit keeps flowing, so bound what a peer can
	 * park here: before its HELLO is answered it has no business sending
	 * more than a few capsules. Once processing, the reader holds at most
	 * one capsule plus the last chunk (capsule.h).
	 */
	if (!s->closing && burrow_capsule_reader_held(&s->reader) > HELD_BEFORE_UP_MAX) {
		char reason[120];

		if (s->paced)
			snprintf(reason, sizeof(reason),
				 "more than %d bytes of capsules waiting: faster than %llu per second",
				 HELD_BEFORE_UP_MAX,
				 (unsigned long long)(BURROW_NSEC_PER_SEC / CAPSULE_INTERVAL_NS));
		else
			snprintf(reason, sizeof(reason),
				 "more than %d bytes of capsules before the session is up",
				 HELD_BEFORE_UP_MAX);
		burrowd_event(s->d, s->peer, "malformed", "%s from %s", reason, s->peer->name);
		session_close(s, APP_ERROR_MALFORMED, reason);
	}
}

static void cb_closed(struct burrow_quic_conn *conn, const char *reason, void *conn_user)
{
	struct burrowd_session *s = conn_user;
	struct burrowd_peer *peer = s->peer;
	bool current = peer->session == s;

	(void)conn;
	if (s->probe) {
		/* A failed direct probe: the peer's (relayed) session is untouched. */
		probe_lost(s, reason);
		current = false;
	} else if (current || !s->closing) {
		if (s->state == BURROWD_UP)
			burrowd_event(s->d, peer, "down", "session with %s down: %s", peer->name,
				      reason);
		else
			burrowd_event(s->d, peer, "failed", "session with %s failed: %s",
				      peer->name, reason);
	}
	if (current) {
		snprintf(peer->last_error, sizeof(peer->last_error), "%s", reason);
		session_detach(s);
	}
	burrow_timer_cancel(s->d->loop, &s->pace_timer);	/* s is freed below */
	burrow_timer_cancel(s->d->loop, &s->cand_timer);
	/* A dial that failed before its handshake: the next one tries the next candidate. */
	if (current && s->is_client && s->state == BURROWD_HANDSHAKE && !s->closing)
		peer->cand_next++;
	/* Whatever ended it, a peer we can dial is dialled again, with backoff. */
	if (!peer->session && !s->d->stopping)
		schedule_reconnect(peer);
	burrow_capsule_reader_free(&s->reader);
	burrow_request_ids_free(&s->seen_request_ids);
	burrow_x25519_wipe(&s->ephemeral);
	session_unlink(s);
	free(s);
}

const struct burrow_quic_callbacks burrowd_quic_callbacks = {
	.authorize = cb_authorize,
	.established = cb_established,
	.stream_data = cb_stream_data,
	.closed = cb_closed,
};

/* ---- kernel events ------------------------------------------------------------ */

void burrowd_on_kernel_event(void *arg)
{
	struct burrowd *d = arg;
	struct burrow_nl_event ev;
	int ret;

	while ((ret = burrow_kernel_event_next(&d->kernel, &ev)) != 0) {
		struct burrowd_peer *peer;

		if (ret == -ENOBUFS) {
			burrowd_event(d, NULL, "error", "kernel events were lost (receive buffer full)");
			continue;
		}
		if (ret < 0)
			break;
		if (ev.ifindex != d->kernel.ifindex)
			continue;
		peer = peer_by_kernel_id(d, ev.peer_id);
		if (!peer || !peer->session)
			continue;
		if (ev.type == BURROW_CMD_KEY_SOFT_LIMIT_NTF || ev.type == BURROW_CMD_KEY_HARD_LIMIT_NTF) {
			burrowd_event(d, peer, "key-limit", "%s of key %u (%s): rotating",
				      burrow_nl_event_name(ev.type), ev.key_id, peer->name);
			burrowd_session_rotate(peer->session);
		}
	}
}
