/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The coordinator's database: pre-auth keys, nodes (addresses, tags,
 * routes, endpoints) and the coordinator's own address ranges. Every SQL
 * statement is behind this header, so another backend can implement it.
 *
 * Functions return 0 or a negative errno; coord_store_error() says why,
 * naming the bad input: -ENOENT (no such key or node), -EEXIST (name
 * taken), -EINVAL (malformed input), -EACCES (registration refused: key
 * expired, revoked or used), -EPROTO (schema newer than this program),
 * -ESTALE (change log pruned past the generation asked for), others for
 * database failures. Every write is one transaction and bumps the store
 * generation; a write touching a node also logs it (coord_store_changes_since).
 *
 *   struct coord_store *cs;
 *   char why[COORD_STORE_ERR_MAX];
 *   if (coord_store_open("/var/lib/burrow/coord.db", &cs, why, sizeof(why)) < 0) ...
 */
#ifndef BURROW_COORD_STORE_H
#define BURROW_COORD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "burrow-nl.h"
#include "../store.h"

#define COORD_STORE_ERR_MAX BURROW_STORE_ERR_MAX
#define COORD_STORE_SCHEMA_VERSION 5
/* Change log rows are kept while newer than an hour or among the last 10,000 generations. */
#define COORD_CHANGES_KEEP_MS (60 * 60 * 1000)
#define COORD_CHANGES_KEEP_ROWS 10000
#define COORD_KEY_SECRET_SIZE 48	/* "bck_" + 43 base64url characters + NUL */
#define COORD_KEY_ID_SIZE 9		/* first 8 characters after "bck_" + NUL */
#define COORD_NAME_SIZE 64		/* DNS label: 1..63 of [a-z0-9-] + NUL */
#define COORD_ADDR_SIZE 46

struct coord_store;

struct coord_key {
	char id[COORD_KEY_ID_SIZE];
	bool reusable;
	bool revoked;
	int64_t expiry_ms;		/* 0: never */
	int64_t created_ms;
	int64_t used;			/* registrations made with it */
	char *tags;			/* "tag:a,tag:b" or "" */
};

struct coord_node {
	int64_t id;
	char name[COORD_NAME_SIZE];
	uint8_t public_key[32];
	char ipv4[COORD_ADDR_SIZE];
	char ipv6[COORD_ADDR_SIZE];
	int64_t expiry_ms;		/* 0: never */
	int64_t created_ms;
	char *tags;			/* "tag:a,tag:b" or "" */
};

struct coord_route {
	int64_t node_id;
	char node[COORD_NAME_SIZE];
	char prefix[COORD_ADDR_SIZE + 4];
	bool approved;
};

/* Open (creating and migrating) the database at path. why gets
 * "coord state 'PATH': ..." on failure. */
int coord_store_open(const char *path, struct coord_store **out, char *why, size_t why_size);
/* Open an existing, current database for reading only: a missing file, an
 * older schema (nothing migrates) and every write fail. */
int coord_store_open_readonly(const char *path, struct coord_store **out, char *why,
			      size_t why_size);
void coord_store_close(struct coord_store *cs);
/* Why the last failed call failed. */
const char *coord_store_error(const struct coord_store *cs);
/* Bumped by every write; 0 on a read error. */
int64_t coord_store_generation(struct coord_store *cs);
/* The IPv6 ULA /48 chosen at first open and the IPv4 range ("100.64.0.0/10"). */
int coord_store_ranges(struct coord_store *cs, char ula[COORD_ADDR_SIZE + 4],
		       char ipv4[COORD_ADDR_SIZE + 4]);

/* A new pre-auth key; secret is shown once, only its SHA-256 is kept.
 * tags are "tag:NAME". */
int coord_store_key_create(struct coord_store *cs, bool reusable, int64_t expiry_ms,
			   const char *const *tags, size_t n_tags,
			   char secret[COORD_KEY_SECRET_SIZE], char id[COORD_KEY_ID_SIZE]);
int coord_store_key_list(struct coord_store *cs, struct coord_key **keys, size_t *n);
void coord_store_key_list_free(struct coord_key *keys, size_t n);
int coord_store_key_revoke(struct coord_store *cs, const char *id);

/*
 * Register the node with public_key using secret, in one transaction. A
 * node already registered with public_key keeps its addresses and name;
 * otherwise it gets the lowest free IPv4 of the range, the IPv6 whose
 * interface id is that IPv4's offset, a unique name from hostname and the
 * key's tags. The key's use count grows by one. *node is the result (free
 * with coord_store_node_clear).
 */
int coord_store_register(struct coord_store *cs, const char *secret, const uint8_t public_key[32],
			 const char *hostname, const struct burrow_nl_prefix *routes,
			 size_t n_routes, struct coord_node *node);

void coord_store_node_clear(struct coord_node *node);
/* Ordered by name. */
int coord_store_node_list(struct coord_store *cs, struct coord_node **nodes, size_t *n);
void coord_store_node_list_free(struct coord_node *nodes, size_t n);
int coord_store_node_get_by_name(struct coord_store *cs, const char *name, struct coord_node *node);
int coord_store_node_get_by_key(struct coord_store *cs, const uint8_t public_key[32],
				struct coord_node *node);
int coord_store_node_get_by_id(struct coord_store *cs, int64_t id, struct coord_node *node);
int coord_store_node_rename(struct coord_store *cs, const char *old_name, const char *new_name);
/* Sets the node's expiry to now. */
int coord_store_node_expire(struct coord_store *cs, const char *name);
int coord_store_node_remove(struct coord_store *cs, const char *name);
/* Replace the node's endpoints ("addr:port" as burrow-text formats them). */
int coord_store_node_set_endpoints(struct coord_store *cs, int64_t node_id,
				   const char *const *endpoints, size_t n);
struct coord_endpoint {
	char text[COORD_ADDR_SIZE + 8];	/* "192.0.2.1:51820", "[2001:db8::1]:51820" */
};

/* The node's endpoints in the order they were set (free() *endpoints). */
int coord_store_node_endpoints(struct coord_store *cs, int64_t node_id,
			       struct coord_endpoint **endpoints, size_t *n);
/* Replace the node's advertised routes; approvals of routes it still
 * advertises are kept. */
int coord_store_node_set_routes(struct coord_store *cs, int64_t node_id,
				const struct burrow_nl_prefix *routes, size_t n);
/* Approve routes the node advertises; -EINVAL naming the first it does not. */
int coord_store_route_approve(struct coord_store *cs, const char *name,
			      const struct burrow_nl_prefix *routes, size_t n);
/* Every advertised route, ordered by node name then prefix. */
int coord_store_route_list(struct coord_store *cs, struct coord_route **routes, size_t *n);
/* The routes one node advertises, ordered by prefix (primary key: reads only its rows). */
int coord_store_node_route_list(struct coord_store *cs, int64_t node_id,
				struct coord_route **routes, size_t *n);

/* What a logged write did to a node. */
enum coord_change_kind {
	COORD_CHANGE_REGISTER = 1,	/* registered or re-registered */
	COORD_CHANGE_RENAME = 2,
	COORD_CHANGE_EXPIRE = 3,	/* expired by the operator */
	COORD_CHANGE_REMOVE = 4,	/* the node row is gone */
	COORD_CHANGE_ENDPOINTS = 5,
	COORD_CHANGE_ROUTES = 6,	/* advertised routes replaced */
	COORD_CHANGE_APPROVE = 7,	/* routes approved */
	COORD_CHANGE_RELAY_REVOKE = 8,	/* a ticket through this node (the relay) revoked */
	COORD_CHANGE_RELAY_BIND = 9,	/* a control ticket through this node (the relay) issued */
};

struct coord_change {
	int64_t generation;		/* the store generation the write committed */
	int64_t node_id;
	enum coord_change_kind kind;
};

/*
 * The changes committed after generation, by any connection or process,
 * in generation order (free() *changes); *new_generation is the newest one
 * read (generation when none), to pass next time. Reads only the rows
 * after generation (primary key). -ESTALE when rows after generation were
 * already pruned: the caller must reload every node it follows.
 */
int coord_store_changes_since(struct coord_store *cs, int64_t generation,
			      struct coord_change **changes, size_t *n, int64_t *new_generation);
/* Ids of the nodes whose expiry time is in (after_ms, until_ms] (index on
 * expiry_ms; free() *ids). */
int coord_store_nodes_expiring(struct coord_store *cs, int64_t after_ms, int64_t until_ms,
			       int64_t **ids, size_t *n);

/* A relay ticket issued (coord_relay.h), by node names. */
struct coord_relay_ticket {
	uint32_t id;
	char relay[COORD_NAME_SIZE];
	char a[COORD_NAME_SIZE];		/* the pair, a's key < b's key */
	char b[COORD_NAME_SIZE];
	uint64_t expiry;			/* unix seconds */
	bool revoked;
	int64_t created_ms;
};

/* Record an issued ticket; -EEXIST when the id is taken by a relay or
 * control ticket (pick another). */
int coord_store_relay_ticket_add(struct coord_store *cs, uint32_t id, int64_t relay_id,
				 int64_t a_id, int64_t b_id, uint64_t expiry);
/* Every ticket recorded, oldest first (free() *tickets). A ticket goes
 * with any of its nodes (removing a node removes its tickets). */
int coord_store_relay_ticket_list(struct coord_store *cs, struct coord_relay_ticket **tickets,
				  size_t *n);
/* -ENOENT: no such ticket. */
int coord_store_relay_ticket_get(struct coord_store *cs, uint32_t id, struct coord_relay_ticket *t);
/* Mark a ticket, relay or control, revoked (again is harmless) and log
 * COORD_CHANGE_RELAY_REVOKE for its relay, so the running server tells the
 * relay; -ENOENT: no such ticket. */
int coord_store_relay_ticket_revoke(struct coord_store *cs, uint32_t id);
/* Ids of the revoked tickets, relay and control, through relay_node_id not
 * yet expired at now (unix seconds): what a relay must refuse (free() *ids). */
int coord_store_relay_revoked(struct coord_store *cs, int64_t relay_node_id, uint64_t now,
			      uint32_t **ids, size_t *n);

/*
 * A control ticket (docs/coordination.md, "The coordinator behind a
 * relay"): a relay ticket whose pair is a node's public key (the node need
 * not be registered yet) and the coordinator's own key. The ticket bytes
 * are kept: the server sends them to the relay in RELAY_BIND.
 */
#define COORD_CONTROL_TICKET_LEN 176	/* BURROW_RELAY_TICKET_LEN */

struct coord_control_ticket {
	uint32_t id;
	int64_t relay_id;
	char relay[COORD_NAME_SIZE];
	uint8_t node_key[32];
	char node[COORD_NAME_SIZE];		/* the node with node_key; "" if none */
	uint64_t expiry;			/* unix seconds */
	uint8_t ticket[COORD_CONTROL_TICKET_LEN];
	bool revoked;
	int64_t created_ms;
	uint64_t issued;			/* unix seconds: lifetime = expiry - issued */
	uint32_t renewed_by;			/* the ticket that renewed it; 0: none */
};

/*
 * Record an issued control ticket (issued: the unix second it was issued
 * at) and log COORD_CHANGE_RELAY_BIND for its relay; -EEXIST when the id is
 * taken by any ticket (pick another). renews: the id of the ticket it
 * renews (0: none), marked renewed_by id in the same transaction; -ENOENT
 * when there is no such ticket, -EACCES when it is revoked, -EALREADY when
 * it was renewed already.
 */
int coord_store_control_ticket_add(struct coord_store *cs, uint32_t id, int64_t relay_id,
				   const uint8_t node_key[32], uint64_t issued, uint64_t expiry,
				   const uint8_t ticket[COORD_CONTROL_TICKET_LEN], uint32_t renews);
/* One control ticket by id; -ENOENT: none. */
int coord_store_control_ticket_get(struct coord_store *cs, uint32_t id,
				   struct coord_control_ticket *t);
/* Every control ticket, oldest first (free() *tickets); removing the
 * relay node removes its tickets. */
int coord_store_control_ticket_list(struct coord_store *cs,
				    struct coord_control_ticket **tickets, size_t *n);
/* The unrevoked control tickets through relay_node_id not expired at now
 * (unix seconds): what the relay must bind (free() *tickets). */
int coord_store_control_tickets_live(struct coord_store *cs, int64_t relay_node_id, uint64_t now,
				     struct coord_control_ticket **tickets, size_t *n);

/*
 * Whether the node said it relays when it last registered, and the
 * endpoint the coordinator saw it at (a row of the meta table, key
 * "relay:ID": no schema change). endpoint NULL: not a relay. Reading:
 * 0 with the text, -ENOENT when it is not a relay.
 */
int coord_store_node_set_relay(struct coord_store *cs, int64_t node_id, const char *endpoint);
int coord_store_node_relay(struct coord_store *cs, int64_t node_id,
			   char endpoint[COORD_ADDR_SIZE + 8]);

/* Whether name is a valid node name (DNS label); why names it otherwise. */
int coord_name_check(const char *name, char *why, size_t why_size);

#endif /* BURROW_COORD_STORE_H */
