/*
 * silhouette.h - silhouette widths as sklearn.metrics.silhouette_samples
 * computes them (Euclidean), and scib's two uses of them: the cell-type ASW
 * and the batch ASW.
 *
 * Cost: every pairwise distance once (n^2 d / 2 multiply-adds through dgemm,
 * n^2 / 2 square roots), memory O(n k + tile), never an n x n matrix; worker
 * threads post-process each tile. The result does not depend on the number
 * of threads (each sum is taken in an order fixed by the input alone).
 */
#ifndef SC_SCIB_SILHOUETTE_H
#define SC_SCIB_SILHOUETTE_H

#include "tasks/scib/common.h"

/*
 * sklearn silhouette_samples(x, codes): s[i] = (b - a) / max(a, b) with a
 * the mean distance to the other cells of i's category and b the smallest
 * mean distance to another category; 0 for a cell alone in its category.
 * codes: n non-negative category codes (any values; unused codes ignored).
 * Needs 2 <= categories <= n - 1 (as sklearn): otherwise SC_EINVAL.
 * n_threads <= 0: all CPUs. s: n values.
 */
int sc_scib_silhouette_samples(double *s, const sc_dmat *x, const int32_t *codes, int n_threads,
			       sc_err *err) SC_WUR;

/*
 * Memory the fast path may use for its per-thread n x categories 128-bit
 * accumulators (default 1 GiB; 0 restores the default). Beyond it the
 * threads are reduced, and with one thread still too large each row is
 * summed whole by one thread (twice the dgemm work, same result up to
 * rounding). Process-wide; returns the previous value.
 */
size_t sc_scib_silhouette_memory_limit(size_t bytes);

/* On CPUs with AVX-512F the distance tiles come from a kernel of this
 * module (OpenBLAS 0.3.21 runs its AVX2 dgemm there); on=1 forces the
 * portable dgemm path everywhere (tests compare the two). Process-wide;
 * returns the previous setting. */
int sc_scib_silhouette_force_dgemm(int on);

/*
 * scib silhouette(label_key): (mean silhouette by label + 1) / 2, in [0, 1],
 * higher is better. per_cell (optional, n): the unscaled silhouette of each
 * cell by label (what the isolated-label ASW reuses). NaN with a reason when
 * there are fewer than 2 labels or every cell has its own label.
 */
int sc_scib_asw_label(double *out, double *per_cell, const sc_dmat *x, const sc_labels *labels,
		      int n_threads, sc_scib_why *why, sc_err *err) SC_WUR;

/*
 * scib silhouette_batch(scale=True): for each label with more than one batch
 * and fewer batches than cells, silhouette_samples of that label's cells
 * with batch as the category, each value turned into 1 - |s|; mean per
 * label, then mean over those labels. In [0, 1], higher is better (batches
 * mixed). per_label (optional, labels->ncat entries indexed by label code):
 * the label's mean, NaN for labels skipped. per_cell (optional, n): 1 - |s|,
 * NaN for cells of skipped labels. NaN with a reason when no label
 * qualifies (e.g. a single batch).
 */
int sc_scib_asw_batch(double *out, double *per_label, double *per_cell, const sc_dmat *x,
		      const sc_labels *labels, const sc_labels *batches, int n_threads,
		      sc_scib_why *why, sc_err *err) SC_WUR;

#endif
