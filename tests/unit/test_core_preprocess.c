/*
 * test_core_preprocess.c - normalize_total, log1p, scale and highly
 * variable genes (seurat, cell_ranger, seurat_v3; with and without
 * batches) against the numpy/pandas transcription of scanpy in
 * tests/oracle/hvg_ref.py on the CellBench 3-cell-line file; loess against
 * a naive direct fit and the oracle's; the column subset against a loop.
 */
#include "tasks/core/loess.h"
#include "tasks/core/preprocess.h"
#include "tasks/core/rng.h"
#include "core_oracle.h"

/* Naive direct loess: all distances sorted, 3x3 normal equations by
 * Cramer's rule on centred powers. */
static void naive_loess(double *fit, const double *x, const double *y, size_t n, double span)
{
	size_t q = (size_t)floor((double)n * span);
	double *d = malloc(n * 8);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++)
			d[j] = fabs(x[j] - x[i]);
		double *s = malloc(n * 8);
		memcpy(s, d, n * 8);
		for (size_t a = 0; a < n; a++) /* selection sort up to q: plain and slow */
			for (size_t b = a + 1; b < n && a < q; b++)
				if (s[b] < s[a]) {
					double t = s[a];
					s[a] = s[b];
					s[b] = t;
				}
		double h = s[q - 1], m[5] = { 0 }, r[3] = { 0 };
		free(s);
		for (size_t j = 0; j < n; j++) {
			double u = d[j] / h;
			if (u >= 1)
				continue;
			double w = pow(1 - u * u * u, 3), dx = x[j] - x[i], p = w;
			for (int k = 0; k < 5; k++, p *= dx) {
				m[k] += p;
				if (k < 3)
					r[k] += p * y[j];
			}
		}
		double A[3][3] = { { m[0], m[1], m[2] }, { m[1], m[2], m[3] }, { m[2], m[3], m[4] } };
		double det = A[0][0] * (A[1][1] * A[2][2] - A[1][2] * A[2][1]) -
			     A[0][1] * (A[1][0] * A[2][2] - A[1][2] * A[2][0]) +
			     A[0][2] * (A[1][0] * A[2][1] - A[1][1] * A[2][0]);
		double d0 = r[0] * (A[1][1] * A[2][2] - A[1][2] * A[2][1]) -
			    A[0][1] * (r[1] * A[2][2] - A[1][2] * r[2]) +
			    A[0][2] * (r[1] * A[2][1] - A[1][1] * r[2]);
		fit[i] = d0 / det;
	}
	free(d);
}

static void test_loess_naive(void)
{
	size_t n = 300;
	double *x = malloc(n * 8), *y = malloc(n * 8), *f1 = malloc(n * 8), *f2 = malloc(n * 8);
	sc_rng r;
	sc_rng_seed(&r, 9);
	for (size_t i = 0; i < n; i++) {
		x[i] = 4 * sc_rng_uniform(&r) - 2;
		y[i] = 0.3 * x[i] * x[i] * x[i] - x[i] + 0.2 * sc_rng_normal(&r);
	}
	sc_err err = { 0 };
	int rc = sc_loess_fit(f1, x, y, n, 0.3, 2, &err);
	naive_loess(f2, x, y, n, 0.3);
	double md = 0;
	for (size_t i = 0; i < n; i++)
		md = fmax(md, fabs(f1[i] - f2[i]));
	OK(rc == 0 && md < 1e-9, "loess = naive direct fit within 1e-9 (%.2g)", md);
	OK(sc_loess_fit(f1, x, y, n, 1.5, 2, &err) == SC_EINVAL, "span > 1 refused: %s", err.msg);
	free(x);
	free(y);
	free(f1);
	free(f2);
}

static double csr_rel(const sc_csr *a, const sc_csr *b)
{
	if (sc_csr_nnz(a) != sc_csr_nnz(b) || memcmp(a->indices, b->indices, sc_csr_nnz(a) * 4))
		return INFINITY;
	double m = 0;
	for (size_t t = 0; t < sc_csr_nnz(a); t++)
		m = fmax(m, fabs(a->data[t] - b->data[t]) / fmax(1, fabs(b->data[t])));
	return m;
}

static void csr_copy(sc_csr *out, const sc_csr *m)
{
	size_t nnz = sc_csr_nnz(m);
	sc_csr_alloc(out, m->rows, m->cols, nnz);
	memcpy(out->indptr, m->indptr, (m->rows + 1) * 8);
	memcpy(out->indices, m->indices, nnz * 4);
	memcpy(out->data, m->data, nnz * 8);
}

static void test_select_cols(const sc_csr *x)
{
	uint8_t *keep = calloc(x->cols, 1);
	size_t nk = 0;
	for (size_t j = 0; j < x->cols; j += 3)
		keep[j] = 1, nk++;
	sc_csr s = { 0 };
	sc_dmat d = { 0 }, ds = { 0 };
	sc_csr_select_cols(&s, x, keep);
	sc_csr_to_dense(&d, x);
	sc_csr_to_dense(&ds, &s);
	int same = s.cols == nk;
	for (size_t i = 0; i < x->rows && same; i++)
		for (size_t j = 0, c = 0; j < x->cols; j++)
			if (keep[j])
				same &= ds.v[i * nk + c++] == d.v[i * x->cols + j];
	OK(same, "column subset = dense loop");
	free(keep);
	sc_csr_free(&s);
	sc_dmat_free(&d);
	sc_dmat_free(&ds);
}

static void test_oracle(void)
{
	char *dir = oracle_run("preprocess", NULL);
	if (!dir) {
		if (unit_testdata())
			OK(0, "preprocess oracle runs");
		else
			SKIP("no test data: scanpy transcription comparison");
		return;
	}
	sc_csr counts = { 0 }, want = { 0 }, want4 = { 0 }, x = { 0 }, x4 = { 0 };
	sc_err err = { 0 };
	size_t nb = 0;
	int32_t *bcodes = oracle_imat(&nb, NULL, dir, "batch.bin");
	if (!bcodes || oracle_csr(&counts, dir, "counts.bin") || oracle_csr(&want, dir, "lognorm.bin") ||
	    oracle_csr(&want4, dir, "norm1e4.bin")) {
		OK(0, "preprocess oracle output loads");
		goto out;
	}
	/* normalize_total + log1p */
	csr_copy(&x, &counts);
	csr_copy(&x4, &counts);
	int rc = sc_normalize_total_csr(&x, 0, &err);
	sc_log1p_csr(&x);
	double e = csr_rel(&x, &want);
	OK(rc == 0 && e < 1e-13, "normalize_total (median target) + log1p = scanpy transcription (%.2g)", e);
	rc = sc_normalize_total_csr(&x4, 1e4, &err);
	double rs = 0;
	for (int64_t p = x4.indptr[0]; p < x4.indptr[1]; p++)
		rs += x4.data[p];
	e = csr_rel(&x4, &want4);
	OK(rc == 0 && e < 1e-13 && fabs(rs - 1e4) < 1e-8, "normalize_total to 1e4 = transcription (%.2g), "
	   "row sums to 1e4", e);
	sc_dmat dn = { 0 };
	sc_csr_to_dense(&dn, &counts);
	rc = sc_normalize_total_dense(&dn, 0, &err);
	sc_log1p_dense(&dn);
	sc_dmat dw = { 0 };
	sc_csr_to_dense(&dw, &want);
	double md = 0;
	for (size_t t = 0; t < dn.rows * dn.cols; t++)
		md = fmax(md, fabs(dn.v[t] - dw.v[t]));
	OK(rc == 0 && md < 1e-12, "dense normalize_total + log1p = sparse transcription (%.2g)", md);
	sc_dmat_free(&dn);
	sc_dmat_free(&dw);
	test_select_cols(&counts);

	/* scale */
	sc_dmat pl = { 0 }, ps = { 0 }, pnc = { 0 };
	if (oracle_dmat(&pl, dir, "pbmc_lognorm.bin") == 0 && oracle_dmat(&ps, dir, "pbmc_scaled.bin") == 0 &&
	    oracle_dmat(&pnc, dir, "pbmc_scaled_nc.bin") == 0) {
		sc_dmat c = { 0 };
		sc_dmat_alloc(&c, pl.rows, pl.cols);
		memcpy(c.v, pl.v, pl.rows * pl.cols * 8);
		sc_scale_dense(&c, 1, 10);
		md = 0;
		for (size_t t = 0; t < c.rows * c.cols; t++)
			md = fmax(md, fabs(c.v[t] - ps.v[t]));
		OK(md < 1e-10, "scale(max_value=10) = scanpy transcription (%.2g)", md);
		memcpy(c.v, pl.v, pl.rows * pl.cols * 8);
		sc_scale_dense(&c, 0, 2);
		md = 0;
		for (size_t t = 0; t < c.rows * c.cols; t++)
			md = fmax(md, fabs(c.v[t] - pnc.v[t]));
		OK(md < 1e-10, "scale(zero_center=False, max_value=2) = transcription (%.2g)", md);
		sc_dmat_free(&c);
	} else {
		OK(0, "scale oracle loads");
	}
	sc_dmat_free(&pl);
	sc_dmat_free(&ps);
	sc_dmat_free(&pnc);

	/* loess on the real log10 mean / variance */
	sc_dmat lx = { 0 }, ly = { 0 }, lf = { 0 };
	if (oracle_dmat(&lx, dir, "loess_x.bin") == 0 && oracle_dmat(&ly, dir, "loess_y.bin") == 0 &&
	    oracle_dmat(&lf, dir, "loess_fit.bin") == 0) {
		double *f = malloc(lx.rows * 8);
		rc = sc_loess_fit(f, lx.v, ly.v, lx.rows, 0.3, 2, &err);
		md = 0;
		for (size_t i = 0; i < lx.rows; i++)
			md = fmax(md, fabs(f[i] - lf.v[i]));
		OK(rc == 0 && md < 1e-9, "loess on %zu genes = numpy direct loess within 1e-9 (%.2g)", lx.rows, md);
		free(f);
	} else {
		OK(0, "loess oracle loads");
	}
	sc_dmat_free(&lx);
	sc_dmat_free(&ly);
	sc_dmat_free(&lf);

	/* highly variable genes */
	sc_labels lab = { 0 };
	lab.n = nb;
	lab.codes = bcodes;
	lab.ncat = 2;
	const char *fl[] = { "seurat", "cell_ranger", "v3" };
	for (int f = 0; f < 3; f++)
		for (int ntop = 0; ntop < 2; ntop++)
			for (int bat = 0; bat < 2; bat++) {
				if (f == 2 && !ntop)
					continue;
				char tag[64], fn[96];
				if (f == 2)
					snprintf(tag, sizeof(tag), "v3_%c", bat ? 'b' : 'n');
				else
					snprintf(tag, sizeof(tag), "%s_%d_%c", fl[f], ntop ? 2000 : 0, bat ? 'b' : 'n');
				snprintf(fn, sizeof(fn), "hvg_%s.bin", tag);
				size_t p = 0;
				int32_t *ws = oracle_imat(&p, NULL, dir, fn);
				sc_dmat wsc = { 0 };
				snprintf(fn, sizeof(fn), "score_%s.bin", tag);
				if (!ws || oracle_dmat(&wsc, dir, fn) != 0) {
					OK(0, "%s: oracle loads", tag);
					free(ws);
					continue;
				}
				sc_hvg_opts o;
				sc_hvg_opts_default(&o, f == 0 ? SC_HVG_SEURAT : f == 1 ? SC_HVG_CELL_RANGER : SC_HVG_SEURAT_V3);
				o.n_top_genes = ntop ? 2000 : 0;
				o.batch = bat ? &lab : NULL;
				/* the transcription fits loess directly; the interpolated
				 * surface scanpy uses is tested against R in test_core_loess */
				o.surface = SC_LOESS_DIRECT;
				uint8_t *sel = malloc(p);
				double *sc = malloc(p * 8);
				rc = sc_hvg(sel, sc, f == 2 ? &counts : &want, &o, &err);
				size_t diff = 0, nsel = 0, wsel = 0;
				double sd = 0;
				for (size_t j = 0; j < p; j++) {
					diff += sel[j] != (ws[j] != 0);
					nsel += sel[j];
					wsel += ws[j] != 0;
					if (isnan(sc[j]) != isnan(wsc.v[j]))
						sd = INFINITY;
					else if (!isnan(sc[j]))
						sd = fmax(sd, fabs(sc[j] - wsc.v[j]) / fmax(1, fabs(wsc.v[j])));
				}
				OK(rc == 0 && diff == 0, "hvg %s%s: same %zu genes as the scanpy transcription (%zu of %zu differ) %s",
				   tag, f == 2 ? " (direct loess)" : "", wsel, diff, nsel, rc ? err.msg : "");
				OK(rc == 0 && sd < 1e-8, "hvg %s: scores = transcription within 1e-8 (%.2g)", tag, sd);
				free(sel);
				free(sc);
				free(ws);
				sc_dmat_free(&wsc);
			}
out:
	free(bcodes);
	sc_csr_free(&counts);
	sc_csr_free(&want);
	sc_csr_free(&want4);
	sc_csr_free(&x);
	sc_csr_free(&x4);
	oracle_done(dir);
}

int main(void)
{
	test_loess_naive();
	test_oracle();
	return unit_done();
}
