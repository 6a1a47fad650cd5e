/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to store.c (open, migrations, checks) and store_data.c (nodes,
 * sessions, events): the handle and the helpers both use.
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

struct burrow_store {
	sqlite3 *db;
	char *path;
	bool readonly;
	bool opening;		/* open's caller reports failures: do not log them */
	unsigned int appends;
	char err[BURROW_STORE_ERR_MAX];
};

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

#endif /* BURROW_STORE_INTERNAL_H */
