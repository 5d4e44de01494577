#!/bin/sh
# sceval inspect: usage, text and JSON output on real and generated files.
. "$(dirname "$0")/lib.sh"

expect_exit "inspect without FILE is a usage error" 2 "$SCEVAL" inspect
expect_exit "inspect with two files is a usage error" 2 "$SCEVAL" inspect a b
expect_exit "inspect --help exits 0" 0 "$SCEVAL" inspect --help
expect_match "usage on stdout" "$(cat "$T/out")" "^usage: sceval inspect"
expect_exit "help inspect == inspect --help" 0 "$SCEVAL" help inspect
expect_exit "missing file fails" 1 "$SCEVAL" inspect nothere.h5ad
expect_match "missing file message" "$(cat "$T/err")" "^sceval inspect: cannot open 'nothere.h5ad': No such file"

"$PYTHON" "$TESTS_DIR/oracle/h5ad_fixtures.py" "$T/fx" || fail "fixtures could not be written"
expect_exit "inspect legacy file" 0 "$SCEVAL" inspect "$T/fx/legacy.h5ad"
out=$(cat "$T/out")
expect_match "legacy encoding named" "$out" "^encoding +legacy"
expect_match "shape line" "$out" "^shape +4 obs x 3 vars"
expect_match "h5sparse X described" "$out" "^X +csr float64 4 x 3, 6 stored .*indices uint16.*h5sparse"
expect_match "legacy categorical from uns" "$out" "cell_type +categorical 3: B \(2\), T \(1\), NK \(1\)"
expect_match "compound obsm key" "$out" "X_pca +dense float32 4 x 2"
expect_match "raw.X found as raw/X" "$out" "^raw/X +dense float32 4 x 3"

expect_exit "inspect --json variants" 0 "$SCEVAL" inspect --json "$T/fx/variants.h5ad"
j="$T/out"
expect_eq "json schema" "$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["schema"])' "$j")" 1
expect_eq "json n_obs/n_vars" "$("$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["n_obs"], d["n_vars"])' "$j")" "4 3"
expect_eq "json categorical with missing" \
  "$("$PYTHON" -c 'import json,sys; c=json.load(open(sys.argv[1]))["obs"]["grp"]; print(c["type"], [(x["name"], x["count"]) for x in c["categories"]], c["n_missing"], c["ordered"])' "$j")" \
  "categorical [('lo', 1), ('hi', 2)] 1 True"
expect_eq "json nullable types" \
  "$("$PYTHON" -c 'import json,sys; o=json.load(open(sys.argv[1]))["obs"]; print(o["cnt"]["type"], o["ok"]["type"], o["name"]["type"], o["x"]["type"])' "$j")" \
  "nullable-int nullable-bool string float"
expect_eq "json obsm and layers shapes" \
  "$("$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["obsm"]["emb"]["shape"], d["layers"]["counts"]["storage"], d["X"]["storage"], d["X"]["dtype"])' "$j")" \
  "[4, 2] dense csc int32"
expect_eq "json uns scalar" \
  "$("$PYTHON" -c 'import json,sys; u=json.load(open(sys.argv[1]))["uns"]; print(u["seed"]["value"], u["title"]["value"])' "$j")" \
  "42.0 variants"

if need_data scanpy_pbmc68k_reduced_with_counts.h5ad; then
  expect_exit "inspect pbmc68k" 0 "$SCEVAL" inspect "$DATA/scanpy_pbmc68k_reduced_with_counts.h5ad"
  out=$(cat "$T/out")
  expect_match "dense X" "$out" "^X +dense float32 700 x 765"
  expect_match "counts layer" "$out" "counts +csr float32 700 x 765, 174400 stored"
  expect_match "bulk_labels categories" "$out" "bulk_labels +categorical 10: CD4\+/CD25 T Reg \(68\)"
  expect_match "raw present" "$out" "^raw/X +csr"
else
  skip "pbmc68k: data not found in $DATA"
fi
if need_data scvi_citeseq_pbmc_5k_protein_v3_200cells.h5ad; then
  expect_exit "inspect an LZF-compressed 0.7 file" 0 "$SCEVAL" inspect --checksum "$DATA/scvi_citeseq_pbmc_5k_protein_v3_200cells.h5ad"
  expect_match "0.7 encoding and lzf" "$(cat "$T/out")" "X +dense float32 200 x 16581, lzf"
else
  skip "scvi citeseq: data not found in $DATA"
fi
done_testing
