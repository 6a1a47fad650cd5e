// SPDX-License-Identifier: GPL-2.0
/*
 * Streams of burrowd's QUIC endpoint: per-stream send buffers (chunks that
 * stay put until acknowledged, because ngtcp2 keeps pointers into them),
 * the write loop that hands them to ngtcp2 within flow control, and the
 * receive side (deliver, then give the credit back).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "quic_internal.h"

#define QUIC_VECS 16

static struct quic_stream *quic_stream_find(struct burrow_quic_conn *c, int64_t id)
{
	struct quic_stream *s;

	for (s = c->streams; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

/* Streams are tracked from open_stream (ours) or their first byte (the
 * peer's) until ngtcp2's stream_close, so send() can refuse unknown ones. */
static struct quic_stream *quic_stream_add(struct burrow_quic_conn *c, int64_t id)
{
	struct quic_stream *s = quic_stream_find(c, id);

	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->id = id;
	s->next = c->streams;
	c->streams = s;
	return s;
}

void quic_stream_free(struct quic_stream *s)
{
	struct quic_chunk *ch, *next;

	for (ch = s->head; ch; ch = next) {
		next = ch->next;
		free(ch);
	}
	free(s);
}

static void quic_stream_remove(struct burrow_quic_conn *c, int64_t id)
{
	struct quic_stream **pp, *s;

	for (pp = &c->streams; (s = *pp); pp = &s->next) {
		if (s->id == id) {
			*pp = s->next;
			quic_stream_free(s);
			return;
		}
	}
}

static bool quic_stream_pending(const struct quic_stream *s)
{
	return !s->blocked && !s->aborted && (s->unsent || (s->fin_queued && !s->fin_sent));
}

/* Hand ngtcp2 accepted bytes: move the unsent cursor forward. */
static void quic_stream_advance(struct quic_stream *s, size_t n)
{
	while (n && s->unsent) {
		size_t left = s->unsent->len - s->unsent_off;
		size_t take = n < left ? n : left;

		s->unsent_off += take;
		n -= take;
		if (s->unsent_off == s->unsent->len) {
			s->unsent = s->unsent->next;
			s->unsent_off = 0;
		}
	}
}

/*
 * Write everything ngtcp2 will send now for one connection: stream data
 * (round over streams with pending bytes, skipping flow-control blocked
 * ones), ACKs, retransmissions, handshake. Returns 0 or an ngtcp2 error
 * (the connection is then marked dead).
 */
int quic_conn_flush(struct burrow_quic_conn *c)
{
	uint8_t buf[QUIC_PKT_BUF];
	size_t max = ngtcp2_conn_get_max_tx_udp_payload_size(c->conn);
	ngtcp2_path_storage ps;
	struct quic_stream *s;
	uint64_t ts = burrow_quic_now();

	if (max > sizeof(buf))
		max = sizeof(buf);
	for (s = c->streams; s; s = s->next)
		s->blocked = false;
	ngtcp2_path_storage_zero(&ps);

	for (;;) {
		ngtcp2_vec vec[QUIC_VECS];
		size_t nvec = 0;
		uint32_t flags = NGTCP2_WRITE_STREAM_FLAG_MORE;
		int64_t sid = -1;
		ngtcp2_ssize n, ndatalen = -1;
		bool all_data = true;

		for (s = c->streams; s && !quic_stream_pending(s); s = s->next)
			;
		if (s) {
			struct quic_chunk *ch = s->unsent;
			size_t off = s->unsent_off;

			sid = s->id;
			for (; ch && nvec < QUIC_VECS; ch = ch->next, off = 0) {
				vec[nvec].base = ch->data + off;
				vec[nvec].len = ch->len - off;
				nvec++;
			}
			all_data = ch == NULL;
			if (all_data && s->fin_queued)
				flags |= NGTCP2_WRITE_STREAM_FLAG_FIN;
		}

		n = burrow_ngtcp2_conn_writev_stream(c->conn, &ps.path, NULL, buf, max, &ndatalen,
						     flags, sid, vec, nvec, ts);
		if (n < 0 && s) {
			switch (n) {
			case NGTCP2_ERR_WRITE_MORE:
				quic_stream_advance(s, (size_t)ndatalen);
				if ((flags & NGTCP2_WRITE_STREAM_FLAG_FIN) && !s->unsent)
					s->fin_sent = true;
				continue;
			case NGTCP2_ERR_STREAM_DATA_BLOCKED:
				s->blocked = true;
				continue;
			case NGTCP2_ERR_STREAM_SHUT_WR:
			case NGTCP2_ERR_STREAM_NOT_FOUND:
				/* Peer reset it or it is gone: nothing more to send. */
				quic_stream_remove(c, sid);
				continue;
			default:
				break;
			}
		}
		if (n < 0) {
			quic_conn_error(c, (int)n);
			return (int)n;
		}
		if (s && ndatalen >= 0) {
			quic_stream_advance(s, (size_t)ndatalen);
			if ((flags & NGTCP2_WRITE_STREAM_FLAG_FIN) && !s->unsent)
				s->fin_sent = true;
		}
		if (n == 0) {
			quic_conn_timer_refresh(c);
			return 0;
		}
		quic_sendto(c, &ps.path, buf, (size_t)n);
	}
}

int quic_cb_recv_stream_data(ngtcp2_conn *conn, uint32_t flags, int64_t stream_id,
			     uint64_t offset, const uint8_t *data, size_t datalen,
			     void *user_data, void *stream_user_data)
{
	struct burrow_quic_conn *c = user_data;
	struct burrow_quic_endpoint *ep = c->ep;

	(void)offset;
	(void)stream_user_data;
	if (!quic_stream_add(c, stream_id))
		return NGTCP2_ERR_CALLBACK_FAILURE;
	if (!c->dead && ep->cb.stream_data && c->app_known)
		ep->cb.stream_data(c, stream_id, data, datalen,
				   flags & NGTCP2_STREAM_DATA_FLAG_FIN, c->user);
	/* The application consumed it: give the credit back (with manual
	 * credit, the stream's comes from burrow_quic_stream_consumed). */
	if (!c->manual_credit)
		ngtcp2_conn_extend_max_stream_offset(conn, stream_id, datalen);
	ngtcp2_conn_extend_max_offset(conn, datalen);
	return 0;
}

int quic_cb_acked_stream_data_offset(ngtcp2_conn *conn, int64_t stream_id, uint64_t offset,
				     uint64_t datalen, void *user_data, void *stream_user_data)
{
	struct burrow_quic_conn *c = user_data;
	struct quic_stream *s = quic_stream_find(c, stream_id);
	struct quic_chunk *ch;

	(void)conn;
	(void)stream_user_data;
	if (!s)
		return 0;
	if (offset + datalen > s->acked)
		s->acked = offset + datalen;
	/* Free chunks that are entirely acknowledged (and already sent). */
	while ((ch = s->head) && ch != s->unsent && ch->offset + ch->len <= s->acked) {
		s->head = ch->next;
		if (!s->head)
			s->tail = NULL;
		free(ch);
	}
	return 0;
}

int quic_cb_stream_close(ngtcp2_conn *conn, uint32_t flags, int64_t stream_id,
			 uint64_t app_error_code, void *user_data, void *stream_user_data)
{
	struct burrow_quic_conn *c = user_data;
	bool peer_initiated = ((stream_id & 1) != 0) == !c->is_client;

	(void)flags;
	(void)app_error_code;
	(void)stream_user_data;
	quic_stream_remove(c, stream_id);
	if (peer_initiated && (stream_id & 2) == 0)
		ngtcp2_conn_extend_max_streams_bidi(conn, 1);
	return 0;
}

int quic_cb_extend_max_stream_data(ngtcp2_conn *conn, int64_t stream_id, uint64_t max_data,
				   void *user_data, void *stream_user_data)
{
	struct burrow_quic_conn *c = user_data;
	struct quic_stream *s = quic_stream_find(c, stream_id);

	(void)conn;
	(void)max_data;
	(void)stream_user_data;
	if (s)
		s->blocked = false;
	return 0;
}

int burrow_quic_open_stream(struct burrow_quic_conn *c, int64_t *stream_id)
{
	int rv;

	if (c->dead || c->close_requested)
		return -ENOTCONN;
	if (!ngtcp2_conn_get_handshake_completed(c->conn))
		return -EAGAIN;
	rv = ngtcp2_conn_open_bidi_stream(c->conn, stream_id, NULL);
	if (rv == NGTCP2_ERR_STREAM_ID_BLOCKED)
		return -EAGAIN;
	if (rv != 0) {
		quic_set_error(c->ep, "cannot open stream: %s", ngtcp2_strerror(rv));
		return -EIO;
	}
	if (!quic_stream_add(c, *stream_id)) {
		burrow_ngtcp2_conn_shutdown_stream(c->conn, *stream_id, 0);
		return -ENOMEM;
	}
	return 0;
}

int quic_cb_stream_reset(ngtcp2_conn *conn, int64_t stream_id, uint64_t final_size,
			 uint64_t app_error_code, void *user_data, void *stream_user_data)
{
	struct burrow_quic_conn *c = user_data;
	struct burrow_quic_endpoint *ep = c->ep;

	(void)conn;
	(void)final_size;
	(void)stream_user_data;
	if (!c->dead && c->app_known && ep->cb.stream_reset)
		ep->cb.stream_reset(c, stream_id, app_error_code, c->user);
	return 0;
}

int burrow_quic_stream_abort(struct burrow_quic_conn *c, int64_t stream_id, uint64_t app_error)
{
	struct quic_stream *s = quic_stream_find(c, stream_id);
	int rv;

	if (c->dead || c->close_requested)
		return -ENOTCONN;
	if (!s)
		return -ENOENT;
	if (s->aborted)
		return 0;
	/* Chunks stay until stream_close: packets in flight may point at them. */
	s->aborted = true;
	rv = burrow_ngtcp2_conn_shutdown_stream(c->conn, stream_id, app_error);
	if (rv != 0) {
		quic_set_error(c->ep, "cannot abort stream %lld: %s", (long long)stream_id,
			       ngtcp2_strerror(rv));
		return -EIO;
	}
	quic_conn_kick(c);
	return 0;
}

size_t burrow_quic_stream_unacked(const struct burrow_quic_conn *c, int64_t stream_id)
{
	const struct quic_stream *s;

	for (s = c->streams; s; s = s->next)
		if (s->id == stream_id)
			return s->aborted ? 0 : (size_t)(s->queued - s->acked);
	return 0;
}

int burrow_quic_send(struct burrow_quic_conn *c, int64_t stream_id, const uint8_t *data,
		     size_t len, bool fin)
{
	struct quic_stream *s;
	struct quic_chunk *ch;

	if (len && !data)
		return -EINVAL;
	if (c->dead || c->close_requested)
		return -ENOTCONN;
	s = quic_stream_find(c, stream_id);
	if (!s)
		return -ENOENT;
	if (s->fin_queued || s->aborted)
		return -EPIPE;
	if (len) {
		ch = malloc(sizeof(*ch) + len);
		if (!ch)
			return -ENOMEM;
		ch->next = NULL;
		ch->offset = s->queued;
		ch->len = len;
		memcpy(ch->data, data, len);
		if (s->tail)
			s->tail->next = ch;
		else
			s->head = ch;
		s->tail = ch;
		if (!s->unsent) {
			s->unsent = ch;
			s->unsent_off = 0;
		}
		s->queued += len;
	}
	s->fin_queued = fin;
	quic_conn_kick(c);
	return 0;
}

void burrow_quic_manual_credit(struct burrow_quic_conn *c, bool on)
{
	c->manual_credit = on;
}

int burrow_quic_stream_consumed(struct burrow_quic_conn *c, int64_t stream_id, size_t n)
{
	if (c->dead || c->close_requested)
		return -ENOTCONN;
	if (!quic_stream_find(c, stream_id))
		return -ENOENT;
	ngtcp2_conn_extend_max_stream_offset(c->conn, stream_id, n);
	quic_conn_kick(c);
	return 0;
}

int burrow_quic_extend_max_streams(struct burrow_quic_conn *c, uint64_t n)
{
	if (c->dead || c->close_requested)
		return -ENOTCONN;
	ngtcp2_conn_extend_max_streams_bidi(c->conn, n);
	quic_conn_kick(c);
	return 0;
}
