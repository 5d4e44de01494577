/*
 * binio.h - the raw binary exchange format between C unit tests and the
 * Python oracles (tests/oracle/binio.py describes it): a 32-byte header
 * (magic "SCBIN001", uint64 rows, cols, dtype 1 = float64 / 2 = int32), then
 * row-major little-endian values. Also runs an oracle script. Test-only.
 */
#ifndef SC_TEST_BINIO_H
#define SC_TEST_BINIO_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Read a file of the given dtype; *out (malloc'd) holds rows * cols values.
 * Returns 0, or -1 with a message on stderr. */
__attribute__((unused)) static int binio_read(const char *path, int dtype, void **out, size_t *rows, size_t *cols)
{
	FILE *f = fopen(path, "rb");
	uint64_t h[3];
	char magic[8];
	*out = NULL;
	if (!f) {
		fprintf(stderr, "# binio: cannot open %s\n", path);
		return -1;
	}
	if (fread(magic, 1, 8, f) != 8 || memcmp(magic, "SCBIN001", 8) ||
	    fread(h, 8, 3, f) != 3 || (int)h[2] != dtype) {
		fprintf(stderr, "# binio: %s: bad header or dtype\n", path);
		fclose(f);
		return -1;
	}
	size_t n = (size_t)(h[0] * h[1]), sz = dtype == 1 ? 8 : 4;
	*out = malloc(n ? n * sz : 1);
	if (!*out || fread(*out, sz, n, f) != n) {
		fprintf(stderr, "# binio: %s: short file\n", path);
		free(*out);
		*out = NULL;
		fclose(f);
		return -1;
	}
	fclose(f);
	*rows = (size_t)h[0];
	*cols = (size_t)h[1];
	return 0;
}

__attribute__((unused)) static int binio_write(const char *path, int dtype, const void *v, size_t rows, size_t cols)
{
	FILE *f = fopen(path, "wb");
	uint64_t h[3] = { rows, cols, (uint64_t)dtype };
	size_t sz = dtype == 1 ? 8 : 4;
	if (!f)
		return -1;
	int ok = fwrite("SCBIN001", 1, 8, f) == 8 && fwrite(h, 8, 3, f) == 3 &&
		 fwrite(v, sz, rows * cols, f) == rows * cols;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* path = dir/name in a static buffer (one of four, rotating). */
__attribute__((unused)) static const char *binio_path(const char *dir, const char *name)
{
	static char buf[4][4096];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

/* Run "PYTHON tests/oracle/SCRIPT ARGS"; returns its exit status (0 ok). */
__attribute__((unused)) static int binio_oracle(const char *python, const char *script, const char *args)
{
	size_t len = strlen(python) + strlen(script) + strlen(args) + 32;
	char *cmd = malloc(len);
	snprintf(cmd, len, "'%s' tests/oracle/%s %s", python, script, args);
	int rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : (rc < 0 ? -1 : (rc >> 8 ? rc >> 8 : 1));
}

/* A fresh scratch directory under TMPDIR (or /tmp), in a static buffer. */
__attribute__((unused)) static const char *binio_tmpdir(void)
{
	static char buf[4096];
	const char *t = getenv("TMPDIR");
	snprintf(buf, sizeof(buf), "%s/sceval-unit.XXXXXX", t && *t ? t : "/tmp");
	return mkdtemp(buf);
}

__attribute__((unused)) static void binio_rmdir(const char *dir)
{
	char cmd[4200];
	if (!dir)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", dir);
}

#endif
