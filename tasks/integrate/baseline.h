/*
 * baseline.h - the batch task's built-in baselines as one call each, from
 * raw counts to the embedding the scIB metrics evaluate:
 *   unintegrated  the standard embedding (standard.h)
 *   combat        log-normalised HVGs -> ComBat -> scale -> PCA (as scIB
 *                 runs scanpy's combat on the HVG matrix, then the metrics'
 *                 PCA on the corrected matrix)
 *   harmony       the standard embedding -> Harmony (seeded)
 */
#ifndef SC_BASELINE_H
#define SC_BASELINE_H

#include <stdint.h>
#include "standard.h"
#include "util/mat.h"
#include "util/err.h"

typedef enum {
	SC_BASELINE_UNINTEGRATED,
	SC_BASELINE_COMBAT,
	SC_BASELINE_HARMONY,
} sc_batch_baseline;

/* "unintegrated", "combat", "harmony"; NULL for an unknown value. */
const char *sc_batch_baseline_name(sc_batch_baseline b);
/* Parse a name; returns 0, or SC_EINVAL with a message. */
int sc_batch_baseline_parse(sc_batch_baseline *out, const char *name, sc_err *err) SC_WUR;

/* counts: cells x genes raw counts; batch: per-cell labels (unused by the
 * unintegrated baseline); so: NULL for the defaults. out: cells x n_comps,
 * allocated here. */
int sc_batch_baseline_embed(sc_dmat *out, const sc_csr *counts, const sc_labels *batch,
			    sc_batch_baseline which, const sc_standard_opts *so, uint64_t seed,
			    sc_err *err) SC_WUR;
/* The same, taking counts: normalised in place and freed (also on error),
 * so a step that read them holds them once (no copy). */
int sc_batch_baseline_embed_take(sc_dmat *out, sc_csr *counts, const sc_labels *batch,
				 sc_batch_baseline which, const sc_standard_opts *so,
				 uint64_t seed, sc_err *err) SC_WUR;

#endif
