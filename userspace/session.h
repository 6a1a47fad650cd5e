/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrowd's per-peer state machine: one QUIC control connection per peer,
 * the HELLO exchange on one bidirectional capsule stream, kernel peer and
 * keys, rotation with forward secrecy, reconnect with backoff.
 *
 * Protocol written down in docs/security.md.
 *
 * Lifetimes: a struct burrowd_peer lives as long as the daemon (config
 * peers). A struct burrowd_session lives from connect/authorize until the
 * transport's closed callback; peer->session points at the one session that
 * owns the kernel peer (the "current" one). Single-threaded.
 */
#ifndef BURROW_SESSION_H
#define BURROW_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "burrow-nl.h"
#include "capsule.h"
#include "hello.h"
#include "kernel.h"
#include "keysched.h"
#include "loop.h"
#include "negotiate.h"
#include "netconf.h"
#include "pool.h"
#include "quic.h"
#include "ratelimit.h"

struct burrowd;
struct burrowd_session;
struct burrowd_mesh;
struct burrowd_relay_use;
struct burrowd_relay_alpn;

enum burrowd_session_state {
	BURROWD_HANDSHAKE,	/* QUIC handshake running */
	BURROWD_HELLO,		/* established; HELLOs being exchanged */
	BURROWD_UP,		/* keys in the kernel */
};

enum burrowd_rotation_state {
	BURROWD_ROT_IDLE,
	BURROWD_ROT_OFFERED,	/* client: OFFER sent, waiting for ACCEPT */
	BURROWD_ROT_CONFIRMING,	/* client: swapped, CONFIRM sent, waiting for DONE */
	BURROWD_ROT_INSTALLED,	/* server: new key in secondary, waiting for CONFIRM */
};

struct burrowd_peer {
	struct burrowd *d;
	char name[BURROW_HELLO_NAME_MAX + 1];
	uint8_t public_key[32];
	char public_key_text[64];
	bool has_endpoint;
	struct sockaddr_storage endpoint;	/* as QUIC dials it (v4-mapped on a v6 socket) */
	socklen_t endpoint_len;
	char endpoint_text[80];
	struct burrow_nl_prefix *prefixes;
	size_t n_prefixes;
	uint32_t kernel_id;			/* our kernel's id for this peer */
	bool kernel_peer;			/* we created it and it exists */
	const struct burrow_config_peer *policy;	/* negotiation keys; NULL: none */
	bool from_map;				/* from the coordinator's node map (mesh.c) */
	struct burrowd_negotiation nego;	/* addresses and routes agreed with it */

	struct burrowd_session *session;	/* current session or NULL */
	/* A direct dial while the session runs through a relay (burrowd_peer_probe_direct). */
	struct burrowd_session *probe;
	struct burrow_timer reconnect_timer;
	uint64_t backoff_ms;			/* next reconnect delay */
	char last_error[200];			/* why the last session ended or failed */
	uint64_t sessions_established;
	uint64_t capsules_delayed;		/* waits for the capsule rate (all sessions) */
	uint64_t pace_logged_ns;		/* last "faster than" log line */
	/*
	 * A map peer's candidates (policy->candidates, issue 19): the index
	 * of the one the next dial uses. A dial without a handshake after
	 * BURROWD_CANDIDATE_DEADLINE_MS moves it on; a session that comes
	 * up sets it to the candidate that worked, so redials start there.
	 */
	size_t cand_next;
};

struct burrowd_session {
	struct burrowd *d;
	struct burrowd_peer *peer;
	struct burrowd_session *next_all;	/* d->sessions: every live session */
	struct burrow_quic_conn *conn;
	bool is_client;
	bool closing;
	bool probe;				/* peer->probe: not the peer's session (yet) */
	enum burrowd_session_state state;
	int64_t stream_id;			/* -1 until opened / first received */
	struct burrow_capsule_reader reader;
	/* Capsules handled once up: paced so a peer's flood cannot make us
	 * redo netlink/route/store work without bound (session.c). */
	struct burrow_rate capsule_rate;
	struct burrow_timer pace_timer;		/* resume when a token is back */
	bool paced;				/* capsules are waiting for tokens */
	uint64_t next_request_id;		/* last ADDRESS_REQUEST ID we used */
	struct burrow_request_ids seen_request_ids;	/* the peer's, never reused */
	bool hello_sent;
	bool hello_received;
	bool fin_received;			/* the peer ended the control stream */
	struct burrow_hello local_hello;
	struct burrow_hello remote_hello;
	struct burrow_session_params params;
	uint64_t established_ns;		/* when keys went in */

	/* keys */
	uint64_t generation;			/* in the primary slot */
	uint64_t last_rotation_ns;
	uint64_t rotations;
	bool old_key_pending;			/* secondary holds the previous generation */
	bool rotation_wanted;			/* start once the old key is gone */
	enum burrowd_rotation_state rot;
	uint64_t rot_generation;		/* generation being rotated in */
	struct burrow_x25519 ephemeral;		/* client's, until ACCEPT */
	uint8_t server_share[BURROW_X25519_LEN];/* server's, to answer a retried OFFER */
	unsigned int rot_retries;
	struct burrow_timer rotate_timer;	/* periodic rotation (client) */
	struct burrow_timer retry_timer;	/* resend OFFER / CONFIRM */
	struct burrow_timer old_key_timer;	/* delete the previous generation */
	struct burrow_timer cand_timer;		/* client: next candidate if no handshake */
};

/* How long a dial to one of several candidates may go without a handshake. */
#define BURROWD_CANDIDATE_DEADLINE_MS 3000

/* Node-wide settings the session layer needs (filled by burrowd.c). */
struct burrowd_settings {
	char name[BURROW_HELLO_NAME_MAX + 1];
	uint8_t ciphers[BURROW_HELLO_LIST_MAX];
	size_t n_ciphers;
	uint8_t encaps[BURROW_HELLO_LIST_MAX];
	size_t n_encaps;
	uint32_t mtu;
	uint8_t mode;				/* BURROW_HELLO_MODE_*: the device's link mode */
	uint64_t rotation_interval_s;		/* 0 = only on kernel events / command */
	uint64_t old_key_grace_ms;		/* keep the previous key this long */
	uint64_t retry_ms;			/* resend an unanswered rotation step */
	uint64_t backoff_min_ms, backoff_max_ms;
};

struct burrowd {
	struct burrow_loop *loop;
	struct burrow_kernel kernel;
	struct burrow_quic_endpoint *quic;
	int udp_fd;
	int udp_family;
	struct burrowd_settings settings;
	const struct burrow_config *config;	/* the file read at start */
	struct burrow_pool pool;		/* address_pool and its leases */
	struct burrow_netconf netconf;		/* what burrowd put on the device */
	char public_key_text[64];		/* our own, for status */
	struct burrowd_peer *peers;
	size_t n_peers;
	/*
	 * Every session from session_new until it is freed (the candidates of
	 * a simultaneous open and closing ones included): a reload moves
	 * struct burrowd_peer and re-points each s->peer (reload.c).
	 */
	struct burrowd_session *sessions;
	struct burrow_timer quic_timer;
	struct burrow_timer counters_timer;	/* copies kernel counters to the store */
	void *store;				/* struct burrow_store *, owned by burrowd.c */
	struct burrowd_mesh *mesh;		/* [coordinator]: mesh.c; NULL without */
	struct burrowd_relay_use *relay_uses;	/* peers reached through a relay (relay_use.c) */
	struct burrowd_relay_alpn *relay_alpn;	/* a relay's burrow-relay/1 handler (relay_use.c) */
	uint64_t started_ns;
	bool stopping;				/* shutting down: no reconnects */
	/* Hooks set by burrowd.c: log + store an event; a generation went in. */
	void (*on_event)(struct burrowd *d, const struct burrowd_peer *peer, const char *kind,
			 const char *text);
	void (*on_generation)(struct burrowd *d, const struct burrowd_peer *peer,
			      const struct burrowd_session *s);
	/* The coordinator revoked a relay ticket (RELAY_REVOKE); NULL: not a relay. */
	void (*on_relay_revoke)(struct burrowd *d, uint32_t ticket_id);
	/*
	 * The coordinator bound its side of a control ticket (RELAY_BIND,
	 * brief D12): admit party (the coordinator's key) at from with the
	 * ticket bytes, as burrow_relay_admit(). Returns 0 or a refusal code
	 * with *why. NULL: not a relay.
	 */
	unsigned (*on_relay_bind)(struct burrowd *d, const uint8_t party[32],
				  const struct sockaddr *from, const uint8_t *ticket, size_t len,
				  const char **why);
};

/* QUIC callbacks to give burrow_quic_endpoint_new (endpoint_user = d). */
extern const struct burrow_quic_callbacks burrowd_quic_callbacks;

/* Start connecting to every peer that has an endpoint. */
void burrowd_sessions_start(struct burrowd *d);
/* Dial one peer now (no-op when it has a session or no endpoint). */
void burrowd_peer_connect(struct burrowd_peer *peer);
/*
 * A map peer's candidates changed (reload.c, policy->candidates is the new
 * list): the running session stays; a peer with neither a session nor a
 * dial pending (it had no candidate) is dialled now.
 */
void burrowd_peer_candidates_changed(struct burrowd_peer *peer);
/*
 * Close peer's session (if any) with reason and dial it again now: a relay
 * was admitted for it (relay_use.c), so the new connection goes through it.
 */
void burrowd_peer_redial(struct burrowd_peer *peer, const char *reason);
/*
 * Upgrade from a relay: while peer's session is up through a relay (for
 * twice the simultaneous-open window, so the peer surely takes a new
 * connection as replacing it) and the peer has an endpoint, dial that
 * endpoint directly alongside. If its handshake completes, it becomes the
 * peer's session, the relayed one is replaced and the relay dropped
 * (burrowd_relay_use_stop); if not, it goes quietly. 0: dialling;
 * -EALREADY: a probe is on its way; -EAGAIN: not relayed, not up long
 * enough, or no endpoint; another -errno: the dial failed.
 */
int burrowd_peer_probe_direct(struct burrowd_peer *peer);
/* Re-arm the QUIC timer after any call into the endpoint. */
void burrowd_quic_rearm(struct burrowd *d);
/* The same for any endpoint driven by the loop (mesh.c's coordinator endpoint). */
void burrowd_quic_timer_rearm(struct burrow_loop *loop, struct burrow_quic_endpoint *ep,
			      struct burrow_timer *timer);
/* Loop callbacks. */
void burrowd_on_udp(void *d);
void burrowd_on_quic_timer(void *d);
void burrowd_on_kernel_event(void *d);
/* Rotate now (client) or ask the client to (server). -EAGAIN when not up. */
int burrowd_session_rotate(struct burrowd_session *s);
/* Close everything: sessions, kernel peers we created (clean shutdown). */
void burrowd_sessions_stop(struct burrowd *d);

/*
 * Reload (reload.c). peer_start: a peer added while running starts as at
 * startup (dial when it has an endpoint, else wait). peer_move: move the
 * struct from `from` to `to` (raw memory; `from` is left unused, its
 * heap members now owned by `to`), taking its armed reconnect timer and
 * every session pointing at it along. peer_retire: the peer leaves the
 * daemon: every session of it is closed with reason, its kernel peer and
 * negotiated routes and addresses go, it is never dialled again.
 * peer_in_use: a session (closing ones too) still points at peer, which
 * must then not be freed yet.
 */
void burrowd_peer_start(struct burrowd_peer *peer);
void burrowd_peer_move(struct burrowd_peer *to, struct burrowd_peer *from);
void burrowd_peer_retire(struct burrowd_peer *peer, const char *reason);
bool burrowd_peer_in_use(const struct burrowd *d, const struct burrowd_peer *peer);

/* Send a capsule on s's control stream: 0 or -errno (logged). */
int burrowd_session_send(struct burrowd_session *s, uint64_t type, const uint8_t *value,
			 size_t len);
/* The peer broke the protocol (reason names how): abort the control stream. */
void burrowd_session_abort(struct burrowd_session *s, const char *reason);

/* Lookups. */
struct burrowd_peer *burrowd_peer_by_key(struct burrowd *d, const uint8_t key[32]);
struct burrowd_peer *burrowd_peer_by_name(struct burrowd *d, const char *name);

/*
 * Record-keeping: an event line for a peer (peer may be NULL), formatted
 * and handed to d->on_event (burrowd.c logs and stores it).
 */
void burrowd_event(struct burrowd *d, const struct burrowd_peer *peer, const char *kind,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif /* BURROW_SESSION_H */
