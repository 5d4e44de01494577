/*
 * test_cls_nn.c - the plain neural network: Mish and its derivative against
 * the textbook formula, the training-mode loss against a naive loop, every
 * parameter group's gradient against central differences of that naive
 * loss, BatchNorm running averages, an Adam step against a hand
 * calculation of torch.optim.Adam's update, training to high accuracy on a
 * separable problem with early stopping, bit-for-bit determinism across
 * thread counts, and bad input.
 */
#include "tests/unit/unit.h"

#include "tasks/classify/nn.h"
#include "tasks/core/blas.h"
#include "tasks/core/rng.h"

/* ---- naive reference: the network's training-mode loss by plain loops ---- */

typedef struct shape {
	size_t nin, nh, h[3], K;
} shape;

static double naive_mish(double x)
{
	return x * tanh(log1p(exp(x)));
}

/* Mean cross-entropy of a batch in training mode, parameters in nn.h's flat
 * layout. Optionally returns the batch means and biased variances per
 * hidden layer (concatenated). */
static double naive_loss(const shape *s, const double *p, const double *x, const int32_t *y,
			 size_t nb, double *means, double *vars)
{
	size_t in = s->nin, off = 0, mo = 0;
	double *cur = malloc(nb * in * sizeof(double));
	memcpy(cur, x, nb * in * sizeof(double));
	for (size_t l = 0; l <= s->nh; l++) {
		size_t out = l < s->nh ? s->h[l] : s->K;
		const double *W = p + off, *b = W + out * in;
		double *z = calloc(nb * out, sizeof(double));
		for (size_t i = 0; i < nb; i++)
			for (size_t o = 0; o < out; o++) {
				double t = b[o];
				for (size_t j = 0; j < in; j++)
					t += W[o * in + j] * cur[i * in + j];
				z[i * out + o] = t;
			}
		off += out * in + out;
		if (l < s->nh) {
			const double *gamma = p + off, *beta = gamma + out;
			off += 2 * out;
			for (size_t o = 0; o < out; o++) {
				double m = 0, v = 0;
				for (size_t i = 0; i < nb; i++)
					m += z[i * out + o];
				m /= (double)nb;
				for (size_t i = 0; i < nb; i++)
					v += (z[i * out + o] - m) * (z[i * out + o] - m);
				v /= (double)nb;
				if (means)
					means[mo] = m, vars[mo] = v;
				mo++;
				for (size_t i = 0; i < nb; i++) {
					double xh = (z[i * out + o] - m) / sqrt(v + 1e-5);
					z[i * out + o] = naive_mish(gamma[o] * xh + beta[o]);
				}
			}
		}
		free(cur);
		cur = z;
		in = out;
	}
	double loss = 0;
	for (size_t i = 0; i < nb; i++) {
		double s2 = 0;
		for (size_t k = 0; k < s->K; k++)
			s2 += exp(cur[i * s->K + k]);
		loss += log(s2) - cur[i * s->K + (size_t)y[i]];
	}
	free(cur);
	return loss / (double)nb;
}

static void test_mish(void)
{
	double worst_v = 0, worst_g = 0, worst_fd = 0;
	for (double x = -30; x <= 30; x += 0.0137) {
		double v = sc_nn_mish(x), want = naive_mish(x);
		worst_v = fmax(worst_v, fabs(v - want) / fmax(fabs(want), 1e-300));
		double sp = log1p(exp(x)), t = tanh(sp), sig = 1 / (1 + exp(-x));
		double g = t + x * (1 - t * t) * sig;
		worst_g = fmax(worst_g, fabs(sc_nn_mish_grad(x) - g) / fmax(1, fabs(g)));
		double h = 1e-5;
		double fd = (naive_mish(x + h) - naive_mish(x - h)) / (2 * h);
		worst_fd = fmax(worst_fd, fabs(sc_nn_mish_grad(x) - fd) / fmax(1, fabs(fd)));
	}
	/* x tanh(log1p(e^x)) loses relative precision near x -> -inf both ways;
	 * 1e-12 relative covers it. */
	OK(worst_v < 1e-12, "Mish equals x tanh(softplus(x)) on [-30, 30] (%.1e)", worst_v);
	OK(worst_g < 1e-13, "Mish derivative equals tanh(sp) + x sech^2(sp) sigmoid(x) (%.1e)",
	   worst_g);
	OK(worst_fd < 1e-8, "Mish derivative equals central differences (%.1e)", worst_fd);
	OK(sc_nn_mish(0) == 0 && sc_nn_mish_grad(0) == tanh(log(2.0)) + 0,
	   "Mish(0) = 0, Mish'(0) = tanh(log 2)");
	NEAR(sc_nn_mish_grad(0), 0.6, 1e-15, "Mish'(0) = 0.6");
}

static void test_gradients(void)
{
	sc_err err = {0};
	shape s = {7, 2, {6, 5}, 4};
	sc_nn_opts o;
	sc_nn_opts_init(&o);
	o.seed = 3;
	sc_nn *net;
	OK(sc_nn_create(&net, s.nin, s.h, s.nh, s.K, &o, &err) == 0, "small net created");
	size_t np;
	double *p = sc_nn_params(net, &np);
	OK(np == 7 * 6 + 6 + 12 + 6 * 5 + 5 + 10 + 5 * 4 + 4, "parameter count %zu", np);
	/* PyTorch init bounds 1/sqrt(fan_in), gamma 1, beta 0 */
	int init_ok = 1;
	for (size_t i = 0; i < 42; i++)
		init_ok &= fabs(p[i]) <= 1 / sqrt(7.0);
	for (size_t i = 48; i < 54; i++)
		init_ok &= p[i] == 1.0 && p[i + 6] == 0.0;
	OK(init_ok, "Linear init within 1/sqrt(fan_in), BatchNorm gamma 1 and beta 0");
	/* perturb gamma and beta so their gradients are not degenerate */
	sc_rng r;
	sc_rng_seed(&r, 8);
	size_t ng = sc_nn_group(net, 0, NULL, NULL, NULL);
	for (size_t g = 0; g < ng; g++) {
		const char *nm;
		size_t off, sz;
		sc_nn_group(net, g, &nm, &off, &sz);
		if (!strcmp(nm, "gamma") || !strcmp(nm, "beta"))
			for (size_t i = 0; i < sz; i++)
				p[off + i] += 0.3 * sc_rng_normal(&r);
	}
	size_t nb = 9;
	double x[9 * 7];
	int32_t y[9];
	for (size_t i = 0; i < nb * s.nin; i++)
		x[i] = sc_rng_normal(&r);
	for (size_t i = 0; i < nb; i++)
		y[i] = (int32_t)(i % s.K);
	double *buf0 = malloc(sizeof(double) * 22);
	size_t nbuf;
	double *bufs0 = sc_nn_buffers(net, &nbuf);
	memcpy(buf0, bufs0, nbuf * sizeof(double));
	double loss = sc_nn_train_batch(net, x, y, nb, 0);
	double *ga = malloc(np * sizeof(double));
	memcpy(ga, sc_nn_grads(net), np * sizeof(double));
	NEAR(loss, naive_loss(&s, p, x, y, nb, NULL, NULL), 1e-13,
	     "training-mode loss equals a naive loop");
	OK(!memcmp(buf0, sc_nn_buffers(net, NULL), nbuf * sizeof(double)),
	   "running averages untouched when not asked");
	for (size_t g = 0; g < ng; g++) {
		const char *nm;
		size_t off, sz;
		sc_nn_group(net, g, &nm, &off, &sz);
		double maxd = 0, maxa = 0, maxfd = 0;
		for (size_t i = 0; i < sz; i++) {
			double keep = p[off + i], h = 1e-5 * fmax(1, fabs(keep));
			p[off + i] = keep + h;
			double fp = naive_loss(&s, p, x, y, nb, NULL, NULL);
			p[off + i] = keep - h;
			double fm = naive_loss(&s, p, x, y, nb, NULL, NULL);
			p[off + i] = keep;
			double fd = (fp - fm) / (2 * h);
			maxd = fmax(maxd, fabs(ga[off + i] - fd));
			maxa = fmax(maxa, fabs(ga[off + i]));
			maxfd = fmax(maxfd, fabs(fd));
		}
		size_t layer = g / 4 + 1;
		if (!strcmp(nm, "b") && layer <= s.nh) {
			/* A Linear bias before BatchNorm cancels out: its true gradient is 0. */
			OK(maxa < 1e-14 && maxfd < 1e-9,
			   "hidden %zu bias: gradient 0 as BatchNorm cancels it (%.1e, fd %.1e)", layer,
			   maxa, maxfd);
		} else {
			double rel = maxd / fmax(maxfd, 1e-300);
			OK(rel < 1e-6 && maxfd > 1e-6,
			   "layer %zu %s: backward equals central differences (rel %.1e, |g| %.1e)", layer,
			   nm, rel, maxfd);
		}
	}
	/* running averages: momentum 0.1 on the batch mean and the unbiased variance */
	double means[11], vars[11];
	naive_loss(&s, p, x, y, nb, means, vars);
	sc_nn_train_batch(net, x, y, nb, 1);
	double *bufs = sc_nn_buffers(net, NULL);
	double worst = 0;
	size_t mo = 0, bo = 0;
	for (size_t l = 0; l < s.nh; l++) {
		for (size_t j = 0; j < s.h[l]; j++) {
			double wm = 0.9 * buf0[bo + j] + 0.1 * means[mo + j];
			double wv = 0.9 * buf0[bo + s.h[l] + j] + 0.1 * vars[mo + j] * 9.0 / 8.0;
			worst = fmax(worst, fabs(bufs[bo + j] - wm));
			worst = fmax(worst, fabs(bufs[bo + s.h[l] + j] - wv));
		}
		mo += s.h[l];
		bo += 2 * s.h[l];
	}
	OK(worst < 1e-14, "running mean/var updated as PyTorch (momentum 0.1, unbiased var) %.1e",
	   worst);
	free(buf0);
	free(ga);
	sc_nn_free(net);
}

static void test_adam(void)
{
	sc_err err = {0};
	size_t h[] = {3};
	sc_nn_opts o;
	sc_nn_opts_init(&o);
	o.lr = 0.01;
	sc_nn *net;
	OK(sc_nn_create(&net, 2, h, 1, 2, &o, &err) == 0, "tiny net created");
	size_t np;
	double *p = sc_nn_params(net, &np), *g = sc_nn_grads(net);
	double *p0 = malloc(np * sizeof(double));
	memcpy(p0, p, np * sizeof(double));
	/* step 1 with g, step 2 with -2g + 0.5; by hand (torch.optim.Adam):
	 * m1 = .1 g1, v1 = .001 g1^2, bc1 = .1, bc2 = .001:
	 *   p1 = p0 - lr/.1 * m1 / (sqrt(v1)/sqrt(.001) + eps) = p0 - lr g1/(|g1| + eps)
	 * m2 = .9 m1 + .1 g2, v2 = .999 v1 + .001 g2^2,
	 * bc1 = 1 - .81 = .19, bc2 = 1 - .998001 = .001999 */
	for (size_t i = 0; i < np; i++)
		g[i] = 0.1 * (double)i - 0.7;
	sc_nn_adam_step(net);
	double worst1 = 0;
	for (size_t i = 0; i < np; i++) {
		double g1 = 0.1 * (double)i - 0.7;
		double want = p0[i] - 0.01 * g1 / (fabs(g1) + 1e-8);
		worst1 = fmax(worst1, fabs(p[i] - want));
	}
	OK(worst1 < 1e-15, "Adam step 1: p - lr sign(g) (%.1e)", worst1);
	double *p1 = malloc(np * sizeof(double));
	memcpy(p1, p, np * sizeof(double));
	for (size_t i = 0; i < np; i++)
		g[i] = -2 * (0.1 * (double)i - 0.7) + 0.5;
	sc_nn_adam_step(net);
	double worst2 = 0;
	for (size_t i = 0; i < np; i++) {
		double g1 = 0.1 * (double)i - 0.7, g2 = -2 * g1 + 0.5;
		double m = 0.9 * (0.1 * g1) + 0.1 * g2;
		double v = 0.999 * (0.001 * g1 * g1) + 0.001 * g2 * g2;
		double want = p1[i] - (0.01 / 0.19) * m / (sqrt(v) / sqrt(0.001999) + 1e-8);
		worst2 = fmax(worst2, fabs(p[i] - want) / fmax(1, fabs(want)));
	}
	OK(worst2 < 1e-14, "Adam step 2 equals the hand calculation (%.1e)", worst2);
	free(p0);
	free(p1);
	sc_nn_free(net);
}

/* Gaussian classes far apart: a separable problem. */
static void blobs(sc_dmat *x, int32_t *y, size_t n, size_t d, size_t K, double sep,
		  uint64_t mean_seed, uint64_t noise_seed)
{
	sc_rng r;
	sc_rng_seed(&r, mean_seed);
	double *mu = malloc(K * d * sizeof(double));
	for (size_t i = 0; i < K * d; i++)
		mu[i] = sep * sc_rng_normal(&r);
	sc_rng_seed(&r, noise_seed);
	sc_dmat_alloc(x, n, d);
	for (size_t i = 0; i < n; i++) {
		y[i] = (int32_t)(3 * (i % K) + 2);
		for (size_t j = 0; j < d; j++)
			SC_AT(x, i, j) = mu[(i % K) * d + j] + sc_rng_normal(&r);
	}
	free(mu);
}

static void test_training(void)
{
	sc_err err = {0};
	sc_dmat x, xv, xt;
	int32_t y[900], yv[300], yt[300];
	/* same class means, fresh noise for the validation and test sets */
	blobs(&x, y, 900, 20, 4, 0.8, 1, 10);
	blobs(&xv, yv, 300, 20, 4, 0.8, 1, 11);
	blobs(&xt, yt, 300, 20, 4, 0.8, 1, 12);
	sc_nn_opts o;
	sc_nn_opts_init(&o);
	o.hidden[0] = 32, o.hidden[1] = 16;
	o.lr = 3e-3;
	o.max_epochs = 40;
	o.patience = 5;
	o.batch = 64;
	o.seed = 5;
	sc_nn *net;
	sc_nn_stats st;
	int rc = sc_nn_fit(&net, &st, &x, y, &xv, yv, &o, &err);
	OK(rc == 0, "training runs: %s", rc ? err.msg : "");
	if (rc)
		return;
	int32_t pred[300];
	OK(sc_nn_predict(pred, net, &xt, &err) == 0, "predict");
	size_t correct = 0;
	for (size_t i = 0; i < 300; i++)
		correct += pred[i] == yt[i];
	OK(correct >= 290, "separable problem: %zu of 300 correct after %d epochs (best %d)", correct,
	   st.epochs, st.best_epoch);
	OK(st.best_epoch >= 1 && st.best_epoch <= st.epochs &&
		   st.val_loss[st.best_epoch - 1] == st.best_val_loss,
	   "best epoch recorded");
	int lower = 1;
	for (int e = 0; e < st.epochs; e++)
		lower &= st.val_loss[e] >= st.best_val_loss;
	OK(lower, "the kept epoch has the lowest validation loss");
	OK(st.train_loss[st.epochs - 1] < st.train_loss[0], "training loss falls (%.3f -> %.3f)",
	   st.train_loss[0], st.train_loss[st.epochs - 1]);
	sc_dmat pv;
	OK(sc_nn_predict_proba(&pv, net, &xv, &err) == 0, "predict_proba");
	double vl = 0, rowsum = 0;
	for (size_t i = 0; i < 300; i++) {
		double s = 0;
		size_t k = 0;
		for (size_t c = 0; c < sc_nn_nclass(net); c++) {
			s += SC_AT(&pv, i, c);
			if (sc_nn_classes(net)[c] == yv[i])
				k = c;
		}
		rowsum = fmax(rowsum, fabs(s - 1));
		vl -= log(SC_AT(&pv, i, k));
	}
	OK(rowsum < 1e-14, "probabilities sum to 1");
	NEAR(vl / 300, st.best_val_loss, 1e-12, "restored weights give the best validation loss");
	sc_dmat_free(&pv);
	sc_nn_stats_free(&st);
	sc_nn_free(net);
	sc_dmat_free(&x);
	sc_dmat_free(&xv);
	sc_dmat_free(&xt);
}

static void test_determinism(void)
{
	sc_err err = {0};
	sc_dmat x, xv;
	int32_t y[700], yv[150];
	blobs(&x, y, 700, 300, 5, 0.1, 2, 20);
	blobs(&xv, yv, 150, 300, 5, 0.1, 2, 21);
	sc_nn_opts o;
	sc_nn_opts_init(&o);
	o.hidden[0] = 200, o.hidden[1] = 150; /* more than one 128-wide tile */
	o.max_epochs = 2;
	o.seed = 11;
	o.lr = 1e-3;
	sc_nn *a = NULL, *b = NULL, *c = NULL;
	int saved = openblas_get_num_threads();
	openblas_set_num_threads(1);
	o.threads = 0;
	int rc = sc_nn_fit(&a, NULL, &x, y, &xv, yv, &o, &err);
	openblas_set_num_threads(2);
	rc |= sc_nn_fit(&b, NULL, &x, y, &xv, yv, &o, &err);
	o.threads = 3;
	rc |= sc_nn_fit(&c, NULL, &x, y, &xv, yv, &o, &err);
	openblas_set_num_threads(saved);
	OK(rc == 0, "determinism fits");
	if (rc == 0) {
		size_t np;
		double *pa = sc_nn_params(a, &np), *pb = sc_nn_params(b, NULL), *pc = sc_nn_params(c, NULL);
		OK(!memcmp(pa, pb, np * sizeof(double)) && !memcmp(pa, pc, np * sizeof(double)),
		   "same weights bit for bit with OPENBLAS threads 1 and 2 and a pool of 3");
		sc_nn_opts o2 = o;
		o2.seed = 12;
		sc_nn *d = NULL;
		OK(sc_nn_fit(&d, NULL, &x, y, &xv, yv, &o2, &err) == 0 &&
			   memcmp(pa, sc_nn_params(d, NULL), np * sizeof(double)),
		   "another seed, other weights");
		sc_nn_free(d);
	}
	sc_nn_free(a);
	sc_nn_free(b);
	sc_nn_free(c);
	sc_dmat_free(&x);
	sc_dmat_free(&xv);
}

static void test_errors(void)
{
	sc_err err = {0};
	sc_dmat x;
	sc_dmat_alloc(&x, 4, 2);
	int32_t one[] = {1, 1, 1, 1}, miss[] = {0, -1, 1, 0}, ok[] = {0, 1, 0, 1}, vbad[] = {0, 7};
	sc_nn_opts o;
	sc_nn_opts_init(&o);
	o.max_epochs = 1;
	sc_nn *net;
	OK(sc_nn_fit(&net, NULL, &x, one, NULL, NULL, &o, &err) == SC_EINVAL,
	   "one class rejected: %s", err.msg);
	OK(sc_nn_fit(&net, NULL, &x, miss, NULL, NULL, &o, &err) == SC_EINVAL,
	   "missing label rejected: %s", err.msg);
	sc_dmat xv = {2, 2, x.v};
	OK(sc_nn_fit(&net, NULL, &x, ok, &xv, vbad, &o, &err) == SC_EINVAL &&
		   strstr(err.msg, "not a training class"),
	   "validation class absent from training rejected: %s", err.msg);
	x.v[5] = INFINITY;
	OK(sc_nn_fit(&net, NULL, &x, ok, NULL, NULL, &o, &err) == SC_EINVAL,
	   "infinite input rejected: %s", err.msg);
	x.v[5] = 0;
	o.batch = 1;
	OK(sc_nn_fit(&net, NULL, &x, ok, NULL, NULL, &o, &err) == SC_EINVAL,
	   "batch of 1 rejected (BatchNorm)");
	o.batch = 3; /* 4 cells: batches of 3 and 1, the lone cell skipped */
	OK(sc_nn_fit(&net, NULL, &x, ok, NULL, NULL, &o, &err) == 0, "a last batch of one is skipped");
	sc_dmat bad;
	sc_dmat_alloc(&bad, 1, 3);
	sc_dmat pp;
	OK(sc_nn_predict_proba(&pp, net, &bad, &err) == SC_EINVAL, "wrong width rejected");
	sc_nn_free(net);
	sc_nn_free(NULL);
	sc_dmat_free(&bad);
	sc_dmat_free(&x);
}

int main(void)
{
	test_mish();
	test_gradients();
	test_adam();
	test_training();
	test_determinism();
	test_errors();
	return unit_done();
}
