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
 * emitted, NaN with the reason when its inputs are not given. rows[0..n)
 * are the dataset's cells kept, emb/lab/bat restricted to them; each value
 * is appended to agg_v/agg_c (room for 8) for the aggregates. */
int sc_integration_eval_extra(sc_step_ctx *c, const size_t *rows, size_t n,
			      const sc_dmat *emb, const sc_labels *lab, const sc_labels *bat,
			      double *agg_v, sc_scib_class *agg_c, size_t *nagg) SC_WUR;

/* embedding.svg (picture.c): the cells of emb (one row per scored cell)
 * laid out in two dimensions, by batch and by label; graph: the method's
 * graph when it gives no embedding of its own (else NULL). */
int sc_integration_picture(sc_step_ctx *c, const sc_dmat *emb, const sc_csr *graph,
			   const sc_labels *lab, const sc_labels *bat) SC_WUR;
/* The same picture as a canvas (*out: sc_svg_free; NULL for fewer than 3
 * cells), with its limits given: a graph layout up to max_layout cells,
 * else the first two PCs; at most max_draw cells drawn. */
typedef struct sc_picture_opts {
	size_t max_layout, max_draw;
	uint64_t seed;
} sc_picture_opts;
void sc_picture_opts_default(sc_picture_opts *o, uint64_t seed);
struct sc_svg;
int sc_integration_picture_svg(struct sc_svg **out, const sc_dmat *emb, const sc_csr *graph,
			       const sc_labels *lab, const sc_labels *bat, const sc_picture_opts *o,
			       sc_err *err) SC_WUR;

struct sc_plan_ctx;
struct sc_spec_task;
int sc_batch_plan(struct sc_plan_ctx *x, const struct sc_spec_task *t);
int sc_multiomics_plan(struct sc_plan_ctx *x, const struct sc_spec_task *t);

/* The metrics integration.eval reports, shared by both descriptors:
 * SC_SCIB_METRICS(B, O) with B (O) 1 when bio (overall) is the primary.
 * Without batches (one multi-omics sample) the metrics needing them are
 * not reported; for a graph method the ones needing an embedding are NaN. */
#define SC_SCIB_BATCHES SC_METRIC_NEEDS_BATCHES
#define SC_SCIB_EMB SC_METRIC_NEEDS_EMBEDDING
#define SC_SCIB_METRIC(n, hib, grp, need, d, P) \
	{ .name = n, .higher_is_better = hib, .group = grp, .primary = P, .doc = d, .needs = need }
#define SC_SCIB_METRICS(B, O)                                                                      \
	SC_SCIB_METRIC(SC_M_NMI, 1, "bio", 0, "NMI of Leiden clusters (NMI-best resolution) and labels", 0), \
	SC_SCIB_METRIC(SC_M_ARI, 1, "bio", 0, "ARI of the same clusters and labels", 0),                 \
	SC_SCIB_METRIC(SC_M_ASW_LABEL, 1, "bio", SC_SCIB_EMB, "label silhouette, scaled to [0, 1]", 0), \
	SC_SCIB_METRIC(SC_M_ISO_F1, 1, "bio", SC_SCIB_BATCHES,                              \
		       "F1 of the isolated labels' best cluster", 0),                                 \
	SC_SCIB_METRIC(SC_M_ISO_ASW, 1, "bio", SC_SCIB_BATCHES | SC_SCIB_EMB,               \
		       "silhouette of the isolated labels", 0),                                       \
	SC_SCIB_METRIC(SC_M_CLISI, 1, "bio", 0, "graph cLISI, scaled", 0),                        \
	SC_SCIB_METRIC(SC_M_TRAJECTORY, 1, "bio", 0,                                               \
		       "rank correlation of a given pseudotime and the graph's DPT (option pseudotime_key)", 0), \
	SC_SCIB_METRIC(SC_M_CELL_CYCLE, 1, "bio", SC_SCIB_BATCHES | SC_SCIB_EMB,                   \
		       "cell-cycle variance kept, per batch (option cell_cycle_genes)", 0),          \
	SC_SCIB_METRIC(SC_M_HVG, 1, "bio", SC_SCIB_BATCHES | SC_SCIB_EMB,                           \
		       "overlap of each batch's HVGs before and in the corrected features", 0),      \
	SC_SCIB_METRIC(SC_M_ASW_BATCH, 1, "batch", SC_SCIB_BATCHES | SC_SCIB_EMB,                      \
		       "1 - batch silhouette within labels", 0),                                      \
	SC_SCIB_METRIC(SC_M_PCR, 1, "batch", SC_SCIB_BATCHES | SC_SCIB_EMB,                 \
		       "PC regression of the batch, before vs after", 0),                             \
	SC_SCIB_METRIC(SC_M_GRAPH_CONN, 1, "batch", SC_SCIB_BATCHES,                           \
		       "connectivity of each label's kNN graph", 0),                                  \
	SC_SCIB_METRIC(SC_M_KBET, 1, "batch", SC_SCIB_BATCHES, "kBET acceptance rate", 0),   \
	SC_SCIB_METRIC(SC_M_ILISI, 1, "batch", SC_SCIB_BATCHES, "graph iLISI, scaled", 0),       \
	SC_SCIB_METRIC(SC_M_PCR_BEFORE, 0, "diagnostic", SC_SCIB_BATCHES | SC_SCIB_EMB,                \
		       "variance explained by the batch before", 0),                                  \
	SC_SCIB_METRIC(SC_M_PCR_AFTER, 0, "diagnostic", SC_SCIB_BATCHES | SC_SCIB_EMB,                 \
		       "variance explained by the batch after", 0),                                   \
	SC_SCIB_METRIC(SC_M_ILISI_KNN, 1, "diagnostic", SC_SCIB_BATCHES | SC_SCIB_EMB,     \
		       "iLISI as scib-metrics computes it", 0),                                       \
	SC_SCIB_METRIC(SC_M_CLISI_KNN, 1, "diagnostic", SC_SCIB_EMB,                       \
		       "cLISI as scib-metrics computes it", 0),                                       \
	SC_SCIB_METRIC(SC_M_BIO, 1, "score", 0, "mean of the bio-conservation metrics", B),             \
	SC_SCIB_METRIC(SC_M_BATCH, 1, "score", SC_SCIB_BATCHES, "mean of the batch-correction metrics", 0), \
	SC_SCIB_METRIC(SC_M_OVERALL, 1, "score", SC_SCIB_BATCHES, "0.6 bio + 0.4 batch", O)

#endif
