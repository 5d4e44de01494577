/*
 * test_core_loess.c - the interpolated loess surface against R's loess(),
 * which runs the same dloess Fortran as skmisc.loess (scanpy's seurat_v3
 * fit), and seurat_v3's genes and ranks against scanpy's algorithm with
 * R's fit (tests/oracle/loess_oracle.py, tests/oracle/loess_ref.R): edge
 * cases, every real file with counts, a `sceval simulate` file; without
 * and with batches. Skips when R, the data or the binary is absent.
 *
 * Tolerance of the fitted values: 1e-10 relative (absolute below 1). R
 * solves each vertex's local fit with LINPACK's QR and SVD, this code with
 * its own Householder QR and Jacobi SVD; they round differently, by ~1e-13
 * on 15000 genes, and the Hermite blend adds nothing. 1e-10 leaves three
 * orders of margin and is seven below the ~1e-3 by which the direct
 * surface differs.
 */
#include "tasks/core/loess.h"
#include "tasks/core/preprocess.h"
#include "core_oracle.h"

#include <stdint.h>

#define FIT_TOL 1e-10

static void test_contract(void)
{
	sc_err err = { 0 };
	sc_loess_info info;
	double x[40], y[40], f[40];
	for (int i = 0; i < 40; i++) {
		x[i] = (i * 7 % 40) / 8.0; /* a permutation: the input need not be sorted */
		y[i] = 1 + 2 * x[i] - 0.5 * x[i] * x[i];
	}
	int rc = sc_loess_fit_interpolate(f, &info, x, y, 40, 0.3, 2, &err);
	double md = 0;
	for (int i = 0; i < 40; i++)
		md = fmax(md, fabs(f[i] - y[i]));
	/* a quadratic is its own local fit, value and slope; Hermite blending
	 * reproduces cubics */
	OK(rc == 0 && md < 1e-12, "a quadratic is fitted exactly (%.2g), %zu vertices", md, info.nvert);
	OK(sc_loess_fit_interpolate(f, NULL, x, y, 10, 0.3, 2, &err) == SC_EINVAL,
	   "3 neighbours for degree 2 refused (skmisc raises): %s", err.msg);
	OK(sc_loess_fit_interpolate(f, NULL, x, y, 40, 0, 2, &err) == SC_EINVAL, "span 0 refused: %s", err.msg);
	OK(sc_loess_fit_interpolate(f, NULL, x, y, 40, 0.3, 3, &err) == SC_EINVAL, "degree 3 refused: %s",
	   err.msg);
	for (int i = 0; i < 40; i++)
		x[i] = 2.5;
	OK(sc_loess_fit_interpolate(f, NULL, x, y, 40, 0.3, 2, &err) == SC_EINVAL,
	   "equal x (no weight in any neighbourhood) refused: %s", err.msg);
}

/* mkdtemp, a simulated file when $SCEVAL is set, then the oracle. NULL
 * after printing why; *absent set when that is a skip. */
static char *run_oracle(int *absent)
{
	static char tmpl[64];
	char line[8192], sim[256] = "";
	const char *data = unit_testdata(), *bin = getenv("SCEVAL");
	*absent = 0;
	snprintf(tmpl, sizeof(tmpl), "/tmp/sceval-loess-XXXXXX");
	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		return NULL;
	}
	char *dir = strdup(tmpl);
	if (bin && access(bin, X_OK) == 0) {
		snprintf(sim, sizeof(sim), "%s/sim.h5ad", dir);
		snprintf(line, sizeof(line), "'%s' simulate -o '%s' --cells 1500 --genes 6000 --batches 3 --seed 7 >/dev/null",
			 bin, sim);
		if (system(line) != 0) {
			OK(0, "sceval simulate runs: %s", line);
			sim[0] = 0;
		}
	} else {
		SKIP("no $SCEVAL binary: simulated data");
	}
	if (!data)
		SKIP("no test data: real files");
	snprintf(line, sizeof(line), "'%s' tests/oracle/loess_oracle.py '%s' '%s' %s", unit_python(), dir,
		 data ? data : "-", sim);
	int st = system(line);
	if (st != 0) {
		*absent = WIFEXITED(st) && WEXITSTATUS(st) == 3;
		if (!*absent)
			printf("# oracle failed (status %d): %s\n", st, line);
		oracle_done(dir);
		return NULL;
	}
	return dir;
}

static void check_fit(const char *dir, const char *name, double span, int pinv, int limited)
{
	char fn[600];
	sc_dmat xy = { 0 }, want = { 0 };
	snprintf(fn, sizeof(fn), "%s.xy", name);
	int ok = oracle_dmat(&xy, dir, fn) == 0;
	snprintf(fn, sizeof(fn), "%s.fit", name);
	ok = ok && oracle_dmat(&want, dir, fn) == 0 && want.rows == xy.rows;
	if (!ok) {
		OK(0, "%s: oracle output loads", name);
		goto out;
	}
	size_t n = xy.rows, nan = 0;
	double *x = malloc(n * 8), *y = malloc(n * 8), *f = malloc(n * 8), md = 0;
	for (size_t i = 0; i < n; i++) {
		x[i] = xy.v[2 * i];
		y[i] = xy.v[2 * i + 1];
		nan += isnan(want.v[i]);
	}
	sc_err err = { 0 };
	sc_loess_info info;
	int rc = sc_loess_fit_interpolate(f, &info, x, y, n, span, 2, &err);
	if (nan) {
		OK(rc == SC_EINVAL, "%s: R has no value at %zu of %zu points, sceval refuses: %s", name, nan, n,
		   rc ? err.msg : "(fitted)");
	} else {
		for (size_t i = 0; i < n && rc == 0; i++)
			md = fmax(md, fabs(f[i] - want.v[i]) / fmax(1, fabs(want.v[i])));
		OK(rc == 0 && md <= FIT_TOL && (info.nsing > 0) == pinv && info.limited == limited,
		   "%s: %zu points, span %g: = R's loess within %.0e (%.2g); %zu vertices%s, pseudo-inverse "
		   "at %zu (R: %s) %s",
		   name, n, span, FIT_TOL, md, info.nvert, info.limited ? " (tree full, as R's)" : "", info.nsing,
		   pinv ? "yes" : "no", rc ? err.msg : "");
	}
	free(x);
	free(y);
	free(f);
out:
	sc_dmat_free(&xy);
	sc_dmat_free(&want);
}

/* seurat_v3 with n_top_genes 2000 on TAG's counts, without (mode 'n') or
 * with ('b') its batches, against the oracle's genes and ranks. */
static void check_hvg(const char *dir, const char *tag, char mode, int raises)
{
	char fn[600];
	sc_csr counts = { 0 };
	sc_dmat want_rank = { 0 }, want_score = { 0 };
	int32_t *want_sel = NULL, *codes = NULL;
	size_t nb = 0, p = 0;
	snprintf(fn, sizeof(fn), "%s.counts", tag);
	int ok = oracle_csr(&counts, dir, fn) == 0;
	snprintf(fn, sizeof(fn), "%s.batch", tag);
	ok = ok && (codes = oracle_imat(&nb, NULL, dir, fn)) != NULL;
	snprintf(fn, sizeof(fn), "%s.%c.sel", tag, mode);
	ok = ok && (want_sel = oracle_imat(&p, NULL, dir, fn)) != NULL && p == counts.cols;
	snprintf(fn, sizeof(fn), "%s.%c.rank", tag, mode);
	ok = ok && oracle_dmat(&want_rank, dir, fn) == 0;
	snprintf(fn, sizeof(fn), "%s.%c.score", tag, mode);
	ok = ok && oracle_dmat(&want_score, dir, fn) == 0;
	if (!ok) {
		OK(0, "%s %c: oracle output loads", tag, mode);
		goto out;
	}
	sc_labels lab = { nb, codes, 0, NULL };
	for (size_t i = 0; i < nb; i++)
		if (codes[i] >= 0 && (size_t)codes[i] + 1 > lab.ncat)
			lab.ncat = (size_t)codes[i] + 1;
	sc_hvg_opts o;
	sc_hvg_opts_default(&o, SC_HVG_SEURAT_V3);
	o.batch = mode == 'b' ? &lab : NULL;
	uint8_t *sel = malloc(p);
	double *score = malloc(p * 8), *rank = malloc(p * 8);
	sc_err err = { 0 };
	int rc = sc_hvg_ranked(sel, score, rank, &counts, &o, &err);
	const char *what = mode == 'b' ? "with batches" : "no batch";
	if (raises) {
		OK(rc == SC_EINVAL, "%s %s: skmisc raises (R warned: pseudo-inverse or full tree), so does sceval: %s", tag,
		   what, rc ? err.msg : "(selected genes)");
		goto done;
	}
	size_t differ = 0, nsel = 0, rdiff = 0, ranked = 0;
	double sd = 0;
	for (size_t j = 0; j < p; j++) {
		differ += sel[j] != (want_sel[j] != 0);
		nsel += want_sel[j] != 0;
		double a = rank[j], b = want_rank.v[j];
		rdiff += !((isnan(a) && isnan(b)) || a == b);
		ranked += !isnan(b);
		sd = fmax(sd, fabs(score[j] - want_score.v[j]) / fmax(1, fabs(want_score.v[j])));
	}
	OK(rc == 0 && differ == 0 && rdiff == 0,
	   "%s %s: same %zu of %zu genes as scanpy's seurat_v3 with R's loess (%zu differ), same "
	   "highly_variable_rank for all %zu ranked (%zu differ) %s",
	   tag, what, nsel, p, differ, ranked, rdiff, rc ? err.msg : "");
	OK(rc == 0 && sd < 1e-9, "%s %s: variances_norm within 1e-9 (%.2g)", tag, what, sd);
done:
	free(sel);
	free(score);
	free(rank);
out:
	sc_csr_free(&counts);
	sc_dmat_free(&want_rank);
	sc_dmat_free(&want_score);
	free(want_sel);
	free(codes);
}

static void test_oracle(void)
{
	int absent;
	char *dir = run_oracle(&absent);
	if (!dir) {
		if (absent)
			SKIP("no Rscript (r-base-core): loess and seurat_v3 against R");
		else
			OK(0, "loess oracle runs");
		return;
	}
	char path[4096], line[1024];
	snprintf(path, sizeof(path), "%s/cases.txt", dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		OK(0, "loess oracle wrote %s", path);
		oracle_done(dir);
		return;
	}
	size_t nfit = 0, nhvg = 0;
	while (fgets(line, sizeof(line), f)) {
		char name[512], mode;
		double span;
		int flag, flag2;
		if (sscanf(line, "loess %511s %lf %d %d", name, &span, &flag, &flag2) == 4) {
			check_fit(dir, name, span, flag, flag2);
			nfit++;
		} else if (sscanf(line, "hvg %511s %c %d", name, &mode, &flag) == 3) {
			check_hvg(dir, name, mode, flag);
			nhvg++;
		} else {
			OK(0, "oracle case line parses: %s", line);
		}
	}
	fclose(f);
	OK(nfit >= 10, "%zu loess fits and %zu seurat_v3 runs compared", nfit, nhvg);
	oracle_done(dir);
}

int main(void)
{
	test_contract();
	test_oracle();
	return unit_done();
}
