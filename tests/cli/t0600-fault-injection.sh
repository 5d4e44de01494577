# I/O and allocation failures injected at the n-th call (tests/faults/
# faultinj.c, LD_PRELOAD) of add, run, gc, export, import and report. After
# each: the command fails with a message saying what failed (or succeeds with
# the right output when the failure was harmless), fsck and an independent
# check of the catalog and the objects find no damage, no output file is left
# under its final name with the wrong content, and the same command run again
# succeeds with the right output.
#
# make check tries a spread of points (a stride, from a random offset printed
# below; SCEVAL_FAULT_OFFSET=K repeats one); SCEVAL_LONG_TESTS=1 tries every
# I/O call and 200 allocations per command (SCEVAL_FAULT_MALLOC_STRIDE=1:
# every one, hours).
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/faults/lib.sh"
build_shim || done_testing
S=$SCEVAL

# ---- the stores each command starts from ----
mkdir tpl-add && (cd tpl-add && "$S" init && head -c 3000 /dev/urandom > f &&
  mkdir dir && echo one > dir/a && head -c 70000 /dev/urandom > dir/b) >/dev/null
mkdir tpl-run && (cd tpl-run && "$S" init &&
  "$S" simulate -o d.h5ad --cells 120 --genes 40 --types 2 --seed 1) >/dev/null 2>&1
cat > tpl-run/spec.yaml <<'SPEC'
datasets: {d: d.h5ad}
tasks:
  - {task: annotation, dataset: d, label_key: cell_type, methods: [logreg]}
SPEC
cp -a tpl-run tpl-done
R=$(cd tpl-done && "$S" run -q -j 1 --json spec.yaml | pyjson 'd["result"]')
expect_match "the spec runs without faults" "$R" "^[0-9a-f]{64}$"
cp -a tpl-done tpl-gc
(cd tpl-gc && echo junk > junk && "$S" add junk && mkdir .sceval/tmp/step-0 &&
  echo partial > .sceval/tmp/step-0/x) >/dev/null
mkdir tpl-import && (cd tpl-import && "$S" init) >/dev/null
(cd tpl-done && "$S" export "$R" -o "$T/tpl-import/b.tar") >/dev/null

# ---- what each command gives without faults ----
objects() { (cd "$1/.sceval/objects" && find . -type f | sort); }
ref() { rm -rf "ref-$1"; cp -a "tpl-$2" "ref-$1"; shift 2; (cd "ref-$1" && "$S" "$@" >out 2>/dev/null); }
ref add add add f dir
ref gc gc gc
ref export done export "$R" -o b.tar
ref import import import b.tar
ref report done report 1 -o rep
check "the reference export and report were written" test -s ref-export/b.tar -a -s ref-report/rep/index.html

# verify_CMD DIR OUTFILE: the command's effect is the reference one
verify_add() { cmp -s "$2" ref-add/out; }
verify_run() { [ "$(pyjson 'd["result"]' < "$2" 2>/dev/null)" = "$R" ]; }
verify_gc() { [ "$(objects "$1")" = "$(objects ref-gc)" ]; }
verify_export() { cmp -s "$1/b.tar" ref-export/b.tar; }
verify_import() { [ "$(objects "$1")" = "$(objects ref-import)" ] &&
  [ "$("$S" --store "$1" runs --json | pyjson '[r["result"] for r in d["runs"]]')" = "[\"$R\"]" ]; }
verify_report() { diff -r "$1/rep" ref-report/rep >/dev/null; }
# leftover_CMD DIR: after a failure, no output under its final name is wrong
leftover_add() { :; }
leftover_run() { :; }
leftover_gc() { :; }
leftover_export() { [ ! -e "$1/b.tar" ] || cmp -s "$1/b.tar" ref-export/b.tar; }
leftover_import() { :; }
leftover_report() {
  [ -d "$1/rep" ] || return 0
  for f in $(cd "$1/rep" && find . -type f); do
    cmp -s "$1/rep/$f" "ref-report/rep/$f" || { echo "partial $f"; return 1; }
  done
}

# trial CMD TEMPLATE FUNCS N ARGS...: one injected failure; prints the
# problems found (nothing when all is well); sets $fired
trial() {
  cmd=$1 tpl=$2 funcs=$3 n=$4; shift 4
  rm -rf w && cp -a "tpl-$tpl" w
  eno=EIO; [ $((n % 2)) -eq 0 ] && eno=ENOSPC
  (cd w && with_fault "$funcs" "$n" "$eno" "$S" "$@" >out 2>err); rc=$?
  fired=$(fault_fired); func=$(fault_func)
  if [ "$fired" = 0 ]; then
    [ $rc -eq 0 ] || echo "no fault injected, yet exit $rc: $(head -n 1 w/err)"
  elif [ $rc -ne 0 ] && [ "$funcs" = malloc ] && fault_in_hdf5; then
    # libhdf5 does not survive every failed allocation of its own (it can
    # crash, or exit from its atexit handler); counted apart, and the
    # store must still be sound (checked below)
    echo "$n" >> hdf5-oom.log
  elif [ $rc -ne 0 ] && [ "$funcs" = malloc ] && fault_in_openssl_init; then
    # the same for OpenSSL's lazy initialisation, counted apart
    echo "$n" >> openssl-oom.log
  elif [ $rc -eq 134 ] && grep -q '^sceval: out of memory' w/err; then
    : # sc_xmalloc's policy (git's too): no memory, a message and a stop
  elif [ $rc -eq 1 ] && [ "$funcs" = malloc ] &&
       grep -q '^Fatal Internal Error in libarchive: Out of memory' w/err; then
    : # libarchive's own policy for its strings (__archive_errx): the same
  elif [ $rc -ge 128 ]; then
    echo "$func #$n: killed by signal $((rc - 128))"
  elif [ $rc -ne 0 ]; then
    grep -q -E "^sceval $cmd: .*($FAULT_WORDS|'[^']+'|[^ ]+\.(h5ad|csv|npy|json|tar): )" w/err ||
      echo "$func #$n ($eno): exit $rc, message does not say what failed: $(grep '^sceval' w/err | head -n 1)"
    "leftover_$cmd" w >/dev/null || echo "$func #$n: a wrong output file is left: $("leftover_$cmd" w)"
  else
    "verify_$cmd" w w/out || echo "$func #$n ($eno): exit 0 but wrong output"
  fi
  p=$(store_sound w); [ -z "$p" ] || echo "$func #$n ($eno): after the fault: $p"
  # export refuses an existing file (its output was checked above: a
  # complete, correct bundle, or none): again means again, to a free path
  [ "$cmd" = export ] && rm -f w/b.tar
  (cd w && "$S" "$@" >out2 2>err2) || echo "$func #$n: the command again fails: $(head -n 1 w/err2)"
  "verify_$cmd" w w/out2 || echo "$func #$n: the command again gives a wrong output"
  p=$(store_sound w); [ -z "$p" ] || echo "$func #$n: after the command again: $p"
}

# sweep CMD TEMPLATE FUNCS STRIDE ARGS...: counts the command's calls, then
# fails every STRIDE-th of them (STRIDE 0: about $points of them), one per
# trial
sweep() {
  cmd=$1 tpl=$2 funcs=$3 stride=$4; shift 4
  rm -rf w && cp -a "tpl-$tpl" w
  (cd w && with_fault "$funcs" 0 EIO "$S" "$@" >/dev/null 2>&1)
  total=$(fault_calls)
  [ "$stride" -gt 0 ] || stride=$(( (total + points - 1) / points ))
  [ "$stride" -gt 0 ] || stride=1
  n=$(( 1 + ${SCEVAL_FAULT_OFFSET:-$(( $(od -An -N2 -tu2 /dev/urandom) ))} % stride ))
  tried=0 bad=0
  : > sweep.log; : > hdf5-oom.log; : > openssl-oom.log
  while [ $n -le "$total" ]; do
    trial "$cmd" "$tpl" "$funcs" "$n" "$@" > trial.log
    [ "$fired" = 0 ] || tried=$((tried + 1))
    if [ -s trial.log ]; then bad=$((bad + 1)); cat trial.log >> sweep.log; fi
    n=$((n + stride))
  done
  h5=$(wc -l < hdf5-oom.log) ossl=$(wc -l < openssl-oom.log)
  echo "# $cmd, $funcs: $tried injection points of $total calls (stride $stride), $bad with problems$(
    [ "$h5" = 0 ] || echo "; $h5 inside libhdf5 ended the command without a message")$(
    [ "$ossl" = 0 ] || echo "; $ossl inside OpenSSL's initialisation crashed it")"
  expect_eq "$cmd: every injected $funcs failure leaves a sound store and a working command" "$bad" "0"
  head -n 10 sweep.log | sed 's/^/#   /'
}

# SCEVAL_FAULT_ONE="CMD CLASS N" repeats one trial and shows where the call
# that failed was made (for fixing what a sweep found).
if [ -n "${SCEVAL_FAULT_ONE:-}" ]; then
  set -- $SCEVAL_FAULT_ONE
  case $1 in
    add) set -- add add "$2" "$3" add f dir ;;
    run) set -- run run "$2" "$3" run -q -j 1 --json spec.yaml ;;
    gc) set -- gc gc "$2" "$3" gc ;;
    export) set -- export done "$2" "$3" export "$R" -o b.tar ;;
    import) set -- import import "$2" "$3" import b.tar ;;
    report) set -- report done "$2" "$3" report 1 -o rep ;;
  esac
  SCEVAL_FAULT_TRACE=1; export SCEVAL_FAULT_TRACE
  trial "$@"
  cat w/err
  grep -o '^/[^(]*(+0x[0-9a-f]*)' "$T/fault.state.trace" | sed 's/(+/ /; s/)$//' | while read -r obj off; do
    addr2line -f -p -e "$obj" "$off"
  done | grep -v '^??' | head -n 20
  done_testing
fi

# make check: 12 I/O and 6 allocation points per command (about a minute in
# all); make check-long: every I/O call and 200 allocations per command. -j 1
# keeps the order of calls the same from one trial to the next.
ulimit -c 0
for cls in io malloc; do
  if [ "$LONG" = 1 ]; then st=1 points=0; [ $cls = malloc ] && st=${SCEVAL_FAULT_MALLOC_STRIDE:-0} points=200
  else st=0 points=12; [ $cls = malloc ] && points=6; fi
  sweep add add $cls $st add f dir
  sweep run run $cls $st run -q -j 1 --json spec.yaml
  sweep gc gc $cls $st gc
  sweep export done $cls $st export "$R" -o b.tar
  sweep import import $cls $st import b.tar
  sweep report done $cls $st report 1 -o rep
done
done_testing
