// SPDX-License-Identifier: GPL-2.0
/* The coordinator's side of relay tickets: see coord_relay.h. */
#include <errno.h>
#include <string.h>

#include "../log.h"
#include "../identity.h"
#include "coord_relay.h"

_Static_assert(COORD_CONTROL_TICKET_LEN == BURROW_RELAY_TICKET_LEN, "control ticket size");

/* The node named name, still registered and not expired at now. */
static int lookup(struct coord_store *cs, const char *role, const char *name, uint64_t now,
		  struct coord_node *node, char *err, size_t err_size)
{
	int ret = coord_store_node_get_by_name(cs, name, node);

	if (ret < 0) {
		burrow_errorf(err, err_size, "%s: %s", role, coord_store_error(cs));
		return ret;
	}
	if (node->expiry_ms && (uint64_t)node->expiry_ms <= now * 1000) {
		burrow_errorf(err, err_size, "%s: node '%s' has expired", role, name);
		coord_store_node_clear(node);
		return -EACCES;
	}
	return 0;
}

int coord_relay_ticket_issue(struct coord_store *cs, const char *coord_pem, const char *relay,
			     const char *n1, const char *n2, uint64_t lifetime, uint64_t now,
			     struct burrow_relay_ticket *ticket, char *err, size_t err_size)
{
	struct coord_node r = { 0 }, a = { 0 }, b = { 0 };
	int ret;

	if (lifetime < 1 || lifetime > COORD_RELAY_LIFETIME_MAX) {
		burrow_errorf(err, err_size, "lifetime %llus is not 1s..%ds",
			      (unsigned long long)lifetime, COORD_RELAY_LIFETIME_MAX);
		return -EINVAL;
	}
	if (!strcmp(n1, n2)) {
		burrow_errorf(err, err_size, "pair: '%s' twice (a pair is two nodes)", n1);
		return -EINVAL;
	}
	if (!strcmp(relay, n1) || !strcmp(relay, n2)) {
		burrow_errorf(err, err_size, "relay: '%s' is one of the pair", relay);
		return -EINVAL;
	}
	ret = lookup(cs, "relay", relay, now, &r, err, err_size);
	if (ret == 0)
		ret = lookup(cs, "pair", n1, now, &a, err, err_size);
	if (ret == 0)
		ret = lookup(cs, "pair", n2, now, &b, err, err_size);
	if (ret < 0)
		goto out;
	/* A random id can collide with one recorded: draw again (a few times). */
	for (int attempt = 0; attempt < 8; attempt++) {
		bool a_first;

		ret = burrow_relay_ticket_issue(coord_pem, r.public_key, a.public_key, b.public_key,
						now + lifetime, ticket, err, err_size);
		if (ret < 0)
			goto out;
		a_first = !memcmp(ticket->a, a.public_key, 32);
		ret = coord_store_relay_ticket_add(cs, ticket->id, r.id, a_first ? a.id : b.id,
						   a_first ? b.id : a.id, ticket->expiry);
		if (ret != -EEXIST)
			break;
	}
	if (ret < 0)
		burrow_errorf(err, err_size, "%s", coord_store_error(cs));
out:
	coord_store_node_clear(&r);
	coord_store_node_clear(&a);
	coord_store_node_clear(&b);
	return ret;
}

static int control_ticket_issue(struct coord_store *cs, const char *coord_pem,
				const uint8_t coord_key[32], const char *relay,
				const uint8_t node_key[32], uint64_t lifetime, uint64_t now,
				uint32_t renews, struct burrow_relay_ticket *ticket,
				char endpoint[COORD_ADDR_SIZE + 8], char *err, size_t err_size)
{
	uint8_t bytes[BURROW_RELAY_TICKET_LEN];
	char key[BURROW_PUBLIC_KEY_TEXT_SIZE];
	struct coord_node r = { 0 };
	int ret;

	if (lifetime < 1 || lifetime > COORD_CONTROL_LIFETIME_MAX) {
		burrow_errorf(err, err_size, "lifetime %llus is not 1s..%ds",
			      (unsigned long long)lifetime, COORD_CONTROL_LIFETIME_MAX);
		return -EINVAL;
	}
	burrow_public_key_to_text(node_key, key);
	if (!memcmp(node_key, coord_key, 32)) {
		burrow_errorf(err, err_size, "node key %s is the coordinator's own key", key);
		return -EINVAL;
	}
	ret = lookup(cs, "relay", relay, now, &r, err, err_size);
	if (ret < 0)
		return ret;
	if (!memcmp(node_key, r.public_key, 32)) {
		burrow_errorf(err, err_size, "node key %s is the key of relay '%s'", key, relay);
		ret = -EINVAL;
		goto out;
	}
	ret = coord_store_node_relay(cs, r.id, endpoint);
	if (ret == -ENOENT) {
		burrow_errorf(err, err_size, "relay: node '%s' is not a relay (it did not register "
			      "with [relay] enabled = yes)", relay);
		ret = -EACCES;
		goto out;
	}
	if (ret < 0) {
		burrow_errorf(err, err_size, "relay: %s", coord_store_error(cs));
		goto out;
	}
	/* A random id can collide with one recorded: draw again (a few times). */
	for (int attempt = 0; attempt < 8; attempt++) {
		ret = burrow_relay_ticket_issue(coord_pem, r.public_key, node_key, coord_key,
						now + lifetime, ticket, err, err_size);
		if (ret < 0)
			goto out;
		ret = burrow_relay_ticket_encode(ticket, bytes);
		if (ret < 0) {
			burrow_errorf(err, err_size, "control ticket: cannot encode");
			goto out;
		}
		ret = coord_store_control_ticket_add(cs, ticket->id, r.id, node_key, now,
						     ticket->expiry, bytes, renews);
		if (ret != -EEXIST)
			break;
	}
	if (ret < 0)
		burrow_errorf(err, err_size, "%s", coord_store_error(cs));
out:
	coord_store_node_clear(&r);
	return ret;
}

int coord_control_ticket_issue(struct coord_store *cs, const char *coord_pem,
			       const uint8_t coord_key[32], const char *relay,
			       const uint8_t node_key[32], uint64_t lifetime, uint64_t now,
			       struct burrow_relay_ticket *ticket,
			       char endpoint[COORD_ADDR_SIZE + 8], char *err, size_t err_size)
{
	return control_ticket_issue(cs, coord_pem, coord_key, relay, node_key, lifetime, now, 0,
				    ticket, endpoint, err, err_size);
}

/*
 * The first ms at which less than half of the ticket's life is left:
 * expiry - now < (expiry - issued) / 2, in ms so a second's rounding is no bias.
 */
uint64_t coord_control_ticket_due_ms(const struct coord_control_ticket *t)
{
	return (t->issued + t->expiry) * 500 + 1;
}

bool coord_control_ticket_due(const struct coord_control_ticket *t, uint64_t now_ms)
{
	return now_ms >= coord_control_ticket_due_ms(t);
}

int coord_control_ticket_renew(struct coord_store *cs, const char *coord_pem,
			       const uint8_t coord_key[32], const struct coord_control_ticket *old,
			       uint64_t now, struct burrow_relay_ticket *ticket, char *err,
			       size_t err_size)
{
	char endpoint[COORD_ADDR_SIZE + 8];
	uint64_t lifetime = old->expiry > old->issued ? old->expiry - old->issued : 0;

	if (old->revoked) {
		burrow_errorf(err, err_size, "control ticket %u is revoked", (unsigned)old->id);
		return -EACCES;
	}
	if (old->renewed_by) {
		burrow_errorf(err, err_size, "control ticket %u was already renewed by %u",
			      (unsigned)old->id, (unsigned)old->renewed_by);
		return -EALREADY;
	}
	return control_ticket_issue(cs, coord_pem, coord_key, old->relay, old->node_key, lifetime,
				    now, old->id, ticket, endpoint, err, err_size);
}
