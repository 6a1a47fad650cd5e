/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The parallel crypto pipeline: device-wide crypt rings served by per-CPU
 * workers, and the per-peer ordered queues that put packets back in order.
 * docs/architecture.md draws it; this is the contract.
 *
 * A packet (one skb, one GSO segment or one received datagram) enters the
 * pipeline in two places at once, under its peer's queue lock:
 *  - the tail of the peer's ordered queue (peer->tx_queue or rx_queue), in
 *    the order it must leave: transmit counter order, or arrival order;
 *  - the device's crypt ring for its direction (bdev->encrypt_queue or
 *    decrypt_queue), from which any CPU's worker takes it.
 * A worker encrypts or decrypts it and publishes the outcome in its state
 * (release); after that store the worker never touches the skb again, only
 * the peer, to kick the peer's serial step (the transmit work, or the
 * peer's NAPI poll). The serial step pops packets from the head of the
 * ordered queue while their state is final (acquire) and stops at the first
 * one still being worked on, so packets leave in queue order whatever order
 * the workers finish in. Nothing is allocated per packet: the state lives
 * in skb->cb.
 *
 * Bounds: a peer's ordered queue holds at most burrow_peer_queue_len
 * packets per direction; a device ring holds burrow_crypt_ring_len. A
 * packet that finds its peer's queue full is dropped before it is queued;
 * one that finds the ring full is queued already finished with
 * BURROW_DROP_QUEUE_FULL so the serial step frees it in turn. Both count
 * drop_queue_full. The per-peer bound below the ring size is the fairness
 * rule: one busy peer holds at most a quarter of the ring by default.
 * Within the bound, the serial step pops through CoDel (aqm.h), which drops
 * at the head when packets wait too long.
 *
 * Lifetimes: a queued packet holds a reference on its key (key.h). Its
 * peer is not referenced per packet: peer removal first makes the peer
 * unreachable, then waits until both ordered queues are empty (every
 * packet of the peer has left its worker and its serial step), then waits a
 * grace period for workers still kicking the peer (they hold rcu_read_lock
 * _bh across processing and kicking), then stops the serial steps and
 * frees the peer (peer.c).
 */
#ifndef _BURROW_QUEUE_H
#define _BURROW_QUEUE_H

#include <linux/atomic.h>
#include <linux/in6.h>
#include <linux/ptr_ring.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <net/codel.h>

struct burrow_device;
struct burrow_key;

enum burrow_pkt_state {
	BURROW_PKT_QUEUED = 0,		/* a worker has it or will */
	BURROW_PKT_DONE,		/* crypto succeeded */
	BURROW_PKT_DROPPED,		/* drop it with cb->reason, in turn */
};

/* Per-packet pipeline state, in skb->cb while the packet is queued. */
struct burrow_pkt_cb {
	struct burrow_key *key;		/* a reference, dropped at dequeue */
	u64 counter;			/* nonce counter / packet number */
	atomic_t state;			/* enum burrow_pkt_state */
	u8 reason;			/* enum burrow_drop_reason, if DROPPED */
	u8 hdr_len;			/* rx: header (the AAD) at skb->data */
	u8 xnet:1;			/* rx: socket and device in different netns */
	u8 encap:3;			/* rx: enum burrow_encap that claimed it */
	u8 encap_flags:4;		/* rx: the encapsulation's own (encap.h) */
	u8 family:7;			/* rx: outer source for roaming */
	u8 relayed:1;			/* rx: came behind a relay header */
	codel_time_t enqueue_time;	/* when it joined its ordered queue (aqm.h) */
	union {
		u32 inner_len;		/* tx: bytes the peer counts */
		struct {
			__be16 port;
			union {
				__be32 addr4;
				struct in6_addr addr6;
			};
		} source;		/* rx */
	};
};

#define BURROW_PKT_CB(skb)	((struct burrow_pkt_cb *)(skb)->cb)

static inline void burrow_pkt_init(struct sk_buff *skb, struct burrow_key *key, u64 counter)
{
	struct burrow_pkt_cb *cb = BURROW_PKT_CB(skb);

	cb->key = key;
	cb->counter = counter;
	atomic_set(&cb->state, BURROW_PKT_QUEUED);
	cb->reason = 0;
	cb->xnet = 0;
	cb->encap = 0;
	cb->encap_flags = 0;
	cb->relayed = 0;
	cb->enqueue_time = codel_get_time();
}

/* Publish a worker's outcome; the skb belongs to the serial step after it. */
static inline void burrow_pkt_finish(struct sk_buff *skb, enum burrow_pkt_state state,
				     unsigned int reason)
{
	BURROW_PKT_CB(skb)->reason = reason;
	atomic_set_release(&BURROW_PKT_CB(skb)->state, state);
}

static inline enum burrow_pkt_state burrow_pkt_state(struct sk_buff *skb)
{
	return atomic_read_acquire(&BURROW_PKT_CB(skb)->state);
}

/*
 * Pop the head of an ordered queue if its work is finished; NULL if the
 * queue is empty or its head is still being worked on. BH disabled.
 */
static inline struct sk_buff *burrow_pkt_dequeue(struct sk_buff_head *queue)
{
	struct sk_buff *skb;

	spin_lock(&queue->lock);
	skb = skb_peek(queue);
	if (skb && burrow_pkt_state(skb) != BURROW_PKT_QUEUED)
		__skb_unlink(skb, queue);
	else
		skb = NULL;
	spin_unlock(&queue->lock);
	return skb;
}

struct burrow_crypt_queue;

struct burrow_crypt_worker {
	struct work_struct work;
	struct burrow_crypt_queue *queue;
};

enum burrow_crypt_direction {
	BURROW_CRYPT_ENCRYPT,
	BURROW_CRYPT_DECRYPT,
	BURROW_CRYPT_MAX
};

/*
 * One direction's device-wide ring and its workers, one per possible CPU,
 * each a work item on burrow_crypt_wq bound to its CPU. ring's producer
 * lock is taken nested inside a peer's queue lock; its consumer lock by
 * workers alone. last_cpu is where the round-robin kick last went; racy
 * updates only skew the rotation.
 */
struct burrow_crypt_queue {
	struct ptr_ring ring;
	struct burrow_crypt_worker __percpu *workers;
	struct burrow_device *bdev;
	/* Encrypt or decrypt one packet, finish it and kick its peer. RCU-BH. */
	void (*process)(struct sk_buff *skb);
	enum burrow_crypt_direction direction;
	int last_cpu;
};

extern unsigned int burrow_peer_queue_len;
extern struct workqueue_struct *burrow_crypt_wq;

int burrow_crypt_queue_init(struct burrow_crypt_queue *queue, struct burrow_device *bdev,
			    enum burrow_crypt_direction direction,
			    void (*process)(struct sk_buff *skb));
/* After every peer is gone: the ring is empty; waits for idle workers. */
void burrow_crypt_queue_destroy(struct burrow_crypt_queue *queue);
/* Wake @n workers (at most one per online CPU), round robin. */
void burrow_crypt_queue_kick(struct burrow_crypt_queue *queue, unsigned int n);

int burrow_queue_init(void);
void burrow_queue_uninit(void);

#endif /* _BURROW_QUEUE_H */
