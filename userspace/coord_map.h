/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The node map: what a node knows of its peers, built from MAP_FULL and
 * kept current by MAP_DELTA (coord_msg.h), and on the coordinator, the
 * delta between two peer sets of one node.
 *
 * Versions: every MAP_FULL or MAP_DELTA on a connection carries the
 * previous one's version + 1. A full map replaces everything whatever its
 * version; a delta applies only on top of the version right before it,
 * otherwise the node missed one and coord_map_apply_delta() says -ESTALE:
 * the caller sends MAP_REQUEST_FULL and waits for the full map. A delta
 * that does not fit the map (it removes a peer the node does not have) is
 * -ESTALE too: the two sides disagree, and only a full map repairs that.
 *
 * Peers are held sorted by id (lookup by binary search, deltas applied by
 * one merge pass) plus an index by public key, rebuilt on every change.
 * Public keys are unique in a map: a map or delta that would give two
 * peers one key is refused (-EBADMSG) and the map is left as it was.
 */
#ifndef BURROW_COORD_MAP_H
#define BURROW_COORD_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coord_msg.h"

struct coord_map_key;

struct coord_map {
	bool have_full;			/* a full map was applied */
	uint64_t version;		/* of the last full map or delta applied */
	struct coord_map_self self;
	struct coord_peer *peers;	/* ids strictly increasing */
	size_t n_peers;
	struct coord_map_key *by_key;	/* n_peers entries sorted by public key */
};

void coord_map_init(struct coord_map *m);
void coord_map_free(struct coord_map *m);

/*
 * Replace the map with a full one. Takes peers (malloc'd array, as
 * coord_map_full_reader_take() returns it) whatever the result: on error
 * they are freed and the map is unchanged. Peer ids must strictly increase
 * and public keys be unique (-EBADMSG with why).
 */
int coord_map_apply_full(struct coord_map *m, uint64_t version, const struct coord_map_self *self,
			 struct coord_peer *peers, size_t n_peers, char *why, size_t why_size);

/*
 * Apply a delta: -ESTALE (map unchanged) without a full map, when
 * delta->version is not version + 1, or when it removes an unknown id;
 * -EBADMSG when it would leave two peers with one public key. On success
 * the changed entries move into the map (delta->changed is emptied; free
 * the delta as usual).
 */
int coord_map_apply_delta(struct coord_map *m, struct coord_map_delta *delta, char *why,
			  size_t why_size);

const struct coord_peer *coord_map_peer_by_id(const struct coord_map *m, uint64_t id);
const struct coord_peer *coord_map_peer_by_key(const struct coord_map *m, const uint8_t key[32]);
/* Iterate in id order: for (i = 0; i < coord_map_size(m); i++) coord_map_peer_at(m, i). */
size_t coord_map_size(const struct coord_map *m);
const struct coord_peer *coord_map_peer_at(const struct coord_map *m, size_t i);

/*
 * The delta that turns one node's previous peer set into its new one:
 * peers of next that prev lacks or holds differently (deep copies), ids
 * of prev that next lacks; both sorted by id, out->version = version.
 * Both sets must be sorted by strictly increasing id (-EINVAL). One merge
 * pass: O(n_prev + n_next) time, memory for the changes only.
 */
int coord_map_diff(const struct coord_peer *prev, size_t n_prev, const struct coord_peer *next,
		   size_t n_next, uint64_t version, struct coord_map_delta *out, char *why,
		   size_t why_size);

#endif /* BURROW_COORD_MAP_H */
