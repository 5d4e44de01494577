/*
 * kbet.c - scib's kBET: per-label diffusion neighbours on the 50-neighbour
 * connectivity graph, then the kBET chi-square test for every cell.
 *
 * The label's subgraph is cut out of the graph, split into components
 * (scib's rules for disconnected labels), handed to the diffusion
 * (diffusion.c), and every cell is tested against the label's batch
 * frequencies. Also scib-metrics' kbet on a plain neighbour table.
 */
#include "kbet.h"
#include "tasks/scib/connectivity.h"
#include "tasks/scib/stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sc_scib_kbet_free(sc_scib_kbet *k)
{
	if (!k)
		return;
	free(k->rejection);
	free(k->k0);
	free(k->note);
	free(k->pvalue);
	memset(k, 0, sizeof(*k));
}

/* ---- the per-label wrapper and the test ---- */

/* the subgraph of g on the cells rows[0..m) (ascending), columns renumbered */
static void subgraph(sc_csr *out, const sc_csr *g, const size_t *rows, size_t m, int32_t *map)
{
	size_t nnz = 0;
	for (size_t r = 0; r < m; r++)
		map[rows[r]] = (int32_t)r;
	for (size_t r = 0; r < m; r++)
		for (int64_t p = g->indptr[rows[r]]; p < g->indptr[rows[r] + 1]; p++)
			nnz += map[g->indices[p]] >= 0;
	sc_csr_alloc(out, m, m, nnz);
	nnz = 0;
	for (size_t r = 0; r < m; r++) {
		for (int64_t p = g->indptr[rows[r]]; p < g->indptr[rows[r] + 1]; p++) {
			int32_t c = map[g->indices[p]];
			if (c < 0)
				continue;
			out->indices[nnz] = c;
			out->data[nnz] = g->data[p];
			nnz++;
		}
		out->indptr[r + 1] = (int64_t)nnz;
	}
	for (size_t r = 0; r < m; r++)
		map[rows[r]] = -1;
}

static size_t uf_find(size_t *parent, size_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

/* component id (0..) of every node, returns their number */
static size_t components(size_t *comp, const sc_csr *g)
{
	size_t m = g->rows, nc = 0;
	size_t *parent = sc_xmalloc(sizeof(size_t) * (m + 1));
	for (size_t i = 0; i < m; i++)
		parent[i] = i;
	for (size_t i = 0; i < m; i++)
		for (int64_t p = g->indptr[i]; p < g->indptr[i + 1]; p++) {
			size_t a = uf_find(parent, i), b = uf_find(parent, (size_t)g->indices[p]);
			if (a != b)
				parent[a < b ? b : a] = a < b ? a : b;
		}
	size_t *id = sc_xmalloc(sizeof(size_t) * (m + 1));
	for (size_t i = 0; i < m; i++)
		id[i] = (size_t)-1;
	for (size_t i = 0; i < m; i++) {
		size_t r = uf_find(parent, i);
		if (id[r] == (size_t)-1)
			id[r] = nc++;
		comp[i] = id[r];
	}
	free(id);
	free(parent);
	return nc;
}

/* one label: neighbours (nn: m x (k0 - 1), -1 for none) or a reason to score 1 */
static int label_neighbours(int32_t *nn, const sc_csr *sub, size_t k0, int n_threads,
			    char *note, size_t note_len, sc_err *err)
{
	size_t m = sub->rows;
	size_t *comp = sc_xmalloc(sizeof(size_t) * (m + 1));
	size_t nc = components(comp, sub);
	int rc = 0, scored = 0;
	int32_t *full = NULL;
	size_t *keep = NULL, *size = NULL;
	int32_t *map = NULL;
	sc_csr ss = { 0 };
	for (size_t i = 0; i < m * (k0 - 1); i++)
		nn[i] = -1;
	if (nc == 1) {
		full = sc_xmalloc(sizeof(int32_t) * sc_mulsz(m, k0));
		rc = sc_scib_diffusion_nn(full, NULL, sub, k0, n_threads, err);
		if (rc == 0)
			for (size_t i = 0; i < m; i++)
				memcpy(nn + i * (k0 - 1), full + i * k0, sizeof(int32_t) * (k0 - 1));
	} else {
		size = sc_xcalloc(nc, sizeof(size_t));
		for (size_t i = 0; i < m; i++)
			size[comp[i]]++;
		keep = sc_xmalloc(sizeof(size_t) * (m + 1));
		size_t nk = 0;
		for (size_t i = 0; i < m; i++)
			if (size[comp[i]] >= 3 * k0)
				keep[nk++] = i;
		if ((double)nk / (double)m >= 0.75) {
			map = sc_xmalloc(sizeof(int32_t) * (m + 1));
			for (size_t i = 0; i < m; i++)
				map[i] = -1;
			subgraph(&ss, sub, keep, nk, map);
			full = sc_xmalloc(sizeof(int32_t) * sc_mulsz(nk, k0));
			rc = sc_scib_diffusion_nn(full, NULL, &ss, k0, n_threads, err);
			if (rc == 0)
				for (size_t r = 0; r < nk; r++)
					for (size_t j = 0; j + 1 < k0; j++)
						nn[keep[r] * (k0 - 1) + j] = (int32_t)keep[full[r * k0 + j]];
		} else {
			snprintf(note, note_len,
				 "components of >= %zu cells hold %zu of %zu cells (< 75%%): scored 1",
				 3 * k0, nk, m);
			scored = 1;
		}
	}
	if (rc == SC_ENOTFOUND) {
		snprintf(note, note_len, "%.70s: scored 1", err ? err->msg : "diffusion failed");
		sc_err_clear(err);
		rc = 0;
		scored = 1;
	}
	sc_csr_free(&ss);
	free(map);
	free(full);
	free(keep);
	free(size);
	free(comp);
	return rc ? rc : (scored ? 1 : 0);
}

int sc_scib_kbet_all_cells(sc_scib_kbet *out, const sc_csr *conn, const sc_labels *labels,
			   const sc_labels *batches, double alpha, int n_threads, sc_err *err)
{
	sc_scib_cats lab = { 0 }, bat = { 0 };
	size_t n = labels ? labels->n : 0;
	size_t *rows = NULL, *cnt = NULL;
	int32_t *map = NULL, *nn = NULL;
	double *rate = NULL;
	sc_csr sub = { 0 };
	memset(out, 0, sizeof(*out));
	int rc = sc_scib_check_graph(conn, n, "connectivity graph", err);
	if (rc)
		return rc;
	if (!(alpha > 0 && alpha < 1))
		return sc_errf(err, SC_EINVAL, "kBET alpha must be in (0, 1), got %g", alpha);
	if ((rc = sc_scib_cats_init(&lab, labels, n, "labels", err)) ||
	    (rc = sc_scib_cats_init(&bat, batches, n, "batches", err)))
		goto out;
	out->n = n;
	out->ncat = labels->ncat;
	out->rejection = sc_xmalloc(sizeof(double) * (out->ncat + 1));
	out->k0 = sc_xcalloc(out->ncat + 1, sizeof(int));
	out->note = sc_xcalloc(out->ncat + 1, sizeof(*out->note));
	out->pvalue = sc_xmalloc(sizeof(double) * (n + 1));
	for (size_t j = 0; j < out->ncat; j++)
		out->rejection[j] = NAN;
	for (size_t i = 0; i < n; i++)
		out->pvalue[i] = NAN;
	rows = sc_xmalloc(sizeof(size_t) * (n + 1));
	map = sc_xmalloc(sizeof(int32_t) * (n + 1));
	cnt = sc_xcalloc(bat.k + 1, sizeof(size_t));
	rate = sc_xmalloc(sizeof(double) * (lab.k + 1));
	for (size_t i = 0; i < n; i++)
		map[i] = -1;
	for (size_t l = 0; l < lab.k; l++) {
		char *note = out->note[lab.orig[l]];
		size_t m = 0, nb = 0;
		memset(cnt, 0, sizeof(size_t) * bat.k);
		for (size_t i = 0; i < n; i++)
			if ((size_t)lab.code[i] == l) {
				rows[m++] = i;
				if (cnt[bat.code[i]]++ == 0)
					nb++;
			}
		rate[l] = NAN;
		if (m < 10 || nb == 1) {
			snprintf(note, sizeof(*out->note), "%s: skipped",
				 m < 10 ? "fewer than 10 cells" : "a single batch");
			continue;
		}
		/* scib: floor(mean of the per-batch counts / 4), clipped to [10, 70] */
		double q = floor(((double)m / (double)nb) / 4);
		size_t k0 = q > 70 ? 70 : q < 10 ? 10 : (size_t)q;
		if ((double)k0 * (double)m >= 2147483647.)
			k0 = (size_t)floor(2147483647. / (double)m);
		out->k0[lab.orig[l]] = (int)k0;
		subgraph(&sub, conn, rows, m, map);
		nn = sc_xmalloc(sizeof(int32_t) * sc_mulsz(m, k0));
		rc = label_neighbours(nn, &sub, k0, n_threads, note, sizeof(*out->note), err);
		sc_csr_free(&sub);
		if (rc < 0)
			goto out;
		if (rc == 1) {
			rc = 0;
			rate[l] = 1;
		} else {
			/* R kBET: expected counts k0 * the label's batch frequencies */
			size_t dof = nb - 1, rejected = 0;
			size_t *obs = sc_xcalloc(bat.k + 1, sizeof(size_t));
			for (size_t r = 0; r < m; r++) {
				memset(obs, 0, sizeof(size_t) * bat.k);
				obs[bat.code[rows[r]]]++;
				for (size_t j = 0; j + 1 < k0; j++) {
					int32_t v = nn[r * (k0 - 1) + j];
					if (v >= 0)
						obs[bat.code[rows[v]]]++;
				}
				double chi = 0;
				for (size_t b = 0; b < bat.k; b++) {
					if (!cnt[b])
						continue;
					double ex = ((double)cnt[b] / (double)m) * (double)k0;
					double dv = (double)obs[b] - ex;
					chi += dv * dv / ex;
				}
				double p = sc_scib_chi2_sf(chi, (double)dof);
				out->pvalue[rows[r]] = p;
				rejected += p < alpha;
			}
			free(obs);
			rate[l] = (double)rejected / (double)m;
		}
		free(nn);
		nn = NULL;
		out->rejection[lab.orig[l]] = rate[l];
	}
	double mean = sc_scib_nanmean(rate, lab.k);
	if (isnan(mean))
		out->score = sc_scib_nan(&out->why, "no label has at least 10 cells from more than "
						    "one batch");
	else
		out->score = 1 - mean;
out:
	free(rate);
	free(nn);
	sc_csr_free(&sub);
	free(cnt);
	free(map);
	free(rows);
	sc_scib_cats_free(&lab);
	sc_scib_cats_free(&bat);
	if (rc)
		sc_scib_kbet_free(out);
	return rc;
}

int sc_scib_kbet_knn(double *acceptance, double *pvalue, const int32_t *idx, size_t n, size_t k,
		     const sc_labels *batches, double alpha, sc_err *err)
{
	sc_scib_cats b;
	if (!k)
		return sc_errf(err, SC_EINVAL, "kBET needs at least one neighbour");
	for (size_t i = 0; i < n * k; i++)
		if (idx[i] < 0 || (size_t)idx[i] >= n)
			return sc_errf(err, SC_EINVAL, "neighbour index %d of cell %zu is out of range",
				       (int)idx[i], i / k);
	int rc = sc_scib_cats_init(&b, batches, n, "batches", err);
	if (rc)
		return rc;
	size_t *obs = sc_xcalloc(b.k + 1, sizeof(size_t)), acc = 0;
	double dof = (double)b.k - 1;
	for (size_t i = 0; i < n; i++) {
		memset(obs, 0, sizeof(size_t) * b.k);
		for (size_t j = 0; j < k; j++)
			obs[b.code[idx[i * k + j]]]++;
		double chi = 0;
		for (size_t c = 0; c < b.k; c++) {
			double ex = ((double)b.count[c] / (double)n) * (double)k, d = (double)obs[c] - ex;
			chi += d * d / ex;
		}
		/* one batch: chi2 with 0 degrees of freedom, p NaN, never accepted */
		double p = b.k > 1 ? sc_scib_chi2_sf(chi, dof) : NAN;
		if (pvalue)
			pvalue[i] = p;
		acc += p >= alpha;
	}
	*acceptance = n ? (double)acc / (double)n : NAN;
	free(obs);
	sc_scib_cats_free(&b);
	return 0;
}
