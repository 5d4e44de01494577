/*
 * h5ad.c - opening .h5ad files and the low-level pieces every other h5ad
 * file builds on: error messages that name the file and element (with
 * HDF5's innermost complaint, since its own printing is switched off),
 * legacy path mapping, datatype classification, attributes in every
 * spelling writers used (variable- or fixed-length strings, scalars or
 * arrays), typed 1-D readers, and the uns accessors.
 *
 * Opening does little on purpose: it reads the layout generation and the
 * lengths of the obs and var indices, so `sceval inspect` on a 10 GB file
 * returns at once and nothing ever loads X to answer a question about obs.
 */
#include "h5ad_impl.h"
#include "util/buf.h"
#include "util/fs.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void h5ad_quiet(void)
{
	static int done;
	if (!done) {
		H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
		h5ad_register_lzf();
		done = 1;
	}
}

void *h5ad_try_alloc(size_t nmemb, size_t size)
{
	if (nmemb && size > SIZE_MAX / nmemb)
		return NULL;
	return calloc(nmemb ? nmemb : 1, size ? size : 1);
}

static herr_t innermost_cb(unsigned n, const H5E_error2_t *e, void *data)
{
	(void)n;
	char *buf = data;
	/* Walking upward, the first entry is the deepest: keep it. */
	if (!buf[0] && e->desc && e->desc[0])
		snprintf(buf, 256, "%s", e->desc);
	return 0;
}

static void h5_detail(char buf[256])
{
	buf[0] = 0;
	H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_cb, buf);
	H5Eclear2(H5E_DEFAULT);
}

static int vfail(sc_err *err, const sc_h5ad *h, int code, const char *elem, const char *detail,
		 const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	const char *base = h ? h->base : "h5ad";
	if (elem && detail && detail[0])
		return sc_errf(err, code, "%s: %s: %s (hdf5: %s)", base, elem, msg, detail);
	if (elem)
		return sc_errf(err, code, "%s: %s: %s", base, elem, msg);
	if (detail && detail[0])
		return sc_errf(err, code, "%s: %s (hdf5: %s)", base, msg, detail);
	return sc_errf(err, code, "%s: %s", base, msg);
}

int h5ad_fail(sc_err *err, const sc_h5ad *h, int code, const char *elem, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vfail(err, h, code, elem, NULL, fmt, ap);
	va_end(ap);
	H5Eclear2(H5E_DEFAULT);
	return rc;
}

int h5ad_fail_h5(sc_err *err, const sc_h5ad *h, const char *elem, const char *fmt, ...)
{
	char detail[256];
	h5_detail(detail);
	va_list ap;
	va_start(ap, fmt);
	int rc = vfail(err, h, SC_ECORRUPT, elem, detail, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- paths ---- */

int h5ad_exists(hid_t f, const char *path)
{
	/* H5Lexists fails on a missing intermediate group: test each prefix. */
	size_t n = strlen(path);
	char *p = sc_xstrdup(path);
	int ok = n > 0;
	for (size_t i = 0; ok && i <= n; i++) {
		if (p[i] != '/' && p[i] != 0)
			continue;
		char c = p[i];
		p[i] = 0;
		if (i > 0 && H5Lexists(f, p, H5P_DEFAULT) <= 0)
			ok = 0;
		p[i] = c;
	}
	free(p);
	H5Eclear2(H5E_DEFAULT);
	return ok;
}

char *h5ad_resolve(const sc_h5ad *h, const char *path)
{
	while (*path == '/')
		path++;
	if (h5ad_exists(h->f, path))
		return sc_xstrdup(path);
	/* Before 0.7, raw lived at the root as raw.X, raw.var, raw.varm. */
	if (!strncmp(path, "raw/", 4)) {
		char *alt = sc_xasprintf("raw.%s", path + 4);
		if (h5ad_exists(h->f, alt))
			return alt;
		free(alt);
	}
	return NULL;
}

hid_t h5ad_open_obj(sc_h5ad *h, const char *path, sc_err *err)
{
	char *p = h5ad_resolve(h, path);
	if (!p) {
		h5ad_fail(err, h, SC_ENOTFOUND, path, "no such element");
		return -1;
	}
	hid_t o = H5Oopen(h->f, p, H5P_DEFAULT);
	free(p);
	if (o < 0)
		h5ad_fail_h5(err, h, path, "cannot open");
	return o;
}

int h5ad_compound_member(sc_h5ad *h, const char *path, hid_t *ds, char **field)
{
	*ds = -1;
	*field = NULL;
	const char *slash = strrchr(path, '/');
	if (!slash || !slash[1])
		return 0;
	char *parent = sc_xstrndup(path, (size_t)(slash - path));
	char *p = h5ad_resolve(h, parent);
	free(parent);
	if (!p)
		return 0;
	hid_t o = H5Oopen(h->f, p, H5P_DEFAULT);
	free(p);
	int found = 0;
	if (o >= 0 && H5Iget_type(o) == H5I_DATASET) {
		hid_t t = H5Dget_type(o);
		if (H5Tget_class(t) == H5T_COMPOUND && H5Tget_member_index(t, slash + 1) >= 0)
			found = 1;
		H5Tclose(t);
	}
	H5Eclear2(H5E_DEFAULT);
	if (!found) {
		if (o >= 0)
			H5Oclose(o);
		return 0;
	}
	*ds = o;
	*field = sc_xstrdup(slash + 1);
	return 1;
}

int sc_h5ad_has(sc_h5ad *h, const char *path)
{
	char *p = h5ad_resolve(h, path);
	free(p);
	if (p)
		return 1;
	hid_t ds;
	char *field;
	if (h5ad_compound_member(h, path, &ds, &field)) {
		H5Oclose(ds);
		free(field);
		return 1;
	}
	return 0;
}

/* ---- types ---- */

h5k h5ad_kind(hid_t t, char dtype[24])
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

int h5ad_attr_strv(char ***out, size_t *n, hid_t o, const char *name)
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

int h5ad_attr_str(char **out, hid_t o, const char *name)
{
	char **v;
	size_t n;
	*out = NULL;
	int rc = h5ad_attr_strv(&v, &n, o, name);
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

int h5ad_attr_ints(int64_t *out, size_t max, size_t *n, hid_t o, const char *name)
{
	*n = 0;
	hid_t a = open_attr(o, name);
	if (a == 0)
		return 0;
	if (a < 0)
		return -1;
	hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
	size_t np = space_npoints(sp);
	h5k k = h5ad_kind(t, NULL);
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

int h5ad_attr_bool(int *out, hid_t o, const char *name)
{
	*out = 0;
	hid_t a = open_attr(o, name);
	if (a == 0)
		return 0;
	if (a < 0)
		return -1;
	hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
	int rc = -1;
	h5k k = h5ad_kind(t, NULL);
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

int h5ad_len(size_t *n, hid_t ds, const sc_h5ad *h, const char *elem, sc_err *err)
{
	hid_t sp = H5Dget_space(ds);
	if (sp < 0)
		return h5ad_fail_h5(err, h, elem, "cannot read the dataspace");
	int nd = H5Sget_simple_extent_ndims(sp);
	hsize_t d[8] = { 0 };
	if (nd == 1)
		H5Sget_simple_extent_dims(sp, d, NULL);
	H5Sclose(sp);
	if (nd != 1)
		return h5ad_fail(err, h, SC_EINVAL, elem, "expected a 1-D array, found %d dimensions",
				 nd);
	*n = (size_t)d[0];
	return 0;
}

hid_t h5ad_field_type(hid_t ds, const char *field)
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

int h5ad_read_strs(char ***out, size_t n, hid_t ds, const char *field, const sc_h5ad *h,
		   const char *elem, sc_err *err)
{
	*out = NULL;
	hid_t t = h5ad_field_type(ds, field);
	if (t < 0)
		return h5ad_fail_h5(err, h, elem, "cannot read the type");
	int rc = 0;
	if (H5Tget_class(t) != H5T_STRING) {
		rc = h5ad_fail(err, h, SC_EINVAL, elem, "expected strings");
		goto out;
	}
	hid_t sp = H5Dget_space(ds);
	if (space_npoints(sp) != n) {
		H5Sclose(sp);
		rc = h5ad_fail(err, h, SC_ECORRUPT, elem, "expected %zu strings", n);
		goto out;
	}
	char **v = sc_xcalloc(n ? n : 1, sizeof(char *));
	dsread r = { ds, field };
	/* A compound member is read through a one-member compound memory type
	 * at offset 0, so the buffer is a plain array of strings either way and
	 * read_strings may reclaim it with the bare string type. */
	if (read_strings(v, n, &r, t, ds_reader, sp) < 0) {
		free(v);
		rc = h5ad_fail_h5(err, h, elem, "cannot read strings");
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
		return h5ad_fail(err, h, SC_ECORRUPT, elem, "expected %zu values, found %zu", n, np);
	hid_t c = field_memtype(memtype, field);
	herr_t r = n ? H5Dread(ds, c, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) : 0;
	H5Tclose(c);
	if (r < 0)
		return h5ad_fail_h5(err, h, elem, "cannot read values");
	return 0;
}

static int check_numeric(h5k *k, hid_t ds, const char *field, const sc_h5ad *h, const char *elem,
			 sc_err *err)
{
	char dt[24];
	hid_t t = h5ad_field_type(ds, field);
	if (t < 0)
		return h5ad_fail_h5(err, h, elem, "cannot read the type");
	*k = h5ad_kind(t, dt);
	H5Tclose(t);
	if (*k != H5K_INT && *k != H5K_UINT && *k != H5K_FLOAT && *k != H5K_BOOL)
		return h5ad_fail(err, h, SC_EINVAL, elem, "expected numbers, found %s", dt);
	return 0;
}

int h5ad_read_u8(uint8_t *out, size_t n, hid_t ds, const char *field, const sc_h5ad *h,
		 const char *elem, sc_err *err)
{
	h5k k;
	int rc = check_numeric(&k, ds, field, h, elem, err);
	if (rc)
		return rc;
	if (k == H5K_BOOL) {
		/* Enums convert only to enums: read the native int8 enum. */
		hid_t t = h5ad_field_type(ds, field);
		hid_t nt = H5Tget_native_type(t, H5T_DIR_ASCEND);
		H5Tclose(t);
		rc = read_numbers(out, nt, n, ds, field, h, elem, err);
		H5Tclose(nt);
		for (size_t i = 0; !rc && i < n; i++)
			out[i] = out[i] != 0;
		return rc;
	}
	double *tmp = h5ad_try_alloc(n, sizeof(double));
	if (!tmp)
		return h5ad_fail(err, h, SC_ERR, elem, "out of memory for %zu values", n);
	rc = read_numbers(tmp, H5T_NATIVE_DOUBLE, n, ds, field, h, elem, err);
	for (size_t i = 0; !rc && i < n; i++)
		out[i] = tmp[i] != 0;
	free(tmp);
	return rc;
}

int h5ad_read_i64(int64_t *out, size_t n, hid_t ds, const char *field, const sc_h5ad *h,
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
			b = h5ad_try_alloc(n, 1);
			rc = b ? h5ad_read_u8(b, n, ds, field, h, elem, err) : SC_ERR;
		} else {
			d = h5ad_try_alloc(n, sizeof(double));
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

int h5ad_read_f64(double *out, size_t n, hid_t ds, const char *field, const sc_h5ad *h,
		  const char *elem, sc_err *err)
{
	h5k k;
	int rc = check_numeric(&k, ds, field, h, elem, err);
	if (rc)
		return rc;
	if (k == H5K_BOOL) {
		uint8_t *b = h5ad_try_alloc(n, 1);
		if (!b)
			return h5ad_fail(err, h, SC_ERR, elem, "out of memory for %zu values", n);
		rc = h5ad_read_u8(b, n, ds, field, h, elem, err);
		for (size_t i = 0; !rc && i < n; i++)
			out[i] = b[i];
		free(b);
		return rc;
	}
	return read_numbers(out, H5T_NATIVE_DOUBLE, n, ds, field, h, elem, err);
}

int h5ad_read_slab(void *buf, hid_t memtype, hid_t ds, size_t off, size_t cnt)
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

void h5ad_fmt_double(char *buf, size_t n, double v)
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

/* ---- open and close ---- */

static int detect_layout(sc_h5ad *h, sc_err *err)
{
	char *et = NULL;
	int modern_root = h5ad_attr_str(&et, h->f, "encoding-type") > 0 && !strcmp(et, "anndata");
	free(et);
	h->enc = modern_root ? SC_H5AD_MODERN : SC_H5AD_V07;
	if (h5ad_exists(h->f, "obs")) {
		H5O_info_t oi;
		if (H5Oget_info_by_name(h->f, "obs", &oi, H5P_DEFAULT) < 0)
			return h5ad_fail_h5(err, h, "obs", "cannot open");
		if (oi.type == H5O_TYPE_DATASET) {
			h->enc = SC_H5AD_LEGACY;
		} else if (!modern_root) {
			hid_t g = H5Oopen(h->f, "obs", H5P_DEFAULT);
			char *ev = NULL;
			if (g >= 0 && h5ad_attr_str(&ev, g, "encoding-version") > 0 &&
			    strcmp(ev, "0.1.0") != 0)
				h->enc = SC_H5AD_MODERN;
			free(ev);
			if (g >= 0)
				H5Oclose(g);
		}
	}
	return 0;
}

/* An axis length from X when a frame is missing. */
static int x_dim(size_t *out, sc_h5ad *h, int axis)
{
	*out = 0;
	if (!h5ad_exists(h->f, "X"))
		return 0;
	/* matrix_info checks against the axes, which are unknown yet: peek raw. */
	hid_t o = H5Oopen(h->f, "X", H5P_DEFAULT);
	if (o < 0)
		return -1;
	H5I_type_t it = H5Iget_type(o);
	if (it == H5I_DATASET) {
		hid_t sp = H5Dget_space(o);
		hsize_t d[2] = { 0, 0 };
		if (H5Sget_simple_extent_ndims(sp) == 2)
			H5Sget_simple_extent_dims(sp, d, NULL);
		*out = (size_t)d[axis];
		H5Sclose(sp);
	} else {
		int64_t s[2];
		size_t n;
		if (h5ad_attr_ints(s, 2, &n, o, "shape") > 0 && n == 2)
			*out = (size_t)s[axis];
		else if (h5ad_attr_ints(s, 2, &n, o, "h5sparse_shape") > 0 && n == 2)
			*out = (size_t)s[axis];
	}
	H5Oclose(o);
	return 0;
}

int sc_h5ad_open(sc_h5ad **out, const char *path, sc_err *err)
{
	*out = NULL;
	h5ad_quiet();
	sc_h5ad *h = sc_xcalloc(1, sizeof(*h));
	h->path = sc_xstrdup(path);
	h->base = sc_path_basename(h->path);
	h->f = -1;
	int rc = 0;
	struct stat st;
	if (stat(path, &st) != 0) {
		rc = sc_errsys(err, errno, "cannot open '%s'", path);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = h5ad_fail(err, h, SC_EINVAL, NULL, "is a directory, not an HDF5 file");
		goto out;
	}
	htri_t is = H5Fis_hdf5(path);
	if (is <= 0) {
		H5Eclear2(H5E_DEFAULT);
		rc = h5ad_fail(err, h, SC_EINVAL, NULL, "not an HDF5 file");
		goto out;
	}
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
	h->f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
	H5Pclose(fapl);
	if (h->f < 0) {
		rc = h5ad_fail_h5(err, h, NULL, "cannot open: truncated or corrupt HDF5 file");
		goto out;
	}
	if ((rc = detect_layout(h, err)))
		goto out;
	if (h5ad_exists(h->f, "obs")) {
		if ((rc = h5ad_frame_len(&h->n_obs, h, "obs", err)))
			goto out;
	} else if (x_dim(&h->n_obs, h, 0) < 0) {
		rc = h5ad_fail_h5(err, h, "X", "cannot open");
		goto out;
	}
	if (h5ad_exists(h->f, "var")) {
		if ((rc = h5ad_frame_len(&h->n_vars, h, "var", err)))
			goto out;
	} else if (x_dim(&h->n_vars, h, 1) < 0) {
		rc = h5ad_fail_h5(err, h, "X", "cannot open");
		goto out;
	}
out:
	if (rc) {
		sc_h5ad_close(h);
		return rc;
	}
	*out = h;
	return 0;
}

void sc_h5ad_close(sc_h5ad *h)
{
	if (!h)
		return;
	if (h->f >= 0)
		H5Fclose(h->f);
	H5Eclear2(H5E_DEFAULT);
	free(h->path);
	free(h);
}

const char *sc_h5ad_path(const sc_h5ad *h)
{
	return h->path;
}

sc_h5ad_encoding sc_h5ad_encoding_of(const sc_h5ad *h)
{
	return h->enc;
}

const char *sc_h5ad_encoding_name(sc_h5ad_encoding e)
{
	switch (e) {
	case SC_H5AD_MODERN:
		return "modern";
	case SC_H5AD_V07:
		return "0.7";
	default:
		return "legacy";
	}
}

void sc_h5ad_shape(const sc_h5ad *h, size_t *n_obs, size_t *n_vars)
{
	if (n_obs)
		*n_obs = h->n_obs;
	if (n_vars)
		*n_vars = h->n_vars;
}

void sc_h5ad_strings_free(char **s, size_t n)
{
	if (!s)
		return;
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

/* ---- groups and uns ---- */

typedef struct keylist {
	char **v;
	size_t n, cap;
} keylist;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static herr_t key_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
	(void)g;
	(void)info;
	keylist *k = data;
	if (k->n == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 16;
		k->v = sc_xrealloc(k->v, k->cap * sizeof(char *));
	}
	k->v[k->n++] = sc_xstrdup(name);
	return 0;
}

int sc_h5ad_keys(char ***out, size_t *n, sc_h5ad *h, const char *group, sc_err *err)
{
	*out = NULL;
	*n = 0;
	char *p = h5ad_resolve(h, group);
	if (!p)
		return 0;
	hid_t g = H5Oopen(h->f, p, H5P_DEFAULT);
	free(p);
	if (g < 0)
		return h5ad_fail_h5(err, h, group, "cannot open");
	keylist k = { NULL, 0, 0 };
	if (H5Iget_type(g) != H5I_GROUP) {
		/* Before 0.7, obsm/varm: a compound dataset, one field per key. */
		hid_t t = H5Dget_type(g);
		int nm = H5Tget_class(t) == H5T_COMPOUND ? H5Tget_nmembers(t) : -1;
		for (int i = 0; i < nm; i++) {
			char *m = H5Tget_member_name(t, (unsigned)i);
			key_cb(g, m ? m : "", NULL, &k);
			H5free_memory(m);
		}
		H5Tclose(t);
		H5Oclose(g);
		if (nm < 0)
			return h5ad_fail(err, h, SC_EINVAL, group, "not a group");
		qsort(k.v, k.n, sizeof(char *), cmp_str);
		*out = k.v;
		*n = k.n;
		return 0;
	}
	hsize_t idx = 0;
	herr_t r = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, key_cb, &k);
	H5Oclose(g);
	if (r < 0) {
		sc_h5ad_strings_free(k.v, k.n);
		return h5ad_fail_h5(err, h, group, "cannot list members");
	}
	*out = k.v;
	*n = k.n;
	return 0;
}

int sc_h5ad_elem_info(sc_h5ad_elem *out, sc_h5ad *h, const char *path, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	hid_t o = h5ad_open_obj(h, path, err);
	if (o < 0)
		return err ? err->code : SC_ERR;
	char *et = NULL;
	if (h5ad_attr_str(&et, o, "encoding-type") > 0)
		snprintf(out->encoding, sizeof(out->encoding), "%s", et);
	else if (h5ad_exists(o, "h5sparse_format") || H5Aexists(o, "h5sparse_format") > 0)
		snprintf(out->encoding, sizeof(out->encoding), "h5sparse");
	free(et);
	H5Eclear2(H5E_DEFAULT);
	if (H5Iget_type(o) == H5I_GROUP) {
		out->kind = SC_H5AD_KIND_GROUP;
	} else {
		out->kind = SC_H5AD_KIND_DATASET;
		hid_t sp = H5Dget_space(o), t = H5Dget_type(o);
		hsize_t d[8] = { 0 };
		int nd = H5Sget_simple_extent_ndims(sp);
		if (nd > 0 && nd <= 8)
			H5Sget_simple_extent_dims(sp, d, NULL);
		out->ndim = nd < 0 ? 0 : nd;
		out->shape[0] = nd > 0 ? (size_t)d[0] : 0;
		out->shape[1] = nd > 1 ? (size_t)d[1] : 0;
		h5ad_kind(t, out->dtype);
		H5Sclose(sp);
		H5Tclose(t);
	}
	H5Oclose(o);
	return 0;
}

static hid_t open_dataset(sc_h5ad *h, const char *path, sc_err *err)
{
	hid_t o = h5ad_open_obj(h, path, err);
	if (o >= 0 && H5Iget_type(o) != H5I_DATASET) {
		H5Oclose(o);
		h5ad_fail(err, h, SC_EINVAL, path, "is a group, not a value");
		return -1;
	}
	return o;
}

static size_t ds_npoints(hid_t ds)
{
	hid_t sp = H5Dget_space(ds);
	size_t n = space_npoints(sp);
	H5Sclose(sp);
	return n;
}

int sc_h5ad_read_string(char **out, sc_h5ad *h, const char *path, sc_err *err)
{
	*out = NULL;
	hid_t ds = open_dataset(h, path, err);
	if (ds < 0)
		return err ? err->code : SC_ERR;
	char **v = NULL;
	int rc = 0;
	size_t n = ds_npoints(ds);
	if (n != 1)
		rc = h5ad_fail(err, h, SC_EINVAL, path, "expected one string, found %zu values", n);
	else
		rc = h5ad_read_strs(&v, 1, ds, NULL, h, path, err);
	H5Dclose(ds);
	if (!rc) {
		*out = v[0];
		free(v);
	}
	return rc;
}

int sc_h5ad_read_scalar(double *out, sc_h5ad *h, const char *path, sc_err *err)
{
	*out = NAN;
	hid_t ds = open_dataset(h, path, err);
	if (ds < 0)
		return err ? err->code : SC_ERR;
	size_t n = ds_npoints(ds);
	int rc = n != 1 ? h5ad_fail(err, h, SC_EINVAL, path, "expected one number, found %zu values", n)
			: h5ad_read_f64(out, 1, ds, NULL, h, path, err);
	H5Dclose(ds);
	return rc;
}

int sc_h5ad_read_strings(char ***out, size_t *n, sc_h5ad *h, const char *path, sc_err *err)
{
	*out = NULL;
	*n = 0;
	hid_t ds = open_dataset(h, path, err);
	if (ds < 0)
		return err ? err->code : SC_ERR;
	size_t len;
	int rc = h5ad_len(&len, ds, h, path, err);
	if (!rc)
		rc = h5ad_read_strs(out, len, ds, NULL, h, path, err);
	if (!rc)
		*n = len;
	H5Dclose(ds);
	return rc;
}
