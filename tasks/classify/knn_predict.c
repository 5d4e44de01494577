/*
 * knn_predict.c - the kNN classifier end to end: sc_knn_query for the
 * neighbours, sc_knn_vote for the labels.
 *
 * Kept apart from knn_classify.c so that programs using only the vote do
 * not need the neighbour search linked in.
 */
#include "tasks/classify/knn_classify.h"

#include <stdlib.h>

int sc_knn_classify(sc_knn_votes *out, const sc_dmat *ref, const int32_t *ref_y,
		    const sc_dmat *query, size_t k, sc_metric metric, sc_err *err)
{
	int rc;
	int32_t *idx = NULL;
	double *dist = NULL;
	out->classes = NULL, out->pred = NULL, out->proba = NULL, out->nq = out->nclass = 0;
	if (query->cols != ref->cols)
		return sc_errf(err, SC_EINVAL, "query has %zu features, reference %zu", query->cols,
			       ref->cols);
	if (k == 0 || k > ref->rows)
		return sc_errf(err, SC_EINVAL, "cannot take %zu neighbours among %zu reference cells",
			       k, ref->rows);
	size_t nq = query->rows;
	idx = sc_xmalloc(sc_mulsz(nq ? nq : 1, k * sizeof(int32_t)));
	dist = sc_xmalloc(sc_mulsz(nq ? nq : 1, k * sizeof(double)));
	rc = nq ? sc_knn_query(idx, dist, query, ref, k, metric, err) : 0;
	if (rc == 0)
		rc = sc_knn_vote(out, idx, nq, k, ref_y, ref->rows, err);
	free(idx);
	free(dist);
	return rc;
}
