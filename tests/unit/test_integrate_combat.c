/*
 * test_integrate_combat.c - ComBat against an independent numpy
 * transcription of scanpy's pp.combat (tests/oracle/combat_ref.py) on real
 * data (CellBench 3 cell lines, CEL-seq2 vs Drop-seq), with and without a
 * numeric covariate, plus a tiny case whose zero-variance genes have
 * hand-computable results, and the input errors.
 */
#include "unit.h"
#include "binio.h"
#include "tasks/integrate/combat.h"

#include <math.h>

static double max_rel_err(const double *a, const double *b, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++) {
		double s = fabs(b[i]) > 1 ? fabs(b[i]) : 1;
		double e = fabs(a[i] - b[i]) / s;
		if (!(e <= m))
			m = e; /* NaN propagates */
	}
	return m;
}

static void labels_from_codes(sc_labels *l, const int32_t *codes, size_t n)
{
	int32_t mx = -1;
	memset(l, 0, sizeof(*l));
	l->n = n;
	l->codes = malloc(n * sizeof(int32_t));
	memcpy(l->codes, codes, n * sizeof(int32_t));
	for (size_t i = 0; i < n; i++)
		if (codes[i] > mx)
			mx = codes[i];
	l->ncat = (size_t)(mx + 1);
	l->names = calloc(l->ncat ? l->ncat : 1, sizeof(char *));
	for (size_t k = 0; k < l->ncat; k++) {
		l->names[k] = malloc(32);
		snprintf(l->names[k], 32, "b%d", (int)k);
	}
}

/* Compare sc_combat on dir/{x,batch[,cov]}.bin with dir/expected.bin. */
static void compare_with_oracle(const char *dir, int with_cov, const char *what)
{
	void *xv = NULL, *bv = NULL, *ev = NULL, *cv = NULL, *iv = NULL;
	size_t r, c, br, bc, er, ec, cr = 0, cc = 0, ir, ic;
	if (binio_read(binio_path(dir, "x.bin"), 1, &xv, &r, &c) ||
	    binio_read(binio_path(dir, "batch.bin"), 2, &bv, &br, &bc) ||
	    binio_read(binio_path(dir, "expected.bin"), 1, &ev, &er, &ec) ||
	    binio_read(binio_path(dir, "info.bin"), 2, &iv, &ir, &ic) ||
	    (with_cov && binio_read(binio_path(dir, "cov.bin"), 1, &cv, &cr, &cc))) {
		OK(0, "%s: read the oracle's files", what);
		goto out;
	}
	sc_dmat x = { r, c, xv }, cov = { cr, cc, cv };
	sc_labels lab;
	labels_from_codes(&lab, bv, br);
	sc_combat_info info;
	sc_err err = { 0 };
	int rc = sc_combat(&x, &lab, with_cov ? &cov : NULL, &info, &err);
	OK(rc == 0, "%s: combat runs (%s)", what, rc ? err.msg : "ok");
	OK(er == r && ec == c, "%s: oracle output shape %zux%zu", what, er, ec);
	if (rc == 0 && er == r && ec == c) {
		double e = max_rel_err(x.v, ev, r * c);
		OK(e <= 1e-8, "%s: equals the numpy transcription to 1e-8 relative (max %.3g)", what, e);
		const int32_t *oi = iv;
		OK(info.n_zero_var == (size_t)oi[0], "%s: %zu zero-variance genes (oracle %d)", what,
		   info.n_zero_var, oi[0]);
		OK(info.max_iterations == (size_t)oi[1], "%s: %zu EB iterations (oracle %d)", what,
		   info.max_iterations, oi[1]);
	}
	sc_labels_free(&lab);
out:
	free(xv);
	free(bv);
	free(ev);
	free(cv);
	free(iv);
}

static void test_real(void)
{
	const char *h5 = unit_datafile("cellbench_3cl_celseq2_dropseq.h5ad");
	if (!h5) {
		SKIP("combat on real data: cellbench_3cl_celseq2_dropseq.h5ad not found");
		return;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s", h5);
	for (int cov = 0; cov <= 1; cov++) {
		const char *dir = binio_tmpdir();
		char args[8192];
		snprintf(args, sizeof(args), "real '%s' '%s'%s", path, dir, cov ? " --covariate" : "");
		if (binio_oracle(unit_python(), "combat_ref.py", args) != 0) {
			OK(0, "combat oracle ran (%s)", args);
		} else {
			compare_with_oracle(dir, cov,
					    cov ? "cellbench + log-depth covariate" : "cellbench");
		}
		binio_rmdir(dir);
	}
}

/*
 * Tiny case, 5 cells (batch 0: cells 0-1, batch 1: cells 2-4), 5 genes.
 * Gene 0 is 7 everywhere: zero pooled variance, so it must come out as 7.
 * Gene 1 is 1 in batch 0 and 6 in batch 1: zero pooled variance too (the
 * batch fit is exact), so it comes out as its standardisation mean, the
 * batch-size-weighted mean of the batch means: (2*1 + 3*6) / 5 = 4.
 * Both genes make scanpy's convergence test 0/0 = NaN: one EB iteration.
 */
static void test_tiny(void)
{
	double v[5 * 5] = {
		7, 1, 0.5, 2.0, 1.1,
		7, 1, 1.5, 2.5, 0.3,
		7, 6, 3.0, 1.0, 2.2,
		7, 6, 2.0, 0.2, 2.9,
		7, 6, 4.5, 0.9, 1.7,
	};
	int32_t codes[5] = { 0, 0, 1, 1, 1 };
	sc_dmat x = { 5, 5, v };
	sc_labels lab;
	labels_from_codes(&lab, codes, 5);
	const char *dir = binio_tmpdir();
	binio_write(binio_path(dir, "x.bin"), 1, v, 5, 5);
	binio_write(binio_path(dir, "batch.bin"), 2, codes, 5, 1);
	char args[4200];
	snprintf(args, sizeof(args), "run '%s'", dir);
	int orc = binio_oracle(unit_python(), "combat_ref.py", args);
	sc_combat_info info;
	sc_err err = { 0 };
	int rc = sc_combat(&x, &lab, NULL, &info, &err);
	OK(rc == 0, "tiny: combat runs (%s)", rc ? err.msg : "ok");
	double g0 = 0, g1 = 0;
	for (int i = 0; i < 5; i++) {
		g0 = fmax(g0, fabs(SC_AT(&x, i, 0) - 7));
		g1 = fmax(g1, fabs(SC_AT(&x, i, 1) - 4));
	}
	OK(g0 <= 1e-14, "tiny: a constant gene stays 7 (off by %.3g)", g0);
	OK(g1 <= 1e-14, "tiny: a gene constant within batches becomes the weighted mean 4 "
			"(off by %.3g)", g1);
	OK(info.n_zero_var == 2, "tiny: 2 zero-variance genes (%zu)", info.n_zero_var);
	OK(info.max_iterations == 1, "tiny: NaN convergence test stops after 1 iteration (%zu)",
	   info.max_iterations);
	OK(info.n_batches == 2, "tiny: 2 batches");
	if (orc == 0) {
		void *ev = NULL;
		size_t r, c;
		if (binio_read(binio_path(dir, "expected.bin"), 1, &ev, &r, &c) == 0 && r == 5 &&
		    c == 5) {
			double e = max_rel_err(x.v, ev, 25);
			OK(e <= 1e-10, "tiny: equals the numpy transcription (max rel %.3g)", e);
		} else {
			OK(0, "tiny: read the oracle output");
		}
		free(ev);
	} else {
		OK(0, "tiny: the oracle ran");
	}
	binio_rmdir(dir);
	sc_labels_free(&lab);
}

static void test_errors(void)
{
	double v[4 * 3] = { 1, 2, 3, 2, 3, 5, 3, 1, 0, 4, 4, 1 };
	double keep[12];
	memcpy(keep, v, sizeof(v));
	sc_dmat x = { 4, 3, v };
	sc_err err = { 0 };
	sc_labels lab;

	int32_t one[4] = { 0, 0, 0, 1 }; /* batch 1 has a single cell */
	labels_from_codes(&lab, one, 4);
	int rc = sc_combat(&x, &lab, NULL, NULL, &err);
	OK(rc == SC_EINVAL && strstr(err.msg, "'b1' has 1 cell"), "a 1-cell batch is refused: %s",
	   err.msg);
	OK(!memcmp(v, keep, sizeof(v)), "the input is unchanged after an error");
	sc_labels_free(&lab);

	int32_t miss[4] = { 0, -1, 1, 1 };
	labels_from_codes(&lab, miss, 4);
	lab.ncat = 2;
	rc = sc_combat(&x, &lab, NULL, NULL, &err);
	OK(rc == SC_EINVAL && strstr(err.msg, "cell 1 has no batch"), "a missing label is refused: %s",
	   err.msg);
	sc_labels_free(&lab);

	int32_t ok2[4] = { 0, 0, 1, 1 };
	labels_from_codes(&lab, ok2, 4);
	double cv[4] = { 1, 1, 0, 0 }; /* equals batch 0's indicator */
	sc_dmat cov = { 4, 1, cv };
	rc = sc_combat(&x, &lab, &cov, NULL, &err);
	OK(rc == SC_EINVAL && strstr(err.msg, "singular"), "a collinear covariate is refused: %s",
	   err.msg);
	OK(!memcmp(v, keep, sizeof(v)), "the input is unchanged after a singular design");
	v[5] = NAN;
	rc = sc_combat(&x, &lab, NULL, NULL, &err);
	OK(rc == SC_EINVAL && strstr(err.msg, "non-finite value at cell 1, gene 2"),
	   "a NaN in the input is refused: %s", err.msg);
	v[5] = keep[5];
	sc_labels_free(&lab);

	int32_t single[4] = { 0, 0, 0, 0 };
	labels_from_codes(&lab, single, 4);
	rc = sc_combat(&x, &lab, NULL, NULL, &err);
	/* one batch: nothing to correct, and the standardised per-gene variances
	 * are all n/(n-1), so the prior is degenerate (scanpy returns NaN or noise) */
	OK(rc == SC_EINVAL && strstr(err.msg, "1 batch; at least 2"), "a single batch is refused: %s",
	   err.msg);
	sc_labels_free(&lab);

	lab.n = 3;
	rc = sc_combat(&x, &lab, NULL, NULL, &err);
	OK(rc == SC_EINVAL && strstr(err.msg, "3 batch labels for 4 cells"),
	   "a label count mismatch is refused: %s", err.msg);
}

int main(void)
{
	test_tiny();
	test_errors();
	test_real();
	return unit_done();
}
