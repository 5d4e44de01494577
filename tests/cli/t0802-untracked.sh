# Untracked files do not make a run's commit dirty (they are listed apart,
# as git status does); a report folder sceval writes inside the repository
# is marked as its output and never shows up at all; a changed tracked file
# still makes the run dirty.
. "$(dirname "$0")/lib.sh"
git init -q -b main . && "$SCEVAL" init >/dev/null
"$SCEVAL" -q simulate -o sim.h5ad --cells 300 --genes 100 >/dev/null
cat > spec.yaml <<'EOF'
datasets: {sim: sim.h5ad}
tasks:
  - {task: annotation, dataset: sim, label_key: cell_type, methods: [knn], seeds: [0]}
EOF
git add spec.yaml sim.h5ad && git commit -qm spec
dirty() { "$SCEVAL" show --json "$1" | pyjson '(d["provenance"]["dirty"], d["provenance"]["dirty_files"], d["provenance"]["diff"] is not None)'; }
"$SCEVAL" run -q spec.yaml >/dev/null
expect_eq "a clean checkout: not dirty" "$(dirty 1)" "(False, [], False)"
echo "to do" > notes.txt
"$SCEVAL" run -q spec.yaml >/dev/null
expect_eq "an untracked file: not dirty, listed as untracked, its content in the diff" "$(dirty 2)" "(False, ['?? notes.txt'], True)"
expect_match "show says so" "$("$SCEVAL" show 2)" "^untracked 1 file beside the commit \(not dirty\)$"
expect_match "provenance lists it apart" "$("$SCEVAL" provenance spec.yaml)" "^untracked   1 file \(not part of the commit; not dirty\)$"
rm notes.txt
"$SCEVAL" report 1 -o report >/dev/null
expect_eq "the report folder is marked as sceval's output" "$(tail -n1 report/.gitignore)" "*"
expect_eq "... so git itself does not list it" "$(git status --porcelain | grep -v "^?? .sceval/$")" ""
"$SCEVAL" run -q spec.yaml >/dev/null
expect_eq "a run after the report: not dirty, nothing listed, no diff stored" "$(dirty 3)" "(False, [], False)"
mkdir mine && echo keep > mine/keep.txt
"$SCEVAL" report 1 -o mine >/dev/null
expect_eq "a folder that existed before is left as it was (no .gitignore)" "$(ls -A mine | grep -c gitignore)" "0"
rm -r mine
echo "# changed" >> spec.yaml
"$SCEVAL" run -q spec.yaml >/dev/null
expect_eq "a changed tracked file: dirty" "$(dirty 4)" "(True, [' M spec.yaml'], True)"
done_testing
