// SPDX-License-Identifier: GPL-2.0
/* burrow-nl dev: show and change burrow devices, and attach their sockets. */

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "burrow-text.h"

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

/* Each dev-stats counter's name in burrow.yaml and its place in the struct. */
static const struct {
	const char *name;
	size_t offset;
} dev_counters[BURROW_A_DEV_STATS_MAX + 1] = {
#define COUNTER(field, attr, name) [attr] = { name, offsetof(struct burrow_nl_dev_stats, field) },
	BURROW_NL_DEV_STATS(COUNTER)
#undef COUNTER
};

/* The counters, by attribute, in the order they are shown. */
static const unsigned int dev_counter_order[] = { BURROW_NL_DEV_STATS_SHOWN };

static const char *dev_counter_name(size_t i)
{
	return dev_counters[dev_counter_order[i]].name;
}

static uint64_t dev_counter(const struct burrow_nl_dev_stats *stats, size_t i)
{
	uint64_t value;

	memcpy(&value, (const char *)stats + dev_counters[dev_counter_order[i]].offset,
	       sizeof(value));
	return value;
}

void dev_print_text(FILE *out, const struct burrow_nl_dev *devs, size_t count, bool stats)
{
	for (size_t i = 0; i < count; i++) {
		const struct burrow_nl_dev *dev = &devs[i];

		fprintf(out, "%s: ifindex %u default-keepalive %u default-inactivity-timeout %u",
			dev->ifname, dev->ifindex, dev->default_keepalive,
			dev->default_inactivity_timeout);
		if (dev->quic_cid_len)
			fprintf(out, " quic-cid-len %u", dev->quic_cid_len);
		/* l3 devices print as they did before l2 mode existed. */
		if (dev->mode == BURROW_MODE_L2)
			fprintf(out, " mode l2 fdb-ageing %u", dev->fdb_ageing);
		if (dev->socket_family)
			fprintf(out, " socket %s listen-port %u", burrow_text_family(dev->socket_family),
				dev->listen_port);
		else
			fputs(" socket none", out);
		fprintf(out, " peers %u generation %u\n", dev->peer_count, dev->generation);
		if (!stats)
			continue;
		for (size_t c = 0; c < ARRAY_SIZE(dev_counter_order); c++)
			fprintf(out, "    %s %" PRIu64 "\n", dev_counter_name(c),
				dev_counter(&dev->stats, c));
	}
}

/* A counter's JSON key: its name with '_' for '-'. */
static void dev_print_json_key(FILE *out, const char *name)
{
	fputc('"', out);
	for (const char *c = name; *c; c++)
		fputc(*c == '-' ? '_' : *c, out);
	fputs("\":", out);
}

void dev_print_json_fields(FILE *out, const struct burrow_nl_dev *dev)
{
	fputs("\"ifname\":", out);
	burrow_json_string(out, dev->ifname);
	fprintf(out, ",\"ifindex\":%u,\"default_keepalive\":%u,"
		"\"default_inactivity_timeout\":%u",
		dev->ifindex, dev->default_keepalive, dev->default_inactivity_timeout);
	if (dev->quic_cid_len)
		fprintf(out, ",\"quic_cid_len\":%u", dev->quic_cid_len);
	else
		fputs(",\"quic_cid_len\":null", out);
	if (dev->mode == BURROW_MODE_L2)
		fprintf(out, ",\"mode\":\"l2\",\"fdb_ageing\":%u", dev->fdb_ageing);
	if (dev->socket_family)
		fprintf(out, ",\"socket_family\":\"%s\",\"listen_port\":%u",
			burrow_text_family(dev->socket_family), dev->listen_port);
	else
		fputs(",\"socket_family\":null,\"listen_port\":null", out);
	fprintf(out, ",\"peer_count\":%u,\"generation\":%u", dev->peer_count, dev->generation);
	fputs(",\"stats\":{", out);
	for (size_t c = 0; c < ARRAY_SIZE(dev_counter_order); c++) {
		if (c)
			fputc(',', out);
		dev_print_json_key(out, dev_counter_name(c));
		fprintf(out, "%" PRIu64, dev_counter(&dev->stats, c));
	}
	fputc('}', out);
}

void dev_print_json(FILE *out, const struct burrow_nl_dev *devs, size_t count)
{
	fputc('[', out);
	for (size_t i = 0; i < count; i++) {
		fputs(i ? ",{" : "{", out);
		dev_print_json_fields(out, &devs[i]);
		fputc('}', out);
	}
	fputs("]\n", out);
}

void dev_print_counters_text(FILE *out, const struct burrow_nl_dev *dev, const char *indent,
			     bool nonzero_only)
{
	for (size_t c = 0; c < ARRAY_SIZE(dev_counter_order); c++) {
		uint64_t value = dev_counter(&dev->stats, c);

		if (!nonzero_only || value)
			fprintf(out, "%s%s %" PRIu64 "\n", indent, dev_counter_name(c), value);
	}
}

static int dev_print(struct cli *cli, const struct burrow_nl_dev *devs, size_t count)
{
	FILE *out;

	if (!cli->json) {
		dev_print_text(stdout, devs, count, cli->stats > 0);
		return CLI_EXIT_OK;
	}
	out = cli_json_begin(cli);
	dev_print_json(out, devs, count);
	return cli_json_end(cli, out);
}

/*
 * The devices "COMMAND [DEV]" names: DEV alone, or every burrow device,
 * sorted by name, in *devs (free() it). Returns a CLI exit code; on failure
 * the error has been reported and *devs is NULL.
 */
int dev_fetch(struct cli *cli, int argc, char **argv, const char *command,
	      struct burrow_nl_dev **devs, size_t *count)
{
	struct parse_error error;
	int ret;

	*devs = NULL;
	*count = 0;
	if (argc > 1)
		return cli_usage_error("unexpected argument '%s' for %s", argv[1], command);
	if (argc == 1 && parse_ifname(argv[0], &error))
		return cli_usage_error("%s", error.message);
	ret = cli_open(cli);
	if (ret)
		return ret;
	if (argc == 1) {
		const struct burrow_nl_dev_ref ref = { .ifname = argv[0] };

		*devs = calloc(1, sizeof(**devs));
		if (!*devs)
			return CLI_EXIT_REFUSED;
		ret = burrow_nl_dev_get(cli->nl, &ref, *devs);
		*count = 1;
	} else {
		ret = burrow_nl_dev_dump(cli->nl, devs, count);
	}
	if (ret) {
		free(*devs);
		*devs = NULL;
		*count = 0;
		return cli_report_error(cli, ret, command);
	}
	dev_sort_by_name(*devs, *count);
	return CLI_EXIT_OK;
}

/* dev show [DEV] */
static int dev_show(struct cli *cli, int argc, char **argv)
{
	struct burrow_nl_dev *devs;
	size_t count;
	int ret;

	ret = dev_fetch(cli, argc, argv, "dev show", &devs, &count);
	if (ret)
		return ret;
	ret = dev_print(cli, devs, count);
	free(devs);
	return ret;
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

static void dev_store_fdb_ageing(struct burrow_nl_dev_settings *settings, uint32_t seconds)
{
	settings->fdb_ageing = seconds;
	settings->fdb_ageing_set = true;
}

static const struct dev_setting dev_settings[] = {
	{ "default-keepalive", UINT16_MAX, dev_store_default_keepalive },
	{ "fdb-ageing", DEV_DEFAULT_INACTIVITY_TIMEOUT_MAX, dev_store_fdb_ageing },
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

static bool dev_is_keyword(const char *word)
{
	return dev_find_setting(word) || strcmp(word, "listen") == 0 ||
	       strcmp(word, "detach") == 0 || strcmp(word, "quic-cid-len") == 0;
}

/* dev add also takes mtu and mode, which dev set does not. */
static bool dev_add_is_keyword(const char *word)
{
	return dev_is_keyword(word) || strcmp(word, "mtu") == 0 || strcmp(word, "mode") == 0;
}

int parse_mode(const char *text, uint8_t *mode, struct parse_error *error)
{
	if (burrow_text_parse_mode(text, mode))
		return parse_fail(error, "invalid mode '%s' (l3 or l2)", text);
	return 0;
}

/* dev set's keywords from argv[first]; command names the command in errors. */
static int dev_parse_settings(int argc, char **argv, int first, const char *command,
			      struct dev_set_args *args, bool *any, struct parse_error *error);

int dev_set_parse_args(int argc, char **argv, struct dev_set_args *args,
		       struct parse_error *error)
{
	bool any_given = false;

	*args = (struct dev_set_args){ 0 };
	if (cli_parse_dev(argc, argv, dev_is_keyword, "dev set", &args->settings.dev.ifname, error))
		return -1;
	if (dev_parse_settings(argc, argv, 1, "dev set", args, &any_given, error))
		return -1;
	if (!any_given)
		return parse_fail(error, "nothing to set for dev set (give default-keepalive, "
				  "default-inactivity-timeout, quic-cid-len, listen or detach)");
	return 0;
}

int dev_add_parse_args(int argc, char **argv, struct dev_set_args *args, bool *mtu_set,
		       uint32_t *mtu, struct parse_error *error)
{
	char **rest = NULL;
	int rest_count = 0, ret;
	bool any_given = false;
	uint64_t number;

	*args = (struct dev_set_args){ 0 };
	*mtu_set = false;
	if (cli_parse_dev(argc, argv, dev_add_is_keyword, "dev add", &args->settings.dev.ifname,
			  error))
		return -1;
	/* mtu is dev add's own; the rest are dev set's. */
	rest = calloc((size_t)argc, sizeof(*rest));
	if (!rest)
		return parse_fail(error, "out of memory");
	rest[rest_count++] = argv[0];
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "mode") == 0 && !(i > 1 && strcmp(argv[i - 1], "listen") == 0)) {
			if (args->mode_set) {
				free(rest);
				return parse_fail(error, "duplicate option 'mode'");
			}
			if (i + 1 == argc) {
				free(rest);
				return parse_fail(error, "missing value for mode");
			}
			if (parse_mode(argv[i + 1], &args->mode, error)) {
				free(rest);
				return -1;
			}
			args->mode_set = true;
			i++;
			continue;
		}
		if (strcmp(argv[i], "mtu") != 0 || (i > 1 && strcmp(argv[i - 1], "listen") == 0)) {
			rest[rest_count++] = argv[i];
			continue;
		}
		if (*mtu_set) {
			free(rest);
			return parse_fail(error, "duplicate option 'mtu'");
		}
		if (i + 1 == argc) {
			free(rest);
			return parse_fail(error, "missing value for mtu");
		}
		if (parse_number("mtu", argv[i + 1], 68, 65535, &number, error)) {
			free(rest);
			return -1;
		}
		*mtu = (uint32_t)number;
		*mtu_set = true;
		i++;
	}
	ret = dev_parse_settings(rest_count, rest, 1, "dev add", args, &any_given, error);
	free(rest);
	if (ret)
		return -1;
	if (args->settings.socket_detach)
		return parse_fail(error, "unknown keyword 'detach' for dev add");
	return 0;
}

static int dev_parse_settings(int argc, char **argv, int first, const char *command,
			      struct dev_set_args *args, bool *any, struct parse_error *error)
{
	bool given[ARRAY_SIZE(dev_settings)] = { false };
	struct burrow_nl_dev_settings *settings = &args->settings;
	bool any_given = false;

	for (int i = first; i < argc; i += 2) {
		const struct dev_setting *setting = dev_find_setting(argv[i]);
		uint32_t seconds;

		if (strcmp(argv[i], "detach") == 0) {
			if (settings->socket_detach)
				return parse_fail(error, "duplicate option 'detach'");
			settings->socket_detach = true;
			any_given = true;
			i--;	/* a flag: no value */
			continue;
		}
		if (strcmp(argv[i], "listen") == 0) {
			if (args->listen)
				return parse_fail(error, "duplicate option 'listen'");
			if (i + 1 == argc)
				return parse_fail(error, "missing value for listen");
			if (parse_listen(argv[i + 1], &args->listen_on, error))
				return -1;
			args->listen = true;
			any_given = true;
			continue;
		}
		if (strcmp(argv[i], "quic-cid-len") == 0) {
			uint64_t length;

			if (settings->quic_cid_len_set)
				return parse_fail(error, "duplicate option 'quic-cid-len'");
			if (i + 1 == argc)
				return parse_fail(error, "missing value for quic-cid-len");
			if (parse_number("quic-cid-len", argv[i + 1], 1, BURROW_CID_LEN_MAX, &length,
					 error))
				return -1;
			settings->quic_cid_len = (uint8_t)length;
			settings->quic_cid_len_set = true;
			any_given = true;
			continue;
		}
		if (!setting && strcmp(argv[i], "mode") == 0)
			return parse_fail(error, "'mode' is fixed when the device is created "
					  "(dev add DEV mode l2); %s cannot change it", command);
		if (!setting)
			return parse_fail(error, "unknown keyword '%s' for %s", argv[i], command);
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
	if (args->listen && settings->socket_detach)
		return parse_fail(error, "give listen or detach, not both");
	*any = any_given;
	return 0;
}

/* The sockaddr to bind for listen_on in family. */
static socklen_t dev_listen_sockaddr(const struct burrow_nl_endpoint *listen_on, int family,
				     struct sockaddr_storage *storage)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)storage;
	struct sockaddr_in *sin = (struct sockaddr_in *)storage;

	memset(storage, 0, sizeof(*storage));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(listen_on->port);
		if (listen_on->family == AF_INET)
			sin->sin_addr = listen_on->addr.v4;
		else
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(listen_on->port);
	if (listen_on->family == AF_INET6)
		sin6->sin6_addr = listen_on->addr.v6;
	else
		sin6->sin6_addr = in6addr_any;
	return sizeof(*sin6);
}

int dev_open_socket(const struct burrow_nl_endpoint *listen_on, char *why, size_t why_size)
{
	int family = listen_on->family == AF_INET ? AF_INET : AF_INET6;
	char where[BURROW_TEXT_ENDPOINT_SIZE];
	struct sockaddr_storage addr;
	socklen_t addr_len;
	int fd, off = 0;

	if (listen_on->family == AF_UNSPEC)
		snprintf(where, sizeof(where), "port %u", listen_on->port);
	else
		burrow_text_endpoint(listen_on, where);

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0 && errno == EAFNOSUPPORT && listen_on->family == AF_UNSPEC) {
		family = AF_INET;	/* a kernel without IPv6 */
		fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	}
	if (fd < 0) {
		snprintf(why, why_size, "cannot open a UDP socket: %s", strerror(errno));
		return -1;
	}
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0) {
		snprintf(why, why_size, "cannot make the socket dual-stack (IPV6_V6ONLY): %s",
			 strerror(errno));
		close(fd);
		return -1;
	}
	addr_len = dev_listen_sockaddr(listen_on, family, &addr);
	if (bind(fd, (struct sockaddr *)&addr, addr_len) < 0) {
		snprintf(why, why_size, "cannot listen on %s: %s", where, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * dev set DEV [default-keepalive SECONDS] [default-inactivity-timeout SECONDS] [quic-cid-len N]
 *             [listen PORT|ADDR:PORT|[ADDR6]:PORT] [detach]
 */
/*
 * Send args (opening its listen socket first); what names the command in
 * errors. Nothing to send (dev add, dev restore without settings) is done.
 */
int dev_apply_settings(struct cli *cli, struct dev_set_args *args, const char *what)
{
	int ret;

	if (!args->listen && !args->settings.default_keepalive_set &&
	    !args->settings.default_inactivity_timeout_set && !args->settings.quic_cid_len_set &&
	    !args->settings.socket_detach && !args->settings.fdb_ageing_set)
		return CLI_EXIT_OK;
	ret = cli_open(cli);
	if (ret)
		return ret;
	/*
	 * burrow-nl exits right away, and a socket of its own would detach
	 * when its descriptor closed: the kernel opens a socket of its own
	 * instead, which stays until detached or the device goes.
	 */
	if (args->listen) {
		args->settings.listen_set = true;
		args->settings.listen = args->listen_on;
	}
	ret = burrow_nl_dev_set(cli->nl, &args->settings);
	if (ret)
		return cli_report_error(cli, ret, what);
	return CLI_EXIT_OK;
}

static int dev_set(struct cli *cli, int argc, char **argv)
{
	struct dev_set_args args;
	struct parse_error error;

	if (dev_set_parse_args(argc, argv, &args, &error))
		return cli_usage_error("%s", error.message);
	return dev_apply_settings(cli, &args, "dev set");
}

/*
 * dev add NAME [mtu N] [default-keepalive S] [default-inactivity-timeout S]
 *              [quic-cid-len N] [listen L]
 */
static int dev_add(struct cli *cli, int argc, char **argv)
{
	struct dev_set_args args;
	struct parse_error error;
	bool mtu_set;
	uint32_t mtu;
	int ret;

	if (dev_add_parse_args(argc, argv, &args, &mtu_set, &mtu, &error))
		return cli_usage_error("%s", error.message);
	ret = link_create(cli, argv[0], mtu_set, mtu, args.mode_set ? args.mode : -1);
	if (ret)
		return ret;
	ret = dev_apply_settings(cli, &args, "dev add");
	/* All or nothing: a device whose settings failed is removed again. */
	if (ret)
		link_delete(cli, argv[0]);
	return ret;
}

/* dev del NAME: only a burrow device (dev-get finds it), never another kind. */
static int dev_del(struct cli *cli, int argc, char **argv)
{
	const struct burrow_nl_dev_ref ref = { .ifname = argc ? argv[0] : NULL };
	struct parse_error error;
	struct burrow_nl_dev dev;
	int ret;

	if (argc == 0)
		return cli_usage_error("missing device name for dev del");
	if (argc > 1)
		return cli_usage_error("unexpected argument '%s' for dev del", argv[1]);
	if (parse_ifname(argv[0], &error))
		return cli_usage_error("%s", error.message);
	ret = cli_open(cli);
	if (ret)
		return ret;
	ret = burrow_nl_dev_get(cli->nl, &ref, &dev);
	if (ret)
		return cli_report_error(cli, ret, "dev del");
	return link_delete(cli, argv[0]);
}

/* ---- dispatch ------------------------------------------------------------- */

const struct cli_command cli_dev_commands[] = {
	{ "show", dev_show, "show [DEV]" },
	{ "set", dev_set, "set DEV [default-keepalive SECONDS] [default-inactivity-timeout SECONDS]\n"
	  "                  [quic-cid-len N] [listen PORT | listen ADDR:PORT | listen [ADDR6]:PORT]\n"
	  "                  [detach] [fdb-ageing SECONDS]" },
	{ "add", dev_add, "add DEV [mode l3|l2] [mtu N] [default-keepalive SECONDS]\n"
	  "                  [default-inactivity-timeout SECONDS] [quic-cid-len N]\n"
	  "                  [listen PORT|ADDR:PORT] [fdb-ageing SECONDS]" },
	{ "del", dev_del, "del DEV" },
	{ "restore", dev_restore, "restore DEV FILE [listen PORT|ADDR:PORT|none]\n"
	  "                  FILE: 'burrow-nl -j show DEV' output ('-': stdin)" },
	{ NULL, NULL, NULL },
};

/* dev [show [DEV] | set DEV ... | add | del | restore]; plain "dev" is "dev show". */
int cli_dev(struct cli *cli, int argc, char **argv)
{
	if (argc == 0)
		return dev_show(cli, 0, argv);
	return cli_dispatch(cli, "dev", cli_dev_commands, argc, argv);
}
