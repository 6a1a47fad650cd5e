// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/burrow/<dev>/: human-readable state for debugging.
 *
 *   device   socket, generation, peer count, every counter, crypt ring
 *            depths, and per CPU how many packets its crypt workers
 *            encrypted and decrypted ("cpu N encrypted X decrypted Y")
 *   peers    per peer: endpoint, timers, traffic, pipeline queue depths,
 *            and per key slot its id, cipher and AEAD driver, age, usage
 *            against its limits, and the replay window
 *
 * Directory names are the device name, suffixed with '@<netns inode>' for
 * devices outside the initial namespace so that equal names in different
 * namespaces do not collide; a netdev notifier keeps them current across
 * renames and namespace moves. Readers take the device's config_lock, so
 * they see a consistent configuration. Nothing here is ABI.
 */

#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "debugfs.h"
#include "device.h"
#include "peer.h"
#include "socket.h"

static struct dentry *burrow_debugfs_root;

static void burrow_debugfs_name(struct burrow_device *bdev, char *name, size_t size)
{
	struct net *net = dev_net(bdev->dev);

	if (net_eq(net, &init_net))
		snprintf(name, size, "%s", bdev->dev->name);
	else
		snprintf(name, size, "%s@%u", bdev->dev->name, net->ns.inum);
}

static void burrow_debugfs_endpoint(struct seq_file *m, const struct burrow_endpoint *endpoint)
{
	switch (endpoint->addr.sa_family) {
	case AF_INET:
		seq_printf(m, "%pISpc", &endpoint->addr4);
		break;
	case AF_INET6:
		seq_printf(m, "%pISpc", &endpoint->addr6);
		break;
	default:
		seq_puts(m, "(none)");
	}
}

static int burrow_debugfs_device_show(struct seq_file *m, void *unused)
{
	struct burrow_device *bdev = m->private;
	struct burrow_socket *bsock;
	int i;

	mutex_lock(&bdev->config_lock);
	bsock = rcu_dereference_protected(bdev->sock, lockdep_is_held(&bdev->config_lock));
	if (bsock)
		seq_printf(m, "socket: family %s port %u\n",
			   bsock->sk->sk_family == AF_INET ? "inet" : "inet6",
			   ntohs(inet_sk(bsock->sk)->inet_sport));
	else
		seq_puts(m, "socket: (none)\n");
	seq_printf(m, "generation: %llu\npeers: %u\n", bdev->generation, bdev->peer_count);
	seq_printf(m, "default keepalive: %u\ndefault inactivity timeout: %u\n",
		   bdev->default_keepalive, bdev->default_inactivity_timeout);
	mutex_unlock(&bdev->config_lock);
	for (i = 0; i < BURROW_DROP_MAX; i++)
		seq_printf(m, "%s: %llu\n", burrow_drop_reason_name(i),
			   burrow_stats_drop_sum(bdev, i));
	for (i = 0; i < BURROW_COUNT_MAX; i++)
		seq_printf(m, "%s: %llu\n", burrow_count_name(i),
			   burrow_stats_count_sum(bdev, i));
	/* Lockless snapshots of the ring depths: a hint, not a count. */
	seq_printf(m, "encrypt ring: %s\ndecrypt ring: %s\n",
		   __ptr_ring_empty(&bdev->encrypt_queue.ring) ? "empty" : "busy",
		   __ptr_ring_empty(&bdev->decrypt_queue.ring) ? "empty" : "busy");
	for_each_possible_cpu(i) {
		const struct burrow_dev_stats *stats = per_cpu_ptr(bdev->stats, i);

		seq_printf(m, "cpu %d encrypted %llu decrypted %llu\n", i,
			   READ_ONCE(stats->crypt[BURROW_CRYPT_ENCRYPT]),
			   READ_ONCE(stats->crypt[BURROW_CRYPT_DECRYPT]));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(burrow_debugfs_device);

static void burrow_debugfs_key(struct seq_file *m, const char *slot, struct burrow_key *key)
{
	if (!key) {
		seq_printf(m, "  key %s: (none)\n", slot);
		return;
	}
	seq_printf(m, "  key %s: id %u cipher %u driver %s age %us\n", slot, key->key_id,
		   key->cipher, burrow_aead_driver_name(key->tx), burrow_key_age(key));
	seq_printf(m, "    tx counter %lld (soft %llu hard %llu packets; soft %us hard %us)\n",
		   atomic64_read(&key->tx_counter), key->limits.soft_packets,
		   key->limits.hard_packets, key->limits.soft_seconds, key->limits.hard_seconds);
	seq_printf(m, "    rx packets %lld, replay window top %llu, %u of the last 64 seen\n",
		   atomic64_read(&key->rx_packets), burrow_replay_max(&key->replay),
		   burrow_replay_seen(&key->replay, 64));
	seq_printf(m, "    rx auth failures %lld (integrity limit %llu)%s\n",
		   atomic64_read(&key->rx_auth_failures), key->limits.integrity,
		   burrow_key_rx_refused(key) ? ", refused" : "");
}

static int burrow_debugfs_peers_show(struct seq_file *m, void *unused)
{
	struct burrow_device *bdev = m->private;
	struct burrow_endpoint endpoint;
	struct burrow_peer_stats stats;
	struct burrow_peer *peer;

	mutex_lock(&bdev->config_lock);
	list_for_each_entry(peer, &bdev->peer_list, list) {
		burrow_peer_get_endpoint(peer, &endpoint);
		burrow_peer_stats_read(peer, &stats);
		seq_printf(m, "peer %u tx-id %u endpoint ", peer->id, peer->tx_id);
		burrow_debugfs_endpoint(m, &endpoint);
		seq_printf(m, "%s\n", peer->endpoint_pinned ? " (pinned)" : "");
		seq_printf(m, "  prefixes %u keepalive %us inactivity-timeout %us%s\n",
			   burrow_allowedips_count(&peer->allowedips),
			   burrow_peer_keepalive(peer), burrow_peer_inactivity_timeout(peer),
			   READ_ONCE(peer->expired) ? " EXPIRED" : "");
		seq_printf(m, "  last rx %ums ago, last tx %ums ago\n",
			   jiffies_to_msecs(jiffies - READ_ONCE(peer->last_rx)),
			   jiffies_to_msecs(jiffies - READ_ONCE(peer->last_tx)));
		seq_printf(m, "  rx %llu bytes %llu packets, tx %llu bytes %llu packets\n",
			   stats.rx_bytes, stats.rx_packets, stats.tx_bytes, stats.tx_packets);
		seq_printf(m, "  queued tx %u rx %u (limit %u) tx-cpu %d\n",
			   skb_queue_len_lockless(&peer->tx_queue),
			   skb_queue_len_lockless(&peer->rx_queue),
			   READ_ONCE(burrow_peer_queue_len), peer->tx_cpu);
		burrow_debugfs_key(m, "primary", rcu_dereference_protected(
			peer->keys[BURROW_KEY_PRIMARY], lockdep_is_held(&bdev->config_lock)));
		burrow_debugfs_key(m, "secondary", rcu_dereference_protected(
			peer->keys[BURROW_KEY_SECONDARY], lockdep_is_held(&bdev->config_lock)));
	}
	mutex_unlock(&bdev->config_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(burrow_debugfs_peers);

void burrow_debugfs_device_add(struct burrow_device *bdev)
{
	char name[IFNAMSIZ + 16];
	struct dentry *dir;

	if (!burrow_debugfs_root)
		return;
	burrow_debugfs_name(bdev, name, sizeof(name));
	dir = debugfs_create_dir(name, burrow_debugfs_root);
	if (IS_ERR(dir)) {
		bdev->debugfs_dir = NULL;
		return;
	}
	bdev->debugfs_dir = dir;
	debugfs_create_file("device", 0400, dir, bdev, &burrow_debugfs_device_fops);
	debugfs_create_file("peers", 0400, dir, bdev, &burrow_debugfs_peers_fops);
}

void burrow_debugfs_device_remove(struct burrow_device *bdev)
{
	debugfs_remove(bdev->debugfs_dir);
	bdev->debugfs_dir = NULL;
}

void burrow_debugfs_device_rename(struct burrow_device *bdev)
{
	burrow_debugfs_device_remove(bdev);
	burrow_debugfs_device_add(bdev);
}

static int burrow_debugfs_netdev_event(struct notifier_block *nb, unsigned long event,
				       void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (!burrow_netdev_is_burrow(dev))
		return NOTIFY_DONE;
	/*
	 * A namespace move unregisters the device from the old netns while it
	 * stays registered; a kernel socket lives in the old one and goes.
	 */
	if (event == NETDEV_UNREGISTER && dev->reg_state == NETREG_REGISTERED)
		burrow_socket_netns_leave(burrow_device_from_netdev(dev));
	/* A namespace move re-registers the device under its new netns. */
	if (event == NETDEV_CHANGENAME || event == NETDEV_REGISTER)
		burrow_debugfs_device_rename(burrow_device_from_netdev(dev));
	return NOTIFY_DONE;
}

static struct notifier_block burrow_debugfs_notifier = {
	.notifier_call = burrow_debugfs_netdev_event,
};

void burrow_debugfs_init(void)
{
	struct dentry *root = debugfs_create_dir("burrow", NULL);

	burrow_debugfs_root = IS_ERR(root) ? NULL : root;
	register_netdevice_notifier(&burrow_debugfs_notifier);
}

void burrow_debugfs_uninit(void)
{
	unregister_netdevice_notifier(&burrow_debugfs_notifier);
	debugfs_remove(burrow_debugfs_root);
	burrow_debugfs_root = NULL;
}
