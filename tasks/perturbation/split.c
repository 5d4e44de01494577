/*
 * tasks/perturbation/split.c - train/test splits of perturbations, as
 * GEARS's DataSplitter (gears/data_utils.py) makes them.
 *
 * simulation: the perturbed genes (sorted) are drawn in a random order; the
 *   first floor(n * train_gene_set_size) are training genes. Singles of
 *   training genes train; singles of the others are `unseen_single`;
 *   combinations with one training gene are `combo_seen1`, with none
 *   `combo_seen0`; those with two (sorted) are drawn in a random order and
 *   the first floor(n * combo_seen2_train_frac) train, the rest are
 *   `combo_seen2`.
 * single: the first floor(n_singles * test_size) (at least 1) genes of the
 *   drawn order are test genes; their singles are tested, combinations that
 *   hold one are held out.
 * What differs from GEARS: the draws come from sceval's generator
 *   (sc_rng_stream(seed, 0) for genes, stream 1 for combinations), not
 *   numpy's; GEARS's `single` draws genes with replacement (so it may test
 *   fewer), sceval without; GEARS carves a validation set from training,
 *   sceval does not (the baselines need none). The draws are kept so a test
 *   can replay GEARS's logic on them.
 */
#include "pert.h"
#include "tasks/core/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const sc_pert_subgroup_names[SC_PERT_N_SG] = {
	"train", "combo_seen0", "combo_seen1", "combo_seen2", "unseen_single",
};

void sc_pert_split_free(sc_pert_split *s)
{
	if (!s)
		return;
	free(s->set);
	free(s->subgroup);
	for (size_t i = 0; i < s->n_genes; i++)
		free(s->gene_order[i]);
	free(s->gene_order);
	for (size_t i = 0; i < s->n_combos; i++)
		free(s->combo_order[i]);
	free(s->combo_order);
	memset(s, 0, sizeof(*s));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted unique genes of the conditions (np.unique of the members). */
static char **unique_genes(char *const *cond, size_t n, size_t *out_n)
{
	size_t cap = 2 * n + 1, m = 0;
	char **g = sc_xcalloc(cap, sizeof(char *));
	for (size_t k = 1; k < n; k++) {
		char *buf;
		const char *mem[2];
		size_t nm = sc_pert_members(&buf, cond[k], mem, 2);
		for (size_t j = 0; j < nm; j++)
			g[m++] = sc_xstrdup(mem[j]);
		free(buf);
	}
	qsort(g, m, sizeof(char *), cmp_str);
	size_t w = 0;
	for (size_t i = 0; i < m; i++) {
		if (w && !strcmp(g[w - 1], g[i])) {
			free(g[i]);
			continue;
		}
		g[w++] = g[i];
	}
	*out_n = w;
	return g;
}

/* Names in a random order drawn from stream `stream` of seed. */
static void draw_order(char **names, size_t n, uint64_t seed, uint64_t stream)
{
	sc_rng r;
	sc_rng_stream(&r, seed, stream);
	size_t *idx = sc_xmalloc((n ? n : 1) * sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	sc_rng_shuffle(&r, idx, n);
	char **tmp = sc_xmalloc((n ? n : 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++)
		tmp[i] = names[idx[i]];
	memcpy(names, tmp, n * sizeof(char *));
	free(tmp);
	free(idx);
}

static int in_list(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

static void split_alloc(sc_pert_split *s, size_t n)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->set = sc_xcalloc(n ? n : 1, sizeof(int));
	s->subgroup = sc_xcalloc(n ? n : 1, sizeof(int));
}

/* Members of cond[k] among the first ntrain genes of s->gene_order. */
static size_t seen_members(const sc_pert_split *s, const char *cond, size_t *n_members)
{
	char *buf;
	const char *mem[2];
	size_t nm = sc_pert_members(&buf, cond, mem, 2), seen = 0;
	for (size_t j = 0; j < nm; j++)
		seen += in_list(s->gene_order, s->n_train_genes, mem[j]);
	free(buf);
	*n_members = nm;
	return seen;
}

int sc_pert_split_simulation(sc_pert_split *out, char *const *cond, size_t n,
			     double train_gene_set_size, double combo_seen2_train_frac,
			     uint64_t seed, sc_err *err)
{
	split_alloc(out, n);
	out->gene_order = unique_genes(cond, n, &out->n_genes);
	if (out->n_genes < 2) {
		sc_pert_split_free(out);
		return sc_errf(err, SC_EINVAL, "%zu perturbed gene%s: nothing to split",
			       out->n_genes, out->n_genes == 1 ? "" : "s");
	}
	draw_order(out->gene_order, out->n_genes, seed, 0);
	out->n_train_genes = (size_t)floor((double)out->n_genes * train_gene_set_size);
	out->combo_order = sc_xcalloc(n ? n : 1, sizeof(char *));
	for (size_t k = 1; k < n; k++) {
		size_t nm, seen = seen_members(out, cond[k], &nm);
		if (nm == 1) {
			out->set[k] = seen ? SC_PERT_TRAIN : SC_PERT_TEST;
			out->subgroup[k] = seen ? SC_PERT_SG_NONE : SC_PERT_SG_UNSEEN_SINGLE;
		} else if (seen < 2) {
			out->set[k] = SC_PERT_TEST;
			out->subgroup[k] = seen ? SC_PERT_SG_COMBO_SEEN1 : SC_PERT_SG_COMBO_SEEN0;
		} else {
			out->combo_order[out->n_combos++] = sc_xstrdup(cond[k]);
		}
	}
	qsort(out->combo_order, out->n_combos, sizeof(char *), cmp_str);
	draw_order(out->combo_order, out->n_combos, seed, 1);
	out->n_combo_train = (size_t)floor((double)out->n_combos * combo_seen2_train_frac);
	for (size_t k = 1; k < n; k++) {
		for (size_t j = 0; j < out->n_combos; j++) {
			if (strcmp(out->combo_order[j], cond[k]))
				continue;
			out->set[k] = j < out->n_combo_train ? SC_PERT_TRAIN : SC_PERT_TEST;
			out->subgroup[k] = j < out->n_combo_train ? SC_PERT_SG_NONE : SC_PERT_SG_COMBO_SEEN2;
		}
	}
	return 0;
}

int sc_pert_split_single(sc_pert_split *out, char *const *cond, size_t n, double test_size,
			 uint64_t seed, sc_err *err)
{
	split_alloc(out, n);
	out->gene_order = unique_genes(cond, n, &out->n_genes);
	size_t n_single = 0;
	for (size_t k = 1; k < n; k++)
		n_single += strstr(cond[k], "+ctrl") != NULL;
	size_t n_test = (size_t)floor((double)n_single * test_size);
	if (n_test < 1)
		n_test = 1;
	if (n_single < 2 || n_test >= out->n_genes) {
		sc_pert_split_free(out);
		return sc_errf(err, SC_EINVAL, "%zu single-gene perturbation%s: nothing to split",
			       n_single, n_single == 1 ? "" : "s");
	}
	draw_order(out->gene_order, out->n_genes, seed, 0);
	/* The test genes come first in the order: training genes are the rest. */
	for (size_t k = 1; k < n; k++) {
		char *buf;
		const char *mem[2];
		size_t nm = sc_pert_members(&buf, cond[k], mem, 2), hit = 0;
		for (size_t j = 0; j < nm; j++)
			hit += in_list(out->gene_order, n_test, mem[j]);
		free(buf);
		if (!hit)
			continue;
		out->set[k] = nm == 1 ? SC_PERT_TEST : SC_PERT_HELD_OUT;
		out->subgroup[k] = nm == 1 ? SC_PERT_SG_UNSEEN_SINGLE : SC_PERT_SG_NONE;
	}
	/* Recorded as "the first n_train_genes are the test genes" would
	 * mislead: say how many were drawn for the test. */
	out->n_train_genes = out->n_genes - n_test;
	return 0;
}

void sc_pert_split_list(sc_pert_split *out, char *const *cond, size_t n, const uint8_t *is_test)
{
	split_alloc(out, n);
	for (size_t k = 1; k < n; k++)
		out->set[k] = is_test[k] ? SC_PERT_TEST : SC_PERT_TRAIN;
	for (size_t k = 1; k < n; k++) {
		if (!is_test[k])
			continue;
		char *buf;
		const char *mem[2];
		size_t nm = sc_pert_members(&buf, cond[k], mem, 2), seen = 0;
		for (size_t j = 0; j < nm && nm > 1; j++) {
			char *single = sc_xasprintf("%s+ctrl", mem[j]);
			for (size_t q = 1; q < n; q++)
				if (!is_test[q] && !strcmp(cond[q], single))
					seen++;
			free(single);
		}
		free(buf);
		out->subgroup[k] = nm == 1 ? SC_PERT_SG_UNSEEN_SINGLE
			: seen == 0 ? SC_PERT_SG_COMBO_SEEN0
			: seen == 1 ? SC_PERT_SG_COMBO_SEEN1 : SC_PERT_SG_COMBO_SEEN2;
	}
}
