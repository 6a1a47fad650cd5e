/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The coordinator's access policy: which nodes see each other and which of
 * a peer's approved routes a node may use. A policy is a JSON document
 * (groups, rules, autoApprovers); it is parsed and validated once into an
 * engine, and the caller then adds, updates and removes nodes. The engine
 * indexes nodes by the tags and names the policy mentions, so one node's
 * visible set and the set of nodes a change affects cost time in
 * proportion to their size, not to the square of the network.
 *
 * Visibility is symmetric: B is in A's set iff a rule lets A reach B or B
 * reach A. An engine without rules (no policy) shows nobody to anybody.
 *
 * Errors name the input and the place: "policy.json:12:5: ..." for JSON
 * syntax, "policy.json:14: rules[2].dst[1]: unknown group 'group:opz'" for
 * meaning. Loading never touches another engine: to reload, load a new
 * engine, add the nodes to it, and swap it in only when both succeeded.
 */
#ifndef COORD_POLICY_H
#define COORD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "burrow-nl.h"

/* A node as the caller describes it; the engine copies what it keeps. */
struct coord_policy_node {
	int64_t id;
	const char *name;
	const char *const *tags;	/* "tag:NAME" */
	size_t n_tags;
	const struct burrow_nl_prefix *approved_routes;
	size_t n_routes;
};

/* A set of node ids filled by the engine; the caller frees ids. */
struct coord_policy_ids {
	int64_t *ids;
	size_t n;
	size_t cap;
};

/* One step of a path into a JSON document: an object key, or (key NULL) an array index. */
struct coord_policy_step {
	const char *key;
	size_t index;
};

struct coord_policy_engine;

/* Deny-all engine: what the coordinator runs without a policy file. NULL on ENOMEM. */
struct coord_policy_engine *coord_policy_engine_new_empty(void);

/*
 * Parse and validate a policy. name labels the errors ("policy.json").
 * Returns 0 and *engine, or -EINVAL (why says where and what) / -ENOMEM.
 */
int coord_policy_load_string(const char *text, size_t len, const char *name,
			     struct coord_policy_engine **engine, char *why, size_t why_size);
/* The same for a file; errors are labelled with path. -errno when it cannot be read. */
int coord_policy_load_file(const char *path, struct coord_policy_engine **engine,
			   char *why, size_t why_size);
void coord_policy_engine_free(struct coord_policy_engine *engine);

/*
 * Node changes. affected (may be NULL) is cleared and receives every node
 * whose map may change: the node itself and its visible set before and
 * after the change. Returns 0, -EEXIST (add of a known id, or a name the
 * policy names and another node holds), -ENOENT (update/remove of an
 * unknown id), -ENOMEM (the engine may then be inconsistent: rebuild it).
 */
int coord_policy_node_add(struct coord_policy_engine *engine, const struct coord_policy_node *node,
			  struct coord_policy_ids *affected);
int coord_policy_node_update(struct coord_policy_engine *engine,
			     const struct coord_policy_node *node,
			     struct coord_policy_ids *affected);
int coord_policy_node_remove(struct coord_policy_engine *engine, int64_t id,
			     struct coord_policy_ids *affected);

/* The peers node_id sees (itself excluded), out cleared first. 0, -ENOENT, -ENOMEM. */
int coord_policy_visible(struct coord_policy_engine *engine, int64_t node_id,
			 struct coord_policy_ids *out);
/*
 * The nodes whose maps may change when changed_node_id changes, judged by
 * its current state: itself and its visible set. A caller that changes a
 * node outside node_update() asks before and after and merges the two.
 */
int coord_policy_affected(struct coord_policy_engine *engine, int64_t changed_node_id,
			  struct coord_policy_ids *out);

/*
 * The approved routes of peer_id that viewer_id may use, at most cap of
 * them written to out; returns how many there are (or -ENOENT). A route
 * qualifies when a rule with the viewer in src names the peer in dst, or
 * names a dst prefix overlapping the route. Exit routes (0.0.0.0/0, ::/0)
 * qualify only through a dst prefix that covers them.
 */
int coord_policy_peer_routes(const struct coord_policy_engine *engine, int64_t viewer_id,
			     int64_t peer_id, struct burrow_nl_prefix *out, size_t cap);

/*
 * Whether autoApprovers approve this advertised route for node: exit
 * routes through "exitNode", others through a "routes" prefix containing it.
 */
bool coord_policy_auto_approve(const struct coord_policy_engine *engine,
			       const struct coord_policy_node *node,
			       const struct burrow_nl_prefix *route);

/*
 * The line (1-based) where the value at path starts in a JSON text, or,
 * for a path ending in an object key, where that key is written; 0 when the
 * path is not there. Strings, escapes and nesting are honoured.
 */
unsigned int coord_policy_line_of(const char *text, size_t len,
				  const struct coord_policy_step *path, size_t n_steps);

/*
 * Reload without the store: add every node of from to to (an engine just
 * loaded). 0, -EEXIST (a name the new policy names held by two nodes),
 * -ENOMEM.
 */
int coord_policy_copy_nodes(struct coord_policy_engine *to, const struct coord_policy_engine *from);

/*
 * The nodes whose maps may differ between two engines holding the same
 * nodes under two policies: the members (src and dst) of every rule one
 * policy has and the other has not, a rule being its set of src and set
 * of dst selectors with groups expanded (see coord_policy.c for why no
 * other node's map can change). out is cleared and filled sorted, without
 * repeats. 0 or -ENOMEM.
 */
int coord_policy_reload_affected(struct coord_policy_engine *old_engine,
				 struct coord_policy_engine *new_engine,
				 struct coord_policy_ids *out);

/* Appends id (duplicates are the caller's business); 0 or -ENOMEM. */
int coord_policy_ids_add(struct coord_policy_ids *ids, int64_t id);
void coord_policy_ids_free(struct coord_policy_ids *ids);

#endif /* COORD_POLICY_H */
