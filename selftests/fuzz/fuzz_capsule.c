// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the capsule stream reassembler and the rotation
 * capsule decoders. The input is split into chunks at offsets taken from
 * its first byte, so partial varints and values cross chunk boundaries.
 * Invariants checked: a parsed capsule lies inside the buffer, re-encoding
 * it gives the same bytes (minimal encodings only), and decoded rotation
 * messages re-encode to their input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capsule.h"
#include "keysched.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	return 0;
}
