// SPDX-License-Identifier: GPL-2.0
/*
 * burrowd config: a full file parsed into every field, defaults for an
 * almost empty one, and one negative case per rule, each checking the
 * exact message (file:line and the quoted key or value).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "linux/burrow.h"

#define KEY_A "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="	/* bytes 0..31 */
#define KEY_B "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="	/* bytes 32..63 */
#define KEY_C "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8="	/* bytes 64..95 */

static const char full_config[] =
	"# a comment\n"
	"[node]\n"
	"name = alpha\n"
	"private_key = /srv/alpha.key\n"
	"listen_address = fd00::1\n"
	"listen_port = 4000\n"
	"device = bw1\n"
	"state = /srv/alpha.db\n"
	"control_socket = /srv/alpha.sock\n"
	"log_level = debug\n"
	"rotation_interval = 30\n"
	"idle_timeout = 12\n"
	"ciphers = chacha20-poly1305 , aes-128-gcm\n"
	"encapsulations = quic\n"
	"mtu = 1380\n"
	"\n"
	"[peer beta]\n"
	"public_key = " KEY_B "\n"
	"endpoint = 192.0.2.2:4001\n"
	"allowed_ips = 10.0.0.2/32, fd00:10::/64\n"
	"allowed_ips = 10.1.0.0/16\n"
	"\n"
	"; another comment\n"
	"[peer gamma]\n"
	"public_key = " KEY_C "\n"
	"endpoint = [2001:db8::7]:65535\n";

static void test_full_file(void **state)
{
	struct burrow_config cfg;
	char err[BURROW_CONFIG_ERR_MAX] = "", buf[64];
	const struct burrow_config_peer *beta, *gamma;
	const struct sockaddr_in6 *listen6;
	const struct sockaddr_in *ep4;
	const struct sockaddr_in6 *ep6;
	uint8_t key_c[32];

	(void)state;
	if (burrow_config_parse_string(full_config, "/etc/burrow/alpha.conf", &cfg, err,
				       sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.instance, "alpha");
	assert_string_equal(cfg.node.name, "alpha");
	assert_string_equal(cfg.node.private_key, "/srv/alpha.key");
	listen6 = (const struct sockaddr_in6 *)&cfg.node.listen;
	assert_int_equal(listen6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(listen6->sin6_port), 4000);
	assert_int_equal(cfg.node.listen_len, sizeof(struct sockaddr_in6));
	inet_ntop(AF_INET6, &listen6->sin6_addr, buf, sizeof(buf));
	assert_string_equal(buf, "fd00::1");
	assert_int_equal(cfg.node.listen_port, 4000);
	assert_string_equal(cfg.node.device, "bw1");
	assert_string_equal(cfg.node.state, "/srv/alpha.db");
	assert_string_equal(cfg.node.control_socket, "/srv/alpha.sock");
	assert_int_equal(cfg.node.log_level, BURROW_LOG_DEBUG);
	assert_int_equal(cfg.node.rotation_interval_s, 30);
	assert_int_equal(cfg.node.idle_timeout_s, 12);
	assert_int_equal(cfg.node.n_ciphers, 2);
	assert_int_equal(cfg.node.ciphers[0], BURROW_CIPHER_CHACHA20_POLY1305);
	assert_int_equal(cfg.node.ciphers[1], BURROW_CIPHER_AES_128_GCM);
	assert_int_equal(cfg.node.n_encaps, 1);
	assert_int_equal(cfg.node.encaps[0], BURROW_ENCAP_QUIC);
	assert_int_equal(cfg.node.mtu, 1380);

	assert_int_equal(cfg.n_peers, 2);
	beta = burrow_config_peer_by_name(&cfg, "beta");
	assert_ptr_equal(beta, &cfg.peers[0]);
	assert_int_equal(beta->line, 17);
	assert_true(beta->has_endpoint);
	assert_string_equal(beta->endpoint_text, "192.0.2.2:4001");
	ep4 = (const struct sockaddr_in *)&beta->endpoint;
	assert_int_equal(ep4->sin_family, AF_INET);
	assert_int_equal(ntohs(ep4->sin_port), 4001);
	assert_int_equal(ntohl(ep4->sin_addr.s_addr), 0xc0000202);
	assert_int_equal(beta->n_allowed_ips, 3);
	burrow_prefix_format(&beta->allowed_ips[0], buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.2/32");
	burrow_prefix_format(&beta->allowed_ips[1], buf, sizeof(buf));
	assert_string_equal(buf, "fd00:10::/64");
	burrow_prefix_format(&beta->allowed_ips[2], buf, sizeof(buf));
	assert_string_equal(buf, "10.1.0.0/16");
	for (int i = 0; i < 32; i++)
		assert_int_equal(beta->public_key[i], 32 + i);

	for (int i = 0; i < 32; i++)
		key_c[i] = (uint8_t)(64 + i);
	gamma = burrow_config_peer_by_key(&cfg, key_c);
	assert_ptr_equal(gamma, &cfg.peers[1]);
	assert_string_equal(gamma->name, "gamma");
	ep6 = (const struct sockaddr_in6 *)&gamma->endpoint;
	assert_int_equal(ep6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(ep6->sin6_port), 65535);
	assert_int_equal(gamma->n_allowed_ips, 0);
	assert_null(burrow_config_peer_by_name(&cfg, "delta"));
	burrow_config_free(&cfg);
}

static void test_defaults(void **state)
{
	struct burrow_config cfg;
	char err[BURROW_CONFIG_ERR_MAX] = "";
	const struct sockaddr_in *listen4;

	(void)state;
	if (burrow_config_parse_string("[node]\nname = n1\n", "/etc/burrow/site1.conf", &cfg, err,
				       sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.instance, "site1");
	assert_string_equal(cfg.node.private_key, "/etc/burrow/site1.key");
	assert_string_equal(cfg.node.state, "/var/lib/burrow/site1.db");
	assert_string_equal(cfg.node.control_socket, "/run/burrow/site1.sock");
	listen4 = (const struct sockaddr_in *)&cfg.node.listen;
	assert_int_equal(listen4->sin_family, AF_INET);
	assert_int_equal(listen4->sin_addr.s_addr, htonl(INADDR_ANY));
	assert_int_equal(ntohs(listen4->sin_port), BURROW_CONFIG_DEFAULT_PORT);
	assert_int_equal(cfg.node.listen_port, 51820);
	assert_string_equal(cfg.node.device, "burrow0");
	assert_int_equal(cfg.node.log_level, BURROW_LOG_INFO);
	assert_int_equal(cfg.node.rotation_interval_s, 600);
	assert_int_equal(cfg.node.idle_timeout_s, 30);
	assert_int_equal(cfg.node.n_ciphers, 3);
	assert_int_equal(cfg.node.ciphers[0], BURROW_CIPHER_AES_256_GCM);
	assert_int_equal(cfg.node.ciphers[1], BURROW_CIPHER_AES_128_GCM);
	assert_int_equal(cfg.node.ciphers[2], BURROW_CIPHER_CHACHA20_POLY1305);
	assert_int_equal(cfg.node.n_encaps, 2);
	assert_int_equal(cfg.node.encaps[0], BURROW_ENCAP_UDP);
	assert_int_equal(cfg.node.encaps[1], BURROW_ENCAP_QUIC);
	assert_int_equal(cfg.node.mtu, 1420);
	assert_int_equal(cfg.node.mode, BURROW_HELLO_MODE_L3);
	assert_false(cfg.node.relay_routes);
	assert_int_equal(cfg.n_peers, 0);
	burrow_config_free(&cfg);
}

struct bad_case {
	const char *text;
	const char *error;
};

#define NODE "[node]\nname = a\n"			/* lines 1-2 */
#define PEER_B "[peer b]\npublic_key = " KEY_B "\n"	/* 2 lines */

static const struct bad_case bad_cases[] = {
	/* structure */
	{ "", "t.conf: no [node] section (it must give at least 'name')" },
	{ "[node]\n", "t.conf:1: [node] has no name (required)" },
	{ NODE "[nodes]\n", "t.conf:3: unknown section '[nodes]' (expected [node], [peer NAME], [coordinator], [dns], [relay] or [service NAME])" },
	{ NODE "[peer]\n", "t.conf:3: unknown section '[peer]' (expected [node], [peer NAME], [coordinator], [dns], [relay] or [service NAME])" },
	{ NODE "[node]\n", "t.conf:3: second [node] section (first at line 1)" },
	{ "name = a\n[node]\n", "t.conf:1: key 'name' outside a section" },
	{ NODE "lsten_port = 1\n", "t.conf:3: unknown key 'lsten_port' in [node]" },
	{ NODE "name = b\n", "t.conf:3: key 'name' given twice in [node]" },
	{ NODE "this is not ini\n",
	  "t.conf:3: syntax error (expected '[section]' or 'key = value')" },
	{ NODE "[peer b\n", "t.conf:3: section header without ']'" },
	{ NODE "  continued = x\n  more\n",
	  "t.conf:3: unknown key 'continued' in [node]" },
	/* node values */
	{ "[node]\nname = bad name\n",
	  "t.conf:2: name: invalid name 'bad name' (1-63 of A-Z a-z 0-9 . _ -)" },
	{ "[node]\nname =\n", "t.conf:2: name: invalid name '' (1-63 of A-Z a-z 0-9 . _ -)" },
	{ NODE "listen_port = 0\n", "t.conf:3: listen_port: invalid port '0' (1-65535)" },
	{ NODE "listen_port = 65536\n", "t.conf:3: listen_port: invalid port '65536' (1-65535)" },
	{ NODE "listen_port = 80x\n", "t.conf:3: listen_port: invalid port '80x' (1-65535)" },
	{ NODE "listen_port = -1\n", "t.conf:3: listen_port: invalid port '-1' (1-65535)" },
	{ NODE "listen_address = localhost\n",
	  "t.conf:3: listen_address: 'localhost' is not a numeric IPv4 or IPv6 address" },
	{ NODE "private_key = keys/a.key\n",
	  "t.conf:3: private_key: 'keys/a.key' is not an absolute path" },
	{ NODE "state = a.db\n", "t.conf:3: state: 'a.db' is not an absolute path" },
	{ NODE "control_socket = /" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	  "t.conf:3: control_socket: '/" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is longer than 107 characters" },
	{ NODE "device = a/b\n",
	  "t.conf:3: device: invalid interface name 'a/b' (1-15 characters, no '/', ':' or spaces)" },
	{ NODE "device = sixteen-chars-xy\n",
	  "t.conf:3: device: invalid interface name 'sixteen-chars-xy' (1-15 characters, no '/', ':' or spaces)" },
	{ NODE "log_level = loud\n",
	  "t.conf:3: log_level: unknown level 'loud' (error, warning, info, debug)" },
	{ NODE "rotation_interval = 5\n",
	  "t.conf:3: rotation_interval: invalid '5' (seconds: 0 for none, or 10-604800)" },
	{ NODE "rotation_interval = 10m\n",
	  "t.conf:3: rotation_interval: invalid '10m' (seconds: 0 for none, or 10-604800)" },
	{ NODE "idle_timeout = 2\n",
	  "t.conf:3: idle_timeout: invalid '2' (seconds: 3-3600)" },
	{ NODE "idle_timeout = 3601\n",
	  "t.conf:3: idle_timeout: invalid '3601' (seconds: 3-3600)" },
	{ NODE "idle_timeout = 0\n",
	  "t.conf:3: idle_timeout: invalid '0' (seconds: 3-3600)" },
	{ NODE "ciphers = aes-512-gcm\n",
	  "t.conf:3: ciphers: unknown value 'aes-512-gcm' (known: chacha20-poly1305, aes-128-gcm, aes-256-gcm)" },
	{ NODE "ciphers = aes-128-gcm, aes-128-gcm\n",
	  "t.conf:3: ciphers: 'aes-128-gcm' listed twice" },
	{ NODE "ciphers = aes-128-gcm,,aes-256-gcm\n",
	  "t.conf:3: ciphers: invalid list 'aes-128-gcm,,aes-256-gcm': empty item" },
	{ NODE "ciphers =\n", "t.conf:3: ciphers: invalid list '': empty item" },
	{ NODE "encapsulations = tcp\n",
	  "t.conf:3: encapsulations: unknown value 'tcp' (known: udp, quic)" },
	{ NODE "mtu = 100\n", "t.conf:3: mtu: invalid '100' (1280-65535)" },
	{ NODE "mtu = 70000\n", "t.conf:3: mtu: invalid '70000' (1280-65535)" },
	/* peers */
	{ NODE "[peer b]\nendpoint = 192.0.2.1:1\n", "t.conf:3: [peer b] has no public_key (required)" },
	{ NODE "[peer b]\n", "t.conf:3: [peer b] has no public_key (required)" },
	{ NODE "[peer b]\n[peer c]\npublic_key = " KEY_C "\n",
	  "t.conf:3: [peer b] has no public_key (required)" },
	{ NODE "[peer b c]\n",
	  "t.conf:3: invalid peer name 'b c' in [peer b c] (1-63 of A-Z a-z 0-9 . _ -)" },
	{ NODE PEER_B PEER_B, "t.conf:5: duplicate peer name 'b' (first at line 3)" },
	{ NODE PEER_B "[peer c]\npublic_key = " KEY_B "\n",
	  "t.conf:6: public_key: '" KEY_B "' is already the key of peer 'b' (line 3)" },
	{ NODE PEER_B "public_key = " KEY_C "\n", "t.conf:5: key 'public_key' given twice in [peer b]" },
	{ NODE PEER_B "allowedips = 10.0.0.1/32\n", "t.conf:5: unknown key 'allowedips' in [peer b]" },
	{ NODE "[peer b]\npublic_key = abc\n",
	  "t.conf:4: public_key: invalid public key 'abc': 3 characters, expected 44 (base64 of 32 bytes)" },
	{ NODE PEER_B "allowed_ips = 10.0.0.300/24\n",
	  "t.conf:5: allowed_ips: invalid prefix '10.0.0.300/24'" },
	{ NODE PEER_B "allowed_ips = 10.0.0.0/33\n",
	  "t.conf:5: allowed_ips: invalid prefix '10.0.0.0/33' (prefix length 0-32)" },
	{ NODE PEER_B "allowed_ips = fd00::/129\n",
	  "t.conf:5: allowed_ips: invalid prefix 'fd00::/129' (prefix length 0-128)" },
	{ NODE PEER_B "allowed_ips = 10.0.0.0\n",
	  "t.conf:5: allowed_ips: invalid prefix '10.0.0.0' (expected ADDRESS/LENGTH)" },
	{ NODE PEER_B "allowed_ips = 10.0.0.0/\n",
	  "t.conf:5: allowed_ips: invalid prefix '10.0.0.0/'" },
	{ NODE PEER_B "allowed_ips = 10.0.0.1/24\n",
	  "t.conf:5: allowed_ips: prefix '10.0.0.1/24' has host bits set (did you mean 10.0.0.0/24?)" },
	{ NODE PEER_B "allowed_ips = 10.0.0.0/24, 10.0.0.0/24\n",
	  "t.conf:5: allowed_ips: '10.0.0.0/24' listed twice" },
	{ NODE PEER_B "allowed_ips = 10.0.0.0/24\n[peer c]\npublic_key = " KEY_C "\nallowed_ips = 10.0.0.0/24\n",
	  "t.conf:8: allowed_ips: '10.0.0.0/24' already belongs to peer 'b'" },
	{ NODE PEER_B "endpoint = 192.0.2.1\n",
	  "t.conf:5: endpoint: invalid endpoint '192.0.2.1' (IPV4:PORT or [IPV6]:PORT)" },
	{ NODE PEER_B "endpoint = 192.0.2.1:0\n",
	  "t.conf:5: endpoint: invalid port '0' (1-65535)" },
	{ NODE PEER_B "endpoint = 192.0.2.1:70000\n",
	  "t.conf:5: endpoint: invalid port '70000' (1-65535)" },
	{ NODE PEER_B "endpoint = example.org:51820\n",
	  "t.conf:5: endpoint: invalid endpoint 'example.org:51820' (IPV4:PORT or [IPV6]:PORT)" },
	{ NODE PEER_B "endpoint = 2001:db8::1:51820\n",
	  "t.conf:5: endpoint: invalid endpoint '2001:db8::1:51820' (IPV4:PORT or [IPV6]:PORT)" },
	{ NODE PEER_B "endpoint = [2001:db8::zz]:1\n",
	  "t.conf:5: endpoint: invalid endpoint '[2001:db8::zz]:1' (IPV4:PORT or [IPV6]:PORT)" },
	{ NODE PEER_B "endpoint = [2001:db8::1]\n",
	  "t.conf:5: endpoint: invalid endpoint '[2001:db8::1]' (IPV4:PORT or [IPV6]:PORT)" },
	/* negotiation keys */
	{ NODE "address = 10.0.0.300/24\n", "t.conf:3: address: invalid address '10.0.0.300/24'" },
	{ NODE "address = 10.0.0.1/33\n", "t.conf:3: address: invalid address '10.0.0.1/33'" },
	{ NODE "address = 10.0.0.1\n",
	  "t.conf:3: address: invalid address '10.0.0.1': expected ADDRESS/LENGTH" },
	{ NODE "address_pool = 10.99.0.1/24\n",
	  "t.conf:3: address_pool: prefix '10.99.0.1/24' has host bits set (did you mean 10.99.0.0/24?)" },
	{ NODE "address_pool = 10.99.0.0/31\n",
	  "t.conf:3: address_pool: prefix '10.99.0.0/31' is too small (at most /30)" },
	{ NODE "advertise_routes = 10.20.0.0/16, 10.20.0.0/16\n",
	  "t.conf:3: advertise_routes: '10.20.0.0/16' listed twice" },
	{ NODE "advertise_routes = 10.0.0.0/8, 10.20.0.0/16\n",
	  "t.conf:3: advertise_routes: '10.20.0.0/16' overlaps '10.0.0.0/8'" },
	{ NODE "relay_routes = true\n", "t.conf:3: relay_routes: invalid 'true' (yes or no)" },
	{ NODE PEER_B "request_address = any\n",
	  "t.conf:5: request_address: invalid prefix 'any' (expected ADDRESS/LENGTH)" },
	{ NODE PEER_B "may_announce = 10.0.0.0/8,\n",
	  "t.conf:5: may_announce: invalid list '10.0.0.0/8,': empty item" },
	{ NODE PEER_B "may_reach = auto\n",
	  "t.conf:5: may_reach: invalid prefix 'auto' (expected ADDRESS/LENGTH)" },
	{ NODE PEER_B "accept_addresses = auto\n",
	  "t.conf:5: accept_addresses: invalid prefix 'auto' (expected ADDRESS/LENGTH)" },
	/* [coordinator] */
#define COORD "[coordinator]\naddress = 192.0.2.10:443\npublic_key = " KEY_C "\n"	/* 3 lines */
	{ NODE "[coordinator]\npublic_key = " KEY_C "\n",
	  "t.conf:3: [coordinator] has no address (required, or relay and relay_ticket)" },
	{ NODE "[coordinator]\naddress = 192.0.2.10:443\n",
	  "t.conf:3: [coordinator] has no public_key (required)" },
	{ NODE COORD COORD, "t.conf:6: second [coordinator] section (first at line 3)" },
	{ NODE COORD "adress = 192.0.2.1:1\n", "t.conf:6: unknown key 'adress' in [coordinator]" },
	{ NODE COORD "address = 192.0.2.1:1\n", "t.conf:6: key 'address' given twice in [coordinator]" },
	{ NODE "[coordinator]\naddress = coord.example:443\n",
	  "t.conf:4: address: invalid endpoint 'coord.example:443' (IPV4:PORT or [IPV6]:PORT)" },
	{ NODE "[coordinator]\npublic_key = short\n",
	  "t.conf:4: public_key: invalid public key 'short': 5 characters, expected 44 (base64 of 32 bytes)" },
	{ NODE COORD "relay_after = 5s\n",
	  "t.conf:6: relay_after: invalid '5s' (seconds, 0..86400; 0 = never)" },
	{ NODE COORD "relay_after = -1\n",
	  "t.conf:6: relay_after: invalid '-1' (seconds, 0..86400; 0 = never)" },
	{ NODE COORD "relay_after = 86401\n",
	  "t.conf:6: relay_after: invalid '86401' (seconds, 0..86400; 0 = never)" },
	{ NODE COORD "relay_after = 99999999999999999999999\n",
	  "t.conf:6: relay_after: invalid '99999999999999999999999' (seconds, 0..86400; 0 = never)" },
	{ NODE COORD "relay_after = 3\nrelay_after = 4\n",
	  "t.conf:7: key 'relay_after' given twice in [coordinator]" },
	{ NODE COORD "auth_key_file = keys/a\n",
	  "t.conf:6: auth_key_file: 'keys/a' is not an absolute path" },
	{ NODE COORD "endpoint = 192.0.2.1:51820, 192.0.2.1:0\n",
	  "t.conf:6: endpoint: invalid port '0' (1-65535)" },
	{ NODE COORD "endpoint = 192.0.2.1:51820\nendpoint = 192.0.2.1:51820\n",
	  "t.conf:7: endpoint: '192.0.2.1:51820' is given twice" },
	/* [dns] */
	{ NODE "[dns]\n", "t.conf:3: [dns] needs a [coordinator]: names come from its node map (or set enabled = no)" },
	{ NODE COORD "[dns]\nport = 0\n", "t.conf:7: port: invalid '0' (1-65535)" },
	{ NODE COORD "[dns]\nport = 65536\n", "t.conf:7: port: invalid '65536' (1-65535)" },
	{ NODE COORD "[dns]\nport = 53x\n", "t.conf:7: port: invalid '53x' (1-65535)" },
	{ NODE COORD "[dns]\nenabled = true\n", "t.conf:7: enabled: invalid 'true' (yes or no)" },
	{ NODE COORD "[dns]\nresolved = 1\n", "t.conf:7: resolved: invalid '1' (yes or no)" },
	{ NODE COORD "[dns]\nport = 53\nport = 53\n", "t.conf:8: key 'port' given twice in [dns]" },
	{ NODE COORD "[dns]\nrecursive = yes\n", "t.conf:7: unknown key 'recursive' in [dns]" },
	{ NODE COORD "[dns]\n[dns]\n", "t.conf:7: second [dns] section (first at line 6)" },
	/* [relay] */
	{ NODE "[relay]\nenabled = yes\n", "t.conf:3: [relay] needs a [coordinator]: its public_key signs the relay tickets (or set enabled = no)" },
	{ NODE COORD "[relay]\nenabled = true\n", "t.conf:7: enabled: invalid 'true' (yes or no)" },
	{ NODE COORD "[relay]\nenabled = YES\n", "t.conf:7: enabled: invalid 'YES' (yes or no)" },
	{ NODE COORD "[relay]\nenabled =\n", "t.conf:7: enabled: invalid '' (yes or no)" },
	{ NODE COORD "[relay]\nenabled = yes\nenabled = no\n", "t.conf:8: key 'enabled' given twice in [relay]" },
	{ NODE COORD "[relay]\nticket = x\n", "t.conf:7: unknown key 'ticket' in [relay]" },
	{ NODE COORD "[relay]\n[relay]\n", "t.conf:7: second [relay] section (first at line 6)" },
	{ NODE PEER_B "accept_addresses = 10.99.0.1/24\n",
	  "t.conf:5: accept_addresses: prefix '10.99.0.1/24' has host bits set (did you mean 10.99.0.0/24?)" },
	/* mode l2 */
	{ NODE "mode = l4\n", "t.conf:3: mode: unknown mode 'l4' (l3 or l2)" },
	{ NODE "mode = L2\n", "t.conf:3: mode: unknown mode 'L2' (l3 or l2)" },
	{ NODE "mode =\n", "t.conf:3: mode: unknown mode '' (l3 or l2)" },
	{ NODE "mode = l2\nmode = l3\n", "t.conf:4: key 'mode' given twice in [node]" },
	{ NODE "mode = l2\n" PEER_B "segments = 10, 4095\n",
	  "t.conf:6: segments: invalid VLAN id '4095' (0 for untagged frames, or 1-4094)" },
	{ NODE "mode = l2\n" PEER_B "segments = 10, -1\n",
	  "t.conf:6: segments: invalid VLAN id '-1' (0 for untagged frames, or 1-4094)" },
	{ NODE "mode = l2\n" PEER_B "segments = ten\n",
	  "t.conf:6: segments: invalid VLAN id 'ten' (0 for untagged frames, or 1-4094)" },
	{ NODE "mode = l2\n" PEER_B "segments = 20, 10, 20\n",
	  "t.conf:6: segments: '20' listed twice" },
	{ NODE "mode = l2\n" PEER_B "segments = 10,,20\n",
	  "t.conf:6: segments: invalid list '10,,20': empty item" },
	{ NODE "mode = l2\n" PEER_B "segments =\n", "t.conf:6: segments: invalid list '': empty item" },
	{ NODE "mode = l2\n" PEER_B "segments = 1\nsegments = 2\n",
	  "t.conf:7: key 'segments' given twice in [peer b]" },
	{ NODE "mode = l2\n" PEER_B "mac_limit = 4294967296\n",
	  "t.conf:6: mac_limit: invalid '4294967296' (0 for no limit, or up to 4294967295)" },
	{ NODE "mode = l2\n" PEER_B "flood_rate = fast\n",
	  "t.conf:6: flood_rate: invalid 'fast' (0 for no limit, or up to 4294967295)" },
	{ NODE PEER_B "endpoint = 192.0.2.2:1\nsegments = 10\n",
	  "t.conf:6: [peer b]: segments, mac_limit and flood_rate need mode = l2 in [node]" },
	{ NODE "mode = l3\n" PEER_B "flood_rate = 10\n",
	  "t.conf:6: [peer b]: segments, mac_limit and flood_rate need mode = l2 in [node]" },
	/* [node] after the peer: the mode is checked once the file is read. */
	{ PEER_B "mac_limit = 5\n" NODE,
	  "t.conf:3: [peer b]: segments, mac_limit and flood_rate need mode = l2 in [node]" },
};

static void test_bad_configs(void **state)
{
	struct burrow_config cfg;
	char err[BURROW_CONFIG_ERR_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		int ret;

		memset(err, 0, sizeof(err));
		ret = burrow_config_parse_string(bad_cases[i].text, "t.conf", &cfg, err,
						 sizeof(err));
		if (ret != -EINVAL || strcmp(err, bad_cases[i].error))
			fail_msg("case %zu: returned %d with\n  '%s'\nexpected\n  '%s'\nfor:\n%s", i,
				 ret, err, bad_cases[i].error, bad_cases[i].text);
		/* a failed parse leaves nothing to free */
		assert_null(cfg.peers);
		assert_null(cfg.path);
	}
}

/* [coordinator]: every key, and its text kept for burrow_config_copy. */
#define COORD_KEYS "[coordinator]\naddress = 192.0.2.10:443\npublic_key = " KEY_C "\n"
static void test_coordinator(void **state)
{
	static const char text[] =
		NODE
		"[coordinator]\n"
		"address = [2001:db8::10]:7443\n"
		"public_key = " KEY_C "\n"
		"auth_key_file = /etc/burrow/a.authkey\n"
		"endpoint = 192.0.2.1:51820, [2001:db8::1]:51820\n"
		"endpoint = 198.51.100.1:4000\n"
		PEER_B;
	struct burrow_config cfg, copy;
	struct burrow_config_peer extra = { .name = "from-map" };
	char err[BURROW_CONFIG_ERR_MAX] = "";
	uint8_t key_c[32];

	(void)state;
	if (burrow_config_parse_string(text, "t.conf", &cfg, err, sizeof(err)))
		fail_msg("%s", err);
	for (int i = 0; i < 32; i++)
		key_c[i] = (uint8_t)(64 + i);
	assert_true(cfg.coordinator.enabled);
	assert_string_equal(cfg.coordinator.address_text, "[2001:db8::10]:7443");
	assert_int_equal(cfg.coordinator.address.ss_family, AF_INET6);
	assert_memory_equal(cfg.coordinator.public_key, key_c, 32);
	assert_string_equal(cfg.coordinator.auth_key_file, "/etc/burrow/a.authkey");
	assert_int_equal(cfg.coordinator.n_endpoints, 3);
	assert_int_equal(cfg.coordinator.endpoints[2].port, 4000);
	assert_int_equal(cfg.coordinator.relay_after, BURROW_CONFIG_RELAY_AFTER_DEFAULT);
	assert_int_equal(cfg.n_peers, 1);
	assert_int_equal(cfg.n_file_peers, 1);

	/* A peer from elsewhere follows the file's; a copy has the file's only. */
	assert_int_equal(burrow_config_peer_append(&cfg, &extra), 0);
	assert_int_equal(cfg.n_peers, 2);
	assert_int_equal(cfg.n_file_peers, 1);
	assert_string_equal(cfg.peers[1].name, "from-map");
	assert_int_equal(burrow_config_copy(&cfg, &copy, err, sizeof(err)), 0);
	assert_int_equal(copy.n_peers, 1);
	assert_string_equal(copy.peers[0].name, "b");
	assert_true(burrow_config_coordinator_equal(&cfg.coordinator, &copy.coordinator));
	copy.coordinator.relay_after = 0;
	assert_false(burrow_config_coordinator_equal(&cfg.coordinator, &copy.coordinator));
	copy.coordinator.relay_after = cfg.coordinator.relay_after;
	copy.coordinator.endpoints[0].port = 1;
	assert_false(burrow_config_coordinator_equal(&cfg.coordinator, &copy.coordinator));
	burrow_config_free(&copy);
	burrow_config_free(&cfg);

	/* relay_after: 0 (never) and the largest value. */
	{
		static const char zero[] = NODE COORD_KEYS "relay_after = 0\n";
		static const char most[] = NODE COORD_KEYS "relay_after = 86400\n";

		if (burrow_config_parse_string(zero, "t.conf", &cfg, err, sizeof(err)))
			fail_msg("%s", err);
		assert_int_equal(cfg.coordinator.relay_after, 0);
		burrow_config_free(&cfg);
		if (burrow_config_parse_string(most, "t.conf", &cfg, err, sizeof(err)))
			fail_msg("%s", err);
		assert_int_equal(cfg.coordinator.relay_after, 86400);
		burrow_config_free(&cfg);
	}

	/* No section: not enabled, and equal to another file without one. */
	if (burrow_config_parse_string(NODE, "t.conf", &cfg, err, sizeof(err)))
		fail_msg("%s", err);
	assert_false(cfg.coordinator.enabled);
	assert_false(cfg.dns.enabled);		/* MagicDNS needs a coordinator */
	burrow_config_free(&cfg);
}

/*
 * [coordinator] relay + relay_ticket: both or neither, never with address,
 * and the ticket must decode and name the coordinator (public_key) as one
 * of its pair. The ticket is built here (the config checks no signature:
 * the relay does).
 */
static void ticket_text(const uint8_t *a, const uint8_t *b, uint32_t id,
			char text[BURROW_RELAY_TICKET_TEXT_SIZE])
{
	struct burrow_relay_ticket t = { .version = 1, .id = id, .expiry = 1800000000 };

	memset(t.relay, 0x77, 32);
	memcpy(t.a, a, 32);
	memcpy(t.b, b, 32);
	burrow_relay_ticket_to_text(&t, text);
}

static void expect_error(const char *text, const char *error)
{
	struct burrow_config cfg;
	char err[BURROW_CONFIG_ERR_MAX] = "";
	int ret = burrow_config_parse_string(text, "t.conf", &cfg, err, sizeof(err));

	if (ret != -EINVAL || strcmp(err, error))
		fail_msg("returned %d with\n  '%s'\nexpected\n  '%s'\nfor:\n%s", ret, err, error,
			 text);
}

static void test_coordinator_relay(void **state)
{
	char good[BURROW_RELAY_TICKET_TEXT_SIZE], other[BURROW_RELAY_TICKET_TEXT_SIZE];
	char text[2048], expected[512], bad[BURROW_RELAY_TICKET_TEXT_SIZE];
	char err[BURROW_CONFIG_ERR_MAX] = "";
	uint8_t node[32], key_c[32], stranger[32];
	struct burrow_config cfg, cfg2;

	(void)state;
	memset(node, 0x01, 32);			/* < key_c: party a */
	for (int i = 0; i < 32; i++)
		key_c[i] = (uint8_t)(64 + i);
	memset(stranger, 0x02, 32);
	ticket_text(node, key_c, 4242, good);
	ticket_text(node, stranger, 4343, other);

	/* A good one: no address, the relay and the ticket kept. */
	snprintf(text, sizeof(text), NODE "[coordinator]\npublic_key = " KEY_C "\n"
		 "relay = 198.51.100.7:51820\nrelay_ticket = %s\n", good);
	if (burrow_config_parse_string(text, "t.conf", &cfg, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(cfg.coordinator.enabled);
	assert_int_equal(cfg.coordinator.address_len, 0);
	assert_int_equal(cfg.coordinator.relay.ss_family, AF_INET);
	assert_string_equal(cfg.coordinator.relay_text, "198.51.100.7:51820");
	assert_int_equal(cfg.coordinator.relay_ticket.id, 4242);
	assert_int_equal(cfg.coordinator.relay_ticket_line, 6);
	assert_memory_equal(cfg.coordinator.relay_ticket.a, node, 32);

	/* At start: the ticket must name this node's key too. */
	assert_int_equal(burrow_config_coordinator_check_node(&cfg, node, err, sizeof(err)), 0);
	assert_int_equal(burrow_config_coordinator_check_node(&cfg, stranger, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t.conf:6: relay_ticket: ticket 4242 is not for this node "
			    "(public key AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=)");

	/* A restart-worthy change: another ticket, or another relay. */
	assert_int_equal(burrow_config_copy(&cfg, &cfg2, err, sizeof(err)), 0);
	assert_true(burrow_config_coordinator_equal(&cfg.coordinator, &cfg2.coordinator));
	cfg2.coordinator.relay_ticket.id = 4243;
	assert_false(burrow_config_coordinator_equal(&cfg.coordinator, &cfg2.coordinator));
	cfg2.coordinator.relay_ticket.id = 4242;
	((struct sockaddr_in *)&cfg2.coordinator.relay)->sin_port = htons(1);
	assert_false(burrow_config_coordinator_equal(&cfg.coordinator, &cfg2.coordinator));
	burrow_config_free(&cfg2);
	burrow_config_free(&cfg);

	/* Both or neither. */
	expect_error(NODE "[coordinator]\npublic_key = " KEY_C "\nrelay = 198.51.100.7:51820\n",
		     "t.conf:3: [coordinator] has relay but no relay_ticket (both or neither)");
	snprintf(text, sizeof(text), NODE "[coordinator]\npublic_key = " KEY_C "\n"
		 "relay_ticket = %s\n", good);
	expect_error(text, "t.conf:3: [coordinator] has relay_ticket but no relay (both or neither)");
	/* Neither and no address: address is required. */
	expect_error(NODE "[coordinator]\npublic_key = " KEY_C "\n",
		     "t.conf:3: [coordinator] has no address (required, or relay and relay_ticket)");

	/* Address with relay: the address line, named. */
	snprintf(text, sizeof(text), NODE "[coordinator]\npublic_key = " KEY_C "\n"
		 "relay = 198.51.100.7:51820\nrelay_ticket = %s\naddress = 192.0.2.10:443\n", good);
	expect_error(text, "t.conf:7: address: '192.0.2.10:443' with relay = 198.51.100.7:51820 "
		     "(the coordinator is reached only through the relay: remove address)");

	/* A bad relay, a bad ticket, one given twice. */
	snprintf(text, sizeof(text), NODE "[coordinator]\npublic_key = " KEY_C "\n"
		 "relay = relay.example:51820\nrelay_ticket = %s\n", good);
	expect_error(text, "t.conf:5: relay: invalid endpoint 'relay.example:51820' "
		     "(IPV4:PORT or [IPV6]:PORT)");
	expect_error(NODE "[coordinator]\npublic_key = " KEY_C "\nrelay = 198.51.100.7:51820\n"
		     "relay_ticket = not-a-ticket-at-all!\n",
		     "t.conf:6: relay_ticket: invalid ticket 'not-a-ticket-at-...': "
		     "not base64");
	snprintf(bad, sizeof(bad), "%s", good);
	bad[0] = bad[0] == 'A' ? 'B' : 'A';	/* version byte no longer 1 */
	snprintf(text, sizeof(text), NODE "[coordinator]\npublic_key = " KEY_C "\n"
		 "relay = 198.51.100.7:51820\nrelay_ticket = %s\n", bad);
	if (burrow_config_parse_string(text, "t.conf", &cfg, err, sizeof(err)) != -EINVAL ||
	    strncmp(err, "t.conf:6: relay_ticket: invalid ticket '", 40))
		fail_msg("a corrupted ticket: '%s'", err);
	snprintf(text, sizeof(text), NODE "[coordinator]\npublic_key = " KEY_C "\n"
		 "relay = 198.51.100.7:51820\nrelay = 198.51.100.7:51821\n");
	expect_error(text, "t.conf:6: key 'relay' given twice in [coordinator]");

	/* A ticket for another coordinator: its pair lacks public_key. */
	snprintf(text, sizeof(text), NODE "[coordinator]\nrelay_ticket = %s\n"
		 "relay = 198.51.100.7:51820\npublic_key = " KEY_C "\n", other);
	snprintf(expected, sizeof(expected), "t.conf:4: relay_ticket: ticket 4343 is not for this "
		 "coordinator (its pair does not include public_key; issue it with burrow-coord "
		 "control-ticket issue)");
	expect_error(text, expected);
}

/* [dns]: on by default with a [coordinator], and every key. */
static void test_dns_section(void **state)
{
	struct burrow_config cfg;
	char err[BURROW_CONFIG_ERR_MAX] = "";

	(void)state;
	if (burrow_config_parse_string(NODE COORD, "t.conf", &cfg, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(cfg.dns.enabled);
	assert_true(cfg.dns.resolved);
	assert_int_equal(cfg.dns.port, 53);
	assert_false(cfg.dns.present);
	burrow_config_free(&cfg);
	if (burrow_config_parse_string(NODE COORD "[dns]\nresolved = no\nport = 5353\n", "t.conf",
				       &cfg, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(cfg.dns.enabled);
	assert_false(cfg.dns.resolved);
	assert_int_equal(cfg.dns.port, 5353);
	{
		struct burrow_config_dns other = cfg.dns;

		assert_true(burrow_config_dns_equal(&cfg.dns, &other));
		other.port = 53;
		assert_false(burrow_config_dns_equal(&cfg.dns, &other));
		other = cfg.dns;
		other.resolved = true;
		assert_false(burrow_config_dns_equal(&cfg.dns, &other));
	}
	burrow_config_free(&cfg);
	if (burrow_config_parse_string(NODE "[dns]\nenabled = no\n", "t.conf", &cfg, err,
				       sizeof(err)))
		fail_msg("%s", err);
	assert_false(cfg.dns.enabled);
	burrow_config_free(&cfg);
}

/* [relay]: off by default, on with enabled = yes and a [coordinator]. */
static void test_relay_section(void **state)
{
	struct burrow_config cfg;
	char err[BURROW_CONFIG_ERR_MAX] = "";

	(void)state;
	if (burrow_config_parse_string(NODE COORD, "t.conf", &cfg, err, sizeof(err)))
		fail_msg("%s", err);
	assert_false(cfg.relay.enabled);
	assert_false(cfg.relay.present);
	burrow_config_free(&cfg);
	if (burrow_config_parse_string(NODE COORD "[relay]\nenabled = yes\n", "t.conf", &cfg, err,
				       sizeof(err)))
		fail_msg("%s", err);
	assert_true(cfg.relay.enabled);
	assert_true(cfg.relay.present);
	assert_int_equal(cfg.relay.line, 6);
	{
		struct burrow_config_relay other = cfg.relay;

		assert_true(burrow_config_relay_equal(&cfg.relay, &other));
		other.enabled = false;
		assert_false(burrow_config_relay_equal(&cfg.relay, &other));
	}
	burrow_config_free(&cfg);
	/* enabled = no, or an empty section, needs no coordinator */
	if (burrow_config_parse_string(NODE "[relay]\nenabled = no\n", "t.conf", &cfg, err,
				       sizeof(err)))
		fail_msg("%s", err);
	assert_false(cfg.relay.enabled);
	burrow_config_free(&cfg);
	if (burrow_config_parse_string(NODE "[relay]\n", "t.conf", &cfg, err, sizeof(err)))
		fail_msg("%s", err);
	assert_false(cfg.relay.enabled);
	burrow_config_free(&cfg);
}

static void test_comments(void **state)
{
	struct burrow_config cfg;
	char err[BURROW_CONFIG_ERR_MAX] = "";

	(void)state;
	/* ';' after a blank starts an inline comment; '#' only at line start */
	if (burrow_config_parse_string("# c\n; c\n[node] ; c\nname = a ; c\nlisten_port = 4000 ; c\n",
				       "t.conf", &cfg, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.node.name, "a");
	assert_int_equal(cfg.node.listen_port, 4000);
	burrow_config_free(&cfg);
	assert_int_equal(burrow_config_parse_string("[node]\nname = a # c\n", "t.conf", &cfg, err,
						    sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:2: name: invalid name 'a # c' (1-63 of A-Z a-z 0-9 . _ -)");
	assert_int_equal(burrow_config_parse_string("[node]\nname = a\nmtu = 1400;c\n", "t.conf",
						    &cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:3: mtu: invalid '1400;c' (1280-65535)");
}

static void test_bom_and_crlf(void **state)
{
	struct burrow_config cfg;
	char err[BURROW_CONFIG_ERR_MAX] = "";

	(void)state;
	/* Files saved by Windows editors: a byte order mark and CRLF line ends. */
	if (burrow_config_parse_string("\xEF\xBB\xBF[node]\r\nname = a\r\n[peer b]\r\npublic_key = "
				       KEY_B "\r\nallowed_ips = 10.0.0.0/8\r\n", "t.conf", &cfg,
				       err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.node.name, "a");
	assert_int_equal(cfg.n_peers, 1);
	assert_int_equal(cfg.peers[0].n_allowed_ips, 1);
	burrow_config_free(&cfg);
}

static void test_long_line(void **state)
{
	struct burrow_config cfg;
	char err[BURROW_CONFIG_ERR_MAX], text[1024];

	(void)state;
	snprintf(text, sizeof(text), NODE PEER_B "allowed_ips = ");
	while (strlen(text) < 600)
		strcat(text, "10.0.0.1/32,");
	strcat(text, "10.0.0.2/32\n");
	assert_int_equal(burrow_config_parse_string(text, "t.conf", &cfg, err, sizeof(err)), -EINVAL);
	/* Whatever the limit, the message says which line and why; no silent split. */
	assert_non_null(strstr(err, "t.conf:5: line longer than"));
}

static void test_load_file(void **state)
{
	char dir[] = "/tmp/burrowd-config-XXXXXX", path[64], err[BURROW_CONFIG_ERR_MAX];
	struct burrow_config cfg;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/nope.conf", dir);
	assert_int_equal(burrow_config_load(path, &cfg, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));

	snprintf(path, sizeof(path), "%s/edge.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(NODE PEER_B "endpoint = [2001:db8::1]:7\n", f);
	fclose(f);
	assert_int_equal(burrow_config_load(path, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.instance, "edge");
	assert_string_equal(cfg.path, path);
	assert_int_equal(cfg.n_peers, 1);
	burrow_config_free(&cfg);

	f = fopen(path, "w");
	fputs(NODE "bogus = 1\n", f);
	fclose(f);
	assert_int_equal(burrow_config_load(path, &cfg, err, sizeof(err)), -EINVAL);
	{
		char expect[160];

		snprintf(expect, sizeof(expect), "%s:3: unknown key 'bogus' in [node]", path);
		assert_string_equal(err, expect);
	}

	f = fopen(path, "w");
	fwrite(NODE "\0x\n", 1, sizeof(NODE "\0x\n") - 1, f);
	fclose(f);
	assert_int_equal(burrow_config_load(path, &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "NUL byte"));
	unlink(path);
	rmdir(dir);
}

static void test_negotiation_keys(void **state)
{
	static const char text[] =
		NODE
		"address = 10.99.0.1/24, fd99::1/64\n"
		"address_pool = 10.99.0.0/24\n"
		"advertise_routes = 10.99.0.0/24, 10.50.0.0/16\n"
		"relay_routes = yes\n"
		PEER_B
		"request_address = auto, auto6, 10.99.0.7/32\n"
		"accept_addresses = 10.99.0.0/24, fd99::/64\n"
		"may_announce = 10.20.0.0/16\n";
	struct burrow_config cfg;
	char err[BURROW_CONFIG_ERR_MAX] = "", buf[64];
	const struct burrow_config_peer *b;

	(void)state;
	if (burrow_config_parse_string(text, "t.conf", &cfg, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	/* An interface address keeps its host bits. */
	assert_int_equal(cfg.node.addresses.n, 2);
	assert_int_equal(cfg.node.addresses.items[0].len, 24);
	assert_int_equal(cfg.node.addresses.items[0].addr.bytes[3], 1);
	assert_int_equal(cfg.node.addresses.items[1].family, AF_INET6);
	assert_int_equal(cfg.node.address_pool.n, 1);
	assert_int_equal(cfg.node.advertise_routes.n, 2);
	assert_true(cfg.node.relay_routes);
	b = burrow_config_peer_by_name(&cfg, "b");
	assert_non_null(b);
	/* auto and auto6: the all-zero "no preference" of RFC 9484. */
	assert_int_equal(b->request_address.n, 3);
	burrow_prefix_format(&b->request_address.items[0], buf, sizeof(buf));
	assert_string_equal(buf, "0.0.0.0/32");
	burrow_prefix_format(&b->request_address.items[1], buf, sizeof(buf));
	assert_string_equal(buf, "::/128");
	assert_int_equal(b->may_announce.n, 1);
	assert_int_equal(b->accept_addresses.n, 2);
	burrow_prefix_format(&b->accept_addresses.items[1], buf, sizeof(buf));
	assert_string_equal(buf, "fd99::/64");
	/* Without may_reach the peer hears of every advertised route. */
	assert_false(b->has_may_reach);
	burrow_config_free(&cfg);
}

static void test_l2_keys(void **state)
{
	static const char text[] =
		NODE
		"mode = l2\n"
		PEER_B
		"segments = 20, 0 ,10\n"
		"mac_limit = 0\n"
		"flood_rate = 4294967295\n"
		"[peer c]\npublic_key = " KEY_C "\n";
	struct burrow_config cfg, copy;
	char err[BURROW_CONFIG_ERR_MAX] = "", what[128];
	const struct burrow_config_peer *b, *c;

	(void)state;
	if (burrow_config_parse_string(text, "t.conf", &cfg, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(cfg.node.mode, BURROW_HELLO_MODE_L2);
	b = &cfg.peers[0];
	c = &cfg.peers[1];
	/* Kept ascending, as HELLO sends them. */
	assert_true(b->has_segments);
	assert_int_equal(b->n_segments, 3);
	assert_int_equal(b->segments[0], 0);
	assert_int_equal(b->segments[1], 10);
	assert_int_equal(b->segments[2], 20);
	assert_true(b->mac_limit_set);
	assert_int_equal(b->mac_limit, 0);
	assert_true(b->flood_rate_set);
	assert_int_equal(b->flood_rate, 4294967295u);
	/* Unset: HELLO offers {0}, the kernel keeps its defaults. */
	assert_false(c->has_segments);
	assert_int_equal(c->n_segments, 0);
	assert_false(c->mac_limit_set);
	assert_false(c->flood_rate_set);

	/* A reload that changes them renegotiates the peer; mode needs a restart. */
	assert_int_equal(burrow_config_copy(&cfg, &copy, err, sizeof(err)), 0);
	assert_int_equal(burrow_config_peer_compare(&cfg.peers[0], &copy.peers[0], what, sizeof(what)),
			 BURROW_CONFIG_PEER_SAME);
	copy.peers[0].segments[2] = 30;
	assert_int_equal(burrow_config_peer_compare(&cfg.peers[0], &copy.peers[0], what, sizeof(what)),
			 BURROW_CONFIG_PEER_REPLACE);
	assert_string_equal(what, "segments");
	copy.peers[0].segments[2] = 20;
	copy.peers[0].mac_limit = 7;
	assert_int_equal(burrow_config_peer_compare(&cfg.peers[0], &copy.peers[0], what, sizeof(what)),
			 BURROW_CONFIG_PEER_REPLACE);
	assert_string_equal(what, "mac_limit/flood_rate");
	copy.node.mode = BURROW_HELLO_MODE_L3;
	assert_int_equal(burrow_config_node_diff(&cfg.node, &copy.node, err, sizeof(err)), -EBUSY);
	assert_string_equal(err, "mode changed: restart burrowd to apply");
	burrow_config_free(&copy);
	burrow_config_free(&cfg);

	/* The default is l3; "l3" may be said. */
	if (burrow_config_parse_string(NODE "mode = l3\n", "t.conf", &cfg, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(cfg.node.mode, BURROW_HELLO_MODE_L3);
	burrow_config_free(&cfg);
}

static void test_example_file(void **state)
{
	struct burrow_config cfg;
	char err[BURROW_CONFIG_ERR_MAX] = "";

	(void)state;
	/* The shipped example must always parse. */
	if (burrow_config_load("userspace/burrowd.conf.example", &cfg, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_true(cfg.n_peers >= 1);
	burrow_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_coordinator),
		cmocka_unit_test(test_coordinator_relay),
		cmocka_unit_test(test_dns_section),
		cmocka_unit_test(test_relay_section),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_bom_and_crlf),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_negotiation_keys),
		cmocka_unit_test(test_l2_keys),
		cmocka_unit_test(test_example_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
