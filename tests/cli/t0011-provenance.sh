# Provenance in a clean repository, a dirty one, on a detached HEAD, and
# outside any repository; the diff is stored as an object inside a store.
. "$(dirname "$0")/lib.sh"
j() { "$SCEVAL" provenance --json "$@" > "$T/p.json" && "$PYTHON" -c "import json; d=json.load(open('$T/p.json')); print(repr(($Q)))"; }
mkdir outside && cd outside
Q='d["in_repo"]'
expect_eq "outside a repository: in_repo false" "$(j)" "False"
expect_match "... the text says so and exit is 0" "$("$SCEVAL" provenance)" "not in a git repository$"
cd "$T"
mkdir repo && cd repo
git init -q -b main . && git remote add origin https://example.org/lab/project.git
echo one > a.txt && git add a.txt && git commit -q -m one
commit=$(git rev-parse HEAD)
Q='d["commit"], d["branch"], d["dirty"], d["remote"], d["detached"]'
expect_eq "clean repository" "$(j)" "('$commit', 'main', False, 'https://example.org/lab/project.git', False)"
"$SCEVAL" init >/dev/null
expect_eq "a store inside the repository does not make it dirty" "$(j)" "('$commit', 'main', False, 'https://example.org/lab/project.git', False)"
echo two >> a.txt; echo new > untracked.txt; mkdir sub; echo deep > sub/n.txt
Q='d["dirty"], d["files"], d["untracked"]'
expect_eq "dirty repository lists modified files, and untracked ones apart" "$(j)" "(True, [' M a.txt'], ['sub/n.txt', 'untracked.txt'])"
h=$("$SCEVAL" provenance --json | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["diff"])')
expect_match "the diff is stored as an object" "$("$SCEVAL" cat "$h")" "^\+two$"
expect_match "... with the untracked file's content" "$("$SCEVAL" cat "$h")" "^\+new$"
expect_match "... with the diff of git itself" "$("$SCEVAL" cat "$h" | grep '^[-+][^-+]' | sort | tr '\n' ' ')" "^\+deep \+new \+two $"
git stash -q -u
echo three > b.txt && git add b.txt && git commit -q -m two
git checkout -q "$commit"
Q='d["commit"], d["branch"], d["detached"]'
expect_eq "detached HEAD" "$(j)" "('$commit', None, True)"
expect_match "text output says detached" "$("$SCEVAL" provenance)" "branch      \(detached HEAD\)"
cd "$T" && mkdir empty && cd empty && git init -q -b trunk .
Q='d["commit"], d["branch"]'
expect_eq "a repository with no commit yet" "$(j)" "(None, 'trunk')"
done_testing
