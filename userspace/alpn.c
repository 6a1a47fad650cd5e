// SPDX-License-Identifier: GPL-2.0
/*
 * ALPN dispatch for burrowd's QUIC listener (alpn.h). The connection knows
 * its negotiated ALPN from the ClientHello on (quic.h), so every callback
 * finds its handler again by that name; authorize_alpn picks the handler
 * before the handler has a conn_user of its own.
 */
#include <errno.h>
#include <string.h>

#include "alpn.h"

int burrow_alpn_register(struct burrow_alpn_registry *reg, const char *alpn,
			 const struct burrow_quic_callbacks *cb, void *user)
{
	if (burrow_alpn_find(reg, alpn))
		return -EEXIST;
	if (reg->n == BURROW_QUIC_MAX_ALPNS)
		return -ENOSPC;
	reg->handlers[reg->n++] = (struct burrow_alpn_handler){ .alpn = alpn, .cb = cb,
								 .user = user };
	return 0;
}

int burrow_alpn_register_dial(struct burrow_alpn_registry *reg, const char *alpn,
			      const struct burrow_quic_callbacks *cb, void *user)
{
	int ret;

	if (reg->n == 0)
		return -EINVAL;
	ret = burrow_alpn_register(reg, alpn, cb, user);
	if (ret == 0)
		reg->handlers[reg->n - 1].dial_only = true;
	return ret;
}

const char *const *burrow_alpn_accept_list(struct burrow_alpn_registry *reg)
{
	size_t n = 0;

	for (size_t i = 1; i < reg->n; i++)
		if (!reg->handlers[i].dial_only)
			reg->accept[n++] = reg->handlers[i].alpn;
	reg->accept[n] = NULL;
	return reg->accept;
}

struct burrow_alpn_handler *burrow_alpn_find(struct burrow_alpn_registry *reg, const char *alpn)
{
	for (size_t i = 0; i < reg->n; i++)
		if (!strcmp(reg->handlers[i].alpn, alpn))
			return &reg->handlers[i];
	return NULL;
}

static struct burrow_alpn_handler *handler_of(struct burrow_quic_conn *conn)
{
	return burrow_alpn_find(burrow_quic_conn_endpoint_user(conn), burrow_quic_conn_alpn(conn));
}

static int alpn_authorize(const char *alpn, const uint8_t public_key[32],
			  const struct sockaddr *remote, void **conn_user, void *endpoint_user)
{
	struct burrow_alpn_registry *reg = endpoint_user;
	struct burrow_alpn_handler *h = burrow_alpn_find(reg, alpn);
	int ret;

	if (!h)
		return -1;	/* cannot happen: TLS only accepts registered ALPNs */
	if (h->cb->authorize_alpn)
		ret = h->cb->authorize_alpn(alpn, public_key, remote, conn_user, h->user);
	else
		ret = h->cb->authorize ? h->cb->authorize(public_key, remote, conn_user, h->user) : 0;
	if (!ret)
		h->connections++;
	return ret;
}

static void alpn_established(struct burrow_quic_conn *conn, void *conn_user)
{
	struct burrow_alpn_handler *h = handler_of(conn);

	if (h && h->cb->established)
		h->cb->established(conn, conn_user);
}

static void alpn_stream_data(struct burrow_quic_conn *conn, int64_t stream_id,
			     const uint8_t *data, size_t len, bool fin, void *conn_user)
{
	struct burrow_alpn_handler *h = handler_of(conn);

	if (h && h->cb->stream_data)
		h->cb->stream_data(conn, stream_id, data, len, fin, conn_user);
}

static void alpn_closed(struct burrow_quic_conn *conn, const char *reason, void *conn_user)
{
	struct burrow_alpn_handler *h = handler_of(conn);

	if (h && h->cb->closed)
		h->cb->closed(conn, reason, conn_user);
}

static void alpn_stream_reset(struct burrow_quic_conn *conn, int64_t stream_id,
			      uint64_t app_error, void *conn_user)
{
	struct burrow_alpn_handler *h = handler_of(conn);

	if (h && h->cb->stream_reset)
		h->cb->stream_reset(conn, stream_id, app_error, conn_user);
}

const struct burrow_quic_callbacks burrow_alpn_callbacks = {
	.authorize_alpn = alpn_authorize,
	.established = alpn_established,
	.stream_data = alpn_stream_data,
	.closed = alpn_closed,
	.stream_reset = alpn_stream_reset,
};
