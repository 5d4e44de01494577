/*
 * tasks/grn/orgdb.c - GO gene sets from org.*.db and GO.db SQLite files
 * (see orgdb.h). Workload: org.Hs.eg.db's go_bp_all, 2.3 million
 * (gene, term, evidence) rows over 60,000 genes and 12,000 terms, read in
 * one scan each and joined here by sorting: a few seconds, ~100 MB.
 */
#include "orgdb.h"
#include "util/fs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const sc_grn_orgdb_id_types[] = { "symbol", "entrez", "ensembl", NULL };

/* A gene's id of the chosen type (one gene may have several Ensembl ids). */
typedef struct {
	int64_t gene;
	char *id;
} gene_id;

/* One annotation: a GO term's number (GO:0008150 -> 8150) and a gene. */
typedef struct {
	int32_t go;
	int64_t gene;
} annot;

typedef struct {
	int32_t go;
	char *name;
} term;

typedef struct {
	gene_id *ids;
	size_t n_ids, cap_ids;
	annot *an;
	size_t n_an, cap_an;
	term *terms;
	size_t n_terms, cap_terms;
	const char *file; /* for messages */
} tables;

static void *grow(void *p, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return p;
	*cap = *cap ? 2 * *cap : 4096;
	return sc_xrealloc(p, *cap * elem);
}

static int parse_int64(const char *s, int64_t *out)
{
	if (!s || !*s)
		return -1;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*end)
		return -1;
	*out = v;
	return 0;
}

/* "GO:" and seven digits. */
static int parse_go(const char *s, int32_t *out)
{
	if (!s || strncmp(s, "GO:", 3) || strlen(s) != 10)
		return -1;
	int32_t v = 0;
	for (const char *p = s + 3; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	*out = v;
	return 0;
}

static int on_id(void *arg, const char *const *v, sc_err *err)
{
	tables *t = arg;
	int64_t g;
	if (parse_int64(v[0], &g))
		return sc_errf(err, SC_ECORRUPT, "'%s': gene key '%s' is not an integer", t->file,
			       v[0] ? v[0] : "NULL");
	if (!v[1] || !*v[1])
		return 0;
	t->ids = grow(t->ids, &t->cap_ids, t->n_ids, sizeof(*t->ids));
	t->ids[t->n_ids++] = (gene_id){ g, sc_xstrdup(v[1]) };
	return 0;
}

static int on_annot(void *arg, const char *const *v, sc_err *err)
{
	tables *t = arg;
	annot a;
	if (parse_int64(v[0], &a.gene))
		return sc_errf(err, SC_ECORRUPT, "'%s': gene key '%s' is not an integer", t->file,
			       v[0] ? v[0] : "NULL");
	if (parse_go(v[1], &a.go))
		return sc_errf(err, SC_ECORRUPT, "'%s': '%s' is not a GO id (GO:nnnnnnn)", t->file,
			       v[1] ? v[1] : "NULL");
	t->an = grow(t->an, &t->cap_an, t->n_an, sizeof(*t->an));
	t->an[t->n_an++] = a;
	return 0;
}

static int on_term(void *arg, const char *const *v, sc_err *err)
{
	tables *t = arg;
	(void)err;
	int32_t go;
	if (parse_go(v[0], &go))
		return 0; /* GO.db's root of the three ontologies, 'all' */
	t->terms = grow(t->terms, &t->cap_terms, t->n_terms, sizeof(*t->terms));
	/* A name is one GMT field: no tab or line break in it. */
	char *name = sc_xstrdup(v[1] ? v[1] : "");
	for (char *p = name; *p; p++)
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*p = ' ';
	t->terms[t->n_terms++] = (term){ go, name };
	return 0;
}

/* The metadata rows this import reports, by name. */
typedef struct {
	const char *const *names;
	char **values;
} meta;

static int on_meta(void *arg, const char *const *v, sc_err *err)
{
	(void)err;
	meta *m = arg;
	for (size_t i = 0; m->names[i]; i++)
		if (v[0] && !strcmp(v[0], m->names[i]) && !m->values[i])
			m->values[i] = sc_xstrdup(v[1] ? v[1] : "");
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	const gene_id *x = a, *y = b;
	if (x->gene != y->gene)
		return x->gene < y->gene ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int cmp_annot(const void *a, const void *b)
{
	const annot *x = a, *y = b;
	if (x->go != y->go)
		return x->go < y->go ? -1 : 1;
	return x->gene < y->gene ? -1 : x->gene > y->gene;
}

static int cmp_term(const void *a, const void *b)
{
	const term *x = a, *y = b;
	return x->go < y->go ? -1 : x->go > y->go;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first id of gene g (ids sorted by gene), or n_ids. */
static size_t first_id(const tables *t, int64_t g)
{
	size_t lo = 0, hi = t->n_ids;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->ids[mid].gene < g)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const char *term_name(const tables *t, int32_t go)
{
	term key = { go, NULL };
	const term *hit = bsearch(&key, t->terms, t->n_terms, sizeof(term), cmp_term);
	return hit ? hit->name : NULL;
}

/* The id table and its columns for an id type. */
static void id_source(const char *ids, const char **table, const char *cols[2])
{
	cols[0] = "_id";
	if (!strcmp(ids, "entrez")) {
		*table = "genes";
		cols[1] = "gene_id";
	} else if (!strcmp(ids, "ensembl")) {
		*table = "ensembl";
		cols[1] = "ensembl_id";
	} else {
		*table = "gene_info";
		cols[1] = "symbol";
	}
}

static int read_orgdb(tables *t, meta *m, const sc_grn_orgdb_opts *o, sc_err *err)
{
	const sc_grn_db_reader *r = &o->orgdb;
	t->file = r->name;
	char annot_table[32];
	snprintf(annot_table, sizeof(annot_table), "go_%c%c_all", o->ontology[0] | 0x20,
		 o->ontology[1] | 0x20);
	const char *acols[] = { "_id", "go_id" }, *mcols[] = { "name", "value" }, *icols[2], *itable;
	id_source(o->ids, &itable, icols);
	int rc = r->scan(r->db, "metadata", mcols, 2, on_meta, m, err);
	if (!rc)
		rc = r->scan(r->db, itable, icols, 2, on_id, t, err);
	if (!rc)
		rc = r->scan(r->db, annot_table, acols, 2, on_annot, t, err);
	return rc;
}

static int read_godb(tables *t, meta *m, const sc_grn_orgdb_opts *o, sc_err *err)
{
	const sc_grn_db_reader *r = &o->godb;
	t->file = r->name;
	const char *tcols[] = { "go_id", "term" }, *mcols[] = { "name", "value" };
	int rc = r->scan(r->db, "metadata", mcols, 2, on_meta, m, err);
	if (!rc)
		rc = r->scan(r->db, "go_term", tcols, 2, on_term, t, err);
	return rc;
}

/* The members of the terms annotations an[a, b) as ids, sorted, distinct;
 * returns their number (members[] holds at least b - a ids per gene). */
static size_t term_members(const tables *t, size_t a, size_t b, char ***members, size_t *cap)
{
	size_t n = 0;
	for (size_t i = a; i < b; i++) {
		if (i > a && t->an[i].gene == t->an[i - 1].gene)
			continue; /* the same gene under another evidence code */
		for (size_t j = first_id(t, t->an[i].gene); j < t->n_ids && t->ids[j].gene == t->an[i].gene; j++) {
			*members = grow(*members, cap, n, sizeof(char *));
			(*members)[n++] = t->ids[j].id;
		}
	}
	qsort(*members, n, sizeof(char *), cmp_str);
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (!w || strcmp((*members)[w - 1], (*members)[i]))
			(*members)[w++] = (*members)[i];
	return w;
}

/* One GMT line per term within the size bounds; counts into info. */
static void write_sets(sc_buf *out, sc_grn_orgdb_info *info, const tables *t,
		       const sc_grn_orgdb_opts *o)
{
	char **members = NULL, **used = NULL;
	size_t cap = 0, n_used = 0, cap_used = 0;
	for (size_t a = 0, b; a < t->n_an; a = b) {
		for (b = a + 1; b < t->n_an && t->an[b].go == t->an[a].go; b++)
			;
		info->terms++;
		size_t n = term_members(t, a, b, &members, &cap);
		if (n < o->min_size || n > o->max_size)
			continue;
		const char *name = term_name(t, t->an[a].go);
		info->sets++;
		info->unnamed += !name;
		sc_buf_printf(out, "GO:%07d\t%s", (int)t->an[a].go, name ? name : "");
		for (size_t i = 0; i < n; i++) {
			sc_buf_printf(out, "\t%s", members[i]);
			used = grow(used, &cap_used, n_used, sizeof(char *));
			used[n_used++] = members[i];
		}
		sc_buf_putc(out, '\n');
	}
	if (n_used) /* qsort's array must not be NULL, even empty */
		qsort(used, n_used, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n_used; i++)
		info->genes += !i || strcmp(used[i - 1], used[i]);
	free(members);
	free(used);
}

static void write_header(sc_buf *out, const sc_grn_orgdb_info *info, const sc_grn_orgdb_opts *o)
{
	sc_buf_printf(out, "# Gene Ontology %s gene sets: the genes annotated to a term or to a "
			   "descendant, all evidence codes (sceval genesets import)\n", o->ontology);
	sc_buf_printf(out, "# %s: ORGANISM %s; GOSOURCEDATE %s; EGSOURCEDATE %s", o->orgdb.name,
		      info->organism, info->go_date, info->gene_date);
	if (!strcmp(o->ids, "ensembl"))
		sc_buf_printf(out, "; ENSOURCEDATE %s", info->ensembl_date);
	sc_buf_printf(out, "\n# %s: GOSOURCEDATE %s\n", o->godb.name, info->godb_go_date);
	sc_buf_printf(out, "# ids %s; sizes %zu to %zu; %zu of %zu terms; %zu genes\n", o->ids,
		      o->min_size, o->max_size, info->sets, info->terms, info->genes);
}

static int check_opts(const sc_grn_orgdb_opts *o, sc_err *err)
{
	if (strcmp(o->ontology, "BP") && strcmp(o->ontology, "MF") && strcmp(o->ontology, "CC"))
		return sc_errf(err, SC_EINVAL, "ontology '%s': BP, MF or CC", o->ontology);
	int ok = 0;
	for (size_t i = 0; sc_grn_orgdb_id_types[i]; i++)
		ok |= !strcmp(o->ids, sc_grn_orgdb_id_types[i]);
	if (!ok)
		return sc_errf(err, SC_EINVAL, "ids '%s': symbol, entrez or ensembl", o->ids);
	if (o->min_size > o->max_size)
		return sc_errf(err, SC_EINVAL, "min size %zu is above max size %zu", o->min_size,
			       o->max_size);
	return 0;
}

static void tables_free(tables *t)
{
	for (size_t i = 0; i < t->n_ids; i++)
		free(t->ids[i].id);
	for (size_t i = 0; i < t->n_terms; i++)
		free(t->terms[i].name);
	free(t->ids);
	free(t->an);
	free(t->terms);
}

int sc_grn_orgdb_gmt(sc_buf *out, sc_grn_orgdb_info *info, const sc_grn_orgdb_opts *o, sc_err *err)
{
	memset(info, 0, sizeof(*info));
	int rc = check_opts(o, err);
	if (rc)
		return rc;
	static const char *const org_keys[] = { "ORGANISM", "GOSOURCEDATE", "EGSOURCEDATE",
						"ENSOURCEDATE", NULL };
	static const char *const go_keys[] = { "GOSOURCEDATE", NULL };
	char *org_vals[4] = { 0 }, *go_vals[1] = { 0 };
	meta om = { org_keys, org_vals }, gm = { go_keys, go_vals };
	tables t = { 0 };
	if ((rc = read_orgdb(&t, &om, o, err)) || (rc = read_godb(&t, &gm, o, err)))
		goto out;
	if (!t.n_an) {
		rc = sc_errf(err, SC_EINVAL, "'%s': no %s annotation", o->orgdb.name, o->ontology);
		goto out;
	}
	qsort(t.ids, t.n_ids, sizeof(gene_id), cmp_id);
	qsort(t.an, t.n_an, sizeof(annot), cmp_annot);
	qsort(t.terms, t.n_terms, sizeof(term), cmp_term);
	sc_buf body;
	sc_buf_init(&body);
	write_sets(&body, info, &t, o);
	char **slots[] = { &info->organism, &info->go_date, &info->gene_date, &info->ensembl_date };
	for (size_t i = 0; i < 4; i++)
		*slots[i] = org_vals[i] ? org_vals[i] : sc_xstrdup("unknown");
	info->godb_go_date = go_vals[0] ? go_vals[0] : sc_xstrdup("unknown");
	org_vals[0] = org_vals[1] = org_vals[2] = org_vals[3] = go_vals[0] = NULL;
	write_header(out, info, o);
	sc_buf_add(out, body.s, body.len);
	sc_buf_free(&body);
	if (!info->sets)
		rc = sc_errf(err, SC_EINVAL, "no %s term has %zu to %zu genes", o->ontology, o->min_size,
			     o->max_size);
out:
	for (size_t i = 0; i < 4; i++)
		free(org_vals[i]);
	free(go_vals[0]);
	tables_free(&t);
	return rc;
}

void sc_grn_orgdb_info_free(sc_grn_orgdb_info *info)
{
	if (!info)
		return;
	free(info->organism);
	free(info->go_date);
	free(info->gene_date);
	free(info->ensembl_date);
	free(info->godb_go_date);
	memset(info, 0, sizeof(*info));
}
