/*
 * classifier.c - the classifiers behind the classification tasks (see
 * classifier.h). Each returns probabilities over all label codes, so the
 * tasks treat them alike.
 */
#include "classifier.h"
#include "tasks/classify/knn_classify.h"
#include "tasks/classify/logreg.h"
#include "tasks/classify/nn.h"
#include "tasks/classify/split.h"

#include <stdlib.h>
#include <string.h>

int sc_classifier_fit_predict(sc_step_ctx *c, const char *method, const sc_dmat *xtr_in,
			      const int32_t *ytr, const sc_dmat *xte_in, size_t ncat, int32_t *pred,
			      sc_dmat *proba)
{
	/* Copies: logistic regression standardises them in place. */
	sc_dmat xtr = { 0 }, xte = { 0 }, pr = { 0 };
	size_t ntrain = xtr_in->rows, ntest = xte_in->rows;
	sc_dmat_alloc(&xtr, xtr_in->rows, xtr_in->cols);
	sc_dmat_alloc(&xte, xte_in->rows, xte_in->cols);
	memcpy(xtr.v, xtr_in->v, xtr.rows * xtr.cols * sizeof(double));
	memcpy(xte.v, xte_in->v, xte.rows * xte.cols * sizeof(double));
	size_t *all = sc_xmalloc((ntrain ? ntrain : 1) * sizeof(size_t));
	for (size_t i = 0; i < ntrain; i++)
		all[i] = i;
	const int32_t *classes = NULL;
	size_t nclass = 0;
	int rc = 0;
	sc_logreg lr = { 0 };
	sc_scaler sc = { 0 };
	sc_knn_votes kv = { 0 };
	sc_nn *net = NULL;
	sc_nn_stats ns = { 0 };
	sc_split vs = { 0 };
	sc_dmat xa = { 0 }, xv = { 0 };
	int32_t *ya = NULL, *yv = NULL;
	if (!strcmp(method, "logreg")) {
		/* As the study evaluates embeddings: standardise, then L2 multinomial
		 * logistic regression (sklearn's LogisticRegression defaults). */
		sc_logreg_opts o;
		sc_logreg_opts_init(&o);
		o.C = sc_step_param(c, &sc_method_logreg, "C");
		o.max_iter = (int)sc_step_param(c, &sc_method_logreg, "max_iter");
		o.tol = sc_step_param(c, &sc_method_logreg, "tol");
		if ((rc = sc_scaler_fit(&sc, &xtr, c->err)))
			goto out;
		sc_scaler_transform(&sc, &xtr);
		sc_scaler_transform(&sc, &xte);
		if ((rc = sc_logreg_fit(&lr, &xtr, ytr, &o, c->err)) ||
		    (rc = sc_logreg_predict_proba(&pr, &lr, &xte, c->err)))
			goto out;
		if (!lr.converged)
			sc_step_note(c, "logistic regression stopped at max_iter=%d before converging",
				     o.max_iter);
		classes = lr.classes;
		nclass = lr.nclass;
	} else if (!strcmp(method, "knn")) {
		/* sklearn's KNeighborsClassifier: uniform votes of the k nearest
		 * training cells (Euclidean), ties to the smallest class. */
		size_t k = (size_t)sc_step_param(c, &sc_method_knn, "k");
		if (k < 1 || k > ntrain) {
			rc = sc_errf(c->err, SC_EINVAL, "knn: k=%zu but %zu training cells", k, ntrain);
			goto out;
		}
		if ((rc = sc_knn_classify(&kv, &xtr, ytr, &xte, k, SC_METRIC_EUCLIDEAN, c->err)))
			goto out;
		sc_dmat_alloc(&pr, kv.nq, kv.nclass);
		memcpy(pr.v, kv.proba, kv.nq * kv.nclass * sizeof(double));
		classes = kv.classes;
		nclass = kv.nclass;
	} else if (!strcmp(method, "nn")) {
		/* The study's plain network: input -> 512 -> 256 -> classes, BatchNorm,
		 * Mish, Adam; early stopping on a validation part of the training set. */
		sc_nn_opts o;
		sc_nn_opts_init(&o);
		o.seed = (uint64_t)c->seed;
		o.lr = sc_step_param(c, &sc_method_nn, "lr");
		o.batch = (size_t)sc_step_param(c, &sc_method_nn, "batch_size");
		o.max_epochs = (int)sc_step_param(c, &sc_method_nn, "max_epochs");
		o.patience = (int)sc_step_param(c, &sc_method_nn, "patience");
		/* Early stopping watches a stratified tenth of the training cells. */
		if ((rc = sc_split_validation(&vs, ytr, all, ntrain,
					      sc_step_param(c, &sc_method_nn, "val_fraction"), (uint64_t)c->seed,
					      c->err)))
			goto out;
		ya = sc_xmalloc((vs.ntrain ? vs.ntrain : 1) * sizeof(int32_t));
		yv = sc_xmalloc((vs.ntest ? vs.ntest : 1) * sizeof(int32_t));
		sc_split_gather(&xa, ya, &xtr, ytr, vs.train, vs.ntrain);
		sc_split_gather(&xv, yv, &xtr, ytr, vs.test, vs.ntest);
		if ((rc = sc_nn_fit(&net, &ns, &xa, ya, vs.ntest ? &xv : NULL, vs.ntest ? yv : NULL, &o,
				    c->err)) ||
		    (rc = sc_nn_predict_proba(&pr, net, &xte, c->err)))
			goto out;
		classes = sc_nn_classes(net);
		nclass = sc_nn_nclass(net);
		sc_step_note(c, "neural network: %d epochs, weights of epoch %d kept", ns.epochs,
			     ns.best_epoch);
	} else {
		rc = sc_errf(c->err, SC_EINVAL, "unknown annotation method '%s'", method);
		goto out;
	}
	/* Spread the method's class columns over all label categories. */
	sc_dmat_alloc(proba, ntest, ncat);
	for (size_t i = 0; i < ntest; i++)
		for (size_t k = 0; k < nclass; k++)
			SC_AT(proba, i, classes[k]) = SC_AT(&pr, i, k);
	sc_dmat_argmax_rows(pred, &pr, classes);
out:
	sc_scaler_free(&sc);
	sc_logreg_free(&lr);
	sc_knn_votes_free(&kv);
	sc_nn_free(net);
	sc_nn_stats_free(&ns);
	sc_split_free(&vs);
	sc_dmat_free(&xa);
	sc_dmat_free(&xv);
	free(ya);
	free(yv);
	sc_dmat_free(&pr);
	sc_dmat_free(&xtr);
	sc_dmat_free(&xte);
	free(all);
	return rc;
}


/* ---- the classifiers as built-in methods ------------------------------------ */

/* Seeded: in both tasks that use them the split (or the folds) draws from
 * the seed, and nn's initialisation and batches too. */

static const sc_method_param logreg_params[] = {
	{ .name = "C", .type = SC_PARAM_POSITIVE, .dflt = "1",
	  .doc = "inverse of the L2 regularisation strength (sklearn's C)" },
	{ .name = "max_iter", .type = SC_PARAM_COUNT, .dflt = "1000",
	  .doc = "L-BFGS iterations at most (a note says when it stopped there)" },
	{ .name = "tol", .type = SC_PARAM_POSITIVE, .dflt = "1e-4",
	  .doc = "stopping tolerance on the projected gradient" },
	{ NULL },
};

const sc_method_desc sc_method_logreg = {
	.name = "logreg",
	.summary = "multinomial L2 logistic regression on standardised features (sklearn's)",
	.seeded = 1,
	.provides = "predictions",
	.params = logreg_params,
};

static const sc_method_param knn_params[] = {
	{ .name = "k", .type = SC_PARAM_COUNT, .dflt = "5",
	  .doc = "neighbours that vote (uniform weights, Euclidean distance)" },
	{ NULL },
};

const sc_method_desc sc_method_knn = {
	.name = "knn",
	.summary = "k-nearest-neighbours vote (sklearn's KNeighborsClassifier)",
	.seeded = 1,
	.provides = "predictions",
	.params = knn_params,
};

static const sc_method_param nn_params[] = {
	{ .name = "lr", .type = SC_PARAM_POSITIVE, .dflt = "1e-4", .doc = "Adam's learning rate" },
	{ .name = "batch_size", .type = SC_PARAM_COUNT, .dflt = "128", .doc = "cells per mini-batch" },
	{ .name = "max_epochs", .type = SC_PARAM_COUNT, .dflt = "100", .doc = "epochs at most" },
	{ .name = "patience", .type = SC_PARAM_COUNT, .dflt = "10",
	  .doc = "epochs without a better validation loss before stopping" },
	{ .name = "val_fraction", .type = SC_PARAM_UNIT, .dflt = "0.1",
	  .doc = "stratified part of the training cells for early stopping" },
	{ NULL },
};

const sc_method_desc sc_method_nn = {
	.name = "nn",
	.summary = "the study's network: input -> 512 -> 256 -> classes, BatchNorm, Mish, Adam",
	.seeded = 1,
	.provides = "predictions",
	.params = nn_params,
	.representation = "hvg", /* the study feeds it 2,000 HVGs */
};
