/*
 * test_store_faults.c - gc and fsck when the catalog fails under them.
 *
 * A query that stops with an error (I/O, a corrupt page, a busy lock) must
 * never pass for one that ran to its end: gc would take the rows it did not
 * see for unused objects and delete them. SQLite's progress handler lets a
 * test interrupt exactly one query at exactly the K-th step of the virtual
 * machine; sweeping K over every point of a gc run checks each query and
 * each row of it: gc either does what an uninterrupted gc does or fails
 * having deleted nothing.
 */
#include "unit.h"
#include "store/catalog.h"
#include "store/db.h"
#include "store/maint.h"
#include "store/store.h"
#include "util/fs.h"

#define N_LIVE 12
#define N_DEAD 3

typedef struct fault {
	long calls, at; /* interrupt at the at-th call (once), 0: never */
} fault;

static int progress(void *arg)
{
	fault *f = arg;
	return ++f->calls == f->at;
}

/* A store with N_LIVE outputs of a recorded step and N_DEAD unused objects. */
static sc_store *make_store(const char *dir, sc_oid *live, sc_oid *dead)
{
	sc_err err;
	int created;
	sc_store *s = NULL;
	if (sc_store_init(dir, &created, &err) || sc_store_open(&s, dir, &err))
		return NULL;
	sqlite3 *db = sc_store_db(s);
	int bad = sc_db_exec(db,
			     "INSERT INTO steps (key, kind, impl_version, key_json, status, created_at) "
			     "VALUES ('k', 'x', '1', '{}', 'done', 0)",
			     &err);
	for (int i = 0; i < N_LIVE + N_DEAD && !bad; i++) {
		char text[32];
		snprintf(text, sizeof(text), "object %d", i);
		sc_oid *o = i < N_LIVE ? &live[i] : &dead[i - N_LIVE];
		bad = sc_store_put_record(s, text, strlen(text), "output", o, &err);
		if (!bad && i < N_LIVE) {
			char id[SC_OID_IDLEN];
			sc_oid_id(o, id);
			char *sql = sc_xasprintf("INSERT INTO step_outputs VALUES ('k', 'r%d', '%s')", i, id);
			bad = sc_db_exec(db, sql, &err);
			free(sql);
		}
	}
	if (bad) {
		sc_store_free(s);
		return NULL;
	}
	return s;
}

static int count_present(sc_store *s, const sc_oid *v, int n)
{
	int k = 0;
	for (int i = 0; i < n; i++)
		k += sc_store_has(s, &v[i]);
	return k;
}

static void test_gc_interrupted(void)
{
	int wrong = 0, failed = 0, clean = 0;
	long at;
	char dir[] = "/tmp/sceval-unit-XXXXXX";
	sc_oid live[N_LIVE], dead[N_DEAD];
	sc_store *s = NULL;
	sc_err err, e2;
	/* A gc that fails leaves the store as it was, so the next point runs on
	 * the same store: a new one (slow: every object is fsynced) is made
	 * only after a gc that changed it. */
	for (at = 1; at < 100000; at++) {
		if (!s) {
			strcpy(dir, "/tmp/sceval-unit-XXXXXX");
			if (!mkdtemp(dir) || !(s = make_store(dir, live, dead))) {
				wrong++;
				break;
			}
		}
		fault f = { 0, at };
		sqlite3_progress_handler(sc_store_db(s), 1, progress, &f);
		sc_gc_report r;
		int rc = sc_store_gc(s, 0, NULL, NULL, &r, &err);
		sqlite3_progress_handler(sc_store_db(s), 0, NULL, NULL);
		if (!sqlite3_get_autocommit(sc_store_db(s))) {
			wrong++;
			printf("# interrupt at %ld: gc left a transaction open (%s)\n", at, rc ? err.msg : "");
		}
		int nl = count_present(s, live, N_LIVE), nd = count_present(s, dead, N_DEAD);
		int changed = nl != N_LIVE || nd != N_DEAD;
		if (rc) {
			failed++;
			if (changed) {
				wrong++;
				printf("# interrupt at %ld: gc failed (%s) but deleted %d objects\n", at,
				       err.msg, N_LIVE + N_DEAD - nl - nd);
			}
		} else if (nl != N_LIVE || nd != 0) {
			wrong++;
			printf("# interrupt at %ld: gc succeeded keeping %d of %d live, %d of %d dead\n",
			       at, nl, N_LIVE, nd, N_DEAD);
		}
		int ended = f.calls < at; /* the run ended before the interrupt point */
		if (ended) {
			clean = !rc && nl == N_LIVE && nd == 0;
			if (rc)
				printf("# gc without an interrupt failed: %s\n", err.msg);
		}
		if (changed || ended) {
			sc_store_free(s);
			s = NULL;
			if (sc_rm_rf(dir, &e2)) {
			}
		}
		if (ended)
			break;
	}
	if (s) {
		sc_store_free(s);
		if (sc_rm_rf(dir, &e2)) {
		}
	}
	OK(clean, "an uninterrupted gc keeps the %d live and deletes the %d dead objects", N_LIVE,
	   N_DEAD);
	OK(failed > 0, "interrupting gc's queries makes it fail (%d of %ld points)", failed, at - 1);
	OK(wrong == 0, "at every interrupt point gc fails having deleted nothing, or does its whole "
		       "job (%d wrong)", wrong);
}

int main(void)
{
	test_gc_interrupted();
	return unit_done();
}
