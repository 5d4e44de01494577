/*
 * tables.h - the per-cell and per-label tables of a scIB suite result, in
 * the one schema every sceval scIB output uses (the integration.eval
 * step's cells.csv and labels.csv, `sceval scib --per-cell/--per-label`):
 *
 *   cells   cell,label,batch,cluster,asw_label,asw_batch,ilisi,clisi,kbet_pvalue[,dpt]
 *   labels  label,cells,asw_label,asw_batch,ilisi,clisi
 *
 * One row per cell (cluster: the NMI-optimal Leiden cluster, -1 if none;
 * dpt, only when trajectory conservation ran: the integrated graph's
 * diffusion pseudotime, 0 outside its largest component, empty for cells
 * without a given pseudotime);
 * one row per label with cells, its values the means of the per-cell ones
 * over the label's cells where defined. Values as %.17g (they round-trip),
 * an undefined one empty; names quoted by sc_buf_csv (a leading quote on
 * what a spreadsheet would run as a formula). Changing a column changes
 * the bytes of recorded outputs: bump integration.eval's version.
 */
#ifndef SC_SCIB_TABLES_H
#define SC_SCIB_TABLES_H

#include "tasks/scib/suite.h"
#include "util/buf.h"

/* cells[i] names cell i of r (r->n names); lab and batch have names. */
void sc_scib_cells_csv(sc_buf *out, const sc_scib_result *r, char *const *cells,
		       const sc_labels *lab, const sc_labels *bat);
void sc_scib_labels_csv(sc_buf *out, const sc_scib_result *r, const sc_labels *lab);
/* Both tables, each written atomically; a NULL path skips its table. */
int sc_scib_tables_write(const char *cells_path, const char *labels_path, const sc_scib_result *r,
			 char *const *cells, const sc_labels *lab, const sc_labels *bat,
			 sc_err *err) SC_WUR;

#endif
