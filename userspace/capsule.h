/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QUIC variable-length integers (RFC 9000 §16) and the Capsule Protocol
 * framing (RFC 9297 §3.2: type varint, length varint, value) that burrowd
 * speaks on its control stream. Pure functions over buffers: no I/O, no
 * allocation except in struct burrow_capsule_reader, which owns its buffer.
 *
 * Policy (documented in docs/security.md):
 *   - A varint must use the shortest encoding of its value (RFC 9000 allows
 *     longer ones, burrow does not): the only peer is burrowd, and one
 *     encoding per value leaves nothing ambiguous to fuzz. -EBADMSG.
 *   - A capsule value longer than BURROW_CAPSULE_VALUE_MAX is refused with
 *     -EMSGSIZE before any of it is buffered.
 *   - Both apply to the capsule types burrow knows. A capsule of any other
 *     type is skipped whatever its length, and its type and length may use
 *     any varint encoding RFC 9000 allows (RFC 9297 §3.2: "MUST silently
 *     drop that Capsule and skip over it"); the reader drops its value as
 *     it arrives instead of buffering it.
 *   - A truncated varint or value is "need more data" on a stream (the
 *     reader waits), but malformed (-EBADMSG) inside a complete value or
 *     when the stream ends.
 */
#ifndef BURROW_CAPSULE_H
#define BURROW_CAPSULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest value a QUIC varint holds: 2^62 - 1. */
#define BURROW_VARINT_MAX ((UINT64_C(1) << 62) - 1)
/* Longest varint encoding. */
#define BURROW_VARINT_LEN_MAX 8

/* Longest capsule value burrowd accepts; every burrow capsule is far smaller. */
#define BURROW_CAPSULE_VALUE_MAX 4096

/*
 * burrow's capsule types. RFC 9297 §5.4: types 0x00-0x3f need Standards
 * Action; these sit far above, in a block burrow uses only on connections
 * that negotiated ALPN "burrow/1" (no HTTP/3, so no other capsule user).
 * None is a reserved greasing value (RFC 9297 §5.4: 0x29 * N + 0x17). Not
 * IANA-registered.
 */
#define BURROW_CAPSULE_HELLO		0x2b0b01
#define BURROW_CAPSULE_REFUSE		0x2b0b02	/* UTF-8 reason; the sender closes */
#define BURROW_CAPSULE_ROTATE_REQUEST	0x2b0b03	/* server asks the client to rotate */
#define BURROW_CAPSULE_ROTATE_OFFER	0x2b0b04	/* client: generation + X25519 share */
#define BURROW_CAPSULE_ROTATE_ACCEPT	0x2b0b05	/* server: generation + X25519 share */
#define BURROW_CAPSULE_ROTATE_CONFIRM	0x2b0b06	/* client: swapped to generation */
#define BURROW_CAPSULE_ROTATE_DONE	0x2b0b07	/* server: swapped to generation */
#define BURROW_CAPSULE_ROUTE_REFUSED	0x2b0b08	/* routes of the peer's advertisement refused */
/*
 * RFC 9484 (CONNECT-IP) capsules, with their registered code points;
 * layouts and rules in connectip.h.
 */
#define BURROW_CAPSULE_ADDRESS_ASSIGN		0x01
#define BURROW_CAPSULE_ADDRESS_REQUEST		0x02
#define BURROW_CAPSULE_ROUTE_ADVERTISEMENT	0x03

/* Encoded length of v (1, 2, 4 or 8); 0 if v > BURROW_VARINT_MAX. */
size_t burrow_varint_len(uint64_t v);

/*
 * Write v at out (room for out_size bytes). Returns the bytes written, or 0
 * when v > BURROW_VARINT_MAX or it does not fit.
 */
size_t burrow_varint_encode(uint64_t v, uint8_t *out, size_t out_size);

/*
 * Read a varint from in[0..len). Returns the bytes consumed (1-8) and sets
 * *v; -EAGAIN when in is shorter than the encoding (truncated, including
 * len == 0); -EBADMSG when the encoding is not the shortest for its value.
 */
int burrow_varint_decode(const uint8_t *in, size_t len, uint64_t *v);

/* A capsule found in a buffer; value points into that buffer. */
struct burrow_capsule {
	uint64_t type;
	const uint8_t *value;
	size_t length;
};

/*
 * Parse one capsule at the start of in[0..len). Returns the bytes the whole
 * capsule takes (> 0) and fills *capsule; -EAGAIN when more bytes are needed
 * (truncated type, length or value); -EBADMSG for a non-minimal varint;
 * -EMSGSIZE when the length exceeds BURROW_CAPSULE_VALUE_MAX.
 */
int burrow_capsule_parse(const uint8_t *in, size_t len, struct burrow_capsule *capsule);
/* The same with another bound than BURROW_CAPSULE_VALUE_MAX (a stream with larger capsules). */
int burrow_capsule_parse_bounded(const uint8_t *in, size_t len, size_t value_max,
				 struct burrow_capsule *capsule);

/*
 * Encode type, length and value into out. Returns the bytes written, or
 * -EMSGSIZE when length > BURROW_CAPSULE_VALUE_MAX or out is too small,
 * -EINVAL when type is not a valid varint.
 */
int burrow_capsule_encode(uint64_t type, const uint8_t *value, size_t length,
			  uint8_t *out, size_t out_size);

/* Human-readable name of a burrow capsule type, "unknown" otherwise. */
const char *burrow_capsule_type_name(uint64_t type);
/* Whether type is one burrow speaks (a name other than "unknown"). */
bool burrow_capsule_type_known(uint64_t type);

/*
 * Field cursor for decoding a capsule value: every read fails once anything
 * failed, so a decoder checks the cursor once at the end. A value must be
 * consumed exactly (burrow_cursor_finish): trailing bytes are malformed.
 */
struct burrow_cursor {
	const uint8_t *pos;
	size_t left;
	int error;		/* 0, or -EBADMSG once a read failed */
};

void burrow_cursor_init(struct burrow_cursor *c, const uint8_t *data, size_t len);
/* A varint; truncation inside a value is malformed. */
uint64_t burrow_cursor_varint(struct burrow_cursor *c);
/* n raw bytes; returns a pointer into the value, NULL on failure. */
const uint8_t *burrow_cursor_bytes(struct burrow_cursor *c, size_t n);
/* 0 when every read succeeded and nothing is left, else -EBADMSG. */
int burrow_cursor_finish(const struct burrow_cursor *c);

/* Growing output buffer for encoders; fixed capacity, error sticks. */
struct burrow_writer {
	uint8_t *buf;
	size_t size;
	size_t len;
	int error;		/* 0, or -EMSGSIZE once something did not fit */
};

void burrow_writer_init(struct burrow_writer *w, uint8_t *buf, size_t size);
void burrow_writer_varint(struct burrow_writer *w, uint64_t v);
void burrow_writer_bytes(struct burrow_writer *w, const uint8_t *data, size_t n);

/*
 * Reassembles capsules from stream chunks. Feed bytes with
 * burrow_capsule_reader_push(), then take capsules with
 * burrow_capsule_reader_next() until it returns 0. As long as next() is
 * called after each push, the buffer never holds more than one capsule's
 * worth (header + value_max) plus the last chunk: capsules of
 * unknown types are skipped, their values dropped as they arrive (skip),
 * never buffered. A caller that holds capsules back (pushes without
 * taking) bounds that itself (burrow_capsule_reader_held).
 */
struct burrow_capsule_reader {
	uint8_t *buf;
	size_t len;		/* bytes held */
	size_t start;		/* first unconsumed byte */
	size_t cap;
	int error;		/* sticky: the stream is malformed */
	uint64_t skip;		/* value bytes of an unknown capsule still to drop;
				 * non-zero only while nothing is buffered */
	uint64_t skipped;	/* unknown capsules skipped so far */
	/*
	 * What the stream speaks: the longest value taken and the types kept
	 * (others are skipped). burrow_capsule_reader_init() sets burrowd's
	 * control stream (BURROW_CAPSULE_VALUE_MAX, burrow_capsule_type_known).
	 */
	size_t value_max;
	bool (*type_known)(uint64_t type);
};

void burrow_capsule_reader_init(struct burrow_capsule_reader *r);
/* A reader for another capsule stream: its own value bound and set of types. */
void burrow_capsule_reader_init_for(struct burrow_capsule_reader *r, size_t value_max,
				    bool (*type_known)(uint64_t type));
void burrow_capsule_reader_free(struct burrow_capsule_reader *r);
/* Append a chunk. -ENOMEM, or the sticky error. */
int burrow_capsule_reader_push(struct burrow_capsule_reader *r, const uint8_t *data, size_t len);
/*
 * 1 and *capsule (valid until the next push/next call) when a capsule is
 * complete; 0 when more data is needed; a negative code (sticky) when the
 * stream is malformed.
 */
int burrow_capsule_reader_next(struct burrow_capsule_reader *r, struct burrow_capsule *capsule);
/* Whether a partial capsule is buffered or being skipped (so a FIN now truncates it). */
bool burrow_capsule_reader_partial(const struct burrow_capsule_reader *r);
/* Bytes buffered and not yet taken. */
size_t burrow_capsule_reader_held(const struct burrow_capsule_reader *r);

#endif /* BURROW_CAPSULE_H */
