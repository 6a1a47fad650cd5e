// SPDX-License-Identifier: GPL-2.0
/*
 * Allowed prefixes: a path-compressed binary trie per address family, read
 * under RCU and changed under the caller's mutex. See allowedips.h for the
 * node invariants.
 *
 * Keys are held as two host-order u64 words, most significant bit first, so
 * IPv4 (in the top 32 bits of key[0]) and IPv6 share every routine: "does
 * this node's prefix cover the address" is an xor and a find-last-set, and
 * a lookup costs one such test per node on its path. Paths are at most
 * family_bits + 1 nodes long because cidrs strictly grow downwards, and
 * nothing here recurses.
 */

#include <linux/bitops.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <asm/byteorder.h>

#include "allowedips.h"
#include "selftest.h"

static struct kmem_cache *node_cache;

#define locked(p, lock)	rcu_dereference_protected(p, lockdep_is_held(lock))
#define reader(p)	rcu_dereference_check(p, rcu_read_lock_any_held())

static struct burrow_allowedips_node __rcu **family_root(struct burrow_allowedips *table,
							 int family, u8 *bits)
{
	switch (family) {
	case AF_INET:
		*bits = 32;
		return &table->root4;
	case AF_INET6:
		*bits = 128;
		return &table->root6;
	}
	return NULL;
}

static void mask_key(u64 key[2], unsigned int cidr)
{
	unsigned int i, keep;

	for (i = 0; i < 2; i++) {
		keep = cidr > 64 * i ? min(cidr - 64 * i, 64U) : 0;
		key[i] &= keep ? ~0ULL << (64 - keep) : 0;
	}
}

static void make_key(u64 key[2], u8 bits, const void *addr, unsigned int cidr)
{
	__be64 v6[2];
	__be32 v4;

	if (bits == 32) {
		memcpy(&v4, addr, sizeof(v4));
		key[0] = (u64)be32_to_cpu(v4) << 32;
		key[1] = 0;
	} else {
		memcpy(v6, addr, sizeof(v6));
		key[0] = be64_to_cpu(v6[0]);
		key[1] = be64_to_cpu(v6[1]);
	}
	mask_key(key, cidr);
}

/* Number of leading bits a and b share, 0..128. */
static unsigned int common_bits(const u64 a[2], const u64 b[2])
{
	if (a[0] != b[0])
		return 64 - fls64(a[0] ^ b[0]);
	if (a[1] != b[1])
		return 128 - fls64(a[1] ^ b[1]);
	return 128;
}

/* Bit number pos of key, counting from the most significant; pos < 128. */
static unsigned int bit_at(const u64 key[2], unsigned int pos)
{
	return (key[pos / 64] >> (63 - pos % 64)) & 1;
}

static struct burrow_allowedips_node *node_new(const u64 key[2], u8 cidr, u8 bits)
{
	struct burrow_allowedips_node *node = kmem_cache_zalloc(node_cache, GFP_KERNEL);

	if (!node)
		return NULL;
	node->key[0] = key[0];
	node->key[1] = key[1];
	mask_key(node->key, cidr);
	node->cidr = cidr;
	node->family_bits = bits;
	INIT_LIST_HEAD(&node->owner_link);
	return node;
}

static void node_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(node_cache, container_of(rcu, struct burrow_allowedips_node, rcu));
}

/* The node must already be unreachable for new readers. */
static void node_free(struct burrow_allowedips_node *node)
{
	call_rcu(&node->rcu, node_free_rcu);
}

/* Called only on nodes not yet published, so RCU_INIT_POINTER suffices. */
static void node_set_owner(struct burrow_allowedips_node *node,
			   struct burrow_allowedips_owner *owner)
{
	RCU_INIT_POINTER(node->owner, owner);
	list_add_tail_rcu(&node->owner_link, &owner->nodes);
	WRITE_ONCE(owner->count, owner->count + 1);
}

static void node_drop_owner(struct burrow_allowedips_node *node,
			    struct burrow_allowedips_owner *owner)
{
	list_del_rcu(&node->owner_link);
	WRITE_ONCE(owner->count, owner->count - 1);
	RCU_INIT_POINTER(node->owner, NULL);
}

static void table_changed(struct burrow_allowedips *table)
{
	WRITE_ONCE(table->seq, table->seq + 1);
}

int burrow_allowedips_slab_init(void)
{
	node_cache = KMEM_CACHE(burrow_allowedips_node, 0);
	return node_cache ? 0 : -ENOMEM;
}

void burrow_allowedips_slab_uninit(void)
{
	rcu_barrier();
	kmem_cache_destroy(node_cache);
	node_cache = NULL;
}

void burrow_allowedips_init(struct burrow_allowedips *table)
{
	RCU_INIT_POINTER(table->root4, NULL);
	RCU_INIT_POINTER(table->root6, NULL);
	table->seq = 1;
}

void burrow_allowedips_owner_init(struct burrow_allowedips_owner *owner)
{
	INIT_LIST_HEAD(&owner->nodes);
	owner->count = 0;
}

/*
 * Hands a detached subtree to RCU. Readers may still be walking it, so the
 * child pointers stay intact until the grace period; the walk instead
 * threads its to-do list through the nodes' rcu heads, which nobody else
 * touches before call_rcu(). No recursion and no allocation, at any depth.
 */
static void free_subtree(struct burrow_allowedips_node *top, struct mutex *lock)
{
	struct burrow_allowedips_owner *owner;
	struct rcu_head *todo;
	struct burrow_allowedips_node *node, *child;
	unsigned int i;

	if (!top)
		return;
	top->rcu.next = NULL;
	todo = &top->rcu;
	while (todo) {
		node = container_of(todo, struct burrow_allowedips_node, rcu);
		todo = todo->next;
		for (i = 0; i < 2; i++) {
			child = locked(node->child[i], lock);
			if (child) {
				child->rcu.next = todo;
				todo = &child->rcu;
			}
		}
		owner = locked(node->owner, lock);
		if (owner)
			node_drop_owner(node, owner);
		node_free(node);
		cond_resched();
	}
}

void burrow_allowedips_free(struct burrow_allowedips *table, struct mutex *lock)
{
	struct burrow_allowedips_node *root4, *root6;

	lockdep_assert_held(lock);
	might_sleep();
	root4 = locked(table->root4, lock);
	root6 = locked(table->root6, lock);
	RCU_INIT_POINTER(table->root4, NULL);
	RCU_INIT_POINTER(table->root6, NULL);
	free_subtree(root4, lock);
	free_subtree(root6, lock);
	table_changed(table);
}

/*
 * A prefix becomes owned, or changes owner, by publishing a fresh node in
 * place of the old one: see the one-owner-list rule in allowedips.h.
 */
static int take_over(struct burrow_allowedips *table, struct burrow_allowedips_node __rcu **slot,
		     struct burrow_allowedips_node *old, struct burrow_allowedips_owner *owner,
		     struct mutex *lock)
{
	struct burrow_allowedips_owner *was = locked(old->owner, lock);
	struct burrow_allowedips_node *node;

	if (was == owner)
		return 0;
	node = node_new(old->key, old->cidr, old->family_bits);
	if (!node)
		return -ENOMEM;
	RCU_INIT_POINTER(node->child[0], locked(old->child[0], lock));
	RCU_INIT_POINTER(node->child[1], locked(old->child[1], lock));
	node_set_owner(node, owner);
	rcu_assign_pointer(*slot, node);
	if (was)
		node_drop_owner(old, was);
	node_free(old);
	table_changed(table);
	return 0;
}

int burrow_allowedips_insert(struct burrow_allowedips *table, int family, const void *addr,
			     u8 cidr, struct burrow_allowedips_owner *owner, struct mutex *lock)
{
	struct burrow_allowedips_node __rcu **slot;
	struct burrow_allowedips_node *node, *leaf, *branch;
	unsigned int common = 0;
	u64 key[2];
	u8 bits;

	lockdep_assert_held(lock);
	slot = family_root(table, family, &bits);
	if (!slot || cidr > bits || !owner)
		return -EINVAL;
	make_key(key, bits, addr, cidr);

	/* Descend while the node's prefix strictly covers the new one. */
	while ((node = locked(*slot, lock))) {
		common = min3(common_bits(key, node->key), (unsigned int)cidr,
			      (unsigned int)node->cidr);
		if (common == cidr && common == node->cidr)
			return take_over(table, slot, node, owner, lock);
		if (common < node->cidr)
			break;
		slot = &node->child[bit_at(key, node->cidr)];
	}

	leaf = node_new(key, cidr, bits);
	if (!leaf)
		return -ENOMEM;
	branch = leaf;
	if (node && common == cidr) {
		/* The new prefix covers node: node moves below it. */
		RCU_INIT_POINTER(leaf->child[bit_at(node->key, cidr)], node);
	} else if (node) {
		/* They part at bit number common: join them under a branch. */
		branch = node_new(key, common, bits);
		if (!branch) {
			kmem_cache_free(node_cache, leaf);
			return -ENOMEM;
		}
		RCU_INIT_POINTER(branch->child[bit_at(node->key, common)], node);
		RCU_INIT_POINTER(branch->child[bit_at(key, common)], leaf);
	}
	node_set_owner(leaf, owner);
	rcu_assign_pointer(*slot, branch);
	table_changed(table);
	return 0;
}

/* Where a prefix's node hangs, and where its parent hangs (NULL at the root). */
struct trie_path {
	struct burrow_allowedips_node __rcu **slot;
	struct burrow_allowedips_node __rcu **parent_slot;
};

static struct burrow_allowedips_node *find_exact(struct burrow_allowedips_node __rcu **root,
						 const u64 key[2], u8 cidr,
						 struct trie_path *path, struct mutex *lock)
{
	struct burrow_allowedips_node *node;

	path->slot = root;
	path->parent_slot = NULL;
	while ((node = locked(*path->slot, lock))) {
		if (node->cidr > cidr || common_bits(key, node->key) < node->cidr)
			return NULL;
		if (node->cidr == cidr)
			return node;
		path->parent_slot = path->slot;
		path->slot = &node->child[bit_at(key, node->cidr)];
	}
	return NULL;
}

struct burrow_allowedips_node *burrow_allowedips_find(struct burrow_allowedips *table,
						      int family, const void *addr, u8 cidr,
						      struct burrow_allowedips_owner *owner,
						      struct mutex *lock)
{
	struct burrow_allowedips_node __rcu **root;
	struct burrow_allowedips_node *node;
	struct trie_path path;
	u64 key[2];
	u8 bits;

	lockdep_assert_held(lock);
	root = family_root(table, family, &bits);
	if (!root || cidr > bits)
		return NULL;
	make_key(key, bits, addr, cidr);
	node = find_exact(root, key, cidr, &path, lock);
	if (!node || locked(node->owner, lock) != owner)
		return NULL;
	return node;
}

/*
 * Drops the owner of the node at path->slot and restores the invariants: an
 * unowned node with two children stays as a branch; with one child it is
 * replaced by that child; with none it goes, and if its parent was a branch,
 * the parent now has one child and is replaced by it. At most two nodes are
 * freed, and never another owned node, which remove_by_owner relies on.
 */
static void remove_at(struct burrow_allowedips *table, const struct trie_path *path,
		      struct mutex *lock)
{
	struct burrow_allowedips_node *node, *parent, *left, *right;

	node = locked(*path->slot, lock);
	node_drop_owner(node, locked(node->owner, lock));
	left = locked(node->child[0], lock);
	right = locked(node->child[1], lock);
	if (left && right)
		goto out;
	if (left || right) {
		rcu_assign_pointer(*path->slot, left ?: right);
	} else {
		RCU_INIT_POINTER(*path->slot, NULL);
		parent = path->parent_slot ? locked(*path->parent_slot, lock) : NULL;
		if (parent && !rcu_access_pointer(parent->owner)) {
			left = locked(parent->child[0], lock);
			right = locked(parent->child[1], lock);
			rcu_assign_pointer(*path->parent_slot, left ?: right);
			node_free(parent);
		}
	}
	node_free(node);
out:
	table_changed(table);
}

int burrow_allowedips_remove(struct burrow_allowedips *table, int family, const void *addr,
			     u8 cidr, struct burrow_allowedips_owner *owner, struct mutex *lock)
{
	struct burrow_allowedips_node __rcu **root;
	struct trie_path path;
	struct burrow_allowedips_node *node;
	u64 key[2];
	u8 bits;

	lockdep_assert_held(lock);
	root = family_root(table, family, &bits);
	if (!root || cidr > bits)
		return -EINVAL;
	make_key(key, bits, addr, cidr);
	node = find_exact(root, key, cidr, &path, lock);
	if (!node || !owner || rcu_access_pointer(node->owner) != owner)
		return -ENOENT;
	remove_at(table, &path, lock);
	return 0;
}

void burrow_allowedips_remove_by_owner(struct burrow_allowedips *table,
				       struct burrow_allowedips_owner *owner,
				       struct mutex *lock)
{
	struct burrow_allowedips_node __rcu **root;
	struct trie_path path;
	struct burrow_allowedips_node *node, *next;

	lockdep_assert_held(lock);
	might_sleep();
	list_for_each_entry_safe(node, next, &owner->nodes, owner_link) {
		root = node->family_bits == 32 ? &table->root4 : &table->root6;
		if (WARN_ON(find_exact(root, node->key, node->cidr, &path, lock) != node))
			continue;
		remove_at(table, &path, lock);
		cond_resched();
	}
}

struct burrow_allowedips_owner *burrow_allowedips_lookup(struct burrow_allowedips *table,
							 int family, const void *addr)
{
	struct burrow_allowedips_owner *best = NULL, *owner;
	struct burrow_allowedips_node __rcu **root;
	struct burrow_allowedips_node *node;
	u64 key[2];
	u8 bits;

	root = family_root(table, family, &bits);
	if (!root)
		return NULL;
	make_key(key, bits, addr, bits);
	node = reader(*root);
	while (node && common_bits(key, node->key) >= node->cidr) {
		owner = reader(node->owner);
		if (owner)
			best = owner;
		if (node->cidr == bits)
			break;
		node = reader(node->child[bit_at(key, node->cidr)]);
	}
	return best;
}

void burrow_allowedips_read_node(const struct burrow_allowedips_node *node, int *family,
				 u8 addr[16], u8 *cidr)
{
	__be64 v6[2];
	__be32 v4;

	memset(addr, 0, 16);
	if (node->family_bits == 32) {
		*family = AF_INET;
		v4 = cpu_to_be32(node->key[0] >> 32);
		memcpy(addr, &v4, sizeof(v4));
	} else {
		*family = AF_INET6;
		v6[0] = cpu_to_be64(node->key[0]);
		v6[1] = cpu_to_be64(node->key[1]);
		memcpy(addr, v6, sizeof(v6));
	}
	*cidr = node->cidr;
}

unsigned int burrow_allowedips_count(const struct burrow_allowedips_owner *owner)
{
	return READ_ONCE(owner->count);
}

size_t burrow_allowedips_node_size(void)
{
	return node_cache ? kmem_cache_size(node_cache) : sizeof(struct burrow_allowedips_node);
}

#ifdef BURROW_SELFTEST
#include "selftest/allowedips.c"
#endif
