/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deterministic peers for the coordination tests: peer id i gets name
 * "node-<i>", a public key made of i and variant, overlay addresses from i,
 * one endpoint and (for odd variants) one route. A different variant of
 * the same id is a changed peer.
 */
#ifndef BURROW_TEST_COORD_PEERS_H
#define BURROW_TEST_COORD_PEERS_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_msg.h"

static inline void coord_test_peer(struct coord_peer *p, uint64_t id, unsigned int variant)
{
	memset(p, 0, sizeof(*p));
	p->id = id;
	snprintf(p->name, sizeof(p->name), "node-%llu", (unsigned long long)id);
	for (int k = 0; k < 8; k++)
		p->public_key[k] = (uint8_t)(id >> (8 * k));
	p->public_key[31] = (uint8_t)variant;
	p->ipv4[0] = 100;
	p->ipv4[1] = (uint8_t)(64 + ((id >> 16) & 0x3f));
	p->ipv4[2] = (uint8_t)(id >> 8);
	p->ipv4[3] = (uint8_t)id;
	p->ipv6[0] = 0xfd;
	p->ipv6[1] = 0x7a;
	memcpy(p->ipv6 + 8, &id, sizeof(id));
	p->n_endpoints = 1;
	p->endpoints = calloc(1, sizeof(*p->endpoints));
	p->endpoints[0].family = AF_INET;
	p->endpoints[0].addr.bytes[0] = 192;
	p->endpoints[0].addr.bytes[1] = 0;
	p->endpoints[0].addr.bytes[2] = 2;
	p->endpoints[0].addr.bytes[3] = (uint8_t)id;
	p->endpoints[0].port = (uint16_t)(40000 + variant);
	if (variant % 2) {
		p->n_routes = 1;
		p->routes = calloc(1, sizeof(*p->routes));
		p->routes[0].family = AF_INET;
		p->routes[0].len = 24;
		p->routes[0].addr.bytes[0] = 10;
		p->routes[0].addr.bytes[1] = (uint8_t)(id >> 8);
		p->routes[0].addr.bytes[2] = (uint8_t)id;
	}
}

static inline void coord_test_self(struct coord_map_self *self)
{
	memset(self, 0, sizeof(*self));
	self->id = 1;
	strcpy(self->name, "self");
	self->addresses.ipv4.family = AF_INET;
	self->addresses.ipv4.len = 10;
	inet_pton(AF_INET, "100.64.0.1", self->addresses.ipv4.addr.bytes);
	self->addresses.ipv6.family = AF_INET6;
	self->addresses.ipv6.len = 48;
	inet_pton(AF_INET6, "fd7a:1:2::1", self->addresses.ipv6.addr.bytes);
}

/* peers id first .. first + n - 1, all of the given variant. */
static inline struct coord_peer *coord_test_peers(uint64_t first, size_t n, unsigned int variant)
{
	struct coord_peer *peers = calloc(n ? n : 1, sizeof(*peers));

	for (size_t i = 0; i < n; i++)
		coord_test_peer(&peers[i], first + i, variant);
	return peers;
}

#endif /* BURROW_TEST_COORD_PEERS_H */
