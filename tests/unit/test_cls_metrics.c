/*
 * test_cls_metrics.c - the classification metrics against hand calculations
 * and against scikit-learn 1.2.1 (tests/oracle/cls_metrics.py) on random
 * cases and edge cases, to 1e-12.
 */
#include "tests/unit/unit.h"
#include "tests/unit/cls_oracle.h"

#include "tasks/classify/metrics.h"
#include "util/buf.h"
#include "tasks/core/rng.h"

#define TOL 1e-12

/* ---- hand calculations (no Python needed) ---- */

static void test_hand(void)
{
	sc_err err = {0};
	sc_cls_report r;
	/* true 0 0 1 1 2, pred 0 1 1 1 0:
	 * class 0: tp 1, pred 2, true 2 -> p .5 r .5 f .5
	 * class 1: tp 2, pred 3, true 2 -> p 2/3 r 1 f .8
	 * class 2: tp 0, pred 0, true 1 -> p 0 (undefined) r 0 f 0 */
	int32_t yt[] = {0, 0, 1, 1, 2}, yp[] = {0, 1, 1, 1, 0};
	int rc = sc_cls_report_compute(&r, yt, yp, 5, &err);
	OK(rc == 0, "hand case computes");
	OK(r.nclass == 3, "hand: 3 classes");
	NEAR(r.accuracy, 0.6, TOL, "hand: accuracy 3/5");
	NEAR(r.precision[1], 2.0 / 3.0, TOL, "hand: precision of class 1");
	NEAR(r.f1[1], 0.8, TOL, "hand: F1 of class 1");
	OK(r.prec_undef[2] && !r.prec_undef[0] && !r.prec_undef[1] && r.n_prec_undef == 1,
	   "hand: precision of class 2 flagged undefined");
	OK(r.n_rec_undef == 0, "hand: no undefined recall");
	NEAR(r.balanced_accuracy, (0.5 + 1.0 + 0.0) / 3.0, TOL, "hand: balanced accuracy");
	NEAR(r.f1_macro, (0.5 + 0.8 + 0) / 3.0, TOL, "hand: macro F1");
	NEAR(r.f1_weighted, (0.5 * 2 + 0.8 * 2 + 0) / 5.0, TOL, "hand: weighted F1");
	/* kappa: po = .6; pe = (2*2 + 3*2 + 0*1) / 25 = .4 -> (.6 - .4) / .6 */
	NEAR(r.kappa, (0.6 - 0.4) / 0.6, TOL, "hand: kappa");
	OK(r.confusion[0 * 3 + 1] == 1 && r.confusion[2 * 3 + 0] == 1 && r.confusion[1 * 3 + 1] == 2,
	   "hand: confusion cells");
	sc_buf note;
	sc_buf_init(&note);
	char *names[] = {"T", "B", "NK"};
	sc_cls_report_note(&note, &r, names, 3);
	OK(!strcmp(note.s, "precision undefined for 'NK' (never predicted); zero division -> 0 "
			   "(sklearn default)"),
	   "note names the class: %s", note.s);
	sc_cls_report_free(&r);
	sc_cls_report_free(&r); /* double free of a zeroed report is a no-op */

	/* a code only predicted: recall undefined, balanced accuracy skips it */
	int32_t yt2[] = {5, 5, 9}, yp2[] = {5, 7, 9};
	rc = sc_cls_report_compute(&r, yt2, yp2, 3, &err);
	OK(rc == 0 && r.nclass == 3 && r.labels[0] == 5 && r.labels[1] == 7 && r.labels[2] == 9,
	   "sparse codes: sorted union 5 7 9");
	OK(r.rec_undef[1] && r.n_rec_undef == 1, "code only predicted: recall flagged undefined");
	sc_buf_reset(&note);
	sc_cls_report_note(&note, &r, NULL, 0);
	OK(!strcmp(note.s, "recall undefined for 7 (not in the truth); zero division -> 0 (sklearn "
			   "default)"),
	   "note without names gives codes: %s", note.s);
	sc_buf_free(&note);
	NEAR(r.balanced_accuracy, (0.5 + 1.0) / 2.0, TOL, "balanced accuracy over true classes");
	sc_cls_report_free(&r);

	/* one label overall: kappa NaN */
	int32_t one[] = {3, 3, 3};
	rc = sc_cls_report_compute(&r, one, one, 3, &err);
	OK(rc == 0 && isnan(r.kappa) && r.accuracy == 1.0, "single label: kappa NaN, accuracy 1");
	sc_cls_report_free(&r);

	int32_t bad[] = {0, -1};
	rc = sc_cls_report_compute(&r, bad, yt, 2, &err);
	OK(rc == SC_EINVAL && strstr(err.msg, "missing label"), "missing label rejected: %s",
	   err.msg);
	rc = sc_cls_report_compute(&r, yt, yp, 0, &err);
	OK(rc == SC_EINVAL, "empty input rejected");

	/* AUROC by hand: pos scores {.9, .5}, neg {.5, .1}:
	 * pairs (.9>.5) 1, (.9>.1) 1, (.5=.5) .5, (.5>.1) 1 -> 3.5/4 */
	int32_t y[] = {1, 1, 0, 0};
	double s[] = {0.9, 0.5, 0.5, 0.1};
	double a;
	OK(sc_cls_auroc(&a, y, s, 4, 1, &err) == 0, "auroc computes");
	NEAR(a, 3.5 / 4.0, TOL, "hand: auroc with a tie counts one half");
	/* AP: thresholds .9 (tp1 fp0: R .5 P 1), .5 (tp2 fp1: R 1 P 2/3), .1 (R 1)
	 * -> .5 * 1 + .5 * 2/3 */
	OK(sc_cls_average_precision(&a, y, s, 4, 1, &err) == 0, "ap computes");
	NEAR(a, 0.5 + 0.5 * 2.0 / 3.0, TOL, "hand: average precision over distinct thresholds");
	int32_t y1[] = {1, 1};
	OK(sc_cls_auroc(&a, y1, s, 2, 1, &err) == 0 && isnan(a), "auroc with one class is NaN");
	double sn[] = {0.1, NAN};
	OK(sc_cls_auroc(&a, y1, sn, 2, 1, &err) == SC_EINVAL, "NaN score rejected: %s", err.msg);
}

/* ---- against sklearn ---- */

typedef struct lcase {
	char id[32];
	size_t n;
	int32_t *yt, *yp;
} lcase;

static lcase *lcases;
static size_t nlcases;

static void add_lcase(const char *id, const int32_t *yt, const int32_t *yp, size_t n)
{
	lcases = realloc(lcases, (nlcases + 1) * sizeof(lcase));
	lcase *c = &lcases[nlcases++];
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->n = n;
	c->yt = malloc(n * sizeof(int32_t));
	c->yp = malloc(n * sizeof(int32_t));
	memcpy(c->yt, yt, n * sizeof(int32_t));
	memcpy(c->yp, yp, n * sizeof(int32_t));
}

typedef struct rcase {
	char id[32];
	size_t n, k; /* k = 0: binary with pos; else ovr with k columns */
	int32_t pos;
	int32_t *y;
	double *s;
} rcase;

static rcase *rcases;
static size_t nrcases;

static rcase *add_rcase(const char *id, size_t n, size_t k, int32_t pos)
{
	rcases = realloc(rcases, (nrcases + 1) * sizeof(rcase));
	rcase *c = &rcases[nrcases++];
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->n = n;
	c->k = k;
	c->pos = pos;
	c->y = malloc(n * sizeof(int32_t));
	c->s = malloc(n * (k ? k : 1) * sizeof(double));
	return c;
}

static void make_cases(void)
{
	sc_rng r;
	sc_rng_seed(&r, 20240601);
	int32_t yt[400], yp[400];
	char id[32];
	for (int t = 0; t < 300; t++) {
		size_t n = 1 + (size_t)sc_rng_below(&r, 300);
		size_t k = 1 + (size_t)sc_rng_below(&r, 9);
		int32_t mult = 1 + (int32_t)sc_rng_below(&r, 3); /* sparse codes */
		double q = sc_rng_uniform(&r);
		for (size_t i = 0; i < n; i++) {
			yt[i] = mult * (int32_t)sc_rng_below(&r, k);
			yp[i] = sc_rng_uniform(&r) < q ? yt[i]
							: mult * (int32_t)sc_rng_below(&r, k + 1);
		}
		snprintf(id, sizeof(id), "rand%d", t);
		add_lcase(id, yt, yp, n);
	}
	/* edge cases */
	int32_t a1[] = {0, 0, 1, 1, 2, 2}, b1[] = {0, 0, 1, 1, 1, 1}; /* class absent from pred */
	add_lcase("absent_pred", a1, b1, 6);
	int32_t a2[] = {0, 0, 1, 1}, b2[] = {0, 3, 1, 3}; /* class absent from truth */
	add_lcase("absent_true", a2, b2, 4);
	int32_t a3[] = {0, 1, 2, 3, 4, 4}, b3[] = {0, 2, 1, 3, 4, 0}; /* one-sample classes */
	add_lcase("one_sample", a3, b3, 6);
	add_lcase("all_correct", a3, a3, 6);
	int32_t b4[] = {1, 2, 3, 4, 0, 0}; /* all wrong */
	add_lcase("all_wrong", a3, b4, 6);
	int32_t a5[] = {2, 2, 2, 2}, b5[] = {2, 0, 2, 1}; /* one class in truth */
	add_lcase("single_true", a5, b5, 4);
	add_lcase("single_label", a5, a5, 4); /* kappa nan */
	int32_t a6[] = {7}, b6[] = {3};
	add_lcase("n1_wrong", a6, b6, 1);
	int32_t b7[] = {3, 3, 3, 3}; /* predictions all one class, truth another */
	add_lcase("disjoint", a5, b7, 4);

	/* binary ranking: random, with heavy ties, with other codes as negatives */
	for (int t = 0; t < 150; t++) {
		size_t n = 1 + (size_t)sc_rng_below(&r, 250);
		int ties = t % 3;
		snprintf(id, sizeof(id), "rank%d", t);
		rcase *c = add_rcase(id, n, 0, t % 5 == 0 ? 2 : 1);
		double pr = sc_rng_uniform(&r);
		for (size_t i = 0; i < n; i++) {
			c->y[i] = sc_rng_uniform(&r) < pr ? c->pos : (int32_t)sc_rng_below(&r, 2) * 3;
			double s = sc_rng_normal(&r) + (c->y[i] == c->pos ? 0.7 : 0);
			if (ties == 1)
				s = floor(s * 2) / 2; /* a handful of levels */
			else if (ties == 2)
				s = (double)sc_rng_below(&r, 3);
			c->s[i] = s;
		}
	}
	rcase *c = add_rcase("rank_allpos", 5, 0, 1);
	for (int i = 0; i < 5; i++)
		c->y[i] = 1, c->s[i] = i * 0.1;
	c = add_rcase("rank_allneg", 5, 0, 1);
	for (int i = 0; i < 5; i++)
		c->y[i] = 0, c->s[i] = i * 0.1;
	c = add_rcase("rank_alltied", 6, 0, 1);
	for (int i = 0; i < 6; i++)
		c->y[i] = i % 2, c->s[i] = 0.25;
	c = add_rcase("rank_perfect", 6, 0, 1);
	for (int i = 0; i < 6; i++)
		c->y[i] = i >= 3, c->s[i] = i;
	c = add_rcase("rank_reversed", 6, 0, 1);
	for (int i = 0; i < 6; i++)
		c->y[i] = i < 3, c->s[i] = i;

	/* one-vs-rest AUROC on probability rows (every class present) */
	for (int t = 0; t < 40; t++) {
		size_t k = 2 + (size_t)sc_rng_below(&r, 5);
		size_t n = 3 * k + (size_t)sc_rng_below(&r, 100);
		snprintf(id, sizeof(id), "ovr%d", t);
		c = add_rcase(id, n, k, 0);
		for (size_t i = 0; i < n; i++) {
			c->y[i] = i < k ? (int32_t)i : (int32_t)sc_rng_below(&r, k);
			double sum = 0;
			for (size_t j = 0; j < k; j++) {
				double v = sc_rng_uniform(&r) + (j == (size_t)c->y[i] ? 0.5 : 0);
				if (t % 2)
					v = floor(v * 4) + 1; /* ties */
				c->s[i * k + j] = v;
				sum += v;
			}
			for (size_t j = 0; j < k; j++)
				c->s[i * k + j] /= sum;
		}
	}
}

static void write_cases(FILE *f)
{
	for (size_t t = 0; t < nlcases; t++) {
		lcase *c = &lcases[t];
		fprintf(f, "labels %s %zu\n", c->id, c->n);
		for (size_t i = 0; i < c->n; i++)
			fprintf(f, "%d ", c->yt[i]);
		fprintf(f, "\n");
		for (size_t i = 0; i < c->n; i++)
			fprintf(f, "%d ", c->yp[i]);
		fprintf(f, "\n");
	}
	for (size_t t = 0; t < nrcases; t++) {
		rcase *c = &rcases[t];
		if (c->k)
			fprintf(f, "ovr %s %zu %zu\n", c->id, c->n, c->k);
		else
			fprintf(f, "rank %s %zu %d\n", c->id, c->n, c->pos);
		for (size_t i = 0; i < c->n; i++)
			fprintf(f, "%d ", c->y[i]);
		fprintf(f, "\n");
		size_t k = c->k ? c->k : 1;
		for (size_t i = 0; i < c->n; i++) {
			for (size_t j = 0; j < k; j++)
				fprintf(f, "%.17g ", c->s[i * k + j]);
			if (c->k)
				fprintf(f, "\n");
		}
		if (!c->k)
			fprintf(f, "\n");
	}
}

/* Compare one value quietly; count and print only failures (thousands of values). */
static int nchecked, nbad;
static void cmp(double got, double want, const char *id, const char *what)
{
	nchecked++;
	int same = (isnan(got) && isnan(want)) || fabs(got - want) <= TOL * fmax(1, fabs(want));
	if (!same) {
		nbad++;
		if (nbad < 20)
			printf("#   %s %s: got %.17g want %.17g\n", id, what, got, want);
	}
}

static void test_sklearn(void)
{
	if (!cls_have_sklearn()) {
		SKIP("sklearn oracle: %s lacks sklearn", unit_python());
		return;
	}
	make_cases();
	char *in = cls_tmpfile("metrics-in"), *outp = cls_tmpfile("metrics-out");
	FILE *f = fopen(in, "w");
	write_cases(f);
	fclose(f);
	int rc = cls_run_oracle("cls_metrics.py", in, outp, NULL);
	OK(rc == 0, "sklearn oracle ran");
	cls_expect e;
	if (rc || cls_expect_load(&e, outp)) {
		unlink(in), unlink(outp), free(in), free(outp);
		return;
	}
	sc_err err = {0};
	int edge_absent_pred = 0, edge_absent_true = 0;
	for (size_t t = 0; t < nlcases; t++) {
		lcase *c = &lcases[t];
		sc_cls_report r;
		if (sc_cls_report_compute(&r, c->yt, c->yp, c->n, &err)) {
			OK(0, "%s computes: %s", c->id, err.msg);
			continue;
		}
		cmp(r.accuracy, cls_expect_get(&e, c->id, "accuracy"), c->id, "accuracy");
		cmp(r.balanced_accuracy, cls_expect_get(&e, c->id, "balanced_accuracy"), c->id,
		    "balanced accuracy");
		cmp(r.precision_macro, cls_expect_get(&e, c->id, "precision_macro"), c->id, "P macro");
		cmp(r.recall_macro, cls_expect_get(&e, c->id, "recall_macro"), c->id, "R macro");
		cmp(r.f1_macro, cls_expect_get(&e, c->id, "f1_macro"), c->id, "F1 macro");
		cmp(r.f1_macro, cls_expect_get(&e, c->id, "f1_macro_direct"), c->id, "f1_score");
		cmp(r.precision_weighted, cls_expect_get(&e, c->id, "precision_weighted"), c->id,
		    "P weighted");
		cmp(r.recall_weighted, cls_expect_get(&e, c->id, "recall_weighted"), c->id,
		    "R weighted");
		cmp(r.f1_weighted, cls_expect_get(&e, c->id, "f1_weighted"), c->id, "F1 weighted");
		cmp(r.kappa, cls_expect_get(&e, c->id, "kappa"), c->id, "kappa");
		cmp((double)r.nclass, cls_expect_get(&e, c->id, "nclass"), c->id, "nclass");
		char nm[64];
		for (size_t j = 0; j < r.nclass; j++) {
			int32_t code = r.labels[j];
			snprintf(nm, sizeof(nm), "precision.%d", code);
			cmp(r.precision[j], cls_expect_get(&e, c->id, nm), c->id, nm);
			snprintf(nm, sizeof(nm), "recall.%d", code);
			cmp(r.recall[j], cls_expect_get(&e, c->id, nm), c->id, nm);
			snprintf(nm, sizeof(nm), "f1.%d", code);
			cmp(r.f1[j], cls_expect_get(&e, c->id, nm), c->id, nm);
			snprintf(nm, sizeof(nm), "support.%d", code);
			cmp((double)r.support[j], cls_expect_get(&e, c->id, nm), c->id, nm);
			for (size_t l = 0; l < r.nclass; l++) {
				snprintf(nm, sizeof(nm), "conf.%zu.%zu", j, l);
				cmp((double)r.confusion[j * r.nclass + l],
				    cls_expect_get(&e, c->id, nm), c->id, nm);
			}
		}
		if (!strcmp(c->id, "absent_pred"))
			edge_absent_pred = r.n_prec_undef == 1 && r.prec_undef[2];
		if (!strcmp(c->id, "absent_true"))
			edge_absent_true = r.n_rec_undef == 1 && r.rec_undef[2];
		sc_cls_report_free(&r);
	}
	OK(edge_absent_pred, "absent from predictions: the class's precision is flagged");
	OK(edge_absent_true, "absent from truth: the class's recall is flagged");
	OK(nbad == 0, "%zu label cases: %d values equal sklearn to 1e-12 (%d differ)", nlcases,
	   nchecked, nbad);

	nchecked = nbad = 0;
	int nan_auc = 0;
	for (size_t t = 0; t < nrcases; t++) {
		rcase *c = &rcases[t];
		double a;
		if (c->k) {
			size_t skipped = 99;
			if (sc_cls_auroc_ovr(&a, &skipped, c->y, c->s, c->n, c->k, &err)) {
				OK(0, "%s: %s", c->id, err.msg);
				continue;
			}
			cmp(a, cls_expect_get(&e, c->id, "auroc_ovr"), c->id, "auroc ovr");
			cmp((double)skipped, 0, c->id, "no column skipped");
			continue;
		}
		if (sc_cls_auroc(&a, c->y, c->s, c->n, c->pos, &err)) {
			OK(0, "%s: %s", c->id, err.msg);
			continue;
		}
		nan_auc += isnan(a);
		cmp(a, cls_expect_get(&e, c->id, "auroc"), c->id, "auroc");
		if (sc_cls_average_precision(&a, c->y, c->s, c->n, c->pos, &err)) {
			OK(0, "%s: %s", c->id, err.msg);
			continue;
		}
		cmp(a, cls_expect_get(&e, c->id, "ap"), c->id, "average precision");
	}
	OK(nbad == 0, "%zu ranking cases: %d AUROC/AP values equal sklearn to 1e-12 (%d differ)",
	   nrcases, nchecked, nbad);
	OK(nan_auc >= 2, "single-class cases give NaN AUROC where sklearn raises (%d)", nan_auc);

	cls_expect_free(&e);
	unlink(in), unlink(outp), free(in), free(outp);
	for (size_t t = 0; t < nlcases; t++)
		free(lcases[t].yt), free(lcases[t].yp);
	for (size_t t = 0; t < nrcases; t++)
		free(rcases[t].y), free(rcases[t].s);
	free(lcases);
	free(rcases);
}

int main(void)
{
	test_hand();
	test_sklearn();
	return unit_done();
}
