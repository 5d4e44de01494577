/*
 * test_core_leiden.c - sc_leiden_run against python3-leidenalg run as
 * scanpy.tl.leiden runs it (tests/oracle/leiden_ref.py): the membership
 * vector must be identical, element for element, on 15-NN UMAP graphs of
 * labelled real files and of a simulated mixture, at scib's ten
 * resolutions, seeds 0, 1, 2, directed and undirected; and NMI / ARI
 * against the labels equal sklearn's on the oracle's memberships.
 * Also a random asymmetric graph with loops and isolated nodes (the paths
 * a kNN graph never takes), planted cliques, argument checks.
 *
 * SCEVAL_LONG_TESTS=1 (make check-long) adds the other labelled files (both
 * HLCA subsets, the RCTD reference) and 20,000- and 50,000-cell simulated
 * graphs (minutes).
 */
#include "tasks/core/leiden.h"
#include "tasks/scib/clusters.h"
#include "core_oracle.h"

#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Every configuration of one graph NAME in dir. */
static void check_graph(const char *dir, const char *name, int labelled)
{
	char fn[256];
	sc_csr g = { 0 };
	sc_dmat conf = { 0 }, nmi = { 0 }, ari = { 0 }, sec = { 0 };
	size_t rows = 0, cols = 0, nl = 0;
	snprintf(fn, sizeof(fn), "%s_graph.bin", name);
	int ok = oracle_csr(&g, dir, fn) == 0;
	snprintf(fn, sizeof(fn), "%s_conf.bin", name);
	ok = ok && oracle_dmat(&conf, dir, fn) == 0;
	snprintf(fn, sizeof(fn), "%s_sec.bin", name);
	ok = ok && oracle_dmat(&sec, dir, fn) == 0;
	snprintf(fn, sizeof(fn), "%s_memb.bin", name);
	int32_t *want = ok ? oracle_imat(&rows, &cols, dir, fn) : NULL, *lab = NULL;
	if (labelled && want) {
		snprintf(fn, sizeof(fn), "%s_labels.bin", name);
		lab = oracle_imat(&nl, NULL, dir, fn);
		snprintf(fn, sizeof(fn), "%s_nmi.bin", name);
		ok = ok && lab && nl == cols && oracle_dmat(&nmi, dir, fn) == 0;
		snprintf(fn, sizeof(fn), "%s_ari.bin", name);
		ok = ok && oracle_dmat(&ari, dir, fn) == 0;
	}
	OK(ok && want && rows == conf.rows && cols == g.rows, "%s: oracle files load", name);
	if (!ok || !want || rows != conf.rows || cols != g.rows)
		goto out;
	size_t n = g.rows, same = 0, metrics_off = 0;
	int32_t *m = malloc(n * sizeof(int32_t));
	double t_c = 0, t_py = 0;
	for (size_t r = 0; r < rows; r++) {
		sc_leiden_opts o = { conf.v[3 * r], (uint64_t)conf.v[3 * r + 1], conf.v[3 * r + 2] != 0, -1 };
		size_t nc = 0;
		sc_err err = { 0 };
		double t0 = now();
		int rc = sc_leiden_run(m, &nc, &g, &o, &err);
		t_c += now() - t0;
		t_py += sec.v[r];
		const int32_t *w = want + r * n;
		size_t first = n;
		for (size_t i = 0; i < n && first == n; i++)
			if (m[i] != w[i])
				first = i;
		if (rc == 0 && first == n)
			same++;
		else
			printf("# %s resolution %.1f seed %d %s: %s first differs at cell %zu\n", name,
			       o.resolution, (int)o.seed, o.directed ? "directed" : "undirected",
			       rc ? err.msg : "", first);
		if (lab && rc == 0) {
			double a = NAN, b = NAN;
			if (sc_scib_nmi(&a, m, lab, n, &err) || sc_scib_ari(&b, m, lab, n, &err) ||
			    !(fabs(a - nmi.v[r]) <= 1e-12) || !(fabs(b - ari.v[r]) <= 1e-12))
				metrics_off++;
		}
	}
	OK(same == rows, "%s (%zu nodes, %zu edges): %zu of %zu memberships identical to leidenalg's",
	   name, n, (size_t)g.indptr[n], same, rows);
	if (lab)
		OK(metrics_off == 0, "%s: NMI and ARI equal sklearn's on leidenalg's clusters to 1e-12 "
		   "(%zu of %zu off)", name, metrics_off, rows);
	printf("# %s: %zu runs, sceval %.3f s, leidenalg %.3f s\n", name, rows, t_c, t_py);
	free(m);
out:
	free(want);
	free(lab);
	sc_csr_free(&g);
	sc_dmat_free(&conf);
	sc_dmat_free(&nmi);
	sc_dmat_free(&ari);
	sc_dmat_free(&sec);
}

static void test_oracle(void)
{
	char *dir = oracle_run_script("leiden_ref.py", "check", NULL);
	if (!dir) {
		if (unit_testdata())
			OK(0, "leiden oracle runs");
		else
			SKIP("no test data: leidenalg comparison");
		return;
	}
	check_graph(dir, "pbmc68k", 1);
	check_graph(dir, "pbmc68k_obsp", 1);
	check_graph(dir, "cellbench3", 1);
	check_graph(dir, "cellbench5", 1);
	check_graph(dir, "rand1500", 0);
	check_graph(dir, "sim2000", 1);
	oracle_done(dir);
	const char *lng = getenv("SCEVAL_LONG_TESTS");
	if (!lng || strcmp(lng, "1") != 0) {
		SKIP("long test (SCEVAL_LONG_TESTS=1): leidenalg on 50,000 cells");
		return;
	}
	dir = oracle_run_script("leiden_ref.py", "real_more", NULL);
	OK(dir != NULL, "leiden oracle runs (HLCA, RCTD reference)");
	if (dir) {
		check_graph(dir, "krasnow", 1);
		check_graph(dir, "nawijn", 1);
		check_graph(dir, "rctd", 1);
		oracle_done(dir);
	}
	dir = oracle_run_script("leiden_ref.py", "sim", "20000 0,1 0.2,1.0,2.0");
	if (dir) {
		check_graph(dir, "sim20000", 1);
		oracle_done(dir);
	}
	dir = oracle_run_script("leiden_ref.py", "sim", "50000 0 0.2,1.0,2.0");
	OK(dir != NULL, "leiden oracle runs (50,000 cells)");
	if (dir) {
		check_graph(dir, "sim50000", 1);
		oracle_done(dir);
	}
}

/* 6 cliques of 15 nodes (weights ~1) joined in a ring by single weak
 * edges: any modularity optimiser must return the cliques. */
static void test_blocks(void)
{
	size_t nb = 6, bs = 15, n = nb * bs;
	sc_csr g = { 0 };
	sc_csr_alloc(&g, n, n, n * n);
	size_t q = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			double w = 0;
			if (i != j && i / bs == j / bs)
				w = 1.0 + 0.01 * (double)((i + j) % 5);
			else if ((i % bs == 0 && j == (i + bs) % n) || (j % bs == 0 && i == (j + bs) % n))
				w = 0.05;
			if (w > 0) {
				g.indices[q] = (int32_t)j;
				g.data[q++] = w;
			}
		}
		g.indptr[i + 1] = (int64_t)q;
	}
	int32_t *m = malloc(n * 4), *truth = malloc(n * 4), *m2 = malloc(n * 4);
	for (size_t i = 0; i < n; i++)
		truth[i] = (int32_t)(i / bs);
	for (int directed = 0; directed < 2; directed++) {
		size_t nc = 0, nc2 = 0;
		sc_err err = { 0 };
		sc_leiden_opts o = SC_LEIDEN_OPTS_SCANPY;
		o.directed = directed;
		int rc = sc_leiden_run(m, &nc, &g, &o, &err);
		OK(rc == 0 && nc == nb && same_partition(m, truth, n),
		   "%s: leiden finds the 6 planted cliques (%zu) %s", directed ? "directed" : "undirected",
		   nc, rc ? err.msg : "");
		rc = sc_leiden_run(m2, &nc2, &g, &o, &err);
		OK(rc == 0 && memcmp(m, m2, n * 4) == 0, "%s: same seed, same membership",
		   directed ? "directed" : "undirected");
	}
	free(m);
	free(m2);
	free(truth);
	sc_csr_free(&g);
}

static void test_args(void)
{
	sc_csr g = { 0 };
	sc_csr_alloc(&g, 3, 3, 2);
	g.indptr[1] = 1, g.indptr[2] = 2, g.indptr[3] = 2;
	g.indices[0] = 1, g.indices[1] = 0;
	g.data[0] = g.data[1] = 1.0;
	int32_t m[3];
	size_t nc = 0;
	sc_err err = { 0 };
	sc_leiden_opts o = SC_LEIDEN_OPTS_SCANPY;
	OK(sc_leiden_run(m, &nc, &g, &o, &err) == 0 && nc == 2 && m[0] == 0 && m[1] == 0 && m[2] == 1,
	   "a pair and an isolated node: two clusters, the pair first");
	o.resolution = -1;
	OK(sc_leiden_run(m, &nc, &g, &o, &err) == SC_EINVAL, "negative resolution refused: %s", err.msg);
	o.resolution = 1;
	g.data[1] = NAN;
	OK(sc_leiden_run(m, &nc, &g, &o, &err) == SC_EINVAL, "NaN weight refused: %s", err.msg);
	g.data[1] = -1;
	OK(sc_leiden_run(m, &nc, &g, &o, &err) == SC_EINVAL, "negative weight refused: %s", err.msg);
	g.data[1] = 1;
	o.seed = 1ull << 40;
	OK(sc_leiden_run(m, &nc, &g, &o, &err) == SC_EINVAL, "seed beyond a C int refused: %s", err.msg);
	sc_csr_free(&g);
}

int main(void)
{
	test_args();
	test_blocks();
	test_oracle();
	return unit_done();
}
