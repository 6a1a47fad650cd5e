// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd's relay admission (userspace/relay_admit.c) with the kernel's
 * relay table faked through struct burrow_relay_ops: exactly one relay-new
 * with the right endpoints once both parties are bound, none for one
 * party, refusals counted (forged, expired, wrong relay, not a party,
 * malformed, revoked) with no kernel call, relay-set on a rebind and for
 * renewal, relay-del at expiry and on revocation; the wire codec.
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
#include <unistd.h>

#include <cmocka.h>

#include "identity.h"
#include "relay_admit.h"

static struct burrow_identity coord, forger;
static char dir[] = "/tmp/burrow-relay-XXXXXX";
static uint8_t relay_key[32], ka[32], kb[32], kc[32];
static const uint64_t NOW = 1800000000;

/* The fake kernel: every call recorded. */
struct call {
	char op;			/* 'n'ew, 's'et, 'd'el */
	struct burrow_nl_relay e;
};
static struct call calls[32];
static size_t n_calls;
static int fail_next;

static int fake_new(void *arg, const struct burrow_nl_relay *e)
{
	(void)arg;
	if (fail_next)
		return fail_next;
	calls[n_calls++] = (struct call){ 'n', *e };
	return 0;
}

static int fake_set(void *arg, const struct burrow_nl_relay *e)
{
	(void)arg;
	if (fail_next)
		return fail_next;
	calls[n_calls++] = (struct call){ 's', *e };
	return 0;
}

static int fake_del(void *arg, uint32_t ticket)
{
	(void)arg;
	calls[n_calls++] = (struct call){ 'd', { .ticket = ticket } };
	return 0;
}

static const struct burrow_relay_ops fake_ops = {
	.entry_new = fake_new, .entry_set = fake_set, .entry_del = fake_del,
};

static int setup(void **state)
{
	char path[128], err[BURROW_IDENTITY_ERR_MAX];

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/coord", dir);
	if (burrow_identity_generate(path, &coord, err, sizeof(err)) < 0)
		return -1;
	unlink(path);
	snprintf(path, sizeof(path), "%s/forger", dir);
	if (burrow_identity_generate(path, &forger, err, sizeof(err)) < 0)
		return -1;
	unlink(path);
	rmdir(dir);
	memset(relay_key, 0x50, 32);
	memset(ka, 0x10, 32);		/* ka < kb: party a */
	memset(kb, 0x20, 32);
	memset(kc, 0x30, 32);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	burrow_identity_clear(&coord);
	burrow_identity_clear(&forger);
	return 0;
}

static int reset(void **state)
{
	(void)state;
	n_calls = 0;
	fail_next = 0;
	return 0;
}

static struct burrow_relay *relay(void)
{
	struct burrow_relay *r = burrow_relay_new(coord.public_key, relay_key, &fake_ops);

	assert_non_null(r);
	return r;
}

/* A ticket as bytes: for (relay, ka, kb), signed by pem, expiring at expiry. */
static void ticket(const char *pem, const uint8_t *for_relay, uint64_t expiry,
		   struct burrow_relay_ticket *t, uint8_t raw[BURROW_RELAY_TICKET_LEN])
{
	char err[256];

	assert_int_equal(burrow_relay_ticket_issue(coord.private_key_pem, for_relay, kb, ka, expiry,
						   t, err, sizeof(err)), 0);
	if (pem != coord.private_key_pem)
		assert_int_equal(burrow_relay_ticket_sign(t, pem, err, sizeof(err)), 0);
	assert_int_equal(burrow_relay_ticket_encode(t, raw), 0);
}

static struct sockaddr_in v4(const char *addr, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	assert_int_equal(inet_pton(AF_INET, addr, &sin.sin_addr), 1);
	return sin;
}

static unsigned admit(struct burrow_relay *r, const uint8_t *key, const char *addr,
		      uint16_t port, const uint8_t *raw, uint64_t now)
{
	struct sockaddr_in sin = v4(addr, port);
	const char *why;

	return burrow_relay_admit(r, key, (struct sockaddr *)&sin, raw, BURROW_RELAY_TICKET_LEN,
				  now, &why);
}

static void assert_endpoint(const struct burrow_nl_endpoint *ep, const char *addr, uint16_t port)
{
	struct in_addr in;

	assert_int_equal(inet_pton(AF_INET, addr, &in), 1);
	assert_int_equal(ep->family, AF_INET);
	assert_memory_equal(&ep->addr.v4, &in, 4);
	assert_int_equal(ep->port, port);
}

/* Both parties bind (b first): exactly one relay-new, a and b in ticket order. */
static void test_both_parties_install_once(void **state)
{
	struct burrow_relay_ticket t;
	uint8_t raw[BURROW_RELAY_TICKET_LEN];
	struct burrow_relay *r = relay();

	(void)state;
	ticket(coord.private_key_pem, relay_key, NOW + 300, &t, raw);
	assert_int_equal(admit(r, kb, "198.51.100.2", 41000, raw, NOW), 0);
	assert_int_equal(n_calls, 0);
	assert_int_equal(burrow_relay_bound(r), 1);
	assert_int_equal(admit(r, ka, "203.0.113.1", 51820, raw, NOW + 10), 0);
	assert_int_equal(n_calls, 1);
	assert_int_equal(calls[0].op, 'n');
	assert_int_equal(calls[0].e.ticket, t.id);
	assert_endpoint(&calls[0].e.a, "203.0.113.1", 51820);
	assert_endpoint(&calls[0].e.b, "198.51.100.2", 41000);
	assert_int_equal(calls[0].e.lifetime, 290);
	/* The same party again from the same address: nothing new. */
	assert_int_equal(admit(r, ka, "203.0.113.1", 51820, raw, NOW + 20), 0);
	assert_int_equal(admit(r, kb, "198.51.100.2", 41000, raw, NOW + 20), 0);
	assert_int_equal(n_calls, 1);
	assert_int_equal(burrow_relay_counters(r)->admitted, 4);
	assert_int_equal(burrow_relay_counters(r)->entries, 1);
	assert_int_equal(burrow_relay_counters(r)->installed, 1);
	burrow_relay_free(r);
	/* freeing the relay deletes its entries */
	assert_int_equal(n_calls, 2);
	assert_int_equal(calls[1].op, 'd');
}

/* One party only: bound, nothing installed, however often it binds. */
static void test_one_party_installs_nothing(void **state)
{
	struct burrow_relay_ticket t;
	uint8_t raw[BURROW_RELAY_TICKET_LEN];
	struct burrow_relay *r = relay();

	(void)state;
	ticket(coord.private_key_pem, relay_key, NOW + 300, &t, raw);
	for (int i = 0; i < 3; i++)
		assert_int_equal(admit(r, ka, "203.0.113.1", (uint16_t)(5000 + i), raw, NOW), 0);
	assert_int_equal(n_calls, 0);
	assert_int_equal(burrow_relay_counters(r)->entries, 0);
	/* expiry forgets it without any kernel call */
	assert_int_equal(burrow_relay_next_event(r), NOW + 300);
	burrow_relay_tick(r, NOW + 300);
	assert_int_equal(burrow_relay_bound(r), 0);
	assert_int_equal(n_calls, 0);
	burrow_relay_free(r);
	assert_int_equal(n_calls, 0);
}

/* Every refusal: counted by reason, nothing bound, no kernel call. */
static void test_refusals_counted(void **state)
{
	struct burrow_relay_ticket t;
	uint8_t good[BURROW_RELAY_TICKET_LEN], raw[BURROW_RELAY_TICKET_LEN];
	struct burrow_relay *r = relay();
	const struct burrow_relay_counters *c = burrow_relay_counters(r);
	struct sockaddr_in sin = v4("203.0.113.1", 1);
	uint8_t other_relay[32];
	const char *why;

	(void)state;
	memset(other_relay, 0x51, 32);
	/* forged: signed by another key */
	ticket(forger.private_key_pem, relay_key, NOW + 300, &t, raw);
	assert_int_equal(admit(r, ka, "203.0.113.1", 1, raw, NOW),
			 BURROW_RELAY_TICKET_BAD_SIGNATURE);
	/* expired */
	ticket(coord.private_key_pem, relay_key, NOW, &t, raw);
	assert_int_equal(admit(r, ka, "203.0.113.1", 1, raw, NOW), BURROW_RELAY_TICKET_EXPIRED);
	/* for another relay */
	ticket(coord.private_key_pem, other_relay, NOW + 300, &t, raw);
	assert_int_equal(admit(r, ka, "203.0.113.1", 1, raw, NOW), BURROW_RELAY_TICKET_WRONG_RELAY);
	/* presented by a node not in the pair */
	ticket(coord.private_key_pem, relay_key, NOW + 300, &t, good);
	assert_int_equal(admit(r, kc, "203.0.113.1", 1, good, NOW), BURROW_RELAY_TICKET_NOT_A_PARTY);
	/* malformed: truncated, and a flipped reserved byte */
	assert_int_equal(burrow_relay_admit(r, ka, (struct sockaddr *)&sin, good,
					    BURROW_RELAY_TICKET_LEN - 1, NOW, &why),
			 BURROW_RELAY_TICKET_MALFORMED);
	assert_string_equal(why, "truncated");
	memcpy(raw, good, sizeof(raw));
	raw[2] = 1;
	assert_int_equal(admit(r, ka, "203.0.113.1", 1, raw, NOW), BURROW_RELAY_TICKET_MALFORMED);
	/* tampered expiry: the signature no longer holds */
	memcpy(raw, good, sizeof(raw));
	raw[15] ^= 1;
	assert_int_equal(admit(r, ka, "203.0.113.1", 1, raw, NOW),
			 BURROW_RELAY_TICKET_BAD_SIGNATURE);

	assert_int_equal(c->refused[BURROW_RELAY_TICKET_BAD_SIGNATURE], 2);
	assert_int_equal(c->refused[BURROW_RELAY_TICKET_EXPIRED], 1);
	assert_int_equal(c->refused[BURROW_RELAY_TICKET_WRONG_RELAY], 1);
	assert_int_equal(c->refused[BURROW_RELAY_TICKET_NOT_A_PARTY], 1);
	assert_int_equal(c->refused[BURROW_RELAY_TICKET_MALFORMED], 2);
	assert_int_equal(c->admitted, 0);
	assert_int_equal(burrow_relay_bound(r), 0);
	assert_int_equal(n_calls, 0);
	burrow_relay_free(r);
}

/* A party rebinding from a new address moves only its endpoint (relay-set). */
static void test_rebind_sets(void **state)
{
	struct burrow_relay_ticket t;
	uint8_t raw[BURROW_RELAY_TICKET_LEN];
	struct burrow_relay *r = relay();

	(void)state;
	ticket(coord.private_key_pem, relay_key, NOW + 300, &t, raw);
	assert_int_equal(admit(r, ka, "203.0.113.1", 51820, raw, NOW), 0);
	assert_int_equal(admit(r, kb, "198.51.100.2", 41000, raw, NOW), 0);
	assert_int_equal(admit(r, kb, "198.51.100.9", 41001, raw, NOW + 5), 0);
	assert_int_equal(n_calls, 2);
	assert_int_equal(calls[1].op, 's');
	assert_int_equal(calls[1].e.ticket, t.id);
	assert_int_equal(calls[1].e.a.family, AF_UNSPEC);
	assert_endpoint(&calls[1].e.b, "198.51.100.9", 41001);
	assert_int_equal(calls[1].e.lifetime, 0);
	assert_int_equal(admit(r, ka, "203.0.113.7", 51820, raw, NOW + 6), 0);
	assert_int_equal(n_calls, 3);
	assert_endpoint(&calls[2].e.a, "203.0.113.7", 51820);
	assert_int_equal(calls[2].e.b.family, AF_UNSPEC);
	assert_int_equal(burrow_relay_counters(r)->moved, 2);
	assert_int_equal(burrow_relay_counters(r)->installed, 1);
	/* an IPv6 rebind cannot pair with an IPv4 party: refused, nothing moves */
	{
		struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(9) };
		const char *why;

		inet_pton(AF_INET6, "2001:db8::1", &s6.sin6_addr);
		assert_int_equal(burrow_relay_admit(r, ka, (struct sockaddr *)&s6, raw, sizeof(raw),
						    NOW + 7, &why), BURROW_RELAY_TICKET_CONFLICT);
		/* an IPv4-mapped source is the IPv4 address */
		inet_pton(AF_INET6, "::ffff:203.0.113.8", &s6.sin6_addr);
		assert_int_equal(burrow_relay_admit(r, ka, (struct sockaddr *)&s6, raw, sizeof(raw),
						    NOW + 7, &why), 0);
		assert_int_equal(n_calls, 4);
		assert_endpoint(&calls[3].e.a, "203.0.113.8", 9);
	}
	burrow_relay_free(r);
}

/* Expiry deletes the entry on the timer; the ticket is then refused as expired. */
static void test_expiry_deletes(void **state)
{
	struct burrow_relay_ticket t;
	uint8_t raw[BURROW_RELAY_TICKET_LEN];
	struct burrow_relay *r = relay();

	(void)state;
	ticket(coord.private_key_pem, relay_key, NOW + 300, &t, raw);
	assert_int_equal(admit(r, ka, "203.0.113.1", 51820, raw, NOW), 0);
	assert_int_equal(admit(r, kb, "198.51.100.2", 41000, raw, NOW), 0);
	assert_int_equal(burrow_relay_next_event(r), NOW + 300);
	burrow_relay_tick(r, NOW + 299);
	assert_int_equal(n_calls, 1);
	burrow_relay_tick(r, NOW + 300);
	assert_int_equal(n_calls, 2);
	assert_int_equal(calls[1].op, 'd');
	assert_int_equal(calls[1].e.ticket, t.id);
	assert_int_equal(burrow_relay_counters(r)->entries, 0);
	assert_int_equal(burrow_relay_counters(r)->expired, 1);
	assert_int_equal(burrow_relay_next_event(r), UINT64_MAX);
	assert_int_equal(admit(r, ka, "203.0.113.1", 51820, raw, NOW + 300),
			 BURROW_RELAY_TICKET_EXPIRED);
	burrow_relay_free(r);
	assert_int_equal(n_calls, 2);
}

/* Revocation deletes the entry and refuses the id afterwards. */
static void test_revoke_deletes(void **state)
{
	struct burrow_relay_ticket t;
	uint8_t raw[BURROW_RELAY_TICKET_LEN];
	struct burrow_relay *r = relay();

	(void)state;
	ticket(coord.private_key_pem, relay_key, NOW + 300, &t, raw);
	assert_int_equal(admit(r, ka, "203.0.113.1", 51820, raw, NOW), 0);
	assert_int_equal(admit(r, kb, "198.51.100.2", 41000, raw, NOW), 0);
	burrow_relay_revoke(r, t.id, NOW + 1);
	assert_int_equal(n_calls, 2);
	assert_int_equal(calls[1].op, 'd');
	assert_int_equal(calls[1].e.ticket, t.id);
	assert_int_equal(burrow_relay_counters(r)->revoked, 1);
	assert_int_equal(burrow_relay_counters(r)->entries, 0);
	assert_int_equal(admit(r, ka, "203.0.113.1", 51820, raw, NOW + 2),
			 BURROW_RELAY_TICKET_REVOKED);
	assert_int_equal(burrow_relay_counters(r)->refused[BURROW_RELAY_TICKET_REVOKED], 1);
	/* a revocation that arrives before any party: refused from the start */
	burrow_relay_revoke(r, 12345, NOW);
	burrow_relay_revoke(r, t.id, NOW + 3);	/* twice is harmless */
	assert_int_equal(n_calls, 2);
	burrow_relay_free(r);
	assert_int_equal(n_calls, 2);
}

/* A ticket longer than a kernel lifetime: capped at 86400, renewed before. */
static void test_long_ticket_renewed(void **state)
{
	struct burrow_relay_ticket t;
	uint8_t raw[BURROW_RELAY_TICKET_LEN];
	struct burrow_relay *r = relay();

	(void)state;
	ticket(coord.private_key_pem, relay_key, NOW + 100000, &t, raw);
	assert_int_equal(admit(r, ka, "203.0.113.1", 51820, raw, NOW), 0);
	assert_int_equal(admit(r, kb, "198.51.100.2", 41000, raw, NOW), 0);
	assert_int_equal(calls[0].e.lifetime, BURROW_RELAY_LIFETIME_MAX);
	assert_int_equal(burrow_relay_next_event(r), NOW + 86400 - BURROW_RELAY_RENEW_BEFORE);
	burrow_relay_tick(r, NOW + 86400 - BURROW_RELAY_RENEW_BEFORE);
	assert_int_equal(n_calls, 2);
	assert_int_equal(calls[1].op, 's');
	assert_int_equal(calls[1].e.lifetime, 100000 - 86400 + BURROW_RELAY_RENEW_BEFORE);
	assert_int_equal(calls[1].e.a.family, AF_UNSPEC);
	assert_int_equal(burrow_relay_next_event(r), NOW + 100000);
	burrow_relay_free(r);
}

/* The kernel refusing the entry: refused (unavailable), counted, the party unbound. */
static void test_kernel_failure(void **state)
{
	struct burrow_relay_ticket t;
	uint8_t raw[BURROW_RELAY_TICKET_LEN];
	struct burrow_relay *r = relay();
	char text[2048];
	FILE *f;

	(void)state;
	ticket(coord.private_key_pem, relay_key, NOW + 300, &t, raw);
	assert_int_equal(admit(r, ka, "203.0.113.1", 51820, raw, NOW), 0);
	fail_next = -EOPNOTSUPP;
	assert_int_equal(admit(r, kb, "198.51.100.2", 41000, raw, NOW), BURROW_RELAY_UNAVAILABLE);
	assert_int_equal(burrow_relay_counters(r)->kernel_errors, 1);
	assert_int_equal(burrow_relay_counters(r)->entries, 0);
	fail_next = 0;
	assert_int_equal(admit(r, kb, "198.51.100.2", 41000, raw, NOW), 0);
	assert_int_equal(n_calls, 1);

	f = fmemopen(text, sizeof(text), "w");
	burrow_relay_write_status(r, f, false);
	fclose(f);
	assert_non_null(strstr(text, "relay: admitted 2 entries 1 bound 1 refused 1, unavailable 1"));
	f = fmemopen(text, sizeof(text), "w");
	burrow_relay_write_status(r, f, true);
	fclose(f);
	assert_non_null(strstr(text, "\"admitted\":2,\"entries\":1"));
	assert_non_null(strstr(text, "\"unavailable\":1"));
	assert_non_null(strstr(text, "\"not a party\":0"));
	burrow_relay_free(r);
}

static void test_wire(void **state)
{
	struct burrow_relay_ticket t;
	uint8_t raw[BURROW_RELAY_TICKET_LEN], req[BURROW_RELAY_REQUEST_LEN];
	uint8_t resp[BURROW_RELAY_RESPONSE_MAX];
	char text[256], long_text[300];
	unsigned code;
	int n;

	(void)state;
	ticket(coord.private_key_pem, relay_key, NOW + 300, &t, raw);
	assert_int_equal(burrow_relay_request_encode(&t, req), BURROW_RELAY_REQUEST_LEN);
	assert_int_equal(req[0], 1);
	assert_memory_equal(req + 1, raw, sizeof(raw));
	n = burrow_relay_response_encode(BURROW_RELAY_TICKET_EXPIRED, "expired", resp, sizeof(resp));
	assert_int_equal(n, 10);
	for (int len = 0; len < n; len++)
		assert_int_equal(burrow_relay_response_parse(resp, (size_t)len, &code, text), 0);
	assert_int_equal(burrow_relay_response_parse(resp, (size_t)n, &code, text), n);
	assert_int_equal(code, BURROW_RELAY_TICKET_EXPIRED);
	assert_string_equal(text, "expired");
	resp[0] = 2;
	assert_int_equal(burrow_relay_response_parse(resp, (size_t)n, &code, text), -EPROTO);
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	assert_int_equal(burrow_relay_response_encode(0, long_text, resp, sizeof(resp)), 258);
	for (unsigned i = 0; i <= BURROW_RELAY_CODE_COUNT; i++)
		assert_non_null(burrow_relay_code_name(i));
	assert_string_equal(burrow_relay_code_name(BURROW_RELAY_UNAVAILABLE), "unavailable");
}

/*
 * A control ticket (brief D12): its pair is a node and the coordinator.
 * The node presents it from its address; the coordinator's side is bound
 * by RELAY_BIND with the coordinator's key as the party, at the address of
 * the relay's coordination connection. Both bound: one entry, the
 * coordinator's endpoint on its side of the pair.
 */
static void test_coordinator_party(void **state)
{
	struct burrow_relay *r = relay();
	struct burrow_relay_ticket t;
	uint8_t raw[BURROW_RELAY_TICKET_LEN];
	char err[256];
	bool coord_is_a;

	(void)state;
	assert_int_equal(burrow_relay_ticket_issue(coord.private_key_pem, relay_key, kb,
						   coord.public_key, NOW + 300, &t, err,
						   sizeof(err)), 0);
	assert_int_equal(burrow_relay_ticket_encode(&t, raw), 0);
	coord_is_a = !memcmp(t.a, coord.public_key, 32);
	/* the node first: waiting, no kernel call */
	assert_int_equal(admit(r, kb, "192.0.2.2", 51820, raw, NOW), 0);
	assert_int_equal(n_calls, 0);
	/* a key that is neither (ka) cannot bind the coordinator's side */
	assert_int_equal(admit(r, ka, "198.18.0.254", 7443, raw, NOW),
			 BURROW_RELAY_TICKET_NOT_A_PARTY);
	assert_int_equal(n_calls, 0);
	/* the coordinator's RELAY_BIND: installed, each endpoint on its own side */
	assert_int_equal(admit(r, coord.public_key, "198.18.0.254", 7443, raw, NOW), 0);
	assert_int_equal(n_calls, 1);
	assert_int_equal(calls[0].op, 'n');
	assert_int_equal(calls[0].e.ticket, t.id);
	assert_endpoint(coord_is_a ? &calls[0].e.a : &calls[0].e.b, "198.18.0.254", 7443);
	assert_endpoint(coord_is_a ? &calls[0].e.b : &calls[0].e.a, "192.0.2.2", 51820);
	assert_int_equal(burrow_relay_counters(r)->entries, 1);
	/* RELAY_BIND again (the coordinator reconnected): the same address, no kernel call */
	assert_int_equal(admit(r, coord.public_key, "198.18.0.254", 7443, raw, NOW + 1), 0);
	assert_int_equal(n_calls, 1);
	burrow_relay_free(r);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, reset)
	const struct CMUnitTest tests[] = {
		T(test_both_parties_install_once),
		T(test_one_party_installs_nothing),
		T(test_refusals_counted),
		T(test_rebind_sets),
		T(test_expiry_deletes),
		T(test_revoke_deletes),
		T(test_long_ticket_renewed),
		T(test_kernel_failure),
		T(test_wire),
		T(test_coordinator_party),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
