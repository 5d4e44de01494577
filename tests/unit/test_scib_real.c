/*
 * test_scib_real.c - every scIB metric on real data against its reference:
 * sklearn for silhouettes, NMI and ARI; scib's Leiden sweep on
 * python3-leidenalg for the clusters; the numpy transcriptions of scib in
 * tests/oracle/scib_ref.py for the rest. The oracle builds the embedding
 * (PCA of the counts, batch means removed) and both neighbour graphs, so
 * the two sides see identical inputs.
 */
#include "scib_oracle.h"
#include "tasks/scib/clusters.h"
#include "tasks/scib/connectivity.h"
#include "tasks/scib/isolated.h"
#include "tasks/scib/kbet.h"
#include "tasks/scib/lisi.h"
#include "tasks/scib/pcr.h"
#include "tasks/scib/silhouette.h"

static const double TOL = 1e-9;

typedef struct ds {
	char *dir;
	sc_dmat emb, pre, pre_var, knn_d;
	sc_labels lab, bat;
	size_t n, L, B, kk;
	int32_t *knn_i;
	sc_csr g15, g50;
} ds;

static int load(ds *d, const char *args)
{
	memset(d, 0, sizeof(*d));
	d->dir = scib_oracle("real", args);
	if (!d->dir)
		return -1;
	sc_dmat sz = { 0 };
	size_t r, c;
	if (oracle_dmat(&sz, d->dir, "sizes.bin"))
		return -1;
	d->L = (size_t)sz.v[0];
	d->B = (size_t)sz.v[1];
	sc_dmat_free(&sz);
	if (oracle_dmat(&d->emb, d->dir, "emb.bin") || oracle_dmat(&d->pre, d->dir, "pre.bin") ||
	    oracle_dmat(&d->pre_var, d->dir, "pre_var.bin") ||
	    oracle_dmat(&d->knn_d, d->dir, "knn_d.bin") ||
	    scib_labels(&d->lab, d->dir, "labels.bin", d->L) ||
	    scib_labels(&d->bat, d->dir, "batches.bin", d->B) ||
	    oracle_csr(&d->g15, d->dir, "g15.bin") || oracle_csr(&d->g50, d->dir, "g50.bin"))
		return -1;
	d->knn_i = oracle_imat(&r, &c, d->dir, "knn_i.bin");
	d->n = d->emb.rows;
	d->kk = c;
	return d->knn_i ? 0 : -1;
}

static void unload(ds *d)
{
	sc_dmat_free(&d->emb);
	sc_dmat_free(&d->pre);
	sc_dmat_free(&d->pre_var);
	sc_dmat_free(&d->knn_d);
	sc_labels_free(&d->lab);
	sc_labels_free(&d->bat);
	free(d->knn_i);
	sc_csr_free(&d->g15);
	sc_csr_free(&d->g50);
	oracle_done(d->dir);
}

/* compare n values with a reference vector file */
static void cmp_vec(const ds *d, const double *got, size_t n, const char *file, double tol,
		    const char *what)
{
	sc_dmat ref = { 0 };
	if (oracle_dmat(&ref, d->dir, file) || ref.rows * ref.cols != n) {
		OK(0, "%s: reference %s loads with %zu values", what, file, n);
		sc_dmat_free(&ref);
		return;
	}
	size_t bad;
	double m = scib_maxdiff(got, ref.v, n, &bad);
	OK(m <= tol && bad == 0, "%s: %zu values within %g of %s (max %.3g, NaN mismatches %zu)",
	   what, n, tol, file, m, bad);
	sc_dmat_free(&ref);
}

static void silhouettes(const ds *d, const char *tag)
{
	sc_err e;
	sc_scib_why why;
	double *s1 = malloc(sizeof(double) * d->n), *s2 = malloc(sizeof(double) * d->n);
	int rc = sc_scib_silhouette_samples(s1, &d->emb, d->lab.codes, 1, &e);
	OK(rc == 0, "%s: silhouette_samples runs", tag);
	cmp_vec(d, s1, d->n, "sil_label.bin", TOL, "silhouette by label vs sklearn");
	rc = sc_scib_silhouette_samples(s2, &d->emb, d->lab.codes, 3, &e);
	OK(rc == 0 && !memcmp(s1, s2, sizeof(double) * d->n),
	   "%s: silhouettes identical with 1 and 3 threads", tag);
	/* the portable dgemm path (the AVX-512 kernel is used where available) */
	int was = sc_scib_silhouette_force_dgemm(1);
	rc = sc_scib_silhouette_samples(s2, &d->emb, d->lab.codes, 2, &e);
	sc_scib_silhouette_force_dgemm(was);
	OK(rc == 0, "%s: dgemm silhouette path runs", tag);
	cmp_vec(d, s2, d->n, "sil_label.bin", TOL, "silhouette via dgemm vs sklearn");
	/* the portable switch (plain C kernels, as SCEVAL_PORTABLE=1) must take
	 * the dgemm path: the same bytes as forcing it */
	double *s3 = malloc(sizeof(double) * d->n);
	sc_scib_isa_cap(0);
	rc = sc_scib_silhouette_samples(s3, &d->emb, d->lab.codes, 3, &e);
	sc_scib_isa_cap(-1);
	OK(rc == 0 && !memcmp(s2, s3, sizeof(double) * d->n),
	   "%s: the portable switch gives the dgemm path's bytes", tag);
	free(s3);
	double asw;
	rc = sc_scib_asw_label(&asw, NULL, &d->emb, &d->lab, 2, &why, &e);
	NEAR(asw, oracle_scalar(d->dir, "asw_label.bin"), TOL, "%s: label ASW", tag);

	double *pl = malloc(sizeof(double) * d->L), *pc = malloc(sizeof(double) * d->n);
	rc = sc_scib_asw_batch(&asw, pl, pc, &d->emb, &d->lab, &d->bat, 2, &why, &e);
	OK(rc == 0, "%s: batch ASW runs", tag);
	NEAR(asw, oracle_scalar(d->dir, "asw_batch.bin"), TOL, "%s: batch ASW", tag);
	cmp_vec(d, pl, d->L, "asw_batch_label.bin", TOL, "batch ASW per label");
	cmp_vec(d, pc, d->n, "asw_batch_cell.bin", TOL, "batch ASW per cell");

	/* isolated-label ASW from the per-cell silhouettes */
	double iso, *il = malloc(sizeof(double) * d->L);
	rc = sc_scib_isolated_asw(&iso, il, s1, &d->lab, &d->bat, 0, &why, &e);
	OK(rc == 0, "%s: isolated ASW runs", tag);
	NEAR(iso, oracle_scalar(d->dir, "iso_asw.bin"), TOL, "%s: isolated-label ASW (%s)", tag,
	     why.msg);
	cmp_vec(d, il, d->L, "iso_asw_label.bin", TOL, "isolated ASW per label");
	free(il);
	free(pl);
	free(pc);
	free(s1);
	free(s2);
}

static void partitions(const ds *d, const char *tag)
{
	size_t r, c;
	sc_err e;
	sc_scib_why why;
	int32_t *clus = oracle_imat(&r, &c, d->dir, "clus.bin");
	sc_dmat nmi = { 0 }, ari = { 0 };
	if (!clus || oracle_dmat(&nmi, d->dir, "nmi.bin") || oracle_dmat(&ari, d->dir, "ari.bin")) {
		OK(0, "%s: clusterings load", tag);
		return;
	}
	double worst_n = 0, worst_a = 0;
	for (size_t k = 0; k < r; k++) {
		double v;
		if (sc_scib_nmi(&v, clus + k * c, d->lab.codes, c, &e) == 0 &&
		    fabs(v - nmi.v[k]) > worst_n)
			worst_n = fabs(v - nmi.v[k]);
		if (sc_scib_ari(&v, clus + k * c, d->lab.codes, c, &e) == 0 &&
		    fabs(v - ari.v[k]) > worst_a)
			worst_a = fabs(v - ari.v[k]);
	}
	OK(worst_n <= TOL, "%s: NMI of %zu clusterings vs sklearn (max diff %.3g)", tag, r, worst_n);
	OK(worst_a <= TOL, "%s: ARI of %zu clusterings vs sklearn (max diff %.3g)", tag, r, worst_a);

	double f1, *fl = malloc(sizeof(double) * d->L);
	int rc = sc_scib_isolated_f1(&f1, fl, clus, r, &d->lab, &d->bat, 0, &why, &e);
	OK(rc == 0, "%s: isolated F1 runs", tag);
	NEAR(f1, oracle_scalar(d->dir, "iso_f1.bin"), TOL, "%s: isolated-label F1 (%s)", tag,
	     why.msg);
	cmp_vec(d, fl, d->L, "iso_f1_label.bin", TOL, "isolated F1 per label");
	free(fl);
	sc_dmat_free(&nmi);
	sc_dmat_free(&ari);
	free(clus);
}

/* scib's cluster_optimal_resolution on python3-leidenalg: the sweep's
 * memberships are leidenalg's, so NMI per resolution, the chosen
 * resolution, ARI and the isolated-label F1 over the sweep match to 1e-12 */
static void leiden_sweep(const ds *d, const char *tag)
{
	sc_scib_sweep sw;
	sc_scib_why why;
	sc_err e;
	double res[10], nmi, ari, r = NAN, f1 = NAN;
	size_t nres = sc_scib_default_resolutions(res), nc = 0;
	sc_dmat want = { 0 }, best = { 0 };
	if (oracle_dmat(&want, d->dir, "leiden_nmi.bin") || oracle_dmat(&best, d->dir, "leiden_best.bin") ||
	    want.rows != nres || best.rows < 4 || sc_scib_sweep_run(&sw, &d->g15, &d->lab, res, nres, 0, 2, &e)) {
		OK(0, "%s: Leiden sweep and its reference", tag);
		goto out;
	}
	size_t off = 0;
	for (size_t k = 0; k < nres; k++)
		off += !(fabs(sw.nmi[k] - want.v[k]) <= 1e-12);
	OK(off == 0, "%s: Leiden sweep NMI equals scib's on leidenalg at %zu resolutions (%zu off)", tag,
	   nres, off);
	int rc = sc_scib_nmi_ari_optimal(&nmi, &ari, &r, &nc, &sw, &d->lab, &why, &e);
	OK(rc == 0 && r == best.v[2] && (double)nc == best.v[3],
	   "%s: scib's resolution %g (%g clusters) chosen: %g (%zu)", tag, best.v[2], best.v[3], r, nc);
	NEAR(nmi, best.v[0], 1e-12, "%s: NMI on the Leiden sweep equals scib's", tag);
	NEAR(ari, best.v[1], 1e-12, "%s: ARI on the Leiden sweep equals scib's", tag);
	rc = sc_scib_isolated_f1(&f1, NULL, sw.membership, nres, &d->lab, &d->bat, 0, &why, &e);
	NEAR(f1, oracle_scalar(d->dir, "leiden_iso_f1.bin"), 1e-12,
	     "%s: isolated-label F1 over the Leiden sweep equals scib's (%s)", tag, why.msg);
	sc_scib_sweep_free(&sw);
out:
	sc_dmat_free(&want);
	sc_dmat_free(&best);
}

static void graphs(const ds *d, const char *tag)
{
	sc_err e;
	double gc, *gl = malloc(sizeof(double) * d->L);
	int rc = sc_scib_graph_connectivity(&gc, gl, &d->g15, &d->lab, &e);
	OK(rc == 0, "%s: graph connectivity runs", tag);
	NEAR(gc, oracle_scalar(d->dir, "graph_conn.bin"), TOL, "%s: graph connectivity", tag);
	cmp_vec(d, gl, d->L, "graph_conn_label.bin", TOL, "graph connectivity per label");
	free(gl);

	/* the shortest-path neighbours themselves, then graph LISI */
	size_t r, c;
	int32_t *ri = oracle_imat(&r, &c, d->dir, "gknn_i.bin");
	if (!ri) {
		SKIP("%s: no graph-LISI reference (too many cells for the Python search)", tag);
	} else {
		size_t n = d->n, k = 90;
		int32_t *gi = malloc(sizeof(int32_t) * n * k);
		double *gd = malloc(sizeof(double) * n * k);
		size_t *found = malloc(sizeof(size_t) * n);
		rc = sc_scib_graph_knn(gi, gd, found, &d->g15, k, 2, &e);
		size_t diff = 0;
		for (size_t i = 0; i < n * k; i++)
			diff += gi[i] != ri[i];
		OK(rc == 0 && diff == 0, "%s: shortest-path neighbours equal knn_graph.cpp's (%zu differ)",
		   tag, diff);
		cmp_vec(d, gd, n * k, "gknn_d.bin", 1e-12, "shortest-path distances");
		sc_scib_lisi L;
		rc = sc_scib_lisi_graph(&L, &d->g15, &d->bat, &d->lab, 90, 2, &e);
		OK(rc == 0, "%s: graph LISI runs", tag);
		if (rc == 0) {
			cmp_vec(d, L.ilisi_cell, n, "lisi_i_cell.bin", TOL, "graph LISI per cell (batch)");
			cmp_vec(d, L.clisi_cell, n, "lisi_c_cell.bin", TOL, "graph LISI per cell (label)");
			NEAR(L.ilisi, oracle_scalar(d->dir, "ilisi.bin"), TOL, "%s: graph iLISI", tag);
			NEAR(L.clisi, oracle_scalar(d->dir, "clisi.bin"), TOL, "%s: graph cLISI", tag);
		}
		sc_scib_lisi_free(&L);
		free(gi);
		free(gd);
		free(found);
		free(ri);
	}
	sc_scib_lisi K;
	rc = sc_scib_lisi_knn(&K, d->knn_i, d->knn_d.v, d->n, d->kk, &d->bat, &d->lab, 2, &e);
	OK(rc == 0, "%s: kNN LISI runs", tag);
	if (rc == 0) {
		cmp_vec(d, K.ilisi_cell, d->n, "lisik_i_cell.bin", TOL, "kNN LISI per cell (batch)");
		cmp_vec(d, K.clisi_cell, d->n, "lisik_c_cell.bin", TOL, "kNN LISI per cell (label)");
		NEAR(K.ilisi, oracle_scalar(d->dir, "ilisik.bin"), TOL, "%s: scib-metrics iLISI", tag);
		NEAR(K.clisi, oracle_scalar(d->dir, "clisik.bin"), TOL, "%s: scib-metrics cLISI", tag);
	}
	sc_scib_lisi_free(&K);
}

static void kbet(const ds *d, const char *tag)
{
	sc_err e;
	sc_scib_kbet K;
	int rc = sc_scib_kbet_all_cells(&K, &d->g50, &d->lab, &d->bat, 0.05, 2, &e);
	OK(rc == 0, "%s: kBET runs%s%s", tag, rc ? ": " : "", rc ? e.msg : "");
	if (rc)
		return;
	NEAR(K.score, oracle_scalar(d->dir, "kbet.bin"), TOL, "%s: kBET score", tag);
	cmp_vec(d, K.rejection, d->L, "kbet_rate.bin", TOL, "kBET rejection per label");
	cmp_vec(d, K.pvalue, d->n, "kbet_p.bin", 1e-9, "kBET p-value per cell");
	size_t r, c, bad = 0;
	int32_t *k0 = oracle_imat(&r, &c, d->dir, "kbet_k0.bin");
	for (size_t j = 0; k0 && j < d->L; j++)
		bad += k0[j] != K.k0[j];
	OK(k0 && bad == 0, "%s: kBET k0 per label as scib's formula", tag);
	free(k0);
	sc_scib_kbet_free(&K);

	/* scib-metrics' kbet on the 50 nearest (self included) */
	size_t kk = d->kk < 50 ? d->kk : 50;
	int32_t *i50 = malloc(sizeof(int32_t) * d->n * kk);
	double acc, *p = malloc(sizeof(double) * d->n);
	for (size_t i = 0; i < d->n; i++)
		memcpy(i50 + i * kk, d->knn_i + i * d->kk, sizeof(int32_t) * kk);
	rc = sc_scib_kbet_knn(&acc, p, i50, d->n, kk, &d->bat, 0.05, &e);
	OK(rc == 0, "%s: scib-metrics kBET runs", tag);
	NEAR(acc, oracle_scalar(d->dir, "kbetk.bin"), 0, "%s: scib-metrics kBET acceptance", tag);
	cmp_vec(d, p, d->n, "kbetk_p.bin", 1e-9, "scib-metrics kBET p-values");
	free(i50);
	free(p);
}

static void pcr(const ds *d, const char *tag)
{
	sc_err e;
	sc_scib_why why;
	double before, after, *r2 = malloc(sizeof(double) * d->pre.cols);
	int rc = sc_scib_pcr_scores(&before, r2, &d->pre, d->pre_var.v, &d->bat, &e);
	OK(rc == 0, "%s: PCR on PC scores runs", tag);
	NEAR(before, oracle_scalar(d->dir, "pcr_before.bin"), TOL, "%s: PCR before", tag);
	cmp_vec(d, r2, d->pre.cols, "pcr_before_r2.bin", TOL, "R^2 per component");
	rc = sc_scib_pcr_embedding(&after, &d->emb, &d->bat, 50, &e);
	OK(rc == 0, "%s: PCR on the embedding runs", tag);
	NEAR(after, oracle_scalar(d->dir, "pcr_after.bin"), TOL,
	     "%s: PCR after (rotation-free) vs PCA + regression", tag);
	NEAR(sc_scib_pcr_comparison(before, after, &why), oracle_scalar(d->dir, "pcr_cmp.bin"),
	     TOL, "%s: PCR comparison", tag);
	/* fewer components than dimensions: the core PCA path. The PCA of PC
	 * scores is those scores again (up to sign), so its PCR must equal the
	 * PCR of the leading columns with their own variances. */
	size_t nc = d->pre.cols - 5;
	sc_dmat lead;
	sc_dmat_alloc(&lead, d->n, nc);
	for (size_t i = 0; i < d->n; i++)
		memcpy(lead.v + i * nc, d->pre.v + i * d->pre.cols, sizeof(double) * nc);
	double trunc, ref;
	rc = sc_scib_pcr_embedding(&trunc, &d->pre, &d->bat, nc, &e);
	int rc2 = sc_scib_pcr_scores(&ref, NULL, &lead, d->pre_var.v, &d->bat, &e);
	OK(rc == 0 && rc2 == 0, "%s: truncated PCR runs", tag);
	NEAR(trunc, ref, 1e-9, "%s: PCR with %zu of %zu components via the core PCA", tag, nc,
	     d->pre.cols);
	sc_dmat_free(&lead);
	free(r2);
}

static void run(const char *args, const char *tag)
{
	ds d;
	if (load(&d, args)) {
		if (!unit_testdata())
			SKIP("%s: no test data", tag);
		else
			OK(0, "%s: oracle runs and its files load", tag);
		unload(&d);
		return;
	}
	silhouettes(&d, tag);
	partitions(&d, tag);
	leiden_sweep(&d, tag);
	graphs(&d, tag);
	kbet(&d, tag);
	pcr(&d, tag);
	unload(&d);
}

int main(void)
{
	run("cellbench_3cl_celseq2_dropseq.h5ad cell_line batch 30", "cellbench3");
	run("hlca_subset_Krasnow_2020.h5ad ann_level_3 sample 20", "krasnow");
	/* Nawijn has 27 groups of identical cells: jittered by 1e-6 (see the oracle) */
	run("hlca_subset_Nawijn_2021.h5ad ann_level_2 subject_ID 20 1e-6", "nawijn");
	return unit_done();
}
