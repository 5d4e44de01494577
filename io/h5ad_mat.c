/*
 * h5ad_mat.c - matrices in .h5ad files: dense datasets, csr_matrix and
 * csc_matrix groups (and their pre-0.7 h5sparse spelling), described
 * without reading values and read whole or by row blocks into the core's
 * sc_csr / sc_dmat.
 *
 * The workload is X of a million cells: CSR is read by indptr slices, the
 * indices and values streamed in chunks of H5AD_CHUNK entries straight into
 * the result, so memory is the result plus one chunk. Every structural fact
 * a reader could trip over is checked before it is used: array lengths
 * against each other and against the shape, the shape against obs/var,
 * indptr starting at 0, monotone and ending at nnz, indices within range.
 * Rows whose indices are unsorted or repeated (scipy allows both) are
 * sorted and their duplicates summed, so callers get canonical CSR.
 */
#include "h5ad_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct matsrc {
	sc_h5ad *h;
	const char *path;
	hid_t obj, data, indices, indptr; /* dense: data == obj */
	sc_h5ad_matinfo info;
	size_t major, minor; /* CSR: rows, cols; CSC: cols, rows */
	int idx32;           /* indices stored as 32-bit signed ints: read without conversion */
	char *field;         /* pre-0.7 obsm/varm: a member of a compound dataset */
	hid_t rowtype;       /* with field: memory type of one row, {field: double[cols]} */
} matsrc;

const char *sc_h5ad_storage_name(sc_h5ad_storage s)
{
	return s == SC_H5AD_CSR ? "csr" : s == SC_H5AD_CSC ? "csc" : "dense";
}

static void mat_close(matsrc *m)
{
	if (m->indices >= 0)
		H5Dclose(m->indices);
	if (m->indptr >= 0)
		H5Dclose(m->indptr);
	if (m->data >= 0 && m->data != m->obj)
		H5Dclose(m->data);
	if (m->obj >= 0)
		H5Oclose(m->obj);
	if (m->rowtype >= 0)
		H5Tclose(m->rowtype);
	free(m->field);
	m->field = NULL;
	m->obj = m->data = m->indices = m->indptr = m->rowtype = -1;
}

static void filter_name(char out[24], hid_t ds);
static int check_axes(matsrc *m, sc_err *err);

/* A pre-0.7 compound obsm/varm member as a dense matrix: one row per
 * element, the member a scalar or a 1-D array of numbers. */
static int open_field(matsrc *m, sc_err *err)
{
	sc_h5ad_matinfo *in = &m->info;
	m->data = m->obj;
	in->storage = SC_H5AD_DENSE;
	hid_t t = sc_h5ad_field_type(m->obj, m->field);
	hid_t base = t;
	size_t cols = 1;
	int rc = 0;
	if (H5Tget_class(t) == H5T_ARRAY) {
		hsize_t d[4];
		if (H5Tget_array_ndims(t) != 1) {
			H5Tclose(t);
			return sc_h5ad_fail(err, m->h, SC_EINVAL, m->path, "a compound member of rank > 1");
		}
		H5Tget_array_dims2(t, d);
		cols = (size_t)d[0];
		base = H5Tget_super(t);
	}
	h5k k = sc_h5ad_h5kind(base, in->dtype);
	if (k != H5K_INT && k != H5K_UINT && k != H5K_FLOAT && k != H5K_BOOL)
		rc = sc_h5ad_fail(err, m->h, SC_EINVAL, m->path, "not a numeric matrix (%s)", in->dtype);
	if (base != t)
		H5Tclose(base);
	H5Tclose(t);
	if (rc || (rc = sc_h5ad_len(&in->rows, m->obj, m->h, m->path, err)))
		return rc;
	in->cols = cols;
	in->nnz = in->rows * cols;
	filter_name(in->filter, m->obj);
	m->major = in->rows;
	m->minor = cols;
	if ((rc = check_axes(m, err)))
		return rc;
	hsize_t dc = cols;
	hid_t at = H5Tarray_create2(H5T_NATIVE_DOUBLE, 1, &dc);
	m->rowtype = H5Tcreate(H5T_COMPOUND, H5Tget_size(at));
	H5Tinsert(m->rowtype, m->field, 0, at);
	H5Tclose(at);
	return 0;
}

static void filter_name(char out[24], hid_t ds)
{
	snprintf(out, 24, "none");
	hid_t dcpl = H5Dget_create_plist(ds);
	int nf = dcpl >= 0 ? H5Pget_nfilters(dcpl) : 0;
	for (int i = 0; i < nf; i++) {
		unsigned fl;
		size_t nc = 0;
		char nm[64];
		H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &fl, &nc, NULL, sizeof(nm), nm, NULL);
		const char *s = id == H5Z_FILTER_DEFLATE ? "gzip"
				: id == 32000		 ? "lzf"
				: id == H5Z_FILTER_SZIP	 ? "szip"
				: id == 32001		 ? "blosc"
				: id == 32015		 ? "zstd"
							 : NULL;
		if (id == H5Z_FILTER_SHUFFLE || id == H5Z_FILTER_FLETCHER32)
			continue;
		snprintf(out, 24, "%s", s ? s : "filter");
		break;
	}
	if (dcpl >= 0)
		H5Pclose(dcpl);
}

static int numeric_type(char dtype[24], hid_t ds)
{
	hid_t t = H5Dget_type(ds);
	h5k k = sc_h5ad_h5kind(t, dtype);
	H5Tclose(t);
	return k == H5K_INT || k == H5K_UINT || k == H5K_FLOAT || k == H5K_BOOL;
}

static int int_type(char dtype[24], hid_t ds, int *is32)
{
	hid_t t = H5Dget_type(ds);
	h5k k = sc_h5ad_h5kind(t, dtype);
	if (is32)
		*is32 = k == H5K_INT && H5Tget_size(t) == 4 && H5Tget_order(t) == H5Tget_order(H5T_NATIVE_INT32);
	H5Tclose(t);
	return k == H5K_INT || k == H5K_UINT;
}

/* The expected shape of a matrix from where it sits in the file. */
static int check_axes(matsrc *m, sc_err *err)
{
	sc_h5ad *h = m->h;
	const char *p = m->path;
	while (*p == '/')
		p++;
	size_t r = m->info.rows, c = m->info.cols;
	size_t er = SIZE_MAX, ec = SIZE_MAX;
	const char *what = NULL;
	if (!strcmp(p, "X") || !strncmp(p, "layers/", 7)) {
		er = h->n_obs, ec = h->n_vars, what = "obs x var";
	} else if (!strcmp(p, "raw/X")) {
		er = h->n_obs, what = "obs x raw/var";
		if (sc_h5ad_has(h, "raw/var") && sc_h5ad_frame_len(&ec, h, "raw/var", err))
			return err ? err->code : SC_ERR;
	} else if (!strncmp(p, "obsm/", 5)) {
		er = h->n_obs, what = "obs";
	} else if (!strncmp(p, "varm/", 5)) {
		er = h->n_vars, what = "var";
	} else if (!strncmp(p, "obsp/", 5)) {
		er = ec = h->n_obs, what = "obs x obs";
	} else if (!strncmp(p, "varp/", 5)) {
		er = ec = h->n_vars, what = "var x var";
	}
	if ((er != SIZE_MAX && r != er) || (ec != SIZE_MAX && c != ec)) {
		char want[64];
		if (ec != SIZE_MAX)
			snprintf(want, sizeof(want), "%zu x %zu", er, ec);
		else
			snprintf(want, sizeof(want), "%zu rows", er);
		return sc_h5ad_fail(err, h, SC_ECORRUPT, m->path,
				 "shape %zu x %zu does not match %s (%s)", r, c, what, want);
	}
	return 0;
}

static int open_member(hid_t *out, matsrc *m, const char *name, sc_err *err)
{
	char elem[600];
	snprintf(elem, sizeof(elem), "%s/%s", m->path, name);
	if (!sc_h5ad_exists(m->obj, name))
		return sc_h5ad_fail(err, m->h, SC_ECORRUPT, m->path, "sparse matrix without '%s'", name);
	*out = H5Dopen2(m->obj, name, H5P_DEFAULT);
	if (*out < 0)
		return sc_h5ad_fail_h5(err, m->h, elem, "cannot open");
	hid_t sp = H5Dget_space(*out);
	int nd = H5Sget_simple_extent_ndims(sp);
	H5Sclose(sp);
	if (nd != 1)
		return sc_h5ad_fail(err, m->h, SC_ECORRUPT, elem, "expected a 1-D array, found %d dimensions", nd);
	return 0;
}

static size_t ds_len(hid_t ds)
{
	hid_t sp = H5Dget_space(ds);
	hssize_t n = H5Sget_simple_extent_npoints(sp);
	H5Sclose(sp);
	return n > 0 ? (size_t)n : 0;
}

static int open_sparse(matsrc *m, const char *fmt, int legacy, sc_err *err)
{
	sc_h5ad *h = m->h;
	sc_h5ad_matinfo *in = &m->info;
	in->storage = !strcmp(fmt, "csr") ? SC_H5AD_CSR : SC_H5AD_CSC;
	in->legacy_sparse = legacy;
	int64_t s[2];
	size_t ns = 0;
	int r = sc_h5ad_attr_ints(s, 2, &ns, m->obj, legacy ? "h5sparse_shape" : "shape");
	if (r == 0 && legacy)
		r = sc_h5ad_attr_ints(s, 2, &ns, m->obj, "shape");
	if (r <= 0 || ns != 2)
		return sc_h5ad_fail(err, h, SC_ECORRUPT, m->path, "sparse matrix without a valid shape attribute");
	in->rows = (size_t)s[0];
	in->cols = (size_t)s[1];
	int rc;
	/* The shape against obs/var first: the likelier story when both are off. */
	if ((rc = check_axes(m, err)))
		return rc;
	if ((rc = open_member(&m->data, m, "data", err)) || (rc = open_member(&m->indices, m, "indices", err)) ||
	    (rc = open_member(&m->indptr, m, "indptr", err)))
		return rc;
	char elem[600];
	snprintf(elem, sizeof(elem), "%s/data", m->path);
	if (!numeric_type(in->dtype, m->data))
		return sc_h5ad_fail(err, h, SC_EINVAL, elem, "values must be numbers, found %s", in->dtype);
	snprintf(elem, sizeof(elem), "%s/indices", m->path);
	if (!int_type(in->index_dtype, m->indices, &m->idx32))
		return sc_h5ad_fail(err, h, SC_ECORRUPT, elem, "must be integers, found %s", in->index_dtype);
	snprintf(elem, sizeof(elem), "%s/indptr", m->path);
	if (!int_type(in->indptr_dtype, m->indptr, NULL))
		return sc_h5ad_fail(err, h, SC_ECORRUPT, elem, "must be integers, found %s", in->indptr_dtype);
	filter_name(in->filter, m->data);
	m->major = in->storage == SC_H5AD_CSR ? in->rows : in->cols;
	m->minor = in->storage == SC_H5AD_CSR ? in->cols : in->rows;
	size_t nd = ds_len(m->data), ni = ds_len(m->indices), np = ds_len(m->indptr);
	in->nnz = nd;
	static const char *const member[] = { "data", "indices", "indptr" };
	const hid_t mds[] = { m->data, m->indices, m->indptr };
	const size_t mlen[] = { nd, ni, np };
	for (int k = 0; k < 3; k++) {
		snprintf(elem, sizeof(elem), "%s/%s", m->path, member[k]);
		if ((rc = sc_h5ad_check_extent(mds[k], mlen[k], h, elem, err)))
			return rc;
	}
	snprintf(elem, sizeof(elem), "%s/indptr", m->path);
	if (nd != ni)
		return sc_h5ad_fail(err, h, SC_ECORRUPT, m->path, "data has %zu values but indices has %zu", nd, ni);
	if (np != m->major + 1)
		return sc_h5ad_fail(err, h, SC_ECORRUPT, elem, "has %zu entries for %zu %s (expected %zu)", np,
				 m->major, in->storage == SC_H5AD_CSR ? "rows" : "columns", m->major + 1);
	if (m->minor > INT32_MAX)
		return sc_h5ad_fail(err, h, SC_EINVAL, m->path, "%zu %s exceed the 2^31 supported", m->minor,
				 in->storage == SC_H5AD_CSR ? "columns" : "rows");
	int64_t ends[2];
	if (sc_h5ad_read_slab(&ends[0], H5T_NATIVE_INT64, m->indptr, 0, 1) < 0 ||
	    sc_h5ad_read_slab(&ends[1], H5T_NATIVE_INT64, m->indptr, m->major, 1) < 0)
		return sc_h5ad_fail_h5(err, h, elem, "cannot read");
	if (ends[0] != 0)
		return sc_h5ad_fail(err, h, SC_ECORRUPT, elem, "starts at %lld, not 0", (long long)ends[0]);
	if (ends[1] != (int64_t)nd)
		return sc_h5ad_fail(err, h, SC_ECORRUPT, elem, "ends at %lld but there are %zu stored values",
				 (long long)ends[1], nd);
	return 0;
}

static int mat_open(matsrc *m, sc_h5ad *h, const char *path, sc_err *err)
{
	memset(m, 0, sizeof(*m));
	m->h = h;
	m->path = path;
	m->obj = m->data = m->indices = m->indptr = m->rowtype = -1;
	sc_h5ad_matinfo *in = &m->info;
	int rc = 0;
	if (!sc_h5ad_has(h, path)) {
		return sc_h5ad_fail(err, h, SC_ENOTFOUND, path, "no such element");
	} else if (sc_h5ad_compound_member(h, path, &m->obj, &m->field)) {
		if ((rc = open_field(m, err)))
			goto out;
	} else if ((m->obj = sc_h5ad_open_obj(h, path, err)) < 0) {
		return err ? err->code : SC_ERR;
	} else if (H5Iget_type(m->obj) == H5I_DATASET) {
		m->data = m->obj;
		in->storage = SC_H5AD_DENSE;
		if (!numeric_type(in->dtype, m->obj)) {
			rc = sc_h5ad_fail(err, h, SC_EINVAL, path, "not a numeric matrix (%s)", in->dtype);
			goto out;
		}
		hid_t sp = H5Dget_space(m->obj);
		int nd = H5Sget_simple_extent_ndims(sp);
		hsize_t d[2] = { 0, 0 };
		if (nd == 2)
			H5Sget_simple_extent_dims(sp, d, NULL);
		H5Sclose(sp);
		if (nd != 2) {
			rc = sc_h5ad_fail(err, h, SC_EINVAL, path, "expected a 2-D matrix, found %d dimensions", nd);
			goto out;
		}
		if (d[1] && d[0] > UINT64_MAX / d[1]) {
			rc = sc_h5ad_fail(err, h, SC_ECORRUPT, path, "shape %llu x %llu overflows",
					  (unsigned long long)d[0], (unsigned long long)d[1]);
			goto out;
		}
		in->rows = (size_t)d[0];
		in->cols = (size_t)d[1];
		in->nnz = in->rows * in->cols;
		filter_name(in->filter, m->obj);
		m->major = in->rows;
		m->minor = in->cols;
		if (!(rc = check_axes(m, err)))
			rc = sc_h5ad_check_extent(m->obj, d[0] * d[1], h, path, err);
	} else {
		char *et = NULL, *fmt = NULL;
		sc_h5ad_attr_str(&et, m->obj, "encoding-type");
		if (et && (!strcmp(et, "csr_matrix") || !strcmp(et, "csc_matrix"))) {
			et[3] = 0;
			rc = open_sparse(m, et, 0, err);
		} else if (sc_h5ad_attr_str(&fmt, m->obj, "h5sparse_format") > 0 &&
			   (!strcmp(fmt, "csr") || !strcmp(fmt, "csc"))) {
			rc = open_sparse(m, fmt, 1, err);
		} else {
			rc = sc_h5ad_fail(err, h, SC_EINVAL, path, "is a %s, not a matrix",
				       et ? et : fmt ? fmt : "group");
		}
		free(et);
		free(fmt);
	}
out:
	if (rc)
		mat_close(m);
	return rc;
}

int sc_h5ad_matrix_info(sc_h5ad_matinfo *out, sc_h5ad *h, const char *path, sc_err *err)
{
	matsrc m;
	memset(out, 0, sizeof(*out));
	int rc = mat_open(&m, h, path, err);
	if (rc)
		return rc;
	*out = m.info;
	mat_close(&m);
	return 0;
}

/* ---- validation ---- */

static int bad_value(const matsrc *m, size_t row, size_t col, double v, sc_err *err)
{
	char buf[64];
	sc_h5ad_fmt_double(buf, sizeof(buf), v);
	return sc_h5ad_fail(err, m->h, SC_EINVAL, m->path, "value %s at row %zu, column %zu is not a count (%s)",
			 buf, row, col, isfinite(v) ? "negative" : "not finite");
}

static int cmp_idx(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;
	return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Sort unsorted rows, summing repeated indices. The arrays shrink in place. */
static void canonicalise(sc_csr *o)
{
	int64_t w = 0;
	int64_t (*pairs)[2] = NULL;
	size_t cap = 0;
	int64_t start = 0;
	for (size_t r = 0; r < o->rows; r++) {
		int64_t a = start, b = o->indptr[r + 1];
		int sorted = 1;
		for (int64_t p = a + 1; p < b && sorted; p++)
			sorted = o->indices[p] > o->indices[p - 1];
		start = b;
		if (sorted) {
			for (int64_t p = a; p < b; p++, w++) {
				o->indices[w] = o->indices[p];
				o->data[w] = o->data[p];
			}
		} else {
			size_t len = (size_t)(b - a);
			if (len > cap) {
				cap = len;
				pairs = sc_xrealloc(pairs, cap * sizeof(*pairs));
			}
			for (size_t k = 0; k < len; k++) {
				pairs[k][0] = o->indices[a + (int64_t)k];
				pairs[k][1] = (int64_t)k;
			}
			qsort(pairs, len, sizeof(*pairs), cmp_idx);
			double *vals = sc_xmalloc(len * sizeof(double));
			for (size_t k = 0; k < len; k++)
				vals[k] = o->data[a + pairs[k][1]];
			for (size_t k = 0; k < len; k++) {
				if (k > 0 && pairs[k][0] == pairs[k - 1][0]) {
					o->data[w - 1] += vals[k];
					continue;
				}
				o->indices[w] = (int32_t)pairs[k][0];
				o->data[w] = vals[k];
				w++;
			}
			free(vals);
		}
		o->indptr[r + 1] = w;
	}
	free(pairs);
}

/* Check a block read as-is: index range, counts, order. Returns 1 in
 * *unsorted when a row needs canonicalising. */
static int check_block(const matsrc *m, const sc_csr *o, size_t major0, unsigned flags, int *unsorted,
		       sc_err *err)
{
	int csc = m->info.storage == SC_H5AD_CSC;
	for (size_t r = 0; r < o->rows; r++) {
		for (int64_t p = o->indptr[r]; p < o->indptr[r + 1]; p++) {
			int32_t j = o->indices[p];
			if (j < 0 || (size_t)j >= m->minor)
				return sc_h5ad_fail(err, m->h, SC_ECORRUPT, m->path,
						 "index %d in %s %zu is outside [0, %zu)", j, csc ? "column" : "row",
						 major0 + r, m->minor);
			if (p > o->indptr[r] && j <= o->indices[p - 1])
				*unsorted = 1;
			double v = o->data[p];
			if ((flags & SC_H5AD_COUNTS) && !(v >= 0 && isfinite(v)))
				return csc ? bad_value(m, (size_t)j, major0 + r, v, err)
					   : bad_value(m, major0 + r, (size_t)j, v, err);
		}
	}
	return 0;
}

/* Majors [a0, a1) of a sparse matrix exactly as stored (CSR rows or CSC
 * columns), validated. canon: sort and sum duplicates. */
static int sparse_block(sc_csr *o, matsrc *m, size_t a0, size_t a1, unsigned flags, int canon,
			sc_err *err)
{
	sc_h5ad *h = m->h;
	memset(o, 0, sizeof(*o));
	size_t nr = a1 - a0;
	o->rows = nr;
	o->cols = m->minor;
	char elem[600];
	snprintf(elem, sizeof(elem), "%s/indptr", m->path);
	o->indptr = sc_h5ad_alloc(nr + 1, sizeof(int64_t), h, m->path, "row offsets", err);
	if (!o->indptr)
		return err->code;
	int rc = 0;
	if (sc_h5ad_read_slab(o->indptr, H5T_NATIVE_INT64, m->indptr, a0, nr + 1) < 0) {
		rc = sc_h5ad_fail_h5(err, h, elem, "cannot read");
		goto out;
	}
	int64_t base = o->indptr[0];
	for (size_t r = 0; r <= nr; r++) {
		int64_t p = o->indptr[r];
		if (p < 0 || (size_t)p > m->info.nnz) {
			rc = sc_h5ad_fail(err, h, SC_ECORRUPT, elem, "entry %zu is %lld, outside [0, %zu]", a0 + r,
				       (long long)p, m->info.nnz);
			goto out;
		}
		if (r > 0 && p < o->indptr[r - 1]) {
			rc = sc_h5ad_fail(err, h, SC_ECORRUPT, elem, "decreases at entry %zu (%lld < %lld)", a0 + r,
				       (long long)p, (long long)o->indptr[r - 1]);
			goto out;
		}
	}
	for (size_t r = 0; r <= nr; r++)
		o->indptr[r] -= base;
	size_t nnz = (size_t)o->indptr[nr];
	int64_t *tmp = NULL;
	/* Checked as one request: the indices and values live together. */
	if ((rc = sc_h5ad_mem_check(nnz, sizeof(double) + sizeof(int32_t), h, m->path,
				    "stored values with their indices", err)))
		goto out;
	if (!(o->indices = sc_h5ad_alloc(nnz, sizeof(int32_t), h, m->path, "indices", err)) ||
	    !(o->data = sc_h5ad_alloc(nnz, sizeof(double), h, m->path, "stored values", err)) ||
	    (!m->idx32 && !(tmp = sc_h5ad_alloc(nnz < H5AD_CHUNK ? nnz : H5AD_CHUNK, sizeof(int64_t),
						 h, m->path, "indices", err)))) {
		rc = err->code;
		goto out;
	}
	int fi = m->idx32 ? sc_h5ad_fast_read(o->indices, H5AD_DEST_I32, m->indices, (size_t)base, nnz) : 1;
	int fd = fi < 0 ? 1 : sc_h5ad_fast_read(o->data, H5AD_DEST_F64, m->data, (size_t)base, nnz);
	if (fi < 0 || fd < 0) {
		free(tmp);
		rc = sc_h5ad_fail(err, h, SC_ECORRUPT, m->path, "a compressed chunk of %s does not decompress",
			       fi < 0 ? "indices" : "data");
		goto out;
	}
	for (size_t off = 0; (fi || fd) && off < nnz; off += H5AD_CHUNK) {
		size_t cnt = nnz - off < H5AD_CHUNK ? nnz - off : H5AD_CHUNK;
		size_t at = (size_t)base + off;
		int bad = 0;
		if (!fi) {
			/* indices already read by the fast path */
		} else if (m->idx32) {
			bad = sc_h5ad_read_slab(o->indices + off, H5T_NATIVE_INT32, m->indices, at, cnt) < 0;
		} else {
			bad = sc_h5ad_read_slab(tmp, H5T_NATIVE_INT64, m->indices, at, cnt) < 0;
			/* Out-of-range values become -1 and fail the range check. */
			for (size_t k = 0; !bad && k < cnt; k++)
				o->indices[off + k] = tmp[k] >= 0 && tmp[k] <= INT32_MAX ? (int32_t)tmp[k] : -1;
		}
		if (bad) {
			free(tmp);
			rc = sc_h5ad_fail_h5(err, h, m->path, "cannot read indices");
			goto out;
		}
		if (fd && sc_h5ad_read_slab(o->data + off, H5T_NATIVE_DOUBLE, m->data, at, cnt) < 0) {
			free(tmp);
			rc = sc_h5ad_fail_h5(err, h, m->path, "cannot read values");
			goto out;
		}
	}
	free(tmp);
	int unsorted = 0;
	if ((rc = check_block(m, o, a0, flags, &unsorted, err)))
		goto out;
	if (unsorted && canon)
		canonicalise(o);
out:
	if (rc)
		sc_csr_free(o);
	return rc;
}

/* A CSR grown row by row; builder_push counts into indptr[rows]. */
typedef struct builder {
	sc_csr *o;
	size_t cap;
} builder;

static int builder_push(builder *b, int32_t j, double v)
{
	size_t n = (size_t)b->o->indptr[b->o->rows];
	if (n == b->cap) {
		size_t nc = b->cap ? 2 * b->cap : 4096;
		int32_t *ni = realloc(b->o->indices, nc * sizeof(int32_t));
		if (ni)
			b->o->indices = ni;
		double *nd = ni ? realloc(b->o->data, nc * sizeof(double)) : NULL;
		if (!ni || !nd)
			return -1;
		b->o->data = nd;
		b->cap = nc;
	}
	b->o->indices[n] = j;
	b->o->data[n] = v;
	b->o->indptr[b->o->rows]++;
	return 0;
}

static size_t dense_block_rows(size_t cols)
{
	size_t b = cols ? H5AD_CHUNK / cols : H5AD_CHUNK;
	return b ? b : 1;
}

static int dense_rows(double *out, matsrc *m, size_t r0, size_t r1)
{
	if (r1 == r0 || m->info.cols == 0)
		return 0;
	if (m->field)
		return sc_h5ad_read_slab(out, m->rowtype, m->obj, r0, r1 - r0);
	hid_t fs = H5Dget_space(m->obj);
	hsize_t o[2] = { r0, 0 }, c[2] = { r1 - r0, m->info.cols };
	hid_t ms = H5Screate_simple(2, c, NULL);
	herr_t r = H5Sselect_hyperslab(fs, H5S_SELECT_SET, o, NULL, c, NULL);
	if (r >= 0)
		r = H5Dread(m->obj, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, out);
	H5Sclose(ms);
	H5Sclose(fs);
	return r < 0 ? -1 : 0;
}

static int check_dense(const matsrc *m, const double *v, size_t r0, size_t nr, unsigned flags, sc_err *err)
{
	if (!(flags & SC_H5AD_COUNTS))
		return 0;
	size_t nc = m->info.cols;
	for (size_t k = 0; k < nr * nc; k++)
		if (!(v[k] >= 0 && isfinite(v[k])))
			return bad_value(m, r0 + k / nc, k % nc, v[k], err);
	return 0;
}

static int dense_to_csr(sc_csr *o, matsrc *m, size_t r0, size_t r1, unsigned flags, sc_err *err)
{
	size_t nc = m->info.cols, bs = dense_block_rows(nc);
	memset(o, 0, sizeof(*o));
	o->cols = nc;
	double *buf = NULL;
	builder b = { o, 0 };
	int rc = 0;
	if (!(o->indptr = sc_h5ad_alloc(r1 - r0 + 1, sizeof(int64_t), m->h, m->path, "row offsets", err)) ||
	    !(buf = sc_h5ad_alloc(sc_mulsz(bs, nc ? nc : 1), sizeof(double), m->h, m->path,
				  "values of a block of rows", err))) {
		rc = err->code;
		goto out;
	}
	for (size_t r = r0; r < r1; r += bs) {
		size_t e = r + bs < r1 ? r + bs : r1;
		if (dense_rows(buf, m, r, e) < 0) {
			rc = sc_h5ad_fail_h5(err, m->h, m->path, "cannot read rows %zu..%zu", r, e);
			goto out;
		}
		if ((rc = check_dense(m, buf, r, e - r, flags, err)))
			goto out;
		for (size_t i = 0; i < e - r; i++) {
			o->indptr[o->rows + 1] = o->indptr[o->rows];
			o->rows++;
			for (size_t j = 0; j < nc; j++) {
				double v = buf[i * nc + j];
				if (v != 0 && builder_push(&b, (int32_t)j, v) < 0) {
					rc = sc_h5ad_fail(err, m->h, SC_ERR, m->path, "out of memory");
					goto out;
				}
			}
		}
	}
out:
	free(buf);
	if (rc)
		sc_csr_free(o);
	return rc;
}

/* Rows [r0, r1) of a CSC matrix: one pass over the stored entries keeping
 * those in range, bucketed by row; columns arrive in order, so rows come
 * out sorted. */
static int csc_rows(sc_csr *o, matsrc *m, size_t r0, size_t r1, unsigned flags, sc_err *err)
{
	sc_csr cols;
	memset(o, 0, sizeof(*o));
	size_t nr = r1 - r0, ncol = m->major;
	int rc = 0;
	int32_t *ri = NULL, *ci = NULL;
	double *vv = NULL;
	size_t n = 0, cap = 0;
	/* Read column blocks of about H5AD_CHUNK entries through sparse_block. */
	int64_t *ptr = sc_h5ad_alloc(ncol + 1, sizeof(int64_t), m->h, m->path, "column offsets", err);
	if (!ptr)
		return err->code;
	if (sc_h5ad_read_slab(ptr, H5T_NATIVE_INT64, m->indptr, 0, ncol + 1) < 0) {
		free(ptr);
		return sc_h5ad_fail_h5(err, m->h, m->path, "cannot read indptr");
	}
	for (size_t c0 = 0; c0 < ncol && !rc;) {
		size_t c1 = c0 + 1;
		while (c1 < ncol && ptr[c1 + 1] - ptr[c0] <= (int64_t)H5AD_CHUNK && ptr[c1 + 1] >= ptr[c0])
			c1++;
		if ((rc = sparse_block(&cols, m, c0, c1, flags, 1, err)))
			break;
		for (size_t c = 0; c < cols.rows && !rc; c++) {
			for (int64_t p = cols.indptr[c]; p < cols.indptr[c + 1]; p++) {
				size_t r = (size_t)cols.indices[p];
				if (r < r0 || r >= r1)
					continue;
				if (n == cap) {
					cap = cap ? 2 * cap : 4096;
					int32_t *a = realloc(ri, cap * sizeof(int32_t));
					int32_t *b = a ? realloc(ci, cap * sizeof(int32_t)) : NULL;
					double *d = b ? realloc(vv, cap * sizeof(double)) : NULL;
					if (a)
						ri = a;
					if (b)
						ci = b;
					if (d)
						vv = d;
					if (!a || !b || !d) {
						rc = sc_h5ad_fail(err, m->h, SC_ERR, m->path, "out of memory");
						break;
					}
				}
				ri[n] = (int32_t)(r - r0);
				ci[n] = (int32_t)(c0 + c);
				vv[n] = cols.data[p];
				n++;
			}
		}
		sc_csr_free(&cols);
		c0 = c1;
	}
	free(ptr);
	if (!rc) {
		o->rows = nr;
		o->cols = ncol;
		if (!(o->indptr = sc_h5ad_alloc(nr + 1, sizeof(int64_t), m->h, m->path, "row offsets", err)) ||
		    !(o->indices = sc_h5ad_alloc(n, sizeof(int32_t), m->h, m->path, "indices", err)) ||
		    !(o->data = sc_h5ad_alloc(n, sizeof(double), m->h, m->path, "stored values", err))) {
			rc = err->code;
		} else {
			for (size_t k = 0; k < n; k++)
				o->indptr[ri[k] + 1]++;
			for (size_t r = 0; r < nr; r++)
				o->indptr[r + 1] += o->indptr[r];
			int64_t *next = sc_xmalloc((nr + 1) * sizeof(int64_t));
			memcpy(next, o->indptr, (nr + 1) * sizeof(int64_t));
			for (size_t k = 0; k < n; k++) {
				int64_t q = next[ri[k]]++;
				o->indices[q] = ci[k];
				o->data[q] = vv[k];
			}
			free(next);
		}
	}
	free(ri);
	free(ci);
	free(vv);
	if (rc)
		sc_csr_free(o);
	return rc;
}

static int check_range(const matsrc *m, size_t r0, size_t r1, sc_err *err)
{
	if (r0 > r1 || r1 > m->info.rows)
		return sc_h5ad_fail(err, m->h, SC_EINVAL, m->path, "rows %zu..%zu outside the %zu rows", r0, r1,
				 m->info.rows);
	return 0;
}

int sc_h5ad_read_rows(sc_csr *out, sc_h5ad *h, const char *path, size_t r0, size_t r1, unsigned flags,
		      sc_err *err)
{
	memset(out, 0, sizeof(*out));
	matsrc m;
	int rc = mat_open(&m, h, path, err);
	if (rc)
		return rc;
	if (!(rc = check_range(&m, r0, r1, err))) {
		if (m.info.storage == SC_H5AD_CSR)
			rc = sparse_block(out, &m, r0, r1, flags, 1, err);
		else if (m.info.storage == SC_H5AD_CSC)
			rc = csc_rows(out, &m, r0, r1, flags, err);
		else
			rc = dense_to_csr(out, &m, r0, r1, flags, err);
	}
	mat_close(&m);
	return rc;
}

int sc_h5ad_read_csr(sc_csr *out, sc_h5ad *h, const char *path, unsigned flags, sc_err *err)
{
	sc_h5ad_matinfo mi;
	int rc = sc_h5ad_matrix_info(&mi, h, path, err);
	if (rc) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	return sc_h5ad_read_rows(out, h, path, 0, mi.rows, flags, err);
}

int sc_h5ad_read_dense_rows(sc_dmat *out, sc_h5ad *h, const char *path, size_t r0, size_t r1,
			    unsigned flags, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	matsrc m;
	int rc = mat_open(&m, h, path, err);
	if (rc)
		return rc;
	if ((rc = check_range(&m, r0, r1, err)))
		goto out;
	size_t nr = r1 - r0, nc = m.info.cols;
	if (nc && nr > SIZE_MAX / 8 / nc) {
		rc = sc_h5ad_fail(err, h, SC_EINVAL, path, "%zu x %zu is too large for a dense matrix", nr, nc);
		goto out;
	}
	char what[80];
	snprintf(what, sizeof(what), "%zu x %zu values", nr, nc);
	if (!(out->v = sc_h5ad_alloc(nr * nc, sizeof(double), h, path, what, err))) {
		rc = err->code;
		goto out;
	}
	out->rows = nr;
	out->cols = nc;
	if (m.info.storage == SC_H5AD_DENSE) {
		size_t bs = dense_block_rows(nc);
		for (size_t r = r0; r < r1 && !rc; r += bs) {
			size_t e = r + bs < r1 ? r + bs : r1;
			if (dense_rows(out->v + (r - r0) * nc, &m, r, e) < 0)
				rc = sc_h5ad_fail_h5(err, h, path, "cannot read rows %zu..%zu", r, e);
			else
				rc = check_dense(&m, out->v + (r - r0) * nc, r, e - r, flags, err);
		}
	} else {
		sc_csr c;
		rc = m.info.storage == SC_H5AD_CSR ? sparse_block(&c, &m, r0, r1, flags, 0, err)
						   : csc_rows(&c, &m, r0, r1, flags, err);
		for (size_t i = 0; !rc && i < c.rows; i++)
			for (int64_t p = c.indptr[i]; p < c.indptr[i + 1]; p++)
				out->v[i * nc + (size_t)c.indices[p]] += c.data[p];
		if (!rc)
			sc_csr_free(&c);
	}
out:
	if (rc)
		sc_dmat_free(out);
	mat_close(&m);
	return rc;
}

int sc_h5ad_read_dense(sc_dmat *out, sc_h5ad *h, const char *path, unsigned flags, sc_err *err)
{
	sc_h5ad_matinfo mi;
	int rc = sc_h5ad_matrix_info(&mi, h, path, err);
	if (rc) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	return sc_h5ad_read_dense_rows(out, h, path, 0, mi.rows, flags, err);
}

/* ---- checksums ---- */

static void add_entry(sc_h5ad_checksum *s, size_t row, size_t col, double v)
{
	s->sum += v;
	s->sumsq += v * v;
	s->sumabs += fabs(v);
	s->rowsum += (double)(row + 1) * v;
	s->colsum += (double)(col + 1) * v;
	s->nonzero += v != 0;
}

int sc_h5ad_matrix_checksum(sc_h5ad_checksum *out, sc_h5ad *h, const char *path, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	matsrc m;
	int rc = mat_open(&m, h, path, err);
	if (rc)
		return rc;
	if (m.info.storage == SC_H5AD_DENSE) {
		size_t nc = m.info.cols, bs = dense_block_rows(nc);
		double *buf = sc_h5ad_alloc(sc_mulsz(bs, nc ? nc : 1), sizeof(double), h, path,
					    "values of a block of rows", err);
		if (!buf)
			rc = err->code;
		for (size_t r = 0; buf && r < m.info.rows && !rc; r += bs) {
			size_t e = r + bs < m.info.rows ? r + bs : m.info.rows;
			if (dense_rows(buf, &m, r, e) < 0)
				rc = sc_h5ad_fail_h5(err, h, path, "cannot read rows %zu..%zu", r, e);
			for (size_t k = 0; !rc && k < (e - r) * nc; k++)
				add_entry(out, r + k / nc, k % nc, buf[k]);
		}
		free(buf);
	} else {
		int csc = m.info.storage == SC_H5AD_CSC;
		/* Major blocks of a fixed count keep memory to about one chunk. */
		size_t bs = m.minor ? H5AD_CHUNK / m.minor : H5AD_CHUNK;
		bs = bs < 1 ? 1 : bs;
		for (size_t a = 0; a < m.major && !rc; a += bs) {
			size_t e = a + bs < m.major ? a + bs : m.major;
			sc_csr b;
			if ((rc = sparse_block(&b, &m, a, e, 0, 0, err)))
				break;
			for (size_t i = 0; i < b.rows; i++)
				for (int64_t p = b.indptr[i]; p < b.indptr[i + 1]; p++) {
					size_t j = (size_t)b.indices[p];
					if (csc)
						add_entry(out, j, a + i, b.data[p]);
					else
						add_entry(out, a + i, j, b.data[p]);
				}
			sc_csr_free(&b);
		}
	}
	mat_close(&m);
	return rc;
}
