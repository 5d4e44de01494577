/*
 * tasks/grn/genesets.c - reading and matching gene sets (see genesets.h).
 * Workload: the Enrichr GO BP library, 6,036 sets and about 1.5 MB, read
 * once per enrichment step; matching is one sorted lookup per member.
 */
#include "genesets.h"
#include "io/table.h"
#include "tasks/rep.h"
#include "util/buf.h"
#include "util/fs.h"

#include <stdlib.h>
#include <string.h>

void sc_grn_genesets_free(sc_grn_genesets *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++) {
		free(g->names[i]);
		free(g->descs[i]);
	}
	size_t ng = g->off ? g->off[g->n] : 0;
	for (size_t i = 0; i < ng; i++)
		free(g->genes[i]);
	free(g->names);
	free(g->descs);
	free(g->off);
	free(g->genes);
	memset(g, 0, sizeof(*g));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is the first line a table header naming both columns? */
static int is_table(const char *text, const char *id_col, const char *set_col)
{
	if (!id_col || !set_col)
		return 0;
	const char *eol = strchr(text, '\n');
	size_t len = eol ? (size_t)(eol - text) : strlen(text);
	char *line = sc_xstrndup(text, len);
	int has_id = 0, has_set = 0;
	for (char *save = NULL, *f = strtok_r(line, "\t,\r", &save); f; f = strtok_r(NULL, "\t,\r", &save)) {
		if (*f == '"' && strlen(f) >= 2 && f[strlen(f) - 1] == '"') {
			f[strlen(f) - 1] = 0;
			f++;
		}
		has_id |= !strcmp(f, id_col);
		has_set |= !strcmp(f, set_col);
	}
	free(line);
	return has_id && has_set;
}

typedef struct {
	size_t n, cap, ngenes, gcap;
} grow;

static void add_set(sc_grn_genesets *g, grow *gr, char *name, char *desc)
{
	if (g->n == gr->cap) {
		gr->cap = gr->cap ? 2 * gr->cap : 64;
		g->names = sc_xrealloc(g->names, gr->cap * sizeof(char *));
		g->descs = sc_xrealloc(g->descs, gr->cap * sizeof(char *));
		g->off = sc_xrealloc(g->off, (gr->cap + 1) * sizeof(size_t));
	}
	g->names[g->n] = name;
	g->descs[g->n] = desc;
	g->off[g->n] = gr->ngenes;
	g->n++;
	g->off[g->n] = gr->ngenes;
}

static void add_gene(sc_grn_genesets *g, grow *gr, const char *gene, size_t len)
{
	if (gr->ngenes == gr->gcap) {
		gr->gcap = gr->gcap ? 2 * gr->gcap : 1024;
		g->genes = sc_xrealloc(g->genes, gr->gcap * sizeof(char *));
	}
	g->genes[gr->ngenes++] = sc_xstrndup(gene, len);
	g->off[g->n] = gr->ngenes;
}

/* Sort each set's members and drop repeats (a GMT may list a gene twice). */
static void dedupe_members(sc_grn_genesets *g)
{
	size_t w = 0;
	for (size_t s = 0; s < g->n; s++) {
		size_t a = g->off[s], b = g->off[s + 1];
		qsort(g->genes + a, b - a, sizeof(char *), cmp_str);
		g->off[s] = w;
		for (size_t i = a; i < b; i++) {
			if (w > g->off[s] && !strcmp(g->genes[w - 1], g->genes[i])) {
				free(g->genes[i]);
				continue;
			}
			g->genes[w++] = g->genes[i];
		}
	}
	g->off[g->n] = w;
}

static int read_gmt(sc_grn_genesets *g, const char *text, const char *name, sc_err *err)
{
	grow gr = { 0 };
	size_t lineno = 0;
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		lineno++;
		if (len && p[len - 1] == '\r')
			len--;
		const char *next = eol ? eol + 1 : p + strlen(p);
		if (!len || *p == '#') { /* '#' opens a comment: no set name starts so */
			p = next;
			continue;
		}
		const char *t1 = memchr(p, '\t', len);
		const char *t2 = t1 ? memchr(t1 + 1, '\t', len - (size_t)(t1 + 1 - p)) : NULL;
		if (!t1 || t1 == p)
			return sc_errf(err, SC_EINVAL,
				       "%s:%zu: not a GMT line (name, description, genes, tab separated)",
				       name, lineno);
		add_set(g, &gr, sc_xstrndup(p, (size_t)(t1 - p)),
			t2 ? sc_xstrndup(t1 + 1, (size_t)(t2 - t1 - 1)) : sc_xstrdup(""));
		for (const char *f = t2 ? t2 + 1 : p + len; f < p + len;) {
			const char *e = memchr(f, '\t', (size_t)(p + len - f));
			if (!e)
				e = p + len;
			if (e > f)
				add_gene(g, &gr, f, (size_t)(e - f));
			f = e + 1;
		}
		if (g->off[g->n] == g->off[g->n - 1])
			return sc_errf(err, SC_EINVAL, "%s:%zu: gene set '%s' lists no genes", name,
				       lineno, g->names[g->n - 1]);
		p = next;
	}
	return 0;
}

static int read_table(sc_grn_genesets *g, const char *path, const char *id_col,
		      const char *set_col, sc_err *err)
{
	sc_gene_labels l;
	int rc = sc_table_read_labels(&l, path, id_col, set_col, err);
	if (rc)
		return rc;
	grow gr = { 0 };
	for (size_t k = 0; k < l.ncat; k++) {
		add_set(g, &gr, sc_xstrdup(l.names[k]), sc_xstrdup(""));
		for (size_t i = 0; i < l.n; i++)
			if (l.codes[i] == (int32_t)k)
				add_gene(g, &gr, l.ids[i], strlen(l.ids[i]));
	}
	sc_gene_labels_free(&l);
	return 0;
}

int sc_grn_genesets_read(sc_grn_genesets *out, const char *path, const char *id_col,
			 const char *set_col, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	sc_buf b;
	sc_buf_init(&b);
	int rc = sc_read_file(&b, path, err);
	if (rc)
		goto out;
	const char *name = sc_path_basename(path);
	if (b.len != strlen(b.s)) {
		rc = sc_errf(err, SC_EINVAL, "%s: gene sets contain a NUL byte: not a GMT file or table", name);
		goto out;
	}
	rc = is_table(b.s, id_col, set_col) ? read_table(out, path, id_col, set_col, err)
					     : read_gmt(out, b.s, name, err);
	if (rc)
		goto out;
	if (!out->n) {
		rc = sc_errf(err, SC_EINVAL, "%s: no gene set", name);
		goto out;
	}
	dedupe_members(out);
	/* Set names are how results name a set: they must be unique. */
	char **sorted = sc_xmalloc(out->n * sizeof(char *));
	memcpy(sorted, out->names, out->n * sizeof(char *));
	qsort(sorted, out->n, sizeof(char *), cmp_str);
	for (size_t i = 1; i < out->n && !rc; i++)
		if (!strcmp(sorted[i - 1], sorted[i]))
			rc = sc_errf(err, SC_EINVAL, "%s: gene set '%s' is listed twice", name, sorted[i]);
	free(sorted);
out:
	if (rc)
		sc_grn_genesets_free(out);
	sc_buf_free(&b);
	return rc;
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return x < y ? -1 : x > y;
}

void sc_grn_genesets_match(size_t **set_off, int32_t **set_genes, sc_grn_match_counts *counts,
			   const sc_grn_genesets *g, char *const *ids, char *const *alt, size_t n)
{
	size_t total = g->off[g->n];
	int32_t *by_id = sc_xmalloc((total ? total : 1) * sizeof(int32_t));
	int32_t *by_alt = sc_xmalloc((total ? total : 1) * sizeof(int32_t));
	sc_rep_match_names(by_id, g->genes, total, ids, n);
	if (alt)
		sc_rep_match_names(by_alt, g->genes, total, alt, n);
	memset(counts, 0, sizeof(*counts));
	size_t *off = sc_xmalloc((g->n + 1) * sizeof(size_t));
	int32_t *out = sc_xmalloc((total ? total : 1) * sizeof(int32_t));
	size_t w = 0;
	for (size_t s = 0; s < g->n; s++) {
		off[s] = w;
		for (size_t i = g->off[s]; i < g->off[s + 1]; i++) {
			int32_t j = by_id[i];
			if (j >= 0)
				counts->by_id++;
			else if (alt && (j = by_alt[i]) >= 0)
				counts->by_symbol++;
			else
				counts->unmatched++;
			if (j >= 0)
				out[w++] = j;
		}
		qsort(out + off[s], w - off[s], sizeof(int32_t), cmp_i32);
		size_t u = off[s];
		for (size_t i = off[s]; i < w; i++)
			if (i == off[s] || out[i] != out[u - 1])
				out[u++] = out[i];
		w = u;
	}
	off[g->n] = w;
	free(by_id);
	free(by_alt);
	*set_off = off;
	*set_genes = out;
}
