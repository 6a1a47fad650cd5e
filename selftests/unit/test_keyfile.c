// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl key files: hex and base64 decoding (libburrow-nl's codec), the exact
 * length a cipher needs, garbage and empty files refused with messages
 * that name the file, the permission warning, and standard input.
 */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "keyfile.h"
#include "linux/burrow.h"

/* 32 key bytes 0x00..0x1f, then the IV 0xa0..0xab. */
#define KEY32_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" \
		  "a0a1a2a3a4a5a6a7a8a9aaab"
#define KEY32_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+goaKjpKWmp6ipqqs="
/* 16 key bytes 0x00..0x0f, then the same IV. */
#define KEY16_HEX "000102030405060708090a0b0c0d0e0fa0a1a2a3a4a5a6a7a8a9aaab"
#define KEY16_B64 "AAECAwQFBgcICQoLDA0OD6ChoqOkpaanqKmqqw=="

static int decode(const char *text, size_t key_len, uint8_t *key, uint8_t *iv,
		  struct parse_error *error)
{
	return keyfile_decode(text, strlen(text), "k.key",
			      key_len == 16 ? "aes-128-gcm" : "aes-256-gcm", key_len, key, iv,
			      error);
}

static void assert_key_bytes(const uint8_t *key, size_t key_len, const uint8_t *iv)
{
	for (size_t i = 0; i < key_len; i++)
		assert_int_equal(key[i], i);
	for (size_t i = 0; i < BURROW_IV_LEN; i++)
		assert_int_equal(iv[i], 0xa0 + i);
}

static void test_decode_accepted(void **state)
{
	static const char *const key32[] = {
		KEY32_HEX, KEY32_B64, KEY32_HEX "\n", KEY32_B64 "\r\n", "  " KEY32_HEX "\t\n\n",
	};
	struct parse_error error;
	uint8_t key[32], iv[BURROW_IV_LEN];
	char upper[] = KEY32_HEX;

	(void)state;
	for (size_t i = 0; i < sizeof(key32) / sizeof(key32[0]); i++) {
		memset(key, 0xee, sizeof(key));
		memset(iv, 0xee, sizeof(iv));
		assert_int_equal(decode(key32[i], 32, key, iv, &error), 0);
		assert_key_bytes(key, 32, iv);
	}
	for (char *c = upper; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'f' ? *c - 32 : *c);
	assert_int_equal(decode(upper, 32, key, iv, &error), 0);
	assert_key_bytes(key, 32, iv);

	memset(key, 0xee, sizeof(key));
	assert_int_equal(decode(KEY16_HEX, 16, key, iv, &error), 0);
	assert_key_bytes(key, 16, iv);
	assert_int_equal(key[16], 0xee);	/* nothing past the key length */
	assert_int_equal(decode(KEY16_B64 "\n", 16, key, iv, &error), 0);
	assert_key_bytes(key, 16, iv);
}

/* quic key files: key || IV || hp key; the hp key is 0xc0.. as long as the key. */
#define HP16_HEX "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
#define HP32_HEX HP16_HEX "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"

static int decode_hp(const char *text, size_t key_len, uint8_t *key, uint8_t *iv, uint8_t *hp,
		     bool *has_hp, struct parse_error *error)
{
	return keyfile_decode_hp(text, strlen(text), "k.key",
				 key_len == 16 ? "aes-128-gcm" : "aes-256-gcm", key_len, key, iv,
				 hp, has_hp, error);
}

static void test_decode_hp(void **state)
{
	uint8_t key[32], iv[BURROW_IV_LEN], hp[32];
	struct parse_error error;
	bool has_hp = true;

	(void)state;
	/* Without an hp key: still the two-part form, has_hp false. */
	assert_int_equal(decode_hp(KEY32_HEX, 32, key, iv, hp, &has_hp, &error), 0);
	assert_false(has_hp);
	assert_key_bytes(key, 32, iv);

	memset(hp, 0xee, sizeof(hp));
	assert_int_equal(decode_hp(KEY32_HEX HP32_HEX "\n", 32, key, iv, hp, &has_hp, &error), 0);
	assert_true(has_hp);
	assert_key_bytes(key, 32, iv);
	for (size_t i = 0; i < 32; i++)
		assert_int_equal(hp[i], 0xc0 + i);

	memset(hp, 0xee, sizeof(hp));
	assert_int_equal(decode_hp(KEY16_HEX HP16_HEX, 16, key, iv, hp, &has_hp, &error), 0);
	assert_true(has_hp);
	for (size_t i = 0; i < 16; i++)
		assert_int_equal(hp[i], 0xc0 + i);
	assert_int_equal(hp[16], 0xee);

	/* A 16-byte hp key for a 32-byte cipher, one byte short or long: refused. */
	assert_int_equal(decode_hp(KEY32_HEX HP16_HEX, 32, key, iv, hp, &has_hp, &error), -1);
	assert_string_equal(error.message,
			    "key file 'k.key' holds 60 bytes; aes-256-gcm needs 44 (a 32-byte key and a 12-byte IV) or 76 (and a 32-byte header-protection key)");
	assert_int_equal(decode_hp(KEY16_HEX HP16_HEX "00", 16, key, iv, hp, &has_hp, &error), -1);
	assert_string_equal(error.message,
			    "key file 'k.key' holds 45 bytes; aes-128-gcm needs 28 (a 16-byte key and a 12-byte IV) or 44 (and a 16-byte header-protection key)");
	assert_int_equal(decode_hp(KEY16_HEX "c0c1c2c3c4c5c6c7c8c9cacbcccdce", 16, key, iv, hp,
				   &has_hp, &error), -1);
	/* The plain decoder does not take the three-part form. */
	assert_int_equal(decode(KEY32_HEX HP32_HEX, 32, key, iv, &error), -1);
	assert_string_equal(error.message,
			    "key file 'k.key' holds 76 bytes; aes-256-gcm needs 44 (a 32-byte key and a 12-byte IV)");
}

static void assert_decode_refused(const char *text, size_t key_len, const char *message)
{
	struct parse_error error;
	uint8_t key[32], iv[BURROW_IV_LEN];

	memset(key, 0x77, sizeof(key));
	assert_int_equal(decode(text, key_len, key, iv, &error), -1);
	assert_string_equal(error.message, message);
	assert_int_equal(key[0], 0x77);		/* untouched */
}

static void test_decode_refused(void **state)
{
	(void)state;
	assert_decode_refused("", 32, "key file 'k.key' is empty");
	assert_decode_refused(" \n\r\n\t", 32, "key file 'k.key' is empty");
	/* Right material, wrong cipher: 28 bytes for a 32-byte key. */
	assert_decode_refused(KEY16_HEX, 32,
			      "key file 'k.key' holds 28 bytes; aes-256-gcm needs 44 "
			      "(a 32-byte key and a 12-byte IV)");
	assert_decode_refused(KEY32_B64, 16,
			      "key file 'k.key' holds 44 bytes; aes-128-gcm needs 28 "
			      "(a 16-byte key and a 12-byte IV)");
	/* The key without its IV. */
	assert_decode_refused("000102030405060708090a0b0c0d0e0f", 16,
			      "key file 'k.key' holds 16 bytes; aes-128-gcm needs 28 "
			      "(a 16-byte key and a 12-byte IV)");
	assert_decode_refused(KEY32_HEX "\n" KEY32_HEX, 32,
			      "key file 'k.key' has more than one line");
	assert_decode_refused("0001 0203", 32, "key file 'k.key' is neither hex nor base64");
	assert_decode_refused("key=\"0001\"", 32, "key file 'k.key' is neither hex nor base64");
	assert_decode_refused("not-a-key!", 32, "key file 'k.key' is neither hex nor base64");
	assert_decode_refused("\xc3\xa9\xc3\xa9", 32, "key file 'k.key' is neither hex nor base64");
	assert_decode_refused("abc", 32, "key file 'k.key' has invalid hex");
	assert_decode_refused("AAB=", 32, "key file 'k.key' has invalid base64");
	assert_decode_refused("AA==AA==", 32, "key file 'k.key' has invalid base64");
	assert_decode_refused("AAg", 32, "key file 'k.key' has invalid base64");
	/* Only hex digits: hex, so an odd count is invalid hex, not base64. */
	assert_decode_refused("AAA", 32, "key file 'k.key' has invalid hex");
	/* Longer than a key file may be (tx-key text): still measured. */
	{
		static char text[8001];

		memset(text, 'a', 8000);
		assert_decode_refused(text, 32,
				      "key file 'k.key' holds 4000 bytes; aes-256-gcm needs 44 "
				      "(a 32-byte key and a 12-byte IV)");
		memset(text, 'g', 8000);
		assert_decode_refused(text, 32,
				      "key file 'k.key' holds 6000 bytes; aes-256-gcm needs 44 "
				      "(a 32-byte key and a 12-byte IV)");
		text[4000] = '=';
		assert_decode_refused(text, 32, "key file 'k.key' has invalid base64");
	}
}

/* Write text to a new file of mode in a fresh directory; path is static. */
static const char *write_file(const char *text, size_t len, mode_t mode)
{
	static char path[64];
	static char dir[32];
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/burrow-keyfile-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k.key", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static void remove_file(const char *path)
{
	char dir[64];

	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	unlink(path);
	rmdir(dir);
}

/* keyfile_read() with warnings captured into *warnings (free it). */
static int read_key(const char *path, size_t key_len, uint8_t *key, uint8_t *iv,
		    char **warnings, struct parse_error *error)
{
	size_t size = 0;
	FILE *out = open_memstream(warnings, &size);
	int ret;

	ret = keyfile_read(path, "aes-256-gcm", key_len, key, iv, out, error);
	fclose(out);
	return ret;
}

static void test_read_file(void **state)
{
	struct parse_error error;
	uint8_t key[32], iv[BURROW_IV_LEN];
	const char *path;
	char *warnings;

	(void)state;
	path = write_file(KEY32_HEX "\n", strlen(KEY32_HEX) + 1, 0600);
	assert_int_equal(read_key(path, 32, key, iv, &warnings, &error), 0);
	assert_key_bytes(key, 32, iv);
	assert_string_equal(warnings, "");
	free(warnings);
	remove_file(path);

	/* Readable by others: used, with a warning. */
	path = write_file(KEY32_B64, strlen(KEY32_B64), 0644);
	assert_int_equal(read_key(path, 32, key, iv, &warnings, &error), 0);
	assert_key_bytes(key, 32, iv);
	assert_non_null(strstr(warnings, "is readable by group or others (mode 0644)"));
	assert_non_null(strstr(warnings, path));
	free(warnings);
	remove_file(path);

	path = write_file("", 0, 0600);
	assert_int_equal(read_key(path, 32, key, iv, &warnings, &error), -1);
	assert_non_null(strstr(error.message, "' is empty"));
	free(warnings);
	remove_file(path);
}

static void test_read_file_refused(void **state)
{
	static char big[KEYFILE_MAX_SIZE + 10];
	struct parse_error error;
	uint8_t key[32], iv[BURROW_IV_LEN];
	const char *path;
	char *warnings, expected[160];

	(void)state;
	assert_int_equal(read_key("/nonexistent/k.key", 32, key, iv, &warnings, &error), -1);
	assert_string_equal(error.message,
			    "cannot open key file '/nonexistent/k.key': No such file or directory");
	free(warnings);

	assert_int_equal(read_key("/tmp", 32, key, iv, &warnings, &error), -1);
	assert_string_equal(error.message, "key file '/tmp' is a directory");
	free(warnings);

	memset(big, 'a', sizeof(big));
	path = write_file(big, sizeof(big), 0600);
	assert_int_equal(read_key(path, 32, key, iv, &warnings, &error), -1);
	snprintf(expected, sizeof(expected), "key file '%s' is larger than 4096 bytes", path);
	assert_string_equal(error.message, expected);
	free(warnings);
	remove_file(path);
}

static void test_read_stdin(void **state)
{
	struct parse_error error;
	uint8_t key[32], iv[BURROW_IV_LEN];
	const char *path;
	char *warnings;
	int saved, fd;

	(void)state;
	/* A file readable by all as standard input: no warning, it is not a path. */
	path = write_file(KEY32_HEX "\n", strlen(KEY32_HEX) + 1, 0644);
	saved = dup(STDIN_FILENO);
	fd = open(path, O_RDONLY);
	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	assert_int_equal(read_key("-", 32, key, iv, &warnings, &error), 0);
	assert_key_bytes(key, 32, iv);
	assert_string_equal(warnings, "");
	free(warnings);

	/* Standard input at its end: empty, named as such. */
	assert_int_equal(read_key("-", 32, key, iv, &warnings, &error), -1);
	assert_string_equal(error.message, "key file '(stdin)' is empty");
	free(warnings);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	remove_file(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_accepted),
		cmocka_unit_test(test_decode_refused),
		cmocka_unit_test(test_decode_hp),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_read_file_refused),
		cmocka_unit_test(test_read_stdin),
	};

	return cmocka_run_group_tests_name("burrow-nl key files", tests, NULL, NULL);
}
