/*
 * cmd_inspect.c - `sceval inspect FILE`: what is in an .h5ad file, read
 * without loading its matrices (a million-cell file answers at once): the
 * shape, the layout generation, how X, layers and raw are stored, obs and
 * var columns with their types and category counts, the keys of obsm,
 * varm, obsp, varp and uns with shapes. --checksum also streams every
 * matrix once to print order-sensitive sums, which is how the tests compare
 * sceval's reading with anndata's on real files.
 */
#include "cli.h"
#include "util/child.h"
#include "util/fs.h"
#include "io/h5ad.h"
#include "util/json.h"
#include "util/limits.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
	"usage: sceval inspect [--checksum] [--counts PATH] [--json] FILE\n"
	"\n"
	"Describe an AnnData .h5ad file without loading its matrices: shape, layout\n"
	"(modern, 0.7 or legacy), storage of X, layers and raw (dense/csr/csc, dtype,\n"
	"stored values), obs and var columns with types and category counts, obsm,\n"
	"varm, obsp, varp keys with shapes, uns keys.\n"
	"\n"
	"  --checksum  read every matrix once and print sum, sum of squares, sum of\n"
	"              |x|, sums weighted by (row+1) and (col+1), non-zero count\n"
	"  --counts PATH  check that the matrix at PATH (X, layers/counts, raw/X)\n"
	"              holds raw counts: every value finite and non-negative; says\n"
	"              whether they are whole numbers (fails otherwise)\n"
	"  --json      print JSON\n";

typedef struct insp {
	sc_h5ad *h;
	int checksum, json;
	const char *counts;
	sc_err err;
	cli_ctx *c;
	const char *path;
} insp;

/* Stream a matrix by row blocks with count validation. */
static json_t *check_counts(insp *in, const char *path)
{
	sc_h5ad_matinfo mi;
	if (sc_h5ad_matrix_info(&mi, in->h, path, &in->err))
		return NULL;
	size_t bs = mi.cols ? ((size_t)1 << 20) / mi.cols : 1;
	bs = bs ? bs : 1;
	int whole = 1;
	double total = 0;
	for (size_t r = 0; r < mi.rows; r += bs) {
		sc_csr b;
		size_t e = r + bs < mi.rows ? r + bs : mi.rows;
		if (sc_h5ad_read_rows(&b, in->h, path, r, e, SC_H5AD_COUNTS, &in->err))
			return NULL;
		for (size_t k = 0; k < sc_csr_nnz(&b); k++) {
			whole &= b.data[k] == floor(b.data[k]);
			total += b.data[k];
		}
		sc_csr_free(&b);
	}
	if (!in->json)
		printf("%-10s %s: counts ok, %s, total %.17g\n", "counts", cli_esc(path),
		       whole ? "whole numbers" : "not whole numbers", total);
	return json_pack("{s:s, s:b, s:o}", "path", path, "whole", whole, "total", sc_json_real(total));
}

static const char *matrix_groups[] = { "layers", "obsm", "varm", "obsp", "varp" };

static json_t *checksum_json(const sc_h5ad_checksum *s)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:I}", "sum", sc_json_real(s->sum), "sumsq",
			 sc_json_real(s->sumsq), "sumabs", sc_json_real(s->sumabs), "rowsum",
			 sc_json_real(s->rowsum), "colsum", sc_json_real(s->colsum), "nonzero",
			 (json_int_t)s->nonzero);
}

/* A matrix element: JSON description (and a text line when not json).
 * Elements that are not matrices (obsm data frames) are described by kind.
 * Returns NULL with in->err set on a corrupt matrix. */
static json_t *describe_matrix(insp *in, const char *path, const char *label, int top)
{
	/* Top-level elements (X, raw/X) share the column of the section names. */
	const char *ind = top ? "" : "  ";
	int w = top ? 10 : 22;
	sc_h5ad_matinfo mi;
	int rc = sc_h5ad_matrix_info(&mi, in->h, path, &in->err);
	sc_h5ad_elem e;
	/* obsm may hold data frames; X, raw/X and layers must be matrices. */
	if (rc == SC_EINVAL && !top && strncmp(path, "layers/", 7) &&
	    !sc_h5ad_elem_info(&e, in->h, path, NULL) && e.kind == SC_H5AD_KIND_GROUP) {
		const char *kind = e.encoding[0] ? e.encoding
				   : e.kind == SC_H5AD_KIND_GROUP ? "group"
								  : e.dtype;
		if (!in->json)
			printf("%s%-*s %s (not a matrix)\n", ind, w, cli_esc(label), cli_esc(kind));
		return json_pack("{s:s}", "storage", kind);
	}
	if (rc)
		return NULL;
	json_t *j = json_pack("{s:s, s:s, s:[I,I], s:I, s:s}", "storage", sc_h5ad_storage_name(mi.storage),
			      "dtype", mi.dtype, "shape", (json_int_t)mi.rows, (json_int_t)mi.cols, "nnz",
			      (json_int_t)mi.nnz, "compression", mi.filter);
	if (mi.storage != SC_H5AD_DENSE) {
		json_object_set_new(j, "index_dtype", json_string(mi.index_dtype));
		json_object_set_new(j, "indptr_dtype", json_string(mi.indptr_dtype));
	}
	if (!in->json) {
		double cells = (double)mi.rows * (double)mi.cols;
		if (mi.storage == SC_H5AD_DENSE)
			printf("%s%-*s dense %s %zu x %zu, %s\n", ind, w, cli_esc(label), mi.dtype, mi.rows, mi.cols,
			       mi.filter);
		else
			printf("%s%-*s %s %s %zu x %zu, %zu stored (%.2f%%), indices %s, %s%s\n", ind, w, cli_esc(label),
			       sc_h5ad_storage_name(mi.storage), mi.dtype, mi.rows, mi.cols, mi.nnz,
			       cells > 0 ? 100.0 * (double)mi.nnz / cells : 0.0, mi.index_dtype, mi.filter,
			       mi.legacy_sparse ? " (h5sparse)" : "");
	}
	if (in->checksum) {
		sc_h5ad_checksum s;
		if (sc_h5ad_matrix_checksum(&s, in->h, path, &in->err)) {
			json_decref(j);
			return NULL;
		}
		json_object_set_new(j, "checksum", checksum_json(&s));
		if (!in->json)
			printf("%s%-*s sum %.17g, sumsq %.17g, sumabs %.17g, rowsum %.17g, colsum %.17g, "
			       "nonzero %zu\n",
			       ind, w, "", s.sum, s.sumsq, s.sumabs, s.rowsum, s.colsum, s.nonzero);
	}
	return j;
}

/* The index of a frame: count, first and last names, and a SHA-256 over
 * the names each followed by a newline (to compare cell sets across files). */
static json_t *describe_names(insp *in, const char *df, const char *label)
{
	char **ix;
	size_t n;
	if (sc_h5ad_read_index(&ix, &n, in->h, df, &in->err))
		return NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (size_t i = 0; i < n; i++) {
		EVP_DigestUpdate(ctx, ix[i], strlen(ix[i]));
		EVP_DigestUpdate(ctx, "\n", 1);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	for (unsigned k = 0; k < mdlen; k++)
		snprintf(hex + 2 * k, 3, "%02x", md[k]);
	json_t *j = json_pack("{s:I, s:s}", "n", (json_int_t)n, "sha256", hex);
	if (n) {
		json_object_set_new(j, "first", json_string(ix[0]));
		json_object_set_new(j, "last", json_string(ix[n - 1]));
	}
	if (!in->json) {
		if (n)
			printf("%-10s %s%s%s (%zu)\n", label, cli_esc(ix[0]),
			       n > 2 ? ", ..., " : n > 1 ? ", " : "", n > 1 ? cli_esc(ix[n - 1]) : "", n);
		else
			printf("%-10s -\n", label);
	}
	sc_h5ad_strings_free(ix, n);
	return j;
}

/* Columns by name; *order gets their names in column order (JSON objects
 * print with sorted keys). */
static json_t *describe_frame(insp *in, const char *df, json_t **order)
{
	sc_h5ad_colinfo *cols;
	size_t n;
	*order = NULL;
	if (sc_h5ad_columns(&cols, &n, in->h, df, &in->err))
		return NULL;
	json_t *out = json_object();
	*order = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(*order, json_string(cols[i].name));
	if (!in->json)
		printf("%-10s %zu column%s\n", df, n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		sc_h5ad_colinfo *c = &cols[i];
		json_t *j = json_pack("{s:s, s:s}", "type", sc_h5ad_coltype_name(c->type), "dtype", c->dtype);
		if (c->type == SC_H5AD_COL_CATEGORICAL) {
			sc_h5ad_column col;
			if (sc_h5ad_read_column(&col, in->h, df, c->name, &in->err)) {
				json_decref(j);
				json_decref(out);
				json_decref(*order);
				*order = NULL;
				sc_h5ad_colinfo_free(cols, n);
				return NULL;
			}
			size_t *cnt = sc_xcalloc(col.ncat ? col.ncat : 1, sizeof(size_t));
			size_t missing = 0;
			for (size_t r = 0; r < col.n; r++) {
				if (col.codes[r] < 0)
					missing++;
				else
					cnt[col.codes[r]]++;
			}
			json_t *cats = json_array();
			for (size_t k = 0; k < col.ncat; k++)
				json_array_append_new(cats, json_pack("{s:s, s:I}", "name", col.categories[k],
								      "count", (json_int_t)cnt[k]));
			json_object_set_new(j, "categories", cats);
			json_object_set_new(j, "n_missing", json_integer((json_int_t)missing));
			json_object_set_new(j, "ordered", json_boolean(col.ordered));
			if (!in->json) {
				printf("  %-22s categorical %zu%s:", cli_esc(c->name), col.ncat, col.ordered ? " ordered" : "");
				for (size_t k = 0; k < col.ncat && k < 8; k++)
					printf("%s %s (%zu)", k ? "," : "", cli_esc(col.categories[k]), cnt[k]);
				if (col.ncat > 8)
					printf(", ...");
				if (missing)
					printf("; %zu missing", missing);
				printf("\n");
			}
			free(cnt);
			sc_h5ad_column_free(&col);
		} else if (!in->json) {
			printf("  %-22s %s %s\n", cli_esc(c->name), sc_h5ad_coltype_name(c->type), c->dtype);
		}
		json_object_set_new(out, c->name, j);
	}
	sc_h5ad_colinfo_free(cols, n);
	return out;
}

static json_t *describe_group(insp *in, const char *group)
{
	char **keys;
	size_t n;
	if (sc_h5ad_keys(&keys, &n, in->h, group, &in->err))
		return NULL;
	json_t *out = json_object();
	if (!in->json)
		printf("%-10s %s\n", group, n ? "" : "-");
	for (size_t i = 0; i < n; i++) {
		char *p = sc_xasprintf("%s/%s", group, keys[i]);
		json_t *j = describe_matrix(in, p, keys[i], 0);
		free(p);
		if (!j) {
			json_decref(out);
			out = NULL;
			break;
		}
		json_object_set_new(out, keys[i], j);
	}
	sc_h5ad_strings_free(keys, n);
	return out;
}

static json_t *describe_uns(insp *in)
{
	char **keys;
	size_t n;
	if (sc_h5ad_keys(&keys, &n, in->h, "uns", &in->err))
		return NULL;
	json_t *out = json_object();
	if (!in->json)
		printf("%-10s %zu key%s\n", "uns", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		char *p = sc_xasprintf("uns/%s", keys[i]);
		sc_h5ad_elem e;
		if (sc_h5ad_elem_info(&e, in->h, p, &in->err)) {
			free(p);
			json_decref(out);
			out = NULL;
			break;
		}
		json_t *j = json_object();
		if (e.kind == SC_H5AD_KIND_GROUP) {
			char **sub;
			size_t ns = 0;
			if (!sc_h5ad_keys(&sub, &ns, in->h, p, NULL))
				sc_h5ad_strings_free(sub, ns);
			json_object_set_new(j, "type", json_string(e.encoding[0] ? e.encoding : "dict"));
			json_object_set_new(j, "n_keys", json_integer((json_int_t)ns));
			if (!in->json)
				printf("  %-22s %s, %zu key%s\n", cli_esc(keys[i]), e.encoding[0] ? cli_esc(e.encoding) : "dict", ns,
				       ns == 1 ? "" : "s");
		} else {
			json_object_set_new(j, "type", json_string(e.encoding[0] ? e.encoding : "array"));
			json_object_set_new(j, "dtype", json_string(e.dtype));
			json_t *sh = json_array();
			for (int d = 0; d < e.ndim && d < 2; d++)
				json_array_append_new(sh, json_integer((json_int_t)e.shape[d]));
			json_object_set_new(j, "shape", sh);
			char *s = NULL;
			int scalar = e.ndim == 0 || (e.ndim == 1 && e.shape[0] == 1);
			if (scalar && !strcmp(e.dtype, "str") && !sc_h5ad_read_string(&s, in->h, p, NULL))
				json_object_set_new(j, "value", json_string(s));
			double v;
			if (scalar && strcmp(e.dtype, "str") && !sc_h5ad_read_scalar(&v, in->h, p, NULL))
				json_object_set_new(j, "value", sc_json_real(v));
			if (!in->json) {
				printf("  %-22s %s %s", cli_esc(keys[i]), e.encoding[0] ? cli_esc(e.encoding) : "array",
				       cli_esc(e.dtype));
				if (e.ndim == 1)
					printf(" [%zu]", e.shape[0]);
				else if (e.ndim >= 2)
					printf(" [%zu x %zu%s]", e.shape[0], e.shape[1], e.ndim > 2 ? " x ..." : "");
				if (s)
					printf(" '%.60s%s'", cli_esc(s), strlen(s) > 60 ? "..." : "");
				else if (scalar && strcmp(e.dtype, "str") && json_object_get(j, "value"))
					printf(" %.17g", v);
				printf("\n");
			}
			free(s);
		}
		free(p);
		json_object_set_new(out, keys[i], j);
	}
	sc_h5ad_strings_free(keys, n);
	return out;
}

static int inspect(insp *in, json_t *root)
{
	sc_h5ad *h = in->h;
	size_t no, nv;
	sc_h5ad_shape(h, &no, &nv);
	json_object_set_new(root, "file", json_string(sc_h5ad_path(h)));
	json_object_set_new(root, "encoding", json_string(sc_h5ad_encoding_name(sc_h5ad_encoding_of(h))));
	json_object_set_new(root, "n_obs", json_integer((json_int_t)no));
	json_object_set_new(root, "n_vars", json_integer((json_int_t)nv));
	if (!in->json) {
		printf("%-10s %s\n", "file", cli_esc(sc_h5ad_path(h)));
		printf("%-10s %s\n", "encoding", sc_h5ad_encoding_name(sc_h5ad_encoding_of(h)));
		printf("%-10s %zu obs x %zu vars\n", "shape", no, nv);
	}
	json_t *j;
	if (sc_h5ad_has(h, "X")) {
		if (!(j = describe_matrix(in, "X", "X", 1)))
			return -1;
		json_object_set_new(root, "X", j);
	} else {
		if (!in->json)
			printf("%-10s -\n", "X");
		json_object_set_new(root, "X", json_null());
	}
	if (sc_h5ad_has(h, "raw/X")) {
		json_t *raw = json_object();
		json_object_set_new(root, "raw", raw);
		if (!(j = describe_matrix(in, "raw/X", "raw/X", 1)))
			return -1;
		json_object_set_new(raw, "X", j);
		if (sc_h5ad_has(h, "raw/var")) {
			if (!(j = describe_names(in, "raw/var", "raw names")))
				return -1;
			json_object_set_new(raw, "n_vars", json_incref(json_object_get(j, "n")));
			json_object_set_new(raw, "var_names", j);
			json_t *ord;
			if (!(j = describe_frame(in, "raw/var", &ord)))
				return -1;
			json_object_set_new(raw, "var", j);
			json_object_set_new(raw, "var_columns", ord);
		}
	} else {
		json_object_set_new(root, "raw", json_null());
		if (!in->json)
			printf("%-10s -\n", "raw");
	}
	for (size_t g = 0; g < sizeof(matrix_groups) / sizeof(*matrix_groups); g++) {
		if (!(j = describe_group(in, matrix_groups[g])))
			return -1;
		json_object_set_new(root, matrix_groups[g], j);
	}
	static const char *frames[] = { "obs", "var" };
	for (int f = 0; f < 2; f++) {
		if (!sc_h5ad_has(h, frames[f])) {
			json_object_set_new(root, frames[f], json_object());
			json_object_set_new(root, f ? "var_columns" : "obs_columns", json_array());
			continue;
		}
		if (!(j = describe_names(in, frames[f], f ? "var names" : "obs names")))
			return -1;
		json_object_set_new(root, f ? "var_names" : "obs_names", j);
		json_t *ord;
		if (!(j = describe_frame(in, frames[f], &ord)))
			return -1;
		json_object_set_new(root, frames[f], j);
		json_object_set_new(root, f ? "var_columns" : "obs_columns", ord);
	}
	if (!(j = describe_uns(in)))
		return -1;
	json_object_set_new(root, "uns", j);
	if (in->counts) {
		if (!(j = check_counts(in, in->counts)))
			return -1;
		json_object_set_new(root, "counts", j);
	}
	return 0;
}

/* The whole command, in the child of sc_child_run: its exit status. */
static int inspect_child(void *arg)
{
	insp *in = arg;
	cli_ctx *c = in->c;
	if (sc_h5ad_open(&in->h, in->path, &in->err))
		return cli_fail(c, &in->err);
	json_t *root = json_object();
	int rc = inspect(in, root);
	sc_h5ad_close(in->h);
	if (rc) {
		json_decref(root);
		return cli_fail(c, &in->err);
	}
	if (c->json)
		return cli_json_out(c, root);
	json_decref(root);
	return 0;
}

int cmd_inspect(cli_ctx *c, int argc, char **argv)
{
	static const struct option lo[] = { { "checksum", no_argument, NULL, 'c' },
					    { "counts", required_argument, NULL, 'k' },
					    { NULL, 0, NULL, 0 } };
	insp in;
	memset(&in, 0, sizeof(in));
	int o;
	while ((o = cli_opt(c, argc, argv, usage, "", lo, 1)) != -1) {
		if (o == 'c')
			in.checksum = 1;
		else if (o == 'k')
			in.counts = optarg;
		else
			return cli_usage_error(c, "unexpected option");
	}
	CLI_OPTS_END(c);
	if (c->optind + 1 != argc)
		return cli_usage_error(c, c->optind >= argc ? "missing FILE" : "expected one FILE");
	in.json = c->json;
	/* A directory is left to the reader, which says so; a FIFO or a device
	 * would block it. */
	const char *path = argv[c->optind];
	struct stat st;
	if (sc_check_file(path, 1, &in.err))
		return cli_fail(c, &in.err);
	/* libhdf5 may crash or hang on a corrupt file: read it in a child. */
	in.c = c;
	in.path = path;
	sc_child_result r;
	if (sc_child_run(&r, inspect_child, &in, sc_read_timeout(stat(path, &st) ? 0 : (uint64_t)st.st_size),
			 &in.err))
		return cli_fail(c, &in.err);
	if (sc_child_blame(&r, path, "libhdf5", &in.err)) {
		sc_child_result_free(&r);
		return cli_fail(c, &in.err);
	}
	fwrite(r.out, 1, r.out_len, stdout);
	fflush(stdout);
	fwrite(r.err, 1, r.err_len, stderr);
	sc_child_result_free(&r);
	return r.status;
}
