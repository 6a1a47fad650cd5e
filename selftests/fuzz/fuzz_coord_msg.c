// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the coordination stream. The input (after a first byte
 * choosing the chunk size) is a capsule stream read with the coordination
 * reader; every capsule goes to its decoder, MAP_FULL parts to the full
 * map reassembler and MAP_DELTA to a node map, as a node would. Invariants:
 * capsule values stay within COORD_MSG_CAPSULE_MAX; what decodes re-encodes
 * to the same bytes (MAP_DELTA, REGISTER, ENDPOINTS, MAP_REQUEST_FULL,
 * OBSERVED_ADDRESS, RELAY_REVOKE, RELAY_REQUEST, RELAY_OFFER); a
 * refusal always names its reason; the map's ids strictly increase and
 * every peer is found by id and by key after each apply.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coord_map.h"
#include "coord_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_bytes(const struct coord_buf *b, const struct burrow_capsule *c)
{
	struct burrow_capsule again;

	if (burrow_capsule_parse_bounded(b->data, b->len, COORD_MSG_CAPSULE_MAX, &again) !=
	    (int)b->len || again.length != c->length || memcmp(again.value, c->value, c->length))
		abort();
}

static void check_map(const struct coord_map *m)
{
	for (size_t i = 0; i < coord_map_size(m); i++) {
		const struct coord_peer *p = coord_map_peer_at(m, i);

		if ((i && p->id <= coord_map_peer_at(m, i - 1)->id) ||
		    coord_map_peer_by_id(m, p->id) != p ||
		    coord_map_peer_by_key(m, p->public_key) != p)
			abort();
	}
}

static void handle(const struct burrow_capsule *c, struct coord_map_full_reader *full,
		   struct coord_map *map)
{
	struct coord_buf b;
	char why[300] = "";
	int ret;

	coord_buf_init(&b);
	switch (c->type) {
	case COORD_MSG_REGISTER: {
		struct coord_register m;

		ret = coord_msg_register_decode(c->value, c->length, &m, why, sizeof(why));
		if (!ret) {
			if (coord_msg_register_encode(&b, &m, why, sizeof(why)))
				abort();
			same_bytes(&b, c);
			coord_register_free(&m);
		}
		break;
	}
	case COORD_MSG_REGISTER_RESULT: {
		struct coord_register_result m;

		ret = coord_msg_register_result_decode(c->value, c->length, &m, why, sizeof(why));
		if (!ret) {
			if (coord_msg_register_result_encode(&b, &m, why, sizeof(why)))
				abort();
			same_bytes(&b, c);
		}
		break;
	}
	case COORD_MSG_MAP_FULL:
		ret = coord_map_full_reader_feed(full, c->value, c->length, why, sizeof(why));
		if (ret == 1) {
			struct coord_map_self self = full->self;
			uint64_t version = full->version;
			size_t n;
			struct coord_peer *peers = coord_map_full_reader_take(full, &n);

			ret = coord_map_apply_full(map, version, &self, peers, n, why, sizeof(why));
			if (ret && !why[0])
				abort();
			check_map(map);
			ret = 0;
		}
		break;
	case COORD_MSG_MAP_DELTA: {
		struct coord_map_delta d;

		ret = coord_msg_map_delta_decode(c->value, c->length, &d, why, sizeof(why));
		if (!ret) {
			if (coord_msg_map_delta_encode(&b, &d, why, sizeof(why)))
				abort();
			same_bytes(&b, c);
			ret = coord_map_apply_delta(map, &d, why, sizeof(why));
			if (ret && !why[0])
				abort();
			check_map(map);
			coord_map_delta_free(&d);
			ret = 0;
		}
		break;
	}
	case COORD_MSG_MAP_REQUEST_FULL: {
		uint64_t v;

		ret = coord_msg_map_request_full_decode(c->value, c->length, &v, why, sizeof(why));
		if (!ret) {
			if (coord_msg_map_request_full_encode(&b, v))
				abort();
			same_bytes(&b, c);
		}
		break;
	}
	case COORD_MSG_ENDPOINTS: {
		struct burrow_nl_endpoint *e;
		size_t n;

		ret = coord_msg_endpoints_decode(c->value, c->length, &e, &n, why, sizeof(why));
		if (!ret) {
			if (coord_msg_endpoints_encode(&b, e, n, why, sizeof(why)))
				abort();
			same_bytes(&b, c);
			free(e);
		}
		break;
	}
	case COORD_MSG_OBSERVED_ADDRESS: {
		struct burrow_nl_endpoint e;

		ret = coord_msg_observed_address_decode(c->value, c->length, &e, why, sizeof(why));
		if (!ret) {
			if (coord_msg_observed_address_encode(&b, &e, why, sizeof(why)))
				abort();
			same_bytes(&b, c);
		}
		break;
	}
	case COORD_MSG_RELAY_REVOKE: {
		uint32_t id;

		ret = coord_msg_relay_revoke_decode(c->value, c->length, &id, why, sizeof(why));
		if (!ret) {
			if (coord_msg_relay_revoke_encode(&b, id))
				abort();
			same_bytes(&b, c);
		}
		break;
	}
	case COORD_MSG_DNS_CONFIG: {
		static struct coord_dns_config dns;

		ret = coord_msg_dns_config_decode(c->value, c->length, &dns, why, sizeof(why));
		break;
	}
	case COORD_MSG_RELAY_REQUEST: {
		uint8_t key[32];

		ret = coord_msg_relay_request_decode(c->value, c->length, key, why, sizeof(why));
		if (!ret) {
			if (coord_msg_relay_request_encode(&b, key))
				abort();
			same_bytes(&b, c);
		}
		break;
	}
	case COORD_MSG_RELAY_OFFER: {
		static struct coord_relay_offer offer;

		ret = coord_msg_relay_offer_decode(c->value, c->length, &offer, why, sizeof(why));
		if (!ret) {
			if (coord_msg_relay_offer_encode(&b, &offer, why, sizeof(why)))
				abort();
			same_bytes(&b, c);
		}
		break;
	}
	default:
		abort();	/* the reader keeps only coordination types */
	}
	if (ret < 0 && !why[0])
		abort();
	coord_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct burrow_capsule_reader r;
	struct coord_map_full_reader full;
	struct coord_map map;
	struct burrow_capsule c;
	size_t chunk;

	if (size == 0)
		return 0;
	chunk = (size_t)data[0] % 13 + 1;
	data++;
	size--;
	coord_msg_reader_init(&r);
	coord_map_full_reader_init(&full);
	coord_map_init(&map);
	for (size_t off = 0; off < size; off += chunk) {
		size_t len = size - off < chunk ? size - off : chunk;
		int ret = burrow_capsule_reader_push(&r, data + off, len);

		while (ret == 0 && (ret = burrow_capsule_reader_next(&r, &c)) == 1) {
			if (c.length > COORD_MSG_CAPSULE_MAX)
				abort();
			handle(&c, &full, &map);
			ret = 0;
		}
		if (ret < 0)
			break;
	}
	coord_map_free(&map);
	coord_map_full_reader_free(&full);
	burrow_capsule_reader_free(&r);
	return 0;
}
