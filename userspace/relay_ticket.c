// SPDX-License-Identifier: GPL-2.0
/* Relay tickets: see relay_ticket.h. Signing and verifying are GnuTLS's. */
#include <errno.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "burrow-encoding.h"
#include "log.h"
#include "relay_ticket.h"

const char *burrow_relay_ticket_result_name(unsigned result)
{
	switch (result) {
	case BURROW_RELAY_TICKET_OK: return "ok";
	case BURROW_RELAY_TICKET_MALFORMED: return "malformed";
	case BURROW_RELAY_TICKET_BAD_SIGNATURE: return "bad signature";
	case BURROW_RELAY_TICKET_EXPIRED: return "expired";
	case BURROW_RELAY_TICKET_WRONG_RELAY: return "wrong relay";
	case BURROW_RELAY_TICKET_NOT_A_PARTY: return "not a party";
	case BURROW_RELAY_TICKET_REVOKED: return "revoked";
	case BURROW_RELAY_TICKET_CONFLICT: return "conflict";
	}
	return "unknown";
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The well-formedness both encode and decode insist on. */
static const char *check(const struct burrow_relay_ticket *t)
{
	if (t->version != BURROW_RELAY_TICKET_VERSION)
		return "unsupported version";
	if (!t->id)
		return "ticket id is 0";
	if (memcmp(t->a, t->b, 32) >= 0)
		return "the pair is not ordered (a < b)";
	return NULL;
}

static void body(const struct burrow_relay_ticket *t, uint8_t out[BURROW_RELAY_TICKET_BODY_LEN])
{
	memset(out, 0, BURROW_RELAY_TICKET_BODY_LEN);
	out[0] = t->version;
	put32(out + 4, t->id);
	put64(out + 8, t->expiry);
	memcpy(out + 16, t->relay, 32);
	memcpy(out + 48, t->a, 32);
	memcpy(out + 80, t->b, 32);
}

int burrow_relay_ticket_encode(const struct burrow_relay_ticket *t,
			       uint8_t out[BURROW_RELAY_TICKET_LEN])
{
	if (check(t))
		return -EINVAL;
	body(t, out);
	memcpy(out + BURROW_RELAY_TICKET_BODY_LEN, t->sig, BURROW_RELAY_TICKET_SIG_LEN);
	return 0;
}

int burrow_relay_ticket_decode(const uint8_t *buf, size_t len, struct burrow_relay_ticket *t,
			       const char **why)
{
	const char *bad;

	memset(t, 0, sizeof(*t));
	if (len < BURROW_RELAY_TICKET_LEN) {
		*why = "truncated";
		return BURROW_RELAY_TICKET_MALFORMED;
	}
	if (len > BURROW_RELAY_TICKET_LEN) {
		*why = "trailing bytes";
		return BURROW_RELAY_TICKET_MALFORMED;
	}
	if (buf[1] || buf[2] || buf[3]) {
		*why = "reserved bytes are not zero";
		return BURROW_RELAY_TICKET_MALFORMED;
	}
	t->version = buf[0];
	t->id = (uint32_t)get_be(buf + 4, 4);
	t->expiry = get_be(buf + 8, 8);
	memcpy(t->relay, buf + 16, 32);
	memcpy(t->a, buf + 48, 32);
	memcpy(t->b, buf + 80, 32);
	memcpy(t->sig, buf + BURROW_RELAY_TICKET_BODY_LEN, BURROW_RELAY_TICKET_SIG_LEN);
	bad = check(t);
	if (bad) {
		*why = bad;
		return BURROW_RELAY_TICKET_MALFORMED;
	}
	*why = NULL;
	return BURROW_RELAY_TICKET_OK;
}

void burrow_relay_ticket_to_text(const struct burrow_relay_ticket *t,
				 char text[BURROW_RELAY_TICKET_TEXT_SIZE])
{
	uint8_t raw[BURROW_RELAY_TICKET_LEN];

	if (burrow_relay_ticket_encode(t, raw) < 0) {
		text[0] = '\0';
		return;
	}
	burrow_base64_encode(raw, sizeof(raw), text, BURROW_RELAY_TICKET_TEXT_SIZE);
}

int burrow_relay_ticket_from_text(const char *text, struct burrow_relay_ticket *t,
				  const char **why)
{
	uint8_t raw[BURROW_RELAY_TICKET_LEN + 3];
	size_t n;

	memset(t, 0, sizeof(*t));
	if (burrow_base64_decode(text, strlen(text), raw, sizeof(raw), &n) < 0) {
		*why = strlen(text) > BURROW_RELAY_TICKET_TEXT_LEN ? "trailing bytes" : "not base64";
		return BURROW_RELAY_TICKET_MALFORMED;
	}
	return burrow_relay_ticket_decode(raw, n, t, why);
}

/* The signed message: the context string with its NUL, then the body. */
#define SIGNED_LEN (sizeof(BURROW_RELAY_TICKET_CONTEXT) + BURROW_RELAY_TICKET_BODY_LEN)

static void signed_bytes(const struct burrow_relay_ticket *t, uint8_t out[SIGNED_LEN])
{
	memcpy(out, BURROW_RELAY_TICKET_CONTEXT, sizeof(BURROW_RELAY_TICKET_CONTEXT));
	body(t, out + sizeof(BURROW_RELAY_TICKET_CONTEXT));
}

int burrow_relay_ticket_sign(struct burrow_relay_ticket *t, const char *coord_pem, char *err,
			     size_t err_size)
{
	gnutls_datum_t pem = { (unsigned char *)coord_pem, (unsigned int)strlen(coord_pem) };
	uint8_t msg[SIGNED_LEN];
	gnutls_datum_t data = { msg, sizeof(msg) }, sig = { NULL, 0 };
	gnutls_privkey_t key = NULL;
	int ret;

	if (check(t)) {
		burrow_errorf(err, err_size, "cannot sign a malformed ticket: %s", check(t));
		return -EINVAL;
	}
	signed_bytes(t, msg);
	ret = gnutls_privkey_init(&key);
	if (ret >= 0)
		ret = gnutls_privkey_import_x509_raw(key, &pem, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (ret >= 0 && gnutls_privkey_get_pk_algorithm(key, NULL) != GNUTLS_PK_EDDSA_ED25519)
		ret = GNUTLS_E_UNKNOWN_PK_ALGORITHM;
	if (ret >= 0)
		ret = gnutls_privkey_sign_data2(key, GNUTLS_SIGN_EDDSA_ED25519, 0, &data, &sig);
	if (ret >= 0 && sig.size != BURROW_RELAY_TICKET_SIG_LEN)
		ret = GNUTLS_E_INTERNAL_ERROR;
	if (ret < 0) {
		burrow_errorf(err, err_size, "cannot sign the relay ticket: %s", gnutls_strerror(ret));
		gnutls_free(sig.data);
		gnutls_privkey_deinit(key);
		return -EINVAL;
	}
	memcpy(t->sig, sig.data, BURROW_RELAY_TICKET_SIG_LEN);
	gnutls_free(sig.data);
	gnutls_privkey_deinit(key);
	return 0;
}

int burrow_relay_ticket_issue(const char *coord_pem, const uint8_t relay[32],
			      const uint8_t n1[32], const uint8_t n2[32], uint64_t expiry,
			      struct burrow_relay_ticket *t, char *err, size_t err_size)
{
	int cmp = memcmp(n1, n2, 32);

	memset(t, 0, sizeof(*t));
	if (!cmp) {
		burrow_errorf(err, err_size, "a relay ticket needs two different nodes");
		return -EINVAL;
	}
	if (!memcmp(relay, n1, 32) || !memcmp(relay, n2, 32)) {
		burrow_errorf(err, err_size, "the relay cannot be one of the pair");
		return -EINVAL;
	}
	t->version = BURROW_RELAY_TICKET_VERSION;
	t->expiry = expiry;
	memcpy(t->relay, relay, 32);
	memcpy(t->a, cmp < 0 ? n1 : n2, 32);
	memcpy(t->b, cmp < 0 ? n2 : n1, 32);
	while (!t->id) {
		if (gnutls_rnd(GNUTLS_RND_NONCE, &t->id, sizeof(t->id)) < 0) {
			burrow_errorf(err, err_size, "no random ticket id");
			return -EIO;
		}
	}
	return burrow_relay_ticket_sign(t, coord_pem, err, err_size);
}

static bool signature_ok(const struct burrow_relay_ticket *t, const uint8_t coord_key[32])
{
	uint8_t msg[SIGNED_LEN];
	gnutls_datum_t x = { (unsigned char *)coord_key, 32 };
	gnutls_datum_t data = { msg, sizeof(msg) };
	gnutls_datum_t sig = { (unsigned char *)t->sig, BURROW_RELAY_TICKET_SIG_LEN };
	gnutls_pubkey_t pub = NULL;
	int ret;

	signed_bytes(t, msg);
	ret = gnutls_pubkey_init(&pub);
	if (ret >= 0)
		ret = gnutls_pubkey_import_ecc_raw(pub, GNUTLS_ECC_CURVE_ED25519, &x, NULL);
	if (ret >= 0)
		ret = gnutls_pubkey_verify_data2(pub, GNUTLS_SIGN_EDDSA_ED25519, 0, &data, &sig);
	gnutls_pubkey_deinit(pub);
	return ret >= 0;
}

int burrow_relay_ticket_verify(const struct burrow_relay_ticket *t, const uint8_t coord_key[32],
			       const uint8_t relay_key[32], const uint8_t peer_key[32],
			       uint64_t now)
{
	if (check(t))
		return BURROW_RELAY_TICKET_MALFORMED;
	if (!signature_ok(t, coord_key))
		return BURROW_RELAY_TICKET_BAD_SIGNATURE;
	if (t->expiry <= now)
		return BURROW_RELAY_TICKET_EXPIRED;
	if (memcmp(t->relay, relay_key, 32))
		return BURROW_RELAY_TICKET_WRONG_RELAY;
	if (!burrow_relay_ticket_other(t, peer_key))
		return BURROW_RELAY_TICKET_NOT_A_PARTY;
	return BURROW_RELAY_TICKET_OK;
}

const uint8_t *burrow_relay_ticket_other(const struct burrow_relay_ticket *t,
					 const uint8_t peer_key[32])
{
	if (!memcmp(t->a, peer_key, 32))
		return t->b;
	if (!memcmp(t->b, peer_key, 32))
		return t->a;
	return NULL;
}
