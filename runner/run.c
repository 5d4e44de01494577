/*
 * run.c - one `sceval run` from spec to recorded result.
 */
#include "run.h"
#include "runner/exec.h"
#include "runner/planner.h"
#include "runner/record.h"
#include "runner/spec.h"
#include "util/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sc_run_spec(sc_store *s, const char *spec_path, const sc_run_opts *o, sc_run_result *r,
		sc_err *err)
{
	memset(r, 0, sizeof(*r));
	double t0 = sc_mono_sec();
	sc_spec *spec = NULL;
	sc_plan plan = { 0 };
	sc_slurm *slurm = NULL;
	int rc = sc_spec_load(&spec, spec_path, o->allow_outside, err);
	if (rc)
		return rc;
	if (o->slurm && (rc = sc_slurm_create(&slurm, o->slurm, err)))
		goto out;
	if ((rc = sc_store_lock(s, 0, 1, err)))
		goto out;
	if ((rc = sc_runs_mark_stale(s, err)))
		goto out;
	sc_store_clean_tmp(s);
	if ((rc = sc_planner_build(s, spec, &plan, err)))
		goto out;
	sc_oid spec_oid;
	sc_ingest_list l = { 0 };
	rc = sc_store_ingest(s, spec->path, &l, &spec_oid, err);
	if (!rc)
		rc = sc_store_record(s, &l, "spec", NULL, 0, err);
	sc_ingest_list_free(&l);
	if (rc)
		goto out;
	if ((rc = sc_run_begin(s, &spec_oid, spec->path, o->argc, o->argv, o->jobs, &r->run, err)))
		goto out;
	sc_exec_install_signals();
	sc_exec_opts eo = { o->jobs, o->force, o->keep_going, 0, r->run, o->progress, slurm };
	sc_exec_stats st;
	int xrc = sc_exec_plan(s, &plan, &eo, &st, err);
	r->steps = plan.n;
	r->cached = st.cached;
	r->computed = st.done;
	r->failed = st.failed;
	r->skipped = st.skipped;
	r->interrupted = st.interrupted;
	const char *status = "done";
	sc_oid *res = NULL;
	if (xrc == SC_EINTR)
		status = "interrupted";
	else if (xrc)
		status = "failed";
	else if (st.failed || st.skipped)
		status = "failed";
	else {
		char *m = sc_result_manifest(&plan);
		sc_err e2;
		if (sc_store_put_buf(s, m, strlen(m), &r->result, &e2) == 0) {
			r->has_result = 1;
			res = &r->result;
		} else {
			status = "failed";
			snprintf(err->msg, sizeof(err->msg), "cannot store the result: %.1900s", e2.msg);
			xrc = e2.code ? e2.code : SC_ERR;
		}
		free(m);
	}
	snprintf(r->status, sizeof(r->status), "%s", status);
	sc_err e3;
	int frc = sc_run_finish(s, r->run, status, res, plan.n, st.cached, st.failed + st.skipped, &e3);
	if (!xrc && frc) {
		*err = e3;
		xrc = frc;
	}
	rc = xrc;
out:
	r->seconds = sc_mono_sec() - t0;
	sc_plan_free(&plan);
	sc_spec_free(spec);
	sc_slurm_free(slurm);
	return rc;
}
