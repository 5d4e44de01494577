/*
 * rng.h - the one random generator of sceval: xoshiro256** seeded through
 * splitmix64. Passed explicitly; never global, never seeded from time.
 *
 * Determinism across thread counts: work split over threads takes one
 * independent stream per fixed-size block of items (sc_rng_stream), never
 * per thread, so the bytes drawn do not depend on how many threads run.
 * The distributions use only +,-,*,/,sqrt,log,exp on doubles, so a given
 * seed gives the same numbers on every IEEE-754 machine with the same libm.
 */
#ifndef SC_RNG_H
#define SC_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct sc_rng {
	uint64_t s[4];
	int has_gauss;
	double gauss;
} sc_rng;

void sc_rng_seed(sc_rng *r, uint64_t seed);
/* An independent generator for (seed, stream): e.g. stream = block index. */
void sc_rng_stream(sc_rng *r, uint64_t seed, uint64_t stream);
uint64_t sc_rng_u64(sc_rng *r);
/* Uniform double in [0, 1) with 53 random bits. */
double sc_rng_uniform(sc_rng *r);
/* Uniform integer in [0, n) without modulo bias. n > 0. */
uint64_t sc_rng_below(sc_rng *r, uint64_t n);
double sc_rng_normal(sc_rng *r);
/* Gamma(shape, scale=1), shape > 0 (Marsaglia and Tsang). */
double sc_rng_gamma(sc_rng *r, double shape);
/* Poisson(lambda), lambda >= 0. */
uint64_t sc_rng_poisson(sc_rng *r, double lambda);
/* Negative binomial with mean mu and dispersion theta (var = mu + mu^2/theta),
 * drawn as Poisson(Gamma(theta, mu/theta)). */
uint64_t sc_rng_nbinom(sc_rng *r, double mu, double theta);
/* Fisher-Yates shuffle of n size_t values. */
void sc_rng_shuffle(sc_rng *r, size_t *a, size_t n);

#endif
