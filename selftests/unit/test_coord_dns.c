// SPDX-License-Identifier: GPL-2.0
/* burrow-coord's DNS config file (userspace/coord/coord_dns.c): values and every error. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "coord_dns.h"

static struct coord_dns_config cfg;

static void test_default_and_values(void **state)
{
	char why[512] = "";

	(void)state;
	assert_int_equal(coord_dns_config_parse("", "dns.conf", &cfg, why, sizeof(why)), 0);
	assert_string_equal(cfg.domain, "mesh.burrow");
	assert_int_equal(cfg.n_splits, 0);
	assert_int_equal(coord_dns_config_parse("# comment\n[dns]\n"
						"domain = Corp.Mesh.  ; trailing comment\n"
						"split = Example.COM 10.0.0.53, fd00::53\n"
						"split = lab.internal 10.1.0.53\n",
						"dns.conf", &cfg, why, sizeof(why)), 0);
	assert_string_equal(cfg.domain, "corp.mesh");
	assert_int_equal(cfg.n_splits, 2);
	assert_string_equal(cfg.splits[0].domain, "example.com");
	assert_int_equal(cfg.splits[0].n_servers, 2);
	assert_int_equal(cfg.splits[0].servers[0].family, AF_INET);
	assert_int_equal(cfg.splits[0].servers[0].addr[3], 53);
	assert_int_equal(cfg.splits[0].servers[1].family, AF_INET6);
	assert_int_equal(cfg.splits[0].servers[1].addr[15], 0x53);
	assert_string_equal(cfg.splits[1].domain, "lab.internal");
}

static void test_errors_name_the_token(void **state)
{
	static const struct { const char *text; const char *says; } bad[] = {
		{ "domain = a\n", "dns.conf:1: 'domain = a' before the [dns] section" },
		{ "[dnz]\n", "dns.conf:1: unknown section '[dnz]'" },
		{ "[dns]\n[dns]\n", "dns.conf:2: second [dns] section" },
		{ "[dns]\ndomian = a\n", "dns.conf:2: unknown key 'domian'" },
		{ "[dns]\ndomain\n", "'domain' is not KEY = VALUE" },
		{ "[dns]\ndomain = a\ndomain = b\n", "dns.conf:3: domain given twice (first at line 2)" },
		{ "[dns]\ndomain = me_sh.burrow\n", "label 'me_sh'" },
		{ "[dns]\ndomain = a..b\n", "empty label" },
		{ "[dns]\ndomain =\n", "empty domain" },
		{ "[dns]\nsplit = corp.example\n", "'corp.example' has no server" },
		{ "[dns]\nsplit = corp.example 10.0.0.300\n", "server '10.0.0.300' of 'corp.example'" },
		{ "[dns]\nsplit = corp.example dns.google\n", "server 'dns.google'" },
		{ "[dns]\nsplit = corp.example 10.0.0.1,\n", "dns.conf:2: split: server '' of" },
		{ "[dns]\nsplit = c_rp 10.0.0.1\n", "label 'c_rp'" },
		{ "[dns]\nsplit = a.mesh.burrow 10.0.0.1\n", "'a.mesh.burrow' is the mesh domain" },
		{ "[dns]\nsplit = x 1.1.1.1\nsplit = X 1.1.1.2\n", "split domain 'x' is given twice" },
		{ "[dns]\nsplit = x 1.1.1.1,1.1.1.1,1.1.1.1,1.1.1.1,1.1.1.1,1.1.1.1,1.1.1.1,1.1.1.1,1.1.1.1\n",
		  "more than 8 servers" },
	};
	char why[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = coord_dns_config_parse(bad[i].text, "dns.conf", &cfg, why, sizeof(why));

		if (ret != -EINVAL || !strstr(why, bad[i].says))
			fail_msg("case %zu: %d '%s' (want '%s')", i, ret, why, bad[i].says);
	}
}

static void test_load(void **state)
{
	char path[] = "/tmp/burrow-coord-dns-XXXXXX", why[512];
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("[dns]\ndomain = m.test\n", f);
	fclose(f);
	assert_int_equal(coord_dns_config_load(path, &cfg, why, sizeof(why)), 0);
	assert_string_equal(cfg.domain, "m.test");
	unlink(path);
	assert_int_equal(coord_dns_config_load(path, &cfg, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_and_values),
		cmocka_unit_test(test_errors_name_the_token),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
