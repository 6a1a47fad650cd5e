// SPDX-License-Identifier: GPL-2.0
/*
 * MagicDNS wire parser and answer builder (dns.h). Every read checks the
 * bytes it needs against the datagram's length first; compression
 * pointers are refused, so a name is read once, forwards, and no loop can
 * form.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "log.h"

#define FLAG_QR 0x8000
#define FLAG_AA 0x0400
#define FLAG_RD 0x0100
#define OPCODE_MASK 0x7800


static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/*
 * Read the name at *off into out (wire form, lower-cased) when out is not
 * NULL. -EBADMSG with why on a pointer, a bad label length, a name over
 * 255 bytes or a truncation; *off moves past the name.
 */
static int read_name(const uint8_t *msg, size_t len, size_t *off, struct burrow_dns_query *out,
		     const char *what, char *why, size_t why_size)
{
	size_t pos = *off, name_len = 0, labels = 0;

	for (;;) {
		uint8_t b;

		if (pos >= len) {
			burrow_errorf(why, why_size, "%s: name truncated at byte %zu", what, pos);
			return -EBADMSG;
		}
		b = msg[pos];
		if ((b & 0xc0) == 0xc0) {
			burrow_errorf(why, why_size, "%s: compression pointer at byte %zu (refused)", what, pos);
			return -EBADMSG;
		}
		if (b > BURROW_DNS_LABEL_MAX) {
			burrow_errorf(why, why_size, "%s: label length %u at byte %zu (over %d)", what, b, pos,
			    BURROW_DNS_LABEL_MAX);
			return -EBADMSG;
		}
		if (name_len + 1 + b > BURROW_DNS_NAME_MAX) {
			burrow_errorf(why, why_size, "%s: name longer than %d bytes", what, BURROW_DNS_NAME_MAX);
			return -EBADMSG;
		}
		if (b == 0) {
			if (out) {
				out->name[name_len] = 0;
				out->name_len = name_len + 1;
				out->n_labels = labels;
			}
			*off = pos + 1;
			return 0;
		}
		if (len - pos - 1 < b) {
			burrow_errorf(why, why_size, "%s: label at byte %zu truncated", what, pos);
			return -EBADMSG;
		}
		/* 255 bytes hold at most 127 labels of one byte: labels stays in bounds. */
		if (out) {
			out->label_off[labels] = (uint8_t)name_len;
			out->name[name_len] = b;
			for (size_t i = 0; i < b; i++)
				out->name[name_len + 1 + i] = lower(msg[pos + 1 + i]);
		}
		labels++;
		name_len += 1 + b;
		pos += 1 + b;
	}
}

int burrow_dns_parse_query(const uint8_t *msg, size_t len, struct burrow_dns_query *q, char *why,
			   size_t why_size)
{
	uint16_t qd, an, ns, ar;
	size_t off;
	int ret;

	memset(q, 0, sizeof(*q));
	if (len < BURROW_DNS_HEADER_LEN) {
		burrow_errorf(why, why_size, "%zu bytes: shorter than a DNS header", len);
		return -EPROTO;
	}
	q->id = get16(msg);
	q->flags = get16(msg + 2);
	if (q->flags & FLAG_QR) {
		burrow_errorf(why, why_size, "QR set: a response, not a query");
		return -EPROTO;
	}
	if (q->flags & OPCODE_MASK) {
		burrow_errorf(why, why_size, "opcode %u is not QUERY", (q->flags & OPCODE_MASK) >> 11);
		return -EOPNOTSUPP;
	}
	qd = get16(msg + 4);
	an = get16(msg + 6);
	ns = get16(msg + 8);
	ar = get16(msg + 10);
	if (qd != 1) {
		burrow_errorf(why, why_size, "QDCOUNT %u (must be 1)", qd);
		return -EBADMSG;
	}
	if (an || ns) {
		burrow_errorf(why, why_size, "a query with %u answer and %u authority records", an, ns);
		return -EBADMSG;
	}
	if (ar > 1) {
		burrow_errorf(why, why_size, "ARCOUNT %u (at most one EDNS OPT record)", ar);
		return -EBADMSG;
	}
	off = BURROW_DNS_HEADER_LEN;
	ret = read_name(msg, len, &off, q, "question", why, why_size);
	if (ret)
		return ret;
	if (len - off < 4) {
		burrow_errorf(why, why_size, "question: QTYPE/QCLASS truncated");
		return -EBADMSG;
	}
	q->qtype = get16(msg + off);
	q->qclass = get16(msg + off + 2);
	off += 4;
	q->question_end = off;
	if (ar) {
		uint16_t type, rdlen;

		ret = read_name(msg, len, &off, NULL, "additional record", why, why_size);
		if (ret)
			return ret;
		if (len - off < 10) {
			burrow_errorf(why, why_size, "additional record: fixed fields truncated");
			return -EBADMSG;
		}
		type = get16(msg + off);
		rdlen = get16(msg + off + 8);
		off += 10;
		if (type != BURROW_DNS_TYPE_OPT) {
			burrow_errorf(why, why_size, "additional record of type %u (only OPT is accepted)", type);
			return -EBADMSG;
		}
		if (len - off < rdlen) {
			burrow_errorf(why, why_size, "additional record: RDATA truncated");
			return -EBADMSG;
		}
		off += rdlen;
	}
	if (off != len) {
		burrow_errorf(why, why_size, "%zu trailing bytes", len - off);
		return -EBADMSG;
	}
	return 0;
}

/* ---- the zone ----------------------------------------------------------------- */

void burrow_dns_zone_init(struct burrow_dns_zone *z)
{
	memset(z, 0, sizeof(*z));
}

void burrow_dns_zone_free(struct burrow_dns_zone *z)
{
	free(z->records);
	burrow_dns_zone_init(z);
}

static bool label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

bool burrow_dns_domain_valid(const char *text, char *why, size_t why_size)
{
	size_t len = strlen(text);
	const char *p = text;

	if (len && text[len - 1] == '.')
		len--;
	if (!len) {
		burrow_errorf(why, why_size, "'%s': empty domain", text);
		return false;
	}
	if (len > BURROW_DNS_DOMAIN_MAX - 1) {
		burrow_errorf(why, why_size, "'%.40s...': longer than %d characters", text,
		    BURROW_DNS_DOMAIN_MAX - 1);
		return false;
	}
	while (p < text + len) {
		const char *dot = memchr(p, '.', (size_t)(text + len - p));
		size_t n = dot ? (size_t)(dot - p) : (size_t)(text + len - p);

		if (!n || n > BURROW_DNS_LABEL_MAX) {
			burrow_errorf(why, why_size, "'%s': %s label", text, n ? "a 64+ character" : "an empty");
			return false;
		}
		for (size_t i = 0; i < n; i++) {
			if (!label_char(p[i])) {
				burrow_errorf(why, why_size, "'%s': label '%.*s' has '%c' (only a-z, 0-9, -)",
				    text, (int)n, p, p[i]);
				return false;
			}
		}
		if (p[0] == '-' || p[n - 1] == '-') {
			burrow_errorf(why, why_size, "'%s': label '%.*s' starts or ends with '-'", text, (int)n, p);
			return false;
		}
		p += n + (dot ? 1 : 0);
	}
	return true;
}

int burrow_dns_zone_set_domain(struct burrow_dns_zone *z, const char *domain, char *why,
			       size_t why_size)
{
	size_t len, w = 0, labels = 0;
	const char *p;

	if (!burrow_dns_domain_valid(domain, why, why_size))
		return -EINVAL;
	len = strlen(domain);
	if (domain[len - 1] == '.')
		len--;
	for (size_t i = 0; i < len; i++)
		z->domain[i] = (char)lower((uint8_t)domain[i]);
	z->domain[len] = '\0';
	p = z->domain;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		z->wire[w++] = (uint8_t)n;
		memcpy(z->wire + w, p, n);
		w += n;
		labels++;
		p += n + (dot ? 1 : 0);
	}
	z->wire[w++] = 0;
	z->wire_len = w;
	z->n_labels = labels;
	return 0;
}

struct indexed_record {
	struct burrow_dns_record r;
	size_t index;
};

static int record_cmp(const void *a, const void *b)
{
	const struct indexed_record *x = a, *y = b;
	int c = strcmp(x->r.name, y->r.name);

	return c ? c : x->index < y->index ? -1 : x->index > y->index;
}

int burrow_dns_zone_set_records(struct burrow_dns_zone *z, const struct burrow_dns_record *records,
				size_t n)
{
	struct burrow_dns_record *copy = NULL;
	struct indexed_record *tmp = NULL;
	size_t kept = 0;

	if (n) {
		copy = calloc(n, sizeof(*copy));
		tmp = calloc(n, sizeof(*tmp));
		if (!copy || !tmp) {
			free(copy);
			free(tmp);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < n; i++) {
		tmp[i].r = records[i];
		tmp[i].index = i;
		tmp[i].r.name[BURROW_DNS_LABEL_MAX] = '\0';
		for (char *c = tmp[i].r.name; *c; c++)
			*c = (char)lower((uint8_t)*c);
	}
	/* Sorted by name, then by position: the first of equal names is the one kept. */
	if (n > 1)
		qsort(tmp, n, sizeof(*tmp), record_cmp);
	for (size_t i = 0; i < n; i++)
		if (tmp[i].r.name[0] && (!kept || strcmp(copy[kept - 1].name, tmp[i].r.name)))
			copy[kept++] = tmp[i].r;
	free(tmp);
	free(z->records);
	z->records = copy;
	z->n_records = kept;
	return 0;
}

/* Binary search for a label of n bytes (any bytes: it came off the wire). */
static const struct burrow_dns_record *find_label(const struct burrow_dns_zone *z,
						  const uint8_t *label, size_t n)
{
	size_t lo = 0, hi = z->n_records;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *name = z->records[mid].name;
		size_t name_len = strlen(name);
		int c = memcmp(name, label, name_len < n ? name_len : n);

		if (!c)
			c = name_len < n ? -1 : name_len > n ? 1 : 0;
		if (!c)
			return &z->records[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct burrow_dns_record *burrow_dns_zone_find(const struct burrow_dns_zone *z,
						     const char *name)
{
	uint8_t buf[BURROW_DNS_LABEL_MAX];
	size_t n = strlen(name);

	if (n > BURROW_DNS_LABEL_MAX)
		return NULL;
	for (size_t i = 0; i < n; i++)
		buf[i] = lower((uint8_t)name[i]);
	return find_label(z, buf, n);
}

bool burrow_dns_query_in(const struct burrow_dns_zone *z, const struct burrow_dns_query *q)
{
	size_t first, suffix;

	if (!z->wire_len || q->n_labels < z->n_labels)
		return false;
	first = q->n_labels - z->n_labels;
	suffix = first < q->n_labels ? q->label_off[first] : q->name_len - 1;
	return q->name_len - suffix == z->wire_len && !memcmp(q->name + suffix, z->wire, z->wire_len);
}

/* ---- answers ------------------------------------------------------------------ */

/* A header-only answer (FORMERR, NOTIMP): id, opcode and RD echoed when known. */
static size_t header_only(const uint8_t *msg, uint8_t *out, int rcode)
{
	uint16_t flags = get16(msg + 2);

	memset(out, 0, BURROW_DNS_HEADER_LEN);
	out[0] = msg[0];
	out[1] = msg[1];
	put16(out + 2, (uint16_t)(FLAG_QR | (flags & (OPCODE_MASK | FLAG_RD)) | rcode));
	return BURROW_DNS_HEADER_LEN;
}

static size_t put_rr(uint8_t *out, size_t off, uint16_t type, const uint8_t *rdata, uint16_t rdlen)
{
	out[off++] = 0xc0;			/* pointer to the question's name */
	out[off++] = BURROW_DNS_HEADER_LEN;
	put16(out + off, type);
	put16(out + off + 2, BURROW_DNS_CLASS_IN);
	out[off + 4] = 0;
	out[off + 5] = 0;
	put16(out + off + 6, BURROW_DNS_TTL);
	put16(out + off + 8, rdlen);
	memcpy(out + off + 10, rdata, rdlen);
	return off + 10 + rdlen;
}

size_t burrow_dns_answer(const struct burrow_dns_zone *z, const uint8_t *msg, size_t len,
			 uint8_t *out, size_t out_size, int *rcode_out)
{
	const struct burrow_dns_record *rec = NULL;
	struct burrow_dns_query q;
	int rcode = BURROW_DNS_NOERROR;
	bool in_zone = false;
	uint16_t flags, answers = 0;
	size_t off;
	int ret;

	if (rcode_out)
		*rcode_out = -1;
	if (out_size < BURROW_DNS_UDP_MAX)
		return 0;
	ret = burrow_dns_parse_query(msg, len, &q, NULL, 0);
	if (ret == -EPROTO)
		return 0;
	if (ret) {
		rcode = ret == -EOPNOTSUPP ? BURROW_DNS_NOTIMP : BURROW_DNS_FORMERR;
		if (rcode_out)
			*rcode_out = rcode;
		return header_only(msg, out, rcode);
	}
	if (q.qclass != BURROW_DNS_CLASS_IN || !burrow_dns_query_in(z, &q)) {
		rcode = BURROW_DNS_REFUSED;
	} else {
		size_t first = q.n_labels - z->n_labels;

		in_zone = true;
		if (first == 1) {
			rec = find_label(z, q.name + 1, q.name[0]);
			if (!rec)
				rcode = BURROW_DNS_NXDOMAIN;
		} else if (first > 1) {
			rcode = BURROW_DNS_NXDOMAIN;
		}
		/* first == 0: the domain itself exists and has no A/AAAA: NODATA. */
	}
	/* The question as received (case kept), then the answer records. */
	flags = (uint16_t)(FLAG_QR | (q.flags & FLAG_RD) | (in_zone ? FLAG_AA : 0) | rcode);
	out[0] = msg[0];
	out[1] = msg[1];
	put16(out + 2, flags);
	put16(out + 4, 1);
	put16(out + 6, 0);
	put16(out + 8, 0);
	put16(out + 10, 0);
	/* question_end <= 12 + 255 + 4 < 512 - 2 * (12 + 16): everything fits. */
	memcpy(out + BURROW_DNS_HEADER_LEN, msg + BURROW_DNS_HEADER_LEN,
	       q.question_end - BURROW_DNS_HEADER_LEN);
	off = q.question_end;
	if (rec && q.qtype == BURROW_DNS_TYPE_A && rec->has_ipv4) {
		off = put_rr(out, off, BURROW_DNS_TYPE_A, rec->ipv4, 4);
		answers++;
	} else if (rec && q.qtype == BURROW_DNS_TYPE_AAAA && rec->has_ipv6) {
		off = put_rr(out, off, BURROW_DNS_TYPE_AAAA, rec->ipv6, 16);
		answers++;
	}
	put16(out + 6, answers);
	if (rcode_out)
		*rcode_out = rcode;
	return off;
}
