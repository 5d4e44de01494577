/*
 * split.h - seeded train/test splits for the classification tasks:
 * stratified (with a validation variant for early stopping), by a column's
 * categories, and stratified k-fold.
 *
 * Labels are class codes >= 0; -1 marks a missing label, and such cells go
 * to neither side (counted in nmissing). All randomness comes from one
 * sc_rng seeded with the given seed, consumed in a fixed order (classes in
 * ascending code order, members in ascending row order before shuffling),
 * so a seed gives the same split on every machine. The indices are not
 * those sklearn would draw (a different generator), but the per-class
 * counts follow the same rules, stated at each function.
 *
 * Ownership: sc_split and sc_folds own their arrays; their _free functions
 * release them and zero the struct (freeing a zeroed struct is a no-op).
 */
#ifndef SC_CLASSIFY_SPLIT_H
#define SC_CLASSIFY_SPLIT_H

#include <stddef.h>
#include <stdint.h>
#include "util/mat.h"
#include "util/err.h"

typedef struct sc_split {
	size_t *train, *test; /* ascending row indices */
	size_t ntrain, ntest;
	/* Classes too small to stratify (fewer than 2 cells), ascending codes,
	 * and how many cells they hold; where those cells went is stated at
	 * each function. Callers must report them. */
	int32_t *small;
	size_t nsmall, nsmall_cells;
	/* Split by column: classes in the test side with no training cell,
	 * which no classifier trained here can predict. */
	int32_t *unseen;
	size_t nunseen;
	size_t nmissing; /* cells with a missing label or group: in neither side */
} sc_split;

void sc_split_free(sc_split *s);

/*
 * Stratified random split of the n cells. Classes with fewer than 2 cells
 * cannot have a cell on each side: they are excluded from both sides and
 * listed in out->small (sklearn's train_test_split raises instead). For the
 * others, as sklearn's StratifiedShuffleSplit: the test set has
 * T = ceil(test_frac * N) cells (N = cells of eligible classes), shared
 * among classes by largest remainder of count / N * T (ties: the larger class,
 * then the lower code, where sklearn draws at random), then each class's
 * share is clamped to [1, count - 1] so both sides see every class (which
 * can move the total by a cell per tiny class). 0 < test_frac < 1.
 */
int sc_split_stratified(sc_split *out, const int32_t *labels, size_t n, double test_frac,
			uint64_t seed, sc_err *err) SC_WUR;

/*
 * A validation split for early stopping, taken from the cells listed in rows
 * (e.g. a training set): stratified as above with val_frac, but a class with
 * a single cell among rows stays on the training side (listed in small).
 * out->train and out->test hold row indices (values from rows), ascending;
 * out->test is the validation set.
 */
int sc_split_validation(sc_split *out, const int32_t *labels, const size_t *rows, size_t nrows,
			double val_frac, uint64_t seed, sc_err *err) SC_WUR;

/*
 * Split by a column's categories (e.g. batch or donor): cells whose group is
 * one of test_groups are the test set; the training set is the cells whose
 * group is in train_groups, or every other group when train_groups is NULL.
 * A group in both lists is an error, as is an empty side. With labels
 * (optional), cells with a missing label go to neither side and test
 * classes absent from training are listed in out->unseen. No randomness.
 */
int sc_split_by_group(sc_split *out, const int32_t *group, size_t n, const int32_t *test_groups,
		      size_t ntest_groups, const int32_t *train_groups, size_t ntrain_groups,
		      const int32_t *labels, sc_err *err) SC_WUR;

typedef struct sc_folds {
	size_t n, k;
	int32_t *fold;  /* per cell: 0..k-1, or -1 for a missing label */
	int32_t *small; /* classes with fewer than k cells, ascending (sklearn warns) */
	size_t nsmall;
} sc_folds;

/*
 * Stratified k-fold (sklearn's StratifiedKFold(n_splits=k, shuffle=True)):
 * each class's cells are shuffled, and fold sizes per class follow sklearn's
 * allocation: cells sorted by class (classes in order of first appearance,
 * as sklearn encodes them) are dealt to folds in turn, so each
 * class's count per fold differs by at most one and fold sizes by at most
 * one. Classes with fewer than k cells are kept (some folds lack them) and
 * listed in out->small, where sklearn warns. Errors, as sklearn: k < 2, k
 * greater than the number of labelled cells, or every class smaller than k.
 */
int sc_split_kfold(sc_folds *out, const int32_t *labels, size_t n, size_t k, uint64_t seed,
		   sc_err *err) SC_WUR;
/* Rows of fold f as the test set, the other labelled rows as training. */
void sc_folds_get(sc_split *out, const sc_folds *folds, size_t f);
void sc_folds_free(sc_folds *f);

/* The listed rows of x (allocated into out, n x x->cols) and, when y and
 * yout are given, their labels into yout (n entries, caller's array). */
void sc_split_gather(sc_dmat *out, int32_t *yout, const sc_dmat *x, const int32_t *y,
		     const size_t *rows, size_t n);

#endif
