/*
 * sweep.c - scib's cluster_optimal_resolution: Leiden at each resolution of
 * a grid on the connectivity graph, scored by NMI against the labels; and
 * the NMI/ARI pair that scib reports on the best clustering.
 *
 * Kept apart from clusters.c because it is the one place that needs the
 * Leiden implementation of the numerical core. The graph is prepared once
 * and the resolutions run in parallel (each run holds its partitions and
 * aggregated graphs, a fraction of the graph's size). Every membership is kept
 * (n x resolutions int32, 4 MB for 100k cells and 10 resolutions) so the
 * isolated-label F1 can reuse the same clusterings, as scib reuses its
 * cached "{cluster_key}_{resolution}" columns.
 */
#include "clusters.h"
#include "tasks/core/leiden.h"
#include "util/par.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sc_scib_sweep_free(sc_scib_sweep *s)
{
	if (!s)
		return;
	free(s->res);
	free(s->nmi);
	free(s->n_clusters);
	free(s->membership);
	memset(s, 0, sizeof(*s));
}

typedef struct sweep_job {
	const sc_leiden_graph *g;
	const double *res;
	uint64_t seed;
	sc_scib_sweep *out;
	int *rc;
	sc_err *err;
} sweep_job;

static void sweep_chunk(void *ctx, void *scratch, size_t begin, size_t end)
{
	(void)scratch;
	sweep_job *J = ctx;
	for (size_t r = begin; r < end; r++) {
		sc_leiden_opts o = SC_LEIDEN_OPTS_SCANPY;
		o.resolution = J->res[r];
		o.seed = J->seed;
		J->rc[r] = sc_leiden_graph_run(J->out->membership + r * J->out->n, &J->out->n_clusters[r],
					       J->g, &o, &J->err[r]);
	}
}

int sc_scib_sweep_run(sc_scib_sweep *out, const sc_csr *graph, const sc_labels *labels,
		      const double *res, size_t nres, uint64_t seed, int n_threads, sc_err *err)
{
	sc_scib_cats lab = { 0 };
	sc_leiden_graph *g = NULL;
	int *rcs = NULL;
	sc_err *errs = NULL;
	memset(out, 0, sizeof(*out));
	size_t n = graph ? graph->rows : 0;
	int rc = 0;
	if (!graph || graph->rows != graph->cols)
		return sc_errf(err, SC_EINVAL, "connectivity graph is not square");
	if (!nres)
		return sc_errf(err, SC_EINVAL, "no resolutions to sweep");
	if ((rc = sc_scib_cats_init(&lab, labels, n, "labels", err)))
		return rc;
	if ((rc = sc_leiden_graph_new(&g, graph, 1, err)))
		goto out;
	out->n = n;
	out->nres = nres;
	out->res = sc_xmalloc(sizeof(double) * nres);
	out->nmi = sc_xmalloc(sizeof(double) * nres);
	out->n_clusters = sc_xcalloc(nres, sizeof(size_t));
	out->membership = sc_xmalloc(sizeof(int32_t) * sc_mulsz(n + 1, nres));
	memcpy(out->res, res, sizeof(double) * nres);
	out->best = nres;
	/* the runs are independent and share the graph: one resolution per
	 * chunk, the same memberships for any thread count */
	rcs = sc_xcalloc(nres, sizeof(int));
	errs = sc_xcalloc(nres, sizeof(sc_err));
	sweep_job job = { g, res, seed, out, rcs, errs };
	sc_par_for pf = { .ctx = &job, .run = sweep_chunk };
	sc_par_for_run(nres, 1, sc_scib_threads(n_threads), &pf);
	double best = 0;
	for (size_t r = 0; r < nres; r++) {
		int32_t *m = out->membership + r * n;
		if ((rc = rcs[r])) {
			if (err)
				*err = errs[r];
			sc_errprefix(err, "leiden at resolution %g", res[r]);
			goto out;
		}
		if ((rc = sc_scib_nmi(&out->nmi[r], m, lab.code, n, err)))
			goto out;
		if (best < out->nmi[r]) {
			best = out->nmi[r];
			out->best = r;
		}
	}
out:
	free(rcs);
	free(errs);
	sc_leiden_graph_free(g);
	sc_scib_cats_free(&lab);
	if (rc)
		sc_scib_sweep_free(out);
	return rc;
}

int sc_scib_nmi_ari_optimal(double *nmi, double *ari, double *res_out, size_t *nclust_out,
			    const sc_scib_sweep *sw, const sc_labels *labels, sc_scib_why *why,
			    sc_err *err)
{
	sc_scib_cats lab;
	int rc = sc_scib_cats_init(&lab, labels, sw->n, "labels", err);
	if (rc)
		return rc;
	sc_scib_why_clear(why);
	if (sw->best >= sw->nres) {
		*nmi = 0.;
		*ari = sc_scib_nan(why, "every clustering of the resolution sweep has NMI 0");
		if (res_out)
			*res_out = NAN;
		if (nclust_out)
			*nclust_out = 0;
		goto out;
	}
	const int32_t *m = sw->membership + sw->best * sw->n;
	if ((rc = sc_scib_nmi(nmi, m, lab.code, sw->n, err)) ||
	    (rc = sc_scib_ari(ari, m, lab.code, sw->n, err)))
		goto out;
	if (res_out)
		*res_out = sw->res[sw->best];
	if (nclust_out)
		*nclust_out = sw->n_clusters[sw->best];
out:
	sc_scib_cats_free(&lab);
	return rc;
}
