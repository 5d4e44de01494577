/*
 * child.c - a forked child with a time limit and its stdout captured (see
 * child.h). The parent polls the pipe until end of file or the deadline,
 * then reaps the child; a child that closed its stdout but still runs is
 * given the rest of the time.
 */
#include "child.h"
#include "util/buf.h"
#include "util/limits.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void child_main(const int out[2], const int err[2], int (*fn)(void *), void *arg)
{
	close(out[0]);
	close(err[0]);
	if (dup2(out[1], STDOUT_FILENO) < 0 || dup2(err[1], STDERR_FILENO) < 0)
		_exit(125);
	close(out[1]);
	close(err[1]);
	int rc = fn(arg);
	if (fflush(stdout) != 0)
		rc = rc ? rc : 1;
	fflush(stderr);
	_exit(rc & 0xff);
}

/* Read both pipes until end of file on both or the deadline; 1 when the
 * deadline came. */
static int collect(sc_buf b[2], const int fd[2], double deadline)
{
	char chunk[65536];
	int open_fds = 2;
	int done[2] = { 0, 0 };
	while (open_fds) {
		double left = deadline - now();
		if (left <= 0)
			return 1;
		struct pollfd p[2];
		nfds_t np = 0;
		int which[2];
		for (int k = 0; k < 2; k++)
			if (!done[k]) {
				p[np].fd = fd[k];
				p[np].events = POLLIN;
				p[np].revents = 0;
				which[np++] = k;
			}
		int r = poll(p, np, left > 1e6 ? 1000000000 : (int)(left * 1000) + 1);
		if (r <= 0)
			continue;
		for (nfds_t i = 0; i < np; i++) {
			if (!p[i].revents)
				continue;
			int k = which[i];
			ssize_t n = read(fd[k], chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				done[k] = 1;
				open_fds--;
			} else {
				sc_buf_add(&b[k], chunk, (size_t)n);
			}
		}
	}
	return 0;
}

/* Reap pid by the deadline, killing it when that passes; 1 when killed. */
static int reap(pid_t pid, int *status, double deadline)
{
	for (;;) {
		pid_t w = waitpid(pid, status, WNOHANG);
		if (w == pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return 0;
		if (now() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return 1;
		}
		struct timespec t = { 0, 5000000 };
		nanosleep(&t, NULL);
	}
}

int sc_child_run(sc_child_result *out, int (*fn)(void *arg), void *arg, double timeout,
		 sc_err *err)
{
	memset(out, 0, sizeof(*out));
	out->status = -1;
	out->limit = timeout;
	int po[2], pe[2];
	if (pipe(po) < 0)
		return sc_errsys(err, errno, "cannot create a pipe");
	if (pipe(pe) < 0) {
		int e = errno;
		close(po[0]);
		close(po[1]);
		return sc_errsys(err, e, "cannot create a pipe");
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(po[0]);
		close(po[1]);
		close(pe[0]);
		close(pe[1]);
		return sc_errsys(err, e, "cannot start a child process");
	}
	if (pid == 0)
		child_main(po, pe, fn, arg);
	close(po[1]);
	close(pe[1]);
	sc_buf b[2] = { SC_BUF_INIT, SC_BUF_INIT };
	sc_buf_init(&b[0]);
	sc_buf_init(&b[1]);
	double deadline = now() + timeout;
	const int fds[2] = { po[0], pe[0] };
	int late = collect(b, fds, deadline);
	close(po[0]);
	close(pe[0]);
	int status = 0;
	late = reap(pid, &status, late ? now() : deadline) || late;
	out->out_len = b[0].len;
	out->out = sc_buf_detach(&b[0]);
	out->err_len = b[1].len;
	out->err = sc_buf_detach(&b[1]);
	if (late && !(WIFEXITED(status))) {
		out->timed_out = 1;
	} else if (WIFSIGNALED(status)) {
		out->signal = WTERMSIG(status);
	} else if (WIFEXITED(status)) {
		out->status = WEXITSTATUS(status);
	}
	out->timed_out = out->timed_out && out->status < 0;
	return 0;
}

int sc_child_blame(const sc_child_result *r, const char *name, const char *who, sc_err *err)
{
	if (r->timed_out)
		return sc_errf(err, SC_ECORRUPT,
			       "'%s': %s did not finish reading it in %.0f s (%s): the file is corrupt",
			       name, who, r->limit, SC_READ_TIMEOUT_ENV);
	if (r->signal)
		return sc_errf(err, SC_ECORRUPT, "'%s': %s crashed reading it (%s): the file is corrupt",
			       name, who, strsignal(r->signal));
	return 0;
}

void sc_child_result_free(sc_child_result *r)
{
	if (r) {
		free(r->out);
		free(r->err);
	}
}
