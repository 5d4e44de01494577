/*
 * core_oracle.h - glue between the numerical-core unit tests and their
 * Python oracles (tests/oracle/core_oracle.py). The test asks the oracle
 * to read a real .h5ad with anndata, compute the reference result with
 * sklearn/scipy or a numpy transcription, and dump inputs and outputs as
 * raw little-endian binaries into a fresh temporary directory; the test
 * then loads them here. This keeps the core's tests independent of
 * sceval's own h5ad reader.
 *
 * File layout (magic, then int64 header, then the values):
 *   "SCD1" rows cols            f64[rows*cols]      dense, row-major
 *   "SCI1" rows cols            i32[rows*cols]      integer matrix
 *   "SCC1" rows cols nnz        i64[rows+1] i32[nnz] f64[nnz]   CSR
 */
#ifndef SC_CORE_ORACLE_H
#define SC_CORE_ORACLE_H

#include "util/mat.h"
#include "unit.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs `PYTHON tests/oracle/SCRIPT CMD DIR DATA [ARGS]`; returns the
 * directory (caller frees with oracle_done) or NULL, after printing why. */
static __attribute__((unused)) char *oracle_run_script(const char *script, const char *cmd,
							const char *args)
{
	const char *data = unit_testdata();
	if (!data)
		return NULL;
	char tmpl[] = "/tmp/sceval-core-XXXXXX";
	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		return NULL;
	}
	char line[8192];
	snprintf(line, sizeof(line), "'%s' tests/oracle/%s %s '%s' '%s' %s", unit_python(), script,
		 cmd, tmpl, data, args ? args : "");
	int st = system(line);
	if (st != 0) {
		printf("# oracle failed (status %d): %s\n", st, line);
		snprintf(line, sizeof(line), "rm -rf '%s'", tmpl);
		if (system(line) != 0)
			printf("# cannot remove %s\n", tmpl);
		return NULL;
	}
	return strdup(tmpl);
}

/* The core's oracle, tests/oracle/core_oracle.py. */
static __attribute__((unused)) char *oracle_run(const char *cmd, const char *args)
{
	return oracle_run_script("core_oracle.py", cmd, args);
}

static __attribute__((unused)) void oracle_done(char *dir)
{
	if (!dir)
		return;
	char line[4096];
	snprintf(line, sizeof(line), "rm -rf '%s'", dir);
	if (system(line) != 0)
		printf("# cannot remove %s\n", dir);
	free(dir);
}

static __attribute__((unused)) FILE *oracle_open(const char *dir, const char *name, const char *magic, int64_t *hdr,
			 int nhdr)
{
	char path[4096], m[4];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("# cannot open %s\n", path);
		return NULL;
	}
	if (fread(m, 1, 4, f) != 4 || memcmp(m, magic, 4) != 0 ||
	    fread(hdr, sizeof(int64_t), (size_t)nhdr, f) != (size_t)nhdr) {
		printf("# bad header in %s\n", path);
		fclose(f);
		return NULL;
	}
	return f;
}

static __attribute__((unused)) int oracle_dmat(sc_dmat *m, const char *dir, const char *name)
{
	int64_t h[2];
	FILE *f = oracle_open(dir, name, "SCD1", h, 2);
	if (!f)
		return -1;
	sc_dmat_alloc(m, (size_t)h[0], (size_t)h[1]);
	size_t n = (size_t)(h[0] * h[1]);
	int rc = fread(m->v, sizeof(double), n, f) == n ? 0 : -1;
	fclose(f);
	return rc;
}

static __attribute__((unused)) int32_t *oracle_imat(size_t *rows, size_t *cols, const char *dir, const char *name)
{
	int64_t h[2];
	FILE *f = oracle_open(dir, name, "SCI1", h, 2);
	if (!f)
		return NULL;
	size_t n = (size_t)(h[0] * h[1]);
	int32_t *v = malloc((n ? n : 1) * sizeof(int32_t));
	if (fread(v, sizeof(int32_t), n, f) != n) {
		free(v);
		v = NULL;
	}
	fclose(f);
	if (rows)
		*rows = (size_t)h[0];
	if (cols)
		*cols = (size_t)h[1];
	return v;
}

static __attribute__((unused)) int oracle_csr(sc_csr *m, const char *dir, const char *name)
{
	int64_t h[3];
	FILE *f = oracle_open(dir, name, "SCC1", h, 3);
	if (!f)
		return -1;
	size_t r = (size_t)h[0], nnz = (size_t)h[2];
	sc_csr_alloc(m, r, (size_t)h[1], nnz);
	int rc = fread(m->indptr, sizeof(int64_t), r + 1, f) == r + 1 &&
			 fread(m->indices, sizeof(int32_t), nnz, f) == nnz &&
			 fread(m->data, sizeof(double), nnz, f) == nnz
		 ? 0
		 : -1;
	fclose(f);
	return rc;
}

/* A scalar written as a 1 x 1 dense matrix. */
static __attribute__((unused)) double oracle_scalar(const char *dir, const char *name)
{
	sc_dmat m = { 0 };
	double v = NAN;
	if (oracle_dmat(&m, dir, name) == 0 && m.rows * m.cols >= 1)
		v = m.v[0];
	sc_dmat_free(&m);
	return v;
}

/* Same partition up to renaming (ARI = 1); at most 4096 clusters. */
__attribute__((unused)) static int same_partition(const int32_t *a, const int32_t *b, size_t n)
{
	int32_t map_ab[4096], map_ba[4096];
	for (int t = 0; t < 4096; t++)
		map_ab[t] = map_ba[t] = -1;
	for (size_t i = 0; i < n; i++) {
		if (a[i] < 0 || b[i] < 0 || a[i] >= 4096 || b[i] >= 4096)
			return 0;
		if (map_ab[a[i]] == -1 && map_ba[b[i]] == -1) {
			map_ab[a[i]] = b[i];
			map_ba[b[i]] = a[i];
		} else if (map_ab[a[i]] != b[i] || map_ba[b[i]] != a[i]) {
			return 0;
		}
	}
	return 1;
}

#endif
