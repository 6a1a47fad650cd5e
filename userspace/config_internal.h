/* SPDX-License-Identifier: GPL-2.0 */
/* Private to config.c, config_values.c and config_prefixes.c. */
#ifndef BURROW_CONFIG_INTERNAL_H
#define BURROW_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* Decimal digits only (no sign, no blanks), min <= value <= max; else -EINVAL. */
int burrow_config_parse_uint(const char *text, unsigned long long min, unsigned long long max,
			     unsigned long long *out);

/* The parser's state while it reads one file (config.c). */
struct parse_state {
	struct burrow_config *cfg;
	const char *text;		/* remaining input */
	unsigned int line;		/* of the line last handed to inih */
	char *err;
	size_t err_size;
	bool failed;
	/* current section: the node, a peer (index), or neither */
	enum { SEC_NONE, SEC_NODE, SEC_PEER, SEC_COORDINATOR, SEC_DNS, SEC_RELAY, SEC_SERVICE } section;
	size_t peer;
	bool seen_node;
	unsigned int node_line;
	/* which [node] keys were given (for duplicates) */
	unsigned int node_keys;
	unsigned int peer_keys;
	unsigned int coordinator_keys;
	unsigned int dns_keys;
	unsigned int relay_keys;
	unsigned int service_keys;
	/*
	 * A line too long for inih's buffer (INI_MAX_LINE, 200 in the system
	 * library) that is a [coordinator] relay_ticket (236 base64
	 * characters): read_line keeps its value here and hands inih a short
	 * stand-in line; handle_key puts the value back.
	 */
	bool long_pending;
	char long_value[BURROW_RELAY_TICKET_TEXT_SIZE + 64];
};

/* config_service.c: [service NAME] */
void burrow_config_service_start(struct parse_state *ps, const char *name);
void burrow_config_service_key(struct parse_state *ps, const char *name, const char *value);
void burrow_config_service_done(struct parse_state *ps);

/* Record the first error as "FILE:LINE: message"; later ones are dropped. */
void burrow_config_fail(struct parse_state *ps, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Split a comma list into trimmed items and call item() for each; empty items are errors. */
int burrow_config_for_each_item(struct parse_state *ps, const char *key, const char *value,
				int (*item)(struct parse_state *ps, const char *text, void *ctx),
				void *ctx);

/* config_prefixes.c: a list item of 'address' (ctx: struct burrow_prefix_list *). */
int burrow_config_address_item(struct parse_state *ps, const char *text, void *ctx);
/*
 * A prefix-list key into list: "auto"/"auto6" allowed where allow_auto, at
 * least min_host_bits host bits per prefix; address_pool and
 * advertise_routes may not overlap themselves.
 */
void burrow_config_prefix_list_key(struct parse_state *ps, const char *key, const char *value,
				   struct burrow_prefix_list *list, bool allow_auto,
				   unsigned int min_host_bits);

/* config_coordinator.c: one key of [coordinator], and its checks at the section's end. */
void burrow_config_coordinator_key(struct parse_state *ps, const char *name, const char *value);
void burrow_config_coordinator_done(struct parse_state *ps);
/* config_dns.c: one key of [dns]. */
void burrow_config_dns_key(struct parse_state *ps, const char *name, const char *value);
/* config_relay.c: one key of [relay]. */
void burrow_config_relay_key(struct parse_state *ps, const char *name, const char *value);
/* config_prefixes.c / config.c: an absolute path value into *slot (strdup). */
int burrow_config_set_path(struct parse_state *ps, const char *key, const char *value, char **slot,
			   size_t max);

#endif /* BURROW_CONFIG_INTERNAL_H */
