// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd reload: what a config change means (config_diff.c). [node]
 * keys a running daemon follows (log_level, rotation_interval) pass, each
 * other one is refused by name; per peer, identity and reachability
 * changes (public_key, endpoint, request_address) restart the session,
 * policy keys (allowed_ips, may_announce, may_reach, accept_addresses)
 * keep it, and the changed keys are listed. A node map peer's endpoint
 * candidates changing keeps the session too.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <sys/socket.h>

#include "config.h"

#define KEY_B "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="	/* bytes 32..63 */
#define KEY_C "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8="	/* bytes 64..95 */

#define NODE \
	"[node]\n" \
	"name = hub\n" \
	"private_key = /srv/hub.key\n" \
	"listen_port = 4000\n" \
	"state = /srv/hub.db\n" \
	"control_socket = /srv/hub.sock\n" \
	"address = 10.99.0.1/24\n" \
	"address_pool = 10.99.0.0/24\n"

#define PEER \
	"[peer m2]\n" \
	"public_key = " KEY_B "\n" \
	"endpoint = 192.0.2.2:4001\n" \
	"allowed_ips = 10.0.0.2/32\n" \
	"request_address = auto\n" \
	"may_announce = 10.20.0.0/16\n"

static void parse(const char *text, struct burrow_config *cfg)
{
	char err[BURROW_CONFIG_ERR_MAX] = "";

	if (burrow_config_parse_string(text, "/etc/burrow/hub.conf", cfg, err, sizeof(err)) < 0)
		fail_msg("%s", err);
}

/* The answer of burrow_config_node_diff for old vs new text, and its message. */
static int node_diff(const char *old_text, const char *new_text, char *why, size_t size)
{
	struct burrow_config old, new;
	int ret;

	parse(old_text, &old);
	parse(new_text, &new);
	why[0] = '\0';
	ret = burrow_config_node_diff(&old.node, &new.node, why, size);
	burrow_config_free(&old);
	burrow_config_free(&new);
	return ret;
}

static void test_node_same_and_live(void **state)
{
	char why[200];

	(void)state;
	assert_int_equal(node_diff(NODE PEER, NODE PEER, why, sizeof(why)), 0);
	/* Peers are not the node's business. */
	assert_int_equal(node_diff(NODE PEER, NODE, why, sizeof(why)), 0);
	/* Applied live. */
	assert_int_equal(node_diff(NODE, NODE "log_level = debug\nrotation_interval = 30\n", why,
				   sizeof(why)), 0);
	assert_string_equal(why, "");
}

static void test_node_structural(void **state)
{
	static const struct {
		const char *extra, *message;
	} cases[] = {
		{ "listen_address = 127.0.0.1\n", "listen_address changed: restart burrowd to apply" },
		{ "device = burrow7\n", "device changed: restart burrowd to apply" },
		{ "idle_timeout = 9\n", "idle_timeout changed: restart burrowd to apply" },
		{ "ciphers = aes-128-gcm\n", "ciphers changed: restart burrowd to apply" },
		{ "encapsulations = udp\n", "encapsulations changed: restart burrowd to apply" },
		{ "mtu = 1300\n", "mtu changed: restart burrowd to apply" },
		{ "advertise_routes = 10.99.0.0/24\n", "advertise_routes changed: restart burrowd to apply" },
	};
	char why[200], text[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", NODE, cases[i].extra);
		assert_int_equal(node_diff(NODE, text, why, sizeof(why)), -EBUSY);
		assert_string_equal(why, cases[i].message);
	}
	/* Keys given in [node] itself: replace the line. */
	assert_int_equal(node_diff(NODE, "[node]\nname = hub\nprivate_key = /srv/hub.key\n"
				   "listen_port = 4001\nstate = /srv/hub.db\n"
				   "control_socket = /srv/hub.sock\naddress = 10.99.0.1/24\n"
				   "address_pool = 10.99.0.0/24\n", why, sizeof(why)), -EBUSY);
	assert_string_equal(why, "listen_port changed: restart burrowd to apply");
	assert_int_equal(node_diff(NODE, "[node]\nname = hub\nprivate_key = /srv/other.key\n"
				   "listen_port = 4000\nstate = /srv/hub.db\n"
				   "control_socket = /srv/hub.sock\naddress = 10.99.0.1/24\n"
				   "address_pool = 10.99.0.0/24\n", why, sizeof(why)), -EBUSY);
	assert_string_equal(why, "private_key changed: restart burrowd to apply");
	assert_int_equal(node_diff(NODE, "[node]\nname = hub\nprivate_key = /srv/hub.key\n"
				   "listen_port = 4000\nstate = /srv/hub.db\n"
				   "control_socket = /srv/hub.sock\naddress = 10.99.0.1/24\n"
				   "address_pool = 10.98.0.0/24\n", why, sizeof(why)), -EBUSY);
	assert_string_equal(why, "address_pool changed: restart burrowd to apply");
	assert_int_equal(node_diff(NODE, "[node]\nname = hub2\nprivate_key = /srv/hub.key\n"
				   "listen_port = 4000\nstate = /srv/hub.db\n"
				   "control_socket = /srv/hub.sock\naddress = 10.99.0.1/24\n"
				   "address_pool = 10.99.0.0/24\n", why, sizeof(why)), -EBUSY);
	assert_string_equal(why, "name changed: restart burrowd to apply");
}

/* Compare [peer m2] of NODE PEER with [peer m2] of NODE new_peer. */
static enum burrow_config_peer_change peer_change(const char *new_peer, char *what, size_t size)
{
	struct burrow_config old, new;
	enum burrow_config_peer_change ret;
	char text[1024];

	parse(NODE PEER, &old);
	snprintf(text, sizeof(text), "%s%s", NODE, new_peer);
	parse(text, &new);
	ret = burrow_config_peer_compare(burrow_config_peer_by_name(&old, "m2"),
					 burrow_config_peer_by_name(&new, "m2"), what, size);
	burrow_config_free(&old);
	burrow_config_free(&new);
	return ret;
}

static void test_peer_same(void **state)
{
	char what[160];

	(void)state;
	assert_int_equal(peer_change(PEER, what, sizeof(what)), BURROW_CONFIG_PEER_SAME);
	assert_string_equal(what, "");
	/* Formatting is not a change: same values, other spelling. */
	assert_int_equal(peer_change("[peer m2]\npublic_key=" KEY_B "\nendpoint = 192.0.2.2:4001\n"
				     "allowed_ips = 10.0.0.2/32\nrequest_address = 0.0.0.0/32\n"
				     "may_announce = 10.20.0.0/16\n", what, sizeof(what)),
			 BURROW_CONFIG_PEER_SAME);
}

static void test_peer_policy(void **state)
{
	char what[160];

	(void)state;
	assert_int_equal(peer_change("[peer m2]\npublic_key = " KEY_B "\nendpoint = 192.0.2.2:4001\n"
				     "allowed_ips = 10.0.0.2/32\nrequest_address = auto\n"
				     "may_announce = 10.20.9.0/24\n", what, sizeof(what)),
			 BURROW_CONFIG_PEER_POLICY);
	assert_string_equal(what, "may_announce");
	assert_int_equal(peer_change("[peer m2]\npublic_key = " KEY_B "\nendpoint = 192.0.2.2:4001\n"
				     "allowed_ips = 10.0.0.2/32, 10.0.0.3/32\nrequest_address = auto\n"
				     "may_announce = 10.20.0.0/16\nmay_reach = 10.99.0.0/24\n"
				     "accept_addresses = 10.99.0.0/24\n", what, sizeof(what)),
			 BURROW_CONFIG_PEER_POLICY);
	assert_string_equal(what, "allowed_ips, may_reach, accept_addresses");
	/* may_reach given as "everything" vs absent (all routes): still a change of the key. */
	assert_int_equal(peer_change(PEER "may_reach = 0.0.0.0/0\n", what, sizeof(what)),
			 BURROW_CONFIG_PEER_POLICY);
	assert_string_equal(what, "may_reach");
	/* Dropping may_announce entirely narrows to nothing: policy. */
	assert_int_equal(peer_change("[peer m2]\npublic_key = " KEY_B "\nendpoint = 192.0.2.2:4001\n"
				     "allowed_ips = 10.0.0.2/32\nrequest_address = auto\n", what,
				     sizeof(what)),
			 BURROW_CONFIG_PEER_POLICY);
	assert_string_equal(what, "may_announce");
}

static void test_peer_replace(void **state)
{
	char what[160];

	(void)state;
	assert_int_equal(peer_change("[peer m2]\npublic_key = " KEY_C "\nendpoint = 192.0.2.2:4001\n"
				     "allowed_ips = 10.0.0.2/32\nrequest_address = auto\n"
				     "may_announce = 10.20.0.0/16\n", what, sizeof(what)),
			 BURROW_CONFIG_PEER_REPLACE);
	assert_string_equal(what, "public_key");
	assert_int_equal(peer_change("[peer m2]\npublic_key = " KEY_B "\nendpoint = 192.0.2.2:4002\n"
				     "allowed_ips = 10.0.0.2/32\nrequest_address = auto\n"
				     "may_announce = 10.20.0.0/16\n", what, sizeof(what)),
			 BURROW_CONFIG_PEER_REPLACE);
	assert_string_equal(what, "endpoint");
	/* Losing the endpoint is a change too (the node stops dialling). */
	assert_int_equal(peer_change("[peer m2]\npublic_key = " KEY_B "\n"
				     "allowed_ips = 10.0.0.2/32\nrequest_address = auto\n"
				     "may_announce = 10.20.0.0/16\n", what, sizeof(what)),
			 BURROW_CONFIG_PEER_REPLACE);
	assert_string_equal(what, "endpoint");
	/* A replacing change wins over policy changes made at the same time; all are named. */
	assert_int_equal(peer_change("[peer m2]\npublic_key = " KEY_B "\nendpoint = 192.0.2.2:4001\n"
				     "allowed_ips = 10.0.0.2/32\nrequest_address = auto6\n"
				     "may_announce = 10.20.2.0/24\n", what, sizeof(what)),
			 BURROW_CONFIG_PEER_REPLACE);
	assert_string_equal(what, "request_address, may_announce");
	/* what may be NULL. */
	assert_int_equal(peer_change(PEER "may_reach = 10.0.0.0/8\n", NULL, 0),
			 BURROW_CONFIG_PEER_POLICY);
}

/*
 * Node map peers (issue 19): a change of their candidates (a NAT rebound,
 * the peer roamed) keeps the session; the key still replaces it.
 */
static void test_map_peer_candidates(void **state)
{
	struct burrow_nl_endpoint one[2] = {
		{ .family = AF_INET, .addr.bytes = { 198, 18, 0, 11 }, .port = 51821 },
		{ .family = AF_INET, .addr.bytes = { 10, 1, 0, 2 }, .port = 51821 },
	};
	struct burrow_nl_endpoint two[2] = { one[0], one[1] };
	struct burrow_config_peer a = { .from_map = true, .candidates = one, .n_candidates = 2 };
	struct burrow_config_peer b = { .from_map = true, .candidates = two, .n_candidates = 2 };
	char what[160];

	(void)state;
	memcpy(b.public_key, a.public_key, sizeof(a.public_key));
	assert_int_equal(burrow_config_peer_compare(&a, &b, what, sizeof(what)),
			 BURROW_CONFIG_PEER_SAME);
	/* The observed port moved. */
	two[0].port = 40001;
	b.has_endpoint = true;		/* and the first endpoint with it */
	assert_int_equal(burrow_config_peer_compare(&a, &b, what, sizeof(what)),
			 BURROW_CONFIG_PEER_POLICY);
	assert_string_equal(what, "endpoint candidates");
	/* One candidate fewer. */
	two[0].port = 51821;
	b.n_candidates = 1;
	assert_int_equal(burrow_config_peer_compare(&a, &b, what, sizeof(what)),
			 BURROW_CONFIG_PEER_POLICY);
	/* A file peer with the same change is replaced, as before. */
	a.from_map = false;
	assert_int_equal(burrow_config_peer_compare(&a, &b, what, sizeof(what)),
			 BURROW_CONFIG_PEER_REPLACE);
	assert_string_equal(what, "endpoint");
	a.from_map = true;
	b.public_key[0] ^= 1;
	assert_int_equal(burrow_config_peer_compare(&a, &b, what, sizeof(what)),
			 BURROW_CONFIG_PEER_REPLACE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_same_and_live),
		cmocka_unit_test(test_node_structural),
		cmocka_unit_test(test_peer_same),
		cmocka_unit_test(test_peer_policy),
		cmocka_unit_test(test_peer_replace),
		cmocka_unit_test(test_map_peer_candidates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
