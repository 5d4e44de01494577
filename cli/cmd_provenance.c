/*
 * cmd_provenance.c - `sceval provenance [PATH]`.
 */
#include "cli.h"
#include "runner/provenance.h"
#include "store/store.h"
#include "util/json.h"

#include <stdio.h>

static const char usage[] =
	"usage: sceval provenance [PATH] [--json]\n\n"
	"Show the git provenance of PATH (default: the working directory): repository,\n"
	"HEAD commit, branch (or detached HEAD), remote, whether the working tree is\n"
	"dirty, the modified and untracked files, and the working-tree diff. Inside a\n"
	"store the diff is stored as an object (kind 'diff') and its hash printed.\n"
	"Outside a repository it says so and exits 0. A store's own .sceval/ never\n"
	"counts as a change.\n";

int cmd_provenance(cli_ctx *c, int argc, char **argv)
{
	while (cli_opt(c, argc, argv, usage, "", NULL, 1) != -1)
		return cli_usage_error(c, "unexpected option");
	CLI_OPTS_END(c);
	if (argc - c->optind > 1)
		return cli_usage_error(c, "too many arguments");
	const char *path = c->optind < argc ? argv[c->optind] : ".";
	sc_err err;
	sc_provenance p;
	if (sc_provenance_get(&p, path, &err)) {
		sc_provenance_free(&p);
		return cli_fail(c, &err);
	}
	json_t *j = sc_provenance_json(&p);
	char hex[SC_OID_HEXLEN + 1] = "";
	if (p.in_repo && p.diff_len) {
		sc_store *s = NULL;
		sc_err e2;
		if (cli_open_store(c, &s, &e2) == 0) {
			sc_oid id;
			if (sc_store_lock(s, 0, 1, &err) ||
			    sc_store_put_record(s, p.diff, p.diff_len, "diff", &id, &err)) {
				sc_store_free(s);
				sc_provenance_free(&p);
				json_decref(j);
				return cli_fail(c, &err);
			}
			sc_oid_hex(&id, hex);
			json_object_set_new(j, "diff", json_string(hex));
		}
		sc_store_free(s);
	}
	if (c->json) {
		sc_provenance_free(&p);
		return cli_json_out(c, j);
	}
	if (!p.in_repo) {
		printf("%s: not in a git repository\n", p.path);
	} else {
		printf("repository  %s\n", p.repo);
		printf("commit      %s\n", p.commit ? p.commit : "(no commits yet)");
		printf("branch      %s\n", p.branch ? p.branch : "(detached HEAD)");
		printf("remote      %s\n", p.remote ? p.remote : "(none)");
		printf("dirty       %s", p.dirty ? "yes" : "no");
		if (p.dirty)
			printf(" (%zu file%s)", p.n_files, p.n_files == 1 ? "" : "s");
		printf("\n");
		for (size_t i = 0; i < p.n_files; i++)
			printf("  %s\n", p.files[i]);
		if (p.n_untracked)
			printf("untracked   %zu file%s (not part of the commit; not dirty)\n",
			       p.n_untracked, p.n_untracked == 1 ? "" : "s");
		for (size_t i = 0; i < p.n_untracked; i++)
			printf("  %s\n", p.untracked[i]);
		if (p.diff_len)
			printf("diff        %zu bytes%s%s\n", p.diff_len, hex[0] ? ", object " : " (not stored: no store)",
			       hex);
	}
	json_decref(j);
	sc_provenance_free(&p);
	return 0;
}
