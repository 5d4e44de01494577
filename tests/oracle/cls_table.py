"""Oracle for tests/unit/test_cls_table.c: what pandas 1.x's read_csv makes
of the same files (default NA strings, quoting).

Usage: cls_table.py IN OUT
IN lines:
  labels ID PATH IDCOL LABELCOL   -> n, ncat, code.GENE (LabelEncoder code),
                                     rows with a missing label dropped,
                                     repeated (id, label) rows merged
  matrix ID PATH                  -> rows, cols, v.I.J (NaN as nan)
The separator is a tab for .tsv/.txt, else a comma.
"""
import sys

import numpy as np
import pandas as pd
from sklearn.preprocessing import LabelEncoder


def sep_of(path):
    return "\t" if path.endswith((".tsv", ".txt", ".tab")) else ","


def main():
    out = open(sys.argv[2], "w")
    for line in open(sys.argv[1]):
        h = line.split()
        if not h:
            continue
        kind, cid, path = h[0], h[1], h[2]
        if kind == "labels":
            df = pd.read_csv(path, sep=sep_of(path), dtype=str)
            df = df[[h[3], h[4]]].dropna(subset=[h[4]]).drop_duplicates()
            enc = LabelEncoder().fit(df[h[4]])
            out.write("%s n %d\n%s ncat %d\n" % (cid, len(df), cid, len(enc.classes_)))
            for g, c in zip(df[h[3]], enc.transform(df[h[4]])):
                out.write("%s code.%s %d\n" % (cid, g, c))
        elif kind == "matrix":
            df = pd.read_csv(path, sep=sep_of(path), index_col=0)
            v = df.to_numpy(dtype=np.float64)
            out.write("%s rows %d\n%s cols %d\n" % (cid, v.shape[0], cid, v.shape[1]))
            for i in range(v.shape[0]):
                for j in range(v.shape[1]):
                    out.write("%s v.%d.%d %r\n" % (cid, i, j, float(v[i, j])))
    out.close()


if __name__ == "__main__":
    main()
