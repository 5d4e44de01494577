/*
 * unit.h - the smallest test harness that works: each check prints
 * "ok - ..." or "not ok - ... (file:line)"; tests/run.sh counts the lines.
 * Include once per test program (definitions are static).
 */
#ifndef SC_UNIT_H
#define SC_UNIT_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int unit_failures_;

static void unit_report(int pass, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void unit_report(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	printf(pass ? "ok - " : "not ok - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!pass) {
		printf(" (%s:%d)", file, line);
		unit_failures_++;
	}
	printf("\n");
	fflush(stdout);
}

#define OK(cond, ...) unit_report(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define SKIP(...) (printf("skip - "), printf(__VA_ARGS__), printf("\n"))
/* |a - b| <= tol * max(1, |b|) : relative for large values, absolute near 0 */
#define NEAR(a, b, tol, ...)                                                           \
	do {                                                                           \
		double a_ = (a), b_ = (b), t_ = (tol);                                 \
		double s_ = fabs(b_) > 1 ? fabs(b_) : 1;                               \
		int p_ = (isnan(a_) && isnan(b_)) || fabs(a_ - b_) <= t_ * s_;        \
		unit_report(p_, __FILE__, __LINE__, __VA_ARGS__);                      \
		if (!p_)                                                               \
			printf("#   got %.17g want %.17g\n", a_, b_);                    \
	} while (0)

/* Directory of the real test data, or NULL (tests then SKIP). */
static inline const char *unit_testdata(void)
{
	const char *d = getenv("SCEVAL_TESTDATA");
	if (!d)
		d = "../shared/data";
	return access(d, R_OK) == 0 ? d : NULL;
}

/* Path of a data file, or NULL when absent. Static buffer: use before the next call. */
static inline const char *unit_datafile(const char *name)
{
	static char buf[4096];
	const char *d = unit_testdata();
	if (!d)
		return NULL;
	snprintf(buf, sizeof(buf), "%s/%s", d, name);
	return access(buf, R_OK) == 0 ? buf : NULL;
}

static inline const char *unit_python(void)
{
	const char *p = getenv("PYTHON");
	return p ? p : "/usr/bin/python3";
}

static inline int unit_done(void)
{
	return 0; /* failures are counted by the driver from the "not ok" lines */
}

#endif
