// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/* libburrow-nl: the version-get operation. */

#include <errno.h>

#include "burrow-nl-internal.h"
#include "linux/burrow.h"

int burrow_nl_version_get_request(void *buf, size_t size, uint16_t family_id,
				  struct burrow_nl_error *err)
{
	if (!burrow_nl_genl_request_start(buf, size, family_id, BURROW_CMD_VERSION_GET,
					  BURROW_FAMILY_VERSION, NLM_F_REQUEST | NLM_F_ACK, err))
		return -EMSGSIZE;
	return 0;
}

static const struct burrow_nl_attr_policy version_policy[BURROW_A_VERSION_MAX + 1] = {
	[BURROW_A_VERSION_MODULE] = {
		.name = "module", .type = MNL_TYPE_NUL_STRING,
		.max_strlen = BURROW_NL_MODULE_VERSION_SIZE - 1, .required = true,
	},
	[BURROW_A_VERSION_API] = {
		.name = "api", .type = MNL_TYPE_U32, .required = true,
	},
};

static const struct burrow_nl_attr_set version_set = {
	.name = "version",
	.max_type = BURROW_A_VERSION_MAX,
	.policy = version_policy,
};

int burrow_nl_version_parse(const struct nlmsghdr *nlh, struct burrow_nl_version *version,
			    struct burrow_nl_error *err)
{
	const struct nlattr *attrs[BURROW_A_VERSION_MAX + 1];
	struct burrow_nl_version parsed;
	int ret;

	ret = burrow_nl_genl_reply_check(nlh, BURROW_CMD_VERSION_GET, "version-get", err);
	if (ret)
		return ret;
	ret = burrow_nl_attrs_parse(nlh, GENL_HDRLEN, &version_set, attrs, err);
	if (ret)
		return ret;
	burrow_nl_attr_copy_string(parsed.module, sizeof(parsed.module),
				   attrs[BURROW_A_VERSION_MODULE]);
	parsed.api = mnl_attr_get_u32(attrs[BURROW_A_VERSION_API]);
	*version = parsed;
	return 0;
}

static int version_reply_parse(const struct nlmsghdr *nlh, void *version,
			       struct burrow_nl_error *err)
{
	return burrow_nl_version_parse(nlh, version, err);
}

int burrow_nl_version_get(struct burrow_nl *nl, struct burrow_nl_version *version)
{
	int ret;

	burrow_nl_error_clear(&nl->last_error);
	ret = burrow_nl_version_get_request(nl->request, sizeof(nl->request), nl->family.id,
					    &nl->last_error);
	if (ret)
		return ret;
	return burrow_nl_transact_single(nl, "version-get", version_reply_parse, version);
}
