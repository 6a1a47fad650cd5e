// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl's grammar without a kernel: batch line splitting, human bytes
 * and durations, 'dev add' arguments, key material as an argument, help
 * and abbreviations through cli_run(), and -batch with line numbers.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli.h"
#include "parse.h"

static void test_split_line(void **state)
{
	char line[] = "  peer add  \"bur row0\" id '7' end\\ point x # comment\n";
	char *words[8];
	struct parse_error error;

	(void)state;
	assert_int_equal(cli_split_line(line, words, 8, &error), 7);
	assert_string_equal(words[0], "peer");
	assert_string_equal(words[1], "add");
	assert_string_equal(words[2], "bur row0");
	assert_string_equal(words[3], "id");
	assert_string_equal(words[4], "7");
	assert_string_equal(words[5], "end point");
	assert_string_equal(words[6], "x");
}

static void test_split_line_refuses(void **state)
{
	char unterminated[] = "peer add \"burrow0 id 1\n";
	char comment[] = "   # only a comment\n";
	char many[] = "a b c d";
	char *words[3];
	struct parse_error error;

	(void)state;
	assert_int_equal(cli_split_line(unterminated, words, 3, &error), -1);
	assert_string_equal(error.message, "unterminated \" quote");
	assert_int_equal(cli_split_line(comment, words, 3, &error), 0);
	assert_int_equal(cli_split_line(many, words, 3, &error), -1);
	assert_string_equal(error.message, "too many words (at most 3)");
}

static void test_format_bytes_and_durations(void **state)
{
	char bytes[32], duration[48];

	(void)state;
	assert_string_equal(cli_format_bytes(1023, true, bytes), "1023 B");
	assert_string_equal(cli_format_bytes(1536, true, bytes), "1.50 KiB");
	assert_string_equal(cli_format_bytes(5ull << 30, true, bytes), "5.00 GiB");
	assert_string_equal(cli_format_bytes(1536, false, bytes), "1536 B");
	assert_string_equal(cli_format_duration(0, duration), "0s");
	assert_string_equal(cli_format_duration(63, duration), "1m 3s");
	assert_string_equal(cli_format_duration(3600, duration), "1h");
	assert_string_equal(cli_format_duration(90061, duration), "1d 1h 1m 1s");
}

static void test_dev_add_args(void **state)
{
	struct dev_set_args args;
	struct parse_error error;
	bool mtu_set;
	uint32_t mtu;

	(void)state;
	assert_int_equal(dev_add_parse_args(1, (char *[]){ "b0" }, &args, &mtu_set, &mtu, &error),
			 0);
	assert_false(mtu_set);
	assert_false(args.listen);
	assert_int_equal(dev_add_parse_args(6, (char *[]){ "b0", "listen", "51820", "mtu", "1400",
							  "default-keepalive" },
					    &args, &mtu_set, &mtu, &error), -1);
	assert_string_equal(error.message, "missing value for default-keepalive");
	assert_int_equal(dev_add_parse_args(5, (char *[]){ "b0", "listen", "51820", "mtu", "1400" },
					    &args, &mtu_set, &mtu, &error), 0);
	assert_true(mtu_set);
	assert_int_equal(mtu, 1400);
	assert_true(args.listen);
	assert_int_equal(args.listen_on.port, 51820);
	assert_int_equal(dev_add_parse_args(3, (char *[]){ "b0", "mtu", "10" }, &args, &mtu_set,
					    &mtu, &error), -1);
	assert_string_equal(error.message, "10 is out of range for mtu (68-65535)");
	assert_int_equal(dev_add_parse_args(5, (char *[]){ "b0", "mtu", "1400", "mtu", "1400" },
					    &args, &mtu_set, &mtu, &error), -1);
	assert_string_equal(error.message, "duplicate option 'mtu'");
	assert_int_equal(dev_add_parse_args(2, (char *[]){ "b0", "mtu" }, &args, &mtu_set, &mtu,
					    &error), -1);
	assert_string_equal(error.message, "missing value for mtu");
	assert_int_equal(dev_add_parse_args(2, (char *[]){ "b0", "detach" }, &args, &mtu_set, &mtu,
					    &error), -1);
	assert_string_equal(error.message, "unknown keyword 'detach' for dev add");
	assert_int_equal(dev_add_parse_args(3, (char *[]){ "b0", "colour", "x" }, &args, &mtu_set,
					    &mtu, &error), -1);
	assert_string_equal(error.message, "unknown keyword 'colour' for dev add");
	assert_int_equal(dev_add_parse_args(2, (char *[]){ "mtu", "1400" }, &args, &mtu_set, &mtu,
					    &error), -1);
	assert_string_equal(error.message, "missing device name before 'mtu' for dev add");
	assert_int_equal(dev_add_parse_args(3, (char *[]){ "b0", "listen", "70000" }, &args,
					    &mtu_set, &mtu, &error), -1);
	assert_string_equal(error.message, "invalid port '70000' (0-65535)");
}

static void test_key_add_material_arguments(void **state)
{
	struct key_add_args args;
	struct parse_error error;
	char *both[] = { "b0", "peer", "1", "slot", "primary", "key-id", "1", "cipher",
			 "aes-128-gcm", "tx-key", "00", "rx", "f", "tx", "g" };
	char *no_rx[] = { "b0", "peer", "1", "slot", "primary", "key-id", "1", "cipher",
			  "aes-128-gcm", "tx-key", "00" };

	(void)state;
	assert_int_equal(key_add_parse_args(13, both, &args, &error), 0);
	assert_string_equal(args.tx_text, "00");
	assert_string_equal(args.rx_path, "f");
	assert_null(args.tx_path);
	assert_int_equal(key_add_parse_args(15, both, &args, &error), -1);
	assert_string_equal(error.message, "give tx or tx-key, not both");
	assert_int_equal(key_add_parse_args(11, no_rx, &args, &error), -1);
	assert_string_equal(error.message, "missing rx for key add");
}

/* Run cli_run() on words, returning its code and what it wrote to stdout/stderr. */
static int run_words(struct cli *cli, const char *const *words, char *out, size_t out_size,
		     char *err, size_t err_size)
{
	FILE *out_file = tmpfile(), *err_file = tmpfile();
	int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
	int argc = 0, ret;
	ssize_t len;

	while (words[argc])
		argc++;
	fflush(stdout);
	fflush(stderr);
	dup2(fileno(out_file), STDOUT_FILENO);
	dup2(fileno(err_file), STDERR_FILENO);
	ret = cli_run(cli, argc, (char **)words);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	lseek(fileno(out_file), 0, SEEK_SET);
	len = read(fileno(out_file), out, out_size - 1);
	out[len > 0 ? len : 0] = '\0';
	lseek(fileno(err_file), 0, SEEK_SET);
	len = read(fileno(err_file), err, err_size - 1);
	err[len > 0 ? len : 0] = '\0';
	fclose(out_file);
	fclose(err_file);
	return ret;
}

static void test_help_and_abbreviations(void **state)
{
	struct cli cli = { .json = false };
	char out[4096], err[512];

	(void)state;
	assert_int_equal(run_words(&cli, (const char *[]){ "p", "help", NULL }, out, sizeof(out),
				   err, sizeof(err)), CLI_EXIT_OK);
	assert_non_null(strstr(out, "  burrow-nl peer show DEV [id N]\n"));
	assert_int_equal(run_words(&cli, (const char *[]){ "peer", "h", NULL }, out, sizeof(out),
				   err, sizeof(err)), CLI_EXIT_OK);
	assert_non_null(strstr(out, "burrow-nl peer add DEV id N"));
	assert_int_equal(run_words(&cli, (const char *[]){ "k", "sw", "help", NULL }, out,
				   sizeof(out), err, sizeof(err)), CLI_EXIT_OK);
	assert_string_equal(out, "Usage: burrow-nl key swap DEV peer N\n");
	assert_int_equal(run_words(&cli, (const char *[]){ "show", "help", NULL }, out,
				   sizeof(out), err, sizeof(err)), CLI_EXIT_OK);
	assert_string_equal(out, "Usage: burrow-nl show [DEV]\n");
	assert_int_equal(run_words(&cli, (const char *[]){ "help", NULL }, out, sizeof(out), err,
				   sizeof(err)), CLI_EXIT_OK);
	assert_non_null(strstr(out, "  burrow-nl dev restore DEV FILE"));
	assert_non_null(strstr(out, "  3  not found"));
	/* A parse error through an abbreviation: p a = peer add. */
	assert_int_equal(run_words(&cli, (const char *[]){ "p", "a", "b0", "id", "1", "allowed-ips",
							   "10.0.0.300/24", NULL },
				   out, sizeof(out), err, sizeof(err)), CLI_EXIT_USAGE);
	assert_string_equal(err, "burrow-nl: invalid prefix '10.0.0.300/24'\n");
	assert_int_equal(run_words(&cli, (const char *[]){ "peer", "zap", NULL }, out, sizeof(out),
				   err, sizeof(err)), CLI_EXIT_USAGE);
	assert_string_equal(err, "burrow-nl: unknown command 'zap' for peer (try 'burrow-nl peer "
				 "help')\n");
	assert_int_equal(run_words(&cli, (const char *[]){ "peer", NULL }, out, sizeof(out), err,
				   sizeof(err)), CLI_EXIT_USAGE);
	assert_string_equal(err, "burrow-nl: missing command for peer (show, add, set or del)\n");
	assert_int_equal(run_words(&cli, (const char *[]){ "x", NULL }, out, sizeof(out), err,
				   sizeof(err)), CLI_EXIT_USAGE);
	assert_string_equal(err, "burrow-nl: unknown object 'x' (try 'burrow-nl help')\n");
}

/* Parse errors need no kernel: a batch of them shows the line numbers and -force. */
static void test_batch_line_numbers(void **state)
{
	char path[] = "/tmp/burrow-cli-batch-XXXXXX";
	const char *text = "# header\n"
			   "peer add b0 id 1 keepalive 70000\n"
			   "\n"
			   "peer add b0 id 1 id 2\n"
			   "peer add b0 id 1 endpoint\n"
			   "monitor\n";
	struct cli cli = { .json = false };
	char err[1024];
	int fd = mkstemp(path), saved_err, ret;
	FILE *err_file = tmpfile();
	ssize_t len;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	saved_err = dup(STDERR_FILENO);
	fflush(stderr);
	dup2(fileno(err_file), STDERR_FILENO);
	ret = cli_batch(&cli, path);
	cli.force = true;
	fputs("--\n", stderr);
	assert_int_equal(cli_batch(&cli, path), CLI_EXIT_USAGE);
	fflush(stderr);
	dup2(saved_err, STDERR_FILENO);
	close(saved_err);
	unlink(path);
	assert_int_equal(ret, CLI_EXIT_USAGE);
	lseek(fileno(err_file), 0, SEEK_SET);
	len = read(fileno(err_file), err, sizeof(err) - 1);
	err[len > 0 ? len : 0] = '\0';
	fclose(err_file);
	assert_string_equal(err,
		"burrow-nl: line 2: 70000 is out of range for keepalive (0-65535)\n"
		"--\n"
		"burrow-nl: line 2: 70000 is out of range for keepalive (0-65535)\n"
		"burrow-nl: line 4: duplicate option 'id'\n"
		"burrow-nl: line 5: missing value for endpoint\n"
		"burrow-nl: line 6: monitor cannot run in a batch\n");
	assert_int_equal(cli_batch_line, 0);
	assert_int_equal(cli_batch(&cli, "/nonexistent/batch"), CLI_EXIT_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_line),
		cmocka_unit_test(test_split_line_refuses),
		cmocka_unit_test(test_format_bytes_and_durations),
		cmocka_unit_test(test_dev_add_args),
		cmocka_unit_test(test_key_add_material_arguments),
		cmocka_unit_test(test_help_and_abbreviations),
		cmocka_unit_test(test_batch_line_numbers),
	};

	return cmocka_run_group_tests_name("burrow-nl grammar", tests, NULL, NULL);
}
