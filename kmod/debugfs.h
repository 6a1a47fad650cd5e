/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BURROW_DEBUGFS_H
#define _BURROW_DEBUGFS_H

struct burrow_device;

void burrow_debugfs_init(void);
void burrow_debugfs_uninit(void);
void burrow_debugfs_device_add(struct burrow_device *bdev);
void burrow_debugfs_device_remove(struct burrow_device *bdev);
/* The device was renamed or moved to another netns. */
void burrow_debugfs_device_rename(struct burrow_device *bdev);

#endif /* _BURROW_DEBUGFS_H */
