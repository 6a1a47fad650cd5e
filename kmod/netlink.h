/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _BURROW_NETLINK_H
#define _BURROW_NETLINK_H

int burrow_genl_init(void);
void burrow_genl_uninit(void);

#endif /* _BURROW_NETLINK_H */
