/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The coordinator's side of relay tickets (issue 19): issue a ticket that
 * lets a pair of registered nodes use a third as their relay, and record
 * it (id, expiry) in the store so it can be listed and revoked. The CLI's
 * `relay-ticket issue` calls this; automatic fallback is to call it too.
 */
#ifndef BURROW_COORD_RELAY_H
#define BURROW_COORD_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../relay_ticket.h"
#include "coord_store.h"

#define COORD_RELAY_LIFETIME_DEFAULT 300	/* seconds */
#define COORD_RELAY_LIFETIME_MAX 86400		/* the kernel entry's cap, one day */

/*
 * Issue a ticket for the pair (n1, n2) through relay, all node names as in
 * `burrow-coord node list`, valid from now (unix seconds) for lifetime
 * seconds (1..COORD_RELAY_LIFETIME_MAX), signed with coord_pem. Returns 0,
 * -ENOENT (no such node), -EINVAL (the same node twice, a bad lifetime),
 * -EACCES (a node has expired) or a store error; err says why, quoting the
 * name.
 */
int coord_relay_ticket_issue(struct coord_store *cs, const char *coord_pem, const char *relay,
			     const char *n1, const char *n2, uint64_t lifetime, uint64_t now,
			     struct burrow_relay_ticket *ticket, char *err, size_t err_size);

/* Control tickets: a node reaches the coordinator through a relay. */
#define COORD_CONTROL_LIFETIME_DEFAULT (7 * 86400)	/* seconds */
#define COORD_CONTROL_LIFETIME_MAX (30 * 86400)

/*
 * Issue a control ticket: the pair is node_key (a node's public key; the
 * node need not be registered yet) and coord_key (the coordinator's own,
 * coord_pem's), through relay, a registered node that said it relays.
 * Signed and recorded like coord_relay_ticket_issue (the store logs
 * COORD_CHANGE_RELAY_BIND so the running server sends RELAY_BIND).
 * endpoint gets where nodes reach the relay (HOST:PORT). Returns 0,
 * -ENOENT (no such relay node), -EACCES (the relay expired or is not a
 * relay), -EINVAL (a bad lifetime, node_key is the coordinator's or the
 * relay's) or a store error; err says why, quoting the input.
 */
int coord_control_ticket_issue(struct coord_store *cs, const char *coord_pem,
			       const uint8_t coord_key[32], const char *relay,
			       const uint8_t node_key[32], uint64_t lifetime, uint64_t now,
			       struct burrow_relay_ticket *ticket,
			       char endpoint[COORD_ADDR_SIZE + 8], char *err, size_t err_size);

/*
 * Renewal (docs/coordination.md "Lifetime"): a control ticket is due when
 * less than half its lifetime (expiry - issued) is left at now_ms (unix
 * ms); due_ms is the first such ms.
 */
bool coord_control_ticket_due(const struct coord_control_ticket *t, uint64_t now_ms);
uint64_t coord_control_ticket_due_ms(const struct coord_control_ticket *t);
/*
 * Issue the renewal of old: the same node key, relay and lifetime, from now
 * (unix seconds), recorded with old marked renewed by it (one transaction;
 * COORD_CHANGE_RELAY_BIND logged for the relay). -EACCES when old is
 * revoked, -EALREADY when it was renewed already, else as
 * coord_control_ticket_issue (the relay gone or no longer a relay).
 */
int coord_control_ticket_renew(struct coord_store *cs, const char *coord_pem,
			       const uint8_t coord_key[32], const struct coord_control_ticket *old,
			       uint64_t now, struct burrow_relay_ticket *ticket, char *err,
			       size_t err_size);

#endif /* BURROW_COORD_RELAY_H */
