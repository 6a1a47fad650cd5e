// SPDX-License-Identifier: GPL-2.0
/*
 * Device-wide crypt rings and their per-CPU workers; see queue.h for the
 * pipeline and its invariants.
 *
 * Workers run on burrow_crypt_wq (per-CPU, CPU-intensive, usable under
 * memory reclaim). A worker drains its ring until it is empty, packet by
 * packet, each inside rcu_read_lock_bh() (the crypto code and the serial
 * steps it kicks expect BH off, and the peer a packet belongs to stays
 * allocated until that section ends), yielding the CPU between packets.
 * A kick that arrives while a worker runs re-queues it, so a packet
 * produced after the worker saw the ring empty is never stranded.
 */

#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/percpu.h>

#include "device.h"
#include "queue.h"

static_assert(sizeof(struct burrow_pkt_cb) <= sizeof_field(struct sk_buff, cb));
static_assert(ARRAY_SIZE(((struct burrow_dev_stats *)NULL)->crypt) == BURROW_CRYPT_MAX);

unsigned int burrow_peer_queue_len = 1024;
module_param_named(peer_queue_len, burrow_peer_queue_len, uint, 0644);
MODULE_PARM_DESC(peer_queue_len,
		 "packets one peer may have in the pipeline per direction (default 1024)");

static unsigned int burrow_crypt_ring_len = 4096;
module_param_named(crypt_ring_len, burrow_crypt_ring_len, uint, 0444);
MODULE_PARM_DESC(crypt_ring_len,
		 "packets a device's crypt ring holds per direction (default 4096)");

struct workqueue_struct *burrow_crypt_wq;

static void burrow_crypt_work(struct work_struct *work)
{
	struct burrow_crypt_worker *worker = container_of(work, struct burrow_crypt_worker,
							  work);
	struct burrow_crypt_queue *queue = worker->queue;
	struct sk_buff *skb;

	while ((skb = ptr_ring_consume_bh(&queue->ring))) {
		rcu_read_lock_bh();
		queue->process(skb);
		this_cpu_inc(queue->bdev->stats->crypt[queue->direction]);
		rcu_read_unlock_bh();
		cond_resched();
	}
}

int burrow_crypt_queue_init(struct burrow_crypt_queue *queue, struct burrow_device *bdev,
			    enum burrow_crypt_direction direction,
			    void (*process)(struct sk_buff *skb))
{
	int cpu, ret;

	ret = ptr_ring_init(&queue->ring, max(burrow_crypt_ring_len, 16U), GFP_KERNEL);
	if (ret)
		return ret;
	queue->workers = alloc_percpu(struct burrow_crypt_worker);
	if (!queue->workers) {
		ptr_ring_cleanup(&queue->ring, NULL);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu) {
		struct burrow_crypt_worker *worker = per_cpu_ptr(queue->workers, cpu);

		INIT_WORK(&worker->work, burrow_crypt_work);
		worker->queue = queue;
	}
	queue->bdev = bdev;
	queue->process = process;
	queue->direction = direction;
	queue->last_cpu = -1;
	return 0;
}

void burrow_crypt_queue_destroy(struct burrow_crypt_queue *queue)
{
	int cpu;

	for_each_possible_cpu(cpu)
		cancel_work_sync(&per_cpu_ptr(queue->workers, cpu)->work);
	/* Every peer drained its queues first, so nothing can be left. */
	WARN_ON_ONCE(!__ptr_ring_empty(&queue->ring));
	ptr_ring_cleanup(&queue->ring, NULL);
	free_percpu(queue->workers);
}

void burrow_crypt_queue_kick(struct burrow_crypt_queue *queue, unsigned int n)
{
	int cpu = READ_ONCE(queue->last_cpu);

	n = min(n, num_online_cpus());
	while (n--) {
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		queue_work_on(cpu, burrow_crypt_wq, &per_cpu_ptr(queue->workers, cpu)->work);
	}
	WRITE_ONCE(queue->last_cpu, cpu);
}

int __init burrow_queue_init(void)
{
	burrow_crypt_wq = alloc_workqueue("burrow_crypt", WQ_CPU_INTENSIVE | WQ_MEM_RECLAIM, 0);
	return burrow_crypt_wq ? 0 : -ENOMEM;
}

void burrow_queue_uninit(void)
{
	destroy_workqueue(burrow_crypt_wq);
}
