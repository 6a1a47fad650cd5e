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

/* ---- replies -------------------------------------------------------------- */

/* Check that nlh carries a whole genetlink header with command cmd. */
int burrow_nl_genl_reply_check(const struct nlmsghdr *nlh, uint8_t cmd, const char *op_name,
			       struct burrow_nl_error *err);

/* How the replies of one attribute set are checked. */
struct burrow_nl_attr_policy {
	const char *name;		/* NULL: not expected; skipped if present */
	enum mnl_attr_data_type type;	/* checked with mnl_attr_validate() */
	uint16_t max_strlen;		/* MNL_TYPE_NUL_STRING: longest string, 0 = any */
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

#endif /* BURROW_NL_INTERNAL_H */
