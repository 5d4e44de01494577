/*
 * rng.c - xoshiro256** (Blackman and Vigna) with splitmix64 seeding, and the
 * distributions the simulator, splits, k-means++ and the neural network use.
 */
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void sc_rng_seed(sc_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
	r->has_gauss = 0;
	r->gauss = 0;
}

void sc_rng_stream(sc_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ 0x5ce5a1d0c0ffee00ULL;
	uint64_t a = splitmix64(&x);
	uint64_t y = stream + 0x243f6a8885a308d3ULL;
	uint64_t b = splitmix64(&y);
	sc_rng_seed(r, a ^ (b * 0xd1342543de82ef95ULL));
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t sc_rng_u64(sc_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double sc_rng_uniform(sc_rng *r)
{
	return (double)(sc_rng_u64(r) >> 11) * 0x1.0p-53;
}

uint64_t sc_rng_below(sc_rng *r, uint64_t n)
{
	/* Lemire's multiply-shift with rejection of the biased low range. */
	uint64_t x = sc_rng_u64(r);
	__uint128_t m = (__uint128_t)x * n;
	uint64_t l = (uint64_t)m;
	if (l < n) {
		uint64_t t = -n % n;
		while (l < t) {
			x = sc_rng_u64(r);
			m = (__uint128_t)x * n;
			l = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double sc_rng_normal(sc_rng *r)
{
	/* Marsaglia's polar method; the second value is kept for the next call. */
	if (r->has_gauss) {
		r->has_gauss = 0;
		return r->gauss;
	}
	double u, v, s;
	do {
		u = 2.0 * sc_rng_uniform(r) - 1.0;
		v = 2.0 * sc_rng_uniform(r) - 1.0;
		s = u * u + v * v;
	} while (s >= 1.0 || s == 0.0);
	double f = sqrt(-2.0 * log(s) / s);
	r->gauss = v * f;
	r->has_gauss = 1;
	return u * f;
}

double sc_rng_gamma(sc_rng *r, double shape)
{
	if (shape <= 0)
		return 0;
	if (shape < 1) {
		/* Boost: Gamma(a) = Gamma(a + 1) * U^(1/a). */
		double u = sc_rng_uniform(r);
		return sc_rng_gamma(r, shape + 1.0) * pow(u > 0 ? u : 0x1.0p-53, 1.0 / shape);
	}
	double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
	for (;;) {
		double x, v;
		do {
			x = sc_rng_normal(r);
			v = 1.0 + c * x;
		} while (v <= 0);
		v = v * v * v;
		double u = sc_rng_uniform(r);
		if (u < 1.0 - 0.0331 * x * x * x * x)
			return d * v;
		if (u > 0 && log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
			return d * v;
	}
}

uint64_t sc_rng_poisson(sc_rng *r, double lambda)
{
	if (!(lambda > 0))
		return 0;
	if (lambda < 30) {
		/* Knuth: multiply uniforms until the product drops below e^-lambda. */
		double L = exp(-lambda), p = 1.0;
		uint64_t k = 0;
		for (;;) {
			p *= sc_rng_uniform(r);
			if (p <= L)
				return k;
			k++;
		}
	}
	/* Hormann's PTRS (transformed rejection with squeeze) for large lambda. */
	double slam = sqrt(lambda), loglam = log(lambda);
	double b = 0.931 + 2.53 * slam;
	double a = -0.059 + 0.02483 * b;
	double invalpha = 1.1239 + 1.1328 / (b - 3.4);
	double vr = 0.9277 - 3.6224 / (b - 2);
	for (;;) {
		double U = sc_rng_uniform(r) - 0.5;
		double V = sc_rng_uniform(r);
		double us = 0.5 - fabs(U);
		double k = floor((2 * a / us + b) * U + lambda + 0.43);
		if (us >= 0.07 && V <= vr)
			return (uint64_t)k;
		if (k < 0 || (us < 0.013 && V > us))
			continue;
		if (log(V) + log(invalpha) - log(a / (us * us) + b) <=
		    -lambda + k * loglam - lgamma(k + 1))
			return (uint64_t)k;
	}
}

uint64_t sc_rng_nbinom(sc_rng *r, double mu, double theta)
{
	if (!(mu > 0))
		return 0;
	if (!(theta > 0) || isinf(theta))
		return sc_rng_poisson(r, mu);
	return sc_rng_poisson(r, sc_rng_gamma(r, theta) * mu / theta);
}

void sc_rng_shuffle(sc_rng *r, size_t *a, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)sc_rng_below(r, i);
		size_t t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}
