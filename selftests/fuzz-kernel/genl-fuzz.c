// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-genl-fuzz: a seeded fuzzer of the 'burrow' generic netlink family.
 *
 *   burrow-genl-fuzz [-s SEED] [-n COUNT] [-d IFNAME] [-m MODE] [-u UID] [-v]
 *
 * Every message is one op of the family (or a command it does not have)
 * with attributes built from the spec's shapes and then damaged: missing,
 * random, oversized, wrong-typed, duplicated and nested garbage, with
 * random genl header fields and flags. Each reply is checked: a request
 * must end in success or in an errno carrying an extack message. The few
 * refusals the genetlink core makes before the module sees the request
 * (no extack is possible there) are allowed only where the fuzzer knows
 * that cause applies:
 *   EPERM       a caller without CAP_NET_ADMIN in the device's netns, for
 *               an op that requires it (GENL_UNS_ADMIN_PERM, checked by
 *               the core: every write op, and reads of peers and keys;
 *               key-new checks it in its handler, with an extack message)
 *   EOPNOTSUPP  a command the family does not have, or NLM_F_DUMP on an op
 *               without a dump handler
 *   EINVAL      a message shorter than the genl header
 * Anything else without extack, a positive error, a malformed reply or no
 * reply at all is "unexpected"; the exit status is 1 if there was any.
 *
 * MODE is the caller: "root" (default), "uid" (drops to UID, default
 * 65534, before opening its socket), "userns" (UID, then a new user
 * namespace in the same netns: root there, but not over the device) or
 * "userns-netns" (UID, then a new user and network namespace, where it is
 * allowed to create IFNAME itself: what any local user can do on Debian).
 * Modes root and userns-netns (re)create the fuzz targets before and
 * during the run: peers 1..8 with allowed-ips, keys in some of their
 * slots, a quic peer. The seed is printed; the same seed against the same
 * state sends the same messages.
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "linux/burrow.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MSG_MAX 65536
#define RECV_BUF (MSG_MAX * 4)
#define PEERS 8
#define SETUP_EVERY 250

enum mode { MODE_ROOT, MODE_UID, MODE_USERNS, MODE_USERNS_NETNS };

/* Why a refusal without extack may be legitimate for one message. */
enum expect {
	EXPECT_NONE = 0,
	EXPECT_EOPNOTSUPP = 1,	/* unknown command, or dump on a do-only op */
	EXPECT_EPERM = 2,	/* a caller without the capability */
	EXPECT_SHORT = 4,	/* shorter than the genl header */
};

struct op {
	const char *name;
	uint8_t cmd;
	bool write;
	bool dump;
};

static const struct op ops[] = {
	{ "version-get", BURROW_CMD_VERSION_GET, false, false },
	{ "dev-get", BURROW_CMD_DEV_GET, false, true },
	{ "dev-set", BURROW_CMD_DEV_SET, true, false },
	{ "peer-new", BURROW_CMD_PEER_NEW, true, false },
	{ "peer-set", BURROW_CMD_PEER_SET, true, false },
	{ "peer-get", BURROW_CMD_PEER_GET, false, true },
	{ "peer-del", BURROW_CMD_PEER_DEL, true, false },
	{ "key-new", BURROW_CMD_KEY_NEW, true, false },
	{ "key-swap", BURROW_CMD_KEY_SWAP, true, false },
	{ "key-del", BURROW_CMD_KEY_DEL, true, false },
	{ "key-get", BURROW_CMD_KEY_GET, false, false },
};
#define N_OPS ARRAY_SIZE(ops)
#define OP_OTHER N_OPS	/* statistics slot for commands the family lacks */

#define N_ERRNO 200

struct stats {
	unsigned long sent, ok, refused, noextack, allowed, unexpected;
	unsigned long by_errno[N_ERRNO];
	unsigned long noext_by_errno[N_ERRNO];
};

struct fuzz {
	uint64_t rng;
	enum mode mode;
	bool privileged;
	bool verbose;
	struct mnl_socket *nl;
	uint16_t family;
	uint32_t seq;
	uint32_t ifindex;
	const char *ifname;
	int udp_fd, tcp_fd, pipe_fd;
	unsigned long msg_no;
	bool exact;		/* this message: lengths right, required attributes present */
	struct stats op_stats[N_OPS + 1];
	unsigned long setup_fail;
	/*
	 * Accepted though the core's header check refuses it (nonzero reserved
	 * bytes or non-core flags): the family must leave resv_start_op at 0.
	 */
	unsigned long lenient;
	char *buf, *rbuf;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("burrow-genl-fuzz: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* xorshift64*: small, fast and reproducible from the printed seed. */
static uint64_t rnd(struct fuzz *f)
{
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 0x2545F4914F6CDD1DULL;
}

static uint32_t below(struct fuzz *f, uint32_t n)
{
	return n ? (uint32_t)(rnd(f) % n) : 0;
}

/* true with probability percent/100 */
static bool chance(struct fuzz *f, unsigned int percent)
{
	return below(f, 100) < percent;
}

static void fill_random(struct fuzz *f, void *p, size_t len)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)rnd(f);
}

/* ---- message building ------------------------------------------------------
 * A message is written into f->buf with attributes of any length, type and
 * flags, including ones libmnl's checked helpers would refuse. Every
 * message keeps a correct nlmsg_len, so the rest of a batch still parses.
 */

struct builder {
	char *buf;
	size_t len, cap;
	struct fuzz *f;
	unsigned int damage;	/* percent chance to damage each attribute */
};

static void *b_reserve(struct builder *b, size_t len)
{
	size_t aligned = NLA_ALIGN(len);
	void *p;

	if (b->len + aligned > b->cap)
		return NULL;
	p = b->buf + b->len;
	memset(p, 0, aligned);
	b->len += aligned;
	return p;
}

/* An attribute exactly as given (type may carry NLA_F_* bits). */
static bool b_raw(struct builder *b, uint16_t type, const void *data, size_t len)
{
	struct nlattr *nla;

	if (len > 0xffff - NLA_HDRLEN)
		len = 0xffff - NLA_HDRLEN;
	nla = b_reserve(b, NLA_HDRLEN + len);
	if (!nla)
		return false;
	nla->nla_type = type;
	nla->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((char *)nla + NLA_HDRLEN, data, len);
	return true;
}

static void b_garbage_attrs(struct builder *b, unsigned int depth);

/*
 * Damage in place of a well-formed attribute: wrong length, oversized,
 * another type, a flag bit, garbage instead of a nest, or a duplicate.
 */
static void b_damaged(struct builder *b, uint16_t type, const void *data, size_t len)
{
	struct fuzz *f = b->f;
	uint8_t junk[4096];
	size_t n;

	switch (below(f, 8)) {
	case 0: /* wrong length: a few bytes short or long */
		n = below(f, 10);
		fill_random(f, junk, n);
		if (len && n <= len && chance(f, 50))
			memcpy(junk, data, n);
		b_raw(b, type, junk, n);
		break;
	case 1: /* oversized */
		n = 64 + below(f, sizeof(junk) - 64);
		fill_random(f, junk, n);
		b_raw(b, type, junk, n);
		break;
	case 2: /* another type, same payload */
		b_raw(b, (uint16_t)below(f, BURROW_A_DEV_MAX + 8), data, len);
		break;
	case 3: /* NLA_F_NESTED or NLA_F_NET_BYTEORDER on a plain value */
		b_raw(b, type | (chance(f, 50) ? NLA_F_NESTED : NLA_F_NET_BYTEORDER), data, len);
		break;
	case 4: { /* a nest of garbage instead */
		size_t start = b->len;
		struct nlattr *nest = b_reserve(b, NLA_HDRLEN);

		if (!nest)
			return;
		b_garbage_attrs(b, 2);
		nest = (struct nlattr *)(b->buf + start);
		nest->nla_type = type | NLA_F_NESTED;
		nest->nla_len = (uint16_t)(b->len - start > 0xffff ? 0xffff : b->len - start);
		break;
	}
	case 5: /* duplicate */
		b_raw(b, type, data, len);
		b_raw(b, type, data, len);
		break;
	case 6: /* random bytes of the right length */
		n = len < sizeof(junk) ? len : sizeof(junk);
		fill_random(f, junk, n);
		b_raw(b, type, junk, n);
		break;
	default: /* left out */
		break;
	}
}

static void b_attr(struct builder *b, uint16_t type, const void *data, size_t len)
{
	if (b->damage && chance(b->f, b->damage))
		b_damaged(b, type, data, len);
	else
		b_raw(b, type, data, len);
}

static void b_u8(struct builder *b, uint16_t type, uint8_t v) { b_attr(b, type, &v, 1); }
static void b_u16(struct builder *b, uint16_t type, uint16_t v) { b_attr(b, type, &v, 2); }
static void b_u32(struct builder *b, uint16_t type, uint32_t v) { b_attr(b, type, &v, 4); }
static void b_u64(struct builder *b, uint16_t type, uint64_t v) { b_attr(b, type, &v, 8); }
static void b_flag(struct builder *b, uint16_t type) { b_attr(b, type, NULL, 0); }
static void b_str(struct builder *b, uint16_t type, const char *s)
{
	b_attr(b, type, s, strlen(s) + 1);
}

static size_t b_nest_start(struct builder *b, uint16_t type)
{
	size_t start = b->len;
	struct nlattr *nest = b_reserve(b, NLA_HDRLEN);

	if (nest)
		nest->nla_type = type | (chance(b->f, 90) ? NLA_F_NESTED : 0);
	return start;
}

static void b_nest_end(struct builder *b, size_t start)
{
	struct nlattr *nest = (struct nlattr *)(b->buf + start);
	size_t len = b->len - start;

	/* A nest longer than nla_len can say is cut: the rest becomes trailing garbage. */
	nest->nla_len = (uint16_t)(len > 0xffff ? 0xfffc : len);
}

/* Random attributes: random types, lengths, flags; nests down to depth. */
static void b_garbage_attrs(struct builder *b, unsigned int depth)
{
	struct fuzz *f = b->f;
	unsigned int i, count = below(f, 8);
	uint8_t junk[512];
	size_t n;

	for (i = 0; i < count; i++) {
		uint16_t type = (uint16_t)below(f, 32);

		if (depth && chance(f, 25)) {
			size_t start = b_nest_start(b, type);

			b_garbage_attrs(b, depth - 1);
			b_nest_end(b, start);
			continue;
		}
		n = below(f, 5) ? below(f, 24) : below(f, sizeof(junk));
		fill_random(f, junk, n);
		if (chance(f, 10))
			type |= (uint16_t)(rnd(f) & (NLA_F_NESTED | NLA_F_NET_BYTEORDER));
		b_raw(b, type, junk, n);
	}
	/* Sometimes a header that claims more than there is. */
	if (chance(f, 5)) {
		struct nlattr *nla = b_reserve(b, NLA_HDRLEN);

		if (nla) {
			nla->nla_type = (uint16_t)below(f, 32);
			nla->nla_len = (uint16_t)(NLA_HDRLEN + 1 + below(f, 2000));
		}
	}
}

/* ---- values that hit the fuzz targets ---------------------------------------- */

static uint32_t pick_peer_id(struct fuzz *f)
{
	switch (below(f, 20)) {
	case 0:
		return 0;
	case 1:
		return (uint32_t)rnd(f);
	case 2:
		return PEERS + 1 + below(f, 8);
	default:
		return 1 + below(f, PEERS);
	}
}

static void put_target(struct builder *b)
{
	struct fuzz *f = b->f;
	char name[40];

	switch (below(f, 20)) {
	case 0: /* neither */
		break;
	case 1: /* both */
		b_u32(b, BURROW_A_DEV_IFINDEX, f->ifindex);
		b_str(b, BURROW_A_DEV_IFNAME, f->ifname);
		break;
	case 2: /* loopback: not a burrow device */
		b_u32(b, BURROW_A_DEV_IFINDEX, 1);
		break;
	case 3: /* no such device */
		b_u32(b, BURROW_A_DEV_IFINDEX, 100000 + below(f, 1000000));
		break;
	case 4: /* a name that is too long, not terminated, or unknown */
		memset(name, 'a' + below(f, 26), sizeof(name));
		if (chance(f, 50)) {
			b_raw(b, BURROW_A_DEV_IFNAME, name, 1 + below(f, sizeof(name) - 1));
		} else {
			name[below(f, sizeof(name) - 1)] = 0;
			b_str(b, BURROW_A_DEV_IFNAME, name);
		}
		break;
	case 5: case 6: case 7: case 8: case 9:
		b_str(b, BURROW_A_DEV_IFNAME, f->ifname);
		break;
	default:
		b_u32(b, BURROW_A_DEV_IFINDEX, f->ifindex);
		break;
	}
}

static void put_bytes(struct builder *b, uint16_t type, size_t len)
{
	uint8_t data[64];

	if (len > sizeof(data))
		len = sizeof(data);
	fill_random(b->f, data, len);
	b_attr(b, type, data, len);
}

/* A length usually right, sometimes off by a little or a lot. */
static size_t pick_len(struct fuzz *f, size_t good)
{
	if (f->exact)
		return good;
	switch (below(f, 10)) {
	case 0:
		return below(f, 64);
	case 1:
		return good + 1;
	case 2:
		return good ? good - 1 : 0;
	default:
		return good;
	}
}

static void put_allowed_ip(struct builder *b)
{
	struct fuzz *f = b->f;
	size_t nest = b_nest_start(b, BURROW_A_PEER_ALLOWED_IP);
	bool v6 = chance(f, 30);
	uint8_t addr[16] = { 0 };
	unsigned int cidr = v6 ? 48 + below(f, 81) : 16 + below(f, 17);

	if (!chance(f, 5))
		b_u16(b, BURROW_A_ALLOWED_IP_FAMILY,
		      chance(f, 95) ? (v6 ? AF_INET6 : AF_INET) : (uint16_t)below(f, 64));
	if (!chance(f, 5)) {
		if (v6) {
			addr[0] = 0xfd;
			addr[1] = 0x99;
			addr[2] = (uint8_t)below(f, 256);
			addr[3] = (uint8_t)below(f, 256);
		} else {
			addr[0] = 10;
			addr[1] = 99;
			addr[2] = (uint8_t)below(f, 256);
			addr[3] = chance(f, 80) ? 0 : (uint8_t)below(f, 256);
		}
		if (chance(f, 10))
			fill_random(f, addr, sizeof(addr));
		b_attr(b, BURROW_A_ALLOWED_IP_ADDRESS, addr, pick_len(f, v6 ? 16 : 4));
	}
	if (!chance(f, 5))
		b_u8(b, BURROW_A_ALLOWED_IP_PREFIX_LEN,
		     chance(f, 90) ? (uint8_t)cidr : (uint8_t)below(f, 256));
	b_nest_end(b, nest);
}

static void put_peer(struct builder *b, bool for_change)
{
	struct fuzz *f = b->f;
	size_t nest = b_nest_start(b, BURROW_A_DEV_PEER);
	unsigned int i, count;
	uint8_t v4[4] = { 192, 0, 2, (uint8_t)below(f, 256) };
	uint8_t v6[16] = { 0xfd, 0, 0, 2 };

	if (f->exact || !chance(f, 5))
		b_u32(b, BURROW_A_PEER_ID, pick_peer_id(f));
	if (!for_change)
		goto end;
	if (chance(f, 20))
		b_u32(b, BURROW_A_PEER_TX_ID, (uint32_t)rnd(f));
	switch (below(f, 6)) {
	case 0:
		b_attr(b, BURROW_A_PEER_REMOTE_IPV4, v4, pick_len(f, 4));
		b_u16(b, BURROW_A_PEER_REMOTE_PORT, (uint16_t)below(f, 3) ? 51820 : 0);
		break;
	case 1:
		v6[15] = (uint8_t)below(f, 256);
		b_attr(b, BURROW_A_PEER_REMOTE_IPV6, v6, pick_len(f, 16));
		b_u16(b, BURROW_A_PEER_REMOTE_PORT, (uint16_t)rnd(f));
		break;
	case 2:
		b_flag(b, BURROW_A_PEER_REMOTE_CLEAR);
		if (chance(f, 20))
			b_attr(b, BURROW_A_PEER_REMOTE_IPV4, v4, 4);
		break;
	case 3:
		if (chance(f, 50))
			b_attr(b, BURROW_A_PEER_REMOTE_IPV4, v4, 4);
		else
			b_u16(b, BURROW_A_PEER_REMOTE_PORT, 1);
		break;
	default:
		break;
	}
	if (chance(f, 15))
		b_u8(b, BURROW_A_PEER_ENDPOINT_PINNED, (uint8_t)below(f, 3));
	if (chance(f, 15))
		b_u8(b, BURROW_A_PEER_ENCAP, (uint8_t)below(f, 3));
	if (chance(f, 15))
		b_u16(b, BURROW_A_PEER_KEEPALIVE, chance(f, 50) ? 0 : (uint16_t)rnd(f));
	if (chance(f, 15))
		b_u32(b, BURROW_A_PEER_INACTIVITY_TIMEOUT,
		      chance(f, 70) ? below(f, BURROW_MAX_TIMEOUT + 2) : (uint32_t)rnd(f));
	if (chance(f, 20))
		b_u8(b, BURROW_A_PEER_ALLOWED_IPS_OP, (uint8_t)below(f, 4));
	if (chance(f, 15))
		put_bytes(b, BURROW_A_PEER_LOCAL_CID, pick_len(f, 8));
	if (chance(f, 15))
		put_bytes(b, BURROW_A_PEER_REMOTE_CID, pick_len(f, 1 + below(f, 20)));
	if (chance(f, 5))	/* read-only attributes in a request */
		b_u64(b, (uint16_t)(BURROW_A_PEER_RX_BYTES + below(f, 6)), rnd(f));
	count = chance(f, 40) ? below(f, 6) : 0;
	if (chance(f, 2))	/* oversized: as many as fit */
		count = 2000;
	for (i = 0; i < count && b->len < b->cap - 64; i++)
		put_allowed_ip(b);
end:
	b_nest_end(b, nest);
}

static void put_keyconf(struct builder *b, uint8_t cmd)
{
	struct fuzz *f = b->f;
	size_t nest = b_nest_start(b, BURROW_A_DEV_KEYCONF);
	uint8_t cipher = (uint8_t)below(f, 3), key_len = cipher == BURROW_CIPHER_AES_128_GCM ? 16 : 32;

	if (f->exact || !chance(f, 5))
		b_u32(b, BURROW_A_KEYCONF_PEER_ID, pick_peer_id(f));
	if (f->exact || !chance(f, 5))
		b_u8(b, BURROW_A_KEYCONF_SLOT, (uint8_t)(chance(f, 90) ? below(f, 2) : below(f, 256)));
	if (cmd == BURROW_CMD_KEY_NEW || chance(f, 5)) {
		if (f->exact || !chance(f, 5))
			b_u8(b, BURROW_A_KEYCONF_KEY_ID, (uint8_t)below(f, chance(f, 80) ? 4 : 256));
		if (f->exact || !chance(f, 5))
			b_u8(b, BURROW_A_KEYCONF_CIPHER, chance(f, 90) ? cipher : (uint8_t)below(f, 256));
		if (f->exact || !chance(f, 5))
			put_bytes(b, BURROW_A_KEYCONF_ENCRYPT_KEY, pick_len(f, key_len));
		if (f->exact || !chance(f, 5))
			put_bytes(b, BURROW_A_KEYCONF_ENCRYPT_IV, pick_len(f, BURROW_IV_LEN));
		if (f->exact || !chance(f, 5))
			put_bytes(b, BURROW_A_KEYCONF_DECRYPT_KEY, pick_len(f, key_len));
		if (f->exact || !chance(f, 5))
			put_bytes(b, BURROW_A_KEYCONF_DECRYPT_IV, pick_len(f, BURROW_IV_LEN));
		if (chance(f, 30)) {
			put_bytes(b, BURROW_A_KEYCONF_ENCRYPT_HP_KEY, pick_len(f, key_len));
			put_bytes(b, BURROW_A_KEYCONF_DECRYPT_HP_KEY, pick_len(f, key_len));
		}
		if (chance(f, 20))
			b_u64(b, BURROW_A_KEYCONF_SOFT_LIMIT_PACKETS, chance(f, 50) ? below(f, 100) : rnd(f));
		if (chance(f, 20))
			b_u64(b, BURROW_A_KEYCONF_HARD_LIMIT_PACKETS, chance(f, 50) ? below(f, 100) : rnd(f));
		if (chance(f, 20))
			b_u32(b, BURROW_A_KEYCONF_SOFT_LIMIT_SECONDS, (uint32_t)below(f, 1000));
		if (chance(f, 20))
			b_u32(b, BURROW_A_KEYCONF_HARD_LIMIT_SECONDS, (uint32_t)rnd(f));
	}
	if (chance(f, 5))	/* read-only attributes in a request */
		b_u64(b, (uint16_t)(BURROW_A_KEYCONF_AGE_SECONDS + below(f, 5)), rnd(f));
	if (chance(f, 5))
		b_u8(b, BURROW_A_KEYCONF_KEY_PHASE, (uint8_t)below(f, 3));
	b_nest_end(b, nest);
}

static void put_dev_set(struct builder *b)
{
	struct fuzz *f = b->f;
	int fds[] = { -1, 0, 1, 2, f->udp_fd, f->tcp_fd, f->pipe_fd, 999 };

	if (chance(f, 30))
		b_u16(b, BURROW_A_DEV_DEFAULT_KEEPALIVE, (uint16_t)(chance(f, 50) ? 0 : rnd(f)));
	if (chance(f, 30))
		b_u32(b, BURROW_A_DEV_DEFAULT_INACTIVITY_TIMEOUT,
		      chance(f, 70) ? below(f, BURROW_MAX_TIMEOUT + 2) : (uint32_t)rnd(f));
	if (chance(f, 20))
		b_u32(b, BURROW_A_DEV_SOCKET_FD, (uint32_t)fds[below(f, ARRAY_SIZE(fds))]);
	if (chance(f, 15))
		b_flag(b, BURROW_A_DEV_SOCKET_DETACH);
	if (chance(f, 20))
		b_u8(b, BURROW_A_DEV_QUIC_CID_LEN, (uint8_t)(chance(f, 50) ? 8 : below(f, 26)));
	if (chance(f, 5))	/* reply-only attributes in a request */
		b_u32(b, (uint16_t)(BURROW_A_DEV_SOCKET_FAMILY + below(f, 4)), (uint32_t)rnd(f));
}

/* ---- sending and checking ---------------------------------------------------- */

struct outcome {
	int error;		/* 0 or -errno */
	bool extack;
	bool bad;		/* a reply that breaks the protocol */
	const char *why;
};

static bool has_extack(const struct nlmsghdr *nlh, size_t offset)
{
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return false;
	mnl_attr_for_each(attr, nlh, offset)
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG && mnl_attr_get_payload_len(attr) > 1)
			return true;
	return false;
}

/*
 * Send one request and read until its ACK, error or NLMSG_DONE. Replies
 * of our family are counted as data; anything else is a protocol error.
 */
static void exchange(struct fuzz *f, struct nlmsghdr *nlh, struct outcome *out)
{
	uint32_t seq = nlh->nlmsg_seq;
	bool dump = nlh->nlmsg_flags & NLM_F_DUMP;

	memset(out, 0, sizeof(*out));
	if (mnl_socket_sendto(f->nl, nlh, nlh->nlmsg_len) < 0) {
		out->bad = true;
		out->why = "sendto failed";
		out->error = -errno;
		return;
	}
	for (;;) {
		ssize_t got = mnl_socket_recvfrom(f->nl, f->rbuf, RECV_BUF);
		const struct nlmsghdr *r;
		int len = (int)got;

		if (got < 0) {
			out->bad = true;
			out->why = errno == EAGAIN ? "no reply within 20 s" : "recv failed";
			out->error = -errno;
			return;
		}
		for (r = (const struct nlmsghdr *)f->rbuf; mnl_nlmsg_ok(r, len);
		     r = mnl_nlmsg_next(r, &len)) {
			if (r->nlmsg_seq != seq)
				continue;	/* the tail of an earlier, abandoned dump */
			if (r->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = mnl_nlmsg_get_payload(r);
				size_t off = sizeof(*err);

				if (r->nlmsg_len < NLMSG_HDRLEN + sizeof(*err)) {
					out->bad = true;
					out->why = "short NLMSG_ERROR";
					return;
				}
				if (!(r->nlmsg_flags & NLM_F_CAPPED))
					off += err->msg.nlmsg_len - NLMSG_HDRLEN;
				out->error = err->error;
				out->extack = has_extack(r, off);
				if (err->error > 0) {
					out->bad = true;
					out->why = "positive error in NLMSG_ERROR";
				}
				return;
			}
			if (r->nlmsg_type == NLMSG_DONE) {
				int error = 0;

				if (!dump) {
					out->bad = true;
					out->why = "NLMSG_DONE for a do request";
					return;
				}
				if (mnl_nlmsg_get_payload_len(r) >= sizeof(int))
					memcpy(&error, mnl_nlmsg_get_payload(r), sizeof(int));
				out->error = error;
				out->extack = has_extack(r, sizeof(int));
				if (error > 0) {
					out->bad = true;
					out->why = "positive error in NLMSG_DONE";
				}
				return;
			}
			if (r->nlmsg_type != f->family) {
				out->bad = true;
				out->why = "reply of another type";
				return;
			}
		}
	}
}

static struct nlmsghdr *begin(struct fuzz *f, struct builder *b, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)f->buf;
	struct genlmsghdr *genl;

	b->buf = f->buf;
	b->cap = MSG_MAX;
	b->f = f;
	b->damage = 0;
	memset(nlh, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = f->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++f->seq;
	genl = (struct genlmsghdr *)((char *)nlh + NLMSG_HDRLEN);
	genl->cmd = cmd;
	genl->version = BURROW_FAMILY_VERSION;
	b->len = NLMSG_HDRLEN + GENL_HDRLEN;
	return nlh;
}

static void finish(struct builder *b, struct nlmsghdr *nlh)
{
	nlh->nlmsg_len = (uint32_t)b->len;
}

/* A valid request for state setup; failures are only counted. */
static int setup_request(struct fuzz *f, struct builder *b, struct nlmsghdr *nlh)
{
	struct outcome out;

	finish(b, nlh);
	exchange(f, nlh, &out);
	if (out.bad)
		die("setup: %s", out.why);
	return out.error;
}

static void setup_key(struct fuzz *f, uint32_t id, uint8_t slot, uint8_t key_id, bool hp)
{
	struct builder b;
	struct nlmsghdr *nlh = begin(f, &b, BURROW_CMD_KEY_NEW, 0);
	uint8_t key[32], iv[12], hp_key[32];
	size_t nest;

	b_u32(&b, BURROW_A_DEV_IFINDEX, f->ifindex);
	nest = b_nest_start(&b, BURROW_A_DEV_KEYCONF);
	((struct nlattr *)(b.buf + nest))->nla_type = BURROW_A_DEV_KEYCONF | NLA_F_NESTED;
	b_u32(&b, BURROW_A_KEYCONF_PEER_ID, id);
	b_u8(&b, BURROW_A_KEYCONF_SLOT, slot);
	b_u8(&b, BURROW_A_KEYCONF_KEY_ID, key_id);
	b_u8(&b, BURROW_A_KEYCONF_CIPHER, BURROW_CIPHER_CHACHA20_POLY1305);
	fill_random(f, key, sizeof(key));
	fill_random(f, iv, sizeof(iv));
	b_raw(&b, BURROW_A_KEYCONF_ENCRYPT_KEY, key, 32);
	b_raw(&b, BURROW_A_KEYCONF_ENCRYPT_IV, iv, 12);
	fill_random(f, key, sizeof(key));
	fill_random(f, iv, sizeof(iv));
	b_raw(&b, BURROW_A_KEYCONF_DECRYPT_KEY, key, 32);
	b_raw(&b, BURROW_A_KEYCONF_DECRYPT_IV, iv, 12);
	if (hp) {
		/* Constant per peer: both slots must carry the same hp keys. */
		memset(hp_key, 0x40 + (int)id, sizeof(hp_key));
		b_raw(&b, BURROW_A_KEYCONF_ENCRYPT_HP_KEY, hp_key, 32);
		memset(hp_key, 0x60 + (int)id, sizeof(hp_key));
		b_raw(&b, BURROW_A_KEYCONF_DECRYPT_HP_KEY, hp_key, 32);
	}
	b_nest_end(&b, nest);
	if (setup_request(f, &b, nlh))
		f->setup_fail++;
}

/*
 * Fuzz targets: peers 1..PEERS with allowed-ips; keys in the primary slot
 * of odd peers and in both slots of peers 1 and 2; peer PEERS is quic.
 * Idempotent: what exists is left, what the fuzz removed comes back.
 */
static void setup_state(struct fuzz *f)
{
	struct builder b0;
	struct nlmsghdr *nlh0 = begin(f, &b0, BURROW_CMD_DEV_SET, 0);
	uint32_t id;

	/* The quic peer's CIDs are 8 bytes (refused while other lengths are in use). */
	b_u32(&b0, BURROW_A_DEV_IFINDEX, f->ifindex);
	b_u8(&b0, BURROW_A_DEV_QUIC_CID_LEN, 8);
	setup_request(f, &b0, nlh0);

	for (id = 1; id <= PEERS; id++) {
		struct builder b;
		struct nlmsghdr *nlh = begin(f, &b, BURROW_CMD_PEER_NEW, 0);
		uint8_t cid[8];
		size_t nest, ip;
		uint8_t addr[4] = { 10, 98, (uint8_t)id, 0 };
		uint16_t family = AF_INET;
		uint8_t cidr = 24;
		int ret;

		b_u32(&b, BURROW_A_DEV_IFINDEX, f->ifindex);
		nest = b_nest_start(&b, BURROW_A_DEV_PEER);
		((struct nlattr *)(b.buf + nest))->nla_type = BURROW_A_DEV_PEER | NLA_F_NESTED;
		b_u32(&b, BURROW_A_PEER_ID, id);
		ip = b_nest_start(&b, BURROW_A_PEER_ALLOWED_IP);
		((struct nlattr *)(b.buf + ip))->nla_type = BURROW_A_PEER_ALLOWED_IP | NLA_F_NESTED;
		b_raw(&b, BURROW_A_ALLOWED_IP_FAMILY, &family, 2);
		b_raw(&b, BURROW_A_ALLOWED_IP_ADDRESS, addr, 4);
		b_raw(&b, BURROW_A_ALLOWED_IP_PREFIX_LEN, &cidr, 1);
		b_nest_end(&b, ip);
		if (id == PEERS) {
			memset(cid, 0xc0 + (int)id, sizeof(cid));
			b_raw(&b, BURROW_A_PEER_LOCAL_CID, cid, sizeof(cid));
			b_raw(&b, BURROW_A_PEER_REMOTE_CID, cid, sizeof(cid));
		}
		b_nest_end(&b, nest);
		ret = setup_request(f, &b, nlh);
		if (ret && ret != -EEXIST)
			f->setup_fail++;
		if (ret == -EEXIST && id != 1 && id != 2 && id != PEERS)
			continue;
		if (id & 1 || id == 2 || id == PEERS)
			setup_key(f, id, 0, 1, id == PEERS);
		if (id <= 2)
			setup_key(f, id, 1, 2, false);
	}
}

static int errno_slot(int error)
{
	int e = -error;

	return e > 0 && e < N_ERRNO ? e : 0;
}

static void account(struct fuzz *f, unsigned int op, unsigned int expect, const struct outcome *out)
{
	struct stats *s = &f->op_stats[op];
	const char *name = op < N_OPS ? ops[op].name : "other-cmd";
	bool allowed = false;

	s->sent++;
	if (out->bad) {
		s->unexpected++;
		fprintf(stderr, "UNEXPECTED msg %lu op %s: %s (error %d)\n", f->msg_no, name, out->why,
			out->error);
		return;
	}
	if (!out->error) {
		s->ok++;
		return;
	}
	s->refused++;
	s->by_errno[errno_slot(out->error)]++;
	if (out->extack)
		return;
	s->noextack++;
	s->noext_by_errno[errno_slot(out->error)]++;
	if (out->error == -EPERM && (expect & EXPECT_EPERM))
		allowed = true;
	if (out->error == -EOPNOTSUPP && (expect & EXPECT_EOPNOTSUPP))
		allowed = true;
	if (out->error == -EINVAL && (expect & EXPECT_SHORT))
		allowed = true;
	if (allowed) {
		s->allowed++;
		return;
	}
	s->unexpected++;
	fprintf(stderr, "UNEXPECTED msg %lu op %s: refused with %s (%d) and no extack message\n",
		f->msg_no, name, strerror(-out->error), out->error);
}

static void fuzz_one(struct fuzz *f)
{
	struct builder b;
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	unsigned int op = below(f, N_OPS), expect = 0, strategy = below(f, 10);
	uint8_t cmd = ops[op].cmd;
	uint16_t flags = 0;
	struct outcome out;

	/* Commands the family lacks: 0, the notification ids, beyond the end. */
	if (chance(f, 3)) {
		uint8_t others[] = { 0, BURROW_CMD_PEER_EXPIRED_NTF, BURROW_CMD_ENDPOINT_CHANGED_NTF,
				     BURROW_CMD_KEY_SOFT_LIMIT_NTF, BURROW_CMD_KEY_HARD_LIMIT_NTF,
				     BURROW_CMD_MAX + 1, 200, 255 };

		cmd = others[below(f, ARRAY_SIZE(others))];
		op = OP_OTHER;
		expect |= EXPECT_EOPNOTSUPP;
	}
	if (op < N_OPS && ops[op].dump ? chance(f, 40) : chance(f, 3))
		flags |= NLM_F_DUMP;
	/* NLM_F_REPLACE | NLM_F_EXCL is NLM_F_DUMP: check the dump bits after this. */
	if (chance(f, 3))
		flags |= (uint16_t)(rnd(f) & (NLM_F_REPLACE | NLM_F_EXCL | NLM_F_CREATE | NLM_F_APPEND |
					    NLM_F_ECHO | NLM_F_ATOMIC));
	if (op < N_OPS && !ops[op].dump && (flags & NLM_F_DUMP) == NLM_F_DUMP)
		expect |= EXPECT_EOPNOTSUPP;
	/*
	 * Any op may carry the core's capability check: the write ops do,
	 * and peer-get and key-get do once reads of peers and keys need
	 * CAP_NET_ADMIN (docs/security.md, threat model).
	 */
	if (!f->privileged)
		expect |= EXPECT_EPERM;

	nlh = begin(f, &b, cmd, flags);
	genl = (struct genlmsghdr *)((char *)nlh + NLMSG_HDRLEN);
	if (chance(f, 5))
		genl->version = (uint8_t)rnd(f);
	if (chance(f, 5))
		genl->reserved = (uint16_t)rnd(f);

	/*
	 * Strategies: 0-3 shaped and mostly valid with a damage rate, 4 only
	 * random attributes, 5 shaped plus garbage, 6 shaped with heavy
	 * damage, 7 a nest of garbage, 8 trailing bytes, 9 header only or
	 * shorter than the genl header.
	 */
	b.damage = strategy < 4 ? (unsigned int)(strategy * 4) : strategy == 6 ? 40 : 0;
	f->exact = strategy == 0;
	switch (strategy) {
	case 4:
		b_garbage_attrs(&b, 3);
		break;
	case 7: {
		size_t nest;

		put_target(&b);
		nest = b_nest_start(&b, chance(f, 50) ? BURROW_A_DEV_PEER : BURROW_A_DEV_KEYCONF);
		b_garbage_attrs(&b, 3);
		b_nest_end(&b, nest);
		break;
	}
	case 9:
		if (chance(f, 50)) {
			b.len = NLMSG_HDRLEN + below(f, GENL_HDRLEN);
			expect |= EXPECT_SHORT;
		}
		break;
	default:
		put_target(&b);
		if (cmd == BURROW_CMD_DEV_SET || chance(f, 3))
			put_dev_set(&b);
		if (cmd == BURROW_CMD_PEER_NEW || cmd == BURROW_CMD_PEER_SET ||
		    cmd == BURROW_CMD_PEER_GET || cmd == BURROW_CMD_PEER_DEL || chance(f, 3))
			put_peer(&b, cmd == BURROW_CMD_PEER_NEW || cmd == BURROW_CMD_PEER_SET ||
				 chance(f, 10));
		if ((cmd >= BURROW_CMD_KEY_NEW && cmd <= BURROW_CMD_KEY_GET) || chance(f, 3))
			put_keyconf(&b, cmd);
		if (strategy == 5)
			b_garbage_attrs(&b, 2);
		if (strategy == 8) {
			uint8_t *tail = b_reserve(&b, 4);

			if (tail) {
				fill_random(f, tail, 4);
				b.len -= 4 - (1 + below(f, 3));
			}
		}
		break;
	}
	finish(&b, nlh);
	f->msg_no++;
	if (f->verbose)
		fprintf(stderr, "msg %lu op %s cmd %u flags %#x len %u strategy %u\n", f->msg_no,
			op < N_OPS ? ops[op].name : "other", cmd, nlh->nlmsg_flags, nlh->nlmsg_len,
			strategy);
	exchange(f, nlh, &out);
	account(f, op, expect, &out);
	if (!out.bad && !out.error && nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN &&
	    (genl->reserved || (nlh->nlmsg_flags & ~(NLM_F_DUMP | NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO))))
		f->lenient++;
}

/* ---- family, namespaces, device --------------------------------------------- */

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID)
			*(uint16_t *)data = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static uint16_t resolve_family(struct fuzz *f)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(f->buf);
	struct genlmsghdr *genl;
	uint16_t id = 0;
	ssize_t len;
	int ret;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++f->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, BURROW_FAMILY_NAME);
	if (mnl_socket_sendto(f->nl, nlh, nlh->nlmsg_len) < 0)
		die("genl: %s", strerror(errno));
	do {
		len = mnl_socket_recvfrom(f->nl, f->rbuf, RECV_BUF);
		if (len < 0)
			die("genl: %s", strerror(errno));
		ret = mnl_cb_run(f->rbuf, (size_t)len, f->seq, 0, family_cb, &id);
	} while (ret > 0);
	if (ret < 0 || !id)
		die("family '%s' not found (is burrow.ko loaded?): %s", BURROW_FAMILY_NAME,
		    strerror(errno));
	return id;
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die("%s: %s", path, strerror(errno));
	close(fd);
}

static void drop_privileges(uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		die("cannot drop to uid %u: %s", (unsigned int)uid, strerror(errno));
	/*
	 * A credential change clears "dumpable", which makes /proc/self
	 * root's: set it again so the uid_map of a new user namespace can be
	 * written, as by a user who never was root.
	 */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		die("prctl: %s", strerror(errno));
}

/* Become root of a new user namespace (and netns), as any user can. */
static bool enter_userns(uid_t uid, bool netns)
{
	char map[64];

	if (unshare(CLONE_NEWUSER | (netns ? CLONE_NEWNET : 0))) {
		fprintf(stderr, "burrow-genl-fuzz: unshare: %s\n", strerror(errno));
		return false;
	}
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
	write_file("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)getgid());
	write_file("/proc/self/gid_map", map);
	return true;
}

/* ip link add IFNAME type burrow, over rtnetlink. */
static void create_device(const char *ifname)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *rt = mnl_socket_open(NETLINK_ROUTE);
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *linkinfo;
	ssize_t len;

	if (!rt || mnl_socket_bind(rt, 0, MNL_SOCKET_AUTOPID) < 0)
		die("rtnetlink: %s", strerror(errno));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	nlh->nlmsg_seq = 1;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "burrow");
	mnl_attr_nest_end(nlh, linkinfo);
	if (mnl_socket_sendto(rt, nlh, nlh->nlmsg_len) < 0)
		die("rtnetlink: %s", strerror(errno));
	len = mnl_socket_recvfrom(rt, buf, sizeof(buf));
	if (len < 0 || mnl_cb_run(buf, (size_t)len, 1, 0, NULL, NULL) < 0)
		die("cannot create %s in the new netns: %s", ifname, strerror(errno));
	mnl_socket_close(rt);
}

static void print_stats(struct fuzz *f)
{
	struct stats total = { 0 };
	unsigned int op;
	int e;

	for (op = 0; op <= N_OPS; op++) {
		struct stats *s = &f->op_stats[op];
		char noext[256] = "";
		size_t used = 0;

		if (!s->sent)
			continue;
		for (e = 0; e < N_ERRNO; e++)
			if (s->noext_by_errno[e] && used < sizeof(noext) - 32)
				used += (size_t)snprintf(noext + used, sizeof(noext) - used, " %s:%lu",
							 e ? strerrorname_np(e) : "other",
							 s->noext_by_errno[e]);
		printf("# %-12s sent %6lu ok %6lu refused %6lu no-extack %5lu%s\n",
		       op < N_OPS ? ops[op].name : "other-cmd", s->sent, s->ok, s->refused, s->noextack,
		       noext);
		total.sent += s->sent;
		total.ok += s->ok;
		total.refused += s->refused;
		total.noextack += s->noextack;
		total.allowed += s->allowed;
		total.unexpected += s->unexpected;
	}
	printf("RESULT messages=%lu ok=%lu refused=%lu refused_noextack=%lu allowed_noextack=%lu "
	       "unexpected=%lu setup_failures=%lu\n", total.sent, total.ok, total.refused,
	       total.noextack, total.allowed, total.unexpected, f->setup_fail);
	printf("# accepted with genlmsghdr.reserved != 0 or non-core nlmsg_flags: %lu\n", f->lenient);
}

static unsigned long total_unexpected(struct fuzz *f)
{
	unsigned long n = 0;
	unsigned int op;

	for (op = 0; op <= N_OPS; op++)
		n += f->op_stats[op].unexpected;
	return n + f->lenient;
}

int main(int argc, char **argv)
{
	static struct fuzz fuzz;
	struct fuzz *f = &fuzz;
	unsigned long count = 1000, i;
	uint64_t seed = 0;
	bool seeded = false;
	uid_t uid = 65534;
	int opt, one = 1, rcvbuf = 4 << 20, fds[2];
	struct timeval timeout = { .tv_sec = 20 };
	struct timespec now;

	f->ifname = "burrow0";
	while ((opt = getopt(argc, argv, "s:n:d:m:u:v")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			f->ifname = optarg;
			break;
		case 'm':
			if (!strcmp(optarg, "root"))
				f->mode = MODE_ROOT;
			else if (!strcmp(optarg, "uid"))
				f->mode = MODE_UID;
			else if (!strcmp(optarg, "userns"))
				f->mode = MODE_USERNS;
			else if (!strcmp(optarg, "userns-netns"))
				f->mode = MODE_USERNS_NETNS;
			else
				die("unknown mode '%s'", optarg);
			break;
		case 'u':
			uid = (uid_t)strtoul(optarg, NULL, 0);
			break;
		case 'v':
			f->verbose = true;
			break;
		default:
			fprintf(stderr, "usage: burrow-genl-fuzz [-s SEED] [-n COUNT] [-d IFNAME] "
				"[-m root|uid|userns|userns-netns] [-u UID] [-v]\n");
			return 2;
		}
	}
	if (!seeded) {
		clock_gettime(CLOCK_REALTIME, &now);
		seed = (uint64_t)now.tv_nsec ^ ((uint64_t)now.tv_sec << 20) ^ (uint64_t)getpid();
	}
	f->rng = seed ? seed : 1;
	printf("burrow-genl-fuzz: seed 0x%016" PRIx64 " mode %s count %lu (rerun: -s 0x%016" PRIx64 ")\n",
	       seed, f->mode == MODE_ROOT ? "root" : f->mode == MODE_UID ? "uid" :
	       f->mode == MODE_USERNS ? "userns" : "userns-netns", count, seed);
	fflush(stdout);

	f->privileged = f->mode == MODE_ROOT;
	if (f->mode != MODE_ROOT)
		drop_privileges(uid);
	if (f->mode == MODE_USERNS || f->mode == MODE_USERNS_NETNS) {
		if (!enter_userns(uid, f->mode == MODE_USERNS_NETNS)) {
			printf("SKIP user namespaces are not available\n");
			return 3;
		}
	}
	if (f->mode == MODE_USERNS_NETNS) {
		create_device(f->ifname);
		f->privileged = true;	/* over its own netns */
	}
	f->ifindex = if_nametoindex(f->ifname);
	if (!f->ifindex)
		die("no device %s", f->ifname);

	f->buf = calloc(1, MSG_MAX + 64);
	f->rbuf = calloc(1, RECV_BUF);
	if (!f->buf || !f->rbuf)
		die("out of memory");
	/* Sockets socket-fd may name: a bound UDP socket, TCP, a pipe. */
	f->udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
	f->tcp_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (f->udp_fd >= 0) {
		struct sockaddr_in addr = { .sin_family = AF_INET };

		if (bind(f->udp_fd, (struct sockaddr *)&addr, sizeof(addr)))
			die("bind: %s", strerror(errno));
	}
	f->pipe_fd = pipe(fds) ? -1 : fds[0];

	f->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!f->nl || mnl_socket_bind(f->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink: %s", strerror(errno));
	mnl_socket_setsockopt(f->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(f->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(f->nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(mnl_socket_get_fd(f->nl), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	f->family = resolve_family(f);

	for (i = 0; i < count; i++) {
		if (f->privileged && i % SETUP_EVERY == 0)
			setup_state(f);
		fuzz_one(f);
		if (total_unexpected(f) >= 20) {
			fprintf(stderr, "burrow-genl-fuzz: stopping after 20 unexpected outcomes\n");
			break;
		}
	}
	/* Leave no socket of ours attached: it would pin this netns. */
	if (f->privileged) {
		struct builder b;
		struct nlmsghdr *nlh = begin(f, &b, BURROW_CMD_DEV_SET, 0);

		b_u32(&b, BURROW_A_DEV_IFINDEX, f->ifindex);
		b_flag(&b, BURROW_A_DEV_SOCKET_DETACH);
		setup_request(f, &b, nlh);
	}
	print_stats(f);
	printf("burrow-genl-fuzz: seed 0x%016" PRIx64 " done\n", seed);
	return total_unexpected(f) ? 1 : 0;
}
