/*
 * nb.h - the negative binomial and the normal distribution as the
 * simulation task needs them: log-pmf, CDF and quantile of NB(mu, theta)
 * (var = mu + mu^2 / theta), the normal CDF and its inverse, digamma and
 * trigamma; and the per-gene NB GLM with categorical covariates and an
 * offset, fitted by maximum likelihood in (beta, log theta) jointly, the
 * model of MASS::glm.nb and of scDesign3's default marginal.
 *
 * The design is categorical: every cell belongs to one covariate group
 * (a cell type, or a cell type x batch combination), group g has design
 * row x_g (p entries), and mu_i = L_i exp(x_g' beta) with L_i the cell's
 * library size (offset log L_i). The fit needs the gene's counts for all
 * cells (a dense vector of n), the cells' groups and library sizes; one
 * pass over the cells per Newton step, no exp or lgamma per zero count.
 */
#ifndef SC_SIM_NB_H
#define SC_SIM_NB_H

#include <stddef.h>
#include <stdint.h>

double sc_sim_digamma(double x);
double sc_sim_trigamma(double x);
/* Standard normal CDF and its inverse (full double precision). */
double sc_sim_norm_cdf(double z);
double sc_sim_norm_ppf(double p);

double sc_nb_logpmf(double y, double mu, double theta);
/* P(Y <= y) for integer y >= 0 (0 for y < 0). */
double sc_nb_cdf(double y, double mu, double theta);
/* The smallest y with P(Y <= y) >= u, u in (0, 1). */
double sc_nb_quantile(double u, double mu, double theta);

/* Bounds of the dispersion: theta stays in [SC_NB_THETA_MIN, SC_NB_THETA_MAX]
 * (a gene without overdispersion ends at the upper bound, Poisson-like). */
#define SC_NB_THETA_MIN 1e-6
#define SC_NB_THETA_MAX 1e8

typedef struct sc_nbglm_design {
	size_t n;              /* cells */
	size_t ngroups, p;     /* covariate groups, coefficients */
	const double *x;       /* ngroups x p design rows */
	const int32_t *group;  /* n: the cell's group */
	const double *lib;     /* n: library sizes (> 0) */
} sc_nbglm_design;

typedef struct sc_nbglm_fit {
	double *beta;   /* p coefficients (caller's array) */
	double theta;
	double loglik;
	int iterations;
	int converged;  /* 0: iteration limit (e.g. a group without counts) */
} sc_nbglm_fit;

/* Coefficients of a design at most (cell types + batches). */
#define SC_NBGLM_MAXP 64

/* Fit one gene: y holds the n counts. Works in scratch of 7 ngroups
 * doubles (caller's). beta must have p <= SC_NBGLM_MAXP entries. */
void sc_nbglm_fit_gene(sc_nbglm_fit *out, const sc_nbglm_design *d, const double *y,
		       double *scratch);

#endif
