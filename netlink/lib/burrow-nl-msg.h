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

/* Big enough for every request this library builds. */
#define BURROW_NL_REQUEST_SIZE 4096

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

/* dev-get reply, do or one dump part. */
int burrow_nl_dev_parse(const struct nlmsghdr *nlh, struct burrow_nl_dev *dev,
			struct burrow_nl_error *err);

#endif /* BURROW_NL_MSG_H */
