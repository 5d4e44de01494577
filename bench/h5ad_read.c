/*
 * h5ad_read.c - benchmark driver: read X (CSR) and obs of an .h5ad file the
 * way a task does (sc_h5ad_read_csr, obs names, cell_type and batch labels)
 * and print the wall and CPU times (seconds) and the shape. Built and run by bench/h5ad_read.sh.
 */
#include "io/h5ad.h"
#include "util/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

/* CPU seconds of the process, all threads (user + system). */
static double cpu_sec(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return (double)u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + (double)u.ru_stime.tv_sec +
	       u.ru_stime.tv_usec * 1e-6;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: h5ad_read FILE\n");
		return 2;
	}
	sc_err err = { 0, "" };
	double t0 = sc_mono_sec(), c0 = cpu_sec();
	sc_h5ad *h;
	sc_csr x;
	sc_labels a, b;
	char **names;
	size_t n;
	if (sc_h5ad_open(&h, argv[1], &err) || sc_h5ad_read_csr(&x, h, "X", 0, &err) ||
	    sc_h5ad_read_index(&names, &n, h, "obs", &err) || sc_h5ad_read_labels(&a, h, "obs", "cell_type", &err) ||
	    sc_h5ad_read_labels(&b, h, "obs", "batch", &err)) {
		fprintf(stderr, "h5ad_read: %s\n", err.msg);
		return 1;
	}
	double t1 = sc_mono_sec(), c1 = cpu_sec();
	printf("%.3f %.3f %zu %zu %zu\n", t1 - t0, c1 - c0, x.rows, x.cols, sc_csr_nnz(&x));
	sc_h5ad_strings_free(names, n);
	sc_labels_free(&a);
	sc_labels_free(&b);
	sc_csr_free(&x);
	sc_h5ad_close(h);
	return 0;
}
