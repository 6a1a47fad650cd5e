// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/*
 * libburrow-nl: the fdb-get dump, the MAC table of an l2 device.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "burrow-nl-internal.h"
#include "linux/burrow.h"

static int fdb_dump_request(void *buf, size_t size, uint16_t family_id,
			    const struct burrow_nl_dev_ref *dev, struct burrow_nl_error *err)
{
	struct nlmsghdr *nlh;

	nlh = burrow_nl_genl_request_start(buf, size, family_id, BURROW_CMD_FDB_GET,
					   BURROW_FAMILY_VERSION, NLM_F_REQUEST | NLM_F_DUMP, err);
	if (!nlh)
		return -EMSGSIZE;
	return burrow_nl_dev_put_ref(nlh, size, dev, err);
}

static const struct burrow_nl_attr_policy fdb_reply_policy[BURROW_A_DEV_MAX + 1] = {
	[BURROW_A_DEV_IFINDEX] = { .name = "ifindex", .type = MNL_TYPE_U32 },
	[BURROW_A_DEV_FDB] = { .name = "fdb", .type = MNL_TYPE_NESTED, .required = true },
};

static const struct burrow_nl_attr_set fdb_reply_set = {
	.name = "dev",
	.max_type = BURROW_A_DEV_MAX,
	.policy = fdb_reply_policy,
};

static const struct burrow_nl_attr_policy fdb_policy[BURROW_A_FDB_MAX + 1] = {
	[BURROW_A_FDB_MAC] = { .name = "mac", .type = MNL_TYPE_BINARY, .len = 6, .required = true },
	[BURROW_A_FDB_VLAN] = { .name = "vlan", .type = MNL_TYPE_U16, .required = true },
	[BURROW_A_FDB_PEER_ID] = { .name = "peer-id", .type = MNL_TYPE_U32, .required = true },
	[BURROW_A_FDB_AGE_MS] = { .name = "age-ms", .type = MNL_TYPE_U64, .required = true },
};

static const struct burrow_nl_attr_set fdb_set = {
	.name = "fdb",
	.max_type = BURROW_A_FDB_MAX,
	.policy = fdb_policy,
};

struct fdb_list {
	struct burrow_nl_fdb_entry *entries;
	size_t count;
	size_t capacity;
};

static int fdb_collect(const struct nlmsghdr *nlh, void *arg, struct burrow_nl_error *err)
{
	const struct nlattr *top[BURROW_A_DEV_MAX + 1];
	const struct nlattr *attrs[BURROW_A_FDB_MAX + 1];
	struct fdb_list *list = arg;
	struct burrow_nl_fdb_entry entry, *grown;
	int ret;

	ret = burrow_nl_genl_reply_check(nlh, BURROW_CMD_FDB_GET, "fdb-get", err);
	if (ret)
		return ret;
	ret = burrow_nl_attrs_parse(nlh, GENL_HDRLEN, &fdb_reply_set, top, err);
	if (ret)
		return ret;
	ret = burrow_nl_attrs_parse_nested(top[BURROW_A_DEV_FDB], &fdb_set, attrs, err);
	if (ret)
		return ret;
	memcpy(entry.mac, mnl_attr_get_payload(attrs[BURROW_A_FDB_MAC]), sizeof(entry.mac));
	entry.vlan = mnl_attr_get_u16(attrs[BURROW_A_FDB_VLAN]);
	entry.peer_id = mnl_attr_get_u32(attrs[BURROW_A_FDB_PEER_ID]);
	entry.age_ms = mnl_attr_get_u64(attrs[BURROW_A_FDB_AGE_MS]);
	if (list->count == list->capacity) {
		size_t capacity = list->capacity ? 2 * list->capacity : 16;

		grown = reallocarray(list->entries, capacity, sizeof(*grown));
		if (!grown)
			return burrow_nl_fail(err, -ENOMEM, "out of memory for %zu MAC table entries",
					      capacity);
		list->entries = grown;
		list->capacity = capacity;
	}
	list->entries[list->count++] = entry;
	return 0;
}

/* By peer, then VLAN, then MAC: a stable order for people and tests. */
static int fdb_compare(const void *a, const void *b)
{
	const struct burrow_nl_fdb_entry *x = a, *y = b;

	if (x->peer_id != y->peer_id)
		return (x->peer_id > y->peer_id) - (x->peer_id < y->peer_id);
	if (x->vlan != y->vlan)
		return (x->vlan > y->vlan) - (x->vlan < y->vlan);
	return memcmp(x->mac, y->mac, sizeof(x->mac));
}

int burrow_nl_fdb_dump(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
		       struct burrow_nl_fdb_entry **entries, size_t *count)
{
	struct fdb_list list = { 0 };
	int ret;

	*entries = NULL;
	*count = 0;
	burrow_nl_error_clear(&nl->last_error);
	ret = fdb_dump_request(nl->request, sizeof(nl->request), nl->family.id, dev,
			       &nl->last_error);
	if (ret)
		return ret;
	ret = burrow_nl_transact(nl, fdb_collect, &list);
	if (ret) {
		free(list.entries);
		return ret;
	}
	if (list.count > 1)
		qsort(list.entries, list.count, sizeof(*list.entries), fdb_compare);
	*entries = list.entries;
	*count = list.count;
	return 0;
}
