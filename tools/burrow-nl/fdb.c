// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl fdb show [dev] DEV: the MAC table of an l2 device.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "parse.h"

static void fdb_print_mac(FILE *out, const uint8_t *mac)
{
	fprintf(out, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		mac[5]);
}

static void fdb_print_text(FILE *out, const struct burrow_nl_fdb_entry *entries, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		fdb_print_mac(out, entries[i].mac);
		fprintf(out, " vlan %u peer %u age %" PRIu64 ".%03" PRIu64 "s\n", entries[i].vlan,
			entries[i].peer_id, entries[i].age_ms / 1000, entries[i].age_ms % 1000);
	}
}

static void fdb_print_json(FILE *out, const struct burrow_nl_fdb_entry *entries, size_t count)
{
	fputc('[', out);
	for (size_t i = 0; i < count; i++) {
		fputs(i ? ",{\"mac\":\"" : "{\"mac\":\"", out);
		fdb_print_mac(out, entries[i].mac);
		fprintf(out, "\",\"vlan\":%u,\"peer\":%u,\"age_ms\":%" PRIu64 "}", entries[i].vlan,
			entries[i].peer_id, entries[i].age_ms);
	}
	fputs("]\n", out);
}

/* fdb show [dev] DEV */
static int fdb_show(struct cli *cli, int argc, char **argv)
{
	struct burrow_nl_dev_ref dev = { 0 };
	struct burrow_nl_fdb_entry *entries;
	struct parse_error error;
	size_t count;
	FILE *out;
	int ret;

	if (argc > 0 && strcmp(argv[0], "dev") == 0) {
		argc--;
		argv++;
	}
	if (argc == 0)
		return cli_usage_error("missing device name for fdb show");
	if (argc > 1)
		return cli_usage_error("unexpected argument '%s' for fdb show", argv[1]);
	if (parse_ifname(argv[0], &error))
		return cli_usage_error("%s", error.message);
	dev.ifname = argv[0];
	ret = cli_open(cli);
	if (ret)
		return ret;
	ret = burrow_nl_fdb_dump(cli->nl, &dev, &entries, &count);
	if (ret)
		return cli_report_error(cli, ret, "fdb show");
	if (!cli->json) {
		fdb_print_text(stdout, entries, count);
		ret = CLI_EXIT_OK;
	} else {
		out = cli_json_begin(cli);
		fdb_print_json(out, entries, count);
		ret = cli_json_end(cli, out);
	}
	free(entries);
	return ret;
}

const struct cli_command cli_fdb_commands[] = {
	{ "show", fdb_show, "show [dev] DEV" },
	{ NULL, NULL, NULL },
};

/* fdb show ... */
int cli_fdb(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, "fdb", cli_fdb_commands, argc, argv);
}
