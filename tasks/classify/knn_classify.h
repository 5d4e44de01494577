/*
 * knn_classify.h - the kNN classifier of the annotation task:
 * sklearn's KNeighborsClassifier(weights="uniform") prediction from the
 * neighbours sc_knn_query finds.
 *
 * Prediction is the most frequent class among a cell's k neighbours, ties
 * going to the smallest class code (sklearn takes scipy.stats.mode over
 * class indices, which returns the smallest); probabilities are vote
 * fractions (count / k), columns in sorted class order (sklearn's
 * classes_). Exact ties in distance are broken by sc_knn_query towards the
 * lower reference index, where sklearn's brute-force order is unspecified;
 * only then can the neighbour sets, and so the votes, differ.
 *
 * Ownership: sc_knn_votes owns its arrays; sc_knn_votes_free releases them
 * and zeroes the struct (freeing a zeroed struct is a no-op).
 */
#ifndef SC_CLASSIFY_KNN_CLASSIFY_H
#define SC_CLASSIFY_KNN_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>
#include "tasks/core/knn.h"
#include "util/mat.h"
#include "util/err.h"

typedef struct sc_knn_votes {
	size_t nq, nclass;
	int32_t *classes; /* nclass sorted distinct training codes */
	int32_t *pred;    /* nq predicted codes */
	double *proba;    /* nq x nclass vote fractions, row-major */
} sc_knn_votes;

/*
 * Votes from neighbour lists: idx is nq x k (row-major) indices into the
 * training cells, whose codes are train_y (>= 0; drop missing labels before
 * the search). Classes are those of train_y, whether or not any neighbour
 * carries them.
 */
int sc_knn_vote(sc_knn_votes *out, const int32_t *idx, size_t nq, size_t k,
		const int32_t *train_y, size_t ntrain, sc_err *err) SC_WUR;
void sc_knn_votes_free(sc_knn_votes *v);

/*
 * The whole classifier: the k nearest reference cells of each query cell
 * (sc_knn_query, metric as given; sklearn's default is Euclidean), then
 * sc_knn_vote. Implemented in knn_predict.c so that the voting alone does
 * not pull in the neighbour search.
 */
int sc_knn_classify(sc_knn_votes *out, const sc_dmat *ref, const int32_t *ref_y,
		    const sc_dmat *query, size_t k, sc_metric metric, sc_err *err) SC_WUR;

#endif
