/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "udp" encapsulation: burrow's compact data header, carried as the
 * whole UDP payload together with the AEAD output.
 *
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------+---------------+-------------------------------+
 * |     type      |    key id     |      reserved (must be 0)     |  0
 * +---------------+---------------+-------------------------------+
 * |                   receiver id (u32, big endian)               |  4
 * +---------------------------------------------------------------+
 * |                                                               |  8
 * +                 counter (u64, big endian)                     +
 * |                                                               | 12
 * +---------------------------------------------------------------+
 * |          ciphertext (same length as the plaintext)          ...  16
 * +---------------------------------------------------------------+
 * |                 AEAD tag (16 bytes)                           |
 * +---------------------------------------------------------------+
 *
 * byte 0     type: what the plaintext is. 0x01 an IP packet (l3 devices),
 *            0x03 an Ethernet frame, 0x05 a fragment of one (l2 devices);
 *            a packet whose plaintext is empty is a keepalive. Every other
 *            value is invalid, and so is one of the other mode. Bit 0x40 is clear
 *            in every valid type, while RFC 9000 requires the fixed bit
 *            0x40 set in the first byte of every QUIC v1 packet, so one
 *            test on that bit separates burrow from QUIC on a shared port.
 * byte 1     key id, chosen by userspace per key; selects the receive key.
 * bytes 2-3  reserved: zero on send, a receiver drops the packet otherwise
 *            (so they can become flags later).
 * bytes 4-7  receiver id: the id the RECEIVING device assigned to this
 *            peer, so the receiver finds the peer without trying keys.
 * bytes 8-15 counter: per-key packet counter, also the AEAD nonce input
 *            (nonce = IV xor (0^32 || counter), see crypto.h).
 * 16..       ciphertext || tag. The 16 header bytes are the AEAD's AAD.
 *
 * So the shortest valid packet is 32 bytes (a keepalive).
 */
#ifndef _BURROW_ENCAP_UDP_H
#define _BURROW_ENCAP_UDP_H

#include <linux/build_bug.h>
#include <linux/types.h>

#define BURROW_WIRE_HEADER_LEN		16
#define BURROW_WIRE_TAG_LEN		16
#define BURROW_WIRE_MIN_LEN		(BURROW_WIRE_HEADER_LEN + BURROW_WIRE_TAG_LEN)
#define BURROW_WIRE_TYPE_DATA		0x01	/* an IP packet */
#define BURROW_WIRE_TYPE_ETH		0x03	/* an Ethernet frame */
#define BURROW_WIRE_TYPE_ETH_FRAG	0x05	/* a fragment of one */
#define BURROW_WIRE_QUIC_BIT		0x40

struct burrow_wire_header {
	u8 type;
	u8 key_id;
	__be16 reserved;
	__be32 receiver_id;
	__be64 counter;
} __packed;

static_assert(sizeof(struct burrow_wire_header) == BURROW_WIRE_HEADER_LEN);

/* A parsed header, in host byte order. */
struct burrow_wire_fields {
	u8 type;		/* BURROW_WIRE_TYPE_DATA, _ETH or _ETH_FRAG */
	u8 key_id;
	u32 receiver_id;
	u64 counter;
	/* bytes after the header: ciphertext || tag, >= BURROW_WIRE_TAG_LEN */
	unsigned int payload_len;
};

/* True if a UDP payload starting with @first_byte is QUIC, not burrow udp. */
static inline bool burrow_wire_is_quic(u8 first_byte)
{
	return first_byte & BURROW_WIRE_QUIC_BIT;
}

/* Fills a data header; reserved bytes are zeroed. @hdr may be unaligned. */
void burrow_wire_header_build(struct burrow_wire_header *hdr, u8 key_id,
			      u32 receiver_id, u64 counter);

/*
 * Strictly parses the UDP payload at @data (@len bytes, any alignment):
 * returns true and fills @out if it is a data packet of the layout above,
 * false (@out untouched) if it breaks any rule of it.
 */
bool burrow_wire_header_parse(const void *data, unsigned int len,
			      struct burrow_wire_fields *out);

#endif /* _BURROW_ENCAP_UDP_H */
