// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd logging: level filter, UTC timestamp, one write(2) per line.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum burrow_log_level current_level = BURROW_LOG_INFO;
static int log_fd = STDERR_FILENO;

static const char *const level_names[] = {
	[BURROW_LOG_ERROR] = "error",
	[BURROW_LOG_WARNING] = "warning",
	[BURROW_LOG_INFO] = "info",
	[BURROW_LOG_DEBUG] = "debug",
};

void burrow_log_set_level(enum burrow_log_level level)
{
	if (level > BURROW_LOG_DEBUG)
		level = BURROW_LOG_DEBUG;
	current_level = level;
}

enum burrow_log_level burrow_log_get_level(void)
{
	return current_level;
}

int burrow_log_enabled(enum burrow_log_level level)
{
	return level <= current_level;
}

const char *burrow_log_level_name(enum burrow_log_level level)
{
	if (level > BURROW_LOG_DEBUG)
		return "debug";
	return level_names[level];
}

int burrow_log_level_from_name(const char *name, enum burrow_log_level *level)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (!strcmp(name, level_names[i])) {
			*level = (enum burrow_log_level)i;
			return 0;
		}
	}
	if (!strcmp(name, "warn")) {
		*level = BURROW_LOG_WARNING;
		return 0;
	}
	return -EINVAL;
}

void burrow_log_set_fd(int fd)
{
	log_fd = fd;
}

void burrow_log(enum burrow_log_level level, const char *fmt, ...)
{
	char line[2048];
	struct timespec now;
	struct tm tm;
	size_t len;
	va_list ap;
	int n;

	if (!burrow_log_enabled(level))
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	len = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line + len, sizeof(line) - len, ".%03ldZ %s: ", now.tv_nsec / 1000000,
		     burrow_log_level_name(level));
	if (n > 0)
		len += (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	va_end(ap);
	if (n > 0)
		len += (size_t)n;
	/* Truncated messages still end with a newline. */
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	for (size_t off = 0; off < len;) {
		ssize_t w = write(log_fd, line + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		off += (size_t)w;
	}
}

void burrow_errorf(char *why, size_t why_size, const char *fmt, ...)
{
	va_list ap;

	if (!why || !why_size)
		return;
	va_start(ap, fmt);
	vsnprintf(why, why_size, fmt, ap);
	va_end(ap);
}
