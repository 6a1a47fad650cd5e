/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrowd state in SQLite: known nodes, the current session per node and
 * an event log. Schema and migrations are in docs/burrowd.md.
 *
 * One writer: `burrowd run` holds one read-write connection (opened once
 * at start, used from its single thread). Short-lived commands (`burrowd
 * peer add`) may open another for a single transaction; SQLite's write
 * lock serialises them and busy_timeout (5 s) makes the loser wait rather
 * than fail. Readers open with BURROW_STORE_READONLY; WAL lets them read
 * while the daemon writes. A connection is not thread-safe (NOMUTEX).
 *
 * Usage:
 *   struct burrow_store *st;
 *   char err[BURROW_STORE_ERR_MAX];
 *   if (burrow_store_open("/var/lib/burrow/a.db", 0, &st, err, sizeof(err)) < 0) ...
 *   burrow_store_node_upsert(st, &node);
 *   burrow_store_session_generation(st, key, 1, "aes-256-gcm", "udp");
 *   burrow_store_event_append(st, key, "up", "session with b up");
 *   burrow_store_close(st);
 *
 * Opening runs every pending migration (each in its own transaction, the
 * version in PRAGMA user_version), so a database from any older burrowd
 * is upgraded; a database written by a newer burrowd (-EPROTO), a file
 * that is not SQLite or is SQLite but not burrowd's (-EINVAL) are refused
 * with a message naming the file; so is a database holding a policy row
 * or a node prefix this burrowd cannot read (-EINVAL, naming the key or
 * value, or the node and the prefix).
 *
 * All functions return 0 or a negative errno. On failure the reason is in
 * burrow_store_error(st), and write failures are also logged at error
 * level (callers may ignore the return of event_append etc.).
 * Times are wall-clock Unix milliseconds, taken by the store.
 */
#ifndef BURROW_STORE_H
#define BURROW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BURROW_STORE_ERR_MAX 512
/* Version this code writes; older ones are migrated on open. */
#define BURROW_STORE_SCHEMA_VERSION 8

/* burrow_store_open flags */
#define BURROW_STORE_READONLY 0x1	/* no writes, no migrations: schema must be current */

struct burrow_store;

struct burrow_node {
	int64_t id;				/* row id, assigned by the store */
	uint8_t public_key[32];
	char *name;				/* unique */
	char *endpoint;				/* "192.0.2.1:51820" or NULL */
	char *allowed_prefixes;			/* "10.0.0.2/32,fd00::2/128" or "" */
	int64_t created_ms, updated_ms;
};

struct burrow_session_record {
	uint64_t generation;			/* key generation in use */
	int64_t established_ms;			/* session (generation restart) began */
	int64_t last_rotation_ms;		/* latest generation went in */
	uint64_t rx_bytes, tx_bytes;		/* latest counters reported */
	char cipher[24];			/* "aes-256-gcm", "" when unknown */
	char encap[8];				/* "udp" / "quic", "" when unknown */
};

struct burrow_event {
	int64_t id;
	int64_t time_ms;
	char *node_name;			/* NULL: not about a node (or node removed) */
	char *kind;				/* short word: "up", "down", "rotated", "refused", ... */
	char *detail;
};

int burrow_store_open(const char *path, unsigned int flags, struct burrow_store **out,
		      char *err, size_t err_size);
void burrow_store_close(struct burrow_store *st);
/* Message of the latest failure on st. */
const char *burrow_store_error(const struct burrow_store *st);
/* How long a write waits for another connection's lock (default 5000 ms)
 * before failing with -EBUSY. */
void burrow_store_set_busy_timeout(struct burrow_store *st, int ms);
/* PRAGMA user_version of the open database. */
int burrow_store_schema_version(struct burrow_store *st);

/*
 * Nodes, keyed by public key. upsert inserts or updates name, endpoint and
 * allowed prefixes (id and created_ms kept); -EEXIST when another node has
 * that name, -EINVAL naming an allowed prefix that does not parse. The
 * prefixes are stored one row each (table node_prefixes): upsert splits
 * allowed_prefixes at commas (entries trimmed of spaces, empty ones and
 * repeats dropped), get and list join the rows back in their order with
 * ",". get: 0 or -ENOENT. remove: deletes the node, its prefixes and its
 * session; its events stay with node NULL; -ENOENT when absent.
 */
int burrow_store_node_upsert(struct burrow_store *st, const struct burrow_node *node);
int burrow_store_node_get(struct burrow_store *st, const uint8_t public_key[32],
			  struct burrow_node *out);
int burrow_store_node_get_by_name(struct burrow_store *st, const char *name,
				  struct burrow_node *out);
/* All nodes ordered by name; free with burrow_store_nodes_free. */
int burrow_store_node_list(struct burrow_store *st, struct burrow_node **nodes, size_t *n);
int burrow_store_node_remove(struct burrow_store *st, const uint8_t public_key[32]);
void burrow_store_node_clear(struct burrow_node *node);
void burrow_store_nodes_free(struct burrow_node *nodes, size_t n);

/*
 * Sessions: one current session per node (the node must exist: -ENOENT).
 * session_generation records that generation is now in use: if the node
 * has no session or generation is not above the stored one (a new
 * session restarted the numbering), a new session begins (established
 * and last rotation = now, counters 0); otherwise it is a rotation
 * (generation and last rotation updated). cipher/encap may be NULL.
 */
int burrow_store_session_generation(struct burrow_store *st, const uint8_t public_key[32],
				    uint64_t generation, const char *cipher, const char *encap);
int burrow_store_session_counters(struct burrow_store *st, const uint8_t public_key[32],
				  uint64_t rx_bytes, uint64_t tx_bytes);
/* Forget the node's session (it went down); -ENOENT when none. */
int burrow_store_session_end(struct burrow_store *st, const uint8_t public_key[32]);
/* 0, or -ENOENT when the node has no session. */
int burrow_store_session_get(struct burrow_store *st, const uint8_t public_key[32],
			     struct burrow_session_record *out);

/* Append an event; public_key NULL for node-less events (or unknown key). */
int burrow_store_event_append(struct burrow_store *st, const uint8_t *public_key,
			      const char *kind, const char *detail);
/* The newest `limit` events, newest first; free with burrow_store_events_free. */
int burrow_store_event_recent(struct burrow_store *st, size_t limit, struct burrow_event **events,
			      size_t *n);
void burrow_store_events_free(struct burrow_event *events, size_t n);
/* Delete all but the newest `keep` events. */
int burrow_store_event_prune(struct burrow_store *st, size_t keep);

/*
 * Address leases (store_lease.c): the address a node's pool gave a peer,
 * one per node and IP version (4 or 6), as "10.99.0.2/32". set replaces
 * that node's lease of that version; -EEXIST when another node holds the
 * address, -ENOENT when the node is unknown. list: every lease, ordered by
 * address text; free with burrow_store_leases_free.
 */
struct burrow_lease {
	uint8_t public_key[32];
	char node_name[64];
	int version;				/* 4 or 6 */
	char address[64];
	int64_t assigned_ms;
};

int burrow_store_lease_set(struct burrow_store *st, const uint8_t public_key[32], int version,
			   const char *address);
int burrow_store_lease_list(struct burrow_store *st, struct burrow_lease **leases, size_t *n);
void burrow_store_leases_free(struct burrow_lease *leases);

/*
 * The node map of burrow-coord (store_mesh.c): the last one applied, as
 * the capsules of a MAP_FULL (coord_msg.h), with the key of the
 * coordinator that sent it. save replaces it; load gives a malloc'd copy
 * (-ENOENT when there is none); clear forgets it (a node the coordinator
 * removed or expired).
 */
int burrow_store_mesh_save(struct burrow_store *st, const uint8_t coordinator_key[32],
			   const uint8_t *map, size_t len);
int burrow_store_mesh_load(struct burrow_store *st, uint8_t coordinator_key[32], uint8_t **map,
			   size_t *len);
int burrow_store_mesh_clear(struct burrow_store *st);

/*
 * The control ticket the coordinator renewed (store_mesh.c; CONTROL_TICKET,
 * docs/burrowd.md "Control-ticket renewal"): one row, for the relay
 * endpoint as configured (text), the node's and the coordinator's keys.
 * save replaces it; load gives the 176 bytes and their expiry only when
 * the row is for that relay and those keys (-ENOENT otherwise).
 */
#define BURROW_STORE_TICKET_LEN 176
int burrow_store_control_ticket_save(struct burrow_store *st, const char *relay,
				     const uint8_t node_key[32], const uint8_t coordinator_key[32],
				     const uint8_t ticket[BURROW_STORE_TICKET_LEN], uint64_t expiry);
int burrow_store_control_ticket_load(struct burrow_store *st, const char *relay,
				     const uint8_t node_key[32], const uint8_t coordinator_key[32],
				     uint8_t ticket[BURROW_STORE_TICKET_LEN], uint64_t *expiry);

/*
 * Effective policy (store_policy.c, docs/operations.md "Policy in the
 * state database"): the config keys that decide what a peer may do, as
 * the daemon applies them, written at start and on every reload. The
 * config file stays what the operator edits; these rows are the record.
 *
 * Per peer (public_key non-NULL): request_address, accept_addresses,
 * may_announce (comma-separated prefixes, "" for none) and may_reach (the
 * same, or "all"). Node-wide (public_key NULL): relay_routes ("yes"/"no").
 *
 * policy_set replaces every row of that scope in one transaction (-ENOENT
 * when the node is unknown). policy_list returns all rows ordered by node
 * name ("" node-wide first) and key. policy_check (also run by open)
 * fails with -EINVAL naming the first unknown key or malformed value.
 */
struct burrow_policy_row {
	char node_name[64];			/* "" for node-wide */
	char key[32];
	char *value;
	int64_t updated_ms;
};

int burrow_store_policy_set(struct burrow_store *st, const uint8_t *public_key,
			    const char *const *keys, const char *const *values, size_t n);
int burrow_store_policy_list(struct burrow_store *st, struct burrow_policy_row **rows, size_t *n);
void burrow_store_policy_free(struct burrow_policy_row *rows, size_t n);
int burrow_store_policy_check(struct burrow_store *st);

/*
 * What burrowd put on its device (store_installed.c, netconf.h): one row
 * per address ("10.99.0.2/32", host bits kept) or route ("10.99.0.0/24"),
 * written when the kernel accepted it and deleted when burrowd removed it,
 * so after kill -9 the next start tells its leftovers from addresses it
 * never installed. owner: the peer it was installed for (NULL: the node's
 * own config). add replaces a row with the same device, kind and prefix.
 */
enum burrow_installed_kind { BURROW_INSTALLED_ADDRESS, BURROW_INSTALLED_ROUTE };

struct burrow_installed {
	enum burrow_installed_kind kind;
	char prefix[64];
	bool has_owner;
	uint8_t owner[32];
};

int burrow_store_installed_add(struct burrow_store *st, const char *device,
			       enum burrow_installed_kind kind, const char *prefix,
			       const uint8_t *owner);
int burrow_store_installed_del(struct burrow_store *st, const char *device,
			       enum burrow_installed_kind kind, const char *prefix);
/* Rows of device; free with free(). */
int burrow_store_installed_list(struct burrow_store *st, const char *device,
				struct burrow_installed **rows, size_t *n);

/* PRAGMA integrity_check: 0 when "ok"; -EIO with the first problem in
 * burrow_store_error otherwise. */
int burrow_store_integrity_check(struct burrow_store *st);

#endif /* BURROW_STORE_H */
