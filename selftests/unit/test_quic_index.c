// SPDX-License-Identifier: GPL-2.0
/*
 * The QUIC endpoint's connection indexes (userspace/quic_index.c) on their
 * own: the CID table must find every live CID and none removed, through
 * growth and backward-shift deletions in any order; the timer heap must
 * always give the earliest expiry, through updates and removals. The
 * connections are zeroed structs: the indexes only read scids and their
 * own fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "quic_internal.h"

#define N_CONNS 4000
#define CIDS_PER_CONN 3

static struct burrow_quic_endpoint ep;
static struct burrow_quic_conn *conns;

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int setup(void **state)
{
	(void)state;
	memset(&ep, 0, sizeof(ep));
	if (quic_index_init(&ep) < 0)
		return -1;
	conns = calloc(N_CONNS, sizeof(*conns));
	for (size_t i = 0; conns && i < N_CONNS; i++) {
		conns[i].ep = &ep;
		conns[i].timer_slot = QUIC_NO_TIMER_SLOT;
	}
	return conns ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	quic_index_free(&ep);
	free(conns);
	return 0;
}

static void fill_cid(ngtcp2_cid *cid, size_t len)
{
	cid->datalen = len;
	for (size_t i = 0; i < len; i++)
		cid->data[i] = (uint8_t)rng();
}

/* Every CID added is found and maps to its connection; removing two of
 * each connection's three in shuffled order leaves exactly the third. */
static void test_cid_table(void **state)
{
	size_t order[N_CONNS * 2], n = 0;

	(void)state;
	for (size_t i = 0; i < N_CONNS; i++) {
		for (size_t k = 0; k < CIDS_PER_CONN; k++) {
			/* One short (a client's 8-byte DCID), the rest ours. */
			fill_cid(&conns[i].scids[k], k == 2 ? 8 : QUIC_SCID_LEN);
			assert_int_equal(quic_cid_index_add(&ep, &conns[i], &conns[i].scids[k]), 0);
		}
		conns[i].n_scids = CIDS_PER_CONN;
	}
	assert_int_equal(ep.cid_used, N_CONNS * CIDS_PER_CONN);
	assert_true(ep.cid_size >= 2 * ep.cid_used);
	for (size_t i = 0; i < N_CONNS; i++)
		for (size_t k = 0; k < CIDS_PER_CONN; k++)
			assert_ptr_equal(quic_cid_index_find(&ep, conns[i].scids[k].data,
							     conns[i].scids[k].datalen), &conns[i]);

	for (size_t i = 0; i < N_CONNS; i++)
		for (size_t k = 0; k < 2; k++)
			order[n++] = i * 2 + k;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rng() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (size_t i = 0; i < n; i++) {
		struct burrow_quic_conn *c = &conns[order[i] / 2];

		quic_cid_index_remove(&ep, c, &c->scids[order[i] % 2]);
	}
	assert_int_equal(ep.cid_used, N_CONNS);
	for (size_t i = 0; i < N_CONNS; i++) {
		/* Removed CIDs stay in scids[] here: only the table forgot them. */
		conns[i].n_scids = CIDS_PER_CONN;
		assert_ptr_equal(quic_cid_index_find(&ep, conns[i].scids[2].data,
						     conns[i].scids[2].datalen), &conns[i]);
		for (size_t k = 0; k < 2; k++)
			assert_null(quic_cid_index_find(&ep, conns[i].scids[k].data,
							conns[i].scids[k].datalen));
	}
	/* A CID of the right length nobody has, and a wrong-length prefix. */
	{
		ngtcp2_cid stranger;

		fill_cid(&stranger, QUIC_SCID_LEN);
		assert_null(quic_cid_index_find(&ep, stranger.data, stranger.datalen));
		assert_null(quic_cid_index_find(&ep, conns[0].scids[2].data, 7));
	}
	for (size_t i = 0; i < N_CONNS; i++)
		quic_cid_index_remove(&ep, &conns[i], &conns[i].scids[2]);
	assert_int_equal(ep.cid_used, 0);
	for (size_t i = 0; i < ep.cid_size; i++)
		assert_null(ep.cid_slots[i].conn);
}

static void assert_heap_first_is_min(void)
{
	struct burrow_quic_conn *first = quic_timer_first(&ep);
	uint64_t min = UINT64_MAX;

	for (size_t i = 0; i < N_CONNS; i++)
		if (conns[i].timer_slot != QUIC_NO_TIMER_SLOT && conns[i].expiry < min)
			min = conns[i].expiry;
	if (min == UINT64_MAX && !first)
		return;
	assert_non_null(first);
	assert_int_equal(first->expiry, min);
}

/* Inserts, re-keys up and down, removals from the middle: the first is
 * always the minimum, and popping gives a sorted sequence. */
static void test_timer_heap(void **state)
{
	uint64_t last = 0;
	size_t popped = 0;

	(void)state;
	for (size_t i = 0; i < N_CONNS; i++)
		assert_int_equal(quic_timer_insert(&ep, &conns[i], rng() % 1000000), 0);
	assert_heap_first_is_min();
	for (size_t i = 0; i < N_CONNS; i += 3)
		quic_timer_update(&ep, &conns[i], rng() % 1000000);
	assert_heap_first_is_min();
	for (size_t i = 1; i < N_CONNS; i += 7)
		quic_timer_remove(&ep, &conns[i]);
	assert_heap_first_is_min();
	quic_timer_remove(&ep, &conns[1]);    /* twice: a no-op */
	for (size_t i = 0; i < N_CONNS; i++)
		if (conns[i].timer_slot != QUIC_NO_TIMER_SLOT)
			assert_ptr_equal(ep.timers[conns[i].timer_slot], &conns[i]);
	while (quic_timer_first(&ep)) {
		struct burrow_quic_conn *c = quic_timer_first(&ep);

		assert_true(c->expiry >= last);
		last = c->expiry;
		quic_timer_remove(&ep, c);
		popped++;
	}
	assert_int_equal(popped, N_CONNS - (N_CONNS + 5) / 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cid_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_heap, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
