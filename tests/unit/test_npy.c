/*
 * test_npy.c - io/npy.c against files written by numpy itself
 * (tests/oracle/npy_dtypes.py): every numeric dtype numpy saves, both byte
 * orders, C and Fortran order, vectors and matrices. The expected values
 * are numpy's own astype(float64) of what it reads back, so equality is
 * exact (every conversion is exact or rounds to nearest like C's cast).
 * The dtypes sceval cannot hold are refused with a message naming them.
 */
#include "io/npy.h"
#include "unit.h"

#include <dirent.h>

static char dir[64];

/* The expected file: header line, then values in C order. */
static int read_want(const char *path, size_t *ndim, size_t *rows, size_t *cols, int *fortran,
		     char *kind, double **vals)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int rc = -1;
	if (fscanf(f, "%zu %zu %zu %d %c", ndim, rows, cols, fortran, kind) != 5)
		goto out;
	size_t n = *rows * *cols;
	*vals = malloc(sizeof(double) * (n + 1));
	char tok[64];
	for (size_t i = 0; i < n; i++) {
		if (fscanf(f, "%63s", tok) != 1)
			goto out;
		(*vals)[i] = strtod(tok, NULL); /* "nan", "inf", "-0.0" included */
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

static int same(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return a == b && signbit(a) == signbit(b);
}

static void check_case(const char *name)
{
	char p[512], w[512];
	snprintf(p, sizeof(p), "%s/%s.npy", dir, name);
	snprintf(w, sizeof(w), "%s/%s.want", dir, name);
	size_t ndim, rows, cols;
	int fortran;
	char kind;
	double *want = NULL;
	if (read_want(w, &ndim, &rows, &cols, &fortran, &kind, &want)) {
		OK(0, "%s: expected values readable", name);
		free(want);
		return;
	}
	sc_dmat m = { 0 };
	sc_npy_info in;
	sc_err err = { 0 };
	int rc = sc_npy_load(&m, &in, p, &err);
	OK(rc == 0, "%s: read%s%s", name, rc ? ": " : "", rc ? err.msg : "");
	if (rc) {
		free(want);
		return;
	}
	OK(m.rows == rows && m.cols == cols && in.ndim == ndim && in.fortran == fortran &&
		   in.kind == kind,
	   "%s: shape %zux%zu (%zu-D), %s order, kind '%c'", name, m.rows, m.cols, in.ndim,
	   in.fortran ? "Fortran" : "C", in.kind);
	size_t bad = 0, first = 0;
	for (size_t i = 0; i < rows * cols && m.rows == rows && m.cols == cols; i++)
		if (!same(m.v[i], want[i]) && !bad++)
			first = i;
	OK(bad == 0, "%s: all %zu values equal numpy's", name, rows * cols);
	if (bad)
		printf("#   %zu differ; first at %zu: got %.17g want %.17g\n", bad, first, m.v[first],
		       want[first]);
	if (ndim == 1) {
		sc_dmat m2 = { 0 };
		OK(sc_npy_read(&m2, p, &err) == SC_EINVAL && strstr(err.msg, "expected a 2-D array"),
		   "%s: sc_npy_read refuses a vector: %s", name, err.msg);
		sc_dmat_free(&m2);
	}
	sc_dmat_free(&m);
	free(want);
}

static void check_refused(void)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/refused.txt", dir);
	FILE *f = fopen(p, "r");
	OK(f != NULL, "list of refused dtypes written");
	if (!f)
		return;
	char line[512];
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = 0;
		char path[600];
		snprintf(path, sizeof(path), "%s/%s.npy", dir, line);
		sc_dmat m = { 0 };
		sc_err err = { 0 };
		int rc = sc_npy_load(&m, NULL, path, &err);
		OK(rc == SC_EINVAL && strstr(err.msg, tab + 1) && strstr(err.msg, line),
		   "%s refused, naming the file and saying '%s': %s", line, tab + 1, err.msg);
		sc_dmat_free(&m);
		n++;
	}
	fclose(f);
	OK(n >= 10, "%d refused cases checked", n);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sceval-npy.XXXXXX");
	if (!mkdtemp(dir)) {
		OK(0, "temporary directory");
		return 1;
	}
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "%s tests/oracle/npy_dtypes.py %s", unit_python(), dir);
	if (system(cmd) != 0) {
		OK(0, "numpy writes the test files (%s)", cmd);
		return 1;
	}
	DIR *d = opendir(dir);
	struct dirent *e;
	int cases = 0;
	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len > 5 && !strcmp(e->d_name + len - 5, ".want")) {
			char name[256];
			snprintf(name, sizeof(name), "%.*s", (int)(len - 5), e->d_name);
			check_case(name);
			cases++;
		}
	}
	if (d)
		closedir(d);
	/* 12 dtypes x 3 shapes, 9 of them in both byte orders, and 2 more */
	OK(cases == 3 * (12 + 9) + 2, "%d readable cases checked", cases);
	char v2[600];
	snprintf(v2, sizeof(v2), "%s/v2.npy", dir);
	sc_dmat m = { 0 };
	sc_err err = { 0 };
	OK(sc_npy_is(v2) && sc_npy_read(&m, v2, &err) == 0 && m.rows == 3 && m.cols == 2,
	   "np.save's default format reads as 3 x 2");
	sc_dmat_free(&m);
	check_refused();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return unit_done();
}
