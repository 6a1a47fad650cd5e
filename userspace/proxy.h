/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stream proxy (ALPN "burrow-proxy/1", issue 21): a peer opens a
 * bidirectional QUIC stream, names a [service NAME] of this node in a
 * request, gets an accept or a refusal (code + text), and after an accept
 * the stream carries a byte stream both ways to a TCP connection to the
 * service's target. Wire format: docs/wire-format.md "Stream proxy".
 *
 * One struct burrow_proxy serves either side:
 *   - server (burrowd): register burrow_proxy_callbacks for BURROW_PROXY_ALPN
 *     on the listener (alpn.h) with endpoint_user = the proxy; ops say who a
 *     key is and which services exist.
 *   - client (`burrowd connect`, tests): an endpoint with settings.alpn =
 *     BURROW_PROXY_ALPN and the same callbacks; burrow_proxy_client_conn()
 *     is the conn_user for burrow_quic_connect(); once established,
 *     burrow_proxy_open() sends a request and bridges two local fds.
 *
 * Local descriptors (TCP sockets on the server, stdin/stdout or a socket on
 * the client) are watched by the proxy's own epoll fd: put burrow_proxy_fd()
 * in the event loop and call burrow_proxy_run() when it is readable, and
 * burrow_proxy_kick() after every call into the QUIC endpoint (it resumes
 * readers that waited for acknowledgements), then re-arm the endpoint's
 * timer.
 *
 * Flow control both ways:
 *   local -> QUIC: a local fd is not read while more than
 *     BURROW_PROXY_SEND_BOUND bytes of its stream are unacknowledged.
 *   QUIC -> local: the connection runs with manual stream credit
 *     (quic.h): bytes are acknowledged to flow control only once written to
 *     the local fd, so a slow local reader holds at most the stream window.
 * Half-close: a QUIC FIN becomes shutdown(SHUT_WR) (or close() of a
 * separate write fd) once everything before it is written; EOF on the local
 * fd becomes a FIN; the other direction keeps flowing. Errors on either side
 * reset the stream (BURROW_PROXY_ERR_*) and close the local fd.
 */
#ifndef BURROW_PROXY_H
#define BURROW_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "quic.h"

#define BURROW_PROXY_ALPN "burrow-proxy/1"
#define BURROW_PROXY_VERSION 1
#define BURROW_PROXY_REQUEST_MAX (2 + BURROW_CONFIG_NAME_MAX)
#define BURROW_PROXY_RESPONSE_MAX (3 + 255)
#define BURROW_PROXY_SEND_BOUND (256 * 1024)	/* unacked bytes before reads stop */
#define BURROW_PROXY_MAX_STREAMS 1024		/* concurrent streams per connection */

/* Response codes (the wire's; `burrowd connect` exits with 10 + code). */
enum burrow_proxy_code {
	BURROW_PROXY_OK = 0,
	BURROW_PROXY_UNKNOWN_SERVICE = 1,
	BURROW_PROXY_NOT_ALLOWED = 2,
	BURROW_PROXY_LIMIT_REACHED = 3,
	BURROW_PROXY_TARGET_REFUSED = 4,
	BURROW_PROXY_MALFORMED = 5,
	BURROW_PROXY_CODE_COUNT
};
const char *burrow_proxy_code_name(unsigned code);

/* Stream application errors (RESET_STREAM / STOP_SENDING). */
#define BURROW_PROXY_ERR_LOCAL 0x1	/* the local side (TCP, stdio) failed or reset */
#define BURROW_PROXY_ERR_PROTOCOL 0x2	/* malformed request or response */

/* Request: version, name length, name. Returns the length written, or
 * -EINVAL for an invalid service name. */
int burrow_proxy_request_encode(const char *service, uint8_t *out, size_t size);
/* > 0: bytes the complete request took; 0: need more; -EPROTO: malformed
 * (why says how: version, length, name). service gets the name. */
int burrow_proxy_request_parse(const uint8_t *buf, size_t len, char service[64],
			       const char **why);
/* Response: version, code, text length, text (<= 255 bytes, truncated). */
int burrow_proxy_response_encode(unsigned code, const char *text, uint8_t *out, size_t size);
/* Same conventions as request_parse. */
int burrow_proxy_response_parse(const uint8_t *buf, size_t len, unsigned *code, char text[256],
				const char **why);

struct burrow_proxy;
struct burrow_proxy_conn;

struct burrow_proxy_ops {
	/* Server: the name of the node holding this key (config peer or node
	 * map); NULL: not a peer (the handshake is refused). */
	const char *(*peer_name)(void *arg, const uint8_t key[32]);
	/* Server: the running config (its [service] sections). */
	const struct burrow_config *(*config)(void *arg);
	void *arg;
};

/* What happened to a client stream (caller-owned, updated in place). */
struct burrow_proxy_status {
	bool answered;		/* the response came */
	unsigned code;		/* its code */
	char text[256];		/* its text */
	bool finished;		/* both directions ended cleanly */
	bool failed;		/* reset, connection lost, local error */
	char why[256];		/* for failed */
	int64_t stream_id;	/* the QUIC stream */
};

struct burrow_proxy_counters {
	uint64_t accepted;			/* streams bridged to a target */
	uint64_t refused[BURROW_PROXY_CODE_COUNT];	/* by code */
	uint64_t active;			/* streams with a local fd now */
	uint64_t resets;			/* streams ended by a reset */
	uint64_t refused_peers;			/* handshakes refused: unknown key */
	size_t buffered;			/* QUIC -> local bytes waiting now */
	size_t max_buffered;			/* the most ever waiting at once */
};

struct burrow_proxy *burrow_proxy_new(const struct burrow_proxy_ops *ops);
/* Closes local fds and frees streams; free the endpoint first. */
void burrow_proxy_free(struct burrow_proxy *px);
int burrow_proxy_fd(const struct burrow_proxy *px);
/* Local fds that are always ready (a regular file as stdin): poll with a
 * zero timeout while this is true. */
bool burrow_proxy_busy(const struct burrow_proxy *px);
/* Whether any QUIC connection is open, and the latest one's closed()
 * reason ("" before any closed). */
bool burrow_proxy_has_conn(const struct burrow_proxy *px);
const char *burrow_proxy_last_closed(const struct burrow_proxy *px);
void burrow_proxy_run(struct burrow_proxy *px);
void burrow_proxy_kick(struct burrow_proxy *px);
const struct burrow_proxy_counters *burrow_proxy_counters(const struct burrow_proxy *px);
/* Active streams of one service (server). */
unsigned burrow_proxy_service_active(const struct burrow_proxy *px, const char *service);

/* The QUIC callbacks; endpoint_user = the proxy. */
extern const struct burrow_quic_callbacks burrow_proxy_callbacks;

/* Client: a conn_user for burrow_quic_connect() (freed by closed()). */
struct burrow_proxy_conn *burrow_proxy_client_conn(struct burrow_proxy *px);
/* The connection is established (burrow_proxy_open may be called). */
bool burrow_proxy_conn_ready(const struct burrow_proxy_conn *pc);
/* Client: open a stream asking for service; after an accept bridge rfd
 * (read, sent to the peer) and wfd (the peer's bytes written to it; may be
 * rfd). On 0 the proxy owns the fds (closes them); on -errno (-EAGAIN: the
 * peer's stream limit, try again after the endpoint ran) they stay the
 * caller's. */
int burrow_proxy_open(struct burrow_proxy_conn *pc, const char *service, int rfd, int wfd,
		      struct burrow_proxy_status *status);

/*
 * `burrowd connect`: dial addr (pinned key), ask for service, bridge rfd/wfd
 * until both directions end. Returns the exit code: 0 done, 1 the node could
 * not be reached or the stream failed (err says why), 10 + code for a
 * refusal (err: "<code name>: <text>").
 */
int burrow_proxy_connect_run(const char *private_key_pem, const struct sockaddr *addr,
			     socklen_t addr_len, const uint8_t key[32], const char *service,
			     int rfd, int wfd, char *err, size_t err_size);

#endif /* BURROW_PROXY_H */
