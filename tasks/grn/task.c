/*
 * tasks/grn/task.c - the gene-network task's descriptor: its options,
 * built-in embeddings, step kinds and metrics (see tasks/task.h).
 */
#include "grn.h"

static const char *const fdr_families[] = { "programs", "program", NULL };

static const sc_task_option options[] = {
	{ .name = "genesets", .type = SC_OPT_STRING, .required = 1,
	  .doc = "the gene sets: a dataset holding a GMT file, or a table with id_column and "
		 "set_column" },
	{ .name = "id_column", .type = SC_OPT_STRING, .dflt = "gene_id",
	  .doc = "a gene-set table's column of gene ids" },
	{ .name = "set_column", .type = SC_OPT_STRING, .dflt = "label",
	  .doc = "a gene-set table's column naming each gene's set" },
	{ .name = "var_key", .type = SC_OPT_STRING,
	  .doc = "the var column of gene ids (default: var's index)" },
	{ .name = "symbol_key", .type = SC_OPT_STRING,
	  .doc = "a var column of gene symbols, matched with the gene sets when an id is not" },
	{ .name = "counts", .type = SC_OPT_STRING, .dflt = "X",
	  .doc = "where the raw counts are, for the built-in embeddings (X or a layer)" },
	{ .name = "min_cells", .type = SC_OPT_INT, .dnum = 10, .lo = 1, .hi = 1e9,
	  .doc = "built-in embeddings: genes expressed in at least this many cells" },
	{ .name = "n_comps", .type = SC_OPT_INT, .dnum = 50, .lo = 2, .hi = 4096,
	  .doc = "built-in embeddings: dimensions (PCA components, random dims)" },
	{ .name = "n_neighbors", .type = SC_OPT_INT, .dnum = 15, .lo = 2, .hi = 1000,
	  .doc = "neighbours of the cosine kNN graph of the genes (scanpy's default 15)" },
	{ .name = "resolution", .type = SC_OPT_NUMBER, .dnum = 40, .lo = 1e-6, .hi = 1e6,
	  .doc = "Leiden resolution (scGPT's 40)" },
	{ .name = "resolutions", .type = SC_OPT_ANY,
	  .doc = "a list of resolutions instead of one: each method is scored at each" },
	{ .name = "min_size", .type = SC_OPT_INT, .dnum = 5, .lo = 1, .hi = 1e6,
	  .doc = "genes a cluster needs to be a program (scGPT's 5)" },
	{ .name = "fdr", .type = SC_OPT_NUMBER, .dnum = 0.05, .lo = 1e-300, .hi = 1,
	  .doc = "FDR below which a program recovers a gene set" },
	{ .name = "fdr_family", .type = SC_OPT_STRING, .dflt = "programs", .allowed = fdr_families,
	  .doc = "BH over all tests of a method's programs, or over each program's (gseapy)" },
	{ .name = "edges", .type = SC_OPT_STRING, .dflt = "genesets",
	  .doc = "edge-level truth: genesets (co-membership), none, or a dataset of gene pairs" },
	{ .name = "edge_max_genes", .type = SC_OPT_INT, .dnum = 3000, .lo = 2, .hi = 50000,
	  .doc = "edge metrics only when the truth spans at most this many genes" },
	{ NULL },
};

static const sc_method_param no_params[] = { { NULL } };

static const sc_method_desc coexpression = {
	.name = SC_GRN_COEXPRESSION,
	.summary = "each gene's standardised expression profile across cells, reduced by PCA",
	.provides = "gene embedding",
	.params = no_params,
};

static const sc_method_desc random_embedding = {
	.name = SC_GRN_RANDOM,
	.summary = "seeded Gaussian gene vectors: the floor",
	.seeded = 1,
	.provides = "gene embedding",
	.params = no_params,
};

static const sc_method_param given_params[] = {
	{ .name = "key", .type = SC_PARAM_STRING,
	  .doc = "the dataset's varm key holding gene embeddings" },
	{ .name = "embedding", .type = SC_PARAM_STRING,
	  .doc = "or a dataset with them: a .npy, a CSV/TSV (first column gene ids) or an .h5ad "
		 "with varm 'key'" },
	{ .name = "genes", .type = SC_PARAM_STRING,
	  .doc = "for a .npy: a dataset listing its genes (one a line, or an .h5ad's var); "
		 "default: the task's dataset" },
	{ NULL },
};

static const sc_method_desc given = {
	.name = SC_GRN_GIVEN,
	.summary = "gene embeddings already computed (a varm key or a file)",
	.provides = "gene embedding",
	.params = given_params,
	.given = 1,
};

static const sc_method_desc *const methods[] = { &coexpression, &random_embedding, &given, NULL };

static const sc_step_kind *const steps[] = {
	&sc_grn_embed_kind, &sc_grn_programs_kind, &sc_grn_enrich_kind, &sc_grn_edges_kind,
	&sc_grn_compare_kind, &sc_grn_curve_kind, NULL,
};

static const sc_metric_desc metrics[] = {
	{ .name = SC_GRN_M_ENRICHED, .higher_is_better = 1, .group = "programs", .primary = 1,
	  .doc = "share of programs with at least one gene set at FDR below 'fdr'" },
	{ .name = SC_GRN_M_SETS, .higher_is_better = 1, .group = "programs",
	  .doc = "distinct gene sets some program recovers at FDR below 'fdr' (scGPT's pathways)" },
	{ .name = SC_GRN_M_JACCARD, .higher_is_better = 1, .group = "programs",
	  .doc = "median over programs of the best Jaccard index with a gene set (annotated genes)" },
	{ .name = SC_GRN_M_NPROGRAMS, .higher_is_better = 1, .group = "size",
	  .doc = "programs (clusters of at least min_size genes)" },
	{ .name = SC_GRN_M_GENES, .higher_is_better = 1, .group = "size",
	  .doc = "share of the embedded genes that lie in a program" },
	{ .name = SC_GRN_M_AUROC, .higher_is_better = 1, .group = "edges",
	  .doc = "AUROC of gene pairs ranked by cosine against the edge truth" },
	{ .name = SC_GRN_M_AUPRC, .higher_is_better = 1, .group = "edges",
	  .doc = "average precision of gene pairs ranked by cosine (sklearn's)" },
	{ .name = SC_GRN_M_EPR, .higher_is_better = 1, .group = "edges",
	  .doc = "early precision ratio: precision in the top k pairs (k true pairs) over random" },
	{ .name = SC_GRN_M_AMI, .higher_is_better = 1, .group = "agreement",
	  .doc = "adjusted mutual information of two methods' gene partitions (common genes)" },
	{ .name = SC_GRN_M_PJACCARD, .higher_is_better = 1, .group = "agreement",
	  .doc = "mean over both methods' programs of the best Jaccard with the other's programs" },
	{ NULL },
};

const sc_task sc_grn_task = {
	.name = "grn",
	.summary = "gene networks: gene programs from gene embeddings, scored against gene sets",
	.options = options,
	.methods = methods,
	.steps = steps,
	.metrics = metrics,
	.plan = sc_grn_plan,
};
