/*
 * report.h - `sceval report`: a self-contained site of HTML pages and CSV
 * tables about recorded runs and results.
 *
 * What is written into DIR (created if needed; other files left alone):
 *   index.html         the runs and results included (hashes, dates, git
 *                      commits with the dirty flag, sceval versions), the
 *                      tasks, a model-by-task rank table, links
 *   <task>.html        one page per task label: per dataset a leaderboard
 *                      (mean +- sd over seeds, best per column marked), a
 *                      chart per metric with the seeds' spread, the scIB
 *                      table and per-label breakdown (batch, multiomics),
 *                      confusion matrices and per-class reports
 *                      (annotation), and the provenance of every number
 *   metrics_long.csv   one row per recorded metric value
 *   metrics_wide.csv   one row per evaluation, one column per metric
 * Every file is written atomically; the same inputs give the same bytes.
 */
#ifndef SC_REPORT_H
#define SC_REPORT_H

#include <jansson.h>
#include "store/store.h"

typedef struct sc_report_opts {
	int timestamp; /* print the generation time on the index page */
} sc_report_opts;

/*
 * refs: n RUN or RESULT references (as sc_query_resolve takes them). On
 * success *written is {"index": PATH, "pages": [PATH...], "csv": [PATH...]}
 * with PATH = dir joined with the file name (the caller releases it).
 * Errors: an unknown run, an object that is not a result, a folder that
 * cannot be created or written.
 */
int sc_report_write(sc_store *s, const char *const *refs, size_t n, const char *dir,
		    const sc_report_opts *o, json_t **written, sc_err *err) SC_WUR;

#endif
