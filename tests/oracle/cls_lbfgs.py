"""Oracle for tests/unit/test_cls_lbfgs.c: scipy 1.10's L-BFGS-B (no bounds)
on test functions, to check that sceval's L-BFGS walks the same path.

Usage: cls_lbfgs.py IN OUT
IN lines: "FUNC ID N GTOL FTOL x0_1 .. x0_N" with FUNC rosen (extended
Rosenbrock) or quad (sum_i i (x_i - 1)^2 + (sum_i x_i)^2 / 10).
OUT lines "ID NAME VALUE": nit, nfev, fun, x.I.
"""
import sys

import numpy as np
from scipy import optimize


def rosen(x):
    f = 0.0
    g = np.zeros_like(x)
    for i in range(0, len(x) - 1):
        a = x[i + 1] - x[i] ** 2
        b = 1 - x[i]
        f += 100 * a * a + b * b
        g[i] += -400 * a * x[i] - 2 * b
        g[i + 1] += 200 * a
    return f, g


def quad(x):
    i = np.arange(1, len(x) + 1, dtype=np.float64)
    s = x.sum()
    f = np.sum(i * (x - 1) ** 2) + s * s / 10
    g = 2 * i * (x - 1) + s / 5
    return f, g


def main():
    out = open(sys.argv[2], "w")
    for line in open(sys.argv[1]):
        h = line.split()
        if not h:
            continue
        fn = {"rosen": rosen, "quad": quad}[h[0]]
        cid, n, gtol, ftol = h[1], int(h[2]), float(h[3]), float(h[4])
        x0 = np.array(h[5 : 5 + n], dtype=np.float64)
        r = optimize.minimize(fn, x0, jac=True, method="L-BFGS-B",
                              options={"gtol": gtol, "ftol": ftol, "maxiter": 15000})
        out.write("%s nit %d\n%s nfev %d\n%s fun %r\n" % (cid, r.nit, cid, r.nfev, cid, r.fun))
        for i, v in enumerate(r.x):
            out.write("%s x.%d %r\n" % (cid, i, v))
    out.close()


if __name__ == "__main__":
    main()
