// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/* libburrow-nl: hex and base64 without branches on the data. See burrow-encoding.h. */

#include <errno.h>
#include <limits.h>
#include <stdbool.h>

#include "burrow-encoding.h"

/* Set in a digit's value when the character is not a digit at all. */
#define NOT_A_DIGIT 0x100u

/*
 * All ones when lo <= c <= hi, else zero. For c, lo, hi below 2^31,
 * c - lo wraps to a value with the top bit set exactly when c < lo, and
 * hi - c exactly when c > hi.
 */
static unsigned int in_range(unsigned int c, unsigned int lo, unsigned int hi)
{
	return (((c - lo) | (hi - c)) >> 31) - 1;
}

/* The value of a hex digit of either case, or NOT_A_DIGIT. */
static unsigned int hex_value(char ch)
{
	unsigned int c = (unsigned char)ch;
	unsigned int digit = in_range(c, '0', '9');
	unsigned int lower = in_range(c, 'a', 'f');
	unsigned int upper = in_range(c, 'A', 'F');

	return (digit & (c - '0')) | (lower & (c - 'a' + 10)) | (upper & (c - 'A' + 10)) |
	       (~(digit | lower | upper) & NOT_A_DIGIT);
}

/* The value of a base64 digit, or NOT_A_DIGIT (so also for '='). */
static unsigned int base64_value(char ch)
{
	unsigned int c = (unsigned char)ch;
	unsigned int upper = in_range(c, 'A', 'Z');
	unsigned int lower = in_range(c, 'a', 'z');
	unsigned int digit = in_range(c, '0', '9');
	unsigned int plus = in_range(c, '+', '+');
	unsigned int slash = in_range(c, '/', '/');

	return (upper & (c - 'A')) | (lower & (c - 'a' + 26)) | (digit & (c - '0' + 52)) |
	       (plus & 62) | (slash & 63) |
	       (~(upper | lower | digit | plus | slash) & NOT_A_DIGIT);
}

/* The base64 digit for v (0..63): 'A' + v, then a correction per range. */
static char base64_digit(unsigned int v)
{
	unsigned int c = v + 'A';

	c += in_range(v, 26, 51) & 6u;			/* 'a' + (v - 26) */
	c += in_range(v, 52, 61) & (0u - 69);		/* '0' + (v - 52) */
	c += in_range(v, 62, 62) & (0u - 84);		/* '+' */
	c += in_range(v, 63, 63) & (0u - 81);		/* '/' */
	return (char)(c & 0xff);
}

int burrow_hex_decode(const char *text, size_t len, uint8_t *out, size_t out_size,
		      size_t *out_len)
{
	unsigned int bad = 0;

	if (len % 2)
		return -EINVAL;
	if (len / 2 > out_size)
		return -ENOSPC;
	for (size_t i = 0; i < len; i += 2) {
		unsigned int high = hex_value(text[i]), low = hex_value(text[i + 1]);

		bad |= (high | low) & NOT_A_DIGIT;
		out[i / 2] = (uint8_t)(((high << 4) | low) & 0xff);
	}
	if (bad)
		return -EINVAL;
	*out_len = len / 2;
	return 0;
}

int burrow_base64_decode(const char *text, size_t len, uint8_t *out, size_t out_size,
			 size_t *out_len)
{
	unsigned int bad = 0;
	size_t pad = 0, n, o = 0;

	if (len % 4)
		return -EINVAL;
	/* How much padding there is says only how long the result is. */
	if (len && text[len - 1] == '=')
		pad = text[len - 2] == '=' ? 2 : 1;
	n = len / 4 * 3 - pad;
	if (n > out_size)
		return -ENOSPC;
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		/* The padding characters of the last group count as zero digits. */
		unsigned int d0 = base64_value(text[i]);
		unsigned int d1 = base64_value(text[i + 1]);
		unsigned int d2 = last && pad == 2 ? 0 : base64_value(text[i + 2]);
		unsigned int d3 = last && pad >= 1 ? 0 : base64_value(text[i + 3]);
		unsigned long group = (unsigned long)(d0 & 63) << 18 | (d1 & 63) << 12 |
				      (d2 & 63) << 6 | (d3 & 63);

		bad |= (d0 | d1 | d2 | d3) & NOT_A_DIGIT;
		out[o++] = (uint8_t)(group >> 16);
		/* A byte that padding replaces must be zero: one spelling per value. */
		if (last && pad == 2)
			bad |= (unsigned int)(group >> 8) & 0xff;
		else
			out[o++] = (uint8_t)(group >> 8);
		if (last && pad >= 1)
			bad |= (unsigned int)group & 0xff;
		else
			out[o++] = (uint8_t)group;
	}
	if (bad)
		return -EINVAL;
	*out_len = n;
	return 0;
}

int burrow_base64_encode(const uint8_t *in, size_t len, char *text, size_t text_size)
{
	size_t need = BURROW_BASE64_LEN(len), o = 0, i;

	if (len > (size_t)INT_MAX / 4 * 3 - 3 || text_size < need + 1)
		return -ENOSPC;
	for (i = 0; i + 3 <= len; i += 3) {
		unsigned long group = (unsigned long)in[i] << 16 | in[i + 1] << 8 | in[i + 2];

		text[o++] = base64_digit((group >> 18) & 63);
		text[o++] = base64_digit((group >> 12) & 63);
		text[o++] = base64_digit((group >> 6) & 63);
		text[o++] = base64_digit(group & 63);
	}
	if (i < len) {
		bool two = i + 2 == len;
		unsigned long group = (unsigned long)in[i] << 16 | (two ? in[i + 1] << 8 : 0);

		text[o++] = base64_digit((group >> 18) & 63);
		text[o++] = base64_digit((group >> 12) & 63);
		text[o++] = two ? base64_digit((group >> 6) & 63) : '=';
		text[o++] = '=';
	}
	text[o] = '\0';
	return (int)o;
}
