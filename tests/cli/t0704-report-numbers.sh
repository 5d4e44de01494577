# Every number the batch-integration and multi-omics pages show equals the
# catalog's: the values are read from the catalog with SQLite (not through
# sceval), the pages parsed as HTML (tests/cli/report_numbers.py): each
# leaderboard cell and chart label is the mean over seeds at full precision
# (data-v) and as 4 significant digits, n the number of seeds, the scIB raw
# table the means and its scaled table sklearn-style min-max scaling with
# scib's aggregation, the per-label tables the mean over seeds of each
# evaluation's labels.csv (read with sceval cat). A page with one number changed is caught (the check
# can fail). Charts whose axis does not reach 0 say so.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/cli/report_fixture.sh"
integration_run "0, 1"
expect_exit "report of the run" 0 "$SCEVAL" report 1 -o rep
"$PYTHON" "$TESTS_DIR/cli/report_numbers.py" .sceval/catalog.db 1 "$SCEVAL" rep/batch.html rep/multiomics.html > nums.out 2>&1
expect_match "every number on both pages equals the catalog's" "$(tail -n 1 nums.out)" \
  "^checked [0-9]+ bad 0 leaderboard [0-9]+ charts [0-9]+ scib [0-9]+ labels [0-9]+$"
expect_match "... leaderboards, charts, scIB and per-label tables all checked" "$(tail -n 1 nums.out)" \
  "leaderboard [1-9][0-9]+ charts [1-9][0-9]+ scib [1-9][0-9]+ labels [1-9][0-9]+$"
grep '^bad' nums.out | head -n 5 | sed 's/^/#   /'
grep -q Traceback nums.out && sed 's/^/#   /' nums.out | tail -n 5
# The check can fail: one leaderboard mean changed in its last shown digit.
mkdir forged && sed '0,/class="num best" data-v="[^"]*">[0-9.]*/s//class="num best" data-v="0.123456">0.1235/' \
  rep/batch.html > forged/batch.html
"$PYTHON" "$TESTS_DIR/cli/report_numbers.py" .sceval/catalog.db 1 "$SCEVAL" forged/batch.html > forged.out 2>&1
expect_match "a changed number is caught" "$(tail -n 1 forged.out)" "^checked [0-9]+ bad 1 "
# Cut axes are marked: every chart that does not start at 0 has the zigzag
# and the note, and none that does.
"$PYTHON" - rep/batch.html rep/multiomics.html > axes.out <<'PY'
import re, sys
bad = cut = whole = 0
for path in sys.argv[1:]:
    for svg in re.findall(r'<svg class="chart".*?</svg>', open(path).read()):
        lo = float(re.search(r'data-axis-lo="([^"]*)"', svg).group(1))
        marked = 'class="brk"' in svg and re.search(r'axis (starts|ends) at [-0-9.e]+, not 0', svg)
        from_zero = 'data-axis-from-zero="yes"' in svg
        vals = [float(v) for v in re.findall(r'class="v"[^>]*data-v="([^"]*)"', svg)]
        if from_zero:
            whole += 1
            bad += bool(marked) or lo > 0
        else:
            cut += 1
            bad += not marked or (lo > 0 and any(v < lo for v in vals))
print("cut", cut, "whole", whole, "bad", bad)
PY
expect_match "charts: cut axes marked, none below its start, whole axes unmarked" "$(cat axes.out)" \
  "^cut [1-9][0-9]* whole [0-9]+ bad 0$"
done_testing
