/*
 * tasks/grn/network.c - gene clustering, enrichment and pair scoring (see
 * network.h). Workload: 20,000 genes; a thousand programs against the
 * 6,036 GO BP sets (overlaps from an inverted index, so only the pairs
 * that share a gene are visited); a few thousand genes for pair scoring.
 */
#include "network.h"
#include "stats.h"
#include "tasks/core/graph.h"
#include "tasks/core/knn.h"
#include "tasks/core/leiden.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int sc_grn_cluster_genes(int32_t *cluster, size_t *n_clusters, const sc_dmat *x, size_t k,
			 double resolution, uint64_t seed, sc_err *err)
{
	size_t n = x->rows;
	if (k > n)
		k = n;
	int32_t *idx = sc_xmalloc(sc_mulsz(n, k) * sizeof(int32_t));
	double *dist = sc_xmalloc(sc_mulsz(n, k) * sizeof(double));
	sc_csr g = { 0 };
	int rc = sc_knn_self(idx, dist, x, k, SC_METRIC_COSINE, 1, err);
	if (!rc)
		rc = sc_umap_connectivities(&g, idx, dist, n, k, err);
	if (!rc)
		rc = sc_leiden(cluster, n_clusters, &g, resolution, seed, err);
	free(idx);
	free(dist);
	sc_csr_free(&g);
	return rc;
}

void sc_grn_enrichment_free(sc_grn_enrichment *e)
{
	if (!e)
		return;
	free(e->program_size);
	free(e->tests);
	free(e->best_jaccard);
	free(e->best_jaccard_set);
	memset(e, 0, sizeof(*e));
}

/* Gene -> sets, as CSR over the genes. */
static void invert_sets(size_t **g_off, int32_t **g_sets, const size_t *set_off,
			const int32_t *set_genes, size_t n_sets, size_t n_genes)
{
	size_t *off = sc_xcalloc(n_genes + 1, sizeof(size_t));
	for (size_t i = 0; i < set_off[n_sets]; i++)
		off[set_genes[i] + 1]++;
	for (size_t g = 0; g < n_genes; g++)
		off[g + 1] += off[g];
	int32_t *sets = sc_xmalloc((set_off[n_sets] ? set_off[n_sets] : 1) * sizeof(int32_t));
	size_t *fill = sc_xmalloc((n_genes + 1) * sizeof(size_t));
	memcpy(fill, off, (n_genes + 1) * sizeof(size_t));
	for (size_t s = 0; s < n_sets; s++)
		for (size_t i = set_off[s]; i < set_off[s + 1]; i++)
			sets[fill[set_genes[i]]++] = (int32_t)s;
	free(fill);
	*g_off = off;
	*g_sets = sets;
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return x < y ? -1 : x > y;
}

static void adjust(sc_grn_test *t, size_t n, sc_err *err, int *rc)
{
	if (!n || *rc)
		return;
	double *p = sc_xmalloc(n * sizeof(double)), *q = sc_xmalloc(n * sizeof(double));
	for (size_t i = 0; i < n; i++)
		p[i] = t[i].p;
	*rc = sc_grn_bh(q, p, n, err);
	for (size_t i = 0; i < n && !*rc; i++)
		t[i].q = q[i];
	free(p);
	free(q);
}

int sc_grn_enrich(sc_grn_enrichment *out, const int32_t *program, size_t n_programs,
		  size_t n_genes, const size_t *set_off, const int32_t *set_genes, size_t n_sets,
		  int fdr_family, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	size_t *g_off;
	int32_t *g_sets;
	invert_sets(&g_off, &g_sets, set_off, set_genes, n_sets, n_genes);
	for (size_t g = 0; g < n_genes; g++)
		out->background += g_off[g + 1] > g_off[g];
	out->n_programs = n_programs;
	out->program_size = sc_xcalloc(n_programs + 1, sizeof(int32_t));
	out->best_jaccard = sc_xcalloc(n_programs + 1, sizeof(double));
	out->best_jaccard_set = sc_xmalloc((n_programs + 1) * sizeof(int32_t));
	/* Genes of each program in the background, grouped by program. */
	size_t *p_off = sc_xcalloc(n_programs + 1, sizeof(size_t));
	for (size_t g = 0; g < n_genes; g++)
		if (program[g] >= 0 && g_off[g + 1] > g_off[g])
			p_off[program[g] + 1]++;
	for (size_t p = 0; p < n_programs; p++) {
		out->program_size[p] = (int32_t)p_off[p + 1];
		p_off[p + 1] += p_off[p];
	}
	int32_t *p_genes = sc_xmalloc((p_off[n_programs] ? p_off[n_programs] : 1) * sizeof(int32_t));
	size_t *fill = sc_xmalloc((n_programs + 1) * sizeof(size_t));
	memcpy(fill, p_off, (n_programs + 1) * sizeof(size_t));
	for (size_t g = 0; g < n_genes; g++)
		if (program[g] >= 0 && g_off[g + 1] > g_off[g])
			p_genes[fill[program[g]]++] = (int32_t)g;
	free(fill);
	int32_t *count = sc_xcalloc(n_sets + 1, sizeof(int32_t));
	int32_t *touched = sc_xmalloc((n_sets + 1) * sizeof(int32_t));
	size_t cap = 0;
	int rc = 0;
	for (size_t p = 0; p < n_programs && !rc; p++) {
		size_t nt = 0, first = out->n_tests;
		for (size_t i = p_off[p]; i < p_off[p + 1]; i++)
			for (size_t k = g_off[p_genes[i]]; k < g_off[p_genes[i] + 1]; k++)
				if (!count[g_sets[k]]++)
					touched[nt++] = g_sets[k];
		/* Sets in file order, so the table reads the same every run. */
		qsort(touched, nt, sizeof(int32_t), cmp_i32);
		out->best_jaccard_set[p] = -1;
		for (size_t t = 0; t < nt; t++) {
			int32_t s = touched[t];
			if (out->n_tests == cap) {
				cap = cap ? 2 * cap : 4096;
				out->tests = sc_xrealloc(out->tests, cap * sizeof(sc_grn_test));
			}
			sc_grn_test *r = &out->tests[out->n_tests++];
			r->program = (int32_t)p;
			r->set = s;
			r->overlap = count[s];
			r->program_size = out->program_size[p];
			r->set_size = (int32_t)(set_off[s + 1] - set_off[s]);
			r->log_p = sc_grn_hypergeom_logsf(r->overlap, (int64_t)out->background,
							  r->set_size, r->program_size);
			r->p = exp(r->log_p);
			r->jaccard = (double)r->overlap /
				     (double)(r->program_size + r->set_size - r->overlap);
			if (r->jaccard > out->best_jaccard[p]) {
				out->best_jaccard[p] = r->jaccard;
				out->best_jaccard_set[p] = s;
			}
			count[s] = 0;
		}
		if (fdr_family == SC_GRN_FDR_PER_PROGRAM)
			adjust(out->tests + first, out->n_tests - first, err, &rc);
	}
	if (fdr_family == SC_GRN_FDR_ALL)
		adjust(out->tests, out->n_tests, err, &rc);
	free(count);
	free(touched);
	free(p_off);
	free(p_genes);
	free(g_off);
	free(g_sets);
	if (rc)
		sc_grn_enrichment_free(out);
	return rc;
}

void sc_grn_pairs_free(sc_grn_pairs *p)
{
	if (!p)
		return;
	free(p->y);
	free(p->score);
	memset(p, 0, sizeof(*p));
}

void sc_grn_pairs_build(sc_grn_pairs *out, const sc_dmat *x, const int32_t *universe, size_t nu,
			sc_grn_truth_fn truth, void *ctx)
{
	size_t d = x->cols;
	double *nrm = sc_xmalloc((nu ? nu : 1) * sizeof(double));
	for (size_t a = 0; a < nu; a++) {
		const double *r = x->v + (size_t)universe[a] * d;
		double s = 0;
		for (size_t j = 0; j < d; j++)
			s += r[j] * r[j];
		nrm[a] = sqrt(s);
	}
	out->n = nu * (nu ? nu - 1 : 0) / 2;
	out->y = sc_xmalloc((out->n ? out->n : 1) * sizeof(int32_t));
	out->score = sc_xmalloc((out->n ? out->n : 1) * sizeof(double));
	size_t p = 0;
	for (size_t a = 0; a < nu; a++) {
		const double *ra = x->v + (size_t)universe[a] * d;
		for (size_t b = a + 1; b < nu; b++, p++) {
			const double *rb = x->v + (size_t)universe[b] * d;
			double s = 0;
			for (size_t j = 0; j < d; j++)
				s += ra[j] * rb[j];
			/* a zero vector is at cosine 0 from everything (knn.h) */
			out->score[p] = nrm[a] > 0 && nrm[b] > 0 ? s / (nrm[a] * nrm[b]) : 0;
			out->y[p] = truth(universe[a], universe[b], ctx);
		}
	}
	free(nrm);
}
