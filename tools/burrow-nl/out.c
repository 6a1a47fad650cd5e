// SPDX-License-Identifier: GPL-2.0
/* burrow-nl: the output buffer of out.h. */

#include "out.h"

void cli_out_flush(struct cli_out *out)
{
	size_t len = (size_t)(out->pos - out->buf);

	if (len)
		fwrite(out->buf, 1, len, out->file);
	out->pos = out->buf;
}

void cli_out_mem_large(struct cli_out *out, const void *bytes, size_t len)
{
	const char *from = bytes;

	while (len) {
		size_t room = (size_t)(out->buf + sizeof(out->buf) - out->pos);
		size_t n = len < room ? len : room;

		memcpy(out->pos, from, n);
		out->pos += n;
		from += n;
		len -= n;
		if (len)
			cli_out_flush(out);
	}
}

void cli_out_hex(struct cli_out *out, const uint8_t *bytes, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		char *p = cli_out_room(out, 2);

		p[0] = digits[bytes[i] >> 4];
		p[1] = digits[bytes[i] & 15];
		out->pos = p + 2;
	}
}
