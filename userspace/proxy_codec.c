// SPDX-License-Identifier: GPL-2.0
/*
 * The stream proxy's request and response (docs/wire-format.md, "Stream
 * proxy"): encoders and the strict parsers both ends use.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proxy.h"

static const char *const code_names[BURROW_PROXY_CODE_COUNT] = {
	[BURROW_PROXY_OK] = "ok",
	[BURROW_PROXY_UNKNOWN_SERVICE] = "unknown service",
	[BURROW_PROXY_NOT_ALLOWED] = "not allowed",
	[BURROW_PROXY_LIMIT_REACHED] = "limit reached",
	[BURROW_PROXY_TARGET_REFUSED] = "target refused",
	[BURROW_PROXY_MALFORMED] = "malformed request",
};

const char *burrow_proxy_code_name(unsigned code)
{
	return code < BURROW_PROXY_CODE_COUNT ? code_names[code] : "unknown code";
}

/* ---- codec ------------------------------------------------------------------ */

int burrow_proxy_request_encode(const char *service, uint8_t *out, size_t size)
{
	size_t len = strlen(service);

	if (!burrow_config_name_valid(service) || size < 2 + len)
		return -EINVAL;
	out[0] = BURROW_PROXY_VERSION;
	out[1] = (uint8_t)len;
	memcpy(out + 2, service, len);
	return (int)(2 + len);
}

int burrow_proxy_request_parse(const uint8_t *buf, size_t len, char service[64], const char **why)
{
	size_t n;

	*why = NULL;
	if (len >= 1 && buf[0] != BURROW_PROXY_VERSION) {
		*why = "unsupported version";
		return -EPROTO;
	}
	if (len < 2)
		return 0;
	n = buf[1];
	if (n < 1 || n > BURROW_CONFIG_NAME_MAX) {
		*why = "service name length out of range (1-63)";
		return -EPROTO;
	}
	if (len < 2 + n)
		return 0;
	memcpy(service, buf + 2, n);
	service[n] = '\0';
	if (!burrow_config_name_valid(service)) {
		*why = "invalid service name";
		return -EPROTO;
	}
	return (int)(2 + n);
}

int burrow_proxy_response_encode(unsigned code, const char *text, uint8_t *out, size_t size)
{
	size_t len = strlen(text);

	if (len > 255)
		len = 255;
	if (code > 255 || size < 3 + len)
		return -EINVAL;
	out[0] = BURROW_PROXY_VERSION;
	out[1] = (uint8_t)code;
	out[2] = (uint8_t)len;
	memcpy(out + 3, text, len);
	return (int)(3 + len);
}

int burrow_proxy_response_parse(const uint8_t *buf, size_t len, unsigned *code, char text[256],
				const char **why)
{
	size_t n;

	*why = NULL;
	if (len >= 1 && buf[0] != BURROW_PROXY_VERSION) {
		*why = "unsupported version";
		return -EPROTO;
	}
	if (len < 3)
		return 0;
	n = buf[2];
	if (len < 3 + n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (buf[3 + i] < 0x20 || buf[3 + i] == 0x7f) {
			*why = "control character in the response text";
			return -EPROTO;
		}
	}
	*code = buf[1];
	memcpy(text, buf + 3, n);
	text[n] = '\0';
	return (int)(3 + n);
}
