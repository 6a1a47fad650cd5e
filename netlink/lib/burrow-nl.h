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
 * A context is not thread-safe; use one per thread.
 */

#ifndef BURROW_NL_H
#define BURROW_NL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Error codes returned by the library itself (the kernel's own codes, such
 * as -ENODEV, -EPERM or -EINVAL, are passed through unchanged):
 *   -EBADMSG       malformed reply: truncated message, header or attribute,
 *                  an attribute whose payload does not fit its type, a
 *                  string without its NUL, an attribute given twice
 *   -ENODATA       a reply lacks an attribute the operation requires
 *   -ENAMETOOLONG  a string is longer than the family allows (in a reply,
 *                  or an ifname given to a request)
 *   -EPROTO        a reply that does not belong to the request (message
 *                  type, command, sequence number, count of replies)
 *   -EINVAL        a request the library refuses to send (say, a device
 *                  selected by both ifindex and ifname)
 *   -EMSGSIZE      a request that does not fit the request buffer
 *   -EINTR         a dump the kernel marked NLM_F_DUMP_INTR on every attempt
 *   -ENOENT        (burrow_nl_open) the 'burrow' family is not registered:
 *                  burrow.ko is not loaded
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

/* dev-get reply: one burrow device. */
struct burrow_nl_dev {
	uint32_t ifindex;
	char ifname[IFNAMSIZ];
	uint16_t default_keepalive;		/* seconds, 0 = off */
	uint32_t default_inactivity_timeout;	/* seconds, 0 = off */
};

/* dev-set request: the device, and each setting with its "is set" flag. */
struct burrow_nl_dev_settings {
	struct burrow_nl_dev_ref dev;
	bool default_keepalive_set;
	uint16_t default_keepalive;
	bool default_inactivity_timeout_set;
	uint32_t default_inactivity_timeout;
};

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

#endif /* BURROW_NL_H */
