/*
 * cmd_scib.c - `sceval scib`: the scIB metric suite on an embedding given
 * as a .npy file, with labels and batches as text files (one per line) or
 * .npy integer codes. Prints every metric with its class, direction, time
 * and, where undefined, the reason; optionally the per-cell and per-label
 * values as TSV. A direct front for tasks/scib/suite.h, for embeddings that
 * live outside a store (an external model's output) and for the tests.
 */
#include "cli.h"
#include "util/buf.h"
#include "tasks/scib/suite.h"
#include "util/json.h"
#include "util/limits.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
	"usage: sceval scib [options] EMB.npy LABELS BATCHES\n\n"
	"Compute the scIB metrics (scib's definitions; see tasks/scib/suite.h) of an\n"
	"integrated embedding. EMB.npy: cells x dims, float64 or float32. LABELS and\n"
	"BATCHES: text files with one value per line, or .npy integer codes.\n\n"
	"options:\n"
	"  --pre PCS.npy       unintegrated PC scores, for the PCR comparison\n"
	"  --pre-var VAR.npy   their variances [column variances of PCS]\n"
	"  --threads N         worker threads [all CPUs]; results do not depend on it\n"
	"  --seed N            Leiden seed (scanpy's random_state) [0]\n"
	"  --per-cell FILE     write per-cell values (TSV)\n"
	"  --per-label FILE    write per-label values (TSV)\n"
	"  --json              print JSON\n";

/* ---- .npy reading (C order, little endian) ---- */

static int npy_read(const char *path, double **out, size_t *rows, size_t *cols, int *is_int,
		    sc_err *err)
{
	FILE *f = fopen(path, "rb");
	unsigned char pre[10];
	char *hdr = NULL;
	void *raw = NULL;
	int rc = SC_EINVAL;
	if (!f)
		return sc_errsys(err, errno, "cannot open '%s'", path);
	if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6)) {
		sc_errf(err, SC_EINVAL, "'%s' is not a .npy file", path);
		goto out;
	}
	size_t hl = pre[8] | (size_t)pre[9] << 8;
	if (pre[6] >= 2) { /* version 2+: 4-byte header length */
		unsigned char b[2];
		if (fread(b, 1, 2, f) != 2)
			goto bad;
		hl |= (size_t)b[0] << 16 | (size_t)b[1] << 24;
	}
	hdr = sc_xmalloc(hl + 1);
	if (fread(hdr, 1, hl, f) != hl)
		goto bad;
	hdr[hl] = 0;
	const char *d = strstr(hdr, "'descr'"), *fo = strstr(hdr, "'fortran_order'"),
		   *sh = strstr(hdr, "'shape'");
	if (!d || !fo || !sh)
		goto bad;
	if (strstr(fo, "True")) {
		sc_errf(err, SC_EINVAL, "'%s' is in Fortran order; save it C-contiguous", path);
		goto out;
	}
	char descr[16] = { 0 };
	const char *q = strchr(d + 7, '\'');
	if (!q || sscanf(q + 1, "%15[^']", descr) != 1)
		goto bad;
	size_t dims[2] = { 0, 1 }, nd = 0;
	const char *p = strchr(sh, '(');
	if (!p)
		goto bad;
	for (p++; *p && *p != ')' && nd < 3;) {
		char *end;
		unsigned long long v = strtoull(p, &end, 10);
		if (end == p) {
			p++;
			continue;
		}
		if (nd < 2)
			dims[nd] = (size_t)v;
		nd++;
		p = end;
	}
	if (nd < 1 || nd > 2) {
		sc_errf(err, SC_EINVAL, "'%s' has %zu dimensions, expected 1 or 2", path, nd);
		goto out;
	}
	size_t n = sc_mulsz(dims[0], dims[1]), w;
	int kind; /* 0 f8, 1 f4, 2 i4, 3 i8 */
	if (!strcmp(descr, "<f8"))
		kind = 0, w = 8;
	else if (!strcmp(descr, "<f4"))
		kind = 1, w = 4;
	else if (!strcmp(descr, "<i4"))
		kind = 2, w = 4;
	else if (!strcmp(descr, "<i8"))
		kind = 3, w = 8;
	else {
		sc_errf(err, SC_EINVAL, "'%s' has dtype '%s' (need <f8, <f4, <i4 or <i8)", path, descr);
		goto out;
	}
	/* The header's word against the file's bytes and the memory limit,
	 * before allocating what it claims. */
	struct stat st;
	long body = ftell(f);
	if (dims[1] && dims[0] > SIZE_MAX / 16 / dims[1]) {
		sc_errf(err, SC_EINVAL, "'%s' declares %zu x %zu values: too many", path, dims[0], dims[1]);
		goto out;
	}
	if (fstat(fileno(f), &st) || body < 0 || (uint64_t)st.st_size < (uint64_t)body + n * w) {
		sc_errf(err, SC_EINVAL, "'%s' is shorter than its header says", path);
		goto out;
	}
	char what[96];
	snprintf(what, sizeof(what), "%zu x %zu values", dims[0], nd == 2 ? dims[1] : 1);
	if (sc_mem_check(n, w + sizeof(double), what, err)) {
		sc_errprefix(err, "'%s'", path);
		goto out;
	}
	raw = sc_xmalloc(sc_mulsz(n, w) + 1);
	if (fread(raw, w, n, f) != n) {
		sc_errf(err, SC_EINVAL, "'%s' is shorter than its header says", path);
		goto out;
	}
	double *v = sc_xmalloc(sizeof(double) * (n + 1));
	for (size_t i = 0; i < n; i++)
		v[i] = kind == 0 ? ((double *)raw)[i]
		       : kind == 1 ? (double)((float *)raw)[i]
		       : kind == 2 ? (double)((int32_t *)raw)[i]
				   : (double)((int64_t *)raw)[i];
	*out = v;
	*rows = dims[0];
	*cols = nd == 2 ? dims[1] : 1;
	*is_int = kind >= 2;
	rc = 0;
	goto out;
bad:
	sc_errf(err, SC_EINVAL, "cannot parse the header of '%s'", path);
out:
	free(raw);
	free(hdr);
	fclose(f);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* labels from a text file (categories sorted, as pandas) or .npy codes */
static int read_labels(sc_labels *l, const char *path, const char *what, sc_err *err)
{
	memset(l, 0, sizeof(*l));
	size_t len = strlen(path);
	if (len > 4 && !strcmp(path + len - 4, ".npy")) {
		double *v;
		size_t r, c;
		int isint;
		int rc = npy_read(path, &v, &r, &c, &isint, err);
		if (rc)
			return rc;
		if (!isint || c != 1) {
			free(v);
			return sc_errf(err, SC_EINVAL, "%s '%s' must be a vector of integer codes", what,
				       path);
		}
		l->n = r;
		l->codes = sc_xmalloc(sizeof(int32_t) * (r + 1));
		int32_t mx = -1;
		for (size_t i = 0; i < r; i++) {
			if (v[i] < 0 || v[i] > 2e9) {
				free(v);
				return sc_errf(err, SC_EINVAL, "%s code %g of cell %zu is invalid", what, v[i],
					       i);
			}
			l->codes[i] = (int32_t)v[i];
			mx = l->codes[i] > mx ? l->codes[i] : mx;
		}
		l->ncat = (size_t)(mx + 1);
		free(v);
		return 0;
	}
	FILE *f = fopen(path, "r");
	if (!f)
		return sc_errsys(err, errno, "cannot open '%s'", path);
	char *line = NULL, **val = NULL;
	size_t cap = 0, n = 0, vcap = 0;
	ssize_t got;
	while ((got = getline(&line, &cap, f)) >= 0) {
		while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			line[--got] = 0;
		if (n == vcap) {
			vcap = vcap ? 2 * vcap : 1024;
			val = sc_xrealloc(val, sizeof(*val) * vcap);
		}
		val[n++] = sc_xstrdup(line);
	}
	free(line);
	fclose(f);
	char **sorted = sc_xmalloc(sizeof(char *) * (n + 1));
	memcpy(sorted, val, sizeof(char *) * n);
	qsort(sorted, n, sizeof(char *), cmp_str);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(sorted[i], sorted[i - 1]))
			sorted[k++] = sorted[i];
	l->n = n;
	l->ncat = k;
	l->codes = sc_xmalloc(sizeof(int32_t) * (n + 1));
	l->names = sc_xmalloc(sizeof(char *) * (k + 1));
	for (size_t j = 0; j < k; j++)
		l->names[j] = sc_xstrdup(sorted[j]);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char **hit = bsearch(&val[i], l->names, k, sizeof(char *), cmp_str);
		l->codes[i] = (int32_t)(hit - l->names);
		if (!val[i][0] && !rc)
			rc = sc_errf(err, SC_EINVAL, "%s line %zu of '%s' is empty", what, i + 1, path);
	}
	for (size_t i = 0; i < n; i++)
		free(val[i]);
	free(val);
	free(sorted);
	if (rc)
		sc_labels_free(l);
	return rc;
}

/* A label as a field of the per-cell and per-label tables (TSV, opened in
 * spreadsheets): tabs and line breaks become spaces, and a label a
 * spreadsheet would run as a formula gets a leading single quote, as in
 * every CSV sceval writes (sc_buf_csv). Labels longer than the buffer are
 * cut. */
static const char *name_of(const sc_labels *l, size_t code, char *buf, size_t len)
{
	if (!l->names) {
		snprintf(buf, len, "%zu", code);
		return buf;
	}
	const char *s = l->names[code];
	if (!sc_csv_formula(s) && !strpbrk(s, "\t\r\n"))
		return s;
	snprintf(buf, len, "%s%s", sc_csv_formula(s) ? "'" : "", s);
	for (char *p = buf; *p; p++)
		if (*p == '\t' || *p == '\r' || *p == '\n')
			*p = ' ';
	return buf;
}

static const char *cls_name(sc_scib_class c)
{
	return c == SC_SCIB_BIO ? "bio" : c == SC_SCIB_BATCH ? "batch" : "extra";
}

static void fmt(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else
		fprintf(f, "%.17g", v); /* round-trips */
}

static int write_cells(const char *path, const sc_scib_result *r, const sc_labels *lab,
		       const sc_labels *bat, sc_err *err)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return sc_errsys(err, errno, "cannot write '%s'", path);
	char b1[512], b2[512];
	fputs("cell\tlabel\tbatch\tcluster\tasw_label\tasw_batch\tilisi\tclisi\tilisi_knn\tclisi_knn"
	      "\tkbet_pvalue\n",
	      f);
	for (size_t i = 0; i < r->n; i++) {
		fprintf(f, "%zu\t%s\t%s\t%d", i, name_of(lab, (size_t)lab->codes[i], b1, sizeof(b1)),
			name_of(bat, (size_t)bat->codes[i], b2, sizeof(b2)), (int)r->cluster[i]);
		const double v[] = { r->asw_label_cell[i], r->asw_batch_cell[i], r->ilisi_cell[i],
				     r->clisi_cell[i],     r->ilisi_knn_cell[i], r->clisi_knn_cell[i],
				     r->kbet_pvalue_cell[i] };
		for (size_t j = 0; j < sizeof(v) / sizeof(v[0]); j++) {
			fputc('\t', f);
			fmt(f, v[j]);
		}
		fputc('\n', f);
	}
	if (ferror(f) | fclose(f))
		return sc_errsys(err, errno, "cannot write '%s'", path);
	return 0;
}

static int write_labels(const char *path, const sc_scib_result *r, const sc_labels *lab,
			sc_err *err)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return sc_errsys(err, errno, "cannot write '%s'", path);
	size_t *cnt = sc_xcalloc(r->n_labels + 1, sizeof(size_t));
	for (size_t i = 0; i < r->n; i++)
		cnt[lab->codes[i]]++;
	char b[512];
	fputs("label\tcells\tasw_batch\tgraph_connectivity\tkbet_rejection\tkbet_k0\t"
	      "isolated_f1\tisolated_asw\n",
	      f);
	for (size_t j = 0; j < r->n_labels; j++) {
		if (!cnt[j])
			continue;
		fprintf(f, "%s\t%zu", name_of(lab, j, b, sizeof(b)), cnt[j]);
		const double v[] = { r->asw_batch_label[j], r->graph_conn_label[j],
				     r->kbet_rejection_label[j] };
		for (size_t t = 0; t < 3; t++) {
			fputc('\t', f);
			fmt(f, v[t]);
		}
		fprintf(f, "\t%d\t", r->kbet_k0_label[j]);
		fmt(f, r->iso_f1_label[j]);
		fputc('\t', f);
		fmt(f, r->iso_asw_label[j]);
		fputc('\n', f);
	}
	free(cnt);
	if (ferror(f) | fclose(f))
		return sc_errsys(err, errno, "cannot write '%s'", path);
	return 0;
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

	sc_err err = { 0 };
	sc_dmat emb = { 0 }, pcs = { 0 };
	sc_labels lab = { 0 }, bat = { 0 };
	double *var = NULL;
	sc_scib_result r = { 0 };
	int rc = 1, isint;
	if (npy_read(argv[c->optind], &emb.v, &emb.rows, &emb.cols, &isint, &err) ||
	    read_labels(&lab, argv[c->optind + 1], "labels", &err) ||
	    read_labels(&bat, argv[c->optind + 2], "batches", &err))
		goto fail;
	sc_scib_opts opts;
	sc_scib_opts_default(&opts);
	opts.n_threads = (int)threads;
	opts.seed = (uint64_t)seed;
	if (pre) {
		if (npy_read(pre, &pcs.v, &pcs.rows, &pcs.cols, &isint, &err))
			goto fail;
		var = sc_xmalloc(sizeof(double) * (pcs.cols + 1));
		if (prevar) {
			double *vv;
			size_t vr, vc;
			if (npy_read(prevar, &vv, &vr, &vc, &isint, &err))
				goto fail;
			if (vr * vc != pcs.cols) {
				free(vv);
				sc_errf(&err, SC_EINVAL, "'%s' has %zu variances for %zu components", prevar,
					vr * vc, pcs.cols);
				goto fail;
			}
			memcpy(var, vv, sizeof(double) * pcs.cols);
			free(vv);
		} else {
			/* PC scores are centred: their variance is the explained variance */
			for (size_t j = 0; j < pcs.cols; j++) {
				double s = 0, m = 0;
				for (size_t i = 0; i < pcs.rows; i++)
					m += pcs.v[i * pcs.cols + j];
				m /= (double)(pcs.rows ? pcs.rows : 1);
				for (size_t i = 0; i < pcs.rows; i++) {
					double d = pcs.v[i * pcs.cols + j] - m;
					s += d * d;
				}
				var[j] = pcs.rows > 1 ? s / (double)(pcs.rows - 1) : 0;
			}
		}
		opts.pre_scores = &pcs;
		opts.pre_variance = var;
	}
	if (sc_scib_suite_run(&r, &emb, &lab, &bat, &opts, &err))
		goto fail;
	if ((cells && write_cells(cells, &r, &lab, &bat, &err)) ||
	    (labels_out && write_labels(labels_out, &r, &lab, &err)))
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
	free(var);
	sc_labels_free(&lab);
	sc_labels_free(&bat);
	return rc;
}
