/*
 * integrate_driver.c - the C side of bench/integrate.sh: simulates the
 * benchmark inputs (written as binio files, tests/oracle/binio.py, so the
 * Python peers read exactly the same numbers) and times sceval's ComBat and
 * Harmony on them. Not part of the library; built by the script against
 * build/libsceval.a.
 *
 *   integrate_driver gen-combat DIR N GENES BATCHES SEED
 *   integrate_driver gen-harmony DIR N DIMS BATCHES SEED
 *   integrate_driver combat DIR     -> DIR/combat_c.bin, prints seconds
 *   integrate_driver harmony DIR    -> DIR/harmony_c.bin, prints seconds
 */
#include "tests/unit/binio.h"
#include "tasks/core/rng.h"
#include "tasks/integrate/combat.h"
#include "tasks/integrate/harmony.h"

#include <math.h>
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int die(const char *m)
{
	fprintf(stderr, "integrate_driver: %s\n", m);
	return 1;
}

/* Log-expression-like values: gene mean + cell-type offset, then a batch
 * location (gamma) and scale (delta) effect per batch and gene. */
static int gen_combat(const char *dir, size_t n, size_t g, size_t B, uint64_t seed)
{
	sc_rng r;
	sc_rng_seed(&r, seed);
	size_t T = 10;
	double *mu = malloc(g * sizeof(double)), *tau = malloc(T * g * sizeof(double));
	double *gam = malloc(B * g * sizeof(double)), *del = malloc(B * g * sizeof(double));
	for (size_t j = 0; j < g; j++)
		mu[j] = 0.5 + 2.5 * sc_rng_uniform(&r);
	for (size_t i = 0; i < T * g; i++)
		tau[i] = 0.5 * sc_rng_normal(&r);
	for (size_t i = 0; i < B * g; i++) {
		gam[i] = 0.3 * sc_rng_normal(&r);
		del[i] = exp(0.2 * sc_rng_normal(&r));
	}
	double *x = malloc(n * g * sizeof(double));
	int32_t *b = malloc(n * sizeof(int32_t));
	for (size_t i = 0; i < n; i++) {
		size_t bi = sc_rng_below(&r, B), t = sc_rng_below(&r, T);
		b[i] = (int32_t)bi;
		for (size_t j = 0; j < g; j++)
			x[i * g + j] = mu[j] + tau[t * g + j] + gam[bi * g + j] +
				       sqrt(del[bi * g + j]) * 0.4 * sc_rng_normal(&r);
	}
	int rc = binio_write(binio_path(dir, "x.bin"), 1, x, n, g) |
		 binio_write(binio_path(dir, "batch.bin"), 2, b, n, 1);
	free(mu), free(tau), free(gam), free(del), free(x), free(b);
	return rc ? die("cannot write the combat input") : 0;
}

/* PCA-like embedding: 20 cell types at random centres, per-batch shifts,
 * per-dimension scales decreasing like principal components. */
static int gen_harmony(const char *dir, size_t n, size_t d, size_t B, uint64_t seed)
{
	sc_rng r;
	sc_rng_seed(&r, seed);
	size_t T = 20;
	double *c = malloc(T * d * sizeof(double)), *s = malloc(B * d * sizeof(double));
	for (size_t i = 0; i < T * d; i++)
		c[i] = 3 * sc_rng_normal(&r);
	for (size_t i = 0; i < B * d; i++)
		s[i] = 1.5 * sc_rng_normal(&r);
	double *x = malloc(n * d * sizeof(double));
	int32_t *b = malloc(n * sizeof(int32_t));
	for (size_t i = 0; i < n; i++) {
		size_t bi = sc_rng_below(&r, B), t = sc_rng_below(&r, T);
		b[i] = (int32_t)bi;
		for (size_t j = 0; j < d; j++) {
			double sc = 5 / sqrt((double)j + 1);
			x[i * d + j] = sc * (c[t * d + j] + s[bi * d + j] + 0.5 * sc_rng_normal(&r));
		}
	}
	int rc = binio_write(binio_path(dir, "pcs.bin"), 1, x, n, d) |
		 binio_write(binio_path(dir, "batch.bin"), 2, b, n, 1);
	free(c), free(s), free(x), free(b);
	return rc ? die("cannot write the harmony input") : 0;
}

static int load(const char *dir, const char *name, sc_dmat *x, sc_labels *lab)
{
	void *v = NULL, *b = NULL;
	size_t r, c, br, bc;
	if (binio_read(binio_path(dir, name), 1, &v, &r, &c) ||
	    binio_read(binio_path(dir, "batch.bin"), 2, &b, &br, &bc) || br != r)
		return -1;
	*x = (sc_dmat){ r, c, v };
	memset(lab, 0, sizeof(*lab));
	lab->n = r;
	lab->codes = b;
	for (size_t i = 0; i < r; i++)
		lab->ncat = (size_t)lab->codes[i] + 1 > lab->ncat ? (size_t)lab->codes[i] + 1 : lab->ncat;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 7 && !strcmp(argv[1], "gen-combat"))
		return gen_combat(argv[2], strtoul(argv[3], 0, 10), strtoul(argv[4], 0, 10),
				  strtoul(argv[5], 0, 10), strtoull(argv[6], 0, 10));
	if (argc == 7 && !strcmp(argv[1], "gen-harmony"))
		return gen_harmony(argv[2], strtoul(argv[3], 0, 10), strtoul(argv[4], 0, 10),
				   strtoul(argv[5], 0, 10), strtoull(argv[6], 0, 10));
	if (argc != 3)
		return die("usage: gen-combat|gen-harmony|combat|harmony DIR ...");
	sc_dmat x, out;
	sc_labels lab;
	sc_err err = { 0 };
	if (!strcmp(argv[1], "combat")) {
		if (load(argv[2], "x.bin", &x, &lab))
			return die("cannot read the combat input");
		sc_combat_info info;
		double t0 = now();
		if (sc_combat(&x, &lab, NULL, &info, &err))
			return die(err.msg);
		printf("seconds=%.3f iterations=%zu\n", now() - t0, info.max_iterations);
		binio_write(binio_path(argv[2], "combat_c.bin"), 1, x.v, x.rows, x.cols);
	} else if (!strcmp(argv[1], "harmony")) {
		if (load(argv[2], "pcs.bin", &x, &lab))
			return die("cannot read the harmony input");
		sc_harmony_opts o;
		sc_harmony_opts_default(&o);
		sc_harmony_info info;
		double t0 = now();
		if (sc_harmony(&out, &info, &x, &lab, &o, &err))
			return die(err.msg);
		size_t km = 0;
		for (size_t i = 0; i < info.iterations; i++)
			km += info.kmeans_rounds[i] + 1;
		printf("seconds=%.3f rounds=%zu kmeans_steps=%zu\n", now() - t0, info.iterations, km);
		binio_write(binio_path(argv[2], "harmony_c.bin"), 1, out.v, out.rows, out.cols);
		sc_harmony_info_free(&info);
		sc_dmat_free(&out);
	} else {
		return die("unknown mode");
	}
	fflush(stdout);
	return 0;
}
