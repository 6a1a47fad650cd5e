// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the HELLO value decoder, and the parameter choice on
 * what it accepts. Invariants: a decoded HELLO passes the encoder's own
 * rules and re-decodes to the same struct; selection is deterministic and
 * never picks something one side did not offer (an l2 session's segments
 * are listed by both sides).
 *
 * Then the input as a control stream: its first capsule must be a HELLO;
 * when it decodes and a session would be chosen, the negotiated MTU starts
 * the session and every following capsule goes through burrowd's
 * negotiation state machine (neg_harness.c, invariants in neg_harness.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capsule.h"
#include "hello.h"
#include "neg_harness.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	neg_harness_init();
	return 0;
}

static const struct burrow_hello *other_hello(void)
{
	static struct burrow_hello other;

	memset(&other, 0, sizeof(other));
	other.version = 1;
	strcpy(other.name, "other");
	other.peer_id = 1;
	other.ciphers[0] = 0;
	other.ciphers[1] = 2;
	other.n_ciphers = 2;
	other.encaps[0] = 0;
	other.n_encaps = 1;
	other.mtu = 1420;
	return &other;
}

/* HELLO capsule first, then negotiation; see the file comment. */
static void session(const uint8_t *data, size_t size)
{
	struct burrow_capsule c;
	struct burrow_hello h;
	struct burrow_session_params p;
	char why[200];
	int n = burrow_capsule_parse(data, size, &c);

	if (n <= 0 || c.type != BURROW_CAPSULE_HELLO ||
	    burrow_hello_decode(c.value, c.length, &h, why, sizeof(why)) ||
	    burrow_hello_select(other_hello(), &h, &p, why, sizeof(why)))
		return;
	if (p.mtu < BURROW_HELLO_MTU_MIN)
		abort();	/* a chosen MTU is never below the IPv6 minimum */
	neg_harness_session(data + n, size - (size_t)n, p.mtu);
}

static int offered(const uint8_t *list, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == v)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct burrow_hello h, back, other;
	struct burrow_session_params p1, p2;
	uint8_t out[1024];
	char why[200];
	int n;

	session(data, size);
	if (burrow_hello_decode(data, size, &h, why, sizeof(why)))
		return 0;
	n = burrow_hello_encode(&h, out, sizeof(out), why, sizeof(why));
	if (n < 0)
		abort();
	if (burrow_hello_decode(out, (size_t)n, &back, why, sizeof(why)) ||
	    memcmp(&h, &back, sizeof(h)))
		abort();

	memset(&other, 0, sizeof(other));
	other.version = 1;
	strcpy(other.name, "other");
	other.peer_id = 1;
	other.ciphers[0] = 0;
	other.ciphers[1] = 2;
	other.n_ciphers = 2;
	other.encaps[0] = 0;
	other.n_encaps = 1;
	other.mtu = 1420;
	if (burrow_hello_select(&h, &other, &p1, why, sizeof(why)) == 0) {
		if (burrow_hello_select(&h, &other, &p2, why, sizeof(why)) ||
		    memcmp(&p1, &p2, sizeof(p1)))
			abort();
		if (!offered(h.ciphers, h.n_ciphers, p1.cipher) ||
		    !offered(other.ciphers, other.n_ciphers, p1.cipher) ||
		    !offered(h.encaps, h.n_encaps, p1.encap) || p1.mtu > h.mtu || p1.version != 1)
			abort();
	}
	/* The same against an l2 node wanting VLANs 0 and 10. */
	other.mode = BURROW_HELLO_MODE_L2;
	other.segments[0] = 0;
	other.segments[1] = 10;
	other.n_segments = 2;
	if (burrow_hello_select(&h, &other, &p1, why, sizeof(why)) == 0) {
		if (p1.mode != BURROW_HELLO_MODE_L2 || h.mode != BURROW_HELLO_MODE_L2 ||
		    !p1.n_segments)
			abort();
		for (size_t i = 0; i < p1.n_segments; i++) {
			int mine = 0, theirs = 0;

			for (size_t j = 0; j < h.n_segments; j++)
				mine |= h.segments[j] == p1.segments[i];
			for (size_t j = 0; j < other.n_segments; j++)
				theirs |= other.segments[j] == p1.segments[i];
			if (!mine || !theirs || (i && p1.segments[i] <= p1.segments[i - 1]))
				abort();
		}
	}
	return 0;
}
