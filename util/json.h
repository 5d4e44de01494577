/*
 * json.h - jansson helpers: the canonical form that cache keys and result
 * manifests are hashed over, and small accessors with typed defaults.
 *
 * Canonical JSON = sorted keys, no whitespace, reals printed with 17
 * significant digits (round-trips every double), integers as integers.
 */
#ifndef SC_JSON_H
#define SC_JSON_H

#include <jansson.h>
#include <stdio.h>

/* Canonical serialisation; caller frees with free(). */
char *sc_json_canonical(const json_t *j);
/* Pretty-print with sorted keys and a trailing newline to f (CLI --json output). */
int sc_json_print(FILE *f, const json_t *j);
const char *sc_json_str(const json_t *obj, const char *key, const char *dflt);
double sc_json_num(const json_t *obj, const char *key, double dflt);
long long sc_json_int(const json_t *obj, const char *key, long long dflt);
int sc_json_bool(const json_t *obj, const char *key, int dflt);
/* A double as JSON: NaN and +-Inf become null (JSON has no spelling for them). */
json_t *sc_json_real(double v);

#endif
