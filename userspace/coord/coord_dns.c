// SPDX-License-Identifier: GPL-2.0
/* burrow-coord's DNS config file (coord_dns.h). */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_dns.h"
#include "dns.h"

void coord_dns_config_default(struct coord_dns_config *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->domain, sizeof(out->domain), "%s", COORD_DNS_DEFAULT_DOMAIN);
}

static int fail(char *why, size_t why_size, const char *path, unsigned int line,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail(char *why, size_t why_size, const char *path, unsigned int line,
		const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(why, why_size, "%s:%u: %s", path, line, msg);
	return -EINVAL;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Lower-case copy without the final dot, checked as a DNS name. */
static int domain_of(const char *text, char *out, char *reason, size_t reason_size)
{
	size_t n;

	if (!burrow_dns_domain_valid(text, reason, reason_size))
		return -EINVAL;
	n = strlen(text);
	if (text[n - 1] == '.')
		n--;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)text[i]);
	out[n] = '\0';
	return 0;
}

static int split_value(struct coord_dns_config *c, char *value, const char *path,
		       unsigned int line, char *why, size_t why_size)
{
	struct coord_dns_split *s;
	char reason[200], *servers, *item, *next;

	if (c->n_splits == COORD_DNS_SPLITS_MAX)
		return fail(why, why_size, path, line, "split: more than %d split domains",
			    COORD_DNS_SPLITS_MAX);
	s = &c->splits[c->n_splits];
	memset(s, 0, sizeof(*s));
	servers = value + strcspn(value, " \t");
	if (!*servers)
		return fail(why, why_size, path, line,
			    "split: '%s' has no server (split = DOMAIN SERVER[, SERVER...])", value);
	*servers++ = '\0';
	if (domain_of(value, s->domain, reason, sizeof(reason)))
		return fail(why, why_size, path, line, "split: %s", reason);
	for (item = servers; item; item = next) {
		struct coord_dns_server *srv;

		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		item = trim(item);
		if (s->n_servers == COORD_DNS_SERVERS_MAX)
			return fail(why, why_size, path, line,
				    "split: '%s' has more than %d servers", s->domain,
				    COORD_DNS_SERVERS_MAX);
		srv = &s->servers[s->n_servers];
		if (inet_pton(AF_INET, item, srv->addr) == 1)
			srv->family = AF_INET;
		else if (inet_pton(AF_INET6, item, srv->addr) == 1)
			srv->family = AF_INET6;
		else
			return fail(why, why_size, path, line,
				    "split: server '%s' of '%s' is not a numeric IPv4 or IPv6 address",
				    item, s->domain);
		s->n_servers++;
	}
	if (!s->n_servers)
		return fail(why, why_size, path, line, "split: '%s' has no server", s->domain);
	c->n_splits++;
	return 0;
}

int coord_dns_config_parse(const char *text, const char *path, struct coord_dns_config *out,
			   char *why, size_t why_size)
{
	struct coord_dns_config *c = out;
	unsigned int line = 0, domain_line = 0;
	bool in_dns = false;
	char reason[200];
	const char *p = text;

	coord_dns_config_default(c);
	while (*p) {
		char buf[1024], *s, *eq, *key, *value;
		size_t n = strcspn(p, "\n");

		line++;
		if (n >= sizeof(buf))
			return fail(why, why_size, path, line, "line longer than %zu characters",
				    sizeof(buf) - 1);
		memcpy(buf, p, n);
		buf[n] = '\0';
		p += n + (p[n] == '\n');
		buf[strcspn(buf, "#;")] = '\0';
		s = trim(buf);
		if (!*s)
			continue;
		if (*s == '[') {
			if (strcmp(s, "[dns]"))
				return fail(why, why_size, path, line,
					    "unknown section '%s' (expected [dns])", s);
			if (in_dns)
				return fail(why, why_size, path, line, "second [dns] section");
			in_dns = true;
			continue;
		}
		if (!in_dns)
			return fail(why, why_size, path, line, "'%s' before the [dns] section", s);
		eq = strchr(s, '=');
		if (!eq)
			return fail(why, why_size, path, line, "'%s' is not KEY = VALUE", s);
		*eq = '\0';
		key = trim(s);
		value = trim(eq + 1);
		if (!strcmp(key, "domain")) {
			if (domain_line)
				return fail(why, why_size, path, line,
					    "domain given twice (first at line %u)", domain_line);
			domain_line = line;
			if (domain_of(value, c->domain, reason, sizeof(reason)))
				return fail(why, why_size, path, line, "domain: %s", reason);
		} else if (!strcmp(key, "split")) {
			int ret = split_value(c, value, path, line, why, why_size);

			if (ret)
				return ret;
		} else {
			return fail(why, why_size, path, line, "unknown key '%s' in [dns]", key);
		}
	}
	/* Cross checks: duplicates and splits under the mesh domain. */
	if (coord_dns_config_check(c, reason, sizeof(reason))) {
		snprintf(why, why_size, "%s: %s", path, reason);
		return -EINVAL;
	}
	return 0;
}

int coord_dns_config_load(const char *path, struct coord_dns_config *out, char *why,
			  size_t why_size)
{
	FILE *f = fopen(path, "re");
	char *text;
	long size;
	int ret;

	if (!f) {
		ret = -errno;
		snprintf(why, why_size, "%s: %s", path, strerror(errno));
		return ret;
	}
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || size > 1 << 20 ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		snprintf(why, why_size, "%s: unreadable or larger than 1 MiB", path);
		return -EINVAL;
	}
	text = calloc(1, (size_t)size + 1);
	if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) {
		free(text);
		fclose(f);
		snprintf(why, why_size, "%s: cannot read", path);
		return -EIO;
	}
	fclose(f);
	if (strlen(text) != (size_t)size) {
		free(text);
		snprintf(why, why_size, "%s: holds a NUL byte", path);
		return -EINVAL;
	}
	ret = coord_dns_config_parse(text, path, out, why, why_size);
	free(text);
	return ret;
}
