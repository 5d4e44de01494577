/*
 * test_core_graph.c - UMAP connectivities and scanpy's distance graph
 * against numpy transcriptions of umap-learn / scanpy on a real kNN graph,
 * a hand-checked tiny case, and connected components against scipy's
 * csgraph.connected_components and a naive flood fill.
 */
#include "tasks/core/graph.h"
#include "core_oracle.h"

static int csr_same_pattern(const sc_csr *a, const sc_csr *b)
{
	if (a->rows != b->rows || a->cols != b->cols || sc_csr_nnz(a) != sc_csr_nnz(b))
		return 0;
	if (memcmp(a->indptr, b->indptr, (a->rows + 1) * 8) != 0)
		return 0;
	return memcmp(a->indices, b->indices, sc_csr_nnz(a) * 4) == 0;
}

static double csr_maxdiff(const sc_csr *a, const sc_csr *b)
{
	double m = 0;
	for (size_t t = 0; t < sc_csr_nnz(a); t++)
		m = fmax(m, fabs(a->data[t] - b->data[t]));
	return m;
}

static void test_tiny(void)
{
	/* 3 points on a line at 0, 1, 3; k = 2 (self + 1):
	 * rho_i = d to the neighbour, so every kept edge has weight 1 and
	 * the symmetrised graph is 1 wherever either direction exists. */
	int32_t idx[] = { 0, 1, 1, 0, 2, 1 };
	double dist[] = { 0, 1, 0, 1, 0, 2 };
	sc_csr g = { 0 };
	sc_err err = { 0 };
	int rc = sc_umap_connectivities(&g, idx, dist, 3, 2, &err);
	OK(rc == 0 && sc_csr_nnz(&g) == 4 && g.indptr[1] == 1 && g.indices[0] == 1 && g.data[0] == 1.0 &&
		   g.indptr[2] == 3 && g.indices[1] == 0 && g.indices[2] == 2 && g.data[2] == 1.0,
	   "tiny line graph: symmetric weight-1 edges 0-1 and 1-2");
	sc_csr_free(&g);
	int32_t bad[] = { 0, 7, 1, 0, 2, 1 };
	OK(sc_umap_connectivities(&g, bad, dist, 3, 2, &err) == SC_EINVAL, "out-of-range index refused: %s",
	   err.msg);

	/* components: two triangles and an isolated node */
	sc_csr c = { 0 };
	sc_csr_alloc(&c, 7, 7, 6);
	int64_t ip[] = { 0, 1, 2, 2, 3, 4, 6, 6 };
	int32_t ix[] = { 1, 2, 5, 3, 4, 5 };
	memcpy(c.indptr, ip, sizeof(ip));
	memcpy(c.indices, ix, sizeof(ix));
	for (int t = 0; t < 6; t++)
		c.data[t] = 1;
	int32_t comp[7];
	size_t nc = sc_connected_components(comp, &c);
	int32_t want[] = { 0, 0, 0, 1, 1, 1, 2 };
	OK(nc == 3 && memcmp(comp, want, sizeof(want)) == 0, "components of two triangles and a point");
	sc_csr_free(&c);
}

/* Naive flood fill, labels by first appearance. */
static size_t flood(int32_t *lab, const sc_csr *g)
{
	size_t n = g->rows, nc = 0;
	sc_csr t = { 0 };
	sc_csr_transpose(&t, g);
	size_t *stack = malloc(n * sizeof(size_t) * 2 + 8);
	for (size_t i = 0; i < n; i++)
		lab[i] = -1;
	for (size_t s = 0; s < n; s++) {
		if (lab[s] >= 0)
			continue;
		size_t sp = 0;
		stack[sp++] = s;
		lab[s] = (int32_t)nc;
		while (sp) {
			size_t u = stack[--sp];
			for (int side = 0; side < 2; side++) {
				const sc_csr *m = side ? &t : g;
				for (int64_t p = m->indptr[u]; p < m->indptr[u + 1]; p++) {
					size_t v = (size_t)m->indices[p];
					if (lab[v] < 0) {
						lab[v] = (int32_t)nc;
						stack[sp++] = v;
					}
				}
			}
		}
		nc++;
	}
	free(stack);
	sc_csr_free(&t);
	return nc;
}

static void test_oracle(void)
{
	char *dir = oracle_run("graph", NULL);
	if (!dir) {
		if (unit_testdata())
			OK(0, "graph oracle runs");
		else
			SKIP("no test data: umap / scipy comparison");
		return;
	}
	size_t ks[] = { 15, 30 };
	for (int a = 0; a < 2; a++) {
		char fn[64];
		size_t n, k;
		snprintf(fn, sizeof(fn), "knn%zu_i.bin", ks[a]);
		int32_t *idx = oracle_imat(&n, &k, dir, fn);
		sc_dmat d = { 0 };
		sc_csr want = { 0 }, wantd = { 0 }, got = { 0 }, gotd = { 0 };
		snprintf(fn, sizeof(fn), "knn%zu_d.bin", ks[a]);
		int lrc = !idx || oracle_dmat(&d, dir, fn);
		snprintf(fn, sizeof(fn), "conn%zu.bin", ks[a]);
		lrc |= oracle_csr(&want, dir, fn);
		snprintf(fn, sizeof(fn), "dist%zu.bin", ks[a]);
		lrc |= oracle_csr(&wantd, dir, fn);
		OK(lrc == 0, "k=%zu: oracle output loads", ks[a]);
		if (lrc == 0) {
			sc_err err = { 0 };
			int rc = sc_umap_connectivities(&got, idx, d.v, n, k, &err);
			OK(rc == 0 && csr_same_pattern(&got, &want), "k=%zu: connectivity pattern = umap transcription",
			   ks[a]);
			double md = rc == 0 && csr_same_pattern(&got, &want) ? csr_maxdiff(&got, &want) : INFINITY;
			OK(md <= 1e-12, "k=%zu: connectivities = umap transcription within 1e-12 (%.2g)", ks[a], md);
			int sym = rc == 0;
			sc_csr t = { 0 };
			if (sym) {
				sc_csr_transpose(&t, &got);
				sym = csr_same_pattern(&t, &got) && csr_maxdiff(&t, &got) == 0;
			}
			OK(sym, "k=%zu: connectivities are exactly symmetric", ks[a]);
			sc_csr_free(&t);
			sc_knn_distance_graph(&gotd, idx, d.v, n, k);
			OK(csr_same_pattern(&gotd, &wantd) && csr_maxdiff(&gotd, &wantd) == 0,
			   "k=%zu: distance graph = scanpy's", ks[a]);
		}
		free(idx);
		sc_dmat_free(&d);
		sc_csr_free(&want);
		sc_csr_free(&wantd);
		sc_csr_free(&got);
		sc_csr_free(&gotd);
	}
	sc_csr g = { 0 };
	size_t n = 0;
	int32_t *want = oracle_imat(&n, NULL, dir, "cc_labels.bin");
	if (want && oracle_csr(&g, dir, "cc_graph.bin") == 0) {
		int32_t *got = malloc(n * 4), *nv = malloc(n * 4);
		size_t nc = sc_connected_components(got, &g);
		size_t nn = flood(nv, &g);
		int32_t mx = 0;
		for (size_t i = 0; i < n; i++)
			mx = want[i] > mx ? want[i] : mx;
		OK(nc == (size_t)mx + 1 && memcmp(got, want, n * 4) == 0,
		   "1-NN graph of 1500 cells: %zu components, labels = scipy's", nc);
		OK(nn == nc && memcmp(got, nv, n * 4) == 0, "components = naive flood fill");
		free(got);
		free(nv);
	} else {
		OK(0, "load cc oracle");
	}
	free(want);
	sc_csr_free(&g);
	oracle_done(dir);
}

int main(void)
{
	test_tiny();
	test_oracle();
	return unit_done();
}
