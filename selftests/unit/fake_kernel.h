/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit-test helper: a fake kernel behind libburrow-nl. Including this file
 * defines libmnl's socket functions and recvmsg(); the test executable's
 * definitions take precedence over the shared libraries' for the
 * statically linked library, so every request goes to fake.respond(),
 * which queues the datagrams the kernel would answer with, and every
 * receive takes the next queued datagram (EAGAIN when there is none).
 * The controller's getfamily is answered here: family TEST_FAMILY_ID with
 * the "events" group EVENTS_GROUP, or ENOENT with fake.family_missing.
 * Each test program is one file, which includes this once.
 */

#ifndef BURROW_TEST_FAKE_KERNEL_H
#define BURROW_TEST_FAKE_KERNEL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "burrow-nl-internal.h"
#include "nl_builders.h"

#define EVENTS_GROUP 9
#define MAX_DATAGRAMS 16
#define MAX_REQUESTS 64

/* ---- the fake kernel -------------------------------------------------------- */

struct datagram {
	alignas(struct nlmsghdr) char data[BURROW_NL_RECEIVE_SIZE];
	size_t len;
	uint32_t from;		/* sender port id: 0 is the kernel */
	int error;		/* recv fails with this errno instead */
};

static struct fake_kernel {
	struct datagram queue[MAX_DATAGRAMS];
	unsigned int head, tail;
	/* Copies of what the library sent. */
	alignas(struct nlmsghdr) char requests[MAX_REQUESTS][BURROW_NL_REQUEST_SIZE];
	unsigned int request_count;
	unsigned int joined_group;
	bool family_missing;	/* the controller answers ENOENT */
	void (*respond)(const struct nlmsghdr *request);
	void (*on_join)(void);	/* after joining a group: queue events */
} fake;

static char fake_socket;

static inline struct datagram *queue_datagram(void)
{
	struct datagram *datagram;

	assert_true(fake.tail - fake.head < MAX_DATAGRAMS);
	datagram = &fake.queue[fake.tail++ % MAX_DATAGRAMS];
	memset(datagram->data, 0, 4096);
	datagram->len = 0;
	datagram->from = 0;
	datagram->error = 0;
	return datagram;
}

/* Queue the messages from start to end of nlh as one datagram. */
static inline void queue_messages(const void *start, const struct nlmsghdr *last, uint32_t from)
{
	struct datagram *datagram = queue_datagram();

	datagram->len = test_length(start, last);
	memcpy(datagram->data, start, datagram->len);
	datagram->from = from;
}

static inline void queue_error(int error)
{
	queue_datagram()->error = error;
}

/* An ack or an error with an extack message for request. */
static inline void queue_ack(const struct nlmsghdr *request, int error, const char *extack)
{
	TEST_BUFFER(buf, 512);
	struct nlmsghdr *nlh = test_put_error(buf, error, request->nlmsg_seq, true, 0, extack);

	queue_messages(buf, nlh, 0);
}

static inline void queue_family(const struct nlmsghdr *request)
{
	TEST_BUFFER(buf, 1024);
	struct nlmsghdr *nlh = test_put_genl(buf, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, 0);
	struct nlattr *groups, *group;

	nlh->nlmsg_seq = request->nlmsg_seq;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, BURROW_FAMILY_NAME);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, TEST_FAMILY_ID);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, 1);
	groups = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	group = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, BURROW_MCGRP_EVENTS);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, EVENTS_GROUP);
	mnl_attr_nest_end(nlh, group);
	mnl_attr_nest_end(nlh, groups);
	nlh = test_put_error(test_after(nlh), 0, request->nlmsg_seq, true, 0, NULL);
	queue_messages(buf, nlh, 0);
}

static inline const struct genlmsghdr *genl_of(const struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload(nlh);
}

static inline const struct nlmsghdr *request_at(unsigned int i)
{
	assert_true(i < fake.request_count);
	return (const struct nlmsghdr *)fake.requests[i];
}

/* Default: answer the controller, ack everything else. */
static inline void respond_ack(const struct nlmsghdr *request)
{
	queue_ack(request, 0, NULL);
}

struct mnl_socket *mnl_socket_open(int bus)
{
	assert_int_equal(bus, NETLINK_GENERIC);
	return (struct mnl_socket *)&fake_socket;
}

int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid)
{
	(void)nl;
	(void)groups;
	(void)pid;
	return 0;
}

int mnl_socket_close(struct mnl_socket *nl)
{
	(void)nl;
	return 0;
}

unsigned int mnl_socket_get_portid(const struct mnl_socket *nl)
{
	(void)nl;
	return TEST_PORTID;
}

int mnl_socket_get_fd(const struct mnl_socket *nl)
{
	(void)nl;
	return 1000;
}

int mnl_socket_setsockopt(const struct mnl_socket *nl, int type, void *buf, socklen_t len)
{
	(void)nl;
	if (type == NETLINK_ADD_MEMBERSHIP) {
		assert_int_equal(len, sizeof(unsigned int));
		fake.joined_group = *(unsigned int *)buf;
		if (fake.on_join)
			fake.on_join();
	}
	return 0;
}

ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *req, size_t size)
{
	const struct nlmsghdr *request = req;

	(void)nl;
	assert_int_equal(request->nlmsg_len, size);
	assert_true(size <= BURROW_NL_REQUEST_SIZE);
	assert_true(fake.request_count < MAX_REQUESTS);
	memcpy(fake.requests[fake.request_count++], req, size);
	if (request->nlmsg_type == GENL_ID_CTRL && fake.family_missing)
		queue_ack(request, -ENOENT, NULL);
	else if (request->nlmsg_type == GENL_ID_CTRL)
		queue_family(request);
	else
		fake.respond(request);
	return (ssize_t)size;
}

/* The next datagram: into buf, or its errno; EAGAIN when there is none. */
static inline ssize_t fake_receive(void *buf, size_t size, uint32_t *from)
{
	struct datagram *datagram;

	if (fake.head == fake.tail) {
		errno = EAGAIN;
		return -1;
	}
	datagram = &fake.queue[fake.head++ % MAX_DATAGRAMS];
	if (datagram->error) {
		errno = datagram->error;
		return -1;
	}
	assert_true(datagram->len <= size);
	memcpy(buf, datagram->data, datagram->len);
	*from = datagram->from;
	return (ssize_t)datagram->len;
}

ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t size)
{
	uint32_t from;

	(void)nl;
	return fake_receive(buf, size, &from);
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct sockaddr_nl *addr = msg->msg_name;
	uint32_t from = 0;
	ssize_t len;

	assert_int_equal(fd, 1000);
	(void)flags;
	len = fake_receive(msg->msg_iov[0].iov_base, msg->msg_iov[0].iov_len, &from);
	if (len < 0)
		return len;
	memset(addr, 0, sizeof(*addr));
	addr->nl_family = AF_NETLINK;
	addr->nl_pid = from;
	msg->msg_namelen = sizeof(*addr);
	msg->msg_flags = 0;
	return len;
}

static inline void fake_reset(void)
{
	fake.head = fake.tail = 0;
	fake.request_count = 0;
	fake.joined_group = 0;
	fake.family_missing = false;
	fake.respond = respond_ack;
	fake.on_join = NULL;
}

static inline int fake_setup(void **state)
{
	struct burrow_nl *nl;

	fake_reset();
	assert_int_equal(burrow_nl_open(&nl), 0);
	assert_int_equal(fake.head, fake.tail);		/* the family answer was read */
	*state = nl;
	return 0;
}

static inline int fake_teardown(void **state)
{
	burrow_nl_close(*state);
	return 0;
}

#endif /* BURROW_TEST_FAKE_KERNEL_H */
