/*
 * report.c - `sceval report`'s entry point: load the model, render every
 * file in memory, then write each one atomically into the folder. Nothing
 * is written unless everything could be loaded, so a bad reference leaves
 * the folder as it was; a failure while writing leaves every file either
 * old or new, never half-written.
 */
#include "report.h"
#include "report_impl.h"
#include "util/fmt.h"
#include "util/fs.h"

#include <stdlib.h>

static int put(const char *dir, const char *name, sc_buf *b, json_t *list, sc_err *err)
{
	char *path = sc_path_join(dir, name);
	int rc = sc_write_file_atomic(path, b->s, b->len, 0644, err);
	if (!rc)
		json_array_append_new(list, json_string(path));
	free(path);
	sc_buf_reset(b);
	return rc;
}

int sc_report_write(sc_store *s, const char *const *refs, size_t n, const char *dir,
		    const sc_report_opts *o, json_t **written, sc_err *err)
{
	sc_report_model *m = NULL;
	int rc = sc_report_model_load(&m, s, refs, n, err);
	if (rc)
		return rc;
	json_t *index = json_array(), *pages = json_array(), *csv = json_array();
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	if ((rc = sc_mkdir_p(dir, 0755, err)))
		goto out;
	char gen[32] = "";
	if (o && o->timestamp)
		sc_fmt_time_utc(sc_now_ns(), gen);
	sc_report_index_page(m, gen, &b);
	if ((rc = put(dir, "index.html", &b, index, err)))
		goto out;
	for (size_t i = 0; i < m->np; i++) {
		if ((rc = sc_report_task_page(m, i, s, &b, err)) ||
		    (rc = put(dir, m->p[i].file, &b, pages, err)))
			goto out;
	}
	sc_report_csv_long(m, &b);
	if ((rc = put(dir, "metrics_long.csv", &b, csv, err)))
		goto out;
	sc_report_csv_wide(m, &b);
	if ((rc = put(dir, "metrics_wide.csv", &b, csv, err)))
		goto out;
	*written = json_pack("{s:O, s:O, s:O}", "index", json_array_get(index, 0), "pages", pages,
			     "csv", csv);
out:
	sc_buf_free(&b);
	json_decref(index);
	json_decref(pages);
	json_decref(csv);
	sc_report_model_free(m);
	return rc;
}
