/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MagicDNS, the wire side: a DNS message parser and answer builder for
 * burrowd's responder (docs/burrowd.md, "[dns]"). Written here, with every
 * read bounds-checked, because it is small and because no DNS library is
 * among the project's dependencies.
 *
 * The responder is authoritative for one zone, the mesh domain (say
 * mesh.burrow): `<node name>.<mesh domain>` answers A and AAAA from the
 * node map. It is not a recursive resolver.
 *
 *   query                              answer
 *   shorter than a header, or QR set    none (never answer a response)
 *   opcode other than QUERY             NOTIMP
 *   malformed (QDCOUNT != 1, answer or  FORMERR, header only
 *     authority records, a label over
 *     63, a name over 255, a compression
 *     pointer anywhere, trailing bytes,
 *     an additional record other than
 *     one EDNS OPT)
 *   class other than IN                 REFUSED
 *   name outside the mesh domain        REFUSED
 *   unknown name in the mesh domain     NXDOMAIN (authoritative)
 *   known name (or the domain itself),  NOERROR, no answer (NODATA)
 *     type it has no record of
 *   A / AAAA of a known name            NOERROR, the address, TTL BURROW_DNS_TTL
 *
 * Names compare case-insensitively (ASCII); the question is echoed as it
 * came. An EDNS OPT record is accepted and ignored: answers carry none
 * (RFC 6891 §7: a responder without EDNS answers without OPT) and are
 * at most 512 bytes, which one question and two records never reach.
 */
#ifndef BURROW_DNS_H
#define BURROW_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BURROW_DNS_HEADER_LEN 12
#define BURROW_DNS_NAME_MAX 255		/* wire bytes, the root label included */
#define BURROW_DNS_LABEL_MAX 63
#define BURROW_DNS_LABELS_MAX 127
#define BURROW_DNS_UDP_MAX 512		/* longest answer we build */
#define BURROW_DNS_TTL 30		/* seconds: names follow the map quickly */
/* Text form of a domain: 253 characters + NUL. */
#define BURROW_DNS_DOMAIN_MAX 254

#define BURROW_DNS_TYPE_A 1
#define BURROW_DNS_TYPE_AAAA 28
#define BURROW_DNS_TYPE_OPT 41
#define BURROW_DNS_CLASS_IN 1

enum burrow_dns_rcode {
	BURROW_DNS_NOERROR = 0,
	BURROW_DNS_FORMERR = 1,
	BURROW_DNS_SERVFAIL = 2,
	BURROW_DNS_NXDOMAIN = 3,
	BURROW_DNS_NOTIMP = 4,
	BURROW_DNS_REFUSED = 5,
};

/* A parsed question: the name as lower-case labels. */
struct burrow_dns_query {
	uint16_t id;
	uint16_t flags;				/* the header's second 16 bits */
	uint8_t name[BURROW_DNS_NAME_MAX];	/* wire form, lower-cased */
	size_t name_len;			/* wire bytes, the root label included */
	size_t n_labels;			/* not counting the root */
	uint8_t label_off[BURROW_DNS_LABELS_MAX];	/* each label's length byte in name */
	uint16_t qtype, qclass;
	size_t question_end;			/* offset in the message after QCLASS */
};

/*
 * Parse a query. 0; -EPROTO: no answer at all (shorter than a header, or a
 * response); -EBADMSG: malformed (answer FORMERR, id from the header);
 * -EOPNOTSUPP: an opcode other than QUERY (answer NOTIMP). why says what.
 */
int burrow_dns_parse_query(const uint8_t *msg, size_t len, struct burrow_dns_query *q, char *why,
			   size_t why_size);

/* One name of the zone: a node name (one DNS label) and its addresses. */
struct burrow_dns_record {
	char name[BURROW_DNS_LABEL_MAX + 1];	/* lower-case */
	bool has_ipv4, has_ipv6;
	uint8_t ipv4[4];
	uint8_t ipv6[16];
};

/* The zone the responder answers for. */
struct burrow_dns_zone {
	char domain[BURROW_DNS_DOMAIN_MAX];	/* "mesh.burrow", lower-case, no final dot */
	uint8_t wire[BURROW_DNS_NAME_MAX];	/* the domain in wire form */
	size_t wire_len;
	size_t n_labels;
	struct burrow_dns_record *records;	/* sorted by name, unique */
	size_t n_records;
};

void burrow_dns_zone_init(struct burrow_dns_zone *z);
void burrow_dns_zone_free(struct burrow_dns_zone *z);

/*
 * Whether text is a usable domain: 1-253 characters, labels of 1-63 of
 * [A-Za-z0-9-] (no hyphen first or last), at least one label, no empty
 * label; one final dot is allowed. why names the bad label.
 */
bool burrow_dns_domain_valid(const char *text, char *why, size_t why_size);

/* Set the zone's domain (-EINVAL with why when not valid); records are kept. */
int burrow_dns_zone_set_domain(struct burrow_dns_zone *z, const char *domain, char *why,
			       size_t why_size);
/*
 * Replace the zone's records with a copy of records[0..n) (names are
 * lower-cased; a name given twice keeps the first, later ones are left
 * out). 0 or -ENOMEM (zone unchanged).
 */
int burrow_dns_zone_set_records(struct burrow_dns_zone *z, const struct burrow_dns_record *records,
				size_t n);
const struct burrow_dns_record *burrow_dns_zone_find(const struct burrow_dns_zone *z,
						     const char *name);

/* Whether q's name is the zone's domain or a name under it. */
bool burrow_dns_query_in(const struct burrow_dns_zone *z, const struct burrow_dns_query *q);

/*
 * The answer to msg (a datagram as received) into out (at least
 * BURROW_DNS_UDP_MAX bytes): its length, or 0 when nothing is to be sent.
 * *rcode (may be NULL) is the answer's RCODE, or -1 when none is sent.
 */
size_t burrow_dns_answer(const struct burrow_dns_zone *z, const uint8_t *msg, size_t len,
			 uint8_t *out, size_t out_size, int *rcode);

#endif /* BURROW_DNS_H */
