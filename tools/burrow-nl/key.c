// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl key: install, swap, delete and show a peer's keys. Key
 * material is read from key files (keyfile.c), never from the command
 * line, and wiped from memory once sent.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "burrow-text.h"
#include "keyfile.h"

/* ---- key add ---------------------------------------------------------------- */

enum key_keyword {
	KEY_PEER,
	KEY_SLOT,
	KEY_KEY_ID,
	KEY_CIPHER,
	KEY_TX,
	KEY_RX,
	KEY_SOFT_PACKETS,
	KEY_HARD_PACKETS,
	KEY_SOFT_SECONDS,
	KEY_HARD_SECONDS,
	KEY_TX_KEY,
	KEY_RX_KEY,
};

static const char *const key_keywords[] = {
	[KEY_PEER] = "peer",
	[KEY_SLOT] = "slot",
	[KEY_KEY_ID] = "key-id",
	[KEY_CIPHER] = "cipher",
	[KEY_TX] = "tx",
	[KEY_RX] = "rx",
	[KEY_SOFT_PACKETS] = "soft-packets",
	[KEY_HARD_PACKETS] = "hard-packets",
	[KEY_SOFT_SECONDS] = "soft-seconds",
	[KEY_HARD_SECONDS] = "hard-seconds",
	[KEY_TX_KEY] = "tx-key",
	[KEY_RX_KEY] = "rx-key",
};

/* What key add cannot do without (tx and rx: a file, or tx-key/rx-key). */
static const enum key_keyword key_add_required[] = {
	KEY_PEER, KEY_SLOT, KEY_KEY_ID, KEY_CIPHER,
};

static bool key_is_keyword(const char *word)
{
	for (size_t i = 0; i < ARRAY_SIZE(key_keywords); i++) {
		if (strcmp(word, key_keywords[i]) == 0)
			return true;
	}
	return false;
}

static int key_parse_peer(const char *text, uint32_t *peer_id, struct parse_error *error)
{
	uint64_t number;

	if (parse_number("peer", text, 1, UINT32_MAX, &number, error))
		return -1;
	*peer_id = (uint32_t)number;
	return 0;
}

static int key_parse_slot(const char *text, uint8_t *slot, struct parse_error *error)
{
	unsigned int choice;

	if (parse_choice("slot", text, cli_slot_names, ARRAY_SIZE(cli_slot_names), &choice, error))
		return -1;
	*slot = (uint8_t)choice;
	return 0;
}

static int key_add_parse_value(enum key_keyword keyword, const char *text,
			       struct key_add_args *args, struct parse_error *error)
{
	struct burrow_nl_key_config *config = &args->config;
	const char *name = key_keywords[keyword];
	unsigned int choice;
	uint64_t number;

	switch (keyword) {
	case KEY_PEER:
		return key_parse_peer(text, &config->peer_id, error);
	case KEY_SLOT:
		return key_parse_slot(text, &config->slot, error);
	case KEY_KEY_ID:
		if (parse_number(name, text, 0, UINT8_MAX, &number, error))
			return -1;
		config->key_id = (uint8_t)number;
		return 0;
	case KEY_CIPHER:
		if (parse_choice(name, text, cli_cipher_names, ARRAY_SIZE(cli_cipher_names),
				 &choice, error))
			return -1;
		config->cipher = (uint8_t)choice;
		return 0;
	case KEY_TX:
		args->tx_path = text;
		return 0;
	case KEY_RX:
		args->rx_path = text;
		return 0;
	case KEY_TX_KEY:
		args->tx_text = text;
		return 0;
	case KEY_RX_KEY:
		args->rx_text = text;
		return 0;
	case KEY_SOFT_PACKETS:
	case KEY_HARD_PACKETS:
		if (parse_number(name, text, 0, UINT64_MAX, &number, error))
			return -1;
		if (keyword == KEY_SOFT_PACKETS) {
			config->soft_limit_packets = number;
			config->soft_limit_packets_set = true;
		} else {
			config->hard_limit_packets = number;
			config->hard_limit_packets_set = true;
		}
		return 0;
	case KEY_SOFT_SECONDS:
	case KEY_HARD_SECONDS:
		if (parse_number(name, text, 0, UINT32_MAX, &number, error))
			return -1;
		if (keyword == KEY_SOFT_SECONDS) {
			config->soft_limit_seconds = (uint32_t)number;
			config->soft_limit_seconds_set = true;
		} else {
			config->hard_limit_seconds = (uint32_t)number;
			config->hard_limit_seconds_set = true;
		}
		return 0;
	}
	return parse_fail(error, "unhandled keyword '%s'", name);
}

int key_add_parse_args(int argc, char **argv, struct key_add_args *args,
		       struct parse_error *error)
{
	bool given[ARRAY_SIZE(key_keywords)] = { false };

	*args = (struct key_add_args){ 0 };
	if (cli_parse_dev(argc, argv, key_is_keyword, "key add", &args->config.dev.ifname, error))
		return -1;
	for (int i = 1; i < argc; i += 2) {
		int keyword = cli_keyword(argc, argv, i, key_keywords, given,
					  ARRAY_SIZE(key_keywords), "key add", error);

		if (keyword < 0)
			return -1;
		if (key_add_parse_value((enum key_keyword)keyword, argv[i + 1], args, error))
			return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(key_add_required); i++) {
		if (!given[key_add_required[i]])
			return parse_fail(error, "missing %s for key add",
					  key_keywords[key_add_required[i]]);
	}
	if (given[KEY_TX] && given[KEY_TX_KEY])
		return parse_fail(error, "give tx or tx-key, not both");
	if (given[KEY_RX] && given[KEY_RX_KEY])
		return parse_fail(error, "give rx or rx-key, not both");
	if (!given[KEY_TX] && !given[KEY_TX_KEY])
		return parse_fail(error, "missing tx for key add");
	if (!given[KEY_RX] && !given[KEY_RX_KEY])
		return parse_fail(error, "missing rx for key add");
	if (args->tx_path && args->rx_path && strcmp(args->tx_path, "-") == 0 &&
	    strcmp(args->rx_path, "-") == 0)
		return parse_fail(error, "at most one of tx and rx may be '-' (standard input)");
	return 0;
}

/* One direction's key and IV: from its file, or (tx-key/rx-key) the argument. */
static int key_material(struct key_add_args *args, bool tx, const char *cipher_name,
			size_t key_len, bool *has_hp, struct parse_error *error)
{
	const char *text = tx ? args->tx_text : args->rx_text;
	uint8_t *key = tx ? args->config.encrypt_key : args->config.decrypt_key;
	uint8_t *iv = tx ? args->config.encrypt_iv : args->config.decrypt_iv;
	uint8_t *hp = tx ? args->config.encrypt_hp_key : args->config.decrypt_hp_key;

	if (text)
		return keyfile_decode_hp(text, strlen(text), tx ? "tx-key" : "rx-key",
					 cipher_name, key_len, key, iv, hp, has_hp, error);
	return keyfile_read_hp(tx ? args->tx_path : args->rx_path, cipher_name, key_len, key,
			       iv, hp, has_hp, stderr, error);
}

/* Where a direction's key came from, for messages: its file or its keyword. */
static const char *key_source(const struct key_add_args *args, bool tx)
{
	if (tx)
		return args->tx_text ? "tx-key" : args->tx_path;
	return args->rx_text ? "rx-key" : args->rx_path;
}

/* key add DEV peer N slot S key-id N cipher C tx FILE rx FILE [limits] */
static int key_add(struct cli *cli, int argc, char **argv)
{
	struct key_add_args args;
	struct parse_error error;
	const char *cipher_name;
	size_t key_len;
	int ret;

	if (key_add_parse_args(argc, argv, &args, &error))
		return cli_usage_error("%s", error.message);
	if ((args.tx_text || args.rx_text) && !cli->force)
		return cli_usage_error("refusing key material on the command line (%s): other "
				       "users see it in ps, and it stays in shell history; use a "
				       "key file or '-' for standard input, or -force",
				       args.tx_text ? "tx-key" : "rx-key");
	cipher_name = cli_cipher_name(args.config.cipher);
	key_len = burrow_nl_cipher_key_len(args.config.cipher);
	bool tx_hp = false, rx_hp = false;

	if (key_material(&args, true, cipher_name, key_len, &tx_hp, &error) ||
	    key_material(&args, false, cipher_name, key_len, &rx_hp, &error)) {
		explicit_bzero(&args.config, sizeof(args.config));
		return cli_usage_error("%s", error.message);
	}
	if (tx_hp != rx_hp) {
		explicit_bzero(&args.config, sizeof(args.config));
		return cli_usage_error("'%s' has a header-protection key and '%s' has none; "
				       "give both or neither", key_source(&args, tx_hp),
				       key_source(&args, !tx_hp));
	}
	args.config.hp_keys_set = tx_hp;
	ret = cli_open(cli);
	if (ret == CLI_EXIT_OK) {
		ret = burrow_nl_key_new(cli->nl, &args.config);
		ret = ret ? cli_report_error(cli, ret, "key add") : CLI_EXIT_OK;
	}
	explicit_bzero(&args.config, sizeof(args.config));
	return ret;
}

/* ---- key swap / key del / key show ------------------------------------------ */

int key_parse_ref(int argc, char **argv, const char *command, int slot_wanted,
		  const char **ifname, uint32_t *peer_id, int *slot, struct parse_error *error)
{
	/* peer, slot: the first two key keywords. */
	unsigned int keywords = slot_wanted < 0 ? 1 : 2;
	bool given[2] = { false };

	*slot = -1;
	if (cli_parse_dev(argc, argv, key_is_keyword, command, ifname, error))
		return -1;
	for (int i = 1; i < argc; i += 2) {
		int keyword = cli_keyword(argc, argv, i, key_keywords, given, keywords, command,
					  error);
		uint8_t parsed;

		if (keyword < 0)
			return -1;
		if (keyword == KEY_PEER) {
			if (key_parse_peer(argv[i + 1], peer_id, error))
				return -1;
		} else {
			if (key_parse_slot(argv[i + 1], &parsed, error))
				return -1;
			*slot = parsed;
		}
	}
	if (!given[KEY_PEER])
		return parse_fail(error, "missing peer for %s", command);
	if (slot_wanted > 0 && !given[KEY_SLOT])
		return parse_fail(error, "missing slot for %s", command);
	return 0;
}

/* key swap DEV peer N */
static int key_swap(struct cli *cli, int argc, char **argv)
{
	struct burrow_nl_dev_ref dev = { 0 };
	struct parse_error error;
	uint32_t peer_id;
	int ret, slot;

	if (key_parse_ref(argc, argv, "key swap", -1, &dev.ifname, &peer_id, &slot, &error))
		return cli_usage_error("%s", error.message);
	ret = cli_open(cli);
	if (ret)
		return ret;
	ret = burrow_nl_key_swap(cli->nl, &dev, peer_id);
	if (ret)
		return cli_report_error(cli, ret, "key swap");
	return CLI_EXIT_OK;
}

/* key del DEV peer N slot S */
static int key_del(struct cli *cli, int argc, char **argv)
{
	struct burrow_nl_dev_ref dev = { 0 };
	struct parse_error error;
	uint32_t peer_id;
	int ret, slot;

	if (key_parse_ref(argc, argv, "key del", 1, &dev.ifname, &peer_id, &slot, &error))
		return cli_usage_error("%s", error.message);
	ret = cli_open(cli);
	if (ret)
		return ret;
	ret = burrow_nl_key_del(cli->nl, &dev, peer_id, (uint8_t)slot);
	if (ret)
		return cli_report_error(cli, ret, "key del");
	return CLI_EXIT_OK;
}

void key_print_text(FILE *out, const struct burrow_nl_key *keys, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const struct burrow_nl_key *key = &keys[i];
		char age[48];

		if (i)
			fputc('\n', out);
		fprintf(out, "peer %u key %s\n", key->peer_id, cli_slot_name(key->slot));
		fprintf(out, "  key-id %u\n", key->key_id);
		fprintf(out, "  cipher %s\n", cli_cipher_name(key->cipher));
		fprintf(out, "  age %s\n", cli_format_duration(key->age_seconds, age));
		fprintf(out, "  tx-packets %" PRIu64 "\n", key->tx_packets);
		fprintf(out, "  rx-packets %" PRIu64 "\n", key->rx_packets);
		fprintf(out, "  rx-max-counter %" PRIu64 "\n", key->rx_max_counter);
		fprintf(out, "  soft-limit %" PRIu64 " packets %us\n", key->soft_limit_packets,
			key->soft_limit_seconds);
		fprintf(out, "  hard-limit %" PRIu64 " packets %us\n", key->hard_limit_packets,
			key->hard_limit_seconds);
		fprintf(out, "  rx-auth-failures %" PRIu64 " of %" PRIu64 "\n", key->rx_auth_failures,
			key->integrity_limit);
		fprintf(out, "  limit-reached %s\n", cli_limit_name(key->limit_reached));
	}
}

void key_print_json_fields(FILE *out, const struct burrow_nl_key *key)
{
	fprintf(out, "\"peer_id\":%u,\"slot\":\"%s\",\"key_id\":%u,\"cipher\":\"%s\","
		"\"age_seconds\":%u,\"tx_packets\":%" PRIu64 ",\"rx_packets\":%" PRIu64
		",\"rx_max_counter\":%" PRIu64 ",\"soft_limit_packets\":%" PRIu64
		",\"hard_limit_packets\":%" PRIu64 ",\"soft_limit_seconds\":%u"
		",\"hard_limit_seconds\":%u,\"integrity_limit\":%" PRIu64
		",\"rx_auth_failures\":%" PRIu64 ",\"limit_reached\":\"%s\"",
		key->peer_id, cli_slot_name(key->slot), key->key_id,
		cli_cipher_name(key->cipher), key->age_seconds, key->tx_packets,
		key->rx_packets, key->rx_max_counter, key->soft_limit_packets,
		key->hard_limit_packets, key->soft_limit_seconds, key->hard_limit_seconds,
		key->integrity_limit, key->rx_auth_failures, cli_limit_name(key->limit_reached));
}

void key_print_json(FILE *out, const struct burrow_nl_key *keys, size_t count)
{
	fputc('[', out);
	for (size_t i = 0; i < count; i++) {
		fputs(i ? ",{" : "{", out);
		key_print_json_fields(out, &keys[i]);
		fputc('}', out);
	}
	fputs("]\n", out);
}

/*
 * key show DEV peer N [slot S]. Without a slot, both; an empty slot is
 * left out, and when both are empty a peer-get tells "no keys" (exit 0)
 * from "no such peer" (exit 3), also for a peer too large for one reply.
 */
static int key_show(struct cli *cli, int argc, char **argv)
{
	struct burrow_nl_dev_ref dev = { 0 };
	struct burrow_nl_key keys[2];
	struct parse_error error;
	size_t count = 0;
	uint32_t peer_id;
	int ret, slot;

	if (key_parse_ref(argc, argv, "key show", 0, &dev.ifname, &peer_id, &slot, &error))
		return cli_usage_error("%s", error.message);
	ret = cli_open(cli);
	if (ret)
		return ret;
	for (int s = BURROW_KEY_SLOT_PRIMARY; s <= BURROW_KEY_SLOT_SECONDARY; s++) {
		if (slot >= 0 && s != slot)
			continue;
		ret = burrow_nl_key_get(cli->nl, &dev, peer_id, (uint8_t)s, &keys[count]);
		if (ret == 0)
			count++;
		else if (ret != -ENOENT || slot >= 0 || !burrow_nl_last_error_from_kernel(cli->nl))
			return cli_report_error(cli, ret, "key show");
	}
	if (count == 0 && slot < 0) {
		struct burrow_nl_peer peer;

		/*
		 * EMSGSIZE: the kernel found the peer but its prefixes do not
		 * fit one reply; it exists, which is all this asks.
		 */
		ret = burrow_nl_peer_get(cli->nl, &dev, peer_id, &peer);
		if (ret && ret != -EMSGSIZE)
			return cli_report_error(cli, ret, "key show");
		if (!ret)
			burrow_nl_peer_release(&peer);
	}
	if (cli->json) {
		FILE *out = cli_json_begin(cli);

		key_print_json(out, keys, count);
		return cli_json_end(cli, out);
	}
	key_print_text(stdout, keys, count);
	return CLI_EXIT_OK;
}

/* ---- dispatch --------------------------------------------------------------- */

const struct cli_command cli_key_commands[] = {
	{ "show", key_show, "show DEV peer N [slot primary|secondary]" },
	{ "add", key_add, "add DEV peer N slot primary|secondary key-id N\n"
	  "                  cipher chacha20-poly1305|aes-128-gcm|aes-256-gcm tx FILE rx FILE\n"
	  "                  [soft-packets N] [hard-packets N] [soft-seconds N] [hard-seconds N]\n"
	  "                  (-force: tx-key HEX|BASE64, rx-key HEX|BASE64 instead of files)" },
	{ "swap", key_swap, "swap DEV peer N" },
	{ "del", key_del, "del DEV peer N slot primary|secondary" },
	{ NULL, NULL, NULL },
};

/* key add|swap|del|show ... */
int cli_key(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, "key", cli_key_commands, argc, argv);
}
