// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd node identity: Ed25519 key generation, PKCS#8 PEM files with
 * strict permissions, and the base64 text form of public keys. All
 * cryptography is GnuTLS's.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "burrow-encoding.h"
#include "identity.h"
#include "log.h"

/* A PEM Ed25519 key is ~120 bytes; anything this big is not one. */
#define KEY_FILE_MAX 16384

void burrow_identity_clear(struct burrow_identity *id)
{
	if (!id)
		return;
	if (id->private_key_pem) {
		explicit_bzero(id->private_key_pem, strlen(id->private_key_pem));
		free(id->private_key_pem);
	}
	explicit_bzero(id, sizeof(*id));
}

/* Raw 32-byte public key of an Ed25519 private key. */
static int public_key_of(gnutls_privkey_t privkey, uint8_t out[BURROW_PUBLIC_KEY_LEN],
			 char *err, size_t err_size)
{
	gnutls_pubkey_t pubkey = NULL;
	gnutls_datum_t x = { NULL, 0 };
	gnutls_ecc_curve_t curve;
	int ret;

	ret = gnutls_pubkey_init(&pubkey);
	if (ret < 0)
		goto fail_gnutls;
	ret = gnutls_pubkey_import_privkey(pubkey, privkey, 0, 0);
	if (ret < 0)
		goto fail_gnutls;
	ret = gnutls_pubkey_export_ecc_raw2(pubkey, &curve, &x, NULL, 0);
	if (ret < 0)
		goto fail_gnutls;
	if (curve != GNUTLS_ECC_CURVE_ED25519 || x.size != BURROW_PUBLIC_KEY_LEN) {
		burrow_errorf(err, err_size, "public key is not a 32-byte Ed25519 key");
		ret = -EINVAL;
		goto free_x;
	}
	memcpy(out, x.data, BURROW_PUBLIC_KEY_LEN);
	ret = 0;
	goto free_x;

fail_gnutls:
	burrow_errorf(err, err_size, "cannot derive the public key: %s", gnutls_strerror(ret));
	ret = -EINVAL;
free_x:
	gnutls_free(x.data);
	gnutls_pubkey_deinit(pubkey);
	return ret;
}

int burrow_identity_from_pem(const char *pem, struct burrow_identity *id, char *err,
			     size_t err_size)
{
	gnutls_datum_t datum = { (unsigned char *)pem, (unsigned int)strlen(pem) };
	gnutls_privkey_t privkey;
	int ret;

	memset(id, 0, sizeof(*id));
	ret = gnutls_privkey_init(&privkey);
	if (ret < 0) {
		burrow_errorf(err, err_size, "gnutls_privkey_init: %s", gnutls_strerror(ret));
		return -ENOMEM;
	}
	ret = gnutls_privkey_import_x509_raw(privkey, &datum, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (ret < 0) {
		burrow_errorf(err, err_size, "not a PEM private key: %s", gnutls_strerror(ret));
		ret = -EINVAL;
		goto deinit_privkey;
	}
	ret = gnutls_privkey_get_pk_algorithm(privkey, NULL);
	if (ret != GNUTLS_PK_EDDSA_ED25519) {
		burrow_errorf(err, err_size, "private key is %s, not Ed25519",
			ret < 0 ? "of unknown type" :
			gnutls_pk_algorithm_get_name((gnutls_pk_algorithm_t)ret));
		ret = -EINVAL;
		goto deinit_privkey;
	}
	ret = public_key_of(privkey, id->public_key, err, err_size);
	if (ret < 0)
		goto deinit_privkey;
	id->private_key_pem = strdup(pem);
	if (!id->private_key_pem) {
		burrow_errorf(err, err_size, "out of memory");
		ret = -ENOMEM;
	}
deinit_privkey:
	gnutls_privkey_deinit(privkey);
	if (ret < 0)
		burrow_identity_clear(id);
	return ret;
}

int burrow_identity_generate(const char *path, struct burrow_identity *id, char *err,
			     size_t err_size)
{
	gnutls_datum_t pem = { NULL, 0 };
	gnutls_x509_privkey_t x509 = NULL;
	gnutls_privkey_t privkey;
	struct burrow_identity made;
	size_t off = 0;
	int fd, ret;

	ret = gnutls_privkey_init(&privkey);
	if (ret < 0) {
		burrow_errorf(err, err_size, "gnutls_privkey_init: %s", gnutls_strerror(ret));
		return -ENOMEM;
	}
	ret = gnutls_privkey_generate2(privkey, GNUTLS_PK_EDDSA_ED25519,
				       GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519), 0, NULL, 0);
	if (ret < 0)
		goto fail_gnutls;
	ret = gnutls_privkey_export_x509(privkey, &x509);
	if (ret < 0)
		goto fail_gnutls;
	ret = gnutls_x509_privkey_export2_pkcs8(x509, GNUTLS_X509_FMT_PEM, NULL,
						GNUTLS_PKCS_PLAIN, &pem);
	if (ret < 0)
		goto fail_gnutls;

	/* Round trip through the loader: what we write is what we can read. */
	ret = burrow_identity_from_pem((const char *)pem.data, &made, err, err_size);
	if (ret < 0)
		goto free_pem;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		burrow_errorf(err, err_size, "cannot create private key '%s': %s%s", path,
			strerror(errno), errno == EEXIST ? " (refusing to overwrite a key)" : "");
		goto clear_made;
	}
	/* The umask can only take bits away; make the mode exact anyway. */
	if (fchmod(fd, 0600) < 0)
		goto fail_write;
	while (off < pem.size) {
		ssize_t w = write(fd, pem.data + off, pem.size - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail_write;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0)
		goto fail_write;
	if (close(fd) < 0) {
		fd = -1;
		goto fail_write;
	}
	if (id)
		*id = made;
	else
		burrow_identity_clear(&made);
	ret = 0;
	goto free_pem;

fail_write:
	ret = -errno;
	burrow_errorf(err, err_size, "cannot write private key '%s': %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(path);
clear_made:
	burrow_identity_clear(&made);
	goto free_pem;
fail_gnutls:
	burrow_errorf(err, err_size, "cannot generate an Ed25519 key: %s", gnutls_strerror(ret));
	ret = -EIO;
free_pem:
	if (pem.data) {
		gnutls_memset(pem.data, 0, pem.size);
		gnutls_free(pem.data);
	}
	gnutls_x509_privkey_deinit(x509);
	gnutls_privkey_deinit(privkey);
	return ret;
}

int burrow_identity_load(const char *path, struct burrow_identity *id, char *err,
			 size_t err_size)
{
	char why[BURROW_IDENTITY_ERR_MAX];
	struct stat st;
	char *text;
	size_t len = 0;
	int fd, ret;

	memset(id, 0, sizeof(*id));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		burrow_errorf(err, err_size, "cannot open private key '%s': %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		burrow_errorf(err, err_size, "cannot stat private key '%s': %s", path, strerror(errno));
		goto close_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		burrow_errorf(err, err_size, "private key '%s' is not a regular file", path);
		ret = -EINVAL;
		goto close_fd;
	}
	if (st.st_mode & 077) {
		burrow_errorf(err, err_size,
			"private key '%s' is mode %04o; must not be %s by group or others", path,
			(unsigned int)(st.st_mode & 07777),
			st.st_mode & 044 ? "readable" : "writable or executable");
		ret = -EPERM;
		goto close_fd;
	}
	if (st.st_size > KEY_FILE_MAX) {
		burrow_errorf(err, err_size, "private key '%s' is %lld bytes; not a key file", path,
			(long long)st.st_size);
		ret = -EINVAL;
		goto close_fd;
	}
	text = malloc(KEY_FILE_MAX + 1);
	if (!text) {
		burrow_errorf(err, err_size, "out of memory");
		ret = -ENOMEM;
		goto close_fd;
	}
	for (;;) {
		ssize_t r = read(fd, text + len, KEY_FILE_MAX - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			burrow_errorf(err, err_size, "cannot read private key '%s': %s", path,
				strerror(errno));
			goto free_text;
		}
		if (r == 0 || (len += (size_t)r) == KEY_FILE_MAX)
			break;
	}
	text[len] = '\0';
	if (len == 0 || strlen(text) != len) {
		burrow_errorf(err, err_size, "private key '%s' is %s", path,
			len ? "binary, not PEM text" : "empty");
		ret = -EINVAL;
		goto free_text;
	}
	ret = burrow_identity_from_pem(text, id, why, sizeof(why));
	if (ret < 0)
		burrow_errorf(err, err_size, "private key '%s': %s", path, why);
free_text:
	explicit_bzero(text, len);
	free(text);
close_fd:
	close(fd);
	return ret;
}

void burrow_public_key_to_text(const uint8_t key[BURROW_PUBLIC_KEY_LEN],
			       char text[BURROW_PUBLIC_KEY_TEXT_SIZE])
{
	/* 32 bytes are exactly BURROW_PUBLIC_KEY_TEXT_LEN characters: cannot fail. */
	burrow_base64_encode(key, BURROW_PUBLIC_KEY_LEN, text, BURROW_PUBLIC_KEY_TEXT_SIZE);
}

static int is_base64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

int burrow_public_key_from_text(const char *text, uint8_t key[BURROW_PUBLIC_KEY_LEN],
				char *err, size_t err_size)
{
	char canonical[BURROW_PUBLIC_KEY_TEXT_SIZE];
	/* 44 characters ending in one '=' decode to 32 bytes; room for 33. */
	uint8_t raw[BURROW_PUBLIC_KEY_LEN + 1];
	size_t len = strlen(text), raw_len = 0;
	int ret;

	if (len != BURROW_PUBLIC_KEY_TEXT_LEN) {
		burrow_errorf(err, err_size,
			"invalid public key '%.100s%s': %zu characters, expected %d (base64 of 32 bytes)",
			text, len > 100 ? "..." : "", len, BURROW_PUBLIC_KEY_TEXT_LEN);
		return -EINVAL;
	}
	for (size_t i = 0; i < len - 1; i++) {
		if (!is_base64_char(text[i])) {
			burrow_errorf(err, err_size,
				"invalid public key '%s': character %zu is not base64", text,
				i + 1);
			return -EINVAL;
		}
	}
	if (text[len - 1] != '=') {
		burrow_errorf(err, err_size, "invalid public key '%s': must end with '='", text);
		return -EINVAL;
	}
	ret = burrow_base64_decode(text, len, raw, sizeof(raw), &raw_len);
	if (ret < 0 || raw_len != BURROW_PUBLIC_KEY_LEN) {
		/*
		 * After the checks above, only set leftover bits in the last
		 * digit make decoding fail. The wording is GnuTLS's, whose
		 * decoder burrowd used until libburrow-nl had one; logs and
		 * scripts may know it.
		 */
		burrow_errorf(err, err_size, "invalid public key '%s': %s", text,
			ret < 0 ? "Base64 decoding error." : "does not decode to 32 bytes");
		return -EINVAL;
	}
	/* One key, one spelling: unused low bits of the last digit must be 0. */
	burrow_public_key_to_text(raw, canonical);
	if (strcmp(canonical, text)) {
		burrow_errorf(err, err_size, "invalid public key '%s': not canonical base64 (did you mean '%s'?)",
			text, canonical);
		return -EINVAL;
	}
	memcpy(key, raw, BURROW_PUBLIC_KEY_LEN);
	return 0;
}
