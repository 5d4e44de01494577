/*
 * tasks/grn/programs_file.c - writing and reading the programs table (see
 * programs_file.h). A few hundred kilobytes for 20,000 genes.
 */
#include "programs_file.h"
#include "util/buf.h"
#include "util/fs.h"

#include <stdlib.h>
#include <string.h>

#define HEADER "gene\tsymbol\tcluster\tprogram"

void sc_grn_programs_free(sc_grn_programs *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->ids[i]);
		if (p->alt)
			free(p->alt[i]);
	}
	free(p->ids);
	free(p->alt);
	free(p->cluster);
	free(p->program);
	memset(p, 0, sizeof(*p));
}

int sc_grn_programs_write(const sc_grn_programs *p, const char *path, sc_err *err)
{
	sc_buf b;
	sc_buf_init(&b);
	sc_buf_puts(&b, HEADER "\n");
	for (size_t i = 0; i < p->n; i++)
		sc_buf_printf(&b, "%s\t%s\t%d\t%d\n", p->ids[i], p->alt && p->alt[i] ? p->alt[i] : "",
			      p->cluster[i], p->program[i]);
	int rc = sc_write_file_atomic(path, b.s, b.len, 0644, err);
	sc_buf_free(&b);
	return rc;
}

int sc_grn_programs_read(sc_grn_programs *out, const char *path, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	sc_buf b;
	sc_buf_init(&b);
	int rc = sc_read_file(&b, path, err);
	if (rc)
		goto out;
	if (strncmp(b.s, HEADER "\n", strlen(HEADER) + 1)) {
		rc = sc_errf(err, SC_EINVAL, "%s: not a programs table", sc_path_basename(path));
		goto out;
	}
	size_t cap = 0, line = 1;
	char *save = NULL;
	for (char *l = strtok_r(b.s + strlen(HEADER) + 1, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		line++;
		char *f[4];
		size_t nf = 0;
		for (char *p = l; nf < 4; nf++) {
			f[nf] = p;
			char *t = strchr(p, '\t');
			if (!t) {
				nf++;
				break;
			}
			*t = 0;
			p = t + 1;
		}
		if (nf != 4) {
			rc = sc_errf(err, SC_EINVAL, "%s:%zu: expected 4 fields", sc_path_basename(path), line);
			goto out;
		}
		if (out->n == cap) {
			cap = cap ? 2 * cap : 1024;
			out->ids = sc_xrealloc(out->ids, cap * sizeof(char *));
			out->alt = sc_xrealloc(out->alt, cap * sizeof(char *));
			out->cluster = sc_xrealloc(out->cluster, cap * sizeof(int32_t));
			out->program = sc_xrealloc(out->program, cap * sizeof(int32_t));
		}
		out->ids[out->n] = sc_xstrdup(f[0]);
		out->alt[out->n] = sc_xstrdup(f[1]);
		out->cluster[out->n] = (int32_t)strtol(f[2], NULL, 10);
		out->program[out->n] = (int32_t)strtol(f[3], NULL, 10);
		if (out->cluster[out->n] < 0 || out->program[out->n] < -1) {
			out->n++;
			rc = sc_errf(err, SC_EINVAL, "%s:%zu: bad cluster or program", sc_path_basename(path), line);
			goto out;
		}
		if ((size_t)out->cluster[out->n] + 1 > out->n_clusters)
			out->n_clusters = (size_t)out->cluster[out->n] + 1;
		if ((size_t)(out->program[out->n] + 1) > out->n_programs)
			out->n_programs = (size_t)out->program[out->n] + 1;
		out->n++;
	}
out:
	sc_buf_free(&b);
	if (rc)
		sc_grn_programs_free(out);
	return rc;
}
