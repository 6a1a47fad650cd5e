// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd store: nodes, sessions and the event log. Every function is one
 * statement or one explicit transaction on the single connection; see
 * store.c for the connection rules and the schema's migrations.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "config.h"
#include "store.h"
#include "store_internal.h"

/* ---- nodes ------------------------------------------------------------------ */

static char *dup_column(sqlite3_stmt *stmt, int col)
{
	const unsigned char *text = sqlite3_column_text(stmt, col);

	return text ? strdup((const char *)text) : NULL;
}

void burrow_store_node_clear(struct burrow_node *node)
{
	if (!node)
		return;
	free(node->name);
	free(node->endpoint);
	free(node->allowed_prefixes);
	memset(node, 0, sizeof(*node));
}

void burrow_store_nodes_free(struct burrow_node *nodes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		burrow_store_node_clear(&nodes[i]);
	free(nodes);
}

#define NODE_COLUMNS "id, public_key, name, endpoint, created_ms, updated_ms"

/* One node_prefixes row: its prefix text. */
static int prefix_decode(struct burrow_store *st, sqlite3_stmt *stmt, void *elem, void *ctx)
{
	char **prefix = elem;

	(void)ctx;
	*prefix = dup_column(stmt, 0);
	return *prefix ? 0 : burrow_store_fail(st, -ENOMEM, "out of memory");
}

static void prefix_clear(void *elem)
{
	free(*(char **)elem);
}

static const struct burrow_store_rows prefix_rows = {
	.elem_size = sizeof(char *),
	.what = "allowed prefixes",
	.decode = prefix_decode,
	.clear = prefix_clear,
};

/* The node's prefix rows in order, joined with "," into a new string ("" for none). */
static int node_prefixes_read(struct burrow_store *st, int64_t node_id, char **joined)
{
	void *items;
	char **prefixes, *out;
	size_t n, len = 1;
	int ret;

	ret = burrow_store_collect(st,
		"SELECT prefix FROM node_prefixes WHERE node_id = ?1 ORDER BY position, prefix",
		BURROW_STORE_INT(node_id), &prefix_rows, NULL, &items, &n);
	if (ret < 0)
		return ret;
	prefixes = items;
	for (size_t i = 0; i < n; i++)
		len += strlen(prefixes[i]) + 1;
	out = malloc(len);
	if (out) {
		char *p = out;

		*p = '\0';
		for (size_t i = 0; i < n; i++) {
			if (i)
				*p++ = ',';
			p = stpcpy(p, prefixes[i]);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(prefixes[i]);
	free(prefixes);
	if (!out)
		return burrow_store_fail(st, -ENOMEM, "out of memory");
	*joined = out;
	return 0;
}

static int node_from_row(struct burrow_store *st, sqlite3_stmt *stmt, struct burrow_node *node)
{
	const void *key = sqlite3_column_blob(stmt, 1);

	memset(node, 0, sizeof(*node));
	node->id = sqlite3_column_int64(stmt, 0);
	if (!key || sqlite3_column_bytes(stmt, 1) != 32)
		return burrow_store_fail(st, -EIO, "node %lld has a malformed public key",
					 (long long)node->id);
	memcpy(node->public_key, key, 32);
	node->name = dup_column(stmt, 2);
	node->endpoint = dup_column(stmt, 3);
	node->created_ms = sqlite3_column_int64(stmt, 4);
	node->updated_ms = sqlite3_column_int64(stmt, 5);
	if (!node->name || (!node->endpoint && sqlite3_column_type(stmt, 3) != SQLITE_NULL)) {
		burrow_store_node_clear(node);
		return burrow_store_fail(st, -ENOMEM, "out of memory");
	}
	return 0;
}

/* node_from_row, then the node's prefixes (a second statement, run while stmt is on this row). */
static int node_decode(struct burrow_store *st, sqlite3_stmt *stmt, void *elem, void *ctx)
{
	struct burrow_node *node = elem;
	int ret;

	(void)ctx;
	ret = node_from_row(st, stmt, node);
	if (ret < 0)
		return ret;
	return node_prefixes_read(st, node->id, &node->allowed_prefixes);
}

static void node_clear(void *elem)
{
	burrow_store_node_clear(elem);
}

static const struct burrow_store_rows node_rows = {
	.elem_size = sizeof(struct burrow_node),
	.what = NULL,
	.decode = node_decode,
	.clear = node_clear,
};

/*
 * The next entry of node name's comma-separated prefix list at *p, without
 * the spaces around it, into one; empty entries are skipped. 1 with one
 * set, 0 at the end, -EINVAL naming an entry too long to be a prefix.
 */
static int prefix_list_next(struct burrow_store *st, const char *name, const char **p, char *one,
			    size_t size)
{
	for (;;) {
		const char *start = *p;
		size_t len = strcspn(start, ",");

		if (!*start)
			return 0;
		*p = start + len + (start[len] == ',');
		while (len && *start == ' ')
			start++, len--;
		while (len && start[len - 1] == ' ')
			len--;
		if (!len)
			continue;
		if (len >= size)
			return burrow_store_fail(st, -EINVAL,
						 "node '%s': allowed prefix '%.60s...' is too long",
						 name, start);
		memcpy(one, start, len);
		one[len] = '\0';
		return 1;
	}
}

/* Replace the node's prefix rows with the entries of list, in their order; inside a transaction. */
static int node_prefixes_write(struct burrow_store *st, int64_t node_id, const char *name,
			       const char *list)
{
	sqlite3_stmt *del = NULL, *ins = NULL;
	const char *p = list;
	char one[128];
	int position = 0, rc, ret;

	ret = burrow_store_prepare(st, "DELETE FROM node_prefixes WHERE node_id = ?1", &del);
	if (ret < 0)
		goto out;
	/* OR IGNORE: a prefix listed twice is stored once, at its first position. */
	ret = burrow_store_prepare(st,
		"INSERT OR IGNORE INTO node_prefixes (node_id, prefix, position) VALUES (?1, ?2, ?3)",
		&ins);
	if (ret < 0)
		goto out;
	sqlite3_bind_int64(del, 1, node_id);
	rc = sqlite3_step(del);
	if (rc != SQLITE_DONE) {
		ret = burrow_store_fail(st, burrow_store_sqlite_errno(rc), "saving node '%s': %s",
					name, sqlite3_errmsg(st->db));
		goto out;
	}
	while ((ret = prefix_list_next(st, name, &p, one, sizeof(one))) > 0) {
		struct burrow_nl_prefix prefix;
		char why[200];

		if (burrow_prefix_parse(one, &prefix, why, sizeof(why)) < 0) {
			ret = burrow_store_fail(st, -EINVAL, "node '%s': malformed allowed prefix: %s",
						name, why);
			goto out;
		}
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, node_id);
		sqlite3_bind_text(ins, 2, one, -1, SQLITE_STATIC);
		sqlite3_bind_int(ins, 3, position++);
		rc = sqlite3_step(ins);
		if (rc != SQLITE_DONE) {
			ret = burrow_store_fail(st, burrow_store_sqlite_errno(rc),
						"saving node '%s' prefix '%s': %s", name, one,
						sqlite3_errmsg(st->db));
			goto out;
		}
	}
out:
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	return ret;
}

static int node_id_of(struct burrow_store *st, const uint8_t key[32], int64_t *id);

int burrow_store_node_upsert(struct burrow_store *st, const struct burrow_node *node)
{
	sqlite3_stmt *stmt;
	int64_t now = burrow_store_now_ms(), id;
	int rc, ret;

	if (!node->name || !node->name[0])
		return burrow_store_fail(st, -EINVAL, "node without a name");
	/* The node row and its prefix rows change together or not at all. */
	ret = burrow_store_exec(st, "BEGIN IMMEDIATE");
	if (ret < 0)
		return ret;
	ret = burrow_store_prepare(st,
		"INSERT INTO nodes (public_key, name, endpoint, created_ms, updated_ms)"
		" VALUES (?1, ?2, ?3, ?4, ?4)"
		" ON CONFLICT (public_key) DO UPDATE SET name = excluded.name,"
		" endpoint = excluded.endpoint, updated_ms = excluded.updated_ms", &stmt);
	if (ret < 0)
		return burrow_store_rollback(st, ret);
	sqlite3_bind_blob(stmt, 1, node->public_key, 32, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, node->name, -1, SQLITE_STATIC);
	if (node->endpoint)
		sqlite3_bind_text(stmt, 3, node->endpoint, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		ret = 0;
	else if (rc == SQLITE_CONSTRAINT_UNIQUE)
		ret = burrow_store_fail(st, -EEXIST, "node name '%s' is already used by another public key",
					node->name);
	else
		ret = burrow_store_fail(st, burrow_store_sqlite_errno(rc), "saving node '%s': %s", node->name,
					sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	if (ret == 0)
		ret = node_id_of(st, node->public_key, &id);
	if (ret == 0)
		ret = node_prefixes_write(st, id, node->name,
					  node->allowed_prefixes ? node->allowed_prefixes : "");
	if (ret == 0)
		ret = burrow_store_exec(st, "COMMIT");
	return ret < 0 ? burrow_store_rollback(st, ret) : 0;
}

static int node_get(struct burrow_store *st, const char *where, const void *key, int key_len,
		    const char *what, struct burrow_node *out)
{
	char sql[256];
	void *items;
	size_t n;
	int ret;

	memset(out, 0, sizeof(*out));
	snprintf(sql, sizeof(sql), "SELECT " NODE_COLUMNS " FROM nodes WHERE %s = ?1", where);
	/* name and public_key are UNIQUE: at most one row */
	ret = burrow_store_collect(st, sql,
				   key_len < 0 ? BURROW_STORE_TEXT(key) : BURROW_STORE_BLOB(key, key_len),
				   &node_rows, NULL, &items, &n);
	if (ret < 0)
		return ret;
	if (!n)
		return burrow_store_fail(st, -ENOENT, "no node %s", what);
	*out = *(struct burrow_node *)items;
	free(items);
	return 0;
}

int burrow_store_node_get(struct burrow_store *st, const uint8_t public_key[32],
			  struct burrow_node *out)
{
	return node_get(st, "public_key", public_key, 32, "with that public key", out);
}

int burrow_store_node_get_by_name(struct burrow_store *st, const char *name,
				  struct burrow_node *out)
{
	char what[128];

	snprintf(what, sizeof(what), "named '%.64s'", name);
	return node_get(st, "name", name, -1, what, out);
}

int burrow_store_node_list(struct burrow_store *st, struct burrow_node **nodes, size_t *n)
{
	void *items;
	int ret;

	ret = burrow_store_collect(st, "SELECT " NODE_COLUMNS " FROM nodes ORDER BY name",
				   BURROW_STORE_NO_ARG, &node_rows, NULL, &items, n);
	*nodes = items;
	return ret;
}

/* One stored prefix that does not parse ends the check (burrow_store_each). */
static int prefix_check_row(struct burrow_store *st, sqlite3_stmt *stmt, void *ctx)
{
	const char *name = (const char *)sqlite3_column_text(stmt, 0);
	const char *text = (const char *)sqlite3_column_text(stmt, 1);
	struct burrow_nl_prefix prefix;
	char why[200];

	(void)ctx;
	if (burrow_prefix_parse(text ? text : "", &prefix, why, sizeof(why)) == 0)
		return 0;
	return burrow_store_fail(st, -EINVAL, "node '%.64s': malformed allowed prefix: %s",
				 name ? name : "", why);
}

int burrow_store_node_prefix_check(struct burrow_store *st)
{
	return burrow_store_each(st,
		"SELECT nodes.name, prefix FROM node_prefixes JOIN nodes ON nodes.id = node_id"
		" ORDER BY nodes.name, position",
		BURROW_STORE_NO_ARG, "allowed prefixes", prefix_check_row, NULL);
}

int burrow_store_node_remove(struct burrow_store *st, const uint8_t public_key[32])
{
	int changes, ret;

	/* foreign keys: the session goes with it, events keep node_id NULL */
	ret = burrow_store_write_args(st, "DELETE FROM nodes WHERE public_key = ?1", NULL, &changes,
				      BURROW_STORE_BLOB(public_key, 32));
	if (ret < 0)
		return ret;
	if (!changes)
		return burrow_store_fail(st, -ENOENT, "no node with that public key");
	return 0;
}

/* ---- sessions ---------------------------------------------------------------- */

static int node_id_of(struct burrow_store *st, const uint8_t key[32], int64_t *id)
{
	sqlite3_stmt *stmt;
	int rc, ret;

	ret = burrow_store_prepare(st, "SELECT id FROM nodes WHERE public_key = ?1", &stmt);
	if (ret < 0)
		return ret;
	sqlite3_bind_blob(stmt, 1, key, 32, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		ret = 0;
	} else if (rc == SQLITE_DONE) {
		ret = burrow_store_fail(st, -ENOENT, "no node with that public key");
	} else {
		ret = burrow_store_fail(st, burrow_store_sqlite_errno(rc), "%s", sqlite3_errmsg(st->db));
	}
	sqlite3_finalize(stmt);
	return ret;
}

int burrow_store_session_generation(struct burrow_store *st, const uint8_t public_key[32],
				    uint64_t generation, const char *cipher, const char *encap)
{
	int64_t node_id = 0, now = burrow_store_now_ms();
	int ret;

	if (generation > INT64_MAX)
		return burrow_store_fail(st, -ERANGE, "generation %llu out of range",
					 (unsigned long long)generation);
	ret = burrow_store_exec(st, "BEGIN IMMEDIATE");
	if (ret < 0)
		return ret;
	ret = node_id_of(st, public_key, &node_id);
	if (ret < 0)
		return burrow_store_rollback(st, ret);
	/*
	 * A generation above the stored one is a rotation of the same session;
	 * anything else (no row, or numbering restarted) is a new session.
	 */
	ret = burrow_store_write_args(st,
		"INSERT INTO sessions (node_id, generation, established_ms, last_rotation_ms,"
		" rx_bytes, tx_bytes, cipher, encap) VALUES (?1, ?2, ?3, ?3, 0, 0, ?4, ?5)"
		" ON CONFLICT (node_id) DO UPDATE SET"
		" established_ms = CASE WHEN excluded.generation > generation"
		"   THEN established_ms ELSE excluded.established_ms END,"
		" rx_bytes = CASE WHEN excluded.generation > generation THEN rx_bytes ELSE 0 END,"
		" tx_bytes = CASE WHEN excluded.generation > generation THEN tx_bytes ELSE 0 END,"
		" generation = excluded.generation,"
		" last_rotation_ms = excluded.last_rotation_ms,"
		" cipher = excluded.cipher, encap = excluded.encap",
		"recording generation", NULL,
		BURROW_STORE_INT(node_id), BURROW_STORE_INT((int64_t)generation),
		BURROW_STORE_INT(now), BURROW_STORE_TEXT(cipher ? cipher : ""),
		BURROW_STORE_TEXT(encap ? encap : ""));
	if (ret < 0)
		return burrow_store_rollback(st, ret);
	ret = burrow_store_exec(st, "COMMIT");
	if (ret < 0)
		return burrow_store_rollback(st, ret);
	return 0;
}

int burrow_store_session_counters(struct burrow_store *st, const uint8_t public_key[32],
				  uint64_t rx_bytes, uint64_t tx_bytes)
{
	int changes, ret;

	/* SQLite integers are signed: counters wrap into the sign bit, read back as-is. */
	ret = burrow_store_write_args(st,
		"UPDATE sessions SET rx_bytes = ?2, tx_bytes = ?3"
		" WHERE node_id = (SELECT id FROM nodes WHERE public_key = ?1)", NULL, &changes,
		BURROW_STORE_BLOB(public_key, 32), BURROW_STORE_INT((int64_t)rx_bytes),
		BURROW_STORE_INT((int64_t)tx_bytes));
	if (ret < 0)
		return ret;
	return changes ? 0 : burrow_store_fail(st, -ENOENT, "no session for that node");
}

int burrow_store_session_end(struct burrow_store *st, const uint8_t public_key[32])
{
	int changes, ret;

	ret = burrow_store_write_args(st,
		"DELETE FROM sessions WHERE node_id = (SELECT id FROM nodes WHERE public_key = ?1)",
		NULL, &changes, BURROW_STORE_BLOB(public_key, 32));
	if (ret < 0)
		return ret;
	return changes ? 0 : burrow_store_fail(st, -ENOENT, "no session for that node");
}

int burrow_store_session_get(struct burrow_store *st, const uint8_t public_key[32],
			     struct burrow_session_record *out)
{
	sqlite3_stmt *stmt;
	int rc, ret;

	memset(out, 0, sizeof(*out));
	ret = burrow_store_prepare(st,
		"SELECT generation, established_ms, last_rotation_ms, rx_bytes, tx_bytes,"
		" cipher, encap FROM sessions JOIN nodes ON nodes.id = sessions.node_id"
		" WHERE nodes.public_key = ?1", &stmt);
	if (ret < 0)
		return ret;
	sqlite3_bind_blob(stmt, 1, public_key, 32, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		out->generation = (uint64_t)sqlite3_column_int64(stmt, 0);
		out->established_ms = sqlite3_column_int64(stmt, 1);
		out->last_rotation_ms = sqlite3_column_int64(stmt, 2);
		out->rx_bytes = (uint64_t)sqlite3_column_int64(stmt, 3);
		out->tx_bytes = (uint64_t)sqlite3_column_int64(stmt, 4);
		snprintf(out->cipher, sizeof(out->cipher), "%s",
			 (const char *)sqlite3_column_text(stmt, 5));
		snprintf(out->encap, sizeof(out->encap), "%s",
			 (const char *)sqlite3_column_text(stmt, 6));
		ret = 0;
	} else if (rc == SQLITE_DONE) {
		ret = burrow_store_fail(st, -ENOENT, "no session for that node");
	} else {
		ret = burrow_store_fail(st, burrow_store_sqlite_errno(rc), "%s", sqlite3_errmsg(st->db));
	}
	sqlite3_finalize(stmt);
	return ret;
}

/* ---- events ------------------------------------------------------------------ */

int burrow_store_event_append(struct burrow_store *st, const uint8_t *public_key,
			      const char *kind, const char *detail)
{
	int ret;

	ret = burrow_store_write_args(st,
		"INSERT INTO events (time_ms, node_id, kind, detail) VALUES"
		" (?1, (SELECT id FROM nodes WHERE public_key = ?2), ?3, ?4)", "appending event", NULL,
		BURROW_STORE_INT(burrow_store_now_ms()),
		public_key ? BURROW_STORE_BLOB(public_key, 32) : BURROW_STORE_NO_ARG,
		BURROW_STORE_TEXT(kind ? kind : ""), BURROW_STORE_TEXT(detail ? detail : ""));
	if (ret == 0 && ++st->appends % EVENTS_PRUNE_EVERY == 0)
		burrow_store_event_prune(st, EVENTS_KEEP);
	return ret;
}

static int event_decode(struct burrow_store *st, sqlite3_stmt *stmt, void *elem, void *ctx)
{
	struct burrow_event *e = elem;

	(void)ctx;
	e->id = sqlite3_column_int64(stmt, 0);
	e->time_ms = sqlite3_column_int64(stmt, 1);
	e->node_name = dup_column(stmt, 2);
	e->kind = dup_column(stmt, 3);
	e->detail = dup_column(stmt, 4);
	if (!e->kind || !e->detail ||
	    (!e->node_name && sqlite3_column_type(stmt, 2) != SQLITE_NULL))
		return burrow_store_fail(st, -ENOMEM, "out of memory");
	return 0;
}

static void event_clear(void *elem)
{
	struct burrow_event *e = elem;

	free(e->node_name);
	free(e->kind);
	free(e->detail);
}

void burrow_store_events_free(struct burrow_event *events, size_t n)
{
	for (size_t i = 0; i < n; i++)
		event_clear(&events[i]);
	free(events);
}

static const struct burrow_store_rows event_rows = {
	.elem_size = sizeof(struct burrow_event),
	.what = NULL,
	.decode = event_decode,
	.clear = event_clear,
};

int burrow_store_event_recent(struct burrow_store *st, size_t limit, struct burrow_event **events,
			      size_t *n)
{
	void *items;
	int ret;

	ret = burrow_store_collect(st,
		"SELECT events.id, time_ms, nodes.name, kind, detail FROM events"
		" LEFT JOIN nodes ON nodes.id = events.node_id"
		" ORDER BY events.id DESC LIMIT ?1",
		BURROW_STORE_INT(limit > INT64_MAX ? INT64_MAX : (int64_t)limit),
		&event_rows, NULL, &items, n);
	*events = items;
	return ret;
}

int burrow_store_event_prune(struct burrow_store *st, size_t keep)
{
	return burrow_store_write_args(st,
		"DELETE FROM events WHERE id <= (SELECT id FROM events ORDER BY id DESC"
		" LIMIT 1 OFFSET ?1)", "pruning events", NULL,
		BURROW_STORE_INT(keep > INT64_MAX ? INT64_MAX : (int64_t)keep));
}

