// SPDX-License-Identifier: GPL-2.0
/* RFC 9484 capsules and burrow's ROUTE_REFUSED: see connectip.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsule.h"
#include "connectip.h"
#include "log.h"

unsigned int burrow_family_bits(int family)
{
	return family == AF_INET ? 32 : family == AF_INET6 ? 128 : 0;
}

static size_t family_bytes(int family)
{
	return burrow_family_bits(family) / 8;
}

static int family_from_version(uint8_t version)
{
	return version == 4 ? AF_INET : version == 6 ? AF_INET6 : 0;
}

static uint8_t version_of(int family)
{
	return family == AF_INET ? 4 : 6;
}

static bool is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

void burrow_address_rejection(int family, struct burrow_nl_prefix *out)
{
	memset(out, 0, sizeof(*out));
	out->family = family;
	out->len = (uint8_t)burrow_family_bits(family);
}

bool burrow_address_is_unspecified(const struct burrow_nl_prefix *prefix)
{
	return is_zero(prefix->addr.bytes, family_bytes(prefix->family));
}

bool burrow_address_is_rejection(const struct burrow_nl_prefix *prefix)
{
	return burrow_address_is_unspecified(prefix) &&
	       prefix->len == burrow_family_bits(prefix->family);
}

/* Whether any bit at or after `from` is set in addr (bytes long). */
static bool bits_set_from(const uint8_t *addr, size_t bytes, unsigned int from)
{
	for (size_t bit = from; bit < bytes * 8; bit++)
		if (addr[bit / 8] & (0x80 >> (bit % 8)))
			return true;
	return false;
}

static void format_addr(int family, const uint8_t *addr, char *buf, size_t size)
{
	if (!inet_ntop(family, addr, buf, (socklen_t)size))
		snprintf(buf, size, "?");
}

/* ---- addresses -------------------------------------------------------------- */

/*
 * Claim entry i (size bytes) of a capsule's list before reading into it:
 * every list holds at most BURROW_CONNECTIP_LIST_MAX entries, which is
 * also how long the callers' arrays are, so entry i is refused before
 * anything is written to it; a claimed entry starts zeroed. entries names
 * what the list holds in why.
 */
static int list_entry_claim(const char *capsule, size_t i, const char *entries, void *entry,
			    size_t size, char *why, size_t why_size)
{
	if (i >= BURROW_CONNECTIP_LIST_MAX) {
		burrow_errorf(why, why_size, "%s with more than %d %s", capsule,
			BURROW_CONNECTIP_LIST_MAX, entries);
		return -EBADMSG;
	}
	memset(entry, 0, size);
	return 0;
}

/*
 * The IP Version byte of entry i (4 or 6: both entry kinds carry one) as
 * AF_INET or AF_INET6, or a negative errno with why.
 */
static int entry_family_read(struct burrow_cursor *c, const char *capsule, size_t i, char *why,
			     size_t why_size)
{
	const uint8_t *version = burrow_cursor_bytes(c, 1);
	int family;

	if (!version) {
		burrow_errorf(why, why_size, "%s entry %zu is truncated", capsule, i + 1);
		return -EBADMSG;
	}
	family = family_from_version(*version);
	if (!family) {
		burrow_errorf(why, why_size, "%s entry %zu: IP version %u (only 4 and 6 exist)", capsule,
			i + 1, *version);
		return -EBADMSG;
	}
	return family;
}

/* Address entry i of a list; i names it in why. */
static int address_entry_read(struct burrow_cursor *c, const char *capsule, size_t i,
			      struct burrow_address_entry *e, char *why, size_t why_size)
{
	const uint8_t *addr, *len;
	char text[64];
	size_t bytes;
	int ret;

	ret = list_entry_claim(capsule, i, "entries", e, sizeof(*e), why, why_size);
	if (ret)
		return ret;
	e->request_id = burrow_cursor_varint(c);
	ret = entry_family_read(c, capsule, i, why, why_size);
	if (ret < 0)
		return ret;
	e->prefix.family = (uint16_t)ret;
	bytes = family_bytes(e->prefix.family);
	addr = burrow_cursor_bytes(c, bytes);
	len = burrow_cursor_bytes(c, 1);
	if (!addr || !len) {
		burrow_errorf(why, why_size, "%s entry %zu is truncated", capsule, i + 1);
		return -EBADMSG;
	}
	memcpy(e->prefix.addr.bytes, addr, bytes);
	format_addr(e->prefix.family, e->prefix.addr.bytes, text, sizeof(text));
	if (*len > bytes * 8) {
		burrow_errorf(why, why_size, "%s entry %zu: prefix length %u is longer than an IPv%u address (%s/%u)",
			capsule, i + 1, *len, version_of(e->prefix.family), text, *len);
		return -EBADMSG;
	}
	e->prefix.len = *len;
	if (bits_set_from(e->prefix.addr.bytes, bytes, *len)) {
		burrow_errorf(why, why_size, "%s entry %zu: host bits set in %s/%u", capsule, i + 1, text,
			*len);
		return -EBADMSG;
	}
	return 0;
}

static int address_list_decode(const uint8_t *value, size_t len, bool request,
			       struct burrow_address_entry *out, size_t *n, char *why,
			       size_t why_size)
{
	const char *capsule = request ? "ADDRESS_REQUEST" : "ADDRESS_ASSIGN";
	struct burrow_cursor c;
	int ret;

	*n = 0;
	if (request && len == 0) {
		burrow_errorf(why, why_size, "ADDRESS_REQUEST with no addresses");
		return -EBADMSG;
	}
	burrow_cursor_init(&c, value, len);
	while (c.left) {
		struct burrow_address_entry *e = &out[*n];

		ret = address_entry_read(&c, capsule, *n, e, why, why_size);
		if (ret)
			return ret;
		if (request && e->request_id == 0) {
			burrow_errorf(why, why_size, "ADDRESS_REQUEST entry %zu: request ID 0", *n + 1);
			return -EBADMSG;
		}
		for (size_t j = 0; request && j < *n; j++) {
			if (out[j].request_id == e->request_id) {
				burrow_errorf(why, why_size,
					"ADDRESS_REQUEST entry %zu: request ID %llu reused (entry %zu)",
					*n + 1, (unsigned long long)e->request_id, j + 1);
				return -EBADMSG;
			}
		}
		(*n)++;
	}
	return 0;
}

int burrow_address_request_decode(const uint8_t *value, size_t len,
				  struct burrow_address_entry *out, size_t *n,
				  char *why, size_t why_size)
{
	return address_list_decode(value, len, true, out, n, why, why_size);
}

int burrow_address_assign_decode(const uint8_t *value, size_t len,
				 struct burrow_address_entry *out, size_t *n,
				 char *why, size_t why_size)
{
	return address_list_decode(value, len, false, out, n, why, why_size);
}

int burrow_address_list_encode(uint64_t capsule_type, const struct burrow_address_entry *entries,
			       size_t n, uint8_t *out, size_t out_size, char *why,
			       size_t why_size)
{
	bool request = capsule_type == BURROW_CAPSULE_ADDRESS_REQUEST;
	struct burrow_writer w;

	if (request && n == 0) {
		burrow_errorf(why, why_size, "an ADDRESS_REQUEST needs at least one address");
		return -EINVAL;
	}
	if (n > BURROW_CONNECTIP_LIST_MAX) {
		burrow_errorf(why, why_size, "%zu addresses (at most %d)", n, BURROW_CONNECTIP_LIST_MAX);
		return -EINVAL;
	}
	burrow_writer_init(&w, out, out_size);
	for (size_t i = 0; i < n; i++) {
		const struct burrow_nl_prefix *p = &entries[i].prefix;
		size_t bytes = family_bytes(p->family);
		uint8_t version, len = p->len;
		char text[64];

		if (!bytes || p->len > bytes * 8 || bits_set_from(p->addr.bytes, bytes, p->len) ||
		    (request && entries[i].request_id == 0)) {
			if (bytes)
				burrow_text_prefix(p, text);
			else
				snprintf(text, sizeof(text), "family %d", p->family);
			burrow_errorf(why, why_size, "invalid address entry '%s' (request ID %llu)", text,
				(unsigned long long)entries[i].request_id);
			return -EINVAL;
		}
		version = version_of(p->family);
		burrow_writer_varint(&w, entries[i].request_id);
		burrow_writer_bytes(&w, &version, 1);
		burrow_writer_bytes(&w, p->addr.bytes, bytes);
		burrow_writer_bytes(&w, &len, 1);
	}
	return w.error ? w.error : (int)w.len;
}

/* ---- ranges ----------------------------------------------------------------- */

/* Range entry i of a list (ROUTE_ADVERTISEMENT, ROUTE_REFUSED); i names it in why. */
static int range_read(struct burrow_cursor *c, const char *capsule, size_t i,
		      struct burrow_ip_range *r, char *why, size_t why_size)
{
	const uint8_t *start, *end, *proto;
	size_t bytes;
	int ret;

	ret = list_entry_claim(capsule, i, "ranges", r, sizeof(*r), why, why_size);
	if (ret)
		return ret;
	ret = entry_family_read(c, capsule, i, why, why_size);
	if (ret < 0)
		return ret;
	r->family = ret;
	bytes = family_bytes(r->family);
	start = burrow_cursor_bytes(c, bytes);
	end = burrow_cursor_bytes(c, bytes);
	proto = burrow_cursor_bytes(c, 1);
	if (!start || !end || !proto) {
		burrow_errorf(why, why_size, "%s entry %zu is truncated", capsule, i + 1);
		return -EBADMSG;
	}
	memcpy(r->start, start, bytes);
	memcpy(r->end, end, bytes);
	r->protocol = *proto;
	if (memcmp(r->start, r->end, bytes) > 0) {
		char text[100];

		burrow_ip_range_format(r, text, sizeof(text));
		burrow_errorf(why, why_size, "%s entry %zu: start after end (%s)", capsule, i + 1, text);
		return -EBADMSG;
	}
	return 0;
}

static bool ranges_overlap(const struct burrow_ip_range *a, const struct burrow_ip_range *b)
{
	size_t bytes = family_bytes(a->family);

	return a->family == b->family && memcmp(a->start, b->end, bytes) <= 0 &&
	       memcmp(b->start, a->end, bytes) <= 0;
}

/*
 * RFC 9484 §4.7.3 order of a list: 0, or -EBADMSG naming the first
 * entry out of place.
 */
static int ranges_check_order(const struct burrow_ip_range *r, size_t n, const char *capsule,
			      char *why, size_t why_size)
{
	char a[100], b[100];

	for (size_t i = 1; i < n; i++) {
		const struct burrow_ip_range *prev = &r[i - 1], *cur = &r[i];
		uint8_t vp = version_of(prev->family), vc = version_of(cur->family);

		if (vp < vc || (vp == vc && prev->protocol < cur->protocol))
			continue;
		burrow_ip_range_format(prev, a, sizeof(a));
		burrow_ip_range_format(cur, b, sizeof(b));
		if (vp > vc || prev->protocol > cur->protocol) {
			burrow_errorf(why, why_size, "%s entry %zu (%s) is not sorted after entry %zu (%s)",
				capsule, i + 1, b, i, a);
			return -EBADMSG;
		}
		if (memcmp(prev->end, cur->start, family_bytes(cur->family)) >= 0) {
			burrow_errorf(why, why_size,
				"%s entry %zu (%s) overlaps or precedes entry %zu (%s)", capsule,
				i + 1, b, i, a);
			return -EBADMSG;
		}
	}
	/* Protocol 0 covers every protocol: no other range may overlap it. */
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			if (r[i].protocol != 0 || r[j].protocol == 0 || !ranges_overlap(&r[i], &r[j]))
				continue;
			burrow_ip_range_format(&r[i], a, sizeof(a));
			burrow_ip_range_format(&r[j], b, sizeof(b));
			burrow_errorf(why, why_size, "%s entry %zu (%s) overlaps entry %zu (%s) of protocol 0",
				capsule, j + 1, b, i + 1, a);
			return -EBADMSG;
		}
	}
	return 0;
}

int burrow_route_advertisement_decode(const uint8_t *value, size_t len,
				      struct burrow_ip_range *out, size_t *n,
				      char *why, size_t why_size)
{
	struct burrow_cursor c;
	int ret;

	*n = 0;
	burrow_cursor_init(&c, value, len);
	while (c.left) {
		ret = range_read(&c, "ROUTE_ADVERTISEMENT", *n, &out[*n], why, why_size);
		if (ret)
			return ret;
		(*n)++;
	}
	return ranges_check_order(out, *n, "ROUTE_ADVERTISEMENT", why, why_size);
}

static void range_write(struct burrow_writer *w, const struct burrow_ip_range *r)
{
	uint8_t version = version_of(r->family);
	size_t bytes = family_bytes(r->family);

	burrow_writer_bytes(w, &version, 1);
	burrow_writer_bytes(w, r->start, bytes);
	burrow_writer_bytes(w, r->end, bytes);
	burrow_writer_bytes(w, &r->protocol, 1);
}

static bool range_valid(const struct burrow_ip_range *r)
{
	size_t bytes = family_bytes(r->family);

	return bytes && memcmp(r->start, r->end, bytes) <= 0;
}

int burrow_route_advertisement_encode(const struct burrow_ip_range *ranges, size_t n,
				      uint8_t *out, size_t out_size, char *why, size_t why_size)
{
	struct burrow_writer w;
	int ret;

	if (n > BURROW_CONNECTIP_LIST_MAX) {
		burrow_errorf(why, why_size, "%zu ranges (at most %d)", n, BURROW_CONNECTIP_LIST_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!range_valid(&ranges[i])) {
			burrow_errorf(why, why_size, "range %zu: unknown family or start after end", i + 1);
			return -EINVAL;
		}
	}
	ret = ranges_check_order(ranges, n, "route list", why, why_size);
	if (ret)
		return -EINVAL;
	burrow_writer_init(&w, out, out_size);
	for (size_t i = 0; i < n; i++)
		range_write(&w, &ranges[i]);
	return w.error ? w.error : (int)w.len;
}

static int range_compare(const void *pa, const void *pb)
{
	const struct burrow_ip_range *a = pa, *b = pb;
	uint8_t va = version_of(a->family), vb = version_of(b->family);

	if (va != vb)
		return va < vb ? -1 : 1;
	if (a->protocol != b->protocol)
		return a->protocol < b->protocol ? -1 : 1;
	return memcmp(a->start, b->start, family_bytes(a->family));
}

void burrow_ip_ranges_sort(struct burrow_ip_range *ranges, size_t n)
{
	if (n > 1)
		qsort(ranges, n, sizeof(*ranges), range_compare);
}

int burrow_route_refused_decode(const uint8_t *value, size_t len,
				struct burrow_refused_range *out, size_t *n,
				char *why, size_t why_size)
{
	struct burrow_cursor c;
	int ret;

	*n = 0;
	burrow_cursor_init(&c, value, len);
	while (c.left) {
		/* Read aside: out[*n] does not exist when the list is one too long. */
		struct burrow_ip_range range;
		const uint8_t *reason;

		ret = range_read(&c, "ROUTE_REFUSED", *n, &range, why, why_size);
		if (ret)
			return ret;
		reason = burrow_cursor_bytes(&c, 1);
		if (!reason) {
			burrow_errorf(why, why_size, "ROUTE_REFUSED entry %zu has no reason", *n + 1);
			return -EBADMSG;
		}
		out[*n].range = range;
		out[*n].reason = *reason;
		(*n)++;
	}
	return 0;
}

int burrow_route_refused_encode(const struct burrow_refused_range *refused, size_t n,
				uint8_t *out, size_t out_size)
{
	struct burrow_writer w;

	if (n > BURROW_CONNECTIP_LIST_MAX)
		return -EINVAL;
	burrow_writer_init(&w, out, out_size);
	for (size_t i = 0; i < n; i++) {
		if (!range_valid(&refused[i].range))
			return -EINVAL;
		range_write(&w, &refused[i].range);
		burrow_writer_bytes(&w, &refused[i].reason, 1);
	}
	return w.error ? w.error : (int)w.len;
}

const char *burrow_route_refusal_name(uint8_t reason, char *buf, size_t size)
{
	switch (reason) {
	case BURROW_ROUTE_REFUSED_POLICY: return "not allowed by policy";
	case BURROW_ROUTE_REFUSED_PROTOCOL: return "protocol-specific routes are not supported";
	case BURROW_ROUTE_REFUSED_CONFLICT: return "another peer announces it";
	default:
		snprintf(buf, size, "reason %u", reason);
		return buf;
	}
}

/* ---- ranges and prefixes ---------------------------------------------------- */

void burrow_prefix_to_range(const struct burrow_nl_prefix *prefix, struct burrow_ip_range *out)
{
	size_t bytes = family_bytes(prefix->family);

	memset(out, 0, sizeof(*out));
	out->family = prefix->family;
	memcpy(out->start, prefix->addr.bytes, bytes);
	memcpy(out->end, prefix->addr.bytes, bytes);
	for (size_t bit = prefix->len; bit < bytes * 8; bit++)
		out->end[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
}

int burrow_range_to_prefix(const struct burrow_ip_range *range, struct burrow_nl_prefix *out)
{
	size_t bytes = family_bytes(range->family);
	struct burrow_ip_range check;

	memset(out, 0, sizeof(*out));
	out->family = range->family;
	memcpy(out->addr.bytes, range->start, bytes);
	/* The prefix length: the first bit where start and end differ. */
	out->len = (uint8_t)(bytes * 8);
	for (size_t bit = 0; bit < bytes * 8; bit++) {
		uint8_t mask = (uint8_t)(0x80 >> (bit % 8));

		if ((range->start[bit / 8] & mask) != (range->end[bit / 8] & mask)) {
			out->len = (uint8_t)bit;
			break;
		}
	}
	if (bits_set_from(out->addr.bytes, bytes, out->len))
		return -ERANGE;
	burrow_prefix_to_range(out, &check);
	return memcmp(check.end, range->end, bytes) ? -ERANGE : 0;
}

void burrow_ip_range_format(const struct burrow_ip_range *range, char *buf, size_t size)
{
	char start[INET6_ADDRSTRLEN], end[INET6_ADDRSTRLEN], proto[16] = "";

	format_addr(range->family, range->start, start, sizeof(start));
	format_addr(range->family, range->end, end, sizeof(end));
	if (range->protocol)
		snprintf(proto, sizeof(proto), " proto %u", range->protocol);
	snprintf(buf, size, "%s-%s%s", start, end, proto);
}

bool burrow_prefix_contains(const struct burrow_nl_prefix *outer, const struct burrow_nl_prefix *inner)
{
	if (outer->family != inner->family || outer->len > inner->len)
		return false;
	for (size_t bit = 0; bit < outer->len; bit++) {
		uint8_t mask = (uint8_t)(0x80 >> (bit % 8));

		if ((outer->addr.bytes[bit / 8] & mask) != (inner->addr.bytes[bit / 8] & mask))
			return false;
	}
	return true;
}

/* ---- request IDs ------------------------------------------------------------ */

bool burrow_request_ids_has(const struct burrow_request_ids *set, uint64_t id)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->ids[i] == id)
			return true;
	return false;
}

int burrow_request_ids_note(struct burrow_request_ids *set, uint64_t id)
{
	if (burrow_request_ids_has(set, id))
		return -EEXIST;
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 8;
		uint64_t *grown = realloc(set->ids, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		set->ids = grown;
		set->cap = cap;
	}
	set->ids[set->n++] = id;
	return 0;
}

void burrow_request_ids_free(struct burrow_request_ids *set)
{
	free(set->ids);
	memset(set, 0, sizeof(*set));
}
