/*
 * scib_bench.c - the C side of bench/scib.sh: runs the whole scIB suite on
 * a simulated embedding and prints "key value" lines (per-metric seconds and
 * values, shared steps, total), writes the NMI-optimal clustering for the
 * Python peer, and times silhouette, NMI and ARI alone on the inputs the
 * peer times sklearn on.
 *
 * usage: scib_bench suite DIR [rss]  (DIR/emb.bin, labels.bin, batches.bin;
 *                                    rss: also each stage's peak resident
 *                                    memory, "rss_NAME KB" lines)
 *        scib_bench sil DIR NAME     silhouette of DIR/NAME_x.bin by NAME_l.bin
 *        scib_bench nmi DIR          NMI/ARI of DIR/cluster.bin vs labels.bin
 */
#include "tasks/scib/clusters.h"
#include "tasks/scib/silhouette.h"
#include "tasks/scib/suite.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void *load(const char *dir, const char *name, const char *magic, size_t *rows,
		  size_t *cols, size_t width)
{
	char path[4096], m[4];
	int64_t h[2];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f || fread(m, 1, 4, f) != 4 || memcmp(m, magic, 4) || fread(h, 8, 2, f) != 2) {
		fprintf(stderr, "scib_bench: cannot read %s\n", path);
		exit(1);
	}
	size_t n = (size_t)(h[0] * h[1]);
	void *v = malloc(n * width + 1);
	if (fread(v, width, n, f) != n) {
		fprintf(stderr, "scib_bench: short %s\n", path);
		exit(1);
	}
	fclose(f);
	*rows = (size_t)h[0];
	*cols = (size_t)h[1];
	return v;
}

static void save_i(const char *dir, const char *name, const int32_t *v, size_t n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	int64_t h[2] = { (int64_t)n, 1 };
	if (!f || fwrite("SCI1", 1, 4, f) != 4 || fwrite(h, 8, 2, f) != 2 ||
	    fwrite(v, 4, n, f) != n || fclose(f)) {
		fprintf(stderr, "scib_bench: cannot write %s\n", path);
		exit(1);
	}
}

static sc_labels labels(const char *dir, const char *name, size_t n)
{
	size_t r, c;
	sc_labels l = { 0 };
	l.codes = load(dir, name, "SCI1", &r, &c, 4);
	l.n = r * c;
	int32_t mx = 0;
	for (size_t i = 0; i < l.n; i++)
		mx = l.codes[i] > mx ? l.codes[i] : mx;
	l.ncat = (size_t)mx + 1;
	if (l.n != n) {
		fprintf(stderr, "scib_bench: %s has %zu entries for %zu cells\n", name, l.n, n);
		exit(1);
	}
	return l;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	const char *dir = argv[2];
	sc_err e;
	if (!strcmp(argv[1], "suite")) {
		sc_dmat x;
		x.v = load(dir, "emb.bin", "SCD1", &x.rows, &x.cols, 8);
		sc_labels lab = labels(dir, "labels.bin", x.rows), bat = labels(dir, "batches.bin", x.rows);
		sc_scib_result r;
		sc_scib_opts o;
		sc_scib_opts_default(&o);
		o.measure_rss = argc > 3 && !strcmp(argv[3], "rss");
		if (sc_scib_suite_run(&r, &x, &lab, &bat, &o, &e)) {
			fprintf(stderr, "scib_bench: %s\n", e.msg);
			return 1;
		}
		for (size_t i = 0; i < r.n_steps; i++)
			printf("step_%s %.3f\n", r.step[i].name, r.step[i].seconds);
		for (size_t i = 0; i < r.n_metrics; i++)
			printf("t_%s %.3f\nv_%s %.6f\n", r.metric[i].name, r.metric[i].seconds,
			       r.metric[i].name, r.metric[i].value);
		for (size_t i = 0; o.measure_rss && i < r.n_steps; i++)
			printf("rss_step_%s %ld\n", r.step[i].name, r.step[i].peak_rss_kb);
		for (size_t i = 0; o.measure_rss && i < r.n_metrics; i++)
			printf("rss_%s %ld\n", r.metric[i].name, r.metric[i].peak_rss_kb);
		printf("total_seconds %.3f\nv_bio %.6f\nv_batch %.6f\nv_overall %.6f\n",
		       r.total_seconds, r.bio, r.batch, r.overall);
		save_i(dir, "cluster.bin", r.cluster, r.n);
		sc_scib_result_free(&r);
		return 0;
	}
	if (!strcmp(argv[1], "sil") && argc > 3) {
		char xn[256], ln[256];
		snprintf(xn, sizeof(xn), "%s_x.bin", argv[3]);
		snprintf(ln, sizeof(ln), "%s_l.bin", argv[3]);
		sc_dmat x;
		x.v = load(dir, xn, "SCD1", &x.rows, &x.cols, 8);
		sc_labels lab = labels(dir, ln, x.rows);
		double *s = malloc(sizeof(double) * x.rows), t0 = now();
		if (sc_scib_silhouette_samples(s, &x, lab.codes, 0, &e)) {
			fprintf(stderr, "scib_bench: %s\n", e.msg);
			return 1;
		}
		printf("sil_%s_seconds %.3f\n", argv[3], now() - t0);
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s_s.f64", dir, argv[3]);
		FILE *f = fopen(path, "wb");
		if (!f || fwrite(s, 8, x.rows, f) != x.rows || fclose(f))
			return 1;
		return 0;
	}
	if (!strcmp(argv[1], "nmi")) {
		size_t r, c;
		int32_t *cl = load(dir, "cluster.bin", "SCI1", &r, &c, 4);
		sc_labels lab = labels(dir, "labels.bin", r * c);
		double v, t0 = now();
		if (sc_scib_nmi(&v, cl, lab.codes, lab.n, &e))
			return 1;
		printf("nmi_seconds %.4f\nnmi_value %.12f\n", now() - t0, v);
		t0 = now();
		if (sc_scib_ari(&v, cl, lab.codes, lab.n, &e))
			return 1;
		printf("ari_seconds %.4f\nari_value %.12f\n", now() - t0, v);
		return 0;
	}
	return 2;
}
