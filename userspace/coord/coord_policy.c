// SPDX-License-Identifier: GPL-2.0
/*
 * Policy parsing, validation and incremental evaluation. See coord_policy.h.
 *
 * Index: the policy names a small set of tags and node names; each gets a
 * number at load time. A node slot keeps the numbers of its tags the policy
 * knows and of its name, tag_members[t] lists the slots holding tag t and
 * name_slot[n] the slot named n. Groups are expanded into the rules at load
 * time, so a rule is two flat selector lists. Visible sets are collected
 * with a per-slot stamp (engine->generation) so that duplicates cost O(1).
 */
#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "burrow-text.h"
#include "connectip.h"
#include "coord_policy.h"
#include "log.h"

enum selector_kind { SELECTOR_ALL, SELECTOR_NODE, SELECTOR_TAG, SELECTOR_PREFIX };

struct selector {
	enum selector_kind kind;
	uint32_t ref;			/* index into tag_names or node_names */
	struct burrow_nl_prefix prefix;	/* SELECTOR_PREFIX */
};

struct selector_list {
	struct selector *items;
	size_t n;
};

struct rule {
	struct selector_list src;
	struct selector_list dst;
};

struct route_approver {
	struct burrow_nl_prefix prefix;
	struct selector_list approvers;
};

struct slot_list {
	uint32_t *slots;
	size_t n;
	size_t cap;
};

/* One node; free when !live, then only next_free is meaningful. */
struct node_slot {
	bool live;
	int64_t id;
	char *name;
	int32_t name_ref;		/* index into node_names; -1: the policy does not name it */
	uint32_t *tag_refs;		/* tag_names indexes of the node's tags the policy knows */
	size_t *tag_pos;		/* where tag_members[tag_refs[i]] holds this slot */
	size_t n_tag_refs;
	size_t routed_pos;		/* where routed holds this slot, when it has routes */
	char **tags;
	size_t n_tags;
	struct burrow_nl_prefix *routes;
	size_t n_routes;
	uint32_t stamp;
};

struct coord_policy_engine {
	struct rule *rules;
	size_t n_rules;
	char **tag_names;		/* "tag:x" */
	size_t n_tag_names;
	char **node_names;		/* "x" (without node:) */
	size_t n_node_names;
	struct route_approver *route_approvers;
	size_t n_route_approvers;
	struct selector_list exit_approvers;

	struct node_slot *slots;
	size_t n_slots;
	size_t cap_slots;
	struct slot_list free_slots;
	struct slot_list *tag_members;	/* n_tag_names of them */
	int32_t *name_slot;		/* n_node_names of them, -1 when nobody has the name */
	/* node name -> node_names index + 1 (0 empty), open addressing; a policy may name 50,000 */
	uint32_t *name_hash;
	size_t name_hash_cap;
	struct slot_list routed;	/* slots with approved routes */
	uint32_t generation;

	/* id -> slot + 1 (0 empty), open addressing with linear probing */
	int64_t *hash_ids;
	uint32_t *hash_slots;
	size_t hash_cap;
	size_t hash_used;
};

/* ---- small containers ------------------------------------------------------- */

static int slot_list_push(struct slot_list *list, uint32_t slot)
{
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 8;
		uint32_t *slots = realloc(list->slots, cap * sizeof(*slots));

		if (!slots)
			return -ENOMEM;
		list->slots = slots;
		list->cap = cap;
	}
	list->slots[list->n++] = slot;
	return 0;
}

/* Removes the entry at pos by moving the last one there; returns the moved slot. */
static uint32_t slot_list_take(struct slot_list *list, size_t pos)
{
	list->slots[pos] = list->slots[--list->n];
	return list->slots[pos];
}

int coord_policy_ids_add(struct coord_policy_ids *ids, int64_t id)
{
	if (ids->n == ids->cap) {
		size_t cap = ids->cap ? ids->cap * 2 : 16;
		int64_t *grown = realloc(ids->ids, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		ids->ids = grown;
		ids->cap = cap;
	}
	ids->ids[ids->n++] = id;
	return 0;
}

void coord_policy_ids_free(struct coord_policy_ids *ids)
{
	free(ids->ids);
	ids->ids = NULL;
	ids->n = ids->cap = 0;
}

static size_t hash_index(int64_t id, size_t cap)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 20) & (cap - 1);
}

/* The slot of id, or -1. */
static int64_t hash_find(const struct coord_policy_engine *engine, int64_t id)
{
	if (!engine->hash_cap)
		return -1;
	for (size_t i = hash_index(id, engine->hash_cap);; i = (i + 1) & (engine->hash_cap - 1)) {
		if (!engine->hash_slots[i])
			return -1;
		if (engine->hash_ids[i] == id)
			return engine->hash_slots[i] - 1;
	}
}

static void hash_place(int64_t *ids, uint32_t *slots, size_t cap, int64_t id,
		       uint32_t slot_plus_one)
{
	size_t i = hash_index(id, cap);

	while (slots[i])
		i = (i + 1) & (cap - 1);
	ids[i] = id;
	slots[i] = slot_plus_one;
}

static int hash_insert(struct coord_policy_engine *engine, int64_t id, uint32_t slot)
{
	if ((engine->hash_used + 1) * 2 > engine->hash_cap) {
		size_t cap = engine->hash_cap ? engine->hash_cap * 2 : 64;
		int64_t *ids = calloc(cap, sizeof(*ids));
		uint32_t *slots = calloc(cap, sizeof(*slots));

		if (!ids || !slots) {
			free(ids);
			free(slots);
			return -ENOMEM;
		}
		for (size_t i = 0; i < engine->hash_cap; i++)
			if (engine->hash_slots[i])
				hash_place(ids, slots, cap, engine->hash_ids[i],
					   engine->hash_slots[i]);
		free(engine->hash_ids);
		free(engine->hash_slots);
		engine->hash_ids = ids;
		engine->hash_slots = slots;
		engine->hash_cap = cap;
	}
	hash_place(engine->hash_ids, engine->hash_slots, engine->hash_cap, id, slot + 1);
	engine->hash_used++;
	return 0;
}

/* Backward-shift deletion keeps every probe chain unbroken without tombstones. */
static void hash_remove(struct coord_policy_engine *engine, int64_t id)
{
	size_t mask = engine->hash_cap - 1;
	size_t i = hash_index(id, engine->hash_cap);

	while (engine->hash_ids[i] != id || !engine->hash_slots[i])
		i = (i + 1) & mask;
	engine->hash_slots[i] = 0;
	for (size_t j = (i + 1) & mask; engine->hash_slots[j]; j = (j + 1) & mask) {
		size_t home = hash_index(engine->hash_ids[j], engine->hash_cap);

		/* j's entry may move to the hole i when i lies on its probe path home..j */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			engine->hash_ids[i] = engine->hash_ids[j];
			engine->hash_slots[i] = engine->hash_slots[j];
			engine->hash_slots[j] = 0;
			i = j;
		}
	}
	engine->hash_used--;
}

/* ---- position scanner --------------------------------------------------------- */

struct scanner {
	const char *text;
	size_t len;
	size_t pos;
	unsigned int line;
};

static void scan_space(struct scanner *s)
{
	while (s->pos < s->len) {
		char c = s->text[s->pos];

		if (c == '\n')
			s->line++;
		else if (c != ' ' && c != '\t' && c != '\r')
			return;
		s->pos++;
	}
}

/* Skips a string starting at its quote; true when it ended with a quote. */
static bool scan_string(struct scanner *s)
{
	s->pos++;
	while (s->pos < s->len) {
		char c = s->text[s->pos++];

		if (c == '\\')
			s->pos++;
		else if (c == '"')
			return true;
		else if (c == '\n')
			s->line++;
	}
	return false;
}

/* Whether the string at s->pos (at its quote) decodes to key; s is not moved. */
static bool scan_key_equals(const struct scanner *s, const char *key)
{
	size_t pos = s->pos + 1;
	size_t k = 0;

	while (pos < s->len && s->text[pos] != '"') {
		char c = s->text[pos++];

		if (c == '\\') {
			if (pos >= s->len)
				return false;
			c = s->text[pos++];
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case '"': case '\\': case '/': break;
			default: return false;	/* \uXXXX: keys we look for are plain ASCII */
			}
		}
		if (key[k] != c)
			return false;
		k++;
	}
	return key[k] == '\0';
}

static bool scan_value(struct scanner *s);

/* Skips an object or array whose opening bracket is at s->pos. */
static bool scan_container(struct scanner *s)
{
	char close = s->text[s->pos] == '{' ? '}' : ']';
	bool object = close == '}';

	s->pos++;
	scan_space(s);
	if (s->pos < s->len && s->text[s->pos] == close) {
		s->pos++;
		return true;
	}
	for (;;) {
		if (object) {
			scan_space(s);
			if (s->pos >= s->len || s->text[s->pos] != '"' || !scan_string(s))
				return false;
			scan_space(s);
			if (s->pos >= s->len || s->text[s->pos] != ':')
				return false;
			s->pos++;
		}
		if (!scan_value(s))
			return false;
		scan_space(s);
		if (s->pos >= s->len)
			return false;
		if (s->text[s->pos] == close) {
			s->pos++;
			return true;
		}
		if (s->text[s->pos] != ',')
			return false;
		s->pos++;
	}
}

static bool scan_value(struct scanner *s)
{
	scan_space(s);
	if (s->pos >= s->len)
		return false;
	switch (s->text[s->pos]) {
	case '"':
		return scan_string(s);
	case '{':
	case '[':
		return scan_container(s);
	default:
		while (s->pos < s->len && !strchr(",]} \t\r\n", s->text[s->pos]))
			s->pos++;
		return true;
	}
}

unsigned int coord_policy_line_of(const char *text, size_t len,
				  const struct coord_policy_step *path, size_t n_steps)
{
	struct scanner s = { .text = text, .len = len, .line = 1 };

	scan_space(&s);
	for (size_t step = 0; step < n_steps; step++) {
		const struct coord_policy_step *want = &path[step];
		char open = want->key ? '{' : '[';
		size_t index = 0;
		bool found = false;

		if (s.pos >= s.len || s.text[s.pos] != open)
			return 0;
		s.pos++;
		scan_space(&s);
		if (s.pos < s.len && s.text[s.pos] == (want->key ? '}' : ']'))
			return 0;
		while (!found) {
			scan_space(&s);
			if (want->key) {
				unsigned int key_line = s.line;

				if (s.pos >= s.len || s.text[s.pos] != '"')
					return 0;
				found = scan_key_equals(&s, want->key);
				if (!scan_string(&s))
					return 0;
				scan_space(&s);
				if (s.pos >= s.len || s.text[s.pos] != ':')
					return 0;
				s.pos++;
				if (found && step + 1 == n_steps)
					return key_line;
			} else {
				found = index++ == want->index;
			}
			if (found)
				break;
			if (!scan_value(&s))
				return 0;
			scan_space(&s);
			if (s.pos >= s.len || s.text[s.pos] != ',')
				return 0;
			s.pos++;
		}
		scan_space(&s);
	}
	return s.line;
}

/* ---- loading ------------------------------------------------------------------ */

struct group {
	const char *name;		/* "group:x", owned by the JSON document */
	struct selector_list members;
};

struct loader {
	struct coord_policy_engine *engine;
	const char *text;
	size_t len;
	const char *name;
	char *why;
	size_t why_size;
	struct group *groups;
	size_t n_groups;
};

/* Reports "name:LINE: path: message"; path is printed from the steps. */
__attribute__((format(printf, 4, 5)))
static int load_error(struct loader *l, const struct coord_policy_step *path, size_t n_steps,
		      const char *fmt, ...)
{
	char where[256] = "";
	char message[512];
	size_t used = 0;
	va_list ap;

	for (size_t i = 0; i < n_steps && used < sizeof(where); i++) {
		int n;

		if (path[i].key)
			n = snprintf(where + used, sizeof(where) - used, "%s%s", i ? "." : "",
				     path[i].key);
		else
			n = snprintf(where + used, sizeof(where) - used, "[%zu]", path[i].index);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	burrow_errorf(l->why, l->why_size, "%s:%u: %s%s%s", l->name,
		      coord_policy_line_of(l->text, l->len, path, n_steps), where,
		      n_steps ? ": " : "", message);
	return -EINVAL;
}

static size_t name_hash_index(const char *name, size_t cap)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

/* The node_names index of name, or -1: one probe run, not a scan of every name. */
static int64_t node_name_ref(const struct coord_policy_engine *engine, const char *name)
{
	if (!engine->name_hash_cap)
		return -1;
	for (size_t i = name_hash_index(name, engine->name_hash_cap);;
	     i = (i + 1) & (engine->name_hash_cap - 1)) {
		uint32_t ref = engine->name_hash[i];

		if (!ref)
			return -1;
		if (!strcmp(engine->node_names[ref - 1], name))
			return ref - 1;
	}
}

static void name_hash_place(uint32_t *table, size_t cap, const char *name, uint32_t ref_plus_one)
{
	size_t i = name_hash_index(name, cap);

	while (table[i])
		i = (i + 1) & (cap - 1);
	table[i] = ref_plus_one;
}

/* Interns a node name through the hash (tags are few: intern() scans them). */
static int intern_node_name(struct coord_policy_engine *engine, const char *name, uint32_t *ref)
{
	int64_t known = node_name_ref(engine, name);
	char **grown;

	if (known >= 0) {
		*ref = (uint32_t)known;
		return 0;
	}
	if ((engine->n_node_names + 1) * 2 > engine->name_hash_cap) {
		size_t cap = engine->name_hash_cap ? engine->name_hash_cap * 2 : 64;
		uint32_t *table = calloc(cap, sizeof(*table));

		if (!table)
			return -ENOMEM;
		for (size_t i = 0; i < engine->n_node_names; i++)
			name_hash_place(table, cap, engine->node_names[i], (uint32_t)i + 1);
		free(engine->name_hash);
		engine->name_hash = table;
		engine->name_hash_cap = cap;
	}
	grown = realloc(engine->node_names, (engine->n_node_names + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	engine->node_names = grown;
	grown[engine->n_node_names] = strdup(name);
	if (!grown[engine->n_node_names])
		return -ENOMEM;
	*ref = (uint32_t)engine->n_node_names++;
	name_hash_place(engine->name_hash, engine->name_hash_cap, name, *ref + 1);
	return 0;
}

static int intern(char ***names, size_t *n, const char *name, uint32_t *ref)
{
	char **grown;

	for (size_t i = 0; i < *n; i++) {
		if (!strcmp((*names)[i], name)) {
			*ref = (uint32_t)i;
			return 0;
		}
	}
	grown = realloc(*names, (*n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	*names = grown;
	grown[*n] = strdup(name);
	if (!grown[*n])
		return -ENOMEM;
	*ref = (uint32_t)(*n)++;
	return 0;
}

/* A node name per the coordinator: a lowercase DNS label. */
static bool valid_label(const char *name)
{
	size_t len = strlen(name);

	if (len < 1 || len > 63)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '-'))
			return false;
	return true;
}

static int list_append(struct selector_list *list, const struct selector *sel)
{
	struct selector *grown = realloc(list->items, (list->n + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	list->items = grown;
	list->items[list->n++] = *sel;
	return 0;
}

enum selector_place { PLACE_SRC, PLACE_DST, PLACE_GROUP, PLACE_APPROVER };

static const struct group *find_group(const struct loader *l, const char *name)
{
	for (size_t i = 0; i < l->n_groups; i++)
		if (!strcmp(l->groups[i].name, name))
			return &l->groups[i];
	return NULL;
}

/* Parses one selector string into list (a group expands to its members). */
static int parse_selector(struct loader *l, const char *text, enum selector_place place,
			  struct selector_list *list, const struct coord_policy_step *path,
			  size_t n_steps)
{
	struct selector sel = { 0 };
	char why[160];
	int err;

	if (!strcmp(text, "*")) {
		sel.kind = SELECTOR_ALL;
	} else if (!strncmp(text, "node:", 5)) {
		if (!valid_label(text + 5))
			return load_error(l, path, n_steps,
					  "invalid node name '%s' "
					  "(a-z, 0-9 and '-', 1-63 characters)",
					  text);
		sel.kind = SELECTOR_NODE;
		err = intern_node_name(l->engine, text + 5, &sel.ref);
		if (err)
			return err;
	} else if (!strncmp(text, "tag:", 4)) {
		if (!valid_label(text + 4))
			return load_error(l, path, n_steps,
					  "invalid tag '%s' (a-z, 0-9 and '-', 1-63 characters)",
					  text);
		sel.kind = SELECTOR_TAG;
		err = intern(&l->engine->tag_names, &l->engine->n_tag_names, text, &sel.ref);
		if (err)
			return err;
	} else if (!strncmp(text, "group:", 6)) {
		const struct group *group;

		if (place == PLACE_GROUP)
			return load_error(l, path, n_steps,
					  "group '%s' inside a group (groups do not nest)", text);
		group = find_group(l, text);
		if (!group)
			return load_error(l, path, n_steps, "unknown group '%s'", text);
		for (size_t i = 0; i < group->members.n; i++) {
			err = list_append(list, &group->members.items[i]);
			if (err)
				return err;
		}
		return 0;
	} else if (strchr(text, '/') || strchr(text, ':') || (text[0] >= '0' && text[0] <= '9')) {
		if (place != PLACE_DST)
			return load_error(l, path, n_steps, "prefix '%s' is only allowed in dst",
					  text);
		if (burrow_text_parse_prefix(text, 0, &sel.prefix, why, sizeof(why)) < 0)
			return load_error(l, path, n_steps, "%s", why);
		sel.kind = SELECTOR_PREFIX;
	} else {
		return load_error(l, path, n_steps,
				  "invalid selector '%s' (*, node:NAME, tag:NAME, group:NAME%s)",
				  text, place == PLACE_DST ? " or a prefix" : "");
	}
	return list_append(list, &sel);
}

/* A non-empty array of selector strings at path (n_steps <= 6). */
static int parse_selector_array(struct loader *l, json_t *array, enum selector_place place,
				struct selector_list *list, struct coord_policy_step *path,
				size_t n_steps)
{
	size_t i;
	json_t *item;

	if (!json_is_array(array))
		return load_error(l, path, n_steps, "expected an array of selectors");
	if (!json_array_size(array))
		return load_error(l, path, n_steps, "empty (name at least one selector)");
	json_array_foreach(array, i, item) {
		int err;

		path[n_steps] = (struct coord_policy_step){ .index = i };
		if (!json_is_string(item))
			return load_error(l, path, n_steps + 1, "expected a string");
		err = parse_selector(l, json_string_value(item), place, list, path, n_steps + 1);
		if (err)
			return err;
	}
	return 0;
}

static int parse_groups(struct loader *l, json_t *groups)
{
	struct coord_policy_step path[4] = { { .key = "groups" } };
	const char *name;
	json_t *members;

	if (!json_is_object(groups))
		return load_error(l, path, 1, "expected an object");
	l->groups = calloc(json_object_size(groups) + 1, sizeof(*l->groups));
	if (!l->groups)
		return -ENOMEM;
	json_object_foreach(groups, name, members) {
		struct group *group = &l->groups[l->n_groups++];
		int err;

		path[1] = (struct coord_policy_step){ .key = name };
		group->name = name;
		if (strncmp(name, "group:", 6) || !valid_label(name + 6))
			return load_error(l, path, 2,
					  "invalid group name (group:NAME with a-z, 0-9 and '-')");
		err = parse_selector_array(l, members, PLACE_GROUP, &group->members, path, 2);
		if (err)
			return err;
	}
	return 0;
}

static int parse_rules(struct loader *l, json_t *rules)
{
	struct coord_policy_step path[4] = { { .key = "rules" } };
	size_t i;
	json_t *rule;

	if (!json_is_array(rules))
		return load_error(l, path, 1, "expected an array of rules");
	l->engine->rules = calloc(json_array_size(rules) + 1, sizeof(struct rule));
	if (!l->engine->rules)
		return -ENOMEM;
	json_array_foreach(rules, i, rule) {
		struct rule *compiled = &l->engine->rules[l->engine->n_rules++];
		const char *key;
		json_t *value;
		int err;

		path[1] = (struct coord_policy_step){ .index = i };
		if (!json_is_object(rule))
			return load_error(l, path, 2, "expected an object with src and dst");
		json_object_foreach(rule, key, value) {
			if (strcmp(key, "src") && strcmp(key, "dst")) {
				path[2] = (struct coord_policy_step){ .key = key };
				return load_error(l, path, 3, "unknown key (src, dst)");
			}
		}
		path[2] = (struct coord_policy_step){ .key = "src" };
		if (!json_object_get(rule, "src"))
			return load_error(l, path, 2, "missing src");
		err = parse_selector_array(l, json_object_get(rule, "src"), PLACE_SRC,
					   &compiled->src, path, 3);
		if (err)
			return err;
		path[2] = (struct coord_policy_step){ .key = "dst" };
		if (!json_object_get(rule, "dst"))
			return load_error(l, path, 2, "missing dst");
		err = parse_selector_array(l, json_object_get(rule, "dst"), PLACE_DST,
					   &compiled->dst, path, 3);
		if (err)
			return err;
	}
	return 0;
}

static int parse_auto_approvers(struct loader *l, json_t *approvers)
{
	struct coord_policy_step path[5] = { { .key = "autoApprovers" } };
	struct coord_policy_engine *engine = l->engine;
	const char *key;
	json_t *value;

	if (!json_is_object(approvers))
		return load_error(l, path, 1, "expected an object");
	json_object_foreach(approvers, key, value) {
		path[1] = (struct coord_policy_step){ .key = key };
		if (!strcmp(key, "exitNode")) {
			int err = parse_selector_array(l, value, PLACE_APPROVER,
						       &engine->exit_approvers, path, 2);
			if (err)
				return err;
		} else if (!strcmp(key, "routes")) {
			const char *prefix;
			json_t *who;

			if (!json_is_object(value))
				return load_error(l, path, 2, "expected an object");
			engine->route_approvers = calloc(json_object_size(value) + 1,
							 sizeof(*engine->route_approvers));
			if (!engine->route_approvers)
				return -ENOMEM;
			json_object_foreach(value, prefix, who) {
				struct route_approver *approver =
					&engine->route_approvers[engine->n_route_approvers++];
				char why[160];
				int err;

				path[2] = (struct coord_policy_step){ .key = prefix };
				if (burrow_text_parse_prefix(prefix, 0, &approver->prefix, why,
							     sizeof(why)) < 0)
					return load_error(l, path, 3, "%s", why);
				err = parse_selector_array(l, who, PLACE_APPROVER,
							   &approver->approvers, path, 3);
				if (err)
					return err;
			}
		} else {
			return load_error(l, path, 2, "unknown key (routes, exitNode)");
		}
	}
	return 0;
}

struct coord_policy_engine *coord_policy_engine_new_empty(void)
{
	return calloc(1, sizeof(struct coord_policy_engine));
}

static int alloc_index(struct coord_policy_engine *engine)
{
	engine->tag_members = calloc(engine->n_tag_names + 1, sizeof(*engine->tag_members));
	engine->name_slot = malloc((engine->n_node_names + 1) * sizeof(*engine->name_slot));
	if (!engine->tag_members || !engine->name_slot)
		return -ENOMEM;
	for (size_t i = 0; i < engine->n_node_names; i++)
		engine->name_slot[i] = -1;
	return 0;
}

int coord_policy_load_string(const char *text, size_t len, const char *name,
			     struct coord_policy_engine **engine, char *why, size_t why_size)
{
	struct loader l = { .text = text, .len = len, .name = name, .why = why,
			    .why_size = why_size };
	json_error_t error;
	json_t *root, *value;
	const char *key;
	int err = 0;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &error);
	if (!root) {
		burrow_errorf(why, why_size, "%s:%d:%d: %s", name, error.line, error.column,
			      error.text);
		return -EINVAL;
	}
	l.engine = coord_policy_engine_new_empty();
	if (!l.engine) {
		json_decref(root);
		return -ENOMEM;
	}
	if (!json_is_object(root)) {
		err = load_error(&l, NULL, 0,
				 "expected an object with groups, rules, autoApprovers");
		goto out;
	}
	json_object_foreach(root, key, value) {
		if (strcmp(key, "groups") && strcmp(key, "rules") && strcmp(key, "autoApprovers")) {
			struct coord_policy_step path = { .key = key };

			err = load_error(&l, &path, 1,
					 "unknown key (groups, rules, autoApprovers)");
			goto out;
		}
	}
	/* groups first: rules and approvers refer to them */
	if ((value = json_object_get(root, "groups")) && (err = parse_groups(&l, value)))
		goto out;
	if ((value = json_object_get(root, "rules")) && (err = parse_rules(&l, value)))
		goto out;
	if ((value = json_object_get(root, "autoApprovers")) &&
	    (err = parse_auto_approvers(&l, value)))
		goto out;
	err = alloc_index(l.engine);
out:
	for (size_t i = 0; i < l.n_groups; i++)
		free(l.groups[i].members.items);
	free(l.groups);
	json_decref(root);
	if (err) {
		if (err == -ENOMEM)
			burrow_errorf(why, why_size, "%s: out of memory", name);
		coord_policy_engine_free(l.engine);
		return err;
	}
	*engine = l.engine;
	return 0;
}

int coord_policy_load_file(const char *path, struct coord_policy_engine **engine,
			   char *why, size_t why_size)
{
	FILE *file = fopen(path, "r");
	char *text = NULL;
	size_t len = 0, cap = 0;
	int err;

	if (!file) {
		err = -errno;
		burrow_errorf(why, why_size, "%s: %s", path, strerror(errno));
		return err;
	}
	for (;;) {
		if (len == cap) {
			char *grown = realloc(text, cap ? cap * 2 : 4096);

			if (!grown) {
				free(text);
				fclose(file);
				return -ENOMEM;
			}
			text = grown;
			cap = cap ? cap * 2 : 4096;
		}
		size_t got = fread(text + len, 1, cap - len, file);

		len += got;
		if (got == 0)
			break;
	}
	if (ferror(file)) {
		burrow_errorf(why, why_size, "%s: read error", path);
		free(text);
		fclose(file);
		return -EIO;
	}
	fclose(file);
	err = coord_policy_load_string(text, len, path, engine, why, why_size);
	free(text);
	return err;
}

static void free_slot_contents(struct node_slot *slot)
{
	free(slot->name);
	for (size_t i = 0; i < slot->n_tags; i++)
		free(slot->tags[i]);
	free(slot->tags);
	free(slot->tag_refs);
	free(slot->tag_pos);
	free(slot->routes);
}

void coord_policy_engine_free(struct coord_policy_engine *engine)
{
	if (!engine)
		return;
	for (size_t i = 0; i < engine->n_rules; i++) {
		free(engine->rules[i].src.items);
		free(engine->rules[i].dst.items);
	}
	free(engine->rules);
	for (size_t i = 0; i < engine->n_route_approvers; i++)
		free(engine->route_approvers[i].approvers.items);
	free(engine->route_approvers);
	free(engine->exit_approvers.items);
	for (size_t i = 0; i < engine->n_slots; i++)
		if (engine->slots[i].live)
			free_slot_contents(&engine->slots[i]);
	free(engine->slots);
	free(engine->free_slots.slots);
	if (engine->tag_members)
		for (size_t i = 0; i < engine->n_tag_names; i++)
			free(engine->tag_members[i].slots);
	free(engine->tag_members);
	for (size_t i = 0; i < engine->n_tag_names; i++)
		free(engine->tag_names[i]);
	free(engine->tag_names);
	for (size_t i = 0; i < engine->n_node_names; i++)
		free(engine->node_names[i]);
	free(engine->node_names);
	free(engine->name_slot);
	free(engine->name_hash);
	free(engine->routed.slots);
	free(engine->hash_ids);
	free(engine->hash_slots);
	free(engine);
}

/* ---- evaluation ----------------------------------------------------------------- */

static bool is_exit_route(const struct burrow_nl_prefix *route)
{
	return route->len == 0;
}

/*
 * A dst prefix reaches a node through an overlapping approved route; an
 * exit route counts only for a dst prefix that covers it (is itself /0).
 */
static bool prefix_reaches(const struct burrow_nl_prefix *dst,
			   const struct burrow_nl_prefix *routes, size_t n_routes)
{
	for (size_t i = 0; i < n_routes; i++) {
		if (is_exit_route(&routes[i])) {
			if (burrow_prefix_contains(dst, &routes[i]))
				return true;
		} else if (burrow_prefix_contains(dst, &routes[i]) ||
			   burrow_prefix_contains(&routes[i], dst)) {
			return true;
		}
	}
	return false;
}

static bool slot_matches(const struct node_slot *slot, const struct selector *sel)
{
	switch (sel->kind) {
	case SELECTOR_ALL:
		return true;
	case SELECTOR_NODE:
		return slot->name_ref == (int32_t)sel->ref;
	case SELECTOR_TAG:
		for (size_t i = 0; i < slot->n_tag_refs; i++)
			if (slot->tag_refs[i] == sel->ref)
				return true;
		return false;
	case SELECTOR_PREFIX:
		return prefix_reaches(&sel->prefix, slot->routes, slot->n_routes);
	}
	return false;
}

static bool slot_matches_any(const struct node_slot *slot, const struct selector_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		if (slot_matches(slot, &list->items[i]))
			return true;
	return false;
}

static int emit(struct coord_policy_engine *engine, uint32_t slot, struct coord_policy_ids *out)
{
	if (engine->slots[slot].stamp == engine->generation)
		return 0;
	engine->slots[slot].stamp = engine->generation;
	return coord_policy_ids_add(out, engine->slots[slot].id);
}

/* Adds the live slots sel selects to out. */
static int emit_selected(struct coord_policy_engine *engine, const struct selector *sel,
			 struct coord_policy_ids *out)
{
	int err = 0;

	switch (sel->kind) {
	case SELECTOR_ALL:
		for (size_t i = 0; i < engine->n_slots && !err; i++)
			if (engine->slots[i].live)
				err = emit(engine, (uint32_t)i, out);
		break;
	case SELECTOR_NODE:
		if (engine->name_slot[sel->ref] >= 0)
			err = emit(engine, (uint32_t)engine->name_slot[sel->ref], out);
		break;
	case SELECTOR_TAG:
		for (size_t i = 0; i < engine->tag_members[sel->ref].n && !err; i++)
			err = emit(engine, engine->tag_members[sel->ref].slots[i], out);
		break;
	case SELECTOR_PREFIX:
		for (size_t i = 0; i < engine->routed.n && !err; i++) {
			uint32_t s = engine->routed.slots[i];

			if (slot_matches(&engine->slots[s], sel))
				err = emit(engine, s, out);
		}
		break;
	}
	return err;
}

/* Adds slot's visible set to out under the current generation (slot itself excluded). */
static int collect_visible(struct coord_policy_engine *engine, uint32_t slot,
			   struct coord_policy_ids *out)
{
	const struct node_slot *viewer = &engine->slots[slot];
	uint32_t saved = engine->slots[slot].stamp;
	int err = 0;

	engine->slots[slot].stamp = engine->generation;
	for (size_t r = 0; r < engine->n_rules && !err; r++) {
		const struct rule *rule = &engine->rules[r];

		if (slot_matches_any(viewer, &rule->src))
			for (size_t i = 0; i < rule->dst.n && !err; i++)
				err = emit_selected(engine, &rule->dst.items[i], out);
		if (slot_matches_any(viewer, &rule->dst))
			for (size_t i = 0; i < rule->src.n && !err; i++)
				err = emit_selected(engine, &rule->src.items[i], out);
	}
	engine->slots[slot].stamp = saved;
	return err;
}

static void next_generation(struct coord_policy_engine *engine)
{
	if (++engine->generation == 0) {
		for (size_t i = 0; i < engine->n_slots; i++)
			engine->slots[i].stamp = 0;
		engine->generation = 1;
	}
}

int coord_policy_visible(struct coord_policy_engine *engine, int64_t node_id,
			 struct coord_policy_ids *out)
{
	int64_t slot = hash_find(engine, node_id);

	out->n = 0;
	if (slot < 0)
		return -ENOENT;
	next_generation(engine);
	return collect_visible(engine, (uint32_t)slot, out);
}

/* Adds slot and its visible set to out under the current generation. */
static int collect_affected(struct coord_policy_engine *engine, uint32_t slot,
			    struct coord_policy_ids *out)
{
	int err = emit(engine, slot, out);

	return err ? err : collect_visible(engine, slot, out);
}

int coord_policy_affected(struct coord_policy_engine *engine, int64_t changed_node_id,
			  struct coord_policy_ids *out)
{
	int64_t slot = hash_find(engine, changed_node_id);

	out->n = 0;
	if (slot < 0)
		return -ENOENT;
	next_generation(engine);
	return collect_affected(engine, (uint32_t)slot, out);
}

int coord_policy_peer_routes(const struct coord_policy_engine *engine, int64_t viewer_id,
			     int64_t peer_id, struct burrow_nl_prefix *out, size_t cap)
{
	int64_t v = hash_find(engine, viewer_id), p = hash_find(engine, peer_id);
	const struct node_slot *viewer, *peer;
	size_t n = 0;

	if (v < 0 || p < 0)
		return -ENOENT;
	viewer = &engine->slots[v];
	peer = &engine->slots[p];
	for (size_t i = 0; i < peer->n_routes; i++) {
		const struct burrow_nl_prefix *route = &peer->routes[i];
		bool allowed = false;

		for (size_t r = 0; r < engine->n_rules && !allowed; r++) {
			const struct rule *rule = &engine->rules[r];

			if (!slot_matches_any(viewer, &rule->src))
				continue;
			for (size_t d = 0; d < rule->dst.n && !allowed; d++) {
				const struct selector *sel = &rule->dst.items[d];

				if (sel->kind == SELECTOR_PREFIX)
					allowed = prefix_reaches(&sel->prefix, route, 1);
				else if (!is_exit_route(route))
					allowed = slot_matches(peer, sel);
			}
		}
		if (allowed) {
			if (n < cap)
				out[n] = *route;
			n++;
		}
	}
	return (int)n;
}

/* ---- node changes ---------------------------------------------------------------- */

static int fill_slot(struct coord_policy_engine *engine, struct node_slot *slot,
		     const struct coord_policy_node *node)
{
	*slot = (struct node_slot){ .live = true, .id = node->id, .name_ref = -1 };
	slot->name = strdup(node->name);
	slot->tags = calloc(node->n_tags + 1, sizeof(*slot->tags));
	slot->tag_refs = calloc(node->n_tags + 1, sizeof(*slot->tag_refs));
	slot->tag_pos = calloc(node->n_tags + 1, sizeof(*slot->tag_pos));
	slot->routes = calloc(node->n_routes + 1, sizeof(*slot->routes));
	if (!slot->name || !slot->tags || !slot->tag_refs || !slot->tag_pos || !slot->routes)
		return -ENOMEM;
	for (size_t i = 0; i < node->n_tags; i++) {
		slot->tags[i] = strdup(node->tags[i]);
		if (!slot->tags[i])
			return -ENOMEM;
		slot->n_tags++;
		for (size_t t = 0; t < engine->n_tag_names; t++) {
			bool known = false;

			for (size_t k = 0; k < slot->n_tag_refs; k++)
				known |= slot->tag_refs[k] == t;
			/* a tag given twice is indexed once */
			if (!known && !strcmp(engine->tag_names[t], node->tags[i])) {
				slot->tag_refs[slot->n_tag_refs++] = (uint32_t)t;
				break;
			}
		}
	}
	if (node->n_routes)
		memcpy(slot->routes, node->approved_routes, node->n_routes * sizeof(*slot->routes));
	slot->n_routes = node->n_routes;
	slot->name_ref = (int32_t)node_name_ref(engine, node->name);
	return 0;
}

/* Enters a filled slot into the tag, name and route indexes. */
static int index_slot(struct coord_policy_engine *engine, uint32_t s)
{
	struct node_slot *slot = &engine->slots[s];
	int err = 0;

	for (size_t i = 0; i < slot->n_tag_refs && !err; i++) {
		slot->tag_pos[i] = engine->tag_members[slot->tag_refs[i]].n;
		err = slot_list_push(&engine->tag_members[slot->tag_refs[i]], s);
	}
	if (!err && slot->n_routes) {
		slot->routed_pos = engine->routed.n;
		err = slot_list_push(&engine->routed, s);
	}
	if (!err && slot->name_ref >= 0)
		engine->name_slot[slot->name_ref] = (int32_t)s;
	return err;
}

static void unindex_slot(struct coord_policy_engine *engine, uint32_t s)
{
	struct node_slot *slot = &engine->slots[s];

	/* O(1) per tag: the list's last entry moves into the hole and learns its new place */
	for (size_t i = 0; i < slot->n_tag_refs; i++) {
		uint32_t tag = slot->tag_refs[i];
		uint32_t moved = slot_list_take(&engine->tag_members[tag], slot->tag_pos[i]);
		struct node_slot *other = &engine->slots[moved];

		for (size_t k = 0; k < other->n_tag_refs; k++)
			if (other->tag_refs[k] == tag)
				other->tag_pos[k] = slot->tag_pos[i];
	}
	if (slot->n_routes) {
		uint32_t moved = slot_list_take(&engine->routed, slot->routed_pos);

		engine->slots[moved].routed_pos = slot->routed_pos;
	}
	if (slot->name_ref >= 0 && engine->name_slot[slot->name_ref] == (int32_t)s)
		engine->name_slot[slot->name_ref] = -1;
}

static bool name_taken(const struct coord_policy_engine *engine, const char *name, int64_t by)
{
	/* only names the policy mentions are indexed; others cannot clash in evaluation */
	int64_t i = node_name_ref(engine, name);

	return i >= 0 && engine->name_slot[i] >= 0 && engine->slots[engine->name_slot[i]].id != by;
}

int coord_policy_node_add(struct coord_policy_engine *engine, const struct coord_policy_node *node,
			  struct coord_policy_ids *affected)
{
	struct node_slot filled;
	uint32_t s;
	int err;

	if (affected)
		affected->n = 0;
	if (hash_find(engine, node->id) >= 0 || name_taken(engine, node->name, node->id))
		return -EEXIST;
	if (!engine->free_slots.n && engine->n_slots == engine->cap_slots) {
		size_t cap = engine->cap_slots ? engine->cap_slots * 2 : 64;
		struct node_slot *slots = realloc(engine->slots, cap * sizeof(*slots));

		if (!slots)
			return -ENOMEM;
		engine->slots = slots;
		engine->cap_slots = cap;
	}
	err = fill_slot(engine, &filled, node);
	if (err) {
		free_slot_contents(&filled);
		return err;
	}
	err = hash_insert(engine, node->id,
			  engine->free_slots.n ? engine->free_slots.slots[engine->free_slots.n - 1]
					       : (uint32_t)engine->n_slots);
	if (err) {
		free_slot_contents(&filled);
		return err;
	}
	s = engine->free_slots.n ? engine->free_slots.slots[--engine->free_slots.n]
				 : (uint32_t)engine->n_slots++;
	engine->slots[s] = filled;
	err = index_slot(engine, s);
	if (!err && affected) {
		next_generation(engine);
		err = collect_affected(engine, s, affected);
	}
	return err;
}

int coord_policy_node_remove(struct coord_policy_engine *engine, int64_t id,
			     struct coord_policy_ids *affected)
{
	int64_t s = hash_find(engine, id);
	int err = 0;

	if (affected)
		affected->n = 0;
	if (s < 0)
		return -ENOENT;
	if (affected) {
		next_generation(engine);
		err = collect_affected(engine, (uint32_t)s, affected);
	}
	unindex_slot(engine, (uint32_t)s);
	hash_remove(engine, id);
	free_slot_contents(&engine->slots[s]);
	engine->slots[s].live = false;
	return slot_list_push(&engine->free_slots, (uint32_t)s) ? -ENOMEM : err;
}

int coord_policy_node_update(struct coord_policy_engine *engine,
			     const struct coord_policy_node *node,
			     struct coord_policy_ids *affected)
{
	int64_t s = hash_find(engine, node->id);
	struct node_slot filled;
	int err = 0;

	if (affected)
		affected->n = 0;
	if (s < 0)
		return -ENOENT;
	if (name_taken(engine, node->name, node->id))
		return -EEXIST;
	err = fill_slot(engine, &filled, node);
	if (err) {
		free_slot_contents(&filled);
		return err;
	}
	if (affected) {
		next_generation(engine);
		err = collect_affected(engine, (uint32_t)s, affected);
	}
	unindex_slot(engine, (uint32_t)s);
	free_slot_contents(&engine->slots[s]);
	filled.stamp = engine->slots[s].stamp;
	engine->slots[s] = filled;
	if (!err)
		err = index_slot(engine, (uint32_t)s);
	/* same generation: the union of before and after without duplicates */
	if (!err && affected)
		err = collect_visible(engine, (uint32_t)s, affected);
	return err;
}

/* ---- auto-approval ------------------------------------------------------------------ */

static bool node_matches(const struct coord_policy_engine *engine,
			 const struct coord_policy_node *node, const struct selector_list *list)
{
	for (size_t i = 0; i < list->n; i++) {
		const struct selector *sel = &list->items[i];

		switch (sel->kind) {
		case SELECTOR_ALL:
			return true;
		case SELECTOR_NODE:
			if (!strcmp(engine->node_names[sel->ref], node->name))
				return true;
			break;
		case SELECTOR_TAG:
			for (size_t t = 0; t < node->n_tags; t++)
				if (!strcmp(engine->tag_names[sel->ref], node->tags[t]))
					return true;
			break;
		case SELECTOR_PREFIX:
			break;
		}
	}
	return false;
}

bool coord_policy_auto_approve(const struct coord_policy_engine *engine,
			       const struct coord_policy_node *node,
			       const struct burrow_nl_prefix *route)
{
	if (is_exit_route(route))
		return node_matches(engine, node, &engine->exit_approvers);
	for (size_t i = 0; i < engine->n_route_approvers; i++)
		if (burrow_prefix_contains(&engine->route_approvers[i].prefix, route) &&
		    node_matches(engine, node, &engine->route_approvers[i].approvers))
			return true;
	return false;
}

/* ---- reload ------------------------------------------------------------------------- */

int coord_policy_copy_nodes(struct coord_policy_engine *to, const struct coord_policy_engine *from)
{
	int err = 0;

	for (size_t i = 0; i < from->n_slots && !err; i++) {
		const struct node_slot *slot = &from->slots[i];
		struct coord_policy_node node;

		if (!slot->live)
			continue;
		node = (struct coord_policy_node){
			.id = slot->id,
			.name = slot->name,
			.tags = (const char *const *)slot->tags,
			.n_tags = slot->n_tags,
			.approved_routes = slot->routes,
			.n_routes = slot->n_routes,
		};
		err = coord_policy_node_add(to, &node, NULL);
	}
	return err;
}

/*
 * A selector as text that means the same in every engine (refs are
 * per-engine numbers): "*", "n:NAME", "t:tag:NAME", "p:FAMILY/LEN/HEX".
 */
static int selector_key(const struct coord_policy_engine *engine, const struct selector *sel,
			char **out)
{
	char hex[33];
	size_t bytes;
	int n = -1;

	switch (sel->kind) {
	case SELECTOR_ALL:
		n = asprintf(out, "*");
		break;
	case SELECTOR_NODE:
		n = asprintf(out, "n:%s", engine->node_names[sel->ref]);
		break;
	case SELECTOR_TAG:
		n = asprintf(out, "t:%s", engine->tag_names[sel->ref]);
		break;
	case SELECTOR_PREFIX:
		bytes = sel->prefix.family == AF_INET6 ? 16 : 4;
		for (size_t i = 0; i < bytes; i++)
			snprintf(hex + 2 * i, 3, "%02x", sel->prefix.addr.bytes[i]);
		n = asprintf(out, "p:%u/%u/%s", sel->prefix.family, sel->prefix.len, hex);
		break;
	}
	if (n < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A selector list as sorted, distinct selector keys joined by ' ' (a set: order and repeats do not matter). */
static int list_key(const struct coord_policy_engine *engine, const struct selector_list *list,
		    char **out)
{
	char **keys = calloc(list->n + 1, sizeof(*keys));
	size_t len = 1, used = 0;
	int err = 0;

	*out = NULL;
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < list->n && !err; i++) {
		err = selector_key(engine, &list->items[i], &keys[i]);
		if (!err)
			len += strlen(keys[i]) + 1;
	}
	if (!err) {
		qsort(keys, list->n, sizeof(*keys), compare_strings);
		*out = malloc(len);
		if (!*out)
			err = -ENOMEM;
	}
	for (size_t i = 0; i < list->n && !err; i++) {
		size_t n;

		if (i && !strcmp(keys[i], keys[i - 1]))
			continue;
		n = strlen(keys[i]);
		memcpy(*out + used, keys[i], n);
		used += n;
		(*out)[used++] = ' ';
	}
	if (!err)
		(*out)[used] = '\0';
	for (size_t i = 0; i < list->n; i++)
		free(keys[i]);
	free(keys);
	return err;
}

/* One rule's key: its src and dst sets. */
struct rule_key {
	char *text;
	size_t rule;
};

static int rule_keys(const struct coord_policy_engine *engine, struct rule_key **out)
{
	struct rule_key *keys = calloc(engine->n_rules + 1, sizeof(*keys));
	int err = 0;

	*out = keys;
	if (!keys)
		return -ENOMEM;
	for (size_t r = 0; r < engine->n_rules && !err; r++) {
		char *src = NULL, *dst = NULL;

		keys[r].rule = r;
		err = list_key(engine, &engine->rules[r].src, &src);
		if (!err)
			err = list_key(engine, &engine->rules[r].dst, &dst);
		if (!err && asprintf(&keys[r].text, "%s-> %s", src, dst) < 0) {
			keys[r].text = NULL;
			err = -ENOMEM;
		}
		free(src);
		free(dst);
	}
	return err;
}

static void rule_keys_free(struct rule_key *keys, size_t n)
{
	for (size_t i = 0; keys && i < n; i++)
		free(keys[i].text);
	free(keys);
}

static int compare_rule_keys(const void *a, const void *b)
{
	const struct rule_key *x = a, *y = b;

	return strcmp(x->text ? x->text : "", y->text ? y->text : "");
}

static bool key_in(const struct rule_key *sorted, size_t n, const char *text)
{
	struct rule_key probe = { .text = (char *)text };

	return n && bsearch(&probe, sorted, n, sizeof(*sorted), compare_rule_keys) != NULL;
}

/* Adds the members of rule r's src and dst to out (current generation of engine). */
static int emit_rule_members(struct coord_policy_engine *engine, size_t r,
			     struct coord_policy_ids *out)
{
	const struct rule *rule = &engine->rules[r];
	int err = 0;

	for (size_t i = 0; i < rule->src.n && !err; i++)
		err = emit_selected(engine, &rule->src.items[i], out);
	for (size_t i = 0; i < rule->dst.n && !err; i++)
		err = emit_selected(engine, &rule->dst.items[i], out);
	return err;
}

static int compare_id_values(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Why this set is enough. A's map is its visible set (the rules with A in
 * src, giving their dst, and with A in dst, giving their src) and, for
 * each peer B, B's routes A may use (the rules with A in src). A node's
 * membership in a selector depends only on the node (its name, tags and
 * routes), which old and new hold alike. So a rule present in both
 * policies (the same src and dst selector sets, groups expanded) gives
 * every node the same contribution under both, and A's map can differ
 * only through a rule present in one policy alone with A in its src or
 * dst. Those rules' members are what this returns: each removed rule's
 * src and dst evaluated in old, each added one's in new. Rule order,
 * repeats, group names and autoApprovers (applied when a node registers,
 * never to maps) do not matter.
 */
int coord_policy_reload_affected(struct coord_policy_engine *old_engine,
				 struct coord_policy_engine *new_engine,
				 struct coord_policy_ids *out)
{
	struct rule_key *old_keys = NULL, *new_keys = NULL;
	struct coord_policy_ids from_old = { 0 };
	size_t n_old = old_engine->n_rules, n_new = new_engine->n_rules;
	int err;

	out->n = 0;
	err = rule_keys(old_engine, &old_keys);
	if (!err)
		err = rule_keys(new_engine, &new_keys);
	if (err)
		goto out;
	qsort(old_keys, n_old, sizeof(*old_keys), compare_rule_keys);
	qsort(new_keys, n_new, sizeof(*new_keys), compare_rule_keys);
	next_generation(old_engine);
	for (size_t i = 0; i < n_old && !err; i++)
		if (!key_in(new_keys, n_new, old_keys[i].text))
			err = emit_rule_members(old_engine, old_keys[i].rule, &from_old);
	next_generation(new_engine);
	for (size_t i = 0; i < n_new && !err; i++)
		if (!key_in(old_keys, n_old, new_keys[i].text))
			err = emit_rule_members(new_engine, new_keys[i].rule, out);
	/* the union: ids from old that new has not emitted yet (stamped in new by emit) */
	for (size_t i = 0; i < from_old.n && !err; i++) {
		int64_t slot = hash_find(new_engine, from_old.ids[i]);

		if (slot >= 0)
			err = emit(new_engine, (uint32_t)slot, out);
		else
			err = coord_policy_ids_add(out, from_old.ids[i]);
	}
	if (!err && out->n) {
		size_t kept = 0;

		qsort(out->ids, out->n, sizeof(*out->ids), compare_id_values);
		for (size_t i = 1; i < out->n; i++)
			if (out->ids[i] != out->ids[kept])
				out->ids[++kept] = out->ids[i];
		out->n = kept + 1;
	}
out:
	rule_keys_free(old_keys, n_old);
	rule_keys_free(new_keys, n_new);
	coord_policy_ids_free(&from_old);
	return err;
}
