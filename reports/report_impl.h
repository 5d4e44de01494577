/*
 * report_impl.h - the report's data model, shared by the files of
 * reports/report_*.c and by the unit tests; not an API for other layers
 * (they call sc_report_write).
 *
 * A report is built from sources (a run, or a result given by hash). Their
 * metric rows are grouped into tables, one per (task label, dataset); a
 * table has methods (rows) and metrics (columns, sorted by name); a method
 * has units, one per evaluation (a seed in a source), each holding the
 * values it recorded. The same evaluation step seen in several sources is
 * one unit listing every source; when sources disagree (different steps
 * for the same method and seed), the method is split into one row per
 * variant, named by what differs as sceval compare names it ("knn k=15",
 * runner/summary.h), or "method [run N]" when that does not tell the
 * sources apart, so no number is silently dropped or averaged with another
 * version of itself.
 *
 * Ownership: the report owns everything; strings are copies, json values
 * are references held by the sources. sc_report_model_free accepts NULL.
 */
#ifndef SC_REPORT_IMPL_H
#define SC_REPORT_IMPL_H

#include <jansson.h>
#include <stdint.h>
#include "store/store.h"
#include "tasks/scib/aggregate.h"
#include "tasks/task.h"
#include "util/buf.h"

typedef enum {
	SC_RK_OTHER = 0,
	SC_RK_ANNOTATION,
	SC_RK_GENEFUNC,
	SC_RK_BATCH,
	SC_RK_MULTIOMICS,
} sc_report_kind;

typedef struct sc_report_src {
	int64_t run;          /* 0: a result given by hash */
	char result[65];      /* hex, "" when the run has none */
	char name[40];        /* "run 3", "result 4da4f759c4d3" */
	json_t *info;         /* sc_query_run's object: the run, or for a result
			       * the first run that recorded it (NULL if none) */
	json_t *rows;         /* metric rows (sc_query_run_metrics' shape) */
	json_t *steps;        /* object: step key -> step (run step_list entries,
			       * or manifest steps with catalog times added) */
	json_t *producer;     /* object: output hex -> [keys of the steps writing it] */
} sc_report_src;

typedef struct sc_report_unit {
	size_t *src;          /* the sources it appears in (ascending) */
	size_t nsrc;
	int has_seed;
	int64_t seed;
	const char *step;     /* the evaluation step's key (held by a source) */
	double *v;            /* per metric of the table; NaN if undefined/absent */
	unsigned char *has;   /* per metric: recorded at all */
} sc_report_unit;

typedef struct sc_report_method {
	char *name;           /* as shown ("knn k=15", "knn [run 2]") */
	char *base;           /* as recorded */
	sc_report_unit *u;    /* sorted by seed, then first source */
	size_t nu, cap;
	double *mean, *sd;    /* per metric: over the finite values; sd with
			       * ddof 1, NaN below two values */
	size_t *n;            /* per metric: finite values */
} sc_report_method;

typedef struct sc_report_table {
	char *task, *dataset;
	const sc_task *desc;  /* the task that ran it (NULL: unknown) */
	sc_report_kind kind;  /* the tasks with their own sections */
	char **metric;        /* sorted bytewise */
	int *hib;             /* higher is better, per metric */
	size_t nk;
	sc_report_method *m;  /* best first by the primary metric, then by name */
	size_t nm;
	long primary;         /* metric index of the rank metric, or -1 */
	double *rank;         /* per method: 1 = best, ties averaged; NaN if unranked */
	size_t page;          /* index of its page */
	size_t index;         /* position within its page (section ids) */
} sc_report_table;

typedef struct sc_report_page {
	char *task;           /* the task label */
	char *file;           /* "annotation.html" */
} sc_report_page;

typedef struct sc_report_model {
	sc_report_src *s;
	size_t ns;
	sc_report_table *t;   /* sorted by task, then dataset */
	size_t nt;
	sc_report_page *p;    /* sorted by task */
	size_t np;
} sc_report_model;

/* Resolve, load and group. */
int sc_report_model_load(sc_report_model **out, sc_store *s, const char *const *refs, size_t n,
			 sc_err *err) SC_WUR;
void sc_report_model_free(sc_report_model *m);

/* ---- pieces with their own tests ---------------------------------------- */

const char *sc_report_kind_name(sc_report_kind k);
/* The name of the task of t ("other" when unknown). */
const char *sc_report_task_kind(const sc_report_table *t);
/* The metric ranks use: accuracy, accuracy_mean, overall, bio; NULL for other kinds. */
const char *sc_report_primary_metric(sc_report_kind k);
/* Mean and sample standard deviation (ddof 1) of the finite values among
 * v[0..n); *k = their number. NaN mean for none, NaN sd for fewer than two. */
void sc_report_mean_sd(const double *v, size_t n, double *mean, double *sd, size_t *k);
/* Ranks of v[0..n) (1 = best; hib: higher is better), ties get the mean of
 * the ranks they span (pandas' rank(method="average")); NaN stays NaN and
 * is not counted. */
void sc_report_rank(const double *v, size_t n, int hib, double *rank);
/* A file name for a task label: [A-Za-z0-9_-] kept, anything else '_',
 * at most 60 bytes, never "index"; taken names get "-2", "-3", ... */
char *sc_report_page_name(const char *task, char *const *taken, size_t ntaken);

/* The scIB summary of an integration table: the bio and batch metrics it
 * has (bio first, each group by name), the methods' mean values, the
 * aggregates raw and min-max scaled across the table's methods
 * (sc_scib_aggregate). */
typedef struct sc_report_scib {
	size_t nc;            /* columns (metrics) */
	size_t *col;          /* their metric indices in the table */
	sc_scib_class *cls;
	double *raw, *scaled; /* nm x nc */
	double *bio[2], *batch[2], *overall[2]; /* [0] raw, [1] scaled; nm each */
} sc_report_scib;
int sc_report_scib_compute(sc_report_scib *out, const sc_report_table *t, sc_err *err) SC_WUR;
void sc_report_scib_free(sc_report_scib *x);

/* ---- writers (report_csv.c, report_page.c) --------------------------------- */

void sc_report_csv_long(const sc_report_model *m, sc_buf *out);
void sc_report_csv_wide(const sc_report_model *m, sc_buf *out);
/* gen: "" or the generation time (UTC) to print. */
void sc_report_index_page(const sc_report_model *m, const char *gen, sc_buf *out);
/* The page of m->p[page]; reads step outputs (confusion, per-class and
 * per-label tables) through the store. A missing output or one that is not
 * a table is shown as such on the page; an output that cannot be read (I/O
 * error, no memory) is an error, with the page left incomplete. */
int sc_report_task_page(const sc_report_model *m, size_t page, sc_store *s, sc_buf *out,
			sc_err *err) __attribute__((warn_unused_result));

/* Task-specific sections of a task page (report_sections.c). */
void sc_report_section_scib(sc_buf *b, const sc_report_table *t);
/* The first error reading an output that is there goes into *fatal (see
 * sc_report_task_page); fatal->code is 0 when there was none. */
void sc_report_section_labels(sc_buf *b, const sc_report_model *m, const sc_report_table *t,
			      sc_store *s, sc_err *fatal);
void sc_report_section_annotation(sc_buf *b, const sc_report_model *m, const sc_report_table *t,
				  sc_store *s, sc_err *fatal);
/* Any task: the SVG figures (outputs named *.svg) that a method's first
 * evaluation and the steps upstream of it wrote (report_figures.c). */
void sc_report_section_figures(sc_buf *b, const sc_report_model *m, const sc_report_table *t,
			       sc_store *s, sc_err *fatal);

/* Provenance (report_prov.c). used: step key -> {source index: true}, the
 * steps a page shows, filled by sc_report_provenance. */
void sc_report_provenance(sc_buf *b, const sc_report_model *m, const sc_report_table *t,
			  json_t *used);
void sc_report_steps_appendix(sc_buf *b, const sc_report_model *m, const json_t *used);
/* The step of source x that wrote object hex for the step consumer: of
 * several writers of the same bytes, the one with the consumer's method
 * and seed, else the first. NULL when no step of x wrote it. */
const char *sc_report_producer(const sc_report_src *x, const char *hex, const json_t *consumer);
/* The steps of source x upstream of step key, transitively, added to out
 * (key -> true; key itself is not added). */
void sc_report_ancestors(const sc_report_src *x, const char *key, json_t *out);
/* A link to a step's record on this page (page NULL) or another. */
void sc_report_step_link(sc_buf *b, const char *key, const char *page);
/* A link to a source's row on the index. */
void sc_report_src_link(sc_buf *b, const sc_report_model *m, size_t si);
/* `sceval reproduce RESULT`, or for a run without a result how to run it again. */
void sc_report_reproduce(sc_buf *b, const sc_report_src *x);

/* ---- shared rendering helpers (report_svg.c) ------------------------------ */

/* A chart's value axis for data in [lo, hi]: ends on ticks of a step of 1,
 * 2 or 5 times a power of ten (about 4 of them). It reaches 0 (from_zero)
 * when that at most doubles it; otherwise it is cut to the data, ending a
 * step further when the value nearest 0 is within a quarter step of the
 * tick below it (so the shortest bar is seen to be a bar). */
typedef struct sc_report_axis_t {
	double lo, hi, step;
	int from_zero;
} sc_report_axis_t;
void sc_report_axis(sc_report_axis_t *out, double lo, double hi);
/* One metric's bar chart: a bar per method (mean, also printed as the
 * tables print it), a whisker (+- sd) and a dot per seed value, on the
 * axis of sc_report_axis; a cut axis carries a break mark and a note. */
void sc_report_svg_bars(sc_buf *b, const sc_report_table *t, size_t metric);
/* A colour for t in [0,1] on a white-to-hue scale (hue 0 accent, 1 bio,
 * 2 batch, 3 aggregate) and whether text on it should be white. */
void sc_report_heat(sc_buf *b, double t, int hue);
/* Mean +- sd with the full-precision mean in data-v. */
void sc_report_mean_cell(sc_buf *b, double mean, double sd, size_t n, int best);
/* data-task and data-dataset attributes (for tools reading the tables). */
void sc_report_data_attrs(sc_buf *b, const sc_report_table *t);
/* A value with 4 significant digits, or an em dash. */
void sc_report_num(sc_buf *b, double v);

#endif
