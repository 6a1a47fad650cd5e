// SPDX-License-Identifier: GPL-2.0
/*
 * coord-bench: one `burrow-coord run` process with N connected QUIC nodes
 * (BENCH_COORD_NODES, default 1000,10000,50000), then churn.
 *
 * The coordinator is its own process (fresh database in a temp dir,
 * reusable pre-auth keys made with its CLI, a policy file written here), so
 * its CPU (/proc/PID/stat) and memory (/proc/PID/status) are its own. This
 * process is the load: one QUIC client endpoint, UDP socket and Ed25519
 * identity per node (quic.h binds the key to the endpoint), registering at
 * most HANDSHAKE_WINDOW at a time and then holding every map stream.
 *
 * Network: N_INFRA nodes tagged tag:infra reach every node; the others are
 * in groups of GROUP_SIZE (group:gK lists their names) that see their
 * group. So an ordinary node's map holds its group and the infra nodes,
 * an infra node's map holds everyone.
 *
 * Churn, one change at a time: an ordinary node's ENDPOINTS, an infra
 * node's ENDPOINTS, a new node joining, a node removed through the store
 * (as `burrow-coord node remove` does, from this process), and a policy
 * edit moving one node to another group followed by SIGHUP. For each, the
 * nodes whose map must change are known from the model above; the time
 * reported is from the change to the last of them receiving a MAP_DELTA
 * naming the changed node (for a moved node, any delta), as this process
 * sees it. Bytes are every map capsule received by any node from the
 * change until a settle period after it.
 *
 * Policy evaluation is timed on an engine in this process, loaded with the
 * same policy file and nodes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capsule.h"
#include "coord_msg.h"
#include "coord_policy.h"
#include "coord_store.h"
#include "identity.h"
#include "log.h"
#include "quic.h"

#define GROUP_SIZE 50
#define N_INFRA 20
/* Handshakes in flight; the coordinator keeps at most 64 unauthenticated ones. */
#define HANDSHAKE_WINDOW 32
/* The coordinator's idle timeout is 30 s and it sends no keep-alive. */
#define KEEPALIVE_MS 15000
#define CHANGE_TIMEOUT_NS (20ull * 1000000000ull)
#define SETTLE_NS (1500ull * 1000000ull)
#define NS 1000000000ull

#define CHURN_ENDPOINTS 5
#define CHURN_INFRA 3
#define CHURN_JOINS 5
#define CHURN_LEAVES 5
#define CHURN_POLICY 3
#define N_JOINERS CHURN_JOINS
#define POLICY_SAMPLES 1000
/* Registration stops once more registered connections than this were lost. */
#define LOST_MAX(ready) ((ready) / 20 > 50 ? (ready) / 20 : 50)

enum node_state { NODE_IDLE, NODE_CONNECTING, NODE_REGISTERING, NODE_READY, NODE_CLOSED };

enum change_kind { CHANGE_ENDPOINTS, CHANGE_INFRA, CHANGE_JOIN, CHANGE_LEAVE, CHANGE_POLICY,
		   CHANGE_KINDS };

static const char *const change_names[CHANGE_KINDS] = {
	"endpoints (ordinary node)", "endpoints (infra node)", "join", "leave (node remove)",
	"policy edit + SIGHUP",
};

/* One simulated node; endpoint, socket and connection live until the size is done. */
struct lnode {
	struct burrow_quic_endpoint *ep;
	struct burrow_quic_conn *conn;
	int fd;
	uint8_t state;
	bool expected;			/* its map must change with the current change */
	bool hit;			/* it received the current change */
	bool infra;
	uint32_t group;			/* ordinary nodes: index of its group:gK */
	int64_t stream;
	uint64_t id;			/* from its MAP_FULL */
	uint64_t version;		/* of the last map message */
	uint64_t expiry;		/* heap key: the endpoint's next timer */
	size_t heap_pos;
	size_t full_peers;		/* peers in the last full map */
	uint32_t fulls;			/* full maps received */
	uint16_t port;			/* the endpoint it announces */
	char name[24];
	struct burrow_capsule_reader reader;
	struct coord_map_full_reader full;
};

/* The change being measured; active only between its start and its settle end. */
struct change {
	bool active;
	enum change_kind kind;
	struct lnode *subject;
	size_t expected, hits, unexpected;
	uint64_t t0, last_hit;
	uint64_t delta_bytes, deltas, full_bytes;
};

struct result {
	size_t count, incomplete, affected_max, unexpected;
	double ms[8];
	double bytes, deltas, cpu_ms, full_bytes;
	double window_s;		/* wall time the CPU was read over */
};

static struct lnode *nodes;
/* nodes[0 .. n_nodes): N_INFRA infra, then ordinary */
static size_t n_nodes;
static size_t n_total;			/* plus the joiners */
static size_t n_groups;
static struct lnode **heap;
static size_t heap_len;
static int epfd = -1;
static struct sockaddr_in coord_addr;
static uint8_t coord_key[32];
static char secret_plain[COORD_KEY_SECRET_SIZE], secret_infra[COORD_KEY_SECRET_SIZE];
static size_t in_flight, n_ready, n_failed, version_errors, unexpected_closes;
static char last_failure[512];
static struct change cur;
static char dir[] = "/tmp/coord-bench.XXXXXX";
static char policy_path[600], db_path[600];
static pid_t coord_pid = -1;
/* Load workers: node i belongs to worker i % n_workers (one per open files limit's worth). */
static size_t n_workers, worker_id;
static int cmd_fd = -1, rep_fd = -1;		/* this worker's ends */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "coord-bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	if (coord_pid > 0)
		kill(coord_pid, SIGTERM);
	exit(1);
}

static double ms_of(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* ---- timer heap: every endpoint keyed by its next expiry ------------------- */

static void heap_swap(size_t a, size_t b)
{
	struct lnode *t = heap[a];

	heap[a] = heap[b];
	heap[b] = t;
	heap[a]->heap_pos = a;
	heap[b]->heap_pos = b;
}

static void heap_fix(size_t i)
{
	while (i && heap[(i - 1) / 2]->expiry > heap[i]->expiry) {
		heap_swap(i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < heap_len && heap[l]->expiry < heap[m]->expiry)
			m = l;
		if (r < heap_len && heap[r]->expiry < heap[m]->expiry)
			m = r;
		if (m == i)
			break;
		heap_swap(i, m);
		i = m;
	}
}

/* After any call into n's endpoint: its timer may have moved. */
static void rearm(struct lnode *n)
{
	n->expiry = burrow_quic_endpoint_next_expiry(n->ep);
	heap_fix(n->heap_pos);
}

/* ---- coordinator process ------------------------------------------------- */

struct proc_sample {
	double cpu_ms;
	long rss_kib, hwm_kib;
};

static struct proc_sample sample_proc(pid_t pid)
{
	struct proc_sample s = { 0 };
	char path[64], buf[4096], *p;
	unsigned long utime = 0, stime = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f && fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
		   &stime) == 2)
		s.cpu_ms = (double)(utime + stime) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(buf, sizeof(buf), f)) {
		sscanf(buf, "VmRSS: %ld", &s.rss_kib);
		sscanf(buf, "VmHWM: %ld", &s.hwm_kib);
	}
	if (f)
		fclose(f);
	return s;
}

/* Run `burrow-coord -d DB -j key create reusable [tag TAG]` and keep the secret it prints. */
static void key_create(const char *coord_bin, const char *tag, char secret[COORD_KEY_SECRET_SIZE])
{
	char cmd[2048], line[1024], *p, *end;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "'%s' -d '%s' -j key create reusable%s%s", coord_bin, db_path,
		 tag ? " tag " : "", tag ? tag : "");
	f = popen(cmd, "r");
	if (!f || !fgets(line, sizeof(line), f))
		die("'%s' printed nothing", cmd);
	if (pclose(f) != 0)
		die("'%s' failed", cmd);
	p = strstr(line, "\"secret\":\"");
	end = p ? strchr(p + 10, '"') : NULL;
	if (!end || (size_t)(end - (p + 10)) >= COORD_KEY_SECRET_SIZE)
		die("'%s' printed no secret: %s", cmd, line);
	memcpy(secret, p + 10, (size_t)(end - (p + 10)));
	secret[end - (p + 10)] = '\0';
}

/*
 * BENCH_COORD_DENY_ALL=1: a policy with no rules, so every map is empty and
 * the coordinator's memory per node is its connection alone (no churn).
 */
static bool deny_all;

/* The policy as the model says: infra reaches all, each group sees itself. */
static void write_policy(void)
{
	char tmp[700];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", policy_path);
	f = fopen(tmp, "w");
	if (!f)
		die("cannot write '%s': %s", tmp, strerror(errno));
	if (deny_all) {
		fprintf(f, "{}\n");
		goto done;
	}
	fprintf(f, "{\n  \"groups\": {\n");
	for (size_t g = 0; g < n_groups; g++) {
		bool first = true;

		fprintf(f, "    \"group:g%zu\": [", g);
		for (size_t i = N_INFRA; i < n_total; i++) {
			if (nodes[i].group != g)
				continue;
			fprintf(f, "%s\"node:%s\"", first ? "" : ", ", nodes[i].name);
			first = false;
		}
		fprintf(f, "]%s\n", g + 1 < n_groups ? "," : "");
	}
	fprintf(f, "  },\n  \"rules\": [\n");
	fprintf(f, "    { \"src\": [\"tag:infra\"], \"dst\": [\"*\"] }");
	for (size_t g = 0; g < n_groups; g++)
		fprintf(f, ",\n    { \"src\": [\"group:g%zu\"], \"dst\": [\"group:g%zu\"] }", g, g);
	fprintf(f, "\n  ]\n}\n");
done:
	if (fclose(f) != 0 || rename(tmp, policy_path) < 0)
		die("cannot write '%s': %s", policy_path, strerror(errno));
}

/* A free port on 127.0.0.1 for the coordinator, known to the workers before they fork. */
static void pick_coordinator_port(void)
{
	socklen_t len = sizeof(coord_addr);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(&coord_addr, 0, sizeof(coord_addr));
	coord_addr.sin_family = AF_INET;
	coord_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&coord_addr, sizeof(coord_addr)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&coord_addr, &len) < 0)
		die("no free UDP port on 127.0.0.1: %s", strerror(errno));
	close(fd);
}

static void start_coordinator(const char *coord_bin, const char *key_path)
{
	char listen_text[32], log_path[700];

	snprintf(listen_text, sizeof(listen_text), "127.0.0.1:%u", ntohs(coord_addr.sin_port));
	snprintf(log_path, sizeof(log_path), "%s/coord.log", dir);
	coord_pid = fork();
	if (coord_pid < 0)
		die("fork: %s", strerror(errno));
	if (coord_pid == 0) {
		int log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (log_fd >= 0)
			dup2(log_fd, 2);
		execl(coord_bin, coord_bin, "-d", db_path, "run", "listen", listen_text, "key",
		      key_path, "policy", policy_path, (char *)NULL);
		fprintf(stderr, "cannot run '%s': %s\n", coord_bin, strerror(errno));
		_exit(127);
	}
}

static void stop_coordinator(void)
{
	int status;

	if (coord_pid <= 0)
		return;
	kill(coord_pid, SIGTERM);
	waitpid(coord_pid, &status, 0);
	coord_pid = -1;
}

/* ---- node callbacks ------------------------------------------------------ */

static int node_authorize(const uint8_t public_key[32], const struct sockaddr *remote,
			  void **conn_user, void *endpoint_user)
{
	(void)public_key;
	(void)remote;
	(void)conn_user;
	(void)endpoint_user;
	return 0;
}

static void node_send(struct lnode *n, struct coord_buf *b)
{
	int ret = b->error ? b->error : burrow_quic_send(n->conn, n->stream, b->data, b->len,
							 false);

	if (ret < 0)
		die("%s: cannot send %zu bytes: %s", n->name, b->len, strerror(-ret));
	coord_buf_free(b);
}

static void node_established(struct burrow_quic_conn *conn, void *conn_user)
{
	struct lnode *n = conn_user;
	struct burrow_nl_endpoint endpoint = { .family = AF_INET, .port = n->port };
	struct coord_register m = {
		.key_secret = n->infra ? secret_infra : secret_plain,
		.endpoints = &endpoint,
		.n_endpoints = 1,
	};
	struct coord_buf b;
	char why[256];
	int ret;

	n->conn = conn;
	endpoint.addr.v4.s_addr = htonl(0xc6120000 + (uint32_t)(n - nodes));	/* 198.18/15 */
	snprintf(m.hostname, sizeof(m.hostname), "%s", n->name);
	ret = burrow_quic_open_stream(conn, &n->stream);
	if (ret < 0)
		die("%s: no stream: %s", n->name, strerror(-ret));
	coord_buf_init(&b);
	if (coord_msg_register_encode(&b, &m, why, sizeof(why)) < 0)
		die("%s: REGISTER: %s", n->name, why);
	node_send(n, &b);
	n->state = NODE_REGISTERING;
	if (cur.active && cur.subject == n)
		cur.t0 = burrow_quic_now();	/* a join counts from its REGISTER */
}

static bool delta_names_subject(const struct coord_map_delta *d)
{
	const struct lnode *s = cur.subject;

	/* names are unique in the store, and a joiner's id is not known yet */
	for (size_t i = 0; i < d->n_changed; i++)
		if (!strcmp(d->changed[i].name, s->name))
			return true;
	for (size_t i = 0; i < d->n_removed; i++)
		if (s->id && d->removed[i] == s->id)
			return true;
	return false;
}

static void note_hit(struct lnode *n)
{
	if (n->hit)
		return;
	n->hit = true;
	if (n->expected) {
		cur.hits++;
		cur.last_hit = burrow_quic_now();
	} else {
		cur.unexpected++;
	}
}

static void node_capsule(struct lnode *n, const struct burrow_capsule *cap)
{
	size_t bytes = burrow_varint_len(cap->type) + burrow_varint_len(cap->length) + cap->length;
	struct coord_register_result result;
	struct coord_map_delta delta = { 0 };
	char why[512];
	int ret;

	switch (cap->type) {
	case COORD_MSG_REGISTER_RESULT:
		if (coord_msg_register_result_decode(cap->value, cap->length, &result, why,
						     sizeof(why)) < 0)
			die("%s: REGISTER_RESULT: %s", n->name, why);
		if (!result.accepted)
			die("%s: refused: %s", n->name, result.reason);
		break;
	case COORD_MSG_MAP_FULL:
		if (cur.active)
			cur.full_bytes += bytes;
		ret = coord_map_full_reader_feed(&n->full, cap->value, cap->length, why,
						 sizeof(why));
		if (ret < 0)
			die("%s: MAP_FULL: %s", n->name, why);
		if (ret == 1) {
			struct coord_peer *peers;
			size_t n_peers;

			/* take resets the reader: read version and self first */
			n->id = n->full.self.id;
			n->version = n->full.version;
			peers = coord_map_full_reader_take(&n->full, &n_peers);
			n->full_peers = n_peers;
			n->fulls++;
			coord_peers_free(peers, n_peers);
			if (n->state == NODE_REGISTERING) {
				n->state = NODE_READY;
				in_flight--;
				n_ready++;
			}
			if (cur.active && cur.kind == CHANGE_POLICY && cur.subject == n)
				note_hit(n);
		}
		break;
	case COORD_MSG_DNS_CONFIG: {
		/* Sent before every MAP_FULL: counted with the full map's bytes. */
		struct coord_dns_config dns;

		if (coord_msg_dns_config_decode(cap->value, cap->length, &dns, why, sizeof(why)) < 0)
			die("%s: DNS_CONFIG: %s", n->name, why);
		if (cur.active)
			cur.full_bytes += bytes;
		break;
	}
	case COORD_MSG_MAP_DELTA:
		if (coord_msg_map_delta_decode(cap->value, cap->length, &delta, why,
					       sizeof(why)) < 0)
			die("%s: MAP_DELTA: %s", n->name, why);
		if (delta.version != n->version + 1)
			version_errors++;
		n->version = delta.version;
		if (cur.active) {
			cur.delta_bytes += bytes;
			cur.deltas++;
			if ((cur.kind == CHANGE_POLICY && cur.subject == n) ||
			    delta_names_subject(&delta))
				note_hit(n);
		}
		coord_map_delta_free(&delta);
		break;
	default:
		die("%s: unexpected %s", n->name, coord_msg_type_name(cap->type));
	}
}

static void node_stream_data(struct burrow_quic_conn *conn, int64_t stream_id,
			     const uint8_t *data, size_t len, bool fin, void *conn_user)
{
	struct lnode *n = conn_user;
	struct burrow_capsule cap;
	int ret;

	(void)conn;
	(void)stream_id;
	(void)fin;
	if (burrow_capsule_reader_push(&n->reader, data, len) < 0)
		die("%s: coordination stream: capsule too long", n->name);
	while ((ret = burrow_capsule_reader_next(&n->reader, &cap)) == 1)
		node_capsule(n, &cap);
	if (ret < 0)
		die("%s: malformed capsule: %s", n->name, strerror(-ret));
}

static void node_closed(struct burrow_quic_conn *conn, const char *reason, void *conn_user)
{
	struct lnode *n = conn_user;

	(void)conn;
	if (n->state == NODE_CONNECTING || n->state == NODE_REGISTERING) {
		in_flight--;
		n_failed++;
		snprintf(last_failure, sizeof(last_failure), "%s: %s", n->name, reason);
	} else if (!(cur.active && cur.kind == CHANGE_LEAVE && cur.subject == n)) {
		unexpected_closes++;
		snprintf(last_failure, sizeof(last_failure), "%s: %s", n->name, reason);
	}
	n->conn = NULL;
	n->state = NODE_CLOSED;
}

static const struct burrow_quic_callbacks node_callbacks = {
	.authorize = node_authorize,
	.established = node_established,
	.stream_data = node_stream_data,
	.closed = node_closed,
};

/* ---- parent <-> worker messages (fixed size, below PIPE_BUF: atomic) ------- */

enum cmd_op { CMD_REGISTER, CMD_CHECK_MAPS, CMD_BEGIN, CMD_ACT, CMD_END, CMD_STATS, CMD_STOP };

#define MAP_SAMPLES 6

struct cmd {
	int op;
	int kind;			/* enum change_kind */
	uint32_t subject, also_group;
	uint64_t subject_id;		/* from the store: removals name ids */
	uint32_t samples[MAP_SAMPLES];
	size_t sample_want[MAP_SAMPLES];	/* peers each sample's map must hold */
	double max_register_s;
};

enum rep_op {
	REP_READY, REP_REGISTERED, REP_MAPS, REP_BEGUN, REP_ACTED, REP_DONE, REP_ENDED, REP_STATS
};

struct rep {
	int op;
	uint64_t ready, failed, bad_maps;
	uint64_t t0, last_hit, expected, hits, unexpected;
	uint64_t delta_bytes, deltas, full_bytes;
	uint64_t version_errors, unexpected_closes, rss_kib;
	bool subject_ready;
	char failure[512];
};

static void send_rep(const struct rep *r)
{
	if (write(rep_fd, r, sizeof(*r)) != (ssize_t)sizeof(*r))
		_exit(3);
}

/* ---- driving (worker) ----------------------------------------------------- */

static bool registering, reg_reported, maps_pending, done_reported;
static size_t *owned;			/* indices of this worker's first-phase nodes */
static size_t n_owned, next_to_start;
static size_t window;
static uint64_t reg_deadline, change_deadline;
static uint32_t map_samples[MAP_SAMPLES];
static size_t map_want[MAP_SAMPLES];
static uint32_t map_fulls[MAP_SAMPLES];	/* fulls each sample must pass */
static size_t n_map_samples;

static void free_nodes(void);

static bool is_mine(size_t i)
{
	return i % n_workers == worker_id;
}

static void node_connect(struct lnode *n)
{
	struct burrow_quic_conn *conn;
	int ret;

	burrow_capsule_reader_free(&n->reader);
	coord_msg_reader_init(&n->reader);
	ret = burrow_quic_connect(n->ep, (struct sockaddr *)&coord_addr, sizeof(coord_addr),
				  coord_key, n, &conn);
	if (ret < 0)
		die("%s: connect: %s", n->name, burrow_quic_endpoint_last_error(n->ep));
	n->conn = conn;
	n->state = NODE_CONNECTING;
	in_flight++;
	rearm(n);
}

static void send_endpoints(struct lnode *n)
{
	struct burrow_nl_endpoint endpoint = { .family = AF_INET, .port = ++n->port };
	struct coord_buf b;
	char why[256];

	endpoint.addr.v4.s_addr = htonl(0xc6120000 + (uint32_t)(n - nodes));
	coord_buf_init(&b);
	if (coord_msg_endpoints_encode(&b, &endpoint, 1, why, sizeof(why)) < 0)
		die("ENDPOINTS: %s", why);
	node_send(n, &b);
	rearm(n);
}

/* Whether viewer's map holds subject under the model, subject being in group g. */
static bool sees(const struct lnode *viewer, const struct lnode *subject, uint32_t g)
{
	if (viewer == subject)
		return false;
	if (viewer->infra || subject->infra)
		return true;
	return viewer->group == g;
}

/*
 * Start watching a change of subject on this worker's nodes: those
 * connected now whose map holds subject before or after (also_group: a
 * second group, for a move).
 */
static void change_begin(const struct cmd *c)
{
	struct lnode *subject = &nodes[c->subject];

	memset(&cur, 0, sizeof(cur));
	cur.kind = (enum change_kind)c->kind;
	cur.subject = subject;
	if (c->subject_id)
		subject->id = c->subject_id;
	for (size_t i = worker_id; i < n_total; i += n_workers) {
		struct lnode *n = &nodes[i];

		n->hit = false;
		n->expected = n->state == NODE_READY &&
			      (sees(n, subject, subject->group) ||
			       (!n->infra && n != subject && n->group == c->also_group));
		/* A move changes no entry an infra node holds (the node has no routes). */
		if (cur.kind == CHANGE_POLICY)
			n->expected = n == subject || (n->expected && !n->infra);
		cur.expected += n->expected;
	}
	if (cur.kind == CHANGE_POLICY)
		subject->group = c->also_group;
	cur.active = true;
	done_reported = false;
	change_deadline = burrow_quic_now() + CHANGE_TIMEOUT_NS;
}

static bool change_done(void)
{
	return cur.hits == cur.expected;
}

static void handle_cmd(const struct cmd *c)
{
	struct rep r = { 0 };

	switch (c->op) {
	case CMD_REGISTER:
		registering = true;
		reg_reported = false;
		next_to_start = 0;
		reg_deadline = burrow_quic_now() + (uint64_t)(c->max_register_s * 1e9);
		break;
	case CMD_CHECK_MAPS:
		n_map_samples = 0;
		for (size_t i = 0; i < MAP_SAMPLES; i++) {
			struct lnode *n = &nodes[c->samples[i]];
			struct coord_buf b;

			if (!is_mine(c->samples[i]))
				continue;
			if (n->state != NODE_READY) {
				/* closed since it registered: the check reports it */
				map_samples[n_map_samples] = c->samples[i];
				map_want[n_map_samples] = c->sample_want[i];
				map_fulls[n_map_samples++] = UINT32_MAX;
				continue;
			}
			coord_buf_init(&b);
			if (coord_msg_map_request_full_encode(&b, n->version) < 0)
				die("MAP_REQUEST_FULL: cannot encode");
			node_send(n, &b);
			rearm(n);
			map_samples[n_map_samples] = c->samples[i];
			map_want[n_map_samples] = c->sample_want[i];
			map_fulls[n_map_samples++] = n->fulls + 1;
		}
		maps_pending = true;
		change_deadline = burrow_quic_now() + 30 * NS;
		break;
	case CMD_BEGIN:
		change_begin(c);
		r.op = REP_BEGUN;
		send_rep(&r);
		break;
	case CMD_ACT:
		if (cur.kind != CHANGE_JOIN && cur.subject->state != NODE_READY) {
			/* closed under the load: the change is not made, all wait in vain */
		} else if (cur.kind == CHANGE_JOIN) {
			node_connect(cur.subject);
		} else {
			send_endpoints(cur.subject);
		}
		cur.t0 = burrow_quic_now();
		r.op = REP_ACTED;
		r.t0 = cur.t0;
		send_rep(&r);
		break;
	case CMD_END:
		r.op = REP_ENDED;
		r.t0 = is_mine((size_t)(cur.subject - nodes)) ? cur.t0 : 0;
		r.last_hit = cur.last_hit;
		r.expected = cur.expected;
		r.hits = cur.hits;
		r.unexpected = cur.unexpected;
		r.delta_bytes = cur.delta_bytes;
		r.deltas = cur.deltas;
		r.full_bytes = cur.full_bytes;
		r.subject_ready = cur.subject->state == NODE_READY;
		cur.active = false;
		send_rep(&r);
		break;
	case CMD_STATS:
		r.op = REP_STATS;
		r.version_errors = version_errors;
		r.unexpected_closes = unexpected_closes;
		r.rss_kib = (uint64_t)sample_proc(getpid()).rss_kib;
		snprintf(r.failure, sizeof(r.failure), "%s", last_failure);
		send_rep(&r);
		break;
	case CMD_STOP:
		free_nodes();
		_exit(0);
	}
}

/* Reports owed to the parent once their condition holds. */
static void worker_step(void)
{
	uint64_t now = burrow_quic_now();
	struct rep r = { 0 };

	if (registering) {
		/* Registered connections timing out: the coordinator is not keeping up. */
		bool collapsing = unexpected_closes > LOST_MAX(n_ready);

		while (next_to_start < n_owned && in_flight < window && now < reg_deadline &&
		       !collapsing)
			node_connect(&nodes[owned[next_to_start++]]);
		if ((in_flight == 0 && (next_to_start == n_owned || collapsing)) ||
		    now >= reg_deadline) {
			registering = false;
			r.op = REP_REGISTERED;
			r.ready = n_ready;
			r.failed = n_failed;
			r.unexpected_closes = unexpected_closes;
			snprintf(r.failure, sizeof(r.failure), "%s", last_failure);
			send_rep(&r);
		}
	}
	if (maps_pending) {
		bool all = true;

		for (size_t i = 0; i < n_map_samples; i++)
			all &= nodes[map_samples[i]].fulls >= map_fulls[i];
		if (all || now >= change_deadline) {
			maps_pending = false;
			r.op = REP_MAPS;
			for (size_t i = 0; i < n_map_samples; i++) {
				const struct lnode *n = &nodes[map_samples[i]];

				if (n->fulls < map_fulls[i] || n->full_peers != map_want[i]) {
					r.bad_maps++;
					snprintf(r.failure, sizeof(r.failure),
						 "%s holds %zu peers, the policy gives %zu%s",
						 n->name, n->full_peers, map_want[i],
						 n->state != NODE_READY ? " (it is disconnected)" :
						 n->fulls < map_fulls[i] ?
						 " (no new full map)" : "");
				}
			}
			send_rep(&r);
		}
	}
	if (cur.active && !done_reported && (change_done() || now >= change_deadline)) {
		done_reported = true;
		r.op = REP_DONE;
		send_rep(&r);
	}
}

/* The worker's loop: its endpoints and the parent's commands, until CMD_STOP. */
static void __attribute__((noreturn)) worker_loop(void)
{
	struct epoll_event events[1024];

	for (;;) {
		uint64_t now, next;
		int timeout_ms, n_ev;

		worker_step();
		now = burrow_quic_now();
		next = heap_len ? heap[0]->expiry : UINT64_MAX;
		timeout_ms = next <= now ? 0 : (int)((next - now + 999999) / 1000000);
		if (timeout_ms > 50)
			timeout_ms = 50;
		n_ev = epoll_wait(epfd, events, 1024, timeout_ms);
		if (n_ev < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n_ev; i++) {
			struct lnode *n;
			int ret;

			if (events[i].data.u32 == UINT32_MAX) {
				struct cmd c;

				if (read(cmd_fd, &c, sizeof(c)) != (ssize_t)sizeof(c))
					_exit(0);	/* the parent is gone */
				handle_cmd(&c);
				continue;
			}
			n = &nodes[events[i].data.u32];
			ret = burrow_quic_endpoint_read(n->ep);
			if (ret < 0)
				die("%s: read: %s", n->name, strerror(-ret));
			rearm(n);
		}
		now = burrow_quic_now();
		while (heap_len && heap[0]->expiry <= now) {
			struct lnode *n = heap[0];

			burrow_quic_endpoint_handle_expiry(n->ep);
			rearm(n);
		}
	}
}

/* In the worker: sockets and endpoints for its nodes, from the identities the parent made. */
static void make_endpoints(void)
{
	struct burrow_quic_settings settings = {
		.alpn = COORD_MSG_ALPN,
		.keepalive_ms = KEEPALIVE_MS,
	};
	struct sockaddr_in addr = { .sin_family = AF_INET };
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = UINT32_MAX };
	char path[700], why[BURROW_IDENTITY_ERR_MAX];

	snprintf(path, sizeof(path), "%s/node-%zu.key", dir, worker_id);
	/*
	 * 127.0.0.2 + worker: the ephemeral port range (28,232 ports here) is
	 * per local address, and a worker holds up to 19,900 sockets.
	 */
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + (uint32_t)worker_id);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, cmd_fd, &ev) < 0)
		die("epoll: %s", strerror(errno));
	owned = calloc(n_nodes / n_workers + 1, sizeof(*owned));
	heap = calloc(n_total / n_workers + 1, sizeof(*heap));
	if (!owned || !heap)
		die("no memory for the worker's nodes");
	for (size_t i = worker_id; i < n_total; i += n_workers) {
		struct lnode *n = &nodes[i];
		struct burrow_identity id;

		unlink(path);
		if (burrow_identity_generate(path, &id, why, sizeof(why)) < 0)
			die("%s", why);
		ev.data.u32 = (uint32_t)i;
		n->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (n->fd < 0)
			die("socket for %s: %s", n->name, strerror(errno));
		if (bind(n->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
			die("bind for %s: %s", n->name, strerror(errno));
		settings.private_key_pem = id.private_key_pem;
		n->ep = burrow_quic_endpoint_new(n->fd, &settings, &node_callbacks, n);
		burrow_identity_clear(&id);
		if (!n->ep)
			die("endpoint for %s: %s", n->name, burrow_quic_setup_error());
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, n->fd, &ev) < 0)
			die("epoll_ctl: %s", strerror(errno));
		coord_msg_reader_init(&n->reader);
		coord_map_full_reader_init(&n->full);
		n->expiry = UINT64_MAX;
		n->heap_pos = heap_len;
		heap[heap_len++] = n;
		if (i < n_nodes)
			owned[n_owned++] = i;
	}
	unlink(path);
	/* Infra nodes first: their maps then grow by deltas, as in a live network. */
	window = HANDSHAKE_WINDOW / n_workers;
}

/* ---- parent -------------------------------------------------------------- */

struct worker {
	pid_t pid;
	int cmd_fd, rep_fd;
};

static struct worker *workers;

static void free_nodes(void)
{
	for (size_t i = 0; i < n_total; i++) {
		struct lnode *n = &nodes[i];

		if (!n->ep)
			continue;
		burrow_quic_endpoint_free(n->ep);
		close(n->fd);
		burrow_capsule_reader_free(&n->reader);
		coord_map_full_reader_free(&n->full);
	}
	free(nodes);
	free(heap);
	free(owned);
	nodes = NULL;
	heap = NULL;
	owned = NULL;
	heap_len = n_owned = 0;
}

static void start_workers(void)
{
	workers = calloc(n_workers, sizeof(*workers));
	if (!workers)
		die("no memory for workers");
	fflush(stdout);
	for (size_t w = 0; w < n_workers; w++) {
		int to[2], from[2];

		if (pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0)
			die("pipe: %s", strerror(errno));
		workers[w].pid = fork();
		if (workers[w].pid < 0)
			die("fork: %s", strerror(errno));
		if (workers[w].pid == 0) {
			coord_pid = -1;	/* the parent stops it */
			worker_id = w;
			cmd_fd = to[0];
			rep_fd = from[1];
			close(to[1]);
			close(from[0]);
			for (size_t o = 0; o < w; o++) {
				close(workers[o].cmd_fd);
				close(workers[o].rep_fd);
			}
			make_endpoints();
			send_rep(&(struct rep){ .op = REP_READY });
			worker_loop();
		}
		close(to[0]);
		close(from[1]);
		workers[w].cmd_fd = to[1];
		workers[w].rep_fd = from[0];
	}
}

static void send_cmd(size_t w, const struct cmd *c)
{
	if (write(workers[w].cmd_fd, c, sizeof(*c)) != (ssize_t)sizeof(*c))
		die("worker %zu is gone", w);
}

static void broadcast(const struct cmd *c)
{
	for (size_t w = 0; w < n_workers; w++)
		send_cmd(w, c);
}

static void read_rep(size_t w, int op, struct rep *r)
{
	ssize_t got = read(workers[w].rep_fd, r, sizeof(*r));

	if (got != (ssize_t)sizeof(*r))
		die("worker %zu is gone (it says why above)", w);
	if (r->op != op)
		die("worker %zu answered %d, expected %d", w, r->op, op);
}

static void stop_workers(void)
{
	struct cmd c = { .op = CMD_STOP };

	for (size_t w = 0; w < n_workers; w++) {
		int status;

		if (write(workers[w].cmd_fd, &c, sizeof(c)) < 0)
			kill(workers[w].pid, SIGTERM);
		close(workers[w].cmd_fd);
		close(workers[w].rep_fd);
		waitpid(workers[w].pid, &status, 0);
	}
	free(workers);
	workers = NULL;
}

static struct lnode *pick_ordinary(void)
{
	for (;;) {
		struct lnode *n = &nodes[N_INFRA + (size_t)rand() % (n_nodes - N_INFRA)];

		if (n->state == NODE_READY)
			return n;
	}
}

/* Peers n's map holds under the model, with the parent's view of who is connected. */
static size_t model_peers(const struct lnode *n)
{
	size_t want = 0;

	for (size_t j = 0; j < n_total; j++)
		want += nodes[j].state == NODE_READY && sees(n, &nodes[j], nodes[j].group);
	return want;
}

static int64_t node_id_of(const char *name)
{
	struct coord_store *cs;
	struct coord_node node;
	char why[COORD_STORE_ERR_MAX];
	int64_t id;

	if (coord_store_open(db_path, &cs, why, sizeof(why)) < 0)
		die("%s", why);
	if (coord_store_node_get_by_name(cs, name, &node) < 0)
		die("node '%s': %s", name, coord_store_error(cs));
	id = node.id;
	coord_store_node_clear(&node);
	coord_store_close(cs);
	return id;
}

/*
 * One change, measured: every worker marks its affected nodes, then the
 * change is made (by the subject's worker, or here), then the workers say
 * when their last affected node has it; after a settle period they report
 * what they received.
 */
static void measure_change(enum change_kind kind, struct lnode *subject, uint32_t also_group,
			   struct result *res)
{
	struct cmd c = { .op = CMD_BEGIN, .kind = kind, .subject = (uint32_t)(subject - nodes),
			 .also_group = also_group };
	size_t owner = (size_t)(subject - nodes) % n_workers;
	struct coord_store *op;
	char why[COORD_STORE_ERR_MAX];
	uint64_t t0 = 0, last = 0;
	double cpu0 = sample_proc(coord_pid).cpu_ms;
	uint64_t window0 = burrow_quic_now();
	struct rep r;
	size_t i;

	memset(&cur, 0, sizeof(cur));
	if (kind != CHANGE_JOIN)
		c.subject_id = (uint64_t)node_id_of(subject->name);
	broadcast(&c);
	for (size_t w = 0; w < n_workers; w++)
		read_rep(w, REP_BEGUN, &r);
	switch (kind) {
	case CHANGE_LEAVE:
		if (coord_store_open(db_path, &op, why, sizeof(why)) < 0)
			die("%s", why);
		t0 = burrow_quic_now();
		if (coord_store_node_remove(op, subject->name) < 0)
			die("node remove %s: %s", subject->name, coord_store_error(op));
		coord_store_close(op);
		subject->state = NODE_CLOSED;
		break;
	case CHANGE_POLICY:
		t0 = burrow_quic_now();
		subject->group = also_group;
		write_policy();
		kill(coord_pid, SIGHUP);
		break;
	default:
		c.op = CMD_ACT;
		send_cmd(owner, &c);
		read_rep(owner, REP_ACTED, &r);
		t0 = r.t0;
	}
	for (size_t w = 0; w < n_workers; w++)
		read_rep(w, REP_DONE, &r);
	usleep((useconds_t)(SETTLE_NS / 1000));
	c.op = CMD_END;
	broadcast(&c);
	for (size_t w = 0; w < n_workers; w++) {
		read_rep(w, REP_ENDED, &r);
		if (w == owner && kind == CHANGE_JOIN && r.t0)
			t0 = r.t0;	/* a join counts from its REGISTER */
		if (w == owner && kind == CHANGE_JOIN && r.subject_ready)
			subject->state = NODE_READY;
		if (r.last_hit > last)
			last = r.last_hit;
		cur.expected += r.expected;
		cur.hits += r.hits;
		cur.unexpected += r.unexpected;
		cur.delta_bytes += r.delta_bytes;
		cur.deltas += r.deltas;
		cur.full_bytes += r.full_bytes;
	}
	i = res->count++;
	if (i < sizeof(res->ms) / sizeof(res->ms[0]))
		res->ms[i] = cur.hits == cur.expected ? ms_of(last > t0 ? last - t0 : 0) : -1;
	if (cur.hits != cur.expected)
		res->incomplete++;
	if (cur.expected > res->affected_max)
		res->affected_max = cur.expected;
	res->unexpected += cur.unexpected;
	res->bytes += (double)cur.delta_bytes;
	res->deltas += (double)cur.deltas;
	res->full_bytes += (double)cur.full_bytes;
	res->cpu_ms += sample_proc(coord_pid).cpu_ms - cpu0;
	res->window_s += (double)(burrow_quic_now() - window0) / NS;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The coordinator's CPU while idle (keep-alives), per second, to read each change's against. */
static double idle_ms_per_s;

static void print_result(enum change_kind kind, const struct result *r)
{
	size_t shown = r->count < 8 ? r->count : 8, done = 0;
	double sorted[8];
	char times[64];

	for (size_t i = 0; i < shown; i++)
		if (r->ms[i] >= 0)
			sorted[done++] = r->ms[i];
	qsort(sorted, done, sizeof(*sorted), cmp_double);
	if (done)
		snprintf(times, sizeof(times), "%.0f / %.0f ms%s", sorted[done / 2],
			 sorted[done - 1], r->incomplete ? " (some timed out)" : "");
	else
		snprintf(times, sizeof(times), "timed out (%.0f s)",
			 (double)CHANGE_TIMEOUT_NS / NS);
	printf("| %s | %zu | %zu | %s | %.0f | %.1f | %.0f over %.1f s |\n", change_names[kind],
	       r->count, r->affected_max, times, r->bytes / (double)r->count,
	       r->deltas / (double)r->count, r->cpu_ms / (double)r->count,
	       r->window_s / (double)r->count);
}

/* ---- policy evaluation in this process ----------------------------------- */

static void policy_eval(void)
{
	static const char *const infra_tags[] = { "tag:infra" };
	struct coord_policy_engine *engine;
	struct coord_policy_ids ids = { 0 };
	double samples[POLICY_SAMPLES], infra_max = 0, t_update;
	size_t infra_peers = 0;
	char why[512];
	uint64_t t0;

	if (coord_policy_load_file(policy_path, &engine, why, sizeof(why)) < 0)
		die("%s", why);
	for (size_t i = 0; i < n_nodes; i++) {
		struct coord_policy_node pn = {
			.id = (int64_t)i + 1, .name = nodes[i].name,
			.tags = nodes[i].infra ? infra_tags : NULL,
			.n_tags = nodes[i].infra ? 1 : 0,
		};

		if (coord_policy_node_add(engine, &pn, NULL) < 0)
			die("policy engine: cannot add %s", nodes[i].name);
	}
	for (size_t s = 0; s < POLICY_SAMPLES; s++) {
		int64_t id = N_INFRA + 1 + rand() % (int64_t)(n_nodes - N_INFRA);

		t0 = burrow_quic_now();
		coord_policy_visible(engine, id, &ids);
		samples[s] = (double)(burrow_quic_now() - t0) / 1e3;
	}
	qsort(samples, POLICY_SAMPLES, sizeof(*samples), cmp_double);
	for (int64_t id = 1; id <= N_INFRA; id++) {
		t0 = burrow_quic_now();
		coord_policy_visible(engine, id, &ids);
		double us = (double)(burrow_quic_now() - t0) / 1e3;

		if (us > infra_max)
			infra_max = us;
		infra_peers = ids.n;
	}
	{
		struct coord_policy_node pn = { .id = N_INFRA + 1, .name = nodes[N_INFRA].name };

		t0 = burrow_quic_now();
		coord_policy_node_update(engine, &pn, &ids);
		t_update = (double)(burrow_quic_now() - t0) / 1e3;
	}
	printf("policy engine (same file and nodes, in the load process): one ordinary node's "
	       "visible set median %.1f us, p99 %.1f us; an infra node's (%zu peers) max %.0f us; "
	       "an ordinary node's update with its affected set (%zu) %.1f us\n",
	       samples[POLICY_SAMPLES / 2], samples[POLICY_SAMPLES * 99 / 100], infra_peers,
	       infra_max, ids.n, t_update);
	coord_policy_ids_free(&ids);
	coord_policy_engine_free(engine);
}

/* ---- one size ------------------------------------------------------------ */

static void run_size(size_t size, const char *coord_bin, double max_register_s)
{
	struct result results[CHANGE_KINDS];
	struct proc_sample before, after, idle0, idle1;
	char key_path[700], why[BURROW_IDENTITY_ERR_MAX];
	struct burrow_identity coord_id;
	struct cmd c = { 0 };
	struct rep r;
	uint64_t t0, t_setup, t_reg, ready = 0, failed = 0, load_rss = 0;
	uint64_t gaps = 0, closes = 0;
	char failure[512] = "";
	double cpu_reg;

	memset(results, 0, sizeof(results));
	if (!mkdtemp(strcpy(dir, "/tmp/coord-bench.XXXXXX")))
		die("mkdtemp: %s", strerror(errno));
	snprintf(db_path, sizeof(db_path), "%s/coord.db", dir);
	snprintf(policy_path, sizeof(policy_path), "%s/policy.json", dir);
	snprintf(key_path, sizeof(key_path), "%s/coord.key", dir);
	n_nodes = size;
	n_total = size + N_JOINERS;
	n_groups = (size - N_INFRA + GROUP_SIZE - 1) / GROUP_SIZE;
	nodes = calloc(n_total, sizeof(*nodes));
	if (!nodes)
		die("no memory for %zu nodes", n_total);
	for (size_t i = 0; i < n_total; i++) {
		struct lnode *n = &nodes[i];

		n->infra = i < N_INFRA;
		n->port = 51820;
		if (i < N_INFRA) {
			snprintf(n->name, sizeof(n->name), "infra%zu", i);
		} else if (i < size) {
			snprintf(n->name, sizeof(n->name), "n%zu", i - N_INFRA);
			n->group = (uint32_t)((i - N_INFRA) / GROUP_SIZE);
		} else {
			snprintf(n->name, sizeof(n->name), "j%zu", i - size);
			n->group = (uint32_t)(((i - size) * 7 + 3) % n_groups);
		}
	}
	printf("\n== %zu nodes: %d infra (tag:infra, see everyone) + %zu in %zu groups of up to "
	       "%d; %zu rules; %zu load processes ==\n", size, N_INFRA, size - N_INFRA, n_groups,
	       GROUP_SIZE, n_groups + 1, n_workers);
	fflush(stdout);

	write_policy();
	if (burrow_identity_generate(key_path, &coord_id, why, sizeof(why)) < 0)
		die("%s", why);
	memcpy(coord_key, coord_id.public_key, 32);
	burrow_identity_clear(&coord_id);
	key_create(coord_bin, NULL, secret_plain);
	key_create(coord_bin, "tag:infra", secret_infra);

	pick_coordinator_port();
	t0 = burrow_quic_now();
	start_workers();
	for (size_t w = 0; w < n_workers; w++)
		read_rep(w, REP_READY, &r);
	t_setup = burrow_quic_now() - t0;
	start_coordinator(coord_bin, key_path);
	/* The coordinator has loaded and bound by now; a node's Initial is retransmitted if not. */
	usleep(300000);
	before = sample_proc(coord_pid);

	t0 = burrow_quic_now();
	c.op = CMD_REGISTER;
	c.max_register_s = max_register_s;
	broadcast(&c);
	for (size_t w = 0; w < n_workers; w++) {
		read_rep(w, REP_REGISTERED, &r);
		ready += r.ready;
		failed += r.failed;
		closes += r.unexpected_closes;
		if (r.failure[0])
			snprintf(failure, sizeof(failure), "%s", r.failure);
	}
	t_reg = burrow_quic_now() - t0;
	after = sample_proc(coord_pid);
	cpu_reg = after.cpu_ms - before.cpu_ms;
	c.op = CMD_STATS;
	broadcast(&c);
	for (size_t w = 0; w < n_workers; w++) {
		read_rep(w, REP_STATS, &r);
		load_rss += r.rss_kib;
	}
	printf("load setup: %zu identities, sockets and endpoints in %.1f s\n", n_total,
	       (double)t_setup / NS);
	printf("registration: %llu of %zu nodes in %.1f s (%.0f nodes/s, %llu failed%s%s), "
	       "coordinator CPU %.1f s (%.2f ms per node)\n", (unsigned long long)ready, n_nodes,
	       (double)t_reg / NS, (double)ready / ((double)t_reg / NS),
	       (unsigned long long)failed, failed ? ", last: " : "", failed ? failure : "",
	       cpu_reg / 1e3, ready ? cpu_reg / (double)ready : 0.0);
	printf("coordinator memory: VmRSS %.1f MiB before nodes, %.1f MiB with %llu connected "
	       "(%.1f KiB per node), VmHWM %.1f MiB\n", before.rss_kib / 1024.0,
	       after.rss_kib / 1024.0, (unsigned long long)ready,
	       ready ? (double)(after.rss_kib - before.rss_kib) / (double)ready : 0.0,
	       after.hwm_kib / 1024.0);
	printf("load processes: VmRSS %.1f MiB together\n", (double)load_rss / 1024.0);
	if (closes)
		printf("UNSTABLE: %llu registered connections closed during registration (last: "
		       "%s); churn below counts only the nodes still connected\n",
		       (unsigned long long)closes, failure);
	fflush(stdout);
	if (ready < n_nodes) {
		printf("NOT REACHED: %llu of %zu nodes registered %s\n", (unsigned long long)ready,
		       n_nodes, failed ? "(the others failed, see above)" :
		       closes ? "before registered connections began to time out (registration "
		       "stops when more than 5% are lost)" :
		       "within the registration time limit (BENCH_COORD_MAX_S)");
		goto out;
	}
	for (size_t i = 0; i < n_nodes; i++)
		nodes[i].state = NODE_READY;
	if (deny_all) {
		printf("deny-all policy: every map is empty; no churn measured\n");
		goto out;
	}

	c.op = CMD_CHECK_MAPS;
	c.samples[0] = 0;
	for (size_t i = 1; i < MAP_SAMPLES; i++)
		c.samples[i] = (uint32_t)(pick_ordinary() - nodes);
	for (size_t i = 0; i < MAP_SAMPLES; i++)
		c.sample_want[i] = model_peers(&nodes[c.samples[i]]);
	broadcast(&c);
	{
		uint64_t bad = 0;

		for (size_t w = 0; w < n_workers; w++) {
			read_rep(w, REP_MAPS, &r);
			bad += r.bad_maps;
			if (r.bad_maps)
				printf("map check: %s\n", r.failure);
		}
		printf("maps checked: %d full maps asked for after registration (1 infra node "
		       "with %zu peers), %s\n", MAP_SAMPLES, c.sample_want[0],
		       bad ? "SOME DIFFER from the policy" : "peer counts as the policy gives");
	}

	/* Keep-alives alone: the coordinator's idle CPU, to read the changes against. */
	idle0 = sample_proc(coord_pid);
	t0 = burrow_quic_now();
	sleep(getenv("BENCH_COORD_IDLE_S") ? (unsigned int)atoi(getenv("BENCH_COORD_IDLE_S")) : 16);
	idle1 = sample_proc(coord_pid);
	idle_ms_per_s = (idle1.cpu_ms - idle0.cpu_ms) / ((double)(burrow_quic_now() - t0) / NS);
	printf("coordinator idle (a PING per connection every %d s): %.0f ms CPU per s\n",
	       KEEPALIVE_MS / 1000, idle_ms_per_s);
	fflush(stdout);

	for (int k = 0; k < CHURN_ENDPOINTS; k++)
		measure_change(CHANGE_ENDPOINTS, pick_ordinary(), UINT32_MAX,
			       &results[CHANGE_ENDPOINTS]);
	for (int k = 0; k < CHURN_INFRA; k++)
		measure_change(CHANGE_INFRA, &nodes[k % N_INFRA], UINT32_MAX,
			       &results[CHANGE_INFRA]);
	for (int k = 0; k < CHURN_JOINS; k++)
		measure_change(CHANGE_JOIN, &nodes[n_nodes + (size_t)k], UINT32_MAX,
			       &results[CHANGE_JOIN]);
	for (int k = 0; k < CHURN_LEAVES; k++)
		measure_change(CHANGE_LEAVE, pick_ordinary(), UINT32_MAX, &results[CHANGE_LEAVE]);
	for (int k = 0; k < CHURN_POLICY; k++) {
		struct lnode *x = pick_ordinary();

		measure_change(CHANGE_POLICY, x, (x->group + 1) % (uint32_t)n_groups,
			       &results[CHANGE_POLICY]);
	}
	c.op = CMD_STATS;
	broadcast(&c);
	closes = 0;
	failure[0] = '\0';
	for (size_t w = 0; w < n_workers; w++) {
		read_rep(w, REP_STATS, &r);
		gaps += r.version_errors;
		closes += r.unexpected_closes;
		if (r.unexpected_closes)
			snprintf(failure, sizeof(failure), "%s", r.failure);
	}
	after = sample_proc(coord_pid);
	printf("coordinator after churn: VmRSS %.1f MiB, VmHWM %.1f MiB; delta version gaps "
	       "%llu, connections closed unasked %llu%s%s\n", after.rss_kib / 1024.0,
	       after.hwm_kib / 1024.0, (unsigned long long)gaps, (unsigned long long)closes,
	       closes ? ", last: " : "", closes ? failure : "");
	printf("\n| change | n | affected nodes | to the last affected node, median / max | "
	       "delta bytes per change | deltas per change | coordinator CPU ms per change, "
	       "read from the change to %.1f s after it (keep-alives of all nodes included, "
	       "%.0f ms per s idle) |\n", (double)SETTLE_NS / NS, idle_ms_per_s);
	printf("|---|---:|---:|---:|---:|---:|---:|\n");
	for (int k = 0; k < CHANGE_KINDS; k++)
		print_result((enum change_kind)k, &results[k]);
	for (int k = 0; k < CHANGE_KINDS; k++)
		if (results[k].unexpected)
			printf("note: %s: %zu deltas naming the node reached nodes the model "
			       "says do not see it\n", change_names[k], results[k].unexpected);
	printf("\n");
	policy_eval();
out:
	fflush(stdout);
	stop_workers();
	stop_coordinator();
	free_nodes();
	if (!getenv("BENCH_COORD_KEEP")) {
		char cmd[700];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "coord-bench: cannot remove '%s'\n", dir);
	}
}

int main(void)
{
	const char *sizes = getenv("BENCH_COORD_NODES");
	const char *coord_bin = getenv("BENCH_COORD_BIN");
	const char *max_s = getenv("BENCH_COORD_MAX_S");
	struct rlimit nofile;
	char *list, *tok, *save = NULL;

	if (!sizes || !*sizes)
		sizes = "1000,10000,50000";
	if (!coord_bin || !*coord_bin)
		coord_bin = "build/burrow-coord";
	deny_all = getenv("BENCH_COORD_DENY_ALL") && !strcmp(getenv("BENCH_COORD_DENY_ALL"), "1");
	burrow_log_set_level(BURROW_LOG_ERROR);
	signal(SIGPIPE, SIG_IGN);
	/* One socket per node: raise the open files limit as far as this process may. */
	if (getrlimit(RLIMIT_NOFILE, &nofile) < 0)
		die("getrlimit: %s", strerror(errno));
	nofile.rlim_cur = nofile.rlim_max;
	setrlimit(RLIMIT_NOFILE, &nofile);
	srand(42);
	printf("coord-bench: burrow-coord '%s', open files limit %llu per process, %ld online "
	       "CPUs\n", coord_bin, (unsigned long long)nofile.rlim_cur,
	       sysconf(_SC_NPROCESSORS_ONLN));
	{
		char line[256];
		FILE *f = fopen("/proc/cpuinfo", "r");

		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "model name", 10)) {
				printf("cpu: %s", strchr(line, ':') ? strchr(line, ':') + 2 : line);
				break;
			}
		if (f)
			fclose(f);
	}
	list = strdup(sizes);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long size = strtoul(tok, &end, 10);
		rlim_t per_worker = nofile.rlim_cur > 200 ? nofile.rlim_cur - 100 : 100;

		if (*end || size < N_INFRA + GROUP_SIZE) {
			fprintf(stderr, "coord-bench: invalid size '%s' in BENCH_COORD_NODES "
				"(a number of nodes, at least %d)\n", tok, N_INFRA + GROUP_SIZE);
			return 1;
		}
		/* One UDP socket per node: quic.h binds a key to an endpoint, an endpoint
		 * to a socket. */
		n_workers = (size + N_JOINERS + per_worker - 1) / per_worker;
		run_size(size, coord_bin, max_s ? atof(max_s) : 3600.0);
	}
	free(list);
	return 0;
}
