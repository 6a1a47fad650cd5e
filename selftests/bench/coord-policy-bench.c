// SPDX-License-Identifier: GPL-2.0
/*
 * coord-policy-bench: the cost of the coordinator's policy engine on
 * networks of 1k, 10k and 50k nodes with a realistic policy (20 tags, four
 * groups, prefix rules, one '*'-to-tag rule). Per size: compile (load the
 * policy and add every node), one node's visible set over 1000 random
 * nodes (median, p99), the affected set of a tag change and of a join
 * (size and time), and the process's peak RSS. Seeded, so runs compare.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "burrow-text.h"
#include "coord_policy.h"

#define N_TAGS 20
#define SAMPLES 1000

static const char policy[] =
	"{\n"
	"  \"groups\": {\n"
	"    \"group:ops\": [\"tag:t0\", \"node:n1\"],\n"
	"    \"group:dev\": [\"tag:t1\", \"tag:t2\"],\n"
	"    \"group:web\": [\"tag:t3\", \"tag:t4\"],\n"
	"    \"group:data\": [\"tag:t5\", \"tag:t6\"]\n"
	"  },\n"
	"  \"rules\": [\n"
	"    { \"src\": [\"*\"], \"dst\": [\"tag:t19\"] },\n"
	"    { \"src\": [\"group:ops\"], \"dst\": [\"tag:t7\", \"tag:t8\", \"tag:t9\"] },\n"
	"    { \"src\": [\"group:dev\"], \"dst\": [\"tag:t10\", \"10.20.0.0/16\"] },\n"
	"    { \"src\": [\"group:web\"], \"dst\": [\"group:data\"] },\n"
	"    { \"src\": [\"tag:t11\"], \"dst\": [\"tag:t12\"] },\n"
	"    { \"src\": [\"tag:t13\"], \"dst\": [\"tag:t14\", \"10.30.0.0/16\"] },\n"
	"    { \"src\": [\"tag:t15\"], \"dst\": [\"0.0.0.0/0\", \"::/0\"] },\n"
	"    { \"src\": [\"tag:t16\", \"tag:t17\"], \"dst\": [\"tag:t18\"] }\n"
	"  ],\n"
	"  \"autoApprovers\": { \"routes\": { \"10.0.0.0/8\": [\"tag:t18\"] },\n"
	"                     \"exitNode\": [\"tag:t19\"] }\n"
	"}\n";

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct bench_node {
	char name[16];
	const char *tags[2];
	size_t n_tags;
	struct burrow_nl_prefix route;
	size_t n_routes;
};

static char tag_text[N_TAGS][8];

/*
 * Tag mix: most nodes carry one tag of t0..t17; 1 in 200 is a t19 server
 * (every node reaches those), 1 in 100 a t18 router with a 10.x/24 subnet,
 * 1 in 500 a t15 roamer; a few exit nodes.
 */
static void make_node(struct bench_node *node, size_t i)
{
	snprintf(node->name, sizeof(node->name), "n%zu", i);
	node->n_tags = 1;
	node->n_routes = 0;
	node->tags[0] = tag_text[rand() % 18];
	if (i % 200 == 7)
		node->tags[0] = tag_text[19];
	if (i % 100 == 3) {
		char text[32];

		node->tags[0] = tag_text[18];
		snprintf(text, sizeof(text), "10.%d.%d.0/24", 20 + rand() % 20, rand() % 256);
		burrow_text_parse_prefix(text, 0, &node->route, NULL, 0);
		node->n_routes = 1;
	}
	if (i % 1000 == 11)
		burrow_text_parse_prefix("0.0.0.0/0", 0, &node->route, NULL, 0), node->n_routes = 1;
	if (i % 500 == 13)
		node->tags[node->n_tags++] = tag_text[15];
}

static void to_policy_node(const struct bench_node *b, int64_t id, struct coord_policy_node *node)
{
	*node = (struct coord_policy_node){ .id = id, .name = b->name, .tags = b->tags,
					    .n_tags = b->n_tags, .approved_routes = &b->route,
					    .n_routes = b->n_routes };
}

static void run(size_t n_nodes)
{
	struct coord_policy_engine *engine;
	struct coord_policy_ids ids = { 0 };
	struct coord_policy_node node;
	struct bench_node *nodes = calloc(n_nodes + 1, sizeof(*nodes));
	double samples[SAMPLES], t0, compile_ms, tag_us, join_us, total_peers = 0;
	size_t tag_affected, join_affected;
	char why[256];
	struct rusage usage;

	srand(42);
	t0 = now_us();
	if (coord_policy_load_string(policy, strlen(policy), "bench.json", &engine, why,
				     sizeof(why))) {
		fprintf(stderr, "%s\n", why);
		exit(1);
	}
	for (size_t i = 0; i < n_nodes; i++) {
		make_node(&nodes[i], i);
		to_policy_node(&nodes[i], (int64_t)i + 1, &node);
		if (coord_policy_node_add(engine, &node, NULL)) {
			fprintf(stderr, "add n%zu failed\n", i);
			exit(1);
		}
	}
	compile_ms = (now_us() - t0) / 1e3;

	for (int s = 0; s < SAMPLES; s++) {
		int64_t id = rand() % (int64_t)n_nodes + 1;

		t0 = now_us();
		coord_policy_visible(engine, id, &ids);
		samples[s] = now_us() - t0;
		total_peers += (double)ids.n;
	}
	qsort(samples, SAMPLES, sizeof(*samples), cmp_double);

	/* a plain t2 node becomes t7 (ops can now reach it) */
	{
		struct bench_node changed = nodes[1];
		size_t i = 2;

		while (nodes[i].n_tags != 1 || nodes[i].n_routes)
			i++;
		changed = nodes[i];
		changed.tags[0] = tag_text[7];
		to_policy_node(&changed, (int64_t)i + 1, &node);
		t0 = now_us();
		coord_policy_node_update(engine, &node, &ids);
		tag_us = now_us() - t0;
		tag_affected = ids.n;
	}
	/* a new plain node joins */
	make_node(&nodes[n_nodes], n_nodes + 1);
	nodes[n_nodes].tags[0] = tag_text[3];
	to_policy_node(&nodes[n_nodes], (int64_t)n_nodes + 1, &node);
	t0 = now_us();
	coord_policy_node_add(engine, &node, &ids);
	join_us = now_us() - t0;
	join_affected = ids.n;

	getrusage(RUSAGE_SELF, &usage);
	printf("%7zu | %10.1f | %9.1f | %8.1f | %9.0f | %7zu %8.1f | %7zu %8.1f | %7ld\n",
	       n_nodes, compile_ms, samples[SAMPLES / 2], samples[SAMPLES * 99 / 100],
	       total_peers / SAMPLES, tag_affected, tag_us, join_affected, join_us,
	       usage.ru_maxrss / 1024);
	coord_policy_ids_free(&ids);
	coord_policy_engine_free(engine);
	free(nodes);
}

int main(int argc, char **argv)
{
	size_t sizes[] = { 1000, 10000, 50000 };

	for (int t = 0; t < N_TAGS; t++)
		snprintf(tag_text[t], sizeof(tag_text[t]), "tag:t%d", t);
	printf("  nodes | compile ms | visible   | visible  | mean      | tag change       | join             | peak RSS\n");
	printf("        |            | median us | p99 us   | peers     | affected     us  | affected     us  | MiB\n");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (argc > 1 && (size_t)atol(argv[1]) < sizes[i])
			break;
		run(sizes[i]);
	}
	return 0;
}
