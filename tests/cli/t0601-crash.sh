# kill -9 at random moments of add (a 200 MB file), run -j 2 (a small spec
# with every task, like the demo's), gc and import: after each kill fsck and
# an independent check of the catalog and objects (tests/faults/
# check_store.py) find no damage, the command run again succeeds with the
# right result, and a resumed run reuses every step that had finished.
# make check: 3 trials per command; SCEVAL_LONG_TESTS=1: 50 (CRASH_TRIALS=N
# to choose). t0004 kills add of a smaller file 50 times; t0504 and t0514
# check what an interrupted run records and leaves.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/faults/lib.sh"
S=$SCEVAL
if [ "$LONG" = 1 ]; then N=${CRASH_TRIALS:-50}; else N=${CRASH_TRIALS:-3}; fi

now_ms() { date +%s%3N; }
rand() { echo $(( $(od -An -N4 -tu4 /dev/urandom) % $1 )); }
# kill_after MS CMD...: starts CMD (in w/), kills it with -9 after MS ms;
# its status is in $rc (137 when the kill came first)
kill_after() {
  ms=$1; shift
  (cd w && exec "$@" >out 2>err) & pid=$!
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
  kill -9 $pid 2>/dev/null
  { wait $pid; } 2>/dev/null; rc=$?
}
# sound DESC: the store in w/ is sound; counts the trials that were not
sound() {
  p=$(store_sound w)
  [ -z "$p" ] && return 0
  echo "# $1: $p"; bad=$((bad + 1)); return 1
}
report() { # CMD KILLED
  echo "# $1: $N trials, $2 killed before the end, $bad with problems"
  expect_eq "$1: every kill -9 leaves a sound store and a working command" "$bad" "0"
}

# ---- add of a 200 MB file ----
mkdir tpl-add && (cd tpl-add && "$S" init >/dev/null && head -c 200000000 /dev/urandom > big)
want=$(sha256sum tpl-add/big | cut -c1-64)
rm -rf w && cp -a tpl-add w
t0=$(now_ms); (cd w && "$S" add big >/dev/null); dur=$(( $(now_ms) - t0 + 1 ))
bad=0 killed=0 i=0
while [ $i -lt "$N" ]; do
  i=$((i + 1))
  rm -rf w/.sceval && (cd w && "$S" init >/dev/null)
  kill_after "$(rand "$dur")" "$S" add big
  [ $rc -eq 137 ] && killed=$((killed + 1))
  sound "add #$i" || continue
  got=$(cd w && "$S" add big 2>&1 | cut -c1-64)
  [ "$got" = "$want" ] || { echo "# add #$i: again: $got"; bad=$((bad + 1)); continue; }
  sound "add #$i, again" || continue
  (cd w && "$S" gc >/dev/null 2>&1) && [ -z "$(ls w/.sceval/tmp)" ] ||
    { echo "# add #$i: gc left $(ls w/.sceval/tmp)"; bad=$((bad + 1)); }
done
report add $killed
rm -rf tpl-add w

# ---- run -j 2 ----
mkdir tpl-run && (cd tpl-run && "$S" init &&
  "$S" simulate -q -o rna.h5ad --cells 400 --genes 200 --types 4 --batches 2 --seed 42 \
    --batch-strength 0.3 &&
  "$S" simulate -q -o protein.h5ad --cells 400 --genes 20 --types 4 --batches 2 --seed 42 \
    --de-prob 0.5 --lib-loc 7) >/dev/null 2>&1
sed -e 's|\.\./demo/sim_rna\.h5ad|rna.h5ad|; s|\.\./demo/sim_protein\.h5ad|protein.h5ad|' \
  -e 's|max_epochs: 30|max_epochs: 5|' "$TESTS_DIR/../examples/demo.yaml" > tpl-run/spec.yaml
rm -rf w && cp -a tpl-run w
t0=$(now_ms)
R=$(cd w && "$S" run -q -j 2 --json spec.yaml | pyjson 'd["result"]')
dur=$(( $(now_ms) - t0 + 1 ))
expect_match "the spec runs" "$R" "^[0-9a-f]{64}$"
# done_keys: the steps the catalog of w/ records as done
done_keys() { "$PYTHON" -c 'import sqlite3,sys; d=sqlite3.connect("w/.sceval/catalog.db")
print("\n".join(sorted(r[0] for r in d.execute("SELECT key FROM steps WHERE status = '"'done'"'"))))'; }
bad=0 killed=0 i=0 reused=0
while [ $i -lt "$N" ]; do
  i=$((i + 1))
  rm -rf w && cp -a tpl-run w
  kill_after "$(rand "$dur")" "$S" run -q -j 2 --json spec.yaml
  [ $rc -eq 137 ] && killed=$((killed + 1))
  sound "run #$i" || continue
  done_keys > before
  (cd w && "$S" run -q -j 2 --json spec.yaml > again.json 2>again.err)
  got=$(pyjson 'd["result"]' < w/again.json 2>/dev/null)
  [ "$got" = "$R" ] || { echo "# run #$i: resumed: '$got' $(head -n 1 w/again.err)"; bad=$((bad + 1)); continue; }
  # Every step that had finished is taken from the cache by the resumed run.
  run=$(pyjson 'd["run"]' < w/again.json)
  "$S" --store w show --json "$run" | pyjson '"\n".join(sorted(s["key"] for s in d["step_list"] if s["cached"]))' > cached
  missing=$(comm -23 before cached | wc -l)
  [ "$missing" = 0 ] || { echo "# run #$i: $missing finished steps computed again"; bad=$((bad + 1)); }
  reused=$((reused + $(wc -l < before)))
  sound "run #$i, resumed" || continue
  st=$("$S" --store w runs --json | pyjson '[r["status"] for r in d["runs"]]')
  case $st in *running*) echo "# run #$i: a run still shows running: $st"; bad=$((bad + 1)) ;; esac
done
echo "# run: the resumed runs reused $reused finished steps"
report run $killed

# ---- gc ----
cp -a w tpl-gc   # a finished run, and many objects nothing refers to
(cd tpl-gc && mkdir junk && i=0 && while [ $i -lt 300 ]; do echo "junk $i" > junk/$i; i=$((i + 1)); done &&
  head -c 30000000 /dev/urandom > junk/big && "$S" add junk/* >/dev/null)
rm -rf w && cp -a tpl-gc w
t0=$(now_ms); (cd w && "$S" gc >/dev/null 2>err); rc=$?; dur=$(( $(now_ms) - t0 + 1 ))
expect_eq "the whole gc, the reference of the trials, succeeds $(head -n 1 w/err)" "$rc" 0
gcref=$(cd w/.sceval/objects && find . -type f | sort | sha256sum)
bad=0 killed=0 i=0
while [ $i -lt "$N" ]; do
  i=$((i + 1))
  rm -rf w && cp -a tpl-gc w
  kill_after "$(rand "$dur")" "$S" gc
  [ $rc -eq 137 ] && killed=$((killed + 1))
  sound "gc #$i" || continue
  (cd w && "$S" gc >/dev/null 2>err2) || { echo "# gc #$i: again: $(cat w/err2)"; bad=$((bad + 1)); continue; }
  [ "$(cd w/.sceval/objects && find . -type f | sort | sha256sum)" = "$gcref" ] ||
    { echo "# gc #$i: again: not the objects a whole gc keeps"; bad=$((bad + 1)); }
  sound "gc #$i, again"
done
report gc $killed

# ---- import ----
(cd tpl-gc && "$S" export "$R" -o "$T/b.tar" >/dev/null)
mkdir tpl-import && (cd tpl-import && "$S" init >/dev/null && cp "$T/b.tar" .)
rm -rf w && cp -a tpl-import w
t0=$(now_ms); (cd w && "$S" import b.tar >/dev/null 2>err); rc=$?; dur=$(( $(now_ms) - t0 + 1 ))
expect_eq "the whole import, the reference of the trials, succeeds $(head -n 1 w/err)" "$rc" 0
objects_of() { (cd "$1/.sceval/objects" && find . -type f | sort); }
results_of() { "$S" --store "$1" runs --json | pyjson '[r["result"] for r in d["runs"]]'; }
objects_of w > imp.objects
results_of w > imp.results
bad=0 killed=0 i=0
while [ $i -lt "$N" ]; do
  i=$((i + 1))
  rm -rf w && cp -a tpl-import w
  kill_after "$(rand "$dur")" "$S" import b.tar
  [ $rc -eq 137 ] && killed=$((killed + 1))
  sound "import #$i" || continue
  (cd w && "$S" import b.tar >/dev/null 2>err2) || { echo "# import #$i: again: $(cat w/err2)"; bad=$((bad + 1)); continue; }
  objects_of w > got.objects; results_of w > got.results
  if ! cmp -s got.objects imp.objects || ! cmp -s got.results imp.results ||
     [ "$(cat got.results)" != "[\"$R\"]" ]; then
    echo "# import #$i (killed after $ms ms, exit $rc): again: not what a whole import gives:" \
      "objects $(diff imp.objects got.objects | grep -c '^[<>]') differ," \
      "runs $(cat got.results) against $(cat imp.results)"
    diff imp.objects got.objects | head -n 4 | sed 's/^/#   /'
    bad=$((bad + 1))
  fi
  sound "import #$i, again"
done
report import $killed
done_testing
