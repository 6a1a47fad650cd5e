// SPDX-License-Identifier: GPL-2.0
/* Control socket server and client: see control.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"

struct burrow_control {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	burrow_control_fn fn;
	void *arg;
};

static int make_addr(const char *path, struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr->sun_path))
		return -ENAMETOOLONG;
	strcpy(addr->sun_path, path);
	return 0;
}

struct burrow_control *burrow_control_open(const char *path, burrow_control_fn fn, void *arg,
					   char *why, size_t why_size)
{
	struct burrow_control *ctl;
	struct sockaddr_un addr;
	struct stat st;
	mode_t old_umask;
	int ret;

	if (make_addr(path, &addr)) {
		snprintf(why, why_size, "control socket path '%s' is too long", path);
		return NULL;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(why, why_size, "control socket path '%s' exists and is not a socket",
				 path);
			return NULL;
		}
		unlink(path);	/* stale: a running daemon would still hold the port */
	}
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl) {
		snprintf(why, why_size, "out of memory");
		return NULL;
	}
	strcpy(ctl->path, path);
	ctl->fn = fn;
	ctl->arg = arg;
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl->fd < 0)
		goto fail;
	old_umask = umask(0117);	/* 0660 */
	ret = bind(ctl->fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old_umask);
	if (ret || listen(ctl->fd, 8))
		goto fail;
	return ctl;
fail:
	snprintf(why, why_size, "cannot listen on control socket '%s': %s", path, strerror(errno));
	if (ctl->fd >= 0)
		close(ctl->fd);
	free(ctl);
	return NULL;
}

void burrow_control_close(struct burrow_control *ctl)
{
	if (!ctl)
		return;
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl);
}

int burrow_control_fd(const struct burrow_control *ctl)
{
	return ctl->fd;
}

/* send(), not write(): a peer that went away must not raise SIGPIPE. */
static void write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return;
		}
		data += n;
		len -= (size_t)n;
	}
}

void burrow_control_serve(void *arg)
{
	struct burrow_control *ctl = arg;
	struct timeval timeout = { .tv_sec = 1 };
	struct ucred cred;
	socklen_t cred_len = sizeof(cred);
	char line[512];	/* relay-use carries a 236-character ticket */
	size_t used = 0;
	char *answer = NULL;
	size_t answer_len = 0;
	FILE *out;
	int fd;

	fd = accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	/* The daemon serves one client at a time: a silent one must not stall it. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		static const char refused[] = "error: permission denied (root or the daemon's user only)\n";

		write_all(fd, refused, sizeof(refused) - 1);
		close(fd);
		return;
	}
	while (used < sizeof(line) - 1) {
		ssize_t n = read(fd, line + used, sizeof(line) - 1 - used);

		if (n <= 0)
			break;
		used += (size_t)n;
		if (memchr(line, '\n', used))
			break;
	}
	line[used] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	out = open_memstream(&answer, &answer_len);
	if (out) {
		ctl->fn(line, out, ctl->arg);
		fclose(out);
		write_all(fd, answer, answer_len);
		free(answer);
	}
	close(fd);
}

int burrow_control_request(const char *path, const char *command, FILE *out,
			   char *why, size_t why_size)
{
	struct sockaddr_un addr;
	char buf[4096];
	bool refused = false, first = true;
	int fd, ret;
	ssize_t n;

	if (make_addr(path, &addr)) {
		snprintf(why, why_size, "control socket path '%s' is too long", path);
		return -ENAMETOOLONG;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		ret = -errno;
		snprintf(why, why_size, "cannot reach burrowd at '%s': %s (is it running?)", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	write_all(fd, command, strlen(command));
	write_all(fd, "\n", 1);
	shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (first && n >= 7 && !memcmp(buf, "error: ", 7))
			refused = true;
		first = false;
		fwrite(buf, 1, (size_t)n, out);
	}
	close(fd);
	return refused ? 1 : 0;
}
