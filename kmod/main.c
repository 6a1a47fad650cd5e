// SPDX-License-Identifier: GPL-2.0
/*
 * burrow: an encrypted layer-3 tunnel over UDP, driven from userspace over
 * the 'burrow' generic netlink family.
 */

#include <linux/module.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>
#include <linux/burrow.h>

#include "device.h"
#include "netlink.h"

static int __init burrow_mod_init(void)
{
	int ret;

	ret = burrow_device_init();
	if (ret)
		goto err_device;
	ret = burrow_genl_init();
	if (ret)
		goto err_genl;
	pr_info("burrow %s loaded\n", BURROW_VERSION);
	return 0;

err_genl:
	burrow_device_uninit();
err_device:
	return ret;
}

static void __exit burrow_mod_exit(void)
{
	burrow_genl_uninit();
	burrow_device_uninit();
	pr_info("burrow %s unloaded\n", BURROW_VERSION);
}

module_init(burrow_mod_init);
module_exit(burrow_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("burrow encrypted UDP/QUIC tunnel");
MODULE_AUTHOR("The burrow developers");
MODULE_VERSION(BURROW_VERSION);
MODULE_ALIAS_RTNL_LINK(KBUILD_MODNAME);
MODULE_ALIAS_GENL_FAMILY(BURROW_FAMILY_NAME);
