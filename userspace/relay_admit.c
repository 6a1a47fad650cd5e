// SPDX-License-Identifier: GPL-2.0
/* burrowd's relay role: ticket admission to the kernel relay table. See relay_admit.h. */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "burrow-text.h"
#include "log.h"
#include "relay_admit.h"

struct binding {
	struct burrow_relay_ticket t;
	struct burrow_nl_endpoint ep[2];	/* [0] party a, [1] party b */
	bool bound[2];
	bool installed;
	uint64_t kernel_until;			/* unix s the kernel entry's lifetime ends */
};

struct revoked {
	uint32_t id;
	uint64_t until;				/* refused until then */
};

struct burrow_relay {
	uint8_t coord_key[32], own_key[32];
	struct burrow_relay_ops ops;
	struct binding *b;
	size_t n, cap;
	struct revoked *rv;
	size_t n_rv, cap_rv;
	struct burrow_relay_counters c;
	uint64_t (*clock)(void);
};

const char *burrow_relay_code_name(unsigned code)
{
	if (code == BURROW_RELAY_UNAVAILABLE)
		return "unavailable";
	return burrow_relay_ticket_result_name(code);
}

struct burrow_relay *burrow_relay_new(const uint8_t coord_key[32], const uint8_t own_key[32],
				      const struct burrow_relay_ops *ops)
{
	struct burrow_relay *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	memcpy(r->coord_key, coord_key, 32);
	memcpy(r->own_key, own_key, 32);
	r->ops = *ops;
	return r;
}

static void entry_del(struct burrow_relay *r, struct binding *b)
{
	if (!b->installed)
		return;
	if (r->ops.entry_del(r->ops.arg, b->t.id) < 0)
		r->c.kernel_errors++;
	b->installed = false;
	r->c.entries--;
}

static void binding_drop(struct burrow_relay *r, size_t i)
{
	entry_del(r, &r->b[i]);
	r->b[i] = r->b[--r->n];
}

void burrow_relay_free(struct burrow_relay *r)
{
	if (!r)
		return;
	while (r->n)
		binding_drop(r, r->n - 1);
	free(r->b);
	free(r->rv);
	free(r);
}

const struct burrow_relay_counters *burrow_relay_counters(const struct burrow_relay *r)
{
	return &r->c;
}

size_t burrow_relay_bound(const struct burrow_relay *r)
{
	return r->n;
}

void burrow_relay_set_clock(struct burrow_relay *r, uint64_t (*now)(void))
{
	r->clock = now;
}

/* The address a datagram from this node arrives with (IPv4-mapped as IPv4). */
static int endpoint_of(const struct sockaddr *sa, struct burrow_nl_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		ep->family = AF_INET;
		ep->addr.v4 = in->sin_addr;
		ep->port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			ep->family = AF_INET;
			memcpy(&ep->addr.v4, &in6->sin6_addr.s6_addr[12], 4);
		} else {
			ep->family = AF_INET6;
			ep->addr.v6 = in6->sin6_addr;
		}
		ep->port = ntohs(in6->sin6_port);
	} else {
		return -EAFNOSUPPORT;
	}
	return ep->port ? 0 : -EINVAL;
}

static bool endpoint_equal(const struct burrow_nl_endpoint *x, const struct burrow_nl_endpoint *y)
{
	return x->family == y->family && x->port == y->port &&
	       !memcmp(&x->addr, &y->addr, x->family == AF_INET ? 4 : 16);
}

static uint32_t lifetime_of(const struct binding *b, uint64_t now)
{
	uint64_t left = b->t.expiry - now;

	return (uint32_t)(left > BURROW_RELAY_LIFETIME_MAX ? BURROW_RELAY_LIFETIME_MAX : left);
}

static bool is_revoked(struct burrow_relay *r, uint32_t id, uint64_t now)
{
	for (size_t i = 0; i < r->n_rv; i++)
		if (r->rv[i].id == id && r->rv[i].until > now)
			return true;
	return false;
}

static unsigned refuse(struct burrow_relay *r, unsigned code, const char *text, const char **why)
{
	r->c.refused[code]++;
	*why = text;
	return code;
}

unsigned burrow_relay_admit(struct burrow_relay *r, const uint8_t peer_key[32],
			    const struct sockaddr *from, const uint8_t *ticket, size_t len,
			    uint64_t now, const char **why)
{
	struct burrow_relay_ticket t;
	struct burrow_nl_endpoint ep;
	struct binding *b = NULL;
	unsigned code;
	int side, ret;

	code = burrow_relay_ticket_decode(ticket, len, &t, why);
	if (code)
		return refuse(r, code, *why, why);
	code = burrow_relay_ticket_verify(&t, r->coord_key, r->own_key, peer_key, now);
	if (code)
		return refuse(r, code, burrow_relay_ticket_result_name(code), why);
	if (is_revoked(r, t.id, now))
		return refuse(r, BURROW_RELAY_TICKET_REVOKED, "revoked", why);
	if (endpoint_of(from, &ep) < 0)
		return refuse(r, BURROW_RELAY_TICKET_MALFORMED, "no usable source address", why);
	side = memcmp(t.a, peer_key, 32) ? 1 : 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->b[i].t.id == t.id)
			b = &r->b[i];
	if (b && memcmp(&b->t, &t, sizeof(t)) &&
	    (memcmp(b->t.a, t.a, 32) || memcmp(b->t.b, t.b, 32) || memcmp(b->t.relay, t.relay, 32)))
		return refuse(r, BURROW_RELAY_TICKET_CONFLICT, "ticket id bound to another pair", why);
	if (b && b->bound[!side] && b->ep[!side].family != ep.family)
		return refuse(r, BURROW_RELAY_TICKET_CONFLICT,
			      "address family differs from the other party's", why);
	if (!b) {
		if (r->n == BURROW_RELAY_MAX_ENTRIES)
			return refuse(r, BURROW_RELAY_TICKET_CONFLICT, "relay table full", why);
		if (r->n == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 16;
			struct binding *grown = realloc(r->b, cap * sizeof(*grown));

			if (!grown)
				return refuse(r, BURROW_RELAY_UNAVAILABLE, "out of memory", why);
			r->b = grown;
			r->cap = cap;
		}
		b = &r->b[r->n++];
		memset(b, 0, sizeof(*b));
		b->t = t;
	} else if (t.expiry > b->t.expiry) {
		/* The same pair and id signed again with a later expiry: keep it. */
		b->t = t;
	}

	if (b->installed) {
		struct burrow_nl_relay e = { .ticket = t.id };

		if (!endpoint_equal(&b->ep[side], &ep)) {
			if (side == 0)
				e.a = ep;
			else
				e.b = ep;
			ret = r->ops.entry_set(r->ops.arg, &e);
			if (ret < 0) {
				r->c.kernel_errors++;
				return refuse(r, BURROW_RELAY_UNAVAILABLE, "the kernel refused the move",
					      why);
			}
			r->c.moved++;
			b->ep[side] = ep;
		}
	} else {
		b->ep[side] = ep;
		b->bound[side] = true;
		if (b->bound[!side]) {
			struct burrow_nl_relay e = {
				.ticket = t.id, .a = b->ep[0], .b = b->ep[1],
				.lifetime = lifetime_of(b, now),
			};

			ret = r->ops.entry_new(r->ops.arg, &e);
			if (ret < 0) {
				r->c.kernel_errors++;
				b->bound[side] = false;
				return refuse(r, BURROW_RELAY_UNAVAILABLE, "the kernel refused the entry",
					      why);
			}
			b->installed = true;
			b->kernel_until = now + e.lifetime;
			r->c.installed++;
			r->c.entries++;
		}
	}
	r->c.admitted++;
	*why = b->installed ? "relaying" : "waiting for the other party";
	return BURROW_RELAY_TICKET_OK;
}

void burrow_relay_revoke(struct burrow_relay *r, uint32_t id, uint64_t now)
{
	uint64_t until = now + BURROW_RELAY_LIFETIME_MAX;

	for (size_t i = 0; i < r->n; i++) {
		if (r->b[i].t.id != id)
			continue;
		until = r->b[i].t.expiry;
		if (r->b[i].installed)
			r->c.revoked++;
		binding_drop(r, i);
		break;
	}
	for (size_t i = 0; i < r->n_rv; i++) {
		if (r->rv[i].id == id) {
			if (r->rv[i].until < until)
				r->rv[i].until = until;
			return;
		}
	}
	if (r->n_rv == r->cap_rv) {
		size_t cap = r->cap_rv ? r->cap_rv * 2 : 16;
		struct revoked *grown = realloc(r->rv, cap * sizeof(*grown));

		if (!grown) {
			burrow_log(BURROW_LOG_ERROR, "relay: out of memory recording revoked ticket %u",
				   (unsigned)id);
			return;
		}
		r->rv = grown;
		r->cap_rv = cap;
	}
	r->rv[r->n_rv++] = (struct revoked){ .id = id, .until = until };
}

static uint64_t renew_at(const struct binding *b)
{
	if (!b->installed || b->kernel_until >= b->t.expiry)
		return UINT64_MAX;
	return b->kernel_until > BURROW_RELAY_RENEW_BEFORE ? b->kernel_until - BURROW_RELAY_RENEW_BEFORE : 0;
}

void burrow_relay_tick(struct burrow_relay *r, uint64_t now)
{
	for (size_t i = 0; i < r->n;) {
		struct binding *b = &r->b[i];

		if (b->t.expiry <= now) {
			if (b->installed)
				r->c.expired++;
			binding_drop(r, i);
			continue;
		}
		if (renew_at(b) <= now) {
			struct burrow_nl_relay e = { .ticket = b->t.id, .lifetime = lifetime_of(b, now) };

			if (r->ops.entry_set(r->ops.arg, &e) < 0) {
				r->c.kernel_errors++;
				/* the entry may be gone: forget it, the parties bind again */
				b->installed = false;
				r->c.entries--;
				binding_drop(r, i);
				continue;
			}
			b->kernel_until = now + e.lifetime;
			r->c.renewed++;
		}
		i++;
	}
	for (size_t i = 0; i < r->n_rv;) {
		if (r->rv[i].until <= now)
			r->rv[i] = r->rv[--r->n_rv];
		else
			i++;
	}
}

uint64_t burrow_relay_next_event(const struct burrow_relay *r)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < r->n; i++) {
		uint64_t renew = renew_at(&r->b[i]);

		if (r->b[i].t.expiry < next)
			next = r->b[i].t.expiry;
		if (renew < next)
			next = renew;
	}
	return next;
}

void burrow_relay_write_status(const struct burrow_relay *r, FILE *out, bool json)
{
	const struct burrow_relay_counters *c = &r->c;
	uint64_t refused = 0;

	for (unsigned i = 1; i < BURROW_RELAY_CODE_COUNT; i++)
		refused += c->refused[i];
	if (json) {
		fprintf(out, "{\"admitted\":%" PRIu64 ",\"entries\":%" PRIu64 ",\"bound\":%zu"
			",\"installed\":%" PRIu64 ",\"moved\":%" PRIu64 ",\"renewed\":%" PRIu64
			",\"expired\":%" PRIu64 ",\"revoked\":%" PRIu64 ",\"kernel_errors\":%" PRIu64
			",\"refused\":{", c->admitted, c->entries, r->n, c->installed, c->moved,
			c->renewed, c->expired, c->revoked, c->kernel_errors);
		for (unsigned i = 1; i < BURROW_RELAY_CODE_COUNT; i++) {
			fprintf(out, "%s", i > 1 ? "," : "");
			burrow_json_string(out, burrow_relay_code_name(i));
			fprintf(out, ":%" PRIu64, c->refused[i]);
		}
		fprintf(out, "}}");
		return;
	}
	fprintf(out, "  relay: admitted %" PRIu64 " entries %" PRIu64 " bound %zu refused %" PRIu64,
		c->admitted, c->entries, r->n, refused);
	for (unsigned i = 1; i < BURROW_RELAY_CODE_COUNT; i++)
		if (c->refused[i])
			fprintf(out, ", %s %" PRIu64, burrow_relay_code_name(i), c->refused[i]);
	fprintf(out, "\n    installed %" PRIu64 " moved %" PRIu64 " renewed %" PRIu64
		" expired %" PRIu64 " revoked %" PRIu64 " kernel-errors %" PRIu64 "\n",
		c->installed, c->moved, c->renewed, c->expired, c->revoked, c->kernel_errors);
}

/* ---- wire ----------------------------------------------------------------------- */

int burrow_relay_request_encode(const struct burrow_relay_ticket *t,
				uint8_t out[BURROW_RELAY_REQUEST_LEN])
{
	out[0] = BURROW_RELAY_VERSION;
	return burrow_relay_ticket_encode(t, out + 1) < 0 ? -EINVAL : BURROW_RELAY_REQUEST_LEN;
}

int burrow_relay_response_encode(unsigned code, const char *text, uint8_t *out, size_t size)
{
	size_t len = strlen(text);

	if (len > 255)
		len = 255;
	if (size < 3 + len || code > 255)
		return -EINVAL;
	out[0] = BURROW_RELAY_VERSION;
	out[1] = (uint8_t)code;
	out[2] = (uint8_t)len;
	memcpy(out + 3, text, len);
	return (int)(3 + len);
}

int burrow_relay_response_parse(const uint8_t *buf, size_t len, unsigned *code, char text[256])
{
	if (len >= 1 && buf[0] != BURROW_RELAY_VERSION)
		return -EPROTO;
	if (len < 3 || len < 3u + buf[2])
		return 0;
	*code = buf[1];
	memcpy(text, buf + 3, buf[2]);
	text[buf[2]] = '\0';
	for (size_t i = 0; i < buf[2]; i++)
		if (text[i] < 0x20 || text[i] == 0x7f)
			text[i] = '?';
	return 3 + buf[2];
}

/* ---- QUIC server ---------------------------------------------------------------- */

/* One admission stream per connection is enough; more are answered malformed. */
struct rconn {
	struct burrow_relay *r;
	uint8_t peer[32];
	int64_t sid;
	uint8_t buf[BURROW_RELAY_REQUEST_LEN];
	size_t len;
	bool answered;
};

static uint64_t relay_now(const struct burrow_relay *r)
{
	return r->clock ? r->clock() : (uint64_t)time(NULL);
}

static int cb_authorize(const uint8_t public_key[32], const struct sockaddr *remote,
			void **conn_user, void *endpoint_user)
{
	struct burrow_relay *r = endpoint_user;
	struct rconn *rc;

	(void)remote;
	/* Any authenticated key may ask; the ticket decides (fail-closed). */
	rc = calloc(1, sizeof(*rc));
	if (!rc)
		return -1;
	rc->r = r;
	rc->sid = -1;
	memcpy(rc->peer, public_key, 32);
	*conn_user = rc;
	return 0;
}

static void cb_established(struct burrow_quic_conn *conn, void *conn_user)
{
	(void)conn;
	(void)conn_user;
}

static void answer(struct burrow_quic_conn *conn, struct rconn *rc, unsigned code, const char *text)
{
	uint8_t out[BURROW_RELAY_RESPONSE_MAX];
	int n = burrow_relay_response_encode(code, text, out, sizeof(out));

	rc->answered = true;
	if (n > 0)
		burrow_quic_send(conn, rc->sid, out, (size_t)n, true);
	if (code && strcmp(text, burrow_relay_code_name(code)))
		burrow_log(BURROW_LOG_INFO, "relay: refused a ticket: %s (%s)",
			   burrow_relay_code_name(code), text);
	else if (code)
		burrow_log(BURROW_LOG_INFO, "relay: refused a ticket: %s", text);
}

static void cb_stream_data(struct burrow_quic_conn *conn, int64_t sid, const uint8_t *data,
			   size_t len, bool fin, void *conn_user)
{
	struct rconn *rc = conn_user;
	struct burrow_relay *r = rc->r;
	socklen_t alen;
	const struct sockaddr *from;
	const char *why;
	unsigned code;

	if ((sid & 3) != 0)
		return;		/* client-initiated bidirectional streams only */
	if (rc->sid < 0)
		rc->sid = sid;
	if (sid != rc->sid || rc->answered) {
		if (sid != rc->sid)
			burrow_quic_stream_abort(conn, sid, 0x2);
		return;
	}
	if (len > sizeof(rc->buf) - rc->len) {
		r->c.refused[BURROW_RELAY_TICKET_MALFORMED]++;
		answer(conn, rc, BURROW_RELAY_TICKET_MALFORMED, "request too long");
		return;
	}
	memcpy(rc->buf + rc->len, data, len);
	rc->len += len;
	if (rc->len >= 1 && rc->buf[0] != BURROW_RELAY_VERSION) {
		r->c.refused[BURROW_RELAY_TICKET_MALFORMED]++;
		answer(conn, rc, BURROW_RELAY_TICKET_MALFORMED, "unsupported request version");
		return;
	}
	/* Answer at the FIN, or as soon as a whole request is here. */
	if (!fin && rc->len < sizeof(rc->buf))
		return;
	from = burrow_quic_remote_addr(conn, &alen);
	code = burrow_relay_admit(r, rc->peer, from, rc->buf + 1, rc->len ? rc->len - 1 : 0,
				  relay_now(r), &why);
	answer(conn, rc, code, why);
}

static void cb_closed(struct burrow_quic_conn *conn, const char *reason, void *conn_user)
{
	(void)conn;
	(void)reason;
	free(conn_user);
}

const struct burrow_quic_callbacks burrow_relay_callbacks = {
	.authorize = cb_authorize,
	.established = cb_established,
	.stream_data = cb_stream_data,
	.closed = cb_closed,
};
