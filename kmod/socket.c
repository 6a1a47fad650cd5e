// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching a userspace UDP socket to a device as a UDP tunnel socket.
 *
 * The receive hook (encap_rcv) sees every datagram the socket receives. It
 * keeps burrow data packets (return 0) and hands everything else back to
 * the socket's receive queue for userspace (return 1): QUIC packets (first
 * byte has 0x40 set), and anything arriving after the device detached.
 *
 * Claiming a socket is atomic against every other UDP tunnel user (GTP,
 * L2TP, another burrow device): the ownership check and the takeover run
 * under one lock_sock(), and sk_user_data is tested and set under
 * sk_callback_lock, as l2tp does. Detaching gives back only what is ours:
 * it clears the hooks only while sk_user_data still points to our
 * attachment, and restores what setup_udp_tunnel_sock() changed.
 *
 * Two kinds of socket (as in l2tp and ovpn):
 *  - A caller's socket (socket-fd): the device holds the sock (sock_hold),
 *    not the file. A user socket holds its netns, and the netns holds the
 *    device, so holding the file would make a cycle that kept a deleted
 *    netns, the device and the socket alive forever. Instead the
 *    attachment ends when the last descriptor closes: udp_destroy_sock()
 *    calls encap_destroy, which detaches. burrowd keeps its descriptor.
 *  - A socket of the kernel's own (listen-port), for static setups where
 *    burrow-nl exits after configuring: made with udp_sock_create() in the
 *    device's netns, it holds no netns reference, and is released on
 *    detach, on device deletion (which netns deletion implies) and when
 *    the device moves to another netns (it must not outlive its netns).
 *
 * Detaching waits a grace period so no receive or transmit is still using
 * the attachment, and only then drops the socket. Device deletion, detach
 * and userspace closing its descriptor are safe in any order: all of them
 * take config_lock and detach at most once.
 */

#include <linux/file.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "compat.h"
#include "device.h"
#include "receive.h"
#include "socket.h"

/*
 * Caller holds lock_sock(sk). An unbound socket would send from port 0 and
 * receive nothing; with UDP_GRO, coalesced datagrams would reach encap_rcv
 * as one and fail to decrypt.
 */
static int burrow_socket_check(struct sock *sk, struct netlink_ext_ack *extack)
{
	if (!inet_sk(sk)->inet_num) {
		NL_SET_ERR_MSG(extack, "socket-fd is not bound to a port");
		return -EINVAL;
	}
	if (burrow_udp_gro_enabled(sk)) {
		NL_SET_ERR_MSG(extack, "socket-fd has UDP_GRO enabled");
		return -EINVAL;
	}
	return 0;
}

static void burrow_socket_encap_destroy(struct sock *sk);

/*
 * Claim sock for bdev and make it the device's socket, replacing the old
 * one. kernel: sock is the kernel's own (released on detach); otherwise the
 * caller's, of which the device holds only the sock. Caller holds
 * config_lock and its own reference on sock for the duration of the call.
 */
static int burrow_socket_claim(struct burrow_device *bdev, struct socket *sock, bool kernel,
			       struct netlink_ext_ack *extack)
{
	struct udp_tunnel_sock_cfg cfg = {};
	struct burrow_socket *bsock, *old;
	struct sock *sk = sock->sk;
	bool busy;
	int ret;

	old = rcu_dereference_protected(bdev->sock, lockdep_is_held(&bdev->config_lock));
	if (old && old->sk == sk)
		return 0;	/* already ours: attaching it again changes nothing */
	bsock = kzalloc(sizeof(*bsock), GFP_KERNEL);
	if (!bsock)
		return -ENOMEM;
	bsock->sk = sk;
	bsock->kernel_sock = kernel ? sock : NULL;
	bsock->bdev = bdev;

	/*
	 * Check and claim under one lock_sock(): GTP and L2TP test and take
	 * sockets under it too, so exactly one of us wins.
	 */
	lock_sock(sk);
	ret = burrow_socket_check(sk, extack);
	if (ret) {
		release_sock(sk);
		goto err_free_bsock;
	}
	write_lock_bh(&sk->sk_callback_lock);
	busy = udp_sk(sk)->encap_type || READ_ONCE(sk->sk_user_data);
	if (!busy)
		rcu_assign_sk_user_data(sk, bsock);
	write_unlock_bh(&sk->sk_callback_lock);
	if (busy) {
		release_sock(sk);
		NL_SET_ERR_MSG(extack, "socket is already attached to a device or tunnel");
		ret = -EBUSY;
		goto err_free_bsock;
	}
	bsock->mc_loop = burrow_sk_mc_loop(sk);
	cfg.sk_user_data = bsock;
	cfg.encap_type = UDP_ENCAP_ESPINUDP_NON_IKE;
	cfg.encap_rcv = burrow_udp_encap_rcv;
	if (!kernel)
		cfg.encap_destroy = burrow_socket_encap_destroy;
	setup_udp_tunnel_sock(sock_net(sk), sock, &cfg);
	release_sock(sk);
	if (!kernel)
		sock_hold(sk);

	/*
	 * One socket per device: the new one is ours now, so the old one can
	 * go (a grace period, outside any socket lock), then the new one is
	 * published for transmit.
	 */
	burrow_socket_detach(bdev);
	rcu_assign_pointer(bdev->sock, bsock);
	burrow_device_changed(bdev);
	return 0;

err_free_bsock:
	kfree(bsock);
	return ret;
}

int burrow_socket_attach(struct burrow_device *bdev, int fd, struct netlink_ext_ack *extack)
{
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
	} else {
		ret = burrow_socket_claim(bdev, sock, false, extack);
	}
	/* The device holds the sock, never the file (see the top). */
	sockfd_put(sock);
	return ret;
}

int burrow_socket_listen(struct burrow_device *bdev, u16 port, const struct nlattr *addr,
			 struct netlink_ext_ack *extack)
{
	struct udp_port_cfg cfg = {
		.family = AF_INET6,
		.local_udp_port = htons(port),
	};
	struct socket *sock;
	int ret;

	lockdep_assert_held(&bdev->config_lock);

	if (addr && nla_len(addr) == sizeof(struct in_addr)) {
		cfg.family = AF_INET;
		cfg.local_ip.s_addr = nla_get_in_addr(addr);
	} else if (addr && nla_len(addr) == sizeof(struct in6_addr)) {
#if IS_ENABLED(CONFIG_IPV6)
		cfg.local_ip6 = nla_get_in6_addr(addr);
#endif
	} else if (addr) {
		NL_SET_ERR_MSG_ATTR(extack, addr, "listen-address is neither 4 nor 16 bytes");
		return -EINVAL;
	}
	ret = udp_sock_create(dev_net(bdev->dev), &cfg, &sock);
	if (ret == -EAFNOSUPPORT && !addr) {
		/* A kernel without IPv6: every IPv4 address. */
		cfg.family = AF_INET;
		ret = udp_sock_create(dev_net(bdev->dev), &cfg, &sock);
	}
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot open a UDP socket on listen-port");
		return ret;
	}
	ret = burrow_socket_claim(bdev, sock, true, extack);
	if (ret)
		udp_tunnel_sock_release(sock);
	return ret;
}

/*
 * encap_destroy: the last descriptor of a caller's socket is being closed
 * (process context, no socket lock held). Detach if the socket is still
 * attached. bsock is found under RCU; detach frees it only after a grace
 * period, and the device reference taken inside the same section keeps
 * the device (and its config_lock) alive past ndo_uninit.
 */
static void burrow_socket_encap_destroy(struct sock *sk)
{
	struct burrow_socket *bsock, *cur;
	struct burrow_device *bdev;

	rcu_read_lock();
	bsock = rcu_dereference_sk_user_data(sk);
	if (!bsock) {
		rcu_read_unlock();
		return;
	}
	bdev = bsock->bdev;
	dev_hold(bdev->dev);
	rcu_read_unlock();

	mutex_lock(&bdev->config_lock);
	cur = rcu_dereference_protected(bdev->sock, lockdep_is_held(&bdev->config_lock));
	if (cur && cur->sk == sk)
		burrow_socket_detach(bdev);
	mutex_unlock(&bdev->config_lock);
	dev_put(bdev->dev);
}

void burrow_socket_netns_leave(struct burrow_device *bdev)
{
	struct burrow_socket *bsock;

	mutex_lock(&bdev->config_lock);
	bsock = rcu_dereference_protected(bdev->sock, lockdep_is_held(&bdev->config_lock));
	if (bsock && bsock->kernel_sock)
		burrow_socket_detach(bdev);
	mutex_unlock(&bdev->config_lock);
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

	sk = bsock->sk;
	lock_sock(sk);
	write_lock_bh(&sk->sk_callback_lock);
	/* Never clear hooks that another owner may have set since. */
	if (READ_ONCE(sk->sk_user_data) == bsock) {
		rcu_assign_sk_user_data(sk, NULL);
		WRITE_ONCE(udp_sk(sk)->encap_rcv, NULL);
		WRITE_ONCE(udp_sk(sk)->encap_type, 0);
		WRITE_ONCE(udp_sk(sk)->encap_destroy, NULL);
		/* Undo what setup_udp_tunnel_sock() changed. */
		burrow_sk_set_mc_loop(sk, bsock->mc_loop);
		inet_dec_convert_csum(sk);
	}
	write_unlock_bh(&sk->sk_callback_lock);
	release_sock(sk);

	/* No receive hook or transmit may still be using bsock after this. */
	synchronize_net();
	if (bsock->kernel_sock)
		udp_tunnel_sock_release(bsock->kernel_sock);
	else
		sock_put(sk);
	kfree(bsock);
	burrow_device_changed(bdev);
}
