/*
 * test_integrate_harmony.c - Harmony against an independent numpy
 * transcription of harmonypy (tests/oracle/harmony_ref.py) given the same
 * initial centroids and block orders; on real data (CellBench 3 cell lines,
 * CEL-seq2 vs Drop-seq, a strong protocol batch effect) batch mixing must
 * rise while the cell lines stay apart; the bytes must not depend on the
 * BLAS thread count; bad input is refused.
 */
#include "unit.h"
#include "binio.h"
#include "integrate_checks.h"
#include "tasks/core/blas.h"
#include "tasks/integrate/harmony.h"

#include <math.h>

typedef struct data {
	sc_dmat pcs;
	int32_t *batch, *labels;
	double *cent;
	size_t k;
	size_t *orders;
	size_t n_orders;
} data;

static void labels_from_codes(sc_labels *l, const int32_t *codes, size_t n)
{
	int32_t mx = -1;
	memset(l, 0, sizeof(*l));
	l->n = n;
	l->codes = malloc(n * sizeof(int32_t));
	memcpy(l->codes, codes, n * sizeof(int32_t));
	for (size_t i = 0; i < n; i++)
		mx = codes[i] > mx ? codes[i] : mx;
	l->ncat = (size_t)(mx + 1);
}

static int load(data *D, const char *dir)
{
	void *p = NULL, *b = NULL, *l = NULL, *c = NULL, *o = NULL;
	size_t r, cc, br, bc, lr, lc, kr, kc, orr, oc;
	memset(D, 0, sizeof(*D));
	if (binio_read(binio_path(dir, "pcs.bin"), 1, &p, &r, &cc) ||
	    binio_read(binio_path(dir, "batch.bin"), 2, &b, &br, &bc) ||
	    binio_read(binio_path(dir, "labels.bin"), 2, &l, &lr, &lc) ||
	    binio_read(binio_path(dir, "centroids.bin"), 1, &c, &kr, &kc) ||
	    binio_read(binio_path(dir, "orders.bin"), 2, &o, &orr, &oc) || br != r || lr != r ||
	    kc != cc || oc != r) {
		free(p), free(b), free(l), free(c), free(o);
		return -1;
	}
	D->pcs = (sc_dmat){ r, cc, p };
	D->batch = b;
	D->labels = l;
	D->cent = c;
	D->k = kr;
	D->n_orders = orr;
	D->orders = malloc(orr * r * sizeof(size_t));
	for (size_t i = 0; i < orr * r; i++)
		D->orders[i] = (size_t)((int32_t *)o)[i];
	free(o);
	return 0;
}

static void data_free(data *D)
{
	free(D->pcs.v);
	free(D->batch);
	free(D->labels);
	free(D->cent);
	free(D->orders);
}

static void test_oracle(const data *D, const char *dir)
{
	char args[4200];
	snprintf(args, sizeof(args), "run '%s'", dir);
	if (binio_oracle(unit_python(), "harmony_ref.py", args) != 0) {
		OK(0, "harmony oracle ran");
		return;
	}
	void *ev = NULL, *ob = NULL, *rd = NULL;
	size_t er, ec, orr, oc, rr, rcn;
	if (binio_read(binio_path(dir, "expected.bin"), 1, &ev, &er, &ec) ||
	    binio_read(binio_path(dir, "objective.bin"), 1, &ob, &orr, &oc) ||
	    binio_read(binio_path(dir, "rounds.bin"), 2, &rd, &rr, &rcn)) {
		OK(0, "read the harmony oracle's output");
		goto out;
	}
	sc_harmony_opts o;
	sc_harmony_opts_default(&o);
	o.init_centroids = D->cent;
	o.block_orders = D->orders;
	o.n_block_orders = D->n_orders;
	sc_labels lab;
	labels_from_codes(&lab, D->batch, D->pcs.rows);
	sc_dmat out;
	sc_harmony_info info;
	sc_err err = { 0 };
	int rc = sc_harmony(&out, &info, &D->pcs, &lab, &o, &err);
	OK(rc == 0, "harmony runs with the oracle's centroids and orders (%s)", rc ? err.msg : "ok");
	if (rc == 0) {
		OK(info.nclust == D->k, "nclust = round(499 / 30) = %zu (oracle %zu)", info.nclust,
		   D->k);
		OK(er == out.rows && ec == out.cols, "output shape %zux%zu", out.rows, out.cols);
		double m = 0;
		for (size_t i = 0; i < er * ec && er == out.rows && ec == out.cols; i++) {
			double w = ((double *)ev)[i], s = fabs(w) > 1 ? fabs(w) : 1;
			double e = fabs(out.v[i] - w) / s;
			m = e > m || isnan(e) ? e : m;
		}
		OK(m <= 1e-8, "corrected embedding equals the numpy transcription to 1e-8 (max %.3g)",
		   m);
		OK(info.n_objective == orr, "%zu objective values (oracle %zu)", info.n_objective, orr);
		double mo = 0;
		for (size_t i = 0; i < orr && i < info.n_objective; i++)
			mo = fmax(mo, fabs(info.objective[i] - ((double *)ob)[i]) /
					      fabs(((double *)ob)[i]));
		OK(mo <= 1e-9, "objective trajectory equals the oracle's (max rel %.3g)", mo);
		int same = info.iterations == rr;
		for (size_t i = 0; same && i < rr; i++)
			same = info.kmeans_rounds[i] == (size_t)((int32_t *)rd)[i];
		OK(same, "%zu Harmony rounds with the oracle's k-means rounds (oracle %zu rounds)",
		   info.iterations, rr);
		sc_harmony_info_free(&info);
		sc_dmat_free(&out);
	}
	free(lab.codes);
out:
	free(ev);
	free(ob);
	free(rd);
}

static void test_real(const data *D)
{
	sc_harmony_opts o;
	sc_harmony_opts_default(&o);
	o.seed = 7;
	sc_labels lab;
	labels_from_codes(&lab, D->batch, D->pcs.rows);
	sc_dmat a, b, c;
	sc_err err = { 0 };
	int nt = openblas_get_num_threads();
	openblas_set_num_threads(1);
	int rc = sc_harmony(&a, NULL, &D->pcs, &lab, &o, &err);
	OK(rc == 0, "harmony runs from its own k-means and block orders (%s)", rc ? err.msg : "ok");
	openblas_set_num_threads(2);
	int rc2 = sc_harmony(&b, NULL, &D->pcs, &lab, &o, &err);
	openblas_set_num_threads(nt);
	if (rc || rc2)
		goto out;
	OK(!memcmp(a.v, b.v, a.rows * a.cols * sizeof(double)),
	   "the same bytes with 1 and 2 BLAS threads");
	double before = other_batch_share(&D->pcs, D->batch);
	double after = other_batch_share(&a, D->batch);
	OK(before < 0.05 && after > 0.30,
	   "share of the 15 nearest neighbours from the other batch rises from %.3f to %.3f "
	   "(want < 0.05 -> > 0.30)", before, after);
	double acc0 = centroid_accuracy(&D->pcs, D->labels), acc1 = centroid_accuracy(&a, D->labels);
	OK(acc1 >= 0.95, "cell lines stay separated: nearest-centroid accuracy %.3f -> %.3f", acc0,
	   acc1);
	o.seed = 8;
	if (sc_harmony(&c, NULL, &D->pcs, &lab, &o, &err) == 0) {
		OK(memcmp(a.v, c.v, a.rows * a.cols * sizeof(double)) != 0,
		   "another seed gives another run");
		sc_dmat_free(&c);
	}
out:
	sc_dmat_free(&a);
	sc_dmat_free(&b);
	free(lab.codes);
}

static void test_errors(void)
{
	double v[8] = { 1, 2, 2, 1, 1, 1, 3, 1 };
	sc_dmat x = { 4, 2, v }, out;
	int32_t one[4] = { 0, 0, 0, 0 }, two[4] = { 0, 1, 0, 1 }, miss[4] = { 0, -1, 1, 1 };
	sc_labels lab;
	sc_harmony_opts o;
	sc_harmony_opts_default(&o);
	o.nclust = 2;
	sc_err err = { 0 };
	labels_from_codes(&lab, one, 4);
	int rc = sc_harmony(&out, NULL, &x, &lab, &o, &err);
	OK(rc == SC_EINVAL && strstr(err.msg, "1 batch"), "one batch is refused: %s", err.msg);
	free(lab.codes);
	labels_from_codes(&lab, miss, 4);
	rc = sc_harmony(&out, NULL, &x, &lab, &o, &err);
	OK(rc == SC_EINVAL && strstr(err.msg, "cell 1 has no batch"), "a missing label is refused: %s",
	   err.msg);
	free(lab.codes);
	labels_from_codes(&lab, two, 4);
	o.nclust = 0; /* round(4 / 30) = 0 */
	rc = sc_harmony(&out, NULL, &x, &lab, &o, &err);
	OK(rc == SC_EINVAL && strstr(err.msg, "0 clusters for 4 cells"),
	   "too few cells for the default cluster count: %s", err.msg);
	o.nclust = 2;
	v[3] = NAN;
	rc = sc_harmony(&out, NULL, &x, &lab, &o, &err);
	OK(rc == SC_EINVAL && strstr(err.msg, "non-finite value in cell 1"), "NaN is refused: %s",
	   err.msg);
	v[3] = 1;
	size_t ord[4] = { 3, 2, 1, 0 };
	double cen[4] = { 1, 0, 0, 1 };
	o.init_centroids = cen;
	o.block_orders = ord;
	o.n_block_orders = 1;
	rc = sc_harmony(&out, NULL, &x, &lab, &o, &err);
	OK(rc == SC_EINVAL && strstr(err.msg, "1 block orders given"),
	   "running out of given block orders is an error: %s", err.msg);
	o.block_orders = NULL;
	o.block_size = 0;
	rc = sc_harmony(&out, NULL, &x, &lab, &o, &err);
	OK(rc == SC_EINVAL && strstr(err.msg, "block size"), "block size 0 is refused: %s", err.msg);
	o.block_size = 0.05;
	rc = sc_harmony(&out, NULL, &x, &lab, &o, &err);
	OK(rc == 0 && out.rows == 4, "a 4-cell run with given centroids works (%s)",
	   rc ? err.msg : "ok");
	sc_dmat_free(&out);
	free(lab.codes);
}

int main(void)
{
	test_errors();
	const char *h5 = unit_datafile("cellbench_3cl_celseq2_dropseq.h5ad");
	if (!h5) {
		SKIP("harmony on real data: cellbench_3cl_celseq2_dropseq.h5ad not found");
		return unit_done();
	}
	char path[4096], args[8400];
	snprintf(path, sizeof(path), "%s", h5);
	const char *dir = binio_tmpdir();
	snprintf(args, sizeof(args), "prep '%s' '%s'", path, dir);
	data D;
	if (binio_oracle(unit_python(), "harmony_ref.py", args) != 0 || load(&D, dir) != 0) {
		OK(0, "harmony oracle prepared the cellbench PCs");
	} else {
		test_oracle(&D, dir);
		test_real(&D);
		data_free(&D);
	}
	binio_rmdir(dir);
	return unit_done();
}
