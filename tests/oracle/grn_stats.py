"""Oracle for tests/unit/test_grn_stats.c: the gene-network task's statistics.

Input lines (whitespace separated):
  H ID x N K n        -> "ID exact LOG", "ID scipy_sf P", "ID fisher P", "ID scipy_logsf LOG"
  B ID m p1 .. pm     -> "ID q<i> Q" (statsmodels multipletests(method='fdr_bh'))
  A ID n a1..an b1..bn -> "ID ami V" (sklearn adjusted_mutual_info_score)
  E ID n t1..tn s1..sn -> "ID epr V" (BEELINE's early precision ratio, written out)

The exact tail is a ratio of big integers (math.comb), so it carries no
rounding at all until its logarithm is taken.
"""
import math
import sys

import numpy as np
from scipy import stats
from sklearn.metrics import adjusted_mutual_info_score
from statsmodels.stats.multitest import multipletests


def exact_log_sf(x, N, K, n):
    hi = min(n, K)
    num = sum(math.comb(K, i) * math.comb(N - K, n - i) for i in range(max(x, 0), hi + 1))
    if num == 0:
        return float("-inf")
    return math.log(num) - math.log(math.comb(N, n))


def epr(t, s):
    t = np.asarray(t, dtype=bool)
    s = np.asarray(s, dtype=float)
    k = int(t.sum())
    order = np.lexsort((np.arange(len(s)), -s))  # score descending, then index
    early = t[order[:k]].sum() / k
    return early / (k / len(t))


out = open(sys.argv[2], "w")
for line in open(sys.argv[1]):
    f = line.split()
    if not f:
        continue
    kind, cid = f[0], f[1]
    if kind == "H":
        x, N, K, n = map(int, f[2:6])
        print(cid, "exact", repr(exact_log_sf(x, N, K, n)), file=out)
        print(cid, "scipy_sf", repr(float(stats.hypergeom.sf(x - 1, N, K, n))), file=out)
        print(cid, "scipy_logsf", repr(float(stats.hypergeom.logsf(x - 1, N, K, n))), file=out)
        table = [[x, n - x], [K - x, N - K - n + x]]
        print(cid, "fisher", repr(float(stats.fisher_exact(table, alternative="greater")[1])), file=out)
    elif kind == "B":
        m = int(f[2])
        p = np.array([float(v) for v in f[3:3 + m]])
        q = multipletests(p, method="fdr_bh")[1]
        for i, v in enumerate(q):
            print(cid, "q%d" % i, repr(float(v)), file=out)
    elif kind == "A":
        n = int(f[2])
        a = [int(v) for v in f[3:3 + n]]
        b = [int(v) for v in f[3 + n:3 + 2 * n]]
        print(cid, "ami", repr(float(adjusted_mutual_info_score(a, b))), file=out)
    elif kind == "E":
        n = int(f[2])
        t = [int(v) for v in f[3:3 + n]]
        s = [float(v) for v in f[3 + n:3 + 2 * n]]
        print(cid, "epr", repr(float(epr(t, s))), file=out)
out.close()
