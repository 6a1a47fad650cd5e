// SPDX-License-Identifier: GPL-2.0
/*
 * coord-reload-bench: the policy engine's part of a policy reload in
 * burrow-coord, on make bench-coord's network and edit: N_INFRA tag:infra
 * nodes reach everyone ("tag:infra" -> "*"), the others are in groups of
 * 50 (group:gK lists their node: names, one rule gK -> gK per group), and
 * the edit moves one node from group 0 to group 1.
 *
 * "full" is what a reload did before: load the policy, add every node,
 * then one visible set per node (sorted, as the server sorts it). "new"
 * (not built with -DRELOAD_BENCH_BASELINE) is today's reload: load the
 * policy, copy the old engine's nodes, compare the two policies' rules and
 * compute the visible sets of the affected nodes only. Store reads and
 * the QUIC sends are not in either: the server's own log line gives those
 * (docs/coordination.md, "Reload").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coord_policy.h"

#define N_INFRA 20
#define GROUP_SIZE 50

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Node i (0-based) is infra below N_INFRA, else in group (i - N_INFRA) / GROUP_SIZE; moved goes to group 1. */
static char *policy_text(size_t n, size_t moved)
{
	size_t n_groups = (n - N_INFRA + GROUP_SIZE - 1) / GROUP_SIZE, cap = n * 24 + n_groups * 96 + 256;
	char *text = malloc(cap);
	size_t used = 0;

	used += (size_t)snprintf(text + used, cap - used, "{ \"groups\": {");
	for (size_t g = 0; g < n_groups; g++) {
		bool first = true;

		used += (size_t)snprintf(text + used, cap - used, "%s\"group:g%zu\": [", g ? ", " : "", g);
		for (size_t i = N_INFRA + g * GROUP_SIZE; i < n && i < N_INFRA + (g + 1) * GROUP_SIZE; i++) {
			if (i == moved)
				continue;
			used += (size_t)snprintf(text + used, cap - used, "%s\"node:n%zu\"", first ? "" : ", ", i);
			first = false;
		}
		if (g == 1 && moved < n)
			used += (size_t)snprintf(text + used, cap - used, ", \"node:n%zu\"", moved);
		used += (size_t)snprintf(text + used, cap - used, "]");
	}
	used += (size_t)snprintf(text + used, cap - used,
				 "}, \"rules\": [ { \"src\": [\"tag:infra\"], \"dst\": [\"*\"] }");
	for (size_t g = 0; g < n_groups; g++)
		used += (size_t)snprintf(text + used, cap - used,
					 ", { \"src\": [\"group:g%zu\"], \"dst\": [\"group:g%zu\"] }", g, g);
	snprintf(text + used, cap - used, " ] }");
	return text;
}

static struct coord_policy_engine *load(const char *text)
{
	struct coord_policy_engine *engine;
	char why[256];

	if (coord_policy_load_string(text, strlen(text), "bench.json", &engine, why, sizeof(why))) {
		fprintf(stderr, "%s\n", why);
		exit(1);
	}
	return engine;
}

static void add_all(struct coord_policy_engine *engine, size_t n)
{
	static const char *const infra[] = { "tag:infra" };

	for (size_t i = 0; i < n; i++) {
		char name[24];
		struct coord_policy_node node = { .id = (int64_t)i + 1, .name = name };

		snprintf(name, sizeof(name), "n%zu", i);
		if (i < N_INFRA) {
			node.tags = infra;
			node.n_tags = 1;
		}
		if (coord_policy_node_add(engine, &node, NULL)) {
			fprintf(stderr, "add n%zu failed\n", i);
			exit(1);
		}
	}
}

/* One visible set per id, sorted; returns the peers in all of them. */
static size_t visible_of(struct coord_policy_engine *engine, const int64_t *ids, size_t n)
{
	struct coord_policy_ids out = { 0 };
	size_t peers = 0;

	for (size_t i = 0; i < n; i++) {
		coord_policy_visible(engine, ids[i], &out);
		qsort(out.ids, out.n, sizeof(*out.ids), cmp_id);
		peers += out.n;
	}
	coord_policy_ids_free(&out);
	return peers;
}

static void run(size_t n)
{
	size_t moved = N_INFRA + 7;	/* in group 0 */
	char *before = policy_text(n, SIZE_MAX), *after = policy_text(n, moved);
	struct coord_policy_engine *old_engine = load(before), *engine;
	int64_t *all = malloc(n * sizeof(*all));
	double t0, load_ms, visible_ms;
	size_t peers;

	add_all(old_engine, n);
	for (size_t i = 0; i < n; i++)
		all[i] = (int64_t)i + 1;

	t0 = now_ms();
	engine = load(after);
	add_all(engine, n);
	load_ms = now_ms() - t0;
	t0 = now_ms();
	peers = visible_of(engine, all, n);
	visible_ms = now_ms() - t0;
	printf("%7zu | full | %8.1f | %10s | %7zu | %10.1f | %9.0f | %8.1f\n", n, load_ms, "-", n,
	       visible_ms, (double)peers / n, load_ms + visible_ms);
	coord_policy_engine_free(engine);
#ifndef RELOAD_BENCH_BASELINE
	{
		struct coord_policy_ids affected = { 0 };
		double compare_ms;

		t0 = now_ms();
		engine = load(after);
		if (coord_policy_copy_nodes(engine, old_engine)) {
			fprintf(stderr, "copy failed\n");
			exit(1);
		}
		load_ms = now_ms() - t0;
		t0 = now_ms();
		coord_policy_reload_affected(old_engine, engine, &affected);
		compare_ms = now_ms() - t0;
		t0 = now_ms();
		peers = visible_of(engine, affected.ids, affected.n);
		visible_ms = now_ms() - t0;
		printf("%7zu | new  | %8.1f | %10.1f | %7zu | %10.1f | %9.0f | %8.1f\n", n, load_ms,
		       compare_ms, affected.n, visible_ms,
		       affected.n ? (double)peers / affected.n : 0.0,
		       load_ms + compare_ms + visible_ms);
		coord_policy_ids_free(&affected);
		coord_policy_engine_free(engine);
	}
#endif
	coord_policy_engine_free(old_engine);
	free(all);
	free(before);
	free(after);
}

int main(int argc, char **argv)
{
	size_t sizes[] = { 1000, 10000, 50000 };

	printf("  nodes | path | load ms  | compare ms | visible | visible ms | mean      | total ms\n");
	printf("        |      |          |            | sets    |            | peers     |\n");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (argc > 1 && (size_t)atol(argv[1]) < sizes[i])
			break;
		run(sizes[i]);
	}
	return 0;
}
