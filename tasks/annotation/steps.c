/*
 * tasks/annotation/steps.c - the cell-type annotation task as two built-in steps.
 *
 *   annotation.fit   split the labelled cells, train a classifier on a
 *                    representation (an embedding, PCA, HVG expression) and
 *                    predict the test cells; or take a model's own
 *                    predictions from an obs column. Writes predictions.h5ad
 *                    (test cells: true label, predicted label, class
 *                    probabilities) so every metric can be recomputed
 *                    outside sceval.
 *   annotation.eval  sklearn's classification metrics on those predictions,
 *                    the per-class report and the confusion matrix.
 *
 * Splitting is part of fit (seeded), evaluation never trains: any model's
 * predictions, built-in or external, are scored by the same code.
 */
#include "annotation.h"
#include "tasks/classifier.h"
#include "tasks/classify/metrics.h"
#include "tasks/classify/split.h"
#include "io/h5ad.h"
#include "io/npy.h"
#include "tasks/rep.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Codes of the named categories of l (each name must exist). */
static int codes_of(int32_t **out, size_t *n, const sc_labels *l, const json_t *names,
		    const char *col, sc_err *err)
{
	*n = json_array_size(names);
	*out = sc_xcalloc(*n ? *n : 1, sizeof(int32_t));
	for (size_t i = 0; i < *n; i++) {
		const char *nm = json_string_value(json_array_get(names, i));
		size_t k;
		for (k = 0; nm && k < l->ncat; k++)
			if (!strcmp(l->names[k], nm))
				break;
		if (!nm || k == l->ncat) {
			sc_buf b = SC_BUF_INIT;
			sc_buf_init(&b);
			size_t *cnt = sc_xcalloc(l->ncat + 1, sizeof(size_t));
			sc_labels_counts(l, cnt);
			for (size_t j = 0, shown = 0; j < l->ncat && shown < 40; j++)
				if (cnt[j])
					sc_buf_printf(&b, "%s%s", shown++ ? ", " : "", l->names[j]);
			free(cnt);
			int rc = sc_errf(err, SC_EINVAL, "split column '%s' has no category '%s'; have: %s",
					 col, nm ? nm : "?", b.s);
			sc_buf_free(&b);
			free(*out);
			*out = NULL;
			return rc;
		}
		(*out)[i] = (int32_t)k;
	}
	return 0;
}

static void note_split(sc_step_ctx *c, const sc_split *sp, const sc_labels *lab)
{
	if (sp->nsmall) {
		sc_buf b = SC_BUF_INIT;
		sc_buf_init(&b);
		for (size_t i = 0; i < sp->nsmall; i++)
			sc_buf_printf(&b, "%s'%s'", i ? ", " : "", lab->names[sp->small[i]]);
		sc_step_note(c, "%zu class%s too small to split (%zu cell%s) left out of the test set: %s",
			     sp->nsmall, sp->nsmall == 1 ? "" : "es", sp->nsmall_cells,
			     sp->nsmall_cells == 1 ? "" : "s", b.s);
		sc_buf_free(&b);
	}
	if (sp->nunseen) {
		sc_buf b = SC_BUF_INIT;
		sc_buf_init(&b);
		for (size_t i = 0; i < sp->nunseen; i++)
			sc_buf_printf(&b, "%s'%s'", i ? ", " : "", lab->names[sp->unseen[i]]);
		sc_step_note(c, "%zu test class%s never seen in training (cannot be predicted): %s",
			     sp->nunseen, sp->nunseen == 1 ? "" : "es", b.s);
		sc_buf_free(&b);
	}
	if (sp->nmissing)
		sc_step_note(c, "%zu cell%s without a label (or split group) left out", sp->nmissing,
			     sp->nmissing == 1 ? "" : "s");
}

static int do_split(sc_step_ctx *c, sc_split *sp, sc_h5ad *h, const sc_labels *lab)
{
	const json_t *split = json_object_get(c->params, "split");
	const char *kind = sc_json_str(split, "kind", "stratified");
	if (!strcmp(kind, "stratified"))
		return sc_split_stratified(sp, lab->codes, lab->n, sc_json_num(split, "test_size", 0.2),
					   (uint64_t)c->seed, c->err);
	if (!strcmp(kind, "column")) {
		const char *col = sc_json_str(split, "column", "");
		sc_labels g;
		int rc = sc_h5ad_read_labels(&g, h, "obs", col, c->err);
		if (rc)
			return rc;
		int32_t *test = NULL, *train = NULL;
		size_t nt = 0, ntr = 0;
		rc = codes_of(&test, &nt, &g, json_object_get(split, "test"), col, c->err);
		if (!rc && json_object_get(split, "train"))
			rc = codes_of(&train, &ntr, &g, json_object_get(split, "train"), col, c->err);
		if (!rc)
			rc = sc_split_by_group(sp, g.codes, g.n, test, nt, train, ntr, lab->codes, c->err);
		free(test);
		free(train);
		sc_labels_free(&g);
		return rc;
	}
	return sc_errf(c->err, SC_EINVAL, "unknown split kind '%s'", kind);
}

/* Fit on the training rows of x and predict the test rows. */
static int fit_predict(sc_step_ctx *c, const char *method, const sc_dmat *x, const sc_labels *lab,
		       const sc_split *sp, int32_t *pred, sc_dmat *proba)
{
	sc_dmat xtr = { 0 }, xte = { 0 };
	int32_t *ytr = sc_xmalloc((sp->ntrain ? sp->ntrain : 1) * sizeof(int32_t));
	sc_split_gather(&xtr, ytr, x, lab->codes, sp->train, sp->ntrain);
	sc_split_gather(&xte, NULL, x, NULL, sp->test, sp->ntest);
	int rc = sc_classifier_fit_predict(c, method, &xtr, ytr, &xte, lab->ncat, pred, proba);
	sc_dmat_free(&xtr);
	sc_dmat_free(&xte);
	free(ytr);
	return rc;
}

/* A model's own predictions: an obs column of the representation file,
 * mapped onto the label categories by name (unknown names become new
 * categories, which simply count as wrong). */
static int given_predictions(sc_step_ctx *c, sc_h5ad *rep, sc_labels *lab, const sc_split *sp,
			     int32_t *pred)
{
	const char *col = sc_step_str(c, "predictions", NULL);
	if (!col)
		return sc_errf(c->err, SC_EINVAL, "method 'given' needs the 'predictions' column");
	sc_labels p;
	int rc = sc_h5ad_read_labels(&p, rep, "obs", col, c->err);
	if (rc)
		return rc;
	if (p.n != lab->n) {
		rc = sc_errf(c->err, SC_EINVAL, "predictions column '%s' has %zu cells, labels %zu",
			     col, p.n, lab->n);
		goto out;
	}
	int32_t *map = sc_xmalloc((p.ncat ? p.ncat : 1) * sizeof(int32_t));
	for (size_t k = 0; k < p.ncat; k++) {
		size_t j;
		for (j = 0; j < lab->ncat; j++)
			if (!strcmp(lab->names[j], p.names[k]))
				break;
		if (j == lab->ncat) {
			lab->names = sc_xrealloc(lab->names, (lab->ncat + 1) * sizeof(char *));
			lab->names[lab->ncat] = sc_xstrdup(p.names[k]);
			j = lab->ncat++;
		}
		map[k] = (int32_t)j;
	}
	size_t unpredicted = 0;
	for (size_t i = 0; i < sp->ntest; i++) {
		int32_t code = p.codes[sp->test[i]];
		pred[i] = code >= 0 ? map[code] : -1;
		if (code < 0)
			unpredicted++;
	}
	if (unpredicted) {
		/* A missing prediction is a wrong one: give it its own category. */
		lab->names = sc_xrealloc(lab->names, (lab->ncat + 1) * sizeof(char *));
		lab->names[lab->ncat] = sc_xstrdup("(no prediction)");
		for (size_t i = 0; i < sp->ntest; i++)
			if (pred[i] < 0)
				pred[i] = (int32_t)lab->ncat;
		lab->ncat++;
		sc_step_note(c, "%zu test cell%s without a prediction counted as wrong", unpredicted,
			     unpredicted == 1 ? "" : "s");
	}
	free(map);
out:
	sc_labels_free(&p);
	return rc;
}

static int write_predictions(sc_step_ctx *c, sc_h5ad *data, const sc_labels *lab,
			     const sc_split *sp, const int32_t *pred, const sc_dmat *proba,
			     const char *method)
{
	char **names = NULL;
	size_t n_names = 0;
	int rc = sc_h5ad_read_index(&names, &n_names, data, "obs", c->err);
	if (rc)
		return rc;
	char **test_names = sc_xcalloc(sp->ntest ? sp->ntest : 1, sizeof(char *));
	int32_t *truth = sc_xmalloc((sp->ntest ? sp->ntest : 1) * sizeof(int32_t));
	for (size_t i = 0; i < sp->ntest; i++) {
		test_names[i] = names[sp->test[i]];
		truth[i] = lab->codes[sp->test[i]];
	}
	char *path = sc_step_out(c, "predictions.h5ad");
	sc_h5ad_writer *w = NULL;
	if ((rc = sc_h5ad_create(&w, path, c->err)) ||
	    (rc = sc_h5ad_write_index(w, "obs", test_names, sp->ntest, c->err)) ||
	    (rc = sc_h5ad_write_index(w, "var", NULL, 0, c->err)) ||
	    (rc = sc_h5ad_write_categorical(w, "obs", "label", truth, sp->ntest, lab->names, lab->ncat,
					    0, c->err)) ||
	    (rc = sc_h5ad_write_categorical(w, "obs", "predicted", pred, sp->ntest, lab->names,
					    lab->ncat, 0, c->err)))
		goto out;
	if (proba->v) {
		if ((rc = sc_h5ad_write_dense(w, "obsm/proba", proba, SC_H5AD_F64, c->err)) ||
		    (rc = sc_h5ad_write_uns_strings(w, "classes", lab->names, lab->ncat, c->err)))
			goto out;
	}
	if ((rc = sc_h5ad_write_uns_string(w, "method", method, c->err)))
		goto out;
	rc = sc_h5ad_writer_close(w, c->err);
	w = NULL;
out:
	sc_h5ad_writer_free(w);
	free(path);
	free(truth);
	free(test_names);
	sc_h5ad_strings_free(names, n_names);
	return rc;
}

/* Separate training and test files: labels matched by name (test classes
 * never seen in training are reported), the representation read from each
 * file (for an obsm embedding the same key; for X or a layer the test genes
 * aligned to the training genes by name). */
static int load_rep_pair(sc_step_ctx *c, sc_h5ad *tr, sc_h5ad *te, const char *where,
			 sc_dmat *xtr, sc_dmat *xte)
{
	int rc = sc_rep_load(xtr, tr, where, c->err);
	if (rc || (rc = sc_rep_load(xte, te, where, c->err)))
		return rc;
	if (!strncmp(where, "obsm", 4))
		goto check;
	/* A gene matrix: the test columns reordered to the training genes. */
	char **vtr = NULL, **vte = NULL;
	size_t ntr = 0, nte = 0;
	if ((rc = sc_h5ad_read_index(&vtr, &ntr, tr, "var", c->err)) ||
	    (rc = sc_h5ad_read_index(&vte, &nte, te, "var", c->err))) {
		sc_h5ad_strings_free(vtr, ntr);
		return rc;
	}
	int32_t *map = sc_xmalloc((nte ? nte : 1) * sizeof(int32_t));
	size_t missing = sc_rep_match_names(map, vte, nte, vtr, ntr);
	sc_dmat a;
	sc_dmat_alloc(&a, xte->rows, ntr);
	for (size_t k = 0; k < nte; k++)
		if (map[k] >= 0)
			for (size_t i = 0; i < xte->rows; i++)
				SC_AT(&a, i, map[k]) = SC_AT(xte, i, k);
	if (missing)
		sc_step_note(c, "%zu of %zu training genes absent from the test file (zero there)",
			     missing, ntr);
	free(map);
	sc_dmat_free(xte);
	*xte = a;
	sc_h5ad_strings_free(vtr, ntr);
	sc_h5ad_strings_free(vte, nte);
check:
	if (xtr->cols != xte->cols)
		return sc_errf(c->err, SC_EINVAL,
			       "%s has %zu columns in the training file but %zu in the test file", where,
			       xtr->cols, xte->cols);
	return 0;
}

static int annotation_fit_files(sc_step_ctx *c, sc_h5ad *data, sc_h5ad *rep, const char *label_key,
				const char *method, const char *where)
{
	const char *pt = sc_step_need(c, "test"), *prt = sc_step_input(c, "rep_test");
	if (!pt)
		return c->err->code;
	sc_h5ad *test = NULL, *rept = NULL;
	sc_labels lab = { 0 }, lt = { 0 };
	sc_dmat xtr = { 0 }, xte = { 0 }, proba = { 0 };
	sc_split sp = { 0 };
	int32_t *ytr = NULL, *pred = NULL;
	int rc = sc_h5ad_open(&test, pt, c->err);
	if (rc || (prt && (rc = sc_h5ad_open(&rept, prt, c->err))) ||
	    (rc = sc_h5ad_read_labels(&lab, data, "obs", label_key, c->err)) ||
	    (rc = sc_h5ad_read_labels(&lt, test, "obs", label_key, c->err)))
		goto out;
	sc_labels_unlabel(&lab, json_object_get(c->params, "unlabeled"));
	sc_labels_unlabel(&lt, json_object_get(c->params, "unlabeled"));
	/* One set of categories: the training file's, then test-only names. */
	int32_t *map = sc_xmalloc((lt.ncat ? lt.ncat : 1) * sizeof(int32_t));
	size_t *seen = sc_xcalloc(lab.ncat + lt.ncat + 1, sizeof(size_t));
	for (size_t i = 0; i < lab.n; i++)
		if (lab.codes[i] >= 0)
			seen[lab.codes[i]]++;
	size_t ntrain_classes = lab.ncat;
	for (size_t k = 0; k < lt.ncat; k++) {
		size_t j;
		for (j = 0; j < lab.ncat; j++)
			if (!strcmp(lab.names[j], lt.names[k]))
				break;
		if (j == lab.ncat) {
			lab.names = sc_xrealloc(lab.names, (lab.ncat + 1) * sizeof(char *));
			lab.names[lab.ncat] = sc_xstrdup(lt.names[k]);
			j = lab.ncat++;
		}
		map[k] = (int32_t)j;
	}
	sp.train = sc_xmalloc((lab.n ? lab.n : 1) * sizeof(size_t));
	sp.test = sc_xmalloc((lt.n ? lt.n : 1) * sizeof(size_t));
	for (size_t i = 0; i < lab.n; i++)
		if (lab.codes[i] >= 0)
			sp.train[sp.ntrain++] = i;
		else
			sp.nmissing++;
	size_t *unseen_cells = sc_xcalloc(lab.ncat + 1, sizeof(size_t));
	int32_t *tcodes = sc_xmalloc((lt.n ? lt.n : 1) * sizeof(int32_t));
	for (size_t i = 0; i < lt.n; i++) {
		tcodes[i] = lt.codes[i] >= 0 ? map[lt.codes[i]] : -1;
		if (tcodes[i] < 0) {
			sp.nmissing++;
			continue;
		}
		sp.test[sp.ntest++] = i;
		if ((size_t)tcodes[i] >= ntrain_classes || !seen[tcodes[i]])
			unseen_cells[tcodes[i]]++;
	}
	sp.unseen = sc_xcalloc(lab.ncat + 1, sizeof(int32_t));
	for (size_t k = 0; k < lab.ncat; k++)
		if (unseen_cells[k])
			sp.unseen[sp.nunseen++] = (int32_t)k;
	free(unseen_cells);
	free(seen);
	free(map);
	note_split(c, &sp, &lab);
	if (!sp.ntrain || !sp.ntest) {
		free(tcodes);
		rc = sc_errf(c->err, SC_EINVAL, "%zu labelled training cells and %zu labelled test cells",
			     sp.ntrain, sp.ntest);
		goto out;
	}
	sc_dmat a = { 0 }, b = { 0 };
	if ((rc = load_rep_pair(c, rep ? rep : data, rept ? rept : test, where, &a, &b))) {
		free(tcodes);
		goto out;
	}
	ytr = sc_xmalloc(sp.ntrain * sizeof(int32_t));
	sc_split_gather(&xtr, ytr, &a, lab.codes, sp.train, sp.ntrain);
	sc_split_gather(&xte, NULL, &b, NULL, sp.test, sp.ntest);
	sc_dmat_free(&a);
	sc_dmat_free(&b);
	pred = sc_xcalloc(sp.ntest, sizeof(int32_t));
	rc = sc_classifier_fit_predict(c, method, &xtr, ytr, &xte, lab.ncat, pred, &proba);
	if (!rc) {
		/* The predictions file describes the test cells: their labels. */
		sc_labels tl = { lt.n, tcodes, lab.ncat, lab.names };
		rc = write_predictions(c, test, &tl, &sp, pred, &proba, method);
	}
	free(tcodes);
out:
	free(ytr);
	free(pred);
	sc_dmat_free(&xtr);
	sc_dmat_free(&xte);
	sc_dmat_free(&proba);
	sc_split_free(&sp);
	sc_labels_free(&lab);
	sc_labels_free(&lt);
	sc_h5ad_close(rept);
	sc_h5ad_close(test);
	return rc;
}

static int annotation_fit(sc_step_ctx *c)
{
	const char *label_key = sc_step_str(c, "label_key", NULL);
	const char *method = sc_step_str(c, "method", "logreg");
	const char *where = sc_step_str(c, "representation", "obsm/X_pca");
	const char *pd = sc_step_need(c, "data"), *pr = sc_step_input(c, "rep");
	if (!pd)
		return c->err->code;
	if (!label_key)
		return sc_errf(c->err, SC_EINVAL, "annotation needs a label_key");
	sc_h5ad *data = NULL, *rep = NULL;
	sc_labels lab = { 0 };
	sc_split sp = { 0 };
	sc_dmat x = { 0 }, proba = { 0 };
	int32_t *pred = NULL;
	int rc = sc_h5ad_open(&data, pd, c->err);
	if (rc)
		goto out;
	/* A model's embedding may come as a .npy array instead of an .h5ad. */
	int rep_npy = pr && sc_npy_is(pr);
	if (pr && !rep_npy && (rc = sc_h5ad_open(&rep, pr, c->err)))
		goto out;
	if (!strcmp(sc_json_str(json_object_get(c->params, "split"), "kind", ""), "files")) {
		if (rep_npy) {
			rc = sc_errf(c->err, SC_EINVAL, "a split by files needs .h5ad representations");
			goto out;
		}
		rc = annotation_fit_files(c, data, rep, label_key, method, where);
		goto out;
	}
	if ((rc = sc_h5ad_read_labels(&lab, data, "obs", label_key, c->err)))
		goto out;
	size_t unl = sc_labels_unlabel(&lab, json_object_get(c->params, "unlabeled"));
	if (unl)
		sc_step_note(c, "%zu cell%s labelled as missing ('nan' or an 'unlabeled' value)", unl,
			     unl == 1 ? "" : "s");
	size_t *counts = sc_xcalloc(lab.ncat ? lab.ncat : 1, sizeof(size_t));
	sc_labels_counts(&lab, counts);
	size_t present = 0;
	for (size_t k = 0; k < lab.ncat; k++)
		present += counts[k] > 0;
	free(counts);
	if (present < 2) {
		rc = sc_errf(c->err, SC_EINVAL, "label column '%s' has %zu class%s: nothing to classify",
			     label_key, present, present == 1 ? "" : "es");
		goto out;
	}
	if (!strcmp(method, "given") && !json_object_get(c->params, "split")) {
		/* A model's own predictions: every labelled cell is a test cell. */
		sp.test = sc_xmalloc((lab.n ? lab.n : 1) * sizeof(size_t));
		for (size_t i = 0; i < lab.n; i++) {
			if (lab.codes[i] >= 0)
				sp.test[sp.ntest++] = i;
			else
				sp.nmissing++;
		}
	} else if ((rc = do_split(c, &sp, data, &lab))) {
		goto out;
	}
	note_split(c, &sp, &lab);
	if (!sp.ntest || (strcmp(method, "given") && !sp.ntrain)) {
		rc = sc_errf(c->err, SC_EINVAL, "the split leaves %zu training and %zu test cells",
			     sp.ntrain, sp.ntest);
		goto out;
	}
	pred = sc_xcalloc(sp.ntest, sizeof(int32_t));
	if (!strcmp(method, "given")) {
		if (rep_npy) {
			rc = sc_errf(c->err, SC_EINVAL, "predictions must come in an .h5ad obs column");
			goto out;
		}
		if ((rc = given_predictions(c, rep ? rep : data, &lab, &sp, pred)))
			goto out;
	} else {
		if (rep_npy) {
			if ((rc = sc_npy_read(&x, pr, c->err)) ||
			    (rc = sc_rep_check_finite(&x, pr, "embedding", c->err)))
				goto out;
		} else if ((rc = sc_rep_load(&x, rep ? rep : data, where, c->err))) {
			goto out;
		}
		if (x.rows != lab.n) {
			rc = sc_errf(c->err, SC_EINVAL,
				     "the representation '%s' has %zu rows but the dataset has %zu cells",
				     where, x.rows, lab.n);
			goto out;
		}
		if ((rc = fit_predict(c, method, &x, &lab, &sp, pred, &proba)))
			goto out;
	}
	rc = write_predictions(c, data, &lab, &sp, pred, &proba, method);
out:
	free(pred);
	sc_dmat_free(&x);
	sc_dmat_free(&proba);
	sc_split_free(&sp);
	sc_labels_free(&lab);
	sc_h5ad_close(rep);
	sc_h5ad_close(data);
	return rc;
}

/* ---- annotation.eval ----------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int annotation_eval(sc_step_ctx *c)
{
	const char *pp = sc_step_need(c, "predictions");
	if (!pp)
		return c->err->code;
	sc_h5ad *h = NULL;
	sc_labels t = { 0 }, p = { 0 };
	sc_cls_report r = { 0 };
	int32_t *yt = NULL, *yp = NULL;
	char **names = NULL;
	size_t nn = 0;
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	int rc = sc_h5ad_open(&h, pp, c->err);
	if (!rc)
		rc = sc_h5ad_read_labels(&t, h, "obs", "label", c->err);
	if (!rc)
		rc = sc_h5ad_read_labels(&p, h, "obs", "predicted", c->err);
	if (rc)
		goto out;
	/* Classes as sklearn's unique_labels: the sorted union of the names that
	 * occur in truth or predictions. */
	names = sc_xcalloc(t.ncat + p.ncat + 1, sizeof(char *));
	size_t *tc = sc_xcalloc(t.ncat + 1, sizeof(size_t)), *pc = sc_xcalloc(p.ncat + 1, sizeof(size_t));
	sc_labels_counts(&t, tc);
	sc_labels_counts(&p, pc);
	for (size_t k = 0; k < t.ncat; k++)
		if (tc[k])
			names[nn++] = t.names[k];
	for (size_t k = 0; k < p.ncat; k++)
		if (pc[k])
			names[nn++] = p.names[k];
	free(tc);
	free(pc);
	qsort(names, nn, sizeof(char *), cmp_str);
	size_t w = 0;
	for (size_t k = 0; k < nn; k++)
		if (!w || strcmp(names[w - 1], names[k]))
			names[w++] = names[k];
	nn = w;
	yt = sc_xmalloc((t.n ? t.n : 1) * sizeof(int32_t));
	yp = sc_xmalloc((t.n ? t.n : 1) * sizeof(int32_t));
	size_t n = 0;
	for (size_t i = 0; i < t.n; i++) {
		if (t.codes[i] < 0 || p.codes[i] < 0)
			continue;
		const char *a = t.names[t.codes[i]], *bb = p.names[p.codes[i]];
		char **fa = bsearch(&a, names, nn, sizeof(char *), cmp_str);
		char **fb = bsearch(&bb, names, nn, sizeof(char *), cmp_str);
		yt[n] = (int32_t)(fa - names);
		yp[n] = (int32_t)(fb - names);
		n++;
	}
	if (!n) {
		rc = sc_errf(c->err, SC_EINVAL, "%s: no cell has both a label and a prediction",
			     sc_path_basename(pp));
		goto out;
	}
	if ((rc = sc_cls_report_compute(&r, yt, yp, n, c->err)))
		goto out;
	sc_step_metric(c, "accuracy", r.accuracy, 1, NULL);
	sc_step_metric(c, "balanced_accuracy", r.balanced_accuracy, 1, NULL);
	sc_step_metric(c, "precision_macro", r.precision_macro, 1, NULL);
	sc_step_metric(c, "recall_macro", r.recall_macro, 1, NULL);
	sc_step_metric(c, "f1_macro", r.f1_macro, 1, NULL);
	sc_step_metric(c, "f1_weighted", r.f1_weighted, 1, NULL);
	sc_step_metric(c, "kappa", r.kappa, 1, NULL);
	if (r.n_prec_undef)
		sc_step_note(c, "precision undefined for %zu class%s never predicted: set to 0 "
				"(sklearn's default zero_division)",
			     r.n_prec_undef, r.n_prec_undef == 1 ? "" : "es");
	if (r.n_rec_undef)
		sc_step_note(c, "recall undefined for %zu class%s absent from the truth: set to 0 "
				"(sklearn's default zero_division)",
			     r.n_rec_undef, r.n_rec_undef == 1 ? "" : "es");
	/* The per-class report and the confusion matrix, as CSV for reports. */
	sc_buf_puts(&b, "class,precision,recall,f1,support\n");
	for (size_t k = 0; k < r.nclass; k++) {
		sc_buf_csv(&b, names[r.labels[k]]);
		sc_buf_printf(&b, ",%.17g,%.17g,%.17g,%lld\n", r.precision[k], r.recall[k], r.f1[k],
			      (long long)r.support[k]);
	}
	char *rp = sc_step_out(c, "report.csv");
	rc = sc_write_file_atomic(rp, b.s, b.len, 0644, c->err);
	free(rp);
	if (rc)
		goto out;
	sc_buf_reset(&b);
	sc_buf_puts(&b, "true\\predicted");
	for (size_t k = 0; k < r.nclass; k++) {
		sc_buf_putc(&b, ',');
		sc_buf_csv(&b, names[r.labels[k]]);
	}
	sc_buf_putc(&b, '\n');
	for (size_t i = 0; i < r.nclass; i++) {
		sc_buf_csv(&b, names[r.labels[i]]);
		for (size_t k = 0; k < r.nclass; k++)
			sc_buf_printf(&b, ",%lld", (long long)r.confusion[i * r.nclass + k]);
		sc_buf_putc(&b, '\n');
	}
	char *cp = sc_step_out(c, "confusion.csv");
	rc = sc_write_file_atomic(cp, b.s, b.len, 0644, c->err);
	free(cp);
out:
	sc_buf_free(&b);
	sc_cls_report_free(&r);
	free(names);
	free(yt);
	free(yp);
	sc_labels_free(&t);
	sc_labels_free(&p);
	sc_h5ad_close(h);
	return rc;
}

const sc_step_kind sc_annotation_fit_kind = { "annotation.fit", "3", annotation_fit,
					      "train a classifier and predict held-out cells" };
const sc_step_kind sc_annotation_eval_kind = { "annotation.eval", "2", annotation_eval,
					       "classification metrics of predictions" };
