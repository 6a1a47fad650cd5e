// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-l2-send: send raw Ethernet frames on an interface through an
 * AF_PACKET socket, for the l2 VM tests (selftests/net/l2-*.sh).
 *
 *   burrow-l2-send IFACE COUNT [vlan VID] [dst MAC] [src-base N] [gap USEC]
 *
 * Sends COUNT frames of ethertype 0x88b5 (IEEE local experimental) to MAC
 * (default broadcast), the i-th with source MAC 02:42:00:XX:XX:XX holding
 * N + i, so COUNT frames come from COUNT distinct unicast addresses (a MAC
 * flood). With vlan VID each frame carries an 802.1Q tag with that id; with
 * gap USEC it waits that long between frames (so that a slow guest's
 * queues see a stream, not one burst).
 * Exit status 0 when every frame was sent, 1 on a send error, 2 on usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr, "usage: burrow-l2-send IFACE COUNT [vlan VID] [dst MAC] [src-base N] "
		"[gap USEC]\n");
	return 2;
}

static int parse_u32(const char *what, const char *text, unsigned long max, uint32_t *out)
{
	char *end;
	unsigned long value;

	errno = 0;
	value = strtoul(text, &end, 0);
	if (errno || *end || end == text || value > max) {
		fprintf(stderr, "burrow-l2-send: invalid %s '%s'\n", what, text);
		return -1;
	}
	*out = (uint32_t)value;
	return 0;
}

static int parse_mac(const char *text, uint8_t *mac)
{
	unsigned int b[6];

	if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6) {
		fprintf(stderr, "burrow-l2-send: invalid MAC '%s'\n", text);
		return -1;
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t dst[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint32_t count, vid = 0, base = 1, gap = 0;
	struct sockaddr_ll addr = { 0 };
	uint8_t frame[64] = { 0 };
	bool tagged = false;
	size_t off;
	int fd;

	if (argc < 3 || argc % 2 == 0)
		return usage();
	if (parse_u32("count", argv[2], 1000000, &count))
		return 2;
	for (int i = 3; i < argc; i += 2) {
		if (strcmp(argv[i], "vlan") == 0) {
			if (parse_u32("vlan", argv[i + 1], 4095, &vid))
				return 2;
			tagged = true;
		} else if (strcmp(argv[i], "dst") == 0) {
			if (parse_mac(argv[i + 1], dst))
				return 2;
		} else if (strcmp(argv[i], "gap") == 0) {
			if (parse_u32("gap", argv[i + 1], 1000000, &gap))
				return 2;
		} else if (strcmp(argv[i], "src-base") == 0) {
			if (parse_u32("src-base", argv[i + 1], 0xffffff, &base))
				return 2;
		} else {
			fprintf(stderr, "burrow-l2-send: unknown option '%s'\n", argv[i]);
			return usage();
		}
	}
	addr.sll_family = AF_PACKET;
	addr.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (!addr.sll_ifindex) {
		fprintf(stderr, "burrow-l2-send: no interface '%s'\n", argv[1]);
		return 2;
	}
	addr.sll_halen = ETH_ALEN;
	memcpy(addr.sll_addr, dst, ETH_ALEN);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("burrow-l2-send: socket");
		return 1;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint32_t n = base + i;

		memcpy(frame, dst, ETH_ALEN);
		frame[6] = 0x02;	/* locally administered unicast */
		frame[7] = 0x42;
		frame[8] = 0x00;
		frame[9] = (uint8_t)(n >> 16);
		frame[10] = (uint8_t)(n >> 8);
		frame[11] = (uint8_t)n;
		off = 12;
		if (tagged) {
			frame[off++] = 0x81;
			frame[off++] = 0x00;
			frame[off++] = (uint8_t)(vid >> 8);
			frame[off++] = (uint8_t)vid;
		}
		frame[off++] = 0x88;
		frame[off++] = 0xb5;
		memcpy(frame + off, "burrow-l2", 9);
		if (sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&addr,
			   sizeof(addr)) != (ssize_t)sizeof(frame)) {
			perror("burrow-l2-send: sendto");
			close(fd);
			return 1;
		}
		if (gap)
			usleep(gap);
	}
	close(fd);
	return 0;
}
