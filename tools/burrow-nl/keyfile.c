// SPDX-License-Identifier: GPL-2.0
/* burrow-nl: reading key material from key files. See keyfile.h. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burrow-encoding.h"
#include "keyfile.h"
#include "linux/burrow.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_base64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=';
}

static bool all_of(const char *text, size_t len, bool (*test)(char))
{
	for (size_t i = 0; i < len; i++) {
		if (!test(text[i]))
			return false;
	}
	return true;
}

int keyfile_decode(const char *text, size_t len, const char *name, const char *cipher_name,
		   size_t key_len, uint8_t *key, uint8_t *iv, struct parse_error *error)
{
	return keyfile_decode_hp(text, len, name, cipher_name, key_len, key, iv, NULL, NULL,
				 error);
}

int keyfile_decode_hp(const char *text, size_t len, const char *name, const char *cipher_name,
		      size_t key_len, uint8_t *key, uint8_t *iv, uint8_t *hp, bool *has_hp,
		      struct parse_error *error)
{
	size_t want = key_len + BURROW_IV_LEN;
	size_t want_hp = want + key_len;
	size_t out_len = 0, out_size;
	uint8_t *out;
	bool hex;
	int ret;

	while (len && is_space(text[0])) {
		text++;
		len--;
	}
	while (len && is_space(text[len - 1]))
		len--;
	if (len == 0)
		return parse_fail(error, "key file '%s' is empty", name);
	if (memchr(text, '\n', len))
		return parse_fail(error, "key file '%s' has more than one line", name);
	hex = all_of(text, len, is_hex);
	/* A key is one token: no whitespace or other character inside. */
	if (!hex && !all_of(text, len, is_base64))
		return parse_fail(error, "key file '%s' is neither hex nor base64", name);

	/*
	 * Room for all of it, however long (tx-key text comes from the command
	 * line), so that a key of the wrong length is reported with its length.
	 */
	out_size = hex ? len / 2 : len / 4 * 3;
	out = malloc(out_size + 1);
	if (!out)
		return parse_fail(error, "out of memory decoding key file '%s'", name);
	ret = hex ? burrow_hex_decode(text, len, out, out_size, &out_len) :
		    burrow_base64_decode(text, len, out, out_size, &out_len);
	if (ret < 0) {
		ret = parse_fail(error, "key file '%s' has invalid %s", name, hex ? "hex" : "base64");
	} else if (out_len != want && !(hp && out_len == want_hp)) {
		if (hp)
			ret = parse_fail(error,
					 "key file '%s' holds %zu bytes; %s needs %zu (a %zu-byte key and a %d-byte IV) or %zu (and a %zu-byte header-protection key)",
					 name, out_len, cipher_name, want, key_len, BURROW_IV_LEN,
					 want_hp, key_len);
		else
			ret = parse_fail(error,
					 "key file '%s' holds %zu bytes; %s needs %zu (a %zu-byte key and a %d-byte IV)",
					 name, out_len, cipher_name, want, key_len, BURROW_IV_LEN);
	} else {
		memcpy(key, out, key_len);
		memcpy(iv, out + key_len, BURROW_IV_LEN);
		if (hp) {
			*has_hp = out_len == want_hp;
			if (*has_hp)
				memcpy(hp, out + want, key_len);
		}
		ret = 0;
	}
	/* Wiped whole: a refused decode may have left part of a key. */
	explicit_bzero(out, out_size);
	free(out);
	return ret;
}

/* Read all of fd, at most KEYFILE_MAX_SIZE bytes, into buf. */
static int keyfile_read_fd(int fd, const char *name, char *buf, size_t *len,
			   struct parse_error *error)
{
	*len = 0;
	for (;;) {
		ssize_t got = read(fd, buf + *len, KEYFILE_MAX_SIZE + 1 - *len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return parse_fail(error, "cannot read key file '%s': %s", name,
					  strerror(errno));
		if (got == 0)
			return 0;
		*len += (size_t)got;
		if (*len > KEYFILE_MAX_SIZE)
			return parse_fail(error, "key file '%s' is larger than %d bytes", name,
					  KEYFILE_MAX_SIZE);
	}
}

int keyfile_read(const char *path, const char *cipher_name, size_t key_len, uint8_t *key,
		 uint8_t *iv, FILE *warnings, struct parse_error *error)
{
	return keyfile_read_hp(path, cipher_name, key_len, key, iv, NULL, NULL, warnings, error);
}

int keyfile_read_hp(const char *path, const char *cipher_name, size_t key_len, uint8_t *key,
		    uint8_t *iv, uint8_t *hp, bool *has_hp, FILE *warnings,
		    struct parse_error *error)
{
	bool from_stdin = strcmp(path, "-") == 0;
	const char *name = from_stdin ? "(stdin)" : path;
	char buf[KEYFILE_MAX_SIZE + 1];
	struct stat st;
	size_t len = 0;
	int fd, ret;

	fd = from_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return parse_fail(error, "cannot open key file '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		ret = parse_fail(error, "cannot stat key file '%s': %s", name, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = parse_fail(error, "key file '%s' is a directory", name);
		goto out;
	}
	if (!from_stdin && S_ISREG(st.st_mode) && (st.st_mode & (S_IRGRP | S_IROTH)) && warnings)
		fprintf(warnings,
			"burrow-nl: warning: key file '%s' is readable by group or others "
			"(mode %04o); chmod 600 it\n", name, (unsigned int)(st.st_mode & 07777));
	ret = keyfile_read_fd(fd, name, buf, &len, error);
	if (ret == 0)
		ret = keyfile_decode_hp(buf, len, name, cipher_name, key_len, key, iv, hp, has_hp,
					error);
out:
	explicit_bzero(buf, sizeof(buf));
	if (!from_stdin)
		close(fd);
	return ret;
}
