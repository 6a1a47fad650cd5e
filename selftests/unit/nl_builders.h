/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit-test helpers: build the messages the kernel would send (replies,
 * acks, errors, dump ends) with libmnl, so parsers can be tested without a
 * kernel. Buffers are zeroed and aligned with TEST_BUFFER().
 */

#ifndef BURROW_TEST_NL_BUILDERS_H
#define BURROW_TEST_NL_BUILDERS_H

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <stdalign.h>
#include <string.h>

#include "burrow-nl-msg.h"
#include "linux/burrow.h"

#define TEST_FAMILY_ID 0x20
#define TEST_SEQ 5
#define TEST_PORTID 1234

#define TEST_BUFFER(name, size) alignas(struct nlmsghdr) char name[size] = { 0 }

/* Where the message after nlh starts. */
static inline char *test_after(const struct nlmsghdr *nlh)
{
	return (char *)nlh + MNL_ALIGN(nlh->nlmsg_len);
}

/* Length from buf to the end of nlh, the last message placed in it. */
static inline size_t test_length(const void *buf, const struct nlmsghdr *nlh)
{
	return (size_t)(test_after(nlh) - (const char *)buf);
}

static inline struct nlmsghdr *test_put_header(void *buf, uint16_t type, uint16_t flags,
					       uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = TEST_PORTID;
	return nlh;
}

static inline struct nlmsghdr *test_put_genl(void *buf, uint16_t type, uint8_t cmd,
					     uint16_t flags)
{
	struct nlmsghdr *nlh = test_put_header(buf, type, flags, TEST_SEQ);
	struct genlmsghdr *genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));

	genl->cmd = cmd;
	genl->version = BURROW_FAMILY_VERSION;
	return nlh;
}

/*
 * A dev-stats nest whose counter of attribute type t holds base + t, so
 * that a test sees each counter land in its own field.
 */
static inline void test_put_dev_stats(struct nlmsghdr *nlh, uint64_t base)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, BURROW_A_DEV_STATS);

	for (uint16_t type = 1; type <= BURROW_A_DEV_STATS_MAX; type++)
		mnl_attr_put_u64(nlh, type, base + type);
	mnl_attr_nest_end(nlh, nest);
}

/*
 * A complete dev-get reply without a socket: peer-count 0, generation 1,
 * stats from base 0. default-inactivity-timeout (8 bytes) comes last, for
 * tests that cut it.
 */
static inline struct nlmsghdr *test_put_dev_reply(void *buf, uint16_t flags, uint32_t ifindex,
						  const char *ifname, uint16_t keepalive,
						  uint32_t inactivity_timeout)
{
	struct nlmsghdr *nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_DEV_GET, flags);

	mnl_attr_put_u32(nlh, BURROW_A_DEV_IFINDEX, ifindex);
	mnl_attr_put_strz(nlh, BURROW_A_DEV_IFNAME, ifname);
	mnl_attr_put_u32(nlh, BURROW_A_DEV_PEER_COUNT, 0);
	mnl_attr_put_u32(nlh, BURROW_A_DEV_GENERATION, 1);
	test_put_dev_stats(nlh, 0);
	mnl_attr_put_u16(nlh, BURROW_A_DEV_DEFAULT_KEEPALIVE, keepalive);
	mnl_attr_put_u32(nlh, BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT, inactivity_timeout);
	return nlh;
}

/* An allowed-ip nest of type (BURROW_A_PEER_ALLOWED_IP): any family, address, length. */
static inline void test_put_allowed_ip(struct nlmsghdr *nlh, uint16_t family, const void *addr,
				       size_t addr_len, uint8_t prefix_len)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, BURROW_A_PEER_ALLOWED_IP);

	mnl_attr_put_u16(nlh, BURROW_A_ALLOWED_IP_FAMILY, family);
	mnl_attr_put(nlh, BURROW_A_ALLOWED_IP_ADDRESS, addr_len, addr);
	mnl_attr_put_u8(nlh, BURROW_A_ALLOWED_IP_PREFIX_LEN, prefix_len);
	mnl_attr_nest_end(nlh, nest);
}

/* An IPv4 allowed-ip a.b.c.d/len. */
static inline void test_put_allowed_ipv4(struct nlmsghdr *nlh, uint8_t a, uint8_t b, uint8_t c,
					 uint8_t d, uint8_t len)
{
	const uint8_t addr[4] = { a, b, c, d };

	test_put_allowed_ip(nlh, 2 /* AF_INET */, addr, 4, len);
}

/*
 * Start a peer-get reply for peer id: ifindex 7, and the peer nest open
 * with its id, which the caller fills and closes with mnl_attr_nest_end().
 */
static inline struct nlmsghdr *test_put_peer_start(void *buf, uint16_t flags, uint32_t id,
						   struct nlattr **nest)
{
	struct nlmsghdr *nlh = test_put_genl(buf, TEST_FAMILY_ID, BURROW_CMD_PEER_GET, flags);

	mnl_attr_put_u32(nlh, BURROW_A_DEV_IFINDEX, 7);
	*nest = mnl_attr_nest_start(nlh, BURROW_A_DEV_PEER);
	mnl_attr_put_u32(nlh, BURROW_A_PEER_ID, id);
	return nlh;
}

/* The attributes the first message of a peer must carry, with these values. */
static inline void test_put_peer_header(struct nlmsghdr *nlh, uint32_t tx_id, uint8_t pinned,
					uint8_t encap, uint64_t counter_base)
{
	mnl_attr_put_u32(nlh, BURROW_A_PEER_TX_ID, tx_id);
	mnl_attr_put_u8(nlh, BURROW_A_PEER_ENDPOINT_PINNED, pinned);
	mnl_attr_put_u8(nlh, BURROW_A_PEER_ENCAP, encap);
	mnl_attr_put_u64(nlh, BURROW_A_PEER_RX_BYTES, counter_base + 1);
	mnl_attr_put_u64(nlh, BURROW_A_PEER_RX_PACKETS, counter_base + 2);
	mnl_attr_put_u64(nlh, BURROW_A_PEER_TX_BYTES, counter_base + 3);
	mnl_attr_put_u64(nlh, BURROW_A_PEER_TX_PACKETS, counter_base + 4);
}

/* A whole minimal peer message: id, header, n IPv4 allowed-ips 10.<id>.<i>.0/24. */
static inline struct nlmsghdr *test_put_peer_reply(void *buf, uint16_t flags, uint32_t id,
						   bool header, unsigned int first_ip,
						   unsigned int n_ips)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = test_put_peer_start(buf, flags, id, &nest);

	if (header)
		test_put_peer_header(nlh, id + 100, 0, BURROW_ENCAP_UDP, 0);
	for (unsigned int i = first_ip; i < first_ip + n_ips; i++)
		test_put_allowed_ipv4(nlh, 10, (uint8_t)id, (uint8_t)i, 0, 24);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

/* The first attribute of type in a nest, or NULL. */
static inline const struct nlattr *test_find_nested(const struct nlattr *nest, uint16_t type)
{
	const struct nlattr *attr;

	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_get_type(attr) == type)
			return attr;
	}
	return NULL;
}

/* How many attributes of type a nest holds. */
static inline unsigned int test_count_nested(const struct nlattr *nest, uint16_t type)
{
	const struct nlattr *attr;
	unsigned int count = 0;

	mnl_attr_for_each_nested(attr, nest)
		count += mnl_attr_get_type(attr) == type;
	return count;
}

/*
 * NLMSG_ERROR for the request with seq: an ack when error is 0. With
 * NETLINK_CAP_ACK (capped) it holds only the request's header; otherwise
 * also request_payload_len bytes of its payload. extack_message, if not
 * NULL, is added as NLMSGERR_ATTR_MSG.
 */
static inline struct nlmsghdr *test_put_error(void *buf, int error, uint32_t seq, bool capped,
					      size_t request_payload_len,
					      const char *extack_message)
{
	size_t payload_len = capped ? 0 : request_payload_len;
	uint16_t flags = capped ? NLM_F_CAPPED : 0;
	struct nlmsghdr *nlh;
	struct nlmsgerr *nlerr;

	if (extack_message)
		flags |= NLM_F_ACK_TLVS;
	nlh = test_put_header(buf, NLMSG_ERROR, flags, seq);
	nlerr = mnl_nlmsg_put_extra_header(nlh, sizeof(*nlerr) + payload_len);
	nlerr->error = error;
	nlerr->msg.nlmsg_len = MNL_NLMSG_HDRLEN + payload_len;
	nlerr->msg.nlmsg_type = TEST_FAMILY_ID;
	nlerr->msg.nlmsg_seq = seq;
	if (extack_message) {
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, extack_message);
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
	}
	return nlh;
}

/* NLMSG_DONE ending a dump, with its error code and optional extack. */
static inline struct nlmsghdr *test_put_done(void *buf, int error, uint32_t seq,
					     const char *extack_message)
{
	struct nlmsghdr *nlh;
	int *code;

	nlh = test_put_header(buf, NLMSG_DONE,
			      NLM_F_MULTI | (extack_message ? NLM_F_ACK_TLVS : 0), seq);
	code = mnl_nlmsg_put_extra_header(nlh, sizeof(*code));
	*code = error;
	if (extack_message)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, extack_message);
	return nlh;
}

/* The first attribute of type in nlh (genetlink payload), or NULL. */
static inline const struct nlattr *test_find_attr(const struct nlmsghdr *nlh, uint16_t type)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) == type)
			return attr;
	}
	return NULL;
}

/* How many attributes nlh carries after its genetlink header. */
static inline unsigned int test_count_attrs(const struct nlmsghdr *nlh)
{
	const struct nlattr *attr;
	unsigned int count = 0;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN)
		count++;
	return count;
}

#endif /* BURROW_TEST_NL_BUILDERS_H */
