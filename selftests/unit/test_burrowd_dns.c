// SPDX-License-Identifier: GPL-2.0
/*
 * MagicDNS's wire parser and answer builder (userspace/dns.c): malformed
 * queries, every kind of answer, case, zone changes, and a deterministic
 * fuzz of mutated and random queries.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"

struct qbuf {
	uint8_t b[1024];
	size_t len;
};

static void put(struct qbuf *q, const void *p, size_t n)
{
	assert_true(q->len + n <= sizeof(q->b));
	memcpy(q->b + q->len, p, n);
	q->len += n;
}

static void put8(struct qbuf *q, uint8_t v)
{
	put(q, &v, 1);
}

static void put16(struct qbuf *q, uint16_t v)
{
	put8(q, v >> 8);
	put8(q, v & 0xff);
}

static void header(struct qbuf *q, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
		   uint16_t ns, uint16_t ar)
{
	q->len = 0;
	put16(q, id);
	put16(q, flags);
	put16(q, qd);
	put16(q, an);
	put16(q, ns);
	put16(q, ar);
}

/* "a.mesh.burrow" in wire form. */
static void name(struct qbuf *q, const char *text)
{
	const char *p = text;

	while (*p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		put8(q, (uint8_t)n);
		put(q, p, n);
		p += n + (dot ? 1 : 0);
	}
	put8(q, 0);
}

static void query(struct qbuf *q, const char *qname, uint16_t qtype)
{
	header(q, 0x1234, 0x0100, 1, 0, 0, 0);
	name(q, qname);
	put16(q, qtype);
	put16(q, BURROW_DNS_CLASS_IN);
}

static struct burrow_dns_zone zone;

static int zone_setup(void **state)
{
	struct burrow_dns_record r[3] = {
		{ .name = "alpha", .has_ipv4 = true, .ipv4 = { 100, 64, 0, 1 }, .has_ipv6 = true,
		  .ipv6 = { 0xfd, 0x7a, [15] = 1 } },
		{ .name = "Beta", .has_ipv4 = true, .ipv4 = { 100, 64, 0, 2 } },
		{ .name = "gamma", .has_ipv6 = true, .ipv6 = { 0xfd, 0x7a, [15] = 3 } },
	};

	(void)state;
	burrow_dns_zone_init(&zone);
	assert_int_equal(burrow_dns_zone_set_domain(&zone, "Mesh.Burrow.", NULL, 0), 0);
	assert_string_equal(zone.domain, "mesh.burrow");
	assert_int_equal(burrow_dns_zone_set_records(&zone, r, 3), 0);
	return 0;
}

static int zone_teardown(void **state)
{
	(void)state;
	burrow_dns_zone_free(&zone);
	return 0;
}

static int parse(struct qbuf *q, char *why)
{
	struct burrow_dns_query pq;

	return burrow_dns_parse_query(q->b, q->len, &pq, why, 128);
}

/* Answer q; returns the rcode (-1: no answer) and the answer in out. */
static int answer(struct qbuf *q, uint8_t *out, size_t *out_len)
{
	int rcode;

	*out_len = burrow_dns_answer(&zone, q->b, q->len, out, BURROW_DNS_UDP_MAX, &rcode);
	if (rcode < 0)
		assert_int_equal(*out_len, 0);
	else
		assert_int_equal(out[3] & 0x0f, rcode);
	return rcode;
}

static void test_parse_negative(void **state)
{
	struct qbuf q;
	char why[128];
	uint8_t long_label[64];

	(void)state;
	/* Truncated header: no answer at all. */
	query(&q, "alpha.mesh.burrow", BURROW_DNS_TYPE_A);
	for (size_t n = 0; n < BURROW_DNS_HEADER_LEN; n++) {
		struct burrow_dns_query pq;

		assert_int_equal(burrow_dns_parse_query(q.b, n, &pq, why, sizeof(why)), -EPROTO);
	}
	/* Truncated question. */
	for (size_t n = BURROW_DNS_HEADER_LEN; n < q.len; n++) {
		struct burrow_dns_query pq;

		assert_int_equal(burrow_dns_parse_query(q.b, n, &pq, why, sizeof(why)), -EBADMSG);
	}
	/* QR set: a response. */
	query(&q, "alpha.mesh.burrow", BURROW_DNS_TYPE_A);
	q.b[2] |= 0x80;
	assert_int_equal(parse(&q, why), -EPROTO);
	assert_non_null(strstr(why, "QR"));
	/* Opcode. */
	query(&q, "alpha.mesh.burrow", BURROW_DNS_TYPE_A);
	q.b[2] |= 2 << 3;
	assert_int_equal(parse(&q, why), -EOPNOTSUPP);
	/* QDCOUNT 0 and 2. */
	header(&q, 1, 0, 0, 0, 0, 0);
	assert_int_equal(parse(&q, why), -EBADMSG);
	assert_non_null(strstr(why, "QDCOUNT 0"));
	header(&q, 1, 0, 2, 0, 0, 0);
	name(&q, "a.mesh.burrow");
	put16(&q, 1);
	put16(&q, 1);
	name(&q, "b.mesh.burrow");
	put16(&q, 1);
	put16(&q, 1);
	assert_int_equal(parse(&q, why), -EBADMSG);
	assert_non_null(strstr(why, "QDCOUNT 2"));
	/* Answer records in a query. */
	header(&q, 1, 0, 1, 1, 0, 0);
	name(&q, "a.mesh.burrow");
	put16(&q, 1);
	put16(&q, 1);
	assert_int_equal(parse(&q, why), -EBADMSG);
	/* A label of 64. */
	memset(long_label, 'a', sizeof(long_label));
	header(&q, 1, 0, 1, 0, 0, 0);
	put8(&q, 64);
	put(&q, long_label, 64);
	put8(&q, 0);
	put16(&q, 1);
	put16(&q, 1);
	assert_int_equal(parse(&q, why), -EBADMSG);
	assert_non_null(strstr(why, "label length 64"));
	/* A name of 256 bytes: four 63-byte labels (256 with the root). */
	header(&q, 1, 0, 1, 0, 0, 0);
	for (int i = 0; i < 4; i++) {
		put8(&q, 63);
		put(&q, long_label, 63);
	}
	put8(&q, 0);
	put16(&q, 1);
	put16(&q, 1);
	assert_int_equal(parse(&q, why), -EBADMSG);
	assert_non_null(strstr(why, "longer than 255"));
	/* 255 bytes exactly is fine: three 63s and one 61. */
	header(&q, 1, 0, 1, 0, 0, 0);
	for (int i = 0; i < 3; i++) {
		put8(&q, 63);
		put(&q, long_label, 63);
	}
	put8(&q, 61);
	put(&q, long_label, 61);
	put8(&q, 0);
	put16(&q, 1);
	put16(&q, 1);
	assert_int_equal(parse(&q, why), 0);
	/* Pointers at all: to the header, to itself (a loop), forwards. */
	for (uint8_t target = 0; target < 40; target += 6) {
		header(&q, 1, 0, 1, 0, 0, 0);
		put8(&q, 1);
		put8(&q, 'a');
		put8(&q, 0xc0);
		put8(&q, target);
		put16(&q, 1);
		put16(&q, 1);
		assert_int_equal(parse(&q, why), -EBADMSG);
		assert_non_null(strstr(why, "compression pointer"));
	}
	/* The 0x40 and 0x80 label types. */
	header(&q, 1, 0, 1, 0, 0, 0);
	put8(&q, 0x41);
	put8(&q, 0);
	put16(&q, 1);
	put16(&q, 1);
	assert_int_equal(parse(&q, why), -EBADMSG);
	/* Trailing garbage. */
	query(&q, "alpha.mesh.burrow", BURROW_DNS_TYPE_A);
	put8(&q, 0);
	assert_int_equal(parse(&q, why), -EBADMSG);
	assert_non_null(strstr(why, "1 trailing"));
	/* EDNS OPT is accepted; any other additional record, or two, is not. */
	query(&q, "alpha.mesh.burrow", BURROW_DNS_TYPE_A);
	q.b[11] = 1;
	put8(&q, 0);
	put16(&q, BURROW_DNS_TYPE_OPT);
	put16(&q, 1232);
	put16(&q, 0);
	put16(&q, 0);
	put16(&q, 0);
	assert_int_equal(parse(&q, why), 0);
	q.b[12 + 19 + 4 + 2] = 1;	/* its type: A */
	assert_int_equal(parse(&q, why), -EBADMSG);
	q.b[12 + 19 + 4 + 2] = BURROW_DNS_TYPE_OPT;
	q.b[11] = 2;
	assert_int_equal(parse(&q, why), -EBADMSG);
	q.b[11] = 1;
	q.b[q.len - 1] = 4;		/* RDLENGTH past the end */
	assert_int_equal(parse(&q, why), -EBADMSG);
}

static void test_answers(void **state)
{
	uint8_t out[BURROW_DNS_UDP_MAX];
	struct qbuf q;
	size_t n;

	(void)state;
	/* A: question echoed, one answer, AA, RD echoed, id echoed. */
	query(&q, "alpha.mesh.burrow", BURROW_DNS_TYPE_A);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_NOERROR);
	assert_int_equal(n, q.len + 16);
	assert_int_equal(out[0], 0x12);
	assert_int_equal(out[1], 0x34);
	assert_int_equal(out[2], 0x80 | 0x04 | 0x01);	/* QR, AA, RD */
	assert_int_equal(out[7], 1);			/* ANCOUNT */
	assert_memory_equal(out + 12, q.b + 12, q.len - 12);
	assert_int_equal(out[q.len], 0xc0);
	assert_int_equal(out[q.len + 1], 12);
	assert_int_equal(out[q.len + 3], BURROW_DNS_TYPE_A);
	assert_int_equal(out[q.len + 11], 4);
	assert_memory_equal(out + q.len + 12, ((uint8_t[]){ 100, 64, 0, 1 }), 4);
	/* AAAA. */
	query(&q, "alpha.mesh.burrow", BURROW_DNS_TYPE_AAAA);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_NOERROR);
	assert_int_equal(n, q.len + 28);
	assert_int_equal(out[q.len + 11], 16);
	assert_int_equal(out[q.len + 12], 0xfd);
	/* NODATA: AAAA of a node with IPv4 only, A of one with IPv6 only, MX, the apex. */
	query(&q, "beta.mesh.burrow", BURROW_DNS_TYPE_AAAA);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_NOERROR);
	assert_int_equal(out[7], 0);
	assert_int_equal(n, q.len);
	query(&q, "gamma.mesh.burrow", BURROW_DNS_TYPE_A);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_NOERROR);
	assert_int_equal(out[7], 0);
	query(&q, "alpha.mesh.burrow", 15);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_NOERROR);
	assert_int_equal(out[7], 0);
	query(&q, "mesh.burrow", BURROW_DNS_TYPE_A);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_NOERROR);
	assert_int_equal(out[7], 0);
	assert_true(out[2] & 0x04);
	/* NXDOMAIN: unknown name, deeper name, authoritative. */
	query(&q, "delta.mesh.burrow", BURROW_DNS_TYPE_A);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_NXDOMAIN);
	assert_true(out[2] & 0x04);
	query(&q, "x.alpha.mesh.burrow", BURROW_DNS_TYPE_A);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_NXDOMAIN);
	/* REFUSED: outside the zone (not recursive), a suffix look-alike, another class. */
	query(&q, "example.com", BURROW_DNS_TYPE_A);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_REFUSED);
	assert_false(out[2] & 0x04);
	query(&q, "alpha.xmesh.burrow", BURROW_DNS_TYPE_A);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_REFUSED);
	query(&q, "burrow", BURROW_DNS_TYPE_A);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_REFUSED);
	query(&q, "", BURROW_DNS_TYPE_A);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_REFUSED);
	query(&q, "alpha.mesh.burrow", BURROW_DNS_TYPE_A);
	q.b[q.len - 1] = 3;	/* CH */
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_REFUSED);
	/* FORMERR is header only with the id; NOTIMP likewise; a response gets nothing. */
	query(&q, "alpha.mesh.burrow", BURROW_DNS_TYPE_A);
	put8(&q, 0);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_FORMERR);
	assert_int_equal(n, BURROW_DNS_HEADER_LEN);
	assert_int_equal(out[0], 0x12);
	assert_int_equal(out[5], 0);
	query(&q, "alpha.mesh.burrow", BURROW_DNS_TYPE_A);
	q.b[2] |= 4 << 3;
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_NOTIMP);
	query(&q, "alpha.mesh.burrow", BURROW_DNS_TYPE_A);
	q.b[2] |= 0x80;
	assert_int_equal(answer(&q, out, &n), -1);
	/* A buffer too small for an answer: nothing. */
	assert_int_equal(burrow_dns_answer(&zone, q.b, q.len, out, 100, NULL), 0);
}

static void test_case_insensitive(void **state)
{
	uint8_t out[BURROW_DNS_UDP_MAX];
	struct qbuf q;
	size_t n;

	(void)state;
	query(&q, "ALPHA.Mesh.BURROW", BURROW_DNS_TYPE_A);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_NOERROR);
	assert_int_equal(out[7], 1);
	/* The question comes back as it was asked (0x20 randomisation survives). */
	assert_memory_equal(out + 12, q.b + 12, q.len - 12);
	/* A record given as "Beta" is found as beta and BETA. */
	query(&q, "beta.mesh.burrow", BURROW_DNS_TYPE_A);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_NOERROR);
	assert_int_equal(out[7], 1);
	assert_non_null(burrow_dns_zone_find(&zone, "BETA"));
	assert_null(burrow_dns_zone_find(&zone, "bet"));
}

static void test_rename_and_changes(void **state)
{
	struct burrow_dns_record r[2] = {
		{ .name = "alpha2", .has_ipv4 = true, .ipv4 = { 100, 64, 0, 1 } },
		{ .name = "alpha2", .has_ipv4 = true, .ipv4 = { 100, 64, 0, 9 } },
	};
	uint8_t out[BURROW_DNS_UDP_MAX];
	struct qbuf q;
	size_t n;

	(void)state;
	assert_int_equal(burrow_dns_zone_set_records(&zone, r, 2), 0);
	assert_int_equal(zone.n_records, 1);	/* the second alpha2 is left out */
	query(&q, "alpha.mesh.burrow", BURROW_DNS_TYPE_A);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_NXDOMAIN);
	query(&q, "alpha2.mesh.burrow", BURROW_DNS_TYPE_A);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_NOERROR);
	assert_memory_equal(out + q.len + 12, ((uint8_t[]){ 100, 64, 0, 1 }), 4);
	/* Removal: an empty zone answers NXDOMAIN for everything in it. */
	assert_int_equal(burrow_dns_zone_set_records(&zone, NULL, 0), 0);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_NXDOMAIN);
	/* A new domain: the old one is refused. */
	assert_int_equal(burrow_dns_zone_set_records(&zone, r, 1), 0);
	assert_int_equal(burrow_dns_zone_set_domain(&zone, "corp.internal", NULL, 0), 0);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_REFUSED);
	query(&q, "alpha2.corp.internal", BURROW_DNS_TYPE_A);
	assert_int_equal(answer(&q, out, &n), BURROW_DNS_NOERROR);
}

static void test_domain_valid(void **state)
{
	char why[128], big[300];

	(void)state;
	assert_true(burrow_dns_domain_valid("mesh.burrow", why, sizeof(why)));
	assert_true(burrow_dns_domain_valid("a.", why, sizeof(why)));
	assert_false(burrow_dns_domain_valid("", why, sizeof(why)));
	assert_false(burrow_dns_domain_valid(".", why, sizeof(why)));
	assert_false(burrow_dns_domain_valid("a..b", why, sizeof(why)));
	assert_non_null(strstr(why, "empty label"));
	assert_false(burrow_dns_domain_valid("a_b.c", why, sizeof(why)));
	assert_non_null(strstr(why, "'a_b'"));
	assert_false(burrow_dns_domain_valid("-a.c", why, sizeof(why)));
	memset(big, 'a', 64);
	big[64] = '\0';
	assert_false(burrow_dns_domain_valid(big, why, sizeof(why)));
	for (int i = 0; i < 300; i++)
		big[i] = i % 2 ? '.' : 'a';
	big[299] = '\0';
	assert_false(burrow_dns_domain_valid(big, why, sizeof(why)));
}

/* xorshift64*: the same sequence on every run. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dULL) >> 32);
}

/*
 * 200,000 queries: mutations (bit flips, byte sets, truncation, insertion,
 * count changes) of valid ones, and random bytes. Every answer is checked
 * for shape: nothing for a response, else a header echoing the id with QR.
 */
static void test_fuzz(void **state)
{
	static const char *const names[] = { "alpha.mesh.burrow", "BETA.mesh.burrow",
					     "delta.mesh.burrow", "mesh.burrow", "example.com", "" };
	uint8_t out[BURROW_DNS_UDP_MAX];
	size_t answered = 0;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		struct qbuf q;
		int rcode;
		size_t n;

		if (i % 4 == 3) {
			q.len = next() % 600;
			for (size_t j = 0; j < q.len; j++)
				q.b[j] = (uint8_t)next();
		} else {
			query(&q, names[next() % 6], next() % 3 ? BURROW_DNS_TYPE_A : (uint16_t)next());
			if (next() % 2) {
				q.b[11] = 1;
				put8(&q, 0);
				put16(&q, BURROW_DNS_TYPE_OPT);
				put16(&q, 1232);
				put16(&q, 0);
				put16(&q, 0);
				put16(&q, 0);
			}
			for (uint32_t m = next() % 4 + 1; m; m--) {
				uint32_t pos = next() % (q.len + 1);

				switch (next() % 5) {
				case 0:
					if (pos < q.len)
						q.b[pos] ^= (uint8_t)(1u << (next() % 8));
					break;
				case 1:
					if (pos < q.len)
						q.b[pos] = (uint8_t)next();
					break;
				case 2:
					q.len = pos;
					break;
				case 3:
					if (q.len < 600) {
						memmove(q.b + pos + 1, q.b + pos, q.len - pos);
						q.b[pos] = next() % 2 ? 0xc0 : (uint8_t)next();
						q.len++;
					}
					break;
				case 4:
					if (q.len >= 12)
						q.b[4 + next() % 8] = (uint8_t)(next() % 3);
					break;
				}
			}
		}
		n = burrow_dns_answer(&zone, q.b, q.len, out, sizeof(out), &rcode);
		assert_true(n <= sizeof(out));
		if (q.len < BURROW_DNS_HEADER_LEN || (q.b[2] & 0x80)) {
			assert_int_equal(n, 0);
			continue;
		}
		assert_true(n >= BURROW_DNS_HEADER_LEN);
		assert_int_equal(out[0], q.b[0]);
		assert_int_equal(out[1], q.b[1]);
		assert_true(out[2] & 0x80);
		assert_int_equal(out[3] & 0x0f, rcode);
		answered++;
	}
	assert_true(answered > 100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_negative),
		cmocka_unit_test(test_domain_valid),
		cmocka_unit_test_setup_teardown(test_answers, zone_setup, zone_teardown),
		cmocka_unit_test_setup_teardown(test_case_insensitive, zone_setup, zone_teardown),
		cmocka_unit_test_setup_teardown(test_rename_and_changes, zone_setup, zone_teardown),
		cmocka_unit_test_setup_teardown(test_fuzz, zone_setup, zone_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
