// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl-raw: the request builder. The name tables follow the UAPI
 * enums of netlink/uapi/linux/burrow.h, which burrow.yaml generates.
 */

#include <ctype.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "burrow-nl-stats.h"
#include "linux/burrow.h"
#include "raw.h"

#define ARRAY_SIZE(array) (sizeof(array) / sizeof((array)[0]))

struct raw_set;

struct raw_attr {
	const char *name;
	uint16_t type;
	const struct raw_set *nested;	/* the set a nest holds */
};

struct raw_set {
	const char *name;
	const struct raw_attr *attrs;
	size_t count;
};

#define RAW_SET(set_name, table) \
	{ .name = set_name, .attrs = table, .count = ARRAY_SIZE(table) }

static const struct raw_attr version_attrs[] = {
	{ "module", BURROW_A_VERSION_MODULE, NULL },
	{ "api", BURROW_A_VERSION_API, NULL },
};

static const struct raw_attr dev_stats_attrs[] = {
#define RAW_STAT(field, attr, name) { name, attr, NULL },
	BURROW_NL_DEV_STATS(RAW_STAT)
#undef RAW_STAT
};

static const struct raw_attr allowed_ip_attrs[] = {
	{ "family", BURROW_A_ALLOWED_IP_FAMILY, NULL },
	{ "address", BURROW_A_ALLOWED_IP_ADDRESS, NULL },
	{ "prefix-len", BURROW_A_ALLOWED_IP_PREFIX_LEN, NULL },
};

static const struct raw_set allowed_ip_set = RAW_SET("allowed-ip", allowed_ip_attrs);

static const struct raw_attr peer_attrs[] = {
	{ "id", BURROW_A_PEER_ID, NULL },
	{ "tx-id", BURROW_A_PEER_TX_ID, NULL },
	{ "remote-ipv4", BURROW_A_PEER_REMOTE_IPV4, NULL },
	{ "remote-ipv6", BURROW_A_PEER_REMOTE_IPV6, NULL },
	{ "remote-port", BURROW_A_PEER_REMOTE_PORT, NULL },
	{ "remote-clear", BURROW_A_PEER_REMOTE_CLEAR, NULL },
	{ "endpoint-pinned", BURROW_A_PEER_ENDPOINT_PINNED, NULL },
	{ "encap", BURROW_A_PEER_ENCAP, NULL },
	{ "keepalive", BURROW_A_PEER_KEEPALIVE, NULL },
	{ "inactivity-timeout", BURROW_A_PEER_INACTIVITY_TIMEOUT, NULL },
	{ "allowed-ips-op", BURROW_A_PEER_ALLOWED_IPS_OP, NULL },
	{ "allowed-ip", BURROW_A_PEER_ALLOWED_IP, &allowed_ip_set },
	{ "rx-bytes", BURROW_A_PEER_RX_BYTES, NULL },
	{ "rx-packets", BURROW_A_PEER_RX_PACKETS, NULL },
	{ "tx-bytes", BURROW_A_PEER_TX_BYTES, NULL },
	{ "tx-packets", BURROW_A_PEER_TX_PACKETS, NULL },
	{ "last-rx-ms-ago", BURROW_A_PEER_LAST_RX_MS_AGO, NULL },
	{ "expired", BURROW_A_PEER_EXPIRED, NULL },
	{ "local-cid", BURROW_A_PEER_LOCAL_CID, NULL },
	{ "remote-cid", BURROW_A_PEER_REMOTE_CID, NULL },
	{ "tx-queue-drops", BURROW_A_PEER_TX_QUEUE_DROPS, NULL },
	{ "rx-queue-drops", BURROW_A_PEER_RX_QUEUE_DROPS, NULL },
	{ "relay-ticket", BURROW_A_PEER_RELAY_TICKET, NULL },
	{ "segments", BURROW_A_PEER_SEGMENTS, NULL },
	{ "mac-limit", BURROW_A_PEER_MAC_LIMIT, NULL },
	{ "flood-rate", BURROW_A_PEER_FLOOD_RATE, NULL },
	{ "mac-count", BURROW_A_PEER_MAC_COUNT, NULL },
};

static const struct raw_attr fdb_attrs[] = {
	{ "mac", BURROW_A_FDB_MAC, NULL },
	{ "vlan", BURROW_A_FDB_VLAN, NULL },
	{ "peer-id", BURROW_A_FDB_PEER_ID, NULL },
	{ "age-ms", BURROW_A_FDB_AGE_MS, NULL },
};

static const struct raw_attr relay_attrs[] = {
	{ "ticket", BURROW_A_RELAY_TICKET, NULL },
	{ "a-address", BURROW_A_RELAY_A_ADDRESS, NULL },
	{ "a-port", BURROW_A_RELAY_A_PORT, NULL },
	{ "b-address", BURROW_A_RELAY_B_ADDRESS, NULL },
	{ "b-port", BURROW_A_RELAY_B_PORT, NULL },
	{ "lifetime", BURROW_A_RELAY_LIFETIME, NULL },
	{ "a-to-b-packets", BURROW_A_RELAY_A_TO_B_PACKETS, NULL },
	{ "a-to-b-bytes", BURROW_A_RELAY_A_TO_B_BYTES, NULL },
	{ "b-to-a-packets", BURROW_A_RELAY_B_TO_A_PACKETS, NULL },
	{ "b-to-a-bytes", BURROW_A_RELAY_B_TO_A_BYTES, NULL },
};

static const struct raw_attr keyconf_attrs[] = {
	{ "peer-id", BURROW_A_KEYCONF_PEER_ID, NULL },
	{ "slot", BURROW_A_KEYCONF_SLOT, NULL },
	{ "key-id", BURROW_A_KEYCONF_KEY_ID, NULL },
	{ "cipher", BURROW_A_KEYCONF_CIPHER, NULL },
	{ "encrypt-key", BURROW_A_KEYCONF_ENCRYPT_KEY, NULL },
	{ "encrypt-iv", BURROW_A_KEYCONF_ENCRYPT_IV, NULL },
	{ "decrypt-key", BURROW_A_KEYCONF_DECRYPT_KEY, NULL },
	{ "decrypt-iv", BURROW_A_KEYCONF_DECRYPT_IV, NULL },
	{ "soft-limit-packets", BURROW_A_KEYCONF_SOFT_LIMIT_PACKETS, NULL },
	{ "hard-limit-packets", BURROW_A_KEYCONF_HARD_LIMIT_PACKETS, NULL },
	{ "soft-limit-seconds", BURROW_A_KEYCONF_SOFT_LIMIT_SECONDS, NULL },
	{ "hard-limit-seconds", BURROW_A_KEYCONF_HARD_LIMIT_SECONDS, NULL },
	{ "age-seconds", BURROW_A_KEYCONF_AGE_SECONDS, NULL },
	{ "tx-packets", BURROW_A_KEYCONF_TX_PACKETS, NULL },
	{ "rx-packets", BURROW_A_KEYCONF_RX_PACKETS, NULL },
	{ "rx-max-counter", BURROW_A_KEYCONF_RX_MAX_COUNTER, NULL },
	{ "limit-reached", BURROW_A_KEYCONF_LIMIT_REACHED, NULL },
	{ "encrypt-hp-key", BURROW_A_KEYCONF_ENCRYPT_HP_KEY, NULL },
	{ "decrypt-hp-key", BURROW_A_KEYCONF_DECRYPT_HP_KEY, NULL },
	{ "key-phase", BURROW_A_KEYCONF_KEY_PHASE, NULL },
	{ "integrity-limit", BURROW_A_KEYCONF_INTEGRITY_LIMIT, NULL },
	{ "rx-auth-failures", BURROW_A_KEYCONF_RX_AUTH_FAILURES, NULL },
};

static const struct raw_set dev_stats_set = RAW_SET("dev-stats", dev_stats_attrs);
static const struct raw_set peer_set = RAW_SET("peer", peer_attrs);
static const struct raw_set keyconf_set = RAW_SET("keyconf", keyconf_attrs);
static const struct raw_set relay_set = RAW_SET("relay", relay_attrs);
static const struct raw_set fdb_set = RAW_SET("fdb", fdb_attrs);

static const struct raw_attr dev_attrs[] = {
	{ "ifindex", BURROW_A_DEV_IFINDEX, NULL },
	{ "ifname", BURROW_A_DEV_IFNAME, NULL },
	{ "default-keepalive", BURROW_A_DEV_DEFAULT_KEEPALIVE, NULL },
	{ "default-inactivity-timeout", BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT, NULL },
	{ "socket-fd", BURROW_A_DEV_SOCKET_FD, NULL },
	{ "socket-detach", BURROW_A_DEV_SOCKET_DETACH, NULL },
	{ "socket-family", BURROW_A_DEV_SOCKET_FAMILY, NULL },
	{ "listen-port", BURROW_A_DEV_LISTEN_PORT, NULL },
	{ "peer-count", BURROW_A_DEV_PEER_COUNT, NULL },
	{ "generation", BURROW_A_DEV_GENERATION, NULL },
	{ "peer", BURROW_A_DEV_PEER, &peer_set },
	{ "keyconf", BURROW_A_DEV_KEYCONF, &keyconf_set },
	{ "stats", BURROW_A_DEV_STATS, &dev_stats_set },
	{ "quic-cid-len", BURROW_A_DEV_QUIC_CID_LEN, NULL },
	{ "listen-address", BURROW_A_DEV_LISTEN_ADDRESS, NULL },
	{ "relay", BURROW_A_DEV_RELAY, &relay_set },
	{ "mode", BURROW_A_DEV_MODE, NULL },
	{ "fdb-ageing", BURROW_A_DEV_FDB_AGEING, NULL },
	{ "fdb", BURROW_A_DEV_FDB, &fdb_set },
};

static const struct raw_set version_set = RAW_SET("version", version_attrs);
static const struct raw_set dev_set = RAW_SET("dev", dev_attrs);

static const struct {
	const char *name;
	uint8_t cmd;
	bool get;
} raw_commands[] = {
	{ "version-get", BURROW_CMD_VERSION_GET, true },
	{ "dev-get", BURROW_CMD_DEV_GET, true },
	{ "dev-set", BURROW_CMD_DEV_SET, false },
	{ "peer-new", BURROW_CMD_PEER_NEW, false },
	{ "peer-set", BURROW_CMD_PEER_SET, false },
	{ "peer-get", BURROW_CMD_PEER_GET, true },
	{ "peer-del", BURROW_CMD_PEER_DEL, false },
	{ "key-new", BURROW_CMD_KEY_NEW, false },
	{ "key-swap", BURROW_CMD_KEY_SWAP, false },
	{ "key-del", BURROW_CMD_KEY_DEL, false },
	{ "key-get", BURROW_CMD_KEY_GET, true },
	{ "peer-expired-ntf", BURROW_CMD_PEER_EXPIRED_NTF, false },
	{ "endpoint-changed-ntf", BURROW_CMD_ENDPOINT_CHANGED_NTF, false },
	{ "key-soft-limit-ntf", BURROW_CMD_KEY_SOFT_LIMIT_NTF, false },
	{ "key-hard-limit-ntf", BURROW_CMD_KEY_HARD_LIMIT_NTF, false },
	{ "relay-new", BURROW_CMD_RELAY_NEW, false },
	{ "relay-set", BURROW_CMD_RELAY_SET, false },
	{ "relay-get", BURROW_CMD_RELAY_GET, true },
	{ "relay-del", BURROW_CMD_RELAY_DEL, false },
	{ "fdb-get", BURROW_CMD_FDB_GET, true },
};

static int raw_fail(struct raw_error *error, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

static int raw_fail(struct raw_error *error, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vsnprintf(error->message, sizeof(error->message), format, args);
	va_end(args);
	return -1;
}

/* A whole-string unsigned number, decimal or 0x-hex, at most max. */
static bool raw_number(const char *text, uint64_t max, uint64_t *value)
{
	unsigned long long parsed;
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return false;	/* no sign, no space */
	errno = 0;
	parsed = strtoull(text, &end, 0);
	if (errno || *end != '\0' || parsed > max)
		return false;
	*value = parsed;
	return true;
}

int raw_command(const char *name)
{
	uint64_t number;

	for (size_t i = 0; i < ARRAY_SIZE(raw_commands); i++) {
		if (strcmp(raw_commands[i].name, name) == 0)
			return raw_commands[i].cmd;
	}
	if (raw_number(name, UINT8_MAX, &number))
		return (int)number;
	return -1;
}

bool raw_command_is_get(int cmd)
{
	for (size_t i = 0; i < ARRAY_SIZE(raw_commands); i++) {
		if (raw_commands[i].cmd == cmd)
			return raw_commands[i].get;
	}
	return false;
}

/* A name in set (NULL: numbers only) or a number 0-16383, into *attr. */
static int raw_resolve(const struct raw_set *set, const char *name, struct raw_attr *attr,
		       struct raw_error *error)
{
	uint64_t number;

	if (raw_number(name, NLA_TYPE_MASK & 0xffff, &number)) {
		*attr = (struct raw_attr){ .name = name, .type = (uint16_t)number, .nested = NULL };
		return 0;
	}
	for (size_t i = 0; set && i < set->count; i++) {
		if (strcmp(set->attrs[i].name, name) == 0) {
			*attr = set->attrs[i];
			return 0;
		}
	}
	if (!set)
		return raw_fail(error, "attribute '%s' inside a numbered nest: use numbers", name);
	return raw_fail(error, "unknown attribute '%s' in set %s", name, set->name);
}

/* Hex digits into bytes; false unless an even number of them. */
static bool raw_hex(const char *text, uint8_t *bytes, size_t *len, size_t max)
{
	size_t digits = strlen(text);

	if (digits % 2 || digits / 2 > max)
		return false;
	for (size_t i = 0; i < digits; i++) {
		if (!isxdigit((unsigned char)text[i]))
			return false;
	}
	for (size_t i = 0; i < digits / 2; i++) {
		char pair[3] = { text[2 * i], text[2 * i + 1], '\0' };

		bytes[i] = (uint8_t)strtoul(pair, NULL, 16);
	}
	*len = digits / 2;
	return true;
}

struct raw_nest {
	struct nlattr *attr;
	const char *name;
	const struct raw_set *set;
};

struct raw_builder {
	struct nlmsghdr *nlh;
	size_t size;
	struct raw_nest stack[RAW_MAX_DEPTH + 1];	/* [0]: the top level */
	int depth;
};

/* Largest attribute payload nla_len can describe. */
#define RAW_MAX_PAYLOAD (UINT16_MAX - MNL_ATTR_HDRLEN)

static int raw_put_value(struct raw_builder *builder, const struct raw_attr *attr,
			 const char *type, const char *value, const char *word,
			 struct raw_error *error)
{
	static const struct {
		const char *name;
		unsigned int bytes;
	} ints[] = { { "u8", 1 }, { "u16", 2 }, { "u32", 4 }, { "u64", 8 } };
	struct nlmsghdr *nlh = builder->nlh;
	bool fits;

	for (size_t i = 0; i < ARRAY_SIZE(ints); i++) {
		uint64_t max = ints[i].bytes == 8 ? UINT64_MAX : (1ULL << (8 * ints[i].bytes)) - 1;
		uint64_t number;

		if (strcmp(type, ints[i].name) != 0)
			continue;
		if (!value || !raw_number(value, max, &number))
			return raw_fail(error, "invalid %s value in '%s'", type, word);
		switch (ints[i].bytes) {
		case 1:
			fits = mnl_attr_put_u8_check(nlh, builder->size, attr->type, (uint8_t)number);
			break;
		case 2:
			fits = mnl_attr_put_u16_check(nlh, builder->size, attr->type,
						      (uint16_t)number);
			break;
		case 4:
			fits = mnl_attr_put_u32_check(nlh, builder->size, attr->type,
						      (uint32_t)number);
			break;
		default:
			fits = mnl_attr_put_u64_check(nlh, builder->size, attr->type, number);
			break;
		}
		return fits ? 0 : raw_fail(error, "request too big at '%s'", word);
	}
	if (strcmp(type, "str") == 0) {
		if (!value)
			return raw_fail(error, "missing str value in '%s'", word);
		if (strlen(value) + 1 > RAW_MAX_PAYLOAD)
			return raw_fail(error, "string too long for an attribute in '%s'", word);
		fits = mnl_attr_put_strz_check(nlh, builder->size, attr->type, value);
		return fits ? 0 : raw_fail(error, "request too big at '%s'", word);
	}
	if (strcmp(type, "hex") == 0) {
		static uint8_t bytes[RAW_MAX_PAYLOAD];
		size_t len;

		if (!value || !raw_hex(value, bytes, &len, sizeof(bytes)))
			return raw_fail(error, "invalid hex value in '%s' (an even number of hex digits)",
					word);
		fits = mnl_attr_put_check(nlh, builder->size, attr->type, len, bytes);
		return fits ? 0 : raw_fail(error, "request too big at '%s'", word);
	}
	if (strcmp(type, "flag") == 0) {
		if (value && value[0])
			return raw_fail(error, "a flag takes no value: '%s'", word);
		fits = mnl_attr_put_check(nlh, builder->size, attr->type, 0, NULL);
		return fits ? 0 : raw_fail(error, "request too big at '%s'", word);
	}
	return raw_fail(error, "unknown type '%s' in '%s' "
			"(u8, u16, u32, u64, str, hex, flag, nest-begin, nest-end)", type, word);
}

static int raw_put_word(struct raw_builder *builder, char *word, struct raw_error *error)
{
	struct raw_nest *top = &builder->stack[builder->depth];
	char *copy = strdup(word);
	char *name, *type, *value;
	struct raw_attr attr = { 0 };
	int ret = -1;

	if (!copy)
		return raw_fail(error, "out of memory");
	name = copy;
	type = strchr(name, ':');
	if (!type || type == name) {
		raw_fail(error, "invalid attribute '%s' (NAME:TYPE[:VALUE])", word);
		goto out;
	}
	*type++ = '\0';
	value = strchr(type, ':');
	if (value)
		*value++ = '\0';

	if (strcmp(type, "nest-end") == 0) {
		if (value && value[0])
			raw_fail(error, "nest-end takes no value: '%s'", word);
		else if (builder->depth == 0)
			raw_fail(error, "'%s' closes no nest", word);
		else if (strcmp(top->name, name) != 0)
			raw_fail(error, "'%s' does not close the open nest '%s'", word, top->name);
		else {
			mnl_attr_nest_end(builder->nlh, top->attr);
			free((char *)top->name);
			builder->depth--;
			ret = 0;
		}
		goto out;
	}
	if (raw_resolve(top->set, name, &attr, error))
		goto out;
	if (strcmp(type, "nest-begin") == 0) {
		struct raw_nest *nest = &builder->stack[builder->depth + 1];

		if (value && value[0]) {
			raw_fail(error, "nest-begin takes no value: '%s'", word);
			goto out;
		}
		if (builder->depth == RAW_MAX_DEPTH) {
			raw_fail(error, "nests deeper than %d at '%s'", RAW_MAX_DEPTH, word);
			goto out;
		}
		nest->attr = mnl_attr_nest_start_check(builder->nlh, builder->size, attr.type);
		if (!nest->attr) {
			raw_fail(error, "request too big at '%s'", word);
			goto out;
		}
		nest->name = strdup(name);
		nest->set = attr.nested;
		if (!nest->name) {
			raw_fail(error, "out of memory");
			goto out;
		}
		builder->depth++;
		ret = 0;
		goto out;
	}
	ret = raw_put_value(builder, &attr, type, value, word, error);
out:
	free(copy);
	return ret;
}

int raw_build(int cmd, bool dump, int count, char **words, void *buf, size_t size,
	      size_t *len, struct raw_error *error)
{
	struct raw_builder builder = { .size = size };
	struct genlmsghdr *genl;
	int ret = 0;

	if (size < MNL_NLMSG_HDRLEN + GENL_HDRLEN)
		return raw_fail(error, "request buffer too small");
	if (cmd < 0 || cmd > UINT8_MAX)
		return raw_fail(error, "command %d out of range", cmd);
	memset(buf, 0, MNL_NLMSG_HDRLEN + GENL_HDRLEN);
	builder.nlh = mnl_nlmsg_put_header(buf);
	builder.nlh->nlmsg_flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK);
	genl = mnl_nlmsg_put_extra_header(builder.nlh, sizeof(*genl));
	genl->cmd = (uint8_t)cmd;
	genl->version = BURROW_FAMILY_VERSION;
	builder.stack[0].name = "";
	builder.stack[0].set = cmd == BURROW_CMD_VERSION_GET ? &version_set : &dev_set;

	for (int i = 0; i < count && ret == 0; i++)
		ret = raw_put_word(&builder, words[i], error);
	if (ret == 0 && builder.depth > 0)
		ret = raw_fail(error, "nest '%s' is not closed (add %s:nest-end)",
			       builder.stack[builder.depth].name, builder.stack[builder.depth].name);
	for (; builder.depth > 0; builder.depth--)
		free((char *)builder.stack[builder.depth].name);
	if (ret)
		return ret;
	*len = builder.nlh->nlmsg_len;
	return 0;
}
