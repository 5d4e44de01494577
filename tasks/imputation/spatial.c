/*
 * tasks/imputation/spatial.c - the spatial setting's steps:
 *
 *   imputation.genes         match the genes of the spatial file and the
 *                            reference (exactly, else ignoring case) and
 *                            choose the held-out genes: genes.tsv
 *   imputation.spatial       one method predicts the held-out genes on every
 *                            spot from the reference: predicted.h5ad
 *   imputation.spatial_eval  each held-out gene scored across spots (cosine,
 *                            Pearson, Spearman) beside its sparsity
 */
#include "imputation.h"
#include "io/h5ad.h"
#include "io/npy.h"
#include "tasks/core/knn.h"
#include "tasks/core/rng.h"
#include "tasks/rep.h"
#include "util/buf.h"
#include "util/fs.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- imputation.genes ---- */

/* ref_of[j]: the reference gene matching spatial gene j, or -1. Exact names
 * first; a gene with no exact partner takes the reference gene equal to it
 * but for case, when there is exactly one. */
static size_t match_genes(int32_t *ref_of, char *const *sp, size_t ns, char *const *ref,
			  size_t nr, size_t *by_case)
{
	sc_rep_match_names(ref_of, sp, ns, ref, nr);
	size_t shared = 0;
	*by_case = 0;
	for (size_t j = 0; j < ns; j++) {
		if (ref_of[j] < 0) {
			int32_t hit = -1;
			size_t hits = 0;
			for (size_t r = 0; r < nr; r++)
				if (!strcasecmp(sp[j], ref[r])) {
					hit = (int32_t)r;
					hits++;
				}
			if (hits == 1) {
				ref_of[j] = hit;
				(*by_case)++;
			}
		}
		shared += ref_of[j] >= 0;
	}
	return shared;
}

static int find_ci(char *const *names, size_t n, const char *want)
{
	for (size_t j = 0; j < n; j++)
		if (!strcmp(names[j], want))
			return (int)j;
	int hit = -1, hits = 0;
	for (size_t j = 0; j < n; j++)
		if (!strcasecmp(names[j], want)) {
			hit = (int)j;
			hits++;
		}
	return hits == 1 ? hit : -1;
}

/* Mark the held-out genes: a list of names, or a fraction drawn with the
 * seed (at least one gene, at least one left for training). */
static int choose_test(sc_imp_genes *g, const json_t *tg, uint64_t seed, char *const *sp,
		       size_t ns, char *const *ref, size_t nr, const int32_t *ref_of,
		       const char *psp, const char *pref, sc_err *err)
{
	if (json_is_array(tg)) {
		size_t i;
		json_t *v;
		json_array_foreach(tg, i, v)
		{
			const char *name = json_string_value(v);
			int j = name ? find_ci(sp, ns, name) : -1;
			if (j < 0)
				return sc_errf(err, SC_EINVAL, "%s: held-out gene '%s' is not measured",
					       sc_path_basename(psp), name ? name : "?");
			if (ref_of[j] < 0)
				return sc_errf(err, SC_EINVAL,
					       "%s: held-out gene '%s' is not in the reference",
					       sc_path_basename(pref), name);
			for (size_t k = 0; k < g->n; k++)
				if (!strcmp(g->spatial[k], sp[j]))
					g->test[k] = 1;
		}
	} else {
		double frac = json_is_number(tg) ? json_number_value(tg) : 0.2;
		size_t ntest = (size_t)llround(frac * (double)g->n);
		ntest = ntest < 1 ? 1 : ntest >= g->n ? g->n - 1 : ntest;
		size_t *order = sc_xmalloc(g->n * sizeof(size_t));
		for (size_t k = 0; k < g->n; k++)
			order[k] = k;
		sc_rng r;
		sc_rng_seed(&r, seed);
		sc_rng_shuffle(&r, order, g->n);
		for (size_t k = 0; k < ntest; k++)
			g->test[order[k]] = 1;
		free(order);
	}
	(void)ref;
	(void)nr;
	size_t nt = 0;
	for (size_t k = 0; k < g->n; k++)
		nt += g->test[k];
	if (nt == g->n)
		return sc_errf(err, SC_EINVAL, "every gene %s shares with %s is held out: none is left "
			       "to train on", sc_path_basename(psp), sc_path_basename(pref));
	return 0;
}

int sc_imp_genes_build(sc_imp_genes *g, size_t *by_case, const char *psp, const char *pref,
		       const json_t *test_genes, uint64_t seed, sc_err *err)
{
	memset(g, 0, sizeof(*g));
	sc_h5ad *hs = NULL, *hr = NULL;
	char **sp = NULL, **ref = NULL;
	size_t ns = 0, nr = 0;
	int32_t *ref_of = NULL;
	int rc = sc_h5ad_open(&hs, psp, err);
	if (rc || (rc = sc_h5ad_open(&hr, pref, err)) ||
	    (rc = sc_h5ad_read_index(&sp, &ns, hs, "var", err)) ||
	    (rc = sc_h5ad_read_index(&ref, &nr, hr, "var", err)))
		goto out;
	if (!sc_h5ad_has(hs, "obsm/spatial")) {
		rc = sc_errf(err, SC_EINVAL, "%s: the spots have no coordinates (no obsm/spatial)",
			     sc_path_basename(psp));
		goto out;
	}
	ref_of = sc_xmalloc((ns ? ns : 1) * sizeof(int32_t));
	size_t shared = match_genes(ref_of, sp, ns, ref, nr, by_case);
	if (shared < 2) {
		rc = sc_errf(err, SC_EINVAL, "%s and %s share %s gene (e.g. '%s' vs '%s')",
			     sc_path_basename(psp), sc_path_basename(pref), shared ? "only one" : "no",
			     ns ? sp[0] : "", nr ? ref[0] : "");
		goto out;
	}
	g->spatial = sc_xmalloc(shared * sizeof(char *));
	g->reference = sc_xmalloc(shared * sizeof(char *));
	g->test = sc_xcalloc(shared, sizeof(int));
	for (size_t j = 0; j < ns; j++)
		if (ref_of[j] >= 0) {
			g->spatial[g->n] = sc_xstrdup(sp[j]);
			g->reference[g->n++] = sc_xstrdup(ref[ref_of[j]]);
		}
	rc = choose_test(g, test_genes, seed, sp, ns, ref, nr, ref_of, psp, pref, err);
out:
	if (rc)
		sc_imp_genes_free(g);
	free(ref_of);
	sc_h5ad_strings_free(sp, ns);
	sc_h5ad_strings_free(ref, nr);
	sc_h5ad_close(hs);
	sc_h5ad_close(hr);
	return rc;
}

static int imputation_genes(sc_step_ctx *c)
{
	const char *psp = sc_step_need(c, "spatial"), *pref = sc_step_need(c, "reference");
	if (!psp || !pref)
		return c->err->code;
	sc_imp_genes g;
	size_t by_case = 0;
	int rc = sc_imp_genes_build(&g, &by_case, psp, pref, json_object_get(c->params, "test_genes"),
				    (uint64_t)c->seed, c->err);
	if (rc)
		return rc;
	if (by_case)
		sc_step_note(c, "%zu of %zu shared genes matched only ignoring case", by_case, g.n);
	char *path = sc_step_out(c, SC_IMP_GENES_FILE);
	rc = sc_imp_genes_write(&g, path, c->err);
	free(path);
	sc_imp_genes_free(&g);
	return rc;
}

const sc_step_kind sc_imputation_genes_kind = {
	.name = "imputation.genes",
	.version = "1",
	.run = imputation_genes,
	.summary = "match the spatial and reference genes and choose the held-out ones",
};
