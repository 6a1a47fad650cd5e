/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrowd node identity: an Ed25519 key pair made with GnuTLS.
 *
 * The private key lives in a file as PKCS#8 PEM ("-----BEGIN PRIVATE
 * KEY-----"), mode 0600. The public key is pinned by peers in its text
 * form: base64 of the 32 raw bytes, 44 characters ending in '=', like
 * WireGuard's keys.
 *
 * Usage:
 *   char err[BURROW_IDENTITY_ERR_MAX];
 *   struct burrow_identity id;
 *   if (burrow_identity_generate("/etc/burrow/node.key", &id, err, sizeof(err)) < 0) ...
 *   if (burrow_identity_load("/etc/burrow/node.key", &id, err, sizeof(err)) < 0) ...
 *   char text[BURROW_PUBLIC_KEY_TEXT_SIZE];
 *   burrow_public_key_to_text(id.public_key, text);
 *   quic_settings.private_key_pem = id.private_key_pem;
 *   ...
 *   burrow_identity_clear(&id);        (wipes and frees the PEM)
 *
 * All functions return 0 or a negative errno and, on error, put a message
 * in err that names the file or quotes the input, e.g.
 *   private key '/etc/burrow/node.key' is mode 0644; must not be readable by group or others
 */
#ifndef BURROW_IDENTITY_H
#define BURROW_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#define BURROW_PUBLIC_KEY_LEN 32
#define BURROW_PUBLIC_KEY_TEXT_LEN 44
#define BURROW_PUBLIC_KEY_TEXT_SIZE (BURROW_PUBLIC_KEY_TEXT_LEN + 1)
#define BURROW_IDENTITY_ERR_MAX 512

struct burrow_identity {
	char *private_key_pem;				/* NUL-terminated PKCS#8 PEM, heap */
	uint8_t public_key[BURROW_PUBLIC_KEY_LEN];	/* raw Ed25519 public key */
};

/*
 * Make a new key pair and write it to path: created with O_CREAT|O_EXCL,
 * mode 0600, so an existing file is never overwritten (-EEXIST). If id is
 * not NULL it receives the new identity (caller clears it).
 */
int burrow_identity_generate(const char *path, struct burrow_identity *id, char *err,
			     size_t err_size);

/*
 * Read and check a private key file. Refused (-EPERM) when the file has
 * any group/other permission bit, or is not a regular file; -EINVAL when
 * it is not an Ed25519 PKCS#8 PEM key.
 */
int burrow_identity_load(const char *path, struct burrow_identity *id, char *err,
			 size_t err_size);

/* Same checks on PEM text already in memory (no permission check). */
int burrow_identity_from_pem(const char *pem, struct burrow_identity *id, char *err,
			     size_t err_size);

/* Wipe the private key text and free it; safe on a zeroed struct. */
void burrow_identity_clear(struct burrow_identity *id);

/* Text form of a public key; text must hold BURROW_PUBLIC_KEY_TEXT_SIZE. */
void burrow_public_key_to_text(const uint8_t key[BURROW_PUBLIC_KEY_LEN],
			       char text[BURROW_PUBLIC_KEY_TEXT_SIZE]);

/*
 * Parse the text form: exactly 44 base64 characters decoding to 32 bytes
 * (surrounding whitespace is not accepted: trim first). -EINVAL with err
 * quoting the input ("invalid public key 'abc': ...").
 */
int burrow_public_key_from_text(const char *text, uint8_t key[BURROW_PUBLIC_KEY_LEN],
				char *err, size_t err_size);

#endif /* BURROW_IDENTITY_H */
