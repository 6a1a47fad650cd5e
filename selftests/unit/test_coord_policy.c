// SPDX-License-Identifier: GPL-2.0
/*
 * Coordinator policy (coord_policy.c): rules allow and deny, visibility is
 * symmetric, groups, tags, '*', dst prefixes against approved routes, exit
 * routes only through a covering prefix, auto-approvers, no policy = no
 * peers; every validation error with its line and rule path; JSON syntax
 * errors with line:column; the position scanner on tricky strings; and
 * visible/affected sets against a brute-force evaluation of random small
 * networks; a reload's affected set (the members of rules added, removed
 * or changed) on chosen edits and, on random policies and edits, against
 * comparing every node's map under both policies.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "burrow-text.h"
#include "connectip.h"
#include "coord_policy.h"

static struct burrow_nl_prefix pfx(const char *text)
{
	struct burrow_nl_prefix p;
	char why[128];

	if (burrow_text_parse_prefix(text, 0, &p, why, sizeof(why)))
		fail_msg("%s", why);
	return p;
}

static struct coord_policy_engine *load(const char *text)
{
	struct coord_policy_engine *engine = NULL;
	char why[256] = "";

	if (coord_policy_load_string(text, strlen(text), "policy.json", &engine, why, sizeof(why)))
		fail_msg("%s", why);
	return engine;
}

static void refused(const char *text, const char *expected)
{
	struct coord_policy_engine *engine = NULL;
	char why[256] = "";

	assert_int_equal(coord_policy_load_string(text, strlen(text), "policy.json", &engine, why,
						  sizeof(why)), -EINVAL);
	assert_null(engine);
	assert_string_equal(why, expected);
}

/* tags and routes: space-separated lists, "" for none */
static void add(struct coord_policy_engine *engine, int64_t id, const char *name, const char *tags,
		const char *routes)
{
	char tag_buf[256], route_buf[256];
	const char *tag_list[8];
	struct burrow_nl_prefix route_list[8];
	struct coord_policy_node node = { .id = id, .name = name, .tags = tag_list,
					  .approved_routes = route_list };

	snprintf(tag_buf, sizeof(tag_buf), "%s", tags);
	snprintf(route_buf, sizeof(route_buf), "%s", routes);
	for (char *t = strtok(tag_buf, " "); t; t = strtok(NULL, " "))
		tag_list[node.n_tags++] = t;
	for (char *r = strtok(route_buf, " "); r; r = strtok(NULL, " "))
		route_list[node.n_routes++] = pfx(r);
	assert_int_equal(coord_policy_node_add(engine, &node, NULL), 0);
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The visible set of id as "2 3 5". */
static const char *visible(struct coord_policy_engine *engine, int64_t id)
{
	static char buf[512];
	struct coord_policy_ids ids = { 0 };
	size_t used = 0;

	assert_int_equal(coord_policy_visible(engine, id, &ids), 0);
	qsort(ids.ids, ids.n, sizeof(*ids.ids), cmp_id);
	buf[0] = '\0';
	for (size_t i = 0; i < ids.n; i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%lld", i ? " " : "",
					 (long long)ids.ids[i]);
	coord_policy_ids_free(&ids);
	return buf;
}

static const char *routes(struct coord_policy_engine *engine, int64_t viewer, int64_t peer)
{
	static char buf[512];
	struct burrow_nl_prefix out[8];
	char text[BURROW_TEXT_PREFIX_SIZE];
	int n = coord_policy_peer_routes(engine, viewer, peer, out, 8);
	size_t used = 0;

	assert_true(n >= 0 && n <= 8);
	buf[0] = '\0';
	for (int i = 0; i < n; i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? " " : "",
					 burrow_text_prefix(&out[i], text));
	return buf;
}

static void test_allow_deny_symmetric(void **state)
{
	struct coord_policy_engine *engine = load(
		"{ \"rules\": [ { \"src\": [\"node:alice\"], \"dst\": [\"node:bob\"] } ] }");

	(void)state;
	add(engine, 1, "alice", "", "");
	add(engine, 2, "bob", "", "");
	add(engine, 3, "carol", "", "");
	assert_string_equal(visible(engine, 1), "2");
	assert_string_equal(visible(engine, 2), "1");	/* symmetric */
	assert_string_equal(visible(engine, 3), "");	/* denied */
	assert_int_equal(coord_policy_visible(engine, 99, &(struct coord_policy_ids){ 0 }),
			 -ENOENT);
	coord_policy_engine_free(engine);
}

static void test_groups_tags_star(void **state)
{
	struct coord_policy_engine *engine = load(
		"{ \"groups\": { \"group:ops\": [\"node:alice\", \"tag:admin\"] },\n"
		"  \"rules\": [ { \"src\": [\"group:ops\"], \"dst\": [\"tag:server\"] },\n"
		"             { \"src\": [\"*\"], \"dst\": [\"tag:dns\"] } ] }");

	(void)state;
	add(engine, 1, "alice", "", "");
	add(engine, 2, "dave", "tag:admin", "");
	add(engine, 3, "web", "tag:server", "");
	add(engine, 4, "ns", "tag:dns", "");
	add(engine, 5, "eve", "tag:other", "");
	assert_string_equal(visible(engine, 1), "3 4");
	assert_string_equal(visible(engine, 2), "3 4");
	assert_string_equal(visible(engine, 3), "1 2 4");
	assert_string_equal(visible(engine, 4), "1 2 3 5");
	assert_string_equal(visible(engine, 5), "4");
	coord_policy_engine_free(engine);
}

static void test_prefix_dst_and_exit(void **state)
{
	struct coord_policy_engine *engine = load(
		"{ \"rules\": [ { \"src\": [\"tag:web\"], \"dst\": [\"10.20.0.0/16\"] },\n"
		"             { \"src\": [\"tag:roam\"], \"dst\": [\"0.0.0.0/0\"] },\n"
		"             { \"src\": [\"tag:ops\"], \"dst\": [\"tag:router\"] } ] }");

	(void)state;
	add(engine, 1, "web", "tag:web", "");
	add(engine, 2, "r1", "tag:router", "10.20.1.0/24 192.168.0.0/24");
	add(engine, 3, "r2", "", "10.30.0.0/16");
	add(engine, 4, "exit", "", "0.0.0.0/0 ::/0");
	add(engine, 5, "laptop", "tag:roam", "");
	add(engine, 6, "ops", "tag:ops", "");
	add(engine, 7, "exit2", "tag:router", "0.0.0.0/0");
	/* 10.20.0.0/16 overlaps r1's route only; an exit route does not count */
	assert_string_equal(visible(engine, 1), "2");
	assert_string_equal(routes(engine, 1, 2), "10.20.1.0/24");
	/* 0.0.0.0/0 covers the exit routes and every IPv4 route */
	assert_string_equal(visible(engine, 5), "2 3 4 7");
	assert_string_equal(routes(engine, 5, 4), "0.0.0.0/0");
	/* naming a router by tag gives its subnet routes, not its exit route */
	assert_string_equal(visible(engine, 6), "2 7");
	assert_string_equal(routes(engine, 6, 2), "10.20.1.0/24 192.168.0.0/24");
	assert_string_equal(routes(engine, 6, 7), "");
	/* the reverse direction gives visibility, no routes */
	assert_string_equal(visible(engine, 2), "1 5 6");
	assert_string_equal(routes(engine, 2, 1), "");
	coord_policy_engine_free(engine);
}

static void test_no_policy_no_peers(void **state)
{
	struct coord_policy_engine *engine = coord_policy_engine_new_empty();
	struct coord_policy_engine *empty_rules = load("{}");

	(void)state;
	add(engine, 1, "a", "", "");
	add(engine, 2, "b", "", "");
	assert_string_equal(visible(engine, 1), "");
	add(empty_rules, 1, "a", "tag:x", "");
	add(empty_rules, 2, "b", "", "");
	assert_string_equal(visible(empty_rules, 2), "");
	coord_policy_engine_free(engine);
	coord_policy_engine_free(empty_rules);
}

static void test_auto_approve(void **state)
{
	struct coord_policy_engine *engine = load(
		"{ \"groups\": { \"group:gw\": [\"node:gw1\"] },\n"
		"  \"autoApprovers\": {\n"
		"    \"routes\": { \"10.20.0.0/16\": [\"tag:router\", \"group:gw\"] },\n"
		"                     \"exitNode\": [\"tag:exit\"] } }");
	const char *router_tags[] = { "tag:router" }, *exit_tags[] = { "tag:exit" };
	struct coord_policy_node router = { .id = 1, .name = "r", .tags = router_tags,
					    .n_tags = 1 };
	struct coord_policy_node exit = { .id = 2, .name = "x", .tags = exit_tags, .n_tags = 1 };
	struct coord_policy_node gw = { .id = 3, .name = "gw1" };
	struct burrow_nl_prefix inside = pfx("10.20.5.0/24"), outside = pfx("10.21.0.0/24");
	struct burrow_nl_prefix wider = pfx("10.0.0.0/8"), v4 = pfx("0.0.0.0/0"), v6 = pfx("::/0");

	(void)state;
	assert_true(coord_policy_auto_approve(engine, &router, &inside));
	assert_true(coord_policy_auto_approve(engine, &gw, &inside));
	assert_false(coord_policy_auto_approve(engine, &router, &outside));
	assert_false(coord_policy_auto_approve(engine, &router, &wider));
	assert_false(coord_policy_auto_approve(engine, &exit, &inside));
	assert_true(coord_policy_auto_approve(engine, &exit, &v4));
	assert_true(coord_policy_auto_approve(engine, &exit, &v6));
	assert_false(coord_policy_auto_approve(engine, &router, &v4));
	coord_policy_engine_free(engine);
}

static void test_node_changes_and_affected(void **state)
{
	struct coord_policy_engine *engine = load(
		"{ \"rules\": [ { \"src\": [\"tag:a\"], \"dst\": [\"tag:b\"] } ] }");
	struct coord_policy_ids affected = { 0 };
	const char *b[] = { "tag:b" };
	struct coord_policy_node changed = { .id = 3, .name = "n3", .tags = b, .n_tags = 1 };

	(void)state;
	add(engine, 1, "n1", "tag:a", "");
	add(engine, 2, "n2", "tag:b", "");
	add(engine, 3, "n3", "tag:a", "");
	add(engine, 4, "n4", "", "");
	assert_string_equal(visible(engine, 3), "2");
	/* n3 turns from a into b: n2 loses it, n1 gains it */
	assert_int_equal(coord_policy_node_update(engine, &changed, &affected), 0);
	qsort(affected.ids, affected.n, sizeof(int64_t), cmp_id);
	assert_int_equal(affected.n, 3);
	assert_int_equal(affected.ids[0], 1);
	assert_int_equal(affected.ids[1], 2);
	assert_int_equal(affected.ids[2], 3);
	assert_string_equal(visible(engine, 3), "1");
	assert_int_equal(coord_policy_node_remove(engine, 1, &affected), 0);
	qsort(affected.ids, affected.n, sizeof(int64_t), cmp_id);
	assert_int_equal(affected.n, 3);	/* 1 itself, 2, 3 */
	assert_string_equal(visible(engine, 3), "");
	assert_int_equal(coord_policy_node_remove(engine, 1, NULL), -ENOENT);
	assert_int_equal(coord_policy_node_update(engine, &(struct coord_policy_node){
		.id = 9, .name = "x" }, NULL), -ENOENT);
	add(engine, 1, "n1", "tag:a", "");
	assert_int_equal(coord_policy_node_add(engine, &(struct coord_policy_node){
		.id = 1, .name = "y" }, NULL), -EEXIST);
	assert_int_equal(coord_policy_affected(engine, 4, &affected), 0);
	assert_int_equal(affected.n, 1);
	coord_policy_ids_free(&affected);
	coord_policy_engine_free(engine);
}

static void test_validation_errors(void **state)
{
	(void)state;
	refused("{\n \"rules\": [],\n \"acls\": []\n}",
		"policy.json:3: acls: unknown key (groups, rules, autoApprovers)");
	refused("{\n \"rules\": {}\n}", "policy.json:2: rules: expected an array of rules");
	refused("{ \"rules\": [\n  {\"src\": [\"*\"], \"dst\": [\"*\"]},\n  {\"src\": [\"*\"],\n"
		"   \"dst\": [\"tag:a\", \"group:opz\"]}\n] }",
		"policy.json:4: rules[1].dst[1]: unknown group 'group:opz'");
	refused("{ \"rules\": [\n {\"src\": [\"bob\"], \"dst\": [\"*\"]}] }",
		"policy.json:2: rules[0].src[0]: invalid selector 'bob' (*, node:NAME, tag:NAME, group:NAME)");
	refused("{ \"rules\": [\n {\"src\": [\"*\"], \"dst\": [\"bob\"]}] }",
		"policy.json:2: rules[0].dst[0]: invalid selector 'bob' (*, node:NAME, tag:NAME, group:NAME or a prefix)");
	refused("{ \"rules\": [\n {\"src\": [\"10.0.0.0/8\"], \"dst\": [\"*\"]}] }",
		"policy.json:2: rules[0].src[0]: prefix '10.0.0.0/8' is only allowed in dst");
	refused("{ \"rules\": [\n {\"src\": [\"*\"],\n  \"dst\": [\"10.0.0.300/24\"]}] }",
		"policy.json:3: rules[0].dst[0]: invalid prefix '10.0.0.300/24'");
	refused("{ \"rules\": [\n {\"src\": [\"*\"], \"dst\": [\"10.0.0.1/24\"]}] }",
		"policy.json:2: rules[0].dst[0]: prefix '10.0.0.1/24' has host bits set (did you mean 10.0.0.0/24?)");
	refused("{ \"rules\": [\n {\"src\": [], \"dst\": [\"*\"]}] }",
		"policy.json:2: rules[0].src: empty (name at least one selector)");
	refused("{ \"rules\": [\n {\"src\": [\"*\"]}] }", "policy.json:2: rules[0]: missing dst");
	refused("{ \"rules\": [\n {\"src\": [\"*\"], \"dst\": \"*\"}] }",
		"policy.json:2: rules[0].dst: expected an array of selectors");
	refused("{ \"rules\": [\n {\"src\": [\"*\"], \"dst\": [7]}] }",
		"policy.json:2: rules[0].dst[0]: expected a string");
	refused("{ \"rules\": [\n \"x\"] }",
		"policy.json:2: rules[0]: expected an object with src and dst");
	refused("{ \"rules\": [\n {\"src\": [\"*\"], \"dst\": [\"*\"],\n \"ports\": []}] }",
		"policy.json:3: rules[0].ports: unknown key (src, dst)");
	refused("{ \"groups\": {\n \"group:a\": [\"node:x\"],\n \"group:b\": [\"group:a\"] } }",
		"policy.json:3: groups.group:b[0]: group 'group:a' inside a group (groups do not nest)");
	refused("{ \"groups\": {\n \"ops\": [\"node:x\"] } }",
		"policy.json:2: groups.ops: invalid group name (group:NAME with a-z, 0-9 and '-')");
	refused("{ \"groups\": {\n \"group:a\": [\"node:Bad_Name\"] } }",
		"policy.json:2: groups.group:a[0]: invalid node name 'node:Bad_Name' (a-z, 0-9 and '-', 1-63 characters)");
	refused("{ \"autoApprovers\": {\n \"routes\": {\n  \"10.20.0.0/33\": [\"tag:r\"] } } }",
		"policy.json:3: autoApprovers.routes.10.20.0.0/33: invalid prefix '10.20.0.0/33' (prefix length 0-32)");
	refused("{ \"autoApprovers\": {\n \"exit\": [] } }",
		"policy.json:2: autoApprovers.exit: unknown key (routes, exitNode)");
	refused("{ \"autoApprovers\": {\n \"exitNode\": [\"10.0.0.0/8\"] } }",
		"policy.json:2: autoApprovers.exitNode[0]: prefix '10.0.0.0/8' is only allowed in dst");
	refused("[]", "policy.json:1: expected an object with groups, rules, autoApprovers");
	refused("{\n \"groups\": []\n}", "policy.json:2: groups: expected an object");
	refused("{ \"autoApprovers\": {\n \"routes\": [] } }",
		"policy.json:2: autoApprovers.routes: expected an object");
	refused("{ \"groups\": {\n \"group:a\": [\"tag:\"] } }",
		"policy.json:2: groups.group:a[0]: invalid tag 'tag:' (a-z, 0-9 and '-', 1-63 characters)");
	refused("{ \"rules\": [\n {\"src\": [\"*\"], \"dst\": [\"group:ops\"]}] }",
		"policy.json:2: rules[0].dst[0]: unknown group 'group:ops'");
}

static void test_syntax_errors(void **state)
{
	struct coord_policy_engine *engine = NULL;
	char why[256];

	(void)state;
	refused("{\n \"rules\": [\n  {\"src\": [\"*\"] \"dst\": []}\n ]\n}",
		"policy.json:3:21: '}' expected near '\"dst\"'");
	refused("{\n \"rules\": [],\n \"rules\": []\n}",
		"policy.json:3:8: duplicate object key near '\"rules\"'");
	assert_int_equal(coord_policy_load_file("/nonexistent/policy.json", &engine, why,
						sizeof(why)), -ENOENT);
	assert_string_equal(why, "/nonexistent/policy.json: No such file or directory");
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/coord-policy-XXXXXX";
	const char text[] = "{ \"rules\": [\n  { \"src\": [\"*\"], \"dst\": [\"tag:\"] } ] }";
	struct coord_policy_engine *engine = NULL;
	char why[256], expected[320];
	int fd = mkstemp(path);
	FILE *file;

	(void)state;
	assert_true(fd >= 0);
	file = fdopen(fd, "w");
	assert_non_null(file);
	fputs(text, file);
	fclose(file);
	assert_int_equal(coord_policy_load_file(path, &engine, why, sizeof(why)), -EINVAL);
	snprintf(expected, sizeof(expected),
		 "%s:2: rules[0].dst[0]: invalid tag 'tag:' (a-z, 0-9 and '-', 1-63 characters)",
		 path);
	assert_string_equal(why, expected);
	file = fopen(path, "w");
	assert_non_null(file);
	fputs("{ \"rules\": [ { \"src\": [\"*\"], \"dst\": [\"*\"] } ] }", file);
	fclose(file);
	assert_int_equal(coord_policy_load_file(path, &engine, why, sizeof(why)), 0);
	add(engine, 1, "a", "", "");
	add(engine, 2, "b", "", "");
	assert_string_equal(visible(engine, 2), "1");
	coord_policy_engine_free(engine);
	unlink(path);
}

static void test_reload_keeps_old(void **state)
{
	struct coord_policy_engine *engine = load(
		"{ \"rules\": [ { \"src\": [\"*\"], \"dst\": [\"*\"] } ] }");
	struct coord_policy_engine *next = engine;
	char why[256];

	(void)state;
	add(engine, 1, "a", "", "");
	add(engine, 2, "b", "", "");
	assert_int_equal(coord_policy_load_string("{", 1, "p.json", &next, why, sizeof(why)),
			 -EINVAL);
	assert_ptr_equal(next, engine);
	assert_string_equal(visible(engine, 1), "2");
	coord_policy_engine_free(engine);
}

static void test_line_scanner(void **state)
{
	const char *text =
		"{\"a\": \"[{\\\"]\", \"b\\\"\": {\"x\": [1, {\"y\": \"}\"}]},\n"
		" \"rules\": [ \"\\\\\", {\"nested\": [[], {}]},\n"
		"\n  {\"src\": \"line 4\"}, \"esc\\n\" ],\n"
		" \"k\\u0041\": 1, \"last\":\n 2 }";
	struct coord_policy_step rules2[] = { { .key = "rules" }, { .index = 2 } };
	struct coord_policy_step rules2src[] = { { .key = "rules" }, { .index = 2 },
						 { .key = "src" } };
	struct coord_policy_step rules3[] = { { .key = "rules" }, { .index = 3 } };
	struct coord_policy_step rules4[] = { { .key = "rules" }, { .index = 4 } };
	struct coord_policy_step bq[] = { { .key = "b\"" }, { .key = "x" }, { .index = 1 } };
	struct coord_policy_step last[] = { { .key = "last" } };
	struct coord_policy_step missing[] = { { .key = "nope" } };
	struct coord_policy_step wrong_kind[] = { { .key = "a" }, { .index = 0 } };
	size_t len = strlen(text);

	(void)state;
	assert_int_equal(coord_policy_line_of(text, len, rules2, 2), 4);
	assert_int_equal(coord_policy_line_of(text, len, rules2src, 3), 4);
	assert_int_equal(coord_policy_line_of(text, len, rules3, 2), 4);
	assert_int_equal(coord_policy_line_of(text, len, rules4, 2), 0);
	assert_int_equal(coord_policy_line_of(text, len, bq, 3), 1);
	assert_int_equal(coord_policy_line_of(text, len, last, 1), 5);
	assert_int_equal(coord_policy_line_of(text, len, missing, 1), 0);
	assert_int_equal(coord_policy_line_of(text, len, wrong_kind, 2), 0);
	assert_int_equal(coord_policy_line_of("{\"a\": \"unterminated", 19, last, 1), 0);
	assert_int_equal(coord_policy_line_of("", 0, last, 1), 0);
}

/* ---- random networks against a brute-force evaluation --------------------------- */

#define RAND_NODES 24
#define RAND_RULES 4

struct ref_node {
	bool live;
	char name[16];
	char tags[2][16];
	size_t n_tags;
	struct burrow_nl_prefix route;
	bool has_route;
};

struct ref_net {
	struct ref_node nodes[RAND_NODES];
	char src[RAND_RULES][2][24];
	char dst[RAND_RULES][2][24];
};

static unsigned int seed_state;

static unsigned int rnd(unsigned int n)
{
	seed_state = seed_state * 1103515245u + 12345u;
	return (seed_state >> 16) % n;
}

static void random_selector(char *out, bool dst)
{
	switch (rnd(dst ? 4 : 3)) {
	case 0:
		snprintf(out, 24, rnd(4) ? "tag:t%u" : "*", rnd(4));
		break;
	case 1:
		snprintf(out, 24, "node:n%u", rnd(RAND_NODES));
		break;
	case 2:
		snprintf(out, 24, "tag:t%u", rnd(4));
		break;
	default:
		snprintf(out, 24, "10.%u.0.0/16", rnd(3));
		break;
	}
}

static bool ref_matches(const struct ref_node *node, const char *sel)
{
	if (!strcmp(sel, "*"))
		return true;
	if (!strncmp(sel, "node:", 5))
		return !strcmp(node->name, sel + 5);
	if (!strncmp(sel, "tag:", 4)) {
		for (size_t i = 0; i < node->n_tags; i++)
			if (!strcmp(node->tags[i], sel))
				return true;
		return false;
	}
	if (!node->has_route)
		return false;
	struct burrow_nl_prefix p = pfx(sel);

	return burrow_prefix_contains(&p, &node->route) || burrow_prefix_contains(&node->route, &p);
}

static bool ref_sees(const struct ref_net *net, int a, int b)
{
	const struct ref_node *x = &net->nodes[a], *y = &net->nodes[b];

	if (a == b || !x->live || !y->live)
		return false;
	for (int r = 0; r < RAND_RULES; r++) {
		bool xs = ref_matches(x, net->src[r][0]) || ref_matches(x, net->src[r][1]);
		bool xd = ref_matches(x, net->dst[r][0]) || ref_matches(x, net->dst[r][1]);
		bool ys = ref_matches(y, net->src[r][0]) || ref_matches(y, net->src[r][1]);
		bool yd = ref_matches(y, net->dst[r][0]) || ref_matches(y, net->dst[r][1]);

		if ((xs && yd) || (ys && xd))
			return true;
	}
	return false;
}

static void randomize_node(struct ref_node *node, int i)
{
	node->live = true;
	snprintf(node->name, sizeof(node->name), "n%d", i);
	node->n_tags = rnd(3);
	for (size_t t = 0; t < node->n_tags; t++)
		snprintf(node->tags[t], sizeof(node->tags[t]), "tag:t%u", rnd(5));
	node->has_route = rnd(3) == 0;
	if (node->has_route) {
		char text[32];

		snprintf(text, sizeof(text), "10.%u.%u.0/24", rnd(4), rnd(4));
		node->route = pfx(text);
	}
}

static void ref_to_node(const struct ref_node *ref, int64_t id, const char **tags,
			struct coord_policy_node *node)
{
	for (size_t t = 0; t < ref->n_tags; t++)
		tags[t] = ref->tags[t];
	*node = (struct coord_policy_node){ .id = id, .name = ref->name, .tags = tags,
					    .n_tags = ref->n_tags,
					    .approved_routes = &ref->route,
					    .n_routes = ref->has_route };
}

static void check_all_visible(struct coord_policy_engine *engine, const struct ref_net *net)
{
	struct coord_policy_ids ids = { 0 };

	for (int a = 0; a < RAND_NODES; a++) {
		if (!net->nodes[a].live)
			continue;
		assert_int_equal(coord_policy_visible(engine, a + 100, &ids), 0);
		size_t expected = 0;

		for (int b = 0; b < RAND_NODES; b++) {
			bool listed = false;

			for (size_t i = 0; i < ids.n; i++)
				listed |= ids.ids[i] == b + 100;
			if (listed != ref_sees(net, a, b))
				fail_msg("n%d sees n%d: engine %d, reference %d", a, b, listed,
					 !listed);
			expected += listed;
		}
		assert_int_equal(ids.n, expected);	/* no duplicates */
	}
	coord_policy_ids_free(&ids);
}

/* Every node whose visible set changed must be in affected. */
static void check_affected(const struct ref_net *before, const struct ref_net *after, int changed,
			   const struct coord_policy_ids *affected)
{
	for (int a = 0; a < RAND_NODES; a++) {
		bool differs = a == changed && (before->nodes[a].live || after->nodes[a].live);
		bool listed = false;

		for (int b = 0; b < RAND_NODES && !differs; b++)
			differs = ref_sees(before, a, b) != ref_sees(after, a, b);
		for (size_t i = 0; i < affected->n; i++)
			listed |= affected->ids[i] == a + 100;
		if (differs && !listed)
			fail_msg("n%d's map changed with n%d but is not affected", a, changed);
		/* and nothing beyond the changed node's neighbourhood */
		if (listed && a != changed && !ref_sees(before, changed, a) &&
		    !ref_sees(after, changed, a))
			fail_msg("n%d listed as affected by n%d without relation", a, changed);
	}
}

static void test_random_networks(void **state)
{
	(void)state;
	for (unsigned int seed = 1; seed <= 60; seed++) {
		struct ref_net net = { 0 };
		struct coord_policy_engine *engine;
		struct coord_policy_ids affected = { 0 };
		char json[2048];
		size_t used;

		seed_state = seed;
		used = (size_t)snprintf(json, sizeof(json), "{\"rules\": [");
		for (int r = 0; r < RAND_RULES; r++) {
			for (int k = 0; k < 2; k++) {
				random_selector(net.src[r][k], false);
				random_selector(net.dst[r][k], true);
			}
			used += (size_t)snprintf(json + used, sizeof(json) - used,
				"%s{\"src\": [\"%s\", \"%s\"], \"dst\": [\"%s\", \"%s\"]}",
				r ? ", " : "", net.src[r][0], net.src[r][1], net.dst[r][0],
				net.dst[r][1]);
		}
		snprintf(json + used, sizeof(json) - used, "]}");
		engine = load(json);
		for (int i = 0; i < RAND_NODES; i++) {
			const char *tags[2];
			struct coord_policy_node node;

			if (rnd(4) == 0)
				continue;	/* joins later */
			randomize_node(&net.nodes[i], i);
			ref_to_node(&net.nodes[i], i + 100, tags, &node);
			assert_int_equal(coord_policy_node_add(engine, &node, NULL), 0);
		}
		check_all_visible(engine, &net);
		for (int step = 0; step < 40; step++) {
			struct ref_net before = net;
			int i = (int)rnd(RAND_NODES);
			const char *tags[2];
			struct coord_policy_node node;

			if (!net.nodes[i].live) {
				randomize_node(&net.nodes[i], i);
				ref_to_node(&net.nodes[i], i + 100, tags, &node);
				assert_int_equal(coord_policy_node_add(engine, &node, &affected),
						 0);
			} else if (rnd(3) == 0) {
				net.nodes[i].live = false;
				assert_int_equal(coord_policy_node_remove(engine, i + 100,
									  &affected), 0);
			} else {
				randomize_node(&net.nodes[i], i);
				ref_to_node(&net.nodes[i], i + 100, tags, &node);
				assert_int_equal(coord_policy_node_update(engine, &node, &affected),
						 0);
			}
			check_affected(&before, &net, i, &affected);
			check_all_visible(engine, &net);
		}
		coord_policy_ids_free(&affected);
		coord_policy_engine_free(engine);
	}
}

/* ---- reload: the nodes an edit can affect ----------------------------------------- */

/* Every node id's map (visible set, and each peer's routes it may use) under old and new. */
static bool map_differs(struct coord_policy_engine *old_engine,
			struct coord_policy_engine *new_engine, int64_t id,
			const int64_t *all, size_t n_all)
{
	char before[512];

	snprintf(before, sizeof(before), "%s", visible(old_engine, id));
	if (strcmp(before, visible(new_engine, id)))
		return true;
	for (size_t i = 0; i < n_all; i++) {
		if (all[i] == id)
			continue;
		snprintf(before, sizeof(before), "%s", routes(old_engine, id, all[i]));
		if (strcmp(before, routes(new_engine, id, all[i])))
			return true;
	}
	return false;
}

/*
 * The affected set of a reload from old to the policy new_text, as "1 2 3";
 * fails when a node left out has a map that differs (a full recompute
 * would have sent it a delta the reload does not).
 */
static const char *reload_affected(struct coord_policy_engine *old_engine, const char *new_text,
				   const int64_t *all, size_t n_all)
{
	static char buf[512];
	struct coord_policy_engine *new_engine = load(new_text);
	struct coord_policy_ids ids = { 0 };
	size_t used = 0;

	assert_int_equal(coord_policy_copy_nodes(new_engine, old_engine), 0);
	assert_int_equal(coord_policy_reload_affected(old_engine, new_engine, &ids), 0);
	buf[0] = '\0';
	for (size_t i = 0; i < ids.n; i++) {
		if (i)
			assert_true(ids.ids[i - 1] < ids.ids[i]);	/* sorted, no repeats */
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%lld", i ? " " : "",
					 (long long)ids.ids[i]);
	}
	for (size_t i = 0; i < n_all; i++) {
		bool listed = false;

		for (size_t k = 0; k < ids.n; k++)
			listed |= ids.ids[k] == all[i];
		if (!listed && map_differs(old_engine, new_engine, all[i], all, n_all))
			fail_msg("node %lld's map changed but it is not affected",
				 (long long)all[i]);
	}
	coord_policy_ids_free(&ids);
	coord_policy_engine_free(new_engine);
	return buf;
}

#define RELOAD_BASE_GROUPS \
	"\"groups\": { \"group:a\": [\"node:a1\", \"node:a2\"], " \
	"\"group:b\": [\"node:b1\", \"node:b2\"] }, "
#define RELOAD_RULE_A "{ \"src\": [\"group:a\"], \"dst\": [\"group:a\"] }"
#define RELOAD_RULE_B "{ \"src\": [\"group:b\"], \"dst\": [\"group:b\"] }"
#define RELOAD_RULE_TAG "{ \"src\": [\"tag:web\"], \"dst\": [\"tag:db\"] }"
#define RELOAD_RULE_ROUTE "{ \"src\": [\"node:ops\"], \"dst\": [\"10.1.0.0/16\"] }"
#define RELOAD_APPROVERS \
	", \"autoApprovers\": { \"routes\": { \"10.1.0.0/16\": [\"tag:router\"] } }"

static void test_reload_affected(void **state)
{
	struct coord_policy_engine *engine = load(
		"{ " RELOAD_BASE_GROUPS "\"rules\": [ " RELOAD_RULE_A ", " RELOAD_RULE_B ", "
		RELOAD_RULE_TAG ", " RELOAD_RULE_ROUTE " ]" RELOAD_APPROVERS " }");
	const int64_t all[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	const size_t n = sizeof(all) / sizeof(all[0]);

	(void)state;
	add(engine, 1, "a1", "", "");
	add(engine, 2, "a2", "", "");
	add(engine, 3, "b1", "", "");
	add(engine, 4, "b2", "", "");
	add(engine, 5, "web", "tag:web", "");
	add(engine, 6, "db", "tag:db", "");
	add(engine, 7, "cache", "tag:cache", "");
	add(engine, 8, "ops", "", "");
	add(engine, 9, "r1", "tag:router", "10.1.0.0/24");
	add(engine, 10, "r2", "tag:router", "10.2.0.0/24");
	add(engine, 11, "lone", "", "");
	assert_string_equal(visible(engine, 8), "9");

	/* The same rules in another order, a group renamed, a rule repeated: nobody. */
	assert_string_equal(reload_affected(engine,
		"{ \"groups\": { \"group:x\": [\"node:a2\", \"node:a1\"], "
		"\"group:b\": [\"node:b1\", \"node:b2\"] }, \"rules\": [ "
		RELOAD_RULE_ROUTE ", " RELOAD_RULE_TAG ", " RELOAD_RULE_B ", " RELOAD_RULE_B ", "
		"{ \"src\": [\"group:x\"], \"dst\": [\"group:x\"] } ]" RELOAD_APPROVERS " }",
		all, n), "");
	/* One rule edited: its members old and new, nobody else. */
	assert_string_equal(reload_affected(engine,
		"{ " RELOAD_BASE_GROUPS "\"rules\": [ "
		"{ \"src\": [\"group:a\"], \"dst\": [\"group:a\", \"node:lone\"] }, "
		RELOAD_RULE_B ", " RELOAD_RULE_TAG ", " RELOAD_RULE_ROUTE " ]" RELOAD_APPROVERS
		" }", all, n), "1 2 11");
	/* A group's membership: the rules naming the group, old and new members. */
	assert_string_equal(reload_affected(engine,
		"{ \"groups\": { \"group:a\": [\"node:a1\", \"node:a2\"], "
		"\"group:b\": [\"node:b1\", \"node:lone\"] }, \"rules\": [ " RELOAD_RULE_A ", "
		RELOAD_RULE_B ", " RELOAD_RULE_TAG ", " RELOAD_RULE_ROUTE " ]" RELOAD_APPROVERS
		" }", all, n), "3 4 11");
	/* A tag rule: web, the db it saw and the cache it sees now. */
	assert_string_equal(reload_affected(engine,
		"{ " RELOAD_BASE_GROUPS "\"rules\": [ " RELOAD_RULE_A ", " RELOAD_RULE_B ", "
		"{ \"src\": [\"tag:web\"], \"dst\": [\"tag:cache\"] }, " RELOAD_RULE_ROUTE " ]"
		RELOAD_APPROVERS " }", all, n), "5 6 7");
	/* A route: ops and the routers whose routes the old and new prefixes reach. */
	assert_string_equal(reload_affected(engine,
		"{ " RELOAD_BASE_GROUPS "\"rules\": [ " RELOAD_RULE_A ", " RELOAD_RULE_B ", "
		RELOAD_RULE_TAG ", { \"src\": [\"node:ops\"], \"dst\": [\"10.2.0.0/16\"] } ]"
		RELOAD_APPROVERS " }", all, n), "8 9 10");
	/* autoApprovers act at registration, never on maps: nobody. */
	assert_string_equal(reload_affected(engine,
		"{ " RELOAD_BASE_GROUPS "\"rules\": [ " RELOAD_RULE_A ", " RELOAD_RULE_B ", "
		RELOAD_RULE_TAG ", " RELOAD_RULE_ROUTE " ], \"autoApprovers\": { \"exitNode\": "
		"[\"tag:web\"], \"routes\": { \"10.2.0.0/16\": [\"node:ops\"] } } }", all, n), "");
	/* A whole new policy: everyone. */
	assert_string_equal(reload_affected(engine,
		"{ \"rules\": [ { \"src\": [\"*\"], \"dst\": [\"tag:db\"] } ] }", all, n),
		"1 2 3 4 5 6 7 8 9 10 11");
	/* Deny all: the members of every old rule; lone and cache were in none. */
	assert_string_equal(reload_affected(engine, "{ \"rules\": [] }", all, n),
			    "1 2 3 4 5 6 8 9");
	coord_policy_engine_free(engine);
}

/* The policy of a reference network as JSON. */
static void ref_policy_json(const struct ref_net *net, char *json, size_t size)
{
	size_t used = (size_t)snprintf(json, size, "{\"rules\": [");

	for (int r = 0; r < RAND_RULES; r++)
		used += (size_t)snprintf(json + used, size - used,
			"%s{\"src\": [\"%s\", \"%s\"], \"dst\": [\"%s\", \"%s\"]}",
			r ? ", " : "", net->src[r][0], net->src[r][1], net->dst[r][0],
			net->dst[r][1]);
	snprintf(json + used, size - used, "]}");
}

/*
 * Random networks and random edits of their policy (one selector, two
 * rules swapped, a rule's src and dst swapped, everything): every node
 * left out of the affected set has the same visible set and the same
 * routes of every peer under both policies, so the deltas a reload sends
 * to the affected nodes are all a full recompute would send.
 */
static void test_reload_affected_random(void **state)
{
	const int64_t *all;
	int64_t ids[RAND_NODES];

	(void)state;
	for (unsigned int seed = 1; seed <= 200; seed++) {
		struct ref_net net = { 0 }, edited;
		struct coord_policy_engine *engine;
		char json[2048];
		size_t n_ids = 0;
		int r = 0, k = 0;

		seed_state = seed * 7919u;
		for (r = 0; r < RAND_RULES; r++)
			for (k = 0; k < 2; k++) {
				random_selector(net.src[r][k], false);
				random_selector(net.dst[r][k], true);
			}
		ref_policy_json(&net, json, sizeof(json));
		engine = load(json);
		for (int i = 0; i < RAND_NODES; i++) {
			const char *tags[2];
			struct coord_policy_node node;

			if (rnd(5) == 0)
				continue;
			randomize_node(&net.nodes[i], i);
			ref_to_node(&net.nodes[i], i + 100, tags, &node);
			assert_int_equal(coord_policy_node_add(engine, &node, NULL), 0);
			ids[n_ids++] = i + 100;
		}
		all = ids;
		for (int edit = 0; edit < 6; edit++) {
			edited = net;
			r = (int)rnd(RAND_RULES);
			k = (int)rnd(2);
			switch (rnd(5)) {
			case 0:
				random_selector(edited.src[r][k], false);
				break;
			case 1:
				random_selector(edited.dst[r][k], true);
				break;
			case 2: {
				int other = (int)rnd(RAND_RULES);

				memcpy(edited.src[r], net.src[other], sizeof(net.src[r]));
				memcpy(edited.dst[r], net.dst[other], sizeof(net.dst[r]));
				memcpy(edited.src[other], net.src[r], sizeof(net.src[r]));
				memcpy(edited.dst[other], net.dst[r], sizeof(net.dst[r]));
				break;
			}
			case 3:
				/* src and dst swapped: prefixes only go in dst */
				if (strchr(edited.dst[r][0], '/') || strchr(edited.dst[r][1], '/'))
					random_selector(edited.dst[r][k], false);
				else {
					memcpy(edited.src[r], net.dst[r], sizeof(net.src[r]));
					memcpy(edited.dst[r], net.src[r], sizeof(net.dst[r]));
				}
				break;
			default:
				for (int e = 0; e < RAND_RULES; e++)
					for (int j = 0; j < 2; j++) {
						random_selector(edited.src[e][j], false);
						random_selector(edited.dst[e][j], true);
					}
				break;
			}
			ref_policy_json(&edited, json, sizeof(json));
			reload_affected(engine, json, all, n_ids);
		}
		coord_policy_engine_free(engine);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allow_deny_symmetric),
		cmocka_unit_test(test_groups_tags_star),
		cmocka_unit_test(test_prefix_dst_and_exit),
		cmocka_unit_test(test_no_policy_no_peers),
		cmocka_unit_test(test_auto_approve),
		cmocka_unit_test(test_node_changes_and_affected),
		cmocka_unit_test(test_validation_errors),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_reload_keeps_old),
		cmocka_unit_test(test_line_scanner),
		cmocka_unit_test(test_random_networks),
		cmocka_unit_test(test_reload_affected),
		cmocka_unit_test(test_reload_affected_random),
	};

	return cmocka_run_group_tests_name("coord policy", tests, NULL, NULL);
}
