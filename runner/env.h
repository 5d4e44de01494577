/*
 * env.h - what a run records about the software and machine it ran on:
 * sceval's version and build, the linked libraries' versions, host, CPU,
 * thread counts. Used by `sceval version` and by every recorded run.
 */
#ifndef SC_ENV_H
#define SC_ENV_H

#include <jansson.h>

/* "0.1.0" or "0.1.0 (v0.1.0-3-gabc1234-dirty)" when built in a checkout. */
const char *sc_env_version(void);
/* {"version","git_describe","compiler","cflags"} */
json_t *sc_env_build(void);
/* {"sqlite":..., "libgit2":..., "openssl":..., "hdf5":..., "openblas":{"version",
 *  "config","core","threads"}, "igraph", "libyaml", "jansson", "libarchive"} */
json_t *sc_env_libraries(void);
/* {"host","os","cpu","cpu_flags","cores","openblas_threads","thread_env","portable"}:
 * cpu_flags the instruction-set extensions that pick kernels ("avx avx2 fma
 * avx512f ..."), cores the online CPUs, thread_env the variables that set
 * kernels and threads (OPENBLAS_CORETYPE, OPENBLAS_NUM_THREADS,
 * OMP_NUM_THREADS, SCEVAL_THREADS) that are set, portable whether
 * this process runs in portable mode (runner/portable.h). */
json_t *sc_env_machine(void);

/* What differs between two recorded environments among the things that
 * decide the bits of floating-point results: [{what, a, b}] with what one of
 * "BLAS kernel", "OpenBLAS version", "OpenBLAS threads", "CPU", "CPU flags",
 * "online CPUs", "portable mode" or a variable's name. Keys that one record
 * lacks (older runs) are not changes. Caller owns the array. */
json_t *sc_env_changes(const json_t *libs_a, const json_t *mach_a, const json_t *libs_b,
		       const json_t *mach_b);
/* The changes as one line, the sides named a and b: "recorded on SkylakeX
 * kernels, reproduced on Haswell; CPU flags: ... -> ...". Caller frees. */
char *sc_env_changes_text(const json_t *changes, const char *a, const char *b);

#endif
