/*
 * isolated.c - scib's isolated-label F1 and ASW from what the suite has
 * already computed (the sweep's clusterings, the per-cell silhouettes by
 * label), so neither costs more than a pass over the cells.
 */
#include "isolated.h"
#include "tasks/scib/clusters.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int sc_scib_isolated_labels(unsigned char *iso, size_t *n_iso, const sc_labels *labels,
			    const sc_labels *batches, size_t iso_threshold, sc_scib_why *why,
			    sc_err *err)
{
	sc_scib_cats lab = { 0 }, bat = { 0 };
	size_t n = labels ? labels->n : 0;
	int rc;
	if ((rc = sc_scib_cats_init(&lab, labels, n, "labels", err)) ||
	    (rc = sc_scib_cats_init(&bat, batches, n, "batches", err)))
		goto out;
	sc_scib_why_clear(why);
	memset(iso, 0, labels->ncat);
	*n_iso = 0;
	/* distinct (label, batch) pairs */
	unsigned char *seen = sc_xcalloc(sc_mulsz(lab.k, bat.k) + 1, 1);
	size_t *nb = sc_xcalloc(lab.k + 1, sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		size_t p = (size_t)lab.code[i] * bat.k + (size_t)bat.code[i];
		if (!seen[p]) {
			seen[p] = 1;
			nb[lab.code[i]]++;
		}
	}
	size_t thr = iso_threshold;
	if (!thr) {
		thr = (size_t)-1;
		for (size_t l = 0; l < lab.k; l++)
			if (nb[l] < thr)
				thr = nb[l];
	}
	if (lab.k == 0) {
		sc_scib_nan(why, "no labels");
	} else if (thr == bat.k) {
		sc_scib_nan(why, "every label occurs in all %zu batches: no isolated label", bat.k);
	} else {
		for (size_t l = 0; l < lab.k; l++)
			if (nb[l] <= thr) {
				iso[lab.orig[l]] = 1;
				(*n_iso)++;
			}
		if (!*n_iso)
			sc_scib_nan(why, "no label occurs in %zu batches or fewer", thr);
	}
	free(nb);
	free(seen);
out:
	sc_scib_cats_free(&lab);
	sc_scib_cats_free(&bat);
	return rc;
}

int sc_scib_isolated_f1(double *out, double *per_label, const int32_t *memberships,
			size_t nres, const sc_labels *labels, const sc_labels *batches,
			size_t iso_threshold, sc_scib_why *why, sc_err *err)
{
	size_t n = labels ? labels->n : 0, ni = 0;
	unsigned char *iso = sc_xmalloc(labels ? labels->ncat + 1 : 1);
	double *f = NULL;
	int rc = sc_scib_isolated_labels(iso, &ni, labels, batches, iso_threshold, why, err);
	if (rc)
		goto out;
	if (per_label)
		for (size_t j = 0; j < labels->ncat; j++)
			per_label[j] = NAN;
	if (!ni) {
		*out = NAN;
		goto out;
	}
	if (!nres) {
		*out = sc_scib_nan(why, "no clusterings to score");
		goto out;
	}
	f = sc_xmalloc(sizeof(double) * ni);
	size_t u = 0;
	for (size_t j = 0; j < labels->ncat; j++) {
		if (!iso[j])
			continue;
		/* scib keeps the first clustering with a strictly higher F1 than
		 * all before, starting from 0: the maximum (or 0) */
		double best = 0;
		for (size_t r = 0; r < nres; r++) {
			double v;
			if ((rc = sc_scib_max_f1(&v, NULL, memberships + r * n, labels->codes, (int32_t)j,
						 n, err)))
				goto out;
			if (best < v)
				best = v;
		}
		f[u++] = best;
		if (per_label)
			per_label[j] = best;
	}
	*out = sc_scib_np_sum(f, ni) / (double)ni;
out:
	free(f);
	free(iso);
	return rc;
}

int sc_scib_isolated_asw(double *out, double *per_label, const double *silhouette_by_label,
			 const sc_labels *labels, const sc_labels *batches,
			 size_t iso_threshold, sc_scib_why *why, sc_err *err)
{
	size_t n = labels ? labels->n : 0, ni = 0;
	unsigned char *iso = sc_xmalloc(labels ? labels->ncat + 1 : 1);
	double *f = NULL, *vals = NULL;
	int rc = sc_scib_isolated_labels(iso, &ni, labels, batches, iso_threshold, why, err);
	if (rc)
		goto out;
	if (per_label)
		for (size_t j = 0; j < labels->ncat; j++)
			per_label[j] = NAN;
	if (!ni) {
		*out = NAN;
		goto out;
	}
	f = sc_xmalloc(sizeof(double) * ni);
	vals = sc_xmalloc(sizeof(double) * (n + 1));
	size_t u = 0;
	for (size_t j = 0; j < labels->ncat; j++) {
		if (!iso[j])
			continue;
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (labels->codes[i] == (int32_t)j)
				vals[m++] = silhouette_by_label[i];
		/* pandas mean skips NaN (a silhouette left undefined) */
		double s = sc_scib_nanmean(vals, m);
		f[u] = (s + 1) / 2;
		if (per_label)
			per_label[j] = f[u];
		u++;
	}
	*out = sc_scib_nanmean(f, ni);
	if (isnan(*out))
		*out = sc_scib_nan(why, "silhouettes of the isolated labels are undefined");
out:
	free(vals);
	free(f);
	free(iso);
	return rc;
}
