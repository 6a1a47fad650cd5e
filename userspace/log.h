/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrowd logging: four levels, one line per message on stderr, prefixed
 * with a UTC wall-clock timestamp and the level:
 *
 *   2026-11-22T06:59:17.123Z info: peer b up
 *
 * Usage:
 *   burrow_log_set_level(BURROW_LOG_DEBUG);          (default: info)
 *   burrow_log(BURROW_LOG_WARNING, "peer %s: %s", name, why);
 *
 * Messages above the configured level are dropped before formatting.
 * Each message is written with a single write(2), so lines from one
 * process never interleave. Not thread-safe by design: burrowd is
 * single-threaded.
 */
#ifndef BURROW_LOG_H
#define BURROW_LOG_H

#include <stddef.h>
#include <stdio.h>

enum burrow_log_level {
	BURROW_LOG_ERROR = 0,
	BURROW_LOG_WARNING = 1,
	BURROW_LOG_INFO = 2,
	BURROW_LOG_DEBUG = 3,
};

void burrow_log_set_level(enum burrow_log_level level);
enum burrow_log_level burrow_log_get_level(void);
/* Whether a message at level would be written (to skip costly formatting). */
int burrow_log_enabled(enum burrow_log_level level);

/* "error", "warning", "info", "debug". */
const char *burrow_log_level_name(enum burrow_log_level level);
/* Parse one of those names ("warn" is accepted too); -EINVAL when unknown. */
int burrow_log_level_from_name(const char *name, enum burrow_log_level *level);

/* Redirect output to fd (default 2, stderr); for tests. */
void burrow_log_set_fd(int fd);

void burrow_log(enum burrow_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * burrowd's one way to say why something failed: a function that can fail
 * takes a caller's buffer (char why[N], why_size) and fills it with a
 * sentence that quotes the bad input; the caller adds its context and logs
 * or prints it. why may be NULL (the caller does not want the reason).
 *
 *   if (burrow_prefix_parse(text, &p, why, sizeof(why)) < 0)
 *           burrow_log(BURROW_LOG_WARNING, "peer %s: %s", name, why);
 */
void burrow_errorf(char *why, size_t why_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* BURROW_LOG_H */
