/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything burrow needs to build on kernels other than the one it was
 * written against (Debian 12's 6.1) lives here. Kbuild probes the target
 * tree's headers for each API and passes -DBURROW_HAVE_*; nothing in the
 * module tests kernel version numbers.
 *
 * Known churn tracked here:
 *  - genl_split_ops (6.2): burrow's op table stays struct genl_ops, which
 *    newer kernels still accept, but the family's pre_doit and post_doit
 *    are handed the split op from 6.2 on: burrow_genl_hook_ops.
 *  - udp_tunnel_xmit_skb() and udp_tunnel6_xmit_skb() gained a trailing
 *    IP control-block flags argument (6.17); burrow passes 0 there.
 */
#ifndef _BURROW_COMPAT_H
#define _BURROW_COMPAT_H

#include <net/genetlink.h>
#include <net/udp_tunnel.h>

/*
 * What genl_family.pre_doit and .post_doit are handed; both have ->cmd,
 * ->maxattr and ->internal_flags.
 */
#ifdef BURROW_HAVE_GENL_SPLIT_OPS
typedef struct genl_split_ops burrow_genl_hook_ops;
#else
typedef struct genl_ops burrow_genl_hook_ops;
#endif

#ifdef BURROW_HAVE_UDP_TUNNEL_IPCB_FLAGS
#define burrow_udp_tunnel_xmit_skb(...)		udp_tunnel_xmit_skb(__VA_ARGS__, 0)
#define burrow_udp_tunnel6_xmit_skb(...)	udp_tunnel6_xmit_skb(__VA_ARGS__, 0)
#else
#define burrow_udp_tunnel_xmit_skb(...)		udp_tunnel_xmit_skb(__VA_ARGS__)
#define burrow_udp_tunnel6_xmit_skb(...)	udp_tunnel6_xmit_skb(__VA_ARGS__)
#endif

/*
 * Socket flags that setup_udp_tunnel_sock() changes and detach restores:
 * bit fields in 6.1, atomic flag words from 6.5 (udp) and 6.6 (inet).
 */
#include <linux/udp.h>
#include <net/inet_sock.h>

#ifdef udp_test_bit
#define burrow_udp_gro_enabled(sk)	(udp_test_bit(GRO_ENABLED, sk) || \
					 udp_test_bit(ACCEPT_L4, sk))
#else
#define burrow_udp_gro_enabled(sk)	(udp_sk(sk)->gro_enabled || udp_sk(sk)->accept_udp_l4)
#endif

#ifdef inet_test_bit
#define burrow_sk_mc_loop(sk)		inet_test_bit(MC_LOOP, sk)
#define burrow_sk_set_mc_loop(sk, v)	inet_assign_bit(MC_LOOP, sk, v)
#else
#define burrow_sk_mc_loop(sk)		(inet_sk(sk)->mc_loop)
#define burrow_sk_set_mc_loop(sk, v)	(inet_sk(sk)->mc_loop = (v))
#endif

#endif /* _BURROW_COMPAT_H */
