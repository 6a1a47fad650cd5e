// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd's QUIC endpoint on one UDP socket: datagram demultiplexing by
 * destination connection ID, accepting Initials, connection lifetime and
 * closing, timers. Streams and the write loop live in quic_stream.c,
 * closing and error reasons in quic_close.c, TLS in quic_tls.c.
 *
 * Lifetimes: an endpoint owns its connections (a doubly linked list); a
 * connection owns its ngtcp2_conn, its gnutls session and its streams' send
 * buffers. A connection that finishes is only marked dead; quic_reap() runs
 * at the end of every endpoint entry point, reports closed() and frees it,
 * so no callback ever sees a freed connection and ngtcp2 is never re-entered
 * from its own callbacks (while ep->busy, send/close only record work).
 *
 * Cost: nothing here walks every connection. A datagram finds its
 * connection in the CID table, the timer finds due connections at the top
 * of a heap (quic_index.c), and quic_reap() visits only the connections
 * touched since it last ran: those that received, timed out, were written
 * to or closed, or died.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/uio.h>

#include <gnutls/crypto.h>

#include "ids.h"
#include "kernel.h"	/* burrow_kernel_v4_mapped */
#include "quic_internal.h"
#include "relay_header.h"

#define QUIC_DEFAULT_IDLE_MS 30000
#define QUIC_DEFAULT_HANDSHAKE_MS 10000
#define QUIC_READ_BATCH 256               /* datagrams per endpoint_read call */
#define QUIC_STREAM_WINDOW (256 * 1024)   /* initial per-stream credit */
#define QUIC_CONN_WINDOW (1024 * 1024)    /* initial connection credit */
#define QUIC_MAX_STREAMS_BIDI 16

static char quic_setup_error[QUIC_REASON_LEN];

uint64_t burrow_quic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void quic_set_error(struct burrow_quic_endpoint *ep, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ep->last_error, sizeof(ep->last_error), fmt, ap);
	va_end(ap);
}

/* First reason wins: it is the cause, later ones are consequences. */
void quic_conn_fail_reason(struct burrow_quic_conn *c, const char *fmt, ...)
{
	va_list ap;

	if (c->fail_reason[0])
		return;
	va_start(ap, fmt);
	vsnprintf(c->fail_reason, sizeof(c->fail_reason), fmt, ap);
	va_end(ap);
}

void quic_conn_mark_dead(struct burrow_quic_conn *c, const char *fmt, ...)
{
	va_list ap;

	if (c->dead)
		return;
	c->dead = true;
	va_start(ap, fmt);
	vsnprintf(c->dead_reason, sizeof(c->dead_reason), fmt, ap);
	va_end(ap);
	quic_set_error(c->ep, "%s", c->dead_reason);
	quic_conn_touch(c);
}

void quic_conn_kick(struct burrow_quic_conn *c)
{
	if (c->ep->busy)
		quic_conn_touch(c);
	else
		quic_conn_flush(c);
}

void quic_conn_timer_refresh(struct burrow_quic_conn *c)
{
	if (c->conn && !c->dead)
		quic_timer_update(c->ep, c, ngtcp2_conn_get_expiry(c->conn));
}

/* ---- sending ------------------------------------------------------------- */

void quic_send_datagram(struct burrow_quic_endpoint *ep, uint32_t ticket, const uint8_t *buf,
			size_t len, const struct sockaddr *to, socklen_t to_len)
{
	uint8_t header[BURROW_RELAY_HEADER_LEN];
	struct iovec iov[2] = {
		{ .iov_base = header, .iov_len = sizeof(header) },
		{ .iov_base = (void *)buf, .iov_len = len },
	};
	struct msghdr msg = {
		.msg_name = (void *)to, .msg_namelen = to_len, .msg_iov = iov, .msg_iovlen = 2,
	};

	/* A full socket buffer loses the packet; QUIC recovers it like any loss. */
	if (!ticket) {
		(void)!sendto(ep->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, to, to_len);
		return;
	}
	burrow_relay_header_put(header, ticket);
	(void)!sendmsg(ep->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void quic_sendto(struct burrow_quic_conn *c, const ngtcp2_path *path,
		 const uint8_t *buf, size_t len)
{
	const struct sockaddr *to = path->remote.addrlen ?
		(const struct sockaddr *)path->remote.addr : (const struct sockaddr *)&c->remote;
	socklen_t to_len = path->remote.addrlen ? path->remote.addrlen : c->remote_len;

	quic_send_datagram(c->ep, c->relay_ticket, buf, len, to, to_len);
}

/* ---- connection objects -------------------------------------------------- */

static ngtcp2_conn *quic_get_conn(ngtcp2_crypto_conn_ref *ref)
{
	return ((struct burrow_quic_conn *)ref->user_data)->conn;
}

/* Free a connection that is not (or no longer) on the touched list. */
static void quic_conn_free(struct burrow_quic_conn *c)
{
	struct burrow_quic_endpoint *ep = c->ep;
	struct quic_stream *s, *next;
	size_t i;

	for (s = c->streams; s; s = next) {
		next = s->next;
		quic_stream_free(s);
	}
	for (i = 0; i < c->n_scids; i++)
		quic_cid_index_remove(ep, c, &c->scids[i]);
	quic_timer_remove(ep, c);
	quic_pending_remove(c);
	if (c->attached) {
		if (c->prev)
			c->prev->next = c->next;
		else
			ep->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
	}
	if (c->conn)
		ngtcp2_conn_del(c->conn);
	quic_tls_session_free(c);
	free(c->close_pkt);
	free(c);
}

/*
 * Run what touched connections need: a deferred close, a flush (stream
 * data, ACKs), a timer re-key; report and free the dead ones. closed() may
 * touch more (a reconnect, a close, a send elsewhere): they are appended
 * and handled in this same call, so that work goes out now.
 */
static void quic_reap(struct burrow_quic_endpoint *ep)
{
	struct burrow_quic_conn *c;

	while ((c = ep->touched)) {
		ep->touched = c->touched_next;
		if (!ep->touched)
			ep->touched_tail = &ep->touched;
		/* c->touched stays set while c is handled: a touch from its own
		 * close or flush must not queue it twice (or after its free). */
		if (c->close_requested)
			quic_conn_do_close(c);
		if (!c->dead)
			quic_conn_flush(c);
		if (!c->dead) {
			quic_conn_timer_refresh(c);
			c->touched = false;
			continue;
		}
		if (c->app_known && ep->cb.closed) {
			ep->busy++;
			ep->cb.closed(c, c->dead_reason, c->user);
			ep->busy--;
		}
		quic_closing_from_conn(c);
		quic_conn_free(c);
	}
}

/* Record a CID that routes packets to c, in c and in the endpoint's table. */
static int quic_conn_add_cid(struct burrow_quic_conn *c, const ngtcp2_cid *cid)
{
	if (c->n_scids >= QUIC_MAX_SCIDS)
		return -ENOSPC;
	if (quic_cid_index_add(c->ep, c, cid) < 0)
		return -ENOMEM;
	c->scids[c->n_scids++] = *cid;
	return 0;
}

/* ---- ngtcp2 callbacks ---------------------------------------------------- */

static void cb_rand(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *ctx)
{
	(void)ctx;
	(void)gnutls_rnd(GNUTLS_RND_RANDOM, dest, len);
}

static int cb_get_new_connection_id(ngtcp2_conn *conn, ngtcp2_cid *cid, uint8_t *token,
				    size_t cidlen, void *user_data)
{
	struct burrow_quic_conn *c = user_data;

	(void)conn;
	cid->datalen = cidlen;
	/* Control SCIDs stay out of the kernel's data-CID half (ids.h). */
	if (burrow_ids_control_cid(cid->data, cidlen) < 0 ||
	    gnutls_rnd(GNUTLS_RND_RANDOM, token, NGTCP2_STATELESS_RESET_TOKENLEN) < 0 ||
	    quic_conn_add_cid(c, cid) < 0)
		return NGTCP2_ERR_CALLBACK_FAILURE;
	return 0;
}

static int cb_remove_connection_id(ngtcp2_conn *conn, const ngtcp2_cid *cid, void *user_data)
{
	struct burrow_quic_conn *c = user_data;
	size_t i;

	(void)conn;
	for (i = 0; i < c->n_scids; i++) {
		if (ngtcp2_cid_eq(&c->scids[i], cid)) {
			quic_cid_index_remove(c->ep, c, &c->scids[i]);
			c->scids[i] = c->scids[--c->n_scids];
			break;
		}
	}
	return 0;
}

static int cb_handshake_completed(ngtcp2_conn *conn, void *user_data)
{
	struct burrow_quic_conn *c = user_data;

	(void)conn;
	if (!(c->is_client && c->ep->test_no_alpn) && !quic_tls_alpn_ok(c)) {
		/*
		 * RFC 9001 §8.1: "MUST immediately close a connection with a
		 * no_application_protocol TLS alert (QUIC error code 0x0178)".
		 * A peer that sent no ALPN at all gets here (GnuTLS's MANDATORY
		 * flag lets a server go on without one).
		 */
		quic_conn_fail_reason(c, "ALPN %s not negotiated", c->ep->alpn);
		c->fail_tls_alert = GNUTLS_A_NO_APPLICATION_PROTOCOL;
		return NGTCP2_ERR_CALLBACK_FAILURE;
	}
	if (!c->have_peer_key) {
		/* Cannot happen with GNUTLS_CERT_REQUIRE; refuse rather than trust. */
		quic_conn_fail_reason(c, "handshake completed without a verified peer key");
		return NGTCP2_ERR_CALLBACK_FAILURE;
	}
	c->established_pending = true;
	return 0;
}

/* Inside ngtcp2_conn_read_pkt: only noted, reported once it returns. */
static int cb_path_validation(ngtcp2_conn *conn, uint32_t flags, const ngtcp2_path *path,
			      ngtcp2_path_validation_result res, void *user_data)
{
	struct burrow_quic_conn *c = user_data;

	(void)conn;
	(void)flags;
	(void)path;
	if (res == NGTCP2_PATH_VALIDATION_RESULT_SUCCESS)
		c->path_changed = true;
	return 0;
}

static void quic_deliver_path_changed(struct burrow_quic_conn *c)
{
	if (!c->path_changed)
		return;
	c->path_changed = false;
	if (c->app_known && !c->dead && c->ep->cb.path_changed)
		c->ep->cb.path_changed(c, c->user);
}

static void quic_fill_callbacks(ngtcp2_callbacks *cb, bool client)
{
	memset(cb, 0, sizeof(*cb));
	if (client) {
		cb->client_initial = ngtcp2_crypto_client_initial_cb;
		cb->recv_retry = ngtcp2_crypto_recv_retry_cb;
	} else {
		cb->recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
	}
	cb->recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
	cb->encrypt = ngtcp2_crypto_encrypt_cb;
	cb->decrypt = ngtcp2_crypto_decrypt_cb;
	cb->hp_mask = ngtcp2_crypto_hp_mask_cb;
	cb->update_key = ngtcp2_crypto_update_key_cb;
	cb->delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
	cb->delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
	cb->get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
	cb->version_negotiation = ngtcp2_crypto_version_negotiation_cb;
	cb->rand = cb_rand;
	cb->get_new_connection_id = cb_get_new_connection_id;
	cb->remove_connection_id = cb_remove_connection_id;
	cb->handshake_completed = cb_handshake_completed;
	cb->recv_stream_data = quic_cb_recv_stream_data;
	cb->acked_stream_data_offset = quic_cb_acked_stream_data_offset;
	cb->stream_close = quic_cb_stream_close;
	cb->extend_max_stream_data = quic_cb_extend_max_stream_data;
	cb->stream_reset = quic_cb_stream_reset;
	cb->path_validation = cb_path_validation;
}

static void quic_fill_settings(struct burrow_quic_endpoint *ep, ngtcp2_settings *settings,
			       ngtcp2_transport_params *params)
{
	ngtcp2_settings_default(settings);
	settings->initial_ts = burrow_quic_now();
	settings->handshake_timeout = ep->handshake_timeout_ns;
	settings->max_stream_window = 8 * QUIC_STREAM_WINDOW;
	settings->max_window = 8 * QUIC_CONN_WINDOW;

	ngtcp2_transport_params_default(params);
	params->initial_max_stream_data_bidi_local = QUIC_STREAM_WINDOW;
	params->initial_max_stream_data_bidi_remote = QUIC_STREAM_WINDOW;
	params->initial_max_stream_data_uni = 0;
	params->initial_max_data = QUIC_CONN_WINDOW;
	params->initial_max_streams_bidi = QUIC_MAX_STREAMS_BIDI;
	params->initial_max_streams_uni = 0;
	params->max_idle_timeout = ep->idle_timeout_ns;
	params->active_connection_id_limit = QUIC_ACTIVE_CID_LIMIT;
}

static struct burrow_quic_conn *quic_conn_alloc(struct burrow_quic_endpoint *ep, bool client,
						const struct sockaddr *remote, socklen_t remote_len)
{
	struct burrow_quic_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->ep = ep;
	c->is_client = client;
	c->conn_ref.get_conn = quic_get_conn;
	c->conn_ref.user_data = c;
	memcpy(&c->local, &ep->local, ep->local_len);
	c->local_len = ep->local_len;
	memcpy(&c->remote, remote, remote_len);
	c->remote_len = remote_len;
	c->timer_slot = QUIC_NO_TIMER_SLOT;
	return c;
}

/* Finish a connection's setup shared by both roles: TLS, its timer slot,
 * the endpoint's list; touched, so the next reap flushes it. On failure
 * the connection is freed. */
static int quic_conn_attach(struct burrow_quic_conn *c)
{
	struct burrow_quic_endpoint *ep = c->ep;

	if (quic_tls_session_new(c) < 0 ||
	    quic_timer_insert(ep, c, ngtcp2_conn_get_expiry(c->conn)) < 0) {
		quic_conn_free(c);
		return -EIO;
	}
	ngtcp2_conn_set_tls_native_handle(c->conn, c->tls);
	if (ep->keepalive_ns)
		ngtcp2_conn_set_keep_alive_timeout(c->conn, ep->keepalive_ns);
	c->prev = NULL;
	c->next = ep->conns;
	if (ep->conns)
		ep->conns->prev = c;
	ep->conns = c;
	c->attached = true;
	quic_conn_touch(c);
	return 0;
}

static void quic_path_of(const struct burrow_quic_conn *c, ngtcp2_path *path,
			 const struct sockaddr *remote, socklen_t remote_len)
{
	memset(path, 0, sizeof(*path));
	path->local.addr = (ngtcp2_sockaddr *)&c->local;
	path->local.addrlen = c->local_len;
	path->remote.addr = (ngtcp2_sockaddr *)remote;
	path->remote.addrlen = remote_len;
}

/* ---- receiving ----------------------------------------------------------- */

static struct burrow_quic_conn *quic_find_conn(struct burrow_quic_endpoint *ep,
					       const uint8_t *dcid, size_t len)
{
	struct burrow_quic_conn *c = quic_cid_index_find(ep, dcid, len);

	return c && !c->dead ? c : NULL;
}

/*
 * The table of unauthenticated server connections is full: drop the oldest.
 * Refusing new ones instead would let 64 spoofed Initials lock real peers
 * out for a whole handshake timeout; a real handshake takes one round trip,
 * so evicting the oldest lets it through a flood of junk. The victim leaves
 * the pending count now and is freed by the next reap, never reported:
 * nobody knew it.
 */
static void quic_evict_oldest_pending(struct burrow_quic_endpoint *ep)
{
	struct burrow_quic_conn *victim = ep->pending_head;

	if (!victim)
		return;
	quic_pending_remove(victim);
	quic_conn_mark_dead(victim, "too many handshakes in progress; dropped the oldest");
}

/* A datagram with no connection: a client Initial starts one, the rest is
 * dropped (no stateless reset). */
static void quic_accept(struct burrow_quic_endpoint *ep, const uint8_t *pkt, size_t len,
			const struct sockaddr *from, socklen_t from_len)
{
	ngtcp2_pkt_hd hd;
	ngtcp2_callbacks callbacks;
	ngtcp2_settings settings;
	ngtcp2_transport_params params;
	ngtcp2_cid scid, odcid;
	ngtcp2_path path;
	struct burrow_quic_conn *c;
	enum quic_retry_verdict verdict;
	int rv;

	if (ngtcp2_accept(&hd, pkt, len) != 0)
		return;
	verdict = quic_retry_check(ep, &hd, from, from_len, &odcid);
	if (verdict == QUIC_RETRY_ANSWERED || verdict == QUIC_RETRY_DROP)
		return;
	if (ep->n_pending_server >= QUIC_MAX_PENDING_SERVER)
		quic_evict_oldest_pending(ep);
	c = quic_conn_alloc(ep, false, from, from_len);
	if (!c)
		return;
	c->relay_ticket = ep->rx_relay_ticket;	/* answer the way it came */
	quic_pending_add(c);
	scid.datalen = QUIC_SCID_LEN;
	if (burrow_ids_control_cid(scid.data, scid.datalen) < 0 ||
	    quic_conn_add_cid(c, &scid) < 0 ||
	    quic_conn_add_cid(c, &hd.dcid) < 0) {    /* the client keeps using it a while */
		quic_conn_free(c);
		return;
	}

	quic_fill_callbacks(&callbacks, false);
	quic_fill_settings(ep, &settings, &params);
	if (verdict == QUIC_RETRY_VALIDATED) {
		/* hd.dcid is the Retry's SCID; the first Initial's DCID was odcid. */
		burrow_ngtcp2_set_original_dcid(&params, &odcid);
		burrow_ngtcp2_set_retry_scid(&params, &hd.dcid);
	} else {
		burrow_ngtcp2_set_original_dcid(&params, &hd.dcid);
	}
	quic_path_of(c, &path, from, from_len);
	rv = ngtcp2_conn_server_new(&c->conn, &hd.scid, &scid, &path, hd.version, &callbacks,
				    &settings, &params, NULL, c);
	if (rv != 0) {
		quic_set_error(ep, "cannot create server connection: %s", ngtcp2_strerror(rv));
		quic_conn_free(c);
		return;
	}
	burrow_ngtcp2_keep_fixed_bit(c->conn);
	if (quic_conn_attach(c) < 0)
		return;
	rv = ngtcp2_conn_read_pkt(c->conn, &path, NULL, pkt, len, burrow_quic_now());
	if (rv == NGTCP2_ERR_CRYPTO) {
		/* TLS refused the ClientHello (e.g. no common ALPN): tell the
		 * client with the alert; the application never knew this conn. */
		quic_conn_error(c, rv);
	} else if (rv != 0) {
		/* Undecryptable or malformed first packet: drop silently. */
		quic_conn_mark_dead(c, "first Initial refused: %s", ngtcp2_strerror(rv));
	}
}

static void quic_deliver_established(struct burrow_quic_conn *c)
{
	struct burrow_quic_endpoint *ep = c->ep;

	if (!c->established_pending || c->dead)
		return;
	c->established_pending = false;
	c->established = true;
	if (ep->cb.established && c->app_known)
		ep->cb.established(c, c->user);
}

/* RFC 9000 §6.1: a long-header packet of an unknown version, at least as
 * big as an Initial (so the reply cannot amplify), gets a Version
 * Negotiation packet listing QUIC v1. */
static void quic_send_version_negotiation(struct burrow_quic_endpoint *ep,
					  const ngtcp2_version_cid *vc, size_t len,
					  const struct sockaddr *from, socklen_t from_len)
{
	static const uint32_t versions[] = { NGTCP2_PROTO_VER_V1 };
	uint8_t buf[QUIC_PKT_BUF], unused;
	ngtcp2_ssize n;

	if (len < NGTCP2_MAX_UDP_PAYLOAD_SIZE)
		return;
	(void)gnutls_rnd(GNUTLS_RND_NONCE, &unused, 1);
	n = ngtcp2_pkt_write_version_negotiation(buf, sizeof(buf), unused, vc->scid, vc->scidlen,
						 vc->dcid, vc->dcidlen, versions, 1);
	if (n > 0)
		quic_send_datagram(ep, ep->rx_relay_ticket, buf, (size_t)n, from, from_len);
}

static void quic_datagram(struct burrow_quic_endpoint *ep, const uint8_t *pkt, size_t len,
			  const struct sockaddr *from, socklen_t from_len)
{
	ngtcp2_version_cid vc;
	struct burrow_quic_conn *c;
	ngtcp2_path path;
	int rv;

	if (len == 0)
		return;    /* ngtcp2_pkt_decode_version_cid asserts datalen > 0 */
	rv = ngtcp2_pkt_decode_version_cid(&vc, pkt, len, QUIC_SCID_LEN);
	if (rv == NGTCP2_ERR_VERSION_NEGOTIATION) {
		quic_send_version_negotiation(ep, &vc, len, from, from_len);
		return;
	}
	if (rv != 0)
		return;    /* garbage: ignore */
	c = quic_find_conn(ep, vc.dcid, vc.dcidlen);
	if (!c && quic_closing_datagram(ep, vc.dcid, vc.dcidlen))
		return;    /* a closed connection's: answered or dropped */
	if (!c) {
		quic_accept(ep, pkt, len, from, from_len);
		return;
	}
	quic_path_of(c, &path, from, from_len);
	rv = ngtcp2_conn_read_pkt(c->conn, &path, NULL, pkt, len, burrow_quic_now());
	quic_conn_touch(c);    /* ACKs to send, timers moved */
	if (rv != 0) {
		if (rv == NGTCP2_ERR_DISCARD_PKT)
			return;
		quic_conn_error(c, rv);
		return;
	}
	/* It authenticated: the peer is reached the way it came (relayed or not). */
	c->relay_ticket = ep->rx_relay_ticket;
	quic_deliver_established(c);
	quic_deliver_path_changed(c);
}

int burrow_quic_endpoint_read(struct burrow_quic_endpoint *ep)
{
	uint8_t buf[65536];
	struct sockaddr_storage from;
	socklen_t from_len;
	ssize_t n;
	int ret = 0, count;

	ep->busy++;
	for (count = 0; count < QUIC_READ_BATCH; count++) {
		from_len = sizeof(from);
		n = recvfrom(ep->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
			     &from_len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNREFUSED) {
				ret = -errno;
				quic_set_error(ep, "UDP receive failed: %s", strerror(errno));
			}
			break;
		}
		/* A relay header in front: strip it, and answer with the same. */
		ep->rx_relay_ticket = 0;
		switch (burrow_relay_header_parse(buf, (size_t)n, &ep->rx_relay_ticket)) {
		case -1:
			ep->relay_malformed++;
			continue;
		case 1:
			quic_datagram(ep, buf + BURROW_RELAY_HEADER_LEN,
				      (size_t)n - BURROW_RELAY_HEADER_LEN, (struct sockaddr *)&from,
				      from_len);
			break;
		default:
			quic_datagram(ep, buf, (size_t)n, (struct sockaddr *)&from, from_len);
		}
		ep->rx_relay_ticket = 0;
	}
	quic_reap(ep);
	ep->busy--;
	return ret;
}

/* ---- timers -------------------------------------------------------------- */

uint64_t burrow_quic_endpoint_next_expiry(struct burrow_quic_endpoint *ep)
{
	struct burrow_quic_conn *first = quic_timer_first(ep);
	struct quic_closing *r;
	uint64_t next = UINT64_MAX;

	if (ep->touched)
		return 0;    /* a close, flush or report is waiting for a reap */
	for (r = ep->closing; r; r = r->next)
		if (r->expiry < next)
			next = r->expiry;
	if (first && first->expiry < next)
		next = first->expiry;
	return next;
}

void burrow_quic_endpoint_handle_expiry(struct burrow_quic_endpoint *ep)
{
	struct burrow_quic_conn *c;
	uint64_t now = burrow_quic_now();
	int rv;

	ep->busy++;
	quic_closing_expire(ep, now);
	/* Due connections leave the heap's top one by one: each is pushed to
	 * "never" until the reap re-keys it from ngtcp2. */
	while ((c = quic_timer_first(ep)) && c->expiry <= now) {
		quic_timer_update(ep, c, UINT64_MAX);
		quic_conn_touch(c);
		if (c->dead)
			continue;
		rv = ngtcp2_conn_handle_expiry(c->conn, now);
		if (rv != 0)
			quic_conn_error(c, rv);
	}
	quic_reap(ep);
	ep->busy--;
}

/* ---- endpoint ------------------------------------------------------------ */

const char *burrow_quic_setup_error(void)
{
	return quic_setup_error;
}

struct burrow_quic_endpoint *burrow_quic_endpoint_new(int udp_fd,
	const struct burrow_quic_settings *settings,
	const struct burrow_quic_callbacks *callbacks, void *endpoint_user)
{
	struct burrow_quic_endpoint *ep;
	const char *alpn;
	int flags, ret;

	quic_setup_error[0] = '\0';
	if (!settings || !callbacks) {
		snprintf(quic_setup_error, sizeof(quic_setup_error), "no settings or callbacks");
		errno = EINVAL;
		return NULL;
	}
	ep = calloc(1, sizeof(*ep));
	if (!ep) {
		snprintf(quic_setup_error, sizeof(quic_setup_error), "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	ep->fd = udp_fd;
	ep->cb = *callbacks;
	ep->user = endpoint_user;
	ep->idle_timeout_ns = (settings->idle_timeout_ms ? settings->idle_timeout_ms
				: QUIC_DEFAULT_IDLE_MS) * NGTCP2_MILLISECONDS;
	ep->keepalive_ns = settings->keepalive_ms * NGTCP2_MILLISECONDS;
	ep->handshake_timeout_ns = settings->handshake_timeout_ms * NGTCP2_MILLISECONDS;
	if (!ep->handshake_timeout_ns) {
		ep->handshake_timeout_ns = QUIC_DEFAULT_HANDSHAKE_MS * NGTCP2_MILLISECONDS;
		if (ep->idle_timeout_ns < ep->handshake_timeout_ns)
			ep->handshake_timeout_ns = ep->idle_timeout_ns;
	}
	alpn = settings->alpn ? settings->alpn : BURROW_QUIC_ALPN;
	if (!alpn[0] || strlen(alpn) >= sizeof(ep->alpn)) {
		quic_set_error(ep, "invalid ALPN '%s'", alpn);
		ret = -EINVAL;
		goto fail;
	}
	strcpy(ep->alpn, alpn);
	ep->test_no_alpn = settings->test_no_alpn;
	ep->touched_tail = &ep->touched;
	ret = quic_index_init(ep);
	if (ret == 0 && quic_retry_init(ep) < 0)
		ret = -EIO;
	if (ret < 0) {
		quic_set_error(ep, "no randomness for the connection-ID table or Retry tokens");
		goto fail;
	}
	ret = quic_tls_alpns_init(ep, settings->accept_alpns);
	if (ret)
		goto fail;
	if (settings->keylog_path) {
		ep->keylog_path = strdup(settings->keylog_path);
		if (!ep->keylog_path) {
			ret = -ENOMEM;
			goto fail;
		}
	}
	ep->local_len = sizeof(ep->local);
	if (getsockname(udp_fd, (struct sockaddr *)&ep->local, &ep->local_len) < 0) {
		quic_set_error(ep, "UDP socket %d: %s", udp_fd, strerror(errno));
		ret = -errno;
		goto fail;
	}
	flags = fcntl(udp_fd, F_GETFL);
	if (flags < 0 || fcntl(udp_fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		quic_set_error(ep, "UDP socket %d: %s", udp_fd, strerror(errno));
		ret = -errno;
		goto fail;
	}
	ret = quic_tls_endpoint_init(ep, settings->private_key_pem);
	if (ret < 0)
		goto fail;
	return ep;

fail:
	snprintf(quic_setup_error, sizeof(quic_setup_error), "%s",
		 ep->last_error[0] ? ep->last_error : strerror(-ret));
	quic_tls_endpoint_free(ep);
	free(ep->keylog_path);
	free(ep);
	errno = -ret;
	return NULL;
}

void burrow_quic_endpoint_free(struct burrow_quic_endpoint *ep)
{
	struct burrow_quic_conn *c, *next;

	if (!ep)
		return;
	for (c = ep->conns; c; c = next) {
		next = c->next;
		c->touched = false;    /* the touched list goes with the endpoint */
		quic_conn_free(c);
	}
	quic_closing_free_all(ep);
	quic_index_free(ep);
	quic_tls_endpoint_free(ep);
	free(ep->keylog_path);
	free(ep);
}

const char *burrow_quic_endpoint_last_error(const struct burrow_quic_endpoint *ep)
{
	return ep->last_error;
}

const uint8_t *burrow_quic_endpoint_public_key(const struct burrow_quic_endpoint *ep)
{
	return ep->public_key;
}

/* ---- connections --------------------------------------------------------- */

/*
 * The address to send to from ep's socket: an IPv4 remote on an IPv6
 * socket becomes its IPv4-mapped form (what a dual-stack socket reports
 * as the source of that peer's datagrams, so paths compare equal).
 */
static int quic_remote_for_socket(const struct burrow_quic_endpoint *ep,
				  const struct sockaddr *remote, socklen_t remote_len,
				  struct sockaddr_storage *out, socklen_t *out_len)
{
	if (remote->sa_family == ep->local.ss_family || ep->local.ss_family == AF_UNSPEC) {
		memcpy(out, remote, remote_len);
		*out_len = remote_len;
		return 0;
	}
	if (remote->sa_family != AF_INET || ep->local.ss_family != AF_INET6 ||
	    remote_len < sizeof(struct sockaddr_in))
		return -EAFNOSUPPORT;
	*out_len = burrow_kernel_v4_mapped(remote, remote_len, out);
	return 0;
}

static int quic_connect(struct burrow_quic_endpoint *ep, const char *alpn,
			const struct sockaddr *remote, socklen_t remote_len,
			const uint8_t expected_public_key[32], uint32_t ticket,
			void *conn_user, struct burrow_quic_conn **out)
{
	ngtcp2_callbacks callbacks;
	ngtcp2_settings settings;
	ngtcp2_transport_params params;
	ngtcp2_cid scid, dcid;
	ngtcp2_path path;
	struct sockaddr_storage to;
	socklen_t to_len;
	struct burrow_quic_conn *c;
	int rv;

	if (!remote || remote_len > sizeof(struct sockaddr_storage) || !expected_public_key)
		return -EINVAL;
	if (!alpn)
		alpn = ep->alpn;
	if (!alpn[0] || strlen(alpn) >= sizeof(c->alpn))
		return -EINVAL;
	rv = quic_remote_for_socket(ep, remote, remote_len, &to, &to_len);
	if (rv < 0) {
		quic_set_error(ep, "cannot dial an IPv6 address from an IPv4 socket");
		return rv;
	}
	c = quic_conn_alloc(ep, true, (const struct sockaddr *)&to, to_len);
	if (!c)
		return -ENOMEM;
	if (!ep->test_no_alpn)
		snprintf(c->alpn, sizeof(c->alpn), "%s", alpn);	/* offered, and routes callbacks */
	memcpy(c->expected_key, expected_public_key, BURROW_QUIC_PUBLIC_KEY_LEN);
	c->user = conn_user;
	c->relay_ticket = ticket;
	scid.datalen = QUIC_SCID_LEN;
	dcid.datalen = QUIC_SCID_LEN;
	if (burrow_ids_control_cid(scid.data, scid.datalen) < 0 ||
	    burrow_ids_control_cid(dcid.data, dcid.datalen) < 0) {
		quic_conn_free(c);
		return -EIO;
	}
	if (quic_conn_add_cid(c, &scid) < 0) {
		quic_conn_free(c);
		return -ENOMEM;
	}
	quic_fill_callbacks(&callbacks, true);
	quic_fill_settings(ep, &settings, &params);
	quic_path_of(c, &path, (const struct sockaddr *)&c->remote, c->remote_len);
	rv = ngtcp2_conn_client_new(&c->conn, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1,
				    &callbacks, &settings, &params, NULL, c);
	if (rv != 0) {
		quic_set_error(ep, "cannot create client connection: %s", ngtcp2_strerror(rv));
		quic_conn_free(c);
		return -ENOMEM;
	}
	burrow_ngtcp2_keep_fixed_bit(c->conn);
	if (quic_conn_attach(c) < 0)
		return -EIO;
	c->app_known = true;
	if (!ep->busy) {
		if (quic_conn_flush(c) < 0) {
			/* Nothing went out; report synchronously and forget it. */
			quic_set_error(ep, "%s", c->dead_reason);
			quic_touched_forget(c);
			quic_conn_free(c);
			return -EIO;
		}
		quic_touched_forget(c);    /* flushed and timed: nothing left to reap */
	}
	*out = c;
	return 0;
}

int burrow_quic_connect(struct burrow_quic_endpoint *ep, const struct sockaddr *remote,
			socklen_t remote_len, const uint8_t expected_public_key[32],
			void *conn_user, struct burrow_quic_conn **out)
{
	return quic_connect(ep, NULL, remote, remote_len, expected_public_key, 0, conn_user, out);
}

int burrow_quic_connect_alpn(struct burrow_quic_endpoint *ep, const char *alpn,
			     const struct sockaddr *remote, socklen_t remote_len,
			     const uint8_t expected_public_key[32], void *conn_user,
			     struct burrow_quic_conn **out)
{
	return quic_connect(ep, alpn, remote, remote_len, expected_public_key, 0, conn_user, out);
}

int burrow_quic_connect_relayed(struct burrow_quic_endpoint *ep, const struct sockaddr *relay,
				socklen_t relay_len, uint32_t ticket,
				const uint8_t expected_public_key[32], void *conn_user,
				struct burrow_quic_conn **out)
{
	if (!ticket)
		return -EINVAL;
	return quic_connect(ep, NULL, relay, relay_len, expected_public_key, ticket, conn_user,
			    out);
}

int burrow_quic_connect_relayed_alpn(struct burrow_quic_endpoint *ep, const char *alpn,
				     const struct sockaddr *relay, socklen_t relay_len,
				     uint32_t ticket, const uint8_t expected_public_key[32],
				     void *conn_user, struct burrow_quic_conn **out)
{
	if (!ticket)
		return -EINVAL;
	return quic_connect(ep, alpn, relay, relay_len, expected_public_key, ticket, conn_user,
			    out);
}

uint32_t burrow_quic_conn_relay_ticket(const struct burrow_quic_conn *c)
{
	return c->relay_ticket;
}

uint64_t burrow_quic_endpoint_relay_malformed(const struct burrow_quic_endpoint *ep)
{
	return ep->relay_malformed;
}

bool burrow_quic_is_client(const struct burrow_quic_conn *c)
{
	return c->is_client;
}

const uint8_t *burrow_quic_peer_public_key(const struct burrow_quic_conn *c)
{
	if (c->is_client)
		return c->expected_key;
	return c->have_peer_key ? c->peer_key : NULL;
}

bool burrow_quic_peer_app_error(const struct burrow_quic_conn *c, uint64_t *app_error)
{
	if (c->peer_app_closed)
		*app_error = c->peer_app_error;
	return c->peer_app_closed;
}

uint64_t burrow_quic_pto_ns(const struct burrow_quic_conn *c)
{
	return ngtcp2_conn_get_pto(c->conn);
}

const struct sockaddr *burrow_quic_remote_addr(const struct burrow_quic_conn *c, socklen_t *len)
{
	const ngtcp2_path *path = ngtcp2_conn_get_path(c->conn);

	if (path && path->remote.addrlen) {
		*len = path->remote.addrlen;
		return (const struct sockaddr *)path->remote.addr;
	}
	*len = c->remote_len;
	return (const struct sockaddr *)&c->remote;
}

void burrow_quic_set_user(struct burrow_quic_conn *c, void *conn_user)
{
	c->user = conn_user;
}
