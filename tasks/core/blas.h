/*
 * blas.h - the BLAS and LAPACK entry points the numerical core uses.
 * cblas comes from OpenBLAS's header; LAPACK is called through its Fortran
 * symbols (OpenBLAS exports them), declared here so no LAPACKE is needed.
 */
#ifndef SC_BLAS_H
#define SC_BLAS_H

#include <cblas.h>

void dsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a,
	     const int *lda, const double *vl, const double *vu, const int *il, const int *iu,
	     const double *abstol, int *m, double *w, double *z, const int *ldz, int *isuppz,
	     double *work, const int *lwork, int *iwork, const int *liwork, int *info);
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda,
	     double *s, double *u, const int *ldu, double *vt, const int *ldvt, double *work,
	     const int *lwork, int *iwork, int *info);
void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau,
	     double *work, const int *lwork, int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda,
	     const double *tau, double *work, const int *lwork, int *info);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
	     double *b, const int *ldb, int *info);
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b,
	    const int *ldb, int *info);
void dgelsd_(const int *m, const int *n, const int *nrhs, double *a, const int *lda, double *b,
	     const int *ldb, double *s, const double *rcond, int *rank, double *work,
	     const int *lwork, int *iwork, int *info);

extern int openblas_get_num_threads(void);
extern void openblas_set_num_threads(int n);

/*
 * OpenBLAS's threaded dgemm can round differently from its single-threaded
 * path (seen with 2500 x 300 x 50 products; dsyrk was not affected), so a
 * product whose bytes must not depend on the thread count is bracketed:
 *   int nt = sc_blas_serial_begin(); cblas_dgemm(...); sc_blas_serial_end(nt);
 * The thread count is process-wide: a concurrent caller runs serially
 * meanwhile (slower, never wrong).
 */
static inline int sc_blas_serial_begin(void)
{
	int nt = openblas_get_num_threads();
	if (nt > 1)
		openblas_set_num_threads(1);
	return nt;
}

static inline void sc_blas_serial_end(int nt)
{
	if (nt > 1)
		openblas_set_num_threads(nt);
}

#endif
