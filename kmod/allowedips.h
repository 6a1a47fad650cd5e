/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Allowed prefixes: IPv4 and IPv6 prefixes mapped to an owner (a peer), with
 * longest-prefix match, in one path-compressed binary trie per family.
 *
 * Locking: every change is made under a mutex the caller owns and passes in
 * (asserted with lockdep). Lookups take no lock; they run under any flavour
 * of RCU read-side critical section, including rcu_read_lock_bh() and plain
 * softirq context. Nodes are freed only after a grace period, so a reader
 * may see a prefix a moment after its removal, never freed memory.
 *
 * Owners: an owner must stay valid while it owns prefixes; call
 * burrow_allowedips_remove_by_owner() (or burrow_allowedips_free() for the
 * whole table) before freeing it, and let RCU readers that found it through
 * a lookup finish before it goes away.
 */
#ifndef _BURROW_ALLOWEDIPS_H
#define _BURROW_ALLOWEDIPS_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/types.h>

/* Embedded in the owner; links every prefix node it owns. */
struct burrow_allowedips_owner {
	struct list_head nodes;
	unsigned int count;	/* written under the table lock */
};

/*
 * A trie node: a prefix (key masked to cidr bits) and, unless it is a pure
 * branch point, the owner of that prefix. Invariants, kept by every writer:
 *  - a child's cidr is larger than its parent's, and the child's key shares
 *    the parent's first cidr bits; child[b] holds keys whose bit number
 *    parent->cidr (counting from the most significant) is b;
 *  - a node without an owner has exactly two children, so removals prune
 *    branch points that stopped being useful and the node count stays below
 *    twice the prefix count;
 *  - key, cidr and family_bits never change after a node is published, and a
 *    node joins at most one owner list in its life: taking over an existing
 *    prefix publishes a replacement node, which keeps RCU walkers of both
 *    the trie and the owner lists on valid paths.
 * rcu is separate from owner_link because owner lists may be walked under
 * RCU while unlinked nodes wait for their grace period.
 *
 * 80 bytes on 64-bit (8 owner + 16 child + 16 owner_link + 16 rcu + 16 key +
 * 2, padded); the kmem_cache adds no alignment on top.
 */
struct burrow_allowedips_node {
	struct burrow_allowedips_owner __rcu *owner;
	struct burrow_allowedips_node __rcu *child[2];
	struct list_head owner_link;
	struct rcu_head rcu;
	u64 key[2];		/* address bits, most significant first */
	u8 cidr;
	u8 family_bits;		/* 32 or 128 */
};

/* seq is bumped under the lock on every change and is never 0. */
struct burrow_allowedips {
	struct burrow_allowedips_node __rcu *root4;
	struct burrow_allowedips_node __rcu *root6;
	u64 seq;
};

int burrow_allowedips_slab_init(void);
/* Waits for pending RCU frees (rcu_barrier()) before destroying the cache. */
void burrow_allowedips_slab_uninit(void);

void burrow_allowedips_init(struct burrow_allowedips *table);
void burrow_allowedips_owner_init(struct burrow_allowedips_owner *owner);

/*
 * Frees every node and empties every owner's list; the table is empty and
 * reusable afterwards. Readers still inside RCU sections stay safe.
 */
void burrow_allowedips_free(struct burrow_allowedips *table, struct mutex *lock);

/*
 * family is AF_INET (4-byte addr, cidr 0..32) or AF_INET6 (16 bytes,
 * 0..128); addr is in network byte order, and bits beyond cidr are ignored.
 * If the prefix exists already, it moves to @owner. Returns 0, -EINVAL for a
 * bad family or cidr, or -ENOMEM, in which case the table is unchanged.
 */
int burrow_allowedips_insert(struct burrow_allowedips *table, int family, const void *addr,
			     u8 cidr, struct burrow_allowedips_owner *owner, struct mutex *lock);

/* Removes exactly this prefix if @owner owns it: 0, -ENOENT or -EINVAL. */
int burrow_allowedips_remove(struct burrow_allowedips *table, int family, const void *addr,
			     u8 cidr, struct burrow_allowedips_owner *owner, struct mutex *lock);

/*
 * The node of exactly this prefix if @owner owns it, else NULL; under @lock.
 * Lets a netlink dump resume at a prefix it saved by value.
 */
struct burrow_allowedips_node *burrow_allowedips_find(struct burrow_allowedips *table,
						      int family, const void *addr, u8 cidr,
						      struct burrow_allowedips_owner *owner,
						      struct mutex *lock);

/* O(prefixes owned x address bits); may sleep to let others run. */
void burrow_allowedips_remove_by_owner(struct burrow_allowedips *table,
				       struct burrow_allowedips_owner *owner, struct mutex *lock);

/*
 * Longest-prefix match for a 4- or 16-byte address in network byte order;
 * NULL if nothing matches or the family is unknown. The caller is in an RCU
 * read-side section, and keeps it while it uses the owner.
 */
struct burrow_allowedips_owner *burrow_allowedips_lookup(struct burrow_allowedips *table,
							 int family, const void *addr);

/*
 * Walks @owner's prefixes in insertion order, under @lock or inside an RCU
 * read-side section (pass the lock either way; lockdep accepts both).
 *
 * A netlink dump that stops part-way remembers the prefix it stopped at by
 * value, finds its node again with burrow_allowedips_find() in a later call,
 * under the lock, and resumes with burrow_allowedips_for_each_from() from it.
 */
#define burrow_allowedips_for_each(node, owner, lock)				\
	list_for_each_entry_rcu(node, &(owner)->nodes, owner_link,		\
				lockdep_is_held(lock))
#define burrow_allowedips_for_each_from(node, owner)				\
	list_for_each_entry_from_rcu(node, &(owner)->nodes, owner_link)

/* addr is zero-filled beyond the family's length. */
void burrow_allowedips_read_node(const struct burrow_allowedips_node *node, int *family,
				 u8 addr[16], u8 *cidr);
unsigned int burrow_allowedips_count(const struct burrow_allowedips_owner *owner);
/* Bytes one trie node takes in its cache, for memory-per-prefix reports. */
size_t burrow_allowedips_node_size(void);

#endif /* _BURROW_ALLOWEDIPS_H */
