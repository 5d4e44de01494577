/*
 * tasks/perturbation/pert.h - the numerics of the perturbation task: labels
 * in GEARS's convention, the splits, the DE ranking, the baselines and the
 * metrics of GEARS's gears/inference.py. The steps (steps.c) read files and
 * call these; tests and benchmarks call them directly.
 *
 * Conventions: a condition is "ctrl", "A+ctrl" (a single gene) or "A+B" (a
 * combination), as GEARS writes them. Profiles are mean log-normalised
 * expression over a condition's cells (row vectors of n_genes). Index 0 of
 * every condition list is "ctrl".
 */
#ifndef SC_PERT_H
#define SC_PERT_H

#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
#include "util/mat.h"

/* ---- labels (labels.c) ---- */

#define SC_PERT_MAX_CONTROLS 16

typedef struct sc_pert_label_opts {
	const char *controls[SC_PERT_MAX_CONTROLS]; /* labels meaning control besides "ctrl" */
	size_t n_controls;
	const char *sep;       /* separator of combinations ("+") */
	const char *guide_sep; /* cut each member at this string (guide-level labels); NULL: none */
} sc_pert_label_opts;

/* The GEARS name of a label: "ctrl", "A+ctrl" or "A+B" (caller frees).
 * *n_members is 0, 1 or the number of genes combined. */
char *sc_pert_normalize(const char *label, const sc_pert_label_opts *o, size_t *n_members);
/* The genes of a GEARS name ("A+ctrl" -> A; "A+B" -> A, B): up to max
 * pointers into a copy the caller frees (*buf). Returns the count. */
size_t sc_pert_members(char **buf, const char *cond, const char **out, size_t max);

/* ---- splits (split.c) ---- */

enum { SC_PERT_TRAIN = 0, SC_PERT_TEST = 1, SC_PERT_HELD_OUT = 2 };
enum {
	SC_PERT_SG_NONE = 0, /* a training perturbation */
	SC_PERT_SG_COMBO_SEEN0,
	SC_PERT_SG_COMBO_SEEN1,
	SC_PERT_SG_COMBO_SEEN2,
	SC_PERT_SG_UNSEEN_SINGLE,
	SC_PERT_N_SG,
};
/* "train", "combo_seen0", "combo_seen1", "combo_seen2", "unseen_single". */
extern const char *const sc_pert_subgroup_names[SC_PERT_N_SG];

typedef struct sc_pert_split {
	size_t n;          /* conditions, "ctrl" first (always train) */
	int *set;          /* SC_PERT_TRAIN / TEST / HELD_OUT */
	int *subgroup;     /* SC_PERT_SG_* */
	/* The draws, so that GEARS's logic can be replayed on them: the genes in
	 * the order drawn (the first n_train_genes are the training genes), and
	 * the two-seen combinations in the order drawn (the first
	 * n_combo_train are trained on). */
	char **gene_order;
	size_t n_genes, n_train_genes;
	char **combo_order;
	size_t n_combos, n_combo_train;
} sc_pert_split;

void sc_pert_split_free(sc_pert_split *s);
/* GEARS's `simulation` split over conditions cond[0..n) (cond[0] = ctrl). */
int sc_pert_split_simulation(sc_pert_split *out, char *const *cond, size_t n,
			     double train_gene_set_size, double combo_seen2_train_frac,
			     uint64_t seed, sc_err *err) SC_WUR;
/* GEARS's `single` split: a share test_size of the singles' genes is tested
 * (their singles), combinations holding one of them are held out. */
int sc_pert_split_single(sc_pert_split *out, char *const *cond, size_t n, double test_size,
			 uint64_t seed, sc_err *err) SC_WUR;
/* An explicit list of test conditions (is_test[k]); subgroups by how many
 * members of a combination have their single in training. */
void sc_pert_split_list(sc_pert_split *out, char *const *cond, size_t n, const uint8_t *is_test);

/* ---- data summaries (de.c) ---- */

/* Per condition (rows) and gene: mean and sample variance (ddof 1) of the
 * cells' values, as scanpy's _get_mean_var. cond_of_cell[i] < 0 skips a
 * cell. mean, var: n_cond x n_genes, allocated here. */
void sc_pert_condition_stats(sc_dmat *mean, sc_dmat *var, size_t *ncells, const sc_csr *x,
			     const int32_t *cond_of_cell, size_t n_cond);

/* Welch's t statistic of each gene, condition k against condition 0 (the
 * control), as scanpy's rank_genes_groups(method='t-test', reference=ctrl):
 * NaN (0/0) becomes 0, a non-zero difference over zero variance +-inf. */
void sc_pert_welch_t(double *t, const sc_dmat *mean, const sc_dmat *var, const size_t *ncells,
		     size_t k);
/* Genes ordered by |t| descending (ties: lower gene index first). */
void sc_pert_rank_abs(size_t *order, const double *t, size_t n_genes);
/* GEARS's get_dropout_non_zero_genes for condition k: the ranked genes whose
 * mean in k is non-zero or zero in both k and the control; the first max of
 * them into out. Returns the count. */
size_t sc_pert_non_dropout_top(size_t *out, size_t max, const size_t *order, const sc_dmat *mean,
			       size_t k);

/* ---- baselines (predict.c) ---- */

typedef struct sc_pert_linear_opts {
	size_t pca_dim;
	double ridge;
} sc_pert_linear_opts;

/* Predicted mean profiles of the test conditions test[0..nt) (out: nt x
 * n_genes) by a built-in method: control_mean, train_mean, additive or
 * linear. means: condition profiles; genes: the gene names (linear embeds a
 * perturbation by its target genes' rows). notes: a count of members
 * without an effect to use (additive: no training single; linear: target
 * not among the genes), may be NULL. */
int sc_pert_predict(sc_dmat *out, const char *method, const sc_dmat *means, char *const *cond,
		    const sc_pert_split *sp, const size_t *test, size_t nt, char *const *genes,
		    const sc_pert_linear_opts *lo, size_t *n_missing, sc_err *err) SC_WUR;

/* ---- metrics (metrics.c) ---- */

/* GEARS's per-perturbation metrics. NaN where GEARS leaves a metric out. */
typedef enum {
	SC_PM_MSE, SC_PM_PEARSON, SC_PM_MSE_DE, SC_PM_PEARSON_DE, SC_PM_PEARSON_DELTA,
	SC_PM_PEARSON_DELTA_DE, SC_PM_PEARSON_DELTA_ND, SC_PM_PEARSON_ND, SC_PM_MSE_ND,
	SC_PM_FRAC_OPPOSITE_ND, SC_PM_FRAC_SIGMA1_ND, SC_PM_RANK, SC_PM_DELTA_VS_TRAIN_MEAN,
	SC_PM_N,
} sc_pert_metric;
extern const char *const sc_pert_metric_names[SC_PM_N];

/* The truth of one condition: its cells' values of the genes in idx (n_cells x
 * n_idx, row-major), for GEARS's sigma and dropout checks. */
typedef struct sc_pert_truth {
	size_t n_cells;
	const double *cells_nd; /* n_cells x n_nd: the values at the non-dropout DE genes */
} sc_pert_truth;

/* Metrics of one condition: pred and truth mean profiles, ctrl the control
 * mean; de (n_de, GEARS's top 20) and nd (n_nd, the non-dropout top 20)
 * gene indices; out[SC_PM_*] (rank and the train_mean comparison are left
 * NaN: they need every condition, sc_pert_rank_metric). */
void sc_pert_metrics_one(double *out, const double *pred, const double *truth, const double *ctrl,
			 size_t n_genes, const size_t *de, size_t n_de, const size_t *nd,
			 size_t n_nd, const sc_pert_truth *cells);
/* PerturBench's rank: for each of n conditions, the share of the other
 * conditions whose true change is more cosine-similar to its predicted
 * change than its own true change, ties counting half (0 best). dpred, dtrue: n x n_genes
 * changes from the control. */
void sc_pert_rank_metric(double *rank, const sc_dmat *dpred, const sc_dmat *dtrue);

#endif
