// SPDX-License-Identifier: GPL-2.0
/*
 * Coordination stream messages: a round trip of every message (decode what
 * was encoded, re-encode to the same bytes), every decoding error with the
 * field its message names, the 64 KiB capsule bound and the peer-count
 * bound (-EMSGSIZE before buffering), and a 50,000-peer MAP_FULL split into
 * capsules, streamed in odd-sized chunks and reassembled.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "coord_msg.h"
#include "coord_peers.h"

/* The one capsule at the start of b: its type and value. */
static void one_capsule(const struct coord_buf *b, uint64_t type, struct burrow_capsule *c)
{
	int n = burrow_capsule_parse_bounded(b->data, b->len, COORD_MSG_CAPSULE_MAX, c);

	assert_int_equal(n, (int)b->len);
	assert_true(c->type == type);
}

static void test_types_outside_grease_and_burrowd(void **state)
{
	(void)state;
	for (uint64_t t = COORD_MSG_REGISTER; t <= COORD_MSG_RELAY_BIND; t++) {
		assert_true(coord_msg_type_known(t));
		assert_false(burrow_capsule_type_known(t));
		assert_int_not_equal((t - 0x17) % 0x29, 0);
	}
	assert_false(coord_msg_type_known(BURROW_CAPSULE_HELLO));
	assert_string_equal(coord_msg_type_name(COORD_MSG_MAP_DELTA), "MAP_DELTA");
}

/* RELAY_REVOKE: one varint ticket id, 1..2^32-1, nothing after it. */
static void test_relay_revoke(void **state)
{
	static const uint8_t zero[] = { 0 }, big[] = { 0xc0, 0, 0, 1, 0, 0, 0, 0 };
	static const uint8_t trailing[] = { 7, 0 }, non_shortest[] = { 0x40, 7 };
	struct burrow_capsule c;
	struct coord_buf b;
	uint32_t id = 0;
	char why[256] = "";

	(void)state;
	assert_string_equal(coord_msg_type_name(COORD_MSG_RELAY_REVOKE), "RELAY_REVOKE");
	coord_buf_init(&b);
	assert_int_equal(coord_msg_relay_revoke_encode(&b, 4294967295u), 0);
	one_capsule(&b, COORD_MSG_RELAY_REVOKE, &c);
	assert_int_equal(c.length, 8);
	assert_int_equal(coord_msg_relay_revoke_decode(c.value, c.length, &id, why, sizeof(why)), 0);
	assert_true(id == 4294967295u);
	coord_buf_free(&b);
	assert_int_equal(coord_msg_relay_revoke_decode(zero, 1, &id, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "Ticket ID 0"));
	assert_int_equal(coord_msg_relay_revoke_decode(big, 8, &id, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "4294967296"));
	assert_int_equal(coord_msg_relay_revoke_decode(trailing, 2, &id, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "trailing"));
	assert_int_equal(coord_msg_relay_revoke_decode(zero, 0, &id, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "Ticket ID"));
	assert_true(coord_msg_relay_revoke_decode(non_shortest, 2, &id, why, sizeof(why)) < 0);
}

/* RELAY_BIND: exactly one ticket's 176 bytes, carried unchanged. */
static void test_relay_bind(void **state)
{
	uint8_t ticket[COORD_RELAY_TICKET_LEN], out[COORD_RELAY_TICKET_LEN] = { 0 };
	struct burrow_capsule c;
	struct coord_buf b;
	char why[256] = "";

	(void)state;
	for (size_t i = 0; i < sizeof(ticket); i++)
		ticket[i] = (uint8_t)(i * 7 + 1);
	assert_string_equal(coord_msg_type_name(COORD_MSG_RELAY_BIND), "RELAY_BIND");
	assert_true(coord_msg_type_known(COORD_MSG_RELAY_BIND));
	coord_buf_init(&b);
	assert_int_equal(coord_msg_relay_bind_encode(&b, ticket), 0);
	one_capsule(&b, COORD_MSG_RELAY_BIND, &c);
	assert_int_equal(c.length, COORD_RELAY_TICKET_LEN);
	assert_int_equal(coord_msg_relay_bind_decode(c.value, c.length, out, why, sizeof(why)), 0);
	assert_memory_equal(out, ticket, sizeof(ticket));
	assert_int_equal(coord_msg_relay_bind_decode(c.value, c.length - 1, out, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "RELAY_BIND: Ticket is 175 bytes"));
	assert_int_equal(coord_msg_relay_bind_decode(c.value, 0, out, why, sizeof(why)), -EBADMSG);
	coord_buf_free(&b);
}

/* CONTROL_TICKET: one ticket's 176 bytes; a wrong length or framing is refused. */
static void test_control_ticket(void **state)
{
	uint8_t ticket[COORD_RELAY_TICKET_LEN], out[COORD_RELAY_TICKET_LEN] = { 0 };
	uint8_t bad[COORD_RELAY_TICKET_LEN + 1];
	struct burrow_capsule c;
	struct coord_buf b;
	char why[256] = "";

	(void)state;
	for (size_t i = 0; i < sizeof(ticket); i++)
		ticket[i] = (uint8_t)(i * 7 + 1);
	ticket[0] = 1;
	ticket[1] = ticket[2] = ticket[3] = 0;
	assert_string_equal(coord_msg_type_name(COORD_MSG_CONTROL_TICKET), "CONTROL_TICKET");
	assert_true(coord_msg_type_known(COORD_MSG_CONTROL_TICKET));
	coord_buf_init(&b);
	assert_int_equal(coord_msg_control_ticket_encode(&b, ticket), 0);
	one_capsule(&b, COORD_MSG_CONTROL_TICKET, &c);
	assert_int_equal(c.length, COORD_RELAY_TICKET_LEN);
	assert_int_equal(coord_msg_control_ticket_decode(c.value, c.length, out, why, sizeof(why)),
			 0);
	assert_memory_equal(out, ticket, sizeof(ticket));
	/* short, empty, long */
	assert_int_equal(coord_msg_control_ticket_decode(c.value, c.length - 1, out, why,
							 sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "CONTROL_TICKET: Ticket is 175 bytes, not 176"));
	assert_int_equal(coord_msg_control_ticket_decode(c.value, 0, out, why, sizeof(why)),
			 -EBADMSG);
	memcpy(bad, ticket, sizeof(ticket));
	bad[COORD_RELAY_TICKET_LEN] = 0;
	assert_int_equal(coord_msg_control_ticket_decode(bad, sizeof(bad), out, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "Ticket is 177 bytes"));
	/* version */
	memcpy(bad, ticket, sizeof(ticket));
	bad[0] = 2;
	assert_int_equal(coord_msg_control_ticket_decode(bad, sizeof(ticket), out, why,
							 sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "version 2"));
	/* reserved */
	memcpy(bad, ticket, sizeof(ticket));
	bad[3] = 1;
	assert_int_equal(coord_msg_control_ticket_decode(bad, sizeof(ticket), out, why,
							 sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "reserved"));
	/* zero id */
	memcpy(bad, ticket, sizeof(ticket));
	memset(bad + 4, 0, 4);
	assert_int_equal(coord_msg_control_ticket_decode(bad, sizeof(ticket), out, why,
							 sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "Ticket ID is 0"));
	coord_buf_free(&b);
}

/* OBSERVED_ADDRESS: IP version, address, port; every malformed form refused. */
static void test_observed_address(void **state)
{
	static const uint8_t v4[] = { 4, 203, 0, 113, 7, 0x9c, 0x41 };
	static const uint8_t bad_family[] = { 5, 203, 0, 113, 7, 0x9c, 0x41 };
	static const uint8_t short_v6[] = { 6, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0x9c, 0x41 };
	static const uint8_t port0[] = { 4, 203, 0, 113, 7, 0, 0 };
	static const uint8_t trailing[] = { 4, 203, 0, 113, 7, 0x9c, 0x41, 0 };
	struct burrow_nl_endpoint e = { .family = AF_INET6, .port = 51820 }, out;
	struct burrow_capsule c;
	struct coord_buf b;
	char why[256] = "";

	(void)state;
	assert_true(coord_msg_type_known(COORD_MSG_OBSERVED_ADDRESS));
	assert_false(burrow_capsule_type_known(COORD_MSG_OBSERVED_ADDRESS));
	assert_int_not_equal((COORD_MSG_OBSERVED_ADDRESS - 0x17) % 0x29, 0);
	assert_string_equal(coord_msg_type_name(COORD_MSG_OBSERVED_ADDRESS), "OBSERVED_ADDRESS");
	/* IPv6 round trip: 1 + 16 + 2 bytes, re-encoded to the same bytes. */
	e.addr.bytes[0] = 0x20;
	e.addr.bytes[1] = 0x01;
	e.addr.bytes[15] = 9;
	coord_buf_init(&b);
	assert_int_equal(coord_msg_observed_address_encode(&b, &e, why, sizeof(why)), 0);
	one_capsule(&b, COORD_MSG_OBSERVED_ADDRESS, &c);
	assert_int_equal(c.length, 19);
	assert_int_equal(coord_msg_observed_address_decode(c.value, c.length, &out, why,
							   sizeof(why)), 0);
	assert_int_equal(out.family, AF_INET6);
	assert_int_equal(out.port, 51820);
	assert_memory_equal(out.addr.bytes, e.addr.bytes, 16);
	coord_buf_free(&b);
	/* IPv4: 203.0.113.7:40001 */
	assert_int_equal(coord_msg_observed_address_decode(v4, sizeof(v4), &out, why, sizeof(why)), 0);
	assert_int_equal(out.family, AF_INET);
	assert_int_equal(out.port, 40001);
	assert_int_equal(out.addr.bytes[3], 7);
	coord_buf_init(&b);
	assert_int_equal(coord_msg_observed_address_encode(&b, &out, why, sizeof(why)), 0);
	one_capsule(&b, COORD_MSG_OBSERVED_ADDRESS, &c);
	assert_int_equal(c.length, sizeof(v4));
	assert_memory_equal(c.value, v4, sizeof(v4));
	coord_buf_free(&b);
	/* Every truncation of the IPv4 form, an empty value included. */
	for (size_t n = 0; n < sizeof(v4); n++) {
		why[0] = '\0';
		assert_int_equal(coord_msg_observed_address_decode(v4, n, &out, why, sizeof(why)),
				 -EBADMSG);
		assert_non_null(strstr(why, "OBSERVED_ADDRESS"));
		assert_int_equal(out.family, 0);
	}
	assert_int_equal(coord_msg_observed_address_decode(bad_family, sizeof(bad_family), &out,
							   why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "unknown IP version 5"));
	/* Version 6 with an IPv4-sized body: the address is cut short. */
	assert_int_equal(coord_msg_observed_address_decode(short_v6, sizeof(short_v6), &out, why,
							   sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "endpoint address"));
	assert_int_equal(coord_msg_observed_address_decode(port0, sizeof(port0), &out, why,
							   sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "port 0"));
	assert_int_equal(coord_msg_observed_address_decode(trailing, sizeof(trailing), &out, why,
							   sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "1 trailing bytes"));
	/* The encoder refuses what it cannot say, and leaves the buffer as it was. */
	coord_buf_init(&b);
	e.port = 0;
	assert_int_equal(coord_msg_observed_address_encode(&b, &e, why, sizeof(why)), -EINVAL);
	e.port = 1;
	e.family = AF_UNIX;
	assert_int_equal(coord_msg_observed_address_encode(&b, &e, why, sizeof(why)), -EINVAL);
	assert_int_equal(b.len, 0);
	coord_buf_free(&b);
}

/* REGISTER's optional Flags: absent when 0 (old bytes), present and non-zero otherwise. */
static void test_register_flags(void **state)
{
	struct coord_register m = { .key_secret = "" }, back;
	struct coord_buf b, plain;
	struct burrow_capsule c;
	uint8_t value[64];
	char why[256] = "";

	(void)state;
	strcpy(m.hostname, "relay");
	coord_buf_init(&plain);
	assert_int_equal(coord_msg_register_encode(&plain, &m, why, sizeof(why)), 0);
	m.flags = COORD_REGISTER_RELAY;
	coord_buf_init(&b);
	assert_int_equal(coord_msg_register_encode(&b, &m, why, sizeof(why)), 0);
	one_capsule(&b, COORD_MSG_REGISTER, &c);
	assert_int_equal(coord_msg_register_decode(c.value, c.length, &back, why, sizeof(why)), 0);
	assert_true(back.flags == COORD_REGISTER_RELAY);
	coord_register_free(&back);
	/* One byte more than without flags (the value's length byte grows with it). */
	assert_int_equal(b.len, plain.len + 1);
	/* Without flags: what an older coordinator decodes, flags 0. */
	one_capsule(&plain, COORD_MSG_REGISTER, &c);
	assert_int_equal(coord_msg_register_decode(c.value, c.length, &back, why, sizeof(why)), 0);
	assert_true(back.flags == 0);
	coord_register_free(&back);
	/* Flags 0 present: a second encoding of "no flags", refused. */
	assert_true(c.length + 1 <= sizeof(value));
	memcpy(value, c.value, c.length);
	value[c.length] = 0;
	assert_int_equal(coord_msg_register_decode(value, c.length + 1, &back, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "Flags 0"));
	/* Bytes after Flags, and a truncated Flags varint. */
	value[c.length] = 1;
	value[c.length + 1] = 1;
	assert_int_equal(coord_msg_register_decode(value, c.length + 2, &back, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "trailing"));
	value[c.length] = 0x40;	/* a two-byte varint cut after its first byte */
	assert_int_equal(coord_msg_register_decode(value, c.length + 1, &back, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "Flags"));
	coord_buf_free(&b);
	coord_buf_free(&plain);
}

static void test_relay_request(void **state)
{
	uint8_t key[32], back[32], value[40];
	struct burrow_capsule c;
	struct coord_buf b;
	char why[256] = "";

	(void)state;
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	assert_string_equal(coord_msg_type_name(COORD_MSG_RELAY_REQUEST), "RELAY_REQUEST");
	assert_true(coord_msg_type_known(COORD_MSG_RELAY_REQUEST));
	assert_false(burrow_capsule_type_known(COORD_MSG_RELAY_REQUEST));
	assert_int_not_equal((COORD_MSG_RELAY_REQUEST - 0x17) % 0x29, 0);
	coord_buf_init(&b);
	assert_int_equal(coord_msg_relay_request_encode(&b, key), 0);
	one_capsule(&b, COORD_MSG_RELAY_REQUEST, &c);
	assert_int_equal(c.length, 32);
	assert_int_equal(coord_msg_relay_request_decode(c.value, c.length, back, why, sizeof(why)), 0);
	assert_memory_equal(back, key, 32);
	memcpy(value, c.value, 32);
	coord_buf_free(&b);
	assert_int_equal(coord_msg_relay_request_decode(value, 31, back, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "RELAY_REQUEST: Peer Public Key is truncated"));
	value[32] = 0;
	assert_int_equal(coord_msg_relay_request_decode(value, 33, back, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "1 trailing bytes"));
	assert_int_equal(coord_msg_relay_request_decode(value, 0, back, why, sizeof(why)), -EBADMSG);
}

/* An offer (ticket + relay endpoint) and a refusal (reason), and every way to break them. */
static void test_relay_offer(void **state)
{
	struct coord_relay_offer m = { 0 }, back;
	struct burrow_capsule c;
	struct coord_buf b;
	uint8_t value[512];
	size_t len;
	char why[256] = "";

	(void)state;
	assert_string_equal(coord_msg_type_name(COORD_MSG_RELAY_OFFER), "RELAY_OFFER");
	assert_true(coord_msg_type_known(COORD_MSG_RELAY_OFFER));
	assert_false(burrow_capsule_type_known(COORD_MSG_RELAY_OFFER));
	assert_int_not_equal((COORD_MSG_RELAY_OFFER - 0x17) % 0x29, 0);
	memset(m.peer_key, 0x42, 32);
	for (int i = 0; i < COORD_RELAY_TICKET_LEN; i++)
		m.ticket[i] = (uint8_t)i;
	assert_int_equal(burrow_text_parse_endpoint("198.18.0.3:51823", false, &m.relay, why,
						    sizeof(why)), 0);
	coord_buf_init(&b);
	assert_int_equal(coord_msg_relay_offer_encode(&b, &m, why, sizeof(why)), 0);
	one_capsule(&b, COORD_MSG_RELAY_OFFER, &c);
	/* key, status, ticket length (2-byte varint), ticket, version, IPv4, port */
	assert_int_equal(c.length, 32 + 1 + 2 + 176 + 1 + 4 + 2);
	assert_int_equal(coord_msg_relay_offer_decode(c.value, c.length, &back, why, sizeof(why)), 0);
	assert_false(back.refused);
	assert_memory_equal(back.peer_key, m.peer_key, 32);
	assert_memory_equal(back.ticket, m.ticket, COORD_RELAY_TICKET_LEN);
	assert_memory_equal(&back.relay, &m.relay, sizeof(m.relay));
	len = c.length;
	memcpy(value, c.value, len);
	coord_buf_free(&b);

	/* every truncation */
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(coord_msg_relay_offer_decode(value, cut, &back, why, sizeof(why)),
				 -EBADMSG);
	/* trailing bytes */
	value[len] = 0;
	assert_int_equal(coord_msg_relay_offer_decode(value, len + 1, &back, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "trailing"));
	/* a ticket length other than 176 */
	value[33] = 0x40;
	value[34] = 175;
	assert_int_equal(coord_msg_relay_offer_decode(value, len, &back, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "Ticket Length 175"));
	value[34] = 177;
	assert_int_equal(coord_msg_relay_offer_decode(value, len, &back, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "Ticket Length 177"));
	value[34] = 176;
	/* a bad endpoint: unknown IP version, port 0 */
	value[32 + 1 + 2 + 176] = 5;
	assert_int_equal(coord_msg_relay_offer_decode(value, len, &back, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "unknown IP version 5"));
	value[32 + 1 + 2 + 176] = 4;
	value[len - 2] = value[len - 1] = 0;
	assert_int_equal(coord_msg_relay_offer_decode(value, len, &back, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "port 0"));
	/* an unknown status */
	value[32] = 2;
	assert_int_equal(coord_msg_relay_offer_decode(value, len, &back, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "unknown Status 2"));

	/* the encoder refuses a relay endpoint it cannot write */
	m.relay.port = 0;
	coord_buf_init(&b);
	assert_int_equal(coord_msg_relay_offer_encode(&b, &m, why, sizeof(why)), -EINVAL);
	assert_int_equal(b.len, 0);
	coord_buf_free(&b);

	/* a refusal carries its reason */
	m.refused = true;
	snprintf(m.reason, sizeof(m.reason), "no relay is connected");
	coord_buf_init(&b);
	assert_int_equal(coord_msg_relay_offer_encode(&b, &m, why, sizeof(why)), 0);
	one_capsule(&b, COORD_MSG_RELAY_OFFER, &c);
	assert_int_equal(coord_msg_relay_offer_decode(c.value, c.length, &back, why, sizeof(why)), 0);
	assert_true(back.refused);
	assert_string_equal(back.reason, "no relay is connected");
	len = c.length;
	memcpy(value, c.value, len);
	coord_buf_free(&b);
	value[len - 1] = 0xff;	/* not UTF-8 */
	assert_int_equal(coord_msg_relay_offer_decode(value, len, &back, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "Reason is not UTF-8"));
	value[33] = 0x44;	/* Reason Length 1024 + 1: longer than COORD_REASON_MAX */
	value[34] = 0x01;
	assert_int_equal(coord_msg_relay_offer_decode(value, len, &back, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "Reason Length 1025"));
	m.reason[3] = (char)0xc0;	/* the encoder checks UTF-8 too */
	coord_buf_init(&b);
	assert_int_equal(coord_msg_relay_offer_encode(&b, &m, why, sizeof(why)), -EINVAL);
	coord_buf_free(&b);
}

static void test_register_round_trip(void **state)
{
	struct burrow_nl_prefix routes[2] = { 0 };
	struct burrow_nl_endpoint endpoints[2] = { 0 };
	struct coord_register m = { .key_secret = "bck_abcdefgh0123", .routes = routes,
				    .n_routes = 2, .endpoints = endpoints, .n_endpoints = 2 };
	struct coord_register back;
	struct coord_buf b, again;
	struct burrow_capsule c;
	char why[256] = "";

	(void)state;
	strcpy(m.hostname, "alice-laptop");
	assert_int_equal(burrow_text_parse_prefix("10.20.0.0/16", 0, &routes[0], why, sizeof(why)), 0);
	assert_int_equal(burrow_text_parse_prefix("::/0", 0, &routes[1], why, sizeof(why)), 0);
	assert_int_equal(burrow_text_parse_endpoint("192.0.2.7:41641", false, &endpoints[0], why,
						    sizeof(why)), 0);
	assert_int_equal(burrow_text_parse_endpoint("[2001:db8::7]:41641", false, &endpoints[1],
						    why, sizeof(why)), 0);
	coord_buf_init(&b);
	assert_int_equal(coord_msg_register_encode(&b, &m, why, sizeof(why)), 0);
	one_capsule(&b, COORD_MSG_REGISTER, &c);
	assert_int_equal(coord_msg_register_decode(c.value, c.length, &back, why, sizeof(why)), 0);
	assert_string_equal(back.key_secret, m.key_secret);
	assert_string_equal(back.hostname, "alice-laptop");
	assert_int_equal(back.n_routes, 2);
	assert_true(burrow_text_prefix_equal(&back.routes[0], &routes[0]));
	assert_true(burrow_text_prefix_equal(&back.routes[1], &routes[1]));
	assert_int_equal(back.n_endpoints, 2);
	assert_int_equal(back.endpoints[1].port, 41641);
	assert_memory_equal(back.endpoints[1].addr.bytes, endpoints[1].addr.bytes, 16);
	coord_buf_init(&again);
	assert_int_equal(coord_msg_register_encode(&again, &back, why, sizeof(why)), 0);
	assert_int_equal(again.len, b.len);
	assert_memory_equal(again.data, b.data, b.len);
	coord_register_free(&back);
	coord_buf_free(&again);
	coord_buf_free(&b);

	/* A registered node authenticates by its TLS key: no secret, no lists. */
	m.key_secret = NULL;
	m.n_routes = m.n_endpoints = 0;
	coord_buf_init(&b);
	assert_int_equal(coord_msg_register_encode(&b, &m, why, sizeof(why)), 0);
	one_capsule(&b, COORD_MSG_REGISTER, &c);
	assert_int_equal(coord_msg_register_decode(c.value, c.length, &back, why, sizeof(why)), 0);
	assert_string_equal(back.key_secret, "");
	assert_int_equal(back.n_routes, 0);
	assert_null(back.routes);
	coord_register_free(&back);
	coord_buf_free(&b);
}

static void test_register_result_round_trip(void **state)
{
	struct coord_register_result ok = { .accepted = true }, refused = { .accepted = false };
	struct coord_register_result back;
	struct coord_map_self self;
	struct burrow_capsule c;
	struct coord_buf b;
	char why[256] = "";

	(void)state;
	coord_test_self(&self);
	strcpy(ok.name, "alice");
	ok.addresses = self.addresses;
	coord_buf_init(&b);
	assert_int_equal(coord_msg_register_result_encode(&b, &ok, why, sizeof(why)), 0);
	one_capsule(&b, COORD_MSG_REGISTER_RESULT, &c);
	assert_int_equal(coord_msg_register_result_decode(c.value, c.length, &back, why,
							  sizeof(why)), 0);
	assert_true(back.accepted);
	assert_string_equal(back.name, "alice");
	assert_true(burrow_text_prefix_equal(&back.addresses.ipv4, &ok.addresses.ipv4));
	assert_true(burrow_text_prefix_equal(&back.addresses.ipv6, &ok.addresses.ipv6));
	coord_buf_free(&b);

	refused.reason_code = COORD_REFUSED_KEY_EXPIRED;
	strcpy(refused.reason, "pre-auth key 'x3Fa09Qe' expired at 2026-12-01T00:00:00Z \u2013 ask");
	coord_buf_init(&b);
	assert_int_equal(coord_msg_register_result_encode(&b, &refused, why, sizeof(why)), 0);
	one_capsule(&b, COORD_MSG_REGISTER_RESULT, &c);
	assert_int_equal(coord_msg_register_result_decode(c.value, c.length, &back, why,
							  sizeof(why)), 0);
	assert_false(back.accepted);
	assert_true(back.reason_code == COORD_REFUSED_KEY_EXPIRED);
	assert_string_equal(back.reason, refused.reason);
	coord_buf_free(&b);
}

static void test_small_messages_round_trip(void **state)
{
	struct burrow_nl_endpoint endpoints[1] = { 0 }, *back_endpoints;
	struct burrow_capsule c;
	struct coord_buf b;
	uint64_t version;
	char why[256] = "";
	size_t n;

	(void)state;
	coord_buf_init(&b);
	assert_int_equal(coord_msg_map_request_full_encode(&b, 16384), 0);
	one_capsule(&b, COORD_MSG_MAP_REQUEST_FULL, &c);
	assert_int_equal(c.length, 4);
	assert_int_equal(coord_msg_map_request_full_decode(c.value, c.length, &version, why,
							   sizeof(why)), 0);
	assert_true(version == 16384);
	coord_buf_free(&b);

	assert_int_equal(burrow_text_parse_endpoint("[2001:db8::9]:7", false, &endpoints[0], why,
						    sizeof(why)), 0);
	coord_buf_init(&b);
	assert_int_equal(coord_msg_endpoints_encode(&b, endpoints, 1, why, sizeof(why)), 0);
	one_capsule(&b, COORD_MSG_ENDPOINTS, &c);
	assert_int_equal(c.length, 1 + 1 + 16 + 2);
	assert_int_equal(coord_msg_endpoints_decode(c.value, c.length, &back_endpoints, &n, why,
						    sizeof(why)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(back_endpoints[0].port, 7);
	free(back_endpoints);
	coord_buf_free(&b);
}

static void test_map_delta_round_trip(void **state)
{
	struct coord_map_delta m = { .version = 77 }, back;
	uint64_t removed[3] = { 2, 9, 1000000 };
	struct burrow_capsule c;
	struct coord_buf b, again;
	char why[256] = "";

	(void)state;
	m.changed = coord_test_peers(5, 3, 1);
	m.n_changed = 3;
	m.removed = removed;
	m.n_removed = 3;
	coord_buf_init(&b);
	assert_int_equal(coord_msg_map_delta_encode(&b, &m, why, sizeof(why)), 0);
	one_capsule(&b, COORD_MSG_MAP_DELTA, &c);
	assert_int_equal(coord_msg_map_delta_decode(c.value, c.length, &back, why, sizeof(why)), 0);
	assert_true(back.version == 77);
	assert_int_equal(back.n_changed, 3);
	for (size_t i = 0; i < 3; i++)
		assert_true(coord_peer_equal(&back.changed[i], &m.changed[i]));
	assert_int_equal(back.n_removed, 3);
	assert_memory_equal(back.removed, removed, sizeof(removed));
	coord_buf_init(&again);
	assert_int_equal(coord_msg_map_delta_encode(&again, &back, why, sizeof(why)), 0);
	assert_int_equal(again.len, b.len);
	assert_memory_equal(again.data, b.data, b.len);
	coord_map_delta_free(&back);
	coord_buf_free(&again);
	coord_buf_free(&b);
	coord_peers_free(m.changed, m.n_changed);
}

/* Feed every capsule of b (in chunks of chunk bytes) through the stream reader. */
static int stream_full_map(const struct coord_buf *b, size_t chunk,
			   struct coord_map_full_reader *full, size_t *capsules, char *why,
			   size_t why_size)
{
	struct burrow_capsule_reader r;
	struct burrow_capsule c;
	int done = 0, ret = 0;

	*capsules = 0;
	coord_msg_reader_init(&r);
	for (size_t off = 0; off < b->len && ret >= 0; off += chunk) {
		size_t len = b->len - off < chunk ? b->len - off : chunk;

		ret = burrow_capsule_reader_push(&r, b->data + off, len);
		while (ret == 0 && (ret = burrow_capsule_reader_next(&r, &c)) == 1) {
			assert_true(c.type == COORD_MSG_MAP_FULL);
			assert_true(c.length <= COORD_MSG_CAPSULE_MAX);
			(*capsules)++;
			ret = coord_map_full_reader_feed(full, c.value, c.length, why, why_size);
			if (ret == 1)
				done = 1;
			if (ret >= 0)
				ret = 0;
		}
	}
	assert_false(burrow_capsule_reader_partial(&r));
	burrow_capsule_reader_free(&r);
	return ret < 0 ? ret : done;
}

static void test_map_full_50k_split_and_reassembled(void **state)
{
	const size_t n = 50000;
	struct coord_peer *peers = coord_test_peers(10, n, 1), *back;
	struct coord_map_full_reader full;
	struct coord_map_self self;
	struct coord_buf b;
	size_t parts, capsules, n_back;
	char why[256] = "";

	(void)state;
	coord_test_self(&self);
	coord_buf_init(&b);
	assert_int_equal(coord_msg_map_full_encode(&b, 3, &self, peers, n, &parts, why,
						   sizeof(why)), 0);
	assert_true(parts > 1);
	coord_map_full_reader_init(&full);
	assert_int_equal(stream_full_map(&b, 1499, &full, &capsules, why, sizeof(why)), 1);
	assert_int_equal(capsules, parts);
	assert_true(full.version == 3);
	assert_true(full.self.id == self.id);
	assert_string_equal(full.self.name, "self");
	back = coord_map_full_reader_take(&full, &n_back);
	assert_int_equal(n_back, n);
	for (size_t i = 0; i < n; i++)
		assert_true(coord_peer_equal(&back[i], &peers[i]));
	coord_peers_free(back, n_back);
	coord_map_full_reader_free(&full);
	coord_buf_free(&b);
	coord_peers_free(peers, n);
}

static void test_map_full_empty_is_one_part(void **state)
{
	struct coord_map_full_reader full;
	struct coord_map_self self;
	struct burrow_capsule c;
	struct coord_buf b;
	size_t parts;
	char why[256] = "";

	(void)state;
	coord_test_self(&self);
	coord_buf_init(&b);
	assert_int_equal(coord_msg_map_full_encode(&b, 1, &self, NULL, 0, &parts, why,
						   sizeof(why)), 0);
	assert_int_equal(parts, 1);
	one_capsule(&b, COORD_MSG_MAP_FULL, &c);
	assert_int_equal(c.value[1], COORD_MAP_PART_FIRST | COORD_MAP_PART_LAST);
	coord_map_full_reader_init(&full);
	assert_int_equal(coord_map_full_reader_feed(&full, c.value, c.length, why, sizeof(why)), 1);
	assert_int_equal(full.n_peers, 0);
	coord_map_full_reader_free(&full);
	coord_buf_free(&b);
}

/* ---- decoding errors ------------------------------------------------------------ */

enum decoder { REGISTER, RESULT, FULL, DELTA, REQUEST_FULL, ENDPOINTS };

static int decode(enum decoder d, const uint8_t *v, size_t len, char *why, size_t why_size)
{
	struct coord_register reg;
	struct coord_register_result res;
	struct coord_map_full_reader full;
	struct coord_map_delta delta;
	struct burrow_nl_endpoint *endpoints;
	uint64_t version;
	size_t n;
	int ret;

	switch (d) {
	case REGISTER:
		ret = coord_msg_register_decode(v, len, &reg, why, why_size);
		if (!ret)
			coord_register_free(&reg);
		return ret;
	case RESULT:
		return coord_msg_register_result_decode(v, len, &res, why, why_size);
	case FULL:
		coord_map_full_reader_init(&full);
		ret = coord_map_full_reader_feed(&full, v, len, why, why_size);
		coord_map_full_reader_free(&full);
		return ret;
	case DELTA:
		ret = coord_msg_map_delta_decode(v, len, &delta, why, why_size);
		if (!ret)
			coord_map_delta_free(&delta);
		return ret;
	case REQUEST_FULL:
		return coord_msg_map_request_full_decode(v, len, &version, why, why_size);
	case ENDPOINTS:
		ret = coord_msg_endpoints_decode(v, len, &endpoints, &n, why, why_size);
		if (!ret)
			free(endpoints);
		return ret;
	}
	return -EINVAL;
}

/* A peer entry of id ID (one byte), name "p", key KEY..., IPv4, IPv6, no lists. */
#define PEER(id, key) id, 1, 'p', key, KEY_REST, /* ipv4 */ 100, 64, 0, id, \
	/* ipv6 */ 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, id, 0, 0
/* The last 31 bytes of a test key. */
#define KEY_REST 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, \
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
/* The addresses block: 100.64.0.2/10, fd7a::2/48. */
#define ADDRS 100, 64, 0, 2, 10, 0xfd, 0x7a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 48

struct bad_case {
	const char *what;
	enum decoder decoder;
	uint8_t value[200];
	size_t len;
	int ret;
	const char *why;		/* substring */
};

#define CASE(w, d, r, msg, ...) { .what = w, .decoder = d, .value = { __VA_ARGS__ }, \
	.len = sizeof((uint8_t[]){ __VA_ARGS__ }), .ret = r, .why = msg }

static const struct bad_case bad_cases[] = {
	CASE("trailing byte", REQUEST_FULL, -EBADMSG, "MAP_REQUEST_FULL: 1 trailing bytes", 5, 0),
	CASE("non-shortest varint", REQUEST_FULL, -EBADMSG,
	     "MAP_REQUEST_FULL: Last Version is truncated or not a shortest varint", 0x40, 0x05),
	CASE("truncated varint", REQUEST_FULL, -EBADMSG, "Last Version is truncated", 0x80, 0x00),
	CASE("truncated key", REGISTER, -EBADMSG, "REGISTER: Pre-auth Key is truncated", 4, 'b', 'c'),
	CASE("key not printable", REGISTER, -EBADMSG, "Pre-auth Key byte 2 (0x0a)", 2, 'b', '\n', 1,
	     'a', 0, 0),
	CASE("hostname not a label", REGISTER, -EBADMSG, "hostname 'Alice' is not a DNS label", 0, 5,
	     'A', 'l', 'i', 'c', 'e', 0, 0),
	CASE("hostname with a dot", REGISTER, -EBADMSG, "hostname 'a.b' is not a DNS label", 0, 3,
	     'a', '.', 'b', 0, 0),
	CASE("hostname with a leading hyphen", REGISTER, -EBADMSG, "hostname '-a' is not", 0, 2, '-',
	     'a', 0, 0),
	CASE("empty hostname", REGISTER, -EBADMSG, "hostname length 0 (1-63)", 0, 0, 0, 0),
	CASE("route bits beyond prefix", REGISTER, -EBADMSG,
	     "REGISTER: route 1: bits set beyond /20 in 10.0.17.0", 0, 1, 'a', 1, 4, 20, 10, 0, 0x11,
	     0),
	CASE("route prefix too long", REGISTER, -EBADMSG, "route 1: prefix length 33 is longer", 0,
	     1, 'a', 1, 4, 33, 10, 0, 0, 1, 1, 0),
	CASE("route unknown family", REGISTER, -EBADMSG, "REGISTER: route 1 has unknown IP version 5",
	     0, 1, 'a', 1, 5, 8, 10, 0),
	CASE("route truncated", REGISTER, -EBADMSG, "REGISTER: route address is truncated", 0, 1,
	     'a', 1, 6, 64, 0x20, 0x01),
	CASE("endpoint unknown family", ENDPOINTS, -EBADMSG,
	     "ENDPOINTS: endpoint 1 has unknown IP version 0", 1, 0, 1, 2, 3, 4, 0, 1),
	CASE("endpoint port 0", ENDPOINTS, -EBADMSG, "ENDPOINTS: endpoint 1 (192.0.2.1) has port 0",
	     1, 4, 192, 0, 2, 1, 0, 0),
	CASE("endpoint truncated", ENDPOINTS, -EBADMSG, "ENDPOINTS: Endpoint Count 2 but only", 2, 4,
	     192, 0, 2, 1, 0, 1),
	CASE("too many endpoints", ENDPOINTS, -EBADMSG, "ENDPOINTS: Endpoint Count 33 (at most 32)",
	     33),
	CASE("result unknown status", RESULT, -EBADMSG, "REGISTER_RESULT: unknown Status 2", 2),
	CASE("result reason not UTF-8", RESULT, -EBADMSG, "REGISTER_RESULT: Reason is not UTF-8", 1,
	     1, 2, 0xc0, 0x80),
	CASE("result reason truncated", RESULT, -EBADMSG, "REGISTER_RESULT: Reason is truncated", 1,
	     1, 9, 'n', 'o'),
	CASE("result name not a label", RESULT, -EBADMSG, "REGISTER_RESULT: name 'a_b' is not", 0, 3,
	     'a', '_', 'b', ADDRS),
	CASE("result prefix length", RESULT, -EBADMSG, "prefix lengths /33 and /48", 0, 1, 'a', 100,
	     64, 0, 2, 33, 0xfd, 0x7a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 48),
	CASE("result trailing", RESULT, -EBADMSG, "REGISTER_RESULT: 1 trailing bytes", 0, 1, 'a',
	     ADDRS, 0),
	CASE("delta duplicate changed id", DELTA, -EBADMSG,
	     "MAP_DELTA: duplicate peer id 7 in changed peers", 1, 2, PEER(7, 1), PEER(7, 2), 0),
	CASE("delta unsorted changed ids", DELTA, -EBADMSG,
	     "MAP_DELTA: peer id 6 after 7 in changed peers", 1, 2, PEER(7, 1), PEER(6, 2), 0),
	CASE("delta duplicate removed id", DELTA, -EBADMSG,
	     "MAP_DELTA: duplicate peer id 3 in removed peers", 1, 0, 2, 3, 3),
	CASE("delta id changed and removed", DELTA, -EBADMSG,
	     "MAP_DELTA: duplicate peer id 7 (changed and removed)", 1, 1, PEER(7, 1), 2, 6, 7),
	CASE("delta count beyond the peer bytes", DELTA, -EBADMSG,
	     "MAP_DELTA: Changed Count 1 but only 2 bytes follow", 1, 1, 7, 0),
	CASE("delta count beyond bytes", DELTA, -EBADMSG, "MAP_DELTA: Changed Count 3 but only", 1,
	     3, PEER(7, 1)),
	CASE("delta trailing", DELTA, -EBADMSG, "MAP_DELTA: 1 trailing bytes", 1, 0, 0, 0),
	CASE("full without first part", FULL, -EBADMSG,
	     "MAP_FULL: continuation part of version 1 without a first part", 1, 2),
	CASE("full unknown flags", FULL, -EBADMSG, "MAP_FULL: unknown Flags 0x07", 1, 7),
	CASE("full too many peers", FULL, -EMSGSIZE, "MAP_FULL: Peer Count 1000001 (at most 1000000)",
	     1, 3, 0x80, 0x0f, 0x42, 0x41),
	CASE("full fewer peers than count", FULL, -EBADMSG,
	     "MAP_FULL: last part ends after 1 of 2 peers", 1, 3, 2, 1, 1, 's', ADDRS, PEER(5, 1)),
	CASE("full more peers than count", FULL, -EBADMSG, "MAP_FULL: more peers than Peer Count 1",
	     1, 3, 1, 1, 1, 's', ADDRS, PEER(5, 1), PEER(6, 2)),
	CASE("full duplicate ids", FULL, -EBADMSG, "MAP_FULL: duplicate peer id 5 in the map", 1, 3,
	     2, 1, 1, 's', ADDRS, PEER(5, 1), PEER(5, 2)),
	CASE("full self name", FULL, -EBADMSG, "MAP_FULL: self name 'S' is not a DNS label", 1, 3, 0,
	     1, 1, 'S', ADDRS),
};

static void test_decoding_errors_name_the_field(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *t = &bad_cases[i];
		char why[256] = "";
		int ret = decode(t->decoder, t->value, t->len, why, sizeof(why));

		if (ret != t->ret || !strstr(why, t->why))
			fail_msg("%s: got %d '%s', want %d '%s'", t->what, ret, why, t->ret, t->why);
		/* Shorter values (some are valid) are decoded without a crash. */
		for (size_t cut = 0; cut < t->len; cut++)
			(void)decode(t->decoder, t->value, cut, why, sizeof(why));
	}
}

/* Every proper prefix of a valid value is refused as truncated. */
static void test_every_truncation_refused(void **state)
{
	struct coord_map_delta m = { .version = 300 };
	uint64_t removed[1] = { 4 };
	struct burrow_capsule c;
	struct coord_buf b;
	char why[256];

	(void)state;
	m.changed = coord_test_peers(5, 2, 1);
	m.n_changed = 2;
	m.removed = removed;
	m.n_removed = 1;
	coord_buf_init(&b);
	assert_int_equal(coord_msg_map_delta_encode(&b, &m, why, sizeof(why)), 0);
	one_capsule(&b, COORD_MSG_MAP_DELTA, &c);
	for (size_t cut = 0; cut < c.length; cut++) {
		why[0] = '\0';
		assert_int_equal(decode(DELTA, c.value, cut, why, sizeof(why)), -EBADMSG);
		assert_non_null(strstr(why, "MAP_DELTA: "));
	}
	assert_int_equal(decode(DELTA, c.value, c.length, why, sizeof(why)), 0);
	coord_buf_free(&b);
	coord_peers_free(m.changed, m.n_changed);
}

static void test_reader_refuses_oversize_before_buffering(void **state)
{
	/* MAP_FULL (0x2b0c03) announcing 65537 bytes of value: header only. */
	static const uint8_t header[] = { 0x80, 0x2b, 0x0c, 0x03, 0x80, 0x01, 0x00, 0x01 };
	/* An unknown capsule of 100 KiB is skipped as it arrives. */
	static const uint8_t unknown[] = { 0x80, 0x2b, 0x0c, 0x3f, 0x80, 0x01, 0x90, 0x00 };
	static uint8_t junk[4096];
	struct burrow_capsule_reader r;
	struct burrow_capsule c;

	(void)state;
	coord_msg_reader_init(&r);
	assert_int_equal(burrow_capsule_reader_push(&r, header, sizeof(header)), 0);
	assert_int_equal(burrow_capsule_reader_next(&r, &c), -EMSGSIZE);
	assert_int_equal(burrow_capsule_reader_push(&r, junk, sizeof(junk)), -EMSGSIZE);
	burrow_capsule_reader_free(&r);

	coord_msg_reader_init(&r);
	assert_int_equal(burrow_capsule_reader_push(&r, unknown, sizeof(unknown)), 0);
	assert_int_equal(burrow_capsule_reader_next(&r, &c), 0);
	for (size_t sent = 0; sent < 0x19000; sent += sizeof(junk)) {
		assert_int_equal(burrow_capsule_reader_push(&r, junk, sizeof(junk)), 0);
		assert_int_equal(burrow_capsule_reader_next(&r, &c), 0);
		assert_int_equal(burrow_capsule_reader_held(&r), 0);
	}
	assert_true(r.skipped == 1);
	burrow_capsule_reader_free(&r);
}

static void test_map_full_parts_must_agree(void **state)
{
	struct coord_peer *peers = coord_test_peers(1, 3000, 1);
	struct coord_map_full_reader full;
	struct coord_map_self self;
	struct burrow_capsule c1, c2;
	struct coord_buf b;
	uint8_t *second;
	size_t parts;
	char why[256] = "";
	int n1;

	(void)state;
	coord_test_self(&self);
	coord_buf_init(&b);
	assert_int_equal(coord_msg_map_full_encode(&b, 9, &self, peers, 3000, &parts, why,
						   sizeof(why)), 0);
	assert_true(parts >= 2);
	n1 = burrow_capsule_parse_bounded(b.data, b.len, COORD_MSG_CAPSULE_MAX, &c1);
	assert_true(n1 > 0);
	assert_true(burrow_capsule_parse_bounded(b.data + n1, b.len - n1, COORD_MSG_CAPSULE_MAX,
						 &c2) > 0);
	coord_map_full_reader_init(&full);
	/* A second part with another version. */
	assert_int_equal(coord_map_full_reader_feed(&full, c1.value, c1.length, why,
						    sizeof(why)), 0);
	second = malloc(c2.length);
	memcpy(second, c2.value, c2.length);
	second[0] = 10;		/* version 9 -> 10, same one-byte varint */
	assert_int_equal(coord_map_full_reader_feed(&full, second, c2.length, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "MAP_FULL: part 2 has version 10, the map 9"));
	/* A first part while a map is in progress. */
	assert_int_equal(coord_map_full_reader_feed(&full, c1.value, c1.length, why,
						    sizeof(why)), 0);
	assert_int_equal(coord_map_full_reader_feed(&full, c1.value, c1.length, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "first part of version 9 while part 2"));
	free(second);
	coord_map_full_reader_free(&full);
	coord_buf_free(&b);
	coord_peers_free(peers, 3000);
}

static void test_encoders_refuse_bad_input(void **state)
{
	struct coord_peer *peers = coord_test_peers(1, 2, 1);
	struct coord_register reg = { .key_secret = "" };
	struct coord_map_self self;
	struct coord_buf b;
	char why[256] = "";

	(void)state;
	coord_test_self(&self);
	coord_buf_init(&b);
	strcpy(reg.hostname, "Bad");
	assert_int_equal(coord_msg_register_encode(&b, &reg, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "REGISTER: hostname 'Bad' is not a DNS label"));
	peers[1].id = 1;
	assert_int_equal(coord_msg_map_full_encode(&b, 1, &self, peers, 2, NULL, why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(b.len, 0);
	peers[1].id = 2;
	peers[1].routes[0].len = 8;	/* 10.x.y.0/8: bits set beyond /8 */
	assert_int_equal(coord_msg_map_full_encode(&b, 1, &self, peers, 2, NULL, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "route 1 is not a prefix"));
	assert_int_equal(b.len, 0);
	coord_buf_free(&b);
	coord_peers_free(peers, 2);
}

static void dns_sample(struct coord_dns_config *m)
{
	memset(m, 0, sizeof(*m));
	strcpy(m->domain, "mesh.burrow");
	m->n_splits = 2;
	strcpy(m->splits[0].domain, "corp.example");
	m->splits[0].n_servers = 2;
	m->splits[0].servers[0].family = AF_INET;
	memcpy(m->splits[0].servers[0].addr, "\x0a\x00\x00\x35", 4);
	m->splits[0].servers[1].family = AF_INET6;
	m->splits[0].servers[1].addr[0] = 0xfd;
	m->splits[0].servers[1].addr[15] = 0x53;
	strcpy(m->splits[1].domain, "lab.internal");
	m->splits[1].n_servers = 1;
	m->splits[1].servers[0].family = AF_INET;
	memcpy(m->splits[1].servers[0].addr, "\x0a\x01\x00\x35", 4);
}

/* DNS_CONFIG: round trip, a skip by old readers, and every strict-decoder refusal. */
static void test_dns_config(void **state)
{
	static struct coord_dns_config m, back;
	struct burrow_capsule_reader old;
	struct burrow_capsule c;
	struct coord_buf b, again;
	uint8_t v[512];
	char why[256] = "";

	(void)state;
	dns_sample(&m);
	coord_buf_init(&b);
	assert_int_equal(coord_msg_dns_config_encode(&b, &m, why, sizeof(why)), 0);
	one_capsule(&b, COORD_MSG_DNS_CONFIG, &c);
	assert_int_equal(coord_msg_dns_config_decode(c.value, c.length, &back, why, sizeof(why)), 0);
	assert_true(coord_dns_config_equal(&m, &back));
	coord_buf_init(&again);
	assert_int_equal(coord_msg_dns_config_encode(&again, &back, why, sizeof(why)), 0);
	assert_int_equal(again.len, b.len);
	assert_memory_equal(again.data, b.data, b.len);
	coord_buf_free(&again);
	/* A reader that knows only the first six types skips it (how old nodes see it). */
	burrow_capsule_reader_init_for(&old, COORD_MSG_CAPSULE_MAX, coord_msg_type_known);
	assert_int_equal(burrow_capsule_reader_push(&old, b.data, b.len), 0);
	assert_int_equal(burrow_capsule_reader_next(&old, &c), 1);
	burrow_capsule_reader_free(&old);

	/* Every truncation is refused. */
	one_capsule(&b, COORD_MSG_DNS_CONFIG, &c);
	for (size_t n = 0; n < c.length; n++)
		assert_int_equal(coord_msg_dns_config_decode(c.value, n, &back, why, sizeof(why)),
				 -EBADMSG);
	/* Trailing bytes. */
	memcpy(v, c.value, c.length);
	v[c.length] = 0;
	assert_int_equal(coord_msg_dns_config_decode(v, c.length + 1, &back, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "trailing"));
	coord_buf_free(&b);

	/* Bad domains, names and counts: encoders refuse them, decoders too. */
	{
		static const struct { const char *raw; size_t len; const char *says; } bad[] = {
			{ "\x00\x00", 2, "empty domain" },
			{ "\x04Mesh\x00", 6, "lower-case" },
			{ "\x05mesh.\x00", 7, "lower-case" },
			{ "\x04me_h\x00", 7 - 1, "'me_h'" },
			{ "\x03\x61\x00\x62\x00", 5, "NUL" },
			{ "\x01\x61\x01\x03lab\x00", 8, "Server Count 0" },
			{ "\x01\x61\x01\x03lab\x09", 8, "Server Count 9" },
			{ "\x01\x61\x01\x03lab\x01\x05\x01\x02\x03\x04", 13, "unknown IP version 5" },
			{ "\x01\x61\x01\x03x.a\x01\x04\x01\x02\x03\x04", 13, "under it" },
			{ "\x01\x61\x01\x01\x61\x01\x04\x01\x02\x03\x04", 11, "under it" },
			{ "\x01\x61\x02\x01x\x01\x04\x01\x02\x03\x04\x01x\x01\x04\x01\x02\x03\x04", 19,
			  "given twice" },
			{ "\x01\x61\x40\x41", 4, "Split Count 65" },
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			int ret = coord_msg_dns_config_decode((const uint8_t *)bad[i].raw, bad[i].len,
							      &back, why, sizeof(why));

			if (ret != -EBADMSG || !strstr(why, bad[i].says))
				fail_msg("case %zu: %d '%s' (want '%s')", i, ret, why, bad[i].says);
			assert_string_equal(back.domain, "");
		}
	}
	coord_buf_init(&b);
	dns_sample(&m);
	strcpy(m.splits[1].domain, "a.mesh.burrow");
	assert_int_equal(coord_msg_dns_config_encode(&b, &m, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "'a.mesh.burrow'"));
	dns_sample(&m);
	m.splits[0].n_servers = 0;
	assert_int_equal(coord_msg_dns_config_encode(&b, &m, why, sizeof(why)), -EINVAL);
	assert_int_equal(b.len, 0);
	coord_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types_outside_grease_and_burrowd),
		cmocka_unit_test(test_relay_revoke),
		cmocka_unit_test(test_relay_bind),
		cmocka_unit_test(test_control_ticket),
		cmocka_unit_test(test_register_round_trip),
		cmocka_unit_test(test_register_flags),
		cmocka_unit_test(test_relay_request),
		cmocka_unit_test(test_relay_offer),
		cmocka_unit_test(test_register_result_round_trip),
		cmocka_unit_test(test_small_messages_round_trip),
		cmocka_unit_test(test_map_delta_round_trip),
		cmocka_unit_test(test_map_full_50k_split_and_reassembled),
		cmocka_unit_test(test_map_full_empty_is_one_part),
		cmocka_unit_test(test_decoding_errors_name_the_field),
		cmocka_unit_test(test_every_truncation_refused),
		cmocka_unit_test(test_reader_refuses_oversize_before_buffering),
		cmocka_unit_test(test_map_full_parts_must_agree),
		cmocka_unit_test(test_encoders_refuse_bad_input),
		cmocka_unit_test(test_dns_config),
		cmocka_unit_test(test_observed_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
