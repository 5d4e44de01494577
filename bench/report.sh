#!/bin/sh
# Report benchmark: `sceval report` over N recorded runs (default 1000);
# target under 2 s for 1000. Prints the time, the folder size and each
# file's size, with a 1-run report as the fixed cost.
#
# What is measured: one real run (a small simulated dataset, a logistic-
# regression annotation task, seed 0: a prepare, a fit and an evaluation
# step with their outputs), then N - 1 copies of it inserted with sqlite3
# straight into the catalog: each copy is a run row of its own with its
# provenance, its own fit and evaluation steps (new keys, seed = run - 1,
# metric values shifted a little, the same output objects) and the shared
# prepare step. Copies have no result hash (no manifest was written for
# them). The report therefore reads N runs, 2N + 1 distinct steps, 7N
# metric values and 2N small CSV outputs (confusion and per-class tables),
# and shows one method with N evaluations: the catalog and rendering work
# of N runs, not of N runs' compute. Running `sceval run` N times instead
# would take minutes and measure the runner, not the report.
# Usage: sh bench/report.sh [N]. Needs ./sceval built and sqlite3.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
SCEVAL=${SCEVAL:-$top/sceval}
N=${1:-1000}
command -v sqlite3 >/dev/null || { echo "bench/report.sh: needs sqlite3 (apt-get install sqlite3)" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/sceval-bench.XXXXXX")
# BENCH_KEEP=1 keeps the folder (store and reports) for a look.
[ -n "${BENCH_KEEP:-}" ] && echo "keeping $W" || trap 'chmod -R u+w "$W"; rm -rf "$W"' EXIT
cd "$W"
now() { date +%s.%N; }

"$SCEVAL" init >/dev/null
"$SCEVAL" simulate -q -o sim.h5ad --cells 1000 --genes 500 --types 5 --batches 2 >/dev/null
cat > spec.yaml <<'SPEC'
datasets:
  sim: sim.h5ad
tasks:
  - task: annotation
    dataset: sim
    label_key: cell_type
    methods: [logreg]
    seeds: [0]
SPEC
"$SCEVAL" run -q spec.yaml >/dev/null

echo "recording $N runs (1 real, $((N - 1)) copies through sqlite3)..."
sqlite3 .sceval/catalog.db <<SQL
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TEMP TABLE n AS WITH RECURSIVE c(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM c WHERE i < $N)
  SELECT i FROM c;
CREATE TEMP TABLE copied AS SELECT step FROM run_steps WHERE run = 1 AND seed IS NOT NULL;
INSERT INTO steps SELECT substr(s.key, 1, 56) || printf('%08x', n.i), s.kind, s.impl_version,
  s.key_json, s.status, s.exit_status, s.error, s.deterministic, s.wall_s, s.cpu_s, s.maxrss_kb,
  s.stdout_log, s.stderr_log, s.environment, s.notes, s.created_at
  FROM steps s JOIN copied c ON c.step = s.key, n;
INSERT INTO step_inputs SELECT substr(x.step, 1, 56) || printf('%08x', n.i), x.role, x.object
  FROM step_inputs x JOIN copied c ON c.step = x.step, n;
INSERT INTO step_outputs SELECT substr(x.step, 1, 56) || printf('%08x', n.i), x.role, x.object
  FROM step_outputs x JOIN copied c ON c.step = x.step, n;
INSERT INTO step_metrics SELECT substr(x.step, 1, 56) || printf('%08x', n.i), x.name,
  x.value - ((n.i * 7919) % 1000) / 1e5, x.higher_is_better, x.detail
  FROM step_metrics x JOIN copied c ON c.step = x.step, n;
INSERT INTO runs SELECT n.i, r.spec, r.spec_path, r.argv, r.cwd, r.status,
  r.started_at + n.i * 1000000000, r.ended_at + n.i * 1000000000, NULL, r.sceval_version, r.build,
  r.libraries, r.machine, r.host, r.threads, r.jobs, r.pid, r.n_steps, r.n_cached, r.n_failed
  FROM runs r, n WHERE r.id = 1;
INSERT INTO provenance SELECT n.i, p.repo, p.commit_id, p.branch, p.remote, p.dirty, p.dirty_files,
  p.diff, p.note FROM provenance p, n WHERE p.run = 1;
INSERT INTO run_steps SELECT n.i,
  CASE WHEN rs.seed IS NULL THEN rs.step ELSE substr(rs.step, 1, 56) || printf('%08x', n.i) END,
  rs.ord, rs.label, rs.task, rs.dataset, rs.method,
  CASE WHEN rs.seed IS NULL THEN NULL ELSE n.i - 1 END, rs.cached, rs.status, rs.error, rs.wall_s,
  rs.cpu_s, rs.maxrss_kb, rs.stdout_log, rs.stderr_log
  FROM run_steps rs, n WHERE rs.run = 1;
COMMIT;
SQL
runs=$("$SCEVAL" runs --json | grep -c '"id"')
values=$(sqlite3 .sceval/catalog.db 'SELECT count(*) FROM metrics')
echo "catalog: $runs runs, $values metric values"

s=$(now); "$SCEVAL" report 1 -o one >/dev/null; e=$(now)
t1=$(awk "BEGIN{print $e - $s}")
s=$(now); "$SCEVAL" report $(seq 1 "$N") -o all >/dev/null; e=$(now)
tn=$(awk "BEGIN{print $e - $s}")
s=$(now); "$SCEVAL" report $(seq 1 "$N") -o all >/dev/null; e=$(now)
tn2=$(awk "BEGIN{print $e - $s}")
printf '%-36s %8.3f s  %s\n' "sceval report (1 run)" "$t1" "$(du -sh one | cut -f1)"
printf '%-36s %8.3f s  %s  (again: %.3f s)\n' "sceval report ($N runs)" "$tn" "$(du -sh all | cut -f1)" "$tn2"
printf '%-36s %8.2f ms per run\n' "" "$(awk "BEGIN{print 1000 * ($tn - $t1) / ($N - 1)}")"
awk "BEGIN{exit !($tn < 2)}" && echo "target (< 2 s): met" || echo "target (< 2 s): NOT met"
ls -l all | awk 'NR > 1 {printf "  %-40s %10d bytes\n", $9, $5}'
