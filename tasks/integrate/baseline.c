/*
 * baseline.c - the three built-in baselines of the batch task (unintegrated
 * PCA, ComBat, Harmony) assembled from standard.c, combat.c and harmony.c,
 * so the runner names a baseline instead of wiring the steps itself.
 */
#include "baseline.h"
#include "combat.h"
#include "harmony.h"

#include <string.h>

static const char *const names[] = { "unintegrated", "combat", "harmony" };

const char *sc_batch_baseline_name(sc_batch_baseline b)
{
	return (unsigned)b < sizeof(names) / sizeof(names[0]) ? names[b] : NULL;
}

int sc_batch_baseline_parse(sc_batch_baseline *out, const char *name, sc_err *err)
{
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i])) {
			*out = (sc_batch_baseline)i;
			return 0;
		}
	return sc_errf(err, SC_EINVAL, "'%s' is not a batch baseline (unintegrated, combat, "
				       "harmony)", name);
}

int sc_batch_baseline_embed_take(sc_dmat *out, sc_csr *counts, const sc_labels *batch,
				 sc_batch_baseline which, const sc_standard_opts *so,
				 uint64_t seed, sc_err *err)
{
	sc_standard_opts def;
	sc_dmat x = { 0 }, pcs = { 0 };
	int rc = 0;
	memset(out, 0, sizeof(*out));
	if (!so) {
		sc_standard_opts_default(&def);
		so = &def;
	}
	switch (which) {
	case SC_BASELINE_UNINTEGRATED:
		return sc_standard_embedding_take(out, counts, so, err);
	case SC_BASELINE_COMBAT:
		/* ComBat corrects the dense log-normalised matrix */
		rc = sc_standard_lognorm_hvg(&x, NULL, counts, so, err);
		sc_csr_free(counts);
		if (rc == 0 && (rc = sc_combat(&x, batch, NULL, NULL, err)) == 0)
			rc = sc_standard_pca(out, &x, so, err);
		break;
	case SC_BASELINE_HARMONY:
		if ((rc = sc_standard_embedding_take(&pcs, counts, so, err)) == 0) {
			sc_harmony_opts ho;
			sc_harmony_opts_default(&ho);
			ho.seed = seed;
			rc = sc_harmony(out, NULL, &pcs, batch, &ho, err);
		}
		break;
	default:
		sc_csr_free(counts);
		rc = sc_errf(err, SC_EINVAL, "unknown batch baseline %d", (int)which);
	}
	sc_dmat_free(&x);
	sc_dmat_free(&pcs);
	return rc;
}

int sc_batch_baseline_embed(sc_dmat *out, const sc_csr *counts, const sc_labels *batch,
			    sc_batch_baseline which, const sc_standard_opts *so, uint64_t seed,
			    sc_err *err)
{
	sc_csr x;
	sc_csr_copy(&x, counts);
	return sc_batch_baseline_embed_take(out, &x, batch, which, so, seed, err);
}
