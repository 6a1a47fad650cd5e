// SPDX-License-Identifier: GPL-2.0
/* Addresses and routes burrowd installed on its device: see store.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_internal.h"

static const char *kind_name(enum burrow_installed_kind kind)
{
	return kind == BURROW_INSTALLED_ADDRESS ? "address" : "route";
}

int burrow_store_installed_add(struct burrow_store *st, const char *device,
			       enum burrow_installed_kind kind, const char *prefix,
			       const uint8_t *owner)
{
	char what[160];

	snprintf(what, sizeof(what), "installed %s %s on %s", kind_name(kind), prefix, device);
	return burrow_store_write_args(st,
		"INSERT OR REPLACE INTO installed (device, kind, prefix, owner, installed_ms)"
		" VALUES (?1, ?2, ?3, ?4, ?5)", what, NULL,
		BURROW_STORE_TEXT(device), BURROW_STORE_TEXT(kind_name(kind)), BURROW_STORE_TEXT(prefix),
		owner ? BURROW_STORE_BLOB(owner, 32) : BURROW_STORE_NO_ARG,
		BURROW_STORE_INT(burrow_store_now_ms()));
}

int burrow_store_installed_del(struct burrow_store *st, const char *device,
			       enum burrow_installed_kind kind, const char *prefix)
{
	char what[160];

	snprintf(what, sizeof(what), "installed %s %s on %s", kind_name(kind), prefix, device);
	return burrow_store_write_args(st,
		"DELETE FROM installed WHERE device = ?1 AND kind = ?2 AND prefix = ?3", what, NULL,
		BURROW_STORE_TEXT(device), BURROW_STORE_TEXT(kind_name(kind)), BURROW_STORE_TEXT(prefix));
}

static int installed_decode(struct burrow_store *st, sqlite3_stmt *stmt, void *elem, void *ctx)
{
	struct burrow_installed *r = elem;
	const char *kind = (const char *)sqlite3_column_text(stmt, 0);
	const char *prefix = (const char *)sqlite3_column_text(stmt, 1);
	const void *owner = sqlite3_column_blob(stmt, 2);

	(void)st;
	(void)ctx;
	r->kind = kind && !strcmp(kind, "route") ? BURROW_INSTALLED_ROUTE : BURROW_INSTALLED_ADDRESS;
	snprintf(r->prefix, sizeof(r->prefix), "%s", prefix ? prefix : "");
	if (owner && sqlite3_column_bytes(stmt, 2) == 32) {
		r->has_owner = true;
		memcpy(r->owner, owner, 32);
	}
	return 0;
}

static const struct burrow_store_rows installed_rows = {
	.elem_size = sizeof(struct burrow_installed),
	.what = "installed",
	.decode = installed_decode,
};

int burrow_store_installed_list(struct burrow_store *st, const char *device,
				struct burrow_installed **rows, size_t *n)
{
	void *items;
	int ret;

	ret = burrow_store_collect(st,
		"SELECT kind, prefix, owner FROM installed WHERE device = ?1 ORDER BY kind, prefix",
		BURROW_STORE_TEXT(device), &installed_rows, NULL, &items, n);
	*rows = items;
	return ret;
}
