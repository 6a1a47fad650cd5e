// SPDX-License-Identifier: GPL-2.0
/*
 * The node map and the coordinator's diff: full map replaces, deltas apply
 * in order (gap or unknown removal: -ESTALE, map unchanged), a change
 * replaces the entry, lookups by id and key; the diff against a brute-force
 * one on seeded random sets; a one-peer delta stays small in a 50k map.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "coord_map.h"
#include "coord_peers.h"

static void full_map(struct coord_map *m, uint64_t version, size_t n)
{
	struct coord_map_self self;
	char why[256] = "";

	coord_test_self(&self);
	assert_int_equal(coord_map_apply_full(m, version, &self, coord_test_peers(10, n, 0), n,
					      why, sizeof(why)), 0);
}

static void test_full_then_deltas_in_order(void **state)
{
	struct coord_map_delta d = { 0 };
	struct coord_map m;
	const struct coord_peer *p;
	uint64_t removed[1] = { 11 };
	char why[256] = "";
	uint8_t key[32];

	(void)state;
	coord_map_init(&m);
	full_map(&m, 5, 4);	/* ids 10..13 */
	assert_int_equal(coord_map_size(&m), 4);

	/* Change 12, add 20, remove 11. */
	d.version = 6;
	d.changed = calloc(2, sizeof(*d.changed));
	coord_test_peer(&d.changed[0], 12, 3);
	coord_test_peer(&d.changed[1], 20, 0);
	d.n_changed = 2;
	d.removed = malloc(sizeof(removed));
	memcpy(d.removed, removed, sizeof(removed));
	d.n_removed = 1;
	assert_int_equal(coord_map_apply_delta(&m, &d, why, sizeof(why)), 0);
	coord_map_delta_free(&d);
	assert_true(m.version == 6);
	assert_int_equal(coord_map_size(&m), 4);
	assert_null(coord_map_peer_by_id(&m, 11));
	p = coord_map_peer_by_id(&m, 12);
	assert_non_null(p);
	assert_int_equal(p->endpoints[0].port, 40003);
	assert_int_equal(p->n_routes, 1);
	assert_non_null(coord_map_peer_by_id(&m, 20));
	for (size_t i = 1; i < coord_map_size(&m); i++)
		assert_true(coord_map_peer_at(&m, i)->id > coord_map_peer_at(&m, i - 1)->id);
	/* By key: the changed key finds 12, its old key nothing. */
	memcpy(key, p->public_key, 32);
	assert_ptr_equal(coord_map_peer_by_key(&m, key), p);
	key[31] = 0;
	assert_null(coord_map_peer_by_key(&m, key));
	coord_map_free(&m);
}

static void test_gap_and_unknown_removal_are_stale(void **state)
{
	struct coord_map_delta d = { 0 };
	uint64_t unknown[1] = { 99 };
	struct coord_map m;
	char why[256] = "";

	(void)state;
	coord_map_init(&m);
	d.version = 1;
	assert_int_equal(coord_map_apply_delta(&m, &d, why, sizeof(why)), -ESTALE);
	assert_non_null(strstr(why, "before any full map"));
	full_map(&m, 5, 3);
	d.version = 7;
	assert_int_equal(coord_map_apply_delta(&m, &d, why, sizeof(why)), -ESTALE);
	assert_non_null(strstr(why, "MAP_DELTA version 7 after version 5 (gap)"));
	d.version = 5;
	assert_int_equal(coord_map_apply_delta(&m, &d, why, sizeof(why)), -ESTALE);
	d.version = 6;
	d.removed = unknown;
	d.n_removed = 1;
	assert_int_equal(coord_map_apply_delta(&m, &d, why, sizeof(why)), -ESTALE);
	assert_non_null(strstr(why, "removes unknown peer 99"));
	assert_true(m.version == 5);
	assert_int_equal(coord_map_size(&m), 3);
	/* A full map repairs it whatever its version. */
	coord_map_free(&m);
	coord_map_init(&m);
	full_map(&m, 40, 2);
	d.version = 41;
	d.n_removed = 0;
	assert_int_equal(coord_map_apply_delta(&m, &d, why, sizeof(why)), 0);
	coord_map_free(&m);
}

static void test_duplicate_key_refused_map_unchanged(void **state)
{
	struct coord_map_delta d = { .version = 2 };
	struct coord_map m;
	char why[256] = "";

	(void)state;
	coord_map_init(&m);
	full_map(&m, 1, 3);	/* ids 10..12 */
	d.changed = calloc(1, sizeof(*d.changed));
	coord_test_peer(&d.changed[0], 30, 0);
	memcpy(d.changed[0].public_key, coord_map_peer_by_id(&m, 10)->public_key, 32);
	d.n_changed = 1;
	assert_int_equal(coord_map_apply_delta(&m, &d, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "peers 10 and 30 have the same public key"));
	assert_int_equal(coord_map_size(&m), 3);
	assert_true(m.version == 1);
	coord_map_delta_free(&d);
	coord_map_free(&m);
}

/* Brute force: for every id of next, look it up in prev linearly. */
static void check_diff(const struct coord_peer *prev, size_t n_prev, const struct coord_peer *next,
		       size_t n_next, const struct coord_map_delta *d)
{
	size_t changed = 0, removed = 0;

	for (size_t j = 0; j < n_next; j++) {
		const struct coord_peer *old = NULL;

		for (size_t i = 0; i < n_prev; i++)
			if (prev[i].id == next[j].id)
				old = &prev[i];
		if (!old || !coord_peer_equal(old, &next[j])) {
			assert_true(changed < d->n_changed);
			assert_true(coord_peer_equal(&d->changed[changed], &next[j]));
			changed++;
		}
	}
	for (size_t i = 0; i < n_prev; i++) {
		bool kept = false;

		for (size_t j = 0; j < n_next; j++)
			kept |= prev[i].id == next[j].id;
		if (!kept) {
			assert_true(removed < d->n_removed);
			assert_true(d->removed[removed] == prev[i].id);
			removed++;
		}
	}
	assert_int_equal(changed, d->n_changed);
	assert_int_equal(removed, d->n_removed);
}

/* A random set of ids in 1..200, each with a random variant 0..2. */
static struct coord_peer *random_set(unsigned int *seed, size_t *n)
{
	struct coord_peer *peers = calloc(200, sizeof(*peers));

	*n = 0;
	for (uint64_t id = 1; id <= 200; id++)
		if (rand_r(seed) % 3)
			coord_test_peer(&peers[(*n)++], id, (unsigned int)(rand_r(seed) % 3));
	return peers;
}

static void test_diff_matches_brute_force(void **state)
{
	unsigned int seed = 18;

	(void)state;
	for (int round = 0; round < 200; round++) {
		struct coord_map_delta d;
		struct coord_map m;
		struct coord_map_self self;
		size_t n_prev, n_next;
		struct coord_peer *prev = random_set(&seed, &n_prev);
		struct coord_peer *next = random_set(&seed, &n_next);
		struct coord_peer *copy = calloc(n_prev ? n_prev : 1, sizeof(*copy));
		char why[256] = "";

		assert_int_equal(coord_map_diff(prev, n_prev, next, n_next, 8, &d, why,
						sizeof(why)), 0);
		check_diff(prev, n_prev, next, n_next, &d);
		/* Applying the diff to prev gives next. */
		for (size_t i = 0; i < n_prev; i++)
			assert_int_equal(coord_peer_copy(&copy[i], &prev[i]), 0);
		coord_test_self(&self);
		coord_map_init(&m);
		assert_int_equal(coord_map_apply_full(&m, 7, &self, copy, n_prev, why,
						      sizeof(why)), 0);
		assert_int_equal(coord_map_apply_delta(&m, &d, why, sizeof(why)), 0);
		assert_int_equal(coord_map_size(&m), n_next);
		for (size_t j = 0; j < n_next; j++)
			assert_true(coord_peer_equal(coord_map_peer_at(&m, j), &next[j]));
		coord_map_free(&m);
		coord_map_delta_free(&d);
		coord_peers_free(prev, n_prev);
		coord_peers_free(next, n_next);
	}
}

static void test_diff_refuses_unsorted(void **state)
{
	struct coord_peer *peers = coord_test_peers(1, 3, 0);
	struct coord_map_delta d;
	char why[256] = "";

	(void)state;
	peers[2].id = 2;
	assert_int_equal(coord_map_diff(NULL, 0, peers, 3, 1, &d, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "new peer set: id 2 after 2"));
	coord_peers_free(peers, 3);
}

/* Encoded delta bytes when one peer of an n-peer map changes. */
static size_t one_change_bytes(size_t n)
{
	struct coord_peer *prev = coord_test_peers(1, n, 0), *next = coord_test_peers(1, n, 0);
	struct coord_map_delta d;
	struct coord_buf b;
	char why[256] = "";
	size_t bytes;

	coord_peer_free(&next[n / 2]);
	coord_test_peer(&next[n / 2], n / 2 + 1, 1);	/* new port, a route and key */
	assert_int_equal(coord_map_diff(prev, n, next, n, 1000000 + n, &d, why, sizeof(why)), 0);
	assert_int_equal(d.n_changed, 1);
	assert_int_equal(d.n_removed, 0);
	coord_buf_init(&b);
	assert_int_equal(coord_msg_map_delta_encode(&b, &d, why, sizeof(why)), 0);
	bytes = b.len;
	coord_buf_free(&b);
	coord_map_delta_free(&d);
	coord_peers_free(prev, n);
	coord_peers_free(next, n);
	return bytes;
}

static void test_one_change_delta_is_small(void **state)
{
	size_t b1k = one_change_bytes(1000), b10k = one_change_bytes(10000);
	size_t b50k = one_change_bytes(50000);

	(void)state;
	print_message("one changed peer: %zu bytes at 1k, %zu at 10k, %zu at 50k peers\n", b1k,
		      b10k, b50k);
	assert_true(b50k < 200);
	assert_true(b1k <= b50k && b50k - b1k <= 4);	/* only the varints grow */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_then_deltas_in_order),
		cmocka_unit_test(test_gap_and_unknown_removal_are_stale),
		cmocka_unit_test(test_duplicate_key_refused_map_unchanged),
		cmocka_unit_test(test_diff_matches_brute_force),
		cmocka_unit_test(test_diff_refuses_unsorted),
		cmocka_unit_test(test_one_change_delta_is_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
