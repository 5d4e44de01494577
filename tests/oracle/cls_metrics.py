"""Oracle for tests/unit/test_cls_metrics.c: scikit-learn 1.2.1's metrics.

Usage: cls_metrics.py IN OUT
IN holds cases, each a header line and data lines:
  labels ID N          then a line of N y_true codes and a line of N y_pred codes
  rank ID N POS        then a line of N y codes and a line of N scores
  ovr ID N K           then a line of N y codes and N lines of K scores
OUT gets one line per value: "ID NAME VALUE" (repr of a float, nan for NaN).
Per-class values are named NAME.CODE; the confusion matrix conf.I.J uses
positions in the sorted label set.
"""
import sys
import warnings

import numpy as np
from sklearn import metrics

warnings.simplefilter("ignore")


def emit(out, cid, name, v):
    out.write("%s %s %r\n" % (cid, name, float(v)))


def labels_case(out, cid, yt, yp):
    emit(out, cid, "accuracy", metrics.accuracy_score(yt, yp))
    emit(out, cid, "balanced_accuracy", metrics.balanced_accuracy_score(yt, yp))
    for avg in ("macro", "weighted"):
        p, r, f, _ = metrics.precision_recall_fscore_support(yt, yp, average=avg)
        emit(out, cid, "precision_" + avg, p)
        emit(out, cid, "recall_" + avg, r)
        emit(out, cid, "f1_" + avg, f)
    # sklearn's own helpers must agree with precision_recall_fscore_support
    emit(out, cid, "f1_macro_direct", metrics.f1_score(yt, yp, average="macro"))
    with np.errstate(all="ignore"):
        emit(out, cid, "kappa", metrics.cohen_kappa_score(yt, yp))
    rep = metrics.classification_report(yt, yp, output_dict=True)
    labs = np.unique(np.concatenate([yt, yp]))
    emit(out, cid, "nclass", len(labs))
    for c in labs:
        d = rep[str(c)]
        emit(out, cid, "precision.%d" % c, d["precision"])
        emit(out, cid, "recall.%d" % c, d["recall"])
        emit(out, cid, "f1.%d" % c, d["f1-score"])
        emit(out, cid, "support.%d" % c, d["support"])
    cm = metrics.confusion_matrix(yt, yp)
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            emit(out, cid, "conf.%d.%d" % (i, j), cm[i, j])


def rank_case(out, cid, y, s, pos):
    yb = (y == pos).astype(int)
    try:
        auc = metrics.roc_auc_score(yb, s)
    except ValueError:
        auc = float("nan")  # sklearn: "Only one class present in y_true"
    emit(out, cid, "auroc", auc)
    emit(out, cid, "ap", metrics.average_precision_score(yb, s))


def ovr_case(out, cid, y, s):
    k = s.shape[1]
    if k == 2:
        v = metrics.roc_auc_score(y, s[:, 1])
    else:
        v = metrics.roc_auc_score(y, s, multi_class="ovr", average="macro")
    emit(out, cid, "auroc_ovr", v)


def main():
    lines = open(sys.argv[1]).read().split("\n")
    out = open(sys.argv[2], "w")
    i = 0
    while i < len(lines):
        h = lines[i].split()
        i += 1
        if not h:
            continue
        kind, cid, n = h[0], h[1], int(h[2])
        if kind == "labels":
            a = np.array(lines[i].split(), dtype=np.int64)
            b = np.array(lines[i + 1].split(), dtype=np.int64)
            i += 2
            assert len(a) == n and len(b) == n
            labels_case(out, cid, a, b)
        elif kind == "rank":
            y = np.array(lines[i].split(), dtype=np.int64)
            s = np.array(lines[i + 1].split(), dtype=np.float64)
            i += 2
            rank_case(out, cid, y, s, int(h[3]))
        elif kind == "ovr":
            k = int(h[3])
            y = np.array(lines[i].split(), dtype=np.int64)
            s = np.array([lines[i + 1 + r].split() for r in range(n)], dtype=np.float64)
            i += 1 + n
            assert s.shape == (n, k)
            ovr_case(out, cid, y, s)
        else:
            raise SystemExit("bad case header: %r" % lines[i - 1])
    out.close()


if __name__ == "__main__":
    main()
