/*
 * pcr_pca.c - the PC regression of a representation wider than the number
 * of components kept: PCA by the numerical core (sklearn-equal), then the
 * regression on its scores weighted by its explained variances. A file of
 * its own so that the rest of the PCR does not depend on the core's PCA.
 */
#include "pcr.h"
#include "tasks/core/pca.h"

int sc_scib_pcr_truncated(double *out, const sc_dmat *x, const sc_labels *batches,
			  size_t n_comps, sc_err *err);

int sc_scib_pcr_truncated(double *out, const sc_dmat *x, const sc_labels *batches,
			  size_t n_comps, sc_err *err)
{
	sc_dmat scores = { 0 };
	sc_pca model = { 0 };
	int rc = sc_pca_dense(&scores, &model, x, n_comps, err);
	if (rc)
		return rc;
	rc = sc_scib_pcr_scores(out, NULL, &scores, model.explained_variance, batches, err);
	sc_pca_free(&model);
	sc_dmat_free(&scores);
	return rc;
}
