/*
 * portable.h - portable mode: the same output bytes on any x86-64 CPU.
 *
 * What decides the last bits of a built-in step besides its inputs, once the
 * thread count is out of the picture (tasks/core/par.h): the BLAS kernel
 * OpenBLAS picks for the CPU (Haswell, SkylakeX, Zen, ... round differently:
 * other blockings, FMA or not), its cache-size-dependent blocking, the
 * variant of exp/log/pow glibc's libm picks (its FMA versions round
 * differently from the SSE2 ones), and sceval's own AVX2/AVX-512 kernels.
 * Portable mode fixes each: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE name one
 * kernel and one cache size every x86-64 CPU can run, GLIBC_TUNABLES masks
 * AVX2 and FMA from glibc's choice, and SCEVAL_PORTABLE=1 keeps sceval's own
 * code on plain C (tasks/scib/common.h). All are read when a process starts,
 * so a command that turns portable mode on runs itself again with them set
 * (cli_portable_enter). Portable steps have their own cache keys.
 */
#ifndef SC_RUNNER_PORTABLE_H
#define SC_RUNNER_PORTABLE_H

#include "util/err.h"

#define SC_PORTABLE_CORETYPE "Prescott" /* SSE3: every x86-64 CPU since 2004 */
#define SC_PORTABLE_L2_SIZE "512"

/* 1 when this process runs in portable mode (SCEVAL_PORTABLE=1). */
int sc_portable_active(void);
/* Set the environment of portable mode for this process's future exec and
 * its children (keeps other GLIBC_TUNABLES). */
void sc_portable_setenv(void);
/* In portable mode: an error unless OpenBLAS really runs the portable
 * kernel (it ignores an unknown OPENBLAS_CORETYPE). 0 outside it. */
int sc_portable_verify(sc_err *err) SC_WUR;

#endif
