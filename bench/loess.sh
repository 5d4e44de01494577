#!/bin/sh
# bench/loess.sh - the loess fit of seurat_v3 on N genes [30000]: sceval's
# interpolated surface (skmisc's and R's default, what scanpy fits), its
# direct surface, and R's loess() on the same pairs (the fit alone, with
# the approximate and the exact trace of the hat matrix), with the largest
# difference from R's fitted values. The direct surface is O(n^2): about
# half a minute at 30000 genes.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-30000}
W=$(mktemp -d "${TMPDIR:-/tmp}/sceval-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT

make -C "$top" -s bench >/dev/null

echo "# machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$top/build/bench/loess_bench" "$N" "$W/xy"
Rscript - "$W/xy" <<'REOF'
path <- commandArgs(trailingOnly = TRUE)[1]
con <- file(path, "rb"); invisible(readChar(con, 4, useBytes = TRUE))
h <- readBin(con, "integer", n = 2, size = 8)
m <- matrix(readBin(con, "double", n = h[1] * h[2]), ncol = 2, byrow = TRUE); close(con)
d <- data.frame(x = m[, 1], y = m[, 2])
t <- system.time(f <- loess(y ~ x, data = d, span = 0.3, degree = 2,
                            control = loess.control(trace.hat = "approximate")))
cat(sprintf("R loess     n=%d: %.4f s (the fit, approximate trace)\n", nrow(d), t[["elapsed"]]))
con <- file(paste0(path, ".fit"), "rb"); invisible(readChar(con, 4, useBytes = TRUE))
h <- readBin(con, "integer", n = 2, size = 8); s <- readBin(con, "double", n = h[1]); close(con)
cat(sprintf("max |sceval interpolate - R| = %.2g (fitted values %.2g .. %.2g)\n",
            max(abs(s - f$fitted)), min(f$fitted), max(f$fitted)))
t <- system.time(f <- loess(y ~ x, data = d, span = 0.3, degree = 2))
cat(sprintf("R loess     n=%d: %.4f s (the fit, exact trace: R's default)\n",
            nrow(d), t[["elapsed"]]))
REOF
