/*
 * table.c - delimited-text readers for gene label tables and gene x feature
 * matrices (the gene-function task's inputs when they are files, not h5ad).
 *
 * Why: gene sets and model gene embeddings come as pandas-written CSV/TSV;
 * a bad line must stop the step with its file and line number, never be
 * guessed around. Workload: up to ~60k genes x a few thousand features (a
 * few hundred MB of text): the file is read whole and split in place.
 */
#include "io/table.h"
#include "util/buf.h"
#include "util/fs.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader {
	const char *path;
	char *s;
	size_t len, pos;
	size_t line; /* line number of the current record */
	char delim;
	char **f;
	size_t nf, cap;
} reader;

static int has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcasecmp(s + a - b, suf) == 0;
}

static int reader_open(reader *r, sc_buf *b, const char *path, sc_err *err)
{
	memset(r, 0, sizeof(*r));
	sc_buf_init(b);
	int rc = sc_read_file(b, path, err);
	if (rc)
		return rc;
	r->path = path;
	r->s = b->s;
	r->len = b->len;
	if (memchr(r->s, '\0', r->len))
		return sc_errf(err, SC_EINVAL, "%s: binary data (a NUL byte): not a text table", path);
	if (has_suffix(path, ".csv"))
		r->delim = ',';
	else if (has_suffix(path, ".tsv") || has_suffix(path, ".tab") || has_suffix(path, ".txt"))
		r->delim = '\t';
	else {
		const char *nl = memchr(r->s, '\n', r->len);
		size_t hl = nl ? (size_t)(nl - r->s) : r->len;
		r->delim = memchr(r->s, '\t', hl) ? '\t' : ',';
	}
	/* a UTF-8 byte-order mark is not part of the first column's name */
	if (r->len >= 3 && !memcmp(r->s, "\xef\xbb\xbf", 3))
		r->pos = 3;
	return 0;
}

static void push_field(reader *r, char *f)
{
	if (r->nf == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->f = sc_xrealloc(r->f, r->cap * sizeof(char *));
	}
	r->f[r->nf++] = f;
}

/* The next non-blank line split into fields (in place). 1: a record, 0: end. */
static int next_record(reader *r, sc_err *err)
{
	for (;;) {
		if (r->pos >= r->len)
			return 0;
		char *start = r->s + r->pos;
		char *nl = memchr(start, '\n', r->len - r->pos);
		char *end = nl ? nl : r->s + r->len;
		r->pos = (size_t)(end - r->s) + (nl ? 1 : 0);
		r->line++;
		if (end > start && end[-1] == '\r')
			end--;
		*end = '\0';
		if (end == start)
			continue; /* blank line */
		r->nf = 0;
		char *p = start;
		for (;;) {
			char *w = p, *field = p;
			if (*p == '"') {
				/* quoted: "" is a quote; unescape in place */
				p++;
				for (;;) {
					if (*p == '\0')
						return sc_errf(err, SC_EINVAL, "%s:%zu: unterminated quoted field",
							       r->path, r->line);
					if (*p == '"') {
						if (p[1] == '"') {
							*w++ = '"';
							p += 2;
							continue;
						}
						p++;
						break;
					}
					*w++ = *p++;
				}
				if (*p != r->delim && *p != '\0')
					return sc_errf(err, SC_EINVAL,
						       "%s:%zu: text after a closing quote in field %zu",
						       r->path, r->line, r->nf + 1);
			} else {
				while (*p != r->delim && *p != '\0')
					p++;
				w = p;
			}
			int last = *p == '\0';
			*w = '\0';
			push_field(r, field);
			if (last)
				break;
			p++;
		}
		return 1;
	}
}

/* pandas' default missing-value strings */
static int is_na(const char *s)
{
	static const char *na[] = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN",
				   "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN",
				   "None", "n/a", "nan", "null"};
	for (size_t i = 0; i < sizeof(na) / sizeof(na[0]); i++)
		if (!strcmp(s, na[i]))
			return 1;
	return 0;
}

static int find_col(const reader *r, const char *name, size_t *out, sc_err *err)
{
	size_t found = 0;
	for (size_t j = 0; j < r->nf; j++)
		if (!strcmp(r->f[j], name)) {
			if (found)
				return sc_errf(err, SC_EINVAL, "%s: column '%s' appears twice in the header",
					       r->path, name);
			*out = j;
			found = 1;
		}
	if (found)
		return 0;
	sc_buf b = SC_BUF_INIT;
	for (size_t j = 0; j < r->nf && b.len < 400; j++)
		sc_buf_printf(&b, "%s'%s'", j ? ", " : "", r->f[j]);
	int rc = sc_errf(err, SC_ENOTFOUND, "%s: no column '%s' (columns: %s)", r->path, name,
			 b.s ? b.s : "");
	sc_buf_free(&b);
	return rc;
}

/* ---- gene labels ---- */

void sc_gene_labels_free(sc_gene_labels *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++)
		free(g->ids[i]);
	for (size_t k = 0; k < g->ncat; k++)
		free(g->names[k]);
	free(g->ids);
	free(g->codes);
	free(g->names);
	memset(g, 0, sizeof(*g));
}

typedef struct idrow {
	const char *id;
	size_t pos; /* index in file order */
} idrow;

static int cmp_idrow(const void *a, const void *b)
{
	const idrow *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sc_table_read_labels(sc_gene_labels *out, const char *path, const char *id_col,
			 const char *label_col, sc_err *err)
{
	int rc;
	sc_buf b = SC_BUF_INIT;
	reader r;
	char **lab = NULL;   /* per kept row: its label (points into b) */
	size_t *lines = NULL; /* per kept row: its line */
	idrow *ix = NULL;
	size_t n = 0, cap = 0;
	memset(out, 0, sizeof(*out));
	if ((rc = reader_open(&r, &b, path, err)))
		goto out;
	if ((rc = next_record(&r, err)) <= 0) {
		rc = rc ? rc : sc_errf(err, SC_EINVAL, "%s: empty file, expected a header", path);
		goto out;
	}
	size_t ncol = r.nf, ci, cl;
	if ((rc = find_col(&r, id_col, &ci, err)) || (rc = find_col(&r, label_col, &cl, err)))
		goto out;
	char **ids = NULL;
	while ((rc = next_record(&r, err)) > 0) {
		if (r.nf != ncol) {
			rc = sc_errf(err, SC_EINVAL, "%s:%zu: expected %zu fields, got %zu", path, r.line,
				     ncol, r.nf);
			goto out_ids;
		}
		if (is_na(r.f[ci])) {
			rc = sc_errf(err, SC_EINVAL, "%s:%zu: missing gene id in column '%s'", path,
				     r.line, id_col);
			goto out_ids;
		}
		if (is_na(r.f[cl])) {
			out->nmissing++;
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			ids = sc_xrealloc(ids, cap * sizeof(char *));
			lab = sc_xrealloc(lab, cap * sizeof(char *));
			lines = sc_xrealloc(lines, cap * sizeof(size_t));
		}
		ids[n] = r.f[ci];
		lab[n] = r.f[cl];
		lines[n] = r.line;
		n++;
	}
	if (rc < 0)
		goto out_ids;
	rc = 0;
	if (n == 0) {
		rc = sc_errf(err, SC_EINVAL, "%s: no row has a label in column '%s'", path, label_col);
		goto out_ids;
	}
	/* duplicates: sort (id, position), compare neighbours */
	ix = sc_xmalloc((n ? n : 1) * sizeof(idrow));
	for (size_t i = 0; i < n; i++)
		ix[i] = (idrow){ids[i], i};
	qsort(ix, n, sizeof(idrow), cmp_idrow);
	unsigned char *drop = sc_xcalloc(n ? n : 1, 1);
	for (size_t s0 = 0, t; s0 < n; s0 = t) {
		/* a run of equal ids: the first in the file is kept */
		size_t keep = ix[s0].pos;
		for (t = s0 + 1; t < n && !strcmp(ix[t].id, ix[s0].id); t++) {
			size_t cur = ix[t].pos;
			if (strcmp(lab[keep], lab[cur])) {
				rc = sc_errf(err, SC_EINVAL,
					     "%s:%zu: gene '%s' labelled '%s' here and '%s' on line %zu",
					     path, lines[cur], ids[cur], lab[cur], lab[keep], lines[keep]);
				free(drop);
				goto out_ids;
			}
			drop[cur] = 1;
			out->nduplicates++;
		}
	}
	/* categories: sorted distinct labels */
	char **cats = sc_xmalloc((n ? n : 1) * sizeof(char *));
	size_t k = 0;
	memcpy(cats, lab, n * sizeof(char *));
	qsort(cats, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || strcmp(cats[i], cats[k - 1]))
			cats[k++] = cats[i];
	out->ncat = k;
	out->names = sc_xmalloc((k ? k : 1) * sizeof(char *));
	for (size_t c = 0; c < k; c++)
		out->names[c] = sc_xstrdup(cats[c]);
	out->ids = sc_xmalloc((n ? n : 1) * sizeof(char *));
	out->codes = sc_xmalloc((n ? n : 1) * sizeof(int32_t));
	for (size_t i = 0; i < n; i++) {
		if (drop[i])
			continue;
		char **p = bsearch(&lab[i], cats, k, sizeof(char *), cmp_str);
		out->ids[out->n] = sc_xstrdup(ids[i]);
		out->codes[out->n] = (int32_t)(p - cats);
		out->n++;
	}
	free(cats);
	free(drop);
out_ids:
	free(ids);
out:
	free(lab);
	free(lines);
	free(ix);
	free(r.f);
	sc_buf_free(&b);
	if (rc)
		sc_gene_labels_free(out);
	return rc;
}

void sc_gene_labels_align(int32_t *codes, size_t *out_matched, const sc_gene_labels *g,
			  char *const *ids, size_t n)
{
	idrow *ix = sc_xmalloc((g->n ? g->n : 1) * sizeof(idrow));
	for (size_t i = 0; i < g->n; i++)
		ix[i] = (idrow){g->ids[i], i};
	qsort(ix, g->n, sizeof(idrow), cmp_idrow);
	size_t matched = 0;
	for (size_t i = 0; i < n; i++) {
		size_t lo = 0, hi = g->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(ix[mid].id, ids[i]) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < g->n && !strcmp(ix[lo].id, ids[i])) {
			codes[i] = g->codes[ix[lo].pos];
			matched++;
		} else {
			codes[i] = -1;
		}
	}
	free(ix);
	if (out_matched)
		*out_matched = matched;
}

/* ---- matrices ---- */

void sc_named_matrix_free(sc_named_matrix *m)
{
	if (!m)
		return;
	for (size_t i = 0; m->row_ids && i < m->x.rows; i++)
		free(m->row_ids[i]);
	for (size_t j = 0; m->col_names && j < m->x.cols; j++)
		free(m->col_names[j]);
	free(m->row_ids);
	free(m->col_names);
	sc_dmat_free(&m->x);
	memset(m, 0, sizeof(*m));
}

int sc_table_read_matrix(sc_named_matrix *out, const char *path, sc_err *err)
{
	int rc;
	sc_buf b = SC_BUF_INIT;
	reader r;
	char **hdr = NULL, **rid = NULL;
	double *v = NULL;
	size_t nh = 0, n = 0, cap = 0, ncol = 0, hline = 0;
	idrow *ix = NULL;
	memset(out, 0, sizeof(*out));
	if ((rc = reader_open(&r, &b, path, err)))
		goto out;
	if ((rc = next_record(&r, err)) <= 0) {
		rc = rc ? rc : sc_errf(err, SC_EINVAL, "%s: empty file, expected a header", path);
		goto out;
	}
	nh = r.nf;
	hline = r.line;
	hdr = sc_xmalloc(nh * sizeof(char *));
	memcpy(hdr, r.f, nh * sizeof(char *));
	while ((rc = next_record(&r, err)) > 0) {
		if (n == 0) {
			/* the first data line fixes the width: header as long (its first
			 * field names the id column) or one short (values only) */
			if (r.nf != nh && r.nf != nh + 1) {
				rc = sc_errf(err, SC_EINVAL,
					     "%s:%zu: expected %zu fields (an id and %zu values, as the "
					     "header on line %zu), got %zu",
					     path, r.line, nh, nh - 1, hline, r.nf);
				goto out;
			}
			ncol = r.nf - 1;
			if (ncol == 0) {
				rc = sc_errf(err, SC_EINVAL, "%s:%zu: no value columns", path, r.line);
				goto out;
			}
		} else if (r.nf != ncol + 1) {
			rc = sc_errf(err, SC_EINVAL, "%s:%zu: expected %zu fields, got %zu", path, r.line,
				     ncol + 1, r.nf);
			goto out;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			rid = sc_xrealloc(rid, cap * sizeof(char *));
			v = sc_xrealloc(v, sc_mulsz(cap, ncol * sizeof(double)));
		}
		if (is_na(r.f[0])) {
			rc = sc_errf(err, SC_EINVAL, "%s:%zu: missing row id", path, r.line);
			goto out;
		}
		rid[n] = r.f[0];
		for (size_t j = 0; j < ncol; j++) {
			const char *f = r.f[j + 1];
			char *e;
			if (is_na(f)) {
				v[n * ncol + j] = NAN;
				out->nnan++;
				continue;
			}
			errno = 0;
			double x = strtod(f, &e);
			if (e == f || *e != '\0') {
				rc = sc_errf(err, SC_EINVAL, "%s:%zu: field %zu ('%.40s') is not a number",
					     path, r.line, j + 2, f);
				goto out;
			}
			v[n * ncol + j] = x; /* overflow gives +-inf, underflow 0: as pandas */
		}
		n++;
	}
	if (rc < 0)
		goto out;
	rc = 0;
	if (n == 0) {
		rc = sc_errf(err, SC_EINVAL, "%s: no data rows after the header", path);
		goto out;
	}
	ix = sc_xmalloc(n * sizeof(idrow));
	for (size_t i = 0; i < n; i++)
		ix[i] = (idrow){rid[i], i};
	qsort(ix, n, sizeof(idrow), cmp_idrow);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(ix[i].id, ix[i - 1].id)) {
			rc = sc_errf(err, SC_EINVAL, "%s: row id '%s' appears twice (data rows %zu and %zu)",
				     path, ix[i].id, ix[i - 1].pos + 1, ix[i].pos + 1);
			goto out;
		}
	out->x.rows = n;
	out->x.cols = ncol;
	out->x.v = v;
	v = NULL;
	out->row_ids = sc_xmalloc(n * sizeof(char *));
	for (size_t i = 0; i < n; i++)
		out->row_ids[i] = sc_xstrdup(rid[i]);
	out->col_names = sc_xmalloc(ncol * sizeof(char *));
	for (size_t j = 0; j < ncol; j++)
		out->col_names[j] = sc_xstrdup(hdr[nh == ncol ? j : j + 1]);
out:
	free(hdr);
	free(rid);
	free(v);
	free(ix);
	free(r.f);
	sc_buf_free(&b);
	if (rc)
		sc_named_matrix_free(out);
	return rc;
}
