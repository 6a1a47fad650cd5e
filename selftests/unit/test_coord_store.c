// SPDX-License-Identifier: GPL-2.0
/*
 * The coordinator's store: pre-auth keys (create, list, revoke), node
 * registration with valid, expired, revoked, used single-use and reusable
 * keys, re-registration keeping addresses, name clashes, IPv4 allocation
 * and its gaps, route approval, renames, and refusal of burrowd's database,
 * of the coordinator's database by burrowd and of a newer schema; the change
 * log: every node write logs its node, another connection reads it, a v1
 * database migrates to it; the expiry window.
 */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "burrow-text.h"
#include "coord_relay.h"
#include "coord_store.h"
#include "log.h"
#include "store.h"

static char dir[] = "/tmp/test_coord_store.XXXXXX";
static char path[256];
static unsigned int counter;

static int setup_dir(void **state)
{
	(void)state;
	burrow_log_set_fd(open("/dev/null", O_WRONLY | O_CLOEXEC));
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static int fresh(void **state)
{
	char why[COORD_STORE_ERR_MAX];
	struct coord_store *cs;

	snprintf(path, sizeof(path), "%s/c%u.db", dir, counter++);
	if (coord_store_open(path, &cs, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s\n", why);
		return -1;
	}
	*state = cs;
	return 0;
}

static int close_store(void **state)
{
	coord_store_close(*state);
	return 0;
}

static void make_key(struct coord_store *cs, bool reusable, int64_t expiry_ms,
		     char secret[COORD_KEY_SECRET_SIZE], char id[COORD_KEY_ID_SIZE])
{
	static const char *const tags[] = { "tag:web", "tag:db" };

	assert_int_equal(coord_store_key_create(cs, reusable, expiry_ms, tags, 2, secret, id), 0);
}

static void pubkey(uint8_t key[32], uint8_t seed)
{
	memset(key, seed, 32);
}

static int do_register(struct coord_store *cs, const char *secret, uint8_t seed,
		       const char *host, struct coord_node *node)
{
	uint8_t key[32];

	pubkey(key, seed);
	return coord_store_register(cs, secret, key, host, NULL, 0, node);
}

static void test_key_create_list_revoke(void **state)
{
	struct coord_store *cs = *state;
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct coord_key *keys;
	size_t n;
	int64_t gen = coord_store_generation(cs);

	make_key(cs, true, 0, secret, id);
	assert_int_equal(strlen(secret), 47);
	assert_memory_equal(secret, "bck_", 4);
	assert_memory_equal(id, secret + 4, 8);
	assert_true(coord_store_generation(cs) > gen);
	assert_int_equal(coord_store_key_list(cs, &keys, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(keys[0].id, id);
	assert_true(keys[0].reusable);
	assert_false(keys[0].revoked);
	assert_string_equal(keys[0].tags, "tag:db,tag:web");
	coord_store_key_list_free(keys, n);

	assert_int_equal(coord_store_key_revoke(cs, id), 0);
	assert_int_equal(coord_store_key_list(cs, &keys, &n), 0);
	assert_true(keys[0].revoked);
	coord_store_key_list_free(keys, n);
	assert_int_equal(coord_store_key_revoke(cs, "nosuchid"), -ENOENT);
	assert_non_null(strstr(coord_store_error(cs), "'nosuchid'"));
}

static void test_key_bad_tag(void **state)
{
	struct coord_store *cs = *state;
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	const char *const tags[] = { "web" };

	assert_int_equal(coord_store_key_create(cs, false, 0, tags, 1, secret, id), -EINVAL);
	assert_non_null(strstr(coord_store_error(cs), "'web'"));
}

static void test_register_valid(void **state)
{
	struct coord_store *cs = *state;
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	char ula[64], range[64];
	struct coord_node node;

	make_key(cs, false, 0, secret, id);
	assert_int_equal(do_register(cs, secret, 1, "Alice's Laptop", &node), 0);
	assert_string_equal(node.name, "alice-s-laptop");
	assert_string_equal(node.ipv4, "100.64.0.1");
	assert_string_equal(node.tags, "tag:db,tag:web");
	assert_int_equal(coord_store_ranges(cs, ula, range), 0);
	assert_string_equal(range, "100.64.0.0/10");
	assert_memory_equal(ula, "fd", 2);
	assert_non_null(strstr(node.ipv6, "::1"));
	coord_store_node_clear(&node);
}

static void test_register_refusals(void **state)
{
	struct coord_store *cs = *state;
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct coord_node node;

	/* expired */
	make_key(cs, true, 1, secret, id);
	assert_int_equal(do_register(cs, secret, 1, "a", &node), -EACCES);
	assert_non_null(strstr(coord_store_error(cs), id));
	assert_non_null(strstr(coord_store_error(cs), "expired"));
	/* revoked */
	make_key(cs, true, 0, secret, id);
	assert_int_equal(coord_store_key_revoke(cs, id), 0);
	assert_int_equal(do_register(cs, secret, 1, "a", &node), -EACCES);
	assert_non_null(strstr(coord_store_error(cs), "revoked"));
	/* single-use, used */
	make_key(cs, false, 0, secret, id);
	assert_int_equal(do_register(cs, secret, 1, "a", &node), 0);
	coord_store_node_clear(&node);
	assert_int_equal(do_register(cs, secret, 2, "b", &node), -EACCES);
	assert_non_null(strstr(coord_store_error(cs), "already used"));
	/* unknown */
	assert_int_equal(do_register(cs, "bck_nope", 3, "c", &node), -ENOENT);
}

static void test_reusable_reregister_and_clash(void **state)
{
	struct coord_store *cs = *state;
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct coord_node a, again, b, c;
	struct coord_node *list;
	size_t n;

	make_key(cs, true, 0, secret, id);
	assert_int_equal(do_register(cs, secret, 1, "web", &a), 0);
	assert_int_equal(do_register(cs, secret, 2, "web", &b), 0);
	assert_int_equal(do_register(cs, secret, 3, "WEB", &c), 0);
	assert_string_equal(b.name, "web-2");
	assert_string_equal(c.name, "web-3");
	assert_int_equal(do_register(cs, secret, 1, "other", &again), 0);
	assert_int_equal(again.id, a.id);
	assert_string_equal(again.name, "web");
	assert_string_equal(again.ipv4, a.ipv4);
	assert_string_equal(again.ipv6, a.ipv6);
	assert_int_equal(coord_store_node_list(cs, &list, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].name, "web");
	assert_string_equal(list[2].name, "web-3");
	coord_store_node_list_free(list, n);
	coord_store_node_clear(&a);
	coord_store_node_clear(&again);
	coord_store_node_clear(&b);
	coord_store_node_clear(&c);
}

static void test_ipv4_gaps(void **state)
{
	struct coord_store *cs = *state;
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct coord_node node;

	make_key(cs, true, 0, secret, id);
	for (uint8_t i = 1; i <= 3; i++) {
		assert_int_equal(do_register(cs, secret, i, "n", &node), 0);
		coord_store_node_clear(&node);
	}
	assert_int_equal(coord_store_node_remove(cs, "n-2"), 0);
	assert_int_equal(coord_store_node_remove(cs, "n-2"), -ENOENT);
	assert_int_equal(do_register(cs, secret, 9, "m", &node), 0);
	assert_string_equal(node.ipv4, "100.64.0.2");
	coord_store_node_clear(&node);
	assert_int_equal(do_register(cs, secret, 10, "m", &node), 0);
	assert_string_equal(node.ipv4, "100.64.0.4");
	coord_store_node_clear(&node);
}

static void test_routes(void **state)
{
	struct coord_store *cs = *state;
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct burrow_nl_prefix adv[2], other;
	struct coord_route *routes;
	struct coord_node node;
	uint8_t key[32];
	size_t n;

	assert_int_equal(burrow_text_parse_prefix("10.20.0.0/16", 0, &adv[0], NULL, 0), 0);
	assert_int_equal(burrow_text_parse_prefix("0.0.0.0/0", 0, &adv[1], NULL, 0), 0);
	assert_int_equal(burrow_text_parse_prefix("10.30.0.0/16", 0, &other, NULL, 0), 0);
	make_key(cs, true, 0, secret, id);
	pubkey(key, 7);
	assert_int_equal(coord_store_register(cs, secret, key, "router", adv, 2, &node), 0);
	coord_store_node_clear(&node);
	assert_int_equal(coord_store_route_approve(cs, "router", &other, 1), -EINVAL);
	assert_non_null(strstr(coord_store_error(cs), "'10.30.0.0/16'"));
	assert_int_equal(coord_store_route_approve(cs, "router", adv, 1), 0);
	assert_int_equal(coord_store_route_list(cs, &routes, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(routes[0].prefix, "0.0.0.0/0");
	assert_false(routes[0].approved);
	assert_string_equal(routes[1].prefix, "10.20.0.0/16");
	assert_true(routes[1].approved);
	free(routes);
	assert_int_equal(coord_store_route_approve(cs, "nobody", adv, 1), -ENOENT);
}

static void test_endpoints_routes_lookup(void **state)
{
	struct coord_store *cs = *state;
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	const char *const eps[] = { "192.0.2.1:51820", "[2001:db8::1]:443" };
	struct burrow_nl_prefix adv[2];
	struct coord_endpoint *got;
	struct coord_route *routes;
	struct coord_node node, by_key;
	uint8_t key[32];
	int64_t gen;
	size_t n;

	make_key(cs, true, 0, secret, id);
	pubkey(key, 5);
	assert_int_equal(coord_store_register(cs, secret, key, "gw", NULL, 0, &node), 0);
	assert_int_equal(coord_store_node_get_by_key(cs, key, &by_key), 0);
	assert_int_equal(by_key.id, node.id);
	coord_store_node_clear(&by_key);
	gen = coord_store_generation(cs);
	assert_int_equal(coord_store_node_set_endpoints(cs, node.id, eps, 2), 0);
	assert_true(coord_store_generation(cs) > gen);
	assert_int_equal(coord_store_node_endpoints(cs, node.id, &got, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(got[0].text, eps[0]);
	assert_string_equal(got[1].text, eps[1]);
	free(got);

	/* a new advertised set keeps approvals of the routes still in it */
	assert_int_equal(burrow_text_parse_prefix("10.1.0.0/16", 0, &adv[0], NULL, 0), 0);
	assert_int_equal(burrow_text_parse_prefix("10.2.0.0/16", 0, &adv[1], NULL, 0), 0);
	assert_int_equal(coord_store_node_set_routes(cs, node.id, adv, 2), 0);
	assert_int_equal(coord_store_route_approve(cs, "gw", adv, 2), 0);
	assert_int_equal(coord_store_node_set_routes(cs, node.id, &adv[1], 1), 0);
	assert_int_equal(coord_store_route_list(cs, &routes, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(routes[0].prefix, "10.2.0.0/16");
	assert_true(routes[0].approved);
	free(routes);
	coord_store_node_clear(&node);
	assert_int_equal(coord_store_node_get_by_id(cs, 12345, &node), -ENOENT);
}

static void test_rename_expire(void **state)
{
	struct coord_store *cs = *state;
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct coord_node node;

	make_key(cs, true, 0, secret, id);
	assert_int_equal(do_register(cs, secret, 1, "a", &node), 0);
	coord_store_node_clear(&node);
	assert_int_equal(do_register(cs, secret, 2, "b", &node), 0);
	coord_store_node_clear(&node);
	assert_int_equal(coord_store_node_rename(cs, "a", "Bad_Name"), -EINVAL);
	assert_non_null(strstr(coord_store_error(cs), "'Bad_Name'"));
	assert_int_equal(coord_store_node_rename(cs, "a", "b"), -EEXIST);
	assert_non_null(strstr(coord_store_error(cs), "'b'"));
	assert_int_equal(coord_store_node_rename(cs, "a", "c"), 0);
	assert_int_equal(coord_store_node_get_by_name(cs, "c", &node), 0);
	assert_int_equal(node.expiry_ms, 0);
	coord_store_node_clear(&node);
	assert_int_equal(coord_store_node_expire(cs, "c"), 0);
	assert_int_equal(coord_store_node_get_by_name(cs, "c", &node), 0);
	assert_true(node.expiry_ms > 0);
	coord_store_node_clear(&node);
	assert_int_equal(coord_store_node_get_by_name(cs, "a", &node), -ENOENT);
}

static void test_foreign_databases(void **state)
{
	char why[COORD_STORE_ERR_MAX], p[300];
	struct burrow_store *st;
	struct coord_store *cs;
	sqlite3 *db;

	(void)state;
	/* burrowd's database refused by the coordinator */
	snprintf(p, sizeof(p), "%s/burrowd%u.db", dir, counter++);
	assert_int_equal(burrow_store_open(p, 0, &st, why, sizeof(why)), 0);
	burrow_store_close(st);
	assert_int_equal(coord_store_open(p, &cs, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, p));
	assert_non_null(strstr(why, "not a burrow-coord database"));
	/* and the coordinator's by burrowd */
	assert_int_equal(coord_store_open(path, &cs, why, sizeof(why)), 0);
	coord_store_close(cs);
	assert_int_equal(burrow_store_open(path, 0, &st, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, path));
	assert_non_null(strstr(why, "not a burrowd database"));
	/* a newer schema */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(coord_store_open(path, &cs, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "schema version 99"));
}

/* The changes after since must be exactly want (kinds) for node. */
static int64_t expect_changes(struct coord_store *cs, int64_t since, int64_t node_id,
			      const enum coord_change_kind *want, size_t n_want)
{
	struct coord_change *changes;
	int64_t gen;
	size_t n;

	assert_int_equal(coord_store_changes_since(cs, since, &changes, &n, &gen), 0);
	assert_int_equal(n, n_want);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(changes[i].node_id, node_id);
		assert_int_equal(changes[i].kind, want[i]);
		assert_true(changes[i].generation > since);
		assert_true(changes[i].generation <= gen);
	}
	free(changes);
	assert_int_equal(gen, n ? coord_store_generation(cs) : since);
	return gen;
}

static void test_change_log(void **state)
{
	static const enum coord_change_kind all[] = {
		COORD_CHANGE_REGISTER, COORD_CHANGE_ENDPOINTS, COORD_CHANGE_ROUTES,
		COORD_CHANGE_APPROVE, COORD_CHANGE_RENAME, COORD_CHANGE_EXPIRE,
		COORD_CHANGE_REMOVE,
	};
	struct coord_store *cs = *state, *other;
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE], why[COORD_STORE_ERR_MAX];
	const char *const endpoints[] = { "192.0.2.1:51820" };
	struct burrow_nl_prefix route;
	struct coord_node node;
	int64_t start, gen;

	make_key(cs, true, 0, secret, id);
	start = coord_store_generation(cs);
	/* key writes touch no node */
	gen = expect_changes(cs, 0, 0, NULL, 0);
	assert_int_equal(gen, 0);
	assert_int_equal(burrow_text_parse_prefix("10.9.0.0/16", BURROW_TEXT_PREFIX_LEN_REQUIRED,
						  &route, NULL, 0), 0);

	/* a second connection stands for the server process following the CLI's writes */
	assert_int_equal(coord_store_open(path, &other, why, sizeof(why)), 0);
	assert_int_equal(do_register(cs, secret, 1, "a", &node), 0);
	gen = expect_changes(other, start, node.id, all, 1);
	assert_int_equal(coord_store_node_set_endpoints(cs, node.id, endpoints, 1), 0);
	assert_int_equal(coord_store_node_set_routes(cs, node.id, &route, 1), 0);
	assert_int_equal(coord_store_route_approve(cs, "a", &route, 1), 0);
	assert_int_equal(coord_store_node_rename(cs, "a", "b"), 0);
	assert_int_equal(coord_store_node_expire(cs, "b"), 0);
	assert_int_equal(coord_store_node_remove(cs, "b"), 0);
	expect_changes(other, gen, node.id, all + 1, 6);
	expect_changes(other, start, node.id, all, 7);
	/* nothing new: the generation stays */
	gen = coord_store_generation(cs);
	expect_changes(other, gen, 0, NULL, 0);
	/* a failed write logs nothing */
	assert_int_equal(coord_store_node_expire(cs, "b"), -ENOENT);
	expect_changes(other, gen, 0, NULL, 0);
	coord_store_node_clear(&node);
	coord_store_close(other);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_nodes_expiring(void **state)
{
	struct coord_store *cs = *state;
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct coord_node a, b;
	int64_t *ids, now;
	size_t n;

	make_key(cs, true, 0, secret, id);
	assert_int_equal(do_register(cs, secret, 1, "a", &a), 0);
	assert_int_equal(do_register(cs, secret, 2, "b", &b), 0);
	now = now_ms();
	assert_int_equal(coord_store_node_expire(cs, "b"), 0);
	assert_int_equal(coord_store_nodes_expiring(cs, now - 1, now_ms(), &ids, &n),
			 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], b.id);
	free(ids);
	assert_int_equal(coord_store_nodes_expiring(cs, now_ms(),
						    now_ms() + 1000, &ids, &n), 0);
	assert_int_equal(n, 0);
	free(ids);
	coord_store_node_clear(&a);
	coord_store_node_clear(&b);
}

/* Rows both an hour old and 10,000 generations old go; a reader behind them gets -ESTALE. */
static void test_change_log_pruning(void **state)
{
	static const enum coord_change_kind rename[] = { COORD_CHANGE_RENAME };
	struct coord_store *cs = *state;
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct coord_change *changes;
	struct coord_node node;
	int64_t before, gen;
	sqlite3 *db;
	size_t n;

	make_key(cs, true, 0, secret, id);
	before = coord_store_generation(cs);
	assert_int_equal(do_register(cs, secret, 1, "a", &node), 0);
	/* young rows stay however many generations pass, and old ones while recent */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE changes SET created_ms = 0", NULL, NULL, NULL),
			 SQLITE_OK);
	make_key(cs, true, 0, secret, id);
	assert_int_equal(coord_store_changes_since(cs, before, &changes, &n, &gen), 0);
	assert_int_equal(n, 1);
	free(changes);
	assert_int_equal(sqlite3_exec(db,
				      "UPDATE meta SET value = CAST(value AS INTEGER) + 20000"
				      " WHERE key = 'generation'",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	gen = coord_store_generation(cs);
	assert_int_equal(coord_store_node_rename(cs, "a", "b"), 0);
	assert_int_equal(coord_store_changes_since(cs, before, &changes, &n, &gen), -ESTALE);
	assert_non_null(strstr(coord_store_error(cs), "pruned"));
	expect_changes(cs, coord_store_generation(cs) - 1, node.id, rename, 1);
	coord_store_node_clear(&node);
}

/* A database at schema v1 (v2's change log, index and meta row and v3's
 * relay tickets taken away) migrates and keeps its nodes. */
static void test_migration_from_v1(void **state)
{
	struct coord_store *cs = *state;
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE], why[COORD_STORE_ERR_MAX];
	struct coord_node node;
	sqlite3 *db;
	int64_t gen;

	make_key(cs, true, 0, secret, id);
	assert_int_equal(do_register(cs, secret, 1, "a", &node), 0);
	coord_store_node_clear(&node);
	coord_store_close(cs);
	*state = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "DROP TABLE control_tickets; DROP TABLE relay_tickets; DROP TABLE changes; DROP INDEX nodes_expiry;"
				      " DELETE FROM meta WHERE key = 'changes_pruned_through';"
				      " PRAGMA user_version = 1",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(coord_store_open(path, &cs, why, sizeof(why)), 0);
	*state = cs;
	assert_int_equal(coord_store_node_get_by_name(cs, "a", &node), 0);
	gen = coord_store_generation(cs);
	expect_changes(cs, gen, 0, NULL, 0);
	assert_int_equal(coord_store_node_rename(cs, "a", "b"), 0);
	{
		static const enum coord_change_kind rename[] = { COORD_CHANGE_RENAME };

		expect_changes(cs, gen, node.id, rename, 1);
	}
	coord_store_node_clear(&node);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	{
		sqlite3_stmt *stmt;

		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(stmt, 0), COORD_STORE_SCHEMA_VERSION);
		sqlite3_finalize(stmt);
	}
	sqlite3_close(db);
}

/* Relay tickets: recorded by id (a taken id is -EEXIST), read back by
 * node names, revoked (unknown id -ENOENT), gone with their nodes. */
static void test_relay_tickets(void **state)
{
	struct coord_store *cs = *state;
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct coord_node r, a, b;
	struct coord_relay_ticket t, *list;
	size_t n;

	make_key(cs, true, 0, secret, id);
	assert_int_equal(do_register(cs, secret, 1, "r", &r), 0);
	assert_int_equal(do_register(cs, secret, 2, "a", &a), 0);
	assert_int_equal(do_register(cs, secret, 3, "b", &b), 0);
	assert_int_equal(coord_store_relay_ticket_add(cs, 7, r.id, a.id, b.id, 1900000000), 0);
	assert_int_equal(coord_store_relay_ticket_add(cs, 7, r.id, a.id, b.id, 1900000000), -EEXIST);
	assert_int_equal(coord_store_relay_ticket_add(cs, 4294967295u, r.id, b.id, a.id, 5), 0);
	assert_int_equal(coord_store_relay_ticket_get(cs, 7, &t), 0);
	assert_int_equal(t.id, 7);
	assert_string_equal(t.relay, "r");
	assert_string_equal(t.a, "a");
	assert_string_equal(t.b, "b");
	assert_int_equal(t.expiry, 1900000000);
	assert_false(t.revoked);
	assert_int_equal(coord_store_relay_ticket_revoke(cs, 7), 0);
	assert_int_equal(coord_store_relay_ticket_revoke(cs, 8), -ENOENT);
	assert_non_null(strstr(coord_store_error(cs), "no relay ticket 8"));
	assert_int_equal(coord_store_relay_ticket_get(cs, 8, &t), -ENOENT);
	assert_int_equal(coord_store_relay_ticket_list(cs, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, 7);
	assert_true(list[0].revoked);
	assert_int_equal(list[1].id, 4294967295u);
	assert_string_equal(list[1].a, "b");
	free(list);
	assert_int_equal(coord_store_node_remove(cs, "a"), 0);
	assert_int_equal(coord_store_relay_ticket_list(cs, &list, &n), 0);
	assert_int_equal(n, 0);
	free(list);
	coord_store_node_clear(&r);
	coord_store_node_clear(&a);
	coord_store_node_clear(&b);
}

/*
 * Control tickets: recorded with the node's key (registered or not) and the
 * ticket bytes, each add logging RELAY_BIND for the relay; ids shared with
 * relay tickets; live lists only unrevoked, unexpired ones of that relay;
 * relay-ticket revoke finds them and coord_store_relay_revoked lists them
 * until they expire; gone with the relay.
 */
static void test_control_tickets(void **state)
{
	static const enum coord_change_kind bind[] = { COORD_CHANGE_RELAY_BIND };
	static const enum coord_change_kind revoke[] = { COORD_CHANGE_RELAY_REVOKE };
	struct coord_store *cs = *state;
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct coord_node r, r2, a;
	struct coord_control_ticket *list;
	uint8_t ticket[COORD_CONTROL_TICKET_LEN], key_a[32], key_x[32];
	uint32_t *ids;
	size_t n;
	int64_t gen;

	make_key(cs, true, 0, secret, id);
	assert_int_equal(do_register(cs, secret, 1, "r", &r), 0);
	assert_int_equal(do_register(cs, secret, 2, "a", &a), 0);
	assert_int_equal(do_register(cs, secret, 4, "r2", &r2), 0);
	pubkey(key_a, 2);
	pubkey(key_x, 9);	/* no node has it */
	memset(ticket, 0xab, sizeof(ticket));
	gen = coord_store_generation(cs);
	assert_int_equal(coord_store_control_ticket_add(cs, 11, r.id, key_a, 1000, 1900000000,
							ticket, 0), 0);
	gen = expect_changes(cs, gen, r.id, bind, 1);
	/* ids are shared with relay tickets, both ways */
	assert_int_equal(coord_store_control_ticket_add(cs, 11, r.id, key_x, 1000, 1900000000,
							ticket, 0),
			 -EEXIST);
	assert_int_equal(coord_store_relay_ticket_add(cs, 11, r.id, a.id, r2.id, 1900000000),
			 -EEXIST);
	assert_int_equal(coord_store_relay_ticket_add(cs, 12, r.id, a.id, r2.id, 1900000000), 0);
	assert_int_equal(coord_store_control_ticket_add(cs, 12, r.id, key_x, 1000, 1900000000,
							ticket, 0),
			 -EEXIST);
	gen = coord_store_generation(cs);
	ticket[0] = 0x01;
	assert_int_equal(coord_store_control_ticket_add(cs, 13, r.id, key_x, 1000, 1900000000,
							ticket, 0), 0);
	assert_int_equal(coord_store_control_ticket_add(cs, 14, r.id, key_x, 1000, 5,
							ticket, 0), 0);
	assert_int_equal(coord_store_control_ticket_add(cs, 15, r2.id, key_x, 1000, 1900000000,
							ticket, 0), 0);

	assert_int_equal(coord_store_control_ticket_list(cs, &list, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(list[0].id, 11);
	assert_string_equal(list[0].relay, "r");
	assert_int_equal(list[0].relay_id, r.id);
	assert_string_equal(list[0].node, "a");
	assert_memory_equal(list[0].node_key, key_a, 32);
	assert_int_equal(list[0].expiry, 1900000000);
	assert_int_equal(list[0].ticket[0], 0xab);
	assert_false(list[0].revoked);
	assert_string_equal(list[1].node, "");
	assert_memory_equal(list[1].node_key, key_x, 32);
	assert_int_equal(list[1].ticket[0], 0x01);
	free(list);

	/* live: r's unrevoked, unexpired ones */
	assert_int_equal(coord_store_control_tickets_live(cs, r.id, 4, &list, &n), 0);
	assert_int_equal(n, 3);
	free(list);
	assert_int_equal(coord_store_control_tickets_live(cs, r.id, 1000000, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, 11);
	assert_int_equal(list[1].id, 13);
	free(list);
	assert_int_equal(coord_store_control_tickets_live(cs, r.id, 1900000000, &list, &n), 0);
	assert_int_equal(n, 0);
	free(list);

	/* revoke through the relay-ticket path: logged for the relay */
	gen = coord_store_generation(cs);
	assert_int_equal(coord_store_relay_ticket_revoke(cs, 13), 0);
	expect_changes(cs, gen, r.id, revoke, 1);
	assert_int_equal(coord_store_relay_ticket_revoke(cs, 12), 0);
	assert_int_equal(coord_store_relay_ticket_revoke(cs, 14), 0);
	assert_int_equal(coord_store_relay_ticket_revoke(cs, 16), -ENOENT);
	assert_non_null(strstr(coord_store_error(cs), "no relay ticket 16"));
	assert_int_equal(coord_store_relay_revoked(cs, r.id, 1000000, &ids, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], 12);
	assert_int_equal(ids[1], 13);	/* 14 expired: not listed */
	free(ids);
	assert_int_equal(coord_store_relay_revoked(cs, r.id, 4, &ids, &n), 0);
	assert_int_equal(n, 3);
	free(ids);
	assert_int_equal(coord_store_relay_revoked(cs, r2.id, 4, &ids, &n), 0);
	assert_int_equal(n, 0);
	free(ids);
	assert_int_equal(coord_store_control_tickets_live(cs, r.id, 1000000, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, 11);
	free(list);

	/* renewal: 17 renews 11 (issued 1000, expiry 1900000000), once; never a revoked one */
	{
		struct coord_control_ticket t;

		assert_int_equal(coord_store_control_ticket_get(cs, 11, &t), 0);
		assert_int_equal(t.issued, 1000);
		assert_int_equal(t.renewed_by, 0);
		assert_false(coord_control_ticket_due(&t, 950000000ull * 1000));
		assert_false(coord_control_ticket_due(&t, 950000500ull * 1000));
		assert_true(coord_control_ticket_due(&t, 950000500ull * 1000 + 1));
		assert_int_equal(coord_control_ticket_due_ms(&t), 950000500ull * 1000 + 1);
		gen = coord_store_generation(cs);
		assert_int_equal(coord_store_control_ticket_add(cs, 17, r.id, key_a, 2000,
								1900001000, ticket, 11), 0);
		gen = expect_changes(cs, gen, r.id, bind, 1);
		assert_int_equal(coord_store_control_ticket_get(cs, 11, &t), 0);
		assert_int_equal(t.renewed_by, 17);
		assert_int_equal(coord_store_control_ticket_get(cs, 17, &t), 0);
		assert_int_equal(t.issued, 2000);
		assert_int_equal(t.renewed_by, 0);
		assert_int_equal(coord_store_control_ticket_add(cs, 18, r.id, key_a, 2000,
								1900001000, ticket, 11), -EALREADY);
		assert_non_null(strstr(coord_store_error(cs), "already renewed by 17"));
		assert_int_equal(coord_store_control_ticket_add(cs, 18, r.id, key_x, 2000,
								1900001000, ticket, 13), -EACCES);
		assert_non_null(strstr(coord_store_error(cs), "control ticket 13 is revoked"));
		assert_int_equal(coord_store_control_ticket_add(cs, 18, r.id, key_x, 2000,
								1900001000, ticket, 99), -ENOENT);
		assert_int_equal(coord_store_control_ticket_get(cs, 18, &t), -ENOENT);
		assert_non_null(strstr(coord_store_error(cs), "no control ticket 18"));
		assert_int_equal(coord_store_generation(cs), gen);	/* refused: no write */
	}

	/* removing a relay removes its tickets; removing the node keeps them (by key) */
	assert_int_equal(coord_store_node_remove(cs, "a"), 0);
	assert_int_equal(coord_store_node_remove(cs, "r"), 0);
	assert_int_equal(coord_store_control_ticket_list(cs, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, 15);
	assert_string_equal(list[0].relay, "r2");
	free(list);
	coord_store_node_clear(&r);
	coord_store_node_clear(&r2);
	coord_store_node_clear(&a);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fresh, close_store)
	const struct CMUnitTest tests[] = {
		T(test_key_create_list_revoke),
		T(test_relay_tickets),
		T(test_control_tickets),
		T(test_key_bad_tag),
		T(test_register_valid),
		T(test_register_refusals),
		T(test_reusable_reregister_and_clash),
		T(test_ipv4_gaps),
		T(test_routes),
		T(test_endpoints_routes_lookup),
		T(test_rename_expire),
		T(test_change_log),
		T(test_nodes_expiring),
		T(test_change_log_pruning),
		T(test_migration_from_v1),
		cmocka_unit_test(test_foreign_databases),
	};

	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
