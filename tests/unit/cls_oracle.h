/*
 * cls_oracle.h - shared by the test_cls_* programs: run a Python oracle
 * script under tests/oracle/ (Debian's python3 with sklearn) on an input
 * file and look up the values it wrote ("ID NAME VALUE" lines).
 * Include after unit.h. The tests run from the repository root (tests/run.sh
 * changes there), which is where the oracle paths are resolved.
 */
#ifndef SC_CLS_ORACLE_H
#define SC_CLS_ORACLE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct cls_expect {
	size_t n, cap, cursor; /* lookups start after the last hit */
	char **key; /* "ID NAME" */
	double *val;
} cls_expect;

/* A fresh temporary file name (the file exists, empty). Caller frees and unlinks. */
static char *cls_tmpfile(const char *tag)
{
	const char *dir = getenv("TMPDIR");
	char *p = malloc(4096);
	snprintf(p, 4096, "%s/sceval-%s.XXXXXX", dir ? dir : "/tmp", tag);
	int fd = mkstemp(p);
	if (fd < 0) {
		free(p);
		return NULL;
	}
	close(fd);
	return p;
}

/* Does the oracle interpreter have sklearn? Cached. */
static int cls_have_sklearn(void)
{
	static int have = -1;
	if (have < 0) {
		char cmd[4200];
		snprintf(cmd, sizeof(cmd), "'%s' -c 'import sklearn, numpy' >/dev/null 2>&1",
			 unit_python());
		have = system(cmd) == 0;
	}
	return have;
}

/* Runs tests/oracle/SCRIPT IN OUT ARGS; 0 on success. */
static int cls_run_oracle(const char *script, const char *in, const char *out, const char *args)
{
	char path[1024];
	snprintf(path, sizeof(path), "tests/oracle/%s", script);
	if (access(path, R_OK) != 0)
		return -1;
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "'%s' '%s' '%s' '%s' %s", unit_python(), path, in, out,
		 args ? args : "");
	return system(cmd) == 0 ? 0 : -1;
}

static int cls_expect_load(cls_expect *e, const char *path)
{
	memset(e, 0, sizeof(*e));
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[1024];
	while (fgets(line, sizeof(line), f)) {
		char id[256], name[256], v[128];
		if (sscanf(line, "%255s %255s %127s", id, name, v) != 3)
			continue;
		if (e->n == e->cap) {
			e->cap = e->cap ? 2 * e->cap : 256;
			e->key = realloc(e->key, e->cap * sizeof(char *));
			e->val = realloc(e->val, e->cap * sizeof(double));
		}
		size_t l = strlen(id) + strlen(name) + 2;
		e->key[e->n] = malloc(l);
		snprintf(e->key[e->n], l, "%s %s", id, name);
		e->val[e->n] = strtod(v, NULL); /* "nan" parses to NaN */
		e->n++;
	}
	fclose(f);
	return 0;
}

/* Value for (id, name); NAN and a failed check when missing. */
static double cls_expect_get(cls_expect *e, const char *id, const char *name)
{
	char k[600];
	snprintf(k, sizeof(k), "%s %s", id, name);
	for (size_t t = 0; t < e->n; t++) {
		size_t i = (e->cursor + t) % e->n;
		if (strcmp(e->key[i], k) == 0) {
			e->cursor = i + 1;
			return e->val[i];
		}
	}
	OK(0, "oracle has a value for '%s'", k);
	return NAN;
}

static void cls_expect_free(cls_expect *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->key[i]);
	free(e->key);
	free(e->val);
	memset(e, 0, sizeof(*e));
}

#endif
