/*
 * par.c - sceval's one thread pool (see par.h for the invariant it keeps;
 * the tiled BLAS products built on it are in tasks/core/tiles.c).
 *
 * Workload: a neural-network epoch issues a few thousand products of
 * 128 x 2000 x 512 and smaller, and as many elementwise passes, so the pool
 * keeps its threads alive between calls and hands out tasks through one
 * atomic counter; a call costs two condition-variable round trips. PCA's
 * Gram matrix (2000 x 2000 from 100k rows) is the largest single product.
 */
#include "util/par.h"
#include "util/err.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

struct sc_par {
	int n;          /* threads including the caller */
	int started;    /* workers actually running */
	pthread_t *th;
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	unsigned long gen; /* bumped for each job */
	int quit;
	int busy; /* workers still in the current job */
	/* the current job */
	void (*fn)(void *, size_t);
	void *ctx;
	size_t ntasks;
	atomic_size_t next;
};

static void drain(sc_par *p)
{
	for (;;) {
		size_t t = atomic_fetch_add(&p->next, 1);
		if (t >= p->ntasks)
			break;
		p->fn(p->ctx, t);
	}
}

static void *worker(void *arg)
{
	sc_par *p = arg;
	unsigned long seen = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->gen == seen && !p->quit)
			pthread_cond_wait(&p->go, &p->mu);
		if (p->quit)
			break;
		seen = p->gen;
		pthread_mutex_unlock(&p->mu);
		drain(p);
		pthread_mutex_lock(&p->mu);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static atomic_int default_override;

void sc_par_set_default_threads(int n)
{
	atomic_store(&default_override, n < 1 ? 0 : n > 64 ? 64 : n);
}

int sc_par_default_threads(void)
{
	int n = atomic_load(&default_override);
	if (n > 0)
		return n;
	const char *e = getenv("SCEVAL_THREADS");
	if (e && *e) {
		char *end;
		long v = strtol(e, &end, 10);
		if (*end == 0 && v >= 1)
			return v > 64 ? 64 : (int)v;
	}
	long c = sysconf(_SC_NPROCESSORS_ONLN);
	return c < 1 ? 1 : c > 64 ? 64 : (int)c;
}

sc_par *sc_par_new(int nthreads)
{
	sc_par *p = sc_xcalloc(1, sizeof(*p));
	p->n = nthreads < 1 ? sc_par_default_threads() : nthreads;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->done, NULL);
	p->th = sc_xcalloc((size_t)p->n, sizeof(pthread_t));
	for (int i = 1; i < p->n; i++) {
		if (pthread_create(&p->th[p->started], NULL, worker, p) != 0)
			break;
		p->started++;
	}
	return p;
}

void sc_par_free(sc_par *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->started; i++)
		pthread_join(p->th[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->go);
	pthread_cond_destroy(&p->done);
	free(p->th);
	free(p);
}

int sc_par_threads(const sc_par *p)
{
	return p ? p->started + 1 : 1;
}

void sc_par_run(sc_par *p, size_t ntasks, void (*fn)(void *ctx, size_t t), void *ctx)
{
	if (!p || p->started == 0 || ntasks < 2) {
		for (size_t t = 0; t < ntasks; t++)
			fn(ctx, t);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->ctx = ctx;
	p->ntasks = ntasks;
	atomic_store(&p->next, 0);
	p->busy = p->started;
	p->gen++;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	drain(p);
	pthread_mutex_lock(&p->mu);
	while (p->busy > 0)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

typedef struct for_state {
	const sc_par_for *job;
	size_t n, chunk;
	atomic_size_t next;
} for_state;

static void *for_worker(void *arg)
{
	for_state *S = arg;
	const sc_par_for *J = S->job;
	void *scratch = J->worker_init ? J->worker_init(J->ctx) : NULL;
	for (;;) {
		size_t b = atomic_fetch_add(&S->next, S->chunk);
		if (b >= S->n)
			break;
		size_t e = S->n - b < S->chunk ? S->n : b + S->chunk;
		J->run(J->ctx, scratch, b, e);
	}
	if (J->worker_fini)
		J->worker_fini(scratch);
	return NULL;
}

void sc_par_for_run(size_t n, size_t chunk, int nthreads, const sc_par_for *job)
{
	for_state S = { .job = job, .n = n, .chunk = chunk ? chunk : 1 };
	atomic_init(&S.next, 0);
	int T = nthreads > 0 ? (nthreads > 64 ? 64 : nthreads) : sc_par_default_threads();
	size_t chunks = (n + S.chunk - 1) / S.chunk;
	if ((size_t)T > chunks)
		T = chunks ? (int)chunks : 1;
	pthread_t th[64];
	int started = 0;
	for (int t = 1; t < T; t++)
		if (pthread_create(&th[started], NULL, for_worker, &S) == 0)
			started++;
	for_worker(&S);
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
}
