/*
 * test_cls_knn_vote.c - the kNN classifier's vote on hand-made neighbour
 * lists (majority, ties to the smallest code as sklearn's mode, vote
 * fractions), on random lists against a naive sort-and-count, and bad
 * input. The end-to-end test with sc_knn_query is test_knn_classify_e2e.c.
 */
#include "tests/unit/unit.h"

#include "tasks/classify/knn_classify.h"
#include "tasks/core/rng.h"

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

int main(void)
{
	sc_err err = {0};
	sc_knn_votes v;
	/* training codes: cells 0-2 -> 7, 3-4 -> 2, 5 -> 9, 6 -> 4 */
	int32_t ty[] = {7, 7, 7, 2, 2, 9, 4};
	int32_t idx[] = {
		0, 1, 3, 5, /* 7 7 2 9: majority 7 */
		3, 0, 4, 1, /* 2 7 2 7: tie 2/7 -> 2 */
		5, 6, 0, 3, /* 9 4 7 2: four-way tie -> 2 */
		6, 6, 5, 5, /* 4 4 9 9 (a repeated neighbour counts twice): tie -> 4 */
		2, 1, 0, 5, /* 7 7 7 9: 7 */
	};
	OK(sc_knn_vote(&v, idx, 5, 4, ty, 7, &err) == 0, "votes computed");
	OK(v.nclass == 4 && v.classes[0] == 2 && v.classes[1] == 4 && v.classes[2] == 7 &&
		   v.classes[3] == 9,
	   "classes are the sorted training codes 2 4 7 9");
	OK(v.pred[0] == 7, "majority wins");
	OK(v.pred[1] == 2, "two-way tie goes to the smaller code");
	OK(v.pred[2] == 2, "four-way tie goes to the smallest code");
	OK(v.pred[3] == 4, "tie between 4 and 9 goes to 4");
	OK(v.pred[4] == 7, "three of four");
	double want0[] = {0.25, 0, 0.5, 0.25}, want3[] = {0, 0.5, 0, 0.5};
	int pok = 1;
	for (int c = 0; c < 4; c++)
		pok &= v.proba[0 * 4 + c] == want0[c] && v.proba[3 * 4 + c] == want3[c];
	OK(pok, "probabilities are vote fractions in class order");
	sc_knn_votes_free(&v);
	sc_knn_votes_free(&v);

	/* random lists against a naive sort-and-count */
	sc_rng r;
	sc_rng_seed(&r, 4);
	int agree = 1;
	for (int t = 0; t < 200; t++) {
		size_t ntrain = 1 + (size_t)sc_rng_below(&r, 50), k = 1 + (size_t)sc_rng_below(&r, 12);
		size_t nq = 1 + (size_t)sc_rng_below(&r, 20), ncode = 1 + (size_t)sc_rng_below(&r, 6);
		int32_t *y = malloc(ntrain * sizeof(int32_t)), *ix = malloc(nq * k * sizeof(int32_t));
		for (size_t i = 0; i < ntrain; i++)
			y[i] = 10 * (int32_t)sc_rng_below(&r, ncode);
		for (size_t i = 0; i < nq * k; i++)
			ix[i] = (int32_t)sc_rng_below(&r, ntrain);
		if (sc_knn_vote(&v, ix, nq, k, y, ntrain, &err)) {
			agree = 0;
			break;
		}
		for (size_t q = 0; q < nq; q++) {
			int32_t lab[16];
			for (size_t j = 0; j < k; j++)
				lab[j] = y[ix[q * k + j]];
			qsort(lab, k, sizeof(int32_t), cmp_i32);
			int32_t best = lab[0];
			size_t bestn = 0;
			for (size_t a = 0; a < k;) {
				size_t b = a;
				while (b < k && lab[b] == lab[a])
					b++;
				if (b - a > bestn) /* strictly more: the earlier (smaller) code keeps ties */
					bestn = b - a, best = lab[a];
				a = b;
			}
			agree &= v.pred[q] == best;
			double psum = 0;
			for (size_t c = 0; c < v.nclass; c++)
				psum += v.proba[q * v.nclass + c];
			agree &= fabs(psum - 1) < 1e-12;
		}
		sc_knn_votes_free(&v);
		free(y);
		free(ix);
	}
	OK(agree, "200 random neighbour lists: votes equal a naive sort-and-count");

	int32_t bad[] = {0, 9};
	OK(sc_knn_vote(&v, bad, 1, 2, ty, 7, &err) == SC_EINVAL, "index out of range rejected: %s",
	   err.msg);
	int32_t miss[] = {0, -1};
	OK(sc_knn_vote(&v, idx, 1, 2, miss, 2, &err) == SC_EINVAL, "missing training label rejected");
	OK(sc_knn_vote(&v, idx, 1, 0, ty, 7, &err) == SC_EINVAL, "k = 0 rejected");
	return unit_done();
}
