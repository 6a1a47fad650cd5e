// SPDX-License-Identifier: GPL-2.0
/* burrow-nl: dispatch, help and error reporting shared by every command. */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

unsigned long cli_batch_line;

const struct cli_command *cli_find_command(const struct cli_command *commands,
					   const char *name)
{
	const struct cli_command *first = NULL;
	size_t len = strlen(name);

	if (len == 0)
		return NULL;
	for (const struct cli_command *command = commands; command->name; command++) {
		if (strcmp(command->name, name) == 0)
			return command;
		if (!first && strncmp(command->name, name, len) == 0)
			first = command;
	}
	return first;
}

void cli_print_usage(FILE *out, const char *object, const struct cli_command *commands)
{
	for (const struct cli_command *command = commands; command->name; command++) {
		if (command->usage)
			fprintf(out, "  burrow-nl %s %s\n", object, command->usage);
	}
}

/* "add, set, del or show". */
static void cli_list_commands(const struct cli_command *commands, char *buf, size_t size)
{
	size_t used = 0, total = 0, n = 0;

	buf[0] = '\0';
	for (const struct cli_command *command = commands; command->name; command++)
		total++;
	for (const struct cli_command *command = commands; command->name && used < size;
	     command++, n++)
		used += snprintf(buf + used, size - used, "%s%s", n == 0 ? "" :
				 n + 1 == total ? " or " : ", ", command->name);
}

int cli_dispatch(struct cli *cli, const char *object, const struct cli_command *commands,
		 int argc, char **argv)
{
	const struct cli_command *command;
	char names[160];

	if (argc == 0) {
		cli_list_commands(commands, names, sizeof(names));
		return cli_usage_error("missing command for %s (%s)", object, names);
	}
	command = cli_find_command(commands, argv[0]);
	if (!command) {
		if (argv[0][0] && strncmp("help", argv[0], strlen(argv[0])) == 0) {
			printf("Usage:\n");
			cli_print_usage(stdout, object, commands);
			return CLI_EXIT_OK;
		}
		return cli_usage_error("unknown command '%s' for %s (try 'burrow-nl %s help')",
				       argv[0], object, object);
	}
	if (argc == 2 && strcmp(argv[1], "help") == 0) {
		printf("Usage: burrow-nl %s %s\n", object, command->usage ? command->usage :
		       command->name);
		return CLI_EXIT_OK;
	}
	return command->run(cli, argc - 1, argv + 1);
}

static void cli_verror(const char *format, va_list args)
{
	fputs("burrow-nl: ", stderr);
	if (cli_batch_line)
		fprintf(stderr, "line %lu: ", cli_batch_line);
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
}

void cli_error(const char *format, ...)
{
	va_list args;

	va_start(args, format);
	cli_verror(format, args);
	va_end(args);
}

int cli_usage_error(const char *format, ...)
{
	va_list args;

	va_start(args, format);
	cli_verror(format, args);
	va_end(args);
	return CLI_EXIT_USAGE;
}

int cli_open(struct cli *cli)
{
	int ret;

	if (cli->nl)
		return CLI_EXIT_OK;
	ret = burrow_nl_open(&cli->nl);
	if (ret == -ENOENT) {
		cli_error("the burrow module is not loaded (no generic netlink family 'burrow')");
		return CLI_EXIT_REFUSED;
	}
	if (ret) {
		cli_error("cannot open the burrow netlink family: %s", strerror(-ret));
		return CLI_EXIT_REFUSED;
	}
	return CLI_EXIT_OK;
}

int cli_report_error(const struct cli *cli, int code, const char *what)
{
	const char *reason = burrow_nl_last_error(cli->nl);

	if (reason[0] == '\0')
		reason = strerror(-code);
	if (burrow_nl_last_error_from_kernel(cli->nl)) {
		cli_error("kernel refused: %s", reason);
		return code == -ENODEV || code == -ENOENT ? CLI_EXIT_NOT_FOUND : CLI_EXIT_REFUSED;
	}
	cli_error("%s: %s", what, reason);
	return CLI_EXIT_REFUSED;
}

int cli_keyword(int argc, char **argv, int i, const char *const *names, bool *given,
		unsigned int count, const char *command, struct parse_error *error)
{
	for (unsigned int n = 0; n < count; n++) {
		if (strcmp(argv[i], names[n]) != 0)
			continue;
		if (given[n])
			return parse_fail(error, "duplicate option '%s'", argv[i]);
		if (i + 1 == argc)
			return parse_fail(error, "missing value for %s", argv[i]);
		given[n] = true;
		return (int)n;
	}
	return parse_fail(error, "unknown keyword '%s' for %s", argv[i], command);
}

int cli_parse_dev(int argc, char **argv, bool (*is_keyword)(const char *word),
		  const char *command, const char **ifname, struct parse_error *error)
{
	if (argc == 0)
		return parse_fail(error, "missing device name for %s", command);
	if (is_keyword(argv[0]))
		return parse_fail(error, "missing device name before '%s' for %s", argv[0], command);
	if (parse_ifname(argv[0], error))
		return -1;
	*ifname = argv[0];
	return 0;
}

/* ---- output helpers ---------------------------------------------------------- */

/* -p: the buffer cli_json_begin() handed out. */
static char *json_buffer;
static size_t json_buffer_size;

FILE *cli_json_begin(struct cli *cli)
{
	FILE *out;

	if (!cli->pretty)
		return stdout;
	out = open_memstream(&json_buffer, &json_buffer_size);
	return out ? out : stdout;
}

int cli_json_end(struct cli *cli, FILE *out)
{
	json_error_t error;
	json_t *root;
	int ret = CLI_EXIT_OK;

	(void)cli;
	if (out == stdout)
		return CLI_EXIT_OK;
	fclose(out);
	root = json_loadb(json_buffer, json_buffer_size, 0, &error);
	if (!root || json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0) {
		cli_error("cannot indent the JSON output: %s", root ? "write failed" : error.text);
		ret = CLI_EXIT_REFUSED;
	} else {
		fputc('\n', stdout);
	}
	json_decref(root);
	free(json_buffer);
	json_buffer = NULL;
	json_buffer_size = 0;
	return ret;
}

const char *cli_format_bytes(uint64_t bytes, bool human, char buf[32])
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double value = (double)bytes;
	size_t unit = 0;

	if (!human || bytes < 1024) {
		snprintf(buf, 32, "%" PRIu64 " B", bytes);
		return buf;
	}
	value /= 1024;
	while (value >= 1024 && unit + 1 < ARRAY_SIZE(units)) {
		value /= 1024;
		unit++;
	}
	snprintf(buf, 32, "%.2f %s", value, units[unit]);
	return buf;
}

const char *cli_format_duration(uint64_t seconds, char buf[48])
{
	static const struct {
		uint64_t seconds;
		char suffix;
	} units[] = { { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' } };
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		uint64_t count = seconds / units[i].seconds;

		if (count == 0)
			continue;
		seconds %= units[i].seconds;
		used += snprintf(buf + used, 48 - used, "%s%" PRIu64 "%c", used ? " " : "", count,
				 units[i].suffix);
	}
	if (used == 0)
		snprintf(buf, 48, "0s");
	return buf;
}

/* ---- netns --------------------------------------------------------------------- */

int cli_enter_netns(const char *name)
{
	char path[256];
	int fd;

	if (name[0] == '\0' || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return cli_usage_error("invalid network namespace name '%s'", name);
	snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cli_error("cannot open network namespace '%s': %s", name, strerror(errno));
		return errno == ENOENT ? CLI_EXIT_NOT_FOUND : CLI_EXIT_REFUSED;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		cli_error("cannot enter network namespace '%s': %s", name, strerror(errno));
		close(fd);
		return CLI_EXIT_REFUSED;
	}
	close(fd);
	return CLI_EXIT_OK;
}

/* ---- names ------------------------------------------------------------------- */

const char *const cli_cipher_names[3] = {
	[BURROW_CIPHER_CHACHA20_POLY1305] = "chacha20-poly1305",
	[BURROW_CIPHER_AES_128_GCM] = "aes-128-gcm",
	[BURROW_CIPHER_AES_256_GCM] = "aes-256-gcm",
};

const char *const cli_slot_names[2] = {
	[BURROW_KEY_SLOT_PRIMARY] = "primary",
	[BURROW_KEY_SLOT_SECONDARY] = "secondary",
};

const char *const cli_encap_names[2] = {
	[BURROW_ENCAP_UDP] = "udp",
	[BURROW_ENCAP_QUIC] = "quic",
};

static const char *const limit_names[] = { "none", "soft", "hard" };

#define NAME_OF(names, value) \
	((size_t)(value) < sizeof(names) / sizeof((names)[0]) ? (names)[value] : "?")

const char *cli_cipher_name(uint8_t cipher)
{
	return NAME_OF(cli_cipher_names, cipher);
}

const char *cli_slot_name(uint8_t slot)
{
	return NAME_OF(cli_slot_names, slot);
}

const char *cli_encap_name(uint8_t encap)
{
	return NAME_OF(cli_encap_names, encap);
}

const char *cli_limit_name(uint8_t limit_reached)
{
	return NAME_OF(limit_names, limit_reached);
}
