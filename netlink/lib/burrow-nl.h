/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * libburrow-nl: the client library of the 'burrow' generic netlink family.
 * It is the only code in the project that speaks netlink to burrow.ko;
 * burrow-nl and burrowd both use it.
 *
 * Two layers:
 *   - this header: a context (socket, family id, sequence numbers) and one
 *     function per operation of netlink/burrow.yaml;
 *   - burrow-nl-msg.h: the pure message layer underneath (request builders
 *     and reply parsers that work on buffers and never touch a socket), for
 *     unit tests and fuzzers.
 *
 * Errors: every function that can fail returns 0 on success or a negative
 * errno. After a failure burrow_nl_last_error() describes it: the kernel's
 * extack message when the kernel refused the request (and sent one), or the
 * library's own description of a local failure. See "Error codes" below.
 *
 * Integers are in host byte order everywhere, ports included, as on the
 * wire of this family.
 *
 * A context is not thread-safe; use one per thread. A context that has
 * subscribed to events (burrow_nl_events_subscribe()) receives events only;
 * open a second one for requests.
 */

#ifndef BURROW_NL_H
#define BURROW_NL_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "burrow-nl-stats.h"
#include "linux/burrow.h"

/*
 * Error codes returned by the library itself (the kernel's own codes, such
 * as -ENODEV, -ENOENT, -EPERM or -EINVAL, are passed through unchanged):
 *   -EBADMSG       malformed reply: truncated message, header or attribute,
 *                  an attribute whose payload does not fit its type, a
 *                  string without its NUL, an attribute given twice, a value
 *                  outside its enum, an address that does not fit its family
 *   -ENODATA       a reply lacks an attribute the operation requires
 *   -ENAMETOOLONG  a string is longer than the family allows (in a reply,
 *                  or an ifname given to a request)
 *   -EPROTO        a reply that does not belong to the request (message
 *                  type, command, sequence number, count of replies, a peer
 *                  or key other than the one asked for)
 *   -EINVAL        a request the library refuses to send (say, a device
 *                  selected by both ifindex and ifname, a key whose length
 *                  does not match its cipher); also any request on a context
 *                  that receives events
 *   -EMSGSIZE      a request that does not fit the request buffer
 *   -EINTR         a dump the kernel marked NLM_F_DUMP_INTR on every attempt
 *   -ENOENT        (burrow_nl_open) the 'burrow' family is not registered:
 *                  burrow.ko is not loaded; (burrow_nl_events_subscribe) the
 *                  family has no "events" group
 *   -ENOBUFS       (burrow_nl_event_receive) events were lost: the socket's
 *                  receive buffer overflowed
 *   -EAGAIN        (burrow_nl_event_receive) no event pending on a
 *                  non-blocking socket
 *   -ENOMEM, and the errno of a failed socket call
 */

/* Longest message burrow_nl_last_error() returns, including its NUL. */
#define BURROW_NL_ERROR_MESSAGE_SIZE 256

/* Room for the module's version string, including its NUL. */
#define BURROW_NL_MODULE_VERSION_SIZE 64

/* How many times burrow_nl_*_dump() runs a dump the kernel interrupts. */
#define BURROW_NL_DUMP_ATTEMPTS 3

struct burrow_nl;

/* version-get reply. */
struct burrow_nl_version {
	char module[BURROW_NL_MODULE_VERSION_SIZE];	/* burrow.ko's version */
	uint32_t api;					/* its api-version */
};

/*
 * Names one device: exactly one of ifindex (nonzero) and ifname (non-NULL,
 * 1 to IFNAMSIZ - 1 bytes). Anything else is refused with -EINVAL.
 */
struct burrow_nl_dev_ref {
	uint32_t ifindex;
	const char *ifname;
};

/* An IPv4 or IPv6 address, in network byte order as in_addr/in6_addr are. */
union burrow_nl_addr {
	struct in_addr v4;
	struct in6_addr v6;
	uint8_t bytes[16];
};

/* A UDP endpoint. family AF_INET or AF_INET6; AF_UNSPEC (0) means none. */
struct burrow_nl_endpoint {
	uint16_t family;
	union burrow_nl_addr addr;
	uint16_t port;		/* host byte order, 1-65535 */
};

/* An allowed-ip prefix: family AF_INET (len 0-32) or AF_INET6 (len 0-128). */
struct burrow_nl_prefix {
	uint16_t family;
	union burrow_nl_addr addr;
	uint8_t len;
};

/* dev-get reply: one burrow device. */
struct burrow_nl_dev {
	uint32_t ifindex;
	char ifname[IFNAMSIZ];
	uint16_t default_keepalive;		/* seconds, 0 = off */
	uint32_t default_inactivity_timeout;	/* seconds, 0 = off */
	uint16_t socket_family;			/* AF_INET, AF_INET6; 0: no socket */
	uint16_t listen_port;			/* the socket's port; 0: no socket */
	uint32_t peer_count;
	uint32_t generation;			/* bumped by every change */
	uint8_t quic_cid_len;			/* quic local-cid length; 0: not reported */
	uint8_t mode;				/* enum burrow_mode: l3 (0) or l2 */
	uint32_t fdb_ageing;			/* l2: seconds; 0: not reported */
	struct burrow_nl_dev_stats stats;
};

/*
 * dev-set request: the device, and each setting with its "is set" flag.
 * socket_fd: a bound UDP socket of the caller's for the device to use. The
 * attachment lasts while the socket does: closing its last descriptor
 * detaches it, so the caller keeps it open (burrowd does).
 * listen: have the kernel open a socket of its own on listen.port (on
 * listen.addr unless listen.family is AF_UNSPEC), which stays attached
 * after the caller exits (static setups; burrow-nl dev set listen).
 * socket_detach: let go of the attached socket. At most one of the three.
 */
struct burrow_nl_dev_settings {
	struct burrow_nl_dev_ref dev;
	bool default_keepalive_set;
	uint16_t default_keepalive;
	bool default_inactivity_timeout_set;
	uint32_t default_inactivity_timeout;
	bool socket_fd_set;
	int socket_fd;
	bool socket_detach;
	bool listen_set;
	struct burrow_nl_endpoint listen;	/* port 0: any free port */
	bool quic_cid_len_set;
	uint8_t quic_cid_len;
	bool fdb_ageing_set;
	uint32_t fdb_ageing;			/* l2 devices: seconds, 1..86400 */
};

/*
 * peer-new / peer-set request. Every field but dev and id is sent only when
 * it is set (its _set flag, endpoint.family != AF_UNSPEC, endpoint_clear,
 * allowed_ips_count > 0 or allowed_ips_op_set).
 *
 * allowed_ips_op (enum burrow_allowed_ips_op) says how peer-set applies
 * allowed_ips: add, remove, or replace the peer's whole list (replace with
 * an empty list clears it). peer-new does not send it unless it is set.
 */
struct burrow_nl_peer_config {
	struct burrow_nl_dev_ref dev;
	uint32_t id;				/* 1 and up */
	bool tx_id_set;
	uint32_t tx_id;
	struct burrow_nl_endpoint endpoint;	/* AF_UNSPEC: not sent */
	bool endpoint_clear;			/* peer-set: forget the endpoint */
	bool endpoint_pinned_set;
	bool endpoint_pinned;
	bool encap_set;
	uint8_t encap;				/* enum burrow_encap */
	uint8_t local_cid_len;			/* quic CIDs; 0: not sent */
	uint8_t local_cid[BURROW_CID_LEN_MAX];
	uint8_t remote_cid_len;
	uint8_t remote_cid[BURROW_CID_LEN_MAX];
	bool keepalive_set;
	uint16_t keepalive;			/* seconds, 0 = off */
	bool inactivity_timeout_set;
	uint32_t inactivity_timeout;		/* seconds, 0 = off */
	bool allowed_ips_op_set;
	uint8_t allowed_ips_op;			/* enum burrow_allowed_ips_op */
	const struct burrow_nl_prefix *allowed_ips;
	size_t allowed_ips_count;
	bool relay_ticket_set;
	uint32_t relay_ticket;			/* 0: direct; else via a relay */
	/* l2 devices only. segments: bit n of byte n / 8 = VLAN id n (0 untagged). */
	bool segments_set;
	uint8_t segments[BURROW_SEGMENTS_LEN];
	bool mac_limit_set;
	uint32_t mac_limit;			/* 0: no limit */
	bool flood_rate_set;
	uint32_t flood_rate;			/* packets/s, 0: no limit */
};

/*
 * peer-get reply: one peer, its allowed-ips merged from every message the
 * kernel split them over. allowed_ips is malloc()ed: release a peer with
 * burrow_nl_peer_release(), an array with burrow_nl_peers_free().
 */
struct burrow_nl_peer {
	uint32_t id;
	uint32_t tx_id;
	struct burrow_nl_endpoint endpoint;	/* AF_UNSPEC: none */
	bool endpoint_pinned;
	uint8_t encap;				/* enum burrow_encap */
	uint8_t local_cid_len;			/* 0: none */
	uint8_t local_cid[BURROW_CID_LEN_MAX];
	uint8_t remote_cid_len;			/* 0: none */
	uint8_t remote_cid[BURROW_CID_LEN_MAX];
	bool keepalive_set;			/* false: the device's default */
	uint16_t keepalive;
	bool inactivity_timeout_set;		/* false: the device's default */
	uint32_t inactivity_timeout;
	struct burrow_nl_prefix *allowed_ips;
	size_t allowed_ips_count;
	uint64_t rx_bytes;
	uint64_t rx_packets;
	uint64_t tx_bytes;
	uint64_t tx_packets;
	uint64_t tx_queue_drops;		/* full or CoDel, per direction */
	uint64_t rx_queue_drops;
	bool last_rx_set;			/* false: nothing received yet */
	uint64_t last_rx_ms_ago;
	bool expired;
	uint32_t relay_ticket;			/* 0: direct */
	bool l2;				/* the l2 fields below were reported */
	uint8_t segments[BURROW_SEGMENTS_LEN];
	uint32_t mac_limit;
	uint32_t flood_rate;
	uint32_t mac_count;
};

/* fdb-get reply: one learnt MAC address of an l2 device. */
struct burrow_nl_fdb_entry {
	uint8_t mac[6];
	uint16_t vlan;
	uint32_t peer_id;
	uint64_t age_ms;
};

/* Every entry of the MAC table of an l2 device; *entries is malloc()ed. */
int burrow_nl_fdb_dump(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
		       struct burrow_nl_fdb_entry **entries, size_t *count);

void burrow_nl_peer_release(struct burrow_nl_peer *peer);
void burrow_nl_peers_free(struct burrow_nl_peer *peers, size_t count);

/*
 * key-new request. The key lengths follow the cipher: 32 bytes for
 * chacha20-poly1305 and aes-256-gcm, 16 for aes-128-gcm (the first bytes of
 * the arrays). Limits left unset take the kernel's per-cipher defaults.
 * The library wipes its copies of the key material (explicit_bzero) once
 * the request is sent; the caller wipes this struct.
 */
struct burrow_nl_key_config {
	struct burrow_nl_dev_ref dev;
	uint32_t peer_id;
	uint8_t slot;				/* enum burrow_key_slot */
	uint8_t key_id;
	uint8_t cipher;				/* enum burrow_cipher */
	uint8_t encrypt_key[BURROW_KEY_LEN_MAX];
	uint8_t encrypt_iv[BURROW_IV_LEN];
	uint8_t decrypt_key[BURROW_KEY_LEN_MAX];
	uint8_t decrypt_iv[BURROW_IV_LEN];
	bool hp_keys_set;			/* quic: send both hp keys (key length) */
	uint8_t encrypt_hp_key[BURROW_KEY_LEN_MAX];
	uint8_t decrypt_hp_key[BURROW_KEY_LEN_MAX];
	bool soft_limit_packets_set;
	uint64_t soft_limit_packets;
	bool hard_limit_packets_set;
	uint64_t hard_limit_packets;
	bool soft_limit_seconds_set;
	uint32_t soft_limit_seconds;
	bool hard_limit_seconds_set;
	uint32_t hard_limit_seconds;
};

/* key-get reply: a key's metadata; the kernel never returns key material. */
struct burrow_nl_key {
	uint32_t peer_id;
	uint8_t slot;				/* enum burrow_key_slot */
	uint8_t key_id;
	uint8_t cipher;				/* enum burrow_cipher */
	uint32_t age_seconds;
	uint64_t tx_packets;
	uint64_t rx_packets;
	uint64_t rx_max_counter;
	uint64_t soft_limit_packets;
	uint64_t hard_limit_packets;
	uint32_t soft_limit_seconds;
	uint32_t hard_limit_seconds;
	uint8_t limit_reached;			/* 0 none, 1 soft, 2 hard */
	/* RFC 9001 §6.6; 0 from a kernel that does not report them. */
	uint64_t integrity_limit;		/* failures allowed before refusal */
	uint64_t rx_auth_failures;		/* packets that failed authentication */
};

/* limit_reached values. */
#define BURROW_NL_LIMIT_NONE BURROW_KEY_LIMIT_NONE
#define BURROW_NL_LIMIT_SOFT BURROW_KEY_LIMIT_SOFT
#define BURROW_NL_LIMIT_HARD BURROW_KEY_LIMIT_HARD

/* Key length of a cipher, 0 for an unknown one. */
size_t burrow_nl_cipher_key_len(uint8_t cipher);

/*
 * An event of the "events" multicast group: type is the notification's
 * command (BURROW_CMD_*_NTF). Fields by type:
 *   PEER_EXPIRED_NTF       ifindex, peer_id
 *   ENDPOINT_CHANGED_NTF   ifindex, peer_id, endpoint
 *   KEY_SOFT_LIMIT_NTF,
 *   KEY_HARD_LIMIT_NTF     ifindex, peer_id, slot, key_id, limit_reached
 * Fields a type does not carry are 0.
 */
struct burrow_nl_event {
	uint8_t type;
	uint32_t ifindex;
	uint32_t peer_id;
	struct burrow_nl_endpoint endpoint;
	uint8_t slot;
	uint8_t key_id;
	uint8_t limit_reached;
};

/* "peer-expired", "endpoint-changed", "key-soft-limit", "key-hard-limit"; NULL otherwise. */
const char *burrow_nl_event_name(uint8_t type);

/*
 * Open a generic netlink socket with extended acks, and resolve the
 * 'burrow' family and its multicast groups. -ENOENT: burrow.ko is not
 * loaded. On failure *out is NULL.
 */
int burrow_nl_open(struct burrow_nl **out);
void burrow_nl_close(struct burrow_nl *nl);

/*
 * Why the last call on this context failed: the kernel's extack message,
 * or the library's description of a local failure. "" when there is none
 * (the call succeeded, or the kernel refused without a message; print
 * strerror() of the returned code then).
 */
const char *burrow_nl_last_error(const struct burrow_nl *nl);

/*
 * True when the last failure is an error the kernel sent back (it refused
 * the request), false for failures detected in userspace.
 */
bool burrow_nl_last_error_from_kernel(const struct burrow_nl *nl);

/* The resolved family id and the "events" multicast group (0: none). */
uint16_t burrow_nl_family_id(const struct burrow_nl *nl);
uint32_t burrow_nl_events_group(const struct burrow_nl *nl);

/* version-get. */
int burrow_nl_version_get(struct burrow_nl *nl, struct burrow_nl_version *version);

/* ---- devices ---------------------------------------------------------------- */

/* dev-get (do): one device, by ifindex or by name. */
int burrow_nl_dev_get(struct burrow_nl *nl, const struct burrow_nl_dev_ref *ref,
		      struct burrow_nl_dev *dev);

/*
 * dev-get (dump): every burrow device of the socket's network namespace, in
 * the kernel's order, as an array the caller releases with free(). An empty
 * list is *devs == NULL, *count == 0.
 *
 * A dump the kernel marks NLM_F_DUMP_INTR (the devices changed while it ran)
 * is discarded and run again, up to BURROW_NL_DUMP_ATTEMPTS times in all;
 * then the call fails with -EINTR. So a successful result is always a
 * consistent snapshot.
 */
int burrow_nl_dev_dump(struct burrow_nl *nl, struct burrow_nl_dev **devs, size_t *count);

/* dev-set: change the settings whose _set flag is true. Needs CAP_NET_ADMIN. */
int burrow_nl_dev_set(struct burrow_nl *nl, const struct burrow_nl_dev_settings *settings);

/* ---- peers ------------------------------------------------------------------ */

/*
 * peer-new / peer-set. Needs CAP_NET_ADMIN.
 *
 * An allowed-ips list that does not fit one request (BURROW_NL_REQUEST_SIZE,
 * some 200 IPv6 or 290 IPv4 prefixes) is sent in several: the first is the
 * operation asked for with every other attribute and as many prefixes as
 * fit; each further request is a peer-set of the peer's id carrying the
 * next prefixes with allowed-ips-op add (remove when the operation is a
 * remove). So a replace of a long list is "replace with the first part, add
 * the rest", and a peer-new is "create with the first part, add the rest".
 * The requests are not one transaction: when a later one fails the peer
 * keeps what the earlier ones did, and the error message says which part
 * failed ("part N of M: ...").
 */
int burrow_nl_peer_new(struct burrow_nl *nl, const struct burrow_nl_peer_config *config);
int burrow_nl_peer_set(struct burrow_nl *nl, const struct burrow_nl_peer_config *config);

/* peer-del: remove a peer, its prefixes and keys. Needs CAP_NET_ADMIN. */
int burrow_nl_peer_del(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev, uint32_t id);

/*
 * peer-get (do): one peer into *peer (release it with
 * burrow_nl_peer_release()). -ENOENT from the kernel: no such peer.
 */
int burrow_nl_peer_get(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev, uint32_t id,
		       struct burrow_nl_peer *peer);

/*
 * peer-get (dump): every peer of a device, sorted by id, as an array the
 * caller releases with burrow_nl_peers_free(). A peer the kernel split over
 * several messages comes back as one. Retried on NLM_F_DUMP_INTR like
 * burrow_nl_dev_dump().
 */
int burrow_nl_peer_dump(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
			struct burrow_nl_peer **peers, size_t *count);

/* ---- keys ------------------------------------------------------------------- */

/* key-new: install a key into a peer's slot. Needs CAP_NET_ADMIN. */
int burrow_nl_key_new(struct burrow_nl *nl, const struct burrow_nl_key_config *config);

/* key-swap: exchange a peer's primary and secondary keys. Needs CAP_NET_ADMIN. */
int burrow_nl_key_swap(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
		       uint32_t peer_id);

/* key-del: delete the key in a peer's slot. Needs CAP_NET_ADMIN. */
int burrow_nl_key_del(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
		      uint32_t peer_id, uint8_t slot);

/* key-get: metadata of the key in a peer's slot. */
int burrow_nl_key_get(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
		      uint32_t peer_id, uint8_t slot, struct burrow_nl_key *key);

/* ---- relay table ------------------------------------------------------------ */

/*
 * A relay entry (docs/netlink.md, relay-*): relay datagrams carrying
 * ticket are forwarded between endpoints a and b (same family).
 */
struct burrow_nl_relay {
	uint32_t ticket;			/* 1 and up */
	struct burrow_nl_endpoint a;
	struct burrow_nl_endpoint b;
	uint32_t lifetime;			/* new/set: seconds from now; get: left */
	uint64_t a_to_b_packets;		/* get only */
	uint64_t a_to_b_bytes;
	uint64_t b_to_a_packets;
	uint64_t b_to_a_bytes;
};

/* relay-new: -EEXIST if the ticket is taken. Needs CAP_NET_ADMIN. */
int burrow_nl_relay_new(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
			const struct burrow_nl_relay *relay);
/* relay-set: an endpoint of family AF_UNSPEC, and lifetime 0, stay as they are. */
int burrow_nl_relay_set(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
			const struct burrow_nl_relay *relay);
int burrow_nl_relay_del(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
			uint32_t ticket);
/* relay-get (do): -ENOENT from the kernel: no such entry. */
int burrow_nl_relay_get(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
			uint32_t ticket, struct burrow_nl_relay *relay);
/* relay-get (dump): the device's table, sorted by ticket, malloc()ed (free()). */
int burrow_nl_relay_dump(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
			 struct burrow_nl_relay **relays, size_t *count);

/* ---- events ----------------------------------------------------------------- */

/*
 * Join the "events" multicast group. From then on the context receives
 * events and refuses requests (-EINVAL): use another context for those.
 */
int burrow_nl_events_subscribe(struct burrow_nl *nl);

/*
 * The context's socket, for poll(). It may be made non-blocking
 * (O_NONBLOCK); burrow_nl_event_receive() then returns -EAGAIN when no
 * event is pending.
 */
int burrow_nl_events_fd(const struct burrow_nl *nl);

/*
 * The next event. One datagram may carry several events, and the ones not
 * returned yet stay in the context, where poll() cannot see them: after
 * poll() reports the socket readable, call this until it returns -EAGAIN
 * (non-blocking socket), or until burrow_nl_event_pending() is false.
 *
 * Notifications of commands this library does not know (a newer kernel)
 * are skipped, and so are datagrams that do not come from the kernel.
 * -EINTR: a signal interrupted the wait. -ENOBUFS: events were lost
 * because the socket's receive buffer overflowed; receiving goes on, but
 * the caller should re-read the state it tracks (dumps). A malformed event
 * fails with the parser's code and is dropped; the next call goes on with
 * the one after it.
 */
int burrow_nl_event_receive(struct burrow_nl *nl, struct burrow_nl_event *event);

/* Whether events of the last datagram are still waiting in the context. */
bool burrow_nl_event_pending(const struct burrow_nl *nl);

/* ---- raw requests (tests) --------------------------------------------------- */

/*
 * Send a request someone else built, for tests of the kernel's validation
 * (tools/burrow-nl-raw): msg is one netlink message of len bytes (len ==
 * nlmsg_len) with a genetlink header. The library sets its type to the
 * family id, its sequence number and NLM_F_REQUEST, and NLM_F_ACK unless it
 * is a dump (NLM_F_DUMP). Reply messages are counted into *replies, not
 * parsed. Returns 0 or the kernel's error, its extack message in
 * burrow_nl_last_error().
 */
int burrow_nl_request_raw(struct burrow_nl *nl, void *msg, size_t len, unsigned int *replies);

#endif /* BURROW_NL_H */
