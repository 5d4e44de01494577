/*
 * tasks/grn/grn.h - the gene-network task: gene programs from gene
 * embeddings, scored against gene sets. Its descriptor (task.c), step kinds
 * (steps.c), planner (plan.c) and the names its files share.
 */
#ifndef SC_GRN_H
#define SC_GRN_H

#include "tasks/step.h"
#include "tasks/task.h"

extern const sc_task sc_grn_task;
extern const sc_step_kind sc_grn_embed_kind;
extern const sc_step_kind sc_grn_programs_kind;
extern const sc_step_kind sc_grn_enrich_kind;
extern const sc_step_kind sc_grn_edges_kind;
extern const sc_step_kind sc_grn_compare_kind;
extern const sc_step_kind sc_grn_curve_kind;

struct sc_plan_ctx;
struct sc_spec_task;
int sc_grn_plan(struct sc_plan_ctx *x, const struct sc_spec_task *t);

/* Output files, named once. */
#define SC_GRN_OUT_EMBEDDING "gene_embedding.h5ad"
#define SC_GRN_OUT_PROGRAMS "programs.tsv"
#define SC_GRN_OUT_ENRICHMENT "enrichment.tsv"
#define SC_GRN_OUT_SUMMARY "program_summary.tsv"
#define SC_GRN_OUT_SIZES_SVG "program_sizes.svg"
#define SC_GRN_OUT_TOP_SVG "top_programs.svg"
#define SC_GRN_OUT_METRICS "enrich_metrics.tsv"     /* metric, value: grn.enrich's */
#define SC_GRN_OUT_CURVE "resolution_curve.tsv"     /* method, resolution, metric, value */
#define SC_GRN_OUT_CURVE_SVG "resolution_curve.svg"
/* grn.curve's inputs: SC_GRN_CURVE_ROLE "<i>", the i-th point's metrics. */
#define SC_GRN_CURVE_ROLE "metrics_"

/* Step kind names, as the planner adds them. */
#define SC_GRN_STEP_EMBED "grn.embed"
#define SC_GRN_STEP_PROGRAMS "grn.programs"
#define SC_GRN_STEP_ENRICH "grn.enrich"
#define SC_GRN_STEP_EDGES "grn.edges"
#define SC_GRN_STEP_COMPARE "grn.compare"
#define SC_GRN_STEP_CURVE "grn.curve"

/* Metrics, as the steps emit them and the descriptor declares them. */
#define SC_GRN_M_ENRICHED "programs_enriched"
#define SC_GRN_M_SETS "sets_recovered"
#define SC_GRN_M_JACCARD "best_jaccard_median"
#define SC_GRN_M_NPROGRAMS "n_programs"
#define SC_GRN_M_GENES "genes_in_programs"
#define SC_GRN_M_AUROC "edge_auroc"
#define SC_GRN_M_AUPRC "edge_auprc"
#define SC_GRN_M_EPR "edge_epr"
#define SC_GRN_M_AMI "partition_ami"
#define SC_GRN_M_PJACCARD "program_jaccard"
/* The metrics grn.enrich emits, in SC_GRN_OUT_METRICS's order (curve.c). */
extern const char *const sc_grn_program_metrics[];

/* The built-in methods' names, as the planner dispatches on them. */
#define SC_GRN_COEXPRESSION "coexpression"
#define SC_GRN_RANDOM "random"
#define SC_GRN_GIVEN "given"

#endif
