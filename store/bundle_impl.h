/*
 * bundle_impl.h - what bundle.c shares with bundle_verify.c.
 */
#ifndef SC_BUNDLE_IMPL_H
#define SC_BUNDLE_IMPL_H

#include <jansson.h>
#include "store/store.h"

/* Check a bundle's records (bm, its parsed manifest) against the result
 * object staged in stage/<hex> (got: hex -> true for every staged object,
 * each already checked against its hash): every step, metric and run-step
 * record must agree with the result object, and the result object's step
 * keys with their own descriptions. Fails with SC_ECORRUPT and a message
 * "'path': rejected: what disagreed". Reads the catalog, writes nothing. */
int sc_bundle_verify(sc_store *s, const char *path, const char *stage, const json_t *bm,
		     const json_t *got, sc_err *err) SC_WUR;

#endif
