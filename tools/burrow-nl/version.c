// SPDX-License-Identifier: GPL-2.0
/* burrow-nl version: the versions of burrow-nl, burrow.ko and its API. */

#include "cli.h"
#include "burrow-text.h"

int cli_version(struct cli *cli, int argc, char **argv)
{
	struct burrow_nl_version version;
	int ret;

	if (argc > 0)
		return cli_usage_error("unexpected argument '%s' for version", argv[0]);
	ret = cli_open(cli);
	if (ret)
		return ret;
	ret = burrow_nl_version_get(cli->nl, &version);
	if (ret)
		return cli_report_error(cli, ret, "version");

	if (cli->json) {
		FILE *out = cli_json_begin(cli);

		fputs("{\"burrow_nl\":", out);
		burrow_json_string(out, BURROW_VERSION);
		fputs(",\"module\":", out);
		burrow_json_string(out, version.module);
		fprintf(out, ",\"api\":%u}\n", version.api);
		return cli_json_end(cli, out);
	} else {
		printf("burrow-nl %s, module %s, api %u\n", BURROW_VERSION, version.module,
		       version.api);
	}
	return CLI_EXIT_OK;
}
