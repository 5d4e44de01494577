/*
 * cmd_stepinfo.c - steps by the keys `show RUN` prints: `sceval show STEP` (what
 * the step is, its parameters and inputs, outputs, metrics, times, the runs
 * that used it) and `sceval log STEP` (its recorded stdout or stderr); and
 * `sceval du`, the store's size by kind.
 */
#include "cli.h"
#include "store/catalog.h"
#include "store/maint.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/fmt.h"
#include "util/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_json_field(const char *title, const json_t *v)
{
	if (!v || json_is_null(v) || (json_is_object(v) && !json_object_size(v)))
		return;
	printf("%s\n", title);
	const char *k;
	json_t *x;
	json_object_foreach((json_t *)v, k, x)
	{
		char *t = json_is_string(x) ? sc_xstrdup(json_string_value(x))
					    : json_dumps(x, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS |
							 JSON_REAL_PRECISION(15));
		printf("  %-20s %s\n", cli_esc(k), cli_esc(sc_oid_hex_of(t)));
		free(t);
	}
}

static json_t *step_json(const sc_catalog_step_info *i, const sc_catalog_cached *c)
{
	json_t *j = json_pack("{s:s, s:s?, s:s?, s:s?, s:s?}", "key", i->key, "kind", i->kind,
			      "version", i->impl_version, "status", i->status, "label", i->label);
	json_object_set_new(j, "error", i->error ? json_string(i->error) : json_null());
	json_t *kj = i->key_json ? json_loads(i->key_json, 0, NULL) : NULL;
	json_object_set(j, "params", kj && json_object_get(kj, "params") ? json_object_get(kj, "params") : json_null());
	json_object_set(j, "seed", kj && json_object_get(kj, "seed") ? json_object_get(kj, "seed") : json_null());
	json_object_set(j, "inputs", kj && json_object_get(kj, "inputs") ? json_object_get(kj, "inputs") : json_null());
	json_decref(kj);
	json_t *outs = json_object(), *mets = json_object(), *runs = json_array();
	for (size_t k = 0; c && k < c->n_outputs; k++)
		json_object_set_new(outs, c->out_role[k], json_string(sc_oid_hex_of(c->out_object[k])));
	for (size_t k = 0; c && k < c->n_metrics; k++)
		json_object_set_new(mets, c->m_name[k],
				    c->m_value[k].set ? sc_json_real(c->m_value[k].d) : json_null());
	for (size_t k = 0; k < i->n_runs; k++)
		json_array_append_new(runs, json_integer(i->runs[k]));
	json_object_set_new(j, "outputs", outs);
	json_object_set_new(j, "metrics", mets);
	json_object_set_new(j, "runs", runs);
	json_object_set_new(j, "wall", i->wall.set ? json_real(i->wall.d) : json_null());
	json_object_set_new(j, "stdout_log", i->log_out ? json_string(sc_oid_hex_of(i->log_out)) : json_null());
	json_object_set_new(j, "stderr_log", i->log_err ? json_string(sc_oid_hex_of(i->log_err)) : json_null());
	return j;
}

int cli_show_step(cli_ctx *c, sc_store *s, const char *ref)
{
	sc_err err;
	sc_catalog_step_info i;
	sc_catalog_cached *cached = NULL;
	if (sc_catalog_step_find(s, ref, &i, &err))
		return cli_fail(c, &err);
	if (sc_catalog_step_lookup(s, i.key, &cached, &err)) {
		sc_catalog_step_info_clear(&i);
		return cli_fail(c, &err);
	}
	json_t *j = step_json(&i, cached);
	sc_catalog_cached_free(cached);
	sc_catalog_step_info_clear(&i);
	if (c->json)
		return cli_json_out(c, j);
	printf("step     %s\n", sc_json_str(j, "key", ""));
	printf("kind     %s (version %s)\n", sc_json_str(j, "kind", ""), sc_json_str(j, "version", "?"));
	if (json_is_string(json_object_get(j, "label")))
		printf("label    %s\n", cli_esc(sc_json_str(j, "label", "")));
	printf("status   %s", sc_json_str(j, "status", ""));
	if (json_is_string(json_object_get(j, "error")))
		printf(": %s", cli_esc(sc_json_str(j, "error", "")));
	printf("\n");
	if (json_is_integer(json_object_get(j, "seed")))
		printf("seed     %lld\n", sc_json_int(j, "seed", 0));
	if (json_is_number(json_object_get(j, "wall"))) {
		char d[32];
		printf("time     %s\n", sc_fmt_duration(sc_json_num(j, "wall", 0), d));
	}
	printf("runs    ");
	size_t k;
	json_t *r;
	json_array_foreach(json_object_get(j, "runs"), k, r)
		printf(" %lld", (long long)json_integer_value(r));
	printf("%s\n", json_array_size(json_object_get(j, "runs")) ? "" : " (none)");
	print_json_field("params:", json_object_get(j, "params"));
	print_json_field("inputs:", json_object_get(j, "inputs"));
	print_json_field("outputs:", json_object_get(j, "outputs"));
	print_json_field("metrics:", json_object_get(j, "metrics"));
	if (json_is_string(json_object_get(j, "stdout_log")) || json_is_string(json_object_get(j, "stderr_log")))
		printf("logs     stdout %.12s, stderr %.12s ('sceval log %.12s')\n",
		       sc_json_str(j, "stdout_log", "(none)"), sc_json_str(j, "stderr_log", "(none)"),
		       sc_json_str(j, "key", ""));
	json_decref(j);
	return 0;
}

static const char log_usage[] =
	"usage: sceval log STEP [--stdout]\n\n"
	"Print what a step wrote to stderr when it was computed (with --stdout, to\n"
	"stdout), as recorded in the store. STEP is a step key or a unique prefix of\n"
	"at least 6 hex digits, as 'sceval show RUN' lists them.\n\n"
	"options:\n"
	"  --stdout   the step's standard output instead\n";

int cmd_log(cli_ctx *c, int argc, char **argv)
{
	static const struct option lo[] = { { "stdout", no_argument, NULL, 'o' },
					    { NULL, 0, NULL, 0 } };
	int out = 0, opt;
	while ((opt = cli_opt(c, argc, argv, log_usage, "", lo, 0)) != -1) {
		if (opt == 'o')
			out = 1;
		else
			return cli_usage_error(c, "unexpected option");
	}
	CLI_OPTS_END(c);
	if (argc - c->optind != 1)
		return cli_usage_error(c, "expected one STEP");
	sc_err err;
	sc_store *s = NULL;
	sc_catalog_step_info i;
	memset(&i, 0, sizeof(i));
	if (cli_open_store(c, &s, &err) || sc_catalog_step_find(s, argv[c->optind], &i, &err)) {
		sc_store_free(s);
		return cli_fail(c, &err);
	}
	const char *log = out ? i.log_out : i.log_err;
	int rc = 0;
	sc_oid id;
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	if (log && !sc_oid_parse(&id, log)) {
		if (sc_store_read(s, &id, &b, &err))
			rc = cli_fail(c, &err);
		else
			fwrite(b.s, 1, b.len, stdout);
	} else if (!log) {
		fprintf(stderr, "sceval log: step %.12s has no recorded %s\n", i.key,
			out ? "stdout" : "stderr");
	} else {
		rc = cli_failf(c, "step %.12s: bad log id '%s'", i.key, log);
	}
	sc_buf_free(&b);
	sc_catalog_step_info_clear(&i);
	sc_store_free(s);
	return rc;
}

/* ---- du ---------------------------------------------------------------------- */

static const char du_usage[] =
	"usage: sceval du [--json]\n\n"
	"The store's objects and bytes by kind (dataset, output, log, result, ...),\n"
	"and what 'sceval gc' would reclaim: objects nothing refers to, by kind\n"
	"(objects on disk the catalog does not know are 'unrecorded').\n";

typedef struct du_dead {
	json_t *ids; /* hex -> size */
} du_dead;

static void on_dead(void *ctx, const char *object, uint64_t size)
{
	du_dead *d = ctx;
	json_object_set_new(d->ids, sc_oid_hex_of(object), json_integer((json_int_t)size));
}

static void add_to(json_t *kinds, const char *kind, const char *field, uint64_t bytes)
{
	json_t *k = json_object_get(kinds, kind);
	if (!k) {
		k = json_pack("{s:I, s:I, s:I, s:I}", "objects", (json_int_t)0, "bytes", (json_int_t)0,
			      "reclaimable_objects", (json_int_t)0, "reclaimable_bytes", (json_int_t)0);
		json_object_set_new(kinds, kind, k);
	}
	char *n = sc_xasprintf("%s_objects", field), *b = sc_xasprintf("%s_bytes", field);
	const char *on = !strcmp(field, "all") ? "objects" : n, *ob = !strcmp(field, "all") ? "bytes" : b;
	json_object_set_new(k, on, json_integer(sc_json_int(k, on, 0) + 1));
	json_object_set_new(k, ob, json_integer(sc_json_int(k, ob, 0) + (json_int_t)bytes));
	free(n);
	free(b);
}

int cmd_du(cli_ctx *c, int argc, char **argv)
{
	while (cli_opt(c, argc, argv, du_usage, "", NULL, 1) != -1)
		return cli_usage_error(c, "unexpected option");
	CLI_OPTS_END(c);
	if (c->optind < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[c->optind]);
	sc_err err;
	sc_store *s = NULL;
	sc_catalog_object *v = NULL;
	size_t n = 0;
	if (cli_open_store(c, &s, &err) || sc_catalog_objects_list(s, NULL, 1, &v, &n, &err)) {
		sc_store_free(s);
		return cli_fail(c, &err);
	}
	du_dead dead = { json_object() };
	sc_gc_report gr;
	int busy = sc_store_gc(s, 1, on_dead, &dead, &gr, &err);
	sc_store_free(s);
	if (busy && busy != SC_EBUSY) {
		sc_catalog_objects_free(v, n);
		json_decref(dead.ids);
		return cli_fail(c, &err);
	}
	json_t *kinds = json_object();
	for (size_t i = 0; i < n; i++) {
		add_to(kinds, v[i].kind, "all", v[i].size);
		json_t *d = json_object_get(dead.ids, sc_oid_hex_of(v[i].id));
		if (d) {
			add_to(kinds, v[i].kind, "reclaimable", v[i].size);
			json_object_del(dead.ids, sc_oid_hex_of(v[i].id));
		}
	}
	const char *id;
	json_t *sz;
	json_object_foreach(dead.ids, id, sz)
	{ /* on disk, not in the catalog */
		add_to(kinds, "unrecorded", "all", (uint64_t)json_integer_value(sz));
		add_to(kinds, "unrecorded", "reclaimable", (uint64_t)json_integer_value(sz));
	}
	sc_catalog_objects_free(v, n);
	json_decref(dead.ids);
	if (c->json)
		return cli_json_out(c, json_pack("{s:o, s:b}", "kinds", kinds, "reclaimable_known", !busy));
	printf("%-12s %8s %10s  %s\n", "kind", "objects", "bytes", "reclaimable by gc");
	uint64_t to = 0, tb = 0, ro = 0, rb = 0;
	const char *k;
	json_t *x;
	json_object_foreach(kinds, k, x)
	{
		char a[32], b[32];
		uint64_t o = (uint64_t)sc_json_int(x, "objects", 0), by = (uint64_t)sc_json_int(x, "bytes", 0);
		uint64_t r_o = (uint64_t)sc_json_int(x, "reclaimable_objects", 0);
		uint64_t r_b = (uint64_t)sc_json_int(x, "reclaimable_bytes", 0);
		printf("%-12s %8llu %10s  %llu objects, %s\n", cli_esc(k), (unsigned long long)o,
		       sc_fmt_size(by, a), (unsigned long long)r_o, sc_fmt_size(r_b, b));
		to += o, tb += by, ro += r_o, rb += r_b;
	}
	char a[32], b[32];
	printf("%-12s %8llu %10s  %llu objects, %s\n", "total", (unsigned long long)to,
	       sc_fmt_size(tb, a), (unsigned long long)ro, sc_fmt_size(rb, b));
	if (busy)
		printf("(reclaimable not known: another sceval holds the store)\n");
	json_decref(kinds);
	return 0;
}
