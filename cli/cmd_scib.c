/*
 * cmd_scib.c - `sceval scib`: the scIB metric suite on an embedding given
 * as a .npy file, with labels and batches as text files (one per line) or
 * .npy integer codes. Prints every metric with its class, direction, time
 * and, where undefined, the reason; optionally the per-cell and per-label
 * values. A thin front for embeddings that live outside a store (an
 * external model's output) and for the tests: the files are read by io/
 * (npy.h, labels.h), the metrics computed by the suite
 * (tasks/scib/suite.h) and the tables written by tasks/scib/tables.h, all
 * exactly as the integration.eval step does.
 */
#include "cli.h"
#include "io/labels.h"
#include "io/npy.h"
#include "tasks/scib/suite.h"
#include "tasks/scib/tables.h"
#include "util/json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
	"usage: sceval scib [options] EMB.npy LABELS BATCHES\n\n"
	"Compute the scIB metrics (scib's definitions; see tasks/scib/suite.h) of an\n"
	"integrated embedding. EMB.npy: cells x dims, any numeric dtype. LABELS and\n"
	"BATCHES: text files with one value per line, or .npy integer codes.\n\n"
	"options:\n"
	"  --pre PCS.npy       unintegrated PC scores, for the PCR comparison\n"
	"  --pre-var VAR.npy   their variances [column variances of PCS]\n"
	"  --threads N         worker threads [all CPUs]; results do not depend on it\n"
	"  --seed N            Leiden seed (scanpy's random_state) [0]\n"
	"  --per-cell FILE     write per-cell values (CSV, the integration task's cells.csv)\n"
	"  --per-label FILE    write per-label values (CSV, the integration task's labels.csv)\n"
	"  --json              print JSON\n";

static const char *cls_name(sc_scib_class c)
{
	return c == SC_SCIB_BIO ? "bio" : c == SC_SCIB_BATCH ? "batch" : "extra";
}

static json_t *to_json(const sc_scib_result *r)
{
	json_t *ms = json_array(), *st = json_array();
	for (size_t i = 0; i < r->n_metrics; i++) {
		const sc_scib_metric *m = &r->metric[i];
		json_t *o = json_pack("{s:s, s:o, s:s, s:b, s:o}", "name", m->name, "value",
				      sc_json_real(m->value), "class", cls_name(m->cls),
				      "higher_is_better", m->higher_is_better, "seconds",
				      sc_json_real(m->seconds));
		if (m->detail[0])
			json_object_set_new(o, "detail", json_string(m->detail));
		if (m->why[0])
			json_object_set_new(o, "why", json_string(m->why));
		json_array_append_new(ms, o);
	}
	for (size_t i = 0; i < r->n_steps; i++)
		json_array_append_new(st, json_pack("{s:s, s:o}", "name", r->step[i].name, "seconds",
						    sc_json_real(r->step[i].seconds)));
	json_t *res = json_array();
	for (size_t i = 0; i < r->n_res; i++)
		json_array_append_new(res, json_pack("{s:o, s:o, s:I}", "resolution",
						     sc_json_real(r->res[i]), "nmi",
						     sc_json_real(r->res_nmi[i]), "clusters",
						     (json_int_t)r->res_clusters[i]));
	return json_pack("{s:o, s:{s:o, s:o, s:o}, s:o, s:o, s:o, s:I}", "metrics", ms, "aggregates",
			 "bio", sc_json_real(r->bio), "batch", sc_json_real(r->batch), "overall",
			 sc_json_real(r->overall), "steps", st, "resolutions", res, "total_seconds",
			 sc_json_real(r->total_seconds), "cells", (json_int_t)r->n);
}

static void print_text(const sc_scib_result *r)
{
	printf("%-24s %9s  %-5s  %-6s %8s  %s\n", "metric", "value", "class", "better", "seconds",
	       "detail");
	for (size_t i = 0; i < r->n_metrics; i++) {
		const sc_scib_metric *m = &r->metric[i];
		char v[32];
		if (isnan(m->value))
			snprintf(v, sizeof(v), "NaN");
		else
			snprintf(v, sizeof(v), "%.4f", m->value);
		printf("%-24s %9s  %-5s  %-6s %8.2f  %s%s%s\n", m->name, v, cls_name(m->cls),
		       m->higher_is_better ? "higher" : "lower", m->seconds, m->why[0] ? "NaN: " : "",
		       m->why[0] ? m->why : m->detail, "");
	}
	for (size_t i = 0; i < r->n_steps; i++)
		printf("%-24s %9s  %-5s  %-6s %8.2f  shared step\n", r->step[i].name, "", "", "",
		       r->step[i].seconds);
	const char *names[3] = { "bio_conservation", "batch_correction", "overall" };
	double vals[3] = { r->bio, r->batch, r->overall };
	for (int i = 0; i < 3; i++) {
		if (isnan(vals[i]))
			printf("%-24s %9s\n", names[i], "NaN");
		else
			printf("%-24s %9.4f%s\n", names[i], vals[i], i == 2 ? "  (0.6 bio + 0.4 batch)" : "");
	}
	printf("%-24s %9s  %-5s  %-6s %8.2f\n", "total", "", "", "", r->total_seconds);
}

/* The tables, cells named by their row number. */
static int write_tables(const char *cells, const char *labels, const sc_scib_result *r,
			const sc_labels *lab, const sc_labels *bat, sc_err *err)
{
	char **names = sc_xmalloc(sizeof(char *) * (r->n + 1));
	for (size_t i = 0; i < r->n; i++)
		names[i] = sc_xasprintf("%zu", i);
	int rc = sc_scib_tables_write(cells, labels, r, names, lab, bat, err);
	for (size_t i = 0; i < r->n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* files: EMB.npy, LABELS, BATCHES. */
static int run_suite(cli_ctx *c, char **files, const char *pre, const char *prevar,
		     const char *cells, const char *labels_out, sc_scib_opts *opts)
{
	sc_err err = { 0 };
	sc_dmat emb = { 0 }, pcs = { 0 }, var = { 0 };
	sc_labels lab = { 0 }, bat = { 0 };
	sc_scib_result r = { 0 };
	int rc = 1;
	if (sc_npy_load(&emb, NULL, files[0], &err) ||
	    sc_labels_read_file(&lab, files[1], "labels", &err) ||
	    sc_labels_read_file(&bat, files[2], "batches", &err) ||
	    (pre && sc_npy_load(&pcs, NULL, pre, &err)) ||
	    (prevar && sc_npy_load(&var, NULL, prevar, &err)))
		goto fail;
	if (pre)
		opts->pre_scores = &pcs; /* without --pre-var: its column variances */
	if (prevar) {
		if (var.rows * var.cols != pcs.cols) {
			sc_errf(&err, SC_EINVAL, "'%s' has %zu variances for %zu components", prevar,
				var.rows * var.cols, pcs.cols);
			goto fail;
		}
		opts->pre_variance = var.v;
	}
	if (sc_scib_suite_run(&r, &emb, &lab, &bat, opts, &err) ||
	    ((cells || labels_out) && write_tables(cells, labels_out, &r, &lab, &bat, &err)))
		goto fail;
	if (c->json)
		rc = cli_json_out(c, to_json(&r));
	else {
		print_text(&r);
		rc = 0;
	}
	goto out;
fail:
	rc = cli_fail(c, &err);
out:
	sc_scib_result_free(&r);
	sc_dmat_free(&emb);
	sc_dmat_free(&pcs);
	sc_dmat_free(&var);
	sc_labels_free(&lab);
	sc_labels_free(&bat);
	return rc;
}

int cmd_scib(cli_ctx *c, int argc, char **argv)
{
	enum { O_PRE = 1, O_PREVAR, O_THREADS, O_SEED, O_CELLS, O_LABELS };
	static const struct option lo[] = { { "pre", required_argument, NULL, O_PRE },
					    { "pre-var", required_argument, NULL, O_PREVAR },
					    { "threads", required_argument, NULL, O_THREADS },
					    { "seed", required_argument, NULL, O_SEED },
					    { "per-cell", required_argument, NULL, O_CELLS },
					    { "per-label", required_argument, NULL, O_LABELS },
					    { NULL, 0, NULL, 0 } };
	const char *pre = NULL, *prevar = NULL, *cells = NULL, *labels_out = NULL;
	long threads = 0, seed = 0;
	int o;
	while ((o = cli_opt(c, argc, argv, usage, "", lo, 1)) != -1) {
		switch (o) {
		case O_PRE:
			pre = optarg;
			break;
		case O_PREVAR:
			prevar = optarg;
			break;
		case O_THREADS:
			if (cli_parse_long(c, "--threads", optarg, 1, 64, &threads))
				return 2;
			break;
		case O_SEED:
			if (cli_parse_long(c, "--seed", optarg, 0, 0x7fffffff, &seed))
				return 2;
			break;
		case O_CELLS:
			cells = optarg;
			break;
		case O_LABELS:
			labels_out = optarg;
			break;
		default:
			return cli_usage_error(c, "unexpected option");
		}
	}
	CLI_OPTS_END(c);
	if (argc - c->optind != 3)
		return cli_usage_error(c, "need EMB.npy, LABELS and BATCHES");
	if (prevar && !pre)
		return cli_usage_error(c, "--pre-var needs --pre");

	sc_scib_opts opts;
	sc_scib_opts_default(&opts);
	opts.n_threads = (int)threads;
	opts.seed = (uint64_t)seed;
	return run_suite(c, argv + c->optind, pre, prevar, cells, labels_out, &opts);
}
