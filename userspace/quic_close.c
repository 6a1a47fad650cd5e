// SPDX-License-Identifier: GPL-2.0
/*
 * Ending connections: CONNECTION_CLOSE on the wire and the human-readable
 * reason closed() reports, for local closes, peer closes, TLS failures,
 * timeouts and ngtcp2 errors.
 */
#include <stdio.h>
#include <string.h>

#include "quic_internal.h"

/* CONNECTION_CLOSE with ccerr, best effort (the caller marks it dead). */
static void quic_conn_send_close(struct burrow_quic_conn *c, const burrow_ngtcp2_ccerr *ccerr)
{
	uint8_t buf[QUIC_PKT_BUF];
	ngtcp2_path_storage ps;
	ngtcp2_ssize n;

	if (burrow_ngtcp2_conn_in_closing_period(c->conn) ||
	    burrow_ngtcp2_conn_in_draining_period(c->conn))
		return;
	ngtcp2_path_storage_zero(&ps);
	n = burrow_ngtcp2_conn_write_connection_close(c->conn, &ps.path, NULL, buf, sizeof(buf),
						      ccerr, burrow_quic_now());
	if (n > 0)
		quic_sendto(c, &ps.path, buf, (size_t)n);
}

/* An ngtcp2 call failed with liberr: tell the peer why (if that is still
 * possible) and mark the connection dead with the reason. */
void quic_conn_error(struct burrow_quic_conn *c, int liberr)
{
	burrow_ngtcp2_ccerr ccerr;
	const char *why = c->fail_reason[0] ? c->fail_reason : ngtcp2_strerror(liberr);
	size_t why_len = strlen(why);

	burrow_ngtcp2_ccerr_default(&ccerr);
	switch (liberr) {
	case NGTCP2_ERR_DRAINING:
	case NGTCP2_ERR_CLOSING: {
		/* The peer closed (or we already did). */
		burrow_ngtcp2_ccerr peer;
		char phrase[128] = "";

		burrow_ngtcp2_get_peer_ccerr(c->conn, &peer);
		if (peer.reason && peer.reasonlen)
			snprintf(phrase, sizeof(phrase), "%.*s", (int)peer.reasonlen,
				 (const char *)peer.reason);
		if (peer.type == BURROW_NGTCP2_CCERR_TYPE_APPLICATION)
			quic_conn_mark_dead(c, "peer closed (application error %llu): %s",
					    (unsigned long long)peer.error_code, phrase);
		else if (peer.error_code >= 0x100 && peer.error_code < 0x200)
			quic_conn_mark_dead(c, "peer closed (TLS alert %u, %s): %s",
					    (unsigned)(peer.error_code - 0x100),
					    gnutls_alert_get_name((gnutls_alert_description_t)
								  (peer.error_code - 0x100)),
					    phrase);
		else
			quic_conn_mark_dead(c, "peer closed (transport error 0x%llx): %s",
					    (unsigned long long)peer.error_code, phrase);
		return;
	}
	case NGTCP2_ERR_DROP_CONN:
		quic_conn_mark_dead(c, "connection dropped: %s", why);
		return;
	case NGTCP2_ERR_IDLE_CLOSE:
		quic_conn_mark_dead(c, "idle timeout");
		return;
	case NGTCP2_ERR_HANDSHAKE_TIMEOUT:
		quic_conn_mark_dead(c, "handshake timeout");
		return;
	case NGTCP2_ERR_CRYPTO: {
		uint8_t alert = ngtcp2_conn_get_tls_alert(c->conn);
		const char *name = gnutls_alert_get_name((gnutls_alert_description_t)alert);

		if (!c->fail_reason[0]) {
			why = name ? name : "TLS handshake failed";
			why_len = strlen(why);
		}
		burrow_ngtcp2_ccerr_set_tls_alert(&ccerr, alert, (const uint8_t *)why, why_len);
		quic_conn_send_close(c, &ccerr);
		quic_conn_mark_dead(c, "TLS handshake failed (alert %u): %s", alert, why);
		return;
	}
	default:
		if (c->fail_tls_alert)
			burrow_ngtcp2_ccerr_set_tls_alert(&ccerr, c->fail_tls_alert,
							  (const uint8_t *)why, why_len);
		else
			burrow_ngtcp2_ccerr_set_liberr(&ccerr, liberr, (const uint8_t *)why,
						       why_len);
		quic_conn_send_close(c, &ccerr);
		quic_conn_mark_dead(c, "%s", why);
		return;
	}
}

void quic_conn_do_close(struct burrow_quic_conn *c)
{
	burrow_ngtcp2_ccerr ccerr;

	c->close_requested = false;
	if (c->dead)
		return;
	quic_conn_flush(c);
	burrow_ngtcp2_ccerr_default(&ccerr);
	burrow_ngtcp2_ccerr_set_application_error(&ccerr, c->close_app_error,
						  (const uint8_t *)c->close_reason,
						  strlen(c->close_reason));
	quic_conn_send_close(c, &ccerr);
	quic_conn_mark_dead(c, "local close: %s", c->close_reason);
}

void burrow_quic_close(struct burrow_quic_conn *c, uint64_t app_error, const char *reason)
{
	if (c->dead || c->close_requested)
		return;
	c->close_app_error = app_error;
	snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason ? reason : "");
	c->close_requested = true;
	if (!c->ep->busy)
		quic_conn_do_close(c);
}
