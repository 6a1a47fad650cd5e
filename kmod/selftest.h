/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-module selftests, compiled in with BURROW_SELFTEST (the debug-kernel VM
 * runs set it) and run once at module load before anything is registered.
 * Each returns true on success and logs every failure it finds with
 * pr_err("selftest <name>: ...") (pr_fmt, set in Kbuild, prefixes
 * "burrow: "); main.c refuses to load the module if any fails.
 */
#ifndef _BURROW_SELFTEST_H
#define _BURROW_SELFTEST_H

#include <linux/types.h>

#ifdef BURROW_SELFTEST
bool burrow_replay_selftest(void);
bool burrow_allowedips_selftest(void);
bool burrow_crypto_selftest(void);
bool burrow_wire_selftest(void);
bool burrow_quic_selftest(void);
bool burrow_l2_frag_selftest(void);
bool burrow_aqm_selftest(void);
#endif

#endif /* _BURROW_SELFTEST_H */
