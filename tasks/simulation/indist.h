/*
 * indist.h - can real and simulated cells be told apart, and do simulated
 * cells keep their cell types? On a joint embedding (PCA of real and
 * simulated cells together):
 *  - a real-vs-simulated classifier's cross-validated AUROC: stratified
 *    k-fold, per fold logistic regression (sklearn's LogisticRegression
 *    run to its optimum) and kNN (sklearn's KNeighborsClassifier,
 *    uniform weights) scored by roc_auc_score on the held-out fold, the
 *    mean over folds (0.5: indistinguishable);
 *  - iLISI of the two sources (scib-metrics' ilisi_knn on the k nearest
 *    neighbours, scaled to [0, 1]: 1 is perfect mixing);
 *  - a cell-type classifier (logistic regression) trained on the real
 *    cells and scored on the simulated ones, and the reverse (accuracy
 *    and macro F1).
 */
#ifndef SC_SIM_INDIST_H
#define SC_SIM_INDIST_H

#include <stddef.h>
#include <stdint.h>
#include "util/mat.h"
#include "util/err.h"

typedef struct sc_sim_indist {
	double auroc_logreg, auroc_knn, ilisi;
	double acc_real_to_sim, f1_real_to_sim, acc_sim_to_real, f1_sim_to_real;
	int32_t *fold; /* n: each cell's fold */
} sc_sim_indist;

/* x: n x d embedding; source[i] 0 real, 1 simulated; type[i] cell type
 * codes in [0, ntypes) (shared between the sources). */
int sc_sim_indist_compute(sc_sim_indist *out, const sc_dmat *x, const int32_t *source,
			  const int32_t *type, size_t ntypes, size_t folds, size_t knn_k,
			  uint64_t seed, sc_err *err) SC_WUR;
void sc_sim_indist_free(sc_sim_indist *o);

#endif
