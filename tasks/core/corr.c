/*
 * corr.c - correlation coefficients (see corr.h).
 */
#include "tasks/core/corr.h"

#include "util/err.h"

#include <math.h>
#include <stdlib.h>

static int constant(const double *x, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (x[i] != x[0])
			return 0;
	return 1;
}

double sc_pearson(const double *x, const double *y, size_t n)
{
	if (n < 2 || constant(x, n) || constant(y, n))
		return NAN;
	double mx = 0, my = 0;
	for (size_t i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (double)n;
	my /= (double)n;
	double sxy = 0, sxx = 0, syy = 0;
	for (size_t i = 0; i < n; i++) {
		double dx = x[i] - mx, dy = y[i] - my;
		sxy += dx * dy;
		sxx += dx * dx;
		syy += dy * dy;
	}
	double r = sxy / sqrt(sxx * syy);
	return r > 1 ? 1 : r < -1 ? -1 : r;
}

typedef struct ranked_value {
	double v;
	size_t i;
} ranked_value;

static int cmp_ranked_value(const void *a, const void *b)
{
	const ranked_value *x = a, *y = b;
	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

void sc_average_ranks(double *rank, const double *x, size_t n)
{
	ranked_value *t = sc_xmalloc((n ? n : 1) * sizeof(*t));
	for (size_t i = 0; i < n; i++)
		t[i] = (ranked_value){ x[i], i };
	qsort(t, n, sizeof(*t), cmp_ranked_value);
	for (size_t a = 0; a < n;) {
		size_t b = a + 1;
		while (b < n && t[b].v == t[a].v)
			b++;
		double r = 0.5 * (double)(a + 1 + b); /* mean of ranks a+1 .. b */
		for (size_t q = a; q < b; q++)
			rank[t[q].i] = r;
		a = b;
	}
	free(t);
}

double sc_spearman(const double *x, const double *y, size_t n)
{
	double *rx = sc_xmalloc((n ? n : 1) * sizeof(double));
	double *ry = sc_xmalloc((n ? n : 1) * sizeof(double));
	sc_average_ranks(rx, x, n);
	sc_average_ranks(ry, y, n);
	double r = sc_pearson(rx, ry, n);
	free(rx);
	free(ry);
	return r;
}
