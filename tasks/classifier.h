/*
 * classifier.h - the built-in classifiers of the classification tasks
 * (annotation, gene-function) behind one call: logistic regression (on
 * standardised features, as the study evaluates embeddings), kNN (sklearn's
 * KNeighborsClassifier) and the study's plain neural network.
 */
#ifndef SC_CLASSIFIER_H
#define SC_CLASSIFIER_H

#include <stdint.h>
#include "util/mat.h"
#include "tasks/step.h"
#include "tasks/task.h"

/* Train on (xtr, ytr: codes in [0, ncat)) and predict xte: pred (xte->rows)
 * and proba (allocated xte->rows x ncat, columns = codes). Method parameters
 * come from the step's params (C, max_iter, tol; k; lr, batch_size,
 * max_epochs, patience, val_fraction) and the seed from the step. */
int sc_classifier_fit_predict(sc_step_ctx *c, const char *method, const sc_dmat *xtr,
			      const int32_t *ytr, const sc_dmat *xte, size_t ncat, int32_t *pred,
			      sc_dmat *proba) SC_WUR;

/* The classifiers as built-in methods, with the parameters they read:
 * shared by the annotation and gene-function tasks. */
extern const sc_method_desc sc_method_logreg;
extern const sc_method_desc sc_method_knn;
extern const sc_method_desc sc_method_nn;

#endif
