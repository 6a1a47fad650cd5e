/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every ngtcp2 0.12 vs 1.x naming difference burrowd meets, in one place.
 * quic*.c use only the burrow_ngtcp2_* names below for these; the rest of the
 * ngtcp2 API they call is identical in 0.12.1 and 1.x (constructors
 * ngtcp2_conn_{client,server}_new with the client-chosen version argument,
 * ngtcp2_settings_default, ngtcp2_transport_params_default, the callback
 * fields used (set with designated initialisers, so 1.x's extra fields stay
 * zero), ngtcp2_path_storage, ngtcp2_conn_writev_stream, read_pkt,
 * get_expiry/handle_expiry, ngtcp2_crypto_gnutls_configure_*_session).
 *
 * Built and tested against 0.12.1 (Debian 12). The 1.x branch follows the
 * v1.0.0 headers; it has not been compiled here (no 1.x on this machine).
 */
#ifndef BURROW_NGTCP2_COMPAT_H
#define BURROW_NGTCP2_COMPAT_H

#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#if NGTCP2_VERSION_NUM >= 0x010000

/* connection close errors: ngtcp2_connection_close_error -> ngtcp2_ccerr */
typedef ngtcp2_ccerr burrow_ngtcp2_ccerr;
#define burrow_ngtcp2_ccerr_default ngtcp2_ccerr_default
#define burrow_ngtcp2_ccerr_set_application_error ngtcp2_ccerr_set_application_error
#define burrow_ngtcp2_ccerr_set_transport_error ngtcp2_ccerr_set_transport_error
#define burrow_ngtcp2_ccerr_set_liberr ngtcp2_ccerr_set_liberr
#define burrow_ngtcp2_ccerr_set_tls_alert ngtcp2_ccerr_set_tls_alert
#define BURROW_NGTCP2_CCERR_TYPE_APPLICATION NGTCP2_CCERR_TYPE_APPLICATION

/* 0.12 copies the peer's close error out; 1.x returns a pointer. */
static inline void burrow_ngtcp2_get_peer_ccerr(ngtcp2_conn *conn, burrow_ngtcp2_ccerr *out)
{
	*out = *ngtcp2_conn_get_ccerr(conn);
}

#define burrow_ngtcp2_conn_in_closing_period ngtcp2_conn_in_closing_period
#define burrow_ngtcp2_conn_in_draining_period ngtcp2_conn_in_draining_period

/* 1.x needs the _present flag next to original_dcid. */
static inline void burrow_ngtcp2_set_original_dcid(ngtcp2_transport_params *params,
						   const ngtcp2_cid *dcid)
{
	params->original_dcid = *dcid;
	params->original_dcid_present = 1;
}

/* ngtcp2_conn_shutdown_stream gained a flags argument. */
#define burrow_ngtcp2_conn_shutdown_stream(conn, sid, code) \
	ngtcp2_conn_shutdown_stream((conn), 0, (sid), (code))

/* An Initial's token: a pointer and a length in 1.x, an ngtcp2_vec in 0.12. */
static inline size_t burrow_ngtcp2_pkt_token(const ngtcp2_pkt_hd *hd, const uint8_t **token)
{
	*token = hd->token;
	return hd->tokenlen;
}

/* The Retry's SCID a server echoes in its transport parameters. */
static inline void burrow_ngtcp2_set_retry_scid(ngtcp2_transport_params *params,
						const ngtcp2_cid *scid)
{
	params->retry_scid = *scid;
	params->retry_scid_present = 1;
}

#else /* ngtcp2 0.x */

typedef ngtcp2_connection_close_error burrow_ngtcp2_ccerr;
#define burrow_ngtcp2_ccerr_default ngtcp2_connection_close_error_default
#define burrow_ngtcp2_ccerr_set_application_error \
	ngtcp2_connection_close_error_set_application_error
#define burrow_ngtcp2_ccerr_set_transport_error \
	ngtcp2_connection_close_error_set_transport_error
#define burrow_ngtcp2_ccerr_set_liberr ngtcp2_connection_close_error_set_transport_error_liberr
#define burrow_ngtcp2_ccerr_set_tls_alert \
	ngtcp2_connection_close_error_set_transport_error_tls_alert
#define BURROW_NGTCP2_CCERR_TYPE_APPLICATION NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_APPLICATION

static inline void burrow_ngtcp2_get_peer_ccerr(ngtcp2_conn *conn, burrow_ngtcp2_ccerr *out)
{
	ngtcp2_conn_get_connection_close_error(conn, out);
}

#define burrow_ngtcp2_conn_in_closing_period ngtcp2_conn_is_in_closing_period
#define burrow_ngtcp2_conn_in_draining_period ngtcp2_conn_is_in_draining_period

static inline void burrow_ngtcp2_set_original_dcid(ngtcp2_transport_params *params,
						   const ngtcp2_cid *dcid)
{
	params->original_dcid = *dcid;
}

#define burrow_ngtcp2_conn_shutdown_stream(conn, sid, code) \
	ngtcp2_conn_shutdown_stream((conn), (sid), (code))

static inline size_t burrow_ngtcp2_pkt_token(const ngtcp2_pkt_hd *hd, const uint8_t **token)
{
	*token = hd->token.base;
	return hd->token.len;
}

static inline void burrow_ngtcp2_set_retry_scid(ngtcp2_transport_params *params,
						const ngtcp2_cid *scid)
{
	params->retry_scid = *scid;
	params->retry_scid_present = 1;
}

#endif

/*
 * The peer must never clear the QUIC fixed bit (0x40): the kernel shares the
 * socket and tells QUIC from burrow data packets by that bit, so a "greased"
 * packet would be taken for a malformed data packet and dropped. RFC 9287
 * makes greasing opt-in through a transport parameter, but ngtcp2 0.12's
 * conn_new turns it on whatever the params passed in say; clear it in the
 * connection's own copy before the first packet is written.
 */
static inline void burrow_ngtcp2_keep_fixed_bit(ngtcp2_conn *conn)
{
	ngtcp2_transport_params *params =
		(ngtcp2_transport_params *)ngtcp2_conn_get_local_transport_params(conn);

	params->grease_quic_bit = 0;
}

/* Identical in both; named here so a port has one list to check. */
#define burrow_ngtcp2_conn_writev_stream ngtcp2_conn_writev_stream
#define burrow_ngtcp2_conn_write_connection_close ngtcp2_conn_write_connection_close

#endif /* BURROW_NGTCP2_COMPAT_H */
