// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the capsule stream reassembler and the rotation
 * capsule decoders. The input is split into chunks at offsets taken from
 * its first byte, so partial varints and values cross chunk boundaries.
 * Invariants checked: a parsed capsule lies inside the buffer, re-encoding
 * it gives the same bytes (minimal encodings only), and decoded rotation
 * messages re-encode to their input; a value that decodes as an RFC 9484
 * capsule (or ROUTE_REFUSED) re-encodes to its input, and what the
 * decoders accept obeys the rules they enforce (non-zero request IDs,
 * host bits zero, ranges sorted and start <= end).
 *
 * Then the same bytes, as one peer's control stream, drive burrowd's
 * negotiation state machine (neg_harness.c): every capsule in turn, with
 * the state kept between them, and the invariants of neg_harness.h checked
 * after each (addresses only as answers to our requests and inside
 * accept_addresses; routes inside may_announce; valid capsules sent back;
 * everything removed when the session ends).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capsule.h"
#include "connectip.h"
#include "keysched.h"
#include "neg_harness.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	neg_harness_init();
	return 0;
}

static void check_rotate(const struct burrow_capsule *c)
{
	struct burrow_rotate_msg m;
	uint8_t out[64];

	for (int with_share = 0; with_share < 2; with_share++) {
		if (burrow_rotate_decode(c->value, c->length, with_share, &m) == 0) {
			int n = burrow_rotate_encode(&m, with_share, out, sizeof(out));

			if (n < 0 || (size_t)n != c->length || memcmp(out, c->value, c->length))
				abort();
		}
	}
}

static void check_connectip(const struct burrow_capsule *c)
{
	struct burrow_address_entry addrs[BURROW_CONNECTIP_LIST_MAX];
	struct burrow_ip_range ranges[BURROW_CONNECTIP_LIST_MAX];
	struct burrow_refused_range refused[BURROW_CONNECTIP_LIST_MAX];
	uint8_t out[BURROW_CAPSULE_VALUE_MAX];
	char why[200];
	size_t n;
	int len;

	if (burrow_address_request_decode(c->value, c->length, addrs, &n, why, sizeof(why)) == 0) {
		if (n == 0)
			abort();
		for (size_t i = 0; i < n; i++)
			if (addrs[i].request_id == 0)
				abort();
		len = burrow_address_list_encode(BURROW_CAPSULE_ADDRESS_REQUEST, addrs, n, out,
						 sizeof(out), why, sizeof(why));
		if (len < 0 || (size_t)len != c->length || memcmp(out, c->value, c->length))
			abort();
	}
	if (burrow_address_assign_decode(c->value, c->length, addrs, &n, why, sizeof(why)) == 0) {
		len = burrow_address_list_encode(BURROW_CAPSULE_ADDRESS_ASSIGN, addrs, n, out,
						 sizeof(out), why, sizeof(why));
		if (len < 0 || (size_t)len != c->length || memcmp(out, c->value, c->length))
			abort();
	}
	if (burrow_route_advertisement_decode(c->value, c->length, ranges, &n, why, sizeof(why)) == 0) {
		/* The encoder re-checks order, overlap and start <= end. */
		len = burrow_route_advertisement_encode(ranges, n, out, sizeof(out), why, sizeof(why));
		if (len < 0 || (size_t)len != c->length || memcmp(out, c->value, c->length))
			abort();
		for (size_t i = 0; i < n; i++) {
			struct burrow_nl_prefix p;
			struct burrow_ip_range back;

			if (burrow_range_to_prefix(&ranges[i], &p) == 0) {
				burrow_prefix_to_range(&p, &back);
				if (memcmp(back.start, ranges[i].start, 16) ||
				    memcmp(back.end, ranges[i].end, 16))
					abort();
			}
		}
	}
	if (burrow_route_refused_decode(c->value, c->length, refused, &n, why, sizeof(why)) == 0) {
		len = burrow_route_refused_encode(refused, n, out, sizeof(out));
		if (len < 0 || (size_t)len != c->length || memcmp(out, c->value, c->length))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct burrow_capsule_reader r;
	struct burrow_capsule c;
	size_t chunk, off;
	uint8_t again[BURROW_CAPSULE_VALUE_MAX + 16];

	if (size == 0)
		return 0;
	chunk = (size_t)data[0] % 7 + 1;
	data++;
	size--;

	/* One-shot parse of the whole buffer. */
	{
		int n = burrow_capsule_parse(data, size, &c);

		if (n > 0) {
			if ((size_t)n > size || c.value < data || c.value + c.length > data + size)
				abort();
			if (burrow_capsule_encode(c.type, c.value, c.length, again, sizeof(again)) != n ||
			    memcmp(again, data, (size_t)n))
				abort();
			check_rotate(&c);
			check_connectip(&c);
		}
	}

	/* Streamed in chunks. */
	burrow_capsule_reader_init(&r);
	for (off = 0; off < size; off += chunk) {
		size_t len = size - off < chunk ? size - off : chunk;
		int ret = burrow_capsule_reader_push(&r, data + off, len);

		while (ret == 0 && (ret = burrow_capsule_reader_next(&r, &c)) == 1) {
			if (c.length > BURROW_CAPSULE_VALUE_MAX)
				abort();
			ret = 0;
		}
		if (ret < 0)
			break;
	}
	burrow_capsule_reader_free(&r);

	/* The stream through the negotiation state machine. */
	neg_harness_session(data, size, 1420);
	return 0;
}
