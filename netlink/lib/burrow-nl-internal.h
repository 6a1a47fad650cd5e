/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/* libburrow-nl internals shared by its .c files; not installed, not API. */

#ifndef BURROW_NL_INTERNAL_H
#define BURROW_NL_INTERNAL_H

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <stdalign.h>

#include "burrow-nl-msg.h"

/* Room for one recv(): the largest part the kernel makes of a dump. */
#define BURROW_NL_RECEIVE_SIZE 32768

struct burrow_nl {
	struct mnl_socket *socket;
	uint32_t portid;
	uint32_t seq;
	struct burrow_nl_family family;
	struct burrow_nl_error last_error;
	bool events;		/* subscribed: receives events, sends no requests */
	size_t event_offset;	/* events: next message in reply[] */
	size_t event_len;	/* events: bytes of the datagram in reply[] */
	alignas(struct nlmsghdr) char request[BURROW_NL_REQUEST_SIZE];
	alignas(struct nlmsghdr) char reply[BURROW_NL_RECEIVE_SIZE];
};

/*
 * Send the request built in nl->request and receive every reply to it,
 * handing each data message to parse(nlh, arg, err). Returns 0 or a
 * negative errno with nl->last_error filled in; in either case the socket
 * has read the reply to its end and is ready for the next request.
 */
int burrow_nl_transact(struct burrow_nl *nl, burrow_nl_parse_fn parse, void *arg);

/* burrow_nl_transact() for a request built elsewhere (its seq is set here). */
int burrow_nl_transact_msg(struct burrow_nl *nl, struct nlmsghdr *request,
			   burrow_nl_parse_fn parse, void *arg);

/* burrow_nl_transact() for a do whose reply is exactly one message. */
int burrow_nl_transact_single(struct burrow_nl *nl, const char *op_name,
			      burrow_nl_parse_fn parse, void *arg);

/* ---- errors --------------------------------------------------------------- */

/* Set err's message (err may be NULL) and return code. */
int burrow_nl_fail(struct burrow_nl_error *err, int code, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- requests ------------------------------------------------------------- */

/*
 * Start a generic netlink request at buf: netlink header with flags, and
 * the genetlink header. NULL (err filled in) when size cannot hold them.
 */
struct nlmsghdr *burrow_nl_genl_request_start(void *buf, size_t size, uint16_t family_id,
					      uint8_t cmd, uint8_t version, uint16_t flags,
					      struct burrow_nl_error *err);

/* The error for an attribute that does not fit the request buffer. */
int burrow_nl_request_too_big(struct burrow_nl_error *err, const char *attr_name);

/* Put the attribute that names the device: ifindex or ifname, exactly one. */
int burrow_nl_dev_put_ref(struct nlmsghdr *nlh, size_t size,
			  const struct burrow_nl_dev_ref *ref, struct burrow_nl_error *err);

/* Address lengths; 0 for a family that is neither AF_INET nor AF_INET6. */
size_t burrow_nl_addr_len(uint16_t family);

/* Check a prefix's family and length, naming it 'what' in the message. */
int burrow_nl_prefix_check(const struct burrow_nl_prefix *prefix, const char *what,
			   struct burrow_nl_error *err);

/* Put a prefix as an allowed-ip nest of type; false when it does not fit. */
bool burrow_nl_prefix_put(struct nlmsghdr *nlh, size_t size, uint16_t type,
			  const struct burrow_nl_prefix *prefix);

/* ---- replies -------------------------------------------------------------- */

/* Check that nlh carries a whole genetlink header with command cmd. */
int burrow_nl_genl_reply_check(const struct nlmsghdr *nlh, uint8_t cmd, const char *op_name,
			       struct burrow_nl_error *err);

/* How the replies of one attribute set are checked. */
struct burrow_nl_attr_policy {
	const char *name;		/* NULL: not expected; skipped if present */
	enum mnl_attr_data_type type;	/* checked with mnl_attr_validate() */
	uint16_t max_strlen;		/* MNL_TYPE_NUL_STRING: longest string, 0 = any */
	uint16_t len;			/* MNL_TYPE_BINARY: exact length, 0 = any */
	bool multi;			/* may repeat; table keeps the first */
	bool required;
};

struct burrow_nl_attr_set {
	const char *name;
	uint16_t max_type;
	const struct burrow_nl_attr_policy *policy;	/* max_type + 1 entries */
};

/*
 * Fill table[0..set->max_type] with the attributes of nlh that start
 * offset bytes into its payload (or of the nest), checked against set.
 * Returns 0 or a negative errno with err filled in.
 */
int burrow_nl_attrs_parse(const struct nlmsghdr *nlh, unsigned int offset,
			  const struct burrow_nl_attr_set *set,
			  const struct nlattr **table, struct burrow_nl_error *err);
int burrow_nl_attrs_parse_nested(const struct nlattr *nest, const struct burrow_nl_attr_set *set,
				 const struct nlattr **table, struct burrow_nl_error *err);

/*
 * Lower level: call visit(attr, arg, err) for each attribute, stopping at
 * the first nonzero return, and fail with -EBADMSG when bytes are left
 * that do not form a whole attribute. what names the area in messages.
 */
typedef int (*burrow_nl_attr_visit_fn)(const struct nlattr *attr, void *arg,
				       struct burrow_nl_error *err);
int burrow_nl_attrs_walk(const struct nlmsghdr *nlh, unsigned int offset, const char *what,
			 burrow_nl_attr_visit_fn visit, void *arg, struct burrow_nl_error *err);
int burrow_nl_attrs_walk_nested(const struct nlattr *nest, const char *what,
				burrow_nl_attr_visit_fn visit, void *arg,
				struct burrow_nl_error *err);

/* Copy a string attribute that burrow_nl_attrs_parse() accepted. */
void burrow_nl_attr_copy_string(char *dst, size_t size, const struct nlattr *attr);

/*
 * The value of a u8 attribute that holds an enum of names[0..count-1]:
 * -EBADMSG when it is past the end. set_name.attr_name name it.
 */
int burrow_nl_attr_get_enum(const struct nlattr *attr, const char *set_name,
			    const char *attr_name, unsigned int count, uint8_t *value,
			    struct burrow_nl_error *err);

/*
 * Parse an allowed-ip nest into *prefix: family, address and prefix-len
 * all required, the address as long as the family's, the length within it.
 */
int burrow_nl_prefix_parse(const struct nlattr *nest, struct burrow_nl_prefix *prefix,
			   struct burrow_nl_error *err);

/*
 * The remote endpoint of a peer nest's table (remote-ipv4 or remote-ipv6
 * with remote-port, or none of them) into *endpoint. required: refuse
 * its absence with -ENODATA.
 */
int burrow_nl_endpoint_parse(const struct nlattr *const *peer_attrs,
			     struct burrow_nl_endpoint *endpoint, bool required,
			     struct burrow_nl_error *err);

/* The peer attribute set (nested in dev.peer), for peer.c and event.c. */
extern const struct burrow_nl_attr_set burrow_nl_peer_attrs;

/* A buffer must be whole messages, each with its padding. */
int burrow_nl_reply_check_framing(const void *buf, size_t len, struct burrow_nl_error *err);

#endif /* BURROW_NL_INTERNAL_H */
