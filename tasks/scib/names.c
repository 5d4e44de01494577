/*
 * names.c - the table of the scIB metrics' former names (sceval's before it
 * took scib's) and the lookup that maps them to the canonical ones.
 */
#include "names.h"

#include <stddef.h>
#include <string.h>

static const struct {
	const char *alias, *canonical;
} aliases[] = {
	{ "nmi", SC_M_NMI },
	{ "ari", SC_M_ARI },
	{ "asw_label", SC_M_ASW_LABEL },
	{ "asw_batch", SC_M_ASW_BATCH },
	{ "pcr_comparison", SC_M_PCR },
	{ "isolated_label_f1", SC_M_ISO_F1 },
	{ "isolated_label_asw", SC_M_ISO_ASW },
	{ "graph_connectivity", SC_M_GRAPH_CONN },
	{ "kbet_all_cells", SC_M_KBET },
	{ "ilisi_graph", SC_M_ILISI },
	{ "clisi_graph", SC_M_CLISI },
	{ "cell_cycle", SC_M_CELL_CYCLE },
	{ "trajectory_conservation", SC_M_TRAJECTORY },
};

const char *sc_scib_canonical_name(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(aliases[i].alias, name))
			return aliases[i].canonical;
	return name;
}

const char *sc_scib_alias(size_t i, const char **canonical)
{
	if (i >= sizeof(aliases) / sizeof(aliases[0]))
		return NULL;
	if (canonical)
		*canonical = aliases[i].canonical;
	return aliases[i].alias;
}

/* The keys of scib.metrics.metrics()'s results, in its order (scib's
 * morans_i is not computed by sceval). */
static const char *const results_order[] = {
	SC_M_NMI,      SC_M_ARI,  SC_M_ASW_LABEL, SC_M_ASW_BATCH, SC_M_PCR,
	SC_M_CELL_CYCLE, SC_M_ISO_F1, SC_M_ISO_ASW, SC_M_GRAPH_CONN, SC_M_KBET,
	SC_M_ILISI,    SC_M_CLISI, SC_M_HVG,      SC_M_TRAJECTORY,
};

const char *sc_scib_results_order(size_t i)
{
	return i < sizeof(results_order) / sizeof(results_order[0]) ? results_order[i] : NULL;
}
