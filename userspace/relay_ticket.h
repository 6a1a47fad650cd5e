/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Relay tickets (issue 19, brief D11): the coordinator's signed permission
 * for one pair of nodes to use one relay until an expiry. A relay admits a
 * node only with a ticket that verifies against the pinned coordinator key,
 * has not expired, names this relay, and names the node as one of the pair;
 * everything else is refused (fail-closed).
 *
 * Wire form (176 bytes, big-endian; docs/coordination.md "Relay tickets"):
 *   0   version (1)
 *   1   3 reserved bytes, zero
 *   4   ticket id, u32, non-zero (the id in the relay header, random)
 *   8   expiry, u64 unix seconds
 *   16  the relay's Ed25519 public key (32)
 *   48  node a's public key (32)      a < b bytewise, a != b
 *   80  node b's public key (32)
 *   112 Ed25519 signature (64) by the coordinator's key over
 *       BURROW_RELAY_TICKET_CONTEXT (with its NUL) followed by bytes 0..111
 * Its text form is the standard padded base64 of those bytes (236 chars).
 */
#ifndef BURROW_RELAY_TICKET_H
#define BURROW_RELAY_TICKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BURROW_RELAY_TICKET_VERSION 1
#define BURROW_RELAY_TICKET_BODY_LEN 112
#define BURROW_RELAY_TICKET_SIG_LEN 64
#define BURROW_RELAY_TICKET_LEN (BURROW_RELAY_TICKET_BODY_LEN + BURROW_RELAY_TICKET_SIG_LEN)
#define BURROW_RELAY_TICKET_TEXT_LEN 236
#define BURROW_RELAY_TICKET_TEXT_SIZE (BURROW_RELAY_TICKET_TEXT_LEN + 1)
#define BURROW_RELAY_TICKET_CONTEXT "burrow relay ticket v1"

struct burrow_relay_ticket {
	uint8_t version;
	uint32_t id;
	uint64_t expiry;			/* unix seconds */
	uint8_t relay[32];
	uint8_t a[32];				/* a < b */
	uint8_t b[32];
	uint8_t sig[BURROW_RELAY_TICKET_SIG_LEN];
};

/*
 * Why a ticket is refused. Also the refusal codes of the relay admission
 * protocol (relay_admit.h), so the numbers are wire values: never reuse one.
 */
enum burrow_relay_ticket_result {
	BURROW_RELAY_TICKET_OK = 0,
	BURROW_RELAY_TICKET_MALFORMED = 1,	/* length, version, reserved, zero id, order */
	BURROW_RELAY_TICKET_BAD_SIGNATURE = 2,
	BURROW_RELAY_TICKET_EXPIRED = 3,
	BURROW_RELAY_TICKET_WRONG_RELAY = 4,
	BURROW_RELAY_TICKET_NOT_A_PARTY = 5,
	BURROW_RELAY_TICKET_REVOKED = 6,	/* the coordinator revoked the id (relay side) */
	BURROW_RELAY_TICKET_CONFLICT = 7,	/* the id is taken by another pair, or no room */
	BURROW_RELAY_TICKET_RESULT_COUNT
};

/* "malformed", "bad signature", "expired", "wrong relay", "not a party", ... */
const char *burrow_relay_ticket_result_name(unsigned result);

/* The 176 bytes; the ticket must be well-formed (-EINVAL otherwise). */
int burrow_relay_ticket_encode(const struct burrow_relay_ticket *t,
			       uint8_t out[BURROW_RELAY_TICKET_LEN]);
/*
 * Strict decode: exactly BURROW_RELAY_TICKET_LEN bytes, version 1, reserved
 * bytes zero, id non-zero, a < b. Returns BURROW_RELAY_TICKET_OK or
 * BURROW_RELAY_TICKET_MALFORMED with *why saying which check failed.
 * Decoding checks no signature: call verify.
 */
int burrow_relay_ticket_decode(const uint8_t *buf, size_t len, struct burrow_relay_ticket *t,
			       const char **why);

/* Text form; from_text quotes nothing (a ticket is long): *why as decode. */
void burrow_relay_ticket_to_text(const struct burrow_relay_ticket *t,
				 char text[BURROW_RELAY_TICKET_TEXT_SIZE]);
int burrow_relay_ticket_from_text(const char *text, struct burrow_relay_ticket *t,
				  const char **why);

/*
 * Make and sign a ticket for the pair (n1, n2) (either order; they must
 * differ and neither may be the relay) with a fresh random non-zero id,
 * expiring at expiry. coord_pem: the coordinator's Ed25519 private key
 * (PKCS#8 PEM, identity.h). 0 or -errno with err set.
 */
int burrow_relay_ticket_issue(const char *coord_pem, const uint8_t relay[32],
			      const uint8_t n1[32], const uint8_t n2[32], uint64_t expiry,
			      struct burrow_relay_ticket *t, char *err, size_t err_size);

/* Sign t's body with coord_pem (issue uses it; tests forge with it). */
int burrow_relay_ticket_sign(struct burrow_relay_ticket *t, const char *coord_pem, char *err,
			     size_t err_size);

/*
 * Everything a relay checks, in this order (nothing about an unsigned
 * ticket is looked at): the signature by coord_key, expiry > now, relay ==
 * relay_key, peer_key is a or b. Returns the first failure, or OK.
 * A malformed ticket (version, zero id, order) is MALFORMED.
 */
int burrow_relay_ticket_verify(const struct burrow_relay_ticket *t, const uint8_t coord_key[32],
			       const uint8_t relay_key[32], const uint8_t peer_key[32],
			       uint64_t now);

/* The other party of a ticket for peer_key (a or b); NULL if neither. */
const uint8_t *burrow_relay_ticket_other(const struct burrow_relay_ticket *t,
					 const uint8_t peer_key[32]);

#endif /* BURROW_RELAY_TICKET_H */
