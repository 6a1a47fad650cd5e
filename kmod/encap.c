// SPDX-License-Identifier: GPL-2.0
/*
 * The table of encapsulations (encap.h). Read-only after build: no locks.
 * A new encapsulation is a new enum burrow_encap value in
 * netlink/burrow.yaml, a new encap_<name>.c with its ops, and a line here.
 */

#include "encap.h"

static_assert(BURROW_ENCAP_COUNT <= 1 << BURROW_ENCAP_CB_BITS);

const struct burrow_encap_ops *const burrow_encaps[BURROW_ENCAP_COUNT] = {
	[BURROW_ENCAP_UDP] = &burrow_encap_udp_ops,
	[BURROW_ENCAP_QUIC] = &burrow_encap_quic_ops,
};
