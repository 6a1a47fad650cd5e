// SPDX-License-Identifier: GPL-2.0
/*
 * Encoder and strict decoder of the "udp" encapsulation header; the byte
 * layout is at the top of wire.h. Pure functions on caller memory: any
 * context, no locks. struct burrow_wire_header is __packed, so the compiler
 * emits unaligned-safe accesses for its multi-byte fields.
 */

#include <linux/kernel.h>
#include <linux/string.h>

#include "crypto.h"
#include "selftest.h"
#include "wire.h"

static_assert(BURROW_WIRE_TAG_LEN == BURROW_AEAD_TAG_LEN);
static_assert(!(BURROW_WIRE_TYPE_DATA & BURROW_WIRE_QUIC_BIT));

void burrow_wire_header_build(struct burrow_wire_header *hdr, u8 key_id,
			      u32 receiver_id, u64 counter)
{
	hdr->type = BURROW_WIRE_TYPE_DATA;
	hdr->key_id = key_id;
	hdr->reserved = 0;
	hdr->receiver_id = cpu_to_be32(receiver_id);
	hdr->counter = cpu_to_be64(counter);
}

int burrow_wire_header_parse(const void *data, unsigned int len,
			     struct burrow_wire_fields *out)
{
	const struct burrow_wire_header *hdr = data;

	if (len < BURROW_WIRE_HEADER_LEN)
		return -BURROW_WIRE_ERR_TOO_SHORT;
	if (hdr->type != BURROW_WIRE_TYPE_DATA)
		return -BURROW_WIRE_ERR_BAD_TYPE;
	if (hdr->reserved)
		return -BURROW_WIRE_ERR_RESERVED;
	if (len < BURROW_WIRE_MIN_LEN)
		return -BURROW_WIRE_ERR_NO_TAG;
	out->key_id = hdr->key_id;
	out->receiver_id = be32_to_cpu(hdr->receiver_id);
	out->counter = be64_to_cpu(hdr->counter);
	out->payload_len = len - BURROW_WIRE_HEADER_LEN;
	return 0;
}

#ifdef BURROW_SELFTEST
#include "selftest/wire.c"
#endif
