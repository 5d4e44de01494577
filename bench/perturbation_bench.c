/*
 * bench/perturbation_bench.c - times the perturbation task's numerics on
 * synthetic data that bench/perturbation.sh also hands to numpy/scipy:
 *   metrics  NP perturbations x NG genes: GEARS's per-perturbation metrics
 *            and the rank metric
 *   de       NC cells x NG2 genes in NK conditions: per-condition means and
 *            variances, Welch t of each condition against ctrl, |t| ranking
 * It writes the inputs as raw float64 files for the peer.
 * usage: perturbation_bench NP NG NC NG2 NK DIR
 */
#include "tasks/core/rng.h"
#include "tasks/perturbation/pert.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void dump(const char *dir, const char *name, const double *v, size_t n)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	if (!f || fwrite(v, sizeof(double), n, f) != n)
		exit(1);
	fclose(f);
}

int main(int argc, char **argv)
{
	if (argc != 7)
		return 2;
	size_t np = strtoul(argv[1], 0, 10), ng = strtoul(argv[2], 0, 10), nc = strtoul(argv[3], 0, 10);
	size_t ng2 = strtoul(argv[4], 0, 10), nk = strtoul(argv[5], 0, 10);
	const char *dir = argv[6];
	sc_rng r;
	sc_rng_seed(&r, 1);
	/* metrics: predictions, truths, control; top-20 genes 0..19 */
	sc_dmat pred, truth, dp, dt;
	sc_dmat_alloc(&pred, np, ng);
	sc_dmat_alloc(&truth, np, ng);
	sc_dmat_alloc(&dp, np, ng);
	sc_dmat_alloc(&dt, np, ng);
	double *ctrl = malloc(ng * sizeof(double));
	for (size_t j = 0; j < ng; j++)
		ctrl[j] = 1 + sc_rng_uniform(&r);
	for (size_t i = 0; i < np * ng; i++) {
		truth.v[i] = ctrl[i % ng] + 0.3 * sc_rng_normal(&r);
		pred.v[i] = truth.v[i] + 0.3 * sc_rng_normal(&r);
		dp.v[i] = pred.v[i] - ctrl[i % ng];
		dt.v[i] = truth.v[i] - ctrl[i % ng];
	}
	dump(dir, "pred", pred.v, np * ng);
	dump(dir, "truth", truth.v, np * ng);
	dump(dir, "ctrl", ctrl, ng);
	size_t de[20];
	for (size_t g = 0; g < 20; g++)
		de[g] = g * (ng / 20);
	double out[SC_PM_N], sum = 0, *rank = malloc(np * sizeof(double));
	double t0 = now();
	for (size_t i = 0; i < np; i++) {
		sc_pert_metrics_one(out, pred.v + i * ng, truth.v + i * ng, ctrl, ng, de, 20, de, 20, NULL);
		sum += out[SC_PM_PEARSON_DELTA];
	}
	sc_pert_rank_metric(rank, &dp, &dt);
	double t1 = now();
	double rs = 0;
	for (size_t i = 0; i < np; i++)
		rs += rank[i];
	printf("sceval metrics %zu x %zu: %.4f s (mean pearson_delta %.6f, mean rank %.6f)\n", np, ng,
	       t1 - t0, sum / (double)np, rs / (double)np);
	/* DE: sparse log-like values, 10% density */
	sc_csr x;
	size_t nnz_cap = nc * ng2 / 10 + nc;
	sc_csr_alloc(&x, nc, ng2, nnz_cap);
	int32_t *cond = malloc(nc * sizeof(int32_t));
	double *dense_codes = malloc(nc * sizeof(double));
	size_t q = 0;
	x.indptr[0] = 0;
	for (size_t i = 0; i < nc; i++) {
		cond[i] = (int32_t)(i % nk);
		dense_codes[i] = (double)cond[i];
		for (size_t j = 0; j < ng2; j++)
			if (sc_rng_uniform(&r) < 0.1 && q < nnz_cap) {
				x.indices[q] = (int32_t)j;
				x.data[q++] = 1 + sc_rng_uniform(&r) + (j % nk == (size_t)cond[i] ? 0.5 : 0);
			}
		x.indptr[i + 1] = (int64_t)q;
	}
	dump(dir, "codes", dense_codes, nc);
	FILE *f = fopen("/dev/null", "w");
	char p[4096];
	snprintf(p, sizeof(p), "%s/csr", dir);
	f = fopen(p, "wb");
	fwrite(x.indptr, sizeof(int64_t), nc + 1, f);
	fwrite(x.indices, sizeof(int32_t), q, f);
	fwrite(x.data, sizeof(double), q, f);
	fclose(f);
	t0 = now();
	sc_dmat mean, var;
	size_t *ncells = calloc(nk, sizeof(size_t));
	sc_pert_condition_stats(&mean, &var, ncells, &x, cond, nk);
	double *t = malloc(ng2 * sizeof(double)), top = 0;
	size_t *order = malloc(ng2 * sizeof(size_t));
	for (size_t k = 1; k < nk; k++) {
		sc_pert_welch_t(t, &mean, &var, ncells, k);
		sc_pert_rank_abs(order, t, ng2);
		top += t[order[0]];
	}
	t1 = now();
	printf("sceval de %zu cells x %zu genes, %zu conditions: %.4f s (sum of top t %.6f)\n", nc, ng2,
	       nk, t1 - t0, top);
	return 0;
}
