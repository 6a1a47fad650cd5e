// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/* libburrow-nl: the dev-get (do and dump) and dev-set operations. */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "burrow-nl-internal.h"
#include "linux/burrow.h"

int burrow_nl_dev_put_ref(struct nlmsghdr *nlh, size_t size,
			  const struct burrow_nl_dev_ref *ref, struct burrow_nl_error *err)
{
	if (ref->ifindex && ref->ifname)
		return burrow_nl_fail(err, -EINVAL, "give ifindex or ifname, not both");
	if (ref->ifindex) {
		if (!mnl_attr_put_u32_check(nlh, size, BURROW_A_DEV_IFINDEX, ref->ifindex))
			return burrow_nl_request_too_big(err, "dev.ifindex");
		return 0;
	}
	if (!ref->ifname)
		return burrow_nl_fail(err, -EINVAL, "give ifindex or ifname");
	if (ref->ifname[0] == '\0')
		return burrow_nl_fail(err, -EINVAL, "empty ifname");
	if (strlen(ref->ifname) >= IFNAMSIZ)
		return burrow_nl_fail(err, -ENAMETOOLONG, "ifname '%s' is longer than %d bytes",
				      ref->ifname, IFNAMSIZ - 1);
	if (!mnl_attr_put_strz_check(nlh, size, BURROW_A_DEV_IFNAME, ref->ifname))
		return burrow_nl_request_too_big(err, "dev.ifname");
	return 0;
}

int burrow_nl_dev_get_request(void *buf, size_t size, uint16_t family_id,
			      const struct burrow_nl_dev_ref *ref,
			      struct burrow_nl_error *err)
{
	struct nlmsghdr *nlh;

	nlh = burrow_nl_genl_request_start(buf, size, family_id, BURROW_CMD_DEV_GET,
					   BURROW_FAMILY_VERSION, NLM_F_REQUEST | NLM_F_ACK, err);
	if (!nlh)
		return -EMSGSIZE;
	return burrow_nl_dev_put_ref(nlh, size, ref, err);
}

int burrow_nl_dev_dump_request(void *buf, size_t size, uint16_t family_id,
			       struct burrow_nl_error *err)
{
	if (!burrow_nl_genl_request_start(buf, size, family_id, BURROW_CMD_DEV_GET,
					  BURROW_FAMILY_VERSION, NLM_F_REQUEST | NLM_F_DUMP, err))
		return -EMSGSIZE;
	return 0;
}

int burrow_nl_dev_set_request(void *buf, size_t size, uint16_t family_id,
			      const struct burrow_nl_dev_settings *settings,
			      struct burrow_nl_error *err)
{
	struct nlmsghdr *nlh;
	int ret;

	if (settings->socket_fd_set + settings->socket_detach + settings->listen_set > 1)
		return burrow_nl_fail(err, -EINVAL,
				      "give one of socket-fd, listen and socket-detach");
	if (settings->socket_fd_set && settings->socket_fd < 0)
		return burrow_nl_fail(err, -EINVAL, "socket fd %d is not a file descriptor",
				      settings->socket_fd);
	nlh = burrow_nl_genl_request_start(buf, size, family_id, BURROW_CMD_DEV_SET,
					   BURROW_FAMILY_VERSION, NLM_F_REQUEST | NLM_F_ACK, err);
	if (!nlh)
		return -EMSGSIZE;
	ret = burrow_nl_dev_put_ref(nlh, size, &settings->dev, err);
	if (ret)
		return ret;
	if (settings->default_keepalive_set &&
	    !mnl_attr_put_u16_check(nlh, size, BURROW_A_DEV_DEFAULT_KEEPALIVE,
				    settings->default_keepalive))
		return burrow_nl_request_too_big(err, "dev.default-keepalive");
	if (settings->default_inactivity_timeout_set &&
	    !mnl_attr_put_u32_check(nlh, size, BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT,
				    settings->default_inactivity_timeout))
		return burrow_nl_request_too_big(err, "dev.default-inactivity-timeout");
	if (settings->socket_fd_set &&
	    !mnl_attr_put_u32_check(nlh, size, BURROW_A_DEV_SOCKET_FD,
				    (uint32_t)settings->socket_fd))
		return burrow_nl_request_too_big(err, "dev.socket-fd");
	if (settings->socket_detach &&
	    !mnl_attr_put_check(nlh, size, BURROW_A_DEV_SOCKET_DETACH, 0, NULL))
		return burrow_nl_request_too_big(err, "dev.socket-detach");
	if (settings->listen_set &&
	    !mnl_attr_put_u16_check(nlh, size, BURROW_A_DEV_LISTEN_PORT, settings->listen.port))
		return burrow_nl_request_too_big(err, "dev.listen-port");
	if (settings->listen_set && settings->listen.family != AF_UNSPEC &&
	    !mnl_attr_put_check(nlh, size, BURROW_A_DEV_LISTEN_ADDRESS,
				settings->listen.family == AF_INET ? 4 : 16, &settings->listen.addr))
		return burrow_nl_request_too_big(err, "dev.listen-address");
	if (settings->quic_cid_len_set &&
	    !mnl_attr_put_u8_check(nlh, size, BURROW_A_DEV_QUIC_CID_LEN, settings->quic_cid_len))
		return burrow_nl_request_too_big(err, "dev.quic-cid-len");
	if (settings->fdb_ageing_set &&
	    !mnl_attr_put_u32_check(nlh, size, BURROW_A_DEV_FDB_AGEING, settings->fdb_ageing))
		return burrow_nl_request_too_big(err, "dev.fdb-ageing");
	return 0;
}

static const struct burrow_nl_attr_policy dev_policy[BURROW_A_DEV_MAX + 1] = {
	[BURROW_A_DEV_IFINDEX] = {
		.name = "ifindex", .type = MNL_TYPE_U32, .required = true,
	},
	[BURROW_A_DEV_IFNAME] = {
		.name = "ifname", .type = MNL_TYPE_NUL_STRING,
		.max_strlen = IFNAMSIZ - 1, .required = true,
	},
	[BURROW_A_DEV_DEFAULT_KEEPALIVE] = {
		.name = "default-keepalive", .type = MNL_TYPE_U16, .required = true,
	},
	[BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT] = {
		.name = "default-inactivity-timeout", .type = MNL_TYPE_U32, .required = true,
	},
	[BURROW_A_DEV_SOCKET_FAMILY] = { .name = "socket-family", .type = MNL_TYPE_U16 },
	[BURROW_A_DEV_LISTEN_PORT] = { .name = "listen-port", .type = MNL_TYPE_U16 },
	[BURROW_A_DEV_PEER_COUNT] = {
		.name = "peer-count", .type = MNL_TYPE_U32, .required = true,
	},
	[BURROW_A_DEV_GENERATION] = {
		.name = "generation", .type = MNL_TYPE_U32, .required = true,
	},
	[BURROW_A_DEV_STATS] = { .name = "stats", .type = MNL_TYPE_NESTED, .required = true },
	[BURROW_A_DEV_QUIC_CID_LEN] = { .name = "quic-cid-len", .type = MNL_TYPE_U8 },
	[BURROW_A_DEV_MODE] = { .name = "mode", .type = MNL_TYPE_U8 },
	[BURROW_A_DEV_FDB_AGEING] = { .name = "fdb-ageing", .type = MNL_TYPE_U32 },
};

/* Every counter of dev-stats (netlink/burrow.yaml) is a required u64. */
static const struct burrow_nl_attr_policy dev_stats_policy[BURROW_A_DEV_STATS_MAX + 1] = {
#define STAT(field, attr, attr_name) \
	[attr] = { .name = attr_name, .type = MNL_TYPE_U64, .required = true },
	BURROW_NL_DEV_STATS(STAT)
#undef STAT
};

/* Where each counter goes in struct burrow_nl_dev_stats. */
static const size_t dev_stats_offset[BURROW_A_DEV_STATS_MAX + 1] = {
#define STAT(field, attr, attr_name) [attr] = offsetof(struct burrow_nl_dev_stats, field),
	BURROW_NL_DEV_STATS(STAT)
#undef STAT
};

static const struct burrow_nl_attr_set dev_stats_set = {
	.name = "dev-stats",
	.max_type = BURROW_A_DEV_STATS_MAX,
	.policy = dev_stats_policy,
};

static int dev_stats_parse(const struct nlattr *nest, struct burrow_nl_dev_stats *stats,
			   struct burrow_nl_error *err)
{
	const struct nlattr *attrs[BURROW_A_DEV_STATS_MAX + 1];
	int ret;

	ret = burrow_nl_attrs_parse_nested(nest, &dev_stats_set, attrs, err);
	if (ret)
		return ret;
	for (uint16_t type = 1; type <= BURROW_A_DEV_STATS_MAX; type++) {
		uint64_t value = mnl_attr_get_u64(attrs[type]);

		memcpy((char *)stats + dev_stats_offset[type], &value, sizeof(value));
	}
	return 0;
}

/* socket-family and listen-port: both (a socket is attached) or neither. */
static int dev_socket_parse(const struct nlattr *const *attrs, struct burrow_nl_dev *dev,
			    struct burrow_nl_error *err)
{
	const struct nlattr *family = attrs[BURROW_A_DEV_SOCKET_FAMILY];
	const struct nlattr *port = attrs[BURROW_A_DEV_LISTEN_PORT];

	dev->socket_family = 0;
	dev->listen_port = 0;
	if (!family && !port)
		return 0;
	if (!family)
		return burrow_nl_fail(err, -ENODATA,
				      "missing attribute dev.socket-family (listen-port is present)");
	if (!port)
		return burrow_nl_fail(err, -ENODATA,
				      "missing attribute dev.listen-port (socket-family is present)");
	dev->socket_family = mnl_attr_get_u16(family);
	if (dev->socket_family != AF_INET && dev->socket_family != AF_INET6)
		return burrow_nl_fail(err, -EBADMSG,
				      "attribute dev.socket-family has unknown family %u",
				      dev->socket_family);
	dev->listen_port = mnl_attr_get_u16(port);
	return 0;
}

static const struct burrow_nl_attr_set dev_set = {
	.name = "dev",
	.max_type = BURROW_A_DEV_MAX,
	.policy = dev_policy,
};

int burrow_nl_dev_parse(const struct nlmsghdr *nlh, struct burrow_nl_dev *dev,
			struct burrow_nl_error *err)
{
	const struct nlattr *attrs[BURROW_A_DEV_MAX + 1];
	struct burrow_nl_dev parsed;
	int ret;

	ret = burrow_nl_genl_reply_check(nlh, BURROW_CMD_DEV_GET, "dev-get", err);
	if (ret)
		return ret;
	ret = burrow_nl_attrs_parse(nlh, GENL_HDRLEN, &dev_set, attrs, err);
	if (ret)
		return ret;
	/* Zero would read as "no ifindex" in a burrow_nl_dev_ref. */
	parsed.ifindex = mnl_attr_get_u32(attrs[BURROW_A_DEV_IFINDEX]);
	if (parsed.ifindex == 0)
		return burrow_nl_fail(err, -EBADMSG, "attribute dev.ifindex is 0");
	if (mnl_attr_get_str(attrs[BURROW_A_DEV_IFNAME])[0] == '\0')
		return burrow_nl_fail(err, -EBADMSG, "attribute dev.ifname is empty");
	burrow_nl_attr_copy_string(parsed.ifname, sizeof(parsed.ifname),
				   attrs[BURROW_A_DEV_IFNAME]);
	parsed.default_keepalive = mnl_attr_get_u16(attrs[BURROW_A_DEV_DEFAULT_KEEPALIVE]);
	parsed.default_inactivity_timeout =
		mnl_attr_get_u32(attrs[BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT]);
	ret = dev_socket_parse(attrs, &parsed, err);
	if (ret)
		return ret;
	parsed.peer_count = mnl_attr_get_u32(attrs[BURROW_A_DEV_PEER_COUNT]);
	parsed.generation = mnl_attr_get_u32(attrs[BURROW_A_DEV_GENERATION]);
	parsed.quic_cid_len = attrs[BURROW_A_DEV_QUIC_CID_LEN] ?
			      mnl_attr_get_u8(attrs[BURROW_A_DEV_QUIC_CID_LEN]) : 0;
	/* Absent from a module older than l2 mode: l3. */
	parsed.mode = attrs[BURROW_A_DEV_MODE] ? mnl_attr_get_u8(attrs[BURROW_A_DEV_MODE]) :
						 BURROW_MODE_L3;
	if (parsed.mode > BURROW_MODE_L2)
		return burrow_nl_fail(err, -EBADMSG, "attribute dev.mode is %u (0 or 1)",
				      parsed.mode);
	parsed.fdb_ageing = attrs[BURROW_A_DEV_FDB_AGEING] ?
			    mnl_attr_get_u32(attrs[BURROW_A_DEV_FDB_AGEING]) : 0;
	ret = dev_stats_parse(attrs[BURROW_A_DEV_STATS], &parsed.stats, err);
	if (ret)
		return ret;
	*dev = parsed;
	return 0;
}

static int dev_reply_parse(const struct nlmsghdr *nlh, void *dev, struct burrow_nl_error *err)
{
	return burrow_nl_dev_parse(nlh, dev, err);
}

int burrow_nl_dev_get(struct burrow_nl *nl, const struct burrow_nl_dev_ref *ref,
		      struct burrow_nl_dev *dev)
{
	int ret;

	burrow_nl_error_clear(&nl->last_error);
	ret = burrow_nl_dev_get_request(nl->request, sizeof(nl->request), nl->family.id, ref,
					&nl->last_error);
	if (ret)
		return ret;
	return burrow_nl_transact_single(nl, "dev-get", dev_reply_parse, dev);
}

/* The devices of one dump attempt, in a growing array. */
struct dev_list {
	struct burrow_nl_dev *devs;
	size_t count;
	size_t capacity;
};

static int dev_list_append(const struct nlmsghdr *nlh, void *arg, struct burrow_nl_error *err)
{
	struct dev_list *list = arg;
	struct burrow_nl_dev dev;
	int ret;

	ret = burrow_nl_dev_parse(nlh, &dev, err);
	if (ret)
		return ret;
	if (list->count == list->capacity) {
		size_t capacity = list->capacity ? 2 * list->capacity : 8;
		struct burrow_nl_dev *devs = reallocarray(list->devs, capacity, sizeof(*devs));

		if (!devs)
			return burrow_nl_fail(err, -ENOMEM, "out of memory for %zu devices",
					      capacity);
		list->devs = devs;
		list->capacity = capacity;
	}
	list->devs[list->count++] = dev;
	return 0;
}

int burrow_nl_dev_dump(struct burrow_nl *nl, struct burrow_nl_dev **devs, size_t *count)
{
	int ret;

	*devs = NULL;
	*count = 0;
	for (int attempt = 1;; attempt++) {
		struct dev_list list = { 0 };

		burrow_nl_error_clear(&nl->last_error);
		ret = burrow_nl_dev_dump_request(nl->request, sizeof(nl->request), nl->family.id,
						 &nl->last_error);
		if (ret)
			return ret;
		ret = burrow_nl_transact(nl, dev_list_append, &list);
		if (ret == 0) {
			*devs = list.devs;
			*count = list.count;
			return 0;
		}
		free(list.devs);
		if (ret != -EINTR || nl->last_error.from_kernel)
			return ret;
		if (attempt == BURROW_NL_DUMP_ATTEMPTS)
			return burrow_nl_fail(&nl->last_error, -EINTR,
					      "devices kept changing during the dump (%d attempts)",
					      attempt);
	}
}

int burrow_nl_dev_set(struct burrow_nl *nl, const struct burrow_nl_dev_settings *settings)
{
	int ret;

	burrow_nl_error_clear(&nl->last_error);
	ret = burrow_nl_dev_set_request(nl->request, sizeof(nl->request), nl->family.id,
					settings, &nl->last_error);
	if (ret)
		return ret;
	return burrow_nl_transact(nl, NULL, NULL);
}
