/*
 * test_scib_trajectory.c - trajectory conservation on hand-checked graphs
 * (the value itself is compared with scib's on real data in
 * tests/cli/t0806): on a chain of cells whose given pseudotime is their
 * position, the root is a cell of the start label, DPT runs from 0 there to
 * 1, and the mirrored chain gives the mirrored root and the same score;
 * cells without a pseudotime are left out; one batch averages to the
 * batch-less score; scib's rule of 0 when no root candidate is in the
 * largest component; NaN with the reason when nothing is given; bad input
 * refused. (scanpy's DPT need not grow along a chain: with only 10
 * components, and those with eigenvalue >= 0.9994 unscaled, it is not a
 * monotone function of the position, so no score is asserted here.)
 */
#include "tasks/scib/trajectory.h"
#include "unit.h"

/* A chain 0 - 1 - ... - n-1 with weight 1 between neighbours and 0.5 to the
 * second neighbours (a connected graph without the cycle's symmetry). */
static void chain(sc_csr *g, size_t n)
{
	size_t nnz = 0;
	sc_csr_alloc(g, n, n, 4 * n);
	for (size_t i = 0; i < n; i++) {
		for (long d = -2; d <= 2; d++) {
			long j = (long)i + d;
			if (d == 0 || j < 0 || j >= (long)n)
				continue;
			g->indices[nnz] = (int32_t)j;
			g->data[nnz++] = d == -1 || d == 1 ? 1.0 : 0.5;
		}
		g->indptr[i + 1] = (int64_t)nnz;
	}
}

static void labels_by_position(sc_labels *l, size_t n)
{
	l->n = n;
	l->ncat = 2;
	l->codes = calloc(n, sizeof(int32_t));
	l->names = calloc(2, sizeof(char *));
	l->names[0] = strdup("start");
	l->names[1] = strdup("rest");
	for (size_t i = 0; i < n; i++)
		l->codes[i] = i < n / 5 ? 0 : 1;
}

int main(void)
{
	size_t n = 200;
	sc_csr g = { 0 };
	sc_labels lab = { 0 };
	chain(&g, n);
	labels_by_position(&lab, n);
	double *pt = malloc(sizeof(double) * n), *after = malloc(sizeof(double) * n);
	for (size_t i = 0; i < n; i++)
		pt[i] = (double)i / (double)n;
	sc_scib_traj tr;
	sc_scib_why why;
	sc_err err = { 0 };
	int rc = sc_scib_trajectory(&tr, after, &g, pt, &lab, NULL, &why, &err);
	double fwd = tr.score;
	size_t root = tr.root;
	OK(rc == 0 && fwd > 0.5 && fwd <= 1 && tr.n_component == n && tr.n_subset == n,
	   "chain, pseudotime = position: a score above 0.5 (%.17g, %zu cells)", fwd, tr.n_component);
	OK(root < n / 5 && tr.start_label == 0, "... rooted in the start label (cell %zu)", root);
	double mx = 0;
	for (size_t i = 0; i < n; i++)
		mx = fmax(mx, after[i]);
	OK(after[root] == 0 && mx == 1, "... DPT 0 at the root, 1 at its maximum");

	/* the mirrored chain: the same graph, numbered from the other end */
	for (size_t i = 0; i < n; i++) {
		pt[i] = (double)(n - 1 - i) / (double)n;
		lab.codes[i] = i >= n - n / 5 ? 0 : 1;
	}
	rc = sc_scib_trajectory(&tr, NULL, &g, pt, &lab, NULL, &why, &err);
	OK(rc == 0 && fabs(tr.score - fwd) < 1e-9 && tr.root == n - 1 - root,
	   "mirrored: the mirrored root (cell %zu) and the same score (%.17g)", tr.root, tr.score);

	/* every other cell without a pseudotime: only the others count */
	for (size_t i = 0; i < n; i++) {
		pt[i] = i % 2 ? NAN : (double)i;
		lab.codes[i] = i < n / 5 ? 0 : 1;
	}
	rc = sc_scib_trajectory(&tr, after, &g, pt, &lab, NULL, &why, &err);
	OK(rc == 0 && tr.n_subset == n / 2 && tr.n_component == n / 2 && isnan(after[1]) &&
		   !isnan(after[2]) && !isnan(tr.score),
	   "every other cell without a pseudotime: %zu cells used, score %.6g", tr.n_subset,
	   tr.score);
	double half = tr.score;

	/* one batch: its rho is the overall one */
	sc_labels bat = { .n = n, .ncat = 2, .codes = calloc(n, sizeof(int32_t)) };
	rc = sc_scib_trajectory(&tr, NULL, &g, pt, &lab, &bat, &why, &err);
	OK(rc == 0 && tr.score == half && tr.n_batches == 1,
	   "by batch with one batch: the batch-less score");

	/* the start label's cells cut off from the rest: scib scores 0 */
	sc_csr cut = { 0 };
	chain(&cut, n);
	for (size_t i = 0; i < n; i++)
		for (int64_t q = cut.indptr[i]; q < cut.indptr[i + 1]; q++)
			if ((i < n / 5) != ((size_t)cut.indices[q] < n / 5))
				cut.data[q] = 0, cut.indices[q] = (int32_t)i; /* a zero self-loop: no edge */
	for (size_t i = 0; i < n; i++)
		pt[i] = (double)i;
	rc = sc_scib_trajectory(&tr, NULL, &cut, pt, &lab, NULL, &why, &err);
	OK(rc == 0 && tr.score == 0 && tr.n_component == n - n / 5 && strstr(why.msg, "scib scores 0"),
	   "start label outside the largest component: 0 (%s)", why.msg);
	sc_csr_free(&cut);

	for (size_t i = 0; i < n; i++)
		pt[i] = NAN;
	rc = sc_scib_trajectory(&tr, NULL, &g, pt, &lab, NULL, &why, &err);
	OK(rc == 0 && isnan(tr.score) && !strcmp(why.msg, "no cell has a pseudotime"),
	   "no pseudotime at all: NaN (%s)", why.msg);
	lab.n = n - 1;
	OK(sc_scib_trajectory(&tr, NULL, &g, pt, &lab, NULL, &why, &err) == SC_EINVAL,
	   "a graph of another size is refused: %s", err.msg);
	lab.n = n;
	OK(sc_scib_trajectory(&tr, NULL, &g, NULL, &lab, NULL, &why, &err) == SC_EINVAL,
	   "no pseudotime vector is refused: %s", err.msg);

	free(bat.codes);
	free(pt);
	free(after);
	sc_labels_free(&lab);
	sc_csr_free(&g);
	return unit_failures_ ? 1 : 0;
}
