// SPDX-License-Identifier: GPL-2.0
/*
 * Capsules a peer sends before its session is current (RFC 9297 §3.2
 * "SHOULD be avoided"): session.c holds them unprocessed until the QUIC
 * handshake is reported complete, and QUIC credit keeps flowing meanwhile,
 * so what it holds must be capped (16448 bytes), and going past the cap
 * closes the connection with application error 2 naming the limit.
 *
 * Over a real connection the window is too short to fill: ngtcp2 reports
 * the handshake complete with the datagram that carries the client's
 * Finished. So this drives session.c's QUIC callbacks directly: authorize
 * as a server for a configured peer, then stream data with no established
 * callback. The connection is a zeroed burrow_quic_conn whose endpoint is
 * "busy", so burrow_quic_close() only records the close (quic_close.c).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "quic_internal.h"
#include "session.h"

#define CAP 16448	/* documented in docs/security.md */

static struct burrowd daemon_;
static struct burrowd_peer peer;
static struct burrow_quic_endpoint fake_ep;
static struct burrow_quic_conn fake_conn;
static char last_event[512];
static struct burrow_loop *test_loop;

static void on_event(struct burrowd *d, const struct burrowd_peer *p, const char *kind,
		     const char *text)
{
	(void)d;
	(void)p;
	snprintf(last_event, sizeof(last_event), "%s: %s", kind, text);
}

static void *authorize_server_session(void)
{
	struct sockaddr_in from = { .sin_family = AF_INET, .sin_port = htons(51821) };
	void *user = NULL;

	memset(&daemon_, 0, sizeof(daemon_));
	memset(&peer, 0, sizeof(peer));
	memset(&fake_ep, 0, sizeof(fake_ep));
	memset(&fake_conn, 0, sizeof(fake_conn));
	last_event[0] = '\0';
	from.sin_addr.s_addr = htonl(0xc6336403);	/* 198.51.100.3 */
	peer.d = &daemon_;
	snprintf(peer.name, sizeof(peer.name), "m3");
	memset(peer.public_key, 0x33, sizeof(peer.public_key));
	daemon_.peers = &peer;
	daemon_.n_peers = 1;
	daemon_.quic = &fake_ep;
	/* A recorded close re-arms the QUIC timer: it needs a loop. */
	if (!test_loop)
		test_loop = burrow_loop_new(NULL, NULL);
	assert_non_null(test_loop);
	daemon_.loop = test_loop;
	daemon_.on_event = on_event;
	daemon_.stopping = true;	/* no reconnect timers */
	fake_ep.busy = 1;		/* burrow_quic_close only records */
	fake_conn.ep = &fake_ep;
	assert_int_equal(burrowd_quic_callbacks.authorize(peer.public_key,
							  (const struct sockaddr *)&from, &user,
							  &daemon_), 0);
	assert_non_null(user);
	assert_ptr_equal(peer.session, user);
	return user;
}

static void feed(void *user, const uint8_t *data, size_t len)
{
	burrowd_quic_callbacks.stream_data(&fake_conn, 0, data, len, false, user);
}

/* 1000-byte chunks of empty ROUTE_ADVERTISEMENT capsules (0x03, length 0)
 * before the handshake is reported complete: nothing happens up to the
 * cap; the chunk that passes it closes the connection. */
static void test_held_capsules_capped(void **state)
{
	uint8_t chunk[1000];
	void *user = authorize_server_session();
	size_t sent = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(chunk); i += 2) {
		chunk[i] = 0x03;
		chunk[i + 1] = 0x00;
	}
	while (sent + sizeof(chunk) <= CAP) {
		feed(user, chunk, sizeof(chunk));
		sent += sizeof(chunk);
		assert_false(fake_conn.close_requested);
	}
	feed(user, chunk, sizeof(chunk));
	sent += sizeof(chunk);
	if (!fake_conn.close_requested)
		fail_msg("%zu bytes of capsules held before the session is up, no close", sent);
	assert_int_equal(fake_conn.close_app_error, 2);
	assert_string_equal(fake_conn.close_reason,
			    "more than 16448 bytes of capsules before the session is up");
	assert_non_null(strstr(last_event, "malformed: more than 16448 bytes of capsules "
				"before the session is up from m3"));
	/* Closing: nothing more is buffered. */
	feed(user, chunk, sizeof(chunk));
	burrowd_quic_callbacks.closed(&fake_conn, "local close", user);
	assert_null(peer.session);
}

/* A HELLO-sized start (600 bytes held) is well inside the cap. */
static void test_small_start_held(void **state)
{
	uint8_t start[600];
	void *user = authorize_server_session();

	(void)state;
	for (size_t i = 0; i < sizeof(start); i += 2) {
		start[i] = 0x03;
		start[i + 1] = 0x00;
	}
	feed(user, start, sizeof(start));
	assert_false(fake_conn.close_requested);
	burrowd_quic_callbacks.closed(&fake_conn, "local close", user);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_capsules_capped),
		cmocka_unit_test(test_small_start_held),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
