// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: MagicDNS (userspace/dns.c). Each input is one query
 * datagram, answered from a fixed zone. Invariants: no answer for a
 * datagram shorter than a header or with QR set; otherwise an answer that
 * fits the buffer, echoes the id, has QR set and carries the RCODE it
 * reports; a query that parses is echoed in the answer as it came.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct burrow_dns_zone zone;
	static const struct burrow_dns_record records[2] = {
		{ .name = "alpha", .has_ipv4 = true, .ipv4 = { 100, 64, 0, 1 } },
		{ .name = "beta", .has_ipv6 = true, .ipv6 = { 0xfd, [15] = 2 } },
	};
	struct burrow_dns_query q;
	uint8_t out[BURROW_DNS_UDP_MAX];
	size_t n;
	int rcode;

	if (!zone.wire_len &&
	    (burrow_dns_zone_set_domain(&zone, "mesh.burrow", NULL, 0) ||
	     burrow_dns_zone_set_records(&zone, records, 2)))
		abort();
	n = burrow_dns_answer(&zone, data, size, out, sizeof(out), &rcode);
	if (n > sizeof(out))
		abort();
	if (size < BURROW_DNS_HEADER_LEN || (data[2] & 0x80)) {
		if (n || rcode != -1)
			abort();
		return 0;
	}
	if (n < BURROW_DNS_HEADER_LEN || out[0] != data[0] || out[1] != data[1] ||
	    !(out[2] & 0x80) || (out[3] & 0x0f) != rcode)
		abort();
	if (!burrow_dns_parse_query(data, size, &q, NULL, 0) &&
	    (n < q.question_end || memcmp(out + 12, data + 12, q.question_end - 12)))
		abort();
	return 0;
}
