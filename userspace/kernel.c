// SPDX-License-Identifier: GPL-2.0
/* libburrow-nl glue for burrowd: see kernel.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "burrow-rtnl.h"
#include "burrow-text.h"
#include "kernel.h"

static const char *mode_name(uint8_t mode)
{
	return burrow_text_mode(mode) ? burrow_text_mode(mode) : "unknown";
}

/* Create ifname in mode over rtnetlink. */
static int device_create(struct burrow_kernel *k, const char *ifname, uint8_t mode)
{
	struct burrow_rtnl rt = { 0 };
	int ret = burrow_rtnl_open(&rt);

	if (!ret)
		ret = burrow_rtnl_link_add(&rt, ifname, "burrow", 0, mode);
	if (ret)
		snprintf(k->why, sizeof(k->why), "cannot create device '%s' in mode %s: %s", ifname,
			 mode_name(mode), rt.why);
	burrow_rtnl_close(&rt);
	return ret;
}

static int fail(struct burrow_kernel *k, int ret, const char *what)
{
	const char *detail = k->nl ? burrow_nl_last_error(k->nl) : "";

	snprintf(k->why, sizeof(k->why), "%s: %s", what, *detail ? detail : strerror(-ret));
	return ret;
}

static struct burrow_nl_dev_ref dev_ref(const struct burrow_kernel *k)
{
	struct burrow_nl_dev_ref ref = { .ifindex = k->ifindex };

	return ref;
}

int burrow_kernel_open(struct burrow_kernel *k, const char *ifname, uint8_t mode)
{
	struct burrow_nl_dev_ref ref = { .ifname = ifname };
	struct burrow_nl_dev dev;
	int ret, flags;

	memset(k, 0, sizeof(*k));
	snprintf(k->ifname, sizeof(k->ifname), "%s", ifname);
	ret = burrow_nl_open(&k->nl);
	if (ret) {
		snprintf(k->why, sizeof(k->why), "cannot open the burrow netlink family: %s%s",
			 strerror(-ret), ret == -ENOENT ? " (is burrow.ko loaded?)" : "");
		return ret;
	}
	ret = burrow_nl_dev_get(k->nl, &ref, &dev);
	if (ret == -ENODEV) {
		ret = device_create(k, ifname, mode);
		if (ret) {
			burrow_kernel_close(k);
			return ret;
		}
		k->created = true;
		ret = burrow_nl_dev_get(k->nl, &ref, &dev);
	}
	if (ret) {
		char what[64];

		snprintf(what, sizeof(what), "device '%s'", ifname);
		ret = fail(k, ret, what);
		burrow_kernel_close(k);
		return ret;
	}
	k->ifindex = dev.ifindex;
	k->mode = dev.mode;
	if (dev.mode != mode) {
		snprintf(k->why, sizeof(k->why),
			 "device '%s' is in mode %s, the configuration says mode = %s; the mode is fixed "
			 "when a device is created: delete the device (ip link del %s) or change mode",
			 ifname, mode_name(dev.mode), mode_name(mode), ifname);
		burrow_kernel_close(k);
		return -EINVAL;
	}
	/* A module that does not report it has only the default length. */
	k->quic_cid_len = dev.quic_cid_len ? dev.quic_cid_len : 8;
	ret = burrow_nl_open(&k->events);
	if (!ret)
		ret = burrow_nl_events_subscribe(k->events);
	if (ret) {
		snprintf(k->why, sizeof(k->why), "cannot subscribe to burrow events: %s",
			 strerror(-ret));
		burrow_kernel_close(k);
		return ret;
	}
	flags = fcntl(burrow_nl_events_fd(k->events), F_GETFL);
	fcntl(burrow_nl_events_fd(k->events), F_SETFL, flags | O_NONBLOCK);
	return 0;
}

void burrow_kernel_close(struct burrow_kernel *k)
{
	if (k->nl)
		burrow_nl_close(k->nl);
	if (k->events)
		burrow_nl_close(k->events);
	k->nl = NULL;
	k->events = NULL;
}

int burrow_kernel_socket_detach(struct burrow_kernel *k)
{
	struct burrow_nl_dev_settings settings = { .dev = dev_ref(k), .socket_detach = true };
	int ret = burrow_nl_dev_set(k->nl, &settings);

	return ret ? fail(k, ret, "socket detach") : 0;
}

int burrow_kernel_socket(struct burrow_kernel *k, const struct sockaddr *listen_on,
			 socklen_t listen_len)
{
	struct burrow_nl_dev_settings settings = { .dev = dev_ref(k) };
	int family = listen_on->sa_family, fd, off = 0, ret;
	char where[80];

	burrow_kernel_format_addr(listen_on, where, sizeof(where));
	/* A previous daemon killed with -9 left its socket attached, holding the port. */
	burrow_nl_dev_set(k->nl, &(struct burrow_nl_dev_settings){ .dev = dev_ref(k),
								     .socket_detach = true });

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP);
	if (fd < 0) {
		ret = -errno;
		snprintf(k->why, sizeof(k->why), "cannot open a UDP socket: %s", strerror(errno));
		return ret;
	}
	/* An IPv6 socket also serves IPv4 peers (as v4-mapped addresses). */
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0) {
		ret = -errno;
		snprintf(k->why, sizeof(k->why), "cannot make the socket dual-stack: %s",
			 strerror(errno));
		close(fd);
		return ret;
	}
	if (bind(fd, listen_on, listen_len) < 0) {
		ret = -errno;
		snprintf(k->why, sizeof(k->why), "cannot listen on %s: %s", where, strerror(errno));
		close(fd);
		return ret;
	}
	settings.socket_fd_set = true;
	settings.socket_fd = fd;
	ret = burrow_nl_dev_set(k->nl, &settings);
	if (ret) {
		fail(k, ret, "attaching the UDP socket to the device");
		close(fd);
		return ret;
	}
	return fd;
}

void burrow_kernel_format_addr(const struct sockaddr *sa, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(out, size, "%s:%u", host, ntohs(sin->sin_port));
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], host, sizeof(host));
			snprintf(out, size, "%s:%u", host, ntohs(sin6->sin6_port));
		} else {
			inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
			snprintf(out, size, "[%s]:%u", host, ntohs(sin6->sin6_port));
		}
	} else {
		snprintf(out, size, "?");
	}
}

socklen_t burrow_kernel_v4_mapped(const struct sockaddr *sa, socklen_t len,
				  struct sockaddr_storage *out)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof(*out));
	if (sa->sa_family != AF_INET) {
		memcpy(out, sa, len);
		return len;
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = sin->sin_port;
	sin6->sin6_addr.s6_addr[10] = 0xff;
	sin6->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&sin6->sin6_addr.s6_addr[12], &sin->sin_addr, 4);
	return sizeof(*sin6);
}

/* The kernel wants IPv4 endpoints as AF_INET, not v4-mapped IPv6. */
static void to_nl_endpoint(const struct sockaddr *sa, struct burrow_nl_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (!sa)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		ep->family = AF_INET;
		ep->addr.v4 = sin->sin_addr;
		ep->port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			ep->family = AF_INET;
			memcpy(&ep->addr.v4, &sin6->sin6_addr.s6_addr[12], 4);
		} else {
			ep->family = AF_INET6;
			ep->addr.v6 = sin6->sin6_addr;
		}
		ep->port = ntohs(sin6->sin6_port);
	}
}

int burrow_kernel_peer_delete(struct burrow_kernel *k, uint32_t id)
{
	struct burrow_nl_dev_ref ref = dev_ref(k);
	int ret = burrow_nl_peer_del(k->nl, &ref, id);

	if (ret == -ENOENT)
		return 0;
	return ret ? fail(k, ret, "peer delete") : 0;
}

int burrow_kernel_peers_clear(struct burrow_kernel *k)
{
	struct burrow_nl_dev_ref ref = dev_ref(k);
	struct burrow_nl_peer *peers = NULL;
	size_t count = 0;
	int ret = burrow_nl_peer_dump(k->nl, &ref, &peers, &count);

	if (ret)
		return fail(k, ret, "peer dump");
	for (size_t i = 0; i < count && !ret; i++)
		ret = burrow_kernel_peer_delete(k, peers[i].id);
	burrow_nl_peers_free(peers, count);
	return ret ? ret : (int)count;
}

int burrow_kernel_peer_program(struct burrow_kernel *k, uint32_t id, uint32_t tx_id,
			       const struct sockaddr *endpoint,
			       const struct burrow_nl_prefix *prefixes, size_t n_prefixes,
			       const struct burrow_kernel_quic *quic, uint32_t relay_ticket,
			       const struct burrow_kernel_l2 *l2, bool exists)
{
	struct burrow_nl_peer_config config = {
		.dev = dev_ref(k),
		.id = id,
		.tx_id_set = true,
		.tx_id = tx_id,
		.encap_set = true,
		.encap = quic ? BURROW_ENCAP_QUIC : BURROW_ENCAP_UDP,
		.allowed_ips = prefixes,
		.allowed_ips_count = n_prefixes,
		.relay_ticket_set = relay_ticket != 0 || exists,
		.relay_ticket = relay_ticket,
	};
	int ret;

	if (quic) {
		if (quic->remote_cid_len == 0 || quic->remote_cid_len > sizeof(config.remote_cid)) {
			snprintf(k->why, sizeof(k->why),
				 "peer add: a remote connection id of %zu bytes", quic->remote_cid_len);
			return -EINVAL;
		}
		config.local_cid_len = k->quic_cid_len;
		memcpy(config.local_cid, quic->local_cid, k->quic_cid_len);
		config.remote_cid_len = (uint8_t)quic->remote_cid_len;
		memcpy(config.remote_cid, quic->remote_cid, quic->remote_cid_len);
	}
	if (l2) {
		config.segments_set = true;
		for (size_t i = 0; i < l2->n_segments; i++)
			if (l2->segments[i] <= BURROW_VLAN_MAX)
				config.segments[l2->segments[i] / 8] |= 1u << (l2->segments[i] % 8);
		config.mac_limit_set = l2->mac_limit_set;
		config.mac_limit = l2->mac_limit;
		config.flood_rate_set = l2->flood_rate_set;
		config.flood_rate = l2->flood_rate;
	}
	to_nl_endpoint(endpoint, &config.endpoint);
	if (exists) {
		/*
		 * The old session's keys go first: the kernel checks a quic
		 * peer's keys against its encapsulation. The peer itself stays,
		 * and with it its counters and prefixes' place in the trie.
		 */
		config.allowed_ips_op_set = true;
		config.allowed_ips_op = BURROW_ALLOWED_IPS_OP_REPLACE;
		ret = burrow_kernel_key_delete(k, id, BURROW_KEY_SLOT_SECONDARY);
		if (!ret)
			ret = burrow_kernel_key_delete(k, id, BURROW_KEY_SLOT_PRIMARY);
		if (!ret)
			ret = burrow_nl_peer_set(k->nl, &config);
		if (ret != -ENOENT)
			return ret ? fail(k, ret, "peer set") : 0;
		config.allowed_ips_op_set = false;	/* someone deleted it: create it */
		config.relay_ticket_set = relay_ticket != 0;
	} else {
		ret = burrow_kernel_peer_delete(k, id);
		if (ret)
			return ret;
	}
	ret = burrow_nl_peer_new(k->nl, &config);
	return ret ? fail(k, ret, "peer add") : 0;
}

int burrow_kernel_peer_set_prefixes(struct burrow_kernel *k, uint32_t id,
				    const struct burrow_nl_prefix *prefixes, size_t n_prefixes)
{
	struct burrow_nl_peer_config config = {
		.dev = dev_ref(k),
		.id = id,
		.allowed_ips_op_set = true,
		.allowed_ips_op = BURROW_ALLOWED_IPS_OP_REPLACE,
		.allowed_ips = prefixes,
		.allowed_ips_count = n_prefixes,
	};
	int ret = burrow_nl_peer_set(k->nl, &config);

	return ret ? fail(k, ret, "peer set allowed-ips") : 0;
}

int burrow_kernel_peer_get(struct burrow_kernel *k, uint32_t id, struct burrow_nl_peer *peer)
{
	struct burrow_nl_dev_ref ref = dev_ref(k);
	int ret = burrow_nl_peer_get(k->nl, &ref, id, peer);

	return ret ? fail(k, ret, "peer get") : 0;
}

int burrow_kernel_key_install(struct burrow_kernel *k, uint32_t peer_id, uint8_t slot,
			      const struct burrow_generation_keys *keys, bool is_client)
{
	const struct burrow_direction_keys *tx = is_client ? &keys->client_to_server
							   : &keys->server_to_client;
	const struct burrow_direction_keys *rx = is_client ? &keys->server_to_client
							   : &keys->client_to_server;
	struct burrow_nl_key_config config = {
		.dev = dev_ref(k),
		.peer_id = peer_id,
		.slot = slot,
		.key_id = keys->key_id,
		.cipher = keys->cipher,
	};
	int ret;

	memcpy(config.encrypt_key, tx->key, tx->key_len);
	memcpy(config.encrypt_iv, tx->iv, sizeof(tx->iv));
	memcpy(config.decrypt_key, rx->key, rx->key_len);
	memcpy(config.decrypt_iv, rx->iv, sizeof(rx->iv));
	if (keys->has_hp) {
		config.hp_keys_set = true;
		memcpy(config.encrypt_hp_key, tx->hp_key, tx->key_len);
		memcpy(config.decrypt_hp_key, rx->hp_key, rx->key_len);
	}
	ret = burrow_nl_key_new(k->nl, &config);
	explicit_bzero(&config, sizeof(config));
	return ret ? fail(k, ret, "key install") : 0;
}

int burrow_kernel_key_swap(struct burrow_kernel *k, uint32_t peer_id)
{
	struct burrow_nl_dev_ref ref = dev_ref(k);
	int ret = burrow_nl_key_swap(k->nl, &ref, peer_id);

	return ret ? fail(k, ret, "key swap") : 0;
}

int burrow_kernel_key_delete(struct burrow_kernel *k, uint32_t peer_id, uint8_t slot)
{
	struct burrow_nl_dev_ref ref = dev_ref(k);
	int ret = burrow_nl_key_del(k->nl, &ref, peer_id, slot);

	if (ret == -ENOENT)
		return 0;
	return ret ? fail(k, ret, "key delete") : 0;
}

int burrow_kernel_key_get(struct burrow_kernel *k, uint32_t peer_id, uint8_t slot,
			  struct burrow_nl_key *key)
{
	struct burrow_nl_dev_ref ref = dev_ref(k);
	int ret = burrow_nl_key_get(k->nl, &ref, peer_id, slot, key);

	return ret ? fail(k, ret, "key get") : 0;
}

int burrow_kernel_dev_get(struct burrow_kernel *k, struct burrow_nl_dev *dev)
{
	struct burrow_nl_dev_ref ref = dev_ref(k);
	int ret = burrow_nl_dev_get(k->nl, &ref, dev);

	return ret ? fail(k, ret, "device get") : 0;
}

int burrow_kernel_events_fd(const struct burrow_kernel *k)
{
	return burrow_nl_events_fd(k->events);
}

int burrow_kernel_event_next(struct burrow_kernel *k, struct burrow_nl_event *event)
{
	int ret = burrow_nl_event_receive(k->events, event);

	if (ret == -EAGAIN)
		return 0;
	if (ret < 0)
		return ret;
	return 1;
}
