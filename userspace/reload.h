/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Config reload of a running burrowd (SIGHUP, 'burrowd reload'), without
 * dropping the sessions it does not concern. Semantics and the exit codes
 * of 'burrowd reload' are in docs/burrowd.md ("Reloading").
 *
 * All or nothing: the file is read and checked completely first (the same
 * parser as at start, plus the node's key file); an invalid file, or a
 * change to a [node] key a running daemon cannot follow, changes nothing.
 * Then, peer by peer (matched by name):
 *   - gone from the file: sessions closed with a reason, kernel peer,
 *     negotiated routes and addresses removed, node removed from the store;
 *   - new: started as at startup (dialled when it has an endpoint);
 *   - public_key, endpoint or request_address changed: removed, then added;
 *   - only allowed_ips / may_announce / may_reach / accept_addresses
 *     changed: the session stays; what the new policy forbids is withdrawn;
 *   - unchanged: untouched (same session, same kernel peer).
 * Peers added with 'burrowd peer add' (not in the file) are kept, unless
 * the file now names one (by name or key): the file's entry replaces it.
 *
 * Lifetimes: burrowd_peer structs move to a new array (sessions and
 * timers re-pointed, session.c); a removed peer moves to a heap copy that
 * lives until no session points at it (closing sessions still do). Every
 * policy pointer and d->config move to the new config before the old one
 * is freed. Single-threaded: runs from the loop (signal or control socket).
 */
#ifndef BURROW_RELOAD_H
#define BURROW_RELOAD_H

#include <stddef.h>

#include "config.h"
#include "session.h"

/*
 * Reload the file *current was read from. 0: applied, *current is the new
 * config (the old one freed) and msg summarises. -EINVAL: the file or the
 * key file is invalid, msg "FILE:LINE: ..." (as at start). -EBUSY: a
 * setting needs a restart, msg names it. -ENOMEM / -EIO: nothing changed.
 */
int burrowd_reload(struct burrowd *d, struct burrow_config **current, char *msg, size_t msg_size);
/*
 * The step after reading a file, shared with node map changes (mesh.c):
 * make cfg the running config, peer by peer as above. Takes cfg (heap)
 * whatever the result. kind names the events ("reload", "map"); what
 * starts the summary in msg ("reloaded FILE", "node map version 7").
 * -ENOMEM / -EIO: nothing changed.
 */
int burrowd_peers_apply(struct burrowd *d, struct burrow_config **current, struct burrow_config *cfg,
			const char *kind, const char *what, char *msg, size_t msg_size);
/* At exit: free the removed peers that closing sessions still pointed at. */
void burrowd_reload_fini(void);

/* Startup and reload: a daemon peer from a [peer] section (policy = cp). 0 or -ENOMEM. */
int burrowd_peer_from_config(struct burrowd *d, struct burrowd_peer *p,
			     const struct burrow_config_peer *cp);
/* The endpoint a peer is dialled at (v4-mapped on an IPv6 socket). */
void burrowd_peer_set_endpoint(struct burrowd *d, struct burrowd_peer *p,
			       const struct sockaddr_storage *addr, socklen_t len, const char *text);
/* Record a [peer] section as a node of the store (store may be NULL). */
void burrowd_store_config_peer(void *store, const struct burrow_config_peer *cp);
/* Record the node-wide policy (relay_routes) in the store (NULL: nothing). */
void burrowd_store_config_node(void *store, const struct burrow_config_node *node);

#endif /* BURROW_RELOAD_H */
