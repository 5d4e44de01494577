# The perturbation task on Papalexi 2021 (THP-1 CRISPR knockouts, raw
# counts): the counts are log-normalised as scanpy would; the DE step shows
# the IFN-gamma pathway knockouts (STAT1, JAK2, IFNGR1, IFNGR2) lowering the
# interferon-response genes PSMB9, UBE2L6, STAT1 (SOURCES.md's check), and
# knockouts outside the pathway (ATF2, CD86) changing nothing much; every
# metric equals the GEARS transcription.
. "$(dirname "$0")/lib.sh"
PAP=sceptre_papalexi2021_thp1_crisprko_lowmoi.h5ad
need_data "$PAP" || { skip "needs $PAP in \$SCEVAL_TESTDATA"; done_testing; }
"$SCEVAL" init >/dev/null
cat > spec.yaml <<SPEC
datasets: {pap: $DATA/$PAP}
tasks:
  - {task: perturbation, dataset: pap, perturbation_key: perturbation, control: non-targeting,
     methods: [train_mean, linear]}
SPEC
"$SCEVAL" run --json spec.yaml > r.json 2>err.txt; rc=$?
expect_eq "the spec runs on Papalexi" "$rc:$(pyjson 'd["status"]' < r.json)" "0:done"
"$SCEVAL" show --json "$(pyjson 'd["run"]' < r.json)" > s.json
"$SCEVAL" cat "$(pyjson '[s["outputs"]["de.tsv"] for s in d["step_list"] if s["kind"]=="perturbation.de"][0]' < s.json)" > de.tsv
"$SCEVAL" cat "$(pyjson '[s["outputs"]["cells.h5ad"] for s in d["step_list"] if s["kind"]=="perturbation.prepare"][0]' < s.json)" > cells.h5ad
"$PYTHON" - "$DATA/$PAP" cells.h5ad <<'PY' > norm.out
import sys, numpy as np, anndata as ad
raw, got = ad.read_h5ad(sys.argv[1]), ad.read_h5ad(sys.argv[2])
x = raw[got.obs_names].X.toarray().astype(np.float64)
want = np.log1p(x / x.sum(1, keepdims=True) * 1e4)  # scanpy: normalize_total(1e4), log1p
print("same" if np.allclose(got.X.toarray(), want, rtol=1e-12, atol=1e-12) else "differs")
PY
expect_eq "raw counts are normalised to 10,000 and log1p-transformed" "$(cat norm.out)" "same"
"$PYTHON" - de.tsv <<'PY' > ifn.out
import sys
rows = {}
for l in open(sys.argv[1]).read().splitlines()[1:]:
    c, r, g, t, _ = l.split("\t")
    rows.setdefault(c, {})[g] = (int(r), float(t))
bad = []
for ko in ["STAT1", "JAK2", "IFNGR1", "IFNGR2"]:
    for g in ["PSMB9", "UBE2L6", "STAT1"]:
        r, t = rows[ko + "+ctrl"][g]
        if r >= 5 or t > -10:
            bad.append((ko, g, r, t))
for ko in ["ATF2", "CD86"]:
    if max(abs(t) for r, t in rows[ko + "+ctrl"].values()) > 5:
        bad.append((ko, "a gene with |t| > 5"))
print(bad or "as known")
PY
expect_eq "IFN-gamma pathway knockouts put PSMB9, UBE2L6 and STAT1 among their top-5 DE genes, down (t < -10); ATF2 and CD86 move no gene past |t| 5" "$(cat ifn.out)" "as known"
"$PYTHON" "$TESTS_DIR/oracle/perturbation_gears.py" s.json "$SCEVAL" > oracle.out 2>&1
expect_match "DE ranking, split and metrics equal the GEARS transcription" "$(tail -n 1 oracle.out)" "^checked [0-9]{3,} bad 0$"
sed 's/^/#   /' oracle.out | grep -v "^#   ok" | head -n 5
done_testing
