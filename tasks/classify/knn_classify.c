/*
 * knn_classify.c - majority votes over neighbour lists, as sklearn's
 * KNeighborsClassifier(weights="uniform") predicts.
 *
 * Why separate from the search: the neighbours come from the numerical
 * core (sc_knn_query) or from a model's own index; the vote is the part
 * whose tie rule must match sklearn. Workload: up to 10^6 queries x k <=
 * 100 x a few hundred classes; one pass over idx with a per-query count
 * array, O(nq (k + nclass)).
 */
#include "tasks/classify/knn_classify.h"

#include <stdlib.h>
#include <string.h>

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

void sc_knn_votes_free(sc_knn_votes *v)
{
	if (!v)
		return;
	free(v->classes);
	free(v->pred);
	free(v->proba);
	memset(v, 0, sizeof(*v));
}

int sc_knn_vote(sc_knn_votes *out, const int32_t *idx, size_t nq, size_t k,
		const int32_t *train_y, size_t ntrain, sc_err *err)
{
	int rc = 0;
	int32_t *yi = NULL;
	size_t *count = NULL;
	memset(out, 0, sizeof(*out));
	if (k == 0 || ntrain == 0) {
		rc = sc_errf(err, SC_EINVAL, "need k >= 1 neighbours among >= 1 training cells "
					     "(k %zu, %zu cells)", k, ntrain);
		goto out;
	}
	int32_t *cls = sc_xmalloc(ntrain * sizeof(int32_t));
	out->classes = cls;
	for (size_t i = 0; i < ntrain; i++) {
		if (train_y[i] < 0) {
			rc = sc_errf(err, SC_EINVAL, "missing label at training cell %zu", i);
			goto out;
		}
		cls[i] = train_y[i];
	}
	qsort(cls, ntrain, sizeof(int32_t), cmp_i32);
	size_t K = 0;
	for (size_t i = 0; i < ntrain; i++)
		if (K == 0 || cls[i] != cls[K - 1])
			cls[K++] = cls[i];
	out->nclass = K;
	out->nq = nq;
	/* class index of each training cell */
	yi = sc_xmalloc(ntrain * sizeof(int32_t));
	for (size_t i = 0; i < ntrain; i++) {
		int32_t *p = bsearch(&train_y[i], cls, K, sizeof(int32_t), cmp_i32);
		yi[i] = (int32_t)(p - cls);
	}
	out->pred = sc_xmalloc((nq ? nq : 1) * sizeof(int32_t));
	out->proba = sc_xcalloc(sc_mulsz(nq ? nq : 1, K), sizeof(double));
	count = sc_xcalloc(K, sizeof(size_t));
	for (size_t q = 0; q < nq; q++) {
		const int32_t *nb = idx + q * k;
		for (size_t j = 0; j < k; j++) {
			if (nb[j] < 0 || (size_t)nb[j] >= ntrain) {
				rc = sc_errf(err, SC_EINVAL,
					     "neighbour %zu of query %zu is '%d', not a training cell "
					     "index below %zu",
					     j, q, nb[j], ntrain);
				goto out;
			}
			count[yi[nb[j]]]++;
		}
		/* scipy.stats.mode: the most frequent, the smallest on ties */
		size_t best = 0;
		for (size_t c = 0; c < K; c++) {
			if (count[c] > count[best])
				best = c;
			out->proba[q * K + c] = (double)count[c] / (double)k;
		}
		out->pred[q] = cls[best];
		for (size_t j = 0; j < k; j++)
			count[yi[nb[j]]] = 0;
	}
out:
	free(yi);
	free(count);
	if (rc)
		sc_knn_votes_free(out);
	return rc;
}
