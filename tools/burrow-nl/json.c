// SPDX-License-Identifier: GPL-2.0
/* burrow-nl: the little JSON output needs. */

#include <sys/socket.h>

#include "json.h"
#include "parse.h"

void json_print_string(FILE *out, const char *text)
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

void json_print_endpoint(FILE *out, const struct burrow_nl_endpoint *endpoint)
{
	char addr[FORMAT_ADDR_SIZE];

	if (endpoint->family != AF_INET && endpoint->family != AF_INET6) {
		fputs("null", out);
		return;
	}
	fprintf(out, "{\"family\":\"%s\",\"address\":\"%s\",\"port\":%u}",
		format_family(endpoint->family),
		format_addr(endpoint->family, &endpoint->addr, addr), endpoint->port);
}
