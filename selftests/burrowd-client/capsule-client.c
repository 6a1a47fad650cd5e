// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd-capsule-client: a test peer that completes a real QUIC handshake
 * with a burrowd (burrowd's own quic, hello and capsule code) and then runs
 * a script of steps, so VM tests can send crafted capsules over an
 * authenticated control stream.
 *
 *   burrowd-capsule-client -k KEY_FILE -p PEER_PUBLIC_KEY -c ADDR:PORT [-n NAME] STEP...
 *
 * Steps, in order:
 *   hello            send a HELLO and wait for the peer's
 *   send TYPE HEX    send a capsule (TYPE: number, 0x.. allowed; HEX: the
 *                    value, "-" for an empty one)
 *   raw HEX          send bytes on the control stream as they are
 *   expect TYPE      wait for a capsule of that type; print "TYPE HEX"
 *   expect-count TYPE N
 *                    wait until N capsules of that type came during this
 *                    step (printed as "seen ..."); print "count TYPE N"
 *   wait-file PATH   wait until PATH exists (the test's go-ahead)
 *   expect-close     wait for the connection to end; print "closed: REASON"
 * Every wait gives up after 20 s. Capsules not waited for are printed as
 * they come ("seen NAME HEX"). Exit 0 when every step succeeded, 1 when one
 * failed or the connection ended early (why on stderr), 2 for bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capsule.h"
#include "config.h"
#include "hello.h"
#include "identity.h"
#include "quic.h"

#define STEP_TIMEOUT_NS (20 * UINT64_C(1000000000))

struct client {
	struct burrow_quic_endpoint *ep;
	struct burrow_quic_conn *conn;
	int64_t stream_id;
	bool established, closed, hello_received;
	char close_reason[512];
	struct burrow_capsule_reader reader;
	/* the capsule a step waits for */
	uint64_t want_type;
	bool want_seen;
	/* expect-count: capsules of count_type seen during the step */
	uint64_t count_type;
	unsigned long count_seen, count_want;
	bool counting;
};

static void print_capsule(const char *prefix, const struct burrow_capsule *c)
{
	printf("%s%s ", prefix, burrow_capsule_type_name(c->type));
	for (size_t i = 0; i < c->length; i++)
		printf("%02x", c->value[i]);
	if (!c->length)
		putchar('-');
	putchar('\n');
	fflush(stdout);
}

static int cb_authorize(const uint8_t public_key[32], const struct sockaddr *remote,
			void **conn_user, void *endpoint_user)
{
	(void)public_key;
	(void)remote;
	(void)conn_user;
	(void)endpoint_user;
	return 0;	/* our client connection: the key was pinned at connect */
}

static void cb_established(struct burrow_quic_conn *conn, void *conn_user)
{
	struct client *cl = conn_user;

	cl->conn = conn;
	cl->established = true;
}

static void cb_stream_data(struct burrow_quic_conn *conn, int64_t stream_id, const uint8_t *data,
			   size_t len, bool fin, void *conn_user)
{
	struct client *cl = conn_user;
	struct burrow_capsule c;

	(void)conn;
	(void)fin;
	if (stream_id != cl->stream_id || burrow_capsule_reader_push(&cl->reader, data, len))
		return;
	while (burrow_capsule_reader_next(&cl->reader, &c) == 1) {
		if (c.type == BURROW_CAPSULE_HELLO) {
			cl->hello_received = true;
			continue;
		}
		if (cl->counting && c.type == cl->count_type)
			cl->count_seen++;
		if (!cl->want_seen && c.type == cl->want_type) {
			cl->want_seen = true;
			print_capsule("", &c);
		} else {
			print_capsule("seen ", &c);
		}
	}
}

static void cb_closed(struct burrow_quic_conn *conn, const char *reason, void *conn_user)
{
	struct client *cl = conn_user;

	(void)conn;
	cl->closed = true;
	cl->conn = NULL;
	snprintf(cl->close_reason, sizeof(cl->close_reason), "%s", reason);
}

static const struct burrow_quic_callbacks callbacks = {
	.authorize = cb_authorize,
	.established = cb_established,
	.stream_data = cb_stream_data,
	.closed = cb_closed,
};

/* Run the endpoint until done(cl) or the deadline; 0, or -ETIMEDOUT. */
static int run_until(struct client *cl, int udp_fd, bool (*done)(struct client *, const void *),
		     const void *arg)
{
	uint64_t deadline = burrow_quic_now() + STEP_TIMEOUT_NS;

	while (!done(cl, arg)) {
		uint64_t now = burrow_quic_now(), next = burrow_quic_endpoint_next_expiry(cl->ep);
		struct pollfd pfd = { .fd = udp_fd, .events = POLLIN };
		int timeout_ms = 100;

		if (now >= deadline)
			return -ETIMEDOUT;
		if (next != UINT64_MAX) {
			uint64_t wait = next > now ? (next - now) / 1000000 : 0;

			if (wait < (uint64_t)timeout_ms)
				timeout_ms = (int)wait;
		}
		if (poll(&pfd, 1, timeout_ms) > 0)
			burrow_quic_endpoint_read(cl->ep);
		if (burrow_quic_endpoint_next_expiry(cl->ep) <= burrow_quic_now())
			burrow_quic_endpoint_handle_expiry(cl->ep);
	}
	return 0;
}

static bool is_established(struct client *cl, const void *arg)
{
	(void)arg;
	return cl->established || cl->closed;
}

static bool got_hello(struct client *cl, const void *arg)
{
	(void)arg;
	return cl->hello_received || cl->closed;
}

static bool got_wanted(struct client *cl, const void *arg)
{
	(void)arg;
	return cl->want_seen || cl->closed;
}

static bool count_reached(struct client *cl, const void *arg)
{
	(void)arg;
	return cl->count_seen >= cl->count_want || cl->closed;
}

static bool is_closed(struct client *cl, const void *arg)
{
	(void)arg;
	return cl->closed;
}

static bool file_exists(struct client *cl, const void *arg)
{
	struct stat st;

	return stat(arg, &st) == 0 || cl->closed;
}

/* Hex text to bytes; "-" is empty. -1 when malformed. */
static ssize_t parse_hex(const char *text, uint8_t *out, size_t size)
{
	size_t len = strlen(text), n = 0;

	if (!strcmp(text, "-"))
		return 0;
	if (len % 2 || len / 2 > size)
		return -1;
	for (size_t i = 0; i < len; i += 2) {
		unsigned int byte;

		if (sscanf(text + i, "%2x", &byte) != 1)
			return -1;
		out[n++] = (uint8_t)byte;
	}
	return (ssize_t)n;
}

static int send_bytes(struct client *cl, const uint8_t *data, size_t len)
{
	int ret;

	if (!cl->conn)
		return -ENOTCONN;
	ret = burrow_quic_send(cl->conn, cl->stream_id, data, len, false);
	burrow_quic_endpoint_handle_expiry(cl->ep);
	return ret;
}

static int send_hello(struct client *cl, const char *name)
{
	struct burrow_hello h = {
		.version = BURROW_PROTOCOL_VERSION,
		.peer_id = 1,
		.ciphers = { 0, 1, 2 },
		.n_ciphers = 3,
		.encaps = { 0 },
		.n_encaps = 1,
		.mtu = 1420,
	};
	uint8_t value[512], capsule[600];
	char why[160];
	int n;

	snprintf(h.name, sizeof(h.name), "%s", name);
	n = burrow_hello_encode(&h, value, sizeof(value), why, sizeof(why));
	if (n < 0) {
		fprintf(stderr, "capsule-client: HELLO: %s\n", why);
		return -EINVAL;
	}
	n = burrow_capsule_encode(BURROW_CAPSULE_HELLO, value, (size_t)n, capsule, sizeof(capsule));
	return n < 0 ? n : send_bytes(cl, capsule, (size_t)n);
}

static int usage(void)
{
	fprintf(stderr, "usage: burrowd-capsule-client -k KEY_FILE -p PEER_PUBLIC_KEY -c ADDR:PORT"
			" [-n NAME] STEP...\n");
	return 2;
}

static int failed(struct client *cl, const char *step)
{
	if (cl->closed)
		fprintf(stderr, "capsule-client: %s: connection ended: %s\n", step, cl->close_reason);
	else
		fprintf(stderr, "capsule-client: %s: timed out\n", step);
	return 1;
}

int main(int argc, char **argv)
{
	const char *key_file = NULL, *peer_key_text = NULL, *connect_to = NULL, *name = "client";
	struct burrow_quic_settings qs = { .idle_timeout_ms = 30000 };
	struct burrow_identity id = { 0 };
	struct sockaddr_storage remote;
	uint8_t peer_key[32];
	struct client cl = { .stream_id = -1 };
	socklen_t remote_len;
	char err[512];
	int opt, udp_fd, i;

	while ((opt = getopt(argc, argv, "+k:p:c:n:")) != -1) {
		switch (opt) {
		case 'k': key_file = optarg; break;
		case 'p': peer_key_text = optarg; break;
		case 'c': connect_to = optarg; break;
		case 'n': name = optarg; break;
		default: return usage();
		}
	}
	if (!key_file || !peer_key_text || !connect_to)
		return usage();
	if (burrow_identity_load(key_file, &id, err, sizeof(err)) ||
	    burrow_public_key_from_text(peer_key_text, peer_key, err, sizeof(err)) ||
	    burrow_endpoint_parse(connect_to, &remote, &remote_len, err, sizeof(err))) {
		fprintf(stderr, "capsule-client: %s\n", err);
		return 2;
	}
	udp_fd = socket(remote.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (udp_fd < 0) {
		perror("capsule-client: socket");
		return 1;
	}
	qs.private_key_pem = id.private_key_pem;
	cl.ep = burrow_quic_endpoint_new(udp_fd, &qs, &callbacks, &cl);
	burrow_identity_clear(&id);
	if (!cl.ep) {
		fprintf(stderr, "capsule-client: QUIC endpoint: %s\n", burrow_quic_setup_error());
		return 1;
	}
	burrow_capsule_reader_init(&cl.reader);
	if (burrow_quic_connect(cl.ep, (struct sockaddr *)&remote, remote_len, peer_key, &cl,
				&cl.conn)) {
		fprintf(stderr, "capsule-client: connect: %s\n", burrow_quic_endpoint_last_error(cl.ep));
		return 1;
	}
	if (run_until(&cl, udp_fd, is_established, NULL) || cl.closed)
		return failed(&cl, "handshake");
	if (burrow_quic_open_stream(cl.conn, &cl.stream_id)) {
		fprintf(stderr, "capsule-client: cannot open the control stream\n");
		return 1;
	}
	for (i = optind; i < argc; i++) {
		const char *step = argv[i];
		uint8_t value[BURROW_CAPSULE_VALUE_MAX], capsule[BURROW_CAPSULE_VALUE_MAX + 16];
		ssize_t len;
		int n;

		if (!strcmp(step, "hello")) {
			if (send_hello(&cl, name) || run_until(&cl, udp_fd, got_hello, NULL) || cl.closed)
				return failed(&cl, step);
		} else if (!strcmp(step, "send") && i + 2 < argc) {
			uint64_t type = strtoull(argv[i + 1], NULL, 0);

			len = parse_hex(argv[i + 2], value, sizeof(value));
			i += 2;
			if (len < 0)
				return usage();
			n = burrow_capsule_encode(type, value, (size_t)len, capsule, sizeof(capsule));
			if (n < 0 || send_bytes(&cl, capsule, (size_t)n))
				return failed(&cl, "send");
		} else if (!strcmp(step, "raw") && i + 1 < argc) {
			len = parse_hex(argv[++i], value, sizeof(value));
			if (len < 0)
				return usage();
			if (send_bytes(&cl, value, (size_t)len))
				return failed(&cl, "raw");
		} else if (!strcmp(step, "expect") && i + 1 < argc) {
			cl.want_type = strtoull(argv[++i], NULL, 0);
			cl.want_seen = false;
			if (run_until(&cl, udp_fd, got_wanted, NULL) || !cl.want_seen)
				return failed(&cl, "expect");
		} else if (!strcmp(step, "expect-count") && i + 2 < argc) {
			cl.count_type = strtoull(argv[i + 1], NULL, 0);
			cl.count_want = strtoul(argv[i + 2], NULL, 0);
			cl.count_seen = 0;
			cl.counting = true;
			i += 2;
			if (run_until(&cl, udp_fd, count_reached, NULL) ||
			    cl.count_seen < cl.count_want)
				return failed(&cl, "expect-count");
			cl.counting = false;
			printf("count %s %lu\n", burrow_capsule_type_name(cl.count_type),
			       cl.count_seen);
			fflush(stdout);
		} else if (!strcmp(step, "wait-file") && i + 1 < argc) {
			if (run_until(&cl, udp_fd, file_exists, argv[++i]) || cl.closed)
				return failed(&cl, "wait-file");
		} else if (!strcmp(step, "expect-close")) {
			if (run_until(&cl, udp_fd, is_closed, NULL))
				return failed(&cl, step);
			printf("closed: %s\n", cl.close_reason);
			fflush(stdout);
		} else {
			return usage();
		}
	}
	if (cl.conn) {
		burrow_quic_close(cl.conn, 0, "done");
		burrow_quic_endpoint_handle_expiry(cl.ep);
	}
	burrow_capsule_reader_free(&cl.reader);
	burrow_quic_endpoint_free(cl.ep);
	close(udp_fd);
	return 0;
}
