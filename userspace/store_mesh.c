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

int burrow_store_control_ticket_save(struct burrow_store *st, const char *relay,
				     const uint8_t node_key[32], const uint8_t coordinator_key[32],
				     const uint8_t ticket[BURROW_STORE_TICKET_LEN], uint64_t expiry)
{
	return burrow_store_write_args(st,
		"INSERT INTO control_ticket (id, relay, node_key, coordinator_key, ticket, expiry,"
		" updated_ms) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)"
		" ON CONFLICT (id) DO UPDATE SET relay = excluded.relay,"
		" node_key = excluded.node_key, coordinator_key = excluded.coordinator_key,"
		" ticket = excluded.ticket, expiry = excluded.expiry,"
		" updated_ms = excluded.updated_ms", "control ticket", NULL,
		BURROW_STORE_TEXT(relay), BURROW_STORE_BLOB(node_key, 32),
		BURROW_STORE_BLOB(coordinator_key, 32), BURROW_STORE_BLOB(ticket, BURROW_STORE_TICKET_LEN),
		BURROW_STORE_INT((int64_t)expiry), BURROW_STORE_INT(burrow_store_now_ms()));
}

struct ticket_read {
	const char *relay;
	const uint8_t *node_key, *coordinator_key;
	uint8_t *ticket;
	uint64_t *expiry;
	bool found;
};

static int ticket_row(struct burrow_store *st, sqlite3_stmt *stmt, void *ctx)
{
	struct ticket_read *r = ctx;
	const unsigned char *relay = sqlite3_column_text(stmt, 0);
	const void *node_key = sqlite3_column_blob(stmt, 1);
	const void *coordinator_key = sqlite3_column_blob(stmt, 2);
	const void *ticket = sqlite3_column_blob(stmt, 3);

	if (!node_key || !coordinator_key || !ticket || sqlite3_column_bytes(stmt, 1) != 32 ||
	    sqlite3_column_bytes(stmt, 2) != 32 ||
	    sqlite3_column_bytes(stmt, 3) != BURROW_STORE_TICKET_LEN)
		return burrow_store_fail(st, -EBADMSG, "control ticket: bad key or ticket length");
	if (!relay || strcmp((const char *)relay, r->relay) || memcmp(node_key, r->node_key, 32) ||
	    memcmp(coordinator_key, r->coordinator_key, 32))
		return 0;	/* another relay's or key's: not this one */
	memcpy(r->ticket, ticket, BURROW_STORE_TICKET_LEN);
	*r->expiry = (uint64_t)sqlite3_column_int64(stmt, 4);
	r->found = true;
	return 0;
}

int burrow_store_control_ticket_load(struct burrow_store *st, const char *relay,
				     const uint8_t node_key[32], const uint8_t coordinator_key[32],
				     uint8_t ticket[BURROW_STORE_TICKET_LEN], uint64_t *expiry)
{
	struct ticket_read r = { .relay = relay, .node_key = node_key,
				 .coordinator_key = coordinator_key, .ticket = ticket,
				 .expiry = expiry };
	int ret = burrow_store_each(st, "SELECT relay, node_key, coordinator_key, ticket, expiry"
				    " FROM control_ticket WHERE id = 1", BURROW_STORE_NO_ARG,
				    "control ticket", ticket_row, &r);

	if (ret < 0)
		return ret;
	if (!r.found)
		return burrow_store_fail(st, -ENOENT, "no control ticket stored for relay %s", relay);
	return 0;
}
