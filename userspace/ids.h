/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Identifiers burrowd chooses, and the invariants that keep them apart
 * (docs/operations.md, "Connection IDs and receiver ids"):
 *
 *   - Connection IDs on the shared UDP socket. The kernel claims a
 *     short-header datagram when its first quic_cid_len DCID bytes equal a
 *     peer's local CID; everything else goes to burrowd's QUIC endpoint. So
 *     the two sets are partitioned by the top bit of the first byte: kernel
 *     (data) CIDs have it set, burrowd's control-connection SCIDs have it
 *     clear. No control SCID can then share a prefix of any length with a
 *     data CID, at every quic-cid-len (1-20).
 *   - Data CIDs of one device are unique: a new one is re-rolled while it
 *     equals one in use (the kernel would refuse it with EEXIST).
 *   - Kernel receiver ids (the kernel peer id, sent in HELLO and on the wire
 *     as the udp receiver index): random non-zero 32-bit values, unique on
 *     the device, so they say nothing about how many peers a node has or in
 *     which order they were configured.
 *
 * Randomness comes from GnuTLS (GNUTLS_RND_NONCE); tests may substitute a
 * source with burrow_ids_set_rand().
 */
#ifndef BURROW_IDS_H
#define BURROW_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hello.h"

/* Set in the first byte of every kernel (data) CID, clear in control SCIDs. */
#define BURROW_IDS_DATA_CID_BIT 0x80

/* Fill buf with len random bytes; 0 or -errno. */
typedef int (*burrow_ids_rand_fn)(void *buf, size_t len);
/* NULL restores GnuTLS. */
void burrow_ids_set_rand(burrow_ids_rand_fn fn);

/* A random control-connection CID of len bytes (top bit of byte 0 clear). 0 or -EIO. */
int burrow_ids_control_cid(uint8_t *cid, size_t len);

/* Whether cid is in the data (kernel) half of the space. */
bool burrow_ids_is_data_cid(const uint8_t *cid, size_t len);

/*
 * A random data CID of len (1-20) bytes, top bit of byte 0 set, equal to
 * none of taken. -EADDRINUSE when no free one was found (a 1-byte space of
 * 128 is searched exhaustively), -EIO when randomness failed.
 */
int burrow_ids_data_cid(uint8_t *cid, size_t len, const struct burrow_hello_cid *taken,
			size_t n_taken);

/* A random non-zero receiver id not in taken. -EADDRINUSE, -EIO. */
int burrow_ids_receiver(uint32_t *id, const uint32_t *taken, size_t n_taken);

#endif /* BURROW_IDS_H */
