/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BURROW_SOCKET_H
#define _BURROW_SOCKET_H

#include <linux/rcupdate.h>

struct burrow_device;
struct socket;
struct netlink_ext_ack;

/*
 * A UDP socket attached to one device: a caller's (socket-fd), of
 * which the device holds the sock, not the file, and which detaches when
 * its last descriptor closes; or the kernel's own (listen-port), which the
 * device owns. sk_user_data points here while attached; the receive hook
 * finds the device through it. socket.c explains why.
 */
struct burrow_socket {
	struct sock *sk;		/* held (sock_hold) unless kernel_sock */
	struct socket *kernel_sock;	/* the kernel's own socket, or NULL */
	struct burrow_device *bdev;
	struct rcu_head rcu;
	bool mc_loop;			/* restored on detach */
};

struct nlattr;

/* Caller holds config_lock. */
int burrow_socket_attach(struct burrow_device *bdev, int fd, struct netlink_ext_ack *extack);
/* Caller holds config_lock. addr: 4 or 16 bytes, or NULL for every address. */
int burrow_socket_listen(struct burrow_device *bdev, u16 port, const struct nlattr *addr,
			 struct netlink_ext_ack *extack);
/* The device leaves its netns: a kernel socket, which lives there, goes. */
void burrow_socket_netns_leave(struct burrow_device *bdev);
/* Caller holds config_lock. No-op without a socket. May sleep. */
void burrow_socket_detach(struct burrow_device *bdev);

#endif /* _BURROW_SOCKET_H */
