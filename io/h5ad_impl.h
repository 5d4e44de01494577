/*
 * h5ad_impl.h - what the h5ad reader and writer files share and nobody else
 * may use: the handle's layout, error formatting with HDF5's own detail,
 * legacy path mapping, type classification and the small typed readers.
 */
#ifndef SC_H5AD_IMPL_H
#define SC_H5AD_IMPL_H

#include <hdf5.h>
#include "io/h5ad.h"

struct sc_h5ad {
	hid_t f;
	char *path;
	const char *base; /* basename of path, for messages */
	sc_h5ad_encoding enc;
	size_t n_obs, n_vars;
	uint64_t file_bytes; /* the file's size when opened */
};

/* Classification of an HDF5 datatype. */
typedef enum h5k {
	H5K_INT,
	H5K_UINT,
	H5K_FLOAT,
	H5K_BOOL, /* h5py's enum {FALSE, TRUE} over int8 */
	H5K_STR,
	H5K_REF,
	H5K_COMPOUND,
	H5K_OTHER,
} h5k;

/* Elements per read when streaming big arrays: 1 Mi values (8 MiB as doubles). */
#define H5AD_CHUNK ((size_t)1 << 20)

/* Switch off HDF5's automatic error printing and register the LZF
 * decoder (idempotent; every entry point calls it). */
void sc_h5ad_quiet(void);
void sc_h5ad_register_lzf(void);
/* "base: elem: message[: HDF5 detail]" into err; returns code. elem may be NULL. */
int sc_h5ad_fail(sc_err *err, const sc_h5ad *h, int code, const char *elem, const char *fmt, ...)
	SC_PRINTF(5, 6);
/* Same, appending the innermost message on HDF5's error stack if any. */
int sc_h5ad_fail_h5(sc_err *err, const sc_h5ad *h, const char *elem, const char *fmt, ...)
	SC_PRINTF(4, 5);

/* The stored path of an element (legacy raw.X for raw/X), or NULL when
 * absent. Caller frees. */
char *sc_h5ad_resolve(const sc_h5ad *h, const char *path);
/* Open an element (group or dataset); a negative id with err set when missing. */
hid_t sc_h5ad_open_obj(sc_h5ad *h, const char *path, sc_err *err);
int sc_h5ad_exists(hid_t f, const char *path);
/* Before 0.7, obsm and varm were compound datasets, one field per key:
 * when path is parent/key of such a dataset, open the parent into *ds and
 * return 1 with *field = key (caller frees). 0 otherwise. */
int sc_h5ad_compound_member(sc_h5ad *h, const char *path, hid_t *ds, char **field);

h5k sc_h5ad_h5kind(hid_t type, char dtype[24]);

/* Attributes. Return 1 when read, 0 when absent, negative with err on a bad value. */
int sc_h5ad_attr_str(char **out, hid_t o, const char *name);
int sc_h5ad_attr_strv(char ***out, size_t *n, hid_t o, const char *name);
int sc_h5ad_attr_ints(int64_t *out, size_t max, size_t *n, hid_t o, const char *name);
int sc_h5ad_attr_bool(int *out, hid_t o, const char *name);

/* Datasets. field != NULL reads one member of a compound dataset. 1-D
 * extent of a dataset (ndim must be 1 unless allow_scalar). */
int sc_h5ad_len(size_t *n, hid_t ds, const sc_h5ad *h, const char *elem, sc_err *err);
/* The type of a dataset, or of its compound member field (caller closes). */
hid_t sc_h5ad_field_type(hid_t ds, const char *field);
int sc_h5ad_read_strs(char ***out, size_t n, hid_t ds, const char *field, const sc_h5ad *h,
		   const char *elem, sc_err *err);
/* Numbers converted to int64 / double / 0-1 bytes (bool enums and integers). */
int sc_h5ad_read_i64(int64_t *out, size_t n, hid_t ds, const char *field, const sc_h5ad *h,
		  const char *elem, sc_err *err);
int sc_h5ad_read_f64(double *out, size_t n, hid_t ds, const char *field, const sc_h5ad *h,
		  const char *elem, sc_err *err);
int sc_h5ad_read_u8(uint8_t *out, size_t n, hid_t ds, const char *field, const sc_h5ad *h,
		 const char *elem, sc_err *err);
/* Read [off, off + cnt) of a 1-D dataset into buf as memtype. */
int sc_h5ad_read_slab(void *buf, hid_t memtype, hid_t ds, size_t off, size_t cnt);

/* Parallel decompression of [off, off + cnt) of a chunked 1-D dataset
 * (h5ad_fast.c) into int32 (from int32 only) or double. Returns 0 when
 * done, 1 when the layout is not one it handles (use H5Dread), -1 when a
 * chunk is corrupt. */
enum { H5AD_DEST_I32, H5AD_DEST_F64 };
int sc_h5ad_fast_read(void *out, int dest, hid_t ds, size_t off, size_t cnt);

/* A number formatted as pandas would print it in a category ("3", "0.5", "1.0"). */
void sc_h5ad_fmt_double(char *buf, size_t n, double v);
/* Memory that may be huge and is sized from file contents: nmemb "what"s
 * of size bytes, zeroed. NULL with err filled ("base: elem: 10 values need
 * 80 B, more than the memory limit ...", or out of memory) instead of an
 * abort or the OOM killer; see util/limits.h. */
void *sc_h5ad_alloc(size_t nmemb, size_t size, const sc_h5ad *h, const char *elem,
		    const char *what, sc_err *err);
/* The limit check alone (0, or SC_EINVAL with the same message). */
int sc_h5ad_mem_check(size_t nmemb, size_t size, const sc_h5ad *h, const char *elem,
		      const char *what, sc_err *err);
/* Whether nelem elements of ds could be stored in the file at all: an
 * unfiltered dataset in at most the file's size, a deflate- or LZF-filtered
 * one in 1/1032 of its raw size (deflate's best ratio; LZF's is lower).
 * SC_ECORRUPT naming the element otherwise: a tiny file declaring a huge
 * array is refused before anything is allocated or decompressed. */
int sc_h5ad_check_extent(hid_t ds, uint64_t nelem, const sc_h5ad *h, const char *elem, sc_err *err);

/* Data frames (h5ad_frame.c): the length of a frame's index. */
int sc_h5ad_frame_len(size_t *out, sc_h5ad *h, const char *df, sc_err *err);

#endif
