// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd QUIC endpoint, everything it must refuse or survive (harness in
 * quic_harness.h): a wrong pinned server key, authorize refusing on either
 * side, an ALPN other than burrow/1, garbage and truncated Initials, a flood
 * of Initials, unknown QUIC versions, bad settings.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "quic.h"
#include "quic_harness.h"
#include "quic_internal.h"	/* QUIC_RETRY_THRESHOLD */

static void test_wrong_pinned_key(void **state)
{
	uint8_t other[32];

	(void)state;
	memcpy(other, server_side.pub, 32);
	other[0] ^= 1;
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, NULL);
	connect_client(other);
	assert_true(run_until(client_closed));
	assert_non_null(strstr(client_side.closed_reason, "server public key mismatch"));
	assert_int_equal(client_side.established, 0);
	assert_int_equal(client_side.authorize_calls, 0);
	assert_int_equal(server_side.established, 0);
	assert_int_equal(server_side.authorize_calls, 0);
	assert_int_equal(server_side.closed, 0);   /* never authorized: silent */
}

static void test_server_refuses_client_key(void **state)
{
	(void)state;
	server_side.refuse_all = true;
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, NULL);
	connect_client(server_side.pub);
	assert_true(run_until(client_closed));
	assert_int_equal(server_side.authorize_calls, 1);
	assert_int_equal(server_side.established, 0);
	assert_int_equal(server_side.closed, 0);
	/* The server's reason travels in its CONNECTION_CLOSE. */
	assert_non_null(strstr(client_side.closed_reason, "peer closed"));
	assert_non_null(strstr(client_side.closed_reason, "refused"));
}

static void test_client_authorize_refuses(void **state)
{
	(void)state;
	client_side.refuse_all = true;
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, NULL);
	connect_client(server_side.pub);
	assert_true(run_until(client_closed));
	assert_int_equal(client_side.authorize_calls, 1);
	assert_int_equal(client_side.established, 0);
	assert_non_null(strstr(client_side.closed_reason, "refused"));
	assert_int_equal(server_side.authorize_calls, 0);
}

static void test_alpn_mismatch(void **state)
{
	(void)state;
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, "burrow/0");
	connect_client(server_side.pub);
	if (!run_until(client_closed))
		fail_msg("client not closed; established %d/%d, server last error '%s'",
			 client_side.established, server_side.established,
			 burrow_quic_endpoint_last_error(server_side.ep));
	/* no_application_protocol, with GnuTLS's description as the phrase */
	if (!strstr(client_side.closed_reason, "TLS alert 120") ||
	    !strstr(client_side.closed_reason, "application protocol"))
		fail_msg("client reason: %s", client_side.closed_reason);
	assert_int_equal(client_side.established + server_side.established, 0);
	assert_int_equal(server_side.authorize_calls, 0);
}

/*
 * A client that sends no ALPN extension at all. GnuTLS's MANDATORY flag
 * lets the server finish the handshake; burrowd must then close with
 * no_application_protocol (QUIC error 0x0178 = 0x100 + TLS alert 120,
 * RFC 9001 §8.1), not a generic INTERNAL_ERROR (0x01).
 */
static void test_no_alpn_closed_with_0x0178(void **state)
{
	(void)state;
	side_start(&server_side, "server", 0, NULL);
	client_side.no_alpn = true;
	side_start(&client_side, "client", 0, NULL);
	connect_client(server_side.pub);
	if (!run_until(client_closed))
		fail_msg("client not closed; established %d/%d, server last error '%s'",
			 client_side.established, server_side.established,
			 burrow_quic_endpoint_last_error(server_side.ep));
	if (!strstr(client_side.closed_reason, "TLS alert 120"))
		fail_msg("client reason: %s", client_side.closed_reason);
	assert_int_equal(server_side.established, 0);
}

static void test_garbage_ignored(void **state)
{
	struct sockaddr_in sink_addr;
	int sink = udp_socket(&sink_addr);
	int raw = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct burrow_quic_conn *conn = NULL;
	uint8_t initial[2048], junk[1500];
	struct pollfd pfd = { .fd = sink, .events = POLLIN };
	ssize_t ilen;
	size_t i;
	int round;

	(void)state;
	assert_true(raw >= 0);
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, NULL);

	/* A real client Initial, caught by a sink socket. */
	assert_int_equal(burrow_quic_connect(client_side.ep, (struct sockaddr *)&sink_addr,
					     sizeof(sink_addr), server_side.pub, &client_side,
					     &conn), 0);
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	ilen = recv(sink, initial, sizeof(initial), 0);
	assert_true(ilen >= 1200);

	for (round = 0; round < 50; round++) {
		size_t len = 1 + (size_t)round * 29 % sizeof(junk);

		assert_int_equal(gnutls_rnd(GNUTLS_RND_NONCE, junk, len), 0);
		if (round % 5 == 0)
			junk[0] = 0xc0 | (junk[0] & 0x0f);   /* long header bit set */
		if (round % 5 == 1 && len > 5)
			memcpy(junk + 1, "\0\0\0\1", 4);      /* QUIC v1 long header */
		send_raw(raw, &server_side.addr, junk, len);
		send_raw(raw, &client_side.addr, junk, len);
	}
	/* Truncated Initials and one with a corrupted payload. */
	send_raw(raw, &server_side.addr, initial, 1);
	send_raw(raw, &server_side.addr, initial, 7);
	send_raw(raw, &server_side.addr, initial, 60);
	send_raw(raw, &server_side.addr, initial, 1199);
	send_raw(raw, &server_side.addr, initial, (size_t)ilen - 1);
	for (i = 200; i < 260; i++)
		initial[i] ^= 0x5a;
	send_raw(raw, &server_side.addr, initial, (size_t)ilen);
	send_raw(raw, &server_side.addr, initial, 0);
	assert_true(run_until(server_drained));
	assert_int_equal(server_side.authorize_calls + server_side.established, 0);
	assert_int_equal(server_side.closed + client_side.closed, 0);

	/* Both endpoints still work. */
	burrow_quic_close(conn, 0, "test done");
	connect_client(server_side.pub);
	assert_true(run_until(both_established));
	assert_int_equal(server_side.authorize_calls, 1);
	close(raw);
	close(sink);
}

/*
 * A flood of valid-looking client Initials (replayed from 80 real ones the
 * server never hears the rest of, from an address that never answers):
 * the first QUIC_RETRY_THRESHOLD get state, the rest only a Retry, so the
 * flood holds 16 pending handshakes, not 80; a real client still gets
 * through, by way of a Retry of its own.
 */
static void test_initial_flood(void **state)
{
	enum { FLOOD = 80 };
	struct sockaddr_in sink_addr;
	int sink = udp_socket(&sink_addr);
	int raw = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct pollfd pfd = { .fd = sink, .events = POLLIN };
	uint8_t initial[2048];
	struct burrow_quic_conn *conn;
	int i, sent = 0;

	(void)state;
	assert_true(raw >= 0);
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, NULL);
	for (i = 0; i < FLOOD; i++)
		assert_int_equal(burrow_quic_connect(client_side.ep,
						     (struct sockaddr *)&sink_addr,
						     sizeof(sink_addr), server_side.pub,
						     &client_side, &conn), 0);
	/* Each connection's first datagram is its Initial (new DCID each). */
	while (sent < FLOOD && poll(&pfd, 1, 5000) == 1) {
		ssize_t n = recv(sink, initial, sizeof(initial), 0);

		assert_true(n >= 1200);
		send_raw(raw, &server_side.addr, initial, (size_t)n);
		sent++;
	}
	assert_int_equal(sent, FLOOD);
	assert_true(run_until(server_drained));
	assert_int_equal(burrow_quic_endpoint_pending(server_side.ep), QUIC_RETRY_THRESHOLD);
	assert_int_equal(burrow_quic_endpoint_retries(server_side.ep), FLOOD - QUIC_RETRY_THRESHOLD);
	assert_null(strstr(burrow_quic_endpoint_last_error(server_side.ep), "too many handshakes"));
	assert_int_equal(server_side.authorize_calls, 0);

	connect_client(server_side.pub);
	assert_true(run_until(both_established));
	assert_int_equal(server_side.authorize_calls, 1);
	assert_int_equal(burrow_quic_endpoint_retries(server_side.ep),
			 FLOOD - QUIC_RETRY_THRESHOLD + 1);
	close(raw);
	close(sink);
}

/* Receive one datagram on fd within 5 s into buf; its length. */
static size_t recv_one(int fd, uint8_t *buf, size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	assert_int_equal(poll(&pfd, 1, 5000), 1);
	n = recv(fd, buf, size, 0);
	assert_true(n > 0);
	return (size_t)n;
}

/* Offset and length of a long-header packet's token (RFC 9000 §17.2.2). */
static size_t initial_token(const uint8_t *pkt, size_t len, size_t *token_len)
{
	size_t off = 5, n;

	off += 1 + pkt[off];			/* DCID length, DCID */
	off += 1 + pkt[off];			/* SCID length, SCID */
	assert_true(off < len);
	n = (size_t)1 << (pkt[off] >> 6);	/* varint length */
	*token_len = pkt[off] & 0x3f;
	for (size_t i = 1; i < n; i++)
		*token_len = (*token_len << 8) | pkt[off + i];
	assert_true(off + n + *token_len <= len);
	return off + n;
}

/*
 * The Retry token is the proof that a client receives at its address, so
 * it must hold only for that address and only as the server sealed it.
 * With the pending table at QUIC_RETRY_THRESHOLD (spoofed Initials), a
 * client gets a Retry through a path the test controls (client -> sink ->
 * socket "via" -> server). Its second Initial, carrying the token, is then
 * sent from another address and, with one token byte changed, from the
 * right one: both are dropped without state or answer and counted. The
 * untouched Initial from the right address is accepted.
 */
static void test_retry_token_bound(void **state)
{
	struct sockaddr_in sink_addr, via_addr;
	int sink = udp_socket(&sink_addr);
	int via = udp_socket(&via_addr);
	int raw = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint8_t pkt[2048], forged[2048];
	struct burrow_quic_conn *conn;
	size_t n, token_off, token_len;
	uint64_t retries;
	int i;

	(void)state;
	assert_true(raw >= 0);
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, NULL);
	/* Fill the unvalidated slots with Initials from raw. */
	for (i = 0; i < QUIC_RETRY_THRESHOLD; i++) {
		assert_int_equal(burrow_quic_connect(client_side.ep, (struct sockaddr *)&sink_addr,
						     sizeof(sink_addr), server_side.pub,
						     &client_side, &conn), 0);
		n = recv_one(sink, pkt, sizeof(pkt));
		send_raw(raw, &server_side.addr, pkt, n);
	}
	assert_true(run_until(server_drained));
	assert_int_equal(burrow_quic_endpoint_pending(server_side.ep), QUIC_RETRY_THRESHOLD);
	retries = burrow_quic_endpoint_retries(server_side.ep);

	/* One more client: its Initial reaches the server from via. */
	assert_int_equal(burrow_quic_connect(client_side.ep, (struct sockaddr *)&sink_addr,
					     sizeof(sink_addr), server_side.pub, &client_side,
					     &conn), 0);
	n = recv_one(sink, pkt, sizeof(pkt));
	send_raw(via, &server_side.addr, pkt, n);
	assert_int_equal(burrow_quic_endpoint_read(server_side.ep), 0);
	assert_int_equal(burrow_quic_endpoint_retries(server_side.ep), retries + 1);
	n = recv_one(via, pkt, sizeof(pkt));		/* the Retry */
	assert_int_equal(pkt[0] & 0xf0, 0xf0);		/* long header, type Retry */
	/* Back to the client from the address it dialed. */
	{
		struct sockaddr_in client_addr = client_side.addr;

		assert_int_equal(sendto(sink, pkt, n, 0, (struct sockaddr *)&client_addr,
					sizeof(client_addr)), (ssize_t)n);
	}
	assert_int_equal(burrow_quic_endpoint_read(client_side.ep), 0);
	n = recv_one(sink, pkt, sizeof(pkt));		/* Initial with the token */
	token_off = initial_token(pkt, n, &token_len);
	assert_true(token_len > 0);

	/* From another address: the token is bound to via's. */
	send_raw(raw, &server_side.addr, pkt, n);
	assert_int_equal(burrow_quic_endpoint_read(server_side.ep), 0);
	assert_int_equal(burrow_quic_endpoint_retry_tokens_refused(server_side.ep), 1);
	assert_int_equal(burrow_quic_endpoint_pending(server_side.ep), QUIC_RETRY_THRESHOLD);

	/* From the right address, one token byte changed. */
	memcpy(forged, pkt, n);
	forged[token_off + token_len - 1] ^= 0x01;
	send_raw(via, &server_side.addr, forged, n);
	assert_int_equal(burrow_quic_endpoint_read(server_side.ep), 0);
	assert_int_equal(burrow_quic_endpoint_retry_tokens_refused(server_side.ep), 2);
	assert_int_equal(burrow_quic_endpoint_pending(server_side.ep), QUIC_RETRY_THRESHOLD);
	assert_int_equal(burrow_quic_endpoint_retries(server_side.ep), retries + 1);

	/* Unchanged, from the right address: validated, a handshake slot. */
	send_raw(via, &server_side.addr, pkt, n);
	assert_int_equal(burrow_quic_endpoint_read(server_side.ep), 0);
	assert_int_equal(burrow_quic_endpoint_retry_tokens_refused(server_side.ep), 2);
	assert_int_equal(burrow_quic_endpoint_pending(server_side.ep), QUIC_RETRY_THRESHOLD + 1);
	close(raw);
	close(via);
	close(sink);
}

static bool hundred_established(void)
{
	return client_side.established == 100 && server_side.established == 100;
}

/*
 * 100 real clients dial at once (a coordinator's nodes after it restarts,
 * 100 `burrowd connect`s): every one gets through. With a bare bound of 64
 * pending handshakes the oldest were evicted mid-handshake and timed out;
 * past QUIC_RETRY_THRESHOLD they now validate their address with a Retry
 * and wait in a table with room for them.
 */
static void test_handshake_burst(void **state)
{
	struct burrow_quic_conn *conn;

	(void)state;
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, NULL);
	for (int i = 0; i < 100; i++)
		assert_int_equal(burrow_quic_connect(client_side.ep,
						     (struct sockaddr *)&server_side.addr,
						     sizeof(server_side.addr), server_side.pub,
						     &client_side, &conn), 0);
	if (!run_until(hundred_established))
		fail_msg("%d of 100 clients established, server %d; last error: %s",
			 client_side.established, server_side.established,
			 burrow_quic_endpoint_last_error(server_side.ep));
	assert_int_equal(client_side.closed, 0);
	/* None was dropped half-way (they would have got through on their
	 * Initial's retransmission, a PTO later: a second in a real network,
	 * several in an emulated one, where burrowd connect gave up). */
	assert_null(strstr(burrow_quic_endpoint_last_error(server_side.ep), "too many handshakes"));
	assert_true(burrow_quic_endpoint_retries(server_side.ep) > 0);
	assert_int_equal(burrow_quic_endpoint_pending(server_side.ep), 0);
}

/* An unknown version in a full-size long header gets Version Negotiation
 * listing v1 with the CIDs mirrored; a short one gets nothing. */
static void test_version_negotiation(void **state)
{
	struct sockaddr_in me;
	int fd = udp_socket(&me);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t pkt[1200] = { 0xc0, 0x1a, 0x2a, 0x3a, 0x4a,
			      8, 1, 2, 3, 4, 5, 6, 7, 8,        /* DCID */
			      4, 0xa, 0xb, 0xc, 0xd };          /* SCID */
	uint8_t reply[256];
	ssize_t n;

	(void)state;
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, NULL);    /* run_until drives both */
	send_raw(fd, &server_side.addr, pkt, 1199);     /* too small: no reply */
	send_raw(fd, &server_side.addr, pkt, sizeof(pkt));
	assert_true(run_until(server_drained));
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	n = recv(fd, reply, sizeof(reply), 0);
	/* header(1) version(4) dcidlen dcid(4) scidlen scid(8) versions(4) */
	assert_int_equal(n, 1 + 4 + 1 + 4 + 1 + 8 + 4);
	assert_true(reply[0] & 0x80);
	assert_memory_equal(reply + 1, "\0\0\0\0", 4);
	assert_int_equal(reply[5], 4);
	assert_memory_equal(reply + 6, pkt + 15, 4);    /* their SCID is our DCID */
	assert_int_equal(reply[10], 8);
	assert_memory_equal(reply + 11, pkt + 6, 8);
	assert_memory_equal(reply + 19, "\0\0\0\1", 4);
	/* Exactly one reply: the 1199-byte packet got none. */
	assert_int_equal(recv(fd, reply, sizeof(reply), MSG_DONTWAIT), -1);
	assert_int_equal(server_side.authorize_calls, 0);
	close(fd);
}

/* Nobody answers: the client gives up after its handshake timeout, long
 * before the (default, 30 s) idle timeout. */
static void test_handshake_timeout(void **state)
{
	struct sockaddr_in sink_addr;
	int sink = udp_socket(&sink_addr);
	struct burrow_quic_conn *conn = NULL;

	(void)state;
	client_side.handshake_timeout_ms = 500;
	side_start(&server_side, "server", 0, NULL);
	side_start(&client_side, "client", 0, NULL);
	assert_int_equal(burrow_quic_connect(client_side.ep, (struct sockaddr *)&sink_addr,
					     sizeof(sink_addr), server_side.pub, &client_side,
					     &conn), 0);
	assert_true(run_until(client_closed));
	assert_string_equal(client_side.closed_reason, "handshake timeout");
	assert_int_equal(client_side.established, 0);
	close(sink);
}

static void test_bad_settings(void **state)
{
	struct burrow_quic_settings settings = { .private_key_pem = "not a key" };
	struct sockaddr_in addr;
	int fd = udp_socket(&addr);
	gnutls_x509_privkey_t rsa;
	gnutls_datum_t pem;

	(void)state;
	assert_null(burrow_quic_endpoint_new(fd, &settings, &callbacks, NULL));
	assert_non_null(strstr(burrow_quic_setup_error(), "private key"));
	settings.private_key_pem = NULL;
	assert_null(burrow_quic_endpoint_new(fd, &settings, &callbacks, NULL));
	assert_non_null(strstr(burrow_quic_setup_error(), "no private key"));

	/* A valid PKCS#8 key of the wrong type. */
	assert_int_equal(gnutls_x509_privkey_init(&rsa), 0);
	assert_int_equal(gnutls_x509_privkey_generate2(rsa, GNUTLS_PK_ECDSA,
						       GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
						       0, NULL, 0), 0);
	assert_int_equal(gnutls_x509_privkey_export2_pkcs8(rsa, GNUTLS_X509_FMT_PEM, NULL,
							   GNUTLS_PKCS_PLAIN, &pem), 0);
	settings.private_key_pem = (const char *)pem.data;
	assert_null(burrow_quic_endpoint_new(fd, &settings, &callbacks, NULL));
	assert_non_null(strstr(burrow_quic_setup_error(), "not Ed25519"));
	gnutls_free(pem.data);
	gnutls_x509_privkey_deinit(rsa);

	settings.private_key_pem = client_side.key_pem;
	settings.alpn = "";
	assert_null(burrow_quic_endpoint_new(fd, &settings, &callbacks, NULL));
	assert_non_null(strstr(burrow_quic_setup_error(), "ALPN"));
	assert_null(burrow_quic_endpoint_new(-1, &(struct burrow_quic_settings){
		.private_key_pem = client_side.key_pem }, &callbacks, NULL));
	assert_non_null(strstr(burrow_quic_setup_error(), "UDP socket -1"));
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wrong_pinned_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_refuses_client_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_authorize_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alpn_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_alpn_closed_with_0x0178, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initial_flood, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_token_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_negotiation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_settings, setup, teardown),
	};

	return quic_run_tests("quic", tests, sizeof(tests) / sizeof(tests[0]));
}
