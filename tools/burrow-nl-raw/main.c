// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl-raw: send one hand-made request to the 'burrow' family and
 * print the kernel's answer, for the VM's netlink validation tests. It
 * sends through libburrow-nl (burrow_nl_request_raw()), so the project
 * keeps one netlink client.
 *
 *   burrow-nl-raw [--dump] CMD [NAME:TYPE[:VALUE]...]
 *
 * Prints "ok" (a get: "ok replies N") and exits 0, or prints
 * "error <errno name> <errno> extack '<message>'" and exits 2. Usage
 * errors exit 1.
 */

#include <errno.h>
#include <linux/netlink.h>
#include <stdalign.h>
#include <stdio.h>
#include <string.h>

#include "burrow-nl.h"
#include "raw.h"

enum {
	RAW_EXIT_OK = 0,
	RAW_EXIT_USAGE = 1,
	RAW_EXIT_ERROR = 2,
};

static void usage(FILE *out)
{
	fputs("Usage: burrow-nl-raw [--dump] CMD [NAME:TYPE[:VALUE]...]\n"
	      "\n"
	      "Send one request of the 'burrow' generic netlink family as given.\n"
	      "  CMD    an operation of burrow.yaml (dev-set, peer-new, ...) or a number\n"
	      "  NAME   an attribute of the current set (dev at the top, version for\n"
	      "         version-get; a nest's own set inside it) or a number 0-16383\n"
	      "  TYPE   u8 u16 u32 u64 (decimal or 0x-hex), str, hex, flag,\n"
	      "         nest-begin, nest-end\n"
	      "  e.g.   burrow-nl-raw peer-new ifname:str:burrow0 peer:nest-begin \\\n"
	      "             id:u32:5 remote-ipv4:hex:0a000001 peer:nest-end\n"
	      "\n"
	      "Prints 'ok' ('ok replies N' for a get or --dump) and exits 0, or\n"
	      "'error ENAME N extack 'MESSAGE'' and exits 2; usage errors exit 1.\n",
	      out);
}

static int report_error(int code, const char *message)
{
	const char *name = strerrorname_np(-code);

	printf("error %s %d extack '%s'\n", name ? name : "E?", -code, message);
	return RAW_EXIT_ERROR;
}

int main(int argc, char **argv)
{
	static alignas(struct nlmsghdr) char request[RAW_REQUEST_SIZE];
	struct raw_error error;
	struct burrow_nl *nl;
	unsigned int replies;
	bool dump = false;
	int arg = 1, cmd, ret;
	size_t len;

	if (arg < argc && (strcmp(argv[arg], "-h") == 0 || strcmp(argv[arg], "--help") == 0)) {
		usage(stdout);
		return RAW_EXIT_OK;
	}
	if (arg < argc && strcmp(argv[arg], "--dump") == 0) {
		dump = true;
		arg++;
	}
	if (arg == argc) {
		usage(stderr);
		return RAW_EXIT_USAGE;
	}
	cmd = raw_command(argv[arg]);
	if (cmd < 0) {
		fprintf(stderr, "burrow-nl-raw: unknown command '%s'\n", argv[arg]);
		return RAW_EXIT_USAGE;
	}
	arg++;
	if (raw_build(cmd, dump, argc - arg, argv + arg, request, sizeof(request), &len, &error)) {
		fprintf(stderr, "burrow-nl-raw: %s\n", error.message);
		return RAW_EXIT_USAGE;
	}

	ret = burrow_nl_open(&nl);
	if (ret)
		return report_error(ret, ret == -ENOENT ? "the burrow module is not loaded" : "");
	ret = burrow_nl_request_raw(nl, request, len, &replies);
	if (ret) {
		ret = report_error(ret, burrow_nl_last_error(nl));
	} else {
		if (dump || raw_command_is_get(cmd))
			printf("ok replies %u\n", replies);
		else
			printf("ok\n");
		ret = RAW_EXIT_OK;
	}
	burrow_nl_close(nl);
	if (fflush(stdout) != 0) {
		perror("burrow-nl-raw: cannot write the output");
		return RAW_EXIT_ERROR;
	}
	return ret;
}
