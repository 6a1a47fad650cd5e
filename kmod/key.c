// SPDX-License-Identifier: GPL-2.0
/*
 * Data keys: creation from netlink parameters, usage limits and freeing.
 *
 * Usage limits. RFC 9001 §6.6 bounds how many packets one AES-GCM key may
 * protect (2^23 in QUIC, where packets may be up to 2^16 bytes); burrow
 * applies that bound to both encapsulations.
 * ChaCha20-Poly1305's confidentiality bound is far beyond any real traffic,
 * so its cap is 2^60 packets, well short of counter exhaustion. Every key
 * also ages out: by default it asks to be replaced after an hour and stops
 * encrypting after two; no key may live longer than a week. Userspace may
 * lower any limit, never raise one past its cap.
 *
 * RFC 9001 §6.6 also bounds forgery attempts: past 2^52 packets that fail
 * authentication (AES-GCM), or 2^36 (ChaCha20-Poly1305), a receiver must
 * stop. burrow counts failures per key and refuses the key's packets once
 * its integrity limit is passed; rotation then brings a fresh key.
 */

#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "key.h"
#include "main.h"

struct burrow_cipher_limits {
	u64 hard_packets_cap;
	u64 soft_packets_default;
	u64 integrity_cap;
};

static const struct burrow_cipher_limits burrow_cipher_limits[] = {
	[BURROW_CIPHER_CHACHA20_POLY1305] = { 1ULL << 60, 1ULL << 59, 1ULL << 36 },
	[BURROW_CIPHER_AES_128_GCM] = { 1ULL << 23, (1ULL << 23) - (1ULL << 21), 1ULL << 52 },
	[BURROW_CIPHER_AES_256_GCM] = { 1ULL << 23, (1ULL << 23) - (1ULL << 21), 1ULL << 52 },
};

int burrow_key_limits_resolve(u8 cipher, struct burrow_key_limits *limits, const char **why)
{
	const struct burrow_cipher_limits *cap;

	if (cipher >= ARRAY_SIZE(burrow_cipher_limits)) {
		*why = "unknown cipher";
		return -EINVAL;
	}
	cap = &burrow_cipher_limits[cipher];
	if (!limits->hard_packets)
		limits->hard_packets = cap->hard_packets_cap;
	if (!limits->soft_packets)
		limits->soft_packets = min(cap->soft_packets_default, limits->hard_packets);
	if (!limits->integrity)
		limits->integrity = cap->integrity_cap;
	if (!limits->hard_seconds)
		limits->hard_seconds = BURROW_KEY_DEFAULT_HARD_SECONDS;
	if (!limits->soft_seconds)
		limits->soft_seconds = min_t(u32, BURROW_KEY_DEFAULT_SOFT_SECONDS,
					     limits->hard_seconds);
	if (limits->hard_packets > cap->hard_packets_cap) {
		*why = "hard packet limit above the cipher's cap";
		return -EINVAL;
	}
	if (limits->integrity > cap->integrity_cap) {
		*why = "integrity limit above the cipher's cap";
		return -EINVAL;
	}
	if (limits->hard_seconds > BURROW_KEY_MAX_SECONDS) {
		*why = "hard time limit above the maximum key lifetime";
		return -EINVAL;
	}
	if (limits->soft_packets > limits->hard_packets ||
	    limits->soft_seconds > limits->hard_seconds) {
		*why = "soft limit above hard limit";
		return -EINVAL;
	}
	return 0;
}

struct burrow_key *burrow_key_create(const struct burrow_key_params *params)
{
	struct burrow_key *key;
	int ret;

	key = kzalloc(sizeof(*key), GFP_KERNEL);
	if (!key)
		return ERR_PTR(-ENOMEM);
	key->tx = burrow_aead_create(params->cipher, params->encrypt_key,
				     params->key_len, params->encrypt_iv);
	if (IS_ERR(key->tx)) {
		ret = PTR_ERR(key->tx);
		goto err_free_key;
	}
	key->rx = burrow_aead_create(params->cipher, params->decrypt_key,
				     params->key_len, params->decrypt_iv);
	if (IS_ERR(key->rx)) {
		ret = PTR_ERR(key->rx);
		goto err_destroy_tx;
	}
	if (params->encrypt_hp_key && params->decrypt_hp_key) {
		key->hp = kzalloc(sizeof(*key->hp), GFP_KERNEL);
		if (!key->hp) {
			ret = -ENOMEM;
			goto err_destroy_rx;
		}
		ret = burrow_quic_hp_init(&key->hp->tx, params->cipher,
					  params->encrypt_hp_key, params->key_len);
		if (!ret)
			ret = burrow_quic_hp_init(&key->hp->rx, params->cipher,
						  params->decrypt_hp_key, params->key_len);
		if (ret)
			goto err_free_hp;
	}
	key->key_id = params->key_id;
	key->cipher = params->cipher;
	key->limits = params->limits;
	key->created = ktime_get_boottime_seconds();
	atomic64_set(&key->tx_counter, 0);
	atomic64_set(&key->rx_packets, 0);
	atomic64_set(&key->rx_auth_failures, 0);
	burrow_replay_init(&key->replay);
	refcount_set(&key->refcount, 1);
	return key;

err_free_hp:
	kfree_sensitive(key->hp);
err_destroy_rx:
	burrow_aead_destroy(key->rx);
err_destroy_tx:
	burrow_aead_destroy(key->tx);
err_free_key:
	kfree(key);
	return ERR_PTR(ret);
}

static void burrow_key_free(struct burrow_key *key)
{
	kfree_sensitive(key->hp);
	burrow_aead_destroy(key->rx);
	burrow_aead_destroy(key->tx);
	kfree_sensitive(key);
}

void burrow_key_put(struct burrow_key *key)
{
	if (key && refcount_dec_and_test(&key->refcount))
		burrow_key_free(key);
}

static void burrow_key_free_work(struct work_struct *work)
{
	burrow_key_put(container_of(to_rcu_work(work), struct burrow_key, free_work));
}

void burrow_key_free_rcu(struct burrow_key *key)
{
	if (!key)
		return;
	INIT_RCU_WORK(&key->free_work, burrow_key_free_work);
	queue_rcu_work(burrow_wq, &key->free_work);
}

u32 burrow_key_age(const struct burrow_key *key)
{
	return ktime_get_boottime_seconds() - key->created;
}

int burrow_key_next_counter(struct burrow_key *key, u64 *counter)
{
	u32 age = burrow_key_age(key);

	*counter = atomic64_fetch_inc(&key->tx_counter);
	if (*counter >= key->limits.hard_packets || age >= key->limits.hard_seconds)
		return BURROW_KEY_LIMIT_HARD;
	if (*counter >= key->limits.soft_packets || age >= key->limits.soft_seconds)
		return BURROW_KEY_LIMIT_SOFT;
	return BURROW_KEY_LIMIT_NONE;
}

bool burrow_key_auth_failed(struct burrow_key *key)
{
	u64 failures = atomic64_inc_return(&key->rx_auth_failures);

	/* "Exceeds the integrity limit": the failure after the limit-th. */
	return failures > key->limits.integrity &&
	       !test_and_set_bit(BURROW_KEY_RX_REFUSED, &key->flags);
}
