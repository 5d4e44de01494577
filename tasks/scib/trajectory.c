/*
 * trajectory.c - scib's trajectory conservation (see trajectory.h): the
 * root cell from the diffusion map, scanpy's diffusion pseudotime from it,
 * and its rank correlation with the given pseudotime.
 *
 * Built for the cells of one curated trajectory (10^2 to 10^4): the cost is
 * the eigensolver on the component's transition matrix (tasks/core/eigsym.h,
 * a few hundred sparse products); the rest is linear in the graph.
 */
#include "trajectory.h"
#include "tasks/core/corr.h"
#include "tasks/core/eigsym.h"
#include "tasks/core/graph.h"
#include "tasks/scib/connectivity.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	DIFFMAP_COMPS = 15, /* scanpy's tl.diffmap default, as scib calls it */
	DPT_DCS = 10,       /* scanpy's tl.dpt default n_dcs */
	ROOT_DIMS = 3,      /* scib's get_root dpt_dim */
};

/* g restricted to rows and columns keep[0..m) (ascending), as anndata's
 * subsetting of obsp. */
static void restrict_graph(sc_csr *out, const sc_csr *g, const size_t *keep, size_t m)
{
	int64_t *map = sc_xmalloc((g->rows ? g->rows : 1) * sizeof(int64_t));
	for (size_t i = 0; i < g->rows; i++)
		map[i] = -1;
	for (size_t i = 0; i < m; i++)
		map[keep[i]] = (int64_t)i;
	size_t nnz = 0;
	for (size_t i = 0; i < m; i++)
		for (int64_t q = g->indptr[keep[i]]; q < g->indptr[keep[i] + 1]; q++)
			nnz += map[g->indices[q]] >= 0;
	sc_csr_alloc(out, m, m, nnz);
	size_t p = 0;
	for (size_t i = 0; i < m; i++) {
		for (int64_t q = g->indptr[keep[i]]; q < g->indptr[keep[i] + 1]; q++) {
			int64_t j = map[g->indices[q]];
			if (j < 0)
				continue;
			out->indices[p] = (int32_t)j;
			out->data[p++] = g->data[q];
		}
		out->indptr[i + 1] = (int64_t)p;
	}
	free(map);
}

/* scanpy's Neighbors.compute_transitions (density_normalize): K = D^-1 C
 * D^-1 with D the column sums of C, then T = Z^-1 K Z^-1 with Z the square
 * roots of K's column sums. */
static void transitions_sym(sc_csr *t, const sc_csr *c)
{
	size_t n = c->rows;
	double *dens = sc_xcalloc(n ? n : 1, sizeof(double));
	double *z = sc_xcalloc(n ? n : 1, sizeof(double));
	for (size_t i = 0; i < n; i++)
		for (int64_t q = c->indptr[i]; q < c->indptr[i + 1]; q++)
			dens[c->indices[q]] += c->data[q];
	sc_csr_alloc(t, n, n, (size_t)c->indptr[n]);
	memcpy(t->indptr, c->indptr, sizeof(int64_t) * (n + 1));
	memcpy(t->indices, c->indices, sizeof(int32_t) * (size_t)c->indptr[n]);
	for (size_t i = 0; i < n; i++)
		for (int64_t q = c->indptr[i]; q < c->indptr[i + 1]; q++) {
			t->data[q] = c->data[q] / dens[i] / dens[c->indices[q]];
			z[c->indices[q]] += t->data[q];
		}
	for (size_t i = 0; i < n; i++)
		z[i] = sqrt(z[i]);
	for (size_t i = 0; i < n; i++)
		for (int64_t q = t->indptr[i]; q < t->indptr[i + 1]; q++)
			t->data[q] = t->data[q] / z[i] / z[t->indices[q]];
	free(dens);
	free(z);
}

int sc_scib_diffmap(double *evals, double *basis, size_t *k_out, const sc_csr *graph,
		    size_t n_comps, sc_err *err)
{
	size_t n = graph->rows;
	size_t k = n_comps < n ? n_comps : n - 1;
	*k_out = k;
	if (n < 2 || k == 0)
		return sc_errf(err, SC_EINVAL, "a diffusion map needs at least 2 cells, got %zu", n);
	for (size_t i = 0; i < n; i++)
		if (graph->indptr[i + 1] == graph->indptr[i])
			return sc_errf(err, SC_EINVAL, "a diffusion map needs a connected graph "
						       "(cell %zu has no neighbour)", i);
	sc_csr t = { 0 };
	transitions_sym(&t, graph);
	/* the start vector's seed changes nothing beyond the solver's tolerance */
	int rc = sc_eigsh_lm(evals, basis, &t, k, 0, err);
	sc_csr_free(&t);
	return rc;
}

/*
 * scanpy's DPT._get_dpt_row on n_dcs of the k components, divided by its
 * maximum (_set_pseudotime), in scanpy's float32: compute_eigen casts the
 * eigenpairs to float32 and the row is numpy float32 arithmetic, in this
 * order: components with eigenvalue < 0.9994 scaled by l / (1 - l), their
 * squares summed in component order, plus the separate sum of the unscaled
 * ones (the stationary component). float32 matters here: 1 - l of an
 * eigenvalue near 1 keeps few digits, and the ranks of the pseudotime (which
 * the score compares) follow the float32 values, ties included.
 */
static void dpt_from_root(float *pt, const float *ev, const float *basis, size_t n, size_t k,
			  size_t n_dcs, size_t root)
{
	float mx = 0;
	for (size_t i = 0; i < n; i++) {
		float scaled = 0, plain = 0;
		for (size_t j = 0; j < n_dcs; j++) {
			float d = basis[root * k + j] - basis[i * k + j];
			if ((double)ev[j] < 0.9994) {
				float w = ev[j] / (1.0f - ev[j]);
				d = w * d;
				NOFUSE(d);
				float sq = d * d;
				NOFUSE(sq);
				scaled += sq;
			}
		}
		for (size_t j = 0; j < n_dcs; j++) {
			if ((double)ev[j] >= 0.9994) {
				float d = basis[root * k + j] - basis[i * k + j];
				float sq = d * d;
				NOFUSE(sq);
				plain += sq;
			}
		}
		pt[i] = sqrtf(scaled + plain);
		if (pt[i] > mx)
			mx = pt[i];
	}
	for (size_t i = 0; i < n; i++)
		pt[i] = pt[i] / mx; /* 0/0 (one point) is NaN, as in numpy */
}

/* scib's get_root vote among the candidates cand[0..nc) (positions in the
 * component, ascending), on scanpy's float32 diffusion map; the means are
 * taken in double (numpy's are float32 sums: they could only disagree on a
 * near tie of the candidates' mean with the component's). */
static size_t root_vote(const float *basis, size_t m, size_t k, const size_t *cand, size_t nc)
{
	size_t *votes = sc_xcalloc(nc, sizeof(size_t));
	for (size_t dim = 0; dim < ROOT_DIMS; dim++) {
		double mean = 0, cmean = 0;
		for (size_t i = 0; i < m; i++)
			mean += basis[i * k + dim];
		mean /= (double)m;
		for (size_t c = 0; c < nc; c++)
			cmean += basis[cand[c] * k + dim];
		cmean /= (double)nc;
		int use_min = cmean < mean;
		size_t best = 0;
		for (size_t c = 1; c < nc; c++) {
			float v = basis[cand[c] * k + dim], b = basis[cand[best] * k + dim];
			if (use_min ? v < b : v > b)
				best = c;
		}
		votes[best]++;
	}
	size_t r = 0;
	for (size_t c = 1; c < nc; c++)
		if (votes[c] > votes[r])
			r = c;
	free(votes);
	return cand[r];
}

/* The label with the lowest mean pseudotime over the subset (-1 if none). */
static int32_t start_label(const double *pt, const int32_t *code, const size_t *sub, size_t ns,
			   size_t ncat)
{
	double *sum = sc_xcalloc(ncat + 1, sizeof(double));
	size_t *cnt = sc_xcalloc(ncat + 1, sizeof(size_t));
	for (size_t i = 0; i < ns; i++) {
		sum[code[sub[i]]] += pt[sub[i]];
		cnt[code[sub[i]]]++;
	}
	int32_t best = -1;
	double bm = 0;
	for (size_t c = 0; c < ncat; c++) {
		if (!cnt[c])
			continue;
		double m = sum[c] / (double)cnt[c];
		if (best < 0 || m < bm) {
			best = (int32_t)c;
			bm = m;
		}
	}
	free(sum);
	free(cnt);
	return best;
}

/* Spearman's rho over the subset, or the NaN-skipping mean of each batch's. */
static double rank_correlation(size_t *nb_out, const double *before, const double *after,
			       const size_t *sub, size_t ns, const sc_labels *batches)
{
	double *x = sc_xmalloc(sizeof(double) * (ns + 1)), *y = sc_xmalloc(sizeof(double) * (ns + 1));
	double rho = NAN;
	*nb_out = 0;
	if (!batches) {
		for (size_t i = 0; i < ns; i++) {
			x[i] = before[sub[i]];
			y[i] = after[sub[i]];
		}
		rho = sc_spearman(x, y, ns);
		*nb_out = !isnan(rho);
		goto out;
	}
	double sum = 0;
	size_t used = 0;
	uint8_t *seen = sc_xcalloc(batches->ncat + 1, 1);
	for (size_t s = 0; s < ns; s++) { /* batches in order of first appearance */
		int32_t b = batches->codes[sub[s]];
		if (seen[b])
			continue;
		seen[b] = 1;
		size_t nb = 0;
		for (size_t i = s; i < ns; i++)
			if (batches->codes[sub[i]] == b) {
				x[nb] = before[sub[i]];
				y[nb++] = after[sub[i]];
			}
		double r = sc_spearman(x, y, nb);
		if (!isnan(r)) {
			sum += r;
			used++;
		}
	}
	free(seen);
	*nb_out = used;
	rho = used ? sum / (double)used : NAN;
out:
	free(x);
	free(y);
	return rho;
}

static int check_inputs(const sc_csr *graph, const double *pt, const sc_labels *labels,
			const sc_labels *batches, sc_err *err)
{
	size_t n = labels ? labels->n : 0;
	int rc = sc_scib_check_graph(graph, n, "connectivity graph", err);
	if (rc)
		return rc;
	if (!pt)
		return sc_errf(err, SC_EINVAL, "no pseudotime given");
	if (batches && batches->n != n)
		return sc_errf(err, SC_EINVAL, "%zu batches for %zu cells", batches->n, n);
	for (size_t i = 0; i < n; i++) {
		if (labels->codes[i] < 0 || (size_t)labels->codes[i] >= labels->ncat)
			return sc_errf(err, SC_EINVAL, "cell %zu has no label", i);
		if (batches && (batches->codes[i] < 0 || (size_t)batches->codes[i] >= batches->ncat))
			return sc_errf(err, SC_EINVAL, "cell %zu has no batch", i);
	}
	return 0;
}

/* The largest connected component of g (first seen on ties): its cells'
 * positions into keep (ascending), their number returned. */
static size_t largest_component(size_t *keep, const sc_csr *g)
{
	size_t n = g->rows;
	int32_t *comp = sc_xmalloc(sizeof(int32_t) * (n + 1));
	size_t nc = sc_connected_components(comp, g);
	size_t *cnt = sc_xcalloc(nc + 1, sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		cnt[comp[i]]++;
	size_t big = 0, m = 0;
	for (size_t c = 1; c < nc; c++)
		if (cnt[c] > cnt[big])
			big = c;
	for (size_t i = 0; i < n; i++)
		if ((size_t)comp[i] == big)
			keep[m++] = i;
	free(cnt);
	free(comp);
	return m;
}

/* Diffusion map, root vote and DPT on the component (cells sub[keep[..]]);
 * after[] gets the DPT of those cells. 1 when scib would find no root. */
static int component_dpt(sc_scib_traj *out, double *after, const sc_csr *gsub, const size_t *sub,
			 const size_t *keep, size_t m, const sc_labels *labels, sc_scib_why *why,
			 sc_err *err)
{
	size_t *cand = sc_xmalloc(sizeof(size_t) * (m + 1)), nc = 0;
	for (size_t i = 0; i < m; i++)
		if (labels->codes[sub[keep[i]]] == out->start_label)
			cand[nc++] = i;
	int rc = 0;
	sc_csr gc = { 0 };
	double *evals = NULL, *basis = NULL;
	float *ev32 = NULL, *basis32 = NULL, *pt = NULL;
	if (!nc) {
		free(cand);
		return 1;
	}
	if (m <= DPT_DCS) {
		out->score = sc_scib_nan(why, "the largest component of the cells with a pseudotime "
					      "has %zu cells: scanpy's dpt needs %d diffusion "
					      "components", m, DPT_DCS);
		goto out;
	}
	restrict_graph(&gc, gsub, keep, m);
	size_t k;
	evals = sc_xmalloc(sizeof(double) * DIFFMAP_COMPS);
	basis = sc_xmalloc(sizeof(double) * sc_mulsz(m, DIFFMAP_COMPS));
	if ((rc = sc_scib_diffmap(evals, basis, &k, &gc, DIFFMAP_COMPS, err)))
		goto out;
	/* scanpy keeps X_diffmap and its eigenvalues as float32 */
	ev32 = sc_xmalloc(sizeof(float) * DIFFMAP_COMPS);
	basis32 = sc_xmalloc(sizeof(float) * sc_mulsz(m, k));
	for (size_t j = 0; j < k; j++)
		ev32[j] = (float)evals[j];
	for (size_t i = 0; i < m * k; i++)
		basis32[i] = (float)basis[i];
	size_t root = root_vote(basis32, m, k, cand, nc);
	out->root = sub[keep[root]];
	pt = sc_xmalloc(sizeof(float) * m);
	dpt_from_root(pt, ev32, basis32, m, k, DPT_DCS, root);
	for (size_t i = 0; i < m; i++)
		after[sub[keep[i]]] = pt[i] > 1 ? 0 : isnan(pt[i]) ? 0 : (double)pt[i];
out:
	sc_csr_free(&gc);
	free(evals);
	free(basis);
	free(ev32);
	free(basis32);
	free(pt);
	free(cand);
	return rc;
}

int sc_scib_trajectory(sc_scib_traj *out, double *dpt_after, const sc_csr *graph,
		       const double *pseudotime, const sc_labels *labels, const sc_labels *batches,
		       sc_scib_why *why, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	out->score = out->rho = NAN;
	out->root = SIZE_MAX;
	out->start_label = -1;
	sc_scib_why_clear(why);
	int rc = check_inputs(graph, pseudotime, labels, batches, err);
	if (rc)
		return rc;
	size_t n = labels->n, ns = 0;
	size_t *sub = sc_xmalloc(sizeof(size_t) * (n + 1)), *keep = sc_xmalloc(sizeof(size_t) * (n + 1));
	double *after = sc_xmalloc(sizeof(double) * (n + 1));
	sc_csr gsub = { 0 };
	for (size_t i = 0; i < n; i++) {
		after[i] = NAN;
		if (!isnan(pseudotime[i]))
			sub[ns++] = i;
	}
	out->n_subset = ns;
	if (!ns) {
		out->score = sc_scib_nan(why, "no cell has a pseudotime");
		goto out;
	}
	for (size_t i = 0; i < ns; i++)
		after[sub[i]] = 0; /* outside the component: scib's fillna(0) */
	restrict_graph(&gsub, graph, sub, ns);
	size_t m = largest_component(keep, &gsub);
	out->n_component = m;
	out->start_label = start_label(pseudotime, labels->codes, sub, ns, labels->ncat);
	rc = component_dpt(out, after, &gsub, sub, keep, m, labels, why, err);
	if (rc == 1) { /* scib's RootCellError: "setting trajectory conservation metric to 0" */
		rc = 0;
		out->score = 0;
		if (why)
			snprintf(why->msg, sizeof(why->msg), "no cell of the start label is in the "
							     "largest component (scib scores 0)");
		goto out;
	}
	if (rc || out->root == SIZE_MAX)
		goto out;
	out->rho = rank_correlation(&out->n_batches, pseudotime, after, sub, ns, batches);
	out->score = (out->rho + 1) / 2;
	if (isnan(out->score))
		sc_scib_nan(why, "Spearman's rho is undefined (a constant pseudotime%s)",
			    batches ? " in every batch" : "");
out:
	if (dpt_after && !rc)
		memcpy(dpt_after, after, sizeof(double) * n);
	sc_csr_free(&gsub);
	free(sub);
	free(keep);
	free(after);
	return rc;
}
