/*
 * compare_h5.h - internal to the HDF5 comparison: compare_h5.c walks the
 * two files' groups and attributes, compare_h5v.c reads and judges the
 * values of one dataset or attribute pair. Not for other modules: the
 * public entry is sc_compare_hdf5 in compare.h.
 */
#ifndef SC_COMPARE_H5_H
#define SC_COMPARE_H5_H

#include <hdf5.h>
#include "runner/compare.h"

typedef struct sc_h5cmp_ctx {
	sc_cmp *out;
	double tol;
	size_t objects;
	hid_t fa, fb; /* the files, to resolve references */
} sc_h5cmp_ctx;

/* A dataset or an attribute, read in blocks of rows of its first dimension. */
typedef struct sc_h5cmp_src {
	hid_t id, type, space;
	int attr;
	int ndim;
	hsize_t dims[H5S_MAX_RANK];
	hsize_t n, row; /* values in all, per row of the first dimension */
} sc_h5cmp_src;

/* Where the values are, to name the place of a difference. */
typedef struct sc_h5cmp_place {
	const char *path;
	const sc_h5cmp_src *s;
	hid_t parent; /* the group holding the dataset (file a), for sparse matrices */
	int sparse;   /* 1 csr, 2 csc: the dataset is that matrix's data */
} sc_h5cmp_place;

/* Describe id (a dataset, or an attribute when attr); -1 when its type or
 * shape is unreadable or claims more than 2^40 values. Close with
 * sc_h5cmp_src_close even on failure. */
int sc_h5cmp_src_open(sc_h5cmp_src *s, hid_t id, int attr);
void sc_h5cmp_src_close(sc_h5cmp_src *s);
/* Same kind, same shape, then the values by kind; a difference goes to x->out. */
void sc_h5cmp_values(sc_h5cmp_ctx *x, const sc_h5cmp_src *a, const sc_h5cmp_src *b,
		     sc_h5cmp_place *p);
/* 1 when g is a CSR matrix group, 2 for CSC, 0 otherwise. */
int sc_h5cmp_sparse_kind(hid_t g);

#endif
