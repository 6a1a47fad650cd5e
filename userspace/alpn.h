/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One QUIC listener, dispatched by ALPN (brief D14): burrowd's endpoint on
 * the tunnel's UDP port accepts every registered ALPN; each connection goes
 * to the handler of the ALPN it negotiated, which sees exactly the
 * callbacks it would see on an endpoint of its own (with its own
 * endpoint_user). A client offering no registered ALPN is refused by the
 * TLS layer with no_application_protocol and counted by the endpoint
 * (burrow_quic_endpoint_alpn_refused).
 *
 * Usage:
 *   struct burrow_alpn_registry reg = { 0 };
 *   burrow_alpn_register(&reg, BURROW_QUIC_ALPN, &burrowd_quic_callbacks, d);
 *   burrow_alpn_register(&reg, BURROW_PROXY_ALPN, &burrow_proxy_callbacks, px);
 *   settings.alpn = reg.handlers[0].alpn;          (what the endpoint dials with)
 *   settings.accept_alpns = burrow_alpn_accept_list(&reg);
 *   ep = burrow_quic_endpoint_new(fd, &settings, &burrow_alpn_callbacks, &reg);
 */
#ifndef BURROW_ALPN_H
#define BURROW_ALPN_H

#include "quic.h"

struct burrow_alpn_handler {
	const char *alpn;
	const struct burrow_quic_callbacks *cb;
	void *user;			/* the handler's endpoint_user */
	uint64_t connections;		/* authorized connections handed to it */
	bool dial_only;			/* not accepted: the node only dials it */
};

struct burrow_alpn_registry {
	struct burrow_alpn_handler handlers[BURROW_QUIC_MAX_ALPNS];
	size_t n;
	const char *accept[BURROW_QUIC_MAX_ALPNS];	/* handlers[1..n) alpn but dial-only ones,
							 * NULL-terminated */
};

/* -EEXIST for an ALPN registered twice, -ENOSPC when full. */
int burrow_alpn_register(struct burrow_alpn_registry *reg, const char *alpn,
			 const struct burrow_quic_callbacks *cb, void *user);
/*
 * A protocol this node only dials (burrow_quic_connect_alpn), such as the
 * coordination ALPN: its client connections get cb, and it is not in the
 * accept list, so a client offering it is refused like any unknown ALPN.
 * Not the first registration (the first is the endpoint's own ALPN).
 */
int burrow_alpn_register_dial(struct burrow_alpn_registry *reg, const char *alpn,
			      const struct burrow_quic_callbacks *cb, void *user);
/* Every ALPN but the first (the first is settings.alpn), NULL-terminated. */
const char *const *burrow_alpn_accept_list(struct burrow_alpn_registry *reg);
struct burrow_alpn_handler *burrow_alpn_find(struct burrow_alpn_registry *reg, const char *alpn);

/* Callbacks for the endpoint; endpoint_user = the registry. */
extern const struct burrow_quic_callbacks burrow_alpn_callbacks;

#endif /* BURROW_ALPN_H */
