// SPDX-License-Identifier: GPL-2.0
/*
 * `burrowd connect NODE SERVICE`: one QUIC connection (ALPN
 * burrow-proxy/1) and one proxied stream, bridged to stdin/stdout, through
 * the proxy's public interface (proxy.h) like any other client.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy.h"

#define CONNECT_KEEPALIVE_MS 10000	/* a third of the default 30 s idle timeout */

/* ---- burrowd connect ---------------------------------------------------------- */

int burrow_proxy_connect_run(const char *private_key_pem, const struct sockaddr *addr,
			     socklen_t addr_len, const uint8_t key[32], const char *service,
			     int rfd, int wfd, char *err, size_t err_size)
{
	struct burrow_quic_settings qs = {
		.private_key_pem = private_key_pem,
		.alpn = BURROW_PROXY_ALPN,
		.keylog_path = getenv("BURROWD_KEYLOG"),
		/*
		 * A proxied stream may sit idle for hours (an ssh session).
		 * The connection's idle timeout is the smaller of the two
		 * sides' (ours, the 30 s default, unless the node's is lower),
		 * and the node's keep-alive is a third of its own, possibly
		 * longer one: so this side keeps the connection alive itself.
		 */
		.keepalive_ms = CONNECT_KEEPALIVE_MS,
	};
	struct burrow_proxy_status st = { 0 };
	struct burrow_quic_endpoint *ep = NULL;
	struct burrow_proxy_conn *pc;
	struct burrow_quic_conn *conn = NULL;
	struct burrow_proxy *px;
	bool opened = false;
	int fd, status = 1;

	err[0] = '\0';
	signal(SIGPIPE, SIG_IGN);	/* a closed stdout is an error, not death */
	px = burrow_proxy_new(NULL);
	fd = socket(addr->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (!px || fd < 0) {
		snprintf(err, err_size, "cannot set up: %s", strerror(errno));
		goto out;
	}
	ep = burrow_quic_endpoint_new(fd, &qs, &burrow_proxy_callbacks, px);
	if (!ep) {
		snprintf(err, err_size, "QUIC endpoint: %s", burrow_quic_setup_error());
		goto out;
	}
	pc = burrow_proxy_client_conn(px);
	if (!pc || burrow_quic_connect(ep, addr, addr_len, key, pc, &conn) < 0) {
		snprintf(err, err_size, "cannot connect: %s", burrow_quic_endpoint_last_error(ep));
		goto out;
	}
	for (;;) {
		struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN },
					 { .fd = burrow_proxy_fd(px), .events = POLLIN } };
		uint64_t now = burrow_quic_now(), next = burrow_quic_endpoint_next_expiry(ep);
		int timeout = -1;

		if (!opened && burrow_proxy_has_conn(px) && burrow_proxy_conn_ready(pc)) {
			if (burrow_proxy_open(pc, service, rfd, wfd, &st) < 0) {
				snprintf(err, err_size, "cannot open a stream");
				goto out;
			}
			opened = true;
			burrow_proxy_kick(px);
		}
		/* Done once our last bytes are acknowledged too. */
		if (opened && (st.failed || (st.answered && st.code) ||
			       (st.finished && (!burrow_proxy_has_conn(px) ||
				burrow_quic_stream_unacked(conn, st.stream_id) == 0))))
			break;
		if (!burrow_proxy_has_conn(px)) {	/* closed before the stream could open */
			snprintf(err, err_size, "cannot reach the node: %s",
				 burrow_proxy_last_closed(px)[0] ? burrow_proxy_last_closed(px) : "connection closed");
			goto out;
		}
		if (next != UINT64_MAX)
			timeout = next <= now ? 0 : (int)((next - now) / 1000000 + 1);
		if (burrow_proxy_busy(px))
			timeout = 0;
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
			snprintf(err, err_size, "poll: %s", strerror(errno));
			goto out;
		}
		if (pfd[0].revents & POLLIN)
			burrow_quic_endpoint_read(ep);
		if (burrow_quic_endpoint_next_expiry(ep) <= burrow_quic_now())
			burrow_quic_endpoint_handle_expiry(ep);
		burrow_proxy_run(px);
		burrow_proxy_kick(px);
		burrow_quic_endpoint_handle_expiry(ep);	/* flush what run queued */
	}
	if (st.answered && st.code) {
		snprintf(err, err_size, "%s: %s", burrow_proxy_code_name(st.code), st.text);
		status = 10 + (int)(st.code < 90 ? st.code : 89);
	} else if (st.failed) {
		snprintf(err, err_size, "%s", st.why);
	} else {
		status = 0;
	}
	if (conn && burrow_proxy_has_conn(px)) {
		/* Let our FIN's acknowledgement (or the close) go out. */
		burrow_quic_close(conn, 0, status ? "refused" : "done");
		burrow_quic_endpoint_handle_expiry(ep);
	}
out:
	if (!opened) {
		if (rfd >= 0)
			close(rfd);
		if (wfd >= 0 && wfd != rfd)
			close(wfd);
	}
	if (ep)
		burrow_quic_endpoint_free(ep);
	burrow_proxy_free(px);
	if (fd >= 0)
		close(fd);
	return status;
}
