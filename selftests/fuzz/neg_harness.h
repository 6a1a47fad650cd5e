/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A node for the fuzz targets: burrowd's real negotiation state machine
 * (negotiate.c, policy.c, pool.c, connectip.c, capsule.c, config) with the
 * kernel, netlink, store and QUIC replaced by stubs (neg_harness.c). One
 * fuzz input is a capsule stream from one peer, fed through the capsule
 * reader into the same dispatch session.c does, so sequences of capsules
 * reach the state kept between them (request IDs, leases, accepted routes,
 * assigned addresses, withdrawals).
 */
#ifndef BURROW_NEG_HARNESS_H
#define BURROW_NEG_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/* Set up the node once (a hub with a pool and two peers). */
void neg_harness_init(void);
/*
 * Run one session of peer 0 ("m3"): it comes up (negotiation starts with
 * mtu), then every capsule of data[0..size) is handled until the stream is
 * aborted. Invariants are checked after each capsule (abort() on breach).
 * Returns the number of capsules handled.
 */
size_t neg_harness_session(const uint8_t *data, size_t size, unsigned int mtu);

#endif /* BURROW_NEG_HARNESS_H */
