/*
 * cmd_step.c - `sceval step DEF`: compute one step inside a batch job.
 *
 * The Slurm executor (runner/exec_slurm.c) submits this command; people do
 * not run it, so `sceval help` does not list it. It never writes the
 * catalog: the submitting `sceval run` records what it produced.
 */
#include "cli.h"
#include "runner/exec.h"
#include "runner/exec_slurm.h"

#include <stdio.h>

static const char step_usage[] =
	"usage: sceval step DEF\n\n"
	"Compute the step whose definition is the object DEF (written by\n"
	"'sceval run --executor slurm'), store its outputs and its result record as\n"
	"objects, and name the record in .sceval/jobs/$SLURM_JOB_ID.result (or print\n"
	"it). The catalog is left to the submitting run. Exit status: 0 the step\n"
	"succeeded, 1 it failed (its record says why), 2 usage, 130 interrupted.\n";

int cmd_step(cli_ctx *c, int argc, char **argv)
{
	int opt;
	while ((opt = cli_opt(c, argc, argv, step_usage, "", NULL, 0)) != -1)
		return cli_usage_error(c, "unexpected option");
	CLI_OPTS_END(c);
	if (argc - c->optind != 1)
		return cli_usage_error(c, "expected one DEF");
	sc_err err;
	sc_store *s = NULL;
	if (cli_open_store(c, &s, &err))
		return cli_fail(c, &err);
	/* Shared: gc (exclusive) must not remove objects under a running job. */
	if (sc_store_lock(s, 0, 1, &err)) {
		sc_store_free(s);
		return cli_fail(c, &err);
	}
	sc_exec_install_signals();
	int failed = 1;
	int rc = sc_slurm_step_run(s, argv[c->optind], &failed, &err);
	sc_store_free(s);
	if (rc == SC_EINTR)
		return 130;
	if (rc)
		return cli_fail(c, &err);
	return failed ? 1 : 0;
}
