// SPDX-License-Identifier: GPL-2.0
/*
 * MagicDNS end to end in one process: burrowd's responder (burrowd_dns.c)
 * fed a node map, answering real UDP queries on loopback, following a
 * rename, and registering with "systemd-resolved" over D-Bus.
 *
 * resolved is a mock (selftests/dbus/resolved-mock.py) on a private
 * dbus-daemon, reached through DBUS_SYSTEM_BUS_ADDRESS: neither CI nor the
 * test guest runs systemd, so the real resolved cannot be started there.
 * The mock records the calls; the test asserts them exactly. Without
 * dbus-daemon or python3-dbus the tests are skipped (make deps installs
 * both).
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "burrowd_dns.h"
#include "dns.h"
#include "dns_resolved.h"

static char dir[64];
static char address[160];
static pid_t bus_pid, mock_pid;

static bool have(const char *cmd)
{
	return system(cmd) == 0;
}

static void wait_file(const char *path)
{
	for (int i = 0; i < 500; i++) {
		if (!access(path, F_OK))
			return;
		usleep(10000);
	}
	fail_msg("%s did not appear", path);
}

static int setup(void **state)
{
	char path[128], cmd[512];
	FILE *f;

	(void)state;
	if (!have("command -v dbus-daemon >/dev/null 2>&1") ||
	    !have("/usr/bin/python3 -c 'import dbus, dbus.service, gi.repository.GLib' >/dev/null 2>&1"))
		return 0;
	snprintf(dir, sizeof(dir), "/tmp/burrow-resolved-XXXXXX");
	assert_non_null(mkdtemp(dir));
	/*
	 * The session bus configuration lets any client own any name, so the
	 * mock may own org.freedesktop.resolve1 (the system bus policy would
	 * want a policy file installed for it).
	 */
	snprintf(cmd, sizeof(cmd),
		 "dbus-daemon --session --address=unix:path=%s/bus --fork --print-pid > %s/bus.pid "
		 "2>/dev/null", dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/bus.pid", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &bus_pid), 1);
	fclose(f);
	snprintf(address, sizeof(address), "unix:path=%s/bus", dir);
	setenv("DBUS_SYSTEM_BUS_ADDRESS", address, 1);
	mock_pid = fork();
	assert_true(mock_pid >= 0);
	if (mock_pid == 0) {
		char calls[128], ready[128];

		snprintf(calls, sizeof(calls), "%s/calls", dir);
		snprintf(ready, sizeof(ready), "%s/ready", dir);
		execl("/usr/bin/python3", "python3", "selftests/dbus/resolved-mock.py", calls, ready,
		       (char *)NULL);
		_exit(127);
	}
	snprintf(path, sizeof(path), "%s/ready", dir);
	wait_file(path);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (mock_pid > 0) {
		kill(mock_pid, SIGTERM);
		waitpid(mock_pid, NULL, 0);
	}
	if (bus_pid > 0)
		kill(bus_pid, SIGTERM);
	if (dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		(void)!system(cmd);
	}
	return 0;
}

/* The calls recorded since the last read, as one string. */
static char *calls(void)
{
	static char text[4096];
	static long seen;
	char path[128];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/calls", dir);
	f = fopen(path, "r");
	if (!f) {
		text[0] = '\0';
		return text;
	}
	fseek(f, seen, SEEK_SET);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	seen += (long)n;
	fclose(f);
	return text;
}

static void test_register_and_revert(void **state)
{
	struct burrow_resolved_link link = { .ifindex = 7, .n_servers = 2, .n_domains = 2,
					     .domains = { "mesh.burrow", "corp.example" } };
	char why[512] = "";

	(void)state;
	if (!mock_pid)
		skip();
	link.servers[0].family = AF_INET;
	memcpy(link.servers[0].addr, "\x64\x40\x00\x01", 4);
	link.servers[1].family = AF_INET6;
	link.servers[1].addr[0] = 0xfd;
	link.servers[1].addr[1] = 0x7a;
	link.servers[1].addr[15] = 1;
	assert_int_equal(burrow_resolved_register(&link, why, sizeof(why)), 0);
	assert_int_equal(burrow_resolved_revert(7, why, sizeof(why)), 0);
	assert_string_equal(calls(), "SetLinkDNS 7 100.64.0.1 fd7a::1\n"
				     "SetLinkDomains 7 ~mesh.burrow ~corp.example\n"
				     "RevertLink 7\n");
	/* resolved refusing: the D-Bus error is reported, nothing else is called. */
	link.ifindex = 99;
	assert_int_equal(burrow_resolved_register(&link, why, sizeof(why)) < 0, 1);
	assert_non_null(strstr(why, "org.freedesktop.resolve1.NoSuchLink"));
	assert_string_equal(calls(), "");
	/* No bus at all: an error, no crash. */
	setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/burrow-bus", 1);
	assert_int_equal(burrow_resolved_register(&link, why, sizeof(why)) < 0, 1);
	assert_int_equal(burrow_resolved_revert(7, why, sizeof(why)) < 0, 1);
	setenv("DBUS_SYSTEM_BUS_ADDRESS", address, 1);
}

/* ---- the responder over UDP ------------------------------------------------------- */

#define PORT 15353

static void stop_loop(void *arg)
{
	burrow_loop_stop(arg);
}

static void on_signal(int signo, void *arg)
{
	(void)signo;
	burrow_loop_stop(arg);
}

/* Run the loop for 100 ms. */
static void spin(struct burrow_loop *loop)
{
	struct burrow_timer t;

	burrow_timer_init(&t, stop_loop, loop);
	burrow_timer_arm_in(loop, &t, 100 * BURROW_NSEC_PER_MSEC);
	assert_int_equal(burrow_loop_run(loop), 0);
}

/* A query for name/type to 127.0.0.1:PORT, the rcode and first answer's RDATA byte 3. */
static int ask(struct burrow_loop *loop, const char *name, uint16_t type, int *last_byte)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PORT),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	uint8_t q[300] = { 0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 }, r[512];
	size_t len = 12;
	const char *p = name;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ssize_t n;

	while (*p) {
		size_t l = strcspn(p, ".");

		q[len++] = (uint8_t)l;
		memcpy(q + len, p, l);
		len += l;
		p += l + (p[l] == '.');
	}
	q[len++] = 0;
	q[len++] = 0;
	q[len++] = (uint8_t)type;
	q[len++] = 0;
	q[len++] = 1;
	assert_true(sendto(fd, q, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len);
	spin(loop);
	n = recv(fd, r, sizeof(r), 0);
	close(fd);
	if (n < 12)
		return -1;
	assert_int_equal(r[0], 0xab);
	*last_byte = n > (ssize_t)len + 12 ? r[n - 1] : -1;
	return r[3] & 0x0f;
}

static struct coord_peer peer(uint64_t id, const char *name, uint8_t last)
{
	struct coord_peer p = { .id = id };

	snprintf(p.name, sizeof(p.name), "%s", name);
	p.public_key[0] = (uint8_t)id;
	p.ipv4[0] = 100;
	p.ipv4[1] = 64;
	p.ipv4[3] = last;
	p.ipv6[0] = 0xfd;
	p.ipv6[15] = last;
	return p;
}

static void apply(struct coord_map *map, uint64_t version, const char *second_name)
{
	struct coord_map_self self = { .id = 1, .name = "self" };
	struct coord_peer *peers = calloc(2, sizeof(*peers));
	char why[256];

	self.addresses.ipv4.family = AF_INET;
	self.addresses.ipv4.len = 10;
	memcpy(&self.addresses.ipv4.addr, "\x7f\x00\x00\x01", 4);	/* where it listens */
	peers[0] = peer(2, "alpha", 2);
	peers[1] = peer(3, second_name, 3);
	assert_int_equal(coord_map_apply_full(map, version, &self, peers, 2, why, sizeof(why)), 0);
}

static void test_responder(void **state)
{
	struct burrow_config_dns cfg = { .enabled = true, .resolved = true, .port = PORT };
	struct burrow_loop *loop;
	struct burrowd_dns *dns;
	struct coord_map map;
	int last;

	(void)state;
	loop = burrow_loop_new(on_signal, NULL);
	assert_non_null(loop);
	coord_map_init(&map);
	apply(&map, 1, "beta");
	dns = burrowd_dns_new(loop, &cfg, "lo");
	assert_non_null(dns);
	burrowd_dns_set_map(dns, &map);
	assert_int_equal(ask(loop, "alpha.mesh.burrow", BURROW_DNS_TYPE_A, &last), 0);
	assert_int_equal(last, 2);
	assert_int_equal(ask(loop, "BETA.mesh.burrow", BURROW_DNS_TYPE_AAAA, &last), 0);
	assert_int_equal(last, 3);
	assert_int_equal(ask(loop, "self.mesh.burrow", BURROW_DNS_TYPE_A, &last), 0);
	assert_int_equal(last, 1);
	assert_int_equal(ask(loop, "nobody.mesh.burrow", BURROW_DNS_TYPE_A, &last), 3);
	assert_int_equal(ask(loop, "example.com", BURROW_DNS_TYPE_A, &last), 5);
	/* Rename: beta becomes gamma. */
	apply(&map, 2, "gamma");
	burrowd_dns_set_map(dns, &map);
	assert_int_equal(ask(loop, "beta.mesh.burrow", BURROW_DNS_TYPE_A, &last), 3);
	assert_int_equal(ask(loop, "gamma.mesh.burrow", BURROW_DNS_TYPE_A, &last), 0);
	assert_int_equal(last, 3);
	burrowd_dns_free(dns);
	if (mock_pid)
		/* lo is ifindex 1; one registration (the rename changed no address), one revert. */
		assert_string_equal(calls(), "SetLinkDNS 1 127.0.0.1\n"
					     "SetLinkDomains 1 ~mesh.burrow\n"
					     "RevertLink 1\n");
	coord_map_free(&map);
	burrow_loop_free(loop);
}

/* Spin the loop for ms milliseconds. */
static void spin_ms(struct burrow_loop *loop, uint64_t ms)
{
	struct burrow_timer t;

	burrow_timer_init(&t, stop_loop, loop);
	burrow_timer_arm_in(loop, &t, ms * BURROW_NSEC_PER_MSEC);
	assert_int_equal(burrow_loop_run(loop), 0);
}

/*
 * Split DNS: a query under corp.example goes to its upstream (a socket of
 * this test on 127.0.0.2:53) with a new id, the upstream's answer comes back
 * with the client's id; an upstream that stays silent gets SERVFAIL after 2 s.
 */
static void test_split_forwarding(void **state)
{
	struct burrow_config_dns cfg = { .enabled = true, .resolved = false, .port = PORT };
	struct sockaddr_in up_addr = { .sin_family = AF_INET, .sin_port = htons(53),
				       .sin_addr.s_addr = htonl(0x7f000002) };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PORT),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	static const uint8_t query[] = { 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
					 4, 'h', 'o', 's', 't', 4, 'c', 'o', 'r', 'p',
					 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1 };
	static struct coord_dns_config dc;
	struct sockaddr_storage from;
	socklen_t from_len = sizeof(from);
	uint8_t buf[512];
	struct burrow_capsule c;
	struct burrow_loop *loop;
	struct burrowd_dns *dns;
	struct coord_buf b;
	struct coord_map map;
	char why[256];
	int up, client;
	ssize_t n;

	(void)state;
	up = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (bind(up, (struct sockaddr *)&up_addr, sizeof(up_addr)) < 0) {
		close(up);
		skip();		/* port 53 needs root */
	}
	loop = burrow_loop_new(on_signal, NULL);
	coord_map_init(&map);
	apply(&map, 1, "beta");
	dns = burrowd_dns_new(loop, &cfg, "lo");
	burrowd_dns_set_map(dns, &map);
	snprintf(dc.domain, sizeof(dc.domain), "mesh.burrow");
	dc.n_splits = 1;
	snprintf(dc.splits[0].domain, sizeof(dc.splits[0].domain), "corp.example");
	dc.splits[0].n_servers = 2;
	dc.splits[0].servers[0].family = AF_INET;
	memcpy(dc.splits[0].servers[0].addr, "\x7f\x00\x00\x02", 4);
	dc.splits[0].servers[1].family = AF_INET;
	memcpy(dc.splits[0].servers[1].addr, "\x7f\x00\x00\x03", 4);
	coord_buf_init(&b);
	assert_int_equal(coord_msg_dns_config_encode(&b, &dc, why, sizeof(why)), 0);
	assert_true(burrow_capsule_parse_bounded(b.data, b.len, COORD_MSG_CAPSULE_MAX, &c) > 0);
	burrowd_dns_config_capsule(dns, c.value, c.length);
	coord_buf_free(&b);

	client = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_int_equal(sendto(client, query, sizeof(query), 0, (struct sockaddr *)&to,
				sizeof(to)), sizeof(query));
	spin_ms(loop, 100);
	n = recvfrom(up, buf, sizeof(buf), 0, (struct sockaddr *)&from, &from_len);
	assert_int_equal(n, sizeof(query));
	assert_memory_equal(buf + 2, query + 2, sizeof(query) - 2);	/* all but the id */
	buf[2] |= 0x80;						/* the upstream's answer */
	buf[3] = 0;
	assert_int_equal(sendto(up, buf, (size_t)n, 0, (struct sockaddr *)&from, from_len), n);
	spin_ms(loop, 100);
	n = recv(client, buf, sizeof(buf), 0);
	assert_int_equal(n, sizeof(query));
	assert_int_equal(buf[0], 0x12);
	assert_int_equal(buf[1], 0x34);
	assert_true(buf[2] & 0x80);
	assert_int_equal(buf[3] & 0x0f, 0);

	/* Silence: 127.0.0.2 after 2 s, then 127.0.0.3 after 2 s more, then SERVFAIL. */
	assert_int_equal(sendto(client, query, sizeof(query), 0, (struct sockaddr *)&to,
				sizeof(to)), sizeof(query));
	spin_ms(loop, 4300);
	n = recv(client, buf, sizeof(buf), 0);
	assert_int_equal(n, 12);
	assert_int_equal(buf[0], 0x12);
	assert_int_equal(buf[3] & 0x0f, BURROW_DNS_SERVFAIL);
	close(client);
	burrowd_dns_free(dns);
	coord_map_free(&map);
	burrow_loop_free(loop);
	close(up);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_and_revert),
		cmocka_unit_test(test_responder),
		cmocka_unit_test(test_split_forwarding),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
