/*
 * tasks/imputation/compare.c - imputation.compare: the per-gene scores of
 * every method of one setting and seed side by side, so that a report shows
 * how each method's genes are spread and not only their mean or median.
 *
 * Inputs: each evaluation step's per-gene scores (SC_IMP_GENE_SCORES_FILE
 * of imputation.spatial_eval or imputation.denoise_eval) as role
 * SC_IMP_COMPARE_ROLE "<i>"; params.methods[i] is its method's label.
 * The files are tables with a header: `gene`, then columns whose names
 * start with SC_IMP_SPARSITY_PREFIX (the gene's share of zeros), a p-value
 * column (ending in "_p", not plotted) and the scores.
 * Outputs: SC_IMP_COMPARE_FILE (tidy: gene, method, sparsity, scores) and
 * per score column a box plot per method and the score against sparsity
 * with a colour per method. Small: methods x genes values.
 */
#include "imputation.h"
#include "io/svg.h"
#include "util/buf.h"
#include "util/fs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One method's table: its column names and genes x columns values. */
typedef struct score_table {
	char **cols;
	size_t n_cols;
	char **genes;
	size_t n_genes;
	double *v; /* genes x n_cols, row-major; NaN where not a number */
} score_table;

static void table_free(score_table *t)
{
	for (size_t j = 0; j < t->n_cols; j++)
		free(t->cols[j]);
	for (size_t i = 0; i < t->n_genes; i++)
		free(t->genes[i]);
	free(t->cols);
	free(t->genes);
	free(t->v);
}

/* Split a tab-separated line in place; returns the number of fields. */
static size_t split_tabs(char *line, char **f, size_t max)
{
	size_t n = 0;
	for (char *p = line; n < max; n++) {
		f[n] = p;
		p = strchr(p, '\t');
		if (!p)
			return n + 1;
		*p++ = 0;
	}
	return n;
}

static int read_table(score_table *t, const char *path, const char *method, sc_err *err)
{
	sc_buf b;
	sc_buf_init(&b);
	int rc = sc_read_file(&b, path, err);
	char *f[64];
	size_t cap = 0;
	for (char *save = NULL, *line = rc ? NULL : strtok_r(b.s, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t n = split_tabs(line, f, 64);
		if (!t->cols) {
			if (n < 2 || strcmp(f[0], "gene")) {
				rc = sc_errf(err, SC_EINVAL, "the scores of '%s' have no 'gene' column", method);
				break;
			}
			t->n_cols = n - 1;
			t->cols = sc_xcalloc(n, sizeof(char *));
			for (size_t j = 1; j < n; j++)
				t->cols[j - 1] = sc_xstrdup(f[j]);
			continue;
		}
		if (n != t->n_cols + 1) {
			rc = sc_errf(err, SC_EINVAL, "the scores of '%s': gene '%s' has %zu fields, want %zu",
				     method, f[0], n, t->n_cols + 1);
			break;
		}
		if (t->n_genes == cap) {
			cap = cap ? 2 * cap : 256;
			t->genes = sc_xrealloc(t->genes, cap * sizeof(char *));
			t->v = sc_xrealloc(t->v, cap * t->n_cols * sizeof(double));
		}
		t->genes[t->n_genes] = sc_xstrdup(f[0]);
		for (size_t j = 0; j < t->n_cols; j++) {
			char *end;
			double x = strtod(f[j + 1], &end);
			t->v[t->n_genes * t->n_cols + j] = end == f[j + 1] ? NAN : x;
		}
		t->n_genes++;
	}
	if (!rc && !t->cols)
		rc = sc_errf(err, SC_EINVAL, "the scores of '%s' are empty", method);
	sc_buf_free(&b);
	return rc;
}

/* Every table has the first's columns and genes, in the same order. */
static int check_same(const score_table *t, size_t k, char *const *methods, sc_err *err)
{
	for (size_t a = 1; a < k; a++) {
		int same = t[a].n_cols == t[0].n_cols && t[a].n_genes == t[0].n_genes;
		for (size_t j = 0; same && j < t[0].n_cols; j++)
			same = !strcmp(t[a].cols[j], t[0].cols[j]);
		for (size_t i = 0; same && i < t[0].n_genes; i++)
			same = !strcmp(t[a].genes[i], t[0].genes[i]);
		if (!same)
			return sc_errf(err, SC_EINVAL,
				       "the per-gene scores of '%s' and '%s' are not of the same genes",
				       methods[0], methods[a]);
	}
	return 0;
}

static int is_sparsity(const char *col)
{
	return !strncmp(col, SC_IMP_SPARSITY_PREFIX, strlen(SC_IMP_SPARSITY_PREFIX));
}

static int is_score(const char *col)
{
	size_t n = strlen(col);
	return !is_sparsity(col) && !(n > 2 && !strcmp(col + n - 2, "_p"));
}

/* Column j of every method: v[a][i] (caller frees v[0] and v). */
static double **column(const score_table *t, size_t k, size_t j)
{
	size_t n = t[0].n_genes;
	double **v = sc_xmalloc(k * sizeof(double *));
	v[0] = sc_xmalloc((k * n > 0 ? k * n : 1) * sizeof(double));
	for (size_t a = 0; a < k; a++) {
		v[a] = v[0] + a * n;
		for (size_t i = 0; i < n; i++)
			v[a][i] = t[a].v[i * t[a].n_cols + j];
	}
	return v;
}

/* Score column j against the sparsity column sj, a colour per method. */
static int sparsity_figure(sc_step_ctx *c, const score_table *t, size_t k, char *const *methods,
			   size_t j, size_t sj)
{
	size_t n = t[0].n_genes;
	double lo = INFINITY, hi = -INFINITY;
	for (size_t a = 0; a < k; a++)
		for (size_t i = 0; i < n; i++) {
			double y = t[a].v[i * t[a].n_cols + j];
			if (isfinite(y)) {
				lo = y < lo ? y : lo;
				hi = y > hi ? y : hi;
			}
		}
	if (!(hi > lo))
		lo = isfinite(lo) ? lo - 0.5 : 0, hi = isfinite(hi) ? hi + 0.5 : 1;
	char *title = sc_xasprintf("%s per gene against its sparsity, by method", t[0].cols[j]);
	sc_svg *s = sc_svg_new(600, 420, title);
	free(title);
	sc_svg_panel p = sc_svg_panel_at(s, 0, 0, 600, 420);
	sc_svg_axes(s, &p, 0, 1, lo, hi, "sparsity (share of zeros)", t[0].cols[j]);
	for (size_t a = 0; a < k; a++) {
		for (size_t i = 0; i < n; i++)
			sc_svg_point(s, &p, t[a].v[i * t[a].n_cols + sj], t[a].v[i * t[a].n_cols + j],
				     2.5, sc_svg_category(a));
		sc_svg_legend(s, &p, a, methods[a], sc_svg_category(a));
	}
	char *name = sc_xasprintf("%s_vs_sparsity_by_method.svg", t[0].cols[j]);
	int rc = sc_step_write_svg(c, s, name);
	free(name);
	return rc;
}

static int figures(sc_step_ctx *c, const score_table *t, size_t k, char *const *methods)
{
	size_t sj = t[0].n_cols;
	for (size_t j = 0; j < t[0].n_cols && sj == t[0].n_cols; j++)
		if (is_sparsity(t[0].cols[j]))
			sj = j;
	int rc = 0;
	for (size_t j = 0; j < t[0].n_cols && !rc; j++) {
		if (!is_score(t[0].cols[j]))
			continue;
		double **v = column(t, k, j);
		char *title = sc_xasprintf("Per-gene %s by method (%zu genes)", t[0].cols[j], t[0].n_genes);
		char *file = sc_xasprintf("%s_by_method.svg", t[0].cols[j]);
		rc = sc_imp_box_figure(c, (const double *const *)v, methods, k, t[0].n_genes, title,
				       t[0].cols[j], file);
		free(title);
		free(file);
		free(v[0]);
		free(v);
		if (!rc && sj < t[0].n_cols)
			rc = sparsity_figure(c, t, k, methods, j, sj);
	}
	return rc;
}

static int write_tidy(sc_step_ctx *c, const score_table *t, size_t k, char *const *methods)
{
	sc_buf b;
	sc_buf_init(&b);
	sc_buf_puts(&b, "gene\tmethod");
	for (size_t j = 0; j < t[0].n_cols; j++)
		sc_buf_printf(&b, "\t%s", t[0].cols[j]);
	sc_buf_putc(&b, '\n');
	for (size_t a = 0; a < k; a++)
		for (size_t i = 0; i < t[a].n_genes; i++) {
			sc_buf_printf(&b, "%s\t%s", t[a].genes[i], methods[a]);
			for (size_t j = 0; j < t[a].n_cols; j++)
				sc_buf_printf(&b, "\t%.17g", t[a].v[i * t[a].n_cols + j]);
			sc_buf_putc(&b, '\n');
		}
	char *path = sc_step_out(c, SC_IMP_COMPARE_FILE);
	int rc = sc_write_file_atomic(path, b.s, b.len, 0644, c->err);
	free(path);
	sc_buf_free(&b);
	return rc;
}

static int imputation_compare(sc_step_ctx *c)
{
	const json_t *mv = json_object_get(c->params, "methods");
	size_t k = json_array_size(mv);
	if (!k)
		return sc_errf(c->err, SC_EINVAL, "imputation.compare: no methods");
	score_table *t = sc_xcalloc(k, sizeof(score_table));
	char **methods = sc_xcalloc(k, sizeof(char *));
	int rc = 0;
	for (size_t a = 0; a < k && !rc; a++) {
		char role[32];
		snprintf(role, sizeof(role), SC_IMP_COMPARE_ROLE "%zu", a);
		const char *path = sc_step_need(c, role);
		const char *m = json_string_value(json_array_get(mv, a));
		methods[a] = sc_xstrdup(m ? m : "?");
		rc = path ? read_table(&t[a], path, methods[a], c->err) : c->err->code;
	}
	if (!rc)
		rc = check_same(t, k, methods, c->err);
	if (!rc)
		rc = write_tidy(c, t, k, methods);
	if (!rc)
		rc = figures(c, t, k, methods);
	for (size_t a = 0; a < k; a++) {
		table_free(&t[a]);
		free(methods[a]);
	}
	free(t);
	free(methods);
	return rc;
}

const sc_step_kind sc_imputation_compare_kind = {
	.name = "imputation.compare",
	.version = "1",
	.run = imputation_compare,
	.summary = "every method's per-gene scores side by side (box plots, score vs sparsity)",
};
