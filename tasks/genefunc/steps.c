/*
 * tasks/genefunc/steps.c - the gene-function prediction task as two built-in steps.
 *
 *   genefunc.features  when a model gives no gene embedding: each gene's
 *                      log-normalised expression profile across cells,
 *                      reduced by PCA over cells (genes are the samples), so
 *                      the task runs on any dataset. Writes
 *                      gene_features.h5ad (genes as rows).
 *   genefunc.cv        join gene features and a gene label table by gene id
 *                      and evaluate a classifier by stratified k-fold cross-
 *                      validation: accuracy, macro precision/recall/F1, and
 *                      for two classes AUROC and average precision, as mean
 *                      and standard deviation over folds.
 *
 * Metrics are computed with (true, predicted) in that order; the study's own
 * script swapped them, which exchanges precision and recall.
 */
#include "genefunc.h"
#include "tasks/classifier.h"
#include "tasks/classify/metrics.h"
#include "tasks/classify/split.h"
#include "io/table.h"
#include "io/h5ad.h"
#include "tasks/core/pca.h"
#include "tasks/core/preprocess.h"
#include "io/npy.h"
#include "tasks/rep.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int genefunc_features(sc_step_ctx *c)
{
	const char *pd = sc_step_need(c, "data");
	if (!pd)
		return c->err->code;
	const char *counts = sc_step_str(c, "counts", "X");
	size_t ncomp = (size_t)sc_step_int(c, "n_comps", 50);
	sc_h5ad *h = NULL;
	sc_csr m = { 0 }, t = { 0 };
	sc_dmat feat = { 0 };
	char **ids = NULL;
	size_t nids = 0;
	sc_h5ad_writer *w = NULL;
	char *path = NULL;
	int rc = sc_h5ad_open(&h, pd, c->err);
	if (rc || (rc = sc_rep_read_counts(&m, h, counts, c->err)) ||
	    (rc = sc_rep_gene_ids(&ids, &nids, h, sc_step_str(c, "var_key", NULL), c->err)))
		goto out;
	if ((rc = sc_normalize_total_csr(&m, sc_step_num(c, "target_sum", 1e4), c->err)))
		goto out;
	sc_log1p_csr(&m);
	sc_csr_transpose(&t, &m); /* genes x cells */
	if (ncomp >= t.rows || ncomp >= t.cols)
		ncomp = (t.rows < t.cols ? t.rows : t.cols) - 1;
	if ((rc = sc_pca_csr(&feat, NULL, &t, ncomp, c->err)))
		goto out;
	path = sc_step_out(c, "gene_features.h5ad");
	if ((rc = sc_h5ad_create(&w, path, c->err)) ||
	    (rc = sc_h5ad_write_index(w, "obs", ids, nids, c->err)) ||
	    (rc = sc_h5ad_write_index(w, "var", NULL, 0, c->err)) ||
	    (rc = sc_h5ad_write_dense(w, "obsm/X_expression_pca", &feat, SC_H5AD_F64, c->err)) ||
	    (rc = sc_h5ad_write_uns_string(w, "features",
					   "log1p(normalize_total) expression profile across cells, "
					   "PCA over cells",
					   c->err)))
		goto out;
	rc = sc_h5ad_writer_close(w, c->err);
	w = NULL;
out:
	sc_h5ad_writer_free(w);
	free(path);
	sc_h5ad_strings_free(ids, nids);
	sc_csr_free(&m);
	sc_csr_free(&t);
	sc_dmat_free(&feat);
	sc_h5ad_close(h);
	return rc;
}

/* Gene features and ids from an h5ad (obsm key of a genes-as-rows file,
 * "varm/KEY" of a cells file, or X), a .npy is not accepted (no gene ids),
 * or a CSV/TSV table (first column ids). */
static int load_features(sc_step_ctx *c, const char *path, const char *where, sc_dmat *x,
			 char ***ids, size_t *nids)
{
	if (!strcmp(where, "table")) {
		sc_named_matrix nm;
		int rc = sc_table_read_matrix(&nm, path, c->err);
		if (rc)
			return rc;
		*x = nm.x;
		*ids = nm.row_ids;
		*nids = nm.x.rows;
		for (size_t j = 0; j < nm.x.cols; j++)
			free(nm.col_names[j]);
		free(nm.col_names);
		return sc_rep_check_finite(x, path, "gene features", c->err);
	}
	sc_h5ad *h = NULL;
	int rc = sc_h5ad_open(&h, path, c->err);
	if (rc)
		return rc;
	int by_var = !strncmp(where, "varm/", 5) || !strncmp(where, "varm:", 5);
	char *p = by_var ? sc_xasprintf("varm/%s", where + 5) : sc_rep_path(where);
	rc = sc_h5ad_read_dense(x, h, p, 0, c->err);
	if (!rc)
		rc = by_var ? sc_rep_gene_ids(ids, nids, h, sc_step_str(c, "var_key", NULL), c->err)
			    : sc_h5ad_read_index(ids, nids, h, "obs", c->err);
	if (!rc && *nids != x->rows)
		rc = sc_errf(c->err, SC_EINVAL, "%s: %s has %zu rows for %zu genes",
			     sc_path_basename(path), p, x->rows, *nids);
	if (!rc)
		rc = sc_rep_check_finite(x, path, p, c->err);
	free(p);
	sc_h5ad_close(h);
	return rc;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Gene labels from a var column of a dataset, in the table reader's form
 * (categories sorted by byte value, as sklearn's LabelEncoder orders them). */
static int labels_from_var(sc_step_ctx *c, sc_gene_labels *g, const char *path, const char *col)
{
	memset(g, 0, sizeof(*g));
	sc_h5ad *h = NULL;
	char **ids = NULL;
	size_t n = 0;
	sc_labels l = { 0 };
	int rc = sc_h5ad_open(&h, path, c->err);
	if (!rc)
		rc = sc_rep_gene_ids(&ids, &n, h, sc_step_str(c, "var_key", NULL), c->err);
	if (!rc)
		rc = sc_h5ad_read_labels(&l, h, "var", col, c->err);
	sc_h5ad_close(h);
	if (rc)
		goto out;
	sc_labels_unlabel(&l, json_object_get(c->params, "unlabeled"));
	size_t *cnt = sc_xcalloc(l.ncat + 1, sizeof(size_t));
	sc_labels_counts(&l, cnt);
	g->names = sc_xcalloc(l.ncat + 1, sizeof(char *));
	for (size_t k = 0; k < l.ncat; k++)
		if (cnt[k])
			g->names[g->ncat++] = sc_xstrdup(l.names[k]);
	free(cnt);
	qsort(g->names, g->ncat, sizeof(char *), cmp_name);
	g->ids = sc_xcalloc(n ? n : 1, sizeof(char *));
	g->codes = sc_xcalloc(n ? n : 1, sizeof(int32_t));
	for (size_t i = 0; i < n; i++) {
		if (l.codes[i] < 0) {
			g->nmissing++;
			continue;
		}
		const char *nm = l.names[l.codes[i]];
		char **f = bsearch(&nm, g->names, g->ncat, sizeof(char *), cmp_name);
		g->ids[g->n] = sc_xstrdup(ids[i]);
		g->codes[g->n++] = (int32_t)(f - g->names);
	}
out:
	sc_labels_free(&l);
	sc_h5ad_strings_free(ids, n);
	return rc;
}

static void mean_sd(const double *v, size_t n, double *mean, double *sd)
{
	double s = 0, q = 0;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i])) {
			s += v[i];
			k++;
		}
	*mean = k ? s / (double)k : NAN;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			q += (v[i] - *mean) * (v[i] - *mean);
	*sd = k ? sqrt(q / (double)k) : NAN;
}

static int genefunc_cv(sc_step_ctx *c)
{
	const char *pf = sc_step_need(c, "features"), *pl = sc_step_need(c, "labels");
	if (!pf || !pl)
		return c->err->code;
	const char *method = sc_step_str(c, "method", "logreg");
	const char *where = sc_step_str(c, "where", "X");
	size_t k = (size_t)sc_step_int(c, "folds", 5);
	sc_dmat x = { 0 }, xl = { 0 };
	char **ids = NULL;
	size_t nids = 0;
	sc_gene_labels g = { 0 };
	sc_folds folds = { 0 };
	int32_t *codes = NULL, *y = NULL, *pred = NULL, *fold_of = NULL;
	size_t *rows = NULL;
	double *score = NULL;
	sc_buf out = SC_BUF_INIT;
	sc_buf_init(&out);
	int rc = load_features(c, pf, where, &x, &ids, &nids);
	if (rc)
		goto out;
	const char *label_var = sc_step_str(c, "label_var", NULL);
	if (label_var)
		rc = labels_from_var(c, &g, pl, label_var);
	else
		rc = sc_table_read_labels(&g, pl, sc_step_str(c, "id_column", "gene_id"),
					  sc_step_str(c, "label_column", "label"), c->err);
	if (rc)
		goto out;
	codes = sc_xmalloc((nids ? nids : 1) * sizeof(int32_t));
	size_t matched = 0;
	sc_gene_labels_align(codes, &matched, &g, ids, nids);
	if (!matched) {
		rc = sc_errf(c->err, SC_EINVAL,
			     "no gene of the features has a label in '%s' (%zu labelled ids, e.g. '%s'; "
			     "features' ids e.g. '%s'): check id_column",
			     sc_path_basename(pl), g.n, g.n ? g.ids[0] : "", nids ? ids[0] : "");
		goto out;
	}
	/* Only labelled genes take part; the rest are counted. */
	rows = sc_xmalloc(matched * sizeof(size_t));
	y = sc_xmalloc(matched * sizeof(int32_t));
	size_t n = 0;
	for (size_t i = 0; i < nids; i++)
		if (codes[i] >= 0) {
			rows[n] = i;
			y[n++] = codes[i];
		}
	sc_step_note(c, "%zu genes with a label, %zu genes of the features without one excluded, "
			"%zu labelled genes absent from the features",
		     n, nids - n, g.n - n);
	sc_split_gather(&xl, NULL, &x, NULL, rows, n);
	size_t *cnt = sc_xcalloc(g.ncat + 1, sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		cnt[y[i]]++;
	size_t present = 0;
	for (size_t j = 0; j < g.ncat; j++)
		present += cnt[j] > 0;
	free(cnt);
	if (present < 2) {
		rc = sc_errf(c->err, SC_EINVAL, "the labelled genes have %zu class%s: nothing to classify",
			     present, present == 1 ? "" : "es");
		goto out;
	}
	if ((rc = sc_split_kfold(&folds, y, n, k, (uint64_t)c->seed, c->err)))
		goto out;
	if (folds.nsmall)
		sc_step_note(c, "%zu class%s with fewer genes than folds (%zu)", folds.nsmall,
			     folds.nsmall == 1 ? "" : "es", k);
	int binary = g.ncat == 2;
	pred = sc_xmalloc(n * sizeof(int32_t));
	score = sc_xmalloc(n * sizeof(double));
	fold_of = sc_xmalloc(n * sizeof(int32_t));
	double *acc = sc_xcalloc(k, sizeof(double)), *pm = sc_xcalloc(k, sizeof(double)),
	       *rm = sc_xcalloc(k, sizeof(double)), *fm = sc_xcalloc(k, sizeof(double)),
	       *au = sc_xcalloc(k, sizeof(double)), *ap = sc_xcalloc(k, sizeof(double));
	for (size_t f = 0; f < k && !rc; f++) {
		sc_split sp = { 0 };
		sc_folds_get(&sp, &folds, f);
		sc_dmat xtr = { 0 }, xte = { 0 }, proba = { 0 };
		int32_t *ytr = sc_xmalloc((sp.ntrain ? sp.ntrain : 1) * sizeof(int32_t));
		int32_t *yte = sc_xmalloc((sp.ntest ? sp.ntest : 1) * sizeof(int32_t));
		int32_t *pte = sc_xmalloc((sp.ntest ? sp.ntest : 1) * sizeof(int32_t));
		double *ste = sc_xmalloc((sp.ntest ? sp.ntest : 1) * sizeof(double));
		sc_split_gather(&xtr, ytr, &xl, y, sp.train, sp.ntrain);
		sc_split_gather(&xte, yte, &xl, y, sp.test, sp.ntest);
		rc = sc_classifier_fit_predict(c, method, &xtr, ytr, &xte, g.ncat, pte, &proba);
		if (!rc) {
			for (size_t i = 0; i < sp.ntest; i++) {
				ste[i] = binary ? SC_AT(&proba, i, 1) : NAN;
				pred[sp.test[i]] = pte[i];
				score[sp.test[i]] = ste[i];
				fold_of[sp.test[i]] = (int32_t)f;
			}
			sc_cls_report r;
			rc = sc_cls_report_compute(&r, yte, pte, sp.ntest, c->err);
			if (!rc) {
				acc[f] = r.accuracy;
				pm[f] = r.precision_macro;
				rm[f] = r.recall_macro;
				fm[f] = r.f1_macro;
				sc_cls_report_free(&r);
			}
			if (!rc && binary)
				rc = sc_cls_auroc(&au[f], yte, ste, sp.ntest, 1, c->err);
			if (!rc && binary)
				rc = sc_cls_average_precision(&ap[f], yte, ste, sp.ntest, 1, c->err);
		}
		sc_dmat_free(&xtr);
		sc_dmat_free(&xte);
		sc_dmat_free(&proba);
		free(ytr);
		free(yte);
		free(pte);
		free(ste);
		sc_split_free(&sp);
	}
	if (!rc) {
		struct {
			const char *name;
			double *v;
		} ms[] = { { "accuracy", acc }, { "precision_macro", pm }, { "recall_macro", rm },
			   { "f1_macro", fm }, { "auroc", au }, { "average_precision", ap } };
		for (size_t i = 0; i < (binary ? 6u : 4u); i++) {
			double mean, sd;
			char nm[64];
			mean_sd(ms[i].v, k, &mean, &sd);
			snprintf(nm, sizeof(nm), "%s_mean", ms[i].name);
			sc_step_metric(c, nm, mean, 1, NULL);
			snprintf(nm, sizeof(nm), "%s_sd", ms[i].name);
			sc_step_metric(c, nm, sd, 0, "standard deviation over folds (ddof 0)");
		}
		if (binary)
			sc_step_note(c, "AUROC and average precision with '%s' as the positive class",
				     g.names[1]);
		/* Every gene's out-of-fold prediction. */
		sc_buf_puts(&out, binary ? "gene,fold,label,predicted,score\n"
					 : "gene,fold,label,predicted\n");
		for (size_t i = 0; i < n; i++) {
			sc_buf_csv(&out, ids[rows[i]]);
			sc_buf_printf(&out, ",%d,", fold_of[i]);
			sc_buf_csv(&out, g.names[y[i]]);
			sc_buf_putc(&out, ',');
			sc_buf_csv(&out, g.names[pred[i]]);
			if (binary)
				sc_buf_printf(&out, ",%.17g", score[i]);
			sc_buf_putc(&out, '\n');
		}
		char *pp = sc_step_out(c, "predictions.csv");
		rc = sc_write_file_atomic(pp, out.s, out.len, 0644, c->err);
		free(pp);
	}
	free(acc);
	free(pm);
	free(rm);
	free(fm);
	free(au);
	free(ap);
out:
	sc_buf_free(&out);
	free(pred);
	free(score);
	free(fold_of);
	free(rows);
	free(y);
	free(codes);
	sc_folds_free(&folds);
	sc_gene_labels_free(&g);
	sc_h5ad_strings_free(ids, nids);
	sc_dmat_free(&x);
	sc_dmat_free(&xl);
	return rc;
}

const sc_step_kind sc_genefunc_features_kind = {
	"genefunc.features", "2", genefunc_features,
	"gene features from expression profiles (PCA over cells)"
};
const sc_step_kind sc_genefunc_cv_kind = { "genefunc.cv", "3", genefunc_cv,
					   "k-fold cross-validated gene classification" };
