#!/bin/sh
# bench/classify.sh - the classification baselines against their Python
# peers on the same synthetic data in the same run, with ratios:
#   logistic regression fit + predict vs sklearn LogisticRegression
#     (multinomial, lbfgs, same C and tol, both on StandardScaler'd input,
#     fit on the first 80% of cells, predict the rest), accuracies compared;
#   the neural network's epoch time (2000 features, batches of 128) vs the
#     same network in PyTorch (bench/nn_peer.py), float32 and float64;
#   the kNN classifier vs sklearn KNeighborsClassifier.
#
# Data: N cells x D features (logreg, kNN: a 50-PC-sized problem) and
# N x NN_D (network), K Gaussian classes, written once and read by both
# sides. Sizes and repeats come from the environment:
#   N=100000 D=50 NN_D=2000 K=20 C=1.0 TOL=1e-4 REPEAT=3 EPOCHS=1 KNN_K=15
# Each timing is the best of REPEAT runs (the machine is shared).
# Usage: sh bench/classify.sh      (from anywhere; `make bench` builds the drivers)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
: "${N:=100000}" "${D:=50}" "${NN_D:=2000}" "${K:=20}" "${C:=1.0}" "${TOL:=1e-4}"
: "${REPEAT:=3}" "${EPOCHS:=1}" "${KNN_K:=15}" "${PYTHON:=/usr/bin/python3}"

make -s bench >/dev/null

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sceval-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
data=$tmp/data.bin
build/bench/classify_bench gen "$data" "$N" "$D" "$K" 7

# value KEY FILE: the KEY=value line's value
value() { sed -n "s/^$1=//p" "$2"; }
# best RUNS... : run a command REPEAT times, keep the output with the lowest total_s
best() {
	out=$1; shift
	i=0
	while [ "$i" -lt "$REPEAT" ]; do
		"$@" >"$tmp/run" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
		if [ ! -f "$out" ] || awk -v a="$(value total_s "$tmp/run")" -v b="$(value total_s "$out")" \
			'BEGIN { exit !(a < b) }'; then
			cp "$tmp/run" "$out"
		fi
		i=$((i + 1))
	done
}

cat >"$tmp/sk_logreg.py" <<'EOF'
import sys, time, warnings
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.preprocessing import StandardScaler
warnings.simplefilter("ignore")
f, C, tol = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
n, d, k = map(int, np.fromfile(f, dtype=np.int64, count=3))
y = np.fromfile(f, dtype=np.int32, count=n, offset=24)
X = np.fromfile(f, dtype=np.float64, count=n * d, offset=24 + 4 * n).reshape(n, d)
ntr = n * 8 // 10
t0, c0 = time.perf_counter(), time.process_time()
sc = StandardScaler().fit(X[:ntr])
Xtr, Xte = sc.transform(X[:ntr]), sc.transform(X[ntr:])
m = LogisticRegression(multi_class="multinomial", solver="lbfgs", C=C, tol=tol,
                       max_iter=10000).fit(Xtr, y[:ntr])
t1 = time.perf_counter()
p = m.predict(Xte)
t2, c2 = time.perf_counter(), time.process_time()
print("fit_s=%.3f\npredict_s=%.3f\ntotal_s=%.3f\ncpu_s=%.3f\nn_iter=%d\naccuracy=%.6f\nf1_macro=%.6f" % (
    t1 - t0, t2 - t1, t2 - t0, c2 - c0, m.n_iter_[0], accuracy_score(y[ntr:], p),
    f1_score(y[ntr:], p, average="macro")))
EOF
cat >"$tmp/sk_knn.py" <<'EOF'
import sys, time
import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.neighbors import KNeighborsClassifier
f, k = sys.argv[1], int(sys.argv[2])
n, d, _ = map(int, np.fromfile(f, dtype=np.int64, count=3))
y = np.fromfile(f, dtype=np.int32, count=n, offset=24)
X = np.fromfile(f, dtype=np.float64, count=n * d, offset=24 + 4 * n).reshape(n, d)
ntr = n * 8 // 10
t0 = time.perf_counter()
p = KNeighborsClassifier(n_neighbors=k).fit(X[:ntr], y[:ntr]).predict(X[ntr:])
t1 = time.perf_counter()
print("total_s=%.3f\naccuracy=%.6f\nf1_macro=%.6f" % (t1 - t0, accuracy_score(y[ntr:], p),
      f1_score(y[ntr:], p, average="macro")))
EOF

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b / a }'; }
points() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.2f", 100 * (a - b) }'; }

echo "classification benchmark: $N cells, $K classes; threads: OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-default}, $(nproc) cores; best of $REPEAT"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (wall times stretch when other jobs run; cpu times less so)"
echo
echo "logistic regression ($D features, C=$C, tol=$TOL, fit on 80%, predict 20%)"
best "$tmp/c_lr" build/bench/classify_bench logreg "$data" "$C" "$TOL"
best "$tmp/py_lr" "$PYTHON" "$tmp/sk_logreg.py" "$data" "$C" "$TOL"
for side in c_lr:sceval py_lr:sklearn; do
	f=$tmp/${side%%:*}
	printf '  %-8s fit %7ss  predict %6ss  total %7ss (cpu %7ss)  iterations %4s  accuracy %s  macro F1 %s\n' \
		"${side#*:}" "$(value fit_s "$f")" "$(value predict_s "$f")" "$(value total_s "$f")" \
		"$(value cpu_s "$f")" "$(value n_iter "$f")" "$(value accuracy "$f")" "$(value f1_macro "$f")"
done
echo "  speed-up (sklearn / sceval, fit + predict): $(ratio "$(value total_s "$tmp/c_lr")" "$(value total_s "$tmp/py_lr")")x wall," \
	"$(ratio "$(value cpu_s "$tmp/c_lr")" "$(value cpu_s "$tmp/py_lr")")x cpu;" \
	"accuracy difference $(points "$(value accuracy "$tmp/c_lr")" "$(value accuracy "$tmp/py_lr")") points"

echo
echo "neural network ($NN_D features -> 512 -> 256 -> $K, batch 128, 90% train / 10% validation)"
nndata=$tmp/nn.bin
build/bench/classify_bench gen "$nndata" "$N" "$NN_D" "$K" 3 0.1
build/bench/classify_bench nn "$nndata" "$EPOCHS" >"$tmp/nn"
printf '  %-16s %s epoch(s) on %s cells: %ss per epoch (cpu %ss; incl. validation), validation accuracy %s\n' \
	"sceval (float64)" "$(value epochs "$tmp/nn")" "$(value train_cells "$tmp/nn")" "$(value epoch_s "$tmp/nn")" \
	"$(value epoch_cpu_s "$tmp/nn")" "$(value val_accuracy "$tmp/nn")"
if "$PYTHON" -c 'import torch' 2>/dev/null; then
	for dt in float32 float64; do
		"$PYTHON" "$top/bench/nn_peer.py" "$nndata" "$EPOCHS" "$dt" >"$tmp/nn_$dt"
		printf '  %-16s %s epoch(s) on %s cells: %ss per epoch (cpu %ss; incl. validation), validation accuracy %s\n' \
			"PyTorch ($dt)" "$(value epochs "$tmp/nn_$dt")" "$(value train_cells "$tmp/nn_$dt")" \
			"$(value epoch_s "$tmp/nn_$dt")" "$(value epoch_cpu_s "$tmp/nn_$dt")" "$(value val_accuracy "$tmp/nn_$dt")"
	done
	echo "  speed-up (PyTorch / sceval, per epoch): $(ratio "$(value epoch_s "$tmp/nn")" "$(value epoch_s "$tmp/nn_float32")")x against float32," \
		"$(ratio "$(value epoch_s "$tmp/nn")" "$(value epoch_s "$tmp/nn_float64")")x against float64" \
		"(PyTorch $("$PYTHON" -c 'import torch; print(torch.__version__, "threads", torch.get_num_threads())'))"
else
	echo "  (no PyTorch peer: Debian's python3-torch is not installed; apt-get install python3-torch)"
fi

echo
echo "kNN classifier ($D features, k=$KNN_K, Euclidean, 80% reference, 20% queries)"
best "$tmp/c_knn" build/bench/classify_knn_bench "$data" "$KNN_K"
best "$tmp/py_knn" "$PYTHON" "$tmp/sk_knn.py" "$data" "$KNN_K"
printf '  %-8s total %7ss  accuracy %s  macro F1 %s\n' sceval "$(value total_s "$tmp/c_knn")" \
	"$(value accuracy "$tmp/c_knn")" "$(value f1_macro "$tmp/c_knn")"
printf '  %-8s total %7ss  accuracy %s  macro F1 %s\n' sklearn "$(value total_s "$tmp/py_knn")" \
	"$(value accuracy "$tmp/py_knn")" "$(value f1_macro "$tmp/py_knn")"
echo "  speed-up: $(ratio "$(value total_s "$tmp/c_knn")" "$(value total_s "$tmp/py_knn")")x;" \
	"accuracy difference $(points "$(value accuracy "$tmp/c_knn")" "$(value accuracy "$tmp/py_knn")") points"
