/*
 * test_scib_suite.c - the suite entry point: on the oracle's graphs every
 * metric equals its reference; NMI, ARI and the resolution equal scib's
 * sweep on python3-leidenalg; the Leiden sweep agrees with sc_leiden run
 * directly; end to end (kNN and graphs by the numerical core) the values
 * stay those of the reference graphs; results do not depend on the thread
 * count; undefined metrics come back as NaN with a reason.
 */
#include "scib_oracle.h"
#include "tasks/core/leiden.h"
#include "tasks/scib/clusters.h"
#include "tasks/scib/suite.h"
#include "tasks/scib/names.h"

static double ref(const char *dir, const char *name)
{
	return oracle_scalar(dir, name);
}

static double val(const sc_scib_result *r, const char *name)
{
	const sc_scib_metric *m = sc_scib_result_get(r, name);
	return m ? m->value : -999;
}

typedef struct inputs {
	char *dir;
	sc_dmat emb, pre, pre_var, knn_d;
	sc_labels lab, bat;
	int32_t *knn_i;
	size_t kk;
	sc_csr g15, g50;
} inputs;

static int load(inputs *in, const char *args)
{
	memset(in, 0, sizeof(*in));
	in->dir = scib_oracle("real", args);
	if (!in->dir)
		return -1;
	sc_dmat sz = { 0 };
	size_t r;
	if (oracle_dmat(&sz, in->dir, "sizes.bin"))
		return -1;
	size_t L = (size_t)sz.v[0], B = (size_t)sz.v[1];
	sc_dmat_free(&sz);
	in->knn_i = oracle_imat(&r, &in->kk, in->dir, "knn_i.bin");
	return oracle_dmat(&in->emb, in->dir, "emb.bin") || oracle_dmat(&in->pre, in->dir, "pre.bin") ||
			       oracle_dmat(&in->pre_var, in->dir, "pre_var.bin") ||
			       oracle_dmat(&in->knn_d, in->dir, "knn_d.bin") ||
			       scib_labels(&in->lab, in->dir, "labels.bin", L) ||
			       scib_labels(&in->bat, in->dir, "batches.bin", B) ||
			       oracle_csr(&in->g15, in->dir, "g15.bin") ||
			       oracle_csr(&in->g50, in->dir, "g50.bin") || !in->knn_i
		       ? -1
		       : 0;
}

static void unload(inputs *in)
{
	sc_dmat_free(&in->emb);
	sc_dmat_free(&in->pre);
	sc_dmat_free(&in->pre_var);
	sc_dmat_free(&in->knn_d);
	sc_labels_free(&in->lab);
	sc_labels_free(&in->bat);
	free(in->knn_i);
	sc_csr_free(&in->g15);
	sc_csr_free(&in->g50);
	oracle_done(in->dir);
}

static const char *const checked[][2] = {
	{ "asw_label", "asw_label.bin" },
	{ "asw_batch", "asw_batch.bin" },
	{ "graph_connectivity", "graph_conn.bin" },
	{ "ilisi_graph", "ilisi.bin" },
	{ "clisi_graph", "clisi.bin" },
	{ "kbet_all_cells", "kbet.bin" },
	{ "pcr_before", "pcr_before.bin" },
	{ "pcr_after", "pcr_after.bin" },
	{ "pcr_comparison", "pcr_cmp.bin" },
	{ "isolated_label_asw", "iso_asw.bin" },
	{ "ilisi_knn_scibmetrics", "ilisik.bin" },
	{ "clisi_knn_scibmetrics", "clisik.bin" },
};

static void against_oracle(const inputs *in, const sc_scib_result *r, double tol,
			   const char *tag)
{
	for (size_t i = 0; i < sizeof(checked) / sizeof(checked[0]); i++)
		NEAR(val(r, checked[i][0]), ref(in->dir, checked[i][1]), tol, "%s: suite %s", tag,
		     checked[i][0]);
}

/* the sweep against sc_leiden run here, and NMI/ARI on the chosen clustering */
static void sweep_consistent(const inputs *in, const sc_scib_result *r)
{
	size_t n = in->emb.rows, bad = 0, best = r->n_res;
	double top = 0;
	int32_t *m = malloc(sizeof(int32_t) * n);
	sc_err e;
	for (size_t k = 0; k < r->n_res; k++) {
		size_t nc;
		double v;
		if (sc_leiden(m, &nc, &in->g15, r->res[k], 0, &e) || nc != r->res_clusters[k] ||
		    sc_scib_nmi(&v, m, in->lab.codes, n, &e) || v != r->res_nmi[k])
			bad++;
		if (top < r->res_nmi[k]) {
			top = r->res_nmi[k];
			best = k;
		}
	}
	OK(bad == 0, "sweep: %zu Leiden runs reproduce the suite's NMI per resolution (%zu differ)",
	   r->n_res, bad);
	NEAR(val(r, "nmi"), top, 0, "sweep: suite NMI is the first maximum over resolutions");
	double ari;
	OK(best < r->n_res && sc_scib_ari(&ari, r->cluster, in->lab.codes, n, &e) == 0,
	   "sweep: the chosen clustering is returned");
	NEAR(val(r, "ari"), ari, 0, "sweep: suite ARI is the ARI of the returned clustering");
	const sc_scib_metric *mm = sc_scib_result_get(r, "nmi");
	OK(mm && strstr(mm->detail, "resolution"), "sweep: NMI detail names the resolution (%s)",
	   mm ? mm->detail : "");
	free(m);
}

/* NMI, ARI, the chosen resolution and the isolated-label F1 against scib's
 * cluster_optimal_resolution run on python3-leidenalg (scib_ref.py): equal
 * to rounding, because the memberships are leidenalg's own */
static void leiden_exact(const inputs *in, const sc_scib_result *r, const char *tag)
{
	sc_dmat nmi = { 0 }, best = { 0 };
	if (oracle_dmat(&nmi, in->dir, "leiden_nmi.bin") || oracle_dmat(&best, in->dir, "leiden_best.bin") ||
	    nmi.rows != r->n_res || best.rows < 4) {
		OK(0, "%s: scib Leiden sweep reference loads", tag);
		goto out;
	}
	size_t off = 0, k = r->n_res;
	double top = 0;
	for (size_t i = 0; i < r->n_res; i++) {
		off += !(fabs(r->res_nmi[i] - nmi.v[i]) <= 1e-12);
		if (top < r->res_nmi[i])
			top = r->res_nmi[i], k = i;
	}
	OK(off == 0, "%s: NMI at each of %zu resolutions equals scib's on leidenalg (%zu off)", tag,
	   r->n_res, off);
	NEAR(val(r, "nmi"), best.v[0], 1e-12, "%s: NMI equals scib's (leidenalg)", tag);
	NEAR(val(r, "ari"), best.v[1], 1e-12, "%s: ARI equals scib's (leidenalg)", tag);
	OK(k < r->n_res && r->res[k] == best.v[2] && (double)r->res_clusters[k] == best.v[3],
	   "%s: scib's resolution %g and cluster count %g chosen", tag, best.v[2], best.v[3]);
	NEAR(val(r, "isolated_label_f1"), ref(in->dir, "leiden_iso_f1.bin"), 1e-12,
	     "%s: isolated-label F1 equals scib's (leidenalg)", tag);
out:
	sc_dmat_free(&nmi);
	sc_dmat_free(&best);
}

static void all_same(const sc_scib_result *a, const sc_scib_result *b, const char *what)
{
	size_t bad = 0;
	for (size_t i = 0; i < a->n_metrics; i++) {
		double x = a->metric[i].value, y = b->metric[i].value;
		bad += !(x == y || (isnan(x) && isnan(y)));
	}
	bad += memcmp(a->asw_label_cell, b->asw_label_cell, sizeof(double) * a->n) != 0;
	bad += memcmp(a->ilisi_cell, b->ilisi_cell, sizeof(double) * a->n) != 0;
	bad += memcmp(a->kbet_pvalue_cell, b->kbet_pvalue_cell, sizeof(double) * a->n) != 0;
	bad += memcmp(a->cluster, b->cluster, sizeof(int32_t) * a->n) != 0;
	OK(bad == 0, "%s: identical results (%zu differ)", what, bad);
}

static void real(void)
{
	inputs in;
	if (load(&in, "cellbench_3cl_celseq2_dropseq.h5ad cell_line batch 30")) {
		if (!unit_testdata())
			SKIP("suite: no test data");
		else
			OK(0, "suite: oracle runs");
		unload(&in);
		return;
	}
	sc_scib_opts o;
	sc_scib_opts_default(&o);
	o.pre_scores = &in.pre;
	o.pre_variance = in.pre_var.v;
	o.knn_idx = in.knn_i;
	o.knn_dist = in.knn_d.v;
	o.knn_k = in.kk;
	o.conn15 = &in.g15;
	o.conn50 = &in.g50;
	o.n_threads = 2;
	sc_scib_result r, r1;
	sc_err e;
	int rc = sc_scib_suite_run(&r, &in.emb, &in.lab, &in.bat, &o, &e);
	OK(rc == 0, "suite on the oracle's graphs runs%s%s", rc ? ": " : "", rc ? e.msg : "");
	if (rc) {
		unload(&in);
		return;
	}
	against_oracle(&in, &r, 1e-9, "oracle graphs");
	leiden_exact(&in, &r, "oracle graphs");
	sweep_consistent(&in, &r);
	size_t timed = 0, classed = 0;
	for (size_t i = 0; i < r.n_metrics; i++) {
		timed += r.metric[i].seconds >= 0;
		classed += r.metric[i].cls == SC_SCIB_BIO || r.metric[i].cls == SC_SCIB_BATCH;
	}
	OK(timed == r.n_metrics && classed == 12, "suite: %zu metrics timed, %zu in the aggregates",
	   timed, classed);
	OK(!isnan(r.overall) && fabs(r.overall - (0.6 * r.bio + 0.4 * r.batch)) < 1e-15,
	   "suite: overall = 0.6 bio + 0.4 batch (%.4f)", r.overall);
	o.n_threads = 1;
	o.measure_rss = 1; /* changes nothing but the peak memory records */
	rc = sc_scib_suite_run(&r1, &in.emb, &in.lab, &in.bat, &o, &e);
	OK(rc == 0, "suite with one thread runs");
	if (rc == 0) {
		all_same(&r, &r1, "suite 1 vs 2 threads, peak memory measured");
		size_t with = 0, without = 0, computed = 0;
		/* the process holds at least the embedding: a peak is above that.
		 * Every metric is computed but trajectory conservation, which is
		 * NaN without a pseudotime (none here) */
		long floor_kb = (long)(in.emb.rows * in.emb.cols * sizeof(double) / 1024);
		for (size_t i = 0; i < r1.n_metrics; i++) {
			int traj = !strcmp(r1.metric[i].name, SC_M_TRAJECTORY);
			computed += !traj;
			with += !traj && r1.metric[i].seconds > 0 && r1.metric[i].peak_rss_kb > floor_kb;
			without += r.metric[i].peak_rss_kb == 0;
		}
		FILE *f = fopen("/proc/self/status", "r");
		if (f) {
			fclose(f);
			OK(with == computed && computed == r1.n_metrics - 1 && without == r.n_metrics,
			   "measure_rss: %zu of the %zu computed metrics have a peak memory above %ld kB, "
			   "%zu without the option have none", with, computed, floor_kb, without);
		}
	}
	sc_scib_result_free(&r1);

	/* end to end: kNN and both graphs from the numerical core */
	sc_scib_opts o2;
	sc_scib_opts_default(&o2);
	o2.pre_scores = &in.pre;
	o2.pre_variance = in.pre_var.v;
	rc = sc_scib_suite_run(&r1, &in.emb, &in.lab, &in.bat, &o2, &e);
	OK(rc == 0, "suite end to end runs%s%s", rc ? ": " : "", rc ? e.msg : "");
	if (rc == 0) {
		/* the core's kNN and UMAP graph agree with the oracle's to rounding,
		 * which moves the graph metrics by at most that much */
		against_oracle(&in, &r1, 1e-6, "core graphs");
		leiden_exact(&in, &r1, "core graphs");
		OK(r1.n_steps == 4, "suite end to end: kNN, two graphs and the sweep timed (%zu)",
		   r1.n_steps);
	}
	sc_scib_result_free(&r1);
	sc_scib_result_free(&r);
	unload(&in);
}

/* one batch / one label: the undefined metrics are NaN with a reason, the
 * others are still computed; NaN in the embedding is an error */
static void undefined(void)
{
	enum { N = 60, D = 4 };
	sc_dmat x;
	sc_dmat_alloc(&x, N, D);
	int32_t lab[N], one[N] = { 0 };
	for (int i = 0; i < N; i++) {
		lab[i] = i % 3;
		for (int j = 0; j < D; j++)
			x.v[i * D + j] = (i % 3) * 4 + 0.1 * ((i * 7 + j * 13) % 11);
	}
	sc_labels L = { .n = N, .codes = lab, .ncat = 3 }, B1 = { .n = N, .codes = one, .ncat = 1 };
	sc_scib_result r;
	sc_err e;
	int rc = sc_scib_suite_run(&r, &x, &L, &B1, NULL, &e);
	OK(rc == 0, "one batch: suite runs%s%s", rc ? ": " : "", rc ? e.msg : "");
	if (rc == 0) {
		const char *nan_names[] = { "asw_batch", "ilisi_graph", "kbet_all_cells",
					    "pcr_comparison", "isolated_label_f1" };
		for (size_t i = 0; i < 5; i++) {
			const sc_scib_metric *m = sc_scib_result_get(&r, nan_names[i]);
			OK(m && isnan(m->value) && m->why[0], "one batch: %s is NaN (%s)", nan_names[i],
			   m ? m->why : "");
		}
		OK(!isnan(val(&r, "asw_label")) && !isnan(val(&r, "nmi")) &&
			   !isnan(val(&r, "graph_connectivity")),
		   "one batch: bio metrics still computed");
		/* graph connectivity is the one batch metric defined with one batch */
		NEAR(r.batch, val(&r, "graph_connectivity"), 0,
		     "one batch: batch aggregate = mean of the defined batch metrics");
	}
	sc_scib_result_free(&r);
	int32_t two[N];
	for (int i = 0; i < N; i++)
		two[i] = i % 2;
	sc_labels B2 = { .n = N, .codes = two, .ncat = 2 }, L1 = { .n = N, .codes = one, .ncat = 1 };
	rc = sc_scib_suite_run(&r, &x, &L1, &B2, NULL, &e);
	OK(rc == 0, "one label: suite runs");
	if (rc == 0) {
		const char *nan_names[] = { "asw_label", "clisi_graph", "isolated_label_asw", "ari" };
		for (size_t i = 0; i < 4; i++) {
			const sc_scib_metric *m = sc_scib_result_get(&r, nan_names[i]);
			OK(m && isnan(m->value) && m->why[0], "one label: %s is NaN (%s)", nan_names[i],
			   m ? m->why : "");
		}
	}
	sc_scib_result_free(&r);
	x.v[17] = INFINITY;
	rc = sc_scib_suite_run(&r, &x, &L, &B2, NULL, &e);
	OK(rc == SC_EINVAL, "an infinite value in the embedding is an error: %s", e.msg);
	sc_labels short_l = { .n = N - 1, .codes = lab, .ncat = 3 };
	x.v[17] = 0;
	rc = sc_scib_suite_run(&r, &x, &short_l, &B2, NULL, &e);
	OK(rc == SC_EINVAL, "labels of the wrong length are an error: %s", e.msg);
	sc_dmat_free(&x);
}

int main(void)
{
	real();
	undefined();
	return unit_done();
}
