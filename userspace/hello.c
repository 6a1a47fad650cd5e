// SPDX-License-Identifier: GPL-2.0
/* HELLO capsule codec and parameter selection: see hello.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "capsule.h"
#include "burrow-text.h"
#include "hello.h"

static const char *const cipher_names[BURROW_HELLO_CIPHER_COUNT] = {
	"chacha20-poly1305", "aes-128-gcm", "aes-256-gcm",
};
static const char *const encap_names[BURROW_HELLO_ENCAP_COUNT] = { "udp", "quic" };

const char *burrow_cipher_name(uint8_t cipher)
{
	return cipher < BURROW_HELLO_CIPHER_COUNT ? cipher_names[cipher] : NULL;
}

const char *burrow_encap_name(uint8_t encap)
{
	return encap < BURROW_HELLO_ENCAP_COUNT ? encap_names[encap] : NULL;
}

int burrow_cipher_from_name(const char *name, uint8_t *cipher)
{
	for (uint8_t i = 0; i < BURROW_HELLO_CIPHER_COUNT; i++) {
		if (!strcmp(name, cipher_names[i])) {
			*cipher = i;
			return 0;
		}
	}
	return -EINVAL;
}

int burrow_encap_from_name(const char *name, uint8_t *encap)
{
	for (uint8_t i = 0; i < BURROW_HELLO_ENCAP_COUNT; i++) {
		if (!strcmp(name, encap_names[i])) {
			*encap = i;
			return 0;
		}
	}
	return -EINVAL;
}

bool burrow_hello_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > BURROW_HELLO_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

#define WHY(...) do { if (why_size) snprintf(why, why_size, __VA_ARGS__); } while (0)

int burrow_hello_encode(const struct burrow_hello *hello, uint8_t *out, size_t out_size,
			char *why, size_t why_size)
{
	struct burrow_writer w;
	size_t i;

	if (!burrow_hello_name_valid(hello->name)) {
		WHY("invalid node name '%s'", hello->name);
		return -EINVAL;
	}
	if (hello->peer_id == 0) {
		WHY("peer id 0");
		return -EINVAL;
	}
	if (hello->n_ciphers > BURROW_HELLO_LIST_MAX || hello->n_encaps > BURROW_HELLO_LIST_MAX ||
	    hello->n_cids > BURROW_HELLO_CID_MAX) {
		WHY("list too long");
		return -EINVAL;
	}
	if (hello->mtu < BURROW_HELLO_MTU_MIN || hello->mtu > BURROW_HELLO_MTU_MAX) {
		WHY("mtu %u outside %u-%u", hello->mtu, BURROW_HELLO_MTU_MIN, BURROW_HELLO_MTU_MAX);
		return -EINVAL;
	}
	if (hello->mode == BURROW_HELLO_MODE_L3 ? hello->n_segments != 0
						: hello->n_segments > BURROW_HELLO_SEGMENTS_MAX) {
		WHY("%zu segments in mode %s", hello->n_segments,
		    burrow_text_mode(hello->mode) ? burrow_text_mode(hello->mode) : "?");
		return -EINVAL;
	}
	for (i = 0; i < hello->n_segments; i++) {
		if (hello->segments[i] > BURROW_HELLO_SEGMENT_MAX ||
		    (i && hello->segments[i] <= hello->segments[i - 1])) {
			WHY("segment %u out of range or out of order", hello->segments[i]);
			return -EINVAL;
		}
	}
	burrow_writer_init(&w, out, out_size);
	burrow_writer_varint(&w, hello->version);
	burrow_writer_varint(&w, strlen(hello->name));
	burrow_writer_bytes(&w, (const uint8_t *)hello->name, strlen(hello->name));
	burrow_writer_varint(&w, hello->peer_id);
	burrow_writer_varint(&w, hello->n_ciphers);
	for (i = 0; i < hello->n_ciphers; i++)
		burrow_writer_varint(&w, hello->ciphers[i]);
	burrow_writer_varint(&w, hello->n_encaps);
	for (i = 0; i < hello->n_encaps; i++)
		burrow_writer_varint(&w, hello->encaps[i]);
	burrow_writer_varint(&w, hello->mtu);
	burrow_writer_varint(&w, hello->n_cids);
	for (i = 0; i < hello->n_cids; i++) {
		const struct burrow_hello_cid *cid = &hello->cids[i];

		if (cid->len == 0 || cid->len > BURROW_HELLO_CID_LEN_MAX) {
			WHY("connection id %zu has length %u", i, cid->len);
			return -EINVAL;
		}
		burrow_writer_varint(&w, cid->len);
		burrow_writer_bytes(&w, cid->id, cid->len);
	}
	/* Optional: an l3 HELLO ends here, as before the field existed. */
	if (hello->mode != BURROW_HELLO_MODE_L3) {
		burrow_writer_varint(&w, hello->mode);
		burrow_writer_varint(&w, hello->n_segments);
		for (i = 0; i < hello->n_segments; i++)
			burrow_writer_varint(&w, hello->segments[i]);
	}
	if (w.error) {
		WHY("HELLO does not fit %zu bytes", out_size);
		return w.error;
	}
	return (int)w.len;
}

/* Read a list of small enum values; unknown ones and duplicates are skipped. */
static int decode_enum_list(struct burrow_cursor *c, uint64_t known, uint8_t *list,
			    size_t *count)
{
	uint64_t n = burrow_cursor_varint(c);

	*count = 0;
	if (c->error || n > BURROW_HELLO_LIST_MAX)
		return -EBADMSG;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t v = burrow_cursor_varint(c);
		bool seen = false;

		if (c->error)
			return -EBADMSG;
		if (v >= known)
			continue;
		for (size_t j = 0; j < *count; j++)
			seen |= list[j] == v;
		if (!seen)
			list[(*count)++] = (uint8_t)v;
	}
	return 0;
}

int burrow_hello_decode(const uint8_t *value, size_t len, struct burrow_hello *hello,
			char *why, size_t why_size)
{
	struct burrow_cursor c;
	const uint8_t *p;
	uint64_t n, v;

	memset(hello, 0, sizeof(*hello));
	burrow_cursor_init(&c, value, len);

	hello->version = burrow_cursor_varint(&c);
	if (c.error) {
		WHY("truncated version");
		return -EBADMSG;
	}
	if (hello->version == 0) {
		WHY("version 0");
		return -EBADMSG;
	}
	n = burrow_cursor_varint(&c);
	if (c.error || n == 0 || n > BURROW_HELLO_NAME_MAX) {
		WHY("bad node name length");
		return -EBADMSG;
	}
	p = burrow_cursor_bytes(&c, (size_t)n);
	if (!p) {
		WHY("truncated node name");
		return -EBADMSG;
	}
	memcpy(hello->name, p, (size_t)n);
	hello->name[n] = '\0';
	if (strlen(hello->name) != n || !burrow_hello_name_valid(hello->name)) {
		WHY("node name has characters outside [A-Za-z0-9._-]");
		return -EBADMSG;
	}
	v = burrow_cursor_varint(&c);
	if (c.error || v == 0 || v > UINT32_MAX) {
		WHY("bad peer id");
		return -EBADMSG;
	}
	hello->peer_id = (uint32_t)v;
	if (decode_enum_list(&c, BURROW_HELLO_CIPHER_COUNT, hello->ciphers, &hello->n_ciphers)) {
		WHY("bad cipher list");
		return -EBADMSG;
	}
	if (decode_enum_list(&c, BURROW_HELLO_ENCAP_COUNT, hello->encaps, &hello->n_encaps)) {
		WHY("bad encapsulation list");
		return -EBADMSG;
	}
	v = burrow_cursor_varint(&c);
	if (c.error) {
		WHY("bad mtu");
		return -EBADMSG;
	}
	if (v < BURROW_HELLO_MTU_MIN || v > BURROW_HELLO_MTU_MAX) {
		WHY("mtu %llu outside %u-%u", (unsigned long long)v, BURROW_HELLO_MTU_MIN,
		    BURROW_HELLO_MTU_MAX);
		return -EBADMSG;
	}
	hello->mtu = (uint32_t)v;
	n = burrow_cursor_varint(&c);
	if (c.error || n > BURROW_HELLO_CID_MAX) {
		WHY("bad connection id count");
		return -EBADMSG;
	}
	for (uint64_t i = 0; i < n; i++) {
		struct burrow_hello_cid *cid = &hello->cids[i];

		v = burrow_cursor_varint(&c);
		if (c.error || v == 0 || v > BURROW_HELLO_CID_LEN_MAX) {
			WHY("bad connection id length");
			return -EBADMSG;
		}
		p = burrow_cursor_bytes(&c, (size_t)v);
		if (!p) {
			WHY("truncated connection id");
			return -EBADMSG;
		}
		cid->len = (uint8_t)v;
		memcpy(cid->id, p, cid->len);
	}
	hello->n_cids = (size_t)n;
	if (c.left) {
		/* The optional link mode: present, it is not l3 (one encoding). */
		hello->mode = burrow_cursor_varint(&c);
		if (c.error) {
			WHY("truncated link mode");
			return -EBADMSG;
		}
		if (hello->mode == BURROW_HELLO_MODE_L3) {
			WHY("link mode 0 (l3 is sent by leaving the field out)");
			return -EBADMSG;
		}
		n = burrow_cursor_varint(&c);
		if (c.error) {
			WHY("truncated segment count");
			return -EBADMSG;
		}
		if (n > BURROW_HELLO_SEGMENTS_MAX) {
			WHY("%llu segments (at most %u)", (unsigned long long)n,
			    BURROW_HELLO_SEGMENTS_MAX);
			return -EBADMSG;
		}
		for (uint64_t i = 0; i < n; i++) {
			v = burrow_cursor_varint(&c);
			if (c.error) {
				WHY("truncated segment");
				return -EBADMSG;
			}
			if (v > BURROW_HELLO_SEGMENT_MAX) {
				WHY("segment %llu outside 0-%u", (unsigned long long)v,
				    BURROW_HELLO_SEGMENT_MAX);
				return -EBADMSG;
			}
			if (i && v <= hello->segments[i - 1]) {
				WHY("segment %llu after %u (the list is strictly ascending)",
				    (unsigned long long)v, hello->segments[i - 1]);
				return -EBADMSG;
			}
			hello->segments[i] = (uint16_t)v;
		}
		hello->n_segments = (size_t)n;
	}
	if (burrow_cursor_finish(&c)) {
		WHY("%zu trailing bytes", c.left);
		return -EBADMSG;
	}
	return 0;
}

static void format_list(char *out, size_t size, const uint8_t *list, size_t n,
			const char *(*name)(uint8_t))
{
	size_t used = 0;

	used += (size_t)snprintf(out, size, "[");
	for (size_t i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s", i ? "," : "",
					 name(list[i]));
	if (used < size)
		snprintf(out + used, size - used, "]");
}

const char *burrow_hello_segments_text(const uint16_t *list, size_t n, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++) {
		/* Room for ",4094" and, should more follow, "..." */
		if (used + 10 > size) {
			snprintf(out + used, size - used, "...");
			break;
		}
		used += (size_t)snprintf(out + used, size - used, "%s%u", i ? "," : "", list[i]);
	}
	return out;
}

static const char *mode_text(uint64_t mode, char *buf, size_t size)
{
	if (burrow_text_mode(mode))
		return burrow_text_mode(mode);
	snprintf(buf, size, "mode %llu", (unsigned long long)mode);
	return buf;
}

static bool list_has(const uint8_t *list, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

int burrow_hello_select(const struct burrow_hello *client, const struct burrow_hello *server,
			struct burrow_session_params *params, char *why, size_t why_size)
{
	char a[128], b[128];
	size_t i;

	memset(params, 0, sizeof(*params));
	params->version = client->version < server->version ? client->version : server->version;
	if (params->version != BURROW_PROTOCOL_VERSION) {
		WHY("no common protocol version: client speaks up to %llu, server up to %llu",
		    (unsigned long long)client->version, (unsigned long long)server->version);
		return -ENOENT;
	}
	if (client->mode != server->mode) {
		WHY("link mode mismatch: client is %s, server is %s",
		    mode_text(client->mode, a, sizeof(a)), mode_text(server->mode, b, sizeof(b)));
		return -ENOENT;
	}
	if (client->mode != BURROW_HELLO_MODE_L2 && client->mode != BURROW_HELLO_MODE_L3) {
		WHY("unknown link mode %llu", (unsigned long long)client->mode);
		return -ENOENT;
	}
	for (i = 0; i < client->n_ciphers; i++)
		if (list_has(server->ciphers, server->n_ciphers, client->ciphers[i]))
			break;
	if (i == client->n_ciphers) {
		format_list(a, sizeof(a), client->ciphers, client->n_ciphers, burrow_cipher_name);
		format_list(b, sizeof(b), server->ciphers, server->n_ciphers, burrow_cipher_name);
		WHY("no common cipher: client offers %s, server offers %s", a, b);
		return -ENOENT;
	}
	params->cipher = client->ciphers[i];
	for (i = 0; i < client->n_encaps; i++) {
		uint8_t e = client->encaps[i];

		if (!list_has(server->encaps, server->n_encaps, e))
			continue;
		if (e == 1 /* quic */ && (client->n_cids == 0 || server->n_cids == 0))
			continue;
		break;
	}
	if (i == client->n_encaps) {
		format_list(a, sizeof(a), client->encaps, client->n_encaps, burrow_encap_name);
		format_list(b, sizeof(b), server->encaps, server->n_encaps, burrow_encap_name);
		WHY("no common encapsulation: client offers %s, server offers %s", a, b);
		return -ENOENT;
	}
	params->encap = client->encaps[i];
	params->mtu = client->mtu < server->mtu ? client->mtu : server->mtu;
	params->mode = (uint8_t)client->mode;
	if (params->mode != BURROW_HELLO_MODE_L2)
		return 0;
	for (i = 0; i < client->n_segments; i++)
		for (size_t j = 0; j < server->n_segments; j++)
			if (client->segments[i] == server->segments[j])
				params->segments[params->n_segments++] = client->segments[i];
	if (!params->n_segments) {
		WHY("no common segment: client wants [%s], server wants [%s]",
		    burrow_hello_segments_text(client->segments, client->n_segments, a, sizeof(a)),
		    burrow_hello_segments_text(server->segments, server->n_segments, b, sizeof(b)));
		return -ENOENT;
	}
	return 0;
}
