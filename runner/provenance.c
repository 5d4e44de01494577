/*
 * provenance.c - git provenance through libgit2 (no `git` process, so it
 * works where git is not installed and cannot be confused by aliases or
 * hooks). The store's own directory (.sceval/) is ignored when judging
 * whether a working tree is dirty: a store inside the repository under
 * study must not mark every run as dirty.
 */
#include "provenance.h"
#include "util/buf.h"
#include "util/fs.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void lib_init(void)
{
	static int done;
	if (!done) {
		git_libgit2_init();
		done = 1;
	}
}

void sc_provenance_free(sc_provenance *p)
{
	if (!p)
		return;
	free(p->path);
	free(p->repo);
	free(p->commit);
	free(p->branch);
	free(p->remote);
	for (size_t i = 0; i < p->n_files; i++)
		free(p->files[i]);
	free(p->files);
	for (size_t i = 0; i < p->n_untracked; i++)
		free(p->untracked[i]);
	free(p->untracked);
	free(p->diff);
	memset(p, 0, sizeof(*p));
}

static int giterr(sc_err *err, const char *what)
{
	const git_error *e = git_error_last();
	return sc_errf(err, SC_ERR, "git: %s: %s", what, e && e->message ? e->message : "failed");
}

static char status_char(unsigned s, int index)
{
	if (index) {
		if (s & GIT_STATUS_INDEX_NEW) return 'A';
		if (s & GIT_STATUS_INDEX_MODIFIED) return 'M';
		if (s & GIT_STATUS_INDEX_DELETED) return 'D';
		if (s & GIT_STATUS_INDEX_RENAMED) return 'R';
		if (s & GIT_STATUS_INDEX_TYPECHANGE) return 'T';
		return ' ';
	}
	if (s & GIT_STATUS_WT_MODIFIED) return 'M';
	if (s & GIT_STATUS_WT_DELETED) return 'D';
	if (s & GIT_STATUS_WT_RENAMED) return 'R';
	if (s & GIT_STATUS_WT_TYPECHANGE) return 'T';
	return ' ';
}

static int collect_status(sc_provenance *p, git_repository *repo, sc_err *err)
{
	git_status_options so;
	git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
	so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		   GIT_STATUS_OPT_SORT_CASE_SENSITIVELY;
	git_status_list *sl = NULL;
	if (git_status_list_new(&sl, repo, &so) < 0)
		return giterr(err, "cannot read the working tree status");
	size_t n = git_status_list_entrycount(sl);
	p->files = sc_xcalloc(n ? n : 1, sizeof(char *));
	p->untracked = sc_xcalloc(n ? n : 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const git_status_entry *e = git_status_byindex(sl, i);
		if (e->status == GIT_STATUS_CURRENT || (e->status & GIT_STATUS_IGNORED))
			continue;
		const git_diff_delta *d = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
		const char *path = d ? (d->new_file.path ? d->new_file.path : d->old_file.path) : "?";
		if (e->status == GIT_STATUS_WT_NEW)
			p->untracked[p->n_untracked++] = sc_xstrdup(path);
		else
			p->files[p->n_files++] = sc_xasprintf("%c%c %s", status_char(e->status, 1),
							      status_char(e->status, 0), path);
	}
	git_status_list_free(sl);
	p->dirty = p->n_files > 0;
	return 0;
}

static int collect_diff(sc_provenance *p, git_repository *repo, git_tree *head, sc_err *err)
{
	git_diff_options o;
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	/* Untracked files' content belongs to what produced a result; files
	 * over 1 MiB are shown as binary (a data file, not code). */
	o.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS |
		  GIT_DIFF_SHOW_UNTRACKED_CONTENT;
	o.max_size = 1 << 20;
	git_diff *d = NULL;
	if (git_diff_tree_to_workdir_with_index(&d, repo, head, &o) < 0)
		return giterr(err, "cannot compute the working tree diff");
	git_buf b = { 0 };
	int rc = 0;
	if (git_diff_to_buf(&b, d, GIT_DIFF_FORMAT_PATCH) < 0) {
		rc = giterr(err, "cannot format the working tree diff");
	} else {
		p->diff = sc_xmalloc(b.size + 1);
		memcpy(p->diff, b.ptr ? b.ptr : "", b.size);
		p->diff[b.size] = 0;
		p->diff_len = b.size;
	}
	git_buf_dispose(&b);
	git_diff_free(d);
	return rc;
}

int sc_provenance_get(sc_provenance *p, const char *path, sc_err *err)
{
	memset(p, 0, sizeof(*p));
	lib_init();
	char *abs = sc_realpath(path, err);
	if (!abs)
		return SC_ENOTFOUND;
	p->path = abs;
	char *dir = sc_is_dir(abs) ? sc_xstrdup(abs) : sc_path_dirname(abs);
	git_repository *repo = NULL;
	git_reference *head = NULL;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	int rc = 0;
	int g = git_repository_open_ext(&repo, dir, 0, NULL);
	if (g == GIT_ENOTFOUND) {
		git_error_clear();
		goto out;
	}
	if (g < 0) {
		rc = giterr(err, "cannot open the repository");
		goto out;
	}
	if (git_repository_is_bare(repo)) {
		rc = sc_errf(err, SC_EINVAL, "'%s' is inside a bare repository", path);
		goto out;
	}
	p->in_repo = 1;
	p->repo = sc_xstrdup(git_repository_workdir(repo));
	size_t rl = strlen(p->repo);
	if (rl > 1 && p->repo[rl - 1] == '/')
		p->repo[rl - 1] = 0;
	git_ignore_add_rule(repo, ".sceval/\n");
	p->detached = git_repository_head_detached(repo) == 1;
	g = git_repository_head(&head, repo);
	if (g == GIT_EUNBORNBRANCH || g == GIT_ENOTFOUND) {
		git_error_clear();
		/* No commit yet: report the branch HEAD points at. */
		git_reference *sym = NULL;
		if (git_reference_lookup(&sym, repo, "HEAD") == 0) {
			const char *t = git_reference_symbolic_target(sym);
			if (t && !strncmp(t, "refs/heads/", 11))
				p->branch = sc_xstrdup(t + 11);
			git_reference_free(sym);
		}
	} else if (g < 0) {
		rc = giterr(err, "cannot read HEAD");
		goto out;
	} else {
		if (!p->detached)
			p->branch = sc_xstrdup(git_reference_shorthand(head));
		if (git_reference_peel((git_object **)&commit, head, GIT_OBJECT_COMMIT) < 0) {
			rc = giterr(err, "cannot resolve HEAD to a commit");
			goto out;
		}
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), git_commit_id(commit));
		p->commit = sc_xstrdup(hex);
		if (git_commit_tree(&tree, commit) < 0) {
			rc = giterr(err, "cannot read HEAD's tree");
			goto out;
		}
	}
	git_remote *remote = NULL;
	if (git_remote_lookup(&remote, repo, "origin") < 0) {
		git_error_clear();
		git_strarray names = { 0 };
		if (git_remote_list(&names, repo) == 0 && names.count > 0)
			git_remote_lookup(&remote, repo, names.strings[0]);
		git_strarray_dispose(&names);
		git_error_clear();
	}
	if (remote) {
		const char *url = git_remote_url(remote);
		if (url)
			p->remote = sc_xstrdup(url);
		git_remote_free(remote);
	}
	if ((rc = collect_status(p, repo, err)))
		goto out;
	rc = collect_diff(p, repo, tree, err);
out:
	git_tree_free(tree);
	git_commit_free(commit);
	git_reference_free(head);
	git_repository_free(repo);
	free(dir);
	return rc;
}

json_t *sc_provenance_json(const sc_provenance *p)
{
	json_t *j = json_object();
	json_object_set_new(j, "path", json_string(p->path ? p->path : ""));
	json_object_set_new(j, "in_repo", json_boolean(p->in_repo));
	if (!p->in_repo)
		return j;
	json_object_set_new(j, "repo", json_string(p->repo));
	json_object_set_new(j, "commit", p->commit ? json_string(p->commit) : json_null());
	json_object_set_new(j, "branch", p->branch ? json_string(p->branch) : json_null());
	json_object_set_new(j, "detached", json_boolean(p->detached));
	json_object_set_new(j, "remote", p->remote ? json_string(p->remote) : json_null());
	json_object_set_new(j, "dirty", json_boolean(p->dirty));
	json_t *f = json_array();
	for (size_t i = 0; i < p->n_files; i++)
		json_array_append_new(f, json_string(p->files[i]));
	json_object_set_new(j, "files", f);
	json_t *u = json_array();
	for (size_t i = 0; i < p->n_untracked; i++)
		json_array_append_new(u, json_string(p->untracked[i]));
	json_object_set_new(j, "untracked", u);
	json_object_set_new(j, "diff_bytes", json_integer((json_int_t)p->diff_len));
	return j;
}

int sc_provenance_mark_output(const char *dir, sc_err *err)
{
	char *path = sc_path_join(dir, ".gitignore");
	int rc = 0;
	if (access(path, F_OK) != 0) {
		static const char text[] = "# written by sceval: its outputs are not part of the code\n*\n";
		rc = sc_write_file_atomic(path, text, sizeof(text) - 1, 0644, err);
	}
	free(path);
	return rc;
}
