// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/*
 * libburrow-nl: the relay-new, relay-set, relay-del and relay-get (do and
 * dump) operations on a device's relay table.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "burrow-nl-internal.h"
#include "linux/burrow.h"

/* ---- requests --------------------------------------------------------------- */

static int relay_endpoint_check(const struct burrow_nl_endpoint *endpoint, const char *name,
				bool required, struct burrow_nl_error *err)
{
	if (endpoint->family == AF_UNSPEC) {
		if (required)
			return burrow_nl_fail(err, -EINVAL, "relay endpoint %s is missing", name);
		return 0;
	}
	if (!burrow_nl_addr_len(endpoint->family))
		return burrow_nl_fail(err, -EINVAL,
				      "relay endpoint %s has address family %u, not AF_INET or AF_INET6",
				      name, endpoint->family);
	if (endpoint->port == 0)
		return burrow_nl_fail(err, -EINVAL, "relay endpoint %s has port 0", name);
	return 0;
}

static int relay_put_endpoint(struct nlmsghdr *nlh, size_t size,
			      const struct burrow_nl_endpoint *endpoint, uint16_t addr_type,
			      uint16_t port_type, struct burrow_nl_error *err)
{
	if (endpoint->family == AF_UNSPEC)
		return 0;
	if (!mnl_attr_put_check(nlh, size, addr_type, burrow_nl_addr_len(endpoint->family),
				endpoint->addr.bytes) ||
	    !mnl_attr_put_u16_check(nlh, size, port_type, endpoint->port))
		return burrow_nl_request_too_big(err, "relay endpoint");
	return 0;
}

/* Any relay request: the device and a relay nest with the ticket, left open. */
static struct nlattr *relay_request_start(void *buf, size_t size, uint16_t family_id,
					  uint8_t cmd, const struct burrow_nl_dev_ref *dev,
					  uint32_t ticket, struct burrow_nl_error *err, int *ret)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	if (ticket == 0) {
		*ret = burrow_nl_fail(err, -EINVAL, "relay ticket 0 is reserved (tickets start at 1)");
		return NULL;
	}
	nlh = burrow_nl_genl_request_start(buf, size, family_id, cmd, BURROW_FAMILY_VERSION,
					   NLM_F_REQUEST | NLM_F_ACK, err);
	if (!nlh) {
		*ret = -EMSGSIZE;
		return NULL;
	}
	*ret = burrow_nl_dev_put_ref(nlh, size, dev, err);
	if (*ret)
		return NULL;
	nest = mnl_attr_nest_start_check(nlh, size, BURROW_A_DEV_RELAY);
	if (!nest || !mnl_attr_put_u32_check(nlh, size, BURROW_A_RELAY_TICKET, ticket)) {
		*ret = burrow_nl_request_too_big(err, "relay.ticket");
		return NULL;
	}
	return nest;
}

/* relay-new (all of a, b and lifetime) or relay-set (what is given). */
static int relay_change_request(void *buf, size_t size, uint16_t family_id, uint8_t cmd,
				const struct burrow_nl_dev_ref *dev,
				const struct burrow_nl_relay *relay, struct burrow_nl_error *err)
{
	bool create = cmd == BURROW_CMD_RELAY_NEW;
	struct nlmsghdr *nlh = buf;
	struct nlattr *nest;
	int ret;

	ret = relay_endpoint_check(&relay->a, "a", create, err);
	if (ret == 0)
		ret = relay_endpoint_check(&relay->b, "b", create, err);
	if (ret)
		return ret;
	if (create && relay->lifetime == 0)
		return burrow_nl_fail(err, -EINVAL, "relay lifetime 0: give seconds, 1 and up");
	nest = relay_request_start(buf, size, family_id, cmd, dev, relay->ticket, err, &ret);
	if (!nest)
		return ret;
	ret = relay_put_endpoint(nlh, size, &relay->a, BURROW_A_RELAY_A_ADDRESS,
				 BURROW_A_RELAY_A_PORT, err);
	if (ret == 0)
		ret = relay_put_endpoint(nlh, size, &relay->b, BURROW_A_RELAY_B_ADDRESS,
					 BURROW_A_RELAY_B_PORT, err);
	if (ret)
		return ret;
	if (relay->lifetime &&
	    !mnl_attr_put_u32_check(nlh, size, BURROW_A_RELAY_LIFETIME, relay->lifetime))
		return burrow_nl_request_too_big(err, "relay.lifetime");
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

/* relay-del and relay-get (do): the ticket alone. */
static int relay_ticket_request(void *buf, size_t size, uint16_t family_id, uint8_t cmd,
				const struct burrow_nl_dev_ref *dev, uint32_t ticket,
				struct burrow_nl_error *err)
{
	struct nlattr *nest;
	int ret;

	nest = relay_request_start(buf, size, family_id, cmd, dev, ticket, err, &ret);
	if (!nest)
		return ret;
	mnl_attr_nest_end(buf, nest);
	return 0;
}

static int relay_dump_request(void *buf, size_t size, uint16_t family_id,
			      const struct burrow_nl_dev_ref *dev, struct burrow_nl_error *err)
{
	struct nlmsghdr *nlh;

	nlh = burrow_nl_genl_request_start(buf, size, family_id, BURROW_CMD_RELAY_GET,
					   BURROW_FAMILY_VERSION, NLM_F_REQUEST | NLM_F_DUMP, err);
	if (!nlh)
		return -EMSGSIZE;
	return burrow_nl_dev_put_ref(nlh, size, dev, err);
}

/* ---- replies ---------------------------------------------------------------- */

static const struct burrow_nl_attr_policy relay_reply_policy[BURROW_A_DEV_MAX + 1] = {
	[BURROW_A_DEV_IFINDEX] = { .name = "ifindex", .type = MNL_TYPE_U32 },
	[BURROW_A_DEV_RELAY] = { .name = "relay", .type = MNL_TYPE_NESTED, .required = true },
};

static const struct burrow_nl_attr_set relay_reply_set = {
	.name = "dev",
	.max_type = BURROW_A_DEV_MAX,
	.policy = relay_reply_policy,
};

static const struct burrow_nl_attr_policy relay_policy[BURROW_A_RELAY_MAX + 1] = {
	[BURROW_A_RELAY_TICKET] = { .name = "ticket", .type = MNL_TYPE_U32, .required = true },
	[BURROW_A_RELAY_A_ADDRESS] = { .name = "a-address", .type = MNL_TYPE_BINARY,
				       .required = true },
	[BURROW_A_RELAY_A_PORT] = { .name = "a-port", .type = MNL_TYPE_U16, .required = true },
	[BURROW_A_RELAY_B_ADDRESS] = { .name = "b-address", .type = MNL_TYPE_BINARY,
				       .required = true },
	[BURROW_A_RELAY_B_PORT] = { .name = "b-port", .type = MNL_TYPE_U16, .required = true },
	[BURROW_A_RELAY_LIFETIME] = { .name = "lifetime", .type = MNL_TYPE_U32, .required = true },
	[BURROW_A_RELAY_A_TO_B_PACKETS] = { .name = "a-to-b-packets", .type = MNL_TYPE_U64 },
	[BURROW_A_RELAY_A_TO_B_BYTES] = { .name = "a-to-b-bytes", .type = MNL_TYPE_U64 },
	[BURROW_A_RELAY_B_TO_A_PACKETS] = { .name = "b-to-a-packets", .type = MNL_TYPE_U64 },
	[BURROW_A_RELAY_B_TO_A_BYTES] = { .name = "b-to-a-bytes", .type = MNL_TYPE_U64 },
};

static const struct burrow_nl_attr_set relay_set = {
	.name = "relay",
	.max_type = BURROW_A_RELAY_MAX,
	.policy = relay_policy,
};

static int relay_parse_endpoint(const struct nlattr *addr, const struct nlattr *port,
				const char *name, struct burrow_nl_endpoint *endpoint,
				struct burrow_nl_error *err)
{
	uint16_t len = mnl_attr_get_payload_len(addr);

	memset(endpoint, 0, sizeof(*endpoint));
	if (len == 4)
		endpoint->family = AF_INET;
	else if (len == 16)
		endpoint->family = AF_INET6;
	else
		return burrow_nl_fail(err, -EBADMSG,
				      "attribute relay.%s-address has length %u (4 or 16)", name,
				      len);
	memcpy(endpoint->addr.bytes, mnl_attr_get_payload(addr), len);
	endpoint->port = mnl_attr_get_u16(port);
	return 0;
}

static uint64_t relay_get_u64(const struct nlattr *attr)
{
	return attr ? mnl_attr_get_u64(attr) : 0;
}

static int relay_parse(const struct nlmsghdr *nlh, struct burrow_nl_relay *relay,
		       struct burrow_nl_error *err)
{
	const struct nlattr *top[BURROW_A_DEV_MAX + 1];
	const struct nlattr *attrs[BURROW_A_RELAY_MAX + 1];
	struct burrow_nl_relay parsed = { 0 };
	int ret;

	ret = burrow_nl_genl_reply_check(nlh, BURROW_CMD_RELAY_GET, "relay-get", err);
	if (ret)
		return ret;
	ret = burrow_nl_attrs_parse(nlh, GENL_HDRLEN, &relay_reply_set, top, err);
	if (ret)
		return ret;
	ret = burrow_nl_attrs_parse_nested(top[BURROW_A_DEV_RELAY], &relay_set, attrs, err);
	if (ret)
		return ret;
	parsed.ticket = mnl_attr_get_u32(attrs[BURROW_A_RELAY_TICKET]);
	if (parsed.ticket == 0)
		return burrow_nl_fail(err, -EBADMSG, "attribute relay.ticket is 0");
	ret = relay_parse_endpoint(attrs[BURROW_A_RELAY_A_ADDRESS], attrs[BURROW_A_RELAY_A_PORT],
				   "a", &parsed.a, err);
	if (ret == 0)
		ret = relay_parse_endpoint(attrs[BURROW_A_RELAY_B_ADDRESS],
					   attrs[BURROW_A_RELAY_B_PORT], "b", &parsed.b, err);
	if (ret)
		return ret;
	parsed.lifetime = mnl_attr_get_u32(attrs[BURROW_A_RELAY_LIFETIME]);
	parsed.a_to_b_packets = relay_get_u64(attrs[BURROW_A_RELAY_A_TO_B_PACKETS]);
	parsed.a_to_b_bytes = relay_get_u64(attrs[BURROW_A_RELAY_A_TO_B_BYTES]);
	parsed.b_to_a_packets = relay_get_u64(attrs[BURROW_A_RELAY_B_TO_A_PACKETS]);
	parsed.b_to_a_bytes = relay_get_u64(attrs[BURROW_A_RELAY_B_TO_A_BYTES]);
	*relay = parsed;
	return 0;
}

struct relay_list {
	struct burrow_nl_relay *relays;
	size_t count;
	size_t capacity;
};

static int relay_list_collect(const struct nlmsghdr *nlh, void *arg,
			      struct burrow_nl_error *err)
{
	struct relay_list *list = arg;
	struct burrow_nl_relay relay, *grown;
	int ret;

	ret = relay_parse(nlh, &relay, err);
	if (ret)
		return ret;
	if (list->count == list->capacity) {
		size_t capacity = list->capacity ? 2 * list->capacity : 8;

		grown = reallocarray(list->relays, capacity, sizeof(*grown));
		if (!grown)
			return burrow_nl_fail(err, -ENOMEM, "out of memory for %zu relay entries",
					      capacity);
		list->relays = grown;
		list->capacity = capacity;
	}
	list->relays[list->count++] = relay;
	return 0;
}

static int relay_compare_tickets(const void *a, const void *b)
{
	const struct burrow_nl_relay *relay_a = a, *relay_b = b;

	return (relay_a->ticket > relay_b->ticket) - (relay_a->ticket < relay_b->ticket);
}

/* ---- operations ------------------------------------------------------------- */

static int relay_change(struct burrow_nl *nl, uint8_t cmd, const struct burrow_nl_dev_ref *dev,
			const struct burrow_nl_relay *relay)
{
	int ret;

	burrow_nl_error_clear(&nl->last_error);
	ret = relay_change_request(nl->request, sizeof(nl->request), nl->family.id, cmd, dev,
				   relay, &nl->last_error);
	if (ret)
		return ret;
	return burrow_nl_transact(nl, NULL, NULL);
}

int burrow_nl_relay_new(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
			const struct burrow_nl_relay *relay)
{
	return relay_change(nl, BURROW_CMD_RELAY_NEW, dev, relay);
}

int burrow_nl_relay_set(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
			const struct burrow_nl_relay *relay)
{
	return relay_change(nl, BURROW_CMD_RELAY_SET, dev, relay);
}

int burrow_nl_relay_del(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
			uint32_t ticket)
{
	int ret;

	burrow_nl_error_clear(&nl->last_error);
	ret = relay_ticket_request(nl->request, sizeof(nl->request), nl->family.id,
				   BURROW_CMD_RELAY_DEL, dev, ticket, &nl->last_error);
	if (ret)
		return ret;
	return burrow_nl_transact(nl, NULL, NULL);
}

int burrow_nl_relay_get(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
			uint32_t ticket, struct burrow_nl_relay *relay)
{
	struct relay_list list = { 0 };
	int ret;

	burrow_nl_error_clear(&nl->last_error);
	ret = relay_ticket_request(nl->request, sizeof(nl->request), nl->family.id,
				   BURROW_CMD_RELAY_GET, dev, ticket, &nl->last_error);
	if (ret)
		return ret;
	ret = burrow_nl_transact(nl, relay_list_collect, &list);
	if (ret == 0 && list.count != 1)
		ret = burrow_nl_fail(&nl->last_error, -EPROTO,
				     "relay-get answered with %zu entries, not 1", list.count);
	else if (ret == 0 && list.relays[0].ticket != ticket)
		ret = burrow_nl_fail(&nl->last_error, -EPROTO,
				     "relay-get for ticket %u answered with ticket %u", ticket,
				     list.relays[0].ticket);
	if (ret == 0)
		*relay = list.relays[0];
	free(list.relays);
	return ret;
}

int burrow_nl_relay_dump(struct burrow_nl *nl, const struct burrow_nl_dev_ref *dev,
			 struct burrow_nl_relay **relays, size_t *count)
{
	int ret;

	*relays = NULL;
	*count = 0;
	for (int attempt = 1;; attempt++) {
		struct relay_list list = { 0 };

		burrow_nl_error_clear(&nl->last_error);
		ret = relay_dump_request(nl->request, sizeof(nl->request), nl->family.id, dev,
					 &nl->last_error);
		if (ret)
			return ret;
		ret = burrow_nl_transact(nl, relay_list_collect, &list);
		if (ret == 0) {
			if (list.count > 1)
				qsort(list.relays, list.count, sizeof(*list.relays),
				      relay_compare_tickets);
			*relays = list.relays;
			*count = list.count;
			return 0;
		}
		free(list.relays);
		if (ret != -EINTR || nl->last_error.from_kernel)
			return ret;
		if (attempt == BURROW_NL_DUMP_ATTEMPTS)
			return burrow_nl_fail(&nl->last_error, -EINTR,
					      "the relay table kept changing during the dump (%d attempts)",
					      attempt);
	}
}
