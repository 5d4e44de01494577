/*
 * leiden_bench.c - the C side of bench/leiden.sh: from an n x d embedding
 * (raw float64, row-major) builds scanpy's 15-NN UMAP connectivities, writes
 * them for the Python peer (graph.bin: n, nnz, indptr, indices, data), and
 * times sceval's Leiden at resolution 1 and over scib's ten resolutions
 * (one after another, as leidenalg runs them, and as the scIB sweep runs them
 * on the cores). Prints "key value" lines and writes the memberships.
 *
 * usage: leiden_bench DIR N D
 */
#include "tasks/core/graph.h"
#include "tasks/core/knn.h"
#include "tasks/core/leiden.h"
#include "util/par.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const char *what, const sc_err *e)
{
	fprintf(stderr, "leiden_bench: %s: %s\n", what, e ? e->msg : "failed");
	exit(1);
}

typedef struct sweep_ctx {
	const sc_leiden_graph *g;
	int32_t *m;
	size_t n;
} sweep_ctx;

static void one_res(void *ctx, void *scratch, size_t b, size_t e)
{
	(void)scratch;
	sweep_ctx *s = ctx;
	for (size_t r = b; r < e; r++) {
		sc_leiden_opts o = SC_LEIDEN_OPTS_SCANPY;
		o.resolution = 0.2 * (double)(r + 1);
		size_t nc;
		sc_err err;
		if (sc_leiden_graph_run(s->m + r * s->n, &nc, s->g, &o, &err))
			die("leiden", &err);
	}
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	char path[4096];
	size_t n = (size_t)atol(argv[2]), d = (size_t)atol(argv[3]), k = 15;
	sc_dmat x;
	sc_dmat_alloc(&x, n, d);
	snprintf(path, sizeof(path), "%s/emb.bin", argv[1]);
	FILE *f = fopen(path, "rb");
	if (!f || fread(x.v, sizeof(double), n * d, f) != n * d)
		die("cannot read emb.bin", NULL);
	fclose(f);
	sc_err err;
	int32_t *idx = malloc(n * k * sizeof(int32_t));
	double *dist = malloc(n * k * sizeof(double));
	double t0 = now();
	if (sc_knn_self(idx, dist, &x, k, SC_METRIC_EUCLIDEAN, 1, &err))
		die("knn", &err);
	sc_csr g;
	if (sc_umap_connectivities(&g, idx, dist, n, k, &err))
		die("connectivities", &err);
	printf("graph_seconds %.3f\nnnz %zu\n", now() - t0, sc_csr_nnz(&g));
	snprintf(path, sizeof(path), "%s/graph.bin", argv[1]);
	f = fopen(path, "wb");
	int64_t h[2] = { (int64_t)n, (int64_t)sc_csr_nnz(&g) };
	fwrite(h, 8, 2, f);
	fwrite(g.indptr, 8, n + 1, f);
	fwrite(g.indices, sizeof(*g.indices), (size_t)h[1], f);
	fwrite(g.data, 8, (size_t)h[1], f);
	fclose(f);

	int32_t *m1 = malloc(n * sizeof(int32_t)), *ms = malloc(10 * n * sizeof(int32_t));
	size_t nc;
	t0 = now();
	if (sc_leiden(m1, &nc, &g, 1.0, 0, &err))
		die("leiden", &err);
	printf("res1_seconds %.3f\nres1_clusters %zu\n", now() - t0, nc);
	sc_leiden_graph *lg;
	t0 = now();
	if (sc_leiden_graph_new(&lg, &g, 1, &err))
		die("graph", &err);
	sweep_ctx s = { lg, ms, n };
	sc_par_for job = { .ctx = &s, .run = one_res };
	sc_par_for_run(10, 1, 1, &job);
	printf("sweep_serial_seconds %.3f\n", now() - t0);
	t0 = now();
	sc_par_for_run(10, 1, 0, &job);
	printf("sweep_parallel_seconds %.3f\n", now() - t0);
	sc_leiden_graph_free(lg);
	snprintf(path, sizeof(path), "%s/memberships.bin", argv[1]);
	f = fopen(path, "wb");
	fwrite(m1, sizeof(int32_t), n, f);
	fwrite(ms, sizeof(int32_t), 10 * n, f);
	fclose(f);
	return 0;
}
