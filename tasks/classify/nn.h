/*
 * nn.h - the study's plain neural-network classifier: input -> 512 -> 256
 * -> classes, each hidden layer Linear + BatchNorm1d + Mish, softmax
 * cross-entropy, Adam, mini-batches shuffled per epoch, early stopping on a
 * validation set with the best weights restored.
 *
 * Semantics follow PyTorch's defaults so the numbers mean what the study's
 * code meant: Linear weights and biases ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))
 * (kaiming_uniform_ with a = sqrt(5)); BatchNorm1d with batch statistics
 * (biased variance) in training, running averages (momentum 0.1, unbiased
 * variance) in evaluation, eps 1e-5, gamma 1, beta 0; Mish(x) =
 * x tanh(softplus(x)); CrossEntropyLoss averaged over the batch; Adam
 * (lr 1e-4, betas 0.9/0.999, eps 1e-8, bias-corrected as torch.optim.Adam).
 * The random streams are sceval's (sc_rng), so a seed gives sceval's
 * network, not PyTorch's.
 *
 * Deterministic bit for bit for a seed, whatever the thread count: OpenBLAS
 * runs single-threaded during fit and predict, products are split into
 * tiles fixed by their shape (par.h), every reduction runs in a fixed order.
 * A last mini-batch of one cell is skipped (PyTorch's BatchNorm refuses a
 * batch of one in training).
 *
 * Ownership: sc_nn is opaque; sc_nn_free releases it (NULL is fine).
 * sc_nn_stats owns its history arrays; sc_nn_stats_free releases them.
 */
#ifndef SC_CLASSIFY_NN_H
#define SC_CLASSIFY_NN_H

#include <stddef.h>
#include <stdint.h>
#include "util/mat.h"
#include "util/err.h"

#define SC_NN_MAX_HIDDEN 8

typedef struct sc_nn_opts {
	size_t hidden[SC_NN_MAX_HIDDEN]; /* hidden widths: 512, 256 */
	size_t nhidden;                  /* 2 */
	double lr, beta1, beta2, adam_eps; /* 1e-4, 0.9, 0.999, 1e-8 */
	double bn_momentum, bn_eps;        /* 0.1, 1e-5 */
	size_t batch;                      /* 128 */
	int max_epochs;                    /* 100 */
	int patience; /* stop after this many epochs without a lower validation loss: 10 */
	uint64_t seed; /* 0 */
	int threads;   /* 0 = one thread (see util/par.h) */
} sc_nn_opts;

void sc_nn_opts_init(sc_nn_opts *o);

typedef struct sc_nn_stats {
	int epochs;     /* epochs run */
	int best_epoch; /* 1-based epoch whose weights were kept (the last without validation) */
	double best_val_loss, best_val_accuracy; /* NaN without validation */
	double seconds;
	/* per epoch (epochs entries): mean training loss, validation loss and accuracy */
	double *train_loss, *val_loss, *val_accuracy;
} sc_nn_stats;

void sc_nn_stats_free(sc_nn_stats *s);

typedef struct sc_nn sc_nn;

/*
 * Train on x (n x d) with class codes y (>= 0, at least two classes).
 * xval/yval (may be NULL) is the early-stopping set; its classes must occur
 * in y. stats may be NULL.
 */
int sc_nn_fit(sc_nn **out, sc_nn_stats *stats, const sc_dmat *x, const int32_t *y,
	      const sc_dmat *xval, const int32_t *yval, const sc_nn_opts *o, sc_err *err) SC_WUR;
/* Class probabilities (evaluation mode): out is allocated n x nclass. */
int sc_nn_predict_proba(sc_dmat *out, const sc_nn *net, const sc_dmat *x, sc_err *err) SC_WUR;
/* Predicted codes (first most probable class on ties). */
int sc_nn_predict(int32_t *out, const sc_nn *net, const sc_dmat *x, sc_err *err) SC_WUR;
void sc_nn_free(sc_nn *net);
size_t sc_nn_nclass(const sc_nn *net);
const int32_t *sc_nn_classes(const sc_nn *net); /* sorted codes, nclass entries */

/*
 * Lower level, for tests and for callers that drive training themselves
 * (who wrap it in sc_par_blas_begin/end, par.h, to keep the bytes
 * independent of the thread count; the pool has o->threads threads, 1 if 0).
 * All parameters live in one flat vector in the order, per hidden layer,
 * W (out x in, row-major), b, gamma, beta, then the output layer's W and b;
 * gradients use the same layout.
 */
int sc_nn_create(sc_nn **out, size_t nin, const size_t *hidden, size_t nhidden, size_t nclass,
		 const sc_nn_opts *o, sc_err *err) SC_WUR;
double *sc_nn_params(sc_nn *net, size_t *n);
double *sc_nn_grads(sc_nn *net);
/* Running means and variances of the BatchNorm layers, in layer order. */
double *sc_nn_buffers(sc_nn *net, size_t *n);
/* Name, offset and size of parameter group g (0 .. count-1); returns the count. */
size_t sc_nn_group(const sc_nn *net, size_t g, const char **name, size_t *off, size_t *size);
/*
 * Forward in training mode on nb rows of x (row-major, nin columns) with
 * class indices yi in [0, nclass), backward into the gradients; returns the
 * mean cross-entropy. update_running: also move the BatchNorm running
 * averages (as a PyTorch forward in training mode does).
 */
double sc_nn_train_batch(sc_nn *net, const double *x, const int32_t *yi, size_t nb,
			 int update_running);
/* One Adam step with the current gradients (step count kept inside). */
void sc_nn_adam_step(sc_nn *net);
/* Mish and its derivative, exposed for tests. */
double sc_nn_mish(double x);
double sc_nn_mish_grad(double x);

#endif
