/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BURROW_RECEIVE_H
#define _BURROW_RECEIVE_H

struct sock;
struct sk_buff;

int burrow_udp_encap_rcv(struct sock *sk, struct sk_buff *skb);

#endif /* _BURROW_RECEIVE_H */
