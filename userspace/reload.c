// SPDX-License-Identifier: GPL-2.0
/* Config reload of a running daemon: see reload.h. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "ids.h"
#include "kernel.h"
#include "log.h"
#include "mesh.h"
#include "negotiate.h"
#include "reload.h"
#include "store.h"

/* ---- peers from the config (startup and reload) -------------------------------- */

void burrowd_peer_set_endpoint(struct burrowd *d, struct burrowd_peer *p,
			       const struct sockaddr_storage *addr, socklen_t len, const char *text)
{
	p->has_endpoint = true;
	if (d->udp_family == AF_INET6) {
		p->endpoint_len = burrow_kernel_v4_mapped((const struct sockaddr *)addr, len,
							  &p->endpoint);
	} else {
		memcpy(&p->endpoint, addr, len);
		p->endpoint_len = len;
	}
	snprintf(p->endpoint_text, sizeof(p->endpoint_text), "%s", text);
}

/* cp's allowed_ips as kernel prefixes (heap; NULL and 0 when none). */
static int config_prefixes(const struct burrow_config_peer *cp, struct burrow_nl_prefix **out,
			   size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!cp->n_allowed_ips)
		return 0;
	*out = calloc(cp->n_allowed_ips, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t j = 0; j < cp->n_allowed_ips; j++)
		(*out)[j] = cp->allowed_ips[j];
	*n = cp->n_allowed_ips;
	return 0;
}

int burrowd_peer_from_config(struct burrowd *d, struct burrowd_peer *p,
			     const struct burrow_config_peer *cp)
{
	p->d = d;
	snprintf(p->name, sizeof(p->name), "%s", cp->name);
	memcpy(p->public_key, cp->public_key, 32);
	p->policy = cp;
	p->from_map = cp->from_map;
	if (cp->has_endpoint)
		burrowd_peer_set_endpoint(d, p, &cp->endpoint, cp->endpoint_len, cp->endpoint_text);
	return config_prefixes(cp, &p->prefixes, &p->n_prefixes);
}

/* list as "a, b" into buf (truncated lists cannot happen: the config caps them). */
static const char *prefix_list_text(const struct burrow_prefix_list *list, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t j = 0; j < list->n && used + 60 < size; j++) {
		char one[64];

		burrow_prefix_format(&list->items[j], one, sizeof(one));
		used += (size_t)snprintf(buf + used, size - used, "%s%s", j ? ", " : "", one);
	}
	return buf;
}

/* The peer's effective policy as the database records it (store.h). */
static void store_peer_policy(void *store, const struct burrow_config_peer *cp)
{
	static const char *const keys[] = {
		"request_address", "accept_addresses", "may_announce", "may_reach",
	};
	char text[4][2048];
	const char *values[4];

	values[0] = prefix_list_text(&cp->request_address, text[0], sizeof(text[0]));
	values[1] = prefix_list_text(&cp->accept_addresses, text[1], sizeof(text[1]));
	values[2] = prefix_list_text(&cp->may_announce, text[2], sizeof(text[2]));
	values[3] = cp->has_may_reach ? prefix_list_text(&cp->may_reach, text[3], sizeof(text[3])) :
					"all";
	if (burrow_store_policy_set(store, cp->public_key, keys, values, 4) < 0)
		burrow_log(BURROW_LOG_WARNING, "store: policy of peer %s: %s", cp->name,
			   burrow_store_error(store));
}

void burrowd_store_config_peer(void *store, const struct burrow_config_peer *cp)
{
	struct burrow_node node = { 0 };
	char prefixes[2048] = "";
	size_t used = 0;

	if (!store)
		return;
	memcpy(node.public_key, cp->public_key, 32);
	node.name = (char *)cp->name;
	node.endpoint = cp->has_endpoint ? (char *)cp->endpoint_text : NULL;
	for (size_t j = 0; j < cp->n_allowed_ips && used < sizeof(prefixes) - 60; j++) {
		char one[64];

		burrow_prefix_format(&cp->allowed_ips[j], one, sizeof(one));
		used += (size_t)snprintf(prefixes + used, sizeof(prefixes) - used, "%s%s",
					 j ? "," : "", one);
	}
	node.allowed_prefixes = prefixes;
	if (burrow_store_node_upsert(store, &node) < 0) {
		burrow_log(BURROW_LOG_WARNING, "store: peer %s: %s", cp->name,
			   burrow_store_error(store));
		return;
	}
	store_peer_policy(store, cp);
}

void burrowd_store_config_node(void *store, const struct burrow_config_node *node)
{
	static const char *const keys[] = { "relay_routes" };
	const char *values[] = { node->relay_routes ? "yes" : "no" };

	if (store && burrow_store_policy_set(store, NULL, keys, values, 1) < 0)
		burrow_log(BURROW_LOG_WARNING, "store: node policy: %s", burrow_store_error(store));
}

/* ---- removed peers still referenced by closing sessions ------------------------- */

struct retired {
	struct burrowd_peer peer;
	struct retired *next;
};

/* Removed peers whose sessions may still be closing (one daemon per process). */
static struct retired *retired_peers;

/* Free the removed peers no session points at any more. */
static void retired_collect(struct burrowd *d, bool all)
{
	struct retired **p = &retired_peers;

	while (*p) {
		struct retired *r = *p;

		if (all || !burrowd_peer_in_use(d, &r->peer)) {
			*p = r->next;
			free(r->peer.prefixes);
			free(r);
		} else {
			p = &r->next;
		}
	}
}

void burrowd_reload_fini(void)
{
	retired_collect(NULL, true);
}

/* ---- reload ---------------------------------------------------------------------- */

enum fate {
	KEEP,		/* unchanged, or a store peer the file does not name */
	POLICY,		/* kept, policy follows the new file */
	REMOVE,		/* gone from the file */
	REPLACE,	/* removed, and added again from the new file */
};

struct plan {
	enum fate fate;
	const struct burrow_config_peer *cp;	/* in the new config; NULL for REMOVE/store */
	char what[160];				/* the changed keys */
	struct burrow_nl_prefix *prefixes;	/* POLICY: new allowed_ips */
	size_t n_prefixes;
	struct retired *retired;		/* REMOVE/REPLACE: where the peer goes */
};

static bool name_in(const char *what, const char *key)
{
	return strstr(what, key) != NULL;
}

int burrowd_reload(struct burrowd *d, struct burrow_config **current, char *msg, size_t msg_size)
{
	struct burrow_config *old = *current, *cfg;
	struct burrow_identity id = { 0 };
	char err[BURROW_CONFIG_ERR_MAX], what[PATH_MAX + 16];
	int ret;

	cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		snprintf(msg, msg_size, "out of memory");
		return -ENOMEM;
	}
	/* 1. The whole file, checked as at start. */
	ret = burrow_config_load(old->path, cfg, err, sizeof(err));
	if (ret < 0) {
		snprintf(msg, msg_size, "%s", err);
		free(cfg);
		return ret == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	/* The node map's peers and addresses stay: the file does not hold them. */
	if (burrowd_mesh_extend(d, cfg)) {
		snprintf(msg, msg_size, "out of memory");
		ret = -ENOMEM;
		goto fail_cfg;
	}
	/* 2. [node] and [coordinator]: only what a running daemon can follow. */
	if (burrow_config_node_diff(&old->node, &cfg->node, msg, msg_size)) {
		ret = -EBUSY;
		goto fail_cfg;
	}
	if (!burrow_config_coordinator_equal(&old->coordinator, &cfg->coordinator)) {
		snprintf(msg, msg_size, "[coordinator] changed: restart burrowd to apply");
		ret = -EBUSY;
		goto fail_cfg;
	}
	if (!burrow_config_relay_equal(&old->relay, &cfg->relay)) {
		snprintf(msg, msg_size, "[relay] changed: restart burrowd to apply");
		ret = -EBUSY;
		goto fail_cfg;
	}
	if (!burrow_config_dns_equal(&old->dns, &cfg->dns)) {
		snprintf(msg, msg_size, "[dns] changed: restart burrowd to apply");
		ret = -EBUSY;
		goto fail_cfg;
	}
	/* Same path, but the file may hold another key now: that is a new identity. */
	if (burrow_identity_load(cfg->node.private_key, &id, err, sizeof(err)) < 0) {
		snprintf(msg, msg_size, "%s", err);
		ret = -EINVAL;
		goto fail_cfg;
	}
	ret = memcmp(id.public_key, burrow_quic_endpoint_public_key(d->quic), 32);
	burrow_identity_clear(&id);
	if (ret) {
		snprintf(msg, msg_size, "private_key changed (%s holds another key): restart burrowd to apply",
			 cfg->node.private_key);
		ret = -EBUSY;
		goto fail_cfg;
	}
	snprintf(what, sizeof(what), "reloaded %s", cfg->path);
	return burrowd_peers_apply(d, current, cfg, "reload", what, msg, msg_size);

fail_cfg:
	burrow_config_free(cfg);
	free(cfg);
	return ret;
}

int burrowd_peers_apply(struct burrowd *d, struct burrow_config **current, struct burrow_config *cfg,
			const char *kind, const char *what, char *msg, size_t msg_size)
{
	struct burrow_config *old = *current;
	struct plan *plan = NULL;
	bool *kept_new = NULL;
	struct burrowd_peer *peers = NULL;
	uint32_t *taken = NULL;
	size_t n_old, n_new = 0, n_taken = 0, added = 0, removed = 0, replaced = 0, changed = 0,
	       unchanged = 0;
	int ret;

	/* 3. The plan, allocating everything before anything changes. */
	plan = calloc(d->n_peers + 1, sizeof(*plan));
	kept_new = calloc(cfg->n_peers + 1, sizeof(*kept_new));
	taken = calloc(d->n_peers + cfg->n_peers + 1, sizeof(*taken));
	if (!plan || !kept_new || !taken)
		goto nomem;
	for (size_t i = 0; i < d->n_peers; i++) {
		const struct burrowd_peer *p = &d->peers[i];
		struct plan *pl = &plan[i];

		taken[n_taken++] = p->kernel_id;
		if (!p->policy) {
			/* burrowd peer add: kept unless the file now names it. */
			if (burrow_config_peer_by_name(cfg, p->name) ||
			    burrow_config_peer_by_key(cfg, p->public_key)) {
				pl->fate = REPLACE;
				snprintf(pl->what, sizeof(pl->what), "now configured in %s", cfg->path);
			} else {
				pl->fate = KEEP;
			}
		} else if (!(pl->cp = burrow_config_peer_by_name(cfg, p->name))) {
			pl->fate = REMOVE;
		} else {
			switch (burrow_config_peer_compare(p->policy, pl->cp, pl->what,
							   sizeof(pl->what))) {
			case BURROW_CONFIG_PEER_SAME: pl->fate = KEEP; break;
			case BURROW_CONFIG_PEER_POLICY: pl->fate = POLICY; break;
			case BURROW_CONFIG_PEER_REPLACE: pl->fate = REPLACE; break;
			}
		}
		if (pl->fate == KEEP || pl->fate == POLICY) {
			if (pl->cp)
				kept_new[pl->cp - cfg->peers] = true;
			n_new++;
		} else {
			pl->retired = calloc(1, sizeof(*pl->retired));
			if (!pl->retired)
				goto nomem;
		}
		if (pl->fate == POLICY && config_prefixes(pl->cp, &pl->prefixes, &pl->n_prefixes))
			goto nomem;
	}
	for (size_t j = 0; j < cfg->n_peers; j++)
		n_new += !kept_new[j];
	peers = calloc(n_new + 1, sizeof(*peers));
	if (!peers)
		goto nomem;
	/*
	 * The new array: config peers in file order (added ones built here,
	 * kept ones moved in below), then the kept store peers.
	 */
	n_new = 0;
	for (size_t j = 0; j < cfg->n_peers; j++) {
		struct burrowd_peer *p;

		if (kept_new[j]) {
			n_new++;
			continue;
		}
		p = &peers[n_new++];
		if (burrowd_peer_from_config(d, p, &cfg->peers[j]))
			goto nomem;
		/* Random, non-zero, unique among old and new peers (ids.h). */
		if (burrow_ids_receiver(&p->kernel_id, taken, n_taken)) {
			snprintf(msg, msg_size, "no random kernel peer id");
			ret = -EIO;
			goto fail;
		}
		taken[n_taken++] = p->kernel_id;
		burrow_public_key_to_text(p->public_key, p->public_key_text);
	}

	/* 4. Commit: nothing below fails. Kept peers move to their new slot. */
	n_old = d->n_peers;
	n_new = cfg->n_peers;
	for (size_t i = 0; i < n_old; i++) {
		struct plan *pl = &plan[i];
		struct burrowd_peer *to;

		if (pl->fate == KEEP || pl->fate == POLICY) {
			to = pl->cp ? &peers[pl->cp - cfg->peers] : &peers[n_new++];
			burrowd_peer_move(to, &d->peers[i]);
			if (pl->cp)
				to->policy = pl->cp;
			if (pl->fate == POLICY) {
				free(to->prefixes);
				to->prefixes = pl->prefixes;
				to->n_prefixes = pl->n_prefixes;
				pl->prefixes = NULL;
			}
		} else {
			burrowd_peer_move(&pl->retired->peer, &d->peers[i]);
			pl->retired->peer.policy = NULL;	/* the old config goes below */
			pl->retired->next = retired_peers;
			retired_peers = pl->retired;
		}
	}
	free(d->peers);
	d->peers = peers;
	d->n_peers = n_new;
	d->config = cfg;
	*current = cfg;
	/* The pool reads the node's lists in place: same content, new home. */
	d->pool.ranges = &cfg->node.address_pool;
	d->pool.reserved = &cfg->node.addresses;
	burrow_log_set_level(cfg->node.log_level);
	d->settings.rotation_interval_s = cfg->node.rotation_interval_s;

	/* 5. Act: removed peers go, changed policies apply, new peers start. */
	for (size_t i = 0; i < n_old; i++) {
		struct plan *pl = &plan[i];
		struct burrowd_peer *p;
		char reason[240];

		if (pl->fate == REMOVE || pl->fate == REPLACE) {
			p = &pl->retired->peer;
			if (pl->fate == REMOVE)
				snprintf(reason, sizeof(reason), "%s was removed from the %s",
					 p->name, p->from_map ? "node map" : "configuration");
			else
				snprintf(reason, sizeof(reason), "%s changed (%s): reconnecting", p->name,
					 pl->what);
			burrowd_event(d, p, kind, "peer %s", reason);
			burrowd_peer_retire(p, reason);
			/* The store follows the file, so a restart agrees with this reload. */
			if (d->store && !p->from_map && !burrow_config_peer_by_key(cfg, p->public_key) &&
			    burrow_store_node_remove(d->store, p->public_key) < 0)
				burrow_log(BURROW_LOG_WARNING, "store: removing %s: %s", p->name,
					   burrow_store_error(d->store));
			if (pl->fate == REMOVE)
				removed++;
			else
				replaced++;
		} else if (pl->fate == POLICY) {
			p = &peers[pl->cp - cfg->peers];
			burrowd_event(d, p, kind, "peer %s: %s changed, applied to the running session",
				      p->name, pl->what);
			burrowd_negotiate_policy_update(p, name_in(pl->what, "may_reach"));
			if (name_in(pl->what, "endpoint candidates"))
				burrowd_peer_candidates_changed(p);
			changed++;
		} else {
			unchanged++;
		}
	}
	burrowd_store_config_node(d->store, &cfg->node);
	for (size_t j = 0; j < cfg->n_peers; j++) {
		if (j < cfg->n_file_peers)
			burrowd_store_config_peer(d->store, &cfg->peers[j]);
		if (kept_new[j])
			continue;
		burrowd_event(d, &peers[j], kind, "peer %s added", peers[j].name);
		burrowd_peer_start(&peers[j]);
		added++;
	}
	/* A reconnected peer was counted as added too. */
	added = added > replaced ? added - replaced : 0;
	snprintf(msg, msg_size,
		 "%s: %zu peers added, %zu removed, %zu reconnected, %zu with a new policy, %zu unchanged",
		 what, added, removed, replaced, changed, unchanged);
	burrow_config_free(old);
	free(old);
	free(plan);
	free(kept_new);
	free(taken);
	retired_collect(d, false);
	return 0;

nomem:
	snprintf(msg, msg_size, "out of memory");
	ret = -ENOMEM;
fail:
	if (plan) {
		for (size_t i = 0; i < d->n_peers; i++) {
			free(plan[i].retired);
			free(plan[i].prefixes);
		}
	}
	if (peers) {
		for (size_t j = 0; j < cfg->n_peers; j++)
			if (!kept_new[j])
				free(peers[j].prefixes);
	}
	free(peers);
	free(plan);
	free(kept_new);
	free(taken);
	burrow_config_free(cfg);
	free(cfg);
	return ret;
}
