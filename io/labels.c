/*
 * labels.c - label vectors read from a text file (one value a line) or a
 * .npy vector of codes. Built for up to a few million lines: one pass to
 * read, one sort of pointers to find the categories, one binary search a
 * line to code it.
 */
#include "io/labels.h"
#include "io/npy.h"
#include "util/fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_codes(sc_labels *l, const char *path, const char *what, sc_err *err)
{
	sc_dmat v = { 0 };
	sc_npy_info in;
	int rc = sc_npy_load(&v, &in, path, err);
	if (rc)
		return rc;
	if (in.kind == 'f' || v.cols != 1) {
		sc_dmat_free(&v);
		return sc_errf(err, SC_EINVAL, "%s '%s' must be a vector of integer codes", what, path);
	}
	l->n = v.rows;
	l->codes = sc_xmalloc(sizeof(int32_t) * (v.rows + 1));
	int32_t mx = -1;
	for (size_t i = 0; i < v.rows; i++) {
		if (v.v[i] < 0 || v.v[i] > 2e9) {
			rc = sc_errf(err, SC_EINVAL, "%s code %g of cell %zu is invalid", what, v.v[i], i);
			break;
		}
		l->codes[i] = (int32_t)v.v[i];
		mx = l->codes[i] > mx ? l->codes[i] : mx;
	}
	sc_dmat_free(&v);
	if (rc) {
		sc_labels_free(l);
		return rc;
	}
	l->ncat = (size_t)(mx + 1);
	l->names = sc_xmalloc(sizeof(char *) * (l->ncat + 1));
	for (size_t k = 0; k < l->ncat; k++)
		l->names[k] = sc_xasprintf("%zu", k);
	return 0;
}

/* The lines of a file, line ends removed. */
static int read_lines(char ***out, size_t *n_out, const char *path, sc_err *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return sc_errsys(err, errno, "cannot open '%s'", path);
	char *line = NULL, **val = NULL;
	size_t cap = 0, n = 0, vcap = 0;
	ssize_t got;
	while ((got = getline(&line, &cap, f)) >= 0) {
		while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			line[--got] = 0;
		if (n == vcap) {
			vcap = vcap ? 2 * vcap : 1024;
			val = sc_xrealloc(val, sizeof(*val) * vcap);
		}
		val[n++] = sc_xstrdup(line);
	}
	int rc = ferror(f) ? sc_errsys(err, errno, "cannot read '%s'", path) : 0;
	free(line);
	fclose(f);
	*out = val;
	*n_out = n;
	return rc;
}

static int read_text(sc_labels *l, const char *path, const char *what, sc_err *err)
{
	char **val = NULL;
	size_t n = 0;
	int rc = read_lines(&val, &n, path, err);
	if (rc)
		goto out;
	char **sorted = sc_xmalloc(sizeof(char *) * (n + 1));
	memcpy(sorted, val, sizeof(char *) * n);
	qsort(sorted, n, sizeof(char *), cmp_str);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(sorted[i], sorted[i - 1]))
			sorted[k++] = sorted[i];
	l->n = n;
	l->ncat = k;
	l->codes = sc_xmalloc(sizeof(int32_t) * (n + 1));
	l->names = sc_xmalloc(sizeof(char *) * (k + 1));
	for (size_t j = 0; j < k; j++)
		l->names[j] = sc_xstrdup(sorted[j]);
	free(sorted);
	for (size_t i = 0; i < n; i++) {
		char **hit = bsearch(&val[i], l->names, k, sizeof(char *), cmp_str);
		l->codes[i] = (int32_t)(hit - l->names);
		if (!val[i][0] && !rc)
			rc = sc_errf(err, SC_EINVAL, "%s line %zu of '%s' is empty", what, i + 1, path);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(val[i]);
	free(val);
	if (rc)
		sc_labels_free(l);
	return rc;
}

int sc_labels_read_file(sc_labels *out, const char *path, const char *what, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	size_t len = strlen(path);
	if (len > 4 && !strcmp(path + len - 4, ".npy"))
		return read_codes(out, path, what, err);
	return read_text(out, path, what, err);
}
