// SPDX-License-Identifier: GPL-2.0
/* Effective policy rows in the state database: see store.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "store.h"
#include "store_internal.h"

enum value_kind { PREFIXES, PREFIXES_OR_ALL, YES_NO };

static const struct {
	const char *key;
	bool per_peer;
	enum value_kind kind;
} known_keys[] = {
	{ "request_address", true, PREFIXES },
	{ "accept_addresses", true, PREFIXES },
	{ "may_announce", true, PREFIXES },
	{ "may_reach", true, PREFIXES_OR_ALL },
	{ "relay_routes", false, YES_NO },
};

/* 0 when value is well-formed for kind; else -EINVAL with why. */
static int value_check(enum value_kind kind, const char *value, char *why, size_t why_size)
{
	char one[128];
	const char *p = value;

	if (kind == YES_NO) {
		if (strcmp(value, "yes") && strcmp(value, "no")) {
			snprintf(why, why_size, "expected yes or no");
			return -EINVAL;
		}
		return 0;
	}
	if (kind == PREFIXES_OR_ALL && !strcmp(value, "all"))
		return 0;
	while (*p) {
		struct burrow_nl_prefix prefix;
		size_t len = strcspn(p, ",");

		while (*p == ' ')
			p++, len--;
		if (len == 0 || len >= sizeof(one)) {
			snprintf(why, why_size, "empty or overlong list entry");
			return -EINVAL;
		}
		memcpy(one, p, len);
		one[len] = '\0';
		if (burrow_prefix_parse(one, &prefix, why, why_size))
			return -EINVAL;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

int burrow_store_policy_check(struct burrow_store *st)
{
	sqlite3_stmt *stmt;
	int rc, ret;

	ret = burrow_store_prepare(st,
		"SELECT policy.rowid, coalesce(nodes.name, ''), policy.node_id IS NULL, key, value"
		" FROM policy LEFT JOIN nodes ON nodes.id = policy.node_id ORDER BY policy.rowid",
		&stmt);
	if (ret < 0)
		return ret;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *node = (const char *)sqlite3_column_text(stmt, 1);
		bool node_wide = sqlite3_column_int(stmt, 2);
		const char *key = (const char *)sqlite3_column_text(stmt, 3);
		const char *value = (const char *)sqlite3_column_text(stmt, 4);
		char why[200] = "";
		size_t k;

		key = key ? key : "";
		value = value ? value : "";
		for (k = 0; k < sizeof(known_keys) / sizeof(known_keys[0]); k++)
			if (!strcmp(known_keys[k].key, key))
				break;
		if (k == sizeof(known_keys) / sizeof(known_keys[0])) {
			ret = burrow_store_fail(st, -EINVAL,
						"policy row %lld (node '%s'): unknown key '%.40s'",
						(long long)sqlite3_column_int64(stmt, 0), node, key);
			break;
		}
		if (known_keys[k].per_peer == node_wide) {
			ret = burrow_store_fail(st, -EINVAL,
						"policy row %lld: key '%s' is %s",
						(long long)sqlite3_column_int64(stmt, 0), key,
						node_wide ? "per peer but has no node" :
							    "node-wide but names a node");
			break;
		}
		if (value_check(known_keys[k].kind, value, why, sizeof(why))) {
			ret = burrow_store_fail(st, -EINVAL,
						"policy row %lld (node '%s'): %s value '%.100s' is malformed: %.150s",
						(long long)sqlite3_column_int64(stmt, 0), node, key,
						value, why);
			break;
		}
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = burrow_store_fail(st, burrow_store_sqlite_errno(rc), "policy: %s",
					sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	return ret;
}

int burrow_store_policy_set(struct burrow_store *st, const uint8_t *public_key,
			    const char *const *keys, const char *const *values, size_t n)
{
	sqlite3_stmt *del = NULL, *ins = NULL;
	int64_t now = burrow_store_now_ms();
	int rc, ret;

	ret = burrow_store_exec(st, "BEGIN IMMEDIATE");
	if (ret < 0)
		return ret;
	/* node_id NULL selects the node-wide rows; ?1 NULL binds exactly that. */
	ret = burrow_store_prepare(st,
		"DELETE FROM policy WHERE node_id IS (SELECT id FROM nodes WHERE public_key = ?1)",
		&del);
	if (ret < 0)
		goto out;
	ret = burrow_store_prepare(st,
		"INSERT INTO policy (node_id, key, value, updated_ms)"
		" SELECT (SELECT id FROM nodes WHERE public_key = ?1), ?2, ?3, ?4"
		" WHERE ?1 IS NULL OR EXISTS (SELECT 1 FROM nodes WHERE public_key = ?1)", &ins);
	if (ret < 0)
		goto out;
	if (public_key)
		sqlite3_bind_blob(del, 1, public_key, 32, SQLITE_STATIC);
	rc = sqlite3_step(del);
	if (rc != SQLITE_DONE) {
		ret = burrow_store_fail(st, burrow_store_sqlite_errno(rc), "policy: %s",
					sqlite3_errmsg(st->db));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(ins);
		if (public_key)
			sqlite3_bind_blob(ins, 1, public_key, 32, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, keys[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, values[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 4, now);
		rc = sqlite3_step(ins);
		if (rc != SQLITE_DONE) {
			ret = burrow_store_fail(st, burrow_store_sqlite_errno(rc), "policy %s: %s",
						keys[i], sqlite3_errmsg(st->db));
			goto out;
		}
		if (!sqlite3_changes(st->db)) {
			ret = burrow_store_fail(st, -ENOENT, "policy %s: no such node", keys[i]);
			goto out;
		}
	}
	ret = burrow_store_exec(st, "COMMIT");
out:
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	return ret < 0 ? burrow_store_rollback(st, ret) : 0;
}

static int policy_decode(struct burrow_store *st, sqlite3_stmt *stmt, void *elem, void *ctx)
{
	struct burrow_policy_row *r = elem;
	const char *name = (const char *)sqlite3_column_text(stmt, 0);
	const char *key = (const char *)sqlite3_column_text(stmt, 1);
	const char *value = (const char *)sqlite3_column_text(stmt, 2);

	(void)ctx;
	snprintf(r->node_name, sizeof(r->node_name), "%s", name ? name : "");
	snprintf(r->key, sizeof(r->key), "%s", key ? key : "");
	r->value = strdup(value ? value : "");
	if (!r->value)
		return burrow_store_fail(st, -ENOMEM, "out of memory");
	r->updated_ms = sqlite3_column_int64(stmt, 3);
	return 0;
}

static void policy_clear(void *elem)
{
	free(((struct burrow_policy_row *)elem)->value);
}

static const struct burrow_store_rows policy_rows = {
	.elem_size = sizeof(struct burrow_policy_row),
	.what = "policy",
	.decode = policy_decode,
	.clear = policy_clear,
};

int burrow_store_policy_list(struct burrow_store *st, struct burrow_policy_row **rows, size_t *n)
{
	void *items;
	int ret;

	ret = burrow_store_collect(st,
		"SELECT coalesce(nodes.name, ''), key, value, policy.updated_ms"
		" FROM policy LEFT JOIN nodes ON nodes.id = policy.node_id"
		" ORDER BY coalesce(nodes.name, ''), key",
		BURROW_STORE_NO_ARG, &policy_rows, NULL, &items, n);
	*rows = items;
	return ret;
}

void burrow_store_policy_free(struct burrow_policy_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		policy_clear(&rows[i]);
	free(rows);
}
