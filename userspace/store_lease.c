// SPDX-License-Identifier: GPL-2.0
/* Address leases of this node's pool: see store.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_internal.h"

int burrow_store_lease_set(struct burrow_store *st, const uint8_t public_key[32], int version,
			   const char *address)
{
	char what[128];
	int changes, ret;

	snprintf(what, sizeof(what), "lease of '%s'", address);
	ret = burrow_store_write_args(st,
		"INSERT INTO address_leases (node_id, family, address, assigned_ms)"
		" SELECT id, ?2, ?3, ?4 FROM nodes WHERE public_key = ?1"
		" ON CONFLICT (node_id, family) DO UPDATE SET address = excluded.address,"
		" assigned_ms = excluded.assigned_ms", what, &changes,
		BURROW_STORE_BLOB(public_key, 32), BURROW_STORE_INT(version),
		BURROW_STORE_TEXT(address), BURROW_STORE_INT(burrow_store_now_ms()));
	/* A constraint violation (-EEXIST) can only be the address's uniqueness. */
	if (ret == -EEXIST)
		return burrow_store_fail(st, -EEXIST, "address '%s' is leased to another node",
					 address);
	if (ret < 0)
		return ret;
	return changes ? 0 : burrow_store_fail(st, -ENOENT, "lease of '%s': no such node", address);
}

static int lease_decode(struct burrow_store *st, sqlite3_stmt *stmt, void *elem, void *ctx)
{
	struct burrow_lease *l = elem;
	const void *key = sqlite3_column_blob(stmt, 0);
	const char *name = (const char *)sqlite3_column_text(stmt, 1);
	const char *address = (const char *)sqlite3_column_text(stmt, 3);

	(void)st;
	(void)ctx;
	if (key && sqlite3_column_bytes(stmt, 0) == 32)
		memcpy(l->public_key, key, 32);
	snprintf(l->node_name, sizeof(l->node_name), "%s", name ? name : "");
	l->version = sqlite3_column_int(stmt, 2);
	snprintf(l->address, sizeof(l->address), "%s", address ? address : "");
	l->assigned_ms = sqlite3_column_int64(stmt, 4);
	return 0;
}

static const struct burrow_store_rows lease_rows = {
	.elem_size = sizeof(struct burrow_lease),
	.what = NULL,
	.decode = lease_decode,
};

int burrow_store_lease_list(struct burrow_store *st, struct burrow_lease **leases, size_t *n)
{
	void *items;
	int ret;

	ret = burrow_store_collect(st,
		"SELECT nodes.public_key, nodes.name, family, address, assigned_ms"
		" FROM address_leases JOIN nodes ON nodes.id = address_leases.node_id"
		" ORDER BY address", BURROW_STORE_NO_ARG, &lease_rows, NULL, &items, n);
	*leases = items;
	return ret;
}

void burrow_store_leases_free(struct burrow_lease *leases)
{
	free(leases);
}
