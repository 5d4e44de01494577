/*
 * yaml.h - YAML documents (libyaml) as jansson values, with the source
 * position of every value kept so that later validation can say
 * "spec.yaml:LINE:COL: message" about any node.
 *
 * Plain scalars follow the YAML 1.2 core schema: null/~/empty, true/false,
 * integers, floats, else strings; quoted scalars are strings. .inf and .nan
 * are errors (JSON, and so a step key, cannot hold them).
 * Mappings with duplicate keys are an error. Aliases share the anchored value.
 */
#ifndef SC_YAML_H
#define SC_YAML_H

#include <jansson.h>
#include "util/err.h"

typedef struct sc_yaml_doc sc_yaml_doc;

/* Parse the first document of a YAML file. The error names file:line:col. */
int sc_yaml_load(sc_yaml_doc **out, const char *path, sc_err *err) SC_WUR;
/* Parse from memory; name is used in messages. */
int sc_yaml_parse(sc_yaml_doc **out, const char *name, const char *text, size_t len,
		  sc_err *err) SC_WUR;
void sc_yaml_free(sc_yaml_doc *d);
/* The root value (borrowed; NULL for an empty document). */
json_t *sc_yaml_root(const sc_yaml_doc *d);
/* 1-based line and column of a value of this document (0, 0 if unknown). */
void sc_yaml_pos(const sc_yaml_doc *d, const json_t *v, int *line, int *col);
/* Position of key in mapping obj (0, 0 if unknown). */
void sc_yaml_key_pos(const sc_yaml_doc *d, const json_t *obj, const char *key, int *line, int *col);
/* Fill err with "name:LINE:COL: message" about key in obj. Returns SC_EINVAL. */
int sc_yaml_key_errf(const sc_yaml_doc *d, const json_t *obj, const char *key, sc_err *err,
		     const char *fmt, ...) SC_PRINTF(5, 6);
/* Fill err with "name:LINE:COL: message" about v. Returns SC_EINVAL. */
int sc_yaml_errf(const sc_yaml_doc *d, const json_t *v, sc_err *err, const char *fmt, ...)
	SC_PRINTF(4, 5);
const char *sc_yaml_name(const sc_yaml_doc *d);

#endif
