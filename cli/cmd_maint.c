/*
 * cmd_maint.c - fsck and gc.
 */
#include "cli.h"
#include "store/maint.h"
#include "util/fmt.h"
#include "util/json.h"

#include <stdio.h>
#include <string.h>

static const char fsck_usage[] =
	"usage: sceval fsck [--fast] [--json]\n\n"
	"Re-hash every object (the stat cache is never trusted) and check that trees,\n"
	"names, runs and steps refer only to objects that exist. Prints one line per\n"
	"problem (corrupt, missing, temp, stray) and a summary; exits 1 when anything\n"
	"is wrong. Objects no record names ('unrecorded') and temporary files ('temp'),\n"
	"both left by an interrupted command, are listed but are not an error;\n"
	"'sceval gc' removes them.\n\n"
	"options:\n"
	"  --fast   compare sizes only, do not re-hash\n";

typedef struct fsck_out {
	json_t *arr;
} fsck_out;

static void on_problem(void *ctx, const char *what, const char *object, const char *detail)
{
	fsck_out *o = ctx;
	if (o->arr)
		json_array_append_new(o->arr, json_pack("{s:s, s:s, s:s}", "problem", what, "object",
							object, "detail", detail));
	else
		printf("%s %s: %s\n", what, object, detail);
}

int cmd_fsck(cli_ctx *c, int argc, char **argv)
{
	static const struct option lo[] = { { "fast", no_argument, NULL, 'f' },
					    { NULL, 0, NULL, 0 } };
	int fast = 0, o;
	while ((o = cli_opt(c, argc, argv, fsck_usage, "", lo, 1)) != -1) {
		if (o == 'f')
			fast = 1;
		else
			return cli_usage_error(c, "unexpected option");
	}
	CLI_OPTS_END(c);
	if (c->optind < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[c->optind]);
	sc_err err;
	sc_store *s = NULL;
	if (cli_open_store(c, &s, &err))
		return cli_fail(c, &err);
	fsck_out out = { c->json ? json_array() : NULL };
	sc_fsck_report r;
	int rc = sc_store_fsck(s, fast, on_problem, &out, &r, &err);
	sc_store_free(s);
	if (rc) {
		json_decref(out.arr);
		return cli_fail(c, &err);
	}
	int bad = sc_fsck_failed(&r);
	if (out.arr) {
		cli_json_out(c, json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:b}",
					  "problems", out.arr, "objects", (json_int_t)r.objects,
					  "bytes", (json_int_t)r.bytes, "corrupt",
					  (json_int_t)r.corrupt, "missing", (json_int_t)r.missing,
					  "temps", (json_int_t)r.temps, "stray", (json_int_t)r.stray,
					  "unrecorded", (json_int_t)r.unrecorded, "fast", fast, "ok",
					  !bad));
	} else {
		char sz[32];
		printf("checked %llu objects (%s%s): %llu corrupt, %llu missing, %llu leftover "
		       "temporary, %llu stray\n",
		       (unsigned long long)r.objects, sc_fmt_size(r.bytes, sz),
		       fast ? ", sizes only" : "", (unsigned long long)r.corrupt,
		       (unsigned long long)r.missing, (unsigned long long)r.temps,
		       (unsigned long long)r.stray);
	}
	if (bad) {
		fprintf(stderr, "sceval fsck: the store has problems: %llu corrupt, %llu missing, "
				"%llu stray\n",
			(unsigned long long)r.corrupt, (unsigned long long)r.missing,
			(unsigned long long)r.stray);
		return 1;
	}
	return 0;
}

static const char gc_usage[] =
	"usage: sceval gc [--dry-run] [-v] [--json]\n\n"
	"Remove objects that nothing refers to: not named, not a recorded run's spec,\n"
	"result or diff, not an input, output or log of a recorded step, not inside a tree\n"
	"that is kept. Also removes leftover temporary files. Needs the store to itself:\n"
	"it fails if another sceval process is using it.\n\n"
	"options:\n"
	"  -n, --dry-run  list what would be removed, remove nothing\n"
	"  -v, --verbose  list every removed object\n";

typedef struct gc_out {
	json_t *arr;
	int verbose;
	int dry;
} gc_out;

static void on_dead(void *ctx, const char *object, uint64_t size)
{
	gc_out *o = ctx;
	if (o->arr)
		json_array_append_new(o->arr, json_pack("{s:s, s:I}", "hash", object, "size",
							(json_int_t)size));
	else if (o->verbose || o->dry)
		printf("%s %s (%llu bytes)\n", o->dry ? "would remove" : "removed", object,
		       (unsigned long long)size);
}

int cmd_gc(cli_ctx *c, int argc, char **argv)
{
	static const struct option lo[] = { { "dry-run", no_argument, NULL, 'n' },
					    { "verbose", no_argument, NULL, 'v' },
					    { NULL, 0, NULL, 0 } };
	gc_out out = { NULL, 0, 0 };
	int o;
	while ((o = cli_opt(c, argc, argv, gc_usage, "nv", lo, 1)) != -1) {
		if (o == 'n')
			out.dry = 1;
		else if (o == 'v')
			out.verbose = 1;
		else
			return cli_usage_error(c, "unexpected option");
	}
	CLI_OPTS_END(c);
	if (c->optind < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[c->optind]);
	sc_err err;
	sc_store *s = NULL;
	if (cli_open_store(c, &s, &err))
		return cli_fail(c, &err);
	if (c->json)
		out.arr = json_array();
	sc_gc_report r;
	int rc = sc_store_gc(s, out.dry, on_dead, &out, &r, &err);
	sc_store_free(s);
	if (rc) {
		json_decref(out.arr);
		return cli_fail(c, &err);
	}
	if (out.arr) {
		return cli_json_out(c, json_pack("{s:o, s:b, s:I, s:I, s:I, s:I}", "removed", out.arr,
						 "dry_run", out.dry, "kept", (json_int_t)r.kept,
						 "removed_count", (json_int_t)r.removed,
						 "removed_bytes", (json_int_t)r.removed_bytes,
						 "temps", (json_int_t)r.temps));
	}
	char sz[32];
	printf("%s %llu objects (%s), %llu temporary files; kept %llu\n",
	       out.dry ? "would remove" : "removed", (unsigned long long)r.removed,
	       sc_fmt_size(r.removed_bytes, sz), (unsigned long long)r.temps,
	       (unsigned long long)r.kept);
	return 0;
}
