// SPDX-License-Identifier: GPL-2.0
/* The cached node map of burrow-coord: see store.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_internal.h"

int burrow_store_mesh_save(struct burrow_store *st, const uint8_t coordinator_key[32],
			   const uint8_t *map, size_t len)
{
	return burrow_store_write_args(st,
		"INSERT INTO mesh_map (id, coordinator_key, map, updated_ms) VALUES (1, ?1, ?2, ?3)"
		" ON CONFLICT (id) DO UPDATE SET coordinator_key = excluded.coordinator_key,"
		" map = excluded.map, updated_ms = excluded.updated_ms", "node map", NULL,
		BURROW_STORE_BLOB(coordinator_key, 32), BURROW_STORE_BLOB(map, len),
		BURROW_STORE_INT(burrow_store_now_ms()));
}

struct mesh_read {
	uint8_t *key;
	uint8_t *map;
	size_t len;
	bool found;
};

static int mesh_row(struct burrow_store *st, sqlite3_stmt *stmt, void *ctx)
{
	struct mesh_read *r = ctx;
	const void *key = sqlite3_column_blob(stmt, 0);
	const void *map = sqlite3_column_blob(stmt, 1);
	int len = sqlite3_column_bytes(stmt, 1);

	if (!key || sqlite3_column_bytes(stmt, 0) != 32)
		return burrow_store_fail(st, -EBADMSG, "node map: coordinator key is not 32 bytes");
	r->map = malloc(len > 0 ? (size_t)len : 1);
	if (!r->map)
		return burrow_store_fail(st, -ENOMEM, "node map: out of memory");
	if (len > 0)
		memcpy(r->map, map, (size_t)len);
	memcpy(r->key, key, 32);
	r->len = (size_t)len;
	r->found = true;
	return 0;
}

int burrow_store_mesh_load(struct burrow_store *st, uint8_t coordinator_key[32], uint8_t **map,
			   size_t *len)
{
	struct mesh_read r = { .key = coordinator_key };
	int ret;

	*map = NULL;
	*len = 0;
	ret = burrow_store_each(st, "SELECT coordinator_key, map FROM mesh_map WHERE id = 1",
				BURROW_STORE_NO_ARG, "node map", mesh_row, &r);
	if (ret < 0) {
		free(r.map);
		return ret;
	}
	if (!r.found)
		return burrow_store_fail(st, -ENOENT, "no node map stored");
	*map = r.map;
	*len = r.len;
	return 0;
}

int burrow_store_mesh_clear(struct burrow_store *st)
{
	return burrow_store_write_args(st, "DELETE FROM mesh_map", "node map", NULL,
				       BURROW_STORE_NO_ARG);
}
