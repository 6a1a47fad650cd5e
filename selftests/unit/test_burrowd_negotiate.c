// SPDX-License-Identifier: GPL-2.0
/*
 * The device MTU a session needs (burrowd_negotiate_mtu): the negotiated
 * MTU, capped by what a 1500-byte path leaves after the outer header, UDP
 * and the encapsulation (docs/wire-format.md, "Negotiation capsules").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "linux/burrow.h"
#include "negotiate.h"

static void test_mtu_follows_encapsulation(void **state)
{
	(void)state;
	/* udp: 1500 - 20 - 8 - 32 = 1440, so the negotiated 1420 stands. */
	assert_int_equal(burrowd_negotiate_mtu(1420, AF_INET, BURROW_ENCAP_UDP, 0), 1420);
	assert_int_equal(burrowd_negotiate_mtu(1500, AF_INET, BURROW_ENCAP_UDP, 0), 1440);
	/* over IPv6: 1500 - 40 - 8 - 32 */
	assert_int_equal(burrowd_negotiate_mtu(1500, AF_INET6, BURROW_ENCAP_UDP, 0), 1420);
	/* quic with an 8-byte CID: 1 + 8 + 4 + 3 + 16 = 32, as udp */
	assert_int_equal(burrowd_negotiate_mtu(1500, AF_INET, BURROW_ENCAP_QUIC, 8), 1440);
	/* quic with a 20-byte CID over IPv6: 1500 - 40 - 8 - 44 = 1408, below 1420 */
	assert_int_equal(burrowd_negotiate_mtu(1420, AF_INET6, BURROW_ENCAP_QUIC, 20), 1408);
	/* a small negotiated MTU is kept */
	assert_int_equal(burrowd_negotiate_mtu(1280, AF_INET6, BURROW_ENCAP_QUIC, 20), 1280);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mtu_follows_encapsulation),
	};

	return cmocka_run_group_tests_name("burrowd negotiation", tests, NULL, NULL);
}
