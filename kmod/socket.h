/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BURROW_SOCKET_H
#define _BURROW_SOCKET_H

#include <linux/rcupdate.h>

struct burrow_device;
struct socket;
struct netlink_ext_ack;

/*
 * A UDP socket given by userspace and attached to one device (D1). The
 * device holds a reference to the socket's file, so the socket outlives
 * the descriptor userspace used to attach it. sk_user_data points here
 * while attached; the receive hook finds the device through it.
 */
struct burrow_socket {
	struct socket *sock;
	struct burrow_device *bdev;
	struct rcu_head rcu;
};

int burrow_socket_attach(struct burrow_device *bdev, int fd, struct netlink_ext_ack *extack);
/* Caller holds config_lock. No-op without a socket. May sleep. */
void burrow_socket_detach(struct burrow_device *bdev);

#endif /* _BURROW_SOCKET_H */
