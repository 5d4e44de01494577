/*
 * cmd_scib.c - `sceval scib`: the scIB metric suite on an embedding given
 * as a .npy file, with labels and batches as text files (one per line) or
 * .npy integer codes, or as an .h5ad file's obsm entry with label and batch
 * columns of its obs. Prints every metric with its class, direction, time
 * and, where undefined, the reason; optionally the per-cell and per-label
 * values. A thin front for embeddings that live outside a store (an
 * external model's output) and for the tests: the files are read by io/
 * (npy.h, labels.h), the metrics computed by the suite
 * (tasks/scib/suite.h) and the tables written by tasks/scib/tables.h, all
 * exactly as the integration.eval step does.
 */
#include "cli.h"
#include "io/h5ad.h"
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
	"usage: sceval scib [options] EMB.npy LABELS BATCHES\n"
	"       sceval scib [options] FILE.h5ad --obsm KEY --label-key L --batch-key B\n\n"
	"Compute the scIB metrics (scib's definitions; see tasks/scib/suite.h) of an\n"
	"integrated embedding. EMB.npy: cells x dims, any numeric dtype. LABELS and\n"
	"BATCHES: text files with one value per line, or .npy integer codes. From an\n"
	"AnnData file: the embedding obsm/KEY, labels and batches the obs columns L and\n"
	"B (cells missing either are left out, with a note on stderr).\n\n"
	"options:\n"
	"  --obsm KEY          FILE.h5ad: the embedding (obsm/KEY; 'obsm/' may be given)\n"
	"  --label-key L       FILE.h5ad: the obs column of cell labels\n"
	"  --batch-key B       FILE.h5ad: the obs column of batches\n"
	"  --pre-obsm KEY      FILE.h5ad: unintegrated PC scores (obsm/KEY), for the PCR\n"
	"                      comparison (as --pre)\n"
	"  --pseudotime-key K  FILE.h5ad: the obs column of a pseudotime (NaN where none),\n"
	"                      for trajectory conservation\n"
	"  --trajectory-by-batch\n"
	"                      average the trajectory's rank correlation per batch (scib's\n"
	"                      batch_key; its metrics() does not)\n"
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

/* Where the inputs come from: files (EMB.npy, LABELS, BATCHES) or one
 * .h5ad file with its keys. */
typedef struct scib_src {
	char **files;
	const char *obsm, *label_key, *batch_key, *pre_obsm, *pseudotime_key;
} scib_src;

static char *obsm_path(const char *key)
{
	return !strncmp(key, "obsm/", 5) ? sc_xstrdup(key) : sc_xasprintf("obsm/%s", key);
}

/* Keep the rows listed in keep (ascending) of a label vector (its
 * categories kept, as the integration step does) and of a matrix. */
static void keep_labels(sc_labels *l, const size_t *keep, size_t n)
{
	sc_labels t;
	sc_labels_subset(&t, l, keep, n);
	sc_labels_free(l);
	*l = t;
}

static void keep_rows(sc_dmat *m, const size_t *keep, size_t n)
{
	for (size_t i = 0; i < n; i++)
		memmove(m->v + i * m->cols, m->v + keep[i] * m->cols, m->cols * sizeof(double));
	m->rows = n;
}

/* The pseudotime column, one value per cell. */
static int read_pseudotime(double **pt, sc_h5ad *h, const scib_src *in, size_t n, sc_err *err)
{
	size_t m = 0;
	int rc = sc_h5ad_read_numeric(pt, &m, h, "obs", in->pseudotime_key, err);
	if (!rc && m != n)
		rc = sc_errf(err, SC_EINVAL, "'%s': obs column '%s' has %zu values for %zu cells",
			     in->files[0], in->pseudotime_key, m, n);
	return rc;
}

static int read_h5ad(const scib_src *in, sc_dmat *emb, sc_dmat *pcs, sc_labels *lab,
		     sc_labels *bat, double **pt, sc_err *err)
{
	sc_h5ad *h = NULL;
	char *ep = obsm_path(in->obsm), *pp = in->pre_obsm ? obsm_path(in->pre_obsm) : NULL;
	int rc = sc_h5ad_open(&h, in->files[0], err);
	if (rc || (rc = sc_h5ad_read_dense(emb, h, ep, 0, err)) ||
	    (rc = sc_h5ad_read_labels(lab, h, "obs", in->label_key, err)) ||
	    (rc = sc_h5ad_read_labels(bat, h, "obs", in->batch_key, err)) ||
	    (pp && (rc = sc_h5ad_read_dense(pcs, h, pp, 0, err))) ||
	    (in->pseudotime_key && (rc = read_pseudotime(pt, h, in, lab->n, err))))
		goto out;
	if (emb->rows != lab->n || (pp && pcs->rows != lab->n)) {
		rc = sc_errf(err, SC_EINVAL, "'%s': %s has %zu rows for %zu cells", in->files[0],
			     emb->rows != lab->n ? ep : pp, emb->rows != lab->n ? emb->rows : pcs->rows,
			     lab->n);
		goto out;
	}
	size_t *keep = sc_xmalloc((lab->n ? lab->n : 1) * sizeof(size_t)), n = 0;
	for (size_t i = 0; i < lab->n; i++)
		if (lab->codes[i] >= 0 && bat->codes[i] >= 0)
			keep[n++] = i;
	if (n < lab->n) {
		fprintf(stderr, "sceval scib: %zu cell%s without a label or batch left out\n",
			lab->n - n, lab->n - n == 1 ? "" : "s");
		keep_rows(emb, keep, n);
		if (pp)
			keep_rows(pcs, keep, n);
		keep_labels(lab, keep, n);
		keep_labels(bat, keep, n);
		for (size_t i = 0; *pt && i < n; i++)
			(*pt)[i] = (*pt)[keep[i]];
	}
	free(keep);
out:
	sc_h5ad_close(h);
	free(ep);
	free(pp);
	return rc;
}

static int read_files(const scib_src *in, const char *pre, sc_dmat *emb, sc_dmat *pcs,
		      sc_labels *lab, sc_labels *bat, double **pt, sc_err *err)
{
	char **files = in->files;
	if (in->obsm)
		return read_h5ad(in, emb, pcs, lab, bat, pt, err);
	if (sc_npy_load(emb, NULL, files[0], err) ||
	    sc_labels_read_file(lab, files[1], "labels", err) ||
	    sc_labels_read_file(bat, files[2], "batches", err) ||
	    (pre && sc_npy_load(pcs, NULL, pre, err)))
		return err->code ? err->code : -1;
	return 0;
}

/* files: EMB.npy, LABELS, BATCHES. */
static int run_suite(cli_ctx *c, const scib_src *in, const char *pre, const char *prevar,
		     const char *cells, const char *labels_out, sc_scib_opts *opts)
{
	sc_err err = { 0 };
	sc_dmat emb = { 0 }, pcs = { 0 }, var = { 0 };
	sc_labels lab = { 0 }, bat = { 0 };
	sc_scib_result r = { 0 };
	double *pt = NULL;
	int rc = 1;
	if (read_files(in, pre, &emb, &pcs, &lab, &bat, &pt, &err) ||
	    (prevar && sc_npy_load(&var, NULL, prevar, &err)))
		goto fail;
	if (pre || in->pre_obsm)
		opts->pre_scores = &pcs; /* without --pre-var: its column variances */
	if (prevar) {
		if (var.rows * var.cols != pcs.cols) {
			sc_errf(&err, SC_EINVAL, "'%s' has %zu variances for %zu components", prevar,
				var.rows * var.cols, pcs.cols);
			goto fail;
		}
		opts->pre_variance = var.v;
	}
	opts->pseudotime = pt;
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
	free(pt);
	return rc;
}

int cmd_scib(cli_ctx *c, int argc, char **argv)
{
	enum { O_PRE = 1, O_PREVAR, O_THREADS, O_SEED, O_CELLS, O_LABELS, O_OBSM, O_LKEY, O_BKEY,
	       O_PREOBSM, O_PTKEY, O_TBATCH };
	static const struct option lo[] = { { "pre", required_argument, NULL, O_PRE },
					    { "pre-var", required_argument, NULL, O_PREVAR },
					    { "threads", required_argument, NULL, O_THREADS },
					    { "seed", required_argument, NULL, O_SEED },
					    { "per-cell", required_argument, NULL, O_CELLS },
					    { "per-label", required_argument, NULL, O_LABELS },
					    { "obsm", required_argument, NULL, O_OBSM },
					    { "label-key", required_argument, NULL, O_LKEY },
					    { "batch-key", required_argument, NULL, O_BKEY },
					    { "pre-obsm", required_argument, NULL, O_PREOBSM },
					    { "pseudotime-key", required_argument, NULL, O_PTKEY },
					    { "trajectory-by-batch", no_argument, NULL, O_TBATCH },
					    { NULL, 0, NULL, 0 } };
	const char *pre = NULL, *prevar = NULL, *cells = NULL, *labels_out = NULL;
	long threads = 0, seed = 0;
	int by_batch = 0;
	scib_src in = { 0 };
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
		case O_OBSM: in.obsm = optarg; break;
		case O_LKEY: in.label_key = optarg; break;
		case O_BKEY: in.batch_key = optarg; break;
		case O_PREOBSM: in.pre_obsm = optarg; break;
		case O_PTKEY: in.pseudotime_key = optarg; break;
		case O_TBATCH: by_batch = 1; break;
		default:
			return cli_usage_error(c, "unexpected option");
		}
	}
	CLI_OPTS_END(c);
	int h5 = in.obsm || in.label_key || in.batch_key || in.pre_obsm || in.pseudotime_key;
	if (h5 && (argc - c->optind != 1 || !in.obsm || !in.label_key || !in.batch_key))
		return cli_usage_error(c, "an .h5ad file needs FILE.h5ad with --obsm, --label-key and "
					  "--batch-key");
	if (h5 && pre)
		return cli_usage_error(c, "--pre is for the .npy form; use --pre-obsm");
	if (!h5 && argc - c->optind != 3)
		return cli_usage_error(c, argc - c->optind == 1
						  ? "FILE.h5ad needs --obsm, --label-key and --batch-key"
						  : "need EMB.npy, LABELS and BATCHES");
	if (prevar && !pre && !in.pre_obsm)
		return cli_usage_error(c, "--pre-var needs --pre");
	if (by_batch && !in.pseudotime_key)
		return cli_usage_error(c, "--trajectory-by-batch needs --pseudotime-key");
	in.files = argv + c->optind;

	sc_scib_opts opts;
	sc_scib_opts_default(&opts);
	opts.n_threads = (int)threads;
	opts.seed = (uint64_t)seed;
	opts.trajectory_by_batch = by_batch;
	return run_suite(c, &in, pre, prevar, cells, labels_out, &opts);
}
