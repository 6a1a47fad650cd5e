// SPDX-License-Identifier: GPL-2.0
/* burrowd's MagicDNS responder and split-DNS forwarder (burrowd_dns.h). */

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "burrowd_dns.h"
#include "dns.h"
#include "dns_resolved.h"
#include "log.h"

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif

#define PENDING_MAX 64
#define FORWARD_TIMEOUT_NS (2 * BURROW_NSEC_PER_SEC)
#define DATAGRAM_MAX 1500

struct pending {
	bool used;
	uint16_t client_id, upstream_id;
	int client_fd;
	struct sockaddr_storage client;
	socklen_t client_len;
	size_t split, server;
	uint64_t deadline;
	uint8_t query[DATAGRAM_MAX];
	size_t len;
};

struct burrowd_dns {
	struct burrow_loop *loop;
	struct burrow_config_dns cfg;
	char ifname[IF_NAMESIZE];
	struct burrow_dns_zone zone;
	struct coord_dns_config config;
	struct burrow_dns_zone splits[COORD_DNS_SPLITS_MAX];
	/* Listening sockets, [0] IPv4 [1] IPv6, and the address each is bound to. */
	int fd[2];
	uint8_t bound[2][16];
	/* Upstream sockets for forwarding, by family, opened on first use. */
	int up_fd[2];
	struct pending pending[PENDING_MAX];
	struct burrow_timer timer;
	/* resolved: what was registered last (to skip repeats), and whether to complain. */
	bool registered;
	struct burrow_resolved_link last;
	char last_domains[1 + COORD_DNS_SPLITS_MAX][COORD_DNS_DOMAIN_MAX + 1];
	bool bus_complained;
};

static int family_index(int family)
{
	return family == AF_INET ? 0 : 1;
}

/* ---- forwarding ------------------------------------------------------------------- */

static void servfail(struct burrowd_dns *dns, struct pending *p)
{
	uint8_t out[BURROW_DNS_HEADER_LEN] = { 0 };

	out[0] = p->client_id >> 8;
	out[1] = p->client_id & 0xff;
	out[2] = 0x80 | (p->query[2] & 0x01);		/* QR, RD echoed */
	out[3] = BURROW_DNS_SERVFAIL;
	(void)dns;
	sendto(p->client_fd, out, sizeof(out), 0, (struct sockaddr *)&p->client, p->client_len);
	p->used = false;
}

static void on_upstream(void *arg);

static int upstream_fd(struct burrowd_dns *dns, int family)
{
	int i = family_index(family);

	if (dns->up_fd[i] >= 0)
		return dns->up_fd[i];
	dns->up_fd[i] = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (dns->up_fd[i] < 0)
		return -1;
	if (burrow_loop_add_fd(dns->loop, dns->up_fd[i], on_upstream, dns)) {
		close(dns->up_fd[i]);
		dns->up_fd[i] = -1;
	}
	return dns->up_fd[i];
}

static void server_addr(const struct coord_dns_server *s, struct sockaddr_storage *ss,
			socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (s->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(53);
		memcpy(&in->sin_addr, s->addr, 4);
		*len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(53);
		memcpy(&in6->sin6_addr, s->addr, 16);
		*len = sizeof(*in6);
	}
}

static void rearm(struct burrowd_dns *dns)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < PENDING_MAX; i++)
		if (dns->pending[i].used && dns->pending[i].deadline < next)
			next = dns->pending[i].deadline;
	if (next == UINT64_MAX)
		burrow_timer_cancel(dns->loop, &dns->timer);
	else
		burrow_timer_arm(dns->loop, &dns->timer, next);
}

/* Send p to its current server; false when there is none left. */
static bool forward_send(struct burrowd_dns *dns, struct pending *p)
{
	const struct coord_dns_split *split = &dns->config.splits[p->split];

	while (p->server < split->n_servers) {
		const struct coord_dns_server *s = &split->servers[p->server];
		struct sockaddr_storage ss;
		socklen_t len;
		int fd = upstream_fd(dns, s->family);

		server_addr(s, &ss, &len);
		if (getrandom(&p->upstream_id, sizeof(p->upstream_id), 0) != sizeof(p->upstream_id))
			p->upstream_id = (uint16_t)rand();
		p->query[0] = p->upstream_id >> 8;
		p->query[1] = p->upstream_id & 0xff;
		if (fd >= 0 && sendto(fd, p->query, p->len, 0, (struct sockaddr *)&ss, len) >= 0) {
			p->deadline = burrow_now_ns() + FORWARD_TIMEOUT_NS;
			return true;
		}
		p->server++;
	}
	return false;
}

static void forward(struct burrowd_dns *dns, int fd, const uint8_t *msg, size_t len,
		    const struct sockaddr_storage *from, socklen_t from_len, size_t split)
{
	struct pending *p = NULL;

	for (size_t i = 0; i < PENDING_MAX && !p; i++)
		if (!dns->pending[i].used)
			p = &dns->pending[i];
	if (!p) {
		/* Full: the oldest waiting query gives way. */
		p = &dns->pending[0];
		for (size_t i = 1; i < PENDING_MAX; i++)
			if (dns->pending[i].deadline < p->deadline)
				p = &dns->pending[i];
		servfail(dns, p);
	}
	memset(p, 0, sizeof(*p));
	p->used = true;
	p->client_id = (uint16_t)(msg[0] << 8 | msg[1]);
	p->client_fd = fd;
	p->client = *from;
	p->client_len = from_len;
	p->split = split;
	memcpy(p->query, msg, len);
	p->len = len;
	if (!forward_send(dns, p))
		servfail(dns, p);
	rearm(dns);
}

static bool same_server(const struct coord_dns_server *s, const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET && s->family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		return in->sin_port == htons(53) && !memcmp(&in->sin_addr, s->addr, 4);
	}
	if (ss->ss_family == AF_INET6 && s->family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		return in6->sin6_port == htons(53) && !memcmp(&in6->sin6_addr, s->addr, 16);
	}
	return false;
}

static void on_upstream_fd(struct burrowd_dns *dns, int fd)
{
	uint8_t buf[DATAGRAM_MAX];

	for (int round = 0; round < 64; round++) {
		struct sockaddr_storage from;
		socklen_t from_len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &from_len);
		uint16_t id;

		if (n < 0)
			return;
		if (n < BURROW_DNS_HEADER_LEN || !(buf[2] & 0x80))
			continue;
		id = (uint16_t)(buf[0] << 8 | buf[1]);
		for (size_t i = 0; i < PENDING_MAX; i++) {
			struct pending *p = &dns->pending[i];
			const struct coord_dns_split *split = &dns->config.splits[p->split];

			if (!p->used || p->upstream_id != id || p->server >= split->n_servers ||
			    !same_server(&split->servers[p->server], &from))
				continue;
			buf[0] = p->client_id >> 8;
			buf[1] = p->client_id & 0xff;
			sendto(p->client_fd, buf, (size_t)n, 0, (struct sockaddr *)&p->client,
			       p->client_len);
			p->used = false;
			break;
		}
	}
}

static void on_upstream(void *arg)
{
	struct burrowd_dns *dns = arg;

	for (int i = 0; i < 2; i++)
		if (dns->up_fd[i] >= 0)
			on_upstream_fd(dns, dns->up_fd[i]);
	rearm(dns);
}

static void on_timer(void *arg)
{
	struct burrowd_dns *dns = arg;
	uint64_t now = burrow_now_ns();

	for (size_t i = 0; i < PENDING_MAX; i++) {
		struct pending *p = &dns->pending[i];

		if (!p->used || p->deadline > now)
			continue;
		p->server++;
		if (!forward_send(dns, p))
			servfail(dns, p);
	}
	rearm(dns);
}

/* ---- queries ------------------------------------------------------------------------ */

static void on_query_fd(struct burrowd_dns *dns, int fd)
{
	uint8_t buf[DATAGRAM_MAX], out[BURROW_DNS_UDP_MAX];

	for (int round = 0; round < 64; round++) {
		struct sockaddr_storage from;
		socklen_t from_len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &from_len);
		struct burrow_dns_query q;
		size_t len;

		if (n < 0)
			return;
		if (!burrow_dns_parse_query(buf, (size_t)n, &q, NULL, 0) &&
		    q.qclass == BURROW_DNS_CLASS_IN && !burrow_dns_query_in(&dns->zone, &q)) {
			size_t split = SIZE_MAX;

			for (size_t i = 0; i < dns->config.n_splits && split == SIZE_MAX; i++)
				if (burrow_dns_query_in(&dns->splits[i], &q))
					split = i;
			if (split != SIZE_MAX) {
				forward(dns, fd, buf, (size_t)n, &from, from_len, split);
				continue;
			}
		}
		len = burrow_dns_answer(&dns->zone, buf, (size_t)n, out, sizeof(out), NULL);
		if (len)
			sendto(fd, out, len, 0, (struct sockaddr *)&from, from_len);
	}
}

static void on_query(void *arg)
{
	struct burrowd_dns *dns = arg;

	for (int i = 0; i < 2; i++)
		if (dns->fd[i] >= 0)
			on_query_fd(dns, dns->fd[i]);
}

/* ---- listening and registration ---------------------------------------------------- */

static bool addr_zero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return false;
	return true;
}

static void close_listener(struct burrowd_dns *dns, int i)
{
	if (dns->fd[i] < 0)
		return;
	burrow_loop_del_fd(dns->loop, dns->fd[i]);
	close(dns->fd[i]);
	dns->fd[i] = -1;
	memset(dns->bound[i], 0, sizeof(dns->bound[i]));
}

/* Listen on addr (family's bytes; all zero: not at all). */
static void listen_on(struct burrowd_dns *dns, int family, const uint8_t *addr)
{
	int i = family_index(family), one = 1, fd;
	size_t n = family == AF_INET ? 4 : 16;
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	char text[INET6_ADDRSTRLEN];

	if (dns->fd[i] >= 0 && !memcmp(dns->bound[i], addr, n))
		return;
	close_listener(dns, i);
	if (addr_zero(addr, n))
		return;
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(dns->cfg.port);
		memcpy(&in->sin_addr, addr, 4);
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(dns->cfg.port);
		memcpy(&in6->sin6_addr, addr, 16);
		len = sizeof(*in6);
	}
	inet_ntop(family, addr, text, sizeof(text));
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* The address may not be on the device yet (IPv6 DAD): bind all the same. */
	if (fd >= 0 && family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	if (fd >= 0 && family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    burrow_loop_add_fd(dns->loop, fd, on_query, dns)) {
		burrow_log(BURROW_LOG_WARNING, "dns: cannot listen on %s port %u: %s", text,
			   dns->cfg.port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	dns->fd[i] = fd;
	memcpy(dns->bound[i], addr, n);
	burrow_log(BURROW_LOG_INFO, "dns: answering for %s on %s port %u", dns->zone.domain, text,
		   dns->cfg.port);
}

static bool link_equal(const struct burrow_resolved_link *a, const struct burrow_resolved_link *b)
{
	if (a->ifindex != b->ifindex || a->n_servers != b->n_servers ||
	    a->n_domains != b->n_domains)
		return false;
	for (size_t i = 0; i < a->n_servers; i++)
		if (a->servers[i].family != b->servers[i].family ||
		    memcmp(a->servers[i].addr, b->servers[i].addr, 16))
			return false;
	for (size_t i = 0; i < a->n_domains; i++)
		if (strcmp(a->domains[i], b->domains[i]))
			return false;
	return true;
}

/* Register the responder with resolved when what it would say changed. */
static void resolved_sync(struct burrowd_dns *dns)
{
	struct burrow_resolved_link link = { 0 };
	char why[512];
	int ret;

	if (!dns->cfg.resolved)
		return;
	link.ifindex = (int)if_nametoindex(dns->ifname);
	if (!link.ifindex)
		return;
	for (int i = 0; i < 2; i++) {
		if (dns->fd[i] < 0)
			continue;
		link.servers[link.n_servers].family = i ? AF_INET6 : AF_INET;
		memcpy(link.servers[link.n_servers].addr, dns->bound[i], 16);
		link.n_servers++;
	}
	if (!link.n_servers) {
		/* The map was forgotten: nothing answers on the link any more. */
		if (dns->registered && !burrow_resolved_revert(dns->last.ifindex, why, sizeof(why)))
			dns->registered = false;
		return;
	}
	link.domains[link.n_domains++] = dns->zone.domain;
	for (size_t i = 0; i < dns->config.n_splits; i++)
		link.domains[link.n_domains++] = dns->config.splits[i].domain;
	if (dns->registered && link_equal(&link, &dns->last))
		return;
	ret = burrow_resolved_register(&link, why, sizeof(why));
	if (ret) {
		if (!dns->bus_complained)
			burrow_log(BURROW_LOG_WARNING,
				   "dns: not registered with systemd-resolved (%s); still answering",
				   why);
		dns->bus_complained = true;
		return;
	}
	dns->registered = true;
	dns->bus_complained = false;
	/* Keep a copy that does not point into config (it may change). */
	dns->last = link;
	for (size_t i = 0; i < link.n_domains; i++) {
		snprintf(dns->last_domains[i], sizeof(dns->last_domains[i]), "%s", link.domains[i]);
		dns->last.domains[i] = dns->last_domains[i];
	}
	burrow_log(BURROW_LOG_INFO, "dns: registered with systemd-resolved for %s: ~%s and %zu split domains",
		   dns->ifname, dns->zone.domain, dns->config.n_splits);
}

struct burrowd_dns *burrowd_dns_new(struct burrow_loop *loop, const struct burrow_config_dns *cfg,
				    const char *ifname)
{
	struct burrowd_dns *dns;

	if (!cfg->enabled)
		return NULL;
	dns = calloc(1, sizeof(*dns));
	if (!dns) {
		burrow_log(BURROW_LOG_ERROR, "dns: out of memory; not answering");
		return NULL;
	}
	dns->loop = loop;
	dns->cfg = *cfg;
	snprintf(dns->ifname, sizeof(dns->ifname), "%s", ifname);
	dns->fd[0] = dns->fd[1] = dns->up_fd[0] = dns->up_fd[1] = -1;
	burrow_dns_zone_init(&dns->zone);
	/* Until the coordinator says otherwise (or if it predates DNS_CONFIG). */
	snprintf(dns->config.domain, sizeof(dns->config.domain), "mesh.burrow");
	burrow_dns_zone_set_domain(&dns->zone, dns->config.domain, NULL, 0);
	burrow_timer_init(&dns->timer, on_timer, dns);
	return dns;
}

void burrowd_dns_free(struct burrowd_dns *dns)
{
	char why[512];

	if (!dns)
		return;
	if (dns->registered) {
		if (burrow_resolved_revert(dns->last.ifindex, why, sizeof(why)))
			burrow_log(BURROW_LOG_WARNING, "dns: %s", why);
		else
			burrow_log(BURROW_LOG_INFO, "dns: reverted the systemd-resolved link %s",
				   dns->ifname);
	}
	burrow_timer_cancel(dns->loop, &dns->timer);
	for (int i = 0; i < 2; i++) {
		close_listener(dns, i);
		if (dns->up_fd[i] >= 0) {
			burrow_loop_del_fd(dns->loop, dns->up_fd[i]);
			close(dns->up_fd[i]);
		}
	}
	burrow_dns_zone_free(&dns->zone);
	free(dns);
}

void burrowd_dns_set_map(struct burrowd_dns *dns, const struct coord_map *map)
{
	struct burrow_dns_record *records;
	size_t n = 0, size;
	uint8_t v4[4] = { 0 }, v6[16] = { 0 };

	if (!dns)
		return;
	size = (map->have_full ? 1 : 0) + coord_map_size(map);
	records = calloc(size ? size : 1, sizeof(*records));
	if (!records) {
		burrow_log(BURROW_LOG_ERROR, "dns: out of memory; names not updated");
		return;
	}
	if (map->have_full) {
		struct burrow_dns_record *r = &records[n++];

		snprintf(r->name, sizeof(r->name), "%s", map->self.name);
		memcpy(v4, &map->self.addresses.ipv4.addr, 4);
		memcpy(v6, &map->self.addresses.ipv6.addr, 16);
		r->has_ipv4 = map->self.addresses.ipv4.family == AF_INET && !addr_zero(v4, 4);
		r->has_ipv6 = map->self.addresses.ipv6.family == AF_INET6 && !addr_zero(v6, 16);
		if (!r->has_ipv4)
			memset(v4, 0, sizeof(v4));
		if (!r->has_ipv6)
			memset(v6, 0, sizeof(v6));
		memcpy(r->ipv4, v4, 4);
		memcpy(r->ipv6, v6, 16);
	}
	for (size_t i = 0; i < coord_map_size(map); i++) {
		const struct coord_peer *p = coord_map_peer_at(map, i);
		struct burrow_dns_record *r = &records[n++];

		snprintf(r->name, sizeof(r->name), "%s", p->name);
		memcpy(r->ipv4, p->ipv4, 4);
		memcpy(r->ipv6, p->ipv6, 16);
		r->has_ipv4 = !addr_zero(p->ipv4, 4);
		r->has_ipv6 = !addr_zero(p->ipv6, 16);
	}
	if (burrow_dns_zone_set_records(&dns->zone, records, n))
		burrow_log(BURROW_LOG_ERROR, "dns: out of memory; names not updated");
	free(records);
	listen_on(dns, AF_INET, v4);
	listen_on(dns, AF_INET6, v6);
	resolved_sync(dns);
}

void burrowd_dns_config_capsule(struct burrowd_dns *dns, const uint8_t *value, size_t len)
{
	static struct coord_dns_config next;
	char why[256];

	if (!dns)
		return;
	if (coord_msg_dns_config_decode(value, len, &next, why, sizeof(why))) {
		burrow_log(BURROW_LOG_WARNING, "dns: coordinator's config ignored: %s", why);
		return;
	}
	if (coord_dns_config_equal(&next, &dns->config))
		return;
	for (size_t i = 0; i < next.n_splits; i++) {
		burrow_dns_zone_init(&dns->splits[i]);
		burrow_dns_zone_set_domain(&dns->splits[i], next.splits[i].domain, NULL, 0);
	}
	/* Forwarded queries of the old config are answered SERVFAIL. */
	for (size_t i = 0; i < PENDING_MAX; i++)
		if (dns->pending[i].used)
			servfail(dns, &dns->pending[i]);
	dns->config = next;
	burrow_dns_zone_set_domain(&dns->zone, next.domain, NULL, 0);
	burrow_log(BURROW_LOG_INFO, "dns: mesh domain %s, %zu split domains", next.domain,
		   next.n_splits);
	resolved_sync(dns);
}
