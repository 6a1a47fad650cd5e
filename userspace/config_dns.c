// SPDX-License-Identifier: GPL-2.0
/*
 * The [dns] section of burrowd's config (config.h): MagicDNS on or off,
 * systemd-resolved registration, the responder's UDP port. Each key once.
 */

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_internal.h"

enum dns_key { DK_ENABLED, DK_RESOLVED, DK_PORT, DK_COUNT };

static const char *const dns_key_names[DK_COUNT] = {
	[DK_ENABLED] = "enabled",
	[DK_RESOLVED] = "resolved",
	[DK_PORT] = "port",
};

static int yes_no(struct parse_state *ps, const char *key, const char *value, bool *out)
{
	if (strcmp(value, "yes") && strcmp(value, "no")) {
		burrow_config_fail(ps, ps->line, "%s: invalid '%s' (yes or no)", key, value);
		return -1;
	}
	*out = !strcmp(value, "yes");
	return 0;
}

void burrow_config_dns_key(struct parse_state *ps, const char *name, const char *value)
{
	struct burrow_config_dns *c = &ps->cfg->dns;
	unsigned long port;
	char *end;
	int key = -1;

	for (int i = 0; i < DK_COUNT; i++)
		if (!strcmp(dns_key_names[i], name))
			key = i;
	if (key < 0) {
		burrow_config_fail(ps, ps->line, "unknown key '%s' in [dns]", name);
		return;
	}
	if (ps->dns_keys & (1u << key)) {
		burrow_config_fail(ps, ps->line, "key '%s' given twice in [dns]", name);
		return;
	}
	ps->dns_keys |= 1u << key;
	switch ((enum dns_key)key) {
	case DK_ENABLED:
		yes_no(ps, name, value, &c->enabled);
		break;
	case DK_RESOLVED:
		yes_no(ps, name, value, &c->resolved);
		break;
	case DK_PORT:
		port = strtoul(value, &end, 10);
		if (!*value || *end || value[0] == '-' || value[0] == '+' || port < 1 || port > 65535) {
			burrow_config_fail(ps, ps->line, "port: invalid '%s' (1-65535)", value);
			return;
		}
		c->port = (uint16_t)port;
		break;
	case DK_COUNT:
		break;
	}
}

bool burrow_config_dns_equal(const struct burrow_config_dns *a, const struct burrow_config_dns *b)
{
	return a->enabled == b->enabled && a->resolved == b->resolved && a->port == b->port;
}
