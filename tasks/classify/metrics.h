/*
 * metrics.h - classification metrics computed exactly as scikit-learn 1.2.1
 * defines them, on integer class codes.
 *
 * The label set of a report is the sorted union of the codes in y_true and
 * y_pred (sklearn's unique_labels). Zero division follows sklearn's default
 * (zero_division="warn"): an undefined precision (no cell predicted as the
 * class) or recall (no cell of the class in y_true) is set to 0, and sklearn
 * emits an UndefinedMetricWarning. Here the report carries per-class flags
 * instead, so callers can say "zero division -> 0 (sklearn default)" next to
 * the numbers.
 *
 * Codes must be >= 0: callers drop missing labels (-1) first.
 *
 * Ownership: sc_cls_report owns its arrays; sc_cls_report_free releases them
 * and zeroes the struct (freeing a zeroed report is a no-op).
 */
#ifndef SC_CLASSIFY_METRICS_H
#define SC_CLASSIFY_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

typedef struct sc_cls_report {
	size_t n;        /* samples */
	size_t nclass;   /* classes in the union of y_true and y_pred */
	int32_t *labels; /* nclass sorted codes */

	/* Per class, indexed like labels (sklearn's classification_report). */
	double *precision, *recall, *f1;
	int64_t *support;    /* cells of the class in y_true */
	int64_t *npred;      /* cells predicted as the class */
	uint8_t *prec_undef; /* 1: no prediction of the class, precision set to 0 */
	uint8_t *rec_undef;  /* 1: class absent from y_true, recall set to 0 */
	size_t n_prec_undef, n_rec_undef;

	/* nclass x nclass, row-major: rows are true classes, columns predicted
	 * (sklearn's confusion_matrix(y_true, y_pred)). */
	int64_t *confusion;

	double accuracy;
	/* Mean recall over the classes present in y_true (sklearn drops the
	 * NaN recalls of classes only predicted, with a warning). */
	double balanced_accuracy;
	double precision_macro, recall_macro, f1_macro;
	/* Weighted by support; all 0 when the support sum is 0 (cannot happen
	 * with n > 0, kept for clarity). */
	double precision_weighted, recall_weighted, f1_weighted;
	/* Cohen's kappa; NaN when the expected disagreement is 0, i.e. a single
	 * label in y_true and y_pred together (sklearn returns nan with a
	 * RuntimeWarning from 0/0). */
	double kappa;
} sc_cls_report;

/* Every metric above for y_true/y_pred of length n > 0. */
int sc_cls_report_compute(sc_cls_report *out, const int32_t *y_true, const int32_t *y_pred,
			  size_t n, sc_err *err) SC_WUR;
void sc_cls_report_free(sc_cls_report *r);

/* Appends one line saying which classes had an undefined precision or
 * recall, e.g. "precision undefined for 'B cell' (never predicted);
 * recall undefined for 'pDC' (not in the truth); zero division -> 0
 * (sklearn default)", or nothing when all are defined. names[code] names a
 * class when code < nnames (else the code is printed). */
struct sc_buf;
void sc_cls_report_note(struct sc_buf *out, const sc_cls_report *r, char *const *names,
			size_t nnames);

/*
 * Binary ranking metrics from scores (higher = more positive). Cells with
 * y[i] == pos are positives, all others negatives. NaN or infinite scores
 * are an error (sklearn rejects them too).
 *
 * sc_cls_auroc: sklearn's roc_auc_score (trapezoids over distinct thresholds,
 * so tied scores count one half). With only one class in y, sklearn raises
 * ValueError; here *out = NaN and the call succeeds, so a loop over folds
 * can record the gap.
 *
 * sc_cls_average_precision: sklearn's average_precision_score,
 * AP = sum_n (R_n - R_{n-1}) P_n over distinct thresholds. No positives:
 * 0 (sklearn warns and sets recall to 1). No negatives: 1.
 */
int sc_cls_auroc(double *out, const int32_t *y, const double *score, size_t n, int32_t pos,
		 sc_err *err) SC_WUR;
int sc_cls_average_precision(double *out, const int32_t *y, const double *score, size_t n,
			     int32_t pos, sc_err *err) SC_WUR;

/*
 * One-vs-rest macro AUROC over the columns of an n x nclass score matrix
 * (row-major; column c scores code c), as roc_auc_score(y, proba,
 * multi_class="ovr", average="macro") when every code 0..nclass-1 is present
 * in y. sklearn raises when a column's class is absent from y; here such
 * columns (all-positive or all-negative) are skipped and counted in
 * *out_skipped (may be NULL); *out is NaN when every column is skipped.
 * With nclass == 2 sklearn's binary path scores column 1 only; this matches
 * that (both columns give the same AUROC when rows sum to 1).
 */
int sc_cls_auroc_ovr(double *out, size_t *out_skipped, const int32_t *y, const double *score,
		     size_t n, size_t nclass, sc_err *err) SC_WUR;

#endif
