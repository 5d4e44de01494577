/*
 * h5ad_probe.c - read, in a child process with a time limit, what libhdf5
 * 1.10 has been seen to crash or hang on in corrupt files: every
 * attribute, and every dataset of variable-length strings (both decode
 * the global heap; tests/fuzz/README.md, "libhdf5 findings"). The planner
 * probes each dataset of a spec before it opens it in its own process, so
 * that a hostile file ends a run with a one-line error instead of a crash
 * or a hang. Numeric data are not read: that would cost a pass over
 * gigabytes, and no crash was found there.
 */
#include "h5ad_impl.h"
#include "util/child.h"
#include "util/fs.h"
#include "util/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Values read in one go at most (variable-length ones count 16 bytes each). */
#define PROBE_MAX ((hsize_t)64 << 20)

static void read_values(hid_t obj, int is_attr)
{
	hid_t t = is_attr ? H5Aget_type(obj) : H5Dget_type(obj);
	hid_t sp = is_attr ? H5Aget_space(obj) : H5Dget_space(obj);
	hid_t mt = -1;
	if (t >= 0 && H5Tis_variable_str(t) > 0) {
		/* As the reader asks for them (h5ad_io.c): C strings in the file's cset. */
		mt = H5Tcopy(H5T_C_S1);
		H5Tset_size(mt, H5T_VARIABLE);
		H5Tset_cset(mt, H5Tget_cset(t));
	} else if (t >= 0) {
		mt = H5Tget_native_type(t, H5T_DIR_DEFAULT);
	}
	hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
	int vlen = mt >= 0 && (H5Tis_variable_str(mt) > 0 || H5Tdetect_class(mt, H5T_VLEN) > 0);
	size_t es = mt >= 0 ? H5Tget_size(mt) : 0;
	if (n > 0 && es && (is_attr || vlen) && (hsize_t)n * (es > 16 ? es : 16) <= PROBE_MAX) {
		void *buf = calloc((size_t)n, es);
		herr_t r = !buf ? -1 : is_attr ? H5Aread(obj, mt, buf)
					   : H5Dread(obj, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
		if (r >= 0 && vlen)
			H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf);
		free(buf);
	}
	if (mt >= 0)
		H5Tclose(mt);
	if (sp >= 0)
		H5Sclose(sp);
	if (t >= 0)
		H5Tclose(t);
	H5Eclear2(H5E_DEFAULT);
}

static herr_t visit_attr(hid_t o, const char *name, const H5A_info_t *info, void *data)
{
	(void)info;
	(void)data;
	hid_t a = H5Aopen(o, name, H5P_DEFAULT);
	if (a >= 0) {
		read_values(a, 1);
		H5Aclose(a);
	}
	return 0;
}

static herr_t visit_obj(hid_t f, const char *name, const H5O_info_t *info, void *data)
{
	hid_t o = H5Oopen(f, name, H5P_DEFAULT);
	if (o < 0) {
		/* An object header that does not decode: the file is damaged. */
		char **bad = data;
		if (!*bad)
			*bad = sc_xstrdup(name);
		H5Eclear2(H5E_DEFAULT);
		return 0;
	}
	H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, visit_attr, NULL);
	if (info->type == H5O_TYPE_DATASET)
		read_values(o, 0);
	H5Oclose(o);
	H5Eclear2(H5E_DEFAULT);
	return 0;
}

/* In the child: exit status 0, or 1 with the first object whose header
 * does not decode on stdout. What an attribute or a string holds is left
 * to the reader; a crash or a hang is for the parent to tell. */
static int probe_child(void *arg)
{
	const char *path = arg;
	sc_h5ad_quiet();
	if (H5Fis_hdf5(path) <= 0)
		return 0;
	hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (f < 0)
		return 0;
	char *bad = NULL;
	if (H5Ovisit2(f, H5_INDEX_NAME, H5_ITER_NATIVE, visit_obj, &bad, H5O_INFO_BASIC) < 0 && !bad)
		bad = sc_xstrdup("/");
	H5Eclear2(H5E_DEFAULT);
	if (bad)
		fputs(bad, stdout);
	free(bad);
	return bad ? 1 : 0;
}

int sc_h5ad_probe(const char *path, sc_err *err)
{
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0; /* the reader says what is wrong */
	sc_child_result r;
	int rc = sc_child_run(&r, probe_child, (void *)path, sc_read_timeout((uint64_t)st.st_size), err);
	if (!rc)
		rc = sc_child_blame(&r, sc_path_basename(path), "libhdf5", err);
	if (!rc && r.status == 1 && (!r.out_len || !strcmp(r.out, "/")))
		rc = sc_errf(err, SC_ECORRUPT, "'%s': its HDF5 structure cannot be read: the file is corrupt",
			     sc_path_basename(path));
	else if (!rc && r.status == 1)
		rc = sc_errf(err, SC_ECORRUPT, "'%s': %s: cannot be read: the file is corrupt",
			     sc_path_basename(path), r.out);
	else if (!rc && r.status != 0)
		rc = sc_errf(err, SC_ERR, "'%s': could not be checked (exit status %d)",
			     sc_path_basename(path), r.status);
	sc_child_result_free(&r);
	return rc;
}
