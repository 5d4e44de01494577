/*
 * fuzz_h5ad_struct.c - the .h5ad reader on files built at the HDF5 level
 * from the input, rather than on flipped bytes (which mostly break HDF5's
 * own checksums and never reach our checks). The input is a script of
 * choices: the shapes obs and var declare, X as CSR, CSC or dense with
 * each array's length, dtype and values (indptr not monotone or missing,
 * indices out of range, a shape attribute overflowing size_t), a
 * categorical whose codes go below -1 or past its categories, strings
 * that are not UTF-8, an obsm of the wrong height, and dense dimensions of
 * 2^40 that no file could hold. Then the same reads as fuzz_h5ad.c.
 *
 * Built on libhdf5 directly (not the h5ad writer, which refuses such
 * files). Every choice reads the input byte by byte; an exhausted input
 * reads as zeros, so every prefix of an input is a valid script.
 */
#include <hdf5.h>

#include "fuzz_h5ad_reads.h"

typedef struct script {
	const uint8_t *p;
	size_t n;
} script;

static unsigned u8(script *s)
{
	if (!s->n)
		return 0;
	s->n--;
	return *s->p++;
}

/* A number: small ones mostly, then the edges that break arithmetic. */
static int64_t num(script *s, int64_t near)
{
	unsigned c = u8(s);
	switch (c % 16) {
	case 0: return 0;
	case 1: return 1;
	case 2: return -1;
	case 3: return -2;
	case 4: return near;
	case 5: return near + 1;
	case 6: return near - 1;
	case 7: return INT64_MAX;
	case 8: return INT64_MIN;
	case 9: return (int64_t)1 << 31;
	case 10: return (int64_t)1 << 32;
	case 11: return (int64_t)1 << 62;
	default: return (int64_t)(c >> 4) + (int64_t)(u8(s) % 8);
	}
}

static hid_t str_type(void)
{
	hid_t t = H5Tcopy(H5T_C_S1);
	H5Tset_size(t, H5T_VARIABLE);
	H5Tset_cset(t, H5T_CSET_UTF8);
	return t;
}

static void attr_str(hid_t o, const char *name, const char *v)
{
	hid_t t = str_type(), sp = H5Screate(H5S_SCALAR);
	hid_t a = H5Acreate2(o, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
	H5Awrite(a, t, &v);
	H5Aclose(a);
	H5Sclose(sp);
	H5Tclose(t);
}

static void encoding(hid_t o, const char *type, const char *version)
{
	attr_str(o, "encoding-type", type);
	attr_str(o, "encoding-version", version);
}

static void attr_i64(hid_t o, const char *name, const int64_t *v, hsize_t n)
{
	hid_t sp = H5Screate_simple(1, &n, NULL);
	hid_t a = H5Acreate2(o, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
	H5Awrite(a, H5T_NATIVE_INT64, v);
	H5Aclose(a);
	H5Sclose(sp);
}

/* The stored integer and float types a file may use. */
static hid_t num_type(script *s)
{
	static const hid_t *const t[] = { &H5T_STD_I8LE_g,  &H5T_STD_I16LE_g, &H5T_STD_I32LE_g,
					  &H5T_STD_I64LE_g, &H5T_STD_U8LE_g,  &H5T_STD_U64LE_g,
					  &H5T_IEEE_F32LE_g, &H5T_IEEE_F64LE_g, &H5T_STD_I64BE_g };
	return *t[u8(s) % (sizeof(t) / sizeof(t[0]))];
}

/* A 1-D dataset of n values (near: the value that would be right). */
static void ints(hid_t g, const char *name, script *s, hsize_t n, int64_t near)
{
	hid_t type = num_type(s);
	int64_t *v = sc_xcalloc(n ? n : 1, sizeof(int64_t));
	for (hsize_t i = 0; i < n; i++)
		v[i] = u8(s) & 1 ? num(s, near) : (int64_t)i * near / (int64_t)(n ? n : 1);
	hid_t sp = H5Screate_simple(1, &n, NULL);
	hid_t d = H5Dcreate2(g, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
	H5Dclose(d);
	H5Sclose(sp);
	free(v);
}

/* n strings, some not UTF-8, some empty. */
static void strings(hid_t g, const char *name, script *s, hsize_t n)
{
	char **v = sc_xcalloc(n ? n : 1, sizeof(char *));
	for (hsize_t i = 0; i < n; i++) {
		unsigned c = u8(s);
		v[i] = c % 7 == 0 ? sc_xstrdup("\xff\xfe bad") : c % 7 == 1 ? sc_xstrdup("")
				  : sc_xasprintf("s%u", c % 5);
	}
	hid_t t = str_type();
	hid_t sp = H5Screate_simple(1, &n, NULL);
	hid_t d = H5Dcreate2(g, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
	H5Dclose(d);
	H5Sclose(sp);
	H5Tclose(t);
	for (hsize_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static hsize_t len(script *s, hsize_t right)
{
	unsigned c = u8(s) % 8;
	return c < 5 ? right : c == 5 ? (right ? right - 1 : 0) : c == 6 ? right + 1 : 0;
}

static void frame(hid_t f, const char *name, script *s, hsize_t n)
{
	hid_t g = H5Gcreate2(f, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	encoding(g, "dataframe", "0.2.0");
	attr_str(g, "_index", "_index");
	strings(g, "_index", s, len(s, n));
	if (u8(s) & 1) {
		hid_t c = H5Gcreate2(g, "cell_type", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
		encoding(c, "categorical", "0.2.0");
		hid_t sp = H5Screate(H5S_SCALAR);
		hid_t a = H5Acreate2(c, "ordered", H5T_NATIVE_HBOOL, sp, H5P_DEFAULT, H5P_DEFAULT);
		hbool_t no = 0;
		H5Awrite(a, H5T_NATIVE_HBOOL, &no);
		H5Aclose(a);
		H5Sclose(sp);
		hsize_t ncat = u8(s) % 4;
		ints(c, "codes", s, len(s, n), (int64_t)ncat);
		if (u8(s) % 8)
			strings(c, "categories", s, ncat);
		H5Gclose(c);
	}
	if (u8(s) & 1) {
		strings(g, "batch", s, len(s, n));
		hid_t d = H5Dopen2(g, "batch", H5P_DEFAULT);
		encoding(d, "string-array", "0.2.0");
		H5Dclose(d);
	}
	const char *order[] = { "cell_type", "batch" };
	hid_t t = str_type();
	hsize_t two = 2;
	hid_t sp = H5Screate_simple(1, &two, NULL);
	hid_t a = H5Acreate2(g, "column-order", t, sp, H5P_DEFAULT, H5P_DEFAULT);
	H5Awrite(a, t, order);
	H5Aclose(a);
	H5Sclose(sp);
	H5Tclose(t);
	H5Gclose(g);
}

static void sparse(hid_t f, const char *path, script *s, hsize_t rows, hsize_t cols)
{
	int csc = u8(s) & 1;
	hid_t g = H5Gcreate2(f, path, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	encoding(g, csc ? "csc_matrix" : "csr_matrix", "0.1.0");
	int64_t shape[3] = { (int64_t)rows, (int64_t)cols, 1 }; /* 3: a 3-D shape */
	if (u8(s) % 4 == 0)
		shape[u8(s) & 1] = num(s, (int64_t)rows);
	if (u8(s) % 8)
		attr_i64(g, "shape", shape, u8(s) % 8 ? 2 : 3);
	hsize_t major = csc ? cols : rows, minor = csc ? rows : cols;
	hsize_t nnz = u8(s) % 12;
	if (u8(s) % 8)
		ints(g, "indptr", s, len(s, major + 1), (int64_t)nnz);
	ints(g, "indices", s, len(s, nnz), (int64_t)minor);
	ints(g, "data", s, len(s, nnz), 3);
	H5Gclose(g);
}

static void dense(hid_t f, const char *path, script *s, hsize_t rows, hsize_t cols)
{
	hsize_t d[2] = { len(s, rows), len(s, cols) };
	hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
	if (u8(s) % 8 == 0) {
		/* Chunked and never written: a few bytes on disk for 2^80 values. */
		d[0] = d[1] = (hsize_t)1 << 40;
		hsize_t chunk[2] = { 16, 16 };
		H5Pset_chunk(dcpl, 2, chunk);
	}
	int rank = u8(s) % 8 ? 2 : 1;
	hid_t sp = H5Screate_simple(rank, d, NULL);
	hid_t ds = H5Dcreate2(f, path, num_type(s), sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	hsize_t npts = rank == 2 ? d[0] * d[1] : d[0];
	if (d[0] <= 4096 && d[1] <= 4096 && npts <= 4096) {
		double *v = sc_xcalloc(npts + 1, sizeof(double));
		for (hsize_t i = 0; i < npts; i++)
			v[i] = (double)(u8(s) % 5);
		H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
		free(v);
	}
	encoding(ds, "array", "0.2.0");
	H5Dclose(ds);
	H5Sclose(sp);
	H5Pclose(dcpl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	script s = { data, size };
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	char *p = sc_path_join(fuzz_dir(), "built.h5ad");
	hid_t f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	if (f < 0)
		abort();
	encoding(f, "anndata", "0.1.0");
	hsize_t rows = 1 + u8(&s) % 6, cols = 1 + u8(&s) % 6;
	frame(f, "obs", &s, rows);
	frame(f, "var", &s, cols);
	if (u8(&s) % 3)
		sparse(f, "X", &s, rows, cols);
	else
		dense(f, "X", &s, rows, cols);
	hid_t g = H5Gcreate2(f, "obsm", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	encoding(g, "dict", "0.1.0");
	H5Gclose(g);
	if (u8(&s) & 1)
		dense(f, "obsm/X_emb", &s, rows, 2);
	if (u8(&s) & 1) {
		g = H5Gcreate2(f, "layers", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
		H5Gclose(g);
		sparse(f, "layers/counts", &s, rows, cols);
	}
	H5Fclose(f);
	fuzz_h5ad_reads(p);
	free(p);
	return 0;
}
