// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd state in SQLite.
 *
 * Invariants:
 *  - One connection per process, used from one thread (SQLITE_OPEN_NOMUTEX);
 *    burrowd opens the only read-write one. Every write is one transaction.
 *  - The file is identified by PRAGMA application_id (BURROW_STORE_APP_ID)
 *    and versioned by PRAGMA user_version. Version N's migration runs in a
 *    single BEGIN IMMEDIATE transaction that also sets user_version = N, so
 *    a crash leaves the database at N-1 or N, never in between.
 *  - WAL with synchronous=FULL: a transaction whose COMMIT returned is on
 *    disk, so kill -9 (or power loss) at any point loses nothing committed.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"

/* "BRWD" */
#define BURROW_STORE_APP_ID 0x42525744
#define BUSY_TIMEOUT_MS 5000
/* Event log retention: keep this many newest rows, pruned every EVENTS_PRUNE_EVERY appends. */
#define EVENTS_KEEP 10000
#define EVENTS_PRUNE_EVERY 256

struct burrow_store {
	sqlite3 *db;
	char *path;
	bool readonly;
	bool opening;		/* open's caller reports failures: do not log them */
	unsigned int appends;
	char err[BURROW_STORE_ERR_MAX];
};

/*
 * migrations[i] brings a database from version i to version i + 1. Never
 * edit a released entry: add a new one and bump BURROW_STORE_SCHEMA_VERSION.
 */
static const char *const migrations[BURROW_STORE_SCHEMA_VERSION] = {
	/* v1: nodes, their current session, the event log */
	"PRAGMA application_id = 1112692548;"	/* BURROW_STORE_APP_ID */
	"CREATE TABLE nodes ("
	"  id INTEGER PRIMARY KEY,"
	"  public_key BLOB NOT NULL UNIQUE CHECK (length(public_key) = 32),"
	"  name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),"
	"  endpoint TEXT,"
	"  allowed_prefixes TEXT NOT NULL DEFAULT '',"
	"  created_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL);"
	"CREATE TABLE sessions ("
	"  node_id INTEGER PRIMARY KEY REFERENCES nodes(id) ON DELETE CASCADE,"
	"  generation INTEGER NOT NULL,"
	"  established_ms INTEGER NOT NULL,"
	"  last_rotation_ms INTEGER NOT NULL);"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  time_ms INTEGER NOT NULL,"
	"  node_id INTEGER REFERENCES nodes(id) ON DELETE SET NULL,"
	"  kind TEXT NOT NULL,"
	"  detail TEXT NOT NULL);",

	/* v2: per-session traffic counters and the negotiated parameters;
	 * indexes for "recent events" and for ON DELETE SET NULL on node removal */
	"ALTER TABLE sessions ADD COLUMN rx_bytes INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE sessions ADD COLUMN tx_bytes INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE sessions ADD COLUMN cipher TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE sessions ADD COLUMN encap TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX events_by_time ON events(time_ms);"
	"CREATE INDEX events_by_node ON events(node_id);",
};

_Static_assert(BURROW_STORE_APP_ID == 1112692548, "application_id literal in migration v1");

static int store_fail(struct burrow_store *st, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record why an operation failed; log it unless it is an expected answer. */
static int store_fail(struct burrow_store *st, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
	if (ret != -ENOENT && ret != -EEXIST && !st->opening)
		burrow_log(BURROW_LOG_ERROR, "state '%s': %s", st->path, st->err);
	return ret;
}

static int sqlite_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return -EINVAL;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	default:
		return -EIO;
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *burrow_store_error(const struct burrow_store *st)
{
	return st->err;
}

static int prepare(struct burrow_store *st, const char *sql, sqlite3_stmt **stmt)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL);

	if (rc != SQLITE_OK)
		return store_fail(st, sqlite_errno(rc), "%s", sqlite3_errmsg(st->db));
	return 0;
}

/* Run statements that return no rows. */
static int exec(struct burrow_store *st, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		int ret = store_fail(st, sqlite_errno(rc), "%s", msg ? msg : sqlite3_errstr(rc));

		sqlite3_free(msg);
		return ret;
	}
	return 0;
}

/* A pragma's integer value, or its text copied into text when given. */
static int pragma_int(struct burrow_store *st, const char *sql, int64_t *value)
{
	sqlite3_stmt *stmt;
	int rc, ret;

	ret = prepare(st, sql, &stmt);
	if (ret < 0)
		return ret;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*value = sqlite3_column_int64(stmt, 0);
		ret = 0;
	} else {
		ret = store_fail(st, sqlite_errno(rc), "%s", sqlite3_errmsg(st->db));
	}
	sqlite3_finalize(stmt);
	return ret;
}

void burrow_store_set_busy_timeout(struct burrow_store *st, int ms)
{
	sqlite3_busy_timeout(st->db, ms);
}

int burrow_store_schema_version(struct burrow_store *st)
{
	int64_t v;

	if (pragma_int(st, "PRAGMA user_version", &v) < 0)
		return -EIO;
	return (int)v;
}

static int rollback(struct burrow_store *st, int ret)
{
	/* Keep the first error message: ROLLBACK failures are secondary. */
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

static int migrate(struct burrow_store *st)
{
	for (;;) {
		char sql[64];
		int64_t version;
		int ret;

		ret = exec(st, "BEGIN IMMEDIATE");
		if (ret < 0)
			return ret;
		/* Read inside the write transaction: no one else can migrate meanwhile. */
		ret = pragma_int(st, "PRAGMA user_version", &version);
		if (ret < 0)
			return rollback(st, ret);
		if (version >= BURROW_STORE_SCHEMA_VERSION)
			return exec(st, "COMMIT");
		ret = exec(st, migrations[version]);
		if (ret < 0) {
			char why[BURROW_STORE_ERR_MAX];

			snprintf(why, sizeof(why), "%s", st->err);
			store_fail(st, ret, "migration to schema version %lld failed: %.400s",
				   (long long)version + 1, why);
			return rollback(st, ret);
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld", (long long)version + 1);
		ret = exec(st, sql);
		if (ret < 0)
			return rollback(st, ret);
		ret = exec(st, "COMMIT");
		if (ret < 0)
			return rollback(st, ret);
		burrow_log(BURROW_LOG_INFO, "state '%s': schema migrated to version %lld", st->path,
			   (long long)version + 1);
	}
}

/* Decide whether the file is ours (any version), new, or something else. */
static int check_identity(struct burrow_store *st, int64_t *version)
{
	int64_t app_id, tables;
	int ret;

	/* The first read of a non-SQLite file fails with "file is not a database". */
	ret = pragma_int(st, "PRAGMA application_id", &app_id);
	if (ret < 0) {
		char why[BURROW_STORE_ERR_MAX];

		snprintf(why, sizeof(why), "%s", st->err);
		return store_fail(st, -EINVAL, "not a burrowd database: %.400s", why);
	}
	ret = pragma_int(st, "PRAGMA user_version", version);
	if (ret < 0)
		return ret;
	ret = pragma_int(st, "SELECT count(*) FROM sqlite_schema", &tables);
	if (ret < 0)
		return ret;
	if (app_id == 0 && *version == 0 && tables == 0)
		return 0;	/* empty: a new database */
	if (app_id != BURROW_STORE_APP_ID)
		return store_fail(st, -EINVAL,
				  "not a burrowd database: SQLite file with application_id %#llx and %lld schema objects",
				  (unsigned long long)app_id, (long long)tables);
	if (*version > BURROW_STORE_SCHEMA_VERSION)
		return store_fail(st, -EPROTO,
				  "schema version %lld is newer than this burrowd understands (%d); use a newer burrowd",
				  (long long)*version, BURROW_STORE_SCHEMA_VERSION);
	return 0;
}

int burrow_store_open(const char *path, unsigned int flags, struct burrow_store **out,
		      char *err, size_t err_size)
{
	struct burrow_store *st;
	int64_t version;
	int open_flags, rc, ret;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (!st || !(st->path = strdup(path))) {
		free(st);
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	st->readonly = flags & BURROW_STORE_READONLY;
	st->opening = true;
	if (!st->readonly) {
		/*
		 * Create a new database 0600 ourselves: SQLite gives the -wal and
		 * -shm files the database file's mode, so this covers all three.
		 */
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

		if (fd < 0) {
			ret = -errno;
			snprintf(st->err, sizeof(st->err), "cannot open: %s", strerror(errno));
			goto fail;
		}
		close(fd);
	}
	open_flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE |
		     (st->readonly ? SQLITE_OPEN_READONLY :
				     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	rc = sqlite3_open_v2(path, &st->db, open_flags, NULL);
	if (rc != SQLITE_OK) {
		ret = sqlite_errno(rc);
		snprintf(st->err, sizeof(st->err), "cannot open: %s",
			 st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);

	ret = check_identity(st, &version);
	if (ret < 0)
		goto fail;
	if (st->readonly) {
		if (version != BURROW_STORE_SCHEMA_VERSION) {
			ret = -EPROTO;
			snprintf(st->err, sizeof(st->err),
				 "schema version %lld, expected %d (start burrowd once to migrate)",
				 (long long)version, BURROW_STORE_SCHEMA_VERSION);
			goto fail;
		}
	} else {
		/* journal_mode answers with the mode now in effect. */
		sqlite3_stmt *stmt;

		ret = prepare(st, "PRAGMA journal_mode = WAL", &stmt);
		if (ret < 0)
			goto fail;
		rc = sqlite3_step(stmt);
		if (rc != SQLITE_ROW ||
		    strcmp((const char *)sqlite3_column_text(stmt, 0), "wal")) {
			ret = rc == SQLITE_ROW ? -EIO : sqlite_errno(rc);
			snprintf(st->err, sizeof(st->err), "cannot switch to WAL: %s",
				 rc == SQLITE_ROW ? (const char *)sqlite3_column_text(stmt, 0) :
						    sqlite3_errmsg(st->db));
			sqlite3_finalize(stmt);
			goto fail;
		}
		sqlite3_finalize(stmt);
		ret = exec(st, "PRAGMA synchronous = FULL");
		if (ret < 0)
			goto fail;
	}
	ret = exec(st, "PRAGMA foreign_keys = ON");
	if (ret < 0)
		goto fail;
	if (!st->readonly) {
		ret = migrate(st);
		if (ret < 0)
			goto fail;
	}
	st->opening = false;
	*out = st;
	return 0;

fail:
	snprintf(err, err_size, "state '%s': %s", path, st->err);
	sqlite3_close(st->db);	/* NULL is fine */
	free(st->path);
	free(st);
	return ret;
}

void burrow_store_close(struct burrow_store *st)
{
	if (!st)
		return;
	/* Closing the last connection checkpoints the WAL into the database. */
	if (sqlite3_close(st->db) != SQLITE_OK)
		burrow_log(BURROW_LOG_WARNING, "state '%s': close: %s", st->path,
			   sqlite3_errmsg(st->db));
	free(st->path);
	free(st);
}

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

#define NODE_COLUMNS "id, public_key, name, endpoint, allowed_prefixes, created_ms, updated_ms"

static int node_from_row(struct burrow_store *st, sqlite3_stmt *stmt, struct burrow_node *node)
{
	const void *key = sqlite3_column_blob(stmt, 1);

	memset(node, 0, sizeof(*node));
	node->id = sqlite3_column_int64(stmt, 0);
	if (!key || sqlite3_column_bytes(stmt, 1) != 32)
		return store_fail(st, -EIO, "node %lld has a malformed public key",
				  (long long)node->id);
	memcpy(node->public_key, key, 32);
	node->name = dup_column(stmt, 2);
	node->endpoint = dup_column(stmt, 3);
	node->allowed_prefixes = dup_column(stmt, 4);
	node->created_ms = sqlite3_column_int64(stmt, 5);
	node->updated_ms = sqlite3_column_int64(stmt, 6);
	if (!node->name || !node->allowed_prefixes ||
	    (!node->endpoint && sqlite3_column_type(stmt, 3) != SQLITE_NULL)) {
		burrow_store_node_clear(node);
		return store_fail(st, -ENOMEM, "out of memory");
	}
	return 0;
}

int burrow_store_node_upsert(struct burrow_store *st, const struct burrow_node *node)
{
	sqlite3_stmt *stmt;
	int64_t now = now_ms();
	int rc, ret;

	if (!node->name || !node->name[0])
		return store_fail(st, -EINVAL, "node without a name");
	ret = prepare(st,
		      "INSERT INTO nodes (public_key, name, endpoint, allowed_prefixes, created_ms, updated_ms)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
		      " ON CONFLICT (public_key) DO UPDATE SET name = excluded.name,"
		      " endpoint = excluded.endpoint, allowed_prefixes = excluded.allowed_prefixes,"
		      " updated_ms = excluded.updated_ms", &stmt);
	if (ret < 0)
		return ret;
	sqlite3_bind_blob(stmt, 1, node->public_key, 32, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, node->name, -1, SQLITE_STATIC);
	if (node->endpoint)
		sqlite3_bind_text(stmt, 3, node->endpoint, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, node->allowed_prefixes ? node->allowed_prefixes : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		ret = 0;
	else if (rc == SQLITE_CONSTRAINT_UNIQUE)
		ret = store_fail(st, -EEXIST, "node name '%s' is already used by another public key",
				 node->name);
	else
		ret = store_fail(st, sqlite_errno(rc), "saving node '%s': %s", node->name,
				 sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	return ret;
}

static int node_get(struct burrow_store *st, const char *where, const void *key, int key_len,
		    const char *what, struct burrow_node *out)
{
	char sql[256];
	sqlite3_stmt *stmt;
	int rc, ret;

	snprintf(sql, sizeof(sql), "SELECT " NODE_COLUMNS " FROM nodes WHERE %s = ?1", where);
	ret = prepare(st, sql, &stmt);
	if (ret < 0)
		return ret;
	if (key_len < 0)
		sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	else
		sqlite3_bind_blob(stmt, 1, key, key_len, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		ret = node_from_row(st, stmt, out);
	else if (rc == SQLITE_DONE)
		ret = store_fail(st, -ENOENT, "no node %s", what);
	else
		ret = store_fail(st, sqlite_errno(rc), "%s", sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	return ret;
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
	struct burrow_node *list = NULL;
	size_t count = 0;
	sqlite3_stmt *stmt;
	int rc, ret;

	*nodes = NULL;
	*n = 0;
	ret = prepare(st, "SELECT " NODE_COLUMNS " FROM nodes ORDER BY name", &stmt);
	if (ret < 0)
		return ret;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct burrow_node *grown = realloc(list, (count + 1) * sizeof(*list));

		if (!grown) {
			ret = store_fail(st, -ENOMEM, "out of memory");
			goto fail;
		}
		list = grown;
		ret = node_from_row(st, stmt, &list[count]);
		if (ret < 0)
			goto fail;
		count++;
	}
	if (rc != SQLITE_DONE) {
		ret = store_fail(st, sqlite_errno(rc), "%s", sqlite3_errmsg(st->db));
		goto fail;
	}
	sqlite3_finalize(stmt);
	*nodes = list;
	*n = count;
	return 0;
fail:
	sqlite3_finalize(stmt);
	burrow_store_nodes_free(list, count);
	return ret;
}

/* Run a one-statement write bound to a public key; *changes gets the row count. */
static int write_by_key(struct burrow_store *st, const char *sql, const uint8_t key[32],
			int *changes)
{
	sqlite3_stmt *stmt;
	int rc, ret;

	ret = prepare(st, sql, &stmt);
	if (ret < 0)
		return ret;
	sqlite3_bind_blob(stmt, 1, key, 32, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		*changes = sqlite3_changes(st->db);
		ret = 0;
	} else {
		ret = store_fail(st, sqlite_errno(rc), "%s", sqlite3_errmsg(st->db));
	}
	sqlite3_finalize(stmt);
	return ret;
}

int burrow_store_node_remove(struct burrow_store *st, const uint8_t public_key[32])
{
	int changes, ret;

	/* foreign keys: the session goes with it, events keep node_id NULL */
	ret = write_by_key(st, "DELETE FROM nodes WHERE public_key = ?1", public_key, &changes);
	if (ret < 0)
		return ret;
	if (!changes)
		return store_fail(st, -ENOENT, "no node with that public key");
	return 0;
}

/* ---- sessions ---------------------------------------------------------------- */

static int node_id_of(struct burrow_store *st, const uint8_t key[32], int64_t *id)
{
	sqlite3_stmt *stmt;
	int rc, ret;

	ret = prepare(st, "SELECT id FROM nodes WHERE public_key = ?1", &stmt);
	if (ret < 0)
		return ret;
	sqlite3_bind_blob(stmt, 1, key, 32, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		ret = 0;
	} else if (rc == SQLITE_DONE) {
		ret = store_fail(st, -ENOENT, "no node with that public key");
	} else {
		ret = store_fail(st, sqlite_errno(rc), "%s", sqlite3_errmsg(st->db));
	}
	sqlite3_finalize(stmt);
	return ret;
}

int burrow_store_session_generation(struct burrow_store *st, const uint8_t public_key[32],
				    uint64_t generation, const char *cipher, const char *encap)
{
	sqlite3_stmt *stmt;
	int64_t node_id = 0, now = now_ms();
	int rc, ret;

	if (generation > INT64_MAX)
		return store_fail(st, -ERANGE, "generation %llu out of range",
				  (unsigned long long)generation);
	ret = exec(st, "BEGIN IMMEDIATE");
	if (ret < 0)
		return ret;
	ret = node_id_of(st, public_key, &node_id);
	if (ret < 0)
		return rollback(st, ret);
	/*
	 * A generation above the stored one is a rotation of the same session;
	 * anything else (no row, or numbering restarted) is a new session.
	 */
	ret = prepare(st,
		      "INSERT INTO sessions (node_id, generation, established_ms, last_rotation_ms,"
		      " rx_bytes, tx_bytes, cipher, encap) VALUES (?1, ?2, ?3, ?3, 0, 0, ?4, ?5)"
		      " ON CONFLICT (node_id) DO UPDATE SET"
		      " established_ms = CASE WHEN excluded.generation > generation"
		      "   THEN established_ms ELSE excluded.established_ms END,"
		      " rx_bytes = CASE WHEN excluded.generation > generation THEN rx_bytes ELSE 0 END,"
		      " tx_bytes = CASE WHEN excluded.generation > generation THEN tx_bytes ELSE 0 END,"
		      " generation = excluded.generation,"
		      " last_rotation_ms = excluded.last_rotation_ms,"
		      " cipher = excluded.cipher, encap = excluded.encap", &stmt);
	if (ret < 0)
		return rollback(st, ret);
	sqlite3_bind_int64(stmt, 1, node_id);
	sqlite3_bind_int64(stmt, 2, (int64_t)generation);
	sqlite3_bind_int64(stmt, 3, now);
	sqlite3_bind_text(stmt, 4, cipher ? cipher : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, encap ? encap : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return rollback(st, store_fail(st, sqlite_errno(rc), "recording generation: %s",
					       sqlite3_errmsg(st->db)));
	ret = exec(st, "COMMIT");
	if (ret < 0)
		return rollback(st, ret);
	return 0;
}

int burrow_store_session_counters(struct burrow_store *st, const uint8_t public_key[32],
				  uint64_t rx_bytes, uint64_t tx_bytes)
{
	sqlite3_stmt *stmt;
	int rc, ret;

	ret = prepare(st,
		      "UPDATE sessions SET rx_bytes = ?2, tx_bytes = ?3"
		      " WHERE node_id = (SELECT id FROM nodes WHERE public_key = ?1)", &stmt);
	if (ret < 0)
		return ret;
	sqlite3_bind_blob(stmt, 1, public_key, 32, SQLITE_STATIC);
	/* SQLite integers are signed: counters wrap into the sign bit, read back as-is. */
	sqlite3_bind_int64(stmt, 2, (int64_t)rx_bytes);
	sqlite3_bind_int64(stmt, 3, (int64_t)tx_bytes);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		ret = sqlite3_changes(st->db) ? 0 : store_fail(st, -ENOENT, "no session for that node");
	else
		ret = store_fail(st, sqlite_errno(rc), "%s", sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	return ret;
}

int burrow_store_session_end(struct burrow_store *st, const uint8_t public_key[32])
{
	int changes, ret;

	ret = write_by_key(st,
			   "DELETE FROM sessions WHERE node_id = (SELECT id FROM nodes WHERE public_key = ?1)",
			   public_key, &changes);
	if (ret < 0)
		return ret;
	return changes ? 0 : store_fail(st, -ENOENT, "no session for that node");
}

int burrow_store_session_get(struct burrow_store *st, const uint8_t public_key[32],
			     struct burrow_session_record *out)
{
	sqlite3_stmt *stmt;
	int rc, ret;

	memset(out, 0, sizeof(*out));
	ret = prepare(st,
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
		ret = store_fail(st, -ENOENT, "no session for that node");
	} else {
		ret = store_fail(st, sqlite_errno(rc), "%s", sqlite3_errmsg(st->db));
	}
	sqlite3_finalize(stmt);
	return ret;
}

/* ---- events ------------------------------------------------------------------ */

int burrow_store_event_append(struct burrow_store *st, const uint8_t *public_key,
			      const char *kind, const char *detail)
{
	sqlite3_stmt *stmt;
	int rc, ret;

	ret = prepare(st,
		      "INSERT INTO events (time_ms, node_id, kind, detail) VALUES"
		      " (?1, (SELECT id FROM nodes WHERE public_key = ?2), ?3, ?4)", &stmt);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(stmt, 1, now_ms());
	if (public_key)
		sqlite3_bind_blob(stmt, 2, public_key, 32, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, kind ? kind : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, detail ? detail : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		ret = 0;
	else
		ret = store_fail(st, sqlite_errno(rc), "appending event: %s",
				 sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	if (ret == 0 && ++st->appends % EVENTS_PRUNE_EVERY == 0)
		burrow_store_event_prune(st, EVENTS_KEEP);
	return ret;
}

void burrow_store_events_free(struct burrow_event *events, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(events[i].node_name);
		free(events[i].kind);
		free(events[i].detail);
	}
	free(events);
}

int burrow_store_event_recent(struct burrow_store *st, size_t limit, struct burrow_event **events,
			      size_t *n)
{
	struct burrow_event *list = NULL;
	size_t count = 0;
	sqlite3_stmt *stmt;
	int rc, ret;

	*events = NULL;
	*n = 0;
	ret = prepare(st,
		      "SELECT events.id, time_ms, nodes.name, kind, detail FROM events"
		      " LEFT JOIN nodes ON nodes.id = events.node_id"
		      " ORDER BY events.id DESC LIMIT ?1", &stmt);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(stmt, 1, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct burrow_event *grown = realloc(list, (count + 1) * sizeof(*list)), *e;

		if (!grown) {
			ret = store_fail(st, -ENOMEM, "out of memory");
			goto fail;
		}
		list = grown;
		e = &list[count++];
		e->id = sqlite3_column_int64(stmt, 0);
		e->time_ms = sqlite3_column_int64(stmt, 1);
		e->node_name = dup_column(stmt, 2);
		e->kind = dup_column(stmt, 3);
		e->detail = dup_column(stmt, 4);
		if (!e->kind || !e->detail ||
		    (!e->node_name && sqlite3_column_type(stmt, 2) != SQLITE_NULL)) {
			ret = store_fail(st, -ENOMEM, "out of memory");
			goto fail;
		}
	}
	if (rc != SQLITE_DONE) {
		ret = store_fail(st, sqlite_errno(rc), "%s", sqlite3_errmsg(st->db));
		goto fail;
	}
	sqlite3_finalize(stmt);
	*events = list;
	*n = count;
	return 0;
fail:
	sqlite3_finalize(stmt);
	burrow_store_events_free(list, count);
	return ret;
}

int burrow_store_event_prune(struct burrow_store *st, size_t keep)
{
	sqlite3_stmt *stmt;
	int rc, ret;

	ret = prepare(st,
		      "DELETE FROM events WHERE id <= (SELECT id FROM events ORDER BY id DESC"
		      " LIMIT 1 OFFSET ?1)", &stmt);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(stmt, 1, keep > INT64_MAX ? INT64_MAX : (int64_t)keep);
	rc = sqlite3_step(stmt);
	ret = rc == SQLITE_DONE ? 0 : store_fail(st, sqlite_errno(rc), "pruning events: %s",
						 sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	return ret;
}

int burrow_store_integrity_check(struct burrow_store *st)
{
	sqlite3_stmt *stmt;
	const char *result;
	int rc, ret;

	ret = prepare(st, "PRAGMA integrity_check", &stmt);
	if (ret < 0)
		return ret;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		ret = store_fail(st, sqlite_errno(rc), "integrity_check: %s", sqlite3_errmsg(st->db));
	} else {
		result = (const char *)sqlite3_column_text(stmt, 0);
		if (result && !strcmp(result, "ok"))
			ret = 0;
		else
			ret = store_fail(st, -EIO, "integrity_check: %s", result ? result : "(null)");
	}
	sqlite3_finalize(stmt);
	if (ret == 0) {
		/* integrity_check does not look at foreign keys */
		ret = prepare(st, "PRAGMA foreign_key_check", &stmt);
		if (ret < 0)
			return ret;
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW)
			ret = store_fail(st, -EIO, "foreign_key_check: row %lld of %s violates a foreign key",
					 (long long)sqlite3_column_int64(stmt, 1),
					 (const char *)sqlite3_column_text(stmt, 0));
		else if (rc != SQLITE_DONE)
			ret = store_fail(st, sqlite_errno(rc), "foreign_key_check: %s",
					 sqlite3_errmsg(st->db));
		sqlite3_finalize(stmt);
	}
	return ret;
}
