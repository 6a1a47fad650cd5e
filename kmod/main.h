/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BURROW_MAIN_H
#define _BURROW_MAIN_H

#include <linux/workqueue.h>

/*
 * The module's workqueue: deferred frees of keys and peers (after an RCU
 * grace period, in process context). Module exit waits for RCU callbacks
 * and then destroys it, which drains it, so no work outlives the module.
 */
extern struct workqueue_struct *burrow_wq;

#endif /* _BURROW_MAIN_H */
