/*
 * npy.c - reading 1-D and 2-D NumPy arrays (format versions 1 to 3). The
 * header is a Python dict literal; only the three keys numpy writes are
 * understood. Values of every numeric dtype are converted to doubles one by
 * one (a 100k x 50 embedding is 5 M conversions, a few milliseconds), and a
 * Fortran-ordered array (what np.save writes for any transposed array) is
 * transposed while converting. Anything else is refused with a message
 * naming the dtype rather than misread.
 */
#include "io/npy.h"
#include "util/fs.h"
#include "util/limits.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
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

/* ---- the header ---------------------------------------------------------- */

/* The header dict (NUL-terminated, owned by the caller) and the offset of
 * the data that follows it. */
static int read_header(char **out, off_t *body, int fd, const char *name, sc_err *err)
{
	unsigned char pre[12];
	*out = NULL;
	if (sc_read_full(fd, pre, 10) != 10 || memcmp(pre, magic, 6))
		return sc_errf(err, SC_EINVAL, "%s: not a .npy file", name);
	size_t hlen, plen = 10;
	if (pre[6] == 1) {
		hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
	} else if (pre[6] == 2 || pre[6] == 3) {
		if (sc_read_full(fd, pre + 10, 2) != 2)
			return sc_errf(err, SC_EINVAL, "%s: truncated header", name);
		hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 |
		       (size_t)pre[11] << 24;
		plen = 12;
	} else {
		return sc_errf(err, SC_EINVAL, "%s: unknown .npy version %d", name, pre[6]);
	}
	if (hlen > 1 << 20)
		return sc_errf(err, SC_EINVAL, "%s: implausible header length", name);
	char *hdr = sc_xmalloc(hlen + 1);
	if (sc_read_full(fd, hdr, hlen) != (ssize_t)hlen) {
		free(hdr);
		return sc_errf(err, SC_EINVAL, "%s: truncated header", name);
	}
	hdr[hlen] = 0;
	*out = hdr;
	*body = (off_t)(plen + hlen);
	return 0;
}

/* The value of a key of the dict, spaces skipped, or NULL. */
static const char *value_of(const char *hdr, const char *key)
{
	const char *p = strstr(hdr, key);
	if (!p)
		return NULL;
	p += strlen(key);
	while (*p == ' ')
		p++;
	return p;
}

/* One dimension: digits only (strtoull would take "-1" as 2^64 - 1). */
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

/* "(n,)" or "(rows, cols)"; *ndim is 0 for any other tuple (a scalar, a
 * third dimension), -1 when the tuple cannot be read. */
static int parse_shape(const char *p, unsigned long long d[2], int *ndim)
{
	*ndim = -1;
	if (*p++ != '(')
		return -1;
	int n = 0;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == ')')
			break;
		unsigned long long v;
		if (!(p = dim(p, &v)))
			return -1;
		if (n < 2)
			d[n] = v;
		n++;
		while (*p == ' ')
			p++;
		if (*p == ',')
			p++;
		else if (*p != ')')
			return -1;
	}
	*ndim = n == 1 || n == 2 ? n : 0;
	return 0;
}

/* What a dtype numpy writes is, for the message refusing it. */
static const char *unsupported_kind(char k)
{
	switch (k) {
	case 'c':
		return "complex";
	case 'O':
		return "Python objects";
	case 'U':
	case 'S':
	case 'a':
		return "strings";
	case 'V':
		return "raw bytes";
	case 'M':
	case 'm':
		return "dates or time spans";
	default:
		return "not a number type";
	}
}

/* descr ("<f8", "|b1", ...) into kind, element size and byte order. */
static int parse_dtype(sc_npy_info *in, size_t *es, int *big, const char *name, sc_err *err)
{
	const char *d = in->descr;
	char *end = NULL;
	int digits = strlen(d) >= 3 && isdigit((unsigned char)d[2]);
	unsigned long sz = digits ? strtoul(d + 2, &end, 10) : 0;
	int known_order = d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=';
	char k = d[0] ? d[1] : 0;
	int ok = known_order && digits && *end == 0 &&
		 ((k == 'b' && sz == 1) || ((k == 'i' || k == 'u') && (sz == 1 || sz == 2 || sz == 4 || sz == 8)) ||
		  (k == 'f' && (sz == 2 || sz == 4 || sz == 8)));
	if (!ok) {
		if (k == 'f' || k == 'i' || k == 'u' || k == 'b')
			return sc_errf(err, SC_EINVAL, "%s: unsupported dtype '%s' (sceval reads bool, "
						       "int8..int64, uint8..uint64, float16, float32, float64)",
				       name, d);
		return sc_errf(err, SC_EINVAL, "%s: unsupported dtype '%s' (%s; sceval reads bool, "
					       "integer and float arrays)", name, d, unsupported_kind(k));
	}
	in->kind = k;
	*es = sz;
	/* '=' is the writer's native order: numpy never writes it, and little
	 * endian is what every machine sceval runs on produced. */
	*big = d[0] == '>';
	return 0;
}

/* The three keys, checked: descr, fortran_order, shape. */
static int parse_header(sc_npy_info *in, unsigned long long d[2], const char *hdr, const char *name,
			sc_err *err)
{
	const char *ds = value_of(hdr, "'descr':"), *fo = value_of(hdr, "'fortran_order':"),
		   *sh = value_of(hdr, "'shape':");
	if (!ds || !fo || !sh)
		return sc_errf(err, SC_EINVAL, "%s: unreadable .npy header", name);
	if (*ds == '[')
		return sc_errf(err, SC_EINVAL, "%s: unsupported dtype: a structured array (named "
					       "fields); save one numeric field", name);
	if (sscanf(ds, "'%31[^']'", in->descr) != 1)
		return sc_errf(err, SC_EINVAL, "%s: unreadable .npy header", name);
	if (!strncmp(fo, "True", 4))
		in->fortran = 1;
	else if (!strncmp(fo, "False", 5))
		in->fortran = 0;
	else
		return sc_errf(err, SC_EINVAL, "%s: unreadable .npy header", name);
	int nd;
	if (parse_shape(sh, d, &nd))
		return sc_errf(err, SC_EINVAL, "%s: unreadable .npy header", name);
	if (nd == 0)
		return sc_errf(err, SC_EINVAL, "%s: expected a 1-D or 2-D array", name);
	in->ndim = (size_t)nd;
	if (nd == 1)
		d[1] = 1;
	return 0;
}

/* ---- values -------------------------------------------------------------- */

static double half_to_double(uint16_t h)
{
	int e = (h >> 10) & 0x1f, m = h & 0x3ff;
	double v = e == 0    ? ldexp(m, -24)             /* subnormal: m * 2^-24 */
		   : e == 31 ? (m ? NAN : INFINITY)
			     : ldexp(m + 1024, e - 25); /* (1 + m/1024) * 2^(e-15) */
	return h >> 15 ? -v : v;
}

static int host_is_big_endian(void)
{
	const uint16_t one = 1;
	unsigned char b;
	memcpy(&b, &one, 1);
	return b == 0;
}

/* One element of es bytes at p, in the file's byte order, as a double. */
static double element(const unsigned char *p, char kind, size_t es, int swap)
{
	unsigned char b[8];
	for (size_t i = 0; i < es; i++)
		b[i] = swap ? p[es - 1 - i] : p[i];
	union {
		int8_t i1;
		int16_t i2;
		int32_t i4;
		int64_t i8;
		uint8_t u1;
		uint16_t u2;
		uint32_t u4;
		uint64_t u8;
		float f4;
		double f8;
	} v;
	memcpy(&v, b, es);
	switch (kind) {
	case 'b':
		return v.u1 != 0;
	case 'i':
		return es == 1 ? v.i1 : es == 2 ? v.i2 : es == 4 ? v.i4 : (double)v.i8;
	case 'u':
		return es == 1 ? v.u1 : es == 2 ? v.u2 : es == 4 ? v.u4 : (double)v.u8;
	default:
		return es == 2 ? half_to_double(v.u2) : es == 4 ? v.f4 : v.f8;
	}
}

int sc_npy_load(sc_dmat *out, sc_npy_info *info, const char *path, sc_err *err)
{
	const char *name = sc_path_basename(path);
	sc_npy_info in;
	memset(&in, 0, sizeof(in));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sc_errsys(err, errno, "cannot read '%s'", name);
	char *hdr = NULL;
	unsigned char *raw = NULL;
	off_t body = 0;
	unsigned long long d[2] = { 0, 1 };
	size_t es = 0, n, bytes;
	int big = 0, rc;
	struct stat st;
	if ((rc = read_header(&hdr, &body, fd, name, err)) ||
	    (rc = parse_header(&in, d, hdr, name, err)) || (rc = parse_dtype(&in, &es, &big, name, err)))
		goto out;
	/* The shape is only the header's word: check it against the bytes the
	 * file has before allocating (a 100-byte file may claim 2^64 values). */
	if (fstat(fd, &st) < 0) {
		rc = sc_errsys(err, errno, "cannot read '%s'", name);
		goto out;
	}
	if (__builtin_mul_overflow(d[0], d[1], &n) || __builtin_mul_overflow(n, es, &bytes) ||
	    st.st_size < body || bytes > (uint64_t)(st.st_size - body)) {
		rc = sc_errf(err, SC_EINVAL, "%s: truncated data: the header claims %llu x %llu "
					     "values of %s, more than the file holds", name, d[0], d[1],
			     in.descr);
		goto out;
	}
	/* The file's bytes and the doubles they become live together. */
	char what[96];
	snprintf(what, sizeof(what), "%llu x %llu values", d[0], d[1]);
	if ((rc = sc_mem_check(n, es + sizeof(double), what, err))) {
		sc_errprefix(err, "%s", name);
		goto out;
	}
	raw = sc_xmalloc(bytes ? bytes : 1);
	if (sc_read_full(fd, raw, bytes) != (ssize_t)bytes) {
		rc = sc_errf(err, SC_EINVAL, "%s: truncated data (%llu x %llu expected)", name, d[0],
			     d[1]);
		goto out;
	}
	size_t rows = (size_t)d[0], cols = (size_t)d[1];
	int swap = es > 1 && big != host_is_big_endian();
	sc_dmat_alloc(out, rows, cols);
	for (size_t i = 0; i < n; i++) {
		/* element i of the file is (i / cols, i % cols) in C order,
		 * (i % rows, i / rows) in Fortran order */
		size_t at = in.fortran && rows ? (i % rows) * cols + i / rows : i;
		out->v[at] = element(raw + es * i, in.kind, es, swap);
	}
	if (info)
		*info = in;
out:
	free(raw);
	free(hdr);
	close(fd);
	return rc;
}

int sc_npy_read(sc_dmat *out, const char *path, sc_err *err)
{
	sc_npy_info in;
	int rc = sc_npy_load(out, &in, path, err);
	if (rc)
		return rc;
	if (in.ndim != 2) {
		sc_dmat_free(out);
		return sc_errf(err, SC_EINVAL, "%s: expected a 2-D array (cells x dimensions)",
			       sc_path_basename(path));
	}
	return 0;
}
