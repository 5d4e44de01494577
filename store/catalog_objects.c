/*
 * catalog_objects.c - objects and names as the commands see them (see
 * catalog.h): listing objects with their names, one object's record, its
 * sources and what refers to it, and setting and removing names under the
 * store lock.
 */
#include "store/catalog.h"
#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- objects ------------------------------------------------------------------ */

void sc_catalog_object_clear(sc_catalog_object *o)
{
	if (!o)
		return;
	free(o->id);
	free(o->type);
	free(o->kind);
	for (size_t i = 0; i < o->n_names; i++)
		free(o->names[i]);
	free(o->names);
	memset(o, 0, sizeof(*o));
}

void sc_catalog_objects_free(sc_catalog_object *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sc_catalog_object_clear(&v[i]);
	free(v);
}

static int object_names(sqlite3 *db, sc_catalog_object *o, sc_err *err)
{
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q, "SELECT name FROM names WHERE object = ? ORDER BY name", err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, o->id, -1, SQLITE_TRANSIENT);
	int r;
	while ((r = sc_db_row(db, q, err, "cannot read the names")) > 0) {
		o->names = sc_xrealloc(o->names, (o->n_names + 1) * sizeof(char *));
		o->names[o->n_names++] = sc_db_col_dup(q, 0);
	}
	sqlite3_finalize(q);
	return r;
}

static void fill_object(sc_catalog_object *o, sqlite3_stmt *q, int c)
{
	o->type = sc_db_col_dup(q, c);
	o->kind = sc_db_col_dup(q, c + 1);
	o->size = (uint64_t)sqlite3_column_int64(q, c + 2);
	o->added_at = sqlite3_column_int64(q, c + 3);
}

int sc_catalog_objects_list(sc_store *s, const char *kind, int all, sc_catalog_object **out,
			    size_t *n, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	*out = NULL;
	*n = 0;
	int rc = sc_db_prepare(db, &q,
			       "SELECT id, type, kind, size, added_at FROM objects "
			       "WHERE (?1 IS NULL OR kind = ?1) AND (?2 OR listed) "
			       "ORDER BY added_at DESC, id",
			       err);
	if (rc)
		return rc;
	if (kind)
		sqlite3_bind_text(q, 1, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 2, all);
	sc_catalog_object *v = NULL;
	size_t k = 0;
	int r;
	while ((r = sc_db_row(db, q, err, "cannot list the objects")) > 0) {
		v = sc_xrealloc(v, (k + 1) * sizeof(*v));
		sc_catalog_object *o = &v[k++];
		memset(o, 0, sizeof(*o));
		o->id = sc_db_col_dup(q, 0);
		fill_object(o, q, 1);
		if ((r = object_names(db, o, err)) < 0)
			break;
	}
	sqlite3_finalize(q);
	if (r < 0) {
		sc_catalog_objects_free(v, k);
		return r;
	}
	*out = v;
	*n = k;
	return 0;
}

int sc_catalog_object_get(sc_store *s, const sc_oid *id, sc_catalog_object *out, int *found,
			  sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	memset(out, 0, sizeof(*out));
	*found = 0;
	char sid[SC_OID_IDLEN];
	sc_oid_id(id, sid);
	out->id = sc_xstrdup(sid);
	int rc = sc_db_prepare(db, &q, "SELECT type, kind, size, added_at FROM objects WHERE id = ?",
			       err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, sid, -1, SQLITE_TRANSIENT);
	int r = sc_db_row(db, q, err, "cannot read the object's record");
	if (r > 0) {
		*found = 1;
		fill_object(out, q, 0);
	}
	sqlite3_finalize(q);
	if (r < 0 || (r = object_names(db, out, err)) < 0) {
		sc_catalog_object_clear(out);
		return r;
	}
	return 0;
}

void sc_catalog_sources_free(sc_catalog_source *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].host);
	}
	free(v);
}

int sc_catalog_object_sources(sc_store *s, const sc_oid *id, sc_catalog_source **out, size_t *n,
			      sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	*out = NULL;
	*n = 0;
	int rc = sc_db_prepare(db, &q,
			       "SELECT path, host, added_at FROM object_sources WHERE object = ? "
			       "ORDER BY added_at",
			       err);
	if (rc)
		return rc;
	char sid[SC_OID_IDLEN];
	sc_oid_id(id, sid);
	sqlite3_bind_text(q, 1, sid, -1, SQLITE_TRANSIENT);
	sc_catalog_source *v = NULL;
	size_t k = 0;
	int r;
	while ((r = sc_db_row(db, q, err, "cannot read the object's sources")) > 0) {
		v = sc_xrealloc(v, (k + 1) * sizeof(*v));
		v[k].path = sc_db_col_dup(q, 0);
		v[k].host = sc_db_col_dup(q, 1);
		v[k++].added_at = sqlite3_column_int64(q, 2);
	}
	sqlite3_finalize(q);
	if (r < 0) {
		sc_catalog_sources_free(v, k);
		return r;
	}
	*out = v;
	*n = k;
	return 0;
}

void sc_catalog_uses_free(sc_catalog_use *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].step);
		free(v[i].role);
	}
	free(v);
}

int sc_catalog_object_uses(sc_store *s, const sc_oid *id, size_t limit, sc_catalog_use **out,
			   size_t *n, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	*out = NULL;
	*n = 0;
	int rc = sc_db_prepare(db, &q,
			       "SELECT 0, step, role, NULL FROM step_inputs WHERE object = ?1 "
			       "UNION ALL SELECT 1, step, role, NULL FROM step_outputs WHERE object = ?1 "
			       "UNION ALL SELECT 2, NULL, NULL, id FROM runs WHERE result = ?1 "
			       "UNION ALL SELECT 3, NULL, NULL, id FROM runs WHERE spec = ?1 LIMIT ?2",
			       err);
	if (rc)
		return rc;
	char sid[SC_OID_IDLEN];
	sc_oid_id(id, sid);
	sqlite3_bind_text(q, 1, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
	static const sc_catalog_use_kind kinds[] = { SC_CATALOG_USE_INPUT, SC_CATALOG_USE_OUTPUT,
						     SC_CATALOG_USE_RESULT, SC_CATALOG_USE_SPEC };
	sc_catalog_use *v = NULL;
	size_t k = 0;
	int r;
	while ((r = sc_db_row(db, q, err, "cannot read the object's users")) > 0) {
		v = sc_xrealloc(v, (k + 1) * sizeof(*v));
		v[k].kind = kinds[sqlite3_column_int(q, 0) & 3];
		v[k].step = sc_db_col_dup(q, 1);
		v[k].role = sc_db_col_dup(q, 2);
		v[k++].run = sqlite3_column_int64(q, 3);
	}
	sqlite3_finalize(q);
	if (r < 0) {
		sc_catalog_uses_free(v, k);
		return r;
	}
	*out = v;
	*n = k;
	return 0;
}

/* ---- names --------------------------------------------------------------------- */

void sc_catalog_names_free(sc_catalog_name *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].object);
	}
	free(v);
}

int sc_catalog_names_list(sc_store *s, sc_catalog_name **out, size_t *n, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	*out = NULL;
	*n = 0;
	int rc = sc_db_prepare(db, &q, "SELECT name, object FROM names ORDER BY name", err);
	if (rc)
		return rc;
	sc_catalog_name *v = NULL;
	size_t k = 0;
	int r;
	while ((r = sc_db_row(db, q, err, "cannot read the names")) > 0) {
		v = sc_xrealloc(v, (k + 1) * sizeof(*v));
		v[k].name = sc_db_col_dup(q, 0);
		v[k++].object = sc_db_col_dup(q, 1);
	}
	sqlite3_finalize(q);
	if (r < 0) {
		sc_catalog_names_free(v, k);
		return r;
	}
	*out = v;
	*n = k;
	return 0;
}

int sc_catalog_name_set(sc_store *s, const sc_oid *id, const char *name, int force, sc_err *err)
{
	int rc = sc_store_lock(s, 0, 1, err);
	return rc ? rc : sc_store_tag(s, id, name, force, err);
}

int sc_catalog_name_delete(sc_store *s, const char *name, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	int rc = sc_store_lock(s, 0, 1, err);
	if (rc || (rc = sc_db_begin(db, err)))
		return rc;
	sqlite3_stmt *q;
	if ((rc = sc_db_prepare(db, &q, "DELETE FROM names WHERE name = ?", err)))
		goto fail;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
	rc = sc_db_done(db, q, err, "cannot remove a name");
	sqlite3_finalize(q);
	if (rc)
		goto fail;
	if (sqlite3_changes(db) == 0) {
		rc = sc_errf(err, SC_ENOTFOUND, "no name '%s'", name);
		goto fail;
	}
	return sc_db_commit(db, err);
fail:
	sc_db_rollback(db);
	return rc;
}
