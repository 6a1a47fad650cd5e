// SPDX-License-Identifier: GPL-2.0
/* QUIC varints and RFC 9297 capsules: see capsule.h for the policy. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capsule.h"

size_t burrow_varint_len(uint64_t v)
{
	if (v < (UINT64_C(1) << 6))
		return 1;
	if (v < (UINT64_C(1) << 14))
		return 2;
	if (v < (UINT64_C(1) << 30))
		return 4;
	if (v <= BURROW_VARINT_MAX)
		return 8;
	return 0;
}

size_t burrow_varint_encode(uint64_t v, uint8_t *out, size_t out_size)
{
	size_t n = burrow_varint_len(v), i;
	static const uint8_t prefix[9] = { [1] = 0x00, [2] = 0x40, [4] = 0x80, [8] = 0xc0 };

	if (n == 0 || n > out_size)
		return 0;
	for (i = 0; i < n; i++)
		out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	out[0] |= prefix[n];
	return n;
}

int burrow_varint_decode(const uint8_t *in, size_t len, uint64_t *v)
{
	size_t n, i;
	uint64_t value;

	if (len == 0)
		return -EAGAIN;
	n = (size_t)1 << (in[0] >> 6);
	if (len < n)
		return -EAGAIN;
	value = in[0] & 0x3f;
	for (i = 1; i < n; i++)
		value = (value << 8) | in[i];
	if (burrow_varint_len(value) != n)
		return -EBADMSG;	/* not the shortest encoding */
	*v = value;
	return (int)n;
}

int burrow_capsule_parse(const uint8_t *in, size_t len, struct burrow_capsule *capsule)
{
	return burrow_capsule_parse_bounded(in, len, BURROW_CAPSULE_VALUE_MAX, capsule);
}

int burrow_capsule_parse_bounded(const uint8_t *in, size_t len, size_t value_max,
				 struct burrow_capsule *capsule)
{
	uint64_t type, length;
	int n_type, n_len;
	size_t header;

	n_type = burrow_varint_decode(in, len, &type);
	if (n_type < 0)
		return n_type;
	n_len = burrow_varint_decode(in + n_type, len - (size_t)n_type, &length);
	if (n_len < 0)
		return n_len;
	if (length > value_max)
		return -EMSGSIZE;
	header = (size_t)n_type + (size_t)n_len;
	if (len - header < length)
		return -EAGAIN;
	capsule->type = type;
	capsule->value = in + header;
	capsule->length = (size_t)length;
	return (int)(header + length);
}

int burrow_capsule_encode(uint64_t type, const uint8_t *value, size_t length,
			  uint8_t *out, size_t out_size)
{
	size_t n_type, n_len;

	if (burrow_varint_len(type) == 0)
		return -EINVAL;
	if (length > BURROW_CAPSULE_VALUE_MAX)
		return -EMSGSIZE;
	n_type = burrow_varint_encode(type, out, out_size);
	if (n_type == 0)
		return -EMSGSIZE;
	n_len = burrow_varint_encode(length, out + n_type, out_size - n_type);
	if (n_len == 0 || out_size - n_type - n_len < length)
		return -EMSGSIZE;
	if (length)
		memcpy(out + n_type + n_len, value, length);
	return (int)(n_type + n_len + length);
}

const char *burrow_capsule_type_name(uint64_t type)
{
	switch (type) {
	case BURROW_CAPSULE_HELLO: return "HELLO";
	case BURROW_CAPSULE_REFUSE: return "REFUSE";
	case BURROW_CAPSULE_ROTATE_REQUEST: return "ROTATE_REQUEST";
	case BURROW_CAPSULE_ROTATE_OFFER: return "ROTATE_OFFER";
	case BURROW_CAPSULE_ROTATE_ACCEPT: return "ROTATE_ACCEPT";
	case BURROW_CAPSULE_ROTATE_CONFIRM: return "ROTATE_CONFIRM";
	case BURROW_CAPSULE_ROTATE_DONE: return "ROTATE_DONE";
	case BURROW_CAPSULE_ROUTE_REFUSED: return "ROUTE_REFUSED";
	case BURROW_CAPSULE_ADDRESS_ASSIGN: return "ADDRESS_ASSIGN";
	case BURROW_CAPSULE_ADDRESS_REQUEST: return "ADDRESS_REQUEST";
	case BURROW_CAPSULE_ROUTE_ADVERTISEMENT: return "ROUTE_ADVERTISEMENT";
	default: return "unknown";
	}
}

bool burrow_capsule_type_known(uint64_t type)
{
	return strcmp(burrow_capsule_type_name(type), "unknown") != 0;
}

/* ---- value cursor ----------------------------------------------------------- */

void burrow_cursor_init(struct burrow_cursor *c, const uint8_t *data, size_t len)
{
	c->pos = data;
	c->left = len;
	c->error = 0;
}

uint64_t burrow_cursor_varint(struct burrow_cursor *c)
{
	uint64_t v;
	int n;

	if (c->error)
		return 0;
	n = burrow_varint_decode(c->pos, c->left, &v);
	if (n < 0) {
		c->error = -EBADMSG;	/* truncated inside a value is malformed too */
		return 0;
	}
	c->pos += n;
	c->left -= (size_t)n;
	return v;
}

const uint8_t *burrow_cursor_bytes(struct burrow_cursor *c, size_t n)
{
	const uint8_t *p;

	if (c->error)
		return NULL;
	if (n > c->left) {
		c->error = -EBADMSG;
		return NULL;
	}
	p = c->pos;
	c->pos += n;
	c->left -= n;
	return p;
}

int burrow_cursor_finish(const struct burrow_cursor *c)
{
	if (c->error)
		return c->error;
	return c->left ? -EBADMSG : 0;
}

/* ---- writer ----------------------------------------------------------------- */

void burrow_writer_init(struct burrow_writer *w, uint8_t *buf, size_t size)
{
	w->buf = buf;
	w->size = size;
	w->len = 0;
	w->error = 0;
}

void burrow_writer_varint(struct burrow_writer *w, uint64_t v)
{
	size_t n;

	if (w->error)
		return;
	n = burrow_varint_encode(v, w->buf + w->len, w->size - w->len);
	if (n == 0)
		w->error = -EMSGSIZE;
	w->len += n;
}

void burrow_writer_bytes(struct burrow_writer *w, const uint8_t *data, size_t n)
{
	if (w->error)
		return;
	if (n > w->size - w->len) {
		w->error = -EMSGSIZE;
		return;
	}
	if (n)
		memcpy(w->buf + w->len, data, n);
	w->len += n;
}

/* ---- stream reassembly ------------------------------------------------------ */

void burrow_capsule_reader_init(struct burrow_capsule_reader *r)
{
	burrow_capsule_reader_init_for(r, BURROW_CAPSULE_VALUE_MAX, burrow_capsule_type_known);
}

void burrow_capsule_reader_init_for(struct burrow_capsule_reader *r, size_t value_max,
				    bool (*type_known)(uint64_t type))
{
	memset(r, 0, sizeof(*r));
	r->value_max = value_max;
	r->type_known = type_known;
}

void burrow_capsule_reader_free(struct burrow_capsule_reader *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

int burrow_capsule_reader_push(struct burrow_capsule_reader *r, const uint8_t *data, size_t len)
{
	if (r->error)
		return r->error;
	/* Inside an unknown capsule (then nothing is buffered): drop, never keep. */
	if (r->skip && r->start == r->len) {
		size_t drop = r->skip < len ? (size_t)r->skip : len;

		data += drop;
		len -= drop;
		r->skip -= drop;
	}
	if (len == 0)
		return 0;
	/* Drop what was consumed before growing. */
	if (r->start) {
		memmove(r->buf, r->buf + r->start, r->len - r->start);
		r->len -= r->start;
		r->start = 0;
	}
	if (len > r->cap - r->len) {
		size_t want = r->len + len;
		uint8_t *grown = realloc(r->buf, want);

		if (!grown)
			return -ENOMEM;
		r->buf = grown;
		r->cap = want;
	}
	memcpy(r->buf + r->len, data, len);
	r->len += len;
	return 0;
}

/* A varint in any of RFC 9000's encodings (minimal or not); -EAGAIN when truncated. */
static int varint_decode_any(const uint8_t *in, size_t len, uint64_t *v)
{
	size_t n;

	if (len == 0)
		return -EAGAIN;
	n = (size_t)1 << (in[0] >> 6);
	if (len < n)
		return -EAGAIN;
	*v = in[0] & 0x3f;
	for (size_t i = 1; i < n; i++)
		*v = (*v << 8) | in[i];
	return (int)n;
}

int burrow_capsule_reader_next(struct burrow_capsule_reader *r, struct burrow_capsule *capsule)
{
	for (;;) {
		uint64_t type, length;
		int n_type, n_len, n;

		if (r->error)
			return r->error;
		if (r->skip) {
			size_t held = r->len - r->start;
			size_t drop = r->skip < held ? (size_t)r->skip : held;

			r->start += drop;
			r->skip -= drop;
			if (r->skip)
				return 0;	/* the buffer is empty: push drops the rest */
		}
		if (r->start == r->len)
			return 0;
		n_type = varint_decode_any(r->buf + r->start, r->len - r->start, &type);
		if (n_type < 0)
			return 0;
		n_len = varint_decode_any(r->buf + r->start + n_type,
					  r->len - r->start - (size_t)n_type, &length);
		if (n_len < 0)
			return 0;
		if (!r->type_known(type)) {
			/* RFC 9297 §3.2: skip it, whatever its size, and parse the next. */
			r->start += (size_t)n_type + (size_t)n_len;
			r->skip = length;
			r->skipped++;
			continue;
		}
		n = burrow_capsule_parse_bounded(r->buf + r->start, r->len - r->start, r->value_max,
						 capsule);
		if (n == -EAGAIN)
			return 0;
		if (n < 0) {
			r->error = n;
			return n;
		}
		r->start += (size_t)n;
		return 1;
	}
}

bool burrow_capsule_reader_partial(const struct burrow_capsule_reader *r)
{
	return r->start < r->len || r->skip;
}

size_t burrow_capsule_reader_held(const struct burrow_capsule_reader *r)
{
	return r->len - r->start;
}
