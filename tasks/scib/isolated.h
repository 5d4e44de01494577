/*
 * isolated.h - scib's isolated-label scores: how well the labels present in
 * the fewest batches are kept apart, by clustering (F1) and by silhouette
 * (ASW). Both in [0, 1], higher is better.
 *
 * Isolated labels (get_isolated_labels): count the batches each label
 * occurs in; the threshold is the smallest count (or iso_threshold when
 * positive); labels at or below it are isolated. When the threshold equals
 * the number of batches of the whole data set (every label in every batch)
 * there is none and both scores are NaN with that reason, as in scib.
 */
#ifndef SC_SCIB_ISOLATED_H
#define SC_SCIB_ISOLATED_H

#include "tasks/scib/common.h"

/* iso: labels->ncat flags (1 for isolated label codes); returns via n_iso.
 * NaN-worthy cases are not errors: n_iso 0 with why filled. */
int sc_scib_isolated_labels(unsigned char *iso, size_t *n_iso, const sc_labels *labels,
			    const sc_labels *batches, size_t iso_threshold, sc_scib_why *why,
			    sc_err *err) SC_WUR;

/*
 * isolated_labels_f1: per isolated label the best F1 of any cluster for
 * "is this label", maximised over the given clusterings (scib runs its
 * resolution sweep with max_f1 as the objective: memberships is nres x n,
 * the sweep's clusterings); mean over isolated labels. per_label (optional,
 * ncat): each isolated label's F1, NaN for the others.
 */
int sc_scib_isolated_f1(double *out, double *per_label, const int32_t *memberships,
			size_t nres, const sc_labels *labels, const sc_labels *batches,
			size_t iso_threshold, sc_scib_why *why, sc_err *err) SC_WUR;

/*
 * isolated_labels_asw(scale=True): per isolated label the mean silhouette
 * (by label, over all cells: what sc_scib_asw_label's per_cell gives) of its
 * cells, scaled (s + 1) / 2; mean over isolated labels. per_label as above.
 */
int sc_scib_isolated_asw(double *out, double *per_label, const double *silhouette_by_label,
			 const sc_labels *labels, const sc_labels *batches,
			 size_t iso_threshold, sc_scib_why *why, sc_err *err) SC_WUR;

#endif
