/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrowd as a node of a burrow-coord mesh ([coordinator] in the config,
 * docs/coordination.md "Joining a node").
 *
 * The node keeps one QUIC connection (ALPN burrow-coord/1, its own UDP
 * socket, the node's Ed25519 key; the coordinator's key pinned) with one
 * stream: REGISTER (with the pre-auth key until the node has registered,
 * then with none: the coordinator knows its key), then the node map,
 * MAP_FULL first and MAP_DELTA after. Every map applied becomes peers:
 * one per map peer, named as the coordinator names it, dialled at its
 * first endpoint of the socket's family, with allowed IPs its overlay
 * addresses and approved subnet routes (exit routes, /0, are not used),
 * and routes through the device for those subnets. Those peers go through
 * the same code as a config reload (reload.h), so a peer the map keeps
 * keeps its session, and one it drops is closed and its kernel peer goes.
 * The node's own overlay addresses, with the coordinator's prefix length,
 * are added to the device like [node] address.
 *
 * Every map applied is also stored (store.h, burrow_store_mesh_save), and
 * read back at start, so a node whose coordinator is down or restarting
 * keeps its peers, sessions and keys. The connection is redialled with
 * backoff (1 s doubling to 30 s). When the coordinator closes it because
 * the node was removed or expired, or refuses its registration for that
 * reason, the node forgets the map: its mesh peers and overlay addresses
 * go. File peers are never touched; a map peer with the name or key of a
 * file peer is left out (the file wins), with a warning.
 *
 * Single-threaded, from the daemon's loop. Lifetimes: d->mesh lives from
 * burrowd_mesh_init to burrowd_mesh_free.
 */
#ifndef BURROW_MESH_H
#define BURROW_MESH_H

#include <stdio.h>

#include "config.h"
#include "coord_map.h"

struct burrowd;
struct burrowd_mesh;

/*
 * Before the peers are loaded: with a [coordinator], set up d->mesh and
 * read the stored map, adding its peers and addresses to *current (see
 * burrowd_mesh_extend). current is where the running config lives; map
 * changes replace it. 0, or -ENOMEM. Without [coordinator]: 0, no mesh.
 */
int burrowd_mesh_init(struct burrowd *d, struct burrow_config **current);
/*
 * Before burrowd's QUIC endpoint is made: register the coordination ALPN
 * as one the node dials and never accepts (alpn.h). The coordinator
 * connection leaves from the node's one UDP port, the tunnel's (brief
 * D11), so the address the coordinator sees is the one peers can reach.
 * 0 without a mesh; else burrow_alpn_register_dial's result.
 */
struct burrow_alpn_registry;
int burrowd_mesh_register_alpn(struct burrowd *d, struct burrow_alpn_registry *registry);
/*
 * Once the loop, store and d->quic (with its timer) are up: dial the
 * coordinator on d->quic. 0 (a failed dial is retried with backoff).
 */
int burrowd_mesh_connect(struct burrowd *d);
/*
 * At shutdown, before burrowd flushes its endpoint: close the connection
 * and never redial. burrowd_mesh_free (after the endpoint is freed, as the
 * connection refers to the mesh until then) frees the rest.
 */
void burrowd_mesh_stop(struct burrowd *d);
void burrowd_mesh_free(struct burrowd *d);

/*
 * Add the current map's peers (after the file's) and the node's overlay
 * addresses (to node.address) to cfg, a config read from the file. No
 * mesh or no map: nothing. 0 or -ENOMEM.
 */
int burrowd_mesh_extend(struct burrowd *d, struct burrow_config *cfg);

/*
 * mesh_peers.c, the conversion itself: map's peers as [peer] entries
 * appended to cfg (left out: the node itself, and a peer whose name or key
 * a peer already in cfg has, with a warning), and the map's self
 * addresses added to cfg->node.addresses. own_key_text: the node's public
 * key in text form; udp_family: the daemon socket's (an IPv4 socket skips
 * IPv6 endpoints). 0 or -ENOMEM (cfg may then hold some of the peers).
 */
int burrowd_mesh_map_extend(const struct coord_map *map, const char *own_key_text, int udp_family,
			    struct burrow_config *cfg);
/* A route no node uses from a map: 0.0.0.0/0 or ::/0 (no exit node is selected). */
bool burrowd_mesh_is_exit_route(const struct burrow_nl_prefix *p);
/* The self entry's IPv4 and IPv6 overlay addresses with their prefix lengths. */
void burrowd_mesh_self_addresses(const struct coord_map_self *self, struct burrow_nl_prefix out[2]);

/*
 * CONTROL_TICKET's value as the coordinator sent it (the coordination
 * stream's handler calls this): 0 when the renewed control ticket is
 * accepted (stored and, through the relay, redialled with at once),
 * -EACCES or -EINVAL when it is refused (logged with why; the connection
 * stays), -EBADMSG when the message is malformed (the connection is closed
 * with COORD_CLOSE_PROTOCOL). docs/burrowd.md "Control-ticket renewal".
 */
int burrowd_mesh_control_ticket(struct burrowd *d, const uint8_t *value, size_t len);

/* `burrowd status`: the coordinator line(s); JSON: a "coordinator" member (leading comma). */
void burrowd_mesh_write_status(struct burrowd *d, FILE *out, bool json);

#endif /* BURROW_MESH_H */
