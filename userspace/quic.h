/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrowd QUIC endpoint: one endpoint per UDP socket, ngtcp2 0.12 +
 * ngtcp2_crypto_gnutls, TLS 1.3 only, mutual
 * authentication with RFC 7250 raw Ed25519 public keys (no certificates).
 * A client offers one ALPN ("burrow/1" unless settings.alpn names another);
 * a server accepts that one and settings.accept_alpns, and each connection
 * records the one negotiated (burrow_quic_conn_alpn). A client offering none
 * of them is refused with the TLS no_application_protocol alert and counted
 * (burrow_quic_endpoint_alpn_refused).
 *
 * Optional settings and callbacks say what 0 or NULL means.
 *
 * Driving it from an event loop (single thread, nothing here is thread-safe):
 *   - epoll the UDP fd for EPOLLIN (level-triggered); on readiness call
 *     burrow_quic_endpoint_read(), which reads the socket (non-blocking,
 *     until EAGAIN or a batch of 256) and flushes whatever became sendable.
 *   - after every call into this API (read, handle_expiry, connect, send,
 *     close) re-arm one timerfd (CLOCK_MONOTONIC, TFD_TIMER_ABSTIME) to
 *     burrow_quic_endpoint_next_expiry(); 0 means "now", UINT64_MAX means
 *     disarm. When it fires call burrow_quic_endpoint_handle_expiry().
 *
 * Callback rules:
 *   - authorize, established, stream_data and closed are invoked only from
 *     inside burrow_quic_endpoint_read() and burrow_quic_endpoint_handle_expiry()
 *     (never from inside connect/send/close/open_stream/export).
 *   - Inside callbacks you may call open_stream, send, export and close;
 *     data is buffered and flushed when the endpoint call returns.
 *   - closed fires exactly once for every connection the application knows
 *     about: every client connection made by burrow_quic_connect(), and every
 *     server connection for which authorize returned 0. After closed returns
 *     the burrow_quic_conn is freed; do not use the pointer again.
 *     Server connections that fail before (or at) authorize are dropped
 *     silently (the reason is logged through burrow_quic_endpoint_last_error).
 *   - closed() may call connect (a reconnect), send or close on other
 *     connections; that work goes out before the endpoint call returns.
 *   - Never call burrow_quic_endpoint_free() from inside a callback.
 *   - closed() is reported, and the connection's state freed, as soon as it
 *     is closed. What RFC 9000 §10.2 asks for after that is kept by the
 *     endpoint on its own, in a small record (its connection IDs, and the
 *     CONNECTION_CLOSE datagram), for max(3 PTO, 1 s): after a close we
 *     sent (closing state) a datagram for those CIDs gets that
 *     CONNECTION_CLOSE again, for the 1st, 2nd, 4th, 8th ... such datagram
 *     only, sent to the connection's validated address; after the peer's
 *     close (draining state) such datagrams are dropped. Only for
 *     connections the application knew; idle and handshake timeouts close
 *     silently. At most 256 records; a new one evicts the oldest.
 *   - The UDP socket is shared with the kernel data plane; the endpoint never
 *     closes it (burrow_quic_endpoint_free leaves the fd open).
 *
 * Errors: functions returning int give 0 or a negative errno-style value;
 * burrow_quic_endpoint_last_error() returns a human-readable reason for the
 * most recent failure on that endpoint (valid until the next API call).
 */
#ifndef BURROW_QUIC_H
#define BURROW_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define BURROW_QUIC_ALPN "burrow/1"
#define BURROW_QUIC_PUBLIC_KEY_LEN 32
#define BURROW_QUIC_MAX_ALPNS 8

struct burrow_quic_endpoint;
struct burrow_quic_conn;

struct burrow_quic_settings {
	const char *private_key_pem;      /* Ed25519 private key, PKCS#8 PEM text */
	uint64_t idle_timeout_ms;         /* 0 = default 30000 */
	const char *keylog_path;          /* NULL: none (debug flag only); NSS key
					   * log format, appended, for tshark */
	/* The one ALPN protocol this endpoint offers (client) and accepts
	 * (server). NULL = BURROW_QUIC_ALPN (burrowd); burrow-coord uses
	 * "burrow-coord/1". An empty or over-long value fails endpoint_new. */
	const char *alpn;
	/* Server: further ALPNs accepted besides alpn (NULL-terminated list,
	 * NULL = none; at most BURROW_QUIC_MAX_ALPNS in all). burrowd's
	 * listener dispatches connections by the one negotiated (alpn.h). */
	const char *const *accept_alpns;
	/* TESTS ONLY: a client that sends no ALPN extension at all and does
	 * not check the server's choice (the server must refuse it with
	 * no_application_protocol, RFC 9001 §8.1). false in burrowd. */
	bool test_no_alpn;
	/* Send a PING after this long without traffic so an idle control
	 * connection stays up (keep it below idle_timeout_ms).
	 * 0 = no keep-alive. */
	uint64_t keepalive_ms;
	/* A handshake not done after this long fails with "handshake
	 * timeout" (client: closed(); server: dropped silently).
	 * 0 = the smaller of 10000 and the idle timeout. */
	uint64_t handshake_timeout_ms;
};

struct burrow_quic_callbacks {
	/* The peer presented this raw Ed25519 public key (32 bytes) during the
	 * handshake. Return 0 to accept and set *conn_user, or -1 to refuse
	 * (handshake fails). For client connections the key must also equal
	 * the expected one given to connect (checked before authorize is called;
	 * *conn_user then starts as the value given to connect). */
	int  (*authorize)(const uint8_t public_key[32], const struct sockaddr *remote,
			  void **conn_user, void *endpoint_user);
	/* Optional: called instead of authorize when set, with the ALPN the
	 * connection negotiated (a server's is known by then; a client's is
	 * the one it offers), so an ALPN dispatcher can ask the right handler. */
	int  (*authorize_alpn)(const char *alpn, const uint8_t public_key[32],
			       const struct sockaddr *remote, void **conn_user,
			       void *endpoint_user);
	/* TLS handshake complete: 1-RTT streams and the exporter are usable.
	 * On a client this comes when the client has sent its Finished; the
	 * server may still refuse the client's key, so closed() can follow. */
	void (*established)(struct burrow_quic_conn *conn, void *conn_user);
	/* In-order stream bytes. The endpoint gives flow-control credit back as
	 * soon as this returns (the data is considered consumed). len may be 0
	 * when only fin is signalled. */
	void (*stream_data)(struct burrow_quic_conn *conn, int64_t stream_id,
			    const uint8_t *data, size_t len, bool fin, void *conn_user);
	/* Connection gone. reason is one of
	 *   "local close: <your reason>"
	 *   "peer closed (application error N): <their reason>"
	 *   "peer closed (TLS alert N, <name>): <their reason>"  (they refused us)
	 *   "peer closed (transport error 0xN): <their reason>"
	 *   "TLS handshake failed (alert N): <why>"  (we refused them, e.g.
	 *       "server public key mismatch: expected <b64>, got <b64>" or
	 *       "peer public key <b64> refused")
	 *   "idle timeout", "handshake timeout", or an ngtcp2 error text. */
	void (*closed)(struct burrow_quic_conn *conn, const char *reason, void *conn_user);
	/* Optional (NULL = not told). The peer aborted its sending side of
	 * the stream (RESET_STREAM) with app_error: no more stream_data will
	 * come for it. */
	void (*stream_reset)(struct burrow_quic_conn *conn, int64_t stream_id,
			     uint64_t app_error, void *conn_user);
	/* Optional (NULL = not told). The connection moved to a new path
	 * the peer proved it owns (path validation succeeded: the peer
	 * migrated, or its NAT rebound): burrow_quic_remote_addr() is the
	 * new address. burrow-coord tells the node (OBSERVED_ADDRESS). */
	void (*path_changed)(struct burrow_quic_conn *conn, void *conn_user);
};

/* udp_fd: a bound UDP socket (IPv4 or IPv6); the endpoint makes it
 * non-blocking. Returns NULL on failure (bad key, GnuTLS error) with errno
 * set; burrow_quic_setup_error() then tells why. */
struct burrow_quic_endpoint *burrow_quic_endpoint_new(int udp_fd,
	const struct burrow_quic_settings *settings,
	const struct burrow_quic_callbacks *callbacks,
	void *endpoint_user);
/* Closes every connection silently (no callbacks), frees everything. */
void burrow_quic_endpoint_free(struct burrow_quic_endpoint *ep);
/* Read the fd until EAGAIN, at most 256 datagrams per call so a flood
 * cannot starve timers (the fd stays readable: use level-triggered epoll).
 * Returns 0, or negative errno on a socket error other than EAGAIN.
 * Malformed/unknown datagrams are ignored; datagrams that are not a client
 * Initial and match no connection are dropped (no stateless reset); a
 * full-size long-header packet of another QUIC version gets a Version
 * Negotiation reply listing v1. At most 64 unauthenticated server
 * handshakes are kept; a new Initial beyond that evicts the oldest. */
int  burrow_quic_endpoint_read(struct burrow_quic_endpoint *ep);
/* CLOCK_MONOTONIC ns of the earliest timer, 0 = due now, UINT64_MAX = none. */
uint64_t burrow_quic_endpoint_next_expiry(struct burrow_quic_endpoint *ep);
/* Timers, retransmits, idle timeout, deferred closes, flush. */
void burrow_quic_endpoint_handle_expiry(struct burrow_quic_endpoint *ep);

/* Start a client connection; the first Initial is sent before returning.
 * expected_public_key: the server's pinned raw key; the handshake fails with
 * a "server public key mismatch" reason when the server shows another.
 * It offers the endpoint's ALPN (settings.alpn). An IPv4 remote on an IPv6
 * socket is dialed as its IPv4-mapped address (a dual-stack socket); an
 * IPv6 remote on an IPv4 socket is -EAFNOSUPPORT. */
int  burrow_quic_connect(struct burrow_quic_endpoint *ep, const struct sockaddr *remote,
	socklen_t remote_len, const uint8_t expected_public_key[32], void *conn_user,
	struct burrow_quic_conn **out);
/* The same, offering alpn instead (1-63 bytes, else -EINVAL): one endpoint,
 * so one UDP port, dials every protocol (brief D11), and the registry of
 * alpn.h routes each connection's callbacks by the ALPN it offered. */
int  burrow_quic_connect_alpn(struct burrow_quic_endpoint *ep, const char *alpn,
	const struct sockaddr *remote, socklen_t remote_len,
	const uint8_t expected_public_key[32], void *conn_user, struct burrow_quic_conn **out);
/*
 * Start a client connection to a peer reached through a relay (issue 19):
 * every datagram goes to relay with a relay header carrying ticket
 * (relay_header.h) in front, the relay having admitted both nodes for it.
 * Otherwise as burrow_quic_connect; -EINVAL for ticket 0.
 *
 * Both sides: a datagram read with a relay header has it stripped; its
 * ticket becomes the connection's (what its answers carry) once a packet
 * of it authenticates, and a packet without one makes the connection
 * direct again. A malformed relay header drops the datagram (counted).
 */
int  burrow_quic_connect_relayed(struct burrow_quic_endpoint *ep, const struct sockaddr *relay,
	socklen_t relay_len, uint32_t ticket, const uint8_t expected_public_key[32],
	void *conn_user, struct burrow_quic_conn **out);
/* The same, offering alpn (as burrow_quic_connect_alpn): a node's
 * coordination connection through a relay (brief D12). */
int  burrow_quic_connect_relayed_alpn(struct burrow_quic_endpoint *ep, const char *alpn,
	const struct sockaddr *relay, socklen_t relay_len, uint32_t ticket,
	const uint8_t expected_public_key[32], void *conn_user, struct burrow_quic_conn **out);
/* The relay ticket the connection's datagrams carry; 0: direct. */
uint32_t burrow_quic_conn_relay_ticket(const struct burrow_quic_conn *conn);
/* Datagrams dropped for a malformed relay header. */
uint64_t burrow_quic_endpoint_relay_malformed(const struct burrow_quic_endpoint *ep);
/* Open a bidirectional stream. -EAGAIN if the peer's stream limit is
 * reached or the handshake is not complete yet. */
int  burrow_quic_open_stream(struct burrow_quic_conn *conn, int64_t *stream_id);
/* Buffered (copied), flow-controlled, flushed by the endpoint. fin closes
 * the sending side after data. stream_id: one from open_stream, or a peer's
 * stream seen in stream_data. -ENOENT for any other (or finished) stream,
 * -EPIPE after fin was queued, -ENOTCONN if the connection is closing.
 * There is no backpressure: check burrow_quic_stream_unacked() before
 * queueing bulk data. */
int  burrow_quic_send(struct burrow_quic_conn *conn, int64_t stream_id, const uint8_t *data,
	size_t len, bool fin);
/* RFC 5705 / RFC 8446 exporter (gnutls_prf_rfc5705). context may be NULL
 * with context_len 0: treated exactly like an empty context. Only after
 * established. */
int  burrow_quic_export(struct burrow_quic_conn *conn, const char *label,
	const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len);
/* Flush what can be sent now, send CONNECTION_CLOSE (application error
 * app_error, reason phrase) and tear down; closed(conn, "local close:
 * <reason>") is called from the next endpoint read/handle_expiry
 * (next_expiry returns 0 meanwhile). Calling it twice is harmless. */
void burrow_quic_close(struct burrow_quic_conn *conn, uint64_t app_error, const char *reason);
bool burrow_quic_is_client(const struct burrow_quic_conn *conn);
/* Whether the peer closed the connection with an application error (then
 * *app_error is it): what a protocol on top reads in closed(), instead of
 * the reason text. */
bool burrow_quic_peer_app_error(const struct burrow_quic_conn *conn, uint64_t *app_error);
/* The ALPN this connection negotiated: set on a server from the
 * ClientHello on (so in authorize_alpn and every later callback), on a
 * client the one it offers. */
const char *burrow_quic_conn_alpn(const struct burrow_quic_conn *conn);
/* The endpoint_user given to burrow_quic_endpoint_new. */
void *burrow_quic_conn_endpoint_user(const struct burrow_quic_conn *conn);
/* Connections this endpoint refused because the client offered no ALPN it
 * accepts (TLS alert no_application_protocol). */
uint64_t burrow_quic_endpoint_alpn_refused(const struct burrow_quic_endpoint *ep);
/* Let the peer open n more bidirectional streams (MAX_STREAMS) than the
 * initial 16; a closed stream's slot is given back on its own. For a
 * protocol with many streams per connection (the stream proxy). */
int burrow_quic_extend_max_streams(struct burrow_quic_conn *conn, uint64_t n);
/* Receive-side backpressure. After manual_credit(conn, true) the endpoint
 * no longer gives a stream's flow-control credit back when stream_data
 * returns: the application calls stream_consumed() with the bytes it has
 * passed on, so a peer can never have more than the stream window
 * (at most 2 MiB with auto-tuning) buffered here per stream. Connection
 * level credit still comes back at once (streams do not starve each other). */
void burrow_quic_manual_credit(struct burrow_quic_conn *conn, bool on);
int burrow_quic_stream_consumed(struct burrow_quic_conn *conn, int64_t stream_id, size_t n);
/* 32 bytes; for clients the pinned key, for servers the authorized key;
 * NULL on a server connection before authorize. */
const uint8_t *burrow_quic_peer_public_key(const struct burrow_quic_conn *conn);

/* ---- errors, accessors, stream control ------------------------------------ */

/* Reason the latest burrow_quic_endpoint_new() failed (static buffer). */
const char *burrow_quic_setup_error(void);
/* Retry packets sent (address validation under handshake load, quic_retry.c),
 * Initials dropped for a Retry token that is forged, expired or for another
 * address, and server handshakes in progress. */
uint64_t burrow_quic_endpoint_retries(const struct burrow_quic_endpoint *ep);
uint64_t burrow_quic_endpoint_retry_tokens_refused(const struct burrow_quic_endpoint *ep);
unsigned burrow_quic_endpoint_pending(const struct burrow_quic_endpoint *ep);
/* Reason for the latest failure on this endpoint ("" if none). */
const char *burrow_quic_endpoint_last_error(const struct burrow_quic_endpoint *ep);
/* Current remote address of the connection (*len set to its length). */
const struct sockaddr *burrow_quic_remote_addr(const struct burrow_quic_conn *conn,
	socklen_t *len);
/* Abort a stream both ways (RESET_STREAM + STOP_SENDING with app_error):
 * queued data is dropped, later send() on it fails with -EPIPE. For a
 * malformed control stream. -ENOENT for an unknown stream. */
int burrow_quic_stream_abort(struct burrow_quic_conn *conn, int64_t stream_id,
			     uint64_t app_error);
/* Bytes queued on the stream and not yet acknowledged by the peer (0 for
 * unknown or finished streams). */
size_t burrow_quic_stream_unacked(const struct burrow_quic_conn *conn, int64_t stream_id);
/* The connection's current probe timeout (RFC 9002 §6.2.1), in ns. */
uint64_t burrow_quic_pto_ns(const struct burrow_quic_conn *conn);
/* Replace the conn_user pointer passed to later callbacks. */
void burrow_quic_set_user(struct burrow_quic_conn *conn, void *conn_user);
/* The endpoint's own raw public key (32 bytes), derived from the private key. */
const uint8_t *burrow_quic_endpoint_public_key(const struct burrow_quic_endpoint *ep);
/* Current time on the clock the endpoint uses (CLOCK_MONOTONIC ns). */
uint64_t burrow_quic_now(void);
/* Closed connections still in their closing or draining period. */
unsigned burrow_quic_endpoint_closing(const struct burrow_quic_endpoint *ep);

#endif /* BURROW_QUIC_H */
