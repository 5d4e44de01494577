/*
 * portable.c - portable mode's environment (see portable.h for what it
 * fixes and why).
 */
#include "portable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char *openblas_get_corename(void);

/* glibc 2.36 spells the features without the _Usable of older releases. */
#define HWCAPS_MASK "glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4,-AVX512F"

int sc_portable_active(void)
{
	const char *p = getenv("SCEVAL_PORTABLE");
	return p && !strcmp(p, "1");
}

void sc_portable_setenv(void)
{
	setenv("SCEVAL_PORTABLE", "1", 1);
	setenv("OPENBLAS_CORETYPE", SC_PORTABLE_CORETYPE, 1);
	setenv("OPENBLAS_L2_SIZE", SC_PORTABLE_L2_SIZE, 1);
	const char *t = getenv("GLIBC_TUNABLES");
	if (t && *t && !strstr(t, HWCAPS_MASK)) {
		size_t n = strlen(t) + sizeof(HWCAPS_MASK) + 1;
		char *v = malloc(n);
		if (v) {
			snprintf(v, n, "%s:%s", t, HWCAPS_MASK);
			setenv("GLIBC_TUNABLES", v, 1);
			free(v);
		}
	} else if (!t || !*t) {
		setenv("GLIBC_TUNABLES", HWCAPS_MASK, 1);
	}
}

int sc_portable_verify(sc_err *err)
{
	if (!sc_portable_active())
		return 0;
	const char *core = openblas_get_corename();
	if (!core || strcasecmp(core, SC_PORTABLE_CORETYPE))
		return sc_errf(err, SC_ERR, "portable mode needs OpenBLAS's '%s' kernel, but it runs "
					    "'%s'", SC_PORTABLE_CORETYPE, core ? core : "?");
	return 0;
}
