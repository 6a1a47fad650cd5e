// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-coord commands, iproute2 style: global options, an object, a verb
 * and its arguments. Each command opens the database, does one store call
 * (one transaction) and closes it, except "run", which serves nodes over
 * QUIC (server.h) until SIGTERM or SIGINT.
 */

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../config.h"
#include "../identity.h"
#include "../log.h"
#include "../loop.h"
#include "burrow-text.h"
#include "cli.h"
#include "coord_dns.h"
#include "coord_relay.h"
#include "coord_store.h"
#include "server.h"

#define MAX_TAGS 64
#define MAX_PREFIXES 256
/* run --relay-burst: more than this many requests at once is no limit at all
 * (the usage text and its error say 1000 too). */
#define COORD_RUN_RELAY_BURST_MAX 1000

static const char usage_text[] =
	"Usage: burrow-coord [-j] [-d DB] OBJECT COMMAND [ARGS]\n"
	"  -j      JSON output\n"
	"  -d DB   database file (default " COORD_DEFAULT_DB ")\n"
	"\n"
	"  burrow-coord key create [reusable] [expiry DURATION] [tag TAG]...\n"
	"  burrow-coord key list\n"
	"  burrow-coord key revoke ID\n"
	"  burrow-coord node list\n"
	"  burrow-coord node rename OLD NEW\n"
	"  burrow-coord node expire NAME\n"
	"  burrow-coord node remove NAME\n"
	"  burrow-coord route list\n"
	"  burrow-coord route approve NODE PREFIX...\n"
	"  burrow-coord relay-ticket issue --relay NODE --pair NODE1,NODE2 [--lifetime DURATION]\n"
	"                                 [--key FILE]\n"
	"  burrow-coord relay-ticket list\n"
	"  burrow-coord relay-ticket revoke ID\n"
	"  burrow-coord control-ticket issue --relay NODE --node-key KEY [--lifetime DURATION]\n"
	"                                   [--key FILE]\n"
	"  burrow-coord run listen ADDR:PORT key FILE [policy FILE] [dns FILE]\n"
	"                   [--egress-relay NODE] [--relay-lifetime DURATION]\n"
	"                   [--relay-burst N] [--relay-interval DURATION]\n"
	"  burrow-coord help\n"
	"\n"
	"DURATION: NUMBER followed by s, m, h or d (30m, 7d), or 'never' (the default).\n"
	"TAG: tag:NAME.\n"
	"run: serve nodes on UDP ADDR:PORT (ALPN burrow-coord/1) with the Ed25519 key FILE\n"
	"     (PKCS#8 PEM, mode 0600) and the JSON policy FILE (none: nodes see no peers);\n"
	"     dns FILE: the [dns] mesh domain and split DNS (none: domain mesh.burrow);\n"
	"     --egress-relay NODE: nodes reach this coordinator only through relay NODE\n"
	"     (a direct REGISTER from a node that is not a relay is refused);\n"
	"     --relay-lifetime: of the tickets relay fallback offers (default 300s, at\n"
	"     most 1d); --relay-burst, --relay-interval: each node's RELAY_REQUESTs, a\n"
	"     burst of N (default 16, at most 1000) then one per DURATION (default 2s).\n"
	"relay-ticket issue: print a ticket (base64) letting NODE1 and NODE2 use NODE as\n"
	"     their relay for DURATION (default 300s, at most 1d), signed with the\n"
	"     coordinator's key FILE (default: $BURROW_COORD_KEY); recorded for list/revoke.\n"
	"control-ticket issue: let the node with public KEY (base64) reach this\n"
	"     coordinator through relay NODE (a registered relay) for DURATION (default\n"
	"     7d, at most 30d); prints the relay = and relay_ticket = lines for the\n"
	"     node's [coordinator] section. Listed and revoked with relay-ticket.\n"
	"Exit codes: 0 ok, 1 usage error, 2 not found or refused, 3 database error.\n";

struct cli {
	FILE *out, *err;
	bool json;
	const char *db;
	struct coord_store *cs;
};

static int usage_error(struct cli *c, const char *fmt, const char *token)
{
	fprintf(c->err, "burrow-coord: ");
	fprintf(c->err, fmt, token);
	fprintf(c->err, " (see 'burrow-coord help')\n");
	return COORD_EXIT_USAGE;
}

/* A store failure: refused (2) for answers about the input, database (3) otherwise. */
static int store_error(struct cli *c, int ret)
{
	fprintf(c->err, "burrow-coord: %s\n", coord_store_error(c->cs));
	if (ret == -ENOENT || ret == -EEXIST || ret == -EINVAL || ret == -EACCES)
		return COORD_EXIT_REFUSED;
	return COORD_EXIT_DATABASE;
}

/*
 * Listing commands open read-only: a mistyped -d path is an error naming
 * it, not a new empty database, and a reader never migrates.
 */
static int open_store(struct cli *c, bool readonly)
{
	char why[COORD_STORE_ERR_MAX];
	int ret = readonly ? coord_store_open_readonly(c->db, &c->cs, why, sizeof(why)) :
			     coord_store_open(c->db, &c->cs, why, sizeof(why));

	if (ret < 0) {
		fprintf(c->err, "burrow-coord: %s\n", why);
		return COORD_EXIT_DATABASE;
	}
	return COORD_EXIT_OK;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "30m", "7d", "never" (0) as milliseconds. */
static int parse_duration(const char *text, int64_t *ms)
{
	static const struct { char unit; int64_t ms; } units[] = {
		{ 's', 1000 }, { 'm', 60000 }, { 'h', 3600000 }, { 'd', 86400000 },
	};
	size_t len = strlen(text);
	char digits[24];
	uint64_t n;

	if (!strcmp(text, "never")) {
		*ms = 0;
		return 0;
	}
	if (len < 2 || len > sizeof(digits))
		return -EINVAL;
	memcpy(digits, text, len - 1);
	digits[len - 1] = '\0';
	if (burrow_text_decimal(digits, 100000000, &n) < 0 || n == 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (text[len - 1] == units[i].unit) {
			*ms = (int64_t)n * units[i].ms;
			return 0;
		}
	return -EINVAL;
}

/* A ticket lifetime: whole seconds from 1 s to max_s, as milliseconds. */
static bool parse_lifetime(const char *text, uint64_t max_s, int64_t *ms)
{
	return parse_duration(text, ms) == 0 && *ms != 0 && *ms % 1000 == 0 &&
	       *ms <= (int64_t)max_s * 1000;
}

/* Unix ms as "2026-12-06T19:20:00Z", "never" for 0. */
static const char *format_time(int64_t ms, char buf[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms == 0)
		return "never";
	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static int key_create(struct cli *c, int argc, char **argv)
{
	const char *tags[MAX_TAGS];
	char secret[COORD_KEY_SECRET_SIZE], id[COORD_KEY_ID_SIZE];
	size_t n_tags = 0;
	bool reusable = false;
	int64_t expiry = 0;
	int ret;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "reusable")) {
			reusable = true;
		} else if (!strcmp(argv[i], "expiry") || !strcmp(argv[i], "tag")) {
			if (i + 1 == argc)
				return usage_error(c, "'%s' needs a value", argv[i]);
			if (argv[i][0] == 't') {
				if (n_tags == MAX_TAGS)
					return usage_error(c, "too many tags at '%s'", argv[i + 1]);
				tags[n_tags++] = argv[++i];
			} else if (parse_duration(argv[++i], &expiry) < 0) {
				return usage_error(c, "invalid duration '%s' (30m, 1h, 7d, never)",
						   argv[i]);
			}
		} else {
			return usage_error(c, "unknown key create argument '%s'", argv[i]);
		}
	}
	if (expiry)
		expiry += now_ms();
	ret = open_store(c, false);
	if (ret)
		return ret;
	ret = coord_store_key_create(c->cs, reusable, expiry, tags, n_tags, secret, id);
	if (ret < 0)
		return store_error(c, ret);
	if (c->json) {
		fprintf(c->out, "{\"id\":");
		burrow_json_string(c->out, id);
		fprintf(c->out, ",\"secret\":");
		burrow_json_string(c->out, secret);
		fprintf(c->out, "}\n");
	} else {
		fprintf(c->out, "%s\n", secret);
	}
	return COORD_EXIT_OK;
}

static int key_list(struct cli *c)
{
	struct coord_key *keys;
	char t1[32], t2[32];
	size_t n;
	int ret = open_store(c, true);

	if (ret)
		return ret;
	ret = coord_store_key_list(c->cs, &keys, &n);
	if (ret < 0)
		return store_error(c, ret);
	if (c->json)
		fprintf(c->out, "[");
	for (size_t i = 0; i < n; i++) {
		struct coord_key *k = &keys[i];

		if (c->json) {
			fprintf(c->out, "%s{\"id\":", i ? "," : "");
			burrow_json_string(c->out, k->id);
			fprintf(c->out, ",\"reusable\":%s,\"revoked\":%s,\"used\":%lld,"
				"\"expiry_ms\":%lld,\"created_ms\":%lld,\"tags\":",
				k->reusable ? "true" : "false", k->revoked ? "true" : "false",
				(long long)k->used, (long long)k->expiry_ms,
				(long long)k->created_ms);
			burrow_json_string(c->out, k->tags);
			fprintf(c->out, "}");
		} else {
			fprintf(c->out, "%s %s used %lld created %s expires %s%s%s%s\n", k->id,
				k->reusable ? "reusable" : "single-use", (long long)k->used,
				format_time(k->created_ms, t1), format_time(k->expiry_ms, t2),
				k->revoked ? " revoked" : "", *k->tags ? " tags " : "", k->tags);
		}
	}
	if (c->json)
		fprintf(c->out, "]\n");
	coord_store_key_list_free(keys, n);
	return COORD_EXIT_OK;
}

static int node_list(struct cli *c)
{
	struct coord_node *nodes;
	char t[32];
	size_t n;
	int ret = open_store(c, true);

	if (ret)
		return ret;
	ret = coord_store_node_list(c->cs, &nodes, &n);
	if (ret < 0)
		return store_error(c, ret);
	if (c->json)
		fprintf(c->out, "[");
	for (size_t i = 0; i < n; i++) {
		struct coord_node *node = &nodes[i];
		char relay[COORD_ADDR_SIZE + 8];
		/* Relays say so when they register (the endpoint the coordinator saw). */
		bool is_relay = coord_store_node_relay(c->cs, node->id, relay) == 0;

		if (c->json) {
			fprintf(c->out, "%s{\"id\":%lld,\"name\":", i ? "," : "",
				(long long)node->id);
			burrow_json_string(c->out, node->name);
			fprintf(c->out, ",\"ipv4\":");
			burrow_json_string(c->out, node->ipv4);
			fprintf(c->out, ",\"ipv6\":");
			burrow_json_string(c->out, node->ipv6);
			fprintf(c->out, ",\"expiry_ms\":%lld,\"tags\":",
				(long long)node->expiry_ms);
			burrow_json_string(c->out, node->tags);
			fprintf(c->out, ",\"relay\":");
			if (is_relay)
				burrow_json_string(c->out, relay);
			else
				fputs("null", c->out);
			fprintf(c->out, "}");
		} else {
			fprintf(c->out, "%s %s %s expires %s%s%s%s%s\n", node->name, node->ipv4,
				node->ipv6, format_time(node->expiry_ms, t),
				*node->tags ? " tags " : "", node->tags,
				is_relay ? " relay " : "", is_relay ? relay : "");
		}
	}
	if (c->json)
		fprintf(c->out, "]\n");
	coord_store_node_list_free(nodes, n);
	return COORD_EXIT_OK;
}

static int route_list(struct cli *c)
{
	struct coord_route *routes;
	size_t n;
	int ret = open_store(c, true);

	if (ret)
		return ret;
	ret = coord_store_route_list(c->cs, &routes, &n);
	if (ret < 0)
		return store_error(c, ret);
	if (c->json)
		fprintf(c->out, "[");
	for (size_t i = 0; i < n; i++) {
		if (c->json) {
			fprintf(c->out, "%s{\"node\":", i ? "," : "");
			burrow_json_string(c->out, routes[i].node);
			fprintf(c->out, ",\"prefix\":");
			burrow_json_string(c->out, routes[i].prefix);
			fprintf(c->out, ",\"approved\":%s}", routes[i].approved ? "true" : "false");
		} else {
			fprintf(c->out, "%s %s %s\n", routes[i].node, routes[i].prefix,
				routes[i].approved ? "approved" : "advertised");
		}
	}
	if (c->json)
		fprintf(c->out, "]\n");
	free(routes);
	return COORD_EXIT_OK;
}

static int route_approve(struct cli *c, int argc, char **argv)
{
	struct burrow_nl_prefix prefixes[MAX_PREFIXES];
	char why[128];
	int ret;

	if (argc < 2)
		return usage_error(c, "%s", "route approve needs NODE PREFIX...");
	if (argc - 1 > MAX_PREFIXES)
		return usage_error(c, "too many prefixes at '%s'", argv[MAX_PREFIXES + 1]);
	for (int i = 1; i < argc; i++)
		if (burrow_text_parse_prefix(argv[i], BURROW_TEXT_PREFIX_LEN_REQUIRED,
					     &prefixes[i - 1], why, sizeof(why)) < 0)
			return usage_error(c, "%s", why);
	ret = open_store(c, false);
	if (ret)
		return ret;
	ret = coord_store_route_approve(c->cs, argv[0], prefixes, (size_t)argc - 1);
	return ret < 0 ? store_error(c, ret) : COORD_EXIT_OK;
}

/* A verb taking exactly n arguments. */
static int want_args(struct cli *c, const char *what, int argc, int n)
{
	char msg[96];

	if (argc == n)
		return 0;
	snprintf(msg, sizeof(msg), "'%s' takes %d argument%s", what, n, n == 1 ? "" : "s");
	return usage_error(c, "%s", msg);
}

static int node_command(struct cli *c, const char *verb, int argc, char **argv)
{
	int ret;

	if (!strcmp(verb, "list"))
		return want_args(c, "node list", argc, 0) ?: node_list(c);
	if (!strcmp(verb, "rename")) {
		if (want_args(c, "node rename", argc, 2))
			return COORD_EXIT_USAGE;
		ret = open_store(c, false);
		if (ret)
			return ret;
		ret = coord_store_node_rename(c->cs, argv[0], argv[1]);
	} else if (!strcmp(verb, "expire") || !strcmp(verb, "remove")) {
		if (want_args(c, verb[0] == 'e' ? "node expire" : "node remove", argc, 1))
			return COORD_EXIT_USAGE;
		ret = open_store(c, false);
		if (ret)
			return ret;
		ret = verb[0] == 'e' ? coord_store_node_expire(c->cs, argv[0]) :
				       coord_store_node_remove(c->cs, argv[0]);
	} else {
		return usage_error(c, "unknown node command '%s'", verb);
	}
	return ret < 0 ? store_error(c, ret) : COORD_EXIT_OK;
}

static int key_command(struct cli *c, const char *verb, int argc, char **argv)
{
	int ret;

	if (!strcmp(verb, "create"))
		return key_create(c, argc, argv);
	if (!strcmp(verb, "list"))
		return want_args(c, "key list", argc, 0) ?: key_list(c);
	if (!strcmp(verb, "revoke")) {
		if (want_args(c, "key revoke", argc, 1))
			return COORD_EXIT_USAGE;
		ret = open_store(c, false);
		if (ret)
			return ret;
		ret = coord_store_key_revoke(c->cs, argv[0]);
		return ret < 0 ? store_error(c, ret) : COORD_EXIT_OK;
	}
	return usage_error(c, "unknown key command '%s'", verb);
}

static int route_command(struct cli *c, const char *verb, int argc, char **argv)
{
	if (!strcmp(verb, "list"))
		return want_args(c, "route list", argc, 0) ?: route_list(c);
	if (!strcmp(verb, "approve"))
		return route_approve(c, argc, argv);
	return usage_error(c, "unknown route command '%s'", verb);
}

/* ---- relay tickets -------------------------------------------------------------- */

/*
 * The signing key of a ticket command (--key FILE, else $BURROW_COORD_KEY)
 * and the store it records into. COORD_EXIT_OK, or the exit code with the
 * error printed; id is cleared by the caller either way.
 */
static int ticket_key_and_store(struct cli *c, const char *command, const char *key_path,
				struct burrow_identity *id)
{
	char why[512];

	if (!key_path || !*key_path)
		return usage_error(c, "%s issue needs --key FILE (or BURROW_COORD_KEY)", command);
	if (burrow_identity_load(key_path, id, why, sizeof(why)) < 0) {
		fprintf(c->err, "burrow-coord: %s\n", why);
		return COORD_EXIT_USAGE;
	}
	return open_store(c, false);
}

/* A ticket issue that failed: why printed; a refusal (no such node, bad
 * lifetime, an expired node, not a relay) or a database error. */
static int ticket_issue_failed(struct cli *c, int ret, const char *why)
{
	fprintf(c->err, "burrow-coord: %s\n", why);
	return ret == -ENOENT || ret == -EINVAL || ret == -EACCES ? COORD_EXIT_REFUSED :
								    COORD_EXIT_DATABASE;
}

static int relay_ticket_issue(struct cli *c, int argc, char **argv)
{
	const char *relay = NULL, *pair = NULL, *key_path = getenv("BURROW_COORD_KEY");
	char n1[COORD_NAME_SIZE], n2[COORD_NAME_SIZE], why[512];
	char text[BURROW_RELAY_TICKET_TEXT_SIZE], t[32];
	struct burrow_identity id = { 0 };
	struct burrow_relay_ticket ticket;
	int64_t lifetime_ms = COORD_RELAY_LIFETIME_DEFAULT * 1000LL;
	const char *comma;
	int ret;

	for (int i = 0; i < argc; i += 2) {
		if (strcmp(argv[i], "--relay") && strcmp(argv[i], "--pair") &&
		    strcmp(argv[i], "--lifetime") && strcmp(argv[i], "--key"))
			return usage_error(c, "unknown relay-ticket issue argument '%s'", argv[i]);
		if (i + 1 == argc)
			return usage_error(c, "'%s' needs a value", argv[i]);
		if (!strcmp(argv[i], "--relay")) {
			relay = argv[i + 1];
		} else if (!strcmp(argv[i], "--pair")) {
			pair = argv[i + 1];
		} else if (!strcmp(argv[i], "--key")) {
			key_path = argv[i + 1];
		} else if (!parse_lifetime(argv[i + 1], COORD_RELAY_LIFETIME_MAX, &lifetime_ms)) {
			return usage_error(c, "invalid lifetime '%s' (1s to 1d: 300s, 5m, 1h)",
					   argv[i + 1]);
		}
	}
	if (!relay || !pair)
		return usage_error(c, "%s", "relay-ticket issue needs --relay NODE and --pair NODE1,NODE2");
	comma = strchr(pair, ',');
	if (!comma || strchr(comma + 1, ',') || comma == pair || !comma[1] ||
	    (size_t)(comma - pair) >= sizeof(n1) || strlen(comma + 1) >= sizeof(n2))
		return usage_error(c, "invalid pair '%s' (NODE1,NODE2)", pair);
	snprintf(n1, sizeof(n1), "%.*s", (int)(comma - pair), pair);
	snprintf(n2, sizeof(n2), "%s", comma + 1);
	ret = ticket_key_and_store(c, "relay-ticket", key_path, &id);
	if (ret)
		goto out;
	ret = coord_relay_ticket_issue(c->cs, id.private_key_pem, relay, n1, n2,
				       (uint64_t)(lifetime_ms / 1000), (uint64_t)(now_ms() / 1000),
				       &ticket, why, sizeof(why));
	if (ret < 0) {
		ret = ticket_issue_failed(c, ret, why);
		goto out;
	}
	burrow_relay_ticket_to_text(&ticket, text);
	if (c->json) {
		fprintf(c->out, "{\"id\":%u,\"expiry\":%llu,\"expires\":\"%s\",\"ticket\":\"%s\"}\n",
			(unsigned)ticket.id, (unsigned long long)ticket.expiry,
			format_time((int64_t)ticket.expiry * 1000, t), text);
	} else {
		fprintf(c->out, "%s\n", text);
	}
	ret = COORD_EXIT_OK;
out:
	burrow_identity_clear(&id);
	return ret;
}

/* The control tickets, after the relay tickets (JSON: more elements of the same array). */
static int control_ticket_list(struct cli *c, bool comma)
{
	struct coord_control_ticket *tickets;
	char t[32], key[BURROW_PUBLIC_KEY_TEXT_SIZE];
	size_t n;
	int ret = coord_store_control_ticket_list(c->cs, &tickets, &n);

	if (ret < 0)
		return store_error(c, ret);
	for (size_t i = 0; i < n; i++) {
		struct coord_control_ticket *ct = &tickets[i];
		bool expired = ct->expiry * 1000 <= (uint64_t)now_ms();

		burrow_public_key_to_text(ct->node_key, key);
		if (c->json) {
			fprintf(c->out, "%s{\"id\":%u,\"control\":true,\"relay\":",
				comma || i ? "," : "", (unsigned)ct->id);
			burrow_json_string(c->out, ct->relay);
			fprintf(c->out, ",\"node\":");
			if (ct->node[0])
				burrow_json_string(c->out, ct->node);
			else
				fputs("null", c->out);
			fprintf(c->out, ",\"node_key\":");
			burrow_json_string(c->out, key);
			fprintf(c->out, ",\"expiry\":%llu,\"expired\":%s,\"revoked\":%s,"
				"\"created_ms\":%lld}", (unsigned long long)ct->expiry,
				expired ? "true" : "false", ct->revoked ? "true" : "false",
				(long long)ct->created_ms);
		} else {
			/* the node by name when one has the key, else the key */
			fprintf(c->out, "%u control relay %s %s %s expires %s%s%s\n",
				(unsigned)ct->id, ct->relay, ct->node[0] ? "node" : "node-key",
				ct->node[0] ? ct->node : key,
				format_time((int64_t)ct->expiry * 1000, t),
				expired ? " expired" : "", ct->revoked ? " revoked" : "");
		}
	}
	free(tickets);
	return COORD_EXIT_OK;
}

static int relay_ticket_list(struct cli *c)
{
	struct coord_relay_ticket *tickets;
	char t[32];
	size_t n;
	int ret = open_store(c, true);

	if (ret)
		return ret;
	ret = coord_store_relay_ticket_list(c->cs, &tickets, &n);
	if (ret < 0)
		return store_error(c, ret);
	if (c->json)
		fprintf(c->out, "[");
	for (size_t i = 0; i < n; i++) {
		struct coord_relay_ticket *rt = &tickets[i];
		bool expired = rt->expiry * 1000 <= (uint64_t)now_ms();

		if (c->json) {
			fprintf(c->out, "%s{\"id\":%u,\"control\":false,\"relay\":", i ? "," : "",
				(unsigned)rt->id);
			burrow_json_string(c->out, rt->relay);
			fprintf(c->out, ",\"pair\":[");
			burrow_json_string(c->out, rt->a);
			fprintf(c->out, ",");
			burrow_json_string(c->out, rt->b);
			fprintf(c->out, "],\"expiry\":%llu,\"expired\":%s,\"revoked\":%s,"
				"\"created_ms\":%lld}", (unsigned long long)rt->expiry,
				expired ? "true" : "false", rt->revoked ? "true" : "false",
				(long long)rt->created_ms);
		} else {
			fprintf(c->out, "%u relay %s pair %s,%s expires %s%s%s\n", (unsigned)rt->id,
				rt->relay, rt->a, rt->b, format_time((int64_t)rt->expiry * 1000, t),
				expired ? " expired" : "", rt->revoked ? " revoked" : "");
		}
	}
	ret = control_ticket_list(c, n > 0);
	if (c->json)
		fprintf(c->out, "]\n");
	free(tickets);
	return ret;
}

static int relay_ticket_command(struct cli *c, const char *verb, int argc, char **argv)
{
	uint64_t id;
	int ret;

	if (!strcmp(verb, "issue"))
		return relay_ticket_issue(c, argc, argv);
	if (!strcmp(verb, "list"))
		return want_args(c, "relay-ticket list", argc, 0) ?: relay_ticket_list(c);
	if (!strcmp(verb, "revoke")) {
		if (want_args(c, "relay-ticket revoke", argc, 1))
			return COORD_EXIT_USAGE;
		if (burrow_text_decimal(argv[0], UINT32_MAX, &id) < 0 || id == 0)
			return usage_error(c, "invalid ticket id '%s' (1-4294967295)", argv[0]);
		ret = open_store(c, false);
		if (ret)
			return ret;
		ret = coord_store_relay_ticket_revoke(c->cs, (uint32_t)id);
		return ret < 0 ? store_error(c, ret) : COORD_EXIT_OK;
	}
	return usage_error(c, "unknown relay-ticket command '%s'", verb);
}

/* ---- control tickets ------------------------------------------------------------ */

static int control_ticket_issue(struct cli *c, int argc, char **argv)
{
	const char *relay = NULL, *node_key_text = NULL, *key_path = getenv("BURROW_COORD_KEY");
	char text[BURROW_RELAY_TICKET_TEXT_SIZE], t[32], why[512];
	char endpoint[COORD_ADDR_SIZE + 8];
	struct burrow_identity id = { 0 };
	struct burrow_relay_ticket ticket;
	int64_t lifetime_ms = COORD_CONTROL_LIFETIME_DEFAULT * 1000LL;
	uint8_t node_key[32];
	int ret;

	for (int i = 0; i < argc; i += 2) {
		if (strcmp(argv[i], "--relay") && strcmp(argv[i], "--node-key") &&
		    strcmp(argv[i], "--lifetime") && strcmp(argv[i], "--key"))
			return usage_error(c, "unknown control-ticket issue argument '%s'", argv[i]);
		if (i + 1 == argc)
			return usage_error(c, "'%s' needs a value", argv[i]);
		if (!strcmp(argv[i], "--relay")) {
			relay = argv[i + 1];
		} else if (!strcmp(argv[i], "--node-key")) {
			node_key_text = argv[i + 1];
		} else if (!strcmp(argv[i], "--key")) {
			key_path = argv[i + 1];
		} else if (!parse_lifetime(argv[i + 1], COORD_CONTROL_LIFETIME_MAX, &lifetime_ms)) {
			return usage_error(c, "invalid lifetime '%s' (1s to 30d: 12h, 7d)",
					   argv[i + 1]);
		}
	}
	if (!relay || !node_key_text)
		return usage_error(c, "%s",
				   "control-ticket issue needs --relay NODE and --node-key KEY");
	if (burrow_public_key_from_text(node_key_text, node_key, why, sizeof(why)) < 0)
		return usage_error(c, "--node-key: %s", why);
	ret = ticket_key_and_store(c, "control-ticket", key_path, &id);
	if (ret)
		goto out;
	ret = coord_control_ticket_issue(c->cs, id.private_key_pem, id.public_key, relay, node_key,
					 (uint64_t)(lifetime_ms / 1000),
					 (uint64_t)(now_ms() / 1000), &ticket, endpoint, why,
					 sizeof(why));
	if (ret < 0) {
		ret = ticket_issue_failed(c, ret, why);
		goto out;
	}
	burrow_relay_ticket_to_text(&ticket, text);
	if (c->json) {
		fprintf(c->out, "{\"id\":%u,\"relay\":", (unsigned)ticket.id);
		burrow_json_string(c->out, endpoint);
		fprintf(c->out, ",\"relay_ticket\":\"%s\",\"expiry\":%llu,\"expires\":\"%s\"}\n",
			text, (unsigned long long)ticket.expiry,
			format_time((int64_t)ticket.expiry * 1000, t));
	} else {
		/* ready to paste into burrowd's [coordinator] section */
		fprintf(c->out, "relay = %s\nrelay_ticket = %s\n", endpoint, text);
	}
	ret = COORD_EXIT_OK;
out:
	burrow_identity_clear(&id);
	return ret;
}

static int control_ticket_command(struct cli *c, const char *verb, int argc, char **argv)
{
	if (!strcmp(verb, "issue"))
		return control_ticket_issue(c, argc, argv);
	return usage_error(c, "unknown control-ticket command '%s' (list and revoke: relay-ticket)",
			   verb);
}

/*
 * One UDP socket carries every node's connection: its keep-alives, and
 * bursts of handshakes and map deltas. The default receive buffer (about
 * 200 KiB, a hundred datagrams) overflows whenever the loop is busy for a
 * few milliseconds, and dropped keep-alives end as idle timeouts. Ask for
 * COORD_SOCKET_BUFFER both ways: past net.core.rmem_max/wmem_max with
 * CAP_NET_ADMIN (the *FORCE options), else up to that maximum. Logged, as
 * a fact of the host, when less is granted.
 */
#define COORD_SOCKET_BUFFER (16 * 1024 * 1024)

static void size_socket_buffers(int fd)
{
	static const struct {
		int force, plain;
		const char *name;
	} opts[] = {
		{ SO_RCVBUFFORCE, SO_RCVBUF, "receive" },
		{ SO_SNDBUFFORCE, SO_SNDBUF, "send" },
	};
	int want = COORD_SOCKET_BUFFER;

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		int got = 0;
		socklen_t len = sizeof(got);

		if (setsockopt(fd, SOL_SOCKET, opts[i].force, &want, sizeof(want)) < 0)
			(void)setsockopt(fd, SOL_SOCKET, opts[i].plain, &want, sizeof(want));
		/* The kernel reports twice what it grants (bookkeeping overhead). */
		if (getsockopt(fd, SOL_SOCKET, opts[i].plain, &got, &len) == 0 && got / 2 < want)
			burrow_log(BURROW_LOG_INFO,
				   "UDP %s buffer is %d KiB, not %d KiB (raise net.core.%cmem_max "
				   "or run with CAP_NET_ADMIN)", opts[i].name, got / 2048, want / 1024,
				   i == 0 ? 'r' : 'w');
	}
}

/* The coordinator's event loop: the server's socket, its timer, SIGTERM/SIGINT. */
struct run_state {
	struct burrow_loop *loop;
	struct coord_server *server;
	struct burrow_timer timer;
};

static void run_rearm(struct run_state *r)
{
	uint64_t next = coord_server_next_expiry(r->server);

	if (next == UINT64_MAX)
		burrow_timer_cancel(r->loop, &r->timer);
	else
		burrow_timer_arm(r->loop, &r->timer, next);
}

static void run_readable(void *arg)
{
	struct run_state *r = arg;
	int ret = coord_server_read(r->server);

	if (ret < 0)
		burrow_log(BURROW_LOG_WARNING, "reading the socket: %s", strerror(-ret));
	run_rearm(r);
}

static void run_timer(void *arg)
{
	struct run_state *r = arg;

	coord_server_handle_expiry(r->server);
	run_rearm(r);
}

static void run_signal(int signo, void *arg)
{
	struct run_state *r = arg;

	if (signo == SIGHUP) {
		char why[COORD_SERVER_ERR_MAX];

		/* a failed reload keeps the old policy and logs why */
		burrow_log(BURROW_LOG_INFO, "SIGHUP: reloading the policy");
		coord_server_reload_policy(r->server, why, sizeof(why));
		run_rearm(r);
		return;
	}
	burrow_log(BURROW_LOG_INFO, "%s: stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
	burrow_loop_stop(r->loop);
}

/*
 * --egress-relay names a node that may register later: not an error, but
 * a coordinator nobody can reach yet is worth a line in the log.
 */
static void warn_egress_relay(struct cli *c, const char *name)
{
	char endpoint[COORD_ADDR_SIZE + 8];
	struct coord_node node;

	if (coord_store_node_get_by_name(c->cs, name, &node) < 0) {
		burrow_log(BURROW_LOG_WARNING, "--egress-relay: no node '%s' yet: nodes cannot "
			   "reach this coordinator until it registers as a relay", name);
		return;
	}
	if (coord_store_node_relay(c->cs, node.id, endpoint) < 0)
		burrow_log(BURROW_LOG_WARNING, "--egress-relay: node '%s' did not register as a "
			   "relay ([relay] enabled = yes)", name);
	coord_store_node_clear(&node);
}

/*
 * The relay fallback settings of run: 0 with config filled in, or a usage
 * error naming the option and its value.
 */
static int run_relay_options(struct cli *c, const char *lifetime, const char *burst,
			     const char *interval, struct coord_server_config *config)
{
	int64_t ms;
	uint64_t n;

	if (lifetime) {
		if (!parse_lifetime(lifetime, COORD_RELAY_LIFETIME_MAX, &ms))
			return usage_error(c, "--relay-lifetime: invalid duration '%s' (1s to 1d)",
					   lifetime);
		config->relay_lifetime_s = (uint64_t)(ms / 1000);
	}
	if (burst) {
		if (burrow_text_decimal(burst, COORD_RUN_RELAY_BURST_MAX, &n) < 0 || n == 0)
			return usage_error(c, "--relay-burst: invalid count '%s' (1 to 1000)",
					   burst);
		config->relay_rate_burst = n;
	}
	if (interval) {
		if (parse_duration(interval, &ms) < 0 || ms == 0 || ms > INT64_C(86400000))
			return usage_error(c, "--relay-interval: invalid duration '%s' (1s to 1d)",
					   interval);
		config->relay_rate_interval_ms = (uint64_t)ms;
	}
	return 0;
}

static int run_command(struct cli *c, int argc, char **argv)
{
	const char *listen_text = NULL, *key_path = NULL, *policy_path = NULL, *dns_path = NULL;
	const char *egress_relay = NULL, *relay_lifetime = NULL, *relay_burst = NULL;
	const char *relay_interval = NULL;
	char why[COORD_SERVER_ERR_MAX], key_text[BURROW_PUBLIC_KEY_TEXT_SIZE];
	static struct coord_dns_config dns;
	struct coord_server_config config = { 0 };
	struct burrow_identity id = { 0 };
	struct run_state r = { 0 };
	struct sockaddr_storage addr;
	socklen_t addr_len;
	int i, fd = -1, ret;

	for (i = 0; i < argc; i += 2) {
		const char **slot;

		if (!strcmp(argv[i], "listen"))
			slot = &listen_text;
		else if (!strcmp(argv[i], "key"))
			slot = &key_path;
		else if (!strcmp(argv[i], "policy"))
			slot = &policy_path;
		else if (!strcmp(argv[i], "dns"))
			slot = &dns_path;
		else if (!strcmp(argv[i], "--egress-relay"))
			slot = &egress_relay;
		else if (!strcmp(argv[i], "--relay-lifetime"))
			slot = &relay_lifetime;
		else if (!strcmp(argv[i], "--relay-burst"))
			slot = &relay_burst;
		else if (!strcmp(argv[i], "--relay-interval"))
			slot = &relay_interval;
		else
			return usage_error(c, "unknown run argument '%s'", argv[i]);
		if (i + 1 == argc)
			return usage_error(c, "'%s' needs a value", argv[i]);
		*slot = argv[i + 1];
	}
	if (listen_text && burrow_endpoint_parse(listen_text, &addr, &addr_len, why,
						 sizeof(why)) < 0)
		return usage_error(c, "%s", why);
	if (!listen_text || !key_path)
		return usage_error(c, "%s", "run needs listen ADDR:PORT and key FILE");
	if (egress_relay && coord_name_check(egress_relay, why, sizeof(why)) < 0)
		return usage_error(c, "--egress-relay: %s", why);
	ret = run_relay_options(c, relay_lifetime, relay_burst, relay_interval, &config);
	if (ret)
		return ret;
	coord_dns_config_default(&dns);
	if (dns_path && coord_dns_config_load(dns_path, &dns, why, sizeof(why)) < 0) {
		fprintf(c->err, "burrow-coord: %s\n", why);
		return COORD_EXIT_USAGE;
	}
	if (burrow_identity_load(key_path, &id, why, sizeof(why)) < 0) {
		fprintf(c->err, "burrow-coord: %s\n", why);
		return COORD_EXIT_USAGE;
	}
	ret = open_store(c, false);
	if (ret)
		goto out;
	if (egress_relay)
		warn_egress_relay(c, egress_relay);
	ret = COORD_EXIT_USAGE;
	fd = socket(addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, addr_len) < 0) {
		fprintf(c->err, "burrow-coord: cannot listen on '%s': %s\n", listen_text,
			strerror(errno));
		goto out;
	}
	size_socket_buffers(fd);
	config.udp_fd = fd;
	config.private_key_pem = id.private_key_pem;
	config.store = c->cs;
	config.policy_path = policy_path;
	config.dns = &dns;
	config.egress_relay = egress_relay;
	ret = coord_server_new(&config, &r.server, why, sizeof(why));
	if (ret < 0) {
		fprintf(c->err, "burrow-coord: %s\n", why);
		ret = ret == -ENOMEM ? COORD_EXIT_DATABASE : COORD_EXIT_USAGE;
		goto out;
	}
	ret = COORD_EXIT_DATABASE;
	r.loop = burrow_loop_new(run_signal, &r);
	if (!r.loop) {
		fprintf(c->err, "burrow-coord: event loop: %s\n", strerror(errno));
		goto out;
	}
	burrow_timer_init(&r.timer, run_timer, &r);
	if (burrow_loop_add_fd(r.loop, fd, run_readable, &r) < 0) {
		fprintf(c->err, "burrow-coord: event loop: cannot watch the socket\n");
		goto out;
	}
	run_rearm(&r);
	burrow_public_key_to_text(coord_server_public_key(r.server), key_text);
	burrow_log(BURROW_LOG_INFO, "serving on %s, public key %s, policy %s%s%s", listen_text,
		   key_text, policy_path ? policy_path : "none (no node sees another)",
		   egress_relay ? ", nodes only through relay " : "",
		   egress_relay ? egress_relay : "");
	ret = burrow_loop_run(r.loop) < 0 ? COORD_EXIT_DATABASE : COORD_EXIT_OK;
	burrow_timer_cancel(r.loop, &r.timer);
out:
	coord_server_free(r.server);
	burrow_loop_free(r.loop);
	if (fd >= 0)
		close(fd);
	burrow_identity_clear(&id);
	return ret;
}

int coord_cli_run(int argc, char **argv, FILE *out, FILE *err)
{
	struct cli c = { .out = out, .err = err, .db = COORD_DEFAULT_DB };
	const char *object, *verb;
	int i = 1, ret;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-j")) {
			c.json = true;
		} else if (!strcmp(argv[i], "-d")) {
			if (++i == argc)
				return usage_error(&c, "'%s' needs a database file", "-d");
			c.db = argv[i];
		} else {
			return usage_error(&c, "unknown option '%s'", argv[i]);
		}
	}
	if (i == argc || !strcmp(argv[i], "help")) {
		fputs(usage_text, i == argc ? err : out);
		return i == argc ? COORD_EXIT_USAGE : COORD_EXIT_OK;
	}
	object = argv[i++];
	if (!strcmp(object, "run")) {
		ret = run_command(&c, argc - i, argv + i);
		coord_store_close(c.cs);
		return ret;
	}
	if (strcmp(object, "key") && strcmp(object, "node") && strcmp(object, "route") &&
	    strcmp(object, "relay-ticket") && strcmp(object, "control-ticket"))
		return usage_error(&c, "unknown command '%s'", object);
	if (i == argc)
		return usage_error(&c, "'%s' needs a command", object);
	verb = argv[i++];
	if (object[0] == 'k')
		ret = key_command(&c, verb, argc - i, argv + i);
	else if (object[0] == 'n')
		ret = node_command(&c, verb, argc - i, argv + i);
	else if (object[0] == 'r' && object[1] == 'e')
		ret = relay_ticket_command(&c, verb, argc - i, argv + i);
	else if (object[0] == 'c')
		ret = control_ticket_command(&c, verb, argc - i, argv + i);
	else
		ret = route_command(&c, verb, argc - i, argv + i);
	coord_store_close(c.cs);
	return ret;
}
