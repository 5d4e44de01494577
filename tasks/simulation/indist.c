/*
 * indist.c - real-vs-simulated classifiers, iLISI and cell-type transfer
 * on the joint embedding (indist.h). Built on the annotation task's
 * classifiers (tasks/classify/) and scib's LISI (tasks/scib/lisi.h); the
 * embedding is a few thousand cells by tens of components.
 */
#include "tasks/simulation/indist.h"
#include "tasks/classify/knn_classify.h"
#include "tasks/classify/logreg.h"
#include "tasks/classify/metrics.h"
#include "tasks/classify/split.h"
#include "tasks/scib/lisi.h"
#include "tasks/core/knn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KNN_CLASSIFIER_K 15

void sc_sim_indist_free(sc_sim_indist *o)
{
	if (!o)
		return;
	free(o->fold);
	memset(o, 0, sizeof(*o));
}

static void logreg_opts(sc_logreg_opts *o)
{
	sc_logreg_opts_init(o);
	/* Newton to the optimum (tens of features: the Hessian is small), so
	 * that any solver that reaches it gives the same ranks. */
	o->solver = SC_LOGREG_NEWTON;
	o->tol = 1e-10;
	o->ftol = 0;
	o->max_iter = 1000;
	o->threads = 1;
}

/* AUROC of one fold for both classifiers. */
static int fold_auroc(double *lr, double *kn, const sc_dmat *x, const int32_t *y,
		      const sc_split *sp, sc_err *err)
{
	sc_dmat xtr = { 0 }, xte = { 0 }, proba = { 0 };
	int32_t *ytr = sc_xmalloc(sp->ntrain * sizeof(int32_t));
	int32_t *yte = sc_xmalloc(sp->ntest * sizeof(int32_t));
	double *score = sc_xmalloc(sp->ntest * sizeof(double));
	sc_split_gather(&xtr, ytr, x, y, sp->train, sp->ntrain);
	sc_split_gather(&xte, yte, x, y, sp->test, sp->ntest);
	sc_logreg m = { 0 };
	sc_knn_votes v = { 0 };
	sc_logreg_opts o;
	logreg_opts(&o);
	/* Standardised on the training cells (StandardScaler), as the
	 * annotation task's logistic regression. */
	sc_scaler sc = { 0 };
	sc_dmat str = { 0 }, ste = { 0 };
	int rc = sc_scaler_fit(&sc, &xtr, err);
	if (!rc) {
		str.rows = xtr.rows, str.cols = xtr.cols;
		str.v = sc_xmalloc(xtr.rows * xtr.cols * sizeof(double));
		memcpy(str.v, xtr.v, xtr.rows * xtr.cols * sizeof(double));
		ste.rows = xte.rows, ste.cols = xte.cols;
		ste.v = sc_xmalloc(xte.rows * xte.cols * sizeof(double));
		memcpy(ste.v, xte.v, xte.rows * xte.cols * sizeof(double));
		sc_scaler_transform(&sc, &str);
		sc_scaler_transform(&sc, &ste);
		rc = sc_logreg_fit(&m, &str, ytr, &o, err);
	}
	if (!rc)
		rc = sc_logreg_predict_proba(&proba, &m, &ste, err);
	sc_scaler_free(&sc);
	sc_dmat_free(&str);
	sc_dmat_free(&ste);
	if (!rc) {
		for (size_t i = 0; i < sp->ntest; i++)
			score[i] = SC_AT(&proba, i, 1);
		rc = sc_cls_auroc(lr, yte, score, sp->ntest, 1, err);
	}
	size_t k = KNN_CLASSIFIER_K < sp->ntrain ? KNN_CLASSIFIER_K : sp->ntrain;
	if (!rc)
		rc = sc_knn_classify(&v, &xtr, ytr, &xte, k, SC_METRIC_EUCLIDEAN, err);
	if (!rc) {
		for (size_t i = 0; i < sp->ntest; i++)
			score[i] = v.proba[i * v.nclass + (v.nclass - 1)];
		rc = sc_cls_auroc(kn, yte, score, sp->ntest, 1, err);
	}
	sc_logreg_free(&m);
	sc_knn_votes_free(&v);
	sc_dmat_free(&xtr);
	sc_dmat_free(&xte);
	sc_dmat_free(&proba);
	free(ytr);
	free(yte);
	free(score);
	return rc;
}

/* Train a cell-type classifier on the cells of source `from`, score it on
 * the other source's cells. */
static int transfer(double *acc, double *f1, const sc_dmat *x, const int32_t *source,
		    const int32_t *type, int32_t from, sc_err *err)
{
	size_t n = x->rows, ntr = 0, nte = 0;
	size_t *tr = sc_xmalloc(n * sizeof(size_t)), *te = sc_xmalloc(n * sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		if (type[i] < 0)
			continue; /* no cell type: neither trains nor is scored */
		if (source[i] == from)
			tr[ntr++] = i;
		else
			te[nte++] = i;
	}
	sc_dmat xtr = { 0 }, xte = { 0 };
	int32_t *ytr = sc_xmalloc((ntr ? ntr : 1) * sizeof(int32_t));
	int32_t *yte = sc_xmalloc((nte ? nte : 1) * sizeof(int32_t));
	int32_t *pred = sc_xmalloc((nte ? nte : 1) * sizeof(int32_t));
	sc_split_gather(&xtr, ytr, x, type, tr, ntr);
	sc_split_gather(&xte, yte, x, type, te, nte);
	sc_logreg m = { 0 };
	sc_logreg_opts o;
	logreg_opts(&o);
	sc_cls_report r = { 0 };
	int rc = sc_logreg_fit(&m, &xtr, ytr, &o, err);
	if (!rc)
		rc = sc_logreg_predict(pred, &m, &xte, err);
	if (!rc)
		rc = sc_cls_report_compute(&r, yte, pred, nte, err);
	if (!rc) {
		*acc = r.accuracy;
		*f1 = r.f1_macro;
	}
	sc_cls_report_free(&r);
	sc_logreg_free(&m);
	sc_dmat_free(&xtr);
	sc_dmat_free(&xte);
	free(tr);
	free(te);
	free(ytr);
	free(yte);
	free(pred);
	return rc;
}

static int mixing(double *ilisi, const sc_dmat *x, const int32_t *source, size_t k, sc_err *err)
{
	size_t n = x->rows;
	if (k > n - 1)
		k = n - 1;
	int32_t *idx = sc_xmalloc(n * k * sizeof(int32_t));
	double *dist = sc_xmalloc(n * k * sizeof(double));
	sc_labels b = { .n = n, .codes = (int32_t *)source, .ncat = 2 };
	char *names[2] = { "real", "simulated" };
	b.names = names;
	sc_scib_lisi l = { 0 };
	int rc = sc_knn_self(idx, dist, x, k, SC_METRIC_EUCLIDEAN, 0, err);
	if (!rc)
		rc = sc_scib_lisi_knn(&l, idx, dist, n, k, &b, NULL, 0, err);
	if (!rc)
		*ilisi = l.ilisi;
	sc_scib_lisi_free(&l);
	free(idx);
	free(dist);
	return rc;
}

int sc_sim_indist_compute(sc_sim_indist *out, const sc_dmat *x, const int32_t *source,
			  const int32_t *type, size_t ntypes, size_t folds, size_t knn_k,
			  uint64_t seed, sc_err *err)
{
	(void)ntypes;
	memset(out, 0, sizeof(*out));
	size_t n = x->rows;
	sc_folds f = { 0 };
	int rc = sc_split_kfold(&f, source, n, folds, seed, err);
	if (rc)
		return rc;
	out->fold = sc_xmalloc(n * sizeof(int32_t));
	memcpy(out->fold, f.fold, n * sizeof(int32_t));
	double slr = 0, skn = 0;
	for (size_t k = 0; k < folds && !rc; k++) {
		sc_split sp = { 0 };
		sc_folds_get(&sp, &f, k);
		double lr = NAN, kn = NAN;
		rc = fold_auroc(&lr, &kn, x, source, &sp, err);
		slr += lr;
		skn += kn;
		sc_split_free(&sp);
	}
	sc_folds_free(&f);
	out->auroc_logreg = slr / (double)folds;
	out->auroc_knn = skn / (double)folds;
	if (!rc)
		rc = mixing(&out->ilisi, x, source, knn_k, err);
	if (!rc)
		rc = transfer(&out->acc_real_to_sim, &out->f1_real_to_sim, x, source, type, 0, err);
	if (!rc)
		rc = transfer(&out->acc_sim_to_real, &out->f1_sim_to_real, x, source, type, 1, err);
	if (rc)
		sc_sim_indist_free(out);
	return rc;
}
