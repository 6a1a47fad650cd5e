// SPDX-License-Identifier: GPL-2.0
/*
 * The endpoint's two connection indexes, so that work per datagram and per
 * timer does not grow with the number of connections (a coordinator holds
 * tens of thousands):
 *
 * - the CID table: destination connection ID -> connection. Open
 *   addressing with linear probing, at most half full, deletion by
 *   backward shift (no tombstones, so probe chains never rot). A slot
 *   holds the connection and the CID's hash; the CID bytes themselves
 *   stay in the connection's scids[], compared on a hash match. Most CIDs
 *   are ours (random), but a client's original DCID is its choice, so the
 *   hash is keyed with a per-endpoint random seed; at most
 *   QUIC_RETRY_THRESHOLD such CIDs are in the table at once (past it a
 *   client must come back from a Retry, addressing a CID we chose).
 *
 * - the timer heap: live connections ordered by ngtcp2's expiry for them
 *   (a binary min-heap; each connection knows its slot). A connection
 *   takes its slot when it is attached, so re-keying never allocates.
 *
 * And two lists: server connections not yet authorized (oldest first, so
 * the oldest is evicted in O(1)) and connections touched since the last
 * reap (quic.c's quic_reap drains it).
 *
 * Neither index owns a connection: quic.c adds a connection's entries when
 * it creates or learns them and removes them before freeing it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "quic_internal.h"

#define QUIC_CID_TABLE_MIN 64    /* slots; a power of two */

int quic_index_init(struct burrow_quic_endpoint *ep)
{
	if (gnutls_rnd(GNUTLS_RND_NONCE, &ep->cid_seed, sizeof(ep->cid_seed)) < 0)
		return -EIO;
	return 0;
}

void quic_index_free(struct burrow_quic_endpoint *ep)
{
	free(ep->cid_slots);
	ep->cid_slots = NULL;
	ep->cid_size = ep->cid_used = 0;
	free(ep->timers);
	ep->timers = NULL;
	ep->n_timers = ep->timers_cap = 0;
}

/* ---- lists ----------------------------------------------------------------- */

void quic_conn_touch(struct burrow_quic_conn *c)
{
	struct burrow_quic_endpoint *ep = c->ep;

	if (c->touched)
		return;
	c->touched = true;
	c->touched_next = NULL;
	if (!ep->touched)
		ep->touched_tail = &ep->touched;
	*ep->touched_tail = c;
	ep->touched_tail = &c->touched_next;
}

/* Take c off the touched list (rare: a connection freed outside a reap). */
void quic_touched_forget(struct burrow_quic_conn *c)
{
	struct burrow_quic_endpoint *ep = c->ep;
	struct burrow_quic_conn **pp;

	if (!c->touched)
		return;
	for (pp = &ep->touched; *pp != c; pp = &(*pp)->touched_next)
		;
	*pp = c->touched_next;
	if (!c->touched_next)
		ep->touched_tail = pp;
	c->touched = false;
}

void quic_pending_remove(struct burrow_quic_conn *c)
{
	struct burrow_quic_endpoint *ep = c->ep;

	if (!c->pending)
		return;
	if (c->pending_prev)
		c->pending_prev->pending_next = c->pending_next;
	else
		ep->pending_head = c->pending_next;
	if (c->pending_next)
		c->pending_next->pending_prev = c->pending_prev;
	else
		ep->pending_tail = c->pending_prev;
	c->pending = false;
	ep->n_pending_server--;
}

void quic_pending_add(struct burrow_quic_conn *c)
{
	struct burrow_quic_endpoint *ep = c->ep;

	c->pending = true;
	c->pending_next = NULL;
	c->pending_prev = ep->pending_tail;
	if (ep->pending_tail)
		ep->pending_tail->pending_next = c;
	else
		ep->pending_head = c;
	ep->pending_tail = c;
	ep->n_pending_server++;
}

/* The server authorized the peer's key: the connection counts as real now. */
void quic_conn_authorized(struct burrow_quic_conn *c)
{
	c->app_known = true;
	quic_pending_remove(c);
}

/* ---- CID table ------------------------------------------------------------ */

static uint32_t quic_cid_hash(const struct burrow_quic_endpoint *ep, const uint8_t *cid,
			      size_t len)
{
	uint64_t h = ep->cid_seed ^ (len * 0x9e3779b97f4a7c15ull);
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= cid[i];
		h *= 0x100000001b3ull;
	}
	/* splitmix64's finaliser: every input bit reaches every output bit. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return (uint32_t)h;
}

static bool quic_conn_has_cid(const struct burrow_quic_conn *c, const uint8_t *cid, size_t len)
{
	size_t i;

	for (i = 0; i < c->n_scids; i++)
		if (c->scids[i].datalen == len && memcmp(c->scids[i].data, cid, len) == 0)
			return true;
	return false;
}

static void quic_cid_place(struct burrow_quic_endpoint *ep, struct burrow_quic_conn *c,
			   uint32_t hash)
{
	size_t mask = ep->cid_size - 1, i = hash & mask;

	while (ep->cid_slots[i].conn)
		i = (i + 1) & mask;
	ep->cid_slots[i].conn = c;
	ep->cid_slots[i].hash = hash;
	ep->cid_used++;
}

static int quic_cid_grow(struct burrow_quic_endpoint *ep)
{
	struct quic_cid_slot *old = ep->cid_slots;
	size_t old_size = ep->cid_size, i;
	size_t size = old_size ? old_size * 2 : QUIC_CID_TABLE_MIN;

	ep->cid_slots = calloc(size, sizeof(*ep->cid_slots));
	if (!ep->cid_slots) {
		ep->cid_slots = old;
		return -ENOMEM;
	}
	ep->cid_size = size;
	ep->cid_used = 0;
	for (i = 0; i < old_size; i++)
		if (old[i].conn)
			quic_cid_place(ep, old[i].conn, old[i].hash);
	free(old);
	return 0;
}

int quic_cid_index_add(struct burrow_quic_endpoint *ep, struct burrow_quic_conn *c,
		       const ngtcp2_cid *cid)
{
	if ((ep->cid_used + 1) * 2 > ep->cid_size && quic_cid_grow(ep) < 0)
		return -ENOMEM;
	quic_cid_place(ep, c, quic_cid_hash(ep, cid->data, cid->datalen));
	return 0;
}

/*
 * Remove c's entry for cid. Call while cid is still in c->scids or not:
 * the slot is found by connection and hash, not by the bytes. Backward
 * shift: every later entry of the probe run that could sit in the freed
 * slot moves up, so lookups never stop early at a hole.
 */
void quic_cid_index_remove(struct burrow_quic_endpoint *ep, struct burrow_quic_conn *c,
			   const ngtcp2_cid *cid)
{
	size_t mask, i, j, home;
	uint32_t hash;

	if (!ep->cid_size)
		return;
	mask = ep->cid_size - 1;
	hash = quic_cid_hash(ep, cid->data, cid->datalen);
	for (i = hash & mask; ep->cid_slots[i].conn; i = (i + 1) & mask)
		if (ep->cid_slots[i].conn == c && ep->cid_slots[i].hash == hash)
			break;
	if (!ep->cid_slots[i].conn)
		return;
	for (j = (i + 1) & mask; ep->cid_slots[j].conn; j = (j + 1) & mask) {
		home = ep->cid_slots[j].hash & mask;
		/* j's entry may move to i unless its home lies in (i, j]. */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		ep->cid_slots[i] = ep->cid_slots[j];
		i = j;
	}
	ep->cid_slots[i].conn = NULL;
	ep->cid_used--;
}

struct burrow_quic_conn *quic_cid_index_find(struct burrow_quic_endpoint *ep, const uint8_t *cid,
					     size_t len)
{
	size_t mask, i;
	uint32_t hash;

	if (!ep->cid_size)
		return NULL;
	mask = ep->cid_size - 1;
	hash = quic_cid_hash(ep, cid, len);
	for (i = hash & mask; ep->cid_slots[i].conn; i = (i + 1) & mask)
		if (ep->cid_slots[i].hash == hash && quic_conn_has_cid(ep->cid_slots[i].conn, cid, len))
			return ep->cid_slots[i].conn;
	return NULL;
}

/* ---- timer heap ----------------------------------------------------------- */

static void quic_timer_swap(struct burrow_quic_endpoint *ep, size_t a, size_t b)
{
	struct burrow_quic_conn *t = ep->timers[a];

	ep->timers[a] = ep->timers[b];
	ep->timers[b] = t;
	ep->timers[a]->timer_slot = a;
	ep->timers[b]->timer_slot = b;
}

static void quic_timer_up(struct burrow_quic_endpoint *ep, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (ep->timers[parent]->expiry <= ep->timers[i]->expiry)
			break;
		quic_timer_swap(ep, i, parent);
		i = parent;
	}
}

static void quic_timer_down(struct burrow_quic_endpoint *ep, size_t i)
{
	for (;;) {
		size_t left = 2 * i + 1, right = left + 1, least = i;

		if (left < ep->n_timers && ep->timers[left]->expiry < ep->timers[least]->expiry)
			least = left;
		if (right < ep->n_timers && ep->timers[right]->expiry < ep->timers[least]->expiry)
			least = right;
		if (least == i)
			return;
		quic_timer_swap(ep, i, least);
		i = least;
	}
}

int quic_timer_insert(struct burrow_quic_endpoint *ep, struct burrow_quic_conn *c,
		      uint64_t expiry)
{
	if (ep->n_timers == ep->timers_cap) {
		size_t cap = ep->timers_cap ? ep->timers_cap * 2 : 16;
		struct burrow_quic_conn **timers = realloc(ep->timers, cap * sizeof(*timers));

		if (!timers)
			return -ENOMEM;
		ep->timers = timers;
		ep->timers_cap = cap;
	}
	c->expiry = expiry;
	c->timer_slot = ep->n_timers;
	ep->timers[ep->n_timers++] = c;
	quic_timer_up(ep, c->timer_slot);
	return 0;
}

void quic_timer_update(struct burrow_quic_endpoint *ep, struct burrow_quic_conn *c,
		       uint64_t expiry)
{
	uint64_t old = c->expiry;

	if (c->timer_slot == QUIC_NO_TIMER_SLOT)
		return;
	c->expiry = expiry;
	if (expiry < old)
		quic_timer_up(ep, c->timer_slot);
	else if (expiry > old)
		quic_timer_down(ep, c->timer_slot);
}

void quic_timer_remove(struct burrow_quic_endpoint *ep, struct burrow_quic_conn *c)
{
	size_t i = c->timer_slot, last;

	if (i == QUIC_NO_TIMER_SLOT)
		return;
	last = --ep->n_timers;
	if (i != last) {
		quic_timer_swap(ep, i, last);
		quic_timer_up(ep, i);
		quic_timer_down(ep, i);
	}
	c->timer_slot = QUIC_NO_TIMER_SLOT;
}

struct burrow_quic_conn *quic_timer_first(const struct burrow_quic_endpoint *ep)
{
	return ep->n_timers ? ep->timers[0] : NULL;
}
