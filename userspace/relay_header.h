/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The relay header (issue 19; its layout is the kernel relay's, described
 * with it in docs/wire-format.md): 8 bytes in front of a relayed datagram,
 *   type (0x02) | 3 reserved bytes, zero | ticket id, u32 big-endian
 * followed by the datagram unchanged. A relay forwards the whole datagram,
 * header included, between the two endpoints of the ticket's entry. The
 * type byte is never the first byte of a QUIC packet (whose fixed bit 0x40
 * burrow always sets) and has 0x40 clear like burrow's udp header, so one
 * test tells them apart.
 */
#ifndef BURROW_RELAY_HEADER_H
#define BURROW_RELAY_HEADER_H

#include <stddef.h>
#include <stdint.h>

#define BURROW_RELAY_HEADER_TYPE 0x02
#define BURROW_RELAY_HEADER_LEN 8

static inline void burrow_relay_header_put(uint8_t out[BURROW_RELAY_HEADER_LEN], uint32_t ticket)
{
	out[0] = BURROW_RELAY_HEADER_TYPE;
	out[1] = out[2] = out[3] = 0;
	out[4] = (uint8_t)(ticket >> 24);
	out[5] = (uint8_t)(ticket >> 16);
	out[6] = (uint8_t)(ticket >> 8);
	out[7] = (uint8_t)ticket;
}

/*
 * 0: buf does not start with a relay header. 1: it does, *ticket is its
 * ticket and the relayed datagram starts BURROW_RELAY_HEADER_LEN bytes in.
 * -1: a relay header that is malformed (short, reserved bytes set, ticket 0).
 */
static inline int burrow_relay_header_parse(const uint8_t *buf, size_t len, uint32_t *ticket)
{
	if (!len || buf[0] != BURROW_RELAY_HEADER_TYPE)
		return 0;
	if (len < BURROW_RELAY_HEADER_LEN || buf[1] || buf[2] || buf[3])
		return -1;
	*ticket = (uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 | (uint32_t)buf[6] << 8 | buf[7];
	return *ticket ? 1 : -1;
}

#endif /* BURROW_RELAY_HEADER_H */
