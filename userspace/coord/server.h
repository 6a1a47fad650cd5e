/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The coordinator's QUIC service: one QUIC endpoint (ALPN "burrow-coord/1")
 * on a bound UDP socket, speaking the coordination messages of coord_msg.h
 * on the first bidirectional stream a node opens.
 *
 * Any client key may connect (TLS proves it holds the key); REGISTER
 * decides what it may do. An accepted node gets REGISTER_RESULT and its
 * MAP_FULL, and every other connected node whose peer set changed gets a
 * MAP_DELTA. A refused one gets REGISTER_RESULT with the store's reason and
 * the connection is closed once that is acknowledged (or after a second).
 *
 * The server borrows the store and the socket (the caller closes both
 * after coord_server_free) and owns the policy engine and the endpoint.
 * Drive it like quic.h says: poll coord_server_fd() for input and call
 * coord_server_read(); after every call re-arm a timer to
 * coord_server_next_expiry() and call coord_server_handle_expiry() when
 * it fires. Single-threaded.
 *
 * Other processes (burrow-coord node/route commands) write the same
 * store: every change_poll_ms the timer reads the store's change log from
 * the last generation seen and the nodes whose expiry time passed since
 * the last read (both indexed range reads that find nothing when nothing
 * changed, so a short period costs little). Changes this process makes
 * itself (registrations, ENDPOINTS) are pushed at once, not polled. Each
 * changed node is read again and put in or taken out of the policy engine;
 * a removed or expired node's connection is closed (COORD_CLOSE_REMOVED /
 * COORD_CLOSE_EXPIRED) and the connected nodes the policy says the change
 * affects get a MAP_DELTA (one peer each: see server.c).
 */
#ifndef BURROW_COORD_SERVER_H
#define BURROW_COORD_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "coord_msg.h"
#include "coord_store.h"

#define COORD_SERVER_ERR_MAX 1024

/* How often the store's change log is read when the config says 0. */
#define COORD_SERVER_CHANGE_POLL_MS 100

struct coord_server_config {
	int udp_fd;			/* bound UDP socket, borrowed */
	const char *private_key_pem;	/* the coordinator's Ed25519 key, PKCS#8 PEM */
	struct coord_store *store;	/* borrowed */
	const char *policy_path;	/* JSON policy file; NULL: deny all */
	uint64_t idle_timeout_ms;	/* 0: quic.h's default */
	uint64_t change_poll_ms;	/* change log period; 0: COORD_SERVER_CHANGE_POLL_MS */
	/* DNS_CONFIG sent before every MAP_FULL; NULL: coord_dns_config_default(). */
	const struct coord_dns_config *dns;
	/* A policy reload's deltas per loop turn, in ns of work; 0: 20 ms. */
	uint64_t reload_batch_ns;
	/*
	 * Relay fallback (RELAY_REQUEST): lifetime of the tickets offered (0:
	 * COORD_RELAY_LIFETIME_DEFAULT) and each node's request rate: a burst,
	 * then one per interval (0: the defaults below).
	 */
	uint64_t relay_lifetime_s;
	uint64_t relay_rate_burst;
	uint64_t relay_rate_interval_ms;
	/*
	 * The coordinator behind a relay (run --egress-relay): the name of the
	 * relay node nodes reach it through. A REGISTER over a direct (not
	 * relayed) connection from a node that does not say it relays is
	 * refused (COORD_REFUSED_RELAY_ONLY). NULL: any connection. Borrowed.
	 */
	const char *egress_relay;
	/*
	 * The wall clock (unix ms) control-ticket renewal reads: a relayed
	 * node's control ticket with less than half its lifetime left is
	 * renewed, and the renewal is issued at this time. NULL:
	 * CLOCK_REALTIME (tests move it).
	 */
	int64_t (*clock_ms)(void);
};

#define COORD_SERVER_RELAY_BURST 16
#define COORD_SERVER_RELAY_INTERVAL_MS 2000

struct coord_server;

/*
 * Load the policy, add every registered, unexpired node of the store to it
 * and open the endpoint. 0, or a negative errno with why naming the file or
 * the node that failed.
 */
int coord_server_new(const struct coord_server_config *config, struct coord_server **out,
		     char *why, size_t why_size);
/* Closes every connection silently; leaves the socket and the store open. */
void coord_server_free(struct coord_server *server);

int coord_server_fd(const struct coord_server *server);
/* Read the socket (burrow_quic_endpoint_read); 0 or a negative errno. */
int coord_server_read(struct coord_server *server);
/* CLOCK_MONOTONIC ns of the next timer, 0 = now, UINT64_MAX = none. */
uint64_t coord_server_next_expiry(struct coord_server *server);
void coord_server_handle_expiry(struct coord_server *server);
/* Read the change log and expiries now (the timer does it every change_poll_ms). */
int coord_server_poll_changes(struct coord_server *server);
/*
 * Load the policy file again into a new engine holding the old engine's
 * nodes; on success it replaces the old one and every connected node the
 * edit can affect (a member of a rule added, removed or changed) gets the
 * delta of its map, in batches between loop turns. On failure the old
 * policy stays, the error (naming file:line) is logged and in why.
 */
int coord_server_reload_policy(struct coord_server *server, char *why, size_t why_size);
/* Connections still waiting for the visibility delta of a policy reload. */
size_t coord_server_reload_pending(const struct coord_server *server);
/* Connections open now, registered or not. */
size_t coord_server_connections(const struct coord_server *server);
/* The coordinator's public key (32 bytes), which nodes pin. */
const uint8_t *coord_server_public_key(const struct coord_server *server);

#endif /* BURROW_COORD_SERVER_H */
