/*
 * tasks/grn/programs_file.h - the programs table one step writes and the
 * next ones read (SC_GRN_OUT_PROGRAMS): one gene a line, tab separated,
 * with a header: gene, symbol, cluster (Leiden's, 0 = largest), program
 * (the cluster's number when it has at least min_size genes, else -1).
 */
#ifndef SC_GRN_PROGRAMS_FILE_H
#define SC_GRN_PROGRAMS_FILE_H

#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

typedef struct sc_grn_programs {
	size_t n;          /* genes */
	char **ids, **alt; /* alt: "" where a gene has no symbol */
	int32_t *cluster, *program;
	size_t n_clusters, n_programs;
} sc_grn_programs;

int sc_grn_programs_write(const sc_grn_programs *p, const char *path, sc_err *err) SC_WUR;
int sc_grn_programs_read(sc_grn_programs *out, const char *path, sc_err *err) SC_WUR;
void sc_grn_programs_free(sc_grn_programs *p);

#endif
