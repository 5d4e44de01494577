/*
 * tasks/imputation/imputation.h - the imputation task: its descriptor
 * (task.c), planner (plan.c), step kinds (spatial.c, denoise.c) and the
 * numerics they call (scores.c, tangram.c, denoisers.c, figures.c).
 *
 * Two settings share the task. `spatial`: genes shared by a spatial data
 * set and a scRNA-seq reference are split into training and held-out genes;
 * a method predicts the held-out genes on the spots and each is scored
 * across spots. `denoise`: a count matrix is split molecule by molecule
 * (binomial thinning) into training and test counts; a method denoises the
 * training counts and is scored against the test counts.
 */
#ifndef SC_IMPUTATION_H
#define SC_IMPUTATION_H

#include "tasks/step.h"
#include "tasks/task.h"
#include "util/mat.h"

#include <jansson.h>
#include <stdint.h>

extern const sc_task sc_imputation_task;
/* The tangram method (its parameters are read through it by the step). */
extern const sc_method_desc sc_imp_tangram_method;
extern const sc_step_kind sc_imputation_genes_kind;
extern const sc_step_kind sc_imputation_spatial_kind;
extern const sc_step_kind sc_imputation_spatial_eval_kind;
extern const sc_step_kind sc_imputation_thin_kind;
extern const sc_step_kind sc_imputation_denoise_kind;
extern const sc_step_kind sc_imputation_denoise_eval_kind;
extern const sc_step_kind sc_imputation_compare_kind;

struct sc_plan_ctx;
struct sc_spec_task;
int sc_imputation_plan(struct sc_plan_ctx *x, const struct sc_spec_task *t);

/* Files the steps pass to each other (one name, used by planner and steps). */
#define SC_IMP_GENES_FILE "genes.tsv"           /* imputation.genes: gene, reference gene, role */
#define SC_IMP_PREDICTED_FILE "predicted.h5ad"  /* spots x held-out genes */
#define SC_IMP_LOSS_FILE "tangram_loss.tsv"     /* epoch, total loss */
#define SC_IMP_INIT_FILE "mapping_init.h5ad"    /* Tangram's initial score matrix (X) */
#define SC_IMP_GENE_SCORES_FILE "gene_scores.tsv"
#define SC_IMP_SPLIT_FILE "split.h5ad"          /* X: training counts, layers/test */
/* The training counts alone (X), the {input} of an external denoiser. */
#define SC_IMP_TRAIN_FILE "train.h5ad"
#define SC_IMP_DENOISED_FILE "denoised.h5ad"
#define SC_IMP_DENOISE_SCORES_FILE "gene_scores.tsv"
/* The per-gene score tables: `gene`, sparsity columns named with this
 * prefix, then the scores (imputation.compare plots every method's). */
#define SC_IMP_SPARSITY_PREFIX "sparsity"
#define SC_IMP_COMPARE_ROLE "scores."          /* + the method's index */
#define SC_IMP_COMPARE_FILE "gene_scores_by_method.tsv"

/* ---- per-gene scores (scores.c) ---- */

/* Scores of one predicted column against the measured column (n values). */
typedef struct sc_imp_gene_score {
	double cosine;   /* Tangram's compare_spatial_geneexp; NaN when a norm is 0 */
	double pearson;  /* NaN when either side is constant */
	double pearson_p; /* two-sided, as scipy.stats.pearsonr */
	double spearman; /* Pearson of average ranks; NaN when either side is constant */
	double sparsity; /* share of spots where the measured value is 0 */
} sc_imp_gene_score;

void sc_imp_score_gene(sc_imp_gene_score *out, const double *pred, const double *meas, size_t n,
		       size_t stride_pred, size_t stride_meas);
/* Two-sided p-value of a Pearson r over n pairs (t test with n - 2 dof). */
double sc_imp_pearson_pvalue(double r, size_t n);
/* Median of the finite values (NaN when none); v is reordered. */
double sc_imp_median(double *v, size_t n);

/* ---- Tangram's mapping optimiser (tangram.c) ---- */

typedef struct sc_tangram_opts {
	double lambda_g1, lambda_g2, lambda_d, lambda_r;
	double learning_rate;
	size_t epochs;
	const double *density;        /* per spot, sums to 1; NULL: no density term */
	const double *source_density; /* per row of S (clusters mode); NULL: cells mode */
} sc_tangram_opts;

/* Tangram's defaults of map_cells_to_space: g1 1, others 0, lr 0.1, 1000 epochs. */
void sc_tangram_opts_default(sc_tangram_opts *o);
/* The loss of the scores m (rows of S x spots) and its gradient (grad may
 * be NULL). S: rows x genes, G: spots x genes. */
double sc_tangram_loss(double *grad, const sc_dmat *m, const sc_dmat *S, const sc_dmat *G,
		       const sc_tangram_opts *o);
/* Optimise the scores m in place by Adam (torch.optim.Adam's update) for
 * o->epochs steps; history (epochs + 1 values, may be NULL) gets the loss
 * before the first step and after each. Then m holds softmax(m) by rows. */
void sc_tangram_fit(sc_dmat *m, double *history, const sc_dmat *S, const sc_dmat *G,
		    const sc_tangram_opts *o);


/* ---- the spatial setting's data (spatial_data.c) ---- */

/* The gene table imputation.genes writes: the shared genes in the spatial
 * file's order, each with its name in the reference and its role. */
typedef struct sc_imp_genes {
	size_t n;
	char **spatial, **reference;
	int *test; /* 1: held out, 0: training */
} sc_imp_genes;

int sc_imp_genes_read(sc_imp_genes *out, const char *path, sc_err *err) SC_WUR;
int sc_imp_genes_write(const sc_imp_genes *g, const char *path, sc_err *err) SC_WUR;
void sc_imp_genes_free(sc_imp_genes *g);

/* Both data sets on the shared genes, normalised alike: each row's counts
 * over the training genes scaled to 1e4, then log1p (normalize = 1), or
 * the values as stored (normalize = 0). */
typedef struct sc_imp_pair {
	sc_dmat sp_train, sp_test;   /* spots x training / held-out genes */
	sc_dmat ref_train, ref_test; /* cells x training / held-out genes */
	double *sp_counts;           /* per spot: the training genes' stored total */
	char **spots;                /* spot names */
	char **test_names;           /* held-out genes (spatial names) */
	char **train_names;
	size_t n_spots, n_cells, n_train, n_test;
} sc_imp_pair;

int sc_imp_pair_load(sc_imp_pair *out, const char *spatial, const char *reference,
		     const char *genes, int normalize, sc_err *err) SC_WUR;
void sc_imp_pair_free(sc_imp_pair *p);
/* The spots' coordinates (obsm/spatial, first two columns). */
int sc_imp_coords(sc_dmat *out, const char *spatial, sc_err *err) SC_WUR;

/* ---- figures (figures.c) ---- */

/* Score against the measured gene's sparsity, and the held-out gene of
 * median cosine measured beside predicted on the spot coordinates. */
int sc_imp_spatial_figures(sc_step_ctx *c, const sc_imp_pair *p, const sc_dmat *pred,
			   const sc_dmat *xy, const sc_imp_gene_score *s) SC_WUR;
int sc_imp_score_sparsity_figure(sc_step_ctx *c, const double *score, const double *sparsity,
				 size_t n, const char *score_name, double y0, double y1) SC_WUR;
/* One box per named column of n values, written as file. */
int sc_imp_box_figure(sc_step_ctx *c, const double *const *v, char *const *names, size_t k,
		      size_t n, const char *title, const char *ylabel, const char *file) SC_WUR;
#define SC_IMP_FIG_BOXES "gene_scores_box.svg"

/* The value of test_genes asking for leave-one-gene-out. */
#define SC_IMP_LOO "loo"

/* The shared genes of a spatial file and a reference and the held-out ones
 * (test_genes: a list of names, a fraction drawn with seed, or SC_IMP_LOO
 * with loo = {fold, chunk}: genes fold*chunk .. +chunk-1 held out); checks
 * the spots' coordinates. by_case: how many matched only ignoring case. */
int sc_imp_genes_build(sc_imp_genes *g, size_t *by_case, const char *spatial,
		       const char *reference, const json_t *test_genes, const json_t *loo,
		       uint64_t seed, sc_err *err) SC_WUR;
/* A file of gene names, one a line (blank lines and '#' lines skipped),
 * as a JSON array of strings. */
int sc_imp_gene_list_read(json_t **out, const char *path, sc_err *err) SC_WUR;


/* ---- the denoise setting's methods (denoisers.c): counts in, dense
 * denoised counts out (allocated here) ---- */
int sc_imp_knn_smooth(sc_dmat *out, const sc_dmat *counts, size_t k, size_t n_comps,
		      sc_err *err) SC_WUR;
int sc_imp_magic(sc_dmat *out, const sc_dmat *counts, size_t knn, size_t t, double decay,
		 size_t n_pca, sc_err *err) SC_WUR;
int sc_imp_alra(sc_dmat *out, size_t *rank, const sc_dmat *counts, size_t max_rank,
		sc_err *err) SC_WUR;

/* The dataset's counts are finite, non-negative integers (denoise.c). */
int sc_imp_check_counts(const char *path, const char *counts, sc_err *err) SC_WUR;

#endif
