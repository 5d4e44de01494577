/*
 * bench/grn_bench.c - times the grn task's numerics on the input that
 * bench/grn.sh also hands to numpy/scipy/leidenalg:
 *   knn     cosine 15-NN of the genes (each its own first neighbour)
 *   graph   scanpy's UMAP connectivities of that kNN
 *   leiden  leidenalg-exact Leiden at a resolution (RBConfiguration)
 *   enrich  programs (clusters of >= 5 genes) against a GMT: read, match,
 *           hypergeometric p, BH over all tests, Jaccard
 * Inputs in DIR: emb.bin (N x D float64), genes.txt (N names); writes
 * knn.bin (N x K int32), graph.bin (CSR), programs.bin (N int32, -1 none).
 * usage: grn_bench DIR N D GMT RESOLUTION
 */
#include "tasks/core/graph.h"
#include "tasks/core/knn.h"
#include "tasks/core/leiden.h"
#include "tasks/grn/genesets.h"
#include "tasks/grn/network.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define K 15
#define MIN_SIZE 5

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void die(const char *what, const sc_err *e)
{
	fprintf(stderr, "grn_bench: %s: %s\n", what, e ? e->msg : "failed");
	exit(1);
}

static FILE *open_in(const char *dir, const char *name, const char *mode)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, mode);
	if (!f)
		die(p, NULL);
	return f;
}

static char **read_genes(const char *dir, size_t n)
{
	FILE *f = open_in(dir, "genes.txt", "r");
	char **g = malloc(n * sizeof(char *)), line[256];
	for (size_t i = 0; i < n; i++) {
		if (!fgets(line, sizeof(line), f))
			die("genes.txt: too few lines", NULL);
		line[strcspn(line, "\n")] = 0;
		g[i] = strdup(line);
	}
	fclose(f);
	return g;
}

/* Clusters of at least MIN_SIZE genes, renumbered 0.. in Leiden's order. */
static size_t programs_of(int32_t *prog, const int32_t *cl, size_t n, size_t ncl)
{
	size_t *size = calloc(ncl + 1, sizeof(size_t)), np = 0;
	int32_t *map = malloc((ncl + 1) * sizeof(int32_t));
	for (size_t i = 0; i < n; i++)
		size[cl[i]]++;
	for (size_t c = 0; c < ncl; c++)
		map[c] = size[c] >= MIN_SIZE ? (int32_t)np++ : -1;
	for (size_t i = 0; i < n; i++)
		prog[i] = map[cl[i]];
	free(size);
	free(map);
	return np;
}

int main(int argc, char **argv)
{
	if (argc != 6)
		return 2;
	const char *dir = argv[1], *gmt = argv[4];
	size_t n = strtoul(argv[2], 0, 10), d = strtoul(argv[3], 0, 10);
	double res = strtod(argv[5], 0);
	sc_err e;
	sc_dmat x;
	sc_dmat_alloc(&x, n, d);
	FILE *f = open_in(dir, "emb.bin", "rb");
	if (fread(x.v, sizeof(double), n * d, f) != n * d)
		die("emb.bin: short", NULL);
	fclose(f);
	char **genes = read_genes(dir, n);

	int32_t *idx = malloc(n * K * sizeof(int32_t));
	double *dist = malloc(n * K * sizeof(double));
	double t0 = now();
	if (sc_knn_self(idx, dist, &x, K, SC_METRIC_COSINE, 1, &e))
		die("knn", &e);
	double t1 = now();
	sc_csr g = { 0 };
	if (sc_umap_connectivities(&g, idx, dist, n, K, &e))
		die("connectivities", &e);
	double t2 = now();
	int32_t *cl = malloc(n * sizeof(int32_t)), *prog = malloc(n * sizeof(int32_t));
	size_t ncl;
	if (sc_leiden(cl, &ncl, &g, res, 0, &e))
		die("leiden", &e);
	double t3 = now();
	size_t np = programs_of(prog, cl, n, ncl);
	sc_grn_genesets sets;
	if (sc_grn_genesets_read(&sets, gmt, NULL, NULL, &e))
		die(gmt, &e);
	size_t *off;
	int32_t *members;
	sc_grn_match_counts mc;
	sc_grn_genesets_match(&off, &members, &mc, &sets, genes, NULL, n);
	sc_grn_enrichment en;
	if (sc_grn_enrich(&en, prog, np, n, off, members, sets.n, SC_GRN_FDR_ALL, &e))
		die("enrich", &e);
	double t4 = now();
	size_t sig = 0;
	double sum_logp = 0;
	for (size_t i = 0; i < en.n_tests; i++) {
		sig += en.tests[i].q < 0.05;
		sum_logp += en.tests[i].log_p;
	}
	printf("sceval knn %zu x %zu, k %d: %.3f s\n", n, d, K, t1 - t0);
	printf("sceval graph: %.3f s (%lld stored)\n", t2 - t1, (long long)g.indptr[n]);
	printf("sceval leiden res %g: %.3f s (%zu clusters, %zu programs)\n", res, t3 - t2, ncl, np);
	printf("sceval enrich %zu sets: %.3f s (%zu tests, %zu at FDR<0.05, sum log p %.6f, background %zu)\n",
	       sets.n, t4 - t3, en.n_tests, sig, sum_logp, en.background);
	f = open_in(dir, "knn.bin", "wb");
	fwrite(idx, sizeof(int32_t), n * K, f);
	fclose(f);
	f = open_in(dir, "graph.bin", "wb");
	int64_t hdr[2] = { (int64_t)n, g.indptr[n] };
	fwrite(hdr, sizeof(int64_t), 2, f);
	fwrite(g.indptr, sizeof(int64_t), n + 1, f);
	fwrite(g.indices, sizeof(int32_t), (size_t)g.indptr[n], f);
	fwrite(g.data, sizeof(double), (size_t)g.indptr[n], f);
	fclose(f);
	f = open_in(dir, "programs.bin", "wb");
	fwrite(cl, sizeof(int32_t), n, f);
	fwrite(prog, sizeof(int32_t), n, f);
	fclose(f);
	return 0;
}
