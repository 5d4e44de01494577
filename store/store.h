/*
 * store.h - the content-addressed object store (.sceval/).
 *
 * Layout: .sceval/objects/ab/cdef... (SHA-256, 2-hex shards, raw bytes,
 * mode 0444: an .h5ad object opens in place), .sceval/catalog.db (SQLite),
 * .sceval/tmp/ (temporary files where O_TMPFILE is unavailable),
 * .sceval/locks/ (per-step locks), .sceval/lock (store lock).
 *
 * Invariants:
 * - An object file exists under its final name only once its bytes are
 *   complete, fsynced and verified: writes go to an unnamed (O_TMPFILE) or
 *   temporary file, are re-hashed, then linked into place and the shard
 *   directory fsynced. A crash at any point leaves no partial object.
 * - Catalog rows are written after the objects they name exist, in one
 *   transaction per command, so a failed command leaves the catalog as it
 *   was; at worst an unrecorded complete object remains (gc removes it).
 * - Writers hold the store lock shared; gc holds it exclusive.
 */
#ifndef SC_STORE_H
#define SC_STORE_H

#include <stdint.h>
#include <sys/types.h>
#include "store/hash.h"
#include "util/buf.h"
#include "util/err.h"

typedef struct sc_store sc_store;

/* Create DIR/.sceval (DIR created if needed); an existing store is migrated
 * and left as it is. *created says which happened. */
int sc_store_init(const char *dir, int *created, sc_err *err) SC_WUR;
/* Open the store in dir (the directory holding .sceval, or .sceval itself);
 * dir NULL: $SCEVAL_DIR, else search from the working directory upwards. */
int sc_store_open(sc_store **out, const char *dir, sc_err *err) SC_WUR;
void sc_store_free(sc_store *s);
const char *sc_store_root(const sc_store *s); /* the .sceval directory */
const char *sc_store_top(const sc_store *s);  /* the directory holding it */

/* Store lock: shared for writers, exclusive for gc. wait=0 fails with
 * SC_EBUSY when it cannot be taken at once. Released by sc_store_free. */
int sc_store_lock(sc_store *s, int exclusive, int wait, sc_err *err) SC_WUR;

/* Remove temporary files and scratch folders under tmp/ left by sceval
 * processes that no longer exist (killed ones); those of live processes
 * stay. Names carry their owner, pid and host: obj-OWNER-*,
 * step-KEY-OWNER-*, import-OWNER, where OWNER is sc_store_tmp_owner_tag(). */
void sc_store_clean_tmp(sc_store *s);
/* "PID.HOST" for this process: HOST is 8 hex digits of the SHA-256 of the
 * machine's name, so that a store shared by several machines (a cluster's
 * file system) judges a temporary entry only on the machine that made it. */
const char *sc_store_tmp_owner_tag(void);
/* The pid in the name of an entry of tmp/, or -1 when it has none. */
long sc_store_tmp_owner(const char *name);
/* Whether the entry NAME of tmp/ (at PATH) may still be written: its
 * process runs on this machine, or it was made on another machine and
 * changed within SC_STORE_TMP_FOREIGN_S seconds (a process there cannot be
 * asked whether it runs). An entry without an owner is not in use. */
#define SC_STORE_TMP_FOREIGN_S (7 * 24 * 3600)
int sc_store_tmp_in_use(const char *path, const char *name);
/* Whether NAME's owner is a process of another machine. */
int sc_store_tmp_foreign(const char *name);

/* Path of an object's file (whether or not it exists). Caller frees. */
char *sc_store_object_path(const sc_store *s, const sc_oid *id);
int sc_store_has(const sc_store *s, const sc_oid *id);

enum { SC_OBJ_BLOB = 0, SC_OBJ_TREE = 1 };

/* What one ingest produced: every object written (children first, the
 * top-level object last), for sc_store_record. */
typedef struct sc_ingested {
	sc_oid oid;
	int type;       /* SC_OBJ_BLOB or SC_OBJ_TREE */
	uint64_t size;  /* object size in bytes */
	char *source;   /* absolute source path, or NULL */
	int top;        /* the path the user named (listed by ls) */
	int cacheable;  /* st_* below may go into the stat cache */
	uint64_t dev, ino, st_size;
	int64_t mtime_ns, ctime_ns;
} sc_ingested;

typedef struct sc_ingest_list {
	sc_ingested *v;
	size_t n, cap;
	uint64_t hashed_bytes; /* bytes actually read and hashed (0 on full cache hits) */
} sc_ingest_list;

void sc_ingest_list_free(sc_ingest_list *l);

/* Write the file or directory at path into the store (a directory becomes a
 * tree object; symlinks are stored as links, never followed). Consults the
 * stat cache. Writes no catalog row: pass the list to sc_store_record. */
int sc_store_ingest(sc_store *s, const char *path, sc_ingest_list *list, sc_oid *out,
		    sc_err *err) SC_WUR;
/* Move a file whose content is already verified to hash to id into the
 * store (fsync, read-only, link into place; the file's name is removed).
 * For imports that stage and check every object before adopting any. */
int sc_store_adopt(sc_store *s, const char *path, const sc_oid *id, sc_err *err) SC_WUR;
/* Write bytes as a blob object (no catalog row). */
int sc_store_put_buf(sc_store *s, const void *p, size_t n, sc_oid *out, sc_err *err) SC_WUR;
/* Record the ingested objects with a kind, optionally naming the top-level
 * ones (name non-NULL and exactly one top-level object), in one transaction. */
int sc_store_record(sc_store *s, const sc_ingest_list *list, const char *kind,
		    const char *name, int force_name, sc_err *err) SC_WUR;
/* Record one object (INSERT OR IGNORE) inside the caller's transaction. */
int sc_store_note(sc_store *s, const sc_oid *id, int type, uint64_t size, const char *kind,
		  int listed, const char *source, sc_err *err) SC_WUR;
/* Put a buffer and record it (own transaction unless one is open). */
int sc_store_put_record(sc_store *s, const void *p, size_t n, const char *kind, sc_oid *out,
			sc_err *err) SC_WUR;

/* Resolve a full hash, a unique prefix of >= 6 hex digits, or a name. */
int sc_store_resolve(sc_store *s, const char *ref, sc_oid *out, sc_err *err) SC_WUR;
/* Give an object a name; an existing name pointing elsewhere needs force. */
int sc_store_tag(sc_store *s, const sc_oid *id, const char *name, int force, sc_err *err) SC_WUR;
int sc_store_valid_name(const char *name, sc_err *err) SC_WUR;
/* Whole object into b (for small objects: trees, manifests, specs). */
int sc_store_read(sc_store *s, const sc_oid *id, sc_buf *b, sc_err *err) SC_WUR;
/* Open an object's file read-only; returns an fd or a negative code. */
int sc_store_open_object(sc_store *s, const sc_oid *id, sc_err *err);
/* Object type and size from the catalog (or the file when unrecorded). */
int sc_store_stat(sc_store *s, const sc_oid *id, int *type, uint64_t *size, sc_err *err) SC_WUR;
/* Materialise an object at dest (which must not exist): an independent
 * reflink or copy for blobs (never a hard link: editing it must not touch
 * the object), a directory for trees; the result is read-only. */
int sc_store_checkout(sc_store *s, const sc_oid *id, const char *dest, sc_err *err) SC_WUR;

/* Tree manifests: "sceval-tree 1\n" then one line per entry, sorted by
 * name (bytewise): "<mode octal> <blob|tree|link> sha256:<hex> <size> <name>\n". */
typedef struct sc_tree_entry {
	unsigned mode;
	int type; /* SC_OBJ_BLOB, SC_OBJ_TREE, or 2 for a symlink (a blob of its target) */
	sc_oid oid;
	uint64_t size;
	char *name;
} sc_tree_entry;
int sc_tree_parse(sc_tree_entry **out, size_t *n, const char *p, size_t len, sc_err *err) SC_WUR;
void sc_tree_free(sc_tree_entry *e, size_t n);

#endif
