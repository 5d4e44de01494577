/*
 * fuzz_table.c - the delimited-text readers of io/table.c: gene
 * label tables and gene x feature matrices (CSV/TSV as pandas and R write
 * them: quotes, CRLF, byte-order marks, NA strings).
 *
 * Input: the first byte chooses the reader (bit 0: labels or matrix) and
 * the file's suffix (.csv, .tsv, .txt or none, which decides the
 * delimiter); the rest is the file. Labels are read from the columns
 * "gene" and "label".
 *
 * Invariants: a failure has a message; labels come with sorted distinct
 * names, codes in range, distinct ids, and align back onto their own ids;
 * a matrix has distinct row ids and rows x cols values.
 */
#include "fuzz.h"
#include "io/table.h"

static void check_labels(const sc_gene_labels *g)
{
	if (!g->n || !g->ncat || g->ncat > g->n)
		fuzz_fail("labels: %zu genes, %zu categories", g->n, g->ncat);
	for (size_t c = 1; c < g->ncat; c++)
		if (strcmp(g->names[c - 1], g->names[c]) >= 0)
			fuzz_fail("labels: categories not sorted and distinct");
	for (size_t i = 0; i < g->n; i++)
		if (g->codes[i] < 0 || (size_t)g->codes[i] >= g->ncat)
			fuzz_fail("labels: code %d out of range", g->codes[i]);
	int32_t *codes = sc_xmalloc(g->n * sizeof(int32_t));
	size_t matched = 0;
	sc_gene_labels_align(codes, &matched, g, g->ids, g->n);
	if (matched != g->n)
		fuzz_fail("labels: %zu of %zu ids align onto themselves", matched, g->n);
	for (size_t i = 0; i < g->n; i++)
		if (codes[i] != g->codes[i])
			fuzz_fail("labels: id %zu aligns to another code (a repeated id?)", i);
	free(codes);
}

static void check_matrix(const sc_named_matrix *m)
{
	if (!m->x.rows || !m->x.cols || !m->x.v)
		fuzz_fail("matrix: %zu x %zu", m->x.rows, m->x.cols);
	for (size_t i = 0; i < m->x.rows; i++)
		if (!m->row_ids[i])
			fuzz_fail("matrix: row %zu without an id", i);
	for (size_t j = 0; j < m->x.cols; j++)
		if (!m->col_names[j])
			fuzz_fail("matrix: column %zu without a name", j);
	size_t nan = 0;
	for (size_t i = 0; i < m->x.rows * m->x.cols; i++)
		nan += m->x.v[i] != m->x.v[i];
	if (nan < m->nnan)
		fuzz_fail("matrix: %zu NaN values but %zu NA strings", nan, m->nnan);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const char *const names[] = { "t.csv", "t.tsv", "t.txt", "table" };
	int labels = data[0] & 1;
	char *p = fuzz_write(names[(data[0] >> 1) & 3], data + 1, size - 1);
	sc_err err;
	memset(&err, 0, sizeof(err));
	int rc;
	if (labels) {
		sc_gene_labels g;
		rc = sc_table_read_labels(&g, p, "gene", "label", &err);
		if (rc)
			fuzz_check_err(rc, &err, "sc_table_read_labels");
		else
			check_labels(&g);
		sc_gene_labels_free(&g);
	} else {
		sc_named_matrix m;
		rc = sc_table_read_matrix(&m, p, &err);
		if (rc)
			fuzz_check_err(rc, &err, "sc_table_read_matrix");
		else
			check_matrix(&m);
		sc_named_matrix_free(&m);
	}
	free(p);
	return 0;
}
