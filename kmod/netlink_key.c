// SPDX-License-Identifier: GPL-2.0
/*
 * key-new, key-swap, key-del and key-get.
 *
 * Key material is write-only: no reply ever carries it, and the request's
 * copy is wiped from the netlink message once the key is installed or
 * refused, whatever refused it, so it does not linger in freed socket
 * buffers nor come back in the error ACK's copy of the request. key-new is
 * marked x-request-secret in netlink/burrow.yaml: the family's pre_doit
 * checks its privilege and policy and post_doit wipes it (netlink.c).
 * pre_doit also hands every op here its device, with config_lock held.
 */

#include <net/genetlink.h>
#include <crypto/algapi.h>

#include "device.h"
#include "key.h"
#include "netlink.h"
#include "netlink_gen.h"
#include "peer.h"

static const int burrow_key_secret_attrs[] = {
	BURROW_A_KEYCONF_ENCRYPT_KEY, BURROW_A_KEYCONF_ENCRYPT_IV,
	BURROW_A_KEYCONF_DECRYPT_KEY, BURROW_A_KEYCONF_DECRYPT_IV,
	BURROW_A_KEYCONF_ENCRYPT_HP_KEY, BURROW_A_KEYCONF_DECRYPT_HP_KEY,
};

static const int burrow_key_read_only[] = {
	BURROW_A_KEYCONF_AGE_SECONDS, BURROW_A_KEYCONF_TX_PACKETS,
	BURROW_A_KEYCONF_RX_PACKETS, BURROW_A_KEYCONF_RX_MAX_COUNTER,
	BURROW_A_KEYCONF_LIMIT_REACHED, BURROW_A_KEYCONF_KEY_PHASE,
	BURROW_A_KEYCONF_RX_AUTH_FAILURES,
};

/*
 * Parse keyconf: no read-only attributes, key material only for key-new,
 * peer-id always and slot when need_slot.
 */
static int burrow_nl_key_parse(struct genl_info *info, struct nlattr **tb,
			       struct nlattr **attrs, bool need_slot, bool new_key)
{
	struct nlattr *nest = tb[BURROW_A_DEV_KEYCONF];
	struct nlattr *refused;
	int ret;

	if (!nest) {
		NL_SET_ERR_MSG(info->extack, "missing keyconf");
		return -EINVAL;
	}
	ret = nla_parse_nested(attrs, BURROW_A_KEYCONF_MAX, nest, burrow_keyconf_nl_policy,
			       info->extack);
	if (ret)
		return ret;
	refused = burrow_nl_first_present(attrs, burrow_key_read_only,
					  ARRAY_SIZE(burrow_key_read_only));
	if (refused) {
		NL_SET_ERR_MSG_ATTR(info->extack, refused, "attribute is read-only");
		return -EINVAL;
	}
	refused = new_key ? NULL :
		burrow_nl_first_present(attrs, burrow_key_secret_attrs,
					ARRAY_SIZE(burrow_key_secret_attrs));
	if (refused) {
		NL_SET_ERR_MSG_ATTR(info->extack, refused, "key material belongs only in key-new");
		return -EINVAL;
	}
	if (!attrs[BURROW_A_KEYCONF_PEER_ID]) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest, "missing keyconf peer-id");
		return -EINVAL;
	}
	if (need_slot && !attrs[BURROW_A_KEYCONF_SLOT]) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest, "missing keyconf slot");
		return -EINVAL;
	}
	return 0;
}

/* Parse keyconf and find the peer, in the device pre_doit locked. */
static struct burrow_peer *burrow_nl_key_peer(struct genl_info *info, struct nlattr **attrs,
					      bool need_slot)
{
	bool new_key = info->genlhdr->cmd == BURROW_CMD_KEY_NEW;
	struct burrow_device *bdev = info->user_ptr[0];
	struct burrow_peer *peer;
	int ret;

	ret = burrow_nl_key_parse(info, info->attrs, attrs, need_slot, new_key);
	if (ret)
		return ERR_PTR(ret);
	peer = burrow_peer_lookup(bdev, nla_get_u32(attrs[BURROW_A_KEYCONF_PEER_ID]));
	if (!peer) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[BURROW_A_KEYCONF_PEER_ID],
				    "no peer with this id");
		return ERR_PTR(-ENOENT);
	}
	return peer;
}

static int burrow_nl_key_params(struct nlattr **attrs, struct burrow_key_params *params,
				struct netlink_ext_ack *extack)
{
	static const int required[] = {
		BURROW_A_KEYCONF_KEY_ID, BURROW_A_KEYCONF_CIPHER,
		BURROW_A_KEYCONF_ENCRYPT_KEY, BURROW_A_KEYCONF_ENCRYPT_IV,
		BURROW_A_KEYCONF_DECRYPT_KEY, BURROW_A_KEYCONF_DECRYPT_IV,
	};
	const char *why;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(required); i++) {
		if (!attrs[required[i]]) {
			NL_SET_ERR_MSG(extack,
				       "key-new needs key-id, cipher and both directions' key and iv");
			return -EINVAL;
		}
	}
	memset(params, 0, sizeof(*params));
	params->key_id = nla_get_u8(attrs[BURROW_A_KEYCONF_KEY_ID]);
	params->cipher = nla_get_u8(attrs[BURROW_A_KEYCONF_CIPHER]);
	params->key_len = burrow_cipher_key_len(params->cipher);
	if (nla_len(attrs[BURROW_A_KEYCONF_ENCRYPT_KEY]) != params->key_len ||
	    nla_len(attrs[BURROW_A_KEYCONF_DECRYPT_KEY]) != params->key_len) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[BURROW_A_KEYCONF_ENCRYPT_KEY],
				    "key length does not match the cipher");
		return -EINVAL;
	}
	params->encrypt_key = nla_data(attrs[BURROW_A_KEYCONF_ENCRYPT_KEY]);
	params->encrypt_iv = nla_data(attrs[BURROW_A_KEYCONF_ENCRYPT_IV]);
	params->decrypt_key = nla_data(attrs[BURROW_A_KEYCONF_DECRYPT_KEY]);
	params->decrypt_iv = nla_data(attrs[BURROW_A_KEYCONF_DECRYPT_IV]);
	if (!attrs[BURROW_A_KEYCONF_ENCRYPT_HP_KEY] != !attrs[BURROW_A_KEYCONF_DECRYPT_HP_KEY]) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[BURROW_A_KEYCONF_ENCRYPT_HP_KEY] ?:
				    attrs[BURROW_A_KEYCONF_DECRYPT_HP_KEY],
				    "give both header-protection keys or neither");
		return -EINVAL;
	}
	if (attrs[BURROW_A_KEYCONF_ENCRYPT_HP_KEY]) {
		if (nla_len(attrs[BURROW_A_KEYCONF_ENCRYPT_HP_KEY]) != params->key_len ||
		    nla_len(attrs[BURROW_A_KEYCONF_DECRYPT_HP_KEY]) != params->key_len) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[BURROW_A_KEYCONF_ENCRYPT_HP_KEY],
					    "header-protection key length does not match the cipher");
			return -EINVAL;
		}
		params->encrypt_hp_key = nla_data(attrs[BURROW_A_KEYCONF_ENCRYPT_HP_KEY]);
		params->decrypt_hp_key = nla_data(attrs[BURROW_A_KEYCONF_DECRYPT_HP_KEY]);
	}
	/*
	 * One key or one IV for both directions: both sides would then seal
	 * with the same nonces (keystream reuse; with GCM, forgeries), and
	 * with tx-id = id the peer would take its own packets, reflected
	 * back, for the other side's. The policy makes both IVs
	 * BURROW_AEAD_IV_LEN bytes long.
	 */
	if (!crypto_memneq(params->encrypt_key, params->decrypt_key, params->key_len)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[BURROW_A_KEYCONF_DECRYPT_KEY],
				    "decrypt-key equals encrypt-key: each direction needs its own key");
		return -EINVAL;
	}
	if (!crypto_memneq(params->encrypt_iv, params->decrypt_iv, BURROW_AEAD_IV_LEN)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[BURROW_A_KEYCONF_DECRYPT_IV],
				    "decrypt-iv equals encrypt-iv: each direction needs its own IV");
		return -EINVAL;
	}
	if (attrs[BURROW_A_KEYCONF_SOFT_LIMIT_PACKETS])
		params->limits.soft_packets = nla_get_u64(attrs[BURROW_A_KEYCONF_SOFT_LIMIT_PACKETS]);
	if (attrs[BURROW_A_KEYCONF_HARD_LIMIT_PACKETS])
		params->limits.hard_packets = nla_get_u64(attrs[BURROW_A_KEYCONF_HARD_LIMIT_PACKETS]);
	if (attrs[BURROW_A_KEYCONF_SOFT_LIMIT_SECONDS])
		params->limits.soft_seconds = nla_get_u32(attrs[BURROW_A_KEYCONF_SOFT_LIMIT_SECONDS]);
	if (attrs[BURROW_A_KEYCONF_HARD_LIMIT_SECONDS])
		params->limits.hard_seconds = nla_get_u32(attrs[BURROW_A_KEYCONF_HARD_LIMIT_SECONDS]);
	if (attrs[BURROW_A_KEYCONF_INTEGRITY_LIMIT])
		params->limits.integrity = nla_get_u64(attrs[BURROW_A_KEYCONF_INTEGRITY_LIMIT]);
	if (burrow_key_limits_resolve(params->cipher, &params->limits, &why)) {
		/* why is a string literal, as NL_SET_ERR_MSG requires. */
		if (extack)
			extack->_msg = why;
		return -EINVAL;
	}
	return 0;
}

/*
 * The peer's other slot must not hold this key generation again: a key
 * installed anew sends from counter 0, so the other slot's key and IV would
 * repeat every nonce that slot has sealed with, and receiving would start a
 * fresh replay window under a key whose packets were already accepted.
 *
 * The kernel keeps no copy of the raw keys (they live only in the crypto
 * API's transform contexts, see crypto.c), but it keeps each direction's
 * IV, and a generation's key and IV are derived together (burrowd expands
 * both from one secret per direction and generation), so the IV stands for
 * the generation. This refuses the same IV under another key too, which a
 * sound key schedule produces only with negligible probability.
 */
static int burrow_nl_key_check_other(const struct burrow_key *other,
				     const struct burrow_key_params *params,
				     struct nlattr **attrs, struct netlink_ext_ack *extack)
{
	if (!other)
		return 0;
	if (burrow_aead_iv_equal(other->tx, params->encrypt_iv)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[BURROW_A_KEYCONF_ENCRYPT_IV],
				    "encrypt-iv is the one the peer's other slot sends with");
		return -EINVAL;
	}
	if (burrow_aead_iv_equal(other->rx, params->decrypt_iv)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[BURROW_A_KEYCONF_DECRYPT_IV],
				    "decrypt-iv is the one the peer's other slot receives with");
		return -EINVAL;
	}
	return 0;
}

/*
 * A quic peer's keys carry header-protection keys, the two slots differ in
 * key phase (burrow_key_phase(): the key id's parity), and share the header-protection
 * keys, which RFC 9001 §6 keeps across key updates: the receiver removes
 * header protection before it can read the key phase.
 */
static int burrow_nl_key_check_quic(struct burrow_peer *peer, struct burrow_key *other,
				    const struct burrow_key_params *params, struct nlattr **attrs,
				    struct netlink_ext_ack *extack)
{
	if (peer->encap != BURROW_ENCAP_QUIC)
		return 0;
	if (!params->encrypt_hp_key) {
		NL_SET_ERR_MSG(extack, "a quic peer's key needs encrypt-hp-key and decrypt-hp-key");
		return -EINVAL;
	}
	if (!other)
		return 0;
	if ((other->key_id & 1) == (params->key_id & 1)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[BURROW_A_KEYCONF_KEY_ID],
				    "key id has the key phase of the peer's other slot");
		return -EINVAL;
	}
	if (!other->hp || other->cipher != params->cipher ||
	    other->hp->tx.key_len != params->key_len ||
	    crypto_memneq(other->hp->tx.key, params->encrypt_hp_key, params->key_len) ||
	    crypto_memneq(other->hp->rx.key, params->decrypt_hp_key, params->key_len)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[BURROW_A_KEYCONF_ENCRYPT_HP_KEY],
				    "header-protection keys differ from the peer's other slot");
		return -EINVAL;
	}
	return 0;
}

int burrow_nl_key_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attrs[BURROW_A_KEYCONF_MAX + 1] = {};
	struct burrow_device *bdev = info->user_ptr[0];
	struct burrow_key_params params = {};
	struct burrow_key *key, *other, *old;
	struct burrow_peer *peer;
	int slot, ret;

	peer = burrow_nl_key_peer(info, attrs, true);
	if (IS_ERR(peer))
		return PTR_ERR(peer);
	ret = burrow_nl_key_params(attrs, &params, info->extack);
	if (ret)
		goto out_wipe;
	slot = nla_get_u8(attrs[BURROW_A_KEYCONF_SLOT]);
	other = rcu_dereference_protected(peer->keys[!slot], lockdep_is_held(&bdev->config_lock));
	/* The receiver picks the key by id: two slots must differ. */
	if (other && other->key_id == params.key_id) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[BURROW_A_KEYCONF_KEY_ID],
				    "key id is in use by the peer's other slot");
		ret = -EEXIST;
		goto out_wipe;
	}
	ret = burrow_nl_key_check_other(other, &params, attrs, info->extack);
	if (ret)
		goto out_wipe;
	ret = burrow_nl_key_check_quic(peer, other, &params, attrs, info->extack);
	if (ret)
		goto out_wipe;
	key = burrow_key_create(&params);
	if (IS_ERR(key)) {
		ret = PTR_ERR(key);
		NL_SET_ERR_MSG(info->extack, "cannot set up the cipher");
		goto out_wipe;
	}
	key->peer = peer;
	old = rcu_replace_pointer(peer->keys[slot], key, lockdep_is_held(&bdev->config_lock));
	burrow_key_free_rcu(old);
	burrow_device_changed(bdev);
out_wipe:
	/* The request itself is wiped by post_doit. */
	memzero_explicit(&params, sizeof(params));
	return ret;
}

int burrow_nl_key_swap_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attrs[BURROW_A_KEYCONF_MAX + 1] = {};
	struct burrow_device *bdev = info->user_ptr[0];
	struct burrow_key *primary, *secondary;
	struct burrow_peer *peer;

	peer = burrow_nl_key_peer(info, attrs, false);
	if (IS_ERR(peer))
		return PTR_ERR(peer);
	primary = rcu_dereference_protected(peer->keys[BURROW_KEY_PRIMARY],
					    lockdep_is_held(&bdev->config_lock));
	secondary = rcu_dereference_protected(peer->keys[BURROW_KEY_SECONDARY],
					      lockdep_is_held(&bdev->config_lock));
	if (!secondary) {
		NL_SET_ERR_MSG(info->extack, "no secondary key to swap in");
		return -ENOENT;
	}
	rcu_assign_pointer(peer->keys[BURROW_KEY_PRIMARY], secondary);
	rcu_assign_pointer(peer->keys[BURROW_KEY_SECONDARY], primary);
	burrow_device_changed(bdev);
	return 0;
}

int burrow_nl_key_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attrs[BURROW_A_KEYCONF_MAX + 1] = {};
	struct burrow_device *bdev = info->user_ptr[0];
	struct burrow_peer *peer;
	struct burrow_key *key;
	int slot;

	peer = burrow_nl_key_peer(info, attrs, true);
	if (IS_ERR(peer))
		return PTR_ERR(peer);
	slot = nla_get_u8(attrs[BURROW_A_KEYCONF_SLOT]);
	key = rcu_replace_pointer(peer->keys[slot], NULL, lockdep_is_held(&bdev->config_lock));
	if (!key) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[BURROW_A_KEYCONF_SLOT],
				    "no key in this slot");
		return -ENOENT;
	}
	burrow_key_free_rcu(key);
	burrow_device_changed(bdev);
	return 0;
}

int burrow_nl_put_key_metadata(struct sk_buff *msg, struct burrow_peer *peer, int slot,
			       struct burrow_key *key, bool with_usage)
{
	int limit = BURROW_KEY_LIMIT_NONE;

	if (test_bit(BURROW_KEY_HARD_NOTIFIED, &key->flags))
		limit = BURROW_KEY_LIMIT_HARD;
	else if (test_bit(BURROW_KEY_SOFT_NOTIFIED, &key->flags))
		limit = BURROW_KEY_LIMIT_SOFT;
	if (nla_put_u32(msg, BURROW_A_KEYCONF_PEER_ID, peer->id) ||
	    nla_put_u8(msg, BURROW_A_KEYCONF_SLOT, slot) ||
	    nla_put_u8(msg, BURROW_A_KEYCONF_KEY_ID, key->key_id) ||
	    nla_put_u8(msg, BURROW_A_KEYCONF_CIPHER, key->cipher) ||
	    nla_put_u8(msg, BURROW_A_KEYCONF_LIMIT_REACHED, limit) ||
	    nla_put_u8(msg, BURROW_A_KEYCONF_KEY_PHASE, burrow_key_phase(key)))
		return -EMSGSIZE;
	if (!with_usage)
		return 0;
	if (nla_put_u64_64bit(msg, BURROW_A_KEYCONF_SOFT_LIMIT_PACKETS,
			      key->limits.soft_packets, 0) ||
	    nla_put_u64_64bit(msg, BURROW_A_KEYCONF_HARD_LIMIT_PACKETS,
			      key->limits.hard_packets, 0) ||
	    nla_put_u32(msg, BURROW_A_KEYCONF_SOFT_LIMIT_SECONDS, key->limits.soft_seconds) ||
	    nla_put_u32(msg, BURROW_A_KEYCONF_HARD_LIMIT_SECONDS, key->limits.hard_seconds) ||
	    nla_put_u32(msg, BURROW_A_KEYCONF_AGE_SECONDS, burrow_key_age(key)) ||
	    nla_put_u64_64bit(msg, BURROW_A_KEYCONF_TX_PACKETS,
			      min_t(u64, atomic64_read(&key->tx_counter),
				    key->limits.hard_packets), 0) ||
	    nla_put_u64_64bit(msg, BURROW_A_KEYCONF_RX_PACKETS,
			      atomic64_read(&key->rx_packets), 0) ||
	    nla_put_u64_64bit(msg, BURROW_A_KEYCONF_RX_MAX_COUNTER,
			      burrow_replay_max(&key->replay), 0) ||
	    nla_put_u64_64bit(msg, BURROW_A_KEYCONF_INTEGRITY_LIMIT,
			      key->limits.integrity, 0) ||
	    nla_put_u64_64bit(msg, BURROW_A_KEYCONF_RX_AUTH_FAILURES,
			      atomic64_read(&key->rx_auth_failures), 0))
		return -EMSGSIZE;
	return 0;
}

int burrow_nl_key_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attrs[BURROW_A_KEYCONF_MAX + 1] = {};
	struct burrow_device *bdev = info->user_ptr[0];
	struct burrow_peer *peer;
	struct burrow_key *key;
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;
	int slot;

	peer = burrow_nl_key_peer(info, attrs, true);
	if (IS_ERR(peer))
		return PTR_ERR(peer);
	slot = nla_get_u8(attrs[BURROW_A_KEYCONF_SLOT]);
	key = rcu_dereference_protected(peer->keys[slot], lockdep_is_held(&bdev->config_lock));
	if (!key) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[BURROW_A_KEYCONF_SLOT],
				    "no key in this slot");
		return -ENOENT;
	}
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &burrow_genl_family, 0, BURROW_CMD_KEY_GET);
	if (!hdr)
		goto err_free_msg;
	if (nla_put_u32(msg, BURROW_A_DEV_IFINDEX, bdev->dev->ifindex))
		goto err_free_msg;
	nest = nla_nest_start(msg, BURROW_A_DEV_KEYCONF);
	if (!nest || burrow_nl_put_key_metadata(msg, peer, slot, key, true))
		goto err_free_msg;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free_msg:
	nlmsg_free(msg);
	return -EMSGSIZE;
}
