// SPDX-License-Identifier: GPL-2.0
/* burrow-nl peer: add, change, remove and show a device's peers. */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"
#include "burrow-text.h"
#include "out.h"

/* ---- peer add / peer set ---------------------------------------------------- */

enum peer_keyword {
	PEER_ID,
	PEER_TX_ID,
	PEER_ENDPOINT,
	PEER_ALLOWED_IPS,
	PEER_KEEPALIVE,
	PEER_INACTIVITY_TIMEOUT,
	PEER_PINNED,
	PEER_ENCAP,
	PEER_LOCAL_CID,
	PEER_REMOTE_CID,
	PEER_RELAY_TICKET,
	PEER_SEGMENTS,
	PEER_MAC_LIMIT,
	PEER_FLOOD_RATE,
	PEER_ALLOWED_IPS_OP,	/* peer set only: keep last */
};

static const char *const peer_keywords[] = {
	[PEER_ID] = "id",
	[PEER_TX_ID] = "tx-id",
	[PEER_ENDPOINT] = "endpoint",
	[PEER_ALLOWED_IPS] = "allowed-ips",
	[PEER_KEEPALIVE] = "keepalive",
	[PEER_INACTIVITY_TIMEOUT] = "inactivity-timeout",
	[PEER_PINNED] = "pinned",
	[PEER_ENCAP] = "encap",
	[PEER_LOCAL_CID] = "local-cid",
	[PEER_REMOTE_CID] = "remote-cid",
	[PEER_RELAY_TICKET] = "relay-ticket",
	[PEER_SEGMENTS] = "segments",
	[PEER_MAC_LIMIT] = "mac-limit",
	[PEER_FLOOD_RATE] = "flood-rate",
	[PEER_ALLOWED_IPS_OP] = "allowed-ips-op",
};

static const char *const on_off[] = { "off", "on" };
static const char *const allowed_ips_ops[] = {
	[BURROW_ALLOWED_IPS_OP_ADD] = "add",
	[BURROW_ALLOWED_IPS_OP_REMOVE] = "remove",
	[BURROW_ALLOWED_IPS_OP_REPLACE] = "replace",
};

static bool peer_is_keyword(const char *word)
{
	for (size_t i = 0; i < ARRAY_SIZE(peer_keywords); i++) {
		if (strcmp(word, peer_keywords[i]) == 0)
			return true;
	}
	return false;
}

/* A connection ID: 1 to BURROW_CID_LEN_MAX bytes as an even number of hex digits. */
int peer_parse_cid(const char *name, const char *text, uint8_t *cid, uint8_t *len,
			  struct parse_error *error)
{
	size_t digits = strlen(text);

	if (digits == 0 || digits % 2 || digits > 2 * BURROW_CID_LEN_MAX)
		return parse_fail(error, "invalid %s '%s' (1 to %d bytes in hex)", name, text,
				  BURROW_CID_LEN_MAX);
	for (size_t i = 0; i < digits / 2; i++) {
		unsigned int byte;
		char pair[3] = { text[2 * i], text[2 * i + 1], 0 };

		if (!isxdigit((unsigned char)pair[0]) || !isxdigit((unsigned char)pair[1]) ||
		    sscanf(pair, "%2x", &byte) != 1)
			return parse_fail(error, "invalid %s '%s' (1 to %d bytes in hex)", name,
					  text, BURROW_CID_LEN_MAX);
		cid[i] = (uint8_t)byte;
	}
	*len = (uint8_t)(digits / 2);
	return 0;
}

int peer_parse_segments(const char *text, uint8_t *bitmap, struct parse_error *error)
{
	const char *item = text;

	memset(bitmap, 0, BURROW_SEGMENTS_LEN);
	if (strcmp(text, "none") == 0)
		return 0;
	for (;;) {
		const char *end = strchr(item, ',');
		size_t len = end ? (size_t)(end - item) : strlen(item);
		char token[8];
		uint64_t vid;
		char *stop;

		if (len == 0 || len >= sizeof(token))
			return parse_fail(error, "invalid segments '%s' (VLAN ids 0-%d, comma-separated, "
					  "or none)", text, BURROW_VLAN_MAX);
		memcpy(token, item, len);
		token[len] = '\0';
		errno = 0;
		vid = strtoull(token, &stop, 10);
		if (*stop || !isdigit((unsigned char)token[0]) || errno || vid > BURROW_VLAN_MAX)
			return parse_fail(error, "invalid VLAN id '%s' in segments '%s' (0 untagged, "
					  "1-%d)", token, text, BURROW_VLAN_MAX);
		bitmap[vid / 8] |= (uint8_t)(1U << (vid % 8));
		if (!end)
			return 0;
		item = end + 1;
	}
}

static void peer_put_segments(struct cli_out *out, const uint8_t *bitmap, bool json)
{
	bool first = true;

	for (unsigned int vid = 0; vid <= BURROW_VLAN_MAX; vid++) {
		if (!(bitmap[vid / 8] & (1U << (vid % 8))))
			continue;
		if (!first)
			cli_out_char(out, ',');
		cli_out_u64(out, vid);
		first = false;
	}
	if (first && !json)
		cli_out_lit(out, "none");
}

void peer_print_segments(FILE *file, const uint8_t *bitmap, bool json)
{
	struct cli_out out;

	cli_out_init(&out, file);
	peer_put_segments(&out, bitmap, json);
	cli_out_flush(&out);
}

/*
 * A keyword naming one of names (encap, allowed-ips-op): its index into
 * the u8 field *value, and *value_set so that the request carries it
 * (an unset field keeps the kernel's current value or default).
 */
static int peer_parse_u8_choice(const char *name, const char *text, const char *const *names,
				unsigned int count, uint8_t *value, bool *value_set,
				struct parse_error *error)
{
	unsigned int choice;

	if (parse_choice(name, text, names, count, &choice, error))
		return -1;
	*value = (uint8_t)choice;
	*value_set = true;
	return 0;
}

/* The value of one keyword into args. */
static int peer_parse_value(enum peer_keyword keyword, const char *text, bool set,
			    struct peer_args *args, struct parse_error *error)
{
	struct burrow_nl_peer_config *config = &args->config;
	const char *name = peer_keywords[keyword];
	unsigned int choice;
	uint64_t number;
	uint32_t seconds;

	switch (keyword) {
	case PEER_ID:
		if (parse_number(name, text, 1, UINT32_MAX, &number, error))
			return -1;
		config->id = (uint32_t)number;
		return 0;
	case PEER_TX_ID:
		if (parse_number(name, text, 0, UINT32_MAX, &number, error))
			return -1;
		config->tx_id = (uint32_t)number;
		config->tx_id_set = true;
		return 0;
	case PEER_ENDPOINT:
		if (set && strcmp(text, "none") == 0) {
			config->endpoint_clear = true;
			return 0;
		}
		return parse_endpoint(text, &config->endpoint, error);
	case PEER_ALLOWED_IPS:
		if (parse_prefix_list(text, &args->allowed_ips, &config->allowed_ips_count, error))
			return -1;
		config->allowed_ips = args->allowed_ips;
		return 0;
	case PEER_KEEPALIVE:
		if (parse_seconds(name, text, UINT16_MAX, &seconds, error))
			return -1;
		config->keepalive = (uint16_t)seconds;
		config->keepalive_set = true;
		return 0;
	case PEER_INACTIVITY_TIMEOUT:
		if (parse_seconds(name, text, PEER_INACTIVITY_TIMEOUT_MAX, &seconds, error))
			return -1;
		config->inactivity_timeout = seconds;
		config->inactivity_timeout_set = true;
		return 0;
	case PEER_PINNED:
		if (parse_choice(name, text, on_off, ARRAY_SIZE(on_off), &choice, error))
			return -1;
		config->endpoint_pinned = choice == 1;
		config->endpoint_pinned_set = true;
		return 0;
	case PEER_ENCAP:
		return peer_parse_u8_choice(name, text, cli_encap_names, ARRAY_SIZE(cli_encap_names),
					    &config->encap, &config->encap_set, error);
	case PEER_LOCAL_CID:
		return peer_parse_cid(name, text, config->local_cid, &config->local_cid_len, error);
	case PEER_REMOTE_CID:
		return peer_parse_cid(name, text, config->remote_cid, &config->remote_cid_len,
				      error);
	case PEER_RELAY_TICKET:
		if (parse_number(name, text, 0, UINT32_MAX, &number, error))
			return -1;
		config->relay_ticket = (uint32_t)number;
		config->relay_ticket_set = true;
		return 0;
	case PEER_SEGMENTS:
		config->segments_set = true;
		return peer_parse_segments(text, config->segments, error);
	case PEER_MAC_LIMIT:
		if (parse_number(name, text, 0, UINT32_MAX, &number, error))
			return -1;
		config->mac_limit = (uint32_t)number;
		config->mac_limit_set = true;
		return 0;
	case PEER_FLOOD_RATE:
		if (parse_number(name, text, 0, UINT32_MAX, &number, error))
			return -1;
		config->flood_rate = (uint32_t)number;
		config->flood_rate_set = true;
		return 0;
	case PEER_ALLOWED_IPS_OP:
		return peer_parse_u8_choice(name, text, allowed_ips_ops, ARRAY_SIZE(allowed_ips_ops),
					    &config->allowed_ips_op, &config->allowed_ips_op_set,
					    error);
	}
	return parse_fail(error, "unhandled keyword '%s'", name);
}

int peer_parse_args(int argc, char **argv, bool set, struct peer_args *args,
		    struct parse_error *error)
{
	const char *command = set ? "peer set" : "peer add";
	unsigned int keywords = set ? ARRAY_SIZE(peer_keywords) : PEER_ALLOWED_IPS_OP;
	bool given[ARRAY_SIZE(peer_keywords)] = { false };
	struct burrow_nl_peer_config *config = &args->config;
	bool any_setting = false;

	*args = (struct peer_args){ 0 };
	if (cli_parse_dev(argc, argv, peer_is_keyword, command, &config->dev.ifname, error))
		return -1;

	for (int i = 1; i < argc; i += 2) {
		int keyword = cli_keyword(argc, argv, i, peer_keywords, given, keywords, command,
					  error);

		if (keyword < 0)
			return -1;
		if (peer_parse_value((enum peer_keyword)keyword, argv[i + 1], set, args, error))
			return -1;
		any_setting = any_setting || keyword != PEER_ID;
	}
	if (!given[PEER_ID])
		return parse_fail(error, "missing id for %s", command);
	if (set && !any_setting)
		return parse_fail(error, "nothing to set for peer set");
	if (set && config->allowed_ips_count && !config->allowed_ips_op_set) {
		config->allowed_ips_op = BURROW_ALLOWED_IPS_OP_ADD;
		config->allowed_ips_op_set = true;
	}
	if (set && config->allowed_ips_op_set && !config->allowed_ips_count &&
	    config->allowed_ips_op != BURROW_ALLOWED_IPS_OP_REPLACE)
		return parse_fail(error, "allowed-ips-op %s needs allowed-ips",
				  allowed_ips_ops[config->allowed_ips_op]);
	return 0;
}

void peer_args_release(struct peer_args *args)
{
	free(args->allowed_ips);
	args->allowed_ips = NULL;
	args->config.allowed_ips = NULL;
	args->config.allowed_ips_count = 0;
}

/* peer add DEV id N ... / peer set DEV id N ... */
static int peer_change(struct cli *cli, int argc, char **argv, bool set)
{
	struct peer_args args;
	struct parse_error error;
	int ret;

	if (peer_parse_args(argc, argv, set, &args, &error)) {
		peer_args_release(&args);
		return cli_usage_error("%s", error.message);
	}
	ret = cli_open(cli);
	if (ret == CLI_EXIT_OK) {
		ret = set ? burrow_nl_peer_set(cli->nl, &args.config)
			  : burrow_nl_peer_new(cli->nl, &args.config);
		ret = ret ? cli_report_error(cli, ret, set ? "peer set" : "peer add") : CLI_EXIT_OK;
	}
	peer_args_release(&args);
	return ret;
}

static int peer_add(struct cli *cli, int argc, char **argv)
{
	return peer_change(cli, argc, argv, false);
}

static int peer_set(struct cli *cli, int argc, char **argv)
{
	return peer_change(cli, argc, argv, true);
}

/* ---- peer del / peer show --------------------------------------------------- */

int peer_parse_ref(int argc, char **argv, const char *command, bool id_optional,
		   const char **ifname, uint32_t *id, struct parse_error *error)
{
	bool given = false;
	uint64_t number;

	*id = 0;
	if (cli_parse_dev(argc, argv, peer_is_keyword, command, ifname, error))
		return -1;
	for (int i = 1; i < argc; i += 2) {
		if (cli_keyword(argc, argv, i, peer_keywords, &given, 1, command, error) < 0)
			return -1;
		if (parse_number("id", argv[i + 1], 1, UINT32_MAX, &number, error))
			return -1;
		*id = (uint32_t)number;
	}
	if (!given && !id_optional)
		return parse_fail(error, "missing id for %s", command);
	return 0;
}

/*
 * peer del and peer show: parse "DEV id N" (or "DEV [id N]") before the
 * netlink socket is opened, so a usage error never needs the module.
 * CLI_EXIT_OK, or the exit code to return.
 */
static int peer_ref_open(struct cli *cli, int argc, char **argv, const char *command,
			 bool id_optional, struct burrow_nl_dev_ref *dev, uint32_t *id)
{
	struct parse_error error;

	if (peer_parse_ref(argc, argv, command, id_optional, &dev->ifname, id, &error))
		return cli_usage_error("%s", error.message);
	return cli_open(cli);
}

/* peer del DEV id N */
static int peer_del(struct cli *cli, int argc, char **argv)
{
	struct burrow_nl_dev_ref dev = { 0 };
	uint32_t id;
	int ret;

	ret = peer_ref_open(cli, argc, argv, "peer del", false, &dev, &id);
	if (ret)
		return ret;
	ret = burrow_nl_peer_del(cli->nl, &dev, id);
	if (ret)
		return cli_report_error(cli, ret, "peer del");
	return CLI_EXIT_OK;
}

static void peer_put_allowed_ips(struct cli_out *out, const struct burrow_nl_peer *peer)
{
	if (peer->allowed_ips_count == 0) {
		cli_out_lit(out, "none");
		return;
	}
	for (size_t i = 0; i < peer->allowed_ips_count; i++) {
		if (i)
			cli_out_char(out, ',');
		cli_out_prefix(out, &peer->allowed_ips[i]);
	}
}

/* "  name 25", or "  name default" when the peer takes the device's. */
static void peer_put_seconds(struct cli_out *out, const char *name, bool set, uint32_t seconds)
{
	cli_out_lit(out, "  ");
	cli_out_str(out, name);
	if (set) {
		cli_out_char(out, ' ');
		cli_out_u64(out, seconds);
		cli_out_char(out, '\n');
	} else {
		cli_out_lit(out, " default\n");
	}
}

/* ,"key":"hex"; nothing when len is 0 (udp peers keep their old JSON) */
static void peer_put_json_hex(struct cli_out *out, const char *key, const uint8_t *bytes,
			      size_t len)
{
	if (!len)
		return;
	cli_out_lit(out, ",\"");
	cli_out_str(out, key);
	cli_out_lit(out, "\":\"");
	cli_out_hex(out, bytes, len);
	cli_out_char(out, '"');
}

/* Bytes as "N bytes", or with human "1.21 KiB". */
static void peer_put_bytes(struct cli_out *out, uint64_t bytes, bool human)
{
	char buf[32];

	if (human) {
		cli_out_str(out, cli_format_bytes(bytes, true, buf));
	} else {
		cli_out_u64(out, bytes);
		cli_out_lit(out, " bytes");
	}
}

void peer_print_text(FILE *out, const struct burrow_nl_peer *peers, size_t count)
{
	peer_print_text_human(out, peers, count, false);
}

static void peer_put_text(struct cli_out *out, const struct burrow_nl_peer *peer, bool human)
{
	cli_out_lit(out, "peer ");
	cli_out_u64(out, peer->id);
	cli_out_lit(out, "\n  tx-id ");
	cli_out_u64(out, peer->tx_id);
	cli_out_lit(out, "\n  endpoint ");
	cli_out_endpoint(out, &peer->endpoint);
	if (peer->endpoint_pinned)
		cli_out_lit(out, "\n  pinned on\n  encap ");
	else
		cli_out_lit(out, "\n  pinned off\n  encap ");
	cli_out_str(out, cli_encap_name(peer->encap));
	cli_out_char(out, '\n');
	if (peer->local_cid_len) {
		cli_out_lit(out, "  local-cid ");
		cli_out_hex(out, peer->local_cid, peer->local_cid_len);
		cli_out_char(out, '\n');
	}
	if (peer->remote_cid_len) {
		cli_out_lit(out, "  remote-cid ");
		cli_out_hex(out, peer->remote_cid, peer->remote_cid_len);
		cli_out_char(out, '\n');
	}
	if (peer->relay_ticket) {
		cli_out_lit(out, "  relay-ticket ");
		cli_out_u64(out, peer->relay_ticket);
		cli_out_char(out, '\n');
	}
	if (peer->l2) {
		cli_out_lit(out, "  segments ");
		peer_put_segments(out, peer->segments, false);
		cli_out_lit(out, "\n  mac-limit ");
		cli_out_u64(out, peer->mac_limit);
		cli_out_lit(out, " flood-rate ");
		cli_out_u64(out, peer->flood_rate);
		cli_out_lit(out, " macs ");
		cli_out_u64(out, peer->mac_count);
		cli_out_char(out, '\n');
	}
	peer_put_seconds(out, "keepalive", peer->keepalive_set, peer->keepalive);
	peer_put_seconds(out, "inactivity-timeout", peer->inactivity_timeout_set,
			 peer->inactivity_timeout);
	cli_out_lit(out, "  allowed-ips ");
	peer_put_allowed_ips(out, peer);
	cli_out_lit(out, "\n  rx ");
	peer_put_bytes(out, peer->rx_bytes, human);
	cli_out_char(out, ' ');
	cli_out_u64(out, peer->rx_packets);
	cli_out_lit(out, " packets\n  tx ");
	peer_put_bytes(out, peer->tx_bytes, human);
	cli_out_char(out, ' ');
	cli_out_u64(out, peer->tx_packets);
	cli_out_lit(out, " packets\n  queue-drops tx ");
	cli_out_u64(out, peer->tx_queue_drops);
	cli_out_lit(out, " rx ");
	cli_out_u64(out, peer->rx_queue_drops);
	if (peer->last_rx_set) {
		char ago[48];

		cli_out_lit(out, "\n  last-receive ");
		cli_out_str(out, cli_format_duration(peer->last_rx_ms_ago / 1000, ago));
		cli_out_lit(out, " ago\n");
	} else {
		cli_out_lit(out, "\n  last-receive never\n");
	}
	if (peer->expired)
		cli_out_lit(out, "  expired yes\n");
	else
		cli_out_lit(out, "  expired no\n");
}

void peer_print_text_human(FILE *file, const struct burrow_nl_peer *peers, size_t count,
			   bool human)
{
	struct cli_out out;

	cli_out_init(&out, file);
	for (size_t i = 0; i < count; i++) {
		if (i)
			cli_out_char(&out, '\n');
		peer_put_text(&out, &peers[i], human);
	}
	cli_out_flush(&out);
}

static void peer_put_json_seconds(struct cli_out *out, const char *key, bool set,
				  uint32_t seconds)
{
	cli_out_lit(out, ",\"");
	cli_out_str(out, key);
	if (set) {
		cli_out_lit(out, "\":");
		cli_out_u64(out, seconds);
	} else {
		cli_out_lit(out, "\":null");
	}
}

/* {"family":"inet","address":"192.0.2.1","port":51820} or null, as burrow_json_endpoint(). */
static void peer_put_json_endpoint(struct cli_out *out, const struct burrow_nl_endpoint *endpoint)
{
	if (endpoint->family != AF_INET && endpoint->family != AF_INET6) {
		cli_out_lit(out, "null");
		return;
	}
	cli_out_lit(out, "{\"family\":\"");
	cli_out_str(out, burrow_text_family(endpoint->family));
	cli_out_lit(out, "\",\"address\":\"");
	cli_out_addr(out, endpoint->family, &endpoint->addr);
	cli_out_lit(out, "\",\"port\":");
	cli_out_u64(out, endpoint->port);
	cli_out_char(out, '}');
}

/*
 * The fields of one peer's JSON object. Every string in it is a fixed
 * name, a number, an address or hex: none needs JSON escaping.
 */
static void peer_put_json_fields(struct cli_out *out, const struct burrow_nl_peer *peer)
{
	cli_out_lit(out, "\"id\":");
	cli_out_u64(out, peer->id);
	cli_out_lit(out, ",\"tx_id\":");
	cli_out_u64(out, peer->tx_id);
	cli_out_lit(out, ",\"endpoint\":");
	peer_put_json_endpoint(out, &peer->endpoint);
	if (peer->endpoint_pinned)
		cli_out_lit(out, ",\"pinned\":true,\"encap\":\"");
	else
		cli_out_lit(out, ",\"pinned\":false,\"encap\":\"");
	cli_out_str(out, cli_encap_name(peer->encap));
	cli_out_char(out, '"');
	peer_put_json_hex(out, "local_cid", peer->local_cid, peer->local_cid_len);
	peer_put_json_hex(out, "remote_cid", peer->remote_cid, peer->remote_cid_len);
	/* Direct peers (0) keep their old JSON, as udp peers do without CIDs. */
	if (peer->relay_ticket) {
		cli_out_lit(out, ",\"relay_ticket\":");
		cli_out_u64(out, peer->relay_ticket);
	}
	/* Only l2 devices' peers have these: l3 JSON stays as it was. */
	if (peer->l2) {
		cli_out_lit(out, ",\"segments\":[");
		peer_put_segments(out, peer->segments, true);
		cli_out_lit(out, "],\"mac_limit\":");
		cli_out_u64(out, peer->mac_limit);
		cli_out_lit(out, ",\"flood_rate\":");
		cli_out_u64(out, peer->flood_rate);
		cli_out_lit(out, ",\"mac_count\":");
		cli_out_u64(out, peer->mac_count);
	}
	peer_put_json_seconds(out, "keepalive", peer->keepalive_set, peer->keepalive);
	peer_put_json_seconds(out, "inactivity_timeout", peer->inactivity_timeout_set,
			      peer->inactivity_timeout);
	cli_out_lit(out, ",\"allowed_ips\":[");
	for (size_t a = 0; a < peer->allowed_ips_count; a++) {
		if (a)
			cli_out_char(out, ',');
		cli_out_char(out, '"');
		cli_out_prefix(out, &peer->allowed_ips[a]);
		cli_out_char(out, '"');
	}
	cli_out_lit(out, "],\"rx_bytes\":");
	cli_out_u64(out, peer->rx_bytes);
	cli_out_lit(out, ",\"rx_packets\":");
	cli_out_u64(out, peer->rx_packets);
	cli_out_lit(out, ",\"tx_bytes\":");
	cli_out_u64(out, peer->tx_bytes);
	cli_out_lit(out, ",\"tx_packets\":");
	cli_out_u64(out, peer->tx_packets);
	cli_out_lit(out, ",\"tx_queue_drops\":");
	cli_out_u64(out, peer->tx_queue_drops);
	cli_out_lit(out, ",\"rx_queue_drops\":");
	cli_out_u64(out, peer->rx_queue_drops);
	if (peer->last_rx_set) {
		cli_out_lit(out, ",\"last_rx_ms_ago\":");
		cli_out_u64(out, peer->last_rx_ms_ago);
	} else {
		cli_out_lit(out, ",\"last_rx_ms_ago\":null");
	}
	if (peer->expired)
		cli_out_lit(out, ",\"expired\":true");
	else
		cli_out_lit(out, ",\"expired\":false");
}

void peer_print_json_fields(FILE *file, const struct burrow_nl_peer *peer)
{
	struct cli_out out;

	cli_out_init(&out, file);
	peer_put_json_fields(&out, peer);
	cli_out_flush(&out);
}

void peer_print_json(FILE *file, const struct burrow_nl_peer *peers, size_t count)
{
	struct cli_out out;

	cli_out_init(&out, file);
	cli_out_char(&out, '[');
	for (size_t i = 0; i < count; i++) {
		if (i)
			cli_out_char(&out, ',');
		cli_out_char(&out, '{');
		peer_put_json_fields(&out, &peers[i]);
		cli_out_char(&out, '}');
	}
	cli_out_lit(&out, "]\n");
	cli_out_flush(&out);
}

static int peer_print(struct cli *cli, const struct burrow_nl_peer *peers, size_t count)
{
	FILE *out;

	if (!cli->json) {
		peer_print_text_human(stdout, peers, count, cli->human);
		return CLI_EXIT_OK;
	}
	out = cli_json_begin(cli);
	peer_print_json(out, peers, count);
	return cli_json_end(cli, out);
}

/* One peer, picked out of a dump of the device. */
static int peer_show_from_dump(struct cli *cli, const struct burrow_nl_dev_ref *dev, uint32_t id)
{
	struct burrow_nl_peer *peers;
	size_t count, i;
	int ret;

	ret = burrow_nl_peer_dump(cli->nl, dev, &peers, &count);
	if (ret)
		return cli_report_error(cli, ret, "peer show");
	for (i = 0; i < count && peers[i].id != id; i++)
		;
	if (i < count)
		ret = peer_print(cli, &peers[i], 1);
	burrow_nl_peers_free(peers, count);
	if (i == count)
		return cli_report_error(cli, -ENOENT, "peer show");
	return ret;
}

/* peer show DEV [id N] */
static int peer_show(struct cli *cli, int argc, char **argv)
{
	struct burrow_nl_dev_ref dev = { 0 };
	struct burrow_nl_peer *peers, one;
	size_t count;
	uint32_t id;
	int ret;

	ret = peer_ref_open(cli, argc, argv, "peer show", true, &dev, &id);
	if (ret)
		return ret;
	if (id) {
		ret = burrow_nl_peer_get(cli->nl, &dev, id, &one);
		peers = &one;
		count = 1;
		/* Too large for one reply: the kernel wants a dump for it. */
		if (ret == -EMSGSIZE)
			return peer_show_from_dump(cli, &dev, id);
	} else {
		ret = burrow_nl_peer_dump(cli->nl, &dev, &peers, &count);
	}
	if (ret)
		return cli_report_error(cli, ret, "peer show");
	ret = peer_print(cli, peers, count);
	if (id)
		burrow_nl_peer_release(&one);
	else
		burrow_nl_peers_free(peers, count);
	return ret;
}

/* ---- dispatch --------------------------------------------------------------- */

const struct cli_command cli_peer_commands[] = {
	{ "show", peer_show, "show DEV [id N]" },
	{ "add", peer_add, "add DEV id N [tx-id N] [endpoint ADDR:PORT | endpoint [ADDR6]:PORT]\n"
	  "                  [allowed-ips PREFIX[,PREFIX...]] [keepalive SECONDS]\n"
	  "                  [inactivity-timeout SECONDS] [pinned on|off] [encap udp|quic]\n"
	  "                  [local-cid HEX] [remote-cid HEX] [relay-ticket N]\n"
	  "                  [segments VLAN[,VLAN...]|none] [mac-limit N] [flood-rate N]" },
	{ "set", peer_set, "set DEV id N [peer add's options] [endpoint none]\n"
	  "                  [allowed-ips-op add|remove|replace]" },
	{ "del", peer_del, "del DEV id N" },
	{ NULL, NULL, NULL },
};

/* peer add|set|del|show ... */
int cli_peer(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, "peer", cli_peer_commands, argc, argv);
}
