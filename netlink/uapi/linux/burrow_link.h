/* SPDX-License-Identifier: ((GPL-2.0-only WITH Linux-syscall-note) OR MIT) */
/*
 * rtnetlink IFLA_INFO_DATA of a burrow link ("ip -d link show"). Read-only
 * but for IFLA_BURROW_MODE, which newlink takes once, when the device is
 * created (changelink refuses it): the device is configured over the
 * generic-netlink family (burrow.h); these attributes only report it, so
 * "ip link" and other rtnetlink readers see the state without speaking
 * genetlink. Written by hand: rtnetlink is outside the genetlink spec in
 * burrow.yaml.
 */

#ifndef _UAPI_LINUX_BURROW_LINK_H
#define _UAPI_LINUX_BURROW_LINK_H

enum {
	IFLA_BURROW_UNSPEC,
	IFLA_BURROW_LISTEN_PORT,	/* u16, host order; absent without a socket */
	IFLA_BURROW_PEERS,		/* u32, number of peers */
	IFLA_BURROW_DEFAULT_KEEPALIVE,	/* u16, seconds, 0 = off */
	IFLA_BURROW_DEFAULT_INACTIVITY_TIMEOUT, /* u32, seconds, 0 = never */
	IFLA_BURROW_GENERATION,		/* u32, bumped by every configuration change */
	IFLA_BURROW_MODE,		/* u8, enum burrow_mode (burrow.h): 0 l3, 1 l2 */
	__IFLA_BURROW_MAX
};

#define IFLA_BURROW_MAX (__IFLA_BURROW_MAX - 1)

#endif /* _UAPI_LINUX_BURROW_LINK_H */
