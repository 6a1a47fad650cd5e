// SPDX-License-Identifier: GPL-2.0
/*
 * The GnuTLS half of burrowd's QUIC endpoint: the node's raw Ed25519 key as
 * RFC 7250 credentials, one TLS 1.3 session per connection wired to ngtcp2
 * through ngtcp2_crypto_gnutls, the peer-key check, the NSS key log and the
 * RFC 5705 exporter.
 *
 * Authentication is entirely quic_tls_verify(): with raw public keys there
 * is no PKI, GnuTLS only proves the peer holds the private key of the SPKI it
 * sent; whether that key is welcome is decided here (pin on the client,
 * authorize callback on both sides).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "burrow-encoding.h"
#include "quic_internal.h"

/* TLS 1.3 only, raw public keys only (no X.509 either way), Ed25519
 * signatures, X25519 key exchange, the AEADs ngtcp2_crypto_gnutls knows. */
static const char quic_priority[] =
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:-CTYPE-ALL:+CTYPE-CLI-RAWPK:+CTYPE-SRV-RAWPK:"
	"-SIGN-ALL:+SIGN-EDDSA-ED25519:-GROUP-ALL:+GROUP-X25519:"
	"-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:"
	"%DISABLE_TLS13_COMPAT_MODE";

void quic_key_to_text(const uint8_t key[BURROW_QUIC_PUBLIC_KEY_LEN], char out[48])
{
	burrow_base64_encode(key, BURROW_QUIC_PUBLIC_KEY_LEN, out, 48);
}

/* The 32 raw bytes of an Ed25519 public key; -1 if it is anything else. */
static int pubkey_raw_ed25519(gnutls_pubkey_t pub, uint8_t out[BURROW_QUIC_PUBLIC_KEY_LEN])
{
	gnutls_ecc_curve_t curve;
	gnutls_datum_t x = { NULL, 0 };
	int ret = -1;

	if (gnutls_pubkey_get_pk_algorithm(pub, NULL) != GNUTLS_PK_EDDSA_ED25519)
		return -1;
	if (gnutls_pubkey_export_ecc_raw2(pub, &curve, &x, NULL, 0) < 0)
		return -1;
	if (curve == GNUTLS_ECC_CURVE_ED25519 && x.size == BURROW_QUIC_PUBLIC_KEY_LEN) {
		memcpy(out, x.data, BURROW_QUIC_PUBLIC_KEY_LEN);
		ret = 0;
	}
	gnutls_free(x.data);
	return ret;
}

/*
 * Certificate verify callback, both sides (set on the shared credentials).
 * Returns 0 to continue the handshake, -1 to abort it; the reason is kept
 * in the connection for closed() and the CONNECTION_CLOSE reason phrase.
 */
static int quic_tls_verify(gnutls_session_t session)
{
	ngtcp2_crypto_conn_ref *ref = gnutls_session_get_ptr(session);
	struct burrow_quic_conn *c = ref->user_data;
	struct burrow_quic_endpoint *ep = c->ep;
	const gnutls_datum_t *peers;
	unsigned int n_peers = 0;
	gnutls_pubkey_t pub;
	uint8_t key[BURROW_QUIC_PUBLIC_KEY_LEN];
	char got[48], want[48];
	void *user = c->user;
	int ret;

	if (gnutls_certificate_type_get2(session, GNUTLS_CTYPE_PEERS) != GNUTLS_CRT_RAWPK) {
		quic_conn_fail_reason(c, "peer did not present a raw public key");
		return -1;
	}
	peers = gnutls_certificate_get_peers(session, &n_peers);
	if (!peers || n_peers != 1) {
		quic_conn_fail_reason(c, "peer presented %u raw public keys, expected 1", n_peers);
		return -1;
	}
	if (gnutls_pubkey_init(&pub) < 0)
		return -1;
	ret = gnutls_pubkey_import(pub, &peers[0], GNUTLS_X509_FMT_DER);
	if (ret >= 0)
		ret = pubkey_raw_ed25519(pub, key);
	gnutls_pubkey_deinit(pub);
	if (ret < 0) {
		quic_conn_fail_reason(c, "peer public key is not Ed25519");
		return -1;
	}

	quic_key_to_text(key, got);
	if (c->is_client &&
	    memcmp(key, c->expected_key, BURROW_QUIC_PUBLIC_KEY_LEN) != 0) {
		quic_key_to_text(c->expected_key, want);
		quic_conn_fail_reason(c, "server public key mismatch: expected %s, got %s",
				      want, got);
		return -1;
	}
	if (ep->cb.authorize_alpn ?
	    ep->cb.authorize_alpn(c->alpn, key, (const struct sockaddr *)&c->remote, &user,
				  ep->user) != 0 :
	    ep->cb.authorize &&
	    ep->cb.authorize(key, (const struct sockaddr *)&c->remote, &user, ep->user) != 0) {
		quic_conn_fail_reason(c, "peer public key %s refused", got);
		return -1;
	}
	memcpy(c->peer_key, key, sizeof(key));
	c->have_peer_key = true;
	c->user = user;
	if (!c->is_client)
		quic_conn_authorized(c);
	return 0;
}

/* NSS key log line: LABEL <client_random hex> <secret hex>. */
static int quic_tls_keylog(gnutls_session_t session, const char *label,
			   const gnutls_datum_t *secret)
{
	ngtcp2_crypto_conn_ref *ref = gnutls_session_get_ptr(session);
	struct burrow_quic_conn *c = ref->user_data;
	gnutls_datum_t client_random = { NULL, 0 };
	FILE *f;
	unsigned int i;

	f = fopen(c->ep->keylog_path, "ae");
	if (!f)
		return 0;
	gnutls_session_get_random(session, &client_random, NULL);
	fprintf(f, "%s ", label);
	for (i = 0; i < client_random.size; i++)
		fprintf(f, "%02x", client_random.data[i]);
	fputc(' ', f);
	for (i = 0; i < secret->size; i++)
		fprintf(f, "%02x", secret->data[i]);
	fputc('\n', f);
	fclose(f);
	return 0;
}

int quic_tls_endpoint_init(struct burrow_quic_endpoint *ep, const char *private_key_pem)
{
	gnutls_datum_t key_pem, spki_pem = { NULL, 0 };
	gnutls_privkey_t priv = NULL;
	gnutls_pubkey_t pub = NULL;
	const char *err_pos = NULL;
	int ret;

	if (!private_key_pem) {
		quic_set_error(ep, "no private key given");
		return -EINVAL;
	}
	key_pem.data = (unsigned char *)private_key_pem;
	key_pem.size = (unsigned int)strlen(private_key_pem);

	ret = gnutls_privkey_init(&priv);
	if (ret < 0)
		goto gnutls_fail;
	ret = gnutls_privkey_import_x509_raw(priv, &key_pem, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (ret < 0) {
		quic_set_error(ep, "cannot read the private key (PKCS#8 PEM expected): %s",
			       gnutls_strerror(ret));
		ret = -EINVAL;
		goto free_keys;
	}
	if (gnutls_privkey_get_pk_algorithm(priv, NULL) != GNUTLS_PK_EDDSA_ED25519) {
		quic_set_error(ep, "private key is not Ed25519");
		ret = -EINVAL;
		goto free_keys;
	}
	ret = gnutls_pubkey_init(&pub);
	if (ret < 0)
		goto gnutls_fail;
	ret = gnutls_pubkey_import_privkey(pub, priv, 0, 0);
	if (ret < 0)
		goto gnutls_fail;
	if (pubkey_raw_ed25519(pub, ep->public_key) < 0) {
		quic_set_error(ep, "cannot derive the Ed25519 public key");
		ret = -EINVAL;
		goto free_keys;
	}
	ret = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_PEM, &spki_pem);
	if (ret < 0)
		goto gnutls_fail;

	ret = gnutls_certificate_allocate_credentials(&ep->cred);
	if (ret < 0)
		goto gnutls_fail;
	ret = gnutls_certificate_set_rawpk_key_mem(ep->cred, &spki_pem, &key_pem,
						   GNUTLS_X509_FMT_PEM, NULL, 0, NULL, 0, 0);
	if (ret < 0)
		goto gnutls_fail;
	gnutls_certificate_set_verify_function(ep->cred, quic_tls_verify);

	ret = gnutls_priority_init(&ep->prio, quic_priority, &err_pos);
	if (ret < 0)
		goto gnutls_fail;
	ret = 0;
	goto free_keys;

gnutls_fail:
	quic_set_error(ep, "GnuTLS setup failed: %s", gnutls_strerror(ret));
	ret = -EIO;
free_keys:
	gnutls_free(spki_pem.data);
	if (pub)
		gnutls_pubkey_deinit(pub);
	if (priv)
		gnutls_privkey_deinit(priv);
	return ret;
}

int quic_tls_alpns_init(struct burrow_quic_endpoint *ep, const char *const *accept)
{
	const char *one = ep->alpn;
	size_t i = 0;

	for (;;) {
		size_t len = strlen(one);

		if (!len || len > 255) {
			quic_set_error(ep, "invalid ALPN '%s'", one);
			return -EINVAL;
		}
		if (ep->n_accept_alpns == BURROW_QUIC_MAX_ALPNS) {
			quic_set_error(ep, "more than %d ALPNs", BURROW_QUIC_MAX_ALPNS);
			return -EINVAL;
		}
		ep->accept_alpns[ep->n_accept_alpns].data = (unsigned char *)strdup(one);
		if (!ep->accept_alpns[ep->n_accept_alpns].data)
			return -ENOMEM;
		ep->accept_alpns[ep->n_accept_alpns++].size = (unsigned int)len;
		if (!accept || !accept[i])
			return 0;
		one = accept[i++];
	}
}

/*
 * Server, after the ClientHello is parsed: GnuTLS picked the first of our
 * ALPNs the client offers, or none. ALPN is not MANDATORY for GnuTLS on the
 * server, so a client offering none of ours (or no ALPN at all) gets here
 * and is refused now, with no_application_protocol (RFC 9001 §8.1), and
 * counted.
 */
static int quic_tls_client_hello(gnutls_session_t session, unsigned int htype, unsigned when,
				 unsigned int incoming, const gnutls_datum_t *msg)
{
	ngtcp2_crypto_conn_ref *ref = gnutls_session_get_ptr(session);
	struct burrow_quic_conn *c = ref->user_data;
	gnutls_datum_t sel = { NULL, 0 };

	(void)htype;
	(void)when;
	(void)incoming;
	(void)msg;
	if (gnutls_alpn_get_selected_protocol(session, &sel) < 0 || !sel.size ||
	    sel.size >= sizeof(c->alpn)) {
		c->ep->alpn_refused++;
		quic_conn_fail_reason(c, "client offered no ALPN we accept");
		return GNUTLS_E_NO_APPLICATION_PROTOCOL;
	}
	memcpy(c->alpn, sel.data, sel.size);
	c->alpn[sel.size] = '\0';
	return 0;
}

const char *burrow_quic_conn_alpn(const struct burrow_quic_conn *c)
{
	return c->alpn;
}

void *burrow_quic_conn_endpoint_user(const struct burrow_quic_conn *c)
{
	return c->ep->user;
}

uint64_t burrow_quic_endpoint_alpn_refused(const struct burrow_quic_endpoint *ep)
{
	return ep->alpn_refused;
}

void quic_tls_endpoint_free(struct burrow_quic_endpoint *ep)
{
	for (unsigned i = 0; i < ep->n_accept_alpns; i++)
		free(ep->accept_alpns[i].data);
	ep->n_accept_alpns = 0;
	if (ep->prio)
		gnutls_priority_deinit(ep->prio);
	if (ep->cred)
		gnutls_certificate_free_credentials(ep->cred);
}

int quic_tls_session_new(struct burrow_quic_conn *c)
{
	struct burrow_quic_endpoint *ep = c->ep;
	unsigned int flags = GNUTLS_ENABLE_RAWPK | GNUTLS_NO_END_OF_EARLY_DATA;
	/* A client offers the ALPN it was dialed with (c->alpn, set by
	 * burrow_quic_connect_alpn); a server accepts the endpoint's list. */
	gnutls_datum_t alpn = { (unsigned char *)c->alpn, (unsigned int)strlen(c->alpn) };
	int ret;

	flags |= c->is_client ? GNUTLS_CLIENT | GNUTLS_NO_TICKETS : GNUTLS_SERVER;
	ret = gnutls_init(&c->tls, flags);
	if (ret < 0)
		goto fail;
	ret = c->is_client ? ngtcp2_crypto_gnutls_configure_client_session(c->tls)
			   : ngtcp2_crypto_gnutls_configure_server_session(c->tls);
	if (ret != 0) {
		ret = GNUTLS_E_INTERNAL_ERROR;
		goto fail;
	}
	ret = gnutls_priority_set(c->tls, ep->prio);
	if (ret < 0)
		goto fail;
	ret = gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, ep->cred);
	if (ret < 0)
		goto fail;
	if (c->is_client && !ep->test_no_alpn) {
		ret = gnutls_alpn_set_protocols(c->tls, &alpn, 1, GNUTLS_ALPN_MANDATORY);
		if (ret < 0)
			goto fail;
	} else if (!c->is_client) {
		/* Not MANDATORY: quic_tls_client_hello refuses and counts. */
		ret = gnutls_alpn_set_protocols(c->tls, ep->accept_alpns, ep->n_accept_alpns,
						GNUTLS_ALPN_SERVER_PRECEDENCE);
		if (ret < 0)
			goto fail;
		gnutls_handshake_set_hook_function(c->tls, GNUTLS_HANDSHAKE_CLIENT_HELLO,
						   GNUTLS_HOOK_POST, quic_tls_client_hello);
	}
	if (!c->is_client)
		gnutls_certificate_server_set_request(c->tls, GNUTLS_CERT_REQUIRE);
	if (ep->keylog_path)
		gnutls_session_set_keylog_function(c->tls, quic_tls_keylog);
	gnutls_session_set_ptr(c->tls, &c->conn_ref);
	return 0;

fail:
	quic_set_error(ep, "TLS session setup failed: %s", gnutls_strerror(ret));
	return -EIO;
}

void quic_tls_session_free(struct burrow_quic_conn *c)
{
	if (c->tls)
		gnutls_deinit(c->tls);
	c->tls = NULL;
}

/* Both sides insist the negotiated protocol is exactly our ALPN; GnuTLS's
 * MANDATORY flag alone lets a server proceed when the client sent none. */
bool quic_tls_alpn_ok(struct burrow_quic_conn *c)
{
	gnutls_datum_t sel = { NULL, 0 };
	size_t len = strlen(c->alpn);

	if (!len || gnutls_alpn_get_selected_protocol(c->tls, &sel) < 0)
		return false;
	return sel.size == len && memcmp(sel.data, c->alpn, len) == 0;
}

int burrow_quic_export(struct burrow_quic_conn *c, const char *label,
		       const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len)
{
	static const uint8_t empty[1];
	int ret;

	if (!c || !label || !out || (!context && context_len))
		return -EINVAL;
	if (c->dead || !c->established)
		return -ENOTCONN;
	/* A NULL context means "no context" to GnuTLS, which is a different
	 * output from an empty one; burrow always uses a (maybe empty) one. */
	ret = gnutls_prf_rfc5705(c->tls, strlen(label), label, context_len,
				 (const char *)(context ? context : empty), out_len, (char *)out);
	if (ret < 0) {
		quic_set_error(c->ep, "TLS exporter failed: %s", gnutls_strerror(ret));
		return -EIO;
	}
	return 0;
}
