/*
 * test_scib_synth.c - the scIB metrics on hand-built cases whose values are
 * derived by hand (perfectly mixed, perfectly separated), the numerical
 * kernels against naive references (plain-loop silhouette, textbook
 * Dijkstra, dense matrix powers, printf rounding), and bad input.
 */
#include "scib_oracle.h"
#include "tasks/scib/aggregate.h"
#include "tasks/scib/clusters.h"
#include "tasks/scib/connectivity.h"
#include "tasks/scib/isolated.h"
#include "tasks/scib/kbet.h"
#include "tasks/scib/lisi.h"
#include "tasks/scib/pcr.h"
#include "tasks/scib/silhouette.h"
#include "tasks/scib/stats.h"
#include "tasks/core/rng.h"

static sc_labels mk_labels(const int32_t *codes, size_t n, size_t ncat)
{
	sc_labels l = { .n = n, .ncat = ncat };
	l.codes = malloc(sizeof(int32_t) * n);
	memcpy(l.codes, codes, sizeof(int32_t) * n);
	return l;
}

/* a graph from an edge list, symmetrised, unit or given weights */
static void mk_graph(sc_csr *g, size_t n, const int *a, const int *b, const double *w, size_t m)
{
	double *d = calloc(n * n, sizeof(double));
	for (size_t e = 0; e < m; e++) {
		d[a[e] * n + b[e]] = w ? w[e] : 1.;
		d[b[e] * n + a[e]] = w ? w[e] : 1.;
	}
	size_t nnz = 0;
	for (size_t i = 0; i < n * n; i++)
		nnz += d[i] != 0;
	sc_csr_alloc(g, n, n, nnz);
	nnz = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++)
			if (d[i * n + j] != 0) {
				g->indices[nnz] = (int32_t)j;
				g->data[nnz++] = d[i * n + j];
			}
		g->indptr[i + 1] = (int64_t)nnz;
	}
	free(d);
}

/* ---------------------------------------------------------------- geometry */

/*
 * Two unit squares 100 apart. Label = square; batch = diagonal pair within a
 * square. By hand: within a square, corner (0,0) has a = d to the other
 * batch member (1,1) = sqrt 2 and b = mean(1, 1) = 1 for the batch split,
 * so s = (1 - sqrt2) / sqrt2 and 1 - |s| = 1 / sqrt2 for every cell.
 */
static void squares(void)
{
	double pts[8][2] = { { 0, 0 }, { 1, 1 }, { 1, 0 }, { 0, 1 },
			     { 100, 0 }, { 101, 1 }, { 101, 0 }, { 100, 1 } };
	int32_t lab[8] = { 0, 0, 0, 0, 1, 1, 1, 1 }, bat[8] = { 0, 0, 1, 1, 0, 0, 1, 1 };
	sc_dmat x;
	sc_dmat_alloc(&x, 8, 2);
	memcpy(x.v, pts, sizeof(pts));
	sc_labels L = mk_labels(lab, 8, 2), B = mk_labels(bat, 8, 2);
	sc_err e;
	sc_scib_why why;
	double v, pl[2], pc[8], s[8];

	int rc = sc_scib_asw_batch(&v, pl, pc, &x, &L, &B, 1, &why, &e);
	OK(rc == 0, "squares: batch ASW runs");
	NEAR(v, 1 / sqrt(2), 1e-12, "squares: batch ASW = 1/sqrt(2) by hand");
	NEAR(pl[1], 1 / sqrt(2), 1e-12, "squares: per-label batch ASW");

	/* label silhouette of corner (0,0): a = (1 + 1 + sqrt2) / 3, b = mean
	 * distance to (100,0), (101,1), (101,0), (100,1) */
	rc = sc_scib_silhouette_samples(s, &x, lab, 2, &e);
	double a = (2 + sqrt(2)) / 3;
	double b = (100 + sqrt(101. * 101 + 1) + 101 + sqrt(100. * 100 + 1)) / 4;
	NEAR(s[0], (b - a) / b, 1e-12, "squares: label silhouette of a corner by hand");
	double asw;
	rc = sc_scib_asw_label(&asw, NULL, &x, &L, 1, &why, &e);
	OK(rc == 0 && asw > 0.99 && asw < 1, "squares: label ASW near 1 for separated squares (%g)",
	   asw);

	/* PCR by batch: batch 0 = x {0,1,100,101}, y {0,1,0,1}; batch 1 = x
	 * {1,0,101,100}, y {0,1,0,1}: equal means in both dims -> R^2 = 0 */
	double p;
	rc = sc_scib_pcr_embedding(&p, &x, &B, 50, &e);
	NEAR(p, 0, 1e-12, "squares: PCR 0 when batches have equal means");
	rc = sc_scib_pcr_embedding(&p, &x, &L, 50, &e);
	/* by label: x between-SS 8 * 50.5^2 ... R^2_total = 1 - within/total:
	 * within: x {0,1,1,0} about 0.5 -> 1, twice -> 2; y: 8 * 0.25 = 2;
	 * total: x var about 50.5: 4*(50.5^2 + 49.5^2) = 20002, y: 2 */
	NEAR(p, 1 - 4. / 20004., 1e-12, "squares: PCR with the square as covariate, by hand");
	sc_dmat_free(&x);
	sc_labels_free(&L);
	sc_labels_free(&B);
}

/* 1-D PCR by hand: batch A at c - 1, c + 1; batch B at -c - 1, -c + 1 on
 * dim 1 (R^2 = c^2 / (c^2 + 1)); dim 2: A {0, 0}, B {3, -3} (R^2 = 0).
 * Pooled: 1 - (4 + 18) / (4 (c^2 + 1) + 18); with c = 1: 2/13. */
static void pcr_by_hand(void)
{
	double pts[4][2] = { { 0, 0 }, { 2, 0 }, { -2, 3 }, { 0, -3 } };
	int32_t bat[4] = { 0, 0, 1, 1 };
	sc_dmat x;
	sc_dmat_alloc(&x, 4, 2);
	memcpy(x.v, pts, sizeof(pts));
	sc_labels B = mk_labels(bat, 4, 2);
	sc_err e;
	double p, r2[2], var[2] = { 3, 1 };
	int rc = sc_scib_pcr_embedding(&p, &x, &B, 50, &e);
	OK(rc == 0, "pcr: runs");
	NEAR(p, 2. / 13., 1e-14, "pcr: pooled R^2 = 2/13 by hand");
	rc = sc_scib_pcr_scores(&p, r2, &x, var, &B, &e);
	NEAR(r2[0], 0.5, 1e-14, "pcr: R^2 of dim 1 = c^2/(c^2+1) = 1/2");
	NEAR(r2[1], 0, 1e-14, "pcr: R^2 of dim 2 = 0");
	NEAR(p, 0.5 * 3 / 4, 1e-14, "pcr: weighted by variance share 3/4");
	sc_scib_why why;
	NEAR(sc_scib_pcr_comparison(0.4, 0.1, &why), 0.75, 1e-15, "pcr comparison (0.4-0.1)/0.4");
	NEAR(sc_scib_pcr_comparison(0.1, 0.4, &why), 0, 0, "pcr comparison clipped at 0");
	OK(isnan(sc_scib_pcr_comparison(0, 0.1, &why)) && why.msg[0],
	   "pcr comparison NaN with a reason when nothing to remove (%s)", why.msg);
	sc_dmat_free(&x);
	sc_labels_free(&B);
}

/* --------------------------------------------------------------- partitions */

static void partitions_by_hand(void)
{
	int32_t lab[8] = { 0, 0, 0, 0, 1, 1, 1, 1 }, same[8] = { 5, 5, 5, 5, 2, 2, 2, 2 };
	int32_t one[8] = { 0 }, swap[8] = { 0, 1, 0, 1, 0, 1, 0, 1 };
	sc_err e;
	double v;
	OK(sc_scib_nmi(&v, same, lab, 8, &e) == 0 && v == 1, "NMI of a relabelled copy is 1");
	OK(sc_scib_ari(&v, same, lab, 8, &e) == 0 && v == 1, "ARI of a relabelled copy is 1");
	OK(sc_scib_nmi(&v, one, lab, 8, &e) == 0 && v == 0, "NMI against one cluster is 0");
	OK(sc_scib_ari(&v, one, lab, 8, &e) == 0 && v == 0, "ARI against one cluster is 0");
	OK(sc_scib_nmi(&v, one, one, 8, &e) == 0 && v == 1, "NMI of two trivial partitions is 1");
	/* swap: each cluster half of each label. MI = 0 -> NMI 0; pairs: by hand
	 * ARI = 2(tp tn - fn fp) / ((tp+fn)(fn+tn) + (tp+fp)(fp+tn)) with
	 * ss = 4 * 2^2 = 16, tp = 8, fp = fn = 32 - 16 = 16, tn = 64 - 48 = 16:
	 * 2 (128 - 256) / (24 * 32 + 24 * 32) = -1/6 */
	OK(sc_scib_nmi(&v, swap, lab, 8, &e) == 0 && v == 0, "NMI of independent halves is 0");
	OK(sc_scib_ari(&v, swap, lab, 8, &e) == 0, "ARI runs");
	NEAR(v, -1. / 6., 1e-15, "ARI of independent halves = -1/6 by hand");
	int32_t bad[3] = { 0, -1, 1 };
	OK(sc_scib_nmi(&v, bad, lab, 3, &e) == SC_EINVAL, "NMI rejects a missing cluster: %s",
	   e.msg);

	/* F1: label 1 = cells 4..7; cluster {4,5,6} -> P = 3/4, R = 1 -> 6/7 */
	int32_t cl[8] = { 0, 0, 0, 0, 1, 1, 1, 2 };
	int32_t best;
	OK(sc_scib_max_f1(&v, &best, cl, lab, 1, 8, &e) == 0, "max F1 runs");
	NEAR(v, 6. / 7., 1e-15, "max F1 = 2PR/(P+R) = 6/7 by hand");
	OK(best == 1, "max F1 picks cluster 1");
	double res[10];
	OK(sc_scib_default_resolutions(res) == 10 && res[0] == 0.2 && res[3] == 0.8 &&
		   res[9] == 2.0,
	   "scib's default resolutions 0.2 .. 2.0");
}

/* ------------------------------------------------------ LISI and kBET by hand */

/*
 * Neighbours come in pairs at equal distance (1, 2, 3), one of each pair
 * from either batch: whatever the bisection makes of P, each batch holds
 * exactly half of it, so Simpson = 1/2 and LISI = 2 (iLISI 1). With all
 * six neighbours from the cell's own batch LISI = 1 (iLISI 0).
 */
static void lisi_by_hand(void)
{
	enum { N = 12, K = 6 };
	int32_t idx[N * K];
	double dist[N * K];
	int32_t bat[N], lab[N];
	for (int i = 0; i < N; i++) {
		bat[i] = i % 2;
		lab[i] = i < 6 ? 0 : 1;
		for (int j = 0; j < K; j++) {
			idx[i * K + j] = (i + 1 + j) % N; /* parities alternate within a pair */
			dist[i * K + j] = 1 + j / 2;
		}
	}
	sc_labels B = mk_labels(bat, N, 2), L = mk_labels(lab, N, 2);
	sc_scib_lisi r;
	sc_err e;
	int rc = sc_scib_lisi_knn(&r, idx, dist, N, K, &B, &L, 1, &e);
	OK(rc == 0, "lisi by hand: runs");
	NEAR(r.ilisi_cell[0], 2, 1e-12, "lisi by hand: half/half neighbourhood has LISI 2");
	NEAR(r.ilisi, 1, 1e-12, "lisi by hand: perfectly mixed batches give iLISI 1");
	sc_scib_lisi_free(&r);
	for (int i = 0; i < N; i++)
		for (int j = 0; j < K; j++)
			idx[i * K + j] = (i + 2 * (j + 1)) % N; /* same parity: same batch */
	rc = sc_scib_lisi_knn(&r, idx, dist, N, K, &B, &L, 1, &e);
	NEAR(r.ilisi_cell[3], 1, 1e-12, "lisi by hand: one-batch neighbourhood has LISI 1");
	NEAR(r.ilisi, 0, 1e-12, "lisi by hand: batches apart give iLISI 0");
	sc_scib_lisi_free(&r);
	sc_labels_free(&B);
	sc_labels_free(&L);
}

/*
 * kBET by hand, one label of 88 cells on a ring, batch = parity: 44 per
 * batch, so k0 = max(10, floor(44 / 4)) = 11 and a neighbourhood is the cell
 * and the 10 best diffusion scores. Mixed: edges to ring distance 1..6 with
 * weight 1/distance; the scores fall with distance, so the 10 are ring
 * distance 1..5 on both sides: 11 consecutive cells, 6:5 batches against 5.5
 * expected, chi^2 = 2 (0.5^2 / 5.5) = 1/11, p = 0.76, nothing rejected:
 * kBET 1. Separated: edges only between cells of one parity (two rings of
 * 44 >= 3 k0): all 11 in one batch, chi^2 = 2 (5.5^2 / 5.5) = 11, p = 9e-4,
 * everything rejected: kBET 0.
 */
static void kbet_by_hand(void)
{
	enum { M = 88, S = 6 };
	sc_err e;
	int a[M * S], b[M * S];
	double w[M * S];
	size_t m = 0;
	for (int i = 0; i < M; i++)
		for (int s = 1; s <= S; s++) {
			a[m] = i;
			b[m] = (i + s) % M;
			w[m++] = 1. / s;
		}
	sc_csr g;
	mk_graph(&g, M, a, b, w, m);
	int32_t lab[M] = { 0 }, bat[M];
	for (int i = 0; i < M; i++)
		bat[i] = i % 2;
	sc_labels L = mk_labels(lab, M, 1), B = mk_labels(bat, M, 2);
	sc_scib_kbet k;
	int rc = sc_scib_kbet_all_cells(&k, &g, &L, &B, 0.05, 2, &e);
	OK(rc == 0, "kbet mixed: runs");
	OK(k.k0[0] == 11, "kbet mixed: k0 = floor(44/4) = 11 (%d)", k.k0[0]);
	NEAR(k.pvalue[0], sc_scib_chi2_sf(1. / 11., 1), 1e-12, "kbet mixed: chi^2 = 1/11 by hand");
	NEAR(k.score, 1, 0, "kbet mixed: nothing rejected, kBET 1");
	sc_scib_kbet_free(&k);
	sc_csr_free(&g);

	m = 0;
	for (int i = 0; i < M; i++)
		for (int s = 1; s <= S; s++) {
			a[m] = i;
			b[m] = (i + 2 * s) % M; /* same parity */
			w[m++] = 1. / s;
		}
	mk_graph(&g, M, a, b, w, m);
	rc = sc_scib_kbet_all_cells(&k, &g, &L, &B, 0.05, 2, &e);
	OK(rc == 0, "kbet separated: runs");
	NEAR(k.pvalue[3], sc_scib_chi2_sf(11, 1), 1e-12, "kbet separated: chi^2 = 11 by hand");
	NEAR(k.score, 0, 0, "kbet separated: all rejected, kBET 0");
	sc_scib_kbet_free(&k);
	/* one batch -> the label is skipped and kBET is NaN with a reason */
	for (int i = 0; i < M; i++)
		B.codes[i] = 0;
	rc = sc_scib_kbet_all_cells(&k, &g, &L, &B, 0.05, 2, &e);
	OK(rc == 0 && isnan(k.score) && k.why.msg[0], "kbet one batch: NaN (%s)", k.why.msg);
	sc_scib_kbet_free(&k);
	/* fewer than 10 cells: skipped too */
	sc_csr_free(&g);
	sc_labels_free(&L);
	sc_labels_free(&B);
}

static void graph_conn_by_hand(void)
{
	/* label 0 = {0,1,2,3}: edges 0-1, 2-3 -> largest component 2 of 4;
	 * label 1 = {4,5,6}: path 4-5-6 -> 3 of 3; the edge 3-4 crosses labels */
	int a[] = { 0, 2, 4, 5, 3 }, b[] = { 1, 3, 5, 6, 4 };
	sc_csr g;
	mk_graph(&g, 7, a, b, NULL, 5);
	int32_t lab[7] = { 0, 0, 0, 0, 1, 1, 1 };
	sc_labels L = mk_labels(lab, 7, 3);
	double v, pl[3];
	sc_err e;
	OK(sc_scib_graph_connectivity(&v, pl, &g, &L, &e) == 0, "graph connectivity runs");
	NEAR(v, (0.5 + 1) / 2, 1e-15, "graph connectivity = mean(2/4, 3/3) by hand");
	OK(isnan(pl[2]), "an unused label category is NaN, not counted");
	sc_csr_free(&g);
	sc_labels_free(&L);
}

static void isolated_by_hand(void)
{
	/* labels 0 and 1 in both batches, label 2 only in batch 0: isolated */
	int32_t lab[9] = { 0, 0, 1, 1, 2, 2, 2, 0, 1 }, bat[9] = { 0, 1, 0, 1, 0, 0, 0, 1, 0 };
	sc_labels L = mk_labels(lab, 9, 3), B = mk_labels(bat, 9, 2);
	unsigned char iso[3];
	size_t ni;
	sc_err e;
	sc_scib_why why;
	OK(sc_scib_isolated_labels(iso, &ni, &L, &B, 0, &why, &e) == 0 && ni == 1 && iso[2],
	   "isolated: label 2 alone in one batch");
	int32_t memb[2 * 9] = { 0, 0, 0, 0, 1, 1, 1, 0, 0, /* F1 of {4,5,6} = 1 */
				0, 0, 0, 0, 1, 1, 0, 0, 0 };
	double f, pl[3];
	OK(sc_scib_isolated_f1(&f, pl, memb, 2, &L, &B, 0, &why, &e) == 0, "isolated F1 runs");
	NEAR(f, 1, 0, "isolated F1 = 1 when a clustering isolates the label");
	OK(sc_scib_isolated_f1(&f, pl, memb + 9, 1, &L, &B, 0, &why, &e) == 0, "isolated F1 runs");
	NEAR(f, 0.8, 1e-15, "isolated F1 = 2 * (2/3 * 1) / (2/3 + 1) = 0.8 by hand");
	double sil[9] = { 0, 0, 0, 0, 0.5, 0.2, -0.1, 0, 0 };
	OK(sc_scib_isolated_asw(&f, pl, sil, &L, &B, 0, &why, &e) == 0, "isolated ASW runs");
	NEAR(f, (0.2 + 1) / 2, 1e-15, "isolated ASW = (mean s + 1) / 2 by hand");
	/* every label in every batch: none isolated -> NaN with scib's reason */
	int32_t lab2[4] = { 0, 0, 1, 1 }, bat2[4] = { 0, 1, 0, 1 };
	sc_labels L2 = mk_labels(lab2, 4, 2), B2 = mk_labels(bat2, 4, 2);
	OK(sc_scib_isolated_asw(&f, NULL, sil, &L2, &B2, 0, &why, &e) == 0 && isnan(f) &&
		   why.msg[0],
	   "isolated: none when every label is in every batch (%s)", why.msg);
	sc_labels_free(&L);
	sc_labels_free(&B);
	sc_labels_free(&L2);
	sc_labels_free(&B2);
}

/* ------------------------------------------------------- naive references */

static void silhouette_naive(void)
{
	enum { N = 1100, D = 7, K = 5 }; /* > 2 tiles of 512 */
	sc_rng r;
	sc_rng_seed(&r, 11);
	sc_dmat x;
	sc_dmat_alloc(&x, N, D);
	int32_t lab[N];
	for (int i = 0; i < N; i++) {
		lab[i] = (int32_t)sc_rng_below(&r, K) * 3; /* sparse codes */
		for (int j = 0; j < D; j++)
			x.v[i * D + j] = sc_rng_normal(&r) + lab[i] * 0.3;
	}
	lab[7] = 100; /* a singleton category: silhouette 0 */
	static double s[N];
	double worst = 0;
	sc_err e;
	int rc = sc_scib_silhouette_samples(s, &x, lab, 2, &e);
	OK(rc == 0, "silhouette naive: runs");
	for (int i = 0; i < N; i++) {
		double sum[101] = { 0 };
		int cnt[101] = { 0 };
		for (int j = 0; j < N; j++) {
			double d2 = 0;
			for (int t = 0; t < D; t++)
				d2 += (x.v[i * D + t] - x.v[j * D + t]) * (x.v[i * D + t] - x.v[j * D + t]);
			sum[lab[j]] += sqrt(d2);
			cnt[lab[j]]++;
		}
		double a = cnt[lab[i]] > 1 ? sum[lab[i]] / (cnt[lab[i]] - 1) : NAN, b = INFINITY;
		for (int c = 0; c <= 100; c++)
			if (cnt[c] && c != lab[i] && sum[c] / cnt[c] < b)
				b = sum[c] / cnt[c];
		double ref = isnan(a) ? 0 : (b - a) / (a > b ? a : b);
		if (fabs(ref - s[i]) > worst)
			worst = fabs(ref - s[i]);
	}
	OK(worst < 1e-12, "silhouette equals the plain double loop (max diff %.2g)", worst);
	OK(s[7] == 0, "a cell alone in its category has silhouette 0");
	/* the row-owner path (accumulators over the memory limit) agrees */
	static double s2[N], s3[N];
	size_t old = sc_scib_silhouette_memory_limit(1000);
	rc = sc_scib_silhouette_samples(s2, &x, lab, 3, &e);
	int rc3 = sc_scib_silhouette_samples(s3, &x, lab, 1, &e);
	sc_scib_silhouette_memory_limit(old);
	double w2 = 0;
	for (int i = 0; i < N; i++)
		w2 = fmax(w2, fabs(s2[i] - s[i]));
	OK(rc == 0 && rc3 == 0 && w2 < 1e-13 && !memcmp(s2, s3, sizeof(s2)),
	   "row-owner silhouette path agrees (max diff %.2g) and is thread-independent", w2);
	int32_t all[N];
	for (int i = 0; i < N; i++)
		all[i] = i;
	OK(sc_scib_silhouette_samples(s, &x, all, 1, &e) == SC_EINVAL,
	   "silhouette with n categories is an error, as sklearn: %s", e.msg);
	x.v[5] = NAN;
	OK(sc_scib_silhouette_samples(s, &x, lab, 1, &e) == SC_EINVAL,
	   "NaN in the embedding is an error: %s", e.msg);
	sc_dmat_free(&x);
}

/* textbook Dijkstra with a binary search over settled distances */
static void dijkstra(double *best, const sc_csr *g, size_t src)
{
	size_t n = g->rows;
	char *done = calloc(n, 1);
	for (size_t i = 0; i < n; i++)
		best[i] = INFINITY;
	best[src] = 0;
	for (;;) {
		size_t u = n;
		for (size_t i = 0; i < n; i++)
			if (!done[i] && best[i] < INFINITY && (u == n || best[i] < best[u]))
				u = i;
		if (u == n)
			break;
		done[u] = 1;
		for (int64_t p = g->indptr[u]; p < g->indptr[u + 1]; p++)
			if (best[u] + g->data[p] < best[g->indices[p]])
				best[g->indices[p]] = best[u] + g->data[p];
	}
	free(done);
}

static void graph_knn_naive(void)
{
	enum { N = 400, DEG = 4, K = 30 };
	sc_rng r;
	sc_rng_seed(&r, 5);
	int a[N * DEG], b[N * DEG];
	double w[N * DEG];
	size_t m = 0;
	for (int i = 0; i < N; i++)
		for (int t = 0; t < DEG; t++) {
			a[m] = i;
			b[m] = (int)sc_rng_below(&r, N);
			if (b[m] == i)
				continue;
			w[m++] = 0.05 + sc_rng_uniform(&r); /* continuous: no ties */
		}
	sc_csr g;
	mk_graph(&g, N, a, b, w, m);
	int32_t *idx = malloc(sizeof(int32_t) * N * K);
	double *dist = malloc(sizeof(double) * N * K), best[N];
	size_t found[N], bad = 0;
	sc_err e;
	OK(sc_scib_graph_knn(idx, dist, found, &g, K, 3, &e) == 0, "graph kNN runs");
	for (size_t s = 0; s < N; s++) {
		dijkstra(best, &g, s);
		double sorted[N];
		size_t ns = 0;
		for (size_t i = 0; i < N; i++)
			if (i != s && best[i] < INFINITY)
				sorted[ns++] = best[i];
		for (size_t i = 1; i < ns; i++) /* insertion sort */
			for (size_t j = i; j > 0 && sorted[j] < sorted[j - 1]; j--) {
				double t = sorted[j];
				sorted[j] = sorted[j - 1];
				sorted[j - 1] = t;
			}
		size_t want = ns < K ? ns : K;
		if (found[s] != want)
			bad++;
		for (size_t j = 0; j < want && j < found[s]; j++)
			if (dist[s * K + j] != sorted[j] || best[idx[s * K + j]] != dist[s * K + j])
				bad++;
	}
	OK(bad == 0, "heap search equals textbook Dijkstra on %d cells (%zu mismatches)", N, bad);
	/* rounding to 6 significant digits as printf + strtod */
	size_t rbad = 0;
	for (int t = 0; t < 200000; t++) {
		double v = exp((sc_rng_uniform(&r) - 0.5) * 40);
		if (t % 7 == 0)
			v = (double)(t % 1000) / 8; /* exact binary ties such as 0.125 */
		char buf[40];
		snprintf(buf, sizeof(buf), "%.6g", v);
		rbad += sc_scib_round6(v) != strtod(buf, NULL);
	}
	OK(rbad == 0, "round6 equals printf(\"%%.6g\") + strtod on 200000 values (%zu differ)", rbad);
	free(idx);
	free(dist);
	sc_csr_free(&g);
}

/* M = T + T^2 + T^3 by dense loops; its top-k per row vs diffusion_nn */
static void diffusion_naive(void)
{
	enum { N = 120, K = 12 };
	sc_rng r;
	sc_rng_seed(&r, 9);
	int a[N * 3], b[N * 3];
	double w[N * 3];
	size_t m = 0;
	for (int i = 0; i < N; i++) {
		a[m] = i; /* a ring keeps it connected */
		b[m] = (i + 1) % N;
		w[m++] = 0.5 + sc_rng_uniform(&r);
		for (int t = 0; t < 2; t++) {
			a[m] = i;
			b[m] = (int)sc_rng_below(&r, N);
			if (b[m] == i)
				continue;
			w[m++] = sc_rng_uniform(&r);
		}
	}
	sc_csr g;
	mk_graph(&g, N, a, b, w, m);
	double *T = calloc(N * N, sizeof(double)), *P = calloc(N * N, sizeof(double)),
	       *Q = calloc(N * N, sizeof(double)), *M = calloc(N * N, sizeof(double));
	for (int i = 0; i < N; i++) {
		double s = 0;
		for (int64_t p = g.indptr[i]; p < g.indptr[i + 1]; p++)
			s += g.data[p];
		for (int64_t p = g.indptr[i]; p < g.indptr[i + 1]; p++)
			T[i * N + g.indices[p]] = g.data[p] / s;
	}
	memcpy(P, T, sizeof(double) * N * N);
	memcpy(M, T, sizeof(double) * N * N);
	for (int pw = 2; pw <= 3; pw++) {
		for (int i = 0; i < N; i++)
			for (int j = 0; j < N; j++) {
				double s = 0;
				for (int t = 0; t < N; t++)
					s += T[i * N + t] * P[t * N + j];
				Q[i * N + j] = s;
			}
		for (int i = 0; i < N * N; i++)
			M[i] += Q[i];
		memcpy(P, Q, sizeof(double) * N * N);
	}
	int32_t nn[N * K];
	double sc[N * K];
	sc_err e;
	int rc = sc_scib_diffusion_nn(nn, sc, &g, K, 2, &e);
	size_t bad = 0;
	double worst = 0;
	for (int i = 0; i < N; i++) {
		M[i * N + i] = 0;
		for (int j = 0; j < K; j++) {
			double v = M[i * N + nn[i * K + j]];
			if (fabs(v - sc[i * K + j]) > worst)
				worst = fabs(v - sc[i * K + j]);
			/* no cell outside the list may score above the last one kept */
			if (j == K - 1)
				for (int c = 0; c < N; c++) {
					int in = 0;
					for (int t = 0; t < K; t++)
						in |= nn[i * K + t] == c;
					bad += !in && c != i && M[i * N + c] > v * (1 + 1e-12);
				}
		}
	}
	OK(rc == 0 && bad == 0 && worst < 1e-15,
	   "diffusion neighbours are the top of dense T + T^2 + T^3 (%zu wrong, score diff %.2g)",
	   bad, worst);
	/* a graph too small for k neighbours: scib's NeighborsError */
	sc_csr small;
	int sa[] = { 0, 1 }, sb[] = { 1, 2 };
	mk_graph(&small, 3, sa, sb, NULL, 2);
	OK(sc_scib_diffusion_nn(nn, NULL, &small, 5, 1, &e) == SC_ENOTFOUND,
	   "diffusion on 3 cells for 5 neighbours fails as scib's: %s", e.msg);
	sc_csr_free(&small);
	free(T);
	free(P);
	free(Q);
	free(M);
	sc_csr_free(&g);
}

/* --------------------------------------------------------- oracle checks */

static void chi2_vs_scipy(void)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "'%s' -c \"%s\"", unit_python(),
		 "import numpy as np\n"
			"from scipy.stats import chi2\n"
			"rng=np.random.default_rng(3)\n"
			"for d in list(range(1,101))+[150,300]:\n"
			"  for x in np.concatenate([rng.uniform(0,3*d+10,8),rng.uniform(0,40*d+100,8),[1e-6,d,d+2]]):\n"
			"    print(repr(float(x)),d,repr(float(chi2.sf(x,d))))\n");
	FILE *f = popen(cmd, "r");
	if (!f) {
		SKIP("chi2: no python");
		return;
	}
	double x, d, ref, worst = 0;
	size_t n = 0;
	while (fscanf(f, "%lf %lf %lf", &x, &d, &ref) == 3) {
		double got = sc_scib_chi2_sf(x, d);
		if (ref > 1e-300) {
			double rel = fabs(got - ref) / ref;
			if (rel > worst)
				worst = rel;
			n++;
		}
	}
	int st = pclose(f);
	if (st != 0 || n == 0) {
		SKIP("chi2: scipy oracle unavailable");
		return;
	}
	OK(worst <= 1e-12, "chi-square tail vs scipy.stats.chi2.sf on %zu points (max rel %.2g)",
	   n, worst);
	NEAR(sc_scib_chi2_sf(0, 3), 1, 0, "chi2 sf at 0 is 1");
	NEAR(sc_scib_gamma_p(2, 3) + sc_scib_gamma_q(2, 3), 1, 1e-15, "P + Q = 1");
	NEAR(sc_scib_gamma_q(1, 2.5), exp(-2.5), 1e-15, "Q(1, x) = exp(-x)");
	OK(isnan(sc_scib_chi2_sf(1, 0)), "chi2 with 0 degrees of freedom is NaN");
}

static void aggregates(void)
{
	char *dir = scib_oracle("agg", "");
	if (!dir) {
		SKIP("aggregates: oracle unavailable");
		return;
	}
	sc_dmat t = { 0 }, a0 = { 0 }, a1 = { 0 }, s1 = { 0 };
	size_t r, c;
	int32_t *cls = oracle_imat(&r, &c, dir, "cls.bin");
	if (oracle_dmat(&t, dir, "table.bin") || oracle_dmat(&a0, dir, "agg0.bin") ||
	    oracle_dmat(&a1, dir, "agg1.bin") || oracle_dmat(&s1, dir, "scaled1.bin") || !cls) {
		OK(0, "aggregates: oracle files load");
	} else {
		size_t nm = t.rows, nk = t.cols;
		sc_scib_class *k = malloc(sizeof(*k) * nk);
		for (size_t j = 0; j < nk; j++)
			k[j] = (sc_scib_class)cls[j];
		double bio[16], bat[16], ov[16], *sc = malloc(sizeof(double) * nm * nk);
		sc_err e;
		for (int mm = 0; mm < 2; mm++) {
			sc_dmat *ref = mm ? &a1 : &a0;
			int rc = sc_scib_aggregate(bio, bat, ov, sc, t.v, nm, nk, k, mm, &e);
			double w = 0;
			for (size_t i = 0; i < nm; i++) {
				w = fmax(w, fabs(bio[i] - ref->v[i]));
				w = fmax(w, fabs(bat[i] - ref->v[nm + i]));
				w = fmax(w, fabs(ov[i] - ref->v[2 * nm + i]));
			}
			OK(rc == 0 && w <= 1e-12, "aggregates (%s) vs pandas/MinMaxScaler (max %.2g)",
			   mm ? "min-max scaled" : "raw", w);
			if (mm) {
				size_t bad;
				double d = scib_maxdiff(sc, s1.v, nm * nk, &bad);
				OK(d <= 1e-15 && bad == 0, "min-max scaled table equals sklearn's");
			}
		}
		free(k);
		free(sc);
	}
	free(cls);
	sc_dmat_free(&t);
	sc_dmat_free(&a0);
	sc_dmat_free(&a1);
	sc_dmat_free(&s1);
	oracle_done(dir);
}

/* ---------------------------------------------------------------- bad input */

static void bad_input(void)
{
	double pts[6][2] = { { 0, 0 }, { 1, 0 }, { 0, 1 }, { 5, 5 }, { 6, 5 }, { 5, 6 } };
	sc_dmat x;
	sc_dmat_alloc(&x, 6, 2);
	memcpy(x.v, pts, sizeof(pts));
	int32_t lab[6] = { 0, 0, 0, 1, 1, 1 }, one[6] = { 0 }, single[6] = { 0, 0, 0, 1, 1, 2 };
	sc_labels L = mk_labels(lab, 6, 2), B1 = mk_labels(one, 6, 1), L1 = mk_labels(one, 6, 1);
	sc_labels LS = mk_labels(single, 6, 3);
	sc_err e;
	sc_scib_why why;
	double v;
	OK(sc_scib_asw_batch(&v, NULL, NULL, &x, &L, &B1, 1, &why, &e) == 0 && isnan(v) &&
		   why.msg[0],
	   "one batch: batch ASW NaN (%s)", why.msg);
	OK(sc_scib_asw_label(&v, NULL, &x, &L1, 1, &why, &e) == 0 && isnan(v) && why.msg[0],
	   "one label: label ASW NaN (%s)", why.msg);
	int rc = sc_scib_asw_label(&v, NULL, &x, &LS, 1, &why, &e);
	OK(rc == 0 && !isnan(v), "a label with one cell: label ASW defined (%g)", v);
	sc_labels short_l = { .n = 5, .codes = lab, .ncat = 2 };
	OK(sc_scib_asw_label(&v, NULL, &x, &short_l, 1, &why, &e) == SC_EINVAL,
	   "labels of the wrong length: %s", e.msg);
	int32_t miss[6] = { 0, 0, -1, 1, 1, 1 };
	sc_labels M = { .n = 6, .codes = miss, .ncat = 2 };
	OK(sc_scib_asw_label(&v, NULL, &x, &M, 1, &why, &e) == SC_EINVAL,
	   "a missing label: %s", e.msg);
	int32_t big[6] = { 0, 0, 9, 1, 1, 1 };
	sc_labels G = { .n = 6, .codes = big, .ncat = 2 };
	OK(sc_scib_asw_label(&v, NULL, &x, &G, 1, &why, &e) == SC_EINVAL,
	   "a code beyond the categories: %s", e.msg);
	sc_csr g;
	int a[] = { 0, 1, 3 }, b[] = { 1, 2, 4 };
	mk_graph(&g, 6, a, b, NULL, 3);
	sc_scib_lisi li;
	OK(sc_scib_lisi_graph(&li, &g, &B1, &L, 90, 1, &e) == 0 && isnan(li.ilisi) &&
		   li.ilisi_why.msg[0],
	   "one batch: iLISI NaN (%s)", li.ilisi_why.msg);
	OK(li.ilisi_cell[0] == 1 && isnan(li.ilisi_cell[5]),
	   "LISI 1 for too few reachable cells, NaN for a cell without edges");
	sc_scib_lisi_free(&li);
	g.data[0] = -1;
	OK(sc_scib_graph_connectivity(&v, NULL, &g, &L, &e) == SC_EINVAL,
	   "negative graph weight: %s", e.msg);
	g.data[0] = 1;
	g.rows = 5;
	OK(sc_scib_graph_connectivity(&v, NULL, &g, &L, &e) == SC_EINVAL,
	   "graph of the wrong size: %s", e.msg);
	g.rows = 6;
	sc_csr_free(&g);
	sc_dmat_free(&x);
	sc_labels_free(&L);
	sc_labels_free(&B1);
	sc_labels_free(&L1);
	sc_labels_free(&LS);
}

int main(void)
{
	squares();
	pcr_by_hand();
	partitions_by_hand();
	lisi_by_hand();
	kbet_by_hand();
	graph_conn_by_hand();
	isolated_by_hand();
	silhouette_naive();
	graph_knn_naive();
	diffusion_naive();
	chi2_vs_scipy();
	aggregates();
	bad_input();
	return unit_done();
}
