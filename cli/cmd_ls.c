/*
 * cmd_ls.c - listing and describing objects: ls, and show for objects
 * (show for runs and results lives with the runner commands).
 */
#include "cli.h"
#include "store/catalog.h"
#include "store/store.h"
#include "util/fmt.h"
#include "util/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char ls_usage[] =
	"usage: sceval ls [--kind KIND] [--all] [--json]\n\n"
	"List stored objects, newest first: hash, kind, size, when added, names.\n\n"
	"options:\n"
	"  --kind KIND  only objects of this kind (dataset, weights, config, output, log, ...)\n"
	"  --all        also the objects inside directories and those the runner made\n";

/* Names of an object as "a, b" (caller frees). */
static char *names_of(const sc_catalog_object *o)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	for (size_t i = 0; i < o->n_names; i++)
		sc_buf_printf(&b, "%s%s", i ? ", " : "", o->names[i]);
	return sc_buf_detach(&b);
}

int cmd_ls(cli_ctx *c, int argc, char **argv)
{
	static const struct option lo[] = { { "kind", required_argument, NULL, 'k' },
					    { "all", no_argument, NULL, 'a' },
					    { NULL, 0, NULL, 0 } };
	const char *kind = NULL;
	int all = 0, o;
	while ((o = cli_opt(c, argc, argv, ls_usage, "k:a", lo, 1)) != -1) {
		if (o == 'k')
			kind = optarg;
		else if (o == 'a')
			all = 1;
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
	sc_catalog_object *v;
	size_t n;
	int rc = sc_catalog_objects_list(s, kind, all, &v, &n, &err);
	sc_store_free(s);
	if (rc)
		return cli_fail(c, &err);
	json_t *arr = c->json ? json_array() : NULL;
	for (size_t i = 0; i < n; i++) {
		const sc_catalog_object *o = &v[i];
		const char *hex = sc_oid_hex_of(o->id);
		char *names = names_of(o);
		if (arr) {
			char t[32];
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "hash",
							     hex, "type", o->type, "kind", o->kind,
							     "size", (json_int_t)o->size, "added",
							     sc_fmt_time_utc(o->added_at, t), "names",
							     names));
		} else {
			char sz[32], t[32];
			printf("%s  %-7s %9s  %s%s%s%s\n", hex, o->kind, sc_fmt_size(o->size, sz),
			       sc_fmt_time(o->added_at, t), strcmp(o->type, "tree") ? "" : "  (tree)",
			       *names ? "  " : "", names);
		}
		free(names);
	}
	sc_catalog_objects_free(v, n);
	if (arr)
		cli_json_out(c, json_pack("{s:o}", "objects", arr));
	return 0;
}

/* One use of an object as `show` prints it. */
static json_t *use_text(const sc_catalog_use *u)
{
	switch (u->kind) {
	case SC_CATALOG_USE_INPUT:
	case SC_CATALOG_USE_OUTPUT:
		return json_sprintf("%s of step %.12s (%s)",
				    u->kind == SC_CATALOG_USE_INPUT ? "input" : "output",
				    u->step ? u->step : "", u->role ? u->role : "");
	case SC_CATALOG_USE_RESULT:
		return json_sprintf("result of run %lld", (long long)u->run);
	case SC_CATALOG_USE_SPEC:
		return json_sprintf("spec of run %lld", (long long)u->run);
	}
	return json_null();
}

/* `sceval show` for an object; called by cmd_show when REF is not a run. */
int cli_show_object(cli_ctx *c, sc_store *s, const char *ref)
{
	sc_err err;
	sc_oid oid;
	if (sc_store_resolve(s, ref, &oid, &err))
		return cli_fail(c, &err);
	sc_catalog_object rec;
	sc_catalog_source *src = NULL;
	sc_catalog_use *use = NULL;
	size_t nsrc = 0, nuse = 0;
	int found;
	if (sc_catalog_object_get(s, &oid, &rec, &found, &err))
		return cli_fail(c, &err);
	if (sc_catalog_object_sources(s, &oid, &src, &nsrc, &err) ||
	    sc_catalog_object_uses(s, &oid, 20, &use, &nuse, &err)) {
		sc_catalog_sources_free(src, nsrc);
		sc_catalog_object_clear(&rec);
		return cli_fail(c, &err);
	}
	char id[SC_OID_IDLEN];
	sc_oid_id(&oid, id);
	char *path = sc_store_object_path(s, &oid);
	char *names = names_of(&rec);
	json_t *j = json_pack("{s:s, s:s}", "hash", sc_oid_hex_of(id), "path", path);
	if (found) {
		char t[32];
		json_object_set_new(j, "type", json_string(rec.type));
		json_object_set_new(j, "kind", json_string(rec.kind));
		json_object_set_new(j, "size", json_integer((json_int_t)rec.size));
		json_object_set_new(j, "added", json_string(sc_fmt_time_utc(rec.added_at, t)));
	} else {
		json_object_set_new(j, "recorded", json_false());
	}
	json_object_set_new(j, "names", json_string(names));
	json_t *sources = json_array();
	for (size_t i = 0; i < nsrc; i++) {
		char t[32];
		json_array_append_new(sources, json_pack("{s:s, s:s, s:s}", "path", src[i].path, "host",
							 src[i].host, "added",
							 sc_fmt_time_utc(src[i].added_at, t)));
	}
	json_object_set_new(j, "sources", sources);
	/* Which runs and steps use it, so a user sees why gc keeps it. */
	json_t *used = json_array();
	for (size_t i = 0; i < nuse; i++)
		json_array_append_new(used, use_text(&use[i]));
	json_object_set_new(j, "used_by", used);
	free(names);
	free(path);
	sc_catalog_sources_free(src, nsrc);
	sc_catalog_uses_free(use, nuse);
	sc_catalog_object_clear(&rec);
	if (c->json)
		return cli_json_out(c, j);
	printf("object  %s\n", id);
	if (json_object_get(j, "type")) {
		char sz[32];
		uint64_t size = (uint64_t)json_integer_value(json_object_get(j, "size"));
		printf("type    %s\n", sc_json_str(j, "type", ""));
		printf("kind    %s\n", sc_json_str(j, "kind", ""));
		printf("size    %llu (%s)\n", (unsigned long long)size, sc_fmt_size(size, sz));
		printf("added   %s\n", sc_json_str(j, "added", ""));
	} else {
		printf("(not recorded in the catalog)\n");
	}
	if (*sc_json_str(j, "names", ""))
		printf("names   %s\n", sc_json_str(j, "names", ""));
	size_t i;
	json_t *v;
	json_array_foreach(sources, i, v)
		printf("source  %s:%s (%s)\n", sc_json_str(v, "host", ""), sc_json_str(v, "path", ""),
		       sc_json_str(v, "added", ""));
	json_array_foreach(used, i, v)
		printf("used    %s\n", json_string_value(v));
	printf("file    %s\n", sc_json_str(j, "path", ""));
	if (!strcmp(sc_json_str(j, "type", ""), "tree")) {
		sc_buf b = SC_BUF_INIT;
		sc_buf_init(&b);
		sc_tree_entry *e = NULL;
		size_t n = 0;
		if (!sc_store_read(s, &oid, &b, &err) && !sc_tree_parse(&e, &n, b.s, b.len, &err)) {
			printf("entries %zu\n", n);
			for (size_t k = 0; k < n; k++) {
				char hex[SC_OID_HEXLEN + 1];
				sc_oid_hex(&e[k].oid, hex);
				printf("  %06o %s %s %12llu  %s\n", e[k].mode,
				       e[k].type == SC_OBJ_TREE ? "tree" : e[k].type == 2 ? "link" : "blob",
				       hex, (unsigned long long)e[k].size, e[k].name);
			}
		}
		sc_tree_free(e, n);
		sc_buf_free(&b);
	}
	json_decref(j);
	return 0;
}
