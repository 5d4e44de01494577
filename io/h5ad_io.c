/*
 * h5ad_io.c - the typed reading every h5ad file needs, in every spelling
 * writers used: datatype classification (h5py's bool enum included),
 * attributes as variable- or fixed-length strings, scalars or arrays,
 * strings from datasets or compound members, numbers converted to int64,
 * double or 0/1 bytes, and hyperslab reads. Kept apart from h5ad.c so that
 * opening files and walking groups reads as what it is.
 */
#include "h5ad_impl.h"
#include "util/limits.h"
#include "util/fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- types ---- */

h5k sc_h5ad_h5kind(hid_t t, char dtype[24])
{
	char tmp[24];
	if (!dtype)
		dtype = tmp;
	size_t sz = H5Tget_size(t);
	switch (H5Tget_class(t)) {
	case H5T_INTEGER: {
		int uns = H5Tget_sign(t) == H5T_SGN_NONE;
		snprintf(dtype, 24, "%sint%zu", uns ? "u" : "", sz * 8);
		return uns ? H5K_UINT : H5K_INT;
	}
	case H5T_FLOAT:
		snprintf(dtype, 24, "float%zu", sz * 8);
		return H5K_FLOAT;
	case H5T_ENUM: {
		/* h5py writes numpy bools as enum(int8) {FALSE = 0, TRUE = 1}. */
		if (H5Tget_nmembers(t) == 2) {
			char *a = H5Tget_member_name(t, 0), *b = H5Tget_member_name(t, 1);
			int isb = a && b && !strcmp(a, "FALSE") && !strcmp(b, "TRUE");
			H5free_memory(a);
			H5free_memory(b);
			if (isb) {
				snprintf(dtype, 24, "bool");
				return H5K_BOOL;
			}
		}
		snprintf(dtype, 24, "enum");
		return H5K_OTHER;
	}
	case H5T_STRING:
		snprintf(dtype, 24, "str");
		return H5K_STR;
	case H5T_REFERENCE:
		snprintf(dtype, 24, "reference");
		return H5K_REF;
	case H5T_COMPOUND:
		snprintf(dtype, 24, "compound");
		return H5K_COMPOUND;
	default:
		snprintf(dtype, 24, "other");
		return H5K_OTHER;
	}
}

/* ---- strings (shared by attributes and datasets) ---- */

static char *dup_fixed(const char *s, size_t size, H5T_str_t pad)
{
	size_t len = strnlen(s, size);
	if (pad == H5T_STR_SPACEPAD)
		while (len > 0 && s[len - 1] == ' ')
			len--;
	return sc_xstrndup(s, len);
}

/* Read n strings with reader(memtype, buf); type is the stored string type. */
typedef herr_t (*str_reader)(void *ctx, hid_t memtype, void *buf);

static herr_t attr_reader(void *ctx, hid_t mt, void *buf)
{
	return H5Aread(*(hid_t *)ctx, mt, buf);
}

static int read_strings(char **out, size_t n, void *obj, hid_t type, str_reader rd, hid_t space)
{
	int rc = -1;
	/* The read buffer, sized by the file's extent: within the limit first
	 * (the callers' own arrays of n pointers are checked by them). */
	sc_err e;
	size_t each = H5Tis_variable_str(type) > 0 ? sizeof(char *) : H5Tget_size(type);
	if (sc_mem_check(n, each ? each : 1, "strings", &e))
		return -1;
	if (H5Tis_variable_str(type) > 0) {
		hid_t mt = H5Tcopy(H5T_C_S1);
		H5Tset_size(mt, H5T_VARIABLE);
		H5Tset_cset(mt, H5Tget_cset(type));
		char **buf = sc_xcalloc(n ? n : 1, sizeof(char *));
		if (rd(obj, mt, buf) >= 0) {
			for (size_t i = 0; i < n; i++)
				out[i] = sc_xstrdup(buf[i] ? buf[i] : "");
			H5Dvlen_reclaim(mt, space, H5P_DEFAULT, buf);
			rc = 0;
		}
		free(buf);
		H5Tclose(mt);
	} else {
		size_t size = H5Tget_size(type);
		char *buf = sc_xmalloc(sc_mulsz(n ? n : 1, size ? size : 1));
		hid_t mt = H5Tcopy(type);
		if (rd(obj, mt, buf) >= 0) {
			H5T_str_t pad = H5Tget_strpad(type);
			for (size_t i = 0; i < n; i++)
				out[i] = dup_fixed(buf + i * size, size, pad);
			rc = 0;
		}
		H5Tclose(mt);
		free(buf);
	}
	return rc;
}

/* ---- attributes ---- */

static hid_t open_attr(hid_t o, const char *name)
{
	if (H5Aexists(o, name) <= 0) {
		H5Eclear2(H5E_DEFAULT);
		return 0;
	}
	return H5Aopen(o, name, H5P_DEFAULT);
}

static size_t space_npoints(hid_t sp)
{
	hssize_t n = H5Sget_simple_extent_npoints(sp);
	return n > 0 ? (size_t)n : 0;
}

int sc_h5ad_attr_strv(char ***out, size_t *n, hid_t o, const char *name)
{
	*out = NULL;
	*n = 0;
	hid_t a = open_attr(o, name);
	if (a == 0)
		return 0;
	if (a < 0)
		return -1;
	hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
	int rc = -1;
	size_t np = H5Sget_simple_extent_type(sp) == H5S_NULL ? 0 : space_npoints(sp);
	if (H5Tget_class(t) != H5T_STRING) {
		/* h5py writes an empty list as an empty float64 array. */
		rc = np == 0 ? 1 : -1;
		goto out;
	}
	sc_err e;
	if (sc_mem_check(np, sizeof(char *), "strings", &e))
		goto out;
	char **v = sc_xcalloc(np ? np : 1, sizeof(char *));
	if (read_strings(v, np, &a, t, attr_reader, sp) < 0) {
		free(v);
		goto out;
	}
	*out = v;
	*n = np;
	rc = 1;
out:
	H5Tclose(t);
	H5Sclose(sp);
	H5Aclose(a);
	return rc;
}

int sc_h5ad_attr_str(char **out, hid_t o, const char *name)
{
	char **v;
	size_t n;
	*out = NULL;
	int rc = sc_h5ad_attr_strv(&v, &n, o, name);
	if (rc <= 0)
		return rc;
	if (n != 1) {
		sc_h5ad_strings_free(v, n);
		return -1;
	}
	*out = v[0];
	free(v);
	return 1;
}

int sc_h5ad_attr_ints(int64_t *out, size_t max, size_t *n, hid_t o, const char *name)
{
	*n = 0;
	hid_t a = open_attr(o, name);
	if (a == 0)
		return 0;
	if (a < 0)
		return -1;
	hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
	size_t np = space_npoints(sp);
	h5k k = sc_h5ad_h5kind(t, NULL);
	int rc = -1;
	if ((k == H5K_INT || k == H5K_UINT || k == H5K_FLOAT) && np <= max) {
		double tmp[16];
		if (np <= 16 && H5Aread(a, H5T_NATIVE_DOUBLE, tmp) >= 0) {
			rc = 1;
			for (size_t i = 0; i < np; i++) {
				if (!(tmp[i] >= 0 && tmp[i] < 9.2e18) || tmp[i] != floor(tmp[i]))
					rc = -1;
				else
					out[i] = (int64_t)tmp[i];
			}
			*n = np;
		}
	}
	H5Tclose(t);
	H5Sclose(sp);
	H5Aclose(a);
	return rc;
}

int sc_h5ad_attr_bool(int *out, hid_t o, const char *name)
{
	*out = 0;
	hid_t a = open_attr(o, name);
	if (a == 0)
		return 0;
	if (a < 0)
		return -1;
	hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
	int rc = -1;
	h5k k = sc_h5ad_h5kind(t, NULL);
	if (space_npoints(sp) == 1) {
		if (k == H5K_BOOL) {
			hid_t nt = H5Tget_native_type(t, H5T_DIR_ASCEND);
			signed char v = 0;
			if (H5Tget_size(nt) == 1 && H5Aread(a, nt, &v) >= 0) {
				*out = v != 0;
				rc = 1;
			}
			H5Tclose(nt);
		} else if (k == H5K_INT || k == H5K_UINT) {
			long long v = 0;
			if (H5Aread(a, H5T_NATIVE_LLONG, &v) >= 0) {
				*out = v != 0;
				rc = 1;
			}
		}
	}
	H5Tclose(t);
	H5Sclose(sp);
	H5Aclose(a);
	return rc;
}

/* ---- datasets ---- */

int sc_h5ad_len(size_t *n, hid_t ds, const sc_h5ad *h, const char *elem, sc_err *err)
{
	hid_t sp = H5Dget_space(ds);
	if (sp < 0)
		return sc_h5ad_fail_h5(err, h, elem, "cannot read the dataspace");
	int nd = H5Sget_simple_extent_ndims(sp);
	hsize_t d[8] = { 0 };
	if (nd == 1)
		H5Sget_simple_extent_dims(sp, d, NULL);
	H5Sclose(sp);
	if (nd != 1)
		return sc_h5ad_fail(err, h, SC_EINVAL, elem, "expected a 1-D array, found %d dimensions",
				 nd);
	*n = (size_t)d[0];
	return sc_h5ad_check_extent(ds, d[0], h, elem, err);
}

hid_t sc_h5ad_field_type(hid_t ds, const char *field)
{
	hid_t t = H5Dget_type(ds);
	if (!field || t < 0)
		return t;
	hid_t mt = -1;
	if (H5Tget_class(t) == H5T_COMPOUND) {
		int i = H5Tget_member_index(t, field);
		if (i >= 0)
			mt = H5Tget_member_type(t, (unsigned)i);
	}
	H5Tclose(t);
	H5Eclear2(H5E_DEFAULT);
	return mt;
}

/* A memory type for one compound member, or the type itself. */
static hid_t field_memtype(hid_t mt, const char *field)
{
	if (!field)
		return H5Tcopy(mt);
	hid_t c = H5Tcreate(H5T_COMPOUND, H5Tget_size(mt));
	H5Tinsert(c, field, 0, mt);
	return c;
}

typedef struct dsread {
	hid_t ds;
	const char *field;
} dsread;

static herr_t ds_reader(void *ctx, hid_t mt, void *buf)
{
	const dsread *r = ctx;
	hid_t c = field_memtype(mt, r->field);
	herr_t rc = H5Dread(r->ds, c, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
	H5Tclose(c);
	return rc;
}

int sc_h5ad_read_strs(char ***out, size_t n, hid_t ds, const char *field, const sc_h5ad *h,
		   const char *elem, sc_err *err)
{
	*out = NULL;
	hid_t t = sc_h5ad_field_type(ds, field);
	if (t < 0)
		return sc_h5ad_fail_h5(err, h, elem, "cannot read the type");
	int rc = 0;
	if (H5Tget_class(t) != H5T_STRING) {
		rc = sc_h5ad_fail(err, h, SC_EINVAL, elem, "expected strings");
		goto out;
	}
	hid_t sp = H5Dget_space(ds);
	if (space_npoints(sp) != n) {
		H5Sclose(sp);
		rc = sc_h5ad_fail(err, h, SC_ECORRUPT, elem, "expected %zu strings", n);
		goto out;
	}
	char **v = sc_h5ad_alloc(n, sizeof(char *), h, elem, "strings", err);
	if (!v) {
		H5Sclose(sp);
		rc = err->code;
		goto out;
	}
	dsread r = { ds, field };
	/* A compound member is read through a one-member compound memory type
	 * at offset 0, so the buffer is a plain array of strings either way and
	 * read_strings may reclaim it with the bare string type. */
	if (read_strings(v, n, &r, t, ds_reader, sp) < 0) {
		free(v);
		rc = sc_h5ad_fail_h5(err, h, elem, "cannot read strings");
	} else {
		*out = v;
	}
	H5Sclose(sp);
out:
	H5Tclose(t);
	return rc;
}

static int read_numbers(void *out, hid_t memtype, size_t n, hid_t ds, const char *field,
			const sc_h5ad *h, const char *elem, sc_err *err)
{
	hid_t sp = H5Dget_space(ds);
	size_t np = space_npoints(sp);
	H5Sclose(sp);
	if (np != n)
		return sc_h5ad_fail(err, h, SC_ECORRUPT, elem, "expected %zu values, found %zu", n, np);
	hid_t c = field_memtype(memtype, field);
	herr_t r = n ? H5Dread(ds, c, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) : 0;
	H5Tclose(c);
	if (r < 0)
		return sc_h5ad_fail_h5(err, h, elem, "cannot read values");
	return 0;
}

static int check_numeric(h5k *k, hid_t ds, const char *field, const sc_h5ad *h, const char *elem,
			 sc_err *err)
{
	char dt[24];
	hid_t t = sc_h5ad_field_type(ds, field);
	if (t < 0)
		return sc_h5ad_fail_h5(err, h, elem, "cannot read the type");
	*k = sc_h5ad_h5kind(t, dt);
	H5Tclose(t);
	if (*k != H5K_INT && *k != H5K_UINT && *k != H5K_FLOAT && *k != H5K_BOOL)
		return sc_h5ad_fail(err, h, SC_EINVAL, elem, "expected numbers, found %s", dt);
	return 0;
}

int sc_h5ad_read_u8(uint8_t *out, size_t n, hid_t ds, const char *field, const sc_h5ad *h,
		 const char *elem, sc_err *err)
{
	h5k k;
	int rc = check_numeric(&k, ds, field, h, elem, err);
	if (rc)
		return rc;
	if (k == H5K_BOOL) {
		/* Enums convert only to enums: read the native int8 enum. */
		hid_t t = sc_h5ad_field_type(ds, field);
		hid_t nt = H5Tget_native_type(t, H5T_DIR_ASCEND);
		H5Tclose(t);
		rc = read_numbers(out, nt, n, ds, field, h, elem, err);
		H5Tclose(nt);
		for (size_t i = 0; !rc && i < n; i++)
			out[i] = out[i] != 0;
		return rc;
	}
	double *tmp = sc_h5ad_alloc(n, sizeof(double), h, elem, "values", err);
	if (!tmp)
		return err->code;
	rc = read_numbers(tmp, H5T_NATIVE_DOUBLE, n, ds, field, h, elem, err);
	for (size_t i = 0; !rc && i < n; i++)
		out[i] = tmp[i] != 0;
	free(tmp);
	return rc;
}

int sc_h5ad_read_i64(int64_t *out, size_t n, hid_t ds, const char *field, const sc_h5ad *h,
		  const char *elem, sc_err *err)
{
	h5k k;
	int rc = check_numeric(&k, ds, field, h, elem, err);
	if (rc)
		return rc;
	if (k == H5K_BOOL || k == H5K_FLOAT) {
		uint8_t *b = NULL;
		double *d = NULL;
		if (k == H5K_BOOL) {
			b = sc_h5ad_alloc(n, 1, h, elem, "values", err);
			rc = b ? sc_h5ad_read_u8(b, n, ds, field, h, elem, err) : SC_ERR;
		} else {
			d = sc_h5ad_alloc(n, sizeof(double), h, elem, "values", err);
			rc = d ? read_numbers(d, H5T_NATIVE_DOUBLE, n, ds, field, h, elem, err) : SC_ERR;
		}
		for (size_t i = 0; !rc && i < n; i++)
			out[i] = b ? b[i] : (int64_t)d[i];
		free(b);
		free(d);
		return rc;
	}
	return read_numbers(out, H5T_NATIVE_INT64, n, ds, field, h, elem, err);
}

int sc_h5ad_read_f64(double *out, size_t n, hid_t ds, const char *field, const sc_h5ad *h,
		  const char *elem, sc_err *err)
{
	h5k k;
	int rc = check_numeric(&k, ds, field, h, elem, err);
	if (rc)
		return rc;
	if (k == H5K_BOOL) {
		uint8_t *b = sc_h5ad_alloc(n, 1, h, elem, "values", err);
		if (!b)
			return err->code;
		rc = sc_h5ad_read_u8(b, n, ds, field, h, elem, err);
		for (size_t i = 0; !rc && i < n; i++)
			out[i] = b[i];
		free(b);
		return rc;
	}
	return read_numbers(out, H5T_NATIVE_DOUBLE, n, ds, field, h, elem, err);
}

int sc_h5ad_read_slab(void *buf, hid_t memtype, hid_t ds, size_t off, size_t cnt)
{
	if (cnt == 0)
		return 0;
	hid_t fs = H5Dget_space(ds);
	hsize_t o = off, c = cnt;
	hid_t ms = H5Screate_simple(1, &c, NULL);
	herr_t r = H5Sselect_hyperslab(fs, H5S_SELECT_SET, &o, NULL, &c, NULL);
	if (r >= 0)
		r = H5Dread(ds, memtype, ms, fs, H5P_DEFAULT, buf);
	H5Sclose(ms);
	H5Sclose(fs);
	return r < 0 ? -1 : 0;
}

void sc_h5ad_fmt_double(char *buf, size_t n, double v)
{
	if (isnan(v)) {
		snprintf(buf, n, "nan");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, n, v > 0 ? "inf" : "-inf");
		return;
	}
	/* The shortest form that reads back as v, as Python's repr. */
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, n, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (!strpbrk(buf, ".e") && strlen(buf) + 3 <= n)
		strcat(buf, ".0");
}


/* ---- declared sizes ---- */

/* How many times smaller than its raw data a dataset's storage can be, or
 * 0 when a filter (or external storage) gives no bound we know. Deflate's
 * best is 1032:1 (a 258-byte match in two bits); LZF's is lower. */
static double best_ratio(hid_t ds)
{
	hid_t dcpl = H5Dget_create_plist(ds);
	if (dcpl < 0)
		return 0;
	double ratio = 1;
	if (H5Pget_external_count(dcpl) > 0)
		ratio = 0;
	int nf = H5Pget_nfilters(dcpl);
	for (int i = 0; ratio > 0 && i < nf; i++) {
		unsigned fl;
		size_t nc = 0;
		H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &fl, &nc, NULL, 0, NULL, NULL);
		if (id == H5Z_FILTER_DEFLATE || id == 32000 /* lzf */)
			ratio = 1032;
		else if (id != H5Z_FILTER_SHUFFLE && id != H5Z_FILTER_FLETCHER32)
			ratio = 0;
	}
	H5Pclose(dcpl);
	return ratio;
}

int sc_h5ad_check_extent(hid_t ds, uint64_t nelem, const sc_h5ad *h, const char *elem, sc_err *err)
{
	hid_t t = H5Dget_type(ds);
	if (t < 0)
		return sc_h5ad_fail_h5(err, h, elem, "cannot read the type");
	/* On disk a variable-length value is a 16-byte global heap reference. */
	uint64_t esize = H5Tis_variable_str(t) > 0 || H5Tget_class(t) == H5T_VLEN ? 16 : H5Tget_size(t);
	H5Tclose(t);
	double ratio = best_ratio(ds);
	if (!ratio || !esize)
		return 0;
	/* The slack covers a compact dataset's header and rounding. */
	double raw = (double)nelem * (double)esize, room = ratio * (double)h->file_bytes + 65536.0;
	if (raw <= room)
		return 0;
	char want[32], have[32];
	sc_fmt_size(raw >= 1.8e19 ? UINT64_MAX : (uint64_t)raw, want);
	sc_fmt_size(h->file_bytes, have);
	return sc_h5ad_fail(err, h, SC_ECORRUPT, elem,
			    "declares %llu values (%s) that a file of %s cannot hold%s: corrupt or truncated",
			    (unsigned long long)nelem, want, have,
			    ratio > 1 ? " even compressed (at most 1032:1)" : "");
}
