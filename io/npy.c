/*
 * npy.c - reading 2-D NumPy arrays (format versions 1 to 3). The header is
 * a Python dict literal; only the three keys NumPy writes are understood,
 * and anything else (Fortran order, big-endian, objects) is refused with
 * a message rather than misread.
 */
#include "io/npy.h"
#include "util/fs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char magic[] = "\x93NUMPY";

int sc_npy_is(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	char b[6];
	ssize_t r = sc_read_full(fd, b, 6);
	close(fd);
	return r == 6 && !memcmp(b, magic, 6);
}

/* One dimension: digits only (sscanf's %llu would take "-1" as 2^64 - 1). */
static const char *dim(const char *p, unsigned long long *out)
{
	while (*p == ' ')
		p++;
	if (!isdigit((unsigned char)*p))
		return NULL;
	char *end;
	errno = 0;
	*out = strtoull(p, &end, 10);
	return errno ? NULL : end;
}

/* "(rows, cols)" exactly: a third dimension is not silently dropped. */
static int parse_shape(const char *p, unsigned long long *rows, unsigned long long *cols)
{
	while (*p == ' ')
		p++;
	if (*p++ != '(' || !(p = dim(p, rows)) || *p++ != ',' || !(p = dim(p, cols)))
		return -1;
	while (*p == ' ')
		p++;
	return *p == ')' ? 0 : -1;
}

int sc_npy_read(sc_dmat *out, const char *path, sc_err *err)
{
	const char *name = sc_path_basename(path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sc_errsys(err, errno, "cannot read '%s'", name);
	unsigned char pre[12];
	int rc = 0;
	char *hdr = NULL;
	void *raw = NULL;
	if (sc_read_full(fd, pre, 10) != 10 || memcmp(pre, magic, 6)) {
		rc = sc_errf(err, SC_EINVAL, "%s: not a .npy file", name);
		goto out;
	}
	size_t hlen;
	if (pre[6] == 1) {
		hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
	} else if (pre[6] == 2 || pre[6] == 3) {
		if (sc_read_full(fd, pre + 10, 2) != 2) {
			rc = sc_errf(err, SC_EINVAL, "%s: truncated header", name);
			goto out;
		}
		hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 |
		       (size_t)pre[11] << 24;
	} else {
		rc = sc_errf(err, SC_EINVAL, "%s: unknown .npy version %d", name, pre[6]);
		goto out;
	}
	if (hlen > 1 << 20) {
		rc = sc_errf(err, SC_EINVAL, "%s: implausible header length", name);
		goto out;
	}
	hdr = sc_xmalloc(hlen + 1);
	if (sc_read_full(fd, hdr, hlen) != (ssize_t)hlen) {
		rc = sc_errf(err, SC_EINVAL, "%s: truncated header", name);
		goto out;
	}
	hdr[hlen] = 0;
	const char *d = strstr(hdr, "'descr':"), *f = strstr(hdr, "'fortran_order':"),
		   *s = strstr(hdr, "'shape':");
	char descr[16] = "";
	if (!d || !f || !s || sscanf(d + 8, " '%15[^']'", descr) != 1) {
		rc = sc_errf(err, SC_EINVAL, "%s: unreadable .npy header", name);
		goto out;
	}
	if (strncmp(f + 16, " False", 6) && strncmp(f + 16, "False", 5)) {
		rc = sc_errf(err, SC_EINVAL, "%s: Fortran-ordered arrays are not supported "
					     "(save with np.ascontiguousarray)", name);
		goto out;
	}
	unsigned long long rows = 0, cols = 0;
	if (parse_shape(s + 8, &rows, &cols)) {
		rc = sc_errf(err, SC_EINVAL, "%s: expected a 2-D array (cells x dimensions)", name);
		goto out;
	}
	size_t es;
	if (!strcmp(descr, "<f4") || !strcmp(descr, "<i4"))
		es = 4;
	else if (!strcmp(descr, "<f8") || !strcmp(descr, "<i8"))
		es = 8;
	else {
		rc = sc_errf(err, SC_EINVAL, "%s: unsupported dtype '%s' (use float32 or float64)",
			     name, descr);
		goto out;
	}
	/* The shape is only the header's word: check it against the bytes the
	 * file has before allocating (a 100-byte file may claim 2^64 values). */
	size_t n, bytes;
	struct stat st;
	off_t body = (off_t)(pre[6] == 1 ? 10 : 12) + (off_t)hlen;
	if (fstat(fd, &st) < 0) {
		rc = sc_errsys(err, errno, "cannot read '%s'", name);
		goto out;
	}
	if (__builtin_mul_overflow(rows, cols, &n) || __builtin_mul_overflow(n, es, &bytes) ||
	    st.st_size < body || bytes > (uint64_t)(st.st_size - body)) {
		rc = sc_errf(err, SC_EINVAL, "%s: truncated data (%llu x %llu expected)", name, rows,
			     cols);
		goto out;
	}
	raw = sc_xmalloc(bytes ? bytes : 1);
	if (sc_read_full(fd, raw, bytes) != (ssize_t)bytes) {
		rc = sc_errf(err, SC_EINVAL, "%s: truncated data (%llu x %llu expected)", name, rows,
			     cols);
		goto out;
	}
	sc_dmat_alloc(out, (size_t)rows, (size_t)cols);
	for (size_t i = 0; i < n; i++) {
		if (descr[1] == 'f' && es == 4) {
			float v;
			memcpy(&v, (char *)raw + 4 * i, 4);
			out->v[i] = v;
		} else if (descr[1] == 'f') {
			memcpy(&out->v[i], (char *)raw + 8 * i, 8);
		} else if (es == 4) {
			int32_t v;
			memcpy(&v, (char *)raw + 4 * i, 4);
			out->v[i] = v;
		} else {
			int64_t v;
			memcpy(&v, (char *)raw + 8 * i, 8);
			out->v[i] = (double)v;
		}
	}
out:
	free(raw);
	free(hdr);
	close(fd);
	return rc;
}
