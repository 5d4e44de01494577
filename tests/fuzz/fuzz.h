/*
 * fuzz.h - what every fuzz target shares (include once, from fuzz_NAME.c).
 *
 * Each target defines LLVMFuzzerTestOneInput, which libFuzzer drives (make
 * fuzz, clang) and tests/fuzz/replay.c drives from files (make check, any
 * compiler). The parsers take paths, not buffers, so an input is written to
 * a file in a private scratch folder: on tmpfs when there is one (a target
 * runs thousands of inputs a second and the store fsyncs), removed at exit.
 *
 * A target never prints on success or on an expected error; a finding is a
 * crash, a sanitizer report, or fuzz_fail() when an invariant breaks (an
 * error without a message, a result that contradicts its input).
 */
#ifndef SC_FUZZ_H
#define SC_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fuzz_dir_;

static void fuzz_cleanup_(void)
{
	sc_err e;
	if (fuzz_dir_ && sc_rm_rf(fuzz_dir_, &e))
		fprintf(stderr, "fuzz: cannot remove '%s': %s\n", fuzz_dir_, e.msg);
}

/* The scratch folder (created on first use). */
static const char *fuzz_dir(void)
{
	if (fuzz_dir_)
		return fuzz_dir_;
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	char *t = sc_xasprintf("%s/sceval-fuzz-XXXXXX", base ? base : "/tmp");
	if (!mkdtemp(t)) {
		perror("fuzz: mkdtemp");
		abort();
	}
	fuzz_dir_ = t;
	atexit(fuzz_cleanup_);
	return fuzz_dir_;
}

/* Write the input to the scratch folder under name; returns its path
 * (caller frees). */
__attribute__((unused)) static char *fuzz_write(const char *name, const void *data, size_t size)
{
	char *p = sc_path_join(fuzz_dir(), name);
	FILE *f = fopen(p, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) {
		perror("fuzz: cannot write the input");
		abort();
	}
	return p;
}

/* An invariant broke: say which and crash, so libFuzzer keeps the input. */
#define fuzz_fail(...)                                                                 \
	do {                                                                           \
		fprintf(stderr, "fuzz: invariant broken at %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                                          \
		fprintf(stderr, "\n");                                                 \
		abort();                                                               \
	} while (0)

/* A failed call must say why: a non-empty message and a named code. */
__attribute__((unused)) static void fuzz_check_err(int rc, const sc_err *err, const char *what)
{
	if (rc >= 0)
		fuzz_fail("%s: returned %d, not a negative code", what, rc);
	if (rc < SC_EBUSY)
		fuzz_fail("%s: returned %d, not a named code", what, rc);
	if (!err->msg[0])
		fuzz_fail("%s: failed (%d) without a message", what, rc);
}

#endif
