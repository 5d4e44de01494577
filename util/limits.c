/*
 * limits.c - the memory limit and the read time limit (see limits.h).
 * Both are read from the environment on every call: they are asked for a
 * handful of times per command, and tests change them between commands.
 */
#include "limits.h"
#include "util/fmt.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sc_parse_size(uint64_t *out, const char *s)
{
	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v < 0)
		return -1;
	double mul = 1;
	switch (*end) {
	case 'k': case 'K': mul = 1024.0; end++; break;
	case 'm': case 'M': mul = 1024.0 * 1024; end++; break;
	case 'g': case 'G': mul = 1024.0 * 1024 * 1024; end++; break;
	case 't': case 'T': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
	default: break;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v * mul >= 18446744073709551615.0)
		return -1;
	*out = (uint64_t)(v * mul);
	return 0;
}

static uint64_t physical_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	if (pages <= 0 || size <= 0)
		return UINT64_MAX;
	return (uint64_t)pages * (uint64_t)size;
}

uint64_t sc_mem_limit(void)
{
	uint64_t v;
	if (!sc_parse_size(&v, getenv(SC_MEM_LIMIT_ENV)))
		return v;
	return physical_memory();
}

static int parse_seconds(double *out, const char *s)
{
	char *end;
	errno = 0;
	double v = s && *s ? strtod(s, &end) : NAN;
	if (!s || !*s || *end || errno || !isfinite(v) || v <= 0)
		return -1;
	*out = v;
	return 0;
}

int sc_limits_check_env(sc_err *err)
{
	const char *m = getenv(SC_MEM_LIMIT_ENV), *t = getenv(SC_READ_TIMEOUT_ENV);
	uint64_t v;
	double d;
	if (m && sc_parse_size(&v, m))
		return sc_errf(err, SC_EINVAL, "%s='%s': not a size (e.g. 512M, 8G)", SC_MEM_LIMIT_ENV,
			       m);
	if (t && parse_seconds(&d, t))
		return sc_errf(err, SC_EINVAL, "%s='%s': not a number of seconds", SC_READ_TIMEOUT_ENV,
			       t);
	return 0;
}

int sc_mem_check(uint64_t nmemb, uint64_t size, const char *what, sc_err *err)
{
	uint64_t limit = sc_mem_limit();
	char need[32], lim[32];
	if (size && nmemb > UINT64_MAX / size)
		return sc_errf(err, SC_EINVAL, "%s would need more than 2^64 bytes", what);
	if (nmemb * size <= limit)
		return 0;
	return sc_errf(err, SC_EINVAL, "%s need %s, more than the memory limit %s (%s)", what,
		       sc_fmt_size(nmemb * size, need), sc_fmt_size(limit, lim), SC_MEM_LIMIT_ENV);
}

double sc_read_timeout(uint64_t file_bytes)
{
	double v;
	if (!parse_seconds(&v, getenv(SC_READ_TIMEOUT_ENV)))
		return v;
	return 60.0 + (double)file_bytes / 10e6;
}
