/*
 * tasks/integration/integration.h - the batch-integration and multi-omics
 * tasks: their descriptors (batch.c, multiomics.c), their step kinds
 * (steps.c: the two embedding steps and the shared scIB evaluation) and
 * their planners (plan.c).
 */
#ifndef SC_INTEGRATION_H
#define SC_INTEGRATION_H

#include "tasks/step.h"
#include "tasks/task.h"
#include "tasks/scib/aggregate.h"
#include "tasks/scib/names.h"

extern const sc_task sc_batch_task;
extern const sc_task sc_multiomics_task;
extern const sc_step_kind sc_batch_embed_kind;
extern const sc_step_kind sc_multiomics_embed_kind;
extern const sc_step_kind sc_integration_eval_kind;

/* The metrics of integration.eval beyond the suite's (eval_extra.c): each
 * emitted, NaN with the reason when its inputs are not given. h is the
 * dataset, rows[0..n) the cells kept, emb/lab/bat restricted to them;
 * each value is appended to agg_v/agg_c (room for 8) for the aggregates. */
struct sc_h5ad;
int sc_integration_eval_extra(sc_step_ctx *c, struct sc_h5ad *h, const size_t *rows, size_t n,
			      const sc_dmat *emb, const sc_labels *lab, const sc_labels *bat,
			      double *agg_v, sc_scib_class *agg_c, size_t *nagg) SC_WUR;

struct sc_plan_ctx;
struct sc_spec_task;
int sc_batch_plan(struct sc_plan_ctx *x, const struct sc_spec_task *t);
int sc_multiomics_plan(struct sc_plan_ctx *x, const struct sc_spec_task *t);

/* The metrics integration.eval reports, shared by both descriptors:
 * SC_SCIB_METRICS(B, O) with B (O) 1 when bio (overall) is the primary. */
#define SC_SCIB_METRIC(n, hib, grp, d, P) \
	{ .name = n, .higher_is_better = hib, .group = grp, .primary = P, .doc = d }
#define SC_SCIB_METRICS(B, O)                                                                      \
	SC_SCIB_METRIC(SC_M_NMI, 1, "bio", "NMI of Leiden clusters (NMI-best resolution) and labels", 0), \
	SC_SCIB_METRIC(SC_M_ARI, 1, "bio", "ARI of the same clusters and labels", 0),                 \
	SC_SCIB_METRIC(SC_M_ASW_LABEL, 1, "bio", "label silhouette, scaled to [0, 1]", 0),           \
	SC_SCIB_METRIC(SC_M_ISO_F1, 1, "bio", "F1 of the isolated labels' best cluster", 0), \
	SC_SCIB_METRIC(SC_M_ISO_ASW, 1, "bio", "silhouette of the isolated labels", 0),   \
	SC_SCIB_METRIC(SC_M_CLISI, 1, "bio", "graph cLISI, scaled", 0),                        \
	SC_SCIB_METRIC(SC_M_CELL_CYCLE, 1, "bio", "cell-cycle variance kept, per batch (option cell_cycle_genes)", 0), \
	SC_SCIB_METRIC(SC_M_HVG, 1, "bio", "overlap of each batch's HVGs before and in the corrected features", 0), \
	SC_SCIB_METRIC(SC_M_ASW_BATCH, 1, "batch", "1 - batch silhouette within labels", 0),         \
	SC_SCIB_METRIC(SC_M_PCR, 1, "batch", "PC regression of the batch, before vs after", 0), \
	SC_SCIB_METRIC(SC_M_GRAPH_CONN, 1, "batch", "connectivity of each label's kNN graph", 0), \
	SC_SCIB_METRIC(SC_M_KBET, 1, "batch", "kBET acceptance rate", 0),                  \
	SC_SCIB_METRIC(SC_M_ILISI, 1, "batch", "graph iLISI, scaled", 0),                      \
	SC_SCIB_METRIC(SC_M_PCR_BEFORE, 0, "diagnostic", "variance explained by the batch before", 0), \
	SC_SCIB_METRIC(SC_M_PCR_AFTER, 0, "diagnostic", "variance explained by the batch after", 0),  \
	SC_SCIB_METRIC(SC_M_ILISI_KNN, 1, "diagnostic", "iLISI as scib-metrics computes it", 0), \
	SC_SCIB_METRIC(SC_M_CLISI_KNN, 1, "diagnostic", "cLISI as scib-metrics computes it", 0), \
	SC_SCIB_METRIC(SC_M_BIO, 1, "score", "mean of the bio-conservation metrics", B),             \
	SC_SCIB_METRIC(SC_M_BATCH, 1, "score", "mean of the batch-correction metrics", 0),           \
	SC_SCIB_METRIC(SC_M_OVERALL, 1, "score", "0.6 bio + 0.4 batch", O)

#endif
