/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * libburrow-nl message layer: builds requests into buffers and parses reply
 * buffers into structs. Nothing here touches a socket or keeps state, so
 * every function can be unit-tested and fuzzed without a kernel.
 *
 * Requests: burrow_nl_*_request(buf, size, family_id, ..., err) writes one
 * complete netlink message at the start of buf (nlmsg_len says how long it
 * is; nlmsg_seq is 0 and the sender fills it in).
 *
 * Replies: burrow_nl_reply_process() takes what one recv() returned, checks
 * its framing, turns NLMSG_ERROR / NLMSG_DONE into codes and extack
 * messages, and hands each data message to a parser. The parsers
 * (burrow_nl_*_parse) take one message whose NLMSG_ALIGN(nlmsg_len) bytes
 * are readable, as burrow_nl_reply_process() guarantees.
 *
 * Parsing is strict: each attribute is validated for its type with
 * mnl_attr_validate(), strings must fit the family's limits, an attribute
 * may appear once, bytes left after the last attribute mean it was cut
 * short, and every attribute an operation requires must be present.
 * Attributes this library does not know are skipped, so a newer kernel can
 * add some without breaking older clients. Error codes: see burrow-nl.h.
 */

#ifndef BURROW_NL_MSG_H
#define BURROW_NL_MSG_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "burrow-nl.h"

/*
 * The request buffer: at least MNL_SOCKET_BUFFER_SIZE (the page size, at
 * most 8192). Every request fits but a peer's long allowed-ips list, which
 * burrow_nl_peer_request() splits.
 */
#define BURROW_NL_REQUEST_SIZE 8192

/* What went wrong, for people: filled by every function that takes one. */
struct burrow_nl_error {
	bool from_kernel;	/* the kernel refused; message is its extack */
	char message[BURROW_NL_ERROR_MESSAGE_SIZE];
};

void burrow_nl_error_clear(struct burrow_nl_error *err);

/* The generic netlink controller's answer about one family. */
struct burrow_nl_family {
	uint16_t id;
	uint32_t version;
	uint32_t events_group;	/* id of the "events" multicast group, 0 if absent */
};

/* ---- requests ------------------------------------------------------------- */

/* CTRL_CMD_GETFAMILY for family_name, sent to GENL_ID_CTRL. */
int burrow_nl_family_request(void *buf, size_t size, const char *family_name,
			     struct burrow_nl_error *err);

int burrow_nl_version_get_request(void *buf, size_t size, uint16_t family_id,
				  struct burrow_nl_error *err);

int burrow_nl_dev_get_request(void *buf, size_t size, uint16_t family_id,
			      const struct burrow_nl_dev_ref *ref,
			      struct burrow_nl_error *err);

int burrow_nl_dev_dump_request(void *buf, size_t size, uint16_t family_id,
			       struct burrow_nl_error *err);

int burrow_nl_dev_set_request(void *buf, size_t size, uint16_t family_id,
			      const struct burrow_nl_dev_settings *settings,
			      struct burrow_nl_error *err);

/*
 * One request of a peer-new or peer-set (cmd BURROW_CMD_PEER_NEW or
 * BURROW_CMD_PEER_SET) and as much of config's allowed-ips list as fits,
 * starting with the prefix *next_ip; *next_ip is moved past the last one
 * put. With *next_ip == 0 it is the first request: cmd with every
 * attribute. Otherwise a continuation: a peer-set carrying the peer's id,
 * allowed-ips-op add (remove when config's op is remove) and the next
 * prefixes. The sender loops: build with *next_ip = 0, send, and while
 * *next_ip < config->allowed_ips_count build the next part and send it.
 * -EMSGSIZE when not even one prefix fits.
 */
int burrow_nl_peer_request(void *buf, size_t size, uint16_t family_id, uint8_t cmd,
			   const struct burrow_nl_peer_config *config, size_t *next_ip,
			   struct burrow_nl_error *err);

/* peer-del, and peer-get (do): the device and a nested peer id. */
int burrow_nl_peer_del_request(void *buf, size_t size, uint16_t family_id,
			       const struct burrow_nl_dev_ref *dev, uint32_t id,
			       struct burrow_nl_error *err);
int burrow_nl_peer_get_request(void *buf, size_t size, uint16_t family_id,
			       const struct burrow_nl_dev_ref *dev, uint32_t id,
			       struct burrow_nl_error *err);

/* peer-get (dump) of one device. */
int burrow_nl_peer_dump_request(void *buf, size_t size, uint16_t family_id,
				const struct burrow_nl_dev_ref *dev,
				struct burrow_nl_error *err);

/*
 * key-new. On failure the part of buf written is wiped; on success buf
 * holds key material, which the sender wipes after sending.
 */
int burrow_nl_key_new_request(void *buf, size_t size, uint16_t family_id,
			      const struct burrow_nl_key_config *config,
			      struct burrow_nl_error *err);

/* key-swap (no slot), key-del and key-get. */
int burrow_nl_key_swap_request(void *buf, size_t size, uint16_t family_id,
			       const struct burrow_nl_dev_ref *dev, uint32_t peer_id,
			       struct burrow_nl_error *err);
int burrow_nl_key_del_request(void *buf, size_t size, uint16_t family_id,
			      const struct burrow_nl_dev_ref *dev, uint32_t peer_id,
			      uint8_t slot, struct burrow_nl_error *err);
int burrow_nl_key_get_request(void *buf, size_t size, uint16_t family_id,
			      const struct burrow_nl_dev_ref *dev, uint32_t peer_id,
			      uint8_t slot, struct burrow_nl_error *err);

/* ---- replies -------------------------------------------------------------- */

/*
 * Parse one data message (one reply of a do, one part of a dump) into the
 * object arg points to; return 0 or a negative errno with err filled in.
 */
typedef int (*burrow_nl_parse_fn)(const struct nlmsghdr *nlh, void *arg,
				  struct burrow_nl_error *err);

/*
 * Process one received buffer of replies to the request with sequence
 * number seq, sent from port portid, whose messages have type msg_type
 * (the family id; GENL_ID_CTRL for the controller). Data messages go to
 * parse(nlh, arg, err). buf must be 4-byte aligned, as netlink messages
 * are.
 *
 * Returns 1 when the reply goes on in a later buffer, 0 when it is complete
 * (an ack with error 0, or NLMSG_DONE with 0), or a negative errno: the
 * kernel's error (err->from_kernel set, err->message its extack message if
 * it sent one), -EINTR for NLM_F_DUMP_INTR, or a code from the parser or
 * from the checks above.
 */
int burrow_nl_reply_process(const void *buf, size_t len, uint32_t seq, uint32_t portid,
			    uint16_t msg_type, burrow_nl_parse_fn parse, void *arg,
			    struct burrow_nl_error *err);

/*
 * Whether buf holds the last message of the reply to seq (NLMSG_DONE or
 * NLMSG_ERROR). After burrow_nl_reply_process() fails part-way, the caller
 * keeps receiving until this is true so that the socket is ready for the
 * next request.
 */
bool burrow_nl_reply_is_final(const void *buf, size_t len, uint32_t seq);

/* CTRL_CMD_NEWFAMILY reply; the family must be called family_name. */
int burrow_nl_family_parse(const struct nlmsghdr *nlh, const char *family_name,
			   struct burrow_nl_family *family, struct burrow_nl_error *err);

/* version-get reply. */
int burrow_nl_version_parse(const struct nlmsghdr *nlh, struct burrow_nl_version *version,
			    struct burrow_nl_error *err);

/*
 * dev-get reply, do or one dump part. Required: ifindex, ifname,
 * default-keepalive, default-inactivity-timeout, peer-count, generation and
 * stats with every counter; socket-family and listen-port come together or
 * not at all.
 */
int burrow_nl_dev_parse(const struct nlmsghdr *nlh, struct burrow_nl_dev *dev,
			struct burrow_nl_error *err);

/*
 * peer-get replies, collected. The kernel may continue a peer with a long
 * allowed-ips list in the next message(s) carrying the same peer id: a
 * message whose peer id is the one of the message before it adds its
 * allowed-ips to that peer (its other attributes are ignored); any other
 * message starts a peer and must carry ifindex and the peer's id, tx-id,
 * endpoint-pinned, encap and rx/tx bytes and packets.
 *
 * burrow_nl_peer_list_add() takes one message; burrow_nl_peer_list_finish()
 * sorts the peers by id and refuses a peer that came back twice apart
 * (-EPROTO); burrow_nl_peer_list_release() frees everything. A list starts
 * zeroed.
 */
struct burrow_nl_peer_list {
	struct burrow_nl_peer *peers;
	size_t count;
	size_t capacity;
};

int burrow_nl_peer_list_add(struct burrow_nl_peer_list *list, const struct nlmsghdr *nlh,
			    struct burrow_nl_error *err);
int burrow_nl_peer_list_finish(struct burrow_nl_peer_list *list, struct burrow_nl_error *err);
void burrow_nl_peer_list_release(struct burrow_nl_peer_list *list);

/*
 * key-get reply. Required: keyconf with peer-id, slot, key-id, cipher,
 * age-seconds, tx-packets, rx-packets, rx-max-counter, all four limits and
 * limit-reached.
 */
int burrow_nl_key_parse(const struct nlmsghdr *nlh, struct burrow_nl_key *key,
			struct burrow_nl_error *err);

/*
 * An event (a *-ntf command; see struct burrow_nl_event for what each
 * carries). -EOPNOTSUPP with a message for a command that is no
 * notification this library knows.
 */
int burrow_nl_event_parse(const struct nlmsghdr *nlh, struct burrow_nl_event *event,
			  struct burrow_nl_error *err);

#endif /* BURROW_NL_MSG_H */
