// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/*
 * libburrow-nl: addresses on the wire. An allowed-ip is a nest of family
 * (u16 AF_INET or AF_INET6), address (4 or 16 bytes, as long as the
 * family's) and prefix-len (u8, at most 32 or 128). A peer's endpoint is
 * remote-ipv4 or remote-ipv6 with remote-port (u16, host byte order).
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "burrow-nl-internal.h"
#include "linux/burrow.h"

size_t burrow_nl_addr_len(uint16_t family)
{
	switch (family) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return 0;
	}
}

int burrow_nl_prefix_check(const struct burrow_nl_prefix *prefix, const char *what,
			   struct burrow_nl_error *err)
{
	size_t len = burrow_nl_addr_len(prefix->family);

	if (!len)
		return burrow_nl_fail(err, -EINVAL, "%s has address family %u, not AF_INET or AF_INET6",
				      what, prefix->family);
	if (prefix->len > 8 * len)
		return burrow_nl_fail(err, -EINVAL, "%s has prefix length %u, more than %zu",
				      what, prefix->len, 8 * len);
	return 0;
}

bool burrow_nl_prefix_put(struct nlmsghdr *nlh, size_t size, uint16_t type,
			  const struct burrow_nl_prefix *prefix)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, size, type);

	if (!nest)
		return false;
	if (!mnl_attr_put_u16_check(nlh, size, BURROW_A_ALLOWED_IP_FAMILY, prefix->family) ||
	    !mnl_attr_put_check(nlh, size, BURROW_A_ALLOWED_IP_ADDRESS,
				burrow_nl_addr_len(prefix->family), prefix->addr.bytes) ||
	    !mnl_attr_put_u8_check(nlh, size, BURROW_A_ALLOWED_IP_PREFIX_LEN, prefix->len)) {
		mnl_attr_nest_cancel(nlh, nest);
		return false;
	}
	mnl_attr_nest_end(nlh, nest);
	return true;
}

static const struct burrow_nl_attr_policy allowed_ip_policy[BURROW_A_ALLOWED_IP_MAX + 1] = {
	[BURROW_A_ALLOWED_IP_FAMILY] = { .name = "family", .type = MNL_TYPE_U16, .required = true },
	[BURROW_A_ALLOWED_IP_ADDRESS] = {
		.name = "address", .type = MNL_TYPE_BINARY, .required = true,
	},
	[BURROW_A_ALLOWED_IP_PREFIX_LEN] = {
		.name = "prefix-len", .type = MNL_TYPE_U8, .required = true,
	},
};

static const struct burrow_nl_attr_set allowed_ip_set = {
	.name = "allowed-ip",
	.max_type = BURROW_A_ALLOWED_IP_MAX,
	.policy = allowed_ip_policy,
};

/*
 * The allowed-ip nest exactly as the kernel writes it: family (u16),
 * address (as long as the family's), prefix-len (u8, within the family's),
 * in this order, padded, nothing else. Every nest of this form is one the
 * general parse below accepts with the same result; anything else goes to
 * it, for its checks and its messages. A 100,000-peer dump has a million
 * of these nests: the general parse cost some 800 instructions each.
 */
static bool prefix_parse_canonical(const struct nlattr *nest, struct burrow_nl_prefix *prefix)
{
	const struct nlattr *family = (const struct nlattr *)((const char *)nest + MNL_ATTR_HDRLEN);
	const struct nlattr *address = (const struct nlattr *)((const char *)family + MNL_ALIGN(6));
	const struct nlattr *prefix_len;
	uint16_t family_value;
	size_t len;

	if (nest->nla_len < MNL_ATTR_HDRLEN + MNL_ALIGN(6) + MNL_ALIGN(MNL_ATTR_HDRLEN + 4) +
			    MNL_ALIGN(5) ||
	    family->nla_len != 6 || family->nla_type != BURROW_A_ALLOWED_IP_FAMILY)
		return false;
	memcpy(&family_value, (const char *)family + MNL_ATTR_HDRLEN, sizeof(family_value));
	len = burrow_nl_addr_len(family_value);
	if (!len || nest->nla_len != MNL_ATTR_HDRLEN + MNL_ALIGN(6) +
				     MNL_ALIGN(MNL_ATTR_HDRLEN + len) + MNL_ALIGN(5) ||
	    address->nla_len != MNL_ATTR_HDRLEN + len ||
	    address->nla_type != BURROW_A_ALLOWED_IP_ADDRESS)
		return false;
	prefix_len = (const struct nlattr *)((const char *)address + MNL_ALIGN(MNL_ATTR_HDRLEN + len));
	if (prefix_len->nla_len != 5 || prefix_len->nla_type != BURROW_A_ALLOWED_IP_PREFIX_LEN ||
	    *((const uint8_t *)prefix_len + MNL_ATTR_HDRLEN) > 8 * len)
		return false;
	memset(prefix, 0, sizeof(*prefix));
	prefix->family = family_value;
	memcpy(prefix->addr.bytes, (const char *)address + MNL_ATTR_HDRLEN, len);
	prefix->len = *((const uint8_t *)prefix_len + MNL_ATTR_HDRLEN);
	return true;
}

int burrow_nl_prefix_parse(const struct nlattr *nest, struct burrow_nl_prefix *prefix,
			   struct burrow_nl_error *err)
{
	const struct nlattr *attrs[BURROW_A_ALLOWED_IP_MAX + 1];
	struct burrow_nl_prefix parsed = { 0 };
	const struct nlattr *address;
	size_t len;
	int ret;

	if (prefix_parse_canonical(nest, prefix))
		return 0;
	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0)
		return burrow_nl_fail(err, -EBADMSG,
				      "attribute peer.allowed-ip: %u-byte payload is not a valid nest",
				      mnl_attr_get_payload_len(nest));
	ret = burrow_nl_attrs_parse_nested(nest, &allowed_ip_set, attrs, err);
	if (ret)
		return ret;
	parsed.family = mnl_attr_get_u16(attrs[BURROW_A_ALLOWED_IP_FAMILY]);
	len = burrow_nl_addr_len(parsed.family);
	if (!len)
		return burrow_nl_fail(err, -EBADMSG,
				      "attribute allowed-ip.family has unknown family %u", parsed.family);
	address = attrs[BURROW_A_ALLOWED_IP_ADDRESS];
	if (mnl_attr_get_payload_len(address) != len)
		return burrow_nl_fail(err, -EBADMSG,
				      "attribute allowed-ip.address is %u bytes, family %s needs %zu",
				      mnl_attr_get_payload_len(address),
				      parsed.family == AF_INET ? "AF_INET" : "AF_INET6", len);
	memcpy(parsed.addr.bytes, mnl_attr_get_payload(address), len);
	parsed.len = mnl_attr_get_u8(attrs[BURROW_A_ALLOWED_IP_PREFIX_LEN]);
	if (parsed.len > 8 * len)
		return burrow_nl_fail(err, -EBADMSG,
				      "attribute allowed-ip.prefix-len is %u, more than %zu for %s",
				      parsed.len, 8 * len,
				      parsed.family == AF_INET ? "AF_INET" : "AF_INET6");
	*prefix = parsed;
	return 0;
}

int burrow_nl_endpoint_parse(const struct nlattr *const *peer_attrs,
			     struct burrow_nl_endpoint *endpoint, bool required,
			     struct burrow_nl_error *err)
{
	const struct nlattr *ipv4 = peer_attrs[BURROW_A_PEER_REMOTE_IPV4];
	const struct nlattr *ipv6 = peer_attrs[BURROW_A_PEER_REMOTE_IPV6];
	const struct nlattr *port = peer_attrs[BURROW_A_PEER_REMOTE_PORT];
	struct burrow_nl_endpoint parsed = { 0 };

	if (ipv4 && ipv6)
		return burrow_nl_fail(err, -EBADMSG,
				      "peer has both remote-ipv4 and remote-ipv6");
	if (!ipv4 && !ipv6) {
		if (required)
			return burrow_nl_fail(err, -ENODATA,
					      "missing attribute peer.remote-ipv4 or peer.remote-ipv6");
		if (port)
			return burrow_nl_fail(err, -EBADMSG,
					      "attribute peer.remote-port without a remote address");
		*endpoint = parsed;
		return 0;
	}
	if (!port)
		return burrow_nl_fail(err, -ENODATA, "missing attribute peer.remote-port");
	parsed.family = ipv4 ? AF_INET : AF_INET6;
	memcpy(parsed.addr.bytes, mnl_attr_get_payload(ipv4 ? ipv4 : ipv6),
	       burrow_nl_addr_len(parsed.family));
	parsed.port = mnl_attr_get_u16(port);
	if (parsed.port == 0)
		return burrow_nl_fail(err, -EBADMSG, "attribute peer.remote-port is 0");
	*endpoint = parsed;
	return 0;
}
