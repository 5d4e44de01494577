/*
 * bundle.h - handing a result to a collaborator: one tar file (libarchive)
 * holding the result manifest, every object it needs (datasets, files,
 * outputs, logs, the spec and the git diff), and the catalog records of its
 * steps and runs, so that `sceval reproduce` works in another store,
 * offline, bit for bit.
 *
 * Layout: "sceval-bundle.json" first (the list of objects with their sizes,
 * and the records), then "objects/ab/cdef..." for each object, in id order.
 * Import trusts nothing: only those two kinds of entry, only regular files,
 * only objects the list names, each re-hashed; everything is staged and
 * checked before anything is added to the store.
 */
#ifndef SC_BUNDLE_H
#define SC_BUNDLE_H

#include <stdint.h>
#include "store/store.h"

typedef struct sc_bundle_stats {
	uint64_t objects, bytes, steps, runs;
} sc_bundle_stats;

/* Write the bundle of result to path; an existing path is replaced only
 * with force and only when it is a regular file (see sc_out_begin). */
int sc_bundle_export(sc_store *s, const sc_oid *result, const char *path, int force,
		     sc_bundle_stats *st, sc_err *err) SC_WUR;
int sc_bundle_import(sc_store *s, const char *path, sc_oid *result, sc_bundle_stats *st,
		     sc_err *err) SC_WUR;

#endif
