/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrow-nl: what the command files share. main.c parses the global options
 * and dispatches on the object (one file per object: version.c, dev.c,
 * peer.c, key.c, monitor.c); each object dispatches on its command and
 * returns an exit code.
 */

#ifndef BURROW_NL_TOOL_CLI_H
#define BURROW_NL_TOOL_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "burrow-nl.h"
#include "parse.h"

#define ARRAY_SIZE(array) (sizeof(array) / sizeof((array)[0]))

/* Exit codes: stable, scripts rely on them; 'burrow-nl help' lists them. */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_USAGE = 1,	/* usage or parse error */
	CLI_EXIT_REFUSED = 2,	/* the kernel refused, or cannot be reached */
	CLI_EXIT_NOT_FOUND = 3,	/* no such device, peer or key */
};

/* One run of the command: global options, and the netlink context. */
struct cli {
	bool json;
	bool stats;		/* -s: counters too */
	struct burrow_nl *nl;	/* opened by cli_open() on first use */
};

/* An object's or a command's entry: argv starts after its own name. */
struct cli_command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
};

/* The command called name in a table ending with { NULL }, or NULL. */
const struct cli_command *cli_find_command(const struct cli_command *commands,
					   const char *name);

/* Print "burrow-nl: <message>" to stderr and return CLI_EXIT_USAGE. */
int cli_usage_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

/*
 * Open cli->nl if it is not open yet. Returns CLI_EXIT_OK, or prints why
 * it failed and returns CLI_EXIT_REFUSED.
 */
int cli_open(struct cli *cli);

/*
 * Report the failure code (negative errno) of a libburrow-nl call made for
 * 'what' and return its exit code: a refusal from the kernel prints
 * "burrow-nl: kernel refused: <extack message or strerror>" and exits 3 for
 * ENODEV and ENOENT (no such device, peer or key), 2 otherwise; a local
 * failure prints "burrow-nl: <what>: <reason>" and exits 2.
 */
int cli_report_error(const struct cli *cli, int code, const char *what);

/*
 * Parse "KEYWORD VALUE" pairs: the index in names[] of argv[i] (-1 when it
 * is none of them) after checking it has a value and was not given before
 * (given[] has one flag per name). Errors read
 *   unknown keyword 'x' for peer add
 *   missing value for id
 *   duplicate option 'id'
 */
int cli_keyword(int argc, char **argv, int i, const char *const *names, bool *given,
		unsigned int count, const char *command, struct parse_error *error);

/* Objects. */
int cli_version(struct cli *cli, int argc, char **argv);
int cli_dev(struct cli *cli, int argc, char **argv);
int cli_peer(struct cli *cli, int argc, char **argv);
int cli_key(struct cli *cli, int argc, char **argv);
int cli_monitor(struct cli *cli, int argc, char **argv);

/* ---- the pieces that need no kernel, for unit tests ---------------------------- */

/* Longest accepted timeouts: max-timeout in burrow.yaml. */
#define DEV_DEFAULT_INACTIVITY_TIMEOUT_MAX BURROW_MAX_TIMEOUT
#define PEER_INACTIVITY_TIMEOUT_MAX BURROW_MAX_TIMEOUT

/* dev set: the settings, and where to listen (a socket burrow-nl opens). */
struct dev_set_args {
	struct burrow_nl_dev_settings settings;
	bool listen;
	struct burrow_nl_endpoint listen_on;	/* family AF_UNSPEC: every address */
};

/*
 * Parse "DEV [default-keepalive SECONDS] [default-inactivity-timeout SECONDS]
 * [listen PORT|ADDR:PORT|[ADDR6]:PORT] [detach]".
 */
int dev_set_parse_args(int argc, char **argv, struct dev_set_args *args,
		       struct parse_error *error);
void dev_sort_by_name(struct burrow_nl_dev *devs, size_t count);
/* Text lists the counters with stats (-s) only; JSON always has them. */
void dev_print_text(FILE *out, const struct burrow_nl_dev *devs, size_t count, bool stats);
void dev_print_json(FILE *out, const struct burrow_nl_dev *devs, size_t count);

/*
 * Open the UDP socket 'listen' asks for and bind it: AF_INET for an IPv4
 * address; otherwise AF_INET6 with IPV6_V6ONLY off (both families), on ::
 * or the given address; AF_INET on 0.0.0.0 when the kernel has no IPv6.
 * Returns the descriptor, or -1 with why filled in.
 */
int dev_open_socket(const struct burrow_nl_endpoint *listen_on, char *why, size_t why_size);

/* peer add / peer set: the config, owning its allowed-ips array. */
struct peer_args {
	struct burrow_nl_peer_config config;
	struct burrow_nl_prefix *allowed_ips;
};

/*
 * Parse "DEV id N [tx-id N] [endpoint ADDR:PORT|[ADDR6]:PORT] [allowed-ips
 * PREFIX,...] [keepalive S] [inactivity-timeout S] [pinned on|off] [encap
 * udp|quic]"; for peer set (set true) also "endpoint none" and
 * "allowed-ips-op add|remove|replace" (default add). Release with
 * peer_args_release(), also after a failure.
 */
int peer_parse_args(int argc, char **argv, bool set, struct peer_args *args,
		    struct parse_error *error);
void peer_args_release(struct peer_args *args);

/* Parse "DEV id N" (peer del), or "DEV [id N]" when id_optional (peer show; *id 0: all). */
int peer_parse_ref(int argc, char **argv, const char *command, bool id_optional,
		   const char **ifname, uint32_t *id, struct parse_error *error);

void peer_print_text(FILE *out, const struct burrow_nl_peer *peers, size_t count);
void peer_print_json(FILE *out, const struct burrow_nl_peer *peers, size_t count);

/* key add: the config without key material, and the key files. */
struct key_add_args {
	struct burrow_nl_key_config config;
	const char *tx_path;
	const char *rx_path;
};

/*
 * Parse "DEV peer N slot primary|secondary key-id N cipher CIPHER tx FILE rx
 * FILE [soft-packets N] [hard-packets N] [soft-seconds N] [hard-seconds N]".
 */
int key_add_parse_args(int argc, char **argv, struct key_add_args *args,
		       struct parse_error *error);

/*
 * Parse "DEV peer N" plus "slot S": required (slot_wanted > 0, key del),
 * optional (slot_wanted == 0, key show; *slot -1 when absent) or refused
 * (slot_wanted < 0, key swap).
 */
int key_parse_ref(int argc, char **argv, const char *command, int slot_wanted,
		  const char **ifname, uint32_t *peer_id, int *slot, struct parse_error *error);

void key_print_text(FILE *out, const struct burrow_nl_key *keys, size_t count);
void key_print_json(FILE *out, const struct burrow_nl_key *keys, size_t count);

/* Names of enum values, NULL-safe ("?" for unknown values). */
const char *cli_cipher_name(uint8_t cipher);
const char *cli_slot_name(uint8_t slot);
const char *cli_encap_name(uint8_t encap);
const char *cli_limit_name(uint8_t limit_reached);

extern const char *const cli_cipher_names[3];
extern const char *const cli_slot_names[2];
extern const char *const cli_encap_names[2];

/*
 * One line for an event: ISO-8601 UTC time with milliseconds, then the
 * event and its fields; JSON lines with json. ifname may be NULL (the
 * device is gone or in another namespace).
 */
void monitor_print_event(FILE *out, const struct burrow_nl_event *event, const char *ifname,
			 const struct timespec *when, bool json);

#endif /* BURROW_NL_TOOL_CLI_H */
