// SPDX-License-Identifier: GPL-2.0
/*
 * The coordinator's database on burrowd's SQLite plumbing (store.c opens,
 * identifies, migrates): its own application_id and migrations.
 *
 * Invariants:
 *  - nodes.ipv4_offset is the node's IPv4 offset in the range (1 .. size-2:
 *    never the network or broadcast address) and the interface id of its
 *    IPv6 in the ULA, so both addresses follow from it and stay stable.
 *  - meta('generation') grows by one in every write transaction.
 *  - A pre-auth key's secret is never stored: only its SHA-256.
 *  - Every write touching a node appends (generation after the write,
 *    node id, kind) to changes in the same transaction, so a reader that
 *    saw generation G finds every node changed since in the rows after G.
 *    Rows are pruned when both older than COORD_CHANGES_KEEP_MS and more
 *    than COORD_CHANGES_KEEP_ROWS generations old (oldest first, stopping
 *    at the first that must stay: prune_changes()); meta
 *    ('changes_pruned_through') is the newest generation pruned, so a
 *    reader behind it learns it missed changes (-ESTALE).
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <sqlite3.h>

#include "burrow-encoding.h"
#include "burrow-text.h"
#include "coord_store.h"
#include "../log.h"
#include "../store_internal.h"

#define COORD_STORE_APP_ID 0x42434f44	/* "BCOD" */
#define COORD_DEFAULT_IPV4_RANGE "100.64.0.0/10"

struct coord_store {
	struct burrow_store *st;
};

static const char *const coord_migrations[COORD_STORE_SCHEMA_VERSION] = {
	/* v1 */
	"PRAGMA application_id = 1111707460;"	/* COORD_STORE_APP_ID */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE preauth_keys ("
	"  id TEXT PRIMARY KEY,"
	"  secret_sha256 BLOB NOT NULL UNIQUE CHECK (length(secret_sha256) = 32),"
	"  reusable INTEGER NOT NULL,"
	"  expiry_ms INTEGER NOT NULL,"
	"  used INTEGER NOT NULL DEFAULT 0,"
	"  revoked INTEGER NOT NULL DEFAULT 0,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE key_tags ("
	"  key_id TEXT NOT NULL REFERENCES preauth_keys(id) ON DELETE CASCADE,"
	"  tag TEXT NOT NULL,"
	"  PRIMARY KEY (key_id, tag));"
	"CREATE TABLE nodes ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 63),"
	"  public_key BLOB NOT NULL UNIQUE CHECK (length(public_key) = 32),"
	"  ipv4_offset INTEGER NOT NULL UNIQUE CHECK (ipv4_offset > 0),"
	"  ipv4 TEXT NOT NULL UNIQUE,"
	"  ipv6 TEXT NOT NULL UNIQUE,"
	"  key_id TEXT,"
	"  expiry_ms INTEGER NOT NULL DEFAULT 0,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE node_tags ("
	"  node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,"
	"  tag TEXT NOT NULL,"
	"  PRIMARY KEY (node_id, tag));"
	"CREATE TABLE node_routes ("
	"  node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,"
	"  prefix TEXT NOT NULL,"
	"  approved INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (node_id, prefix));"
	"CREATE TABLE node_endpoints ("
	"  node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,"
	"  endpoint TEXT NOT NULL,"
	"  position INTEGER NOT NULL,"
	"  PRIMARY KEY (node_id, endpoint));"
	"INSERT INTO meta (key, value) VALUES ('generation', '0');",
	/* v2: the change log other processes (the running server) follow */
	"CREATE TABLE changes ("
	"  generation INTEGER NOT NULL,"
	"  node_id INTEGER NOT NULL,"
	"  kind INTEGER NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (generation, node_id, kind)) WITHOUT ROWID;"
	"CREATE INDEX nodes_expiry ON nodes (expiry_ms) WHERE expiry_ms > 0;"
	"INSERT INTO meta (key, value) VALUES ('changes_pruned_through', '0');",
	/* v3: relay tickets issued (relay_ticket.h), kept so they can be revoked */
	"CREATE TABLE relay_tickets ("
	"  id INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 4294967295),"
	"  relay_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,"
	"  a_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,"
	"  b_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,"
	"  expiry INTEGER NOT NULL,"
	"  revoked INTEGER NOT NULL DEFAULT 0,"
	"  created_ms INTEGER NOT NULL);",
	/*
	 * v4: control tickets (the coordinator behind a relay): a relay ticket
	 * whose pair is a node's key, registered or not, and the coordinator's
	 * own; the ticket bytes are kept to send in RELAY_BIND. Ids are unique
	 * across both ticket tables (one relay table in the kernel).
	 */
	"CREATE TABLE control_tickets ("
	"  id INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 4294967295),"
	"  relay_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,"
	"  node_key BLOB NOT NULL CHECK (length(node_key) = 32),"
	"  expiry INTEGER NOT NULL,"
	"  ticket BLOB NOT NULL CHECK (length(ticket) = 176),"
	"  revoked INTEGER NOT NULL DEFAULT 0,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE INDEX control_tickets_relay ON control_tickets (relay_id);",
	/*
	 * v5: control-ticket renewal (docs/coordination.md "Lifetime"): when a
	 * ticket was issued (unix seconds; 0 for tickets issued before v5:
	 * created_ms stands in) and the id of the ticket that renewed it (0:
	 * none yet), so a ticket is renewed once and its lifetime is kept.
	 */
	"ALTER TABLE control_tickets ADD COLUMN issued INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE control_tickets ADD COLUMN renewed_by INTEGER NOT NULL DEFAULT 0;",
};

_Static_assert(COORD_STORE_APP_ID == 1111707460, "application_id literal in migration v1");

static const struct burrow_store_schema coord_schema = {
	.app_id = COORD_STORE_APP_ID,
	.program = "burrow-coord",
	.migrations = coord_migrations,
	.version = COORD_STORE_SCHEMA_VERSION,
	.check = NULL,
};

const char *coord_store_error(const struct coord_store *cs)
{
	return burrow_store_error(cs->st);
}

/* One integer or text column of the first row of sql with ?1 = arg; -ENOENT without a row. */
static int query_one(struct coord_store *cs, const char *sql, struct burrow_store_arg arg,
		     int64_t *value, char *text, size_t text_size)
{
	sqlite3_stmt *stmt;
	int rc, ret;

	ret = burrow_store_prepare(cs->st, sql, &stmt);
	if (ret < 0)
		return ret;
	if (arg.type == SQLITE_INTEGER)
		sqlite3_bind_int64(stmt, 1, arg.integer);
	else if (arg.type == SQLITE_TEXT)
		sqlite3_bind_text(stmt, 1, arg.data, -1, SQLITE_STATIC);
	else if (arg.type == SQLITE_BLOB)
		sqlite3_bind_blob(stmt, 1, arg.data, arg.len, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		if (value)
			*value = sqlite3_column_int64(stmt, 0);
		if (text) {
			const unsigned char *t = sqlite3_column_text(stmt, 0);

			snprintf(text, text_size, "%s", t ? (const char *)t : "");
		}
		ret = 0;
	} else if (rc == SQLITE_DONE) {
		ret = -ENOENT;
	} else {
		ret = burrow_store_fail(cs->st, burrow_store_sqlite_errno(rc), "%s",
					sqlite3_errmsg(cs->st->db));
	}
	sqlite3_finalize(stmt);
	return ret;
}

static int begin(struct coord_store *cs)
{
	return burrow_store_exec(cs->st, "BEGIN IMMEDIATE");
}

/* Record that the running write transaction changed node_id (logged under
 * the generation commit() moves to). */
static int log_change(struct coord_store *cs, int64_t node_id, enum coord_change_kind kind)
{
	return burrow_store_write_args(cs->st,
				       "INSERT OR IGNORE INTO changes (generation, node_id, kind, created_ms)"
				       " SELECT CAST(value AS INTEGER) + 1, ?1, ?2, ?3 FROM meta WHERE key = 'generation'",
				       "change log", NULL, BURROW_STORE_INT(node_id),
				       BURROW_STORE_INT(kind),
				       BURROW_STORE_INT(burrow_store_now_ms()));
}

/* Drop change rows both old in time and old in generations (see the invariants). */
static int prune_changes(struct coord_store *cs)
{
	struct burrow_store_arg horizon_ms = BURROW_STORE_INT(burrow_store_now_ms() -
							      COORD_CHANGES_KEEP_MS);
	int64_t generation;
	int ret;

	ret = query_one(cs, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'",
			BURROW_STORE_NO_ARG, &generation, NULL, 0);
	if (ret < 0)
		return ret;
	/*
	 * Rows are written in generation order with the wall clock, so the
	 * old-in-time ones are the oldest generations: the prunable rows are
	 * those before the first row that must stay (young in time), up to
	 * KEEP_ROWS generations back. Walking from the oldest and stopping
	 * there reads only rows about to go; a scan of every row within
	 * KEEP_ROWS of the oldest (what a plain max() over both conditions
	 * does) made each commit cost O(rows of the last hour): 40,000 rows
	 * read per commit while 50,000 nodes registered. A wall clock that
	 * stepped back only makes this prune later.
	 */
	ret = burrow_store_write_args(cs->st,
				      "WITH cut(g) AS (SELECT coalesce((SELECT generation - 1 FROM changes"
				      "  WHERE generation <= ?2 AND created_ms >= ?1"
				      "  ORDER BY generation LIMIT 1), ?2))"
				      " UPDATE meta SET value = (SELECT max(generation) FROM changes"
				      "  WHERE generation <= (SELECT g FROM cut))"
				      " WHERE key = 'changes_pruned_through' AND EXISTS"
				      " (SELECT 1 FROM changes WHERE generation <= (SELECT g FROM cut))",
				      "change log", NULL, horizon_ms,
				      BURROW_STORE_INT(generation - COORD_CHANGES_KEEP_ROWS));
	if (ret == 0)
		ret = burrow_store_write_args(cs->st,
					      "DELETE FROM changes WHERE generation <= (SELECT"
					      " CAST(value AS INTEGER) FROM meta WHERE key = 'changes_pruned_through')",
					      "change log", NULL, BURROW_STORE_NO_ARG);
	return ret;
}

/* Bump the generation and commit; roll back on any failure. */
static int commit(struct coord_store *cs)
{
	int ret = prune_changes(cs);

	if (ret == 0)
		ret = burrow_store_exec(cs->st,
					"UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'");

	if (ret == 0)
		ret = burrow_store_exec(cs->st, "COMMIT");
	if (ret < 0)
		return burrow_store_rollback(cs->st, ret);
	return 0;
}

/*
 * The end of a write that touched one node: when it worked, log the change
 * in the same transaction (so another process's reader sees both or
 * neither), then commit; otherwise roll back and return ret.
 */
static int finish_node_write(struct coord_store *cs, int ret, int64_t node_id,
			     enum coord_change_kind kind)
{
	if (ret == 0)
		ret = log_change(cs, node_id, kind);
	if (ret < 0)
		return burrow_store_rollback(cs->st, ret);
	return commit(cs);
}

int64_t coord_store_generation(struct coord_store *cs)
{
	int64_t v = 0;

	if (query_one(cs, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'",
		      BURROW_STORE_NO_ARG, &v, NULL, 0) < 0)
		return 0;
	return v;
}

/* First open: pick the ULA /48 (fd00::/8 with 40 random bits, RFC 4193) and the IPv4 range. */
static int init_ranges(struct coord_store *cs)
{
	struct burrow_nl_prefix ula = { .family = AF_INET6, .len = 48 };
	char text[BURROW_TEXT_PREFIX_SIZE];
	int64_t dummy;
	int ret;

	ret = query_one(cs, "SELECT 1 FROM meta WHERE key = 'ula'", BURROW_STORE_NO_ARG, &dummy,
			NULL, 0);
	if (ret != -ENOENT)
		return ret;
	ula.addr.bytes[0] = 0xfd;
	if (gnutls_rnd(GNUTLS_RND_NONCE, ula.addr.bytes + 1, 5) < 0)
		return burrow_store_fail(cs->st, -EIO, "cannot draw random bytes for the ULA");
	burrow_text_prefix(&ula, text);
	ret = begin(cs);
	if (ret < 0)
		return ret;
	ret = burrow_store_write_args(cs->st,
				      "INSERT OR IGNORE INTO meta (key, value) VALUES ('ula', ?1), ('ipv4_range', ?2)",
				      "ranges", NULL, BURROW_STORE_TEXT(text),
				      BURROW_STORE_TEXT(COORD_DEFAULT_IPV4_RANGE));
	if (ret < 0)
		return burrow_store_rollback(cs->st, ret);
	return commit(cs);
}

int coord_store_open(const char *path, struct coord_store **out, char *why, size_t why_size)
{
	struct coord_store *cs;
	int ret;

	*out = NULL;
	cs = calloc(1, sizeof(*cs));
	if (!cs) {
		burrow_errorf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	ret = burrow_store_open_schema(path, 0, &coord_schema, &cs->st, why, why_size);
	if (ret < 0) {
		free(cs);
		return ret;
	}
	ret = init_ranges(cs);
	if (ret < 0) {
		burrow_errorf(why, why_size, "state '%s': %s", path, coord_store_error(cs));
		coord_store_close(cs);
		return ret;
	}
	*out = cs;
	return 0;
}

int coord_store_open_readonly(const char *path, struct coord_store **out, char *why,
			      size_t why_size)
{
	struct coord_store *cs;
	int ret;

	*out = NULL;
	cs = calloc(1, sizeof(*cs));
	if (!cs) {
		burrow_errorf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	ret = burrow_store_open_schema(path, BURROW_STORE_READONLY, &coord_schema, &cs->st, why,
				       why_size);
	if (ret < 0) {
		free(cs);
		return ret;
	}
	*out = cs;
	return 0;
}

void coord_store_close(struct coord_store *cs)
{
	if (!cs)
		return;
	burrow_store_close(cs->st);
	free(cs);
}

int coord_store_ranges(struct coord_store *cs, char ula[COORD_ADDR_SIZE + 4],
		       char ipv4[COORD_ADDR_SIZE + 4])
{
	int ret = query_one(cs, "SELECT value FROM meta WHERE key = 'ula'", BURROW_STORE_NO_ARG,
			    NULL, ula, COORD_ADDR_SIZE + 4);

	if (ret == 0)
		ret = query_one(cs, "SELECT value FROM meta WHERE key = 'ipv4_range'",
				BURROW_STORE_NO_ARG, NULL, ipv4, COORD_ADDR_SIZE + 4);
	if (ret == -ENOENT)
		ret = burrow_store_fail(cs->st, -EIO, "address ranges missing from meta");
	return ret;
}

/* ---- pre-auth keys ---------------------------------------------------------- */

int coord_store_key_create(struct coord_store *cs, bool reusable, int64_t expiry_ms,
			   const char *const *tags, size_t n_tags,
			   char secret[COORD_KEY_SECRET_SIZE], char id[COORD_KEY_ID_SIZE])
{
	uint8_t raw[32], hash[32];
	char b64[BURROW_BASE64_LEN(32) + 1];
	int ret;

	for (size_t i = 0; i < n_tags; i++) {
		if (strncmp(tags[i], "tag:", 4) || coord_name_check(tags[i] + 4, NULL, 0) < 0)
			return burrow_store_fail(cs->st, -EINVAL,
						 "invalid tag '%s' (tag:NAME, NAME of [a-z0-9-])",
						 tags[i]);
	}
	if (gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof(raw)) < 0)
		return burrow_store_fail(cs->st, -EIO, "cannot draw random bytes for the key");
	burrow_base64_encode(raw, sizeof(raw), b64, sizeof(b64));
	/* base64url without padding: 43 characters for 32 bytes */
	for (char *c = b64; *c; c++) {
		if (*c == '+')
			*c = '-';
		else if (*c == '/')
			*c = '_';
		else if (*c == '=')
			*c = '\0';
	}
	snprintf(secret, COORD_KEY_SECRET_SIZE, "bck_%.43s", b64);
	snprintf(id, COORD_KEY_ID_SIZE, "%.8s", secret + 4);
	gnutls_hash_fast(GNUTLS_DIG_SHA256, secret, strlen(secret), hash);

	ret = begin(cs);
	if (ret < 0)
		return ret;
	ret = burrow_store_write_args(cs->st,
				      "INSERT INTO preauth_keys (id, secret_sha256, reusable, expiry_ms, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
				      "key create", NULL, BURROW_STORE_TEXT(id),
				      BURROW_STORE_BLOB(hash, 32), BURROW_STORE_INT(reusable),
				      BURROW_STORE_INT(expiry_ms), BURROW_STORE_INT(burrow_store_now_ms()));
	for (size_t i = 0; ret == 0 && i < n_tags; i++)
		ret = burrow_store_write_args(cs->st,
					      "INSERT OR IGNORE INTO key_tags (key_id, tag) VALUES (?1, ?2)",
					      "key tag", NULL, BURROW_STORE_TEXT(id),
					      BURROW_STORE_TEXT(tags[i]));
	if (ret < 0)
		return burrow_store_rollback(cs->st, ret);
	return commit(cs);
}

static char *column_strdup(sqlite3_stmt *stmt, int col)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);

	return strdup(t ? (const char *)t : "");
}

static int key_decode(struct burrow_store *st, sqlite3_stmt *stmt, void *elem, void *ctx)
{
	struct coord_key *k = elem;

	(void)ctx;
	snprintf(k->id, sizeof(k->id), "%s", (const char *)sqlite3_column_text(stmt, 0));
	k->reusable = sqlite3_column_int(stmt, 1);
	k->expiry_ms = sqlite3_column_int64(stmt, 2);
	k->used = sqlite3_column_int64(stmt, 3);
	k->revoked = sqlite3_column_int(stmt, 4);
	k->created_ms = sqlite3_column_int64(stmt, 5);
	k->tags = column_strdup(stmt, 6);
	if (!k->tags)
		return burrow_store_fail(st, -ENOMEM, "out of memory");
	return 0;
}

static void key_clear(void *elem)
{
	free(((struct coord_key *)elem)->tags);
}

int coord_store_key_list(struct coord_store *cs, struct coord_key **keys, size_t *n)
{
	static const struct burrow_store_rows rows = {
		.elem_size = sizeof(struct coord_key), .what = "key list",
		.decode = key_decode, .clear = key_clear,
	};

	return burrow_store_collect(cs->st,
				    "SELECT id, reusable, expiry_ms, used, revoked, created_ms,"
				    " (SELECT coalesce(group_concat(tag, ','), '') FROM"
				    "  (SELECT tag FROM key_tags WHERE key_id = k.id ORDER BY tag))"
				    " FROM preauth_keys k ORDER BY created_ms, id",
				    BURROW_STORE_NO_ARG, &rows, NULL, (void **)keys, n);
}

void coord_store_key_list_free(struct coord_key *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		key_clear(&keys[i]);
	free(keys);
}

int coord_store_key_revoke(struct coord_store *cs, const char *id)
{
	int changes = 0, ret = begin(cs);

	if (ret < 0)
		return ret;
	ret = burrow_store_write_args(cs->st, "UPDATE preauth_keys SET revoked = 1 WHERE id = ?1",
				      "key revoke", &changes, BURROW_STORE_TEXT(id));
	if (ret == 0 && changes == 0)
		ret = burrow_store_fail(cs->st, -ENOENT, "no pre-auth key '%s'", id);
	if (ret < 0)
		return burrow_store_rollback(cs->st, ret);
	return commit(cs);
}

/* ---- nodes ------------------------------------------------------------------- */

int coord_name_check(const char *name, char *why, size_t why_size)
{
	size_t len = strlen(name);

	if (len == 0 || len > 63 || name[0] == '-' || name[len - 1] == '-')
		goto bad;
	for (size_t i = 0; i < len; i++)
		if (!(islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]) ||
		      name[i] == '-'))
			goto bad;
	return 0;
bad:
	burrow_errorf(why, why_size,
		      "invalid name '%s' (1-63 of a-z, 0-9 and '-', not starting or ending with '-')",
		      name);
	return -EINVAL;
}

/* hostname as a DNS label: lowercased, other characters as '-', trimmed; "node" when empty. */
static void sanitize_name(const char *hostname, char out[COORD_NAME_SIZE])
{
	size_t n = 0;

	for (const char *c = hostname; *c && n < COORD_NAME_SIZE - 1; c++) {
		char ch = (char)tolower((unsigned char)*c);

		if (!(islower((unsigned char)ch) || isdigit((unsigned char)ch)))
			ch = '-';
		if (ch == '-' && (n == 0 || out[n - 1] == '-'))
			continue;
		out[n++] = ch;
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	if (n == 0)
		snprintf(out, COORD_NAME_SIZE, "node");
}

static int name_taken(struct coord_store *cs, const char *name, bool *taken)
{
	int64_t v;
	int ret = query_one(cs, "SELECT 1 FROM nodes WHERE name = ?1", BURROW_STORE_TEXT(name), &v,
			    NULL, 0);

	*taken = ret == 0;
	return ret == -ENOENT ? 0 : ret;
}

/* base, or base-2, base-3, ... (base shortened to fit 63) whichever is free first. */
static int unique_name(struct coord_store *cs, const char *base, char out[COORD_NAME_SIZE])
{
	bool taken;
	int ret;

	snprintf(out, COORD_NAME_SIZE, "%s", base);
	for (unsigned int i = 2;; i++) {
		char suffix[16];
		int room;

		ret = name_taken(cs, out, &taken);
		if (ret < 0 || !taken)
			return ret;
		room = snprintf(suffix, sizeof(suffix), "-%u", i);
		room = COORD_NAME_SIZE - 1 - room;
		snprintf(out, COORD_NAME_SIZE, "%.*s%s", room, base, suffix);
	}
}

static int node_decode(struct burrow_store *st, sqlite3_stmt *stmt, void *elem, void *ctx)
{
	struct coord_node *node = elem;

	(void)ctx;
	node->id = sqlite3_column_int64(stmt, 0);
	snprintf(node->name, sizeof(node->name), "%s", (const char *)sqlite3_column_text(stmt, 1));
	if (sqlite3_column_bytes(stmt, 2) == 32)
		memcpy(node->public_key, sqlite3_column_blob(stmt, 2), 32);
	snprintf(node->ipv4, sizeof(node->ipv4), "%s", (const char *)sqlite3_column_text(stmt, 3));
	snprintf(node->ipv6, sizeof(node->ipv6), "%s", (const char *)sqlite3_column_text(stmt, 4));
	node->expiry_ms = sqlite3_column_int64(stmt, 5);
	node->created_ms = sqlite3_column_int64(stmt, 6);
	node->tags = column_strdup(stmt, 7);
	if (!node->tags)
		return burrow_store_fail(st, -ENOMEM, "out of memory");
	return 0;
}

void coord_store_node_clear(struct coord_node *node)
{
	free(node->tags);
	node->tags = NULL;
}

static void node_clear(void *elem)
{
	coord_store_node_clear(elem);
}

#define NODE_COLUMNS \
	"SELECT id, name, public_key, ipv4, ipv6, expiry_ms, created_ms," \
	" (SELECT coalesce(group_concat(tag, ','), '') FROM" \
	"  (SELECT tag FROM node_tags WHERE node_id = n.id ORDER BY tag))" \
	" FROM nodes n "

static const struct burrow_store_rows node_rows = {
	.elem_size = sizeof(struct coord_node), .what = "node list",
	.decode = node_decode, .clear = node_clear,
};

int coord_store_node_list(struct coord_store *cs, struct coord_node **nodes, size_t *n)
{
	return burrow_store_collect(cs->st, NODE_COLUMNS "ORDER BY name", BURROW_STORE_NO_ARG,
				    &node_rows, NULL, (void **)nodes, n);
}

void coord_store_node_list_free(struct coord_node *nodes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		coord_store_node_clear(&nodes[i]);
	free(nodes);
}

/* The one node of sql (NODE_COLUMNS + a WHERE on ?1); -ENOENT naming what when none. */
static int node_get(struct coord_store *cs, const char *sql, struct burrow_store_arg arg,
		    const char *what, struct coord_node *node)
{
	struct coord_node *list;
	size_t n;
	int ret = burrow_store_collect(cs->st, sql, arg, &node_rows, NULL, (void **)&list, &n);

	memset(node, 0, sizeof(*node));
	if (ret < 0)
		return ret;
	if (n == 0)
		return burrow_store_fail(cs->st, -ENOENT, "no node %s", what);
	*node = list[0];
	for (size_t i = 1; i < n; i++)
		coord_store_node_clear(&list[i]);
	free(list);
	return 0;
}

int coord_store_node_get_by_name(struct coord_store *cs, const char *name, struct coord_node *node)
{
	char what[COORD_NAME_SIZE + 16];

	snprintf(what, sizeof(what), "'%.63s'", name);
	return node_get(cs, NODE_COLUMNS "WHERE name = ?1", BURROW_STORE_TEXT(name), what, node);
}

int coord_store_node_get_by_key(struct coord_store *cs, const uint8_t public_key[32],
				struct coord_node *node)
{
	return node_get(cs, NODE_COLUMNS "WHERE public_key = ?1", BURROW_STORE_BLOB(public_key, 32),
			"with that public key", node);
}

int coord_store_node_get_by_id(struct coord_store *cs, int64_t id, struct coord_node *node)
{
	char what[32];

	snprintf(what, sizeof(what), "with id %lld", (long long)id);
	return node_get(cs, NODE_COLUMNS "WHERE id = ?1", BURROW_STORE_INT(id), what, node);
}

/* The node id of name; -ENOENT naming it. */
static int node_id_of(struct coord_store *cs, const char *name, int64_t *id)
{
	int ret = query_one(cs, "SELECT id FROM nodes WHERE name = ?1", BURROW_STORE_TEXT(name), id,
			    NULL, 0);

	if (ret == -ENOENT)
		return burrow_store_fail(cs->st, -ENOENT, "no node '%s'", name);
	return ret;
}

static int replace_routes(struct coord_store *cs, int64_t node_id,
			  const struct burrow_nl_prefix *routes, size_t n)
{
	char text[BURROW_TEXT_PREFIX_SIZE];
	int ret;

	ret = burrow_store_write_args(cs->st,
				      "CREATE TEMP TABLE IF NOT EXISTS new_routes (prefix TEXT PRIMARY KEY)",
				      "routes", NULL, BURROW_STORE_NO_ARG);
	if (ret == 0)
		ret = burrow_store_exec(cs->st, "DELETE FROM temp.new_routes");
	for (size_t i = 0; ret == 0 && i < n; i++) {
		burrow_text_prefix(&routes[i], text);
		ret = burrow_store_write_args(cs->st,
					      "INSERT OR IGNORE INTO temp.new_routes VALUES (?1)",
					      "routes", NULL, BURROW_STORE_TEXT(text));
	}
	if (ret == 0)
		ret = burrow_store_write_args(cs->st,
					      "DELETE FROM node_routes WHERE node_id = ?1 AND prefix NOT IN (SELECT prefix FROM temp.new_routes)",
					      "routes", NULL, BURROW_STORE_INT(node_id));
	if (ret == 0)
		ret = burrow_store_write_args(cs->st,
					      "INSERT OR IGNORE INTO node_routes (node_id, prefix) SELECT ?1, prefix FROM temp.new_routes",
					      "routes", NULL, BURROW_STORE_INT(node_id));
	return ret;
}

/* The key with secret, checked usable; its id in id. */
static int key_check(struct coord_store *cs, const char *secret, char id[COORD_KEY_ID_SIZE])
{
	uint8_t hash[32];
	sqlite3_stmt *stmt;
	int64_t expiry, used;
	bool reusable, revoked;
	int rc, ret;

	gnutls_hash_fast(GNUTLS_DIG_SHA256, secret, strlen(secret), hash);
	ret = burrow_store_prepare(cs->st,
				   "SELECT id, reusable, expiry_ms, used, revoked FROM preauth_keys WHERE secret_sha256 = ?1",
				   &stmt);
	if (ret < 0)
		return ret;
	sqlite3_bind_blob(stmt, 1, hash, 32, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		ret = rc == SQLITE_DONE ?
			burrow_store_fail(cs->st, -ENOENT, "unknown pre-auth key") :
			burrow_store_fail(cs->st, burrow_store_sqlite_errno(rc), "%s",
					  sqlite3_errmsg(cs->st->db));
		sqlite3_finalize(stmt);
		return ret;
	}
	snprintf(id, COORD_KEY_ID_SIZE, "%s", (const char *)sqlite3_column_text(stmt, 0));
	reusable = sqlite3_column_int(stmt, 1);
	expiry = sqlite3_column_int64(stmt, 2);
	used = sqlite3_column_int64(stmt, 3);
	revoked = sqlite3_column_int(stmt, 4);
	sqlite3_finalize(stmt);
	if (revoked)
		return burrow_store_fail(cs->st, -EACCES, "pre-auth key '%s' is revoked", id);
	if (expiry && expiry <= burrow_store_now_ms())
		return burrow_store_fail(cs->st, -EACCES, "pre-auth key '%s' has expired", id);
	if (!reusable && used > 0)
		return burrow_store_fail(cs->st, -EACCES,
					 "pre-auth key '%s' is single-use and already used", id);
	return 0;
}

/* Addresses for a new node: the lowest free offset in the range and its two addresses. */
static int allocate_addresses(struct coord_store *cs, int64_t *offset, char ipv4[COORD_ADDR_SIZE],
			      char ipv6[COORD_ADDR_SIZE])
{
	char ula_text[COORD_ADDR_SIZE + 4], range_text[COORD_ADDR_SIZE + 4];
	struct burrow_nl_prefix ula, range;
	union burrow_nl_addr a4 = { 0 }, a6;
	int64_t count, highest;
	uint64_t size;
	int ret;

	ret = coord_store_ranges(cs, ula_text, range_text);
	if (ret < 0)
		return ret;
	if (burrow_text_parse_prefix(ula_text, BURROW_TEXT_PREFIX_LEN_REQUIRED, &ula, cs->st->err,
				     sizeof(cs->st->err)) < 0 ||
	    burrow_text_parse_prefix(range_text, BURROW_TEXT_PREFIX_LEN_REQUIRED, &range,
				     cs->st->err, sizeof(cs->st->err)) < 0)
		return -EINVAL;
	size = (uint64_t)1 << (32 - range.len);
	/*
	 * Offsets are distinct and start at 1, so they are exactly 1..count
	 * (no hole) when the largest equals the count: then the lowest free
	 * is the next one, from two cheap reads (count(*) of a table counts
	 * its b-tree pages; max() of the unique index reads its last entry).
	 * Only after removals left a hole does the scan for the lowest one
	 * run; it builds an index of every offset, which at 50,000 nodes
	 * cost more than the rest of a registration.
	 */
	ret = query_one(cs, "SELECT count(*) FROM nodes", BURROW_STORE_NO_ARG, &count, NULL, 0);
	if (ret == 0)
		ret = query_one(cs, "SELECT coalesce(max(ipv4_offset), 0) FROM nodes",
				BURROW_STORE_NO_ARG, &highest, NULL, 0);
	if (ret == 0 && highest == count)
		*offset = highest + 1;
	else if (ret == 0)
		ret = query_one(cs,
				"SELECT min(o + 1) FROM (SELECT 0 AS o UNION ALL SELECT ipv4_offset FROM nodes)"
				" WHERE o + 1 NOT IN (SELECT ipv4_offset FROM nodes)",
				BURROW_STORE_NO_ARG, offset, NULL, 0);
	if (ret < 0)
		return ret;
	if ((uint64_t)*offset >= size - 1)
		return burrow_store_fail(cs->st, -ENOSPC, "IPv4 range %s is full", range_text);
	a4.v4.s_addr = htonl(ntohl(range.addr.v4.s_addr) + (uint32_t)*offset);
	burrow_text_addr(AF_INET, &a4, ipv4);
	a6 = ula.addr;
	for (int i = 0; i < 8; i++)
		a6.bytes[15 - i] = (uint8_t)((uint64_t)*offset >> (8 * i));
	burrow_text_addr(AF_INET6, &a6, ipv6);
	return 0;
}

int coord_store_register(struct coord_store *cs, const char *secret, const uint8_t public_key[32],
			 const char *hostname, const struct burrow_nl_prefix *routes,
			 size_t n_routes, struct coord_node *node)
{
	char key_id[COORD_KEY_ID_SIZE], name[COORD_NAME_SIZE], base[COORD_NAME_SIZE];
	char ipv4[COORD_ADDR_SIZE], ipv6[COORD_ADDR_SIZE];
	int64_t node_id, offset;
	int ret;

	memset(node, 0, sizeof(*node));
	ret = begin(cs);
	if (ret < 0)
		return ret;
	ret = key_check(cs, secret, key_id);
	if (ret < 0)
		goto fail;
	ret = query_one(cs, "SELECT id FROM nodes WHERE public_key = ?1",
			BURROW_STORE_BLOB(public_key, 32), &node_id, NULL, 0);
	if (ret == 0) {
		/* re-registration: same name and addresses, not expired any more */
		ret = burrow_store_write_args(cs->st,
					      "UPDATE nodes SET expiry_ms = 0, key_id = ?2 WHERE id = ?1",
					      "register", NULL, BURROW_STORE_INT(node_id),
					      BURROW_STORE_TEXT(key_id));
	} else if (ret == -ENOENT) {
		sanitize_name(hostname, base);
		ret = unique_name(cs, base, name);
		if (ret == 0)
			ret = allocate_addresses(cs, &offset, ipv4, ipv6);
		if (ret == 0)
			ret = burrow_store_write_args(cs->st,
						      "INSERT INTO nodes (name, public_key, ipv4_offset, ipv4, ipv6, key_id, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
						      "register", NULL, BURROW_STORE_TEXT(name),
						      BURROW_STORE_BLOB(public_key, 32),
						      BURROW_STORE_INT(offset),
						      BURROW_STORE_TEXT(ipv4),
						      BURROW_STORE_TEXT(ipv6),
						      BURROW_STORE_TEXT(key_id),
						      BURROW_STORE_INT(burrow_store_now_ms()));
		node_id = sqlite3_last_insert_rowid(cs->st->db);
		if (ret == 0)
			ret = burrow_store_write_args(cs->st,
						      "INSERT OR IGNORE INTO node_tags (node_id, tag) SELECT ?1, tag FROM key_tags WHERE key_id = ?2",
						      "register", NULL, BURROW_STORE_INT(node_id),
						      BURROW_STORE_TEXT(key_id));
	}
	if (ret == 0)
		ret = replace_routes(cs, node_id, routes, n_routes);
	if (ret == 0)
		ret = log_change(cs, node_id, COORD_CHANGE_REGISTER);
	if (ret == 0)
		ret = burrow_store_write_args(cs->st,
					      "UPDATE preauth_keys SET used = used + 1 WHERE id = ?1",
					      "register", NULL, BURROW_STORE_TEXT(key_id));
	if (ret < 0)
		goto fail;
	ret = commit(cs);
	if (ret < 0)
		return ret;
	return coord_store_node_get_by_id(cs, node_id, node);
fail:
	return burrow_store_rollback(cs->st, ret);
}

/* One UPDATE/DELETE on the node named name, in its own transaction. */
static int node_write(struct coord_store *cs, const char *name, const char *sql,
		      struct burrow_store_arg arg2, enum coord_change_kind kind)
{
	int64_t id;
	int ret = begin(cs);

	if (ret < 0)
		return ret;
	ret = node_id_of(cs, name, &id);
	if (ret == 0)
		ret = burrow_store_write_args(cs->st, sql, name, NULL, BURROW_STORE_INT(id), arg2);
	return finish_node_write(cs, ret, id, kind);
}

int coord_store_node_rename(struct coord_store *cs, const char *old_name, const char *new_name)
{
	bool taken;
	int ret;

	if (coord_name_check(new_name, cs->st->err, sizeof(cs->st->err)) < 0)
		return -EINVAL;
	ret = name_taken(cs, new_name, &taken);
	if (ret < 0)
		return ret;
	if (taken && strcmp(old_name, new_name))
		return burrow_store_fail(cs->st, -EEXIST, "name '%s' is taken", new_name);
	return node_write(cs, old_name, "UPDATE nodes SET name = ?2 WHERE id = ?1",
			  BURROW_STORE_TEXT(new_name), COORD_CHANGE_RENAME);
}

int coord_store_node_expire(struct coord_store *cs, const char *name)
{
	return node_write(cs, name, "UPDATE nodes SET expiry_ms = ?2 WHERE id = ?1",
			  BURROW_STORE_INT(burrow_store_now_ms()), COORD_CHANGE_EXPIRE);
}

int coord_store_node_remove(struct coord_store *cs, const char *name)
{
	return node_write(cs, name, "DELETE FROM nodes WHERE id = ?1",
			  BURROW_STORE_NO_ARG, COORD_CHANGE_REMOVE);
}

int coord_store_node_set_endpoints(struct coord_store *cs, int64_t node_id,
				   const char *const *endpoints, size_t n)
{
	int ret = begin(cs);

	if (ret < 0)
		return ret;
	ret = burrow_store_write_args(cs->st, "DELETE FROM node_endpoints WHERE node_id = ?1",
				      "endpoints", NULL, BURROW_STORE_INT(node_id));
	for (size_t i = 0; ret == 0 && i < n; i++)
		ret = burrow_store_write_args(cs->st,
					      "INSERT OR IGNORE INTO node_endpoints (node_id, endpoint, position) VALUES (?1, ?2, ?3)",
					      "endpoints", NULL, BURROW_STORE_INT(node_id),
					      BURROW_STORE_TEXT(endpoints[i]),
					      BURROW_STORE_INT((int64_t)i));
	return finish_node_write(cs, ret, node_id, COORD_CHANGE_ENDPOINTS);
}

static int endpoint_decode(struct burrow_store *st, sqlite3_stmt *stmt, void *elem, void *ctx)
{
	struct coord_endpoint *e = elem;

	(void)st;
	(void)ctx;
	snprintf(e->text, sizeof(e->text), "%s", (const char *)sqlite3_column_text(stmt, 0));
	return 0;
}

int coord_store_node_endpoints(struct coord_store *cs, int64_t node_id,
			       struct coord_endpoint **endpoints, size_t *n)
{
	static const struct burrow_store_rows rows = {
		.elem_size = sizeof(struct coord_endpoint), .what = "endpoints",
		.decode = endpoint_decode,
	};

	return burrow_store_collect(cs->st,
				    "SELECT endpoint FROM node_endpoints WHERE node_id = ?1 ORDER BY position",
				    BURROW_STORE_INT(node_id), &rows, NULL, (void **)endpoints, n);
}

int coord_store_node_set_routes(struct coord_store *cs, int64_t node_id,
				const struct burrow_nl_prefix *routes, size_t n)
{
	int ret = begin(cs);

	if (ret < 0)
		return ret;
	ret = replace_routes(cs, node_id, routes, n);
	return finish_node_write(cs, ret, node_id, COORD_CHANGE_ROUTES);
}

int coord_store_route_approve(struct coord_store *cs, const char *name,
			      const struct burrow_nl_prefix *routes, size_t n)
{
	char text[BURROW_TEXT_PREFIX_SIZE];
	int64_t id;
	int changes, ret = begin(cs);

	if (ret < 0)
		return ret;
	ret = node_id_of(cs, name, &id);
	for (size_t i = 0; ret == 0 && i < n; i++) {
		burrow_text_prefix(&routes[i], text);
		ret = burrow_store_write_args(cs->st,
					      "UPDATE node_routes SET approved = 1 WHERE node_id = ?1 AND prefix = ?2",
					      "approve", &changes, BURROW_STORE_INT(id),
					      BURROW_STORE_TEXT(text));
		if (ret == 0 && changes == 0)
			ret = burrow_store_fail(cs->st, -EINVAL,
						"node '%s' does not advertise route '%s'", name, text);
	}
	return finish_node_write(cs, ret, id, COORD_CHANGE_APPROVE);
}

static int route_decode(struct burrow_store *st, sqlite3_stmt *stmt, void *elem, void *ctx)
{
	struct coord_route *r = elem;

	(void)st;
	(void)ctx;
	r->node_id = sqlite3_column_int64(stmt, 0);
	snprintf(r->node, sizeof(r->node), "%s", (const char *)sqlite3_column_text(stmt, 1));
	snprintf(r->prefix, sizeof(r->prefix), "%s", (const char *)sqlite3_column_text(stmt, 2));
	r->approved = sqlite3_column_int(stmt, 3);
	return 0;
}

int coord_store_node_route_list(struct coord_store *cs, int64_t node_id,
				struct coord_route **routes, size_t *n)
{
	static const struct burrow_store_rows rows = {
		.elem_size = sizeof(struct coord_route), .what = "route list",
		.decode = route_decode,
	};

	return burrow_store_collect(cs->st,
				    "SELECT n.id, n.name, r.prefix, r.approved FROM node_routes r"
				    " JOIN nodes n ON n.id = r.node_id WHERE r.node_id = ?1 ORDER BY r.prefix",
				    BURROW_STORE_INT(node_id), &rows, NULL, (void **)routes, n);
}

int coord_store_route_list(struct coord_store *cs, struct coord_route **routes, size_t *n)
{
	static const struct burrow_store_rows rows = {
		.elem_size = sizeof(struct coord_route), .what = "route list",
		.decode = route_decode,
	};

	return burrow_store_collect(cs->st,
				    "SELECT n.id, n.name, r.prefix, r.approved FROM node_routes r"
				    " JOIN nodes n ON n.id = r.node_id ORDER BY n.name, r.prefix",
				    BURROW_STORE_NO_ARG, &rows, NULL, (void **)routes, n);
}

/* ---- change log ------------------------------------------------------------- */

static int change_decode(struct burrow_store *st, sqlite3_stmt *stmt, void *elem, void *ctx)
{
	struct coord_change *c = elem;

	(void)st;
	(void)ctx;
	c->generation = sqlite3_column_int64(stmt, 0);
	c->node_id = sqlite3_column_int64(stmt, 1);
	c->kind = (enum coord_change_kind)sqlite3_column_int(stmt, 2);
	return 0;
}

int coord_store_changes_since(struct coord_store *cs, int64_t generation,
			      struct coord_change **changes, size_t *n, int64_t *new_generation)
{
	static const struct burrow_store_rows rows = {
		.elem_size = sizeof(struct coord_change), .what = "change log",
		.decode = change_decode,
	};
	int64_t pruned_through = 0;
	int ret;

	*changes = NULL;
	*n = 0;
	*new_generation = generation;
	ret = query_one(cs,
			"SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'changes_pruned_through'",
			BURROW_STORE_NO_ARG, &pruned_through, NULL, 0);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	if (generation < pruned_through)
		return burrow_store_fail(cs->st, -ESTALE,
					 "changes after generation %lld are pruned (through %lld)",
					 (long long)generation, (long long)pruned_through);
	ret = burrow_store_collect(cs->st,
				   "SELECT generation, node_id, kind FROM changes WHERE generation > ?1"
				   " ORDER BY generation, node_id, kind",
				   BURROW_STORE_INT(generation), &rows, NULL, (void **)changes, n);
	if (ret < 0)
		return ret;
	if (*n > 0)
		*new_generation = (*changes)[*n - 1].generation;
	return 0;
}

int coord_store_nodes_expiring(struct coord_store *cs, int64_t after_ms, int64_t until_ms,
			       int64_t **ids, size_t *n)
{
	sqlite3_stmt *stmt;
	size_t cap = 0;
	int rc, ret;

	*ids = NULL;
	*n = 0;
	/* nodes_expiry index: only the nodes in the window are read */
	ret = burrow_store_prepare(cs->st,
				   "SELECT id FROM nodes WHERE expiry_ms > ?1 AND expiry_ms <= ?2 ORDER BY id",
				   &stmt);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(stmt, 1, after_ms);
	sqlite3_bind_int64(stmt, 2, until_ms);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (*n == cap) {
			int64_t *grown;

			cap = cap ? 2 * cap : 8;
			grown = reallocarray(*ids, cap, sizeof(**ids));
			if (!grown) {
				ret = burrow_store_fail(cs->st, -ENOMEM, "out of memory");
				break;
			}
			*ids = grown;
		}
		(*ids)[(*n)++] = sqlite3_column_int64(stmt, 0);
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = burrow_store_fail(cs->st, burrow_store_sqlite_errno(rc), "expiring nodes: %s",
					sqlite3_errmsg(cs->st->db));
	sqlite3_finalize(stmt);
	if (ret < 0) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return ret;
}

/* ---- relay tickets -------------------------------------------------------------- */

/* In a write transaction: -EEXIST when either ticket table holds id. */
static int ticket_id_free(struct coord_store *cs, uint32_t id)
{
	int64_t found;
	int ret = query_one(cs, "SELECT id FROM relay_tickets WHERE id = ?1"
			    " UNION ALL SELECT id FROM control_tickets WHERE id = ?1",
			    BURROW_STORE_INT(id), &found, NULL, 0);

	if (ret == -ENOENT)
		return 0;
	if (ret == 0)
		return burrow_store_fail(cs->st, -EEXIST, "relay ticket id %u is taken",
					 (unsigned)id);
	return ret;
}

int coord_store_relay_ticket_add(struct coord_store *cs, uint32_t id, int64_t relay_id,
				 int64_t a_id, int64_t b_id, uint64_t expiry)
{
	int ret = begin(cs);

	if (ret < 0)
		return ret;
	ret = ticket_id_free(cs, id);
	if (ret == 0)
		ret = burrow_store_write_args(cs->st,
					      "INSERT INTO relay_tickets (id, relay_id, a_id, b_id, expiry,"
					      " created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
					      "relay ticket", NULL, BURROW_STORE_INT(id),
					      BURROW_STORE_INT(relay_id), BURROW_STORE_INT(a_id),
					      BURROW_STORE_INT(b_id), BURROW_STORE_INT((int64_t)expiry),
					      BURROW_STORE_INT(burrow_store_now_ms()));
	if (ret < 0)
		return burrow_store_rollback(cs->st, ret);
	return commit(cs);
}

static int relay_ticket_decode(struct burrow_store *st, sqlite3_stmt *stmt, void *elem, void *ctx)
{
	struct coord_relay_ticket *t = elem;

	(void)st;
	(void)ctx;
	t->id = (uint32_t)sqlite3_column_int64(stmt, 0);
	snprintf(t->relay, sizeof(t->relay), "%s", (const char *)sqlite3_column_text(stmt, 1));
	snprintf(t->a, sizeof(t->a), "%s", (const char *)sqlite3_column_text(stmt, 2));
	snprintf(t->b, sizeof(t->b), "%s", (const char *)sqlite3_column_text(stmt, 3));
	t->expiry = (uint64_t)sqlite3_column_int64(stmt, 4);
	t->revoked = sqlite3_column_int(stmt, 5);
	t->created_ms = sqlite3_column_int64(stmt, 6);
	return 0;
}

#define RELAY_TICKET_SELECT \
	"SELECT t.id, r.name, a.name, b.name, t.expiry, t.revoked, t.created_ms" \
	" FROM relay_tickets t JOIN nodes r ON r.id = t.relay_id" \
	" JOIN nodes a ON a.id = t.a_id JOIN nodes b ON b.id = t.b_id"

static const struct burrow_store_rows relay_ticket_rows = {
	.elem_size = sizeof(struct coord_relay_ticket), .what = "relay ticket list",
	.decode = relay_ticket_decode, .clear = NULL,
};

int coord_store_relay_ticket_list(struct coord_store *cs, struct coord_relay_ticket **tickets,
				  size_t *n)
{
	return burrow_store_collect(cs->st, RELAY_TICKET_SELECT " ORDER BY t.created_ms, t.id",
				    BURROW_STORE_NO_ARG, &relay_ticket_rows, NULL,
				    (void **)tickets, n);
}

int coord_store_relay_ticket_get(struct coord_store *cs, uint32_t id, struct coord_relay_ticket *t)
{
	struct coord_relay_ticket *found = NULL;
	size_t n = 0;
	int ret = burrow_store_collect(cs->st, RELAY_TICKET_SELECT " WHERE t.id = ?1",
				       BURROW_STORE_INT(id), &relay_ticket_rows, NULL,
				       (void **)&found, &n);

	if (ret < 0)
		return ret;
	if (!n)
		return burrow_store_fail(cs->st, -ENOENT, "no relay ticket %u", (unsigned)id);
	*t = found[0];
	free(found);
	return 0;
}

int coord_store_relay_ticket_revoke(struct coord_store *cs, uint32_t id)
{
	int changes = 0, ret = begin(cs);

	if (ret < 0)
		return ret;
	int64_t relay_id = 0;

	const char *table = "relay_tickets";

	ret = burrow_store_write_args(cs->st, "UPDATE relay_tickets SET revoked = 1 WHERE id = ?1",
				      "relay ticket revoke", &changes, BURROW_STORE_INT(id));
	if (ret == 0 && changes == 0) {
		/* A control ticket is revoked the same way: its relay is told. */
		table = "control_tickets";
		ret = burrow_store_write_args(cs->st,
					      "UPDATE control_tickets SET revoked = 1 WHERE id = ?1",
					      "relay ticket revoke", &changes, BURROW_STORE_INT(id));
	}
	if (ret == 0 && changes == 0)
		ret = burrow_store_fail(cs->st, -ENOENT, "no relay ticket %u", (unsigned)id);
	if (ret == 0) {
		char sql[80];

		snprintf(sql, sizeof(sql), "SELECT relay_id FROM %s WHERE id = ?1", table);
		ret = query_one(cs, sql, BURROW_STORE_INT(id), &relay_id, NULL, 0);
	}
	if (ret < 0)
		return burrow_store_rollback(cs->st, ret);
	return finish_node_write(cs, 0, relay_id, COORD_CHANGE_RELAY_REVOKE);
}

static int revoked_id_decode(struct burrow_store *st, sqlite3_stmt *stmt, void *elem, void *ctx)
{
	(void)st;
	(void)ctx;
	*(uint32_t *)elem = (uint32_t)sqlite3_column_int64(stmt, 0);
	return 0;
}

int coord_store_relay_revoked(struct coord_store *cs, int64_t relay_node_id, uint64_t now,
			      uint32_t **ids, size_t *n)
{
	static const struct burrow_store_rows rows = {
		.elem_size = sizeof(uint32_t), .what = "revoked relay tickets",
		.decode = revoked_id_decode, .clear = NULL,
	};
	char sql[320];

	/* now is a plain number: the one bound argument is the relay. */
	snprintf(sql, sizeof(sql),
		 "SELECT id FROM relay_tickets WHERE relay_id = ?1 AND revoked = 1"
		 " AND expiry > %llu UNION ALL"
		 " SELECT id FROM control_tickets WHERE relay_id = ?1 AND revoked = 1"
		 " AND expiry > %llu ORDER BY id", (unsigned long long)now,
		 (unsigned long long)now);
	return burrow_store_collect(cs->st, sql, BURROW_STORE_INT(relay_node_id), &rows, NULL,
				    (void **)ids, n);
}

/* ---- control tickets ------------------------------------------------------------ */

int coord_store_control_ticket_add(struct coord_store *cs, uint32_t id, int64_t relay_id,
				   const uint8_t node_key[32], uint64_t issued, uint64_t expiry,
				   const uint8_t ticket[COORD_CONTROL_TICKET_LEN], uint32_t renews)
{
	int64_t renewed_by = 0, revoked = 0;
	int ret = begin(cs);

	if (ret < 0)
		return ret;
	ret = ticket_id_free(cs, id);
	if (ret == 0 && renews) {
		/* Renewed once only, and never a revoked one. */
		ret = query_one(cs, "SELECT renewed_by FROM control_tickets WHERE id = ?1",
				BURROW_STORE_INT(renews), &renewed_by, NULL, 0);
		if (ret == 0)
			ret = query_one(cs, "SELECT revoked FROM control_tickets WHERE id = ?1",
					BURROW_STORE_INT(renews), &revoked, NULL, 0);
		if (ret == -ENOENT)
			ret = burrow_store_fail(cs->st, -ENOENT, "no control ticket %u to renew",
						(unsigned)renews);
		else if (ret == 0 && revoked)
			ret = burrow_store_fail(cs->st, -EACCES, "control ticket %u is revoked",
						(unsigned)renews);
		else if (ret == 0 && renewed_by)
			ret = burrow_store_fail(cs->st, -EALREADY,
						"control ticket %u was already renewed by %u",
						(unsigned)renews, (unsigned)renewed_by);
	}
	if (ret == 0)
		ret = burrow_store_write_args(cs->st,
					      "INSERT INTO control_tickets (id, relay_id, node_key, expiry,"
					      " ticket, created_ms, issued) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
					      "control ticket", NULL, BURROW_STORE_INT(id),
					      BURROW_STORE_INT(relay_id), BURROW_STORE_BLOB(node_key, 32),
					      BURROW_STORE_INT((int64_t)expiry),
					      BURROW_STORE_BLOB(ticket, COORD_CONTROL_TICKET_LEN),
					      BURROW_STORE_INT(burrow_store_now_ms()),
					      BURROW_STORE_INT((int64_t)issued));
	if (ret == 0 && renews)
		ret = burrow_store_write_args(cs->st,
					      "UPDATE control_tickets SET renewed_by = ?1 WHERE id = ?2",
					      "control ticket", NULL, BURROW_STORE_INT(id),
					      BURROW_STORE_INT(renews));
	/* The running server reads this and sends the relay RELAY_BIND. */
	return finish_node_write(cs, ret, relay_id, COORD_CHANGE_RELAY_BIND);
}

static int control_ticket_decode(struct burrow_store *st, sqlite3_stmt *stmt, void *elem,
				 void *ctx)
{
	struct coord_control_ticket *t = elem;
	const void *key = sqlite3_column_blob(stmt, 3), *ticket = sqlite3_column_blob(stmt, 6);

	(void)ctx;
	if (sqlite3_column_bytes(stmt, 3) != 32 ||
	    sqlite3_column_bytes(stmt, 6) != COORD_CONTROL_TICKET_LEN)
		return burrow_store_fail(st, -EIO, "control ticket %lld: bad key or ticket length",
					 (long long)sqlite3_column_int64(stmt, 0));
	t->id = (uint32_t)sqlite3_column_int64(stmt, 0);
	t->relay_id = sqlite3_column_int64(stmt, 1);
	snprintf(t->relay, sizeof(t->relay), "%s", (const char *)sqlite3_column_text(stmt, 2));
	memcpy(t->node_key, key, 32);
	if (sqlite3_column_type(stmt, 4) == SQLITE_NULL)
		t->node[0] = '\0';
	else
		snprintf(t->node, sizeof(t->node), "%s", (const char *)sqlite3_column_text(stmt, 4));
	t->expiry = (uint64_t)sqlite3_column_int64(stmt, 5);
	memcpy(t->ticket, ticket, COORD_CONTROL_TICKET_LEN);
	t->revoked = sqlite3_column_int(stmt, 7);
	t->created_ms = sqlite3_column_int64(stmt, 8);
	t->issued = (uint64_t)sqlite3_column_int64(stmt, 9);
	if (!t->issued)
		t->issued = (uint64_t)(t->created_ms / 1000);	/* issued before v5 */
	t->renewed_by = (uint32_t)sqlite3_column_int64(stmt, 10);
	return 0;
}

#define CONTROL_TICKET_SELECT \
	"SELECT t.id, t.relay_id, r.name, t.node_key, n.name, t.expiry, t.ticket, t.revoked," \
	" t.created_ms, t.issued, t.renewed_by" \
	" FROM control_tickets t JOIN nodes r ON r.id = t.relay_id" \
	" LEFT JOIN nodes n ON n.public_key = t.node_key"

static const struct burrow_store_rows control_ticket_rows = {
	.elem_size = sizeof(struct coord_control_ticket), .what = "control ticket list",
	.decode = control_ticket_decode, .clear = NULL,
};

int coord_store_control_ticket_list(struct coord_store *cs,
				    struct coord_control_ticket **tickets, size_t *n)
{
	return burrow_store_collect(cs->st, CONTROL_TICKET_SELECT " ORDER BY t.created_ms, t.id",
				    BURROW_STORE_NO_ARG, &control_ticket_rows, NULL,
				    (void **)tickets, n);
}

int coord_store_control_ticket_get(struct coord_store *cs, uint32_t id,
				   struct coord_control_ticket *t)
{
	struct coord_control_ticket *found = NULL;
	size_t n = 0;
	int ret = burrow_store_collect(cs->st, CONTROL_TICKET_SELECT " WHERE t.id = ?1",
				       BURROW_STORE_INT(id), &control_ticket_rows, NULL,
				       (void **)&found, &n);

	if (ret == 0 && n == 0)
		ret = burrow_store_fail(cs->st, -ENOENT, "no control ticket %u", (unsigned)id);
	if (ret == 0)
		*t = found[0];
	free(found);
	return ret;
}

int coord_store_control_tickets_live(struct coord_store *cs, int64_t relay_node_id, uint64_t now,
				     struct coord_control_ticket **tickets, size_t *n)
{
	char sql[512];

	/* now is a plain number: the one bound argument is the relay. */
	snprintf(sql, sizeof(sql), CONTROL_TICKET_SELECT
		 " WHERE t.relay_id = ?1 AND t.revoked = 0 AND t.expiry > %llu ORDER BY t.id",
		 (unsigned long long)now);
	return burrow_store_collect(cs->st, sql, BURROW_STORE_INT(relay_node_id),
				    &control_ticket_rows, NULL, (void **)tickets, n);
}

/* ---- relay capability ------------------------------------------------------- */

int coord_store_node_set_relay(struct coord_store *cs, int64_t node_id, const char *endpoint)
{
	char key[32], old[COORD_ADDR_SIZE + 8];
	int ret;

	snprintf(key, sizeof(key), "relay:%lld", (long long)node_id);
	ret = query_one(cs, "SELECT value FROM meta WHERE key = ?1", BURROW_STORE_TEXT(key), NULL,
			old, sizeof(old));
	if (ret < 0 && ret != -ENOENT)
		return ret;
	/* Most registrations change nothing here: no write then. */
	if ((ret == -ENOENT && !endpoint) || (ret == 0 && endpoint && !strcmp(old, endpoint)))
		return 0;
	ret = begin(cs);
	if (ret < 0)
		return ret;
	if (endpoint)
		ret = burrow_store_write_args(cs->st,
					      "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
					      "relay", NULL, BURROW_STORE_TEXT(key),
					      BURROW_STORE_TEXT(endpoint));
	else
		ret = burrow_store_write_args(cs->st, "DELETE FROM meta WHERE key = ?1", "relay",
					      NULL, BURROW_STORE_TEXT(key));
	if (ret < 0)
		return burrow_store_rollback(cs->st, ret);
	return commit(cs);
}

int coord_store_node_relay(struct coord_store *cs, int64_t node_id,
			   char endpoint[COORD_ADDR_SIZE + 8])
{
	char key[32];

	snprintf(key, sizeof(key), "relay:%lld", (long long)node_id);
	return query_one(cs, "SELECT value FROM meta WHERE key = ?1", BURROW_STORE_TEXT(key), NULL,
			 endpoint, COORD_ADDR_SIZE + 8);
}
