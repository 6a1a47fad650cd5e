// SPDX-License-Identifier: GPL-2.0
/* Identifier allocation: see ids.h for the invariants. */
#include <errno.h>
#include <string.h>
#include <gnutls/crypto.h>

#include "ids.h"

/* Random draws before giving up on a crowded space (each hit is unlikely). */
#define IDS_TRIES 256

static int gnutls_source(void *buf, size_t len)
{
	return gnutls_rnd(GNUTLS_RND_NONCE, buf, len) < 0 ? -EIO : 0;
}

static burrow_ids_rand_fn rand_source = gnutls_source;

void burrow_ids_set_rand(burrow_ids_rand_fn fn)
{
	rand_source = fn ? fn : gnutls_source;
}

int burrow_ids_control_cid(uint8_t *cid, size_t len)
{
	if (len && rand_source(cid, len))
		return -EIO;
	if (len)
		cid[0] &= (uint8_t)~BURROW_IDS_DATA_CID_BIT;
	return 0;
}

bool burrow_ids_is_data_cid(const uint8_t *cid, size_t len)
{
	return len && (cid[0] & BURROW_IDS_DATA_CID_BIT);
}

static bool cid_taken(const uint8_t *cid, size_t len, const struct burrow_hello_cid *taken,
		      size_t n_taken)
{
	for (size_t i = 0; i < n_taken; i++)
		if (taken[i].len == len && !memcmp(taken[i].id, cid, len))
			return true;
	return false;
}

int burrow_ids_data_cid(uint8_t *cid, size_t len, const struct burrow_hello_cid *taken,
			size_t n_taken)
{
	if (len == 0 || len > BURROW_HELLO_CID_LEN_MAX)
		return -EINVAL;
	for (int i = 0; i < IDS_TRIES; i++) {
		if (rand_source(cid, len))
			return -EIO;
		cid[0] |= BURROW_IDS_DATA_CID_BIT;
		if (!cid_taken(cid, len, taken, n_taken))
			return 0;
	}
	if (len == 1) {
		/* 128 values: walk them all from where the last draw ended. */
		for (unsigned int step = 0; step < 128; step++) {
			cid[0] = (uint8_t)(BURROW_IDS_DATA_CID_BIT | ((cid[0] + 1) & 0x7f));
			if (!cid_taken(cid, len, taken, n_taken))
				return 0;
		}
	}
	return -EADDRINUSE;
}

int burrow_ids_receiver(uint32_t *id, const uint32_t *taken, size_t n_taken)
{
	for (int i = 0; i < IDS_TRIES; i++) {
		uint32_t v;
		bool used = false;

		if (rand_source(&v, sizeof(v)))
			return -EIO;
		if (v == 0)
			continue;
		for (size_t j = 0; j < n_taken && !used; j++)
			used = taken[j] == v;
		if (!used) {
			*id = v;
			return 0;
		}
	}
	return -EADDRINUSE;
}
