// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the HELLO value decoder, and the parameter choice on
 * what it accepts. Invariants: a decoded HELLO passes the encoder's own
 * rules and re-decodes to the same struct; selection is deterministic and
 * never picks something one side did not offer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	return 0;
}
