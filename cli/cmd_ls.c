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

/* Names of an object as "a, b" (caller frees), NULL with err on a
 * catalog error. */
static char *names_of(sqlite3 *db, const char *id, sc_err *err)
{
	sqlite3_stmt *q;
	if (sc_db_prepare(db, &q, "SELECT name FROM names WHERE object = ? ORDER BY name", err))
		return NULL;
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
	int r;
	while ((r = sc_db_row(db, q, err, "cannot read the names")) > 0)
		sc_buf_printf(&b, "%s%s", b.len ? ", " : "", sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	if (r < 0) {
		sc_buf_free(&b);
		return NULL;
	}
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
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	if (sc_db_prepare(db, &q,
			  "SELECT id, type, kind, size, added_at FROM objects "
			  "WHERE (?1 IS NULL OR kind = ?1) AND (?2 OR listed) "
			  "ORDER BY added_at DESC, id",
			  &err)) {
		sc_store_free(s);
		return cli_fail(c, &err);
	}
	if (kind)
		sqlite3_bind_text(q, 1, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 2, all);
	json_t *arr = c->json ? json_array() : NULL;
	int r;
	while ((r = sc_db_row(db, q, &err, "cannot list the objects")) > 0) {
		const char *id = (const char *)sqlite3_column_text(q, 0);
		const char *type = (const char *)sqlite3_column_text(q, 1);
		const char *k = (const char *)sqlite3_column_text(q, 2);
		uint64_t size = (uint64_t)sqlite3_column_int64(q, 3);
		int64_t at = sqlite3_column_int64(q, 4);
		char *names = names_of(db, id, &err);
		if (!names) {
			r = SC_ERR;
			break;
		}
		if (arr) {
			char t[32];
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "hash",
							     id + 7, "type", type, "kind", k, "size",
							     (json_int_t)size, "added",
							     sc_fmt_time_utc(at, t), "names", names));
		} else {
			char sz[32], t[32];
			printf("%s  %-7s %9s  %s%s%s%s\n", id + 7, k, sc_fmt_size(size, sz),
			       sc_fmt_time(at, t), strcmp(type, "tree") ? "" : "  (tree)",
			       *names ? "  " : "", names);
		}
		free(names);
	}
	sqlite3_finalize(q);
	sc_store_free(s);
	if (r < 0) {
		json_decref(arr);
		return cli_fail(c, &err);
	}
	if (arr)
		cli_json_out(c, json_pack("{s:o}", "objects", arr));
	return 0;
}

/* `sceval show` for an object; called by cmd_show when REF is not a run. */
int cli_show_object(cli_ctx *c, sc_store *s, const char *ref)
{
	sc_err err;
	sc_oid oid;
	if (sc_store_resolve(s, ref, &oid, &err))
		return cli_fail(c, &err);
	char id[SC_OID_IDLEN];
	sc_oid_id(&oid, id);
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	if (sc_db_prepare(db, &q, "SELECT type, kind, size, added_at FROM objects WHERE id = ?",
			  &err))
		return cli_fail(c, &err);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
	char *path = sc_store_object_path(s, &oid);
	char *names = names_of(db, id, &err);
	if (!names) {
		sqlite3_finalize(q);
		free(path);
		return cli_fail(c, &err);
	}
	json_t *j = json_pack("{s:s, s:s}", "hash", id + 7, "path", path);
	int r = sc_db_row(db, q, &err, "cannot read the object's record");
	if (r > 0) {
		char t[32];
		json_object_set_new(j, "type", json_string((const char *)sqlite3_column_text(q, 0)));
		json_object_set_new(j, "kind", json_string((const char *)sqlite3_column_text(q, 1)));
		json_object_set_new(j, "size", json_integer(sqlite3_column_int64(q, 2)));
		json_object_set_new(j, "added", json_string(sc_fmt_time_utc(sqlite3_column_int64(q, 3), t)));
	} else if (r == 0) {
		json_object_set_new(j, "recorded", json_false());
	}
	sqlite3_finalize(q);
	int bad = r < 0;
	json_object_set_new(j, "names", json_string(names));
	json_t *src = json_array();
	if (!sc_db_prepare(db, &q,
			   "SELECT path, host, added_at FROM object_sources WHERE object = ? "
			   "ORDER BY added_at",
			   &err)) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
		while (!bad && (r = sc_db_row(db, q, &err, "cannot read the object's sources")) > 0) {
			char t[32];
			json_array_append_new(src, json_pack("{s:s, s:s, s:s}", "path",
							     sqlite3_column_text(q, 0), "host",
							     sqlite3_column_text(q, 1), "added",
							     sc_fmt_time_utc(sqlite3_column_int64(q, 2), t)));
		}
		sqlite3_finalize(q);
		bad |= r < 0;
	}
	json_object_set_new(j, "sources", src);
	/* Which runs and steps use it, so a user sees why gc keeps it. */
	json_t *used = json_array();
	if (!sc_db_prepare(db, &q,
			   "SELECT 'input of step ' || substr(step, 1, 12) || ' (' || role || ')' "
			   "FROM step_inputs WHERE object = ?1 UNION ALL "
			   "SELECT 'output of step ' || substr(step, 1, 12) || ' (' || role || ')' "
			   "FROM step_outputs WHERE object = ?1 UNION ALL "
			   "SELECT 'result of run ' || id FROM runs WHERE result = ?1 UNION ALL "
			   "SELECT 'spec of run ' || id FROM runs WHERE spec = ?1 LIMIT 20",
			   &err)) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
		while (!bad && (r = sc_db_row(db, q, &err, "cannot read the object's users")) > 0)
			json_array_append_new(used, json_string((const char *)sqlite3_column_text(q, 0)));
		sqlite3_finalize(q);
		bad |= r < 0;
	}
	json_object_set_new(j, "used_by", used);
	free(names);
	free(path);
	if (bad) {
		json_decref(j);
		return cli_fail(c, &err);
	}
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
	json_array_foreach(src, i, v)
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
