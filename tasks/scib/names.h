/*
 * names.h - the names under which sceval records the scIB metrics: scib's
 * own (the keys of scib.metrics.metrics()'s results), or scib-metrics' where
 * scib has none, so a table of sceval's results lines up with scib's. The
 * names sceval used before are accepted wherever a user names a metric
 * (sc_scib_canonical_name).
 */
#ifndef SC_SCIB_NAMES_H
#define SC_SCIB_NAMES_H

#include <stddef.h>

#define SC_M_NMI "NMI_cluster/label"
#define SC_M_ARI "ARI_cluster/label"
#define SC_M_ASW_LABEL "ASW_label"
#define SC_M_ASW_BATCH "ASW_label/batch"
#define SC_M_PCR "PCR_batch"
#define SC_M_CELL_CYCLE "cell_cycle_conservation"
#define SC_M_ISO_F1 "isolated_label_F1"
#define SC_M_ISO_ASW "isolated_label_silhouette"
#define SC_M_GRAPH_CONN "graph_conn"
#define SC_M_KBET "kBET"
#define SC_M_ILISI "iLISI"
#define SC_M_CLISI "cLISI"
#define SC_M_HVG "hvg_overlap"
#define SC_M_TRAJECTORY "trajectory"
/* sceval's diagnostics and aggregates: neither scib nor scib-metrics has
 * these, so they keep sceval's names */
#define SC_M_PCR_BEFORE "pcr_before"
#define SC_M_PCR_AFTER "pcr_after"
#define SC_M_ILISI_KNN "ilisi_knn_scibmetrics"
#define SC_M_CLISI_KNN "clisi_knn_scibmetrics"
#define SC_M_BIO "bio"
#define SC_M_BATCH "batch"
#define SC_M_OVERALL "overall"

/* The canonical name of a metric named by its canonical name or an alias
 * (e.g. "kbet_all_cells" -> "kBET"); name itself when it is neither. */
const char *sc_scib_canonical_name(const char *name);

/* The i-th alias pair (alias, canonical), NULL past the end: for help
 * texts and the documentation's table. */
const char *sc_scib_alias(size_t i, const char **canonical);

/* The i-th metric of scib's metrics() results table, in scib's row order;
 * NULL past the end. */
const char *sc_scib_results_order(size_t i);

#endif
