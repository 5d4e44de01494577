/*
 * trajectory.h - scib's trajectory conservation (metrics/trajectory.py):
 * how well the diffusion pseudotime of the integrated kNN graph keeps the
 * order of a pseudotime given on the unintegrated data.
 *
 * As scib computes it, on the cells with a pseudotime (NaN: left out):
 *  - the integrated graph restricted to them, its largest connected
 *    component (ties: the one seen first);
 *  - the start label: the label whose cells have the lowest mean given
 *    pseudotime (ties: the lower code); its cells in the component are the
 *    root candidates (none: scib's RootCellError, and scib scores 0);
 *  - scanpy's diffusion map of the component (tl.diffmap, 15 components:
 *    density-normalised transitions, the eigenpairs of largest magnitude);
 *    each of the first 3 components votes for the candidate at its extreme
 *    (the minimum when the candidates' mean lies below the component's
 *    mean, else the maximum); the root is the first with most votes;
 *  - scanpy's DPT from the root on 10 components, divided by its maximum,
 *    in float32 as scanpy computes it (it casts the eigenpairs to float32;
 *    1 - l of an eigenvalue near 1 keeps few digits there, and the ranks
 *    follow the float32 values); cells outside the component get 0;
 *  - Spearman's rho of given and computed pseudotime, (rho + 1) / 2; with
 *    batches, the NaN-skipping mean of each batch's rho (batches in order
 *    of first appearance), then rescaled. scib's metrics() passes no
 *    batch_key, so that is the suite's default.
 * The root vote and DPT do not depend on the eigenvectors' signs; within a
 * degenerate eigenvalue among the first 3 (10) the choice is arbitrary, as
 * with ARPACK.
 */
#ifndef SC_SCIB_TRAJECTORY_H
#define SC_SCIB_TRAJECTORY_H

#include "tasks/scib/common.h"

typedef struct sc_scib_traj {
	double score;        /* in [0, 1]; NaN when undefined; 0 without a root cell */
	double rho;          /* Spearman's rho (mean over batches), NaN if none */
	size_t n_subset;     /* cells with a pseudotime */
	size_t n_component;  /* of them, in the graph's largest component */
	size_t root;         /* the root cell (index among the n given), SIZE_MAX if none */
	int32_t start_label; /* code of the start label, -1 if none */
	size_t n_batches;    /* batches with a defined rho (by batch only) */
} sc_scib_traj;

/*
 * graph: n x n symmetric connectivities (scanpy's obsp['connectivities'] of
 * the integrated data, 15 neighbours in scib's metrics()); pseudotime: n
 * values, NaN where not given; labels: n codes (no missing); batches: NULL
 * for scib's metrics() (no batch_key), or n codes to average per batch.
 * dpt_after (optional, n): the computed pseudotime (0 outside the
 * component, NaN outside the subset). Bad input is an error; an undefined
 * value is NaN with the reason in why.
 */
int sc_scib_trajectory(sc_scib_traj *out, double *dpt_after, const sc_csr *graph,
		       const double *pseudotime, const sc_labels *labels, const sc_labels *batches,
		       sc_scib_why *why, sc_err *err) SC_WUR;

/*
 * scanpy's tl.diffmap on a connected graph of n cells: the k = min(n - 1,
 * n_comps) eigenpairs of largest magnitude of the symmetric transition
 * matrix, evals decreasing, basis n x k row-major (scanpy's X_diffmap).
 */
int sc_scib_diffmap(double *evals, double *basis, size_t *k_out, const sc_csr *graph,
		    size_t n_comps, sc_err *err) SC_WUR;

#endif
