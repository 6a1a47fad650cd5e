// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl: create and delete burrow links over rtnetlink (RTM_NEWLINK
 * with IFLA_INFO_KIND "burrow", RTM_DELLINK), with libmnl. One socket per
 * struct cli, opened on first use, so a batch reuses it.
 */

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static int link_open(struct cli *cli)
{
	int on = 1;

	if (cli->rtnl)
		return CLI_EXIT_OK;
	cli->rtnl = mnl_socket_open(NETLINK_ROUTE);
	if (!cli->rtnl || mnl_socket_bind(cli->rtnl, 0, MNL_SOCKET_AUTOPID) < 0) {
		cli_error("cannot open an rtnetlink socket: %s", strerror(errno));
		link_close(cli);
		return CLI_EXIT_REFUSED;
	}
	/* Extended acks: the kernel says why it refused. */
	mnl_socket_setsockopt(cli->rtnl, NETLINK_EXT_ACK, &on, sizeof(on));
	mnl_socket_setsockopt(cli->rtnl, NETLINK_CAP_ACK, &on, sizeof(on));
	cli->rtnl_seq = (uint32_t)time(NULL);
	return CLI_EXIT_OK;
}

void link_close(struct cli *cli)
{
	if (cli->rtnl)
		mnl_socket_close(cli->rtnl);
	cli->rtnl = NULL;
}

/* The extack message of an error message, or NULL. */
static const char *link_extack(const struct nlmsghdr *nlh)
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

/* Send nlh and wait for its ack. Exit code; refusals print the kernel's reason. */
static int link_request(struct cli *cli, struct nlmsghdr *nlh, const char *what)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t len;

	nlh->nlmsg_seq = ++cli->rtnl_seq;
	if (mnl_socket_sendto(cli->rtnl, nlh, nlh->nlmsg_len) < 0) {
		cli_error("%s: cannot send to rtnetlink: %s", what, strerror(errno));
		return CLI_EXIT_REFUSED;
	}
	for (;;) {
		const struct nlmsghdr *reply;

		len = mnl_socket_recvfrom(cli->rtnl, buf, sizeof(buf));
		if (len < 0) {
			if (errno == EINTR)
				continue;
			cli_error("%s: cannot read from rtnetlink: %s", what, strerror(errno));
			return CLI_EXIT_REFUSED;
		}
		for (reply = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(reply, (int)len);
		     reply = mnl_nlmsg_next(reply, (int *)&len)) {
			const struct nlmsgerr *err;
			const char *reason;

			if (reply->nlmsg_seq != nlh->nlmsg_seq || reply->nlmsg_type != NLMSG_ERROR)
				continue;
			err = mnl_nlmsg_get_payload(reply);
			if (err->error == 0)
				return CLI_EXIT_OK;
			reason = link_extack(reply);
			cli_error("kernel refused: %s", reason ? reason : strerror(-err->error));
			return err->error == -ENODEV ? CLI_EXIT_NOT_FOUND : CLI_EXIT_REFUSED;
		}
	}
}

int link_create(struct cli *cli, const char *ifname, bool mtu_set, uint32_t mtu)
{
	char buf[512];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	struct nlattr *linkinfo;
	int ret = link_open(cli);

	if (ret)
		return ret;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	if (mtu_set)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "burrow");
	mnl_attr_nest_end(nlh, linkinfo);
	return link_request(cli, nlh, "dev add");
}

int link_delete(struct cli *cli, const char *ifname)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	int ret = link_open(cli);

	if (ret)
		return ret;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_DELLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	return link_request(cli, nlh, "dev del");
}
