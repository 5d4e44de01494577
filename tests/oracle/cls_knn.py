"""Oracle for tests/unit/test_knn_classify_e2e.c: sklearn 1.2.1's
KNeighborsClassifier(n_neighbors=K, weights="uniform", algorithm="brute").

Usage: cls_knn.py IN OUT
IN cases: "knn ID NTRAIN NTEST D K METRIC" then NTRAIN lines "y x_1 .. x_D"
and NTEST lines "x_1 .. x_D" (METRIC euclidean or cosine).
OUT lines "ID NAME VALUE": pred.I, proba.I.C (C = position in classes_).
"""
import sys

import numpy as np
from sklearn.neighbors import KNeighborsClassifier


def main():
    lines = open(sys.argv[1]).read().split("\n")
    out = open(sys.argv[2], "w")
    i = 0
    while i < len(lines):
        h = lines[i].split()
        i += 1
        if not h:
            continue
        cid, ntr, nte, d, k, metric = h[1], int(h[2]), int(h[3]), int(h[4]), int(h[5]), h[6]
        tr = np.array([lines[i + r].split() for r in range(ntr)], dtype=np.float64)
        i += ntr
        te = np.array([lines[i + r].split() for r in range(nte)], dtype=np.float64).reshape(nte, d)
        i += nte
        m = KNeighborsClassifier(n_neighbors=k, algorithm="brute", metric=metric)
        m.fit(tr[:, 1:], tr[:, 0].astype(np.int64))
        pred = m.predict(te)
        proba = m.predict_proba(te)
        for r in range(nte):
            out.write("%s pred.%d %d\n" % (cid, r, pred[r]))
            for c in range(proba.shape[1]):
                out.write("%s proba.%d.%d %r\n" % (cid, r, c, float(proba[r, c])))
    out.close()


if __name__ == "__main__":
    main()
