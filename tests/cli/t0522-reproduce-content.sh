# reproduce judges numbers, not only hashes: an external step whose output
# moves by 1e-12 (PERTURB in its environment) is equivalent, with the
# difference numpy sees and its place; by 1e-3 it is different and exits 1;
# --exact and --tolerance move the line. Another BLAS kernel
# (OPENBLAS_CORETYPE=Prescott) reproduces with exit 0 and names the kernel
# change as the cause. show and diff print CPU, BLAS kernel and threads.
. "$(dirname "$0")/lib.sh"
"$PYTHON" -c "import h5py, numpy" 2>/dev/null || { skip "needs h5py and numpy for $PYTHON"; done_testing; }
"$SCEVAL" init >/dev/null
"$SCEVAL" simulate -q -o sim.h5ad --cells 400 --genes 200 --types 3 --batches 2 --seed 5 >/dev/null
cat > model.py <<'PY'
import os, sys
import h5py, numpy as np
src, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
with h5py.File(src, "r") as f:
    n = f["obs"][f["obs"].attrs["_index"]].shape[0]
e = np.random.default_rng(seed).normal(size=(n, 6))
e[3, 1] *= 1 + float(os.environ.get("PERTURB", "0"))
np.save(out, e)
PY
cat > spec.yaml <<SPEC
datasets: {sim: sim.h5ad}
methods:
  model:
    command: [$PYTHON, "{file:m}", "{input}", "{output}", "{seed}"]
    files: {m: model.py}
    output: emb.npy
    provides: {obsm: X_model}
tasks:
  - {task: annotation, dataset: sim, label_key: cell_type, methods: [model, logreg]}
  - {task: batch, dataset: sim, batch_key: batch, label_key: cell_type, methods: [harmony]}
SPEC
"$SCEVAL" run --json spec.yaml > r.json || fail "the run succeeds"
R=$(pyjson 'd["result"]' < r.json)

expect_exit "reproduce in the same environment exits 0" 0 "$SCEVAL" reproduce "$R"
expect_match "... every output and metric identical" "$(cat "$T/out")" "^[0-9]+ identical, 0 equivalent, 0 different, 0 steps failed$"
expect_eq "... and no environment change is named" "$(grep -c '^environment changed' "$T/out")" "0"

# 1e-12: equivalent, with the difference numpy computes from the two files.
expect_exit "an output 1e-12 off: exit 0" 0 env PERTURB=1e-12 "$SCEVAL" reproduce --json "$R"
cp "$T/out" p12.json
row() { pyjson "[o for s in d['steps'] for o in s.get('outputs', []) if o['name'] == 'emb.npy'][0]" < "$1"; }
emb=$(row p12.json)
expect_eq "... emb.npy is equivalent, the largest difference at [3,1]" \
  "$(echo "$emb" | pyjson '(d["verdict"], d["max_abs_at"], d["max_rel_at"])')" "('equivalent', '[3,1]', '[3,1]')"
"$SCEVAL" checkout "$(echo "$emb" | pyjson 'd["recorded"]')" rec.npy >/dev/null
"$SCEVAL" checkout "$(echo "$emb" | pyjson 'd["reproduced"]')" rep.npy >/dev/null
want=$("$PYTHON" -c "import numpy as np; a=np.load('rec.npy'); b=np.load('rep.npy'); d=abs(a-b); print('%.6e %.6e' % (d.max(), (d/np.maximum(abs(a),abs(b))).max()))")
expect_eq "... max |a - b| and max relative as numpy says" "$(echo "$emb" | pyjson '"%.6e %.6e" % (d["max_abs"], d["max_rel"])')" "$want"
expect_eq "... counts: 1 equivalent (also as 'within'), 0 different, schema 1" \
  "$(pyjson '(d["schema"], d["equivalent"], d["within"], d["different"], d["failed"])' < p12.json)" "(1, 1, 1, 0, 0)"
expect_exit "--exact: the same output is different, exit 1" 1 env PERTURB=1e-12 "$SCEVAL" reproduce --exact "$R"
expect_match "... the row says why" "$(grep emb.npy "$T/out")" "different .*--exact demands identical bytes"

# 1e-3: different, the place named; a looser tolerance accepts it.
expect_exit "an output 1e-3 off: exit 1" 1 env PERTURB=1e-3 "$SCEVAL" reproduce "$R"
expect_match "... different at [3,1], beyond the tolerance" "$(grep emb.npy "$T/out")" "different .* \[3,1\]: .* > tolerance 1e-06 x scale"
expect_match "... the summary counts it" "$(cat "$T/out")" " 0 equivalent, 1 different, 0 steps failed$"
expect_exit "--tolerance 1e-2 accepts the 1e-3 change" 0 env PERTURB=1e-3 "$SCEVAL" reproduce --tolerance 1e-2 "$R"
expect_exit "--exact with --tolerance is a usage error" 2 "$SCEVAL" reproduce --exact --tolerance 1 "$R"

# Another BLAS kernel (x86-64 only: Prescott runs on every x86-64 CPU).
core=$("$SCEVAL" show --json 1 | pyjson 'd["libraries"]["openblas"]["core"]')
if [ "$(uname -m)" = x86_64 ]; then
  expect_exit "reproduce on Prescott kernels exits 0" 0 env OPENBLAS_CORETYPE=Prescott "$SCEVAL" reproduce "$R"
  expect_eq "... no output or metric is different" "$(awk '$0 ~ / different / && $0 !~ /^[0-9]+ identical/' "$T/out" | wc -l)" "0"
  if [ "$core" != Prescott ]; then
    expect_match "... the summary names the kernel change" "$(cat "$T/out")" \
      "^environment changed.*: recorded on $core kernels, reproduced on Prescott"
  fi
  OPENBLAS_CORETYPE=Prescott "$SCEVAL" run --force spec.yaml >/dev/null 2>&1 || fail "a forced run on Prescott"
  expect_match "show prints the BLAS kernel of the Prescott run" "$("$SCEVAL" show 2)" "^blas +OpenBLAS [0-9.]+, Prescott kernels, [0-9]+ threads$"
  if [ "$core" != Prescott ]; then
    expect_match "diff names the kernel change" "$("$SCEVAL" diff 1 2)" "^  BLAS kernel: $core -> Prescott$"
  fi
else
  skip "kernel switch: OPENBLAS_CORETYPE=Prescott is x86-64 only"
fi

# What show and diff print about the machine.
s1=$("$SCEVAL" show 1)
expect_match "show prints the CPU and online CPUs" "$s1" "^cpu +.+, [0-9]+ online CPUs$"
expect_match "show prints the threads" "$s1" "^threads +-j [0-9]+"
expect_match "show prints the BLAS kernel of the first run" "$s1" "^blas +OpenBLAS [0-9.]+, $core kernels, [0-9]+ threads$"
if grep -q '^flags' /proc/cpuinfo 2>/dev/null && grep -q '^flags.* avx' /proc/cpuinfo; then
  expect_match "show prints the CPU flags that pick kernels" "$s1" "^flags +.*avx"
fi
expect_eq "show --json records the flags, variables, portable mode" \
  "$("$SCEVAL" show --json 1 | pyjson '(type(d["machine"]["cpu_flags"]).__name__, type(d["machine"]["thread_env"]).__name__, d["machine"]["portable"])')" "('str', 'dict', False)"
OMP_NUM_THREADS=1 "$SCEVAL" run --portable --force spec.yaml >/dev/null 2>&1 || fail "a forced portable run"
last=$("$SCEVAL" runs --json | pyjson 'd["runs"][0]["id"]')
expect_eq "a --portable run is recorded as portable, with OMP_NUM_THREADS" \
  "$("$SCEVAL" show --json "$last" | pyjson '(d["machine"]["portable"], d["machine"]["thread_env"].get("OMP_NUM_THREADS"))')" "(True, '1')"
d=$("$SCEVAL" diff 1 "$last")
expect_match "diff names portable mode" "$d" "^  portable mode: no -> yes$"
expect_match "diff names the thread variable" "$d" "^  OMP_NUM_THREADS: \(unset\) -> 1$"
done_testing
