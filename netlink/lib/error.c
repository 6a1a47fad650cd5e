// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/* libburrow-nl: error descriptions. */

#include <stdarg.h>
#include <stdio.h>

#include "burrow-nl-internal.h"

void burrow_nl_error_clear(struct burrow_nl_error *err)
{
	err->from_kernel = false;
	err->message[0] = '\0';
}

int burrow_nl_fail(struct burrow_nl_error *err, int code, const char *format, ...)
{
	va_list args;

	if (!err)
		return code;
	err->from_kernel = false;
	va_start(args, format);
	vsnprintf(err->message, sizeof(err->message), format, args);
	va_end(args);
	return code;
}
