/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrowd's relay role (issue 19, brief D11): admission of nodes to the
 * kernel relay table by coordinator-signed tickets (relay_ticket.h).
 *
 * A node dials the relay's one UDP port with ALPN "burrow-relay/1"
 * (BURROW_RELAY_ALPN; its Ed25519 key authenticated by the handshake as on
 * every burrow connection), opens a bidirectional stream and sends
 *   version (1) | ticket (176 bytes)                  then FIN
 * and the relay answers
 *   version (1) | code (u8) | text length (u8) | text then FIN
 * code 0 is OK; any other is a refusal (enum burrow_relay_ticket_result:
 * malformed, bad signature, expired, wrong relay, not a party, revoked,
 * conflict, unavailable). Wire format: docs/burrowd.md "Relay".
 *
 * Admission checks the ticket's signature with the pinned coordinator key
 * ([coordinator] public_key), its expiry, that it names this relay, and
 * that the connection's key is one of its pair; then it binds that party to
 * the address:port the connection came from (the node's one UDP port, D11).
 * Once both parties are bound the kernel entry is installed (relay-new,
 * lifetime = seconds to expiry, at most BURROW_RELAY_LIFETIME_MAX, renewed
 * by relay-set while the ticket lasts); a party binding again from another
 * address moves its endpoint (relay-set); expiry and revocation delete it
 * (relay-del). Nothing is installed for a ticket with one party only, and
 * nothing is forwarded without an entry: admission is fail-closed.
 *
 * The kernel is reached through struct burrow_relay_ops so all of this is
 * testable without one (selftests/unit/test_burrowd_relay.c).
 */
#ifndef BURROW_RELAY_ADMIT_H
#define BURROW_RELAY_ADMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "burrow-nl.h"
#include "quic.h"
#include "relay_ticket.h"

#define BURROW_RELAY_ALPN "burrow-relay/1"
#define BURROW_RELAY_VERSION 1
#define BURROW_RELAY_REQUEST_LEN (1 + BURROW_RELAY_TICKET_LEN)
#define BURROW_RELAY_RESPONSE_MAX (3 + 255)
#define BURROW_RELAY_LIFETIME_MAX 86400		/* a kernel entry's lifetime cap, seconds */
#define BURROW_RELAY_RENEW_BEFORE 60		/* renew an entry this long before it ends */
#define BURROW_RELAY_MAX_ENTRIES 4096		/* tickets bound at once */

/* A refusal code beyond the ticket's own: the kernel refused the entry. */
#define BURROW_RELAY_UNAVAILABLE BURROW_RELAY_TICKET_RESULT_COUNT
#define BURROW_RELAY_CODE_COUNT (BURROW_RELAY_UNAVAILABLE + 1)
const char *burrow_relay_code_name(unsigned code);

/* The kernel's relay table (netlink/lib relay-new/set/del); 0 or -errno. */
struct burrow_relay_ops {
	int (*entry_new)(void *arg, const struct burrow_nl_relay *entry);
	/* endpoints of family AF_UNSPEC and lifetime 0 stay as they are */
	int (*entry_set)(void *arg, const struct burrow_nl_relay *entry);
	int (*entry_del)(void *arg, uint32_t ticket);
	void *arg;
};

struct burrow_relay_counters {
	uint64_t admitted;			/* parties bound (or rebound) */
	uint64_t refused[BURROW_RELAY_CODE_COUNT];	/* by code (0 unused) */
	uint64_t entries;			/* kernel entries installed now */
	uint64_t installed;			/* relay-new calls that worked */
	uint64_t moved;				/* relay-set for a rebound party */
	uint64_t renewed;			/* relay-set for a lifetime */
	uint64_t expired;			/* entries deleted at expiry */
	uint64_t revoked;			/* tickets deleted by revocation */
	uint64_t kernel_errors;			/* relay-new/set/del that failed */
};

struct burrow_relay;

/* coord_key: the pinned coordinator key; own_key: this relay's key. */
struct burrow_relay *burrow_relay_new(const uint8_t coord_key[32], const uint8_t own_key[32],
				      const struct burrow_relay_ops *ops);
/* Deletes every installed entry (relay-del) and frees. NULL is fine. */
void burrow_relay_free(struct burrow_relay *r);

/*
 * Admit the party holding peer_key, seen at from, with the ticket bytes;
 * now in unix seconds. Returns 0 (admitted) or a refusal code; *why is a
 * short text for the answer (static).
 */
unsigned burrow_relay_admit(struct burrow_relay *r, const uint8_t peer_key[32],
			    const struct sockaddr *from, const uint8_t *ticket, size_t len,
			    uint64_t now, const char **why);

/* Revoke a ticket id: its entry is deleted and the id refused from now
 * until BURROW_RELAY_LIFETIME_MAX seconds on (or its expiry, if known). */
void burrow_relay_revoke(struct burrow_relay *r, uint32_t id, uint64_t now);

/* Expire, renew: call at burrow_relay_next_event() (unix seconds, UINT64_MAX: none). */
void burrow_relay_tick(struct burrow_relay *r, uint64_t now);
uint64_t burrow_relay_next_event(const struct burrow_relay *r);

const struct burrow_relay_counters *burrow_relay_counters(const struct burrow_relay *r);
/* Tickets with at least one party bound. */
size_t burrow_relay_bound(const struct burrow_relay *r);

/* `burrowd status`: the counters, text or JSON (an object, no newline). */
void burrow_relay_write_status(const struct burrow_relay *r, FILE *out, bool json);

/* Wire codec (exported for tests and the client). */
int burrow_relay_request_encode(const struct burrow_relay_ticket *t,
				uint8_t out[BURROW_RELAY_REQUEST_LEN]);
int burrow_relay_response_encode(unsigned code, const char *text, uint8_t *out, size_t size);
/* > 0: bytes the response took; 0: need more; -EPROTO: malformed. */
int burrow_relay_response_parse(const uint8_t *buf, size_t len, unsigned *code, char text[256]);

/* The ops on burrowd's device (relay_kernel.c): netlink relay-new/set/del. */
struct burrow_kernel;
struct burrow_relay_ops burrow_relay_kernel_ops(struct burrow_kernel *k);

/* The server's QUIC callbacks; endpoint_user = the relay (with a clock). */
extern const struct burrow_quic_callbacks burrow_relay_callbacks;
/* Unix seconds for the callbacks (tests replace it); NULL = time(). */
void burrow_relay_set_clock(struct burrow_relay *r, uint64_t (*now)(void));

#endif /* BURROW_RELAY_ADMIT_H */
