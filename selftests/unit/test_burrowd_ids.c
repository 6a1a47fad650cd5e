// SPDX-License-Identifier: GPL-2.0
/*
 * Identifier allocation (userspace/ids.c).
 * The kernel claims a short-header datagram when its first quic_cid_len
 * DCID bytes equal a local data CID, so burrowd's control SCIDs (16 bytes)
 * must never share such a prefix with a data CID, at any quic-cid-len
 * 1-20; and data CIDs of a device must be unique.
 * Kernel receiver ids are random, non-zero and unique, not 1..N.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ids.h"

#define CONTROL_LEN 16	/* QUIC_SCID_LEN */

static void test_control_and_data_cids_never_share_a_prefix(void **state)
{
	static uint8_t control[500][CONTROL_LEN];

	(void)state;
	for (size_t i = 0; i < 500; i++) {
		assert_int_equal(burrow_ids_control_cid(control[i], CONTROL_LEN), 0);
		assert_false(burrow_ids_is_data_cid(control[i], CONTROL_LEN));
	}
	for (size_t len = 1; len <= BURROW_HELLO_CID_LEN_MAX; len++) {
		for (size_t k = 0; k < 100; k++) {
			uint8_t data[BURROW_HELLO_CID_LEN_MAX];
			size_t prefix = len < CONTROL_LEN ? len : CONTROL_LEN;

			assert_int_equal(burrow_ids_data_cid(data, len, NULL, 0), 0);
			assert_true(burrow_ids_is_data_cid(data, len));
			/* what the kernel compares: the first len bytes of the DCID */
			for (size_t i = 0; i < 500; i++)
				assert_true(memcmp(control[i], data, prefix) != 0);
		}
	}
}

/* A scripted random source: each call takes the next value, then repeats the last. */
static const uint8_t *script;
static size_t script_len, script_pos;

static int scripted(void *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		((uint8_t *)buf)[i] = script[script_pos < script_len ? script_pos : script_len - 1];
		if (script_pos < script_len)
			script_pos++;
	}
	return 0;
}

static void use_script(const uint8_t *bytes, size_t len)
{
	script = bytes;
	script_len = len;
	script_pos = 0;
	burrow_ids_set_rand(scripted);
}

static void test_data_cid_rerolled_on_collision(void **state)
{
	static const uint8_t draws[] = { 0x05, 0x06 };
	struct burrow_hello_cid taken[128];
	uint8_t cid[1];

	(void)state;
	/* 0x05 becomes 0x85, which is taken; the re-roll 0x86 is free. */
	taken[0].len = 1;
	taken[0].id[0] = 0x85;
	use_script(draws, sizeof(draws));
	assert_int_equal(burrow_ids_data_cid(cid, 1, taken, 1), 0);
	assert_int_equal(cid[0], 0x86);
	/* 127 of the 128 one-byte data CIDs taken: the free one is found. */
	for (unsigned int v = 0; v < 128; v++) {
		taken[v].len = 1;
		taken[v].id[0] = (uint8_t)(0x80 | v);
	}
	taken[42].id[0] = 0x85;	/* 0x80|42 = 0xaa is the free one; 0x85 twice */
	use_script(draws, 1);	/* always 0x85 */
	assert_int_equal(burrow_ids_data_cid(cid, 1, taken, 128), 0);
	assert_int_equal(cid[0], 0xaa);
	/* All 128 taken. */
	taken[42].id[0] = 0xaa;
	assert_int_equal(burrow_ids_data_cid(cid, 1, taken, 128), -EADDRINUSE);
	/* A longer CID of the same first byte is another CID. */
	use_script(draws, 1);
	assert_int_equal(burrow_ids_data_cid(cid, 1, taken, 0), 0);
	burrow_ids_set_rand(NULL);
}

static void test_receiver_ids_random_nonzero_unique(void **state)
{
	static uint32_t ids[1000];
	size_t consecutive = 0, small = 0;

	(void)state;
	for (size_t i = 0; i < 1000; i++) {
		assert_int_equal(burrow_ids_receiver(&ids[i], ids, i), 0);
		assert_true(ids[i] != 0);
		for (size_t j = 0; j < i; j++)
			assert_true(ids[j] != ids[i]);
		if (i && ids[i] == ids[i - 1] + 1)
			consecutive++;
		if (ids[i] <= 1000)
			small++;
	}
	/* 1..N would make all 999 pairs consecutive and every id small. */
	assert_true(consecutive < 3);
	assert_true(small < 3);
}

static void test_receiver_id_skips_zero_and_taken(void **state)
{
	/* 0, then 7 (taken), then 9 */
	static const uint8_t draws[] = { 0, 0, 0, 0, 7, 0, 0, 0, 9, 0, 0, 0 };
	uint32_t taken[] = { 7 }, id = 0;

	(void)state;
	use_script(draws, sizeof(draws));
	assert_int_equal(burrow_ids_receiver(&id, taken, 1), 0);
	assert_int_equal(id, 9);	/* little-endian draw of 09 00 00 00 */
	use_script(draws, 4);		/* only zeros */
	assert_int_equal(burrow_ids_receiver(&id, taken, 1), -EADDRINUSE);
	burrow_ids_set_rand(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_and_data_cids_never_share_a_prefix),
		cmocka_unit_test(test_data_cid_rerolled_on_collision),
		cmocka_unit_test(test_receiver_ids_random_nonzero_unique),
		cmocka_unit_test(test_receiver_id_skips_zero_and_taken),
	};

	return cmocka_run_group_tests_name("burrowd identifiers", tests, NULL, NULL);
}
