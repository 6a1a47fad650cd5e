// SPDX-License-Identifier: GPL-2.0
/* Coordination stream messages: see coord_msg.h and docs/wire-format.md. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "coord_msg.h"
#include "dns.h"
#include "log.h"

/* ---- growable buffer -------------------------------------------------------- */

void coord_buf_init(struct coord_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void coord_buf_free(struct coord_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* Room for n more bytes; false (and the error set) when it cannot grow. */
static bool buf_reserve(struct coord_buf *b, size_t n)
{
	size_t want;
	uint8_t *grown;

	if (b->error)
		return false;
	if (n <= b->cap - b->len)
		return true;
	want = b->cap ? b->cap : 256;
	while (want - b->len < n) {
		if (want > SIZE_MAX / 2) {
			b->error = -ENOMEM;
			return false;
		}
		want *= 2;
	}
	grown = realloc(b->data, want);
	if (!grown) {
		b->error = -ENOMEM;
		return false;
	}
	b->data = grown;
	b->cap = want;
	return true;
}

static void buf_bytes(struct coord_buf *b, const void *data, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
}

static void buf_u8(struct coord_buf *b, uint8_t v)
{
	buf_bytes(b, &v, 1);
}

static void buf_varint(struct coord_buf *b, uint64_t v)
{
	if (!buf_reserve(b, BURROW_VARINT_LEN_MAX))
		return;
	size_t n = burrow_varint_encode(v, b->data + b->len, b->cap - b->len);

	if (n == 0)
		b->error = -EINVAL;	/* v > BURROW_VARINT_MAX */
	b->len += n;
}

/*
 * A capsule is written value first, at start + the longest header; end()
 * moves the value back behind its shortest header once its length is known.
 */
#define CAPSULE_HEADER_MAX (2 * BURROW_VARINT_LEN_MAX)

static size_t capsule_begin(struct coord_buf *b)
{
	size_t start = b->len;

	if (buf_reserve(b, CAPSULE_HEADER_MAX))
		b->len += CAPSULE_HEADER_MAX;
	return start;
}

/* Value length so far of the capsule begun at start. */
static size_t capsule_value_len(const struct coord_buf *b, size_t start)
{
	return b->len - start - CAPSULE_HEADER_MAX;
}

static int capsule_end(struct coord_buf *b, size_t start, uint64_t type)
{
	uint8_t header[CAPSULE_HEADER_MAX];
	size_t value_len, n;

	if (b->error) {
		b->len = start;
		return b->error;
	}
	value_len = capsule_value_len(b, start);
	if (value_len > COORD_MSG_CAPSULE_MAX) {
		b->len = start;
		return -EMSGSIZE;
	}
	n = burrow_varint_encode(type, header, sizeof(header));
	n += burrow_varint_encode(value_len, header + n, sizeof(header) - n);
	memmove(b->data + start + n, b->data + start + CAPSULE_HEADER_MAX, value_len);
	memcpy(b->data + start, header, n);
	b->len = start + n + value_len;
	return 0;
}

/* ---- names and types ---------------------------------------------------------- */

bool coord_msg_name_valid(const char *name, size_t len)
{
	if (len < 1 || len > COORD_NAME_MAX || name[0] == '-' || name[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
			return false;
	}
	return true;
}

const char *coord_msg_type_name(uint64_t type)
{
	switch (type) {
	case COORD_MSG_REGISTER: return "REGISTER";
	case COORD_MSG_REGISTER_RESULT: return "REGISTER_RESULT";
	case COORD_MSG_MAP_FULL: return "MAP_FULL";
	case COORD_MSG_MAP_DELTA: return "MAP_DELTA";
	case COORD_MSG_MAP_REQUEST_FULL: return "MAP_REQUEST_FULL";
	case COORD_MSG_ENDPOINTS: return "ENDPOINTS";
	case COORD_MSG_DNS_CONFIG: return "DNS_CONFIG";
	case COORD_MSG_RELAY_REVOKE: return "RELAY_REVOKE";
	case COORD_MSG_OBSERVED_ADDRESS: return "OBSERVED_ADDRESS";
	case COORD_MSG_RELAY_REQUEST: return "RELAY_REQUEST";
	case COORD_MSG_RELAY_OFFER: return "RELAY_OFFER";
	case COORD_MSG_RELAY_BIND: return "RELAY_BIND";
	case COORD_MSG_CONTROL_TICKET: return "CONTROL_TICKET";
	default: return "unknown";
	}
}

bool coord_msg_type_known(uint64_t type)
{
	return strcmp(coord_msg_type_name(type), "unknown") != 0;
}

void coord_msg_reader_init(struct burrow_capsule_reader *r)
{
	burrow_capsule_reader_init_for(r, COORD_MSG_CAPSULE_MAX, coord_msg_type_known);
}

/* ---- peers -------------------------------------------------------------------- */

int coord_peer_copy(struct coord_peer *dst, const struct coord_peer *src)
{
	*dst = *src;
	dst->endpoints = NULL;
	dst->routes = NULL;
	if (src->n_endpoints) {
		dst->endpoints = malloc(src->n_endpoints * sizeof(*dst->endpoints));
		if (!dst->endpoints)
			goto nomem;
		memcpy(dst->endpoints, src->endpoints, src->n_endpoints * sizeof(*dst->endpoints));
	}
	if (src->n_routes) {
		dst->routes = malloc(src->n_routes * sizeof(*dst->routes));
		if (!dst->routes)
			goto nomem;
		memcpy(dst->routes, src->routes, src->n_routes * sizeof(*dst->routes));
	}
	return 0;
nomem:
	coord_peer_free(dst);
	return -ENOMEM;
}

static size_t family_bytes(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static bool endpoint_equal(const struct burrow_nl_endpoint *a, const struct burrow_nl_endpoint *b)
{
	return a->family == b->family && a->port == b->port &&
	       !memcmp(a->addr.bytes, b->addr.bytes, family_bytes(a->family));
}

bool coord_peer_equal(const struct coord_peer *a, const struct coord_peer *b)
{
	if (a->id != b->id || strcmp(a->name, b->name) ||
	    memcmp(a->public_key, b->public_key, sizeof(a->public_key)) ||
	    memcmp(a->ipv4, b->ipv4, sizeof(a->ipv4)) ||
	    memcmp(a->ipv6, b->ipv6, sizeof(a->ipv6)) ||
	    a->n_endpoints != b->n_endpoints || a->n_routes != b->n_routes)
		return false;
	for (size_t i = 0; i < a->n_endpoints; i++)
		if (!endpoint_equal(&a->endpoints[i], &b->endpoints[i]))
			return false;
	for (size_t i = 0; i < a->n_routes; i++)
		if (!burrow_text_prefix_equal(&a->routes[i], &b->routes[i]))
			return false;
	return true;
}

void coord_peer_free(struct coord_peer *peer)
{
	free(peer->endpoints);
	free(peer->routes);
	peer->endpoints = NULL;
	peer->routes = NULL;
	peer->n_endpoints = 0;
	peer->n_routes = 0;
}

void coord_peers_free(struct coord_peer *peers, size_t n)
{
	for (size_t i = 0; i < n; i++)
		coord_peer_free(&peers[i]);
	free(peers);
}

/* ---- field writers ------------------------------------------------------------ */

static uint8_t version_of(int family)
{
	return family == AF_INET ? 4 : 6;
}

/* Whether any bit at or after `from` is set in addr (bytes long). */
static bool bits_set_from(const uint8_t *addr, size_t bytes, unsigned int from)
{
	for (size_t bit = from; bit < bytes * 8; bit++)
		if (addr[bit / 8] & (0x80 >> (bit % 8)))
			return true;
	return false;
}

static int check_name(const char *msg, const char *field, const char *name, char *why,
		      size_t why_size)
{
	if (!coord_msg_name_valid(name, strlen(name))) {
		burrow_errorf(why, why_size, "%s: %s '%s' is not a DNS label (1-63 of a-z, 0-9, '-')",
			msg, field, name);
		return -EINVAL;
	}
	return 0;
}

static void write_name(struct coord_buf *b, const char *name)
{
	size_t len = strlen(name);

	buf_varint(b, len);
	buf_bytes(b, name, len);
}

/*
 * One endpoint as the messages carry it: IP Version, address, port. False,
 * writing nothing, for a family other than IPv4/IPv6 or port 0; the caller
 * says which endpoint of which message.
 */
static bool write_endpoint(struct coord_buf *b, const struct burrow_nl_endpoint *e)
{
	uint8_t port[2] = { (uint8_t)(e->port >> 8), (uint8_t)e->port };

	if (!family_bytes(e->family) || e->port == 0)
		return false;
	buf_u8(b, version_of(e->family));
	buf_bytes(b, e->addr.bytes, family_bytes(e->family));
	buf_bytes(b, port, 2);
	return true;
}

static int write_endpoints(struct coord_buf *b, const char *msg,
			   const struct burrow_nl_endpoint *endpoints, size_t n, char *why,
			   size_t why_size)
{
	if (n > COORD_ENDPOINTS_MAX) {
		burrow_errorf(why, why_size, "%s: %zu endpoints (at most %d)", msg, n,
			COORD_ENDPOINTS_MAX);
		return -EINVAL;
	}
	buf_varint(b, n);
	for (size_t i = 0; i < n; i++) {
		const struct burrow_nl_endpoint *e = &endpoints[i];

		if (!write_endpoint(b, e)) {
			burrow_errorf(why, why_size, "%s: endpoint %zu has family %u port %u", msg,
				i + 1, e->family, e->port);
			return -EINVAL;
		}
	}
	return 0;
}

static int write_routes(struct coord_buf *b, const char *msg, const struct burrow_nl_prefix *routes,
			size_t n, char *why, size_t why_size)
{
	if (n > COORD_ROUTES_MAX) {
		burrow_errorf(why, why_size, "%s: %zu routes (at most %d)", msg, n, COORD_ROUTES_MAX);
		return -EINVAL;
	}
	buf_varint(b, n);
	for (size_t i = 0; i < n; i++) {
		const struct burrow_nl_prefix *p = &routes[i];
		size_t bytes = family_bytes(p->family);

		if (!bytes || p->len > bytes * 8 || bits_set_from(p->addr.bytes, bytes, p->len)) {
			burrow_errorf(why, why_size, "%s: route %zu is not a prefix (family %u, length %u)",
				msg, i + 1, p->family, p->len);
			return -EINVAL;
		}
		buf_u8(b, version_of(p->family));
		buf_u8(b, p->len);
		buf_bytes(b, p->addr.bytes, (p->len + 7u) / 8);
	}
	return 0;
}

static int write_addresses(struct coord_buf *b, const char *msg, const struct coord_addresses *a,
			   char *why, size_t why_size)
{
	if (a->ipv4.family != AF_INET || a->ipv4.len > 32 || a->ipv6.family != AF_INET6 ||
	    a->ipv6.len > 128) {
		burrow_errorf(why, why_size, "%s: overlay addresses need an IPv4 and an IPv6 prefix",
			msg);
		return -EINVAL;
	}
	buf_bytes(b, a->ipv4.addr.bytes, 4);
	buf_u8(b, a->ipv4.len);
	buf_bytes(b, a->ipv6.addr.bytes, 16);
	buf_u8(b, a->ipv6.len);
	return 0;
}

static int write_peer(struct coord_buf *b, const char *msg, const struct coord_peer *p, char *why,
		      size_t why_size)
{
	int ret = check_name(msg, "peer name", p->name, why, why_size);

	if (ret)
		return ret;
	buf_varint(b, p->id);
	write_name(b, p->name);
	buf_bytes(b, p->public_key, sizeof(p->public_key));
	buf_bytes(b, p->ipv4, sizeof(p->ipv4));
	buf_bytes(b, p->ipv6, sizeof(p->ipv6));
	ret = write_endpoints(b, msg, p->endpoints, p->n_endpoints, why, why_size);
	if (!ret)
		ret = write_routes(b, msg, p->routes, p->n_routes, why, why_size);
	return ret;
}

/* ---- field readers ------------------------------------------------------------ */

/*
 * Every reader takes the message name for why and fails with -EBADMSG;
 * names of fields are those of docs/wire-format.md.
 */
struct reader {
	struct burrow_cursor c;
	const char *msg;
	char *why;
	size_t why_size;
};

static int truncated(struct reader *r, const char *field)
{
	burrow_errorf(r->why, r->why_size, "%s: %s is truncated or not a shortest varint", r->msg,
		field);
	return -EBADMSG;
}

static int read_varint(struct reader *r, const char *field, uint64_t *v)
{
	*v = burrow_cursor_varint(&r->c);
	return r->c.error ? truncated(r, field) : 0;
}

static int read_bytes(struct reader *r, const char *field, size_t n, const uint8_t **p)
{
	*p = burrow_cursor_bytes(&r->c, n);
	return *p ? 0 : truncated(r, field);
}

/*
 * A varint length (named length_field) bounded by max, then that many bytes
 * (named field). The bytes stay in the message buffer.
 */
static int read_counted(struct reader *r, const char *length_field, const char *field,
			uint64_t max, const uint8_t **p, size_t *n)
{
	uint64_t len;
	int ret = read_varint(r, length_field, &len);

	if (ret)
		return ret;
	if (len > max) {
		burrow_errorf(r->why, r->why_size, "%s: %s %llu (at most %llu)", r->msg,
			length_field, (unsigned long long)len, (unsigned long long)max);
		return -EBADMSG;
	}
	*n = (size_t)len;
	return read_bytes(r, field, *n, p);
}

static int read_u8(struct reader *r, const char *field, uint8_t *v)
{
	const uint8_t *p;
	int ret = read_bytes(r, field, 1, &p);

	if (!ret)
		*v = *p;
	return ret;
}

static int read_family(struct reader *r, const char *field, size_t i, int *family)
{
	uint8_t version;
	int ret = read_u8(r, field, &version);

	if (ret)
		return ret;
	if (version != 4 && version != 6) {
		burrow_errorf(r->why, r->why_size, "%s: %s %zu has unknown IP version %u", r->msg,
			field, i + 1, version);
		return -EBADMSG;
	}
	*family = version == 4 ? AF_INET : AF_INET6;
	return 0;
}

static int finish(struct reader *r)
{
	if (burrow_cursor_finish(&r->c)) {
		burrow_errorf(r->why, r->why_size, "%s: %zu trailing bytes after the last field",
			r->msg, r->c.left);
		return -EBADMSG;
	}
	return 0;
}

static int read_name(struct reader *r, const char *field, char out[COORD_NAME_MAX + 1])
{
	const uint8_t *p;
	uint64_t len;
	int ret = read_varint(r, field, &len);

	if (ret)
		return ret;
	if (len < 1 || len > COORD_NAME_MAX) {
		burrow_errorf(r->why, r->why_size, "%s: %s length %llu (1-%d)", r->msg, field,
			(unsigned long long)len, COORD_NAME_MAX);
		return -EBADMSG;
	}
	ret = read_bytes(r, field, (size_t)len, &p);
	if (ret)
		return ret;
	if (!coord_msg_name_valid((const char *)p, (size_t)len)) {
		burrow_errorf(r->why, r->why_size,
			"%s: %s '%.*s' is not a DNS label (1-63 of a-z, 0-9, '-')", r->msg, field,
			(int)len, (const char *)p);
		/* The quoted bytes may be anything: keep why printable. */
		for (char *s = r->why; s && *s; s++)
			if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
				*s = '?';
		return -EBADMSG;
	}
	memcpy(out, p, (size_t)len);
	out[len] = '\0';
	return 0;
}

/*
 * A list count that can hold: at most max entries, and no more than the
 * bytes left allow at min_entry bytes each (so no allocation is made for
 * entries that are not there).
 */
static int read_count(struct reader *r, const char *field, uint64_t max, size_t min_entry,
		      size_t *n)
{
	uint64_t count;
	int ret = read_varint(r, field, &count);

	if (ret)
		return ret;
	if (count > max) {
		burrow_errorf(r->why, r->why_size, "%s: %s %llu (at most %llu)", r->msg, field,
			(unsigned long long)count, (unsigned long long)max);
		return -EBADMSG;
	}
	if (count > r->c.left / min_entry) {
		burrow_errorf(r->why, r->why_size, "%s: %s %llu but only %zu bytes follow", r->msg,
			field, (unsigned long long)count, r->c.left);
		return -EBADMSG;
	}
	*n = (size_t)count;
	return 0;
}

/*
 * A counted list: the count (bounded by max, and by the bytes left at
 * min_entry bytes an entry), then each entry read by read_entry into a
 * zeroed array of entry_size elements. *out is NULL for an empty list and
 * on failure.
 */
static int read_list(struct reader *r, const char *count_field, uint64_t max, size_t min_entry,
		     size_t entry_size, int (*read_entry)(struct reader *r, size_t i, void *entry),
		     void **out, size_t *n_out)
{
	uint8_t *list = NULL;
	size_t n;
	int ret = read_count(r, count_field, max, min_entry, &n);

	*out = NULL;
	*n_out = 0;
	if (ret)
		return ret;
	if (n) {
		list = calloc(n, entry_size);
		if (!list)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		ret = read_entry(r, i, list + i * entry_size);
		if (ret) {
			free(list);
			return ret;
		}
	}
	*out = list;
	*n_out = n;
	return 0;
}

static int read_endpoint(struct reader *r, size_t i, void *entry)
{
	struct burrow_nl_endpoint *endpoint = entry;
	const uint8_t *addr, *port;
	int family;
	int ret;

	ret = read_family(r, "endpoint", i, &family);
	if (!ret)
		ret = read_bytes(r, "endpoint address", family_bytes(family), &addr);
	if (!ret)
		ret = read_bytes(r, "endpoint port", 2, &port);
	if (ret)
		return ret;
	endpoint->family = (uint16_t)family;
	memcpy(endpoint->addr.bytes, addr, family_bytes(family));
	endpoint->port = (uint16_t)(port[0] << 8 | port[1]);
	if (endpoint->port == 0) {
		char text[BURROW_TEXT_ADDR_SIZE];

		burrow_errorf(r->why, r->why_size, "%s: endpoint %zu (%s) has port 0", r->msg,
			i + 1, burrow_text_addr(endpoint->family, &endpoint->addr, text));
		return -EBADMSG;
	}
	return 0;
}

static int read_route(struct reader *r, size_t i, void *entry)
{
	struct burrow_nl_prefix *p = entry;
	char text[BURROW_TEXT_PREFIX_SIZE];
	const uint8_t *addr;
	uint8_t len;
	int family;
	int ret;

	ret = read_family(r, "route", i, &family);
	if (!ret)
		ret = read_u8(r, "route prefix length", &len);
	if (ret)
		return ret;
	if (len > family_bytes(family) * 8) {
		burrow_errorf(r->why, r->why_size,
			"%s: route %zu: prefix length %u is longer than an IPv%u address",
			r->msg, i + 1, len, version_of(family));
		return -EBADMSG;
	}
	ret = read_bytes(r, "route address", (len + 7u) / 8, &addr);
	if (ret)
		return ret;
	p->family = (uint16_t)family;
	p->len = len;
	memcpy(p->addr.bytes, addr, (len + 7u) / 8);
	if (bits_set_from(p->addr.bytes, (len + 7u) / 8, len)) {
		burrow_errorf(r->why, r->why_size, "%s: route %zu: bits set beyond /%u in %s",
			r->msg, i + 1, len, burrow_text_addr(p->family, &p->addr, text));
		return -EBADMSG;
	}
	return 0;
}

static int read_endpoints(struct reader *r, struct burrow_nl_endpoint **out, size_t *n_out)
{
	void *list;
	int ret = read_list(r, "Endpoint Count", COORD_ENDPOINTS_MAX, 1 + 4 + 2, sizeof(**out),
			    read_endpoint, &list, n_out);

	*out = list;
	return ret;
}

static int read_routes(struct reader *r, struct burrow_nl_prefix **out, size_t *n_out)
{
	void *list;
	int ret = read_list(r, "Route Count", COORD_ROUTES_MAX, 2, sizeof(**out), read_route, &list,
			    n_out);

	*out = list;
	return ret;
}

static int read_addresses(struct reader *r, struct coord_addresses *a)
{
	const uint8_t *v4, *v6;
	uint8_t len4, len6;
	int ret;

	ret = read_bytes(r, "IPv4 Address", 4, &v4);
	if (!ret)
		ret = read_u8(r, "IPv4 Prefix Length", &len4);
	if (!ret)
		ret = read_bytes(r, "IPv6 Address", 16, &v6);
	if (!ret)
		ret = read_u8(r, "IPv6 Prefix Length", &len6);
	if (ret)
		return ret;
	if (len4 > 32 || len6 > 128) {
		burrow_errorf(r->why, r->why_size, "%s: prefix lengths /%u and /%u (IPv4 0-32, IPv6 0-128)",
			r->msg, len4, len6);
		return -EBADMSG;
	}
	memset(a, 0, sizeof(*a));
	a->ipv4.family = AF_INET;
	memcpy(a->ipv4.addr.bytes, v4, 4);
	a->ipv4.len = len4;
	a->ipv6.family = AF_INET6;
	memcpy(a->ipv6.addr.bytes, v6, 16);
	a->ipv6.len = len6;
	return 0;
}

/* Smallest peer entry: id, name of 1, key, IPv4, IPv6, two empty counts. */
#define PEER_MIN_BYTES (1 + 1 + 1 + 32 + 4 + 16 + 1 + 1)

static int read_peer(struct reader *r, struct coord_peer *p)
{
	const uint8_t *key, *v4, *v6;
	int ret;

	memset(p, 0, sizeof(*p));
	ret = read_varint(r, "Node ID", &p->id);
	if (!ret)
		ret = read_name(r, "peer name", p->name);
	if (!ret)
		ret = read_bytes(r, "Public Key", 32, &key);
	if (!ret)
		ret = read_bytes(r, "IPv4 Address", 4, &v4);
	if (!ret)
		ret = read_bytes(r, "IPv6 Address", 16, &v6);
	if (ret)
		return ret;
	memcpy(p->public_key, key, 32);
	memcpy(p->ipv4, v4, 4);
	memcpy(p->ipv6, v6, 16);
	ret = read_endpoints(r, &p->endpoints, &p->n_endpoints);
	if (!ret)
		ret = read_routes(r, &p->routes, &p->n_routes);
	if (ret)
		coord_peer_free(p);
	return ret;
}

/* Peer ids strictly increase in every list; prev is the last id (has_prev: one was read). */
static int check_id_order(struct reader *r, const char *list, bool has_prev, uint64_t prev,
			  uint64_t id)
{
	if (!has_prev || id > prev)
		return 0;
	if (id == prev)
		burrow_errorf(r->why, r->why_size, "%s: duplicate peer id %llu in %s", r->msg,
			(unsigned long long)id, list);
	else
		burrow_errorf(r->why, r->why_size, "%s: peer id %llu after %llu in %s (ids must increase)",
			r->msg, (unsigned long long)id, (unsigned long long)prev, list);
	return -EBADMSG;
}

/* ---- UTF-8 -------------------------------------------------------------------- */

/* Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, <= U+10FFFF) without NUL. */
static bool utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = s[i];
		uint32_t cp;
		size_t n;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i - 1 < n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* ---- REGISTER ----------------------------------------------------------------- */

/* The optional Flags field: absent (0), or a non-zero varint. */
static int read_register_flags(struct reader *r, uint64_t *flags)
{
	int ret;

	*flags = 0;
	if (r->c.left == 0)
		return 0;
	ret = read_varint(r, "Flags", flags);
	if (ret)
		return ret;
	if (*flags == 0) {
		burrow_errorf(r->why, r->why_size, "REGISTER: Flags 0 (leave the field out)");
		return -EBADMSG;
	}
	return 0;
}

int coord_msg_register_encode(struct coord_buf *b, const struct coord_register *m, char *why,
			      size_t why_size)
{
	const char *key = m->key_secret ? m->key_secret : "";
	size_t key_len = strlen(key), start;
	int ret;

	if (key_len > COORD_KEY_SECRET_MAX) {
		burrow_errorf(why, why_size, "REGISTER: pre-auth key of %zu bytes (at most %d)",
			key_len, COORD_KEY_SECRET_MAX);
		return -EINVAL;
	}
	ret = check_name("REGISTER", "hostname", m->hostname, why, why_size);
	if (ret)
		return ret;
	start = capsule_begin(b);
	buf_varint(b, key_len);
	buf_bytes(b, key, key_len);
	write_name(b, m->hostname);
	ret = write_routes(b, "REGISTER", m->routes, m->n_routes, why, why_size);
	if (!ret)
		ret = write_endpoints(b, "REGISTER", m->endpoints, m->n_endpoints, why, why_size);
	if (!ret && m->flags)
		buf_varint(b, m->flags);
	if (ret) {
		b->len = start;
		return ret;
	}
	return capsule_end(b, start, COORD_MSG_REGISTER);
}

int coord_msg_register_decode(const uint8_t *value, size_t len, struct coord_register *out,
			      char *why, size_t why_size)
{
	struct reader r = { .msg = "REGISTER", .why = why, .why_size = why_size };
	const uint8_t *key;
	size_t key_len;
	int ret;

	memset(out, 0, sizeof(*out));
	burrow_cursor_init(&r.c, value, len);
	ret = read_counted(&r, "Key Length", "Pre-auth Key", COORD_KEY_SECRET_MAX, &key, &key_len);
	if (ret)
		return ret;
	for (size_t i = 0; i < key_len; i++) {
		if (key[i] < 0x21 || key[i] > 0x7e) {
			burrow_errorf(why, why_size,
				"REGISTER: Pre-auth Key byte %zu (0x%02x) is not printable ASCII",
				i + 1, key[i]);
			return -EBADMSG;
		}
	}
	out->key_secret = malloc((size_t)key_len + 1);
	if (!out->key_secret)
		return -ENOMEM;
	memcpy(out->key_secret, key, (size_t)key_len);
	out->key_secret[key_len] = '\0';
	ret = read_name(&r, "hostname", out->hostname);
	if (!ret)
		ret = read_routes(&r, &out->routes, &out->n_routes);
	if (!ret)
		ret = read_endpoints(&r, &out->endpoints, &out->n_endpoints);
	if (!ret)
		ret = read_register_flags(&r, &out->flags);
	if (!ret)
		ret = finish(&r);
	if (ret)
		coord_register_free(out);
	return ret;
}

void coord_register_free(struct coord_register *m)
{
	free(m->key_secret);
	free(m->routes);
	free(m->endpoints);
	memset(m, 0, sizeof(*m));
}

/* ---- REGISTER_RESULT ---------------------------------------------------------- */

#define STATUS_ACCEPTED 0
#define STATUS_REFUSED 1

int coord_msg_register_result_encode(struct coord_buf *b, const struct coord_register_result *m,
				     char *why, size_t why_size)
{
	size_t start;
	int ret = 0;

	if (m->accepted) {
		ret = check_name("REGISTER_RESULT", "name", m->name, why, why_size);
		if (ret)
			return ret;
	} else {
		size_t n = strlen(m->reason);

		if (n > COORD_REASON_MAX || !utf8_valid((const uint8_t *)m->reason, n)) {
			burrow_errorf(why, why_size, "REGISTER_RESULT: reason is not UTF-8 of at most %d bytes",
				COORD_REASON_MAX);
			return -EINVAL;
		}
	}
	start = capsule_begin(b);
	if (m->accepted) {
		buf_u8(b, STATUS_ACCEPTED);
		write_name(b, m->name);
		ret = write_addresses(b, "REGISTER_RESULT", &m->addresses, why, why_size);
	} else {
		size_t n = strlen(m->reason);

		buf_u8(b, STATUS_REFUSED);
		buf_varint(b, m->reason_code);
		buf_varint(b, n);
		buf_bytes(b, m->reason, n);
	}
	if (ret) {
		b->len = start;
		return ret;
	}
	return capsule_end(b, start, COORD_MSG_REGISTER_RESULT);
}

int coord_msg_register_result_decode(const uint8_t *value, size_t len,
				     struct coord_register_result *out, char *why, size_t why_size)
{
	struct reader r = { .msg = "REGISTER_RESULT", .why = why, .why_size = why_size };
	const uint8_t *text;
	size_t n;
	uint8_t status;
	int ret;

	memset(out, 0, sizeof(*out));
	burrow_cursor_init(&r.c, value, len);
	ret = read_u8(&r, "Status", &status);
	if (ret)
		return ret;
	if (status == STATUS_ACCEPTED) {
		out->accepted = true;
		ret = read_name(&r, "name", out->name);
		if (!ret)
			ret = read_addresses(&r, &out->addresses);
		return ret ? ret : finish(&r);
	}
	if (status != STATUS_REFUSED) {
		burrow_errorf(why, why_size, "REGISTER_RESULT: unknown Status %u (0 accepted, 1 refused)",
			status);
		return -EBADMSG;
	}
	ret = read_varint(&r, "Reason Code", &out->reason_code);
	if (!ret)
		ret = read_counted(&r, "Reason Length", "Reason", COORD_REASON_MAX, &text, &n);
	if (ret)
		return ret;
	if (!utf8_valid(text, (size_t)n)) {
		burrow_errorf(why, why_size, "REGISTER_RESULT: Reason is not UTF-8 (or holds NUL)");
		return -EBADMSG;
	}
	memcpy(out->reason, text, (size_t)n);
	out->reason[n] = '\0';
	return finish(&r);
}

/* ---- MAP_FULL ----------------------------------------------------------------- */

int coord_msg_map_full_encode(struct coord_buf *b, uint64_t version,
			      const struct coord_map_self *self, const struct coord_peer *peers,
			      size_t n_peers, size_t *parts, char *why, size_t why_size)
{
	size_t i = 0, n_parts = 0, begin = b->len;
	int ret;

	if (n_peers > COORD_MAP_PEERS_MAX) {
		burrow_errorf(why, why_size, "MAP_FULL: %zu peers (at most %d)", n_peers,
			COORD_MAP_PEERS_MAX);
		return -EMSGSIZE;
	}
	for (size_t k = 1; k < n_peers; k++) {
		if (peers[k].id <= peers[k - 1].id) {
			burrow_errorf(why, why_size, "MAP_FULL: peer ids not strictly increasing at %llu",
				(unsigned long long)peers[k].id);
			return -EINVAL;
		}
	}
	ret = check_name("MAP_FULL", "self name", self->name, why, why_size);
	if (ret)
		return ret;
	do {
		size_t start = capsule_begin(b), flags_at;
		uint8_t flags = n_parts == 0 ? COORD_MAP_PART_FIRST : 0;

		buf_varint(b, version);
		flags_at = b->len;
		buf_u8(b, flags);
		if (n_parts == 0) {
			buf_varint(b, n_peers);
			buf_varint(b, self->id);
			write_name(b, self->name);
			ret = write_addresses(b, "MAP_FULL", &self->addresses, why, why_size);
			if (ret)
				goto fail;
		}
		/* Whole peers while they fit; a part holds at least one. */
		for (size_t in_part = 0; i < n_peers; in_part++) {
			size_t before = b->len;

			ret = write_peer(b, "MAP_FULL", &peers[i], why, why_size);
			if (ret)
				goto fail;
			if (b->error)
				break;
			if (capsule_value_len(b, start) > COORD_MSG_CAPSULE_MAX) {
				if (in_part == 0) {
					burrow_errorf(why, why_size, "MAP_FULL: peer %llu does not fit one capsule",
						(unsigned long long)peers[i].id);
					ret = -EMSGSIZE;
					goto fail;
				}
				b->len = before;
				break;
			}
			i++;
		}
		if (b->error) {
			ret = b->error;
			goto fail;
		}
		if (i == n_peers)
			b->data[flags_at] = flags | COORD_MAP_PART_LAST;
		ret = capsule_end(b, start, COORD_MSG_MAP_FULL);
		if (ret)
			goto fail;
		n_parts++;
	} while (i < n_peers);
	if (parts)
		*parts = n_parts;
	return 0;
fail:
	b->len = begin;
	return ret;
}

void coord_map_full_reader_init(struct coord_map_full_reader *r)
{
	memset(r, 0, sizeof(*r));
}

static void full_reader_reset(struct coord_map_full_reader *r)
{
	coord_peers_free(r->peers, r->n_peers);
	memset(r, 0, sizeof(*r));
}

void coord_map_full_reader_free(struct coord_map_full_reader *r)
{
	full_reader_reset(r);
}

struct coord_peer *coord_map_full_reader_take(struct coord_map_full_reader *r, size_t *n_peers)
{
	struct coord_peer *peers = r->peers;

	*n_peers = r->n_peers;
	r->peers = NULL;
	r->n_peers = 0;
	full_reader_reset(r);
	return peers;
}

static int full_reader_append(struct coord_map_full_reader *r, const struct coord_peer *p)
{
	if (r->n_peers == r->cap) {
		size_t want = r->cap ? r->cap * 2 : 64;
		struct coord_peer *grown;

		if (want > r->expected)
			want = (size_t)r->expected;
		grown = realloc(r->peers, want * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		r->peers = grown;
		r->cap = want;
	}
	r->peers[r->n_peers++] = *p;
	return 0;
}

int coord_map_full_reader_feed(struct coord_map_full_reader *r, const uint8_t *value, size_t len,
			       char *why, size_t why_size)
{
	struct reader rd = { .msg = "MAP_FULL", .why = why, .why_size = why_size };
	uint64_t version;
	uint8_t flags;
	int ret;

	/* A complete map not taken is dropped when the next one starts. */
	if (!r->in_progress)
		full_reader_reset(r);
	burrow_cursor_init(&rd.c, value, len);
	ret = read_varint(&rd, "Version", &version);
	if (!ret)
		ret = read_u8(&rd, "Flags", &flags);
	if (ret)
		goto fail;
	if (flags & ~(COORD_MAP_PART_FIRST | COORD_MAP_PART_LAST)) {
		burrow_errorf(why, why_size, "MAP_FULL: unknown Flags 0x%02x", flags);
		ret = -EBADMSG;
		goto fail;
	}
	if (!!(flags & COORD_MAP_PART_FIRST) == r->in_progress) {
		if (r->in_progress)
			burrow_errorf(why, why_size,
				"MAP_FULL: first part of version %llu while part %zu of version %llu was expected",
				(unsigned long long)version, r->parts + 1,
				(unsigned long long)r->version);
		else
			burrow_errorf(why, why_size,
				"MAP_FULL: continuation part of version %llu without a first part",
				(unsigned long long)version);
		ret = -EBADMSG;
		goto fail;
	}
	if (flags & COORD_MAP_PART_FIRST) {
		uint64_t count;

		ret = read_varint(&rd, "Peer Count", &count);
		if (ret)
			goto fail;
		if (count > COORD_MAP_PEERS_MAX) {
			burrow_errorf(why, why_size, "MAP_FULL: Peer Count %llu (at most %d)",
				(unsigned long long)count, COORD_MAP_PEERS_MAX);
			ret = -EMSGSIZE;
			goto fail;
		}
		ret = read_varint(&rd, "self Node ID", &r->self.id);
		if (!ret)
			ret = read_name(&rd, "self name", r->self.name);
		if (!ret)
			ret = read_addresses(&rd, &r->self.addresses);
		if (ret)
			goto fail;
		r->in_progress = true;
		r->version = version;
		r->expected = count;
	} else if (version != r->version) {
		burrow_errorf(why, why_size, "MAP_FULL: part %zu has version %llu, the map %llu",
			r->parts + 1, (unsigned long long)version, (unsigned long long)r->version);
		ret = -EBADMSG;
		goto fail;
	}
	while (rd.c.left) {
		struct coord_peer p;

		if (r->n_peers == r->expected) {
			burrow_errorf(why, why_size, "MAP_FULL: more peers than Peer Count %llu",
				(unsigned long long)r->expected);
			ret = -EBADMSG;
			goto fail;
		}
		ret = read_peer(&rd, &p);
		if (ret)
			goto fail;
		ret = check_id_order(&rd, "the map", r->n_peers > 0,
				     r->n_peers ? r->peers[r->n_peers - 1].id : 0, p.id);
		if (!ret)
			ret = full_reader_append(r, &p);
		if (ret) {
			coord_peer_free(&p);
			goto fail;
		}
	}
	r->parts++;
	if (!(flags & COORD_MAP_PART_LAST))
		return 0;
	if (r->n_peers != r->expected) {
		burrow_errorf(why, why_size, "MAP_FULL: last part ends after %zu of %llu peers",
			r->n_peers, (unsigned long long)r->expected);
		ret = -EBADMSG;
		goto fail;
	}
	r->in_progress = false;
	return 1;
fail:
	full_reader_reset(r);
	return ret;
}

/* ---- MAP_DELTA ---------------------------------------------------------------- */

int coord_msg_map_delta_encode(struct coord_buf *b, const struct coord_map_delta *m, char *why,
			       size_t why_size)
{
	size_t start;
	int ret = 0;

	for (size_t k = 1; k < m->n_changed; k++)
		if (m->changed[k].id <= m->changed[k - 1].id)
			ret = -EINVAL;
	for (size_t k = 1; k < m->n_removed; k++)
		if (m->removed[k] <= m->removed[k - 1])
			ret = -EINVAL;
	if (ret) {
		burrow_errorf(why, why_size, "MAP_DELTA: peer ids not strictly increasing");
		return ret;
	}
	start = capsule_begin(b);
	buf_varint(b, m->version);
	buf_varint(b, m->n_changed);
	for (size_t k = 0; k < m->n_changed && !ret; k++)
		ret = write_peer(b, "MAP_DELTA", &m->changed[k], why, why_size);
	buf_varint(b, m->n_removed);
	for (size_t k = 0; k < m->n_removed; k++)
		buf_varint(b, m->removed[k]);
	if (ret) {
		b->len = start;
		return ret;
	}
	ret = capsule_end(b, start, COORD_MSG_MAP_DELTA);
	if (ret == -EMSGSIZE)
		burrow_errorf(why, why_size, "MAP_DELTA: %zu changed and %zu removed peers exceed %d bytes",
			m->n_changed, m->n_removed, COORD_MSG_CAPSULE_MAX);
	return ret;
}

int coord_msg_map_delta_decode(const uint8_t *value, size_t len, struct coord_map_delta *out,
			       char *why, size_t why_size)
{
	struct reader r = { .msg = "MAP_DELTA", .why = why, .why_size = why_size };
	size_t n, j = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	burrow_cursor_init(&r.c, value, len);
	ret = read_varint(&r, "Version", &out->version);
	if (!ret)
		ret = read_count(&r, "Changed Count", COORD_MAP_PEERS_MAX, PEER_MIN_BYTES, &n);
	if (ret)
		return ret;
	if (n) {
		out->changed = calloc(n, sizeof(*out->changed));
		if (!out->changed)
			return -ENOMEM;
	}
	for (size_t k = 0; k < n; k++) {
		ret = read_peer(&r, &out->changed[k]);
		if (ret)
			goto fail;
		out->n_changed++;
		ret = check_id_order(&r, "changed peers", k > 0, k ? out->changed[k - 1].id : 0,
				     out->changed[k].id);
		if (ret)
			goto fail;
	}
	ret = read_count(&r, "Removed Count", COORD_MAP_PEERS_MAX, 1, &n);
	if (ret)
		goto fail;
	if (n) {
		out->removed = calloc(n, sizeof(*out->removed));
		if (!out->removed) {
			ret = -ENOMEM;
			goto fail;
		}
	}
	for (size_t k = 0; k < n; k++) {
		uint64_t id;

		ret = read_varint(&r, "removed Node ID", &id);
		if (!ret)
			ret = check_id_order(&r, "removed peers", k > 0, k ? out->removed[k - 1] : 0, id);
		if (ret)
			goto fail;
		out->removed[out->n_removed++] = id;
		/* Both lists increase: one merge pass finds an id in both. */
		while (j < out->n_changed && out->changed[j].id < id)
			j++;
		if (j < out->n_changed && out->changed[j].id == id) {
			burrow_errorf(why, why_size, "MAP_DELTA: duplicate peer id %llu (changed and removed)",
				(unsigned long long)id);
			ret = -EBADMSG;
			goto fail;
		}
	}
	ret = finish(&r);
	if (!ret)
		return 0;
fail:
	coord_map_delta_free(out);
	return ret;
}

void coord_map_delta_free(struct coord_map_delta *m)
{
	coord_peers_free(m->changed, m->n_changed);
	free(m->removed);
	memset(m, 0, sizeof(*m));
}

/* ---- RELAY_REVOKE ---------------------------------------------------------------- */

int coord_msg_relay_revoke_encode(struct coord_buf *b, uint32_t ticket_id)
{
	size_t start = capsule_begin(b);

	buf_varint(b, ticket_id);
	return capsule_end(b, start, COORD_MSG_RELAY_REVOKE);
}

int coord_msg_relay_revoke_decode(const uint8_t *value, size_t len, uint32_t *ticket_id,
				  char *why, size_t why_size)
{
	struct reader r = { .msg = "RELAY_REVOKE", .why = why, .why_size = why_size };
	uint64_t id;
	int ret;

	burrow_cursor_init(&r.c, value, len);
	ret = read_varint(&r, "Ticket ID", &id);
	if (ret)
		return ret;
	if (id == 0 || id > UINT32_MAX) {
		burrow_errorf(why, why_size, "RELAY_REVOKE: Ticket ID %llu is not 1..4294967295",
			      (unsigned long long)id);
		return -EBADMSG;
	}
	*ticket_id = (uint32_t)id;
	return finish(&r);
}

/* ---- RELAY_BIND and CONTROL_TICKET: one relay ticket's bytes ------------------ */

static int ticket_encode(struct coord_buf *b, uint64_t type,
			 const uint8_t ticket[COORD_RELAY_TICKET_LEN])
{
	size_t start = capsule_begin(b);

	buf_bytes(b, ticket, COORD_RELAY_TICKET_LEN);
	return capsule_end(b, start, type);
}

/* The value is exactly one ticket; NAME is the message's, for the reason. */
static int ticket_length(const char *name, size_t len, char *why, size_t why_size)
{
	if (len != COORD_RELAY_TICKET_LEN) {
		burrow_errorf(why, why_size, "%s: Ticket is %zu bytes, not %d", name, len,
			      COORD_RELAY_TICKET_LEN);
		return -EBADMSG;
	}
	return 0;
}

int coord_msg_relay_bind_encode(struct coord_buf *b, const uint8_t ticket[COORD_RELAY_TICKET_LEN])
{
	return ticket_encode(b, COORD_MSG_RELAY_BIND, ticket);
}

int coord_msg_relay_bind_decode(const uint8_t *value, size_t len,
				uint8_t ticket[COORD_RELAY_TICKET_LEN], char *why, size_t why_size)
{
	if (ticket_length("RELAY_BIND", len, why, why_size))
		return -EBADMSG;
	memcpy(ticket, value, COORD_RELAY_TICKET_LEN);
	return 0;
}

int coord_msg_control_ticket_encode(struct coord_buf *b,
				    const uint8_t ticket[COORD_RELAY_TICKET_LEN])
{
	return ticket_encode(b, COORD_MSG_CONTROL_TICKET, ticket);
}

int coord_msg_control_ticket_decode(const uint8_t *value, size_t len,
				    uint8_t ticket[COORD_RELAY_TICKET_LEN], char *why,
				    size_t why_size)
{
	if (ticket_length("CONTROL_TICKET", len, why, why_size))
		return -EBADMSG;
	/* relay_ticket.h's framing: version 1, 3 reserved zero bytes, a non-zero id */
	if (value[0] != 1) {
		burrow_errorf(why, why_size, "CONTROL_TICKET: Ticket version %u, not 1", value[0]);
		return -EBADMSG;
	}
	if (value[1] || value[2] || value[3]) {
		burrow_errorf(why, why_size, "CONTROL_TICKET: Ticket reserved bytes not zero");
		return -EBADMSG;
	}
	if (!(value[4] | value[5] | value[6] | value[7])) {
		burrow_errorf(why, why_size, "CONTROL_TICKET: Ticket ID is 0");
		return -EBADMSG;
	}
	memcpy(ticket, value, COORD_RELAY_TICKET_LEN);
	return 0;
}

/* ---- OBSERVED_ADDRESS ----------------------------------------------------------- */

int coord_msg_observed_address_encode(struct coord_buf *b, const struct burrow_nl_endpoint *e,
				      char *why, size_t why_size)
{
	size_t start = capsule_begin(b);

	if (!write_endpoint(b, e)) {
		burrow_errorf(why, why_size, "OBSERVED_ADDRESS: family %u port %u", e->family,
			e->port);
		b->len = start;
		return -EINVAL;
	}
	return capsule_end(b, start, COORD_MSG_OBSERVED_ADDRESS);
}

int coord_msg_observed_address_decode(const uint8_t *value, size_t len,
				      struct burrow_nl_endpoint *out, char *why, size_t why_size)
{
	struct reader r = { .msg = "OBSERVED_ADDRESS", .why = why, .why_size = why_size };
	int ret;

	memset(out, 0, sizeof(*out));
	burrow_cursor_init(&r.c, value, len);
	ret = read_endpoint(&r, 0, out);
	if (!ret)
		ret = finish(&r);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}

/* ---- RELAY_REQUEST, RELAY_OFFER ------------------------------------------------ */

int coord_msg_relay_request_encode(struct coord_buf *b, const uint8_t peer_key[32])
{
	size_t start = capsule_begin(b);

	buf_bytes(b, peer_key, 32);
	return capsule_end(b, start, COORD_MSG_RELAY_REQUEST);
}

int coord_msg_relay_request_decode(const uint8_t *value, size_t len, uint8_t peer_key[32],
				   char *why, size_t why_size)
{
	struct reader r = { .msg = "RELAY_REQUEST", .why = why, .why_size = why_size };
	const uint8_t *key;
	int ret;

	burrow_cursor_init(&r.c, value, len);
	ret = read_bytes(&r, "Peer Public Key", 32, &key);
	if (ret)
		return ret;
	memcpy(peer_key, key, 32);
	return finish(&r);
}

int coord_msg_relay_offer_encode(struct coord_buf *b, const struct coord_relay_offer *m, char *why,
				 size_t why_size)
{
	size_t start, reason_len = 0;
	int ret = 0;

	if (m->refused) {
		reason_len = strnlen(m->reason, sizeof(m->reason));
		if (reason_len > COORD_REASON_MAX ||
		    !utf8_valid((const uint8_t *)m->reason, reason_len)) {
			burrow_errorf(why, why_size, "RELAY_OFFER: reason is not UTF-8 of at most %d bytes",
				      COORD_REASON_MAX);
			return -EINVAL;
		}
	}
	start = capsule_begin(b);
	buf_bytes(b, m->peer_key, 32);
	buf_u8(b, m->refused ? COORD_RELAY_OFFER_REFUSED : COORD_RELAY_OFFER_OK);
	if (m->refused) {
		buf_varint(b, reason_len);
		buf_bytes(b, m->reason, reason_len);
	} else {
		buf_varint(b, COORD_RELAY_TICKET_LEN);
		buf_bytes(b, m->ticket, COORD_RELAY_TICKET_LEN);
		/* One endpoint, as an ENDPOINTS entry (without a count). */
		if (!write_endpoint(b, &m->relay)) {
			burrow_errorf(why, why_size, "RELAY_OFFER: relay endpoint has family %u port %u",
				      m->relay.family, m->relay.port);
			ret = -EINVAL;
		}
	}
	if (ret) {
		b->len = start;
		return ret;
	}
	return capsule_end(b, start, COORD_MSG_RELAY_OFFER);
}

int coord_msg_relay_offer_decode(const uint8_t *value, size_t len, struct coord_relay_offer *out,
				 char *why, size_t why_size)
{
	struct reader r = { .msg = "RELAY_OFFER", .why = why, .why_size = why_size };
	const uint8_t *p;
	size_t n;
	uint8_t status;
	int ret;

	memset(out, 0, sizeof(*out));
	burrow_cursor_init(&r.c, value, len);
	ret = read_bytes(&r, "Peer Public Key", 32, &p);
	if (ret)
		return ret;
	memcpy(out->peer_key, p, 32);
	ret = read_u8(&r, "Status", &status);
	if (ret)
		return ret;
	if (status == COORD_RELAY_OFFER_REFUSED) {
		out->refused = true;
		ret = read_counted(&r, "Reason Length", "Reason", COORD_REASON_MAX, &p, &n);
		if (ret)
			return ret;
		if (!utf8_valid(p, n)) {
			burrow_errorf(why, why_size, "RELAY_OFFER: Reason is not UTF-8");
			return -EBADMSG;
		}
		memcpy(out->reason, p, n);
		out->reason[n] = '\0';
		return finish(&r);
	}
	if (status != COORD_RELAY_OFFER_OK) {
		burrow_errorf(why, why_size, "RELAY_OFFER: unknown Status %u", status);
		return -EBADMSG;
	}
	ret = read_counted(&r, "Ticket Length", "Ticket", COORD_RELAY_TICKET_LEN, &p, &n);
	if (ret)
		return ret;
	if (n != COORD_RELAY_TICKET_LEN) {
		burrow_errorf(why, why_size, "RELAY_OFFER: Ticket Length %zu (must be %d)", n,
			      COORD_RELAY_TICKET_LEN);
		return -EBADMSG;
	}
	memcpy(out->ticket, p, n);
	ret = read_endpoint(&r, 0, &out->relay);
	return ret ? ret : finish(&r);
}

/* ---- MAP_REQUEST_FULL, ENDPOINTS ---------------------------------------------- */

int coord_msg_map_request_full_encode(struct coord_buf *b, uint64_t last_version)
{
	size_t start = capsule_begin(b);

	buf_varint(b, last_version);
	return capsule_end(b, start, COORD_MSG_MAP_REQUEST_FULL);
}

int coord_msg_map_request_full_decode(const uint8_t *value, size_t len, uint64_t *last_version,
				      char *why, size_t why_size)
{
	struct reader r = { .msg = "MAP_REQUEST_FULL", .why = why, .why_size = why_size };
	int ret;

	burrow_cursor_init(&r.c, value, len);
	ret = read_varint(&r, "Last Version", last_version);
	return ret ? ret : finish(&r);
}

int coord_msg_endpoints_encode(struct coord_buf *b, const struct burrow_nl_endpoint *endpoints,
			       size_t n, char *why, size_t why_size)
{
	size_t start = capsule_begin(b);
	int ret = write_endpoints(b, "ENDPOINTS", endpoints, n, why, why_size);

	if (ret) {
		b->len = start;
		return ret;
	}
	return capsule_end(b, start, COORD_MSG_ENDPOINTS);
}

int coord_msg_endpoints_decode(const uint8_t *value, size_t len,
			       struct burrow_nl_endpoint **endpoints, size_t *n, char *why,
			       size_t why_size)
{
	struct reader r = { .msg = "ENDPOINTS", .why = why, .why_size = why_size };
	int ret;

	burrow_cursor_init(&r.c, value, len);
	ret = read_endpoints(&r, endpoints, n);
	if (!ret)
		ret = finish(&r);
	if (ret) {
		free(*endpoints);
		*endpoints = NULL;
		*n = 0;
	}
	return ret;
}

/* ---- DNS_CONFIG ----------------------------------------------------------------- */

/* Whether name is domain or a name under it. */
static bool dns_under(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	return n >= d && !strcmp(name + n - d, domain) && (n == d || name[n - d - 1] == '.');
}

static int dns_domain_check(const char *field, const char *domain, char *why, size_t why_size)
{
	char reason[160];

	if (!burrow_dns_domain_valid(domain, reason, sizeof(reason))) {
		burrow_errorf(why, why_size, "%s: %s", field, reason);
		return -EINVAL;
	}
	for (const char *c = domain; *c; c++) {
		if ((*c >= 'A' && *c <= 'Z') || (*c == '.' && !c[1])) {
			burrow_errorf(why, why_size, "%s: '%s' is not lower-case without a final dot",
				field, domain);
			return -EINVAL;
		}
	}
	return 0;
}

int coord_dns_config_check(const struct coord_dns_config *m, char *why, size_t why_size)
{
	if (dns_domain_check("domain", m->domain, why, why_size))
		return -EINVAL;
	if (m->n_splits > COORD_DNS_SPLITS_MAX) {
		burrow_errorf(why, why_size, "more than %d split domains", COORD_DNS_SPLITS_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < m->n_splits; i++) {
		const struct coord_dns_split *s = &m->splits[i];

		if (dns_domain_check("split domain", s->domain, why, why_size))
			return -EINVAL;
		if (dns_under(s->domain, m->domain)) {
			burrow_errorf(why, why_size,
				"split domain '%s' is the mesh domain '%s' or under it", s->domain,
				m->domain);
			return -EINVAL;
		}
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(m->splits[j].domain, s->domain)) {
				burrow_errorf(why, why_size, "split domain '%s' is given twice",
					s->domain);
				return -EINVAL;
			}
		}
		if (s->n_servers < 1 || s->n_servers > COORD_DNS_SERVERS_MAX) {
			burrow_errorf(why, why_size, "split domain '%s' has %zu servers (1-%d)",
				s->domain, s->n_servers, COORD_DNS_SERVERS_MAX);
			return -EINVAL;
		}
		for (size_t j = 0; j < s->n_servers; j++) {
			if (s->servers[j].family != AF_INET && s->servers[j].family != AF_INET6) {
				burrow_errorf(why, why_size, "split domain '%s': server %zu has family %d",
					s->domain, j + 1, s->servers[j].family);
				return -EINVAL;
			}
		}
	}
	return 0;
}

bool coord_dns_config_equal(const struct coord_dns_config *a, const struct coord_dns_config *b)
{
	if (strcmp(a->domain, b->domain) || a->n_splits != b->n_splits)
		return false;
	for (size_t i = 0; i < a->n_splits; i++) {
		const struct coord_dns_split *x = &a->splits[i], *y = &b->splits[i];

		if (strcmp(x->domain, y->domain) || x->n_servers != y->n_servers)
			return false;
		for (size_t j = 0; j < x->n_servers; j++)
			if (x->servers[j].family != y->servers[j].family ||
			    memcmp(x->servers[j].addr, y->servers[j].addr,
				   family_bytes(x->servers[j].family)))
				return false;
	}
	return true;
}

static void write_domain(struct coord_buf *b, const char *domain)
{
	size_t n = strlen(domain);

	buf_varint(b, n);
	buf_bytes(b, domain, n);
}

int coord_msg_dns_config_encode(struct coord_buf *b, const struct coord_dns_config *m, char *why,
				size_t why_size)
{
	size_t start;
	char reason[200];

	if (coord_dns_config_check(m, reason, sizeof(reason))) {
		burrow_errorf(why, why_size, "DNS_CONFIG: %s", reason);
		return -EINVAL;
	}
	start = capsule_begin(b);
	write_domain(b, m->domain);
	buf_varint(b, m->n_splits);
	for (size_t i = 0; i < m->n_splits; i++) {
		const struct coord_dns_split *s = &m->splits[i];

		write_domain(b, s->domain);
		buf_varint(b, s->n_servers);
		for (size_t j = 0; j < s->n_servers; j++) {
			buf_u8(b, version_of(s->servers[j].family));
			buf_bytes(b, s->servers[j].addr, family_bytes(s->servers[j].family));
		}
	}
	return capsule_end(b, start, COORD_MSG_DNS_CONFIG);
}

static int read_domain(struct reader *r, const char *field, char out[COORD_DNS_DOMAIN_MAX + 1])
{
	const uint8_t *p;
	size_t n;
	int ret = read_counted(r, "Domain Length", field, COORD_DNS_DOMAIN_MAX, &p, &n);

	if (ret)
		return ret;
	if (memchr(p, 0, n)) {
		burrow_errorf(r->why, r->why_size, "%s: %s holds a NUL byte", r->msg, field);
		return -EBADMSG;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

int coord_msg_dns_config_decode(const uint8_t *value, size_t len, struct coord_dns_config *out,
				char *why, size_t why_size)
{
	struct reader r = { .msg = "DNS_CONFIG", .why = why, .why_size = why_size };
	uint64_t count;
	char reason[200];
	int ret;

	memset(out, 0, sizeof(*out));
	burrow_cursor_init(&r.c, value, len);
	ret = read_domain(&r, "Domain", out->domain);
	if (!ret)
		ret = read_varint(&r, "Split Count", &count);
	if (!ret && count > COORD_DNS_SPLITS_MAX) {
		burrow_errorf(why, why_size, "DNS_CONFIG: Split Count %llu (at most %d)",
			(unsigned long long)count, COORD_DNS_SPLITS_MAX);
		ret = -EBADMSG;
	}
	for (size_t i = 0; !ret && i < count; i++) {
		struct coord_dns_split *s = &out->splits[i];
		uint64_t servers;

		out->n_splits = i + 1;
		ret = read_domain(&r, "Split Domain", s->domain);
		if (!ret)
			ret = read_varint(&r, "Server Count", &servers);
		if (!ret && (servers < 1 || servers > COORD_DNS_SERVERS_MAX)) {
			burrow_errorf(why, why_size, "DNS_CONFIG: Server Count %llu (1-%d)",
				(unsigned long long)servers, COORD_DNS_SERVERS_MAX);
			ret = -EBADMSG;
		}
		for (size_t j = 0; !ret && j < servers; j++) {
			const uint8_t *p;

			ret = read_family(&r, "Server", j, &s->servers[j].family);
			if (!ret)
				ret = read_bytes(&r, "Server Address",
						 family_bytes(s->servers[j].family), &p);
			if (!ret) {
				memcpy(s->servers[j].addr, p, family_bytes(s->servers[j].family));
				s->n_servers = j + 1;
			}
		}
	}
	if (!ret)
		ret = finish(&r);
	if (!ret && coord_dns_config_check(out, reason, sizeof(reason))) {
		burrow_errorf(why, why_size, "DNS_CONFIG: %s", reason);
		ret = -EBADMSG;
	}
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}
