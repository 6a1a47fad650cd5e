// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd identity: Ed25519 key files (creation mode, never overwritten,
 * permission refusals naming path and mode, non-keys and non-Ed25519 keys
 * refused) and the base64 text form of public keys (known answer, round
 * trip, every malformed shape refused with the input quoted).
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

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "identity.h"

/* The 32 bytes 0x00..0x1f. */
#define KEY_0_31_TEXT "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/burrowd-identity-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void path_in_dir(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_generate_then_load(void **state)
{
	struct burrow_identity made, loaded;
	char path[128], err[BURROW_IDENTITY_ERR_MAX];
	struct stat st;

	(void)state;
	path_in_dir(path, sizeof(path), "gen.key");
	/* A permissive umask must not widen the mode. */
	mode_t old = umask(0);
	assert_int_equal(burrow_identity_generate(path, &made, err, sizeof(err)), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_non_null(strstr(made.private_key_pem, "-----BEGIN PRIVATE KEY-----"));

	assert_int_equal(burrow_identity_load(path, &loaded, err, sizeof(err)), 0);
	assert_memory_equal(made.public_key, loaded.public_key, BURROW_PUBLIC_KEY_LEN);
	assert_string_equal(made.private_key_pem, loaded.private_key_pem);
	burrow_identity_clear(&made);
	burrow_identity_clear(&loaded);
	assert_null(loaded.private_key_pem);
}

static void test_two_keys_differ(void **state)
{
	struct burrow_identity a, b;
	char pa[128], pb[128], err[BURROW_IDENTITY_ERR_MAX];

	(void)state;
	path_in_dir(pa, sizeof(pa), "a.key");
	path_in_dir(pb, sizeof(pb), "b.key");
	assert_int_equal(burrow_identity_generate(pa, &a, err, sizeof(err)), 0);
	assert_int_equal(burrow_identity_generate(pb, NULL, err, sizeof(err)), 0);
	assert_int_equal(burrow_identity_load(pb, &b, err, sizeof(err)), 0);
	assert_memory_not_equal(a.public_key, b.public_key, BURROW_PUBLIC_KEY_LEN);
	burrow_identity_clear(&a);
	burrow_identity_clear(&b);
}

static void test_generate_never_overwrites(void **state)
{
	char path[128], link[128], err[BURROW_IDENTITY_ERR_MAX], buf[64] = "";
	int fd;

	(void)state;
	path_in_dir(path, sizeof(path), "existing.key");
	write_file(path, "precious", 0600);
	assert_int_equal(burrow_identity_generate(path, NULL, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "refusing to overwrite"));
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 8);
	close(fd);
	assert_string_equal(buf, "precious");

	/* A dangling symlink is not followed to create its target. */
	path_in_dir(link, sizeof(link), "dangling.key");
	path_in_dir(path, sizeof(path), "target.key");
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(burrow_identity_generate(link, NULL, err, sizeof(err)), -EEXIST);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_load_refuses_loose_modes(void **state)
{
	static const struct {
		mode_t mode;
		const char *expect;
	} cases[] = {
		{ 0644, "is mode 0644; must not be readable by group or others" },
		{ 0640, "is mode 0640; must not be readable by group or others" },
		{ 0604, "is mode 0604; must not be readable by group or others" },
		{ 0620, "is mode 0620; must not be writable or executable by group or others" },
		{ 0602, "is mode 0602; must not be writable or executable by group or others" },
		{ 0601, "is mode 0601; must not be writable or executable by group or others" },
	};
	struct burrow_identity id;
	char path[128], err[BURROW_IDENTITY_ERR_MAX], expect[256];

	(void)state;
	path_in_dir(path, sizeof(path), "loose.key");
	assert_int_equal(burrow_identity_generate(path, NULL, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(chmod(path, cases[i].mode), 0);
		assert_int_equal(burrow_identity_load(path, &id, err, sizeof(err)), -EPERM);
		snprintf(expect, sizeof(expect), "private key '%s' %s", path, cases[i].expect);
		assert_string_equal(err, expect);
		assert_null(id.private_key_pem);
	}
	/* 0400 is fine: only the owner can read. */
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(burrow_identity_load(path, &id, err, sizeof(err)), 0);
	burrow_identity_clear(&id);
}

static void test_load_refuses_non_keys(void **state)
{
	struct burrow_identity id;
	char path[128], err[BURROW_IDENTITY_ERR_MAX];

	(void)state;
	path_in_dir(path, sizeof(path), "missing.key");
	assert_int_equal(burrow_identity_load(path, &id, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));

	path_in_dir(path, sizeof(path), "empty.key");
	write_file(path, "", 0600);
	assert_int_equal(burrow_identity_load(path, &id, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is empty"));

	path_in_dir(path, sizeof(path), "garbage.key");
	write_file(path, "hello, I am not a key\n", 0600);
	assert_int_equal(burrow_identity_load(path, &id, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not a PEM private key"));

	path_in_dir(path, sizeof(path), "truncated.key");
	write_file(path, "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----\n",
		   0600);
	assert_int_equal(burrow_identity_load(path, &id, err, sizeof(err)), -EINVAL);

	/* A directory is not a key file. */
	path_in_dir(path, sizeof(path), "dir.key");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(burrow_identity_load(path, &id, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
}

static void test_load_refuses_other_algorithms(void **state)
{
	gnutls_x509_privkey_t key;
	gnutls_datum_t pem;
	struct burrow_identity id;
	char path[128], err[BURROW_IDENTITY_ERR_MAX], *text;

	(void)state;
	assert_int_equal(gnutls_x509_privkey_init(&key), 0);
	assert_int_equal(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
		GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	assert_int_equal(gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL,
							   GNUTLS_PKCS_PLAIN, &pem), 0);
	text = strndup((const char *)pem.data, pem.size);
	path_in_dir(path, sizeof(path), "ecdsa.key");
	write_file(path, text, 0600);
	assert_int_equal(burrow_identity_load(path, &id, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not Ed25519"));
	assert_non_null(strstr(err, path));
	free(text);
	gnutls_free(pem.data);
	gnutls_x509_privkey_deinit(key);
}

static void test_public_key_text_known_answer(void **state)
{
	uint8_t key[BURROW_PUBLIC_KEY_LEN], back[BURROW_PUBLIC_KEY_LEN];
	char text[BURROW_PUBLIC_KEY_TEXT_SIZE], err[BURROW_IDENTITY_ERR_MAX];

	(void)state;
	for (int i = 0; i < BURROW_PUBLIC_KEY_LEN; i++)
		key[i] = (uint8_t)i;
	burrow_public_key_to_text(key, text);
	assert_string_equal(text, KEY_0_31_TEXT);
	assert_int_equal(strlen(text), BURROW_PUBLIC_KEY_TEXT_LEN);
	assert_int_equal(burrow_public_key_from_text(text, back, err, sizeof(err)), 0);
	assert_memory_equal(key, back, sizeof(key));
}

static void test_public_key_text_refused(void **state)
{
	static const struct {
		const char *text;
		const char *why;
	} cases[] = {
		{ "", "0 characters, expected 44" },
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "43 characters" },
		{ KEY_0_31_TEXT "=", "45 characters" },
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8 ", "must end with '='" },
		{ " AECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "character 1 is not base64" },
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw-Hh8=", "character 40 is not base64" },
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh==", "character 43 is not base64" },
		/* unused low bits set: the strict decoder refuses it */
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=", ": Base64 decoding error." },
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A", "must end with '='" },
	};
	uint8_t key[BURROW_PUBLIC_KEY_LEN];
	char err[BURROW_IDENTITY_ERR_MAX], quoted[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(err, 0, sizeof(err));
		assert_int_equal(burrow_public_key_from_text(cases[i].text, key, err, sizeof(err)),
				 -EINVAL);
		snprintf(quoted, sizeof(quoted), "invalid public key '%s'", cases[i].text);
		if (!strstr(err, quoted) || !strstr(err, cases[i].why))
			fail_msg("case %zu: '%s' gave '%s'", i, cases[i].text, err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate_then_load),
		cmocka_unit_test(test_two_keys_differ),
		cmocka_unit_test(test_generate_never_overwrites),
		cmocka_unit_test(test_load_refuses_loose_modes),
		cmocka_unit_test(test_load_refuses_non_keys),
		cmocka_unit_test(test_load_refuses_other_algorithms),
		cmocka_unit_test(test_public_key_text_known_answer),
		cmocka_unit_test(test_public_key_text_refused),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
