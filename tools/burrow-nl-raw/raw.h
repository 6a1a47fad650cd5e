/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrow-nl-raw: builds one 'burrow' generic netlink request from words on
 * the command line, any attribute of any type, so that tests can send the
 * kernel what burrow-nl never would. The names are burrow.yaml's, resolved
 * in the attribute set of the operation (version for version-get, dev for
 * everything else) and, inside a nest, in the set the nest holds.
 */

#ifndef BURROW_NL_RAW_H
#define BURROW_NL_RAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Request buffer: an attribute's payload is at most 65531 bytes anyway. */
#define RAW_REQUEST_SIZE 65536

/* Deepest nesting of nest-begin. */
#define RAW_MAX_DEPTH 8

struct raw_error {
	char message[256];
};

/*
 * The command called name (version-get, dev-get, ..., key-hard-limit-ntf)
 * or a decimal number 0-255; -1 when it is neither.
 */
int raw_command(const char *name);

/* Whether a command is a get (its reply messages are worth counting). */
bool raw_command_is_get(int cmd);

/*
 * Build a request for cmd (a dump with dump) from count ATTR words
 * NAME:TYPE[:VALUE] into buf, *len its length. TYPE is u8, u16, u32, u64
 * (decimal or 0x-hex), str (NUL added), hex (raw bytes, even number of hex
 * digits, empty allowed), flag, nest-begin or nest-end (no value). NAME is
 * an attribute name of the current set or a number 1-16383 (sent as is;
 * inside a nest begun by number, only numbers). nest-end names the nest it
 * closes. Family id and sequence number are the sender's. Returns 0, or -1
 * with error filled in.
 */
int raw_build(int cmd, bool dump, int count, char **words, void *buf, size_t size,
	      size_t *len, struct raw_error *error);

#endif /* BURROW_NL_RAW_H */
