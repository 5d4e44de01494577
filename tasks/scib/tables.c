/*
 * tables.c - writing the per-cell and per-label values of a scIB suite
 * result as CSV (schema in tables.h), for the integration.eval step and
 * `sceval scib`: one writer, so that both give the same columns.
 */
#include "tasks/scib/tables.h"
#include "util/fs.h"

#include <math.h>
#include <stdlib.h>

/* A value, or nothing where it is undefined (a NULL column included). */
static void put_value(sc_buf *b, const double *col, size_t i)
{
	if (col && !isnan(col[i]))
		sc_buf_printf(b, ",%.17g", col[i]);
	else
		sc_buf_puts(b, ",");
}

void sc_scib_cells_csv(sc_buf *out, const sc_scib_result *r, char *const *cells,
		       const sc_labels *lab, const sc_labels *bat)
{
	const double *cols[] = { r->asw_label_cell, r->asw_batch_cell, r->ilisi_cell, r->clisi_cell,
				 r->kbet_pvalue_cell };
	/* the diffusion pseudotime only when trajectory conservation ran */
	int dpt = 0;
	for (size_t i = 0; r->dpt_cell && i < r->n && !dpt; i++)
		dpt = !isnan(r->dpt_cell[i]);
	sc_buf_puts(out, "cell,label,batch,cluster,asw_label,asw_batch,ilisi,clisi,kbet_pvalue");
	sc_buf_puts(out, dpt ? ",dpt\n" : "\n");
	for (size_t i = 0; i < r->n; i++) {
		sc_buf_csv(out, cells[i]);
		sc_buf_putc(out, ',');
		sc_buf_csv(out, lab->names[lab->codes[i]]);
		sc_buf_putc(out, ',');
		sc_buf_csv(out, bat->names[bat->codes[i]]);
		sc_buf_printf(out, ",%d", r->cluster ? r->cluster[i] : -1);
		for (size_t k = 0; k < sizeof(cols) / sizeof(*cols); k++)
			put_value(out, cols[k], i);
		if (dpt)
			put_value(out, r->dpt_cell, i);
		sc_buf_putc(out, '\n');
	}
}

void sc_scib_labels_csv(sc_buf *out, const sc_scib_result *r, const sc_labels *lab)
{
	const double *cols[] = { r->asw_label_cell, r->asw_batch_cell, r->ilisi_cell, r->clisi_cell };
	enum { NCOLS = sizeof(cols) / sizeof(*cols) };
	sc_buf_puts(out, "label,cells,asw_label,asw_batch,ilisi,clisi\n");
	for (size_t k = 0; k < lab->ncat; k++) {
		double sum[NCOLS] = { 0 };
		size_t cnt[NCOLS] = { 0 }, cells = 0;
		for (size_t i = 0; i < r->n; i++) {
			if (lab->codes[i] != (int32_t)k)
				continue;
			cells++;
			for (int q = 0; q < NCOLS; q++)
				if (cols[q] && !isnan(cols[q][i])) {
					sum[q] += cols[q][i];
					cnt[q]++;
				}
		}
		if (!cells)
			continue;
		sc_buf_csv(out, lab->names[k]);
		sc_buf_printf(out, ",%zu", cells);
		for (int q = 0; q < NCOLS; q++) {
			if (cnt[q])
				sc_buf_printf(out, ",%.17g", sum[q] / (double)cnt[q]);
			else
				sc_buf_puts(out, ",");
		}
		sc_buf_putc(out, '\n');
	}
}

int sc_scib_tables_write(const char *cells_path, const char *labels_path, const sc_scib_result *r,
			 char *const *cells, const sc_labels *lab, const sc_labels *bat,
			 sc_err *err)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	int rc = 0;
	if (cells_path) {
		sc_scib_cells_csv(&b, r, cells, lab, bat);
		rc = sc_write_file_atomic(cells_path, b.s, b.len, 0644, err);
	}
	if (!rc && labels_path) {
		sc_buf_reset(&b);
		sc_scib_labels_csv(&b, r, lab);
		rc = sc_write_file_atomic(labels_path, b.s, b.len, 0644, err);
	}
	sc_buf_free(&b);
	return rc;
}
