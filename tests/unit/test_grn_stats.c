/*
 * test_grn_stats.c - the gene-network task's statistics (tasks/grn/stats.h)
 * against independent references (tests/oracle/grn_stats.py): hypergeometric
 * tails against the exact big-integer ratio and scipy's hypergeom.sf and
 * fisher_exact(alternative='greater'), Benjamini-Hochberg against
 * statsmodels, AMI against sklearn, the early precision ratio against a
 * numpy transcription; plus hand cases that need no Python.
 */
#include "tests/unit/unit.h"
#include "tests/unit/cls_oracle.h"

#include "tasks/core/rng.h"
#include "tasks/grn/stats.h"

#include <math.h>

/* Hypergeometric cases inside the support: p-values from 1 down past 1e-300. */
typedef struct {
	int64_t x, N, K, n;
} hcase;

static size_t make_hcases(hcase *h, size_t cap)
{
	static const hcase fixed[] = {
		{ 1, 10, 3, 4 },       { 3, 10, 3, 4 },       { 2, 10, 3, 4 },
		{ 0, 10, 3, 4 },       { 5, 20, 5, 5 },       { 2, 20000, 50, 20 },
		{ 20, 20000, 200, 20 }, { 150, 20000, 200, 200 }, { 180, 20000, 200, 200 },
		{ 60, 20000, 500, 100 }, { 100, 20000, 2244, 150 }, { 1, 20000, 10, 10 },
		{ 30, 6000, 40, 35 },  { 3, 765, 200, 12 },   { 12, 765, 200, 12 },
		{ 95, 15000, 100, 100 }, { 500, 20000, 600, 700 }, { 10, 100, 90, 10 },
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]) && n < cap; i++)
		h[n++] = fixed[i];
	sc_rng r;
	sc_rng_seed(&r, 19);
	while (n < cap) {
		int64_t N = 10 + (int64_t)sc_rng_below(&r, 25000);
		int64_t K = 1 + (int64_t)sc_rng_below(&r, (uint64_t)(N < 800 ? N : 800));
		int64_t m = 1 + (int64_t)sc_rng_below(&r, (uint64_t)(N < 400 ? N : 400));
		/* x within the support, so the 2x2 table has no negative cell */
		int64_t hi = m < K ? m : K, lo = m + K - N > 0 ? m + K - N : 0;
		int64_t x = lo + (int64_t)sc_rng_below(&r, (uint64_t)(hi - lo) + 1);
		h[n++] = (hcase){ x, N, K, m };
	}
	return n;
}

static void test_hand(void)
{
	/* N 10, K 3, n 4: P(X >= 3) = C(3,3) C(7,1) / C(10,4) = 7 / 210. */
	NEAR(exp(sc_grn_hypergeom_logsf(3, 10, 3, 4)), 7.0 / 210.0, 1e-14, "hand: P(X >= 3)");
	/* P(X >= 1) = 1 - C(7,4) / C(10,4) = 1 - 35/210. */
	NEAR(exp(sc_grn_hypergeom_logsf(1, 10, 3, 4)), 175.0 / 210.0, 1e-14, "hand: P(X >= 1)");
	OK(sc_grn_hypergeom_logsf(0, 10, 3, 4) == 0, "x at the bottom of the support: p = 1");
	OK(isinf(sc_grn_hypergeom_logsf(4, 10, 3, 4)), "x above the support: log p = -inf");
	/* BH by hand: p .01 .04 .03 .2 -> sorted .01 .03 .04 .2, *4/rank:
	 * .04 .06 .0533 .2 -> running min from the top: .04 .0533 .0533 .2 */
	double p[] = { 0.01, 0.04, 0.03, 0.2 }, q[4];
	sc_err e = { 0 };
	OK(!sc_grn_bh(q, p, 4, &e), "BH runs");
	NEAR(q[0], 0.04, 1e-15, "hand BH q1");
	NEAR(q[1], 0.04 * 4 / 3, 1e-15, "hand BH q2 (running minimum)");
	NEAR(q[2], 0.04 * 4 / 3, 1e-15, "hand BH q3");
	NEAR(q[3], 0.2, 1e-15, "hand BH q4");
	double pn[] = { 0.1, NAN };
	OK(sc_grn_bh(q, pn, 2, &e) == SC_EINVAL, "a NaN p-value is refused");
	/* AMI: identical partitions 1; both one block 1. */
	int32_t a[] = { 0, 0, 1, 1, 2, 2 }, b[] = { 5, 5, 3, 3, 9, 9 }, z[] = { 0, 0, 0, 0, 0, 0 };
	double v;
	OK(!sc_grn_ami(&v, a, b, 6, &e) && fabs(v - 1) < 1e-12, "AMI of relabelled copies is 1");
	OK(!sc_grn_ami(&v, z, z, 6, &e) && v == 1, "AMI of two single blocks is 1");
	/* EPR: 2 true of 4; the top 2 scores hold one true pair: (1/2) / (2/4) = 1. */
	uint8_t t[] = { 1, 0, 1, 0 };
	double s[] = { 0.9, 0.8, 0.1, 0.2 };
	NEAR(sc_grn_epr(t, s, 4), 1.0, 1e-15, "hand EPR");
}

static void test_oracle(void)
{
	if (!cls_have_sklearn()) {
		SKIP("no Python with sklearn: oracle cases skipped");
		return;
	}
	char *in = cls_tmpfile("grn-in"), *out = cls_tmpfile("grn-out");
	FILE *f = fopen(in, "w");
	enum { NH = 160, NB = 6, NA = 8, NE = 4 };
	hcase h[NH];
	size_t nh = make_hcases(h, NH);
	for (size_t i = 0; i < nh; i++)
		fprintf(f, "H h%zu %lld %lld %lld %lld\n", i, (long long)h[i].x, (long long)h[i].N,
			(long long)h[i].K, (long long)h[i].n);
	sc_rng r;
	sc_rng_seed(&r, 7);
	double bp[NB][300], bq[300];
	size_t bm[NB];
	for (int c = 0; c < NB; c++) {
		bm[c] = 5 + sc_rng_below(&r, 290);
		fprintf(f, "B b%d %zu", c, bm[c]);
		for (size_t i = 0; i < bm[c]; i++) {
			/* Uniform, tiny (log-uniform down to 1e-300) and tied values. */
			double u = sc_rng_uniform(&r);
			bp[c][i] = i % 7 == 3 ? bp[c][i - 1] : i % 3 ? u : pow(10, -300 * u);
			fprintf(f, " %.17g", bp[c][i]);
		}
		fprintf(f, "\n");
	}
	static int32_t aa[NA][3000], ab[NA][3000];
	size_t an[NA];
	for (int c = 0; c < NA; c++) {
		an[c] = 50 + sc_rng_below(&r, 2950);
		size_t ka = 1 + sc_rng_below(&r, c < 2 ? 3 : 200), kb = 1 + sc_rng_below(&r, 200);
		for (size_t i = 0; i < an[c]; i++) {
			aa[c][i] = (int32_t)sc_rng_below(&r, ka);
			/* half the cases: b agrees with a on 70% of the genes */
			ab[c][i] = (c % 2 && sc_rng_uniform(&r) < 0.7) ? aa[c][i] * 3 + 1
								: (int32_t)sc_rng_below(&r, kb);
		}
		fprintf(f, "A a%d %zu", c, an[c]);
		for (size_t i = 0; i < an[c]; i++)
			fprintf(f, " %d", aa[c][i]);
		for (size_t i = 0; i < an[c]; i++)
			fprintf(f, " %d", ab[c][i]);
		fprintf(f, "\n");
	}
	static uint8_t et[NE][2000];
	static double es[NE][2000];
	size_t en[NE];
	for (int c = 0; c < NE; c++) {
		en[c] = 20 + sc_rng_below(&r, 1980);
		for (size_t i = 0; i < en[c]; i++) {
			et[c][i] = sc_rng_uniform(&r) < 0.1;
			/* rounded scores: ties across the top-k boundary */
			es[c][i] = round((sc_rng_normal(&r) + et[c][i]) * 8) / 8;
		}
		fprintf(f, "E e%d %zu", c, en[c]);
		for (size_t i = 0; i < en[c]; i++)
			fprintf(f, " %d", et[c][i]);
		for (size_t i = 0; i < en[c]; i++)
			fprintf(f, " %.17g", es[c][i]);
		fprintf(f, "\n");
	}
	fclose(f);
	cls_expect e;
	if (cls_run_oracle("grn_stats.py", in, out, NULL) || cls_expect_load(&e, out)) {
		OK(0, "the oracle ran");
		goto done;
	}
	size_t bad_exact = 0, bad_sf = 0, bad_fisher = 0, n_sf = 0, tiny = 0;
	char id[32];
	for (size_t i = 0; i < nh; i++) {
		snprintf(id, sizeof(id), "h%zu", i);
		double lp = sc_grn_hypergeom_logsf(h[i].x, h[i].N, h[i].K, h[i].n);
		double ex = cls_expect_get(&e, id, "exact"), sf = cls_expect_get(&e, id, "scipy_sf");
		double fi = cls_expect_get(&e, id, "fisher");
		/* log p against the exact ratio: an absolute error in log p is the
		 * relative error of p. */
		if (!(isinf(ex) ? lp == ex : fabs(lp - ex) <= 1e-12)) {
			bad_exact++;
			printf("#   %s x=%lld N=%lld K=%lld n=%lld: log p %.17g exact %.17g\n", id,
			       (long long)h[i].x, (long long)h[i].N, (long long)h[i].K,
			       (long long)h[i].n, lp, ex);
		}
		tiny += ex < log(1e-250);
		if (ex >= log(1e-300)) {
			double p = exp(lp);
			n_sf++;
			if (!(fabs(p - sf) <= 1e-12 * sf)) {
				bad_sf++;
				printf("#   %s: p %.17g scipy sf %.17g (exact %.17g)\n", id, p, sf, exp(ex));
			}
			if (!(fabs(p - fi) <= 1e-12 * fi)) {
				bad_fisher++;
				printf("#   %s: p %.17g fisher %.17g\n", id, p, fi);
			}
		}
	}
	OK(tiny >= 2, "the cases reach below 1e-250 (%zu of them)", tiny);
	OK(bad_exact == 0, "log p equals the exact big-integer tail to 1e-12 (%zu cases, %zu off)",
	   nh, bad_exact);
	OK(bad_sf == 0, "p equals scipy's hypergeom.sf to 1e-12 relative (%zu cases >= 1e-300, %zu off)",
	   n_sf, bad_sf);
	OK(bad_fisher == 0, "p equals scipy's fisher_exact greater to 1e-12 relative (%zu off)",
	   bad_fisher);
	for (int c = 0; c < NB; c++) {
		snprintf(id, sizeof(id), "b%d", c);
		sc_err err = { 0 };
		OK(!sc_grn_bh(bq, bp[c], bm[c], &err), "BH case %d runs", c);
		size_t bad = 0;
		for (size_t i = 0; i < bm[c]; i++) {
			char nm[24]; /* "q" and any size_t */
			snprintf(nm, sizeof(nm), "q%zu", i);
			double w = cls_expect_get(&e, id, nm);
			/* the same divisions in the same order: 1 ulp */
			bad += !(fabs(bq[i] - w) <= 4e-16 * w);
		}
		OK(bad == 0, "BH case %d (%zu p-values) equals statsmodels fdr_bh (%zu off)", c, bm[c], bad);
	}
	for (int c = 0; c < NA; c++) {
		snprintf(id, sizeof(id), "a%d", c);
		double v;
		sc_err err = { 0 };
		OK(!sc_grn_ami(&v, aa[c], ab[c], an[c], &err), "AMI case %d runs", c);
		/* E[MI] sums up to 1e6 terms in another order than sklearn, each
		 * exact to a few ulps: 1e-11 absolute. */
		NEAR(v, cls_expect_get(&e, id, "ami"), 1e-11, "AMI case %d (%zu genes) equals sklearn's", c,
		     an[c]);
	}
	for (int c = 0; c < NE; c++) {
		snprintf(id, sizeof(id), "e%d", c);
		NEAR(sc_grn_epr(et[c], es[c], en[c]), cls_expect_get(&e, id, "epr"), 1e-14,
		     "EPR case %d (%zu pairs, tied scores) equals the transcription", c, en[c]);
	}
	cls_expect_free(&e);
done:
	unlink(in);
	unlink(out);
	free(in);
	free(out);
}

int main(void)
{
	test_hand();
	test_oracle();
	return unit_done();
}
