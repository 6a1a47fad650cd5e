// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl: create and delete burrow links over rtnetlink, through
 * libburrow-nl's client (burrow-rtnl.h). One socket per struct cli, opened
 * on first use, so a batch reuses it.
 */

#include <errno.h>
#include <string.h>

#include "burrow-rtnl.h"
#include "cli.h"

static int link_open(struct cli *cli)
{
	if (cli->rtnl.sock)
		return CLI_EXIT_OK;
	if (burrow_rtnl_open(&cli->rtnl)) {
		cli_error("cannot open an rtnetlink socket: %s", cli->rtnl.why);
		return CLI_EXIT_REFUSED;
	}
	return CLI_EXIT_OK;
}

void link_close(struct cli *cli)
{
	burrow_rtnl_close(&cli->rtnl);
}

/* The exit code of a request's result; failures print why. */
static int link_result(struct cli *cli, int err, const char *what)
{
	if (!err)
		return CLI_EXIT_OK;
	if (!cli->rtnl.refused) {
		cli_error("%s: %s", what, cli->rtnl.why);
		return CLI_EXIT_REFUSED;
	}
	cli_error("kernel refused: %s", cli->rtnl.why);
	return err == -ENODEV ? CLI_EXIT_NOT_FOUND : CLI_EXIT_REFUSED;
}

int link_create(struct cli *cli, const char *ifname, bool mtu_set, uint32_t mtu, int mode)
{
	int ret = link_open(cli);

	if (ret)
		return ret;
	/* dev add's mtu is 68-65535, so 0 can mean "not given". */
	return link_result(cli, burrow_rtnl_link_add(&cli->rtnl, ifname, "burrow",
						     mtu_set ? mtu : 0, mode), "dev add");
}

int link_delete(struct cli *cli, const char *ifname)
{
	int ret = link_open(cli);

	if (ret)
		return ret;
	return link_result(cli, burrow_rtnl_link_del(&cli->rtnl, ifname), "dev del");
}
