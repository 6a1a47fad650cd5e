// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd configuration: INI through libinih, strict validation, defaults.
 *
 * libinih (Debian's build) does not pass line numbers to the handler and
 * does not report empty sections, so the text is fed through our own line
 * reader: it counts lines and registers each "[section]" header as it goes
 * by. The handler then always knows the current line and which section
 * (including which of two same-named ones) a key belongs to. The first
 * error wins; parsing stops there.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ini.h>

#include "config.h"
#include "config_internal.h"
#include "hello.h"
#include "linux/burrow.h"

#define CONFIG_FILE_MAX (1 << 20)
#define ROTATION_MIN_S 10
#define ROTATION_MAX_S 604800
#define IDLE_TIMEOUT_MIN_S 3
#define IDLE_TIMEOUT_MAX_S 3600
#define MTU_MIN 1280	/* RFC 9484 §7.2, as HELLO (hello.h) */
#define MTU_MAX 65535


void burrow_config_fail(struct parse_state *ps, unsigned int line, const char *fmt, ...)
{
	char msg[BURROW_CONFIG_ERR_MAX];
	va_list ap;

	if (ps->failed)
		return;
	ps->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		snprintf(ps->err, ps->err_size, "%s:%u: %s", ps->cfg->path, line, msg);
	else
		snprintf(ps->err, ps->err_size, "%s: %s", ps->cfg->path, msg);
}


/* ---- value lists ------------------------------------------------------------- */

/* Split a comma list into trimmed items; calls item() for each. Empty items are errors. */
int burrow_config_for_each_item(struct parse_state *ps, const char *key, const char *value,
			 int (*item)(struct parse_state *ps, const char *text, void *ctx), void *ctx)
{
	char *copy = strdup(value), *save = NULL, *tok;
	int ret = 0;

	if (!copy) {
		burrow_config_fail(ps, ps->line, "out of memory");
		return -ENOMEM;
	}
	if (!*value || value[strlen(value) - 1] == ',' || *value == ',' || strstr(value, ",,")) {
		burrow_config_fail(ps, ps->line, "%s: invalid list '%s': empty item", key, value);
		free(copy);
		return -EINVAL;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		end = tok + strlen(tok);
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!*tok) {
			burrow_config_fail(ps, ps->line, "%s: invalid list '%s': empty item", key, value);
			ret = -EINVAL;
			break;
		}
		ret = item(ps, tok, ctx);
		if (ret < 0)
			break;
	}
	free(copy);
	return ret;
}

struct enum_list {
	const char *key;
	uint8_t *values;
	size_t *n;
	int (*from_name)(const char *name, uint8_t *value);
	const char *known;
};

static int enum_item(struct parse_state *ps, const char *text, void *ctx)
{
	struct enum_list *list = ctx;
	uint8_t v;

	if (list->from_name(text, &v) < 0) {
		burrow_config_fail(ps, ps->line, "%s: unknown value '%s' (known: %s)", list->key, text,
		     list->known);
		return -EINVAL;
	}
	for (size_t i = 0; i < *list->n; i++) {
		if (list->values[i] == v) {
			burrow_config_fail(ps, ps->line, "%s: '%s' listed twice", list->key, text);
			return -EINVAL;
		}
	}
	if (*list->n == BURROW_CONFIG_LIST_MAX) {
		burrow_config_fail(ps, ps->line, "%s: too many entries", list->key);
		return -EINVAL;
	}
	list->values[(*list->n)++] = v;
	return 0;
}

/* One VLAN id of a peer's segments, kept in ascending order. */
static int segment_item(struct parse_state *ps, const char *text, void *ctx)
{
	struct burrow_config_peer *peer = ctx;
	unsigned long long v;
	size_t i;

	if (burrow_config_parse_uint(text, 0, BURROW_HELLO_SEGMENT_MAX, &v) < 0) {
		burrow_config_fail(ps, ps->line,
				   "segments: invalid VLAN id '%s' (0 for untagged frames, or 1-%d)",
				   text, BURROW_HELLO_SEGMENT_MAX);
		return -EINVAL;
	}
	for (i = 0; i < peer->n_segments && peer->segments[i] < v; i++)
		;
	if (i < peer->n_segments && peer->segments[i] == v) {
		burrow_config_fail(ps, ps->line, "segments: '%s' listed twice", text);
		return -EINVAL;
	}
	if (peer->n_segments == BURROW_HELLO_SEGMENTS_MAX) {
		burrow_config_fail(ps, ps->line, "segments: more than %d VLAN ids",
				   BURROW_HELLO_SEGMENTS_MAX);
		return -EINVAL;
	}
	memmove(&peer->segments[i + 1], &peer->segments[i],
		(peer->n_segments - i) * sizeof(peer->segments[0]));
	peer->segments[i] = (uint16_t)v;
	peer->n_segments++;
	return 0;
}

static int prefix_item(struct parse_state *ps, const char *text, void *ctx)
{
	struct burrow_config_peer *peer = ctx;
	struct burrow_config *cfg = ps->cfg;
	char why[BURROW_CONFIG_ERR_MAX];
	struct burrow_nl_prefix prefix;

	if (burrow_prefix_parse(text, &prefix, why, sizeof(why)) < 0) {
		burrow_config_fail(ps, ps->line, "allowed_ips: %s", why);
		return -EINVAL;
	}
	for (size_t p = 0; p < cfg->n_peers; p++) {
		for (size_t i = 0; i < cfg->peers[p].n_allowed_ips; i++) {
			if (!burrow_text_prefix_equal(&cfg->peers[p].allowed_ips[i], &prefix))
				continue;
			if (&cfg->peers[p] == peer)
				burrow_config_fail(ps, ps->line, "allowed_ips: '%s' listed twice", text);
			else
				burrow_config_fail(ps, ps->line, "allowed_ips: '%s' already belongs to peer '%s'",
				     text, cfg->peers[p].name);
			return -EINVAL;
		}
	}
	if (burrow_config_peer_allow(peer, &prefix)) {
		burrow_config_fail(ps, ps->line, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int burrow_config_set_path(struct parse_state *ps, const char *key, const char *value, char **slot,
			   size_t max_len)
{
	char *copy;

	if (value[0] != '/') {
		burrow_config_fail(ps, ps->line, "%s: '%s' is not an absolute path", key, value);
		return -EINVAL;
	}
	if (strlen(value) >= max_len) {
		burrow_config_fail(ps, ps->line, "%s: '%s' is longer than %zu characters", key, value,
		     max_len - 1);
		return -EINVAL;
	}
	copy = strdup(value);
	if (!copy) {
		burrow_config_fail(ps, ps->line, "out of memory");
		return -ENOMEM;
	}
	free(*slot);
	*slot = copy;
	return 0;
}

/* ---- sections and keys ------------------------------------------------------- */

enum node_key {
	NK_NAME, NK_PRIVATE_KEY, NK_LISTEN_ADDRESS, NK_LISTEN_PORT, NK_DEVICE, NK_STATE,
	NK_CONTROL_SOCKET, NK_LOG_LEVEL, NK_ROTATION_INTERVAL, NK_IDLE_TIMEOUT, NK_CIPHERS, NK_ENCAPSULATIONS,
	NK_MTU, NK_ADDRESS, NK_ADDRESS_POOL, NK_ADVERTISE_ROUTES, NK_RELAY_ROUTES, NK_MODE, NK_COUNT
};

static const char *const node_key_names[NK_COUNT] = {
	[NK_NAME] = "name",
	[NK_PRIVATE_KEY] = "private_key",
	[NK_LISTEN_ADDRESS] = "listen_address",
	[NK_LISTEN_PORT] = "listen_port",
	[NK_DEVICE] = "device",
	[NK_STATE] = "state",
	[NK_CONTROL_SOCKET] = "control_socket",
	[NK_LOG_LEVEL] = "log_level",
	[NK_ROTATION_INTERVAL] = "rotation_interval",
	[NK_IDLE_TIMEOUT] = "idle_timeout",
	[NK_CIPHERS] = "ciphers",
	[NK_ENCAPSULATIONS] = "encapsulations",
	[NK_MTU] = "mtu",
	[NK_ADDRESS] = "address",
	[NK_ADDRESS_POOL] = "address_pool",
	[NK_ADVERTISE_ROUTES] = "advertise_routes",
	[NK_RELAY_ROUTES] = "relay_routes",
	[NK_MODE] = "mode",
};

enum peer_key {
	PK_PUBLIC_KEY, PK_ENDPOINT, PK_ALLOWED_IPS, PK_REQUEST_ADDRESS, PK_MAY_ANNOUNCE,
	PK_MAY_REACH, PK_ACCEPT_ADDRESSES, PK_SEGMENTS, PK_MAC_LIMIT, PK_FLOOD_RATE, PK_COUNT
};

static const char *const peer_key_names[PK_COUNT] = {
	[PK_PUBLIC_KEY] = "public_key",
	[PK_ENDPOINT] = "endpoint",
	[PK_ALLOWED_IPS] = "allowed_ips",
	[PK_REQUEST_ADDRESS] = "request_address",
	[PK_MAY_ANNOUNCE] = "may_announce",
	[PK_MAY_REACH] = "may_reach",
	[PK_ACCEPT_ADDRESSES] = "accept_addresses",
	[PK_SEGMENTS] = "segments",
	[PK_MAC_LIMIT] = "mac_limit",
	[PK_FLOOD_RATE] = "flood_rate",
};

static int lookup(const char *const *names, int count, const char *name)
{
	for (int i = 0; i < count; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

static void node_key(struct parse_state *ps, const char *name, const char *value)
{
	struct burrow_config_node *node = &ps->cfg->node;
	char why[BURROW_CONFIG_ERR_MAX];
	unsigned long long v;
	int key = lookup(node_key_names, NK_COUNT, name);

	if (key < 0) {
		burrow_config_fail(ps, ps->line, "unknown key '%s' in [node]", name);
		return;
	}
	if (ps->node_keys & (1u << key)) {
		burrow_config_fail(ps, ps->line, "key '%s' given twice in [node]", name);
		return;
	}
	ps->node_keys |= 1u << key;

	switch ((enum node_key)key) {
	case NK_NAME:
		if (!burrow_config_name_valid(value)) {
			burrow_config_fail(ps, ps->line, "name: invalid name '%s' (1-%d of A-Z a-z 0-9 . _ -)",
			     value, BURROW_CONFIG_NAME_MAX);
			return;
		}
		snprintf(node->name, sizeof(node->name), "%s", value);
		break;
	case NK_PRIVATE_KEY:
		burrow_config_set_path(ps, name, value, &node->private_key, PATH_MAX);
		break;
	case NK_LISTEN_ADDRESS: {
		struct sockaddr_in *sin = (struct sockaddr_in *)&node->listen;
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&node->listen;
		struct in6_addr a6;
		struct in_addr a4;

		if (inet_pton(AF_INET, value, &a4) == 1) {
			memset(&node->listen, 0, sizeof(node->listen));
			sin->sin_family = AF_INET;
			sin->sin_addr = a4;
			node->listen_len = sizeof(*sin);
		} else if (inet_pton(AF_INET6, value, &a6) == 1) {
			memset(&node->listen, 0, sizeof(node->listen));
			sin6->sin6_family = AF_INET6;
			sin6->sin6_addr = a6;
			node->listen_len = sizeof(*sin6);
		} else {
			burrow_config_fail(ps, ps->line,
			     "listen_address: '%s' is not a numeric IPv4 or IPv6 address", value);
		}
		break;
	}
	case NK_LISTEN_PORT:
		if (burrow_config_parse_uint(value, 1, 65535, &v) < 0) {
			burrow_config_fail(ps, ps->line, "listen_port: invalid port '%s' (1-65535)", value);
			return;
		}
		node->listen_port = (uint16_t)v;
		break;
	case NK_DEVICE:
		if (!*value || strlen(value) >= sizeof(node->device) || strpbrk(value, "/: \t") ||
		    !strcmp(value, ".") || !strcmp(value, "..")) {
			burrow_config_fail(ps, ps->line,
			     "device: invalid interface name '%s' (1-15 characters, no '/', ':' or spaces)",
			     value);
			return;
		}
		snprintf(node->device, sizeof(node->device), "%s", value);
		break;
	case NK_STATE:
		burrow_config_set_path(ps, name, value, &node->state, PATH_MAX);
		break;
	case NK_CONTROL_SOCKET:
		burrow_config_set_path(ps, name, value, &node->control_socket,
			 sizeof(((struct sockaddr_un *)0)->sun_path));
		break;
	case NK_LOG_LEVEL:
		if (burrow_log_level_from_name(value, &node->log_level) < 0)
			burrow_config_fail(ps, ps->line,
			     "log_level: unknown level '%s' (error, warning, info, debug)", value);
		break;
	case NK_ROTATION_INTERVAL:
		if (burrow_config_parse_uint(value, 0, ROTATION_MAX_S, &v) < 0 || (v && v < ROTATION_MIN_S)) {
			burrow_config_fail(ps, ps->line,
			     "rotation_interval: invalid '%s' (seconds: 0 for none, or %d-%d)",
			     value, ROTATION_MIN_S, ROTATION_MAX_S);
			return;
		}
		node->rotation_interval_s = v;
		break;
	case NK_IDLE_TIMEOUT:
		if (burrow_config_parse_uint(value, IDLE_TIMEOUT_MIN_S, IDLE_TIMEOUT_MAX_S, &v) < 0) {
			burrow_config_fail(ps, ps->line, "idle_timeout: invalid '%s' (seconds: %d-%d)", value,
			     IDLE_TIMEOUT_MIN_S, IDLE_TIMEOUT_MAX_S);
			return;
		}
		node->idle_timeout_s = (uint32_t)v;
		break;
	case NK_CIPHERS: {
		struct enum_list list = { "ciphers", node->ciphers, &node->n_ciphers,
					  burrow_cipher_from_name,
					  "chacha20-poly1305, aes-128-gcm, aes-256-gcm" };

		node->n_ciphers = 0;
		burrow_config_for_each_item(ps, name, value, enum_item, &list);
		break;
	}
	case NK_ENCAPSULATIONS: {
		struct enum_list list = { "encapsulations", node->encaps, &node->n_encaps,
					  burrow_encap_from_name, "udp, quic" };

		node->n_encaps = 0;
		burrow_config_for_each_item(ps, name, value, enum_item, &list);
		break;
	}
	case NK_MTU:
		if (burrow_config_parse_uint(value, MTU_MIN, MTU_MAX, &v) < 0) {
			burrow_config_fail(ps, ps->line, "mtu: invalid '%s' (%d-%d)", value, MTU_MIN, MTU_MAX);
			return;
		}
		node->mtu = (uint32_t)v;
		break;
	case NK_ADDRESS:
		burrow_config_for_each_item(ps, name, value, burrow_config_address_item, &node->addresses);
		break;
	case NK_ADDRESS_POOL:
		burrow_config_prefix_list_key(ps, name, value, &node->address_pool, false, 2);
		break;
	case NK_ADVERTISE_ROUTES:
		burrow_config_prefix_list_key(ps, name, value, &node->advertise_routes, false, 0);
		break;
	case NK_RELAY_ROUTES:
		if (strcmp(value, "yes") && strcmp(value, "no")) {
			burrow_config_fail(ps, ps->line, "relay_routes: invalid '%s' (yes or no)", value);
			return;
		}
		node->relay_routes = !strcmp(value, "yes");
		break;
	case NK_MODE:
		if (burrow_text_parse_mode(value, &node->mode) < 0)
			burrow_config_fail(ps, ps->line, "mode: unknown mode '%s' (l3 or l2)", value);
		break;
	case NK_COUNT:
		break;
	}
	(void)why;
}

static void peer_key(struct parse_state *ps, const char *name, const char *value)
{
	struct burrow_config_peer *peer = &ps->cfg->peers[ps->peer];
	char why[BURROW_CONFIG_ERR_MAX];
	int key = lookup(peer_key_names, PK_COUNT, name);

	if (key < 0) {
		burrow_config_fail(ps, ps->line, "unknown key '%s' in [peer %s]", name, peer->name);
		return;
	}
	/* allowed_ips may repeat (each adds prefixes), so long lists fit lines */
	if (key != PK_ALLOWED_IPS && (ps->peer_keys & (1u << key))) {
		burrow_config_fail(ps, ps->line, "key '%s' given twice in [peer %s]", name, peer->name);
		return;
	}
	ps->peer_keys |= 1u << key;

	switch ((enum peer_key)key) {
	case PK_PUBLIC_KEY:
		if (burrow_public_key_from_text(value, peer->public_key, why, sizeof(why)) < 0) {
			burrow_config_fail(ps, ps->line, "public_key: %s", why);
			return;
		}
		for (size_t i = 0; i < ps->peer; i++) {
			if (!memcmp(ps->cfg->peers[i].public_key, peer->public_key,
				    BURROW_PUBLIC_KEY_LEN)) {
				burrow_config_fail(ps, ps->line,
				     "public_key: '%s' is already the key of peer '%s' (line %u)",
				     value, ps->cfg->peers[i].name, ps->cfg->peers[i].line);
				return;
			}
		}
		break;
	case PK_ENDPOINT:
		if (burrow_endpoint_parse(value, &peer->endpoint, &peer->endpoint_len, why,
					  sizeof(why)) < 0) {
			burrow_config_fail(ps, ps->line, "endpoint: %s", why);
			return;
		}
		peer->has_endpoint = true;
		snprintf(peer->endpoint_text, sizeof(peer->endpoint_text), "%s", value);
		break;
	case PK_ALLOWED_IPS:
		burrow_config_for_each_item(ps, name, value, prefix_item, peer);
		break;
	case PK_REQUEST_ADDRESS:
		burrow_config_prefix_list_key(ps, name, value, &peer->request_address, true, 0);
		break;
	case PK_MAY_ANNOUNCE:
		burrow_config_prefix_list_key(ps, name, value, &peer->may_announce, false, 0);
		break;
	case PK_MAY_REACH:
		burrow_config_prefix_list_key(ps, name, value, &peer->may_reach, false, 0);
		peer->has_may_reach = true;
		break;
	case PK_ACCEPT_ADDRESSES:
		burrow_config_prefix_list_key(ps, name, value, &peer->accept_addresses, false, 0);
		break;
	case PK_SEGMENTS:
		if (!peer->l2_line)
			peer->l2_line = ps->line;
		if (burrow_config_for_each_item(ps, name, value, segment_item, peer) == 0)
			peer->has_segments = true;
		break;
	case PK_MAC_LIMIT:
	case PK_FLOOD_RATE: {
		unsigned long long v;

		if (!peer->l2_line)
			peer->l2_line = ps->line;
		if (burrow_config_parse_uint(value, 0, UINT32_MAX, &v) < 0) {
			burrow_config_fail(ps, ps->line, "%s: invalid '%s' (0 for no limit, or up to %u)",
					   name, value, UINT32_MAX);
			return;
		}
		if (key == PK_MAC_LIMIT) {
			peer->mac_limit_set = true;
			peer->mac_limit = (uint32_t)v;
		} else {
			peer->flood_rate_set = true;
			peer->flood_rate = (uint32_t)v;
		}
		break;
	}
	case PK_COUNT:
		break;
	}
}

/* The end of a section: check its required keys. */
static void section_done(struct parse_state *ps)
{
	if (ps->section == SEC_PEER && !(ps->peer_keys & (1u << PK_PUBLIC_KEY)))
		burrow_config_fail(ps, ps->cfg->peers[ps->peer].line, "[peer %s] has no public_key (required)",
		     ps->cfg->peers[ps->peer].name);
	if (ps->section == SEC_COORDINATOR)
		burrow_config_coordinator_done(ps);
	if (ps->section == SEC_SERVICE)
		burrow_config_service_done(ps);
	ps->section = SEC_NONE;
}

static void section_start(struct parse_state *ps, const char *section)
{
	struct burrow_config *cfg = ps->cfg;

	section_done(ps);
	if (ps->failed)
		return;
	if (!strcmp(section, "node")) {
		if (ps->seen_node) {
			burrow_config_fail(ps, ps->line, "second [node] section (first at line %u)", ps->node_line);
			return;
		}
		ps->seen_node = true;
		ps->node_line = ps->line;
		ps->section = SEC_NODE;
		return;
	}
	if (!strcmp(section, "coordinator")) {
		if (cfg->coordinator.enabled) {
			burrow_config_fail(ps, ps->line, "second [coordinator] section (first at line %u)",
					   cfg->coordinator.line);
			return;
		}
		cfg->coordinator.enabled = true;
		cfg->coordinator.line = ps->line;
		ps->coordinator_keys = 0;
		ps->section = SEC_COORDINATOR;
		return;
	}
	if (!strcmp(section, "dns")) {
		if (cfg->dns.present) {
			burrow_config_fail(ps, ps->line, "second [dns] section (first at line %u)",
					   cfg->dns.line);
			return;
		}
		cfg->dns.present = true;
		cfg->dns.enabled = true;
		cfg->dns.resolved = true;
		cfg->dns.port = 53;
		cfg->dns.line = ps->line;
		ps->dns_keys = 0;
		ps->section = SEC_DNS;
		return;
	}
	if (!strcmp(section, "relay")) {
		if (cfg->relay.present) {
			burrow_config_fail(ps, ps->line, "second [relay] section (first at line %u)",
					   cfg->relay.line);
			return;
		}
		cfg->relay.present = true;
		cfg->relay.line = ps->line;
		ps->relay_keys = 0;
		ps->section = SEC_RELAY;
		return;
	}
	if (!strncmp(section, "peer ", 5)) {
		const char *name = section + 5;
		struct burrow_config_peer *grown;

		if (!burrow_config_name_valid(name)) {
			burrow_config_fail(ps, ps->line, "invalid peer name '%s' in [%s] (1-%d of A-Z a-z 0-9 . _ -)",
			     name, section, BURROW_CONFIG_NAME_MAX);
			return;
		}
		for (size_t i = 0; i < cfg->n_peers; i++) {
			if (!strcmp(cfg->peers[i].name, name)) {
				burrow_config_fail(ps, ps->line, "duplicate peer name '%s' (first at line %u)", name,
				     cfg->peers[i].line);
				return;
			}
		}
		grown = realloc(cfg->peers, (cfg->n_peers + 1) * sizeof(*grown));
		if (!grown) {
			burrow_config_fail(ps, ps->line, "out of memory");
			return;
		}
		cfg->peers = grown;
		memset(&cfg->peers[cfg->n_peers], 0, sizeof(cfg->peers[0]));
		memcpy(cfg->peers[cfg->n_peers].name, name, strlen(name) + 1); /* valid: <= 63 */
		cfg->peers[cfg->n_peers].line = ps->line;
		ps->peer = cfg->n_peers++;
		ps->peer_keys = 0;
		ps->section = SEC_PEER;
		return;
	}
	if (!strncmp(section, "service ", 8)) {
		burrow_config_service_start(ps, section + 8);
		return;
	}
	burrow_config_fail(ps, ps->line,
			   "unknown section '[%s]' (expected [node], [peer NAME], [coordinator], [dns], [relay] or [service NAME])",
			   section);
}

/*
 * [coordinator] relay_ticket = BASE64 is longer than inih's line buffer:
 * keep its value (trimmed) aside and give inih "relay_ticket = *". True
 * when the line at ps->text (len bytes) was one; ps->text moves past it.
 */
static bool long_ticket_line(struct parse_state *ps, size_t len, char *buf, int size)
{
	static const char key[] = "relay_ticket";
	const char *p = ps->text, *end = ps->text + len, *v;
	size_t n;

	if (ps->section != SEC_COORDINATOR || size < (int)sizeof(key) + 5)
		return false;
	for (; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	if ((size_t)(end - p) < sizeof(key) || strncmp(p, key, sizeof(key) - 1))
		return false;
	for (v = p + sizeof(key) - 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	if (v == end || *v != '=')
		return false;
	for (v++; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	n = (size_t)(end - v);
	if (n >= sizeof(ps->long_value))
		return false;
	memcpy(ps->long_value, v, n);
	ps->long_value[n] = '\0';
	ps->long_pending = true;
	snprintf(buf, (size_t)size, "%s = *\n", key);
	ps->text += len;
	return true;
}

/*
 * inih line reader over ps->text. Recognises section headers itself (see
 * the top of the file). Returning NULL ends the parse.
 */
static char *read_line(char *buf, int size, void *stream)
{
	struct parse_state *ps = stream;
	const char *nl, *p;
	size_t len;

	if (ps->failed || !*ps->text)
		return NULL;
	nl = strchr(ps->text, '\n');
	len = nl ? (size_t)(nl - ps->text) + 1 : strlen(ps->text);
	ps->line++;
	if (len >= (size_t)size && long_ticket_line(ps, len, buf, size))
		return buf;
	if (len >= (size_t)size) {
		burrow_config_fail(ps, ps->line, "line longer than %d characters", size - 2);
		return NULL;
	}
	memcpy(buf, ps->text, len);
	buf[len] = '\0';
	ps->text += len;

	p = buf;
	/* inih skips a UTF-8 byte order mark at the start; so must we */
	if (ps->line == 1 && !strncmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	for (; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == '[') {
		const char *close = strchr(p, ']');
		char section[256];
		size_t n;

		if (!close) {
			burrow_config_fail(ps, ps->line, "section header without ']'");
			return NULL;
		}
		n = (size_t)(close - p - 1);
		if (n >= sizeof(section))
			n = sizeof(section) - 1;
		memcpy(section, p + 1, n);
		section[n] = '\0';
		section_start(ps, section);
		if (ps->failed)
			return NULL;
	}
	return buf;
}

static int handle_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *ps = user;

	(void)section;		/* read_line already knows, including duplicates */
	if (ps->failed)
		return 1;
	switch (ps->section) {
	case SEC_NODE:
		node_key(ps, name, value);
		break;
	case SEC_PEER:
		peer_key(ps, name, value);
		break;
	case SEC_COORDINATOR:
		if (ps->long_pending && !strcmp(name, "relay_ticket"))
			value = ps->long_value;
		ps->long_pending = false;
		burrow_config_coordinator_key(ps, name, value);
		break;
	case SEC_DNS:
		burrow_config_dns_key(ps, name, value);
		break;
	case SEC_RELAY:
		burrow_config_relay_key(ps, name, value);
		break;
	case SEC_SERVICE:
		burrow_config_service_key(ps, name, value);
		break;
	case SEC_NONE:
		burrow_config_fail(ps, ps->line, "key '%s' outside a section", name);
		break;
	}
	return 1;
}

/* ---- defaults and the whole file --------------------------------------------- */

static int fill_defaults(struct parse_state *ps)
{
	struct burrow_config *cfg = ps->cfg;
	struct burrow_config_node *node = &cfg->node;
	char path[PATH_MAX];

	if (!node->private_key) {
		snprintf(path, sizeof(path), "/etc/burrow/%s.key", cfg->instance);
		node->private_key = strdup(path);
	}
	if (!node->state) {
		snprintf(path, sizeof(path), "/var/lib/burrow/%s.db", cfg->instance);
		node->state = strdup(path);
	}
	if (!node->control_socket) {
		snprintf(path, sizeof(path), "/run/burrow/%s.sock", cfg->instance);
		node->control_socket = strdup(path);
	}
	if (!node->private_key || !node->state || !node->control_socket) {
		burrow_config_fail(ps, 0, "out of memory");
		return -ENOMEM;
	}
	if (!cfg->dns.present) {
		cfg->dns.enabled = cfg->coordinator.enabled;
		cfg->dns.resolved = true;
		cfg->dns.port = 53;
	} else if (cfg->dns.enabled && !cfg->coordinator.enabled) {
		burrow_config_fail(ps, cfg->dns.line,
				   "[dns] needs a [coordinator]: names come from its node map "
				   "(or set enabled = no)");
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const struct burrow_config_peer *peer = &cfg->peers[i];

		if (node->mode != BURROW_HELLO_MODE_L2 && peer->l2_line) {
			burrow_config_fail(ps, peer->l2_line,
					   "[peer %s]: segments, mac_limit and flood_rate need mode = l2 in [node]",
					   peer->name);
			return -EINVAL;
		}
	}
	if (cfg->relay.enabled && !cfg->coordinator.enabled) {
		burrow_config_fail(ps, cfg->relay.line,
				   "[relay] needs a [coordinator]: its public_key signs the relay "
				   "tickets (or set enabled = no)");
		return -EINVAL;
	}
	if (node->listen.ss_family == AF_INET)
		((struct sockaddr_in *)&node->listen)->sin_port = htons(node->listen_port);
	else
		((struct sockaddr_in6 *)&node->listen)->sin6_port = htons(node->listen_port);
	return 0;
}

static void set_instance(struct burrow_config *cfg, const char *path)
{
	const char *base = strrchr(path, '/');
	size_t len;

	base = base ? base + 1 : path;
	len = strlen(base);
	if (len > 5 && !strcmp(base + len - 5, ".conf"))
		len -= 5;
	if (len > BURROW_CONFIG_NAME_MAX)
		len = BURROW_CONFIG_NAME_MAX;
	memcpy(cfg->instance, base, len);
	cfg->instance[len] = '\0';
	if (!burrow_config_name_valid(cfg->instance))
		snprintf(cfg->instance, sizeof(cfg->instance), "burrowd");
}

int burrow_config_parse_string(const char *text, const char *path, struct burrow_config *cfg,
			       char *err, size_t err_size)
{
	static const uint8_t default_ciphers[] = { BURROW_CIPHER_AES_256_GCM,
						   BURROW_CIPHER_AES_128_GCM,
						   BURROW_CIPHER_CHACHA20_POLY1305 };
	static const uint8_t default_encaps[] = { BURROW_ENCAP_UDP, BURROW_ENCAP_QUIC };
	struct parse_state ps = { .cfg = cfg, .text = text, .err = err, .err_size = err_size };
	struct sockaddr_in *sin = (struct sockaddr_in *)&cfg->node.listen;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->path = strdup(path);
	cfg->text = strdup(text);
	if (!cfg->path || !cfg->text) {
		free(cfg->path);
		free(cfg->text);
		burrow_errorf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	set_instance(cfg, path);

	cfg->node.listen_port = BURROW_CONFIG_DEFAULT_PORT;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_ANY);
	cfg->node.listen_len = sizeof(*sin);
	snprintf(cfg->node.device, sizeof(cfg->node.device), "burrow0");
	cfg->node.log_level = BURROW_LOG_INFO;
	cfg->node.rotation_interval_s = BURROW_CONFIG_DEFAULT_ROTATION_S;
	cfg->node.idle_timeout_s = BURROW_CONFIG_DEFAULT_IDLE_TIMEOUT_S;
	memcpy(cfg->node.ciphers, default_ciphers, sizeof(default_ciphers));
	cfg->node.n_ciphers = sizeof(default_ciphers);
	memcpy(cfg->node.encaps, default_encaps, sizeof(default_encaps));
	cfg->node.n_encaps = sizeof(default_encaps);
	cfg->node.mtu = BURROW_CONFIG_DEFAULT_MTU;

	/* Continuation lines would hand us the same key twice; keep one line per key. */
	ini_allow_multiline = false;
	ret = ini_parse_stream(read_line, &ps, handle_key, &ps);
	if (!ps.failed && ret > 0)
		burrow_config_fail(&ps, (unsigned int)ret, "syntax error (expected '[section]' or 'key = value')");
	else if (!ps.failed && ret < 0)
		burrow_config_fail(&ps, 0, "cannot parse: out of memory");
	if (!ps.failed)
		section_done(&ps);
	if (!ps.failed && !ps.seen_node)
		burrow_config_fail(&ps, 0, "no [node] section (it must give at least 'name')");
	if (!ps.failed && !cfg->node.name[0])
		burrow_config_fail(&ps, ps.node_line, "[node] has no name (required)");
	if (!ps.failed)
		fill_defaults(&ps);
	cfg->n_file_peers = cfg->n_peers;
	if (ps.failed) {
		burrow_config_free(cfg);
		return -EINVAL;
	}
	return 0;
}

int burrow_config_load(const char *path, struct burrow_config *cfg, char *err, size_t err_size)
{
	FILE *f = fopen(path, "re");
	char *text;
	size_t len;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	if (!f) {
		ret = -errno;
		burrow_errorf(err, err_size, "cannot open config '%s': %s", path, strerror(errno));
		return ret;
	}
	text = malloc(CONFIG_FILE_MAX + 1);
	if (!text) {
		fclose(f);
		burrow_errorf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	len = fread(text, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f)) {
		ret = -EIO;
		burrow_errorf(err, err_size, "cannot read config '%s': %s", path, strerror(errno));
	} else if (len > CONFIG_FILE_MAX) {
		ret = -EFBIG;
		burrow_errorf(err, err_size, "config '%s' is larger than %d bytes", path,
				      CONFIG_FILE_MAX);
	} else if (memchr(text, '\0', len)) {
		ret = -EINVAL;
		burrow_errorf(err, err_size, "config '%s' contains a NUL byte; not a text file", path);
	} else {
		text[len] = '\0';
		ret = burrow_config_parse_string(text, path, cfg, err, err_size);
	}
	free(text);
	fclose(f);
	return ret;
}

void burrow_config_peer_free(struct burrow_config_peer *peer)
{
	free(peer->allowed_ips);
	free(peer->request_address.items);
	free(peer->may_announce.items);
	free(peer->may_reach.items);
	free(peer->accept_addresses.items);
	free(peer->candidates);
	peer->candidates = NULL;
	peer->n_candidates = 0;
	peer->allowed_ips = NULL;
	peer->n_allowed_ips = 0;
	memset(&peer->request_address, 0, sizeof(peer->request_address));
	memset(&peer->may_announce, 0, sizeof(peer->may_announce));
	memset(&peer->may_reach, 0, sizeof(peer->may_reach));
	memset(&peer->accept_addresses, 0, sizeof(peer->accept_addresses));
}

void burrow_config_free(struct burrow_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_peers; i++)
		burrow_config_peer_free(&cfg->peers[i]);
	free(cfg->peers);
	free(cfg->services);
	free(cfg->coordinator.auth_key_file);
	free(cfg->coordinator.endpoints);
	free(cfg->text);
	free(cfg->node.addresses.items);
	free(cfg->node.address_pool.items);
	free(cfg->node.advertise_routes.items);
	free(cfg->node.private_key);
	free(cfg->node.state);
	free(cfg->node.control_socket);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

int burrow_config_copy(const struct burrow_config *src, struct burrow_config *dst, char *err,
		       size_t err_size)
{
	return burrow_config_parse_string(src->text, src->path, dst, err, err_size);
}

int burrow_config_peer_append(struct burrow_config *cfg, struct burrow_config_peer *peer)
{
	struct burrow_config_peer *grown;

	grown = realloc(cfg->peers, (cfg->n_peers + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	cfg->peers = grown;
	cfg->peers[cfg->n_peers++] = *peer;
	memset(peer, 0, sizeof(*peer));
	return 0;
}

const struct burrow_config_peer *burrow_config_peer_by_key(const struct burrow_config *cfg,
							   const uint8_t key[BURROW_PUBLIC_KEY_LEN])
{
	for (size_t i = 0; i < cfg->n_peers; i++)
		if (!memcmp(cfg->peers[i].public_key, key, BURROW_PUBLIC_KEY_LEN))
			return &cfg->peers[i];
	return NULL;
}

const struct burrow_config_peer *burrow_config_peer_by_name(const struct burrow_config *cfg,
							    const char *name)
{
	for (size_t i = 0; i < cfg->n_peers; i++)
		if (!strcmp(cfg->peers[i].name, name))
			return &cfg->peers[i];
	return NULL;
}
