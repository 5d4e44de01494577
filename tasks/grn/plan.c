/*
 * tasks/grn/plan.c - the gene-network task's chain of steps:
 *
 *   built-in:  grn.embed (coexpression | random) -> grn.programs -> grn.enrich
 *   given:     (the dataset's varm, or a file)   -> grn.programs -> grn.enrich
 *   external:  external (gene embeddings)         -> grn.programs -> grn.enrich
 *   each method also: -> grn.edges; each pair of methods: grn.compare
 *
 * grn.programs and grn.enrich repeat for each resolution of 'resolutions';
 * then one grn.curve draws every method's program metrics against them.
 * Options have passed the generic check of the descriptor (task.c); here
 * the gene sets are read once so that a bad file fails before anything
 * runs.
 */
#include "grn.h"
#include "embedding.h"
#include "genesets.h"
#include "runner/plan_tasks.h"
#include "io/h5ad.h"
#include "tasks/rep.h"
#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where a method's gene embedding is, for the steps that read it. */
typedef struct {
	int from;               /* producing step, or -1 for an object */
	const char *output;     /* that step's output */
	const sc_oid *obj;      /* else the object */
	const sc_oid *genes;    /* a gene list object, or NULL */
	char *where;            /* owned */
} emb_src;

static int ends_with(const char *s, const char *suf)
{
	size_t a = s ? strlen(s) : 0, b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

static const char *dataset_file(const sc_plan_ctx *x, const char *name)
{
	const sc_spec_dataset *d = sc_spec_find_dataset(x->spec, name);
	return d && d->path ? d->path : "";
}

/* The gene sets read, and sharing genes with the dataset (by id or by the
 * symbol column), so a wrong file or column fails at plan time. */
static int check_genesets(sc_plan_ctx *x, const sc_spec_task *t, const char *gs)
{
	const json_t *node = sc_plan_opt(t, "genesets");
	if (!sc_spec_find_dataset(x->spec, gs))
		return sc_spec_errf(x->spec, node, x->err,
				    "genesets must name a dataset (a GMT file or a table): no dataset '%s'", gs);
	sc_grn_genesets g;
	sc_err e;
	if (sc_grn_genesets_read(&g, sc_plan_ctx_dataset_path(x, gs), sc_plan_opt_str(t, "id_column"),
				 sc_plan_opt_str(t, "set_column"), &e))
		return sc_spec_errf(x->spec, node, x->err, "genesets '%s': %s", gs, e.msg);
	sc_h5ad *h = NULL;
	char **ids = NULL, **alt = NULL;
	size_t n = 0, na = 0;
	const char *sym = sc_plan_opt_str(t, "symbol_key");
	int rc = sc_h5ad_open(&h, sc_plan_ctx_dataset_path(x, t->dataset), &e);
	if (!rc)
		rc = sc_rep_gene_ids(&ids, &n, h, sc_plan_opt_str(t, "var_key"), &e);
	if (!rc && sym)
		rc = sc_rep_gene_ids(&alt, &na, h, sym, &e);
	sc_h5ad_close(h);
	if (rc) {
		sc_grn_genesets_free(&g);
		sc_h5ad_strings_free(ids, n);
		return sc_plan_dataset_err(x, t->node, t->dataset, e.msg, NULL);
	}
	size_t *off;
	int32_t *genes;
	sc_grn_match_counts mc;
	sc_grn_genesets_match(&off, &genes, &mc, &g, ids, alt, n);
	if (!off[g.n])
		rc = sc_spec_errf(x->spec, node, x->err,
				  "genesets '%s': no gene (e.g. '%s') names a gene of dataset '%s' (e.g. "
				  "'%s')%s",
				  gs, g.genes[0], t->dataset, n ? ids[0] : "",
				  sym ? "" : "; if the sets use symbols and var's index is not, set symbol_key");
	free(off);
	free(genes);
	sc_grn_genesets_free(&g);
	sc_h5ad_strings_free(ids, n);
	sc_h5ad_strings_free(alt, na);
	return rc;
}

/* 'resolutions' (a list of positive numbers) or 'resolution'. */
static int read_resolutions(sc_plan_ctx *x, const sc_spec_task *t, double **out, size_t *n)
{
	const json_t *v = sc_plan_opt(t, "resolutions");
	if (!v) {
		*out = sc_xmalloc(sizeof(double));
		(*out)[0] = sc_plan_opt_num(t, "resolution");
		*n = 1;
		return 0;
	}
	if (!json_is_array(v) || !json_array_size(v) || json_array_size(v) > 64)
		return sc_spec_errf(x->spec, v, x->err, "resolutions must be a list of 1 to 64 numbers");
	*n = json_array_size(v);
	*out = sc_xmalloc(*n * sizeof(double));
	for (size_t i = 0; i < *n; i++) {
		const json_t *e = json_array_get(v, i);
		double r = json_is_number(e) ? json_number_value(e) : NAN;
		if (!(r > 0 && r <= 1e6)) {
			free(*out);
			return sc_spec_errf(x->spec, e, x->err, "resolutions: each must be a number in (0, 1e6]");
		}
		(*out)[i] = r;
	}
	return 0;
}

static json_t *source_params(const sc_spec_task *t, const emb_src *e, const char *label)
{
	json_t *p = json_pack("{s:s, s:s}", "where", e->where, "label", label);
	if (sc_plan_opt_str(t, "var_key"))
		json_object_set_new(p, "var_key", json_string(sc_plan_opt_str(t, "var_key")));
	if (sc_plan_opt_str(t, "symbol_key"))
		json_object_set_new(p, "symbol_key", json_string(sc_plan_opt_str(t, "symbol_key")));
	return p;
}

static void add_source_inputs(sc_plan_ctx *x, size_t step, const emb_src *e)
{
	if (e->from >= 0)
		sc_plan_input_step(x->plan, step, "embedding", (size_t)e->from, e->output, NULL);
	else
		sc_plan_input_obj(x->plan, step, "embedding", e->obj, NULL);
	if (e->genes)
		sc_plan_input_obj(x->plan, step, "genes", e->genes, NULL);
}

static int given_source(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_inst *m, emb_src *e)
{
	const char *key = sc_json_str(m->params, "key", NULL);
	const char *file = sc_json_str(m->params, "embedding", NULL);
	const char *genes = sc_json_str(m->params, "genes", NULL);
	const json_t *node = m->spec ? m->spec->node : t->node;
	if (!key && !file)
		return sc_spec_errf(x->spec, node, x->err,
				    "method 'given' needs params.key (a varm key) or params.embedding (a dataset)");
	const char *named[] = { file, genes };
	for (size_t i = 0; i < 2; i++)
		if (named[i] && !sc_spec_find_dataset(x->spec, named[i]))
			return sc_spec_errf(x->spec, node, x->err, "method 'given': no dataset '%s'",
					    named[i]);
	e->from = -1;
	e->obj = sc_plan_ctx_dataset(x, file ? file : t->dataset);
	const char *path = file ? dataset_file(x, file) : "";
	if (!file || ends_with(path, ".h5ad")) {
		if (!key)
			return sc_spec_errf(x->spec, node, x->err,
					    "method 'given': an .h5ad embedding needs params.key (its varm key)");
		e->where = sc_xasprintf("varm/%s", key);
	} else if (ends_with(path, ".npy")) {
		e->where = sc_xstrdup("npy");
		e->genes = sc_plan_ctx_dataset(x, genes ? genes : t->dataset);
	} else {
		e->where = sc_xstrdup("table");
	}
	return 0;
}

static int external_source(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_inst *m,
			   int64_t seed, emb_src *e)
{
	const json_t *prov = m->spec->provides;
	if (!json_object_get(prov, "varm") && !json_object_get(prov, "file"))
		return sc_spec_errf(x->spec, m->spec->node, x->err,
				    "method '%s' provides %s, which the grn task cannot use (it needs "
				    "{varm: KEY} or {file: gene-embeddings})",
				    m->spec->name, json_object_get(prov, "obs") ? "obs" : "obsm");
	size_t ext;
	int rc = sc_plan_external(x, t, m, NULL, seed, &ext);
	if (rc)
		return rc;
	e->from = (int)ext;
	e->output = m->spec->output;
	if (ends_with(m->spec->output, ".npy")) {
		/* rows in the order of the dataset's genes */
		e->where = sc_xstrdup("npy");
		e->genes = sc_plan_ctx_dataset(x, t->dataset);
	} else if (json_object_get(prov, "varm")) {
		e->where = sc_xasprintf("varm/%s", sc_json_str(prov, "varm", ""));
	} else {
		e->where = sc_xstrdup("table");
	}
	return 0;
}

static size_t builtin_embed(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_inst *m, int64_t seed)
{
	json_t *p = json_pack("{s:s, s:s, s:I, s:I, s:f}", "method", m->builtin, "counts",
			      sc_plan_opt_str(t, "counts"), "min_cells",
			      (json_int_t)sc_plan_opt_num(t, "min_cells"), "n_comps",
			      (json_int_t)sc_plan_opt_num(t, "n_comps"), "target_sum", 1e4);
	if (sc_plan_opt_str(t, "var_key"))
		json_object_set_new(p, "var_key", json_string(sc_plan_opt_str(t, "var_key")));
	if (sc_plan_opt_str(t, "symbol_key"))
		json_object_set_new(p, "symbol_key", json_string(sc_plan_opt_str(t, "symbol_key")));
	size_t s = sc_plan_add(x->plan, SC_GRN_STEP_EMBED, p, m->desc->seeded, m->desc->seeded ? seed : 0);
	sc_plan_input_obj(x->plan, s, "data", sc_plan_ctx_dataset(x, t->dataset), NULL);
	sc_plan_label(x->plan, s, sc_plan_task_label(t), t->dataset, m->label);
	return sc_plan_dedupe_last(x->plan);
}

/* The gene-set and edge options every enrich/edges step carries. */
static void set_params(json_t *p, const sc_spec_task *t)
{
	json_object_set_new(p, "id_column", json_string(sc_plan_opt_str(t, "id_column")));
	json_object_set_new(p, "set_column", json_string(sc_plan_opt_str(t, "set_column")));
	json_object_set_new(p, "genesets_label", json_string(sc_plan_opt_str(t, "genesets")));
}

typedef struct {
	size_t *programs; /* [method][seed][resolution] */
	size_t *enrich;   /* the same, grn.enrich steps */
	size_t nm, ns, nr;
} programs_grid;

static int plan_method(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_inst *m, size_t mi,
		       const double *res, programs_grid *grid)
{
	const char *gs = sc_plan_opt_str(t, "genesets"), *edges = sc_plan_opt_str(t, "edges");
	for (size_t si = 0; si < t->n_seeds; si++) {
		int64_t seed = t->seeds[si];
		emb_src e = { .from = -1 };
		int rc = 0;
		if (!m->builtin)
			rc = external_source(x, t, m, seed, &e);
		else if (m->desc->given)
			rc = given_source(x, t, m, &e);
		else {
			e.from = (int)builtin_embed(x, t, m, seed);
			e.output = SC_GRN_OUT_EMBEDDING;
			e.where = sc_xstrdup("obsm/" SC_GRN_EMBED_KEY);
		}
		if (rc) {
			free(e.where);
			return rc;
		}
		for (size_t ri = 0; ri < grid->nr; ri++) {
			char *label = grid->nr > 1 ? sc_xasprintf("%s[resolution=%g]", m->label, res[ri])
						   : sc_xstrdup(m->label);
			json_t *pp = source_params(t, &e, m->label);
			json_object_set_new(pp, "n_neighbors", json_integer((json_int_t)sc_plan_opt_num(t, "n_neighbors")));
			json_object_set_new(pp, "resolution", json_real(res[ri]));
			json_object_set_new(pp, "min_size", json_integer((json_int_t)sc_plan_opt_num(t, "min_size")));
			json_object_set_new(pp, "leiden_seed", json_integer(0));
			size_t ps = sc_plan_add(x->plan, SC_GRN_STEP_PROGRAMS, pp, 0, 0);
			add_source_inputs(x, ps, &e);
			sc_plan_label(x->plan, ps, sc_plan_task_label(t), t->dataset, label);
			ps = sc_plan_dedupe_last(x->plan);
			grid->programs[(mi * grid->ns + si) * grid->nr + ri] = ps;
			json_t *ep = json_pack("{s:f, s:s}", "fdr", sc_plan_opt_num(t, "fdr"), "fdr_family",
					       sc_plan_opt_str(t, "fdr_family"));
			set_params(ep, t);
			size_t es = sc_plan_add(x->plan, SC_GRN_STEP_ENRICH, ep, 0, 0);
			sc_plan_input_step(x->plan, es, "programs", ps, SC_GRN_OUT_PROGRAMS, NULL);
			sc_plan_input_obj(x->plan, es, "genesets", sc_plan_ctx_dataset(x, gs), NULL);
			sc_plan_label(x->plan, es, sc_plan_task_label(t), t->dataset, label);
			grid->enrich[(mi * grid->ns + si) * grid->nr + ri] = sc_plan_dedupe_last(x->plan);
			free(label);
		}
		if (strcmp(edges, "none")) {
			json_t *dp = source_params(t, &e, m->label);
			json_object_set_new(dp, "edge_max_genes",
					    json_integer((json_int_t)sc_plan_opt_num(t, "edge_max_genes")));
			set_params(dp, t);
			size_t ds = sc_plan_add(x->plan, SC_GRN_STEP_EDGES, dp, 0, 0);
			add_source_inputs(x, ds, &e);
			if (!strcmp(edges, "genesets"))
				sc_plan_input_obj(x->plan, ds, "genesets", sc_plan_ctx_dataset(x, gs), NULL);
			else {
				json_object_set_new(dp, "network_label", json_string(edges));
				sc_plan_input_obj(x->plan, ds, "network", sc_plan_ctx_dataset(x, edges), NULL);
			}
			sc_plan_label(x->plan, ds, sc_plan_task_label(t), t->dataset, m->label);
			sc_plan_dedupe_last(x->plan);
		}
		free(e.where);
	}
	return 0;
}

static void plan_compare(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_list *ml,
			 const double *res, const programs_grid *g)
{
	for (size_t a = 0; a < ml->n; a++)
		for (size_t b = a + 1; b < ml->n; b++)
			for (size_t si = 0; si < g->ns; si++)
				for (size_t ri = 0; ri < g->nr; ri++) {
					size_t pa = g->programs[(a * g->ns + si) * g->nr + ri];
					size_t pb = g->programs[(b * g->ns + si) * g->nr + ri];
					char *label = g->nr > 1 ? sc_xasprintf("%s vs %s[resolution=%g]",
									   ml->v[a].label, ml->v[b].label, res[ri])
								: sc_xasprintf("%s vs %s", ml->v[a].label, ml->v[b].label);
					size_t cs = sc_plan_add(x->plan, SC_GRN_STEP_COMPARE, json_object(), 0, 0);
					sc_plan_input_step(x->plan, cs, "programs_a", pa, SC_GRN_OUT_PROGRAMS, NULL);
					sc_plan_input_step(x->plan, cs, "programs_b", pb, SC_GRN_OUT_PROGRAMS, NULL);
					sc_plan_label(x->plan, cs, sc_plan_task_label(t), t->dataset, label);
					sc_plan_dedupe_last(x->plan);
					free(label);
				}
}

/* With more than one resolution: each method's (and seed's) program
 * metrics against the resolution, in one figure. */
static void plan_curve(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_list *ml,
		       const double *res, const programs_grid *g)
{
	if (g->nr < 2)
		return;
	json_t *points = json_array();
	for (size_t mi = 0; mi < ml->n; mi++)
		for (size_t si = 0; si < g->ns; si++)
			for (size_t ri = 0; ri < g->nr; ri++) {
				char *method = g->ns > 1 ? sc_xasprintf("%s seed=%lld", ml->v[mi].label,
									(long long)t->seeds[si])
							 : sc_xstrdup(ml->v[mi].label);
				json_array_append_new(points, json_pack("{s:s, s:f}", "method", method,
									"resolution", res[ri]));
				free(method);
			}
	size_t cs = sc_plan_add(x->plan, SC_GRN_STEP_CURVE, json_pack("{s:o}", "points", points), 0, 0);
	size_t n = ml->n * g->ns * g->nr;
	for (size_t i = 0; i < n; i++) {
		/* points run over [method][seed][resolution], as g->enrich */
		char role[32];
		snprintf(role, sizeof(role), SC_GRN_CURVE_ROLE "%zu", i);
		sc_plan_input_step(x->plan, cs, role, g->enrich[i], SC_GRN_OUT_METRICS, NULL);
	}
	sc_plan_label(x->plan, cs, sc_plan_task_label(t), t->dataset, "resolution curve");
	sc_plan_dedupe_last(x->plan);
}

int sc_grn_plan(sc_plan_ctx *x, const sc_spec_task *t)
{
	const char *gs = sc_plan_opt_str(t, "genesets"), *edges = sc_plan_opt_str(t, "edges");
	sc_method_list ml = { 0 };
	double *res = NULL;
	size_t nr = 0;
	int rc;
	if (strcmp(edges, "none") && strcmp(edges, "genesets") && !sc_spec_find_dataset(x->spec, edges))
		return sc_spec_errf(x->spec, sc_plan_opt(t, "edges"), x->err,
				    "edges must be genesets, none or a dataset of gene pairs: no dataset '%s'",
				    edges);
	if ((rc = check_genesets(x, t, gs)) || (rc = read_resolutions(x, t, &res, &nr)))
		return rc;
	if ((rc = sc_plan_methods(x, t, &sc_grn_task, &ml)))
		goto out;
	programs_grid g = { .nm = ml.n, .ns = t->n_seeds, .nr = nr };
	g.programs = sc_xcalloc(ml.n * t->n_seeds * nr + 1, sizeof(size_t));
	g.enrich = sc_xcalloc(ml.n * t->n_seeds * nr + 1, sizeof(size_t));
	for (size_t mi = 0; mi < ml.n && !rc; mi++)
		rc = plan_method(x, t, &ml.v[mi], mi, res, &g);
	if (!rc) {
		plan_compare(x, t, &ml, res, &g);
		plan_curve(x, t, &ml, res, &g);
	}
	free(g.programs);
	free(g.enrich);
out:
	free(res);
	sc_method_list_free(&ml);
	return rc;
}
