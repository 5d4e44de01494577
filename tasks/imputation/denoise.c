/*
 * tasks/imputation/denoise.c - the denoise setting's steps (molecular
 * cross-validation, Batson et al. 2019, as the Open Problems denoising task
 * runs it):
 *
 *   imputation.thin          each count split by binomial thinning into a
 *                            training part (share train_fraction) and the
 *                            test part (the rest): split.h5ad, and the
 *                            training part alone (train.h5ad), which is all
 *                            an external model is given
 *   imputation.denoise       one method denoises the training counts, or an
 *                            external model's denoised matrix is read
 *   imputation.denoise_eval  MSE and Poisson loss against the test counts
 *
 * The thinning draws one stream per block of 256 cells (sc_rng_stream), so
 * the split is the same bytes at any thread count.
 */
#include "imputation.h"
#include "io/h5ad.h"
#include "io/npy.h"
#include "tasks/core/rng.h"
#include "tasks/rep.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/par.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THIN_BLOCK 256

typedef struct thin_job {
	const sc_csr *m;
	sc_csr *train, *test;
	double p;
	uint64_t seed;
} thin_job;

static void thin_block(void *ctx, size_t b)
{
	thin_job *j = ctx;
	sc_rng r;
	sc_rng_stream(&r, j->seed, b);
	size_t r0 = b * THIN_BLOCK, r1 = r0 + THIN_BLOCK < j->m->rows ? r0 + THIN_BLOCK : j->m->rows;
	for (int64_t p = j->m->indptr[r0]; p < j->m->indptr[r1]; p++) {
		uint64_t n = (uint64_t)j->m->data[p], k = 0;
		for (uint64_t u = 0; u < n; u++) /* Binomial(n, p): one draw per molecule */
			k += sc_rng_uniform(&r) < j->p;
		j->train->data[p] = (double)k;
		j->test->data[p] = (double)(n - k);
	}
}

/* Integer counts: the first non-integer value named by cell and gene. */
static int check_integer(sc_err *err, const sc_csr *m, const char *path, sc_h5ad *h)
{
	for (size_t i = 0; i < m->rows; i++)
		for (int64_t p = m->indptr[i]; p < m->indptr[i + 1]; p++)
			if (m->data[p] != floor(m->data[p])) {
				char **obs = NULL, **var = NULL;
				size_t no = 0, nv = 0;
				if (sc_h5ad_read_index(&obs, &no, h, "obs", err) ||
				    sc_h5ad_read_index(&var, &nv, h, "var", err))
					return err->code;
				int rc = sc_errf(err, SC_EINVAL,
						 "%s: the denoise setting needs integer counts: cell '%s', "
						 "gene '%s' has %g",
						 sc_path_basename(path), obs[i], var[m->indices[p]], m->data[p]);
				sc_h5ad_strings_free(obs, no);
				sc_h5ad_strings_free(var, nv);
				return rc;
			}
	return 0;
}

int sc_imp_check_counts(const char *path, const char *counts, sc_err *err)
{
	sc_h5ad *h = NULL;
	sc_csr m = { 0 };
	int rc = sc_h5ad_open(&h, path, err);
	if (!rc && (rc = sc_rep_read_counts(&m, h, counts, err)))
		sc_errprefix(err, "%s: the denoise setting needs counts: ", sc_path_basename(path));
	if (!rc)
		rc = check_integer(err, &m, path, h);
	sc_csr_free(&m);
	sc_h5ad_close(h);
	return rc;
}

static int imputation_thin(sc_step_ctx *c)
{
	const char *pd = sc_step_need(c, "data");
	if (!pd)
		return c->err->code;
	sc_h5ad *h = NULL;
	sc_csr m = { 0 }, tr = { 0 }, te = { 0 };
	char **obs = NULL, **var = NULL;
	size_t no = 0, nv = 0;
	sc_h5ad_writer *w = NULL;
	char *path = NULL;
	int rc = sc_h5ad_open(&h, pd, c->err);
	if (rc || (rc = sc_rep_read_counts(&m, h, sc_step_str(c, "counts", "X"), c->err)) ||
	    (rc = check_integer(c->err, &m, pd, h)) ||
	    (rc = sc_h5ad_read_index(&obs, &no, h, "obs", c->err)) ||
	    (rc = sc_h5ad_read_index(&var, &nv, h, "var", c->err)))
		goto out;
	size_t nnz = sc_csr_nnz(&m);
	sc_csr_alloc(&tr, m.rows, m.cols, nnz);
	sc_csr_alloc(&te, m.rows, m.cols, nnz);
	memcpy(tr.indptr, m.indptr, (m.rows + 1) * sizeof(int64_t));
	memcpy(te.indptr, m.indptr, (m.rows + 1) * sizeof(int64_t));
	memcpy(tr.indices, m.indices, nnz * sizeof(int32_t));
	memcpy(te.indices, m.indices, nnz * sizeof(int32_t));
	thin_job j = { &m, &tr, &te, sc_step_num(c, "train_fraction", 0.9), (uint64_t)c->seed };
	sc_par *par = sc_par_new(0);
	sc_par_run(par, (m.rows + THIN_BLOCK - 1) / THIN_BLOCK, thin_block, &j);
	sc_par_free(par);
	/* The split (training in X, test in a layer) for sceval's own steps,
	 * and the training counts alone for an external model. */
	for (int f = 0; f < 2 && !rc; f++) {
		path = sc_step_out(c, f ? SC_IMP_TRAIN_FILE : SC_IMP_SPLIT_FILE);
		if ((rc = sc_h5ad_create(&w, path, c->err)) ||
		    (rc = sc_h5ad_write_index(w, "obs", obs, no, c->err)) ||
		    (rc = sc_h5ad_write_index(w, "var", var, nv, c->err)) ||
		    (rc = sc_h5ad_write_csr(w, "X", &tr, SC_H5AD_F32, c->err)) ||
		    (!f && (rc = sc_h5ad_write_csr(w, "layers/test", &te, SC_H5AD_F32, c->err))))
			goto out;
		rc = sc_h5ad_writer_close(w, c->err);
		w = NULL;
		free(path);
		path = NULL;
	}
out:
	sc_h5ad_writer_free(w);
	free(path);
	sc_h5ad_strings_free(obs, no);
	sc_h5ad_strings_free(var, nv);
	sc_csr_free(&m);
	sc_csr_free(&tr);
	sc_csr_free(&te);
	sc_h5ad_close(h);
	return rc;
}

const sc_step_kind sc_imputation_thin_kind = {
	.name = "imputation.thin",
	.version = "2",
	.run = imputation_thin,
	.summary = "split each count into training and test molecules (binomial thinning)",
};

static int read_split(sc_step_ctx *c, const char *path, sc_dmat *train, sc_dmat *test,
		      char ***obs, size_t *no, char ***var, size_t *nv)
{
	sc_h5ad *h = NULL;
	int rc = sc_h5ad_open(&h, path, c->err);
	if (!rc && train)
		rc = sc_h5ad_read_dense(train, h, "X", 0, c->err);
	if (!rc && test)
		rc = sc_h5ad_read_dense(test, h, "layers/test", 0, c->err);
	if (!rc && obs)
		rc = sc_h5ad_read_index(obs, no, h, "obs", c->err);
	if (!rc && var)
		rc = sc_h5ad_read_index(var, nv, h, "var", c->err);
	sc_h5ad_close(h);
	return rc;
}

/* An external model's denoised matrix: .npy cells x genes in the split's
 * order, or .h5ad with the split's cells as rows and its genes among var
 * (matched by name). Every check names the file. */
static int denoised_file(sc_step_ctx *c, sc_dmat *out, char *const *var, size_t nv, size_t n)
{
	const char *pp = sc_step_need(c, "denoised");
	if (!pp)
		return c->err->code;
	/* The store names the input by its hash: messages use the name the
	 * model wrote it under. */
	const char *name = sc_step_str(c, "file", sc_path_basename(pp));
	sc_dmat m = { 0 };
	int rc;
	if (sc_npy_is(pp)) {
		if (!(rc = sc_npy_read(&m, pp, c->err)) && (m.rows != n || m.cols != nv))
			rc = sc_errf(c->err, SC_EINVAL,
				     "%s: %zu x %zu values, want cells x genes = %zu x %zu",
				     name, m.rows, m.cols, n, nv);
		if (!rc) {
			*out = m;
			m = (sc_dmat){ 0 };
		}
	} else {
		sc_h5ad *h = NULL;
		char **mv = NULL;
		size_t nm = 0;
		int32_t *col = sc_xmalloc((nv + 1) * sizeof(int32_t));
		if (!(rc = sc_h5ad_open(&h, pp, c->err)) &&
		    !(rc = sc_h5ad_read_index(&mv, &nm, h, "var", c->err)) &&
		    !(rc = sc_h5ad_read_dense(&m, h, "X", 0, c->err))) {
			sc_rep_match_names(col, var, nv, mv, nm);
			if (m.rows != n)
				rc = sc_errf(c->err, SC_EINVAL, "%s: %zu rows for %zu cells",
					     name, m.rows, n);
			for (size_t j = 0; j < nv && !rc; j++)
				if (col[j] < 0)
					rc = sc_errf(c->err, SC_EINVAL, "%s: gene '%s' is not in var",
						     name, var[j]);
		}
		if (!rc) {
			sc_dmat_alloc(out, n, nv);
			for (size_t i = 0; i < n; i++)
				for (size_t j = 0; j < nv; j++)
					out->v[i * nv + j] = m.v[i * m.cols + (size_t)col[j]];
		}
		free(col);
		sc_h5ad_strings_free(mv, nm);
		sc_h5ad_close(h);
	}
	if (!rc)
		rc = sc_rep_check_finite(out, name, "the denoised values", c->err);
	sc_dmat_free(&m);
	return rc;
}

static int imputation_denoise(sc_step_ctx *c)
{
	const char *ps = sc_step_need(c, "split");
	if (!ps)
		return c->err->code;
	const char *method = sc_step_str(c, "method", "none");
	sc_dmat x = { 0 }, d = { 0 };
	char **obs = NULL, **var = NULL;
	size_t no = 0, nv = 0, rank = 0;
	sc_h5ad_writer *w = NULL;
	char *path = NULL;
	int rc = read_split(c, ps, &x, NULL, &obs, &no, &var, &nv);
	if (rc)
		goto out;
	if (!strcmp(method, "none")) {
		d = x;
		x = (sc_dmat){ 0 };
	} else if (!strcmp(method, "knn_smooth")) {
		rc = sc_imp_knn_smooth(&d, &x, (size_t)sc_step_int(c, "k", 10),
				       (size_t)sc_step_int(c, "n_comps", 50), c->err);
	} else if (!strcmp(method, "magic")) {
		rc = sc_imp_magic(&d, &x, (size_t)sc_step_int(c, "knn", 5), (size_t)sc_step_int(c, "t", 3),
				  sc_step_num(c, "decay", 1), (size_t)sc_step_int(c, "n_pca", 100), c->err);
	} else if (!strcmp(method, "file")) {
		rc = denoised_file(c, &d, var, nv, no);
	} else if (!strcmp(method, "alra")) {
		rc = sc_imp_alra(&d, &rank, &x, (size_t)sc_step_int(c, "max_rank", 100), c->err);
		if (!rc)
			sc_step_note(c, "alra: rank %zu chosen by the spectral gap", rank);
	} else {
		rc = sc_errf(c->err, SC_EINVAL, "unknown denoising method '%s'", method);
	}
	if (rc)
		goto out;
	path = sc_step_out(c, SC_IMP_DENOISED_FILE);
	if ((rc = sc_h5ad_create(&w, path, c->err)) ||
	    (rc = sc_h5ad_write_index(w, "obs", obs, no, c->err)) ||
	    (rc = sc_h5ad_write_index(w, "var", var, nv, c->err)) ||
	    (rc = sc_h5ad_write_dense(w, "X", &d, SC_H5AD_F64, c->err)))
		goto out;
	rc = sc_h5ad_writer_close(w, c->err);
	w = NULL;
out:
	sc_h5ad_writer_free(w);
	free(path);
	sc_h5ad_strings_free(obs, no);
	sc_h5ad_strings_free(var, nv);
	sc_dmat_free(&x);
	sc_dmat_free(&d);
	return rc;
}

const sc_step_kind sc_imputation_denoise_kind = {
	.name = "imputation.denoise",
	.version = "1",
	.run = imputation_denoise,
	.summary = "denoise the training counts (none, knn_smooth, magic, alra) or read an "
		   "external model's denoised matrix",
};

/* Each row scaled to target (rows summing to 0 stay 0), then log1p:
 * scanpy's normalize_total(target_sum) and log1p. */
static void norm_log(sc_dmat *m, double target)
{
	for (size_t i = 0; i < m->rows; i++) {
		double s = 0;
		for (size_t j = 0; j < m->cols; j++)
			s += m->v[i * m->cols + j];
		double f = s > 0 ? target / s : 1;
		for (size_t j = 0; j < m->cols; j++)
			m->v[i * m->cols + j] = log1p(m->v[i * m->cols + j] * f);
	}
}

static int imputation_denoise_eval(sc_step_ctx *c)
{
	const char *ps = sc_step_need(c, "split"), *pd = sc_step_need(c, "denoised");
	if (!ps || !pd)
		return c->err->code;
	sc_dmat tr = { 0 }, te = { 0 }, d = { 0 };
	sc_h5ad *h = NULL;
	char **var = NULL;
	size_t nv = 0;
	int rc = read_split(c, ps, &tr, &te, NULL, NULL, &var, &nv);
	if (!rc && !(rc = sc_h5ad_open(&h, pd, c->err)))
		rc = sc_h5ad_read_dense(&d, h, "X", 0, c->err);
	sc_h5ad_close(h);
	if (!rc && (d.rows != te.rows || d.cols != te.cols))
		rc = sc_errf(c->err, SC_EINVAL, "%s: %zu x %zu values for %zu cells x %zu genes",
			     sc_path_basename(pd), d.rows, d.cols, te.rows, te.cols);
	if (!rc)
		rc = sc_rep_check_finite(&d, pd, "the denoised values", c->err);
	if (rc)
		goto out;
	size_t n = te.rows, g = te.cols, N = n * g;
	double train_sum = 0, test_sum = 0, pois = 0;
	for (size_t p = 0; p < N; p++) {
		train_sum += tr.v[p];
		test_sum += te.v[p];
	}
	/* Poisson: the denoised values scaled by total(test) / total(train). */
	double f = train_sum > 0 ? test_sum / train_sum : 0;
	double *gene_pois = sc_xcalloc(g ? g : 1, sizeof(double));
	for (size_t p = 0; p < N; p++) {
		double y = d.v[p] * f, l = y - te.v[p] * log(y + 1e-6);
		pois += l;
		gene_pois[p % (g ? g : 1)] += l;
	}
	/* MSE: both scaled per cell to the median test library size, log1p. */
	double *lib = sc_xmalloc((n ? n : 1) * sizeof(double));
	for (size_t i = 0; i < n; i++) {
		lib[i] = 0;
		for (size_t j = 0; j < g; j++)
			lib[i] += te.v[i * g + j];
	}
	double target = sc_imp_median(lib, n);
	free(lib);
	norm_log(&te, target);
	norm_log(&d, target);
	double *gene_mse = sc_xcalloc(g ? g : 1, sizeof(double));
	double *sparsity = sc_xcalloc(g ? g : 1, sizeof(double));
	double mse = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < g; j++) {
			double e = te.v[i * g + j] - d.v[i * g + j];
			gene_mse[j] += e * e;
			sparsity[j] += te.v[i * g + j] == 0;
		}
	for (size_t j = 0; j < g; j++) {
		mse += gene_mse[j];
		gene_mse[j] /= (double)n;
		gene_pois[j] /= (double)n;
		sparsity[j] /= (double)n;
	}
	sc_step_metric(c, "mse", mse / (double)N, 0,
		       "mean squared error between test counts and denoised values, both scaled per "
		       "cell to the median test library size and log1p (Open Problems)");
	sc_step_metric(c, "poisson", pois / (double)N, 0,
		       "mean Poisson negative log-likelihood of the test counts given the denoised "
		       "values times total(test) / total(train), 1e-6 added inside the log (Open "
		       "Problems)");
	sc_buf b;
	sc_buf_init(&b);
	sc_buf_puts(&b, "gene\t" SC_IMP_SPARSITY_PREFIX "_test\tmse\tpoisson\n");
	for (size_t j = 0; j < g; j++)
		sc_buf_printf(&b, "%s\t%.17g\t%.17g\t%.17g\n", var[j], sparsity[j], gene_mse[j],
			      gene_pois[j]);
	char *path = sc_step_out(c, SC_IMP_DENOISE_SCORES_FILE);
	rc = sc_write_file_atomic(path, b.s, b.len, 0644, c->err);
	free(path);
	sc_buf_free(&b);
	double hi = 0;
	for (size_t j = 0; j < g; j++)
		hi = gene_mse[j] > hi ? gene_mse[j] : hi;
	if (!rc)
		rc = sc_imp_score_sparsity_figure(c, gene_mse, sparsity, g, "MSE", 0, hi > 0 ? hi : 1);
	const double *cols[1] = { gene_mse };
	char *names[1] = { "mse" };
	if (!rc)
		rc = sc_imp_box_figure(c, cols, names, 1, g, "Per-gene MSE", "MSE (log1p scale)",
				       SC_IMP_FIG_BOXES);
	free(gene_mse);
	free(gene_pois);
	free(sparsity);
out:
	sc_h5ad_strings_free(var, nv);
	sc_dmat_free(&tr);
	sc_dmat_free(&te);
	sc_dmat_free(&d);
	return rc;
}

const sc_step_kind sc_imputation_denoise_eval_kind = {
	.name = "imputation.denoise_eval",
	.version = "2",
	.run = imputation_denoise_eval,
	.summary = "score denoised counts against the test molecules: MSE and Poisson loss",
};
