/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * libburrow-nl: hex and base64 (RFC 4648 section 4, the standard alphabet,
 * with padding) for key material and public keys, shared by burrow-nl and
 * burrowd so that neither needs a TLS library to read a key.
 *
 * The decoders are strict: base64 must be a whole number of 4-character
 * groups, '=' may only pad the last group (at most two of them), and the
 * bits that padding leaves over must be zero, so every byte string has one
 * spelling; hex is an even number of digits of either case. Nothing else
 * is accepted: no whitespace, no separators. This is the set GnuTLS's
 * gnutls_hex_decode2()/gnutls_base64_decode2() accept for such input,
 * which burrow used before.
 *
 * Decoding and encoding take time that depends on the length of the input
 * only, not on its value: there is no table lookup or branch on a digit, so
 * reading a key does not leak it through the cache or the branch predictor.
 * The buffers belong to the caller, who wipes them.
 */

#ifndef BURROW_ENCODING_H
#define BURROW_ENCODING_H

#include <stddef.h>
#include <stdint.h>

/* Characters burrow_base64_encode() writes for len bytes, without the NUL. */
#define BURROW_BASE64_LEN(len) (((len) + 2) / 3 * 4)

/*
 * Decode len characters of text (not NUL-terminated) into out, which holds
 * out_size bytes; on success *out_len is the number of bytes written.
 * Return 0, -EINVAL when text is not valid hex/base64 as described above
 * (odd length or a non-digit; a length not a multiple of 4, a bad
 * character, misplaced '=' or non-zero leftover bits), or -ENOSPC when the
 * result would not fit in out_size bytes. On error out may hold a partial
 * result, which the caller wipes if it matters.
 */
int burrow_hex_decode(const char *text, size_t len, uint8_t *out, size_t out_size,
		      size_t *out_len);
int burrow_base64_decode(const char *text, size_t len, uint8_t *out, size_t out_size,
			 size_t *out_len);

/*
 * Encode len bytes as padded base64 into text, NUL-terminated; text holds
 * text_size characters. Return the length written (BURROW_BASE64_LEN(len)),
 * or -ENOSPC when text_size is less than that plus one.
 */
int burrow_base64_encode(const uint8_t *in, size_t len, char *text, size_t text_size);

#endif /* BURROW_ENCODING_H */
