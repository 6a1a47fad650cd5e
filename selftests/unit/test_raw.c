// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl-raw's request builder: command and attribute names resolve to
 * the UAPI numbers in the right set, every TYPE encodes as the kernel will
 * read it, nests nest, and bad words are refused before anything is sent.
 */

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "linux/burrow.h"
#include "raw.h"

static alignas(struct nlmsghdr) char buf[RAW_REQUEST_SIZE];

static int count_words(char **words)
{
	int count = 0;

	while (words[count])
		count++;
	return count;
}

static const struct nlmsghdr *build(int cmd, bool dump, char **words)
{
	struct raw_error error = { "" };
	size_t len = 0;

	memset(buf, 0xaa, 256);
	assert_int_equal(raw_build(cmd, dump, count_words(words), words, buf, sizeof(buf), &len,
				   &error), 0);
	assert_string_equal(error.message, "");
	assert_int_equal(len, ((struct nlmsghdr *)buf)->nlmsg_len);
	return (const struct nlmsghdr *)buf;
}

static const struct nlattr *find(const struct nlmsghdr *nlh, uint16_t type)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) == type)
			return attr;
	}
	return NULL;
}

static const struct nlattr *find_nested(const struct nlattr *nest, uint16_t type)
{
	const struct nlattr *attr;

	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_get_type(attr) == type)
			return attr;
	}
	return NULL;
}

static void test_commands(void **state)
{
	(void)state;
	assert_int_equal(raw_command("version-get"), BURROW_CMD_VERSION_GET);
	assert_int_equal(raw_command("dev-set"), BURROW_CMD_DEV_SET);
	assert_int_equal(raw_command("peer-new"), BURROW_CMD_PEER_NEW);
	assert_int_equal(raw_command("key-get"), BURROW_CMD_KEY_GET);
	assert_int_equal(raw_command("key-hard-limit-ntf"), BURROW_CMD_KEY_HARD_LIMIT_NTF);
	assert_int_equal(raw_command("200"), 200);
	assert_int_equal(raw_command("0x10"), 16);
	assert_int_equal(raw_command("256"), -1);
	assert_int_equal(raw_command("peer_new"), -1);
	assert_int_equal(raw_command(""), -1);
	assert_true(raw_command_is_get(BURROW_CMD_PEER_GET));
	assert_true(raw_command_is_get(BURROW_CMD_VERSION_GET));
	assert_false(raw_command_is_get(BURROW_CMD_PEER_SET));
	assert_false(raw_command_is_get(200));
}

static void test_header_and_flags(void **state)
{
	const struct nlmsghdr *nlh;
	const struct genlmsghdr *genl;

	(void)state;
	nlh = build(BURROW_CMD_DEV_SET, false, (char *[]){ NULL });
	genl = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(nlh->nlmsg_len, MNL_NLMSG_HDRLEN + GENL_HDRLEN);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(genl->cmd, BURROW_CMD_DEV_SET);
	assert_int_equal(genl->version, BURROW_FAMILY_VERSION);
	nlh = build(BURROW_CMD_PEER_GET, true, (char *[]){ NULL });
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
}

static void test_types(void **state)
{
	const struct nlmsghdr *nlh;
	const struct nlattr *attr;

	(void)state;
	nlh = build(BURROW_CMD_DEV_SET, false, (char *[]){
		"ifname:str:burrow0", "ifindex:u8:255", "default-keepalive:u16:0xffff",
		"default-inactivity-timeout:u32:86401", "generation:u64:18446744073709551615",
		"socket-detach:flag", "socket-fd:hex:", "42:hex:00ff10", "peer-count:str:", NULL });
	attr = find(nlh, BURROW_A_DEV_IFNAME);
	assert_int_equal(mnl_attr_get_payload_len(attr), 8);
	assert_string_equal(mnl_attr_get_str(attr), "burrow0");
	/* The TYPE given, whatever the spec says the attribute is. */
	attr = find(nlh, BURROW_A_DEV_IFINDEX);
	assert_int_equal(mnl_attr_get_payload_len(attr), 1);
	assert_int_equal(mnl_attr_get_u8(attr), 255);
	attr = find(nlh, BURROW_A_DEV_DEFAULT_KEEPALIVE);
	assert_int_equal(mnl_attr_get_payload_len(attr), 2);
	assert_int_equal(mnl_attr_get_u16(attr), 0xffff);
	attr = find(nlh, BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT);
	assert_int_equal(mnl_attr_get_payload_len(attr), 4);
	assert_int_equal(mnl_attr_get_u32(attr), 86401);
	attr = find(nlh, BURROW_A_DEV_GENERATION);
	assert_int_equal(mnl_attr_get_payload_len(attr), 8);
	assert_true(mnl_attr_get_u64(attr) == UINT64_MAX);
	attr = find(nlh, BURROW_A_DEV_SOCKET_DETACH);
	assert_int_equal(mnl_attr_get_payload_len(attr), 0);
	attr = find(nlh, BURROW_A_DEV_SOCKET_FD);
	assert_int_equal(mnl_attr_get_payload_len(attr), 0);
	attr = find(nlh, 42);
	assert_non_null(attr);
	assert_int_equal(mnl_attr_get_payload_len(attr), 3);
	assert_memory_equal(mnl_attr_get_payload(attr), "\x00\xff\x10", 3);
	attr = find(nlh, BURROW_A_DEV_PEER_COUNT);
	assert_int_equal(mnl_attr_get_payload_len(attr), 1);	/* just the NUL */
	/* Values may hold colons. */
	nlh = build(BURROW_CMD_DEV_SET, false, (char *[]){ "ifname:str:a:b", NULL });
	assert_string_equal(mnl_attr_get_str(find(nlh, BURROW_A_DEV_IFNAME)), "a:b");
}

static void test_nests(void **state)
{
	const struct nlmsghdr *nlh;
	const struct nlattr *peer, *ip, *attr;

	(void)state;
	nlh = build(BURROW_CMD_PEER_NEW, false, (char *[]){
		"ifname:str:burrow0", "peer:nest-begin", "id:u32:5", "remote-ipv4:hex:0a000001",
		"allowed-ip:nest-begin", "family:u16:2", "address:hex:0a000000",
		"prefix-len:u8:8", "allowed-ip:nest-end", "99:u8:1", "peer:nest-end",
		"keyconf:nest-begin", "peer-id:u32:5", "encrypt-iv:hex:000102030405060708090a0b",
		"keyconf:nest-end", NULL });
	peer = find(nlh, BURROW_A_DEV_PEER);
	assert_non_null(peer);
	assert_true(peer->nla_type & NLA_F_NESTED);
	assert_int_equal(mnl_attr_get_u32(find_nested(peer, BURROW_A_PEER_ID)), 5);
	attr = find_nested(peer, BURROW_A_PEER_REMOTE_IPV4);
	assert_memory_equal(mnl_attr_get_payload(attr), "\x0a\x00\x00\x01", 4);
	assert_non_null(find_nested(peer, 99));
	ip = find_nested(peer, BURROW_A_PEER_ALLOWED_IP);
	assert_non_null(ip);
	assert_int_equal(mnl_attr_get_u16(find_nested(ip, BURROW_A_ALLOWED_IP_FAMILY)), 2);
	assert_int_equal(mnl_attr_get_u8(find_nested(ip, BURROW_A_ALLOWED_IP_PREFIX_LEN)), 8);
	attr = find(nlh, BURROW_A_DEV_KEYCONF);
	assert_int_equal(mnl_attr_get_u32(find_nested(attr, BURROW_A_KEYCONF_PEER_ID)), 5);
	assert_int_equal(mnl_attr_get_payload_len(find_nested(attr, BURROW_A_KEYCONF_ENCRYPT_IV)),
			 12);
	/* The nest ends where its last attribute does. */
	assert_ptr_equal((const char *)attr + attr->nla_len, (const char *)nlh + nlh->nlmsg_len);

	/* version-get resolves in the version set; a numbered nest holds numbers. */
	nlh = build(BURROW_CMD_VERSION_GET, false, (char *[]){
		"api:u32:1", "300:nest-begin", "1:u8:1", "300:nest-end", NULL });
	assert_int_equal(mnl_attr_get_u32(find(nlh, BURROW_A_VERSION_API)), 1);
	assert_non_null(find_nested(find(nlh, 300), 1));
}

static void assert_refused(int cmd, char **words, const char *message)
{
	struct raw_error error;
	size_t len = 12345;

	assert_int_equal(raw_build(cmd, false, count_words(words), words, buf, sizeof(buf), &len,
				   &error), -1);
	assert_string_equal(error.message, message);
	assert_int_equal(len, 12345);
}

static void test_refused(void **state)
{
	static char long_hex[11 + 2 * 65532 + 1];
	char expected[sizeof(((struct raw_error *)0)->message)];

	(void)state;
	assert_refused(BURROW_CMD_DEV_SET, (char *[]){ "ifname", NULL },
		       "invalid attribute 'ifname' (NAME:TYPE[:VALUE])");
	assert_refused(BURROW_CMD_DEV_SET, (char *[]){ ":u8:1", NULL },
		       "invalid attribute ':u8:1' (NAME:TYPE[:VALUE])");
	assert_refused(BURROW_CMD_DEV_SET, (char *[]){ "id:u32:1", NULL },
		       "unknown attribute 'id' in set dev");
	assert_refused(BURROW_CMD_VERSION_GET, (char *[]){ "ifname:str:x", NULL },
		       "unknown attribute 'ifname' in set version");
	assert_refused(BURROW_CMD_DEV_SET, (char *[]){ "ifindex:u9:1", NULL },
		       "unknown type 'u9' in 'ifindex:u9:1' "
		       "(u8, u16, u32, u64, str, hex, flag, nest-begin, nest-end)");
	assert_refused(BURROW_CMD_DEV_SET, (char *[]){ "ifindex:u8:256", NULL },
		       "invalid u8 value in 'ifindex:u8:256'");
	assert_refused(BURROW_CMD_DEV_SET, (char *[]){ "ifindex:u32:-1", NULL },
		       "invalid u32 value in 'ifindex:u32:-1'");
	assert_refused(BURROW_CMD_DEV_SET, (char *[]){ "ifindex:u32", NULL },
		       "invalid u32 value in 'ifindex:u32'");
	assert_refused(BURROW_CMD_DEV_SET, (char *[]){ "ifindex:u64:1x", NULL },
		       "invalid u64 value in 'ifindex:u64:1x'");
	assert_refused(BURROW_CMD_DEV_SET, (char *[]){ "ifname:hex:abc", NULL },
		       "invalid hex value in 'ifname:hex:abc' (an even number of hex digits)");
	assert_refused(BURROW_CMD_DEV_SET, (char *[]){ "ifname:hex:0x00", NULL },
		       "invalid hex value in 'ifname:hex:0x00' (an even number of hex digits)");
	assert_refused(BURROW_CMD_DEV_SET, (char *[]){ "ifname:str", NULL },
		       "missing str value in 'ifname:str'");
	assert_refused(BURROW_CMD_DEV_SET, (char *[]){ "socket-detach:flag:1", NULL },
		       "a flag takes no value: 'socket-detach:flag:1'");
	assert_refused(BURROW_CMD_DEV_SET, (char *[]){ "16384:u8:1", NULL },
		       "unknown attribute '16384' in set dev");
	assert_refused(BURROW_CMD_PEER_NEW, (char *[]){ "peer:nest-begin", "id:u32:1", NULL },
		       "nest 'peer' is not closed (add peer:nest-end)");
	assert_refused(BURROW_CMD_PEER_NEW, (char *[]){ "peer:nest-end", NULL },
		       "'peer:nest-end' closes no nest");
	assert_refused(BURROW_CMD_PEER_NEW, (char *[]){ "peer:nest-begin", "keyconf:nest-end",
							NULL },
		       "'keyconf:nest-end' does not close the open nest 'peer'");
	assert_refused(BURROW_CMD_PEER_NEW, (char *[]){ "peer:nest-begin", "peer-id:u32:1", NULL },
		       "unknown attribute 'peer-id' in set peer");
	assert_refused(BURROW_CMD_PEER_NEW, (char *[]){ "peer:nest-begin:x", NULL },
		       "nest-begin takes no value: 'peer:nest-begin:x'");
	assert_refused(BURROW_CMD_PEER_NEW, (char *[]){ "5:nest-begin", "id:u32:1", NULL },
		       "attribute 'id' inside a numbered nest: use numbers");
	assert_refused(BURROW_CMD_PEER_NEW,
		       (char *[]){ "1:nest-begin", "1:nest-begin", "1:nest-begin", "1:nest-begin",
				   "1:nest-begin", "1:nest-begin", "1:nest-begin", "1:nest-begin",
				   "1:nest-begin", NULL },
		       "nests deeper than 8 at '1:nest-begin'");

	/* A payload nla_len cannot describe (the message is cut to its buffer). */
	memcpy(long_hex, "ifname:hex:", 11);
	memset(long_hex + 11, '0', 2 * 65532);
	snprintf(expected, sizeof(expected),
		 "invalid hex value in '%s' (an even number of hex digits)", long_hex);
	assert_refused(BURROW_CMD_DEV_SET, (char *[]){ long_hex, NULL }, expected);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_header_and_flags),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_nests),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests_name("burrow-nl-raw requests", tests, NULL, NULL);
}
