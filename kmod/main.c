// SPDX-License-Identifier: GPL-2.0
/*
 * burrow: an encrypted layer-3 tunnel over UDP, driven from userspace over
 * the 'burrow' generic netlink family.
 *
 * Init order: selftests (when built in), then everything the devices need
 * (crypto buffers, the prefix-node cache, the workqueues, debugfs), then the
 * link kind and the netlink family, which expose it. Exit undoes it in
 * reverse; deleting the devices queues deferred frees, so exit waits for
 * RCU callbacks and drains the workqueue before freeing what they use.
 */

#include <linux/module.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>
#include <linux/burrow.h>

#include "allowedips.h"
#include "crypto.h"
#include "debugfs.h"
#include "device.h"
#include "main.h"
#include "peer.h"
#include "netlink.h"
#include "queue.h"
#include "selftest.h"

struct workqueue_struct *burrow_wq;

#ifdef BURROW_SELFTEST
static bool __init burrow_selftests(void)
{
	bool ok = true;

	ok &= burrow_replay_selftest();
	ok &= burrow_allowedips_selftest();
	ok &= burrow_crypto_selftest();
	ok &= burrow_wire_selftest();
	ok &= burrow_quic_selftest();
	ok &= burrow_l2_frag_selftest();
	ok &= burrow_aqm_selftest();
	return ok;
}
#else
static bool __init burrow_selftests(void)
{
	return true;
}
#endif

static int __init burrow_mod_init(void)
{
	int ret;

	ret = burrow_crypto_init();
	if (ret)
		goto err_crypto;
	ret = burrow_allowedips_slab_init();
	if (ret)
		goto err_allowedips;
	ret = burrow_peer_slab_init();
	if (ret)
		goto err_peer_slab;
	if (!burrow_selftests()) {
		ret = -ENOTRECOVERABLE;
		goto err_selftests;
	}
	burrow_wq = alloc_workqueue("burrow", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!burrow_wq) {
		ret = -ENOMEM;
		goto err_selftests;
	}
	ret = burrow_queue_init();
	if (ret)
		goto err_queue;
	burrow_debugfs_init();
	ret = burrow_device_init();
	if (ret)
		goto err_device;
	ret = burrow_genl_init();
	if (ret)
		goto err_genl;
	/*
	 * printk, not pr_info: the banner reads "burrow <version> loaded"
	 * without the pr_fmt prefix, as scripts and operators match it.
	 */
	printk(KERN_INFO KBUILD_MODNAME " %s loaded\n", BURROW_VERSION);
	return 0;

err_genl:
	burrow_device_uninit();
err_device:
	burrow_debugfs_uninit();
	burrow_queue_uninit();
err_queue:
	destroy_workqueue(burrow_wq);
err_selftests:
	burrow_peer_slab_uninit();
err_peer_slab:
	burrow_allowedips_slab_uninit();
err_allowedips:
	burrow_crypto_uninit();
err_crypto:
	return ret;
}

static void __exit burrow_mod_exit(void)
{
	burrow_genl_uninit();
	burrow_device_uninit();
	burrow_debugfs_uninit();
	/* Frees queued by call_rcu reach the workqueue only after a barrier. */
	rcu_barrier();
	burrow_queue_uninit();
	destroy_workqueue(burrow_wq);
	burrow_peer_slab_uninit();
	burrow_allowedips_slab_uninit();
	burrow_crypto_uninit();
	printk(KERN_INFO KBUILD_MODNAME " %s unloaded\n", BURROW_VERSION);
}

module_init(burrow_mod_init);
module_exit(burrow_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("burrow encrypted UDP/QUIC tunnel");
MODULE_AUTHOR("The burrow developers");
MODULE_VERSION(BURROW_VERSION);
MODULE_ALIAS_RTNL_LINK(KBUILD_MODNAME);
MODULE_ALIAS_GENL_FAMILY(BURROW_FAMILY_NAME);
/* Ciphers are looked up by name when keys are installed. */
MODULE_SOFTDEP("pre: chacha20poly1305 gcm aesni_intel");
