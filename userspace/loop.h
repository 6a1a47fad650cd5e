/* SPDX-License-Identifier: GPL-2.0 */
/*
 * burrowd's event loop: epoll over file descriptors, one timerfd
 * (CLOCK_MONOTONIC, absolute) for every timer, and a signalfd for
 * SIGTERM/SIGINT/SIGHUP. Single-threaded; callbacks may add, remove and
 * re-arm anything, including the handler or timer that is running.
 */
#ifndef BURROW_LOOP_H
#define BURROW_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#define BURROW_NSEC_PER_SEC UINT64_C(1000000000)
#define BURROW_NSEC_PER_MSEC UINT64_C(1000000)

struct burrow_loop;

typedef void (*burrow_fd_fn)(void *arg);
typedef void (*burrow_timer_fn)(void *arg);
/* signo: SIGTERM, SIGINT or SIGHUP. */
typedef void (*burrow_signal_fn)(int signo, void *arg);

/* A timer lives in its owner's struct; arm/cancel as often as wanted. */
struct burrow_timer {
	uint64_t deadline;		/* CLOCK_MONOTONIC ns; valid when armed */
	bool armed;
	burrow_timer_fn fn;
	void *arg;
	struct burrow_timer *next;	/* loop's list of armed timers */
	uint64_t round;			/* loop round it last ran in */
};

/* Blocks SIGTERM/SIGINT/SIGHUP and routes them to on_signal. NULL + errno on failure. */
struct burrow_loop *burrow_loop_new(burrow_signal_fn on_signal, void *arg);
void burrow_loop_free(struct burrow_loop *loop);

/* Watch fd for input; fn(arg) runs when it is readable. 0 or -errno. */
int burrow_loop_add_fd(struct burrow_loop *loop, int fd, burrow_fd_fn fn, void *arg);
void burrow_loop_del_fd(struct burrow_loop *loop, int fd);

void burrow_timer_init(struct burrow_timer *t, burrow_timer_fn fn, void *arg);
/* Arm (or re-arm) for an absolute CLOCK_MONOTONIC deadline in ns. */
void burrow_timer_arm(struct burrow_loop *loop, struct burrow_timer *t, uint64_t deadline);
/* Arm for now + delay. */
void burrow_timer_arm_in(struct burrow_loop *loop, struct burrow_timer *t, uint64_t delay_ns);
void burrow_timer_cancel(struct burrow_loop *loop, struct burrow_timer *t);

/* Run until burrow_loop_stop(). 0, or -errno when epoll fails. */
int burrow_loop_run(struct burrow_loop *loop);
void burrow_loop_stop(struct burrow_loop *loop);

/* CLOCK_MONOTONIC now in ns. */
uint64_t burrow_now_ns(void);

#endif /* BURROW_LOOP_H */
