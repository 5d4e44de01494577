/*
 * tasks/perturbation/steps.c - the steps that prepare a perturbation
 * benchmark: prepare (cells and GEARS-named conditions), de (the ranking
 * GEARS's metrics need), split (seeded) and predict (the built-in
 * baselines). eval.c scores any method's predictions.
 */
#include "perturbation.h"
#include "io/h5ad.h"
#include "tasks/core/preprocess.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- perturbation.prepare ------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Cells kept by the 'select' mapping {COLUMN: VALUE or [VALUES]}. */
static int select_cells(sc_step_ctx *c, sc_h5ad *h, uint8_t *keep, size_t n)
{
	const json_t *sel = json_object_get(c->params, "select");
	const char *col;
	json_t *want;
	json_object_foreach((json_t *)sel, col, want)
	{
		sc_labels l;
		int rc = sc_h5ad_read_labels(&l, h, "obs", col, c->err);
		if (rc)
			return rc;
		uint8_t *ok = sc_xcalloc(l.ncat + 1, 1);
		size_t nw = json_is_array(want) ? json_array_size(want) : 1;
		for (size_t i = 0; i < nw; i++) {
			const char *v = json_string_value(json_is_array(want) ? json_array_get(want, i) : want);
			size_t k;
			for (k = 0; v && k < l.ncat; k++)
				if (!strcmp(l.names[k], v))
					break;
			if (!v || k == l.ncat) {
				free(ok);
				sc_labels_free(&l);
				return sc_errf(c->err, SC_EINVAL, "select: obs column '%s' has no value '%s'",
					       col, v ? v : "?");
			}
			ok[k] = 1;
		}
		for (size_t i = 0; i < n; i++)
			if (l.codes[i] < 0 || !ok[l.codes[i]])
				keep[i] = 0;
		free(ok);
		sc_labels_free(&l);
	}
	return 0;
}

/* Whether every stored value is a non-negative integer (raw counts). */
static int looks_like_counts(const sc_csr *x)
{
	size_t nnz = sc_csr_nnz(x);
	for (size_t p = 0; p < nnz; p++)
		if (x->data[p] < 0 || x->data[p] != floor(x->data[p]))
			return 0;
	return 1;
}

typedef struct prep {
	char **cond;      /* conditions: ctrl first, then sorted */
	size_t n_cond;
	int32_t *cat_to_cond; /* label category -> condition or -1 */
} prep;

static void prep_free(prep *p)
{
	for (size_t k = 0; k < p->n_cond; k++)
		free(p->cond[k]);
	free(p->cond);
	free(p->cat_to_cond);
}

/* The GEARS names of the label categories. */
static int name_conditions(sc_step_ctx *c, const sc_labels *lab, prep *p)
{
	sc_pert_label_opts o;
	sc_pert_label_opts_of(&o, c->params);
	char **canon = sc_xcalloc(lab->ncat + 1, sizeof(char *));
	p->cond = sc_xcalloc(lab->ncat + 2, sizeof(char *));
	p->cond[p->n_cond++] = sc_xstrdup("ctrl");
	for (size_t k = 0; k < lab->ncat; k++) {
		size_t nm;
		canon[k] = sc_pert_normalize(lab->names[k], &o, &nm);
		if (nm > 2) {
			int rc = sc_errf(c->err, SC_EINVAL,
					 "perturbation '%s' combines %zu genes; GEARS's subgroups cover 1 or 2",
					 lab->names[k], nm);
			for (size_t j = 0; j <= k; j++)
				free(canon[j]);
			free(canon);
			return rc;
		}
		if (!canon[k] || !strcmp(canon[k], "ctrl"))
			continue;
		size_t j;
		for (j = 1; j < p->n_cond; j++)
			if (!strcmp(p->cond[j], canon[k]))
				break;
		if (j == p->n_cond)
			p->cond[p->n_cond++] = sc_xstrdup(canon[k]);
	}
	qsort(p->cond + 1, p->n_cond - 1, sizeof(char *), cmp_str);
	p->cat_to_cond = sc_xmalloc((lab->ncat + 1) * sizeof(int32_t));
	for (size_t k = 0; k < lab->ncat; k++) {
		p->cat_to_cond[k] = -1;
		for (size_t j = 0; canon[k] && j < p->n_cond; j++)
			if (!strcmp(p->cond[j], canon[k]))
				p->cat_to_cond[k] = (int32_t)j;
		free(canon[k]);
	}
	free(canon);
	return 0;
}

/* The rows of x with keep set, as a new matrix. */
static void csr_rows(sc_csr *out, const sc_csr *x, const uint8_t *keep)
{
	size_t rows = 0, nnz = 0;
	for (size_t i = 0; i < x->rows; i++)
		if (keep[i]) {
			rows++;
			nnz += (size_t)(x->indptr[i + 1] - x->indptr[i]);
		}
	sc_csr_alloc(out, rows, x->cols, nnz);
	size_t r = 0, q = 0;
	out->indptr[0] = 0;
	for (size_t i = 0; i < x->rows; i++) {
		if (!keep[i])
			continue;
		for (int64_t p = x->indptr[i]; p < x->indptr[i + 1]; p++, q++) {
			out->indices[q] = x->indices[p];
			out->data[q] = x->data[p];
		}
		out->indptr[++r] = (int64_t)q;
	}
}

/* summary.tsv and the notes: what was found, what was skipped. */
static int write_summary(sc_step_ctx *c, const prep *p, const size_t *ncells, const uint8_t *dropped,
			 char *const *genes, size_t n_genes, size_t min_cells)
{
	sc_buf b = SC_BUF_INIT, skipped = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_buf_init(&skipped);
	sc_buf_puts(&b, "condition\tkind\tn_cells\tstatus\ttargets_absent_from_genes\n");
	size_t ns = 0, nc = 0, nskip = 0, n_targets = 0, n_absent = 0;
	for (size_t k = 0; k < p->n_cond; k++) {
		char *buf;
		const char *mem[2];
		size_t nm = sc_pert_members(&buf, p->cond[k], mem, 2);
		sc_buf_printf(&b, "%s\t%s\t%zu\t%s\t", p->cond[k],
			      k == 0 ? "control" : nm == 1 ? "single" : "combination", ncells[k],
			      !ncells[k] ? "absent" : dropped[k] ? "skipped" : "kept");
		for (size_t j = 0, w = 0; j < nm; j++) {
			int found = 0;
			for (size_t g = 0; g < n_genes && !found; g++)
				found = !strcmp(genes[g], mem[j]);
			n_targets++;
			if (!found) {
				n_absent++;
				sc_buf_printf(&b, "%s%s", w++ ? "," : "", mem[j]);
			}
		}
		sc_buf_putc(&b, '\n');
		free(buf);
		if (dropped[k] && !ncells[k])
			continue;
		if (dropped[k]) {
			sc_buf_printf(&skipped, "%s%s (%zu)", nskip++ ? ", " : "", p->cond[k], ncells[k]);
			continue;
		}
		ns += k && nm == 1;
		nc += k && nm == 2;
	}
	sc_step_note(c, "%zu perturbations kept: %zu single genes, %zu combinations; %zu control cells; "
			"%zu of %zu targets absent from the %zu genes",
		     ns + nc, ns, nc, ncells[0], n_absent, n_targets, n_genes);
	if (nskip)
		sc_step_note(c, "%zu perturbation%s with fewer than %zu cells skipped: %s", nskip,
			     nskip == 1 ? "" : "s", min_cells, skipped.s);
	char *path = sc_step_out(c, SC_PERT_SUMMARY);
	int rc = sc_write_file_atomic(path, b.s, b.len, 0644, c->err);
	free(path);
	sc_buf_free(&b);
	sc_buf_free(&skipped);
	return rc;
}

static int write_cells(sc_step_ctx *c, const sc_csr *x, char **cell_names, const int32_t *codes,
		       const prep *p, const uint8_t *dropped, char *const *genes, size_t n_genes)
{
	/* Conditions renumbered without the skipped ones. */
	int32_t *renum = sc_xmalloc(p->n_cond * sizeof(int32_t));
	char **names = sc_xcalloc(p->n_cond, sizeof(char *));
	size_t nk = 0;
	for (size_t k = 0; k < p->n_cond; k++) {
		renum[k] = dropped[k] ? -1 : (int32_t)nk;
		if (!dropped[k])
			names[nk++] = p->cond[k];
	}
	int32_t *cc = sc_xmalloc((x->rows ? x->rows : 1) * sizeof(int32_t));
	for (size_t i = 0; i < x->rows; i++)
		cc[i] = renum[codes[i]];
	char *path = sc_step_out(c, SC_PERT_CELLS);
	sc_h5ad_writer *w = NULL;
	int rc;
	if ((rc = sc_h5ad_create(&w, path, c->err)) ||
	    (rc = sc_h5ad_write_index(w, "obs", cell_names, x->rows, c->err)) ||
	    (rc = sc_h5ad_write_categorical(w, "obs", SC_PERT_OBS_CONDITION, cc, x->rows, names, nk, 0,
					    c->err)) ||
	    (rc = sc_h5ad_write_index(w, "var", genes, n_genes, c->err)) ||
	    (rc = sc_h5ad_write_csr(w, "X", x, SC_H5AD_F64, c->err)))
		goto out;
	rc = sc_h5ad_writer_close(w, c->err);
	w = NULL;
out:
	sc_h5ad_writer_free(w);
	free(path);
	free(cc);
	free(names);
	free(renum);
	return rc;
}

/* The log-normalisation asked for: auto normalises raw counts only. */
static int normalise(sc_step_ctx *c, sc_csr *x)
{
	const char *how = sc_step_str(c, "normalize", "auto");
	int counts = looks_like_counts(x);
	if (!strcmp(how, "none") || (!strcmp(how, "auto") && !counts))
		return 0;
	int rc = sc_normalize_total_csr(x, 1e4, c->err);
	if (rc)
		return rc;
	sc_log1p_csr(x);
	sc_step_note(c, "%s X normalised to 10,000 per cell and log1p-transformed",
		     counts ? "counts in" : "values in");
	return 0;
}

static int pert_prepare(sc_step_ctx *c)
{
	const char *pd = sc_step_need(c, "data");
	if (!pd)
		return c->err->code;
	const char *key = sc_step_str(c, "perturbation_key", "condition");
	size_t min_cells = (size_t)sc_step_int(c, "min_cells", 10);
	sc_h5ad *h = NULL;
	sc_labels lab = { 0 };
	sc_csr x = { 0 }, xk = { 0 };
	prep p = { 0 };
	char **cells = NULL, **genes = NULL, **kept_names = NULL;
	size_t n_cells = 0, n_genes = 0;
	uint8_t *keep = NULL, *dropped = NULL;
	size_t *ncells = NULL;
	int32_t *codes = NULL;
	int rc = sc_h5ad_open(&h, pd, c->err);
	if (rc || (rc = sc_h5ad_read_labels(&lab, h, "obs", key, c->err)) ||
	    (rc = sc_h5ad_read_index(&cells, &n_cells, h, "obs", c->err)) ||
	    (rc = sc_h5ad_read_index(&genes, &n_genes, h, "var", c->err)) ||
	    (rc = name_conditions(c, &lab, &p)))
		goto out;
	keep = sc_xmalloc(n_cells ? n_cells : 1);
	for (size_t i = 0; i < n_cells; i++)
		keep[i] = lab.codes[i] >= 0 && p.cat_to_cond[lab.codes[i]] >= 0;
	if ((rc = select_cells(c, h, keep, n_cells)))
		goto out;
	ncells = sc_xcalloc(p.n_cond, sizeof(size_t));
	for (size_t i = 0; i < n_cells; i++)
		if (keep[i])
			ncells[p.cat_to_cond[lab.codes[i]]]++;
	if (ncells[0] < 2) {
		sc_buf b = SC_BUF_INIT;
		sc_buf_init(&b);
		for (size_t k = 0; k < lab.ncat && k < 12; k++)
			sc_buf_printf(&b, "%s'%s'", k ? ", " : "", lab.names[k]);
		rc = sc_errf(c->err, SC_EINVAL,
			     "%zu control cells: no label of '%s' is 'ctrl' or a 'control' label; have: %s%s",
			     ncells[0], key, b.s, lab.ncat > 12 ? ", ..." : "");
		sc_buf_free(&b);
		goto out;
	}
	dropped = sc_xcalloc(p.n_cond, 1);
	for (size_t k = 1; k < p.n_cond; k++)
		dropped[k] = ncells[k] < min_cells;
	for (size_t i = 0; i < n_cells; i++)
		if (keep[i] && dropped[p.cat_to_cond[lab.codes[i]]])
			keep[i] = 0;
	if ((rc = sc_h5ad_read_csr(&x, h, "X", 0, c->err)))
		goto out;
	csr_rows(&xk, &x, keep);
	sc_csr_free(&x);
	if ((rc = normalise(c, &xk)))
		goto out;
	kept_names = sc_xcalloc(xk.rows + 1, sizeof(char *));
	codes = sc_xmalloc((xk.rows + 1) * sizeof(int32_t));
	for (size_t i = 0, r = 0; i < n_cells; i++)
		if (keep[i]) {
			kept_names[r] = cells[i];
			codes[r++] = p.cat_to_cond[lab.codes[i]];
		}
	if ((rc = write_summary(c, &p, ncells, dropped, genes, n_genes, min_cells)))
		goto out;
	rc = write_cells(c, &xk, kept_names, codes, &p, dropped, genes, n_genes);
out:
	free(kept_names);
	free(codes);
	free(keep);
	free(dropped);
	free(ncells);
	prep_free(&p);
	sc_csr_free(&x);
	sc_csr_free(&xk);
	sc_labels_free(&lab);
	sc_h5ad_strings_free(cells, n_cells);
	sc_h5ad_strings_free(genes, n_genes);
	sc_h5ad_close(h);
	return rc;
}

/* ---- perturbation.de ------------------------------------------------------ */

static int pert_de(sc_step_ctx *c)
{
	const char *pc = sc_step_need(c, "cells");
	if (!pc)
		return c->err->code;
	sc_pert_cells cl;
	int rc = sc_pert_cells_read(&cl, pc, c->err);
	if (rc)
		return rc;
	size_t g = cl.n_genes;
	sc_dmat mean, var;
	size_t *ncells = sc_xcalloc(cl.n_cond, sizeof(size_t));
	sc_pert_condition_stats(&mean, &var, ncells, &cl.x, cl.cell_cond, cl.n_cond);
	double *t = sc_xmalloc((g ? g : 1) * sizeof(double));
	size_t *order = sc_xmalloc((g ? g : 1) * sizeof(size_t));
	size_t nd[SC_PERT_N_DE];
	long *ndrank = sc_xmalloc((g ? g : 1) * sizeof(long));
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_buf_puts(&b, "condition\trank\tgene\tt\tnon_dropout_rank\n");
	for (size_t k = 1; k < cl.n_cond; k++) {
		sc_pert_welch_t(t, &mean, &var, ncells, k);
		sc_pert_rank_abs(order, t, g);
		size_t n_nd = sc_pert_non_dropout_top(nd, SC_PERT_N_DE, order, &mean, k);
		for (size_t j = 0; j < g; j++)
			ndrank[j] = -1;
		for (size_t r = 0; r < n_nd; r++)
			ndrank[nd[r]] = (long)r;
		for (size_t r = 0; r < g; r++)
			sc_buf_printf(&b, "%s\t%zu\t%s\t%.17g\t%ld\n", cl.cond[k], r, cl.genes[order[r]],
				      t[order[r]], ndrank[order[r]]);
	}
	char *path = sc_step_out(c, SC_PERT_DE);
	rc = sc_write_file_atomic(path, b.s, b.len, 0644, c->err);
	free(path);
	sc_buf_free(&b);
	free(ndrank);
	free(order);
	free(t);
	free(ncells);
	sc_dmat_free(&mean);
	sc_dmat_free(&var);
	sc_pert_cells_free(&cl);
	return rc;
}

/* ---- perturbation.split --------------------------------------------------- */

static int split_list(sc_step_ctx *c, sc_pert_split *sp, const sc_pert_cells *cl,
		      const json_t *test)
{
	sc_pert_label_opts o;
	sc_pert_label_opts_of(&o, c->params);
	uint8_t *is_test = sc_xcalloc(cl->n_cond, 1);
	size_t i;
	json_t *v;
	json_array_foreach(test, i, v)
	{
		size_t nm;
		char *name = sc_pert_normalize(json_string_value(v), &o, &nm);
		size_t k;
		for (k = 1; name && k < cl->n_cond; k++)
			if (!strcmp(cl->cond[k], name))
				break;
		free(name);
		if (k >= cl->n_cond) {
			free(is_test);
			return sc_errf(c->err, SC_EINVAL,
				       "split test: no perturbation '%s' among the kept ones (see %s)",
				       json_string_value(v) ? json_string_value(v) : "?", SC_PERT_SUMMARY);
		}
		is_test[k] = 1;
	}
	sc_pert_split_list(sp, cl->cond, cl->n_cond, is_test);
	free(is_test);
	return 0;
}

static int pert_split(sc_step_ctx *c)
{
	const char *pc = sc_step_need(c, "cells");
	if (!pc)
		return c->err->code;
	sc_pert_cells cl;
	int rc = sc_pert_cells_read(&cl, pc, c->err);
	if (rc)
		return rc;
	const json_t *s = json_object_get(c->params, "split");
	const char *kind = sc_json_str(s, "kind", "simulation");
	sc_pert_split sp = { 0 };
	if (!strcmp(kind, "simulation"))
		rc = sc_pert_split_simulation(&sp, cl.cond, cl.n_cond,
					      sc_json_num(s, "train_gene_set_size", 0.75),
					      sc_json_num(s, "combo_seen2_train_frac", 0.75),
					      (uint64_t)c->seed, c->err);
	else if (!strcmp(kind, "single"))
		rc = sc_pert_split_single(&sp, cl.cond, cl.n_cond, sc_json_num(s, "test_size", 0.1),
					  (uint64_t)c->seed, c->err);
	else if (!strcmp(kind, "list"))
		rc = split_list(c, &sp, &cl, json_object_get(s, "test"));
	else
		rc = sc_errf(c->err, SC_EINVAL, "unknown split kind '%s'", kind);
	if (!rc) {
		size_t nt = 0, per[SC_PERT_N_SG] = { 0 };
		for (size_t k = 1; k < sp.n; k++)
			if (sp.set[k] == SC_PERT_TEST) {
				nt++;
				per[sp.subgroup[k]]++;
			}
		if (!nt)
			rc = sc_errf(c->err, SC_EINVAL, "the %s split leaves no test perturbation", kind);
		else
			sc_step_note(c, "%s split: %zu test perturbations (combo_seen0 %zu, combo_seen1 "
					"%zu, combo_seen2 %zu, unseen_single %zu)",
				     kind, nt, per[1], per[2], per[3], per[4]);
	}
	if (!rc) {
		char *p1 = sc_step_out(c, SC_PERT_SPLIT), *p2 = sc_step_out(c, SC_PERT_DRAWS);
		rc = sc_pert_split_write(&sp, cl.cond, p1, p2, c->err);
		free(p1);
		free(p2);
	}
	sc_pert_split_free(&sp);
	sc_pert_cells_free(&cl);
	return rc;
}

/* ---- perturbation.predict ------------------------------------------------- */

static int write_predictions(sc_step_ctx *c, const sc_dmat *pred, char **names,
			     char *const *genes, size_t n_genes, const char *method)
{
	char *path = sc_step_out(c, SC_PERT_PRED);
	sc_h5ad_writer *w = NULL;
	int rc;
	if ((rc = sc_h5ad_create(&w, path, c->err)) ||
	    (rc = sc_h5ad_write_index(w, "obs", names, pred->rows, c->err)) ||
	    (rc = sc_h5ad_write_index(w, "var", genes, n_genes, c->err)) ||
	    (rc = sc_h5ad_write_dense(w, "X", pred, SC_H5AD_F64, c->err)) ||
	    (rc = sc_h5ad_write_uns_string(w, "method", method, c->err)))
		goto out;
	rc = sc_h5ad_writer_close(w, c->err);
	w = NULL;
out:
	sc_h5ad_writer_free(w);
	free(path);
	return rc;
}

static int pert_predict(sc_step_ctx *c)
{
	const char *pc = sc_step_need(c, "cells"), *ps = sc_step_need(c, "split");
	if (!pc || !ps)
		return c->err->code;
	const char *method = sc_step_str(c, "method", "additive");
	sc_pert_cells cl;
	int rc = sc_pert_cells_read(&cl, pc, c->err);
	if (rc)
		return rc;
	sc_pert_split sp = { 0 };
	sc_dmat mean = { 0 }, var = { 0 }, pred = { 0 };
	size_t *ncells = sc_xcalloc(cl.n_cond, sizeof(size_t));
	size_t *test = sc_xcalloc(cl.n_cond, sizeof(size_t)), nt = 0, missing = 0;
	char **names = sc_xcalloc(cl.n_cond, sizeof(char *));
	if ((rc = sc_pert_split_read(&sp, ps, cl.cond, cl.n_cond, c->err)))
		goto out;
	sc_pert_condition_stats(&mean, &var, ncells, &cl.x, cl.cell_cond, cl.n_cond);
	for (size_t k = 1; k < cl.n_cond; k++)
		if (sp.set[k] == SC_PERT_TEST) {
			names[nt] = cl.cond[k];
			test[nt++] = k;
		}
	sc_pert_linear_opts lo = { (size_t)sc_step_int(c, "pca_dim", 10), sc_step_num(c, "ridge", 0.1) };
	if ((rc = sc_pert_predict(&pred, method, &mean, cl.cond, &sp, test, nt, cl.genes, &lo,
				  &missing, c->err)))
		goto out;
	if (missing)
		sc_step_note(c, "%s: %zu test perturbation member%s without an effect to use (%s)",
			     method, missing, missing == 1 ? "" : "s",
			     !strcmp(method, "linear") ? "target not among the genes"
						       : "no training single");
	rc = write_predictions(c, &pred, names, cl.genes, cl.n_genes, method);
out:
	free(names);
	free(test);
	free(ncells);
	sc_dmat_free(&mean);
	sc_dmat_free(&var);
	sc_dmat_free(&pred);
	sc_pert_split_free(&sp);
	sc_pert_cells_free(&cl);
	return rc;
}

const sc_step_kind sc_pert_prepare_kind = { "perturbation.prepare", "1", pert_prepare,
					    "GEARS-named conditions and log-normalised cells" };
const sc_step_kind sc_pert_de_kind = { "perturbation.de", "1", pert_de,
				       "Welch t-test DE ranking of each condition against ctrl" };
const sc_step_kind sc_pert_split_kind = { "perturbation.split", "1", pert_split,
					  "GEARS's simulation or single split, or a list" };
const sc_step_kind sc_pert_predict_kind = { "perturbation.predict", "1", pert_predict,
					    "a built-in baseline's mean profiles of the test set" };
