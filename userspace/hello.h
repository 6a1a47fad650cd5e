/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HELLO capsule (BURROW_CAPSULE_HELLO) and the deterministic choice of
 * session parameters from two HELLOs. Pure functions.
 *
 * Value layout (every integer a QUIC varint, minimal encoding):
 *   version           highest protocol version the sender speaks (now 1)
 *   name_len, name    node name, 1-63 bytes of [A-Za-z0-9._-]
 *   peer_id           the id the sender's kernel gave the receiver (1..2^32-1);
 *                     the receiver sends data packets with it as tx-id
 *   n_ciphers, cipher...        enum burrow_cipher values, preference order
 *   n_encaps, encap...          enum burrow_encap values, preference order
 *   mtu               largest inner packet the sender wants (1280-65535)
 *   n_cids, (cid_len, cid)...   quic data connection ids (1-20 bytes each)
 *   [mode, n_segments, segment...]  optional link mode (docs/security.md):
 *                     absent for l3, so an l3 HELLO is byte for byte what
 *                     nodes before it send; present, mode is non-zero (l2 is
 *                     1; a later mode is decoded and refused by select) and
 *                     is followed by the 802.1Q VLAN ids (0 = untagged,
 *                     1-4094) the sender wants with the receiver, strictly
 *                     ascending, at most BURROW_HELLO_SEGMENTS_MAX
 * Lists hold at most BURROW_HELLO_LIST_MAX entries. Values a version-1 node
 * does not know (a cipher or encapsulation from a later version) are
 * skipped while decoding; duplicates are dropped. Trailing bytes, a missing
 * field or a field out of range make the capsule malformed.
 */
#ifndef BURROW_HELLO_H
#define BURROW_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BURROW_PROTOCOL_VERSION 1
#define BURROW_HELLO_NAME_MAX 63
#define BURROW_HELLO_LIST_MAX 16
#define BURROW_HELLO_CID_MAX 4
#define BURROW_HELLO_CID_LEN_MAX 20
#define BURROW_HELLO_SEGMENTS_MAX 128
#define BURROW_HELLO_SEGMENT_MAX 4094	/* 802.1Q VLAN ids; 4095 is reserved */

/* Link modes (the kernel's enum burrow_mode). */
#define BURROW_HELLO_MODE_L3 0
#define BURROW_HELLO_MODE_L2 1
/*
 * RFC 9484 §7.2: an IP tunnel link that carries IPv6 MUST have an MTU of at
 * least 1280, and a device below that loses IPv6 in Linux; the device MTU is
 * shared by every session, so one peer's HELLO must not push it lower.
 */
#define BURROW_HELLO_MTU_MIN 1280
#define BURROW_HELLO_MTU_MAX 65535

/* Known values (the kernel's enum burrow_cipher / enum burrow_encap). */
#define BURROW_HELLO_CIPHER_COUNT 3
#define BURROW_HELLO_ENCAP_COUNT 2

struct burrow_hello_cid {
	uint8_t len;
	uint8_t id[BURROW_HELLO_CID_LEN_MAX];
};

struct burrow_hello {
	uint64_t version;
	char name[BURROW_HELLO_NAME_MAX + 1];
	uint32_t peer_id;
	uint8_t ciphers[BURROW_HELLO_LIST_MAX];
	size_t n_ciphers;
	uint8_t encaps[BURROW_HELLO_LIST_MAX];
	size_t n_encaps;
	uint32_t mtu;
	struct burrow_hello_cid cids[BURROW_HELLO_CID_MAX];
	size_t n_cids;
	uint64_t mode;				/* BURROW_HELLO_MODE_*; 0 (l3) when absent */
	uint16_t segments[BURROW_HELLO_SEGMENTS_MAX];	/* ascending; l2 only */
	size_t n_segments;
};

/* What both sides use once HELLOs are exchanged. */
struct burrow_session_params {
	uint64_t version;
	uint8_t cipher;
	uint8_t encap;
	uint32_t mtu;
	uint8_t mode;				/* BURROW_HELLO_MODE_* both sides use */
	/* l2: the VLAN ids both sides listed (never empty), ascending. */
	uint16_t segments[BURROW_HELLO_SEGMENTS_MAX];
	size_t n_segments;
};

/* Whether a node name is acceptable (1-63 of [A-Za-z0-9._-]). */
bool burrow_hello_name_valid(const char *name);

/*
 * Encode hello's value (not the capsule header) into out. Returns the
 * length, -EINVAL for a hello that breaks the rules above (why says which
 * field), -EMSGSIZE when out is too small.
 */
int burrow_hello_encode(const struct burrow_hello *hello, uint8_t *out, size_t out_size,
			char *why, size_t why_size);

/* Decode a HELLO value. 0, or -EBADMSG with why naming the field. */
int burrow_hello_decode(const uint8_t *value, size_t len, struct burrow_hello *hello,
			char *why, size_t why_size);

/*
 * Choose the session parameters. Deterministic and symmetric: both nodes
 * call it with the QUIC client's HELLO first, so both get the same answer.
 *   version: the lower of the two; must be 1 (the only one spoken).
 *   cipher, encap: the first entry of the client's list the server also
 *     lists; quic only when both sent data connection ids.
 *   mtu: the lower of the two.
 *   mode: both must send the same link mode ("link mode mismatch: client
 *     is l2, server is l3" otherwise); for l2 the segments are the
 *     intersection of the two lists, which must not be empty.
 * Returns 0, or -ENOENT with why ("no common cipher: client offers
 * [aes-128-gcm], server offers [chacha20-poly1305]").
 */
int burrow_hello_select(const struct burrow_hello *client, const struct burrow_hello *server,
			struct burrow_session_params *params, char *why, size_t why_size);

/* "chacha20-poly1305", "aes-128-gcm", "aes-256-gcm"; NULL when unknown. */
const char *burrow_cipher_name(uint8_t cipher);
/* "udp", "quic"; NULL when unknown. */
const char *burrow_encap_name(uint8_t encap);
/*
 * A segment list as "0,10,20" in out (size bytes, NUL included), cut short
 * with "..." when it does not fit; returns out, so it nests in a printf()
 * argument list. BURROW_HELLO_SEGMENTS_TEXT_SIZE holds any list whole.
 */
#define BURROW_HELLO_SEGMENTS_TEXT_SIZE (5 * BURROW_HELLO_SEGMENTS_MAX + 10)
const char *burrow_hello_segments_text(const uint16_t *list, size_t n, char *out, size_t size);
/* Parse those names; -EINVAL when unknown. */
int burrow_cipher_from_name(const char *name, uint8_t *cipher);
int burrow_encap_from_name(const char *name, uint8_t *encap);

#endif /* BURROW_HELLO_H */
