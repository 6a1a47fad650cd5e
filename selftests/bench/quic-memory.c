// SPDX-License-Identifier: GPL-2.0
/*
 * make bench-quic-memory: what one established QUIC connection of burrow's
 * endpoint (userspace/quic*.c) costs in heap, by layer. One process, two
 * endpoints on loopback, N client connections from one to the other; the
 * heap in use (mallinfo2) is read before, with all N established, after
 * the client endpoint is freed (what is left is the server side), after
 * each server connection's GnuTLS session is freed, and after each one's
 * ngtcp2 connection is deleted. The differences over N are the bytes per
 * connection of: the client side, the server side, and within the server
 * side the TLS session, ngtcp2 (its connection, packet spaces, trees,
 * pools and the AEAD contexts it owns) and the rest (burrow's struct).
 *
 * Heap bytes in use, not RSS: allocator overhead and fragmentation come
 * on top (make bench-coord reports the coordinator's RSS per node).
 */
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity.h"
#include "quic_internal.h"

static unsigned int established;

static int authorize(const uint8_t key[32], const struct sockaddr *remote, void **conn_user,
		     void *endpoint_user)
{
	(void)key;
	(void)remote;
	*conn_user = endpoint_user;
	return 0;
}

static void on_established(struct burrow_quic_conn *c, void *user)
{
	(void)c;
	(void)user;
	established++;
}

static void on_closed(struct burrow_quic_conn *c, const char *reason, void *user)
{
	(void)c;
	(void)reason;
	(void)user;
}

static void on_data(struct burrow_quic_conn *c, int64_t stream, const uint8_t *data, size_t len,
		    bool fin, void *user)
{
	(void)c;
	(void)stream;
	(void)data;
	(void)len;
	(void)fin;
	(void)user;
}

static const struct burrow_quic_callbacks callbacks = {
	.authorize = authorize,
	.established = on_established,
	.closed = on_closed,
	.stream_data = on_data,
};

static size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}

static int loopback_socket(struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int buffer = 8 << 20;
	socklen_t len = sizeof(*addr);

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof(*addr)) < 0 ||
	    getsockname(fd, (struct sockaddr *)addr, &len) < 0) {
		perror("quic-memory: socket");
		exit(1);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof(buffer));
	return fd;
}

static struct burrow_quic_endpoint *endpoint(int fd, struct burrow_identity *id, const char *dir,
					     const char *name)
{
	char why[BURROW_IDENTITY_ERR_MAX], path[512];
	struct burrow_quic_settings settings = { 0 };
	struct burrow_quic_endpoint *ep;

	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
	if (burrow_identity_generate(path, id, why, sizeof(why)) < 0) {
		fprintf(stderr, "quic-memory: %s\n", why);
		exit(1);
	}
	unlink(path);
	settings.private_key_pem = id->private_key_pem;
	ep = burrow_quic_endpoint_new(fd, &settings, &callbacks, NULL);
	if (!ep) {
		fprintf(stderr, "quic-memory: %s\n", burrow_quic_setup_error());
		exit(1);
	}
	return ep;
}

/* Drive both endpoints until every connection is up on both sides (or 60 s). */
static void run(struct burrow_quic_endpoint *a, int fd_a, struct burrow_quic_endpoint *b,
		int fd_b, unsigned int want)
{
	uint64_t deadline = burrow_quic_now() + 60ull * 1000000000ull;

	while (established < want && burrow_quic_now() < deadline) {
		struct pollfd pfd[2] = { { .fd = fd_a, .events = POLLIN },
					 { .fd = fd_b, .events = POLLIN } };
		uint64_t now = burrow_quic_now(), next = burrow_quic_endpoint_next_expiry(a);
		uint64_t next_b = burrow_quic_endpoint_next_expiry(b);
		int timeout_ms;

		if (next_b < next)
			next = next_b;
		timeout_ms = next <= now ? 0 : next - now >= 100000000ull ? 100 :
			(int)((next - now) / 1000000 + 1);
		if (poll(pfd, 2, timeout_ms) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN)
			burrow_quic_endpoint_read(a);
		if (pfd[1].revents & POLLIN)
			burrow_quic_endpoint_read(b);
		now = burrow_quic_now();
		if (burrow_quic_endpoint_next_expiry(a) <= now)
			burrow_quic_endpoint_handle_expiry(a);
		if (burrow_quic_endpoint_next_expiry(b) <= now)
			burrow_quic_endpoint_handle_expiry(b);
	}
}

int main(int argc, char **argv)
{
	unsigned int n = argc > 1 ? (unsigned int)atoi(argv[1]) : 300;
	struct burrow_identity server_id, client_id;
	struct sockaddr_in server_addr, client_addr;
	struct burrow_quic_endpoint *server, *client;
	struct burrow_quic_conn *c;
	size_t base, both, server_only, no_tls, no_ngtcp2;
	char dir[] = "/tmp/quic-memory.XXXXXX";
	int server_fd, client_fd;

	if (n == 0 || n > 5000) {
		fprintf(stderr, "usage: quic-memory [CONNECTIONS 1..5000]\n");
		return 2;
	}
	if (!mkdtemp(dir)) {
		perror("quic-memory: mkdtemp");
		return 1;
	}
	server_fd = loopback_socket(&server_addr);
	client_fd = loopback_socket(&client_addr);
	server = endpoint(server_fd, &server_id, dir, "server");
	client = endpoint(client_fd, &client_id, dir, "client");
	rmdir(dir);
	base = heap_in_use();
	/* Ten at a time: no Retry, no eviction, every handshake in one go. */
	for (unsigned int i = 0; i < n; i++) {
		if (burrow_quic_connect(client, (struct sockaddr *)&server_addr, sizeof(server_addr),
					burrow_quic_endpoint_public_key(server), NULL, &c) < 0) {
			fprintf(stderr, "quic-memory: connect: %s\n",
				burrow_quic_endpoint_last_error(client));
			return 1;
		}
		if (i % 10 == 9 || i + 1 == n)
			run(server, server_fd, client, client_fd, 2 * (i + 1));
	}
	if (established != 2 * n) {
		fprintf(stderr, "quic-memory: %u of %u ends established\n", established, 2 * n);
		return 1;
	}
	both = heap_in_use();
	burrow_quic_endpoint_free(client);
	server_only = heap_in_use();
	for (c = server->conns; c; c = c->next) {
		quic_tls_session_free(c);
		c->tls = NULL;
	}
	no_tls = heap_in_use();
	for (c = server->conns; c; c = c->next) {
		ngtcp2_conn_del(c->conn);
		c->conn = NULL;
	}
	no_ngtcp2 = heap_in_use();
	printf("quic-memory: %u connections, heap bytes in use per connection\n", n);
	printf("  client side            %zu\n", (both - server_only) / n);
	printf("  server side            %zu\n", (server_only - base) / n);
	printf("    GnuTLS session       %zu\n", (server_only - no_tls) / n);
	printf("    ngtcp2 connection    %zu\n", (no_tls - no_ngtcp2) / n);
	printf("    burrow's own         %zu (struct burrow_quic_conn: %zu)\n",
	       (no_ngtcp2 - base) / n, sizeof(struct burrow_quic_conn));
	burrow_quic_endpoint_free(server);
	burrow_identity_clear(&server_id);
	burrow_identity_clear(&client_id);
	close(server_fd);
	close(client_fd);
	return 0;
}
