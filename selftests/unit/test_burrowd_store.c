// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd store: nodes, sessions and events through the API; migrations
 * from every older schema version (databases built here by hand with the
 * historic SQL, not with the code under test); refusal of newer, foreign
 * and corrupt files; a failing migration leaves the old version intact;
 * and crash safety: a child writing in a loop is killed with SIGKILL
 * while the parent counts what it reported as committed, then the
 * database must pass integrity_check and hold every reported row.
 */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_internal.h"	/* burrow_store_collect */

/* ---- the historic schemas, frozen here on purpose ----------------------------- */

static const char schema_v1[] =
	"PRAGMA application_id = 1112692548;"
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
	"  detail TEXT NOT NULL);"
	"PRAGMA user_version = 1;";

/* v2 = v1 + its migration, as released. */
static const char schema_v2[] =
	"ALTER TABLE sessions ADD COLUMN rx_bytes INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE sessions ADD COLUMN tx_bytes INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE sessions ADD COLUMN cipher TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE sessions ADD COLUMN encap TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX events_by_time ON events(time_ms);"
	"CREATE INDEX events_by_node ON events(node_id);"
	"PRAGMA user_version = 2;";

/* Data a v1 burrowd could have written (node key = bytes 1..32). */
static const char data_v1[] =
	"INSERT INTO nodes VALUES (7, x'0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20',"
	" 'old', '192.0.2.9:51820', '10.0.0.9/32', 1000, 2000);"
	"INSERT INTO sessions VALUES (7, 5, 3000, 4000);"
	"INSERT INTO events VALUES (1, 3000, 7, 'up', 'session with old up');"
	"INSERT INTO events VALUES (2, 3500, NULL, 'start', 'burrowd started');";

/* v3 = v2 + its migration, as released. */
static const char schema_v3[] =
	"CREATE TABLE address_leases ("
	"  node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,"
	"  family INTEGER NOT NULL CHECK (family IN (4, 6)),"
	"  address TEXT NOT NULL UNIQUE,"
	"  assigned_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (node_id, family));"
	"PRAGMA user_version = 3;";

/* v4 = v3 + its migration, as released. */
static const char schema_v4[] =
	"CREATE TABLE policy ("
	"  node_id INTEGER REFERENCES nodes(id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  updated_ms INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX policy_by_node_key ON policy(coalesce(node_id, 0), key);"
	"INSERT INTO policy VALUES (7, 'may_announce', '10.20.0.0/16', 5000);"
	"PRAGMA user_version = 4;";

/* v5 = v4 + its migration, as released. */
static const char schema_v5[] =
	"CREATE TABLE installed ("
	"  device TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('address', 'route')),"
	"  prefix TEXT NOT NULL,"
	"  owner BLOB CHECK (owner IS NULL OR length(owner) = 32),"
	"  installed_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (device, kind, prefix));"
	"PRAGMA user_version = 5;";

/* v6 = v5 + its migration, as released. */
static const char schema_v6[] =
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
	"ALTER TABLE nodes DROP COLUMN allowed_prefixes;"
	"PRAGMA user_version = 6;";

/* v7 = v6 + its migration, as released. */
static const char schema_v7[] =
	"CREATE TABLE mesh_map ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  coordinator_key BLOB NOT NULL CHECK (length(coordinator_key) = 32),"
	"  map BLOB NOT NULL,"
	"  updated_ms INTEGER NOT NULL);"
	"PRAGMA user_version = 7;";

/* schemas[v] builds version v from nothing; [0] is an empty file; v >= 2
 * are v1, its data, then each later migration in turn. */
static const char *const schemas[] = { "", schema_v1, schema_v2, schema_v3, schema_v4,
				       schema_v5, schema_v6, schema_v7 };
_Static_assert(sizeof(schemas) / sizeof(schemas[0]) == BURROW_STORE_SCHEMA_VERSION,
	       "add the frozen SQL of every released schema version to this test");

static char dir[64];
static char db_path[128];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/burrowd-store-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	/* The store logs its failures; tests provoke many on purpose. */
	burrow_log_set_level(BURROW_LOG_ERROR);
	burrow_log_set_fd(open("/dev/null", O_WRONLY | O_CLOEXEC));
	return 0;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Each test gets a fresh database path. */
static int fresh_path(void **state)
{
	static int n;

	(void)state;
	snprintf(db_path, sizeof(db_path), "%s/t%d.db", dir, n++);
	return 0;
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("raw sql failed: %s", msg);
	sqlite3_close(db);
}

/* 0 when sql ran, -1 when SQLite refused it. */
static int raw_try(const char *path, const char *sql)
{
	sqlite3 *db;
	int rc;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3_stmt *stmt;
	sqlite3 *db;
	int64_t v;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		fail_msg("prepare '%s': %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

/* The text of the first column of the first row, "" for NULL, into buf. */
static const char *raw_text(const char *path, const char *sql, char *buf, size_t size)
{
	sqlite3_stmt *stmt;
	sqlite3 *db;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		fail_msg("prepare '%s': %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	snprintf(buf, size, "%s",
		 sqlite3_column_text(stmt, 0) ? (const char *)sqlite3_column_text(stmt, 0) : "");
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return buf;
}

static void key_of(uint8_t key[32], uint8_t first)
{
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(first + i);
}

static struct burrow_store *open_ok(const char *path)
{
	struct burrow_store *st;
	char err[BURROW_STORE_ERR_MAX] = "";

	if (burrow_store_open(path, 0, &st, err, sizeof(err)) < 0)
		fail_msg("open: %s", err);
	return st;
}

static void add_node(struct burrow_store *st, uint8_t first, const char *name)
{
	struct burrow_node node = { .name = (char *)name, .allowed_prefixes = "10.0.0.1/32" };

	key_of(node.public_key, first);
	if (burrow_store_node_upsert(st, &node) < 0)
		fail_msg("upsert %s: %s", name, burrow_store_error(st));
}

/* ---- API ------------------------------------------------------------------------ */

static void test_new_database(void **state)
{
	struct burrow_store *st;
	struct stat sb;

	(void)state;
	st = open_ok(db_path);
	assert_int_equal(burrow_store_schema_version(st), BURROW_STORE_SCHEMA_VERSION);
	assert_int_equal(burrow_store_integrity_check(st), 0);
	burrow_store_close(st);
	assert_int_equal(stat(db_path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(raw_int(db_path, "PRAGMA application_id"), 0x42525744);
	assert_int_equal(raw_int(db_path, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
	/* Opening again is a no-op for the schema. */
	st = open_ok(db_path);
	assert_int_equal(burrow_store_schema_version(st), BURROW_STORE_SCHEMA_VERSION);
	burrow_store_close(st);
}

static void test_nodes(void **state)
{
	struct burrow_node node = { 0 }, got, *list;
	struct burrow_store *st;
	uint8_t key_b[32], key_c[32];
	int64_t id, created;
	size_t n;

	(void)state;
	st = open_ok(db_path);
	key_of(key_b, 0x10);
	key_of(key_c, 0x40);
	node.name = "beta";
	node.endpoint = "192.0.2.2:51820";
	node.allowed_prefixes = "10.0.0.2/32,fd00::2/128";
	memcpy(node.public_key, key_b, 32);
	assert_int_equal(burrow_store_node_upsert(st, &node), 0);
	assert_int_equal(burrow_store_node_get(st, key_b, &got), 0);
	assert_string_equal(got.name, "beta");
	assert_string_equal(got.endpoint, "192.0.2.2:51820");
	assert_string_equal(got.allowed_prefixes, "10.0.0.2/32,fd00::2/128");
	assert_true(got.created_ms > 1600000000000LL);
	id = got.id;
	created = got.created_ms;
	burrow_store_node_clear(&got);

	/* Update by key: same row, new values, endpoint cleared. */
	node.name = "beta2";
	node.endpoint = NULL;
	node.allowed_prefixes = NULL;
	assert_int_equal(burrow_store_node_upsert(st, &node), 0);
	assert_int_equal(burrow_store_node_get_by_name(st, "beta2", &got), 0);
	assert_int_equal(got.id, id);
	assert_int_equal(got.created_ms, created);
	assert_true(got.updated_ms >= created);
	assert_null(got.endpoint);
	assert_string_equal(got.allowed_prefixes, "");
	burrow_store_node_clear(&got);
	assert_int_equal(burrow_store_node_get_by_name(st, "beta", &got), -ENOENT);
	assert_non_null(strstr(burrow_store_error(st), "no node named 'beta'"));

	/* A second key may not take the name. */
	memcpy(node.public_key, key_c, 32);
	assert_int_equal(burrow_store_node_upsert(st, &node), -EEXIST);
	assert_string_equal(burrow_store_error(st),
			    "node name 'beta2' is already used by another public key");
	node.name = "";
	assert_int_equal(burrow_store_node_upsert(st, &node), -EINVAL);
	node.name = "alpha";
	assert_int_equal(burrow_store_node_upsert(st, &node), 0);

	assert_int_equal(burrow_store_node_list(st, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "alpha");
	assert_memory_equal(list[0].public_key, key_c, 32);
	assert_string_equal(list[1].name, "beta2");
	burrow_store_nodes_free(list, n);

	assert_int_equal(burrow_store_node_remove(st, key_c), 0);
	assert_int_equal(burrow_store_node_remove(st, key_c), -ENOENT);
	assert_int_equal(burrow_store_node_get(st, key_c, &got), -ENOENT);
	assert_int_equal(burrow_store_node_list(st, &list, &n), 0);
	assert_int_equal(n, 1);
	burrow_store_nodes_free(list, n);
	burrow_store_close(st);
}

static void test_sessions(void **state)
{
	struct burrow_session_record s, before;
	struct burrow_store *st;
	uint8_t key[32], unknown[32];

	(void)state;
	st = open_ok(db_path);
	add_node(st, 0x10, "beta");
	key_of(key, 0x10);
	key_of(unknown, 0x99);

	assert_int_equal(burrow_store_session_get(st, key, &s), -ENOENT);
	assert_int_equal(burrow_store_session_generation(st, unknown, 1, NULL, NULL), -ENOENT);
	assert_int_equal(burrow_store_session_counters(st, key, 1, 2), -ENOENT);

	assert_int_equal(burrow_store_session_generation(st, key, 1, "aes-256-gcm", "udp"), 0);
	assert_int_equal(burrow_store_session_get(st, key, &s), 0);
	assert_int_equal(s.generation, 1);
	assert_int_equal(s.established_ms, s.last_rotation_ms);
	assert_string_equal(s.cipher, "aes-256-gcm");
	assert_string_equal(s.encap, "udp");
	assert_int_equal(s.rx_bytes, 0);

	/* counters survive a rotation; the top bit survives the signed column */
	assert_int_equal(burrow_store_session_counters(st, key, 1000, UINT64_MAX - 1), 0);
	before = s;
	assert_int_equal(burrow_store_session_generation(st, key, 2, "aes-256-gcm", "udp"), 0);
	assert_int_equal(burrow_store_session_get(st, key, &s), 0);
	assert_int_equal(s.generation, 2);
	assert_int_equal(s.established_ms, before.established_ms);
	assert_true(s.last_rotation_ms >= before.last_rotation_ms);
	assert_int_equal(s.rx_bytes, 1000);
	assert_true(s.tx_bytes == UINT64_MAX - 1);

	/* numbering restarts: a new session, counters back to 0 */
	assert_int_equal(burrow_store_session_generation(st, key, 1, "chacha20-poly1305", "quic"), 0);
	assert_int_equal(burrow_store_session_get(st, key, &s), 0);
	assert_int_equal(s.generation, 1);
	assert_int_equal(s.rx_bytes, 0);
	assert_int_equal(s.tx_bytes, 0);
	assert_string_equal(s.cipher, "chacha20-poly1305");
	assert_string_equal(s.encap, "quic");

	assert_int_equal(burrow_store_session_generation(st, key, (uint64_t)INT64_MAX + 1, NULL,
							 NULL), -ERANGE);
	assert_int_equal(burrow_store_session_end(st, key), 0);
	assert_int_equal(burrow_store_session_end(st, key), -ENOENT);
	assert_int_equal(burrow_store_session_get(st, key, &s), -ENOENT);

	/* Removing the node removes its session (foreign key cascade). */
	assert_int_equal(burrow_store_session_generation(st, key, 3, NULL, NULL), 0);
	assert_int_equal(burrow_store_node_remove(st, key), 0);
	assert_int_equal(raw_int(db_path, "SELECT count(*) FROM sessions"), 0);
	assert_int_equal(burrow_store_integrity_check(st), 0);
	burrow_store_close(st);
}

static void test_events(void **state)
{
	struct burrow_event *events;
	struct burrow_store *st;
	uint8_t key[32], unknown[32];
	size_t n;

	(void)state;
	st = open_ok(db_path);
	add_node(st, 0x10, "beta");
	key_of(key, 0x10);
	key_of(unknown, 0x99);
	assert_int_equal(burrow_store_event_append(st, NULL, "start", "burrowd started"), 0);
	assert_int_equal(burrow_store_event_append(st, key, "up", "session with beta up"), 0);
	assert_int_equal(burrow_store_event_append(st, unknown, "refused", "unknown key"), 0);

	assert_int_equal(burrow_store_event_recent(st, 2, &events, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(events[0].kind, "refused");
	assert_null(events[0].node_name);
	assert_string_equal(events[1].kind, "up");
	assert_string_equal(events[1].node_name, "beta");
	assert_string_equal(events[1].detail, "session with beta up");
	assert_true(events[0].id > events[1].id);
	burrow_store_events_free(events, n);

	/* A removed node's events stay, without the node. */
	assert_int_equal(burrow_store_node_remove(st, key), 0);
	assert_int_equal(burrow_store_event_recent(st, 10, &events, &n), 0);
	assert_int_equal(n, 3);
	assert_null(events[1].node_name);
	assert_string_equal(events[2].kind, "start");
	burrow_store_events_free(events, n);

	assert_int_equal(burrow_store_event_prune(st, 1), 0);
	assert_int_equal(burrow_store_event_recent(st, 10, &events, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(events[0].kind, "refused");
	burrow_store_events_free(events, n);
	burrow_store_close(st);
}

static void test_readonly(void **state)
{
	struct burrow_store *st, *ro;
	struct burrow_node *list;
	char err[BURROW_STORE_ERR_MAX];
	size_t n;

	(void)state;
	/* read-only never creates */
	assert_true(burrow_store_open(db_path, BURROW_STORE_READONLY, &ro, err, sizeof(err)) < 0);
	assert_int_equal(access(db_path, F_OK), -1);

	st = open_ok(db_path);
	add_node(st, 0x10, "beta");
	/* a reader next to the writer sees committed data (WAL) */
	assert_int_equal(burrow_store_open(db_path, BURROW_STORE_READONLY, &ro, err, sizeof(err)), 0);
	assert_int_equal(burrow_store_node_list(ro, &list, &n), 0);
	assert_int_equal(n, 1);
	burrow_store_nodes_free(list, n);
	assert_int_equal(burrow_store_event_append(ro, NULL, "x", "y"), -EACCES);
	burrow_store_close(ro);
	burrow_store_close(st);
}

static void test_second_writer(void **state)
{
	struct burrow_store *daemon_conn, *command_conn;
	struct burrow_node *list;
	sqlite3 *holder;
	size_t n;

	(void)state;
	daemon_conn = open_ok(db_path);
	command_conn = open_ok(db_path);
	/* interleaved one-transaction writers both land */
	add_node(daemon_conn, 0x10, "one");
	add_node(command_conn, 0x30, "two");
	assert_int_equal(burrow_store_event_append(daemon_conn, NULL, "a", "b"), 0);
	assert_int_equal(burrow_store_node_list(daemon_conn, &list, &n), 0);
	assert_int_equal(n, 2);
	burrow_store_nodes_free(list, n);

	/* while a write lock is held elsewhere, a writer waits and then fails
	 * cleanly with -EBUSY instead of corrupting anything */
	assert_int_equal(sqlite3_open(db_path, &holder), SQLITE_OK);
	assert_int_equal(sqlite3_exec(holder, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	burrow_store_set_busy_timeout(command_conn, 100);
	assert_int_equal(burrow_store_event_append(command_conn, NULL, "c", "d"), -EBUSY);
	assert_int_equal(sqlite3_exec(holder, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(holder);
	assert_int_equal(burrow_store_event_append(command_conn, NULL, "c", "d"), 0);
	assert_int_equal(burrow_store_integrity_check(daemon_conn), 0);
	burrow_store_close(command_conn);
	burrow_store_close(daemon_conn);
}

/* ---- migrations and refusals ------------------------------------------------------ */

static void test_migrate_from_every_version(void **state)
{
	(void)state;
	for (size_t v = 0; v < BURROW_STORE_SCHEMA_VERSION; v++) {
		struct burrow_session_record s;
		struct burrow_event *events;
		struct burrow_node node;
		struct burrow_store *st;
		uint8_t key[32];
		char path[160];
		size_t n;

		snprintf(path, sizeof(path), "%s/from-v%zu.db", dir, v);
		raw_exec(path, v >= 1 ? schema_v1 : schemas[0]);
		if (v >= 1)
			raw_exec(path, data_v1);
		for (size_t k = 2; k <= v; k++)
			raw_exec(path, schemas[k]);
		assert_int_equal(raw_int(path, "PRAGMA user_version"), v);

		st = open_ok(path);
		assert_int_equal(burrow_store_schema_version(st), BURROW_STORE_SCHEMA_VERSION);
		assert_int_equal(burrow_store_integrity_check(st), 0);
		key_of(key, 1);
		if (v >= 1) {
			/* v1 rows come through intact; v2 columns have their defaults */
			assert_int_equal(burrow_store_node_get(st, key, &node), 0);
			assert_int_equal(node.id, 7);
			assert_string_equal(node.name, "old");
			assert_string_equal(node.endpoint, "192.0.2.9:51820");
			assert_string_equal(node.allowed_prefixes, "10.0.0.9/32");
			assert_int_equal(node.created_ms, 1000);
			burrow_store_node_clear(&node);
			assert_int_equal(burrow_store_session_get(st, key, &s), 0);
			assert_int_equal(s.generation, 5);
			assert_int_equal(s.established_ms, 3000);
			assert_int_equal(s.rx_bytes, 0);
			assert_string_equal(s.cipher, "");
			assert_int_equal(burrow_store_event_recent(st, 10, &events, &n), 0);
			assert_int_equal(n, 2);
			assert_string_equal(events[1].node_name, "old");
			burrow_store_events_free(events, n);
			/* and v2 features work on them */
			assert_int_equal(burrow_store_session_counters(st, key, 5, 6), 0);
			assert_int_equal(burrow_store_session_generation(st, key, 6, "aes-128-gcm", "udp"), 0);
			assert_int_equal(burrow_store_session_get(st, key, &s), 0);
			assert_int_equal(s.rx_bytes, 5);
			assert_int_equal(s.established_ms, 3000);
		}
		burrow_store_close(st);
		assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
					       " AND name IN ('events_by_time', 'events_by_node')"), 2);
		assert_int_equal(raw_int(path, "PRAGMA user_version"), BURROW_STORE_SCHEMA_VERSION);
	}
}

static void test_failed_migration_changes_nothing(void **state)
{
	struct burrow_store *st;
	char err[BURROW_STORE_ERR_MAX];

	(void)state;
	/* A v1 database where v2's index name is already taken: v2 must fail whole. */
	raw_exec(db_path, schema_v1);
	raw_exec(db_path, "CREATE INDEX events_by_node ON events(kind);");
	assert_int_equal(burrow_store_open(db_path, 0, &st, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "migration to schema version 2 failed"));
	assert_non_null(strstr(err, "events_by_node"));
	assert_int_equal(raw_int(db_path, "PRAGMA user_version"), 1);
	/* the ALTERs that ran before the failing statement were rolled back */
	assert_int_equal(raw_int(db_path, "SELECT count(*) FROM pragma_table_info('sessions')"
					  " WHERE name = 'rx_bytes'"), 0);
	assert_int_equal(raw_int(db_path, "SELECT count(*) FROM sqlite_schema WHERE name = 'events_by_time'"), 0);
}

static void test_newer_version_refused(void **state)
{
	struct burrow_store *st;
	char err[BURROW_STORE_ERR_MAX], expect[300], sql[64];
	int newer = BURROW_STORE_SCHEMA_VERSION + 1;

	(void)state;
	raw_exec(db_path, schema_v1);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;", newer);
	raw_exec(db_path, sql);
	assert_int_equal(burrow_store_open(db_path, 0, &st, err, sizeof(err)), -EPROTO);
	snprintf(expect, sizeof(expect),
		 "state '%s': schema version %d is newer than this burrowd understands (%d); use a newer burrowd",
		 db_path, newer, BURROW_STORE_SCHEMA_VERSION);
	assert_string_equal(err, expect);
	assert_null(st);
	assert_int_equal(raw_int(db_path, "PRAGMA user_version"), newer);
}

static void test_foreign_sqlite_refused(void **state)
{
	struct burrow_store *st;
	char err[BURROW_STORE_ERR_MAX];

	(void)state;
	raw_exec(db_path, "CREATE TABLE photos (id INTEGER PRIMARY KEY);");
	assert_int_equal(burrow_store_open(db_path, 0, &st, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, db_path));
	assert_non_null(strstr(err, "not a burrowd database: SQLite file with application_id 0 and 1 schema objects"));
	/* untouched: not switched to WAL, no tables added */
	assert_int_equal(raw_int(db_path, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'delete'"), 1);
	assert_int_equal(raw_int(db_path, "SELECT count(*) FROM sqlite_schema"), 1);
}

static void test_not_sqlite_refused(void **state)
{
	struct burrow_store *st;
	char err[BURROW_STORE_ERR_MAX];
	char junk[8192];
	int fd;

	(void)state;
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	fd = open(db_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	assert_int_equal(burrow_store_open(db_path, 0, &st, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, db_path));
	assert_non_null(strstr(err, "not a burrowd database: file is not a database"));
}

static void test_corruption_detected(void **state)
{
	struct burrow_store *st;
	char junk[4096];
	int fd;

	(void)state;
	st = open_ok(db_path);
	for (int i = 0; i < 50; i++) {
		char name[16];

		snprintf(name, sizeof(name), "node%d", i);
		add_node(st, (uint8_t)i, name);
	}
	burrow_store_close(st);		/* checkpoints everything into the main file */
	/* Scribble over the third page (a table or index b-tree page). */
	memset(junk, 0x5a, sizeof(junk));
	fd = open(db_path, O_WRONLY);
	assert_int_equal(pwrite(fd, junk, sizeof(junk), 2 * 4096), (ssize_t)sizeof(junk));
	close(fd);

	{
		char err[BURROW_STORE_ERR_MAX];
		int ret = burrow_store_open(db_path, 0, &st, err, sizeof(err));

		/* Either the open notices, or integrity_check does; never "ok". */
		if (ret == 0) {
			assert_int_equal(burrow_store_integrity_check(st), -EIO);
			assert_non_null(strstr(burrow_store_error(st), "integrity_check: "));
			burrow_store_close(st);
		}
	}
}

/* ---- crash safety ----------------------------------------------------------------- */

/*
 * Child: append event "row N" and record generation N + 1, each its own
 * transaction, then report N on the pipe. Runs until killed.
 */
static void crash_child(const char *path, int64_t start, int report_fd, unsigned int seed)
{
	struct burrow_store *st;
	char err[BURROW_STORE_ERR_MAX], detail[1200];
	uint8_t key[32];

	key_of(key, 0x20);
	if (burrow_store_open(path, 0, &st, err, sizeof(err)) < 0)
		_exit(2);
	add_node(st, 0x20, "crash");
	for (int64_t i = start;; i++) {
		/* rows of varied size so pages fill and split at different points */
		int pad = (int)(rand_r(&seed) % 1000);

		snprintf(detail, sizeof(detail), "row %lld %.*s", (long long)i, pad,
			 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		if (burrow_store_event_append(st, key, "crash", detail) < 0)
			_exit(3);
		if (burrow_store_session_generation(st, key, (uint64_t)i + 1, "aes-256-gcm", "udp") < 0)
			_exit(4);
		if (write(report_fd, &i, sizeof(i)) != sizeof(i))
			_exit(5);
	}
}

/* Check the database after a kill; returns the highest row present. */
static int64_t check_after_crash(const char *path, int64_t start, int64_t reported)
{
	struct burrow_session_record s;
	struct burrow_event *events;
	struct burrow_store *st;
	uint8_t key[32];
	int64_t highest = start - 1, expect;
	size_t n;

	st = open_ok(path);
	if (burrow_store_integrity_check(st) < 0)
		fail_msg("after kill: %s", burrow_store_error(st));
	assert_int_equal(burrow_store_schema_version(st), BURROW_STORE_SCHEMA_VERSION);
	assert_int_equal(burrow_store_event_recent(st, SIZE_MAX, &events, &n), 0);
	/* events are newest first: rows ..., 2, 1, 0 with no gap */
	expect = -1;
	for (size_t i = n; i-- > 0;) {
		long long row;

		assert_int_equal(sscanf(events[i].detail, "row %lld", &row), 1);
		assert_int_equal(row, expect + 1);
		expect = row;
	}
	highest = expect;
	burrow_store_events_free(events, n);
	/* every reported row; at most the one being written past it */
	if (highest < reported || highest > reported + 1)
		fail_msg("rows up to %lld present, child reported %lld committed", (long long)highest,
			 (long long)reported);
	key_of(key, 0x20);
	if (highest >= 0) {
		assert_int_equal(burrow_store_session_get(st, key, &s), 0);
		/* generation is written after its row: equal, or one behind the last row */
		assert_true(s.generation == (uint64_t)highest + 1 || s.generation == (uint64_t)highest);
		assert_true(s.generation >= (uint64_t)reported + 1);
	}
	burrow_store_close(st);
	return highest;
}

static void test_kill_during_writes(void **state)
{
	unsigned int seed = (unsigned int)getpid();
	int64_t next = 0;

	(void)state;
	/* Round 0 kills at once: often inside creation and migration. */
	for (int round = 0; round < 5; round++) {
		int64_t reported = next - 1, value;
		int pipefd[2], status;
		unsigned int wanted = round == 0 ? 0 : 1 + rand_r(&seed) % 40, got = 0;
		unsigned int child_seed = rand_r(&seed);
		pid_t pid;

		assert_int_equal(pipe(pipefd), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(pipefd[0]);
			crash_child(db_path, next, pipefd[1], child_seed);
			_exit(6);
		}
		close(pipefd[1]);
		while (got < wanted && read(pipefd[0], &value, sizeof(value)) == sizeof(value)) {
			reported = value;
			got++;
		}
		kill(pid, SIGKILL);
		/* reports already in the pipe were committed before they were written */
		while (read(pipefd[0], &value, sizeof(value)) == sizeof(value))
			reported = value;
		close(pipefd[0]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			fail_msg("round %d: child ended with status %#x before the kill", round, status);

		if (access(db_path, F_OK) < 0) {
			assert_int_equal(round, 0);	/* killed before even creating it */
			continue;
		}
		next = check_after_crash(db_path, next, reported) + 1;
	}
	assert_true(next > 0);
}

/* Leases: one per node and version, unique addresses, survive reopening, go with the node. */
static void test_leases(void **state)
{
	struct burrow_lease *leases;
	struct burrow_store *st;
	uint8_t k1[32], k2[32], unknown[32];
	size_t n;

	(void)state;
	st = open_ok(db_path);
	add_node(st, 1, "m1");
	add_node(st, 50, "m2");
	key_of(k1, 1);
	key_of(k2, 50);
	key_of(unknown, 100);
	assert_int_equal(burrow_store_lease_set(st, k1, 4, "10.99.0.2/32"), 0);
	assert_int_equal(burrow_store_lease_set(st, k2, 4, "10.99.0.3/32"), 0);
	assert_int_equal(burrow_store_lease_set(st, k1, 6, "fd99::2/128"), 0);
	/* Another node's address. */
	assert_int_equal(burrow_store_lease_set(st, k2, 4, "10.99.0.2/32"), -EEXIST);
	assert_string_equal(burrow_store_error(st), "address '10.99.0.2/32' is leased to another node");
	assert_int_equal(burrow_store_lease_set(st, unknown, 4, "10.99.0.9/32"), -ENOENT);
	/* A new address for the same node and version replaces the old one. */
	assert_int_equal(burrow_store_lease_set(st, k2, 4, "10.99.0.4/32"), 0);
	burrow_store_close(st);

	st = open_ok(db_path);
	assert_int_equal(burrow_store_lease_list(st, &leases, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(leases[0].address, "10.99.0.2/32");
	assert_string_equal(leases[0].node_name, "m1");
	assert_memory_equal(leases[0].public_key, k1, 32);
	assert_string_equal(leases[1].address, "10.99.0.4/32");
	assert_int_equal(leases[2].version, 6);
	burrow_store_leases_free(leases);
	assert_int_equal(burrow_store_node_remove(st, k1), 0);
	assert_int_equal(burrow_store_lease_list(st, &leases, &n), 0);
	assert_int_equal(n, 1);
	burrow_store_leases_free(leases);
	burrow_store_close(st);
}

/* ---- policy (schema v4) -------------------------------------------------------- */

static void test_policy(void **state)
{
	static const char *const keys[] = { "accept_addresses", "may_announce", "may_reach" };
	static const char *const first[] = { "", "10.20.0.0/16", "all" };
	static const char *const second[] = { "10.99.0.0/24", "10.20.0.0/16, fd20::/48", "10.0.0.0/8" };
	static const char *const node_key[] = { "relay_routes" };
	static const char *const yes[] = { "yes" };
	struct burrow_policy_row *rows;
	struct burrow_store *st;
	uint8_t k1[32], unknown[32];
	size_t n;

	(void)state;
	st = open_ok(db_path);
	add_node(st, 1, "m1");
	key_of(k1, 1);
	key_of(unknown, 100);
	assert_int_equal(burrow_store_policy_set(st, k1, keys, first, 3), 0);
	/* a reload replaces the whole set */
	assert_int_equal(burrow_store_policy_set(st, k1, keys, second, 2), 0);
	assert_int_equal(burrow_store_policy_set(st, NULL, node_key, yes, 1), 0);
	assert_int_equal(burrow_store_policy_set(st, unknown, keys, first, 1), -ENOENT);
	burrow_store_close(st);

	st = open_ok(db_path);
	assert_int_equal(burrow_store_policy_list(st, &rows, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].node_name, "");
	assert_string_equal(rows[0].key, "relay_routes");
	assert_string_equal(rows[0].value, "yes");
	assert_string_equal(rows[1].node_name, "m1");
	assert_string_equal(rows[1].key, "accept_addresses");
	assert_string_equal(rows[1].value, "10.99.0.0/24");
	assert_string_equal(rows[2].key, "may_announce");
	assert_string_equal(rows[2].value, "10.20.0.0/16, fd20::/48");
	burrow_store_policy_free(rows, n);
	/* removing the node removes its policy */
	assert_int_equal(burrow_store_node_remove(st, k1), 0);
	assert_int_equal(burrow_store_policy_list(st, &rows, &n), 0);
	assert_int_equal(n, 1);
	burrow_store_policy_free(rows, n);
	burrow_store_close(st);
}

/* A database whose policy row (or node prefix row) this burrowd cannot
 * read is refused, naming it. */
static void policy_refused(const char *insert, const char *expect)
{
	struct burrow_store *st;
	char err[BURROW_STORE_ERR_MAX];

	st = open_ok(db_path);
	add_node(st, 1, "m1");
	burrow_store_close(st);
	raw_exec(db_path, insert);
	assert_int_equal(burrow_store_open(db_path, 0, &st, err, sizeof(err)), -EINVAL);
	assert_null(st);
	if (!strstr(err, expect))
		fail_msg("error '%s' does not contain '%s'", err, expect);
	/* read-only openers (burrowd peer list) refuse it too */
	assert_int_equal(burrow_store_open(db_path, BURROW_STORE_READONLY, &st, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, expect));
}

static void test_policy_unknown_key_refused(void **state)
{
	(void)state;
	policy_refused("INSERT INTO policy VALUES ((SELECT id FROM nodes), 'may_teleport', 'yes', 1);",
		       "policy row 1 (node 'm1'): unknown key 'may_teleport'");
}

static void test_policy_malformed_prefix_refused(void **state)
{
	(void)state;
	policy_refused("INSERT INTO policy VALUES ((SELECT id FROM nodes), 'may_announce',"
		       " '10.20.0.0/16, 10.0.0.0/99', 1);",
		       "may_announce value '10.20.0.0/16, 10.0.0.0/99' is malformed");
}

static void test_policy_malformed_flag_refused(void **state)
{
	(void)state;
	policy_refused("INSERT INTO policy VALUES (NULL, 'relay_routes', 'maybe', 1);",
		       "relay_routes value 'maybe' is malformed: expected yes or no");
}

static void test_policy_wrong_scope_refused(void **state)
{
	(void)state;
	policy_refused("INSERT INTO policy VALUES (NULL, 'accept_addresses', '', 1);",
		       "key 'accept_addresses' is per peer but has no node");
}

/* ---- installed addresses and routes (schema v5) ---------------------------------- */

static void test_installed(void **state)
{
	struct burrow_installed *rows;
	struct burrow_store *st;
	uint8_t k1[32];
	size_t n;

	(void)state;
	key_of(k1, 1);
	st = open_ok(db_path);
	assert_int_equal(burrow_store_installed_add(st, "burrow0", BURROW_INSTALLED_ADDRESS,
						    "10.99.0.2/32", k1), 0);
	assert_int_equal(burrow_store_installed_add(st, "burrow0", BURROW_INSTALLED_ADDRESS,
						    "10.55.0.2/32", NULL), 0);
	assert_int_equal(burrow_store_installed_add(st, "burrow0", BURROW_INSTALLED_ROUTE,
						    "10.99.0.0/24", k1), 0);
	assert_int_equal(burrow_store_installed_add(st, "burrow1", BURROW_INSTALLED_ROUTE,
						    "10.1.0.0/24", NULL), 0);
	assert_int_equal(burrow_store_installed_del(st, "burrow0", BURROW_INSTALLED_ADDRESS,
						    "10.55.0.2/32"), 0);
	burrow_store_close(st);
	/* as after kill -9: the rows are what the next start reads */
	st = open_ok(db_path);
	assert_int_equal(burrow_store_installed_list(st, "burrow0", &rows, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].kind, BURROW_INSTALLED_ADDRESS);
	assert_string_equal(rows[0].prefix, "10.99.0.2/32");
	assert_true(rows[0].has_owner);
	assert_memory_equal(rows[0].owner, k1, 32);
	assert_int_equal(rows[1].kind, BURROW_INSTALLED_ROUTE);
	free(rows);
	burrow_store_close(st);
}

/* ---- allowed prefixes as rows (schema v6) ---------------------------------------- */

/* Every node_prefixes row as "node_id:prefix", in node and position order. */
#define PREFIX_ROWS "SELECT group_concat(r, ' ') FROM (SELECT node_id || ':' || prefix AS r" \
		    " FROM node_prefixes ORDER BY node_id, position)"

static void test_prefix_rows(void **state)
{
	struct burrow_node node = { 0 }, got, *list;
	struct burrow_store *st;
	uint8_t k1[32], k2[32];
	char text[256];
	size_t n;

	(void)state;
	key_of(k1, 1);
	key_of(k2, 50);
	st = open_ok(db_path);
	/* spaces trimmed, empty entries and repeats dropped, order kept (not sorted) */
	node.name = "m1";
	node.allowed_prefixes = " fd00::2/128, 10.0.0.2/32,,10.0.0.2/32 ,";
	memcpy(node.public_key, k1, 32);
	assert_int_equal(burrow_store_node_upsert(st, &node), 0);
	node.name = "m2";
	node.allowed_prefixes = "10.0.0.3/32";
	memcpy(node.public_key, k2, 32);
	assert_int_equal(burrow_store_node_upsert(st, &node), 0);
	assert_string_equal(raw_text(db_path, PREFIX_ROWS, text, sizeof(text)),
			    "1:fd00::2/128 1:10.0.0.2/32 2:10.0.0.3/32");
	burrow_store_close(st);

	/* read back after reopening: joined in their order */
	st = open_ok(db_path);
	assert_int_equal(burrow_store_node_get(st, k1, &got), 0);
	assert_string_equal(got.allowed_prefixes, "fd00::2/128,10.0.0.2/32");
	burrow_store_node_clear(&got);
	assert_int_equal(burrow_store_node_list(st, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].allowed_prefixes, "fd00::2/128,10.0.0.2/32");
	assert_string_equal(list[1].allowed_prefixes, "10.0.0.3/32");
	burrow_store_nodes_free(list, n);

	/* an update replaces the rows; none is "" */
	node.allowed_prefixes = "10.0.0.4/32,10.0.0.3/32";
	assert_int_equal(burrow_store_node_upsert(st, &node), 0);
	node.name = "m1";
	node.allowed_prefixes = NULL;
	memcpy(node.public_key, k1, 32);
	assert_int_equal(burrow_store_node_upsert(st, &node), 0);
	assert_int_equal(burrow_store_node_get_by_name(st, "m1", &got), 0);
	assert_string_equal(got.allowed_prefixes, "");
	burrow_store_node_clear(&got);
	assert_string_equal(raw_text(db_path, PREFIX_ROWS, text, sizeof(text)),
			    "2:10.0.0.4/32 2:10.0.0.3/32");

	/* a malformed prefix is refused by name, and the node keeps what it had */
	node.name = "m2-renamed";
	node.allowed_prefixes = "10.0.0.5/32, 10.0.0.0/99";
	memcpy(node.public_key, k2, 32);
	assert_int_equal(burrow_store_node_upsert(st, &node), -EINVAL);
	assert_non_null(strstr(burrow_store_error(st),
			       "node 'm2-renamed': malformed allowed prefix: invalid prefix '10.0.0.0/99'"));
	assert_int_equal(burrow_store_node_get(st, k2, &got), 0);
	assert_string_equal(got.name, "m2");
	assert_string_equal(got.allowed_prefixes, "10.0.0.4/32,10.0.0.3/32");
	burrow_store_node_clear(&got);

	/* removing the node removes its rows */
	assert_int_equal(burrow_store_node_remove(st, k2), 0);
	assert_int_equal(raw_int(db_path, "SELECT count(*) FROM node_prefixes"), 0);
	assert_int_equal(burrow_store_integrity_check(st), 0);
	burrow_store_close(st);
}

/* The v5 -> v6 migration splits the comma-joined column into rows. */
static void test_prefix_migration_from_v5(void **state)
{
	struct burrow_store *st;
	struct burrow_node got;
	char text[256];

	(void)state;
	raw_exec(db_path, schema_v1);
	raw_exec(db_path, data_v1);		/* node 7: '10.0.0.9/32' */
	for (size_t k = 2; k <= 5; k++)
		raw_exec(db_path, schemas[k]);
	raw_exec(db_path,
		 "INSERT INTO nodes VALUES (8, zeroblob(32), 'empty', NULL, '', 1, 1);"
		 "INSERT INTO nodes VALUES (9, randomblob(32), 'single', NULL, 'fd00::9/128', 1, 1);"
		 "INSERT INTO nodes VALUES (10, randomblob(32), 'several', NULL,"
		 " ' fd00::2/128, 10.0.0.2/32,,10.0.0.2/32 ,', 1, 1);");
	assert_int_equal(raw_int(db_path, "PRAGMA user_version"), 5);

	st = open_ok(db_path);
	assert_int_equal(burrow_store_schema_version(st), BURROW_STORE_SCHEMA_VERSION);
	assert_int_equal(burrow_store_integrity_check(st), 0);
	assert_string_equal(raw_text(db_path, PREFIX_ROWS, text, sizeof(text)),
			    "7:10.0.0.9/32 9:fd00::9/128 10:fd00::2/128 10:10.0.0.2/32");
	/* the column is gone: the rows are the only copy */
	assert_int_equal(raw_int(db_path, "SELECT count(*) FROM pragma_table_info('nodes')"
					  " WHERE name = 'allowed_prefixes'"), 0);
	assert_int_equal(burrow_store_node_get_by_name(st, "empty", &got), 0);
	assert_string_equal(got.allowed_prefixes, "");
	burrow_store_node_clear(&got);
	assert_int_equal(burrow_store_node_get_by_name(st, "several", &got), 0);
	assert_string_equal(got.allowed_prefixes, "fd00::2/128,10.0.0.2/32");
	assert_int_equal(burrow_store_node_remove(st, got.public_key), 0);
	burrow_store_node_clear(&got);
	assert_string_equal(raw_text(db_path, PREFIX_ROWS, text, sizeof(text)),
			    "7:10.0.0.9/32 9:fd00::9/128");
	burrow_store_close(st);
}

/* A prefix row that does not parse, written by hand, is refused on open. */
static void test_prefix_malformed_row_refused(void **state)
{
	(void)state;
	policy_refused("INSERT INTO node_prefixes VALUES ((SELECT id FROM nodes), '10.0.0.0/99', 9);",
		       "node 'm1': malformed allowed prefix: invalid prefix '10.0.0.0/99'");
}

/* A v5 column with a malformed entry migrates, then the open names it. */
static void test_prefix_malformed_column_refused(void **state)
{
	struct burrow_store *st;
	char err[BURROW_STORE_ERR_MAX];

	(void)state;
	raw_exec(db_path, schema_v1);
	for (size_t k = 2; k <= 5; k++)
		raw_exec(db_path, schemas[k]);
	raw_exec(db_path, "INSERT INTO nodes VALUES (1, zeroblob(32), 'bad', NULL,"
			  " '10.0.0.1/32,10.0.0.300/32', 1, 1);");
	assert_int_equal(burrow_store_open(db_path, 0, &st, err, sizeof(err)), -EINVAL);
	assert_null(st);
	if (!strstr(err, "node 'bad': malformed allowed prefix: invalid prefix '10.0.0.300/32'"))
		fail_msg("unexpected error '%s'", err);
	/* Every migration committed; the check after them refused the content. */
	assert_int_equal(raw_int(db_path, "PRAGMA user_version"), BURROW_STORE_SCHEMA_VERSION);
}

/* ---- the row helper ------------------------------------------------------------- */

static int live_elems;	/* decoded and not yet cleared */

static int text_decode(struct burrow_store *st, sqlite3_stmt *stmt, void *elem, void *ctx)
{
	char **text = elem;

	(void)ctx;
	*text = strdup((const char *)sqlite3_column_text(stmt, 0));
	assert_non_null(*text);
	live_elems++;
	/* fail after allocating: the helper must clear this element too */
	if (!strcmp(*text, "bad"))
		return burrow_store_fail(st, -EBADMSG, "row '%s' is bad", *text);
	return 0;
}

static void text_clear(void *elem)
{
	free(*(char **)elem);
	live_elems--;
}

static const struct burrow_store_rows text_rows = {
	.elem_size = sizeof(char *),
	.what = "test rows",
	.decode = text_decode,
	.clear = text_clear,
};

static int collect_sql(struct burrow_store *st, const char *sql, struct burrow_store_arg arg,
		       char ***texts, size_t *n)
{
	void *items = (void *)1;
	int ret;

	*n = 99;
	ret = burrow_store_collect(st, sql, arg, &text_rows, NULL, &items, n);
	*texts = items;
	return ret;
}

static void test_collect(void **state)
{
	static const uint8_t blob[3] = { 0x61, 0x00, 0x62 };
	struct burrow_store *st;
	char **texts;
	size_t n;

	(void)state;
	st = open_ok(db_path);
	/* no rows */
	assert_int_equal(collect_sql(st, "SELECT 'x' WHERE 0", BURROW_STORE_NO_ARG, &texts, &n), 0);
	assert_null(texts);
	assert_int_equal(n, 0);

	/* more rows than the first allocation holds, in order; an integer bound to ?1 */
	assert_int_equal(collect_sql(st, "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL"
					 " SELECT i + 1 FROM c WHERE i < ?1) SELECT 'r' || i FROM c",
				     BURROW_STORE_INT(100), &texts, &n), 0);
	assert_int_equal(n, 100);
	assert_string_equal(texts[0], "r1");
	assert_string_equal(texts[99], "r100");
	for (size_t i = 0; i < n; i++)
		text_clear(&texts[i]);
	free(texts);
	assert_int_equal(live_elems, 0);

	/* text and blob arguments */
	assert_int_equal(collect_sql(st, "SELECT ?1 || '!'", BURROW_STORE_TEXT("hi"), &texts, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(texts[0], "hi!");
	text_clear(&texts[0]);
	free(texts);
	assert_int_equal(collect_sql(st, "SELECT length(?1) || hex(?1)", BURROW_STORE_BLOB(blob, 3),
				     &texts, &n), 0);
	assert_string_equal(texts[0], "3610062");
	text_clear(&texts[0]);
	free(texts);

	/* a statement that does not prepare: reported with what */
	assert_int_equal(collect_sql(st, "SELECT * FROM no_such_table", BURROW_STORE_NO_ARG,
				     &texts, &n), -EIO);
	assert_string_equal(burrow_store_error(st), "test rows: no such table: no_such_table");
	assert_null(texts);
	assert_int_equal(n, 0);

	/* a step error after a decoded row: reported with what, nothing leaked */
	assert_int_equal(collect_sql(st, "SELECT abs(x) FROM (SELECT 1 AS x UNION ALL"
					 " SELECT -9223372036854775807 - 1)", BURROW_STORE_NO_ARG,
				     &texts, &n), -EIO);
	assert_string_equal(burrow_store_error(st), "test rows: integer overflow");
	assert_null(texts);
	assert_int_equal(n, 0);
	assert_int_equal(live_elems, 0);

	/* a decode error: its return and message, every element cleared */
	assert_int_equal(collect_sql(st, "SELECT column1 FROM (VALUES ('a'), ('b'), ('bad'), ('c'))",
				     BURROW_STORE_NO_ARG, &texts, &n), -EBADMSG);
	assert_string_equal(burrow_store_error(st), "row 'bad' is bad");
	assert_null(texts);
	assert_int_equal(n, 0);
	assert_int_equal(live_elems, 0);
	burrow_store_close(st);
}

/* The cached node map: absent, saved, replaced (one row), cleared. */
static void test_mesh_map(void **state)
{
	struct burrow_store *st = open_ok(db_path);
	uint8_t key[32], got_key[32], *map;
	const uint8_t first[] = { 1, 2, 3 }, second[] = { 9, 8, 7, 6, 5 };
	size_t len;

	(void)state;
	assert_int_equal(burrow_store_mesh_load(st, got_key, &map, &len), -ENOENT);
	assert_null(map);
	key_of(key, 4);
	assert_int_equal(burrow_store_mesh_save(st, key, first, sizeof(first)), 0);
	key_of(key, 5);
	assert_int_equal(burrow_store_mesh_save(st, key, second, sizeof(second)), 0);
	assert_int_equal(raw_int(db_path, "SELECT count(*) FROM mesh_map"), 1);
	assert_int_equal(burrow_store_mesh_load(st, got_key, &map, &len), 0);
	assert_memory_equal(got_key, key, 32);
	assert_int_equal(len, sizeof(second));
	assert_memory_equal(map, second, sizeof(second));
	free(map);
	assert_int_equal(burrow_store_mesh_clear(st), 0);
	assert_int_equal(burrow_store_mesh_load(st, got_key, &map, &len), -ENOENT);
	/* The schema itself refuses a key of the wrong length and a second row. */
	burrow_store_close(st);
	assert_int_equal(raw_try(db_path, "INSERT INTO mesh_map VALUES (1, x'01', x'00', 0)"), -1);
	assert_int_equal(raw_try(db_path, "INSERT INTO mesh_map VALUES (2, zeroblob(32), x'00', 0)"),
			 -1);
}

/* The renewed control ticket: one row, read back only for its relay and both keys. */
static void test_control_ticket(void **state)
{
	struct burrow_store *st = open_ok(db_path);
	uint8_t node_key[32], coord_key[32], other[32], ticket[176], got[176];
	uint64_t expiry = 0;

	(void)state;
	key_of(node_key, 1);
	key_of(coord_key, 2);
	key_of(other, 3);
	memset(ticket, 0x11, sizeof(ticket));
	assert_int_equal(burrow_store_control_ticket_load(st, "192.0.2.1:51820", node_key,
							  coord_key, got, &expiry), -ENOENT);
	assert_int_equal(burrow_store_control_ticket_save(st, "192.0.2.1:51820", node_key,
							  coord_key, ticket, 1900000000), 0);
	memset(ticket, 0x22, sizeof(ticket));
	assert_int_equal(burrow_store_control_ticket_save(st, "192.0.2.1:51820", node_key,
							  coord_key, ticket, 1900000100), 0);
	assert_int_equal(raw_int(db_path, "SELECT count(*) FROM control_ticket"), 1);
	assert_int_equal(burrow_store_control_ticket_load(st, "192.0.2.1:51820", node_key,
							  coord_key, got, &expiry), 0);
	assert_memory_equal(got, ticket, sizeof(ticket));
	assert_int_equal(expiry, 1900000100);
	/* another relay, node key or coordinator key: not this row */
	assert_int_equal(burrow_store_control_ticket_load(st, "192.0.2.2:51820", node_key,
							  coord_key, got, &expiry), -ENOENT);
	assert_non_null(strstr(burrow_store_error(st), "relay 192.0.2.2:51820"));
	assert_int_equal(burrow_store_control_ticket_load(st, "192.0.2.1:51820", other,
							  coord_key, got, &expiry), -ENOENT);
	assert_int_equal(burrow_store_control_ticket_load(st, "192.0.2.1:51820", node_key,
							  other, got, &expiry), -ENOENT);
	burrow_store_close(st);
	assert_int_equal(raw_try(db_path, "INSERT INTO control_ticket VALUES (1, 'x', x'01',"
				 " zeroblob(32), zeroblob(176), 0, 0)"), -1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, fresh_path)
	const struct CMUnitTest tests[] = {
		T(test_new_database),
		T(test_nodes),
		T(test_sessions),
		T(test_events),
		T(test_leases),
		T(test_policy),
		T(test_policy_unknown_key_refused),
		T(test_policy_malformed_prefix_refused),
		T(test_policy_malformed_flag_refused),
		T(test_policy_wrong_scope_refused),
		T(test_installed),
		T(test_mesh_map),
		T(test_control_ticket),
		T(test_prefix_rows),
		T(test_prefix_migration_from_v5),
		T(test_prefix_malformed_row_refused),
		T(test_prefix_malformed_column_refused),
		T(test_collect),
		T(test_readonly),
		T(test_second_writer),
		T(test_migrate_from_every_version),
		T(test_failed_migration_changes_nothing),
		T(test_newer_version_refused),
		T(test_foreign_sqlite_refused),
		T(test_not_sqlite_refused),
		T(test_corruption_detected),
		T(test_kill_during_writes),
	};

	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
