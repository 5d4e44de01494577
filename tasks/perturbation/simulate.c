/*
 * tasks/perturbation/simulate.c - a Perturb-seq simulator with a known causal
 * network, for demos and for tests whose truth must be known
 * (`sceval simulate --perturb`).
 *
 * Genes form a sparse random DAG in log-expression space (gene i may act on
 * gene j > i, probability 3 / genes, weight N(0, 0.6^2)). Knocking a target
 * down multiplies its mean by `knockdown`; the change in log mean propagates
 * along the DAG linearly, so the change of a combination is the sum of its
 * members' changes, except for a share `interaction` of the combinations,
 * which get an extra change on 5% of the genes (N(0, 1)). Counts are
 * negative binomial (dispersion 0.1) around library-size-scaled means, as
 * tasks/core/splat.c draws them; with `expected` set, X holds the log of
 * the expected means instead (no sampling), which makes `additive` exact on
 * the combinations without interaction. uns/interacting lists those with.
 * Each condition's cells come from their own stream: the file depends on
 * the parameters and the seed only.
 */
#include "pert.h"
#include "perturbation.h"
#include "io/h5ad.h"
#include "tasks/core/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sc_pert_sim_defaults(sc_pert_sim_params *p)
{
	memset(p, 0, sizeof(*p));
	p->genes = 200;
	p->targets = 12;
	p->combos = 12;
	p->cells = 50;
	p->knockdown = 0.2;
	p->interaction = 0.5;
}

/* The change in log mean of every gene when the members knock down. */
static void propagate(double *delta, const double *w, size_t g, const size_t *targets, size_t nt,
		      double knock)
{
	memset(delta, 0, g * sizeof(double));
	for (size_t j = 0; j < g; j++) {
		for (size_t i = 0; i < j; i++)
			delta[j] += w[i * g + j] * delta[i];
		for (size_t k = 0; k < nt; k++)
			if (targets[k] == j)
				delta[j] += log(knock);
	}
}

typedef struct sim {
	double *mu, *w;
	char **cond, **genes;
	size_t n_cond, **members, *n_members;
	uint8_t *interacts;
} sim;

static void sim_build(sim *s, const sc_pert_sim_params *p)
{
	size_t g = p->genes;
	sc_rng r;
	sc_rng_stream(&r, p->seed, 0);
	s->mu = sc_xmalloc(g * sizeof(double));
	s->w = sc_xcalloc(g * g, sizeof(double));
	s->genes = sc_xcalloc(g, sizeof(char *));
	for (size_t j = 0; j < g; j++) {
		s->mu[j] = log(0.2 + sc_rng_gamma(&r, 1.5) * 2.0);
		s->genes[j] = sc_xasprintf("G%04zu", j);
	}
	for (size_t i = 0; i < g; i++)
		for (size_t j = i + 1; j < g; j++)
			if (sc_rng_uniform(&r) < 3.0 / (double)g)
				s->w[i * g + j] = 0.6 * sc_rng_normal(&r);
	s->n_cond = 1 + p->targets + p->combos;
	s->cond = sc_xcalloc(s->n_cond, sizeof(char *));
	s->members = sc_xcalloc(s->n_cond, sizeof(size_t *));
	s->n_members = sc_xcalloc(s->n_cond, sizeof(size_t));
	s->interacts = sc_xcalloc(s->n_cond, 1);
	s->cond[0] = sc_xstrdup("ctrl");
	/* Targets are spread over the DAG: every (genes / targets)-th gene. */
	size_t step = g / p->targets;
	for (size_t k = 0; k < p->targets; k++) {
		s->members[1 + k] = sc_xmalloc(sizeof(size_t));
		s->members[1 + k][0] = k * step;
		s->n_members[1 + k] = 1;
		s->cond[1 + k] = sc_xasprintf("%s+ctrl", s->genes[k * step]);
	}
	for (size_t c = 0; c < p->combos; c++) {
		size_t k = 1 + p->targets + c, a = c % p->targets, b = (c / p->targets + 1 + a) % p->targets;
		s->members[k] = sc_xmalloc(2 * sizeof(size_t));
		s->members[k][0] = a * step;
		s->members[k][1] = b * step;
		s->n_members[k] = 2;
		s->cond[k] = sc_xasprintf("%s+%s", s->genes[a * step], s->genes[b * step]);
		s->interacts[k] = sc_rng_uniform(&r) < p->interaction;
	}
}

static void sim_free(sim *s, size_t g)
{
	free(s->mu);
	free(s->w);
	for (size_t j = 0; j < g; j++)
		free(s->genes[j]);
	free(s->genes);
	for (size_t k = 0; k < s->n_cond; k++) {
		free(s->cond[k]);
		free(s->members[k]);
	}
	free(s->cond);
	free(s->members);
	free(s->n_members);
	free(s->interacts);
}

/* The cells of condition k into rows [row, row + cells) of x. */
static void sim_cells(sc_dmat *x, size_t row, const sim *s, size_t k, const sc_pert_sim_params *p)
{
	size_t g = p->genes;
	double *delta = sc_xmalloc(g * sizeof(double));
	propagate(delta, s->w, g, s->members[k], s->n_members[k], p->knockdown);
	sc_rng r;
	sc_rng_stream(&r, p->seed, 1 + k);
	if (s->interacts[k]) {
		sc_rng ri;
		sc_rng_stream(&ri, p->seed, 1000000 + k);
		for (size_t j = 0; j < g; j++)
			if (sc_rng_uniform(&ri) < 0.05)
				delta[j] += sc_rng_normal(&ri);
	}
	for (size_t i = 0; i < p->cells; i++) {
		double lib = exp(0.3 * sc_rng_normal(&r));
		for (size_t j = 0; j < g; j++) {
			double m = exp(s->mu[j] + delta[j]);
			SC_AT(x, row + i, j) = p->expected ? log(m)
				: (double)sc_rng_nbinom(&r, m * lib, 10.0);
		}
	}
	free(delta);
}

int sc_pert_sim_write(const sc_pert_sim_params *p, const char *path, sc_err *err)
{
	if (p->targets < 2 || p->targets > p->genes || p->cells < 2 || p->knockdown <= 0 ||
	    p->interaction < 0 || p->interaction > 1)
		return sc_errf(err, SC_EINVAL,
			       "--perturb needs 2 <= targets <= genes, 2+ cells per condition, "
			       "knockdown > 0 and interaction in [0, 1]");
	sim s;
	sim_build(&s, p);
	size_t n = s.n_cond * p->cells;
	sc_dmat x;
	sc_dmat_alloc(&x, n, p->genes);
	int32_t *codes = sc_xmalloc(n * sizeof(int32_t));
	char **names = sc_xcalloc(n, sizeof(char *));
	for (size_t k = 0; k < s.n_cond; k++) {
		sim_cells(&x, k * p->cells, &s, k, p);
		for (size_t i = 0; i < p->cells; i++) {
			codes[k * p->cells + i] = (int32_t)k;
			names[k * p->cells + i] = sc_xasprintf("cell%zu", k * p->cells + i);
		}
	}
	char **inter = sc_xcalloc(s.n_cond, sizeof(char *));
	size_t ni = 0;
	for (size_t k = 0; k < s.n_cond; k++)
		if (s.interacts[k])
			inter[ni++] = s.cond[k];
	sc_csr m;
	sc_dmat_to_csr(&m, &x);
	sc_h5ad_writer *w = NULL;
	int rc;
	if ((rc = sc_h5ad_create(&w, path, err)) ||
	    (rc = sc_h5ad_write_index(w, "obs", names, n, err)) ||
	    (rc = sc_h5ad_write_categorical(w, "obs", SC_PERT_OBS_CONDITION, codes, n, s.cond, s.n_cond,
					    0, err)) ||
	    (rc = sc_h5ad_write_index(w, "var", s.genes, p->genes, err)) ||
	    (rc = sc_h5ad_write_csr(w, "X", &m, p->expected ? SC_H5AD_F64 : SC_H5AD_F32, err)) ||
	    (rc = sc_h5ad_write_uns_strings(w, "interacting", inter, ni, err)) ||
	    (rc = sc_h5ad_write_uns_int(w, "simulation/seed", (int64_t)p->seed, err)))
		goto out;
	rc = sc_h5ad_writer_close(w, err);
	w = NULL;
out:
	sc_h5ad_writer_free(w);
	sc_csr_free(&m);
	sc_dmat_free(&x);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(codes);
	free(inter);
	sim_free(&s, p->genes);
	return rc;
}
