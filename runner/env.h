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
/* {"host","os","cpu","cores","openblas_threads"} */
json_t *sc_env_machine(void);

#endif
