/*
 * split.c - seeded stratified, by-group and k-fold splits of labelled cells.
 *
 * Why: every classification baseline and every model's predictions are
 * scored on a held-out set, and the split is part of a step's cache key, so
 * it must be a pure function of (labels, fraction, seed): one generator,
 * consumed in a fixed order. sklearn's allocation rules (how many cells of
 * each class go where) are followed so the class balance of the sets is the
 * one the published numbers were made with; the drawn cells differ.
 * Workload: up to a few million cells and thousands of classes; a sort of
 * (code, row) pairs dominates, O(n log n).
 */
#include "tasks/classify/split.h"
#include "tasks/core/rng.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void sc_split_free(sc_split *s)
{
	if (!s)
		return;
	free(s->train);
	free(s->test);
	free(s->small);
	free(s->unseen);
	memset(s, 0, sizeof(*s));
}

void sc_folds_free(sc_folds *f)
{
	if (!f)
		return;
	free(f->fold);
	free(f->small);
	memset(f, 0, sizeof(*f));
}

typedef struct crow {
	int32_t code;
	size_t row;
} crow;

static int cmp_crow(const void *a, const void *b)
{
	const crow *x = a, *y = b;
	if (x->code != y->code)
		return (x->code > y->code) - (x->code < y->code);
	return (x->row > y->row) - (x->row < y->row);
}

/* By first row only (classes have distinct first rows). */
static int cmp_first(const void *a, const void *b)
{
	size_t x = ((const crow *)a)->row, y = ((const crow *)b)->row;
	return (x > y) - (x < y);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

/* Labelled rows sorted by (code, row); *nmissing gets the unlabelled count;
 * starts[c]..starts[c+1] delimit class c of *ncls (starts has ncls+1 entries). */
static crow *group_by_class(const int32_t *labels, const size_t *rows, size_t nrows,
			    size_t *out_n, size_t **out_starts, size_t *out_ncls, size_t *nmissing)
{
	crow *v = sc_xmalloc(sc_mulsz(nrows ? nrows : 1, sizeof(crow)));
	size_t m = 0;
	*nmissing = 0;
	for (size_t i = 0; i < nrows; i++) {
		size_t r = rows ? rows[i] : i;
		if (labels[r] < 0) {
			(*nmissing)++;
			continue;
		}
		v[m].code = labels[r];
		v[m].row = r;
		m++;
	}
	qsort(v, m, sizeof(crow), cmp_crow);
	size_t *starts = sc_xmalloc(sc_mulsz(m + 1, sizeof(size_t)));
	size_t ncls = 0;
	for (size_t i = 0; i < m; i++)
		if (i == 0 || v[i].code != v[i - 1].code)
			starts[ncls++] = i;
	starts[ncls] = m;
	*out_n = m;
	*out_starts = starts;
	*out_ncls = ncls;
	return v;
}

/* Shuffle each class's rows in place, classes in ascending code order. */
static void shuffle_classes(crow *v, const size_t *starts, size_t ncls, sc_rng *r)
{
	for (size_t c = 0; c < ncls; c++) {
		size_t a = starts[c], len = starts[c + 1] - a;
		for (size_t i = len; i > 1; i--) {
			size_t j = (size_t)sc_rng_below(r, i);
			crow t = v[a + i - 1];
			v[a + i - 1] = v[a + j];
			v[a + j] = t;
		}
	}
}

typedef struct rem {
	double frac;
	size_t cnt;
	int32_t code;
	size_t cls;
} rem;

static int cmp_rem(const void *a, const void *b)
{
	const rem *x = a, *y = b;
	if (x->frac != y->frac)
		return (x->frac < y->frac) - (x->frac > y->frac);
	if (x->cnt != y->cnt)
		return (x->cnt < y->cnt) - (x->cnt > y->cnt);
	return (x->code > y->code) - (x->code < y->code);
}

static int strat_split(sc_split *out, const int32_t *labels, const size_t *rows, size_t nrows,
		       double frac, uint64_t seed, int small_to_train, sc_err *err)
{
	int rc = 0;
	size_t m, ncls, *starts = NULL, *ntest = NULL;
	rem *rm = NULL;
	crow *v = NULL;
	memset(out, 0, sizeof(*out));
	if (!(frac > 0 && frac < 1)) {
		rc = sc_errf(err, SC_EINVAL, "split fraction must be in (0, 1), got '%g'", frac);
		goto out;
	}
	v = group_by_class(labels, rows, nrows, &m, &starts, &ncls, &out->nmissing);
	sc_rng r;
	sc_rng_seed(&r, seed);
	shuffle_classes(v, starts, ncls, &r);

	/* Largest-remainder allocation of ceil(frac * N) test cells over the
	 * eligible classes (sklearn's _approximate_mode, deterministic ties). */
	ntest = sc_xcalloc(ncls ? ncls : 1, sizeof(size_t));
	rm = sc_xmalloc(sc_mulsz(ncls ? ncls : 1, sizeof(rem)));
	size_t neligible = 0, nrm = 0;
	out->small = sc_xmalloc(sc_mulsz(ncls ? ncls : 1, sizeof(int32_t)));
	for (size_t c = 0; c < ncls; c++) {
		size_t cnt = starts[c + 1] - starts[c];
		if (cnt < 2) {
			out->small[out->nsmall++] = v[starts[c]].code;
			out->nsmall_cells += cnt;
		} else {
			neligible += cnt;
		}
	}
	if (neligible == 0) {
		rc = sc_errf(err, SC_EINVAL,
			     "no class has the 2 cells needed to put one on each side of a split");
		goto out;
	}
	size_t want = (size_t)ceil(frac * (double)neligible), given = 0;
	for (size_t c = 0; c < ncls; c++) {
		size_t cnt = starts[c + 1] - starts[c];
		if (cnt < 2)
			continue;
		/* sklearn's expression: cnt / N * n_draws */
		double ideal = (double)cnt / (double)neligible * (double)want;
		ntest[c] = (size_t)floor(ideal);
		given += ntest[c];
		rm[nrm].frac = ideal - floor(ideal);
		rm[nrm].cnt = cnt;
		rm[nrm].code = v[starts[c]].code;
		rm[nrm].cls = c;
		nrm++;
	}
	qsort(rm, nrm, sizeof(rem), cmp_rem);
	for (size_t i = 0; i < nrm && given < want; i++, given++)
		ntest[rm[i].cls]++;

	out->train = sc_xmalloc(sc_mulsz(m ? m : 1, sizeof(size_t)));
	out->test = sc_xmalloc(sc_mulsz(m ? m : 1, sizeof(size_t)));
	for (size_t c = 0; c < ncls; c++) {
		size_t a = starts[c], cnt = starts[c + 1] - a;
		if (cnt < 2) {
			if (small_to_train)
				out->train[out->ntrain++] = v[a].row;
			continue;
		}
		size_t t = ntest[c];
		if (t < 1)
			t = 1;
		if (t > cnt - 1)
			t = cnt - 1;
		for (size_t i = 0; i < cnt; i++) {
			if (i < t)
				out->test[out->ntest++] = v[a + i].row;
			else
				out->train[out->ntrain++] = v[a + i].row;
		}
	}
	qsort(out->train, out->ntrain, sizeof(size_t), cmp_size);
	qsort(out->test, out->ntest, sizeof(size_t), cmp_size);
out:
	free(v);
	free(starts);
	free(ntest);
	free(rm);
	if (rc)
		sc_split_free(out);
	return rc;
}

int sc_split_stratified(sc_split *out, const int32_t *labels, size_t n, double test_frac,
			uint64_t seed, sc_err *err)
{
	return strat_split(out, labels, NULL, n, test_frac, seed, 0, err);
}

int sc_split_validation(sc_split *out, const int32_t *labels, const size_t *rows, size_t nrows,
			double val_frac, uint64_t seed, sc_err *err)
{
	return strat_split(out, labels, rows, nrows, val_frac, seed, 1, err);
}

static int in_list(int32_t g, const int32_t *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == g)
			return 1;
	return 0;
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

/* Sorted distinct codes of labels over rows (missing skipped); count in *k. */
static int32_t *distinct_codes(const int32_t *labels, const size_t *rows, size_t n, size_t *k)
{
	int32_t *c = sc_xmalloc(sc_mulsz(n ? n : 1, sizeof(int32_t)));
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (labels[rows[i]] >= 0)
			c[m++] = labels[rows[i]];
	qsort(c, m, sizeof(int32_t), cmp_i32);
	size_t u = 0;
	for (size_t i = 0; i < m; i++)
		if (u == 0 || c[i] != c[u - 1])
			c[u++] = c[i];
	*k = u;
	return c;
}

int sc_split_by_group(sc_split *out, const int32_t *group, size_t n, const int32_t *test_groups,
		      size_t ntest_groups, const int32_t *train_groups, size_t ntrain_groups,
		      const int32_t *labels, sc_err *err)
{
	int rc = 0;
	int32_t *trc = NULL, *tec = NULL;
	memset(out, 0, sizeof(*out));
	if (ntest_groups == 0) {
		rc = sc_errf(err, SC_EINVAL, "no test group given");
		goto out;
	}
	for (size_t i = 0; train_groups && i < ntrain_groups; i++)
		if (in_list(train_groups[i], test_groups, ntest_groups)) {
			rc = sc_errf(err, SC_EINVAL, "group %d is both a training and a test group",
				     train_groups[i]);
			goto out;
		}
	out->train = sc_xmalloc(sc_mulsz(n ? n : 1, sizeof(size_t)));
	out->test = sc_xmalloc(sc_mulsz(n ? n : 1, sizeof(size_t)));
	for (size_t i = 0; i < n; i++) {
		if (group[i] < 0 || (labels && labels[i] < 0)) {
			out->nmissing++;
			continue;
		}
		if (in_list(group[i], test_groups, ntest_groups))
			out->test[out->ntest++] = i;
		else if (!train_groups || in_list(group[i], train_groups, ntrain_groups))
			out->train[out->ntrain++] = i;
	}
	if (out->ntest == 0 || out->ntrain == 0) {
		rc = sc_errf(err, SC_EINVAL, "split by group leaves the %s set empty",
			     out->ntest == 0 ? "test" : "training");
		goto out;
	}
	if (labels) {
		size_t ktr, kte;
		trc = distinct_codes(labels, out->train, out->ntrain, &ktr);
		tec = distinct_codes(labels, out->test, out->ntest, &kte);
		out->unseen = sc_xmalloc(sc_mulsz(kte ? kte : 1, sizeof(int32_t)));
		for (size_t i = 0; i < kte; i++)
			if (!bsearch(&tec[i], trc, ktr, sizeof(int32_t), cmp_i32))
				out->unseen[out->nunseen++] = tec[i];
	}
out:
	free(trc);
	free(tec);
	if (rc)
		sc_split_free(out);
	return rc;
}

int sc_split_kfold(sc_folds *out, const int32_t *labels, size_t n, size_t k, uint64_t seed,
		   sc_err *err)
{
	int rc = 0;
	size_t m, ncls, nmissing, *starts = NULL, *firstrow = NULL;
	crow *v = NULL, *order = NULL;
	memset(out, 0, sizeof(*out));
	if (k < 2) {
		rc = sc_errf(err, SC_EINVAL, "k-fold needs at least 2 folds, got %zu", k);
		goto out;
	}
	v = group_by_class(labels, NULL, n, &m, &starts, &ncls, &nmissing);
	if (k > m) {
		rc = sc_errf(err, SC_EINVAL, "cannot make %zu folds of %zu labelled cells", k, m);
		goto out;
	}
	size_t largest = 0;
	for (size_t c = 0; c < ncls; c++)
		if (starts[c + 1] - starts[c] > largest)
			largest = starts[c + 1] - starts[c];
	if (largest < k) {
		rc = sc_errf(err, SC_EINVAL,
			     "cannot make %zu folds: no class has %zu cells (largest has %zu)", k, k,
			     largest);
		goto out;
	}
	firstrow = sc_xmalloc(sc_mulsz(ncls ? ncls : 1, sizeof(size_t)));
	for (size_t c = 0; c < ncls; c++)
		firstrow[c] = v[starts[c]].row; /* rows ascend within a class */
	sc_rng r;
	sc_rng_seed(&r, seed);
	shuffle_classes(v, starts, ncls, &r);
	out->n = n;
	out->k = k;
	out->fold = sc_xmalloc(sc_mulsz(n ? n : 1, sizeof(int32_t)));
	for (size_t i = 0; i < n; i++)
		out->fold[i] = -1;
	/* Dealing the class-sorted cells to folds in turn gives sklearn's
	 * per-class fold allocation (bincount of y_sorted[f::k]), with classes
	 * taken, as sklearn encodes them, in order of first appearance. */
	order = sc_xmalloc(sc_mulsz(ncls ? ncls : 1, sizeof(crow)));
	for (size_t c = 0; c < ncls; c++) {
		order[c].code = (int32_t)c;
		order[c].row = firstrow[c];
	}
	qsort(order, ncls, sizeof(crow), cmp_first);
	size_t pos = 0;
	for (size_t o = 0; o < ncls; o++) {
		size_t c = (size_t)order[o].code;
		for (size_t i = starts[c]; i < starts[c + 1]; i++, pos++)
			out->fold[v[i].row] = (int32_t)(pos % k);
	}
	out->small = sc_xmalloc(sc_mulsz(ncls ? ncls : 1, sizeof(int32_t)));
	for (size_t c = 0; c < ncls; c++)
		if (starts[c + 1] - starts[c] < k)
			out->small[out->nsmall++] = v[starts[c]].code;
out:
	free(v);
	free(starts);
	free(firstrow);
	free(order);
	if (rc)
		sc_folds_free(out);
	return rc;
}

void sc_folds_get(sc_split *out, const sc_folds *folds, size_t f)
{
	assert(f < folds->k);
	memset(out, 0, sizeof(*out));
	out->train = sc_xmalloc(sc_mulsz(folds->n ? folds->n : 1, sizeof(size_t)));
	out->test = sc_xmalloc(sc_mulsz(folds->n ? folds->n : 1, sizeof(size_t)));
	for (size_t i = 0; i < folds->n; i++) {
		if (folds->fold[i] < 0)
			out->nmissing++;
		else if ((size_t)folds->fold[i] == f)
			out->test[out->ntest++] = i;
		else
			out->train[out->ntrain++] = i;
	}
}

void sc_split_gather(sc_dmat *out, int32_t *yout, const sc_dmat *x, const int32_t *y,
		     const size_t *rows, size_t n)
{
	size_t d = x->cols;
	sc_dmat_alloc(out, n, d);
	for (size_t i = 0; i < n; i++) {
		assert(rows[i] < x->rows);
		memcpy(out->v + i * d, x->v + rows[i] * d, d * sizeof(double));
		if (y && yout)
			yout[i] = y[rows[i]];
	}
}
