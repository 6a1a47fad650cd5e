/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BURROW_RECEIVE_H
#define _BURROW_RECEIVE_H

struct burrow_endpoint;
struct napi_struct;
struct sock;
struct sk_buff;

int burrow_udp_encap_rcv(struct sock *sk, struct sk_buff *skb);
/* Crypt worker: decrypt one queued packet (queue.h). */
void burrow_receive_decrypt(struct sk_buff *skb);
/* The peer's receive serial step (peer->napi). */
int burrow_receive_poll(struct napi_struct *napi, int budget);
/* The outer source of a received datagram, from its IP and UDP headers. */
void burrow_receive_source(struct sk_buff *skb, struct burrow_endpoint *source);

#endif /* _BURROW_RECEIVE_H */
