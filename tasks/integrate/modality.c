/*
 * modality.c - one modality's counts to its embedding (the pipelines listed
 * in multiomics.h), kept apart from multiomics.c because it is the only
 * part that needs the preprocessing of the core.
 */
#include "multiomics.h"
#include "standard.h"
#include "tasks/core/pca.h"
#include "tasks/core/preprocess.h"

#include <string.h>

int sc_modality_embedding(sc_dmat *out, const sc_csr *counts, sc_modality kind, size_t n_comps,
			  sc_err *err)
{
	int rc = 0;
	memset(out, 0, sizeof(*out));
	switch (kind) {
	case SC_MODALITY_RNA: {
		sc_standard_opts o;
		sc_standard_opts_default(&o);
		o.n_comps = n_comps;
		return sc_standard_embedding(out, counts, &o, err);
	}
	case SC_MODALITY_PROTEIN: {
		sc_dmat x;
		sc_csr_to_dense(&x, counts);
		if ((rc = sc_clr_dense(&x, 1, err)) == 0) {
			sc_scale_dense(&x, 1, 10);
			rc = sc_pca_dense(out, NULL, &x, n_comps, err);
		}
		sc_dmat_free(&x);
		return rc ? sc_errprefix(err, "protein embedding") : 0;
	}
	case SC_MODALITY_ATAC: {
		sc_csr x;
		sc_csr_copy(&x, counts);
		if ((rc = sc_tfidf_csr(&x, 1e4, err)) == 0)
			rc = sc_lsi(out, NULL, &x, n_comps, 1, err);
		sc_csr_free(&x);
		return rc ? sc_errprefix(err, "atac embedding") : 0;
	}
	}
	return sc_errf(err, SC_EINVAL, "unknown modality %d", (int)kind);
}
