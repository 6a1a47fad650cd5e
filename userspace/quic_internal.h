/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to quic.c (endpoint, connections, packets, streams) and quic_tls.c
 * (GnuTLS: keys, credentials, per-connection sessions, peer verification,
 * key log, exporter). Nothing outside quic*.c includes this, except
 * selftests/unit/test_burrowd_held.c, which fakes a connection with it.
 */
#ifndef BURROW_QUIC_INTERNAL_H
#define BURROW_QUIC_INTERNAL_H

#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <stdint.h>

#include "ngtcp2_compat.h"
#include "quic.h"

#define QUIC_SCID_LEN 16           /* our connection IDs; short-header demux length */
#define QUIC_ACTIVE_CID_LIMIT 4    /* transport parameter active_connection_id_limit */
/* CIDs we track per connection: the peer's limit (ngtcp2 caps what it issues
 * at 8 when the peer allows more), the client's original DCID, and slack for
 * retired ones ngtcp2 has not removed yet. */
#define QUIC_MAX_SCIDS 16
#define QUIC_REASON_LEN 256
#define QUIC_PKT_BUF 1500          /* >= max_tx_udp_payload_size */

/* One burrow_quic_send() call's bytes. Chunks never move: ngtcp2 keeps
 * pointers into unacknowledged stream data until it is acknowledged. */
struct quic_chunk {
	struct quic_chunk *next;
	uint64_t offset;           /* stream offset of data[0] */
	size_t len;
	uint8_t data[];
};

/* Send side of one stream: chunks from the oldest unacknowledged byte on. */
struct quic_stream {
	struct quic_stream *next;
	int64_t id;
	struct quic_chunk *head, *tail;
	struct quic_chunk *unsent;  /* first chunk with bytes not yet handed to ngtcp2 */
	size_t unsent_off;          /* offset into *unsent */
	uint64_t queued;            /* total bytes ever queued */
	uint64_t acked;             /* contiguous acknowledged prefix */
	bool fin_queued, fin_sent;
	bool aborted;               /* burrow_quic_stream_abort(): send nothing more */
	bool blocked;               /* flow-control blocked during this flush */
};

#define QUIC_NO_TIMER_SLOT SIZE_MAX

struct burrow_quic_conn {
	ngtcp2_crypto_conn_ref conn_ref;   /* gnutls_session_get_ptr() points here */
	struct burrow_quic_endpoint *ep;
	struct burrow_quic_conn *prev, *next;        /* ep->conns */
	/* Server connections not yet authorized, oldest first (ep->pending). */
	struct burrow_quic_conn *pending_prev, *pending_next;
	/* On ep->touched: quic_reap() must look at it (quic_conn_touch). */
	struct burrow_quic_conn *touched_next;
	bool touched;
	bool attached;             /* on ep->conns (quic_conn_attach) */
	bool pending;              /* on ep->pending_head..tail */
	bool path_changed;         /* validated a new path: tell cb.path_changed */
	size_t timer_slot;         /* in ep->timers, or QUIC_NO_TIMER_SLOT */
	uint64_t expiry;           /* its key there: ngtcp2's expiry when last looked */
	ngtcp2_conn *conn;
	gnutls_session_t tls;
	bool is_client;
	bool app_known;            /* closed must be reported (client, or authorized) */
	bool established;          /* established callback delivered */
	bool established_pending;  /* handshake done inside read_pkt; report after */
	bool dead;                 /* finished; closed callback + free pending */
	bool close_requested;      /* burrow_quic_close() inside a callback */
	uint64_t close_app_error;
	char close_reason[QUIC_REASON_LEN];   /* local close reason phrase */
	char fail_reason[QUIC_REASON_LEN];    /* why a callback refused (TLS verify, ALPN) */
	uint8_t fail_tls_alert;               /* non-zero: close with this TLS alert (0x100 + it) */
	char dead_reason[QUIC_REASON_LEN];    /* what closed() reports */
	bool peer_app_closed;                 /* the peer closed with an application error */
	uint64_t peer_app_error;
	bool manual_credit;                   /* burrow_quic_manual_credit() */
	char alpn[64];                        /* negotiated (server) / offered (client) */
	bool have_peer_key;
	uint8_t peer_key[BURROW_QUIC_PUBLIC_KEY_LEN];
	uint8_t expected_key[BURROW_QUIC_PUBLIC_KEY_LEN];   /* client only */
	void *user;
	struct sockaddr_storage local, remote;
	socklen_t local_len, remote_len;
	ngtcp2_cid scids[QUIC_MAX_SCIDS];     /* CIDs that route packets to us */
	size_t n_scids;
	struct quic_stream *streams;
	/* The CONNECTION_CLOSE datagram we sent (malloc'd; NULL if none): the
	 * closing state repeats it (quic_closing_from_conn takes it over). */
	uint8_t *close_pkt;
	size_t close_pkt_len;
	/* Non-zero: the peer is reached through a relay (relay_header.h):
	 * every datagram to it carries this ticket. Set by
	 * burrow_quic_connect_relayed, or from the last packet of the peer's
	 * that authenticated (its relay header's ticket, 0 without one). */
	uint32_t relay_ticket;
};

/*
 * RFC 9000 §10.2: what is left of a closed connection for its closing or
 * draining period. The connection itself (ngtcp2_conn, TLS, streams) is
 * freed and closed() reported when it ends; this keeps only its CIDs, so
 * its peer's late packets are recognised, and, in the closing state, the
 * CONNECTION_CLOSE datagram to send again. Owned by the endpoint's list;
 * freed at expiry, on eviction (list full) or with the endpoint.
 */
struct quic_closing {
	struct quic_closing *next;
	ngtcp2_cid scids[QUIC_MAX_SCIDS];
	size_t n_scids;
	struct sockaddr_storage remote;   /* the peer's validated address */
	socklen_t remote_len;
	uint64_t expiry;                  /* CLOCK_MONOTONIC ns: free then */
	uint64_t received;                /* datagrams seen for it */
	uint64_t replies;                 /* CONNECTION_CLOSEs sent again */
	uint32_t relay_ticket;            /* the connection's, for those replies */
	size_t pkt_len;                   /* 0: draining, never send */
	uint8_t pkt[];                    /* closing: the CONNECTION_CLOSE datagram */
};

struct burrow_quic_endpoint {
	int fd;
	struct burrow_quic_callbacks cb;
	void *user;
	uint64_t idle_timeout_ns;
	uint64_t keepalive_ns;
	uint64_t handshake_timeout_ns;
	char alpn[64];
	bool test_no_alpn;	/* see burrow_quic_settings */
	gnutls_datum_t accept_alpns[BURROW_QUIC_MAX_ALPNS];  /* server: alpn first; heap */
	unsigned n_accept_alpns;
	uint64_t alpn_refused;       /* ClientHellos offering none of them */
	char *keylog_path;
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	uint8_t public_key[BURROW_QUIC_PUBLIC_KEY_LEN];
	struct sockaddr_storage local;
	socklen_t local_len;
	struct burrow_quic_conn *conns;   /* all, newest first */
	struct burrow_quic_conn *pending_head, *pending_tail;
	/* Connections an entry point or API call changed: quic_reap() runs
	 * their deferred close, flushes them, re-keys their timer or reports
	 * and frees them. Only these are visited, never the whole list. */
	struct burrow_quic_conn *touched, **touched_tail;
	/* quic_index.c */
	struct quic_cid_slot *cid_slots;
	size_t cid_size, cid_used;
	uint64_t cid_seed;
	struct burrow_quic_conn **timers;
	size_t n_timers, timers_cap;
	struct quic_closing *closing;   /* newest first */
	unsigned n_closing;
	unsigned n_pending_server;   /* server conns not yet authorized */
	/* quic_retry.c */
	uint8_t retry_secret[32];
	uint64_t retries_sent, retry_tokens_refused;
	int busy;                    /* inside read/handle_expiry: defer writes */
	/* The relay header's ticket of the datagram being read (0: none), for
	 * the answers sent to it (Retry, Version Negotiation, CONNECTION_CLOSE
	 * again) and for a connection it creates; relay headers dropped as
	 * malformed. */
	uint32_t rx_relay_ticket;
	uint64_t relay_malformed;
	char last_error[QUIC_REASON_LEN];
};

struct quic_cid_slot {
	struct burrow_quic_conn *conn;    /* NULL: empty */
	uint32_t hash;
};

/* quic.c */
/* Put c on the endpoint's touched list (idempotent). */
void quic_conn_touch(struct burrow_quic_conn *c);
/* After an API call changed c: flush now, or, inside an entry point
 * (ep->busy), touch it for the reap. */
void quic_conn_kick(struct burrow_quic_conn *c);
/* The server's authorize callback accepted the peer's key. */
void quic_conn_authorized(struct burrow_quic_conn *c);
/* Re-key c's timer from ngtcp2 after a write, read or expiry handled. */
void quic_conn_timer_refresh(struct burrow_quic_conn *c);
void quic_set_error(struct burrow_quic_endpoint *ep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void quic_conn_fail_reason(struct burrow_quic_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Mark finished; closed(reason) is reported by the next reap. */
void quic_conn_mark_dead(struct burrow_quic_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* An ngtcp2 call failed with liberr: send CONNECTION_CLOSE if still
 * possible and mark dead with the reason (peer's reason when draining). */
void quic_conn_error(struct burrow_quic_conn *c, int liberr);
/* Every datagram the endpoint sends goes through here: with a relay header
 * in front when ticket is non-zero (one sendmsg, no copy). */
void quic_send_datagram(struct burrow_quic_endpoint *ep, uint32_t ticket, const uint8_t *buf,
			size_t len, const struct sockaddr *to, socklen_t to_len);
void quic_sendto(struct burrow_quic_conn *c, const ngtcp2_path *path,
		 const uint8_t *buf, size_t len);

/* quic_index.c: the lists, the CID table and the timer heap (see there). */
void quic_touched_forget(struct burrow_quic_conn *c);
void quic_pending_add(struct burrow_quic_conn *c);
void quic_pending_remove(struct burrow_quic_conn *c);
int quic_index_init(struct burrow_quic_endpoint *ep);
void quic_index_free(struct burrow_quic_endpoint *ep);
int quic_cid_index_add(struct burrow_quic_endpoint *ep, struct burrow_quic_conn *c,
		       const ngtcp2_cid *cid);
void quic_cid_index_remove(struct burrow_quic_endpoint *ep, struct burrow_quic_conn *c,
			   const ngtcp2_cid *cid);
struct burrow_quic_conn *quic_cid_index_find(struct burrow_quic_endpoint *ep, const uint8_t *cid,
					     size_t len);
int quic_timer_insert(struct burrow_quic_endpoint *ep, struct burrow_quic_conn *c,
		      uint64_t expiry);
void quic_timer_update(struct burrow_quic_endpoint *ep, struct burrow_quic_conn *c,
		       uint64_t expiry);
void quic_timer_remove(struct burrow_quic_endpoint *ep, struct burrow_quic_conn *c);
struct burrow_quic_conn *quic_timer_first(const struct burrow_quic_endpoint *ep);

/* quic_retry.c: address validation under handshake load (see there). */
#define QUIC_RETRY_THRESHOLD 16       /* pending handshakes before Retry is asked */
#define QUIC_MAX_PENDING_SERVER 1024  /* pending handshakes; the oldest is evicted */
enum quic_retry_verdict {
	QUIC_RETRY_ACCEPT,     /* no token needed: accept */
	QUIC_RETRY_VALIDATED,  /* valid Retry token: accept, *odcid set */
	QUIC_RETRY_ANSWERED,   /* a Retry was sent: keep no state */
	QUIC_RETRY_DROP,       /* bad token or not an Initial: drop */
};
int quic_retry_init(struct burrow_quic_endpoint *ep);
enum quic_retry_verdict quic_retry_check(struct burrow_quic_endpoint *ep, const ngtcp2_pkt_hd *hd,
					 const struct sockaddr *from, socklen_t from_len,
					 ngtcp2_cid *odcid);

/* quic_close.c */
/* Closing/draining period: at least this long whatever the PTO (ns). */
#define QUIC_CLOSING_MIN_NS (1000ull * 1000000ull)
#define QUIC_MAX_CLOSING 256       /* closing/draining records; oldest evicted */
/* A dead connection the application knew: keep a closing record if it sent
 * a CONNECTION_CLOSE (closing) or received one (draining). Call before
 * freeing it. */
void quic_closing_from_conn(struct burrow_quic_conn *c);
/* A datagram for a closed connection's CID: answer (rate-limited) or drop.
 * false if dcid belongs to no closing record. */
bool quic_closing_datagram(struct burrow_quic_endpoint *ep, const uint8_t *dcid, size_t len);
/* Free records whose period ended; returns the earliest expiry left. */
uint64_t quic_closing_expire(struct burrow_quic_endpoint *ep, uint64_t now);
void quic_closing_free_all(struct burrow_quic_endpoint *ep);
/* Flush, send CONNECTION_CLOSE with the application's code and reason, and
 * mark dead ("local close: <reason>"). */
void quic_conn_do_close(struct burrow_quic_conn *c);

/* quic_stream.c */
void quic_stream_free(struct quic_stream *s);
int quic_conn_flush(struct burrow_quic_conn *c);
int quic_cb_recv_stream_data(ngtcp2_conn *conn, uint32_t flags, int64_t stream_id,
			     uint64_t offset, const uint8_t *data, size_t datalen,
			     void *user_data, void *stream_user_data);
int quic_cb_acked_stream_data_offset(ngtcp2_conn *conn, int64_t stream_id, uint64_t offset,
				     uint64_t datalen, void *user_data, void *stream_user_data);
int quic_cb_stream_close(ngtcp2_conn *conn, uint32_t flags, int64_t stream_id,
			 uint64_t app_error_code, void *user_data, void *stream_user_data);
int quic_cb_stream_reset(ngtcp2_conn *conn, int64_t stream_id, uint64_t final_size,
			 uint64_t app_error_code, void *user_data, void *stream_user_data);
int quic_cb_extend_max_stream_data(ngtcp2_conn *conn, int64_t stream_id, uint64_t max_data,
				   void *user_data, void *stream_user_data);

/* quic_tls.c */
int quic_tls_endpoint_init(struct burrow_quic_endpoint *ep, const char *private_key_pem);
void quic_tls_endpoint_free(struct burrow_quic_endpoint *ep);
/* The server's accepted ALPNs: ep->alpn and settings->accept_alpns. */
int quic_tls_alpns_init(struct burrow_quic_endpoint *ep, const char *const *accept);
int quic_tls_session_new(struct burrow_quic_conn *c);
void quic_tls_session_free(struct burrow_quic_conn *c);
bool quic_tls_alpn_ok(struct burrow_quic_conn *c);
void quic_key_to_text(const uint8_t key[BURROW_QUIC_PUBLIC_KEY_LEN], char out[48]);

#endif /* BURROW_QUIC_INTERNAL_H */
