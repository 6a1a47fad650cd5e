// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd log: line format (UTC timestamp, level word), the level filter,
 * level names both ways, and over-long messages cut but still one line.
 */

#include <errno.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

static char captured[8192];

/* Run fn with the log going to a temporary file; leave its text in captured. */
static void capture(void (*fn)(void))
{
	char path[] = "/tmp/burrowd-log-XXXXXX";
	int fd = mkstemp(path);
	ssize_t n;

	assert_true(fd >= 0);
	unlink(path);
	burrow_log_set_fd(fd);
	fn();
	burrow_log_set_fd(2);
	n = pread(fd, captured, sizeof(captured) - 1, 0);
	assert_true(n >= 0);
	captured[n] = '\0';
	close(fd);
}

static void log_some(void)
{
	burrow_log(BURROW_LOG_ERROR, "disk %s", "full");
	burrow_log(BURROW_LOG_WARNING, "peer %d slow", 7);
	burrow_log(BURROW_LOG_INFO, "up");
	burrow_log(BURROW_LOG_DEBUG, "noise");
}

static void test_format_and_filter(void **state)
{
	regex_t re;
	char *line, *save = NULL;
	int lines = 0;

	(void)state;
	assert_int_equal(regcomp(&re,
		"^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{3}Z "
		"(error|warning|info|debug): ", REG_EXTENDED), 0);

	burrow_log_set_level(BURROW_LOG_WARNING);
	assert_int_equal(burrow_log_get_level(), BURROW_LOG_WARNING);
	assert_true(burrow_log_enabled(BURROW_LOG_ERROR));
	assert_false(burrow_log_enabled(BURROW_LOG_INFO));
	capture(log_some);
	for (line = strtok_r(captured, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (regexec(&re, line, 0, NULL, 0))
			fail_msg("bad line '%s'", line);
		lines++;
	}
	assert_int_equal(lines, 2);

	burrow_log_set_level(BURROW_LOG_DEBUG);
	capture(log_some);
	assert_non_null(strstr(captured, " error: disk full\n"));
	assert_non_null(strstr(captured, " warning: peer 7 slow\n"));
	assert_non_null(strstr(captured, " info: up\n"));
	assert_non_null(strstr(captured, " debug: noise\n"));
	regfree(&re);
	burrow_log_set_level(BURROW_LOG_INFO);
}

static void log_long(void)
{
	static char big[5000];

	memset(big, 'z', sizeof(big) - 1);
	burrow_log(BURROW_LOG_ERROR, "%s", big);
	burrow_log(BURROW_LOG_ERROR, "after");
}

static void test_long_message_is_one_line(void **state)
{
	char *nl;

	(void)state;
	capture(log_long);
	nl = strchr(captured, '\n');
	assert_non_null(nl);
	assert_true(nl - captured < 2048);
	assert_non_null(strstr(nl + 1, " error: after\n"));
}

static void test_level_names(void **state)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	enum burrow_log_level level;

	(void)state;
	for (int i = 0; i < 4; i++) {
		assert_string_equal(burrow_log_level_name((enum burrow_log_level)i), names[i]);
		assert_int_equal(burrow_log_level_from_name(names[i], &level), 0);
		assert_int_equal(level, i);
	}
	assert_int_equal(burrow_log_level_from_name("warn", &level), 0);
	assert_int_equal(level, BURROW_LOG_WARNING);
	assert_int_equal(burrow_log_level_from_name("Info", &level), -EINVAL);
	assert_int_equal(burrow_log_level_from_name("", &level), -EINVAL);
	assert_int_equal(burrow_log_level_from_name("trace", &level), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_and_filter),
		cmocka_unit_test(test_long_message_is_one_line),
		cmocka_unit_test(test_level_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
