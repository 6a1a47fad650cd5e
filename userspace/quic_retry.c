// SPDX-License-Identifier: GPL-2.0
/*
 * Address validation with Retry (RFC 9000 §8.1.2) when many handshakes are
 * in progress.
 *
 * A server connection costs about 80 KiB before the peer has proved
 * anything, so the endpoint bounds how many are pending. A bound alone
 * fails both ways: low, and a burst of real clients (a coordinator's nodes
 * coming back after it restarts, 100 `burrowd connect`s at once) has most
 * of them evicted mid-handshake; high, and spoofed Initials cost memory
 * for nothing. So: while fewer than QUIC_RETRY_THRESHOLD handshakes are
 * pending, an Initial is accepted at once (one round trip, the common
 * case). Beyond that, an Initial without a valid token is answered with a
 * Retry carrying one, and no state is kept; a client that comes back with
 * it has proved it receives at its address, and up to
 * QUIC_MAX_PENDING_SERVER such handshakes may be pending. So spoofed
 * sources hold at most QUIC_RETRY_THRESHOLD slots and real clients still
 * get through a flood of them.
 *
 * The token is ngtcp2_crypto's: AEAD-sealed under a per-endpoint random
 * secret, bound to the client's address and the Retry's SCID, valid
 * QUIC_RETRY_TOKEN_TIMEOUT. The secret never leaves the process, so a
 * restart voids outstanding tokens (the client then times out once and
 * dials again).
 */
#include <string.h>

#include <gnutls/crypto.h>

#include "ids.h"
#include "quic_internal.h"

#define QUIC_RETRY_TOKEN_TIMEOUT (10ull * NGTCP2_SECONDS)

int quic_retry_init(struct burrow_quic_endpoint *ep)
{
	return gnutls_rnd(GNUTLS_RND_KEY, ep->retry_secret, sizeof(ep->retry_secret)) < 0 ? -1 : 0;
}

/* Answer an Initial with a Retry: new SCID, token for this address. */
static void quic_retry_send(struct burrow_quic_endpoint *ep, const ngtcp2_pkt_hd *hd,
			    const struct sockaddr *from, socklen_t from_len)
{
	uint8_t token[NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN];
	uint8_t buf[QUIC_PKT_BUF];
	ngtcp2_cid retry_scid;
	ngtcp2_ssize token_len, n;

	retry_scid.datalen = QUIC_SCID_LEN;
	if (burrow_ids_control_cid(retry_scid.data, retry_scid.datalen) < 0)
		return;
	token_len = ngtcp2_crypto_generate_retry_token(token, ep->retry_secret,
						       sizeof(ep->retry_secret), hd->version,
						       (const ngtcp2_sockaddr *)from, from_len,
						       &retry_scid, &hd->dcid, burrow_quic_now());
	if (token_len < 0)
		return;
	n = ngtcp2_crypto_write_retry(buf, sizeof(buf), hd->version, &hd->scid, &retry_scid,
				      &hd->dcid, token, (size_t)token_len);
	if (n < 0)
		return;
	ep->retries_sent++;
	quic_send_datagram(ep, ep->rx_relay_ticket, buf, (size_t)n, from, from_len);
}

enum quic_retry_verdict quic_retry_check(struct burrow_quic_endpoint *ep, const ngtcp2_pkt_hd *hd,
					 const struct sockaddr *from, socklen_t from_len,
					 ngtcp2_cid *odcid)
{
	const uint8_t *token;
	size_t token_len = burrow_ngtcp2_pkt_token(hd, &token);

	if (hd->type != NGTCP2_PKT_INITIAL)
		return QUIC_RETRY_DROP;    /* 0-RTT: never offered, so never expected */
	if (token_len && token[0] == NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY) {
		if (ngtcp2_crypto_verify_retry_token(odcid, token, token_len, ep->retry_secret,
						     sizeof(ep->retry_secret), hd->version,
						     (const ngtcp2_sockaddr *)from, from_len,
						     &hd->dcid, QUIC_RETRY_TOKEN_TIMEOUT,
						     burrow_quic_now()) != 0) {
			/* Forged, for another address, or expired: no state, no answer. */
			ep->retry_tokens_refused++;
			return QUIC_RETRY_DROP;
		}
		return QUIC_RETRY_VALIDATED;
	}
	/* No token, or one we never issue (NEW_TOKEN): the fast path while the
	 * pending table has room for unvalidated handshakes. */
	if (ep->n_pending_server < QUIC_RETRY_THRESHOLD)
		return QUIC_RETRY_ACCEPT;
	quic_retry_send(ep, hd, from, from_len);
	return QUIC_RETRY_ANSWERED;
}

uint64_t burrow_quic_endpoint_retries(const struct burrow_quic_endpoint *ep)
{
	return ep->retries_sent;
}

uint64_t burrow_quic_endpoint_retry_tokens_refused(const struct burrow_quic_endpoint *ep)
{
	return ep->retry_tokens_refused;
}

unsigned burrow_quic_endpoint_pending(const struct burrow_quic_endpoint *ep)
{
	return ep->n_pending_server;
}
