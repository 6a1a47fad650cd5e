// SPDX-License-Identifier: GPL-2.0
/*
 * In-module selftest of allowedips.c, #included at its end when built with
 * BURROW_SELFTEST so that it can reach the file's static functions; never
 * compiled on its own (Kbuild lists only the implementation files).
 */

#include <linux/inet.h>
#include <linux/prandom.h>
#include <linux/random.h>

#define ST_OWNERS	32
#define ST_PREFIXES	1000
#define ST_LOOKUPS	4000

enum st_op { ST_INSERT, ST_REMOVE, ST_LOOKUP, ST_DROP, ST_COUNT };
enum { A, B, C, D, E, F, NONE = -1 };

/* want: the return value, owner index (lookups) or prefix count (ST_COUNT). */
struct st_step {
	enum st_op op;
	int family;
	const char *addr;
	u8 cidr;
	int owner, want;
};

#define INS(fam, addr, cidr, o)		{ ST_INSERT, AF_##fam, addr, cidr, o, 0 }
#define BAD(fam, addr, cidr)		{ ST_INSERT, fam, addr, cidr, A, -EINVAL }
#define DEL(fam, addr, cidr, o, ret)	{ ST_REMOVE, AF_##fam, addr, cidr, o, ret }
#define GET(fam, addr, o)		{ ST_LOOKUP, AF_##fam, addr, 0, NONE, o }
#define DROP(o)				{ ST_DROP, 0, NULL, 0, o, 0 }
#define COUNT(o, n)			{ ST_COUNT, 0, NULL, 0, o, n }

static const struct st_step st_script[] = {
	INS(INET, "10.0.0.0", 8, A), INS(INET, "10.1.0.0", 16, B),
	INS(INET, "10.1.2.0", 24, C), INS(INET, "10.1.2.3", 32, D),
	GET(INET, "10.1.2.3", D), GET(INET, "10.1.2.4", C),
	GET(INET, "10.200.0.1", A), GET(INET, "11.0.0.1", NONE),
	INS(INET, "0.0.0.0", 0, E),
	GET(INET, "11.0.0.1", E), GET(INET, "255.255.255.255", E),
	/* Host bits are ignored, so F takes over C's prefix. */
	INS(INET, "10.1.2.77", 24, F), GET(INET, "10.1.2.4", F),
	COUNT(C, 0), COUNT(F, 1),
	DEL(INET, "10.1.2.0", 24, C, -ENOENT), DEL(INET, "10.1.2.0", 24, F, 0),
	GET(INET, "10.1.2.4", B), GET(INET, "10.1.2.3", D),
	DEL(INET, "10.1.2.3", 32, D, 0), GET(INET, "10.1.2.3", B),
	/* Siblings join under a /23 branch, which is no prefix until set. */
	INS(INET, "192.168.1.0", 24, A), INS(INET, "192.168.0.0", 24, B),
	GET(INET, "192.168.1.9", A), GET(INET, "192.168.0.9", B),
	DEL(INET, "192.168.0.0", 23, A, -ENOENT), INS(INET, "192.168.0.0", 23, C),
	DEL(INET, "192.168.1.0", 24, A, 0),
	GET(INET, "192.168.1.9", C), GET(INET, "192.168.0.9", B),
	BAD(AF_INET, "10.0.0.0", 33), BAD(AF_INET6, "::", 129), BAD(AF_UNSPEC, "::", 0),
	INS(INET6, "::", 0, A), INS(INET6, "2001:db8::", 32, B),
	INS(INET6, "2001:db8::1", 128, C), INS(INET6, "2001:db8:8000::", 33, E),
	GET(INET6, "2001:db8::1", C), GET(INET6, "2001:db9::", A),
	GET(INET6, "2001:db8:8000::1", E), GET(INET6, "2001:db8:7fff::1", B),
	/* A v4-mapped address belongs to the IPv6 table only. */
	INS(INET6, "::ffff:10.1.2.3", 128, D),
	GET(INET6, "::ffff:10.1.2.3", D), GET(INET6, "::ffff:10.1.2.4", A),
	GET(INET, "10.1.2.3", B),
	INS(INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128, F),
	GET(INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", F),
	GET(INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", A),
	COUNT(A, 2), DROP(A),
	GET(INET6, "2001:db9::", NONE), GET(INET, "10.200.0.1", E),
	GET(INET, "10.1.0.1", B),
	COUNT(B, 3), DROP(B), DROP(C), DROP(D), DROP(E), DROP(F),
};

/* The naive model: a flat array of prefixes per family, scanned linearly. */
struct st_prefix {
	u8 addr[16];
	u8 cidr;
	int owner;	/* NONE once removed */
};

struct st_model {
	int family;
	unsigned int len, bits, n;
	struct st_prefix p[ST_PREFIXES];
};

/* Everything one run uses, in one allocation. */
struct st_ctx {
	struct burrow_allowedips table;
	struct mutex lock;	/* the table's writer lock, held throughout */
	struct burrow_allowedips_owner owners[ST_OWNERS];
	struct st_model models[2];
	struct rnd_state rs;
};

static int st_index(struct st_ctx *c, struct burrow_allowedips_owner *owner)
{
	return owner ? (int)(owner - c->owners) : NONE;
}

static int st_step(struct st_ctx *c, const struct st_step *s)
{
	struct burrow_allowedips_owner *owner = s->owner == NONE ? NULL : &c->owners[s->owner];
	struct burrow_allowedips_node *node;
	u8 addr[16] = { };
	int ret = 0;

	if (s->addr && !(s->family == AF_INET ? in4_pton(s->addr, -1, addr, -1, NULL) :
			 in6_pton(s->addr, -1, addr, -1, NULL)))
		return -EFAULT;
	switch (s->op) {
	case ST_INSERT:
		return burrow_allowedips_insert(&c->table, s->family, addr, s->cidr, owner,
						&c->lock);
	case ST_REMOVE:
		return burrow_allowedips_remove(&c->table, s->family, addr, s->cidr, owner,
						&c->lock);
	case ST_LOOKUP:
		rcu_read_lock_bh();
		ret = st_index(c, burrow_allowedips_lookup(&c->table, s->family, addr));
		rcu_read_unlock_bh();
		return ret;
	case ST_DROP:
		burrow_allowedips_remove_by_owner(&c->table, owner, &c->lock);
		return burrow_allowedips_count(owner) || !list_empty(&owner->nodes);
	case ST_COUNT:
		burrow_allowedips_for_each(node, owner, &c->lock)
			ret++;
		return ret == burrow_allowedips_count(owner) ? ret : -1;
	}
	return -1;
}

static bool st_run_script(struct st_ctx *c)
{
	const struct st_step *s;
	bool ok = true;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(st_script); i++) {
		s = &st_script[i];
		ret = st_step(c, s);
		if (ret != s->want) {
			pr_err("selftest allowedips: step %u (op %d %s/%u): got %d\n",
			       i, s->op, s->addr ?: "-", s->cidr, ret);
			ok = false;
		}
	}
	/* Every prefix is gone, so every branch must have been pruned. */
	if (rcu_access_pointer(c->table.root4) || rcu_access_pointer(c->table.root6)) {
		pr_err("selftest allowedips: nodes left after the script\n");
		ok = false;
	}
	return ok;
}

/* Which bits of byte i a /cidr prefix fixes. */
static u8 st_byte_mask(unsigned int cidr, unsigned int i)
{
	if (cidr >= 8 * (i + 1))
		return 0xff;
	return cidr > 8 * i ? 0xff00 >> (cidr - 8 * i) : 0;
}

static int st_model_lookup(const struct st_model *m, const u8 *addr)
{
	int best = NONE, best_cidr = -1;
	unsigned int i, j;

	for (i = 0; i < m->n; i++) {
		if (m->p[i].owner == NONE || m->p[i].cidr <= best_cidr)
			continue;
		for (j = 0; j < m->len; j++)
			if ((m->p[i].addr[j] ^ addr[j]) & st_byte_mask(m->p[i].cidr, j))
				break;
		if (j == m->len) {
			best = m->p[i].owner;
			best_cidr = m->p[i].cidr;
		}
	}
	return best;
}

/* A random address likely to hit: under a model prefix, or in a popular /8. */
static void st_address(struct st_ctx *c, const struct st_model *m, u8 *addr)
{
	static const u8 firsts[] = { 0, 10, 0x20, 0xff };
	u32 r = prandom_u32_state(&c->rs);
	unsigned int i, keep = 8;
	u8 noise[16];

	memset(addr, 0, 16);
	addr[0] = firsts[(r >> 4) % ARRAY_SIZE(firsts)];
	if (m->n && r % 2) {
		memcpy(addr, m->p[(r >> 8) % m->n].addr, m->len);
		keep = m->p[(r >> 8) % m->n].cidr;
	}
	prandom_bytes_state(&c->rs, noise, m->len);
	for (i = 0; i < m->len; i++)
		addr[i] = (addr[i] & st_byte_mask(keep, i)) | (noise[i] & ~st_byte_mask(keep, i));
}

/*
 * Walks one trie checking the node invariants from allowedips.h and that each
 * owned node is a live model prefix with the same owner. Returns the number
 * of owned nodes, or -1.
 */
static int st_check_trie(struct st_ctx *c, struct burrow_allowedips_node __rcu **root,
			 const struct st_model *m)
{
	struct burrow_allowedips_node **stack, *node = NULL, *child;
	unsigned int depth = 0, i, cap = 2 * 130;
	struct burrow_allowedips_owner *owner;
	int family, owned = 0;
	u8 addr[16], cidr;
	bool ok = true;
	u64 key[2];

	stack = kmalloc_array(cap, sizeof(*stack), GFP_KERNEL);
	if (!stack)
		return -1;
	if (rcu_access_pointer(*root))
		stack[depth++] = locked(*root, &c->lock);
	while (depth && ok) {
		node = stack[--depth];
		memcpy(key, node->key, sizeof(key));
		mask_key(key, node->cidr);
		ok = node->family_bits == m->bits && !memcmp(key, node->key, sizeof(key));
		owner = locked(node->owner, &c->lock);
		if (owner) {
			owned++;
			burrow_allowedips_read_node(node, &family, addr, &cidr);
			for (i = 0; i < m->n; i++)
				if (m->p[i].cidr == cidr && !memcmp(m->p[i].addr, addr, 16))
					break;
			ok &= family == m->family && i < m->n &&
			      st_index(c, owner) == m->p[i].owner;
		} else {
			ok &= locked(node->child[0], &c->lock) && locked(node->child[1], &c->lock);
		}
		for (i = 0; i < 2 && ok; i++) {
			child = locked(node->child[i], &c->lock);
			if (!child)
				continue;
			ok = child->cidr > node->cidr && child->cidr <= m->bits && depth < cap &&
			     bit_at(child->key, node->cidr) == i &&
			     common_bits(child->key, node->key) >= node->cidr;
			stack[depth++] = child;
		}
	}
	kfree(stack);
	if (!ok)
		pr_err("selftest allowedips: family %d trie broken near /%u\n",
		       m->family, node->cidr);
	return ok ? owned : -1;
}

/* Both tries hold exactly the live model prefixes, and lookups agree. */
static bool st_verify(struct st_ctx *c, unsigned int lookups, const char *phase)
{
	int owned4 = st_check_trie(c, &c->table.root4, &c->models[0]);
	int owned6 = st_check_trie(c, &c->table.root6, &c->models[1]);
	unsigned int f, i, live = 0;
	const struct st_model *m;
	int want, got;
	u8 addr[16];

	for (f = 0; f < 2; f++)
		for (i = 0; i < c->models[f].n; i++)
			live += c->models[f].p[i].owner != NONE;
	if (owned4 < 0 || owned6 < 0 || owned4 + owned6 != live) {
		pr_err("selftest allowedips: %s: %d + %d owned, %u live\n",
		       phase, owned4, owned6, live);
		return false;
	}
	for (i = 0; i < 2 * lookups; i++) {
		m = &c->models[i % 2];
		st_address(c, m, addr);
		want = st_model_lookup(m, addr);
		rcu_read_lock();
		got = st_index(c, burrow_allowedips_lookup(&c->table, m->family, addr));
		rcu_read_unlock();
		if (got != want) {
			pr_err("selftest allowedips: %s: %*phN: got %d want %d\n",
			       phase, m->len, addr, got, want);
			return false;
		}
	}
	return true;
}

static bool st_random(struct st_ctx *c)
{
	unsigned int f, i, j;
	struct st_prefix *p;
	struct st_model *m;
	bool ok = true;
	int ret, owner;
	u32 r;

	c->models[0] = (struct st_model){ .family = AF_INET, .len = 4, .bits = 32 };
	c->models[1] = (struct st_model){ .family = AF_INET6, .len = 16, .bits = 128 };
	for (i = 0; i < 2 * ST_PREFIXES && ok; i++) {
		/* Mostly long prefixes, many nested under earlier ones. */
		m = &c->models[i % 2];
		r = prandom_u32_state(&c->rs);
		p = &m->p[m->n];
		st_address(c, m, p->addr);
		p->cidr = r % 16 ? m->bits / 2 + (r >> 8) % (m->bits / 2 + 1)
			: (r >> 8) % (m->bits + 1);
		p->owner = (r >> 16) % ST_OWNERS;
		for (j = 0; j < 16; j++)
			p->addr[j] &= st_byte_mask(p->cidr, j);
		ok = !burrow_allowedips_insert(&c->table, m->family, p->addr, p->cidr,
					       &c->owners[p->owner], &c->lock);
		for (j = 0; j < m->n; j++)
			if (m->p[j].cidr == p->cidr && !memcmp(m->p[j].addr, p->addr, 16))
				break;
		if (j < m->n)
			m->p[j].owner = p->owner;	/* taken over */
		else
			m->n++;
	}
	ok = ok && st_verify(c, ST_LOOKUPS, "after inserts");

	/* Remove about half; one attempt in eight names a random owner. */
	for (f = 0; f < 2 && ok; f++) {
		for (i = 0; i < c->models[f].n && ok; i++) {
			p = &c->models[f].p[i];
			r = prandom_u32_state(&c->rs);
			if (r % 2)
				continue;
			owner = r % 8 ? p->owner : (r >> 8) % ST_OWNERS;
			ret = burrow_allowedips_remove(&c->table, c->models[f].family, p->addr,
						       p->cidr, &c->owners[owner], &c->lock);
			ok = ret == (owner == p->owner ? 0 : -ENOENT);
			if (!ret)
				p->owner = NONE;
		}
	}
	ok = ok && st_verify(c, ST_LOOKUPS / 4, "after removes");

	for (owner = 0; owner < ST_OWNERS / 4 && ok; owner++) {
		burrow_allowedips_remove_by_owner(&c->table, &c->owners[owner], &c->lock);
		for (f = 0; f < 2; f++)
			for (i = 0; i < c->models[f].n; i++)
				if (c->models[f].p[i].owner == owner)
					c->models[f].p[i].owner = NONE;
	}
	return ok && st_verify(c, ST_LOOKUPS / 4, "after owner drops");
}

bool burrow_allowedips_selftest(void)
{
	bool own_cache = false, ok = false;
	struct st_ctx *c = NULL;
	unsigned int i;
	u64 seed;

	/* Usable before module init has created the cache, too. */
	if (!node_cache) {
		if (burrow_allowedips_slab_init())
			goto out;
		own_cache = true;
	}
	c = kvzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		goto out;
	for (i = 0; i < ST_OWNERS; i++)
		burrow_allowedips_owner_init(&c->owners[i]);
	mutex_init(&c->lock);
	burrow_allowedips_init(&c->table);
	seed = get_random_u64();
	prandom_seed_state(&c->rs, seed);

	mutex_lock(&c->lock);
	ok = st_run_script(c);
	if (!st_random(c)) {
		pr_err("selftest allowedips: random test failed, seed %llu\n", seed);
		ok = false;
	}
	/* The random test leaves prefixes behind for a table-wide free. */
	burrow_allowedips_free(&c->table, &c->lock);
	c->models[0].n = 0;
	c->models[1].n = 0;
	ok &= st_verify(c, 0, "after free");
	for (i = 0; i < ST_OWNERS; i++) {
		if (list_empty(&c->owners[i].nodes) && !burrow_allowedips_count(&c->owners[i]))
			continue;
		pr_err("selftest allowedips: owner %u not empty after free\n", i);
		ok = false;
	}
	mutex_unlock(&c->lock);
	mutex_destroy(&c->lock);
	/* Let the deferred frees run, so a kmemleak scan right after sees none. */
	rcu_barrier();
out:
	kvfree(c);
	if (own_cache)
		burrow_allowedips_slab_uninit();
	if (ok)
		pr_info("selftest allowedips: pass\n");
	else if (!c)
		pr_err("selftest allowedips: out of memory\n");
	return ok;
}
