// SPDX-License-Identifier: GPL-2.0
/* burrow-nl dev: show and change burrow devices. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

#define ARRAY_SIZE(array) (sizeof(array) / sizeof((array)[0]))

/* ---- dev show ------------------------------------------------------------- */

static int dev_compare_names(const void *a, const void *b)
{
	const struct burrow_nl_dev *dev_a = a, *dev_b = b;

	return strcmp(dev_a->ifname, dev_b->ifname);
}

void dev_sort_by_name(struct burrow_nl_dev *devs, size_t count)
{
	if (count > 1)
		qsort(devs, count, sizeof(*devs), dev_compare_names);
}

void dev_print_text(FILE *out, const struct burrow_nl_dev *devs, size_t count)
{
	for (size_t i = 0; i < count; i++)
		fprintf(out, "%s: ifindex %u default-keepalive %u default-inactivity-timeout %u\n",
			devs[i].ifname, devs[i].ifindex, devs[i].default_keepalive,
			devs[i].default_inactivity_timeout);
}

void dev_print_json(FILE *out, const struct burrow_nl_dev *devs, size_t count)
{
	fputc('[', out);
	for (size_t i = 0; i < count; i++) {
		fputs(i ? ",{\"ifname\":" : "{\"ifname\":", out);
		json_print_string(out, devs[i].ifname);
		fprintf(out, ",\"ifindex\":%u,\"default_keepalive\":%u,"
			"\"default_inactivity_timeout\":%u}",
			devs[i].ifindex, devs[i].default_keepalive,
			devs[i].default_inactivity_timeout);
	}
	fputs("]\n", out);
}

static void dev_print(const struct cli *cli, const struct burrow_nl_dev *devs, size_t count)
{
	if (cli->json)
		dev_print_json(stdout, devs, count);
	else
		dev_print_text(stdout, devs, count);
}

/* dev show [DEV] */
static int dev_show(struct cli *cli, int argc, char **argv)
{
	struct parse_error error;
	struct burrow_nl_dev *devs;
	size_t count;
	int ret;

	if (argc > 1)
		return cli_usage_error("unexpected argument '%s' for dev show", argv[1]);
	if (argc == 1 && parse_ifname(argv[0], &error))
		return cli_usage_error("%s", error.message);
	ret = cli_open(cli);
	if (ret)
		return ret;

	if (argc == 1) {
		const struct burrow_nl_dev_ref ref = { .ifname = argv[0] };
		struct burrow_nl_dev dev;

		ret = burrow_nl_dev_get(cli->nl, &ref, &dev);
		if (ret)
			return cli_report_error(cli, ret, "dev show");
		dev_print(cli, &dev, 1);
		return CLI_EXIT_OK;
	}

	ret = burrow_nl_dev_dump(cli->nl, &devs, &count);
	if (ret)
		return cli_report_error(cli, ret, "dev show");
	dev_sort_by_name(devs, count);
	dev_print(cli, devs, count);
	free(devs);
	return CLI_EXIT_OK;
}

/* ---- dev set -------------------------------------------------------------- */

/* A "KEYWORD SECONDS" pair of dev set. */
struct dev_setting {
	const char *keyword;
	uint32_t max;
	void (*store)(struct burrow_nl_dev_settings *settings, uint32_t seconds);
};

static void dev_store_default_keepalive(struct burrow_nl_dev_settings *settings,
					uint32_t seconds)
{
	settings->default_keepalive = (uint16_t)seconds;
	settings->default_keepalive_set = true;
}

static void dev_store_default_inactivity_timeout(struct burrow_nl_dev_settings *settings,
						 uint32_t seconds)
{
	settings->default_inactivity_timeout = seconds;
	settings->default_inactivity_timeout_set = true;
}

static const struct dev_setting dev_settings[] = {
	{ "default-keepalive", UINT16_MAX, dev_store_default_keepalive },
	{ "default-inactivity-timeout", DEV_DEFAULT_INACTIVITY_TIMEOUT_MAX,
	  dev_store_default_inactivity_timeout },
};

static const struct dev_setting *dev_find_setting(const char *keyword)
{
	for (size_t i = 0; i < ARRAY_SIZE(dev_settings); i++) {
		if (strcmp(dev_settings[i].keyword, keyword) == 0)
			return &dev_settings[i];
	}
	return NULL;
}

int dev_set_parse_args(int argc, char **argv, struct burrow_nl_dev_settings *settings,
		       struct parse_error *error)
{
	bool given[ARRAY_SIZE(dev_settings)] = { false };
	bool any_given = false;

	*settings = (struct burrow_nl_dev_settings){ 0 };
	if (argc == 0)
		return parse_fail(error, "missing device name for dev set");
	if (dev_find_setting(argv[0]))
		return parse_fail(error, "missing device name before '%s' for dev set", argv[0]);
	if (parse_ifname(argv[0], error))
		return -1;
	settings->dev.ifname = argv[0];

	for (int i = 1; i < argc; i += 2) {
		const struct dev_setting *setting = dev_find_setting(argv[i]);
		uint32_t seconds;

		if (!setting)
			return parse_fail(error, "unknown keyword '%s' for dev set", argv[i]);
		if (given[setting - dev_settings])
			return parse_fail(error, "duplicate option '%s'", argv[i]);
		if (i + 1 == argc)
			return parse_fail(error, "missing value for %s", argv[i]);
		if (parse_seconds(setting->keyword, argv[i + 1], setting->max, &seconds, error))
			return -1;
		setting->store(settings, seconds);
		given[setting - dev_settings] = true;
		any_given = true;
	}
	if (!any_given)
		return parse_fail(error, "nothing to set for dev set "
				  "(give default-keepalive or default-inactivity-timeout)");
	return 0;
}

/* dev set DEV [default-keepalive SECONDS] [default-inactivity-timeout SECONDS] */
static int dev_set(struct cli *cli, int argc, char **argv)
{
	struct burrow_nl_dev_settings settings;
	struct parse_error error;
	int ret;

	if (dev_set_parse_args(argc, argv, &settings, &error))
		return cli_usage_error("%s", error.message);
	ret = cli_open(cli);
	if (ret)
		return ret;
	ret = burrow_nl_dev_set(cli->nl, &settings);
	if (ret)
		return cli_report_error(cli, ret, "dev set");
	return CLI_EXIT_OK;
}

/* ---- dispatch ------------------------------------------------------------- */

static const struct cli_command dev_commands[] = {
	{ "show", dev_show },
	{ "set", dev_set },
	{ NULL, NULL },
};

/* dev [show [DEV] | set DEV ...]; plain "dev" is "dev show". */
int cli_dev(struct cli *cli, int argc, char **argv)
{
	const struct cli_command *command;

	if (argc == 0)
		return dev_show(cli, 0, argv);
	command = cli_find_command(dev_commands, argv[0]);
	if (!command)
		return cli_usage_error("unknown command '%s' for dev (try 'burrow-nl help')",
				       argv[0]);
	return command->run(cli, argc - 1, argv + 1);
}
