/*
 * cmd_store.c - the store commands that put things in and take them out:
 * init, add, cat, checkout, tag.
 */
#include "cli.h"
#include "store/catalog.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char init_usage[] =
	"usage: sceval init [DIR]\n\n"
	"Create a store, DIR/.sceval (DIR defaults to the working directory). Running it\n"
	"on an existing store is safe: it only brings the catalog schema up to date.\n";

int cmd_init(cli_ctx *c, int argc, char **argv)
{
	while (cli_opt(c, argc, argv, init_usage, "", NULL, 1) != -1)
		return cli_usage_error(c, "unexpected option");
	CLI_OPTS_END(c);
	if (argc - c->optind > 1)
		return cli_usage_error(c, "too many arguments");
	const char *dir = c->optind < argc ? argv[c->optind] : ".";
	sc_err err;
	int created;
	if (sc_store_init(dir, &created, &err))
		return cli_fail(c, &err);
	char *abs = sc_realpath(dir, &err);
	char *root = sc_path_join(abs ? abs : dir, ".sceval");
	if (c->json)
		cli_json_out(c, json_pack("{s:s, s:b}", "store", root, "created", created));
	else
		printf("%s sceval store in %s\n", created ? "Initialized empty" : "Reinitialized existing",
		       root);
	free(root);
	free(abs);
	return 0;
}

static const char add_usage[] =
	"usage: sceval add [--kind KIND] [--name NAME [--force]] PATH...\n\n"
	"Store files and directories and print one line per path, '<sha256>  PATH', like\n"
	"sha256sum. A directory becomes a tree object (a sorted manifest of its entries; the\n"
	"same content gives the same hash whatever the order it was created in); symbolic\n"
	"links inside it are stored as links, not followed. Unchanged files (same device,\n"
	"inode, size, mtime and ctime) are not read again.\n\n"
	"options:\n"
	"  --kind KIND   dataset, weights, config, output, log or report [by extension:\n"
	"                .yaml/.yml/.json/.toml config; .pt/.pth/.ckpt/.safetensors/.bin\n"
	"                weights; .log log; anything else dataset]\n"
	"  --name NAME   name the object (one PATH only); refer to it by NAME later\n"
	"  --force       move NAME if it already names another object\n"
	"  --json        {\"schema\":1,\"objects\":[{\"path\",\"hash\",\"type\",\"size\",\n"
	"                \"hashed_bytes\"}]} (hashed_bytes is 0 when the stat cache was used)\n";

static const char *const kinds[] = { "dataset", "weights", "config", "output", "log",
				     "report", "spec", "result", "diff", NULL };

static int valid_kind(const char *k)
{
	for (int i = 0; kinds[i]; i++)
		if (!strcmp(kinds[i], k))
			return 1;
	return 0;
}

static const char *kind_for(const char *path)
{
	const char *dot = strrchr(sc_path_basename(path), '.');
	if (!dot)
		return "dataset";
	static const char *cfg[] = { ".yaml", ".yml", ".json", ".toml", NULL };
	static const char *w[] = { ".pt", ".pth", ".ckpt", ".safetensors", ".bin", ".onnx", NULL };
	for (int i = 0; cfg[i]; i++)
		if (!strcasecmp(dot, cfg[i]))
			return "config";
	for (int i = 0; w[i]; i++)
		if (!strcasecmp(dot, w[i]))
			return "weights";
	if (!strcasecmp(dot, ".log"))
		return "log";
	return "dataset";
}

int cmd_add(cli_ctx *c, int argc, char **argv)
{
	static const struct option lo[] = { { "kind", required_argument, NULL, 'k' },
					    { "name", required_argument, NULL, 'n' },
					    { "force", no_argument, NULL, 'f' },
					    { NULL, 0, NULL, 0 } };
	const char *kind = NULL, *name = NULL;
	int force = 0, o;
	while ((o = cli_opt(c, argc, argv, add_usage, "k:n:f", lo, 1)) != -1) {
		switch (o) {
		case 'k': kind = optarg; break;
		case 'n': name = optarg; break;
		case 'f': force = 1; break;
		default: return cli_usage_error(c, "unexpected option");
		}
	}
	CLI_OPTS_END(c);
	int npaths = argc - c->optind;
	if (npaths < 1)
		return cli_usage_error(c, "nothing to add");
	if (kind && !valid_kind(kind))
		return cli_usage_error(c, "unknown kind '%s' (dataset, weights, config, output, "
					  "log, report)", kind);
	if (name && npaths != 1)
		return cli_usage_error(c, "--name needs exactly one PATH");
	sc_err err;
	if (name && sc_store_valid_name(name, &err))
		return cli_fail(c, &err);
	/* Check every path before storing anything, so that a typo in the last
	 * one does not leave the first ones half-recorded. */
	for (int i = c->optind; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0)
			return cli_failf(c, "cannot add '%s': %s", argv[i], strerror(errno));
		if (S_ISREG(st.st_mode) && access(argv[i], R_OK) < 0)
			return cli_failf(c, "cannot read '%s': %s", argv[i], strerror(errno));
	}
	sc_store *s = NULL;
	if (cli_open_store(c, &s, &err) || sc_store_lock(s, 0, 1, &err)) {
		sc_store_free(s);
		return cli_fail(c, &err);
	}
	int rc = 0;
	sc_ingest_list *lists = sc_xcalloc((size_t)npaths, sizeof(*lists));
	sc_oid *ids = sc_xcalloc((size_t)npaths, sizeof(*ids));
	for (int i = 0; i < npaths && !rc; i++)
		rc = sc_store_ingest(s, argv[c->optind + i], &lists[i], &ids[i], &err);
	/* One catalog transaction per path keeps each record whole; the objects
	 * are all written by now, so only a catalog failure can stop us here. */
	for (int i = 0; i < npaths && !rc; i++) {
		const char *k = kind ? kind : kind_for(argv[c->optind + i]);
		rc = sc_store_record(s, &lists[i], k, name, force, &err);
	}
	if (!rc) {
		json_t *arr = c->json ? json_array() : NULL;
		for (int i = 0; i < npaths; i++) {
			char hex[SC_OID_HEXLEN + 1];
			sc_oid_hex(&ids[i], hex);
			const sc_ingested *top = &lists[i].v[lists[i].n - 1];
			if (arr)
				json_array_append_new(
					arr, json_pack("{s:s, s:s, s:s, s:I, s:I}", "path",
						       argv[c->optind + i], "hash", hex, "type",
						       top->type == SC_OBJ_TREE ? "tree" : "blob", "size",
						       (json_int_t)top->size, "hashed_bytes",
						       (json_int_t)lists[i].hashed_bytes));
			else
				printf("%s  %s\n", hex, argv[c->optind + i]);
		}
		if (arr)
			cli_json_out(c, json_pack("{s:o}", "objects", arr));
	}
	for (int i = 0; i < npaths; i++)
		sc_ingest_list_free(&lists[i]);
	free(lists);
	free(ids);
	sc_store_free(s);
	return rc ? cli_fail(c, &err) : 0;
}

static const char cat_usage[] =
	"usage: sceval cat REF\n\n"
	"Write the bytes of an object to stdout (for a tree: its manifest).\n"
	"REF is a full hash, a unique prefix of at least 6 hex digits, or a name.\n";

int cmd_cat(cli_ctx *c, int argc, char **argv)
{
	while (cli_opt(c, argc, argv, cat_usage, "", NULL, 0) != -1)
		return cli_usage_error(c, "unexpected option");
	CLI_OPTS_END(c);
	if (argc - c->optind != 1)
		return cli_usage_error(c, "expected one REF");
	sc_err err;
	sc_store *s = NULL;
	sc_oid id;
	if (cli_open_store(c, &s, &err) || sc_store_resolve(s, argv[c->optind], &id, &err)) {
		sc_store_free(s);
		return cli_fail(c, &err);
	}
	int fd = sc_store_open_object(s, &id, &err);
	sc_store_free(s);
	if (fd < 0)
		return cli_fail(c, &err);
	char buf[1 << 16];
	int rc = 0;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = cli_failf(c, "cannot read object: %s", strerror(errno));
			break;
		}
		if (r == 0)
			break;
		if (fwrite(buf, 1, (size_t)r, stdout) != (size_t)r) {
			rc = errno == EPIPE ? 1 : cli_failf(c, "cannot write output: %s", strerror(errno));
			break;
		}
	}
	close(fd);
	return rc;
}

static const char checkout_usage[] =
	"usage: sceval checkout REF PATH\n\n"
	"Materialise an object at PATH, which must not exist: an independent copy (a\n"
	"reflink where the file system can), never a link into the store; a tree becomes\n"
	"a directory. The copy is read-only; editing it never changes the store.\n";

int cmd_checkout(cli_ctx *c, int argc, char **argv)
{
	while (cli_opt(c, argc, argv, checkout_usage, "", NULL, 0) != -1)
		return cli_usage_error(c, "unexpected option");
	CLI_OPTS_END(c);
	if (argc - c->optind != 2)
		return cli_usage_error(c, "expected REF and PATH");
	sc_err err;
	sc_store *s = NULL;
	sc_oid id;
	int rc = 0;
	if (cli_open_store(c, &s, &err) || sc_store_resolve(s, argv[c->optind], &id, &err) ||
	    sc_store_checkout(s, &id, argv[c->optind + 1], &err))
		rc = cli_fail(c, &err);
	sc_store_free(s);
	return rc;
}

static const char tag_usage[] =
	"usage: sceval tag [--json]\n"
	"       sceval tag [--force] REF NAME\n"
	"       sceval tag --delete NAME\n\n"
	"List names, give an object a name, or remove a name. Names are letters, digits\n"
	"and ._-+@/=, and may not look like a hash prefix. A name that already refers to\n"
	"another object is moved only with --force.\n";

int cmd_tag(cli_ctx *c, int argc, char **argv)
{
	static const struct option lo[] = { { "force", no_argument, NULL, 'f' },
					    { "delete", no_argument, NULL, 'd' },
					    { NULL, 0, NULL, 0 } };
	int force = 0, del = 0, o;
	while ((o = cli_opt(c, argc, argv, tag_usage, "fd", lo, 1)) != -1) {
		if (o == 'f')
			force = 1;
		else if (o == 'd')
			del = 1;
		else
			return cli_usage_error(c, "unexpected option");
	}
	CLI_OPTS_END(c);
	int n = argc - c->optind;
	if (!(n == 0 && !del && !force) && !(n == 2 && !del) && !(n == 1 && del))
		return cli_usage_error(c, "wrong number of arguments");
	sc_err err;
	sc_store *s = NULL;
	if (cli_open_store(c, &s, &err))
		return cli_fail(c, &err);
	int rc = 0;
	if (n == 0) {
		sc_catalog_name *v;
		size_t nv;
		if (sc_catalog_names_list(s, &v, &nv, &err)) {
			rc = cli_fail(c, &err);
		} else {
			json_t *arr = c->json ? json_array() : NULL;
			for (size_t i = 0; i < nv; i++) {
				const char *id = sc_oid_hex_of(v[i].object);
				if (arr)
					json_array_append_new(arr, json_pack("{s:s, s:s}", "name",
									     v[i].name, "hash", id));
				else
					printf("%s  %s\n", id, v[i].name);
			}
			sc_catalog_names_free(v, nv);
			if (arr)
				cli_json_out(c, json_pack("{s:o}", "names", arr));
		}
	} else if (del) {
		if (sc_catalog_name_delete(s, argv[c->optind], &err))
			rc = cli_fail(c, &err);
	} else {
		sc_oid id;
		if (sc_store_resolve(s, argv[c->optind], &id, &err) ||
		    sc_catalog_name_set(s, &id, argv[c->optind + 1], force, &err))
			rc = cli_fail(c, &err);
	}
	sc_store_free(s);
	return rc;
}
