// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl show [DEV]: an overview like 'wg show': every burrow device
 * (sorted by name), its peers (sorted by id) and their keys' metadata, as
 * aligned "label: value" blocks, or one JSON array that 'dev restore'
 * reads back. Key material is never shown: the kernel never returns it.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "burrow-text.h"

/* One "label: value" line of a block, aligned on the longest label. */
struct show_line {
	const char *label;
	char value[512];
};

#define SHOW_MAX_LINES 32

struct show_block {
	struct show_line lines[SHOW_MAX_LINES];
	size_t count;
};

static void show_add(struct show_block *block, const char *label, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static void show_add(struct show_block *block, const char *label, const char *format, ...)
{
	struct show_line *line;
	va_list args;

	if (block->count == SHOW_MAX_LINES)
		return;
	line = &block->lines[block->count++];
	line->label = label;
	va_start(args, format);
	vsnprintf(line->value, sizeof(line->value), format, args);
	va_end(args);
}

/*
 * Values start in one column for every block of a kind: after the longest
 * label devices ("default inactivity timeout") or peers ("inactivity
 * timeout", "latest receive") can print.
 */
#define SHOW_DEV_LABEL_WIDTH 26
#define SHOW_PEER_LABEL_WIDTH 18

/* "title: name" then the lines, labels padded to width. */
static void show_flush(FILE *out, const char *title, const char *name, size_t width,
		       struct show_block *block)
{
	fprintf(out, "%s: %s\n", title, name);
	for (size_t i = 0; i < block->count; i++)
		fprintf(out, "  %s:%*s %s\n", block->lines[i].label,
			(int)(width - strlen(block->lines[i].label)), "", block->lines[i].value);
	block->count = 0;
}

/* "off" for 0, else "1m 5s". */
static const char *show_seconds(uint32_t seconds, char buf[48])
{
	if (seconds == 0)
		return "off";
	return cli_format_duration(seconds, buf);
}

static void show_print_peer(FILE *out, const struct show_dev *sdev, size_t p, int stats,
			    bool human)
{
	const struct burrow_nl_peer *peer = &sdev->peers[p];
	char endpoint[BURROW_TEXT_ENDPOINT_SIZE], id[16], rx[32], tx[32], ago[48];
	char allowed[512] = "(none)", keys[256] = "";
	struct show_block block = { .count = 0 };
	size_t used = 0;

	for (size_t a = 0; a < peer->allowed_ips_count && used < sizeof(allowed); a++) {
		char prefix[BURROW_TEXT_PREFIX_SIZE];

		used += snprintf(allowed + used, sizeof(allowed) - used, "%s%s", a ? ", " : "",
				 burrow_text_prefix(&peer->allowed_ips[a], prefix));
	}
	if (peer->endpoint.family)
		show_add(&block, "endpoint", "%s%s", burrow_text_endpoint(&peer->endpoint, endpoint),
			 peer->endpoint_pinned ? " (pinned)" : "");
	else
		show_add(&block, "endpoint", "(none)%s", peer->endpoint_pinned ? " (pinned)" : "");
	show_add(&block, "allowed ips", "%s", allowed);
	show_add(&block, "tx id", "%u", peer->tx_id);
	show_add(&block, "encap", "%s", cli_encap_name(peer->encap));
	if (peer->keepalive_set)
		show_add(&block, "keepalive", "%s", show_seconds(peer->keepalive, ago));
	if (peer->inactivity_timeout_set)
		show_add(&block, "inactivity timeout", "%s",
			 show_seconds(peer->inactivity_timeout, ago));
	if (peer->last_rx_set)
		show_add(&block, "latest receive", "%s ago",
			 cli_format_duration(peer->last_rx_ms_ago / 1000, ago));
	else
		show_add(&block, "latest receive", "never");
	show_add(&block, "transfer", "%s received, %s sent",
		 cli_format_bytes(peer->rx_bytes, human, rx),
		 cli_format_bytes(peer->tx_bytes, human, tx));
	if (stats) {
		show_add(&block, "packets", "%" PRIu64 " received, %" PRIu64 " sent",
			 peer->rx_packets, peer->tx_packets);
		show_add(&block, "queue drops", "%" PRIu64 " received, %" PRIu64 " sent",
			 peer->rx_queue_drops, peer->tx_queue_drops);
	}
	if (peer->expired)
		show_add(&block, "expired", "yes");
	used = 0;
	for (int s = 0; s < 2; s++) {
		const struct burrow_nl_key *key = &sdev->keys[p][s];

		if (!sdev->has_key[p][s]) {
			used += snprintf(keys + used, sizeof(keys) - used, "%s%s none",
					 s ? "; " : "", cli_slot_name((uint8_t)s));
			continue;
		}
		used += snprintf(keys + used, sizeof(keys) - used, "%s%s key-id %u %s, %s old",
				 s ? "; " : "", cli_slot_name(key->slot), key->key_id,
				 cli_cipher_name(key->cipher),
				 cli_format_duration(key->age_seconds, ago));
		if (stats)
			used += snprintf(keys + used, sizeof(keys) - used,
					 ", %" PRIu64 " packets sent, limit %s",
					 key->tx_packets, cli_limit_name(key->limit_reached));
	}
	show_add(&block, "keys", "%s", keys);
	snprintf(id, sizeof(id), "%u", peer->id);
	show_flush(out, "peer", id, SHOW_PEER_LABEL_WIDTH, &block);
}

void show_print_text(FILE *out, const struct show_dev *devs, size_t count, int stats,
		     bool human)
{
	for (size_t i = 0; i < count; i++) {
		const struct burrow_nl_dev *dev = &devs[i].dev;
		struct show_block block = { .count = 0 };
		char seconds[48];

		if (i)
			fputc('\n', out);
		if (dev->socket_family)
			show_add(&block, "listening port", "%u (%s)", dev->listen_port,
				 burrow_text_family(dev->socket_family));
		else
			show_add(&block, "listening port", "(no socket)");
		show_add(&block, "default keepalive", "%s",
			 show_seconds(dev->default_keepalive, seconds));
		show_add(&block, "default inactivity timeout", "%s",
			 show_seconds(dev->default_inactivity_timeout, seconds));
		show_add(&block, "peers", "%u", dev->peer_count);
		show_flush(out, "device", dev->ifname, SHOW_DEV_LABEL_WIDTH, &block);
		if (stats)
			dev_print_counters_text(out, dev, "  ", stats < 2);
		for (size_t p = 0; p < devs[i].peer_count; p++) {
			fputc('\n', out);
			show_print_peer(out, &devs[i], p, stats, human);
		}
	}
}

void show_print_json(FILE *out, const struct show_dev *devs, size_t count)
{
	fputc('[', out);
	for (size_t i = 0; i < count; i++) {
		fputs(i ? ",{" : "{", out);
		dev_print_json_fields(out, &devs[i].dev);
		fputs(",\"peers\":[", out);
		for (size_t p = 0; p < devs[i].peer_count; p++) {
			bool first_key = true;

			fputs(p ? ",{" : "{", out);
			peer_print_json_fields(out, &devs[i].peers[p]);
			fputs(",\"keys\":[", out);
			for (int s = 0; s < 2; s++) {
				if (!devs[i].has_key[p][s])
					continue;
				fputs(first_key ? "{" : ",{", out);
				key_print_json_fields(out, &devs[i].keys[p][s]);
				fputc('}', out);
				first_key = false;
			}
			fputs("]}", out);
		}
		fputs("]}", out);
	}
	fputs("]\n", out);
}

static void show_dev_release(struct show_dev *sdev)
{
	burrow_nl_peers_free(sdev->peers, sdev->peer_count);
	free(sdev->keys);
	free(sdev->has_key);
}

/* Peers and keys of sdev->dev. Exit code. */
static int show_fetch(struct cli *cli, struct show_dev *sdev)
{
	const struct burrow_nl_dev_ref ref = { .ifindex = sdev->dev.ifindex };
	int ret;

	ret = burrow_nl_peer_dump(cli->nl, &ref, &sdev->peers, &sdev->peer_count);
	if (ret)
		return cli_report_error(cli, ret, "show");
	sdev->keys = calloc(sdev->peer_count + 1, sizeof(*sdev->keys));
	sdev->has_key = calloc(sdev->peer_count + 1, sizeof(*sdev->has_key));
	if (!sdev->keys || !sdev->has_key) {
		cli_error("show: out of memory");
		return CLI_EXIT_REFUSED;
	}
	for (size_t p = 0; p < sdev->peer_count; p++) {
		for (int s = 0; s < 2; s++) {
			ret = burrow_nl_key_get(cli->nl, &ref, sdev->peers[p].id, (uint8_t)s,
						&sdev->keys[p][s]);
			if (ret == 0)
				sdev->has_key[p][s] = true;
			/* An empty slot; the peer may also be gone since the dump. */
			else if (ret != -ENOENT || !burrow_nl_last_error_from_kernel(cli->nl))
				return cli_report_error(cli, ret, "show");
		}
	}
	return CLI_EXIT_OK;
}

/* show [DEV] */
int cli_show(struct cli *cli, int argc, char **argv)
{
	struct burrow_nl_dev *devs = NULL;
	struct show_dev *sdevs = NULL;
	size_t count = 0;
	int ret;

	ret = dev_fetch(cli, argc, argv, "show", &devs, &count);
	if (ret)
		return ret;
	sdevs = calloc(count + 1, sizeof(*sdevs));
	if (!sdevs) {
		free(devs);
		return CLI_EXIT_REFUSED;
	}
	for (size_t i = 0; i < count && ret == CLI_EXIT_OK; i++) {
		sdevs[i].dev = devs[i];
		ret = show_fetch(cli, &sdevs[i]);
	}
	if (ret == CLI_EXIT_OK) {
		if (cli->json) {
			FILE *out = cli_json_begin(cli);

			show_print_json(out, sdevs, count);
			ret = cli_json_end(cli, out);
		} else {
			show_print_text(stdout, sdevs, count, cli->stats, cli->human);
		}
	}
	for (size_t i = 0; i < count; i++)
		show_dev_release(&sdevs[i]);
	free(sdevs);
	free(devs);
	return ret;
}
