/*
 * connectivity.c - graph connectivity per label by union-find over the
 * edges whose two ends carry the same label: one pass over the graph,
 * O(nnz alpha(n)), whatever the number of labels.
 */
#include "connectivity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int sc_scib_check_graph(const sc_csr *g, size_t n, const char *what, sc_err *err)
{
	if (!g || !g->indptr)
		return sc_errf(err, SC_EINVAL, "no %s given", what);
	if (g->rows != n || g->cols != n)
		return sc_errf(err, SC_EINVAL, "%s is %zu x %zu for %zu cells", what, g->rows, g->cols,
			       n);
	if (g->indptr[0] != 0)
		return sc_errf(err, SC_EINVAL, "%s row pointers do not start at 0", what);
	for (size_t i = 0; i < n; i++) {
		if (g->indptr[i + 1] < g->indptr[i])
			return sc_errf(err, SC_EINVAL, "%s row pointers decrease at row %zu", what, i);
		for (int64_t p = g->indptr[i]; p < g->indptr[i + 1]; p++) {
			if (g->indices[p] < 0 || (size_t)g->indices[p] >= n)
				return sc_errf(err, SC_EINVAL, "%s has column %d out of range in row %zu",
					       what, (int)g->indices[p], i);
			if (!isfinite(g->data[p]) || g->data[p] < 0)
				return sc_errf(err, SC_EINVAL, "%s has weight %g in row %zu", what,
					       g->data[p], i);
		}
	}
	return 0;
}

static size_t find(size_t *parent, size_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

int sc_scib_graph_connectivity(double *out, double *per_label, const sc_csr *graph,
			       const sc_labels *labels, sc_err *err)
{
	sc_scib_cats lab;
	size_t n = labels ? labels->n : 0;
	int rc = sc_scib_check_graph(graph, n, "connectivity graph", err);
	if (rc)
		return rc;
	if ((rc = sc_scib_cats_init(&lab, labels, n, "labels", err)))
		return rc;
	size_t *parent = sc_xmalloc(sizeof(size_t) * (n + 1));
	size_t *csize = sc_xcalloc(n + 1, sizeof(size_t));
	size_t *best = sc_xcalloc(lab.k + 1, sizeof(size_t));
	double *share = sc_xmalloc(sizeof(double) * (lab.k + 1));
	for (size_t i = 0; i < n; i++)
		parent[i] = i;
	for (size_t i = 0; i < n; i++)
		for (int64_t p = graph->indptr[i]; p < graph->indptr[i + 1]; p++) {
			size_t j = (size_t)graph->indices[p];
			if (lab.code[j] != lab.code[i])
				continue;
			size_t a = find(parent, i), b = find(parent, j);
			if (a != b)
				parent[a < b ? b : a] = a < b ? a : b;
		}
	for (size_t i = 0; i < n; i++)
		csize[find(parent, i)]++;
	for (size_t i = 0; i < n; i++)
		if (parent[i] == i && csize[i] > best[lab.code[i]])
			best[lab.code[i]] = csize[i];
	if (per_label)
		for (size_t j = 0; j < labels->ncat; j++)
			per_label[j] = NAN;
	for (size_t l = 0; l < lab.k; l++) {
		share[l] = (double)best[l] / (double)lab.count[l];
		if (per_label)
			per_label[lab.orig[l]] = share[l];
	}
	*out = lab.k ? sc_scib_np_sum(share, lab.k) / (double)lab.k : NAN;
	free(share);
	free(best);
	free(csize);
	free(parent);
	sc_scib_cats_free(&lab);
	return 0;
}
