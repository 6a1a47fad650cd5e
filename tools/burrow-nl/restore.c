// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl dev restore DEV FILE: apply a 'burrow-nl -j show SRC' dump to
 * DEV, so a configuration survives a reboot or moves to a fresh device:
 *   - the device's default-keepalive, default-inactivity-timeout and
 *     quic-cid-len (before any peer: the kernel fixes it once a peer has a
 *     local-cid);
 *   - a listen socket on listen_port when the dump has one (socket_family
 *     "inet": 0.0.0.0:PORT; "inet6": every address, both families), or
 *     where "listen ..." says ("listen none": no socket);
 *   - every peer with peer add: id, tx_id, endpoint, pinned, encap, local_cid, remote_cid,
 *     keepalive, inactivity_timeout, allowed_ips.
 * Counters, times, ifindex, generation and keys' metadata are ignored: a
 * dump holds no key material (the kernel never returns it), so keys are
 * installed again with 'key add'. Peers are added, so DEV should have none
 * of the dump's peer ids; the first failure stops the restore.
 * The JSON is read with jansson; errors name the member: peers[2].endpoint.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"

/* Restore's errors: "dev restore: FILE: peers[1].id: ...". */
struct restore_ctx {
	struct cli *cli;
	const char *file;
	const char *ifname;
	bool listen_override;		/* "listen ..." given: not the dump's */
	bool listen_none;		/* "listen none": no socket at all */
	struct burrow_nl_endpoint listen_on;
};

static int restore_fail(const struct restore_ctx *ctx, const char *where, size_t index,
			const char *member, const char *message)
{
	if (where)
		cli_error("dev restore: %s: %s[%zu].%s: %s", ctx->file, where, index, member,
			  message);
	else
		cli_error("dev restore: %s: %s: %s", ctx->file, member, message);
	return CLI_EXIT_USAGE;
}

/*
 * An integer member of object, min..max; absent or null leaves *set false
 * (when nullable). Returns 0 or an exit code.
 */
static int restore_uint(const struct restore_ctx *ctx, json_t *object, const char *where,
			size_t index, const char *member, json_int_t max, bool nullable,
			bool *set, uint64_t *value)
{
	json_t *item = json_object_get(object, member);
	char message[96];

	*set = false;
	if (!item || json_is_null(item)) {
		if (nullable)
			return 0;
		return restore_fail(ctx, where, index, member, "missing");
	}
	if (!json_is_integer(item) || json_integer_value(item) < 0 ||
	    json_integer_value(item) > max) {
		snprintf(message, sizeof(message), "not an integer 0-%lld", (long long)max);
		return restore_fail(ctx, where, index, member, message);
	}
	*set = true;
	*value = (uint64_t)json_integer_value(item);
	return 0;
}

/* The dump's device settings and socket. */
static int restore_dev(const struct restore_ctx *ctx, json_t *dev)
{
	struct dev_set_args args = { 0 };
	json_t *family = json_object_get(dev, "socket_family");
	bool set;
	uint64_t value;
	int ret;

	args.settings.dev.ifname = ctx->ifname;
	ret = restore_uint(ctx, dev, NULL, 0, "default_keepalive", UINT16_MAX, true, &set, &value);
	if (ret)
		return ret;
	args.settings.default_keepalive_set = set;
	args.settings.default_keepalive = (uint16_t)value;
	ret = restore_uint(ctx, dev, NULL, 0, "default_inactivity_timeout",
			   DEV_DEFAULT_INACTIVITY_TIMEOUT_MAX, true, &set, &value);
	if (ret)
		return ret;
	args.settings.default_inactivity_timeout_set = set;
	args.settings.default_inactivity_timeout = (uint32_t)value;
	/* Optional: dumps from before quic-cid-len was shown have none. */
	ret = restore_uint(ctx, dev, NULL, 0, "quic_cid_len", BURROW_CID_LEN_MAX, true, &set,
			   &value);
	if (ret)
		return ret;
	args.settings.quic_cid_len_set = set;
	args.settings.quic_cid_len = (uint8_t)value;
	if (ctx->listen_override) {
		args.listen = !ctx->listen_none;
		args.listen_on = ctx->listen_on;
	} else if (family && !json_is_null(family)) {
		const char *name = json_is_string(family) ? json_string_value(family) : "";

		ret = restore_uint(ctx, dev, NULL, 0, "listen_port", UINT16_MAX, false, &set,
				   &value);
		if (ret)
			return ret;
		if (strcmp(name, "inet") == 0) {
			args.listen_on.family = AF_INET;
			args.listen_on.addr.v4.s_addr = htonl(INADDR_ANY);
		} else if (strcmp(name, "inet6") != 0) {
			return restore_fail(ctx, NULL, 0, "socket_family",
					    "not \"inet\", \"inet6\" or null");
		}
		args.listen_on.port = (uint16_t)value;
		args.listen = true;
	}
	return dev_apply_settings(ctx->cli, &args, "dev restore");
}

static int restore_peer(const struct restore_ctx *ctx, json_t *peer, size_t index)
{
	struct burrow_nl_peer_config config = { 0 };
	struct burrow_nl_prefix *prefixes = NULL;
	struct parse_error error;
	json_t *endpoint, *allowed, *item;
	uint64_t value;
	bool set;
	int ret;

	if (!json_is_object(peer))
		return restore_fail(ctx, "peers", index, "", "not an object");
	config.dev.ifname = ctx->ifname;
	ret = restore_uint(ctx, peer, "peers", index, "id", UINT32_MAX, false, &set, &value);
	if (ret)
		return ret;
	if (value == 0)
		return restore_fail(ctx, "peers", index, "id", "0 is not a peer id");
	config.id = (uint32_t)value;
	ret = restore_uint(ctx, peer, "peers", index, "tx_id", UINT32_MAX, true, &set, &value);
	if (ret)
		return ret;
	config.tx_id_set = set;
	config.tx_id = (uint32_t)value;
	ret = restore_uint(ctx, peer, "peers", index, "keepalive", UINT16_MAX, true, &set, &value);
	if (ret)
		return ret;
	config.keepalive_set = set;
	config.keepalive = (uint16_t)value;
	ret = restore_uint(ctx, peer, "peers", index, "inactivity_timeout",
			   PEER_INACTIVITY_TIMEOUT_MAX, true, &set, &value);
	if (ret)
		return ret;
	config.inactivity_timeout_set = set;
	config.inactivity_timeout = (uint32_t)value;

	item = json_object_get(peer, "pinned");
	if (item && !json_is_boolean(item))
		return restore_fail(ctx, "peers", index, "pinned", "not true or false");
	if (item) {
		config.endpoint_pinned_set = true;
		config.endpoint_pinned = json_is_true(item);
	}
	item = json_object_get(peer, "encap");
	if (item) {
		unsigned int choice;

		if (!json_is_string(item) ||
		    parse_choice("encap", json_string_value(item), cli_encap_names,
				 ARRAY_SIZE(cli_encap_names), &choice, &error))
			return restore_fail(ctx, "peers", index, "encap", "not \"udp\" or \"quic\"");
		config.encap_set = true;
		config.encap = (uint8_t)choice;
	}
	item = json_object_get(peer, "local_cid");
	if (item && (!json_is_string(item) ||
		     peer_parse_cid("local_cid", json_string_value(item), config.local_cid,
				    &config.local_cid_len, &error)))
		return restore_fail(ctx, "peers", index, "local_cid", "not a connection ID in hex");
	item = json_object_get(peer, "remote_cid");
	if (item && (!json_is_string(item) ||
		     peer_parse_cid("remote_cid", json_string_value(item), config.remote_cid,
				    &config.remote_cid_len, &error)))
		return restore_fail(ctx, "peers", index, "remote_cid", "not a connection ID in hex");
	endpoint = json_object_get(peer, "endpoint");
	if (endpoint && !json_is_null(endpoint)) {
		json_t *address = json_object_get(endpoint, "address");
		json_t *port = json_object_get(endpoint, "port");
		const char *text = json_is_string(address) ? json_string_value(address) : "";

		if (inet_pton(AF_INET, text, &config.endpoint.addr.v4) == 1)
			config.endpoint.family = AF_INET;
		else if (inet_pton(AF_INET6, text, &config.endpoint.addr.v6) == 1)
			config.endpoint.family = AF_INET6;
		else
			return restore_fail(ctx, "peers", index, "endpoint.address",
					    "not an IPv4 or IPv6 address");
		if (!json_is_integer(port) || json_integer_value(port) < 1 ||
		    json_integer_value(port) > 65535)
			return restore_fail(ctx, "peers", index, "endpoint.port",
					    "not a port 1-65535");
		config.endpoint.port = (uint16_t)json_integer_value(port);
	}
	allowed = json_object_get(peer, "allowed_ips");
	if (allowed && !json_is_array(allowed))
		return restore_fail(ctx, "peers", index, "allowed_ips", "not an array");
	if (allowed && json_array_size(allowed)) {
		size_t a;

		prefixes = calloc(json_array_size(allowed), sizeof(*prefixes));
		if (!prefixes)
			return restore_fail(ctx, "peers", index, "allowed_ips", "out of memory");
		json_array_foreach(allowed, a, item) {
			if (!json_is_string(item) ||
			    parse_prefix(json_string_value(item), &prefixes[a], &error)) {
				free(prefixes);
				return restore_fail(ctx, "peers", index, "allowed_ips",
						    json_is_string(item) ? error.message
									 : "not a string");
			}
		}
		config.allowed_ips = prefixes;
		config.allowed_ips_count = json_array_size(allowed);
	}
	ret = burrow_nl_peer_new(ctx->cli->nl, &config);
	free(prefixes);
	if (ret)
		return cli_report_error(ctx->cli, ret, "dev restore");
	return CLI_EXIT_OK;
}

/* dev restore DEV FILE [listen PORT|ADDR:PORT|[ADDR6]:PORT|none] */
int dev_restore(struct cli *cli, int argc, char **argv)
{
	struct restore_ctx ctx = { .cli = cli };
	struct burrow_nl_dev_ref ref;
	struct burrow_nl_dev dev;
	struct parse_error error;
	json_error_t json_error;
	json_t *root, *device, *peers;
	int ret;

	if (argc < 2)
		return cli_usage_error("missing %s for dev restore", argc ? "FILE" : "device name");
	if (argc > 2 && strcmp(argv[2], "listen") != 0)
		return cli_usage_error("unknown keyword '%s' for dev restore", argv[2]);
	if (argc == 3)
		return cli_usage_error("missing value for listen");
	if (argc > 4)
		return cli_usage_error("unexpected argument '%s' for dev restore", argv[4]);
	if (parse_ifname(argv[0], &error))
		return cli_usage_error("%s", error.message);
	if (argc == 4) {
		ctx.listen_override = true;
		ctx.listen_none = strcmp(argv[3], "none") == 0;
		if (!ctx.listen_none && parse_listen(argv[3], &ctx.listen_on, &error))
			return cli_usage_error("%s", error.message);
	}
	ctx.ifname = argv[0];
	ctx.file = argv[1];
	if (strcmp(argv[1], "-") == 0)
		root = json_loadf(stdin, 0, &json_error);
	else
		root = json_load_file(argv[1], 0, &json_error);
	if (!root)
		return cli_usage_error("dev restore: %s: line %d: %s", argv[1], json_error.line,
				       json_error.text);
	/* 'show DEV' prints an array of one device; a bare object is fine too. */
	device = root;
	if (json_is_array(root)) {
		if (json_array_size(root) != 1) {
			json_decref(root);
			return cli_usage_error("dev restore: %s holds %zu devices, not one (dump "
					       "one with 'burrow-nl -j show DEV')",
					       argv[1], json_array_size(root));
		}
		device = json_array_get(root, 0);
	}
	if (!json_is_object(device)) {
		json_decref(root);
		return cli_usage_error("dev restore: %s is not a burrow-nl -j show dump", argv[1]);
	}
	peers = json_object_get(device, "peers");
	if (peers && !json_is_array(peers)) {
		json_decref(root);
		return restore_fail(&ctx, NULL, 0, "peers", "not an array");
	}

	ret = cli_open(cli);
	if (ret == CLI_EXIT_OK) {
		ref = (struct burrow_nl_dev_ref){ .ifname = ctx.ifname };
		ret = burrow_nl_dev_get(cli->nl, &ref, &dev);
		ret = ret ? cli_report_error(cli, ret, "dev restore") : CLI_EXIT_OK;
	}
	if (ret == CLI_EXIT_OK)
		ret = restore_dev(&ctx, device);
	for (size_t i = 0; ret == CLI_EXIT_OK && peers && i < json_array_size(peers); i++)
		ret = restore_peer(&ctx, json_array_get(peers, i), i);
	json_decref(root);
	return ret;
}
