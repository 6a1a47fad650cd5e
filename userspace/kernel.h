/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrowd's use of the kernel data plane through libburrow-nl: the shared
 * UDP socket, peers, keys and the events group.
 *
 * Two netlink contexts: one for requests, one subscribed to events
 * (libburrow-nl refuses requests on an events context). Every function
 * returns 0 or a negative errno and leaves a message naming the operation
 * and the kernel's reason in k->why.
 */
#ifndef BURROW_KERNEL_H
#define BURROW_KERNEL_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "burrow-nl.h"
#include "keysched.h"

struct burrow_kernel {
	struct burrow_nl *nl;
	struct burrow_nl *events;
	char ifname[IFNAMSIZ];
	uint32_t ifindex;
	uint8_t quic_cid_len;	/* the device's local-cid length (quic encapsulation) */
	uint8_t mode;		/* enum burrow_mode of the device */
	bool created;		/* burrow_kernel_open made the device */
	char why[320];
};

/*
 * Open both contexts and look the device up. A missing device is created
 * in mode (enum burrow_mode: 0 l3, 1 l2) over rtnetlink; one that exists
 * in the other mode is refused with -EINVAL (the mode is fixed at
 * creation: k->why says so and how to fix it).
 */
int burrow_kernel_open(struct burrow_kernel *k, const char *ifname, uint8_t mode);
void burrow_kernel_close(struct burrow_kernel *k);

/*
 * Create and bind the UDP socket at listen_on (an IPv6 socket is made
 * dual-stack), detach whatever socket the device still holds (a previous
 * daemon killed with -9 leaves it attached, holding the port), and attach
 * the new one. Returns the fd (>= 0, non-blocking; the caller keeps and
 * closes it) or a negative errno.
 */
int burrow_kernel_socket(struct burrow_kernel *k, const struct sockaddr *listen_on,
			 socklen_t listen_len);
/* Let the device drop its socket (clean shutdown). */
int burrow_kernel_socket_detach(struct burrow_kernel *k);

/* quic encapsulation of a kernel peer: the data connection ids. */
struct burrow_kernel_quic {
	const uint8_t *local_cid;	/* k->quic_cid_len bytes: DCID of packets from the peer */
	const uint8_t *remote_cid;	/* DCID of packets to the peer */
	size_t remote_cid_len;
};

/*
 * An l2 device's per-peer attributes: the segments (VLAN ids, 0 untagged)
 * replace the peer's set; mac_limit and flood_rate go along when set.
 */
struct burrow_kernel_l2 {
	const uint16_t *segments;
	size_t n_segments;
	bool mac_limit_set;
	uint32_t mac_limit;
	bool flood_rate_set;
	uint32_t flood_rate;
};

/*
 * Program peer id for a new session: tx-id, an endpoint (may be NULL),
 * allowed prefixes, and udp encapsulation when quic is NULL, quic with its
 * connection ids otherwise; no keys. exists: the peer is there from the
 * session this one replaces; it is changed in place (keys deleted, the rest
 * set), so its counters carry on. Otherwise a leftover peer of that id is
 * deleted and a fresh one created. relay_ticket: non-zero when the peer is
 * reached through a relay (endpoint is then the relay's address, and every
 * packet carries a relay header with the ticket); 0 direct (a peer changed
 * in place has its ticket cleared). l2: the peer's segments etc. on an l2
 * device (NULL on l3).
 */
int burrow_kernel_peer_program(struct burrow_kernel *k, uint32_t id, uint32_t tx_id,
			       const struct sockaddr *endpoint,
			       const struct burrow_nl_prefix *prefixes, size_t n_prefixes,
			       const struct burrow_kernel_quic *quic, uint32_t relay_ticket,
			       const struct burrow_kernel_l2 *l2, bool exists);
/* Replace a peer's allowed prefixes (negotiated routes and leases changed). */
int burrow_kernel_peer_set_prefixes(struct burrow_kernel *k, uint32_t id,
				    const struct burrow_nl_prefix *prefixes, size_t n_prefixes);
/* Delete a peer; a missing one is not an error. */
int burrow_kernel_peer_delete(struct burrow_kernel *k, uint32_t id);
/*
 * Delete every peer of the device (burrowd owns them; at start this clears
 * what a killed run left, whatever random ids it had chosen). The number
 * deleted, or -errno with why.
 */
int burrow_kernel_peers_clear(struct burrow_kernel *k);
/* Counters and endpoint of a peer (release with burrow_nl_peer_release). */
int burrow_kernel_peer_get(struct burrow_kernel *k, uint32_t id, struct burrow_nl_peer *peer);

/*
 * Install one generation into a slot. is_client picks the direction:
 * the QUIC client encrypts with client_to_server and decrypts with
 * server_to_client, the server the other way round. Header-protection keys
 * go along when keys->has_hp (a quic peer needs them).
 */
int burrow_kernel_key_install(struct burrow_kernel *k, uint32_t peer_id, uint8_t slot,
			      const struct burrow_generation_keys *keys, bool is_client);
int burrow_kernel_key_swap(struct burrow_kernel *k, uint32_t peer_id);
/* Delete a slot's key; an empty slot is not an error. */
int burrow_kernel_key_delete(struct burrow_kernel *k, uint32_t peer_id, uint8_t slot);
int burrow_kernel_key_get(struct burrow_kernel *k, uint32_t peer_id, uint8_t slot,
			  struct burrow_nl_key *key);
/* Device counters (decrypt failures etc.). */
int burrow_kernel_dev_get(struct burrow_kernel *k, struct burrow_nl_dev *dev);

/* The events socket (non-blocking) and its next event: 1, 0 (none), <0. */
int burrow_kernel_events_fd(const struct burrow_kernel *k);
int burrow_kernel_event_next(struct burrow_kernel *k, struct burrow_nl_event *event);

/* "192.0.2.1:51820" / "[fd00::1]:51820" (v4-mapped shown as IPv4). */
void burrow_kernel_format_addr(const struct sockaddr *sa, char *out, size_t size);
/* An IPv4 address as v4-mapped IPv6 (for a dual-stack socket); others copied. */
socklen_t burrow_kernel_v4_mapped(const struct sockaddr *sa, socklen_t len,
				  struct sockaddr_storage *out);

#endif /* BURROW_KERNEL_H */
