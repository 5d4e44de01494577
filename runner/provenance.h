/*
 * provenance.h - the git provenance of a path: which repository, commit,
 * branch and remote it belongs to, whether the working tree is dirty, the
 * list of modified and untracked files, and the working-tree diff (tracked
 * changes plus untracked files' content, as a patch). Recorded with every
 * run so a result can be traced to the exact code that produced it.
 */
#ifndef SC_PROVENANCE_H
#define SC_PROVENANCE_H

#include <jansson.h>
#include <stddef.h>
#include "util/err.h"

typedef struct sc_provenance {
	int in_repo;        /* 0: outside any repository (the rest is empty) */
	char *path;         /* the path asked about (absolute) */
	char *repo;         /* working directory of the repository */
	char *commit;       /* HEAD commit hex, NULL before the first commit */
	char *branch;       /* branch name, NULL when HEAD is detached */
	int detached;
	char *remote;       /* URL of 'origin' (else the first remote), or NULL */
	int dirty;          /* modified or staged tracked files exist */
	char **files;       /* " M path", "A  path", ... (git status --porcelain style) */
	size_t n_files;
	/* Untracked files (not ignored): listed, their content in the diff, but
	 * they do not make the commit dirty (git status shows them apart too).
	 * Folders sceval writes its outputs into carry a .gitignore of their
	 * own (sc_provenance_mark_output), so they never appear here. */
	char **untracked;
	size_t n_untracked;
	char *diff;         /* patch text (may be empty) */
	size_t diff_len;
} sc_provenance;

/* Never fails for "not a repository": in_repo is 0 then. */
int sc_provenance_get(sc_provenance *out, const char *path, sc_err *err) SC_WUR;
void sc_provenance_free(sc_provenance *p);
/* {"in_repo", "repo", "commit", "branch", "detached", "remote", "dirty", "files",
 *  "untracked"} */
json_t *sc_provenance_json(const sc_provenance *p);
/* Mark a folder sceval created for its outputs (a report) as not part of
 * any repository's code: a .gitignore of "*" in it, as build tools do. */
int sc_provenance_mark_output(const char *dir, sc_err *err) SC_WUR;

#endif
