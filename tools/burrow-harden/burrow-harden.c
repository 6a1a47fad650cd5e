// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-harden: small reproducers for the kernel hardening tests
 * (selftests/net/harden-*.sh), each doing something burrow-nl cannot:
 * pause a dump half-way, race two attaches of one socket, keep an
 * attached socket open until killed, join the events group by hand, see
 * whether a refused key-new's material was wiped.
 *
 *   burrow-harden gen IFNAME                 print the device generation
 *   burrow-harden bump IFNAME GEN            dev-set until generation == GEN
 *   burrow-harden peer-fill IFNAME ID N B    peer-new ID with N /32 prefixes
 *                                            10.B.x.y (peer-set for the rest)
 *   burrow-harden dump-pause IFNAME B        peer-get dump with a small receive
 *                                            buffer: read one batch, print
 *                                            "paused", wait for a line on
 *                                            stdin, read the rest, print
 *                                            "done prefixes N foreign F intr I
 *                                            error E" (foreign: not a /32 in
 *                                            10.B.0.0/16)
 *   burrow-harden attach-race IF1 IF2 N      N times: attach one fresh socket
 *                                            to both devices at once; print
 *                                            "one N both N none N"
 *   burrow-harden attach-twice IF1 IF2       attach to IF1, then to IF2;
 *                                            print the second result
 *   burrow-harden attach-unbound IFNAME      attach an unbound socket
 *   burrow-harden attach-gro IFNAME          attach a socket with UDP_GRO on
 *   burrow-harden hold-attach IFNAME PORT    attach a socket bound to PORT,
 *                                            print "attached", then sleep
 *   burrow-harden mcast-join                 join the events group; print
 *                                            "ok" or "error ENAME"
 *   burrow-harden key-echo MODE IFNAME       send a key-new that fails (MODE
 *                                            below) with recognizable key
 *                                            material, NETLINK_CAP_ACK off, and
 *                                            look for that material in the
 *                                            request the error ACK echoes:
 *                                            print "error ENAME wiped" or
 *                                            "error ENAME leaked" ("installed"
 *                                            if it succeeded, "no-echo" if the
 *                                            ACK carries no full request)
 *
 * key-echo MODEs: unknown-dev (an ifname that does not exist; IFNAME is
 * not used), unknown-peer (peer-id 77), bad-key-len (a 33-byte
 * encrypt-key), ifindex-zero (ifindex 0: a top-level policy error),
 * long-ifname (an ifname of 20 bytes), two-keyconfs (a complete keyconf
 * followed by a second one naming peer 77), valid (peer 1, slot 1: for an
 * unprivileged caller, who gets EPERM).
 *
 * Results are printed as "error ENAME" with the errno's name. Exit status:
 * 0 when the command ran (whatever the kernel answered), 1 on usage or
 * local errors.
 */

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "linux/burrow.h"

#define BUF_SIZE (1 << 16)

struct nl {
	struct mnl_socket *sock;
	uint16_t family;
	uint32_t events_group;
	uint32_t seq;
};

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static const char *errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "E?";
}

static int ctrl_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl *nl = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID)
		nl->family = mnl_attr_get_u16(attr);
	if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GROUPS) {
		const struct nlattr *group, *field;

		mnl_attr_for_each_nested(group, attr) {
			const char *name = NULL;
			uint32_t id = 0;

			mnl_attr_for_each_nested(field, group) {
				if (mnl_attr_get_type(field) == CTRL_ATTR_MCAST_GRP_NAME)
					name = mnl_attr_get_str(field);
				if (mnl_attr_get_type(field) == CTRL_ATTR_MCAST_GRP_ID)
					id = mnl_attr_get_u32(field);
			}
			if (name && strcmp(name, BURROW_MCGRP_EVENTS) == 0)
				nl->events_group = id;
		}
	}
	return MNL_CB_OK;
}

static int ctrl_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), ctrl_attr_cb, data);
	return MNL_CB_OK;
}

static struct nlmsghdr *msg_begin(struct nl *nl, char *buf, uint16_t type, uint8_t cmd,
				  uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

/* Send and read until the ACK: 0 or a negative errno. */
static int talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[BUF_SIZE];	/* per thread: attach-race talks from two */
	int ret;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		die("sendto");
	do {
		ret = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run(buf, ret, nlh->nlmsg_seq, mnl_socket_get_portid(nl->sock), cb,
				 data);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

static struct nl *nl_open(void)
{
	char buf[512];
	struct nlmsghdr *nlh;
	struct nl *nl;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		die("calloc");
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket");
	nlh = msg_begin(nl, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, BURROW_FAMILY_NAME);
	if (talk(nl, nlh, ctrl_cb, nl) || !nl->family) {
		fprintf(stderr, "burrow-harden: no 'burrow' family\n");
		exit(1);
	}
	return nl;
}

static struct nlmsghdr *burrow_begin(struct nl *nl, char *buf, uint8_t cmd, uint16_t flags,
				     const char *ifname)
{
	struct nlmsghdr *nlh = msg_begin(nl, buf, nl->family, cmd, BURROW_FAMILY_VERSION, flags);

	mnl_attr_put_strz(nlh, BURROW_A_DEV_IFNAME, ifname);
	return nlh;
}

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(attr) == BURROW_A_DEV_GENERATION)
			*(uint32_t *)data = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int dev_generation(struct nl *nl, const char *ifname, uint32_t *gen)
{
	char buf[512];

	return talk(nl, burrow_begin(nl, buf, BURROW_CMD_DEV_GET, NLM_F_ACK, ifname), gen_cb,
		    gen);
}

static int cmd_gen(const char *ifname)
{
	struct nl *nl = nl_open();
	uint32_t gen = 0;
	int ret = dev_generation(nl, ifname, &gen);

	if (ret)
		printf("error %s\n", errname(-ret));
	else
		printf("%u\n", gen);
	return 0;
}

static int cmd_bump(const char *ifname, uint32_t target)
{
	struct nl *nl = nl_open();
	struct nlmsghdr *nlh;
	char buf[512];
	uint32_t gen;
	int ret;

	for (;;) {
		ret = dev_generation(nl, ifname, &gen);
		if (ret || gen >= target)
			break;
		nlh = burrow_begin(nl, buf, BURROW_CMD_DEV_SET, NLM_F_ACK, ifname);
		mnl_attr_put_u16(nlh, BURROW_A_DEV_DEFAULT_KEEPALIVE, 0);
		ret = talk(nl, nlh, NULL, NULL);
		if (ret)
			break;
	}
	if (ret)
		printf("error %s\n", errname(-ret));
	else
		printf("generation %u\n", gen);
	return 0;
}

static int cmd_peer_fill(const char *ifname, uint32_t id, unsigned int count, unsigned int b)
{
	static char buf[BUF_SIZE];
	struct nl *nl = nl_open();
	struct nlattr *peer, *prefix;
	struct nlmsghdr *nlh;
	unsigned int i = 0, chunk;
	bool first = true;
	int ret = 0;

	while (first || i < count) {
		nlh = burrow_begin(nl, buf, first ? BURROW_CMD_PEER_NEW : BURROW_CMD_PEER_SET,
				   NLM_F_ACK, ifname);
		peer = mnl_attr_nest_start(nlh, BURROW_A_DEV_PEER);
		mnl_attr_put_u32(nlh, BURROW_A_PEER_ID, id);
		for (chunk = 0; chunk < 1000 && i < count; chunk++, i++) {
			uint8_t addr[4] = { 10, b, i >> 8, i & 0xff };

			prefix = mnl_attr_nest_start(nlh, BURROW_A_PEER_ALLOWED_IP);
			mnl_attr_put_u16(nlh, BURROW_A_ALLOWED_IP_FAMILY, AF_INET);
			mnl_attr_put(nlh, BURROW_A_ALLOWED_IP_ADDRESS, sizeof(addr), addr);
			mnl_attr_put_u8(nlh, BURROW_A_ALLOWED_IP_PREFIX_LEN, 32);
			mnl_attr_nest_end(nlh, prefix);
		}
		mnl_attr_nest_end(nlh, peer);
		ret = talk(nl, nlh, NULL, NULL);
		if (ret)
			break;
		first = false;
	}
	if (ret)
		printf("error %s\n", errname(-ret));
	else
		printf("ok\n");
	return 0;
}

struct dump_count {
	unsigned int messages;
	unsigned int prefixes;
	unsigned int foreign;	/* not an IPv4 /32 in 10.B.0.0/16 */
	unsigned int intr;
	unsigned int b;
};

static bool prefix_foreign(const struct nlattr *prefix, unsigned int b)
{
	const struct nlattr *attr;
	bool v4 = false, mine = false, host = false;

	mnl_attr_for_each_nested(attr, prefix) {
		switch (mnl_attr_get_type(attr)) {
		case BURROW_A_ALLOWED_IP_FAMILY:
			v4 = mnl_attr_get_u16(attr) == AF_INET;
			break;
		case BURROW_A_ALLOWED_IP_ADDRESS:
			mine = mnl_attr_get_payload_len(attr) == 4 &&
			       ((uint8_t *)mnl_attr_get_payload(attr))[0] == 10 &&
			       ((uint8_t *)mnl_attr_get_payload(attr))[1] == b;
			break;
		case BURROW_A_ALLOWED_IP_PREFIX_LEN:
			host = mnl_attr_get_u8(attr) == 32;
			break;
		}
	}
	return !(v4 && mine && host);
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_count *count = data;
	const struct nlattr *attr, *inner;

	count->messages++;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		count->intr++;
	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != BURROW_A_DEV_PEER)
			continue;
		mnl_attr_for_each_nested(inner, attr)
			if (mnl_attr_get_type(inner) == BURROW_A_PEER_ALLOWED_IP) {
				count->prefixes++;
				count->foreign += prefix_foreign(inner, count->b);
			}
	}
	return MNL_CB_OK;
}

/* libmnl's own NLMSG_DONE handler ignores the error a dump ended with. */
static int dump_done_cb(const struct nlmsghdr *nlh, void *data)
{
	int err = 0;

	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err < 0) {
		errno = -err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int dump_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	(void)data;
	if (err->error) {
		errno = -err->error;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static mnl_cb_t dump_ctl[NLMSG_DONE + 1] = {
	[NLMSG_ERROR] = dump_error_cb,
	[NLMSG_DONE] = dump_done_cb,
};

/* Read one recv() worth of a dump: 1 more to come, 0 done, or -errno. */
static int dump_read(struct nl *nl, uint32_t seq, struct dump_count *count)
{
	static char buf[BUF_SIZE];
	int ret;

	ret = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
	if (ret < 0)
		return -errno;
	ret = mnl_cb_run2(buf, ret, seq, mnl_socket_get_portid(nl->sock), dump_cb, count,
			  dump_ctl, NLMSG_DONE + 1);
	if (ret < 0)
		return -errno;
	return ret == MNL_CB_STOP ? 0 : 1;
}

static int cmd_dump_pause(const char *ifname, unsigned int b)
{
	struct dump_count first = { .b = b }, rest = { .b = b };
	struct nl *nl = nl_open();
	int rcvbuf = 4096, ret;
	struct nlmsghdr *nlh;
	char buf[512], line[64];

	/* A small buffer: the kernel stops after the first message or so. */
	if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		die("SO_RCVBUF");
	nlh = burrow_begin(nl, buf, BURROW_CMD_PEER_GET, NLM_F_DUMP, ifname);
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		die("sendto");
	ret = dump_read(nl, nlh->nlmsg_seq, &first);
	printf("paused messages %u prefixes %u result %s\n", first.messages, first.prefixes,
	       ret < 0 ? errname(-ret) : ret ? "more" : "done");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	/* A dump that never ends (a stale cursor walking a foreign list) is capped. */
	while (ret == 1 && rest.messages < 100000)
		ret = dump_read(nl, nlh->nlmsg_seq, &rest);
	printf("done prefixes %u foreign %u intr %u error %s\n", first.prefixes + rest.prefixes,
	       first.foreign + rest.foreign, rest.intr,
	       ret < 0 ? errname(-ret) : ret ? "endless" : "none");
	return 0;
}

static int udp_socket_bound(uint16_t port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);

	if (fd < 0)
		die("socket");
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("bind");
	return fd;
}

static int attach(struct nl *nl, const char *ifname, int fd)
{
	struct nlmsghdr *nlh;
	char buf[512];

	nlh = burrow_begin(nl, buf, BURROW_CMD_DEV_SET, NLM_F_ACK, ifname);
	if (fd < 0)
		mnl_attr_put(nlh, BURROW_A_DEV_SOCKET_DETACH, 0, NULL);
	else
		mnl_attr_put_u32(nlh, BURROW_A_DEV_SOCKET_FD, fd);
	return talk(nl, nlh, NULL, NULL);
}

struct racer {
	struct nl *nl;
	const char *ifname;
	pthread_barrier_t *barrier;
	int fd;
	int result;
};

static void *racer_run(void *data)
{
	struct racer *racer = data;

	pthread_barrier_wait(racer->barrier);
	racer->result = attach(racer->nl, racer->ifname, racer->fd);
	return NULL;
}

static int cmd_attach_race(const char *if1, const char *if2, unsigned int rounds)
{
	unsigned int one = 0, both = 0, none = 0, round;
	struct racer racers[2] = {
		{ .nl = nl_open(), .ifname = if1 },
		{ .nl = nl_open(), .ifname = if2 },
	};
	pthread_barrier_t barrier;
	pthread_t threads[2];
	int i, fd, old[2];

	pthread_barrier_init(&barrier, NULL, 2);
	for (round = 0; round < rounds; round++) {
		/*
		 * Each device starts the round with a socket of its own, so
		 * every attach in the race also replaces (detaches) one: that
		 * made the old check-then-claim window a grace period wide.
		 */
		for (i = 0; i < 2; i++) {
			old[i] = udp_socket_bound(0);
			if (attach(racers[i].nl, racers[i].ifname, old[i])) {
				printf("error initial attach\n");
				return 0;
			}
		}
		fd = udp_socket_bound(0);
		for (i = 0; i < 2; i++) {
			racers[i].fd = fd;
			racers[i].barrier = &barrier;
			pthread_create(&threads[i], NULL, racer_run, &racers[i]);
		}
		for (i = 0; i < 2; i++)
			pthread_join(threads[i], NULL);
		if (!racers[0].result && !racers[1].result)
			both++;
		else if (!racers[0].result || !racers[1].result)
			one++;
		else
			none++;
		for (i = 0; i < 2; i++)
			if (racers[i].result && racers[i].result != -EBUSY)
				printf("unexpected %s\n", errname(-racers[i].result));
		for (i = 0; i < 2; i++) {
			attach(racers[i].nl, racers[i].ifname, -1);
			close(old[i]);
		}
		close(fd);
	}
	printf("one %u both %u none %u\n", one, both, none);
	return 0;
}

static int cmd_attach_twice(const char *if1, const char *if2)
{
	struct nl *nl = nl_open();
	int fd = udp_socket_bound(0), ret;

	ret = attach(nl, if1, fd);
	if (ret) {
		printf("first error %s\n", errname(-ret));
		return 0;
	}
	ret = attach(nl, if2, fd);
	printf("second %s\n", ret ? errname(-ret) : "ok");
	attach(nl, if1, -1);
	attach(nl, if2, -1);
	return 0;
}

/* An unbound socket, or (gro) a bound one with UDP_GRO on: both refused. */
static int cmd_attach_unsuitable(const char *ifname, bool gro)
{
	struct nl *nl = nl_open();
	int fd, ret, on = 1;

	if (gro) {
		fd = udp_socket_bound(0);
		if (setsockopt(fd, IPPROTO_UDP, 104 /* UDP_GRO */, &on, sizeof(on)) < 0)
			die("UDP_GRO");
	} else {
		fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
		if (fd < 0)
			die("socket");
	}
	ret = attach(nl, ifname, fd);
	printf("%s\n", ret ? errname(-ret) : "ok");
	if (!ret)
		attach(nl, ifname, -1);
	return 0;
}

static int cmd_hold_attach(const char *ifname, uint16_t port)
{
	struct nl *nl = nl_open();
	int fd = udp_socket_bound(port), ret;

	ret = attach(nl, ifname, fd);
	if (ret) {
		printf("error %s\n", errname(-ret));
		return 0;
	}
	printf("attached\n");
	fflush(stdout);
	for (;;)
		pause();
}

static int cmd_mcast_join(void)
{
	struct nl *nl = nl_open();
	int group;

	if (!nl->events_group) {
		printf("error no-group\n");
		return 0;
	}
	group = nl->events_group;
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
		printf("error %s\n", errname(errno));
	else
		printf("ok\n");
	return 0;
}

/*
 * key-echo: the kernel's error ACK carries the whole request (unless the
 * socket set NETLINK_CAP_ACK), copied from the request skb after the
 * handler ran, so it shows whether the key material was wiped there.
 */
#define ECHO_ENCRYPT_KEY 0xa5
#define ECHO_ENCRYPT_IV 0xa6
#define ECHO_DECRYPT_KEY 0x5a
#define ECHO_DECRYPT_IV 0x6a

static void put_echo_keyconf(struct nlmsghdr *nlh, uint32_t peer_id, unsigned int key_len)
{
	uint8_t buf[33];
	struct nlattr *nest = mnl_attr_nest_start(nlh, BURROW_A_DEV_KEYCONF);

	mnl_attr_put_u32(nlh, BURROW_A_KEYCONF_PEER_ID, peer_id);
	mnl_attr_put_u8(nlh, BURROW_A_KEYCONF_SLOT, 1);
	mnl_attr_put_u8(nlh, BURROW_A_KEYCONF_KEY_ID, 5);
	mnl_attr_put_u8(nlh, BURROW_A_KEYCONF_CIPHER, BURROW_CIPHER_CHACHA20_POLY1305);
	memset(buf, ECHO_ENCRYPT_KEY, sizeof(buf));
	mnl_attr_put(nlh, BURROW_A_KEYCONF_ENCRYPT_KEY, key_len, buf);
	memset(buf, ECHO_ENCRYPT_IV, sizeof(buf));
	mnl_attr_put(nlh, BURROW_A_KEYCONF_ENCRYPT_IV, 12, buf);
	memset(buf, ECHO_DECRYPT_KEY, sizeof(buf));
	mnl_attr_put(nlh, BURROW_A_KEYCONF_DECRYPT_KEY, 32, buf);
	memset(buf, ECHO_DECRYPT_IV, sizeof(buf));
	mnl_attr_put(nlh, BURROW_A_KEYCONF_DECRYPT_IV, 12, buf);
	mnl_attr_nest_end(nlh, nest);
}

/* Any 12-byte run of one of the four fill bytes: a key or an IV. */
static bool has_key_material(const uint8_t *data, size_t len)
{
	static const uint8_t fills[] = { ECHO_ENCRYPT_KEY, ECHO_ENCRYPT_IV, ECHO_DECRYPT_KEY,
					 ECHO_DECRYPT_IV };
	uint8_t run[12];
	unsigned int i;

	for (i = 0; i < sizeof(fills); i++) {
		memset(run, fills[i], sizeof(run));
		if (memmem(data, len, run, sizeof(run)))
			return true;
	}
	return false;
}

static int cmd_key_echo(const char *mode, const char *ifname)
{
	struct nl *nl = nl_open();
	char buf[4096], reply[BUF_SIZE];
	const struct nlmsgerr *err;
	const struct nlmsghdr *r;
	struct nlmsghdr *nlh;
	int off = 0, len;

	if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_NETLINK, NETLINK_CAP_ACK, &off,
		       sizeof(off)) < 0)
		die("NETLINK_CAP_ACK");
	nlh = msg_begin(nl, buf, nl->family, BURROW_CMD_KEY_NEW, BURROW_FAMILY_VERSION, NLM_F_ACK);
	if (!strcmp(mode, "unknown-dev")) {
		mnl_attr_put_strz(nlh, BURROW_A_DEV_IFNAME, "nokey0");
		put_echo_keyconf(nlh, 1, 32);
	} else if (!strcmp(mode, "unknown-peer")) {
		mnl_attr_put_strz(nlh, BURROW_A_DEV_IFNAME, ifname);
		put_echo_keyconf(nlh, 77, 32);
	} else if (!strcmp(mode, "bad-key-len")) {
		mnl_attr_put_strz(nlh, BURROW_A_DEV_IFNAME, ifname);
		put_echo_keyconf(nlh, 1, 33);
	} else if (!strcmp(mode, "ifindex-zero")) {
		mnl_attr_put_u32(nlh, BURROW_A_DEV_IFINDEX, 0);
		put_echo_keyconf(nlh, 1, 32);
	} else if (!strcmp(mode, "long-ifname")) {
		mnl_attr_put_strz(nlh, BURROW_A_DEV_IFNAME, "burrow0burrow0burro");
		put_echo_keyconf(nlh, 1, 32);
	} else if (!strcmp(mode, "two-keyconfs")) {
		struct nlattr *nest;

		mnl_attr_put_strz(nlh, BURROW_A_DEV_IFNAME, ifname);
		put_echo_keyconf(nlh, 1, 32);
		nest = mnl_attr_nest_start(nlh, BURROW_A_DEV_KEYCONF);
		mnl_attr_put_u32(nlh, BURROW_A_KEYCONF_PEER_ID, 77);
		mnl_attr_put_u8(nlh, BURROW_A_KEYCONF_SLOT, 1);
		mnl_attr_nest_end(nlh, nest);
	} else if (!strcmp(mode, "valid")) {
		mnl_attr_put_strz(nlh, BURROW_A_DEV_IFNAME, ifname);
		put_echo_keyconf(nlh, 1, 32);
	} else {
		fprintf(stderr, "burrow-harden: unknown key-echo mode '%s'\n", mode);
		return 1;
	}
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		die("sendto");
	len = (int)mnl_socket_recvfrom(nl->sock, reply, sizeof(reply));
	if (len < 0)
		die("recvfrom");
	r = (const struct nlmsghdr *)reply;
	if (!mnl_nlmsg_ok(r, len) || r->nlmsg_type != NLMSG_ERROR ||
	    r->nlmsg_len < NLMSG_LENGTH(sizeof(*err))) {
		fprintf(stderr, "burrow-harden: no error ACK\n");
		return 1;
	}
	err = mnl_nlmsg_get_payload(r);
	if (!err->error) {
		printf("installed\n");
		return 0;
	}
	/* The echo: struct nlmsgerr's header copy, then the rest of the request. */
	if (err->msg.nlmsg_len != nlh->nlmsg_len ||
	    r->nlmsg_len < NLMSG_LENGTH(sizeof(int)) + nlh->nlmsg_len) {
		printf("error %s no-echo\n", errname(-err->error));
		return 0;
	}
	printf("error %s %s\n", errname(-err->error),
	       has_key_material((const uint8_t *)&err->msg, nlh->nlmsg_len) ? "leaked" : "wiped");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "gen"))
		return cmd_gen(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "bump"))
		return cmd_bump(argv[2], strtoul(argv[3], NULL, 10));
	if (argc == 6 && !strcmp(argv[1], "peer-fill"))
		return cmd_peer_fill(argv[2], strtoul(argv[3], NULL, 10),
				     strtoul(argv[4], NULL, 10), strtoul(argv[5], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "dump-pause"))
		return cmd_dump_pause(argv[2], strtoul(argv[3], NULL, 10));
	if (argc == 5 && !strcmp(argv[1], "attach-race"))
		return cmd_attach_race(argv[2], argv[3], strtoul(argv[4], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "attach-twice"))
		return cmd_attach_twice(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "attach-unbound"))
		return cmd_attach_unsuitable(argv[2], false);
	if (argc == 3 && !strcmp(argv[1], "attach-gro"))
		return cmd_attach_unsuitable(argv[2], true);
	if (argc == 4 && !strcmp(argv[1], "hold-attach"))
		return cmd_hold_attach(argv[2], strtoul(argv[3], NULL, 10));
	if (argc == 2 && !strcmp(argv[1], "mcast-join"))
		return cmd_mcast_join();
	if (argc == 4 && !strcmp(argv[1], "key-echo"))
		return cmd_key_echo(argv[2], argv[3]);
	fprintf(stderr, "usage: see the comment at the top of burrow-harden.c\n");
	return 1;
}
