/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrowd configuration file (INI, parsed by libinih). Every key, its
 * default and its rules are in docs/burrowd.md. Shape:
 *
 *   [node]
 *   name = a                       (required)
 *   private_key = /etc/burrow/a.key
 *   listen_address = 0.0.0.0
 *   listen_port = 51820
 *   mode = l3                      (l3 or l2: the device's link mode)
 *   ...
 *   [peer b]                       (repeated, one per peer; NAME is the peer's name)
 *   public_key = <44-char base64>  (required)
 *   endpoint = 192.0.2.2:51820     (optional; numeric address, [v6]:port for IPv6)
 *   allowed_ips = 10.0.0.2/32, fd00::2/128
 *   request_address = auto         (negotiation keys: see struct burrow_config_peer)
 *   may_announce = 10.20.0.0/16
 *   may_reach = 10.99.0.0/24
 *   segments = 0, 10, 20           (mode = l2 in [node] only; also mac_limit, flood_rate)
 *   [coordinator]                  (optional: join a mesh run by burrow-coord)
 *   address = 192.0.2.10:443       (required, unless relay is given)
 *   relay = 198.51.100.7:51820     (reach the coordinator only through this relay;
 *   relay_ticket = <base64>         with its control ticket: both or neither, no address)
 *   public_key = <44-char base64>  (required: the coordinator's key, pinned)
 *   auth_key_file = /etc/burrow/a.authkey   (pre-auth key, read at first registration)
 *   endpoint = 192.0.2.1:51820     (where peers reach this node; repeatable)
 *   [dns]                          (optional: MagicDNS, with a [coordinator] only)
 *   enabled = yes                  (default yes with a [coordinator])
 *   resolved = yes                 (register with systemd-resolved; default yes)
 *   port = 53
 *   [relay]                        (optional: relay for pairs of nodes, with a [coordinator])
 *   enabled = yes                  (default no; yes needs a [coordinator] to pin its key)
 *
 * Usage:
 *   struct burrow_config cfg;
 *   char err[BURROW_CONFIG_ERR_MAX];
 *   if (burrow_config_load("/etc/burrow/a.conf", &cfg, err, sizeof(err)) < 0) {
 *           fprintf(stderr, "burrowd: %s\n", err);  // "a.conf:7: unknown key 'lsten_port' in [node]"
 *           ...
 *   }
 *   ... cfg.node.listen_port, cfg.peers[i].public_key ...
 *   burrow_config_free(&cfg);
 *
 * Validation is strict: unknown sections or keys, a key given twice
 * (except allowed_ips, which adds), bad values, duplicate peer names,
 * public keys or allowed_ips, and missing required keys are all errors
 * (the node's own key is not known here: the caller compares); the message
 * starts with "FILE:LINE: " and quotes the offending key or value.
 * Defaults derived from the instance name (the file's base name without
 * ".conf") fill every optional key.
 */
#ifndef BURROW_CONFIG_H
#define BURROW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "burrow-text.h"
#include "hello.h"
#include "identity.h"
#include "log.h"
#include "relay_ticket.h"

#define BURROW_CONFIG_ERR_MAX 512
#define BURROW_CONFIG_NAME_MAX 63		/* node and peer names: 1-63 of [A-Za-z0-9._-] */
#define BURROW_CONFIG_LIST_MAX 16		/* ciphers / encapsulations */

#define BURROW_CONFIG_DEFAULT_PORT 51820
#define BURROW_CONFIG_DEFAULT_MTU 1420
#define BURROW_CONFIG_DEFAULT_ROTATION_S 600
#define BURROW_CONFIG_DEFAULT_IDLE_TIMEOUT_S 30

/* A heap array of prefixes (config lists). */
struct burrow_prefix_list {
	struct burrow_nl_prefix *items;
	size_t n;
};

struct burrow_config_peer {
	char name[BURROW_CONFIG_NAME_MAX + 1];
	uint8_t public_key[BURROW_PUBLIC_KEY_LEN];
	bool has_endpoint;
	struct sockaddr_storage endpoint;
	socklen_t endpoint_len;
	char endpoint_text[64];			/* as written in the file */
	struct burrow_nl_prefix *allowed_ips;	/* heap */
	size_t n_allowed_ips;
	/*
	 * Negotiation (docs/operations.md, "Addresses and routes"):
	 * request_address: addresses asked of this peer; "auto" is 0.0.0.0/32
	 *   and "auto6" ::/128, the all-zero "no preference" of RFC 9484.
	 * may_announce: routes the peer may advertise (each accepted one lies
	 *   inside one of these); empty: none.
	 * may_reach: our advertised routes the peer is told about (those
	 *   inside one of these); has_may_reach false: all of them.
	 * accept_addresses: where an address the peer assigns us (answering
	 *   request_address) may lie; empty: only exactly what was requested
	 *   (a specific prefix, or for auto/auto6 a single address).
	 */
	struct burrow_prefix_list request_address;
	struct burrow_prefix_list accept_addresses;
	struct burrow_prefix_list may_announce;
	struct burrow_prefix_list may_reach;
	bool has_may_reach;
	unsigned int line;			/* of the [peer NAME] header */
	bool from_map;				/* a node map peer (mesh.c), not the file's */
	/*
	 * A map peer's endpoint candidates in the order to dial them (heap,
	 * NULL when none; endpoint is the first): session.c moves on to the
	 * next when a dial gets no handshake in time (issue 19).
	 */
	struct burrow_nl_endpoint *candidates;
	size_t n_candidates;
	/*
	 * Mode l2 only (docs/burrowd.md): the VLAN ids (0 untagged, 1-4094)
	 * wanted with this peer, ascending; has_segments false: {0}. The
	 * kernel peer gets the intersection with what the peer's HELLO lists.
	 * mac_limit, flood_rate: the kernel peer's, when set (else the
	 * kernel's defaults). l2_line: the first of these keys, for errors.
	 */
	bool has_segments;
	uint16_t segments[BURROW_HELLO_SEGMENTS_MAX];
	size_t n_segments;
	bool mac_limit_set;
	uint32_t mac_limit;
	bool flood_rate_set;
	uint32_t flood_rate;
	unsigned int l2_line;
};

struct burrow_config_node {
	char name[BURROW_CONFIG_NAME_MAX + 1];
	char *private_key;			/* absolute path */
	struct sockaddr_storage listen;		/* listen_address + listen_port */
	socklen_t listen_len;
	uint16_t listen_port;
	char device[16];			/* IFNAMSIZ incl. NUL */
	uint8_t mode;				/* BURROW_HELLO_MODE_L3 (default) or _L2 */
	char *state;				/* database path, absolute */
	char *control_socket;			/* absolute path */
	enum burrow_log_level log_level;
	uint64_t rotation_interval_s;		/* 0: only on kernel events / command */
	uint32_t idle_timeout_s;		/* control connection; pinged at a third */
	uint8_t ciphers[BURROW_CONFIG_LIST_MAX];/* enum burrow_cipher, preference order */
	size_t n_ciphers;
	uint8_t encaps[BURROW_CONFIG_LIST_MAX];	/* enum burrow_encap, preference order */
	size_t n_encaps;
	uint32_t mtu;
	struct burrow_prefix_list addresses;	/* put on the device while burrowd runs */
	struct burrow_prefix_list address_pool;	/* handed to peers that ask */
	struct burrow_prefix_list advertise_routes;	/* prefixes this node reaches */
	/*
	 * relay_routes: pass the routes accepted from each peer on to the
	 * other peers (a hub); false by default (docs/operations.md).
	 */
	bool relay_routes;
};

/*
 * [coordinator]: the node registers with burrow-coord and takes its peers
 * from the node map it is sent (docs/coordination.md, "Joining a node").
 * auth_key_file holds a pre-auth key ("bck_..."); it is read only while
 * the node has not registered yet. endpoints: where other nodes dial this
 * one; none given: listen_address:listen_port when that is not a wildcard.
 */
struct burrow_config_coordinator {
	bool enabled;				/* the section is present */
	struct sockaddr_storage address;
	socklen_t address_len;
	char address_text[64];
	uint8_t public_key[BURROW_PUBLIC_KEY_LEN];
	char *auth_key_file;			/* absolute path; NULL: none */
	struct burrow_nl_endpoint *endpoints;	/* heap */
	size_t n_endpoints;
	/*
	 * relay_after: a map peer whose session is not up this many seconds
	 * asks the coordinator for a relay (RELAY_REQUEST, mesh.c); 0: never.
	 */
	unsigned int relay_after;
	/*
	 * relay + relay_ticket (both or neither; no address then): the node
	 * reaches the coordinator only through that relay with a control
	 * ticket for (this node, the coordinator) (brief D12, mesh.c).
	 * relay_len 0: direct, at address.
	 */
	struct sockaddr_storage relay;
	socklen_t relay_len;
	char relay_text[64];
	struct burrow_relay_ticket relay_ticket;
	unsigned int relay_ticket_line;		/* for the start-time check (burrowd.c) */
	unsigned int address_line;
	unsigned int line;			/* of the [coordinator] header */
};
#define BURROW_CONFIG_RELAY_AFTER_DEFAULT 5
#define BURROW_CONFIG_RELAY_AFTER_MAX 86400

/*
 * [dns]: MagicDNS (dns.h, burrowd_dns.h). The responder runs on a node
 * with a [coordinator] unless enabled = no; it listens on the node's
 * overlay addresses, UDP port (53). resolved: register it with
 * systemd-resolved for the burrow link over D-Bus.
 */
struct burrow_config_dns {
	bool present;				/* the section is in the file */
	bool enabled;
	bool resolved;
	uint16_t port;
	unsigned int line;			/* of the [dns] header */
};

/*
 * [relay]: the relay role (relay_admit.h, docs/burrowd.md "Relay"): ALPN
 * burrow-relay/1 on the node's listener, admission by tickets the
 * coordinator of [coordinator] signed. Off unless enabled = yes.
 */
struct burrow_config_relay {
	bool present;				/* the section is in the file */
	bool enabled;
	unsigned int line;			/* of the [relay] header */
};

/* Most endpoints a node advertises to the coordinator. */
#define BURROW_CONFIG_ENDPOINTS_MAX 32

/*
 * [service NAME]: a TCP service peers reach through the stream proxy
 * (proxy.h, docs/burrowd.md):
 *   target = 127.0.0.1:22        (required; numeric IPV4:PORT or [IPV6]:PORT)
 *   max_streams = 64             (concurrent proxied streams, 1-65535; default 64)
 *   allow = laptop, build-*      (peer names, '*' globs; default: every peer
 *                                 this node knows: config peers and node map)
 */
#define BURROW_CONFIG_SERVICE_ALLOW_MAX 32
#define BURROW_CONFIG_SERVICE_DEFAULT_STREAMS 64
struct burrow_config_service {
	char name[BURROW_CONFIG_NAME_MAX + 1];
	struct sockaddr_storage target;
	socklen_t target_len;
	char target_text[64];
	unsigned int max_streams;
	size_t n_allow;				/* 0: every known peer */
	char allow[BURROW_CONFIG_SERVICE_ALLOW_MAX][BURROW_CONFIG_NAME_MAX + 1];
	unsigned int line;			/* of the [service NAME] header */
};

struct burrow_config {
	char *path;				/* the file read */
	char *text;				/* its content, for burrow_config_copy */
	char instance[BURROW_CONFIG_NAME_MAX + 1];	/* base name without .conf */
	struct burrow_config_node node;
	struct burrow_config_peer *peers;	/* heap, in file order */
	size_t n_peers;
	size_t n_file_peers;			/* peers[0..n_file_peers) are the file's */
	struct burrow_config_coordinator coordinator;
	struct burrow_config_dns dns;		/* defaults filled when the section is absent */
	struct burrow_config_relay relay;
	struct burrow_config_service *services;	/* heap, in file order */
	size_t n_services;
};

/* Read path. 0, -ENOENT/-EACCES (cannot open), -EINVAL (content). */
int burrow_config_load(const char *path, struct burrow_config *cfg, char *err, size_t err_size);

/* Parse text as if it were the file named path (for messages and the
 * instance name). Same results as burrow_config_load. */
int burrow_config_parse_string(const char *text, const char *path, struct burrow_config *cfg,
			       char *err, size_t err_size);

void burrow_config_free(struct burrow_config *cfg);

/*
 * A fresh copy of what src was read from (its text parsed again): the
 * file's peers only, none added with burrow_config_peer_append. 0,
 * -ENOMEM, or -EINVAL if the text no longer parses (it always should).
 */
int burrow_config_copy(const struct burrow_config *src, struct burrow_config *dst, char *err,
		       size_t err_size);

/*
 * Append a peer that did not come from the file (the node map's): *peer
 * is moved in (its lists now belong to cfg) and zeroed. -ENOMEM leaves
 * both unchanged. Such peers follow the file's, so peers[i] with
 * i >= n_file_peers came from elsewhere.
 */
int burrow_config_peer_append(struct burrow_config *cfg, struct burrow_config_peer *peer);
/*
 * At start, once the node's key is known: with [coordinator] relay, the
 * control ticket's pair must include node_key. 0, or -EINVAL with err
 * "FILE:LINE: relay_ticket: ticket N is not for this node (public key K)".
 */
int burrow_config_coordinator_check_node(const struct burrow_config *cfg,
					 const uint8_t node_key[BURROW_PUBLIC_KEY_LEN], char *err,
					 size_t err_size);

/* Whether two [coordinator] sections say the same (a change needs a restart). */
bool burrow_config_coordinator_equal(const struct burrow_config_coordinator *a,
				     const struct burrow_config_coordinator *b);
/* Whether two [relay] settings say the same (a change needs a restart). */
bool burrow_config_relay_equal(const struct burrow_config_relay *a,
			       const struct burrow_config_relay *b);
/* Whether two [dns] settings say the same (a change needs a restart). */
bool burrow_config_dns_equal(const struct burrow_config_dns *a, const struct burrow_config_dns *b);
/* Append one prefix to a list / to a peer's allowed_ips (no checks). 0 or -ENOMEM. */
int burrow_prefix_list_append(struct burrow_prefix_list *list, const struct burrow_nl_prefix *prefix);
int burrow_config_peer_allow(struct burrow_config_peer *peer, const struct burrow_nl_prefix *prefix);
/* Free the lists of a peer that is not (or no longer) in a config. */
void burrow_config_peer_free(struct burrow_config_peer *peer);

/*
 * Reload (config_diff.c, docs/burrowd.md "Reloading"): what changed
 * between the running config and a newly read one.
 *
 * burrow_config_node_diff: 0 when the [node] sections differ at most in
 * keys a running daemon applies (log_level, rotation_interval); else
 * -EBUSY with why = "KEY changed: restart burrowd to apply" naming the
 * first other key that differs (the private key's path, not its content:
 * the caller compares the identity).
 *
 * burrow_config_peer_compare: how one peer (matched by name) changed.
 * REPLACE: its identity or how it is reached changed (public_key,
 * endpoint, request_address): the session starts over. POLICY: only keys
 * a running session can follow (allowed_ips, may_announce, may_reach,
 * accept_addresses). what (may be NULL) lists the changed keys,
 * comma-separated, in file order.
 */
enum burrow_config_peer_change {
	BURROW_CONFIG_PEER_SAME,
	BURROW_CONFIG_PEER_POLICY,
	BURROW_CONFIG_PEER_REPLACE,
};

int burrow_config_node_diff(const struct burrow_config_node *old, const struct burrow_config_node *new,
			    char *why, size_t why_size);
enum burrow_config_peer_change burrow_config_peer_compare(const struct burrow_config_peer *old,
							  const struct burrow_config_peer *new,
							  char *what, size_t what_size);
bool burrow_prefix_list_equal(const struct burrow_prefix_list *a, const struct burrow_prefix_list *b);

/* Find a peer by public key or by name; NULL when absent. */
const struct burrow_config_peer *burrow_config_peer_by_key(const struct burrow_config *cfg,
							   const uint8_t key[BURROW_PUBLIC_KEY_LEN]);
const struct burrow_config_peer *burrow_config_peer_by_name(const struct burrow_config *cfg,
							    const char *name);

/*
 * Parsers the config uses, also for `burrowd peer add` arguments: the
 * shared grammar of burrow-text.h, with burrowd's choices. Each returns 0 or
 * -EINVAL with err quoting the text.
 */
/* ADDRESS/LENGTH, the length required (a config never means a host by default). */
int burrow_prefix_parse(const char *text, struct burrow_nl_prefix *prefix, char *err,
			size_t err_size);
/* "10.0.0.0/24", "fd00::/64", truncated to size. */
void burrow_prefix_format(const struct burrow_nl_prefix *prefix, char *buf, size_t size);
/* IPV4:PORT or [IPV6]:PORT, port 1-65535, as a socket address. */
int burrow_endpoint_parse(const char *text, struct sockaddr_storage *addr, socklen_t *len,
			  char *err, size_t err_size);
/* 1-63 of [A-Za-z0-9._-] */
bool burrow_config_name_valid(const char *name);
/* [service NAME] by name; NULL if none. May peer_name use it? */
const struct burrow_config_service *burrow_config_service_find(const struct burrow_config *cfg,
								 const char *name);
bool burrow_config_service_allows(const struct burrow_config_service *svc, const char *peer_name);

#endif /* BURROW_CONFIG_H */
