// SPDX-License-Identifier: GPL-2.0
/*
 * libburrow-nl keys: key-new/swap/del/get requests (key lengths by cipher,
 * limits only when set, key material wiped when a request fails), and
 * key-get replies, strictly checked.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "nl_builders.h"

static const struct genlmsghdr *genl_of(const struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload(nlh);
}

static struct burrow_nl_key_config key_config(uint8_t cipher)
{
	struct burrow_nl_key_config config = {
		.dev = { .ifname = "burrow0" }, .peer_id = 5,
		.slot = BURROW_KEY_SLOT_SECONDARY, .key_id = 200, .cipher = cipher,
	};

	memset(config.encrypt_key, 0xe1, sizeof(config.encrypt_key));
	memset(config.encrypt_iv, 0xe2, sizeof(config.encrypt_iv));
	memset(config.decrypt_key, 0xd1, sizeof(config.decrypt_key));
	memset(config.decrypt_iv, 0xd2, sizeof(config.decrypt_iv));
	return config;
}

static void assert_binary(const struct nlattr *keyconf, uint16_t type, size_t len, uint8_t byte)
{
	const struct nlattr *attr = test_find_nested(keyconf, type);
	const uint8_t *payload;

	assert_non_null(attr);
	assert_int_equal(mnl_attr_get_payload_len(attr), len);
	payload = mnl_attr_get_payload(attr);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(payload[i], byte);
}

static void test_key_new_request_by_cipher(void **state)
{
	static const struct {
		uint8_t cipher;
		size_t key_len;
	} ciphers[] = {
		{ BURROW_CIPHER_CHACHA20_POLY1305, 32 },
		{ BURROW_CIPHER_AES_128_GCM, 16 },
		{ BURROW_CIPHER_AES_256_GCM, 32 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++) {
		TEST_BUFFER(buf, BURROW_NL_REQUEST_SIZE);
		const struct burrow_nl_key_config config = key_config(ciphers[i].cipher);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		const struct nlattr *keyconf;
		struct burrow_nl_error err;

		assert_int_equal(burrow_nl_cipher_key_len(ciphers[i].cipher), ciphers[i].key_len);
		assert_int_equal(burrow_nl_key_new_request(buf, sizeof(buf), TEST_FAMILY_ID, &config,
							   &err), 0);
		assert_int_equal(genl_of(nlh)->cmd, BURROW_CMD_KEY_NEW);
		assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
		assert_int_equal(test_count_attrs(nlh), 2);
		keyconf = test_find_attr(nlh, BURROW_A_DEV_KEYCONF);
		assert_non_null(keyconf);
		assert_true(keyconf->nla_type & NLA_F_NESTED);
		assert_int_equal(mnl_attr_get_u32(test_find_nested(keyconf,
								   BURROW_A_KEYCONF_PEER_ID)), 5);
		assert_int_equal(mnl_attr_get_u8(test_find_nested(keyconf, BURROW_A_KEYCONF_SLOT)),
				 BURROW_KEY_SLOT_SECONDARY);
		assert_int_equal(mnl_attr_get_u8(test_find_nested(keyconf,
								  BURROW_A_KEYCONF_KEY_ID)), 200);
		assert_int_equal(mnl_attr_get_u8(test_find_nested(keyconf,
								  BURROW_A_KEYCONF_CIPHER)),
				 ciphers[i].cipher);
		assert_binary(keyconf, BURROW_A_KEYCONF_ENCRYPT_KEY, ciphers[i].key_len, 0xe1);
		assert_binary(keyconf, BURROW_A_KEYCONF_ENCRYPT_IV, BURROW_IV_LEN, 0xe2);
		assert_binary(keyconf, BURROW_A_KEYCONF_DECRYPT_KEY, ciphers[i].key_len, 0xd1);
		assert_binary(keyconf, BURROW_A_KEYCONF_DECRYPT_IV, BURROW_IV_LEN, 0xd2);
		/* No limits set: the kernel's defaults. */
		assert_null(test_find_nested(keyconf, BURROW_A_KEYCONF_SOFT_LIMIT_PACKETS));
		assert_null(test_find_nested(keyconf, BURROW_A_KEYCONF_HARD_LIMIT_SECONDS));
	}
	assert_int_equal(burrow_nl_cipher_key_len(3), 0);
}

static void test_key_new_request_limits(void **state)
{
	TEST_BUFFER(buf, BURROW_NL_REQUEST_SIZE);
	struct burrow_nl_key_config config = key_config(BURROW_CIPHER_AES_128_GCM);
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	const struct nlattr *keyconf, *attr;
	struct burrow_nl_error err;

	(void)state;
	config.soft_limit_packets_set = true;
	config.soft_limit_packets = 1ULL << 40;
	config.hard_limit_packets_set = true;
	config.hard_limit_packets = UINT64_MAX;
	config.soft_limit_seconds_set = true;
	config.soft_limit_seconds = 0;
	config.hard_limit_seconds_set = true;
	config.hard_limit_seconds = 7200;
	assert_int_equal(burrow_nl_key_new_request(buf, sizeof(buf), TEST_FAMILY_ID, &config, &err),
			 0);
	keyconf = test_find_attr(nlh, BURROW_A_DEV_KEYCONF);
	attr = test_find_nested(keyconf, BURROW_A_KEYCONF_SOFT_LIMIT_PACKETS);
	assert_int_equal(mnl_attr_get_payload_len(attr), 8);
	assert_true(mnl_attr_get_u64(attr) == 1ULL << 40);
	attr = test_find_nested(keyconf, BURROW_A_KEYCONF_HARD_LIMIT_PACKETS);
	assert_true(mnl_attr_get_u64(attr) == UINT64_MAX);
	attr = test_find_nested(keyconf, BURROW_A_KEYCONF_SOFT_LIMIT_SECONDS);
	assert_int_equal(mnl_attr_get_payload_len(attr), 4);
	assert_int_equal(mnl_attr_get_u32(attr), 0);
	attr = test_find_nested(keyconf, BURROW_A_KEYCONF_HARD_LIMIT_SECONDS);
	assert_int_equal(mnl_attr_get_u32(attr), 7200);
}

static void test_key_new_request_refused(void **state)
{
	TEST_BUFFER(buf, BURROW_NL_REQUEST_SIZE);
	struct burrow_nl_key_config config = key_config(3);
	struct burrow_nl_error err;

	(void)state;
	assert_int_equal(burrow_nl_key_new_request(buf, sizeof(buf), TEST_FAMILY_ID, &config, &err),
			 -EINVAL);
	assert_string_equal(err.message, "unknown cipher 3");
	config = key_config(BURROW_CIPHER_AES_256_GCM);
	config.slot = 2;
	assert_int_equal(burrow_nl_key_new_request(buf, sizeof(buf), TEST_FAMILY_ID, &config, &err),
			 -EINVAL);
	assert_string_equal(err.message, "unknown key slot 2");
	config.slot = 0;
	config.peer_id = 0;
	assert_int_equal(burrow_nl_key_new_request(buf, sizeof(buf), TEST_FAMILY_ID, &config, &err),
			 -EINVAL);
	assert_string_equal(err.message, "peer id 0 is reserved (ids start at 1)");
	config.peer_id = 1;
	config.dev.ifindex = 2;
	assert_int_equal(burrow_nl_key_new_request(buf, sizeof(buf), TEST_FAMILY_ID, &config, &err),
			 -EINVAL);
	assert_string_equal(err.message, "give ifindex or ifname, not both");
}

static void test_key_new_request_failure_wipes_key(void **state)
{
	TEST_BUFFER(buf, BURROW_NL_REQUEST_SIZE);
	const struct burrow_nl_key_config config = key_config(BURROW_CIPHER_AES_256_GCM);
	const uint8_t pattern[8] = { 0xe1, 0xe1, 0xe1, 0xe1, 0xe1, 0xe1, 0xe1, 0xe1 };
	struct burrow_nl_error err;
	size_t size;

	(void)state;
	/*
	 * header 20, ifname 12, nest 4, peer-id 8, slot/key-id/cipher 24,
	 * encrypt-key 36: 104 bytes; the encrypt IV does not fit in 110.
	 */
	size = 110;
	assert_int_equal(burrow_nl_key_new_request(buf, size, TEST_FAMILY_ID, &config, &err),
			 -EMSGSIZE);
	assert_string_equal(err.message, "request buffer too small for attribute keyconf key material");
	assert_null(memmem(buf, sizeof(buf), pattern, sizeof(pattern)));
	for (size_t i = 0; i < size; i++)
		assert_int_equal((uint8_t)buf[i], 0);
}

static void test_key_ref_requests(void **state)
{
	TEST_BUFFER(buf, BURROW_NL_REQUEST_SIZE);
	const struct burrow_nl_dev_ref dev = { .ifindex = 6 };
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	const struct nlattr *keyconf;
	struct burrow_nl_error err;

	(void)state;
	assert_int_equal(burrow_nl_key_swap_request(buf, sizeof(buf), TEST_FAMILY_ID, &dev, 9, &err),
			 0);
	assert_int_equal(genl_of(nlh)->cmd, BURROW_CMD_KEY_SWAP);
	keyconf = test_find_attr(nlh, BURROW_A_DEV_KEYCONF);
	assert_int_equal(mnl_attr_get_payload_len(keyconf), 8);	/* peer-id only */
	assert_int_equal(mnl_attr_get_u32(test_find_nested(keyconf, BURROW_A_KEYCONF_PEER_ID)), 9);

	assert_int_equal(burrow_nl_key_del_request(buf, sizeof(buf), TEST_FAMILY_ID, &dev, 9,
						   BURROW_KEY_SLOT_SECONDARY, &err), 0);
	assert_int_equal(genl_of(nlh)->cmd, BURROW_CMD_KEY_DEL);
	keyconf = test_find_attr(nlh, BURROW_A_DEV_KEYCONF);
	assert_int_equal(mnl_attr_get_u8(test_find_nested(keyconf, BURROW_A_KEYCONF_SLOT)),
			 BURROW_KEY_SLOT_SECONDARY);
	assert_null(test_find_nested(keyconf, BURROW_A_KEYCONF_CIPHER));

	assert_int_equal(burrow_nl_key_get_request(buf, sizeof(buf), TEST_FAMILY_ID, &dev, 9,
						   BURROW_KEY_SLOT_PRIMARY, &err), 0);
	assert_int_equal(genl_of(nlh)->cmd, BURROW_CMD_KEY_GET);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	keyconf = test_find_attr(nlh, BURROW_A_DEV_KEYCONF);
	assert_int_equal(mnl_attr_get_u8(test_find_nested(keyconf, BURROW_A_KEYCONF_SLOT)),
			 BURROW_KEY_SLOT_PRIMARY);

	assert_int_equal(burrow_nl_key_get_request(buf, sizeof(buf), TEST_FAMILY_ID, &dev, 9, 2,
						   &err), -EINVAL);
	assert_string_equal(err.message, "unknown key slot 2");
	assert_int_equal(burrow_nl_key_swap_request(buf, sizeof(buf), TEST_FAMILY_ID, &dev, 0,
						    &err), -EINVAL);
	assert_string_equal(err.message, "peer id 0 is reserved (ids start at 1)");
}

/* ---- key-get replies -------------------------------------------------------- */

/* A key-get reply with every attribute but the one of type skip (0: none). */
static struct nlmsghdr *put_key_reply(void *buf, uint16_t skip)
{
	struct nlmsghdr *nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_KEY_GET, 0);
	struct nlattr *nest;

	mnl_attr_put_u32(nlh, BURROW_A_DEV_IFINDEX, 6);
	nest = mnl_attr_nest_start(nlh, BURROW_A_DEV_KEYCONF);
#define PUT(type, put, value) \
	do { if (skip != (type)) put(nlh, type, value); } while (0)
	PUT(BURROW_A_KEYCONF_PEER_ID, mnl_attr_put_u32, 5);
	PUT(BURROW_A_KEYCONF_SLOT, mnl_attr_put_u8, BURROW_KEY_SLOT_SECONDARY);
	PUT(BURROW_A_KEYCONF_KEY_ID, mnl_attr_put_u8, 7);
	PUT(BURROW_A_KEYCONF_CIPHER, mnl_attr_put_u8, BURROW_CIPHER_AES_128_GCM);
	PUT(BURROW_A_KEYCONF_SOFT_LIMIT_PACKETS, mnl_attr_put_u64, 1000);
	PUT(BURROW_A_KEYCONF_HARD_LIMIT_PACKETS, mnl_attr_put_u64, 1ULL << 23);
	PUT(BURROW_A_KEYCONF_SOFT_LIMIT_SECONDS, mnl_attr_put_u32, 3000);
	PUT(BURROW_A_KEYCONF_HARD_LIMIT_SECONDS, mnl_attr_put_u32, 3600);
	PUT(BURROW_A_KEYCONF_AGE_SECONDS, mnl_attr_put_u32, 42);
	PUT(BURROW_A_KEYCONF_TX_PACKETS, mnl_attr_put_u64, 11);
	PUT(BURROW_A_KEYCONF_RX_PACKETS, mnl_attr_put_u64, 12);
	PUT(BURROW_A_KEYCONF_RX_MAX_COUNTER, mnl_attr_put_u64, 13);
	PUT(BURROW_A_KEYCONF_LIMIT_REACHED, mnl_attr_put_u8, 1);
#undef PUT
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static void test_key_parse(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct burrow_nl_error err;
	struct burrow_nl_key key;

	(void)state;
	assert_int_equal(burrow_nl_key_parse(put_key_reply(buf, 0), &key, &err), 0);
	assert_int_equal(key.peer_id, 5);
	assert_int_equal(key.slot, BURROW_KEY_SLOT_SECONDARY);
	assert_int_equal(key.key_id, 7);
	assert_int_equal(key.cipher, BURROW_CIPHER_AES_128_GCM);
	assert_int_equal(key.soft_limit_packets, 1000);
	assert_int_equal(key.hard_limit_packets, 1 << 23);
	assert_int_equal(key.soft_limit_seconds, 3000);
	assert_int_equal(key.hard_limit_seconds, 3600);
	assert_int_equal(key.age_seconds, 42);
	assert_int_equal(key.tx_packets, 11);
	assert_int_equal(key.rx_packets, 12);
	assert_int_equal(key.rx_max_counter, 13);
	assert_int_equal(key.limit_reached, BURROW_NL_LIMIT_SOFT);
}

static void assert_key_refused(const struct nlmsghdr *nlh, int code, const char *message)
{
	struct burrow_nl_key key = { .peer_id = 777 };
	struct burrow_nl_error err;

	assert_int_equal(burrow_nl_key_parse(nlh, &key, &err), code);
	assert_string_equal(err.message, message);
	assert_int_equal(key.peer_id, 777);	/* untouched */
}

static void test_key_parse_missing(void **state)
{
	static const struct {
		uint16_t type;
		const char *message;
	} cases[] = {
		{ BURROW_A_KEYCONF_PEER_ID, "missing attribute keyconf.peer-id" },
		{ BURROW_A_KEYCONF_SLOT, "missing attribute keyconf.slot" },
		{ BURROW_A_KEYCONF_KEY_ID, "missing attribute keyconf.key-id" },
		{ BURROW_A_KEYCONF_CIPHER, "missing attribute keyconf.cipher" },
		{ BURROW_A_KEYCONF_SOFT_LIMIT_PACKETS, "missing attribute keyconf.soft-limit-packets" },
		{ BURROW_A_KEYCONF_HARD_LIMIT_PACKETS, "missing attribute keyconf.hard-limit-packets" },
		{ BURROW_A_KEYCONF_SOFT_LIMIT_SECONDS, "missing attribute keyconf.soft-limit-seconds" },
		{ BURROW_A_KEYCONF_HARD_LIMIT_SECONDS, "missing attribute keyconf.hard-limit-seconds" },
		{ BURROW_A_KEYCONF_AGE_SECONDS, "missing attribute keyconf.age-seconds" },
		{ BURROW_A_KEYCONF_TX_PACKETS, "missing attribute keyconf.tx-packets" },
		{ BURROW_A_KEYCONF_RX_PACKETS, "missing attribute keyconf.rx-packets" },
		{ BURROW_A_KEYCONF_RX_MAX_COUNTER, "missing attribute keyconf.rx-max-counter" },
		{ BURROW_A_KEYCONF_LIMIT_REACHED, "missing attribute keyconf.limit-reached" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TEST_BUFFER(buf, 1024);

		assert_key_refused(put_key_reply(buf, cases[i].type), -ENODATA, cases[i].message);
	}
}

static void test_key_parse_refused(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	(void)state;
	nlh = put_key_reply(buf, BURROW_A_KEYCONF_SLOT);
	nest = (struct nlattr *)test_find_attr(nlh, BURROW_A_DEV_KEYCONF);
	/* Appending to the last nest: grow it with the message. */
	mnl_attr_put_u8(nlh, BURROW_A_KEYCONF_SLOT, 2);
	nest->nla_len += MNL_ATTR_HDRLEN + 4;
	assert_key_refused(nlh, -EBADMSG, "attribute keyconf.slot has unknown value 2 (0-1)");

	nlh = put_key_reply(buf, BURROW_A_KEYCONF_CIPHER);
	nest = (struct nlattr *)test_find_attr(nlh, BURROW_A_DEV_KEYCONF);
	mnl_attr_put_u8(nlh, BURROW_A_KEYCONF_CIPHER, 3);
	nest->nla_len += MNL_ATTR_HDRLEN + 4;
	assert_key_refused(nlh, -EBADMSG, "attribute keyconf.cipher has unknown value 3 (0-2)");

	nlh = put_key_reply(buf, BURROW_A_KEYCONF_LIMIT_REACHED);
	nest = (struct nlattr *)test_find_attr(nlh, BURROW_A_DEV_KEYCONF);
	mnl_attr_put_u8(nlh, BURROW_A_KEYCONF_LIMIT_REACHED, 3);
	nest->nla_len += MNL_ATTR_HDRLEN + 4;
	assert_key_refused(nlh, -EBADMSG,
			   "attribute keyconf.limit-reached has unknown value 3 (0-2)");

	nlh = put_key_reply(buf, BURROW_A_KEYCONF_PEER_ID);
	nest = (struct nlattr *)test_find_attr(nlh, BURROW_A_DEV_KEYCONF);
	mnl_attr_put_u32(nlh, BURROW_A_KEYCONF_PEER_ID, 0);
	nest->nla_len += MNL_ATTR_HDRLEN + 4;
	assert_key_refused(nlh, -EBADMSG, "attribute keyconf.peer-id is 0");

	nlh = put_key_reply(buf, BURROW_A_KEYCONF_KEY_ID);
	nest = (struct nlattr *)test_find_attr(nlh, BURROW_A_DEV_KEYCONF);
	mnl_attr_put_u16(nlh, BURROW_A_KEYCONF_KEY_ID, 7);
	nest->nla_len += MNL_ATTR_HDRLEN + 4;
	assert_key_refused(nlh, -EBADMSG,
			   "attribute keyconf.key-id: 2-byte payload is not a valid u8");

	nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_KEY_GET, 0);
	mnl_attr_put_u32(nlh, BURROW_A_DEV_IFINDEX, 6);
	assert_key_refused(nlh, -ENODATA, "missing attribute dev.keyconf");

	nlh = put_key_reply(buf, 0);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd = BURROW_CMD_KEY_NEW;
	assert_key_refused(nlh, -EPROTO, "key-get reply has command 8, expected 11");

	/* The keyconf nest cut short. */
	nlh = put_key_reply(buf, 0);
	nest = (struct nlattr *)test_find_attr(nlh, BURROW_A_DEV_KEYCONF);
	nest->nla_len -= 4;
	nlh->nlmsg_len -= 4;
	assert_key_refused(nlh, -EBADMSG,
			   "truncated attribute in keyconf (4 bytes after the last whole one)");
}

static void test_key_parse_ignores_key_material(void **state)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh = put_key_reply(buf, 0);
	struct nlattr *nest = (struct nlattr *)test_find_attr(nlh, BURROW_A_DEV_KEYCONF);
	struct burrow_nl_error err;
	struct burrow_nl_key key;

	(void)state;
	/* A kernel must never send these; if one did, they are not looked at. */
	mnl_attr_put(nlh, BURROW_A_KEYCONF_ENCRYPT_KEY, 3, "abc");
	mnl_attr_put_u64(nlh, BURROW_A_KEYCONF_MAX + 1, 1);
	nest->nla_len = (uint16_t)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)nest);
	assert_int_equal(burrow_nl_key_parse(nlh, &key, &err), 0);
	assert_int_equal(key.rx_max_counter, 13);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_new_request_by_cipher),
		cmocka_unit_test(test_key_new_request_limits),
		cmocka_unit_test(test_key_new_request_refused),
		cmocka_unit_test(test_key_new_request_failure_wipes_key),
		cmocka_unit_test(test_key_ref_requests),
		cmocka_unit_test(test_key_parse),
		cmocka_unit_test(test_key_parse_missing),
		cmocka_unit_test(test_key_parse_refused),
		cmocka_unit_test(test_key_parse_ignores_key_material),
	};

	return cmocka_run_group_tests_name("libburrow-nl keys", tests, NULL, NULL);
}
