// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd state in SQLite: opening (identification, pragmas, migrations),
 * closing, checks and the row loop every reader uses. Opening is generic
 * over a struct burrow_store_schema, so the coordinator's database
 * (coord/coord_store.c) shares it with its own application_id and
 * migrations. The queries are in
 * store_data.c, store_lease.c, store_policy.c and store_installed.c.
 *
 * Invariants:
 *  - One connection per process, used from one thread (SQLITE_OPEN_NOMUTEX);
 *    the daemon keeps one read-write connection, `burrowd peer` commands
 *    open another for one transaction. Every write is one transaction.
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
#include "store_internal.h"

#define BURROW_STORE_APP_ID 0x42525744	/* "BRWD" */
#define BUSY_TIMEOUT_MS 5000

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

	/* v3: addresses this node's pool handed out, one per node and family,
	 * so a peer gets the same one after either side restarts */
	"CREATE TABLE address_leases ("
	"  node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,"
	"  family INTEGER NOT NULL CHECK (family IN (4, 6)),"
	"  address TEXT NOT NULL UNIQUE,"
	"  assigned_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (node_id, family));",

	/* v4: the effective policy per peer (node_id) and node-wide (node_id
	 * NULL), written from the config at start and on every reload, so the
	 * database records what a peer was allowed when its addresses and
	 * routes were accepted. Keys and values are checked on open
	 * (store_policy.c). */
	"CREATE TABLE policy ("
	"  node_id INTEGER REFERENCES nodes(id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  updated_ms INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX policy_by_node_key ON policy(coalesce(node_id, 0), key);",

	/* v5: addresses and routes burrowd put on its device, so a start after
	 * kill -9 knows its leftovers from an operator's own (netconf.c) */
	"CREATE TABLE installed ("
	"  device TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('address', 'route')),"
	"  prefix TEXT NOT NULL,"
	"  owner BLOB CHECK (owner IS NULL OR length(owner) = 32),"
	"  installed_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (device, kind, prefix));",

	/* v6: a node's allowed prefixes as rows instead of the comma-joined
	 * nodes.allowed_prefixes, which is split here (entries trimmed of
	 * spaces, empty ones and repeats dropped, order kept in position) and
	 * then dropped. Whether each prefix parses is checked on open
	 * (burrow_store_node_prefix_check). */
	"CREATE TABLE node_prefixes ("
	"  node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,"
	"  prefix TEXT NOT NULL CHECK (length(prefix) > 0),"
	"  position INTEGER NOT NULL,"
	"  PRIMARY KEY (node_id, prefix));"
	"WITH RECURSIVE split(node_id, position, item, rest) AS ("
	"  SELECT id, -1, '', allowed_prefixes || ',' FROM nodes"
	"  UNION ALL"
	"  SELECT node_id, position + 1, trim(substr(rest, 1, instr(rest, ',') - 1), ' '),"
	"         substr(rest, instr(rest, ',') + 1)"
	"  FROM split WHERE rest <> '')"
	"INSERT OR IGNORE INTO node_prefixes (node_id, prefix, position)"
	"  SELECT node_id, item, position FROM split WHERE item <> ''"
	"  ORDER BY node_id, position;"
	"ALTER TABLE nodes DROP COLUMN allowed_prefixes;",

	/* v7: the last node map a coordinator sent (one row), as the MAP_FULL
	 * capsules that carry it, so a node restarting while its coordinator
	 * is down keeps its mesh peers (store_mesh.c, mesh.c) */
	"CREATE TABLE mesh_map ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  coordinator_key BLOB NOT NULL CHECK (length(coordinator_key) = 32),"
	"  map BLOB NOT NULL,"
	"  updated_ms INTEGER NOT NULL);",

	/* v8: the control ticket the coordinator renewed (CONTROL_TICKET), one
	 * row, so a restart keeps using it (store_mesh.c, mesh.c) */
	"CREATE TABLE control_ticket ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  relay TEXT NOT NULL,"
	"  node_key BLOB NOT NULL CHECK (length(node_key) = 32),"
	"  coordinator_key BLOB NOT NULL CHECK (length(coordinator_key) = 32),"
	"  ticket BLOB NOT NULL CHECK (length(ticket) = 176),"
	"  expiry INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL);",
};

_Static_assert(BURROW_STORE_APP_ID == 1112692548, "application_id literal in migration v1");

/* burrowd's open also refuses policy rows and prefixes it cannot read. */
static int burrowd_checks(struct burrow_store *st)
{
	int ret = burrow_store_policy_check(st);

	if (ret < 0)
		return ret;
	return burrow_store_node_prefix_check(st);
}

static const struct burrow_store_schema burrowd_schema = {
	.app_id = BURROW_STORE_APP_ID,
	.program = "burrowd",
	.migrations = migrations,
	.version = BURROW_STORE_SCHEMA_VERSION,
	.check = burrowd_checks,
};

/* Record why an operation failed; log it unless it is an expected answer. */
int burrow_store_fail(struct burrow_store *st, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
	if (ret != -ENOENT && ret != -EEXIST && !st->opening)
		burrow_log(BURROW_LOG_ERROR, "state '%s': %s", st->path, st->err);
	return ret;
}

int burrow_store_sqlite_errno(int rc)
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

int64_t burrow_store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *burrow_store_error(const struct burrow_store *st)
{
	return st->err;
}

int burrow_store_prepare(struct burrow_store *st, const char *sql, sqlite3_stmt **stmt)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL);

	if (rc != SQLITE_OK)
		return burrow_store_fail(st, burrow_store_sqlite_errno(rc), "%s", sqlite3_errmsg(st->db));
	return 0;
}

/* Run statements that return no rows. */
int burrow_store_exec(struct burrow_store *st, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		int ret = burrow_store_fail(st, burrow_store_sqlite_errno(rc), "%s",
					    msg ? msg : sqlite3_errstr(rc));

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

	ret = burrow_store_prepare(st, sql, &stmt);
	if (ret < 0)
		return ret;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*value = sqlite3_column_int64(stmt, 0);
		ret = 0;
	} else {
		ret = burrow_store_fail(st, burrow_store_sqlite_errno(rc), "%s", sqlite3_errmsg(st->db));
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

int burrow_store_rollback(struct burrow_store *st, int ret)
{
	/* Keep the first error message: ROLLBACK failures are secondary. */
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

/* An SQLite failure of a statement, as "<what>: <message>" (just the message without what). */
static int statement_fail(struct burrow_store *st, int rc, const char *what)
{
	return burrow_store_fail(st, burrow_store_sqlite_errno(rc), "%s%s%s", what ? what : "",
				 what ? ": " : "", sqlite3_errmsg(st->db));
}

/* Bind arg to ?index; an arg of type 0 leaves it NULL. */
static void statement_bind(sqlite3_stmt *stmt, int index, struct burrow_store_arg arg)
{
	if (arg.type == SQLITE_INTEGER)
		sqlite3_bind_int64(stmt, index, arg.integer);
	else if (arg.type == SQLITE_TEXT)
		sqlite3_bind_text(stmt, index, arg.data, -1, SQLITE_STATIC);
	else if (arg.type == SQLITE_BLOB)
		sqlite3_bind_blob(stmt, index, arg.data, arg.len, SQLITE_STATIC);
}

int burrow_store_write(struct burrow_store *st, const char *sql,
		       const struct burrow_store_arg *args, size_t n_args, const char *what,
		       int *changes)
{
	sqlite3_stmt *stmt;
	int rc, ret;

	ret = burrow_store_prepare(st, sql, &stmt);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n_args; i++)
		statement_bind(stmt, (int)i + 1, args[i]);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		if (changes)
			*changes = sqlite3_changes(st->db);
		ret = 0;
	} else {
		ret = statement_fail(st, rc, what);
	}
	sqlite3_finalize(stmt);
	return ret;
}

int burrow_store_each(struct burrow_store *st, const char *sql, struct burrow_store_arg arg,
		      const char *what,
		      int (*row)(struct burrow_store *st, sqlite3_stmt *stmt, void *ctx),
		      void *ctx)
{
	sqlite3_stmt *stmt;
	int rc, ret = 0;

	rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return statement_fail(st, rc, what);
	statement_bind(stmt, 1, arg);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		ret = row(st, stmt, ctx);
		if (ret)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = statement_fail(st, rc, what);
	sqlite3_finalize(stmt);
	return ret;
}

/* burrow_store_collect's state between rows: list[0..count) are decoded. */
struct collect {
	const struct burrow_store_rows *rows;
	void *ctx;
	unsigned char *list;
	size_t count, cap;
};

static void collect_clear(struct collect *c)
{
	if (c->rows->clear)
		for (size_t i = 0; i < c->count; i++)
			c->rows->clear(c->list + i * c->rows->elem_size);
	free(c->list);
}

static int collect_row(struct burrow_store *st, sqlite3_stmt *stmt, void *ctx)
{
	struct collect *c = ctx;
	unsigned char *elem;
	int ret;

	if (c->count == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		unsigned char *grown = reallocarray(c->list, cap, c->rows->elem_size);

		if (!grown)
			return burrow_store_fail(st, -ENOMEM, "out of memory");
		c->list = grown;
		c->cap = cap;
	}
	elem = c->list + c->count * c->rows->elem_size;
	memset(elem, 0, c->rows->elem_size);
	ret = c->rows->decode(st, stmt, elem, c->ctx);
	if (ret < 0) {
		if (c->rows->clear)
			c->rows->clear(elem);
		return ret;
	}
	c->count++;
	return 0;
}

int burrow_store_collect(struct burrow_store *st, const char *sql, struct burrow_store_arg arg,
			 const struct burrow_store_rows *rows, void *ctx, void **items, size_t *n)
{
	struct collect c = { .rows = rows, .ctx = ctx };
	int ret;

	*items = NULL;
	*n = 0;
	ret = burrow_store_each(st, sql, arg, rows->what, collect_row, &c);
	if (ret < 0) {
		collect_clear(&c);
		return ret;
	}
	*items = c.list;
	*n = c.count;
	return 0;
}

static int migrate(struct burrow_store *st)
{
	for (;;) {
		char sql[64];
		int64_t version;
		int ret;

		ret = burrow_store_exec(st, "BEGIN IMMEDIATE");
		if (ret < 0)
			return ret;
		/* Read inside the write transaction: no one else can migrate meanwhile. */
		ret = pragma_int(st, "PRAGMA user_version", &version);
		if (ret < 0)
			return burrow_store_rollback(st, ret);
		if (version >= st->schema->version)
			return burrow_store_exec(st, "COMMIT");
		ret = burrow_store_exec(st, st->schema->migrations[version]);
		if (ret < 0) {
			char why[BURROW_STORE_ERR_MAX];

			snprintf(why, sizeof(why), "%s", st->err);
			burrow_store_fail(st, ret, "migration to schema version %lld failed: %.400s",
					  (long long)version + 1, why);
			return burrow_store_rollback(st, ret);
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld", (long long)version + 1);
		ret = burrow_store_exec(st, sql);
		if (ret < 0)
			return burrow_store_rollback(st, ret);
		ret = burrow_store_exec(st, "COMMIT");
		if (ret < 0)
			return burrow_store_rollback(st, ret);
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
		return burrow_store_fail(st, -EINVAL, "not a %s database: %.400s",
					 st->schema->program, why);
	}
	ret = pragma_int(st, "PRAGMA user_version", version);
	if (ret < 0)
		return ret;
	ret = pragma_int(st, "SELECT count(*) FROM sqlite_schema", &tables);
	if (ret < 0)
		return ret;
	if (app_id == 0 && *version == 0 && tables == 0)
		return 0;	/* empty: a new database */
	if (app_id != st->schema->app_id)
		return burrow_store_fail(st, -EINVAL,
					 "not a %s database: SQLite file with application_id %#llx and %lld schema objects",
					 st->schema->program, (unsigned long long)app_id,
					 (long long)tables);
	if (*version > st->schema->version)
		return burrow_store_fail(st, -EPROTO,
					 "schema version %lld is newer than this %s understands (%d); use a newer %s",
					 (long long)*version, st->schema->program,
					 st->schema->version, st->schema->program);
	return 0;
}

int burrow_store_open(const char *path, unsigned int flags, struct burrow_store **out,
		      char *err, size_t err_size)
{
	return burrow_store_open_schema(path, flags, &burrowd_schema, out, err, err_size);
}

int burrow_store_open_schema(const char *path, unsigned int flags,
			     const struct burrow_store_schema *schema, struct burrow_store **out,
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
	st->schema = schema;
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
		ret = burrow_store_sqlite_errno(rc);
		snprintf(st->err, sizeof(st->err), "cannot open: %s",
			 st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);

	ret = check_identity(st, &version);
	if (ret < 0)
		goto fail;
	if (st->readonly) {
		if (version != schema->version) {
			ret = -EPROTO;
			snprintf(st->err, sizeof(st->err),
				 "schema version %lld, expected %d (start %s once to migrate)",
				 (long long)version, schema->version, schema->program);
			goto fail;
		}
	} else {
		/* journal_mode answers with the mode now in effect. */
		sqlite3_stmt *stmt;

		ret = burrow_store_prepare(st, "PRAGMA journal_mode = WAL", &stmt);
		if (ret < 0)
			goto fail;
		rc = sqlite3_step(stmt);
		if (rc != SQLITE_ROW ||
		    strcmp((const char *)sqlite3_column_text(stmt, 0), "wal")) {
			ret = rc == SQLITE_ROW ? -EIO : burrow_store_sqlite_errno(rc);
			snprintf(st->err, sizeof(st->err), "cannot switch to WAL: %s",
				 rc == SQLITE_ROW ? (const char *)sqlite3_column_text(stmt, 0) :
						    sqlite3_errmsg(st->db));
			sqlite3_finalize(stmt);
			goto fail;
		}
		sqlite3_finalize(stmt);
		ret = burrow_store_exec(st, "PRAGMA synchronous = FULL");
		if (ret < 0)
			goto fail;
	}
	ret = burrow_store_exec(st, "PRAGMA foreign_keys = ON");
	if (ret < 0)
		goto fail;
	if (!st->readonly) {
		ret = migrate(st);
		if (ret < 0)
			goto fail;
	}
	/* A row this program cannot read means the file is not what it claims:
	 * refuse it rather than run with data it would misread. */
	if (schema->check) {
		ret = schema->check(st);
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

int burrow_store_integrity_check(struct burrow_store *st)
{
	sqlite3_stmt *stmt;
	const char *result;
	int rc, ret;

	ret = burrow_store_prepare(st, "PRAGMA integrity_check", &stmt);
	if (ret < 0)
		return ret;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		ret = burrow_store_fail(st, burrow_store_sqlite_errno(rc), "integrity_check: %s",
					sqlite3_errmsg(st->db));
	} else {
		result = (const char *)sqlite3_column_text(stmt, 0);
		if (result && !strcmp(result, "ok"))
			ret = 0;
		else
			ret = burrow_store_fail(st, -EIO, "integrity_check: %s", result ? result : "(null)");
	}
	sqlite3_finalize(stmt);
	if (ret == 0) {
		/* integrity_check does not look at foreign keys */
		ret = burrow_store_prepare(st, "PRAGMA foreign_key_check", &stmt);
		if (ret < 0)
			return ret;
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW)
			ret = burrow_store_fail(st, -EIO, "foreign_key_check: row %lld of %s violates a foreign key",
						(long long)sqlite3_column_int64(stmt, 1),
						(const char *)sqlite3_column_text(stmt, 0));
		else if (rc != SQLITE_DONE)
			ret = burrow_store_fail(st, burrow_store_sqlite_errno(rc), "foreign_key_check: %s",
						sqlite3_errmsg(st->db));
		sqlite3_finalize(stmt);
	}
	return ret;
}
