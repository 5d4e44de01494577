/*
 * integrate_checks.h - naive references for judging an integration in the
 * tests: batch mixing (the share of each cell's 15 nearest neighbours from
 * another batch) and label separation (nearest-centroid accuracy).
 * Brute force on purpose: independent of the kNN and PCA under test.
 */
#ifndef SC_TEST_INTEGRATE_CHECKS_H
#define SC_TEST_INTEGRATE_CHECKS_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "util/mat.h"

/* Naive references for the checks: the share of each cell's 15 nearest
 * neighbours (Euclidean, self excluded, ties by index) from another batch,
 * averaged; and the resubstitution accuracy of the nearest label centroid. */
__attribute__((unused)) static double other_batch_share(const sc_dmat *x, const int32_t *batch)
{
	size_t n = x->rows, d = x->cols, k = 15;
	double *dist = malloc(n * sizeof(double)), share = 0;
	size_t *idx = malloc(n * sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			double s = 0;
			for (size_t c = 0; c < d; c++) {
				double t = SC_AT(x, i, c) - SC_AT(x, j, c);
				s += t * t;
			}
			dist[j] = j == i ? INFINITY : s;
			idx[j] = j;
		}
		size_t other = 0;
		for (size_t t = 0; t < k; t++) { /* selection of the k smallest */
			size_t best = t;
			for (size_t j = t + 1; j < n; j++)
				if (dist[idx[j]] < dist[idx[best]] ||
				    (dist[idx[j]] == dist[idx[best]] && idx[j] < idx[best]))
					best = j;
			size_t tmp = idx[t];
			idx[t] = idx[best];
			idx[best] = tmp;
			other += batch[idx[t]] != batch[i];
		}
		share += (double)other / (double)k;
	}
	free(dist);
	free(idx);
	return share / (double)n;
}

__attribute__((unused)) static double centroid_accuracy(const sc_dmat *x, const int32_t *lab)
{
	size_t n = x->rows, d = x->cols, L = 0, ok = 0;
	for (size_t i = 0; i < n; i++)
		L = (size_t)lab[i] + 1 > L ? (size_t)lab[i] + 1 : L;
	double *c = calloc(L * d, sizeof(double));
	size_t *cnt = calloc(L, sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		cnt[lab[i]]++;
		for (size_t j = 0; j < d; j++)
			c[lab[i] * d + j] += SC_AT(x, i, j);
	}
	for (size_t l = 0; l < L; l++)
		for (size_t j = 0; j < d; j++)
			c[l * d + j] /= (double)(cnt[l] ? cnt[l] : 1);
	for (size_t i = 0; i < n; i++) {
		size_t best = 0;
		double bd = INFINITY;
		for (size_t l = 0; l < L; l++) {
			double s = 0;
			for (size_t j = 0; j < d; j++) {
				double t = SC_AT(x, i, j) - c[l * d + j];
				s += t * t;
			}
			if (cnt[l] && s < bd) {
				bd = s;
				best = l;
			}
		}
		ok += (int32_t)best == lab[i];
	}
	free(c);
	free(cnt);
	return (double)ok / (double)n;
}

#endif
