/*
 * spec.h - experiment specs: which datasets, which methods, which tasks.
 *
 *   name: pbmc-annotation                 # optional
 *   datasets:
 *     pbmc: data/pbmc.h5ad                # a path (relative to the spec's folder),
 *     sim:  {path: sim.h5ad}              # or {path: ...}, or {ref: HASH|NAME}
 *   methods:
 *     logreg: {builtin: logreg, params: {max_iter: 1000}, grid: {C: [0.1, 1.0]}}
 *     mymodel:                            # an external command (no shell)
 *       command: [python3, "{file:script}", "{input}", "{output}", "--seed", "{seed}"]
 *       files: {script: models/mymodel.py}  # inside the spec's folder, unless
 *                                          # the spec says allow_outside: true
 *       output: embedding.h5ad
 *       provides: {obsm: X_mymodel}       # or {obs: COLUMN}, {varm: KEY}, {file: gene-features}
 *       timeout: 600                      # seconds
 *       slurm: {gres: "gpu:1", time: "2:00:00"}  # its batch jobs (--executor slurm)
 *   tasks:
 *     - task: annotation
 *       dataset: pbmc
 *       methods: [logreg, mymodel]
 *       seeds: [0, 1, 2]
 *       label_key: bulk_labels            # task options, checked by the task's planner
 *
 * Errors name the file, line and column: "spec.yaml:12:5: unknown method 'x'".
 */
#ifndef SC_SPEC_H
#define SC_SPEC_H

#include <jansson.h>
#include <stdint.h>
#include "runner/yaml.h"
#include "util/err.h"

typedef struct sc_spec_dataset {
	char *name;
	char *path;     /* absolute, or NULL when given by ref */
	char *ref;      /* store ref, or NULL */
	const json_t *node;
} sc_spec_dataset;

typedef struct sc_spec_file {
	char *name, *path; /* path absolute */
	const json_t *node;
} sc_spec_file;

typedef struct sc_spec_method {
	char *name;
	char *builtin;        /* NULL for an external command */
	json_t *params;       /* object (owned) */
	json_t *grid;         /* object of arrays, or NULL (owned) */
	/* external */
	json_t *command;      /* array of strings (owned) */
	sc_spec_file *files;
	size_t n_files;
	char *output;         /* file the command writes into its output folder */
	json_t *provides;     /* {"obsm": KEY} | {"obs": COL} | {"varm": KEY} | {"file": WHAT} */
	json_t *env;          /* object of strings, or NULL */
	double timeout;       /* seconds; 0 = none */
	int deterministic;    /* declared bit-reproducible */
	const json_t *slurm;  /* batch job resources (borrowed), or NULL */
	const json_t *node;
} sc_spec_method;

typedef struct sc_spec_task {
	char *task;
	char *dataset;
	char **methods;
	size_t n_methods;
	int64_t *seeds;
	size_t n_seeds;
	const json_t *opts;   /* the task's mapping (borrowed from the document, so
			       * option errors can be positioned) */
	const json_t *slurm;  /* batch job resources of its steps (borrowed), or NULL */
	const json_t *node;
} sc_spec_task;

typedef struct sc_spec {
	char *path, *dir;     /* absolute spec path and its folder */
	char *name;
	int portable; /* portable: true (runner/portable.h) */
	sc_yaml_doc *doc;
	sc_spec_dataset *datasets;
	size_t n_datasets;
	sc_spec_method *methods;
	size_t n_methods;
	sc_spec_task *tasks;
	size_t n_tasks;
	int allow_outside;    /* methods' files may lie outside the spec's folder */
} sc_spec;

/* Load and check a spec. allow_outside: methods' files may lie outside the
 * spec's folder whatever the spec says (the command line's --allow-outside). */
int sc_spec_load(sc_spec **out, const char *path, int allow_outside, sc_err *err) SC_WUR;
void sc_spec_free(sc_spec *s);
const sc_spec_dataset *sc_spec_find_dataset(const sc_spec *s, const char *name);
const sc_spec_method *sc_spec_find_method(const sc_spec *s, const char *name);
/* "spec.yaml:LINE:COL: message" about a node of the spec. Returns SC_EINVAL. */
int sc_spec_errf(const sc_spec *s, const json_t *node, sc_err *err, const char *fmt, ...)
	SC_PRINTF(4, 5);

#endif
