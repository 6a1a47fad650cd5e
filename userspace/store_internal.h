/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to store.c (open, migrations, checks) and the store_*.c files
 * with the queries: the handle and the helpers they share.
 */
#ifndef BURROW_STORE_INTERNAL_H
#define BURROW_STORE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store.h"

/* Event log retention: keep this many newest rows, pruned every EVENTS_PRUNE_EVERY appends. */
#define EVENTS_KEEP 10000
#define EVENTS_PRUNE_EVERY 256

/*
 * What identifies and builds one program's database: open refuses a file
 * whose PRAGMA application_id is not app_id (unless it is empty) or whose
 * user_version is above version, runs migrations[v] (v from user_version
 * up to version - 1, each in its own transaction) on a read-write open,
 * then check() (NULL: none). program names the owner in messages ("not a
 * burrowd database", "use a newer burrowd"). The descriptor must outlive
 * every handle opened with it.
 */
struct burrow_store_schema {
	int64_t app_id;
	const char *program;
	const char *const *migrations;
	int version;
	int (*check)(struct burrow_store *st);
};

struct burrow_store {
	const struct burrow_store_schema *schema;
	sqlite3 *db;
	char *path;
	bool readonly;
	bool opening;		/* open's caller reports failures: do not log them */
	unsigned int appends;
	char err[BURROW_STORE_ERR_MAX];
};

/* burrow_store_open() for another program's schema; flags and errors as there. */
int burrow_store_open_schema(const char *path, unsigned int flags,
			     const struct burrow_store_schema *schema, struct burrow_store **out,
			     char *err, size_t err_size);

/* Record why an operation failed in st->err and return ret; logged at
 * error level unless ret is -ENOENT/-EEXIST (answers, not failures). */
int burrow_store_fail(struct burrow_store *st, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Negative errno for an SQLite result code. */
int burrow_store_sqlite_errno(int rc);
/* Wall-clock Unix milliseconds. */
int64_t burrow_store_now_ms(void);
int burrow_store_prepare(struct burrow_store *st, const char *sql, sqlite3_stmt **stmt);
/* Statements without result rows. */
int burrow_store_exec(struct burrow_store *st, const char *sql);
/* ROLLBACK, keeping the first error message; returns ret. */
int burrow_store_rollback(struct burrow_store *st, int ret);

/*
 * The value bound to ?1 of a reader's statement, if any: built with the
 * macros below. Text and blobs are bound SQLITE_STATIC: they must outlive
 * the call.
 */
struct burrow_store_arg {
	int type;				/* 0 (nothing bound), SQLITE_INTEGER, _TEXT or _BLOB */
	int64_t integer;
	const void *data;
	int len;				/* blob length; -1 for text */
};

#define BURROW_STORE_NO_ARG ((struct burrow_store_arg){ .type = 0 })
#define BURROW_STORE_INT(v) ((struct burrow_store_arg){ .type = SQLITE_INTEGER, .integer = (v) })
#define BURROW_STORE_TEXT(s) ((struct burrow_store_arg){ .type = SQLITE_TEXT, .data = (s), .len = -1 })
#define BURROW_STORE_BLOB(b, n) ((struct burrow_store_arg){ .type = SQLITE_BLOB, .data = (b), .len = (n) })

/*
 * One write statement (INSERT, UPDATE, DELETE): prepare sql, bind
 * args[i] to ?(i + 1) (a BURROW_STORE_NO_ARG leaves it NULL), step it once,
 * finalize. Returns 0 with *changes (when not NULL) the number of rows it
 * changed, or a negative errno with st->err as for burrow_store_each (a
 * constraint violation is -EEXIST). burrow_store_write_args() takes the
 * args as a list:
 *
 *   ret = burrow_store_write_args(st, "DELETE FROM nodes WHERE public_key = ?1",
 *                                 NULL, &changes, BURROW_STORE_BLOB(key, 32));
 */
int burrow_store_write(struct burrow_store *st, const char *sql,
		       const struct burrow_store_arg *args, size_t n_args, const char *what,
		       int *changes);
#define burrow_store_write_args(st, sql, what, changes, ...) \
	burrow_store_write(st, sql, (const struct burrow_store_arg[]){ __VA_ARGS__ }, \
			   sizeof((const struct burrow_store_arg[]){ __VA_ARGS__ }) / \
			   sizeof(struct burrow_store_arg), what, changes)

/*
 * Row loop shared by every reader: prepare sql, bind arg to ?1, step to
 * the end calling row() on each result row, finalize. It stops at the
 * first row() that returns non-zero and returns that value (row() has
 * recorded why with burrow_store_fail). A prepare or step error returns
 * its errno with "<what>: <SQLite message>" in st->err (just the message
 * when what is NULL).
 */
int burrow_store_each(struct burrow_store *st, const char *sql, struct burrow_store_arg arg,
		      const char *what,
		      int (*row)(struct burrow_store *st, sqlite3_stmt *stmt, void *ctx),
		      void *ctx);

/*
 * What burrow_store_collect makes of each row: an element of elem_size
 * bytes, zeroed, then filled by decode(), which returns 0 or a negative
 * errno recorded with burrow_store_fail. clear() (NULL when an element owns
 * no memory) frees what decode() put in one element; it is also called on
 * the element decode() failed on, so decode() may give up half way. what
 * labels SQLite errors as in burrow_store_each.
 */
struct burrow_store_rows {
	size_t elem_size;
	const char *what;
	int (*decode)(struct burrow_store *st, sqlite3_stmt *stmt, void *elem, void *ctx);
	void (*clear)(void *elem);
};

/*
 * burrow_store_each() collecting one element per row into an array grown by
 * doubling. On success *items is the array (NULL when there was no row; the
 * caller clears the elements and free()s it) and *n its length. On failure
 * every element decoded so far is cleared, the array is freed, *items is
 * NULL and *n 0, and the error is as for burrow_store_each ("out of memory"
 * when the array cannot grow).
 */
int burrow_store_collect(struct burrow_store *st, const char *sql, struct burrow_store_arg arg,
			 const struct burrow_store_rows *rows, void *ctx, void **items, size_t *n);

/* Every node's allowed prefixes parse (store_data.c; run by open): -EINVAL
 * naming the node and the first malformed prefix otherwise. */
int burrow_store_node_prefix_check(struct burrow_store *st);

#endif /* BURROW_STORE_INTERNAL_H */
