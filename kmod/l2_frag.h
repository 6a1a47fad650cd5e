/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fragmentation and reassembly of Ethernet frames for L2 mode
 * (docs/wire-format.md, "Fragments"). An Ethernet frame larger than the
 * plaintext one packet to a peer may carry is split before encryption into
 * fragment plaintexts (packet type 0x05, quic context 4), each an 8-byte
 * header and a piece of the frame; the receiver puts the pieces back
 * together after decryption. The header is inside the ciphertext, so only
 * the peer whose key authenticated a piece can contribute to its frames.
 *
 * Transmit: burrow_l2_frag_split(), from any CPU; the per-peer frame id is
 * an atomic counter.
 *
 * Receive: burrow_l2_reasm_add(), from the peer's NAPI poll, which runs one
 * at a time per peer (receive.c, stage 3), so two pieces of one peer are
 * never added at once. The peer's reassembly state is shared with its
 * expiry timer only; a spinlock (taken in softirq context by both, with BH
 * disabled by process-context callers) covers it. Different peers'
 * polls run concurrently on different CPUs and share only the device's
 * byte budget (an atomic) and its counters (per-CPU).
 *
 * Memory is bounded twice: at most BURROW_L2_REASM_FRAMES frames in
 * progress per peer (a new one evicts the peer's oldest), and the bytes
 * held by all peers' frames in progress on one device stay at or under the
 * device's budget (a new frame that does not fit evicts the peer's own
 * oldest frames until it does, and is refused when the peer has none left:
 * one peer never frees another's frames). A frame in progress lives at
 * most BURROW_L2_REASM_TIMEOUT: pieces that arrive after it find it
 * expired, and the peer's timer frees it when no piece arrives.
 */
#ifndef _BURROW_L2_FRAG_H
#define _BURROW_L2_FRAG_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>

/* The fragment header, big-endian, first in every 0x05 plaintext. */
struct burrow_l2_frag_header {
	__be32 id;	/* per peer and direction, one per fragmented frame */
	__be16 offset;	/* of this piece in the frame */
	__be16 total;	/* the whole frame's length */
} __packed;

#define BURROW_L2_FRAG_HEADER_LEN	8

/* Frames in progress per peer. */
#define BURROW_L2_REASM_FRAMES		8
/* Default bytes of frames in progress per device (skb truesize + state). */
#define BURROW_L2_REASM_BUDGET		(256 * 1024)
/* How long a frame may take to arrive whole. */
#define BURROW_L2_REASM_TIMEOUT		HZ
/*
 * Disjoint byte ranges a frame in progress may have; adjacent pieces merge
 * into one range, so only holes cost. A frame split into at most
 * BURROW_L2_FRAG_PIECES_MAX pieces has at most half that many.
 */
#define BURROW_L2_REASM_RANGES		32
/* Pieces burrow_l2_frag_split() makes of one frame at most. */
#define BURROW_L2_FRAG_PIECES_MAX	64

/*
 * The counters, in the order of their netlink dev-stats attributes (they
 * come last there, in this order). Counted per event: a rejected piece
 * counts once under its reason, and the frame it was for is freed with it
 * without a second count.
 */
enum burrow_l2_frag_counter {
	/* Fragments sent (pieces handed to the pipeline). */
	BURROW_L2_FRAG_TX,
	/* Frames that were split into fragments. */
	BURROW_L2_FRAG_FRAMES_TX,
	/* Frames reassembled whole and delivered. */
	BURROW_L2_REASM_FRAMES_DONE,
	/* A piece overlapping bytes already received for its frame. */
	BURROW_L2_REASM_DROP_OVERLAP,
	/* A piece whose total length is above the device's largest frame. */
	BURROW_L2_REASM_DROP_OVERSIZE,
	/* A frame that did not arrive whole within BURROW_L2_REASM_TIMEOUT. */
	BURROW_L2_REASM_DROP_TIMEOUT,
	/* A frame given up for the memory bounds (frames per peer, budget). */
	BURROW_L2_REASM_DROP_EVICTED,
	/*
	 * A piece that is malformed (shorter than the header, empty, past
	 * its total length, total below an Ethernet header), disagrees with
	 * its frame's total length, repeats a piece exactly, or leaves its
	 * frame with too many holes.
	 */
	BURROW_L2_REASM_DROP_BAD,
	BURROW_L2_FRAG_COUNTER_MAX
};

/*
 * What the device shares among its peers. counters points at
 * BURROW_L2_FRAG_COUNTER_MAX consecutive per-CPU u64s (the device's
 * counter array, or the selftest's own).
 */
struct burrow_l2_frag_dev {
	atomic_t reasm_bytes;		/* charged by frames in progress */
	unsigned int reasm_budget;	/* bound on reasm_bytes */
	unsigned int max_frame;		/* largest total length accepted; READ_ONCE */
	u64 __percpu *counters;
};

/* A frame in progress: the buffer it is assembled in and what has arrived. */
struct burrow_l2_reasm_frame {
	struct list_head node;		/* burrow_l2_frag_peer.frames, oldest first */
	struct sk_buff *skb;		/* total bytes long, filled as pieces come */
	unsigned long deadline;		/* jiffies */
	unsigned int charge;		/* bytes of the device budget it holds */
	u32 id;
	u16 total;
	u8 nr_ranges;
	/* Sorted, disjoint, never adjacent: [start, end) received. */
	struct {
		u16 start;
		u16 end;
	} ranges[BURROW_L2_REASM_RANGES];
};

/*
 * Per peer, embedded in it. tx_id is the transmit side; everything else is
 * the receive side, under lock (see above). dead is set by destroy, after
 * which the timer does not re-arm.
 */
struct burrow_l2_frag_peer {
	atomic_t tx_id;
	struct burrow_l2_frag_dev *fdev;
	spinlock_t lock;
	struct list_head frames;
	unsigned int nr_frames;
	bool dead;
	struct timer_list timer;
};

void burrow_l2_frag_dev_init(struct burrow_l2_frag_dev *fdev, unsigned int max_frame,
			     u64 __percpu *counters);
u64 burrow_l2_frag_counter_sum(const struct burrow_l2_frag_dev *fdev,
			       enum burrow_l2_frag_counter what);

void burrow_l2_frag_peer_init(struct burrow_l2_frag_peer *fpeer, struct burrow_l2_frag_dev *fdev);
/*
 * Free every frame in progress and stop the timer, for good. Process
 * context, once nothing calls burrow_l2_reasm_add() for the peer any more
 * (its NAPI context is disabled).
 */
void burrow_l2_frag_peer_destroy(struct burrow_l2_frag_peer *fpeer);

/*
 * Split @skb, one Ethernet frame, into fragment plaintexts of at most
 * @max_plain bytes each (header included), each in a new linear skb with
 * @headroom and @tailroom bytes around it, appended to @pieces.
 *
 * Returns 0 when the frame fits in one packet (@skb untouched, nothing
 * appended); the number of pieces when it was split (@skb consumed, the
 * pieces counted); a negative errno when it cannot be sent (@skb untouched:
 * -EMSGSIZE for a frame over 65535 bytes or one that would need more than
 * BURROW_L2_FRAG_PIECES_MAX pieces, -ENOMEM).
 */
int burrow_l2_frag_split(struct burrow_l2_frag_peer *fpeer, struct sk_buff *skb,
			 unsigned int max_plain, unsigned int headroom, unsigned int tailroom,
			 struct sk_buff_head *pieces);

/*
 * Add one decrypted fragment plaintext (@skb->data at its header) of the
 * peer. Consumes @skb. Returns the frame it completes, a new linear skb
 * holding the whole frame at ->data, or NULL (the piece was kept, or
 * dropped and counted). From the peer's receive serial step (BH disabled).
 */
struct sk_buff *burrow_l2_reasm_add(struct burrow_l2_frag_peer *fpeer, struct sk_buff *skb);

#endif /* _BURROW_L2_FRAG_H */
