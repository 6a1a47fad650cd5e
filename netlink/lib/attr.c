// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/*
 * Strict attribute parsing, walking as mnl_attr_parse() does: each attribute is
 * checked with mnl_attr_validate() for the type its set gives it, strings
 * against their length limit, repeats are refused, and bytes left over
 * after the last whole attribute (which libmnl silently ignores) are
 * reported as a truncated attribute.
 */

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "burrow-nl-internal.h"

/*
 * Visit the attributes from start to end: libmnl's mnl_attr_parse() loop
 * (an attribute is whole when its header and its nla_len bytes fit before
 * end; the walk stops at the first that is not), written out so that a
 * 100,000-peer dump does not pay a callback through libmnl per attribute.
 * Bytes left after the last whole attribute are a truncated attribute,
 * which libmnl silently ignores.
 */
static int attr_walk_range(const char *start, const char *end, const char *what,
			   burrow_nl_attr_visit_fn visit, void *arg, struct burrow_nl_error *err)
{
	const char *pos = start;

	while (end - pos >= (ptrdiff_t)sizeof(struct nlattr)) {
		const struct nlattr *attr = (const struct nlattr *)pos;
		int code;

		if (attr->nla_len < sizeof(struct nlattr) || attr->nla_len > end - pos)
			break;
		pos += MNL_ALIGN(attr->nla_len);
		code = visit(attr, arg, err);
		if (code)
			return code;
	}
	if (end - pos > 0)
		return burrow_nl_fail(err, -EBADMSG,
				      "truncated attribute in %s (%td bytes after the last whole one)",
				      what, end - pos);
	return 0;
}

int burrow_nl_attrs_walk(const struct nlmsghdr *nlh, unsigned int offset, const char *what,
			 burrow_nl_attr_visit_fn visit, void *arg, struct burrow_nl_error *err)
{
	const char *start = mnl_nlmsg_get_payload_offset(nlh, offset);
	const char *end = mnl_nlmsg_get_payload_tail(nlh);

	if (start > end)
		return burrow_nl_fail(err, -EBADMSG, "truncated message: no room for %s", what);
	return attr_walk_range(start, end, what, visit, arg, err);
}

int burrow_nl_attrs_walk_nested(const struct nlattr *nest, const char *what,
				burrow_nl_attr_visit_fn visit, void *arg,
				struct burrow_nl_error *err)
{
	const char *start = mnl_attr_get_payload(nest);

	return attr_walk_range(start, start + mnl_attr_get_payload_len(nest), what, visit, arg,
			       err);
}

static const char *attr_type_name(enum mnl_attr_data_type type)
{
	switch (type) {
	case MNL_TYPE_U8:
		return "u8";
	case MNL_TYPE_U16:
		return "u16";
	case MNL_TYPE_U32:
		return "u32";
	case MNL_TYPE_U64:
		return "u64";
	case MNL_TYPE_FLAG:
		return "flag";
	case MNL_TYPE_NESTED:
		return "nest";
	case MNL_TYPE_STRING:
	case MNL_TYPE_NUL_STRING:
		return "string";
	case MNL_TYPE_BINARY:
		return "binary";
	default:
		return "attribute";
	}
}

struct attr_table_parse {
	const struct burrow_nl_attr_set *set;
	const struct nlattr **table;
};

static int attr_check_string(const struct burrow_nl_attr_set *set,
			     const struct burrow_nl_attr_policy *policy,
			     const struct nlattr *attr, struct burrow_nl_error *err)
{
	const char *text = mnl_attr_get_str(attr);
	size_t length = strlen(text);

	if (length + 1 != mnl_attr_get_payload_len(attr))
		return burrow_nl_fail(err, -EBADMSG, "attribute %s.%s has bytes after its NUL",
				      set->name, policy->name);
	if (policy->max_strlen && length > policy->max_strlen)
		return burrow_nl_fail(err, -ENAMETOOLONG,
				      "attribute %s.%s is %zu bytes long, more than %u",
				      set->name, policy->name, length, policy->max_strlen);
	return 0;
}

/*
 * mnl_attr_validate() for the fixed-size types and nests, without the call
 * (a peer dump validates some 25 attributes a peer): exactly the payload
 * length libmnl's table gives the type, none for a flag, none or at least
 * one header for a nest. Other types ask libmnl.
 */
static int attr_validate(const struct nlattr *attr, enum mnl_attr_data_type type)
{
	size_t len = mnl_attr_get_payload_len(attr);
	size_t want;

	switch (type) {
	case MNL_TYPE_U8:
		want = 1;
		break;
	case MNL_TYPE_U16:
		want = 2;
		break;
	case MNL_TYPE_U32:
		want = 4;
		break;
	case MNL_TYPE_U64:
		want = 8;
		break;
	case MNL_TYPE_FLAG:
		want = 0;
		break;
	case MNL_TYPE_NESTED:
		if (len == 0 || len >= MNL_ATTR_HDRLEN)
			return 0;
		errno = ERANGE;
		return -1;
	default:
		return mnl_attr_validate(attr, type);
	}
	if (len == want)
		return 0;
	errno = ERANGE;
	return -1;
}

static int attr_table_visit(const struct nlattr *attr, void *arg, struct burrow_nl_error *err)
{
	struct attr_table_parse *parse = arg;
	const struct burrow_nl_attr_set *set = parse->set;
	uint16_t type = mnl_attr_get_type(attr);
	const struct burrow_nl_attr_policy *policy;

	if (type > set->max_type || !set->policy[type].name)
		return 0;	/* unknown to this client: newer kernel */
	policy = &set->policy[type];

	if (parse->table[type] && !policy->multi)
		return burrow_nl_fail(err, -EBADMSG, "attribute %s.%s appears twice",
				      set->name, policy->name);
	if (attr_validate(attr, policy->type) < 0) {
		if (policy->type == MNL_TYPE_NUL_STRING && errno == EINVAL)
			return burrow_nl_fail(err, -EBADMSG,
					      "attribute %s.%s is not NUL-terminated",
					      set->name, policy->name);
		return burrow_nl_fail(err, -EBADMSG,
				      "attribute %s.%s: %u-byte payload is not a valid %s",
				      set->name, policy->name, mnl_attr_get_payload_len(attr),
				      attr_type_name(policy->type));
	}
	if (policy->type == MNL_TYPE_NUL_STRING) {
		int ret = attr_check_string(set, policy, attr, err);

		if (ret)
			return ret;
	}
	if (policy->type == MNL_TYPE_BINARY && policy->len &&
	    mnl_attr_get_payload_len(attr) != policy->len)
		return burrow_nl_fail(err, -EBADMSG,
				      "attribute %s.%s: %u-byte payload, expected %u bytes",
				      set->name, policy->name, mnl_attr_get_payload_len(attr),
				      policy->len);
	if (!parse->table[type])
		parse->table[type] = attr;
	return 0;
}

static int attr_table_check_required(const struct burrow_nl_attr_set *set,
				     const struct nlattr **table, struct burrow_nl_error *err)
{
	for (uint16_t type = 0; type <= set->max_type; type++) {
		if (set->policy[type].required && !table[type])
			return burrow_nl_fail(err, -ENODATA, "missing attribute %s.%s",
					      set->name, set->policy[type].name);
	}
	return 0;
}

int burrow_nl_attrs_parse(const struct nlmsghdr *nlh, unsigned int offset,
			  const struct burrow_nl_attr_set *set,
			  const struct nlattr **table, struct burrow_nl_error *err)
{
	struct attr_table_parse parse = { .set = set, .table = table };
	int ret;

	memset(table, 0, (set->max_type + 1) * sizeof(*table));
	ret = burrow_nl_attrs_walk(nlh, offset, set->name, attr_table_visit, &parse, err);
	return ret ? ret : attr_table_check_required(set, table, err);
}

int burrow_nl_attrs_parse_nested(const struct nlattr *nest, const struct burrow_nl_attr_set *set,
				 const struct nlattr **table, struct burrow_nl_error *err)
{
	struct attr_table_parse parse = { .set = set, .table = table };
	int ret;

	memset(table, 0, (set->max_type + 1) * sizeof(*table));
	ret = burrow_nl_attrs_walk_nested(nest, set->name, attr_table_visit, &parse, err);
	return ret ? ret : attr_table_check_required(set, table, err);
}

void burrow_nl_attr_copy_string(char *dst, size_t size, const struct nlattr *attr)
{
	snprintf(dst, size, "%s", mnl_attr_get_str(attr));
}

int burrow_nl_attr_get_enum(const struct nlattr *attr, const char *set_name,
			    const char *attr_name, unsigned int count, uint8_t *value,
			    struct burrow_nl_error *err)
{
	uint8_t raw = mnl_attr_get_u8(attr);

	if (raw >= count)
		return burrow_nl_fail(err, -EBADMSG, "attribute %s.%s has unknown value %u (0-%u)",
				      set_name, attr_name, raw, count - 1);
	*value = raw;
	return 0;
}
