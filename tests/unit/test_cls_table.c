/*
 * test_cls_table.c - the gene label and gene x feature readers: quoting,
 * CRLF, blank lines, NA strings, duplicates, R-style headers, line-numbered
 * errors for malformed input, and agreement with pandas' read_csv
 * (tests/oracle/cls_table.py) on these files and on the real cell-cycle
 * gene table.
 */
#include "tests/unit/unit.h"
#include "tests/unit/cls_oracle.h"

#include "io/table.h"

#include <sys/stat.h>

static char dir[4096];

static const char *put(const char *name, const char *text)
{
	static char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	fputs(text, f);
	fclose(f);
	return path;
}

static int fails_with(int rc, const sc_err *e, const char *want)
{
	int ok = rc != 0 && strstr(e->msg, want) != NULL;
	if (!ok)
		printf("#   rc %d, message '%s', want '%s'\n", rc, e->msg, want);
	return ok;
}

static const char labels_tsv[] =
	"gene\tset\tnote\r\n"
	"A1\tcycle\tx\r\n"
	"\r\n"
	"B2\tribo\t\"quoted\ttab\"\r\n"
	"C3\tNA\ty\r\n"
	"A1\tcycle\tdup\r\n"
	"D4\t\"cy\"\"cle\"\tz\r\n"
	"E5\tribo\t\r\n";

static const char matrix_csv[] =
	",\"f,1\",f2,f3\n"
	"g1,1.5,-2e-3,NA\n"
	"g2,0,1e300,7\n"
	"\"g,3\",-0.25,nan,3\n";

int main(void)
{
	snprintf(dir, sizeof(dir), "%s/sceval-table.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		OK(0, "temp dir");
		return 0;
	}
	sc_err err = {0};
	sc_gene_labels g;
	const char *p = put("labels.tsv", labels_tsv);
	int rc = sc_table_read_labels(&g, p, "gene", "set", &err);
	OK(rc == 0, "label table reads: %s", rc ? err.msg : "");
	if (rc == 0) {
		OK(g.n == 4 && !strcmp(g.ids[0], "A1") && !strcmp(g.ids[1], "B2") &&
			   !strcmp(g.ids[2], "D4") && !strcmp(g.ids[3], "E5"),
		   "genes in file order, NA label skipped, repeat merged");
		OK(g.nmissing == 1 && g.nduplicates == 1, "one missing label, one duplicate counted");
		OK(g.ncat == 3 && !strcmp(g.names[0], "cy\"cle") && !strcmp(g.names[1], "cycle") &&
			   !strcmp(g.names[2], "ribo"),
		   "labels sorted, quotes unescaped");
		OK(g.codes[0] == 1 && g.codes[1] == 2 && g.codes[2] == 0 && g.codes[3] == 2,
		   "codes index the sorted labels");
		char *want[] = {"E5", "zz", "A1", "D4"};
		int32_t codes[4];
		size_t matched;
		sc_gene_labels_align(codes, &matched, &g, want, 4);
		OK(matched == 3 && codes[0] == 2 && codes[1] == -1 && codes[2] == 1 && codes[3] == 0,
		   "align ids to labels, -1 for unknown ids");
		sc_gene_labels_free(&g);
		sc_gene_labels_free(&g);
	}

	/* malformed label tables */
	p = put("short.tsv", "gene\tset\tnote\nA\tx\ty\nB\tz\n");
	OK(fails_with(sc_table_read_labels(&g, p, "gene", "set", &err), &err,
		      "short.tsv:3: expected 3 fields, got 2"),
	   "short line: %s", err.msg);
	p = put("nocol.tsv", "gene\tset\nA\tx\n");
	rc = sc_table_read_labels(&g, p, "gene", "phase", &err);
	OK(rc == SC_ENOTFOUND && strstr(err.msg, "no column 'phase'") && strstr(err.msg, "'set'"),
	   "missing column named with the columns there: %s", err.msg);
	p = put("conflict.csv", "id,lab\nA,x\nB,y\nA,z\n");
	OK(fails_with(sc_table_read_labels(&g, p, "id", "lab", &err), &err,
		      "conflict.csv:4: gene 'A' labelled 'z' here and 'x' on line 2"),
	   "conflicting labels: %s", err.msg);
	p = put("quote.csv", "id,lab\nA,\"x\nB,y\n");
	OK(fails_with(sc_table_read_labels(&g, p, "id", "lab", &err), &err, "quote.csv:2: unterminated"),
	   "unterminated quote: %s", err.msg);
	p = put("empty.tsv", "");
	OK(fails_with(sc_table_read_labels(&g, p, "id", "lab", &err), &err, "empty file"),
	   "empty file: %s", err.msg);
	p = put("twice.csv", "id,lab,lab\nA,x,y\n");
	OK(fails_with(sc_table_read_labels(&g, p, "id", "lab", &err), &err, "appears twice"),
	   "ambiguous column: %s", err.msg);
	OK(sc_table_read_labels(&g, "/nonexistent/x.tsv", "a", "b", &err) == SC_ENOTFOUND,
	   "missing file: %s", err.msg);

	/* matrices */
	sc_named_matrix m;
	const char *mp = put("matrix.csv", matrix_csv);
	rc = sc_table_read_matrix(&m, mp, &err);
	OK(rc == 0, "matrix reads: %s", rc ? err.msg : "");
	if (rc == 0) {
		OK(m.x.rows == 3 && m.x.cols == 3 && !strcmp(m.col_names[0], "f,1") &&
			   !strcmp(m.row_ids[2], "g,3"),
		   "3 x 3, quoted names");
		OK(SC_AT(&m.x, 0, 1) == -2e-3 && SC_AT(&m.x, 1, 1) == 1e300 && isnan(SC_AT(&m.x, 0, 2)) &&
			   m.nnan == 2,
		   "numbers parsed, NA strings as NaN (counted)");
		sc_named_matrix_free(&m);
	}
	const char *rp = put("rstyle.tsv", "f1\tf2\ng1\t1\t2\ng2\t3\t4\n");
	rc = sc_table_read_matrix(&m, rp, &err);
	OK(rc == 0 && m.x.cols == 2 && !strcmp(m.col_names[0], "f1") && SC_AT(&m.x, 1, 0) == 3,
	   "R-style header (one field short) names the value columns");
	sc_named_matrix_free(&m);
	p = put("nan.csv", ",a,b\ng1,1,x2\n");
	OK(fails_with(sc_table_read_matrix(&m, p, &err), &err,
		      "nan.csv:2: field 3 ('x2') is not a number"),
	   "non-number: %s", err.msg);
	p = put("dup.csv", ",a\ng1,1\ng2,2\ng1,3\n");
	OK(fails_with(sc_table_read_matrix(&m, p, &err), &err, "row id 'g1' appears twice"),
	   "duplicate row id: %s", err.msg);
	p = put("width.csv", ",a,b\ng1,1,2\ng2,3\n");
	OK(fails_with(sc_table_read_matrix(&m, p, &err), &err, "width.csv:3: expected 3 fields, got 2"),
	   "ragged row: %s", err.msg);
	p = put("hdronly.csv", ",a,b\n");
	OK(fails_with(sc_table_read_matrix(&m, p, &err), &err, "no data rows"), "header only: %s",
	   err.msg);
	{
		char bp[4200];
		snprintf(bp, sizeof(bp), "%s/bin.csv", dir);
		FILE *bf = fopen(bp, "wb");
		fwrite("a,b\n\001\000x\n", 1, 8, bf);
		fclose(bf);
		OK(fails_with(sc_table_read_matrix(&m, bp, &err), &err, "binary data"),
		   "binary file: %s", err.msg);
	}

	/* against pandas */
	const char *cc = unit_datafile("genesets/cell_cycle_genes_homo_sapiens.tsv");
	if (!cls_have_sklearn()) {
		SKIP("table oracle: %s lacks pandas/sklearn", unit_python());
	} else {
		char *in = cls_tmpfile("table-in"), *outp = cls_tmpfile("table-out");
		char ccpath[4096] = "";
		if (cc)
			snprintf(ccpath, sizeof(ccpath), "%s", cc);
		FILE *f = fopen(in, "w");
		fprintf(f, "labels lab %s/labels.tsv gene set\nmatrix mat %s\n", dir, mp);
		if (cc)
			fprintf(f, "labels cc %s gene_name phase\nlabels ccid %s gene_id phase\n", ccpath,
				ccpath);
		fclose(f);
		rc = cls_run_oracle("cls_table.py", in, outp, NULL);
		OK(rc == 0, "pandas oracle ran");
		cls_expect e;
		if (rc == 0 && cls_expect_load(&e, outp) == 0) {
			struct {
				const char *id, *path, *idc;
			} lc[] = {{"lab", NULL, "gene"}, {"cc", ccpath, "gene_name"}, {"ccid", ccpath, "gene_id"}};
			char lpath[4200];
			snprintf(lpath, sizeof(lpath), "%s/labels.tsv", dir);
			lc[0].path = lpath;
			for (int t = 0; t < (cc ? 3 : 1); t++) {
				if (sc_table_read_labels(&g, lc[t].path, lc[t].idc, t ? "phase" : "set", &err)) {
					OK(0, "%s: %s", lc[t].id, err.msg);
					continue;
				}
				int same = (double)g.n == cls_expect_get(&e, lc[t].id, "n") &&
					   (double)g.ncat == cls_expect_get(&e, lc[t].id, "ncat");
				char nm[300];
				for (size_t i = 0; i < g.n; i++) {
					snprintf(nm, sizeof(nm), "code.%s", g.ids[i]);
					same &= (double)g.codes[i] == cls_expect_get(&e, lc[t].id, nm);
				}
				OK(same, "%s: %zu genes, %zu labels, codes as pandas + LabelEncoder", lc[t].id, g.n,
				   g.ncat);
				if (t == 1)
					OK(g.n == 97 && g.ncat == 2 && !strcmp(g.names[0], "G2/M") &&
						   !strcmp(g.names[1], "S"),
					   "cell-cycle table: 97 genes, G2/M and S");
				sc_gene_labels_free(&g);
			}
			if (sc_table_read_matrix(&m, mp, &err) == 0) {
				int same = (double)m.x.rows == cls_expect_get(&e, "mat", "rows") &&
					   (double)m.x.cols == cls_expect_get(&e, "mat", "cols");
				char nm[64];
				for (size_t i = 0; i < m.x.rows; i++)
					for (size_t j = 0; j < m.x.cols; j++) {
						snprintf(nm, sizeof(nm), "v.%zu.%zu", i, j);
						double w = cls_expect_get(&e, "mat", nm), v = SC_AT(&m.x, i, j);
						same &= (isnan(w) && isnan(v)) || w == v;
					}
				OK(same, "matrix values equal pandas' read_csv(index_col=0)");
				sc_named_matrix_free(&m);
			}
			cls_expect_free(&e);
		}
		unlink(in), unlink(outp), free(in), free(outp);
	}
	if (!cc)
		SKIP("cell-cycle gene table not available");
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return unit_done();
}
