/* SPDX-License-Identifier: GPL-2.0 */
/* Private to config.c and config_values.c. */
#ifndef BURROW_CONFIG_INTERNAL_H
#define BURROW_CONFIG_INTERNAL_H

#include <stddef.h>

/* snprintf into err when err is not NULL. */
void burrow_config_set_err(char *err, size_t err_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Decimal digits only (no sign, no blanks), min <= value <= max; else -EINVAL. */
int burrow_config_parse_uint(const char *text, unsigned long long min, unsigned long long max,
			     unsigned long long *out);

#endif /* BURROW_CONFIG_INTERNAL_H */
