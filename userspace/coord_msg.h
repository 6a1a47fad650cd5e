/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The messages of the coordination stream (ALPN "burrow-coord/1") between a
 * node and burrow-coord: RFC 9297 capsules (type varint, length varint,
 * value) framed and read with capsule.h, so varints follow its policy
 * (shortest encoding only). Layouts are written down in docs/wire-format.md,
 * "Coordination messages".
 *
 *   REGISTER           node -> coord   pre-auth key, hostname, routes, endpoints
 *   REGISTER_RESULT    coord -> node   accepted (name, addresses) or refused
 *   MAP_FULL           coord -> node   version, self, peers; in parts
 *   MAP_DELTA          coord -> node   version, peers changed, peers removed
 *   MAP_REQUEST_FULL   node -> coord   the node saw a gap: resend the map
 *   ENDPOINTS          node -> coord   the node's current endpoint candidates
 *   DNS_CONFIG         coord -> node   mesh domain and split DNS (before the first MAP_FULL)
 *   RELAY_REVOKE       coord -> relay  a relay ticket revoked: drop its entry, refuse it
 *   OBSERVED_ADDRESS   coord -> node   the address:port the node's connection comes from
 *   RELAY_REQUEST      node -> coord   no session with this peer: find a relay for the pair
 *   RELAY_OFFER        coord -> node   a ticket and a relay's endpoint for a peer, or a refusal
 *   RELAY_BIND         coord -> relay  a control ticket: bind the coordinator's side of it
 *   CONTROL_TICKET     coord -> node   a renewed control ticket for the node's own relay
 *
 * Decoders are strict: trailing bytes, truncated fields, non-shortest
 * varints, route bits set beyond the prefix length, names that are not DNS
 * labels, duplicate or unsorted peer ids, unknown address families and
 * lists longer than their bound are -EBADMSG, with why naming the message
 * and the field. A capsule value longer than COORD_MSG_CAPSULE_MAX, or a
 * map announcing more than COORD_MAP_PEERS_MAX peers, is -EMSGSIZE before
 * any of it is buffered.
 *
 * Encoders append whole capsules (header included) to a struct coord_buf,
 * which grows as needed; decoders take a capsule's value. Decoded messages
 * own their lists: free them with the matching _free().
 */
#ifndef BURROW_COORD_MSG_H
#define BURROW_COORD_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "burrow-text.h"
#include "capsule.h"

/*
 * Capsule types of the coordination stream, in a block next to burrowd's
 * (0x2b0b01...). None is a greasing value (0x29 * N + 0x17). Not
 * IANA-registered; spoken only on connections that negotiated
 * "burrow-coord/1".
 */
#define COORD_MSG_REGISTER		0x2b0c01
#define COORD_MSG_REGISTER_RESULT	0x2b0c02
#define COORD_MSG_MAP_FULL		0x2b0c03
#define COORD_MSG_MAP_DELTA		0x2b0c04
#define COORD_MSG_MAP_REQUEST_FULL	0x2b0c05
#define COORD_MSG_ENDPOINTS		0x2b0c06
/*
 * Added after burrow-coord/1 shipped: nodes that predate it skip it as an
 * unknown capsule type (RFC 9297 §3.2), so the ALPN stays.
 */
#define COORD_MSG_DNS_CONFIG		0x2b0c07
/* Added later still, on the same terms: sent only to nodes that relay. */
#define COORD_MSG_RELAY_REVOKE		0x2b0c08
/*
 * Added later still, on the same terms (QUIC Address Discovery's idea over
 * the coordination stream): after REGISTER_RESULT and whenever the path
 * the coordinator sees changes.
 */
#define COORD_MSG_OBSERVED_ADDRESS	0x2b0c09
/*
 * Automatic relay fallback (docs/coordination.md, "Relay fallback"): a node
 * that sends RELAY_REQUEST is new enough to take RELAY_OFFER, which goes
 * only to nodes that asked (or whose peer asked: the peer of a pair runs
 * the same code).
 */
#define COORD_MSG_RELAY_REQUEST		0x2b0c0a
#define COORD_MSG_RELAY_OFFER		0x2b0c0b
/*
 * Control-plane egress through a relay (brief D12, docs/coordination.md
 * "The coordinator behind a relay"): sent only to nodes that relay, like
 * RELAY_REVOKE.
 */
#define COORD_MSG_RELAY_BIND		0x2b0c0c
/*
 * Control-ticket renewal (docs/coordination.md "Lifetime"): sent only to a
 * node connected through a relay with a control ticket past half its life.
 */
#define COORD_MSG_CONTROL_TICKET	0x2b0c0d

#define COORD_MSG_ALPN "burrow-coord/1"

/* Longest capsule value on the coordination stream. */
#define COORD_MSG_CAPSULE_MAX 65536
/* Most peers one map may hold (MAP_FULL's Peer Count). */
#define COORD_MAP_PEERS_MAX 1000000
/* Longest node name: one DNS label. */
#define COORD_NAME_MAX 63
/* Longest pre-auth key secret and refusal reason text. */
#define COORD_KEY_SECRET_MAX 256
#define COORD_REASON_MAX 1024
/* Most endpoints and routes per node (per message for REGISTER / ENDPOINTS). */
#define COORD_ENDPOINTS_MAX 32
#define COORD_ROUTES_MAX 1024

/* QUIC application error codes of the coordinator's CONNECTION_CLOSE (a node
 * removed or expired forgets its map; the others reconnect). */
#define COORD_CLOSE_DONE 0		/* the node ended the stream */
#define COORD_CLOSE_PROTOCOL 1		/* malformed or unexpected message; reason names it */
#define COORD_CLOSE_REFUSED 2		/* after REGISTER_RESULT refused */
#define COORD_CLOSE_INTERNAL 3		/* the coordinator failed (database, memory) */
#define COORD_CLOSE_REPLACED 4		/* the same node connected again */
#define COORD_CLOSE_REMOVED 5		/* the operator removed the node */
#define COORD_CLOSE_EXPIRED 6		/* the node expired (operator or expiry time) */

/* MAP_FULL part flags. */
#define COORD_MAP_PART_FIRST 0x01
#define COORD_MAP_PART_LAST 0x02

/* REGISTER_RESULT refusal codes; unknown codes are kept as received. */
enum coord_refusal {
	COORD_REFUSED_KEY_UNKNOWN = 1,	/* no such pre-auth key, or no key and no node */
	COORD_REFUSED_KEY_EXPIRED = 2,
	COORD_REFUSED_KEY_REVOKED = 3,
	COORD_REFUSED_KEY_USED = 4,	/* single-use key used already */
	COORD_REFUSED_NAME = 5,		/* hostname unusable */
	COORD_REFUSED_ADDRESSES = 6,	/* address range exhausted */
	COORD_REFUSED_NODE = 7,		/* node expired or removed */
	COORD_REFUSED_INTERNAL = 8,	/* coordinator failure; retry later */
	COORD_REFUSED_RELAY_ONLY = 9,	/* reached directly; this coordinator answers only through a relay */
};

/* Growable output buffer; the first failure sticks (-ENOMEM, -EMSGSIZE). */
struct coord_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	int error;
};

void coord_buf_init(struct coord_buf *b);
void coord_buf_free(struct coord_buf *b);

/* A node's overlay addresses: IPv4 and IPv6, each with its prefix length. */
struct coord_addresses {
	struct burrow_nl_prefix ipv4;	/* host bits kept: 100.64.0.7/10 */
	struct burrow_nl_prefix ipv6;
};

/* One peer as a node sees it. Lists are owned (malloc) and may be NULL when empty. */
struct coord_peer {
	uint64_t id;
	char name[COORD_NAME_MAX + 1];
	uint8_t public_key[32];
	uint8_t ipv4[4];
	uint8_t ipv6[16];
	struct burrow_nl_endpoint *endpoints;
	size_t n_endpoints;
	struct burrow_nl_prefix *routes;	/* no bits set beyond len */
	size_t n_routes;
};

/* Deep copy (-ENOMEM), equality of every field, release of the lists. */
int coord_peer_copy(struct coord_peer *dst, const struct coord_peer *src);
bool coord_peer_equal(const struct coord_peer *a, const struct coord_peer *b);
void coord_peer_free(struct coord_peer *peer);
void coord_peers_free(struct coord_peer *peers, size_t n);

/* Whether name is one DNS label: 1-63 of [a-z0-9-], no hyphen first or last. */
bool coord_msg_name_valid(const char *name, size_t len);
/* "REGISTER", ..., "unknown". */
const char *coord_msg_type_name(uint64_t type);
/* Whether type is a coordination message (the stream reader keeps it). */
bool coord_msg_type_known(uint64_t type);
/* A capsule reader for the coordination stream: COORD_MSG_CAPSULE_MAX, these types. */
void coord_msg_reader_init(struct burrow_capsule_reader *r);

/*
 * REGISTER's optional last field, Flags (varint): written only when
 * non-zero, so a node without flags sends the bytes older coordinators
 * decode; present, it must be non-zero (one encoding per message). Bits
 * this program does not know are kept as received.
 */
#define COORD_REGISTER_RELAY 0x01	/* the node runs the relay role ([relay] enabled) */

struct coord_register {
	char *key_secret;		/* NUL-terminated; "" when authenticating by TLS key */
	char hostname[COORD_NAME_MAX + 1];
	struct burrow_nl_prefix *routes;
	size_t n_routes;
	struct burrow_nl_endpoint *endpoints;
	size_t n_endpoints;
	uint64_t flags;			/* COORD_REGISTER_*; 0: the field is absent */
};

struct coord_register_result {
	bool accepted;
	/* accepted */
	char name[COORD_NAME_MAX + 1];
	struct coord_addresses addresses;
	/* refused */
	uint64_t reason_code;		/* enum coord_refusal */
	char reason[COORD_REASON_MAX + 1];	/* UTF-8 */
};

/* The receiving node itself, first in a full map. */
struct coord_map_self {
	uint64_t id;
	char name[COORD_NAME_MAX + 1];
	struct coord_addresses addresses;
};

struct coord_map_delta {
	uint64_t version;
	struct coord_peer *changed;	/* added or changed, full entries, ids increasing */
	size_t n_changed;
	uint64_t *removed;		/* ids increasing */
	size_t n_removed;
};

int coord_msg_register_encode(struct coord_buf *b, const struct coord_register *m, char *why,
			      size_t why_size);
int coord_msg_register_decode(const uint8_t *value, size_t len, struct coord_register *out,
			      char *why, size_t why_size);
void coord_register_free(struct coord_register *m);

int coord_msg_register_result_encode(struct coord_buf *b, const struct coord_register_result *m,
				     char *why, size_t why_size);
int coord_msg_register_result_decode(const uint8_t *value, size_t len,
				     struct coord_register_result *out, char *why, size_t why_size);

/*
 * MAP_FULL as as many capsules as it takes, each value at most
 * COORD_MSG_CAPSULE_MAX: the first carries the peer count and self, every
 * part carries the version and as many whole peers as fit. peers must be
 * sorted by strictly increasing id (-EINVAL otherwise). *parts (may be
 * NULL) is the number of capsules appended.
 */
int coord_msg_map_full_encode(struct coord_buf *b, uint64_t version,
			      const struct coord_map_self *self, const struct coord_peer *peers,
			      size_t n_peers, size_t *parts, char *why, size_t why_size);

/*
 * Reassembles one MAP_FULL from its parts. Feed each MAP_FULL capsule value
 * in turn: 0 while parts are missing, 1 when the map is complete (then take
 * version, self and peers; the reader owns them until the next feed or
 * free, or the caller takes them with coord_map_full_reader_take). A
 * negative code drops the partial map; the next part must be a first part.
 */
struct coord_map_full_reader {
	bool in_progress;
	uint64_t version;
	uint64_t expected;		/* Peer Count of the first part */
	struct coord_map_self self;
	struct coord_peer *peers;
	size_t n_peers, cap;
	size_t parts;
};

void coord_map_full_reader_init(struct coord_map_full_reader *r);
void coord_map_full_reader_free(struct coord_map_full_reader *r);
int coord_map_full_reader_feed(struct coord_map_full_reader *r, const uint8_t *value, size_t len,
			       char *why, size_t why_size);
/* Move the complete map's peers out (the caller frees them); the reader is reset. */
struct coord_peer *coord_map_full_reader_take(struct coord_map_full_reader *r, size_t *n_peers);

/* One capsule; -EMSGSIZE when it does not fit COORD_MSG_CAPSULE_MAX (send MAP_FULL then). */
int coord_msg_map_delta_encode(struct coord_buf *b, const struct coord_map_delta *m, char *why,
			       size_t why_size);
int coord_msg_map_delta_decode(const uint8_t *value, size_t len, struct coord_map_delta *out,
			       char *why, size_t why_size);
void coord_map_delta_free(struct coord_map_delta *m);

/* last_version: the newest map version the node applied (0: none). */
/* RELAY_REVOKE: one Ticket ID (varint, 1..2^32-1). */
int coord_msg_relay_revoke_encode(struct coord_buf *b, uint32_t ticket_id);
int coord_msg_relay_revoke_decode(const uint8_t *value, size_t len, uint32_t *ticket_id,
				  char *why, size_t why_size);
#define COORD_RELAY_TICKET_LEN 176

/*
 * RELAY_BIND (coord -> relay): Ticket (exactly BURROW_RELAY_TICKET_LEN,
 * 176 bytes, relay_ticket.h's wire form), nothing else. A control ticket
 * names the coordinator's key as one of its pair: the relay binds that
 * party at the address its own coordination connection comes from, as if
 * the coordinator had presented the ticket there (relay_admit.h). The
 * decoder checks the length only: the relay's admission checks the rest.
 */
int coord_msg_relay_bind_encode(struct coord_buf *b, const uint8_t ticket[COORD_RELAY_TICKET_LEN]);
int coord_msg_relay_bind_decode(const uint8_t *value, size_t len,
				uint8_t ticket[COORD_RELAY_TICKET_LEN], char *why, size_t why_size);

/*
 * CONTROL_TICKET (coord -> node): Ticket (exactly 176 bytes, relay_ticket.h's
 * wire form), nothing else: the renewed control ticket of the relay the node
 * reaches the coordinator through. No endpoint: the node keeps dialling the
 * relay address it is configured with (the relay's key is in the ticket).
 * The decoder checks the length and the ticket's framing (version 1, the
 * reserved bytes zero, a non-zero id); the node verifies the signature,
 * pair and expiry itself.
 */
int coord_msg_control_ticket_encode(struct coord_buf *b,
				    const uint8_t ticket[COORD_RELAY_TICKET_LEN]);
int coord_msg_control_ticket_decode(const uint8_t *value, size_t len,
				    uint8_t ticket[COORD_RELAY_TICKET_LEN], char *why,
				    size_t why_size);
int coord_msg_map_request_full_encode(struct coord_buf *b, uint64_t last_version);
int coord_msg_map_request_full_decode(const uint8_t *value, size_t len, uint64_t *last_version,
				      char *why, size_t why_size);

int coord_msg_endpoints_encode(struct coord_buf *b, const struct burrow_nl_endpoint *endpoints,
			       size_t n, char *why, size_t why_size);
/* *endpoints is malloc'd (NULL when n is 0). */
int coord_msg_endpoints_decode(const uint8_t *value, size_t len,
			       struct burrow_nl_endpoint **endpoints, size_t *n, char *why,
			       size_t why_size);

/*
 * OBSERVED_ADDRESS: one endpoint, IP Version (4 or 6), address, port
 * (1..65535), nothing after it. An IPv4-mapped IPv6 address is sent as
 * IPv4 by the coordinator (burrow_text's endpoints say what the node saw).
 */
int coord_msg_observed_address_encode(struct coord_buf *b, const struct burrow_nl_endpoint *e,
				      char *why, size_t why_size);
int coord_msg_observed_address_decode(const uint8_t *value, size_t len,
				      struct burrow_nl_endpoint *out, char *why, size_t why_size);

/*
 * RELAY_REQUEST (node -> coord): Peer Public Key (32 bytes), the map peer
 * the node has no session with. RELAY_OFFER (coord -> both nodes of the
 * pair): Peer Public Key (the receiver's peer), Status (8 bits): 0 an
 * offer, with Ticket Length (varint, exactly BURROW_RELAY_TICKET_LEN, 176)
 * and Ticket (relay_ticket.h's bytes, not checked here) and the relay's
 * endpoint (IP version, address, port, non-zero); 1 a refusal, with a
 * Reason (varint length, at most COORD_REASON_MAX bytes of UTF-8).
 */
#define COORD_RELAY_OFFER_OK 0
#define COORD_RELAY_OFFER_REFUSED 1

struct coord_relay_offer {
	uint8_t peer_key[32];
	bool refused;
	/* offer */
	uint8_t ticket[COORD_RELAY_TICKET_LEN];
	struct burrow_nl_endpoint relay;
	/* refused */
	char reason[COORD_REASON_MAX + 1];	/* UTF-8 */
};

int coord_msg_relay_request_encode(struct coord_buf *b, const uint8_t peer_key[32]);
int coord_msg_relay_request_decode(const uint8_t *value, size_t len, uint8_t peer_key[32],
				   char *why, size_t why_size);
/* -EINVAL with why: a bad relay endpoint, a reason too long or not UTF-8. */
int coord_msg_relay_offer_encode(struct coord_buf *b, const struct coord_relay_offer *m, char *why,
				 size_t why_size);
int coord_msg_relay_offer_decode(const uint8_t *value, size_t len, struct coord_relay_offer *out,
				 char *why, size_t why_size);

/*
 * DNS_CONFIG: the mesh domain nodes answer for (MagicDNS) and split DNS,
 * domains whose names nodes resolve through given upstream servers
 * (docs/coordination.md, "DNS"). Domains are lower-case, without the final
 * dot; split domains are unique, none is the mesh domain or under it.
 */
#define COORD_DNS_DOMAIN_MAX 253
#define COORD_DNS_SPLITS_MAX 64
#define COORD_DNS_SERVERS_MAX 8

struct coord_dns_server {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t addr[16];		/* 4 bytes used for AF_INET */
};

struct coord_dns_split {
	char domain[COORD_DNS_DOMAIN_MAX + 1];
	struct coord_dns_server servers[COORD_DNS_SERVERS_MAX];
	size_t n_servers;		/* 1..COORD_DNS_SERVERS_MAX */
};

struct coord_dns_config {
	char domain[COORD_DNS_DOMAIN_MAX + 1];	/* "mesh.burrow" */
	struct coord_dns_split splits[COORD_DNS_SPLITS_MAX];
	size_t n_splits;
};

/* Whether a and b say the same. */
bool coord_dns_config_equal(const struct coord_dns_config *a, const struct coord_dns_config *b);
/* -EINVAL with why naming the bad domain when m breaks the rules above. */
int coord_dns_config_check(const struct coord_dns_config *m, char *why, size_t why_size);
int coord_msg_dns_config_encode(struct coord_buf *b, const struct coord_dns_config *m, char *why,
				size_t why_size);
int coord_msg_dns_config_decode(const uint8_t *value, size_t len, struct coord_dns_config *out,
				char *why, size_t why_size);

#endif /* BURROW_COORD_MSG_H */
