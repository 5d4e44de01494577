/*
 * cmd_show.c - `sceval show REF`: a run, a result, or any other object.
 */
#include "cli.h"
#include "runner/query.h"
#include "store/catalog.h"
#include "store/store.h"

#include <string.h>

static const char show_usage[] =
	"usage: sceval show RUN|RESULT|STEP|REF [--json]\n\n"
	"RUN (a run number, or run:N): its status, provenance (git commit, branch, dirty\n"
	"flag, diff object), environment (CPU model and flags, BLAS kernel, threads and\n"
	"the variables that set them, portable mode), steps, and its metrics as rows of\n"
	"task, dataset, method, seed, metric, value.\n"
	"RESULT (a result hash or unique prefix): the metrics recorded in that result.\n"
	"STEP (a step key or unique prefix, as 'show RUN' lists them): its kind,\n"
	"parameters, seed, inputs, outputs, metrics, time, logs and the runs that used it.\n"
	"Any other object: type, kind, size, names, when and from where it was added, which\n"
	"runs and steps use it. REF is a full hash, a unique prefix of at least 6 hex\n"
	"digits, or a name.\n";

int cmd_show(cli_ctx *c, int argc, char **argv)
{
	while (cli_opt(c, argc, argv, show_usage, "", NULL, 1) != -1)
		return cli_usage_error(c, "unexpected option");
	CLI_OPTS_END(c);
	if (argc - c->optind != 1)
		return cli_usage_error(c, "expected one RUN, RESULT or REF");
	const char *ref = argv[c->optind];
	sc_err err;
	sc_store *s = NULL;
	if (cli_open_store(c, &s, &err))
		return cli_fail(c, &err);
	int64_t run;
	sc_oid res;
	int has;
	int rc;
	if (sc_query_resolve(s, ref, &run, &res, &has, &err)) {
		/* not a run nor an object: a step key? */
		sc_catalog_step_info st;
		sc_err e2;
		if (err.code == SC_ENOTFOUND && sc_catalog_step_find(s, ref, &st, &e2) == 0) {
			sc_catalog_step_info_clear(&st);
			rc = cli_show_step(c, s, ref);
		} else {
			rc = cli_fail(c, &err);
		}
	} else if (run > 0) {
		rc = cli_show_run(c, s, run);
	} else {
		json_t *m = NULL;
		sc_err e2;
		if (sc_query_result(s, &res, &m, &e2) == 0) {
			json_decref(m);
			rc = cli_show_result(c, s, &res);
		} else {
			rc = cli_show_object(c, s, ref);
		}
	}
	sc_store_free(s);
	return rc;
}
