/*
 * h5ad_write.c - writing .h5ad files in the current encoding, for what
 * sceval produces: simulated data sets, embeddings and predictions added
 * by methods, outputs of built-in steps.
 *
 * Two properties drive the design. Determinism: the same calls must give
 * the same bytes, because outputs are content-addressed and a run's result
 * hash must reproduce; so object timestamps are off, chunk shapes are fixed
 * functions of the data's shape, compression is fixed, and attributes are
 * written in a fixed order (column-order once, at close). Streaming: X of a
 * million cells is appended in row blocks to extendable chunked datasets,
 * so memory is one block whatever the file size.
 *
 * Every file is written under a temporary name in the destination
 * directory, fsynced, renamed into place on close and the directory fsynced
 * (git's loose objects): a crash never leaves a half-written file under the
 * final name. Editing (adding an obsm key or an obs column) works on a copy
 * too, of copy_from or of the file itself, so a reader holding the original
 * never sees a half-edited file.
 */
#include "h5ad_impl.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GZIP_LEVEL 4
#define CHUNK_1D ((hsize_t)1 << 16)   /* elements per chunk of 1-D arrays */
#define CHUNK_2D ((hsize_t)1 << 16)   /* elements per chunk of 2-D arrays */

typedef struct wframe {
	int present;   /* the group exists (index written, or found when editing) */
	int legacy;    /* a compound dataset: cannot be extended */
	size_t n;
	char **cols;
	size_t ncols;
	int dirty;     /* column-order must be (re)written */
} wframe;

typedef struct wmat {
	char *path;
	size_t rows, cols;
} wmat;

struct sc_h5ad_writer {
	sc_h5ad h;      /* reader view of the same file, for the shared helpers */
	char *path;     /* final name */
	char *tmp;      /* name being written (renamed to path on close), or NULL */
	int closed;
	int gzip;       /* deflate level of datasets created from now on, 0 = none */
	hid_t dcpl_plain, gcpl, str_t, bool_t;
	wframe obs, var;
	wmat *mats;
	size_t nmats;
	/* The open CSR stream. */
	hid_t sg, sdata, sind, sptr;
	char *spath;
	size_t srows, scols;
	int64_t snnz;
	/* A dataset failed to close: libhdf5 writes a small dataset's cached
	 * data there, and drops it when that write fails. */
	int close_failed;
};

static void close_dataset(sc_h5ad_writer *w, hid_t d)
{
	if (H5Dclose(d) < 0)
		w->close_failed = 1;
}

static int wfail(sc_err *err, sc_h5ad_writer *w, int code, const char *elem, const char *fmt, ...)
	SC_PRINTF(5, 6);
static int wfail(sc_err *err, sc_h5ad_writer *w, int code, const char *elem, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (code == SC_EIO)
		return sc_h5ad_fail_h5(err, &w->h, elem, "%s", msg);
	return sc_h5ad_fail(err, &w->h, code, elem, "%s", msg);
}

/* ---- attributes ---- */

static int attr_str(hid_t o, const char *name, const char *v, hid_t str_t)
{
	if (H5Aexists(o, name) > 0)
		H5Adelete(o, name);
	hid_t sp = H5Screate(H5S_SCALAR);
	hid_t a = H5Acreate2(o, name, str_t, sp, H5P_DEFAULT, H5P_DEFAULT);
	herr_t r = a < 0 ? -1 : H5Awrite(a, str_t, &v);
	if (a >= 0)
		H5Aclose(a);
	H5Sclose(sp);
	return r < 0 ? -1 : 0;
}

static int attr_enc(sc_h5ad_writer *w, hid_t o, const char *type, const char *version)
{
	return attr_str(o, "encoding-type", type, w->str_t) | attr_str(o, "encoding-version", version, w->str_t);
}

static int attr_strv(hid_t o, const char *name, char *const *v, size_t n, hid_t str_t)
{
	if (H5Aexists(o, name) > 0)
		H5Adelete(o, name);
	hsize_t d = n;
	/* h5py writes an empty list as an empty float64 array: anndata expects that. */
	hid_t t = n ? str_t : H5T_IEEE_F64LE;
	hid_t sp = H5Screate_simple(1, &d, NULL);
	hid_t a = H5Acreate2(o, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
	herr_t r = a < 0 ? -1 : n ? H5Awrite(a, str_t, v) : 0;
	if (a >= 0)
		H5Aclose(a);
	H5Sclose(sp);
	return r < 0 ? -1 : 0;
}

static int attr_bool(sc_h5ad_writer *w, hid_t o, const char *name, int v)
{
	hid_t sp = H5Screate(H5S_SCALAR);
	hid_t a = H5Acreate2(o, name, w->bool_t, sp, H5P_DEFAULT, H5P_DEFAULT);
	signed char b = v != 0;
	herr_t r = a < 0 ? -1 : H5Awrite(a, w->bool_t, &b);
	if (a >= 0)
		H5Aclose(a);
	H5Sclose(sp);
	return r < 0 ? -1 : 0;
}

/* ---- objects ---- */

static hid_t dcpl_for(int rank, const hsize_t *dims, int extendable, int gzip)
{
	hid_t p = H5Pcreate(H5P_DATASET_CREATE);
	H5Pset_obj_track_times(p, 0);
	hsize_t total = 1;
	for (int i = 0; i < rank; i++)
		total *= dims[i];
	if (!extendable && total == 0)
		return p; /* empty: contiguous (chunk dimensions must be positive) */
	hsize_t c[2];
	if (rank == 1) {
		c[0] = extendable || dims[0] > CHUNK_1D ? CHUNK_1D : dims[0];
	} else {
		/* Whole rows, about CHUNK_2D values per chunk. */
		hsize_t cols = dims[1] ? dims[1] : 1;
		c[1] = cols > CHUNK_2D ? CHUNK_2D : cols;
		c[0] = CHUNK_2D / c[1];
		if (c[0] > dims[0])
			c[0] = dims[0] ? dims[0] : 1;
		if (c[0] < 1)
			c[0] = 1;
	}
	H5Pset_chunk(p, rank, c);
	if (gzip > 0) {
		/* Byte shuffling first: counts and indices compress far better. */
		H5Pset_shuffle(p);
		H5Pset_deflate(p, (unsigned)gzip);
	}
	return p;
}

/* Create a group at path relative to loc, with intermediate dict groups. */
static hid_t make_group(sc_h5ad_writer *w, const char *path, const char *enc, const char *ver)
{
	char *p = sc_xstrdup(path);
	hid_t g = -1;
	for (char *s = p;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = 0;
		if (!sc_h5ad_exists(w->h.f, p)) {
			hid_t n = H5Gcreate2(w->h.f, p, H5P_DEFAULT, w->gcpl, H5P_DEFAULT);
			int last = c == 0;
			if (n < 0 || attr_enc(w, n, last ? enc : "dict", last ? ver : "0.1.0")) {
				if (n >= 0)
					H5Gclose(n);
				break;
			}
			if (last)
				g = n;
			else
				H5Gclose(n);
		} else if (c == 0) {
			g = H5Gopen2(w->h.f, p, H5P_DEFAULT);
		}
		if (c == 0)
			break;
		*s = c;
	}
	free(p);
	return g;
}

/* The parent group of path (created as dicts when missing). */
static hid_t parent_of(sc_h5ad_writer *w, const char *path, const char **leaf)
{
	const char *sl = strrchr(path, '/');
	*leaf = sl ? sl + 1 : path;
	if (!sl)
		return H5Gopen2(w->h.f, "/", H5P_DEFAULT);
	char *p = sc_xstrndup(path, (size_t)(sl - path));
	hid_t g = make_group(w, p, "dict", "0.1.0");
	free(p);
	return g;
}

/* A 1-D or 2-D dataset written whole from memory of type memtype. */
static int write_ds(sc_h5ad_writer *w, hid_t loc, const char *name, hid_t ftype, hid_t memtype, int rank,
		    const hsize_t *dims, const void *buf, const char *enc)
{
	hid_t sp = H5Screate_simple(rank, dims, NULL);
	hid_t dcpl = dcpl_for(rank, dims, 0, w->gzip);
	hid_t d = H5Dcreate2(loc, name, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	hsize_t total = 1;
	for (int i = 0; i < rank; i++)
		total *= dims[i];
	herr_t r = d < 0 ? -1 : total ? H5Dwrite(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) : 0;
	if (r >= 0 && d >= 0 && enc)
		r = attr_enc(w, d, enc, "0.2.0");
	if (d >= 0)
		close_dataset(w, d);
	H5Pclose(dcpl);
	H5Sclose(sp);
	return r < 0 ? -1 : 0;
}

static int write_strings_ds(sc_h5ad_writer *w, hid_t loc, const char *name, char *const *s, size_t n)
{
	hsize_t d = n;
	return write_ds(w, loc, name, w->str_t, w->str_t, 1, &d, s, "string-array");
}

static const char *dtype_enc(sc_h5ad_dtype t, hid_t *ftype)
{
	switch (t) {
	case SC_H5AD_F32:
		*ftype = H5T_IEEE_F32LE;
		return "float32";
	case SC_H5AD_I32:
		*ftype = H5T_STD_I32LE;
		return "int32";
	case SC_H5AD_I64:
		*ftype = H5T_STD_I64LE;
		return "int64";
	default:
		*ftype = H5T_IEEE_F64LE;
		return "float64";
	}
}

/* ---- life cycle ---- */

static void init_types(sc_h5ad_writer *w)
{
	w->gcpl = H5Pcreate(H5P_GROUP_CREATE);
	H5Pset_obj_track_times(w->gcpl, 0);
	w->dcpl_plain = H5Pcreate(H5P_DATASET_CREATE);
	H5Pset_obj_track_times(w->dcpl_plain, 0);
	w->str_t = H5Tcopy(H5T_C_S1);
	H5Tset_size(w->str_t, H5T_VARIABLE);
	H5Tset_cset(w->str_t, H5T_CSET_UTF8);
	/* numpy bool as h5py stores it. */
	w->bool_t = H5Tenum_create(H5T_NATIVE_INT8);
	signed char f = 0, t = 1;
	H5Tenum_insert(w->bool_t, "FALSE", &f);
	H5Tenum_insert(w->bool_t, "TRUE", &t);
}

static sc_h5ad_writer *writer_new(const char *path)
{
	sc_h5ad_quiet();
	sc_h5ad_writer *w = sc_xcalloc(1, sizeof(*w));
	w->path = sc_xstrdup(path);
	w->h.path = w->path;
	w->h.base = sc_path_basename(w->path);
	w->h.f = -1;
	w->sg = w->sdata = w->sind = w->sptr = -1;
	w->gzip = GZIP_LEVEL;
	init_types(w);
	return w;
}

/* A name beside path that no other writer uses: the process id tells
 * processes apart, the counter the writers of one process (created with
 * H5F_ACC_EXCL, so a leftover of a crashed process is never reused). */
static char *temp_name(const char *path)
{
	static atomic_ulong serial;
	return sc_xasprintf("%s.tmp-%ld-%lu", path, (long)getpid(),
			    (unsigned long)atomic_fetch_add(&serial, 1));
}

/* Make the finished temporary file durable, then give it its name. */
static int publish(const char *tmp, const char *path, sc_err *err)
{
	int fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sc_errsys(err, errno, "cannot reopen '%s'", tmp);
	if (fsync(fd) < 0) {
		int e = errno;
		close(fd);
		return sc_errsys(err, e, "cannot write '%s'", path);
	}
	close(fd);
	if (rename(tmp, path) != 0)
		return sc_errsys(err, errno, "cannot rename '%s' to '%s'", tmp, path);
	char *dir = sc_path_dirname(path);
	int rc = sc_fsync_dir(dir, err);
	free(dir);
	return rc;
}

int sc_h5ad_create(sc_h5ad_writer **out, const char *path, sc_err *err)
{
	*out = NULL;
	sc_h5ad_writer *w = writer_new(path);
	w->tmp = temp_name(path);
	hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
	H5Pset_obj_track_times(fcpl, 0);
	w->h.f = H5Fcreate(w->tmp, H5F_ACC_EXCL, fcpl, H5P_DEFAULT);
	H5Pclose(fcpl);
	if (w->h.f < 0) {
		int rc = sc_h5ad_fail_h5(err, &w->h, NULL, "cannot create '%s'", path);
		sc_h5ad_writer_free(w);
		return rc;
	}
	if (attr_enc(w, w->h.f, "anndata", "0.1.0")) {
		int rc = wfail(err, w, SC_EIO, NULL, "cannot write attributes");
		sc_h5ad_writer_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

static int copy_file(const char *from, const char *to, sc_err *err)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return sc_errsys(err, errno, "cannot open '%s'", from);
	int o = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (o < 0) {
		close(in);
		return sc_errsys(err, errno, "cannot create '%s'", to);
	}
	char *buf = sc_xmalloc(1 << 20);
	int rc = 0;
	for (;;) {
		ssize_t n = sc_read_full(in, buf, 1 << 20);
		if (n < 0) {
			rc = sc_errsys(err, errno, "cannot read '%s'", from);
			break;
		}
		if (n == 0)
			break;
		if (sc_write_full(o, buf, (size_t)n) < 0) {
			rc = sc_errsys(err, errno, "cannot write '%s'", to);
			break;
		}
	}
	free(buf);
	close(in);
	if (close(o) < 0 && !rc)
		rc = sc_errsys(err, errno, "cannot write '%s'", to);
	return rc;
}

/* Load the state of an existing frame for appending columns. */
static int load_frame(sc_h5ad_writer *w, wframe *fr, const char *df, sc_err *err)
{
	if (!sc_h5ad_exists(w->h.f, df))
		return 0;
	fr->present = 1;
	H5O_info_t oi;
	if (H5Oget_info_by_name(w->h.f, df, &oi, H5P_DEFAULT) >= 0 && oi.type == H5O_TYPE_DATASET) {
		fr->legacy = 1;
		return sc_h5ad_frame_len(&fr->n, &w->h, df, err);
	}
	int rc = sc_h5ad_frame_len(&fr->n, &w->h, df, err);
	if (rc)
		return rc;
	hid_t g = H5Gopen2(w->h.f, df, H5P_DEFAULT);
	if (sc_h5ad_attr_strv(&fr->cols, &fr->ncols, g, "column-order") < 0)
		rc = wfail(err, w, SC_ECORRUPT, df, "column-order is not a list of strings");
	H5Gclose(g);
	return rc;
}

int sc_h5ad_edit(sc_h5ad_writer **out, const char *path, const char *copy_from, sc_err *err)
{
	*out = NULL;
	sc_h5ad_writer *w = writer_new(path);
	int rc = 0;
	w->tmp = temp_name(path);
	if ((rc = copy_file(copy_from ? copy_from : path, w->tmp, err)))
		goto out;
	const char *target = w->tmp;
	if (H5Fis_hdf5(target) <= 0) {
		rc = wfail(err, w, SC_EINVAL, NULL, "not an HDF5 file");
		goto out;
	}
	w->h.f = H5Fopen(target, H5F_ACC_RDWR, H5P_DEFAULT);
	if (w->h.f < 0) {
		rc = sc_h5ad_fail_h5(err, &w->h, NULL, "cannot open for writing");
		goto out;
	}
	if ((rc = load_frame(w, &w->obs, "obs", err)) || (rc = load_frame(w, &w->var, "var", err)))
		goto out;
out:
	if (rc) {
		sc_h5ad_writer_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

static void record_matrix(sc_h5ad_writer *w, const char *path, size_t rows, size_t cols)
{
	w->mats = sc_xrealloc(w->mats, (w->nmats + 1) * sizeof(*w->mats));
	w->mats[w->nmats].path = sc_xstrdup(path);
	w->mats[w->nmats].rows = rows;
	w->mats[w->nmats].cols = cols;
	w->nmats++;
}

static int check_shapes(sc_h5ad_writer *w, sc_err *err)
{
	for (size_t i = 0; i < w->nmats; i++) {
		const wmat *m = &w->mats[i];
		const char *p = m->path;
		int x = !strcmp(p, "X") || !strncmp(p, "layers/", 7);
		int rows_obs = x || !strncmp(p, "obsm/", 5) || !strncmp(p, "obsp/", 5);
		int rows_var = !strncmp(p, "varm/", 5) || !strncmp(p, "varp/", 5);
		if (rows_obs && w->obs.present && m->rows != w->obs.n)
			return wfail(err, w, SC_EINVAL, p, "%zu rows but obs has %zu", m->rows, w->obs.n);
		if (rows_var && w->var.present && m->rows != w->var.n)
			return wfail(err, w, SC_EINVAL, p, "%zu rows but var has %zu", m->rows, w->var.n);
		if (x && w->var.present && m->cols != w->var.n)
			return wfail(err, w, SC_EINVAL, p, "%zu columns but var has %zu", m->cols, w->var.n);
	}
	return 0;
}

static int finish_frame(sc_h5ad_writer *w, wframe *fr, const char *df)
{
	if (!fr->present || !fr->dirty)
		return 0;
	hid_t g = H5Gopen2(w->h.f, df, H5P_DEFAULT);
	int r = g < 0 ? -1 : attr_strv(g, "column-order", fr->cols, fr->ncols, w->str_t);
	if (g >= 0)
		H5Gclose(g);
	return r;
}

int sc_h5ad_writer_close(sc_h5ad_writer *w, sc_err *err)
{
	int rc = 0;
	if (w->sg >= 0) {
		rc = wfail(err, w, SC_EINVAL, w->spath, "sparse stream not ended");
		goto out;
	}
	if (!w->obs.present || !w->var.present) {
		rc = wfail(err, w, SC_EINVAL, NULL, "the %s index was never written", !w->obs.present ? "obs" : "var");
		goto out;
	}
	if ((rc = check_shapes(w, err)))
		goto out;
	if (finish_frame(w, &w->obs, "obs") || finish_frame(w, &w->var, "var")) {
		rc = wfail(err, w, SC_EIO, NULL, "cannot write column-order");
		goto out;
	}
	/* anndata writes every slot; empty dicts where nothing went. */
	static const char *slots[] = { "layers", "obsm", "obsp", "uns", "varm", "varp" };
	for (size_t i = 0; i < sizeof(slots) / sizeof(*slots); i++) {
		if (sc_h5ad_exists(w->h.f, slots[i]))
			continue;
		hid_t g = make_group(w, slots[i], "dict", "0.1.0");
		if (g < 0) {
			rc = wfail(err, w, SC_EIO, slots[i], "cannot create");
			goto out;
		}
		H5Gclose(g);
	}
	if (w->close_failed || H5Fflush(w->h.f, H5F_SCOPE_GLOBAL) < 0 || H5Fclose(w->h.f) < 0) {
		if (w->close_failed)
			H5Fclose(w->h.f);
		w->h.f = -1;
		rc = wfail(err, w, SC_EIO, NULL, "cannot write the file");
		goto out;
	}
	w->h.f = -1;
	if ((rc = publish(w->tmp, w->path, err)))
		goto out;
	free(w->tmp);
	w->tmp = NULL;
	w->closed = 1;
out:
	sc_h5ad_writer_free(w);
	return rc;
}

void sc_h5ad_writer_free(sc_h5ad_writer *w)
{
	if (!w)
		return;
	hid_t ids[] = { w->sdata, w->sind, w->sptr };
	for (int i = 0; i < 3; i++)
		if (ids[i] >= 0)
			H5Dclose(ids[i]);
	if (w->sg >= 0)
		H5Gclose(w->sg);
	if (w->h.f >= 0)
		H5Fclose(w->h.f);
	if (w->tmp)
		unlink(w->tmp);
	H5Pclose(w->gcpl);
	H5Pclose(w->dcpl_plain);
	H5Tclose(w->str_t);
	H5Tclose(w->bool_t);
	H5Eclear2(H5E_DEFAULT);
	sc_h5ad_strings_free(w->obs.cols, w->obs.ncols);
	sc_h5ad_strings_free(w->var.cols, w->var.ncols);
	for (size_t i = 0; i < w->nmats; i++)
		free(w->mats[i].path);
	free(w->mats);
	free(w->spath);
	free(w->tmp);
	free(w->path);
	free(w);
}

void sc_h5ad_writer_set_gzip(sc_h5ad_writer *w, int level)
{
	w->gzip = level < 0 ? 0 : level > 9 ? 9 : level;
}

/* ---- data frames ---- */

static wframe *frame_of(sc_h5ad_writer *w, const char *df, sc_err *err)
{
	if (!strcmp(df, "obs"))
		return &w->obs;
	if (!strcmp(df, "var"))
		return &w->var;
	wfail(err, w, SC_EINVAL, df, "not a data frame (obs or var)");
	return NULL;
}

int sc_h5ad_write_index(sc_h5ad_writer *w, const char *df, char *const *names, size_t n, sc_err *err)
{
	wframe *fr = frame_of(w, df, err);
	if (!fr)
		return SC_EINVAL;
	if (fr->present)
		return wfail(err, w, SC_EEXISTS, df, "already has an index");
	hid_t g = H5Gcreate2(w->h.f, df, H5P_DEFAULT, w->gcpl, H5P_DEFAULT);
	int r = g < 0 || attr_enc(w, g, "dataframe", "0.2.0") || attr_str(g, "_index", "_index", w->str_t) ||
		write_strings_ds(w, g, "_index", names, n);
	if (g >= 0)
		H5Gclose(g);
	if (r)
		return wfail(err, w, SC_EIO, df, "cannot write the index");
	fr->present = 1;
	fr->n = n;
	fr->dirty = 1;
	return 0;
}

/* Open df for a new column col of n values: checks and group handle. */
static hid_t column_begin(sc_h5ad_writer *w, const char *df, const char *col, size_t n, wframe **out,
			  sc_err *err)
{
	wframe *fr = frame_of(w, df, err);
	if (!fr)
		return -1;
	char elem[600];
	snprintf(elem, sizeof(elem), "%s/%s", df, col);
	if (!fr->present) {
		wfail(err, w, SC_EINVAL, df, "write the index before the columns");
		return -1;
	}
	if (fr->legacy) {
		wfail(err, w, SC_EINVAL, df, "a pre-0.7 (compound) data frame cannot take columns; rewrite "
					     "the file with anndata first");
		return -1;
	}
	if (n != fr->n) {
		wfail(err, w, SC_EINVAL, elem, "%zu values for %zu rows", n, fr->n);
		return -1;
	}
	if (!col[0] || strchr(col, '/') || !strcmp(col, "_index") || !strcmp(col, "__categories")) {
		wfail(err, w, SC_EINVAL, elem, "not a valid column name");
		return -1;
	}
	hid_t g = H5Gopen2(w->h.f, df, H5P_DEFAULT);
	if (g >= 0 && sc_h5ad_exists(g, col)) {
		H5Gclose(g);
		wfail(err, w, SC_EEXISTS, elem, "column exists");
		return -1;
	}
	*out = fr;
	return g;
}

static int column_end(sc_h5ad_writer *w, wframe *fr, hid_t g, const char *df, const char *col, int r,
		      sc_err *err)
{
	H5Gclose(g);
	if (r)
		return wfail(err, w, SC_EIO, NULL, "%s/%s: cannot write the column", df, col);
	fr->cols = sc_xrealloc(fr->cols, (fr->ncols + 1) * sizeof(char *));
	fr->cols[fr->ncols++] = sc_xstrdup(col);
	fr->dirty = 1;
	return 0;
}

int sc_h5ad_write_categorical(sc_h5ad_writer *w, const char *df, const char *col, const int32_t *codes,
			      size_t n, char *const *cats, size_t ncat, int ordered, sc_err *err)
{
	wframe *fr;
	for (size_t i = 0; i < n; i++)
		if (codes[i] < -1 || (codes[i] >= 0 && (size_t)codes[i] >= ncat))
			return wfail(err, w, SC_EINVAL, NULL, "%s/%s: code %d at row %zu outside [-1, %zu)", df, col,
				     codes[i], i, ncat);
	hid_t g = column_begin(w, df, col, n, &fr, err);
	if (g < 0)
		return err ? err->code : SC_ERR;
	/* The smallest signed type that holds the codes, as pandas picks. */
	hid_t ct = ncat < 128 ? H5T_STD_I8LE : ncat < 32768 ? H5T_STD_I16LE : H5T_STD_I32LE;
	hid_t c = H5Gcreate2(g, col, H5P_DEFAULT, w->gcpl, H5P_DEFAULT);
	hsize_t d = n;
	int r = c < 0 || attr_enc(w, c, "categorical", "0.2.0") || attr_bool(w, c, "ordered", ordered) ||
		write_ds(w, c, "codes", ct, H5T_NATIVE_INT32, 1, &d, codes, "array") ||
		write_strings_ds(w, c, "categories", cats, ncat);
	if (c >= 0)
		H5Gclose(c);
	return column_end(w, fr, g, df, col, r, err);
}

int sc_h5ad_write_strings(sc_h5ad_writer *w, const char *df, const char *col, char *const *s, size_t n,
			  sc_err *err)
{
	wframe *fr;
	hid_t g = column_begin(w, df, col, n, &fr, err);
	if (g < 0)
		return err ? err->code : SC_ERR;
	return column_end(w, fr, g, df, col, write_strings_ds(w, g, col, s, n), err);
}

static int write_column(sc_h5ad_writer *w, const char *df, const char *col, hid_t ftype, hid_t mtype,
			const void *v, size_t n, sc_err *err)
{
	wframe *fr;
	hid_t g = column_begin(w, df, col, n, &fr, err);
	if (g < 0)
		return err ? err->code : SC_ERR;
	hsize_t d = n;
	return column_end(w, fr, g, df, col, write_ds(w, g, col, ftype, mtype, 1, &d, v, "array"), err);
}

int sc_h5ad_write_float(sc_h5ad_writer *w, const char *df, const char *col, const double *v, size_t n,
			sc_err *err)
{
	return write_column(w, df, col, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v, n, err);
}

int sc_h5ad_write_int(sc_h5ad_writer *w, const char *df, const char *col, const int64_t *v, size_t n,
		      sc_err *err)
{
	return write_column(w, df, col, H5T_STD_I64LE, H5T_NATIVE_INT64, v, n, err);
}

int sc_h5ad_write_bool(sc_h5ad_writer *w, const char *df, const char *col, const uint8_t *v, size_t n,
		       sc_err *err)
{
	signed char *b = sc_xmalloc(n ? n : 1);
	for (size_t i = 0; i < n; i++)
		b[i] = v[i] != 0;
	int rc = write_column(w, df, col, w->bool_t, w->bool_t, b, n, err);
	free(b);
	return rc;
}

/* ---- matrices ---- */

static int check_new(sc_h5ad_writer *w, const char *path, sc_err *err)
{
	if (!path[0] || path[0] == '/' || path[strlen(path) - 1] == '/')
		return wfail(err, w, SC_EINVAL, path, "not a valid element path");
	if (sc_h5ad_exists(w->h.f, path))
		return wfail(err, w, SC_EEXISTS, path, "exists");
	/* A parent that is a dataset: pre-0.7 obsm/varm were compound datasets. */
	char *p = sc_xstrdup(path);
	int rc = 0;
	for (char *sl = strchr(p, '/'); sl && !rc; sl = strchr(sl + 1, '/')) {
		*sl = 0;
		H5O_info_t oi;
		if (sc_h5ad_exists(w->h.f, p) && H5Oget_info_by_name(w->h.f, p, &oi, H5P_DEFAULT) >= 0 &&
		    oi.type == H5O_TYPE_DATASET)
			rc = wfail(err, w, SC_EINVAL, path,
				   "'%s' is a dataset (a pre-0.7 layout) and cannot take new keys; rewrite the "
				   "file with anndata first", p);
		*sl = '/';
	}
	free(p);
	return rc;
}

int sc_h5ad_write_dense(sc_h5ad_writer *w, const char *path, const sc_dmat *m, sc_h5ad_dtype dtype,
			sc_err *err)
{
	int rc = check_new(w, path, err);
	if (rc)
		return rc;
	const char *leaf;
	hid_t g = parent_of(w, path, &leaf);
	if (g < 0)
		return wfail(err, w, SC_EIO, path, "cannot create the parent group");
	hid_t ft;
	dtype_enc(dtype, &ft);
	hsize_t d[2] = { m->rows, m->cols };
	int r = write_ds(w, g, leaf, ft, H5T_NATIVE_DOUBLE, 2, d, m->v, "array");
	H5Gclose(g);
	if (r)
		return wfail(err, w, SC_EIO, path, "cannot write");
	record_matrix(w, path, m->rows, m->cols);
	return 0;
}

static hid_t extendable(sc_h5ad_writer *w, hid_t g, const char *name, hid_t ftype)
{
	hsize_t d = 0, mx = H5S_UNLIMITED;
	hid_t sp = H5Screate_simple(1, &d, &mx);
	hid_t dcpl = dcpl_for(1, &d, 1, w->gzip);
	hid_t ds = H5Dcreate2(g, name, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	H5Pclose(dcpl);
	H5Sclose(sp);
	(void)w;
	return ds;
}

static int append(hid_t ds, hid_t memtype, const void *buf, hsize_t at, hsize_t n)
{
	if (n == 0)
		return 0;
	hsize_t size = at + n;
	if (H5Dset_extent(ds, &size) < 0)
		return -1;
	hid_t fs = H5Dget_space(ds);
	hid_t ms = H5Screate_simple(1, &n, NULL);
	herr_t r = H5Sselect_hyperslab(fs, H5S_SELECT_SET, &at, NULL, &n, NULL);
	if (r >= 0)
		r = H5Dwrite(ds, memtype, ms, fs, H5P_DEFAULT, buf);
	H5Sclose(ms);
	H5Sclose(fs);
	return r < 0 ? -1 : 0;
}

int sc_h5ad_csr_begin(sc_h5ad_writer *w, const char *path, size_t cols, sc_h5ad_dtype dtype, sc_err *err)
{
	if (w->sg >= 0)
		return wfail(err, w, SC_EINVAL, path, "another sparse stream (%s) is open", w->spath);
	int rc = check_new(w, path, err);
	if (rc)
		return rc;
	if (cols > INT32_MAX)
		return wfail(err, w, SC_EINVAL, path, "%zu columns exceed 2^31", cols);
	w->sg = make_group(w, path, "csr_matrix", "0.1.0");
	if (w->sg < 0)
		return wfail(err, w, SC_EIO, path, "cannot create");
	hid_t ft;
	dtype_enc(dtype, &ft);
	w->sdata = extendable(w, w->sg, "data", ft);
	w->sind = extendable(w, w->sg, "indices", H5T_STD_I32LE);
	w->sptr = extendable(w, w->sg, "indptr", H5T_STD_I64LE);
	int64_t zero = 0;
	if (w->sdata < 0 || w->sind < 0 || w->sptr < 0 || append(w->sptr, H5T_NATIVE_INT64, &zero, 0, 1) < 0)
		return wfail(err, w, SC_EIO, path, "cannot create");
	w->spath = sc_xstrdup(path);
	w->srows = 0;
	w->scols = cols;
	w->snnz = 0;
	return 0;
}

int sc_h5ad_csr_append(sc_h5ad_writer *w, const sc_csr *b, sc_err *err)
{
	if (w->sg < 0)
		return wfail(err, w, SC_EINVAL, NULL, "no sparse stream open");
	if (b->cols != w->scols)
		return wfail(err, w, SC_EINVAL, w->spath, "block has %zu columns, not %zu", b->cols, w->scols);
	size_t nnz = sc_csr_nnz(b);
	for (size_t i = 0; i < b->rows; i++)
		if (b->indptr[i + 1] < b->indptr[i])
			return wfail(err, w, SC_EINVAL, w->spath, "block indptr decreases at row %zu", i);
	for (size_t k = 0; k < nnz; k++)
		if (b->indices[k] < 0 || (size_t)b->indices[k] >= w->scols)
			return wfail(err, w, SC_EINVAL, w->spath, "block index %d outside [0, %zu)", b->indices[k],
				     w->scols);
	int64_t *ptr = sc_xmalloc((b->rows ? b->rows : 1) * sizeof(int64_t));
	for (size_t i = 0; i < b->rows; i++)
		ptr[i] = w->snnz + b->indptr[i + 1] - b->indptr[0];
	int bad = append(w->sdata, H5T_NATIVE_DOUBLE, b->data + b->indptr[0], (hsize_t)w->snnz, nnz) ||
		  append(w->sind, H5T_NATIVE_INT32, b->indices + b->indptr[0], (hsize_t)w->snnz, nnz) ||
		  append(w->sptr, H5T_NATIVE_INT64, ptr, (hsize_t)w->srows + 1, b->rows);
	free(ptr);
	if (bad)
		return wfail(err, w, SC_EIO, w->spath, "cannot append rows");
	w->srows += b->rows;
	w->snnz += (int64_t)nnz;
	return 0;
}

int sc_h5ad_csr_end(sc_h5ad_writer *w, sc_err *err)
{
	if (w->sg < 0)
		return wfail(err, w, SC_EINVAL, NULL, "no sparse stream open");
	hsize_t d = 2;
	int64_t shape[2] = { (int64_t)w->srows, (int64_t)w->scols };
	hid_t sp = H5Screate_simple(1, &d, NULL);
	hid_t a = H5Acreate2(w->sg, "shape", H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
	herr_t r = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_INT64, shape);
	if (a >= 0)
		H5Aclose(a);
	H5Sclose(sp);
	close_dataset(w, w->sdata);
	close_dataset(w, w->sind);
	close_dataset(w, w->sptr);
	H5Gclose(w->sg);
	w->sg = w->sdata = w->sind = w->sptr = -1;
	record_matrix(w, w->spath, w->srows, w->scols);
	char *p = w->spath;
	w->spath = NULL;
	int rc = r < 0 ? wfail(err, w, SC_EIO, p, "cannot write the shape") : 0;
	free(p);
	return rc;
}

int sc_h5ad_write_csr(sc_h5ad_writer *w, const char *path, const sc_csr *m, sc_h5ad_dtype dtype, sc_err *err)
{
	int rc = sc_h5ad_csr_begin(w, path, m->cols, dtype, err);
	if (!rc)
		rc = sc_h5ad_csr_append(w, m, err);
	if (!rc)
		rc = sc_h5ad_csr_end(w, err);
	return rc;
}

/* ---- uns ---- */

static int uns_scalar(sc_h5ad_writer *w, const char *key, hid_t ftype, hid_t mtype, const void *v,
		      const char *enc, sc_err *err)
{
	char *path = sc_xasprintf("uns/%s", key);
	int rc = check_new(w, path, err);
	const char *leaf;
	hid_t g = rc ? -1 : parent_of(w, path, &leaf);
	if (!rc && g < 0)
		rc = wfail(err, w, SC_EIO, path, "cannot create the parent group");
	if (!rc) {
		hid_t sp = H5Screate(H5S_SCALAR);
		hid_t d = H5Dcreate2(g, leaf, ftype, sp, H5P_DEFAULT, w->dcpl_plain, H5P_DEFAULT);
		if (d < 0 || H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0 || attr_enc(w, d, enc, "0.2.0"))
			rc = wfail(err, w, SC_EIO, path, "cannot write");
		if (d >= 0)
			close_dataset(w, d);
		H5Sclose(sp);
	}
	if (g >= 0)
		H5Gclose(g);
	free(path);
	return rc;
}

int sc_h5ad_write_uns_string(sc_h5ad_writer *w, const char *key, const char *v, sc_err *err)
{
	return uns_scalar(w, key, w->str_t, w->str_t, &v, "string", err);
}

int sc_h5ad_write_uns_float(sc_h5ad_writer *w, const char *key, double v, sc_err *err)
{
	return uns_scalar(w, key, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v, "numeric-scalar", err);
}

int sc_h5ad_write_uns_int(sc_h5ad_writer *w, const char *key, int64_t v, sc_err *err)
{
	return uns_scalar(w, key, H5T_STD_I64LE, H5T_NATIVE_INT64, &v, "numeric-scalar", err);
}

int sc_h5ad_write_uns_strings(sc_h5ad_writer *w, const char *key, char *const *s, size_t n, sc_err *err)
{
	char *path = sc_xasprintf("uns/%s", key);
	int rc = check_new(w, path, err);
	const char *leaf;
	hid_t g = rc ? -1 : parent_of(w, path, &leaf);
	if (!rc && (g < 0 || write_strings_ds(w, g, leaf, s, n)))
		rc = wfail(err, w, SC_EIO, path, "cannot write");
	if (g >= 0)
		H5Gclose(g);
	free(path);
	return rc;
}
