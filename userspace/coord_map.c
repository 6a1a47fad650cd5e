// SPDX-License-Identifier: GPL-2.0
/* Node map and coordinator-side diff: see coord_map.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "coord_map.h"
#include "log.h"

struct coord_map_key {
	uint8_t key[32];
	size_t index;			/* into peers */
};

void coord_map_init(struct coord_map *m)
{
	memset(m, 0, sizeof(*m));
}

void coord_map_free(struct coord_map *m)
{
	coord_peers_free(m->peers, m->n_peers);
	free(m->by_key);
	memset(m, 0, sizeof(*m));
}

static int key_cmp(const void *a, const void *b)
{
	const struct coord_map_key *ka = a, *kb = b;

	return memcmp(ka->key, kb->key, sizeof(ka->key));
}

/* The key index of peers; -EBADMSG with why when two peers share a key. */
static int key_index_build(const struct coord_peer *peers, size_t n, struct coord_map_key **out,
			   const char *what, char *why, size_t why_size)
{
	struct coord_map_key *index = NULL;

	*out = NULL;
	if (n == 0)
		return 0;
	index = malloc(n * sizeof(*index));
	if (!index)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		memcpy(index[i].key, peers[i].public_key, 32);
		index[i].index = i;
	}
	qsort(index, n, sizeof(*index), key_cmp);
	for (size_t i = 1; i < n; i++) {
		if (!key_cmp(&index[i - 1], &index[i])) {
			burrow_errorf(why, why_size, "%s: peers %llu and %llu have the same public key",
				what, (unsigned long long)peers[index[i - 1].index].id,
				(unsigned long long)peers[index[i].index].id);
			free(index);
			return -EBADMSG;
		}
	}
	*out = index;
	return 0;
}

int coord_map_apply_full(struct coord_map *m, uint64_t version, const struct coord_map_self *self,
			 struct coord_peer *peers, size_t n_peers, char *why, size_t why_size)
{
	struct coord_map_key *index;
	int ret;

	for (size_t i = 1; i < n_peers; i++) {
		if (peers[i].id <= peers[i - 1].id) {
			burrow_errorf(why, why_size, "MAP_FULL: peer id %llu after %llu",
				(unsigned long long)peers[i].id,
				(unsigned long long)peers[i - 1].id);
			coord_peers_free(peers, n_peers);
			return -EBADMSG;
		}
	}
	ret = key_index_build(peers, n_peers, &index, "MAP_FULL", why, why_size);
	if (ret) {
		coord_peers_free(peers, n_peers);
		return ret;
	}
	coord_map_free(m);
	m->have_full = true;
	m->version = version;
	m->self = *self;
	m->peers = peers;
	m->n_peers = n_peers;
	m->by_key = index;
	return 0;
}

static size_t find_index(const struct coord_peer *peers, size_t n, uint64_t id, bool *found)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (peers[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < n && peers[lo].id == id;
	return lo;
}

int coord_map_apply_delta(struct coord_map *m, struct coord_map_delta *delta, char *why,
			  size_t why_size)
{
	struct coord_peer *merged = NULL;
	struct coord_map_key *index;
	size_t *dropped = NULL, n_dropped = 0, n = 0, i = 0, c = 0, r = 0;
	int ret;

	if (!m->have_full) {
		burrow_errorf(why, why_size, "MAP_DELTA version %llu before any full map",
			(unsigned long long)delta->version);
		return -ESTALE;
	}
	if (delta->version != m->version + 1) {
		burrow_errorf(why, why_size, "MAP_DELTA version %llu after version %llu (gap)",
			(unsigned long long)delta->version, (unsigned long long)m->version);
		return -ESTALE;
	}
	for (size_t k = 0; k < delta->n_removed; k++) {
		bool found;

		find_index(m->peers, m->n_peers, delta->removed[k], &found);
		if (!found) {
			burrow_errorf(why, why_size, "MAP_DELTA version %llu removes unknown peer %llu",
				(unsigned long long)delta->version,
				(unsigned long long)delta->removed[k]);
			return -ESTALE;
		}
	}
	if (m->n_peers + delta->n_changed) {
		merged = malloc((m->n_peers + delta->n_changed) * sizeof(*merged));
		dropped = malloc((delta->n_removed + delta->n_changed + 1) * sizeof(*dropped));
		if (!merged || !dropped) {
			free(merged);
			free(dropped);
			return -ENOMEM;
		}
	}
	/* One pass over three id-sorted lists: the map, changed, removed. */
	while (i < m->n_peers || c < delta->n_changed) {
		const struct coord_peer *old = i < m->n_peers ? &m->peers[i] : NULL;
		const struct coord_peer *new = c < delta->n_changed ? &delta->changed[c] : NULL;

		if (old && (!new || old->id < new->id)) {
			while (r < delta->n_removed && delta->removed[r] < old->id)
				r++;
			if (r < delta->n_removed && delta->removed[r] == old->id)
				dropped[n_dropped++] = i;
			else
				merged[n++] = *old;
			i++;
		} else {
			if (old && old->id == new->id) {
				dropped[n_dropped++] = i;
				i++;
			}
			merged[n++] = *new;
			c++;
		}
	}
	ret = key_index_build(merged, n, &index, "MAP_DELTA", why, why_size);
	if (ret) {
		free(merged);
		free(dropped);
		return ret;
	}
	for (size_t k = 0; k < n_dropped; k++)
		coord_peer_free(&m->peers[dropped[k]]);
	free(dropped);
	free(m->peers);
	free(m->by_key);
	m->peers = merged;
	m->n_peers = n;
	m->by_key = index;
	m->version = delta->version;
	/* The entries moved into the map; the delta keeps only its removed ids. */
	free(delta->changed);
	delta->changed = NULL;
	delta->n_changed = 0;
	return 0;
}

const struct coord_peer *coord_map_peer_by_id(const struct coord_map *m, uint64_t id)
{
	bool found;
	size_t i = find_index(m->peers, m->n_peers, id, &found);

	return found ? &m->peers[i] : NULL;
}

const struct coord_peer *coord_map_peer_by_key(const struct coord_map *m, const uint8_t key[32])
{
	struct coord_map_key wanted = { 0 }, *hit;

	if (!m->n_peers)
		return NULL;
	memcpy(wanted.key, key, 32);
	hit = bsearch(&wanted, m->by_key, m->n_peers, sizeof(*m->by_key), key_cmp);
	return hit ? &m->peers[hit->index] : NULL;
}

size_t coord_map_size(const struct coord_map *m)
{
	return m->n_peers;
}

const struct coord_peer *coord_map_peer_at(const struct coord_map *m, size_t i)
{
	return i < m->n_peers ? &m->peers[i] : NULL;
}

/* ---- coordinator side ----------------------------------------------------------- */

static int grow(void **array, size_t *cap, size_t n, size_t size)
{
	void *grown;
	size_t want;

	if (n < *cap)
		return 0;
	want = *cap ? *cap * 2 : 16;
	grown = realloc(*array, want * size);
	if (!grown)
		return -ENOMEM;
	*array = grown;
	*cap = want;
	return 0;
}

static int check_sorted(const struct coord_peer *peers, size_t n, const char *set, char *why,
			size_t why_size)
{
	for (size_t i = 1; i < n; i++) {
		if (peers[i].id <= peers[i - 1].id) {
			burrow_errorf(why, why_size, "%s peer set: id %llu after %llu (ids must increase)",
				set, (unsigned long long)peers[i].id,
				(unsigned long long)peers[i - 1].id);
			return -EINVAL;
		}
	}
	return 0;
}

int coord_map_diff(const struct coord_peer *prev, size_t n_prev, const struct coord_peer *next,
		   size_t n_next, uint64_t version, struct coord_map_delta *out, char *why,
		   size_t why_size)
{
	size_t i = 0, j = 0, cap_changed = 0, cap_removed = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	out->version = version;
	ret = check_sorted(prev, n_prev, "previous", why, why_size);
	if (!ret)
		ret = check_sorted(next, n_next, "new", why, why_size);
	if (ret)
		return ret;
	while (i < n_prev || j < n_next) {
		if (j == n_next || (i < n_prev && prev[i].id < next[j].id)) {
			ret = grow((void **)&out->removed, &cap_removed, out->n_removed,
				   sizeof(*out->removed));
			if (ret)
				goto fail;
			out->removed[out->n_removed++] = prev[i++].id;
			continue;
		}
		if (i < n_prev && prev[i].id == next[j].id) {
			bool same = coord_peer_equal(&prev[i], &next[j]);

			i++;
			if (same) {
				j++;
				continue;
			}
		}
		ret = grow((void **)&out->changed, &cap_changed, out->n_changed,
			   sizeof(*out->changed));
		if (!ret)
			ret = coord_peer_copy(&out->changed[out->n_changed], &next[j]);
		if (ret)
			goto fail;
		out->n_changed++;
		j++;
	}
	return 0;
fail:
	coord_map_delta_free(out);
	return ret;
}
