#!/bin/sh
# Re-pin the golden hashes after a deliberate change of a step's output
# (with that step's version bumped): commit expected.tsv with the change.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && sh "$here/run.sh")
{ echo "# tests/golden/update.sh writes this file; see golden.py"
  cat "$tmp/golden.tsv"; } > "$here/expected.tsv"
echo "wrote $here/expected.tsv ($(grep -vc '^#' "$here/expected.tsv") lines)"
