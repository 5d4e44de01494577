/*
 * hvg.c - scanpy.pp.highly_variable_genes: flavours seurat, cell_ranger
 * and seurat_v3, with and without batches, selecting the same genes.
 *
 * Built for 1e3..1e6 cells x 1e4..3e4 genes in CSR: per-gene means and
 * variances take two passes over the stored values of each batch (zeros
 * are counted, not visited); everything after is per gene.
 *
 * The binning reproduces pandas' cut: seurat uses n_bins equal-width bins
 * over the gene means (numpy linspace edges, the lowest lowered by 0.1% of
 * the range, bins closed on the right); cell_ranger uses edges at numpy's
 * linear percentiles 10, 15, ..., 100 of the means, with -inf and inf.
 * Where scanpy sorts with unstable or name-ordered sorts, ties are broken
 * by gene index here; ties of float statistics are rare but possible.
 * seurat_v3's loess is skmisc's default interpolated surface (loess.c),
 * equal to R's loess() to ~1e-13, so the genes and ranks are scanpy's.
 * Cells whose batch is missing (-1) are in no batch.
 */
#include "preprocess.h"
#include "loess.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sc_hvg_opts_default(sc_hvg_opts *o, sc_hvg_flavor flavor)
{
	memset(o, 0, sizeof(*o));
	o->flavor = flavor;
	o->n_top_genes = flavor == SC_HVG_SEURAT_V3 ? 2000 : 0;
	o->min_mean = 0.0125;
	o->max_mean = 3;
	o->min_disp = 0.5;
	o->max_disp = INFINITY;
	o->n_bins = 20;
	o->span = 0.3;
	o->batch = NULL;
}

/* Mean and variance (ddof 1) per gene over the listed rows; expm1 applies
 * to the stored values first (seurat); nz counts the non-zero cells. */
static void mean_var(const sc_csr *m, const size_t *rows, size_t nr, int expm1_first, double *mean,
		     double *var, size_t *nz)
{
	size_t p = m->cols;
	memset(mean, 0, p * sizeof(double));
	memset(var, 0, p * sizeof(double));
	memset(nz, 0, p * sizeof(size_t));
	for (size_t r = 0; r < nr; r++)
		for (int64_t q = m->indptr[rows[r]]; q < m->indptr[rows[r] + 1]; q++) {
			double v = expm1_first ? expm1(m->data[q]) : m->data[q];
			mean[m->indices[q]] += v;
			nz[m->indices[q]] += v != 0;
		}
	for (size_t j = 0; j < p; j++)
		mean[j] /= (double)nr;
	size_t *cnt = sc_xcalloc(p ? p : 1, sizeof(size_t));
	for (size_t r = 0; r < nr; r++)
		for (int64_t q = m->indptr[rows[r]]; q < m->indptr[rows[r] + 1]; q++) {
			size_t j = (size_t)m->indices[q];
			double v = (expm1_first ? expm1(m->data[q]) : m->data[q]) - mean[j];
			var[j] += v * v;
			cnt[j]++;
		}
	for (size_t j = 0; j < p; j++) {
		var[j] += (double)(nr - cnt[j]) * mean[j] * mean[j];
		var[j] = nr > 1 ? var[j] / (double)(nr - 1) : NAN;
	}
	free(cnt);
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median_sorted(const double *v, size_t n)
{
	if (n == 0)
		return NAN;
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* numpy's percentile (method 'linear') of sorted v at q in [0, 100] */
static double percentile(const double *v, size_t n, double q)
{
	double f = q / 100.0;
	double vi = (double)n * f + (1.0 + f * (1.0 - 1.0 - 1.0)) - 1.0;
	double lo = floor(vi);
	if (lo < 0)
		lo = 0;
	size_t a = (size_t)lo, b = a + 1 < n ? a + 1 : n - 1;
	if (a >= n)
		a = b = n - 1;
	double g = vi - lo, d = v[b] - v[a];
	return g >= 0.5 ? v[b] - d * (1 - g) : v[a] + d * g;
}

/* Bin of x for edges e[0..ne): pandas cut, right-closed: (#edges < x) - 1,
 * -1 when outside. */
static long bin_of(double x, const double *e, size_t ne)
{
	size_t lo = 0, hi = ne;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (e[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || lo == ne)
		return -1;
	return (long)lo - 1;
}

/*
 * One batch of the dispersion flavours over the genes with use[j] set:
 * fills mean_out (log1p mean for seurat), disp (log for seurat) and norm
 * (normalised dispersion, NaN where scanpy has NaN), and hv when the
 * cut-offs (not n_top) apply, or the within-batch top-n otherwise.
 */
static void dispersion_batch(const sc_csr *m, const size_t *rows, size_t nr, const uint8_t *use,
			     const sc_hvg_opts *o, double *mean_out, double *disp, double *norm, uint8_t *hv)
{
	size_t p = m->cols, ng = 0;
	int seurat = o->flavor == SC_HVG_SEURAT;
	double *mean = sc_xmalloc(p * sizeof(double)), *var = sc_xmalloc(p * sizeof(double));
	size_t *nz = sc_xmalloc(p * sizeof(size_t));
	mean_var(m, rows, nr, seurat, mean, var, nz);
	size_t *g = sc_xmalloc((p ? p : 1) * sizeof(size_t));
	for (size_t j = 0; j < p; j++) {
		if (!use[j])
			continue;
		g[ng++] = j;
		double mu = mean[j] == 0 ? 1e-12 : mean[j];
		double dsp = var[j] / mu;
		if (seurat) {
			dsp = dsp == 0 ? NAN : log(dsp);
			mu = log1p(mu);
		}
		mean_out[j] = mu;
		disp[j] = dsp;
	}
	/* bin edges */
	size_t nb = seurat ? (o->n_bins ? o->n_bins : 20) : 20;
	double *e = sc_xmalloc((nb + 1) * sizeof(double));
	double *sv = sc_xmalloc((ng ? ng : 1) * sizeof(double));
	for (size_t t = 0; t < ng; t++)
		sv[t] = mean_out[g[t]];
	qsort(sv, ng, sizeof(double), dcmp);
	if (ng && seurat) {
		double mn = sv[0], mx = sv[ng - 1];
		if (mn == mx) {
			mn -= mn != 0 ? 0.001 * fabs(mn) : 0.001;
			mx += mx != 0 ? 0.001 * fabs(mx) : 0.001;
		}
		double step = (mx - mn) / (double)nb;
		for (size_t t = 0; t <= nb; t++)
			e[t] = (double)t * step + mn;
		e[nb] = mx;
		if (sv[0] != sv[ng - 1])
			e[0] -= (mx - mn) * 0.001;
	} else if (ng) {
		e[0] = -INFINITY;
		for (size_t t = 1; t < nb; t++)
			e[t] = percentile(sv, ng, (double)(5 + 5 * t));
		e[nb] = INFINITY;
	}
	/* per-bin statistics of the (non-NaN) dispersions */
	long *bin = sc_xmalloc((p ? p : 1) * sizeof(long));
	double *avg = sc_xmalloc(nb * sizeof(double)), *dev = sc_xmalloc(nb * sizeof(double));
	double *buf = sc_xmalloc((ng ? ng : 1) * sizeof(double));
	for (size_t t = 0; t < ng; t++)
		bin[g[t]] = bin_of(mean_out[g[t]], e, nb + 1);
	for (size_t b = 0; b < nb; b++) {
		size_t c = 0;
		for (size_t t = 0; t < ng; t++)
			if (bin[g[t]] == (long)b && !isnan(disp[g[t]]))
				buf[c++] = disp[g[t]];
		if (seurat) {
			double s = 0, ss = 0;
			for (size_t u = 0; u < c; u++)
				s += buf[u];
			double a = c ? s / (double)c : NAN;
			for (size_t u = 0; u < c; u++)
				ss += (buf[u] - a) * (buf[u] - a);
			double sd = c > 1 ? sqrt(ss / (double)(c - 1)) : NAN;
			if (isnan(sd)) { /* a single gene in the bin: normalised to 1 */
				sd = a;
				a = 0;
			}
			avg[b] = a;
			dev[b] = sd;
		} else {
			qsort(buf, c, sizeof(double), dcmp);
			double med = median_sorted(buf, c);
			for (size_t u = 0; u < c; u++)
				buf[u] = fabs(buf[u] - med) / 0.6744897501960817;
			qsort(buf, c, sizeof(double), dcmp);
			avg[b] = med;
			dev[b] = median_sorted(buf, c);
		}
	}
	for (size_t t = 0; t < ng; t++) {
		size_t j = g[t];
		norm[j] = bin[j] < 0 ? NAN : (disp[j] - avg[bin[j]]) / dev[bin[j]];
	}
	/* selection within the batch */
	if (o->n_top_genes) {
		size_t c = 0;
		for (size_t t = 0; t < ng; t++)
			if (!isnan(norm[g[t]]))
				buf[c++] = norm[g[t]];
		qsort(buf, c, sizeof(double), dcmp);
		size_t nt = o->n_top_genes < ng ? o->n_top_genes : ng;
		if (nt > c)
			nt = c;
		double cut = nt ? buf[c - nt] : INFINITY;
		for (size_t t = 0; t < ng; t++)
			hv[g[t]] = !isnan(norm[g[t]]) && norm[g[t]] >= cut;
	} else {
		for (size_t t = 0; t < ng; t++) {
			size_t j = g[t];
			double d = isnan(norm[j]) ? 0 : norm[j];
			hv[j] = mean_out[j] > o->min_mean && mean_out[j] < o->max_mean && d > o->min_disp &&
				d < o->max_disp;
		}
	}
	free(mean);
	free(var);
	free(nz);
	free(g);
	free(e);
	free(sv);
	free(bin);
	free(avg);
	free(dev);
	free(buf);
}

/* ---- ordering helpers ---- */

typedef struct key2 {
	double a, b; /* sort by a (NaN last), then b, then index */
	size_t i;
} key2;

static int nan_cmp(double x, double y)
{
	if (isnan(x) || isnan(y))
		return isnan(x) - isnan(y);
	return (x > y) - (x < y);
}

static int key2_cmp(const void *p, const void *q)
{
	const key2 *x = p, *y = q;
	int c = nan_cmp(x->a, y->a);
	if (!c)
		c = nan_cmp(x->b, y->b);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* The batches as row lists; cells with a missing batch belong to none. */
static size_t batch_rows(const sc_csr *m, const sc_labels *lab, size_t ***rows, size_t **nrows)
{
	size_t nb = lab ? lab->ncat : 1;
	*rows = sc_xcalloc(nb ? nb : 1, sizeof(size_t *));
	*nrows = sc_xcalloc(nb ? nb : 1, sizeof(size_t));
	for (size_t b = 0; b < nb; b++)
		(*rows)[b] = sc_xmalloc((m->rows ? m->rows : 1) * sizeof(size_t));
	for (size_t i = 0; i < m->rows; i++) {
		long b = lab ? lab->codes[i] : 0;
		if (b < 0 || (size_t)b >= nb)
			continue;
		(*rows)[b][(*nrows)[b]++] = i;
	}
	return nb;
}

static int hvg_dispersion(uint8_t *sel, double *score, const sc_csr *m, const sc_hvg_opts *o)
{
	size_t p = m->cols, **rows, *nr;
	size_t nb = batch_rows(m, o->batch, &rows, &nr);
	double *mean = sc_xcalloc(p, sizeof(double)), *disp = sc_xcalloc(p, sizeof(double));
	double *norm = sc_xcalloc(p, sizeof(double));
	uint8_t *hv = sc_xcalloc(p, 1), *use = sc_xmalloc(p);
	double *smean = sc_xcalloc(p, sizeof(double)), *snorm = sc_xcalloc(p, sizeof(double));
	size_t *cnt_norm = sc_xcalloc(p, sizeof(size_t)), *nbat = sc_xcalloc(p, sizeof(size_t));
	size_t used_batches = 0;

	if (!o->batch) {
		memset(use, 1, p);
		dispersion_batch(m, rows[0], nr[0], use, o, mean, disp, norm, hv);
		for (size_t j = 0; j < p; j++) {
			sel[j] = hv[j];
			if (score)
				score[j] = norm[j];
		}
		goto out;
	}
	for (size_t b = 0; b < nb; b++) {
		if (nr[b] == 0)
			continue;
		used_batches++;
		/* scanpy drops the genes without a count in the batch (filter_genes
		 * min_cells=1), then counts them as 0 in the averages */
		double *mv = sc_xmalloc(p * sizeof(double)), *vv = sc_xmalloc(p * sizeof(double));
		size_t *nz = sc_xmalloc(p * sizeof(size_t));
		mean_var(m, rows[b], nr[b], 0, mv, vv, nz);
		for (size_t j = 0; j < p; j++)
			use[j] = nz[j] > 0;
		free(mv);
		free(vv);
		free(nz);
		memset(hv, 0, p);
		dispersion_batch(m, rows[b], nr[b], use, o, mean, disp, norm, hv);
		for (size_t j = 0; j < p; j++) {
			if (!use[j]) {
				cnt_norm[j]++; /* a 0 row in scanpy's concatenation */
				continue;
			}
			smean[j] += mean[j];
			if (!isnan(norm[j])) {
				snorm[j] += norm[j];
				cnt_norm[j]++;
			}
			nbat[j] += hv[j];
		}
	}
	for (size_t j = 0; j < p; j++) {
		smean[j] /= (double)(used_batches ? used_batches : 1);
		snorm[j] = cnt_norm[j] ? snorm[j] / (double)cnt_norm[j] : NAN;
		if (score)
			score[j] = snorm[j];
	}
	if (o->n_top_genes) {
		key2 *k = sc_xmalloc(p * sizeof(key2));
		for (size_t j = 0; j < p; j++) {
			k[j].a = -(double)nbat[j];
			k[j].b = -snorm[j];
			k[j].i = j;
		}
		qsort(k, p, sizeof(key2), key2_cmp);
		memset(sel, 0, p);
		for (size_t t = 0; t < p && t < o->n_top_genes; t++)
			sel[k[t].i] = 1;
		free(k);
	} else {
		for (size_t j = 0; j < p; j++) {
			double d = isnan(snorm[j]) ? 0 : snorm[j];
			sel[j] = smean[j] > o->min_mean && smean[j] < o->max_mean && d > o->min_disp &&
				 d < o->max_disp;
		}
	}
out:
	for (size_t b = 0; b < nb; b++)
		free(rows[b]);
	free(rows);
	free(nr);
	free(mean);
	free(disp);
	free(norm);
	free(hv);
	free(use);
	free(smean);
	free(snorm);
	free(cnt_norm);
	free(nbat);
	return 0;
}

/* log10 variance against log10 mean, as scanpy fits it: skmisc's loess
 * (span, degree 2, surface interpolate) unless the direct surface is asked
 * for. skmisc raises where dloess only warns (a local fit needing the
 * pseudo-inverse, a k-d tree at its size limit); so does this, rather than
 * select genes scanpy would not. */
static int variance_fit(double *fit, const double *lx, const double *ly, size_t n,
			const sc_hvg_opts *o, sc_err *err)
{
	double span = o->span > 0 ? o->span : 0.3;
	if (o->surface == SC_LOESS_DIRECT)
		return sc_loess_fit(fit, lx, ly, n, span, 2, err);
	sc_loess_info info;
	int rc = sc_loess_fit_interpolate(fit, &info, lx, ly, n, span, 2, err);
	if (rc == 0 && info.nsing)
		rc = sc_errf(err, SC_EINVAL, "loess needs the pseudo-inverse at %zu of %zu vertices "
			     "(too many genes share a mean)", info.nsing, info.nvert);
	else if (rc == 0 && info.limited)
		rc = sc_errf(err, SC_EINVAL, "loess k-d tree limited to %zu vertices", info.nvert);
	return rc;
}

static int hvg_seurat_v3(uint8_t *sel, double *score, double *rank, const sc_csr *m,
			 const sc_hvg_opts *o, sc_err *err)
{
	size_t p = m->cols, **rows, *nr, ntop = o->n_top_genes;
	int rc = 0;
	size_t nb = batch_rows(m, o->batch, &rows, &nr);
	double *mean = sc_xmalloc(p * sizeof(double)), *var = sc_xmalloc(p * sizeof(double));
	size_t *nz = sc_xmalloc(p * sizeof(size_t));
	double *lx = sc_xmalloc(p * sizeof(double)), *ly = sc_xmalloc(p * sizeof(double));
	double *fit = sc_xmalloc(p * sizeof(double)), *rstd = sc_xmalloc(p * sizeof(double));
	double *s1 = sc_xmalloc(p * sizeof(double)), *s2 = sc_xmalloc(p * sizeof(double));
	double *nv = sc_xmalloc(p * sizeof(double)), *sumnv = sc_xcalloc(p, sizeof(double));
	double *ranks = sc_xmalloc(sc_mulsz(nb ? nb : 1, p * sizeof(double)));
	size_t *nbat = sc_xcalloc(p, sizeof(size_t)), used = 0;
	key2 *k = sc_xmalloc(p * sizeof(key2));
	size_t *idx = sc_xmalloc(p * sizeof(size_t));

	for (size_t b = 0; b < nb; b++) {
		if (nr[b] == 0)
			continue;
		size_t n = nr[b], c = 0;
		mean_var(m, rows[b], n, 0, mean, var, nz);
		for (size_t j = 0; j < p; j++)
			if (var[j] > 0) {
				idx[c] = j;
				lx[c] = log10(mean[j]);
				ly[c] = log10(var[j]);
				c++;
			}
		if ((rc = variance_fit(fit, lx, ly, c, o, err))) {
			sc_errprefix(err, "seurat_v3 variance fit of batch %zu", b);
			goto out;
		}
		for (size_t j = 0; j < p; j++)
			rstd[j] = 1.0; /* sqrt(10^0) for constant genes */
		for (size_t t = 0; t < c; t++)
			rstd[idx[t]] = sqrt(pow(10.0, fit[t]));
		/* clipped sums: values above reg_std * sqrt(N) + mean are clipped */
		memset(s1, 0, p * sizeof(double));
		memset(s2, 0, p * sizeof(double));
		double vmax = sqrt((double)n);
		for (size_t r = 0; r < n; r++)
			for (int64_t q = m->indptr[rows[b][r]]; q < m->indptr[rows[b][r] + 1]; q++) {
				size_t j = (size_t)m->indices[q];
				double clip = rstd[j] * vmax + mean[j];
				double v = m->data[q] < clip ? m->data[q] : clip;
				s1[j] += v;
				s2[j] += v * v;
			}
		for (size_t j = 0; j < p; j++) {
			nv[j] = 1.0 / ((double)(n - 1) * rstd[j] * rstd[j]) *
				((double)n * mean[j] * mean[j] + s2[j] - 2.0 * s1[j] * mean[j]);
			sumnv[j] += nv[j];
		}
		/* rank by decreasing normalised variance, ties by gene index */
		for (size_t j = 0; j < p; j++) {
			k[j].a = -nv[j];
			k[j].b = 0;
			k[j].i = j;
		}
		qsort(k, p, sizeof(key2), key2_cmp);
		for (size_t t = 0; t < p; t++)
			ranks[used * p + k[t].i] = (double)t;
		used++;
	}
	if (used == 0) {
		rc = sc_errf(err, SC_EINVAL, "highly variable genes: no cells in any batch");
		goto out;
	}
	/* median of the ranks below n_top over batches; count of such batches */
	double *buf = sc_xmalloc(used * sizeof(double));
	for (size_t j = 0; j < p; j++) {
		size_t c = 0;
		for (size_t b = 0; b < used; b++)
			if (ranks[b * p + j] < (double)ntop)
				buf[c++] = ranks[b * p + j];
		nbat[j] = c;
		qsort(buf, c, sizeof(double), dcmp);
		k[j].a = median_sorted(buf, c);
		k[j].b = -(double)c;
		if (rank)
			rank[j] = k[j].a;
		k[j].i = j;
		if (score)
			score[j] = sumnv[j] / (double)used;
	}
	free(buf);
	qsort(k, p, sizeof(key2), key2_cmp);
	memset(sel, 0, p);
	for (size_t t = 0; t < p && t < ntop; t++)
		sel[k[t].i] = 1;
out:
	for (size_t b = 0; b < nb; b++)
		free(rows[b]);
	free(rows);
	free(nr);
	free(mean);
	free(var);
	free(nz);
	free(lx);
	free(ly);
	free(fit);
	free(rstd);
	free(s1);
	free(s2);
	free(nv);
	free(sumnv);
	free(ranks);
	free(nbat);
	free(k);
	free(idx);
	return rc;
}

int sc_hvg(uint8_t *selected, double *score, const sc_csr *m, const sc_hvg_opts *o, sc_err *err)
{
	return sc_hvg_ranked(selected, score, NULL, m, o, err);
}

int sc_hvg_ranked(uint8_t *selected, double *score, double *rank, const sc_csr *m,
		  const sc_hvg_opts *o, sc_err *err)
{
	if (m->rows < 2)
		return sc_errf(err, SC_EINVAL, "highly variable genes need at least 2 cells, got %zu", m->rows);
	if (o->batch && o->batch->n != m->rows)
		return sc_errf(err, SC_EINVAL, "batch labels for %zu cells, matrix has %zu", o->batch->n,
			       m->rows);
	size_t nnz = sc_csr_nnz(m);
	for (size_t q = 0; q < nnz; q++)
		if (!isfinite(m->data[q]) || (o->flavor == SC_HVG_SEURAT_V3 && m->data[q] < 0))
			return sc_errf(err, SC_EINVAL, "invalid value '%g' in the expression matrix", m->data[q]);
	switch (o->flavor) {
	case SC_HVG_SEURAT:
	case SC_HVG_CELL_RANGER:
		for (size_t j = 0; rank && j < m->cols; j++)
			rank[j] = NAN;
		return hvg_dispersion(selected, score, m, o);
	case SC_HVG_SEURAT_V3:
		if (o->n_top_genes == 0)
			return sc_errf(err, SC_EINVAL, "seurat_v3 needs n_top_genes");
		return hvg_seurat_v3(selected, score, rank, m, o, err);
	}
	return sc_errf(err, SC_EINVAL, "unknown highly variable genes flavour %d", (int)o->flavor);
}
