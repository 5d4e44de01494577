#!/bin/sh
# Files sceval writes (here through `sceval simulate`) read back in anndata
# 0.8 exactly: values (checksums of every stored entry), names, categories,
# dtypes; every element carries anndata 0.8's encoding attributes. The
# writer's own API (every element kind, editing) is tested in
# tests/unit/test_h5ad_write.c.
. "$(dirname "$0")/lib.sh"

for variant in "float" "int" "nogzip"; do
  case $variant in
    float) opts="" ;;
    int) opts="--int" ;;
    nogzip) opts="--gzip 0" ;;
  esac
  f=$T/sim-$variant.h5ad
  # shellcheck disable=SC2086
  expect_exit "simulate ($variant)" 0 "$SCEVAL" simulate -o "$f" --cells 1500 --genes 60 --types 3 --batches 2 --seed 5 $opts
  "$SCEVAL" inspect --checksum --json "$f" >"$T/j.json" || fail "inspect $variant"
  "$PYTHON" "$TESTS_DIR/oracle/h5ad_compare.py" "$f" "$T/j.json"
  "$PYTHON" - "$f" "$variant" <<'PY'
import sys, warnings
warnings.simplefilter("ignore")
import anndata, h5py, numpy as np
path, variant = sys.argv[1], sys.argv[2]
ad = anndata.read_h5ad(path)
def report(ok, what):
    print(("ok - " if ok else "not ok - ") + f"{variant}: {what}")
report(ad.obs_names[0] == "cell000001" and ad.obs_names[-1] == "cell001500", "obs names cell000001..cell001500")
report(ad.var_names[0] == "gene0001" and ad.var_names[-1] == "gene0060", "var names gene0001..gene0060")
report(list(ad.obs["cell_type"].cat.categories) == ["type1", "type2", "type3"], "cell_type categories")
report(list(ad.obs["batch"].cat.categories) == ["batch1", "batch2"], "batch categories")
want = np.int32 if variant == "int" else np.float32
report(ad.X.dtype == want and ad.X.format == "csr", f"X is CSR {np.dtype(want).name}")
report(np.allclose(np.asarray(ad.X.sum(1)).ravel(), ad.obs["n_counts"].to_numpy()), "obs/n_counts = row sums of X")
report(ad.X.has_sorted_indices, "sorted column indices")
report(ad.uns["simulation"]["seed"] == 5, "uns/simulation/seed")
missing = []
with h5py.File(path, "r") as f:
    report(f["X/indptr"].dtype == np.int64, "int64 indptr")
    def visit(name, o):
        if name.startswith("X/"):
            return
        if "encoding-type" not in o.attrs:
            missing.append(name)
    f.visititems(visit)
    report(f.attrs.get("encoding-type") == "anndata", "root encoding-type anndata")
report(not missing, f"encoding attributes on every element (missing: {missing[:5]})")
PY
done
done_testing
