/*
 * maint.h - store maintenance: fsck (verify every object) and gc (remove
 * what nothing refers to).
 */
#ifndef SC_MAINT_H
#define SC_MAINT_H

#include <stdint.h>
#include "store/store.h"

typedef struct sc_fsck_report {
	uint64_t objects, bytes;
	uint64_t corrupt, missing, temps, stray, unrecorded;
} sc_fsck_report;

/* Called once per problem: what is "corrupt", "missing", "temp", "stray"
 * or "unrecorded". The last two kinds are warnings: "unrecorded" is a
 * complete object that no catalog row names, "temp" a temporary file or
 * scratch folder, both left by an interrupted command; gc removes them. */
typedef void (*sc_fsck_cb)(void *ctx, const char *what, const char *object, const char *detail);

/* Re-hash every object (never trusting the stat cache); fast: sizes only.
 * Returns 0 when it could check (problems are in the report), else an error. */
int sc_store_fsck(sc_store *s, int fast, sc_fsck_cb cb, void *ctx, sc_fsck_report *r,
		  sc_err *err) SC_WUR;
/* True when the report holds a problem that makes fsck fail. */
int sc_fsck_failed(const sc_fsck_report *r);

typedef struct sc_gc_report {
	uint64_t kept, removed, removed_bytes, temps;
} sc_gc_report;
typedef void (*sc_gc_cb)(void *ctx, const char *object, uint64_t size);

/* Remove objects unreachable from names and recorded runs (and leftover
 * temporary files). Takes the store lock exclusively (fails if busy). */
int sc_store_gc(sc_store *s, int dry_run, sc_gc_cb cb, void *ctx, sc_gc_report *r,
		sc_err *err) SC_WUR;

#endif
