/*
 * model.h - the simulation task's count models: real counts held gene by
 * gene (loaded in one streaming pass over the cells), the NB marginals of
 * copula_nb and independent_nb (one NB GLM per gene on the cells'
 * covariate groups with the log library size as offset), the Gaussian
 * copula per cell type, and the generation of new cells with the real
 * cells' covariates.
 *
 * Memory: the counts as CSC with 32-bit row indices and values (8 bytes
 * per non-zero), per-cell covariates, per-gene parameters, and one K x K
 * correlation per cell type (K copula genes): 100k cells x 2,000 genes at
 * 30% non-zero is about 0.5 GiB, plus 8 MiB per cell type for K = 1000.
 *
 * Ownership: every struct owns its arrays; its _free releases them and
 * accepts a zeroed struct.
 */
#ifndef SC_SIM_MODEL_H
#define SC_SIM_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "io/h5ad.h"
#include "util/err.h"

/* The real data: counts by gene, the cells' covariates and names. */
typedef struct sc_sim_data {
	size_t n, genes;
	int64_t *colptr;  /* genes + 1 */
	int32_t *row;     /* cell of each non-zero, ascending within a gene */
	int32_t *val;     /* its count */
	double *lib;      /* n library sizes */
	double *lnvar;    /* genes: variance of log1p(CP10k) over cells (ddof 1) */
	sc_labels type;   /* cell types (used categories only, in the file's order) */
	sc_labels batch;  /* batches (n = 0 when there is no batch column) */
	char *type_key, *batch_key;
	char **cell_names, **gene_names;
} sc_sim_data;

/* Read counts (X or layers/NAME) and the covariates of path. batch_key may
 * be NULL. Errors name the file, the column or the first bad value:
 * non-integer or negative counts, a covariate with one value or a missing
 * value. */
int sc_sim_data_read(sc_sim_data *out, const char *path, const char *counts,
		     const char *type_key, const char *batch_key, sc_err *err) SC_WUR;
void sc_sim_data_free(sc_sim_data *d);
/* Keep the categories of a covariate that have cells; an error naming the
 * column for a missing value or a single category. */
int sc_sim_covariate_check(sc_labels *l, const char *file, const char *key, sc_err *err) SC_WUR;
/* Rows r0.. of counts (b, read with SC_H5AD_COUNTS: finite, >= 0) must be
 * integers; an error naming the file, cell, gene and value. */
int sc_sim_counts_check(const sc_csr *b, size_t r0, const char *file, const char *counts,
			char *const *gene_names, sc_err *err) SC_WUR;
/* The counts of gene g as a dense vector of n (y zeroed by the caller). */
void sc_sim_data_gene(double *y, const sc_sim_data *d, size_t g);
/* Genes sorted by lnvar descending (ties: lower index first); out has genes entries. */
void sc_sim_data_rank_variable(size_t *out, const sc_sim_data *d);

/* The NB marginals: design = intercept + cell types 2..T (+ batches 2..B),
 * R's treatment contrasts, so beta reads as glm.nb's coefficients. */
typedef struct sc_sim_nb {
	size_t genes, p, ngroups;
	int with_batch;
	double *x;          /* ngroups x p design rows */
	int32_t *group;     /* n: the cell's group */
	int32_t *group_type; /* ngroups: the group's cell type */
	double *beta;       /* genes x p (NaN for a gene without counts) */
	double *theta;      /* genes */
	double *loglik;     /* genes */
	uint8_t *converged; /* genes */
	char **coef_names;  /* p: "(Intercept)", "type:NAME", "batch:NAME" */
} sc_sim_nb;

int sc_sim_nb_fit(sc_sim_nb *out, const sc_sim_data *d, int with_batch, int threads,
		  sc_err *err) SC_WUR;
void sc_sim_nb_free(sc_sim_nb *m);
/* The mean of gene g in a cell of group grp with library size lib. */
double sc_sim_nb_mu(const sc_sim_nb *m, size_t g, size_t grp, double lib);

/* The Gaussian copula: per cell type, the correlation of the normal scores
 * of the randomised probability integral transform over K genes, and its
 * Cholesky factor. */
typedef struct sc_sim_copula {
	size_t k, types;
	size_t *genes;    /* k gene indices */
	double *corr;     /* types x k x k */
	double *chol;     /* types x k x k, lower triangle */
	double *ridge;    /* types: the shrinkage toward I that made corr positive definite */
} sc_sim_copula;

int sc_sim_copula_fit(sc_sim_copula *out, const sc_sim_data *d, const sc_sim_nb *m, size_t k,
		      uint64_t seed, sc_err *err) SC_WUR;
void sc_sim_copula_free(sc_sim_copula *c);

/* Generate d->n cells with the real cells' covariates and library sizes
 * (copula may be NULL: independent genes) and write them to path as an
 * .h5ad: X CSR float32 counts, obs with the covariate columns, var names. */
int sc_sim_generate(const char *path, const sc_sim_data *d, const sc_sim_nb *m,
		    const sc_sim_copula *c, uint64_t seed, int threads, sc_err *err) SC_WUR;

/* Write the covariate columns (the same names, categories and order as the
 * real data) and the obs/var indices of a simulated file. */
int sc_sim_write_frames(sc_h5ad_writer *w, const sc_sim_data *d, const double *totals,
			sc_err *err) SC_WUR;

#endif
