// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/*
 * libburrow-nl: the key-new, key-swap, key-del and key-get operations.
 * Key material only ever travels in key-new requests; the buffers that held
 * one are wiped with explicit_bzero() as soon as it is sent (or refused).
 */

#include <errno.h>
#include <string.h>

#include "burrow-nl-internal.h"
#include "linux/burrow.h"

size_t burrow_nl_cipher_key_len(uint8_t cipher)
{
	switch (cipher) {
	case BURROW_CIPHER_CHACHA20_POLY1305:
	case BURROW_CIPHER_AES_256_GCM:
		return 32;
	case BURROW_CIPHER_AES_128_GCM:
		return 16;
	default:
		return 0;
	}
}

/* Start a key request: the device and an open keyconf nest with the peer id. */
static struct nlattr *key_request_start(void *buf, size_t size, uint16_t family_id,
					uint8_t cmd, const struct burrow_nl_dev_ref *dev,
					uint32_t peer_id, struct burrow_nl_error *err,
					int *ret)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	if (peer_id == 0) {
		*ret = burrow_nl_fail(err, -EINVAL, "peer id 0 is reserved (ids start at 1)");
		return NULL;
	}
	nlh = burrow_nl_genl_request_start(buf, size, family_id, cmd, BURROW_FAMILY_VERSION,
					   NLM_F_REQUEST | NLM_F_ACK, err);
	if (!nlh) {
		*ret = -EMSGSIZE;
		return NULL;
	}
	*ret = burrow_nl_dev_put_ref(nlh, size, dev, err);
	if (*ret)
		return NULL;
	nest = mnl_attr_nest_start_check(nlh, size, BURROW_A_DEV_KEYCONF);
	if (!nest || !mnl_attr_put_u32_check(nlh, size, BURROW_A_KEYCONF_PEER_ID, peer_id)) {
		*ret = burrow_nl_request_too_big(err, "keyconf.peer-id");
		return NULL;
	}
	return nest;
}

static int key_slot_check(uint8_t slot, struct burrow_nl_error *err)
{
	if (slot > BURROW_KEY_SLOT_SECONDARY)
		return burrow_nl_fail(err, -EINVAL, "unknown key slot %u", slot);
	return 0;
}

/* key-swap (slot < 0), key-del, key-get. */
static int key_ref_request(void *buf, size_t size, uint16_t family_id, uint8_t cmd,
			   const struct burrow_nl_dev_ref *dev, uint32_t peer_id, int slot,
			   struct burrow_nl_error *err)
{
	struct nlmsghdr *nlh = buf;
	struct nlattr *nest;
	int ret;

	if (slot >= 0) {
		ret = key_slot_check((uint8_t)slot, err);
		if (ret)
			return ret;
	}
	nest = key_request_start(buf, size, family_id, cmd, dev, peer_id, err, &ret);
	if (!nest)
		return ret;
	if (slot >= 0 && !mnl_attr_put_u8_check(nlh, size, BURROW_A_KEYCONF_SLOT, (uint8_t)slot))
		return burrow_nl_request_too_big(err, "keyconf.slot");
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

int burrow_nl_key_swap_request(void *buf, size_t size, uint16_t family_id,
			       const struct burrow_nl_dev_ref *dev, uint32_t peer_id,
			       struct burrow_nl_error *err)
{
	return key_ref_request(buf, size, family_id, BURROW_CMD_KEY_SWAP, dev, peer_id, -1, err);
}

int burrow_nl_key_del_request(void *buf, size_t size, uint16_t family_id,
			      const struct burrow_nl_dev_ref *dev, uint32_t peer_id,
			      uint8_t slot, struct burrow_nl_error *err)
{
	return key_ref_request(buf, size, family_id, BURROW_CMD_KEY_DEL, dev, peer_id, slot, err);
}

int burrow_nl_key_get_request(void *buf, size_t size, uint16_t family_id,
			      const struct burrow_nl_dev_ref *dev, uint32_t peer_id,
			      uint8_t slot, struct burrow_nl_error *err)
{
	return key_ref_request(buf, size, family_id, BURROW_CMD_KEY_GET, dev, peer_id, slot, err);
}

static int key_put_config(struct nlmsghdr *nlh, size_t size,
			  const struct burrow_nl_key_config *config, size_t key_len,
			  struct burrow_nl_error *err)
{
	if (!mnl_attr_put_u8_check(nlh, size, BURROW_A_KEYCONF_SLOT, config->slot) ||
	    !mnl_attr_put_u8_check(nlh, size, BURROW_A_KEYCONF_KEY_ID, config->key_id) ||
	    !mnl_attr_put_u8_check(nlh, size, BURROW_A_KEYCONF_CIPHER, config->cipher))
		return burrow_nl_request_too_big(err, "keyconf");
	if (!mnl_attr_put_check(nlh, size, BURROW_A_KEYCONF_ENCRYPT_KEY, key_len,
				config->encrypt_key) ||
	    !mnl_attr_put_check(nlh, size, BURROW_A_KEYCONF_ENCRYPT_IV, BURROW_IV_LEN,
				config->encrypt_iv) ||
	    !mnl_attr_put_check(nlh, size, BURROW_A_KEYCONF_DECRYPT_KEY, key_len,
				config->decrypt_key) ||
	    !mnl_attr_put_check(nlh, size, BURROW_A_KEYCONF_DECRYPT_IV, BURROW_IV_LEN,
				config->decrypt_iv))
		return burrow_nl_request_too_big(err, "keyconf key material");
	if (config->hp_keys_set &&
	    (!mnl_attr_put_check(nlh, size, BURROW_A_KEYCONF_ENCRYPT_HP_KEY, key_len,
				 config->encrypt_hp_key) ||
	     !mnl_attr_put_check(nlh, size, BURROW_A_KEYCONF_DECRYPT_HP_KEY, key_len,
				 config->decrypt_hp_key)))
		return burrow_nl_request_too_big(err, "keyconf header-protection keys");
	if (config->soft_limit_packets_set &&
	    !mnl_attr_put_u64_check(nlh, size, BURROW_A_KEYCONF_SOFT_LIMIT_PACKETS,
				    config->soft_limit_packets))
		return burrow_nl_request_too_big(err, "keyconf.soft-limit-packets");
	if (config->hard_limit_packets_set &&
	    !mnl_attr_put_u64_check(nlh, size, BURROW_A_KEYCONF_HARD_LIMIT_PACKETS,
				    config->hard_limit_packets))
		return burrow_nl_request_too_big(err, "keyconf.hard-limit-packets");
	if (config->soft_limit_seconds_set &&
	    !mnl_attr_put_u32_check(nlh, size, BURROW_A_KEYCONF_SOFT_LIMIT_SECONDS,
				    config->soft_limit_seconds))
		return burrow_nl_request_too_big(err, "keyconf.soft-limit-seconds");
	if (config->hard_limit_seconds_set &&
	    !mnl_attr_put_u32_check(nlh, size, BURROW_A_KEYCONF_HARD_LIMIT_SECONDS,
				    config->hard_limit_seconds))
		return burrow_nl_request_too_big(err, "keyconf.hard-limit-seconds");
	return 0;
}

int burrow_nl_key_new_request(void *buf, size_t size, uint16_t family_id,
			      const struct burrow_nl_key_config *config,
			      struct burrow_nl_error *err)
{
	size_t key_len = burrow_nl_cipher_key_len(config->cipher);
	struct nlmsghdr *nlh = buf;
	struct nlattr *nest;
	int ret;

	if (!key_len)
		return burrow_nl_fail(err, -EINVAL, "unknown cipher %u", config->cipher);
	ret = key_slot_check(config->slot, err);
	if (ret)
		return ret;
	nest = key_request_start(buf, size, family_id, BURROW_CMD_KEY_NEW, &config->dev,
				 config->peer_id, err, &ret);
	if (!nest)
		return ret;
	ret = key_put_config(nlh, size, config, key_len, err);
	if (ret) {
		/* Some of the key may be in the buffer already. */
		explicit_bzero(buf, nlh->nlmsg_len < size ? nlh->nlmsg_len : size);
		return ret;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

/* ---- replies ---------------------------------------------------------------- */

static const struct burrow_nl_attr_policy key_reply_policy[BURROW_A_DEV_MAX + 1] = {
	[BURROW_A_DEV_IFINDEX] = { .name = "ifindex", .type = MNL_TYPE_U32, .required = true },
	[BURROW_A_DEV_KEYCONF] = { .name = "keyconf", .type = MNL_TYPE_NESTED, .required = true },
};

static const struct burrow_nl_attr_set key_reply_set = {
	.name = "dev",
	.max_type = BURROW_A_DEV_MAX,
	.policy = key_reply_policy,
};

/* Key material in a reply is not expected and not looked at. */
static const struct burrow_nl_attr_policy keyconf_policy[BURROW_A_KEYCONF_MAX + 1] = {
	[BURROW_A_KEYCONF_PEER_ID] = { .name = "peer-id", .type = MNL_TYPE_U32, .required = true },
	[BURROW_A_KEYCONF_SLOT] = { .name = "slot", .type = MNL_TYPE_U8, .required = true },
	[BURROW_A_KEYCONF_KEY_ID] = { .name = "key-id", .type = MNL_TYPE_U8, .required = true },
	[BURROW_A_KEYCONF_CIPHER] = { .name = "cipher", .type = MNL_TYPE_U8, .required = true },
	[BURROW_A_KEYCONF_SOFT_LIMIT_PACKETS] = {
		.name = "soft-limit-packets", .type = MNL_TYPE_U64, .required = true,
	},
	[BURROW_A_KEYCONF_HARD_LIMIT_PACKETS] = {
		.name = "hard-limit-packets", .type = MNL_TYPE_U64, .required = true,
	},
	[BURROW_A_KEYCONF_SOFT_LIMIT_SECONDS] = {
		.name = "soft-limit-seconds", .type = MNL_TYPE_U32, .required = true,
	},
	[BURROW_A_KEYCONF_HARD_LIMIT_SECONDS] = {
		.name = "hard-limit-seconds", .type = MNL_TYPE_U32, .required = true,
	},
	[BURROW_A_KEYCONF_AGE_SECONDS] = {
		.name = "age-seconds", .type = MNL_TYPE_U32, .required = true,
	},
	[BURROW_A_KEYCONF_TX_PACKETS] = {
		.name = "tx-packets", .type = MNL_TYPE_U64, .required = true,
	},
	[BURROW_A_KEYCONF_RX_PACKETS] = {
		.name = "rx-packets", .type = MNL_TYPE_U64, .required = true,
	},
	[BURROW_A_KEYCONF_RX_MAX_COUNTER] = {
		.name = "rx-max-counter", .type = MNL_TYPE_U64, .required = true,
	},
	[BURROW_A_KEYCONF_LIMIT_REACHED] = {
		.name = "limit-reached", .type = MNL_TYPE_U8, .required = true,
	},
	[BURROW_A_KEYCONF_INTEGRITY_LIMIT] = {
		.name = "integrity-limit", .type = MNL_TYPE_U64,
	},
	[BURROW_A_KEYCONF_RX_AUTH_FAILURES] = {
		.name = "rx-auth-failures", .type = MNL_TYPE_U64,
	},
};

static const struct burrow_nl_attr_set keyconf_set = {
	.name = "keyconf",
	.max_type = BURROW_A_KEYCONF_MAX,
	.policy = keyconf_policy,
};

int burrow_nl_key_parse(const struct nlmsghdr *nlh, struct burrow_nl_key *key,
			struct burrow_nl_error *err)
{
	const struct nlattr *top[BURROW_A_DEV_MAX + 1];
	const struct nlattr *attrs[BURROW_A_KEYCONF_MAX + 1];
	struct burrow_nl_key parsed = { 0 };
	int ret;

	ret = burrow_nl_genl_reply_check(nlh, BURROW_CMD_KEY_GET, "key-get", err);
	if (ret)
		return ret;
	ret = burrow_nl_attrs_parse(nlh, GENL_HDRLEN, &key_reply_set, top, err);
	if (ret)
		return ret;
	ret = burrow_nl_attrs_parse_nested(top[BURROW_A_DEV_KEYCONF], &keyconf_set,
					   attrs, err);
	if (ret)
		return ret;
	parsed.peer_id = mnl_attr_get_u32(attrs[BURROW_A_KEYCONF_PEER_ID]);
	if (parsed.peer_id == 0)
		return burrow_nl_fail(err, -EBADMSG, "attribute keyconf.peer-id is 0");
	ret = burrow_nl_attr_get_enum(attrs[BURROW_A_KEYCONF_SLOT], "keyconf", "slot",
				      BURROW_KEY_SLOT_MAX + 1, &parsed.slot, err);
	if (ret == 0)
		ret = burrow_nl_attr_get_enum(attrs[BURROW_A_KEYCONF_CIPHER], "keyconf", "cipher",
					      BURROW_CIPHER_AES_256_GCM + 1, &parsed.cipher, err);
	if (ret == 0)
		ret = burrow_nl_attr_get_enum(attrs[BURROW_A_KEYCONF_LIMIT_REACHED], "keyconf",
					      "limit-reached", BURROW_KEY_LIMIT_HARD + 1,
					      &parsed.limit_reached, err);
	if (ret)
		return ret;
	parsed.key_id = mnl_attr_get_u8(attrs[BURROW_A_KEYCONF_KEY_ID]);
	parsed.age_seconds = mnl_attr_get_u32(attrs[BURROW_A_KEYCONF_AGE_SECONDS]);
	parsed.tx_packets = mnl_attr_get_u64(attrs[BURROW_A_KEYCONF_TX_PACKETS]);
	parsed.rx_packets = mnl_attr_get_u64(attrs[BURROW_A_KEYCONF_RX_PACKETS]);
	parsed.rx_max_counter = mnl_attr_get_u64(attrs[BURROW_A_KEYCONF_RX_MAX_COUNTER]);
	parsed.soft_limit_packets = mnl_attr_get_u64(attrs[BURROW_A_KEYCONF_SOFT_LIMIT_PACKETS]);
	parsed.hard_limit_packets = mnl_attr_get_u64(attrs[BURROW_A_KEYCONF_HARD_LIMIT_PACKETS]);
	parsed.soft_limit_seconds = mnl_attr_get_u32(attrs[BURROW_A_KEYCONF_SOFT_LIMIT_SECONDS]);
	parsed.hard_limit_seconds = mnl_attr_get_u32(attrs[BURROW_A_KEYCONF_HARD_LIMIT_SECONDS]);
	if (attrs[BURROW_A_KEYCONF_INTEGRITY_LIMIT])
		parsed.integrity_limit = mnl_attr_get_u64(attrs[BURROW_A_KEYCONF_INTEGRITY_LIMIT]);
	if (attrs[BURROW_A_KEYCONF_RX_AUTH_FAILURES])
		parsed.rx_auth_failures = mnl_attr_get_u64(attrs[BURROW_A_KEYCONF_RX_AUTH_FAILURES]);
	*key = parsed;
	return 0;
}

/* ---- operations ------------------------------------------------------------- */

int burrow_nl_key_new(struct burrow_nl *nl, const struct burrow_nl_key_config *config)
{
	int ret;

	burrow_nl_error_clear(&nl->last_error);
	ret = burrow_nl_key_new_request(nl->request, sizeof(nl->request), nl->family.id, config,
					&nl->last_error);
	if (ret == 0)
		ret = burrow_nl_transact(nl, NULL, NULL);
	/*
	 * The request held the key; a reply echoes at most its header
	 * (NETLINK_CAP_ACK), but wipe that buffer too in case a kernel did not.
	 */
	explicit_bzero(nl->request, sizeof(nl->request));
	explicit_bzero(nl->reply, sizeof(nl->reply));
	return ret;
}

int burrow_nl_key_swap(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
		       uint32_t peer_id)
{
	int ret;

	burrow_nl_error_clear(&nl->last_error);
	ret = burrow_nl_key_swap_request(nl->request, sizeof(nl->request), nl->family.id, dev,
					 peer_id, &nl->last_error);
	if (ret)
		return ret;
	return burrow_nl_transact(nl, NULL, NULL);
}

int burrow_nl_key_del(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
		      uint32_t peer_id, uint8_t slot)
{
	int ret;

	burrow_nl_error_clear(&nl->last_error);
	ret = burrow_nl_key_del_request(nl->request, sizeof(nl->request), nl->family.id, dev,
					peer_id, slot, &nl->last_error);
	if (ret)
		return ret;
	return burrow_nl_transact(nl, NULL, NULL);
}

struct key_get_reply {
	uint32_t peer_id;
	uint8_t slot;
	struct burrow_nl_key *key;
};

static int key_reply_parse(const struct nlmsghdr *nlh, void *arg, struct burrow_nl_error *err)
{
	struct key_get_reply *reply = arg;
	struct burrow_nl_key key;
	int ret;

	ret = burrow_nl_key_parse(nlh, &key, err);
	if (ret)
		return ret;
	if (key.peer_id != reply->peer_id || key.slot != reply->slot)
		return burrow_nl_fail(err, -EPROTO,
				      "key-get for peer %u slot %u answered for peer %u slot %u",
				      reply->peer_id, reply->slot, key.peer_id, key.slot);
	*reply->key = key;
	return 0;
}

int burrow_nl_key_get(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
		      uint32_t peer_id, uint8_t slot, struct burrow_nl_key *key)
{
	struct key_get_reply reply = { .peer_id = peer_id, .slot = slot, .key = key };
	int ret;

	burrow_nl_error_clear(&nl->last_error);
	ret = burrow_nl_key_get_request(nl->request, sizeof(nl->request), nl->family.id, dev,
					peer_id, slot, &nl->last_error);
	if (ret)
		return ret;
	return burrow_nl_transact_single(nl, "key-get", key_reply_parse, &reply);
}
