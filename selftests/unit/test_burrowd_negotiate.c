// SPDX-License-Identifier: GPL-2.0
/*
 * The device MTU a session needs (burrowd_negotiate_mtu): the negotiated
 * MTU, capped by what a 1500-byte path leaves after the outer header, UDP
 * and the encapsulation (docs/wire-format.md, "Negotiation capsules").
 * Address acceptance (burrow_policy_addresses), and what a relaying node
 * (relay_routes) advertises to each peer (burrow_relay_advertisement).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "linux/burrow.h"
#include "negotiate.h"
#include "policy.h"
#include "relay.h"

static struct burrow_nl_prefix P(const char *text)
{
	struct burrow_nl_prefix p;
	char why[200];

	assert_int_equal(burrow_prefix_parse(text, &p, why, sizeof(why)), 0);
	return p;
}

static struct burrow_address_entry E(uint64_t id, const char *text)
{
	struct burrow_address_entry e = { .request_id = id, .prefix = P(text) };

	return e;
}

/* "auto" as config has it: the all-zero address with a host length. */
static struct burrow_address_entry AUTO(uint64_t id, int family)
{
	struct burrow_address_entry e = { .request_id = id };

	e.prefix.family = family;
	e.prefix.len = family == AF_INET ? 32 : 128;
	return e;
}

struct addr_result {
	struct burrow_address_entry accepted[16];
	size_t n_accepted;
	struct burrow_refused_address refused[16];
	size_t n_refused;
};

static void run_policy(const struct burrow_address_entry *req, size_t n_req,
		       const struct burrow_prefix_list *accept, const struct burrow_nl_prefix *taken,
		       size_t n_taken, const struct burrow_address_entry *got, size_t n_got,
		       struct addr_result *r)
{
	burrow_policy_addresses(req, n_req, accept, taken, n_taken, got, n_got, r->accepted,
				&r->n_accepted, r->refused, &r->n_refused);
}

static const struct burrow_prefix_list no_accept;

/*
 * A node that asked for nothing takes nothing: an unprompted
 * {0, 128.0.0.0/1}, {0, 198.51.100.2/32} or {0, 2000::/3} never reaches
 * the device.
 */
static void test_address_unsolicited_refused(void **state)
{
	struct burrow_address_entry got[] = { E(0, "128.0.0.0/1"), E(0, "198.51.100.2/32"),
					      E(0, "2000::/3") };
	struct addr_result r;

	(void)state;
	run_policy(NULL, 0, &no_accept, NULL, 0, got, 3, &r);
	assert_int_equal(r.n_accepted, 0);
	assert_int_equal(r.n_refused, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(r.refused[i].reason, BURROW_ADDRESS_REFUSED_UNSOLICITED);
	assert_string_equal(burrow_address_refusal_name(r.refused[0].reason), "unsolicited");
}

/* Default policy: an auto request takes one address of its family; a specific one only itself. */
static void test_address_default_only_what_was_asked(void **state)
{
	struct burrow_address_entry req[] = { AUTO(1, AF_INET), E(2, "10.99.0.7/32"),
					      AUTO(3, AF_INET6) };
	struct burrow_address_entry got[] = {
		E(1, "10.99.0.2/32"),		/* taken */
		E(2, "10.99.0.8/32"),		/* not the address asked for */
		E(3, "10.99.0.9/32"),		/* wrong family for request 3 */
		E(3, "2000::/3"),		/* a /3 for a single-address request */
	};
	struct addr_result r;

	(void)state;
	run_policy(req, 3, &no_accept, NULL, 0, got, 4, &r);
	assert_int_equal(r.n_accepted, 1);
	assert_true(burrow_text_prefix_equal(&r.accepted[0].prefix, &got[0].prefix));
	assert_int_equal(r.accepted[0].request_id, 1);
	assert_int_equal(r.n_refused, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(r.refused[i].reason, BURROW_ADDRESS_REFUSED_NOT_REQUESTED);
	/* a specific request answered with exactly itself is taken */
	got[1] = E(2, "10.99.0.7/32");
	run_policy(req, 3, &no_accept, NULL, 0, got, 2, &r);
	assert_int_equal(r.n_accepted, 2);
	assert_int_equal(r.n_refused, 0);
}

/* accept_addresses bounds where an auto answer may lie (and may widen its length). */
static void test_address_accept_addresses(void **state)
{
	struct burrow_nl_prefix allowed[] = { P("10.99.0.0/24") };
	struct burrow_prefix_list accept = { allowed, 1 };
	struct burrow_address_entry req[] = { AUTO(1, AF_INET) };
	struct burrow_address_entry got[] = { E(1, "10.99.1.5/32") };
	struct addr_result r;

	(void)state;
	run_policy(req, 1, &accept, NULL, 0, got, 1, &r);
	assert_int_equal(r.n_accepted, 0);
	assert_int_equal(r.refused[0].reason, BURROW_ADDRESS_REFUSED_POLICY);
	assert_string_equal(burrow_address_refusal_name(r.refused[0].reason), "policy");
	got[0] = E(1, "10.99.0.5/32");
	run_policy(req, 1, &accept, NULL, 0, got, 1, &r);
	assert_int_equal(r.n_accepted, 1);
	got[0] = E(1, "10.99.0.128/25");
	run_policy(req, 1, &accept, NULL, 0, got, 1, &r);
	assert_int_equal(r.n_accepted, 1);
	got[0] = E(1, "10.0.0.0/8");	/* covers the allowed prefix, is not inside it */
	run_policy(req, 1, &accept, NULL, 0, got, 1, &r);
	assert_int_equal(r.n_accepted, 0);
	assert_int_equal(r.refused[0].reason, BURROW_ADDRESS_REFUSED_POLICY);
}

/* Never an underlay, local or other peer's prefix, whatever the policy allows. */
static void test_address_conflicts(void **state)
{
	struct burrow_nl_prefix everything[] = { P("0.0.0.0/0") };
	struct burrow_prefix_list accept = { everything, 1 };
	/* another member's endpoint, our own address, another peer's route */
	struct burrow_nl_prefix taken[] = { P("198.51.100.2/32"), P("192.0.2.1/32"),
					 P("10.20.0.0/16") };
	struct burrow_address_entry req[] = { AUTO(1, AF_INET), AUTO(2, AF_INET), AUTO(3, AF_INET),
					      AUTO(4, AF_INET), AUTO(5, AF_INET), AUTO(6, AF_INET) };
	struct burrow_address_entry got[] = {
		E(1, "198.51.100.2/32"), E(2, "192.0.2.0/24"), E(3, "10.20.3.1/32"),
		E(4, "128.0.0.0/1"),	/* contains the member's endpoint 198.51.100.2 */
		E(5, "10.99.0.3/32"), E(6, "172.16.0.0/12"),
	};
	struct addr_result r;

	(void)state;
	run_policy(req, 6, &accept, taken, 3, got, 6, &r);
	assert_int_equal(r.n_refused, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(r.refused[i].reason, BURROW_ADDRESS_REFUSED_CONFLICT);
		assert_int_equal(r.refused[i].entry.request_id, i + 1);
	}
	assert_string_equal(burrow_address_refusal_name(r.refused[0].reason), "conflict");
	/* the operator allowed everything, and these overlap nothing */
	assert_int_equal(r.n_accepted, 2);
	assert_int_equal(r.accepted[0].request_id, 5);
	assert_int_equal(r.accepted[1].request_id, 6);
	/* the same with the default policy: the /12 is not what an auto request asked */
	run_policy(req, 6, &no_accept, taken, 3, got, 6, &r);
	assert_int_equal(r.n_accepted, 1);
	assert_int_equal(r.accepted[0].request_id, 5);
	assert_int_equal(r.n_refused, 5);
	assert_int_equal(r.refused[4].entry.request_id, 6);
	assert_int_equal(r.refused[4].reason, BURROW_ADDRESS_REFUSED_NOT_REQUESTED);
}

/* One address per request: a second, different one is refused; a repeat is taken once. */
static void test_address_one_per_request(void **state)
{
	struct burrow_address_entry req[] = { AUTO(1, AF_INET) };
	struct burrow_address_entry got[] = { E(1, "10.99.0.2/32"), E(1, "10.99.0.2/32"),
					      E(1, "10.99.0.3/32") };
	struct addr_result r;

	(void)state;
	run_policy(req, 1, &no_accept, NULL, 0, got, 3, &r);
	assert_int_equal(r.n_accepted, 1);
	assert_int_equal(r.n_refused, 1);
	assert_int_equal(r.refused[0].reason, BURROW_ADDRESS_REFUSED_DUPLICATE);
	assert_true(burrow_text_prefix_equal(&r.refused[0].entry.prefix, &got[2].prefix));
}

static void test_mtu_follows_encapsulation(void **state)
{
	(void)state;
	/* udp: 1500 - 20 - 8 - 32 = 1440, so the negotiated 1420 stands. */
	assert_int_equal(burrowd_negotiate_mtu(1420, AF_INET, BURROW_ENCAP_UDP, 0), 1420);
	assert_int_equal(burrowd_negotiate_mtu(1500, AF_INET, BURROW_ENCAP_UDP, 0), 1440);
	/* over IPv6: 1500 - 40 - 8 - 32 */
	assert_int_equal(burrowd_negotiate_mtu(1500, AF_INET6, BURROW_ENCAP_UDP, 0), 1420);
	/* quic with an 8-byte CID: 1 + 8 + 4 + 3 + 16 = 32, as udp */
	assert_int_equal(burrowd_negotiate_mtu(1500, AF_INET, BURROW_ENCAP_QUIC, 8), 1440);
	/* quic with a 20-byte CID over IPv6: 1500 - 40 - 8 - 44 = 1408, below 1420 */
	assert_int_equal(burrowd_negotiate_mtu(1420, AF_INET6, BURROW_ENCAP_QUIC, 20), 1408);
	/* a small negotiated MTU is kept */
	assert_int_equal(burrowd_negotiate_mtu(1280, AF_INET6, BURROW_ENCAP_QUIC, 20), 1280);
}

/* ---- relaying (relay.h) ---- */

struct relay_result {
	struct burrow_ip_range out[BURROW_CONNECTIP_LIST_MAX];
	size_t n;
	struct burrow_relay_route relayed[80];
	size_t n_relayed;
	struct burrow_relay_skipped skipped[80];
	size_t n_skipped;
};

static struct burrow_relay_route R(const char *text, size_t from)
{
	struct burrow_relay_route r = { .prefix = P(text), .from = from };

	return r;
}

static void run_relay(const struct burrow_prefix_list *advertise,
		      const struct burrow_prefix_list *may_reach, bool has_may_reach,
		      const struct burrow_nl_prefix *receiver, size_t n_receiver,
		      const struct burrow_relay_route *routes, size_t n_routes, struct relay_result *r)
{
	const struct burrow_relay_input in = {
		.advertise = advertise, .may_reach = may_reach, .has_may_reach = has_may_reach,
		.receiver = receiver, .n_receiver = n_receiver,
		.routes = routes, .n_routes = n_routes,
	};
	struct burrow_relay_output out = { .out = r->out, .relayed = r->relayed,
					   .skipped = r->skipped };

	r->n = burrow_relay_advertisement(&in, &out);
	r->n_relayed = out.n_relayed;
	r->n_skipped = out.n_skipped;
}

/* The advertisement as "a,b,c" of prefixes, in the order sent. */
static const char *ranges_text(const struct relay_result *r, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->n; i++) {
		struct burrow_nl_prefix p;
		char one[64];

		assert_int_equal(burrow_range_to_prefix(&r->out[i], &p), 0);
		burrow_prefix_format(&p, one, sizeof(one));
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? "," : "", one);
	}
	return buf;
}

static void test_relay_adds_other_peers_routes(void **state)
{
	struct burrow_nl_prefix own[] = { P("10.99.0.0/24") };
	struct burrow_prefix_list advertise = { own, 1 };
	struct burrow_relay_route routes[] = { R("10.20.3.0/24", 2), R("10.20.2.0/24", 1) };
	struct relay_result r;
	char buf[300];

	(void)state;
	run_relay(&advertise, &no_accept, false, NULL, 0, routes, 2, &r);
	/* Sorted as RFC 9484 wants, own and relayed together. */
	assert_string_equal(ranges_text(&r, buf, sizeof(buf)), "10.20.2.0/24,10.20.3.0/24,10.99.0.0/24");
	assert_int_equal(r.n_relayed, 2);
	assert_int_equal(r.n_skipped, 0);
	/* Nothing to relay: exactly what burrow_policy_advertisement gives. */
	run_relay(&advertise, &no_accept, false, NULL, 0, NULL, 0, &r);
	assert_string_equal(ranges_text(&r, buf, sizeof(buf)), "10.99.0.0/24");
}

static void test_relay_may_reach_filters(void **state)
{
	struct burrow_nl_prefix own[] = { P("10.99.0.0/24"), P("10.50.0.0/16") };
	struct burrow_nl_prefix reach[] = { P("10.99.0.0/24"), P("10.20.2.0/23") };
	struct burrow_prefix_list advertise = { own, 2 }, may_reach = { reach, 2 };
	struct burrow_relay_route routes[] = { R("10.20.2.0/24", 1), R("10.20.4.0/24", 2) };
	struct relay_result r;
	char buf[300];

	(void)state;
	run_relay(&advertise, &may_reach, true, NULL, 0, routes, 2, &r);
	assert_string_equal(ranges_text(&r, buf, sizeof(buf)), "10.20.2.0/24,10.99.0.0/24");
	/* Outside may_reach is the receiver's ACL: not relayed, not reported. */
	assert_int_equal(r.n_skipped, 0);
	/* An empty may_reach that is set: nothing at all. */
	run_relay(&advertise, &no_accept, true, NULL, 0, routes, 2, &r);
	assert_int_equal(r.n, 0);
}

static void test_relay_conflicts_not_relayed(void **state)
{
	struct burrow_nl_prefix own[] = { P("10.99.0.0/24") };
	struct burrow_prefix_list advertise = { own, 1 };
	/* The receiver's lease and a route it announced itself. */
	struct burrow_nl_prefix receiver[] = { P("10.98.0.3/32"), P("10.30.0.0/16") };
	struct burrow_relay_route routes[] = {
		R("10.30.1.0/24", 1),	/* inside the receiver's route */
		R("10.99.0.0/25", 1),	/* inside the node's own advertised route */
		R("10.40.0.0/16", 1),	/* overlaps 10.40.1.0/24 of peer 2: neither goes */
		R("10.40.1.0/24", 2),
		R("10.50.0.0/16", 2),	/* fine */
	};
	struct relay_result r;
	char buf[300], with[64];

	(void)state;
	run_relay(&advertise, &no_accept, false, receiver, 2, routes, 5, &r);
	assert_string_equal(ranges_text(&r, buf, sizeof(buf)), "10.50.0.0/16,10.99.0.0/24");
	assert_int_equal(r.n_relayed, 1);
	assert_int_equal(r.relayed[0].from, 2);
	assert_int_equal(r.n_skipped, 4);
	assert_int_equal(r.skipped[0].reason, BURROW_RELAY_SKIP_RECEIVER);
	burrow_prefix_format(&r.skipped[0].with, with, sizeof(with));
	assert_string_equal(with, "10.30.0.0/16");
	assert_int_equal(r.skipped[1].reason, BURROW_RELAY_SKIP_OWN);
	assert_int_equal(r.skipped[2].reason, BURROW_RELAY_SKIP_OTHER);
	assert_int_equal(r.skipped[3].reason, BURROW_RELAY_SKIP_OTHER);
	assert_int_equal(r.skipped[3].route.from, 2);
}

static void test_relay_capped_at_64(void **state)
{
	struct burrow_nl_prefix own[] = { P("10.99.0.0/24") };
	struct burrow_prefix_list advertise = { own, 1 };
	struct burrow_relay_route routes[70];
	struct relay_result r;
	char text[32];

	(void)state;
	for (size_t i = 0; i < 70; i++) {
		snprintf(text, sizeof(text), "10.20.%zu.0/24", i);
		routes[i] = R(text, 1 + i % 3);
	}
	run_relay(&advertise, &no_accept, false, NULL, 0, routes, 70, &r);
	/* Own routes first; 63 relayed fill the capsule, 7 are reported. */
	assert_int_equal(r.n, BURROW_CONNECTIP_LIST_MAX);
	assert_int_equal(r.n_relayed, 63);
	assert_int_equal(r.n_skipped, 7);
	assert_int_equal(r.skipped[6].reason, BURROW_RELAY_SKIP_FULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mtu_follows_encapsulation),
		cmocka_unit_test(test_address_unsolicited_refused),
		cmocka_unit_test(test_address_default_only_what_was_asked),
		cmocka_unit_test(test_address_accept_addresses),
		cmocka_unit_test(test_address_conflicts),
		cmocka_unit_test(test_address_one_per_request),
		cmocka_unit_test(test_relay_adds_other_peers_routes),
		cmocka_unit_test(test_relay_may_reach_filters),
		cmocka_unit_test(test_relay_conflicts_not_relayed),
		cmocka_unit_test(test_relay_capped_at_64),
	};

	return cmocka_run_group_tests_name("burrowd negotiation", tests, NULL, NULL);
}
