// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd: the burrow controller. Subcommands:
 *   burrowd init -c FILE            make the node key named by the config
 *   burrowd genkey PATH             make an Ed25519 key file (0600)
 *   burrowd pubkey (-c FILE | PATH) print the public key for pinning
 *   burrowd run -c FILE             run the daemon
 *   burrowd status [-j] -c FILE     ask a running daemon (control socket)
 *   burrowd rotate [PEER] -c FILE   force a key rotation now
 *   burrowd reload -c FILE          re-read the daemon's config (as SIGHUP)
 *   burrowd relay revoke ID -c FILE a relay ([relay]): delete a ticket's kernel
 *                                   entry and refuse the ticket from now on
 *   burrowd relay use PEER via HOST:PORT ticket BASE64 -c FILE
 *                                   reach PEER through a relay (relay_use.h)
 *   burrowd relay stop PEER -c FILE reach PEER directly again
 *   burrowd peer add|remove|list -c FILE ...   edit the node store
 *   burrowd connect NODE SERVICE [--key KEY] -c FILE   bridge stdin/stdout to
 *                                   a [service] of NODE (the stream proxy)
 *
 * Exit codes: 0 ok, 1 runtime failure (daemon unreachable, kernel refused,
 * a refusal from the daemon), 2 usage or configuration error (for reload:
 * the file is invalid, the daemon keeps its config), 3 reload refused: a
 * changed setting needs a restart (nothing was applied). connect: 0 the
 * stream ended cleanly, 1 the node could not be reached or the stream
 * failed, 2 usage, 10 + the refusal code (proxy.h): 11 unknown service,
 * 12 not allowed, 13 limit reached, 14 target refused, 15 malformed request.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alpn.h"
#include "burrow-text.h"
#include "candidates.h"
#include "config.h"
#include "control.h"
#include "hello.h"
#include "identity.h"
#include "kernel.h"
#include "log.h"
#include "proxy.h"
#include "relay_admit.h"
#include "relay_use.h"
#include "mesh.h"
#include "loop.h"
#include "ids.h"
#include "quic.h"
#include "reload.h"
#include "session.h"
#include "store.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define EXIT_RESTART 3		/* reload: the change needs a restart */

static void usage(FILE *out)
{
	fputs("usage: burrowd init -c FILE\n"
	      "       burrowd genkey PATH\n"
	      "       burrowd pubkey (-c FILE | PATH)\n"
	      "       burrowd run -c FILE\n"
	      "       burrowd status [-j] -c FILE\n"
	      "       burrowd rotate [PEER] -c FILE\n"
	      "       burrowd reload -c FILE\n"
	      "       burrowd relay revoke TICKET_ID -c FILE   (a relay: drop a ticket's entry, refuse it)\n"
	      "       burrowd relay use PEER via HOST:PORT ticket BASE64 -c FILE   (reach PEER through a relay)\n"
	      "       burrowd relay stop PEER -c FILE   (reach PEER directly again)\n"
	      "       burrowd routes [-j] -c FILE\n"
	      "       burrowd addresses [-j] -c FILE\n"
	      "       burrowd peer add NAME PUBLIC_KEY [endpoint HOST:PORT] [allowed-ips LIST] -c FILE\n"
	      "       burrowd peer remove NAME -c FILE\n"
	      "       burrowd peer list [-j] -c FILE\n"
	      "       burrowd connect NODE SERVICE [--key PUBLIC_KEY] -c FILE\n"
	      "           NODE: a peer name (config or node map), or HOST:PORT with --key\n", out);
}

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("burrowd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	return EXIT_USAGE;
}

/* ---- the running daemon -------------------------------------------------------- */

static struct burrowd daemon_state;
static struct burrow_control *control;
/* The listener's ALPN handlers (D14) and the stream proxy, one of them. */
static struct burrow_alpn_registry alpn_registry;
static struct burrow_proxy *proxy;
/* The relay role ([relay] enabled = yes), another of them, and its expiry timer. */
static struct burrow_relay *relay;
static struct burrow_timer relay_timer;
static const char *connect_key;		/* connect --key */
static const char *config_path;
/* The running config (heap): d->config and every peer's policy point into it; reload swaps it. */
static struct burrow_config *running_config;

/* Answer prefixes of a refused reload; the client maps them to exit codes. */
#define RELOAD_INVALID "error: invalid configuration: "
#define RELOAD_RESTART "error: restart needed: "

/* SIGHUP and 'burrowd reload': all or nothing, see reload.h. */
static int daemon_reload(struct burrowd *d, const char *how, FILE *out)
{
	char msg[BURROW_CONFIG_ERR_MAX + 128];
	int ret = burrowd_reload(d, &running_config, msg, sizeof(msg));

	if (!ret) {
		burrow_log(BURROW_LOG_INFO, "%s: %s", how, msg);
		if (out)
			fprintf(out, "%s\n", msg);
		return 0;
	}
	burrow_log(BURROW_LOG_ERROR, "%s refused, keeping the running configuration: %s", how, msg);
	if (out)
		fprintf(out, "%s%s (the running configuration is kept)\n",
			ret == -EINVAL ? RELOAD_INVALID : ret == -EBUSY ? RELOAD_RESTART : "error: ",
			msg);
	return ret;
}

static void daemon_on_event(struct burrowd *d, const struct burrowd_peer *peer, const char *kind,
			    const char *text)
{
	int level = BURROW_LOG_INFO;

	if (!strcmp(kind, "error") || !strcmp(kind, "malformed") || !strcmp(kind, "refused") ||
	    !strcmp(kind, "failed") || !strcmp(kind, "down") || !strcmp(kind, "route-refused") ||
	    !strcmp(kind, "address-refused") || !strcmp(kind, "paced") ||
	    !strcmp(kind, "relay-refused"))
		level = BURROW_LOG_WARNING;
	else if (!strcmp(kind, "retry") || !strcmp(kind, "duplicate") || !strcmp(kind, "connect"))
		level = BURROW_LOG_DEBUG;
	burrow_log(level, "%s", text);
	if (d->store) {
		burrow_store_event_append(d->store, peer ? peer->public_key : NULL, kind, text);
		if (peer && !strcmp(kind, "down"))
			burrow_store_session_end(d->store, peer->public_key);
	}
}

/*
 * The sessions row carries the kernel's byte counters of the session: at
 * every new generation and every COUNTERS_INTERVAL_S, so a crash loses at
 * most that much of the history an operator reads from the database.
 */
#define COUNTERS_INTERVAL_S 60

static void store_counters(struct burrowd *d, const struct burrowd_peer *peer)
{
	struct burrow_nl_peer kp;

	if (!d->store || !peer->kernel_peer ||
	    burrow_kernel_peer_get(&d->kernel, peer->kernel_id, &kp))
		return;
	burrow_store_session_counters(d->store, peer->public_key, kp.rx_bytes, kp.tx_bytes);
	burrow_nl_peer_release(&kp);
}

static void daemon_on_counters_timer(void *arg)
{
	struct burrowd *d = arg;

	for (size_t i = 0; i < d->n_peers; i++)
		store_counters(d, &d->peers[i]);
	/* The grace for an earlier run's leftovers (first tick) is over. */
	burrowd_negotiate_sweep_leftovers(d);
	burrow_timer_arm_in(d->loop, &d->counters_timer, COUNTERS_INTERVAL_S * BURROW_NSEC_PER_SEC);
}

static void daemon_on_generation(struct burrowd *d, const struct burrowd_peer *peer,
				 const struct burrowd_session *s)
{
	burrow_log(s->generation > 1 ? BURROW_LOG_INFO : BURROW_LOG_DEBUG,
		   "%s: generation %" PRIu64 " (key id %u) in use", peer->name, s->generation,
		   burrow_keysched_key_id(s->generation));
	if (d->store)
		burrow_store_session_generation(d->store, peer->public_key, s->generation,
						burrow_cipher_name(s->params.cipher),
						burrow_encap_name(s->params.encap));
	store_counters(d, peer);
}

/* Whether an up session's control connection goes through a relay. */
static bool path_relayed(const struct burrowd_session *s)
{
	return s->conn && burrow_quic_conn_relay_ticket(s->conn);
}

/*
 * Where the session's connection goes (the candidate in use, or the
 * relay): its current remote address, IPv4-mapped shown as IPv4.
 */
static const char *path_where(const struct burrowd_session *s, char out[BURROW_TEXT_ENDPOINT_SIZE])
{
	struct burrow_nl_endpoint e;
	const struct sockaddr *sa;
	socklen_t len;

	out[0] = '\0';
	if (!s->conn)
		return out;
	sa = burrow_quic_remote_addr(s->conn, &len);
	if (burrow_candidate_from_sockaddr(sa, len, &e) == 0)
		burrow_text_endpoint(&e, out);
	return out;
}

static const char *session_state_name(const struct burrowd_peer *peer)
{
	if (!peer->session)
		return peer->has_endpoint ? "connecting" : "waiting";
	switch (peer->session->state) {
	case BURROWD_HANDSHAKE: return "handshake";
	case BURROWD_HELLO: return "hello";
	case BURROWD_UP: return "up";
	}
	return "?";
}

/* status / status -j: one entry per configured peer, with kernel counters. */
/* The listener's ALPN dispatch and the stream proxy's counters. */
static void write_listener_status(struct burrowd *d, FILE *out, bool json)
{
	const struct burrow_proxy_counters *pc = proxy ? burrow_proxy_counters(proxy) : NULL;
	uint64_t refused = 0;

	if (!pc)
		return;
	for (int i = 1; i < BURROW_PROXY_CODE_COUNT; i++)
		refused += pc->refused[i];
	if (json) {
		fprintf(out, ",\"listener\":{\"alpn_refused\":%" PRIu64 ",\"retries\":%" PRIu64
			",\"retry_tokens_refused\":%" PRIu64 ",\"alpns\":{",
			burrow_quic_endpoint_alpn_refused(d->quic),
			burrow_quic_endpoint_retries(d->quic),
			burrow_quic_endpoint_retry_tokens_refused(d->quic));
		for (size_t i = 0; i < alpn_registry.n; i++) {
			fprintf(out, "%s", i ? "," : "");
			burrow_json_string(out, alpn_registry.handlers[i].alpn);
			fprintf(out, ":%" PRIu64, alpn_registry.handlers[i].connections);
		}
		fprintf(out, "}},\"proxy\":{\"active\":%" PRIu64 ",\"accepted\":%" PRIu64
			",\"resets\":%" PRIu64 ",\"refused_peers\":%" PRIu64 ",\"refused\":{",
			pc->active, pc->accepted, pc->resets, pc->refused_peers);
		for (int i = 1; i < BURROW_PROXY_CODE_COUNT; i++) {
			fprintf(out, "%s", i > 1 ? "," : "");
			burrow_json_string(out, burrow_proxy_code_name((unsigned)i));
			fprintf(out, ":%" PRIu64, pc->refused[i]);
		}
		fprintf(out, "}}");
		if (relay) {
			fprintf(out, ",\"relay\":");
			burrow_relay_write_status(relay, out, true);
		}
		return;
	}
	fprintf(out, "  listener: alpn-refused %" PRIu64 " retries %" PRIu64
		" retry-tokens-refused %" PRIu64, burrow_quic_endpoint_alpn_refused(d->quic),
		burrow_quic_endpoint_retries(d->quic),
		burrow_quic_endpoint_retry_tokens_refused(d->quic));
	for (size_t i = 0; i < alpn_registry.n; i++)
		fprintf(out, ", %s %" PRIu64, alpn_registry.handlers[i].alpn,
			alpn_registry.handlers[i].connections);
	fprintf(out, "\n  proxy: active %" PRIu64 " accepted %" PRIu64 " refused %" PRIu64
		" resets %" PRIu64 "\n", pc->active, pc->accepted, refused, pc->resets);
	if (relay)
		burrow_relay_write_status(relay, out, false);
}

static void write_status(struct burrowd *d, FILE *out, bool json)
{
	uint64_t now = burrow_now_ns();
	struct burrow_nl_dev dev;
	bool have_dev = burrow_kernel_dev_get(&d->kernel, &dev) == 0;

	if (json) {
		fprintf(out, "{\"node\":");
		burrow_json_string(out, d->settings.name);
		fprintf(out, ",\"public_key\":");
		burrow_json_string(out, d->public_key_text);
		fprintf(out, ",\"device\":");
		burrow_json_string(out, d->kernel.ifname);
		fprintf(out, ",\"uptime_seconds\":%" PRIu64, (now - d->started_ns) / BURROW_NSEC_PER_SEC);
		if (have_dev)
			fprintf(out, ",\"drop_decrypt\":%" PRIu64 ",\"drop_replay\":%" PRIu64,
				dev.stats.drop_decrypt, dev.stats.drop_replay);
		burrowd_mesh_write_status(d, out, true);
		write_listener_status(d, out, true);
		fprintf(out, ",\"peers\":[");
	} else {
		fprintf(out, "node %s public-key %s device %s\n", d->settings.name,
			d->public_key_text, d->kernel.ifname);
		if (have_dev)
			fprintf(out, "  drop-decrypt %" PRIu64 " drop-replay %" PRIu64 "\n",
				dev.stats.drop_decrypt, dev.stats.drop_replay);
		burrowd_mesh_write_status(d, out, false);
		write_listener_status(d, out, false);
	}
	for (size_t i = 0; i < d->n_peers; i++) {
		struct burrowd_peer *peer = &d->peers[i];
		struct burrowd_session *s = peer->session;
		bool up = s && s->state == BURROWD_UP;
		struct burrow_nl_peer kp;
		struct burrow_nl_key key;
		bool have_peer = up && burrow_kernel_peer_get(&d->kernel, peer->kernel_id, &kp) == 0;
		bool have_key = up && burrow_kernel_key_get(&d->kernel, peer->kernel_id,
							      BURROW_KEY_SLOT_PRIMARY, &key) == 0;
		char where[BURROW_TEXT_ENDPOINT_SIZE], segments[BURROW_HELLO_SEGMENTS_TEXT_SIZE];

		if (json) {
			fprintf(out, "%s{\"name\":", i ? "," : "");
			burrow_json_string(out, peer->name);
			fprintf(out, ",\"public_key\":");
			burrow_json_string(out, peer->public_key_text);
			fprintf(out, ",\"state\":\"%s\",\"peer_id\":%u", session_state_name(peer),
				peer->kernel_id);
			fprintf(out, ",\"endpoint\":");
			if (peer->has_endpoint)
				burrow_json_string(out, peer->endpoint_text);
			else
				fputs("null", out);
			if (peer->policy && peer->policy->n_candidates) {
				/* a map peer's endpoint candidates, in the order dialled */
				for (size_t j = 0; j < peer->policy->n_candidates; j++)
					fprintf(out, "%s\"%s\"", j ? "," : ",\"candidates\":[",
						burrow_text_endpoint(&peer->policy->candidates[j],
								     where));
				fputc(']', out);
			}
			fprintf(out, ",\"sessions_established\":%" PRIu64, peer->sessions_established);
			fprintf(out, ",\"capsules_delayed\":%" PRIu64, peer->capsules_delayed);
			if (up) {
				fprintf(out, ",\"role\":\"%s\",\"cipher\":\"%s\",\"encapsulation\":\"%s\","
					"\"mtu\":%u,\"generation\":%" PRIu64 ",\"key_id\":%u,"
					"\"rotations\":%" PRIu64 ",\"rotating\":%s,"
					"\"session_age_seconds\":%" PRIu64 ",\"key_age_seconds\":%" PRIu64,
					s->is_client ? "client" : "server",
					burrow_cipher_name(s->params.cipher),
					burrow_encap_name(s->params.encap), s->params.mtu, s->generation,
					burrow_keysched_key_id(s->generation), s->rotations,
					s->rot != BURROWD_ROT_IDLE ? "true" : "false",
					(now - s->established_ns) / BURROW_NSEC_PER_SEC,
					(now - s->last_rotation_ns) / BURROW_NSEC_PER_SEC);
				/* the control connection's path: through a relay or not, and where */
				fprintf(out, ",\"path\":{\"kind\":\"%s\",\"endpoint\":\"%s\"}",
					path_relayed(s) ? "relayed" : "direct", path_where(s, where));
				if (path_relayed(s))
					fprintf(out, ",\"relay_ticket\":%" PRIu32,
						burrow_quic_conn_relay_ticket(s->conn));
				/* the link mode both HELLOs named; l2: the agreed segments */
				fprintf(out, ",\"mode\":\"%s\"", burrow_text_mode(s->params.mode));
				if (s->params.n_segments)
					fprintf(out, ",\"segments\":[%s]",
						burrow_hello_segments_text(s->params.segments,
									   s->params.n_segments,
									   segments, sizeof(segments)));
			}
			if (have_peer)
				fprintf(out, ",\"rx_bytes\":%" PRIu64 ",\"tx_bytes\":%" PRIu64
					",\"rx_packets\":%" PRIu64 ",\"tx_packets\":%" PRIu64,
					kp.rx_bytes, kp.tx_bytes, kp.rx_packets, kp.tx_packets);
			if (have_key)
				fprintf(out, ",\"kernel_key_age_seconds\":%u,\"kernel_key_id\":%u",
					key.age_seconds, key.key_id);
			if (peer->last_error[0]) {
				fprintf(out, ",\"last_error\":");
				burrow_json_string(out, peer->last_error);
			}
			burrowd_relay_use_write_status(d, peer->public_key, out, true);
			fputc('}', out);
		} else {
			fprintf(out, "peer %s %s (id %u)", peer->name, session_state_name(peer),
				peer->kernel_id);
			if (peer->has_endpoint)
				fprintf(out, " endpoint %s", peer->endpoint_text);
			fputc('\n', out);
			fprintf(out, "  public-key %s\n", peer->public_key_text);
			if (up)
				fprintf(out, "  %s, cipher %s, encapsulation %s, mtu %u\n"
					"  generation %" PRIu64 " (key id %u), %" PRIu64 " rotations, "
					"session %" PRIu64 "s, key %" PRIu64 "s old%s\n",
					s->is_client ? "client" : "server",
					burrow_cipher_name(s->params.cipher),
					burrow_encap_name(s->params.encap), s->params.mtu, s->generation,
					burrow_keysched_key_id(s->generation), s->rotations,
					(now - s->established_ns) / BURROW_NSEC_PER_SEC,
					(now - s->last_rotation_ns) / BURROW_NSEC_PER_SEC,
					s->rot != BURROWD_ROT_IDLE ? ", rotating" : "");
			if (up && path_relayed(s))
				fprintf(out, "  relayed (ticket %" PRIu32 ")\n",
					burrow_quic_conn_relay_ticket(s->conn));
			if (up)
				fprintf(out, "  path %s %s\n", path_relayed(s) ? "relayed" : "direct",
					path_where(s, where));
			if (up && s->params.mode == BURROW_HELLO_MODE_L2) {
				fprintf(out, "  mode l2, segments %s\n",
					burrow_hello_segments_text(s->params.segments,
								   s->params.n_segments, segments,
								   sizeof(segments)));
			}
			if (have_peer)
				fprintf(out, "  rx %" PRIu64 " bytes, tx %" PRIu64 " bytes\n",
					kp.rx_bytes, kp.tx_bytes);
			if (peer->last_error[0])
				fprintf(out, "  last error: %s\n", peer->last_error);
			burrowd_relay_use_write_status(d, peer->public_key, out, false);
		}
		if (have_peer)
			burrow_nl_peer_release(&kp);
	}
	if (json)
		fputs("]}\n", out);
}

static void control_command(const char *command, FILE *out, void *arg)
{
	struct burrowd *d = arg;

	if (!strcmp(command, "status")) {
		write_status(d, out, false);
	} else if (!strcmp(command, "status -j")) {
		write_status(d, out, true);
	} else if (!strcmp(command, "routes") || !strcmp(command, "routes -j")) {
		burrowd_negotiate_write_routes(d, out, command[6] != '\0');
	} else if (!strcmp(command, "addresses") || !strcmp(command, "addresses -j")) {
		burrowd_negotiate_write_addresses(d, out, command[9] != '\0');
	} else if (!strncmp(command, "peer-endpoint ", 14)) {
		struct burrowd_peer *peer = burrowd_peer_by_name(d, command + 14);

		if (!peer)
			fprintf(out, "error: no peer named '%s'\n", command + 14);
		else if (!peer->has_endpoint)
			fprintf(out, "error: no endpoint known for %s\n", peer->name);
		else
			fprintf(out, "%s %s\n", peer->public_key_text, peer->endpoint_text);
	} else if (!strncmp(command, "relay-revoke ", 13)) {
		uint64_t id;

		if (!relay)
			fprintf(out, "error: this node is not a relay ([relay] enabled = no)\n");
		else if (burrow_text_decimal(command + 13, UINT32_MAX, &id) < 0 || !id)
			fprintf(out, "error: invalid ticket id '%s' (1-4294967295)\n", command + 13);
		else {
			burrow_relay_revoke(relay, (uint32_t)id, (uint64_t)time(NULL));
			fprintf(out, "ticket %" PRIu64 " revoked\n", id);
		}
	} else if (!strncmp(command, "relay-use ", 10)) {
		struct burrowd_relay_use_request req;
		char err[400];

		if (burrowd_relay_use_parse_line(command, &req, err, sizeof(err)) ||
		    burrowd_relay_use_start(d, &req, err, sizeof(err)))
			fprintf(out, "error: %s\n", err);
		else
			fprintf(out, "presenting ticket %" PRIu32 " to relay %s for %s "
				"(see burrowd status)\n", req.ticket.id, req.relay_text, req.peer);
	} else if (!strncmp(command, "relay-stop ", 11)) {
		struct burrowd_peer *peer = burrowd_peer_by_name(d, command + 11);

		if (!peer)
			fprintf(out, "error: no peer named '%s'\n", command + 11);
		else if (burrowd_relay_use_stop(d, peer->public_key))
			fprintf(out, "error: %s is not reached through a relay\n", peer->name);
		else {
			burrowd_event(d, peer, "relay", "%s: relay no longer used", peer->name);
			burrowd_peer_redial(peer, "relay no longer used");
			fprintf(out, "%s: relay no longer used\n", peer->name);
		}
	} else if (!strcmp(command, "reload")) {
		daemon_reload(d, "reload (burrowd reload)", out);
	} else if (!strncmp(command, "rotate", 6) && (command[6] == '\0' || command[6] == ' ')) {
		const char *name = command[6] ? command + 7 : NULL;
		size_t started = 0;

		for (size_t i = 0; i < d->n_peers; i++) {
			struct burrowd_peer *peer = &d->peers[i];

			if (name && strcmp(name, peer->name))
				continue;
			if (peer->session && burrowd_session_rotate(peer->session) == 0) {
				fprintf(out, "rotation of %s started\n", peer->name);
				started++;
			} else if (name) {
				fprintf(out, "error: no session with %s\n", name);
				return;
			}
		}
		if (name && !burrowd_peer_by_name(d, name))
			fprintf(out, "error: no peer named '%s'\n", name);
		else if (!started)
			fprintf(out, "error: no session to rotate\n");
	} else {
		fprintf(out, "error: unknown command '%s'\n", command);
	}
}

static void daemon_on_signal(int signo, void *arg)
{
	struct burrowd *d = arg;

	if (signo == SIGHUP) {
		daemon_reload(d, "reload (SIGHUP)", NULL);
		return;
	}
	burrow_log(BURROW_LOG_INFO, "%s: shutting down", strsignal(signo));
	burrowd_sessions_stop(d);
	burrow_loop_stop(d->loop);
}

/* Old key kept after a swap, and the rotation step retry interval. */
#define OLD_KEY_GRACE_MS 1000
#define ROTATION_RETRY_MS 3000
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
/* Events the store keeps (older ones pruned at start). */
#define EVENTS_KEPT 10000

/* A node added with 'burrowd peer add' (the config's peers come first). */
static const char *proxy_peer_name(void *arg, const uint8_t key[32])
{
	struct burrowd_peer *peer = burrowd_peer_by_key(arg, key);

	return peer ? peer->name : NULL;
}

static const struct burrow_config *proxy_config(void *arg)
{
	return ((struct burrowd *)arg)->config;
}

/* The relay's next expiry or renewal, on the loop's monotonic clock. */
static void relay_rearm(struct burrowd *d)
{
	uint64_t next = relay ? burrow_relay_next_event(relay) : UINT64_MAX;
	uint64_t now = (uint64_t)time(NULL);

	if (next == UINT64_MAX)
		burrow_timer_cancel(d->loop, &relay_timer);
	else
		burrow_timer_arm_in(d->loop, &relay_timer,
				    next > now ? (next - now) * BURROW_NSEC_PER_SEC : 0);
}

/* RELAY_REVOKE from the coordinator (mesh.c). */
static void daemon_on_relay_revoke(struct burrowd *d, uint32_t ticket_id)
{
	(void)d;
	burrow_log(BURROW_LOG_INFO, "relay: the coordinator revoked ticket %u", (unsigned)ticket_id);
	burrow_relay_revoke(relay, ticket_id, (uint64_t)time(NULL));
}

/*
 * RELAY_BIND from the coordinator (mesh.c): its side of a control ticket,
 * bound at the address of this node's coordination connection. The
 * admission may install the kernel entry (the node bound first): the
 * relay's timer follows.
 */
static unsigned daemon_on_relay_bind(struct burrowd *d, const uint8_t party[32],
				     const struct sockaddr *from, const uint8_t *ticket, size_t len,
				     const char **why)
{
	unsigned code = burrow_relay_admit(relay, party, from, ticket, len, (uint64_t)time(NULL),
					   why);

	relay_rearm(d);
	return code;
}

static void daemon_on_relay_timer(void *arg)
{
	burrow_relay_tick(relay, (uint64_t)time(NULL));
	relay_rearm(arg);
}

/* The listener's fd and timer, then the proxy: resume readers whose
 * streams' bytes got acknowledged; then the relay (an admission may have
 * bound a ticket with an earlier expiry). */
static void daemon_on_udp(void *arg)
{
	burrowd_on_udp(arg);
	burrow_proxy_kick(proxy);
	if (relay)
		relay_rearm(arg);
}

static void daemon_on_quic_timer(void *arg)
{
	burrowd_on_quic_timer(arg);
	burrow_proxy_kick(proxy);
}

static void daemon_on_proxy(void *arg)
{
	burrow_proxy_run(proxy);
	burrowd_quic_rearm(arg);
}

static int peer_from_node(struct burrowd *d, struct burrowd_peer *p, const struct burrow_node *node)
{
	char err[512], *list, *save = NULL;
	size_t cap = 0;

	snprintf(p->name, sizeof(p->name), "%s", node->name);
	memcpy(p->public_key, node->public_key, 32);
	if (node->endpoint) {
		struct sockaddr_storage addr;
		socklen_t len;

		if (burrow_endpoint_parse(node->endpoint, &addr, &len, err, sizeof(err)) == 0)
			burrowd_peer_set_endpoint(d, p, &addr, len, node->endpoint);
		else
			burrow_log(BURROW_LOG_WARNING, "stored peer %s: %s", node->name, err);
	}
	list = strdup(node->allowed_prefixes ? node->allowed_prefixes : "");
	if (!list)
		return -ENOMEM;
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		struct burrow_nl_prefix prefix;

		while (*t == ' ')
			t++;
		if (burrow_prefix_parse(t, &prefix, err, sizeof(err)) < 0) {
			burrow_log(BURROW_LOG_WARNING, "stored peer %s: %s", node->name, err);
			continue;
		}
		if (p->n_prefixes == cap) {
			struct burrow_nl_prefix *grown;

			cap = cap ? 2 * cap : 4;
			grown = realloc(p->prefixes, cap * sizeof(*grown));
			if (!grown) {
				free(list);
				return -ENOMEM;
			}
			p->prefixes = grown;
		}
		p->prefixes[p->n_prefixes++] = prefix;
	}
	free(list);
	return 0;
}

/*
 * The daemon's peers: every [peer] of the config (recorded in the store as
 * nodes), then the store's other nodes (burrowd peer add). Kernel peer ids
 * follow that order.
 */
static int daemon_peers_load(struct burrowd *d, const struct burrow_config *cfg,
			     struct burrow_store *st)
{
	struct burrow_node *nodes = NULL;
	size_t n_nodes = 0, n = 0;
	uint32_t *taken = NULL;
	int ret = 0;

	if (st) {
		burrowd_store_config_node(st, &cfg->node);
		/* The node map's peers are stored as the map (mesh.c), not as nodes. */
		for (size_t i = 0; i < cfg->n_file_peers; i++)
			burrowd_store_config_peer(st, &cfg->peers[i]);
		if (burrow_store_node_list(st, &nodes, &n_nodes) < 0)
			burrow_log(BURROW_LOG_WARNING, "store: %s", burrow_store_error(st));
	}
	d->peers = calloc(cfg->n_peers + n_nodes + 1, sizeof(*d->peers));
	if (!d->peers) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < cfg->n_peers; i++) {
		ret = burrowd_peer_from_config(d, &d->peers[n++], &cfg->peers[i]);
		if (ret)
			goto out;
	}
	for (size_t i = 0; i < n_nodes; i++) {
		if (burrow_config_peer_by_key(cfg, nodes[i].public_key) ||
		    burrow_config_peer_by_name(cfg, nodes[i].name))
			continue;
		ret = peer_from_node(d, &d->peers[n++], &nodes[i]);
		if (ret)
			goto out;
	}
	taken = calloc(n ? n : 1, sizeof(*taken));
	if (!taken) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		d->peers[i].d = d;
		/* Random, non-zero, unique: says nothing about count or order (ids.h). */
		if (burrow_ids_receiver(&d->peers[i].kernel_id, taken, i)) {
			ret = -EIO;
			goto out;
		}
		taken[i] = d->peers[i].kernel_id;
		burrow_public_key_to_text(d->peers[i].public_key, d->peers[i].public_key_text);
	}
	d->n_peers = n;
out:
	free(taken);
	if (nodes)
		burrow_store_nodes_free(nodes, n_nodes);
	return ret;
}

static int load_config(const char *path, struct burrow_config *cfg)
{
	char err[BURROW_CONFIG_ERR_MAX];

	if (!path) {
		fprintf(stderr, "burrowd: no configuration given (-c FILE)\n");
		return EXIT_USAGE;
	}
	if (burrow_config_load(path, cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "burrowd: %s\n", err);
		return EXIT_USAGE;
	}
	return 0;
}

static int cmd_run(void)
{
	struct burrowd *d = &daemon_state;
	struct burrow_quic_settings qs = { 0 };
	struct burrow_identity id = { 0 };
	struct burrow_store *store = NULL;
	struct burrow_config *cfg;
	char err[BURROW_CONFIG_ERR_MAX];
	int ret, status = EXIT_RUNTIME;

	/* Heap: a reload replaces it (running_config), and frees the one it replaced. */
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return EXIT_RUNTIME;
	ret = load_config(config_path, cfg);
	if (ret) {
		free(cfg);
		return ret;
	}
	running_config = cfg;
	burrow_log_set_level(cfg->node.log_level);
	if (burrow_identity_load(cfg->node.private_key, &id, err, sizeof(err)) < 0) {
		burrow_log(BURROW_LOG_ERROR, "%s", err);
		burrow_config_free(cfg);
		free(cfg);
		return EXIT_USAGE;
	}
	if (burrow_config_coordinator_check_node(cfg, id.public_key, err, sizeof(err))) {
		fprintf(stderr, "burrowd: %s\n", err);
		burrow_identity_clear(&id);
		burrow_config_free(cfg);
		free(cfg);
		return EXIT_USAGE;
	}
	memset(d, 0, sizeof(*d));
	d->udp_fd = -1;
	d->started_ns = burrow_now_ns();
	d->on_event = daemon_on_event;
	d->on_generation = daemon_on_generation;
	burrow_public_key_to_text(id.public_key, d->public_key_text);
	snprintf(d->settings.name, sizeof(d->settings.name), "%s", cfg->node.name);
	memcpy(d->settings.ciphers, cfg->node.ciphers, cfg->node.n_ciphers);
	d->settings.n_ciphers = cfg->node.n_ciphers;
	memcpy(d->settings.encaps, cfg->node.encaps, cfg->node.n_encaps);
	d->settings.n_encaps = cfg->node.n_encaps;
	d->settings.mtu = cfg->node.mtu;
	d->settings.mode = cfg->node.mode;
	d->settings.rotation_interval_s = cfg->node.rotation_interval_s;
	d->settings.old_key_grace_ms = OLD_KEY_GRACE_MS;
	d->settings.retry_ms = ROTATION_RETRY_MS;
	d->settings.backoff_min_ms = BACKOFF_MIN_MS;
	d->settings.backoff_max_ms = BACKOFF_MAX_MS;

	d->loop = burrow_loop_new(daemon_on_signal, d);
	if (!d->loop) {
		burrow_log(BURROW_LOG_ERROR, "cannot set up the event loop: %s", strerror(errno));
		goto out;
	}
	if (burrow_kernel_open(&d->kernel, cfg->node.device, cfg->node.mode)) {
		burrow_log(BURROW_LOG_ERROR, "%s", d->kernel.why);
		goto out;
	}
	d->udp_family = cfg->node.listen.ss_family;
	if (burrow_store_open(cfg->node.state, 0, &store, err, sizeof(err)) < 0) {
		burrow_log(BURROW_LOG_ERROR, "%s", err);
		goto out;
	}
	d->store = store;
	burrow_store_event_prune(store, EVENTS_KEPT);
	/* A stored node map's peers and addresses join the file's before anything starts. */
	if (burrowd_mesh_init(d, &running_config)) {
		burrow_log(BURROW_LOG_ERROR, "out of memory");
		goto out;
	}
	if (daemon_peers_load(d, cfg, store)) {
		burrow_log(BURROW_LOG_ERROR, "out of memory");
		goto out;
	}
	d->config = cfg;
	if (burrowd_negotiate_init(d))
		goto out;
	/*
	 * Peers a previous run left behind (kill -9) go before anything starts:
	 * all of them, as their ids were random (burrowd owns the device's peers).
	 */
	if (burrow_kernel_peers_clear(&d->kernel) < 0)
		burrow_log(BURROW_LOG_WARNING, "%s", d->kernel.why);
	d->udp_fd = burrow_kernel_socket(&d->kernel, (const struct sockaddr *)&cfg->node.listen,
					 cfg->node.listen_len);
	if (d->udp_fd < 0) {
		burrow_log(BURROW_LOG_ERROR, "%s", d->kernel.why);
		goto out;
	}
	qs.private_key_pem = id.private_key_pem;
	/*
	 * The control connection carries nothing between rotations: without
	 * PINGs it would idle out and take the session with it. Two may be
	 * lost before the timeout hits.
	 */
	qs.idle_timeout_ms = (uint64_t)cfg->node.idle_timeout_s * 1000;
	qs.keepalive_ms = qs.idle_timeout_ms / 3;
	qs.keylog_path = getenv("BURROWD_KEYLOG");	/* debugging only: see docs/operations.md */
	/*
	 * One listener, dispatched by ALPN (D14): the control protocol and
	 * the stream proxy. The coordination ALPN is registered dial-only:
	 * burrowd dials burrow-coord from this endpoint (mesh.c), so from the
	 * tunnel's port (D11), and never accepts coordination connections.
	 */
	proxy = burrow_proxy_new(&(struct burrow_proxy_ops){ .peer_name = proxy_peer_name,
							      .config = proxy_config,
							      .arg = d });
	if (!proxy || burrow_alpn_register(&alpn_registry, BURROW_QUIC_ALPN,
					   &burrowd_quic_callbacks, d) ||
	    burrow_alpn_register(&alpn_registry, BURROW_PROXY_ALPN, &burrow_proxy_callbacks, proxy) ||
	    burrowd_mesh_register_alpn(d, &alpn_registry) ||
	    (!cfg->relay.enabled && burrowd_relay_use_register_alpn(d, &alpn_registry, NULL, NULL))) {
		burrow_log(BURROW_LOG_ERROR, "out of memory");
		goto out;
	}
	/*
	 * The relay role: admission by tickets the pinned coordinator signed
	 * (relay_admit.h); forwarding itself is the kernel's relay table.
	 */
	if (cfg->relay.enabled) {
		struct burrow_relay_ops ops = burrow_relay_kernel_ops(&d->kernel);

		relay = burrow_relay_new(cfg->coordinator.public_key, id.public_key, &ops);
		/* accepted for other nodes, and dialled to use another relay (relay_use.h) */
		if (!relay || burrowd_relay_use_register_alpn(d, &alpn_registry,
							      &burrow_relay_callbacks, relay)) {
			burrow_log(BURROW_LOG_ERROR, "out of memory");
			goto out;
		}
		burrow_timer_init(&relay_timer, daemon_on_relay_timer, d);
		d->on_relay_revoke = daemon_on_relay_revoke;
		d->on_relay_bind = daemon_on_relay_bind;
	}
	qs.alpn = BURROW_QUIC_ALPN;
	qs.accept_alpns = burrow_alpn_accept_list(&alpn_registry);
	d->quic = burrow_quic_endpoint_new(d->udp_fd, &qs, &burrow_alpn_callbacks, &alpn_registry);
	if (!d->quic) {
		burrow_log(BURROW_LOG_ERROR, "QUIC endpoint: %s", burrow_quic_setup_error());
		goto out;
	}
	burrow_identity_clear(&id);
	control = burrow_control_open(cfg->node.control_socket, control_command, d, err, sizeof(err));
	if (!control) {
		burrow_log(BURROW_LOG_ERROR, "%s", err);
		goto out;
	}
	burrow_timer_init(&d->quic_timer, daemon_on_quic_timer, d);
	burrow_timer_init(&d->counters_timer, daemon_on_counters_timer, d);
	burrow_timer_arm_in(d->loop, &d->counters_timer, COUNTERS_INTERVAL_S * BURROW_NSEC_PER_SEC);
	if (burrow_loop_add_fd(d->loop, d->udp_fd, daemon_on_udp, d) ||
	    burrow_loop_add_fd(d->loop, burrow_proxy_fd(proxy), daemon_on_proxy, d) ||
	    burrow_loop_add_fd(d->loop, burrow_kernel_events_fd(&d->kernel), burrowd_on_kernel_event, d) ||
	    burrow_loop_add_fd(d->loop, burrow_control_fd(control), burrow_control_serve, control)) {
		burrow_log(BURROW_LOG_ERROR, "cannot watch descriptors: %s", strerror(errno));
		goto out;
	}
	burrow_log(BURROW_LOG_INFO, "node %s (%s) on %s port %u, %zu peers", d->settings.name,
		   d->public_key_text, d->kernel.ifname, cfg->node.listen_port, d->n_peers);
	burrowd_sessions_start(d);
	burrowd_mesh_connect(d);
	ret = burrow_loop_run(d->loop);
	if (ret) {
		burrow_log(BURROW_LOG_ERROR, "event loop: %s", strerror(-ret));
		burrowd_sessions_stop(d);
	} else {
		status = 0;
	}
	burrowd_mesh_stop(d);
	/* Let the CONNECTION_CLOSE frames go out before the endpoint goes. */
	burrow_quic_endpoint_handle_expiry(d->quic);
out:
	burrow_identity_clear(&id);
	if (control)
		burrow_control_close(control);
	if (d->quic)
		burrow_quic_endpoint_free(d->quic);
	burrowd_relay_use_free(d);
	burrowd_mesh_free(d);
	burrow_proxy_free(proxy);
	proxy = NULL;
	if (relay && d->loop)
		burrow_timer_cancel(d->loop, &relay_timer);
	burrow_relay_free(relay);	/* relay-del of every entry it installed */
	relay = NULL;
	burrowd_negotiate_fini(d);
	if (d->kernel.nl) {
		for (size_t i = 0; i < d->n_peers; i++)
			if (d->peers[i].kernel_peer)
				burrow_kernel_peer_delete(&d->kernel, d->peers[i].kernel_id);
		if (d->udp_fd >= 0)
			burrow_kernel_socket_detach(&d->kernel);
		burrow_kernel_close(&d->kernel);
	}
	if (d->udp_fd >= 0)
		close(d->udp_fd);
	for (size_t i = 0; i < d->n_peers; i++)
		free(d->peers[i].prefixes);
	free(d->peers);
	burrow_loop_free(d->loop);
	/* Removed peers closing sessions still pointed at: nothing runs any more. */
	burrowd_reload_fini();
	if (store)
		burrow_store_close(store);
	burrow_config_free(running_config);
	free(running_config);
	running_config = NULL;
	if (!status)
		burrow_log(BURROW_LOG_INFO, "stopped");
	return status;
}

static int cmd_genkey(const char *path)
{
	struct burrow_identity id = { 0 };
	char err[BURROW_IDENTITY_ERR_MAX], text[BURROW_PUBLIC_KEY_TEXT_SIZE];

	if (burrow_identity_generate(path, &id, err, sizeof(err)) < 0) {
		fprintf(stderr, "burrowd: %s\n", err);
		return EXIT_RUNTIME;
	}
	burrow_public_key_to_text(id.public_key, text);
	burrow_identity_clear(&id);
	printf("%s\n", text);
	return 0;
}

static int cmd_init(void)
{
	struct burrow_config cfg;
	int ret = load_config(config_path, &cfg);

	if (ret)
		return ret;
	ret = cmd_genkey(cfg.node.private_key);
	burrow_config_free(&cfg);
	return ret;
}

/*
 * Where NODE is and which key it must show: HOST:PORT with --key, or a peer
 * name the running daemon knows (config or node map; asked over the
 * control socket), or, with no daemon, a [peer NAME] of the file.
 */
static int connect_resolve(const struct burrow_config *cfg, const char *node,
			   struct sockaddr_storage *addr, socklen_t *len, uint8_t key[32])
{
	char why[512], answer[512] = "", keytext[128], ep[128];
	FILE *mem;
	int ret;

	if (connect_key) {
		if (burrow_endpoint_parse(node, addr, len, why, sizeof(why)) < 0) {
			fprintf(stderr, "burrowd: connect: %s\n", why);
			return EXIT_USAGE;
		}
		if (burrow_public_key_from_text(connect_key, key, why, sizeof(why)) < 0) {
			fprintf(stderr, "burrowd: connect: --key: %s\n", why);
			return EXIT_USAGE;
		}
		return 0;
	}
	if (!burrow_config_name_valid(node)) {
		fprintf(stderr, "burrowd: connect: '%s' is not a peer name (HOST:PORT needs --key)\n",
			node);
		return EXIT_USAGE;
	}
	snprintf(why, sizeof(why), "peer-endpoint %s", node);
	mem = fmemopen(answer, sizeof(answer) - 1, "w");
	ret = mem ? burrow_control_request(cfg->node.control_socket, why, mem, why, sizeof(why))
		  : -ENOMEM;
	if (mem)
		fclose(mem);
	if (ret < 0) {
		/* No daemon: the file's peers. */
		for (size_t i = 0; i < cfg->n_peers; i++) {
			if (strcmp(cfg->peers[i].name, node))
				continue;
			if (!cfg->peers[i].has_endpoint)
				break;
			memcpy(addr, &cfg->peers[i].endpoint, cfg->peers[i].endpoint_len);
			*len = cfg->peers[i].endpoint_len;
			memcpy(key, cfg->peers[i].public_key, 32);
			return 0;
		}
		fprintf(stderr, "burrowd: connect: %s, and no [peer %s] with an endpoint in %s\n",
			why, node, config_path);
		return EXIT_RUNTIME;
	}
	if (ret > 0 || sscanf(answer, "%127s %127s", keytext, ep) != 2) {
		answer[strcspn(answer, "\n")] = '\0';
		fprintf(stderr, "burrowd: connect: %s\n",
			!strncmp(answer, "error: ", 7) ? answer + 7 : answer);
		return EXIT_RUNTIME;
	}
	if (burrow_public_key_from_text(keytext, key, why, sizeof(why)) < 0 ||
	    burrow_endpoint_parse(ep, addr, len, why, sizeof(why)) < 0) {
		fprintf(stderr, "burrowd: connect: the daemon's answer: %s\n", why);
		return EXIT_RUNTIME;
	}
	return 0;
}

static int cmd_connect(const char *node, const char *service)
{
	struct burrow_identity id = { 0 };
	struct burrow_config cfg;
	struct sockaddr_storage addr;
	socklen_t len = 0;
	uint8_t key[32];
	char err[512];
	int ret;

	if (!burrow_config_name_valid(service))
		return usage_error("invalid service name '%s'", service);
	ret = load_config(config_path, &cfg);
	if (ret)
		return ret;
	ret = connect_resolve(&cfg, node, &addr, &len, key);
	if (!ret && burrow_identity_load(cfg.node.private_key, &id, err, sizeof(err)) < 0) {
		fprintf(stderr, "burrowd: connect: %s\n", err);
		ret = EXIT_USAGE;
	}
	burrow_config_free(&cfg);
	if (ret)
		return ret;
	ret = burrow_proxy_connect_run(id.private_key_pem, (struct sockaddr *)&addr, len, key,
				       service, STDIN_FILENO, STDOUT_FILENO, err, sizeof(err));
	burrow_identity_clear(&id);
	if (ret)
		fprintf(stderr, "burrowd: connect %s %s: %s\n", node, service, err);
	return ret;
}

static int cmd_pubkey(const char *path)
{
	struct burrow_identity id = { 0 };
	struct burrow_config cfg;
	char err[BURROW_IDENTITY_ERR_MAX], text[BURROW_PUBLIC_KEY_TEXT_SIZE];
	bool have_cfg = false;
	int ret;

	if (!path) {
		ret = load_config(config_path, &cfg);
		if (ret)
			return ret;
		have_cfg = true;
		path = cfg.node.private_key;
	}
	ret = burrow_identity_load(path, &id, err, sizeof(err));
	if (have_cfg)
		burrow_config_free(&cfg);
	if (ret < 0) {
		fprintf(stderr, "burrowd: %s\n", err);
		return ret == -EPERM || ret == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	}
	burrow_public_key_to_text(id.public_key, text);
	burrow_identity_clear(&id);
	printf("%s\n", text);
	return 0;
}

/* status and rotate: ask the running daemon over its control socket. */
static int cmd_control(const char *command)
{
	struct burrow_config cfg;
	char why[512];
	int ret = load_config(config_path, &cfg);

	if (ret)
		return ret;
	ret = burrow_control_request(cfg.node.control_socket, command, stdout, why, sizeof(why));
	burrow_config_free(&cfg);
	if (ret < 0) {
		fprintf(stderr, "burrowd: %s\n", why);
		return EXIT_RUNTIME;
	}
	return ret ? EXIT_RUNTIME : 0;
}

/*
 * reload: the daemon re-reads the file it was started with. The file is
 * checked here first (a broken one names its line before the daemon is
 * asked); the daemon checks it again, as it may differ from -c FILE.
 */
static int cmd_reload(void)
{
	struct burrow_config cfg;
	char why[512], *answer = NULL;
	size_t answer_len = 0;
	FILE *out;
	int ret;

	if (!config_path) {
		fprintf(stderr, "burrowd: no configuration given (-c FILE)\n");
		return EXIT_USAGE;
	}
	if (burrow_config_load(config_path, &cfg, why, sizeof(why)) < 0) {
		fprintf(stderr, "burrowd: %s (nothing reloaded)\n", why);
		return EXIT_USAGE;
	}
	out = open_memstream(&answer, &answer_len);
	if (!out) {
		burrow_config_free(&cfg);
		fprintf(stderr, "burrowd: out of memory\n");
		return EXIT_RUNTIME;
	}
	ret = burrow_control_request(cfg.node.control_socket, "reload", out, why, sizeof(why));
	burrow_config_free(&cfg);
	fclose(out);
	if (ret < 0) {
		fprintf(stderr, "burrowd: %s\n", why);
		ret = EXIT_RUNTIME;
	} else if (ret == 0) {
		fputs(answer, stdout);
	} else {
		/* "error: ..." answers go to stderr, their kind to the exit code. */
		fprintf(stderr, "burrowd: %s", answer + strlen("error: "));
		if (!strncmp(answer, RELOAD_INVALID, strlen(RELOAD_INVALID)))
			ret = EXIT_USAGE;
		else if (!strncmp(answer, RELOAD_RESTART, strlen(RELOAD_RESTART)))
			ret = EXIT_RESTART;
		else
			ret = EXIT_RUNTIME;
	}
	free(answer);
	return ret;
}

/* ---- peer add|remove|list: the node store ---------------------------------------- */

static int open_store(struct burrow_config *cfg, unsigned int flags, struct burrow_store **st)
{
	char err[BURROW_STORE_ERR_MAX];

	if (burrow_store_open(cfg->node.state, flags, st, err, sizeof(err)) < 0) {
		fprintf(stderr, "burrowd: %s\n", err);
		return EXIT_RUNTIME;
	}
	return 0;
}

/* peer add NAME PUBLIC_KEY [endpoint HOST:PORT] [allowed-ips LIST] */
static int peer_add(struct burrow_store *st, char **w, int n)
{
	struct burrow_node node = { 0 };
	char err[512];
	int ret;

	if (n < 3 || n % 2 == 0)
		return usage_error("peer add NAME PUBLIC_KEY [endpoint HOST:PORT] [allowed-ips LIST]");
	if (!burrow_config_name_valid(w[1]))
		return usage_error("invalid peer name '%s'", w[1]);
	if (burrow_public_key_from_text(w[2], node.public_key, err, sizeof(err)) < 0)
		return usage_error("%s", err);
	node.name = w[1];
	node.allowed_prefixes = "";
	for (int i = 3; i + 1 < n; i += 2) {
		if (!strcmp(w[i], "endpoint")) {
			struct sockaddr_storage addr;
			socklen_t len;

			if (burrow_endpoint_parse(w[i + 1], &addr, &len, err, sizeof(err)) < 0)
				return usage_error("%s", err);
			node.endpoint = w[i + 1];
		} else if (!strcmp(w[i], "allowed-ips")) {
			char *list = strdup(w[i + 1]), *save = NULL;

			for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				struct burrow_nl_prefix prefix;

				while (*t == ' ')
					t++;
				if (burrow_prefix_parse(t, &prefix, err, sizeof(err)) < 0) {
					free(list);
					return usage_error("%s", err);
				}
			}
			free(list);
			node.allowed_prefixes = w[i + 1];
		} else {
			return usage_error("unknown peer attribute '%s'", w[i]);
		}
	}
	ret = burrow_store_node_upsert(st, &node);
	if (ret < 0) {
		fprintf(stderr, "burrowd: peer add '%s': %s\n", w[1], burrow_store_error(st));
		return EXIT_RUNTIME;
	}
	burrow_store_event_append(st, node.public_key, "peer-add", "added with burrowd peer add");
	return 0;
}

/* The recorded policy of node (NULL: node-wide) as ' key value' or ,"key":"value". */
static void print_policy(const struct burrow_policy_row *rows, size_t n, const char *node,
			 bool json)
{
	bool first = true;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(rows[i].node_name, node))
			continue;
		if (json) {
			printf("%s\"%s\":", first ? "" : ",", rows[i].key);
			burrow_json_string(stdout, rows[i].value);
		} else {
			printf(" %s %s", rows[i].key, *rows[i].value ? rows[i].value : "-");
		}
		first = false;
	}
}

static int peer_list(struct burrow_store *st, bool json)
{
	struct burrow_policy_row *policy;
	struct burrow_node *nodes;
	size_t n, n_policy;

	if (burrow_store_node_list(st, &nodes, &n) < 0) {
		fprintf(stderr, "burrowd: %s\n", burrow_store_error(st));
		return EXIT_RUNTIME;
	}
	if (burrow_store_policy_list(st, &policy, &n_policy) < 0) {
		fprintf(stderr, "burrowd: %s\n", burrow_store_error(st));
		burrow_store_nodes_free(nodes, n);
		return EXIT_RUNTIME;
	}
	if (json)
		fputc('[', stdout);
	for (size_t i = 0; i < n; i++) {
		char key[BURROW_PUBLIC_KEY_TEXT_SIZE];
		struct burrow_session_record rec;
		bool has_session = burrow_store_session_get(st, nodes[i].public_key, &rec) == 0;

		burrow_public_key_to_text(nodes[i].public_key, key);
		if (json) {
			printf("%s{\"name\":", i ? "," : "");
			burrow_json_string(stdout, nodes[i].name);
			printf(",\"public_key\":\"%s\",\"endpoint\":", key);
			if (nodes[i].endpoint)
				burrow_json_string(stdout, nodes[i].endpoint);
			else
				fputs("null", stdout);
			printf(",\"allowed_ips\":");
			burrow_json_string(stdout, nodes[i].allowed_prefixes ? nodes[i].allowed_prefixes : "");
			if (has_session)
				printf(",\"generation\":%" PRIu64 ",\"cipher\":\"%s\"", rec.generation,
				       rec.cipher);
			printf(",\"policy\":{");
			print_policy(policy, n_policy, nodes[i].name, true);
			fputs("}}", stdout);
		} else {
			printf("%s %s", nodes[i].name, key);
			if (nodes[i].endpoint)
				printf(" endpoint %s", nodes[i].endpoint);
			if (nodes[i].allowed_prefixes && *nodes[i].allowed_prefixes)
				printf(" allowed-ips %s", nodes[i].allowed_prefixes);
			if (has_session)
				printf(" generation %" PRIu64, rec.generation);
			print_policy(policy, n_policy, nodes[i].name, false);
			fputc('\n', stdout);
		}
	}
	if (json)
		puts("]");
	burrow_store_nodes_free(nodes, n);
	burrow_store_policy_free(policy, n_policy);
	return 0;
}

static int cmd_peer(char **w, int n, bool json)
{
	struct burrow_config cfg;
	struct burrow_store *st;
	int ret;

	if (n < 1)
		return usage_error("peer add|remove|list");
	if (strcmp(w[0], "add") && strcmp(w[0], "remove") && strcmp(w[0], "list"))
		return usage_error("unknown peer command '%s'", w[0]);
	ret = load_config(config_path, &cfg);
	if (ret)
		return ret;
	ret = open_store(&cfg, !strcmp(w[0], "list") ? BURROW_STORE_READONLY : 0, &st);
	if (ret)
		goto out;
	if (!strcmp(w[0], "add")) {
		ret = peer_add(st, w, n);
	} else if (!strcmp(w[0], "remove")) {
		struct burrow_node node;

		if (n != 2) {
			ret = usage_error("peer remove NAME");
		} else if (burrow_store_node_get_by_name(st, w[1], &node) < 0) {
			fprintf(stderr, "burrowd: no peer named '%s'\n", w[1]);
			ret = EXIT_RUNTIME;
		} else {
			ret = burrow_store_node_remove(st, node.public_key) < 0 ? EXIT_RUNTIME : 0;
			if (ret)
				fprintf(stderr, "burrowd: %s\n", burrow_store_error(st));
			burrow_store_node_clear(&node);
		}
	} else {
		ret = n == 1 ? peer_list(st, json) : usage_error("peer list [-j]");
	}
	burrow_store_close(st);
out:
	burrow_config_free(&cfg);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *command;
	bool json = false;
	int opt;

	/* Options may come anywhere: "burrowd status -j -c FILE". */
	while ((opt = getopt_long(argc, argv, "+c:jk:hV", options, NULL)) != -1 || optind < argc) {
		if (opt == -1) {
			/* A non-option: keep it, carry on after it. */
			optind++;
			continue;
		}
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 'j': json = true; break;
		case 'k': connect_key = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("burrowd %s\n", BURROW_VERSION); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	/* Collect the positional words (getopt left them in place, in order). */
	char *words[8];
	int n_words = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config") ||
		    !strcmp(argv[i], "-k") || !strcmp(argv[i], "--key")) {
			i++;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1])
			continue;
		if (n_words == 8)
			return usage_error("too many arguments");
		words[n_words++] = argv[i];
	}
	if (n_words == 0)
		return usage_error("no command given");
	command = words[0];
	if (!strcmp(command, "run") && n_words == 1)
		return cmd_run();
	if (!strcmp(command, "init") && n_words == 1)
		return cmd_init();
	if (!strcmp(command, "genkey") && n_words == 2)
		return cmd_genkey(words[1]);
	if (!strcmp(command, "pubkey") && n_words <= 2)
		return cmd_pubkey(n_words == 2 ? words[1] : NULL);
	if (!strcmp(command, "status") && n_words == 1)
		return cmd_control(json ? "status -j" : "status");
	if (!strcmp(command, "routes") && n_words == 1)
		return cmd_control(json ? "routes -j" : "routes");
	if (!strcmp(command, "addresses") && n_words == 1)
		return cmd_control(json ? "addresses -j" : "addresses");
	if (!strcmp(command, "rotate") && n_words <= 2) {
		char line[96];

		if (n_words == 2 && !burrow_config_name_valid(words[1]))
			return usage_error("invalid peer name '%s'", words[1]);
		snprintf(line, sizeof(line), "rotate%s%s", n_words == 2 ? " " : "",
			 n_words == 2 ? words[1] : "");
		return cmd_control(line);
	}
	if (!strcmp(command, "reload") && n_words == 1)
		return cmd_reload();
	if (!strcmp(command, "relay") && n_words == 3 && !strcmp(words[1], "revoke")) {
		char line[64];
		uint64_t id;

		if (burrow_text_decimal(words[2], UINT32_MAX, &id) < 0 || !id)
			return usage_error("invalid ticket id '%s' (1-4294967295)", words[2]);
		snprintf(line, sizeof(line), "relay-revoke %" PRIu64, id);
		return cmd_control(line);
	}
	if (!strcmp(command, "relay") && n_words >= 2 && !strcmp(words[1], "use")) {
		struct burrowd_relay_use_request req;
		char line[512], err[400];

		if (burrowd_relay_use_parse(words + 2, n_words - 2, &req, err, sizeof(err)))
			return usage_error("relay use: %s", err);
		if (burrowd_relay_use_line(&req, line, sizeof(line)))
			return usage_error("relay use: command too long");
		return cmd_control(line);
	}
	if (!strcmp(command, "relay") && n_words == 3 && !strcmp(words[1], "stop")) {
		char line[96];

		if (!burrow_config_name_valid(words[2]))
			return usage_error("invalid peer name '%s'", words[2]);
		snprintf(line, sizeof(line), "relay-stop %s", words[2]);
		return cmd_control(line);
	}
	if (!strcmp(command, "peer"))
		return cmd_peer(words + 1, n_words - 1, json);
	if (!strcmp(command, "connect") && n_words == 3)
		return cmd_connect(words[1], words[2]);
	return usage_error("unknown command or wrong arguments: '%s'", command);
}
