/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A node's side of relaying (issue 19, brief D11/D12): reaching a peer
 * through a relay with a ticket the coordinator signed for the pair.
 *
 * The operator hands the node a ticket (burrow-coord relay-ticket issue):
 *   burrowd relay use PEER via HOST:PORT ticket BASE64 -c FILE
 * and burrowd
 *   1. checks the ticket names this node and PEER as its pair (the relay's
 *      public key is the ticket's);
 *   2. dials the relay at HOST:PORT from its own endpoint (so from the
 *      tunnel's port, D11) with ALPN burrow-relay/1, pinning the ticket's
 *      relay key, and presents the ticket (relay_admit.h's request);
 *   3. on OK: the peer is relayed: its control session is (re)dialled with
 *      burrow_quic_connect_relayed(), and when it is up the kernel peer's
 *      endpoint is the relay's address and its relay-ticket the ticket id
 *      (session.c); a refusal is logged with the relay's text, kept for
 *      `burrowd status`, and the peer is not relayed.
 * The relay binds the node to the address and port the admission came
 * from, so a relayed redial presents the ticket again (the relay may have
 * restarted; the same address is a no-op there). A ticket past its expiry
 * is dropped: the peer is direct again. Nothing is stored: a restart forgets
 * the relay (run the command again).
 *
 * State is kept per peer public key, outside struct burrowd_peer, so a
 * reload that moves or rebuilds peers keeps it. Single-threaded.
 */
#ifndef BURROW_RELAY_USE_H
#define BURROW_RELAY_USE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "alpn.h"
#include "relay_ticket.h"

struct burrowd;

/* `relay use PEER via HOST:PORT ticket BASE64`, parsed. */
struct burrowd_relay_use_request {
	char peer[64];
	struct sockaddr_storage relay;
	socklen_t relay_len;
	char relay_text[80];
	struct burrow_relay_ticket ticket;
};

/*
 * words: PEER via HOST:PORT ticket BASE64 (after "relay use"). 0, or
 * -EINVAL with err naming the bad word, quoted (a ticket is quoted by its
 * first 16 characters only).
 */
int burrowd_relay_use_parse(char *const *words, int n, struct burrowd_relay_use_request *req,
			    char *err, size_t err_size);

/* The control line the client sends ("relay-use PEER HOST:PORT BASE64"); parse it back. */
int burrowd_relay_use_line(const struct burrowd_relay_use_request *req, char *line, size_t size);
int burrowd_relay_use_parse_line(const char *line, struct burrowd_relay_use_request *req,
				 char *err, size_t err_size);

/* The daemon's relay-use table: allocated on first use, freed at exit. */
void burrowd_relay_use_free(struct burrowd *d);

/*
 * Start using req's relay for its peer (the daemon's control command):
 * 0 with *out saying what started, or -errno with err (no such peer, the
 * ticket is not for this node and that peer, expired, names the peer as
 * the relay). Replaces an earlier relay of the peer.
 */
int burrowd_relay_use_start(struct burrowd *d, const struct burrowd_relay_use_request *req,
			    char *err, size_t err_size);
/* Stop relaying the peer named: 0, or -ENOENT when it has no relay. */
int burrowd_relay_use_stop(struct burrowd *d, const uint8_t peer_key[32]);

/*
 * The admitted relay path to a peer, for session.c: true with the relay's
 * address (as QUIC dials it) and ticket id while the relay answered OK and
 * the ticket has not expired.
 */
bool burrowd_relay_path(struct burrowd *d, const uint8_t peer_key[32],
			const struct sockaddr **relay, socklen_t *relay_len, uint32_t *ticket);
/*
 * Whether the peer has a relay in use (admitting or admitted, not
 * refused): true with its ticket's id and expiry (unix seconds).
 */
bool burrowd_relay_use_current(struct burrowd *d, const uint8_t peer_key[32], uint32_t *ticket,
			       uint64_t *expiry);
/* A relayed redial: present the ticket again (no-op while one is on its way). */
void burrowd_relay_use_refresh(struct burrowd *d, const uint8_t peer_key[32]);

/*
 * The coordinator reached through a relay (brief D12, mesh.c): present
 * req's control ticket at req's relay from this node's endpoint, as for a
 * peer, but keyed by the coordinator's key (req->peer is a label for the
 * log). Each call presents the ticket again (the relay may have
 * restarted) unless an admission is on its way; a different ticket
 * replaces the entry. done(arg, ok, text) runs from the loop, never inside
 * a QUIC callback, once per admission: ok with the relay's text ("waiting
 * for the other party" while the coordinator has not bound its side), or
 * not with the error (a refusal, a malformed answer, no answer). Nothing
 * is retried here: the caller's backoff decides. 0 or -ENOMEM.
 */
int burrowd_relay_use_coordinator(struct burrowd *d, const uint8_t coord_key[32],
				  const struct burrowd_relay_use_request *req,
				  void (*done)(void *arg, bool ok, const char *text), void *arg);
/*
 * The coordinator entry's state for `burrowd status`: "admitting",
 * "admitted" or "refused" with the relay's last text and the last error
 * ("" when none); NULL when the ticket was never presented.
 */
const char *burrowd_relay_use_coordinator_state(struct burrowd *d, const uint8_t coord_key[32],
						const char **answer, const char **last_error);

/* `burrowd status` for one peer: nothing when it has no relay. */
void burrowd_relay_use_write_status(struct burrowd *d, const uint8_t peer_key[32], FILE *out,
				    bool json);

/*
 * ALPN burrow-relay/1 in burrowd's registry. relay_cb NULL (not a relay):
 * dial-only, this node's admission connections only. A relay passes its
 * server callbacks (relay_admit.h's burrow_relay_callbacks, relay_user the
 * relay): the ALPN is accepted, and one handler sends client connections
 * (this node using another relay) here and the others to relay_cb.
 * Freed with burrowd_relay_use_free.
 */
int burrowd_relay_use_register_alpn(struct burrowd *d, struct burrow_alpn_registry *registry,
				    const struct burrow_quic_callbacks *relay_cb, void *relay_user);

#endif /* BURROW_RELAY_USE_H */
