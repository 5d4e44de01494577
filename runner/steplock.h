/*
 * steplock.h - the per-step lock that keeps two sceval processes on one
 * store, on one machine or on several nodes of a cluster, from computing
 * the same step at once.
 *
 * A lock is the file locks/<key>.lock, created atomically with link(2)
 * (atomic on NFS too, where flock and O_EXCL have not always been). It holds
 * the owner's host, pid and the time it was taken. A lock is stale, and may
 * be broken, when its owner is on this host and is gone, or when it is on
 * another host and has not been refreshed for SC_STEPLOCK_STALE_S seconds:
 * a holder refreshes its locks (sc_steplock_refresh) while it waits for the
 * step, so only a dead or cut-off holder's lock ages.
 */
#ifndef SC_STEPLOCK_H
#define SC_STEPLOCK_H

#include "store/store.h"

#define SC_STEPLOCK_STALE_S 600
#define SC_STEPLOCK_REFRESH_S 60

/* Take the lock of step key: *got 1 when taken, 0 when another live
 * process holds it. Errors are I/O errors of the store. */
int sc_steplock_take(sc_store *s, const char *key, int *got, sc_err *err) SC_WUR;
/* Release a lock this process holds (best effort). */
void sc_steplock_release(sc_store *s, const char *key);
/* Mark a held lock as still in use (its mtime). */
void sc_steplock_refresh(sc_store *s, const char *key);

#endif
