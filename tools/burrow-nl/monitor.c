// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl monitor: print the family's events as they come, one line each
 * (JSON lines with -j), until killed.
 */

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "cli.h"
#include "burrow-text.h"

/* 2025-01-31T12:34:56.789Z */
static void monitor_format_time(const struct timespec *when, char *buf, size_t size)
{
	struct tm tm;

	if (!gmtime_r(&when->tv_sec, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, size, "?");
		return;
	}
	snprintf(buf + strlen(buf), size - strlen(buf), ".%03ldZ", when->tv_nsec / 1000000);
}

static bool monitor_is_key_event(uint8_t type)
{
	return type == BURROW_CMD_KEY_SOFT_LIMIT_NTF || type == BURROW_CMD_KEY_HARD_LIMIT_NTF;
}

static void monitor_print_text(FILE *out, const struct burrow_nl_event *event,
			       const char *ifname, const char *stamp)
{
	char endpoint[BURROW_TEXT_ENDPOINT_SIZE];

	fprintf(out, "%s %s", stamp, burrow_nl_event_name(event->type));
	if (ifname)
		fprintf(out, " dev %s", ifname);
	else
		fprintf(out, " ifindex %u", event->ifindex);
	fprintf(out, " peer %u", event->peer_id);
	if (event->type == BURROW_CMD_ENDPOINT_CHANGED_NTF)
		fprintf(out, " endpoint %s", burrow_text_endpoint(&event->endpoint, endpoint));
	if (monitor_is_key_event(event->type))
		fprintf(out, " slot %s key-id %u limit-reached %s", cli_slot_name(event->slot),
			event->key_id, cli_limit_name(event->limit_reached));
	fputc('\n', out);
}

static void monitor_print_json(FILE *out, const struct burrow_nl_event *event,
			       const char *ifname, const char *stamp)
{
	fprintf(out, "{\"time\":\"%s\",\"event\":\"%s\",\"ifindex\":%u,\"ifname\":", stamp,
		burrow_nl_event_name(event->type), event->ifindex);
	if (ifname)
		burrow_json_string(out, ifname);
	else
		fputs("null", out);
	fprintf(out, ",\"peer_id\":%u", event->peer_id);
	if (event->type == BURROW_CMD_ENDPOINT_CHANGED_NTF) {
		fputs(",\"endpoint\":", out);
		burrow_json_endpoint(out, &event->endpoint);
	}
	if (monitor_is_key_event(event->type))
		fprintf(out, ",\"slot\":\"%s\",\"key_id\":%u,\"limit_reached\":\"%s\"",
			cli_slot_name(event->slot), event->key_id,
			cli_limit_name(event->limit_reached));
	fputs("}\n", out);
}

void monitor_print_event(FILE *out, const struct burrow_nl_event *event, const char *ifname,
			 const struct timespec *when, bool json)
{
	char stamp[40];

	monitor_format_time(when, stamp, sizeof(stamp));
	if (json)
		monitor_print_json(out, event, ifname, stamp);
	else
		monitor_print_text(out, event, ifname, stamp);
}

/* monitor: until killed, or until the socket or the output fails. */
int cli_monitor(struct cli *cli, int argc, char **argv)
{
	int ret;

	if (argc > 0)
		return cli_usage_error("unexpected argument '%s' for monitor", argv[0]);
	/* It never ends, and its socket would receive events only. */
	if (cli_batch_line)
		return cli_usage_error("monitor cannot run in a batch");
	ret = cli_open(cli);
	if (ret)
		return ret;
	ret = burrow_nl_events_subscribe(cli->nl);
	if (ret)
		return cli_report_error(cli, ret, "monitor");

	for (;;) {
		struct burrow_nl_event event;
		char name[IF_NAMESIZE];
		struct timespec now;

		ret = burrow_nl_event_receive(cli->nl, &event);
		if (ret == -EINTR)
			continue;
		if (ret == -ENOBUFS || ret == -EBADMSG || ret == -ENODATA) {
			/* Lost or malformed events do not end monitoring. */
			cli_error("monitor: %s", burrow_nl_last_error(cli->nl));
			continue;
		}
		if (ret)
			return cli_report_error(cli, ret, "monitor");
		clock_gettime(CLOCK_REALTIME, &now);
		monitor_print_event(stdout, &event, if_indextoname(event.ifindex, name), &now,
				    cli->json);
		if (fflush(stdout) != 0)
			return CLI_EXIT_REFUSED;	/* main() reports the write error */
	}
}
