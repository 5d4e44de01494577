# sceval scib FILE.h5ad --obsm KEY --label-key L --batch-key B: the same
# metrics as the .npy form (tested against scib in t0400) on the same cells,
# written from one AnnData file by anndata; cells without a label or batch
# are left out with a note; bad keys get one clear error.
. "$(dirname "$0")/lib.sh"
"$PYTHON" - <<'PY' || fail "inputs"
import numpy as np, pandas as pd, anndata as ad
rng = np.random.default_rng(7)
n = 400
lab = rng.integers(0, 4, n); bat = rng.integers(0, 2, n)
emb = rng.normal(size=(n, 8)) + 3.0 * np.eye(8)[lab] + 0.8 * np.eye(8)[4 + bat]
pcs = emb @ rng.normal(size=(8, 6))
batches = pd.Categorical([f"plate {v}" for v in bat])
miss = np.zeros(n, bool); miss[[5, 17, 300]] = True     # no label: left out
obs = pd.DataFrame({"cell_type": pd.Categorical([None if m else f"type {v}" for v, m in zip(lab, miss)]),
                    "batch": batches}, index=[f"c{i}" for i in range(n)])
a = ad.AnnData(X=np.zeros((n, 1), np.float32), obs=obs, obsm={"X_emb": emb, "X_pca": pcs})
a.write_h5ad("data.h5ad")
keep = ~miss
np.save("emb.npy", emb[keep]); np.save("pre.npy", pcs[keep])
open("labels.txt", "w").write("".join(f"type {v}\n" for v in lab[keep]))
open("batches.txt", "w").write("".join(f"plate {v}\n" for v in bat[keep]))
PY
expect_exit "scib on an .h5ad with --obsm, --label-key, --batch-key" 0 "$SCEVAL" -q scib --json \
  --pre-obsm X_pca data.h5ad --obsm X_emb --label-key cell_type --batch-key batch
cp "$T/out" h5.json
expect_eq "... notes the cells left out" "$(cat "$T/err")" "sceval scib: 3 cells without a label or batch left out"
"$SCEVAL" -q scib --json --pre pre.npy emb.npy labels.txt batches.txt > npy.json || fail "the .npy form"
pick='[(m["name"], m["value"]) for m in d["metrics"]] + [d["cells"], d["aggregates"]["overall"]]'
expect_eq "the same metrics as the .npy form on the same cells" "$(pyjson "$pick" < h5.json)" "$(pyjson "$pick" < npy.json)"
expect_eq "... 397 cells, PCR comparison defined" "$(pyjson '(d["cells"], [m["value"] is not None for m in d["metrics"] if m["name"] in ("pcr_comparison", "PCR_batch")])' < h5.json)" "(397, [True])"
expect_eq "'obsm/' may be given with the key" "$("$SCEVAL" -q scib --json data.h5ad --obsm obsm/X_emb --label-key cell_type --batch-key batch 2>/dev/null | pyjson 'd["cells"]')" "397"
expect_exit "a missing obsm key is an error" 1 "$SCEVAL" -q scib data.h5ad --obsm X_nope --label-key cell_type --batch-key batch
expect_match "... naming it" "$(cat "$T/err")" "^sceval scib: .*obsm/X_nope"
expect_exit "a missing obs column is an error" 1 "$SCEVAL" -q scib data.h5ad --obsm X_emb --label-key nope --batch-key batch
expect_match "... naming it" "$(cat "$T/err")" "^sceval scib: .*nope"
expect_exit "an .h5ad without --obsm is a usage error" 2 "$SCEVAL" scib data.h5ad --label-key cell_type --batch-key batch
expect_exit "--obsm with three files is a usage error" 2 "$SCEVAL" scib --obsm X_emb emb.npy labels.txt batches.txt
done_testing
