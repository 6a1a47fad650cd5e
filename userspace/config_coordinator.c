// SPDX-License-Identifier: GPL-2.0
/*
 * The [coordinator] section of burrowd's config (config.h): where
 * burrow-coord listens, its pinned public key, the pre-auth key file and
 * the endpoints this node advertises, or the relay and control ticket it
 * reaches the coordinator through instead of an address (brief D12).
 * Every key may be given once, except endpoint, which adds (so long lists
 * fit lines).
 */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_internal.h"

enum coordinator_key {
	CK_ADDRESS, CK_PUBLIC_KEY, CK_AUTH_KEY_FILE, CK_ENDPOINT, CK_RELAY_AFTER, CK_RELAY,
	CK_RELAY_TICKET, CK_COUNT
};

static const char *const coordinator_key_names[CK_COUNT] = {
	[CK_ADDRESS] = "address",
	[CK_PUBLIC_KEY] = "public_key",
	[CK_AUTH_KEY_FILE] = "auth_key_file",
	[CK_ENDPOINT] = "endpoint",
	[CK_RELAY_AFTER] = "relay_after",
	[CK_RELAY] = "relay",
	[CK_RELAY_TICKET] = "relay_ticket",
};

static int endpoint_item(struct parse_state *ps, const char *text, void *ctx)
{
	struct burrow_config_coordinator *c = ctx;
	struct burrow_nl_endpoint endpoint, *grown;
	char why[BURROW_CONFIG_ERR_MAX];

	if (burrow_text_parse_endpoint(text, false, &endpoint, why, sizeof(why)) < 0) {
		burrow_config_fail(ps, ps->line, "endpoint: %s", why);
		return -EINVAL;
	}
	for (size_t i = 0; i < c->n_endpoints; i++) {
		if (!memcmp(&c->endpoints[i], &endpoint, sizeof(endpoint))) {
			burrow_config_fail(ps, ps->line, "endpoint: '%s' is given twice", text);
			return -EINVAL;
		}
	}
	if (c->n_endpoints == BURROW_CONFIG_ENDPOINTS_MAX) {
		burrow_config_fail(ps, ps->line, "endpoint: more than %d endpoints at '%s'",
				   BURROW_CONFIG_ENDPOINTS_MAX, text);
		return -EINVAL;
	}
	grown = realloc(c->endpoints, (c->n_endpoints + 1) * sizeof(*grown));
	if (!grown) {
		burrow_config_fail(ps, ps->line, "out of memory");
		return -ENOMEM;
	}
	c->endpoints = grown;
	c->endpoints[c->n_endpoints++] = endpoint;
	return 0;
}

/* relay_after = SECONDS: 0 (never) .. BURROW_CONFIG_RELAY_AFTER_MAX, digits only. */
static void relay_after(struct parse_state *ps, const char *value,
			struct burrow_config_coordinator *c)
{
	unsigned long v = 0;
	const char *p = value;

	if (!*p) {
		burrow_config_fail(ps, ps->line, "relay_after: empty (seconds, 0 = never)");
		return;
	}
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || v > BURROW_CONFIG_RELAY_AFTER_MAX) {
			burrow_config_fail(ps, ps->line,
					   "relay_after: invalid '%s' (seconds, 0..%d; 0 = never)",
					   value, BURROW_CONFIG_RELAY_AFTER_MAX);
			return;
		}
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > BURROW_CONFIG_RELAY_AFTER_MAX) {
		burrow_config_fail(ps, ps->line,
				   "relay_after: invalid '%s' (seconds, 0..%d; 0 = never)", value,
				   BURROW_CONFIG_RELAY_AFTER_MAX);
		return;
	}
	c->relay_after = (unsigned int)v;
}

/* relay_ticket = BASE64 (relay_ticket.h's text form): it must decode. */
static void relay_ticket(struct parse_state *ps, const char *value,
			 struct burrow_config_coordinator *c)
{
	const char *twhy = NULL;

	if (burrow_relay_ticket_from_text(value, &c->relay_ticket, &twhy) !=
	    BURROW_RELAY_TICKET_OK) {
		burrow_config_fail(ps, ps->line, "relay_ticket: invalid ticket '%.16s%s': %s", value,
				   strlen(value) > 16 ? "..." : "", twhy ? twhy : "malformed");
		return;
	}
	c->relay_ticket_line = ps->line;
}

void burrow_config_coordinator_key(struct parse_state *ps, const char *name, const char *value)
{
	struct burrow_config_coordinator *c = &ps->cfg->coordinator;
	char why[BURROW_CONFIG_ERR_MAX];
	int key = -1;

	for (int i = 0; i < CK_COUNT; i++)
		if (!strcmp(coordinator_key_names[i], name))
			key = i;
	if (key < 0) {
		burrow_config_fail(ps, ps->line, "unknown key '%s' in [coordinator]", name);
		return;
	}
	if (key != CK_ENDPOINT && (ps->coordinator_keys & (1u << key))) {
		burrow_config_fail(ps, ps->line, "key '%s' given twice in [coordinator]", name);
		return;
	}
	ps->coordinator_keys |= 1u << key;

	switch ((enum coordinator_key)key) {
	case CK_ADDRESS:
		if (burrow_endpoint_parse(value, &c->address, &c->address_len, why, sizeof(why)) < 0) {
			burrow_config_fail(ps, ps->line, "address: %s", why);
			return;
		}
		snprintf(c->address_text, sizeof(c->address_text), "%s", value);
		c->address_line = ps->line;
		break;
	case CK_PUBLIC_KEY:
		if (burrow_public_key_from_text(value, c->public_key, why, sizeof(why)) < 0)
			burrow_config_fail(ps, ps->line, "public_key: %s", why);
		break;
	case CK_AUTH_KEY_FILE:
		burrow_config_set_path(ps, name, value, &c->auth_key_file, PATH_MAX);
		break;
	case CK_ENDPOINT:
		burrow_config_for_each_item(ps, name, value, endpoint_item, c);
		break;
	case CK_RELAY_AFTER:
		relay_after(ps, value, c);
		break;
	case CK_RELAY:
		if (burrow_endpoint_parse(value, &c->relay, &c->relay_len, why, sizeof(why)) < 0) {
			burrow_config_fail(ps, ps->line, "relay: %s", why);
			return;
		}
		snprintf(c->relay_text, sizeof(c->relay_text), "%s", value);
		break;
	case CK_RELAY_TICKET:
		relay_ticket(ps, value, c);
		break;
	case CK_COUNT:
		break;
	}
}

static bool has(const struct parse_state *ps, enum coordinator_key key)
{
	return ps->coordinator_keys & (1u << key);
}

void burrow_config_coordinator_done(struct parse_state *ps)
{
	struct burrow_config_coordinator *c = &ps->cfg->coordinator;

	if (!(ps->coordinator_keys & (1u << CK_RELAY_AFTER)))
		c->relay_after = BURROW_CONFIG_RELAY_AFTER_DEFAULT;

	if (has(ps, CK_RELAY) != has(ps, CK_RELAY_TICKET)) {
		burrow_config_fail(ps, c->line, "[coordinator] has %s but no %s (both or neither)",
				   has(ps, CK_RELAY) ? "relay" : "relay_ticket",
				   has(ps, CK_RELAY) ? "relay_ticket" : "relay");
		return;
	}
	if (has(ps, CK_RELAY) && has(ps, CK_ADDRESS)) {
		burrow_config_fail(ps, c->address_line,
				   "address: '%s' with relay = %s (the coordinator is reached only "
				   "through the relay: remove address)", c->address_text,
				   c->relay_text);
		return;
	}
	if (!has(ps, CK_ADDRESS) && !has(ps, CK_RELAY))
		burrow_config_fail(ps, c->line,
				   "[coordinator] has no address (required, or relay and relay_ticket)");
	else if (!has(ps, CK_PUBLIC_KEY))
		burrow_config_fail(ps, c->line, "[coordinator] has no public_key (required)");
	else if (has(ps, CK_RELAY) &&
		 !burrow_relay_ticket_other(&c->relay_ticket, c->public_key))
		burrow_config_fail(ps, c->relay_ticket_line,
				   "relay_ticket: ticket %u is not for this coordinator (its pair "
				   "does not include public_key; issue it with burrow-coord "
				   "control-ticket issue)", (unsigned)c->relay_ticket.id);
}

int burrow_config_coordinator_check_node(const struct burrow_config *cfg,
					 const uint8_t node_key[BURROW_PUBLIC_KEY_LEN], char *err,
					 size_t err_size)
{
	const struct burrow_config_coordinator *c = &cfg->coordinator;
	char text[BURROW_PUBLIC_KEY_TEXT_SIZE];

	if (!c->enabled || !c->relay_len || burrow_relay_ticket_other(&c->relay_ticket, node_key))
		return 0;
	burrow_public_key_to_text(node_key, text);
	snprintf(err, err_size, "%s:%u: relay_ticket: ticket %u is not for this node (public key %s)",
		 cfg->path ? cfg->path : "?", c->relay_ticket_line, (unsigned)c->relay_ticket.id,
		 text);
	return -EINVAL;
}

bool burrow_config_coordinator_equal(const struct burrow_config_coordinator *a,
				     const struct burrow_config_coordinator *b)
{
	if (a->enabled != b->enabled)
		return false;
	if (!a->enabled)
		return true;
	return a->address_len == b->address_len && !memcmp(&a->address, &b->address, a->address_len) &&
	       a->relay_len == b->relay_len && !memcmp(&a->relay, &b->relay, a->relay_len) &&
	       (!a->relay_len ||
		!memcmp(&a->relay_ticket, &b->relay_ticket, sizeof(a->relay_ticket))) &&
	       !memcmp(a->public_key, b->public_key, sizeof(a->public_key)) &&
	       !strcmp(a->auth_key_file ? a->auth_key_file : "", b->auth_key_file ? b->auth_key_file : "") &&
	       a->relay_after == b->relay_after && a->n_endpoints == b->n_endpoints &&
	       (!a->n_endpoints ||
		!memcmp(a->endpoints, b->endpoints, a->n_endpoints * sizeof(*a->endpoints)));
}
