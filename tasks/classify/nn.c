/*
 * nn.c - the plain neural-network classifier of the study (see nn.h):
 * Linear + BatchNorm1d + Mish hidden layers, softmax cross-entropy, Adam,
 * early stopping, trained on OpenBLAS dgemm.
 *
 * Why here and not in PyTorch: the annotation and gene-function tasks need
 * this baseline to be a cached, deterministic step like every other, run
 * without a Python stack. Workload: ~10^5 cells x 2000 genes, batches of
 * 128: per batch two 128 x 2000 x 512 products dominate (forward and the
 * weight gradient; the input gradient of the first layer is not needed),
 * about 0.5 TFLOP an epoch. Products are tiled on a thread pool with
 * OpenBLAS single-threaded (par.h); the per-column work of BatchNorm and
 * Mish and the Adam update run as fixed tasks, so the bytes do not depend
 * on the thread count.
 */
#include "tasks/classify/nn.h"
#include "util/par.h"
#include "tasks/core/tiles.h"
#include "tasks/core/blas.h"
#include "tasks/core/rng.h"
#include "util/fs.h"
#include "util/progress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define COLS_PER_TASK 32
#define ADAM_CHUNK 65536
#define EVAL_ROWS 1024

typedef struct layer {
	size_t in, out;
	int bn; /* hidden layer: BatchNorm + Mish after the Linear */
	double *W, *b, *gamma, *beta;     /* views into params */
	double *dW, *db, *dgamma, *dbeta; /* views into grads */
	double *rmean, *rvar;             /* views into buffers */
	double *Z;    /* rows x out: Linear output, later its gradient */
	double *xhat; /* rows x out: normalised */
	double *D;    /* rows x out: Mish derivative at the BatchNorm output */
	double *A;    /* rows x out: Mish output (next layer's input) */
	double *dA;   /* rows x out: gradient of the loss wrt A */
	double *invstd;
} layer;

struct sc_nn {
	size_t nin, nclass, nl; /* nl layers: nl - 1 hidden, then the output */
	layer L[SC_NN_MAX_HIDDEN + 1];
	double *params, *grads, *m, *v;
	size_t np;
	double *buffers;
	size_t nbuf;
	int32_t *classes;
	sc_nn_opts o;
	long step;
	size_t cap;   /* rows the activation buffers hold */
	double *P;    /* cap x nclass: logits, probabilities, then their gradient */
	sc_par *par;
	/* the batch being worked on */
	const double *x;
	size_t nb;
	int training, update_running;
	size_t cur; /* layer index for column tasks */
};

void sc_nn_opts_init(sc_nn_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->hidden[0] = 512;
	o->hidden[1] = 256;
	o->nhidden = 2;
	o->lr = 1e-4;
	o->beta1 = 0.9;
	o->beta2 = 0.999;
	o->adam_eps = 1e-8;
	o->bn_momentum = 0.1;
	o->bn_eps = 1e-5;
	o->batch = 128;
	o->max_epochs = 100;
	o->patience = 10;
	o->seed = 0;
	o->threads = 0;
}

void sc_nn_stats_free(sc_nn_stats *s)
{
	if (!s)
		return;
	free(s->train_loss);
	free(s->val_loss);
	free(s->val_accuracy);
	memset(s, 0, sizeof(*s));
}

/* ---- Mish ---- */

/* tanh(softplus(x)) = n / (n + 2) with n = e^x (e^x + 2), so one exp gives
 * both Mish and its derivative, tanh(sp) + x sech^2(sp) sigmoid(x) =
 * t + x 4 e^x (1 + e^x) / (n + 2)^2. Above 20 softplus(x) is x to double
 * precision (PyTorch's threshold) and tanh 1. */
static inline double mish2(double x, double *grad)
{
	if (x > 20) {
		*grad = 1.0;
		return x;
	}
	double e = exp(x), n = e * (e + 2), q = n + 2;
	*grad = n / q + x * 4.0 * e * (1.0 + e) / (q * q);
	return x * n / q;
}

double sc_nn_mish(double x)
{
	double g;
	return mish2(x, &g);
}

double sc_nn_mish_grad(double x)
{
	double g;
	mish2(x, &g);
	return g;
}

/* ---- construction ---- */

void sc_nn_free(sc_nn *net)
{
	if (!net)
		return;
	for (size_t l = 0; l < net->nl; l++) {
		layer *L = &net->L[l];
		free(L->Z), free(L->xhat), free(L->D), free(L->A), free(L->dA), free(L->invstd);
	}
	free(net->params), free(net->grads), free(net->m), free(net->v), free(net->buffers);
	free(net->classes);
	free(net->P);
	sc_par_free(net->par);
	free(net);
}

static void ensure_rows(sc_nn *net, size_t rows)
{
	if (rows <= net->cap)
		return;
	for (size_t l = 0; l < net->nl; l++) {
		layer *L = &net->L[l];
		size_t sz = sc_mulsz(rows, L->out * sizeof(double));
		L->Z = sc_xrealloc(L->Z, sz);
		L->dA = sc_xrealloc(L->dA, sz);
		if (L->bn) {
			L->xhat = sc_xrealloc(L->xhat, sz);
			L->D = sc_xrealloc(L->D, sz);
			L->A = sc_xrealloc(L->A, sz);
		}
	}
	net->P = sc_xrealloc(net->P, sc_mulsz(rows, net->nclass * sizeof(double)));
	net->cap = rows;
}

int sc_nn_create(sc_nn **out, size_t nin, const size_t *hidden, size_t nhidden, size_t nclass,
		 const sc_nn_opts *o, sc_err *err)
{
	*out = NULL;
	if (nin == 0 || nclass < 2 || nhidden > SC_NN_MAX_HIDDEN)
		return sc_errf(err, SC_EINVAL, "bad network shape (%zu inputs, %zu hidden layers, %zu classes)",
			       nin, nhidden, nclass);
	for (size_t h = 0; h < nhidden; h++)
		if (hidden[h] == 0)
			return sc_errf(err, SC_EINVAL, "hidden layer %zu has width 0", h + 1);
	sc_nn *net = sc_xcalloc(1, sizeof(*net));
	net->o = *o;
	net->nin = nin;
	net->nclass = nclass;
	net->nl = nhidden + 1;
	size_t np = 0, nbuf = 0, in = nin;
	for (size_t l = 0; l < net->nl; l++) {
		layer *L = &net->L[l];
		L->in = in;
		L->out = l < nhidden ? hidden[l] : nclass;
		L->bn = l < nhidden;
		np += L->out * L->in + L->out + (L->bn ? 2 * L->out : 0);
		nbuf += L->bn ? 2 * L->out : 0;
		in = L->out;
	}
	net->np = np;
	net->nbuf = nbuf;
	net->params = sc_xcalloc(np, sizeof(double));
	net->grads = sc_xcalloc(np, sizeof(double));
	net->m = sc_xcalloc(np, sizeof(double));
	net->v = sc_xcalloc(np, sizeof(double));
	net->buffers = sc_xcalloc(nbuf ? nbuf : 1, sizeof(double));
	size_t off = 0, boff = 0;
	sc_rng r;
	sc_rng_stream(&r, o->seed, 0);
	for (size_t l = 0; l < net->nl; l++) {
		layer *L = &net->L[l];
		size_t nw = L->out * L->in;
		L->W = net->params + off, L->dW = net->grads + off, off += nw;
		L->b = net->params + off, L->db = net->grads + off, off += L->out;
		/* PyTorch's Linear init: kaiming_uniform_(a = sqrt(5)) gives the
		 * bound 1/sqrt(fan_in) for weights, and the same for biases. */
		double bound = 1.0 / sqrt((double)L->in);
		for (size_t i = 0; i < nw; i++)
			L->W[i] = (2.0 * sc_rng_uniform(&r) - 1.0) * bound;
		for (size_t i = 0; i < L->out; i++)
			L->b[i] = (2.0 * sc_rng_uniform(&r) - 1.0) * bound;
		if (L->bn) {
			L->gamma = net->params + off, L->dgamma = net->grads + off, off += L->out;
			L->beta = net->params + off, L->dbeta = net->grads + off, off += L->out;
			for (size_t i = 0; i < L->out; i++)
				L->gamma[i] = 1.0;
			L->rmean = net->buffers + boff, boff += L->out;
			L->rvar = net->buffers + boff, boff += L->out;
			for (size_t i = 0; i < L->out; i++)
				L->rvar[i] = 1.0;
			L->invstd = sc_xcalloc(L->out, sizeof(double));
		}
	}
	net->par = sc_par_new(o->threads > 0 ? o->threads : 1);
	*out = net;
	return 0;
}

double *sc_nn_params(sc_nn *net, size_t *n)
{
	if (n)
		*n = net->np;
	return net->params;
}

double *sc_nn_grads(sc_nn *net)
{
	return net->grads;
}

double *sc_nn_buffers(sc_nn *net, size_t *n)
{
	if (n)
		*n = net->nbuf;
	return net->buffers;
}

size_t sc_nn_nclass(const sc_nn *net)
{
	return net->nclass;
}

const int32_t *sc_nn_classes(const sc_nn *net)
{
	return net->classes;
}

size_t sc_nn_group(const sc_nn *net, size_t g, const char **name, size_t *off, size_t *size)
{
	static const char *hid[] = {"W", "b", "gamma", "beta"}, *outn[] = {"out.W", "out.b"};
	size_t count = 4 * (net->nl - 1) + 2;
	if (g >= count)
		return count;
	size_t l = g / 4, k = g % 4;
	const layer *L = &net->L[l < net->nl ? l : net->nl - 1];
	const double *p[] = {L->W, L->b, L->gamma, L->beta};
	size_t s[] = {L->out * L->in, L->out, L->out, L->out};
	if (name)
		*name = l < net->nl - 1 ? hid[k] : outn[k];
	if (off)
		*off = (size_t)(p[k] - net->params);
	if (size)
		*size = s[k];
	return count;
}

/* ---- forward and backward ---- */

/* Bias, BatchNorm and Mish for a range of columns of layer net->cur. The
 * rows are walked in the outer loop (contiguous memory); each column's sums
 * still run over the rows in order. */
static void fwd_cols(void *ctx, size_t t)
{
	sc_nn *net = ctx;
	layer *L = &net->L[net->cur];
	size_t nb = net->nb, out = L->out;
	size_t j0 = t * COLS_PER_TASK, j1 = j0 + COLS_PER_TASK < out ? j0 + COLS_PER_TASK : out;
	size_t w = j1 - j0;
	double eps = net->o.bn_eps, mom = net->o.bn_momentum;
	double mean[COLS_PER_TASK], is[COLS_PER_TASK], s[COLS_PER_TASK], ss[COLS_PER_TASK];
	for (size_t j = 0; j < w; j++)
		s[j] = ss[j] = 0;
	for (size_t i = 0; i < nb; i++) {
		double *z = L->Z + i * out + j0;
		const double *b = L->b + j0;
		for (size_t j = 0; j < w; j++) {
			z[j] += b[j];
			s[j] += z[j];
		}
	}
	if (net->training) {
		for (size_t j = 0; j < w; j++)
			mean[j] = s[j] / (double)nb;
		for (size_t i = 0; i < nb; i++) {
			const double *z = L->Z + i * out + j0;
			for (size_t j = 0; j < w; j++) {
				double c = z[j] - mean[j];
				ss[j] += c * c;
			}
		}
		for (size_t j = 0; j < w; j++) {
			double var = ss[j] / (double)nb;
			is[j] = 1.0 / sqrt(var + eps);
			L->invstd[j0 + j] = is[j];
			if (net->update_running) {
				double unb = nb > 1 ? ss[j] / (double)(nb - 1) : var;
				L->rmean[j0 + j] = (1.0 - mom) * L->rmean[j0 + j] + mom * mean[j];
				L->rvar[j0 + j] = (1.0 - mom) * L->rvar[j0 + j] + mom * unb;
			}
		}
	} else {
		for (size_t j = 0; j < w; j++) {
			mean[j] = L->rmean[j0 + j];
			is[j] = 1.0 / sqrt(L->rvar[j0 + j] + eps);
		}
	}
	const double *gamma = L->gamma + j0, *beta = L->beta + j0;
	for (size_t i = 0; i < nb; i++) {
		size_t q = i * out + j0;
		const double *z = L->Z + q;
		double *xhat = L->xhat + q, *A = L->A + q, *D = L->D + q;
		for (size_t j = 0; j < w; j++) {
			double xh = (z[j] - mean[j]) * is[j];
			xhat[j] = xh;
			A[j] = mish2(gamma[j] * xh + beta[j], &D[j]);
		}
	}
}

/* Logits, softmax, mean cross-entropy; with labels, P becomes dL/dlogits. */
static double forward(sc_nn *net, const double *x, size_t nb, const int32_t *yi)
{
	net->nb = nb;
	const double *in = x;
	for (size_t l = 0; l < net->nl; l++) {
		layer *L = &net->L[l];
		double *dst = L->bn ? L->Z : net->P;
		sc_par_gemm(net->par, 0, 1, nb, L->out, L->in, 1.0, in, L->in, L->W, L->in, 0.0, dst,
			    L->out);
		if (L->bn) {
			net->cur = l;
			sc_par_run(net->par, (L->out + COLS_PER_TASK - 1) / COLS_PER_TASK, fwd_cols, net);
			in = L->A;
		} else {
			for (size_t i = 0; i < nb; i++)
				for (size_t k = 0; k < L->out; k++)
					net->P[i * L->out + k] += L->b[k];
		}
	}
	size_t K = net->nclass;
	double loss = 0;
	for (size_t i = 0; i < nb; i++) {
		double *z = net->P + i * K, mx = -HUGE_VAL, s = 0;
		for (size_t k = 0; k < K; k++)
			mx = z[k] > mx ? z[k] : mx;
		double zy = yi ? z[yi[i]] - mx : 0;
		for (size_t k = 0; k < K; k++) {
			z[k] = exp(z[k] - mx);
			s += z[k];
		}
		for (size_t k = 0; k < K; k++)
			z[k] /= s;
		if (yi)
			loss += log(s) - zy;
	}
	return loss / (double)nb;
}

/* Mish, BatchNorm and bias gradients for a range of columns: dA -> dZ (in
 * Z), rows in the outer loop as in fwd_cols. */
static void bwd_cols(void *ctx, size_t t)
{
	sc_nn *net = ctx;
	layer *L = &net->L[net->cur];
	size_t nb = net->nb, out = L->out;
	size_t j0 = t * COLS_PER_TASK, j1 = j0 + COLS_PER_TASK < out ? j0 + COLS_PER_TASK : out;
	size_t w = j1 - j0;
	double sdy[COLS_PER_TASK], sdyx[COLS_PER_TASK], c[COLS_PER_TASK], db[COLS_PER_TASK];
	for (size_t j = 0; j < w; j++)
		sdy[j] = sdyx[j] = db[j] = 0;
	for (size_t i = 0; i < nb; i++) {
		size_t q = i * out + j0;
		double *dA = L->dA + q;
		const double *D = L->D + q, *xhat = L->xhat + q;
		for (size_t j = 0; j < w; j++) {
			double dy = dA[j] * D[j];
			dA[j] = dy;
			sdy[j] += dy;
			sdyx[j] += dy * xhat[j];
		}
	}
	for (size_t j = 0; j < w; j++) {
		L->dbeta[j0 + j] = sdy[j];
		L->dgamma[j0 + j] = sdyx[j];
		c[j] = L->gamma[j0 + j] * L->invstd[j0 + j] / (double)nb;
	}
	/* dZ = gamma invstd / B (B dY - sum dY - xhat sum(dY xhat)) */
	for (size_t i = 0; i < nb; i++) {
		size_t q = i * out + j0;
		const double *dA = L->dA + q, *xhat = L->xhat + q;
		double *Z = L->Z + q;
		for (size_t j = 0; j < w; j++) {
			double dz = c[j] * ((double)nb * dA[j] - sdy[j] - xhat[j] * sdyx[j]);
			Z[j] = dz;
			db[j] += dz;
		}
	}
	for (size_t j = 0; j < w; j++)
		L->db[j0 + j] = db[j];
}

static void backward(sc_nn *net, const int32_t *yi)
{
	size_t nb = net->nb, K = net->nclass;
	for (size_t i = 0; i < nb; i++) {
		net->P[i * K + (size_t)yi[i]] -= 1.0;
		for (size_t k = 0; k < K; k++)
			net->P[i * K + k] /= (double)nb;
	}
	const double *dZ = net->P;
	for (size_t l = net->nl; l-- > 0;) {
		layer *L = &net->L[l];
		if (L->bn) {
			net->cur = l;
			sc_par_run(net->par, (L->out + COLS_PER_TASK - 1) / COLS_PER_TASK, bwd_cols, net);
			dZ = L->Z;
		} else {
			for (size_t k = 0; k < L->out; k++) {
				double s = 0;
				for (size_t i = 0; i < nb; i++)
					s += dZ[i * L->out + k];
				L->db[k] = s;
			}
		}
		const double *in = l ? net->L[l - 1].A : net->x;
		sc_par_gemm(net->par, 1, 0, L->out, L->in, nb, 1.0, dZ, L->out, in, L->in, 0.0, L->dW,
			    L->in);
		if (l)
			sc_par_gemm(net->par, 0, 0, nb, L->in, L->out, 1.0, dZ, L->out, L->W, L->in, 0.0,
				    net->L[l - 1].dA, L->in);
	}
}

double sc_nn_train_batch(sc_nn *net, const double *x, const int32_t *yi, size_t nb,
			 int update_running)
{
	ensure_rows(net, nb);
	net->x = x;
	net->training = 1;
	net->update_running = update_running;
	double loss = forward(net, x, nb, yi);
	backward(net, yi);
	return loss;
}

/* ---- Adam ---- */

typedef struct adam_job {
	sc_nn *net;
	double step_size, bc2_sqrt;
} adam_job;

static void adam_chunk(void *ctx, size_t t)
{
	adam_job *a = ctx;
	sc_nn *net = a->net;
	double b1 = net->o.beta1, b2 = net->o.beta2, eps = net->o.adam_eps;
	double step = a->step_size, bc2s = a->bc2_sqrt;
	size_t i0 = t * ADAM_CHUNK, i1 = i0 + ADAM_CHUNK < net->np ? i0 + ADAM_CHUNK : net->np;
	double *restrict p = net->params, *restrict m = net->m, *restrict v = net->v;
	const double *restrict gr = net->grads;
	size_t i = i0;
#ifdef __SSE2__
	/* Adam touches every weight each step, so its sqrt and two divisions
	 * cost as much as a product unless done two at a time (gcc -O2 keeps
	 * sqrt scalar for errno). Same operations in the same order as the
	 * scalar loop below, so the result is the same bits. */
	const __m128d vb1 = _mm_set1_pd(b1), vc1 = _mm_set1_pd(1.0 - b1);
	const __m128d vb2 = _mm_set1_pd(b2), vc2 = _mm_set1_pd(1.0 - b2);
	const __m128d vbc = _mm_set1_pd(bc2s), veps = _mm_set1_pd(eps), vst = _mm_set1_pd(-step);
	for (; i + 2 <= i1; i += 2) {
		__m128d g = _mm_loadu_pd(gr + i);
		__m128d mm = _mm_add_pd(_mm_mul_pd(_mm_loadu_pd(m + i), vb1), _mm_mul_pd(vc1, g));
		__m128d vv = _mm_add_pd(_mm_mul_pd(_mm_loadu_pd(v + i), vb2),
					_mm_mul_pd(_mm_mul_pd(vc2, g), g));
		_mm_storeu_pd(m + i, mm);
		_mm_storeu_pd(v + i, vv);
		__m128d den = _mm_add_pd(_mm_div_pd(_mm_sqrt_pd(vv), vbc), veps);
		_mm_storeu_pd(p + i, _mm_add_pd(_mm_loadu_pd(p + i), _mm_mul_pd(vst, _mm_div_pd(mm, den))));
	}
#endif
	for (; i < i1; i++) {
		double g = gr[i];
		m[i] = m[i] * b1 + (1.0 - b1) * g;
		v[i] = v[i] * b2 + (1.0 - b2) * g * g;
		double denom = sqrt(v[i]) / bc2s + eps;
		p[i] += -step * (m[i] / denom);
	}
}

/* torch.optim.Adam (no weight decay, no amsgrad): bias corrections
 * 1 - beta^t, step lr / bc1, denominator sqrt(v) / sqrt(bc2) + eps. */
void sc_nn_adam_step(sc_nn *net)
{
	net->step++;
	double bc1 = 1.0 - pow(net->o.beta1, (double)net->step);
	double bc2 = 1.0 - pow(net->o.beta2, (double)net->step);
	adam_job a = {net, net->o.lr / bc1, sqrt(bc2)};
	sc_par_run(net->par, (net->np + ADAM_CHUNK - 1) / ADAM_CHUNK, adam_chunk, &a);
}

/* ---- evaluation ---- */

/* Probabilities of rows [0, n) of x into out (n x nclass), in chunks. */
static void eval_proba(sc_nn *net, const double *x, size_t n, double *out)
{
	ensure_rows(net, n < EVAL_ROWS ? n : EVAL_ROWS);
	net->training = 0;
	net->update_running = 0;
	for (size_t r = 0; r < n; r += EVAL_ROWS) {
		size_t nb = n - r < EVAL_ROWS ? n - r : EVAL_ROWS;
		forward(net, x + r * net->nin, nb, NULL);
		memcpy(out + r * net->nclass, net->P, nb * net->nclass * sizeof(double));
	}
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

/* Class index of each code (codes must be among the classes). */
static int map_codes(int32_t *yi, const int32_t *y, size_t n, const int32_t *cls, size_t K,
		     const char *what, sc_err *err)
{
	for (size_t i = 0; i < n; i++) {
		int32_t *p = y[i] < 0 ? NULL : bsearch(&y[i], cls, K, sizeof(int32_t), cmp_i32);
		if (!p)
			return sc_errf(err, SC_EINVAL, "%s label %d at row %zu is %s", what, y[i], i,
				       y[i] < 0 ? "missing" : "not a training class");
		yi[i] = (int32_t)(p - cls);
	}
	return 0;
}

/* Mean cross-entropy and accuracy of (x, yi) in evaluation mode. */
static void evaluate(sc_nn *net, const sc_dmat *x, const int32_t *yi, double *loss, double *acc)
{
	size_t n = x->rows, K = net->nclass, correct = 0;
	double *p = sc_xmalloc(sc_mulsz(n ? n : 1, K * sizeof(double)));
	eval_proba(net, x->v, n, p);
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		const double *r = p + i * K;
		size_t best = 0;
		for (size_t k = 1; k < K; k++)
			if (r[k] > r[best])
				best = k;
		correct += best == (size_t)yi[i];
		s += -log(r[yi[i]] > 0 ? r[yi[i]] : 1e-300);
	}
	*loss = n ? s / (double)n : NAN;
	*acc = n ? (double)correct / (double)n : NAN;
	free(p);
}

int sc_nn_fit(sc_nn **out, sc_nn_stats *stats, const sc_dmat *x, const int32_t *y,
	      const sc_dmat *xval, const int32_t *yval, const sc_nn_opts *o, sc_err *err)
{
	int rc = 0, blas_prev = sc_blas_serial_begin();
	size_t n = x->rows, d = x->cols, K = 0;
	int32_t *cls = NULL, *yi = NULL, *yvi = NULL, *yb = NULL;
	size_t *perm = NULL;
	double *xb = NULL, *best = NULL, *bestbuf = NULL;
	sc_nn *net = NULL;
	sc_nn_stats st = {0};
	*out = NULL;
	double t0 = sc_mono_sec();
	if (o->batch < 2 || o->max_epochs < 1 || o->patience < 1 || !(o->lr > 0)) {
		rc = sc_errf(err, SC_EINVAL, "bad network options (batch %zu, epochs %d, patience %d)",
			     o->batch, o->max_epochs, o->patience);
		goto out;
	}
	if (n < 2 || d == 0 || (xval && xval->cols != d)) {
		rc = sc_errf(err, SC_EINVAL, "need at least 2 training cells with the validation "
					     "set's feature count (%zu x %zu)", n, d);
		goto out;
	}
	for (size_t i = 0; i < n * d; i++)
		if (!isfinite(x->v[i])) {
			rc = sc_errf(err, SC_EINVAL, "input value at row %zu, column %zu is not finite",
				     i / d, i % d);
			goto out;
		}
	cls = sc_xmalloc(n * sizeof(int32_t));
	memcpy(cls, y, n * sizeof(int32_t));
	qsort(cls, n, sizeof(int32_t), cmp_i32);
	for (size_t i = 0; i < n; i++)
		if (K == 0 || cls[i] != cls[K - 1])
			cls[K++] = cls[i];
	if (cls[0] < 0 || K < 2) {
		rc = sc_errf(err, SC_EINVAL, cls[0] < 0 ? "missing labels in the training set"
							 : "need at least 2 classes to train");
		goto out;
	}
	yi = sc_xmalloc(n * sizeof(int32_t));
	if ((rc = map_codes(yi, y, n, cls, K, "training", err)))
		goto out;
	if (xval) {
		yvi = sc_xmalloc((xval->rows ? xval->rows : 1) * sizeof(int32_t));
		if ((rc = map_codes(yvi, yval, xval->rows, cls, K, "validation", err)))
			goto out;
	}
	sc_nn_opts oo = *o;
	if (oo.threads <= 0)
		oo.threads = blas_prev;
	if ((rc = sc_nn_create(&net, d, o->hidden, o->nhidden, K, &oo, err)))
		goto out;
	net->classes = cls;
	cls = NULL;

	size_t B = o->batch, nbatch = (n + B - 1) / B;
	perm = sc_xmalloc(n * sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	xb = sc_xmalloc(sc_mulsz(B, d * sizeof(double)));
	yb = sc_xmalloc(B * sizeof(int32_t));
	best = sc_xmalloc(net->np * sizeof(double));
	bestbuf = sc_xmalloc((net->nbuf ? net->nbuf : 1) * sizeof(double));
	st.train_loss = sc_xcalloc((size_t)o->max_epochs, sizeof(double));
	st.val_loss = sc_xcalloc((size_t)o->max_epochs, sizeof(double));
	st.val_accuracy = sc_xcalloc((size_t)o->max_epochs, sizeof(double));
	st.best_val_loss = st.best_val_accuracy = NAN;
	sc_rng shuf;
	sc_rng_stream(&shuf, o->seed, 1);
	sc_progress prog;
	sc_progress_begin_unit(&prog, "training network", "epochs", (uint64_t)o->max_epochs);
	int wait = 0;
	for (int ep = 0; ep < o->max_epochs; ep++) {
		sc_rng_shuffle(&shuf, perm, n);
		double lsum = 0;
		size_t lcount = 0;
		for (size_t bi = 0; bi < nbatch; bi++) {
			size_t r0 = bi * B, nb = n - r0 < B ? n - r0 : B;
			if (nb < 2)
				continue; /* BatchNorm cannot train on one cell */
			for (size_t i = 0; i < nb; i++) {
				memcpy(xb + i * d, x->v + perm[r0 + i] * d, d * sizeof(double));
				yb[i] = yi[perm[r0 + i]];
			}
			lsum += sc_nn_train_batch(net, xb, yb, nb, 1) * (double)nb;
			lcount += nb;
			sc_nn_adam_step(net);
		}
		st.epochs = ep + 1;
		sc_progress_update(&prog, (uint64_t)ep + 1);
		st.train_loss[ep] = lsum / (double)lcount;
		if (!xval || xval->rows == 0) {
			st.val_loss[ep] = st.val_accuracy[ep] = NAN;
			st.best_epoch = ep + 1;
			continue;
		}
		evaluate(net, xval, yvi, &st.val_loss[ep], &st.val_accuracy[ep]);
		if (st.best_epoch == 0 || st.val_loss[ep] < st.best_val_loss) {
			st.best_epoch = ep + 1;
			st.best_val_loss = st.val_loss[ep];
			st.best_val_accuracy = st.val_accuracy[ep];
			memcpy(best, net->params, net->np * sizeof(double));
			memcpy(bestbuf, net->buffers, net->nbuf * sizeof(double));
			wait = 0;
		} else if (++wait >= o->patience) {
			break;
		}
	}
	sc_progress_end(&prog);
	if (xval && xval->rows && st.best_epoch != st.epochs) {
		memcpy(net->params, best, net->np * sizeof(double));
		memcpy(net->buffers, bestbuf, net->nbuf * sizeof(double));
	}
	st.seconds = sc_mono_sec() - t0;
	*out = net;
	net = NULL;
	if (stats) {
		*stats = st;
		memset(&st, 0, sizeof(st));
	}
out:
	sc_blas_serial_end(blas_prev);
	sc_nn_stats_free(&st);
	sc_nn_free(net);
	free(cls), free(yi), free(yvi), free(yb), free(perm), free(xb), free(best), free(bestbuf);
	return rc;
}

int sc_nn_predict_proba(sc_dmat *out, const sc_nn *cnet, const sc_dmat *x, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	if (x->cols != cnet->nin)
		return sc_errf(err, SC_EINVAL, "network has %zu inputs, data has %zu columns",
			       cnet->nin, x->cols);
	/* Evaluation reuses the network's scratch buffers; the weights are not
	 * touched, so the model is logically const. */
	sc_nn *net = (sc_nn *)cnet;
	int prev = sc_blas_serial_begin();
	sc_dmat_alloc(out, x->rows, net->nclass);
	if (x->rows)
		eval_proba(net, x->v, x->rows, out->v);
	sc_blas_serial_end(prev);
	return 0;
}

int sc_nn_predict(int32_t *out, const sc_nn *net, const sc_dmat *x, sc_err *err)
{
	sc_dmat p;
	int rc = sc_nn_predict_proba(&p, net, x, err);
	if (rc)
		return rc;
	sc_dmat_argmax_rows(out, &p, net->classes);
	sc_dmat_free(&p);
	return 0;
}
