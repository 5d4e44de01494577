/*
 * splat.h - realistic single-cell count matrices for demos, tests and
 * benchmarks, in the spirit of Splatter (Zappia et al. 2017, Genome
 * Biology): gamma-distributed gene means with expression outliers, cell
 * types that differ by log-normal fold changes on a fraction of genes,
 * batches with multiplicative log-normal gene factors, log-normal library
 * sizes, negative-binomial noise whose biological coefficient of variation
 * falls with the mean, and logistic dropout of low-mean entries.
 *
 * Output: an .h5ad file (CSR X of float32 or int32 counts, obs/cell_type and
 * obs/batch categorical, obs/n_counts, var/base_mean, the parameters in
 * uns/simulation), written while it is generated: memory is a few blocks of
 * cells whatever the size. Cells are generated in fixed blocks, each from
 * its own stream sc_rng_stream(seed, block), so the file's bytes depend on
 * the parameters and the seed only, never on the number of threads.
 */
#ifndef SC_CORE_SPLAT_H
#define SC_CORE_SPLAT_H

#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

typedef struct sc_splat_params {
	size_t cells, genes, types, batches;
	uint64_t seed;
	double mean_shape, mean_rate;        /* gene base mean ~ Gamma(shape, rate) */
	double out_prob, out_loc, out_scale; /* outlier genes: median * LN(loc, scale) */
	double lib_loc, lib_scale;           /* library size ~ LN(loc, scale) */
	double de_prob, de_down, de_loc, de_scale; /* per type: share of DE genes, share down, LN fold */
	double batch_loc, batch_scale;       /* per batch and gene: LN factor, inverted half the time */
	double bcv_common, bcv_df;           /* BCV = (common + 1/sqrt(mu)) * sqrt(df / chi2_df) */
	int dropout;                         /* logistic dropout on */
	double dropout_mid, dropout_shape;   /* P(drop) = 1 / (1 + exp(-shape (log mu - mid))) */
	int integer;                         /* int32 values instead of float32 */
	int threads;                         /* 0: as many as CPUs */
	int gzip;                            /* compression level of the file, 0..9 */
	/* Given covariates (cells entries each, codes below types / batches),
	 * or NULL: drawn uniformly. A model fitted to real cells uses them. */
	const int32_t *cell_type, *cell_batch;
} sc_splat_params;

/* The defaults, documented in `sceval simulate --help`. */
void sc_splat_defaults(sc_splat_params *p);
/* Check ranges; a message naming the parameter on failure. */
int sc_splat_check(const sc_splat_params *p, sc_err *err) SC_WUR;

typedef struct sc_splat_stats {
	size_t nnz;
	double total;
} sc_splat_stats;

/* Generate and write path. stats may be NULL. */
int sc_splat_write(const sc_splat_params *p, const char *path, sc_splat_stats *stats, sc_err *err) SC_WUR;

#endif
