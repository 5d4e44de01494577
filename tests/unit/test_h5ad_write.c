/*
 * test_h5ad_write.c - the writer: a file with every kind of element, read
 * back by sceval's reader and by anndata 0.8 (tests/oracle/
 * h5ad_check_written.py rebuilds the expected values from the same
 * formulas), byte-identical when written twice, editable by copy and in
 * place, and refusing malformed calls with a clean error and no file left.
 */
#include "io/h5ad.h"
#include "unit.h"

#include <sys/stat.h>
#include <unistd.h>

enum { N = 10, G = 6 };
static char dir[256];

static double xval(int i, int j)
{
	int v = (i * 7 + j * 3) % 5;
	return v > 1 ? v : 0;
}

/* Rows [r0, r1) of X as CSR. */
static void make_x(sc_csr *m, int r0, int r1)
{
	sc_csr_alloc(m, (size_t)(r1 - r0), G, (size_t)(r1 - r0) * G);
	int64_t k = 0;
	for (int i = r0; i < r1; i++) {
		for (int j = 0; j < G; j++)
			if (xval(i, j) != 0) {
				m->indices[k] = j;
				m->data[k++] = xval(i, j);
			}
		m->indptr[i - r0 + 1] = k;
	}
}

static int write_file(const char *path, sc_err *err)
{
	sc_h5ad_writer *w;
	int rc = sc_h5ad_create(&w, path, err);
	if (rc)
		return rc;
	char *names[N], *labels[N], *genes[G];
	int32_t codes[N];
	double score[N], mean[G];
	int64_t cnt[N];
	uint8_t flag[N];
	for (int i = 0; i < N; i++) {
		names[i] = sc_xasprintf("cell%02d", i);
		labels[i] = sc_xasprintf("L%d", i % 3);
		codes[i] = i % 4 == 3 ? 2 : (i % 4) - 1;
		score[i] = i == 5 ? NAN : i / 4.0;
		cnt[i] = (int64_t)i * i - 3;
		flag[i] = i % 2 == 0;
	}
	for (int j = 0; j < G; j++) {
		genes[j] = sc_xasprintf("g%d", j);
		mean[j] = j * 0.5;
	}
	char *cats[] = { "B", "T", "NK" };
	char *un[] = { "a", "b", "c" };
	sc_dmat emb, pcs, counts;
	sc_dmat_alloc(&emb, N, 2);
	sc_dmat_alloc(&pcs, G, 3);
	sc_dmat_alloc(&counts, N, G);
	for (int i = 0; i < N; i++) {
		SC_AT(&emb, i, 0) = i;
		SC_AT(&emb, i, 1) = -i / 2.0;
		for (int j = 0; j < G; j++)
			SC_AT(&counts, i, j) = xval(i, j);
	}
	for (int j = 0; j < G; j++)
		for (int k = 0; k < 3; k++)
			SC_AT(&pcs, j, k) = j * 3 + k;
	/* X first and in three uneven blocks: streaming must not care. */
	sc_csr b;
	int blocks[] = { 0, 3, 4, N };
	rc = sc_h5ad_csr_begin(w, "X", G, SC_H5AD_F32, err);
	for (int k = 0; k < 3 && !rc; k++) {
		make_x(&b, blocks[k], blocks[k + 1]);
		rc = sc_h5ad_csr_append(w, &b, err);
		sc_csr_free(&b);
	}
	if (!rc)
		rc = sc_h5ad_csr_end(w, err);
	if (!rc)
		rc = sc_h5ad_write_index(w, "obs", names, N, err);
	if (!rc)
		rc = sc_h5ad_write_categorical(w, "obs", "type", codes, N, cats, 3, 0, err);
	if (!rc)
		rc = sc_h5ad_write_strings(w, "obs", "label", labels, N, err);
	if (!rc)
		rc = sc_h5ad_write_float(w, "obs", "score", score, N, err);
	if (!rc)
		rc = sc_h5ad_write_int(w, "obs", "count", cnt, N, err);
	if (!rc)
		rc = sc_h5ad_write_bool(w, "obs", "flag", flag, N, err);
	if (!rc)
		rc = sc_h5ad_write_index(w, "var", genes, G, err);
	if (!rc)
		rc = sc_h5ad_write_float(w, "var", "mean", mean, G, err);
	if (!rc)
		rc = sc_h5ad_write_dense(w, "obsm/X_emb", &emb, SC_H5AD_F32, err);
	if (!rc)
		rc = sc_h5ad_write_dense(w, "layers/counts", &counts, SC_H5AD_I32, err);
	if (!rc)
		rc = sc_h5ad_write_dense(w, "varm/PCs", &pcs, SC_H5AD_F64, err);
	if (!rc)
		rc = sc_h5ad_write_uns_string(w, "title", "written by sceval", err);
	if (!rc)
		rc = sc_h5ad_write_uns_int(w, "params/seed", 7, err);
	if (!rc)
		rc = sc_h5ad_write_uns_float(w, "params/rate", 0.25, err);
	if (!rc)
		rc = sc_h5ad_write_uns_strings(w, "names", un, 3, err);
	if (!rc)
		rc = sc_h5ad_writer_close(w, err);
	else
		sc_h5ad_writer_free(w);
	for (int i = 0; i < N; i++) {
		free(names[i]);
		free(labels[i]);
	}
	for (int j = 0; j < G; j++)
		free(genes[j]);
	sc_dmat_free(&emb);
	sc_dmat_free(&pcs);
	sc_dmat_free(&counts);
	return rc;
}

static int add_prediction(const char *path, const char *copy_from, sc_err *err)
{
	sc_h5ad_writer *w;
	int rc = sc_h5ad_edit(&w, path, copy_from, err);
	if (rc)
		return rc;
	sc_dmat p;
	sc_dmat_alloc(&p, N, 3);
	for (int i = 0; i < N; i++)
		for (int k = 0; k < 3; k++)
			SC_AT(&p, i, k) = i * 10 + k;
	int32_t codes[N];
	for (int i = 0; i < N; i++)
		codes[i] = i % 2;
	char *cats[] = { "x", "y" };
	rc = sc_h5ad_write_dense(w, "obsm/pred_emb", &p, SC_H5AD_F64, err);
	if (!rc)
		rc = sc_h5ad_write_categorical(w, "obs", "pred", codes, N, cats, 2, 0, err);
	sc_dmat_free(&p);
	if (rc) {
		sc_h5ad_writer_free(w);
		return rc;
	}
	return sc_h5ad_writer_close(w, err);
}

static int run_oracle(const char *path, const char *extra)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s tests/oracle/h5ad_check_written.py %s %s", unit_python(), path, extra);
	fflush(stdout);
	return system(cmd);
}

static int same_bytes(const char *a, const char *b)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "cmp -s %s %s", a, b);
	return system(cmd) == 0;
}

static void test_roundtrip(void)
{
	sc_err err = { 0, "" };
	char p1[300], p2[300];
	snprintf(p1, sizeof(p1), "%s/a.h5ad", dir);
	snprintf(p2, sizeof(p2), "%s/b.h5ad", dir);
	int rc = write_file(p1, &err);
	OK(rc == 0, "write a file with every element kind%s%s", rc ? ": " : "", rc ? err.msg : "");
	if (rc)
		return;
	OK(write_file(p2, &err) == 0 && same_bytes(p1, p2), "the same content gives the same bytes");

	sc_h5ad *h;
	if (sc_h5ad_open(&h, p1, &err)) {
		OK(0, "reopen: %s", err.msg);
		return;
	}
	sc_csr x;
	int ok = sc_h5ad_read_csr(&x, h, "X", SC_H5AD_COUNTS, &err) == 0 && x.rows == N && x.cols == G;
	for (int i = 0; ok && i < N; i++) {
		double row[G] = { 0 };
		for (int64_t p = x.indptr[i]; p < x.indptr[i + 1]; p++)
			row[x.indices[p]] = x.data[p];
		for (int j = 0; j < G; j++)
			ok &= row[j] == xval(i, j);
	}
	OK(ok, "streamed X reads back");
	sc_csr_free(&x);
	sc_h5ad_matinfo mi;
	OK(sc_h5ad_matrix_info(&mi, h, "X", &err) == 0 && !strcmp(mi.indptr_dtype, "int64") &&
		   !strcmp(mi.dtype, "float32"),
	   "int64 indptr, float32 values");
	sc_labels l;
	OK(sc_h5ad_read_labels(&l, h, "obs", "type", &err) == 0 && l.ncat == 3 && l.codes[0] == -1 &&
		   l.codes[3] == 2 && !strcmp(l.names[2], "NK"),
	   "categorical reads back");
	sc_labels_free(&l);
	sc_h5ad_close(h);
	run_oracle(p1, "");

	/* Edit a copy: the original stays as it was. */
	char p3[300];
	snprintf(p3, sizeof(p3), "%s/c.h5ad", dir);
	rc = add_prediction(p3, p1, &err);
	OK(rc == 0, "copy and add an obsm key and an obs column%s%s", rc ? ": " : "", rc ? err.msg : "");
	OK(same_bytes(p1, p2), "the source of the copy is untouched");
	run_oracle(p3, "edited");
	/* In place: the edit is written beside the file and renamed over it, so
	 * a reader holding the original (here: a hard link) never sees it
	 * change, and a writer freed without closing leaves the file as it was. */
	char link2[300];
	snprintf(link2, sizeof(link2), "%s/b-link.h5ad", dir);
	OK(link(p2, link2) == 0, "hard link to the file to edit");
	sc_h5ad_writer *w = NULL;
	if (sc_h5ad_edit(&w, p2, NULL, &err) == 0)
		sc_h5ad_writer_free(w);
	OK(w && same_bytes(p1, p2), "an edit freed without closing leaves the file unchanged");
	rc = add_prediction(p2, NULL, &err);
	OK(rc == 0, "add in place%s%s", rc ? ": " : "", rc ? err.msg : "");
	OK(same_bytes(p1, link2) && !same_bytes(p1, p2),
	   "the edited file replaced the original atomically (the old inode is untouched)");
	unlink(link2);
	run_oracle(p2, "edited");
	OK(add_prediction(p2, NULL, &err) == SC_EEXISTS && strstr(err.msg, "obsm/pred_emb: exists"),
	   "adding an existing key fails: %s", err.msg);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "ls %s | grep -q tmp", dir);
	OK(system(cmd) != 0, "no temporary file left behind by the edits");
}

static void test_errors(void)
{
	sc_err err = { 0, "" };
	char p[300];
	snprintf(p, sizeof(p), "%s/bad.h5ad", dir);
	sc_h5ad_writer *w;
	if (sc_h5ad_create(&w, p, &err)) {
		OK(0, "create: %s", err.msg);
		return;
	}
	double v[3] = { 1, 2, 3 };
	char *names[] = { "a", "b" };
	OK(sc_h5ad_write_float(w, "obs", "x", v, 3, &err) == SC_EINVAL &&
		   strstr(err.msg, "obs: write the index before the columns"),
	   "column before index: %s", err.msg);
	OK(sc_h5ad_write_index(w, "obs", names, 2, &err) == 0, "index");
	OK(sc_h5ad_write_float(w, "obs", "x", v, 3, &err) == SC_EINVAL && strstr(err.msg, "obs/x: 3 values for 2 rows"),
	   "wrong column length: %s", err.msg);
	OK(sc_h5ad_write_float(w, "obs", "x", v, 2, &err) == 0, "column");
	OK(sc_h5ad_write_float(w, "obs", "x", v, 2, &err) == SC_EEXISTS, "duplicate column");
	int32_t codes[2] = { 0, 3 };
	char *cats[] = { "a" };
	OK(sc_h5ad_write_categorical(w, "obs", "c", codes, 2, cats, 1, 0, &err) == SC_EINVAL,
	   "code out of range: %s", err.msg);
	OK(sc_h5ad_write_index(w, "var", names, 2, &err) == 0, "var index");
	sc_dmat m;
	sc_dmat_alloc(&m, 3, 2);
	OK(sc_h5ad_write_dense(w, "X", &m, SC_H5AD_F32, &err) == 0, "X with 3 rows accepted until close");
	sc_dmat_free(&m);
	OK(sc_h5ad_writer_close(w, &err) == SC_EINVAL && strstr(err.msg, "X: 3 rows but obs has 2"),
	   "close checks shapes: %s", err.msg);
	struct stat st;
	OK(stat(p, &st) != 0, "no file left behind after a failed close");
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "ls %s | grep -c tmp >/dev/null", dir);
	OK(system(cmd) != 0, "no temporary file left behind");
	OK(sc_h5ad_edit(&w, "/nonexistent/x.h5ad", NULL, &err) != 0, "editing a missing file fails");
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sceval-h5w.XXXXXX");
	if (!mkdtemp(dir)) {
		OK(0, "temporary directory");
		return 1;
	}
	test_roundtrip();
	test_errors();
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return unit_done();
}
