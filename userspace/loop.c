// SPDX-License-Identifier: GPL-2.0
/* epoll + timerfd + signalfd event loop: see loop.h. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

struct fd_watch {
	int fd;
	burrow_fd_fn fn;
	void *arg;
	struct fd_watch *next;
};

struct burrow_loop {
	int epoll_fd;
	int timer_fd;
	int signal_fd;
	bool stop;
	burrow_signal_fn on_signal;
	void *signal_arg;
	struct fd_watch *watches;
	struct burrow_timer *timers;	/* armed timers, unsorted */
	uint64_t armed_deadline;	/* what timer_fd is set to; 0 = disarmed */
	uint64_t round;			/* timerfd expirations handled so far */
};

/* epoll data for the loop's own descriptors. */
#define TAG_TIMER ((void *)1)
#define TAG_SIGNAL ((void *)2)

uint64_t burrow_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * BURROW_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

struct burrow_loop *burrow_loop_new(burrow_signal_fn on_signal, void *arg)
{
	struct burrow_loop *loop = calloc(1, sizeof(*loop));
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask;

	if (!loop)
		return NULL;
	loop->on_signal = on_signal;
	loop->signal_arg = arg;
	loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	loop->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	loop->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (loop->epoll_fd < 0 || loop->timer_fd < 0 || loop->signal_fd < 0)
		goto fail;
	ev.data.ptr = TAG_TIMER;
	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->timer_fd, &ev))
		goto fail;
	ev.data.ptr = TAG_SIGNAL;
	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->signal_fd, &ev))
		goto fail;
	return loop;
fail:
	burrow_loop_free(loop);
	return NULL;
}

void burrow_loop_free(struct burrow_loop *loop)
{
	if (!loop)
		return;
	while (loop->watches) {
		struct fd_watch *w = loop->watches;

		loop->watches = w->next;
		free(w);
	}
	if (loop->epoll_fd >= 0)
		close(loop->epoll_fd);
	if (loop->timer_fd >= 0)
		close(loop->timer_fd);
	if (loop->signal_fd >= 0)
		close(loop->signal_fd);
	free(loop);
}

int burrow_loop_add_fd(struct burrow_loop *loop, int fd, burrow_fd_fn fn, void *arg)
{
	struct fd_watch *w = calloc(1, sizeof(*w));
	struct epoll_event ev = { .events = EPOLLIN };

	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->fn = fn;
	w->arg = arg;
	ev.data.ptr = w;
	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, fd, &ev)) {
		int ret = -errno;

		free(w);
		return ret;
	}
	w->next = loop->watches;
	loop->watches = w;
	return 0;
}

/*
 * The watch is unlinked and freed at once; an event for it that epoll_wait
 * already returned in this round is recognised as stale by its absence
 * from the list (see dispatch_fd).
 */
void burrow_loop_del_fd(struct burrow_loop *loop, int fd)
{
	struct fd_watch **p;

	for (p = &loop->watches; *p; p = &(*p)->next) {
		if ((*p)->fd == fd) {
			struct fd_watch *w = *p;

			*p = w->next;
			epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
			free(w);
			return;
		}
	}
}

void burrow_timer_init(struct burrow_timer *t, burrow_timer_fn fn, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
}

void burrow_timer_cancel(struct burrow_loop *loop, struct burrow_timer *t)
{
	struct burrow_timer **p;

	if (!t->armed)
		return;
	for (p = &loop->timers; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->armed = false;
	t->next = NULL;
}

void burrow_timer_arm(struct burrow_loop *loop, struct burrow_timer *t, uint64_t deadline)
{
	burrow_timer_cancel(loop, t);
	/* 0 is "now" to callers but "none" to rearm_timerfd: make it the
	 * earliest real time instead, already past. */
	t->deadline = deadline ? deadline : 1;
	t->armed = true;
	t->next = loop->timers;
	loop->timers = t;
}

void burrow_timer_arm_in(struct burrow_loop *loop, struct burrow_timer *t, uint64_t delay_ns)
{
	burrow_timer_arm(loop, t, burrow_now_ns() + delay_ns);
}

/* Point timer_fd at the earliest armed timer. */
static void rearm_timerfd(struct burrow_loop *loop)
{
	struct itimerspec its = { 0 };
	uint64_t earliest = 0;

	for (struct burrow_timer *t = loop->timers; t; t = t->next)
		if (!earliest || t->deadline < earliest)
			earliest = t->deadline;
	if (earliest == loop->armed_deadline)
		return;
	loop->armed_deadline = earliest;
	if (earliest) {
		its.it_value.tv_sec = (time_t)(earliest / BURROW_NSEC_PER_SEC);
		its.it_value.tv_nsec = (long)(earliest % BURROW_NSEC_PER_SEC);
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1;	/* 0 would disarm */
	}
	timerfd_settime(loop->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/*
 * Run every timer that was due when the timerfd fired, each disarmed
 * before its callback. A callback that re-arms a timer for a time already
 * past (the QUIC timer does, "due now") does not run it again in this
 * round: the round mark keeps this loop finite, and the timerfd fires at
 * once for the next round.
 */
static void run_timers(struct burrow_loop *loop)
{
	uint64_t expirations, now = burrow_now_ns();
	bool again = true;

	if (read(loop->timer_fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		return;
	loop->armed_deadline = 0;
	loop->round++;
	while (again && !loop->stop) {
		again = false;
		for (struct burrow_timer *t = loop->timers; t; t = t->next) {
			if (t->deadline <= now && t->round != loop->round) {
				burrow_timer_cancel(loop, t);
				t->round = loop->round;
				t->fn(t->arg);
				again = true;	/* the list may have changed */
				break;
			}
		}
	}
}

static void run_signals(struct burrow_loop *loop)
{
	struct signalfd_siginfo info;

	while (read(loop->signal_fd, &info, sizeof(info)) == sizeof(info))
		if (loop->on_signal)
			loop->on_signal((int)info.ssi_signo, loop->signal_arg);
}

static void dispatch_fd(struct burrow_loop *loop, struct fd_watch *target)
{
	for (struct fd_watch *w = loop->watches; w; w = w->next) {
		if (w == target) {
			w->fn(w->arg);
			return;
		}
	}
}

int burrow_loop_run(struct burrow_loop *loop)
{
	struct epoll_event events[16];

	loop->stop = false;
	while (!loop->stop) {
		int n;

		rearm_timerfd(loop);
		n = epoll_wait(loop->epoll_fd, events, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !loop->stop; i++) {
			if (events[i].data.ptr == TAG_TIMER)
				run_timers(loop);
			else if (events[i].data.ptr == TAG_SIGNAL)
				run_signals(loop);
			else
				dispatch_fd(loop, events[i].data.ptr);
		}
	}
	return 0;
}

void burrow_loop_stop(struct burrow_loop *loop)
{
	loop->stop = true;
}
