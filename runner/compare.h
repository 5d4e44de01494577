/*
 * compare.h - do two output files say the same thing? `sceval reproduce`
 * asks this when an output's bytes differ from what was recorded: another
 * BLAS kernel (OPENBLAS_CORETYPE, another CPU) sums in another order and
 * moves the last bits of every float, so the hash changes although the
 * numbers agree to 13 digits.
 *
 * Verdicts:
 *   identical   the same bytes (decided by the caller from the hashes, or
 *               here when every value is bit-equal)
 *   equivalent  the same structure (element names, shapes, dtype kinds,
 *               attributes, labels and strings exactly) and every float
 *               within the tolerance; integers (codes, indices, indptr,
 *               counts) exactly equal
 *   different   anything else; why says where (the first structural or
 *               integer difference, or the float furthest out of tolerance)
 *
 * The tolerance rule for a float array (an HDF5 dataset, a .npy array, a
 * CSV column): |a - b| <= tol * scale, where scale is the largest |value|
 * of the array in either file. Different BLAS kernels reorder the sums in
 * a dot product; the rounding error of a sum is relative to its operands,
 * not to its result, so an element that is a cancelled sum (a PCA score
 * near zero) can change by 1e-9 of itself while the array's large elements
 * change by 1e-14. The array's magnitude stands in for the operands'.
 * NaN equals NaN in the same place; NaN against a number, or +inf against
 * anything but +inf, is different.
 *
 * Formats, recognised by content: HDF5 (.h5ad and any other; every group,
 * dataset and attribute is walked, links are compared, not followed),
 * .npy, and text tables (CSV, TSV: numeric cells by the rule above, per
 * column; other cells exactly). Anything else is compared by bytes only.
 * Hostile files give verdict different with the reason, never a crash;
 * walking stops after SC_CMP_MAX_OBJECTS objects.
 */
#ifndef SC_COMPARE_H
#define SC_COMPARE_H

#include <stddef.h>
#include "store/store.h"

/* The default tolerance (the rule above; the README says the same):
 * observed cross-kernel changes are ~1e-13 of an array's scale in float64;
 * float32 storage turns a last-bit change into up to 6e-8; iterative fits
 * (L-BFGS, Harmony) stop on criteria that can shift by a few more digits.
 * 1e-6 keeps two orders of margin over that, while a changed seed or
 * parameter moves values by far more than a millionth of their scale. */
#define SC_CMP_DEFAULT_TOLERANCE 1e-6
#define SC_CMP_MAX_OBJECTS 100000

typedef enum sc_cmp_verdict {
	SC_CMP_IDENTICAL = 0,
	SC_CMP_EQUIVALENT = 1,
	SC_CMP_DIFFERENT = 2,
} sc_cmp_verdict;

typedef struct sc_cmp {
	sc_cmp_verdict verdict;
	const char *format; /* "hdf5", "npy", "csv", "tsv", "tree", "bytes" (static) */
	size_t n_numbers;   /* floats compared */
	size_t n_unequal;   /* of which not bit-equal */
	double max_abs;     /* largest |a - b| */
	char max_abs_at[256];
	double max_rel;     /* largest |a - b| / max(|a|, |b|) of one element */
	char max_rel_at[256];
	double max_scaled;  /* largest |a - b| / scale: what the tolerance bounds */
	char why[768];      /* different: where and what; "" otherwise */
} sc_cmp;

/* "identical", "equivalent", "different". */
const char *sc_cmp_verdict_name(sc_cmp_verdict v);

/* Compare two files by content (a recorded, b reproduced). name is the
 * output's name, used to tell CSV from TSV. Never fails: unreadable or
 * malformed files are verdict different with why saying so. */
void sc_compare_files(sc_cmp *out, const char *a, const char *b, const char *name, double tol);

/* Compare two store objects: identical when the ids are equal, blobs by
 * sc_compare_files, trees entry by entry (recursively; locations are
 * prefixed with the entry's path). Each pair of files is compared in a
 * child process limited in CPU time and memory: libhdf5 can crash or
 * allocate without bound on a corrupt file, and that must be a verdict
 * (different, saying so), not the death of `reproduce`. */
void sc_compare_objects(sc_cmp *out, sc_store *s, const sc_oid *a, const sc_oid *b,
			const char *name, double tol);

/* Per format (sc_compare_files dispatches here); out is reset first. */
void sc_compare_hdf5(sc_cmp *out, const char *a, const char *b, double tol);
void sc_compare_npy(sc_cmp *out, const char *a, const char *b, double tol);
void sc_compare_table(sc_cmp *out, const char *a, const char *b, char sep, double tol);

/* Internal to the compare module (compare.c, compare_h5.c, compare_h5v.c). */
void sc_cmp_reset(sc_cmp *c, const char *format);
void sc_cmp_differ(sc_cmp *c, const char *fmt, ...) SC_PRINTF(2, 3);
/* Fold one float array's statistics into c and judge it against tol. */
typedef struct sc_cmp_array {
	size_t n, unequal;
	double scale;            /* max |x| over both sides */
	double max_abs, max_rel;
	size_t at_abs, at_rel;   /* flat indices */
	double abs_a, abs_b;     /* the values at at_abs */
	int bad;                 /* a NaN/inf mismatch was found at at_abs */
} sc_cmp_array;
/* Add one pair; returns 0, or 1 when it is a NaN/inf mismatch (recorded in
 * the array: the caller stops and reports it). */
int sc_cmp_array_add(sc_cmp_array *s, double a, double b, size_t i);
/* Judge the array; where(i, buf, n) formats a flat index as a location. */
void sc_cmp_array_done(sc_cmp *c, const sc_cmp_array *s, double tol,
		       void (*where)(void *ctx, size_t i, char *buf, size_t n), void *ctx);

#endif
