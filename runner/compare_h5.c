/*
 * compare_h5.c - two HDF5 files (.h5ad) compared element by element, for
 * `sceval reproduce` (rules in compare.h); this file walks the groups,
 * links and attributes, compare_h5v.c judges the values.
 *
 * The walk is generic rather than anndata-aware: every group, dataset and
 * attribute, by name, in both files, so that nothing an output holds (X
 * dense or sparse, layers, obsm, obsp, varm, obs/var columns, categories,
 * uns) escapes comparison, whatever encoding wrote it. What anndata means is
 * used only to name places: a difference in X/data of a CSR matrix is
 * reported as X[row,col].
 *
 * Links are compared by their target text, never followed (an external
 * link must not make us open another file), and the walk stops after
 * SC_CMP_MAX_OBJECTS objects, so a file whose groups link to each other
 * cannot make it loop or explode.
 */
#include "compare_h5.h"
#include "io/h5ad.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Short names inside this file. */
typedef sc_h5cmp_ctx h5ctx;
typedef sc_h5cmp_src src;
typedef sc_h5cmp_place place;

/* ---- the walk ------------------------------------------------------------ */

typedef struct names {
	char **v;
	size_t n, cap;
	int overflow;
} names;

static void names_free(names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void names_add(names *l, const char *name)
{
	if (l->n >= SC_CMP_MAX_OBJECTS) {
		l->overflow = 1;
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = sc_xrealloc(l->v, l->cap * sizeof(char *));
	}
	l->v[l->n++] = sc_xstrdup(name);
}

static herr_t link_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
	(void)g;
	(void)info;
	names_add(data, name);
	return 0;
}

static herr_t attr_cb(hid_t o, const char *name, const H5A_info_t *info, void *data)
{
	(void)o;
	(void)info;
	names_add(data, name);
	return 0;
}

/* Member (or attribute) names of both objects, sorted by HDF5's name index. */
static int list_both(h5ctx *x, hid_t oa, hid_t ob, int attrs, names *la, names *lb,
		     const char *path)
{
	memset(la, 0, sizeof(*la));
	memset(lb, 0, sizeof(*lb));
	hsize_t ia = 0, ib = 0;
	herr_t ra = attrs ? H5Aiterate2(oa, H5_INDEX_NAME, H5_ITER_INC, &ia, attr_cb, la)
			  : H5Literate(oa, H5_INDEX_NAME, H5_ITER_INC, &ia, link_cb, la);
	herr_t rb = attrs ? H5Aiterate2(ob, H5_INDEX_NAME, H5_ITER_INC, &ib, attr_cb, lb)
			  : H5Literate(ob, H5_INDEX_NAME, H5_ITER_INC, &ib, link_cb, lb);
	if (ra < 0 || rb < 0 || la->overflow || lb->overflow) {
		sc_cmp_differ(x->out, "%s: cannot list the %s of the %s file", path[0] ? path : "/",
			      attrs ? "attributes" : "members",
			      ra < 0 || la->overflow ? "recorded" : "reproduced");
		names_free(la);
		names_free(lb);
		return -1;
	}
	return 0;
}

/* The first name in one list and not the other, or NULL. */
static int only_in(h5ctx *x, const names *la, const names *lb, const char *path, const char *what)
{
	for (size_t i = 0, j = 0; i < la->n || j < lb->n;) {
		int c = i == la->n ? 1 : j == lb->n ? -1 : strcmp(la->v[i], lb->v[j]);
		if (!c) {
			i++;
			j++;
			continue;
		}
		sc_cmp_differ(x->out, "%s%s%s: only in the %s file", path, what,
			      c < 0 ? la->v[i] : lb->v[j], c < 0 ? "recorded" : "reproduced");
		return 1;
	}
	return 0;
}

static int count_object(h5ctx *x)
{
	if (++x->objects <= SC_CMP_MAX_OBJECTS)
		return 0;
	sc_cmp_differ(x->out, "more than %d objects: not compared further", SC_CMP_MAX_OBJECTS);
	return 1;
}

static void cmp_attrs(h5ctx *x, hid_t oa, hid_t ob, const char *path)
{
	names la, lb;
	if (list_both(x, oa, ob, 1, &la, &lb, path))
		return;
	char *at = sc_xasprintf("%s@", path[0] ? path : "/");
	if (only_in(x, &la, &lb, at, ""))
		goto out;
	for (size_t i = 0; i < la.n && x->out->verdict != SC_CMP_DIFFERENT; i++) {
		if (count_object(x))
			break;
		hid_t aa = H5Aopen(oa, la.v[i], H5P_DEFAULT), ab = H5Aopen(ob, la.v[i], H5P_DEFAULT);
		src sa, sb;
		memset(&sa, 0, sizeof(sa));
		memset(&sb, 0, sizeof(sb));
		char *ap = sc_xasprintf("%s%s", at, la.v[i]);
		place p = { ap, &sa, -1, 0 };
		if (aa < 0 || ab < 0 || sc_h5cmp_src_open(&sa, aa, 1) || sc_h5cmp_src_open(&sb, ab, 1))
			sc_cmp_differ(x->out, "%s: cannot read the attribute", ap);
		else
			sc_h5cmp_values(x, &sa, &sb, &p);
		sc_h5cmp_src_close(&sa);
		sc_h5cmp_src_close(&sb);
		if (aa >= 0)
			H5Aclose(aa);
		if (ab >= 0)
			H5Aclose(ab);
		free(ap);
	}
out:
	free(at);
	names_free(&la);
	names_free(&lb);
}

static void cmp_dataset(h5ctx *x, hid_t da, hid_t db, const char *path, hid_t parent,
			const char *leaf)
{
	cmp_attrs(x, da, db, path);
	if (x->out->verdict == SC_CMP_DIFFERENT)
		return;
	src sa, sb;
	memset(&sa, 0, sizeof(sa));
	memset(&sb, 0, sizeof(sb));
	place p = { path, &sa, parent, 0 };
	if (!strcmp(leaf, "data"))
		p.sparse = sc_h5cmp_sparse_kind(parent);
	int ea = sc_h5cmp_src_open(&sa, da, 0);
	if (ea || sc_h5cmp_src_open(&sb, db, 0))
		sc_cmp_differ(x->out, "%s: unreadable dataset in the %s file", path,
			      ea ? "recorded" : "reproduced");
	else
		sc_h5cmp_values(x, &sa, &sb, &p);
	sc_h5cmp_src_close(&sa);
	sc_h5cmp_src_close(&sb);
}

static void cmp_group(h5ctx *x, hid_t ga, hid_t gb, const char *path, int depth);

/* Two links of the same name: soft and external links by their text, hard
 * links by what they point to. */
static void cmp_member(h5ctx *x, hid_t ga, hid_t gb, const char *name, const char *path,
		       int depth)
{
	H5L_info_t ia, ib;
	if (H5Lget_info(ga, name, &ia, H5P_DEFAULT) < 0 || H5Lget_info(gb, name, &ib, H5P_DEFAULT) < 0) {
		sc_cmp_differ(x->out, "%s: unreadable link", path);
		return;
	}
	if (ia.type != ib.type) {
		sc_cmp_differ(x->out, "%s: links of different types", path);
		return;
	}
	if (ia.type != H5L_TYPE_HARD) {
		size_t n = ia.u.val_size;
		char *u = n == ib.u.val_size && n < (1 << 20) ? calloc(2, n + 1) : NULL;
		if (!u || H5Lget_val(ga, name, u, n, H5P_DEFAULT) < 0 ||
		    H5Lget_val(gb, name, u + n + 1, n, H5P_DEFAULT) < 0 || memcmp(u, u + n + 1, n))
			sc_cmp_differ(x->out, "%s: links to different targets", path);
		free(u);
		return;
	}
	hid_t oa = H5Oopen(ga, name, H5P_DEFAULT), ob = H5Oopen(gb, name, H5P_DEFAULT);
	H5I_type_t ta = oa < 0 ? H5I_BADID : H5Iget_type(oa), tb = ob < 0 ? H5I_BADID : H5Iget_type(ob);
	if (oa < 0 || ob < 0)
		sc_cmp_differ(x->out, "%s: cannot open it in the %s file", path,
			      oa < 0 ? "recorded" : "reproduced");
	else if (ta != tb)
		sc_cmp_differ(x->out, "%s: a %s vs a %s", path, ta == H5I_GROUP ? "group" : "dataset",
			      tb == H5I_GROUP ? "group" : "dataset");
	else if (ta == H5I_GROUP)
		cmp_group(x, oa, ob, path, depth + 1);
	else if (ta == H5I_DATASET)
		cmp_dataset(x, oa, ob, path, ga, name);
	else if (ta == H5I_DATATYPE && H5Tequal(oa, ob) <= 0)
		sc_cmp_differ(x->out, "%s: different named data types", path);
	if (oa >= 0)
		H5Oclose(oa);
	if (ob >= 0)
		H5Oclose(ob);
}

static void cmp_group(h5ctx *x, hid_t ga, hid_t gb, const char *path, int depth)
{
	if (count_object(x))
		return;
	if (depth > 64) {
		sc_cmp_differ(x->out, "%s: groups nested deeper than 64 levels", path);
		return;
	}
	cmp_attrs(x, ga, gb, path);
	names la, lb;
	if (x->out->verdict == SC_CMP_DIFFERENT || list_both(x, ga, gb, 0, &la, &lb, path))
		return;
	char *pre = sc_xasprintf("%s%s", path, path[0] ? "/" : "");
	if (!only_in(x, &la, &lb, pre, "")) {
		for (size_t i = 0; i < la.n && x->out->verdict != SC_CMP_DIFFERENT; i++) {
			char *cp = sc_xasprintf("%s%s", pre, la.v[i]);
			cmp_member(x, ga, gb, la.v[i], cp, depth);
			free(cp);
		}
	}
	free(pre);
	names_free(&la);
	names_free(&lb);
}

/* anndata's own view first: a different number of cells or genes is the
 * clearest thing to say. Opening with the reader also registers the LZF
 * filter that anndata files may use. */
static void cmp_shape(sc_cmp *out, const char *a, const char *b)
{
	sc_h5ad *ha = NULL, *hb = NULL;
	sc_err e;
	if (sc_h5ad_open(&ha, a, &e) == 0 && sc_h5ad_open(&hb, b, &e) == 0) {
		size_t oa, va, ob, vb;
		sc_h5ad_shape(ha, &oa, &va);
		sc_h5ad_shape(hb, &ob, &vb);
		out->format = "h5ad";
		if (oa != ob || va != vb)
			sc_cmp_differ(out, "shape %zu x %zu vs %zu x %zu (cells x features)", oa, va, ob,
				      vb);
	}
	sc_h5ad_close(ha);
	sc_h5ad_close(hb);
}

void sc_compare_hdf5(sc_cmp *out, const char *a, const char *b, double tol)
{
	sc_cmp_reset(out, "hdf5");
	cmp_shape(out, a, b);
	if (out->verdict == SC_CMP_DIFFERENT)
		return;
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	h5ctx x = { out, tol, 0, -1, -1 };
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), ra = -1, rb = -1;
	H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
	if (H5Fis_hdf5(a) > 0)
		x.fa = H5Fopen(a, H5F_ACC_RDONLY, fapl);
	if (x.fa >= 0 && H5Fis_hdf5(b) > 0)
		x.fb = H5Fopen(b, H5F_ACC_RDONLY, fapl);
	H5Pclose(fapl);
	if (x.fa < 0 || x.fb < 0) {
		sc_cmp_differ(out, "the %s file is not a readable HDF5 file",
			      x.fa < 0 ? "recorded" : "reproduced");
		goto out;
	}
	ra = H5Gopen2(x.fa, "/", H5P_DEFAULT);
	rb = H5Gopen2(x.fb, "/", H5P_DEFAULT);
	if (ra < 0 || rb < 0)
		sc_cmp_differ(out, "the %s file has no readable root group",
			      ra < 0 ? "recorded" : "reproduced");
	else
		cmp_group(&x, ra, rb, "", 0);
out:
	if (ra >= 0)
		H5Gclose(ra);
	if (rb >= 0)
		H5Gclose(rb);
	if (x.fa >= 0)
		H5Fclose(x.fa);
	if (x.fb >= 0)
		H5Fclose(x.fb);
	H5Eclear2(H5E_DEFAULT);
}
