// SPDX-License-Identifier: GPL-2.0
/* burrow-nl: dispatch and error reporting shared by every command. */

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "cli.h"

const struct cli_command *cli_find_command(const struct cli_command *commands,
					   const char *name)
{
	for (const struct cli_command *command = commands; command->name; command++) {
		if (strcmp(command->name, name) == 0)
			return command;
	}
	return NULL;
}

int cli_usage_error(const char *format, ...)
{
	va_list args;

	fputs("burrow-nl: ", stderr);
	va_start(args, format);
	vfprintf(stderr, format, args);
	va_end(args);
	fputc('\n', stderr);
	return CLI_EXIT_USAGE;
}

int cli_open(struct cli *cli)
{
	int ret;

	if (cli->nl)
		return CLI_EXIT_OK;
	ret = burrow_nl_open(&cli->nl);
	if (ret == -ENOENT) {
		fprintf(stderr, "burrow-nl: the burrow module is not loaded "
			"(no generic netlink family 'burrow')\n");
		return CLI_EXIT_REFUSED;
	}
	if (ret) {
		fprintf(stderr, "burrow-nl: cannot open the burrow netlink family: %s\n",
			strerror(-ret));
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
		fprintf(stderr, "burrow-nl: kernel refused: %s\n", reason);
		return code == -ENODEV || code == -ENOENT ? CLI_EXIT_NOT_FOUND : CLI_EXIT_REFUSED;
	}
	fprintf(stderr, "burrow-nl: %s: %s\n", what, reason);
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
