// SPDX-License-Identifier: GPL-2.0
/*
 * burrow-nl -batch against the fake kernel (fake_kernel.h): every line
 * runs on one socket with the family resolved once, a kernel refusal in
 * the middle stops the batch (or not, with -force) and carries its line.
 */

#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "fake_kernel.h"

/* Refuse the peer-del of peer 2 with an extack; ack everything else. */
static void respond_refuse_peer_2(const struct nlmsghdr *request)
{
	const struct nlattr *attr;
	uint32_t id = 0;

	mnl_attr_for_each(attr, request, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) == BURROW_A_DEV_PEER) {
			const struct nlattr *inner;

			mnl_attr_for_each_nested(inner, attr) {
				if (mnl_attr_get_type(inner) == BURROW_A_PEER_ID)
					id = mnl_attr_get_u32(inner);
			}
		}
	}
	queue_ack(request, id == 2 ? -ENOENT : 0, id == 2 ? "no peer with this id" : NULL);
}

static unsigned int count_requests(uint16_t type, uint8_t cmd)
{
	unsigned int count = 0;

	for (unsigned int i = 0; i < fake.request_count; i++) {
		const struct nlmsghdr *request = request_at(i);

		if (request->nlmsg_type == type && (type == GENL_ID_CTRL ||
						    genl_of(request)->cmd == cmd))
			count++;
	}
	return count;
}

/* Run a batch of text; returns the exit code, stderr in err. */
static int run_batch(struct cli *cli, const char *text, char *err, size_t size)
{
	char path[] = "/tmp/burrow-cli-batch-XXXXXX";
	int fd = mkstemp(path), saved_err, ret;
	FILE *err_file = tmpfile();
	ssize_t len;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	saved_err = dup(STDERR_FILENO);
	fflush(stderr);
	dup2(fileno(err_file), STDERR_FILENO);
	ret = cli_batch(cli, path);
	fflush(stderr);
	dup2(saved_err, STDERR_FILENO);
	close(saved_err);
	unlink(path);
	lseek(fileno(err_file), 0, SEEK_SET);
	len = read(fileno(err_file), err, size - 1);
	err[len > 0 ? len : 0] = '\0';
	fclose(err_file);
	return ret;
}

static const char batch[] = "peer del b0 id 1\n"
			    "peer del b0 id 2\n"
			    "peer del b0 id 3\n";

static void test_batch_one_family_lookup(void **state)
{
	struct cli cli = { .json = false };
	char err[512];

	(void)state;
	fake_reset();
	assert_int_equal(run_batch(&cli, "peer del b0 id 1\npeer del b0 id 3\n"
				   "peer del b0 id 4\n", err, sizeof(err)), CLI_EXIT_OK);
	assert_string_equal(err, "");
	assert_int_equal(count_requests(GENL_ID_CTRL, 0), 1);
	assert_int_equal(count_requests(TEST_FAMILY_ID, BURROW_CMD_PEER_DEL), 3);
	burrow_nl_close(cli.nl);
}

static void test_batch_stops_at_refusal(void **state)
{
	struct cli cli = { .json = false };
	char err[512];

	(void)state;
	fake_reset();
	fake.respond = respond_refuse_peer_2;
	assert_int_equal(run_batch(&cli, batch, err, sizeof(err)), CLI_EXIT_NOT_FOUND);
	assert_string_equal(err, "burrow-nl: line 2: kernel refused: no peer with this id\n");
	assert_int_equal(count_requests(TEST_FAMILY_ID, BURROW_CMD_PEER_DEL), 2);
	burrow_nl_close(cli.nl);
}

static void test_batch_force_goes_on(void **state)
{
	struct cli cli = { .json = false, .force = true };
	char err[512];

	(void)state;
	fake_reset();
	fake.respond = respond_refuse_peer_2;
	assert_int_equal(run_batch(&cli, batch, err, sizeof(err)), CLI_EXIT_NOT_FOUND);
	assert_string_equal(err, "burrow-nl: line 2: kernel refused: no peer with this id\n");
	assert_int_equal(count_requests(TEST_FAMILY_ID, BURROW_CMD_PEER_DEL), 3);
	assert_int_equal(count_requests(GENL_ID_CTRL, 0), 1);
	burrow_nl_close(cli.nl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_one_family_lookup),
		cmocka_unit_test(test_batch_stops_at_refusal),
		cmocka_unit_test(test_batch_force_goes_on),
	};

	return cmocka_run_group_tests_name("burrow-nl -batch", tests, NULL, NULL);
}
