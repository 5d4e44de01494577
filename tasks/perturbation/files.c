/*
 * tasks/perturbation/files.c - the files the perturbation steps pass to
 * each other: cells.h5ad (the prepared cells), split.tsv and draws.tsv (the
 * split), de.tsv (the DE ranking). Plain TSV so that a user, a report or a
 * test reads them without sceval.
 */
#include "perturbation.h"
#include "io/h5ad.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"

#include <stdlib.h>
#include <string.h>

void sc_pert_label_opts_of(sc_pert_label_opts *o, const json_t *params)
{
	memset(o, 0, sizeof(*o));
	const json_t *c = json_object_get(params, "control");
	size_t i;
	json_t *v;
	if (json_is_string(c))
		o->controls[o->n_controls++] = json_string_value(c);
	json_array_foreach(c, i, v)
		if (json_is_string(v) && o->n_controls < SC_PERT_MAX_CONTROLS)
			o->controls[o->n_controls++] = json_string_value(v);
	o->sep = sc_json_str(params, "separator", "+");
	o->guide_sep = sc_json_str(params, "guide_separator", NULL);
}

void sc_pert_cells_free(sc_pert_cells *c)
{
	if (!c)
		return;
	sc_csr_free(&c->x);
	sc_h5ad_strings_free(c->genes, c->n_genes);
	sc_h5ad_strings_free(c->cond, c->n_cond);
	free(c->cell_cond);
	memset(c, 0, sizeof(*c));
}

int sc_pert_cells_read(sc_pert_cells *out, const char *path, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	sc_h5ad *h = NULL;
	sc_labels lab = { 0 };
	int rc = sc_h5ad_open(&h, path, err);
	if (rc || (rc = sc_h5ad_read_csr(&out->x, h, "X", 0, err)) ||
	    (rc = sc_h5ad_read_index(&out->genes, &out->n_genes, h, "var", err)) ||
	    (rc = sc_h5ad_read_labels(&lab, h, "obs", SC_PERT_OBS_CONDITION, err)))
		goto out;
	if (!lab.ncat || strcmp(lab.names[0], "ctrl")) {
		rc = sc_errf(err, SC_ECORRUPT, "%s: the first condition is not 'ctrl'",
			     sc_path_basename(path));
		goto out;
	}
	out->cond = lab.names;
	out->n_cond = lab.ncat;
	out->cell_cond = lab.codes;
	memset(&lab, 0, sizeof(lab));
out:
	sc_labels_free(&lab);
	sc_h5ad_close(h);
	if (rc)
		sc_pert_cells_free(out);
	return rc;
}

int sc_pert_split_write(const sc_pert_split *s, char *const *cond, const char *path,
			const char *draws_path, sc_err *err)
{
	static const char *const sets[] = { "train", "test", "held_out" };
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_buf_puts(&b, "condition\tset\tsubgroup\n");
	for (size_t k = 0; k < s->n; k++)
		sc_buf_printf(&b, "%s\t%s\t%s\n", cond[k], sets[s->set[k]],
			      sc_pert_subgroup_names[s->subgroup[k]]);
	int rc = sc_write_file_atomic(path, b.s, b.len, 0644, err);
	sc_buf_reset(&b);
	sc_buf_puts(&b, "kind\tposition\tname\tdrawn_for\n");
	for (size_t i = 0; i < s->n_genes; i++)
		sc_buf_printf(&b, "gene\t%zu\t%s\t%s\n", i, s->gene_order[i],
			      i < s->n_train_genes ? "first" : "rest");
	for (size_t i = 0; i < s->n_combos; i++)
		sc_buf_printf(&b, "combo\t%zu\t%s\t%s\n", i, s->combo_order[i],
			      i < s->n_combo_train ? "first" : "rest");
	if (!rc)
		rc = sc_write_file_atomic(draws_path, b.s, b.len, 0644, err);
	sc_buf_free(&b);
	return rc;
}

/* The next line of a buffer, NUL-terminated in place; NULL at the end. */
static char *next_line(char **p)
{
	if (!*p || !**p)
		return NULL;
	char *l = *p, *e = strchr(l, '\n');
	if (e) {
		*e = 0;
		*p = e + 1;
	} else {
		*p = l + strlen(l);
	}
	return l;
}

/* Split a line at tabs into up to max fields; returns the count. */
static size_t fields(char *l, char **f, size_t max)
{
	size_t n = 0;
	for (char *p = l; p && n < max;) {
		f[n++] = p;
		p = strchr(p, '\t');
		if (p)
			*p++ = 0;
	}
	return n;
}

static long cond_index(char *const *cond, size_t n, const char *name)
{
	for (size_t k = 0; k < n; k++)
		if (!strcmp(cond[k], name))
			return (long)k;
	return -1;
}

int sc_pert_split_read(sc_pert_split *out, const char *path, char *const *cond, size_t n_cond,
		       sc_err *err)
{
	memset(out, 0, sizeof(*out));
	sc_buf b = SC_BUF_INIT;
	int rc = sc_read_file(&b, path, err);
	if (rc)
		return rc;
	out->n = n_cond;
	out->set = sc_xcalloc(n_cond ? n_cond : 1, sizeof(int));
	out->subgroup = sc_xcalloc(n_cond ? n_cond : 1, sizeof(int));
	char *p = b.s, *l;
	next_line(&p); /* header */
	while ((l = next_line(&p))) {
		char *f[3];
		if (fields(l, f, 3) != 3)
			continue;
		long k = cond_index(cond, n_cond, f[0]);
		if (k < 0) {
			rc = sc_errf(err, SC_ECORRUPT, "%s: unknown condition '%s'",
				     sc_path_basename(path), f[0]);
			break;
		}
		out->set[k] = !strcmp(f[1], "test") ? SC_PERT_TEST
			      : !strcmp(f[1], "held_out") ? SC_PERT_HELD_OUT : SC_PERT_TRAIN;
		for (int g = 0; g < SC_PERT_N_SG; g++)
			if (!strcmp(f[2], sc_pert_subgroup_names[g]))
				out->subgroup[k] = g;
	}
	sc_buf_free(&b);
	if (rc)
		sc_pert_split_free(out);
	return rc;
}

void sc_pert_de_free(sc_pert_de *d)
{
	if (!d)
		return;
	free(d->de);
	free(d->n_de);
	free(d->nd);
	free(d->n_nd);
	memset(d, 0, sizeof(*d));
}

int sc_pert_de_read(sc_pert_de *out, const char *path, const sc_pert_cells *c, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	sc_buf b = SC_BUF_INIT;
	int rc = sc_read_file(&b, path, err);
	if (rc)
		return rc;
	size_t n = c->n_cond;
	out->n_cond = n;
	out->de = sc_xcalloc(n * SC_PERT_N_DE, sizeof(size_t));
	out->nd = sc_xcalloc(n * SC_PERT_N_DE, sizeof(size_t));
	out->n_de = sc_xcalloc(n, sizeof(size_t));
	out->n_nd = sc_xcalloc(n, sizeof(size_t));
	char *p = b.s, *l;
	next_line(&p);
	while ((l = next_line(&p))) {
		char *f[5];
		if (fields(l, f, 5) != 5)
			continue;
		long k = cond_index(c->cond, n, f[0]);
		long g = cond_index(c->genes, c->n_genes, f[2]);
		if (k < 1 || g < 0) {
			rc = sc_errf(err, SC_ECORRUPT, "%s: unknown %s '%s'", sc_path_basename(path),
				     k < 1 ? "condition" : "gene", k < 1 ? f[0] : f[2]);
			break;
		}
		long rank = strtol(f[1], NULL, 10), ndr = strtol(f[4], NULL, 10);
		if (rank >= 0 && rank < SC_PERT_N_DE) {
			out->de[k * SC_PERT_N_DE + rank] = (size_t)g;
			out->n_de[k]++;
		}
		if (ndr >= 0 && ndr < SC_PERT_N_DE) {
			out->nd[k * SC_PERT_N_DE + ndr] = (size_t)g;
			out->n_nd[k]++;
		}
	}
	sc_buf_free(&b);
	if (rc)
		sc_pert_de_free(out);
	return rc;
}
