// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-coord's command line through coord_cli_run(): output, JSON, exit
 * codes and error messages quoting the bad token.
 */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli.h"
#include "burrow-text.h"
#include "coord_store.h"
#include "identity.h"
#include "log.h"
#include "relay_ticket.h"

static char dir[] = "/tmp/test_coord_cli.XXXXXX";
static char db[256];
static unsigned int counter;
static char out_buf[8192], err_buf[8192];

static int setup_dir(void **state)
{
	(void)state;
	burrow_log_set_fd(open("/dev/null", O_WRONLY | O_CLOEXEC));
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static int fresh_db(void **state)
{
	(void)state;
	snprintf(db, sizeof(db), "%s/c%u.db", dir, counter++);
	return 0;
}

/* Run "burrow-coord -d DB" + the NULL-terminated words; out_buf/err_buf hold the output. */
static int run(const char *first, ...)
{
	char *argv[32] = { "burrow-coord", "-d", db };
	int argc = 3, ret;
	FILE *out = fmemopen(out_buf, sizeof(out_buf), "w");
	FILE *err = fmemopen(err_buf, sizeof(err_buf), "w");
	va_list ap;

	memset(out_buf, 0, sizeof(out_buf));
	memset(err_buf, 0, sizeof(err_buf));
	va_start(ap, first);
	for (const char *w = first; w && argc < 31; w = va_arg(ap, const char *))
		argv[argc++] = (char *)w;
	va_end(ap);
	argv[argc] = NULL;
	ret = coord_cli_run(argc, argv, out, err);
	fclose(out);
	fclose(err);
	return ret;
}

/* Whether `burrow-coord help` mentions text (run() clobbers out_buf). */
static const char *usage_has(const char *text)
{
	assert_int_equal(run("help", NULL), COORD_EXIT_OK);
	return strstr(out_buf, text);
}

static void test_help_and_usage(void **state)
{
	(void)state;
	assert_int_equal(run("help", NULL), COORD_EXIT_OK);
	assert_non_null(strstr(out_buf, "Exit codes"));
	assert_int_equal(run("run", NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "run needs listen ADDR:PORT and key FILE"));
	assert_non_null(usage_has("control-ticket issue --relay NODE --node-key KEY"));
	assert_non_null(usage_has("[--egress-relay NODE]"));
	assert_int_equal(run("run", "listen", "127.0.0.1:7000", "key", "/nonexistent",
			     "--egress-relay", "Bad_Name", NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "--egress-relay"));
	assert_non_null(strstr(err_buf, "Bad_Name"));
	assert_int_equal(run("run", "listen", "127.0.0.1:7000", "key", "/nonexistent",
			     "--egress-relay", NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "'--egress-relay' needs a value"));
	/* relay fallback settings: each bad value is refused, quoted; good ones pass on */
	static const char *const bad[][2] = {
		{ "--relay-lifetime", "2d" }, { "--relay-lifetime", "0s" },
		{ "--relay-lifetime", "never" }, { "--relay-lifetime", "5x" },
		{ "--relay-burst", "0" }, { "--relay-burst", "1001" }, { "--relay-burst", "-3" },
		{ "--relay-interval", "2d" }, { "--relay-interval", "never" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char quoted[32];

		assert_int_equal(run("run", "listen", "127.0.0.1:7000", "key", "/nonexistent",
				     bad[i][0], bad[i][1], NULL), COORD_EXIT_USAGE);
		snprintf(quoted, sizeof(quoted), "'%s'", bad[i][1]);
		assert_non_null(strstr(err_buf, bad[i][0]));
		assert_non_null(strstr(err_buf, quoted));
	}
	assert_int_equal(run("run", "listen", "127.0.0.1:7000", "key", "/nonexistent",
			     "--relay-lifetime", "1d", "--relay-burst", "1000", "--relay-interval",
			     "30s", NULL), COORD_EXIT_USAGE);
	assert_null(strstr(err_buf, "--relay"));
	assert_non_null(strstr(err_buf, "/nonexistent"));
	assert_non_null(usage_has("[--relay-burst N] [--relay-interval DURATION]"));
	assert_int_equal(run("node", "frob", NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "'frob'"));
	assert_int_equal(run("key", "create", "expiry", "5y", NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "'5y'"));
	assert_int_equal(run("-x", NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "'-x'"));
	assert_int_equal(run("route", "approve", "a", "10.0.0.300/24", NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "'10.0.0.300/24'"));
}

static void test_keys(void **state)
{
	char id[COORD_KEY_ID_SIZE];

	(void)state;
	assert_int_equal(run("key", "create", "reusable", "expiry", "7d", "tag", "tag:web", NULL),
			 COORD_EXIT_OK);
	assert_memory_equal(out_buf, "bck_", 4);
	assert_int_equal(strlen(out_buf), 48);	/* secret and newline */
	snprintf(id, sizeof(id), "%.8s", out_buf + 4);
	assert_int_equal(run("key", "list", NULL), COORD_EXIT_OK);
	assert_non_null(strstr(out_buf, id));
	assert_non_null(strstr(out_buf, "reusable"));
	assert_non_null(strstr(out_buf, "tags tag:web"));
	assert_int_equal(run("key", "revoke", id, NULL), COORD_EXIT_OK);
	assert_int_equal(run("key", "revoke", "nosuchid", NULL), COORD_EXIT_REFUSED);
	assert_non_null(strstr(err_buf, "'nosuchid'"));
	{
		char *argv[] = { "burrow-coord", "-j", "-d", db, "key", "list", NULL };
		FILE *out = fmemopen(out_buf, sizeof(out_buf), "w");
		FILE *err = fmemopen(err_buf, sizeof(err_buf), "w");

		memset(out_buf, 0, sizeof(out_buf));
		assert_int_equal(coord_cli_run(6, argv, out, err), COORD_EXIT_OK);
		fclose(out);
		fclose(err);
		assert_non_null(strstr(out_buf, "\"revoked\":true"));
	}
}

static void test_nodes_and_routes(void **state)
{
	char why[COORD_STORE_ERR_MAX], secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	struct burrow_nl_prefix adv;
	struct coord_store *cs;
	struct coord_node node;
	uint8_t key[32];

	(void)state;
	assert_int_equal(coord_store_open(db, &cs, why, sizeof(why)), 0);
	assert_int_equal(coord_store_key_create(cs, true, 0, NULL, 0, secret, id), 0);
	assert_int_equal(burrow_text_parse_prefix("10.20.0.0/16", 0, &adv, NULL, 0), 0);
	memset(key, 1, sizeof(key));
	assert_int_equal(coord_store_register(cs, secret, key, "alpha", &adv, 1, &node), 0);
	coord_store_node_clear(&node);
	memset(key, 2, sizeof(key));
	assert_int_equal(coord_store_register(cs, secret, key, "beta", NULL, 0, &node), 0);
	coord_store_node_clear(&node);
	coord_store_close(cs);

	assert_int_equal(run("node", "list", NULL), COORD_EXIT_OK);
	assert_non_null(strstr(out_buf, "alpha 100.64.0.1"));
	assert_non_null(strstr(out_buf, "beta 100.64.0.2"));
	assert_int_equal(run("node", "rename", "alpha", "beta", NULL), COORD_EXIT_REFUSED);
	assert_non_null(strstr(err_buf, "'beta'"));
	assert_int_equal(run("node", "rename", "alpha", "Bad!", NULL), COORD_EXIT_REFUSED);
	assert_non_null(strstr(err_buf, "'Bad!'"));
	assert_int_equal(run("node", "rename", "alpha", "gamma", NULL), COORD_EXIT_OK);
	assert_int_equal(run("route", "approve", "gamma", "10.30.0.0/16", NULL),
			 COORD_EXIT_REFUSED);
	assert_non_null(strstr(err_buf, "'10.30.0.0/16'"));
	assert_int_equal(run("route", "approve", "gamma", "10.20.0.0/16", NULL), COORD_EXIT_OK);
	assert_int_equal(run("route", "list", NULL), COORD_EXIT_OK);
	assert_string_equal(out_buf, "gamma 10.20.0.0/16 approved\n");
	assert_int_equal(run("node", "expire", "beta", NULL), COORD_EXIT_OK);
	assert_int_equal(run("node", "remove", "beta", NULL), COORD_EXIT_OK);
	assert_int_equal(run("node", "remove", "beta", NULL), COORD_EXIT_REFUSED);
	assert_non_null(strstr(err_buf, "'beta'"));
}

static void test_database_error(void **state)
{
	(void)state;
	snprintf(db, sizeof(db), "%s/missing-dir/c.db", dir);
	assert_int_equal(run("key", "list", NULL), COORD_EXIT_DATABASE);
	assert_non_null(strstr(err_buf, db));
}

/* Listings read an existing database and never create one. */
static void test_listing_does_not_create(void **state)
{
	(void)state;
	assert_int_equal(run("key", "list", NULL), COORD_EXIT_DATABASE);
	assert_non_null(strstr(err_buf, db));
	assert_int_equal(run("node", "list", NULL), COORD_EXIT_DATABASE);
	assert_int_equal(run("route", "list", NULL), COORD_EXIT_DATABASE);
	assert_int_equal(access(db, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(run("key", "create", NULL), COORD_EXIT_OK);
	assert_int_equal(run("-j", "key", "list", NULL), COORD_EXIT_OK);
	assert_non_null(strstr(out_buf, "\"id\""));
	assert_int_equal(run("node", "list", NULL), COORD_EXIT_OK);
}

/*
 * relay-ticket issue prints a ticket that verifies against the coordinator
 * key for the pair and the relay named; list shows it, revoke marks it;
 * bad words are quoted with stable exit codes.
 */
static void test_relay_tickets(void **state)
{
	char why[COORD_STORE_ERR_MAX], secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	char key_path[300], ticket_text[BURROW_RELAY_TICKET_TEXT_SIZE], id_text[16];
	uint8_t keys[3][32];
	const char *const names[3] = { "relay1", "n1", "n2" };
	struct burrow_identity coord;
	struct burrow_relay_ticket t;
	struct coord_store *cs;
	struct coord_node node;
	const char *bad;

	(void)state;
	assert_int_equal(coord_store_open(db, &cs, why, sizeof(why)), 0);
	assert_int_equal(coord_store_key_create(cs, true, 0, NULL, 0, secret, id), 0);
	for (int i = 0; i < 3; i++) {
		memset(keys[i], 0x30 - i, 32);	/* n2 < n1 bytewise: the ticket orders them */
		assert_int_equal(coord_store_register(cs, secret, keys[i], names[i], NULL, 0, &node), 0);
		assert_string_equal(node.name, names[i]);
		coord_store_node_clear(&node);
	}
	coord_store_close(cs);
	snprintf(key_path, sizeof(key_path), "%s/coord%u.key", dir, counter);
	assert_int_equal(burrow_identity_generate(key_path, &coord, why, sizeof(why)), 0);

	assert_int_equal(run("relay-ticket", "issue", "--relay", "relay1", "--pair", "n1,n2",
			     "--lifetime", "10m", "--key", key_path, NULL), COORD_EXIT_OK);
	assert_int_equal(strlen(out_buf), BURROW_RELAY_TICKET_TEXT_LEN + 1);
	snprintf(ticket_text, sizeof(ticket_text), "%.*s", BURROW_RELAY_TICKET_TEXT_LEN, out_buf);
	assert_int_equal(burrow_relay_ticket_from_text(ticket_text, &t, &bad), 0);
	assert_memory_equal(t.relay, keys[0], 32);
	assert_memory_equal(t.a, keys[2], 32);
	assert_memory_equal(t.b, keys[1], 32);
	assert_int_equal(burrow_relay_ticket_verify(&t, coord.public_key, keys[0], keys[1],
						    t.expiry - 600), BURROW_RELAY_TICKET_OK);
	assert_int_equal(burrow_relay_ticket_verify(&t, coord.public_key, keys[0], keys[2],
						    t.expiry - 1), BURROW_RELAY_TICKET_OK);
	assert_int_equal(burrow_relay_ticket_verify(&t, coord.public_key, keys[0], keys[2],
						    t.expiry - 601), BURROW_RELAY_TICKET_OK);

	/* list, then JSON; the ticket is recorded by id with its pair in key order */
	snprintf(id_text, sizeof(id_text), "%u", (unsigned)t.id);
	assert_int_equal(run("relay-ticket", "list", NULL), COORD_EXIT_OK);
	assert_non_null(strstr(out_buf, id_text));
	assert_non_null(strstr(out_buf, "relay relay1 pair n2,n1 expires "));
	assert_null(strstr(out_buf, "revoked"));
	assert_int_equal(run("relay-ticket", "revoke", id_text, NULL), COORD_EXIT_OK);
	assert_int_equal(run("-j", "relay-ticket", "list", NULL), COORD_EXIT_OK);
	assert_non_null(strstr(out_buf, "\"relay\":\"relay1\",\"pair\":[\"n2\",\"n1\"]"));
	assert_non_null(strstr(out_buf, "\"revoked\":true"));
	assert_non_null(strstr(out_buf, "\"expired\":false"));
	assert_int_equal(run("-j", "relay-ticket", "issue", "--relay", "relay1", "--pair", "n2,n1",
			     "--key", key_path, NULL), COORD_EXIT_OK);
	assert_non_null(strstr(out_buf, "\"ticket\":\""));

	/* refusals: unknown nodes, the same node twice, the relay in the pair */
	assert_int_equal(run("relay-ticket", "issue", "--relay", "nosuch", "--pair", "n1,n2",
			     "--key", key_path, NULL), COORD_EXIT_REFUSED);
	assert_non_null(strstr(err_buf, "'nosuch'"));
	assert_int_equal(run("relay-ticket", "issue", "--relay", "relay1", "--pair", "n1,ghost",
			     "--key", key_path, NULL), COORD_EXIT_REFUSED);
	assert_non_null(strstr(err_buf, "'ghost'"));
	assert_int_equal(run("relay-ticket", "issue", "--relay", "relay1", "--pair", "n1,n1",
			     "--key", key_path, NULL), COORD_EXIT_REFUSED);
	assert_non_null(strstr(err_buf, "'n1' twice"));
	assert_int_equal(run("relay-ticket", "issue", "--relay", "n1", "--pair", "n1,n2",
			     "--key", key_path, NULL), COORD_EXIT_REFUSED);
	assert_non_null(strstr(err_buf, "'n1' is one of the pair"));
	assert_int_equal(run("relay-ticket", "revoke", "4294967295", NULL), COORD_EXIT_REFUSED);
	assert_non_null(strstr(err_buf, "no relay ticket 4294967295"));

	/* usage errors quote the token */
	assert_int_equal(run("relay-ticket", "issue", "--relay", "relay1", "--pair", "n1",
			     "--key", key_path, NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "'n1'"));
	assert_int_equal(run("relay-ticket", "issue", "--relay", "relay1", "--pair", "n1,n2,n3",
			     "--key", key_path, NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "'n1,n2,n3'"));
	assert_int_equal(run("relay-ticket", "issue", "--relay", "relay1", "--pair", "n1,n2",
			     "--lifetime", "2d", "--key", key_path, NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "'2d'"));
	assert_int_equal(run("relay-ticket", "issue", "--relay", "relay1", "--pair", "n1,n2",
			     "--lifetime", "never", "--key", key_path, NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "'never'"));
	assert_int_equal(run("relay-ticket", "issue", "--relay", "relay1", "--pear", "n1,n2", NULL),
			 COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "'--pear'"));
	assert_int_equal(run("relay-ticket", "issue", "--relay", "relay1", NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "needs --relay NODE and --pair"));
	assert_int_equal(run("relay-ticket", "revoke", "0", NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "'0'"));
	assert_int_equal(run("relay-ticket", "revoke", "12x", NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "'12x'"));
	assert_int_equal(run("relay-ticket", "frob", NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "'frob'"));
	assert_int_equal(run("relay-ticket", "issue", "--relay", "relay1", "--pair", "n1,n2",
			     "--key", "/nonexistent/coord.key", NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "/nonexistent/coord.key"));

	/* removing a node removes its tickets */
	assert_int_equal(run("node", "remove", "n1", NULL), COORD_EXIT_OK);
	assert_int_equal(run("relay-ticket", "list", NULL), COORD_EXIT_OK);
	assert_string_equal(out_buf, "");
	burrow_identity_clear(&coord);
}

/*
 * control-ticket issue prints exactly the two [coordinator] lines; the
 * ticket pairs the node's key with the coordinator's, through the relay's
 * key, and verifies; relay-ticket list shows it as control (the node by
 * name once one has the key); revoke marks it; each bad input is named
 * with a stable exit code.
 */
static void test_control_tickets(void **state)
{
	char why[COORD_STORE_ERR_MAX], secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	char key_path[300], want[512], id_text[16], node_key_text[BURROW_PUBLIC_KEY_TEXT_SIZE];
	char coord_key_text[BURROW_PUBLIC_KEY_TEXT_SIZE], relay_key_text[BURROW_PUBLIC_KEY_TEXT_SIZE];
	uint8_t keys[2][32], node_key[32];
	const char *const names[2] = { "relay1", "plain" };
	struct burrow_identity coord;
	struct burrow_relay_ticket t;
	struct coord_store *cs;
	struct coord_node node;
	const char *bad, *line2;
	int64_t relay_id = 0;

	(void)state;
	assert_int_equal(coord_store_open(db, &cs, why, sizeof(why)), 0);
	assert_int_equal(coord_store_key_create(cs, true, 0, NULL, 0, secret, id), 0);
	for (int i = 0; i < 2; i++) {
		memset(keys[i], 0x30 + i, 32);
		assert_int_equal(coord_store_register(cs, secret, keys[i], names[i], NULL, 0, &node), 0);
		if (i == 0)
			relay_id = node.id;
		coord_store_node_clear(&node);
	}
	assert_int_equal(coord_store_node_set_relay(cs, relay_id, "192.0.2.7:4433"), 0);
	coord_store_close(cs);
	snprintf(key_path, sizeof(key_path), "%s/coord%u.key", dir, counter);
	assert_int_equal(burrow_identity_generate(key_path, &coord, why, sizeof(why)), 0);
	memset(node_key, 0x41, 32);	/* no node has it yet */
	burrow_public_key_to_text(node_key, node_key_text);
	burrow_public_key_to_text(coord.public_key, coord_key_text);
	burrow_public_key_to_text(keys[0], relay_key_text);

	assert_int_equal(run("control-ticket", "issue", "--relay", "relay1", "--node-key",
			     node_key_text, "--key", key_path, NULL), COORD_EXIT_OK);
	/* exactly two lines: relay = HOST:PORT, relay_ticket = BASE64 */
	assert_memory_equal(out_buf, "relay = 192.0.2.7:4433\nrelay_ticket = ", 38);
	line2 = out_buf + strlen("relay = 192.0.2.7:4433\nrelay_ticket = ");
	assert_int_equal(strlen(line2), BURROW_RELAY_TICKET_TEXT_LEN + 1);
	assert_int_equal(line2[BURROW_RELAY_TICKET_TEXT_LEN], '\n');
	snprintf(want, sizeof(want), "%.*s", BURROW_RELAY_TICKET_TEXT_LEN, line2);
	assert_int_equal(burrow_relay_ticket_from_text(want, &t, &bad), 0);
	assert_memory_equal(t.relay, keys[0], 32);
	/* the pair is the node's key and the coordinator's own */
	assert_int_equal(burrow_relay_ticket_verify(&t, coord.public_key, keys[0], node_key,
						    t.expiry - 1), BURROW_RELAY_TICKET_OK);
	assert_int_equal(burrow_relay_ticket_verify(&t, coord.public_key, keys[0],
						    coord.public_key, t.expiry - 1),
			 BURROW_RELAY_TICKET_OK);
	assert_int_equal(burrow_relay_ticket_verify(&t, coord.public_key, keys[0], keys[1],
						    t.expiry - 1), BURROW_RELAY_TICKET_NOT_A_PARTY);
	/* default lifetime 7d */
	{
		uint64_t now = (uint64_t)time(NULL);

		assert_true(t.expiry >= now + 7 * 86400 - 5 && t.expiry <= now + 7 * 86400 + 5);
	}

	/* listed as control, the node by key until one registers with it */
	snprintf(id_text, sizeof(id_text), "%u", (unsigned)t.id);
	assert_int_equal(run("relay-ticket", "list", NULL), COORD_EXIT_OK);
	snprintf(want, sizeof(want), "%s control relay relay1 node-key %s expires ", id_text,
		 node_key_text);
	assert_non_null(strstr(out_buf, want));
	assert_int_equal(run("-j", "relay-ticket", "list", NULL), COORD_EXIT_OK);
	snprintf(want, sizeof(want), "[{\"id\":%s,\"control\":true,\"relay\":\"relay1\",\"node\":null,"
		 "\"node_key\":\"%s\",\"expiry\":%llu,\"expired\":false,\"revoked\":false,",
		 id_text, node_key_text, (unsigned long long)t.expiry);
	assert_non_null(strstr(out_buf, want));
	assert_int_equal(coord_store_open(db, &cs, why, sizeof(why)), 0);
	assert_int_equal(coord_store_register(cs, secret, node_key, "later", NULL, 0, &node), 0);
	coord_store_node_clear(&node);
	coord_store_close(cs);
	assert_int_equal(run("relay-ticket", "list", NULL), COORD_EXIT_OK);
	snprintf(want, sizeof(want), "%s control relay relay1 node later expires ", id_text);
	assert_non_null(strstr(out_buf, want));
	assert_int_equal(run("relay-ticket", "revoke", id_text, NULL), COORD_EXIT_OK);
	assert_int_equal(run("relay-ticket", "list", NULL), COORD_EXIT_OK);
	assert_non_null(strstr(out_buf, " revoked\n"));
	assert_int_equal(run("-j", "relay-ticket", "list", NULL), COORD_EXIT_OK);
	assert_non_null(strstr(out_buf, "\"node\":\"later\""));
	assert_non_null(strstr(out_buf, "\"revoked\":true"));

	/* a lifetime, and the JSON form */
	assert_int_equal(run("-j", "control-ticket", "issue", "--relay", "relay1", "--node-key",
			     node_key_text, "--lifetime", "30d", "--key", key_path, NULL),
			 COORD_EXIT_OK);
	assert_non_null(strstr(out_buf, "\"relay\":\"192.0.2.7:4433\",\"relay_ticket\":\""));
	/* relay tickets and control tickets in one JSON array */
	assert_int_equal(run("relay-ticket", "issue", "--relay", "relay1", "--pair", "plain,later",
			     "--key", key_path, NULL), COORD_EXIT_OK);
	assert_int_equal(run("-j", "relay-ticket", "list", NULL), COORD_EXIT_OK);
	assert_non_null(strstr(out_buf, "\"control\":false"));
	assert_non_null(strstr(out_buf, "},{\"id\":"));
	assert_int_equal(out_buf[0], '[');
	assert_string_equal(out_buf + strlen(out_buf) - 3, "}]\n");

	/* refused (2): unknown relay, not a relay, the coordinator's key, the relay's key */
	assert_int_equal(run("control-ticket", "issue", "--relay", "nosuch", "--node-key",
			     node_key_text, "--key", key_path, NULL), COORD_EXIT_REFUSED);
	assert_non_null(strstr(err_buf, "'nosuch'"));
	assert_int_equal(run("control-ticket", "issue", "--relay", "plain", "--node-key",
			     node_key_text, "--key", key_path, NULL), COORD_EXIT_REFUSED);
	assert_non_null(strstr(err_buf, "node 'plain' is not a relay"));
	assert_int_equal(run("control-ticket", "issue", "--relay", "relay1", "--node-key",
			     coord_key_text, "--key", key_path, NULL), COORD_EXIT_REFUSED);
	assert_non_null(strstr(err_buf, coord_key_text));
	assert_non_null(strstr(err_buf, "coordinator's own key"));
	assert_int_equal(run("control-ticket", "issue", "--relay", "relay1", "--node-key",
			     relay_key_text, "--key", key_path, NULL), COORD_EXIT_REFUSED);
	assert_non_null(strstr(err_buf, "the key of relay 'relay1'"));

	/* usage (1): bad key text, lifetimes out of range, missing words */
	assert_int_equal(run("control-ticket", "issue", "--relay", "relay1", "--node-key",
			     "notakey", "--key", key_path, NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "'notakey'"));
	assert_int_equal(run("control-ticket", "issue", "--relay", "relay1", "--node-key",
			     node_key_text, "--lifetime", "31d", "--key", key_path, NULL),
			 COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "'31d'"));
	assert_int_equal(run("control-ticket", "issue", "--relay", "relay1", "--node-key",
			     node_key_text, "--lifetime", "never", "--key", key_path, NULL),
			 COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "'never'"));
	assert_int_equal(run("control-ticket", "issue", "--relay", "relay1", "--key", key_path,
			     NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "needs --relay NODE and --node-key KEY"));
	assert_int_equal(run("control-ticket", "issue", "--relay", "relay1", "--nodekey",
			     node_key_text, NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "'--nodekey'"));
	assert_int_equal(run("control-ticket", "issue", "--relay", "relay1", "--node-key",
			     node_key_text, "--key", "/nonexistent/coord.key", NULL),
			 COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "/nonexistent/coord.key"));
	assert_int_equal(run("control-ticket", "list", NULL), COORD_EXIT_USAGE);
	assert_non_null(strstr(err_buf, "'list'"));

	/* removing the relay removes its control tickets */
	assert_int_equal(run("node", "remove", "relay1", NULL), COORD_EXIT_OK);
	assert_int_equal(run("relay-ticket", "list", NULL), COORD_EXIT_OK);
	assert_string_equal(out_buf, "");
	burrow_identity_clear(&coord);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, fresh_db)
	const struct CMUnitTest tests[] = {
		T(test_help_and_usage),
		T(test_keys),
		T(test_nodes_and_routes),
		T(test_database_error),
		T(test_listing_does_not_create),
		T(test_relay_tickets),
		T(test_control_tickets),
	};

	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
