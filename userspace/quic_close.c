// SPDX-License-Identifier: GPL-2.0
/*
 * Ending connections: CONNECTION_CLOSE on the wire and the human-readable
 * reason closed() reports, for local closes, peer closes, TLS failures,
 * timeouts and ngtcp2 errors; and the closing and draining periods after
 * (RFC 9000 §10.2).
 */
#include <stdio.h>
#include <stdlib.h>
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
	if (n <= 0)
		return;
	quic_sendto(c, &ps.path, buf, (size_t)n);
	/* Kept for the closing state; without memory there is simply none. */
	free(c->close_pkt);
	c->close_pkt = malloc((size_t)n);
	if (c->close_pkt) {
		memcpy(c->close_pkt, buf, (size_t)n);
		c->close_pkt_len = (size_t)n;
	}
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
		if (peer.type == BURROW_NGTCP2_CCERR_TYPE_APPLICATION) {
			c->peer_app_closed = true;
			c->peer_app_error = peer.error_code;
			quic_conn_mark_dead(c, "peer closed (application error %llu): %s",
					    (unsigned long long)peer.error_code, phrase);
		} else if (peer.error_code >= 0x100 && peer.error_code < 0x200)
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
	if (c->ep->busy)
		quic_conn_touch(c);
	else
		quic_conn_do_close(c);
}

/* ---- closing and draining periods (RFC 9000 §10.2) ------------------------- */

static void quic_closing_evict_oldest(struct burrow_quic_endpoint *ep)
{
	struct quic_closing **pp = &ep->closing, *victim;

	if (!*pp)
		return;
	while ((*pp)->next)
		pp = &(*pp)->next;
	victim = *pp;
	*pp = NULL;
	ep->n_closing--;
	free(victim);
}

void quic_closing_from_conn(struct burrow_quic_conn *c)
{
	struct burrow_quic_endpoint *ep = c->ep;
	struct quic_closing *r;
	uint64_t period;
	bool draining;

	/*
	 * Only connections the application knew (a client's own, or a server
	 * connection with an authorized key): an unauthenticated peer (a
	 * spoofed Initial, a refused key) gets no state kept for it and no
	 * repeated CONNECTION_CLOSE from us. Idle and handshake timeouts
	 * close silently (RFC 9000 §10.1), with neither packet nor period.
	 */
	if (!c->app_known || !c->conn)
		return;
	draining = burrow_ngtcp2_conn_in_draining_period(c->conn);
	if (!draining && !c->close_pkt)
		return;
	r = calloc(1, sizeof(*r) + (draining ? 0 : c->close_pkt_len));
	if (!r)
		return;	/* no period: the peer finds out by its idle timeout */
	memcpy(r->scids, c->scids, c->n_scids * sizeof(c->scids[0]));
	r->n_scids = c->n_scids;
	{
		socklen_t len;
		const struct sockaddr *remote = burrow_quic_remote_addr(c, &len);

		if (len > sizeof(r->remote))
			len = sizeof(r->remote);
		memcpy(&r->remote, remote, len);
		r->remote_len = len;
		r->relay_ticket = c->relay_ticket;
	}
	if (!draining) {
		memcpy(r->pkt, c->close_pkt, c->close_pkt_len);
		r->pkt_len = c->close_pkt_len;
	}
	/*
	 * "SHOULD persist for at least three times the current PTO". The
	 * floor covers a peer whose own PTO is longer than ours (its
	 * retransmissions are what we answer).
	 */
	period = 3 * ngtcp2_conn_get_pto(c->conn);
	if (period < QUIC_CLOSING_MIN_NS)
		period = QUIC_CLOSING_MIN_NS;
	r->expiry = burrow_quic_now() + period;
	if (ep->n_closing >= QUIC_MAX_CLOSING)
		quic_closing_evict_oldest(ep);
	r->next = ep->closing;
	ep->closing = r;
	ep->n_closing++;
}

bool quic_closing_datagram(struct burrow_quic_endpoint *ep, const uint8_t *dcid, size_t len)
{
	struct quic_closing *r;
	size_t i;

	for (r = ep->closing; r; r = r->next) {
		for (i = 0; i < r->n_scids; i++)
			if (r->scids[i].datalen == len && memcmp(r->scids[i].data, dcid, len) == 0)
				break;
		if (i == r->n_scids)
			continue;
		r->received++;
		/*
		 * Closing: send the CONNECTION_CLOSE again, but only for the
		 * 1st, 2nd, 4th, 8th ... datagram (RFC 9000 §10.2.1: "limit the
		 * rate"), and only to the address the connection had validated,
		 * never to a datagram's source, so a forged datagram with a
		 * known CID cannot aim it elsewhere. Draining: send nothing.
		 */
		if (r->pkt_len && !(r->received & (r->received - 1))) {
			r->replies++;
			quic_send_datagram(ep, r->relay_ticket, r->pkt, r->pkt_len,
					   (const struct sockaddr *)&r->remote, r->remote_len);
		}
		return true;
	}
	return false;
}

uint64_t quic_closing_expire(struct burrow_quic_endpoint *ep, uint64_t now)
{
	struct quic_closing **pp = &ep->closing, *r;
	uint64_t next = UINT64_MAX;

	while ((r = *pp)) {
		if (r->expiry <= now) {
			*pp = r->next;
			ep->n_closing--;
			free(r);
			continue;
		}
		if (r->expiry < next)
			next = r->expiry;
		pp = &r->next;
	}
	return next;
}

void quic_closing_free_all(struct burrow_quic_endpoint *ep)
{
	struct quic_closing *r, *next;

	for (r = ep->closing; r; r = next) {
		next = r->next;
		free(r);
	}
	ep->closing = NULL;
	ep->n_closing = 0;
}

unsigned burrow_quic_endpoint_closing(const struct burrow_quic_endpoint *ep)
{
	return ep->n_closing;
}
