/*
 * classify_knn_bench.c - kNN classifier timing for bench/classify.sh (a
 * driver of its own, built by `make bench` like the others).
 *
 *   classify_knn_bench FILE K     first 80% of FILE (classify_bench gen
 *                                 format) as reference, the rest as queries
 */
#include "tasks/classify/knn_classify.h"
#include "tasks/classify/metrics.h"
#include "util/fs.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: classify_knn_bench FILE K\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	int64_t h[3];
	if (!f || fread(h, sizeof(h), 1, f) != 1) {
		fprintf(stderr, "cannot read %s\n", argv[1]);
		return 1;
	}
	size_t n = (size_t)h[0], d = (size_t)h[1], k = strtoull(argv[2], 0, 10);
	int32_t *y = malloc(n * sizeof(int32_t));
	sc_dmat x;
	sc_dmat_alloc(&x, n, d);
	if (fread(y, sizeof(int32_t), n, f) != n || fread(x.v, sizeof(double), n * d, f) != n * d) {
		fprintf(stderr, "short file %s\n", argv[1]);
		return 1;
	}
	fclose(f);
	size_t ntr = n * 8 / 10;
	sc_dmat ref = {ntr, d, x.v}, q = {n - ntr, d, x.v + ntr * d};
	sc_err err = {0};
	sc_knn_votes v;
	double t0 = sc_mono_sec();
	if (sc_knn_classify(&v, &ref, y, &q, k, SC_METRIC_EUCLIDEAN, &err)) {
		fprintf(stderr, "knn: %s\n", err.msg);
		return 1;
	}
	double t1 = sc_mono_sec();
	sc_cls_report r;
	if (sc_cls_report_compute(&r, y + ntr, v.pred, n - ntr, &err)) {
		fprintf(stderr, "report: %s\n", err.msg);
		return 1;
	}
	printf("total_s=%.3f\naccuracy=%.6f\nf1_macro=%.6f\n", t1 - t0, r.accuracy, r.f1_macro);
	sc_cls_report_free(&r);
	sc_knn_votes_free(&v);
	sc_dmat_free(&x);
	free(y);
	return 0;
}
