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
#include "burrow-rtnl.h"
#include "parse.h"

#define ARRAY_SIZE(array) (sizeof(array) / sizeof((array)[0]))

/* Exit codes: stable, scripts rely on them; 'burrow-nl help' lists them. */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_USAGE = 1,	/* usage or parse error */
	CLI_EXIT_REFUSED = 2,	/* the kernel refused, or cannot be reached */
	CLI_EXIT_NOT_FOUND = 3,	/* no such device, peer or key */
};

struct mnl_socket;

/*
 * One run of the command: global options, and the netlink sockets. In
 * batch mode one struct cli serves every line, so the sockets (and the
 * family id resolved by burrow_nl_open()) are opened once.
 */
struct cli {
	bool json;		/* -j */
	bool pretty;		/* -p: indented JSON */
	bool human;		/* -h: bytes as KiB, MiB... */
	bool force;		/* -force: batch goes on after errors; key material as argument */
	int stats;		/* -s, repeatable: more counters */
	struct burrow_nl *nl;	/* opened by cli_open() on first use */
	struct burrow_rtnl rtnl;	/* opened by link.c on first use */
};

/* An object's or a command's entry: argv starts after its own name. */
struct cli_command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *usage;	/* for 'help': lines after "burrow-nl OBJECT " */
};

/*
 * The command called name in a table ending with { NULL }: an exact match,
 * else the first command (in table order, which is help's) that name is a
 * prefix of, like ip(8): "p s" is "peer show", "p se" "peer set". NULL
 * when none matches or name is empty.
 */
const struct cli_command *cli_find_command(const struct cli_command *commands,
					   const char *name);

/*
 * Run argv[0] of commands for object (argv starts at the command). Also
 * answers "OBJECT help" (every command's usage) and "OBJECT COMMAND help".
 * Error: unknown command 'x' for peer (try 'burrow-nl peer help').
 */
int cli_dispatch(struct cli *cli, const char *object, const struct cli_command *commands,
		 int argc, char **argv);

/* The usage of every command of object, as 'help' prints it. */
void cli_print_usage(FILE *out, const char *object, const struct cli_command *commands);

/* Batch mode: the line being run (0 outside a batch), quoted in every error. */
extern unsigned long cli_batch_line;

/* Print "burrow-nl: [line N: ]<message>" to stderr. */
void cli_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* cli_error(), and return CLI_EXIT_USAGE. */
int cli_usage_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

/*
 * Where JSON output goes: stdout, or with -p a memory buffer that
 * cli_json_end() indents (jansson) and writes to stdout. Returns
 * CLI_EXIT_OK, or CLI_EXIT_REFUSED when the JSON cannot be reformatted.
 */
FILE *cli_json_begin(struct cli *cli);
int cli_json_end(struct cli *cli, FILE *out);

/* Human forms: "1.50 KiB" (or "1536 B" below 1 KiB), and "1h 2m 3s" / "0s". */
const char *cli_format_bytes(uint64_t bytes, bool human, char buf[32]);
const char *cli_format_duration(uint64_t seconds, char buf[48]);

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

/*
 * The device name a command starts with: argv[0], a valid interface name,
 * into *ifname. A word is_keyword() knows in its place means the name was
 * left out ("peer del id 3"), and is reported so rather than as a bad
 * interface name. Errors read
 *   missing device name for peer del
 *   missing device name before 'id' for peer del
 * or parse_ifname()'s.
 */
int cli_parse_dev(int argc, char **argv, bool (*is_keyword)(const char *word),
		  const char *command, const char **ifname, struct parse_error *error);

/* Objects. */
int cli_version(struct cli *cli, int argc, char **argv);
int cli_dev(struct cli *cli, int argc, char **argv);
int cli_peer(struct cli *cli, int argc, char **argv);
int cli_key(struct cli *cli, int argc, char **argv);
int cli_relay(struct cli *cli, int argc, char **argv);
int cli_fdb(struct cli *cli, int argc, char **argv);
int cli_monitor(struct cli *cli, int argc, char **argv);
int cli_show(struct cli *cli, int argc, char **argv);

/* Usage tables of the objects, for 'help'. */
extern const struct cli_command cli_dev_commands[];
extern const struct cli_command cli_peer_commands[];
extern const struct cli_command cli_key_commands[];
extern const struct cli_command cli_relay_commands[];
extern const struct cli_command cli_fdb_commands[];

/*
 * Run "OBJECT [COMMAND [ARGUMENTS]]" (objects and commands may be unique
 * prefixes). Returns its exit code.
 */
int cli_run(struct cli *cli, int argc, char **argv);

/* The whole 'burrow-nl help'. */
void cli_print_help(FILE *out);

/*
 * -batch: run every line of path ("-": standard input) as a command line
 * on cli. Stops at the first failing line unless cli->force. Returns the
 * exit code of the first failing line, CLI_EXIT_OK when none failed.
 */
int cli_batch(struct cli *cli, const char *path);

/*
 * Split line into words, in place: blanks separate words, '#' outside
 * quotes starts a comment, "..." and '...' quote, backslash escapes the
 * next character. At most max words. Returns the count, or -1 with error
 * set (unterminated quote, too many words).
 */
int cli_split_line(char *line, char **words, int max, struct parse_error *error);

/* Enter the network namespace /var/run/netns/NAME (ip netns's). */
int cli_enter_netns(const char *name);

/* ---- rtnetlink (link.c) ---------------------------------------------------- */

/* Create link ifname of kind "burrow" (mtu when mtu_set). Exit code. */
/* @mode: enum burrow_mode, or -1 for the kernel's default (l3). */
int link_create(struct cli *cli, const char *ifname, bool mtu_set, uint32_t mtu, int mode);
/* "l3" or "l2". */
int parse_mode(const char *text, uint8_t *mode, struct parse_error *error);
/* Delete link ifname. Exit code. */
int link_delete(struct cli *cli, const char *ifname);
void link_close(struct cli *cli);

/* ---- the pieces that need no kernel, for unit tests ---------------------------- */

/* Longest accepted timeouts: max-timeout in burrow.yaml. */
#define DEV_DEFAULT_INACTIVITY_TIMEOUT_MAX BURROW_MAX_TIMEOUT
#define PEER_INACTIVITY_TIMEOUT_MAX BURROW_MAX_TIMEOUT

/* dev set: the settings, and where to listen (a socket burrow-nl opens). */
struct dev_set_args {
	struct burrow_nl_dev_settings settings;
	bool mode_set;			/* dev add only */
	uint8_t mode;			/* enum burrow_mode */
	bool listen;
	struct burrow_nl_endpoint listen_on;	/* family AF_UNSPEC: every address */
};

/*
 * Parse "DEV [default-keepalive SECONDS] [default-inactivity-timeout SECONDS]
 * [quic-cid-len N] [listen PORT|ADDR:PORT|[ADDR6]:PORT] [detach]".
 */
int dev_set_parse_args(int argc, char **argv, struct dev_set_args *args,
		       struct parse_error *error);

/*
 * Parse "NAME [mtu N] [dev set's keywords]" (dev add): like dev set, but
 * needing no setting. mtu 68-65535.
 */
int dev_add_parse_args(int argc, char **argv, struct dev_set_args *args, bool *mtu_set,
		       uint32_t *mtu, struct parse_error *error);
void dev_sort_by_name(struct burrow_nl_dev *devs, size_t count);

/* Apply parsed dev set/add settings, opening the listen socket; none is done. Exit code. */
int dev_apply_settings(struct cli *cli, struct dev_set_args *args, const char *what);

/* dev restore DEV FILE (restore.c). */
int dev_restore(struct cli *cli, int argc, char **argv);
/* Text lists the counters with stats (-s) only; JSON always has them. */
void dev_print_text(FILE *out, const struct burrow_nl_dev *devs, size_t count, bool stats);
void dev_print_json(FILE *out, const struct burrow_nl_dev *devs, size_t count);
/* One device's JSON members, without the braces (show nests peers in it). */
void dev_print_json_fields(FILE *out, const struct burrow_nl_dev *dev);
/* "<indent>drop-no-peer 3" lines; nonzero_only skips zeros. */
void dev_print_counters_text(FILE *out, const struct burrow_nl_dev *dev, const char *indent,
			     bool nonzero_only);

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
/* With human, bytes as "1.21 KiB". */
void peer_print_text_human(FILE *out, const struct burrow_nl_peer *peers, size_t count,
			   bool human);
void peer_print_json(FILE *out, const struct burrow_nl_peer *peers, size_t count);
void peer_print_json_fields(FILE *out, const struct burrow_nl_peer *peer);
int dev_fetch(struct cli *cli, int argc, char **argv, const char *command,
	      struct burrow_nl_dev **devs, size_t *count);
/* A quic connection ID in hex (1 to BURROW_CID_LEN_MAX bytes); NAME is for messages. */
/* "VLAN[,VLAN...]" (0-4094) or "none" into a segments bitmap. */
int peer_parse_segments(const char *text, uint8_t *bitmap, struct parse_error *error);
/* A segments bitmap as "0,10,20" ("none" in text, nothing in JSON, if empty). */
void peer_print_segments(FILE *out, const uint8_t *bitmap, bool json);
int peer_parse_cid(const char *name, const char *text, uint8_t *cid, uint8_t *len,
		   struct parse_error *error);

/* key add: the config without key material, and the key files. */
struct key_add_args {
	struct burrow_nl_key_config config;
	const char *tx_path;
	const char *rx_path;
	const char *tx_text;	/* tx-key TEXT (needs -force), instead of tx FILE */
	const char *rx_text;
};

/*
 * Parse "DEV peer N slot primary|secondary key-id N cipher CIPHER tx FILE rx
 * FILE [soft-packets N] [hard-packets N] [soft-seconds N] [hard-seconds N]";
 * "tx-key TEXT" / "rx-key TEXT" (the key file's one line, given as an
 * argument) instead of tx / rx, which key add refuses without -force.
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
void key_print_json_fields(FILE *out, const struct burrow_nl_key *key);

/* show (show.c): the overview of devs (sorted), their peers and key metadata. */
struct show_dev {
	struct burrow_nl_dev dev;
	struct burrow_nl_peer *peers;
	size_t peer_count;
	struct burrow_nl_key (*keys)[2];	/* per peer: primary, secondary */
	bool (*has_key)[2];
};
void show_print_text(FILE *out, const struct show_dev *devs, size_t count, int stats,
		     bool human);
void show_print_json(FILE *out, const struct show_dev *devs, size_t count);

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
