// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/* libburrow-nl: resolving a family through the generic netlink controller. */

#include <errno.h>
#include <string.h>

#include "burrow-nl-internal.h"
#include "linux/burrow.h"

int burrow_nl_family_request(void *buf, size_t size, const char *family_name,
			     struct burrow_nl_error *err)
{
	struct nlmsghdr *nlh;

	nlh = burrow_nl_genl_request_start(buf, size, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1,
					   NLM_F_REQUEST | NLM_F_ACK, err);
	if (!nlh)
		return -EMSGSIZE;
	if (strlen(family_name) >= GENL_NAMSIZ)
		return burrow_nl_fail(err, -ENAMETOOLONG, "family name '%s' is longer than %d bytes",
				      family_name, GENL_NAMSIZ - 1);
	if (!mnl_attr_put_strz_check(nlh, size, CTRL_ATTR_FAMILY_NAME, family_name))
		return burrow_nl_request_too_big(err, "ctrl.family-name");
	return 0;
}

static const struct burrow_nl_attr_policy family_policy[CTRL_ATTR_MAX + 1] = {
	[CTRL_ATTR_FAMILY_ID] = {
		.name = "family-id", .type = MNL_TYPE_U16, .required = true,
	},
	[CTRL_ATTR_FAMILY_NAME] = {
		.name = "family-name", .type = MNL_TYPE_NUL_STRING,
		.max_strlen = GENL_NAMSIZ - 1, .required = true,
	},
	[CTRL_ATTR_VERSION] = {
		.name = "version", .type = MNL_TYPE_U32, .required = true,
	},
	[CTRL_ATTR_MCAST_GROUPS] = {
		.name = "mcast-groups", .type = MNL_TYPE_NESTED,
	},
};

static const struct burrow_nl_attr_set family_set = {
	.name = "ctrl",
	.max_type = CTRL_ATTR_MAX,
	.policy = family_policy,
};

static const struct burrow_nl_attr_policy mcast_group_policy[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
	[CTRL_ATTR_MCAST_GRP_NAME] = {
		.name = "name", .type = MNL_TYPE_NUL_STRING,
		.max_strlen = GENL_NAMSIZ - 1, .required = true,
	},
	[CTRL_ATTR_MCAST_GRP_ID] = {
		.name = "id", .type = MNL_TYPE_U32, .required = true,
	},
};

static const struct burrow_nl_attr_set mcast_group_set = {
	.name = "ctrl.mcast-group",
	.max_type = CTRL_ATTR_MCAST_GRP_MAX,
	.policy = mcast_group_policy,
};

/* One entry of CTRL_ATTR_MCAST_GROUPS: a nest holding a group's name and id. */
static int family_visit_mcast_group(const struct nlattr *entry, void *arg,
				    struct burrow_nl_error *err)
{
	const struct nlattr *group[CTRL_ATTR_MCAST_GRP_MAX + 1];
	struct burrow_nl_family *family = arg;
	int ret;

	if (mnl_attr_validate(entry, MNL_TYPE_NESTED) < 0)
		return burrow_nl_fail(err, -EBADMSG,
				      "attribute ctrl.mcast-groups: %u-byte entry is not a valid nest",
				      mnl_attr_get_payload_len(entry));
	ret = burrow_nl_attrs_parse_nested(entry, &mcast_group_set, group, err);
	if (ret)
		return ret;
	if (strcmp(mnl_attr_get_str(group[CTRL_ATTR_MCAST_GRP_NAME]), BURROW_MCGRP_EVENTS) == 0)
		family->events_group = mnl_attr_get_u32(group[CTRL_ATTR_MCAST_GRP_ID]);
	return 0;
}

int burrow_nl_family_parse(const struct nlmsghdr *nlh, const char *family_name,
			   struct burrow_nl_family *family, struct burrow_nl_error *err)
{
	const struct nlattr *attrs[CTRL_ATTR_MAX + 1];
	struct burrow_nl_family parsed = { 0 };
	int ret;

	ret = burrow_nl_genl_reply_check(nlh, CTRL_CMD_NEWFAMILY, "ctrl getfamily", err);
	if (ret)
		return ret;
	ret = burrow_nl_attrs_parse(nlh, GENL_HDRLEN, &family_set, attrs, err);
	if (ret)
		return ret;
	if (strcmp(mnl_attr_get_str(attrs[CTRL_ATTR_FAMILY_NAME]), family_name) != 0)
		return burrow_nl_fail(err, -EPROTO, "controller answered for family '%s', not '%s'",
				      mnl_attr_get_str(attrs[CTRL_ATTR_FAMILY_NAME]), family_name);
	parsed.id = mnl_attr_get_u16(attrs[CTRL_ATTR_FAMILY_ID]);
	if (parsed.id < GENL_MIN_ID)
		return burrow_nl_fail(err, -EPROTO, "controller gave the reserved family id %u",
				      parsed.id);
	parsed.version = mnl_attr_get_u32(attrs[CTRL_ATTR_VERSION]);
	if (attrs[CTRL_ATTR_MCAST_GROUPS]) {
		ret = burrow_nl_attrs_walk_nested(attrs[CTRL_ATTR_MCAST_GROUPS], "ctrl.mcast-groups",
						  family_visit_mcast_group, &parsed, err);
		if (ret)
			return ret;
	}
	*family = parsed;
	return 0;
}
