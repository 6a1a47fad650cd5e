// SPDX-License-Identifier: GPL-2.0
/*
 * The relay's admission protocol over real QUIC (ALPN burrow-relay/1,
 * relay_admit.c's callbacks on a server endpoint, the kernel faked): two
 * parties of a ticket connect from their own UDP ports and send it; the
 * first is told to wait, the second completes the pair and exactly one
 * relay-new carries both ports as the relay saw them; a node outside the
 * pair and a malformed request are refused with their codes and counted.
 */
#include <time.h>

#include "quic_harness.h"
#include "relay_admit.h"

static struct burrow_nl_relay installed[4];
static size_t n_installed;

static int fake_new(void *arg, const struct burrow_nl_relay *e)
{
	(void)arg;
	assert_true(n_installed < 4);
	installed[n_installed++] = *e;
	return 0;
}

static int fake_set(void *arg, const struct burrow_nl_relay *e)
{
	(void)arg;
	(void)e;
	return 0;
}

static int fake_del(void *arg, uint32_t ticket)
{
	(void)arg;
	(void)ticket;
	return 0;
}

static struct burrow_relay *relay_under_test;

/* The server side: relay_admit's callbacks on the harness's server socket. */
static void relay_start(const uint8_t coord_pub[32])
{
	struct burrow_relay_ops ops = { .entry_new = fake_new, .entry_set = fake_set,
					.entry_del = fake_del };
	struct burrow_quic_settings settings = { .private_key_pem = server_side.key_pem,
						 .alpn = BURROW_RELAY_ALPN };

	relay_under_test = burrow_relay_new(coord_pub, server_side.pub, &ops);
	assert_non_null(relay_under_test);
	server_side.name = "relay";
	server_side.fd = udp_socket(&server_side.addr);
	server_side.ep = burrow_quic_endpoint_new(server_side.fd, &settings, &burrow_relay_callbacks,
						  relay_under_test);
	assert_non_null(server_side.ep);
}

static bool client_established(void)
{
	return client_side.established > 0;
}

/* A node with key (pem, pub) dials the relay, sends request, reads the answer. */
static void ask(struct side *node, const uint8_t *request, size_t len, unsigned *code,
		char text[256])
{
	int64_t sid;

	client_side.key_pem = strdup(node->key_pem);
	memcpy(client_side.pub, node->pub, 32);
	client_side.allowed_key = server_side.pub;
	side_start(&client_side, "node", 0, BURROW_RELAY_ALPN);
	connect_client(server_side.pub);
	if (!run_until(client_established))
		fail_msg("no handshake: %s", client_side.closed_reason);
	assert_int_equal(burrow_quic_open_stream(client_side.conn, &sid), 0);
	assert_int_equal(burrow_quic_send(client_side.conn, sid, request, len, true), 0);
	assert_true(run_until(echo_complete));
	assert_true(burrow_relay_response_parse(client_side.rx, client_side.rx_len, code, text) > 0);
}

static void node_done(void)
{
	side_stop(&client_side);
}

static struct side coord_keys, a_keys, b_keys, c_keys;

static void test_admission_over_quic(void **state)
{
	struct burrow_relay_ticket t;
	uint8_t req[BURROW_RELAY_REQUEST_LEN];
	char err[256], text[256];
	const struct burrow_relay_counters *c;
	uint16_t port_a, port_b;
	unsigned code;

	(void)state;
	make_key(&coord_keys);
	make_key(&a_keys);
	make_key(&b_keys);
	make_key(&c_keys);
	free(client_side.key_pem);	/* setup()'s; each node brings its own */
	client_side.key_pem = NULL;
	relay_start(coord_keys.pub);
	c = burrow_relay_counters(relay_under_test);
	assert_int_equal(burrow_relay_ticket_issue(coord_keys.key_pem, server_side.pub, a_keys.pub,
						   b_keys.pub, (uint64_t)time(NULL) + 300, &t, err,
						   sizeof(err)), 0);
	assert_int_equal(burrow_relay_request_encode(&t, req), BURROW_RELAY_REQUEST_LEN);

	/* the first party: admitted, nothing installed yet */
	ask(&a_keys, req, sizeof(req), &code, text);
	assert_int_equal(code, 0);
	assert_string_equal(text, "waiting for the other party");
	port_a = ntohs(client_side.addr.sin_port);
	node_done();
	assert_int_equal(n_installed, 0);

	/* the second: one relay-new with both ports as the relay saw them */
	ask(&b_keys, req, sizeof(req), &code, text);
	assert_int_equal(code, 0);
	assert_string_equal(text, "relaying");
	port_b = ntohs(client_side.addr.sin_port);
	node_done();
	assert_int_equal(n_installed, 1);
	assert_int_equal(installed[0].ticket, t.id);
	{
		bool a_first = !memcmp(t.a, a_keys.pub, 32);
		const struct burrow_nl_endpoint *ea = a_first ? &installed[0].a : &installed[0].b;
		const struct burrow_nl_endpoint *eb = a_first ? &installed[0].b : &installed[0].a;

		assert_int_equal(ea->family, AF_INET);
		assert_int_equal(ea->port, port_a);
		assert_int_equal(eb->port, port_b);
		assert_int_equal(ntohl(ea->addr.v4.s_addr), INADDR_LOOPBACK);
	}
	assert_true(installed[0].lifetime > 290 && installed[0].lifetime <= 300);

	/* a node outside the pair: refused with its code and text */
	ask(&c_keys, req, sizeof(req), &code, text);
	assert_int_equal(code, BURROW_RELAY_TICKET_NOT_A_PARTY);
	assert_string_equal(text, "not a party");
	node_done();
	/* a request of another version: malformed */
	req[0] = 9;
	ask(&a_keys, req, sizeof(req), &code, text);
	assert_int_equal(code, BURROW_RELAY_TICKET_MALFORMED);
	node_done();
	/* a truncated request (FIN early): malformed, truncated */
	req[0] = BURROW_RELAY_VERSION;
	ask(&a_keys, req, 50, &code, text);
	assert_int_equal(code, BURROW_RELAY_TICKET_MALFORMED);
	assert_string_equal(text, "truncated");
	node_done();

	assert_int_equal(c->admitted, 2);
	assert_int_equal(c->refused[BURROW_RELAY_TICKET_NOT_A_PARTY], 1);
	assert_int_equal(c->refused[BURROW_RELAY_TICKET_MALFORMED], 2);
	assert_int_equal(n_installed, 1);

	burrow_quic_endpoint_free(server_side.ep);
	server_side.ep = NULL;
	burrow_relay_free(relay_under_test);
	free(coord_keys.key_pem);
	free(a_keys.key_pem);
	free(b_keys.key_pem);
	free(c_keys.key_pem);
}

/*
 * A node's side of relaying: a connection made with
 * burrow_quic_connect_relayed sends every datagram to the relay with the
 * relay header; the relay (the harness's forwarder, which like a burrow
 * relay passes datagrams on unchanged) carries them both ways; the server
 * strips the header, answers with the same ticket, and streams work.
 * Malformed relay headers are dropped and counted.
 */
static void test_connection_through_relay(void **state)
{
	static const uint8_t hello[] = "hello through the relay";
	static const uint8_t zero_ticket[8] = { 0x02 }, short_header[3] = { 0x02, 0, 0 };
	static const uint8_t reserved[12] = { 0x02, 1, 0, 0, 0, 0, 0, 9 };
	const uint32_t ticket = 0xa1b2c3d4;
	struct burrow_quic_conn *conn = NULL;
	int64_t sid;

	(void)state;
	relay.fd = udp_socket(&relay.addr);
	relay.drop_every = 1000000;
	server_side.echo = true;
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, NULL);
	assert_int_equal(burrow_quic_connect_relayed(client_side.ep, (struct sockaddr *)&relay.addr,
						     sizeof(relay.addr), 0, server_side.pub,
						     &client_side, &conn), -EINVAL);
	assert_int_equal(burrow_quic_connect_relayed(client_side.ep, (struct sockaddr *)&relay.addr,
						     sizeof(relay.addr), ticket, server_side.pub,
						     &client_side, &conn), 0);
	assert_int_equal(burrow_quic_conn_relay_ticket(conn), ticket);
	if (!run_until(both_established))
		fail_msg("no handshake through the relay: %s / %s", client_side.closed_reason,
			 server_side.closed_reason);
	assert_int_equal(burrow_quic_open_stream(conn, &sid), 0);
	assert_int_equal(burrow_quic_send(conn, sid, hello, sizeof(hello), true), 0);
	assert_true(run_until(echo_complete));
	assert_int_equal(client_side.rx_len, sizeof(hello));
	assert_memory_equal(client_side.rx, hello, sizeof(hello));
	/* every datagram both ways carried the ticket; the server learnt it */
	assert_true(relay.with_header >= 4);
	assert_int_equal(relay.without_header, 0);
	assert_int_equal(relay.last_ticket, ticket);
	assert_int_equal(burrow_quic_conn_relay_ticket(server_side.conn), ticket);
	assert_int_equal(burrow_quic_conn_relay_ticket(client_side.conn), ticket);

	/* malformed relay headers: dropped before QUIC sees them, and counted */
	send_raw(client_side.fd, &server_side.addr, zero_ticket, sizeof(zero_ticket));
	send_raw(client_side.fd, &server_side.addr, short_header, sizeof(short_header));
	send_raw(client_side.fd, &server_side.addr, reserved, sizeof(reserved));
	assert_true(run_until(server_drained));
	assert_int_equal(burrow_quic_endpoint_relay_malformed(server_side.ep), 3);
	assert_int_equal(server_side.closed + client_side.closed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_admission_over_quic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_through_relay, setup, teardown),
	};

	return quic_run_tests("quic_relay", tests, sizeof(tests) / sizeof(tests[0]));
}
