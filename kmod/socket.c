// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching a userspace UDP socket to a device as a UDP tunnel socket.
 *
 * The receive hook (encap_rcv) sees every datagram the socket receives. It
 * keeps burrow data packets (return 0) and hands everything else back to
 * the socket's receive queue for userspace (return 1): QUIC packets (first
 * byte has 0x40 set), and anything arriving after the device detached.
 *
 * Detaching clears the hook and sk_user_data under the socket lock, waits a
 * grace period so no receive or transmit is still using the attachment, and
 * only then drops the file reference. Device deletion detaches, so device
 * deletion, detach and userspace closing its descriptor are safe in any
 * order: the socket is destroyed only when both userspace's descriptor and
 * the device's reference are gone.
 */

#include <linux/file.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <net/sock.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "device.h"
#include "receive.h"
#include "socket.h"

int burrow_socket_attach(struct burrow_device *bdev, int fd, struct netlink_ext_ack *extack)
{
	struct udp_tunnel_sock_cfg cfg = {};
	struct burrow_socket *bsock;
	struct socket *sock;
	struct sock *sk;
	int ret;

	lockdep_assert_held(&bdev->config_lock);

	sock = sockfd_lookup(fd, &ret);
	if (!sock) {
		NL_SET_ERR_MSG(extack, "socket-fd is not a socket");
		return ret;
	}
	sk = sock->sk;
	if (sk->sk_protocol != IPPROTO_UDP || sk->sk_type != SOCK_DGRAM ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)) {
		NL_SET_ERR_MSG(extack, "socket-fd is not a UDP socket");
		ret = -EPROTOTYPE;
		goto err_put_sock;
	}
	bsock = kzalloc(sizeof(*bsock), GFP_KERNEL);
	if (!bsock) {
		ret = -ENOMEM;
		goto err_put_sock;
	}
	bsock->sock = sock;
	bsock->bdev = bdev;

	lock_sock(sk);
	if (udp_sk(sk)->encap_type || READ_ONCE(sk->sk_user_data)) {
		release_sock(sk);
		NL_SET_ERR_MSG(extack, "socket is already attached to a device or tunnel");
		ret = -EBUSY;
		goto err_free_bsock;
	}
	release_sock(sk);

	/* One socket per device: replace whatever was attached before. */
	burrow_socket_detach(bdev);

	cfg.sk_user_data = bsock;
	cfg.encap_type = UDP_ENCAP_ESPINUDP_NON_IKE;
	cfg.encap_rcv = burrow_udp_encap_rcv;
	setup_udp_tunnel_sock(sock_net(sk), sock, &cfg);
	rcu_assign_pointer(bdev->sock, bsock);
	burrow_device_changed(bdev);
	return 0;

err_free_bsock:
	kfree(bsock);
err_put_sock:
	sockfd_put(sock);
	return ret;
}

void burrow_socket_detach(struct burrow_device *bdev)
{
	struct burrow_socket *bsock;
	struct sock *sk;

	lockdep_assert_held(&bdev->config_lock);
	bsock = rcu_dereference_protected(bdev->sock, lockdep_is_held(&bdev->config_lock));
	if (!bsock)
		return;
	RCU_INIT_POINTER(bdev->sock, NULL);

	sk = bsock->sock->sk;
	lock_sock(sk);
	rcu_assign_sk_user_data(sk, NULL);
	WRITE_ONCE(udp_sk(sk)->encap_rcv, NULL);
	WRITE_ONCE(udp_sk(sk)->encap_type, 0);
	release_sock(sk);

	/* No receive hook or transmit may still be using bsock after this. */
	synchronize_net();
	sockfd_put(bsock->sock);
	kfree(bsock);
	burrow_device_changed(bdev);
}
