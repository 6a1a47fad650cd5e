// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/* libburrow-nl: rtnetlink requests and dumps on libmnl (burrow-rtnl.h). */

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/burrow_link.h>

#include "burrow-rtnl.h"

static int rtnl_fail(struct burrow_rtnl *rt, bool refused, int err, const char *format, ...)
	__attribute__((format(printf, 4, 5)));

static int rtnl_fail(struct burrow_rtnl *rt, bool refused, int err, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vsnprintf(rt->why, sizeof(rt->why), format, args);
	va_end(args);
	rt->refused = refused;
	return err;
}

int burrow_rtnl_open(struct burrow_rtnl *rt)
{
	int on = 1, err;

	memset(rt, 0, sizeof(*rt));
	rt->sock = mnl_socket_open(NETLINK_ROUTE);
	if (!rt->sock || mnl_socket_bind(rt->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		burrow_rtnl_close(rt);
		return rtnl_fail(rt, false, err, "%s", strerror(-err));
	}
	/* Extended acks: the kernel says why it refused. */
	mnl_socket_setsockopt(rt->sock, NETLINK_EXT_ACK, &on, sizeof(on));
	mnl_socket_setsockopt(rt->sock, NETLINK_CAP_ACK, &on, sizeof(on));
	rt->seq = (uint32_t)time(NULL);
	return 0;
}

void burrow_rtnl_close(struct burrow_rtnl *rt)
{
	if (rt->sock)
		mnl_socket_close(rt->sock);
	rt->sock = NULL;
}

/* The extack message of an error message, or NULL. */
static const char *rtnl_extack(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t offset = sizeof(*err);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += mnl_nlmsg_get_payload_len(&err->msg) + sizeof(err->msg);
	mnl_attr_for_each(attr, nlh, offset) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			return mnl_attr_get_str(attr);
	}
	return NULL;
}

/*
 * Send nlh and read answers to it until its ack (a request) or NLMSG_DONE
 * (a dump), handing every other message to each(msg, ctx). A dump gets no
 * ack after its NLMSG_DONE, so a dump must not wait for one.
 */
static int rtnl_talk(struct burrow_rtnl *rt, struct nlmsghdr *nlh,
		     void (*each)(const struct nlmsghdr *msg, void *ctx), void *ctx)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	if (!rt->sock)
		return rtnl_fail(rt, false, -EBADF, "cannot send to rtnetlink: %s", strerror(EBADF));
	nlh->nlmsg_seq = ++rt->seq;
	if (mnl_socket_sendto(rt->sock, nlh, nlh->nlmsg_len) < 0)
		return rtnl_fail(rt, false, -errno, "cannot send to rtnetlink: %s", strerror(errno));
	for (;;) {
		const struct nlmsghdr *reply;
		ssize_t got = mnl_socket_recvfrom(rt->sock, buf, sizeof(buf));
		int len;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return rtnl_fail(rt, false, -errno, "cannot read from rtnetlink: %s",
					 strerror(errno));
		}
		len = (int)got;
		for (reply = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(reply, len);
		     reply = mnl_nlmsg_next(reply, &len)) {
			const struct nlmsgerr *err;
			const char *reason;

			if (reply->nlmsg_seq != nlh->nlmsg_seq)
				continue;
			if (reply->nlmsg_type == NLMSG_DONE) {
				const int *status = mnl_nlmsg_get_payload(reply);

				if (mnl_nlmsg_get_payload_len(reply) >= sizeof(*status) && *status < 0)
					return rtnl_fail(rt, true, *status, "%s", strerror(-*status));
				return 0;
			}
			if (reply->nlmsg_type != NLMSG_ERROR) {
				if (each)
					each(reply, ctx);
				continue;
			}
			err = mnl_nlmsg_get_payload(reply);
			if (err->error == 0)
				return 0;
			reason = rtnl_extack(reply);
			return rtnl_fail(rt, true, err->error, "%s",
					 reason ? reason : strerror(-err->error));
		}
	}
}

static struct nlmsghdr *rtnl_header(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

int burrow_rtnl_link_add(struct burrow_rtnl *rt, const char *ifname, const char *kind,
			 uint32_t mtu, int mode)
{
	char buf[512];
	struct nlmsghdr *nlh = rtnl_header(buf, RTM_NEWLINK,
					   NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct nlattr *linkinfo, *data;

	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	if (mode >= 0) {
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u8(nlh, IFLA_BURROW_MODE, (uint8_t)mode);
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, linkinfo);
	return rtnl_talk(rt, nlh, NULL, NULL);
}

int burrow_rtnl_link_del(struct burrow_rtnl *rt, const char *ifname)
{
	char buf[256];
	struct nlmsghdr *nlh = rtnl_header(buf, RTM_DELLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	return rtnl_talk(rt, nlh, NULL, NULL);
}

struct rtnl_mtu {
	int ifindex;
	uint32_t mtu;
	bool found;
};

static void rtnl_mtu_each(const struct nlmsghdr *msg, void *ctx)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(msg);
	struct rtnl_mtu *want = ctx;
	const struct nlattr *attr;

	if (msg->nlmsg_type != RTM_NEWLINK || ifm->ifi_index != want->ifindex)
		return;
	mnl_attr_for_each(attr, msg, sizeof(*ifm)) {
		if (mnl_attr_get_type(attr) == IFLA_MTU &&
		    mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
			want->mtu = mnl_attr_get_u32(attr);
			want->found = true;
		}
	}
}

int burrow_rtnl_mtu_get(struct burrow_rtnl *rt, int ifindex, uint32_t *mtu)
{
	char buf[256];
	struct nlmsghdr *nlh = rtnl_header(buf, RTM_GETLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct rtnl_mtu want = { .ifindex = ifindex };
	int err;

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	err = rtnl_talk(rt, nlh, rtnl_mtu_each, &want);
	if (err)
		return err;
	if (!want.found)
		return rtnl_fail(rt, true, -ENODEV, "%s", strerror(ENODEV));
	*mtu = want.mtu;
	return 0;
}

int burrow_rtnl_mtu_set(struct burrow_rtnl *rt, int ifindex, uint32_t mtu)
{
	char buf[256];
	struct nlmsghdr *nlh = rtnl_header(buf, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return rtnl_talk(rt, nlh, NULL, NULL);
}

static size_t rtnl_addr_len(uint16_t family)
{
	return family == AF_INET ? 4 : 16;
}

/* An add is exclusive (-EEXIST when it is there); a delete is plain. */
static struct nlmsghdr *rtnl_change_header(char *buf, bool add, uint16_t new_type,
					   uint16_t del_type)
{
	if (add)
		return rtnl_header(buf, new_type, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	return rtnl_header(buf, del_type, NLM_F_ACK);
}

int burrow_rtnl_addr(struct burrow_rtnl *rt, bool add, int ifindex,
		     const struct burrow_nl_prefix *address)
{
	char buf[256];
	struct nlmsghdr *nlh = rtnl_change_header(buf, add, RTM_NEWADDR, RTM_DELADDR);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	size_t len = rtnl_addr_len(address->family);

	ifa->ifa_family = (uint8_t)address->family;
	ifa->ifa_prefixlen = address->len;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, len, address->addr.bytes);
	mnl_attr_put(nlh, IFA_ADDRESS, len, address->addr.bytes);
	return rtnl_talk(rt, nlh, NULL, NULL);
}

int burrow_rtnl_route(struct burrow_rtnl *rt, bool add, int ifindex,
		      const struct burrow_nl_prefix *prefix)
{
	char buf[256];
	struct nlmsghdr *nlh = rtnl_change_header(buf, add, RTM_NEWROUTE, RTM_DELROUTE);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = (uint8_t)prefix->family;
	rtm->rtm_dst_len = prefix->len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, rtnl_addr_len(prefix->family), prefix->addr.bytes);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	return rtnl_talk(rt, nlh, NULL, NULL);
}

/* A dump's results: prefixes on one device, or ENOMEM once one did not fit. */
struct rtnl_list {
	int ifindex;
	struct burrow_nl_prefix *items;
	size_t n, cap;
	int err;
};

static void rtnl_list_put(struct rtnl_list *list, uint16_t family, uint8_t len,
			  const struct nlattr *addr)
{
	struct burrow_nl_prefix *p;

	if ((family != AF_INET && family != AF_INET6) ||
	    mnl_attr_get_payload_len(addr) != rtnl_addr_len(family) || list->err)
		return;
	if (list->n == list->cap) {
		size_t cap = list->cap ? 2 * list->cap : 8;
		struct burrow_nl_prefix *grown = realloc(list->items, cap * sizeof(*grown));

		if (!grown) {
			list->err = -ENOMEM;
			return;
		}
		list->items = grown;
		list->cap = cap;
	}
	p = &list->items[list->n++];
	memset(p, 0, sizeof(*p));
	p->family = family;
	p->len = len;
	memcpy(p->addr.bytes, mnl_attr_get_payload(addr), rtnl_addr_len(family));
}

/* IFA_LOCAL, or IFA_ADDRESS where there is none (IPv6 sends only that). */
static void rtnl_addr_each(const struct nlmsghdr *msg, void *ctx)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(msg);
	const struct nlattr *attr, *local = NULL, *address = NULL;
	struct rtnl_list *list = ctx;

	if (msg->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != list->ifindex)
		return;
	mnl_attr_for_each(attr, msg, sizeof(*ifa)) {
		if (mnl_attr_get_type(attr) == IFA_LOCAL)
			local = attr;
		else if (mnl_attr_get_type(attr) == IFA_ADDRESS)
			address = attr;
	}
	if (local || address)
		rtnl_list_put(list, ifa->ifa_family, ifa->ifa_prefixlen, local ? local : address);
}

/* Main table, a destination, and exactly one next hop: ifindex. */
static void rtnl_route_each(const struct nlmsghdr *msg, void *ctx)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(msg);
	const struct nlattr *attr, *dst = NULL;
	struct rtnl_list *list = ctx;
	uint32_t table = rtm->rtm_table, oif = 0;
	bool multipath = false;

	if (msg->nlmsg_type != RTM_NEWROUTE)
		return;
	mnl_attr_for_each(attr, msg, sizeof(*rtm)) {
		switch (mnl_attr_get_type(attr)) {
		case RTA_DST:
			dst = attr;
			break;
		case RTA_TABLE:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				table = mnl_attr_get_u32(attr);
			break;
		case RTA_OIF:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				oif = mnl_attr_get_u32(attr);
			break;
		case RTA_MULTIPATH:
			multipath = true;
			break;
		}
	}
	if (table == RT_TABLE_MAIN && dst && !multipath && (int)oif == list->ifindex)
		rtnl_list_put(list, rtm->rtm_family, rtm->rtm_dst_len, dst);
}

static int rtnl_dump(struct burrow_rtnl *rt, uint16_t type, size_t header_size, int ifindex,
		     void (*each)(const struct nlmsghdr *msg, void *ctx),
		     struct burrow_nl_prefix **items, size_t *count)
{
	char buf[256];
	struct nlmsghdr *nlh = rtnl_header(buf, type, NLM_F_DUMP);
	struct rtnl_list list = { .ifindex = ifindex };
	int err;

	/* Every header starts with its family byte: AF_UNSPEC asks for all. */
	memset(mnl_nlmsg_put_extra_header(nlh, header_size), 0, header_size);
	err = rtnl_talk(rt, nlh, each, &list);
	if (!err && list.err)
		err = rtnl_fail(rt, false, list.err, "%s", strerror(-list.err));
	if (err) {
		free(list.items);
		return err;
	}
	*items = list.items;
	*count = list.n;
	return 0;
}

int burrow_rtnl_addr_list(struct burrow_rtnl *rt, int ifindex, struct burrow_nl_prefix **list,
			  size_t *count)
{
	return rtnl_dump(rt, RTM_GETADDR, sizeof(struct ifaddrmsg), ifindex, rtnl_addr_each,
			 list, count);
}

int burrow_rtnl_route_list(struct burrow_rtnl *rt, int ifindex, struct burrow_nl_prefix **list,
			   size_t *count)
{
	return rtnl_dump(rt, RTM_GETROUTE, sizeof(struct rtmsg), ifindex, rtnl_route_each,
			 list, count);
}
