"""Oracle for tests/unit/test_cls_logreg.c: sklearn 1.2.1's StandardScaler
and LogisticRegression(multi_class="multinomial", solver="lbfgs"), and the
exact optimum of the same objective.

Usage:
  cls_logreg.py IN OUT            fit every case of IN, write values to OUT
  cls_logreg.py --dump H5AD OBSM LABEL OUT
                                  write a real data set as a case body:
                                  "n d" then n lines "y x_1 .. x_d"
IN cases: "case ID N D C FIT_INTERCEPT TOL" then N lines "y x_1 .. x_d".
OUT lines "ID NAME VALUE":
  mean.J scale.J        StandardScaler on the raw X
  coef.K.J icpt.K       LogisticRegression(C, tol=TOL, max_iter=10000) on the
                        standardised X (two classes: sklearn's single row)
  proba.I.K             its predict_proba for the first 40 rows
  n_iter                its iteration count
  opt.coef.K.J opt.icpt.K opt.loss
                        the optimum of sklearn's objective (sum of log-losses
                        + ||W||^2 / 2C) by scipy's L-BFGS-B run without the
                        relative-decrease stop (ftol = 0), on sklearn's own
                        loss object (all K rows, intercepts centred)
"""
import sys
import warnings

import numpy as np
from scipy import optimize
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

warnings.simplefilter("ignore")


def optimum(X, y, C, fit_intercept):
    from sklearn._loss.loss import HalfMultinomialLoss
    from sklearn.linear_model._linear_loss import LinearModelLoss

    classes = np.unique(y)
    K = classes.size
    yi = np.searchsorted(classes, y).astype(np.float64)
    loss = LinearModelLoss(base_loss=HalfMultinomialLoss(n_classes=K), fit_intercept=fit_intercept)
    d = X.shape[1] + int(fit_intercept)
    w0 = np.zeros(K * d)
    sw = np.ones(X.shape[0])
    r = optimize.minimize(
        loss.loss_gradient, w0, method="L-BFGS-B", jac=True,
        args=(X, yi, sw, 1.0 / C, 1),
        options={"maxiter": 100000, "gtol": 1e-13, "ftol": 0.0, "maxcor": 30, "maxls": 100},
    )
    W = r.x.reshape((K, d), order="F")
    coef = W[:, : X.shape[1]]
    icpt = W[:, -1] - W[:, -1].mean() if fit_intercept else np.zeros(K)
    return coef, icpt, r.fun


def fit_case(out, cid, X, y, C, fi, tol):
    w = lambda name, v: out.write("%s %s %r\n" % (cid, name, float(v)))
    sc = StandardScaler().fit(X)
    for j in range(X.shape[1]):
        w("mean.%d" % j, sc.mean_[j])
        w("scale.%d" % j, sc.scale_[j])
    Xs = sc.transform(X)
    m = LogisticRegression(multi_class="multinomial", solver="lbfgs", C=C, tol=tol,
                           max_iter=10000, fit_intercept=bool(fi)).fit(Xs, y)
    for k in range(m.coef_.shape[0]):
        for j in range(m.coef_.shape[1]):
            w("coef.%d.%d" % (k, j), m.coef_[k, j])
        w("icpt.%d" % k, m.intercept_[k] if fi else 0.0)
    P = m.predict_proba(Xs[:40])
    for i in range(P.shape[0]):
        for k in range(P.shape[1]):
            w("proba.%d.%d" % (i, k), P[i, k])
    w("n_iter", m.n_iter_[0])
    coef, icpt, f = optimum(Xs, y, C, bool(fi))
    for k in range(coef.shape[0]):
        for j in range(coef.shape[1]):
            w("opt.coef.%d.%d" % (k, j), coef[k, j])
        w("opt.icpt.%d" % k, icpt[k])
    w("opt.loss", f)


def dump(h5ad, obsm, label, path):
    import anndata

    a = anndata.read_h5ad(h5ad)
    X = np.asarray(a.obsm[obsm], dtype=np.float64)
    lab = a.obs[label]
    codes = lab.cat.codes.to_numpy() if hasattr(lab, "cat") else np.unique(lab, return_inverse=True)[1]
    keep = codes >= 0
    X, codes = X[keep], codes[keep]
    with open(path, "w") as f:
        f.write("%d %d\n" % X.shape)
        for i in range(X.shape[0]):
            f.write("%d %s\n" % (codes[i], " ".join("%r" % float(v) for v in X[i])))


def main():
    if sys.argv[1] == "--dump":
        dump(*sys.argv[2:6])
        return
    lines = open(sys.argv[1]).read().split("\n")
    out = open(sys.argv[2], "w")
    i = 0
    while i < len(lines):
        h = lines[i].split()
        i += 1
        if not h:
            continue
        cid, n, d, C, fi, tol = h[1], int(h[2]), int(h[3]), float(h[4]), int(h[5]), float(h[6])
        rows = np.array([lines[i + r].split() for r in range(n)], dtype=np.float64)
        i += n
        y = rows[:, 0].astype(np.int64)
        X = rows[:, 1:]
        assert X.shape == (n, d)
        fit_case(out, cid, X, y, C, fi, tol)
    out.close()


if __name__ == "__main__":
    main()
