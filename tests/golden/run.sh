#!/bin/sh
# Run the golden spec in the current (empty) folder and write its table to
# golden.tsv. Used by tests/cli/t0521-golden.sh and update.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${SCEVAL:=$here/../../sceval}" "${PYTHON:=/usr/bin/python3}"
"$SCEVAL" init . >/dev/null
"$SCEVAL" simulate -q -o rna.h5ad --cells 400 --genes 300 --types 4 --batches 2 --seed 7 \
  --batch-strength 0.3 >/dev/null
"$SCEVAL" simulate -q -o prot.h5ad --cells 400 --genes 20 --types 4 --batches 2 --seed 7 \
  --de-prob 0.5 --lib-loc 7 >/dev/null
cp "$here/spec.yaml" spec.yaml
"$SCEVAL" run -q --json spec.yaml > run.json
run=$("$PYTHON" -c 'import json; print(json.load(open("run.json"))["run"])')
"$SCEVAL" show --json "$run" > show.json
"$PYTHON" "$here/golden.py" table show.json > golden.tsv
