/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interface address changes, from rtnetlink (issue 19): a node's local
 * endpoint candidates are its interfaces' addresses, so a DHCP renewal, a
 * new interface or a lost one must reach the coordinator without waiting
 * for a reconnect or a reload. The watch joins the link and IPv4/IPv6
 * address groups of NETLINK_ROUTE and calls changed once things settle:
 * events come in bursts (an interface going up adds several addresses),
 * so a burst gives one call, BURROW_ADDR_WATCH_SETTLE_MS after its first
 * event. What changed is not parsed: the caller recomputes its candidates
 * and sends them only if they differ (mesh.c candidates_refresh), which
 * also covers a socket buffer overflow (ENOBUFS: events were lost).
 * Single-threaded, on burrowd's loop.
 */
#ifndef BURROW_ADDR_WATCH_H
#define BURROW_ADDR_WATCH_H

#include <stdint.h>

#define BURROW_ADDR_WATCH_SETTLE_MS 500

struct burrow_loop;
struct burrow_addr_watch;

/* NULL with errno set when the socket cannot be opened or bound. */
struct burrow_addr_watch *burrow_addr_watch_new(struct burrow_loop *loop,
						void (*changed)(void *arg), void *arg);
/* Stops watching (no call after it) and frees. NULL is fine. */
void burrow_addr_watch_free(struct burrow_addr_watch *w);
/* Bursts seen (each gave one call), for status and tests. */
uint64_t burrow_addr_watch_bursts(const struct burrow_addr_watch *w);

#endif /* BURROW_ADDR_WATCH_H */
