/*
 * limits.h - how much memory one allocation sized by an input file may
 * take, so that a file declaring a huge array (by mistake or on purpose)
 * is refused with a message instead of being met by the kernel's OOM
 * killer, and how long reading a file with libhdf5 may take.
 *
 * The limit is SCEVAL_MEM_LIMIT when set (bytes, or a number with a K, M,
 * G or T suffix in powers of 1024: "512M", "8G"), else the machine's
 * physical memory. It is an environment variable, not an option or a spec
 * key, because it describes the machine, not the experiment: it reaches
 * every command and every step process alike, and a spec stays portable.
 * The limit applies to each single allocation whose size a file decides
 * (a matrix, a column, a bundle's manifest), not to the process's total.
 */
#ifndef SC_LIMITS_H
#define SC_LIMITS_H

#include <stdint.h>
#include "util/err.h"

#define SC_MEM_LIMIT_ENV "SCEVAL_MEM_LIMIT"
#define SC_READ_TIMEOUT_ENV "SCEVAL_READ_TIMEOUT"

/* "512", "64K", "1.5G" (powers of 1024) into bytes; -1 when s is not one. */
int sc_parse_size(uint64_t *out, const char *s) SC_WUR;
/* The limit in bytes (see above). A malformed SCEVAL_MEM_LIMIT counts as
 * unset here; sc_limits_check_env says so at start. */
uint64_t sc_mem_limit(void);
/* SC_EINVAL naming the variable when SCEVAL_MEM_LIMIT or
 * SCEVAL_READ_TIMEOUT is set but malformed. */
int sc_limits_check_env(sc_err *err) SC_WUR;
/* 0 when nmemb x size bytes are within the limit, else SC_EINVAL with
 * "WHAT need N, more than the memory limit M (SCEVAL_MEM_LIMIT)", what
 * saying what is asked for ("3000000 x 2000 values"); callers prefix the
 * file and element. */
int sc_mem_check(uint64_t nmemb, uint64_t size, const char *what, sc_err *err) SC_WUR;
/* Seconds a child process reading a file of this many bytes with libhdf5
 * may take before it counts as hung: SCEVAL_READ_TIMEOUT when set, else
 * 60 s plus 1 s per 10 MB (far slower than any disk or decompression). */
double sc_read_timeout(uint64_t file_bytes);

#endif
