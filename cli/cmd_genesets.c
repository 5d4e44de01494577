/*
 * cmd_genesets.c - `sceval genesets import`: Gene Ontology gene sets from
 * the SQLite annotation files of Bioconductor's org.*.db and GO.db
 * packages (tasks/grn/orgdb.h), stored as a GMT object with the sources'
 * dates, for the grn task's genesets option ({ref: NAME} in a spec).
 */
#include "cli.h"
#include "store/foreign.h"
#include "store/store.h"
#include "tasks/grn/orgdb.h"
#include "util/fs.h"
#include "util/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: sceval genesets import --orgdb PATH [--godb PATH] [--ontology BP|MF|CC]\n"
	"                              [--ids symbol|entrez|ensembl] [--min-size N] [--max-size N]\n"
	"                              [--name NAME [--force]] [-o FILE] [--json]\n"
	"\n"
	"Read the Gene Ontology annotation of an org.*.db package's SQLite file (Debian's\n"
	"r-bioc-org.hs.eg.db: /usr/lib/R/site-library/org.Hs.eg.db/extdata/org.Hs.eg.sqlite)\n"
	"and the term names of GO.db's GO.sqlite, without R, and store the sets as a GMT\n"
	"object: one line per term (GO id, term name, members), the genes annotated to the\n"
	"term or to a descendant under any evidence code, opened by '#' lines with the\n"
	"sources' dates (their metadata tables). A spec then names it {ref: NAME}.\n"
	"\n"
	"  --orgdb PATH     the org.*.sqlite file (required)\n"
	"  --godb PATH      GO.sqlite [GO.db/extdata/GO.sqlite beside the org package]\n"
	"  --ontology O     BP, MF or CC [BP]\n"
	"  --ids T          members as symbol, entrez or ensembl ids [symbol]\n"
	"  --min-size N     sets with at least N distinct members [10]\n"
	"  --max-size N     and at most N [500]\n"
	"  --name NAME      name the object [go_<ontology>, e.g. go_bp]\n"
	"  --force          move NAME if it names another object\n"
	"  -o, --output F   also write the GMT to file F\n"
	"  --json           {\"schema\":1, \"hash\", \"name\", \"sets\", \"terms\", \"genes\", ...}\n";

enum { O_ORGDB = 0x100, O_GODB, O_ONT, O_IDS, O_MIN, O_MAX, O_NAME, O_FORCE };

/* GO.sqlite where Debian puts it beside org.*.db: <lib>/GO.db/extdata. */
static char *default_godb(const char *orgdb)
{
	char *ext = sc_path_dirname(orgdb), *pkg = sc_path_dirname(ext), *lib = sc_path_dirname(pkg);
	char *p = sc_path_join(lib, "GO.db/extdata/GO.sqlite");
	free(ext);
	free(pkg);
	free(lib);
	return p;
}

/* Store the text as a dataset object, named, in one catalog transaction. */
static int store_gmt(cli_ctx *c, const sc_buf *gmt, const char *name, int force, sc_oid *id,
		     sc_err *err)
{
	sc_store *s = NULL;
	int rc = cli_open_store(c, &s, err);
	if (!rc)
		rc = sc_store_lock(s, 0, 1, err);
	/* A name already taken is refused before the object is written, so
	 * that a refused import leaves the store as it was. */
	sc_oid cur;
	sc_hash_buf(id, gmt->s, gmt->len);
	if (!rc && !force && !sc_store_resolve(s, name, &cur, err) && memcmp(&cur, id, sizeof(cur))) {
		char hex[SC_OID_HEXLEN + 1];
		sc_oid_hex(&cur, hex);
		rc = sc_errf(err, SC_EEXISTS, "name '%s' already refers to %.12s; use --force to move it",
			     name, hex);
	}
	if (!rc)
		rc = sc_store_put_buf(s, gmt->s, gmt->len, id, err);
	if (!rc) {
		sc_ingested top = { .oid = *id, .type = SC_OBJ_BLOB, .size = gmt->len, .top = 1 };
		sc_ingest_list l = { .v = &top, .n = 1, .cap = 1 };
		rc = sc_store_record(s, &l, "dataset", name, force, err);
	}
	sc_store_free(s);
	return rc;
}

static void report(cli_ctx *c, const sc_oid *id, const char *name, const sc_grn_orgdb_info *in,
		   const sc_grn_orgdb_opts *o)
{
	char hex[SC_OID_HEXLEN + 1];
	sc_oid_hex(id, hex);
	if (c->json) {
		cli_json_out(c, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s}",
					  "hash", hex, "name", name, "ontology", o->ontology, "ids",
					  o->ids, "sets", (json_int_t)in->sets, "terms",
					  (json_int_t)in->terms, "genes", (json_int_t)in->genes,
					  "unnamed", (json_int_t)in->unnamed, "organism", in->organism,
					  "go_source_date", in->go_date, "gene_source_date",
					  in->gene_date, "godb_go_source_date", in->godb_go_date));
		return;
	}
	printf("%s  %s\n", hex, name);
	if (!c->quiet)
		fprintf(stderr, "%zu of %zu GO %s terms with %zu to %zu %s ids, %zu genes (%s; GO %s, "
				"Entrez Gene %s)\n",
			in->sets, in->terms, o->ontology, o->min_size, o->max_size, o->ids, in->genes,
			in->organism, in->go_date, in->gene_date);
}

static int scan_foreign(void *db, const char *table, const char *const *cols, size_t n_cols,
			sc_grn_row_fn fn, void *arg, sc_err *err)
{
	return sc_foreign_rows(db, table, cols, n_cols, fn, arg, err);
}

/* Open both files read-only as the importer's readers. */
static int open_readers(sc_grn_orgdb_opts *o, const char *orgdb, const char *godb, sc_err *err)
{
	sc_foreign_db *a = NULL, *b = NULL;
	int rc = sc_foreign_open(&a, orgdb, err);
	if (!rc)
		rc = sc_foreign_open(&b, godb, err);
	if (rc) {
		sc_foreign_close(a);
		return rc;
	}
	o->orgdb = (sc_grn_db_reader){ a, sc_path_basename(orgdb), scan_foreign };
	o->godb = (sc_grn_db_reader){ b, sc_path_basename(godb), scan_foreign };
	return 0;
}

static int import(cli_ctx *c, sc_grn_orgdb_opts *o, const char *orgdb, const char *godb_opt,
		  const char *name, int force, const char *out)
{
	sc_err err;
	char *dflt = godb_opt ? NULL : default_godb(orgdb);
	const char *godb = godb_opt ? godb_opt : dflt;
	if (dflt && access(dflt, R_OK) != 0) {
		free(dflt);
		return cli_failf(c, "no GO.sqlite beside '%s' (install r-bioc-go.db or give --godb)", orgdb);
	}
	sc_buf gmt;
	sc_buf_init(&gmt);
	sc_grn_orgdb_info info = { 0 };
	sc_oid id;
	int rc = open_readers(o, orgdb, godb, &err);
	if (!rc)
		rc = sc_grn_orgdb_gmt(&gmt, &info, o, &err);
	sc_foreign_close(o->orgdb.db);
	sc_foreign_close(o->godb.db);
	if (!rc && out)
		rc = sc_write_file_atomic(out, gmt.s, gmt.len, 0644, &err);
	if (!rc)
		rc = store_gmt(c, &gmt, name, force, &id, &err);
	if (!rc)
		report(c, &id, name, &info, o);
	sc_grn_orgdb_info_free(&info);
	sc_buf_free(&gmt);
	free(dflt);
	return rc ? cli_fail(c, &err) : 0;
}

int cmd_genesets(cli_ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "orgdb", required_argument, NULL, O_ORGDB },  { "godb", required_argument, NULL, O_GODB },
		{ "ontology", required_argument, NULL, O_ONT }, { "ids", required_argument, NULL, O_IDS },
		{ "min-size", required_argument, NULL, O_MIN }, { "max-size", required_argument, NULL, O_MAX },
		{ "name", required_argument, NULL, O_NAME },    { "force", no_argument, NULL, O_FORCE },
		{ "output", required_argument, NULL, 'o' },     { NULL, 0, NULL, 0 },
	};
	sc_grn_orgdb_opts o = { .ontology = "BP", .ids = "symbol", .min_size = 10, .max_size = 500 };
	const char *name = NULL, *out = NULL, *orgdb = NULL, *godb = NULL;
	int force = 0, opt;
	long v;
	while ((opt = cli_opt(c, argc, argv, usage, "o:", lo, 1)) != -1) {
		int bad = 0;
		switch (opt) {
		case O_ORGDB: orgdb = optarg; break;
		case O_GODB: godb = optarg; break;
		case O_ONT: o.ontology = optarg; break;
		case O_IDS: o.ids = optarg; break;
		case O_NAME: name = optarg; break;
		case O_FORCE: force = 1; break;
		case 'o': out = optarg; break;
		case O_MIN:
			bad = cli_parse_long(c, "--min-size", optarg, 1, 100000000L, &v);
			o.min_size = (size_t)v;
			break;
		case O_MAX:
			bad = cli_parse_long(c, "--max-size", optarg, 1, 100000000L, &v);
			o.max_size = (size_t)v;
			break;
		default: return cli_usage_error(c, "unexpected option");
		}
		if (bad)
			return bad;
	}
	CLI_OPTS_END(c);
	if (c->optind >= argc || strcmp(argv[c->optind], "import"))
		return cli_usage_error(c, "expected the subcommand 'import'");
	if (argc - c->optind > 1)
		return cli_usage_error(c, "unexpected argument '%s'", argv[c->optind + 1]);
	if (!orgdb)
		return cli_usage_error(c, "--orgdb PATH is required");
	if (strcmp(o.ontology, "BP") && strcmp(o.ontology, "MF") && strcmp(o.ontology, "CC"))
		return cli_usage_error(c, "--ontology '%s': BP, MF or CC", o.ontology);
	int ok = 0;
	for (size_t i = 0; sc_grn_orgdb_id_types[i]; i++)
		ok |= !strcmp(o.ids, sc_grn_orgdb_id_types[i]);
	if (!ok)
		return cli_usage_error(c, "--ids '%s': symbol, entrez or ensembl", o.ids);
	if (o.min_size > o.max_size)
		return cli_usage_error(c, "--min-size %zu is above --max-size %zu", o.min_size, o.max_size);
	char dflt[16];
	snprintf(dflt, sizeof(dflt), "go_%c%c", o.ontology[0] | 0x20, o.ontology[1] | 0x20);
	if (!name)
		name = dflt;
	sc_err err;
	if (sc_store_valid_name(name, &err))
		return cli_fail(c, &err);
	return import(c, &o, orgdb, godb, name, force, out);
}
