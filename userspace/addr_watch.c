// SPDX-License-Identifier: GPL-2.0
/* Interface address changes from rtnetlink: see addr_watch.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "addr_watch.h"
#include "log.h"
#include "loop.h"

struct burrow_addr_watch {
	struct burrow_loop *loop;
	struct mnl_socket *nl;
	struct burrow_timer settle;
	void (*changed)(void *arg);
	void *arg;
	uint64_t bursts;
};

static void settled(void *arg)
{
	struct burrow_addr_watch *w = arg;

	w->changed(w->arg);
}

/*
 * Drain the socket: every message is a change of some link or address,
 * and which one does not matter. An overflow (ENOBUFS) lost some, which
 * is a change too; anything else is logged and the socket kept.
 */
static void readable(void *arg)
{
	struct burrow_addr_watch *w = arg;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool any = false;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(w->nl, buf, sizeof(buf));

		if (n > 0 || (n < 0 && errno == ENOBUFS)) {
			any = true;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			burrow_log(BURROW_LOG_WARNING, "address watch: %s", strerror(errno));
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	if (any && !w->settle.armed) {
		w->bursts++;
		burrow_timer_arm_in(w->loop, &w->settle,
				    BURROW_ADDR_WATCH_SETTLE_MS * BURROW_NSEC_PER_MSEC);
	}
}

struct burrow_addr_watch *burrow_addr_watch_new(struct burrow_loop *loop,
						void (*changed)(void *arg), void *arg)
{
	struct burrow_addr_watch *w = calloc(1, sizeof(*w));
	int saved;

	if (!w)
		return NULL;
	w->loop = loop;
	w->changed = changed;
	w->arg = arg;
	burrow_timer_init(&w->settle, settled, w);
	w->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!w->nl)
		goto err_free;
	if (mnl_socket_bind(w->nl, RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
			    MNL_SOCKET_AUTOPID) < 0)
		goto err_close;
	if (burrow_loop_add_fd(loop, mnl_socket_get_fd(w->nl), readable, w) < 0)
		goto err_close;
	return w;

err_close:
	saved = errno;
	mnl_socket_close(w->nl);
	errno = saved;
err_free:
	saved = errno;
	free(w);
	errno = saved;
	return NULL;
}

void burrow_addr_watch_free(struct burrow_addr_watch *w)
{
	if (!w)
		return;
	burrow_timer_cancel(w->loop, &w->settle);
	burrow_loop_del_fd(w->loop, mnl_socket_get_fd(w->nl));
	mnl_socket_close(w->nl);
	free(w);
}

uint64_t burrow_addr_watch_bursts(const struct burrow_addr_watch *w)
{
	return w ? w->bursts : 0;
}
