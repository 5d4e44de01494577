# Shared by the fault tests (tests/cli/t06*.sh), sourced after tests/cli/lib.sh:
# building the failure-injection shim and the checks made after every fault
# or kill. See tests/faults/README.md.
FAULTS_DIR=$TESTS_DIR/faults
LONG=${SCEVAL_LONG_TESTS:-0}

# build_shim: compiles faultinj.c into $T/faultinj.so with the system
# compiler; false (after a skip line) when that is not possible.
build_shim() {
  if ! ${CC:-cc} -shared -fPIC -O1 -Wall -Wextra -Werror -o "$T/faultinj.so" \
      "$FAULTS_DIR/faultinj.c" -ldl 2>"$T/cc.err"; then
    skip "cannot build the injection shim: $(head -n 1 "$T/cc.err")"
    return 1
  fi
}

# with_fault FUNCS N ERRNO CMD...: runs CMD with the N-th call among FUNCS
# failing (N=0 only counts); the state file is $T/fault.state
with_fault() {
  funcs=$1 n=$2 eno=$3; shift 3
  rm -f "$T/fault.state" "$T/fault.state.trace"
  SCEVAL_FAULT_TRACE=1 SCEVAL_FAULT_FILE="$T/fault.state" SCEVAL_FAULT_FUNCS=$funcs SCEVAL_FAULT_N=$n \
    SCEVAL_FAULT_ERRNO=$eno LD_PRELOAD="$T/faultinj.so" "$@"
}
# fault_calls: how many calls the last with_fault counted
fault_calls() { od -An -tu8 -N8 "$T/fault.state" | tr -d ' '; }
# fault_fired: the number of the call that failed (0: the command made fewer)
fault_fired() { od -An -tu8 -j8 -N8 "$T/fault.state" | tr -d ' '; }
# fault_in_hdf5: true when the call that failed was made inside libhdf5
fault_in_hdf5() { grep -q 'libhdf5' "$T/fault.state.trace" 2>/dev/null; }
# fault_in_openssl_init: true when it was made by OpenSSL's once-only
# initialisation (OPENSSL_init_crypto, config loading), which does not
# survive a failed allocation (seen: SIGSEGV inside libcrypto)
fault_in_openssl_init() { grep -q 'libcrypto.*\(OPENSSL_init\|OPENSSL_config\|CONF_\)\|OPENSSL_config\|OPENSSL_init_crypto' "$T/fault.state.trace" 2>/dev/null; }
# fault_func: the name of the call that failed
fault_func() { dd if="$T/fault.state" bs=1 skip=24 count=40 2>/dev/null | tr -d '\000'; }

# store_sound DIR: fsck finds no damage and check_store.py (independent of
# sceval: catalog integrity and foreign keys, every object's hash, every done
# step's and run's objects present) finds no problem. Prints the problems.
store_sound() {
  "$SCEVAL" --store "$1" fsck >"$T/fsck.out" 2>&1 || { sed 's/^/fsck: /' "$T/fsck.out" | grep -v '^fsck: temp ' | head -n 5; return 1; }
  "$PYTHON" "$FAULTS_DIR/check_store.py" "$1" | head -n 5
}

# The texts a message about an injected failure may carry: the C library's
# strerror or SQLite's words for the same errors.
FAULT_WORDS='Input/output error|No space left on device|Cannot allocate memory|out of memory|disk I/O error|database or disk is full|unable to open database file'
