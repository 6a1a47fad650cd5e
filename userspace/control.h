/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket: a UNIX stream socket where a running burrowd answers
 * one command per connection ("status", "status -j", "rotate [PEER]",
 * "reload", "routes", "addresses").
 * The socket file is 0660; a client is served only when SO_PEERCRED says it
 * is root or the daemon's own uid, whatever the file mode.
 *
 * Protocol: the client writes one line, the daemon writes the answer and
 * closes. An answer starting with "error: " is a refusal.
 */
#ifndef BURROW_CONTROL_H
#define BURROW_CONTROL_H

#include <stddef.h>
#include <stdio.h>

struct burrow_control;

/* Answer one command into out. */
typedef void (*burrow_control_fn)(const char *command, FILE *out, void *arg);

/*
 * Bind and listen at path (a stale socket file is replaced; anything else
 * at path is refused). NULL on failure with why filled in.
 */
struct burrow_control *burrow_control_open(const char *path, burrow_control_fn fn, void *arg,
					   char *why, size_t why_size);
/* Close and unlink the socket file. */
void burrow_control_close(struct burrow_control *ctl);
int burrow_control_fd(const struct burrow_control *ctl);
/* Accept and serve one client (the loop calls this when the fd is readable). */
void burrow_control_serve(void *ctl);

/*
 * Client: send command, copy the answer to out. Returns 0, 1 when the
 * answer is a refusal, or -errno when the daemon cannot be reached (why
 * then says so, naming the path).
 */
int burrow_control_request(const char *path, const char *command, FILE *out,
			   char *why, size_t why_size);

#endif /* BURROW_CONTROL_H */
