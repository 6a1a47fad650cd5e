/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrow-nl: output built in a 64 KiB buffer and handed to stdio in large
 * chunks, for the listings that can run to tens of megabytes (peer show
 * of 100,000 peers). One fprintf() per field cost more than the netlink
 * dump itself; these appends are a bounds check and a copy, numbers and
 * addresses formatted by libburrow-nl's burrow_text_put_*().
 *
 * Nothing is written to the FILE until cli_out_flush(), so a caller that
 * mixes these with its own fprintf() flushes first. Write errors show up
 * on the FILE (ferror()), as they did with fprintf().
 */

#ifndef BURROW_NL_TOOL_OUT_H
#define BURROW_NL_TOOL_OUT_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "burrow-text.h"

#define CLI_OUT_SIZE 65536
/* Room each cli_out_*() below makes before it writes: the largest of them. */
#define CLI_OUT_ITEM_MAX 64

struct cli_out {
	FILE *file;
	char *pos;
	char buf[CLI_OUT_SIZE];
};

static inline void cli_out_init(struct cli_out *out, FILE *file)
{
	out->file = file;
	out->pos = out->buf;
}

/* Hand what is buffered to out->file. */
void cli_out_flush(struct cli_out *out);

/* Make room for n more bytes (n at most CLI_OUT_SIZE). */
static inline char *cli_out_room(struct cli_out *out, size_t n)
{
	if ((size_t)(out->buf + sizeof(out->buf) - out->pos) < n)
		cli_out_flush(out);
	return out->pos;
}

/* Any bytes, however many. */
void cli_out_mem_large(struct cli_out *out, const void *bytes, size_t len);

static inline void cli_out_mem(struct cli_out *out, const void *bytes, size_t len)
{
	if (len > CLI_OUT_ITEM_MAX) {
		cli_out_mem_large(out, bytes, len);
		return;
	}
	memcpy(cli_out_room(out, len), bytes, len);
	out->pos += len;
}

/* A string literal: its length is known at compile time. */
#define cli_out_lit(out, literal) cli_out_mem(out, "" literal, sizeof(literal) - 1)

static inline void cli_out_str(struct cli_out *out, const char *text)
{
	cli_out_mem(out, text, strlen(text));
}

static inline void cli_out_char(struct cli_out *out, char c)
{
	*cli_out_room(out, 1) = c;
	out->pos++;
}

static inline void cli_out_u64(struct cli_out *out, uint64_t value)
{
	out->pos = burrow_text_put_u64(cli_out_room(out, 20), value);
}

static inline void cli_out_prefix(struct cli_out *out, const struct burrow_nl_prefix *prefix)
{
	out->pos = burrow_text_put_prefix(cli_out_room(out, BURROW_TEXT_PREFIX_SIZE), prefix);
}

static inline void cli_out_endpoint(struct cli_out *out, const struct burrow_nl_endpoint *endpoint)
{
	out->pos = burrow_text_put_endpoint(cli_out_room(out, BURROW_TEXT_ENDPOINT_SIZE), endpoint);
}

static inline void cli_out_addr(struct cli_out *out, uint16_t family,
				const union burrow_nl_addr *addr)
{
	out->pos = burrow_text_put_addr(cli_out_room(out, BURROW_TEXT_ADDR_SIZE), family, addr);
}

/* Bytes as lowercase hex, two digits each. */
void cli_out_hex(struct cli_out *out, const uint8_t *bytes, size_t len);

#endif /* BURROW_NL_TOOL_OUT_H */
