/*
 * compare.c - content comparison of outputs whose bytes differ (see
 * compare.h): the shared float rule, the dispatch by format, .npy arrays,
 * CSV/TSV tables and store trees. HDF5 files are walked in compare_h5.c.
 *
 * Built for reproduce's workload: a few outputs per step, each read once,
 * in the parent process. Tables and .npy arrays are read whole (they are
 * small: per-class reports, embeddings); HDF5 datasets are streamed.
 */
#include "compare.h"
#include "io/npy.h"
#include "util/buf.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *sc_cmp_verdict_name(sc_cmp_verdict v)
{
	return v == SC_CMP_IDENTICAL ? "identical" : v == SC_CMP_EQUIVALENT ? "equivalent" : "different";
}

void sc_cmp_reset(sc_cmp *c, const char *format)
{
	memset(c, 0, sizeof(*c));
	c->format = format;
}

void sc_cmp_differ(sc_cmp *c, const char *fmt, ...)
{
	if (c->verdict == SC_CMP_DIFFERENT)
		return; /* the first difference is the one reported */
	c->verdict = SC_CMP_DIFFERENT;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
}

int sc_cmp_array_add(sc_cmp_array *s, double a, double b, size_t i)
{
	s->n++;
	if (a == b || (isnan(a) && isnan(b))) {
		if (isfinite(a) && fabs(a) > s->scale)
			s->scale = fabs(a);
		return 0;
	}
	s->unequal++;
	if (!isfinite(a) || !isfinite(b)) {
		s->bad = 1;
		s->at_abs = i;
		s->abs_a = a;
		s->abs_b = b;
		return 1;
	}
	double fa = fabs(a), fb = fabs(b), d = fabs(a - b), m = fa > fb ? fa : fb;
	if (m > s->scale)
		s->scale = m;
	if (d > s->max_abs) {
		s->max_abs = d;
		s->at_abs = i;
		s->abs_a = a;
		s->abs_b = b;
	}
	if (d / m > s->max_rel) {
		s->max_rel = d / m;
		s->at_rel = i;
	}
	return 0;
}

void sc_cmp_array_done(sc_cmp *c, const sc_cmp_array *s, double tol,
		       void (*where)(void *ctx, size_t i, char *buf, size_t n), void *ctx)
{
	char at[256];
	c->n_numbers += s->n;
	c->n_unequal += s->unequal;
	if (s->bad) {
		where(ctx, s->at_abs, at, sizeof(at));
		sc_cmp_differ(c, "%s: %.17g vs %.17g", at, s->abs_a, s->abs_b);
		return;
	}
	if (!s->unequal)
		return;
	double scaled = s->max_abs / s->scale;
	if (scaled > c->max_scaled)
		c->max_scaled = scaled;
	if (s->max_abs > c->max_abs) {
		c->max_abs = s->max_abs;
		where(ctx, s->at_abs, c->max_abs_at, sizeof(c->max_abs_at));
	}
	if (s->max_rel > c->max_rel) {
		c->max_rel = s->max_rel;
		where(ctx, s->at_rel, c->max_rel_at, sizeof(c->max_rel_at));
	}
	if (s->max_abs > tol * s->scale) {
		where(ctx, s->at_abs, at, sizeof(at));
		sc_cmp_differ(c, "%s: %.17g vs %.17g (|a - b| = %.3g > tolerance %g x scale %.6g)",
			      at, s->abs_a, s->abs_b, s->max_abs, tol, s->scale);
	} else if (c->verdict == SC_CMP_IDENTICAL) {
		c->verdict = SC_CMP_EQUIVALENT;
	}
}

/* ---- dispatch ------------------------------------------------------------ */

/* 1 when the files hold the same bytes, 0 when not, -1 when unreadable. */
static int same_bytes(const char *a, const char *b)
{
	int fa = open(a, O_RDONLY | O_CLOEXEC), fb = open(b, O_RDONLY | O_CLOEXEC);
	int r = -1;
	char *x = sc_xmalloc(1 << 16), *y = sc_xmalloc(1 << 16);
	if (fa < 0 || fb < 0)
		goto out;
	for (;;) {
		ssize_t na = sc_read_full(fa, x, 1 << 16), nb = sc_read_full(fb, y, 1 << 16);
		if (na < 0 || nb < 0)
			goto out;
		if (na != nb || memcmp(x, y, (size_t)na)) {
			r = 0;
			goto out;
		}
		if (na == 0) {
			r = 1;
			goto out;
		}
	}
out:
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	free(x);
	free(y);
	return r;
}

static int has_prefix(const char *path, const char *magic, size_t n)
{
	char b[16];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t r = sc_read_full(fd, b, n);
	close(fd);
	return r == (ssize_t)n && !memcmp(b, magic, n);
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcasecmp(s + a - b, suf);
}

void sc_compare_files(sc_cmp *out, const char *a, const char *b, const char *name, double tol)
{
	sc_cmp_reset(out, "bytes");
	int same = same_bytes(a, b);
	if (same != 0) {
		if (same < 0) {
			int ea = access(a, R_OK) ? errno : 0, eb = access(b, R_OK) ? errno : 0;
			sc_cmp_differ(out, "cannot read the %s file: %s", ea ? "recorded" : "reproduced",
				      strerror(ea ? ea : eb ? eb : EIO));
		}
		return;
	}
	/* HDF5's signature may sit after a user block of 512, 1024, ... bytes;
	 * anndata writes none, and the HDF5 walk checks the files itself. */
	if (has_prefix(a, "\211HDF\r\n\032\n", 8) || ends_with(name, ".h5ad") || ends_with(name, ".h5"))
		sc_compare_hdf5(out, a, b, tol);
	else if (has_prefix(a, "\223NUMPY", 6) || ends_with(name, ".npy"))
		sc_compare_npy(out, a, b, tol);
	else if (ends_with(name, ".tsv") || ends_with(name, ".tab"))
		sc_compare_table(out, a, b, '\t', tol);
	else if (ends_with(name, ".csv") || ends_with(name, ".txt"))
		sc_compare_table(out, a, b, ',', tol);
	else
		sc_cmp_differ(out, "the bytes differ (not HDF5, .npy or a CSV/TSV table: "
				   "compared by hash only)");
	/* Bytes differ but every value agrees: equivalent, never identical. */
	if (out->verdict == SC_CMP_IDENTICAL)
		out->verdict = SC_CMP_EQUIVALENT;
}

/* ---- .npy ---------------------------------------------------------------- */

static void npy_where(void *ctx, size_t i, char *buf, size_t n)
{
	const sc_dmat *m = ctx;
	snprintf(buf, n, "[%zu,%zu]", m->cols ? i / m->cols : 0, m->cols ? i % m->cols : 0);
}

void sc_compare_npy(sc_cmp *out, const char *a, const char *b, double tol)
{
	sc_cmp_reset(out, "npy");
	char msg[256];
	sc_npy_info ia, ib;
	sc_dmat x = { 0 }, y = { 0 };
	sc_err e;
	for (int side = 0; side < 2; side++) {
		const char *what = side ? "reproduced" : "recorded";
		if (sc_npy_load(side ? &y : &x, side ? &ib : &ia, side ? b : a, &e)) {
			sc_cmp_differ(out, "%s file: %s", what, e.msg);
			goto out;
		}
	}
	char ka = ia.kind, kb = ib.kind;
	if (x.rows != y.rows || x.cols != y.cols) {
		sc_cmp_differ(out, "shape %zux%zu vs %zux%zu", x.rows, x.cols, y.rows, y.cols);
		goto out;
	}
	if ((ka == 'f') != (kb == 'f')) {
		sc_cmp_differ(out, "dtype kind '%c' vs '%c'", ka, kb);
		goto out;
	}
	size_t n = x.rows * x.cols;
	if (ka != 'f') {
		for (size_t i = 0; i < n; i++)
			if (x.v[i] != y.v[i]) {
				npy_where(&x, i, msg, sizeof(msg));
				sc_cmp_differ(out, "%s: %.17g vs %.17g (integers must be equal)", msg,
					      x.v[i], y.v[i]);
				goto out;
			}
		goto out;
	}
	sc_cmp_array s = { 0 };
	for (size_t i = 0; i < n; i++)
		if (sc_cmp_array_add(&s, x.v[i], y.v[i], i))
			break;
	sc_cmp_array_done(out, &s, tol, npy_where, &x);
out:
	sc_dmat_free(&x);
	sc_dmat_free(&y);
}

/* ---- CSV / TSV tables ---------------------------------------------------- */

/* One record of RFC 4180 text: cells unquoted into buf, separated by NULs. */
typedef struct record {
	sc_buf buf;
	size_t *off, n, cap;
	size_t line; /* where the record starts (1-based) */
} record;

/* Read the record at *p; returns 0 at the end of the text. */
static int next_record(record *r, const char **p, const char *end, char sep, size_t *line)
{
	if (*p >= end)
		return 0;
	sc_buf_reset(&r->buf);
	r->n = 0;
	r->line = *line;
	const char *q = *p;
	for (;;) {
		if (r->n == r->cap) {
			r->cap = r->cap ? 2 * r->cap : 16;
			r->off = sc_xrealloc(r->off, r->cap * sizeof(size_t));
		}
		r->off[r->n++] = r->buf.len;
		int quoted = q < end && *q == '"';
		q += quoted;
		while (q < end) {
			if (quoted && *q == '"' && q + 1 < end && q[1] == '"') {
				sc_buf_putc(&r->buf, '"');
				q += 2;
			} else if (quoted && *q == '"') {
				quoted = 0;
				q++;
			} else if (!quoted && (*q == sep || *q == '\n' || *q == '\r')) {
				break;
			} else {
				*line += *q == '\n';
				sc_buf_putc(&r->buf, *q++);
			}
		}
		sc_buf_putc(&r->buf, 0);
		if (q < end && *q == sep) {
			q++;
			continue;
		}
		if (q < end && *q == '\r')
			q++;
		if (q < end && *q == '\n')
			q++;
		(*line)++;
		break;
	}
	*p = q;
	return 1;
}

static const char *cell(const record *r, size_t i)
{
	return r->buf.s + r->off[i];
}

/* A cell as a number: 2 for an integer, 1 for another number, 0 for text. */
static int cell_number(const char *s, double *v, long long *iv)
{
	char *e;
	while (*s == ' ')
		s++;
	if (!*s)
		return 0;
	errno = 0;
	*iv = strtoll(s, &e, 10);
	int is_int = e != s && errno == 0;
	while (*e == ' ')
		e++;
	if (is_int && !*e) {
		*v = (double)*iv;
		return 2;
	}
	*v = strtod(s, &e);
	if (e == s)
		return 0;
	while (*e == ' ')
		e++;
	return *e ? 0 : 1;
}

typedef struct table_ctx {
	record ra, rb, head;
	sc_cmp_array *cols;
	size_t ncols;
	size_t col; /* the column being judged (for where) */
} table_ctx;

static void cell_where(const table_ctx *t, size_t line, size_t col, char *buf, size_t n)
{
	if (t->head.n > col && *cell(&t->head, col))
		snprintf(buf, n, "line %zu, column %zu ('%.60s')", line, col + 1, cell(&t->head, col));
	else
		snprintf(buf, n, "line %zu, column %zu", line, col + 1);
}

static void table_where(void *ctx, size_t i, char *buf, size_t n)
{
	const table_ctx *t = ctx;
	cell_where(t, i, t->col, buf, n);
}

/* Compare one pair of records; returns 1 when a difference ends the walk. */
static int table_row(sc_cmp *out, table_ctx *t)
{
	char at[160];
	if (t->ra.n != t->rb.n) {
		sc_cmp_differ(out, "line %zu: %zu cells vs %zu", t->ra.line, t->ra.n, t->rb.n);
		return 1;
	}
	if (t->ra.n > t->ncols) {
		t->cols = sc_xrealloc(t->cols, t->ra.n * sizeof(*t->cols));
		memset(t->cols + t->ncols, 0, (t->ra.n - t->ncols) * sizeof(*t->cols));
		t->ncols = t->ra.n;
	}
	for (size_t c = 0; c < t->ra.n; c++) {
		const char *x = cell(&t->ra, c), *y = cell(&t->rb, c);
		double u, v;
		long long iu, iv;
		int kx = cell_number(x, &u, &iu), ky = cell_number(y, &v, &iv);
		cell_where(t, t->ra.line, c, at, sizeof(at));
		if (kx == 2 && ky == 2 && iu != iv) {
			sc_cmp_differ(out, "%s: %lld vs %lld (integers must be equal)", at, iu, iv);
			return 1;
		}
		if (kx && ky) {
			/* the flat index of a column's cell is its line, for where */
			if (sc_cmp_array_add(&t->cols[c], u, v, t->ra.line)) {
				t->col = c;
				sc_cmp_array_done(out, &t->cols[c], 0, table_where, t);
				return 1;
			}
		} else if (strcmp(x, y)) {
			sc_cmp_differ(out, "%s: '%.80s' vs '%.80s'", at, x, y);
			return 1;
		}
	}
	return 0;
}

void sc_compare_table(sc_cmp *out, const char *a, const char *b, char sep, double tol)
{
	sc_cmp_reset(out, sep == '\t' ? "tsv" : "csv");
	sc_buf fa = SC_BUF_INIT, fb = SC_BUF_INIT;
	table_ctx t;
	memset(&t, 0, sizeof(t));
	sc_buf_init(&fa);
	sc_buf_init(&fb);
	sc_buf_init(&t.ra.buf);
	sc_buf_init(&t.rb.buf);
	sc_buf_init(&t.head.buf);
	sc_err e;
	if (sc_read_file(&fa, a, &e) || sc_read_file(&fb, b, &e)) {
		sc_cmp_differ(out, "%s", e.msg);
		goto out;
	}
	if (memchr(fa.s, 0, fa.len) || memchr(fb.s, 0, fb.len)) {
		sc_cmp_differ(out, "binary content (NUL bytes) where a text table was expected");
		goto out;
	}
	const char *pa = fa.s, *pb = fb.s;
	size_t la = 1, lb = 1;
	for (;;) {
		int ha = next_record(&t.ra, &pa, fa.s + fa.len, sep, &la);
		int hb = next_record(&t.rb, &pb, fb.s + fb.len, sep, &lb);
		if (!ha || !hb) {
			if (ha || hb)
				sc_cmp_differ(out, "line %zu: only in the %s file", ha ? t.ra.line : t.rb.line,
					      ha ? "recorded" : "reproduced");
			break;
		}
		if (t.ra.line == 1) {
			sc_buf_reset(&t.head.buf);
			sc_buf_add(&t.head.buf, t.ra.buf.s, t.ra.buf.len);
			t.head.off = sc_xrealloc(t.head.off, (t.ra.n ? t.ra.n : 1) * sizeof(size_t));
			memcpy(t.head.off, t.ra.off, t.ra.n * sizeof(size_t));
			t.head.n = t.ra.n;
		}
		if (table_row(out, &t))
			break;
	}
	for (size_t c = 0; c < t.ncols && out->verdict != SC_CMP_DIFFERENT; c++) {
		t.col = c;
		sc_cmp_array_done(out, &t.cols[c], tol, table_where, &t);
	}
out:
	sc_buf_free(&fa);
	sc_buf_free(&fb);
	sc_buf_free(&t.ra.buf);
	sc_buf_free(&t.rb.buf);
	sc_buf_free(&t.head.buf);
	free(t.ra.off);
	free(t.rb.off);
	free(t.head.off);
	free(t.cols);
}

/* ---- one file pair in a child process ------------------------------------- */

/* libhdf5 itself is not safe on malformed files: a corrupt global heap
 * makes H5Dread crash or allocate and clear gigabytes (seen with 1.10.8).
 * So each pair is compared in a child with limits on memory and CPU time,
 * and a child that dies is a verdict, not the end of `reproduce`. */
static void child_limits(off_t bytes)
{
	/* CPU: a minute, plus a second per 10 MB of input (reading and
	 * inflating runs at well over that). */
	rlim_t cpu = 60 + (rlim_t)(bytes / (10 << 20));
	struct rlimit r = { cpu, cpu + 5 };
	setrlimit(RLIMIT_CPU, &r);
#ifndef __SANITIZE_ADDRESS__ /* ASan reserves terabytes of address space */
	/* Memory: what the process has mapped, plus 1 GB for libhdf5's caches
	 * and a few 8 MB blocks, plus four times the input for the formats
	 * read whole (.npy float32 as doubles, tables). A corrupt heap entry
	 * then fails to allocate in milliseconds instead of clearing gigabytes. */
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long pages;
	if (f && fscanf(f, "%lu", &pages) == 1) {
		rlim_t as = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + ((rlim_t)1 << 30) +
			    4 * (rlim_t)bytes;
		struct rlimit m = { as, as };
		setrlimit(RLIMIT_AS, &m);
	}
	if (f)
		fclose(f);
#endif
}

static off_t file_size(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? st.st_size : 0;
}

static void compare_isolated(sc_cmp *out, const char *a, const char *b, const char *name,
			     double tol)
{
	int fd[2];
	sc_cmp_reset(out, "bytes");
	if (pipe2(fd, O_CLOEXEC) < 0) {
		sc_compare_files(out, a, b, name, tol); /* no isolation rather than no answer */
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL); /* the executor's handlers only set a flag */
		signal(SIGTERM, SIG_DFL);
		close(fd[0]);
		child_limits(file_size(a) + file_size(b));
		sc_cmp c;
		sc_compare_files(&c, a, b, name, tol);
		_exit(sc_write_full(fd[1], &c, sizeof(c)) ? 1 : 0);
	}
	close(fd[1]);
	sc_cmp c;
	ssize_t got = pid > 0 ? sc_read_full(fd[0], &c, sizeof(c)) : -1;
	close(fd[0]);
	int status = 0;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pid > 0 && got == (ssize_t)sizeof(c) && WIFEXITED(status) && !WEXITSTATUS(status)) {
		*out = c; /* format points into this same program's constants */
		return;
	}
	if (pid < 0)
		sc_cmp_differ(out, "cannot compare: fork: %s", strerror(errno));
	else if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU || WTERMSIG(status) == SIGKILL))
		sc_cmp_differ(out, "the comparison took too long (malformed file?)");
	else if (WIFSIGNALED(status))
		sc_cmp_differ(out, "the comparison crashed with signal %d (a malformed file: libhdf5 "
				   "does not survive every corruption)", WTERMSIG(status));
	else
		sc_cmp_differ(out, "the comparison failed (out of memory on a malformed file?)");
}

/* ---- store objects and trees --------------------------------------------- */

/* Fold a part's comparison (a file of a tree) into the whole, its
 * locations prefixed with the part's path. */
static void fold(sc_cmp *all, const sc_cmp *part, const char *path)
{
	/* "sub/emb.npy: [9,3]": a nested tree's places already start with a name */
	const char *sep = !strcmp(part->format, "tree") ? "/" : ": ";
	all->n_numbers += part->n_numbers;
	all->n_unequal += part->n_unequal;
	if (part->max_scaled > all->max_scaled)
		all->max_scaled = part->max_scaled;
	if (part->max_abs > all->max_abs) {
		all->max_abs = part->max_abs;
		snprintf(all->max_abs_at, sizeof(all->max_abs_at), "%.60s%s%.180s", path, sep,
			 part->max_abs_at);
	}
	if (part->max_rel > all->max_rel) {
		all->max_rel = part->max_rel;
		snprintf(all->max_rel_at, sizeof(all->max_rel_at), "%.60s%s%.180s", path, sep,
			 part->max_rel_at);
	}
	if (part->verdict == SC_CMP_DIFFERENT)
		sc_cmp_differ(all, "%s%s%s", path, sep, part->why);
	else if (part->verdict > all->verdict)
		all->verdict = part->verdict;
}

static int read_tree(sc_store *s, const sc_oid *id, sc_tree_entry **e, size_t *n, sc_err *err)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	int rc = sc_store_read(s, id, &b, err);
	if (!rc)
		rc = sc_tree_parse(e, n, b.s, b.len, err);
	sc_buf_free(&b);
	return rc;
}

static void compare_obj(sc_cmp *out, sc_store *s, const sc_oid *a, const sc_oid *b,
			const char *name, double tol, int depth);

static void compare_trees(sc_cmp *out, sc_store *s, const sc_oid *a, const sc_oid *b, double tol,
			  int depth)
{
	sc_tree_entry *ea = NULL, *eb = NULL;
	size_t na = 0, nb = 0;
	sc_err e;
	if (read_tree(s, a, &ea, &na, &e) || read_tree(s, b, &eb, &nb, &e)) {
		sc_cmp_differ(out, "unreadable tree: %s", e.msg);
		goto out;
	}
	/* Entries are sorted by name: merge. */
	for (size_t i = 0, j = 0; (i < na || j < nb) && out->verdict != SC_CMP_DIFFERENT;) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(ea[i].name, eb[j].name);
		if (c) {
			sc_cmp_differ(out, "%s: only in the %s output", c < 0 ? ea[i].name : eb[j].name,
				      c < 0 ? "recorded" : "reproduced");
			break;
		}
		sc_tree_entry *x = &ea[i++], *y = &eb[j++];
		if (!memcmp(&x->oid, &y->oid, sizeof(sc_oid)) && x->type == y->type)
			continue;
		sc_cmp part;
		if (x->type != y->type || x->type == 2) {
			sc_cmp_reset(&part, "bytes");
			sc_cmp_differ(&part, x->type != y->type ? "a file in one output, a %s in the other"
								: "symbolic links to different targets",
				      x->type == SC_OBJ_TREE || y->type == SC_OBJ_TREE ? "directory" : "link");
		} else {
			compare_obj(&part, s, &x->oid, &y->oid, x->name, tol, depth + 1);
		}
		fold(out, &part, x->name);
	}
out:
	sc_tree_free(ea, na);
	sc_tree_free(eb, nb);
}

static void compare_obj(sc_cmp *out, sc_store *s, const sc_oid *a, const sc_oid *b,
			const char *name, double tol, int depth)
{
	sc_cmp_reset(out, "bytes");
	if (!memcmp(a, b, sizeof(*a)))
		return;
	int ta, tb;
	uint64_t sa, sb;
	sc_err e;
	if (!sc_store_has(s, a) || sc_store_stat(s, a, &ta, &sa, &e)) {
		sc_cmp_differ(out, "the recorded output is not in this store (compared by hash only)");
		return;
	}
	if (!sc_store_has(s, b) || sc_store_stat(s, b, &tb, &sb, &e)) {
		sc_cmp_differ(out, "the reproduced output is not in this store");
		return;
	}
	if (ta != tb) {
		sc_cmp_differ(out, "a %s recorded, a %s reproduced", ta == SC_OBJ_TREE ? "directory" : "file",
			      tb == SC_OBJ_TREE ? "directory" : "file");
	} else if (ta == SC_OBJ_TREE) {
		out->format = "tree";
		if (depth > 64)
			sc_cmp_differ(out, "directories nested deeper than 64 levels");
		else
			compare_trees(out, s, a, b, tol, depth);
		if (out->verdict == SC_CMP_IDENTICAL)
			out->verdict = SC_CMP_EQUIVALENT;
	} else {
		char *pa = sc_store_object_path(s, a), *pb = sc_store_object_path(s, b);
		compare_isolated(out, pa, pb, name, tol);
		free(pa);
		free(pb);
	}
}

void sc_compare_objects(sc_cmp *out, sc_store *s, const sc_oid *a, const sc_oid *b,
			const char *name, double tol)
{
	compare_obj(out, s, a, b, name, tol, 0);
}
