// SPDX-License-Identifier: GPL-2.0
/*
 * A node map as burrowd peers (mesh_peers.c): what each map peer becomes
 * (name, key, endpoint of the socket's family, every candidate it can reach, allowed IPs without exit
 * routes, no negotiation), which are left out (the node itself, a file
 * peer's name or key), and the node's overlay addresses.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "coord_map.h"
#include "coord_peers.h"
#include "identity.h"
#include "log.h"
#include "mesh.h"

/* bytes 32..63: the file's [peer b]. */
#define KEY_B "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="

static const char file_config[] =
	"[node]\n"
	"name = web1\n"
	"address = 10.0.0.1/24\n"
	"[peer b]\n"
	"public_key = " KEY_B "\n"
	"endpoint = 192.0.2.99:51820\n";

static void prefix(struct burrow_nl_prefix *p, const char *text)
{
	char why[128];

	if (burrow_prefix_parse(text, p, why, sizeof(why)))
		fail_msg("%s", why);
}

static void prefix_text(const struct burrow_nl_prefix *p, char *buf, size_t size)
{
	burrow_prefix_format(p, buf, size);
}

static void assert_allowed(const struct burrow_config_peer *cp, const char *expected)
{
	char list[512] = "", one[64];

	for (size_t i = 0; i < cp->n_allowed_ips; i++) {
		prefix_text(&cp->allowed_ips[i], one, sizeof(one));
		strcat(list, i ? "," : "");
		strcat(list, one);
	}
	assert_string_equal(list, expected);
}

/*
 * Map: node-2 (IPv4 and IPv6 endpoints; a subnet and an exit route),
 * node-3 (IPv6 endpoint only), node-4 (the node's own key), node-5 (named
 * like the file's peer) and node-6 (with the file peer's key).
 */
static void build_map(struct coord_map *map, char *own_key_text)
{
	struct coord_peer *peers = coord_test_peers(2, 5, 0);
	struct coord_map_self self;
	char why[256];

	coord_test_self(&self);
	free(peers[0].endpoints);
	peers[0].n_endpoints = 2;
	peers[0].endpoints = calloc(2, sizeof(*peers[0].endpoints));
	peers[0].endpoints[0].family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::2", peers[0].endpoints[0].addr.bytes);
	peers[0].endpoints[0].port = 51822;
	peers[0].endpoints[1].family = AF_INET;
	inet_pton(AF_INET, "198.51.100.2", peers[0].endpoints[1].addr.bytes);
	peers[0].endpoints[1].port = 51822;
	peers[0].n_routes = 3;
	peers[0].routes = calloc(3, sizeof(*peers[0].routes));
	prefix(&peers[0].routes[0], "10.20.2.0/24");
	prefix(&peers[0].routes[1], "0.0.0.0/0");
	prefix(&peers[0].routes[2], "::/0");

	peers[1].endpoints[0].family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::3", peers[1].endpoints[0].addr.bytes);
	peers[1].endpoints[0].port = 51823;

	burrow_public_key_to_text(peers[2].public_key, own_key_text);
	strcpy(peers[3].name, "b");
	for (int i = 0; i < 32; i++)
		peers[4].public_key[i] = (uint8_t)(32 + i);

	coord_map_init(map);
	if (coord_map_apply_full(map, 7, &self, peers, 5, why, sizeof(why)))
		fail_msg("%s", why);
}

static void parse_file(struct burrow_config *cfg)
{
	char err[BURROW_CONFIG_ERR_MAX];

	if (burrow_config_parse_string(file_config, "web1.conf", cfg, err, sizeof(err)))
		fail_msg("%s", err);
}

static void test_map_peers_on_ipv4_socket(void **state)
{
	char own[BURROW_PUBLIC_KEY_TEXT_SIZE], text[64];
	struct coord_map map;
	struct burrow_config cfg;
	const struct burrow_config_peer *p2, *p3;

	(void)state;
	build_map(&map, own);
	parse_file(&cfg);
	assert_int_equal(burrowd_mesh_map_extend(&map, own, AF_INET, &cfg), 0);

	/* the file's peer, then node-2 and node-3; node-4..6 left out */
	assert_int_equal(cfg.n_file_peers, 1);
	assert_int_equal(cfg.n_peers, 3);
	assert_string_equal(cfg.peers[0].name, "b");
	assert_false(cfg.peers[0].from_map);
	assert_string_equal(cfg.peers[0].endpoint_text, "192.0.2.99:51820");
	p2 = &cfg.peers[1];
	p3 = &cfg.peers[2];
	assert_string_equal(p2->name, "node-2");
	assert_true(p2->from_map);
	assert_memory_equal(p2->public_key, coord_map_peer_by_id(&map, 2)->public_key, 32);
	/* the first endpoint an IPv4 socket can reach */
	assert_true(p2->has_endpoint);
	assert_string_equal(p2->endpoint_text, "198.51.100.2:51822");
	/* its candidates: the IPv6 one left out on this socket */
	assert_int_equal(p2->n_candidates, 1);
	assert_int_equal(p2->candidates[0].port, 51822);
	assert_int_equal(p2->candidates[0].family, AF_INET);
	/* overlay addresses and the subnet route; the exit routes are not used */
	assert_allowed(p2, "100.64.0.2/32,fd7a::200:0:0:0/128,10.20.2.0/24");
	/* nothing negotiated over the session: the coordinator decides */
	assert_int_equal(p2->request_address.n, 0);
	assert_int_equal(p2->may_announce.n, 0);
	assert_true(p2->has_may_reach);
	assert_int_equal(p2->may_reach.n, 0);
	assert_string_equal(p3->name, "node-3");
	assert_false(p3->has_endpoint);
	assert_int_equal(p3->n_candidates, 0);

	/* the file's address, then the overlay addresses with the map's lengths */
	assert_int_equal(cfg.node.addresses.n, 3);
	prefix_text(&cfg.node.addresses.items[1], text, sizeof(text));
	assert_string_equal(text, "100.64.0.1/10");
	prefix_text(&cfg.node.addresses.items[2], text, sizeof(text));
	assert_string_equal(text, "fd7a:1:2::1/48");

	/* extending a config that has them already adds no address twice */
	assert_int_equal(burrowd_mesh_map_extend(&map, own, AF_INET, &cfg), 0);
	assert_int_equal(cfg.node.addresses.n, 3);
	burrow_config_free(&cfg);
	coord_map_free(&map);
}

static void test_map_peers_on_ipv6_socket(void **state)
{
	char own[BURROW_PUBLIC_KEY_TEXT_SIZE];
	struct coord_map map;
	struct burrow_config cfg;

	(void)state;
	build_map(&map, own);
	parse_file(&cfg);
	assert_int_equal(burrowd_mesh_map_extend(&map, own, AF_INET6, &cfg), 0);
	assert_int_equal(cfg.n_peers, 3);
	assert_string_equal(cfg.peers[1].endpoint_text, "[2001:db8::2]:51822");
	/* every candidate kept, in the map's order (none is on this host's subnets) */
	assert_int_equal(cfg.peers[1].n_candidates, 2);
	assert_int_equal(cfg.peers[1].candidates[0].family, AF_INET6);
	assert_int_equal(cfg.peers[1].candidates[1].family, AF_INET);
	assert_int_equal(cfg.peers[1].candidates[1].addr.bytes[0], 198);
	assert_true(cfg.peers[2].has_endpoint);
	assert_string_equal(cfg.peers[2].endpoint_text, "[2001:db8::3]:51823");
	burrow_config_free(&cfg);
	coord_map_free(&map);
}

static void test_no_map_adds_nothing(void **state)
{
	struct coord_map map;
	struct burrow_config cfg;

	(void)state;
	coord_map_init(&map);
	parse_file(&cfg);
	assert_int_equal(burrowd_mesh_map_extend(&map, "", AF_INET, &cfg), 0);
	assert_int_equal(cfg.n_peers, 1);
	assert_int_equal(cfg.node.addresses.n, 1);
	burrow_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_peers_on_ipv4_socket),
		cmocka_unit_test(test_map_peers_on_ipv6_socket),
		cmocka_unit_test(test_no_map_adds_nothing),
	};

	burrow_log_set_level(BURROW_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
