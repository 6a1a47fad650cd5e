// SPDX-License-Identifier: GPL-2.0
/*
 * The [relay] section of burrowd's config (config.h): the relay role
 * (relay_admit.h) on or off. Each key once.
 */

#include <string.h>

#include "config.h"
#include "config_internal.h"

enum relay_key { RK_ENABLED, RK_COUNT };

static const char *const relay_key_names[RK_COUNT] = {
	[RK_ENABLED] = "enabled",
};

void burrow_config_relay_key(struct parse_state *ps, const char *name, const char *value)
{
	struct burrow_config_relay *c = &ps->cfg->relay;
	int key = -1;

	for (int i = 0; i < RK_COUNT; i++)
		if (!strcmp(relay_key_names[i], name))
			key = i;
	if (key < 0) {
		burrow_config_fail(ps, ps->line, "unknown key '%s' in [relay]", name);
		return;
	}
	if (ps->relay_keys & (1u << key)) {
		burrow_config_fail(ps, ps->line, "key '%s' given twice in [relay]", name);
		return;
	}
	ps->relay_keys |= 1u << key;
	switch ((enum relay_key)key) {
	case RK_ENABLED:
		if (strcmp(value, "yes") && strcmp(value, "no")) {
			burrow_config_fail(ps, ps->line, "%s: invalid '%s' (yes or no)", name, value);
			return;
		}
		c->enabled = !strcmp(value, "yes");
		break;
	case RK_COUNT:
		break;
	}
}

bool burrow_config_relay_equal(const struct burrow_config_relay *a,
			       const struct burrow_config_relay *b)
{
	return a->enabled == b->enabled;
}
