/*
 * tasks/grn/steps.c - the gene-network task's steps.
 *
 *   grn.embed     a built-in gene embedding from the dataset: coexpression
 *                 (standardised profiles across cells, PCA) or random
 *                 (seeded Gaussian rows); writes SC_GRN_OUT_EMBEDDING.
 *   grn.programs  cosine kNN graph of the genes, Leiden at a resolution,
 *                 programs of at least min_size genes: SC_GRN_OUT_PROGRAMS.
 *   grn.enrich    every program against every gene set it shares a gene
 *                 with: hypergeometric p, BH FDR, Jaccard; the task's
 *                 program-level metrics; SC_GRN_OUT_ENRICHMENT and
 *                 SC_GRN_OUT_SUMMARY, the metrics as SC_GRN_OUT_METRICS.
 *   grn.edges     gene pairs ranked by cosine against a reference network
 *                 or gene-set co-membership: AUROC, AUPRC, EPR.
 *   grn.compare   two methods' partitions of their common genes: AMI and
 *                 the mean best Jaccard between their programs.
 */
#include "grn.h"
#include "embedding.h"
#include "figures.h"
#include "genesets.h"
#include "network.h"
#include "programs_file.h"
#include "stats.h"
#include "tasks/classify/metrics.h"
#include "tasks/rep.h"
#include "util/buf.h"
#include "util/fs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void source_of(sc_grn_source *s, const sc_step_ctx *c)
{
	s->path = sc_step_input(c, "embedding");
	s->where = sc_step_str(c, "where", "obsm/" SC_GRN_EMBED_KEY);
	s->genes_path = sc_step_input(c, "genes");
	s->var_key = sc_step_str(c, "var_key", NULL);
	s->symbol_key = sc_step_str(c, "symbol_key", NULL);
	s->label = sc_step_str(c, "label", "the gene embedding");
}

static int load_embedding(sc_step_ctx *c, sc_grn_embedding *e, const sc_grn_source *src)
{
	sc_grn_dropped d;
	int rc = sc_grn_embedding_load(e, &d, src, c->err);
	if (!rc && d.n)
		sc_step_note(c, "%s: %zu gene%s with NaN values left out, e.g. '%s'", src->label, d.n,
			     d.n == 1 ? "" : "s", d.first);
	return rc;
}

static int grn_embed(sc_step_ctx *c)
{
	const char *data = sc_step_need(c, "data");
	if (!data)
		return c->err->code;
	const char *method = sc_step_str(c, "method", SC_GRN_COEXPRESSION);
	sc_grn_expr_opts o = {
		.counts = sc_step_str(c, "counts", "X"),
		.var_key = sc_step_str(c, "var_key", NULL),
		.symbol_key = sc_step_str(c, "symbol_key", NULL),
		.min_cells = (size_t)sc_step_int(c, "min_cells", 10),
		.n_comps = (size_t)sc_step_int(c, "n_comps", 50),
		.target_sum = sc_step_num(c, "target_sum", 1e4),
	};
	sc_grn_embedding e;
	int rc;
	const char *what;
	if (!strcmp(method, SC_GRN_RANDOM)) {
		rc = sc_grn_embed_random(&e, data, &o, (uint64_t)c->seed, c->err);
		what = "random: standard normal rows, one stream of the seed per gene";
	} else if (!strcmp(method, SC_GRN_COEXPRESSION)) {
		rc = sc_grn_embed_coexpression(&e, data, &o, c->err);
		what = "coexpression: log1p(normalize_total) profiles across cells, standardised per "
		       "gene, PCA over cells";
	} else {
		return sc_errf(c->err, SC_EINVAL, "unknown gene embedding method '%s'", method);
	}
	if (rc)
		return rc;
	sc_step_note(c, "%zu genes expressed in at least %zu cells, %zu dims", e.n, o.min_cells, e.x.cols);
	char *path = sc_step_out(c, SC_GRN_OUT_EMBEDDING);
	rc = sc_grn_embedding_write(&e, path, what, c->err);
	free(path);
	sc_grn_embedding_free(&e);
	return rc;
}

static int grn_programs(sc_step_ctx *c)
{
	sc_grn_source src;
	source_of(&src, c);
	if (!src.path)
		return sc_step_need(c, "embedding") ? 0 : c->err->code;
	size_t k = (size_t)sc_step_int(c, "n_neighbors", 15);
	double res = sc_step_num(c, "resolution", 40);
	size_t min_size = (size_t)sc_step_int(c, "min_size", 5);
	sc_grn_embedding e;
	int rc = load_embedding(c, &e, &src);
	if (rc)
		return rc;
	sc_grn_programs p = { .n = e.n, .ids = e.ids, .alt = e.alt };
	p.cluster = sc_xmalloc(e.n * sizeof(int32_t));
	p.program = sc_xmalloc(e.n * sizeof(int32_t));
	rc = sc_grn_cluster_genes(p.cluster, &p.n_clusters, &e.x, k, res,
				  (uint64_t)sc_step_int(c, "leiden_seed", 0), c->err);
	if (rc)
		goto out;
	/* Leiden numbers clusters by decreasing size: the programs are a prefix. */
	size_t *size = sc_xcalloc(p.n_clusters + 1, sizeof(size_t)), covered = 0;
	for (size_t i = 0; i < e.n; i++)
		size[p.cluster[i]]++;
	for (size_t i = 0; i < e.n; i++) {
		p.program[i] = size[p.cluster[i]] >= min_size ? p.cluster[i] : -1;
		covered += p.program[i] >= 0;
	}
	for (size_t q = 0; q < p.n_clusters && size[q] >= min_size; q++)
		p.n_programs = q + 1;
	sc_step_note(c, "%zu genes, %zu clusters at resolution %g (k %zu), %zu programs of at least "
			"%zu genes covering %zu genes",
		     e.n, p.n_clusters, res, k, p.n_programs, min_size, covered);
	char *path = sc_step_out(c, SC_GRN_OUT_PROGRAMS);
	rc = sc_grn_programs_write(&p, path, c->err);
	free(path);
	if (!rc) {
		path = sc_step_out(c, SC_GRN_OUT_SIZES_SVG);
		rc = sc_grn_figure_sizes(path, size, p.n_clusters, min_size, res, c->err);
		free(path);
	}
	free(size);
out:
	free(p.cluster);
	free(p.program);
	sc_grn_embedding_free(&e);
	return rc;
}

/* Gene sets matched to the genes of a programs table or an embedding. */
typedef struct {
	sc_grn_genesets sets;
	size_t *off;
	int32_t *genes;
} matched_sets;

static void matched_free(matched_sets *m)
{
	sc_grn_genesets_free(&m->sets);
	free(m->off);
	free(m->genes);
}

static int match_sets(sc_step_ctx *c, matched_sets *m, char *const *ids, char *const *alt, size_t n)
{
	memset(m, 0, sizeof(*m));
	const char *path = sc_step_need(c, "genesets");
	if (!path)
		return c->err->code;
	const char *label = sc_step_str(c, "genesets_label", "the gene sets");
	int rc = sc_grn_genesets_read(&m->sets, path, sc_step_str(c, "id_column", "gene_id"),
				      sc_step_str(c, "set_column", "label"), c->err);
	if (rc)
		return sc_errprefix(c->err, "%s", label);
	sc_grn_match_counts mc;
	sc_grn_genesets_match(&m->off, &m->genes, &mc, &m->sets, ids, alt, n);
	if (!m->off[m->sets.n])
		return sc_errf(c->err, SC_EINVAL,
			       "no gene of %s (e.g. '%s') names a gene of the embedding (e.g. '%s'%s%s%s): "
			       "check var_key and symbol_key",
			       label, m->sets.genes[0], n ? ids[0] : "", alt && n ? ", symbol '" : "",
			       alt && n ? alt[0] : "", alt && n ? "'" : "");
	sc_step_note(c, "%s: %zu sets; members matched by id %zu, by symbol %zu, not embedded %zu",
		     label, m->sets.n, mc.by_id, mc.by_symbol, mc.unmatched);
	return 0;
}

static int has_symbols(char *const *alt, size_t n)
{
	for (size_t i = 0; alt && i < n; i++)
		if (alt[i][0])
			return 1;
	return 0;
}

static void write_enrichment(sc_buf *b, const sc_grn_enrichment *en, const matched_sets *m,
			     const sc_grn_programs *p, const int32_t *gene_program)
{
	sc_buf_puts(b, "program\tgene_set\toverlap\tprogram_size\tset_size\tbackground\tlog10_p\tp\t"
		       "fdr\tjaccard\tgenes\n");
	for (size_t i = 0; i < en->n_tests; i++) {
		const sc_grn_test *t = &en->tests[i];
		sc_buf_printf(b, "%d\t%s\t%d\t%d\t%d\t%zu\t%.17g\t%.17g\t%.17g\t%.17g\t", t->program,
			      m->sets.names[t->set], t->overlap, t->program_size, t->set_size,
			      en->background, t->log_p / log(10), t->p, t->q, t->jaccard);
		int first = 1;
		for (size_t k = m->off[t->set]; k < m->off[t->set + 1]; k++)
			if (gene_program[m->genes[k]] == t->program) {
				sc_buf_printf(b, "%s%s", first ? "" : ",", p->ids[m->genes[k]]);
				first = 0;
			}
		sc_buf_putc(b, '\n');
	}
}

/* Per program: its best set by FDR and its best set by Jaccard. */
static void summarise(sc_grn_summary *s, const sc_grn_enrichment *en, double alpha)
{
	s->n = en->n_programs;
	s->best = sc_xmalloc((s->n + 1) * sizeof(int32_t));
	for (size_t q = 0; q < s->n; q++)
		s->best[q] = -1;
	for (size_t i = 0; i < en->n_tests; i++) {
		const sc_grn_test *t = &en->tests[i];
		int32_t *b = &s->best[t->program];
		if (*b < 0 || t->q < en->tests[*b].q || (t->q == en->tests[*b].q && t->p < en->tests[*b].p))
			*b = (int32_t)i;
	}
	s->alpha = alpha;
}

static void write_summary(sc_buf *b, const sc_grn_summary *s, const sc_grn_enrichment *en,
			  const matched_sets *m)
{
	sc_buf_puts(b, "program\tannotated_genes\tbest_set\tbest_fdr\tbest_overlap\tbest_jaccard_set\t"
		       "best_jaccard\n");
	for (size_t q = 0; q < s->n; q++) {
		const sc_grn_test *t = s->best[q] >= 0 ? &en->tests[s->best[q]] : NULL;
		sc_buf_printf(b, "%zu\t%d\t%s\t%.17g\t%d\t%s\t%.17g\n", q, en->program_size[q],
			      t ? m->sets.names[t->set] : "", t ? t->q : 1.0, t ? t->overlap : 0,
			      en->best_jaccard_set[q] >= 0 ? m->sets.names[en->best_jaccard_set[q]] : "",
			      en->best_jaccard[q]);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void enrichment_metrics(sc_step_ctx *c, const sc_grn_enrichment *en, const sc_grn_summary *s,
			       const sc_grn_programs *p, size_t n_sets)
{
	size_t enriched = 0, recovered = 0, genes = 0;
	uint8_t *hit = sc_xcalloc(n_sets + 1, 1);
	for (size_t i = 0; i < en->n_tests; i++)
		if (en->tests[i].q < s->alpha && !hit[en->tests[i].set]++)
			recovered++;
	for (size_t q = 0; q < s->n; q++)
		enriched += s->best[q] >= 0 && en->tests[s->best[q]].q < s->alpha;
	for (size_t i = 0; i < p->n; i++)
		genes += p->program[i] >= 0;
	free(hit);
	double *bj = sc_xmalloc((s->n + 1) * sizeof(double)), med = NAN;
	memcpy(bj, en->best_jaccard, s->n * sizeof(double));
	qsort(bj, s->n, sizeof(double), cmp_double);
	if (s->n)
		med = s->n % 2 ? bj[s->n / 2] : (bj[s->n / 2 - 1] + bj[s->n / 2]) / 2;
	free(bj);
	char why[160];
	snprintf(why, sizeof(why), "FDR < %g", s->alpha);
	sc_step_metric(c, SC_GRN_M_ENRICHED, s->n ? (double)enriched / (double)s->n : NAN, 1,
		       s->n ? why : "no program");
	sc_step_metric(c, SC_GRN_M_SETS, (double)recovered, 1, why);
	sc_step_metric(c, SC_GRN_M_JACCARD, med, 1, s->n ? NULL : "no program");
	sc_step_metric(c, SC_GRN_M_NPROGRAMS, (double)s->n, 1, NULL);
	sc_step_metric(c, SC_GRN_M_GENES, p->n ? (double)genes / (double)p->n : NAN, 1, NULL);
}

/* The metrics just emitted, as a table a later step reads (grn.curve). */
static int write_metrics(sc_step_ctx *c)
{
	sc_buf b;
	sc_buf_init(&b);
	sc_buf_puts(&b, "metric\tvalue\n");
	for (size_t i = 0; sc_grn_program_metrics[i]; i++) {
		json_t *v = json_object_get(json_object_get(c->metrics, sc_grn_program_metrics[i]), "value");
		if (json_is_number(v))
			sc_buf_printf(&b, "%s\t%.17g\n", sc_grn_program_metrics[i], json_number_value(v));
		else
			sc_buf_printf(&b, "%s\tnan\n", sc_grn_program_metrics[i]);
	}
	char *path = sc_step_out(c, SC_GRN_OUT_METRICS);
	int rc = sc_write_file_atomic(path, b.s, b.len, 0644, c->err);
	free(path);
	sc_buf_free(&b);
	return rc;
}

static int grn_enrich(sc_step_ctx *c)
{
	const char *pp = sc_step_need(c, "programs");
	if (!pp)
		return c->err->code;
	sc_grn_programs p;
	int rc = sc_grn_programs_read(&p, pp, c->err);
	if (rc)
		return rc;
	matched_sets m = { 0 };
	sc_grn_enrichment en = { 0 };
	sc_grn_summary s = { 0 };
	sc_buf b;
	sc_buf_init(&b);
	if ((rc = match_sets(c, &m, p.ids, has_symbols(p.alt, p.n) ? p.alt : NULL, p.n)))
		goto out;
	const char *family = sc_step_str(c, "fdr_family", "programs");
	rc = sc_grn_enrich(&en, p.program, p.n_programs, p.n, m.off, m.genes, m.sets.n,
			   strcmp(family, "program") ? SC_GRN_FDR_ALL : SC_GRN_FDR_PER_PROGRAM, c->err);
	if (rc)
		goto out;
	sc_step_note(c, "background: %zu genes embedded and annotated; %zu tests (program, set "
			"sharing a gene), BH over %s",
		     en.background, en.n_tests,
		     strcmp(family, "program") ? "all tests of the programs" : "each program's tests");
	summarise(&s, &en, sc_step_num(c, "fdr", 0.05));
	enrichment_metrics(c, &en, &s, &p, m.sets.n);
	write_enrichment(&b, &en, &m, &p, p.program);
	char *path = sc_step_out(c, SC_GRN_OUT_ENRICHMENT);
	rc = sc_write_file_atomic(path, b.s, b.len, 0644, c->err);
	free(path);
	if (rc)
		goto out;
	sc_buf_reset(&b);
	write_summary(&b, &s, &en, &m);
	path = sc_step_out(c, SC_GRN_OUT_SUMMARY);
	rc = sc_write_file_atomic(path, b.s, b.len, 0644, c->err);
	free(path);
	if (rc)
		goto out;
	path = sc_step_out(c, SC_GRN_OUT_TOP_SVG);
	rc = sc_grn_figure_top(path, &s, &en, m.sets.names, 12, c->err);
	free(path);
	if (!rc)
		rc = write_metrics(c);
out:
	free(s.best);
	sc_buf_free(&b);
	sc_grn_enrichment_free(&en);
	matched_free(&m);
	sc_grn_programs_free(&p);
	return rc;
}

/* ---- grn.edges ---------------------------------------------------------- */

typedef struct {
	size_t nu;
	int32_t *pos; /* gene -> its index in the universe, or -1 */
	uint8_t *bits; /* nu x nu, symmetric */
} truth_matrix;

static int truth_lookup(int32_t i, int32_t j, void *ctx)
{
	truth_matrix *t = ctx;
	size_t a = (size_t)t->pos[i], b = (size_t)t->pos[j];
	size_t k = a * t->nu + b;
	return (t->bits[k >> 3] >> (k & 7)) & 1;
}

static void truth_set(truth_matrix *t, int32_t i, int32_t j)
{
	size_t a = (size_t)t->pos[i], b = (size_t)t->pos[j];
	size_t k1 = a * t->nu + b, k2 = b * t->nu + a;
	t->bits[k1 >> 3] |= (uint8_t)(1u << (k1 & 7));
	t->bits[k2 >> 3] |= (uint8_t)(1u << (k2 & 7));
}

/* A reference network: lines of two gene names (tab or comma separated,
 * further fields ignored); a first line naming no embedded gene is a header.
 * Pairs are undirected; self pairs and genes outside the embedding are
 * dropped. */
static int read_network(sc_step_ctx *c, int32_t **pairs, size_t *npairs, const sc_grn_embedding *e)
{
	const char *path = sc_step_need(c, "network");
	if (!path)
		return c->err->code;
	sc_buf b;
	sc_buf_init(&b);
	int rc = sc_read_file(&b, path, c->err);
	size_t cap = 0, lines = 0, outside = 0;
	char **names = NULL;
	size_t nn = 0, ncap = 0;
	for (char *save = NULL, *l = rc ? NULL : strtok_r(b.s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		size_t len = strcspn(l, "\r");
		l[len] = 0;
		if (!len || l[0] == '#')
			continue;
		char *sep = l + strcspn(l, "\t,");
		if (!*sep) {
			rc = sc_errf(c->err, SC_EINVAL, "%s: line '%.40s' has one field (want two genes)",
				     sc_step_str(c, "network_label", "network"), l);
			break;
		}
		*sep = 0;
		char *second = sep + 1;
		second[strcspn(second, "\t,")] = 0;
		if (nn + 2 > ncap) {
			ncap = ncap ? 2 * ncap : 1024;
			names = sc_xrealloc(names, ncap * sizeof(char *));
		}
		names[nn++] = l;
		names[nn++] = second;
		lines++;
	}
	int32_t *by_id = sc_xmalloc((nn ? nn : 1) * sizeof(int32_t));
	int32_t *by_alt = sc_xmalloc((nn ? nn : 1) * sizeof(int32_t));
	sc_rep_match_names(by_id, names, nn, e->ids, e->n);
	if (e->alt)
		sc_rep_match_names(by_alt, names, nn, e->alt, e->n);
	*npairs = 0;
	*pairs = NULL;
	for (size_t i = 0; i + 1 < nn; i += 2) {
		int32_t a = by_id[i] >= 0 ? by_id[i] : e->alt ? by_alt[i] : -1;
		int32_t bb = by_id[i + 1] >= 0 ? by_id[i + 1] : e->alt ? by_alt[i + 1] : -1;
		if (i == 0 && a < 0 && bb < 0)
			continue; /* a header */
		if (a < 0 || bb < 0) {
			outside++;
			continue;
		}
		if (a == bb)
			continue;
		if (*npairs == cap) {
			cap = cap ? 2 * cap : 1024;
			*pairs = sc_xrealloc(*pairs, 2 * cap * sizeof(int32_t));
		}
		(*pairs)[2 * *npairs] = a;
		(*pairs)[2 * *npairs + 1] = bb;
		(*npairs)++;
	}
	free(by_id);
	free(by_alt);
	free(names);
	sc_buf_free(&b);
	if (!rc)
		sc_step_note(c, "reference network: %zu lines, %zu pairs with both genes embedded, %zu "
				"with a gene outside the embedding",
			     lines, *npairs, outside);
	return rc;
}

static void edge_metrics(sc_step_ctx *c, const sc_grn_pairs *pr, const char *why)
{
	double auroc = NAN, ap = NAN, epr = NAN;
	if (pr) {
		sc_err e = { 0 };
		uint8_t *t = sc_xmalloc(pr->n ? pr->n : 1);
		for (size_t i = 0; i < pr->n; i++)
			t[i] = (uint8_t)pr->y[i];
		if (sc_cls_auroc(&auroc, pr->y, pr->score, pr->n, 1, &e) ||
		    sc_cls_average_precision(&ap, pr->y, pr->score, pr->n, 1, &e))
			auroc = ap = NAN;
		epr = sc_grn_epr(t, pr->score, pr->n);
		free(t);
	}
	sc_step_metric(c, SC_GRN_M_AUROC, auroc, 1, why);
	sc_step_metric(c, SC_GRN_M_AUPRC, ap, 1, why);
	sc_step_metric(c, SC_GRN_M_EPR, epr, 1, why);
}

static int grn_edges(sc_step_ctx *c)
{
	sc_grn_source src;
	source_of(&src, c);
	if (!src.path)
		return sc_step_need(c, "embedding") ? 0 : c->err->code;
	sc_grn_embedding e;
	int rc = load_embedding(c, &e, &src);
	if (rc)
		return rc;
	size_t max_genes = (size_t)sc_step_int(c, "edge_max_genes", 3000);
	matched_sets m = { 0 };
	int32_t *pairs = NULL;
	size_t np = 0;
	truth_matrix t = { 0 };
	t.pos = sc_xmalloc(e.n * sizeof(int32_t));
	for (size_t i = 0; i < e.n; i++)
		t.pos[i] = -1;
	int from_network = sc_step_input(c, "network") != NULL;
	if (from_network) {
		if ((rc = read_network(c, &pairs, &np, &e)))
			goto out;
		for (size_t i = 0; i < 2 * np; i++)
			t.pos[pairs[i]] = 0;
	} else {
		if ((rc = match_sets(c, &m, e.ids, e.alt, e.n)))
			goto out;
		for (size_t i = 0; i < m.off[m.sets.n]; i++)
			t.pos[m.genes[i]] = 0;
	}
	int32_t *uni = sc_xmalloc(e.n * sizeof(int32_t));
	for (size_t i = 0; i < e.n; i++)
		if (t.pos[i] == 0) {
			t.pos[i] = (int32_t)t.nu;
			uni[t.nu++] = (int32_t)i;
		}
	const char *what = from_network ? "the reference network" : "gene-set co-membership";
	if (t.nu < 2 || t.nu > max_genes) {
		char why[200];
		snprintf(why, sizeof(why), "%zu genes in %s (scored from 2 to edge_max_genes = %zu)", t.nu,
			 what, max_genes);
		sc_step_note(c, "edge metrics not computed: %s", why);
		edge_metrics(c, NULL, why);
		free(uni);
		goto out;
	}
	t.bits = sc_xcalloc(sc_mulsz(t.nu, t.nu) / 8 + 1, 1);
	if (from_network)
		for (size_t i = 0; i < np; i++)
			truth_set(&t, pairs[2 * i], pairs[2 * i + 1]);
	else
		for (size_t s = 0; s < m.sets.n; s++)
			for (size_t a = m.off[s]; a < m.off[s + 1]; a++)
				for (size_t bb = a + 1; bb < m.off[s + 1]; bb++)
					truth_set(&t, m.genes[a], m.genes[bb]);
	sc_grn_pairs pr;
	sc_grn_pairs_build(&pr, &e.x, uni, t.nu, truth_lookup, &t);
	size_t pos = 0;
	for (size_t i = 0; i < pr.n; i++)
		pos += pr.y[i] == 1;
	sc_step_note(c, "edges: %zu gene pairs among the %zu genes of %s, %zu true", pr.n, t.nu, what, pos);
	edge_metrics(c, &pr, NULL);
	sc_grn_pairs_free(&pr);
	free(uni);
out:
	free(t.pos);
	free(t.bits);
	free(pairs);
	matched_free(&m);
	sc_grn_embedding_free(&e);
	return rc;
}

/* ---- grn.compare -------------------------------------------------------- */

/* Mean over the programs of a of their best Jaccard with a program of b,
 * both restricted to the common genes (ia/ib: common gene k's rows). */
static double best_jaccard_sum(size_t *count, const sc_grn_programs *a, const sc_grn_programs *b,
			       const size_t *ia, const size_t *ib, size_t nc)
{
	size_t na = a->n_programs, nb = b->n_programs;
	size_t *sa = sc_xcalloc(na + 1, sizeof(size_t)), *sb = sc_xcalloc(nb + 1, sizeof(size_t));
	size_t *inter = sc_xcalloc(sc_mulsz(na + 1, nb + 1), sizeof(size_t));
	for (size_t k = 0; k < nc; k++) {
		int32_t pa = a->program[ia[k]], pb = b->program[ib[k]];
		if (pa >= 0)
			sa[pa]++;
		if (pb >= 0)
			sb[pb]++;
		if (pa >= 0 && pb >= 0)
			inter[(size_t)pa * nb + (size_t)pb]++;
	}
	double sum = 0;
	*count = 0;
	for (size_t p = 0; p < na; p++) {
		if (!sa[p])
			continue;
		double best = 0;
		for (size_t q = 0; q < nb; q++) {
			size_t x = inter[p * nb + q];
			if (x) {
				double j = (double)x / (double)(sa[p] + sb[q] - x);
				if (j > best)
					best = j;
			}
		}
		sum += best;
		(*count)++;
	}
	free(sa);
	free(sb);
	free(inter);
	return sum;
}

static int grn_compare(sc_step_ctx *c)
{
	const char *pa = sc_step_need(c, "programs_a"), *pb = sc_step_need(c, "programs_b");
	if (!pa || !pb)
		return c->err->code;
	sc_grn_programs a = { 0 }, b = { 0 };
	int rc = sc_grn_programs_read(&a, pa, c->err);
	if (!rc)
		rc = sc_grn_programs_read(&b, pb, c->err);
	if (rc)
		goto out;
	int32_t *map = sc_xmalloc((a.n ? a.n : 1) * sizeof(int32_t));
	sc_rep_match_names(map, a.ids, a.n, b.ids, b.n);
	size_t *ia = sc_xmalloc((a.n ? a.n : 1) * sizeof(size_t)), *ib = sc_xmalloc((a.n ? a.n : 1) * sizeof(size_t));
	int32_t *ca = sc_xmalloc((a.n ? a.n : 1) * sizeof(int32_t)), *cb = sc_xmalloc((a.n ? a.n : 1) * sizeof(int32_t));
	size_t nc = 0;
	for (size_t i = 0; i < a.n; i++)
		if (map[i] >= 0) {
			ia[nc] = i;
			ib[nc] = (size_t)map[i];
			ca[nc] = a.cluster[i];
			cb[nc++] = b.cluster[map[i]];
		}
	sc_step_note(c, "%zu genes in both partitions (%zu and %zu genes)", nc, a.n, b.n);
	double ami = NAN;
	if (nc && (rc = sc_grn_ami(&ami, ca, cb, nc, c->err)))
		goto done;
	size_t n1, n2;
	double s1 = best_jaccard_sum(&n1, &a, &b, ia, ib, nc), s2 = best_jaccard_sum(&n2, &b, &a, ib, ia, nc);
	sc_step_metric(c, SC_GRN_M_AMI, ami, 1, nc ? NULL : "no common gene");
	sc_step_metric(c, SC_GRN_M_PJACCARD, n1 + n2 ? (s1 + s2) / (double)(n1 + n2) : NAN, 1,
		       n1 + n2 ? NULL : "no program on the common genes");
done:
	free(map);
	free(ia);
	free(ib);
	free(ca);
	free(cb);
out:
	sc_grn_programs_free(&a);
	sc_grn_programs_free(&b);
	return rc;
}

const sc_step_kind sc_grn_embed_kind = { SC_GRN_STEP_EMBED, "1", grn_embed,
					 "a built-in gene embedding (co-expression or random)" };
const sc_step_kind sc_grn_programs_kind = { SC_GRN_STEP_PROGRAMS, "1", grn_programs,
					    "gene programs: cosine kNN graph, Leiden, minimum size" };
const sc_step_kind sc_grn_enrich_kind = { SC_GRN_STEP_ENRICH, "2", grn_enrich,
					  "programs against gene sets: hypergeometric, BH, Jaccard" };
const sc_step_kind sc_grn_edges_kind = { SC_GRN_STEP_EDGES, "1", grn_edges,
					 "gene pairs by cosine against a reference: AUROC, AUPRC, EPR" };
const sc_step_kind sc_grn_compare_kind = { SC_GRN_STEP_COMPARE, "1", grn_compare,
					   "two methods' gene partitions: AMI, program Jaccard" };
