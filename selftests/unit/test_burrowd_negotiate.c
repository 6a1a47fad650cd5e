// SPDX-License-Identifier: GPL-2.0
/*
 * The device MTU a session needs (burrowd_negotiate_mtu): the negotiated
 * MTU, capped by what a 1500-byte path leaves after the outer header, UDP
 * and the encapsulation (docs/wire-format.md, "Negotiation capsules").
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

static struct burrow_prefix P(const char *text)
{
	struct burrow_prefix p;
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
		       const struct burrow_prefix_list *accept, const struct burrow_prefix *taken,
		       size_t n_taken, const struct burrow_address_entry *got, size_t n_got,
		       struct addr_result *r)
{
	burrow_policy_addresses(req, n_req, accept, taken, n_taken, got, n_got, r->accepted,
				&r->n_accepted, r->refused, &r->n_refused);
}

static const struct burrow_prefix_list no_accept;

/*
 * C1: a node that asked for nothing takes nothing. The audit's case: an
 * unprompted {0, 128.0.0.0/1} and {0, 198.51.100.2/32} were both put on
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
	assert_true(burrow_prefix_equal(&r.accepted[0].prefix, &got[0].prefix));
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
	struct burrow_prefix allowed[] = { P("10.99.0.0/24") };
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
	struct burrow_prefix everything[] = { P("0.0.0.0/0") };
	struct burrow_prefix_list accept = { everything, 1 };
	/* another member's endpoint, our own address, another peer's route */
	struct burrow_prefix taken[] = { P("198.51.100.2/32"), P("192.0.2.1/32"),
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
	assert_true(burrow_prefix_equal(&r.refused[0].entry.prefix, &got[2].prefix));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mtu_follows_encapsulation),
		cmocka_unit_test(test_address_unsolicited_refused),
		cmocka_unit_test(test_address_default_only_what_was_asked),
		cmocka_unit_test(test_address_accept_addresses),
		cmocka_unit_test(test_address_conflicts),
		cmocka_unit_test(test_address_one_per_request),
	};

	return cmocka_run_group_tests_name("burrowd negotiation", tests, NULL, NULL);
}
