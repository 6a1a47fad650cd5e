// SPDX-License-Identifier: GPL-2.0
/*
 * The [service NAME] sections of burrowd's config (config.h): TCP services
 * this node offers to its peers through the stream proxy (proxy.h). Each key
 * may be given once.
 */

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_internal.h"

enum service_key { SK_TARGET, SK_MAX_STREAMS, SK_ALLOW, SK_COUNT };

static const char *const service_key_names[SK_COUNT] = {
	[SK_TARGET] = "target",
	[SK_MAX_STREAMS] = "max_streams",
	[SK_ALLOW] = "allow",
};

void burrow_config_service_start(struct parse_state *ps, const char *name)
{
	struct burrow_config *cfg = ps->cfg;
	struct burrow_config_service *grown, *svc;

	if (!burrow_config_name_valid(name)) {
		burrow_config_fail(ps, ps->line,
				   "invalid service name '%s' (1-%d of A-Z a-z 0-9 . _ -)", name,
				   BURROW_CONFIG_NAME_MAX);
		return;
	}
	for (size_t i = 0; i < cfg->n_services; i++) {
		if (!strcmp(cfg->services[i].name, name)) {
			burrow_config_fail(ps, ps->line, "duplicate service '%s' (first at line %u)",
					   name, cfg->services[i].line);
			return;
		}
	}
	grown = realloc(cfg->services, (cfg->n_services + 1) * sizeof(*grown));
	if (!grown) {
		burrow_config_fail(ps, ps->line, "out of memory");
		return;
	}
	cfg->services = grown;
	svc = &cfg->services[cfg->n_services++];
	memset(svc, 0, sizeof(*svc));
	memcpy(svc->name, name, strlen(name) + 1);	/* valid: <= 63 */
	svc->line = ps->line;
	svc->max_streams = BURROW_CONFIG_SERVICE_DEFAULT_STREAMS;
	ps->service_keys = 0;
	ps->section = SEC_SERVICE;
}

static int allow_item(struct parse_state *ps, const char *text, void *ctx)
{
	struct burrow_config_service *svc = ctx;
	const char *p;

	for (p = text; *p; p++)
		if (*p != '*' && *p != '?' && !burrow_config_name_valid((char[]){ *p, 0 }))
			break;
	if (*p || strlen(text) > BURROW_CONFIG_NAME_MAX) {
		burrow_config_fail(ps, ps->line,
				   "allow: '%s' is not a peer name or a name pattern (A-Z a-z 0-9 . _ - * ?)",
				   text);
		return -EINVAL;
	}
	if (svc->n_allow == BURROW_CONFIG_SERVICE_ALLOW_MAX) {
		burrow_config_fail(ps, ps->line, "allow: more than %d entries",
				   BURROW_CONFIG_SERVICE_ALLOW_MAX);
		return -EINVAL;
	}
	memcpy(svc->allow[svc->n_allow++], text, strlen(text) + 1);
	return 0;
}

void burrow_config_service_key(struct parse_state *ps, const char *name, const char *value)
{
	struct burrow_config_service *svc = &ps->cfg->services[ps->cfg->n_services - 1];
	char why[BURROW_CONFIG_ERR_MAX];
	int key = -1;
	char *end;
	unsigned long v;

	for (int i = 0; i < SK_COUNT; i++)
		if (!strcmp(service_key_names[i], name))
			key = i;
	if (key < 0) {
		burrow_config_fail(ps, ps->line, "unknown key '%s' in [service %s]", name, svc->name);
		return;
	}
	if (ps->service_keys & (1u << key)) {
		burrow_config_fail(ps, ps->line, "key '%s' given twice in [service %s]", name,
				   svc->name);
		return;
	}
	ps->service_keys |= 1u << key;
	switch ((enum service_key)key) {
	case SK_TARGET:
		if (burrow_endpoint_parse(value, &svc->target, &svc->target_len, why,
					  sizeof(why)) < 0) {
			burrow_config_fail(ps, ps->line, "target: %s", why);
			return;
		}
		snprintf(svc->target_text, sizeof(svc->target_text), "%s", value);
		break;
	case SK_MAX_STREAMS:
		errno = 0;
		v = strtoul(value, &end, 10);
		if (errno || end == value || *end || value[0] == '-' || v < 1 || v > 65535) {
			burrow_config_fail(ps, ps->line, "max_streams: '%s' is not a number 1-65535",
					   value);
			return;
		}
		svc->max_streams = (unsigned int)v;
		break;
	case SK_ALLOW:
		burrow_config_for_each_item(ps, "allow", value, allow_item, svc);
		break;
	case SK_COUNT:
		break;
	}
}

void burrow_config_service_done(struct parse_state *ps)
{
	struct burrow_config_service *svc = &ps->cfg->services[ps->cfg->n_services - 1];

	if (!(ps->service_keys & (1u << SK_TARGET)))
		burrow_config_fail(ps, svc->line, "[service %s] has no target (required)", svc->name);
}

const struct burrow_config_service *burrow_config_service_find(const struct burrow_config *cfg,
								 const char *name)
{
	for (size_t i = 0; i < cfg->n_services; i++)
		if (!strcmp(cfg->services[i].name, name))
			return &cfg->services[i];
	return NULL;
}

bool burrow_config_service_allows(const struct burrow_config_service *svc, const char *peer_name)
{
	if (!svc->n_allow)
		return true;
	for (size_t i = 0; i < svc->n_allow; i++)
		if (!fnmatch(svc->allow[i], peer_name, 0))
			return true;
	return false;
}
