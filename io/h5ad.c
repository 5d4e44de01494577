/*
 * h5ad.c - opening .h5ad files, and what the other h5ad files build on:
 * error messages that name the file and element (with HDF5's innermost
 * complaint, since its own printing is switched off), legacy path mapping
 * (raw.X, compound obsm members), group keys and the uns accessors. The
 * typed readers and attribute helpers are in h5ad_io.c.
 *
 * Opening does little on purpose: it reads the layout generation and the
 * lengths of the obs and var indices, so `sceval inspect` on a 10 GB file
 * returns at once and nothing ever loads X to answer a question about obs.
 */
#include "h5ad_impl.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/limits.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void sc_h5ad_quiet(void)
{
	static int done;
	if (!done) {
		H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
		sc_h5ad_register_lzf();
		done = 1;
	}
}

int sc_h5ad_mem_check(size_t nmemb, size_t size, const sc_h5ad *h, const char *elem,
		      const char *what, sc_err *err)
{
	char detail[96];
	snprintf(detail, sizeof(detail), "%zu %s", nmemb, what);
	sc_err e;
	if (sc_mem_check(nmemb, size, detail, &e))
		return sc_h5ad_fail(err, h, SC_EINVAL, elem, "%s", e.msg);
	return 0;
}

void *sc_h5ad_alloc(size_t nmemb, size_t size, const sc_h5ad *h, const char *elem,
		    const char *what, sc_err *err)
{
	if (sc_h5ad_mem_check(nmemb, size, h, elem, what, err))
		return NULL;
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		sc_h5ad_fail(err, h, SC_ERR, elem, "out of memory for %zu %s", nmemb, what);
	return p;
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

int sc_h5ad_fail(sc_err *err, const sc_h5ad *h, int code, const char *elem, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vfail(err, h, code, elem, NULL, fmt, ap);
	va_end(ap);
	H5Eclear2(H5E_DEFAULT);
	return rc;
}

int sc_h5ad_fail_h5(sc_err *err, const sc_h5ad *h, const char *elem, const char *fmt, ...)
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

int sc_h5ad_exists(hid_t f, const char *path)
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

char *sc_h5ad_resolve(const sc_h5ad *h, const char *path)
{
	while (*path == '/')
		path++;
	if (sc_h5ad_exists(h->f, path))
		return sc_xstrdup(path);
	/* Before 0.7, raw lived at the root as raw.X, raw.var, raw.varm. */
	if (!strncmp(path, "raw/", 4)) {
		char *alt = sc_xasprintf("raw.%s", path + 4);
		if (sc_h5ad_exists(h->f, alt))
			return alt;
		free(alt);
	}
	return NULL;
}

hid_t sc_h5ad_open_obj(sc_h5ad *h, const char *path, sc_err *err)
{
	char *p = sc_h5ad_resolve(h, path);
	if (!p) {
		sc_h5ad_fail(err, h, SC_ENOTFOUND, path, "no such element");
		return -1;
	}
	hid_t o = H5Oopen(h->f, p, H5P_DEFAULT);
	free(p);
	if (o < 0)
		sc_h5ad_fail_h5(err, h, path, "cannot open");
	return o;
}

int sc_h5ad_compound_member(sc_h5ad *h, const char *path, hid_t *ds, char **field)
{
	*ds = -1;
	*field = NULL;
	const char *slash = strrchr(path, '/');
	if (!slash || !slash[1])
		return 0;
	char *parent = sc_xstrndup(path, (size_t)(slash - path));
	char *p = sc_h5ad_resolve(h, parent);
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
	char *p = sc_h5ad_resolve(h, path);
	free(p);
	if (p)
		return 1;
	hid_t ds;
	char *field;
	if (sc_h5ad_compound_member(h, path, &ds, &field)) {
		H5Oclose(ds);
		free(field);
		return 1;
	}
	return 0;
}

/* ---- open and close ---- */

static int detect_layout(sc_h5ad *h, sc_err *err)
{
	char *et = NULL;
	int modern_root = sc_h5ad_attr_str(&et, h->f, "encoding-type") > 0 && !strcmp(et, "anndata");
	free(et);
	h->enc = modern_root ? SC_H5AD_MODERN : SC_H5AD_V07;
	if (sc_h5ad_exists(h->f, "obs")) {
		H5O_info_t oi;
		if (H5Oget_info_by_name(h->f, "obs", &oi, H5P_DEFAULT) < 0)
			return sc_h5ad_fail_h5(err, h, "obs", "cannot open");
		if (oi.type == H5O_TYPE_DATASET) {
			h->enc = SC_H5AD_LEGACY;
		} else if (!modern_root) {
			hid_t g = H5Oopen(h->f, "obs", H5P_DEFAULT);
			char *ev = NULL;
			if (g >= 0 && sc_h5ad_attr_str(&ev, g, "encoding-version") > 0 &&
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
	if (!sc_h5ad_exists(h->f, "X"))
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
		if (sc_h5ad_attr_ints(s, 2, &n, o, "shape") > 0 && n == 2)
			*out = (size_t)s[axis];
		else if (sc_h5ad_attr_ints(s, 2, &n, o, "h5sparse_shape") > 0 && n == 2)
			*out = (size_t)s[axis];
	}
	H5Oclose(o);
	return 0;
}

/* errno values that say the system failed (not that the file is not HDF5):
 * libhdf5 reports them all as "unable to open file", so the reason is
 * taken from errno, set by the open or read that failed inside it (not
 * ENOMEM: a corrupt file makes libhdf5 ask for absurd sizes). */
static int system_failure(int e)
{
	return e == EIO || e == ENOSPC || e == EACCES || e == EPERM || e == EMFILE ||
	       e == ENFILE || e == EROFS || e == EDQUOT;
}

int sc_h5ad_open(sc_h5ad **out, const char *path, sc_err *err)
{
	*out = NULL;
	sc_h5ad_quiet();
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
	h->file_bytes = (uint64_t)st.st_size;
	if (S_ISDIR(st.st_mode)) {
		rc = sc_h5ad_fail(err, h, SC_EINVAL, NULL, "is a directory, not an HDF5 file");
		goto out;
	}
	errno = 0;
	htri_t is = H5Fis_hdf5(path);
	if (is <= 0) {
		H5Eclear2(H5E_DEFAULT);
		if (system_failure(errno))
			rc = sc_h5ad_fail(err, h, SC_EIO, NULL, "cannot read: %s", strerror(errno));
		else
			rc = sc_h5ad_fail(err, h, SC_EINVAL, NULL, "not an HDF5 file");
		goto out;
	}
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
	errno = 0;
	h->f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
	int open_errno = errno;
	H5Pclose(fapl);
	if (h->f < 0 && system_failure(open_errno)) {
		H5Eclear2(H5E_DEFAULT);
		rc = sc_h5ad_fail(err, h, SC_EIO, NULL, "cannot open: %s", strerror(open_errno));
		goto out;
	}
	if (h->f < 0) {
		rc = sc_h5ad_fail_h5(err, h, NULL, "cannot open: truncated or corrupt HDF5 file");
		goto out;
	}
	if ((rc = detect_layout(h, err)))
		goto out;
	if (sc_h5ad_exists(h->f, "obs")) {
		if ((rc = sc_h5ad_frame_len(&h->n_obs, h, "obs", err)))
			goto out;
	} else if (x_dim(&h->n_obs, h, 0) < 0) {
		rc = sc_h5ad_fail_h5(err, h, "X", "cannot open");
		goto out;
	}
	if (sc_h5ad_exists(h->f, "var")) {
		if ((rc = sc_h5ad_frame_len(&h->n_vars, h, "var", err)))
			goto out;
	} else if (x_dim(&h->n_vars, h, 1) < 0) {
		rc = sc_h5ad_fail_h5(err, h, "X", "cannot open");
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
	char *p = sc_h5ad_resolve(h, group);
	if (!p)
		return 0;
	hid_t g = H5Oopen(h->f, p, H5P_DEFAULT);
	free(p);
	if (g < 0)
		return sc_h5ad_fail_h5(err, h, group, "cannot open");
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
			return sc_h5ad_fail(err, h, SC_EINVAL, group, "not a group");
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
		return sc_h5ad_fail_h5(err, h, group, "cannot list members");
	}
	*out = k.v;
	*n = k.n;
	return 0;
}

int sc_h5ad_elem_info(sc_h5ad_elem *out, sc_h5ad *h, const char *path, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	hid_t o = sc_h5ad_open_obj(h, path, err);
	if (o < 0)
		return err ? err->code : SC_ERR;
	char *et = NULL;
	if (sc_h5ad_attr_str(&et, o, "encoding-type") > 0)
		snprintf(out->encoding, sizeof(out->encoding), "%s", et);
	else if (sc_h5ad_exists(o, "h5sparse_format") || H5Aexists(o, "h5sparse_format") > 0)
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
		sc_h5ad_h5kind(t, out->dtype);
		H5Sclose(sp);
		H5Tclose(t);
	}
	H5Oclose(o);
	return 0;
}

static hid_t open_dataset(sc_h5ad *h, const char *path, sc_err *err)
{
	hid_t o = sc_h5ad_open_obj(h, path, err);
	if (o >= 0 && H5Iget_type(o) != H5I_DATASET) {
		H5Oclose(o);
		sc_h5ad_fail(err, h, SC_EINVAL, path, "is a group, not a value");
		return -1;
	}
	return o;
}

static size_t ds_npoints(hid_t ds)
{
	hid_t sp = H5Dget_space(ds);
	hssize_t n = H5Sget_simple_extent_npoints(sp);
	H5Sclose(sp);
	return n > 0 ? (size_t)n : 0;
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
		rc = sc_h5ad_fail(err, h, SC_EINVAL, path, "expected one string, found %zu values", n);
	else
		rc = sc_h5ad_read_strs(&v, 1, ds, NULL, h, path, err);
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
	int rc = n != 1 ? sc_h5ad_fail(err, h, SC_EINVAL, path, "expected one number, found %zu values", n)
			: sc_h5ad_read_f64(out, 1, ds, NULL, h, path, err);
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
	int rc = sc_h5ad_len(&len, ds, h, path, err);
	if (!rc)
		rc = sc_h5ad_read_strs(out, len, ds, NULL, h, path, err);
	if (!rc)
		*n = len;
	H5Dclose(ds);
	return rc;
}
