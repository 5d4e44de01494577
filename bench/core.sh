#!/bin/sh
# bench/core.sh - times the numerical core against its Python peers on the
# same inputs in the same run, and prints every figure and ratio:
#   (a) PCA to 50 components of a 100k x 2000 CSR matrix (~10% non-zeros,
#       log1p of Poisson counts): sc_pca_csr vs sklearn PCA with
#       svd_solver='arpack' and 'randomized' (sklearn 1.2 takes no sparse
#       input, so it gets the densified matrix; densifying is timed apart);
#   (b) exact kNN, k = 15, 50, 90, of 100k x 50 points against themselves:
#       sc_knn_self vs NearestNeighbors(algorithm='brute', n_jobs=2);
#   (c) the distance kernel's GFLOP/s (2 n^2 d over the kNN time) against
#       OpenBLAS dgemm's peak measured here (4000^3, same thread count).
# Sizes: PCA_N PCA_P KNN_N KNN_D (environment). Needs ~6 GB of memory and
# several minutes, most of it in sklearn. The machine's other load shows
# in every figure: run it on a quiet machine.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
PCA_N=${PCA_N:-100000} PCA_P=${PCA_P:-2000} KNN_N=${KNN_N:-100000} KNN_D=${KNN_D:-50}
W=$(mktemp -d "${TMPDIR:-/tmp}/sceval-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT

make -C "$top" -s build/libsceval.a
make -C "$top" -s bench >/dev/null

out=$W/results
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out"
"$PYTHON" "$top/bench/core_peer.py" gen "$W" "$PCA_N" "$PCA_P" "$KNN_N" "$KNN_D" | tee -a "$out"
"$top/build/bench/core_bench" gemm | tee -a "$out"
"$top/build/bench/core_bench" pca "$W/pca.csr" 50 | tee -a "$out"
"$top/build/bench/core_bench" pca "$W/pca.csr" 50 iterative | tee -a "$out"
"$PYTHON" "$top/bench/core_peer.py" pca "$W" 50 | tee -a "$out"
"$top/build/bench/core_bench" knn "$W/knn.dense" 15 50 90 | tee -a "$out"
"$PYTHON" "$top/bench/core_peer.py" knn "$W" 15 50 90 | tee -a "$out"

echo "# ratios (> 1: sceval faster)"
awk '
  { v[$1] = $2 }
  END {
    printf "pca: sceval %.2f s; sklearn arpack %.2f s (x%.2f), randomized %.2f s (x%.2f); + densify %.2f s\n",
      v["pca_seconds"], v["sk_pca_arpack_seconds"], v["sk_pca_arpack_seconds"] / v["pca_seconds"],
      v["sk_pca_randomized_seconds"], v["sk_pca_randomized_seconds"] / v["pca_seconds"], v["sk_densify_seconds"]
    printf "pca: first explained variance sceval %s, arpack %s; 50th sceval %s, arpack %s, randomized %s\n",
      v["pca_ev"], v["sk_pca_arpack_ev"], v["pca_ev_last"], v["sk_pca_arpack_ev_last"], v["sk_pca_randomized_ev_last"]
    printf "pca (forced subspace iteration, the path for min(n,p) > 12000): %.2f s\n", v["pca_iter_seconds"]
    split("15 50 90", ks, " ")
    for (i = 1; i <= 3; i++) {
      k = ks[i]
      printf "knn k=%d: sceval %.2f s, sklearn %.2f s (x%.2f); distance sums %s vs %s\n", k,
        v["knn_k" k "_seconds"], v["sk_knn_k" k "_seconds"], v["sk_knn_k" k "_seconds"] / v["knn_k" k "_seconds"],
        v["knn_k" k "_distsum"], v["sk_knn_k" k "_distsum"]
      printf "kernel k=%d: %.1f GFLOP/s = %.0f%% of the dgemm peak measured just before (%.1f GFLOP/s, %d threads)\n", k,
        v["knn_k" k "_gflops"], 100 * v["knn_k" k "_gflops"] / v["knn_k" k "_peak_gflops"], v["knn_k" k "_peak_gflops"],
        v["blas_threads"]
      printf "kernel k=%d in CPU time: %.1f GFLOP/s per core = %.0f%% of one-thread dgemm (%.1f GFLOP/s; unmoved by load)\n", k,
        v["knn_k" k "_cpu_gflops"], 100 * v["knn_k" k "_cpu_gflops"] / v["knn_k" k "_peak_cpu_gflops"], v["knn_k" k "_peak_cpu_gflops"]
    }
  }' "$out"
