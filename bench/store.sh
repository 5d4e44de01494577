#!/bin/sh
# Store benchmark: on the same 1 GiB file, in one run, time
#   openssl dgst -sha256, sha256sum, cp + sync,
#   sceval add (new object), sceval add (unchanged file), sceval fsck,
# and print the ratios the store is held to:
#   fsck hashing >= 80% of openssl's throughput,
#   add (new) <= 1.25 x (openssl + cp-and-sync),
#   re-add of the unchanged file < 50 ms.
# Usage: sh bench/store.sh [SIZE_MIB] (default 1024). Needs ./sceval built.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
SCEVAL=${SCEVAL:-$top/sceval}
MIB=${1:-1024}
W=$(mktemp -d "${TMPDIR:-/tmp}/sceval-bench.XXXXXX")
trap 'chmod -R u+w "$W"; rm -rf "$W"' EXIT
cd "$W"
now() { date +%s.%N; }
t() { s=$(now); "$@" >/dev/null; e=$(now); awk "BEGIN{print $e - $s}"; }
calc() { awk "BEGIN{print $1}"; }

echo "creating a ${MIB} MiB file..."
head -c $((MIB * 1048576)) /dev/urandom > data
sync; sleep 1
"$SCEVAL" init >/dev/null

t_ossl=$(t openssl dgst -sha256 data)
t_sum=$(t sha256sum data)
t_cp=$(t sh -c 'cp data copy && sync')
rm -f copy; sync
t_add=$(t "$SCEVAL" add data)
t_re=$(t "$SCEVAL" add data)
t_fsck=$(t "$SCEVAL" fsck)

mb=$(calc "$MIB * 1.048576")
printf '%-32s %8.3f s  %7.0f MB/s\n' "openssl dgst -sha256" "$t_ossl" "$(calc "$mb / $t_ossl")"
printf '%-32s %8.3f s  %7.0f MB/s\n' "sha256sum" "$t_sum" "$(calc "$mb / $t_sum")"
printf '%-32s %8.3f s\n' "cp + sync" "$t_cp"
printf '%-32s %8.3f s\n' "sceval add (new object)" "$t_add"
printf '%-32s %8.3f s\n' "sceval add (unchanged file)" "$t_re"
printf '%-32s %8.3f s  %7.0f MB/s\n' "sceval fsck" "$t_fsck" "$(calc "$mb / $t_fsck")"
echo
printf 'fsck throughput / openssl:        %.2f  (target >= 0.80)\n' "$(calc "$t_ossl / $t_fsck")"
printf 'add / (openssl + cp-and-sync):    %.2f  (target <= 1.25)\n' "$(calc "$t_add / ($t_ossl + $t_cp)")"
printf 're-add unchanged:                 %.1f ms (target < 50 ms)\n' "$(calc "$t_re * 1000")"
