// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-pkt-fuzz: malformed datagrams for a live burrow tunnel, and the
 * userspace end of the device's socket that counts what the kernel leaves
 * to it.
 *
 *   burrow-pkt-fuzz send -t ADDR -p PORT -e udp|quic -n COUNT [-s SEED]
 *                        [-i RECEIVER_ID] [-k KEY_ID] [-c CID_HEX] [-m MAX_LEN]
 *   burrow-pkt-fuzz drain DEV PORT
 *
 * send: COUNT datagrams to ADDR:PORT with sendmmsg, built from mutations of
 * headers that look valid to the receiver (its receiver id and key id for
 * udp, its local CID for quic) and of the other encapsulation's shapes:
 * garbage ciphertext, unknown ids, truncations at every length, bit flips,
 * reserved bits, wrong types, random lengths up to MAX_LEN (default 65507,
 * the largest IPv4 UDP payload) and plain random bytes. None can pass
 * authentication: each must end in a drop counter or in rx_to_userspace.
 * Prints the seed, the count per mutation and "sent N" (N exactly the
 * datagrams the kernel accepted for sending).
 *
 * drain: detaches DEV's socket and attaches its own, bound to PORT
 * (dual-stack, a large receive buffer), prints "ready", then reads every
 * datagram the kernel leaves to userspace until SIGTERM or SIGINT, and
 * prints "drained N".
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "burrow-nl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BATCH 32
#define UDP_MAX 65507
#define UDP_HDR 16	/* type, key id, reserved (2), receiver id (4), counter (8) */
#define TAG 16
#define CID_MAX 20

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static void fill_random(uint8_t *p, size_t len)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t v = rnd();

		memcpy(p + i, &v, 8);
	}
	for (; i < len; i++)
		p[i] = (uint8_t)rnd();
}

struct target {
	uint32_t receiver_id;
	uint8_t key_id;
	uint8_t cid[CID_MAX];
	size_t cid_len;
	size_t max_len;
};

/* Mutations; the names are printed with their counts. */
enum mutation {
	M_UDP_GARBAGE,		/* valid udp header, garbage ciphertext */
	M_UDP_UNKNOWN_ID,	/* receiver id of no peer */
	M_UDP_UNKNOWN_KEY,	/* key id of neither slot */
	M_UDP_TRUNCATED,	/* valid header cut short: 0..31 bytes */
	M_UDP_RESERVED,		/* reserved bits set */
	M_UDP_WRONG_TYPE,	/* a type that is not data */
	M_UDP_BITFLIP,		/* valid header and body, a few bits flipped */
	M_QUIC_GARBAGE,		/* short header for the local CID, garbage after */
	M_QUIC_TRUNCATED,	/* the same, too short for the sample */
	M_QUIC_UNKNOWN_CID,	/* short header for a CID of no peer */
	M_QUIC_LONG,		/* long header */
	M_QUIC_BITFLIP,
	M_RANDOM,		/* random bytes */
	M_HUGE,			/* a valid-looking header and a random length up to max_len */
	M_MAX
};

static const char *const mutation_names[M_MAX] = {
	"udp-garbage", "udp-unknown-id", "udp-unknown-key", "udp-truncated", "udp-reserved",
	"udp-wrong-type", "udp-bitflip", "quic-garbage", "quic-truncated", "quic-unknown-cid",
	"quic-long", "quic-bitflip", "random", "huge",
};

/* A body length: mostly small, sometimes a full MTU. */
static size_t body_len(void)
{
	return below(4) ? below(200) : below(1400);
}

static size_t udp_header(uint8_t *p, const struct target *t, uint32_t receiver_id, uint8_t key_id)
{
	uint32_t id = htonl(receiver_id);
	uint64_t counter = rnd();

	p[0] = 1;
	p[1] = key_id;
	p[2] = 0;
	p[3] = 0;
	memcpy(p + 4, &id, 4);
	/* Counters near zero, random, or the top of the space. */
	if (!below(3))
		counter = below(20000);
	memcpy(p + 8, &counter, 8);
	(void)t;
	return UDP_HDR;
}

static size_t quic_header(uint8_t *p, const struct target *t, bool own_cid)
{
	p[0] = (uint8_t)(0x40 | below(0x40));	/* fixed bit, short header, any low bits */
	if (own_cid)
		memcpy(p + 1, t->cid, t->cid_len);
	else
		fill_random(p + 1, t->cid_len);
	return 1 + t->cid_len;
}

static void flip_bits(uint8_t *p, size_t len, size_t within)
{
	unsigned int i, n = 1 + below(8);

	if (!len)
		return;
	if (within > len)
		within = len;
	for (i = 0; i < n; i++)
		p[below((uint32_t)within)] ^= (uint8_t)(1u << below(8));
}

/* Build one datagram into p; returns its length. */
static size_t build(uint8_t *p, const struct target *t, enum mutation m)
{
	size_t len, min;
	uint32_t id;
	uint8_t key;

	switch (m) {
	case M_UDP_GARBAGE:
		len = udp_header(p, t, t->receiver_id, t->key_id) + TAG + body_len();
		break;
	case M_UDP_UNKNOWN_ID:
		do
			id = (uint32_t)rnd();
		while (id == t->receiver_id);
		len = udp_header(p, t, id, t->key_id) + TAG + body_len();
		break;
	case M_UDP_UNKNOWN_KEY:
		do
			key = (uint8_t)rnd();
		while (key == t->key_id);
		len = udp_header(p, t, t->receiver_id, key) + TAG + body_len();
		break;
	case M_UDP_TRUNCATED:
		udp_header(p, t, t->receiver_id, t->key_id);
		fill_random(p + UDP_HDR, TAG);
		return below(UDP_HDR + TAG);
	case M_UDP_RESERVED:
		len = udp_header(p, t, t->receiver_id, t->key_id) + TAG + body_len();
		fill_random(p + UDP_HDR, len - UDP_HDR);
		do
			p[2 + below(2)] = (uint8_t)rnd();
		while (!p[2] && !p[3]);
		return len;
	case M_UDP_WRONG_TYPE:
		len = udp_header(p, t, t->receiver_id, t->key_id) + TAG + body_len();
		fill_random(p + UDP_HDR, len - UDP_HDR);
		do
			p[0] = (uint8_t)(rnd() & 0xbf);	/* 0x40 clear: still the udp path */
		while (p[0] == 1);
		return len;
	case M_UDP_BITFLIP:
		len = udp_header(p, t, t->receiver_id, t->key_id) + TAG + body_len();
		fill_random(p + UDP_HDR, len - UDP_HDR);
		flip_bits(p, len, UDP_HDR + 4);
		return len;
	case M_QUIC_GARBAGE:
		min = 1 + t->cid_len + 4 + 16;
		len = quic_header(p, t, true);
		len = min + body_len();
		break;
	case M_QUIC_TRUNCATED:
		min = 1 + t->cid_len + 4 + 16;
		quic_header(p, t, true);
		fill_random(p + 1 + t->cid_len, min);
		/* Long enough to carry the CID, too short for the sample. */
		return 1 + t->cid_len + below((uint32_t)(min - 1 - t->cid_len));
	case M_QUIC_UNKNOWN_CID:
		len = quic_header(p, t, false) + 4 + TAG + body_len();
		break;
	case M_QUIC_LONG:
		len = 1 + below(1200);
		fill_random(p, len);
		p[0] |= 0xc0;
		return len;
	case M_QUIC_BITFLIP:
		len = quic_header(p, t, true) + 4 + TAG + body_len();
		fill_random(p + 1 + t->cid_len, len - 1 - t->cid_len);
		flip_bits(p, len, 1 + t->cid_len + 4);
		return len;
	case M_HUGE:
		len = below(2) ? udp_header(p, t, t->receiver_id, t->key_id) :
			quic_header(p, t, true);
		len = len + below((uint32_t)(t->max_len - len + 1));
		if (len > t->max_len)
			len = t->max_len;
		fill_random(p + (len > UDP_HDR ? UDP_HDR : len),
			    len > UDP_HDR ? len - UDP_HDR : 0);
		return len;
	case M_RANDOM:
	default:
		len = below(3) ? below(100) : below(1500);
		fill_random(p, len);
		return len;
	}
	/* Garbage after the header that was built. */
	if (m == M_QUIC_GARBAGE || m == M_QUIC_UNKNOWN_CID)
		fill_random(p + 1 + t->cid_len, len - 1 - t->cid_len);
	else
		fill_random(p + UDP_HDR, len - UDP_HDR);
	return len;
}

/* Pick a mutation: the encapsulation under test gets most of them. */
static enum mutation pick(bool quic)
{
	static const enum mutation udp_mix[] = {
		M_UDP_GARBAGE, M_UDP_GARBAGE, M_UDP_GARBAGE, M_UDP_UNKNOWN_ID, M_UDP_UNKNOWN_KEY,
		M_UDP_TRUNCATED, M_UDP_TRUNCATED, M_UDP_RESERVED, M_UDP_WRONG_TYPE,
		M_UDP_BITFLIP, M_UDP_BITFLIP,
	};
	static const enum mutation quic_mix[] = {
		M_QUIC_GARBAGE, M_QUIC_GARBAGE, M_QUIC_GARBAGE, M_QUIC_TRUNCATED,
		M_QUIC_TRUNCATED, M_QUIC_UNKNOWN_CID, M_QUIC_LONG, M_QUIC_BITFLIP, M_QUIC_BITFLIP,
	};
	uint32_t r = below(1000);

	if (r < 3)
		return M_HUGE;
	if (r < 60)
		return M_RANDOM;
	if (r < 200)	/* the other encapsulation's shapes */
		quic = !quic;
	return quic ? quic_mix[below(ARRAY_SIZE(quic_mix))] :
		udp_mix[below(ARRAY_SIZE(udp_mix))];
}

static int parse_hex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex), i;

	if (n % 2 || n / 2 > max || !n)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned int byte;

		if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
			return -1;
		out[i] = (uint8_t)byte;
	}
	return (int)(n / 2);
}

static int cmd_send(int argc, char **argv)
{
	struct target t = { .receiver_id = 1, .key_id = 1, .cid_len = 8, .max_len = UDP_MAX };
	struct sockaddr_storage dst = { 0 };
	socklen_t dst_len;
	unsigned long count = 1000, sent = 0, counts[M_MAX] = { 0 };
	uint64_t seed = 0;
	bool seeded = false, quic = false;
	const char *addr = NULL;
	unsigned int port = 0, m;
	int opt, fd, sndbuf = 8 << 20, n;
	static uint8_t bufs[BATCH][UDP_MAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct timespec now;

	memset(t.cid, 0xc2, sizeof(t.cid));
	while ((opt = getopt(argc, argv, "t:p:e:n:s:i:k:c:m:")) != -1) {
		switch (opt) {
		case 't':
			addr = optarg;
			break;
		case 'p':
			port = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'e':
			if (strcmp(optarg, "udp") && strcmp(optarg, "quic"))
				goto usage;
			quic = !strcmp(optarg, "quic");
			break;
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'i':
			t.receiver_id = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'k':
			t.key_id = (uint8_t)strtoul(optarg, NULL, 0);
			break;
		case 'c':
			n = parse_hex(optarg, t.cid, sizeof(t.cid));
			if (n < 0)
				goto usage;
			t.cid_len = (size_t)n;
			break;
		case 'm':
			t.max_len = strtoul(optarg, NULL, 0);
			if (t.max_len < 64 || t.max_len > UDP_MAX)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (!addr || !port || port > 65535)
		goto usage;
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&dst)->sin_addr) == 1) {
		((struct sockaddr_in *)&dst)->sin_family = AF_INET;
		((struct sockaddr_in *)&dst)->sin_port = htons((uint16_t)port);
		dst_len = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&dst)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&dst)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&dst)->sin6_port = htons((uint16_t)port);
		dst_len = sizeof(struct sockaddr_in6);
	} else {
		goto usage;
	}
	if (!seeded) {
		clock_gettime(CLOCK_REALTIME, &now);
		seed = (uint64_t)now.tv_nsec ^ ((uint64_t)now.tv_sec << 20) ^ (uint64_t)getpid();
	}
	rng = seed ? seed : 1;
	printf("burrow-pkt-fuzz: seed 0x%016" PRIx64 " encap %s count %lu\n", seed,
	       quic ? "quic" : "udp", count);
	fflush(stdout);

	fd = socket(dst.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("burrow-pkt-fuzz: socket");
		return 2;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));

	while (sent < count) {
		unsigned int batch = count - sent < BATCH ? (unsigned int)(count - sent) : BATCH, i;
		enum mutation kinds[BATCH];
		int done;

		for (i = 0; i < batch; i++) {
			kinds[i] = pick(quic);
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = build(bufs[i], &t, kinds[i]);
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_name = &dst;
			msgs[i].msg_hdr.msg_namelen = dst_len;
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		/* Resend what was not taken: every datagram counted was accepted. */
		for (i = 0; i < batch; i += (unsigned int)done) {
			done = sendmmsg(fd, msgs + i, batch - i, 0);
			if (done < 0) {
				if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN) {
					done = 0;
					continue;
				}
				fprintf(stderr, "burrow-pkt-fuzz: sendmmsg (%zu bytes): %s\n",
					iov[i].iov_len, strerror(errno));
				return 2;
			}
			for (int j = 0; j < done; j++)
				counts[kinds[i + (unsigned int)j]]++;
		}
		sent += batch;
	}
	for (m = 0; m < M_MAX; m++)
		printf("# %-18s %lu\n", mutation_names[m], counts[m]);
	printf("sent %lu\n", sent);
	close(fd);
	return 0;

usage:
	fprintf(stderr, "usage: burrow-pkt-fuzz send -t ADDR -p PORT -e udp|quic -n COUNT [-s SEED] "
		"[-i RECEIVER_ID] [-k KEY_ID] [-c CID_HEX] [-m MAX_LEN]\n");
	return 2;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int open_socket(unsigned int port)
{
	struct sockaddr_in6 addr = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	struct timespec pause = { .tv_nsec = 20 * 1000 * 1000 };
	int fd, off = 0, attempt, rcvbuf = 64 << 20;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP);
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0) {
		perror("burrow-pkt-fuzz: socket");
		return -1;
	}
	/* Room for a burst: a datagram dropped for want of buffer is still counted. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	/* The detached socket lets go of the port once the kernel drops it. */
	for (attempt = 0; attempt < 100; attempt++) {
		if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
			return fd;
		if (errno != EADDRINUSE)
			break;
		nanosleep(&pause, NULL);
	}
	fprintf(stderr, "burrow-pkt-fuzz: cannot bind port %u: %s\n", port, strerror(errno));
	close(fd);
	return -1;
}

static unsigned long drain_ready(int fd)
{
	static uint8_t bufs[BATCH][2048];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned long total = 0;
	int i, n;

	for (;;) {
		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);	/* longer ones are truncated: counted all the same */
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return total;
		total += (unsigned long)n;
	}
}

static int cmd_drain(int argc, char **argv)
{
	struct burrow_nl_dev_settings settings = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long received = 0;
	struct burrow_nl *nl;
	unsigned int port;
	int fd;

	if (argc != 3 || sscanf(argv[2], "%u", &port) != 1 || !port || port > 65535) {
		fprintf(stderr, "usage: burrow-pkt-fuzz drain DEV PORT\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (burrow_nl_open(&nl)) {
		fprintf(stderr, "burrow-pkt-fuzz: cannot open the burrow family\n");
		return 2;
	}
	settings.dev.ifname = argv[1];
	settings.socket_detach = true;
	if (burrow_nl_dev_set(nl, &settings)) {
		fprintf(stderr, "burrow-pkt-fuzz: detach: %s\n", burrow_nl_last_error(nl));
		return 2;
	}
	fd = open_socket(port);
	if (fd < 0)
		return 2;
	settings.socket_detach = false;
	settings.socket_fd_set = true;
	settings.socket_fd = fd;
	if (burrow_nl_dev_set(nl, &settings)) {
		fprintf(stderr, "burrow-pkt-fuzz: attach: %s\n", burrow_nl_last_error(nl));
		return 2;
	}
	burrow_nl_close(nl);
	printf("ready\n");
	fflush(stdout);

	while (!stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 100) > 0)
			received += drain_ready(fd);
	}
	received += drain_ready(fd);
	printf("drained %lu\n", received);
	fflush(stdout);
	/* The socket stays open until exit: the device may rely on it (docs/security.md). */
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "send"))
		return cmd_send(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "drain"))
		return cmd_drain(argc - 1, argv + 1);
	fprintf(stderr, "usage: burrow-pkt-fuzz send ... | burrow-pkt-fuzz drain DEV PORT\n");
	return 2;
}
