// SPDX-License-Identifier: GPL-2.0
/*
 * `burrowd relay use PEER via HOST:PORT ticket BASE64` (userspace/relay_use.c):
 * the command's words and the control line the client sends, both ways;
 * every refusal names the bad word, quoted (a ticket by its first 16
 * characters only).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "burrow-encoding.h"
#include "relay_use.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_parse_malformed_ticket),
		cmocka_unit_test(test_line_round_trip),
		cmocka_unit_test(test_line_refused),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
