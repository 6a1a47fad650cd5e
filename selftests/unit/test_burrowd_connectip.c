// SPDX-License-Identifier: GPL-2.0
/*
 * RFC 9484 capsules (connectip.c): a round trip of each, then one negative
 * test per MUST: request IDs non-zero and never reused, prefix length
 * within the address size, host bits zero, the rejection form, full-list
 * replacement (an empty ADDRESS_ASSIGN is valid and withdraws everything),
 * empty ADDRESS_REQUEST, range start <= end, sort order by version then
 * protocol, strictly non-overlapping ranges, protocol-0 overlap; plus
 * unknown IP versions, truncation and trailing bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "connectip.h"

static struct burrow_nl_prefix pfx(const char *text)
{
	struct burrow_nl_prefix p;
	char err[128];

	assert_int_equal(burrow_prefix_parse(text, &p, err, sizeof(err)), 0);
	return p;
}

static struct burrow_ip_range range(const char *start, const char *end, uint8_t protocol)
{
	struct burrow_ip_range r = { .protocol = protocol };

	r.family = strchr(start, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(r.family, start, r.start), 1);
	assert_int_equal(inet_pton(r.family, end, r.end), 1);
	return r;
}

/* Raw IPv4 address entry: id (1-byte varint), version, address, length. */
static size_t put_v4_entry(uint8_t *out, uint8_t id, uint8_t version, uint32_t addr, uint8_t len)
{
	out[0] = id;
	out[1] = version;
	out[2] = (uint8_t)(addr >> 24);
	out[3] = (uint8_t)(addr >> 16);
	out[4] = (uint8_t)(addr >> 8);
	out[5] = (uint8_t)addr;
	out[6] = len;
	return 7;
}

/* Raw IPv4 range. */
static size_t put_v4_range(uint8_t *out, uint32_t start, uint32_t end, uint8_t proto)
{
	out[0] = 4;
	for (int i = 0; i < 4; i++) {
		out[1 + i] = (uint8_t)(start >> (24 - 8 * i));
		out[5 + i] = (uint8_t)(end >> (24 - 8 * i));
	}
	out[9] = proto;
	return 10;
}

static void test_address_round_trip(void **state)
{
	struct burrow_address_entry in[2] = {
		{ .request_id = 1, .prefix = pfx("10.99.0.2/32") },
		{ .request_id = 300, .prefix = pfx("fd00:99::/64") },
	}, out[BURROW_CONNECTIP_LIST_MAX];
	uint8_t buf[256];
	char why[200];
	size_t n;
	int len;

	(void)state;
	len = burrow_address_list_encode(BURROW_CAPSULE_ADDRESS_REQUEST, in, 2, buf, sizeof(buf),
					 why, sizeof(why));
	/* 1 + 1 + 4 + 1, then a 2-byte varint + 1 + 16 + 1 */
	assert_int_equal(len, 7 + 20);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[1], 4);
	assert_int_equal(burrow_address_request_decode(buf, (size_t)len, out, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 2);
	assert_true(out[1].request_id == 300);
	assert_true(burrow_text_prefix_equal(&out[0].prefix, &in[0].prefix));
	assert_true(burrow_text_prefix_equal(&out[1].prefix, &in[1].prefix));
}

static void test_request_id_zero_refused(void **state)
{
	uint8_t buf[16];
	struct burrow_address_entry out[BURROW_CONNECTIP_LIST_MAX], e = { 0, pfx("0.0.0.0/32") };
	char why[200];
	size_t n, len = put_v4_entry(buf, 0, 4, 0, 32);

	(void)state;
	assert_int_equal(burrow_address_request_decode(buf, len, out, &n, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "ADDRESS_REQUEST entry 1: request ID 0");
	/* An unsolicited ADDRESS_ASSIGN carries ID 0: valid there. */
	assert_int_equal(burrow_address_assign_decode(buf, len, out, &n, why, sizeof(why)), 0);
	/* The encoder does not make one either. */
	assert_int_equal(burrow_address_list_encode(BURROW_CAPSULE_ADDRESS_REQUEST, &e, 1, buf,
						    sizeof(buf), why, sizeof(why)), -EINVAL);
}

static void test_request_id_reuse_refused(void **state)
{
	uint8_t buf[32];
	struct burrow_address_entry out[BURROW_CONNECTIP_LIST_MAX];
	struct burrow_request_ids seen = { 0 };
	char why[200];
	size_t n, len;

	(void)state;
	/* Twice in one capsule. */
	len = put_v4_entry(buf, 7, 4, 0, 32);
	len += put_v4_entry(buf + len, 7, 4, 0, 32);
	assert_int_equal(burrow_address_request_decode(buf, len, out, &n, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "ADDRESS_REQUEST entry 2: request ID 7 reused (entry 1)");
	/* Across capsules: the stream's set of seen IDs. */
	assert_int_equal(burrow_request_ids_note(&seen, 7), 0);
	assert_int_equal(burrow_request_ids_note(&seen, 8), 0);
	assert_int_equal(burrow_request_ids_note(&seen, 7), -EEXIST);
	assert_true(burrow_request_ids_has(&seen, 8));
	assert_false(burrow_request_ids_has(&seen, 9));
	burrow_request_ids_free(&seen);
}

static void test_prefix_length_beyond_address(void **state)
{
	uint8_t buf[32];
	struct burrow_address_entry out[BURROW_CONNECTIP_LIST_MAX];
	char why[200];
	size_t n, len = put_v4_entry(buf, 1, 4, 0x0a000000, 33);

	(void)state;
	assert_int_equal(burrow_address_request_decode(buf, len, out, &n, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why,
			    "ADDRESS_REQUEST entry 1: prefix length 33 is longer than an IPv4 address (10.0.0.0/33)");
	assert_int_equal(burrow_address_assign_decode(buf, len, out, &n, why, sizeof(why)), -EBADMSG);
}

static void test_host_bits_set(void **state)
{
	uint8_t buf[32];
	struct burrow_address_entry out[BURROW_CONNECTIP_LIST_MAX];
	struct burrow_address_entry bad = { .request_id = 1, .prefix = pfx("10.0.0.0/24") };
	char why[200];
	size_t n, len = put_v4_entry(buf, 1, 4, 0x0a000001, 24);

	(void)state;
	assert_int_equal(burrow_address_assign_decode(buf, len, out, &n, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "ADDRESS_ASSIGN entry 1: host bits set in 10.0.0.1/24");
	bad.prefix.addr.bytes[3] = 1;
	assert_int_equal(burrow_address_list_encode(BURROW_CAPSULE_ADDRESS_ASSIGN, &bad, 1, buf,
						    sizeof(buf), why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "invalid address entry '10.0.0.1/24' (request ID 1)");
}

static void test_rejection_form(void **state)
{
	struct burrow_nl_prefix p;

	(void)state;
	burrow_address_rejection(AF_INET, &p);
	assert_true(burrow_address_is_rejection(&p));
	burrow_address_rejection(AF_INET6, &p);
	assert_int_equal(p.len, 128);
	assert_true(burrow_address_is_rejection(&p));
	/* All-zero with a shorter length is "no preference", not a rejection. */
	p = pfx("0.0.0.0/24");
	assert_true(burrow_address_is_unspecified(&p));
	assert_false(burrow_address_is_rejection(&p));
	p = pfx("10.0.0.1/32");
	assert_false(burrow_address_is_rejection(&p));
}

static void test_empty_request_aborts_empty_assign_withdraws(void **state)
{
	struct burrow_address_entry out[BURROW_CONNECTIP_LIST_MAX];
	uint8_t buf[8] = { 0 };
	char why[200];
	size_t n = 99;

	(void)state;
	assert_int_equal(burrow_address_request_decode(buf, 0, out, &n, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "ADDRESS_REQUEST with no addresses");
	assert_int_equal(burrow_address_list_encode(BURROW_CAPSULE_ADDRESS_REQUEST, out, 0, buf,
						    sizeof(buf), why, sizeof(why)), -EINVAL);
	/* Full-list replacement: an empty ADDRESS_ASSIGN means "nothing assigned". */
	assert_int_equal(burrow_address_assign_decode(buf, 0, out, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(burrow_address_list_encode(BURROW_CAPSULE_ADDRESS_ASSIGN, out, 0, buf,
						    sizeof(buf), why, sizeof(why)), 0);
}

static void test_address_malformed(void **state)
{
	uint8_t buf[32];
	struct burrow_address_entry out[BURROW_CONNECTIP_LIST_MAX];
	char why[200];
	size_t n, len;

	(void)state;
	len = put_v4_entry(buf, 1, 5, 0, 32);
	assert_int_equal(burrow_address_request_decode(buf, len, out, &n, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "ADDRESS_REQUEST entry 1: IP version 5 (only 4 and 6 exist)");
	len = put_v4_entry(buf, 1, 4, 0, 32);
	for (size_t cut = 1; cut < len; cut++)
		assert_int_equal(burrow_address_request_decode(buf, cut, out, &n, why, sizeof(why)),
				 -EBADMSG);
	/* An IPv6 version byte with only an IPv4 address behind it. */
	buf[1] = 6;
	assert_int_equal(burrow_address_assign_decode(buf, len, out, &n, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "ADDRESS_ASSIGN entry 1 is truncated");
}

static void test_too_many_addresses(void **state)
{
	uint8_t buf[7 * (BURROW_CONNECTIP_LIST_MAX + 1)];
	struct burrow_address_entry out[BURROW_CONNECTIP_LIST_MAX];
	char why[200];
	size_t n, len = 0;

	(void)state;
	for (int i = 0; i <= BURROW_CONNECTIP_LIST_MAX; i++)
		len += put_v4_entry(buf + len, 1, 4, 0, 32);
	assert_int_equal(burrow_address_assign_decode(buf, len, out, &n, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "ADDRESS_ASSIGN with more than 64 entries");
}

static void test_route_round_trip(void **state)
{
	struct burrow_ip_range in[3] = {
		range("fd00::", "fd00::ffff", 0),
		range("10.20.0.0", "10.20.0.255", 0),
		range("10.30.0.0", "10.30.0.255", 0),
	}, out[BURROW_CONNECTIP_LIST_MAX];
	uint8_t buf[256];
	char why[200];
	size_t n;
	int len;

	(void)state;
	/* Unsorted input is refused by the encoder; sorted it goes out. */
	assert_int_equal(burrow_route_advertisement_encode(in, 3, buf, sizeof(buf), why, sizeof(why)),
			 -EINVAL);
	burrow_ip_ranges_sort(in, 3);
	assert_int_equal(in[0].family, AF_INET);
	assert_int_equal(in[2].family, AF_INET6);
	len = burrow_route_advertisement_encode(in, 3, buf, sizeof(buf), why, sizeof(why));
	assert_int_equal(len, 10 + 10 + 34);
	assert_int_equal(burrow_route_advertisement_decode(buf, (size_t)len, out, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(out, in, sizeof(in));
	/* An empty advertisement withdraws every route. */
	assert_int_equal(burrow_route_advertisement_decode(buf, 0, out, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 0);
}

static void test_route_start_after_end(void **state)
{
	uint8_t buf[16];
	struct burrow_ip_range out[BURROW_CONNECTIP_LIST_MAX];
	char why[200];
	size_t n, len = put_v4_range(buf, 0x0a000100, 0x0a0000ff, 0);

	(void)state;
	assert_int_equal(burrow_route_advertisement_decode(buf, len, out, &n, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "ROUTE_ADVERTISEMENT entry 1: start after end (10.0.1.0-10.0.0.255)");
}

static void test_route_unsorted_version(void **state)
{
	struct burrow_ip_range r[2] = { range("fd00::", "fd00::ff", 0), range("10.0.0.0", "10.0.0.255", 0) };
	uint8_t buf[64];
	struct burrow_ip_range out[BURROW_CONNECTIP_LIST_MAX];
	char why[200];
	size_t n, len = 0;

	(void)state;
	/* Build by hand in the wrong order: IPv6 before IPv4. */
	buf[len++] = 6;
	memcpy(buf + len, r[0].start, 16);
	len += 16;
	memcpy(buf + len, r[0].end, 16);
	len += 16;
	buf[len++] = 0;
	len += put_v4_range(buf + len, 0x0a000000, 0x0a0000ff, 0);
	assert_int_equal(burrow_route_advertisement_decode(buf, len, out, &n, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why,
			    "ROUTE_ADVERTISEMENT entry 2 (10.0.0.0-10.0.0.255) is not sorted after entry 1 (fd00::-fd00::ff)");
}

static void test_route_unsorted_protocol(void **state)
{
	uint8_t buf[32];
	struct burrow_ip_range out[BURROW_CONNECTIP_LIST_MAX];
	char why[200];
	size_t n, len = 0;

	(void)state;
	len += put_v4_range(buf + len, 0x0a000000, 0x0a0000ff, 17);
	len += put_v4_range(buf + len, 0x0b000000, 0x0b0000ff, 6);
	assert_int_equal(burrow_route_advertisement_decode(buf, len, out, &n, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why,
			    "ROUTE_ADVERTISEMENT entry 2 (11.0.0.0-11.0.0.255 proto 6) is not sorted after entry 1 (10.0.0.0-10.0.0.255 proto 17)");
}

static void test_route_overlap_and_order_within_protocol(void **state)
{
	uint8_t buf[32];
	struct burrow_ip_range out[BURROW_CONNECTIP_LIST_MAX];
	char why[200];
	size_t n, len;

	(void)state;
	/* Overlapping. */
	len = put_v4_range(buf, 0x0a000000, 0x0a0000ff, 0);
	len += put_v4_range(buf + len, 0x0a000080, 0x0a0001ff, 0);
	assert_int_equal(burrow_route_advertisement_decode(buf, len, out, &n, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why,
			    "ROUTE_ADVERTISEMENT entry 2 (10.0.0.128-10.0.1.255) overlaps or precedes entry 1 (10.0.0.0-10.0.0.255)");
	/* Touching (end == next start) is an overlap too: strictly End(A) < Start(B). */
	len = put_v4_range(buf, 0x0a000000, 0x0a0000ff, 0);
	len += put_v4_range(buf + len, 0x0a0000ff, 0x0a0001ff, 0);
	assert_int_equal(burrow_route_advertisement_decode(buf, len, out, &n, why, sizeof(why)), -EBADMSG);
	/* Descending. */
	len = put_v4_range(buf, 0x0b000000, 0x0b0000ff, 0);
	len += put_v4_range(buf + len, 0x0a000000, 0x0a0000ff, 0);
	assert_int_equal(burrow_route_advertisement_decode(buf, len, out, &n, why, sizeof(why)), -EBADMSG);
	/* Adjacent but not touching is fine. */
	len = put_v4_range(buf, 0x0a000000, 0x0a0000ff, 0);
	len += put_v4_range(buf + len, 0x0a000100, 0x0a0001ff, 0);
	assert_int_equal(burrow_route_advertisement_decode(buf, len, out, &n, why, sizeof(why)), 0);
}

static void test_route_protocol_zero_overlap(void **state)
{
	uint8_t buf[32];
	struct burrow_ip_range out[BURROW_CONNECTIP_LIST_MAX];
	char why[200];
	size_t n, len;

	(void)state;
	/* Sorted (protocol 0 < 6) but 10.0.0.0/24 for TCP lies inside "every protocol". */
	len = put_v4_range(buf, 0x0a000000, 0x0a0000ff, 0);
	len += put_v4_range(buf + len, 0x0a000000, 0x0a0000ff, 6);
	assert_int_equal(burrow_route_advertisement_decode(buf, len, out, &n, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why,
			    "ROUTE_ADVERTISEMENT entry 2 (10.0.0.0-10.0.0.255 proto 6) overlaps entry 1 (10.0.0.0-10.0.0.255) of protocol 0");
}

static void test_route_malformed(void **state)
{
	uint8_t buf[16];
	struct burrow_ip_range out[BURROW_CONNECTIP_LIST_MAX];
	struct burrow_refused_range refused[BURROW_CONNECTIP_LIST_MAX];
	char why[200];
	size_t n, len = put_v4_range(buf, 0x0a000000, 0x0a0000ff, 0);

	(void)state;
	for (size_t cut = 1; cut < len; cut++)
		assert_int_equal(burrow_route_advertisement_decode(buf, cut, out, &n, why, sizeof(why)),
				 -EBADMSG);
	buf[0] = 0;
	assert_int_equal(burrow_route_advertisement_decode(buf, len, out, &n, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "ROUTE_ADVERTISEMENT entry 1: IP version 0 (only 4 and 6 exist)");
	/* ROUTE_REFUSED needs its reason byte. */
	buf[0] = 4;
	assert_int_equal(burrow_route_refused_decode(buf, len, refused, &n, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "ROUTE_REFUSED entry 1 has no reason");
}

static void test_route_refused_round_trip(void **state)
{
	struct burrow_refused_range in[2] = {
		{ range("192.168.0.0", "192.168.255.255", 0), BURROW_ROUTE_REFUSED_POLICY },
		{ range("fd00::", "fd00::ff", 6), BURROW_ROUTE_REFUSED_PROTOCOL },
	}, out[BURROW_CONNECTIP_LIST_MAX];
	uint8_t buf[128];
	char why[200], name[32];
	size_t n;
	int len;

	(void)state;
	len = burrow_route_refused_encode(in, 2, buf, sizeof(buf));
	assert_int_equal(len, 11 + 35);
	assert_int_equal(burrow_route_refused_decode(buf, (size_t)len, out, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < 2; i++) {
		/* field by field: the struct has padding */
		assert_memory_equal(&out[i].range, &in[i].range, sizeof(in[i].range));
		assert_int_equal(out[i].reason, in[i].reason);
	}
	assert_string_equal(burrow_route_refusal_name(1, name, sizeof(name)), "not allowed by policy");
	assert_string_equal(burrow_route_refusal_name(77, name, sizeof(name)), "reason 77");
}

static void test_range_prefix_conversion(void **state)
{
	struct burrow_nl_prefix p = pfx("10.20.0.0/16"), back;
	struct burrow_ip_range r;
	char text[100];

	(void)state;
	burrow_prefix_to_range(&p, &r);
	burrow_ip_range_format(&r, text, sizeof(text));
	assert_string_equal(text, "10.20.0.0-10.20.255.255");
	assert_int_equal(burrow_range_to_prefix(&r, &back), 0);
	assert_true(burrow_text_prefix_equal(&p, &back));
	p = pfx("fd00:1::/48");
	burrow_prefix_to_range(&p, &r);
	assert_int_equal(burrow_range_to_prefix(&r, &back), 0);
	assert_true(burrow_text_prefix_equal(&p, &back));
	p = pfx("10.0.0.7/32");
	burrow_prefix_to_range(&p, &r);
	assert_int_equal(burrow_range_to_prefix(&r, &back), 0);
	assert_int_equal(back.len, 32);
	/* Not CIDR blocks. */
	r = range("10.0.0.1", "10.0.0.2", 0);
	assert_int_equal(burrow_range_to_prefix(&r, &back), -ERANGE);
	r = range("10.0.0.0", "10.0.2.255", 0);
	assert_int_equal(burrow_range_to_prefix(&r, &back), -ERANGE);
	p = pfx("0.0.0.0/0");
	burrow_prefix_to_range(&p, &r);
	assert_int_equal(burrow_range_to_prefix(&r, &back), 0);
	assert_int_equal(back.len, 0);
}

static void test_prefix_contains(void **state)
{
	struct burrow_nl_prefix outer = pfx("10.20.0.0/16"), in = pfx("10.20.3.0/24"),
			     out = pfx("10.21.0.0/24"), wider = pfx("10.0.0.0/8"), v6 = pfx("::/0");

	(void)state;
	assert_true(burrow_prefix_contains(&outer, &in));
	assert_true(burrow_prefix_contains(&outer, &outer));
	assert_false(burrow_prefix_contains(&outer, &out));
	assert_false(burrow_prefix_contains(&outer, &wider));
	assert_false(burrow_prefix_contains(&v6, &in));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_round_trip),
		cmocka_unit_test(test_request_id_zero_refused),
		cmocka_unit_test(test_request_id_reuse_refused),
		cmocka_unit_test(test_prefix_length_beyond_address),
		cmocka_unit_test(test_host_bits_set),
		cmocka_unit_test(test_rejection_form),
		cmocka_unit_test(test_empty_request_aborts_empty_assign_withdraws),
		cmocka_unit_test(test_address_malformed),
		cmocka_unit_test(test_too_many_addresses),
		cmocka_unit_test(test_route_round_trip),
		cmocka_unit_test(test_route_start_after_end),
		cmocka_unit_test(test_route_unsorted_version),
		cmocka_unit_test(test_route_unsorted_protocol),
		cmocka_unit_test(test_route_overlap_and_order_within_protocol),
		cmocka_unit_test(test_route_protocol_zero_overlap),
		cmocka_unit_test(test_route_malformed),
		cmocka_unit_test(test_route_refused_round_trip),
		cmocka_unit_test(test_range_prefix_conversion),
		cmocka_unit_test(test_prefix_contains),
	};

	return cmocka_run_group_tests_name("burrowd CONNECT-IP capsules", tests, NULL, NULL);
}
