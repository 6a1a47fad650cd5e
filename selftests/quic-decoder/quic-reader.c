// SPDX-License-Identifier: GPL-2.0
/*
 * quic-reader: the userspace end of a burrow device's socket, for the VM
 * tests that check which packets the kernel leaves to userspace.
 *
 *   quic-reader DEV PORT SECONDS [COUNT]
 *
 * Detaches DEV's socket, binds a dual-stack UDP socket to PORT, attaches it
 * to DEV (so the kernel keeps handling burrow data on it), prints "ready"
 * and then prints every datagram that reaches the socket as one line of hex
 * until SECONDS pass without one, or COUNT have arrived. Exit 0 if at
 * least one arrived, 1 if none, 2 on a setup error.
 */

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "burrow-nl.h"

static int open_socket(unsigned int port)
{
	struct sockaddr_in6 addr = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct timespec pause = { .tv_nsec = 20 * 1000 * 1000 };
	int fd, off = 0, attempt;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0) {
		fprintf(stderr, "quic-reader: socket: %s\n", strerror(errno));
		return -1;
	}
	/* The detached socket lets go of the port once the kernel drops it. */
	for (attempt = 0; attempt < 100; attempt++) {
		if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
			return fd;
		if (errno != EADDRINUSE)
			break;
		nanosleep(&pause, NULL);
	}
	fprintf(stderr, "quic-reader: cannot bind port %u: %s\n", port, strerror(errno));
	close(fd);
	return -1;
}

int main(int argc, char **argv)
{
	struct burrow_nl_dev_settings settings = { 0 };
	unsigned char buf[65536];
	struct burrow_nl *nl;
	unsigned int port, seconds, received = 0, count = 0;
	int fd;

	if (argc < 4 || argc > 5 || sscanf(argv[2], "%u", &port) != 1 || !port || port > 65535 ||
	    sscanf(argv[3], "%u", &seconds) != 1 ||
	    (argc == 5 && sscanf(argv[4], "%u", &count) != 1)) {
		fprintf(stderr, "usage: quic-reader DEV PORT SECONDS [COUNT]\n");
		return 2;
	}
	if (burrow_nl_open(&nl)) {
		fprintf(stderr, "quic-reader: cannot open the burrow family\n");
		return 2;
	}
	settings.dev.ifname = argv[1];
	settings.socket_detach = true;
	if (burrow_nl_dev_set(nl, &settings)) {
		fprintf(stderr, "quic-reader: detach: %s\n", burrow_nl_last_error(nl));
		return 2;
	}
	fd = open_socket(port);
	if (fd < 0)
		return 2;
	settings.socket_detach = false;
	settings.socket_fd_set = true;
	settings.socket_fd = fd;
	if (burrow_nl_dev_set(nl, &settings)) {
		fprintf(stderr, "quic-reader: attach: %s\n", burrow_nl_last_error(nl));
		return 2;
	}
	burrow_nl_close(nl);
	printf("ready\n");
	fflush(stdout);

	while (!count || received < count) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t len;
		int ready = poll(&pfd, 1, (int)seconds * 1000);

		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			break;
		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0)
			break;
		for (ssize_t i = 0; i < len; i++)
			printf("%02x", buf[i]);
		printf("\n");
		fflush(stdout);
		received++;
	}
	close(fd);
	return received ? 0 : 1;
}
