/*
 * cmd_bundle.c - export a result as a bundle, import a bundle.
 */
#include "cli.h"
#include "store/bundle.h"
#include "util/fmt.h"
#include "util/json.h"

#include <stdio.h>

static const char export_usage[] =
	"usage: sceval export RESULT -o FILE.tar [--force] [--json]\n\n"
	"Write a bundle: the result, every object it needs (datasets, method files,\n"
	"outputs, logs, the spec, the git diff) and the catalog records of its steps\n"
	"and runs. In another store, 'sceval import FILE.tar' then 'sceval reproduce\n"
	"RESULT' works offline. The same result exports to the same bytes. An existing\n"
	"FILE.tar is replaced only with --force, and only when it is a regular file.\n";

int cmd_export(cli_ctx *c, int argc, char **argv)
{
	static const struct option lo[] = { { "output", required_argument, NULL, 'o' },
					    { "force", no_argument, NULL, 'f' },
					    { NULL, 0, NULL, 0 } };
	const char *outp = NULL;
	int opt, force = 0;
	while ((opt = cli_opt(c, argc, argv, export_usage, "o:f", lo, 1)) != -1) {
		if (opt == 'o')
			outp = optarg;
		else if (opt == 'f')
			force = 1;
		else
			return cli_usage_error(c, "unexpected option");
	}
	CLI_OPTS_END(c);
	if (argc - c->optind != 1)
		return cli_usage_error(c, "expected one RESULT");
	if (!outp)
		return cli_usage_error(c, "-o FILE.tar is required");
	sc_err err;
	sc_store *s = NULL;
	sc_oid res;
	sc_bundle_stats st;
	if (cli_open_store(c, &s, &err) || sc_store_resolve(s, argv[c->optind], &res, &err) ||
	    sc_bundle_export(s, &res, outp, force, &st, &err)) {
		sc_store_free(s);
		return cli_fail(c, &err);
	}
	sc_store_free(s);
	char hex[SC_OID_HEXLEN + 1], sz[32];
	sc_oid_hex(&res, hex);
	if (c->json)
		return cli_json_out(c, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "bundle", outp,
						 "result", hex, "objects", (json_int_t)st.objects,
						 "bytes", (json_int_t)st.bytes, "steps",
						 (json_int_t)st.steps, "runs", (json_int_t)st.runs));
	printf("%s: result %s, %llu objects (%s), %llu steps, %llu runs\n", outp, hex,
	       (unsigned long long)st.objects, sc_fmt_size(st.bytes, sz),
	       (unsigned long long)st.steps, (unsigned long long)st.runs);
	return 0;
}

static const char import_usage[] =
	"usage: sceval import FILE.tar [--json]\n\n"
	"Add a bundle's objects and records to this store. Every object is re-hashed;\n"
	"absolute paths, '..', links and anything the bundle's manifest does not list\n"
	"are rejected, and then nothing at all is added.\n";

int cmd_import(cli_ctx *c, int argc, char **argv)
{
	while (cli_opt(c, argc, argv, import_usage, "", NULL, 1) != -1)
		return cli_usage_error(c, "unexpected option");
	CLI_OPTS_END(c);
	if (argc - c->optind != 1)
		return cli_usage_error(c, "expected one FILE.tar");
	sc_err err;
	sc_store *s = NULL;
	sc_oid res;
	sc_bundle_stats st;
	if (cli_open_store(c, &s, &err) || sc_store_lock(s, 0, 1, &err) ||
	    sc_bundle_import(s, argv[c->optind], &res, &st, &err)) {
		sc_store_free(s);
		return cli_fail(c, &err);
	}
	sc_store_free(s);
	char hex[SC_OID_HEXLEN + 1], sz[32];
	sc_oid_hex(&res, hex);
	if (c->json)
		return cli_json_out(c, json_pack("{s:s, s:I, s:I, s:I, s:I}", "result", hex, "objects",
						 (json_int_t)st.objects, "bytes", (json_int_t)st.bytes,
						 "steps", (json_int_t)st.steps, "runs",
						 (json_int_t)st.runs));
	printf("imported result %s: %llu objects (%s), %llu steps, %llu runs\n", hex,
	       (unsigned long long)st.objects, sc_fmt_size(st.bytes, sz),
	       (unsigned long long)st.steps, (unsigned long long)st.runs);
	return 0;
}
