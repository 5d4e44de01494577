/*
 * test_cls_split.c - stratified, validation, by-group and k-fold splits:
 * disjointness, coverage, proportions, determinism, the reported small
 * classes, and the per-class counts against sklearn 1.2.1's
 * StratifiedShuffleSplit and StratifiedKFold (tests/oracle/cls_split.py).
 * The drawn cells themselves differ from sklearn's (another generator).
 */
#include "tests/unit/unit.h"
#include "tests/unit/cls_oracle.h"

#include "tasks/classify/split.h"
#include "tasks/core/rng.h"

/* Random labels: class c has a size drawn from a skewed law, a few
 * singletons, some missing (-1). Returns n. */
static size_t make_labels(int32_t *y, size_t cap, sc_rng *r, int with_small)
{
	size_t n = 0;
	size_t k = 2 + (size_t)sc_rng_below(r, 10);
	for (size_t c = 0; c < k && n < cap; c++) {
		size_t cnt = 2 + (size_t)sc_rng_below(r, 1 + (size_t)sc_rng_below(r, 120));
		if (with_small && c % 4 == 3)
			cnt = 1;
		for (size_t i = 0; i < cnt && n < cap; i++)
			y[n++] = (int32_t)(3 * c + 1);
	}
	if (with_small)
		for (size_t i = 0; i < 5 && n < cap; i++)
			y[n++] = -1;
	/* shuffle so classes interleave */
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)sc_rng_below(r, i);
		int32_t t = y[i - 1];
		y[i - 1] = y[j];
		y[j] = t;
	}
	return n;
}

static size_t count_code(const int32_t *y, size_t n, int32_t c)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		m += y[i] == c;
	return m;
}

/* Checks a split's structure against a naive recount; returns 1 when sound. */
static int split_sound(const sc_split *s, const int32_t *y, size_t n, double frac,
		       int small_to_train, const char *what)
{
	int ok = 1;
	unsigned char *side = calloc(n, 1);
	for (size_t i = 0; i < s->ntrain; i++) {
		if (s->train[i] >= n || side[s->train[i]] || (i && s->train[i] <= s->train[i - 1]))
			ok = 0;
		else
			side[s->train[i]] = 1;
	}
	for (size_t i = 0; i < s->ntest; i++) {
		if (s->test[i] >= n || side[s->test[i]] || (i && s->test[i] <= s->test[i - 1]))
			ok = 0;
		else
			side[s->test[i]] = 2;
	}
	if (!ok)
		printf("#   %s: indices out of range, repeated, unsorted or on both sides\n", what);
	size_t missing = 0, small_cells = 0, nsmall = 0;
	for (size_t i = 0; i < n; i++) {
		if (y[i] < 0) {
			missing++;
			if (side[i])
				ok = 0, printf("#   %s: missing label %zu placed\n", what, i);
			continue;
		}
		size_t cnt = count_code(y, n, y[i]);
		if (cnt < 2) {
			small_cells++;
			int want = small_to_train ? 1 : 0;
			if (side[i] != want)
				ok = 0, printf("#   %s: small class cell %zu on side %d\n", what, i, side[i]);
			continue;
		}
		if (!side[i])
			ok = 0, printf("#   %s: cell %zu of an eligible class unplaced\n", what, i);
	}
	for (size_t i = 0; i < n; i++) /* small classes, counted once each */
		if (y[i] >= 0 && count_code(y, n, y[i]) < 2)
			nsmall++;
	if (s->nsmall != nsmall || s->nsmall_cells != small_cells || s->nmissing != missing) {
		ok = 0;
		printf("#   %s: small %zu/%zu cells %zu/%zu missing %zu/%zu\n", what, s->nsmall, nsmall,
		       s->nsmall_cells, small_cells, s->nmissing, missing);
	}
	for (size_t j = 0; j < s->nsmall; j++)
		if (count_code(y, n, s->small[j]) != 1 || (j && s->small[j] <= s->small[j - 1]))
			ok = 0, printf("#   %s: small class %d wrong\n", what, s->small[j]);
	/* proportions: each eligible class has 1..cnt-1 test cells within 1 of frac * cnt */
	for (size_t i = 0; i < n; i++) {
		if (y[i] < 0)
			continue;
		size_t cnt = count_code(y, n, y[i]);
		if (cnt < 2)
			continue;
		size_t t = 0;
		for (size_t j = 0; j < n; j++)
			t += y[j] == y[i] && side[j] == 2;
		double ideal = frac * (double)cnt;
		if (t < 1 || t > cnt - 1 || (fabs((double)t - ideal) > 1.0 + 1e-9 && t != 1 && t != cnt - 1)) {
			ok = 0;
			printf("#   %s: class %d has %zu of %zu in test (ideal %.2f)\n", what, y[i], t,
			       cnt, ideal);
			break;
		}
	}
	free(side);
	return ok;
}

static int same_split(const sc_split *a, const sc_split *b)
{
	return a->ntrain == b->ntrain && a->ntest == b->ntest &&
	       !memcmp(a->train, b->train, a->ntrain * sizeof(size_t)) &&
	       !memcmp(a->test, b->test, a->ntest * sizeof(size_t));
}

static void test_stratified(void)
{
	sc_rng r;
	sc_rng_seed(&r, 7);
	int32_t y[1200];
	sc_err err = {0};
	int sound = 1, det = 1, differ = 0;
	for (int t = 0; t < 60; t++) {
		size_t n = make_labels(y, 1200, &r, 1);
		double frac = 0.05 + 0.9 * sc_rng_uniform(&r);
		sc_split a, b, c;
		if (sc_split_stratified(&a, y, n, frac, 42, &err)) {
			OK(0, "stratified split %d: %s", t, err.msg);
			continue;
		}
		sound &= split_sound(&a, y, n, frac, 0, "stratified");
		if (sc_split_stratified(&b, y, n, frac, 42, &err) ||
		    sc_split_stratified(&c, y, n, frac, 43, &err)) {
			OK(0, "stratified split again: %s", err.msg);
			sc_split_free(&a);
			continue;
		}
		det &= same_split(&a, &b);
		differ += !same_split(&a, &c);
		sc_split_free(&a);
		sc_split_free(&b);
		sc_split_free(&c);
	}
	OK(sound, "stratified: disjoint, covering, proportional, small classes excluded and listed");
	OK(det, "stratified: same seed, same split");
	OK(differ >= 55, "stratified: another seed, another split (%d of 60)", differ);

	/* hand case: classes 0 (10 cells), 1 (1 cell), 2 (4 cells), missing 1 */
	int32_t h[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 2, 2, -1};
	sc_split s;
	OK(sc_split_stratified(&s, h, 16, 0.25, 1, &err) == 0, "hand split computes");
	/* N = 14, T = ceil(3.5) = 4: ideals 10/14*4 = 2.86, 4/14*4 = 1.14 -> 2 + 1,
	 * one more to the larger remainder (class 0): 3 + 1 */
	size_t t0 = 0, t2 = 0;
	for (size_t i = 0; i < s.ntest; i++)
		t0 += h[s.test[i]] == 0, t2 += h[s.test[i]] == 2;
	OK(s.ntest == 4 && t0 == 3 && t2 == 1 && s.ntrain == 10, "hand: 3 + 1 test cells");
	OK(s.nsmall == 1 && s.small[0] == 1 && s.nsmall_cells == 1 && s.nmissing == 1,
	   "hand: class 1 reported as too small, one missing label");
	sc_dmat hx, gx;
	sc_dmat_alloc(&hx, 16, 2);
	for (size_t i = 0; i < 16; i++)
		SC_AT(&hx, i, 0) = (double)i, SC_AT(&hx, i, 1) = -(double)i;
	int32_t gy[16];
	sc_split_gather(&gx, gy, &hx, h, s.test, s.ntest);
	int gathered = gx.rows == s.ntest && gx.cols == 2;
	for (size_t i = 0; gathered && i < s.ntest; i++)
		gathered = SC_AT(&gx, i, 0) == (double)s.test[i] &&
			   SC_AT(&gx, i, 1) == -(double)s.test[i] && gy[i] == h[s.test[i]];
	OK(gathered, "gather copies the listed rows and their labels");
	sc_dmat_free(&gx);
	sc_dmat_free(&hx);
	sc_split_free(&s);

	OK(sc_split_stratified(&s, h, 16, 1.0, 1, &err) == SC_EINVAL, "fraction 1 rejected: %s",
	   err.msg);
	int32_t lone[] = {0, 1, 2};
	OK(sc_split_stratified(&s, lone, 3, 0.5, 1, &err) == SC_EINVAL,
	   "all classes singletons rejected: %s", err.msg);
}

static void test_validation(void)
{
	sc_rng r;
	sc_rng_seed(&r, 11);
	int32_t y[1200];
	sc_err err = {0};
	size_t n = make_labels(y, 1200, &r, 1);
	/* a training subset: every other cell */
	size_t *rows = malloc(n * sizeof(size_t)), nr = 0;
	for (size_t i = 0; i < n; i += 2)
		rows[nr++] = i;
	int32_t *ysub = malloc(nr * sizeof(int32_t));
	for (size_t i = 0; i < nr; i++)
		ysub[i] = y[rows[i]];
	sc_split v, w;
	OK(sc_split_validation(&v, y, rows, nr, 0.1, 5, &err) == 0, "validation split computes");
	/* map back to subset positions to reuse the structural check */
	sc_split m = v;
	m.train = malloc((v.ntrain + 1) * sizeof(size_t));
	m.test = malloc((v.ntest + 1) * sizeof(size_t));
	int in_rows = 1;
	for (size_t i = 0; i < v.ntrain; i++) {
		m.train[i] = v.train[i] / 2;
		in_rows &= v.train[i] % 2 == 0;
	}
	for (size_t i = 0; i < v.ntest; i++) {
		m.test[i] = v.test[i] / 2;
		in_rows &= v.test[i] % 2 == 0;
	}
	OK(in_rows, "validation: indices come from the given rows");
	OK(split_sound(&m, ysub, nr, 0.1, 1, "validation"),
	   "validation: stratified, singletons kept for training and listed");
	free(m.train);
	free(m.test);
	OK(sc_split_validation(&w, y, rows, nr, 0.1, 5, &err) == 0 && same_split(&v, &w),
	   "validation: deterministic");
	sc_split_free(&v);
	sc_split_free(&w);
	free(rows);
	free(ysub);
}

static void test_by_group(void)
{
	sc_err err = {0};
	int32_t g[] = {0, 1, 2, 0, 1, 2, -1, 3};
	int32_t y[] = {5, 5, 6, 7, 5, 8, 5, -1};
	int32_t test_g[] = {2};
	sc_split s;
	OK(sc_split_by_group(&s, g, 8, test_g, 1, NULL, 0, y, &err) == 0, "by group computes");
	OK(s.ntest == 2 && s.test[0] == 2 && s.test[1] == 5, "by group: test = group 2's cells");
	OK(s.ntrain == 4 && s.train[0] == 0 && s.train[1] == 1 && s.train[2] == 3 && s.train[3] == 4,
	   "by group: train = the other groups' labelled cells");
	OK(s.nmissing == 2, "by group: missing group and missing label counted");
	OK(s.nunseen == 2 && s.unseen[0] == 6 && s.unseen[1] == 8,
	   "by group: test classes 6 and 8 have no training cell");
	sc_split_free(&s);
	int32_t train_g[] = {1};
	OK(sc_split_by_group(&s, g, 8, test_g, 1, train_g, 1, NULL, &err) == 0 && s.ntrain == 2 &&
		   s.train[0] == 1 && s.train[1] == 4 && s.ntest == 2,
	   "by group: explicit training groups");
	sc_split_free(&s);
	OK(sc_split_by_group(&s, g, 8, test_g, 1, test_g, 1, NULL, &err) == SC_EINVAL,
	   "by group: a group on both sides rejected: %s", err.msg);
	int32_t none[] = {9};
	OK(sc_split_by_group(&s, g, 8, none, 1, NULL, 0, NULL, &err) == SC_EINVAL,
	   "by group: empty test side rejected: %s", err.msg);
}

static void test_kfold(void)
{
	sc_rng r;
	sc_rng_seed(&r, 3);
	int32_t y[1200];
	sc_err err = {0};
	int cover = 1, balanced = 1, det = 1, small_ok = 1;
	for (int t = 0; t < 40; t++) {
		size_t n = make_labels(y, 1200, &r, 1);
		size_t k = 2 + (size_t)sc_rng_below(&r, 9);
		sc_folds f, f2;
		int rc = sc_split_kfold(&f, y, n, k, 99, &err);
		if (rc) {
			OK(0, "kfold %d: %s", t, err.msg);
			continue;
		}
		det &= sc_split_kfold(&f2, y, n, k, 99, &err) == 0 &&
		       !memcmp(f.fold, f2.fold, n * sizeof(int32_t));
		sc_folds_free(&f2);
		size_t size[16] = {0};
		for (size_t i = 0; i < n; i++) {
			if ((y[i] < 0) != (f.fold[i] < 0) || f.fold[i] >= (int32_t)k)
				cover = 0;
			if (f.fold[i] >= 0)
				size[f.fold[i]]++;
		}
		size_t lo = SIZE_MAX, hi = 0;
		for (size_t j = 0; j < k; j++)
			lo = size[j] < lo ? size[j] : lo, hi = size[j] > hi ? size[j] : hi;
		balanced &= hi - lo <= 1;
		/* per class per fold within one */
		for (size_t i = 0; i < n; i++) {
			if (y[i] < 0)
				continue;
			size_t pc[16] = {0};
			for (size_t j = 0; j < n; j++)
				if (y[j] == y[i])
					pc[f.fold[j]]++;
			size_t l2 = SIZE_MAX, h2 = 0;
			for (size_t j = 0; j < k; j++)
				l2 = pc[j] < l2 ? pc[j] : l2, h2 = pc[j] > h2 ? pc[j] : h2;
			balanced &= h2 - l2 <= 1;
			int listed = 0;
			for (size_t j = 0; j < f.nsmall; j++)
				listed |= f.small[j] == y[i];
			small_ok &= listed == (count_code(y, n, y[i]) < k);
		}
		/* fold views */
		sc_split s;
		sc_folds_get(&s, &f, k - 1);
		cover &= s.ntest == size[k - 1] && s.ntrain + s.ntest + s.nmissing == n;
		sc_split_free(&s);
		sc_folds_free(&f);
	}
	OK(cover, "kfold: every labelled cell in exactly one fold, missing in none");
	OK(balanced, "kfold: fold sizes and per-class counts differ by at most one");
	OK(small_ok, "kfold: classes smaller than k listed, others not");
	OK(det, "kfold: deterministic");
	sc_folds f;
	int32_t two[] = {0, 0, 1, 1, 1};
	OK(sc_split_kfold(&f, two, 5, 4, 1, &err) == SC_EINVAL, "kfold: every class < k rejected: %s",
	   err.msg);
	OK(sc_split_kfold(&f, two, 5, 1, 1, &err) == SC_EINVAL, "kfold: k = 1 rejected");
	OK(sc_split_kfold(&f, two, 5, 6, 1, &err) == SC_EINVAL, "kfold: k > n rejected");
	OK(sc_split_kfold(&f, two, 5, 3, 1, &err) == 0 && f.nsmall == 1 && f.small[0] == 0,
	   "kfold: class 0 (2 cells < 3 folds) listed, as sklearn warns");
	sc_folds_free(&f);
}

/* Per-class counts against sklearn. */
static void test_sklearn(void)
{
	if (!cls_have_sklearn()) {
		SKIP("split oracle: %s lacks sklearn", unit_python());
		return;
	}
	enum { NC = 30 };
	sc_rng r;
	sc_rng_seed(&r, 5);
	static int32_t y[NC][1200];
	static size_t n[NC], kk[NC];
	static double frac[NC];
	char *in = cls_tmpfile("split-in"), *outp = cls_tmpfile("split-out");
	FILE *f = fopen(in, "w");
	for (int t = 0; t < NC; t++) {
		n[t] = make_labels(y[t], 1200, &r, 0);
		frac[t] = t == 0 ? 0.25 : 0.05 + 0.9 * sc_rng_uniform(&r);
		kk[t] = 2 + (size_t)sc_rng_below(&r, 8);
		fprintf(f, "strat s%d %zu %.17g\n", t, n[t], frac[t]);
		for (size_t i = 0; i < n[t]; i++)
			fprintf(f, "%d ", y[t][i]);
		fprintf(f, "\nkfold k%d %zu %zu\n", t, n[t], kk[t]);
		for (size_t i = 0; i < n[t]; i++)
			fprintf(f, "%d ", y[t][i]);
		fprintf(f, "\n");
	}
	fclose(f);
	int rc = cls_run_oracle("cls_split.py", in, outp, NULL);
	OK(rc == 0, "split oracle ran");
	cls_expect e;
	if (rc || cls_expect_load(&e, outp))
		goto out;
	sc_err err = {0};
	int within1 = 1, alloc_same = 1, total_same = 1;
	size_t nexact = 0, nclasses = 0;
	for (int t = 0; t < NC; t++) {
		char id[32], nm[64];
		sc_split s;
		if (sc_split_stratified(&s, y[t], n[t], frac[t], 1, &err)) {
			OK(0, "split %d: %s", t, err.msg);
			continue;
		}
		snprintf(id, sizeof(id), "s%d", t);
		double want_total = cls_expect_get(&e, id, "ntest");
		size_t clamped = 0;
		for (int32_t c = 0; c < 40; c++) {
			size_t cnt = count_code(y[t], n[t], c);
			if (cnt == 0)
				continue;
			size_t got = 0;
			for (size_t i = 0; i < s.ntest; i++)
				got += y[t][s.test[i]] == c;
			snprintf(nm, sizeof(nm), "ntest.%d", c);
			double sk = cls_expect_get(&e, id, nm);
			double skc = fmin(fmax(sk, 1), (double)cnt - 1); /* our clamp */
			clamped += skc != sk;
			within1 &= fabs((double)got - skc) <= 1;
			nexact += (double)got == skc;
			nclasses++;
		}
		total_same &= fabs((double)s.ntest - want_total) <= (double)clamped;
		sc_split_free(&s);

		sc_folds fo;
		if (sc_split_kfold(&fo, y[t], n[t], kk[t], 1, &err)) {
			OK(0, "kfold %d: %s", t, err.msg);
			continue;
		}
		snprintf(id, sizeof(id), "k%d", t);
		for (size_t fi = 0; fi < kk[t]; fi++)
			for (int32_t c = 0; c < 40; c++) {
				if (!count_code(y[t], n[t], c))
					continue;
				size_t got = 0;
				for (size_t i = 0; i < n[t]; i++)
					got += y[t][i] == c && fo.fold[i] == (int32_t)fi;
				snprintf(nm, sizeof(nm), "alloc.%zu.%d", fi, c);
				alloc_same &= (double)got == cls_expect_get(&e, id, nm);
			}
		sc_folds_free(&fo);
	}
	OK(total_same, "stratified: test size = sklearn's ceil(frac * n) (up to clamped classes)");
	OK(within1, "stratified: per-class test counts within 1 of sklearn's (random tie breaks)");
	OK(nexact * 10 >= nclasses * 9, "stratified: %zu of %zu class counts equal sklearn's", nexact,
	   nclasses);
	OK(alloc_same, "kfold: per-class per-fold counts equal sklearn's StratifiedKFold exactly");
	cls_expect_free(&e);
out:
	unlink(in), unlink(outp), free(in), free(outp);
}

int main(void)
{
	test_stratified();
	test_validation();
	test_by_group();
	test_kfold();
	test_sklearn();
	return unit_done();
}
