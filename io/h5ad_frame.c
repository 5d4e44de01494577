/*
 * h5ad_frame.c - the obs and var data frames in each layout anndata wrote:
 *   current (0.2.0): a group with _index and column-order attributes,
 *     categorical/nullable columns as groups with encoding attributes;
 *   0.7 (0.1.0): the same group, but a categorical column is a codes dataset
 *     whose `categories` attribute is an object reference to
 *     __categories/<col>;
 *   before 0.7: one compound dataset whose fields are the columns (the
 *     `index` field, or the first, is the index) and categorical levels in
 *     uns/<col>_categories (anndata's _clean_uns rule: integer codes all
 *     below the number of levels).
 * Columns are classified without reading their values, so listing the
 * columns of a million-cell obs costs a few attribute reads; values are read
 * one column at a time, on request.
 */
#include "h5ad_impl.h"
#include "util/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct frame {
	sc_h5ad *h;
	const char *df; /* as the caller named it, for messages */
	hid_t obj;      /* group, or compound dataset */
	int compound;
	char *index;    /* index member (group) or field (compound) */
	char **cols;
	size_t ncols, n;
} frame;

static void frame_close(frame *fr)
{
	if (fr->obj >= 0)
		H5Oclose(fr->obj);
	free(fr->index);
	sc_h5ad_strings_free(fr->cols, fr->ncols);
	memset(fr, 0, sizeof(*fr));
	fr->obj = -1;
}

static int frame_open_compound(frame *fr, sc_err *err)
{
	sc_h5ad *h = fr->h;
	hid_t t = H5Dget_type(fr->obj);
	int rc = 0;
	if (H5Tget_class(t) != H5T_COMPOUND) {
		rc = sc_h5ad_fail(err, h, SC_EINVAL, fr->df, "a data frame must be a group or a compound dataset");
		goto out;
	}
	if ((rc = sc_h5ad_len(&fr->n, fr->obj, h, fr->df, err)))
		goto out;
	int nm = H5Tget_nmembers(t);
	if (nm < 1) {
		rc = sc_h5ad_fail(err, h, SC_ECORRUPT, fr->df, "compound data frame without fields");
		goto out;
	}
	char **names = sc_xcalloc((size_t)nm, sizeof(char *));
	int idx = 0;
	for (int i = 0; i < nm; i++) {
		char *m = H5Tget_member_name(t, (unsigned)i);
		names[i] = sc_xstrdup(m ? m : "");
		H5free_memory(m);
		if (!strcmp(names[i], "index"))
			idx = i;
	}
	fr->index = names[idx];
	fr->cols = sc_xcalloc((size_t)nm, sizeof(char *));
	for (int i = 0; i < nm; i++)
		if (i != idx)
			fr->cols[fr->ncols++] = names[i];
	free(names);
out:
	H5Tclose(t);
	return rc;
}

static int frame_open(frame *fr, sc_h5ad *h, const char *df, sc_err *err)
{
	memset(fr, 0, sizeof(*fr));
	fr->h = h;
	fr->df = df;
	fr->obj = sc_h5ad_open_obj(h, df, err);
	if (fr->obj < 0)
		return err ? err->code : SC_ERR;
	if (H5Iget_type(fr->obj) == H5I_DATASET) {
		fr->compound = 1;
		int rc = frame_open_compound(fr, err);
		if (rc)
			frame_close(fr);
		return rc;
	}
	int rc = sc_h5ad_attr_str(&fr->index, fr->obj, "_index");
	if (rc < 0) {
		frame_close(fr);
		return sc_h5ad_fail(err, h, SC_ECORRUPT, df, "the _index attribute is not a string");
	}
	if (rc == 0)
		fr->index = sc_xstrdup(sc_h5ad_exists(fr->obj, "_index") ? "_index" : "index");
	if (!sc_h5ad_exists(fr->obj, fr->index)) {
		rc = sc_h5ad_fail(err, h, SC_ECORRUPT, df, "index '%s' is missing", fr->index);
		frame_close(fr);
		return rc;
	}
	hid_t ix = H5Dopen2(fr->obj, fr->index, H5P_DEFAULT);
	char elem[512];
	snprintf(elem, sizeof(elem), "%s/%s", df, fr->index);
	if (ix < 0) {
		rc = sc_h5ad_fail_h5(err, h, elem, "cannot open the index");
		frame_close(fr);
		return rc;
	}
	rc = sc_h5ad_len(&fr->n, ix, h, elem, err);
	H5Dclose(ix);
	if (rc) {
		frame_close(fr);
		return rc;
	}
	rc = sc_h5ad_attr_strv(&fr->cols, &fr->ncols, fr->obj, "column-order");
	if (rc < 0) {
		frame_close(fr);
		return sc_h5ad_fail(err, h, SC_ECORRUPT, df, "column-order is not a list of strings");
	}
	if (rc == 0) {
		/* No column-order: every member but the index and __categories. */
		char **k;
		size_t nk;
		if ((rc = sc_h5ad_keys(&k, &nk, h, df, err))) {
			frame_close(fr);
			return rc;
		}
		fr->cols = sc_xcalloc(nk ? nk : 1, sizeof(char *));
		for (size_t i = 0; i < nk; i++) {
			if (strcmp(k[i], fr->index) && strcmp(k[i], "__categories"))
				fr->cols[fr->ncols++] = k[i];
			else
				free(k[i]);
		}
		free(k);
	}
	return 0;
}

int sc_h5ad_frame_len(size_t *out, sc_h5ad *h, const char *df, sc_err *err)
{
	frame fr;
	int rc = frame_open(&fr, h, df, err);
	if (!rc)
		*out = fr.n;
	frame_close(&fr);
	return rc;
}

static int no_such_column(const frame *fr, const char *elem, sc_err *err)
{
	sc_buf b = SC_BUF_INIT;
	for (size_t i = 0; i < fr->ncols && i < 20; i++)
		sc_buf_printf(&b, "%s%s", i ? ", " : "", fr->cols[i]);
	if (fr->ncols > 20)
		sc_buf_puts(&b, ", ...");
	int rc = sc_h5ad_fail(err, fr->h, SC_ENOTFOUND, elem, "no such column; have: %s",
			   fr->ncols ? b.s : "(no columns)");
	sc_buf_free(&b);
	return rc;
}

/* Strings from a string or numeric dataset (numbers formatted as pandas). */
static int read_as_strings(char ***out, size_t n, hid_t ds, const char *field, const sc_h5ad *h,
			   const char *elem, sc_err *err)
{
	char dt[24];
	hid_t t = sc_h5ad_field_type(ds, field);
	if (t < 0)
		return sc_h5ad_fail_h5(err, h, elem, "cannot read the type");
	h5k k = sc_h5ad_h5kind(t, dt);
	H5Tclose(t);
	if (k == H5K_STR)
		return sc_h5ad_read_strs(out, n, ds, field, h, elem, err);
	*out = NULL;
	char **v = sc_h5ad_alloc(n, sizeof(char *), h, elem, "values", err);
	if (!v)
		return err->code;
	int rc = 0;
	char buf[64];
	if (k == H5K_INT || k == H5K_UINT || k == H5K_BOOL) {
		int64_t *x = sc_h5ad_alloc(n, sizeof(int64_t), h, elem, "values", err);
		rc = x ? sc_h5ad_read_i64(x, n, ds, field, h, elem, err) : SC_ERR;
		for (size_t i = 0; !rc && i < n; i++) {
			if (k == H5K_BOOL)
				v[i] = sc_xstrdup(x[i] ? "True" : "False");
			else
				v[i] = sc_xasprintf("%lld", (long long)x[i]);
		}
		free(x);
	} else if (k == H5K_FLOAT) {
		double *x = sc_h5ad_alloc(n, sizeof(double), h, elem, "values", err);
		rc = x ? sc_h5ad_read_f64(x, n, ds, field, h, elem, err) : SC_ERR;
		for (size_t i = 0; !rc && i < n; i++) {
			sc_h5ad_fmt_double(buf, sizeof(buf), x[i]);
			v[i] = sc_xstrdup(buf);
		}
		free(x);
	} else {
		rc = sc_h5ad_fail(err, h, SC_EINVAL, elem, "expected strings or numbers, found %s", dt);
	}
	if (rc) {
		sc_h5ad_strings_free(v, n);
		return rc ? rc : SC_ERR;
	}
	*out = v;
	return 0;
}

static int ds_len_any(size_t *n, hid_t ds)
{
	hid_t sp = H5Dget_space(ds);
	hssize_t np = H5Sget_simple_extent_npoints(sp);
	H5Sclose(sp);
	*n = np > 0 ? (size_t)np : 0;
	return np >= 0 ? 0 : -1;
}

/* Codes (any integer type) checked against [-1, ncat), as int32. */
static int read_codes(sc_h5ad_column *c, hid_t ds, const char *field, const sc_h5ad *h,
		      const char *elem, sc_err *err)
{
	int64_t *x = sc_h5ad_alloc(c->n, sizeof(int64_t), h, elem, "codes", err);
	if (!x)
		return err->code;
	int rc = sc_h5ad_read_i64(x, c->n, ds, field, h, elem, err);
	c->codes = sc_xmalloc(sc_mulsz(c->n ? c->n : 1, sizeof(int32_t)));
	for (size_t i = 0; !rc && i < c->n; i++) {
		if (x[i] < -1 || x[i] >= (int64_t)c->ncat)
			rc = sc_h5ad_fail(err, h, SC_ECORRUPT, elem,
				       "code %lld at row %zu is outside [-1, %zu)", (long long)x[i], i,
				       c->ncat);
		else
			c->codes[i] = (int32_t)x[i];
	}
	free(x);
	return rc;
}

static int load_categories(sc_h5ad_column *c, hid_t cds, int values, const sc_h5ad *h,
			   const char *elem, sc_err *err)
{
	if (ds_len_any(&c->ncat, cds) < 0)
		return sc_h5ad_fail_h5(err, h, elem, "cannot read the categories");
	if (!values)
		return 0;
	return read_as_strings(&c->categories, c->ncat, cds, NULL, h, elem, err);
}

/* A typed 1-D dataset (or compound field) into the column. */
static int load_plain(sc_h5ad_column *c, hid_t ds, const char *field, int values,
		      const sc_h5ad *h, const char *elem, sc_err *err)
{
	hid_t t = sc_h5ad_field_type(ds, field);
	if (t < 0)
		return sc_h5ad_fail_h5(err, h, elem, "cannot read the type");
	h5k k = sc_h5ad_h5kind(t, c->dtype);
	H5Tclose(t);
	if (!field) {
		hid_t sp = H5Dget_space(ds);
		int nd = H5Sget_simple_extent_ndims(sp);
		H5Sclose(sp);
		if (nd != 1) {
			c->type = SC_H5AD_COL_OTHER;
			return 0;
		}
		size_t len;
		ds_len_any(&len, ds);
		if (len != c->n)
			return sc_h5ad_fail(err, h, SC_ECORRUPT, elem, "has %zu values for %zu rows", len,
					 c->n);
	}
	switch (k) {
	case H5K_INT:
	case H5K_UINT:
		c->type = SC_H5AD_COL_INT;
		break;
	case H5K_FLOAT:
		c->type = SC_H5AD_COL_FLOAT;
		break;
	case H5K_BOOL:
		c->type = SC_H5AD_COL_BOOL;
		break;
	case H5K_STR:
		c->type = SC_H5AD_COL_STRING;
		break;
	default:
		c->type = SC_H5AD_COL_OTHER;
		return 0;
	}
	if (!values)
		return 0;
	size_t n = c->n;
	switch (c->type) {
	case SC_H5AD_COL_INT:
		c->i = sc_h5ad_alloc(n, sizeof(int64_t), h, elem, "values", err);
		return c->i ? sc_h5ad_read_i64(c->i, n, ds, field, h, elem, err) : SC_ERR;
	case SC_H5AD_COL_FLOAT:
		c->f = sc_h5ad_alloc(n, sizeof(double), h, elem, "values", err);
		return c->f ? sc_h5ad_read_f64(c->f, n, ds, field, h, elem, err) : SC_ERR;
	case SC_H5AD_COL_BOOL:
		c->b = sc_h5ad_alloc(n, 1, h, elem, "values", err);
		return c->b ? sc_h5ad_read_u8(c->b, n, ds, field, h, elem, err) : SC_ERR;
	default:
		return sc_h5ad_read_strs(&c->s, n, ds, field, h, elem, err);
	}
}

/* Legacy levels in uns/<col>_categories, applied as anndata's _clean_uns
 * does: to an integer column whose codes are all below the level count. */
static int legacy_uns_cats(sc_h5ad_column *c, hid_t ds, const char *field, const char *col,
			   int values, sc_h5ad *h, const char *elem, sc_err *err)
{
	char *key = sc_xasprintf("uns/%s_categories", col);
	int rc = 0;
	if (!sc_h5ad_exists(h->f, key))
		goto out;
	hid_t cds = H5Dopen2(h->f, key, H5P_DEFAULT);
	if (cds < 0) {
		H5Eclear2(H5E_DEFAULT);
		goto out;
	}
	size_t ncat;
	ds_len_any(&ncat, cds);
	int64_t *x = sc_h5ad_alloc(c->n, sizeof(int64_t), h, elem, "codes", err);
	rc = x ? sc_h5ad_read_i64(x, c->n, ds, field, h, elem, err) : SC_ERR;
	int fits = !rc;
	for (size_t i = 0; fits && i < c->n; i++)
		fits = x[i] < (int64_t)ncat;
	free(x);
	if (fits) {
		sc_h5ad_column cat;
		memset(&cat, 0, sizeof(cat));
		cat.type = SC_H5AD_COL_CATEGORICAL;
		cat.n = c->n;
		snprintf(cat.dtype, sizeof(cat.dtype), "%s", c->dtype);
		rc = load_categories(&cat, cds, values, h, key, err);
		if (!rc && values)
			rc = read_codes(&cat, ds, field, h, elem, err);
		sc_h5ad_column_free(c);
		*c = cat;
	}
	H5Dclose(cds);
out:
	free(key);
	return rc;
}

static int load_group_column(sc_h5ad_column *c, hid_t g, int values, const sc_h5ad *h,
			     const char *elem, sc_err *err)
{
	char *et = NULL;
	sc_h5ad_attr_str(&et, g, "encoding-type");
	int rc = 0;
	hid_t a = -1, b = -1;
	char sub[640];
	if (et && !strcmp(et, "categorical")) {
		c->type = SC_H5AD_COL_CATEGORICAL;
		snprintf(sub, sizeof(sub), "%s/codes", elem);
		if (!sc_h5ad_exists(g, "codes") || !sc_h5ad_exists(g, "categories")) {
			rc = sc_h5ad_fail(err, h, SC_ECORRUPT, elem, "categorical without codes or categories");
			goto out;
		}
		a = H5Dopen2(g, "codes", H5P_DEFAULT);
		b = H5Dopen2(g, "categories", H5P_DEFAULT);
		if (a < 0 || b < 0) {
			rc = sc_h5ad_fail_h5(err, h, elem, "cannot open codes or categories");
			goto out;
		}
		hid_t t = H5Dget_type(a);
		h5k k = sc_h5ad_h5kind(t, c->dtype);
		H5Tclose(t);
		size_t len = 0;
		ds_len_any(&len, a);
		if (k != H5K_INT && k != H5K_UINT) {
			rc = sc_h5ad_fail(err, h, SC_ECORRUPT, sub, "codes must be integers, found %s",
				       c->dtype);
			goto out;
		}
		if (len != c->n) {
			rc = sc_h5ad_fail(err, h, SC_ECORRUPT, sub, "has %zu codes for %zu rows", len, c->n);
			goto out;
		}
		sc_h5ad_attr_bool(&c->ordered, g, "ordered");
		snprintf(sub, sizeof(sub), "%s/categories", elem);
		if ((rc = load_categories(c, b, values, h, sub, err)))
			goto out;
		snprintf(sub, sizeof(sub), "%s/codes", elem);
		if (values)
			rc = read_codes(c, a, NULL, h, sub, err);
	} else if (et && (!strcmp(et, "nullable-integer") || !strcmp(et, "nullable-boolean") ||
			  !strcmp(et, "nullable-string-array"))) {
		if (!sc_h5ad_exists(g, "values") || !sc_h5ad_exists(g, "mask")) {
			rc = sc_h5ad_fail(err, h, SC_ECORRUPT, elem, "%s without values or mask", et);
			goto out;
		}
		a = H5Dopen2(g, "values", H5P_DEFAULT);
		b = H5Dopen2(g, "mask", H5P_DEFAULT);
		if (a < 0 || b < 0) {
			rc = sc_h5ad_fail_h5(err, h, elem, "cannot open values or mask");
			goto out;
		}
		snprintf(sub, sizeof(sub), "%s/values", elem);
		if ((rc = load_plain(c, a, NULL, values, h, sub, err)))
			goto out;
		sc_h5ad_coltype want = et[9] == 'i' ? SC_H5AD_COL_INT
				       : et[9] == 'b' ? SC_H5AD_COL_BOOL
						      : SC_H5AD_COL_STRING;
		if (c->type != want) {
			rc = sc_h5ad_fail(err, h, SC_ECORRUPT, sub, "values of type %s in a %s", c->dtype, et);
			goto out;
		}
		c->type = want == SC_H5AD_COL_INT	 ? SC_H5AD_COL_NULLABLE_INT
			  : want == SC_H5AD_COL_BOOL ? SC_H5AD_COL_NULLABLE_BOOL
						     : SC_H5AD_COL_NULLABLE_STRING;
		snprintf(sub, sizeof(sub), "%s/mask", elem);
		size_t len = 0;
		ds_len_any(&len, b);
		if (len != c->n) {
			rc = sc_h5ad_fail(err, h, SC_ECORRUPT, sub, "has %zu values for %zu rows", len, c->n);
			goto out;
		}
		if (values) {
			c->mask = sc_h5ad_alloc(c->n, 1, h, sub, "mask values", err);
			rc = c->mask ? sc_h5ad_read_u8(c->mask, c->n, b, NULL, h, sub, err) : SC_ERR;
			for (size_t i = 0; !rc && c->s && i < c->n; i++)
				if (c->mask[i])
					c->s[i][0] = 0;
		}
	} else {
		c->type = SC_H5AD_COL_OTHER;
		snprintf(c->dtype, sizeof(c->dtype), "%s", et ? et : "group");
	}
out:
	if (a >= 0)
		H5Dclose(a);
	if (b >= 0)
		H5Dclose(b);
	free(et);
	return rc;
}

/* Classify column col of fr, reading its values when asked. */
static int col_load(sc_h5ad_column *c, frame *fr, const char *col, int values, sc_err *err)
{
	sc_h5ad *h = fr->h;
	memset(c, 0, sizeof(*c));
	c->n = fr->n;
	char elem[600];
	snprintf(elem, sizeof(elem), "%s/%s", fr->df, col);
	int listed = 0;
	for (size_t i = 0; i < fr->ncols && !listed; i++)
		listed = !strcmp(fr->cols[i], col);
	if (!listed)
		return no_such_column(fr, elem, err);
	if (fr->compound) {
		int rc = load_plain(c, fr->obj, col, values, h, elem, err);
		if (!rc && c->type == SC_H5AD_COL_INT)
			rc = legacy_uns_cats(c, fr->obj, col, col, values, h, elem, err);
		return rc;
	}
	if (!sc_h5ad_exists(fr->obj, col))
		return sc_h5ad_fail(err, h, SC_ECORRUPT, elem, "listed in column-order but missing");
	hid_t o = H5Oopen(fr->obj, col, H5P_DEFAULT);
	if (o < 0)
		return sc_h5ad_fail_h5(err, h, elem, "cannot open");
	int rc = 0;
	if (H5Iget_type(o) == H5I_GROUP) {
		rc = load_group_column(c, o, values, h, elem, err);
		goto out;
	}
	if (H5Aexists(o, "categories") > 0) {
		/* anndata 0.7: codes here, levels behind an object reference. */
		hid_t a = H5Aopen(o, "categories", H5P_DEFAULT);
		hid_t at = H5Aget_type(a);
		hobj_ref_t ref;
		hid_t cds = -1;
		if (H5Tget_class(at) == H5T_REFERENCE && H5Aread(a, H5T_STD_REF_OBJ, &ref) >= 0)
			cds = H5Rdereference2(o, H5P_DEFAULT, H5R_OBJECT, &ref);
		H5Tclose(at);
		H5Aclose(a);
		if (cds < 0) {
			rc = sc_h5ad_fail_h5(err, h, elem, "cannot follow the categories reference");
			goto out;
		}
		hid_t t = H5Dget_type(o);
		h5k k = sc_h5ad_h5kind(t, c->dtype);
		H5Tclose(t);
		size_t len = 0;
		ds_len_any(&len, o);
		c->type = SC_H5AD_COL_CATEGORICAL;
		if (k != H5K_INT && k != H5K_UINT)
			rc = sc_h5ad_fail(err, h, SC_ECORRUPT, elem, "codes must be integers, found %s",
				       c->dtype);
		else if (len != c->n)
			rc = sc_h5ad_fail(err, h, SC_ECORRUPT, elem, "has %zu codes for %zu rows", len, c->n);
		if (!rc) {
			sc_h5ad_attr_bool(&c->ordered, cds, "ordered");
			rc = load_categories(c, cds, values, h, elem, err);
		}
		if (!rc && values)
			rc = read_codes(c, o, NULL, h, elem, err);
		H5Dclose(cds);
		goto out;
	}
	H5Eclear2(H5E_DEFAULT);
	rc = load_plain(c, o, NULL, values, h, elem, err);
	if (!rc && c->type == SC_H5AD_COL_INT)
		rc = legacy_uns_cats(c, o, NULL, col, values, h, elem, err);
out:
	H5Oclose(o);
	return rc;
}

const char *sc_h5ad_coltype_name(sc_h5ad_coltype t)
{
	static const char *names[] = { "categorical", "string", "int", "float", "bool",
				       "nullable-int", "nullable-bool", "nullable-string", "other" };
	return (unsigned)t <= SC_H5AD_COL_OTHER ? names[t] : "other";
}

int sc_h5ad_columns(sc_h5ad_colinfo **out, size_t *n, sc_h5ad *h, const char *df, sc_err *err)
{
	*out = NULL;
	*n = 0;
	frame fr;
	int rc = frame_open(&fr, h, df, err);
	if (rc)
		return rc;
	sc_h5ad_colinfo *v = sc_xcalloc(fr.ncols ? fr.ncols : 1, sizeof(*v));
	for (size_t i = 0; i < fr.ncols && !rc; i++) {
		sc_h5ad_column c;
		rc = col_load(&c, &fr, fr.cols[i], 0, err);
		v[i].name = sc_xstrdup(fr.cols[i]);
		v[i].type = c.type;
		memcpy(v[i].dtype, c.dtype, sizeof(v[i].dtype));
		v[i].ncat = c.ncat;
		v[i].ordered = c.ordered;
		sc_h5ad_column_free(&c);
	}
	if (rc) {
		sc_h5ad_colinfo_free(v, fr.ncols);
	} else {
		*out = v;
		*n = fr.ncols;
	}
	frame_close(&fr);
	return rc;
}

void sc_h5ad_colinfo_free(sc_h5ad_colinfo *c, size_t n)
{
	if (!c)
		return;
	for (size_t i = 0; i < n; i++)
		free(c[i].name);
	free(c);
}

int sc_h5ad_read_index(char ***out, size_t *n, sc_h5ad *h, const char *df, sc_err *err)
{
	*out = NULL;
	*n = 0;
	frame fr;
	int rc = frame_open(&fr, h, df, err);
	if (rc)
		return rc;
	char elem[600];
	snprintf(elem, sizeof(elem), "%s/%s", df, fr.index);
	if (fr.compound) {
		rc = read_as_strings(out, fr.n, fr.obj, fr.index, h, elem, err);
	} else {
		hid_t ds = H5Dopen2(fr.obj, fr.index, H5P_DEFAULT);
		rc = ds < 0 ? sc_h5ad_fail_h5(err, h, elem, "cannot open the index")
			    : read_as_strings(out, fr.n, ds, NULL, h, elem, err);
		if (ds >= 0)
			H5Dclose(ds);
	}
	if (!rc)
		*n = fr.n;
	frame_close(&fr);
	return rc;
}

int sc_h5ad_read_column(sc_h5ad_column *out, sc_h5ad *h, const char *df, const char *col,
			sc_err *err)
{
	frame fr;
	memset(out, 0, sizeof(*out));
	int rc = frame_open(&fr, h, df, err);
	if (rc)
		return rc;
	rc = col_load(out, &fr, col, 1, err);
	if (!rc && out->type == SC_H5AD_COL_OTHER)
		rc = sc_h5ad_fail(err, h, SC_EINVAL, NULL, "%s/%s: a %s column cannot be read", df, col,
			       out->dtype);
	if (rc)
		sc_h5ad_column_free(out);
	frame_close(&fr);
	return rc;
}

void sc_h5ad_column_free(sc_h5ad_column *c)
{
	if (!c)
		return;
	free(c->codes);
	sc_h5ad_strings_free(c->categories, c->ncat);
	sc_h5ad_strings_free(c->s, c->s ? c->n : 0);
	free(c->i);
	free(c->f);
	free(c->b);
	free(c->mask);
	memset(c, 0, sizeof(*c));
}

/* ---- labels and numbers ---- */

/* What the rows are sorted by (qsort_r's argument). */
typedef struct row_values {
	const void *base;
	int kind; /* 0 strings, 1 int64, 2 double */
} row_values;

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const row_values *rv = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = 0;
	if (rv->kind == 0)
		c = strcmp(((char *const *)rv->base)[i], ((char *const *)rv->base)[j]);
	else if (rv->kind == 1) {
		int64_t x = ((const int64_t *)rv->base)[i], y = ((const int64_t *)rv->base)[j];
		c = (x > y) - (x < y);
	} else {
		double x = ((const double *)rv->base)[i], y = ((const double *)rv->base)[j];
		c = (x > y) - (x < y);
	}
	return c ? c : (i > j) - (i < j);
}

/* Sorted unique values of the rows not missing; names formatted per kind. */
static void labels_from_values(sc_labels *out, const void *base, int kind, const uint8_t *missing,
			       size_t n)
{
	size_t *ord = sc_xmalloc(sc_mulsz(n ? n : 1, sizeof(size_t)));
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!missing || !missing[i])
			ord[m++] = i;
	row_values rv = { base, kind };
	qsort_r(ord, m, sizeof(size_t), cmp_rows, &rv);
	out->n = n;
	out->codes = sc_xmalloc(sc_mulsz(n ? n : 1, sizeof(int32_t)));
	for (size_t i = 0; i < n; i++)
		out->codes[i] = -1;
	out->names = sc_xcalloc(m ? m : 1, sizeof(char *));
	out->ncat = 0;
	for (size_t r = 0; r < m; r++) {
		size_t i = ord[r];
		int same = 0;
		if (r > 0) {
			size_t p = ord[r - 1];
			if (kind == 0)
				same = !strcmp(((char *const *)base)[i], ((char *const *)base)[p]);
			else if (kind == 1)
				same = ((const int64_t *)base)[i] == ((const int64_t *)base)[p];
			else
				same = ((const double *)base)[i] == ((const double *)base)[p];
		}
		if (!same) {
			char buf[64];
			if (kind == 0)
				out->names[out->ncat] = sc_xstrdup(((char *const *)base)[i]);
			else if (kind == 1)
				out->names[out->ncat] = sc_xasprintf("%lld",
								     (long long)((const int64_t *)base)[i]);
			else {
				sc_h5ad_fmt_double(buf, sizeof(buf), ((const double *)base)[i]);
				out->names[out->ncat] = sc_xstrdup(buf);
			}
			out->ncat++;
		}
		out->codes[i] = (int32_t)(out->ncat - 1);
	}
	free(ord);
}

int sc_h5ad_read_labels(sc_labels *out, sc_h5ad *h, const char *df, const char *col, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	sc_h5ad_column c;
	int rc = sc_h5ad_read_column(&c, h, df, col, err);
	if (rc)
		return rc;
	uint8_t *miss = c.mask;
	switch (c.type) {
	case SC_H5AD_COL_CATEGORICAL:
		out->n = c.n;
		out->codes = c.codes;
		out->ncat = c.ncat;
		out->names = c.categories;
		c.codes = NULL;
		c.categories = NULL;
		c.ncat = 0;
		break;
	case SC_H5AD_COL_STRING:
	case SC_H5AD_COL_NULLABLE_STRING:
		labels_from_values(out, c.s, 0, miss, c.n);
		break;
	case SC_H5AD_COL_INT:
	case SC_H5AD_COL_NULLABLE_INT:
		labels_from_values(out, c.i, 1, miss, c.n);
		break;
	case SC_H5AD_COL_BOOL:
	case SC_H5AD_COL_NULLABLE_BOOL: {
		int64_t *v = sc_xmalloc(sc_mulsz(c.n ? c.n : 1, sizeof(int64_t)));
		for (size_t i = 0; i < c.n; i++)
			v[i] = c.b[i];
		labels_from_values(out, v, 1, miss, c.n);
		free(v);
		for (size_t k = 0; k < out->ncat; k++) {
			const char *nm = !strcmp(out->names[k], "0") ? "False" : "True";
			free(out->names[k]);
			out->names[k] = sc_xstrdup(nm);
		}
		break;
	}
	case SC_H5AD_COL_FLOAT: {
		uint8_t *nan = sc_xmalloc(c.n ? c.n : 1);
		for (size_t i = 0; i < c.n; i++)
			nan[i] = isnan(c.f[i]);
		labels_from_values(out, c.f, 2, nan, c.n);
		free(nan);
		break;
	}
	default:
		rc = sc_h5ad_fail(err, h, SC_EINVAL, NULL, "%s/%s: a %s column cannot be labels", df, col,
			       sc_h5ad_coltype_name(c.type));
	}
	sc_h5ad_column_free(&c);
	return rc;
}

int sc_h5ad_read_numeric(double **out, size_t *n, sc_h5ad *h, const char *df, const char *col,
			 sc_err *err)
{
	*out = NULL;
	*n = 0;
	sc_h5ad_column c;
	int rc = sc_h5ad_read_column(&c, h, df, col, err);
	if (rc)
		return rc;
	double *v = NULL;
	switch (c.type) {
	case SC_H5AD_COL_FLOAT:
		v = c.f;
		c.f = NULL;
		break;
	case SC_H5AD_COL_INT:
	case SC_H5AD_COL_NULLABLE_INT:
		v = sc_xmalloc(sc_mulsz(c.n ? c.n : 1, sizeof(double)));
		for (size_t i = 0; i < c.n; i++)
			v[i] = c.mask && c.mask[i] ? NAN : (double)c.i[i];
		break;
	case SC_H5AD_COL_BOOL:
	case SC_H5AD_COL_NULLABLE_BOOL:
		v = sc_xmalloc(sc_mulsz(c.n ? c.n : 1, sizeof(double)));
		for (size_t i = 0; i < c.n; i++)
			v[i] = c.mask && c.mask[i] ? NAN : (double)c.b[i];
		break;
	default:
		rc = sc_h5ad_fail(err, h, SC_EINVAL, NULL, "%s/%s: a %s column, not numeric", df, col,
			       sc_h5ad_coltype_name(c.type));
	}
	if (!rc) {
		*out = v;
		*n = c.n;
	}
	sc_h5ad_column_free(&c);
	return rc;
}
