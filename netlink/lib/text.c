// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/*
 * libburrow-nl: text forms of addresses, prefixes, endpoints and JSON
 * strings (burrow-text.h). Pure functions: no allocation, no global state.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "burrow-text.h"

static int text_refuse(char *why, size_t why_size, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static int text_refuse(char *why, size_t why_size, const char *format, ...)
{
	va_list args;

	if (why && why_size) {
		va_start(args, format);
		vsnprintf(why, why_size, format, args);
		va_end(args);
	}
	return -EINVAL;
}

int burrow_text_decimal(const char *text, uint64_t max, uint64_t *value)
{
	unsigned long long parsed;

	if (text[0] == '\0' || strspn(text, "0123456789") != strlen(text))
		return -EINVAL;
	/* Only digits are left, so strtoull's one failure is overflow. */
	errno = 0;
	parsed = strtoull(text, NULL, 10);
	if (errno == ERANGE || parsed > max)
		return -ERANGE;
	*value = parsed;
	return 0;
}

int burrow_text_parse_port(const char *text, bool allow_zero, uint16_t *port, char *why,
			   size_t why_size)
{
	uint64_t value;

	if (burrow_text_decimal(text, UINT16_MAX, &value) || (value == 0 && !allow_zero))
		return text_refuse(why, why_size, "invalid port '%s' (%d-65535)", text,
				   allow_zero ? 0 : 1);
	*port = (uint16_t)value;
	return 0;
}

/*
 * The first len bytes of text as an address of either family: a ':' makes
 * it IPv6, so an IPv4 address is never read as IPv6 and the other way round.
 */
static bool text_addr(const char *text, size_t len, uint16_t *family, union burrow_nl_addr *addr)
{
	char copy[BURROW_TEXT_ADDR_SIZE];

	if (len == 0 || len >= sizeof(copy))
		return false;
	memcpy(copy, text, len);
	copy[len] = '\0';
	memset(addr, 0, sizeof(*addr));
	if (memchr(copy, ':', len)) {
		*family = AF_INET6;
		return inet_pton(AF_INET6, copy, &addr->v6) == 1;
	}
	*family = AF_INET;
	return inet_pton(AF_INET, copy, &addr->v4) == 1;
}

/* Clear the bits of addr past the first len. */
static void text_addr_mask(union burrow_nl_addr *addr, size_t addr_len, unsigned int len)
{
	for (size_t byte = 0; byte < addr_len; byte++) {
		unsigned int first_bit = 8 * byte;

		if (first_bit >= len)
			addr->bytes[byte] = 0;
		else if (len - first_bit < 8)
			addr->bytes[byte] &= (uint8_t)(0xff00 >> (len - first_bit));
	}
}

int burrow_text_parse_prefix(const char *text, unsigned int flags,
			     struct burrow_nl_prefix *prefix, char *why, size_t why_size)
{
	const char *slash = strchr(text, '/');
	size_t addr_text_len = slash ? (size_t)(slash - text) : strlen(text);
	struct burrow_nl_prefix parsed = { 0 };
	union burrow_nl_addr masked;
	unsigned int max_len;
	uint64_t len;

	if (!slash && (flags & BURROW_TEXT_PREFIX_LEN_REQUIRED))
		return text_refuse(why, why_size, "invalid prefix '%s' (expected ADDRESS/LENGTH)",
				   text);
	if (!text_addr(text, addr_text_len, &parsed.family, &parsed.addr))
		return text_refuse(why, why_size, "invalid prefix '%s'", text);
	max_len = parsed.family == AF_INET ? 32 : 128;
	len = max_len;
	if (slash) {
		switch (burrow_text_decimal(slash + 1, max_len, &len)) {
		case 0:
			break;
		case -ERANGE:
			return text_refuse(why, why_size, "invalid prefix '%s' (prefix length 0-%u)",
					   text, max_len);
		default:
			return text_refuse(why, why_size, "invalid prefix '%s'", text);
		}
	}
	parsed.len = (uint8_t)len;

	masked = parsed.addr;
	text_addr_mask(&masked, max_len / 8, parsed.len);
	if (!(flags & BURROW_TEXT_PREFIX_HOST_BITS) &&
	    memcmp(&masked, &parsed.addr, sizeof(masked)) != 0) {
		struct burrow_nl_prefix suggestion = parsed;
		char buf[BURROW_TEXT_PREFIX_SIZE];

		suggestion.addr = masked;
		return text_refuse(why, why_size,
				   "prefix '%s' has host bits set (did you mean %s?)", text,
				   burrow_text_prefix(&suggestion, buf));
	}
	*prefix = parsed;
	return 0;
}

/* IPV4:PORT or [IPV6]:PORT; false when text is neither form. */
static bool text_split_endpoint(const char *text, const char **addr, size_t *addr_len,
				const char **port)
{
	const char *colon;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':' || !memchr(text + 1, ':', (size_t)(close - text - 1)))
			return false;
		*addr = text + 1;
		*addr_len = (size_t)(close - text - 1);
		*port = close + 2;
		return true;
	}
	colon = strchr(text, ':');
	if (!colon || strchr(colon + 1, ':'))
		return false;	/* no port, or an IPv6 address without brackets */
	*addr = text;
	*addr_len = (size_t)(colon - text);
	*port = colon + 1;
	return true;
}

int burrow_text_parse_endpoint(const char *text, bool allow_zero,
			       struct burrow_nl_endpoint *endpoint, char *why, size_t why_size)
{
	struct burrow_nl_endpoint parsed = { 0 };
	const char *addr, *port;
	size_t addr_len;

	if (!text_split_endpoint(text, &addr, &addr_len, &port) ||
	    !text_addr(addr, addr_len, &parsed.family, &parsed.addr) ||
	    (text[0] == '[') != (parsed.family == AF_INET6))
		return text_refuse(why, why_size, "invalid endpoint '%s' (IPV4:PORT or [IPV6]:PORT)",
				   text);
	if (burrow_text_parse_port(port, allow_zero, &parsed.port, why, why_size))
		return -EINVAL;
	*endpoint = parsed;
	return 0;
}

bool burrow_text_prefix_equal(const struct burrow_nl_prefix *a, const struct burrow_nl_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       memcmp(a->addr.bytes, b->addr.bytes, a->family == AF_INET ? 4 : 16) == 0;
}

/*
 * The writers below format by hand: snprintf() and inet_ntop() cost some
 * 2,000 instructions per IPv4 prefix, which a 100,000-peer dump with ten
 * prefixes each spends a second of emulated CPU on. IPv6 stays with
 * inet_ntop(): its zero-run compression and embedded IPv4 forms are what
 * the text form has always been.
 */
static char *text_put_decimal_small(char *p, unsigned int value)
{
	if (value >= 100) {
		*p++ = (char)('0' + value / 100);
		value %= 100;
		*p++ = (char)('0' + value / 10);
	} else if (value >= 10) {
		*p++ = (char)('0' + value / 10);
	}
	*p++ = (char)('0' + value % 10);
	return p;
}

/* The decimal text of every byte value, for IPv4 addresses. */
static const struct {
	char text[3];
	uint8_t len;
} text_octets[256] = {
	{ "0", 1 }, { "1", 1 }, { "2", 1 }, { "3", 1 }, { "4", 1 }, { "5", 1 },
	{ "6", 1 }, { "7", 1 }, { "8", 1 }, { "9", 1 }, { "10", 2 }, { "11", 2 },
	{ "12", 2 }, { "13", 2 }, { "14", 2 }, { "15", 2 }, { "16", 2 }, { "17", 2 },
	{ "18", 2 }, { "19", 2 }, { "20", 2 }, { "21", 2 }, { "22", 2 }, { "23", 2 },
	{ "24", 2 }, { "25", 2 }, { "26", 2 }, { "27", 2 }, { "28", 2 }, { "29", 2 },
	{ "30", 2 }, { "31", 2 }, { "32", 2 }, { "33", 2 }, { "34", 2 }, { "35", 2 },
	{ "36", 2 }, { "37", 2 }, { "38", 2 }, { "39", 2 }, { "40", 2 }, { "41", 2 },
	{ "42", 2 }, { "43", 2 }, { "44", 2 }, { "45", 2 }, { "46", 2 }, { "47", 2 },
	{ "48", 2 }, { "49", 2 }, { "50", 2 }, { "51", 2 }, { "52", 2 }, { "53", 2 },
	{ "54", 2 }, { "55", 2 }, { "56", 2 }, { "57", 2 }, { "58", 2 }, { "59", 2 },
	{ "60", 2 }, { "61", 2 }, { "62", 2 }, { "63", 2 }, { "64", 2 }, { "65", 2 },
	{ "66", 2 }, { "67", 2 }, { "68", 2 }, { "69", 2 }, { "70", 2 }, { "71", 2 },
	{ "72", 2 }, { "73", 2 }, { "74", 2 }, { "75", 2 }, { "76", 2 }, { "77", 2 },
	{ "78", 2 }, { "79", 2 }, { "80", 2 }, { "81", 2 }, { "82", 2 }, { "83", 2 },
	{ "84", 2 }, { "85", 2 }, { "86", 2 }, { "87", 2 }, { "88", 2 }, { "89", 2 },
	{ "90", 2 }, { "91", 2 }, { "92", 2 }, { "93", 2 }, { "94", 2 }, { "95", 2 },
	{ "96", 2 }, { "97", 2 }, { "98", 2 }, { "99", 2 }, { "100", 3 }, { "101", 3 },
	{ "102", 3 }, { "103", 3 }, { "104", 3 }, { "105", 3 }, { "106", 3 }, { "107", 3 },
	{ "108", 3 }, { "109", 3 }, { "110", 3 }, { "111", 3 }, { "112", 3 }, { "113", 3 },
	{ "114", 3 }, { "115", 3 }, { "116", 3 }, { "117", 3 }, { "118", 3 }, { "119", 3 },
	{ "120", 3 }, { "121", 3 }, { "122", 3 }, { "123", 3 }, { "124", 3 }, { "125", 3 },
	{ "126", 3 }, { "127", 3 }, { "128", 3 }, { "129", 3 }, { "130", 3 }, { "131", 3 },
	{ "132", 3 }, { "133", 3 }, { "134", 3 }, { "135", 3 }, { "136", 3 }, { "137", 3 },
	{ "138", 3 }, { "139", 3 }, { "140", 3 }, { "141", 3 }, { "142", 3 }, { "143", 3 },
	{ "144", 3 }, { "145", 3 }, { "146", 3 }, { "147", 3 }, { "148", 3 }, { "149", 3 },
	{ "150", 3 }, { "151", 3 }, { "152", 3 }, { "153", 3 }, { "154", 3 }, { "155", 3 },
	{ "156", 3 }, { "157", 3 }, { "158", 3 }, { "159", 3 }, { "160", 3 }, { "161", 3 },
	{ "162", 3 }, { "163", 3 }, { "164", 3 }, { "165", 3 }, { "166", 3 }, { "167", 3 },
	{ "168", 3 }, { "169", 3 }, { "170", 3 }, { "171", 3 }, { "172", 3 }, { "173", 3 },
	{ "174", 3 }, { "175", 3 }, { "176", 3 }, { "177", 3 }, { "178", 3 }, { "179", 3 },
	{ "180", 3 }, { "181", 3 }, { "182", 3 }, { "183", 3 }, { "184", 3 }, { "185", 3 },
	{ "186", 3 }, { "187", 3 }, { "188", 3 }, { "189", 3 }, { "190", 3 }, { "191", 3 },
	{ "192", 3 }, { "193", 3 }, { "194", 3 }, { "195", 3 }, { "196", 3 }, { "197", 3 },
	{ "198", 3 }, { "199", 3 }, { "200", 3 }, { "201", 3 }, { "202", 3 }, { "203", 3 },
	{ "204", 3 }, { "205", 3 }, { "206", 3 }, { "207", 3 }, { "208", 3 }, { "209", 3 },
	{ "210", 3 }, { "211", 3 }, { "212", 3 }, { "213", 3 }, { "214", 3 }, { "215", 3 },
	{ "216", 3 }, { "217", 3 }, { "218", 3 }, { "219", 3 }, { "220", 3 }, { "221", 3 },
	{ "222", 3 }, { "223", 3 }, { "224", 3 }, { "225", 3 }, { "226", 3 }, { "227", 3 },
	{ "228", 3 }, { "229", 3 }, { "230", 3 }, { "231", 3 }, { "232", 3 }, { "233", 3 },
	{ "234", 3 }, { "235", 3 }, { "236", 3 }, { "237", 3 }, { "238", 3 }, { "239", 3 },
	{ "240", 3 }, { "241", 3 }, { "242", 3 }, { "243", 3 }, { "244", 3 }, { "245", 3 },
	{ "246", 3 }, { "247", 3 }, { "248", 3 }, { "249", 3 }, { "250", 3 }, { "251", 3 },
	{ "252", 3 }, { "253", 3 }, { "254", 3 }, { "255", 3 },
};

char *burrow_text_put_u64(char *p, uint64_t value)
{
	char digits[20];
	size_t n = 0;

	if (value < 1000)
		return text_put_decimal_small(p, (unsigned int)value);
	while (value) {
		digits[n++] = (char)('0' + value % 10);
		value /= 10;
	}
	while (n)
		*p++ = digits[--n];
	return p;
}

char *burrow_text_put_addr(char *p, uint16_t family, const union burrow_nl_addr *addr)
{
	if (family == AF_INET) {
		for (int i = 0; i < 4; i++) {
			if (i)
				*p++ = '.';
			memcpy(p, text_octets[addr->bytes[i]].text, 3);
			p += text_octets[addr->bytes[i]].len;
		}
		return p;
	}
	if (family == AF_INET6 && inet_ntop(AF_INET6, addr->bytes, p, BURROW_TEXT_ADDR_SIZE))
		return p + strlen(p);
	*p++ = '?';
	return p;
}

char *burrow_text_put_prefix(char *p, const struct burrow_nl_prefix *prefix)
{
	p = burrow_text_put_addr(p, prefix->family, &prefix->addr);
	*p++ = '/';
	return text_put_decimal_small(p, prefix->len);
}

char *burrow_text_put_endpoint(char *p, const struct burrow_nl_endpoint *endpoint)
{
	if (endpoint->family == AF_INET6) {
		*p++ = '[';
		p = burrow_text_put_addr(p, endpoint->family, &endpoint->addr);
		*p++ = ']';
	} else if (endpoint->family == AF_INET) {
		p = burrow_text_put_addr(p, endpoint->family, &endpoint->addr);
	} else {
		memcpy(p, "none", 4);
		return p + 4;
	}
	*p++ = ':';
	return burrow_text_put_u64(p, endpoint->port);
}

const char *burrow_text_addr(uint16_t family, const union burrow_nl_addr *addr,
			     char buf[BURROW_TEXT_ADDR_SIZE])
{
	*burrow_text_put_addr(buf, family, addr) = '\0';
	return buf;
}

const char *burrow_text_prefix(const struct burrow_nl_prefix *prefix,
			       char buf[BURROW_TEXT_PREFIX_SIZE])
{
	*burrow_text_put_prefix(buf, prefix) = '\0';
	return buf;
}

const char *burrow_text_endpoint(const struct burrow_nl_endpoint *endpoint,
				 char buf[BURROW_TEXT_ENDPOINT_SIZE])
{
	*burrow_text_put_endpoint(buf, endpoint) = '\0';
	return buf;
}

const char *burrow_text_family(uint16_t family)
{
	switch (family) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	default:
		return "none";
	}
}

static const char *const mode_names[] = {
	[BURROW_MODE_L3] = "l3",
	[BURROW_MODE_L2] = "l2",
};

const char *burrow_text_mode(uint64_t mode)
{
	return mode < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[mode] : NULL;
}

int burrow_text_parse_mode(const char *text, uint8_t *mode)
{
	for (uint8_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (!strcmp(text, mode_names[i])) {
			*mode = i;
			return 0;
		}
	}
	return -EINVAL;
}

void burrow_json_string(FILE *out, const char *text)
{
	fputc('"', out);
	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(out, "\\%c", *c);
		else if (*c < 0x20 || *c == 0x7f)
			fprintf(out, "\\u%04x", *c);
		else
			fputc(*c, out);
	}
	fputc('"', out);
}

void burrow_json_endpoint(FILE *out, const struct burrow_nl_endpoint *endpoint)
{
	char addr[BURROW_TEXT_ADDR_SIZE];

	if (endpoint->family != AF_INET && endpoint->family != AF_INET6) {
		fputs("null", out);
		return;
	}
	fprintf(out, "{\"family\":\"%s\",\"address\":\"%s\",\"port\":%u}",
		burrow_text_family(endpoint->family),
		burrow_text_addr(endpoint->family, &endpoint->addr, addr), endpoint->port);
}
