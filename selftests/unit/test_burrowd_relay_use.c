// SPDX-License-Identifier: GPL-2.0
/*
 * `burrowd relay use PEER via HOST:PORT ticket BASE64` (userspace/relay_use.c):
 * the command's words and the control line the client sends, both ways;
 * every refusal names the bad word, quoted (a ticket by its first 16
 * characters only). Then the node's side over real QUIC on loopback: a
 * burrowd (its loop, endpoint and ALPN registry, one peer) presents
 * tickets to relay_admit.c's server (the kernel faked): the checks before
 * dialling, a forged ticket refused with the relay's reason, the first of a
 * pair told to wait (no redial), the second admitted and its peer dialled
 * through the relay with the ticket. Both are relays themselves ([relay]
 * on), so burrow-relay/1 is one handler for both sides on each: the node's
 * client connections reach relay_use.c, the relay's server ones
 * relay_admit.c. (A node that is no relay dials it dial-only:
 * selftests/net/relay-burrowd.sh.)
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "burrow-encoding.h"
#include "identity.h"
#include "relay_admit.h"
#include "relay_use.h"
#include "session.h"

static char ticket_text[BURROW_RELAY_TICKET_TEXT_SIZE];
static struct burrow_relay_ticket ticket;

static int setup(void **state)
{
	(void)state;
	memset(&ticket, 0, sizeof(ticket));
	ticket.version = BURROW_RELAY_TICKET_VERSION;
	ticket.id = 0x12345678;
	ticket.expiry = 1800000000;
	memset(ticket.relay, 0x33, 32);
	memset(ticket.a, 0x11, 32);
	memset(ticket.b, 0x22, 32);
	memset(ticket.sig, 0x44, sizeof(ticket.sig));
	burrow_relay_ticket_to_text(&ticket, ticket_text);
	return strlen(ticket_text) == BURROW_RELAY_TICKET_TEXT_LEN ? 0 : -1;
}

/* words: space-separated, parsed as `relay use` gets them. */
static int parse(const char *words_text, struct burrowd_relay_use_request *req, char *err,
		 size_t err_size)
{
	static char copy[1024];
	char *words[16], *save = NULL;
	int n = 0;

	snprintf(copy, sizeof(copy), "%s", words_text);
	for (char *w = strtok_r(copy, " ", &save); w && n < 16; w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	return burrowd_relay_use_parse(words, n, req, err, err_size);
}

static void test_parse_ok(void **state)
{
	struct burrowd_relay_use_request req;
	char words[512], err[400] = "";
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&req.relay;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&req.relay;

	(void)state;
	snprintf(words, sizeof(words), "node-b via 192.0.2.254:51823 ticket %s", ticket_text);
	assert_int_equal(parse(words, &req, err, sizeof(err)), 0);
	assert_string_equal(req.peer, "node-b");
	assert_string_equal(req.relay_text, "192.0.2.254:51823");
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 51823);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), 0xc00002fe);
	assert_int_equal(req.ticket.id, 0x12345678);
	assert_memory_equal(req.ticket.relay, ticket.relay, 32);
	assert_memory_equal(req.ticket.sig, ticket.sig, sizeof(ticket.sig));

	snprintf(words, sizeof(words), "b via [2001:db8::1]:7 ticket %s", ticket_text);
	assert_int_equal(parse(words, &req, err, sizeof(err)), 0);
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 7);
}

static void refused(const char *words, const char *expected)
{
	struct burrowd_relay_use_request req;
	char err[400] = "";

	assert_int_equal(parse(words, &req, err, sizeof(err)), -EINVAL);
	if (!strstr(err, expected))
		fail_msg("'%s': got '%s', expected '%s'", words, err, expected);
}

static void test_parse_refused(void **state)
{
	char words[600], prefix[17];

	(void)state;
	memcpy(prefix, ticket_text, 16);
	prefix[16] = '\0';
	refused("", "relay use PEER via HOST:PORT ticket BASE64");
	refused("node-b", "expected 'via' after the peer, not ''");
	refused("node-b through 192.0.2.254:1 ticket x", "expected 'via' after the peer, not 'through'");
	refused("node-b via", "missing the relay's HOST:PORT after 'via'");
	refused("node-b via 192.0.2.254:1", "expected 'ticket' after the relay, not ''");
	refused("node-b via 192.0.2.254:1 tiket x", "expected 'ticket' after the relay, not 'tiket'");
	refused("node-b via 192.0.2.254:1 ticket", "missing the ticket after 'ticket'");
	snprintf(words, sizeof(words), "node-b via 192.0.2.254:1 ticket %s extra", ticket_text);
	refused(words, "unexpected 'extra' after the ticket");
	snprintf(words, sizeof(words), "node/b via 192.0.2.254:1 ticket %s", ticket_text);
	refused(words, "invalid peer name 'node/b'");
	snprintf(words, sizeof(words), "node-b via relay.example:1 ticket %s", ticket_text);
	refused(words, "relay: ");
	refused(words, "'relay.example:1'");
	snprintf(words, sizeof(words), "node-b via 192.0.2.254:70000 ticket %s", ticket_text);
	refused(words, "'70000'");
	snprintf(words, sizeof(words), "node-b via 192.0.2.254 ticket %s", ticket_text);
	refused(words, "'192.0.2.254'");
	refused("node-b via 192.0.2.254:1 ticket not-base64", "invalid ticket 'not-base64'");
	/* A long ticket is quoted by its first 16 characters. */
	snprintf(words, sizeof(words), "node-b via 192.0.2.254:1 ticket %.200s", ticket_text);
	{
		char expected[40];

		snprintf(expected, sizeof(expected), "invalid ticket '%s...'", prefix);
		refused(words, expected);
	}
}

/* Base64 that decodes but is not a well-formed ticket: the decoder's reason. */
static void test_parse_malformed_ticket(void **state)
{
	uint8_t raw[BURROW_RELAY_TICKET_LEN];
	char text[BURROW_RELAY_TICKET_TEXT_SIZE + 8], words[600];

	(void)state;
	assert_int_equal(burrow_relay_ticket_encode(&ticket, raw), 0);
	raw[0] = 2;		/* version */
	assert_int_equal(burrow_base64_encode(raw, sizeof(raw), text, sizeof(text)), 236);
	snprintf(words, sizeof(words), "node-b via 192.0.2.254:1 ticket %s", text);
	refused(words, "invalid ticket 'AgAAABI0VngAAAAA...': ");
	/* one byte short */
	assert_int_equal(burrow_base64_encode(raw, sizeof(raw) - 1, text, sizeof(text)), 236);
	snprintf(words, sizeof(words), "node-b via 192.0.2.254:1 ticket %s", text);
	refused(words, "invalid ticket '");
}

static void test_line_round_trip(void **state)
{
	struct burrowd_relay_use_request req, back;
	char words[512], line[512], err[400];

	(void)state;
	snprintf(words, sizeof(words), "node-b via 192.0.2.254:51823 ticket %s", ticket_text);
	assert_int_equal(parse(words, &req, err, sizeof(err)), 0);
	assert_int_equal(burrowd_relay_use_line(&req, line, sizeof(line)), 0);
	assert_true(strlen(line) < 512);	/* the control socket reads 511 bytes */
	assert_int_equal(burrowd_relay_use_parse_line(line, &back, err, sizeof(err)), 0);
	assert_string_equal(back.peer, "node-b");
	assert_string_equal(back.relay_text, "192.0.2.254:51823");
	assert_int_equal(back.relay_len, req.relay_len);
	assert_memory_equal(&back.relay, &req.relay, req.relay_len);
	assert_memory_equal(&back.ticket, &req.ticket, sizeof(req.ticket));
	assert_int_equal(burrowd_relay_use_line(&req, line, 100), -ENOSPC);
}

static void test_line_refused(void **state)
{
	struct burrowd_relay_use_request req;
	char line[700], err[400] = "";

	(void)state;
	assert_int_equal(burrowd_relay_use_parse_line("relay-use node-b 192.0.2.254:1", &req, err,
						      sizeof(err)), -EINVAL);
	assert_string_equal(err, "relay-use PEER HOST:PORT TICKET");
	snprintf(line, sizeof(line), "relay-use node-b 192.0.2.254:1 %s more", ticket_text);
	assert_int_equal(burrowd_relay_use_parse_line(line, &req, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "relay-use: unexpected 'more'");
	assert_int_equal(burrowd_relay_use_parse_line("relay-use node-b 10.0.0.1:0 x", &req, err,
						      sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'0'"));
}

/* ---- over QUIC ------------------------------------------------------------------- */

static struct burrow_identity coord, relay_id, node_a, node_b, node_c;
static struct burrowd d;
static struct burrowd_peer peer_b;
static struct burrow_alpn_registry reg, relay_reg;
static struct burrow_quic_endpoint *relay_ep;
static struct burrow_relay *relay, *node_relay;
static struct burrowd relay_d;		/* the relay's burrowd: only its handler */
static struct burrow_timer relay_timer, poll_timer;
static struct sockaddr_in relay_addr, node_addr;
static char relay_text[32];
static struct burrow_nl_relay installed[4];
static size_t n_installed;
static bool (*until)(void);
static uint64_t deadline;
static char last_event[512];
static uint32_t dialled_ticket;		/* the relay ticket of node-b's last dial */
static struct burrow_config config;	/* relay_routes no, [relay] off */

static int fake_new(void *arg, const struct burrow_nl_relay *e)
{
	(void)arg;
	if (n_installed < 4)
		installed[n_installed++] = *e;
	return 0;
}

static int fake_set(void *arg, const struct burrow_nl_relay *e)
{
	(void)arg;
	(void)e;
	return 0;
}

static int fake_del(void *arg, uint32_t id)
{
	(void)arg;
	(void)id;
	return 0;
}

static void on_event(struct burrowd *dd, const struct burrowd_peer *p, const char *kind,
		     const char *text)
{
	(void)dd;
	(void)p;
	snprintf(last_event, sizeof(last_event), "%s: %s", kind, text);
	if (!strcmp(kind, "connect") && peer_b.session && peer_b.session->conn)
		dialled_ticket = burrow_quic_conn_relay_ticket(peer_b.session->conn);
}

static int udp_socket(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)addr, sizeof(*addr)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)addr, &len), 0);
	return fd;
}

/* The relay's burrow/1: nobody is its peer. */
static int refuse_all(const uint8_t public_key[32], const struct sockaddr *remote,
		      void **conn_user, void *endpoint_user)
{
	(void)public_key;
	(void)remote;
	(void)conn_user;
	(void)endpoint_user;
	return -1;
}

static const struct burrow_quic_callbacks refuse_callbacks = { .authorize = refuse_all };

static void relay_rearm(void)
{
	burrowd_quic_timer_rearm(d.loop, relay_ep, &relay_timer);
}

static void relay_on_udp(void *arg)
{
	(void)arg;
	burrow_quic_endpoint_read(relay_ep);
	relay_rearm();
}

static void relay_on_timer(void *arg)
{
	(void)arg;
	burrow_quic_endpoint_handle_expiry(relay_ep);
	relay_rearm();
}

static void poll_fired(void *arg)
{
	(void)arg;
	if (until() || burrow_now_ns() > deadline) {
		burrow_loop_stop(d.loop);
		return;
	}
	burrow_timer_arm_in(d.loop, &poll_timer, 2 * BURROW_NSEC_PER_MSEC);
}

/* Run the loop until pred holds (true) or ms pass (false). */
static bool run_until_ms(bool (*pred)(void), uint64_t ms)
{
	until = pred;
	deadline = burrow_now_ns() + ms * BURROW_NSEC_PER_MSEC;
	burrow_timer_arm_in(d.loop, &poll_timer, 0);
	burrow_loop_run(d.loop);
	return pred();
}

/* Run the loop until pred holds (true) or 20 s pass (false). */
static bool run_until(bool (*pred)(void))
{
	return run_until_ms(pred, 20000);
}

static void make_id(struct burrow_identity *id, const char *dir, const char *name)
{
	char path[128], err[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(burrow_identity_generate(path, id, err, sizeof(err)), 0);
	unlink(path);
}

static int quic_setup(void **state)
{
	char dir[] = "/tmp/burrow-relay-use-XXXXXX";
	struct burrow_relay_ops ops = { .entry_new = fake_new, .entry_set = fake_set,
					.entry_del = fake_del };
	struct burrow_quic_settings rs = { .alpn = BURROW_QUIC_ALPN };
	struct burrow_quic_settings ns = { .alpn = BURROW_QUIC_ALPN };
	int relay_fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	make_id(&coord, dir, "coord");
	make_id(&relay_id, dir, "relay");
	make_id(&node_a, dir, "a");
	make_id(&node_b, dir, "b");
	make_id(&node_c, dir, "c");
	rmdir(dir);

	d.loop = burrow_loop_new(NULL, NULL);
	assert_non_null(d.loop);
	burrow_timer_init(&poll_timer, poll_fired, NULL);
	/* the relay */
	relay = burrow_relay_new(coord.public_key, relay_id.public_key, &ops);
	relay_fd = udp_socket(&relay_addr);
	snprintf(relay_text, sizeof(relay_text), "127.0.0.1:%u", ntohs(relay_addr.sin_port));
	rs.private_key_pem = relay_id.private_key_pem;
	relay_d.loop = d.loop;
	assert_int_equal(burrow_alpn_register(&relay_reg, BURROW_QUIC_ALPN, &refuse_callbacks, NULL), 0);
	assert_int_equal(burrowd_relay_use_register_alpn(&relay_d, &relay_reg,
							 &burrow_relay_callbacks, relay), 0);
	rs.accept_alpns = burrow_alpn_accept_list(&relay_reg);
	relay_ep = burrow_quic_endpoint_new(relay_fd, &rs, &burrow_alpn_callbacks, &relay_reg);
	assert_non_null(relay_ep);
	burrow_timer_init(&relay_timer, relay_on_timer, NULL);
	assert_int_equal(burrow_loop_add_fd(d.loop, relay_fd, relay_on_udp, NULL), 0);
	/* node A: burrowd's endpoint and registry, one peer (node-b, no endpoint) */
	d.on_event = on_event;
	config.relay.enabled = true;
	d.config = &config;
	d.settings.backoff_min_ms = 1000;
	d.settings.backoff_max_ms = 60000;
	peer_b.d = &d;
	snprintf(peer_b.name, sizeof(peer_b.name), "node-b");
	memcpy(peer_b.public_key, node_b.public_key, 32);
	d.peers = &peer_b;
	d.n_peers = 1;
	assert_int_equal(burrow_alpn_register(&reg, BURROW_QUIC_ALPN, &burrowd_quic_callbacks, &d), 0);
	/* node A is a relay too: its own relay role behind the same ALPN */
	node_relay = burrow_relay_new(coord.public_key, node_a.public_key, &ops);
	assert_int_equal(burrowd_relay_use_register_alpn(&d, &reg, &burrow_relay_callbacks,
							 node_relay), 0);
	assert_non_null(burrow_alpn_find(&reg, BURROW_RELAY_ALPN));
	assert_false(burrow_alpn_find(&reg, BURROW_RELAY_ALPN)->dial_only);
	assert_int_equal(burrowd_relay_use_register_alpn(&d, &reg, &burrow_relay_callbacks,
							 node_relay), -EEXIST);
	d.udp_fd = udp_socket(&node_addr);
	ns.private_key_pem = node_a.private_key_pem;
	ns.accept_alpns = burrow_alpn_accept_list(&reg);
	d.quic = burrow_quic_endpoint_new(d.udp_fd, &ns, &burrow_alpn_callbacks, &reg);
	assert_non_null(d.quic);
	burrow_timer_init(&d.quic_timer, burrowd_on_quic_timer, &d);
	assert_int_equal(burrow_loop_add_fd(d.loop, d.udp_fd, burrowd_on_udp, &d), 0);
	burrowd_peer_start(&peer_b);	/* no endpoint, no relay: nothing dialled */
	assert_null(peer_b.session);
	return 0;
}

static struct burrowd_relay_use_request request_for(const struct burrow_relay_ticket *t)
{
	struct burrowd_relay_use_request req;

	memset(&req, 0, sizeof(req));
	snprintf(req.peer, sizeof(req.peer), "node-b");
	memcpy(&req.relay, &relay_addr, sizeof(relay_addr));
	req.relay_len = sizeof(relay_addr);
	snprintf(req.relay_text, sizeof(req.relay_text), "%s", relay_text);
	req.ticket = *t;
	return req;
}

static void issue(const uint8_t *n1, const uint8_t *n2, uint64_t expiry,
		  struct burrow_relay_ticket *t)
{
	char err[256];

	assert_int_equal(burrow_relay_ticket_issue(coord.private_key_pem, relay_id.public_key, n1, n2,
						   expiry, t, err, sizeof(err)), 0);
}

/* node-b's relay status, as `burrowd status -j` has it. */
static char *relay_status(void)
{
	static char buf[2048];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	burrowd_relay_use_write_status(&d, peer_b.public_key, f, true);
	fclose(f);
	return buf;
}

static bool refused_seen(void)
{
	return strstr(relay_status(), "\"state\":\"refused\"") != NULL;
}

static bool admitted_seen(void)
{
	return strstr(relay_status(), "\"state\":\"admitted\"") != NULL;
}

/* The relay's endpoint refuses ALPN burrow/1, so the session does not last: its dial is what counts. */
static bool session_dialled(void)
{
	return dialled_ticket != 0;
}

/* A node that is no relay: burrow-relay/1 is dial-only, not accepted. */
static void test_dial_only(void **state)
{
	struct burrow_alpn_registry r = { 0 };
	struct burrowd other = { 0 };

	(void)state;
	assert_int_equal(burrow_alpn_register(&r, BURROW_QUIC_ALPN, &refuse_callbacks, NULL), 0);
	assert_int_equal(burrowd_relay_use_register_alpn(&other, &r, NULL, NULL), 0);
	assert_true(burrow_alpn_find(&r, BURROW_RELAY_ALPN)->dial_only);
	assert_null(burrow_alpn_accept_list(&r)[0]);
	burrowd_relay_use_free(&other);
}

static void test_start_checks(void **state)
{
	struct burrowd_relay_use_request req;
	struct burrow_relay_ticket t;
	uint64_t now = (uint64_t)time(NULL);
	char err[400];

	(void)state;
	/* a pair without node-b */
	issue(node_a.public_key, node_c.public_key, now + 300, &t);
	req = request_for(&t);
	assert_int_equal(burrowd_relay_use_start(&d, &req, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is not for this node and node-b"));
	/* a pair without this node */
	issue(node_b.public_key, node_c.public_key, now + 300, &t);
	req = request_for(&t);
	assert_int_equal(burrowd_relay_use_start(&d, &req, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is not for this node and node-b"));
	/* expired */
	issue(node_a.public_key, node_b.public_key, now + 300, &t);
	t.expiry = now - 1;
	req = request_for(&t);
	assert_int_equal(burrowd_relay_use_start(&d, &req, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "has expired"));
	/* no such peer */
	issue(node_a.public_key, node_b.public_key, now + 300, &t);
	req = request_for(&t);
	snprintf(req.peer, sizeof(req.peer), "node-x");
	assert_int_equal(burrowd_relay_use_start(&d, &req, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "no peer named 'node-x'");
	assert_string_equal(relay_status(), "");	/* nothing started */
}

static void test_forged_refused(void **state)
{
	struct burrowd_relay_use_request req;
	struct burrow_relay_ticket t;
	const struct sockaddr *via;
	socklen_t via_len;
	uint32_t id;
	char err[400], expected[128];

	(void)state;
	issue(node_a.public_key, node_b.public_key, (uint64_t)time(NULL) + 300, &t);
	t.sig[10] ^= 1;
	req = request_for(&t);
	assert_int_equal(burrowd_relay_use_start(&d, &req, err, sizeof(err)), 0);
	assert_true(run_until(refused_seen));
	snprintf(expected, sizeof(expected), "refused by relay %s: bad signature", relay_text);
	if (!strstr(relay_status(), expected))
		fail_msg("status: %s", relay_status());
	assert_non_null(strstr(last_event, "relay-refused: node-b: ticket"));
	assert_false(burrowd_relay_path(&d, peer_b.public_key, &via, &via_len, &id));
	assert_int_equal(burrow_relay_counters(relay)->refused[BURROW_RELAY_TICKET_BAD_SIGNATURE], 1);
	assert_null(peer_b.session);
}

static void test_waiting_then_relaying(void **state)
{
	struct burrowd_relay_use_request req;
	struct burrow_relay_ticket t;
	const struct sockaddr *via;
	socklen_t via_len;
	uint8_t raw[BURROW_RELAY_TICKET_LEN];
	struct sockaddr_in b_from = { .sin_family = AF_INET, .sin_port = htons(4000),
				      .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	const char *why;
	uint32_t id;
	char err[400];

	(void)state;
	/* the first of the pair: admitted, told to wait, nothing dialled */
	issue(node_a.public_key, node_b.public_key, (uint64_t)time(NULL) + 300, &t);
	req = request_for(&t);
	assert_int_equal(burrowd_relay_use_start(&d, &req, err, sizeof(err)), 0);
	assert_true(run_until(admitted_seen));
	assert_non_null(strstr(relay_status(), "\"answer\":\"waiting for the other party\""));
	assert_true(burrowd_relay_path(&d, peer_b.public_key, &via, &via_len, &id));
	assert_int_equal(id, t.id);
	assert_memory_equal(via, &relay_addr, sizeof(relay_addr));
	assert_int_equal(n_installed, 0);
	assert_null(peer_b.session);

	/* a new ticket whose other party is bound already: relaying, node-b dialled through it */
	issue(node_a.public_key, node_b.public_key, (uint64_t)time(NULL) + 300, &t);
	assert_int_equal(burrow_relay_ticket_encode(&t, raw), 0);
	assert_int_equal(burrow_relay_admit(relay, node_b.public_key, (struct sockaddr *)&b_from,
					    raw, sizeof(raw), (uint64_t)time(NULL), &why), 0);
	req = request_for(&t);
	assert_int_equal(burrowd_relay_use_start(&d, &req, err, sizeof(err)), 0);
	assert_true(run_until(session_dialled));
	assert_non_null(strstr(relay_status(), "\"answer\":\"relaying\""));
	assert_int_equal(dialled_ticket, t.id);
	/* the relay bound this node at the port it dialled from: burrowd's own */
	assert_int_equal(n_installed, 1);
	assert_int_equal(installed[0].ticket, t.id);
	if (installed[0].a.port != ntohs(node_addr.sin_port) &&
	    installed[0].b.port != ntohs(node_addr.sin_port))
		fail_msg("the relay bound ports %u and %u, burrowd's is %u", installed[0].a.port,
			 installed[0].b.port, ntohs(node_addr.sin_port));
}

/* ---- the coordinator through a relay (brief D12) ---------------------------------- */

static int coord_answers;
static bool coord_ok;
static char coord_text[400];

static void coord_done(void *arg, bool ok, const char *text)
{
	assert_ptr_equal(arg, &coord_answers);
	coord_answers++;
	coord_ok = ok;
	snprintf(coord_text, sizeof(coord_text), "%s", text);
}

static int answers_wanted;

static bool coord_answered(void)
{
	return coord_answers >= answers_wanted;
}

static const char *coord_state(const char **answer, const char **error)
{
	return burrowd_relay_use_coordinator_state(&d, coord.public_key, answer, error);
}

static struct burrowd_relay_use_request coord_request(const struct burrow_relay_ticket *t)
{
	struct burrowd_relay_use_request req = request_for(t);

	snprintf(req.peer, sizeof(req.peer), "coordinator");
	return req;
}

/* A refused control ticket: done says so, with the relay's reason; nothing is retried. */
static void test_coordinator_refused(void **state)
{
	struct burrowd_relay_use_request req;
	struct burrow_relay_ticket t;
	const char *answer, *error;
	char expected[128];

	(void)state;
	assert_null(coord_state(&answer, &error));
	issue(node_a.public_key, coord.public_key, (uint64_t)time(NULL) + 300, &t);
	t.sig[3] ^= 1;
	req = coord_request(&t);
	coord_answers = 0;
	answers_wanted = 1;
	assert_int_equal(burrowd_relay_use_coordinator(&d, coord.public_key, &req, coord_done,
						       &coord_answers), 0);
	assert_true(run_until(coord_answered));
	assert_false(coord_ok);
	snprintf(expected, sizeof(expected), "refused by relay %s: bad signature", relay_text);
	assert_string_equal(coord_text, expected);
	assert_string_equal(coord_state(&answer, &error), "refused");
	assert_string_equal(error, expected);
	/* not a peer's relay: node-b's status and path are untouched by it */
	assert_null(strstr(relay_status(), "coordinator"));
	/* and nothing retried on its own (the mesh's backoff decides) */
	answers_wanted = 2;
	assert_false(run_until_ms(coord_answered, 300));
	assert_int_equal(coord_answers, 1);
}

/*
 * The node presents its control ticket before the coordinator has bound:
 * OK, waiting; then the coordinator's side bound (RELAY_BIND's admission,
 * the coordinator's key from its address) installs the entry with this
 * node's own port; presenting it again (a redial) is answered "relaying".
 */
static void test_coordinator_waiting_then_bound(void **state)
{
	struct burrowd_relay_use_request req;
	struct burrow_relay_ticket t;
	struct sockaddr_in coord_from = { .sin_family = AF_INET, .sin_port = htons(7443),
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	uint8_t raw[BURROW_RELAY_TICKET_LEN];
	const char *answer, *error, *why;
	size_t before = n_installed;

	(void)state;
	issue(node_a.public_key, coord.public_key, (uint64_t)time(NULL) + 300, &t);
	req = coord_request(&t);
	coord_answers = 0;
	answers_wanted = 1;
	assert_int_equal(burrowd_relay_use_coordinator(&d, coord.public_key, &req, coord_done,
						       &coord_answers), 0);
	assert_true(run_until(coord_answered));
	assert_true(coord_ok);
	assert_string_equal(coord_text, "waiting for the other party");
	assert_string_equal(coord_state(&answer, &error), "admitted");
	assert_string_equal(error, "");
	assert_int_equal(n_installed, before);

	assert_int_equal(burrow_relay_ticket_encode(&t, raw), 0);
	assert_int_equal(burrow_relay_admit(relay, coord.public_key, (struct sockaddr *)&coord_from,
					    raw, sizeof(raw), (uint64_t)time(NULL), &why), 0);
	assert_string_equal(why, "relaying");
	assert_int_equal(n_installed, before + 1);
	assert_int_equal(installed[before].ticket, t.id);
	if (installed[before].a.port != ntohs(node_addr.sin_port) &&
	    installed[before].b.port != ntohs(node_addr.sin_port))
		fail_msg("the relay bound ports %u and %u, burrowd's is %u",
			 installed[before].a.port, installed[before].b.port,
			 ntohs(node_addr.sin_port));
	if (installed[before].a.port != 7443 && installed[before].b.port != 7443)
		fail_msg("the coordinator's port 7443 is not bound");

	/* a redial presents the same ticket again */
	answers_wanted = 2;
	assert_int_equal(burrowd_relay_use_coordinator(&d, coord.public_key, &req, coord_done,
						       &coord_answers), 0);
	assert_true(run_until(coord_answered));
	assert_true(coord_ok);
	assert_string_equal(coord_text, "relaying");
	assert_int_equal(n_installed, before + 1);	/* the same address: nothing new */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_parse_malformed_ticket),
		cmocka_unit_test(test_line_round_trip),
		cmocka_unit_test(test_line_refused),
	};

	const struct CMUnitTest quic_tests[] = {
		cmocka_unit_test(test_dial_only),
		cmocka_unit_test(test_start_checks),
		cmocka_unit_test(test_forged_refused),
		cmocka_unit_test(test_waiting_then_relaying),
		cmocka_unit_test(test_coordinator_refused),
		cmocka_unit_test(test_coordinator_waiting_then_bound),
	};

	return cmocka_run_group_tests(tests, setup, NULL) |
	       cmocka_run_group_tests(quic_tests, quic_setup, NULL);
}
