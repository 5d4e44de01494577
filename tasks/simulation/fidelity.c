/*
 * fidelity.c - the distribution and correlation comparisons of the
 * simulation task (fidelity.h). Summaries stream over the cells in blocks
 * (memory: a block plus groups x genes sums); the Spearman matrices are
 * formed on a subsample of cells the caller chooses.
 */
#include "tasks/simulation/fidelity.h"
#include "tasks/core/blas.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define READ_BLOCK 4096

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double *sorted_finite(const double *a, size_t n, size_t *m)
{
	double *s = sc_xmalloc((n ? n : 1) * sizeof(double));
	*m = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(a[i]))
			s[(*m)++] = a[i];
	qsort(s, *m, sizeof(double), cmp_double);
	return s;
}

double sc_sim_ks(const double *a, size_t na, const double *b, size_t nb)
{
	size_t ma, mb;
	double *x = sorted_finite(a, na, &ma), *y = sorted_finite(b, nb, &mb);
	double d = NAN;
	if (ma && mb) {
		/* Walk the merged values; at each distinct value both CDFs jump past it. */
		size_t i = 0, j = 0;
		d = 0;
		while (i < ma && j < mb) {
			double v = x[i] < y[j] ? x[i] : y[j];
			while (i < ma && x[i] == v)
				i++;
			while (j < mb && y[j] == v)
				j++;
			double diff = fabs((double)i / (double)ma - (double)j / (double)mb);
			if (diff > d)
				d = diff;
		}
	}
	free(x);
	free(y);
	return d;
}

void sc_sim_summary_free(sc_sim_summary *s)
{
	if (!s)
		return;
	free(s->s1);
	free(s->s2);
	free(s->nz);
	free(s->ncells);
	free(s->lib);
	free(s->zero);
	free(s->lnvar);
	memset(s, 0, sizeof(*s));
}

int sc_sim_summarize(sc_sim_summary *out, sc_h5ad *h, const char *counts, const int32_t *type,
		     size_t ntypes, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	size_t n, G;
	sc_h5ad_shape(h, &n, &G);
	size_t NG = ntypes + 1;
	out->n = n;
	out->genes = G;
	out->groups = NG;
	out->type = (int32_t *)type;
	out->s1 = sc_xcalloc(NG * G, sizeof(double));
	out->s2 = sc_xcalloc(NG * G, sizeof(double));
	out->nz = sc_xcalloc(NG * G, sizeof(double));
	out->ncells = sc_xcalloc(NG, sizeof(double));
	out->lib = sc_xcalloc(n ? n : 1, sizeof(double));
	out->zero = sc_xcalloc(n ? n : 1, sizeof(double));
	out->lnvar = sc_xcalloc(G ? G : 1, sizeof(double));
	double *l1 = sc_xcalloc(G ? G : 1, sizeof(double)), *l2 = sc_xcalloc(G ? G : 1, sizeof(double));
	int rc = 0;
	for (size_t r0 = 0; r0 < n && !rc; r0 += READ_BLOCK) {
		size_t r1 = r0 + READ_BLOCK < n ? r0 + READ_BLOCK : n;
		sc_csr b;
		if ((rc = sc_h5ad_read_rows(&b, h, counts, r0, r1, SC_H5AD_COUNTS, err)))
			break;
		for (size_t i = 0; i < b.rows; i++) {
			size_t c = r0 + i, grp[2] = { 0, type[c] >= 0 ? 1 + (size_t)type[c] : 0 };
			int ng = type[c] >= 0 ? 2 : 1; /* a cell without a type counts overall only */
			double L = 0, nzc = 0;
			for (int64_t k = b.indptr[i]; k < b.indptr[i + 1]; k++)
				L += b.data[k];
			for (int64_t k = b.indptr[i]; k < b.indptr[i + 1]; k++) {
				double v = b.data[k];
				if (v == 0)
					continue;
				size_t g = (size_t)b.indices[k];
				nzc++;
				for (int q = 0; q < ng; q++) {
					out->s1[grp[q] * G + g] += v;
					out->s2[grp[q] * G + g] += v * v;
					out->nz[grp[q] * G + g] += 1;
				}
				double lv = log1p(v / L * 1e4);
				l1[g] += lv;
				l2[g] += lv * lv;
			}
			out->ncells[0]++;
			if (ng == 2)
				out->ncells[grp[1]]++;
			out->lib[c] = L;
			out->zero[c] = G ? 1 - nzc / (double)G : NAN;
		}
		sc_csr_free(&b);
	}
	for (size_t g = 0; g < G && n > 1; g++) {
		double m = l1[g] / (double)n, v = (l2[g] - (double)n * m * m) / (double)(n - 1);
		out->lnvar[g] = v > 0 ? v : 0;
	}
	free(l1);
	free(l2);
	if (rc)
		sc_sim_summary_free(out);
	return rc;
}

void sc_sim_gene_stat(double *out, const sc_sim_summary *s, size_t grp, int kind)
{
	size_t G = s->genes;
	double n = s->ncells[grp];
	for (size_t g = 0; g < G; g++) {
		double s1 = s->s1[grp * G + g], s2 = s->s2[grp * G + g];
		double mean = n > 0 ? s1 / n : NAN;
		double var = n > 1 ? (s2 - s1 * mean) / (n - 1) : NAN;
		if (var < 0)
			var = 0;
		switch (kind) {
		case SC_SIM_GENE_MEAN: out[g] = mean; break;
		case SC_SIM_GENE_VAR: out[g] = var; break;
		case SC_SIM_GENE_CV: out[g] = mean > 0 ? sqrt(var) / mean : NAN; break;
		default: out[g] = n > 0 ? 1 - s->nz[grp * G + g] / n : NAN; break;
		}
	}
}

static void bin_curve(double *sum, double *cnt, const double *mean, const double *y, size_t n,
		      double lo, double w, size_t nbins)
{
	for (size_t b = 0; b < nbins; b++)
		sum[b] = cnt[b] = 0;
	for (size_t g = 0; g < n; g++) {
		if (!(mean[g] > 0) || !isfinite(y[g]))
			continue;
		double x = log10(mean[g]);
		long b = (long)floor((x - lo) / w);
		if (b == (long)nbins && x <= lo + w * (double)nbins)
			b = (long)nbins - 1; /* the top edge belongs to the last bin */
		if (b < 0 || b >= (long)nbins)
			continue;
		sum[b] += y[g];
		cnt[b] += 1;
	}
}

double sc_sim_curve_mad(const double *mean_a, const double *y_a, size_t na,
			const double *mean_b, const double *y_b, size_t nb, size_t nbins)
{
	double lo = INFINITY, hi = -INFINITY;
	for (size_t g = 0; g < na; g++)
		if (mean_a[g] > 0 && isfinite(y_a[g])) {
			double x = log10(mean_a[g]);
			lo = x < lo ? x : lo;
			hi = x > hi ? x : hi;
		}
	if (!(hi >= lo) || !nbins)
		return NAN;
	double w = hi > lo ? (hi - lo) / (double)nbins : 1;
	double *sa = sc_xmalloc(4 * nbins * sizeof(double)), *ca = sa + nbins, *sb = ca + nbins,
	       *cb = sb + nbins;
	bin_curve(sa, ca, mean_a, y_a, na, lo, w, nbins);
	bin_curve(sb, cb, mean_b, y_b, nb, lo, w, nbins);
	double tot = 0, used = 0;
	for (size_t b = 0; b < nbins; b++)
		if (ca[b] > 0 && cb[b] > 0) {
			tot += fabs(sa[b] / ca[b] - sb[b] / cb[b]);
			used++;
		}
	free(sa);
	return used ? tot / used : NAN;
}

static const double *rank_src;
static int by_value(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	double x = rank_src[i], y = rank_src[j];
	return x < y ? -1 : x > y ? 1 : (i > j) - (i < j);
}

/* Ranks (1-based, ties averaged) of v into r. */
static void rank_avg(double *r, const double *v, size_t n, size_t *ord)
{
	for (size_t i = 0; i < n; i++)
		ord[i] = i;
	rank_src = v;
	qsort(ord, n, sizeof(size_t), by_value);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && v[ord[j + 1]] == v[ord[i]])
			j++;
		double avg = 0.5 * (double)(i + j) + 1;
		for (size_t q = i; q <= j; q++)
			r[ord[q]] = avg;
		i = j + 1;
	}
}

void sc_sim_spearman(double *out, const double *x, size_t n, size_t k)
{
	double *R = sc_xmalloc((n && k ? n * k : 1) * sizeof(double));
	double *col = sc_xmalloc((n ? n : 1) * sizeof(double)), *rk = sc_xmalloc((n ? n : 1) * sizeof(double));
	size_t *ord = sc_xmalloc((n ? n : 1) * sizeof(size_t));
	double *sd = sc_xmalloc((k ? k : 1) * sizeof(double));
	for (size_t j = 0; j < k; j++) {
		for (size_t i = 0; i < n; i++)
			col[i] = x[i * k + j];
		rank_avg(rk, col, n, ord);
		double m = 0, ss = 0;
		for (size_t i = 0; i < n; i++)
			m += rk[i];
		m /= (double)n;
		for (size_t i = 0; i < n; i++) {
			R[i * k + j] = rk[i] - m;
			ss += R[i * k + j] * R[i * k + j];
		}
		sd[j] = sqrt(ss);
	}
	memset(out, 0, k * k * sizeof(double));
	int nt = sc_blas_serial_begin();
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)k, (int)n, 1.0, R, (int)k, 0.0, out,
		    (int)k);
	sc_blas_serial_end(nt);
	for (size_t a = 0; a < k; a++)
		for (size_t b = a; b < k; b++) {
			double v = a == b ? 1 : (sd[a] > 0 && sd[b] > 0 ? out[a * k + b] / (sd[a] * sd[b]) : 0);
			out[a * k + b] = out[b * k + a] = v;
		}
	free(R);
	free(col);
	free(rk);
	free(ord);
	free(sd);
}

void sc_sim_corr_distance(double *mad, double *rel_frob, const double *A, const double *B,
			  size_t k)
{
	double sa = 0, sd = 0, s2 = 0, n = 0;
	for (size_t a = 0; a < k; a++)
		for (size_t b = 0; b < k; b++) {
			if (a == b)
				continue;
			double d = A[a * k + b] - B[a * k + b];
			sd += fabs(d);
			s2 += d * d;
			sa += A[a * k + b] * A[a * k + b];
			n++;
		}
	*mad = n ? sd / n : NAN;
	*rel_frob = sa > 0 ? sqrt(s2 / sa) : NAN;
}
