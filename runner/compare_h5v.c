/*
 * compare_h5v.c - the values of one pair of HDF5 datasets or attributes,
 * judged by compare.h's rules: floats against the tolerance, integers,
 * strings, object references (by the path they name) and everything else
 * (enums, compounds) bit for bit.
 *
 * Datasets are read in blocks of whole rows (about 1M values), so memory
 * stays bounded for X of any size; a dataset whose claimed size is out of
 * all proportion to its stored bytes is refused rather than read.
 */
#include "compare_h5.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Short names inside this file. */
typedef sc_h5cmp_ctx h5ctx;
typedef sc_h5cmp_src src;
typedef sc_h5cmp_place place;

#define BLOCK_VALUES ((hsize_t)1 << 20)

enum { K_FLOAT, K_INT, K_STR, K_REF, K_OTHER };

static const char *kind_name(int k)
{
	static const char *const n[] = { "float", "integer", "string", "reference", "other" };
	return n[k];
}

static int kind_of(hid_t type)
{
	switch (H5Tget_class(type)) {
	case H5T_FLOAT:
		return K_FLOAT;
	case H5T_INTEGER:
		return K_INT;
	case H5T_STRING:
		return K_STR;
	case H5T_REFERENCE:
		return K_REF;
	default:
		return K_OTHER;
	}
}

/* ---- a dataset or an attribute, read in blocks of rows ------------------- */

int sc_h5cmp_src_open(src *s, hid_t id, int attr)
{
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->attr = attr;
	s->type = attr ? H5Aget_type(id) : H5Dget_type(id);
	s->space = attr ? H5Aget_space(id) : H5Dget_space(id);
	if (s->type < 0 || s->space < 0)
		return -1;
	H5S_class_t cls = H5Sget_simple_extent_type(s->space);
	s->n = cls == H5S_NULL ? 0 : 1;
	s->row = 1;
	if (cls != H5S_SIMPLE)
		return cls == H5S_NULL || cls == H5S_SCALAR ? 0 : -1;
	s->ndim = H5Sget_simple_extent_dims(s->space, s->dims, NULL);
	if (s->ndim < 0)
		return -1;
	for (int i = 0; i < s->ndim; i++) {
		if (s->dims[i] && s->n > ((hsize_t)1 << 40) / s->dims[i])
			return -1; /* more values than any real output; a hostile header */
		s->n *= s->dims[i];
		if (i > 0)
			s->row *= s->dims[i];
	}
	return 0;
}

void sc_h5cmp_src_close(src *s)
{
	if (s->type > 0)
		H5Tclose(s->type);
	if (s->space > 0)
		H5Sclose(s->space);
}

/* Rows in all (1 for a scalar), and per block: all of them for attributes
 * and scalars (HDF5 reads attributes whole), else as many whole rows of
 * elem-byte values as fit in BLOCK_VALUES doubles. */
static hsize_t src_rows(const src *s)
{
	return s->ndim ? s->dims[0] : 1;
}

static hsize_t src_block_rows(const src *s, size_t elem)
{
	if (s->attr || s->ndim == 0)
		return src_rows(s);
	hsize_t r = BLOCK_VALUES * 8 / ((s->row ? s->row : 1) * (elem ? elem : 1));
	return r ? r : 1;
}

/* Read rows [r0, r0 + nr) (all of it for attributes and scalars). */
static int src_read(const src *s, hid_t mt, hsize_t r0, hsize_t nr, void *buf)
{
	if (s->attr)
		return H5Aread(s->id, mt, buf) < 0 ? -1 : 0;
	if (s->ndim == 0)
		return H5Dread(s->id, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0 ? -1 : 0;
	hsize_t start[H5S_MAX_RANK] = { 0 }, count[H5S_MAX_RANK];
	memcpy(count, s->dims, sizeof(count));
	start[0] = r0;
	count[0] = nr;
	hsize_t m = nr * s->row;
	hid_t fs = H5Scopy(s->space), ms = H5Screate_simple(1, &m, NULL);
	int rc = -1;
	if (fs >= 0 && ms >= 0 &&
	    H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
	    H5Dread(s->id, mt, ms, fs, H5P_DEFAULT, buf) >= 0)
		rc = 0;
	if (fs >= 0)
		H5Sclose(fs);
	if (ms >= 0)
		H5Sclose(ms);
	return rc;
}

/* ---- naming places ------------------------------------------------------- */

static void index_text(const src *s, hsize_t i, char *buf, size_t n)
{
	size_t k = snprintf(buf, n, "[");
	hsize_t idx[H5S_MAX_RANK];
	for (int d = s->ndim - 1; d >= 0; d--) {
		idx[d] = s->dims[d] ? i % s->dims[d] : 0;
		i = s->dims[d] ? i / s->dims[d] : 0;
	}
	for (int d = 0; d < s->ndim && k < n; d++)
		k += snprintf(buf + k, n - k, "%s%llu", d ? "," : "", (unsigned long long)idx[d]);
	if (k < n)
		snprintf(buf + k, n - k, "]");
	if (s->ndim == 0)
		buf[0] = 0;
}

/* One int64 of a 1-D dataset. */
static int read_one(hid_t g, const char *name, hsize_t i, long long *v)
{
	hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
	src s;
	int rc = d < 0 || sc_h5cmp_src_open(&s, d, 0) || s.ndim != 1 || i >= s.dims[0] ||
		 src_read(&s, H5T_NATIVE_LLONG, i, 1, v);
	if (d >= 0) {
		sc_h5cmp_src_close(&s);
		H5Dclose(d);
	}
	return rc ? -1 : 0;
}

/* Element k of a sparse matrix's data as (row, col): the compressed axis by
 * bisecting indptr, the other from indices. */
static int sparse_rc(hid_t g, hsize_t k, long long *major, long long *minor)
{
	hid_t d = H5Dopen2(g, "indptr", H5P_DEFAULT);
	src s;
	if (d < 0)
		return -1;
	int rc = sc_h5cmp_src_open(&s, d, 0) || s.ndim != 1 || s.dims[0] < 2;
	hsize_t lo = 0, hi = rc ? 0 : s.dims[0] - 1;
	while (!rc && hi - lo > 1) { /* indptr[lo] <= k < indptr[hi] */
		hsize_t mid = lo + (hi - lo) / 2;
		long long v;
		rc = src_read(&s, H5T_NATIVE_LLONG, mid, 1, &v);
		if ((long long)k >= v)
			lo = mid;
		else
			hi = mid;
	}
	sc_h5cmp_src_close(&s);
	H5Dclose(d);
	*major = (long long)lo;
	return rc || read_one(g, "indices", k, minor) ? -1 : 0;
}

static void where(void *ctx, size_t i, char *buf, size_t n)
{
	const place *p = ctx;
	char idx[128];
	index_text(p->s, i, idx, sizeof(idx));
	long long major, minor;
	if (p->sparse && sparse_rc(p->parent, i, &major, &minor) == 0) {
		size_t l = strlen(p->path);
		snprintf(buf, n, "%.*s[%lld,%lld] (%s%s)", (int)(l > 5 ? l - 5 : l), p->path,
			 p->sparse == 1 ? major : minor, p->sparse == 1 ? minor : major, p->path, idx);
		return;
	}
	snprintf(buf, n, "%s%s", p->path, idx);
}

/* ---- values -------------------------------------------------------------- */

/* Buffers for one block of each side; NULL (and a verdict) when the block
 * would be unreasonably large. */
static void *block_alloc(h5ctx *x, const place *p, const src *s, size_t elem, hsize_t *rows)
{
	*rows = src_block_rows(s, elem);
	hsize_t bytes = *rows * (s->row ? s->row : 1) * elem;
	void *b = bytes <= ((hsize_t)1 << 30) ? calloc(1, bytes ? bytes : 1) : NULL;
	if (!b)
		sc_cmp_differ(x->out, "%s: too large to compare (%llu values in a block)", p->path,
			      (unsigned long long)(*rows * s->row));
	return b;
}

static void read_failed(h5ctx *x, const place *p, int side)
{
	sc_cmp_differ(x->out, "%s: cannot read the values of the %s file", p->path,
		      side ? "reproduced" : "recorded");
}

static void cmp_floats(h5ctx *x, const src *a, const src *b, place *p)
{
	hsize_t br, rows = src_rows(a);
	double *va = block_alloc(x, p, a, sizeof(double), &br);
	double *vb = va ? block_alloc(x, p, b, sizeof(double), &br) : NULL;
	sc_cmp_array st = { 0 };
	int stop = !vb;
	for (hsize_t r0 = 0; r0 < rows && !stop; r0 += br) {
		hsize_t nr = rows - r0 < br ? rows - r0 : br;
		int ea = src_read(a, H5T_NATIVE_DOUBLE, r0, nr, va);
		if (ea || src_read(b, H5T_NATIVE_DOUBLE, r0, nr, vb)) {
			read_failed(x, p, !ea);
			stop = 2;
			break;
		}
		for (hsize_t k = 0; k < nr * a->row && !stop; k++)
			stop = sc_cmp_array_add(&st, va[k], vb[k], (size_t)(r0 * a->row + k));
	}
	if (stop != 2 && vb)
		sc_cmp_array_done(x->out, &st, x->tol, where, p);
	free(va);
	free(vb);
}

/* Integers are labels, counts and positions (codes, indices, indptr): they
 * must be equal. Read as 64-bit of their own signedness, or as doubles when
 * the two files disagree on it. */
static void cmp_ints(h5ctx *x, const src *a, const src *b, place *p)
{
	H5T_sign_t sa = H5Tget_sign(a->type), sb = H5Tget_sign(b->type);
	hid_t mt = sa != sb ? H5T_NATIVE_DOUBLE : sa == H5T_SGN_NONE ? H5T_NATIVE_ULLONG : H5T_NATIVE_LLONG;
	hsize_t br, rows = src_rows(a);
	char *va = block_alloc(x, p, a, 8, &br);
	char *vb = va ? block_alloc(x, p, b, 8, &br) : NULL;
	for (hsize_t r0 = 0; vb && r0 < rows; r0 += br) {
		hsize_t nr = rows - r0 < br ? rows - r0 : br;
		int ea = src_read(a, mt, r0, nr, va);
		if (ea || src_read(b, mt, r0, nr, vb)) {
			read_failed(x, p, !ea);
			break;
		}
		for (hsize_t k = 0; k < nr * a->row; k++) {
			if (!memcmp(va + 8 * k, vb + 8 * k, 8))
				continue;
			char at[256], u[32], v[32];
			where(p, (size_t)(r0 * a->row + k), at, sizeof(at));
			if (mt == H5T_NATIVE_ULLONG) {
				snprintf(u, sizeof(u), "%llu", ((unsigned long long *)(void *)va)[k]);
				snprintf(v, sizeof(v), "%llu", ((unsigned long long *)(void *)vb)[k]);
			} else if (mt == H5T_NATIVE_LLONG) {
				snprintf(u, sizeof(u), "%lld", ((long long *)(void *)va)[k]);
				snprintf(v, sizeof(v), "%lld", ((long long *)(void *)vb)[k]);
			} else {
				snprintf(u, sizeof(u), "%.17g", ((double *)(void *)va)[k]);
				snprintf(v, sizeof(v), "%.17g", ((double *)(void *)vb)[k]);
			}
			sc_cmp_differ(x->out, "%s: %s vs %s (integers must be equal)", at, u, v);
			goto out;
		}
	}
out:
	free(va);
	free(vb);
}

/* A block of strings as NUL-terminated C strings, whether the file stores
 * them variable-length or fixed-length (padding removed). */
typedef struct strs {
	char **v;
	size_t n;
	int vlen;
	char *fixed; /* fixed-length: the values, each size + 1 bytes */
} strs;

static void strs_free(strs *t)
{
	for (size_t i = 0; t->vlen && t->v && i < t->n; i++)
		if (t->v[i])
			H5free_memory(t->v[i]);
	free(t->v);
	free(t->fixed);
	memset(t, 0, sizeof(*t));
}

static int strs_read(strs *t, const src *s, hsize_t r0, hsize_t nr)
{
	memset(t, 0, sizeof(*t));
	t->n = (size_t)(nr * s->row);
	t->vlen = H5Tis_variable_str(s->type) > 0;
	size_t size = H5Tget_size(s->type);
	if (!t->vlen && (size == 0 || size > 1 << 20 || t->n > ((size_t)1 << 30) / (size + 1)))
		return -1;
	t->v = calloc(t->n ? t->n : 1, sizeof(char *));
	hid_t mt = H5Tcopy(t->vlen ? H5T_C_S1 : s->type);
	if (!t->v || mt < 0)
		goto fail;
	if (t->vlen) {
		H5Tset_size(mt, H5T_VARIABLE);
		H5Tset_cset(mt, H5Tget_cset(s->type));
		if (src_read(s, mt, r0, nr, t->v))
			goto fail;
		H5Tclose(mt);
		return 0;
	}
	char *raw = calloc(t->n ? t->n : 1, size);
	t->fixed = calloc(t->n ? t->n : 1, size + 1);
	if (!raw || !t->fixed || src_read(s, mt, r0, nr, raw)) {
		free(raw);
		goto fail;
	}
	int space = H5Tget_strpad(s->type) == H5T_STR_SPACEPAD;
	for (size_t i = 0; i < t->n; i++) {
		char *d = t->fixed + i * (size + 1);
		memcpy(d, raw + i * size, size);
		size_t l = strnlen(d, size);
		while (space && l && d[l - 1] == ' ')
			l--;
		d[l] = 0;
		t->v[i] = d;
	}
	free(raw);
	H5Tclose(mt);
	return 0;
fail:
	if (mt >= 0)
		H5Tclose(mt);
	t->vlen = 0; /* nothing was allocated by HDF5 */
	strs_free(t);
	return -1;
}

static void cmp_strings(h5ctx *x, const src *a, const src *b, place *p)
{
	hsize_t rows = src_rows(a), br = src_block_rows(a, 64);
	for (hsize_t r0 = 0; r0 < rows && x->out->verdict != SC_CMP_DIFFERENT; r0 += br) {
		hsize_t nr = rows - r0 < br ? rows - r0 : br;
		strs sa, sb;
		int ea = strs_read(&sa, a, r0, nr);
		if (ea || strs_read(&sb, b, r0, nr)) {
			read_failed(x, p, !ea);
			strs_free(&sa);
			return;
		}
		for (size_t k = 0; k < sa.n; k++) {
			const char *u = sa.v[k] ? sa.v[k] : "", *v = sb.v[k] ? sb.v[k] : "";
			if (strcmp(u, v)) {
				char at[256];
				where(p, (size_t)(r0 * a->row + k), at, sizeof(at));
				sc_cmp_differ(x->out, "%s: '%.80s' vs '%.80s'", at, u, v);
				break;
			}
		}
		strs_free(&sa);
		strs_free(&sb);
	}
}

/* Object references (anndata 0.7 categoricals point at their categories
 * this way) are equal when they name the same path; their bytes are file
 * addresses, which differ between two writes of the same content. */
static void cmp_refs(h5ctx *x, const src *a, const src *b, place *p)
{
	if (H5Tequal(a->type, H5T_STD_REF_OBJ) <= 0 || H5Tequal(b->type, H5T_STD_REF_OBJ) <= 0) {
		sc_cmp_differ(x->out, "%s: region references cannot be compared", p->path);
		return;
	}
	hsize_t br, rows = src_rows(a);
	hobj_ref_t *va = block_alloc(x, p, a, sizeof(hobj_ref_t), &br);
	hobj_ref_t *vb = va ? block_alloc(x, p, b, sizeof(hobj_ref_t), &br) : NULL;
	for (hsize_t r0 = 0; vb && r0 < rows && x->out->verdict != SC_CMP_DIFFERENT; r0 += br) {
		hsize_t nr = rows - r0 < br ? rows - r0 : br;
		int ea = src_read(a, H5T_STD_REF_OBJ, r0, nr, va);
		if (ea || src_read(b, H5T_STD_REF_OBJ, r0, nr, vb)) {
			read_failed(x, p, !ea);
			break;
		}
		for (hsize_t k = 0; k < nr * a->row; k++) {
			char u[512] = "", v[512] = "";
			ssize_t lu = H5Rget_name(x->fa, H5R_OBJECT, &va[k], u, sizeof(u));
			ssize_t lv = H5Rget_name(x->fb, H5R_OBJECT, &vb[k], v, sizeof(v));
			if (lu < 0 || lv < 0 || strcmp(u, v)) {
				char at[256];
				where(p, (size_t)(r0 * a->row + k), at, sizeof(at));
				sc_cmp_differ(x->out, "%s: a reference to '%s' vs '%s'", at,
					      lu < 0 ? "(unresolvable)" : u, lv < 0 ? "(unresolvable)" : v);
				break;
			}
		}
	}
	free(va);
	free(vb);
}

/* Whether values of this type hold pointers in memory (variable-length
 * strings or sequences anywhere inside), so their bytes cannot be compared. */
static int has_pointers(hid_t t)
{
	if (H5Tis_variable_str(t) > 0 || H5Tget_class(t) == H5T_VLEN ||
	    H5Tget_class(t) == H5T_REFERENCE)
		return 1;
	if (H5Tget_class(t) == H5T_COMPOUND) {
		int n = H5Tget_nmembers(t);
		for (int i = 0; i < n; i++) {
			hid_t m = H5Tget_member_type(t, (unsigned)i);
			int r = m < 0 || has_pointers(m);
			if (m >= 0)
				H5Tclose(m);
			if (r)
				return 1;
		}
	}
	if (H5Tget_class(t) == H5T_ARRAY) {
		hid_t m = H5Tget_super(t);
		int r = m < 0 || has_pointers(m);
		if (m >= 0)
			H5Tclose(m);
		return r;
	}
	return 0;
}

/* Enums (h5py's booleans), compounds (pre-0.7 data frames), bitfields,
 * opaque and array values: the same type and the same bits. */
static void cmp_raw(h5ctx *x, const src *a, const src *b, place *p)
{
	if (H5Tequal(a->type, b->type) <= 0) {
		sc_cmp_differ(x->out, "%s: the data types differ", p->path);
		return;
	}
	if (has_pointers(a->type)) {
		sc_cmp_differ(x->out, "%s: values with variable-length members cannot be compared",
			      p->path);
		return;
	}
	hid_t mt = H5Tget_native_type(a->type, H5T_DIR_ASCEND);
	size_t sz = mt < 0 ? 0 : H5Tget_size(mt);
	hsize_t br, rows = src_rows(a);
	char *va = sz ? block_alloc(x, p, a, sz, &br) : NULL;
	char *vb = va ? block_alloc(x, p, b, sz, &br) : NULL;
	if (!sz)
		sc_cmp_differ(x->out, "%s: unsupported data type", p->path);
	for (hsize_t r0 = 0; vb && r0 < rows; r0 += br) {
		hsize_t nr = rows - r0 < br ? rows - r0 : br;
		int ea = src_read(a, mt, r0, nr, va);
		if (ea || src_read(b, mt, r0, nr, vb)) {
			read_failed(x, p, !ea);
			break;
		}
		for (hsize_t k = 0; k < nr * a->row; k++)
			if (memcmp(va + k * sz, vb + k * sz, sz)) {
				char at[256];
				where(p, (size_t)(r0 * a->row + k), at, sizeof(at));
				sc_cmp_differ(x->out, "%s: the values differ (compared bit for bit)", at);
				goto out;
			}
	}
out:
	if (mt >= 0)
		H5Tclose(mt);
	free(va);
	free(vb);
}

static void shape_text(const src *s, char *buf, size_t n)
{
	size_t k = 0;
	buf[0] = 0;
	if (s->n == 0 && s->ndim == 0)
		snprintf(buf, n, "empty");
	else if (s->ndim == 0)
		snprintf(buf, n, "scalar");
	for (int d = 0; d < s->ndim && k < n; d++)
		k += snprintf(buf + k, n - k, "%s%llu", d ? "x" : "", (unsigned long long)s->dims[d]);
}

void sc_h5cmp_values(h5ctx *x, const src *a, const src *b, place *p)
{
	int ka = kind_of(a->type), kb = kind_of(b->type);
	if (ka != kb) {
		sc_cmp_differ(x->out, "%s: %s values vs %s values", p->path, kind_name(ka),
			      kind_name(kb));
		return;
	}
	int same = a->ndim == b->ndim && a->n == b->n;
	for (int d = 0; same && d < a->ndim; d++)
		same = a->dims[d] == b->dims[d];
	if (!same) {
		char u[128], v[128];
		shape_text(a, u, sizeof(u));
		shape_text(b, v, sizeof(v));
		sc_cmp_differ(x->out, "%s: shape %s vs %s", p->path, u, v);
		return;
	}
	if (a->n == 0)
		return;
	/* Chunks never written read as the fill value: a few bytes of file can
	 * claim 2^40 values. gzip shrinks at most ~1000:1, so more values than
	 * 2048 per stored byte (beyond 64 MB) are not an output but a trap. */
	hsize_t stored = a->attr ? 0 : H5Dget_storage_size(a->id);
	if (!a->attr && a->n * H5Tget_size(a->type) > 2048 * stored + ((hsize_t)64 << 20)) {
		sc_cmp_differ(x->out, "%s: %llu values stored in %llu bytes: not compared", p->path,
			      (unsigned long long)a->n, (unsigned long long)stored);
		return;
	}
	if (a->attr && a->n > (1u << 24)) {
		sc_cmp_differ(x->out, "%s: an attribute of %llu values is too large to compare", p->path,
			      (unsigned long long)a->n);
		return;
	}
	if (ka == K_FLOAT)
		cmp_floats(x, a, b, p);
	else if (ka == K_INT)
		cmp_ints(x, a, b, p);
	else if (ka == K_STR)
		cmp_strings(x, a, b, p);
	else if (ka == K_REF)
		cmp_refs(x, a, b, p);
	else
		cmp_raw(x, a, b, p);
}

/* anndata's encoding-type, or h5sparse's h5sparse_format of older files. */
int sc_h5cmp_sparse_kind(hid_t g)
{
	static const char *const attrs[] = { "encoding-type", "h5sparse_format" };
	int kind = 0;
	for (int i = 0; i < 2 && !kind; i++) {
		if (H5Aexists(g, attrs[i]) <= 0)
			continue;
		hid_t a = H5Aopen(g, attrs[i], H5P_DEFAULT);
		src s;
		strs t;
		if (a >= 0 && sc_h5cmp_src_open(&s, a, 1) == 0 && s.n == 1 && kind_of(s.type) == K_STR &&
		    strs_read(&t, &s, 0, 1) == 0) {
			const char *v = t.v[0] ? t.v[0] : "";
			kind = !strcmp(v, "csr_matrix") || !strcmp(v, "csr") ? 1
			       : !strcmp(v, "csc_matrix") || !strcmp(v, "csc") ? 2
										: 0;
			strs_free(&t);
		}
		if (a >= 0) {
			sc_h5cmp_src_close(&s);
			H5Aclose(a);
		}
	}
	return kind;
}
