/*
 * metrics.c - accuracy, balanced accuracy, per-class and averaged
 * precision/recall/F1, Cohen's kappa, the confusion matrix, and the binary
 * ranking metrics AUROC and average precision, as scikit-learn 1.2.1
 * computes them.
 *
 * Why: the annotation and gene-function tasks report these numbers next to
 * published tables made with sklearn, so every formula (label union, zero
 * division, where kappa is NaN, how tied scores count) follows sklearn's
 * source rather than a textbook, and the tests compare with sklearn to 1e-12.
 * Workload: up to millions of predictions and a few hundred classes; all of
 * it is O(n log n) at worst and runs in milliseconds, so it stays simple and
 * single-threaded.
 */
#include "tasks/classify/metrics.h"
#include "util/buf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

/* Position of code c in the sorted array labels[0..k). Present by construction. */
static size_t label_pos(const int32_t *labels, size_t k, int32_t c)
{
	size_t lo = 0, hi = k;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (labels[mid] <= c)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

void sc_cls_report_free(sc_cls_report *r)
{
	if (!r)
		return;
	free(r->labels);
	free(r->precision);
	free(r->recall);
	free(r->f1);
	free(r->support);
	free(r->npred);
	free(r->prec_undef);
	free(r->rec_undef);
	free(r->confusion);
	memset(r, 0, sizeof(*r));
}

int sc_cls_report_compute(sc_cls_report *out, const int32_t *y_true, const int32_t *y_pred,
			  size_t n, sc_err *err)
{
	int rc = 0;
	int32_t *all = NULL;
	memset(out, 0, sizeof(*out));
	if (n == 0) {
		rc = sc_errf(err, SC_EINVAL, "no samples to score");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (y_true[i] < 0 || y_pred[i] < 0) {
			rc = sc_errf(err, SC_EINVAL, "missing label (code %d) at position %zu",
				     y_true[i] < 0 ? y_true[i] : y_pred[i], i);
			goto out;
		}
	}

	/* The label set: sorted union of both vectors. */
	all = sc_xmalloc(sc_mulsz(2 * n, sizeof(int32_t)));
	memcpy(all, y_true, n * sizeof(int32_t));
	memcpy(all + n, y_pred, n * sizeof(int32_t));
	qsort(all, 2 * n, sizeof(int32_t), cmp_i32);
	size_t k = 0;
	for (size_t i = 0; i < 2 * n; i++)
		if (i == 0 || all[i] != all[k - 1])
			all[k++] = all[i];
	out->n = n;
	out->nclass = k;
	out->labels = sc_xmalloc(k * sizeof(int32_t));
	memcpy(out->labels, all, k * sizeof(int32_t));
	out->precision = sc_xcalloc(k, sizeof(double));
	out->recall = sc_xcalloc(k, sizeof(double));
	out->f1 = sc_xcalloc(k, sizeof(double));
	out->support = sc_xcalloc(k, sizeof(int64_t));
	out->npred = sc_xcalloc(k, sizeof(int64_t));
	out->prec_undef = sc_xcalloc(k, 1);
	out->rec_undef = sc_xcalloc(k, 1);
	out->confusion = sc_xcalloc(sc_mulsz(k, k), sizeof(int64_t));

	int64_t correct = 0;
	for (size_t i = 0; i < n; i++) {
		size_t a = label_pos(out->labels, k, y_true[i]);
		size_t b = label_pos(out->labels, k, y_pred[i]);
		out->confusion[a * k + b]++;
		out->support[a]++;
		out->npred[b]++;
		correct += a == b;
	}
	out->accuracy = (double)correct / (double)n;

	/* Per class, with sklearn's _prf_divide: a zero denominator becomes 1 and
	 * the result 0; F1 = 2 p r / (p + r) with p + r == 0 -> denominator 1. */
	double bal_sum = 0;
	size_t bal_n = 0;
	double psum = 0, rsum = 0, fsum = 0, pw = 0, rw = 0, fw = 0;
	int64_t wsum = 0;
	for (size_t c = 0; c < k; c++) {
		double tp = (double)out->confusion[c * k + c];
		double p = 0, r = 0;
		if (out->npred[c] == 0) {
			out->prec_undef[c] = 1;
			out->n_prec_undef++;
		} else {
			p = tp / (double)out->npred[c];
		}
		if (out->support[c] == 0) {
			out->rec_undef[c] = 1;
			out->n_rec_undef++;
		} else {
			r = tp / (double)out->support[c];
			bal_sum += r;
			bal_n++;
		}
		double denom = p + r;
		if (denom == 0.0)
			denom = 1;
		double f = 2.0 * p * r / denom;
		out->precision[c] = p;
		out->recall[c] = r;
		out->f1[c] = f;
		psum += p;
		rsum += r;
		fsum += f;
		double w = (double)out->support[c];
		pw += p * w;
		rw += r * w;
		fw += f * w;
		wsum += out->support[c];
	}
	out->balanced_accuracy = bal_n ? bal_sum / (double)bal_n : NAN;
	out->precision_macro = psum / (double)k;
	out->recall_macro = rsum / (double)k;
	out->f1_macro = fsum / (double)k;
	if (wsum > 0) {
		out->precision_weighted = pw / (double)wsum;
		out->recall_weighted = rw / (double)wsum;
		out->f1_weighted = fw / (double)wsum;
	}

	/* Kappa as sklearn: expected = outer(pred counts, true counts) / n, and
	 * kappa = 1 - sum(offdiag observed) / sum(offdiag expected). */
	double obs = 0, expd = 0, tot = (double)n;
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j < k; j++) {
			if (i == j)
				continue;
			obs += (double)out->confusion[i * k + j];
			expd += (double)out->npred[i] * (double)out->support[j] / tot;
		}
	out->kappa = expd == 0.0 ? NAN : 1.0 - obs / expd;

out:
	free(all);
	if (rc)
		sc_cls_report_free(out);
	return rc;
}

static void note_list(sc_buf *out, const sc_cls_report *r, const uint8_t *flag, char *const *names,
		      size_t nnames)
{
	size_t shown = 0;
	for (size_t c = 0; c < r->nclass; c++) {
		if (!flag[c])
			continue;
		if (shown++ == 10) {
			sc_buf_puts(out, ", ...");
			break;
		}
		int32_t code = r->labels[c];
		if (shown > 1)
			sc_buf_puts(out, ", ");
		if (names && (size_t)code < nnames)
			sc_buf_printf(out, "'%s'", names[code]);
		else
			sc_buf_printf(out, "%d", code);
	}
}

void sc_cls_report_note(sc_buf *out, const sc_cls_report *r, char *const *names, size_t nnames)
{
	if (!r->n_prec_undef && !r->n_rec_undef)
		return;
	if (r->n_prec_undef) {
		sc_buf_puts(out, "precision undefined for ");
		note_list(out, r, r->prec_undef, names, nnames);
		sc_buf_puts(out, " (never predicted); ");
	}
	if (r->n_rec_undef) {
		sc_buf_puts(out, "recall undefined for ");
		note_list(out, r, r->rec_undef, names, nnames);
		sc_buf_puts(out, " (not in the truth); ");
	}
	sc_buf_puts(out, "zero division -> 0 (sklearn default)");
}

/* ---- binary ranking metrics ---- */

typedef struct scored {
	double s;
	int pos;
} scored;

static int cmp_desc(const void *a, const void *b)
{
	double x = ((const scored *)a)->s, y = ((const scored *)b)->s;
	return (x < y) - (x > y);
}

/* Sorted (descending) copy of the scores with their truth; counts of positives
 * and negatives. Fails on non-finite scores. */
static int sort_scores(scored **out, size_t *npos, const int32_t *y, const double *score,
		       size_t stride, size_t n, int32_t pos, sc_err *err)
{
	*out = NULL;
	if (n == 0)
		return sc_errf(err, SC_EINVAL, "no samples to score");
	scored *v = sc_xmalloc(sc_mulsz(n, sizeof(scored)));
	size_t np = 0;
	for (size_t i = 0; i < n; i++) {
		double s = score[i * stride];
		if (!isfinite(s)) {
			free(v);
			return sc_errf(err, SC_EINVAL, "score %zu is not finite ('%g')", i, s);
		}
		v[i].s = s;
		v[i].pos = y[i] == pos;
		np += (size_t)v[i].pos;
	}
	qsort(v, n, sizeof(scored), cmp_desc);
	*out = v;
	*npos = np;
	return 0;
}

/* Both walks step through the distinct thresholds in decreasing order with the
 * cumulative true and false positives there (sklearn's _binary_clf_curve):
 * tied scores enter together, so their order inside the tie does not matter. */
static double auroc_sorted(const scored *v, size_t n, size_t npos)
{
	size_t nneg = n - npos;
	if (npos == 0 || nneg == 0)
		return NAN;
	double area = 0, ptpr = 0, pfpr = 0;
	size_t tp = 0, fp = 0;
	for (size_t i = 0; i < n; i++) {
		tp += (size_t)v[i].pos;
		fp += (size_t)!v[i].pos;
		if (i + 1 < n && v[i + 1].s == v[i].s)
			continue;
		double tpr = (double)tp / (double)npos, fpr = (double)fp / (double)nneg;
		area += (fpr - pfpr) * (tpr + ptpr) / 2.0;
		ptpr = tpr;
		pfpr = fpr;
	}
	return area;
}

static double ap_sorted(const scored *v, size_t n, size_t npos)
{
	if (npos == 0)
		return 0.0;
	double ap = 0, prec_r = 0;
	size_t tp = 0, fp = 0;
	for (size_t i = 0; i < n; i++) {
		tp += (size_t)v[i].pos;
		fp += (size_t)!v[i].pos;
		if (i + 1 < n && v[i + 1].s == v[i].s)
			continue;
		double r = (double)tp / (double)npos;
		double p = (double)tp / (double)(tp + fp);
		ap += (r - prec_r) * p;
		prec_r = r;
	}
	return ap;
}

int sc_cls_auroc(double *out, const int32_t *y, const double *score, size_t n, int32_t pos,
		 sc_err *err)
{
	scored *v;
	size_t npos;
	int rc = sort_scores(&v, &npos, y, score, 1, n, pos, err);
	if (rc)
		return rc;
	*out = auroc_sorted(v, n, npos);
	free(v);
	return 0;
}

int sc_cls_average_precision(double *out, const int32_t *y, const double *score, size_t n,
			     int32_t pos, sc_err *err)
{
	scored *v;
	size_t npos;
	int rc = sort_scores(&v, &npos, y, score, 1, n, pos, err);
	if (rc)
		return rc;
	*out = ap_sorted(v, n, npos);
	free(v);
	return 0;
}

int sc_cls_auroc_ovr(double *out, size_t *out_skipped, const int32_t *y, const double *score,
		     size_t n, size_t nclass, sc_err *err)
{
	if (nclass < 2)
		return sc_errf(err, SC_EINVAL, "one-vs-rest AUROC needs at least 2 classes, got %zu",
			       nclass);
	double sum = 0;
	size_t used = 0, skipped = 0;
	/* Two classes: sklearn's binary path scores the positive column only. */
	size_t first = nclass == 2 ? 1 : 0;
	for (size_t c = first; c < nclass; c++) {
		scored *v;
		size_t npos;
		int rc = sort_scores(&v, &npos, y, score + c, nclass, n, (int32_t)c, err);
		if (rc)
			return rc;
		double a = auroc_sorted(v, n, npos);
		free(v);
		if (isnan(a)) {
			skipped++;
			continue;
		}
		sum += a;
		used++;
	}
	*out = used ? sum / (double)used : NAN;
	if (out_skipped)
		*out_skipped = skipped;
	return 0;
}
