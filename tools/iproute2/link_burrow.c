// SPDX-License-Identifier: GPL-2.0
/*
 * link_burrow.so: lets "ip -d link show" print a burrow device's details.
 *
 * iproute2 knows link kinds it was built with; for any other kind it
 * dlopen()s IP_LIB_DIR/link_<kind>.so and looks up <kind>_link_util. The
 * ip binary exports its printing helpers, so details come out both as text
 * and, under "ip -j", inside linkinfo.info_data.
 *
 * The structure and the helper prototypes below are iproute2's plugin ABI,
 * unchanged in its leading fields since 4.x; Debian 12 ships iproute2 6.1.
 * Besides printing, one option: "ip link add NAME type burrow mode l2"
 * creates an l2 (Ethernet) device; the mode is fixed at creation. Everything
 * else is configured with burrow-nl.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/burrow_link.h>

enum output_type { PRINT_FP = 1, PRINT_JSON = 2, PRINT_ANY = 4 };
enum color_attr { COLOR_NONE = 6 };

int print_color_uint(enum output_type type, enum color_attr color,
		     const char *key, const char *fmt, unsigned int value);
int print_color_string(enum output_type type, enum color_attr color,
		       const char *key, const char *fmt, const char *value);
int addattr8(struct nlmsghdr *n, int maxlen, int type, unsigned char data);

/* The request buffer iproute2's iplink passes to parse_opt is larger. */
#define BURROW_IP_REQ_MAXLEN	1024

struct link_util {
	struct link_util *next;
	const char *id;
	int maxattr;
	int (*parse_opt)(struct link_util *, int, char **, struct nlmsghdr *);
	void (*print_opt)(struct link_util *, FILE *, struct rtattr *[]);
	void (*print_xstats)(struct link_util *, FILE *, struct rtattr *);
	void (*print_help)(struct link_util *, int, char **, FILE *);
	int (*parse_ifla_xstats)(struct link_util *, int, char **);
	int (*print_ifla_xstats)(struct nlmsghdr *, void *);
};

static unsigned int attr_u16(const struct rtattr *attr)
{
	return *(const unsigned short *)RTA_DATA(attr);
}

static unsigned int attr_u32(const struct rtattr *attr)
{
	return *(const unsigned int *)RTA_DATA(attr);
}

/* An attribute shorter than its type is skipped rather than read past. */
static bool attr_ok(struct rtattr *tb[], int type, size_t len)
{
	return tb[type] && RTA_PAYLOAD(tb[type]) >= len;
}

static void burrow_print_opt(struct link_util *lu, FILE *f, struct rtattr *tb[])
{
	(void)lu;
	(void)f;
	if (!tb)
		return;
	if (attr_ok(tb, IFLA_BURROW_LISTEN_PORT, 2))
		print_color_uint(PRINT_ANY, COLOR_NONE, "listen_port", "listen-port %u ",
				 attr_u16(tb[IFLA_BURROW_LISTEN_PORT]));
	else
		print_color_string(PRINT_FP, COLOR_NONE, NULL, "%s ", "no-socket");
	if (attr_ok(tb, IFLA_BURROW_PEERS, 4))
		print_color_uint(PRINT_ANY, COLOR_NONE, "peers", "peers %u ",
				 attr_u32(tb[IFLA_BURROW_PEERS]));
	if (attr_ok(tb, IFLA_BURROW_DEFAULT_KEEPALIVE, 2))
		print_color_uint(PRINT_ANY, COLOR_NONE, "default_keepalive",
				 "keepalive %u ",
				 attr_u16(tb[IFLA_BURROW_DEFAULT_KEEPALIVE]));
	if (attr_ok(tb, IFLA_BURROW_DEFAULT_INACTIVITY_TIMEOUT, 4))
		print_color_uint(PRINT_ANY, COLOR_NONE, "default_inactivity_timeout",
				 "inactivity-timeout %u ",
				 attr_u32(tb[IFLA_BURROW_DEFAULT_INACTIVITY_TIMEOUT]));
	if (attr_ok(tb, IFLA_BURROW_MODE, 1) && *(const unsigned char *)RTA_DATA(tb[IFLA_BURROW_MODE]))
		print_color_string(PRINT_ANY, COLOR_NONE, "mode", "mode %s ", "l2");
	if (attr_ok(tb, IFLA_BURROW_GENERATION, 4))
		print_color_uint(PRINT_ANY, COLOR_NONE, "generation", "generation %u ",
				 attr_u32(tb[IFLA_BURROW_GENERATION]));
}

static void burrow_print_help(struct link_util *lu, int argc, char **argv, FILE *f)
{
	(void)lu;
	(void)argc;
	(void)argv;
	fprintf(f, "Usage: ... burrow [ mode { l3 | l2 } ]\n"
		   "(configure burrow devices with burrow-nl; see burrow-nl(8))\n");
}

static int burrow_parse_opt(struct link_util *lu, int argc, char **argv, struct nlmsghdr *n)
{
	unsigned char mode;

	while (argc > 0) {
		if (strcmp(*argv, "mode") != 0 || argc < 2) {
			fprintf(stderr, "burrow: unknown option '%s' (mode l3|l2)\n", *argv);
			burrow_print_help(lu, argc, argv, stderr);
			return -1;
		}
		if (strcmp(argv[1], "l2") == 0) {
			mode = 1;
		} else if (strcmp(argv[1], "l3") == 0) {
			mode = 0;
		} else {
			fprintf(stderr, "burrow: invalid mode '%s' (l3 or l2)\n", argv[1]);
			return -1;
		}
		if (addattr8(n, BURROW_IP_REQ_MAXLEN, IFLA_BURROW_MODE, mode))
			return -1;
		argc -= 2;
		argv += 2;
	}
	return 0;
}

/* Looked up by name: "<kind>_link_util". */
struct link_util burrow_link_util = {
	.id = "burrow",
	.maxattr = IFLA_BURROW_MAX,
	.parse_opt = burrow_parse_opt,
	.print_opt = burrow_print_opt,
	.print_help = burrow_print_help,
};
