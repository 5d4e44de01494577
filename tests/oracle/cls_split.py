"""Oracle for tests/unit/test_cls_split.c: how many cells of each class
scikit-learn 1.2.1's splitters put where (the cells themselves differ: sklearn
draws with numpy's generator).

Usage: cls_split.py IN OUT
IN cases:
  strat ID N FRAC   then a line of N class codes (every class has >= 2 cells)
  kfold ID N K      then a line of N class codes
OUT lines "ID NAME VALUE":
  strat: ntest (total) and ntest.CODE per class, from StratifiedShuffleSplit
  kfold: alloc.F.CODE = cells of class CODE in test fold F, from StratifiedKFold
"""
import sys
import warnings

import numpy as np
from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit

warnings.simplefilter("ignore")


def main():
    lines = open(sys.argv[1]).read().split("\n")
    out = open(sys.argv[2], "w")
    i = 0
    while i < len(lines):
        h = lines[i].split()
        i += 1
        if not h:
            continue
        y = np.array(lines[i].split(), dtype=np.int64)
        i += 1
        kind, cid = h[0], h[1]
        x = np.zeros((len(y), 1))
        if kind == "strat":
            frac = float(h[3])
            sss = StratifiedShuffleSplit(n_splits=1, test_size=frac, random_state=0)
            _, test = next(sss.split(x, y))
            out.write("%s ntest %d\n" % (cid, len(test)))
            for c in np.unique(y):
                out.write("%s ntest.%d %d\n" % (cid, c, int(np.sum(y[test] == c))))
        elif kind == "kfold":
            k = int(h[3])
            skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=0)
            for f, (_, test) in enumerate(skf.split(x, y)):
                for c in np.unique(y):
                    out.write("%s alloc.%d.%d %d\n" % (cid, f, c, int(np.sum(y[test] == c))))
        else:
            raise SystemExit("bad case header: %r" % h)
    out.close()


if __name__ == "__main__":
    main()
