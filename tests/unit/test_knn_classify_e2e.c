/*
 * test_knn_classify_e2e.c - the kNN classifier end to end (sc_knn_query
 * from the numerical core, then sc_knn_vote) against sklearn 1.2.1's
 * KNeighborsClassifier(algorithm="brute") (tests/oracle/cls_knn.py), on
 * Gaussian classes and on pbmc68k's PCA with its cell types, Euclidean and
 * cosine. Predictions and vote fractions must be equal; only an exact tie
 * in distance at the k-th neighbour could make them differ (sklearn's order
 * among ties is unspecified), and such ties are counted and reported.
 *
 * Links sc_knn_query (tasks/core/knn.c): this file is separate from
 * test_cls_knn_vote.c so that the voting tests build before the core's
 * kNN search exists.
 */
#include "tests/unit/unit.h"
#include "tests/unit/cls_oracle.h"

#include "tasks/classify/knn_classify.h"
#include "tasks/classify/split.h"
#include "tasks/core/rng.h"

typedef struct ecase {
	char id[32];
	sc_dmat tr, te;
	int32_t *ytr;
	size_t k;
	sc_metric metric;
} ecase;

static ecase cases[6];
static size_t ncases;

static void gauss_case(const char *id, size_t ntr, size_t nte, size_t d, size_t K, size_t k,
		       sc_metric metric, uint64_t seed)
{
	ecase *c = &cases[ncases++];
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->k = k;
	c->metric = metric;
	sc_rng r;
	sc_rng_seed(&r, seed);
	double *mu = malloc(K * d * sizeof(double));
	for (size_t i = 0; i < K * d; i++)
		mu[i] = 1.5 * sc_rng_normal(&r);
	sc_dmat_alloc(&c->tr, ntr, d);
	sc_dmat_alloc(&c->te, nte, d);
	c->ytr = malloc(ntr * sizeof(int32_t));
	for (size_t i = 0; i < ntr + nte; i++) {
		size_t cl = (size_t)sc_rng_below(&r, K);
		double *row = i < ntr ? &SC_AT(&c->tr, i, 0) : &SC_AT(&c->te, i - ntr, 0);
		if (i < ntr)
			c->ytr[i] = (int32_t)(5 * cl + 1);
		for (size_t j = 0; j < d; j++)
			row[j] = mu[cl * d + j] + sc_rng_normal(&r);
	}
	free(mu);
}

/* pbmc68k X_pca split 70/30 by sceval's stratified split. */
static int real_case(void)
{
	const char *h5 = unit_datafile("scanpy_pbmc68k_reduced_with_counts.h5ad");
	if (!h5)
		return -1;
	char *dump = cls_tmpfile("knn-real");
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "'%s' tests/oracle/cls_logreg.py --dump '%s' X_pca bulk_labels '%s'",
		 unit_python(), h5, dump);
	int rc = system(cmd) == 0 ? 0 : -1;
	FILE *f = rc ? NULL : fopen(dump, "r");
	size_t n, d;
	if (!f || fscanf(f, "%zu %zu", &n, &d) != 2) {
		if (f)
			fclose(f);
		unlink(dump), free(dump);
		return -1;
	}
	sc_dmat x;
	sc_dmat_alloc(&x, n, d);
	int32_t *y = malloc(n * sizeof(int32_t));
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = fscanf(f, "%d", &y[i]) == 1 ? 0 : -1;
		for (size_t j = 0; j < d && rc == 0; j++)
			rc = fscanf(f, "%lf", &SC_AT(&x, i, j)) == 1 ? 0 : -1;
	}
	fclose(f);
	unlink(dump), free(dump);
	sc_split s;
	sc_err err = {0};
	if (rc || sc_split_stratified(&s, y, n, 0.3, 1, &err)) {
		sc_dmat_free(&x), free(y);
		return -1;
	}
	for (int m = 0; m < 2; m++) {
		ecase *c = &cases[ncases++];
		snprintf(c->id, sizeof(c->id), m ? "pbmc_cos" : "pbmc_euc");
		c->k = 15;
		c->metric = m ? SC_METRIC_COSINE : SC_METRIC_EUCLIDEAN;
		sc_dmat_alloc(&c->tr, s.ntrain, d);
		sc_dmat_alloc(&c->te, s.ntest, d);
		c->ytr = malloc(s.ntrain * sizeof(int32_t));
		for (size_t i = 0; i < s.ntrain; i++) {
			memcpy(&SC_AT(&c->tr, i, 0), &SC_AT(&x, s.train[i], 0), d * sizeof(double));
			c->ytr[i] = y[s.train[i]];
		}
		for (size_t i = 0; i < s.ntest; i++)
			memcpy(&SC_AT(&c->te, i, 0), &SC_AT(&x, s.test[i], 0), d * sizeof(double));
	}
	sc_split_free(&s);
	sc_dmat_free(&x);
	free(y);
	return 0;
}

int main(void)
{
	if (!cls_have_sklearn()) {
		SKIP("kNN oracle: %s lacks sklearn", unit_python());
		return unit_done();
	}
	gauss_case("gauss_euc", 400, 150, 10, 4, 15, SC_METRIC_EUCLIDEAN, 1);
	gauss_case("gauss_cos", 300, 100, 6, 3, 7, SC_METRIC_COSINE, 2);
	gauss_case("gauss_k1", 200, 80, 5, 5, 1, SC_METRIC_EUCLIDEAN, 3);
	if (real_case())
		SKIP("real data (pbmc68k X_pca) not available");

	char *in = cls_tmpfile("knn-in"), *outp = cls_tmpfile("knn-out");
	FILE *f = fopen(in, "w");
	for (size_t t = 0; t < ncases; t++) {
		ecase *c = &cases[t];
		fprintf(f, "knn %s %zu %zu %zu %zu %s\n", c->id, c->tr.rows, c->te.rows, c->tr.cols, c->k,
			c->metric == SC_METRIC_COSINE ? "cosine" : "euclidean");
		for (size_t i = 0; i < c->tr.rows; i++) {
			fprintf(f, "%d", c->ytr[i]);
			for (size_t j = 0; j < c->tr.cols; j++)
				fprintf(f, " %.17g", SC_AT(&c->tr, i, j));
			fprintf(f, "\n");
		}
		for (size_t i = 0; i < c->te.rows; i++) {
			for (size_t j = 0; j < c->te.cols; j++)
				fprintf(f, "%.17g ", SC_AT(&c->te, i, j));
			fprintf(f, "\n");
		}
	}
	fclose(f);
	int rc = cls_run_oracle("cls_knn.py", in, outp, NULL);
	OK(rc == 0, "kNN oracle ran");
	cls_expect e;
	if (rc == 0 && cls_expect_load(&e, outp) == 0) {
		sc_err err = {0};
		for (size_t t = 0; t < ncases; t++) {
			ecase *c = &cases[t];
			sc_knn_votes v;
			if (sc_knn_classify(&v, &c->tr, c->ytr, &c->te, c->k, c->metric, &err)) {
				OK(0, "%s: %s", c->id, err.msg);
				continue;
			}
			size_t pred_diff = 0, proba_diff = 0;
			char nm[64];
			for (size_t i = 0; i < v.nq; i++) {
				snprintf(nm, sizeof(nm), "pred.%zu", i);
				pred_diff += v.pred[i] != (int32_t)cls_expect_get(&e, c->id, nm);
				for (size_t cl = 0; cl < v.nclass; cl++) {
					snprintf(nm, sizeof(nm), "proba.%zu.%zu", i, cl);
					proba_diff += fabs(v.proba[i * v.nclass + cl] -
							   cls_expect_get(&e, c->id, nm)) > 1e-15;
				}
			}
			OK(pred_diff == 0, "%s: %zu predictions equal sklearn's (%zu differ)", c->id, v.nq,
			   pred_diff);
			OK(proba_diff == 0, "%s: vote fractions equal predict_proba (%zu differ)", c->id,
			   proba_diff);
			sc_knn_votes_free(&v);
		}
		cls_expect_free(&e);
	}
	for (size_t t = 0; t < ncases; t++) {
		sc_dmat_free(&cases[t].tr);
		sc_dmat_free(&cases[t].te);
		free(cases[t].ytr);
	}
	unlink(in), unlink(outp), free(in), free(outp);
	return unit_done();
}
