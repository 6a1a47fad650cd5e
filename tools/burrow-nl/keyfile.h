/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrow-nl: key files. Key material never comes from the command line: a
 * key file holds one line, a key followed by its 12-byte IV, encoded as
 * one token of hex or base64 (with padding). A token of hex digits only is
 * hex (base64 of a key and IV always ends in '=', so the two never meet).
 * Surrounding whitespace and the final newline are ignored. Decoding is
 * libburrow-nl's (burrow-encoding.h: strict, so one spelling per key, and
 * free of branches on the key); every buffer that held key material is
 * wiped with explicit_bzero().
 *
 * For quic peers a key file may also hold the direction's header-protection
 * key after the IV (key || IV || hp key, the hp key as long as the key):
 * the _hp variants accept both forms and say which one they read.
 */

#ifndef BURROW_NL_TOOL_KEYFILE_H
#define BURROW_NL_TOOL_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "parse.h"

/* Largest key file read. */
#define KEYFILE_MAX_SIZE 4096

/*
 * Decode text (len bytes, not NUL-terminated) holding key_len bytes of key
 * and BURROW_IV_LEN of IV into key and iv. name (the file's) and
 * cipher_name only appear in errors, which read
 *   key file 'tx.key' is empty
 *   key file 'tx.key' has more than one line
 *   key file 'tx.key' is neither hex nor base64
 *   key file 'tx.key' has invalid hex
 *   key file 'tx.key' has invalid base64
 *   key file 'tx.key' holds 40 bytes; aes-256-gcm needs 44 (a 32-byte key and a 12-byte IV)
 */
int keyfile_decode(const char *text, size_t len, const char *name, const char *cipher_name,
		   size_t key_len, uint8_t *key, uint8_t *iv, struct parse_error *error);

/*
 * Like keyfile_decode(), and also accepts key || IV || hp key (key_len
 * bytes into hp, *has_hp true). hp NULL: only key || IV, as
 * keyfile_decode(). The length error then names both forms:
 *   key file 'tx.key' holds 40 bytes; aes-256-gcm needs 44 (a 32-byte key
 *   and a 12-byte IV) or 76 (and a 32-byte header-protection key)
 */
int keyfile_decode_hp(const char *text, size_t len, const char *name, const char *cipher_name,
		      size_t key_len, uint8_t *key, uint8_t *iv, uint8_t *hp, bool *has_hp,
		      struct parse_error *error);

/*
 * Read and decode the key file at path ("-": standard input). A regular
 * file that group or others may read gets a warning on warnings (NULL:
 * none); it is still used.
 */
int keyfile_read(const char *path, const char *cipher_name, size_t key_len, uint8_t *key,
		 uint8_t *iv, FILE *warnings, struct parse_error *error);
int keyfile_read_hp(const char *path, const char *cipher_name, size_t key_len, uint8_t *key,
		    uint8_t *iv, uint8_t *hp, bool *has_hp, FILE *warnings,
		    struct parse_error *error);

#endif /* BURROW_NL_TOOL_KEYFILE_H */
