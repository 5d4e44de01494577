/*
 * scib_oracle.h - running tests/oracle/scib_ref.py for the scIB metric
 * tests, and small comparison helpers. The binary layout and the loaders
 * are core_oracle.h's.
 */
#ifndef SC_SCIB_ORACLE_H
#define SC_SCIB_ORACLE_H

#include "core_oracle.h"

/* `PYTHON tests/oracle/scib_ref.py CMD DIR DATA ARGS`; the directory or NULL */
static __attribute__((unused)) char *scib_oracle(const char *cmd, const char *args)
{
	const char *data = unit_testdata();
	if (!data)
		return NULL;
	char tmpl[] = "/tmp/sceval-scib-XXXXXX";
	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		return NULL;
	}
	char line[8192];
	snprintf(line, sizeof(line), "'%s' tests/oracle/scib_ref.py %s '%s' '%s' %s",
		 unit_python(), cmd, tmpl, data, args ? args : "");
	int st = system(line);
	if (st != 0) {
		printf("# oracle failed (status %d): %s\n", st, line);
		oracle_done(strdup(tmpl));
		return NULL;
	}
	return strdup(tmpl);
}

/* an int32 column vector from the oracle as sc_labels with ncat categories */
static __attribute__((unused)) int scib_labels(sc_labels *l, const char *dir, const char *name,
					      size_t ncat)
{
	size_t r = 0, c = 0;
	memset(l, 0, sizeof(*l));
	l->codes = oracle_imat(&r, &c, dir, name);
	if (!l->codes)
		return -1;
	l->n = r * c;
	l->ncat = ncat;
	return 0;
}

/* largest |a - b| over n values where both are finite; count of NaN mismatches */
static __attribute__((unused)) double scib_maxdiff(const double *a, const double *b, size_t n,
						  size_t *nan_mismatch)
{
	double m = 0;
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(a[i]) || isnan(b[i])) {
			bad += isnan(a[i]) != isnan(b[i]);
			continue;
		}
		double d = fabs(a[i] - b[i]);
		if (d > m || isnan(d))
			m = d;
	}
	if (nan_mismatch)
		*nan_mismatch = bad;
	return m;
}

#endif
